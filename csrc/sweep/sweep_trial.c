/* sweep_trial.c - one trial of a sweep: its state on disk, and running it in this process.
 *
 * Everything about a trial follows from the experiment file, the user's --set overrides and the
 * trial index (search.c), so any process can run any trial. A trial runs holding an fcntl lock
 * on trial-NNN/lock (released however the process ends), so one trial is never trained by two
 * processes; a finished trial (summary.json) is left alone, an unfinished one continues from
 * ckpt/state.txt, a failed one (trial-NNN/failed) is tried again. trial-NNN/trial.json records
 * the trial's index, the sweep seed and its values. A reseed (slot SWEEP_RESEED_BASE + k) is run
 * the same way: the selected trial's values plus its own train.seed, in reseed-KK/.
 */
#define _POSIX_C_SOURCE 200809L
#include "sweep/sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/json.h"
#include "core/runfiles.h"
#include "core/summary.h"
#include "train/train.h"

void sweep_slot_name(int slot, char *out, size_t len) {
    if (slot >= SWEEP_RESEED_BASE) snprintf(out, len, "reseed-%02d", slot - SWEEP_RESEED_BASE);
    else snprintf(out, len, "trial-%03d", slot);
}

void sweep_slot_label(const sweep_info *info, int slot, char *out, size_t len) {
    if (slot < SWEEP_RESEED_BASE) snprintf(out, len, "trial %03d", slot);
    else if (info) snprintf(out, len, "reseed %02d (trial %03d)", slot - SWEEP_RESEED_BASE, info->reseed_trial);
    else snprintf(out, len, "reseed %02d", slot - SWEEP_RESEED_BASE);
}

ml_status sweep_trial_dir(const char *dir, int trial, char *out, size_t len, char *err, size_t errlen) {
    char name[32];
    sweep_slot_name(trial, name, sizeof name);
    if (path_fmt(out, len, "%s/%s", dir, name) == 0) return ML_OK;
    snprintf(err, errlen, "%.200s...: path too long", dir);
    return ML_EINVAL;
}

/* DIR/trial-NNN/NAME (or DIR/reseed-KK/NAME); "" when it does not fit (then no such file exists). */
static void trial_file(const char *dir, int trial, const char *name, char *out, size_t len) {
    char slot[32];
    sweep_slot_name(trial, slot, sizeof slot);
    if (path_fmt(out, len, "%s/%s/%s", dir, slot, name)) out[0] = '\0';
}

trial_state sweep_trial_state(const char *sweep_dir, int trial) {
    char tdir[ML_PATH_MAX], path[ML_PATH_MAX], err[512];
    if (sweep_trial_dir(sweep_dir, trial, tdir, sizeof tdir, err, sizeof err)) return TRIAL_PENDING;
    run_summary s;
    int missing = 0;
    ml_status rc = run_summary_read(tdir, &s, &missing, err, sizeof err);
    if (rc == ML_OK) {
        if (!strcmp(s.status, "completed")) return TRIAL_DONE;
        if (!strcmp(s.status, "diverged")) return TRIAL_DIVERGED;
    } else if (!missing) {
        return TRIAL_CORRUPT; /* a summary that cannot be read is not a run in progress */
    }
    trial_file(sweep_dir, trial, "failed", path, sizeof path);
    if (*path && path_exists(path)) return TRIAL_FAILED;
    trial_file(sweep_dir, trial, "ckpt/state.txt", path, sizeof path);
    if (*path && path_exists(path)) return TRIAL_RUNNING;
    return TRIAL_PENDING;
}

/* ---- the failed file ------------------------------------------------------------------------- */

/* The first line of a failed file: what kind of failure, in the words of the exit codes. */
static const char *failure_kind(ml_status s, char *buf, size_t len) {
    switch (s) {
    case ML_OK: break;
    case ML_EINVAL: return "invalid configuration";
    case ML_EDATA: return "dataset missing or inconsistent";
    case ML_ERUNTIME: return "runtime failure";
    }
    snprintf(buf, len, "failed with status %d", (int)s);
    return buf;
}

