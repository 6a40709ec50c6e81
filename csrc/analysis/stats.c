/* stats.c - means, standard deviations and the paired bootstraps (stats.h). */
#include "analysis/stats.h"

#include <math.h>
#include <stdlib.h>

#include "core/f1.h"
#include "core/util.h"

void stats_mean_sd(const double *x, int n, double *mean, double *sd) {
    *mean = *sd = NAN;
    if (n < 1) return;
    double m = 0;
    for (int i = 0; i < n; i++) m += x[i];
    m /= n;
    *mean = m;
    if (n < 2) return;
    double ss = 0;
    for (int i = 0; i < n; i++) ss += (x[i] - m) * (x[i] - m);
    *sd = sqrt(ss / (n - 1));
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One replicate: S draws of a seed and its n examples from the stream. */
static double replicate(const int8_t *const *d, int S, int64_t n, uint64_t *state) {
    double acc = 0;
    for (int j = 0; j < S; j++) {
        const int8_t *dj = d[splitmix64_next(state) % (uint64_t)S];
        int64_t sum = 0;
        for (int64_t i = 0; i < n; i++) sum += dj[splitmix64_next(state) % (uint64_t)n];
        acc += (double)sum / (double)n;
    }
    return acc / S;
}

int stats_paired_bootstrap(const int8_t *const *d, int S, int64_t n, int reps, uint64_t seed, stats_interval *out) {
    out->diff = out->lo = out->hi = NAN;
    out->seeds = S;
    if (S < 1 || n < 1 || reps < 1) return -1;
    double *r = malloc(sizeof *r * (size_t)reps);
    if (!r) return -1;
    double point = 0;
    for (int j = 0; j < S; j++) {
        int64_t sum = 0;
        for (int64_t i = 0; i < n; i++) sum += d[j][i];
        point += (double)sum / (double)n;
    }
    out->diff = point / S;
    uint64_t state = seed;
    for (int b = 0; b < reps; b++) r[b] = replicate(d, S, n, &state);
    qsort(r, (size_t)reps, sizeof *r, cmp_double);
    out->lo = r[(int)floor(0.025 * (reps - 1))];
    out->hi = r[(int)ceil(0.975 * (reps - 1))];
    free(r);
    return 0;
}

/* ---- the F1 bootstrap ---- */

/* One seed's examples, sparse: example i adds 1 to the counts named by code[off[i] .. off[i+1]),
 * each an index into the k-label count arrays laid end to end, (head * 3 + c) * k + label with
 * heads 0 A and 1 B and c 0 TP, 1 FP, 2 FN (a true negative adds nothing), and sample[h][i] to
 * head h's sum of sample F1s. A draw then costs the labels an example touches, not all k. */
typedef struct {
    int64_t *off;
    uint32_t *code;
    double *sample[2];
} sparse_seed;

static void sparse_free(sparse_seed *sp) {
    free(sp->off);
    free(sp->code);
    free(sp->sample[0]);
    free(sp->sample[1]);
}

static int bit(const uint8_t *set, int j) { return set[j >> 3] >> (j & 7) & 1; }

/* d's n examples of k labels into sp; -1 when out of memory. */
static int sparse_make(const stats_sets *d, int64_t n, int k, sparse_seed *sp) {
    size_t w = ((size_t)k + 7) / 8;
    sp->off = malloc(sizeof *sp->off * (size_t)(n + 1));
    sp->code = malloc(sizeof *sp->code * (size_t)n * (size_t)k * 2);
    sp->sample[0] = malloc(sizeof(double) * (size_t)n);
    sp->sample[1] = malloc(sizeof(double) * (size_t)n);
    if (!sp->off || !sp->code || !sp->sample[0] || !sp->sample[1]) return sparse_free(sp), -1;
    int64_t at = 0;
    for (int64_t i = 0; i < n; i++) {
        sp->off[i] = at;
        const uint8_t *t = d->truth + (size_t)i * w, *p[2] = {d->a + (size_t)i * w, d->b + (size_t)i * w};
        for (int h = 0; h < 2; h++) {
            int64_t c[3] = {0, 0, 0};
            for (int j = 0; j < k; j++) {
                int pos = bit(t, j), pred = bit(p[h], j);
                if (!pos && !pred) continue;
                int kind = pred && pos ? 0 : pred ? 1 : 2;
                c[kind]++;
                sp->code[at++] = (uint32_t)((h * 3 + kind) * k + j);
            }
            sp->sample[h][i] = f1_of(c[0], c[1], c[2]);
        }
    }
    sp->off[n] = at;
    /* an example touches few labels (MM-IMDb: about 2.5 true of 23): keep only those entries, as
     * a report may hold many seeds' at once */
    uint32_t *fit = realloc(sp->code, sizeof *sp->code * (size_t)(at ? at : 1));
    if (fit) sp->code = fit;
    return 0;
}

/* Two accumulators of k labels over the 6 k counts in cnt (A's TP, FP, FN, then B's), the layout
 * sparse_seed's codes index. */
static void accum_over(int64_t *cnt, int k, f1_accum acc[2]) {
    for (int h = 0; h < 2; h++)
        acc[h] = (f1_accum){.k = k, .tp = cnt + 3 * h * k, .fp = cnt + (3 * h + 1) * k, .fn = cnt + (3 * h + 2) * k};
}

/* F1(A) - F1(B) in average AVG over the m examples idx (NULL: all n, once each). */
static double f1_diff(const sparse_seed *sp, const int64_t *idx, int64_t m, int avg, f1_accum acc[2]) {
    int64_t *cnt = acc[0].tp;
    const int64_t *off = sp->off;
    const uint32_t *code = sp->code;
    double sa = 0, sb = 0; /* locals: the counts' stores cannot alias them */
    f1_accum_reset(&acc[0]);
    f1_accum_reset(&acc[1]);
    for (int64_t r = 0; r < m; r++) {
        int64_t i = idx ? idx[r] : r, end = off[i + 1];
        for (int64_t e = off[i]; e < end; e++) cnt[code[e]]++;
        sa += sp->sample[0][i];
        sb += sp->sample[1][i];
    }
    acc[0].samples_sum = sa;
    acc[1].samples_sum = sb;
    acc[0].n = acc[1].n = m;
    double fa[F1_COUNT], fb[F1_COUNT];
    f1_scores(&acc[0], fa);
    f1_scores(&acc[1], fb);
    return fa[avg] - fb[avg];
}

/* One replicate of the F1 bootstrap: S draws of a seed and its n examples from the stream. */
static double replicate_f1(const sparse_seed *sp, int S, int64_t n, int avg, int64_t *idx, f1_accum acc[2],
                           uint64_t *state) {
    double sum = 0;
    for (int j = 0; j < S; j++) {
        const sparse_seed *x = &sp[splitmix64_next(state) % (uint64_t)S];
        for (int64_t i = 0; i < n; i++) idx[i] = (int64_t)(splitmix64_next(state) % (uint64_t)n);
        sum += f1_diff(x, idx, n, avg, acc);
    }
    return sum / S;
}

/* The point estimate and the replicates' percentiles into out; -1 when out of memory. */
static int bootstrap_f1(const sparse_seed *sp, int S, int64_t n, int k, int avg, int reps, uint64_t seed,
                        stats_interval *out) {
    f1_accum acc[2];
    double *r = malloc(sizeof *r * (size_t)reps);
    int64_t *idx = malloc(sizeof *idx * (size_t)n), *cnt = malloc(sizeof *cnt * 6 * (size_t)k);
    int ok = r && idx && cnt;
    if (ok) {
        accum_over(cnt, k, acc);
        double point = 0;
        for (int j = 0; j < S; j++) point += f1_diff(&sp[j], NULL, n, avg, acc);
        out->diff = point / S;
        uint64_t state = seed;
        for (int b = 0; b < reps; b++) r[b] = replicate_f1(sp, S, n, avg, idx, acc, &state);
        qsort(r, (size_t)reps, sizeof *r, cmp_double);
        out->lo = r[(int)floor(0.025 * (reps - 1))];
        out->hi = r[(int)ceil(0.975 * (reps - 1))];
    }
    free(r);
    free(idx);
    free(cnt);
    return ok ? 0 : -1;
}

int stats_paired_bootstrap_f1(const stats_sets *d, int S, int64_t n, int k, int avg, int reps, uint64_t seed,
                              stats_interval *out) {
    out->diff = out->lo = out->hi = NAN;
    out->seeds = S;
    if (S < 1 || n < 1 || k < 1 || reps < 1 || avg < 0 || avg >= F1_COUNT) return -1;
    sparse_seed *sp = calloc((size_t)S, sizeof *sp);
    int rc = sp ? 0 : -1, made = 0;
    while (!rc && made < S) rc = sparse_make(&d[made], n, k, &sp[made]), made += !rc;
    if (!rc) rc = bootstrap_f1(sp, S, n, k, avg, reps, seed, out);
    for (int j = 0; j < made; j++) sparse_free(&sp[j]);
    free(sp);
    return rc;
}

int stats_significant(const stats_interval *iv) { return iv->lo > 0 || iv->hi < 0; }
