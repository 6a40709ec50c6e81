/* slurm.c - `miles submit` (a sweep as one SLURM job array) and `miles status` (a sweep's
 * trials counted from its files, plus what squeue says about its array).
 *
 * submit: sweep_prepare() creates SWEEP_DIR, its manifest and every trial directory; this file
 * adds SWEEP_DIR/slurm/ (the array's logs, %A_%a.out: Slurm 22.05 fails a job whose --output
 * directory is missing), writes SWEEP_DIR/slurm/sweep.sbatch, runs `sbatch --parsable` on it and
 * records the job id in SWEEP_DIR/slurm/jobid. Task i runs `miles sweep EXP --trial i --out
 * SWEEP_DIR`, which continues trial i from its checkpoint when there is one, so a task that
 * is requeued (by us on USR1 before the time limit, by preemption, or by hand) simply resumes.
 * The script requeues itself as <array job>_<task>: `scontrol requeue $SLURM_JOB_ID` in an array
 * task whose job id equals the array's would requeue the whole array (slurm.md 5.2). The
 * warning signal can come late or never (slurm.md 5.4); training checkpoints every epoch
 * regardless, so a task killed at its limit loses at most one epoch when it is resubmitted.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/config.h"
#include "core/runfiles.h"
#include "sweep/search.h"
#include "core/strbuf.h"
#include "sweep/sweep.h"
#include "train/train.h"

#define DEFAULT_PARALLEL 8
#define MAX_SETS 32

static const char *const usage_submit =
    "usage: miles submit EXP.yaml --slurm [--array-parallel K] [--partition P] [--time T] [--cpus C]\n"
    "                    [--gpus G] [--mem M] [--out DIR] [--set key.path=value]... [--dry-run]\n"
    "\n"
    "Submits the random search of EXP.yaml (its search: block) as one SLURM job array with one\n"
    "task per trial, and exits: `sbatch --array=0-(N-1)%K`, task i running\n"
    "`miles sweep EXP.yaml --trial i --out DIR`. Creates DIR (default: output.dir of the config),\n"
    "its trial directories and DIR/slurm/ (sweep.sbatch, the tasks' logs %A_%a.out, jobid)\n"
    "before submitting, and prints the job id. Each task checkpoints every epoch; on USR1 (sent\n"
    "before the time limit) it requeues itself as <array job>_<task> and resumes from its\n"
    "checkpoint. Submitting the same sweep again reruns only what is unfinished.\n"
    "  --slurm              submit to SLURM (the only scheduler; may be left out)\n"
    "  --array-parallel K   tasks running at once (%K; default 8, or N when smaller)\n"
    "  --partition P        #SBATCH --partition\n"
    "  --time T             #SBATCH --time (minutes, MM:SS, HH:MM:SS, D-HH[:MM[:SS]]); USR1 comes\n"
    "                       a tenth of it (30 s to 10 min) before the limit, else 5 min before\n"
    "  --cpus C             #SBATCH --cpus-per-task\n"
    "  --gpus G             #SBATCH --gpus (per task)\n"
    "  --mem M              #SBATCH --mem (e.g. 4G)\n"
    "  --out DIR            the sweep directory (overrides output.dir)\n"
    "  --set k=v            override a key of the base configuration (repeatable)\n"
    "  --dry-run            print the script; create nothing, submit nothing\n"
    "Exit: 0 submitted (or printed), 2 invalid command line, configuration or no search: block,\n"
    "4 sbatch missing or failing (its error is shown).\n";

static const char *const usage_status =
    "usage: miles status SWEEP_DIR\n"
    "\n"
    "Counts the trials of a sweep directory from their files: done (summary.json, completed),\n"
    "diverged, failed (trial-NNN/failed), running (checkpointed epochs, no summary yet) and\n"
    "pending (nothing yet). When the sweep was submitted with `miles submit` (SWEEP_DIR/slurm/jobid)\n"
    "and squeue is on PATH, adds the array's pending and running task counts from squeue.\n";

/* ---- small helpers --------------------------------------------------------------------------- */