static void write_failed(const char *sweep_dir, int trial, const char *how, const char *msg) {
    char path[ML_PATH_MAX], e[1024];
    trial_file(sweep_dir, trial, "failed", path, sizeof path);
    size_t n = strlen(how) + strlen(msg) + 3;
    char *text = malloc(n);
    if (!*path || !text) {
        free(text);
        return;
    }
    snprintf(text, n, "%s\n%s\n", how, msg);
    if (write_file_atomic(path, text, strlen(text), e, sizeof e)) fprintf(stderr, "miles: %s\n", e);
    free(text);
}

void sweep_trial_killed(const char *sweep_dir, int trial, int signal) {
    char how[64], msg[200];
    snprintf(how, sizeof how, "killed by signal %d", signal);
    snprintf(msg, sizeof msg, "the trial's process was killed by signal %d (%s)", signal, strsignal(signal));
    write_failed(sweep_dir, trial, how, msg);
}

char *sweep_trial_failure(const char *sweep_dir, int trial) {
    char path[ML_PATH_MAX];
    trial_file(sweep_dir, trial, "failed", path, sizeof path);
    return *path ? read_text_file(path) : NULL;
}

/* ---- running a trial ------------------------------------------------------------------------- */

/* Takes trial-NNN/lock; the descriptor, or -1 with err (*busy = 1 when another process has it). */
static int lock_trial(const char *tdir, int *busy, char *err, size_t errlen) {
    char path[ML_PATH_MAX];
    if (path_join(path, sizeof path, tdir, "lock")) {
        snprintf(err, errlen, "%s: path too long", tdir);
        return -1;
    }
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(fd, F_SETLK, &fl) != 0) {
        snprintf(err, errlen, "%s: being run by another process (%s is locked)", tdir, path);
        close(fd);
        *busy = 1;
        return -1;
    }
    return fd;
}

/* train.threads of the resolved config.yaml a trial was started with, or 0. */
static int threads_of_run(const char *tdir) {
    char path[ML_PATH_MAX], err[2048];
    config c;
    if (path_join(path, sizeof path, tdir, "config.yaml") || config_load(path, NULL, 0, &c, err, sizeof err)) return 0;
    int t = (int)cfg_int(&c, "train.threads");
    config_free(&c);
    return t;
}

/* The trial's configuration: the user's sets, its values and, when THREADS > 0, train.threads
 * (a continued trial keeps the thread count it started with: it is part of its config). */
static ml_status trial_config(const sweep_info *info, int trial, const char *tdir, int threads, config *cfg, char *err,
                              size_t errlen) {
    char sets[SEARCH_MAX_PARAMS + 2][SEARCH_SET_LEN], state[ML_PATH_MAX];
    int n = 0;
    int reseed = trial >= SWEEP_RESEED_BASE ? trial - SWEEP_RESEED_BASE : 0;
    search_trial_sets(&info->space, reseed ? info->reseed_trial : trial, sets, &n);
    if (reseed) snprintf(sets[n++], SEARCH_SET_LEN, "train.seed=%llu", info->reseed_seed[reseed]);
    if (threads > 0) {
        int resuming = path_join(state, sizeof state, tdir, "ckpt/state.txt") == 0 && path_exists(state);
        int had = resuming ? threads_of_run(tdir) : 0;
        snprintf(sets[n++], SEARCH_SET_LEN, "train.threads=%d", had > 0 ? had : threads);
    }
    return sweep_load_config(info, sets, n, cfg, err, errlen);
}

