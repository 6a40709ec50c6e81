/* metrics.h - one pass over a split: the losses and the task metric of every head, accuracy
 * (multiclass) or the multi-label F1 scores of core/f1.h (which defines them and their 0/0
 * convention), from the logits the shim writes per batch.
 */
#ifndef MILES_TRAIN_METRICS_H
#define MILES_TRAIN_METRICS_H

#include <stdint.h>

#include "core/f1.h"
#include "core/status.h"
#include "methods/method.h"
#include "mt.h"

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
