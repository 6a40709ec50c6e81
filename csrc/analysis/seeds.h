/* seeds.h - the seeds behind a table cell: the run validation selected and the reseeds of its
 * trial (core/results.h), their metrics, the paired interval between two cells from their test
 * predictions (core/predictions.h, analysis/stats.h), ties on validation and MILES's actions.
 */
#ifndef MILES_ANALYSIS_SEEDS_H
#define MILES_ANALYSIS_SEEDS_H

#include <stdio.h>

#include "analysis/stats.h"
#include "core/results.h"
#include "core/status.h"

#define SEEDS_MAX 101 /* the selected trial and up to 100 reseeds */

typedef struct {
    const rs_set *set; /* the set the runs belong to (its F1 average: rs_test_metric) */
    int n;
    const rs_run *run[SEEDS_MAX]; /* [0] the selected run, then its reseeds by number */
} seed_set;

/* The seeds of R's configuration (R a unit's best run; NULL: none). */
void seeds_of(const rs_set *s, const rs_run *r, seed_set *ss);
/* Test metric of head H (0 fused, 1 A, 2 B) of each seed, as rs_test_metric gives it, into x; the
 * count of finite ones. */
int seeds_metric(const seed_set *ss, int h, double *x);
/* The paired bootstrap interval of A's fused test accuracy minus B's, over the seeds whose
 * number (0: the selected trial, k: reseed k) both have with readable test predictions of the
 * same test labels. 0, or -1 when no seed pairs (a damaged or mismatched file is named on WARN). */
int seeds_paired(const seed_set *a, const seed_set *b, stats_interval *iv, FILE *warn);
/* The other trials of R's unit whose validation metric equals R's (a tie the rule settled by
 * trial number), at most MAX into OUT; their count. */
int seeds_ties(const rs_set *s, const rs_run *r, const rs_run **out, int max);
/* Over the seeds of a MILES configuration: epochs in which an encoder's LR was below the fusion
 * layer's (MILES had lowered it), and epochs trained. ML_EDATA for an unreadable epochs.csv. */
ml_status seeds_lowered(const seed_set *ss, long long *lowered, long long *epochs, char *err, size_t errlen);

#endif
