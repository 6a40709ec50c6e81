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
#include "data/errfmt.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

const char *const split_names[NUM_SPLITS] = {"train", "val", "test"};
static const char *const xname[2] = {"x_a", "x_b"};
static const char *const mean_name[2] = {"mean_a", "mean_b"};
static const char *const std_name[2] = {"std_a", "std_b"};

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

static int attr_write(hid_t loc, const char *name, hid_t ftype, hid_t mtype, int rank, hsize_t n, const void *buf) {
    hid_t sp = rank ? H5Screate_simple(1, &n, NULL) : H5Screate(H5S_SCALAR);
    if (sp < 0) return -1;
    hid_t a = H5Acreate2(loc, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT);
    int rc = -1;
    if (a >= 0) {
        rc = H5Awrite(a, mtype, buf) < 0 ? -1 : 0;
        if (H5Aclose(a) < 0) rc = -1;
    }
    H5Sclose(sp);
    return rc;
}

static int attr_write_str(hid_t loc, const char *name, const char *v) {
    if (!v) v = "";
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0) return -1;
    int rc = -1;
    if (H5Tset_size(t, strlen(v) + 1) >= 0 && H5Tset_strpad(t, H5T_STR_NULLTERM) >= 0 &&
        H5Tset_cset(t, H5T_CSET_ASCII) >= 0)
        rc = attr_write(loc, name, t, t, 0, 0, v);
    H5Tclose(t);
    return rc;
}

static int attr_write_int(hid_t loc, const char *name, int v) {
    return attr_write(loc, name, H5T_STD_I32LE, H5T_NATIVE_INT, 0, 0, &v);
}

static int attr_write_f32(hid_t loc, const char *name, const float *v, int n) {
    return attr_write(loc, name, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 1, (hsize_t)n, v);
}

