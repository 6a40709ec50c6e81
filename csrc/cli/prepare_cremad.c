/* prepare_cremad.c - `miles prepare cremad`: CREMA-D's AudioWAV/ + VideoFlash/ -> the HDF5
 * cache (data/cremad.h), options from one table (cli/opts.h). */
#define _POSIX_C_SOURCE 200809L
#include "cli/prepare_cremad.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "cli/prepare_luma.h"
#include "data/cremad.h"
#include "data/video.h"

/* --from and --out are given, and neither the cache nor the report lands among the inputs.
 * CLI_PARSED, or the exit code. */
static int check_paths(const cli_command *cmd, const char *from, const char *out, const char *report) {
    static const char *const inputs[] = {"AudioWAV", "VideoFlash"};
    return prepare_check_dirs(cmd, from, out, report, inputs, 2);
}

int cmd_prepare_cremad(int argc, char **argv) {
    const char *from = NULL, *out = NULL, *split = "random", *report = NULL, *lists[3] = {NULL, NULL, NULL};
    long long seed = 0, frame_size = 224, jobs = 0;
    int quiet = 0;
    const cli_opt opts[] = {
        CLI_STRING("--from", &from, "DIR", "CREMA-D's layout: DIR/AudioWAV/*.wav and DIR/VideoFlash/*.flv (required)"),
        CLI_STRING("--out", &out, "FILE.h5", "the cache to write (required)"),
        CLI_CHOICE("--split", &split, "random|actors", "random|actors",
                   "random: seeded 70/15/15 stratified by emotion (the paper's); actors:\n"
                   "speaker independent, whole actors per split (default random)"),
        CLI_STRING("--train-list", &lists[0], "FILE",
                   "take the split from OGM-GE style lists (`<id>,<EMO>` per line) instead:\n"
                   "the train list (needs --test-list)"),
        CLI_STRING("--val-list", &lists[1], "FILE", "the val list (default: the test list, as OGM-GE selects on it)"),
        CLI_STRING("--test-list", &lists[2], "FILE", "the test list"),
        CLI_INT("--seed", &seed, "S", 0, LLONG_MAX, "an integer >= 0", "seed of the split (default 0)"),
        CLI_INT("--frame-size", &frame_size, "PX", 8, 1024, "a side in [8, 1024]",
                "side of the stored RGB frames (default 224)"),
        CLI_INT("--jobs", &jobs, "J", 0, 1024, "a thread count in [0, 1024]",
                "decoding threads (default 0: every core)"),
        CLI_STRING("--report", &report, "FILE", "write what was left out and why (TSV: what, item, why)"),
        CLI_FLAG("--quiet", &quiet, "no progress lines"),
        CLI_END,
    };
    const cli_command cmd = {
        .name = "prepare cremad",
        .synopsis = "--from DIR --out FILE.h5 [options]",
        .description =
            "Pairs CREMA-D's clips by id (AAAA_SSS_EEE_LL), decodes them on every core and writes the cache\n"
            "training reads: audio the paper's 257x299 log spectrogram (float32), video the middle frame\n"
            "as RGB uint8 PXxPX. Clips without a partner, git-lfs pointers, truncated or undecodable\n"
            "files and the ids upstream marks broken are left out (see --report). datasets/cremad/README.md\n"
            "has the details.\n",
        .opts = opts,
        .min_pos = 0,
        .max_pos = 0,
        .pos_what = "no positional arguments",
        .epilog = "Exit codes: 0 written, 2 invalid options or a miles built without FFmpeg, 3 input missing, or too "
                  "little of it usable for the\n"
                  "split (file, line or id named), 4 I/O or memory failure.\n",
    };
    const char *pos[1];
    int n_pos;
    int rc = cli_parse(&cmd, argc, argv, pos, &n_pos);
    if (rc != CLI_PARSED) return rc;
    if (!video_available())
        return cli_fail(&cmd, "expected a miles built with FFmpeg, found one built with -DMILES_WITH_FFMPEG=OFF: "
                              "prepare the cache on a machine that has FFmpeg's libraries (the cache is portable)");
    if ((rc = check_paths(&cmd, from, out, report)) != CLI_PARSED) return rc;
    cremad_options o;
    cremad_options_default(&o);
    int use_lists = lists[0] || lists[1] || lists[2];
    if (use_lists && (!lists[0] || !lists[2]))
        return cli_fail(&cmd, "--train-list and --test-list go together (--val-list is optional)");
    if (use_lists && !strcmp(split, "actors"))
        return cli_fail(&cmd, "--split actors and split lists exclude each other: the lists are the split");
    o.split = use_lists ? CREMAD_SPLIT_CSV : !strcmp(split, "actors") ? CREMAD_SPLIT_ACTORS : CREMAD_SPLIT_RANDOM;
    for (int s = 0; s < 3; s++) o.csv[s] = lists[s];
    o.seed = (uint64_t)seed;
    o.frame_size = (int)frame_size;
    o.jobs = (int)jobs;
    o.report = report;
    o.verbose = !quiet;
    char err[4096];
    ml_status st = cremad_prepare(from, out, &o, err, sizeof err);
    if (st != ML_OK) {
        if (st == ML_EINVAL) return cli_fail(&cmd, "%s", err);
        fprintf(stderr, "miles: %s\n", err);
        return cli_exit_code(st);
    }
    printf("wrote %s\n", out);
    return EXIT_OK;
}
