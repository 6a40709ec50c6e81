/* slurm.c - a sweep as one SLURM job array, and squeue's view of it; see slurm.h.
 *
 * submit: sweep_prepare() creates SWEEP_DIR, its manifest and every trial directory; this file
 * adds SWEEP_DIR/slurm/ (the array's logs, %A_%a.out: Slurm 22.05 fails a job whose --output
 * directory is missing), writes SWEEP_DIR/slurm/sweep.sbatch, runs `sbatch --parsable` on it and
 * records the job id in SWEEP_DIR/slurm/jobid. Task i runs `miles sweep EXP --trial i --out
 * SWEEP_DIR`, which continues trial i from its checkpoint when there is one, so a task that
 * is requeued (by us on USR1 before the time limit, by preemption, or by hand) simply resumes.
 * The script requeues itself as <array job>_<task>: `scontrol requeue $SLURM_JOB_ID` in an array
 * task whose job id equals the array's would requeue the whole array. The warning signal
 * (--signal) can come late or never, as Slurm delivers it only within its polling interval and
 * not at all to a task killed by preemption; training checkpoints every epoch
 * regardless, so a task killed at its limit loses at most one epoch when it is resubmitted.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "sweep/slurm.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/runfiles.h"

#define DEFAULT_PARALLEL 8

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

ml_status slurm_find_tool(const char *name, char *out, size_t len) {
    const char *path = getenv("PATH");
    if (!path || !*path) path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        size_t n = strcspn(path, ":");
        if (snprintf(out, len, "%.*s/%s", (int)(n ? n : 1), n ? path : ".", name) < (int)len) {
            struct stat sb;
            if (stat(out, &sb) == 0 && S_ISREG(sb.st_mode) && access(out, X_OK) == 0) return ML_OK;
        }
        path += n;
        if (*path == ':') path++;
    }
    return ML_ERUNTIME;
}

long slurm_time_seconds(const char *t) {
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

int slurm_mem_valid(const char *m) {
    size_t d = strspn(m, "0123456789");
    return d > 0 && (m[d] == '\0' || (strchr("KMGTkmgt", m[d]) && m[d + 1] == '\0'));
}

int slurm_tasks(const slurm_opts *o, int trials) {
    int per = o->per_task > 1 ? o->per_task : 1;
    return (trials + per - 1) / per;
}

int slurm_array_parallel(const slurm_opts *o, int trials) {
    int k = o->parallel > 0 ? o->parallel : DEFAULT_PARALLEL, tasks = slurm_tasks(o, trials);
    return k < tasks ? k : tasks;
}

/* ---- the script ------------------------------------------------------------------------------ */

/* Seconds before the limit that USR1 comes: a tenth of the limit, 30 s to 10 min (half of a limit
 * under a minute), else 5 min. */
static long warning_seconds(const char *time) {
    long limit = time ? slurm_time_seconds(time) : 0, warn = 300;
    if (limit > 0) {
        warn = limit / 10;
        if (warn > 600) warn = 600;
        if (warn < 30) warn = limit / 2 < 30 ? limit / 2 : 30;
        if (warn < 1) warn = 1;
    }
    return warn;
}

