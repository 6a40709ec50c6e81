/* smnist.h - `miles prepare smnist`: the Khacef et al. written/spoken digits (S-MNIST) npy
 * files into the HDF5 dataset cache (dataset.h).
 *
 * Input: FROM_DIR holds the six files of "Written and spoken digits database for multimodal
 * learning" (Zenodo DOI 10.5281/zenodo.3515934), or a stand-in in the same layout
 * (datasets/smnist/make-standin):
 *   data_wr_{train,test}.npy  [N, 784]  written digits (28x28, row-major), any npy dtype
 *   data_sp_{train,test}.npy  [N, 507]  spoken digits: 39 time slots x 13 MFCC, time-major
 *   labels_{train,test}.npy   [N] or [N, 1]  class ids 0..9 (integer dtype, or floats holding
 *                                            integers), shared by both modalities row by row
 *
 * Splits (the MILES paper: 8,000 train + 2,000 val from the original train set, 2,000 test
 * from the original test set; the paper states no method or seed, so this one is ours):
 *   - Stratified allocation: the n_train + n_val rows drawn from the original train set are
 *     allocated to classes in proportion to the class counts, rounded by largest remainder
 *     (exact integer arithmetic; ties go to the lower class id). That per-class total is split
 *     into train and val the same way (train gets the largest-remainder share of n_train in
 *     proportion to the per-class totals; val the rest), so both splits are stratified.
 *     The n_test rows are allocated over the original test set's classes the same way.
 *   - Drawing: one splitmix64 stream seeded with `seed` (no rand()). In this order: for each
 *     class 0..9 a Fisher-Yates shuffle of that class's original-train row indices (ascending
 *     before the shuffle); its first train_k go to train, the next val_k to val; then a
 *     Fisher-Yates shuffle of the train list, then of the val list; then for each class a
 *     shuffle of its original-test rows, the first test_k to test; then a shuffle of the test
 *     list. Integers in [0, n) come from rejection sampling (no modulo bias).
 *   - Sizes: a size larger than what exists is an error. 0 means "all": n_test = 0 takes the
 *     whole original test set; n_train = 0 gives train every original-train row not drawn
 *     for val; n_val = 0 gives val every row not drawn for train; n_train and n_val both 0 is
 *     an error.
 *
 * Preprocessing:
 *   - image: 784 -> [1, 28, 28]. Stored as uint8 when the whole of both data_wr files is
 *     8-bit: an integer dtype with every value in [0, 255] (stored as is), or a float dtype with
 *     every value in [0, 1] and v*255 within 1e-3 of an integer (stored as round(v*255)), or a
 *     float dtype holding integers in [0, 255] (stored as is). Otherwise float32 as is.
 *   - audio: 507 -> [39, 13] (rows = time, columns = MFCC coefficient) -> [1, 28, 28] by
 *     bilinear interpolation with the half-pixel convention: source coordinate
 *     (dst + 0.5) * in / out - 0.5, clamped below at 0, neighbours clamped at the last row or
 *     column, i.e. PyTorch F.interpolate(mode='bilinear', align_corners=False, antialias=False)
 *     and OpenCV INTER_LINEAR. Computed in double, stored as float32.
 *   - every value must be finite; labels must be integers 0..9.
 */
#ifndef MILES_SMNIST_H
#define MILES_SMNIST_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define SMNIST_DEFAULT_N_TRAIN 8000
#define SMNIST_DEFAULT_N_VAL   2000
#define SMNIST_DEFAULT_N_TEST  2000
#define SMNIST_RECIPE_VERSION  1

typedef struct {
    int64_t n_train, n_val, n_test; /* 8000, 2000, 2000; 0 = all (see above) */
    uint64_t seed;                  /* 0 */
    int verbose;                    /* 1: progress lines on stderr */
} smnist_options;

/* Fills the defaults above. */
void smnist_options_default(smnist_options *o);

/* Reads FROM_DIR's six files and writes the cache OUT_H5 (via OUT_H5.tmp and a rename).
 * O may be NULL for the defaults. Returns ML_OK, or ML_EDATA for any failure (the sizes, the
 * input files, memory or the output cache: `miles prepare` exits 3 for all of them) with a
 * message naming the file, what was expected and what was found in err; nothing is written on
 * error. */
ml_status smnist_prepare(const char *from_dir, const char *out_h5, const smnist_options *o, char *err, size_t errlen);

#endif
