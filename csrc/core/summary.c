/* summary.c - summary.json through one field table; see summary.h. */
#define _POSIX_C_SOURCE 200809L
#include "core/summary.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "core/util.h"

typedef enum { F_STR, F_INT, F_NUM } field_kind;

typedef struct {
    const char *key;
    field_kind kind;
    size_t offset, size;
} field;

#define STR(k, m) \
    { k, F_STR, offsetof(run_summary, m), sizeof(((run_summary *)0)->m) }
#define INT(k, m) \
    { k, F_INT, offsetof(run_summary, m), 0 }
#define NUM(k, m) \
    { k, F_NUM, offsetof(run_summary, m), 0 }

static const field fields[] = {
    STR("status", status),
    STR("dataset", dataset),
    STR("metric", metric),
    STR("method", method),
    STR("fusion", fusion),
    INT("epochs", epochs),
    INT("epochs_run", epochs_run),
    INT("extra_epochs", extra_epochs),
    INT("best_epoch", best_epoch),
    STR("selection_head", selection_head),
    NUM("val_metric_fused", val_metric[0]),
    NUM("val_metric_a", val_metric[1]),
    NUM("val_metric_b", val_metric[2]),
    NUM("val_metric_selected", val_metric_selected),
    NUM("test_loss", test_loss),
    NUM("test_metric_fused", test_metric[0]),
    NUM("test_metric_a", test_metric[1]),
    NUM("test_metric_b", test_metric[2]),
    NUM("test_metric_selected", test_metric_selected),
    NUM("test_f1_micro_fused", test_f1[0][0]),
    NUM("test_f1_micro_a", test_f1[1][0]),
    NUM("test_f1_micro_b", test_f1[2][0]),
    NUM("test_f1_macro_fused", test_f1[0][1]),
    NUM("test_f1_macro_a", test_f1[1][1]),
    NUM("test_f1_macro_b", test_f1[2][1]),
    NUM("test_f1_weighted_fused", test_f1[0][2]),
    NUM("test_f1_weighted_a", test_f1[1][2]),
    NUM("test_f1_weighted_b", test_f1[2][2]),
    NUM("test_f1_samples_fused", test_f1[0][3]),
    NUM("test_f1_samples_a", test_f1[1][3]),
    NUM("test_f1_samples_b", test_f1[2][3]),
    NUM("lr", lr),
    STR("modality_a", modality_a),
    STR("modality_b", modality_b),
    STR("config_hash", config_hash),
    STR("dataset_recipe", dataset_recipe),
    STR("device", device),
    STR("torch_version", torch_version),
    STR("miles_version", miles_version),
    STR("commit", commit),
};

const char *const summary_f1_names[F1_COUNT] = {"micro", "macro", "weighted", "samples"};

int summary_f1_find(const char *name) {
    for (int i = 0; i < F1_COUNT; i++)
        if (!strcmp(name, summary_f1_names[i])) return i;
    return -1;
}

void run_summary_init(run_summary *s) {
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        char *p = (char *)s + fields[i].offset;
        if (fields[i].kind == F_INT) *(long long *)p = -1;
        if (fields[i].kind == F_NUM) *(double *)p = NAN;
    }
}

/* DIR/summary.json into path; ML_EINVAL (said in err) when it does not fit. */
static ml_status summary_path(const char *dir, char *path, size_t n, char *err, size_t errlen) {
    if (path_join(path, n, dir, "summary.json") == 0) return ML_OK;
    snprintf(err, errlen, "%.200s...: path too long (more than %zu bytes)", dir, n - 1);
    return ML_EINVAL;
}

/* One field from its JSON value; ML_EDATA (err names the file and the key) when the value has
 * another type, or is a string longer than the field holds (cutting it would change it). */
static ml_status read_field(const field *f, const json_t *v, run_summary *s, const char *path, char *err,
                            size_t errlen) {
    char *p = (char *)s + f->offset;
    if (f->kind == F_STR && json_is_string(v)) {
        size_t len = json_string_length(v);
        if (len < f->size) {
            memcpy(p, json_string_value(v), len + 1);
            return ML_OK;
        }
        snprintf(err, errlen, "%s: %s: expected a string of at most %zu bytes, found %zu", path, f->key, f->size - 1,
                 len);
        return ML_EDATA;
    }
    if (f->kind == F_INT && json_is_integer(v)) {
        *(long long *)p = (long long)json_integer_value(v);
        return ML_OK;
    }
    if (f->kind == F_NUM && (json_is_number(v) || json_is_null(v))) {
        *(double *)p = json_is_null(v) ? NAN : json_number_value(v);
        return ML_OK;
    }
    static const char *const what[] = {"a string", "an integer", "a number or null"};
    snprintf(err, errlen, "%s: %s: expected %s", path, f->key, what[f->kind]);
    return ML_EDATA;
}

ml_status run_summary_read(const char *dir, run_summary *s, int *missing, char *err, size_t errlen) {
    char path[ML_PATH_MAX];
    run_summary_init(s);
    if (missing) *missing = 0;
    ml_status rc = summary_path(dir, path, sizeof path, err, errlen);
    if (rc != ML_OK) return rc;
    json_t *root = json_load_path(path, missing, err, errlen);
    if (!root) return ML_EDATA;
    if (!json_is_object(root)) {
        snprintf(err, errlen, "%s: expected a JSON object", path);
        rc = ML_EDATA;
    }
    for (size_t i = 0; rc == ML_OK && i < sizeof fields / sizeof *fields; i++) {
        const json_t *v = json_object_get(root, fields[i].key);
        if (v) rc = read_field(&fields[i], v, s, path, err, errlen);
    }
    json_decref(root);
    return rc;
}

ml_status run_summary_write(const char *dir, const run_summary *s, char *err, size_t errlen) {
    char path[ML_PATH_MAX];
    if (summary_path(dir, path, sizeof path, err, errlen) != ML_OK) return ML_EINVAL;
    json_t *root = json_object();
    int bad = !root;
    for (size_t i = 0; !bad && i < sizeof fields / sizeof *fields; i++) {
        const field *f = &fields[i];
        const char *p = (const char *)s + f->offset;
        json_t *v = f->kind == F_STR   ? json_string(p)
                    : f->kind == F_INT ? json_integer(*(const long long *)p)
                                       : json_number_or_null(*(const double *)p);
        bad = !v || json_object_set_new(root, f->key, v);
    }
    ml_status rc = ML_ERUNTIME;
    if (bad) snprintf(err, errlen, "%s: out of memory (or a field that is not UTF-8)", path);
    else rc = json_save_path(path, root, err, errlen);
    json_decref(root);
    return rc;
}
