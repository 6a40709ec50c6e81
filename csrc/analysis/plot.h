/* plot.h - the paper's Figures 1 and 2 from run directories, drawn by gnuplot (`miles plot`).
 *
 *   fig2 RUN             per epoch: u_A, u_B and delta; the LR of each parameter group; the
 *                        validation metric of the fused and unimodal heads (one panel each)
 *   fig1 JOINT UNI_A UNI_B
 *                        left: the training metric of the fused head and both unimodal heads of
 *                        one multimodal model; right: the validation metric of the two unimodal
 *                        models trained alone (split puts both panels on one split)
 *
 * A RUN is a run directory (epochs.csv), or a sweep or any results directory: then its best
 * completed run of the right kind (core/results.h).
 */
#ifndef MILES_ANALYSIS_PLOT_H
#define MILES_ANALYSIS_PLOT_H

#include <stddef.h>
#include <stdio.h>

#include "core/status.h"
#include "core/util.h"

typedef struct {
    int fig;             /* 1 or 2 */
    const char *runs[3]; /* fig2: runs[0]; fig1: JOINT, UNIMODAL_A, UNIMODAL_B */
    int split;           /* fig1: -1 each panel its own split, 0 train, 1 val */
    const char *prefix;  /* NULL: RUN/fig2 (fig2, RUN resolved to a run directory), fig1 */
    FILE *warn;          /* warnings while choosing runs; NULL: none */
} plot_request;

typedef struct {
    char png[ML_PATH_MAX], svg[ML_PATH_MAX]; /* absolute paths of the figure's files */
} plot_files;

/* Draws the figure: PREFIX.png and PREFIX.svg appear together, renamed into place only when both
 * are complete. ML_OK; ML_EINVAL when a RUN is missing or holds no suitable run or no epochs;
 * ML_EDATA for a damaged summary.json; ML_ERUNTIME when gnuplot or the files fail (err ends
 * with gnuplot's output). */
ml_status plot_draw(const plot_request *rq, plot_files *out, char *err, size_t errlen);

#endif
