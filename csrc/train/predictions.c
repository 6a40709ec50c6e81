/* predictions.c - the selected epoch's test predictions per example and head (predictions.h).
 *
 * A pass of its own over the test split rather than a hook inside run_evaluate: the extra pass
 * costs one test evaluation per run, and keeps the epoch loop untouched.
 */
#include "train/predictions.h"

#include <stdio.h>
#include <stdlib.h>

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

/* Every test batch through the model; heads' argmax and labels into p. */
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
        for (int h = 0; h < PRED_HEADS; h++) argmax_rows(buf[h], batch.n, d->num_classes, p->pred[h] + at);
        for (int64_t i = 0; i < batch.n; i++) p->label[at + i] = (int16_t)batch.labels[i];
        at += batch.n;
    }
    return ML_OK;
}

ml_status predictions_save(mt_model *m, const dataset *d, batcher *b, int batch_size, int epoch, const char *dir,
                           char *err, size_t errlen) {
    const ds_split *sp = &d->split[SPLIT_TEST];
    if (d->multilabel) return ML_OK;
    if (d->num_classes > 32767 || sp->n > 0xffffffffLL) {
        snprintf(err, errlen, "test predictions: %d classes, %lld examples do not fit the file's int16/uint32",
                 d->num_classes, (long long)sp->n);
        return ML_ERUNTIME;
    }
    pred_file p;
    float *buf[PRED_HEADS] = {0};
    ml_status rc = pred_alloc(&p, (uint32_t)sp->n, err, errlen);
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
