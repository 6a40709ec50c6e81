/* demo_table.h - what `miles demo` reads back from its two runs and prints: the epochs in which
 * MILES lowered an encoder's learning rate and the utilization rates that made it do so (from
 * the MILES run's epochs.csv, columns found by name), the side-by-side test accuracies, and a
 * verdict in words. Pure functions of files and numbers, so tests/test_demo.c checks them on
 * hand-made epochs.csv rows without training.
 *
 * Reading of epochs.csv (train/train.c): row e holds the LRs epoch e trained with, and u_a, u_b,
 * delta of epoch e's evaluation, from which MILES set the LRs of epoch e + 1. So an LR below
 * lr_fusion (train.lr: MILES never moves the fusion's) in row e was decided by row e - 1.
 */
#ifndef MILES_DEMO_TABLE_H
#define MILES_DEMO_TABLE_H

#include <stddef.h>
#include <stdio.h>

#include "core/status.h"

/* One encoder trained with a lowered LR in one epoch. */
typedef struct {
    int epoch;              /* 1-based epoch that trained with the lowered LR */
    int encoder;            /* 0: modality A, 1: modality B */
    double lr, base_lr;     /* its LR in that epoch, and lr_fusion's */
    int cause_epoch;        /* the epoch whose evaluation decided it (epoch - 1; 0: none) */
    double u_a, u_b, delta; /* of cause_epoch (NaN when there is none) */
} demo_action;

typedef struct {
    int n_epochs;        /* epoch rows in the file */
    int n_over_tau;      /* epochs whose delta exceeded tau (MILES acts on the next one) */
    double max_delta;    /* the largest finite delta, NaN when there is none */
    int n_actions;       /* actions in epoch order, A before B within an epoch */
    demo_action *action; /* owned; demo_actions_free */
} demo_actions;

/* Reads RUN_DIR/epochs.csv (epoch, u_a, u_b, delta, lr_a, lr_b, lr_fusion by name). ML_OK, or
 * ML_EDATA (the file unreadable or a column missing: err names the file and the column),
 * ML_EINVAL (path too long), ML_ERUNTIME (memory). */
ml_status demo_read_actions(const char *run_dir, double tau, demo_actions *out, char *err, size_t errlen);
void demo_actions_free(demo_actions *a);

/* Epochs of the run whose lr_a or lr_b was below lr_fusion, and the largest delta. Returns the
 * number of epoch rows, or -1 when the file cannot be read or lacks one of those columns. */
int demo_count_reduced_epochs(const char *csv, int *reduced, double *max_delta);

typedef enum {
    DEMO_IDLE,      /* MILES never lowered an LR: the two runs are one computation */
    DEMO_HELPED,    /* the weak encoder gained and the fused accuracy did not drop */
    DEMO_MIXED,     /* one of the two gained, the other dropped */
    DEMO_NOT_HELPED /* neither the weak encoder nor the fused accuracy gained */
} demo_verdict;

/* The verdict on test metrics (fused, A, B; fractions) as printed, to 0.1 point: WEAK is the
 * weak modality (0 A, 1 B). */
demo_verdict demo_judge(const double vanilla[3], const double miles[3], int weak, int n_actions);

/* What the LUMA-style comparison prints. Modality names are the dataset's (A, B). */
typedef struct {
    const char *title;           /* e.g. "LUMA stand-in" */
    const char *modality[2];     /* names of A and B */
    int strong;                  /* 0 A, 1 B */
    double vanilla[3], miles[3]; /* test metric of each run's best-validation epoch: fused, A, B */
    double tau, mu;              /* MILES's */
    int seed;                    /* train.seed of both runs */
    const demo_actions *actions; /* of the MILES run */
    const char *out;             /* where the runs are */
} demo_report;

/* The comparison table, the actions table and the verdict, as Markdown-like text. */
void demo_print_report(FILE *f, const demo_report *r);

#endif
