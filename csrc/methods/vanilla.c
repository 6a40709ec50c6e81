/* vanilla.c - joint training with one global learning rate (the paper's "vanilla" rows).
 *
 * Loss: Eq. 3 (fused + both auxiliary heads, unit weights) by default, so the unimodal heads
 * the tables report are trained; method.aux_loss false trains the fused loss only, leaving the
 * auxiliary heads as they were initialised (their accuracy then says little). u and delta are
 * logged from validation metrics but act on nothing.
 */
#include <math.h>

#include "method.h"
#include "miles_rule.h"

static void vanilla_weights(run *r, float w[MT_NUM_HEADS]) {
    int aux = cfg_bool(r->cfg, "method.aux_loss");
    w[MT_HEAD_FUSED] = 1.0f;
    w[MT_HEAD_A] = w[MT_HEAD_B] = aux ? 1.0f : 0.0f;
}

static int vanilla_after_validation(run *r, const split_metrics *train, const split_metrics *val, double *u_a,
                                    double *u_b, double *delta) {
    (void)r;
    (void)train;
    miles_utilization(val->metric[MT_HEAD_FUSED], val->metric[MT_HEAD_A], val->metric[MT_HEAD_B], u_a, u_b, delta);
    return 0;
}

const method_ops method_vanilla = {
    .name = "vanilla",
    .loss_weights = vanilla_weights,
    .after_validation = vanilla_after_validation,
};
