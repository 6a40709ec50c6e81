/* mslr.c - modality-specific learning rates (Yao & Mihalcea, Findings of ACL 2022).
 *
 * Keep: each encoder trains at its own best unimodal LR for the whole run. Smooth: those LRs
 * pulled towards a common one (rules.h: mslr_smooth_lrs). Dynamic: after every epoch t each
 * encoder's LR is its initial (keep) LR times M_t / mean(M over the previous w epochs) of its
 * own head's validation metric; the factor multiplies the initial LR and never compounds. The
 * fusion group trains at train.lr (MSLR's additive fusion has no shared layer to take a
 * modality's LR). The per-modality LRs come from method.lr_a/lr_b, or from unimodal results.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "methods/lr_source.h"
#include "methods/method.h"
#include "methods/rules.h"
#include "methods/shared.h"

#define MSLR_MAX_WINDOW 1000

typedef struct {
    double lr0[2];   /* the LRs the run starts from */
    double ratio[2]; /* the factor in force for the next epoch (dynamic) */
    int n_hist;
    double hist[2][MSLR_MAX_WINDOW]; /* the last `window` head metrics per modality */
} mslr_state;

static ml_status mslr_adjust_spec(const config *cfg, mt_model_spec *spec, char *err, size_t errlen) {
    aux_loss_adjust_spec(cfg, spec, err, errlen);
    int follow = strcmp(cfg_str(cfg, "method.lr_follows"), "encoder_and_head") == 0;
    if (follow && !spec->aux_heads) {
        snprintf(err, errlen,
                 "method.lr_follows: encoder_and_head needs auxiliary heads (model.aux_heads and "
                 "method.aux_loss true)");
        return ML_EINVAL;
    }
    spec->heads_follow_encoders = follow;
    return ML_OK;
}

/* The keep LR of one modality: given, or the best of earlier unimodal results. A source that
 * gives no LR is a configuration error (ML_EINVAL). */
static ml_status keep_lr(run *r, int m, double *lr) {
    const char *key = m == 0 ? "method.lr_a" : "method.lr_b";
    const char *from_key = m == 0 ? "method.lr_a_from" : "method.lr_b_from";
    *lr = cfg_double(r->cfg, key);
    if (*lr > 0) return ML_OK;
    const char *from = cfg_str(r->cfg, from_key);
    if (!from[0]) {
        snprintf(r->err, sizeof r->err, "%s: %s needs the LR of modality %s: set %s > 0 or %s", key, r->ops->name,
                 m == 0 ? "A" : "B", key, from_key);
        return ML_EINVAL;
    }
    char chosen[4200], err[1000];
    if (lr_from_results(from, m == 0 ? "a" : "b", lr, chosen, sizeof chosen, err, sizeof err)) {
        snprintf(r->err, sizeof r->err, "%s: %s", from_key, err);
        return ML_EINVAL;
    }
    printf("%s: LR of modality %s = %g, from %s\n", r->ops->name, m == 0 ? "A" : "B", *lr, chosen);
    return ML_OK;
}

static ml_status mslr_init(run *r) {
    mslr_state *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(r->err, sizeof r->err, "out of memory");
        return ML_ERUNTIME;
    }
    r->state = s;
    double keep[2];
    ml_status st = keep_lr(r, 0, &keep[0]);
    if (st == ML_OK) st = keep_lr(r, 1, &keep[1]);
    if (st != ML_OK) return st;
    if (strcmp(r->ops->name, "mslr_smooth") == 0)
        mslr_smooth_lrs(keep[0], keep[1], r->base_lr, strcmp(cfg_str(r->cfg, "method.smooth"), "keep_mean") == 0,
                        &s->lr0[0], &s->lr0[1]);
    else s->lr0[0] = keep[0], s->lr0[1] = keep[1];
    s->ratio[0] = s->ratio[1] = 1;
    st = set_lr_or_fail(r, MT_GROUP_A, s->lr0[0]);
    return st != ML_OK ? st : set_lr_or_fail(r, MT_GROUP_B, s->lr0[1]);
}

static void mslr_fini(run *r) {
    free(r->state);
    r->state = NULL;
}

