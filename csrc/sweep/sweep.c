/* sweep.c - `miles sweep`: a random search on this machine, trial by trial, resumable.
 * (The space, the trial configurations and the manifest are in sweep_manifest.c.)
 *
 * A sweep directory holds sweep.json (the manifest) and trial-NNN/, each the run directory of
 * one trial (that of `miles train`). Everything about a trial follows from the experiment file,
 * the user's --set overrides and the trial index (search.c), so any process can run any trial,
 * and every command starts by checking that the manifest matches what it would write:
 *
 *   1. validation: the base configuration (file + --set) loads; the space parses; every bound
 *      and choice and every trial's values load through config_load as overrides, so the
 *      schema's own rules apply to them; an error names the parameter's FILE:LINE:COL;
 *   2. the manifest: written once to a unique temporary name and link()ed into place (only one
 *      writer can win; the others compare theirs with it), so SLURM array tasks may all start
 *      at once; a different seed, trial count, space or base configuration is refused, naming
 *      what differs;
 *   3. trials: each runs in a forked child (a crash is that trial's failure, not the sweep's)
 *      holding an fcntl lock on trial-NNN/lock, so one trial is never trained by two processes;
 *      finished trials (summary.json) are skipped, unfinished ones continue from ckpt/state.txt,
 *      failed ones (trial-NNN/failed) are tried again.
 */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT; everything else is POSIX.1-2008 */
#include "sweep/sweep.h"
#include "core/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "cli/cli.h"
#include "core/config.h"
#include "core/runfiles.h"
#include "train/train.h"

#define EXIT_BUSY_CHILD 10 /* between a worker and its parent only: the trial's lock was held */

static int last_busy; /* set by sweep_run_trial when another process holds the trial's lock */

/* ---- trials ---------------------------------------------------------------------------------- */

trial_state sweep_trial_state(const char *sweep_dir, int trial)
{
    char dir[1100], path[1200];
    sweep_trial_dir(sweep_dir, trial, dir, sizeof dir);
    snprintf(path, sizeof path, "%s/summary.json", dir);
    char *js = read_text_file(path);
    if (js) {
        char status[32] = "";
        json_field(js, "status", status, sizeof status);
        free(js);
        if (!strcmp(status, "completed")) return TRIAL_DONE;
        if (!strcmp(status, "diverged")) return TRIAL_DIVERGED;
    }
    snprintf(path, sizeof path, "%s/failed", dir);
    if (path_exists(path)) return TRIAL_FAILED;
    snprintf(path, sizeof path, "%s/ckpt/state.txt", dir);
    if (path_exists(path)) return TRIAL_RUNNING;
    return TRIAL_PENDING;
}

static void write_failed(const char *tdir, const char *how, const char *msg)
{
    char path[1200], text[3000], e[1500];
    snprintf(path, sizeof path, "%s/failed", tdir);
    int n = snprintf(text, sizeof text, "%s\n%s\n", how, msg);
    if (n > (int)sizeof text - 1) n = (int)sizeof text - 1;
    if (write_file_atomic(path, text, (size_t)n, e, sizeof e)) fprintf(stderr, "miles: %s\n", e);
}

/* train.threads of the resolved config.yaml a trial was started with, or 0. */
static int threads_of_run(const char *tdir)
{
    char path[1200], err[2048];
    snprintf(path, sizeof path, "%s/config.yaml", tdir);
    config c;
    if (config_load(path, NULL, 0, &c, err, sizeof err)) return 0;
    int t = (int)cfg_int(&c, "train.threads");
    config_free(&c);
    return t;
}

static void sets_line(char sets[][SEARCH_SET_LEN], int n, char *out, size_t len)
{
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        size_t m = strlen(sets[i]);
        if (off + m + 2 > len) break;
        if (i) out[off++] = ' ';
        memcpy(out + off, sets[i], m);
        off += m;
    }
    out[off] = '\0';
}

