/* lr_source.h - reading a learning rate from earlier results (MSLR's per-modality LRs).
 *
 * DIR is either one run directory (summary.json + config.yaml) or a sweep directory whose
 * subdirectories are runs; then the completed run with the best val_metric_selected wins. The
 * LR is that run's train.lr, read back through the config loader.
 */
#ifndef MILES_LR_SOURCE_H
#define MILES_LR_SOURCE_H

#include <stddef.h>

/* want_modality "a" or "b": the runs must be method unimodal for that modality (others in a
 * sweep directory are skipped; a single run of another kind is an error). 0 or -1 with err. */
int lr_from_results(const char *dir, const char *want_modality, double *lr, char *chosen, size_t chosen_len,
                    char *err, size_t errlen);

#endif