/* The array is 0..trials-1 (task i = trial i), or 1..K for K reseeds (task k = reseed k). */
static void script_header(strbuf *b, const char *dir, const char *cwd, int trials, int reseeds, const slurm_opts *o) {
    const char *name = strrchr(dir, '/');
    name = name && name[1] ? name + 1 : dir;
    int n = reseeds ? reseeds : trials, first = reseeds ? 1 : 0;
    sb_printf(b, "#!/bin/bash\n");
    if (reseeds)
        sb_printf(b,
                  "# written by `miles submit --reseed`: the reseeds of the sweep in %s as one SLURM job array, "
                  "task k = reseed k\n",
                  dir);
    else if (o->per_task > 1)
        sb_printf(
            b, "# written by `miles submit`: the sweep in %s as one SLURM job array, task i = trials %d*i to %d*i+%d\n",
            dir, o->per_task, o->per_task, o->per_task - 1);
    else sb_printf(b, "# written by `miles submit`: the sweep in %s as one SLURM job array, task i = trial i\n", dir);
    sb_printf(b, "#SBATCH --job-name=miles-%s%s\n", name, reseeds ? "-reseed" : "");
    if (reseeds) sb_printf(b, "#SBATCH --array=%d-%d%%%d\n", first, first + n - 1, slurm_array_parallel(o, n));
    else sb_printf(b, "#SBATCH --array=0-%d%%%d\n", slurm_tasks(o, trials) - 1, slurm_array_parallel(o, trials));
    sb_printf(b, "#SBATCH --output=%s/slurm/%%A_%%a.out\n", dir);
    sb_printf(b, "#SBATCH --open-mode=append\n");
    sb_printf(b, "#SBATCH --chdir=%s\n", cwd);
    sb_printf(b, "#SBATCH --requeue\n");
    sb_printf(b, "#SBATCH --signal=B:USR1@%ld\n", warning_seconds(o->time));
    if (o->partition) sb_printf(b, "#SBATCH --partition=%s\n", o->partition);
    if (o->time) sb_printf(b, "#SBATCH --time=%s\n", o->time);
    if (o->cpus > 0) sb_printf(b, "#SBATCH --cpus-per-task=%d\n", o->cpus);
    if (o->gpus > 0) sb_printf(b, "#SBATCH --gpus=%d\n", o->gpus);
    if (o->mem) sb_printf(b, "#SBATCH --mem=%s\n", o->mem);
}

/* $what, the task's work in its log lines: "trial i"; with K trials a task "trials K*i-K*i+K-1",
 * the last task's range ending at the last trial ("trial N-1" when one is left); "reseed k". */
static void script_what(strbuf *b, int trials, int reseeds, int per_task) {
    if (reseeds) sb_printf(b, "what=\"reseed $SLURM_ARRAY_TASK_ID\"\n");
    else if (per_task > 1)
        sb_printf(b,
                  "first=$((SLURM_ARRAY_TASK_ID * %d)); last=$((first + %d))\n"
                  "[ \"$last\" -lt %d ] || last=%d\n"
                  "if [ \"$first\" = \"$last\" ]; then what=\"trial $first\"; else what=\"trials $first-$last\"; fi\n",
                  per_task, per_task - 1, trials, trials - 1);
    else sb_printf(b, "what=\"trial $SLURM_ARRAY_TASK_ID\"\n");
}

static void script_traps(strbuf *b, int trials, int reseeds, int per_task) {
    sb_printf(b, "#\n"
                 "# Each task checkpoints every epoch and resumes from its checkpoint when it starts again.\n"
                 "# On USR1 (the time limit or a preemption is near) it requeues itself as\n"
                 "# <array job>_<task>: the bare $SLURM_JOB_ID of the array's last task is the array's id,\n"
                 "# and requeueing it would requeue every task. (For USR1 on preemption too, the cluster\n"
                 "# needs PreemptParameters=send_user_signal.) USR1 may come late or not at all; a task\n"
                 "# killed at its limit loses at most one epoch and continues when resubmitted.\n"
                 "set -u\n"
                 "task=\"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\"\n");
    script_what(b, trials, reseeds, per_task);
    sb_printf(b, "echo \"miles: task $task (job $SLURM_JOB_ID, $what, restart ${SLURM_RESTART_COUNT:-0}) on "
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
}

/* The task's command: the sweep's own arguments, so it computes the same manifest. */
static void script_task(strbuf *b, const char *miles, const char *exp, const char *dir, const sweep_info *info,
                        int per_task) {
    sb_quote(b, miles);
    sb_printf(b, " sweep ");
    sb_quote(b, exp);
    if (per_task > 1)
        sb_printf(b, " --trial \"$((SLURM_ARRAY_TASK_ID * %d))\" --trial-count %d --jobs %d --out ", per_task, per_task,
                  per_task);
    else sb_printf(b, " --trial \"$SLURM_ARRAY_TASK_ID\" --out ");
    sb_quote(b, dir);
    if (info->trials_given) sb_printf(b, " --trials %d", info->space.trials);
    if (info->seed_given) sb_printf(b, " --seed %llu", info->space.seed);
    if (info->reseeds) sb_printf(b, " --reseed %d", info->reseeds);
    for (int i = 0; i < info->n_sets; i++) {
        sb_printf(b, " --set ");
        sb_quote(b, info->sets[i]);
    }
    sb_printf(b, " &\n"
                 "child=$!\n"
                 "# wait returns early (> 128) when a trapped signal arrives; wait again for the real status\n"
                 "wait \"$child\"; rc=$?\n"
                 "while [ \"$rc\" -gt 128 ]; do wait \"$child\"; r=$?; [ \"$r\" -eq 127 ] && break; rc=$r; done\n"
                 "echo \"miles: $what exited $rc at $(date +%%FT%%T)\"\n"
                 "exit \"$rc\"\n");
}

int slurm_name_valid(const char *s) {
    if (!*s) return 0;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("_-.,", *p)) return 0;
    return 1;
}

