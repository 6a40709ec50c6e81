/* prepare.c - `miles prepare <dataset>`: a dataset's published layout -> the HDF5 cache. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "cli/prepare_cremad.h"
#include "cli/prepare_luma.h"
#include "cli/prepare_mlsynth.h"
#include "cli/prepare_mmimdb.h"
#include "core/util.h"
#include "data/smnist.h"

/* What the command line gave; each dataset's preparer reads the options it knows. */
typedef struct {
    const char *from, *out;
    long long n_train, n_val, n_test, seed;
} prepare_args;

/* PATH with its directory resolved: realpath(dirname) + "/" + basename; -1 when the directory
 * does not exist or the result does not fit. */
static int resolve_parent(const char *path, char *out, size_t len) {
    char dir[ML_PATH_MAX], real[PATH_MAX];
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    if (!*name || !strcmp(name, ".") || !strcmp(name, "..")) return realpath(path, out) && strlen(out) < len ? 0 : -1;
    if (snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) + 1 : 1, slash ? path : ".") >= (int)sizeof dir)
        return -1;
    if (!realpath(dir, real)) return -1;
    return snprintf(out, len, "%s/%s", strcmp(real, "/") ? real : "", name) < (int)len ? 0 : -1;
}

/* Whether RESOLVED is the real path of FROM/REL, or (as_dir) lies below it. */
static int under(const char *resolved, const char *from, const char *rel, int as_dir) {
    char joined[ML_PATH_MAX], real[PATH_MAX];
    if (path_join(joined, sizeof joined, from, rel) || !realpath(joined, real)) return 0;
    size_t n = strlen(real);
    if (!as_dir) return !strcmp(resolved, real);
    return !strncmp(resolved, real, n) && (resolved[n] == '/' || (n == 1 && real[0] == '/'));
}

int prepare_out_is_input(const char *out, const char *from, const char *const *files, int n, const char *const *dirs,
                         int n_dirs) {
    char resolved[ML_PATH_MAX];
    if (resolve_parent(out, resolved, sizeof resolved)) return 0;
    for (int i = 0; i < n; i++)
        if (under(resolved, from, files[i], 0)) return 1;
    for (int i = 0; i < n_dirs; i++)
        if (under(resolved, from, dirs[i], 1)) return 1;
    return 0;
}

int prepare_check_dirs(const cli_command *cmd, const char *from, const char *out, const char *report,
                       const char *const *dirs, int n) {
    if (!from || !out) return cli_fail(cmd, "both --from DIR and --out FILE.h5 are required");
    if (report && prepare_out_is_input(report, from, NULL, 0, dirs, n))
        return cli_fail(cmd, "--report %s is inside an input directory of %s: it could replace an input", report, from);
    if (!prepare_out_is_input(out, from, NULL, 0, dirs, n)) return CLI_PARSED;
    char names[512] = "";
    for (int i = 0; i < n; i++)
        text_fmt(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "", dirs[i]);
    return cli_fail(cmd, "--out %s is inside an input directory of %s (%s): the cache could replace an input", out,
                    from, names);
}

static int prepare_smnist(const cli_command *cmd, const prepare_args *a) {
    static const char *const inputs[] = {"data_wr_train.npy", "data_wr_test.npy", "data_sp_train.npy",
                                         "data_sp_test.npy",  "labels_train.npy", "labels_test.npy"};
    if (!a->from || !a->out) return cli_fail(cmd, "both --from DIR and --out FILE.h5 are required");
    if (prepare_out_is_input(a->out, a->from, inputs, 6, NULL, 0))
        return cli_fail(cmd, "--out %s is one of the input files in %s: the cache would replace it", a->out, a->from);
    smnist_options o;
    smnist_options_default(&o);
    o.verbose = 1;
    o.n_train = a->n_train;
    o.n_val = a->n_val;
    o.n_test = a->n_test;
    o.seed = (uint64_t)a->seed;
    char err[2048];
    ml_status st = smnist_prepare(a->from, a->out, &o, err, sizeof err);
    if (st != ML_OK) {
        fprintf(stderr, "miles: %s\n", err);
        return cli_exit_code(st);
    }
    printf("wrote %s\n", a->out);
    return EXIT_OK;
}

int cmd_prepare(int argc, char **argv) {
    /* Datasets whose options differ from S-MNIST's have a command of their own. */
    if (argc > 1 && !strcmp(argv[1], "luma")) return cmd_prepare_luma(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "cremad")) return cmd_prepare_cremad(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "mlsynth")) return cmd_prepare_mlsynth(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "mmimdb")) return cmd_prepare_mmimdb(argc - 1, argv + 1);
    prepare_args a = {
        .n_train = SMNIST_DEFAULT_N_TRAIN, .n_val = SMNIST_DEFAULT_N_VAL, .n_test = SMNIST_DEFAULT_N_TEST, .seed = 0};
    /* Counts past int32 are range errors here, not allocations that fail later. */
    static const char count[] = "a row count in [0, 2147483647]", seed[] = "an integer >= 0";
    const cli_opt opts[] = {
        CLI_STRING("--from", &a.from, "DIR", "the directory holding the dataset's published files"),
        CLI_STRING("--out", &a.out, "FILE.h5", "the cache to write"),
        CLI_INT("--train", &a.n_train, "N", 0, INT32_MAX, count,
                "training rows drawn from the original train set (default 8000; 0 = the rest)"),
        CLI_INT("--val", &a.n_val, "N", 0, INT32_MAX, count,
                "validation rows drawn from the original train set (default 2000;\n"
                "0 = every row not drawn for train)"),
        CLI_INT("--test", &a.n_test, "N", 0, INT32_MAX, count,
                "test rows drawn from the original test set (default 2000; 0 = all)"),
        CLI_INT("--seed", &a.seed, "S", 0, LLONG_MAX, seed, "seed of the stratified draw (default 0)"),
        CLI_END,
    };
    const cli_command cmd = {
        .name = "prepare",
        .synopsis = "smnist --from DIR --out FILE.h5 [--train N] [--val N] [--test N] [--seed S]",
        .description = "Reads the six S-MNIST files (data_wr_{train,test}.npy, data_sp_{train,test}.npy,\n"
                       "labels_{train,test}.npy: the Khacef et al. release, Zenodo DOI 10.5281/zenodo.3515934, or the\n"
                       "stand-in made by datasets/smnist/make-standin) and writes the HDF5 cache training reads.\n"
                       "LUMA: miles prepare luma --help. CREMA-D: miles prepare cremad --help. The\n"
                       "multi-label text + image layout: miles prepare mlsynth --help. MM-IMDb: miles prepare\n"
                       "mmimdb --help.\n",
        .opts = opts,
        .min_pos = 1,
        .max_pos = 1,
        .pos_what = "one dataset name (smnist)",
    };
    const char *pos[1];
    int n_pos;
    int rc = cli_parse(&cmd, argc, argv, pos, &n_pos);
    if (rc != CLI_PARSED) return rc;
    /* One line per dataset. */
    if (!strcmp(pos[0], "smnist")) return prepare_smnist(&cmd, &a);
    return cli_fail(&cmd, "dataset: expected smnist, luma, cremad, mlsynth or mmimdb, found '%s'", pos[0]);
}
