/* sweep.c - running a sweep's trials on this machine: a pool of forked workers, one trial each.
 *
 * Each trial runs in its own process, so a crash is that trial's failure, not the sweep's, and
 * the workers die with the sweep (PR_SET_PDEATHSIG): a sweep killed as a whole is continued by
 * running it again. Each worker gets max(1, cores / jobs) threads unless train.threads is set.
 * Workers share GPUs: when CUDA_VISIBLE_DEVICES lists several devices, worker slot s sees only
 * the (s mod count)-th of them (as its device 0), and each worker may hold 1/k of its device's
 * memory, k being the number of workers on that device (mt_cuda_memory_fraction; nothing on the
 * CPU). The pool itself never touches CUDA: a CUDA context does not survive fork.
 * Progress goes to stdout, one line when a trial starts and one when it ends.
 */
#define _POSIX_C_SOURCE 200809L
#include "sweep/sweep.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "core/runfiles.h"
#include "core/summary.h"
#include "mt.h"

/* Exit statuses between a worker and the pool only. */
enum { WORKER_OK = 0, WORKER_FAILED = 1, WORKER_BUSY = 10 };

typedef struct {
    pid_t pid; /* 0: free */
    int trial;
    double started;
} worker;

void sweep_count(const char *dir, int first, int last, sweep_tally *tally) {
    memset(tally, 0, sizeof *tally);
    tally->total = last - first + 1;
    for (int t = first; t <= last; t++) tally->count[sweep_trial_state(dir, t)]++;
}

/* Threads per worker: 0 (leave the configuration's) when train.threads is set, else cores / jobs. */
static int threads_per_worker(const sweep_info *info, int jobs) {
    config base;
    char err[2048];
    int threads = 0;
    if (sweep_load_config(info, NULL, 0, &base, err, sizeof err) == ML_OK) {
        const cfg_value *v = cfg_find(&base, "train.threads");
        if (!v || !v->set || v->i == 0) threads = cpu_count() / jobs > 1 ? cpu_count() / jobs : 1;
        config_free(&base);
    }
    return threads;
}

static void announce_sweep(const sweep_info *info, int total, int n_todo, int jobs, int threads) {
    printf("sweep %s: %d trial%s, %d to run (%d finished before)", info->dir, total, total == 1 ? "" : "s", n_todo,
           total - n_todo);
    if (n_todo) {
        int j = jobs < n_todo ? jobs : n_todo;
        if (threads) printf(", %d at a time, %d thread%s each", j, threads, threads == 1 ? "" : "s");
        else printf(", %d at a time", j);
    }
    printf("\n");
}

static void announce_trial(const sweep_info *info, int t, int slot, int jobs) {
    char values[SEARCH_MAX_PARAMS * SEARCH_SET_LEN], tdir[ML_PATH_MAX], err[2048];
    run_state rs;
    char label[64];
    sweep_slot_label(info, t, label, sizeof label);
    if (t >= SWEEP_RESEED_BASE) {
        int k = t - SWEEP_RESEED_BASE;
        sweep_trial_values(info, info->reseed_trial, values, sizeof values);
        size_t n = strlen(values);
        snprintf(values + n, sizeof values - n, " train.seed=%llu", info->reseed_seed[k]);
    } else {
        sweep_trial_values(info, t, values, sizeof values);
    }
    if (sweep_trial_dir(info->dir, t, tdir, sizeof tdir, err, sizeof err) == ML_OK &&
        read_run_state(tdir, &rs, err, sizeof err) == 1) {
        printf("%s resume after epoch %d: %s", label, rs.epochs_done, values);
        run_state_free(&rs); /* its method state is on the heap */
    } else {
        printf("%s start: %s", label, values);
    }
    sweep_device d;
    sweep_worker_device(slot, jobs, &d);
    if (d.visible[0]) printf(" [CUDA_VISIBLE_DEVICES=%s, GPU memory share %.3g]", d.visible, d.memory_fraction);
    printf("\n");
    fflush(stdout);
}