/* sbatch splits an #SBATCH line at blanks and reads quotes, backslashes and '#' in it, and
 * --output expands '%'; a control character would end the comment line and start a shell
 * command. So a path that goes into a directive must hold none of these. */
static ml_status directive_path(const char *path, const char *what, char *err, size_t errlen) {
    for (const unsigned char *p = (const unsigned char *)path; *p; p++)
        if (*p < 0x20 || *p == 0x7f || strchr(" \"'\\#%", *p)) {
            char c[8];
            snprintf(c, sizeof c, isprint(*p) ? "'%c'" : "\\x%02x", *p);
            snprintf(err, errlen,
                     "%.1000s: %s goes into #SBATCH directives, which cannot hold control characters, blanks, "
                     "quotes, backslashes, '#' or '%%'; found %s at byte %d",
                     path, what, c, (int)((const char *)p - path) + 1);
            return ML_EINVAL;
        }
    return ML_OK;
}

ml_status slurm_script(const sweep_info *info, const slurm_opts *o, strbuf *script, char *err, size_t errlen) {
    char miles[PATH_MAX], exp[PATH_MAX], dir[PATH_MAX], cwd[PATH_MAX];
    if (!realpath(info->exp, exp)) {
        snprintf(err, errlen, "%s: %s", info->exp, strerror(errno));
        return ML_EINVAL;
    }
    if (absolute(info->dir, dir, sizeof dir)) {
        snprintf(err, errlen, "%s: path too long", info->dir);
        return ML_EINVAL;
    }
    if (!realpath("/proc/self/exe", miles)) snprintf(miles, sizeof miles, "miles");
    if (!getcwd(cwd, sizeof cwd)) snprintf(cwd, sizeof cwd, "/");
    if (o->partition && !slurm_name_valid(o->partition)) {
        snprintf(err, errlen,
                 "--partition: expected a Slurm name (letters, digits, '_', '-', '.', commas), found '%.200s'",
                 o->partition);
        return ML_EINVAL;
    }
    ml_status rc = directive_path(dir, "the sweep directory", err, errlen);
    if (!rc) rc = directive_path(cwd, "the current directory", err, errlen);
    if (rc) return rc;
    script_header(script, dir, cwd, info->space.trials, info->reseeds, o);
    script_traps(script, info->space.trials, info->reseeds, o->per_task);
    script_task(script, miles, exp, dir, info, o->per_task);
    return ML_OK;
}

/* ---- submitting ------------------------------------------------------------------------------ */

/* Every directory the job writes to exists before sbatch (Slurm opens --output before the
 * script runs, and fails the task when its directory is missing): SWEEP_DIR/slurm and the
 * trial directories. SDIR gets SWEEP_DIR/slurm. */
static ml_status job_directories(const sweep_info *info, char *sdir, size_t len, char *err, size_t errlen) {
    char path[ML_PATH_MAX];
    if (path_join(sdir, len, info->dir, "slurm")) {
        snprintf(err, errlen, "%s: path too long", info->dir);
        return ML_EINVAL;
    }
    if (ensure_dir(sdir, err, errlen)) return ML_ERUNTIME;
    for (int i = 0; i < (info->reseeds ? info->reseeds : info->space.trials); i++) {
        int t = info->reseeds ? SWEEP_RESEED_BASE + 1 + i : i;
        if (sweep_trial_dir(info->dir, t, path, sizeof path, err, errlen)) return ML_EINVAL;
        if (!is_directory(path) && ensure_dir(path, err, errlen)) return ML_ERUNTIME;
    }
    return ML_OK;
}