static ml_status dynamic_after_validation(run *r, const split_metrics *train, const split_metrics *val, double *u_a,
                                          double *u_b, double *delta) {
    mslr_state *s = r->state;
    int w = (int)cfg_int(r->cfg, "method.window");
    if (w > MSLR_MAX_WINDOW) w = MSLR_MAX_WINDOW;
    double clip = cfg_double(r->cfg, "method.clip");
    for (int m = 0; m < 2; m++) {
        double cur = val->metric[MT_HEAD_A + m];
        s->ratio[m] = mslr_dynamic_ratio(s->hist[m], s->n_hist, cur, w, clip);
        ml_status st = set_lr_or_fail(r, MT_GROUP_A + m, s->lr0[m] * s->ratio[m]);
        if (st != ML_OK) return st;
    }
    /* Keep only the last w metrics. */
    if (s->n_hist == w) {
        for (int m = 0; m < 2; m++) memmove(s->hist[m], s->hist[m] + 1, sizeof(double) * (size_t)(w - 1));
        s->n_hist--;
    }
    for (int m = 0; m < 2; m++) s->hist[m][s->n_hist] = val->metric[MT_HEAD_A + m];
    s->n_hist++;
    return log_utilization(r, train, val, u_a, u_b, delta);
}

static void dynamic_columns(run *r, double *v) {
    mslr_state *s = r->state;
    v[0] = s->ratio[0];
    v[1] = s->ratio[1];
}

/* "n ratio_a ratio_b hist_a... hist_b...", every number exact (format_double). */
static void dynamic_save(run *r, strbuf *out) {
    mslr_state *s = r->state;
    char a[32], b[32];
    sb_printf(out, "%d %s %s", s->n_hist, format_double(a, sizeof a, s->ratio[0]),
              format_double(b, sizeof b, s->ratio[1]));
    for (int m = 0; m < 2; m++)
        for (int i = 0; i < s->n_hist; i++) sb_printf(out, " %s", format_double(a, sizeof a, s->hist[m][i]));
}

static ml_status dynamic_load(run *r, const char *buf) {
    mslr_state *s = r->state;
    char first[16];
    size_t len = strcspn(buf, " ");
    long long n;
    if (len >= sizeof first) goto bad;
    memcpy(first, buf, len);
    first[len] = 0;
    if (parse_int(first, 0, MSLR_MAX_WINDOW, &n)) goto bad;
    s->n_hist = (int)n;
    char *end = (char *)buf + len;
    for (int m = 0; m < 2; m++) {
        const char *p = end;
        s->ratio[m] = strtod(p, &end);
        if (end == p) goto bad;
    }
    for (int m = 0; m < 2; m++)
        for (int i = 0; i < s->n_hist; i++) {
            const char *p = end;
            s->hist[m][i] = strtod(p, &end);
            if (end == p) goto bad;
        }
    return ML_OK;
bad:
    snprintf(r->err, sizeof r->err, "mslr_dynamic: unreadable method state '%.200s'", buf);
    return ML_ERUNTIME;
}

const method_ops method_mslr_keep = {
    .name = "mslr_keep",
    .adjust_spec = mslr_adjust_spec,
    .init = mslr_init,
    .fini = mslr_fini,
    .loss_weights = aux_loss_weights,
    .after_validation = log_utilization,
};

const method_ops method_mslr_smooth = {
    .name = "mslr_smooth",
    .adjust_spec = mslr_adjust_spec,
    .init = mslr_init,
    .fini = mslr_fini,
    .loss_weights = aux_loss_weights,
    .after_validation = log_utilization,
};

const method_ops method_mslr_dynamic = {
    .name = "mslr_dynamic",
    .adjust_spec = mslr_adjust_spec,
    .init = mslr_init,
    .fini = mslr_fini,
    .loss_weights = aux_loss_weights,
    .after_validation = dynamic_after_validation,
    .n_columns = 2,
    .column_names = {"mslr_ratio_a", "mslr_ratio_b"},
    .columns = dynamic_columns,
    .save_state = dynamic_save,
    .load_state = dynamic_load,
};