/* "trial 002 done val accuracy 0.9120 (3 epochs, 2.1 s)" */
static void report_finished(const sweep_info *info, int trial, trial_state st, double secs) {
    char tdir[ML_PATH_MAX], err[2048], val[32] = "?", epochs[32] = "?";
    run_summary s;
    run_summary_init(&s);
    if (sweep_trial_dir(info->dir, trial, tdir, sizeof tdir, err, sizeof err) == ML_OK)
        run_summary_read(tdir, &s, NULL, err, sizeof err);
    if (!isnan(s.val_metric_selected)) snprintf(val, sizeof val, "%.4f", s.val_metric_selected);
    if (s.epochs_run >= 0) snprintf(epochs, sizeof epochs, "%lld", s.epochs_run);
    char label[64];
    sweep_slot_label(info, trial, label, sizeof label);
    printf("%s %s val %s %s (%s epochs, %.1f s)\n", label, st == TRIAL_DONE ? "done" : "diverged",
           *s.metric ? s.metric : "metric", val, epochs, secs);
}

/* "trial 002 FAILED (how): the first line of the message" */
static void report_failed(const sweep_info *info, int trial) {
    char *text = sweep_trial_failure(info->dir, trial);
    char *msg = text ? strchr(text, '\n') : NULL;
    char label[64];
    sweep_slot_label(info, trial, label, sizeof label);
    if (msg) *msg++ = '\0', msg[strcspn(msg, "\n")] = '\0';
    printf("%s FAILED (%s): %s\n", label, text ? text : "no failed file", msg && *msg ? msg : "see its log.txt");
    free(text);
}

/* What the pool says when a worker has ended. */
static void worker_ended(const sweep_info *info, const worker *w, int status, int quiet) {
    if (WIFSIGNALED(status)) sweep_trial_killed(info->dir, w->trial, WTERMSIG(status));
    if (quiet) return;
    trial_state st = sweep_trial_state(info->dir, w->trial);
    char label[64];
    sweep_slot_label(info, w->trial, label, sizeof label);
    if (WIFEXITED(status) && WEXITSTATUS(status) == WORKER_BUSY)
        printf("%s is being run by another process; left to it\n", label);
    else if (st == TRIAL_DONE || st == TRIAL_DIVERGED) report_finished(info, w->trial, st, mono_seconds() - w->started);
    else report_failed(info, w->trial);
    fflush(stdout);
}

/* The devices CUDA_VISIBLE_DEVICES lists (comma-separated), 0 when it is unset or empty. */
static int visible_devices(char list[][32], int max) {
    const char *v = getenv("CUDA_VISIBLE_DEVICES");
    int n = 0;
    while (v && *v && n < max) {
        size_t len = strcspn(v, ",");
        if (len > 0 && len < 32) {
            memcpy(list[n], v, len);
            list[n++][len] = '\0';
        }
        v += len + (v[len] == ',');
    }
    return n;
}

void sweep_worker_device(int slot, int jobs, sweep_device *d) {
    char list[64][32];
    int n = visible_devices(list, 64);
    memset(d, 0, sizeof *d);
    int per_device = jobs;
    if (n > 1) {
        snprintf(d->visible, sizeof d->visible, "%s", list[slot % n]);
        int k = jobs / n + (slot % n < jobs % n); /* workers on this slot's device */
        per_device = k > 0 ? k : 1;
    }
    d->memory_fraction = 1.0 / per_device;
}

/* In a worker, before anything touches CUDA: its device and memory share. */
static void take_device(int slot, int jobs) {
    sweep_device d;
    sweep_worker_device(slot, jobs, &d);
    if (d.visible[0]) setenv("CUDA_VISIBLE_DEVICES", d.visible, 1);
    if (jobs > 1 && mt_cuda_memory_fraction(d.memory_fraction) != MT_OK)
        fprintf(stderr, "miles: worker %d: no GPU memory share: %s\n", slot, mt_last_error());
}

/* Forks a worker for trial t in pool slot SLOT; its pid, or -1 (err). The worker never returns. */
static pid_t start_worker(const sweep_info *info, int t, int slot, int jobs, int threads, char *err, size_t errlen) {
    pid_t parent = getpid();
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) snprintf(err, errlen, "fork: %s", strerror(errno));
    if (pid != 0) return pid;
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* the sweep stops as a whole */
    if (getppid() != parent) _exit(WORKER_FAILED);
#endif
    take_device(slot, jobs);
    char e[4096];
    int busy = 0;
    ml_status rc = sweep_run_trial(info, t, threads, &busy, e, sizeof e);
    _exit(busy ? WORKER_BUSY : rc == ML_OK ? WORKER_OK : WORKER_FAILED);
}