/* trial.json: provenance, the sweep seed (not the training seed) and the values. */
static ml_status write_trial_json(const sweep_info *info, int trial, const char *tdir, char *err, size_t errlen) {
    char path[ML_PATH_MAX], seed[32], values[SEARCH_MAX_PARAMS * SEARCH_SET_LEN];
    if (path_join(path, sizeof path, tdir, "trial.json")) {
        snprintf(err, errlen, "%s: path too long", tdir);
        return ML_EINVAL;
    }
    int reseed = trial >= SWEEP_RESEED_BASE ? trial - SWEEP_RESEED_BASE : 0;
    snprintf(seed, sizeof seed, "%llu", info->space.seed);
    sweep_trial_values(info, reseed ? info->reseed_trial : trial, values, sizeof values);
    json_t *j = json_pack("{s:i, s:s, s:s, s:s}", "trial", reseed ? info->reseed_trial : trial, "sweep_seed", seed,
                          "values", values, "base_hash", info->base_hash);
    if (j && reseed) { /* the reseed's own train.seed, which its config.yaml holds too */
        json_object_set_new(j, "reseed", json_integer(reseed));
        json_object_set_new(j, "train_seed", json_integer((json_int_t)info->reseed_seed[reseed]));
    }
    ml_status rc = j ? json_save_path(path, j, err, errlen) : ML_ERUNTIME;
    if (!j) snprintf(err, errlen, "%s: out of memory", path);
    json_decref(j);
    return rc;
}

/* A failed file of an earlier attempt goes before this one starts. */
static ml_status clear_failed(const sweep_info *info, int trial, char *err, size_t errlen) {
    char path[ML_PATH_MAX];
    trial_file(info->dir, trial, "failed", path, sizeof path);
    if (!*path || remove(path) == 0 || errno == ENOENT) return ML_OK;
    snprintf(err, errlen, "%s: cannot remove: %s", path, strerror(errno));
    return ML_ERUNTIME;
}

/* Configures, records and trains a trial whose lock this process holds. */
static ml_status train_trial(const sweep_info *info, int trial, const char *tdir, int threads, char *err,
                             size_t errlen) {
    config cfg;
    char how[64];
    ml_status rc = trial_config(info, trial, tdir, threads, &cfg, err, errlen);
    if (rc) {
        write_failed(info->dir, trial, failure_kind(rc, how, sizeof how), err);
        return rc;
    }
    if (!(rc = clear_failed(info, trial, err, errlen)) && !(rc = write_trial_json(info, trial, tdir, err, errlen))) {
        train_options opt = {.resume = 1, .quiet = 1};
        train_summary sum;
        rc = (ml_status)train_run(&cfg, tdir, &opt, &sum, err, errlen);
        if (rc) write_failed(info->dir, trial, failure_kind(rc, how, sizeof how), err);
    }
    config_free(&cfg);
    return rc;
}

static int finished(const sweep_info *info, int trial) {
    trial_state st = sweep_trial_state(info->dir, trial);
    return st == TRIAL_DONE || st == TRIAL_DIVERGED;
}

ml_status sweep_run_trial(const sweep_info *info, int trial, int threads, int *busy, char *err, size_t errlen) {
    char tdir[ML_PATH_MAX];
    int dummy = 0;
    if (!busy) busy = &dummy;
    *busy = 0;
    int k = trial - SWEEP_RESEED_BASE;
    if ((trial < 0 || trial >= info->space.trials) && (k < 1 || k > info->reseeds)) {
        snprintf(err, errlen, "trial %d: expected a trial in [0, %d]", trial, info->space.trials - 1);
        return ML_EINVAL;
    }
    ml_status rc = sweep_trial_dir(info->dir, trial, tdir, sizeof tdir, err, errlen);
    if (rc) return rc;
    if (ensure_dir(tdir, err, errlen)) return ML_ERUNTIME;
    if (finished(info, trial)) return ML_OK;
    int lock = lock_trial(tdir, busy, err, errlen);
    if (lock < 0) return ML_ERUNTIME;
    /* again under the lock: another process may have finished it meanwhile */
    if (!finished(info, trial)) rc = train_trial(info, trial, tdir, threads, err, errlen);
    close(lock);
    return rc;
}
