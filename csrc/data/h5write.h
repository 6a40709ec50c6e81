/* h5write.h - what every writer of the dataset cache (dataset.c: a whole dataset in memory;
 * h5stream.c: sample by sample) shares, so that they write the same layout (dataset.h) in the
 * same encoding: scalar fixed-length NUL-terminated ASCII strings, 32-bit little-endian ints,
 * float32 arrays, and groups and datasets without modification times (the same data gives the
 * same bytes). Each call returns 0, or -1 when HDF5 failed (the caller names the file).
 *
 * Every writer creates its file with h5w_file_create and, once it is closed, calls h5w_seal
 * before renaming it into place: the cache then carries its checksums (cachesum.h), without
 * which dataset_load refuses it.
 */
#ifndef MILES_DATA_H5WRITE_H
#define MILES_DATA_H5WRITE_H

#include <stddef.h>

#include <hdf5.h>

#include "core/status.h"

/* Creates PATH (truncating it) with the user block that h5w_seal fills; H5Fclose it. */
hid_t h5w_file_create(const char *path);

/* Writes the checksum header of PATH, a closed cache made by h5w_file_create: the CRC-32C of
 * every dataset's bytes and of the rest. ML_OK, or ML_ERUNTIME with err naming the file. */
ml_status h5w_seal(const char *path, char *err, size_t errlen);

/* The root attributes of a cache (dataset.h), in the order they are written. */
typedef struct {
    const char *name;
    int num_classes, multilabel;
    const char *metric;
    const char *modality[2];
    const char *class_names, *recipe; /* NULL is written as "" */
    int recipe_version;
} h5w_header;

/* Writes the root attributes, format_version (DATASET_FORMAT_VERSION) last. */
int h5w_header_write(hid_t file, const h5w_header *h);

/* Modality m's per-channel statistics on a split group: mean_a/std_a or mean_b/std_b, C floats
 * each. */
int h5w_stats_write(hid_t group, int m, const float *mean, const float *std, int channels);

/* The float32 values stored for one channel, from its statistics in double: the mean, and the
 * population std, or 1 when the channel is constant (every value equal to FIRST) or the std is
 * not a positive finite number, so that (x - mean) / std stays finite. */
void h5w_channel_stats(double mean, double sd, int constant, double first, float *mean_out, float *std_out);

/* A group, or a dataset of the given file type and shape, created without modification times;
 * the caller closes it. Negative on failure. */
hid_t h5w_group_create(hid_t loc, const char *name);
hid_t h5w_dataset_create(hid_t loc, const char *name, hid_t ftype, int rank, const hsize_t *dims);

#endif
