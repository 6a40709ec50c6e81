/* train.c - `miles train EXP.yaml`: load and override the configuration, run it (train/). */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/config.h"
#include "core/runfiles.h"
#include "train/train.h"

int cmd_train(int argc, char **argv) {
    const char *out = NULL;
    cli_list sets = {0};
    int resume = 0, quiet = 0;
    const cli_opt opts[] = {
        CLI_LIST("--set", &sets, "k=v", "override any key of the config, e.g. --set train.lr=3e-4"),
        CLI_STRING("--out", &out, "DIR", "output directory (overrides output.dir)"),
        CLI_FLAG("--resume", &resume, "continue the run in DIR from its last checkpoint"),
        CLI_FLAG("--quiet", &quiet, "no settings table and no epoch lines (log.txt still has them)"),
        CLI_END,
    };
    const cli_command cmd = {
        .name = "train",
        .synopsis = "EXP.yaml [--set key.path=value]... [--out DIR] [--resume] [--quiet]",
        .description =
            "Trains the experiment into DIR (default: output.dir of the config): config.yaml, epochs.csv,\n"
            "summary.json, log.txt, ckpt/. A directory that already holds a run is continued only with\n"
            "--resume (and only with the same configuration); a killed run loses at most one epoch. --resume\n"
            "on a DIR that does not exist is refused (exit 2).\n",
        .opts = opts,
        .min_pos = 1,
        .max_pos = 1,
        .pos_what = "one experiment file",
        .epilog = "The schema of EXP.yaml is in experiments/README.md.\n",
    };
    const char *pos[1];
    int n_pos;
    int rc = cli_parse(&cmd, argc, argv, pos, &n_pos);
    if (rc != CLI_PARSED) {
        cli_args_free(&cmd);
        return rc;
    }
    config cfg;
    char err[2048];
    rc = config_load(pos[0], sets.v, sets.n, &cfg, err, sizeof err);
    cli_args_free(&cmd);
    if (rc) {
        fprintf(stderr, "miles: %s\n", err);
        return EXIT_USAGE;
    }
    const char *dir = out ? out : cfg_str(&cfg, "output.dir");
    /* --resume promises a run to continue: a mistyped DIR must not start a fresh one silently.
     * (Sweeps and the demo ask train_run to resume-or-start; only this command refuses.) */
    if (resume && !is_directory(dir)) {
        fprintf(stderr, "miles: %s: no run directory to resume (%s); drop --resume to start a new run there\n", dir,
                path_exists(dir) ? "not a directory" : "it does not exist");
        config_free(&cfg);
        return EXIT_USAGE;
    }
    train_options opt = {.resume = resume, .quiet = quiet};
    train_summary sum;
    ml_status st = train_run(&cfg, dir, &opt, &sum, err, sizeof err);
    if (st != ML_OK) fprintf(stderr, "miles: %s\n", err);
    config_free(&cfg);
    return cli_exit_code(st);
}
