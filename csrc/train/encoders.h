/* encoders.h - what a run's config says about its encoders beyond their structure: a BERT's
 * vocabulary and feature, pretrained weights (model.a.weights, model.b.weights) and freezing an
 * encoder for its first epochs (model.a.freeze_epochs, model.b.freeze_epochs).
 *
 * A text modality (int32 token planes in the dataset cache) needs a BERT encoder, an image-like
 * one a ResNet; ids beyond the vocabulary are a configuration error found before anything is
 * written. Weights are loaded once, into a new run (a resumed run's checkpoint holds them
 * already). Freezing is a function of the epoch (frozen in epochs 0..K-1, unfrozen when epoch K
 * starts), set before each epoch's method hooks, so a resume lands in the same state; while
 * frozen, a method may still set the group's LR (MILES does), which takes effect once it
 * trains. Methods that freeze encoders themselves (mses, unimodal) refuse it.
 */
#ifndef MILES_TRAIN_ENCODERS_H
#define MILES_TRAIN_ENCODERS_H

#include <stddef.h>

#include "core/config.h"
#include "core/status.h"
#include "data/dataset.h"
#include "mt.h"

/* The BERT fields of spec's encoders from the config (after the structural ones), and the
 * pairing of each encoder with its modality's data. ML_OK or ML_EINVAL. */
ml_status encoders_spec(const config *c, const dataset *d, mt_model_spec *spec, char *err, size_t errlen);
/* Freezing is not combined with a method that freezes encoders itself. ML_OK or ML_EINVAL. */
ml_status encoders_check_method(const config *c, char *err, size_t errlen);
/* model.X.weights into encoder X of m. ML_OK, ML_EDATA (file missing, malformed, or tensors
 * that do not fit: every one named) or ML_ERUNTIME. */
ml_status encoders_load_weights(const config *c, mt_model *m, char *err, size_t errlen);
/* Freezes or unfreezes the encoders for epoch E (0-based). ML_OK or ML_ERUNTIME. */
ml_status encoders_freeze_for_epoch(const config *c, mt_model *m, int e, char *err, size_t errlen);

#endif
