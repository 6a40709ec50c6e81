/* mses.c - modality-specific early stopping (Fujimori et al., ACPR 2019), as reconstructed in
 * from the paper's text (no public code exists): the rule is the one described below.
 *
 * Trains with Eq. 3. After each validation every modality still training checks its own head's
 * metric: an improvement snapshots its encoder and head; `patience` epochs without one restore
 * that snapshot and freeze them (no updates, batch norm in eval mode). The fusion head trains
 * on to the last epoch. Each auxiliary head lives in its encoder's group, so one snapshot and
 * one freeze cover both; snapshots and frozen flags travel in the checkpoint.
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/util.h"
#include "methods/method.h"
#include "methods/rules.h"
#include "methods/shared.h"

static ml_status mses_adjust_spec(const config *cfg, mt_model_spec *spec, char *err, size_t errlen) {
    (void)cfg;
    if (needs_aux_heads(spec, "method mses needs the auxiliary heads (it stops each modality on its own head's metric)",
                        err, errlen))
        return ML_EINVAL;
    spec->heads_follow_encoders = 1;
    return ML_OK;
}

static ml_status mses_start(run *r) {
    mses_state *s = calloc(2, sizeof *s);
    if (!s) {
        snprintf(r->err, sizeof r->err, "out of memory");
        return ML_ERUNTIME;
    }
    mses_init(&s[0]);
    mses_init(&s[1]);
    r->state = s;
    return ML_OK;
}

static void mses_fini(run *r) {
    free(r->state);
    r->state = NULL;
}

static void mses_weights(run *r, float w[MT_NUM_HEADS]) {
    mses_state *s = r->state;
    w[MT_HEAD_FUSED] = 1;
    w[MT_HEAD_A] = s[0].stopped ? 0.0f : 1.0f;
    w[MT_HEAD_B] = s[1].stopped ? 0.0f : 1.0f;
}

static ml_status mses_after_validation(run *r, const split_metrics *train, const split_metrics *val, double *u_a,
                                       double *u_b, double *delta) {
    mses_state *s = r->state;
    int patience = (int)cfg_int(r->cfg, "method.patience"), min_epochs = (int)cfg_int(r->cfg, "method.min_epochs");
    double min_delta = cfg_double(r->cfg, "method.min_delta");
    for (int m = 0; m < 2; m++) {
        mses_action a = mses_update(&s[m], val->metric[MT_HEAD_A + m], r->epoch + 1, patience, min_delta, min_epochs);
        mt_status st = MT_OK;
        if (a == MSES_IMPROVED) st = mt_group_snapshot(r->model, MT_GROUP_A + m);
        if (a == MSES_STOP) {
            st = mt_group_restore(r->model, MT_GROUP_A + m);
            if (st == MT_OK) st = mt_group_freeze(r->model, MT_GROUP_A + m, 1);
        }
        if (st != MT_OK) {
            snprintf(r->err, sizeof r->err, "mses: %s", mt_last_error());
            return ML_ERUNTIME;
        }
    }
    return log_utilization(r, train, val, u_a, u_b, delta);
}

static void mses_columns(run *r, double *v) {
    mses_state *s = r->state;
    v[0] = s[0].stopped;
    v[1] = s[1].stopped;
}

static void mses_save(run *r, strbuf *out) {
    mses_state *s = r->state;
    char b0[32], b1[32];
    sb_printf(out, "%s %d %d %s %d %d", format_double(b0, sizeof b0, s[0].best), s[0].bad, s[0].stopped,
              format_double(b1, sizeof b1, s[1].best), s[1].bad, s[1].stopped);
}

static ml_status mses_load(run *r, const char *buf) {
    mses_state *s = r->state;
    char b0[64], b1[64];
    if (sscanf(buf, "%63s %d %d %63s %d %d", b0, &s[0].bad, &s[0].stopped, b1, &s[1].bad, &s[1].stopped) != 6) {
        snprintf(r->err, sizeof r->err, "mses: unreadable method state '%.200s'", buf);
        return ML_ERUNTIME;
    }
    s[0].best = strtod(b0, NULL);
    s[1].best = strtod(b1, NULL);
    return ML_OK;
}

const method_ops method_mses = {
    .name = "mses",
    .adjust_spec = mses_adjust_spec,
    .init = mses_start,
    .fini = mses_fini,
    .loss_weights = mses_weights,
    .after_validation = mses_after_validation,
    .n_columns = 2,
    .column_names = {"mses_stopped_a", "mses_stopped_b"},
    .columns = mses_columns,
    .save_state = mses_save,
    .load_state = mses_load,
};
