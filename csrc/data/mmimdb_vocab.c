/* mmimdb_vocab.c - metadata.npy's ix_to_word through the restricted pickle reader (see
 * mmimdb_vocab.h). */
#define _POSIX_C_SOURCE 200809L
#include "data/mmimdb_vocab.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/errfmt.h"
#include "data/pickle.h"

/* Where the pickle starts: after an NPY header of dtype object ('|O'), or at 0 for a bare
 * pickle (protocol 2+ starts with PROTO, 0x80). */
static ml_status payload(const uint8_t *buf, size_t len, const char *name, size_t *off, char *err, size_t errlen) {
    if (len >= 1 && buf[0] == 0x80) return *off = 0, ML_OK;
    if (len < 10 || memcmp(buf, "\x93NUMPY", 6) || buf[6] < 1 || buf[6] > 3) {
        seterr(err, errlen, "%s: expected an NPY file (or a pickle), found neither", name);
        return ML_EDATA;
    }
    size_t hlen = buf[6] == 1 ? (size_t)buf[8] | (size_t)buf[9] << 8
                  : len < 12  ? SIZE_MAX
                              : (size_t)buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
    size_t start = buf[6] == 1 ? 10 : 12;
    if (hlen > len - start) {
        seterr(err, errlen, "%s: NPY header: expected %zu bytes of header, found the end", name, hlen);
        return ML_EDATA;
    }
    char header[512];
    snprintf(header, sizeof header, "%.*s", (int)(hlen < sizeof header - 1 ? hlen : sizeof header - 1),
             (const char *)buf + start);
    if (!strstr(header, "'descr': '|O'")) {
        seterr(err, errlen, "%s: NPY header: expected dtype object ('|O': a pickled dict), found %.80s", name, header);
        return ML_EDATA;
    }
    *off = start + hlen;
    return ML_OK;
}

/* The dict: the root itself, or the one element of a 0-d object array (NumPy's _reconstruct,
 * whose BUILD state is (version, shape, dtype, fortran, [elements])). */
static const pk_value *find_dict(const pk_value *root) {
    if (root->kind == PK_DICT) return root;
    if (root->kind != PK_OBJECT || !root->state || root->state->kind != PK_TUPLE || root->state->n < 5) return NULL;
    const pk_value *list = root->state->items[root->state->n - 1];
    if (list->kind != PK_LIST || list->n != 1) return NULL;
    return list->items[0]->kind == PK_DICT ? list->items[0] : NULL;
}

static int set_word(mmimdb_vocab *v, int64_t id, const pk_value *w) {
    if (v->words[id]) free(v->words[id]);
    if (!(v->words[id] = malloc(w->len + 1))) return -1;
    memcpy(v->words[id], w->s, w->len);
    v->words[id][w->len] = 0;
    v->lens[id] = w->len;
    return 0;
}

/* ix_to_word's pairs (dict) or items (list) into v. */
static ml_status take_words(const pk_value *ix, mmimdb_vocab *v, const char *name, char *err, size_t errlen) {
    int is_dict = ix->kind == PK_DICT;
    int64_t n = 0;
    for (size_t i = 0; i < ix->n; i++) {
        const pk_value *k = is_dict ? ix->items[2 * i] : NULL, *w = is_dict ? ix->items[2 * i + 1] : ix->items[i];
        if ((is_dict && (k->kind != PK_INT || k->i < 0 || k->i >= MMIMDB_VOCAB_MAX)) || w->kind != PK_STR) {
            seterr(err, errlen, "%s: ix_to_word entry %zu: expected an id in [0, %d) and a string, found other values",
                   name, i, MMIMDB_VOCAB_MAX);
            return ML_EDATA;
        }
        int64_t id = is_dict ? k->i : (int64_t)i;
        if (id + 1 > n) n = id + 1;
    }
    if (!(v->words = calloc((size_t)(n ? n : 1), sizeof *v->words)) ||
        !(v->lens = calloc((size_t)(n ? n : 1), sizeof *v->lens)))
        return seterr(err, errlen, "%s: out of memory", name), ML_ERUNTIME;
    v->n = (int32_t)n;
    for (size_t i = 0; i < ix->n; i++) {
        int64_t id = is_dict ? ix->items[2 * i]->i : (int64_t)i;
        if (set_word(v, id, is_dict ? ix->items[2 * i + 1] : ix->items[i]))
            return seterr(err, errlen, "%s: out of memory", name), ML_ERUNTIME;
    }
    return ML_OK;
}

ml_status mmimdb_vocab_parse(const uint8_t *buf, size_t len, const char *name, mmimdb_vocab *v, char *err,
                             size_t errlen) {
    memset(v, 0, sizeof *v);
    size_t off;
    ml_status st = payload(buf, len, name, &off, err, errlen);
    if (st != ML_OK) return st;
    pk_doc *doc = NULL;
    char msg[512];
    if ((st = pk_parse(buf + off, len - off, &doc, msg, sizeof msg)) != ML_OK) {
        seterr(err, errlen, "%s: %s", name, msg);
        return st;
    }
    const pk_value *dict = find_dict(pk_root(doc));
    const pk_value *ix = pk_dict_get(dict, "ix_to_word");
    if (!dict || !ix || (ix->kind != PK_DICT && ix->kind != PK_LIST)) {
        seterr(err, errlen, "%s: expected a dict with 'ix_to_word' (a dict id -> word, or a list), found %s", name,
               !dict ? "no dict"
               : !ix ? "a dict without it"
                     : "it of another type");
        st = ML_EDATA;
    } else {
        st = take_words(ix, v, name, err, errlen);
    }
    pk_free(doc);
    if (st != ML_OK) mmimdb_vocab_free(v);
    return st;
}

ml_status mmimdb_vocab_read(const char *path, mmimdb_vocab *v, char *err, size_t errlen) {
    memset(v, 0, sizeof *v);
    FILE *f = fopen(path, "rb");
    if (!f) return seterr(err, errlen, "%s: cannot open: %s", path, strerror(errno)), ML_EDATA;
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0, got;
    ml_status st = ML_OK;
    do {
        if (len == cap) {
            uint8_t *b = realloc(buf, cap = cap ? 2 * cap : 1 << 16);
            if (!b) {
                st = ML_ERUNTIME;
                seterr(err, errlen, "%s: out of memory", path);
                break;
            }
            buf = b;
        }
        len += got = fread(buf + len, 1, cap - len, f);
    } while (got > 0);
    if (st == ML_OK && ferror(f)) st = ML_EDATA, seterr(err, errlen, "%s: cannot read: %s", path, strerror(errno));
    fclose(f);
    if (st == ML_OK) st = mmimdb_vocab_parse(buf, len, path, v, err, errlen);
    free(buf);
    return st;
}

void mmimdb_vocab_free(mmimdb_vocab *v) {
    for (int32_t i = 0; v->words && i < v->n; i++) free(v->words[i]);
    free(v->words);
    free(v->lens);
    memset(v, 0, sizeof *v);
}