static int data_write(hid_t loc, const char *name, hid_t ftype, hid_t mtype, int rank, const hsize_t *dims,
                      const void *buf) {
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    if (sp < 0) return -1;
    /* no modification times in object headers: the same input gives the same bytes */
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (dcpl < 0 || H5Pset_obj_track_times(dcpl, 0) < 0) {
        if (dcpl >= 0) H5Pclose(dcpl);
        H5Sclose(sp);
        return -1;
    }
    hid_t d = H5Dcreate2(loc, name, ftype, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    int rc = -1;
    if (d >= 0) {
        rc = 0;
        if (dims[0] > 0 && H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) rc = -1;
        if (H5Dclose(d) < 0) rc = -1;
    }
    H5Sclose(sp);
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
            if ((x->dtype != DS_U8 && x->dtype != DS_F32) || x->c < 1 || x->c > DATASET_MAX_CHANNELS || x->h < 1 ||
                x->w < 1) {
                seterr(err, errlen,
                       "%s: /%s/%s: expected dtype uint8/float32, 1..%d channels, positive "
                       "size, found dtype %d [%d, %d, %d]",
                       path, split_names[s], xname[m], DATASET_MAX_CHANNELS, x->dtype, x->c, x->h, x->w);
                return -1;
            }
            if (x->dtype != x0->dtype || x->c != x0->c || x->h != x0->h || x->w != x0->w) {
                seterr(err, errlen,
                       "%s: /%s/%s: expected dtype %d [C, H, W] = [%d, %d, %d] as in /train/%s, "
                       "found dtype %d [%d, %d, %d]",
                       path, split_names[s], xname[m], x0->dtype, x0->c, x0->h, x0->w, xname[m], x->dtype, x->c, x->h,
                       x->w);
                return -1;
            }
            if (sp->n > 0 && !x->data) {
                seterr(err, errlen, "%s: /%s/%s: expected data, found NULL", path, split_names[s], xname[m]);
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

/* Per-channel mean and population std of the train split (uint8 scaled by 1/255). */
static void compute_stats(dataset *d) {
    const ds_split *tr = &d->split[SPLIT_TRAIN];
    for (int m = 0; m < 2; m++) {
        const ds_modality *x = &tr->x[m];
        size_t hw = (size_t)x->h * (size_t)x->w;
        for (int c = 0; c < x->c; c++) {
            /* two passes: mean, then squared deviations (stable for 1e8 values) */
            double sum = 0.0;
            for (int64_t i = 0; i < tr->n; i++) {
                size_t off = ((size_t)i * (size_t)x->c + (size_t)c) * hw;
                double ps = 0.0;
                if (x->dtype == DS_U8) {
                    const uint8_t *p = (const uint8_t *)x->data + off;
                    uint64_t is = 0;
                    for (size_t j = 0; j < hw; j++) is += p[j];
                    ps = (double)is / 255.0;
                } else {
                    const float *p = (const float *)x->data + off;
                    for (size_t j = 0; j < hw; j++) ps += p[j];
                }
                sum += ps;
            }
            double cnt = (double)tr->n * (double)hw;
            double mean = sum / cnt, ss = 0.0;
            int constant = 1; /* every value equal to the first: std 0 exactly */
            double first = x->dtype == DS_U8 ? ((const uint8_t *)x->data)[(size_t)c * hw] / 255.0
                                             : ((const float *)x->data)[(size_t)c * hw];
            for (int64_t i = 0; i < tr->n; i++) {
                size_t off = ((size_t)i * (size_t)x->c + (size_t)c) * hw;
                if (x->dtype == DS_U8) {
                    const uint8_t *p = (const uint8_t *)x->data + off;
                    for (size_t j = 0; j < hw; j++) {
                        double v = p[j] / 255.0;
                        constant &= v == first;
                        ss += (v - mean) * (v - mean);
                    }
                } else {
                    const float *p = (const float *)x->data + off;
                    for (size_t j = 0; j < hw; j++) {
                        double v = p[j];
                        constant &= v == first;
                        ss += (v - mean) * (v - mean);
                    }
                }
            }
            double sd = sqrt(ss / cnt);
            d->mean[m][c] = (float)(constant ? first : mean);
            d->std[m][c] = !constant && sd > 0.0 && isfinite(sd) ? (float)sd : 1.0f;
        }
        for (int c = x->c; c < DATASET_MAX_CHANNELS; c++) {
            d->mean[m][c] = 0.0f;
            d->std[m][c] = 1.0f;
        }
    }
}

static int write_file(hid_t f, const dataset *d) {
    hid_t root = f;
    if (attr_write_str(root, "name", d->name) || attr_write_int(root, "num_classes", d->num_classes) ||
        attr_write_int(root, "multilabel", d->multilabel) || attr_write_str(root, "metric", d->metric) ||
        attr_write_str(root, "modality_a", d->modality[0]) || attr_write_str(root, "modality_b", d->modality[1]) ||
        attr_write_str(root, "class_names", d->class_names) || attr_write_str(root, "recipe", d->recipe) ||
        attr_write_int(root, "recipe_version", d->recipe_version) ||
        attr_write_int(root, "format_version", DATASET_FORMAT_VERSION))
        return -1;
    for (int s = 0; s < NUM_SPLITS; s++) {
        const ds_split *sp = &d->split[s];
        hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
        if (gcpl < 0) return -1;
        hid_t g =
            H5Pset_obj_track_times(gcpl, 0) < 0 ? -1 : H5Gcreate2(f, split_names[s], H5P_DEFAULT, gcpl, H5P_DEFAULT);
        H5Pclose(gcpl);
        if (g < 0) return -1;
        int rc = 0;
        for (int m = 0; m < 2 && !rc; m++) {
            const ds_modality *x = &sp->x[m];
            hsize_t dims[4] = {(hsize_t)sp->n, (hsize_t)x->c, (hsize_t)x->h, (hsize_t)x->w};
            if (x->dtype == DS_U8) rc = data_write(g, xname[m], H5T_STD_U8LE, H5T_NATIVE_UINT8, 4, dims, x->data);
            else rc = data_write(g, xname[m], H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 4, dims, x->data);
            if (!rc) rc = attr_write_f32(g, mean_name[m], d->mean[m], x->c);
            if (!rc) rc = attr_write_f32(g, std_name[m], d->std[m], x->c);
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
        if (rc) return -1;
    }
    return 0;
}

ml_status dataset_save(const char *path, dataset *d, char *err, size_t errlen) {
    quiet_hdf5();
    if (check_struct(path, d, err, errlen)) return ML_EINVAL;
    compute_stats(d);
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 5);
    if (!tmp) {
        seterr(err, errlen, "%s: out of memory", path);
        return ML_ERUNTIME;
    }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp", 5);
    hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) {
        seterr(err, errlen, "%s: cannot create the HDF5 file (directory missing or not writable?)", tmp);
        free(tmp);
        return ML_ERUNTIME;
    }
    int rc = write_file(f, d);
    if (H5Fclose(f) < 0) rc = -1;
    if (rc) {
        seterr(err, errlen, "%s: HDF5 write failed (disk full?)", tmp);
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

static int attr_read_int(const ctx *c, hid_t loc, const char *where, const char *name, int *out) {
    hid_t a = attr_open(c, loc, where, name);
    if (a < 0) return -1;
    hid_t t = H5Aget_type(a);
    int rank = 0, rc = -1;
    hssize_t n = attr_npoints(a, &rank);
    char tb[64];
    if (t < 0 || H5Tget_class(t) != H5T_INTEGER || n != 1) {
        seterr(c->err, c->errlen, "%s: %s: attribute '%s': expected one integer, found %lld x %s", c->path, where, name,
               (long long)n, t < 0 ? "?" : type_str(t, tb, sizeof tb));
    } else if (H5Aread(a, H5T_NATIVE_INT, out) < 0) {
        seterr(c->err, c->errlen, "%s: %s: attribute '%s': read failed", c->path, where, name);
    } else {
        rc = 0;
    }
    if (t >= 0) H5Tclose(t);
    H5Aclose(a);
    return rc;
}

/* A string attribute, fixed or variable length, into a malloc'd string. */
static int attr_read_str(const ctx *c, hid_t loc, const char *where, const char *name, char **out) {
    *out = NULL;
    hid_t a = attr_open(c, loc, where, name);
    if (a < 0) return -1;
    hid_t t = H5Aget_type(a);
    int rank = 0, rc = -1;
    hssize_t n = attr_npoints(a, &rank);
    char tb[64];
    if (t < 0 || H5Tget_class(t) != H5T_STRING || n != 1) {
        seterr(c->err, c->errlen, "%s: %s: attribute '%s': expected one string, found %lld x %s", c->path, where, name,
               (long long)n, t < 0 ? "?" : type_str(t, tb, sizeof tb));
        goto done;
    }
    hid_t mt = H5Tcopy(H5T_C_S1);
    if (mt < 0) goto readfail;
    if (H5Tis_variable_str(t) > 0) {
        char *v = NULL;
        if (H5Tset_size(mt, H5T_VARIABLE) < 0 || H5Aread(a, mt, &v) < 0) {
            H5Tclose(mt);
            goto readfail;
        }
        *out = strdup(v ? v : "");
        H5free_memory(v);
    } else {
        size_t sz = H5Tget_size(t);
        char *v = malloc(sz + 1);
        if (!v || H5Tset_size(mt, sz + 1) < 0 || H5Tset_strpad(mt, H5T_STR_NULLTERM) < 0 || H5Aread(a, mt, v) < 0) {
            free(v);
            H5Tclose(mt);
            goto readfail;
        }
        v[sz] = 0;
        *out = v;
    }
    H5Tclose(mt);
    if (!*out) {
        seterr(c->err, c->errlen, "%s: out of memory", c->path);
        goto done;
    }
    rc = 0;
    goto done;
readfail:
    seterr(c->err, c->errlen, "%s: %s: attribute '%s': read failed", c->path, where, name);
done:
    if (t >= 0) H5Tclose(t);
    H5Aclose(a);
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

static int attr_read_f32(const ctx *c, hid_t loc, const char *where, const char *name, int want, float *out) {
    hid_t a = attr_open(c, loc, where, name);
    if (a < 0) return -1;
    hid_t t = H5Aget_type(a);
    int rank = 0, rc = -1;
    hssize_t n = attr_npoints(a, &rank);
    char tb[64];
    if (t < 0 || H5Tget_class(t) != H5T_FLOAT || rank > 1 || n != want) {
        seterr(c->err, c->errlen, "%s: %s: attribute '%s': expected %d floats (one per channel), found %lld x %s",
               c->path, where, name, want, (long long)n, t < 0 ? "?" : type_str(t, tb, sizeof tb));
    } else if (H5Aread(a, H5T_NATIVE_FLOAT, out) < 0) {
        seterr(c->err, c->errlen, "%s: %s: attribute '%s': read failed", c->path, where, name);
    } else {
        rc = 0;
        for (int i = 0; i < want; i++)
            if (!isfinite(out[i]) || (name[0] == 's' && !(out[i] > 0.0f))) {
                seterr(c->err, c->errlen, "%s: %s: attribute '%s'[%d]: expected a finite%s number, found %g", c->path,
                       where, name, i, name[0] == 's' ? " positive" : "", out[i]);
                rc = -1;
                break;
            }
    }
    if (t >= 0) H5Tclose(t);
    H5Aclose(a);
    return rc;
}

/* Opens /S/NAME, returns its type, rank and dims. */
static hid_t data_open(const ctx *c, hid_t g, const char *split, const char *name, hid_t *type, int *rank,
                       hsize_t *dims) {
    *type = -1;
    htri_t ex = H5Lexists(g, name, H5P_DEFAULT);
    hid_t d = ex > 0 ? H5Dopen2(g, name, H5P_DEFAULT) : -1;
    if (d < 0) {
        seterr(c->err, c->errlen, "%s: /%s/%s: expected a dataset, found none", c->path, split, name);
        return -1;
    }
    hid_t sp = H5Dget_space(d);
    *rank = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
    if (*rank < 0 || *rank > 8 || H5Sget_simple_extent_dims(sp, dims, NULL) < 0) {
        seterr(c->err, c->errlen,
               "%s: /%s/%s: expected a simple dataspace of rank <= 8, found "
               "rank %d",
               c->path, split, name, *rank);
        if (sp >= 0) H5Sclose(sp);
        H5Dclose(d);
        return -1;
    }
    H5Sclose(sp);
    *type = H5Dget_type(d);
    if (*type < 0) {
        seterr(c->err, c->errlen, "%s: /%s/%s: cannot read its type", c->path, split, name);
        H5Dclose(d);
        return -1;
    }
    return d;
}

static int data_read(const ctx *c, hid_t d, hid_t mtype, void *buf, hsize_t n, const char *split, const char *name) {
    if (n == 0) return 0;
    if (H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        seterr(c->err, c->errlen, "%s: /%s/%s: read failed (corrupt or truncated file?)", c->path, split, name);
        return -1;
    }
    return 0;
}

static int load_y(const ctx *c, hid_t g, int s, dataset *out) {
    const char *sn = split_names[s];
    ds_split *sp = &out->split[s];
    hid_t t;
    int rank;
    hsize_t dims[8];
    char tb[64], db[256];
    hid_t d = data_open(c, g, sn, "y", &t, &rank, dims);
    if (d < 0) return -1;
    int rc = -1;
    H5T_class_t cl = H5Tget_class(t);
    dims_str(db, sizeof db, rank, dims);
    if (!out->multilabel) {
        if (rank != 1 || cl != H5T_INTEGER) {
            seterr(c->err, c->errlen, "%s: /%s/y: expected [N] integer class ids (multilabel = 0), found %s %s",
                   c->path, sn, db, type_str(t, tb, sizeof tb));
            goto done;
        }
        sp->n = (int64_t)dims[0];
        sp->labels = xmalloc(sizeof(int64_t) * (size_t)dims[0]);
        if (!sp->labels) {
            seterr(c->err, c->errlen, "%s: /%s/y: out of memory for %s", c->path, sn, db);
            goto done;
        }
        if (data_read(c, d, H5T_NATIVE_INT64, sp->labels, dims[0], sn, "y")) goto done;
        for (int64_t i = 0; i < sp->n; i++)
            if (sp->labels[i] < 0 || sp->labels[i] >= out->num_classes) {
                seterr(c->err, c->errlen, "%s: /%s/y: row %lld: expected a class id in [0, %d), found %lld", c->path,
                       sn, (long long)i, out->num_classes, (long long)sp->labels[i]);
                goto done;
            }
    } else {
        if (rank != 2 || cl != H5T_FLOAT || dims[1] != (hsize_t)out->num_classes) {
            seterr(c->err, c->errlen,
                   "%s: /%s/y: expected [N, %d] float multi-hot targets (multilabel = 1), found "
                   "%s %s",
                   c->path, sn, out->num_classes, db, type_str(t, tb, sizeof tb));
            goto done;
        }
        sp->n = (int64_t)dims[0];
        size_t cnt = (size_t)dims[0] * (size_t)dims[1];
        sp->targets = xmalloc(sizeof(float) * cnt);
        if (!sp->targets) {
            seterr(c->err, c->errlen, "%s: /%s/y: out of memory for %s", c->path, sn, db);
            goto done;
        }
        if (data_read(c, d, H5T_NATIVE_FLOAT, sp->targets, cnt, sn, "y")) goto done;
        for (size_t i = 0; i < cnt; i++)
            if (!(sp->targets[i] >= 0.0f && sp->targets[i] <= 1.0f)) {
                seterr(c->err, c->errlen, "%s: /%s/y: row %zu, class %zu: expected a target in [0, 1], found %g",
                       c->path, sn, (size_t)(i / dims[1]), (size_t)(i % dims[1]), sp->targets[i]);
                goto done;
            }
    }
    rc = 0;
done:
    H5Tclose(t);
    H5Dclose(d);
    return rc;
}

static int load_x(const ctx *c, hid_t g, int s, int m, dataset *out) {
    const char *sn = split_names[s];
    ds_split *sp = &out->split[s];
    ds_modality *x = &sp->x[m];
    const ds_modality *x0 = &out->split[SPLIT_TRAIN].x[m];
    hid_t t;
    int rank;
    hsize_t dims[8];
    char tb[64], db[256];
    hid_t d = data_open(c, g, sn, xname[m], &t, &rank, dims);
    if (d < 0) return -1;
    int rc = -1;
    dims_str(db, sizeof db, rank, dims);
    if (rank != 4 || dims[0] != (hsize_t)sp->n) {
        seterr(c->err, c->errlen, "%s: /%s/%s: expected [N, C, H, W] with N = %lld as in /%s/y, found %s", c->path, sn,
               xname[m], (long long)sp->n, sn, db);
        goto done;
    }
    if (dims[1] < 1 || dims[1] > DATASET_MAX_CHANNELS || dims[2] < 1 || dims[3] < 1 || dims[2] > 65536 ||
        dims[3] > 65536) {
        seterr(c->err, c->errlen,
               "%s: /%s/%s: expected [N, C, H, W] with 1 <= C <= %d and 1 <= H, W <= 65536, "
               "found %s",
               c->path, sn, xname[m], DATASET_MAX_CHANNELS, db);
        goto done;
    }
    H5T_class_t cl = H5Tget_class(t);
    if (cl == H5T_INTEGER && H5Tget_size(t) == 1 && H5Tget_sign(t) == H5T_SGN_NONE) {
        x->dtype = DS_U8;
    } else if (cl == H5T_FLOAT) {
        x->dtype = DS_F32;
    } else {
        seterr(c->err, c->errlen, "%s: /%s/%s: expected uint8 or float data, found %s", c->path, sn, xname[m],
               type_str(t, tb, sizeof tb));
        goto done;
    }
    x->c = (int)dims[1];
    x->h = (int)dims[2];
    x->w = (int)dims[3];
    if (s != SPLIT_TRAIN && (x->c != x0->c || x->h != x0->h || x->w != x0->w || x->dtype != x0->dtype)) {
        seterr(c->err, c->errlen, "%s: /%s/%s: expected [N, %d, %d, %d] %s as in /train/%s, found %s %s", c->path, sn,
               xname[m], x0->c, x0->h, x0->w, x0->dtype == DS_U8 ? "uint8" : "float", xname[m], db,
               type_str(t, tb, sizeof tb));
        goto done;
    }
    x->sample_bytes = (size_t)x->c * (size_t)x->h * (size_t)x->w * (x->dtype == DS_U8 ? 1 : 4);
    if (dims[0] > (hsize_t)(SIZE_MAX / 2) / x->sample_bytes) {
        seterr(c->err, c->errlen, "%s: /%s/%s: expected a size that fits in memory, found %s", c->path, sn, xname[m],
               db);
        goto done;
    }
    size_t bytes = (size_t)dims[0] * x->sample_bytes;
    x->data = xmalloc(bytes);
    if (!x->data) {
        seterr(c->err, c->errlen, "%s: /%s/%s: out of memory for %s (%zu bytes)", c->path, sn, xname[m], db, bytes);
        goto done;
    }
    if (data_read(c, d, x->dtype == DS_U8 ? H5T_NATIVE_UINT8 : H5T_NATIVE_FLOAT, x->data, dims[0], sn, xname[m]))
        goto done;
    rc = 0;
done:
    H5Tclose(t);
    H5Dclose(d);
    return rc;
}

static int load_file(const ctx *c, hid_t f, dataset *out) {
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
    for (int s = 0; s < NUM_SPLITS; s++) {
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
                rc = attr_read_f32(c, g, where, mean_name[m], out->split[s].x[m].c, out->mean[m]);
                if (!rc) rc = attr_read_f32(c, g, where, std_name[m], out->split[s].x[m].c, out->std[m]);
            }
            if (!rc && out->split[s].n < 1) {
                seterr(c->err, c->errlen, "%s: /train/y: expected at least one sample, found 0", c->path);
                rc = -1;
            }
        }
        H5Gclose(g);
        if (rc) return -1;
    }
    return 0;
}

ml_status dataset_load(const char *path, dataset *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    quiet_hdf5();
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        seterr(err, errlen, "%s: cannot open: %s (run `miles prepare` first?)", path, strerror(errno));
        return ML_EDATA;
    }
    fclose(fp);
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
    ctx c = {path, err, errlen};
    int rc = load_file(&c, f, out);
    H5Fclose(f);
    if (rc) {
        dataset_free(out);
        return ML_EDATA;
    }
    return ML_OK;
}
