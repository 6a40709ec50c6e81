/* trials.c - every trial of the sweeps, as CSV, and the spread per sweep; see trials.h. */
#define _POSIX_C_SOURCE 200809L
#include "analysis/trials.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/columns.h"
#include "core/json.h"
#include "core/util.h"

static const char *const header[] = {
    "sweep",        "trial",      "method", "fusion", "selection_head",      "values", "status", "best_epoch",
    "val_selected", "test_fused", "test_a", "test_b", "miles_lowered_epochs"};
#define N_FIELDS (int)(sizeof header / sizeof *header)

/* What a trial adds to its summary.json: the drawn values and MILES's lowered epochs. */
typedef struct {
    char values[4096];
    long long lowered; /* -1: not a MILES run */
} trial_extra;

/* DIR/trial.json's "values" (the sweep's record of what it drew); "" without the file. */
static ml_status read_values(const char *dir, char *out, size_t n, char *err, size_t errlen) {
    char path[ML_PATH_MAX];
    int missing = 0;
    out[0] = 0;
    if (path_join(path, sizeof path, dir, "trial.json"))
        return snprintf(err, errlen, "%.300s/trial.json: path too long", dir), ML_EINVAL;
    json_t *root = json_load_path(path, &missing, err, errlen);
    if (!root) return missing ? ML_OK : ML_EDATA;
    const char *v = json_get_str(root, "values", NULL);
    ml_status rc = ML_OK;
    if (!v) rc = ML_EDATA, snprintf(err, errlen, "%s: values: expected a string", path);
    else if (text_fmt(out, n, "%s", v))
        rc = ML_EDATA, snprintf(err, errlen, "%s: values: longer than %zu bytes", path, n - 1);
    json_decref(root);
    return rc;
}

ml_status trials_lowered_epochs(const char *dir, long long *n, long long *epochs, char *err, size_t errlen) {
    static const char *const names[] = {"lr_a", "lr_b", "lr_fusion"};
    epochs_table t;
    ml_status rc = epochs_read(dir, names, 3, &t, err, errlen);
    if (rc != ML_OK) return rc;
    *n = 0;
    if (epochs) *epochs = t.n_rows;
    for (int i = 0; i < t.n_rows; i++) {
        const double *v = t.v + 3 * i;
        *n += v[0] < v[2] || v[1] < v[2];
    }
    epochs_table_free(&t);
    return ML_OK;
}

static ml_status read_extra(const rs_run *r, trial_extra *x, char *err, size_t errlen) {
    x->lowered = -1;
    ml_status rc = read_values(r->dir, x->values, sizeof x->values, err, errlen);
    if (rc == ML_OK && r->has_summary && !strcmp(r->sum.method, "miles"))
        rc = trials_lowered_epochs(r->dir, &x->lowered, NULL, err, errlen);
    return rc;
}

/* A metric in percent with two decimals; "" for none, and for the heads a unimodal run did not
 * train (their numbers are those of untrained heads). head: "fused", "a", "b", or NULL (the
 * selection metric). */
static void percent(char *out, size_t n, const rs_run *r, double v, const char *head) {
    out[0] = 0;
    if (head && !strcmp(r->sum.method, "unimodal") && strcmp(head, r->sum.selection_head)) return;
    if (isfinite(v)) snprintf(out, n, "%.2f", 100 * v);
}

static const char *trial_name(const rs_run *r) {
    const char *slash = strrchr(r->dir, '/');
    return (slash ? slash + 1 : r->dir) + 6; /* after "trial-" */
}

static void csv_row(const rs_set *s, const rs_run *r, const trial_extra *x, FILE *f) {
    const run_summary *m = &r->sum;
    char f_[N_FIELDS][64] = {{0}};
    const char *v[N_FIELDS] = {
        rs_unit_name(&s->units[r->unit]),         trial_name(r), m->method, m->fusion, m->selection_head, x->values,
        r->has_summary ? m->status : "unfinished"};
    if (r->has_summary) {
        snprintf(f_[7], sizeof f_[7], "%lld", m->best_epoch);
        percent(f_[8], sizeof f_[8], r, m->val_metric_selected, NULL);
        percent(f_[9], sizeof f_[9], r, m->test_metric[0], "fused");
        percent(f_[10], sizeof f_[10], r, m->test_metric[1], "a");
        percent(f_[11], sizeof f_[11], r, m->test_metric[2], "b");
        if (x->lowered >= 0) snprintf(f_[12], sizeof f_[12], "%lld", x->lowered);
    }
    for (int i = 7; i < N_FIELDS; i++) v[i] = f_[i];
    for (int i = 0; i < N_FIELDS; i++) csv_put_field(f, v[i], i == 0);
    fputc('\n', f);
}

