/* main.c - the `miles` command line: prepare, train, demo.
 *
 * Subcommands parse their own flags; every failure prints one "miles: ..." line on stderr and
 * exits with a documented code (train.h). Nothing here knows a method or a dataset format.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "mt.h"
#include "train.h"

#define MILES_VERSION_STRING "0.1.0"

static const char *const usage_main =
    "usage: miles <command> [options]\n"
    "\n"
    "Train two-modality joint-fusion networks with MILES and its baselines.\n"
    "\n"
    "commands:\n"
    "  prepare   turn a dataset's published files into the HDF5 cache training reads\n"
    "  train     train one experiment described in YAML\n"
    "  demo      build the S-MNIST stand-in if missing, train vanilla and MILES, compare\n"
    "  sweep     run an experiment's random search (search: in the YAML) on this machine\n"
    "  submit    submit an experiment's random search as a SLURM job array\n"
    "  status    count done / running / failed / diverged trials of a sweep directory\n"
    "  report    the paper's Tables I-VI from result directories (md, tex or csv)\n"
    "  plot      the paper's Figures 1 and 2 (PNG and SVG, with gnuplot)\n"
    "\n"
    "  miles <command> --help   options of one command\n"
    "  miles --version          version of miles and of the LibTorch it was built with\n"
    "\n"
    "exit codes:\n"
    "  0  success (a run that diverged also exits 0: its summary.json says status diverged)\n"
    "  2  invalid command line or configuration (nothing was written)\n"
    "  3  dataset missing, unreadable or inconsistent\n"
    "  4  runtime failure: LibTorch, device, I/O or memory\n";

static const char *const usage_train =
    "usage: miles train EXP.yaml [--set key.path=value]... [--out DIR] [--resume] [--quiet]\n"
    "\n"
    "Trains the experiment into DIR (default: output.dir of the config): config.yaml, epochs.csv,\n"
    "summary.json, log.txt, ckpt/. A directory that already holds a run is continued only with\n"
    "--resume (and only with the same configuration); a killed run loses at most one epoch.\n"
    "  --set k=v   override any key of the config (repeatable), e.g. --set train.lr=3e-4\n"
    "  --out DIR   output directory (overrides output.dir)\n"
    "  --resume    continue the run in DIR from its last checkpoint\n"
    "  --quiet     no settings table and no epoch lines (log.txt still has them)\n"
    "The schema of EXP.yaml is in experiments/README.md.\n";

static int cmd_train(int argc, char **argv) {
    const char *path = NULL, *out = NULL;
    const char **sets = calloc((size_t)argc + 1, sizeof *sets);
    int n_sets = 0;
    train_options opt = {0};
    if (!sets) return EXIT_RUNTIME;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_train, stdout);
            free(sets);
            return EXIT_OK;
        } else if (!strcmp(a, "--set") || !strcmp(a, "--out")) {
            if (i + 1 >= argc) {
                free(sets);
                return cli_usage_error(usage_train, "%s needs a value", a);
            }
            if (!strcmp(a, "--set")) sets[n_sets++] = argv[++i];
            else out = argv[++i];
        } else if (!strncmp(a, "--set=", 6)) {
            sets[n_sets++] = a + 6;
        } else if (!strncmp(a, "--out=", 6)) {
            out = a + 6;
        } else if (!strcmp(a, "--resume")) {
            opt.resume = 1;
        } else if (!strcmp(a, "--quiet")) {
            opt.quiet = 1;
        } else if (a[0] == '-') {
            free(sets);
            return cli_usage_error(usage_train, "unknown option %s", a);
        } else if (!path) {
            path = a;
        } else {
            free(sets);
            return cli_usage_error(usage_train, "expected one experiment file, found a second: %s", a);
        }
    }
    if (!path) {
        free(sets);
        return cli_usage_error(usage_train, "expected an experiment file");
    }
    config cfg;
    char err[2048];
    int rc = config_load(path, sets, n_sets, &cfg, err, sizeof err);
    free(sets);
    if (rc) {
        fprintf(stderr, "miles: %s\n", err);
        return EXIT_USAGE;
    }
    train_summary sum;
    rc = train_run(&cfg, out ? out : cfg_str(&cfg, "output.dir"), &opt, &sum, err, sizeof err);
    if (rc) fprintf(stderr, "miles: %s\n", err);
    config_free(&cfg);
    return rc;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fputs(usage_main, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(usage_main, stdout);
        return EXIT_OK;
    }
    if (!strcmp(cmd, "--version")) {
        printf("miles %s (LibTorch %s, CUDA %s)\n", MILES_VERSION_STRING, mt_torch_version(),
               mt_cuda_available() ? "available" : "not available");
        return EXIT_OK;
    }
    if (!strcmp(cmd, "train")) return cmd_train(argc - 1, argv + 1);
    if (!strcmp(cmd, "prepare")) return cmd_prepare(argc - 1, argv + 1);
    if (!strcmp(cmd, "demo")) return cmd_demo(argc - 1, argv + 1);
    if (!strcmp(cmd, "sweep")) return cmd_sweep(argc - 1, argv + 1);
    if (!strcmp(cmd, "submit")) return cmd_submit(argc - 1, argv + 1);
    if (!strcmp(cmd, "status")) return cmd_status(argc - 1, argv + 1);
    if (!strcmp(cmd, "report")) return cmd_report(argc - 1, argv + 1);
    if (!strcmp(cmd, "plot")) return cmd_plot(argc - 1, argv + 1);
    fprintf(stderr, "miles: unknown command '%s'\n\n%s", cmd, usage_main);
    return EXIT_USAGE;
}
