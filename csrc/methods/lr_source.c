/* lr_source.c - learning rates from earlier unimodal results; see lr_source.h. The run is
 * chosen by core/results.h, the rule `miles report` uses. */
#define _POSIX_C_SOURCE 200809L
#include "methods/lr_source.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "core/results.h"
#include "core/runfiles.h"
#include "core/util.h"

static int is_unimodal_of(const rs_run *r, const void *want) {
    return !strcmp(r->sum.method, "unimodal") && !strcmp(r->sum.selection_head, (const char *)want);
}

/* DIR is one run: it must be a completed unimodal run of the modality; err says what it is. */
static ml_status check_single(const rs_run *r, const char *want, char *err, size_t errlen) {
    const run_summary *s = &r->sum;
    if (strcmp(s->status, "completed") != 0)
        snprintf(err, errlen, "%s: not a completed run (status %s)", r->dir, s->status);
    else if (strcmp(s->method, "unimodal") != 0)
        snprintf(err, errlen, "%s: expected a run of method unimodal, found %s", r->dir, s->method);
    else if (strcmp(s->selection_head, want) != 0)
        snprintf(err, errlen, "%s: expected a unimodal run of modality %s, found modality %s", r->dir, want,
                 s->selection_head);
    else if (!isfinite(s->val_metric_selected))
        snprintf(err, errlen, "%s: summary.json has no finite val_metric_selected", r->dir);
    else return ML_OK;
    return ML_EINVAL;
}

/* The chosen run: DIR itself when it is a run, else the best usable unimodal run of the
 * modality among every run below it. */
static ml_status choose(const rs_set *s, const char *dir, const char *want, const rs_run **pick, char *err,
                        size_t errlen) {
    char summary[ML_PATH_MAX];
    if (path_join(summary, sizeof summary, dir, "summary.json"))
        return snprintf(err, errlen, "%.300s: path too long", dir), ML_EINVAL;
    if (path_exists(summary)) {
        *pick = &s->runs[0];
        return check_single(*pick, want, err, errlen);
    }
    *pick = rs_best(s, 0, is_unimodal_of, want);
    if (*pick) return ML_OK;
    snprintf(err, errlen,
             "%s: expected a completed unimodal run of modality %s (or a sweep of them), found none among "
             "%d runs",
             dir, want, s->n_runs);
    return ML_EINVAL;
}

ml_status lr_from_results(const char *dir, const char *want, double *lr, char *chosen, size_t chosen_len, char *err,
                          size_t errlen) {
    rs_set s = {0};
    const rs_run *pick = NULL;
    ml_status rc = rs_collect(&s, dir, err, errlen);
    if (rc == ML_OK) rc = choose(&s, dir, want, &pick, err, errlen);
    char path[ML_PATH_MAX];
    if (rc == ML_OK && path_join(path, sizeof path, pick->dir, "config.yaml"))
        rc = ML_EINVAL, snprintf(err, errlen, "%.300s/config.yaml: path too long", pick->dir);
    config c;
    char cerr[1024];
    if (rc == ML_OK && config_load(path, NULL, 0, &c, cerr, sizeof cerr)) {
        snprintf(err, errlen, "%s", cerr);
        rc = ML_EINVAL;
    }
    if (rc == ML_OK) {
        *lr = cfg_double(&c, "train.lr");
        config_free(&c);
        snprintf(chosen, chosen_len, "%s", pick->dir);
    }
    rs_free(&s);
    return rc;
}
