/* results.h - result directories read back: runs, sweeps and the run each of them selects. The
 * tables, trial lists and figures (analysis/) and MSLR's learning rates from earlier unimodal
 * results (methods/lr_source.c) all choose "the best run of a directory" here, by one rule.
 *
 * A RESULTS path is a sweep directory (sweep.json + trial-NNN/ run directories), one run
 * directory (summary.json), or any directory holding such directories at any depth. A sweep is
 * one "unit" whose candidates are its trials; a run directory outside a sweep is a unit of its
 * own. Only completed runs with a finite val_metric_selected are candidates; a unit's best run
 * is the candidate with the highest val_metric_selected, ties to the lowest trial number. A
 * sweep's reseed-KK/ runs (`miles sweep --reseed`) are listed with their unit but are never
 * candidates: they are further seeds of the trial they re-train (rs_seed_runs).
 * summary.json is read through core/summary.h; MILES runs also read tau, mu and metrics_from
 * from config.yaml.
 *
 * A unit's role in the tables is what it declares. A sweep declares its search space in
 * sweep.json ("params": the key paths it varies): a MILES sweep that searches neither method.tau
 * nor method.mu holds both at its configuration's values (file and --set) and is an ablation
 * sweep, for Tables IV-VI only; any other sweep is a main sweep (Tables I-III, and not an
 * ablation unit even when a single trial completed). A run directory outside a sweep declares no
 * search: its tau and mu are fixed, and it counts in every table it fits.
 *
 * A sweep whose space varies train.seed and nothing else (the ablations' 3 seeds) is a seed sweep:
 * its trials are seeds of one configuration, not candidates of a search. Validation selects
 * nothing in it (picking the luckiest seed would bias the cell): every completed trial is one of
 * its seeds (rs_seed_runs), and the unit stands for its lowest-numbered completed trial where a
 * single run is named or units are compared.
 */
#ifndef MILES_CORE_RESULTS_H
#define MILES_CORE_RESULTS_H

#include <stddef.h>
#include <stdio.h>

#include "core/status.h"
#include "core/summary.h"
#include "core/util.h"

typedef struct {
    char dir[ML_PATH_MAX]; /* the run directory, as reached from the RESULTS argument */
    int unit;              /* index of its unit in rs_set.units */
    int trial;             /* NNN of trial-NNN, -1 outside a sweep */
    int has_summary;       /* 0: a trial without summary.json (only with rs_set.with_unfinished) */
    int usable;            /* completed, with a finite val_metric_selected */
    run_summary sum;       /* its summary.json */
    double tau, mu;        /* MILES's, from config.yaml (NaN for other methods) */
    char metrics_from[8];  /* method.metrics_from of a MILES run, else "" */
    int reseed;            /* k of a sweep's reseed-KK/ (never a candidate), 0 for a trial or run */
    int of_trial;          /* the trial a reseed re-trains (its trial.json), -1 if unknown */
} rs_run;

typedef struct {
    char dir[ML_PATH_MAX];
    int rel; /* offset in dir of the part below the RESULTS argument (0: it is
                                   the argument itself) */
    int is_sweep;
    int n_trials, n_done; /* runs with a summary.json / usable */
    int best;             /* index in rs_set.runs, -1 if none is usable */
    /* The unit's role, from what it declares (not from its trials' values or count): */
    int searches_tau, searches_mu; /* its sweep.json's space ("params") varies method.tau / mu */
    int fixes_tau_mu;              /* a run directory, or a sweep searching neither tau nor mu */
    int is_ablation;               /* a MILES sweep that fixes tau and mu: Tables IV-VI, never I-III */
    int seeds_only;                /* a seed sweep: its space is train.seed alone (see above) */
} rs_unit;

typedef struct {
    rs_run *runs;
    int n_runs, cap_runs;
    rs_unit *units;
    int n_units, cap_units;
    int with_unfinished; /* set before rs_collect: also list a sweep's trial-NNN/ that has
                                   no summary.json yet (has_summary 0; never a candidate) */
    int f1;              /* the F1 average the tables show for a multi-label run (F1_*;
                                   0, micro, by default): rs_test_metric */
    FILE *warn;          /* where warnings go (an unreadable config.yaml, a unit without a
                                   usable run); NULL: nowhere */
} rs_set;

/* Adds everything under PATH to the set. ML_OK, or with the message in err: ML_EINVAL when
 * PATH does not exist, holds no run or a path grows too long; ML_EDATA when a summary.json or a
 * sweep.json is damaged (the message names the file and the key); ML_ERUNTIME when out of memory. */
ml_status rs_collect(rs_set *s, const char *path, char *err, size_t errlen);
/* Chooses each unit's best run (after every rs_collect). */
void rs_finish(rs_set *s);
void rs_free(rs_set *s);
/* 1 when a is a better choice than b (or b is NULL): higher val_metric_selected, then the
 * earlier directory (trial number within a unit, else the path). */
int rs_better(const rs_run *a, const rs_run *b);
/* The best usable run that KEEP accepts (KEEP NULL: any), or NULL. units_only 1: among each
 * unit's best run (a sweep stands for the trial it selects; after rs_finish); 0: among every run. */
const rs_run *rs_best(const rs_set *s, int units_only, int (*keep)(const rs_run *r, const void *arg), const void *arg);
/* The runs of unit U's selected configuration: its best run, then the completed reseeds of that
 * trial by reseed number, at most MAX into OUT. For a seed sweep, every completed trial by trial
 * number (the first is its best run), then the reseeds. Their count (0 when the unit has no best
 * run). */
int rs_seed_runs(const rs_set *s, int u, const rs_run **out, int max);
/* The name a unit is listed by: its path below the RESULTS argument, or the argument's last
 * component when the unit is the argument itself. */
const char *rs_unit_name(const rs_unit *u);
/* Head H's (0 fused, 1 A, 2 B) test metric as the tables show it: for a run scored by F1, the
 * average s->f1 (its task metric when that is the same average, so files written before the
 * four averages were recorded still read); else its task metric (accuracy). NaN when absent. */
double rs_test_metric(const rs_set *s, const rs_run *r, int h);
/* The strong modality of a run's dataset (catalog.h; else its modality A): Delta = strong head
 * - weak head. */
const char *rs_strong_modality(const rs_run *r);

#endif
