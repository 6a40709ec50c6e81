/* demo.h - the main job, `miles demo`: on a stand-in made from nothing if it is missing, trains
 * vanilla and MILES with the same seed and prints what MILES did and what it changed.
 *
 * Two demos, by dataset name:
 *   - luma (default): the LUMA stand-in (datasets/luma/make-standin at its frozen noise knobs,
 *     a smaller size), experiments/luma-standin-demo.yaml; prints fused and per-encoder test
 *     accuracy side by side, the epochs in which MILES lowered an encoder's LR with u_A, u_B and
 *     delta vs tau, and a verdict in words (demo_table.h);
 *   - smnist: the S-MNIST stand-in, experiments/smnist-standin-demo.yaml, a Table II-style
 *     comparison.
 * Both configurations are loaded before anything else, so a bad --set fails in a second, not
 * after the stand-in was built. Finished runs are not trained again (they resume).
 */
#ifndef MILES_DEMO_H
#define MILES_DEMO_H

#include <stddef.h>
#include <stdio.h>

#include "core/status.h"

typedef struct {
    const char *dataset;     /* "luma" or "smnist" */
    const char *root;        /* the miles source tree (experiments/, datasets/) */
    const char *data;        /* where the stand-in and its cache are made */
    const char *out;         /* the runs go to OUT/vanilla and OUT/miles */
    const char *const *sets; /* key=value overrides of both runs */
    int n_sets;
    int quiet; /* no settings tables and epoch lines */
    FILE *msg; /* progress and the comparison */
} demo_options;

/* 1 when NAME is a demo (luma, smnist). */
int demo_known(const char *name);
/* The demos' names, for messages ("luma|smnist"). */
const char *demo_names(void);

/* Runs the demo. ML_OK, or with the message in err: ML_EINVAL (a bad --set, an unknown demo,
 * a path too long: nothing was written), ML_EDATA (the stand-in could not be made or read),
 * ML_ERUNTIME (training failed). */
ml_status demo_run(const demo_options *o, char *err, size_t errlen);

#endif
