/* json.c - jansson with file errors, atomic saves and NaN as null; see json.h. */
#define _POSIX_C_SOURCE 200809L
#include "core/json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/runfiles.h"

#define DUMP_FLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(17))

static json_t *parse_error(const char *name, const json_error_t *je, char *err, size_t errlen) {
    snprintf(err, errlen, "%s:%d:%d: %s", name, je->line, je->column, je->text);
    return NULL;
}

json_t *json_load_text(const char *text, const char *name, char *err, size_t errlen) {
    json_error_t je;
    /* Duplicate keys are refused: a file we wrote never has them, a hand-edited one that does is
     * ambiguous. */
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    return root ? root : parse_error(name, &je, err, errlen);
}

json_t *json_load_bytes(const char *buf, size_t len, const char *name, char *err, size_t errlen) {
    json_error_t je;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    return root ? root : parse_error(name, &je, err, errlen);
}

json_t *json_load_path(const char *path, int *missing, char *err, size_t errlen) {
    if (missing) *missing = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (missing) *missing = errno == ENOENT;
        snprintf(err, errlen, "%s: %s", path, errno == ENOENT ? "not found" : strerror(errno));
        return NULL;
    }
    json_error_t je;
    json_t *root = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        json_decref(root);
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    return root ? root : parse_error(path, &je, err, errlen);
}

char *json_to_text(const json_t *root) {
    char *s = json_dumps(root, DUMP_FLAGS);
    if (!s) return NULL;
    /* A trailing newline, as text files have. */
    size_t n = strlen(s);
    char *t = realloc(s, n + 2);
    if (!t) {
        free(s);
        return NULL;
    }
    t[n] = '\n';
    t[n + 1] = 0;
    return t;
}

ml_status json_save_path(const char *path, const json_t *root, char *err, size_t errlen) {
    char *text = json_to_text(root);
    if (!text) {
        snprintf(err, errlen, "%s: out of memory", path);
        return ML_ERUNTIME;
    }
    int rc = write_file_atomic(path, text, strlen(text), err, errlen);
    free(text);
    return rc ? ML_ERUNTIME : ML_OK;
}

json_t *json_number_or_null(double v) { return isfinite(v) ? json_real(v) : json_null(); }

const char *json_get_str(const json_t *obj, const char *key, const char *fallback) {
    const json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : fallback;
}

double json_get_num(const json_t *obj, const char *key, double fallback) {
    const json_t *v = json_object_get(obj, key);
    if (json_is_null(v)) return NAN;
    return json_is_number(v) ? json_number_value(v) : fallback;
}

long long json_get_int(const json_t *obj, const char *key, long long fallback) {
    const json_t *v = json_object_get(obj, key);
    return json_is_integer(v) ? (long long)json_integer_value(v) : fallback;
}
