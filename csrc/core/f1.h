/* f1.h - multi-label F1 scores at threshold 0.5: micro, macro, weighted and samples, as
 * scikit-learn's f1_score computes them (the way GMU and the MSLR paper report MM-IMDb). The one
 * definition both the training loop (train/metrics.h, from logits) and the paired bootstrap of
 * `miles report` (analysis/stats.h, from the predicted label sets of test-predictions.bin) use,
 * so an F1 difference in a table is a difference of the F1s the runs logged.
 *
 * An accumulator keeps per-label counts and the per-sample F1 sum, so a split's scores come out
 * exact whatever the batching. A prediction is positive where the logit is > 0 (probability
 * > 0.5; F1_POSITIVE), a target where it is > 0.5. Convention for 0/0 (scikit-learn's default
 * zero_division): an F1 whose 2 TP + FP + FN is 0 is 0. So a label that never occurs and is never
 * predicted counts 0 in the macro mean (it weighs 0 in the weighted mean, whose weights are the
 * labels' supports), and a sample with no true and no predicted label counts 0 in the samples
 * mean.
 */
#ifndef MILES_CORE_F1_H
#define MILES_CORE_F1_H

#include <stdint.h>

#include "core/status.h"

/* The four averages; also the index order of run_summary.test_f1 (core/summary.h). */
enum { F1_MICRO = 0, F1_MACRO = 1, F1_WEIGHTED = 2, F1_SAMPLES = 3, F1_COUNT = 4 };

/* The decision rule of a prediction from a logit: positive above probability 0.5. */
#define F1_POSITIVE(logit) ((logit) > 0.0f)

/* "f1_micro", "f1_macro", "f1_weighted", "f1_samples" */
extern const char *const f1_names[F1_COUNT];
/* The index of an F1 name, or -1. */
int f1_find(const char *name);

typedef struct {
    int k;                 /* labels */
    int64_t *tp, *fp, *fn; /* [k] each */
    int64_t n;             /* samples seen */
    double samples_sum;    /* sum of the per-sample F1s */
} f1_accum;

/* ML_OK or ML_ERUNTIME (memory). */
ml_status f1_accum_init(f1_accum *a, int k);
void f1_accum_reset(f1_accum *a);
void f1_accum_free(f1_accum *a);
/* n rows of k logits and k targets, row-major. */
void f1_accum_add(f1_accum *a, const float *logits, const float *targets, int64_t n);
/* One sample as label sets packed in bits (bit j of byte j / 8, least significant first). */
void f1_accum_add_bits(f1_accum *a, const uint8_t *pred, const uint8_t *truth);
/* The four scores, indexed by F1_MICRO ... F1_SAMPLES; NaN each when no sample was added. */
void f1_scores(const f1_accum *a, double out[F1_COUNT]);
/* 2 TP / (2 TP + FP + FN), 0 when the denominator is 0. */
double f1_of(int64_t tp, int64_t fp, int64_t fn);

#endif
