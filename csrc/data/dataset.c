/* dataset.c - the HDF5 dataset cache (layout in dataset.h): writing, validated loading.
 *
 * Writing: every string attribute is a scalar fixed-length NUL-terminated ASCII string, ints
 * are 32-bit, the statistics are float32 arrays of C. x_a/x_b are contiguous uint8 or float32
 * datasets, y is int64 [N] (or float32 [N, K] when multilabel). mean_a/std_a/mean_b/std_b are
 * written on each split group, all holding the train split's statistics. Object modification
 * times are not recorded, so the same dataset gives a byte-identical file. The file is written
 * to PATH.tmp and renamed, so a killed run never leaves a half cache.
 *
 * Statistics: per channel over every train sample and pixel, uint8 values scaled by 1/255,
 * accumulated in double; std is the population standard deviation (ddof = 0, like numpy's
 * default). A channel that is constant in the train split would have std 0; 1 is stored
 * instead so that (x - mean) / std stays finite.
 *
 * Loading: reads strings stored either fixed-length or variable-length; accepts x stored as
 * uint8 or any HDF5 float type (read as float32), y as any integer type (read as int64). It
 * checks format_version, every attribute, every dataset's rank, type and shape against the
 * others and against /S/y's N, and that labels lie in [0, num_classes). HDF5's own error
 * printing is switched off; every failure is one message "FILE: what: expected ..., found ...".
 */
#define _POSIX_C_SOURCE 200809L
#include "data/dataset.h"
#include "data/cachesum.h"
#include "data/errfmt.h"
#include "data/h5write.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

const char *const split_names[NUM_SPLITS] = {"train", "val", "test"};
const char *const ds_x_name[2] = {"x_a", "x_b"};
const char *const ds_mean_name[2] = {"mean_a", "mean_b"};
const char *const ds_std_name[2] = {"std_a", "std_b"};

