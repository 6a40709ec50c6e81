/* luma.h - `miles prepare luma`: LUMA's audio (its published data/audio/ tree) paired with the
 * CIFAR images LUMA compiles from, selected as the MILES paper does, into the HDF5 dataset cache
 * (dataset.h), streamed so that memory stays small whatever the size.
 *
 * Input, FROM_DIR (LUMA's Hugging Face layout, plus the CIFAR binary archives unpacked beside):
 *   data/audio/datalist.csv   columns path,label[,tts_label] (found by name in the header;
 *                             double-quoted fields allowed); path relative to data/audio/.
 *                             Without datalist.csv, every data/audio/datalist*.csv is read
 *                             (name order) and a path listed twice counts once.
 *   data/audio/<path>         the clips: anything libsndfile reads, any rate and channel count
 *   cifar-10-batches-bin/, cifar-100-binary/   the images (cifar.h: names mapped as LUMA does)
 * The stand-in (datasets/luma/make-standin) writes the same layout with Fashion-MNIST's names.
 *
 * Pairing: image and audio meet by label name. A label's pairs = min(its images, its usable
 * clips); every image and every clip is used at most once, so a clip (one utterance) lands in
 * exactly one of train/val/test.
 *
 * Selection:
 *   - top (the MILES paper, default): the K classes with the most pairs (ties: LUMA's class id,
 *     then name), N pairs each; defaults K = 22, N = 1,500, split 25,000 / 4,000 / 4,000;
 *   - luma42 (LUMA's default compile): LUMA's 42 in-distribution classes (ids 0..41), N = 600
 *     each, split 16,800 / 4,200 / 4,200 (LUMA's 500 train + 100 test per class, with 100 of the
 *     train ones held out for validation).
 *   Class ids: the selected classes in ascending LUMA class id (spec: label_class_mapping),
 *   names LUMA does not know after them in name order; so luma42's ids are LUMA's own.
 *   A selected class with fewer than N pairs, or fewer candidate classes than K, is ML_EDATA.
 * Drawing (seeded, stratified; one splitmix64 stream from `seed`, integers by rejection): for
 *   each class in id order, a Fisher-Yates shuffle of its images (pool order: cifar-10 files
 *   then cifar-100, record order), then of its clips (datalist order); the first N of each are
 *   paired in order. The split total S = T + V + Te (at most K*N; the rest is left out) is
 *   allocated to classes by largest remainder (ties to the lower id), train per class likewise
 *   in proportion to that, val in proportion to what is left, test the rest; each class's pairs
 *   go in order to train, val, test; then each split is shuffled.
 * Preprocessing: images 32x32 -> image_size (default 96) bilinear (resize.h),
 *   uint8 [3, S, S]; audio wav.h (16 kHz mono) -> melspec.h, float32 [1, 96, 96].
 * Bad clips (missing file, empty, unreadable, no frames, git-lfs pointer) of candidate labels are
 *   found before the selection: ML_EDATA naming the datalist line, or with skip_bad, left out
 *   and listed in the report. The report (TSV: what, item, why) lists every label and whether
 *   and why it was selected, every clip left out, every duplicate path.
 */
#ifndef MILES_DATA_LUMA_H
#define MILES_DATA_LUMA_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define LUMA_RECIPE_VERSION 1
#define LUMA_NUM_IDS        50 /* LUMA's classes: 0..41 in distribution, 42..49 OOD */

typedef enum { LUMA_SELECT_TOP = 0, LUMA_SELECT_LUMA42 = 1 } luma_selection;

typedef struct {
    luma_selection selection;
    int classes;       /* K (top only) */
    int64_t per_class; /* N */
    int64_t split[3];  /* train, val, test counts */
    uint64_t seed;
    int image_size;     /* 8..RESIZE_MAX_SIDE */
    int skip_bad;       /* 1: leave bad clips out (reported) instead of failing */
    const char *report; /* NULL, or the file the report is written to */
    int verbose;        /* progress on stderr */
} luma_options;

/* The defaults of a selection (above). */
void luma_options_default(luma_options *o, luma_selection sel);

/* LUMA's class id of a (mapped) label name, or -1 when LUMA has no such class. */
int luma_class_id(const char *name);

/* Reads FROM_DIR and writes OUT_H5 (via OUT_H5.tmp and a rename). ML_EINVAL for options that
 * cannot work (nothing read), ML_EDATA for input that is missing or bad, ML_ERUNTIME for I/O
 * or memory failures; the message (file, line or key, expected vs found) is in err. */
ml_status luma_prepare(const char *from_dir, const char *out_h5, const luma_options *o, char *err, size_t errlen);

#endif
