/* seeds.c - the seeds behind a table cell (seeds.h). */
#include "analysis/seeds.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/trials.h"
#include "core/predictions.h"

void seeds_of(const rs_set *s, const rs_run *r, seed_set *ss) {
    ss->set = s;
    ss->n = r ? rs_seed_runs(s, r->unit, ss->run, SEEDS_MAX) : 0;
}

int seeds_metric(const seed_set *ss, int h, double *x) {
    int n = 0;
    for (int i = 0; i < ss->n; i++) {
        double v = rs_test_metric(ss->set, ss->run[i], h);
        if (isfinite(v)) x[n++] = v;
    }
    return n;
}

/* The seed of B with the same number as A's seed i, or NULL. */
static const rs_run *partner(const seed_set *b, const rs_run *x) {
    for (int j = 0; j < b->n; j++)
        if (b->run[j]->reseed == x->reseed) return b->run[j];
    return NULL;
}

/* correct_A - correct_B of one seed pair into d (n values); 0, or -1 (warned) when the two files
 * cannot be paired. */
static int pair_diffs(const pred_file *pa, const pred_file *pb, const rs_run *ra, const rs_run *rb, int8_t *d,
                      FILE *warn) {
    int same = pa->n == pb->n && !memcmp(pa->label, pb->label, sizeof *pa->label * pa->n);
    if (!same) {
        if (warn)
            fprintf(warn, "miles: warning: %s and %s: test predictions of different test sets (not paired)\n", ra->dir,
                    rb->dir);
        return -1;
    }
    for (uint32_t i = 0; i < pa->n; i++)
        d[i] = (int8_t)((pa->pred[0][i] == pa->label[i]) - (pb->pred[0][i] == pb->label[i]));
    return 0;
}

/* A seed pair's differences (malloc'd) and its test size; NULL when it cannot be paired. */
static int8_t *seed_pair(const rs_run *ra, const rs_run *rb, int64_t *n, FILE *warn) {
    pred_file pa, pb;
    char err[1024];
    int missing = 0;
    int8_t *d = NULL;
    if (pred_read(ra->dir, &pa, &missing, err, sizeof err)) {
        if (!missing && warn) fprintf(warn, "miles: warning: %s (not paired)\n", err);
        return NULL;
    }
    if (pred_read(rb->dir, &pb, &missing, err, sizeof err)) {
        if (!missing && warn) fprintf(warn, "miles: warning: %s (not paired)\n", err);
        pred_free(&pa);
        return NULL;
    }
    d = malloc(pa.n ? pa.n : 1);
    if (d && pair_diffs(&pa, &pb, ra, rb, d, warn)) free(d), d = NULL;
    *n = pa.n;
    pred_free(&pa);
    pred_free(&pb);
    return d;
}

int seeds_paired(const seed_set *a, const seed_set *b, stats_interval *iv, FILE *warn) {
    int8_t *d[SEEDS_MAX];
    int S = 0, rc = -1;
    int64_t n = -1;
    for (int i = 0; i < a->n; i++) {
        const rs_run *rb = partner(b, a->run[i]);
        int64_t m = 0;
        int8_t *x = rb ? seed_pair(a->run[i], rb, &m, warn) : NULL;
        if (!x) continue;
        if (n >= 0 && m != n) { /* every pair must resample the same test set */
            if (warn) fprintf(warn, "miles: warning: %s: test set of another size (not paired)\n", a->run[i]->dir);
            free(x);
            continue;
        }
        n = m;
        d[S++] = x;
    }
    if (S > 0 && n > 0)
        rc = stats_paired_bootstrap((const int8_t *const *)d, S, n, STATS_BOOT_REPS, STATS_BOOT_SEED, iv);
    for (int j = 0; j < S; j++) free(d[j]);
    return rc;
}

int seeds_ties(const rs_set *s, const rs_run *r, const rs_run **out, int max) {
    int n = 0;
    for (int i = 0; r && i < s->n_runs && n < max; i++) {
        const rs_run *x = &s->runs[i];
        if (x != r && x->unit == r->unit && x->usable && !x->reseed &&
            x->sum.val_metric_selected == r->sum.val_metric_selected)
            out[n++] = x;
    }
    return n;
}

ml_status seeds_lowered(const seed_set *ss, long long *lowered, long long *epochs, char *err, size_t errlen) {
    *lowered = *epochs = 0;
    for (int i = 0; i < ss->n; i++) {
        long long l = 0, e = 0;
        ml_status rc = trials_lowered_epochs(ss->run[i]->dir, &l, &e, err, errlen);
        if (rc) return rc;
        *lowered += l;
        *epochs += e;
    }
    return ML_OK;
}