static void quiet_hdf5(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

static void *xmalloc(size_t n) { return malloc(n ? n : 1); }

void dataset_free(dataset *d) {
    if (!d) return;
    free(d->class_names);
    free(d->recipe);
    for (int s = 0; s < NUM_SPLITS; s++) {
        free(d->split[s].x[0].data);
        free(d->split[s].x[1].data);
        free(d->split[s].labels);
        free(d->split[s].targets);
    }
    memset(d, 0, sizeof *d);
}

/* ---- small helpers ----------------------------------------------------------------------- */

static void dims_str(char *out, size_t outlen, int rank, const hsize_t *dims) {
    int k = snprintf(out, outlen, "[");
    for (int i = 0; i < rank && k > 0 && (size_t)k < outlen; i++)
        k += snprintf(out + k, outlen - (size_t)k, "%s%llu", i ? ", " : "", (unsigned long long)dims[i]);
    if (k > 0 && (size_t)k < outlen) snprintf(out + k, outlen - (size_t)k, "]");
}

/* "uint8", "int64", "float32", "string", ... for messages. */
static const char *type_str(hid_t t, char *buf, size_t buflen) {
    H5T_class_t c = H5Tget_class(t);
    size_t sz = H5Tget_size(t);
    switch (c) {
    case H5T_INTEGER: snprintf(buf, buflen, "%sint%zu", H5Tget_sign(t) == H5T_SGN_NONE ? "u" : "", sz * 8); break;
    case H5T_FLOAT: snprintf(buf, buflen, "float%zu", sz * 8); break;
    case H5T_STRING: snprintf(buf, buflen, "string"); break;
    case H5T_COMPOUND: snprintf(buf, buflen, "compound"); break;
    case H5T_ARRAY: snprintf(buf, buflen, "array"); break;
    case H5T_ENUM: snprintf(buf, buflen, "enum"); break;
    default: snprintf(buf, buflen, "HDF5 type class %d", (int)c); break;
    }
    return buf;
}

/* ---- writing ----------------------------------------------------------------------------- */

/* Creates dataset NAME and writes all of BUF into it (nothing when it has no rows). */
static int data_write(hid_t loc, const char *name, hid_t ftype, hid_t mtype, int rank, const hsize_t *dims,
                      const void *buf) {
    hid_t d = h5w_dataset_create(loc, name, ftype, rank, dims);
    if (d < 0) return -1;
    int rc = dims[0] > 0 && H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0 ? -1 : 0;
    if (H5Dclose(d) < 0) rc = -1;
    return rc;
}

/* Checks the in-memory dataset before writing: a caller bug becomes a message, not a crash. */
static int check_struct(const char *path, const dataset *d, char *err, size_t errlen) {
    if (d->num_classes < 1) {
        seterr(err, errlen, "%s: expected num_classes >= 1, found %d", path, d->num_classes);
        return -1;
    }
    if (d->multilabel != 0 && d->multilabel != 1) {
        seterr(err, errlen, "%s: expected multilabel 0 or 1, found %d", path, d->multilabel);
        return -1;
    }
    if (d->split[SPLIT_TRAIN].n < 1) {
        seterr(err, errlen, "%s: expected a non-empty train split, found n = %lld", path,
               (long long)d->split[SPLIT_TRAIN].n);
        return -1;
    }
    for (int s = 0; s < NUM_SPLITS; s++) {
        const ds_split *sp = &d->split[s];
        if (sp->n < 0) {
            seterr(err, errlen, "%s: /%s: expected n >= 0, found %lld", path, split_names[s], (long long)sp->n);
            return -1;
        }
        for (int m = 0; m < 2; m++) {
            const ds_modality *x = &sp->x[m], *x0 = &d->split[SPLIT_TRAIN].x[m];
            int tokens_ok = x->dtype != DS_I32 || ((x->c == 2 || x->c == 3) && x->h == 1);
            if ((x->dtype != DS_U8 && x->dtype != DS_F32 && x->dtype != DS_I32) || x->c < 1 ||
                x->c > DATASET_MAX_CHANNELS || x->h < 1 || x->w < 1 || !tokens_ok) {
                seterr(err, errlen,
                       "%s: /%s/%s: expected dtype uint8/float32, 1..%d channels, positive "
                       "size (int32 tokens: 2 or 3 planes of height 1), found dtype %d [%d, %d, %d]",
                       path, split_names[s], ds_x_name[m], DATASET_MAX_CHANNELS, x->dtype, x->c, x->h, x->w);
                return -1;
            }
            if (x->dtype != x0->dtype || x->c != x0->c || x->h != x0->h || x->w != x0->w) {
                seterr(err, errlen,
                       "%s: /%s/%s: expected dtype %d [C, H, W] = [%d, %d, %d] as in /train/%s, "
                       "found dtype %d [%d, %d, %d]",
                       path, split_names[s], ds_x_name[m], x0->dtype, x0->c, x0->h, x0->w, ds_x_name[m], x->dtype, x->c,
                       x->h, x->w);
                return -1;
            }
            if (sp->n > 0 && !x->data) {
                seterr(err, errlen, "%s: /%s/%s: expected data, found NULL", path, split_names[s], ds_x_name[m]);
                return -1;
            }
        }
        if (sp->n > 0 && (d->multilabel ? !sp->targets : !sp->labels)) {
            seterr(err, errlen, "%s: /%s/y: expected %s, found NULL", path, split_names[s],
                   d->multilabel ? "targets" : "labels");
            return -1;
        }
        if (!d->multilabel)
            for (int64_t i = 0; i < sp->n; i++)
                if (sp->labels[i] < 0 || sp->labels[i] >= d->num_classes) {
                    seterr(err, errlen, "%s: /%s/y: row %lld: expected a class id in [0, %d), found %lld", path,
                           split_names[s], (long long)i, d->num_classes, (long long)sp->labels[i]);
                    return -1;
                }
    }
    return 0;
}

/* The sum of the HW values of modality x from element OFF, scaled as ds_scaled (uint8 summed
 * exactly as integers first). */
static double plane_sum(const ds_modality *x, size_t off, size_t hw) {
    if (x->dtype == DS_U8) {
        const uint8_t *p = (const uint8_t *)x->data + off;
        uint64_t is = 0;
        for (size_t j = 0; j < hw; j++) is += p[j];
        return (double)is / 255.0;
    }
    const float *p = (const float *)x->data + off;
    double ps = 0.0;
    for (size_t j = 0; j < hw; j++) ps += p[j];
    return ps;
}

/* Channel c of modality x over the N train samples: mean and population std in two passes
 * (mean, then squared deviations: stable for 1e8 values), stored as h5w_channel_stats says. */
static void channel_stats(const ds_modality *x, int64_t n, int c, float *mean_out, float *std_out) {
    size_t hw = (size_t)x->h * (size_t)x->w;
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++) sum += plane_sum(x, ((size_t)i * (size_t)x->c + (size_t)c) * hw, hw);
    double cnt = (double)n * (double)hw;
    double mean = sum / cnt, ss = 0.0;
    double first = ds_scaled(x->dtype, x->data, (size_t)c * hw);
    int constant = 1; /* every value equal to the first: std 0 exactly */
    for (int64_t i = 0; i < n; i++) {
        size_t off = ((size_t)i * (size_t)x->c + (size_t)c) * hw;
        for (size_t j = 0; j < hw; j++) {
            double v = ds_scaled(x->dtype, x->data, off + j);
            constant &= v == first;
            ss += (v - mean) * (v - mean);
        }
    }
    h5w_channel_stats(mean, sqrt(ss / cnt), constant, first, mean_out, std_out);
}

