/* predictions.c - test-predictions.bin written and read back (predictions.h). */
#define _POSIX_C_SOURCE 200809L
#include "core/predictions.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/runfiles.h"
#include "core/util.h"

static const char MAGIC[8] = {'M', 'I', 'L', 'E', 'S', 'P', 'R', 'D'};

void pred_init(pred_file *p) { memset(p, 0, sizeof *p); }

void pred_free(pred_file *p) {
    free(p->label);
    free(p->label_set);
    for (int h = 0; h < PRED_HEADS; h++) free(p->pred[h]), free(p->pred_set[h]);
    pred_init(p);
}

ml_status pred_alloc(pred_file *p, uint32_t n, char *err, size_t errlen) {
    pred_init(p);
    p->n = n;
    size_t bytes = (size_t)(n ? n : 1) * sizeof(int16_t);
    p->label = malloc(bytes);
    int ok = p->label != NULL;
    for (int h = 0; h < PRED_HEADS; h++) ok = (p->pred[h] = malloc(bytes)) != NULL && ok;
    if (ok) return ML_OK;
    pred_free(p);
    snprintf(err, errlen, "out of memory for %u predictions", n);
    return ML_ERUNTIME;
}

ml_status pred_alloc_sets(pred_file *p, uint32_t n, uint32_t k, char *err, size_t errlen) {
    pred_init(p);
    p->n = n;
    p->num_classes = k;
    size_t bytes = (size_t)(n ? n : 1) * (pred_set_bytes(k) ? pred_set_bytes(k) : 1);
    p->label_set = calloc(bytes, 1);
    int ok = p->label_set != NULL;
    for (int h = 0; h < PRED_HEADS; h++) ok = (p->pred_set[h] = calloc(bytes, 1)) != NULL && ok;
    if (ok) return ML_OK;
    pred_free(p);
    snprintf(err, errlen, "out of memory for %u predicted label sets", n);
    return ML_ERUNTIME;
}

/* The bytes after the header of a file of KIND with n examples of k classes or labels. */
static size_t body_bytes(uint32_t kind, uint32_t n, uint32_t k) {
    size_t per = kind == PRED_KIND_MULTI ? pred_set_bytes(k) : 2;
    return (size_t)n * per * (1 + PRED_HEADS);
}

static void put_u32(unsigned char *b, uint32_t v) {
    for (int i = 0; i < 4; i++) b[i] = (unsigned char)(v >> (8 * i));
}
static uint32_t get_u32(const unsigned char *b) {
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}
static void put_i16(unsigned char *b, int16_t v) {
    b[0] = (unsigned char)((uint16_t)v & 0xff);
    b[1] = (unsigned char)((uint16_t)v >> 8);
}
static int16_t get_i16(const unsigned char *b) { return (int16_t)(uint16_t)(b[0] | b[1] << 8); }

ml_status pred_write(const char *dir, const pred_file *p, char *err, size_t errlen) {
    char path[ML_PATH_MAX];
    if (path_join(path, sizeof path, dir, PRED_FILE)) {
        snprintf(err, errlen, "%.300s/%s: path too long", dir, PRED_FILE);
        return ML_ERUNTIME;
    }
    uint32_t kind = p->label_set ? PRED_KIND_MULTI : PRED_KIND_CLASS;
    size_t len = PRED_HEADER + body_bytes(kind, p->n, p->num_classes);
    unsigned char *b = malloc(len);
    if (!b) return snprintf(err, errlen, "%s: out of memory", path), ML_ERUNTIME;
    memcpy(b, MAGIC, 8);
    uint32_t head[6] = {PRED_VERSION, kind, p->n, PRED_HEADS, p->num_classes, p->epoch};
    for (int i = 0; i < 6; i++) put_u32(b + 8 + 4 * i, head[i]);
    unsigned char *q = b + PRED_HEADER;
    if (kind == PRED_KIND_MULTI) {
        size_t part = (size_t)p->n * pred_set_bytes(p->num_classes);
        memcpy(q, p->label_set, part);
        for (int h = 0; h < PRED_HEADS; h++) memcpy(q + part * (size_t)(1 + h), p->pred_set[h], part);
    } else {
        for (uint32_t i = 0; i < p->n; i++, q += 2) put_i16(q, p->label[i]);
        for (int h = 0; h < PRED_HEADS; h++)
            for (uint32_t i = 0; i < p->n; i++, q += 2) put_i16(q, p->pred[h][i]);
    }
    int bad = write_file_atomic(path, (const char *)b, len, err, errlen);
    free(b);
    return bad ? ML_ERUNTIME : ML_OK;
}

/* The whole file into *buf (free it) and its length; -1 with errno when it cannot be read. */
static int slurp(const char *path, unsigned char **buf, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    size_t cap = 1 << 16, n = 0;
    unsigned char *b = malloc(cap);
    while (b) {
        n += fread(b + n, 1, cap - n, f);
        if (n < cap) break;
        unsigned char *nb = cap < ((size_t)1 << 34) ? realloc(b, cap * 2) : NULL;
        if (!nb) free(b);
        b = nb;
        cap *= 2;
    }
    int e = ferror(f);
    fclose(f);
    if (!b || e) {
        free(b);
        errno = b ? EIO : ENOMEM;
        return -1;
    }
    *buf = b;
    *len = n;
    return 0;
}

