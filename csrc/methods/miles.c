/* miles.c - the MILES learning-rate scheduler (Guerra-Manzanares & Shamout, Algorithm 1).
 *
 * Trains with Eq. 3 (fused + both auxiliary losses). After each epoch's evaluation it computes
 * the conditional utilization rates from validation metrics (or training metrics, the paper's
 * Table VI ablation) and sets the encoders' LRs for the next epoch through miles_decide(). The
 * fusion group (fusion layer and heads) stays at alpha throughout; with
 * method.lr_follows = encoder_and_head, each auxiliary head moves with its encoder.
 */
#include <stdio.h>
#include <string.h>

#include "methods/method.h"
#include "methods/miles_rule.h"
#include "methods/shared.h"

static ml_status miles_adjust_spec(const config *cfg, mt_model_spec *spec, char *err, size_t errlen) {
    if (needs_aux_heads(spec, "method miles needs the auxiliary heads (Eq. 3)", err, errlen)) return ML_EINVAL;
    spec->heads_follow_encoders = strcmp(cfg_str(cfg, "method.lr_follows"), "encoder_and_head") == 0;
    return ML_OK;
}

static ml_status miles_after_validation(run *r, const split_metrics *train, const split_metrics *val, double *u_a,
                                        double *u_b, double *delta) {
    const split_metrics *m = strcmp(cfg_str(r->cfg, "method.metrics_from"), "train") == 0 ? train : val;
    double cur_a, cur_b;
    if (mt_group_get_lr(r->model, MT_GROUP_A, &cur_a) || mt_group_get_lr(r->model, MT_GROUP_B, &cur_b)) {
        snprintf(r->err, sizeof r->err, "miles: %s", mt_last_error());
        return ML_ERUNTIME;
    }
    miles_decision d = miles_decide(m->metric[MT_HEAD_FUSED], m->metric[MT_HEAD_A], m->metric[MT_HEAD_B],
                                    cfg_double(r->cfg, "method.tau"), cfg_double(r->cfg, "method.mu"), r->base_lr,
                                    cur_a, cur_b, strcmp(cfg_str(r->cfg, "method.reading"), "literal") == 0);
    *u_a = d.u_a;
    *u_b = d.u_b;
    *delta = d.delta;
    ml_status st = set_lr_or_fail(r, MT_GROUP_A, d.lr_a);
    return st != ML_OK ? st : set_lr_or_fail(r, MT_GROUP_B, d.lr_b);
}

const method_ops method_miles = {
    .name = "miles",
    .adjust_spec = miles_adjust_spec,
    .after_validation = miles_after_validation,
};
