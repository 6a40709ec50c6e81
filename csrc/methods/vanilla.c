/* vanilla.c - joint training with one global learning rate (the paper's "vanilla" rows).
 *
 * Loss: Eq. 3 (fused + both auxiliary heads, unit weights) by default, so the unimodal heads
 * the tables report are trained; method.aux_loss false trains the fused loss only and builds the
 * model without auxiliary heads, so the unimodal metrics come from the fusion layer's slices.
 * u and delta are logged from validation metrics but act on nothing. The helpers below are
 * shared by every method whose loss is Eq. 3 or the fused loss alone.
 */
#include <stdio.h>

#include "methods/method.h"
#include "methods/miles_rule.h"
#include "methods/shared.h"

ml_status needs_aux_heads(const mt_model_spec *spec, const char *why, char *err, size_t errlen) {
    if (spec->aux_heads) return ML_OK;
    snprintf(err, errlen, "model.aux_heads: %s, found false", why);
    return ML_EINVAL;
}

ml_status aux_loss_adjust_spec(const config *cfg, mt_model_spec *spec, char *err, size_t errlen) {
    (void)err;
    (void)errlen;
    if (!cfg_bool(cfg, "method.aux_loss")) spec->aux_heads = 0;
    return ML_OK;
}

void aux_loss_weights(run *r, float w[MT_NUM_HEADS]) {
    int aux = cfg_bool(r->cfg, "method.aux_loss") && mt_model_spec_of(r->model)->aux_heads;
    w[MT_HEAD_FUSED] = 1.0f;
    w[MT_HEAD_A] = w[MT_HEAD_B] = aux ? 1.0f : 0.0f;
}

ml_status log_utilization(run *r, const split_metrics *train, const split_metrics *val, double *u_a, double *u_b,
                          double *delta) {
    (void)r;
    (void)train;
    miles_utilization(val->metric[MT_HEAD_FUSED], val->metric[MT_HEAD_A], val->metric[MT_HEAD_B], u_a, u_b, delta);
    return ML_OK;
}

ml_status set_lr_or_fail(run *r, int group, double lr) {
    if (mt_group_set_lr(r->model, group, lr) == MT_OK) return ML_OK;
    snprintf(r->err, sizeof r->err, "%s: %s", r->ops->name, mt_last_error());
    return ML_ERUNTIME;
}

const method_ops method_vanilla = {
    .name = "vanilla",
    .adjust_spec = aux_loss_adjust_spec,
    .loss_weights = aux_loss_weights,
    .after_validation = log_utilization,
};
