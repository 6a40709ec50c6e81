/* ogm.c - on-the-fly gradient modulation, OGM and OGM-GE (Peng et al., CVPR 2022).
 *
 * After each backward pass the dominant modality (the one whose unimodal true-class scores sum
 * higher over the batch) has its encoder's convolution-weight gradients scaled by
 * k = 1 - tanh(alpha * rho) (rules.h: ogm_coefficients). OGM-GE then adds Gaussian noise with
 * the std of each unscaled gradient to both encoders, the k = 1 one included, as the OGM-GE
 * reference does. Modulation runs for epochs modulation_start..modulation_end (0-based,
 * inclusive). Scores come from the fusion layer's slices (the reference) or the aux heads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "methods/method.h"
#include "methods/rules.h"
#include "methods/shared.h"

typedef struct {
    double k_sum[2];
    long long batches;
} ogm_state;

static ml_status ogm_adjust_spec(const config *cfg, mt_model_spec *spec, char *err, size_t errlen) {
    aux_loss_adjust_spec(cfg, spec, err, errlen);
    if (strcmp(cfg_str(cfg, "method.scores"), "aux") == 0 && !spec->aux_heads) {
        snprintf(err, errlen,
                 "method.scores: aux needs trained auxiliary heads (model.aux_heads and "
                 "method.aux_loss true), found slice-only model");
        return ML_EINVAL;
    }
    if (cfg_int(cfg, "method.modulation_end") < cfg_int(cfg, "method.modulation_start")) {
        snprintf(err, errlen, "method.modulation_end: expected >= method.modulation_start (%lld), found %lld",
                 cfg_int(cfg, "method.modulation_start"), cfg_int(cfg, "method.modulation_end"));
        return ML_EINVAL;
    }
    return ML_OK;
}

static ml_status ogm_init(run *r) {
    if (!(r->state = calloc(1, sizeof(ogm_state)))) {
        snprintf(r->err, sizeof r->err, "out of memory");
        return ML_ERUNTIME;
    }
    return ML_OK;
}

static void ogm_fini(run *r) {
    free(r->state);
    r->state = NULL;
}

static ml_status ogm_after_backward(run *r, const mt_step_result *res) {
    ogm_state *s = r->state;
    double k[2] = {1, 1};
    int on =
        r->epoch >= cfg_int(r->cfg, "method.modulation_start") && r->epoch <= cfg_int(r->cfg, "method.modulation_end");
    int ge = strcmp(r->ops->name, "ogm_ge") == 0;
    if (on) {
        const double *sc = strcmp(cfg_str(r->cfg, "method.scores"), "aux") == 0 ? res->score_aux : res->score_slice;
        ogm_coefficients(sc[0], sc[1], cfg_double(r->cfg, "method.alpha"),
                         strcmp(cfg_str(r->cfg, "method.rho_one"), "reference") == 0, &k[0], &k[1]);
        double noise = ge ? cfg_double(r->cfg, "method.noise") : 0;
        int all = strcmp(cfg_str(r->cfg, "method.params"), "all") == 0;
        for (int m = 0; m < 2; m++) {
            if (k[m] == 1 && noise == 0) continue;
            if (mt_scale_grad(r->model, MT_GROUP_A + m, k[m], noise, all)) {
                snprintf(r->err, sizeof r->err, "%s: %s", r->ops->name, mt_last_error());
                return ML_ERUNTIME;
            }
        }
    }
    s->k_sum[0] += k[0];
    s->k_sum[1] += k[1];
    s->batches++;
    return ML_OK;
}

/* Mean coefficient per modality over the epoch's batches; starts the next epoch's sums. */
static void ogm_columns(run *r, double *v) {
    ogm_state *s = r->state;
    for (int m = 0; m < 2; m++) v[m] = s->batches ? s->k_sum[m] / (double)s->batches : 1.0;
    memset(s, 0, sizeof *s);
}

/* OGM and OGM-GE differ only in the noise, which ogm_after_backward reads from the name. */
#define OGM_OPS(NAME)                                                                                                \
    {                                                                                                                \
        .name = NAME, .adjust_spec = ogm_adjust_spec, .init = ogm_init, .fini = ogm_fini,                            \
        .loss_weights = aux_loss_weights, .after_backward = ogm_after_backward, .after_validation = log_utilization, \
        .n_columns = 2, .column_names = {"ogm_k_a", "ogm_k_b"}, .columns = ogm_columns,                              \
    }

const method_ops method_ogm = OGM_OPS("ogm");
const method_ops method_ogm_ge = OGM_OPS("ogm_ge");
