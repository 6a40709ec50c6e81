/* h5stream.c - the dataset cache written sample by sample (h5stream.h). Samples are buffered
 * BLOCK at a time per split and written as one hyperslab; the train split's statistics are
 * accumulated per channel with Chan et al.'s pairwise update (each sample's own mean and sum of
 * squared deviations, then merged), which is as stable as dataset.c's two passes without
 * keeping the data. Attributes, groups and datasets are made by h5write.c, as dataset.c's are. */
#define _POSIX_C_SOURCE 200809L
#include "data/h5stream.h"
#include "data/errfmt.h"
#include "data/h5write.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#define BLOCK 64

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
    float *tbuf[NUM_SPLITS]; /* multilabel: BLOCK rows of num_classes targets */
    chan_stats st[2][DATASET_MAX_CHANNELS];
};

/* ---- creation ---------------------------------------------------------------------------- */

static hid_t file_type(int dtype) {
    return dtype == DS_U8 ? H5T_STD_U8LE : dtype == DS_I32 ? H5T_STD_I32LE : H5T_IEEE_F32LE;
}

static hid_t mem_type(int dtype) {
    return dtype == DS_U8 ? H5T_NATIVE_UINT8 : dtype == DS_I32 ? H5T_NATIVE_INT32 : H5T_NATIVE_FLOAT;
}

static int make_split(h5stream *s, int k) {
    if ((s->group[k] = h5w_group_create(s->file, split_names[k])) < 0) return -1;
    const h5s_layout *L = &s->L;
    for (int m = 0; m < 2; m++) {
        hsize_t dims[4] = {(hsize_t)L->n[k], (hsize_t)L->c[m], (hsize_t)L->h[m], (hsize_t)L->w[m]};
        if ((s->dx[k][m] = h5w_dataset_create(s->group[k], ds_x_name[m], file_type(L->dtype[m]), 4, dims)) < 0)
            return -1;
        if (!(s->buf[k][m] = malloc(s->bytes[m] * BLOCK))) return -1;
    }
    hsize_t ydims[2] = {(hsize_t)L->n[k], (hsize_t)L->num_classes};
    if (L->multilabel && !(s->tbuf[k] = malloc(sizeof(float) * (size_t)L->num_classes * BLOCK))) return -1;
    s->dy[k] = L->multilabel ? h5w_dataset_create(s->group[k], "y", H5T_IEEE_F32LE, 2, ydims)
                             : h5w_dataset_create(s->group[k], "y", H5T_STD_I64LE, 1, ydims);
    return s->dy[k] < 0 ? -1 : 0;
}

