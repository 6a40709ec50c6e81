/* sweep.c - `miles sweep EXP.yaml`: an experiment's random search on this machine, resumable
 * (sweep/); with --dry-run, every trial's values and nothing written. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "sweep/sweep.h"

/* --trial I with --reseed K names reseed I: 1..K. */
static int bad_reseed_index(const sweep_request *rq) {
    if (!rq->reseed || rq->only < 0 || (rq->only >= 1 && rq->only <= rq->reseed)) return 0;
    fprintf(stderr, "miles: --trial %d: with --reseed %d, expected a reseed in [1, %d]\n", rq->only, rq->reseed,
            rq->reseed);
    return 1;
}

/* Prints one line per trial of the request's range after checking them all; with --reseed, one
 * line per reseed of the selected trial (which needs the sweep's results). */
static int dry_run(const sweep_request *rq, int count, sweep_info *info) {
    char err[4096], values[SEARCH_MAX_PARAMS * SEARCH_SET_LEN];
    sweep_request all = *rq;
    if (rq->reseed) all.only = -1;
    if (bad_reseed_index(rq)) return EXIT_USAGE;
    ml_status rc = sweep_validate(&all, info, err, sizeof err);
    if (!rc && rq->reseed) rc = sweep_reseed_plan(info, rq->reseed, 0, err, sizeof err);
    if (rc) {
        fprintf(stderr, "miles: %s\n", err);
        return cli_exit_code(rc);
    }
    if (rq->reseed) {
        sweep_trial_values(info, info->reseed_trial, values, sizeof values);
        for (int k = 1; k <= info->reseeds; k++)
            if (rq->only < 0 || rq->only == k)
                printf("reseed %02d trial %03d train.seed=%llu %s\n", k, info->reseed_trial, info->reseed_seed[k],
                       values);
        return EXIT_OK;
    }
    int first = rq->only >= 0 ? rq->only : 0;
    int last = rq->only >= 0 ? rq->only + (count > 0 ? count : 1) - 1 : info->space.trials - 1;
    if (last > info->space.trials - 1) last = info->space.trials - 1;
    for (int t = first; t <= last; t++) {
        sweep_trial_values(info, t, values, sizeof values);
        printf("trial %03d %s\n", t, values);
    }
    return EXIT_OK;
}

/* "sweep: 3 done, ..." and the exit code of a tally. */
static int say_tally(ml_status rc, const sweep_tally *t, const char *what) {
    int unfinished = t->count[TRIAL_PENDING] + t->count[TRIAL_RUNNING];
    printf("%s: %d done, %d diverged, %d failed", what, t->count[TRIAL_DONE], t->count[TRIAL_DIVERGED],
           t->count[TRIAL_FAILED]);
    if (unfinished) printf(", %d not finished", unfinished);
    if (t->count[TRIAL_CORRUPT]) printf(", %d with a corrupt summary.json", t->count[TRIAL_CORRUPT]);
    printf("\n");
    fflush(stdout);
    if (rc) return cli_exit_code(rc);
    return t->count[TRIAL_DONE] + t->count[TRIAL_DIVERGED] == t->total ? EXIT_OK : EXIT_RUNTIME;
}

/* The reseeds of a finished sweep: planned (recorded in sweep.json), then run. */
static int run_reseeds(const sweep_request *rq, const sweep_run_options *o, sweep_info *info) {
    char err[4096];
    sweep_tally t;
    if (bad_reseed_index(rq)) return EXIT_USAGE;
    ml_status rc = sweep_reseed_plan(info, rq->reseed, 1, err, sizeof err);
    if (rc) {
        fprintf(stderr, "miles: %s\n", err);
        return cli_exit_code(rc);
    }
    rc = sweep_run_reseeds(info, rq->only, o, &t, err, sizeof err);
    if (rc) fprintf(stderr, "miles: %s\n", err);
    return say_tally(rc, &t, "reseeds");
}

/* Prepares the sweep directory, runs what is unfinished and says how it ended: 0 when every
 * trial of the range completed or diverged, 4 when some failed or did not finish. With
 * --reseed, the trials first (unless --trial names a reseed), then the reseeds. */
static int run(const sweep_request *rq, const sweep_run_options *o, sweep_info *info) {
    char err[4096];
    sweep_tally t;
    sweep_request trials = *rq;
    if (rq->reseed) trials.only = -1;
    if (bad_reseed_index(rq)) return EXIT_USAGE;
    ml_status rc = sweep_prepare(&trials, info, err, sizeof err);
    if (rc) {
        fprintf(stderr, "miles: %s\n", err);
        return cli_exit_code(rc);
    }
    if (rq->reseed && rq->only >= 0) return run_reseeds(rq, o, info);
    rc = sweep_run(info, trials.only, o, &t, err, sizeof err);
    if (rc) fprintf(stderr, "miles: %s\n", err);
    int code = say_tally(rc, &t, "sweep");
    return code == EXIT_OK && rq->reseed ? run_reseeds(rq, o, info) : code;
}