/* Per-channel statistics of the train split; channels a modality lacks get mean 0, std 1. */
static void compute_stats(dataset *d) {
    const ds_split *tr = &d->split[SPLIT_TRAIN];
    for (int m = 0; m < 2; m++)
        for (int c = 0; c < DATASET_MAX_CHANNELS; c++) {
            if (c < tr->x[m].c && tr->x[m].dtype != DS_I32) {
                channel_stats(&tr->x[m], tr->n, c, &d->mean[m][c], &d->std[m][c]);
            } else {
                d->mean[m][c] = 0.0f;
                d->std[m][c] = 1.0f;
            }
        }
}

/* Group /S: x_a with mean_a and std_a, x_b with mean_b and std_b, then y. */
static int write_split(hid_t f, const dataset *d, int s) {
    const ds_split *sp = &d->split[s];
    hid_t g = h5w_group_create(f, split_names[s]);
    if (g < 0) return -1;
    int rc = 0;
    for (int m = 0; m < 2 && !rc; m++) {
        const ds_modality *x = &sp->x[m];
        hsize_t dims[4] = {(hsize_t)sp->n, (hsize_t)x->c, (hsize_t)x->h, (hsize_t)x->w};
        if (x->dtype == DS_U8) rc = data_write(g, ds_x_name[m], H5T_STD_U8LE, H5T_NATIVE_UINT8, 4, dims, x->data);
        else if (x->dtype == DS_I32)
            rc = data_write(g, ds_x_name[m], H5T_STD_I32LE, H5T_NATIVE_INT32, 4, dims, x->data);
        else rc = data_write(g, ds_x_name[m], H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 4, dims, x->data);
        if (!rc) rc = h5w_stats_write(g, m, d->mean[m], d->std[m], x->c);
    }
    if (!rc) {
        if (d->multilabel) {
            hsize_t dims[2] = {(hsize_t)sp->n, (hsize_t)d->num_classes};
            rc = data_write(g, "y", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, dims, sp->targets);
        } else {
            hsize_t dims[1] = {(hsize_t)sp->n};
            rc = data_write(g, "y", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, dims, sp->labels);
        }
    }
    if (H5Gclose(g) < 0) rc = -1;
    return rc;
}

static int write_file(hid_t f, const dataset *d) {
    h5w_header h = {d->name,        d->num_classes, d->multilabel,    d->metric, {d->modality[0], d->modality[1]},
                    d->class_names, d->recipe,      d->recipe_version};
    if (h5w_header_write(f, &h)) return -1;
    for (int s = 0; s < NUM_SPLITS; s++)
        if (write_split(f, d, s)) return -1;
    return 0;
}

ml_status dataset_save(const char *path, dataset *d, char *err, size_t errlen) {
    quiet_hdf5();
    if (check_struct(path, d, err, errlen)) return ML_EINVAL;
    compute_stats(d);
    char *tmp = tmp_path_of(path);
    if (!tmp) {
        seterr(err, errlen, "%s: out of memory", path);
        return ML_ERUNTIME;
    }
    hid_t f = h5w_file_create(tmp);
    if (f < 0) {
        seterr(err, errlen, "%s: cannot create the HDF5 file (directory missing or not writable?)", tmp);
        free(tmp);
        return ML_ERUNTIME;
    }
    int rc = write_file(f, d);
    if (H5Fclose(f) < 0) rc = -1;
    if (rc) seterr(err, errlen, "%s: HDF5 write failed (disk full?)", tmp);
    else if (h5w_seal(tmp, err, errlen) != ML_OK) rc = -1;
    if (rc) {
        remove(tmp);
        free(tmp);
        return ML_ERUNTIME;
    }
    return rename_into_place(tmp, path, err, errlen) ? ML_ERUNTIME : ML_OK;
}

/* ---- loading ----------------------------------------------------------------------------- */

typedef struct {
    const char *path;
    char *err;
    size_t errlen;
    int shapes_only; /* dataset_load_shapes: no samples, labels or targets read */
} ctx;

/* Opens attribute NAME on LOC (WHERE names LOC in messages, "/" or "/train"). */
static hid_t attr_open(const ctx *c, hid_t loc, const char *where, const char *name) {
    htri_t ex = H5Aexists(loc, name);
    if (ex <= 0) {
        seterr(c->err, c->errlen, "%s: %s: expected attribute '%s', found none%s", c->path, where, name,
               strcmp(name, "format_version") == 0 ? " (not a dataset cache from `miles prepare`?)" : "");
        return -1;
    }
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0) seterr(c->err, c->errlen, "%s: %s: cannot open attribute '%s'", c->path, where, name);
    return a;
}

