/* submit.c - `miles submit EXP.yaml --slurm`: an experiment's random search as one SLURM job
 * array (sweep/slurm.h); with --dry-run, the batch script and nothing created. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "sweep/slurm.h"
#include "sweep/sweep.h"

/* The values the table cannot check. */
static int check_values(const cli_command *cmd, const slurm_opts *o) {
    if (o->partition && !slurm_name_valid(o->partition))
        return cli_fail(cmd,
                        "--partition: expected a Slurm partition name (letters, digits, '_', '-', '.', commas), "
                        "found '%s'",
                        o->partition);
    if (o->time && slurm_time_seconds(o->time) < 0)
        return cli_fail(cmd, "--time: expected minutes, MM:SS, HH:MM:SS or D-HH[:MM[:SS]], found %s", o->time);
    if (o->mem && !slurm_mem_valid(o->mem))
        return cli_fail(cmd, "--mem: expected megabytes or a size like 4G, found %s", o->mem);
    return CLI_PARSED;
}

static int fail(ml_status rc, const char *err) {
    fprintf(stderr, "miles: %s\n", err);
    return cli_exit_code(rc);
}

static int print_script(const sweep_request *rq, const slurm_opts *o, sweep_info *info) {
    char err[4096];
    strbuf script = {0};
    ml_status rc = sweep_validate(rq, info, err, sizeof err);
    if (!rc && rq->reseed) rc = sweep_reseed_plan(info, rq->reseed, 0, err, sizeof err);
    if (!rc) rc = slurm_script(info, o, &script, err, sizeof err);
    if (!rc) fputs(script.p, stdout);
    sb_free(&script);
    return rc ? fail(rc, err) : EXIT_OK;
}

/* Validates (so an invalid sweep fails before sbatch is looked for), prepares the directory,
 * submits, records the job id. */
static int submit(const sweep_request *rq, const slurm_opts *o, sweep_info *info) {
    char err[4096], sbatch[ML_PATH_MAX], jobid[64];
    ml_status rc = sweep_validate(rq, info, err, sizeof err);
    if (rc) return fail(rc, err);
    if (slurm_find_tool("sbatch", sbatch, sizeof sbatch))
        return fail(ML_ERUNTIME, "sbatch not found on PATH: SLURM's client commands are not installed here "
                                 "(Debian: slurm-client); `miles submit --dry-run` prints the script, `miles sweep` "
                                 "runs the sweep on this machine");
    strbuf script = {0};
    if (!(rc = sweep_prepare(rq, info, err, sizeof err)) &&
        !(rc = rq->reseed ? sweep_reseed_plan(info, rq->reseed, 1, err, sizeof err) : ML_OK) &&
        !(rc = slurm_script(info, o, &script, err, sizeof err)))
        rc = slurm_submit(info, sbatch, script.p, jobid, sizeof jobid, err, sizeof err);
    sb_free(&script);
    if (rc) return fail(rc, err);
    if (slurm_record_jobid(info->dir, jobid, err, sizeof err))
        fprintf(stderr, "miles: submitted job %s, but %s\n", jobid, err);
    printf("%s\n", jobid);
    int trials = info->reseeds ? info->reseeds : info->space.trials;
    int tasks = info->reseeds ? info->reseeds : slurm_tasks(o, trials);
    fprintf(stderr,
            "miles: submitted array job %s: %d task%s, at most %d at once; logs in %s/slurm/%%A_%%a.out; "
            "`miles status %s` counts its trials\n",
            jobid, tasks, tasks == 1 ? "" : "s", slurm_array_parallel(o, trials), info->dir, info->dir);
    return EXIT_OK;
}

