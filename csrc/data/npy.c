/* npy.c - reading and writing NumPy .npy files (format versions 1.0, 2.0, 3.0).
 *
 * Layout: the magic "\x93NUMPY", major and minor version bytes, the header length (u16 LE in
 * 1.0, u32 LE in 2.0/3.0), the header (a Python dict literal such as
 * "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 784), }", padded with spaces and
 * ending in '\n'), then the raw C-order data. The reader parses the dict with a small
 * recursive-descent parser for exactly the literal forms numpy writes (strings, True/False,
 * tuples of non-negative integers), requires exactly the three keys, and requires the data
 * after the header to be exactly count * itemsize bytes: a shorter file is truncated, a longer
 * one means the header is wrong. Data is read with one fread into one malloc'd buffer.
 * The writer writes version 1.0 with the header padded so the data starts at a multiple of 64
 * bytes (numpy's rule), or 2.0 when the header does not fit a u16, to PATH.tmp, then renames.
 */
#define _POSIX_C_SOURCE   200809L
#define _FILE_OFFSET_BITS 64
#include "data/npy.h"
#include "data/errfmt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define NPY_MAX_HEADER (1u << 24) /* a sane bound; numpy's own headers are < 10 kB */

size_t npy_dtype_size(npy_dtype t) {
    switch (t) {
    case NPY_F4: return 4;
    case NPY_F8: return 8;
    case NPY_I4: return 4;
    case NPY_I8: return 8;
    case NPY_U1: return 1;
    }
    return 0;
}

const char *npy_dtype_name(npy_dtype t) {
    switch (t) {
    case NPY_F4: return "<f4";
    case NPY_F8: return "<f8";
    case NPY_I4: return "<i4";
    case NPY_I8: return "<i8";
    case NPY_U1: return "|u1";
    }
    return "?";
}

void npy_free(npy_array *a) {
    if (!a) return;
    free(a->data);
    memset(a, 0, sizeof *a);
}

double npy_get_f64(const npy_array *a, int64_t i) {
    switch (a->dtype) {
    case NPY_F4: return (double)((const float *)a->data)[i];
    case NPY_F8: return ((const double *)a->data)[i];
    case NPY_I4: return (double)((const int32_t *)a->data)[i];
    case NPY_I8: return (double)((const int64_t *)a->data)[i];
    case NPY_U1: return (double)((const uint8_t *)a->data)[i];
    }
    return 0.0;
}

/* Floats are truncated toward zero; NaN and values outside int64 give INT64_MIN. */
static int64_t f2i(double v) {
    if (!(v > -9.2e18 && v < 9.2e18)) return INT64_MIN;
    return (int64_t)v;
}

int64_t npy_get_i64(const npy_array *a, int64_t i) {
    switch (a->dtype) {
    case NPY_F4: return f2i((double)((const float *)a->data)[i]);
    case NPY_F8: return f2i(((const double *)a->data)[i]);
    case NPY_I4: return (int64_t)((const int32_t *)a->data)[i];
    case NPY_I8: return ((const int64_t *)a->data)[i];
    case NPY_U1: return (int64_t)((const uint8_t *)a->data)[i];
    }
    return 0;
}

/* ---- header parser ----------------------------------------------------------------------- */

typedef struct {
    const char *s, *end;
} cursor;

static void skip_ws(cursor *c) {
    while (c->s < c->end && (*c->s == ' ' || *c->s == '\t' || *c->s == '\n' || *c->s == '\r')) c->s++;
}

/* A quoted Python string ('...' or "..."), no escapes (numpy never writes any in a header). */
static int parse_str(cursor *c, char *out, size_t outlen) {
    skip_ws(c);
    if (c->s >= c->end || (*c->s != '\'' && *c->s != '"')) return -1;
    char q = *c->s++;
    size_t n = 0;
    while (c->s < c->end && *c->s != q) {
        if (*c->s == '\\' || n + 1 >= outlen) return -1;
        out[n++] = *c->s++;
    }
    if (c->s >= c->end) return -1;
    c->s++;
    out[n] = 0;
    return 0;
}

static int accept(cursor *c, char ch) {
    skip_ws(c);
    if (c->s < c->end && *c->s == ch) {
        c->s++;
        return 1;
    }
    return 0;
}

