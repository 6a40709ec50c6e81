/* method.h - the hook table every balancing method fills, and the run state hooks may see.
 *
 * The epoch loop (train.c) knows these hooks, not the methods, in the way a Linux driver fills
 * a file_operations table. A NULL hook means "nothing to do". Hooks return ML_OK, or the kind of
 * failure (ML_EINVAL: the configuration cannot work; ML_ERUNTIME: LibTorch or memory) after
 * writing a message into run->err. Decision rules live in pure functions beside each method
 * (rules.h) so they can be unit-tested without LibTorch.
 */
#ifndef MILES_METHOD_H
#define MILES_METHOD_H

#include <stddef.h>
#include <stdint.h>

#include "core/catalog.h"
#include "core/config.h"
#include "core/status.h"
#include "core/strbuf.h"
#include "data/dataset.h"
#include "mt.h"

#define METHOD_MAX_COLUMNS 8
#define SPLIT_F1_COUNT     4

/* Per-epoch metrics of the three heads, on one split. */
typedef struct {
    double loss;                    /* mean fused-head loss */
    double head_loss[MT_NUM_HEADS]; /* mean loss of each head */
    double metric[MT_NUM_HEADS];    /* task metric in [0,1]: fused, A, B */
    /* multilabel: F1 micro, macro, weighted, samples of each head (core/f1.h); NaN for
     * a multiclass dataset */
    double f1[MT_NUM_HEADS][SPLIT_F1_COUNT];
} split_metrics;

typedef struct run run;

typedef struct method_ops {
    const char *name;
    /* Adjusts the model spec built from the config (aux heads, which group a head is in);
     * returns ML_OK, or ML_EINVAL with a configuration error in err. */
    ml_status (*adjust_spec)(const config *cfg, mt_model_spec *spec, char *err, size_t errlen);
    /* Model built and LRs at train.lr; called at every start, before anything is written and
     * before a resume restores the checkpoint and the method state. May shrink the training
     * index set. ML_EINVAL when the configuration cannot work (nothing is written then). */
    ml_status (*init)(run *r);
    /* Called whenever init was called, whether it succeeded or not: frees what init left in
     * run->state (which may be NULL or half built). */
    void (*fini)(run *r);
    /* Before each epoch's training (G-Blend's re-estimation at super-epoch boundaries). */
    ml_status (*epoch_begin)(run *r);
    /* Loss weights of (fused, A, B) for the next batch. Default: (1, 1, 1). */
    void (*loss_weights)(run *r, float w[MT_NUM_HEADS]);
    /* After backward, before the optimizer step. */
    ml_status (*after_backward)(run *r, const mt_step_result *res);
    /* After the epoch's validation: may set LRs, freeze groups ... for the next epoch. Fills
     * u_a, u_b, delta of the epoch row (NaN when the method does not compute them). */
    ml_status (*after_validation)(run *r, const split_metrics *train, const split_metrics *val, double *u_a,
                                  double *u_b, double *delta);
    /* Extra epochs.csv columns after the fixed ones, for the epoch just finished. */
    int n_columns;
    const char *column_names[METHOD_MAX_COLUMNS];
    void (*columns)(run *r, double *values);
    /* Method state that must survive a resume, appended to OUT as one line of text of any
     * length (ckpt/state.txt); load_state gets that line back. */
    void (*save_state)(run *r, strbuf *out);
    ml_status (*load_state)(run *r, const char *buf);
} method_ops;

/* What hooks may read and change. Owned by train.c. */
struct run {
    const config *cfg;
    const dataset *data;
    mt_model *model;
    const method_ops *ops;
    void *state; /* the method's own state */
    int epoch;   /* current epoch, 0-based */
    int epochs;
    double base_lr;     /* train.lr */
    int64_t *train_idx; /* training rows of the train split (init may shrink it) */
    int64_t n_train;
    int select_head;        /* head whose val metric picks the best epoch (fused) */
    long long extra_epochs; /* epochs trained outside the main loop (G-Blend) */
    void *loop;             /* train.c's own */
    char err[1024];
};

/* Services of the epoch loop for methods that train or evaluate copies of the model. Both
 * return ML_OK or ML_ERUNTIME (message in r->err). */
/* One training pass of model m over rows idx[0..n) of the train split, shuffled with stream. */
ml_status run_train_pass(run *r, mt_model *m, const float w[MT_NUM_HEADS], const int64_t *idx, int64_t n,
                         uint64_t stream, split_metrics *out);
/* Evaluation of model m on rows idx[0..n) of a split (idx NULL = all rows). */
ml_status run_evaluate(run *r, mt_model *m, int split, const int64_t *idx, int64_t n, split_metrics *out);

/* The hook table of a method name of core/catalog.h, or NULL. */
const method_ops *method_find(const char *name);

/* method_<id> for every method of the catalog (methods/<file>.c defines it). */
#define X(id, label) extern const method_ops method_##id;
MILES_METHODS(X)
#undef X

#endif