int cmd_submit(int argc, char **argv) {
    const char *out = NULL;
    cli_list sets = {0};
    long long parallel = 0, cpus = 0, gpus = 0, trials = 0, per_task = 0, reseed = 0;
    unsigned long long seed = 0;
    int seed_given = 0, dry = 0, slurm = 0;
    slurm_opts o = {0};
    const cli_opt opts[] = {
        CLI_FLAG("--slurm", &slurm, "submit to SLURM (the only scheduler; may be left out)"),
        CLI_INT("--array-parallel", &parallel, "K", 1, 100000, "a number of tasks >= 1",
                "tasks running at once (%K; default 8, or N when smaller)"),
        CLI_STRING("--partition", &o.partition, "P", "#SBATCH --partition"),
        CLI_STRING("--time", &o.time, "T",
                   "#SBATCH --time (minutes, MM:SS, HH:MM:SS, D-HH[:MM[:SS]]); USR1 comes\n"
                   "a tenth of it (30 s to 10 min) before the limit, else 5 min before"),
        CLI_INT("--cpus", &cpus, "C", 1, 100000, "a number of CPUs >= 1", "#SBATCH --cpus-per-task"),
        CLI_INT("--gpus", &gpus, "G", 0, 1024, "a number of GPUs >= 0", "#SBATCH --gpus (per task)"),
        CLI_STRING("--mem", &o.mem, "M", "#SBATCH --mem (e.g. 4G)"),
        CLI_INT("--trials-per-task", &per_task, "K", 1, 4096, "a number of trials in [1, 4096]",
                "trials one task runs at once, sharing its GPU (each with 1/K of its\n"
                "memory): tasks run `miles sweep --trial i*K --trial-count K --jobs K`"),
        CLI_INT("--trials", &trials, "N", 1, SEARCH_MAX_TRIALS, "a trial count in [1, 100000]",
                "the search's trial count, instead of search.trials"),
        CLI_U64("--seed", &seed, &seed_given, "S", "a seed in [0, 18446744073709551615]",
                "the search's seed, instead of search.seed"),
        CLI_INT("--reseed", &reseed, "K", 1, SWEEP_MAX_RESEEDS, "a reseed count in [1, 100]",
                "submit K reseeds of the trial validation selects instead (array 1-K,\n"
                "task k = `miles sweep --reseed K --trial k`); the sweep must be finished"),
        CLI_STRING("--out", &out, "DIR", "the sweep directory (overrides output.dir)"),
        CLI_LIST("--set", &sets, "k=v", "override a key of the base configuration"),
        CLI_FLAG("--dry-run", &dry, "print the script; create nothing, submit nothing"),
        CLI_END,
    };
    const cli_command cmd = {
        .name = "submit",
        .synopsis = "EXP.yaml --slurm [--array-parallel K] [--partition P] [--time T] [--cpus C]\n"
                    "                    [--gpus G] [--mem M] [--trials-per-task K] [--trials N] [--seed S]\n"
                    "                    [--reseed K] [--out DIR]\n"
                    "                    [--set key.path=value]... [--dry-run]",
        .description = "Submits the random search of EXP.yaml (its search: block) as one SLURM job array with one\n"
                       "task per trial, and exits: `sbatch --array=0-(N-1)%K`, task i running\n"
                       "`miles sweep EXP.yaml --trial i --out DIR`. Creates DIR (default: output.dir of the config),\n"
                       "its trial directories and DIR/slurm/ (sweep.sbatch, the tasks' logs %A_%a.out, jobid)\n"
                       "before submitting, and prints the job id. Each task checkpoints every epoch; on USR1 (sent\n"
                       "before the time limit) it requeues itself as <array job>_<task> and resumes from its\n"
                       "checkpoint. Submitting the same sweep again reruns only what is unfinished.\n",
        .opts = opts,
        .min_pos = 1,
        .max_pos = 1,
        .pos_what = "one experiment file",
        .epilog = "Exit: 0 submitted (or printed), 2 invalid command line, configuration or no search: block,\n"
                  "4 sbatch missing or failing (its error is shown).\n",
    };
    const char *pos[1];
    int n_pos;
    int rc = cli_parse(&cmd, argc, argv, pos, &n_pos);
    o.parallel = (int)parallel, o.cpus = (int)cpus, o.gpus = (int)gpus, o.per_task = (int)per_task;
    if (rc == CLI_PARSED) rc = check_values(&cmd, &o);
    if (rc == CLI_PARSED && per_task > 1 && reseed > 0)
        rc = cli_fail(&cmd, "--trials-per-task: not with --reseed (a reseed task runs one reseed)");
    sweep_info *info = rc == CLI_PARSED ? malloc(sizeof *info) : NULL;
    if (rc == CLI_PARSED && !info) rc = fail(ML_ERUNTIME, "out of memory");
    if (rc == CLI_PARSED) {
        sweep_request rq = {.exp = pos[0],
                            .sets = sets.v,
                            .n_sets = sets.n,
                            .out_dir = out,
                            .trials = (int)trials,
                            .has_seed = seed_given,
                            .seed = seed,
                            .only = -1,
                            .reseed = (int)reseed};
        rc = dry ? print_script(&rq, &o, info) : submit(&rq, &o, info);
    }
    free(info);
    cli_args_free(&cmd);
    return rc;
}