static int accept_word(cursor *c, const char *w) {
    skip_ws(c);
    size_t n = strlen(w);
    if ((size_t)(c->end - c->s) >= n && memcmp(c->s, w, n) == 0) {
        c->s += n;
        return 1;
    }
    return 0;
}

/* A snippet of the header for messages: the first 120 characters, newlines shown as \n. */
static void header_snippet(const char *h, size_t n, char *out, size_t outlen) {
    size_t j = 0;
    while (n > 0 && (h[n - 1] == ' ' || h[n - 1] == '\n')) n--; /* padding says nothing */
    for (size_t i = 0; i < n && j + 3 < outlen && i < 120; i++) {
        unsigned char ch = (unsigned char)h[i];
        if (ch == '\n') {
            out[j++] = '\\';
            out[j++] = 'n';
        } else if (ch < 32 || ch >= 127) {
            out[j++] = '?';
        } else {
            out[j++] = (char)ch;
        }
    }
    out[j] = 0;
}

static int parse_dtype(const char *d, npy_dtype *t) {
    static const struct {
        const char *name;
        npy_dtype t;
    } tab[] = {{"<f4", NPY_F4}, {"<f8", NPY_F8}, {"<i4", NPY_I4}, {"<i8", NPY_I8}, {"|u1", NPY_U1}, {"<u1", NPY_U1}};
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (strcmp(d, tab[i].name) == 0) {
            *t = tab[i].t;
            return 0;
        }
    return -1;
}

/* The value of 'descr': a dtype this reader knows. 0, -1 (malformed) or -2 (why says what was
 * found). */
static int parse_descr(cursor *c, npy_array *a, char *why, size_t whylen) {
    char descr[64];
    if (parse_str(c, descr, sizeof descr)) {
        snprintf(why, whylen, "'descr' to be a quoted dtype string such as '<f4'");
        return -1;
    }
    if (parse_dtype(descr, &a->dtype)) {
        snprintf(why, whylen,
                 "'descr' one of '<f4' '<f8' '<i4' '<i8' '|u1' '<u1' (little-endian), "
                 "found '%s'",
                 descr);
        return -2;
    }
    return 0;
}

/* The value of 'fortran_order': False only (this reader handles C order). */
static int parse_fortran(cursor *c, char *why, size_t whylen) {
    if (accept_word(c, "True")) {
        snprintf(why, whylen, "'fortran_order': False (C order), found True");
        return -2;
    }
    if (!accept_word(c, "False")) {
        snprintf(why, whylen, "'fortran_order' to be True or False");
        return -1;
    }
    return 0;
}

/* One non-negative integer of the shape tuple. */
static int parse_dim(cursor *c, int64_t *out, char *why, size_t whylen) {
    skip_ws(c);
    if (c->s < c->end && *c->s == '-') {
        snprintf(why, whylen, "'shape' of non-negative integers, found a negative one");
        return -2;
    }
    if (c->s >= c->end || *c->s < '0' || *c->s > '9') {
        snprintf(why, whylen, "'shape' to be a tuple of non-negative integers");
        return -1;
    }
    int64_t v = 0;
    while (c->s < c->end && *c->s >= '0' && *c->s <= '9') {
        if (v > (INT64_MAX - 9) / 10) {
            snprintf(why, whylen, "'shape' entries that fit in 64 bits");
            return -2;
        }
        v = v * 10 + (*c->s++ - '0');
    }
    accept(c, 'L'); /* Python 2 longs */
    *out = v;
    return 0;
}

/* The value of 'shape': a tuple such as (3, 784), (5,) or (). */
static int parse_shape(cursor *c, npy_array *a, char *why, size_t whylen) {
    if (!accept(c, '(')) {
        snprintf(why, whylen, "'shape' to be a tuple such as (3, 784)");
        return -1;
    }
    a->ndim = 0;
    for (;;) {
        if (accept(c, ')')) return 0;
        int64_t v;
        int rc = parse_dim(c, &v, why, whylen);
        if (rc) return rc;
        if (a->ndim >= NPY_MAX_DIMS) {
            snprintf(why, whylen, "at most %d dimensions in 'shape'", NPY_MAX_DIMS);
            return -2;
        }
        a->shape[a->ndim++] = v;
        if (accept(c, ')')) return 0;
        if (!accept(c, ',')) {
            snprintf(why, whylen, "',' or ')' in 'shape'");
            return -1;
        }
    }
}

