/* export.h - a finished (or running) run's best-epoch model written for other frameworks.
 *
 * `miles export RUN --format safetensors --out FILE`: the checkpoint ckpt/state.txt names as the
 * best (its CRC-32C checked) is loaded into the model RUN/config.yaml describes and written as
 * safetensors: encoder A's tensors under its ecosystem's names behind "a." (torchvision's for a
 * ResNet, Hugging Face BertModel's for a BERT), encoder B's behind "b.", the fusion layer and
 * heads under the shim's names (fused.*, head_a.*, head_b.*, proj_a.*, proj_b.*). The dataset
 * cache the config names is read for the input shapes and class count.
 */
#ifndef MILES_TRAIN_EXPORT_H
#define MILES_TRAIN_EXPORT_H

#include <stddef.h>

#include "core/status.h"

/* FORMAT is "safetensors". ML_OK; ML_EINVAL (no run in RUN, unknown format), ML_EDATA (the
 * dataset cache is missing or inconsistent) or ML_ERUNTIME (no best checkpoint yet, a damaged
 * one, a write that failed), with a message in err. */
ml_status export_run(const char *run_dir, const char *format, const char *out, char *err, size_t errlen);

#endif
