/* seeds.c - the seeds behind a table cell (seeds.h). */
#include "analysis/seeds.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/trials.h"
#include "core/f1.h"
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

/* Seed I's number in SS: its reseed number (0: the selected trial), or in a seed sweep, whose
 * trials are all seeds, its place among them. */
static int seed_place(const seed_set *ss, int i) {
    return ss->set->units[ss->run[i]->unit].seeds_only ? i : ss->run[i]->reseed;
}

/* The seed of B with the same number as A's seed i, or NULL. */
static const rs_run *partner(const seed_set *a, int i, const seed_set *b) {
    for (int j = 0; j < b->n; j++)
        if (seed_place(b, j) == seed_place(a, i)) return b->run[j];
    return NULL;
}

/* The test predictions of one seed pair, A's and B's. */
typedef struct {
    pred_file a, b;
} pred_pair;

/* 1 when the two files hold predictions of the same test examples (kind, size, labels). */
static int same_test_set(const pred_file *pa, const pred_file *pb) {
    if (pa->kind != pb->kind || pa->n != pb->n || pa->num_classes != pb->num_classes) return 0;
    if (pa->kind == PRED_KIND_MULTI)
        return !memcmp(pa->label_set, pb->label_set, (size_t)pa->n * pred_set_bytes(pa->num_classes));
    return !memcmp(pa->label, pb->label, sizeof *pa->label * pa->n);
}

/* Both files of a seed pair into pp; 0, or -1 when they cannot be paired (a missing file
 * silently, anything else warned). */
static int read_pair(const rs_run *ra, const rs_run *rb, pred_pair *pp, FILE *warn) {
    char err[1024];
    int missing = 0;
    if (pred_read(ra->dir, &pp->a, &missing, err, sizeof err)) {
        if (!missing && warn) fprintf(warn, "miles: warning: %s (not paired)\n", err);
        return -1;
    }
    if (pred_read(rb->dir, &pp->b, &missing, err, sizeof err)) {
        if (!missing && warn) fprintf(warn, "miles: warning: %s (not paired)\n", err);
        pred_free(&pp->a);
        return -1;
    }
    if (same_test_set(&pp->a, &pp->b)) return 0;
    if (warn)
        fprintf(warn, "miles: warning: %s and %s: test predictions of different test sets (not paired)\n", ra->dir,
                rb->dir);
    pred_free(&pp->a);
    pred_free(&pp->b);
    return -1;
}

/* The accuracy bootstrap of S multiclass pairs: correct_A - correct_B per example. */
static int paired_accuracy(const pred_pair *pp, int S, stats_interval *iv) {
    int8_t *d[SEEDS_MAX];
    int made = 0, rc = -1;
    int64_t n = pp[0].a.n;
    for (; made < S; made++) {
        if (!(d[made] = malloc((size_t)(n ? n : 1)))) break;
        const pred_file *a = &pp[made].a, *b = &pp[made].b;
        for (uint32_t i = 0; i < a->n; i++)
            d[made][i] = (int8_t)((a->pred[0][i] == a->label[i]) - (b->pred[0][i] == b->label[i]));
    }
    if (made == S) rc = stats_paired_bootstrap((const int8_t *const *)d, S, n, STATS_BOOT_REPS, STATS_BOOT_SEED, iv);
    for (int j = 0; j < made; j++) free(d[j]);
    return rc;
}

/* The F1 bootstrap of S multi-label pairs, in the average the set shows. */
static int paired_f1(const pred_pair *pp, int S, int avg, stats_interval *iv) {
    stats_sets d[SEEDS_MAX];
    for (int j = 0; j < S; j++) d[j] = (stats_sets){pp[j].a.label_set, pp[j].a.pred_set[0], pp[j].b.pred_set[0]};
    return stats_paired_bootstrap_f1(d, S, pp[0].a.n, (int)pp[0].a.num_classes, avg, STATS_BOOT_REPS, STATS_BOOT_SEED,
                                     iv);
}

int seeds_paired(const seed_set *a, const seed_set *b, stats_interval *iv, FILE *warn) {
    pred_pair *pp = malloc(sizeof *pp * SEEDS_MAX);
    int S = 0, rc = -1;
    for (int i = 0; pp && i < a->n; i++) {
        const rs_run *rb = partner(a, i, b);
        if (!rb || read_pair(a->run[i], rb, &pp[S], warn)) continue;
        /* every pair must resample the same test set */
        if (S > 0 && (pp[S].a.n != pp[0].a.n || pp[S].a.kind != pp[0].a.kind)) {
            if (warn) fprintf(warn, "miles: warning: %s: test set of another size (not paired)\n", a->run[i]->dir);
            pred_free(&pp[S].a);
            pred_free(&pp[S].b);
            continue;
        }
        S++;
    }
    int avg = a->set->f1 >= 0 && a->set->f1 < F1_COUNT ? a->set->f1 : F1_MICRO;
    if (S > 0 && pp[0].a.n > 0)
        rc = pp[0].a.kind == PRED_KIND_MULTI ? paired_f1(pp, S, avg, iv) : paired_accuracy(pp, S, iv);
    for (int j = 0; j < S; j++) pred_free(&pp[j].a), pred_free(&pp[j].b);
    free(pp);
    return rc;
}

int seeds_ties(const rs_set *s, const rs_run *r, const rs_run **out, int max) {
    int n = 0;
    if (r && s->units[r->unit].seeds_only) return 0; /* nothing was selected, so nothing tied */
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
