/* metrics.c - multi-label F1 scores from per-label counts; see metrics.h. */
#include "train/metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const f1_names[F1_COUNT] = {"f1_micro", "f1_macro", "f1_weighted", "f1_samples"};

int f1_find(const char *name) {
    for (int i = 0; i < F1_COUNT; i++)
        if (!strcmp(name, f1_names[i])) return i;
    return -1;
}

ml_status f1_accum_init(f1_accum *a, int k) {
    memset(a, 0, sizeof *a);
    a->k = k;
    a->tp = calloc((size_t)k, sizeof *a->tp);
    a->fp = calloc((size_t)k, sizeof *a->fp);
    a->fn = calloc((size_t)k, sizeof *a->fn);
    if (a->tp && a->fp && a->fn) return ML_OK;
    f1_accum_free(a);
    return ML_ERUNTIME;
}

void f1_accum_reset(f1_accum *a) {
    size_t bytes = sizeof(int64_t) * (size_t)a->k;
    memset(a->tp, 0, bytes);
    memset(a->fp, 0, bytes);
    memset(a->fn, 0, bytes);
    a->n = 0;
    a->samples_sum = 0;
}

void f1_accum_free(f1_accum *a) {
    free(a->tp);
    free(a->fp);
    free(a->fn);
    memset(a, 0, sizeof *a);
}

/* 2 TP / (2 TP + FP + FN), 0 when the denominator is 0 (metrics.h). */
static double f1_of(int64_t tp, int64_t fp, int64_t fn) {
    int64_t den = 2 * tp + fp + fn;
    return den ? 2.0 * (double)tp / (double)den : 0.0;
}

void f1_accum_add(f1_accum *a, const float *logits, const float *targets, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        const float *lg = logits + (size_t)i * (size_t)a->k, *y = targets + (size_t)i * (size_t)a->k;
        int64_t tp = 0, fp = 0, fn = 0;
        for (int j = 0; j < a->k; j++) {
            int pred = lg[j] > 0.0f, pos = y[j] > 0.5f;
            tp += pred && pos;
            fp += pred && !pos;
            fn += !pred && pos;
            a->tp[j] += pred && pos;
            a->fp[j] += pred && !pos;
            a->fn[j] += !pred && pos;
        }
        a->samples_sum += f1_of(tp, fp, fn);
    }
    a->n += n;
}

void f1_scores(const f1_accum *a, double out[F1_COUNT]) {
    if (a->n == 0) {
        for (int i = 0; i < F1_COUNT; i++) out[i] = NAN;
        return;
    }
    int64_t tp = 0, fp = 0, fn = 0, support = 0;
    double macro = 0, weighted = 0;
    for (int j = 0; j < a->k; j++) {
        double f = f1_of(a->tp[j], a->fp[j], a->fn[j]);
        int64_t s = a->tp[j] + a->fn[j];
        macro += f;
        weighted += f * (double)s;
        tp += a->tp[j];
        fp += a->fp[j];
        fn += a->fn[j];
        support += s;
    }
    out[F1_MICRO] = f1_of(tp, fp, fn);
    out[F1_MACRO] = a->k ? macro / a->k : 0.0;
    /* No positive target at all: every weight is 0, and 0/0 is 0 as everywhere here. */
    out[F1_WEIGHTED] = support ? weighted / (double)support : 0.0;
    out[F1_SAMPLES] = a->samples_sum / (double)a->n;
}

/* ---- one pass over a split ---- */

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
