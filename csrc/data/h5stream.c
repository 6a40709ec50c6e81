/* h5stream.c - the dataset cache written sample by sample (h5stream.h). Samples are buffered
 * BLOCK at a time per split and written as one hyperslab; the train split's statistics are
 * accumulated per channel with Chan et al.'s pairwise update (each sample's own mean and sum of
 * squared deviations, then merged), which is as stable as dataset.c's two passes without
 * keeping the data. Attributes follow dataset.c exactly: fixed-length NUL-terminated ASCII
 * strings, 32-bit ints, float32 arrays. */
#define _POSIX_C_SOURCE 200809L
#include "data/h5stream.h"
#include "data/errfmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#define BLOCK 64

static const char *const xname[2] = {"x_a", "x_b"};
static const char *const mean_name[2] = {"mean_a", "mean_b"};
static const char *const std_name[2] = {"std_a", "std_b"};

typedef struct {
    double n, mean, m2; /* values seen, their mean, sum of squared deviations */
    double first;
    int constant; /* every value so far equals first */
} chan_stats;

struct h5stream {
    char *path, *tmp;
    h5s_layout L;
    hid_t file, group[NUM_SPLITS], dx[NUM_SPLITS][2], dy[NUM_SPLITS];
    size_t bytes[2];             /* per sample */
    int64_t written[NUM_SPLITS]; /* rows on disk */
    int nbuf[NUM_SPLITS];        /* rows buffered */
    uint8_t *buf[NUM_SPLITS][2];
    int64_t ybuf[NUM_SPLITS][BLOCK];
    chan_stats st[2][DATASET_MAX_CHANNELS];
};

/* ---- attributes (as dataset.c writes them) ---------------------------------------------- */

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

static int attr_str(hid_t loc, const char *name, const char *v) {
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0) return -1;
    int rc = -1;
    if (H5Tset_size(t, strlen(v) + 1) >= 0 && H5Tset_strpad(t, H5T_STR_NULLTERM) >= 0 &&
        H5Tset_cset(t, H5T_CSET_ASCII) >= 0)
        rc = attr_write(loc, name, t, t, 0, 0, v);
    H5Tclose(t);
    return rc;
}

static int attr_int(hid_t loc, const char *name, int v) {
    return attr_write(loc, name, H5T_STD_I32LE, H5T_NATIVE_INT, 0, 0, &v);
}

static int root_attrs(hid_t f, const h5s_layout *L) {
    return attr_str(f, "name", L->name) || attr_int(f, "num_classes", L->num_classes) || attr_int(f, "multilabel", 0) ||
           attr_str(f, "metric", L->metric) || attr_str(f, "modality_a", L->modality[0]) ||
           attr_str(f, "modality_b", L->modality[1]) || attr_str(f, "class_names", L->class_names) ||
           attr_str(f, "recipe", L->recipe) || attr_int(f, "recipe_version", L->recipe_version) ||
           attr_int(f, "format_version", DATASET_FORMAT_VERSION);
}

/* ---- creation ---------------------------------------------------------------------------- */

