/* miles.c - the MILES learning-rate scheduler (Guerra-Manzanares & Shamout, Algorithm 1).
 *
 * Trains with Eq. 3 (fused + both auxiliary losses). After each epoch's evaluation it computes
 * the conditional utilization rates from validation metrics (or training metrics, the paper's
 * Table VI ablation) and sets the encoders' LRs for the next epoch through miles_decide(). The
 * fusion group (fusion layer and heads) stays at alpha throughout; with
 * method.lr_follows = encoder_and_head, each auxiliary head moves with its encoder (the model is
 * built with heads_follow_encoders for that).
 */
#include <stdio.h>

#include "method.h"
#include "miles_rule.h"

static int miles_after_validation(run *r, const split_metrics *train, const split_metrics *val, double *u_a,
                                  double *u_b, double *delta) {
    const split_metrics *m = cfg_str(r->cfg, "method.metrics_from")[0] == 't' ? train : val;
    double cur_a, cur_b;
    if (mt_group_get_lr(r->model, MT_GROUP_A, &cur_a) || mt_group_get_lr(r->model, MT_GROUP_B, &cur_b)) {
        snprintf(r->err, sizeof r->err, "miles: %s", mt_last_error());
        return -1;
    }
    miles_decision d = miles_decide(m->metric[MT_HEAD_FUSED], m->metric[MT_HEAD_A], m->metric[MT_HEAD_B],
                                    cfg_double(r->cfg, "method.tau"), cfg_double(r->cfg, "method.mu"), r->base_lr,
                                    cur_a, cur_b, cfg_str(r->cfg, "method.reading")[0] == 'l');
    *u_a = d.u_a;
    *u_b = d.u_b;
    *delta = d.delta;
    if (mt_group_set_lr(r->model, MT_GROUP_A, d.lr_a) || mt_group_set_lr(r->model, MT_GROUP_B, d.lr_b)) {
        snprintf(r->err, sizeof r->err, "miles: %s", mt_last_error());
        return -1;
    }
    return 0;
}

const method_ops method_miles = {
    .name = "miles",
    .after_validation = miles_after_validation,
};
