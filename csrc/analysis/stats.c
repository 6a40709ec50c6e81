/* stats.c - means, standard deviations and the paired bootstrap (stats.h). */
#include "analysis/stats.h"

#include <math.h>
#include <stdlib.h>

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

int stats_significant(const stats_interval *iv) { return iv->lo > 0 || iv->hi < 0; }
