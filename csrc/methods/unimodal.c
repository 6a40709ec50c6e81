/* unimodal.c - one encoder and its head trained alone (Table I, and MSLR's unimodal LRs).
 *
 * The model keeps both encoders so that data, checkpoints and outputs are those of every other
 * method, but only the chosen modality's head carries a loss, the other encoder is frozen, and
 * the best epoch is chosen on that head's validation metric (summary.json: selection_head,
 * val_metric_selected, test_metric_selected). A frozen encoder with no loss on its path is not
 * run in training (mt_train_step skips it), so an epoch costs the trained encoder's compute and
 * evaluation; the training-split metrics of the fused head and the other head (epochs.csv)
 * are then those of zero features for the frozen modality, meaningless as they were before.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "methods/method.h"
#include "methods/shared.h"

static int chosen(const config *cfg) { return strcmp(cfg_str(cfg, "method.modality"), "b") == 0 ? 1 : 0; }

static ml_status unimodal_adjust_spec(const config *cfg, mt_model_spec *spec, char *err, size_t errlen) {
    (void)cfg;
    return needs_aux_heads(spec, "method unimodal trains an auxiliary head alone", err, errlen);
}

static ml_status unimodal_init(run *r) {
    int m = chosen(r->cfg);
    r->select_head = MT_HEAD_A + m;
    if (mt_group_freeze(r->model, m == 0 ? MT_GROUP_B : MT_GROUP_A, 1)) {
        snprintf(r->err, sizeof r->err, "unimodal: %s", mt_last_error());
        return ML_ERUNTIME;
    }
    return ML_OK;
}

static void unimodal_weights(run *r, float w[MT_NUM_HEADS]) {
    int m = chosen(r->cfg);
    w[MT_HEAD_FUSED] = 0;
    w[MT_HEAD_A] = m == 0 ? 1.0f : 0.0f;
    w[MT_HEAD_B] = m == 1 ? 1.0f : 0.0f;
}

const method_ops method_unimodal = {
    .name = "unimodal",
    .adjust_spec = unimodal_adjust_spec,
    .init = unimodal_init,
    .loss_weights = unimodal_weights,
};
