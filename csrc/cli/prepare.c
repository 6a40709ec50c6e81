/* prepare.c - `miles prepare <dataset>`: a dataset's published layout -> the HDF5 cache. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/prepare_luma.h"
#include "data/smnist.h"
#include "train/train.h"

static const char *const usage_prepare =
    "usage: miles prepare smnist --from DIR --out FILE.h5 [--train N] [--val N] [--test N] [--seed S]\n"
    "\n"
    "Reads the six S-MNIST files (data_wr_{train,test}.npy, data_sp_{train,test}.npy,\n"
    "labels_{train,test}.npy: the Khacef et al. release, Zenodo DOI 10.5281/zenodo.3515934, or the\n"
    "stand-in made by datasets/smnist/make-standin) and writes the HDF5 cache training reads.\n"
    "  --train N  training rows drawn from the original train set (default 8000; 0 = the rest)\n"
    "  --val N    validation rows drawn from the original train set (default 2000)\n"
    "  --test N   test rows drawn from the original test set (default 2000; 0 = all)\n"
    "  --seed S   seed of the stratified draw (default 0)\n";


static int parse_count(const char *flag, const char *v, int64_t *out) {
    char *end;
    long long x = strtoll(v, &end, 10);
    if (!*v || *end || x < 0) return cli_usage_error(usage_prepare, "%s: expected an integer >= 0, found '%s'", flag, v);
    *out = x;
    return 0;
}

int cmd_prepare(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "luma")) return cmd_prepare_luma(argc - 1, argv + 1);
    const char *name = NULL, *from = NULL, *out = NULL;
    smnist_options o;
    smnist_options_default(&o);
    o.verbose = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_prepare, stdout);
            return EXIT_OK;
        }
        if (a[0] == '-') {
            if (i + 1 >= argc) return cli_usage_error(usage_prepare, "%s needs a value", a);
            const char *v = argv[++i];
            int64_t n;
            if (!strcmp(a, "--from")) from = v;
            else if (!strcmp(a, "--out")) out = v;
            else if (!strcmp(a, "--train")) { if (parse_count(a, v, &o.n_train)) return EXIT_USAGE; }
            else if (!strcmp(a, "--val")) { if (parse_count(a, v, &o.n_val)) return EXIT_USAGE; }
            else if (!strcmp(a, "--test")) { if (parse_count(a, v, &o.n_test)) return EXIT_USAGE; }
            else if (!strcmp(a, "--seed")) { if (parse_count(a, v, &n)) return EXIT_USAGE; o.seed = (uint64_t)n; }
            else return cli_usage_error(usage_prepare, "unknown option %s", a);
        } else if (!name) {
            name = a;
        } else {
            return cli_usage_error(usage_prepare, "expected one dataset name, found a second: %s", a);
        }
    }
    if (!name) return cli_usage_error(usage_prepare, "expected a dataset name (smnist)");
    if (strcmp(name, "smnist") != 0)
        return cli_usage_error(usage_prepare, "dataset: expected smnist (CREMA-D, LUMA and MM-IMDb loaders are not "
                                              "in this build yet), found '%s'", name);
    if (!from || !out) return cli_usage_error(usage_prepare, "both --from DIR and --out FILE.h5 are required");
    char err[2048];
    if (smnist_prepare(from, out, &o, err, sizeof err)) {
        fprintf(stderr, "miles: %s\n", err);
        return EXIT_DATA;
    }
    printf("wrote %s\n", out);
    return EXIT_OK;
}