/* Number of elements of an attribute's dataspace; rank into *rank. */
static hssize_t attr_npoints(hid_t a, int *rank) {
    hid_t sp = H5Aget_space(a);
    if (sp < 0) return -1;
    *rank = H5Sget_simple_extent_ndims(sp);
    hssize_t n = H5Sget_simple_extent_npoints(sp);
    H5Sclose(sp);
    return n;
}

/* Opens attribute NAME and checks its type class CLS, element count WANT and rank (at most
 * MAX_RANK); on success *type holds its type (attr_close closes both). Otherwise -1 with
 * "FILE: WHERE: attribute 'NAME': expected EXPECTED, found N x TYPE". */
static hid_t attr_open_as(const ctx *c, hid_t loc, const char *where, const char *name, H5T_class_t cls, hssize_t want,
                          int max_rank, const char *expected, hid_t *type) {
    hid_t a = attr_open(c, loc, where, name);
    if (a < 0) return -1;
    hid_t t = H5Aget_type(a);
    int rank = 0;
    hssize_t n = attr_npoints(a, &rank);
    if (t < 0 || H5Tget_class(t) != cls || rank > max_rank || n != want) {
        char tb[64];
        seterr(c->err, c->errlen, "%s: %s: attribute '%s': expected %s, found %lld x %s", c->path, where, name,
               expected, (long long)n, t < 0 ? "?" : type_str(t, tb, sizeof tb));
        if (t >= 0) H5Tclose(t);
        H5Aclose(a);
        return -1;
    }
    *type = t;
    return a;
}

static void attr_close(hid_t a, hid_t t) {
    H5Tclose(t);
    H5Aclose(a);
}

static int attr_read_failed(const ctx *c, const char *where, const char *name) {
    seterr(c->err, c->errlen, "%s: %s: attribute '%s': read failed", c->path, where, name);
    return -1;
}

static int attr_read_int(const ctx *c, hid_t loc, const char *where, const char *name, int *out) {
    hid_t t, a = attr_open_as(c, loc, where, name, H5T_INTEGER, 1, H5S_MAX_RANK, "one integer", &t);
    if (a < 0) return -1;
    int rc = H5Aread(a, H5T_NATIVE_INT, out) < 0 ? attr_read_failed(c, where, name) : 0;
    attr_close(a, t);
    return rc;
}

/* The value of string attribute A (type T), fixed or variable length, malloc'd into *out (NULL
 * when out of memory). -1 when HDF5 could not read it. */
static int attr_string_value(hid_t a, hid_t t, char **out) {
    hid_t mt = H5Tcopy(H5T_C_S1);
    if (mt < 0) return -1;
    int rc = -1;
    if (H5Tis_variable_str(t) > 0) {
        char *v = NULL;
        if (H5Tset_size(mt, H5T_VARIABLE) >= 0 && H5Aread(a, mt, &v) >= 0) {
            *out = strdup(v ? v : "");
            H5free_memory(v);
            rc = 0;
        }
    } else {
        size_t sz = H5Tget_size(t);
        char *v = malloc(sz + 1);
        if (v && H5Tset_size(mt, sz + 1) >= 0 && H5Tset_strpad(mt, H5T_STR_NULLTERM) >= 0 && H5Aread(a, mt, v) >= 0) {
            v[sz] = 0;
            *out = v;
            rc = 0;
        } else {
            free(v);
        }
    }
    H5Tclose(mt);
    return rc;
}

/* A string attribute, fixed or variable length, into a malloc'd string. */
static int attr_read_str(const ctx *c, hid_t loc, const char *where, const char *name, char **out) {
    *out = NULL;
    hid_t t, a = attr_open_as(c, loc, where, name, H5T_STRING, 1, H5S_MAX_RANK, "one string", &t);
    if (a < 0) return -1;
    int rc = attr_string_value(a, t, out) ? attr_read_failed(c, where, name) : 0;
    if (!rc && !*out) {
        seterr(c->err, c->errlen, "%s: out of memory", c->path);
        rc = -1;
    }
    attr_close(a, t);
    return rc;
}

static int attr_read_str_into(const ctx *c, hid_t loc, const char *name, char *buf, size_t buflen) {
    char *s = NULL;
    if (attr_read_str(c, loc, "/", name, &s)) return -1;
    if (strlen(s) >= buflen || !*s) {
        seterr(c->err, c->errlen, "%s: /: attribute '%s': expected a string of 1..%zu characters, found %zu", c->path,
               name, buflen - 1, strlen(s));
        free(s);
        return -1;
    }
    memcpy(buf, s, strlen(s) + 1);
    free(s);
    return 0;
}

