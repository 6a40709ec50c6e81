/* test_metrics.c - the four multi-label F1 scores (train/metrics.h) against values worked out by
 * hand, including a label that never occurs and a sample with no label, both predicted
 * negative everywhere (0/0, which counts 0 as scikit-learn's default zero_division). */
#include <math.h>

#include "check.h"
#include "train/metrics.h"

#define K 3
/* Four samples of three labels; label 2 never occurs and is never predicted. Predictions:
 * logit > 0 (0 itself is negative: probability 0.5 is not above the threshold). */
static const float targets[4 * K] = {1, 0, 0, /**/ 1, 1, 0, /**/ 0, 1, 0, /**/ 0, 0, 0};
static const float logits[4 * K] = {2.0f,       0.5f,  -1.0f, /**/ -3.0f, 1.0f, -2.0f, /**/ 0.0f, -0.1f, -5.0f,
                                    /**/ -1.0f, -1.0f, -1.0f};

/* By hand: label 0: TP 1 (s0), FN 1 (s1): F1 2/3. Label 1: TP 1 (s1), FP 1 (s0), FN 1 (s2):
 * 2/4. Label 2: 0/0 = 0. Micro: TP 2, FP 1, FN 2: 4/7. Macro: (2/3 + 1/2 + 0)/3 = 7/18.
 * Weighted (supports 2, 2, 0): (2 * 2/3 + 2 * 1/2)/4 = 7/12. Samples: s0 2/3 (TP 1, FP 1),
 * s1 2/3 (TP 1, FN 1), s2 0 (FN 1), s3 0/0 = 0: 1/3. */
static void check_hand_worked(void) {
    f1_accum a;
    REQUIRE(f1_accum_init(&a, K) == ML_OK);
    f1_accum_add(&a, logits, targets, 4);
    double f[F1_COUNT];
    f1_scores(&a, f);
    CHECK_NEARF(f[F1_MICRO], 4.0 / 7.0, 1e-12, "micro");
    CHECK_NEARF(f[F1_MACRO], 7.0 / 18.0, 1e-12, "macro");
    CHECK_NEARF(f[F1_WEIGHTED], 7.0 / 12.0, 1e-12, "weighted");
    CHECK_NEARF(f[F1_SAMPLES], 1.0 / 3.0, 1e-12, "samples");

    /* The same rows in two batches (1 + 3) give the same scores: counts, not batch means. */
    f1_accum_reset(&a);
    f1_accum_add(&a, logits, targets, 1);
    f1_accum_add(&a, logits + K, targets + K, 3);
    double g[F1_COUNT];
    f1_scores(&a, g);
    for (int i = 0; i < F1_COUNT; i++) CHECK_NEARF(g[i], f[i], 1e-15, f1_names[i]);
    f1_accum_free(&a);
}

/* Perfect predictions: every score 1 except macro, where the never-occurring label counts 0
 * (2/3), and samples, where the sample with no label counts 0 (3/4). */
static void check_perfect(void) {
    float perfect[4 * K];
    for (int i = 0; i < 4 * K; i++) perfect[i] = targets[i] > 0.5f ? 1.0f : -1.0f;
    f1_accum a;
    REQUIRE(f1_accum_init(&a, K) == ML_OK);
    f1_accum_add(&a, perfect, targets, 4);
    double f[F1_COUNT];
    f1_scores(&a, f);
    CHECK_NEARF(f[F1_MICRO], 1.0, 1e-12, "micro");
    CHECK_NEARF(f[F1_MACRO], 2.0 / 3.0, 1e-12, "macro");
    CHECK_NEARF(f[F1_WEIGHTED], 1.0, 1e-12, "weighted");
    CHECK_NEARF(f[F1_SAMPLES], 3.0 / 4.0, 1e-12, "samples");
    f1_accum_free(&a);
}

/* No positive target and no positive prediction anywhere: every score is 0/0 = 0; no sample:
 * NaN (nothing was measured). */
static void check_empty(void) {
    f1_accum a;
    REQUIRE(f1_accum_init(&a, K) == ML_OK);
    double f[F1_COUNT];
    f1_scores(&a, f);
    for (int i = 0; i < F1_COUNT; i++)
        CHECKF(isnan(f[i]), "%s of no sample: expected NaN, found %g", f1_names[i], f[i]);
    f1_accum_add(&a, logits + 3 * K, targets + 3 * K, 1);
    f1_scores(&a, f);
    for (int i = 0; i < F1_COUNT; i++) CHECK_NEARF(f[i], 0.0, 0, f1_names[i]);
    f1_accum_free(&a);
}

int main(void) {
    check_hand_worked();
    check_perfect();
    check_empty();
    CHECK_EQ_I64(f1_find("f1_weighted"), F1_WEIGHTED);
    CHECK_EQ_I64(f1_find("accuracy"), -1);
    return check_finish("test_metrics");
}
