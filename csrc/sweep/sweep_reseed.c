/* sweep_reseed.c - `miles sweep --reseed K`: the trial validation selected, re-trained with K
 * further seeds (sweep.h). The selection is core/results.h's, the rule every table uses, so the
 * reseeds are the runs the report's cells are about.
 *
 * A reseed's seed depends on the base train.seed and its number only, not on the sweep seed or
 * the trial: every sweep of a grid (same base seed) trains reseed k with the same seed, and the
 * report pairs methods seed by seed (same initial weights of equal encoders, same batch order).
 */
#define _POSIX_C_SOURCE 200809L
#include "sweep/sweep.h"

#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "core/results.h"

void sweep_reseed_seeds(unsigned long long base, int k, unsigned long long *seeds) {
    uint64_t state = base;
    for (int i = 1; i <= k; i++) {
        unsigned long long s;
        int repeat;
        do {
            s = splitmix64_next(&state) >> 33;
            repeat = s == base;
            for (int j = 1; j < i; j++) repeat |= seeds[j] == s;
        } while (repeat);
        seeds[i] = s;
    }
}

/* Refuses while a trial is pending or running: the selection could still change. */
static ml_status check_finished(const sweep_info *info, char *err, size_t errlen) {
    sweep_tally t;
    sweep_count(info->dir, 0, info->space.trials - 1, &t);
    int open = t.count[TRIAL_PENDING] + t.count[TRIAL_RUNNING];
    if (!open) return ML_OK;
    snprintf(err, errlen,
             "%s: %d of %d trials have not finished; reseeds re-train the trial validation selects, which can "
             "change until every trial has ended (run `miles sweep` without --reseed first)",
             info->dir, open, info->space.trials);
    return ML_EINVAL;
}

/* The trial validation selects, into *trial. */
static ml_status selected_trial(const sweep_info *info, int *trial, char *err, size_t errlen) {
    rs_set s = {0};
    ml_status rc = rs_collect(&s, info->dir, err, errlen);
    if (rc == ML_EINVAL) rc = ML_OK; /* no summary at all: said below */
    if (rc) return rc;
    rs_finish(&s);
    const rs_run *best = s.n_units > 0 && s.units[0].best >= 0 ? &s.runs[s.units[0].best] : NULL;
    if (best) *trial = best->trial;
    else
        snprintf(err, errlen, "%s: no completed trial to re-seed (run `miles sweep` without --reseed first)",
                 info->dir);
    rs_free(&s);
    return best ? ML_OK : ML_EINVAL;
}

/* sweep.json's reseed record into *trial and *count (-1 and 0 without one); or the manifest. */
static json_t *read_record(const sweep_info *info, char *path, size_t plen, int *trial, int *count, char *err,
                           size_t errlen) {
    if (path_join(path, plen, info->dir, "sweep.json")) {
        snprintf(err, errlen, "%s: path too long", info->dir);
        return NULL;
    }
    json_t *m = json_load_path(path, NULL, err, errlen);
    const json_t *r = m ? json_object_get(m, "reseed") : NULL;
    *trial = r ? (int)json_get_int(r, "trial", -1) : -1;
    *count = r ? (int)json_get_int(r, "count", 0) : 0;
    return m;
}

static ml_status write_record(json_t *m, const sweep_info *info, const char *path, char *err, size_t errlen) {
    json_t *seeds = json_array();
    for (int k = 1; k <= info->reseeds; k++)
        json_array_append_new(seeds, json_integer((json_int_t)info->reseed_seed[k]));
    json_t *r =
        json_pack("{s:i, s:i, s:o, s:s}", "trial", info->reseed_trial, "count", info->reseeds, "seeds", seeds, "rule",
                  "train.seed of reseed k: splitmix64 stream from the base train.seed, k-th output >> 33");
    json_object_set_new(m, "reseed", r);
    return json_save_path(path, m, err, errlen);
}

ml_status sweep_reseed_plan(sweep_info *info, int k, int write, char *err, size_t errlen) {
    char path[ML_PATH_MAX];
    int trial = -1, old_trial, old_count;
    if (k < 1 || k > SWEEP_MAX_RESEEDS) {
        snprintf(err, errlen, "--reseed: expected a count in [1, %d], found %d", SWEEP_MAX_RESEEDS, k);
        return ML_EINVAL;
    }
    ml_status rc = selected_trial(info, &trial, err, errlen);
    if (!rc) rc = check_finished(info, err, errlen);
    if (rc) return rc;
    json_t *m = read_record(info, path, sizeof path, &old_trial, &old_count, err, errlen);
    if (!m) return ML_EDATA;
    if (old_count > 0 && old_trial != trial) {
        snprintf(err, errlen,
                 "%s: records %d reseeds of trial %d, but validation now selects trial %d; move the reseed-KK "
                 "directories and the \"reseed\" record away to re-seed it",
                 path, old_count, old_trial, trial);
        json_decref(m);
        return ML_EINVAL;
    }
    config base;
    if ((rc = sweep_load_config(info, NULL, 0, &base, err, errlen))) {
        json_decref(m);
        return rc;
    }
    unsigned long long seed = (unsigned long long)cfg_int(&base, "train.seed");
    config_free(&base);
    info->reseed_trial = trial;
    info->reseeds = k > old_count ? k : old_count;
    sweep_reseed_seeds(seed, info->reseeds, info->reseed_seed);
    if (write && info->reseeds > old_count) rc = write_record(m, info, path, err, errlen);
    info->reseeds = k; /* run the K asked for; the record keeps the largest */
    json_decref(m);
    return rc;
}