/* The value of KEY, which must be one of the three keys and appear once (seen counts them). */
static int parse_entry(cursor *c, const char *key, int seen[3], npy_array *a, char *why, size_t whylen) {
    static const char *const keys[3] = {"descr", "fortran_order", "shape"};
    int k = 0;
    while (k < 3 && strcmp(key, keys[k]) != 0) k++;
    if (k == 3) {
        snprintf(why, whylen,
                 "only the keys 'descr', 'fortran_order', 'shape' in the header, "
                 "found '%s'",
                 key);
        return -2;
    }
    if (seen[k]++) {
        snprintf(why, whylen, "key '%s' once", key);
        return -1;
    }
    return k == 0   ? parse_descr(c, a, why, whylen)
           : k == 1 ? parse_fortran(c, why, whylen)
                    : parse_shape(c, a, why, whylen);
}

/* Parses the dict. On error writes a specific complaint into why: -1 for a malformed header, -2
 * when why already says what was found. */
static int parse_header(const char *h, size_t n, npy_array *a, char *why, size_t whylen) {
    cursor c = {h, h + n};
    int seen[3] = {0, 0, 0};
    char key[64];
    if (!accept(&c, '{')) {
        snprintf(why, whylen, "a header dict starting with '{'");
        return -1;
    }
    for (;;) {
        if (accept(&c, '}')) break;
        if (parse_str(&c, key, sizeof key)) {
            snprintf(why, whylen, "a quoted key or '}'");
            return -1;
        }
        if (!accept(&c, ':')) {
            snprintf(why, whylen, "':' after key '%s'", key);
            return -1;
        }
        int rc = parse_entry(&c, key, seen, a, why, whylen);
        if (rc) return rc;
        if (accept(&c, '}')) break;
        if (!accept(&c, ',')) {
            snprintf(why, whylen, "',' or '}' after the value of '%s'", key);
            return -1;
        }
    }
    skip_ws(&c);
    if (c.s != c.end) {
        snprintf(why, whylen, "nothing but spaces after the header dict");
        return -1;
    }
    if (!seen[0] || !seen[1] || !seen[2]) {
        snprintf(why, whylen, "the keys 'descr', 'fortran_order' and 'shape' (missing '%s')",
                 !seen[0]   ? "descr"
                 : !seen[1] ? "fortran_order"
                            : "shape");
        return -1;
    }
    return 0;
}

/* ---- reader ------------------------------------------------------------------------------ */

/* The magic, the version and the header length; *prelen is where the header starts. */
static int read_preamble(FILE *f, const char *path, size_t *prelen, uint32_t *hlen, char *err, size_t errlen) {
    unsigned char pre[12];
    size_t got = fread(pre, 1, 10, f);
    if (got < 8 || memcmp(pre, "\x93NUMPY", 6) != 0) {
        if (got < 6 || memcmp(pre, "\x93NUMPY", 6) != 0)
            seterr(err, errlen, "%s: expected a NumPy .npy file (magic \\x93NUMPY), found %s", path,
                   got < 6 ? "a file shorter than the magic" : "other bytes");
        else seterr(err, errlen, "%s: expected a .npy header after the magic, found end of file", path);
        return -1;
    }
    int major = pre[6], minor = pre[7];
    if (major < 1 || major > 3) {
        seterr(err, errlen, "%s: expected .npy format version 1.0, 2.0 or 3.0, found %d.%d", path, major, minor);
        return -1;
    }
    *prelen = major == 1 ? 10 : 12;
    if (got == 10 && *prelen == 12) got += fread(pre + 10, 1, 2, f);
    if (got < *prelen) {
        seterr(err, errlen, "%s: expected a %zu-byte .npy preamble, found end of file after %zu", path, *prelen, got);
        return -1;
    }
    *hlen = major == 1 ? (uint32_t)pre[8] | (uint32_t)pre[9] << 8
                       : (uint32_t)pre[8] | (uint32_t)pre[9] << 8 | (uint32_t)pre[10] << 16 | (uint32_t)pre[11] << 24;
    if (*hlen > NPY_MAX_HEADER) {
        seterr(err, errlen, "%s: expected a header length below %u bytes, found %u", path, NPY_MAX_HEADER, *hlen);
        return -1;
    }
    return 0;
}

