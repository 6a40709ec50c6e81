/* encoders.c - BERT fields, pretrained weights and freezing of a run's encoders; see
 * encoders.h. */
#include "train/encoders.h"

#include <stdio.h>
#include <string.h>

static const char *const enc_names[2] = {"a", "b"};

static const char *key_of(char *buf, size_t n, int k, const char *field) {
    snprintf(buf, n, "model.%s.%s", enc_names[k], field);
    return buf;
}

/* The largest token id of a split's modality k (planes: ids first). */
static int32_t max_token_id(const ds_split *sp, int k) {
    const ds_modality *x = &sp->x[k];
    const int32_t *t = x->data;
    int32_t hi = 0;
    for (int64_t i = 0; i < sp->n; i++)
        for (int j = 0; j < x->w; j++) {
            int32_t v = t[(size_t)i * (size_t)x->c * (size_t)x->w + (size_t)j];
            if (v > hi) hi = v;
        }
    return hi;
}

/* A text modality with a BERT whose vocabulary and positions hold every split's tokens, or an
 * image-like modality with a ResNet. */
static ml_status check_pairing(const dataset *d, int k, const mt_encoder_spec *e, const char *key, char *err,
                               size_t errlen) {
    const ds_modality *x = &d->split[SPLIT_TRAIN].x[k];
    mt_encoder_spec r = *e;
    int text = x->dtype == DS_I32;
    /* A spec that does not resolve is mt_model_create's to report, with its own message. */
    if (mt_encoder_resolve(&r) != MT_OK && !text) return ML_OK;
    int bert = r.kind == MT_ENCODER_BERT;
    if (text != bert) {
        snprintf(err, errlen, "%s: modality %s (%s) expected %s encoder, found %s", key, enc_names[k], d->modality[k],
                 text ? "tokens: a BERT" : "images or vectors: a ResNet", e->preset ? e->preset : "custom");
        return ML_EINVAL;
    }
    if (!text) return ML_OK;
    if (x->w > r.bert.max_positions) {
        snprintf(err, errlen, "%s: expected at most %d tokens a sample (max positions), found %d in the dataset", key,
                 r.bert.max_positions, x->w);
        return ML_EINVAL;
    }
    for (int s = 0; s < NUM_SPLITS; s++) {
        /* a cache read for its shapes only (dataset_load_shapes: miles export) has no tokens; the
         * run that wrote the checkpoint checked them */
        if (!d->split[s].x[k].data) continue;
        int32_t hi = max_token_id(&d->split[s], k);
        if (hi >= r.bert.vocab_size) {
            snprintf(err, errlen,
                     "model.%s.vocab_size: expected more than the largest token id of /%s/%s (%d), found %d",
                     enc_names[k], split_names[s], ds_x_name[k], (int)hi, r.bert.vocab_size);
            return ML_EINVAL;
        }
    }
    return ML_OK;
}

ml_status encoders_spec(const config *c, const dataset *d, mt_model_spec *spec, char *err, size_t errlen) {
    char key[64];
    for (int k = 0; k < 2; k++) {
        mt_encoder_spec *e = &spec->enc[k];
        e->bert.vocab_size = (int)cfg_int(c, key_of(key, sizeof key, k, "vocab_size"));
        e->bert.output = strcmp(cfg_str(c, key_of(key, sizeof key, k, "bert_output")), "cls") == 0
                             ? MT_BERT_OUTPUT_CLS
                             : MT_BERT_OUTPUT_POOLER;
        ml_status st = check_pairing(d, k, e, key_of(key, sizeof key, k, "preset"), err, errlen);
        if (st != ML_OK) return st;
    }
    return ML_OK;
}

ml_status encoders_check_method(const config *c, char *err, size_t errlen) {
    const char *method = cfg_str(c, "method.name");
    char key[64];
    for (int k = 0; k < 2; k++)
        if (cfg_int(c, key_of(key, sizeof key, k, "freeze_epochs")) > 0 &&
            (!strcmp(method, "mses") || !strcmp(method, "unimodal"))) {
            snprintf(err, errlen, "%s: expected 0 with method %s (it freezes encoders itself), found %lld", key, method,
                     cfg_int(c, key));
            return ML_EINVAL;
        }
    return ML_OK;
}

ml_status encoders_load_weights(const config *c, mt_model *m, char *err, size_t errlen) {
    char key[64];
    for (int k = 0; k < 2; k++) {
        const char *path = cfg_str(c, key_of(key, sizeof key, k, "weights"));
        if (!*path) continue;
        mt_status st = mt_encoder_load_safetensors(m, k == 0 ? MT_GROUP_A : MT_GROUP_B, path, NULL);
        if (st == MT_OK) continue;
        snprintf(err, errlen, "%s: %s", key, mt_last_error());
        return st == MT_EIO || st == MT_EMISMATCH ? ML_EDATA : ML_ERUNTIME;
    }
    return ML_OK;
}

ml_status encoders_freeze_for_epoch(const config *c, mt_model *m, int e, char *err, size_t errlen) {
    char key[64];
    for (int k = 0; k < 2; k++) {
        long long n = cfg_int(c, key_of(key, sizeof key, k, "freeze_epochs"));
        if (n <= 0 || e > n) continue;
        if (mt_group_freeze(m, k == 0 ? MT_GROUP_A : MT_GROUP_B, e < n)) {
            snprintf(err, errlen, "%s: %s", key, mt_last_error());
            return ML_ERUNTIME;
        }
    }
    return ML_OK;
}
