/* mlsynth.h - a multi-label text + image dataset in a plain layout -> the HDF5 cache.
 *
 * The layout (datasets/mlsynth/README.md; made at toy size by datasets/mlsynth/make-standin):
 *   DIR/labels.txt             the K label names, one a line
 *   DIR/vocab.txt              the WordPiece vocabulary the text is tokenized with
 *   DIR/{train,val,test}.tsv   one sample a line: comma-separated label names (may be none),
 *                              a tab, the text (UTF-8, no tab or newline)
 *   DIR/{train,val,test}_b.npy modality B of the same rows in the same order: uint8 or float32
 *                              [N, C, H, W] images, or [N, D] vectors (stored as [N, 1, 1, D])
 * Modality A is the text, tokenized into [N, 2, 1, L] int32 planes (ids, attention mask) by
 * the caller's encoder (the data layer does not tokenize: text/ stands beside it); B is the
 * image or vector; y is [N, K] multi-hot; the task metric is f1_micro.
 */
#ifndef MILES_DATA_MLSYNTH_H
#define MILES_DATA_MLSYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

/* Tokens of one text: max_len ids and mask values, [CLS] ... [SEP] then padding (id 0, mask
 * 0). ML_OK, or a status with a message in err. */
typedef ml_status (*mlsynth_encode_fn)(void *ctx, const char *text, size_t len, int max_len, int32_t *ids,
                                       int32_t *mask, char *err, size_t errlen);

typedef struct {
    int max_len; /* tokens a sample, [CLS] and [SEP] included */
    mlsynth_encode_fn encode;
    void *encode_ctx;
    const char *recipe; /* how the tokens were made, for the cache's recipe attribute */
    int verbose;
} mlsynth_options;

/* Reads DIR's layout and writes the cache to OUT (OUT.tmp, renamed). ML_OK, ML_EDATA (a file
 * missing or malformed: file, line and what was expected named), ML_EINVAL (bad options) or
 * ML_ERUNTIME (memory, write). */
ml_status mlsynth_prepare(const char *dir, const char *out, const mlsynth_options *o, char *err, size_t errlen);

#endif
