/* metrics.h - multi-label F1 scores at threshold 0.5: micro, macro, weighted and samples, as
 * scikit-learn's f1_score computes them (the way GMU and the MSLR paper report MM-IMDb).
 *
 * An accumulator takes batches of logits and multi-hot targets (a prediction is positive where
 * the logit is > 0, i.e. probability > 0.5; a target is positive where it is > 0.5) and keeps
 * per-label counts and the per-sample F1 sum, so a split's scores come out exact whatever the
 * batching. Convention for 0/0 (scikit-learn's default zero_division): an F1 whose
 * 2 TP + FP + FN is 0 is 0. So a label that never occurs and is never predicted counts 0 in
 * the macro mean (it weighs 0 in the weighted mean, whose weights are the labels' supports),
 * and a sample with no true and no predicted label counts 0 in the samples mean.
 */
#ifndef MILES_TRAIN_METRICS_H
#define MILES_TRAIN_METRICS_H

#include <stdint.h>

#include "core/status.h"
#include "methods/method.h"
#include "mt.h"

enum { F1_MICRO = 0, F1_MACRO = 1, F1_WEIGHTED = 2, F1_SAMPLES = 3, F1_COUNT = 4 };

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
/* The four scores, indexed by F1_MICRO ... F1_SAMPLES; NaN each when no sample was added. */
void f1_scores(const f1_accum *a, double out[F1_COUNT]);

/* ---- one pass over a split: losses and the task metric of every head ---- */

/* The task metric: accuracy (multiclass) or one of the F1 scores (multilabel). */
enum { METRIC_ACCURACY = -1 };

typedef struct {
    int multilabel, k, metric; /* metric: METRIC_ACCURACY or F1_* */
    int64_t n;
    double loss_sum[MT_NUM_HEADS];
    int64_t correct[MT_NUM_HEADS];
    f1_accum f1[MT_NUM_HEADS];
    mt_eval_out out; /* the heads' logits of one batch (multilabel only) */
} split_accum;

/* The metric named NAME ("auto" = the dataset's DATASET_METRIC) for a dataset that is (not)
 * multilabel, into *metric; ML_EINVAL with a message naming KEY when they do not fit. */
ml_status metric_resolve(const char *key, const char *name, const char *dataset_metric, int multilabel, int *metric,
                         char *err, size_t errlen);
/* The name of a resolved metric ("accuracy", "f1_micro", ...). */
const char *metric_name(int metric);

/* For batches of at most batch_cap rows of k labels. ML_OK or ML_ERUNTIME (memory). */
ml_status split_accum_init(split_accum *a, int multilabel, int k, int metric, int64_t batch_cap);
void split_accum_free(split_accum *a);
/* What the shim should write per batch (NULL: nothing, multiclass). */
const mt_eval_out *split_accum_out(const split_accum *a);
/* One batch's result and, multilabel, its targets with the logits written to split_accum_out. */
void split_accum_add(split_accum *a, const mt_step_result *r, const mt_batch *b);
/* Mean losses, the metric of every head and (multilabel) the four F1s. */
void split_accum_metrics(const split_accum *a, split_metrics *m);

#endif
