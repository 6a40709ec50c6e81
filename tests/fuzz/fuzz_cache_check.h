/* fuzz_cache_check.h - what the two targets of the HDF5 dataset cache (fuzz_cache: the bytes as
 * they come; fuzz_cache_sealed: the bytes with a valid checksum header) check of dataset_load.
 *
 * libhdf5 itself is not instrumented, so coverage guides the fuzzer through our checks only;
 * the bytes still reach HDF5's decoders through every path the loader takes. Besides not
 * crashing or leaking memory, a load must close every HDF5 identifier it opened (files, groups,
 * datasets, attributes, dataspaces, datatypes: a leaked one keeps memory or the file open, which
 * a long `miles sweep` would pay for; LeakSanitizer cannot tell, as HDF5 keeps them reachable,
 * and tests/fuzz/lsan.supp leaves leaks inside HDF5 to this check),
 * and a loaded cache must hold the samples its shapes promise. Header-only: static functions
 * for the two targets.
 */
#ifndef MILES_FUZZ_CACHE_CHECK_H
#define MILES_FUZZ_CACHE_CHECK_H

#include "fuzz_util.h"

#include <hdf5.h>

#include "data/dataset.h"

/* Identifiers a load left open. Files, groups, datasets and attributes stay open objects of a
 * file (H5Fget_obj_count). Dataspaces and datatypes belong to no file: HDF5 numbers the ids of
 * each type in sequence, so every one made between two probe ids must be invalid (closed) again.
 * (H5Inmembers would be simpler but refuses HDF5's own types.) */
static hid_t probe(H5I_type_t type) {
    hid_t id = type == H5I_DATASPACE ? H5Screate(H5S_SCALAR) : H5Tcopy(H5T_NATIVE_INT);
    FUZZ_REQUIRE(id >= 0, "cannot make a probe id of type %d", (int)type);
    if (type == H5I_DATASPACE) H5Sclose(id);
    else H5Tclose(id);
    return id;
}

static long long open_between(hid_t first, hid_t last) {
    long long n = 0;
    for (hid_t id = first + 1; id < last && id - first < 1000000; id++) n += H5Iis_valid(id) > 0;
    return n;
}

static void check_loaded(const dataset *d) {
    FUZZ_REQUIRE(d->num_classes >= 1 && (d->multilabel == 0 || d->multilabel == 1), "num_classes %d, multilabel %d",
                 d->num_classes, d->multilabel);
    for (int s = 0; s < NUM_SPLITS; s++) {
        const ds_split *sp = &d->split[s];
        FUZZ_REQUIRE(sp->n >= 0, "%s: n %lld", split_names[s], (long long)sp->n);
        for (int m = 0; m < 2; m++) {
            const ds_modality *x = &sp->x[m];
            FUZZ_REQUIRE(x->c >= 1 && x->c <= DATASET_MAX_CHANNELS && x->h >= 1 && x->w >= 1, "%s: x[%d] %dx%dx%d",
                         split_names[s], m, x->c, x->h, x->w);
            FUZZ_REQUIRE(x->sample_bytes == (size_t)x->c * x->h * x->w * (x->dtype == DS_U8 ? 1 : 4),
                         "%s: x[%d]: sample_bytes %zu", split_names[s], m, x->sample_bytes);
            if (sp->n > 0) { /* the last byte lies in the buffer (ASan checks) */
                volatile unsigned char last = ((const unsigned char *)x->data)[sp->n * x->sample_bytes - 1];
                (void)last;
            }
        }
        for (int64_t i = 0; !d->multilabel && i < sp->n; i++)
            FUZZ_REQUIRE(sp->labels[i] >= 0 && sp->labels[i] < d->num_classes, "%s: label %lld", split_names[s],
                         (long long)sp->labels[i]);
        if (d->multilabel && sp->n > 0) {
            volatile float last = sp->targets[sp->n * d->num_classes - 1];
            (void)last;
        }
    }
}

/* Loads PATH with dataset_load and checks what it promises: no identifier left open, a failure
 * with a message, a success with every sample its shapes promise. */
static void fuzz_cache_load(const char *path) {
    dataset d;
    char err[2048];
    memset(err, 'x', sizeof err);
    hid_t space0 = probe(H5I_DATASPACE), type0 = probe(H5I_DATATYPE);
    int rc = dataset_load(path, &d, err, sizeof err);
    ssize_t objects = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);
    long long spaces = open_between(space0, probe(H5I_DATASPACE));
    long long types = open_between(type0, probe(H5I_DATATYPE));
    FUZZ_REQUIRE(objects == 0 && spaces == 0 && types == 0,
                 "dataset_load left HDF5 identifiers open: %zd file objects, %lld dataspaces, %lld datatypes (%s)",
                 objects, spaces, types, rc ? err : "loaded");
    if (rc != 0) {
        FUZZ_REQUIRE(rc == ML_EDATA || rc == ML_ERUNTIME, "dataset_load returned %d", rc);
        fuzz_check_message(err, sizeof err, "dataset_load");
        return;
    }
    check_loaded(&d);
    dataset_free(&d);
}

#endif
