/* gblend.c - Gradient-Blending (Wang, Tran, Feiszli, CVPR 2020).
 *
 * A share of the training split (method.holdout, default 8%) is held out as V and never
 * trained on. An estimate copies the model once per head (fused, A, B), trains each copy for
 * super_epoch epochs on that head's loss alone (a unimodal head trains its encoder and head;
 * the fused head the naive joint model), measures each head's loss on the training rows T and
 * on V before and after, and sets w_i proportional to dG_i / dO_i^2 (rules.h: gblend_weights).
 * The main model then trains on sum_i w_i L_i. Offline: one estimate from the initial model;
 * online: a new estimate at the start of every super-epoch. The copies' epochs are counted in
 * run->extra_epochs and reported.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "data/batcher.h"
#include "methods/method.h"
#include "methods/rules.h"
#include "methods/shared.h"

typedef struct {
    int have; /* weights estimated */
    int estimates;
    double w[3];
    double dG[3], dO[3];
    int64_t *v_idx; /* held-out rows of the train split */
    int64_t n_v;
} gblend_state;

static ml_status gblend_adjust_spec(const config *cfg, mt_model_spec *spec, char *err, size_t errlen) {
    (void)cfg;
    return needs_aux_heads(spec, "method gblend blends the auxiliary heads' losses", err, errlen);
}

static ml_status gblend_init(run *r) {
    gblend_state *s = calloc(1, sizeof *s);
    if (!s || !(s->v_idx = malloc(sizeof(int64_t) * (size_t)(r->n_train + 1)))) {
        free(s);
        snprintf(r->err, sizeof r->err, "out of memory");
        return ML_ERUNTIME;
    }
    r->state = s;
    for (int i = 0; i < 3; i++) s->w[i] = 1.0 / 3.0;
    /* V: a seeded random share of the training rows; T: the rest, which the main model trains on. */
    int64_t n = r->n_train;
    int64_t nv = (int64_t)llround(cfg_double(r->cfg, "method.holdout") * (double)n);
    if (nv < 1 || nv >= n) {
        snprintf(r->err, sizeof r->err,
                 "method.holdout: %g of %lld training rows leaves no held-out or no training "
                 "rows",
                 cfg_double(r->cfg, "method.holdout"), (long long)n);
        return ML_EINVAL;
    }
    int64_t *perm = malloc(sizeof(int64_t) * (size_t)n);
    if (!perm) {
        snprintf(r->err, sizeof r->err, "out of memory");
        return ML_ERUNTIME;
    }
    shuffle_order(perm, n, (uint64_t)cfg_int(r->cfg, "train.seed"), 0x6B1E4Dull);
    int64_t *t = r->train_idx, nt = 0;
    for (int64_t i = 0; i < nv; i++) s->v_idx[i] = t[perm[i]];
    /* Rebuild T in ascending order from the rows not in V. */
    char *in_v = calloc((size_t)n, 1);
    if (!in_v) {
        free(perm);
        snprintf(r->err, sizeof r->err, "out of memory");
        return ML_ERUNTIME;
    }
    for (int64_t i = 0; i < nv; i++) in_v[perm[i]] = 1;
    for (int64_t i = 0; i < n; i++)
        if (!in_v[i]) t[nt++] = t[i];
    r->n_train = nt;
    s->n_v = nv;
    free(in_v);
    free(perm);
    return ML_OK;
}

static void gblend_fini(run *r) {
    gblend_state *s = r->state;
    if (s) free(s->v_idx);
    free(s);
    r->state = NULL;
}

static ml_status estimate(run *r, gblend_state *s) {
    int n = (int)cfg_int(r->cfg, "method.super_epoch");
    double vb[3], tb[3], va[3], ta[3];
    for (int h = 0; h < MT_NUM_HEADS; h++) {
        mt_model *c = NULL;
        if (mt_model_clone(r->model, &c)) {
            snprintf(r->err, sizeof r->err, "gblend: %s", mt_last_error());
            return ML_ERUNTIME;
        }
        float w[MT_NUM_HEADS] = {0, 0, 0};
        w[h] = 1;
        split_metrics m;
        ml_status rc = run_evaluate(r, c, SPLIT_TRAIN, r->train_idx, r->n_train, &m);
        tb[h] = m.head_loss[h];
        if (!rc) rc = run_evaluate(r, c, SPLIT_TRAIN, s->v_idx, s->n_v, &m);
        vb[h] = m.head_loss[h];
        for (int k = 0; !rc && k < n; k++)
            rc = run_train_pass(r, c, w, r->train_idx, r->n_train,
                                (uint64_t)(1000000 + s->estimates * 10000 + h * 1000 + k), &m);
        if (!rc) rc = run_evaluate(r, c, SPLIT_TRAIN, r->train_idx, r->n_train, &m);
        ta[h] = m.head_loss[h];
        if (!rc) rc = run_evaluate(r, c, SPLIT_TRAIN, s->v_idx, s->n_v, &m);
        va[h] = m.head_loss[h];
        mt_model_free(c);
        if (rc != ML_OK) return rc;
    }
    gblend_gains(vb, tb, va, ta, s->dG, s->dO);
    gblend_weights(s->dG, s->dO, strcmp(cfg_str(r->cfg, "method.negative_gain"), "zero") == 0,
                   cfg_double(r->cfg, "method.eps"), s->w);
    r->extra_epochs += 3LL * n;
    s->estimates++;
    s->have = 1;
    return ML_OK;
}

static ml_status gblend_epoch_begin(run *r) {
    gblend_state *s = r->state;
    int online = strcmp(cfg_str(r->cfg, "method.variant"), "online") == 0;
    long long n = cfg_int(r->cfg, "method.super_epoch");
    if (!s->have || (online && r->epoch % n == 0 && r->epoch > 0)) return estimate(r, s);
    return ML_OK;
}

static void gblend_weights_hook(run *r, float w[MT_NUM_HEADS]) {
    gblend_state *s = r->state;
    for (int h = 0; h < MT_NUM_HEADS; h++) w[h] = (float)s->w[h];
}

static void gblend_columns(run *r, double *v) {
    gblend_state *s = r->state;
    for (int h = 0; h < MT_NUM_HEADS; h++) v[h] = s->w[h];
}

static void gblend_save(run *r, strbuf *out) {
    gblend_state *s = r->state;
    char w[3][32];
    sb_printf(out, "%d %d %s %s %s", s->have, s->estimates, format_double(w[0], sizeof w[0], s->w[0]),
              format_double(w[1], sizeof w[1], s->w[1]), format_double(w[2], sizeof w[2], s->w[2]));
}

static ml_status gblend_load(run *r, const char *buf) {
    gblend_state *s = r->state;
    if (sscanf(buf, "%d %d %lf %lf %lf", &s->have, &s->estimates, &s->w[0], &s->w[1], &s->w[2]) != 5) {
        snprintf(r->err, sizeof r->err, "gblend: unreadable method state '%.200s'", buf);
        return ML_ERUNTIME;
    }
    return ML_OK;
}

const method_ops method_gblend = {
    .name = "gblend",
    .adjust_spec = gblend_adjust_spec,
    .init = gblend_init,
    .fini = gblend_fini,
    .epoch_begin = gblend_epoch_begin,
    .loss_weights = gblend_weights_hook,
    .after_validation = log_utilization,
    .n_columns = 3,
    .column_names = {"gblend_w_fused", "gblend_w_a", "gblend_w_b"},
    .columns = gblend_columns,
    .save_state = gblend_save,
    .load_state = gblend_load,
};
