/* batcher.h - gathers mini-batches from an in-memory split on a prefetch thread.
 *
 * Two reusable slots: while the caller trains on one batch, the thread gathers the next into
 * the other. Nothing is allocated per batch once the batcher exists. The caller gives the
 * order of samples for each pass (a shuffled permutation for training, identity for
 * evaluation); the last batch of a pass may be short. Each sample passes through augment.h on
 * its way into a slot (a copy when it needs neither resize nor crop).
 */
#ifndef MILES_BATCHER_H
#define MILES_BATCHER_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "data/augment.h"
#include "data/dataset.h"
#include "mt.h"

typedef struct batcher batcher;

/* AUG: each modality's transform (two specs), or NULL for the stored samples as they are. ML_OK,
 * or ML_ERUNTIME (memory, thread) with a message in err. The dataset must outlive the batcher. */
ml_status batcher_create(const dataset *d, int split, int batch_size, const aug_spec *aug, batcher **out, char *err,
                         size_t errlen);
/* Begins a pass over order[0..n) (copied). A pass in progress is abandoned. aug_stream >= 0: a
 * training pass, whose crops are drawn from that stream (the epoch); -1: an evaluation pass. */
void batcher_start(batcher *b, const int64_t *order, int64_t n, int64_t aug_stream);
/* Points *out at the next batch (valid until the next call) and returns 1; 0 at the end. */
int batcher_next(batcher *b, mt_batch *out);
/* Seconds the caller spent waiting for batches in this pass. */
double batcher_wait_seconds(const batcher *b);
void batcher_free(batcher *b);

/* Fisher-Yates permutation of 0..n-1 from (seed, stream): the same on every machine. */
void shuffle_order(int64_t *order, int64_t n, uint64_t seed, uint64_t stream);

#endif