int sweep_run_trial(const sweep_info *info, int trial, int threads, int quiet, char *err, size_t errlen)
{
    char tdir[1100], path[1200];
    last_busy = 0;
    if (trial < 0 || trial >= info->space.trials) {
        snprintf(err, errlen, "trial %d: expected a trial in [0, %d]", trial, info->space.trials - 1);
        return EXIT_USAGE;
    }
    sweep_trial_dir(info->dir, trial, tdir, sizeof tdir);
    if (ensure_dir(tdir, err, errlen)) return EXIT_RUNTIME;
    trial_state st = sweep_trial_state(info->dir, trial);
    if (st == TRIAL_DONE || st == TRIAL_DIVERGED) return EXIT_OK;

    /* one process per trial: an fcntl lock, released when this process ends however it ends */
    snprintf(path, sizeof path, "%s/lock", tdir);
    int lock = open(path, O_RDWR | O_CREAT, 0644);
    if (lock < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return EXIT_RUNTIME;
    }
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(lock, F_SETLK, &fl) != 0) {
        snprintf(err, errlen, "%s: being run by another process (%s is locked)", tdir, path);
        close(lock);
        last_busy = 1;
        return EXIT_RUNTIME;
    }
    st = sweep_trial_state(info->dir, trial);
    if (st == TRIAL_DONE || st == TRIAL_DIVERGED) {
        close(lock);
        return EXIT_OK;
    }

    char sets[SEARCH_MAX_PARAMS + 1][SEARCH_SET_LEN], line[SEARCH_MAX_PARAMS * SEARCH_SET_LEN];
    int n = 0;
    search_trial_sets(&info->space, trial, sets, &n);
    sets_line(sets, n, line, sizeof line);
    snprintf(path, sizeof path, "%s/ckpt/state.txt", tdir);
    int resuming = path_exists(path);
    if (threads > 0) {
        /* a continued trial keeps the thread count it started with (it is part of its config) */
        int had = resuming ? threads_of_run(tdir) : 0;
        snprintf(sets[n++], SEARCH_SET_LEN, "train.threads=%d", had > 0 ? had : threads);
    }
    config cfg;
    int rc = sweep_load_config(info, sets, n, &cfg, err, errlen);
    if (rc) {
        write_failed(tdir, "exit 2", err);
        close(lock);
        return EXIT_USAGE;
    }
    snprintf(path, sizeof path, "%s/failed", tdir);
    if (remove(path) != 0 && errno != ENOENT) {
        snprintf(err, errlen, "%s: cannot remove: %s", path, strerror(errno));
        config_free(&cfg);
        close(lock);
        return EXIT_RUNTIME;
    }

    /* provenance: the trial's index, the sweep seed (not the training seed) and its values */
    json_writer j;
    json_begin(&j);
    json_int(&j, "trial", trial);
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", info->space.seed);
    json_str(&j, "sweep_seed", seed);
    json_str(&j, "values", line);
    json_str(&j, "base_hash", info->base_hash);
    json_end(&j);
    snprintf(path, sizeof path, "%s/trial.json", tdir);
    if (write_file_atomic(path, j.buf, j.len, err, errlen)) {
        json_free(&j);
        config_free(&cfg);
        close(lock);
        return EXIT_RUNTIME;
    }
    json_free(&j);

    if (!quiet) printf("trial %03d %s: %s\n", trial, resuming ? "resume" : "start", line), fflush(stdout);
    train_options opt = {.resume = 1, .quiet = 1};
    train_summary sum;
    rc = cli_exit_code(train_run(&cfg, tdir, &opt, &sum, err, errlen));
    config_free(&cfg);
    if (rc) {
        char how[32];
        snprintf(how, sizeof how, "exit %d", rc);
        write_failed(tdir, how, err);
    } else if (!quiet) {
        printf("trial %03d %s val %.4f (%d epochs)\n", trial, sum.completed ? "done" : "diverged", sum.val_metric_fused,
               sum.epochs_run);
        fflush(stdout);
    }
    close(lock);
    return rc;
}

