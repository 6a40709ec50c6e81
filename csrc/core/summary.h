/* summary.h - summary.json, the result of one run: written by train/, read by analysis/ (tables,
 * figures), sweep/ (trial status) and methods/ (MSLR's learning rates from unimodal runs).
 *
 * One field table in summary.c defines the file: its keys, their order and their types, for the
 * writer and the reader alike. Absent keys read as empty strings, -1 or NaN (files of older
 * versions); a key of the wrong type, or a string longer than its field, is damage (ML_EDATA):
 * nothing is cut short. The string fields are sized for what train/ writes (a dataset recipe is
 * a few hundred bytes).
 */
#ifndef MILES_CORE_SUMMARY_H
#define MILES_CORE_SUMMARY_H

#include <stddef.h>

#include "core/f1.h"
#include "core/status.h"

typedef struct {
    char status[16]; /* completed | diverged */
    char dataset[32], metric[16], method[24], fusion[16];
    long long epochs, epochs_run, extra_epochs;
    long long best_epoch;   /* 1-based, -1 none */
    char selection_head[8]; /* fused | a | b */
    double val_metric[3];   /* fused, a, b of the best epoch */
    double val_metric_selected;
    double test_loss;
    double test_metric[3]; /* fused, a, b with the best epoch's weights */
    double test_metric_selected;
    /* The four multi-label F1 averages at threshold 0.5 of each head (fused, a, b), with the best
     * epoch's weights: test_f1[head][F1_*]. NaN for a multiclass run and in files written
     * before they were recorded (the task metric, test_metric, holds one of them). */
    double test_f1[3][4];
    double lr;
    char modality_a[24], modality_b[24];
    char config_hash[24], dataset_recipe[1024], device[32], torch_version[32], miles_version[32], commit[48];
} run_summary;

/* The F1 averages in test_f1's order (core/f1.h's F1_*); their names: "micro", "macro",
 * "weighted", "samples". */
extern const char *const summary_f1_names[F1_COUNT];
/* The index of an average's name ("macro"), or -1. */
int summary_f1_find(const char *name);

/* Clears every field to its "absent" value. */
void run_summary_init(run_summary *s);
/* DIR/summary.json. ML_EDATA for an unreadable or damaged file (err names it and the key);
 * *missing (may be NULL) is 1 when the file does not exist. ML_EINVAL when the path would be
 * longer than ML_PATH_MAX. */
ml_status run_summary_read(const char *dir, run_summary *s, int *missing, char *err, size_t errlen);
/* Writes DIR/summary.json atomically. ML_OK, ML_ERUNTIME, or ML_EINVAL for a path too long. */
ml_status run_summary_write(const char *dir, const run_summary *s, char *err, size_t errlen);

#endif
