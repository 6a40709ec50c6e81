/* wordpiece.h - BERT's WordPiece tokenizer in plain C: text -> token ids, [CLS]/[SEP],
 * truncation, padding and attention mask, from a standard vocab.txt.
 *
 * The same ids as Hugging Face's BertTokenizer (do_lower_case=True, the uncased models) for any
 * UTF-8 text: basic tokenization (drop NUL, U+FFFD and control characters, whitespace to
 * spaces, spaces around CJK ideographs, split on whitespace, lower-case with Greek final sigma
 * and strip accents by canonical decomposition (NFD) minus nonspacing marks, split off every
 * punctuation character), then greedy longest-match-first WordPiece with "##" continuations,
 * a word longer than 100 characters or with an unmatched remainder becoming [UNK]. Character
 * data comes from unicode_tables.h, generated from Python's unicodedata (Unicode 14).
 * Differences from BertTokenizer, deliberate: "[SEP]" and the like written in the text are
 * split like any text (data cannot inject control tokens); invalid UTF-8 bytes read as U+FFFD
 * and are dropped; vocab.txt lines may end in "\r\n".
 * A loaded tokenizer is read-only: one may be used from several threads at once.
 */
#ifndef MILES_TEXT_WORDPIECE_H
#define MILES_TEXT_WORDPIECE_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

typedef struct wp_tokenizer wp_tokenizer;

typedef struct {
    int cased;              /* 1: keep case and accents (cased models); 0 (default): uncased */
    int max_chars_per_word; /* longer words become [UNK]; 0 = 100, as BERT */
} wp_options;

/* Reads vocab.txt (one token per line, the id is the 0-based line number; a repeated token
 * keeps its last line, as BertTokenizer's reader). opt NULL = uncased defaults. ML_EDATA when
 * the file cannot be read, is empty, or lacks [UNK], [CLS], [SEP] or [PAD] (err names which);
 * ML_ERUNTIME when out of memory. */
ml_status wp_load(const char *vocab_path, const wp_options *opt, wp_tokenizer **out, char *err, size_t errlen);
void wp_free(wp_tokenizer *t);

size_t wp_vocab_size(const wp_tokenizer *t);
/* Id of a vocabulary entry, or -1. */
int32_t wp_token_id(const wp_tokenizer *t, const char *token);
/* The entry of an id, or NULL. */
const char *wp_token(const wp_tokenizer *t, int32_t id);

/* The WordPiece ids of len bytes of UTF-8 text, without [CLS]/[SEP]: the first cap go to ids
 * (may be NULL with cap 0), *count gets how many there are in all. ML_OK, or ML_ERUNTIME when
 * out of memory. */
ml_status wp_tokenize(const wp_tokenizer *t, const char *text, size_t len, int32_t *ids, size_t cap, size_t *count,
                      char *err, size_t errlen);

/* One sequence for BERT: [CLS], the first max_len - 2 pieces, [SEP], then [PAD] up to max_len;
 * mask[i] is 1 for the real tokens and 0 for padding. ids and mask hold max_len entries (mask
 * may be NULL). *pieces (may be NULL) gets the number of pieces before truncation. ML_EINVAL
 * when max_len < 2. */
ml_status wp_encode(const wp_tokenizer *t, const char *text, size_t len, int max_len, int32_t *ids, int32_t *mask,
                    size_t *pieces, char *err, size_t errlen);

#endif