/* Waits for one worker and reports it; ML_ERUNTIME when waitpid fails. */
static ml_status reap_one(const sweep_info *info, worker *w, int jobs, int quiet, int *running, char *err,
                          size_t errlen) {
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, 0)) < 0 && errno == EINTR) continue;
    if (pid < 0) {
        snprintf(err, errlen, "waitpid: %s", strerror(errno));
        return ML_ERUNTIME;
    }
    for (int s = 0; s < jobs; s++)
        if (w[s].pid == pid) {
            worker_ended(info, &w[s], status, quiet);
            w[s].pid = 0;
            (*running)--;
        }
    return ML_OK;
}

/* Runs the trials of TODO, at most JOBS at once. */
static ml_status run_pool(const sweep_info *info, const int *todo, int n_todo, int jobs, int threads, int quiet,
                          char *err, size_t errlen) {
    worker *w = calloc((size_t)jobs, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return ML_ERUNTIME;
    }
    ml_status rc = ML_OK;
    int next = 0, running = 0;
    while (next < n_todo || running > 0) {
        while (running < jobs && next < n_todo && rc == ML_OK) {
            int s = 0, t = todo[next++];
            while (w[s].pid) s++;
            if (!quiet) announce_trial(info, t, s, jobs);
            w[s] = (worker){
                .pid = start_worker(info, t, s, jobs, threads, err, errlen), .trial = t, .started = mono_seconds()};
            if (w[s].pid < 0) {
                w[s].pid = 0;
                rc = ML_ERUNTIME; /* start nothing more; wait for the running ones */
                next = n_todo;
            } else {
                running++;
            }
        }
        if (!running) break;
        if (reap_one(info, w, jobs, quiet, &running, err, errlen)) {
            rc = ML_ERUNTIME;
            break;
        }
    }
    free(w);
    return rc;
}

/* Runs the unfinished ones of SLOTS[0..n) and tallies all of them. */
static ml_status run_slots(const sweep_info *info, const int *slots, int n, const sweep_run_options *o,
                           sweep_tally *tally, char *err, size_t errlen) {
    int jobs = o->jobs > 0 ? o->jobs : 1;
    int *todo = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    if (!todo) {
        snprintf(err, errlen, "out of memory");
        return ML_ERUNTIME;
    }
    int threads = threads_per_worker(info, jobs), n_todo = 0;
    for (int i = 0; i < n; i++) {
        trial_state st = sweep_trial_state(info->dir, slots[i]);
        if (st != TRIAL_DONE && st != TRIAL_DIVERGED) todo[n_todo++] = slots[i];
    }
    if (!o->quiet) announce_sweep(info, n, n_todo, jobs, threads);
    ml_status rc = run_pool(info, todo, n_todo, jobs, threads, o->quiet, err, errlen);
    free(todo);
    memset(tally, 0, sizeof *tally);
    tally->total = n;
    for (int i = 0; i < n; i++) tally->count[sweep_trial_state(info->dir, slots[i])]++;
    return rc;
}

ml_status sweep_run(const sweep_info *info, int only, const sweep_run_options *o, sweep_tally *tally, char *err,
                    size_t errlen) {
    int span = o->count > 0 ? o->count : 1;
    int first = only >= 0 ? only : 0, last = only >= 0 ? only + span - 1 : info->space.trials - 1;
    if (last > info->space.trials - 1) last = info->space.trials - 1;
    int *slots = malloc(sizeof(int) * (size_t)(last - first + 1));
    if (!slots) {
        snprintf(err, errlen, "out of memory");
        return ML_ERUNTIME;
    }
    for (int t = first; t <= last; t++) slots[t - first] = t;
    ml_status rc = run_slots(info, slots, last - first + 1, o, tally, err, errlen);
    free(slots);
    return rc;
}

ml_status sweep_run_reseeds(const sweep_info *info, int only, const sweep_run_options *o, sweep_tally *tally, char *err,
                            size_t errlen) {
    int slots[SWEEP_MAX_RESEEDS], n = 0;
    for (int k = 1; k <= info->reseeds; k++)
        if (only < 0 || only == k) slots[n++] = SWEEP_RESEED_BASE + k;
    return run_slots(info, slots, n, o, tally, err, errlen);
}