static hid_t make_dataset(hid_t g, const char *name, hid_t ftype, int rank, const hsize_t *dims) {
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hid_t d = -1;
    if (sp >= 0 && dcpl >= 0 && H5Pset_obj_track_times(dcpl, 0) >= 0)
        d = H5Dcreate2(g, name, ftype, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (dcpl >= 0) H5Pclose(dcpl);
    if (sp >= 0) H5Sclose(sp);
    return d;
}

static int make_split(h5stream *s, int k) {
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    if (gcpl < 0) return -1;
    s->group[k] =
        H5Pset_obj_track_times(gcpl, 0) < 0 ? -1 : H5Gcreate2(s->file, split_names[k], H5P_DEFAULT, gcpl, H5P_DEFAULT);
    H5Pclose(gcpl);
    if (s->group[k] < 0) return -1;
    const h5s_layout *L = &s->L;
    for (int m = 0; m < 2; m++) {
        hsize_t dims[4] = {(hsize_t)L->n[k], (hsize_t)L->c[m], (hsize_t)L->h[m], (hsize_t)L->w[m]};
        hid_t t = L->dtype[m] == DS_U8 ? H5T_STD_U8LE : H5T_IEEE_F32LE;
        if ((s->dx[k][m] = make_dataset(s->group[k], xname[m], t, 4, dims)) < 0) return -1;
        if (!(s->buf[k][m] = malloc(s->bytes[m] * BLOCK))) return -1;
    }
    hsize_t n = (hsize_t)L->n[k];
    return (s->dy[k] = make_dataset(s->group[k], "y", H5T_STD_I64LE, 1, &n)) < 0 ? -1 : 0;
}

static int check_layout(const char *path, const h5s_layout *L, char *err, size_t errlen) {
    for (int m = 0; m < 2; m++)
        if ((L->dtype[m] != DS_U8 && L->dtype[m] != DS_F32) || L->c[m] < 1 || L->c[m] > DATASET_MAX_CHANNELS ||
            L->h[m] < 1 || L->w[m] < 1) {
            seterr(err, errlen,
                   "%s: %s: expected dtype uint8/float32 and [1..%d, H >= 1, W >= 1], "
                   "found dtype %d [%d, %d, %d]",
                   path, xname[m], DATASET_MAX_CHANNELS, L->dtype[m], L->c[m], L->h[m], L->w[m]);
            return -1;
        }
    if (L->num_classes < 1 || L->n[SPLIT_TRAIN] < 1 || L->n[SPLIT_VAL] < 0 || L->n[SPLIT_TEST] < 0) {
        seterr(err, errlen,
               "%s: expected num_classes >= 1 and a non-empty train split, found %d "
               "classes, train %lld",
               path, L->num_classes, (long long)L->n[SPLIT_TRAIN]);
        return -1;
    }
    return 0;
}

ml_status h5s_create(const char *path, const h5s_layout *L, h5stream **out, char *err, size_t errlen) {
    *out = NULL;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (check_layout(path, L, err, errlen)) return ML_EINVAL;
    h5stream *s = calloc(1, sizeof *s);
    size_t plen = strlen(path);
    if (!s || !(s->path = strdup(path)) || !(s->tmp = malloc(plen + 5))) {
        if (s) free(s->path);
        free(s);
        seterr(err, errlen, "%s: out of memory", path);
        return ML_ERUNTIME;
    }
    memcpy(s->tmp, path, plen);
    memcpy(s->tmp + plen, ".tmp", 5);
    s->L = *L;
    for (int m = 0; m < 2; m++) s->bytes[m] = (size_t)L->c[m] * L->h[m] * L->w[m] * (L->dtype[m] == DS_U8 ? 1 : 4);
    s->file = H5Fcreate(s->tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    for (int k = 0; k < NUM_SPLITS; k++) {
        s->group[k] = s->dy[k] = s->dx[k][0] = s->dx[k][1] = -1;
    }
    if (s->file < 0) {
        seterr(err, errlen, "%s: cannot create the HDF5 file (directory missing or not writable?)", s->tmp);
        h5s_abort(s);
        return ML_ERUNTIME;
    }
    int rc = root_attrs(s->file, L);
    for (int k = 0; k < NUM_SPLITS && !rc; k++) rc = make_split(s, k);
    if (rc) {
        seterr(err, errlen, "%s: creating the cache's groups and datasets failed (disk full?)", s->tmp);
        h5s_abort(s);
        return ML_ERUNTIME;
    }
    *out = s;
    return ML_OK;
}

/* ---- appending --------------------------------------------------------------------------- */

static int write_rows(hid_t d, hid_t mtype, int rank, const hsize_t *row_dims, hsize_t start, hsize_t count,
                      const void *buf) {
    hsize_t off[4] = {start, 0, 0, 0}, cnt[4];
    cnt[0] = count;
    for (int i = 1; i < rank; i++) cnt[i] = row_dims[i];
    hid_t fs = H5Dget_space(d), ms = H5Screate_simple(rank, cnt, NULL);
    int rc = -1;
    if (fs >= 0 && ms >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, off, NULL, cnt, NULL) >= 0 &&
        H5Dwrite(d, mtype, ms, fs, H5P_DEFAULT, buf) >= 0)
        rc = 0;
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    return rc;
}

static int flush_split(h5stream *s, int k) {
    hsize_t count = (hsize_t)s->nbuf[k], start = (hsize_t)s->written[k];
    if (!count) return 0;
    for (int m = 0; m < 2; m++) {
        hsize_t dims[4] = {0, (hsize_t)s->L.c[m], (hsize_t)s->L.h[m], (hsize_t)s->L.w[m]};
        hid_t mt = s->L.dtype[m] == DS_U8 ? H5T_NATIVE_UINT8 : H5T_NATIVE_FLOAT;
        if (write_rows(s->dx[k][m], mt, 4, dims, start, count, s->buf[k][m])) return -1;
    }
    hsize_t ydims[1] = {0};
    if (write_rows(s->dy[k], H5T_NATIVE_INT64, 1, ydims, start, count, s->ybuf[k])) return -1;
    s->written[k] += (int64_t)count;
    s->nbuf[k] = 0;
    return 0;
}

/* Merges one sample's channel c into the running statistics (Chan et al.). */
static void add_stats(chan_stats *cs, int dtype, const void *x, size_t hw) {
    double sum = 0.0, m2 = 0.0;
    for (size_t j = 0; j < hw; j++) sum += dtype == DS_U8 ? ((const uint8_t *)x)[j] / 255.0 : ((const float *)x)[j];
    double mean = sum / (double)hw;
    for (size_t j = 0; j < hw; j++) {
        double v = dtype == DS_U8 ? ((const uint8_t *)x)[j] / 255.0 : ((const float *)x)[j];
        if (cs->n == 0.0 && j == 0) {
            cs->first = v;
            cs->constant = 1;
        }
        cs->constant &= v == cs->first;
        m2 += (v - mean) * (v - mean);
    }
    double nb = (double)hw, n = cs->n + nb, delta = mean - cs->mean;
    cs->mean += delta * nb / n;
    cs->m2 += m2 + delta * delta * cs->n * nb / n;
    cs->n = n;
}

ml_status h5s_append(h5stream *s, int k, const void *xa, const void *xb, int64_t label, char *err, size_t errlen) {
    if (k < 0 || k >= NUM_SPLITS || s->written[k] + s->nbuf[k] >= s->L.n[k] || label < 0 || label >= s->L.num_classes) {
        seterr(err, errlen,
               "%s: split %d: expected at most %lld samples with class ids in [0, %d), "
               "found sample %lld with class %lld",
               s->tmp, k, (long long)(k >= 0 && k < NUM_SPLITS ? s->L.n[k] : 0), s->L.num_classes,
               (long long)(k >= 0 && k < NUM_SPLITS ? s->written[k] + s->nbuf[k] : 0), (long long)label);
        return ML_EINVAL;
    }
    const void *x[2] = {xa, xb};
    for (int m = 0; m < 2; m++) {
        memcpy(s->buf[k][m] + (size_t)s->nbuf[k] * s->bytes[m], x[m], s->bytes[m]);
        if (k != SPLIT_TRAIN) continue;
        size_t hw = (size_t)s->L.h[m] * s->L.w[m], esz = s->L.dtype[m] == DS_U8 ? 1 : 4;
        for (int c = 0; c < s->L.c[m]; c++)
            add_stats(&s->st[m][c], s->L.dtype[m], (const uint8_t *)x[m] + c * hw * esz, hw);
    }
    s->ybuf[k][s->nbuf[k]++] = label;
    if (s->nbuf[k] == BLOCK && flush_split(s, k)) {
        seterr(err, errlen, "%s: HDF5 write failed (disk full?)", s->tmp);
        return ML_ERUNTIME;
    }
    return ML_OK;
}

/* ---- finishing --------------------------------------------------------------------------- */

static int stats_attrs(h5stream *s) {
    float mean[2][DATASET_MAX_CHANNELS], sd[2][DATASET_MAX_CHANNELS];
    for (int m = 0; m < 2; m++)
        for (int c = 0; c < s->L.c[m]; c++) {
            const chan_stats *cs = &s->st[m][c];
            double v = sqrt(cs->m2 / cs->n);
            mean[m][c] = (float)(cs->constant ? cs->first : cs->mean);
            sd[m][c] = !cs->constant && v > 0.0 && isfinite(v) ? (float)v : 1.0f;
        }
    for (int k = 0; k < NUM_SPLITS; k++)
        for (int m = 0; m < 2; m++) {
            hsize_t n = (hsize_t)s->L.c[m];
            if (attr_write(s->group[k], mean_name[m], H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 1, n, mean[m]) ||
                attr_write(s->group[k], std_name[m], H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 1, n, sd[m]))
                return -1;
        }
    return 0;
}

static int close_all(h5stream *s) {
    int rc = 0;
    for (int k = 0; k < NUM_SPLITS; k++) {
        for (int m = 0; m < 2; m++) {
            if (s->dx[k][m] >= 0 && H5Dclose(s->dx[k][m]) < 0) rc = -1;
            s->dx[k][m] = -1;
            free(s->buf[k][m]);
            s->buf[k][m] = NULL;
        }
        if (s->dy[k] >= 0 && H5Dclose(s->dy[k]) < 0) rc = -1;
        if (s->group[k] >= 0 && H5Gclose(s->group[k]) < 0) rc = -1;
        s->dy[k] = s->group[k] = -1;
    }
    if (s->file >= 0 && H5Fclose(s->file) < 0) rc = -1;
    s->file = -1;
    return rc;
}

static void free_stream(h5stream *s) {
    free(s->path);
    free(s->tmp);
    free(s);
}

void h5s_abort(h5stream *s) {
    if (!s) return;
    close_all(s);
    remove(s->tmp);
    free_stream(s);
}

ml_status h5s_finish(h5stream *s, char *err, size_t errlen) {
    for (int k = 0; k < NUM_SPLITS; k++)
        if (s->written[k] + s->nbuf[k] != s->L.n[k]) {
            seterr(err, errlen, "%s: /%s: expected %lld samples, found %lld", s->tmp, split_names[k],
                   (long long)s->L.n[k], (long long)(s->written[k] + s->nbuf[k]));
            h5s_abort(s);
            return ML_EINVAL;
        }
    int rc = 0;
    for (int k = 0; k < NUM_SPLITS && !rc; k++) rc = flush_split(s, k);
    if (!rc) rc = stats_attrs(s);
    if (close_all(s)) rc = -1;
    if (rc) {
        seterr(err, errlen, "%s: HDF5 write failed (disk full?)", s->tmp);
        h5s_abort(s);
        return ML_ERUNTIME;
    }
    char *tmp = s->tmp;
    s->tmp = NULL;
    int moved = rename_into_place(tmp, s->path, err, errlen);
    free_stream(s);
    return moved ? ML_ERUNTIME : ML_OK;
}
