/* wordpiece.c - BERT's WordPiece tokenizer: vocab.txt loading, basic tokenization with the
 * character tables of unicode_tables.h, greedy longest-match WordPiece, and sequence encoding.
 * Each step follows the function of Hugging Face's tokenization_bert.py it is named after. */
#include "text/wordpiece.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text/unicode_tables.h"

_Static_assert(UC_FOLD_WIDTH <= 3, "wp_tokenize sizes its buffers for folds of at most 3 characters");

struct wp_tokenizer {
    char *pool;       /* every token, NUL-terminated, in id order */
    size_t *offset;   /* id -> start in pool */
    uint32_t *length; /* id -> byte length */
    size_t n;
    int32_t *slots; /* open-addressing hash table of ids, -1 = empty */
    size_t slot_mask;
    int32_t unk, cls, sep, pad;
    int cased;
    size_t max_chars;
};

static ml_status fail(ml_status s, char *err, size_t errlen, const char *fmt, ...) {
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return s;
}

/* ---- vocabulary ------------------------------------------------------------------------- */

static uint64_t hash_bytes(const char *s, size_t len) {
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
    return h;
}

static int32_t lookup(const wp_tokenizer *t, const char *s, size_t len) {
    for (size_t i = hash_bytes(s, len) & t->slot_mask;; i = (i + 1) & t->slot_mask) {
        int32_t id = t->slots[i];
        if (id < 0) return -1;
        if (t->length[id] == len && memcmp(t->pool + t->offset[id], s, len) == 0) return id;
    }
}

/* A repeated token points at its last line, as a Python dict filled line by line does. */
static void insert(wp_tokenizer *t, int32_t id) {
    const char *s = t->pool + t->offset[id];
    size_t len = t->length[id];
    for (size_t i = hash_bytes(s, len) & t->slot_mask;; i = (i + 1) & t->slot_mask) {
        int32_t old = t->slots[i];
        if (old < 0 || (t->length[old] == len && memcmp(t->pool + t->offset[old], s, len) == 0)) {
            t->slots[i] = id;
            return;
        }
    }
}

