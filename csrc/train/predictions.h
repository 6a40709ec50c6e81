/* predictions.h - the selected epoch's test predictions of a run (core/predictions.h's
 * test-predictions.bin), made from the model that finish() has just evaluated on test.
 */
#ifndef MILES_TRAIN_PREDICTIONS_H
#define MILES_TRAIN_PREDICTIONS_H

#include <stddef.h>

#include "core/status.h"
#include "data/batcher.h"
#include "data/dataset.h"
#include "mt.h"

/* Runs the test split of D through M (eval mode; B is the run's test batcher, of BATCH_SIZE, so
 * the evaluation transform is the one the test metrics saw) and writes DIR/test-predictions.bin with each
 * head's argmax class and the true labels (kind 1), or for a multi-label dataset each head's
 * predicted label set, by the rule of its F1s (core/f1.h), and the true sets (kind 2), and EPOCH
 * (1-based). ML_ERUNTIME on failure. */
ml_status predictions_save(mt_model *m, const dataset *d, batcher *b, int batch_size, int epoch, const char *dir,
                           char *err, size_t errlen);

#endif
