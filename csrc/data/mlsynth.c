/* mlsynth.c - the multi-label text + image layout -> the HDF5 cache; see mlsynth.h. */
#define _POSIX_C_SOURCE 200809L /* getline, strdup */
#include "data/mlsynth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "data/dataset.h"
#include "data/errfmt.h"
#include "data/npy.h"

#define MLSYNTH_MAX_LABELS 1024

typedef struct {
    char *names[MLSYNTH_MAX_LABELS];
    int k;
} label_set;

static void labels_free(label_set *l) {
    for (int i = 0; i < l->k; i++) free(l->names[i]);
    l->k = 0;
}

/* Strips a trailing "\n" or "\r\n". */
static size_t chomp(char *line, ssize_t n) {
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
    return (size_t)n;
}

/* DIR/labels.txt: one name a line, no commas, no repeats. */
static ml_status read_labels(const char *dir, label_set *l, char *err, size_t errlen) {
    char path[ML_PATH_MAX];
    if (path_join(path, sizeof path, dir, "labels.txt"))
        return seterr(err, errlen, "%s: path too long", dir), ML_EINVAL;
    FILE *f = fopen(path, "r");
    if (!f) return seterr(err, errlen, "%s: cannot open: %s", path, strerror(errno)), ML_EDATA;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    ml_status st = ML_OK;
    for (int lineno = 1; st == ML_OK && (n = getline(&line, &cap, f)) >= 0; lineno++) {
        if (!chomp(line, n)) continue;
        int dup = 0;
        for (int i = 0; i < l->k; i++) dup |= !strcmp(l->names[i], line);
        if (strchr(line, ',') || dup || l->k == MLSYNTH_MAX_LABELS) {
            seterr(err, errlen, "%s: line %d: expected a new label name without commas (at most %d), found '%s'", path,
                   lineno, MLSYNTH_MAX_LABELS, line);
            st = ML_EDATA;
        } else if (!(l->names[l->k++] = strdup(line))) {
            seterr(err, errlen, "out of memory");
            st = ML_ERUNTIME;
        }
    }
    free(line);
    fclose(f);
    if (st == ML_OK && l->k == 0)
        seterr(err, errlen, "%s: expected at least one label name, found none", path), st = ML_EDATA;
    return st;
}