/* S as one shell word: 'S' with every ' written as '\''. */
static void sb_quote(strbuf *b, const char *s) {
    int plain = *s != '\0';
    for (const char *p = s; *p; p++)
        if (!(isalnum((unsigned char)*p) || strchr("/._-+=:,@%", *p))) plain = 0;
    if (plain) {
        sb_printf(b, "%s", s);
        return;
    }
    sb_printf(b, "'");
    for (const char *p = s; *p; p++) {
        if (*p == '\'') sb_printf(b, "'\\''");
        else sb_printf(b, "%c", *p);
    }
    sb_printf(b, "'");
}

/* The absolute path of PATH, which need not exist yet (then made absolute against the cwd). */
static int absolute(const char *path, char *out, size_t len) {
    char buf[PATH_MAX];
    if (realpath(path, buf)) return snprintf(out, len, "%s", buf) < (int)len ? 0 : -1;
    if (path[0] == '/') return snprintf(out, len, "%s", path) < (int)len ? 0 : -1;
    if (!getcwd(buf, sizeof buf)) return -1;
    return snprintf(out, len, "%s/%s", buf, path) < (int)len ? 0 : -1;
}

/* The first executable NAME in $PATH, into out; 0 if found. */
static int find_in_path(const char *name, char *out, size_t len) {
    const char *path = getenv("PATH");
    if (!path || !*path) path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        size_t n = strcspn(path, ":");
        if (snprintf(out, len, "%.*s/%s", (int)(n ? n : 1), n ? path : ".", name) < (int)len) {
            struct stat sb;
            if (stat(out, &sb) == 0 && S_ISREG(sb.st_mode) && access(out, X_OK) == 0) return 0;
        }
        path += n;
        if (*path == ':') path++;
    }
    return -1;
}

/* Seconds of a Slurm time limit: "M", "M:S", "H:M:S", "D-H", "D-H:M", "D-H:M:S"; -1 if invalid;
 * 0 for "infinite"/"unlimited". */
static long slurm_seconds(const char *t) {
    if (!strcmp(t, "infinite") || !strcmp(t, "INFINITE") || !strcmp(t, "unlimited") || !strcmp(t, "UNLIMITED"))
        return 0;
    long v[4];
    int n = 0, days = 0;
    long d = 0;
    const char *p = t;
    if (!isdigit((unsigned char)*p)) return -1;
    const char *dash = strchr(t, '-');
    if (dash) {
        char *end;
        d = strtol(t, &end, 10);
        if (end != dash) return -1;
        days = 1;
        p = dash + 1;
    }
    while (*p) {
        if (!isdigit((unsigned char)*p) || n == 3) return -1;
        char *end;
        v[n++] = strtol(p, &end, 10);
        p = end;
        if (*p == ':') {
            p++;
            if (!*p) return -1;
        } else if (*p) {
            return -1;
        }
    }
    if (days) {
        if (n == 0) return -1;
        long h = v[0], m = n > 1 ? v[1] : 0, s = n > 2 ? v[2] : 0;
        return d * 86400 + h * 3600 + m * 60 + s;
    }
    if (n == 1) return v[0] * 60;
    if (n == 2) return v[0] * 60 + v[1];
    if (n == 3) return v[0] * 3600 + v[1] * 60 + v[2];
    return -1;
}

static int parse_int(const char *s, int lo, int hi, int *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return 0;
    *out = (int)v;
    return 1;
}

/* ---- the script ------------------------------------------------------------------------------ */

typedef struct {
    const char *partition, *time, *mem;
    int cpus, gpus, parallel;
} slurm_opts;

/* K of --array=0-(N-1)%K: --array-parallel, default 8, never more than N. */
static int array_parallel(const slurm_opts *o, int trials) {
    int k = o->parallel > 0 ? o->parallel : DEFAULT_PARALLEL;
    return k < trials ? k : trials;
}

