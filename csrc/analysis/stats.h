/* stats.h - the statistics of `miles report`: mean and standard deviation over seeds, and the
 * paired bootstrap interval of a difference in accuracy, or in multi-label F1, between two
 * methods.
 *
 * The bootstrap is two-stage and paired. One replicate draws, S times, a seed index (among the S
 * paired seeds) and then n test examples with replacement (n = the test split's size); each
 * draw's difference is the mean of (correct_A - correct_B) over the drawn examples, the same
 * examples for both methods; the replicate is the mean over its S draws. The interval is the
 * 2.5% and 97.5% percentile of STATS_BOOT_REPS replicates (sorted, indices floor(0.025 (B-1))
 * and ceil(0.975 (B-1))). The random numbers are one splitmix64 stream from STATS_BOOT_SEED,
 * x mod k for a draw among k, taken in the order above (seed index first, then its examples),
 * so any implementation reproduces the interval exactly (tests/test_stats.py does, in numpy).
 * Pairing by example removes the test set's difficulty from the difference, pairing by seed the
 * shared initialisation and batch order, and resampling seeds as well as examples makes the
 * interval cover the seed-to-seed spread, not only the finite test set.
 *
 * F1 (multi-label datasets) is not a mean over examples, so its bootstrap keeps the scheme, the
 * stream and the percentile rule above and changes only what a draw computes: F1(A) - F1(B) over
 * the drawn examples (an example drawn twice counts twice), of the selected average (core/f1.h:
 * micro, macro, weighted or samples) from the true and predicted label sets of
 * test-predictions.bin. The point estimate is the mean over seeds of F1(A) - F1(B) on the whole
 * test set. An empty denominator in a draw follows core/f1.h, as the logged F1s do: a label
 * neither true nor predicted in the drawn examples has F1 0 and still counts in the macro mean
 * (weight 0 in the weighted one), a draw without any true label has weighted F1 0, and a drawn
 * example with no true and no predicted label has sample F1 0.
 */
#ifndef MILES_ANALYSIS_STATS_H
#define MILES_ANALYSIS_STATS_H

#include <stdint.h>

#define STATS_BOOT_SEED 0x4d494c4553ULL /* "MILES": fixed, so a report is reproducible */
#define STATS_BOOT_REPS 2000

/* Mean and sample standard deviation (n - 1) of x[0..n); sd NaN when n < 2, both NaN when n < 1. */
void stats_mean_sd(const double *x, int n, double *mean, double *sd);

typedef struct {
    double diff;   /* mean over seeds of the difference in accuracy or F1 (A - B), a fraction */
    double lo, hi; /* its 95% bootstrap interval */
    int seeds;     /* paired seeds used */
} stats_interval;

/* The paired bootstrap interval of A - B. D[j] (j < S) holds n values correct_A - correct_B in
 * {-1, 0, 1} of seed j's test examples. reps > 0 replicates (STATS_BOOT_REPS in the report),
 * stream from seed. Returns 0, or -1 when out of memory or S, n or reps < 1. */
int stats_paired_bootstrap(const int8_t *const *d, int S, int64_t n, int reps, uint64_t seed, stats_interval *out);
/* One paired seed of a multi-label comparison: the true label sets and A's and B's fused
 * predicted sets of the same n test examples, packed as core/predictions.h's kind 2
 * (pred_set_bytes(k) bytes an example). */
typedef struct {
    const uint8_t *truth, *a, *b;
} stats_sets;

/* The paired bootstrap interval of F1(A) - F1(B) in the average AVG (F1_MICRO ... F1_SAMPLES),
 * over S seeds D[j] of n examples of k labels, as above. Returns 0, or -1 when out of memory or S,
 * n, k or reps < 1 or AVG is not an average. */
int stats_paired_bootstrap_f1(const stats_sets *d, int S, int64_t n, int k, int avg, int reps, uint64_t seed,
                              stats_interval *out);
/* 1 when the interval excludes zero. */
int stats_significant(const stats_interval *iv);

#endif
