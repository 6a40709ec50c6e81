/* metrics.c - the metrics of one pass over a split; see metrics.h. */
#include "train/metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *metric_name(int metric) { return metric == METRIC_ACCURACY ? "accuracy" : f1_names[metric]; }

ml_status metric_resolve(const char *key, const char *name, const char *dataset_metric, int multilabel, int *metric,
                         char *err, size_t errlen) {
    const char *want = strcmp(name, "auto") ? name : dataset_metric;
    int f = f1_find(want);
    if (!strcmp(want, "accuracy") && !multilabel) {
        *metric = METRIC_ACCURACY;
        return ML_OK;
    }
    if (f >= 0 && multilabel) {
        *metric = f;
        return ML_OK;
    }
    snprintf(err, errlen, "%s: expected %s for a %s dataset, found %s%s", key,
             multilabel ? "f1_micro, f1_macro, f1_weighted or f1_samples" : "accuracy",
             multilabel ? "multilabel" : "multiclass", want, strcmp(name, "auto") ? "" : " (the dataset's metric)");
    return ML_EINVAL;
}

ml_status split_accum_init(split_accum *a, int multilabel, int k, int metric, int64_t batch_cap) {
    memset(a, 0, sizeof *a);
    a->multilabel = multilabel;
    a->k = k;
    a->metric = metric;
    if (!multilabel) return ML_OK;
    for (int h = 0; h < MT_NUM_HEADS; h++) {
        if (f1_accum_init(&a->f1[h], k) != ML_OK ||
            !(a->out.head[h] = malloc(sizeof(float) * (size_t)batch_cap * (size_t)k))) {
            split_accum_free(a);
            return ML_ERUNTIME;
        }
    }
    return ML_OK;
}

void split_accum_free(split_accum *a) {
    for (int h = 0; h < MT_NUM_HEADS; h++) {
        f1_accum_free(&a->f1[h]);
        free(a->out.head[h]);
        a->out.head[h] = NULL;
    }
}

const mt_eval_out *split_accum_out(const split_accum *a) { return a->multilabel ? &a->out : NULL; }

void split_accum_add(split_accum *a, const mt_step_result *r, const mt_batch *b) {
    a->n += r->n;
    for (int h = 0; h < MT_NUM_HEADS; h++) {
        a->loss_sum[h] += r->loss[h] * (double)r->n;
        a->correct[h] += r->correct[h];
        if (a->multilabel) f1_accum_add(&a->f1[h], a->out.head[h], b->targets, r->n);
    }
}

void split_accum_metrics(const split_accum *a, split_metrics *m) {
    for (int h = 0; h < MT_NUM_HEADS; h++) {
        m->head_loss[h] = a->n ? a->loss_sum[h] / (double)a->n : NAN;
        for (int i = 0; i < SPLIT_F1_COUNT; i++) m->f1[h][i] = NAN;
        if (a->multilabel) {
            f1_scores(&a->f1[h], m->f1[h]);
            m->metric[h] = m->f1[h][a->metric];
        } else {
            m->metric[h] = a->n ? (double)a->correct[h] / (double)a->n : NAN;
        }
    }
    m->loss = m->head_loss[MT_HEAD_FUSED];
}