/* ---- miles sweep ----------------------------------------------------------------------------- */

static const char *const usage_sweep =
    "usage: miles sweep EXP.yaml [--jobs N] [--trial I] [--out DIR] [--set key.path=value]... [--dry-run]\n"
    "                   [--quiet]\n"
    "\n"
    "Runs the random search of EXP.yaml (its search: block) into DIR (default: output.dir of the\n"
    "config): DIR/sweep.json and one run directory DIR/trial-NNN per trial. Running it again\n"
    "skips finished trials, continues interrupted ones from their checkpoints and retries failed\n"
    "ones; it refuses (exit 2) when the seed, trial count, space or base configuration changed.\n"
    "  --jobs N    trials run at once, each in its own process (default 1); each gets\n"
    "              max(1, cores / N) threads unless train.threads is set\n"
    "  --trial I   run only trial I (what a SLURM array task runs)\n"
    "  --out DIR   the sweep directory (overrides output.dir)\n"
    "  --set k=v   override a key of the base configuration (repeatable); searched keys cannot\n"
    "              be set\n"
    "  --dry-run   print every trial's values (one line per trial), check them, write nothing\n"
    "  --quiet     no line per trial (each trial's log.txt has its epochs)\n"
    "Exit: 0 when every trial (or trial I) completed or diverged, 4 when some failed or did not\n"
    "finish (trial-NNN/failed says why), 2 for an invalid command line, configuration or space.\n";