static void build_script(strbuf *b, const char *miles, const char *exp, const char *dir, const char *cwd, int trials,
                         const slurm_opts *o, const char *const *sets, int n_sets) {
    long limit = o->time ? slurm_seconds(o->time) : 0;
    long warn = 300;
    if (limit > 0) {
        warn = limit / 10;
        if (warn > 600) warn = 600;
        if (warn < 30) warn = limit / 2 < 30 ? limit / 2 : 30;
        if (warn < 1) warn = 1;
    }
    const char *name = strrchr(dir, '/');
    name = name && name[1] ? name + 1 : dir;
    int k = array_parallel(o, trials);

    sb_printf(b, "#!/bin/bash\n");
    sb_printf(b, "# written by `miles submit`: the sweep in %s as one SLURM job array, task i = trial i\n", dir);
    sb_printf(b, "#SBATCH --job-name=miles-%s\n", name);
    sb_printf(b, "#SBATCH --array=0-%d%%%d\n", trials - 1, k);
    sb_printf(b, "#SBATCH --output=%s/slurm/%%A_%%a.out\n", dir);
    sb_printf(b, "#SBATCH --open-mode=append\n");
    sb_printf(b, "#SBATCH --chdir=%s\n", cwd);
    sb_printf(b, "#SBATCH --requeue\n");
    sb_printf(b, "#SBATCH --signal=B:USR1@%ld\n", warn);
    if (o->partition) sb_printf(b, "#SBATCH --partition=%s\n", o->partition);
    if (o->time) sb_printf(b, "#SBATCH --time=%s\n", o->time);
    if (o->cpus > 0) sb_printf(b, "#SBATCH --cpus-per-task=%d\n", o->cpus);
    if (o->gpus > 0) sb_printf(b, "#SBATCH --gpus=%d\n", o->gpus);
    if (o->mem) sb_printf(b, "#SBATCH --mem=%s\n", o->mem);
    sb_printf(b,
            "#\n"
            "# Each task checkpoints every epoch and resumes from its checkpoint when it starts again.\n"
            "# On USR1 (the time limit or a preemption is near) it requeues itself as\n"
            "# <array job>_<task>: the bare $SLURM_JOB_ID of the array's last task is the array's id,\n"
            "# and requeueing it would requeue every task. (For USR1 on preemption too, the cluster\n"
            "# needs PreemptParameters=send_user_signal.) USR1 may come late or not at all; a task\n"
            "# killed at its limit loses at most one epoch and continues when resubmitted.\n"
            "set -u\n"
            "task=\"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\"\n"
            "echo \"miles: task $task (job $SLURM_JOB_ID, trial $SLURM_ARRAY_TASK_ID, restart ${SLURM_RESTART_COUNT:-0}) on "
            "$(hostname) at $(date +%%FT%%T)\"\n"
            "child=\n"
            "requeue() {\n"
            "  echo \"miles: USR1 at $(date +%%FT%%T): requeueing $task\"\n"
            "  scontrol requeue \"$task\" || echo \"miles: scontrol requeue $task failed\"\n"
            "  [ -z \"$child\" ] || kill -TERM \"$child\" 2>/dev/null\n"
            "}\n"
            "forward() { [ -z \"$child\" ] || kill -TERM \"$child\" 2>/dev/null; }\n"
            "trap requeue USR1\n"
            "trap forward TERM INT\n");
    sb_quote(b, miles);
    sb_printf(b, " sweep ");
    sb_quote(b, exp);
    sb_printf(b, " --trial \"$SLURM_ARRAY_TASK_ID\" --out ");
    sb_quote(b, dir);
    for (int i = 0; i < n_sets; i++) {
        sb_printf(b, " --set ");
        sb_quote(b, sets[i]);
    }
    sb_printf(b,
            " &\n"
            "child=$!\n"
            "# wait returns early (> 128) when a trapped signal arrives; wait again for the real status\n"
            "wait \"$child\"; rc=$?\n"
            "while [ \"$rc\" -gt 128 ]; do wait \"$child\"; r=$?; [ \"$r\" -eq 127 ] && break; rc=$r; done\n"
            "echo \"miles: trial $SLURM_ARRAY_TASK_ID exited $rc at $(date +%%FT%%T)\"\n"
            "exit \"$rc\"\n");
}

/* ---- miles submit ---------------------------------------------------------------------------- */

