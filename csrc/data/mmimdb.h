/* mmimdb.h - `miles prepare mmimdb`: MM-IMDb (Arevalo et al., GMU) in either published form ->
 * the HDF5 cache (dataset.h), streamed (h5stream.h) so that memory stays bounded whatever the
 * dataset's size. datasets/mmimdb/README.md has the whole story; in short:
 *
 * Forms (FROM):
 *   - a directory holding mmimdb/: the raw archive, mmimdb/dataset/<id>.json + <id>.jpeg and
 *     mmimdb/split.json (train, dev, test lists of ids); plot = the longest string of `plot`,
 *     genres = the N most frequent (max_genres, 23) over the movies with a plot, genres and a
 *     readable poster, in that frequency order (GMU's target_names rule), read from the data;
 *   - an HDF5 file: GMU's Fuel file multimodal_imdb.hdf5 (`genres` + attribute `target_names`,
 *     `images` int32 [N, 3, H, W] BGR minus Caffe's mean, `sequences` vlen int ids into
 *     metadata.npy's ix_to_word, `imdb_ids`, root attribute `split`), read by hyperslabs of
 *     rows_per_read rows.
 * Cache: modality a "text" = the plot's WordPiece tokens [N, 2, 1, max_len] int32 (ids, mask),
 *   tokenized here through the caller's encoder (the data layer does not tokenize); modality b
 *   "image" = the poster as RGB uint8 [3, image_h, image_w], with ImageNet's mean and std as its
 *   normalisation (the batcher resizes to dataset.input_size); y = [N, K] multi-hot; metric
 *   f1_micro; /S/ids the IMDb ids.
 * Left out, each with its reason in the report: a listed id without its files, a JSON without a
 *   plot or genres, a missing or damaged poster, a movie with a genre outside the N kept (MMBT
 *   leaves such movies out too). ML_EDATA when the split cannot be formed (split.json or the
 *   `split` attribute missing or malformed, a split left empty) or an HDF5 file lacks a dataset
 *   or has one of another shape (the file and dataset named).
 */
#ifndef MILES_DATA_MMIMDB_H
#define MILES_DATA_MMIMDB_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define MMIMDB_RECIPE_VERSION 1

/* Tokens of one text: max_len ids and mask values, [CLS] ... [SEP] then padding (id 0, mask
 * 0). ML_OK, or a status with a message in err. */
typedef ml_status (*mmimdb_encode_fn)(void *ctx, const char *text, size_t len, int max_len, int32_t *ids, int32_t *mask,
                                      char *err, size_t errlen);

typedef struct {
    int max_len; /* tokens a plot, [CLS] and [SEP] included (default 512, BERT's) */
    mmimdb_encode_fn encode;
    void *encode_ctx;
    const char *tokenizer; /* how the tokens are made, for the recipe attribute */
    int image_h, image_w;  /* stored poster size (default 256 x 160, the Fuel file's) */
    int max_genres;        /* raw form: genres kept (default 23) */
    const char *metadata;  /* Fuel form: metadata.npy (NULL: beside the HDF5 file) */
    int rows_per_read;     /* Fuel form: rows a hyperslab (default 32) */
    const char *report;    /* NULL, or the file what was left out is written to */
    int verbose;           /* progress on stderr */
} mmimdb_options;

void mmimdb_options_default(mmimdb_options *o);

/* Reads FROM (either form, told apart by whether it is a directory) and writes OUT (OUT.tmp,
 * sealed, renamed). ML_OK; ML_EINVAL for options that cannot work; ML_EDATA for input that is
 * missing or cannot form the split (err names the file, dataset or id and what was expected);
 * ML_ERUNTIME for I/O or memory failures. */
ml_status mmimdb_prepare(const char *from, const char *out, const mmimdb_options *o, char *err, size_t errlen);

#endif
