/* predictions.c - the selected epoch's test predictions per example and head (predictions.h).
 *
 * A pass of its own over the test split rather than a hook inside run_evaluate: the extra pass
 * costs one test evaluation per run, and keeps the epoch loop untouched.
 */
#include "train/predictions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/f1.h"
#include "core/predictions.h"
#include "data/batcher.h"

/* The argmax of each row of the [n, k] scores into out[0..n). */
static void argmax_rows(const float *scores, int64_t n, int k, int16_t *out) {
    for (int64_t i = 0; i < n; i++) {
        const float *row = scores + i * k;
        int best = 0;
        for (int c = 1; c < k; c++)
            if (row[c] > row[best]) best = c;
        out[i] = (int16_t)best;
    }
}

/* The label sets of the [n, k] rows of V, set where positive(v) (packed as predictions.h), into
 * out[0..n) of W bytes each. */
static void pack_sets(const float *v, int64_t n, int k, int logits, uint8_t *out) {
    size_t w = pred_set_bytes((uint32_t)k);
    for (int64_t i = 0; i < n; i++) {
        const float *row = v + i * k;
        uint8_t *set = out + (size_t)i * w;
        memset(set, 0, w);
        for (int j = 0; j < k; j++)
            if (logits ? F1_POSITIVE(row[j]) : row[j] > 0.5f) set[j >> 3] |= (uint8_t)(1u << (j & 7));
    }
}

/* One batch's heads (the [n, k] scores in buf) and labels into p from example AT on. */
static void record(const dataset *d, const mt_batch *batch, float **buf, int64_t at, pred_file *p) {
    int k = d->num_classes;
    size_t w = pred_set_bytes((uint32_t)k);
    for (int h = 0; h < PRED_HEADS; h++) {
        if (d->multilabel) pack_sets(buf[h], batch->n, k, 1, p->pred_set[h] + (size_t)at * w);
        else argmax_rows(buf[h], batch->n, k, p->pred[h] + at);
    }
    if (d->multilabel) pack_sets(batch->targets, batch->n, k, 0, p->label_set + (size_t)at * w);
    else
        for (int64_t i = 0; i < batch->n; i++) p->label[at + i] = (int16_t)batch->labels[i];
}

/* Every test batch through the model; heads' predictions and labels into p. */
static ml_status predict(mt_model *m, const dataset *d, batcher *b, float **buf, pred_file *p, char *err,
                         size_t errlen) {
    const ds_split *sp = &d->split[SPLIT_TEST];
    int64_t *order = malloc(sizeof *order * (size_t)(sp->n ? sp->n : 1));
    if (!order) return snprintf(err, errlen, "out of memory"), ML_ERUNTIME;
    for (int64_t i = 0; i < sp->n; i++) order[i] = i;
    batcher_start(b, order, sp->n, -1); /* an evaluation pass: the eval transform */
    free(order);
    mt_batch batch;
    mt_eval_out out = {.head = {buf[0], buf[1], buf[2]}};
    int64_t at = 0;
    while (batcher_next(b, &batch)) {
        if (mt_eval_batch(m, &batch, NULL, &out)) {
            while (batcher_next(b, &batch)) {}
            snprintf(err, errlen, "test predictions: %s", mt_last_error());
            return ML_ERUNTIME;
        }
        record(d, &batch, buf, at, p);
        at += batch.n;
    }
    return ML_OK;
}

ml_status predictions_save(mt_model *m, const dataset *d, batcher *b, int batch_size, int epoch, const char *dir,
                           char *err, size_t errlen) {
    const ds_split *sp = &d->split[SPLIT_TEST];
    if (d->num_classes > 32767 || sp->n > 0xffffffffLL) {
        snprintf(err, errlen, "test predictions: %d classes, %lld examples do not fit the file's int16/uint32",
                 d->num_classes, (long long)sp->n);
        return ML_ERUNTIME;
    }
    pred_file p;
    float *buf[PRED_HEADS] = {0};
    ml_status rc = d->multilabel ? pred_alloc_sets(&p, (uint32_t)sp->n, (uint32_t)d->num_classes, err, errlen)
                                 : pred_alloc(&p, (uint32_t)sp->n, err, errlen);
    if (rc) return rc;
    p.num_classes = (uint32_t)d->num_classes;
    p.epoch = (uint32_t)epoch;
    for (int h = 0; h < PRED_HEADS && !rc; h++)
        if (!(buf[h] = malloc(sizeof(float) * (size_t)batch_size * (size_t)d->num_classes)))
            rc = (snprintf(err, errlen, "out of memory"), ML_ERUNTIME);
    if (!rc) rc = predict(m, d, b, buf, &p, err, errlen);
    if (!rc) rc = pred_write(dir, &p, err, errlen);
    for (int h = 0; h < PRED_HEADS; h++) free(buf[h]);
    pred_free(&p);
    return rc;
}