int cmd_submit(int argc, char **argv) {
    const char *exp = NULL, *out = NULL;
    const char *sets[MAX_SETS];
    int n_sets = 0, dry = 0;
    slurm_opts o = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        static const char *const with_value[] = {"--array-parallel", "--partition", "--time", "--cpus",
                                                 "--gpus",           "--mem",       "--out",  "--set"};
        int opt = -1;
        for (int k = 0; k < 8; k++) {
            size_t n = strlen(with_value[k]);
            if (!strncmp(a, with_value[k], n) && (a[n] == '\0' || a[n] == '=')) {
                opt = k;
                if (a[n] == '=') v = a + n + 1;
                else if (i + 1 < argc) v = argv[++i];
                else return cli_usage_error(usage_submit, "%s needs a value", a);
            }
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_submit, stdout);
            return EXIT_OK;
        } else if (opt == 0) {
            if (!parse_int(v, 1, 100000, &o.parallel))
                return cli_usage_error(usage_submit, "--array-parallel: expected a number of tasks >= 1, found %s", v);
        } else if (opt == 1) {
            if (!*v) return cli_usage_error(usage_submit, "--partition: expected a partition name");
            o.partition = v;
        } else if (opt == 2) {
            if (slurm_seconds(v) < 0)
                return cli_usage_error(usage_submit,
                                       "--time: expected minutes, MM:SS, HH:MM:SS or D-HH[:MM[:SS]], found %s", v);
            o.time = v;
        } else if (opt == 3) {
            if (!parse_int(v, 1, 100000, &o.cpus))
                return cli_usage_error(usage_submit, "--cpus: expected a number of CPUs >= 1, found %s", v);
        } else if (opt == 4) {
            if (!parse_int(v, 0, 1024, &o.gpus))
                return cli_usage_error(usage_submit, "--gpus: expected a number of GPUs >= 0, found %s", v);
        } else if (opt == 5) {
            size_t d = strspn(v, "0123456789");
            if (d == 0 || !(v[d] == '\0' || (strchr("KMGTkmgt", v[d]) && v[d + 1] == '\0')))
                return cli_usage_error(usage_submit, "--mem: expected megabytes or a size like 4G, found %s", v);
            o.mem = v;
        } else if (opt == 6) {
            out = v;
        } else if (opt == 7) {
            if (n_sets == MAX_SETS) return cli_usage_error(usage_submit, "at most %d --set overrides", MAX_SETS);
            sets[n_sets++] = v;
        } else if (!strcmp(a, "--slurm")) {
            /* the only scheduler */
        } else if (!strcmp(a, "--dry-run")) {
            dry = 1;
        } else if (a[0] == '-') {
            return cli_usage_error(usage_submit, "unknown option %s", a);
        } else if (!exp) {
            exp = a;
        } else {
            return cli_usage_error(usage_submit, "expected one experiment file, found a second: %s", a);
        }
    }
    if (!exp) return cli_usage_error(usage_submit, "expected an experiment file");

    char err[4096];
    search_space *space = malloc(sizeof *space);
    sweep_info *info = malloc(sizeof *info);
    int rc = EXIT_OK;
    strbuf script = {0};
    if (!space || !info) {
        fputs("miles: out of memory\n", stderr);
        rc = EXIT_RUNTIME;
        goto done;
    }
    /* a sweep needs a space: say so before anything else (and before looking for sbatch) */
    if (search_load(exp, space, err, sizeof err)) {
        fprintf(stderr, "miles: %s\n", err);
        rc = EXIT_USAGE;
        goto done;
    }
    if (!space->present || space->trials < 1) {
        fprintf(stderr, "miles: %s: no search: block (a sweep needs a space: search: with params; see "
                        "experiments/README.md)\n", exp);
        rc = EXIT_USAGE;
        goto done;
    }

    char sbatch[PATH_MAX], miles[PATH_MAX], exp_abs[PATH_MAX], dir[PATH_MAX], cwd[PATH_MAX];
    if (!realpath(exp, exp_abs)) {
        fprintf(stderr, "miles: %s: %s\n", exp, strerror(errno));
        rc = EXIT_USAGE;
        goto done;
    }
    if (!realpath("/proc/self/exe", miles)) snprintf(miles, sizeof miles, "miles");
    if (!getcwd(cwd, sizeof cwd)) snprintf(cwd, sizeof cwd, "/");
    int trials;
    if (dry) {
        /* nothing is created: the sweep directory as sweep_prepare would name it */
        config base;
        if (config_load(exp, sets, n_sets, &base, err, sizeof err)) {
            fprintf(stderr, "miles: %s\n", err);
            rc = EXIT_USAGE;
            goto done;
        }
        int bad = absolute(out ? out : cfg_str(&base, "output.dir"), dir, sizeof dir);
        config_free(&base);
        if (bad) {
            fprintf(stderr, "miles: %s: path too long\n", out ? out : "output.dir");
            rc = EXIT_USAGE;
            goto done;
        }
        trials = space->trials;
    } else {
        if (find_in_path("sbatch", sbatch, sizeof sbatch)) {
            fprintf(stderr, "miles: sbatch not found on PATH: SLURM's client commands are not installed here "
                            "(Debian: slurm-client); `miles submit --dry-run` prints the script, `miles sweep` "
                            "runs the sweep on this machine\n");
            rc = EXIT_RUNTIME;
            goto done;
        }
        rc = sweep_prepare(exp, sets, n_sets, out, info, err, sizeof err);
        if (rc) {
            fprintf(stderr, "miles: %s\n", err);
            goto done;
        }
        if (absolute(info->dir, dir, sizeof dir)) {
            fprintf(stderr, "miles: %s: path too long\n", info->dir);
            rc = EXIT_USAGE;
            goto done;
        }
        trials = info->space.trials;
    }
    build_script(&script, miles, exp_abs, dir, cwd, trials, &o, sets, n_sets);
    if (dry) {
        fputs(script.p, stdout);
        goto done;
    }

    /* every directory the job writes to exists before sbatch (slurm.md 5.1) */
    char sdir[PATH_MAX + 16], path[PATH_MAX + 64];
    snprintf(sdir, sizeof sdir, "%s/slurm", dir);
    if (ensure_dir(sdir, err, sizeof err)) {
        fprintf(stderr, "miles: %s\n", err);
        rc = EXIT_RUNTIME;
        goto done;
    }
    for (int t = 0; t < trials; t++) {
        snprintf(path, sizeof path, "%s/trial-%03d", dir, t);
        if (!is_directory(path) && ensure_dir(path, err, sizeof err)) {
            fprintf(stderr, "miles: %s\n", err);
            rc = EXIT_RUNTIME;
            goto done;
        }
    }
    snprintf(path, sizeof path, "%s/sweep.sbatch", sdir);
    if (write_file_atomic(path, script.p, script.len, err, sizeof err)) {
        fprintf(stderr, "miles: %s\n", err);
        rc = EXIT_RUNTIME;
        goto done;
    }
    chmod(path, 0755);

    /* sbatch --parsable SCRIPT: "jobid" or "jobid;cluster" on stdout; its stderr goes to ours */
    strbuf cmd = {0};
    sb_quote(&cmd, sbatch);
    sb_printf(&cmd, " --parsable ");
    sb_quote(&cmd, path);
    fflush(stdout);
    fflush(stderr);
    FILE *p = popen(cmd.p, "r");
    free(cmd.p);
    char line[256] = "";
    if (!p) {
        fprintf(stderr, "miles: cannot run sbatch: %s\n", strerror(errno));
        rc = EXIT_RUNTIME;
        goto done;
    }
    char buf[256];
    while (fgets(buf, sizeof buf, p))
        if (!line[0] && isdigit((unsigned char)buf[0])) snprintf(line, sizeof line, "%s", buf);
    int st = pclose(p);
    line[strspn(line, "0123456789")] = '\0';
    if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0 || !line[0]) {
        if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) != 0)
            fprintf(stderr, "miles: sbatch failed (exit %d) for %s\n", WEXITSTATUS(st), path);
        else
            fprintf(stderr, "miles: sbatch did not print a job id for %s\n", path);
        rc = EXIT_RUNTIME;
        goto done;
    }
    char jpath[PATH_MAX + 64], jtext[300];
    snprintf(jpath, sizeof jpath, "%s/jobid", sdir);
    int n = snprintf(jtext, sizeof jtext, "%s\n", line);
    if (write_file_atomic(jpath, jtext, (size_t)n, err, sizeof err))
        fprintf(stderr, "miles: submitted job %s, but %s\n", line, err);
    printf("%s\n", line);
    fprintf(stderr, "miles: submitted array job %s: %d task%s, at most %d at once; logs in %s/%%A_%%a.out; "
                    "`miles status %s` counts its trials\n",
            line, trials, trials == 1 ? "" : "s", array_parallel(&o, trials), sdir, dir);