static int check_layout(const char *path, const h5s_layout *L, char *err, size_t errlen) {
    for (int m = 0; m < 2; m++) {
        int tokens_ok = L->dtype[m] != DS_I32 || ((L->c[m] == 2 || L->c[m] == 3) && L->h[m] == 1);
        if ((L->dtype[m] != DS_U8 && L->dtype[m] != DS_F32 && L->dtype[m] != DS_I32) || !tokens_ok || L->c[m] < 1 ||
            L->c[m] > DATASET_MAX_CHANNELS || L->h[m] < 1 || L->w[m] < 1) {
            seterr(err, errlen,
                   "%s: %s: expected dtype uint8/float32 and [1..%d, H >= 1, W >= 1], or int32 tokens [2 or 3, 1, "
                   "L >= 1], found dtype %d [%d, %d, %d]",
                   path, ds_x_name[m], DATASET_MAX_CHANNELS, L->dtype[m], L->c[m], L->h[m], L->w[m]);
            return -1;
        }
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
    if (!s || !(s->path = strdup(path)) || !(s->tmp = tmp_path_of(path))) {
        if (s) free(s->path);
        free(s);
        seterr(err, errlen, "%s: out of memory", path);
        return ML_ERUNTIME;
    }
    s->L = *L;
    for (int m = 0; m < 2; m++) s->bytes[m] = (size_t)L->c[m] * L->h[m] * L->w[m] * ds_elem_size(L->dtype[m]);
    s->file = h5w_file_create(s->tmp);
    for (int k = 0; k < NUM_SPLITS; k++) {
        s->group[k] = s->dy[k] = s->dx[k][0] = s->dx[k][1] = -1;
    }
    if (s->file < 0) {
        seterr(err, errlen, "%s: cannot create the HDF5 file (directory missing or not writable?)", s->tmp);
        h5s_abort(s);
        return ML_ERUNTIME;
    }
    h5w_header h = {L->name,        L->num_classes, L->multilabel != 0, L->metric, {L->modality[0], L->modality[1]},
                    L->class_names, L->recipe,      L->recipe_version};
    int rc = h5w_header_write(s->file, &h);
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
        if (write_rows(s->dx[k][m], mem_type(s->L.dtype[m]), 4, dims, start, count, s->buf[k][m])) return -1;
    }
    hsize_t ydims[2] = {0, (hsize_t)s->L.num_classes};
    int rc = s->L.multilabel ? write_rows(s->dy[k], H5T_NATIVE_FLOAT, 2, ydims, start, count, s->tbuf[k])
                             : write_rows(s->dy[k], H5T_NATIVE_INT64, 1, ydims, start, count, s->ybuf[k]);
    if (rc) return -1;
    s->written[k] += (int64_t)count;
    s->nbuf[k] = 0;
    return 0;
}