/* WANT per-channel statistics, finite (std: also positive). */
static int attr_read_f32(const ctx *c, hid_t loc, const char *where, const char *name, int want, float *out) {
    char expected[64];
    snprintf(expected, sizeof expected, "%d floats (one per channel)", want);
    hid_t t, a = attr_open_as(c, loc, where, name, H5T_FLOAT, want, 1, expected, &t);
    if (a < 0) return -1;
    int rc = H5Aread(a, H5T_NATIVE_FLOAT, out) < 0 ? attr_read_failed(c, where, name) : 0;
    attr_close(a, t);
    for (int i = 0; i < want && !rc; i++)
        if (!isfinite(out[i]) || (name[0] == 's' && !(out[i] > 0.0f))) {
            seterr(c->err, c->errlen, "%s: %s: attribute '%s'[%d]: expected a finite%s number, found %g", c->path,
                   where, name, i, name[0] == 's' ? " positive" : "", out[i]);
            rc = -1;
        }
    return rc;
}

/* One dataset of a split, open: where it is (for messages), its type and shape, and the shape as
 * text ("[6, 3, 2, 2]"). */
typedef struct {
    const char *split, *name;
    hid_t d, type;
    int rank;
    hsize_t dims[8];
    char shape[256];
} data_in;

/* Opens /SPLIT/NAME into *in; data_close closes it. */
static int data_open(const ctx *c, hid_t g, const char *split, const char *name, data_in *in) {
    in->split = split;
    in->name = name;
    htri_t ex = H5Lexists(g, name, H5P_DEFAULT);
    in->d = ex > 0 ? H5Dopen2(g, name, H5P_DEFAULT) : -1;
    if (in->d < 0) {
        seterr(c->err, c->errlen, "%s: /%s/%s: expected a dataset, found none", c->path, split, name);
        return -1;
    }
    hid_t sp = H5Dget_space(in->d);
    in->rank = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
    if (in->rank < 0 || in->rank > 8 || H5Sget_simple_extent_dims(sp, in->dims, NULL) < 0) {
        seterr(c->err, c->errlen,
               "%s: /%s/%s: expected a simple dataspace of rank <= 8, found "
               "rank %d",
               c->path, split, name, in->rank);
        if (sp >= 0) H5Sclose(sp);
        H5Dclose(in->d);
        return -1;
    }
    H5Sclose(sp);
    in->type = H5Dget_type(in->d);
    if (in->type < 0) {
        seterr(c->err, c->errlen, "%s: /%s/%s: cannot read its type", c->path, split, name);
        H5Dclose(in->d);
        return -1;
    }
    dims_str(in->shape, sizeof in->shape, in->rank, in->dims);
    return 0;
}

static void data_close(data_in *in) {
    H5Tclose(in->type);
    H5Dclose(in->d);
}