/* The header of B (LEN bytes) into p; an error message naming what is wrong, or NULL. */
static const char *check_header(const unsigned char *b, size_t len, pred_file *p, char *why, size_t wl) {
    if (len < PRED_HEADER || memcmp(b, MAGIC, 8)) return "expected the magic MILESPRD and a 32-byte header";
    p->version = get_u32(b + 8), p->kind = get_u32(b + 12), p->n = get_u32(b + 16);
    p->heads = get_u32(b + 20), p->num_classes = get_u32(b + 24), p->epoch = get_u32(b + 28);
    if (p->version != PRED_VERSION)
        return snprintf(why, wl, "version: expected %d, found %u", PRED_VERSION, p->version), why;
    if (p->kind != PRED_KIND_CLASS && p->kind != PRED_KIND_MULTI)
        return snprintf(why, wl, "kind: expected %d (class ids) or %d (label sets), found %u", PRED_KIND_CLASS,
                        PRED_KIND_MULTI, p->kind),
               why;
    if (p->heads != PRED_HEADS) return snprintf(why, wl, "heads: expected %d, found %u", PRED_HEADS, p->heads), why;
    if (p->num_classes < 1 || p->num_classes > 32767)
        return snprintf(why, wl, "num_classes: expected 1 to 32767, found %u", p->num_classes), why;
    size_t want = PRED_HEADER + body_bytes(p->kind, p->n, p->num_classes);
    if (len != want) return snprintf(why, wl, "size: expected %zu bytes for n = %u, found %zu", want, p->n, len), why;
    return NULL;
}

/* The label sets of B into p (allocated), kind 2; an error message or NULL. */
static const char *read_sets(const unsigned char *b, pred_file *p, char *why, size_t wl) {
    pred_file hdr = *p;
    char e[256];
    if (pred_alloc_sets(p, hdr.n, hdr.num_classes, e, sizeof e)) return "out of memory";
    p->version = hdr.version, p->kind = hdr.kind, p->heads = hdr.heads, p->epoch = hdr.epoch;
    size_t w = pred_set_bytes(p->num_classes), part = (size_t)p->n * w;
    unsigned pad = p->num_classes % 8 ? 0xffu << (p->num_classes % 8) & 0xffu : 0;
    for (int h = -1; h < PRED_HEADS; h++) {
        uint8_t *dst = h < 0 ? p->label_set : p->pred_set[h];
        memcpy(dst, b + PRED_HEADER + part * (size_t)(1 + h), part);
        for (uint32_t i = 0; i < p->n; i++)
            if (dst[i * w + w - 1] & pad) {
                snprintf(why, wl, "%s[%u]: expected labels in [0, %u), found a bit set above them",
                         h < 0 ? "label" : "pred", i, p->num_classes);
                return why;
            }
    }
    return NULL;
}

/* The arrays of B into p (allocated); an error message or NULL. */
static const char *read_body(const unsigned char *b, pred_file *p, char *why, size_t wl) {
    if (p->kind == PRED_KIND_MULTI) return read_sets(b, p, why, wl);
    pred_file hdr = *p;
    char e[256];
    if (pred_alloc(p, hdr.n, e, sizeof e)) return "out of memory";
    p->version = hdr.version, p->kind = hdr.kind, p->heads = hdr.heads;
    p->num_classes = hdr.num_classes, p->epoch = hdr.epoch;
    const unsigned char *q = b + PRED_HEADER;
    for (int h = -1; h < PRED_HEADS; h++) {
        int16_t *dst = h < 0 ? p->label : p->pred[h];
        for (uint32_t i = 0; i < p->n; i++, q += 2) {
            dst[i] = get_i16(q);
            if (dst[i] < 0 || (uint32_t)dst[i] >= p->num_classes) {
                snprintf(why, wl, "%s[%u]: expected a class id in [0, %u), found %d", h < 0 ? "label" : "pred", i,
                         p->num_classes, dst[i]);
                return why;
            }
        }
    }
    return NULL;
}

ml_status pred_read(const char *dir, pred_file *p, int *missing, char *err, size_t errlen) {
    char path[ML_PATH_MAX], why[256];
    unsigned char *b = NULL;
    size_t len = 0;
    pred_init(p);
    if (missing) *missing = 0;
    if (path_join(path, sizeof path, dir, PRED_FILE)) {
        snprintf(err, errlen, "%.300s/%s: path too long", dir, PRED_FILE);
        return ML_EDATA;
    }
    if (slurp(path, &b, &len)) {
        if (missing && errno == ENOENT) *missing = 1;
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return ML_EDATA;
    }
    const char *bad = check_header(b, len, p, why, sizeof why);
    if (!bad) bad = read_body(b, p, why, sizeof why);
    free(b);
    if (!bad) return ML_OK;
    pred_free(p);
    snprintf(err, errlen, "%s: %s", path, bad);
    return ML_EDATA;
}
