/* export.c - a run's best-epoch model as safetensors; see export.h. */
#include "train/export.h"

#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "core/runfiles.h"
#include "core/util.h"
#include "data/dataset.h"
#include "mt.h"
#include "train/train.h"

/* RUN/config.yaml and the best checkpoint's path from RUN/ckpt/state.txt, its CRC checked. */
static ml_status find_best(const char *run_dir, config *cfg, char *ckpt, size_t ckpt_len, char *err, size_t errlen) {
    char path[ML_PATH_MAX];
    if (path_join(path, sizeof path, run_dir, "config.yaml"))
        return snprintf(err, errlen, "%s: path too long", run_dir), ML_EINVAL;
    if (!path_exists(path)) {
        snprintf(err, errlen, "%s: expected a run directory (config.yaml, ckpt/state.txt), found no config.yaml",
                 run_dir);
        return ML_EINVAL;
    }
    if (config_load(path, NULL, 0, cfg, err, errlen)) return ML_EINVAL;
    run_state st;
    int have = read_run_state(run_dir, &st, err, errlen);
    if (have <= 0) {
        if (have == 0) snprintf(err, errlen, "%s: no finished epoch yet (ckpt/state.txt missing)", run_dir);
        return ML_ERUNTIME;
    }
    ml_status rc = ML_OK;
    if (!st.best_file[0]) {
        snprintf(err, errlen, "%s/ckpt/state.txt: expected a best checkpoint, found none", run_dir);
        rc = ML_ERUNTIME;
    } else if ((st.has_crc & 2) && verify_checkpoint(run_dir, st.best_file, st.best_crc, err, errlen)) {
        rc = ML_ERUNTIME;
    } else if ((size_t)snprintf(ckpt, ckpt_len, "%s/ckpt/%s", run_dir, st.best_file) >= ckpt_len) {
        snprintf(err, errlen, "%s: path too long", run_dir);
        rc = ML_EINVAL;
    }
    run_state_free(&st);
    return rc;
}

ml_status export_run(const char *run_dir, const char *format, const char *out, char *err, size_t errlen) {
    if (strcmp(format, "safetensors") != 0) {
        snprintf(err, errlen, "--format: expected safetensors, found %s", format);
        return ML_EINVAL;
    }
    config cfg;
    char ckpt[ML_PATH_MAX];
    ml_status st = find_best(run_dir, &cfg, ckpt, sizeof ckpt, err, errlen);
    if (st != ML_OK) return st;
    dataset d;
    mt_model *m = NULL;
    /* the shapes and statistics only: the samples are the bulk of the cache and no part of a model */
    st = dataset_load_shapes(cfg_str(&cfg, "dataset.cache"), &d, err, errlen);
    if (st == ML_OK) {
        st = train_create_model(&cfg, &d, &m, err, errlen);
        dataset_free(&d);
    }
    if (st == ML_OK && mt_model_load(m, ckpt) != MT_OK) {
        snprintf(err, errlen, "%s: %s", ckpt, mt_last_error());
        st = ML_ERUNTIME;
    }
    if (st == ML_OK && mt_save_safetensors(m, MT_GROUP_ALL, out) != MT_OK) {
        snprintf(err, errlen, "%s: %s", out, mt_last_error());
        st = ML_ERUNTIME;
    }
    mt_model_free(m);
    config_free(&cfg);
    return st;
}