static int cpu_count(void)
{
#ifdef __linux__
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
#endif
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static int parse_count(const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return 0;
    *out = (int)v;
    return 1;
}

/* The line printed when a worker has ended. */
static void report_end(const sweep_info *info, int trial, int status, double secs, int quiet)
{
    char tdir[1100], path[1200];
    sweep_trial_dir(info->dir, trial, tdir, sizeof tdir);
    if (WIFSIGNALED(status)) {
        char how[64], msg[200];
        snprintf(how, sizeof how, "killed by signal %d", WTERMSIG(status));
        snprintf(msg, sizeof msg, "the trial's process was killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
        write_failed(tdir, how, msg);
    }
    if (quiet) return;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    trial_state st = sweep_trial_state(info->dir, trial);
    if (code == EXIT_BUSY_CHILD) {
        printf("trial %03d is being run by another process; left to it\n", trial);
    } else if (st == TRIAL_DONE || st == TRIAL_DIVERGED) {
        snprintf(path, sizeof path, "%s/summary.json", tdir);
        char *js = read_text_file(path), metric[64] = "metric", val[64] = "?", epochs[32] = "?";
        if (js) {
            json_field(js, "metric", metric, sizeof metric);
            json_field(js, "val_metric_selected", val, sizeof val);
            json_field(js, "epochs_run", epochs, sizeof epochs);
            free(js);
        }
        char *end;
        double x = strtod(val, &end);
        if (end != val && !*end) snprintf(val, sizeof val, "%.4f", x);
        printf("trial %03d %s val %s %s (%s epochs, %.1f s)\n", trial, st == TRIAL_DONE ? "done" : "diverged", metric,
               val, epochs, secs);
    } else {
        snprintf(path, sizeof path, "%s/failed", tdir);
        char *text = read_text_file(path), *msg = text ? strchr(text, '\n') : NULL;
        if (msg) msg[strcspn(msg + 1, "\n") + 1] = '\0', msg++;
        printf("trial %03d FAILED (%s): %s\n", trial, text ? strtok(text, "\n") : "no failed file",
               msg && *msg ? msg : "see its log.txt");
        free(text);
    }
    fflush(stdout);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int cmd_sweep(int argc, char **argv)
{
    const char *exp = NULL, *out = NULL;
    const char **sets = calloc((size_t)argc + 1, sizeof *sets);
    int n_sets = 0, jobs = 1, only = -1, dry = 0, quiet = 0;
    if (!sets) return EXIT_RUNTIME;
    int rc = EXIT_OK;
    for (int i = 1; i < argc && !rc; i++) {
        const char *a = argv[i], *v = NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_sweep, stdout);
            free(sets);
            return EXIT_OK;
        }
        if (!strncmp(a, "--", 2) && strchr(a, '=')) { /* --opt=value */
            static const char *const with_value[] = {"--set=", "--out=", "--jobs=", "--trial="};
            for (int k = 0; k < 4; k++)
                if (!strncmp(a, with_value[k], strlen(with_value[k]))) v = a + strlen(with_value[k]);
        } else if (!strcmp(a, "--set") || !strcmp(a, "--out") || !strcmp(a, "--jobs") || !strcmp(a, "--trial")) {
            if (i + 1 >= argc) rc = cli_usage_error(usage_sweep, "%s needs a value", a);
            else v = argv[++i];
        }
        if (rc) break;
        if (v) {
            if (!strncmp(a, "--set", 5)) sets[n_sets++] = v;
            else if (!strncmp(a, "--out", 5)) out = v;
            else if (!strncmp(a, "--jobs", 6) && !parse_count(v, 1, 4096, &jobs))
                rc = cli_usage_error(usage_sweep, "--jobs: expected a number of processes in [1, 4096], found %s", v);
            else if (!strncmp(a, "--trial", 7) && !parse_count(v, 0, 1000000, &only))
                rc = cli_usage_error(usage_sweep, "--trial: expected a trial index (0, 1, ...), found %s", v);
        } else if (!strcmp(a, "--dry-run")) {
            dry = 1;
        } else if (!strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (a[0] == '-') {
            rc = cli_usage_error(usage_sweep, "unknown option %s", a);
        } else if (!exp) {
            exp = a;
        } else {
            rc = cli_usage_error(usage_sweep, "expected one experiment file, found a second: %s", a);
        }
    }
    if (!rc && !exp) rc = cli_usage_error(usage_sweep, "expected an experiment file");
    if (rc) {
        free(sets);
        return rc;
    }

    sweep_info *info = malloc(sizeof *info);
    char err[4096];
    if (!info) {
        free(sets);
        return EXIT_RUNTIME;
    }
    rc = dry ? sweep_validate(exp, sets, n_sets, out, info, err, sizeof err)
             : sweep_prepare(exp, sets, n_sets, out, info, err, sizeof err);
    if (!rc && only >= info->space.trials) {
        snprintf(err, sizeof err, "--trial %d: the sweep has trials 0 to %d", only, info->space.trials - 1);
        rc = EXIT_USAGE;
    }
    if (rc) {
        fprintf(stderr, "miles: %s\n", err);
        goto done;
    }
    int first = only >= 0 ? only : 0, last = only >= 0 ? only : info->space.trials - 1;
    if (dry) {
        char ts[SEARCH_MAX_PARAMS][SEARCH_SET_LEN], line[SEARCH_MAX_PARAMS * SEARCH_SET_LEN];
        for (int t = first; t <= last; t++) {
            int n;
            search_trial_sets(&info->space, t, ts, &n);
            sets_line(ts, n, line, sizeof line);
            printf("trial %03d %s\n", t, line);
        }
        goto done;
    }

    /* threads per worker: the user's train.threads when set (non-zero), else cores / jobs */
    int threads = 0;
    {
        config base;
        if (config_load(exp, sets, n_sets, &base, err, sizeof err) == 0) {
            const cfg_value *v = cfg_find(&base, "train.threads");
            if (!v || !v->set || v->i == 0) threads = cpu_count() / jobs > 1 ? cpu_count() / jobs : 1;
            config_free(&base);
        }
    }
    int total = last - first + 1, *todo = malloc(sizeof(int) * (size_t)total), n_todo = 0;
    if (!todo) {
        rc = EXIT_RUNTIME;
        goto done;
    }
    for (int t = first; t <= last; t++) {
        trial_state st = sweep_trial_state(info->dir, t);
        if (st != TRIAL_DONE && st != TRIAL_DIVERGED) todo[n_todo++] = t;
    }
    if (!quiet) {
        printf("sweep %s: %d trial%s, %d to run (%d finished before)", info->dir, total, total == 1 ? "" : "s",
               n_todo, total - n_todo);
        if (n_todo) {
            int j = jobs < n_todo ? jobs : n_todo;
            if (threads) printf(", %d at a time, %d thread%s each", j, threads, threads == 1 ? "" : "s");
            else printf(", %d at a time", j);
        }
        printf("\n");
    }
    fflush(stdout);
    fflush(stderr);

    pid_t parent = getpid();
    pid_t *pids = calloc((size_t)jobs, sizeof *pids);
    int *slot_trial = calloc((size_t)jobs, sizeof *slot_trial);
    double *started = calloc((size_t)jobs, sizeof *started);
    int next = 0, running = 0;
    if (!pids || !slot_trial || !started) {
        rc = EXIT_RUNTIME;
        goto free_all;
    }
    while (next < n_todo || running > 0) {
        while (running < jobs && next < n_todo) {
            int t = todo[next++], s = 0;
            while (pids[s]) s++;
            if (!quiet) {
                char ts[SEARCH_MAX_PARAMS][SEARCH_SET_LEN], line[SEARCH_MAX_PARAMS * SEARCH_SET_LEN], tdir[1100];
                run_state rs;
                int n;
                search_trial_sets(&info->space, t, ts, &n);
                sets_line(ts, n, line, sizeof line);
                sweep_trial_dir(info->dir, t, tdir, sizeof tdir);
                if (read_run_state(tdir, &rs, err, sizeof err) == 1) {
                    printf("trial %03d resume after epoch %d: %s\n", t, rs.epochs_done, line);
                    run_state_free(&rs);
                } else
                    printf("trial %03d start: %s\n", t, line);
                fflush(stdout);
            }
            pid_t pid = fork();
            if (pid < 0) {
                fprintf(stderr, "miles: fork: %s\n", strerror(errno));
                next = n_todo; /* start nothing more; wait for the running ones */
                rc = EXIT_RUNTIME;
                break;
            }
            if (pid == 0) {
#ifdef __linux__
                prctl(PR_SET_PDEATHSIG, SIGKILL); /* the sweep stops as a whole */
                if (getppid() != parent) _exit(EXIT_RUNTIME);
#endif
                char e[4096];
                int code = sweep_run_trial(info, t, threads, 1, e, sizeof e);
                _exit(last_busy ? EXIT_BUSY_CHILD : code);
            }
            pids[s] = pid, slot_trial[s] = t, started[s] = now_s();
            running++;
        }
        if (!running) break;
        int status;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0) {
            if (errno == EINTR) continue;
            fprintf(stderr, "miles: waitpid: %s\n", strerror(errno));
            rc = EXIT_RUNTIME;
            break;
        }
        for (int s = 0; s < jobs; s++)
            if (pids[s] == pid) {
                report_end(info, slot_trial[s], status, now_s() - started[s], quiet);
                pids[s] = 0;
                running--;
            }
    }

    {
        int done = 0, diverged = 0, failed = 0, other = 0;
        for (int t = first; t <= last; t++) {
            trial_state st = sweep_trial_state(info->dir, t);
            if (st == TRIAL_DONE) done++;
            else if (st == TRIAL_DIVERGED) diverged++;
            else if (st == TRIAL_FAILED) failed++;
            else other++;
        }
        printf("sweep: %d done, %d diverged, %d failed", done, diverged, failed);
        if (other) printf(", %d not finished", other);
        printf("\n");
        fflush(stdout);
        if (done + diverged != total) rc = EXIT_RUNTIME;
    }
free_all:
    free(pids);
    free(slot_trial);
    free(started);
    free(todo);
done:
    free(info);
    free(sets);
    return rc;
}