/* The header dict of HLEN bytes into out's dtype and shape. */
static int read_header(FILE *f, const char *path, uint32_t hlen, npy_array *out, char *err, size_t errlen) {
    char *hdr = malloc(hlen + 1);
    if (!hdr) {
        seterr(err, errlen, "%s: out of memory for a %u-byte header", path, hlen);
        return -1;
    }
    size_t hgot = fread(hdr, 1, hlen, f);
    if (hgot != hlen) {
        seterr(err, errlen,
               "%s: expected a %u-byte header (truncated file), found end of file after %zu "
               "bytes",
               path, hlen, hgot);
        free(hdr);
        return -1;
    }
    hdr[hlen] = 0;
    char why[256], snip[300];
    int pr = parse_header(hdr, hlen, out, why, sizeof why);
    if (pr) {
        header_snippet(hdr, hlen, snip, sizeof snip);
        if (pr == -2) /* why already says what was found */
            seterr(err, errlen, "%s: expected %s", path, why);
        else seterr(err, errlen, "%s: expected %s in the .npy header, found \"%s\"", path, why, snip);
    }
    free(hdr);
    return pr ? -1 : 0;
}

/* out->count from the shape, and *bytes = what the data must take. */
static int data_size(const char *path, npy_array *out, int64_t *bytes, char *err, size_t errlen) {
    int64_t count = 1;
    for (int i = 0; i < out->ndim; i++) {
        if (out->shape[i] && count > INT64_MAX / 8 / out->shape[i]) {
            seterr(err, errlen, "%s: expected a shape whose size fits in memory, found one too big", path);
            return -1;
        }
        count *= out->shape[i];
    }
    out->count = count;
    *bytes = count * (int64_t)npy_dtype_size(out->dtype);
    return 0;
}

/* The data after the header must be exactly WANT bytes: fewer is a truncated file, more a
 * header that is wrong. */
static int check_data_length(FILE *f, const char *path, off_t data_start, int64_t want, const npy_array *out, char *err,
                             size_t errlen) {
    if (fseeko(f, 0, SEEK_END) != 0) {
        seterr(err, errlen, "%s: cannot seek: %s", path, strerror(errno));
        return -1;
    }
    int64_t have = (int64_t)(ftello(f) - data_start);
    if (have == want) return 0;
    char shp[200];
    int k = snprintf(shp, sizeof shp, "(");
    for (int i = 0; i < out->ndim && k < (int)sizeof shp - 24; i++)
        k += snprintf(shp + k, sizeof shp - (size_t)k, "%s%lld", i ? ", " : "", (long long)out->shape[i]);
    snprintf(shp + k, sizeof shp - (size_t)k, "%s)", out->ndim == 1 ? "," : "");
    seterr(err, errlen,
           "%s: expected %lld bytes of data after the header (shape %s, dtype %s), found "
           "%lld (%s)",
           path, (long long)want, shp, npy_dtype_name(out->dtype), (long long)have,
           have < want ? "truncated file" : "file longer than its header says");
    return -1;
}

/* WANT bytes from DATA_START into one malloc'd buffer. */
static int read_data_block(FILE *f, const char *path, off_t data_start, int64_t want, npy_array *out, char *err,
                           size_t errlen) {
    if (fseeko(f, data_start, SEEK_SET) != 0) {
        seterr(err, errlen, "%s: cannot seek: %s", path, strerror(errno));
        return -1;
    }
    out->data = malloc(want ? (size_t)want : 1);
    if (!out->data) {
        seterr(err, errlen, "%s: out of memory reading %lld bytes of data", path, (long long)want);
        return -1;
    }
    if (want && fread(out->data, 1, (size_t)want, f) != (size_t)want) {
        seterr(err, errlen, "%s: read error: %s", path, ferror(f) ? strerror(errno) : "short read");
        return -1;
    }
    return 0;
}