static char *read_file(const char *path, size_t *len, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fail(ML_EDATA, err, errlen, "%s: cannot open vocabulary: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        char *grown = realloc(buf, 2 * cap + 1);
        if (!grown) {
            free(buf);
            buf = NULL;
        } else {
            buf = grown;
            cap *= 2;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        fail(ML_EDATA, err, errlen, "%s: cannot read vocabulary%s", path, buf ? "" : ": out of memory");
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Lines become NUL-terminated tokens in place; a final line without '\n' counts too. */
static ml_status split_lines(wp_tokenizer *t, char *text, size_t len, const char *path, char *err, size_t errlen) {
    size_t lines = 0;
    for (size_t i = 0; i < len; i++) lines += text[i] == '\n';
    if (len && text[len - 1] != '\n') lines++;
    if (lines == 0) return fail(ML_EDATA, err, errlen, "%s: empty vocabulary", path);
    if (lines > INT32_MAX / 4)
        return fail(ML_EDATA, err, errlen, "%s: %zu lines, too many for a vocabulary", path, lines);
    t->offset = malloc(sizeof *t->offset * lines);
    t->length = malloc(sizeof *t->length * lines);
    size_t slots = 16;
    while (slots < 2 * lines) slots *= 2;
    t->slots = malloc(sizeof *t->slots * slots);
    if (!t->offset || !t->length || !t->slots) return fail(ML_ERUNTIME, err, errlen, "%s: out of memory", path);
    memset(t->slots, 0xff, sizeof *t->slots * slots);
    t->slot_mask = slots - 1;
    t->pool = text;
    size_t start = 0;
    for (size_t id = 0; id < lines; id++) {
        size_t end = start;
        while (end < len && text[end] != '\n') end++;
        size_t stop = end > start && text[end - 1] == '\r' ? end - 1 : end;
        text[stop] = '\0';
        if (end < len) text[end] = '\0';
        t->offset[id] = start;
        t->length[id] = (uint32_t)(stop - start);
        t->n = id + 1;
        insert(t, (int32_t)id);
        start = end + 1;
    }
    return ML_OK;
}

ml_status wp_load(const char *path, const wp_options *opt, wp_tokenizer **out, char *err, size_t errlen) {
    *out = NULL;
    wp_tokenizer *t = calloc(1, sizeof *t);
    if (!t) return fail(ML_ERUNTIME, err, errlen, "out of memory");
    size_t len = 0;
    char *text = read_file(path, &len, err, errlen);
    if (!text) {
        free(t);
        return ML_EDATA;
    }
    ml_status st = split_lines(t, text, len, path, err, errlen);
    if (!t->pool) free(text);
    if (st != ML_OK) {
        wp_free(t);
        return st;
    }
    static const char *const special[4] = {"[UNK]", "[CLS]", "[SEP]", "[PAD]"};
    int32_t *ids[4] = {&t->unk, &t->cls, &t->sep, &t->pad};
    for (int i = 0; i < 4; i++) {
        *ids[i] = lookup(t, special[i], strlen(special[i]));
        if (*ids[i] < 0) {
            wp_free(t);
            return fail(ML_EDATA, err, errlen, "%s: the vocabulary has no %s token (expected a BERT vocab.txt)", path,
                        special[i]);
        }
    }
    t->cased = opt ? opt->cased : 0;
    t->max_chars = opt && opt->max_chars_per_word > 0 ? (size_t)opt->max_chars_per_word : 100;
    *out = t;
    return ML_OK;
}

void wp_free(wp_tokenizer *t) {
    if (!t) return;
    free(t->pool);
    free(t->offset);
    free(t->length);
    free(t->slots);
    free(t);
}

size_t wp_vocab_size(const wp_tokenizer *t) { return t->n; }

int32_t wp_token_id(const wp_tokenizer *t, const char *token) { return lookup(t, token, strlen(token)); }

const char *wp_token(const wp_tokenizer *t, int32_t id) {
    return id >= 0 && (size_t)id < t->n ? t->pool + t->offset[id] : NULL;
}

/* ---- characters --------------------------------------------------------------------------- */

static unsigned uc_bits(uint32_t cp) {
    size_t lo = 0, hi = sizeof uc_ranges / sizeof uc_ranges[0];
    while (lo + 1 < hi) {
        size_t mid = (lo + hi) / 2;
        if (uc_ranges[mid].lo <= cp) lo = mid;
        else hi = mid;
    }
    return cp <= uc_ranges[lo].hi ? uc_ranges[lo].bits : UC_CONTROL;
}

static int uc_fold(uint32_t cp) {
    size_t lo = 0, hi = sizeof uc_folds / sizeof uc_folds[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (uc_folds[mid].cp < cp) lo = mid + 1;
        else hi = mid;
    }
    return lo < sizeof uc_folds / sizeof uc_folds[0] && uc_folds[lo].cp == cp ? (int)lo : -1;
}

/* BasicTokenizer._is_chinese_char: the CJK Unified Ideographs blocks, not Hangul or kana. */
static int is_cjk(uint32_t cp) {
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF) ||
           (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

/* One code point from s[*i..len); invalid or overlong sequences and surrogates give U+FFFD for
 * one byte. */
static uint32_t utf8_next(const unsigned char *s, size_t len, size_t *i) {
    unsigned c = s[*i];
    size_t n = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 4;
    static const uint32_t min[4] = {0, 0x80, 0x800, 0x10000};
    if (n == 0) {
        (*i)++;
        return c;
    }
    if (n == 4 || *i + n >= len) {
        (*i)++;
        return 0xFFFD;
    }
    uint32_t cp = c & (0x3F >> n);
    for (size_t k = 1; k <= n; k++) {
        if ((s[*i + k] & 0xC0) != 0x80) {
            (*i)++;
            return 0xFFFD;
        }
        cp = (cp << 6) | (s[*i + k] & 0x3F);
    }
    if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        (*i)++;
        return 0xFFFD;
    }
    *i += n + 1;
    return cp;
}

static size_t utf8_put(uint32_t cp, char *out) {
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ---- basic tokenization --------------------------------------------------------------------- */

/* _clean_text and _tokenize_chinese_chars: drop NUL, U+FFFD and controls, whitespace becomes
 * ' ', ideographs get spaces around them. out holds 3 * len entries; returns the count. */
static size_t clean_text(const char *text, size_t len, uint32_t *out) {
    size_t i = 0, n = 0;
    while (i < len) {
        uint32_t cp = utf8_next((const unsigned char *)text, len, &i);
        unsigned b = uc_bits(cp);
        if (cp == 0 || cp == 0xFFFD || (b & UC_CONTROL)) continue;
        if (b & UC_SPACE) {
            out[n++] = ' ';
        } else if (is_cjk(cp)) {
            out[n++] = ' ';
            out[n++] = cp;
            out[n++] = ' ';
        } else {
            out[n++] = cp;
        }
    }
    return n;
}

/* str.lower()'s Final_Sigma rule for U+03A3 at w[i]: final sigma after a cased letter (case-
 * ignorable characters skipped) unless a cased letter follows (the same way). */
static uint32_t lower_sigma(const uint32_t *w, size_t n, size_t i) {
    size_t j = i;
    while (j > 0 && (uc_bits(w[j - 1]) & UC_IGNORABLE)) j--;
    int final = j > 0 && (uc_bits(w[j - 1]) & UC_CASED);
    if (final) {
        size_t k = i + 1;
        while (k < n && (uc_bits(w[k]) & UC_IGNORABLE)) k++;
        final = k == n || !(uc_bits(w[k]) & UC_CASED);
    }
    return final ? 0x3C2 : 0x3C3;
}

/* token.lower() then _run_strip_accents (NFD, drop Mn). out holds 3 * n entries. */
static size_t fold_word(const uint32_t *w, size_t n, uint32_t *out) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t cp = w[i];
        if (cp == 0x3A3) {
            out[k++] = lower_sigma(w, n, i);
        } else if (cp >= 0xAC00 && cp <= 0xD7A3) {
            /* Hangul syllables decompose arithmetically into leading, vowel and trailing jamo */
            uint32_t s = cp - 0xAC00;
            out[k++] = 0x1100 + s / 588;
            out[k++] = 0x1161 + (s % 588) / 28;
            if (s % 28) out[k++] = 0x11A7 + s % 28;
        } else {
            int f = uc_fold(cp);
            if (f >= 0) {
                for (int j = 0; j < uc_folds[f].n; j++) out[k++] = uc_folds[f].to[j];
            } else if (!(uc_bits(cp) & UC_MARK)) {
                out[k++] = cp;
            }
        }
    }
    return k;
}

/* ---- WordPiece ------------------------------------------------------------------------------ */

typedef struct {
    int32_t *ids;
    size_t cap, count;
    char *utf8;    /* "##" + the word's UTF-8, 2 + 4 * max_chars bytes */
    size_t *bound; /* byte offset of each character boundary, max_chars + 1 */
} sink;

static void emit(sink *s, int32_t id) {
    if (s->count < s->cap) s->ids[s->count] = id;
    s->count++;
}

/* WordpieceTokenizer.tokenize for one word: greedy longest match, "##" after the first piece;
 * a word with an unmatched remainder, or longer than max_chars, is one [UNK]. */
static void wordpiece(const wp_tokenizer *t, const uint32_t *w, size_t n, sink *s) {
    if (n == 0) return;
    if (n > t->max_chars) {
        emit(s, t->unk);
        return;
    }
    char *bytes = s->utf8 + 2;
    s->bound[0] = 0;
    for (size_t i = 0; i < n; i++) s->bound[i + 1] = s->bound[i] + utf8_put(w[i], bytes + s->bound[i]);
    const size_t first = s->count;
    for (size_t start = 0; start < n;) {
        int32_t id = -1;
        size_t end = n;
        for (; end > start; end--) {
            size_t b0 = s->bound[start], len = s->bound[end] - b0;
            if (start == 0) {
                id = lookup(t, bytes, len);
            } else {
                /* the two bytes before this piece are overwritten with "##", then put back */
                char keep[2] = {bytes[b0 - 2 + 0], bytes[b0 - 1]};
                char *p = bytes + b0 - 2;
                p[0] = '#';
                p[1] = '#';
                id = lookup(t, p, len + 2);
                p[0] = keep[0];
                p[1] = keep[1];
            }
            if (id >= 0) break;
        }
        if (id < 0) {
            s->count = first;
            emit(s, t->unk);
            return;
        }
        emit(s, id);
        start = end;
    }
}

/* _run_split_on_punc on a folded word, then WordPiece on each part. */
static void split_and_piece(const wp_tokenizer *t, const uint32_t *w, size_t n, sink *s) {
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (uc_bits(w[i]) & UC_PUNCT) {
            wordpiece(t, w + start, i - start, s);
            wordpiece(t, w + i, 1, s);
            start = i + 1;
        }
    }
    wordpiece(t, w + start, n - start, s);
}

ml_status wp_tokenize(const wp_tokenizer *t, const char *text, size_t len, int32_t *ids, size_t cap, size_t *count,
                      char *err, size_t errlen) {
    *count = 0;
    /* A byte gives at most one character and a character at most three after cleaning (an
     * ideograph and its two spaces); folding turns one character into at most three. */
    size_t nclean = 3 * len + 1;
    uint32_t *clean = malloc(sizeof *clean * nclean);
    uint32_t *folded = malloc(sizeof *folded * nclean * 3);
    sink s = {ids, ids ? cap : 0, 0, malloc(2 + 4 * t->max_chars + 4), malloc(sizeof(size_t) * (t->max_chars + 2))};
    ml_status st = ML_OK;
    if (!clean || !folded || !s.utf8 || !s.bound) {
        st = fail(ML_ERUNTIME, err, errlen, "tokenizer: out of memory for %zu bytes of text", len);
    } else {
        size_t n = clean_text(text, len, clean);
        for (size_t i = 0; i < n;) {
            while (i < n && clean[i] == ' ') i++;
            size_t j = i;
            while (j < n && clean[j] != ' ') j++;
            if (j > i) {
                if (t->cased) {
                    split_and_piece(t, clean + i, j - i, &s);
                } else {
                    size_t k = fold_word(clean + i, j - i, folded);
                    split_and_piece(t, folded, k, &s);
                }
            }
            i = j;
        }
        *count = s.count;
    }
    free(clean);
    free(folded);
    free(s.utf8);
    free(s.bound);
    return st;
}

ml_status wp_encode(const wp_tokenizer *t, const char *text, size_t len, int max_len, int32_t *ids, int32_t *mask,
                    size_t *pieces, char *err, size_t errlen) {
    if (max_len < 2) return fail(ML_EINVAL, err, errlen, "max_len: expected >= 2 ([CLS] and [SEP]), found %d", max_len);
    size_t count = 0;
    ml_status st = wp_tokenize(t, text, len, ids + 1, (size_t)max_len - 2, &count, err, errlen);
    if (st != ML_OK) return st;
    size_t kept = count < (size_t)max_len - 2 ? count : (size_t)max_len - 2;
    ids[0] = t->cls;
    ids[kept + 1] = t->sep;
    for (size_t i = kept + 2; i < (size_t)max_len; i++) ids[i] = t->pad;
    if (mask)
        for (size_t i = 0; i < (size_t)max_len; i++) mask[i] = i < kept + 2;
    if (pieces) *pieces = count;
    return ML_OK;
}
