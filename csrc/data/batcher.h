/* batcher.h - gathers mini-batches from an in-memory split on a prefetch thread.
 *
 * Two reusable slots: while the caller trains on one batch, the thread gathers the next into
 * the other. Nothing is allocated per batch once the batcher exists. The caller gives the
 * order of samples for each pass (a shuffled permutation for training, identity for
 * evaluation); the last batch of a pass may be short.
 */
#ifndef MILES_BATCHER_H
#define MILES_BATCHER_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "data/dataset.h"
#include "mt.h"

typedef struct batcher batcher;

/* ML_OK, or ML_ERUNTIME (memory, thread) with a message in err. The dataset must outlive the
 * batcher. */
ml_status batcher_create(const dataset *d, int split, int batch_size, batcher **out, char *err, size_t errlen);
/* Begins a pass over order[0..n) (copied). A pass in progress is abandoned. */
void batcher_start(batcher *b, const int64_t *order, int64_t n);
/* Points *out at the next batch (valid until the next call) and returns 1; 0 at the end. */
int batcher_next(batcher *b, mt_batch *out);
/* Seconds the caller spent waiting for batches in this pass. */
double batcher_wait_seconds(const batcher *b);
void batcher_free(batcher *b);

/* Fisher-Yates permutation of 0..n-1 from (seed, stream): the same on every machine. */
void shuffle_order(int64_t *order, int64_t n, uint64_t seed, uint64_t stream);

#endif
