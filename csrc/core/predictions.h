/* predictions.h - test-predictions.bin: the selected (best-validation) epoch's test predictions
 * of one run, per example and per head, which the paired statistics of `miles report` need.
 *
 * Little-endian binary, small enough to commit:
 *   bytes  0..7   magic "MILESPRD"
 *   bytes  8..31  six uint32: version (1), kind, n (test examples), heads (3: fused, A, B),
 *                 num_classes (for kind 2: K, the labels), the selected epoch (1-based)
 * then, by kind:
 *   kind 1 (multiclass, 4 x 2 bytes per example): int16 label[n], then int16 pred[heads][n]
 *          (head after head), each a class id in [0, num_classes)
 *   kind 2 (multi-label, 4 x W bytes per example, W = ceil(K / 8)): the label sets, uint8
 *          label[n][W], then each head's predicted sets, uint8 pred[heads][n][W] (head after
 *          head). Label j of a set is bit j % 8 (least significant first) of its byte j / 8;
 *          the padding bits above K are 0. A head predicts label j where its logit is > 0
 *          (core/f1.h's F1_POSITIVE, the rule of the F1s in epochs.csv and summary.json), so the
 *          F1s of the file are the run's test F1s; a label is set where the target is > 0.5.
 * Kind 2 came after kind 1 under the same version: a file of kind 1 is byte for byte what it
 * was, and a reader that knew only kind 1 refuses kind 2 by its kind field. Readers refuse
 * versions and kinds they do not know.
 */
#ifndef MILES_CORE_PREDICTIONS_H
#define MILES_CORE_PREDICTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define PRED_FILE       "test-predictions.bin"
#define PRED_VERSION    1
#define PRED_KIND_CLASS 1 /* multiclass: the argmax class of each head */
#define PRED_KIND_MULTI 2 /* multi-label: label sets and each head's predicted sets, in bits */
#define PRED_HEADS      3
#define PRED_HEADER     32

typedef struct {
    uint32_t version, kind, n, heads, num_classes, epoch;
    /* kind 1 */
    int16_t *label;            /* [n] */
    int16_t *pred[PRED_HEADS]; /* [n] each */
    /* kind 2: W = pred_set_bytes(num_classes) bytes per example */
    uint8_t *label_set;            /* [n][W] */
    uint8_t *pred_set[PRED_HEADS]; /* [n][W] each */
} pred_file;

/* Bytes of one packed label set of K labels: ceil(K / 8). */
static inline size_t pred_set_bytes(uint32_t k) { return ((size_t)k + 7) / 8; }

/* Zeroes p (nothing allocated). */
void pred_init(pred_file *p);
/* Allocates label and pred for N examples of kind 1 (ML_ERUNTIME when out of memory). */
ml_status pred_alloc(pred_file *p, uint32_t n, char *err, size_t errlen);
/* Allocates the zeroed label_set and pred_set for N examples of K labels, kind 2 (ML_ERUNTIME
 * when out of memory). */
ml_status pred_alloc_sets(pred_file *p, uint32_t n, uint32_t k, char *err, size_t errlen);
void pred_free(pred_file *p);
/* Writes DIR/test-predictions.bin atomically (temporary name, fsync, rename). */
ml_status pred_write(const char *dir, const pred_file *p, char *err, size_t errlen);
/* Reads and checks DIR/test-predictions.bin, either kind. *missing (may be NULL) is 1 when there
 * is none (then ML_EDATA too). ML_EDATA names the file and what is wrong (magic, version, kind,
 * size, a class id outside [0, num_classes), a set bit above K). */
ml_status pred_read(const char *dir, pred_file *p, int *missing, char *err, size_t errlen);

#endif
