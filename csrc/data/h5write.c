/* h5write.c - the cache's file, attributes, groups, datasets and checksums as every cache writer
 * makes them (h5write.h). */
#include "data/h5write.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "data/cachesum.h"
#include "data/dataset.h"
#include "data/errfmt.h"

hid_t h5w_file_create(const char *path) {
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    if (fcpl < 0) return -1;
    hid_t f = H5Pset_userblock(fcpl, CACHESUM_BYTES) < 0 ? -1 : H5Fcreate(path, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
    H5Pclose(fcpl);
    return f;
}

typedef struct {
    cachesum_range r[CACHESUM_MAX_RANGES];
    int n, too_many;
} ranges;

/* H5Lvisit's callback: a dataset stored in one piece becomes a range; others (empty,
 * chunked) leave their bytes to the rest's CRC. Only hard links are followed: a soft or
 * external one names no bytes of this file. */
static herr_t add_range(hid_t loc, const char *name, const H5L_info_t *info, void *data) {
    ranges *rs = data;
    if (info->type != H5L_TYPE_HARD) return 0;
    hid_t o = H5Oopen(loc, name, H5P_DEFAULT);
    if (o < 0) return -1;
    if (H5Iget_type(o) == H5I_DATASET) {
        haddr_t off = H5Dget_offset(o);
        hsize_t len = H5Dget_storage_size(o);
        if (off != HADDR_UNDEF && len > 0 && strlen(name) + 1 < CACHESUM_MAX_NAME) {
            if (rs->n == CACHESUM_MAX_RANGES) rs->too_many = 1;
            else {
                cachesum_range *r = &rs->r[rs->n++];
                snprintf(r->name, sizeof r->name, "/%s", name);
                r->offset = off;
                r->length = len;
            }
        }
    }
    H5Oclose(o);
    return 0;
}

ml_status h5w_seal(const char *path, char *err, size_t errlen) {
    static _Thread_local ranges rs;
    rs.n = rs.too_many = 0;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    int rc = f < 0 || H5Lvisit(f, H5_INDEX_NAME, H5_ITER_INC, add_range, &rs) < 0 ? -1 : 0;
    if (f >= 0 && H5Fclose(f) < 0) rc = -1;
    if (rc || rs.too_many) {
        seterr(err, errlen, "%s: cannot list its datasets to checksum them%s", path,
               rs.too_many ? ": more than 64" : " (HDF5 failed)");
        return ML_ERUNTIME;
    }
    return cachesum_write(path, rs.r, rs.n, err, errlen);
}

/* A scalar (rank 0) or a 1-D array of N values. */
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

static int attr_int(hid_t loc, const char *name, int v) {
    return attr_write(loc, name, H5T_STD_I32LE, H5T_NATIVE_INT, 0, 0, &v);
}

static int attr_f32(hid_t loc, const char *name, const float *v, int n) {
    return attr_write(loc, name, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 1, (hsize_t)n, v);
}

int h5w_header_write(hid_t f, const h5w_header *h) {
    return attr_str(f, "name", h->name) || attr_int(f, "num_classes", h->num_classes) ||
                   attr_int(f, "multilabel", h->multilabel) || attr_str(f, "metric", h->metric) ||
                   attr_str(f, "modality_a", h->modality[0]) || attr_str(f, "modality_b", h->modality[1]) ||
                   attr_str(f, "class_names", h->class_names) || attr_str(f, "recipe", h->recipe) ||
                   attr_int(f, "recipe_version", h->recipe_version) ||
                   attr_int(f, "format_version", DATASET_FORMAT_VERSION)
               ? -1
               : 0;
}

int h5w_stats_write(hid_t g, int m, const float *mean, const float *std, int channels) {
    return attr_f32(g, ds_mean_name[m], mean, channels) || attr_f32(g, ds_std_name[m], std, channels) ? -1 : 0;
}

void h5w_channel_stats(double mean, double sd, int constant, double first, float *mean_out, float *std_out) {
    *mean_out = (float)(constant ? first : mean);
    *std_out = !constant && sd > 0.0 && isfinite(sd) ? (float)sd : 1.0f;
}

hid_t h5w_group_create(hid_t loc, const char *name) {
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    if (gcpl < 0) return -1;
    hid_t g = H5Pset_obj_track_times(gcpl, 0) < 0 ? -1 : H5Gcreate2(loc, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
    H5Pclose(gcpl);
    return g;
}

hid_t h5w_dataset_create(hid_t loc, const char *name, hid_t ftype, int rank, const hsize_t *dims) {
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hid_t d = -1;
    if (sp >= 0 && dcpl >= 0 && H5Pset_obj_track_times(dcpl, 0) >= 0)
        d = H5Dcreate2(loc, name, ftype, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (dcpl >= 0) H5Pclose(dcpl);
    if (sp >= 0) H5Sclose(sp);
    return d;
}
