/* f1avg.h - the four multi-label F1 averages (micro, macro, weighted, samples) of one run's test
 * split, each head (`miles report` on a single run or sweep of a dataset scored by F1). The
 * tables show one average (`--f1`); this shows them side by side, as GMU's report_performance.
 */
#ifndef MILES_ANALYSIS_F1AVG_H
#define MILES_ANALYSIS_F1AVG_H

#include <stdio.h>

#include "analysis/tables.h"
#include "core/results.h"

/* When the finished set is one unit whose selected run is scored by F1, prints that run's four
 * test averages per head to f in FORMAT (after the tables: a blank line first) and returns 1;
 * else prints nothing and returns 0. An average the run's summary.json lacks (written before
 * they were recorded) is shown as "-". */
int f1avg_print(const rs_set *s, table_format format, FILE *f);

#endif
