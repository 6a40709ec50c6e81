/* method.h - the hook table every balancing method fills, and the run state hooks may see.
 *
 * The epoch loop (train.c) knows these hooks, not the methods, in the way a Linux driver fills
 * a file_operations table. A NULL hook means "nothing to do". Hooks return 0, or -1 after
 * writing a message into run->err. Decision rules live in pure functions beside each method so
 * they can be unit-tested without LibTorch.
 */
#ifndef MILES_METHOD_H
#define MILES_METHOD_H

#include <stddef.h>

#include "../config.h"
#include "mt.h"

#define METHOD_MAX_COLUMNS 8
#define METHOD_STATE_MAX 4096

/* Per-epoch metrics of the three heads, on one split. */
typedef struct {
    double loss;                    /* mean fused-head loss */
    double metric[MT_NUM_HEADS];    /* task metric in [0,1]: fused, A, B */
} split_metrics;

typedef struct run run;

typedef struct {
    const char *name;
    /* Model built and LRs at train.lr; called at every start, before a resume restores the
     * checkpoint and the method state. */
    int (*init)(run *r);
    void (*fini)(run *r);
    /* Loss weights of (fused, A, B) for the next batch. Default: (1, 1, 1). */
    void (*loss_weights)(run *r, float w[MT_NUM_HEADS]);
    /* After backward, before the optimizer step. */
    int (*after_backward)(run *r, const mt_step_result *res);
    /* After the epoch's validation: may set LRs, freeze groups ... for the next epoch. Fills
     * u_a, u_b, delta of the epoch row (NaN when the method does not compute them). */
    int (*after_validation)(run *r, const split_metrics *train, const split_metrics *val, double *u_a,
                            double *u_b, double *delta);
    /* Extra epochs.csv columns after the fixed ones. */
    int n_columns;
    const char *column_names[METHOD_MAX_COLUMNS];
    void (*columns)(run *r, double *values);
    /* Method state that must survive a resume, as one line of text. */
    void (*save_state)(run *r, char *buf, size_t n);
    int (*load_state)(run *r, const char *buf);
} method_ops;

/* What hooks may read and change. Owned by train.c. */
struct run {
    const config *cfg;
    mt_model *model;
    const method_ops *ops;
    void *state;                    /* the method's own state */
    int epoch;                      /* current epoch, 0-based */
    int epochs;
    double base_lr;                 /* train.lr */
    char err[1024];
};

const method_ops *method_find(const char *name);

extern const method_ops method_vanilla;
extern const method_ops method_miles;

#endif
