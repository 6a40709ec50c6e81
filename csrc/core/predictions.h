/* predictions.h - test-predictions.bin: the selected (best-validation) epoch's test predictions
 * of one run, per example and per head, which the paired statistics of `miles report` need.
 *
 * Little-endian binary, small enough to commit (4 x 2 bytes per test example):
 *   bytes  0..7   magic "MILESPRD"
 *   bytes  8..31  six uint32: version (1), kind (1: class ids as int16), n (test examples),
 *                 heads (3: fused, A, B), num_classes, the selected epoch (1-based)
 *   then          int16 label[n], then int16 pred[heads][n] (head after head)
 * The version field is there so a later kind (per-label scores for multi-label datasets) can
 * be told apart; readers refuse versions and kinds they do not know.
 */
#ifndef MILES_CORE_PREDICTIONS_H
#define MILES_CORE_PREDICTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define PRED_FILE       "test-predictions.bin"
#define PRED_VERSION    1
#define PRED_KIND_CLASS 1 /* multiclass: the argmax class of each head */
#define PRED_HEADS      3
#define PRED_HEADER     32

typedef struct {
    uint32_t version, kind, n, heads, num_classes, epoch;
    int16_t *label;            /* [n] */
    int16_t *pred[PRED_HEADS]; /* [n] each */
} pred_file;

/* Zeroes p (nothing allocated). */
void pred_init(pred_file *p);
/* Allocates label and pred for N examples (ML_ERUNTIME when out of memory). */
ml_status pred_alloc(pred_file *p, uint32_t n, char *err, size_t errlen);
void pred_free(pred_file *p);
/* Writes DIR/test-predictions.bin atomically (temporary name, fsync, rename). */
ml_status pred_write(const char *dir, const pred_file *p, char *err, size_t errlen);
/* Reads and checks DIR/test-predictions.bin. *missing (may be NULL) is 1 when there is none
 * (then ML_EDATA too). ML_EDATA names the file and what is wrong (magic, version, kind, size,
 * a class id outside [0, num_classes)). */
ml_status pred_read(const char *dir, pred_file *p, int *missing, char *err, size_t errlen);

#endif
