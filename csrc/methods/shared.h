/* shared.h - pieces several methods use: requiring the auxiliary heads, the Eq. 3 / fused-only
 * loss switch, logging u and delta, and setting a group's LR with the shim's message on failure. */
#ifndef MILES_METHODS_SHARED_H
#define MILES_METHODS_SHARED_H

#include "methods/method.h"

/* ML_OK when SPEC has auxiliary heads, else ML_EINVAL with "model.aux_heads: WHY, found false"
 * (WHY: "method X needs ...") for the methods that train on those heads. */
ml_status needs_aux_heads(const mt_model_spec *spec, const char *why, char *err, size_t errlen);
/* method.aux_loss false: no auxiliary heads (unimodal metrics from the fusion slices). */
ml_status aux_loss_adjust_spec(const config *cfg, mt_model_spec *spec, char *err, size_t errlen);
/* (1, 1, 1) with auxiliary losses, (1, 0, 0) without. */
void aux_loss_weights(run *r, float w[MT_NUM_HEADS]);
/* after_validation that only logs u_A, u_B and delta from the validation metrics. */
ml_status log_utilization(run *r, const split_metrics *train, const split_metrics *val, double *u_a, double *u_b,
                          double *delta);
/* ML_OK, or ML_ERUNTIME with the shim's message in r->err. */
ml_status set_lr_or_fail(run *r, int group, double lr);

#endif
