/* cifar.h - the images LUMA compiles from, read from the CIFAR-10/100 *binary* releases, by label
 * name, without holding the pixels in memory.
 *
 * LUMA does not redistribute its images (CIFAR has no explicit licence); its compile script
 * downloads the CIFAR python pickles, which C cannot read sensibly. The binary releases hold the
 * same images, as the archives unpack:
 *   DIR/cifar-10-batches-bin/data_batch_{1..5}.bin, test_batch.bin: records of 1 label byte +
 *       3,072 pixel bytes (1,024 R, 1,024 G, 1,024 B, rows top to bottom); batches.meta.txt: the
 *       10 label names, one per line (blank lines ignored)
 *   DIR/cifar-100-binary/train.bin, test.bin: records of coarse label, fine label, 3,072 pixels;
 *       fine_label_names.txt: the 100 fine names
 * Either folder may be absent, not both. A file's size must be a whole number of records.
 * Train and test records are pooled: the selection draws its own split (luma.h).
 *
 * Names go through LUMA's mapping (aquarium_fish -> fish, pickup_truck -> truck, oak_tree -> oak,
 * rose -> roses, pine_tree -> pine, palm_tree -> palm), so CIFAR-10's truck and CIFAR-100's
 * pickup_truck are one class, as in LUMA.
 */
#ifndef MILES_DATA_CIFAR_H
#define MILES_DATA_CIFAR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/status.h"

#define CIFAR_SIDE      32
#define CIFAR_PIXELS    (3 * CIFAR_SIDE * CIFAR_SIDE) /* 3,072, CHW */
#define CIFAR_MAX_FILES 8

typedef struct {
    int nfiles;
    char path[CIFAR_MAX_FILES][4096];
    int record_bytes[CIFAR_MAX_FILES]; /* 3073 (CIFAR-10) or 3074 (CIFAR-100) */
    FILE *fp[CIFAR_MAX_FILES];         /* open while the pool lives */
    int nnames;
    char **names;       /* mapped label names, in first-seen order */
    int64_t n;          /* records in all files */
    uint8_t *file_of;   /* [n] */
    int32_t *record_of; /* [n] index within its file */
    int32_t *name_of;   /* [n] index into names */
} cifar_pool;

/* LUMA's label-name mapping (above); other names are returned as they are. */
const char *cifar_luma_name(const char *cifar_name);

/* Scans DIR's CIFAR folders (labels only). ML_OK, or ML_EDATA with "FILE: expected ..., found
 * ..." (no folder, a missing file, a size that is not whole records, a label beyond the names
 * file). Free with cifar_pool_free (also after an error). */
ml_status cifar_scan(const char *dir, cifar_pool *p, char *err, size_t errlen);
void cifar_pool_free(cifar_pool *p);

/* The pixels (CHW, 3,072 bytes) of record i of the pool. */
ml_status cifar_read(const cifar_pool *p, int64_t i, uint8_t *chw, char *err, size_t errlen);

#endif
