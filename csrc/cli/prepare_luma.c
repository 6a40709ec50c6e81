/* prepare_luma.c - `miles prepare luma`: LUMA's data/audio/ tree + CIFAR binaries -> the HDF5
 * cache (data/luma.h), options from one table (cli/opts.h). */
#define _POSIX_C_SOURCE 200809L
#include "cli/prepare_luma.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/util.h"
#include "data/luma.h"

/* "T,V,TE" -> three counts >= 0; 0 or -1. */
static int parse_split(const char *s, int64_t out[3]) {
    char buf[128];
    if (strlen(s) >= sizeof buf) return -1;
    strcpy(buf, s);
    char *save = NULL, *tok = strtok_r(buf, ",", &save);
    for (int i = 0; i < 3; i++, tok = strtok_r(NULL, ",", &save)) {
        long long v;
        if (!tok || parse_int(tok, 0, LLONG_MAX / 4, &v)) return -1;
        out[i] = v;
    }
    return tok ? -1 : 0;
}

/* --from and --out are given, and neither the cache nor the report lands among the inputs.
 * CLI_PARSED, or the exit code. */
static int check_paths(const cli_command *cmd, const char *from, const char *out, const char *report) {
    static const char *const inputs[] = {"data/audio", "cifar-10-batches-bin", "cifar-100-binary"};
    return prepare_check_dirs(cmd, from, out, report, inputs, 3);
}

int cmd_prepare_luma(int argc, char **argv) {
    const char *from = NULL, *out = NULL, *selection = "top", *split = NULL, *report = NULL;
    long long classes = -1, per_class = -1, seed = 0, image_size = 96;
    int skip_bad = 0, quiet = 0;
    const cli_opt opts[] = {
        CLI_STRING("--from", &from, "DIR",
                   "LUMA's layout: DIR/data/audio/datalist.csv + WAVs, DIR/cifar-10-batches-bin/,\n"
                   "DIR/cifar-100-binary/ (required)"),
        CLI_STRING("--out", &out, "FILE.h5", "the cache to write (required)"),
        CLI_CHOICE("--selection", &selection, "top|luma42", "top|luma42",
                   "top: the K classes with the most pairs (the MILES paper); luma42: LUMA's\n"
                   "42 in-distribution classes (default top)"),
        CLI_INT("--classes", &classes, "K", 1, 100000, "a number of classes >= 1",
                "classes to select (top only; default 22)"),
        CLI_INT("--per-class", &per_class, "N", 1, 100000000, "a number of pairs >= 1",
                "pairs per class (default 1500; luma42: 600)"),
        CLI_STRING("--split", &split, "T,V,TE",
                   "train,val,test counts, at most K*N in all\n"
                   "(default 25000,4000,4000; luma42: 16800,4200,4200)"),
        CLI_INT("--seed", &seed, "S", 0, LLONG_MAX, "an integer >= 0", "seed of the stratified draw (default 0)"),
        CLI_INT("--image-size", &image_size, "PX", 8, 1024, "a side in [8, 1024]",
                "side of the stored images, resized bilinearly from 32 (default 96)"),
        CLI_STRING("--report", &report, "FILE", "write what was left out and why (TSV: what, item, why)"),
        CLI_FLAG("--skip-bad", &skip_bad,
                 "leave out missing, empty, unreadable or git-lfs pointer clips\n"
                 "(listed in --report) instead of failing"),
        CLI_FLAG("--quiet", &quiet, "no progress lines"),
        CLI_END,
    };
    const cli_command cmd = {
        .name = "prepare luma",
        .synopsis = "--from DIR --out FILE.h5 [options]",
        .description = "Pairs LUMA's spoken labels (data/audio/datalist.csv and its WAVs, any rate or channels)\n"
                       "with the CIFAR-10/100 images of the same name, selects the classes, splits them\n"
                       "(seeded, stratified) and writes the cache training reads: images uint8 3xPXxPX,\n"
                       "audio a 96x96 log-mel spectrogram. datasets/luma/README.md has the details.\n",
        .opts = opts,
        .min_pos = 0,
        .max_pos = 0,
        .pos_what = "no positional arguments",
        .epilog = "Exit codes: 0 written, 2 invalid options, 3 input missing or bad (file and line named),\n"
                  "4 I/O or memory failure.\n",
    };
    const char *pos[1];
    int n_pos;
    int rc = cli_parse(&cmd, argc, argv, pos, &n_pos);
    if (rc != CLI_PARSED) return rc;
    if ((rc = check_paths(&cmd, from, out, report)) != CLI_PARSED) return rc;
    luma_options o;
    luma_options_default(&o, !strcmp(selection, "luma42") ? LUMA_SELECT_LUMA42 : LUMA_SELECT_TOP);
    if (classes >= 0 && o.selection == LUMA_SELECT_LUMA42 && classes != 42)
        return cli_fail(&cmd, "--classes: luma42 selects LUMA's 42 classes, found --classes %lld", classes);
    if (classes >= 0) o.classes = (int)classes;
    if (per_class >= 0) o.per_class = per_class;
    if (split && parse_split(split, o.split))
        return cli_fail(&cmd, "--split: expected three counts >= 0 as TRAIN,VAL,TEST, found '%s'", split);
    o.seed = (uint64_t)seed;
    o.image_size = (int)image_size;
    o.report = report;
    o.skip_bad = skip_bad;
    o.verbose = !quiet;
    char err[4096];
    ml_status st = luma_prepare(from, out, &o, err, sizeof err);
    if (st != ML_OK) {
        if (st == ML_EINVAL) return cli_fail(&cmd, "%s", err);
        fprintf(stderr, "miles: %s\n", err);
        return cli_exit_code(st);
    }
    printf("wrote %s\n", out);
    return EXIT_OK;
}