/* Merges one sample's channel c into the running statistics (Chan et al.). */
static void add_stats(chan_stats *cs, int dtype, const void *x, size_t hw) {
    double sum = 0.0, m2 = 0.0;
    for (size_t j = 0; j < hw; j++) sum += ds_scaled(dtype, x, j);
    double mean = sum / (double)hw;
    for (size_t j = 0; j < hw; j++) {
        double v = ds_scaled(dtype, x, j);
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

/* The sample's modalities into the split's block (and the train split's statistics). */
static void buffer_sample(h5stream *s, int k, const void *xa, const void *xb) {
    const void *x[2] = {xa, xb};
    for (int m = 0; m < 2; m++) {
        memcpy(s->buf[k][m] + (size_t)s->nbuf[k] * s->bytes[m], x[m], s->bytes[m]);
        if (k != SPLIT_TRAIN || s->L.dtype[m] == DS_I32) continue;
        size_t hw = (size_t)s->L.h[m] * s->L.w[m], esz = ds_elem_size(s->L.dtype[m]);
        for (int c = 0; c < s->L.c[m]; c++)
            add_stats(&s->st[m][c], s->L.dtype[m], (const uint8_t *)x[m] + c * hw * esz, hw);
    }
}

/* Counts the buffered sample and writes the block once it is full. */
static ml_status commit_sample(h5stream *s, int k, char *err, size_t errlen) {
    if (++s->nbuf[k] == BLOCK && flush_split(s, k)) {
        seterr(err, errlen, "%s: HDF5 write failed (disk full?)", s->tmp);
        return ML_ERUNTIME;
    }
    return ML_OK;
}

/* Whether split k has room for one more sample; else err says so. */
static int has_room(h5stream *s, int k, char *err, size_t errlen) {
    if (k >= 0 && k < NUM_SPLITS && s->written[k] + s->nbuf[k] < s->L.n[k]) return 1;
    seterr(err, errlen, "%s: split %d: expected at most %lld samples, found one more", s->tmp, k,
           (long long)(k >= 0 && k < NUM_SPLITS ? s->L.n[k] : 0));
    return 0;
}

ml_status h5s_append(h5stream *s, int k, const void *xa, const void *xb, int64_t label, char *err, size_t errlen) {
    if (s->L.multilabel) {
        seterr(err, errlen, "%s: expected targets (h5s_append_targets) for a multilabel layout, found a class id",
               s->tmp);
        return ML_EINVAL;
    }
    if (!has_room(s, k, err, errlen)) return ML_EINVAL;
    if (label < 0 || label >= s->L.num_classes) {
        seterr(err, errlen, "%s: split %d: expected a class id in [0, %d), found %lld", s->tmp, k, s->L.num_classes,
               (long long)label);
        return ML_EINVAL;
    }
    buffer_sample(s, k, xa, xb);
    s->ybuf[k][s->nbuf[k]] = label;
    return commit_sample(s, k, err, errlen);
}

ml_status h5s_append_targets(h5stream *s, int k, const void *xa, const void *xb, const float *targets, char *err,
                             size_t errlen) {
    if (!s->L.multilabel) {
        seterr(err, errlen, "%s: expected class ids (h5s_append) for a multiclass layout, found targets", s->tmp);
        return ML_EINVAL;
    }
    if (!has_room(s, k, err, errlen)) return ML_EINVAL;
    for (int j = 0; j < s->L.num_classes; j++)
        if (!(targets[j] >= 0.0f && targets[j] <= 1.0f)) {
            seterr(err, errlen, "%s: split %d: target %d: expected a value in [0, 1], found %g", s->tmp, k, j,
                   (double)targets[j]);
            return ML_EINVAL;
        }
    buffer_sample(s, k, xa, xb);
    memcpy(s->tbuf[k] + (size_t)s->nbuf[k] * (size_t)s->L.num_classes, targets,
           sizeof(float) * (size_t)s->L.num_classes);
    return commit_sample(s, k, err, errlen);
}

ml_status h5s_write_ids(h5stream *s, int k, const char *ids, int width, char *err, size_t errlen) {
    if (k < 0 || k >= NUM_SPLITS || width < 1) {
        seterr(err, errlen, "%s: ids of split %d: expected a split and a width >= 1, found width %d", s->tmp, k, width);
        return ML_EINVAL;
    }
    hsize_t n = (hsize_t)s->L.n[k];
    hid_t t = H5Tcopy(H5T_C_S1);
    int ok = t >= 0 && H5Tset_size(t, (size_t)width) >= 0 && H5Tset_strpad(t, H5T_STR_NULLPAD) >= 0;
    hid_t d = ok ? h5w_dataset_create(s->group[k], "ids", t, 1, &n) : -1;
    ok = d >= 0 && (n == 0 || H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, ids) >= 0);
    if (d >= 0 && H5Dclose(d) < 0) ok = 0;
    if (t >= 0) H5Tclose(t);
    if (!ok) {
        seterr(err, errlen, "%s: /%s/ids: HDF5 write failed (disk full?)", s->tmp, split_names[k]);
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
            if (s->L.dtype[m] == DS_I32) {
                mean[m][c] = 0.0f;
                sd[m][c] = 1.0f;
                continue;
            }
            h5w_channel_stats(cs->mean, sqrt(cs->m2 / cs->n), cs->constant, cs->first, &mean[m][c], &sd[m][c]);
            if (s->L.fixed_mean[m]) mean[m][c] = s->L.fixed_mean[m][c];
            if (s->L.fixed_std[m]) sd[m][c] = s->L.fixed_std[m][c];
        }
    for (int k = 0; k < NUM_SPLITS; k++)
        for (int m = 0; m < 2; m++)
            if (h5w_stats_write(s->group[k], m, mean[m], sd[m], s->L.c[m])) return -1;
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
        free(s->tbuf[k]);
        s->tbuf[k] = NULL;
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
    if (h5w_seal(s->tmp, err, errlen) != ML_OK) {
        h5s_abort(s);
        return ML_ERUNTIME;
    }
    char *tmp = s->tmp;
    s->tmp = NULL;
    int moved = rename_into_place(tmp, s->path, err, errlen);
    free_stream(s);
    return moved ? ML_ERUNTIME : ML_OK;
}
