/* tables.h - the paper's Tables I-VI from result directories read by core/results.h, written as
 * Markdown, LaTeX or CSV (`miles report`).
 *
 * Each unit (a sweep, or a run outside a sweep) contributes its best run by validation metric;
 * a cell shows the best of the units' best runs that fall into it. Which table a run belongs to
 * comes from its files (summary.json, and config.yaml for MILES's tau, mu and metrics_from);
 * the rules are in results/README.md ("Reports and figures").
 */
#ifndef MILES_ANALYSIS_TABLES_H
#define MILES_ANALYSIS_TABLES_H

#include <stddef.h>
#include <stdio.h>

#include "core/results.h"
#include "core/status.h"

typedef enum { TABLE_MD, TABLE_TEX, TABLE_CSV } table_format;

/* "I".."VI" -> 0..5, else -1. */
int tables_index(const char *id);
/* Prints table `only` (0..5), or every table that has results (-1), to f. ML_OK; ML_EINVAL
 * (message in err) when there is nothing to print; ML_ERUNTIME when out of memory. The set must
 * be finished (rs_finish). */
ml_status tables_print(const rs_set *s, int only, table_format format, FILE *f, char *err, size_t errlen);

#endif
