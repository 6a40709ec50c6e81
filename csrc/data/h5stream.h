/* h5stream.h - writes a dataset cache (the layout of dataset.h) one sample at a time, so that a
 * prepare whose data does not fit in memory (LUMA's 33,000 pairs at 96x96: 2.1 GB) runs in a
 * few megabytes.
 *
 * The caller says the split sizes and sample shapes up front, then appends every sample of a
 * split in order (splits in any order); finish writes the attributes, including the train
 * split's per-channel mean and std (population std; a constant channel gets std 1, as
 * dataset_save does), seals the file (h5w_seal: its checksum header) and renames PATH.tmp onto
 * PATH. Tokens (DS_I32) have no statistics: their mean and std are written as 0 and 1, as
 * dataset_save writes them. Until then nothing exists at PATH; abort
 * removes PATH.tmp. The file reads back with dataset_load; the same samples give the same bytes
 * (no modification times are recorded).
 */
#ifndef MILES_DATA_H5STREAM_H
#define MILES_DATA_H5STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "data/dataset.h"

typedef struct {
    const char *name; /* "luma" */
    int num_classes;
    const char *metric;      /* "accuracy" */
    const char *modality[2]; /* "image", "audio" */
    const char *class_names; /* comma-separated, num_classes names */
    const char *recipe;
    int recipe_version;
    /* 1: y is [N, num_classes] float32 multi-hot, appended with h5s_append_targets (MM-IMDb's
     * genres); 0: y is [N] int64 class ids, appended with h5s_append. */
    int multilabel;
    int dtype[2]; /* DS_U8 or DS_F32, or DS_I32 for a text modality's tokens ([2 or 3, 1, L]) */
    int c[2], h[2], w[2];
    int64_t n[NUM_SPLITS]; /* samples each split will receive */
    /* Modality m's normalisation, written in place of the train split's statistics (CREMA-D's
     * frames take ImageNet's, as OGM-GE's transform does): c[m] values each, or NULL. */
    const float *fixed_mean[2], *fixed_std[2];
} h5s_layout;

typedef struct h5stream h5stream;

/* Creates PATH.tmp with the groups and empty datasets. */
ml_status h5s_create(const char *path, const h5s_layout *layout, h5stream **out, char *err, size_t errlen);
/* Appends one sample to SPLIT: xa, xb as the layout's dtypes and shapes (CHW), its class id. */
ml_status h5s_append(h5stream *s, int split, const void *xa, const void *xb, int64_t label, char *err, size_t errlen);
/* The same for a multilabel layout: TARGETS holds num_classes values in [0, 1]. */
ml_status h5s_append_targets(h5stream *s, int split, const void *xa, const void *xb, const float *targets, char *err,
                             size_t errlen);
/* Writes /SPLIT/ids: the split's n sample names (ids[i * width ...], NUL-padded, at most width
 * bytes each) as fixed-length strings, so a run can be traced to its clips. Optional. */
ml_status h5s_write_ids(h5stream *s, int split, const char *ids, int width, char *err, size_t errlen);
/* Checks every split received its n samples, writes the attributes, closes and renames. Frees s
 * (also on failure, after removing PATH.tmp). */
ml_status h5s_finish(h5stream *s, char *err, size_t errlen);
/* Closes and removes PATH.tmp; frees s. NULL is a no-op. */
void h5s_abort(h5stream *s);

#endif