/* All of it, as MTYPE, into BUF; nothing to read when it has no rows. */
static int data_read(const ctx *c, const data_in *in, hid_t mtype, void *buf) {
    if (in->dims[0] == 0) return 0;
    if (H5Dread(in->d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        seterr(c->err, c->errlen, "%s: /%s/%s: read failed (corrupt or truncated file?)", c->path, in->split, in->name);
        return -1;
    }
    return 0;
}

/* A row count from the file is checked before anything is sized by it. */
static int check_rows(const ctx *c, const data_in *in) {
    if (in->dims[0] > (hsize_t)DATASET_MAX_ROWS) {
        seterr(c->err, c->errlen, "%s: /%s/%s: expected at most %lld rows, found %s", c->path, in->split, in->name,
               DATASET_MAX_ROWS, in->shape);
        return -1;
    }
    return 0;
}

/* /S/y holding [N] integer class ids in [0, num_classes) (multilabel = 0). */
static int load_labels(const ctx *c, const data_in *in, int num_classes, ds_split *sp) {
    char tb[64];
    if (in->rank != 1 || H5Tget_class(in->type) != H5T_INTEGER) {
        seterr(c->err, c->errlen, "%s: /%s/y: expected [N] integer class ids (multilabel = 0), found %s %s", c->path,
               in->split, in->shape, type_str(in->type, tb, sizeof tb));
        return -1;
    }
    if (check_rows(c, in)) return -1;
    sp->n = (int64_t)in->dims[0];
    if (c->shapes_only) return 0;
    sp->labels = xmalloc(sizeof(int64_t) * (size_t)in->dims[0]);
    if (!sp->labels) {
        seterr(c->err, c->errlen, "%s: /%s/y: out of memory for %s", c->path, in->split, in->shape);
        return -1;
    }
    if (data_read(c, in, H5T_NATIVE_INT64, sp->labels)) return -1;
    for (int64_t i = 0; i < sp->n; i++)
        if (sp->labels[i] < 0 || sp->labels[i] >= num_classes) {
            seterr(c->err, c->errlen, "%s: /%s/y: row %lld: expected a class id in [0, %d), found %lld", c->path,
                   in->split, (long long)i, num_classes, (long long)sp->labels[i]);
            return -1;
        }
    return 0;
}

/* /S/y holding [N, num_classes] float multi-hot targets in [0, 1] (multilabel = 1). */
static int load_targets(const ctx *c, const data_in *in, int num_classes, ds_split *sp) {
    char tb[64];
    if (in->rank != 2 || H5Tget_class(in->type) != H5T_FLOAT || in->dims[1] != (hsize_t)num_classes) {
        seterr(c->err, c->errlen,
               "%s: /%s/y: expected [N, %d] float multi-hot targets (multilabel = 1), found "
               "%s %s",
               c->path, in->split, num_classes, in->shape, type_str(in->type, tb, sizeof tb));
        return -1;
    }
    if (check_rows(c, in)) return -1;
    sp->n = (int64_t)in->dims[0];
    if (c->shapes_only) return 0;
    size_t cnt = (size_t)in->dims[0] * (size_t)in->dims[1];
    sp->targets = xmalloc(sizeof(float) * cnt);
    if (!sp->targets) {
        seterr(c->err, c->errlen, "%s: /%s/y: out of memory for %s", c->path, in->split, in->shape);
        return -1;
    }
    if (data_read(c, in, H5T_NATIVE_FLOAT, sp->targets)) return -1;
    for (size_t i = 0; i < cnt; i++)
        if (!(sp->targets[i] >= 0.0f && sp->targets[i] <= 1.0f)) {
            seterr(c->err, c->errlen, "%s: /%s/y: row %zu, class %zu: expected a target in [0, 1], found %g", c->path,
                   in->split, (size_t)(i / in->dims[1]), (size_t)(i % in->dims[1]), sp->targets[i]);
            return -1;
        }
    return 0;
}

static int load_y(const ctx *c, hid_t g, int s, dataset *out) {
    data_in in;
    if (data_open(c, g, split_names[s], "y", &in)) return -1;
    int rc = out->multilabel ? load_targets(c, &in, out->num_classes, &out->split[s])
                             : load_labels(c, &in, out->num_classes, &out->split[s]);
    data_close(&in);
    return rc;
}

/* x's shape and element type: [N, C, H, W] with N as in /S/y and C, H, W within limits, uint8
 * or any float; outside /train, as /train's (X0). Sets x's dtype, c, h, w. */
static int check_x(const ctx *c, const data_in *in, int64_t n, const ds_modality *x0, int s, ds_modality *x) {
    const hsize_t *dims = in->dims;
    char tb[64];
    if (in->rank != 4 || dims[0] != (hsize_t)n) {
        seterr(c->err, c->errlen, "%s: /%s/%s: expected [N, C, H, W] with N = %lld as in /%s/y, found %s", c->path,
               in->split, in->name, (long long)n, in->split, in->shape);
        return -1;
    }
    if (dims[1] < 1 || dims[1] > DATASET_MAX_CHANNELS || dims[2] < 1 || dims[3] < 1 || dims[2] > 65536 ||
        dims[3] > 65536) {
        seterr(c->err, c->errlen,
               "%s: /%s/%s: expected [N, C, H, W] with 1 <= C <= %d and 1 <= H, W <= 65536, "
               "found %s",
               c->path, in->split, in->name, DATASET_MAX_CHANNELS, in->shape);
        return -1;
    }
    H5T_class_t cl = H5Tget_class(in->type);
    if (cl == H5T_INTEGER && H5Tget_size(in->type) == 1 && H5Tget_sign(in->type) == H5T_SGN_NONE) {
        x->dtype = DS_U8;
    } else if (cl == H5T_FLOAT) {
        x->dtype = DS_F32;
    } else if (cl == H5T_INTEGER && H5Tget_size(in->type) == 4 && H5Tget_sign(in->type) == H5T_SGN_2) {
        x->dtype = DS_I32;
        if ((dims[1] != 2 && dims[1] != 3) || dims[2] != 1) {
            seterr(c->err, c->errlen,
                   "%s: /%s/%s: expected int32 tokens [N, 2 or 3, 1, L] (ids, mask[, types]), found %s", c->path,
                   in->split, in->name, in->shape);
            return -1;
        }
    } else {
        seterr(c->err, c->errlen, "%s: /%s/%s: expected uint8 or float data, or int32 tokens, found %s", c->path,
               in->split, in->name, type_str(in->type, tb, sizeof tb));
        return -1;
    }
    x->c = (int)dims[1];
    x->h = (int)dims[2];
    x->w = (int)dims[3];
    if (s != SPLIT_TRAIN && (x->c != x0->c || x->h != x0->h || x->w != x0->w || x->dtype != x0->dtype)) {
        seterr(c->err, c->errlen, "%s: /%s/%s: expected [N, %d, %d, %d] %s as in /train/%s, found %s %s", c->path,
               in->split, in->name, x0->c, x0->h, x0->w,
               x0->dtype == DS_U8 ? "uint8" : (x0->dtype == DS_I32 ? "int32" : "float"), in->name, in->shape,
               type_str(in->type, tb, sizeof tb));
        return -1;
    }
    return 0;
}

/* Token planes hold ids >= 0, a mask of 0/1 and types >= 0 (the encoder's own bounds, the
 * vocabulary's size among them, are the trainer's to check). */
static int check_tokens(const ctx *c, const data_in *in, const ds_modality *x) {
    const int32_t *t = x->data;
    for (size_t i = 0; i < (size_t)in->dims[0]; i++)
        for (int p = 0; p < x->c; p++)
            for (int j = 0; j < x->w; j++) {
                int32_t v = t[((size_t)i * (size_t)x->c + (size_t)p) * (size_t)x->w + (size_t)j];
                if (v < 0 || (p == 1 && v > 1)) {
                    seterr(c->err, c->errlen, "%s: /%s/%s: row %zu, %s %d: expected %s, found %d", c->path, in->split,
                           in->name, i,
                           p == 0   ? "id"
                           : p == 1 ? "mask"
                                    : "type",
                           j, p == 1 ? "0 or 1" : "a value >= 0", (int)v);
                    return -1;
                }
            }
    return 0;
}

/* x's samples (shape checked), as uint8, float32 or int32. */
static int read_x(const ctx *c, const data_in *in, ds_modality *x) {
    x->sample_bytes = (size_t)x->c * (size_t)x->h * (size_t)x->w * ds_elem_size(x->dtype);
    if (c->shapes_only) return 0;
    if (in->dims[0] > (hsize_t)(SIZE_MAX / 2) / x->sample_bytes) {
        seterr(c->err, c->errlen, "%s: /%s/%s: expected a size that fits in memory, found %s", c->path, in->split,
               in->name, in->shape);
        return -1;
    }
    size_t bytes = (size_t)in->dims[0] * x->sample_bytes;
    x->data = xmalloc(bytes);
    if (!x->data) {
        seterr(c->err, c->errlen, "%s: /%s/%s: out of memory for %s (%zu bytes)", c->path, in->split, in->name,
               in->shape, bytes);
        return -1;
    }
    hid_t mtype = x->dtype == DS_U8 ? H5T_NATIVE_UINT8 : x->dtype == DS_I32 ? H5T_NATIVE_INT32 : H5T_NATIVE_FLOAT;
    if (data_read(c, in, mtype, x->data)) return -1;
    return x->dtype == DS_I32 ? check_tokens(c, in, x) : 0;
}

static int load_x(const ctx *c, hid_t g, int s, int m, dataset *out) {
    ds_split *sp = &out->split[s];
    data_in in;
    if (data_open(c, g, split_names[s], ds_x_name[m], &in)) return -1;
    int rc = check_x(c, &in, sp->n, &out->split[SPLIT_TRAIN].x[m], s, &sp->x[m]);
    if (!rc) rc = read_x(c, &in, &sp->x[m]);
    data_close(&in);
    return rc;
}

/* The root attributes' values: num_classes >= 1, multilabel 0/1, a known metric, one class
 * name per class. */
static int check_header(const ctx *c, const dataset *out) {
    if (out->num_classes < 1) {
        seterr(c->err, c->errlen, "%s: /: attribute 'num_classes': expected >= 1, found %d", c->path, out->num_classes);
        return -1;
    }
    if (out->multilabel != 0 && out->multilabel != 1) {
        seterr(c->err, c->errlen, "%s: /: attribute 'multilabel': expected 0 or 1, found %d", c->path, out->multilabel);
        return -1;
    }
    if (strcmp(out->metric, "accuracy") != 0 && strcmp(out->metric, "f1_micro") != 0) {
        seterr(c->err, c->errlen, "%s: /: attribute 'metric': expected \"accuracy\" or \"f1_micro\", found \"%s\"",
               c->path, out->metric);
        return -1;
    }
    int names = 1;
    for (const char *p = out->class_names; *p; p++) names += *p == ',';
    if (names != out->num_classes) {
        seterr(c->err, c->errlen,
               "%s: /: attribute 'class_names': expected %d comma-separated names (num_classes), "
               "found %d",
               c->path, out->num_classes, names);
        return -1;
    }
    return 0;
}

/* The root attributes, each checked. */
static int load_header(const ctx *c, hid_t f, dataset *out) {
    int fv = 0;
    if (attr_read_int(c, f, "/", "format_version", &fv)) return -1;
    if (fv != DATASET_FORMAT_VERSION) {
        seterr(c->err, c->errlen, "%s: /: attribute 'format_version': expected %d, found %d (re-run `miles prepare`)",
               c->path, DATASET_FORMAT_VERSION, fv);
        return -1;
    }
    if (attr_read_str_into(c, f, "name", out->name, sizeof out->name) ||
        attr_read_int(c, f, "/", "num_classes", &out->num_classes) ||
        attr_read_int(c, f, "/", "multilabel", &out->multilabel) ||
        attr_read_str_into(c, f, "metric", out->metric, sizeof out->metric) ||
        attr_read_str_into(c, f, "modality_a", out->modality[0], sizeof out->modality[0]) ||
        attr_read_str_into(c, f, "modality_b", out->modality[1], sizeof out->modality[1]) ||
        attr_read_str(c, f, "/", "class_names", &out->class_names) ||
        attr_read_str(c, f, "/", "recipe", &out->recipe) ||
        attr_read_int(c, f, "/", "recipe_version", &out->recipe_version))
        return -1;
    return check_header(c, out);
}

/* Group /S: y, x_a, x_b; on /train also the statistics and at least one sample. */
static int load_split(const ctx *c, hid_t f, int s, dataset *out) {
    const char *sn = split_names[s];
    hid_t g = H5Lexists(f, sn, H5P_DEFAULT) > 0 ? H5Gopen2(f, sn, H5P_DEFAULT) : -1;
    if (g < 0) {
        seterr(c->err, c->errlen, "%s: /%s: expected a group, found none", c->path, sn);
        return -1;
    }
    int rc = load_y(c, g, s, out);
    for (int m = 0; m < 2 && !rc; m++) rc = load_x(c, g, s, m, out);
    if (!rc && s == SPLIT_TRAIN) {
        char where[16];
        snprintf(where, sizeof where, "/%s", sn);
        for (int m = 0; m < 2 && !rc; m++) {
            rc = attr_read_f32(c, g, where, ds_mean_name[m], out->split[s].x[m].c, out->mean[m]);
            if (!rc) rc = attr_read_f32(c, g, where, ds_std_name[m], out->split[s].x[m].c, out->std[m]);
        }
        if (!rc && out->split[s].n < 1) {
            seterr(c->err, c->errlen, "%s: /train/y: expected at least one sample, found 0", c->path);
            rc = -1;
        }
    }
    H5Gclose(g);
    return rc;
}

static int load_file(const ctx *c, hid_t f, dataset *out) {
    if (load_header(c, f, out)) return -1;
    for (int s = 0; s < NUM_SPLITS; s++)
        if (load_split(c, f, s, out)) return -1;
    return 0;
}

/* dataset_load, or with SHAPES_ONLY dataset_load_shapes. */
static ml_status load(const char *path, int shapes_only, dataset *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    quiet_hdf5();
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        seterr(err, errlen, "%s: cannot open: %s (run `miles prepare` first?)", path, strerror(errno));
        return ML_EDATA;
    }
    fclose(fp);
    /* every byte checked before libhdf5 reads one: damage is named, and never reaches HDF5's
     * decoders, which crash on some damaged files */
    ml_status st = shapes_only ? cachesum_verify_metadata(path, err, errlen) : cachesum_verify(path, err, errlen);
    if (st != ML_OK) return st;
    if (H5Fis_hdf5(path) <= 0) {
        seterr(err, errlen,
               "%s: expected an HDF5 dataset cache (from `miles prepare`), found a "
               "file that is not HDF5",
               path);
        return ML_EDATA;
    }
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        seterr(err, errlen, "%s: cannot open as HDF5 (corrupt or truncated file?)", path);
        return ML_EDATA;
    }
    for (int m = 0; m < 2; m++)
        for (int c = 0; c < DATASET_MAX_CHANNELS; c++) out->std[m][c] = 1.0f;
    ctx c = {path, err, errlen, shapes_only};
    int rc = load_file(&c, f, out);
    H5Fclose(f);
    if (rc) {
        dataset_free(out);
        return ML_EDATA;
    }
    return ML_OK;
}

ml_status dataset_load(const char *path, dataset *out, char *err, size_t errlen) {
    return load(path, 0, out, err, errlen);
}

ml_status dataset_load_shapes(const char *path, dataset *out, char *err, size_t errlen) {
    return load(path, 1, out, err, errlen);
}
