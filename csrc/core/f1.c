/* f1.c - multi-label F1 scores from per-label counts; see f1.h. */
#include "core/f1.h"

#include <math.h>
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
    a->tp = calloc((size_t)(k ? k : 1), sizeof *a->tp);
    a->fp = calloc((size_t)(k ? k : 1), sizeof *a->fp);
    a->fn = calloc((size_t)(k ? k : 1), sizeof *a->fn);
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

double f1_of(int64_t tp, int64_t fp, int64_t fn) {
    int64_t den = 2 * tp + fp + fn;
    return den ? 2.0 * (double)tp / (double)den : 0.0;
}

/* One sample's decisions (pred[j], pos[j] in {0, 1}) into the counts. */
static void add_sample(f1_accum *a, int j, int pred, int pos, int64_t c[3]) {
    c[0] += pred && pos;
    c[1] += pred && !pos;
    c[2] += !pred && pos;
    a->tp[j] += pred && pos;
    a->fp[j] += pred && !pos;
    a->fn[j] += !pred && pos;
}

void f1_accum_add(f1_accum *a, const float *logits, const float *targets, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        const float *lg = logits + (size_t)i * (size_t)a->k, *y = targets + (size_t)i * (size_t)a->k;
        int64_t c[3] = {0, 0, 0};
        for (int j = 0; j < a->k; j++) add_sample(a, j, F1_POSITIVE(lg[j]), y[j] > 0.5f, c);
        a->samples_sum += f1_of(c[0], c[1], c[2]);
    }
    a->n += n;
}

void f1_accum_add_bits(f1_accum *a, const uint8_t *pred, const uint8_t *truth) {
    int64_t c[3] = {0, 0, 0};
    for (int j = 0; j < a->k; j++) add_sample(a, j, pred[j >> 3] >> (j & 7) & 1, truth[j >> 3] >> (j & 7) & 1, c);
    a->samples_sum += f1_of(c[0], c[1], c[2]);
    a->n++;
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
