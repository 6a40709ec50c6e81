/* report.h - result directories read back: runs, sweeps and their best trials (report.c), shared
 * by `miles report` (report.c) and `miles plot` (plot.c).
 *
 * A RESULTS path is a sweep directory (sweep.json + trial-NNN/ run directories), one run
 * directory (summary.json), or any directory holding such directories at any depth. A sweep is
 * one "unit" whose candidates are its trials; a run directory outside a sweep is a unit of its
 * own. Only completed runs with a finite val_metric_selected are candidates; a unit's best run
 * is the candidate with the highest val_metric_selected, ties to the lowest trial number.
 */
#ifndef MILES_REPORT_H
#define MILES_REPORT_H

#include <stddef.h>
#include <stdio.h>

#define RS_PATH 1024

typedef struct {
    char dir[RS_PATH];          /* the run directory, as reached from the RESULTS argument */
    int unit;                   /* index of its unit in rs_set.units */
    int trial;                  /* NNN of trial-NNN, -1 outside a sweep */
    int usable;                 /* completed, with a finite val_metric_selected */
    char status[16], dataset[32], metric[16], method[24], fusion[16], head[8];
    char mod_a[24], mod_b[24], hash[24], commit[48];
    int best_epoch;             /* 1-based, -1 none */
    double val_sel, test[3];    /* val_metric_selected; test_metric_fused, _a, _b (NaN: none) */
    double lr, tau, mu;         /* from config.yaml (NaN where it has none) */
    char metrics_from[8];       /* method.metrics_from of a MILES run, else "" */
} rs_run;

typedef struct {
    char dir[RS_PATH];
    int is_sweep;
    int n_trials, n_done;       /* runs found / usable */
    int best;                   /* index in rs_set.runs, -1 if none is usable */
    int tau_fixed, mu_fixed;    /* every usable run has the same value (1 for a single run) */
} rs_unit;

typedef struct {
    rs_run *runs;
    int n_runs, cap_runs;
    rs_unit *units;
    int n_units, cap_units;
} rs_set;

/* Adds everything under PATH to the set. Returns 0, or an EXIT_* code with the message in err:
 * EXIT_USAGE when PATH does not exist or holds no run, EXIT_DATA when a summary.json is corrupt
 * (the message names the file), EXIT_RUNTIME when out of memory. */
int rs_collect(rs_set *s, const char *path, char *err, size_t errlen);
/* Chooses each unit's best run (after every rs_collect). */
void rs_finish(rs_set *s);
void rs_free(rs_set *s);
/* 1 when a is a better choice than b: higher val_metric_selected, then the earlier directory
 * (unit path, then trial number). */
int rs_better(const rs_run *a, const rs_run *b);
/* The strong modality of a dataset ("image" for smnist, "audio" for cremad and luma, "text" for
 * mmimdb; else the dataset's modality A): Delta = strong head - weak head. */
const char *rs_strong_modality(const rs_run *r);

/* Shared by report.c and report_tables.c. */
/* snprintf, truncating silently: every buffer here is ample for real names and paths. */
int rs_fmt(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Equal within 1e-9 relative, or both NaN. */
int rs_same(double a, double b);
/* The strong modality known for a dataset name, or NULL. */
const char *rt_dataset_strong(const char *dataset);
/* "I".."VI" -> 0..5, else -1. */
int rt_table_index(const char *id);
/* Prints table `only` (0..5), or every table with results (-1), as md, tex or csv. EXIT_*. */
int rt_print(const rs_set *s, int only, const char *format, FILE *f);

#endif
