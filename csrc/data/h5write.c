/* h5write.c - the cache's attributes, groups and datasets as both cache writers make them
 * (h5write.h). */
#include "data/h5write.h"

#include <math.h>
#include <string.h>

#include "data/dataset.h"

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
