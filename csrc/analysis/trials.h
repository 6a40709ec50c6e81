/* trials.h - every trial of the sweeps under result directories, not only the one each sweep
 * selects (`miles report --trials`, `--spread`), so a reader can see how much the selected
 * result depends on the draw.
 *
 * --trials: one CSV row per trial: the sweep (its path below the RESULTS argument), the trial
 * number, method, fusion, selection head, the drawn values (trial.json), status ("unfinished"
 * for a trial without summary.json), best epoch, the validation metric used for selection and
 * the test metrics of the fused and both unimodal heads in percent with two decimals (a unimodal
 * run's untrained heads left blank), and for MILES the number of epochs in which Algorithm 1 had
 * lowered an encoder's learning rate (an epochs.csv row whose lr_a or lr_b is below lr_fusion).
 * --spread: one Markdown row per sweep: completed trials, the test metric of the selected head
 * for the trial chosen by validation (what the tables show), the median and the highest over the
 * completed trials (computed from the two-decimal values listed by --trials; the highest is
 * chosen on test, so it is not a result, only the spread), and for MILES how many trials lowered
 * a learning rate at least once.
 */
#ifndef MILES_ANALYSIS_TRIALS_H
#define MILES_ANALYSIS_TRIALS_H

#include <stddef.h>
#include <stdio.h>

#include "core/results.h"
#include "core/status.h"

/* Both need a set collected with with_unfinished = 1 and finished (rs_finish). ML_OK, or
 * ML_EDATA for a damaged trial.json or epochs.csv (err names it), ML_ERUNTIME when out of
 * memory. */
ml_status trials_print_csv(const rs_set *s, FILE *f, char *err, size_t errlen);
ml_status trials_print_spread(const rs_set *s, FILE *f, char *err, size_t errlen);
/* The epochs of the run in DIR in which MILES had lowered an encoder's LR below the fusion
 * layer's (epochs.csv), and (EPOCHS may be NULL) its epochs. ML_EDATA for a damaged file. */
ml_status trials_lowered_epochs(const char *dir, long long *n, long long *epochs, char *err, size_t errlen);

#endif
