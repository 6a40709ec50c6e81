/* lr_source.h - reading a learning rate from earlier results (MSLR's per-modality LRs).
 *
 * DIR is either one run directory (summary.json + config.yaml), or a sweep or any results
 * directory: then the completed unimodal run of the modality with the best val_metric_selected
 * below it wins (core/results.h: ties to the lowest trial, then the first path). The LR is that
 * run's train.lr, read back through the config loader.
 */
#ifndef MILES_LR_SOURCE_H
#define MILES_LR_SOURCE_H

#include <stddef.h>

#include "core/status.h"

/* want_modality "a" or "b": the runs must be method unimodal for that modality (others below a
 * results directory are skipped; a single run of another kind is an error). ML_OK (the chosen
 * run directory in chosen), or with the message in err: ML_EINVAL for no suitable run, ML_EDATA
 * for a damaged summary.json, ML_ERUNTIME when out of memory. */
ml_status lr_from_results(const char *dir, const char *want_modality, double *lr, char *chosen, size_t chosen_len,
                          char *err, size_t errlen);

#endif