done:
    free(script.p);
    free(space);
    free(info);
    return rc;
}

/* ---- miles status ---------------------------------------------------------------------------- */

int cmd_status(int argc, char **argv) {
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_status, stdout);
            return EXIT_OK;
        } else if (a[0] == '-') {
            return cli_usage_error(usage_status, "unknown option %s", a);
        } else if (!dir) {
            dir = a;
        } else {
            return cli_usage_error(usage_status, "expected one sweep directory, found a second: %s", a);
        }
    }
    if (!dir) return cli_usage_error(usage_status, "expected a sweep directory");
    if (!is_directory(dir)) {
        fprintf(stderr, "miles: %s: not a directory\n", dir);
        return EXIT_USAGE;
    }
    /* the trial count: the manifest's, else the trial-NNN directories there are */
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/sweep.json", dir);
    char *manifest = read_text_file(path);
    char num[32];
    long trials = -1;
    if (manifest && !json_field(manifest, "trials", num, sizeof num) && isdigit((unsigned char)num[0]))
        trials = strtol(num, NULL, 10);
    free(manifest);
    if (trials < 0) {
        trials = 0;
        for (;;) {
            snprintf(path, sizeof path, "%s/trial-%03ld", dir, trials);
            if (!is_directory(path)) break;
            trials++;
        }
        if (trials == 0) {
            fprintf(stderr, "miles: %s: not a sweep directory (no sweep.json, no trial-000/)\n", dir);
            return EXIT_USAGE;
        }
    }
    int count[5] = {0};
    for (long t = 0; t < trials; t++) {
        trial_state s = sweep_trial_state(dir, (int)t);
        if ((int)s >= 0 && (int)s < 5) count[s]++;
    }
    printf("sweep %s: %ld trials\n", dir, trials);
    printf("done %d  running %d  failed %d  diverged %d  pending %d\n", count[TRIAL_DONE], count[TRIAL_RUNNING],
           count[TRIAL_FAILED], count[TRIAL_DIVERGED], count[TRIAL_PENDING]);
    for (long t = 0; t < trials; t++) {
        if (sweep_trial_state(dir, (int)t) != TRIAL_FAILED) continue;
        snprintf(path, sizeof path, "%s/trial-%03ld/failed", dir, t);
        char *text = read_text_file(path);
        if (text) {
            for (char *c = text; *c; c++)
                if (*c == '\n') *c = ' ';
            printf("failed trial-%03ld: %.200s\n", t, text);
            free(text);
        }
    }

    /* the array, as squeue sees it */
    snprintf(path, sizeof path, "%s/slurm/jobid", dir);
    char *jid = read_text_file(path);
    if (jid) {
        jid[strspn(jid, "0123456789")] = '\0';
        char squeue[PATH_MAX];
        if (!jid[0]) {
            /* not a job id: say nothing about slurm */
        } else if (find_in_path("squeue", squeue, sizeof squeue)) {
            printf("slurm job %s (squeue not on PATH)\n", jid);
        } else {
            strbuf cmd = {0};
            sb_quote(&cmd, squeue);
            sb_printf(&cmd, " -h -r -j %s -o %%t 2>/dev/null", jid);
            fflush(stdout);
            FILE *p = popen(cmd.p, "r");
            free(cmd.p);
            int pend = 0, run = 0, other = 0;
            char line[64];
            while (p && fgets(line, sizeof line, p)) {
                line[strcspn(line, " \r\n")] = '\0';
                if (!strcmp(line, "PD")) pend++;
                else if (!strcmp(line, "R") || !strcmp(line, "CG") || !strcmp(line, "CF")) run++;
                else if (line[0]) other++;
            }
            int st = p ? pclose(p) : -1;
            if (st == 0 || pend + run + other > 0) {
                printf("slurm job %s: running %d  pending %d", jid, run, pend);
                if (other) printf("  other %d", other);
                printf("%s\n", pend + run + other ? "" : " (no task queued)");
            } else {
                printf("slurm job %s: not known to squeue (finished, or another cluster)\n", jid);
            }
        }
        free(jid);
    }
    return EXIT_OK;
}
