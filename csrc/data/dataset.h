/* dataset.h - the in-memory form of a prepared dataset and its HDF5 cache.
 *
 * `miles prepare` turns a dataset's published layout into one HDF5 file; training reads that
 * file into memory once. Layout of the cache (all datasets):
 *   root attributes: name (string), num_classes (int), multilabel (int 0/1), metric (string:
 *     "accuracy" or "f1_micro"), modality_a, modality_b (strings, e.g. "image", "audio"),
 *     class_names (string, comma-separated), recipe (string: how it was made, with options),
 *     recipe_version (int), format_version (int, DATASET_FORMAT_VERSION)
 *   per split S in {train, val, test}: group /S with datasets
 *     x_a, x_b: [N, C, H, W] uint8 (8-bit sources) or float32; or a text modality's tokens,
 *               [N, P, 1, L] int32: P = 2 planes (word-piece ids, attention mask 1/0) or 3 (and
 *               token types), L tokens a sample ([CLS] ... [SEP], then padding id 0, mask 0)
 *     y:        [N] int64 class ids, or [N, num_classes] float32 multi-hot (multilabel)
 *   and attributes mean_a, std_a, mean_b, std_b (float arrays of C: per-channel statistics of
 *     the train split after scaling uint8 by 1/255; 0 and 1 for tokens, which are not
 *     normalised), which the trainer uses for normalisation.
 * The file's first 4096 bytes (an HDF5 user block) hold the checksum header of cachesum.h;
 * dataset_load checks every byte against it before libhdf5 opens the file.
 */
#ifndef MILES_DATASET_H
#define MILES_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define DATASET_FORMAT_VERSION 1
#define DATASET_MAX_CHANNELS   8
/* Rows of one split: what prepare can write (its counts are int32), and a bound that keeps every
 * size computed from a row count far from overflow. */
#define DATASET_MAX_ROWS 2147483647LL

enum { SPLIT_TRAIN = 0, SPLIT_VAL = 1, SPLIT_TEST = 2, NUM_SPLITS = 3 };
enum { DS_U8 = 0, DS_F32 = 1, DS_I32 = 3 }; /* same codes as mt_dtype; DS_I32: tokens */

typedef struct {
    int dtype; /* DS_U8, DS_F32, or DS_I32 (tokens: c planes, h 1, w tokens) */
    int c, h, w;
    size_t sample_bytes; /* c*h*w*(1 or 4) */
    void *data;          /* n * sample_bytes, contiguous */
} ds_modality;

typedef struct {
    int64_t n;
    ds_modality x[2];
    int64_t *labels; /* [n], multiclass */
    float *targets;  /* [n, num_classes], multilabel */
} ds_split;

typedef struct {
    char name[64];
    int num_classes;
    int multilabel;
    char metric[32];
    char modality[2][32];
    char *class_names; /* comma-separated, malloc'd */
    char *recipe;      /* malloc'd */
    int recipe_version;
    float mean[2][DATASET_MAX_CHANNELS], std[2][DATASET_MAX_CHANNELS];
    ds_split split[NUM_SPLITS];
} dataset;

extern const char *const split_names[NUM_SPLITS]; /* "train", "val", "test" */
/* Modality m's dataset and statistics attributes: "x_a"/"x_b", "mean_a"/"mean_b", "std_a"/"std_b". */
extern const char *const ds_x_name[2], *const ds_mean_name[2], *const ds_std_name[2];

/* The element size of a dtype: 1 for uint8, 4 for float32 and int32. */
static inline size_t ds_elem_size(int dtype) { return dtype == DS_U8 ? 1 : 4; }

/* Element j of a stored array as the statistics see it: uint8 scaled by 1/255, float32 as is
 * (tokens have no statistics). */
static inline double ds_scaled(int dtype, const void *data, size_t j) {
    return dtype == DS_U8 ? ((const uint8_t *)data)[j] / 255.0 : ((const float *)data)[j];
}

/* Failures come with a message (file, what was expected, what was found) in err. */
/* ML_OK, or ML_EDATA: the cache is missing, unreadable, damaged (its checksums), without
 * checksums, or inconsistent. */
ml_status dataset_load(const char *path, dataset *out, char *err, size_t errlen);
/* dataset_load without the samples, labels and targets (their pointers NULL, n and every shape,
 * type and attribute set and checked as dataset_load checks them): for tools that need the
 * model's shapes (miles export), which would otherwise read, and checksum, the whole cache. Only
 * the metadata's checksum is verified (cachesum_verify_metadata). */
ml_status dataset_load_shapes(const char *path, dataset *out, char *err, size_t errlen);
/* Writes to PATH.tmp, seals it (h5w_seal) and renames; computes mean/std from the train split.
 * ML_OK, ML_EINVAL (D is inconsistent, nothing written) or ML_ERUNTIME (the file could not be
 * written). */
ml_status dataset_save(const char *path, dataset *d, char *err, size_t errlen);
void dataset_free(dataset *d);

#endif