/* Runs `SBATCH --parsable PATH`: "jobid" or "jobid;cluster" on stdout; its stderr goes to ours. */
static ml_status run_sbatch(const char *sbatch, const char *path, char *jobid, size_t jlen, char *err, size_t errlen) {
    strbuf cmd = {0};
    sb_quote(&cmd, sbatch);
    sb_printf(&cmd, " --parsable ");
    sb_quote(&cmd, path);
    fflush(stdout);
    fflush(stderr);
    FILE *p = popen(cmd.p, "r");
    sb_free(&cmd);
    if (!p) {
        snprintf(err, errlen, "cannot run sbatch: %s", strerror(errno));
        return ML_ERUNTIME;
    }
    char line[256] = "", buf[256];
    while (fgets(buf, sizeof buf, p))
        if (!line[0] && isdigit((unsigned char)buf[0])) snprintf(line, sizeof line, "%s", buf);
    int st = pclose(p);
    line[strspn(line, "0123456789")] = '\0';
    if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) != 0) {
        snprintf(err, errlen, "sbatch failed (exit %d) for %s", WEXITSTATUS(st), path);
        return ML_ERUNTIME;
    }
    if (st == -1 || !WIFEXITED(st) || !line[0]) {
        snprintf(err, errlen, "sbatch did not print a job id for %s", path);
        return ML_ERUNTIME;
    }
    snprintf(jobid, jlen, "%s", line);
    return ML_OK;
}

ml_status slurm_submit(const sweep_info *info, const char *sbatch, const char *script, char *jobid, size_t jlen,
                       char *err, size_t errlen) {
    char sdir[ML_PATH_MAX], path[ML_PATH_MAX];
    ml_status rc = job_directories(info, sdir, sizeof sdir, err, errlen);
    if (rc) return rc;
    if (path_join(path, sizeof path, sdir, "sweep.sbatch")) {
        snprintf(err, errlen, "%s: path too long", sdir);
        return ML_EINVAL;
    }
    if (write_file_atomic(path, script, strlen(script), err, errlen)) return ML_ERUNTIME;
    chmod(path, 0755);
    return run_sbatch(sbatch, path, jobid, jlen, err, errlen);
}

ml_status slurm_record_jobid(const char *sweep_dir, const char *jobid, char *err, size_t errlen) {
    char path[ML_PATH_MAX], text[300];
    if (path_join(path, sizeof path, sweep_dir, "slurm/jobid")) {
        snprintf(err, errlen, "%s: path too long", sweep_dir);
        return ML_EINVAL;
    }
    int n = snprintf(text, sizeof text, "%s\n", jobid);
    return write_file_atomic(path, text, (size_t)n, err, errlen) ? ML_ERUNTIME : ML_OK;
}

/* ---- squeue ---------------------------------------------------------------------------------- */

void slurm_recorded_jobid(const char *sweep_dir, char *jobid, size_t len) {
    char path[ML_PATH_MAX];
    char *text = path_join(path, sizeof path, sweep_dir, "slurm/jobid") ? NULL : read_text_file(path);
    jobid[0] = '\0';
    if (!text) return;
    text[strspn(text, "0123456789")] = '\0'; /* anything else is not a job id: say nothing */
    snprintf(jobid, len, "%s", text);
    free(text);
}

void slurm_queue_read(const char *jobid, slurm_queue *q) {
    char squeue[PATH_MAX];
    *q = (slurm_queue){.answer = SQUEUE_MISSING};
    if (slurm_find_tool("squeue", squeue, sizeof squeue)) return;
    strbuf cmd = {0};
    sb_quote(&cmd, squeue);
    sb_printf(&cmd, " -h -r -j %s -o %%t 2>/dev/null", jobid);
    fflush(stdout);
    FILE *p = popen(cmd.p, "r");
    sb_free(&cmd);
    char line[64];
    while (p && fgets(line, sizeof line, p)) {
        line[strcspn(line, " \r\n")] = '\0';
        if (!strcmp(line, "PD")) q->pending++;
        else if (!strcmp(line, "R") || !strcmp(line, "CG") || !strcmp(line, "CF")) q->running++;
        else if (line[0]) q->other++;
    }
    int st = p ? pclose(p) : -1;
    q->answer = st == 0 || q->pending + q->running + q->other > 0 ? SQUEUE_LISTED : SQUEUE_UNKNOWN_JOB;
}