int npy_read(const char *path, npy_array *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) {
        seterr(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    size_t prelen = 0;
    uint32_t hlen = 0;
    int64_t want = 0;
    int rc = read_preamble(f, path, &prelen, &hlen, err, errlen);
    if (!rc) rc = read_header(f, path, hlen, out, err, errlen);
    if (!rc) rc = data_size(path, out, &want, err, errlen);
    off_t data_start = (off_t)(prelen + hlen);
    if (!rc) rc = check_data_length(f, path, data_start, want, out, err, errlen);
    if (!rc) rc = read_data_block(f, path, data_start, want, out, err, errlen);
    fclose(f);
    if (rc) npy_free(out);
    return rc;
}

/* ---- writer ------------------------------------------------------------------------------ */

/* The shape must be valid and its product the count. */
static int check_shape(const char *path, const npy_array *a, char *err, size_t errlen) {
    if (a->ndim < 0 || a->ndim > NPY_MAX_DIMS) {
        seterr(err, errlen, "%s: expected 0..%d dimensions, found %d", path, NPY_MAX_DIMS, a->ndim);
        return -1;
    }
    int64_t count = 1;
    for (int i = 0; i < a->ndim; i++) {
        if (a->shape[i] < 0) {
            seterr(err, errlen, "%s: expected non-negative shape, found %lld in dimension %d", path,
                   (long long)a->shape[i], i);
            return -1;
        }
        count *= a->shape[i];
    }
    if (count != a->count) {
        seterr(err, errlen, "%s: expected count %lld (product of shape), found %lld", path, (long long)count,
               (long long)a->count);
        return -1;
    }
    return 0;
}

/* Preamble and header (malloc'd, *total bytes): version 1.0 with a 10-byte preamble, the dict
 * padded with spaces and a '\n' to a multiple of 64 bytes; 2.0 when that does not fit a u16. */
static unsigned char *build_header(const npy_array *a, size_t *total) {
    /* dict text; the shape needs at most 8 * 21 characters */
    char dict[512];
    int k = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (", npy_dtype_name(a->dtype));
    for (int i = 0; i < a->ndim; i++)
        k += snprintf(dict + k, sizeof dict - (size_t)k, "%s%lld", i ? ", " : "", (long long)a->shape[i]);
    k += snprintf(dict + k, sizeof dict - (size_t)k, "%s), }", a->ndim == 1 ? "," : "");
    size_t dl = (size_t)k;
    int major = 1;
    size_t pre = 10;
    *total = (pre + dl + 1 + 63) / 64 * 64;
    if (*total - pre > 65535) {
        major = 2;
        pre = 12;
        *total = (pre + dl + 1 + 63) / 64 * 64;
    }
    size_t hlen = *total - pre;
    unsigned char *buf = malloc(*total);
    if (!buf) return NULL;
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (unsigned char)major;
    buf[7] = 0;
    buf[8] = (unsigned char)(hlen & 0xff);
    buf[9] = (unsigned char)((hlen >> 8) & 0xff);
    if (major == 2) {
        buf[10] = (unsigned char)((hlen >> 16) & 0xff);
        buf[11] = (unsigned char)((hlen >> 24) & 0xff);
    }
    memcpy(buf + pre, dict, dl);
    memset(buf + pre + dl, ' ', hlen - dl - 1);
    buf[*total - 1] = '\n';
    return buf;
}

/* Header and data into TMP; on failure TMP is removed. */
static int write_tmp(const char *tmp, const unsigned char *hdr, size_t total, const npy_array *a, char *err,
                     size_t errlen) {
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        seterr(err, errlen, "%s: cannot create: %s", tmp, strerror(errno));
        return -1;
    }
    size_t nbytes = (size_t)a->count * npy_dtype_size(a->dtype);
    int ok = fwrite(hdr, 1, total, f) == total;
    if (ok && nbytes) ok = fwrite(a->data, 1, nbytes, f) == nbytes;
    if (fclose(f) != 0) ok = 0;
    if (ok) return 0;
    seterr(err, errlen, "%s: write error: %s", tmp, strerror(errno));
    remove(tmp);
    return -1;
}

int npy_write(const char *path, const npy_array *a, char *err, size_t errlen) {
    if (check_shape(path, a, err, errlen)) return -1;
    size_t total;
    unsigned char *hdr = build_header(a, &total);
    char *tmp = tmp_path_of(path);
    if (!hdr || !tmp) {
        free(hdr);
        free(tmp);
        seterr(err, errlen, "%s: out of memory", path);
        return -1;
    }
    int rc = write_tmp(tmp, hdr, total, a, err, errlen);
    free(hdr);
    if (rc) {
        free(tmp);
        return -1;
    }
    return rename_into_place(tmp, path, err, errlen);
}