/* One TSV line's label field ("a,c" or "") as a multi-hot row. */
static ml_status parse_label_field(const label_set *l, char *field, float *row, const char *path, int lineno, char *err,
                                   size_t errlen) {
    memset(row, 0, sizeof(float) * (size_t)l->k);
    if (!*field) return ML_OK;
    char *save = NULL;
    for (char *tok = strtok_r(field, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int j = -1;
        for (int i = 0; i < l->k && j < 0; i++)
            if (!strcmp(l->names[i], tok)) j = i;
        if (j < 0) {
            seterr(err, errlen, "%s: line %d: expected a label of labels.txt, found '%s'", path, lineno, tok);
            return ML_EDATA;
        }
        row[j] = 1.0f;
    }
    return ML_OK;
}

/* Grows a split's token and target arrays to hold row n. */
static int reserve_rows(ds_split *sp, int64_t n, int64_t *cap, int k, int max_len) {
    if (n < *cap) return 0;
    int64_t grown = *cap ? 2 * *cap : 64;
    void *x = realloc(sp->x[0].data, (size_t)grown * 2 * (size_t)max_len * sizeof(int32_t));
    if (x) sp->x[0].data = x;
    float *y = realloc(sp->targets, (size_t)grown * (size_t)k * sizeof(float));
    if (y) sp->targets = y;
    if (!x || !y) return -1;
    *cap = grown;
    return 0;
}

/* One "labels<TAB>text" line into row n of sp. */
static ml_status read_row(const label_set *l, char *line, int64_t n, ds_split *sp, const mlsynth_options *o,
                          const char *path, int lineno, char *err, size_t errlen) {
    char *tab = strchr(line, '\t');
    if (!tab) {
        seterr(err, errlen, "%s: line %d: expected 'labels<TAB>text', found no tab", path, lineno);
        return ML_EDATA;
    }
    *tab = 0;
    ml_status st = parse_label_field(l, line, sp->targets + (size_t)n * (size_t)l->k, path, lineno, err, errlen);
    if (st != ML_OK) return st;
    int32_t *ids = (int32_t *)sp->x[0].data + (size_t)n * 2 * (size_t)o->max_len;
    char msg[512];
    st = o->encode(o->encode_ctx, tab + 1, strlen(tab + 1), o->max_len, ids, ids + o->max_len, msg, sizeof msg);
    if (st != ML_OK) seterr(err, errlen, "%s: line %d: %s", path, lineno, msg);
    return st;
}

/* DIR/S.tsv: the text's tokens as modality A and the targets. */
static ml_status read_tsv(const char *dir, int s, const label_set *l, const mlsynth_options *o, ds_split *sp, char *err,
                          size_t errlen) {
    char name[32], path[ML_PATH_MAX];
    snprintf(name, sizeof name, "%s.tsv", split_names[s]);
    if (path_join(path, sizeof path, dir, name)) return seterr(err, errlen, "%s: path too long", dir), ML_EINVAL;
    FILE *f = fopen(path, "r");
    if (!f) return seterr(err, errlen, "%s: cannot open: %s", path, strerror(errno)), ML_EDATA;
    sp->x[0] = (ds_modality){.dtype = DS_I32, .c = 2, .h = 1, .w = o->max_len};
    sp->x[0].sample_bytes = 2 * (size_t)o->max_len * sizeof(int32_t);
    char *line = NULL;
    size_t cap_line = 0;
    int64_t cap = 0;
    ssize_t n;
    ml_status st = ML_OK;
    for (int lineno = 1; st == ML_OK && (n = getline(&line, &cap_line, f)) >= 0; lineno++) {
        if (!chomp(line, n)) continue;
        if (reserve_rows(sp, sp->n, &cap, l->k, o->max_len)) {
            seterr(err, errlen, "%s: out of memory", path);
            st = ML_ERUNTIME;
        } else if ((st = read_row(l, line, sp->n, sp, o, path, lineno, err, errlen)) == ML_OK) {
            sp->n++;
        }
    }
    free(line);
    fclose(f);
    return st;
}

/* DIR/S_b.npy: N rows of modality B, as many as the TSV has. */
static ml_status read_b(const char *dir, int s, ds_split *sp, char *err, size_t errlen) {
    char name[32], path[ML_PATH_MAX];
    snprintf(name, sizeof name, "%s_b.npy", split_names[s]);
    if (path_join(path, sizeof path, dir, name)) return seterr(err, errlen, "%s: path too long", dir), ML_EINVAL;
    npy_array a;
    if (npy_read(path, &a, err, errlen)) return ML_EDATA;
    int ok = (a.ndim == 4 || a.ndim == 2) && a.shape[0] == sp->n && (a.dtype == NPY_U1 || a.dtype == NPY_F4);
    if (!ok) {
        seterr(err, errlen,
               "%s: expected uint8 or float32 [N, C, H, W] or [N, D] with N = %lld (the rows of %s.tsv), "
               "found %s of %d dimensions, N = %lld",
               path, (long long)sp->n, split_names[s], npy_dtype_name(a.dtype), a.ndim, (long long)a.shape[0]);
        npy_free(&a);
        return ML_EDATA;
    }
    ds_modality *x = &sp->x[1];
    x->dtype = a.dtype == NPY_U1 ? DS_U8 : DS_F32;
    x->c = a.ndim == 4 ? (int)a.shape[1] : 1;
    x->h = a.ndim == 4 ? (int)a.shape[2] : 1;
    x->w = a.ndim == 4 ? (int)a.shape[3] : (int)a.shape[1];
    x->sample_bytes = (size_t)x->c * (size_t)x->h * (size_t)x->w * ds_elem_size(x->dtype);
    x->data = a.data; /* the dataset owns it now */
    return ML_OK;
}

/* The class_names attribute: the labels joined by commas. */
static char *join_labels(const label_set *l) {
    size_t len = 1;
    for (int i = 0; i < l->k; i++) len += strlen(l->names[i]) + 1;
    char *s = malloc(len), *p = s;
    if (!s) return NULL;
    for (int i = 0; i < l->k; i++) p += sprintf(p, "%s%s", i ? "," : "", l->names[i]);
    *p = 0;
    return s;
}

static ml_status fill_dataset(const char *dir, const label_set *l, const mlsynth_options *o, dataset *d, char *err,
                              size_t errlen) {
    snprintf(d->name, sizeof d->name, "mlsynth");
    snprintf(d->metric, sizeof d->metric, "f1_micro");
    snprintf(d->modality[0], sizeof d->modality[0], "text");
    snprintf(d->modality[1], sizeof d->modality[1], "image");
    d->num_classes = l->k;
    d->multilabel = 1;
    d->recipe_version = 1;
    if (!(d->class_names = join_labels(l)) || !(d->recipe = strdup(o->recipe ? o->recipe : "mlsynth"))) {
        seterr(err, errlen, "out of memory");
        return ML_ERUNTIME;
    }
    for (int s = 0; s < NUM_SPLITS; s++) {
        ml_status st = read_tsv(dir, s, l, o, &d->split[s], err, errlen);
        if (st == ML_OK) st = read_b(dir, s, &d->split[s], err, errlen);
        if (st != ML_OK) return st;
        if (o->verbose) printf("%s: %lld rows\n", split_names[s], (long long)d->split[s].n);
    }
    return ML_OK;
}

ml_status mlsynth_prepare(const char *dir, const char *out, const mlsynth_options *o, char *err, size_t errlen) {
    if (o->max_len < 2 || !o->encode) {
        seterr(err, errlen, "max_len: expected at least 2 tokens ([CLS] and [SEP]), found %d", o->max_len);
        return ML_EINVAL;
    }
    label_set l = {0};
    dataset d;
    memset(&d, 0, sizeof d);
    ml_status st = read_labels(dir, &l, err, errlen);
    if (st == ML_OK) st = fill_dataset(dir, &l, o, &d, err, errlen);
    if (st == ML_OK) st = dataset_save(out, &d, err, errlen);
    /* dataset_save's ML_EINVAL is a layout that does not add up (an empty train split). */
    if (st == ML_EINVAL) st = ML_EDATA;
    labels_free(&l);
    dataset_free(&d);
    return st;
}
