/* columns.h - the columns of epochs.csv, one row per epoch: written by train/, read by the demo,
 * the figures and the tests. Readers find a column by its name in the file's header
 * (epochs_column_find), never by position; methods may append columns of their own after these.
 */
#ifndef MILES_CORE_COLUMNS_H
#define MILES_CORE_COLUMNS_H

#include <stddef.h>

#include "core/status.h"

/* X(id, name) in file order. val_f1_*: the fused head's multi-label F1 scores at threshold 0.5
 * (core/f1.h), nan for a multiclass dataset; the val_metric_* columns hold the task metric
 * (train.metric) whatever it is. */
#define MILES_EPOCH_COLUMNS(X)                  \
    X(EPOCH, "epoch")                           \
    X(TRAIN_LOSS, "train_loss")                 \
    X(TRAIN_METRIC_FUSED, "train_metric_fused") \
    X(TRAIN_METRIC_A, "train_metric_a")         \
    X(TRAIN_METRIC_B, "train_metric_b")         \
    X(VAL_LOSS, "val_loss")                     \
    X(VAL_METRIC_FUSED, "val_metric_fused")     \
    X(VAL_METRIC_A, "val_metric_a")             \
    X(VAL_METRIC_B, "val_metric_b")             \
    X(VAL_F1_MICRO, "val_f1_micro")             \
    X(VAL_F1_MACRO, "val_f1_macro")             \
    X(VAL_F1_WEIGHTED, "val_f1_weighted")       \
    X(VAL_F1_SAMPLES, "val_f1_samples")         \
    X(U_A, "u_a")                               \
    X(U_B, "u_b")                               \
    X(DELTA, "delta")                           \
    X(LR_A, "lr_a")                             \
    X(LR_B, "lr_b")                             \
    X(LR_FUSION, "lr_fusion")                   \
    X(SECONDS, "seconds")

typedef enum {
#define X(id, name) COL_##id,
    MILES_EPOCH_COLUMNS(X)
#undef X
        COL_COUNT
} epoch_column;

/* The name of a fixed column ("u_a"). */
const char *epochs_column_name(epoch_column c);
/* The fixed columns' header line, comma-separated, without a newline. */
const char *epochs_header(void);
/* The 0-based position of column NAME in a CSV header line (comma-separated, may end in a
 * newline), or -1 when the header has no such column. */
int epochs_column_find(const char *header, const char *name);

/* Columns of an epochs.csv read back: n_rows rows of n_cols values, in the order they were asked
 * for (v[row * n_cols + col]). A field that is empty or not a number reads as NaN. */
typedef struct {
    int n_rows, n_cols;
    double *v;
} epochs_table;

/* Reads the columns NAMES[0..n) of DIR/epochs.csv; blank lines are skipped. ML_EDATA when the
 * file cannot be read or its header lacks one of the names (err names the file and the column),
 * ML_EINVAL when the path is too long, ML_ERUNTIME when out of memory. */
ml_status epochs_read(const char *dir, const char *const *names, int n, epochs_table *t, char *err, size_t errlen);
void epochs_table_free(epochs_table *t);

#endif
