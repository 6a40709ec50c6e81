/* status.c - `miles status SWEEP_DIR`: a sweep's trials counted from their files (sweep/), and
 * what squeue says about its array when it was submitted with `miles submit`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/runfiles.h"
#include "sweep/slurm.h"
#include "sweep/sweep.h"

/* At most 200 bytes of TEXT on one line: a newline as a blank, every other control byte as
 * \xNN, so a failed file cannot send escape sequences to the terminal. */
static void print_escaped(const char *text) {
    for (const unsigned char *c = (const unsigned char *)text; *c && c - (const unsigned char *)text < 200; c++) {
        if (*c == '\n') putchar(' ');
        else if (*c < 0x20 || *c == 0x7f) printf("\\x%02x", *c);
        else putchar(*c);
    }
}

/* "failed trial-002: <how> <message>" for each failed trial, on one line each; "corrupt
 * trial-003: summary.json cannot be read" for each corrupt one. */
static void print_failures(const char *dir, int trials) {
    for (int t = 0; t < trials; t++) {
        trial_state st = sweep_trial_state(dir, t);
        if (st == TRIAL_CORRUPT) printf("corrupt trial-%03d: summary.json cannot be read\n", t);
        if (st != TRIAL_FAILED) continue;
        char *text = sweep_trial_failure(dir, t);
        if (!text) continue;
        printf("failed trial-%03d: ", t);
        print_escaped(text);
        putchar('\n');
        free(text);
    }
}

static void print_queue(const char *dir) {
    char jobid[64];
    slurm_queue q;
    slurm_recorded_jobid(dir, jobid, sizeof jobid);
    if (!jobid[0]) return;
    slurm_queue_read(jobid, &q);
    if (q.answer == SQUEUE_MISSING) {
        printf("slurm job %s (squeue not on PATH)\n", jobid);
    } else if (q.answer == SQUEUE_UNKNOWN_JOB) {
        printf("slurm job %s: not known to squeue (finished, or another cluster)\n", jobid);
    } else {
        printf("slurm job %s: running %d  pending %d", jobid, q.running, q.pending);
        if (q.other) printf("  other %d", q.other);
        printf("%s\n", q.running + q.pending + q.other ? "" : " (no task queued)");
    }
}

int cmd_status(int argc, char **argv) {
    const cli_opt opts[] = {CLI_END};
    const cli_command cmd = {
        .name = "status",
        .synopsis = "SWEEP_DIR",
        .description =
            "Counts the trials of a sweep directory from their files: done (summary.json, completed),\n"
            "diverged, failed (trial-NNN/failed), running (checkpointed epochs, no summary yet), pending\n"
            "(nothing yet) and corrupt (a summary.json that cannot be read). When the sweep was submitted\n"
            "with `miles submit` (SWEEP_DIR/slurm/jobid) and squeue is on PATH, adds the array's pending and\n"
            "running task counts from squeue.\n",
        .epilog = "Exit: 0 counted, 2 not a sweep directory, 3 sweep.json damaged.\n",
        .opts = opts,
        .min_pos = 1,
        .max_pos = 1,
        .pos_what = "one sweep directory",
    };
    const char *pos[1];
    int n_pos, trials;
    char err[4096];
    int rc = cli_parse(&cmd, argc, argv, pos, &n_pos);
    if (rc != CLI_PARSED) return rc;
    const char *dir = pos[0];
    if (!is_directory(dir)) {
        fprintf(stderr, "miles: %s: not a directory\n", dir);
        return EXIT_USAGE;
    }
    ml_status st = sweep_trial_count(dir, &trials, err, sizeof err);
    if (st) {
        fprintf(stderr, "miles: %s\n", err);
        return cli_exit_code(st);
    }
    sweep_tally t;
    sweep_count(dir, 0, trials - 1, &t);
    printf("sweep %s: %d trials\n", dir, trials);
    printf("done %d  running %d  failed %d  diverged %d  pending %d", t.count[TRIAL_DONE], t.count[TRIAL_RUNNING],
           t.count[TRIAL_FAILED], t.count[TRIAL_DIVERGED], t.count[TRIAL_PENDING]);
    if (t.count[TRIAL_CORRUPT]) printf("  corrupt %d", t.count[TRIAL_CORRUPT]);
    printf("\n");
    print_failures(dir, trials);
    print_queue(dir);
    return EXIT_OK;
}