ml_status trials_print_csv(const rs_set *s, FILE *f, char *err, size_t errlen) {
    for (int i = 0; i < N_FIELDS; i++) csv_put_field(f, header[i], i == 0);
    fputc('\n', f);
    for (int u = 0; u < s->n_units; u++) {
        if (!s->units[u].is_sweep) continue;
        for (int i = 0; i < s->n_runs; i++) {
            const rs_run *r = &s->runs[i];
            trial_extra x;
            if (r->unit != u || r->reseed) continue; /* reseeds are not trials of the search */
            ml_status rc = read_extra(r, &x, err, errlen);
            if (rc != ML_OK) return rc;
            csv_row(s, r, &x, f);
        }
    }
    return ML_OK;
}

/* ---- the spread ---- */

/* A test metric as --trials lists it (two decimals in percent), read back: the spread is
 * computed from the numbers a reader sees, so it can be checked from the CSV. */
static double listed(double v) {
    char b[64];
    snprintf(b, sizeof b, "%.2f", 100 * v);
    return strtod(b, NULL);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct {
    int n_trials, n_done, n_lowered, is_miles;
    int n_test;
    double *test;    /* the selected head's listed test metric of each completed trial */
    double selected; /* that of the trial the sweep selects by validation (NaN: none) */
} sweep_spread;

/* The selected head's test metric of a run (fused, a or b). */
static double head_test(const rs_run *r) {
    const char *h = r->sum.selection_head;
    return r->sum.test_metric[!strcmp(h, "a") ? 1 : !strcmp(h, "b") ? 2 : 0];
}

static ml_status spread_of(const rs_set *s, int u, sweep_spread *sp, char *err, size_t errlen) {
    memset(sp, 0, sizeof *sp);
    sp->selected = NAN;
    sp->test = malloc(sizeof *sp->test * (size_t)(s->n_runs + 1));
    if (!sp->test) return snprintf(err, errlen, "out of memory"), ML_ERUNTIME;
    const rs_run *first = NULL;
    for (int i = 0; i < s->n_runs; i++) {
        const rs_run *r = &s->runs[i];
        if (r->unit != u || r->reseed) continue;
        sp->n_trials++;
        if (!r->has_summary || strcmp(r->sum.status, "completed")) continue;
        if (!first) first = r;
        sp->n_done++;
        double v = head_test(r);
        if (isfinite(v)) sp->test[sp->n_test++] = listed(v);
        if (strcmp(first->sum.method, "miles")) continue;
        long long lowered = 0;
        ml_status rc = trials_lowered_epochs(r->dir, &lowered, NULL, err, errlen);
        if (rc != ML_OK) return rc;
        sp->n_lowered += lowered > 0;
    }
    sp->is_miles = first && !strcmp(first->sum.method, "miles");
    int best = s->units[u].best;
    if (s->units[u].seeds_only) return ML_OK; /* its trials are seeds: nothing is selected ("-") */
    if (best >= 0 && isfinite(head_test(&s->runs[best]))) sp->selected = listed(head_test(&s->runs[best]));
    return ML_OK;
}

static void spread_row(const char *name, sweep_spread *sp, FILE *f) {
    if (!sp->n_done) {
        fprintf(f, "| %s | 0 | - | - | - | - |\n", name);
        return;
    }
    char sel[32] = "-", med[32] = "-", hi[32] = "-", low[32] = "-";
    int n = sp->n_test;
    qsort(sp->test, (size_t)n, sizeof *sp->test, cmp_double);
    if (isfinite(sp->selected)) snprintf(sel, sizeof sel, "%.2f", sp->selected);
    if (n) snprintf(med, sizeof med, "%.2f", (sp->test[n / 2] + sp->test[(n - 1) / 2]) / 2);
    if (n) snprintf(hi, sizeof hi, "%.2f", sp->test[n - 1]);
    if (sp->is_miles) snprintf(low, sizeof low, "%d of %d", sp->n_lowered, sp->n_done);
    fprintf(f, "| %s | %d of %d | %s | %s | %s | %s |\n", name, sp->n_done, sp->n_trials, sel, med, hi, low);
}

ml_status trials_print_spread(const rs_set *s, FILE *f, char *err, size_t errlen) {
    fprintf(f, "| sweep | completed | selected by val: test | median test | highest test | MILES: trials that "
               "lowered an LR |\n|---|---|---|---|---|---|\n");
    for (int u = 0; u < s->n_units; u++) {
        if (!s->units[u].is_sweep) continue;
        sweep_spread sp;
        ml_status rc = spread_of(s, u, &sp, err, errlen);
        if (rc == ML_OK && sp.n_trials) spread_row(rs_unit_name(&s->units[u]), &sp, f);
        free(sp.test);
        if (rc != ML_OK) return rc;
    }
    return ML_OK;
}
