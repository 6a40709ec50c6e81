/* bertutil.h - what the BERT tests (test_bert.c, test_bert_weights.c, test_bert_ref.c) share:
 * the small BERT whose parameters test_bert.c counts by hand, and token sequences as an mt_input.
 * Header-only; needs only mt.h, so test_bert_ref.c (no check.h) can use it too. */
#ifndef MILES_TEST_BERTUTIL_H
#define MILES_TEST_BERTUTIL_H

#include <stdint.h>
#include <string.h>

#include "mt.h"

/* An explicit BERT: VOCAB words, hidden 16, 2 layers of 2 heads, feed-forward 32, 16 positions
 * (at vocabulary 50: 5,840 parameters with the pooler). Dropouts and types keep the defaults. */
static inline void bu_small_bert(mt_encoder_spec *e, int vocab) {
    memset(e, 0, sizeof *e);
    e->kind = MT_ENCODER_BERT;
    e->bert.vocab_size = vocab;
    e->bert.hidden = 16;
    e->bert.layers = 2;
    e->bert.heads = 2;
    e->bert.intermediate = 32;
    e->bert.max_positions = 16;
}

/* N int64 sequences of LEN tokens in PLANES planes (ids, attention mask, optional token types):
 * TOK is [n, planes, len], contiguous. */
static inline mt_input bu_tokens(const int64_t *tok, int64_t n, int64_t planes, int64_t len) {
    mt_input x;
    memset(&x, 0, sizeof x);
    x.dtype = MT_DTYPE_I64;
    x.ndim = 3;
    x.shape[0] = n;
    x.shape[1] = planes;
    x.shape[2] = len;
    x.data = tok;
    return x;
}

#endif
