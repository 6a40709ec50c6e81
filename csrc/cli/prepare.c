/* prepare.c - `miles prepare <dataset>`: a dataset's published layout -> the HDF5 cache. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "cli/prepare_luma.h"
#include "data/smnist.h"

/* What the command line gave; each dataset's preparer reads the options it knows. */
typedef struct {
    const char *from, *out;
    long long n_train, n_val, n_test, seed;
} prepare_args;

static int prepare_smnist(const cli_command *cmd, const prepare_args *a) {
    if (!a->from || !a->out) return cli_fail(cmd, "both --from DIR and --out FILE.h5 are required");
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
    prepare_args a = {
        .n_train = SMNIST_DEFAULT_N_TRAIN, .n_val = SMNIST_DEFAULT_N_VAL, .n_test = SMNIST_DEFAULT_N_TEST, .seed = 0};
    static const char count[] = "an integer >= 0";
    const cli_opt opts[] = {
        CLI_STRING("--from", &a.from, "DIR", "the directory holding the dataset's published files"),
        CLI_STRING("--out", &a.out, "FILE.h5", "the cache to write"),
        CLI_INT("--train", &a.n_train, "N", 0, LLONG_MAX, count,
                "training rows drawn from the original train set (default 8000; 0 = the rest)"),
        CLI_INT("--val", &a.n_val, "N", 0, LLONG_MAX, count,
                "validation rows drawn from the original train set (default 2000)"),
        CLI_INT("--test", &a.n_test, "N", 0, LLONG_MAX, count,
                "test rows drawn from the original test set (default 2000; 0 = all)"),
        CLI_INT("--seed", &a.seed, "S", 0, LLONG_MAX, count, "seed of the stratified draw (default 0)"),
        CLI_END,
    };
    const cli_command cmd = {
        .name = "prepare",
        .synopsis = "smnist --from DIR --out FILE.h5 [--train N] [--val N] [--test N] [--seed S]",
        .description = "Reads the six S-MNIST files (data_wr_{train,test}.npy, data_sp_{train,test}.npy,\n"
                       "labels_{train,test}.npy: the Khacef et al. release, Zenodo DOI 10.5281/zenodo.3515934, or the\n"
                       "stand-in made by datasets/smnist/make-standin) and writes the HDF5 cache training reads.\n"
                       "LUMA: miles prepare luma --help.\n",
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
    return cli_fail(&cmd,
                    "dataset: expected smnist or luma (CREMA-D and MM-IMDb loaders are not in this build yet), "
                    "found '%s'",
                    pos[0]);
}
