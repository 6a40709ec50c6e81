/* demo.c - `miles demo [luma|smnist]`: the README's main job. argv -> demo_run (demo/demo.h) ->
 * exit code; the steps and the printout are in the demo room.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/util.h"
#include "demo/demo.h"

/* The run's paths: the options, else their defaults under the miles tree. CLI_PARSED or 2. */
static int resolve_paths(const cli_command *cmd, const char *data, const char *out, char *d, char *o) {
    if ((data ? path_fmt(d, ML_PATH_MAX, "%s", data) : path_fmt(d, ML_PATH_MAX, "%s/datasets/cache", miles_root())) ||
        (out ? path_fmt(o, ML_PATH_MAX, "%s", out) : path_fmt(o, ML_PATH_MAX, "%s/results/demo", miles_root())))
        return cli_fail(cmd, "--data or --out: path too long");
    return CLI_PARSED;
}

int cmd_demo(int argc, char **argv) {
    const char *data = NULL, *out = NULL, *pos[1] = {"luma"};
    cli_list sets = {0};
    int quiet = 0, n_pos;
    const cli_opt opts[] = {
        CLI_STRING("--data", &data, "DIR", "where the stand-in and its cache are (default <miles>/datasets/cache)"),
        CLI_STRING("--out", &out, "DIR", "the runs go to DIR/vanilla and DIR/miles (default <miles>/results/demo)"),
        CLI_LIST("--set", &sets, "k=v", "override a key of both runs' configuration, e.g. --set train.epochs=2"),
        CLI_FLAG("--quiet", &quiet, "no settings tables and no epoch lines (the comparison is still printed)"),
        CLI_END,
    };
    const cli_command cmd = {
        .name = "demo",
        .synopsis = "[luma|smnist] [--data DIR] [--out DIR] [--set key.path=value]... [--quiet]",
        .description = "The main job: makes the dataset's stand-in in DIR (default <miles>/datasets/cache) if it is\n"
                       "missing, trains vanilla and MILES with the same seed into OUT/vanilla and OUT/miles (default\n"
                       "<miles>/results/demo) and compares them. --set overrides apply to both runs.\n"
                       "  luma (default): the LUMA stand-in (audio dominates), experiments/luma-standin-demo.yaml:\n"
                       "    fused, audio and image test accuracy side by side, the epochs in which MILES lowered an\n"
                       "    encoder's LR with u_A, u_B and delta vs tau, and whether it helped on this seed.\n"
                       "  smnist: the S-MNIST stand-in, experiments/smnist-standin-demo.yaml, a Table II-style row\n"
                       "    per method (fused, image, audio, Delta).\n",
        .opts = opts,
        .min_pos = 0,
        .max_pos = 1,
        .pos_what = "one demo (luma or smnist)",
    };
    int rc = cli_parse(&cmd, argc, argv, pos, &n_pos);
    if (rc == CLI_PARSED && !demo_known(pos[0]))
        rc = cli_fail(&cmd, "unknown demo %s: expected %s", pos[0], demo_names());
    char d[ML_PATH_MAX], o[ML_PATH_MAX], err[2048];
    if (rc == CLI_PARSED) rc = resolve_paths(&cmd, data, out, d, o);
    if (rc == CLI_PARSED) {
        demo_options opt = {.dataset = pos[0],
                            .root = miles_root(),
                            .data = d,
                            .out = o,
                            .sets = sets.v,
                            .n_sets = sets.n,
                            .quiet = quiet,
                            .msg = stdout};
        ml_status st = demo_run(&opt, err, sizeof err);
        if (st != ML_OK) fprintf(stderr, "miles: %s\n", err);
        rc = cli_exit_code(st);
    }
    cli_args_free(&cmd);
    return rc;
}