int cmd_sweep(int argc, char **argv) {
    const char *out = NULL;
    cli_list sets = {0};
    long long jobs = 1, only = -1, trials = 0, count = 0, reseed = 0;
    unsigned long long seed = 0;
    int seed_given = 0, dry = 0, quiet = 0;
    const cli_opt opts[] = {
        CLI_INT("--jobs", &jobs, "N", 1, 4096, "a number of processes in [1, 4096]",
                "trials run at once, each in its own process (default 1); each gets\n"
                "max(1, cores / N) threads unless train.threads is set"),
        CLI_INT("--trial", &only, "I", 0, SEARCH_MAX_TRIALS - 1, "a trial index (0, 1, ...)",
                "run only trial I (what a SLURM array task runs); with --reseed, only\nreseed I (1..K)"),
        CLI_INT("--trial-count", &count, "K", 1, SEARCH_MAX_TRIALS, "a trial count in [1, 100000]",
                "with --trial I: run trials I to I+K-1 (those that exist), --jobs at a time\n"
                "(what a SLURM task of `miles submit --trials-per-task K` runs)"),
        CLI_INT("--reseed", &reseed, "K", 1, SWEEP_MAX_RESEEDS, "a reseed count in [1, 100]",
                "after the trials, re-train the trial validation selects with K further\n"
                "train.seed values, in DIR/reseed-01..K (recorded in sweep.json)"),
        CLI_INT("--trials", &trials, "N", 1, SEARCH_MAX_TRIALS, "a trial count in [1, 100000]",
                "the search's trial count, instead of search.trials (e.g. a short try)"),
        CLI_U64("--seed", &seed, &seed_given, "S", "a seed in [0, 18446744073709551615]",
                "the search's seed, instead of search.seed"),
        CLI_STRING("--out", &out, "DIR", "the sweep directory (overrides output.dir)"),
        CLI_LIST("--set", &sets, "k=v", "override a key of the base configuration (searched keys\ncannot be set)"),
        CLI_FLAG("--dry-run", &dry, "print every trial's values (one line per trial), check them, write nothing"),
        CLI_FLAG("--quiet", &quiet, "no line per trial (each trial's log.txt has its epochs)"),
        CLI_END,
    };
    const cli_command cmd = {
        .name = "sweep",
        .synopsis =
            "EXP.yaml [--jobs N] [--trial I [--trial-count K]] [--trials N] [--seed S] [--reseed K] [--out DIR]\n"
            "                   [--set key.path=value]... [--dry-run] [--quiet]",
        .description = "Runs the random search of EXP.yaml (its search: block) into DIR (default: output.dir of the\n"
                       "config): DIR/sweep.json and one run directory DIR/trial-NNN per trial. Running it again\n"
                       "skips finished trials, continues interrupted ones from their checkpoints and retries failed\n"
                       "ones; it refuses (exit 2) when the seed, trial count, space or base configuration changed.\n"
                       "--reseed K then re-trains the trial validation selects (highest validation metric, ties to\n"
                       "the lowest trial) with K further seeds: reseed k's train.seed is the k-th output of a\n"
                       "splitmix64 stream started at the base train.seed (top 31 bits), the same in every sweep\n"
                       "with that base seed, so tables can pair methods seed by seed. It is refused (exit 2) while\n"
                       "no trial has completed or a trial has not finished; running it again is idempotent.\n",
        .opts = opts,
        .min_pos = 1,
        .max_pos = 1,
        .pos_what = "one experiment file",
        .epilog = "Exit: 0 when every trial (or trial I) completed or diverged, 4 when some failed or did not\n"
                  "finish (trial-NNN/failed says why), 2 for an invalid command line, configuration or space.\n",
    };
    const char *pos[1];
    int n_pos;
    int rc = cli_parse(&cmd, argc, argv, pos, &n_pos);
    if (rc == CLI_PARSED && count > 0 && only < 0) rc = cli_fail(&cmd, "--trial-count: needs --trial I");
    if (rc == CLI_PARSED && count > 0 && reseed > 0)
        rc = cli_fail(&cmd, "--trial-count: not with --reseed (a reseed task runs one reseed)");
    sweep_info *info = rc == CLI_PARSED ? malloc(sizeof *info) : NULL;
    if (rc == CLI_PARSED && !info) {
        fputs("miles: out of memory\n", stderr);
        rc = EXIT_RUNTIME;
    }
    if (rc == CLI_PARSED) {
        sweep_request rq = {.exp = pos[0],
                            .sets = sets.v,
                            .n_sets = sets.n,
                            .out_dir = out,
                            .trials = (int)trials,
                            .has_seed = seed_given,
                            .seed = seed,
                            .only = (int)only,
                            .reseed = (int)reseed};
        sweep_run_options o = {.jobs = (int)jobs, .quiet = quiet, .count = (int)count};
        rc = dry ? dry_run(&rq, (int)count, info) : run(&rq, &o, info);
    }
    free(info);
    cli_args_free(&cmd);
    return rc;
}
