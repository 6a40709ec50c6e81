/* columns.c - names of the epochs.csv columns, lookup by name, and the reader; see columns.h. */
#define _POSIX_C_SOURCE 200809L /* getline */
#include "core/columns.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

static const char *const names[] = {
#define X(id, name) name,
    MILES_EPOCH_COLUMNS(X)
#undef X
};

static const char header[] =
#define X(id, name) "," name
    MILES_EPOCH_COLUMNS(X)
#undef X
    ;

const char *epochs_column_name(epoch_column c) { return c >= 0 && c < COL_COUNT ? names[c] : NULL; }

/* header[] starts with the comma that precedes the first name. */
const char *epochs_header(void) { return header + 1; }

int epochs_column_find(const char *line, const char *name) {
    size_t n = strlen(name);
    int col = 0;
    for (const char *p = line;; col++) {
        size_t len = strcspn(p, ",\r\n");
        if (len == n && !strncmp(p, name, n)) return col;
        if (p[len] != ',') return -1;
        p += len + 1;
    }
}

/* The index of each wanted column in the header line; ML_EDATA naming the first one missing. */
static ml_status find_columns(const char *header, const char *const *names, int n, int *idx, const char *path,
                              char *err, size_t errlen) {
    for (int c = 0; c < n; c++)
        if ((idx[c] = epochs_column_find(header, names[c])) < 0) {
            snprintf(err, errlen, "%s: expected a column %s in the header", path, names[c]);
            return ML_EDATA;
        }
    return ML_OK;
}

/* Field k of a CSV line (no quoting: epochs.csv holds numbers) as a number; NaN when it is
 * empty, absent or not a number. */
static double field_value(const char *line, int k) {
    const char *p = line;
    for (int i = 0; i < k && p; i++) {
        p = strchr(p, ',');
        if (p) p++;
    }
    if (!p) return NAN;
    char *end;
    double v = strtod(p, &end);
    return end != p && (*end == ',' || *end == '\r' || *end == '\n' || !*end) ? v : NAN;
}

static ml_status add_row(epochs_table *t, const char *line, const int *idx, int *cap) {
    if (t->n_rows == *cap) {
        int grown = *cap ? 2 * *cap : 64;
        double *v = realloc(t->v, sizeof *v * (size_t)grown * (size_t)t->n_cols);
        if (!v) return ML_ERUNTIME;
        t->v = v;
        *cap = grown;
    }
    double *row = t->v + (size_t)t->n_rows * (size_t)t->n_cols;
    for (int c = 0; c < t->n_cols; c++) row[c] = field_value(line, idx[c]);
    t->n_rows++;
    return ML_OK;
}

ml_status epochs_read(const char *dir, const char *const *names, int n, epochs_table *t, char *err, size_t errlen) {
    char path[ML_PATH_MAX];
    memset(t, 0, sizeof *t);
    t->n_cols = n;
    if (path_join(path, sizeof path, dir, "epochs.csv"))
        return snprintf(err, errlen, "%.300s/epochs.csv: path too long", dir), ML_EINVAL;
    FILE *f = fopen(path, "r");
    if (!f) return snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno)), ML_EDATA;
    char *line = NULL;
    size_t cap_line = 0;
    int *idx = calloc((size_t)n + 1, sizeof *idx), cap = 0;
    ml_status rc = idx ? ML_OK : ML_ERUNTIME;
    if (rc == ML_OK) rc = getline(&line, &cap_line, f) < 0 ? ML_EDATA : ML_OK;
    if (rc == ML_EDATA) snprintf(err, errlen, "%s: expected a header line, found an empty file", path);
    if (rc == ML_OK) rc = find_columns(line, names, n, idx, path, err, errlen);
    while (rc == ML_OK && getline(&line, &cap_line, f) >= 0)
        if (line[strspn(line, "\r\n")]) rc = add_row(t, line, idx, &cap);
    if (rc == ML_ERUNTIME) snprintf(err, errlen, "%s: out of memory", path);
    if (rc == ML_OK && ferror(f)) rc = ML_EDATA, snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
    free(line);
    free(idx);
    fclose(f);
    if (rc != ML_OK) epochs_table_free(t);
    return rc;
}

void epochs_table_free(epochs_table *t) {
    free(t->v);
    t->v = NULL;
    t->n_rows = 0;
}
