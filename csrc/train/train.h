/* train.h - one training run from a resolved configuration to a finished run directory.
 *
 * The run directory holds config.yaml (resolved), epochs.csv, summary.json, log.txt and ckpt/.
 * Every file is written to a temporary name and renamed. The checkpoint protocol is llm.c's:
 * ckpt/last-EEEE.pt and ckpt/best-EEEE.pt are written first, then ckpt/state.txt names them
 * (the done-marker) with a CRC-32C of each, then older files are removed; a killed run loses
 * at most the epoch in progress and `--resume` continues from state.txt, refusing a checkpoint
 * whose bytes no longer match. One process writes a run directory: it holds an flock on
 * DIR/run.lock for the whole run. A failed write (a full disk) ends the run with ML_ERUNTIME
 * and leaves it resumable.
 */
#ifndef MILES_TRAIN_H
#define MILES_TRAIN_H

#include <stddef.h>

#include "core/config.h"
#include "core/status.h"
#include "data/dataset.h"
#include "mt.h"

typedef struct {
    int completed;  /* 1 completed, 0 diverged */
    int best_epoch; /* 0-based, -1 if none */
    double val_metric_fused;
    double test_metric[3]; /* fused, A, B of the best epoch's weights */
    int epochs_run;
} train_summary;

struct method_ops;

typedef struct {
    int resume;                      /* continue from ckpt/state.txt when present */
    int quiet;                       /* no settings table and no epoch lines on stdout */
    const struct method_ops *method; /* NULL: method.name's hooks; else these (tests' fakes) */
} train_options;

/* Runs the experiment into out_dir. ML_OK (also for a run that diverged: sum->completed 0), or
 * on failure the message in err and: ML_EINVAL for a configuration that cannot run (nothing was
 * written), ML_EDATA for a missing or inconsistent dataset cache (nothing was written), or
 * ML_ERUNTIME (LibTorch, device, I/O, memory). */
ml_status train_run(const config *cfg, const char *out_dir, const train_options *opt, train_summary *sum, char *err,
                    size_t errlen);

/* The model a run's configuration describes (structure from the config and the dataset D, as
 * its method adjusts it), freshly initialised, for tools that load a run's checkpoint (export).
 * ML_OK, or ML_EINVAL / ML_ERUNTIME with a message. */
ml_status train_create_model(const config *c, const dataset *d, mt_model **out, char *err, size_t errlen);

#endif
