/* cachesum.c - the checksum header of a dataset cache (cachesum.h): computed over the finished
 * file by the writers, checked by dataset_load before libhdf5 opens the file. Both sides read the
 * file once, front to back, feeding each byte to the CRC of the dataset it belongs to or to the
 * CRC of the rest. The header is parsed strictly (a fuzz target feeds it arbitrary bytes): every
 * number in range, ranges sorted, inside the file and apart, and its own CRC checked first. */
#define _POSIX_C_SOURCE 200809L
#include "data/cachesum.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "core/runfiles.h"
#include "data/errfmt.h"

#define MAGIC      "miles dataset cache checksums 1"
#define READ_BYTES (1u << 20)

typedef struct {
    cachesum_range r[CACHESUM_MAX_RANGES];
    uint32_t crc[CACHESUM_MAX_RANGES];
    int n;
    uint64_t size;
    uint32_t rest;
} sums;

static const char hdf5_signature[8] = {'\211', 'H', 'D', 'F', '\r', '\n', '\032', '\n'};

/* ---- both sides: the CRCs of a file ------------------------------------------------------ */

/* Reads the file from CACHESUM_BYTES to S->size; each byte goes into the CRC of the range it
 * lies in, or into S->rest. Ranges are sorted, non-empty, apart and inside [CACHESUM_BYTES,
 * size). With SKIP_RANGES the ranges' bytes are skipped, not read (their CRCs stay 0). -1 with
 * err when the file cannot be read to its end. */
static int compute_crcs(FILE *f, const char *path, sums *s, int skip_ranges, char *err, size_t errlen) {
    unsigned char *buf = malloc(READ_BYTES);
    if (!buf) {
        seterr(err, errlen, "%s: out of memory for a read buffer", path);
        return -1;
    }
    uint64_t pos = CACHESUM_BYTES;
    int k = 0, rc = 0;
    memset(s->crc, 0, sizeof s->crc);
    s->rest = 0;
    if (fseeko(f, (off_t)pos, SEEK_SET) != 0) rc = -1;
    while (!rc && pos < s->size) {
        int in = k < s->n && pos >= s->r[k].offset;
        uint64_t end = in ? s->r[k].offset + s->r[k].length : k < s->n ? s->r[k].offset : s->size;
        if (in && skip_ranges) {
            if (fseeko(f, (off_t)end, SEEK_SET) != 0) rc = -1;
            pos = end;
            k++;
            continue;
        }
        uint64_t want = end - pos < READ_BYTES ? end - pos : READ_BYTES;
        size_t got = fread(buf, 1, (size_t)want, f);
        if (got != want) {
            rc = -1;
            break;
        }
        uint32_t *c = in ? &s->crc[k] : &s->rest;
        *c = crc32c(*c, buf, got);
        pos += got;
        if (in && pos == end) k++;
    }
    if (rc)
        seterr(err, errlen, "%s: cannot read byte %llu of %llu: %s", path, (unsigned long long)pos,
               (unsigned long long)s->size, ferror(f) ? strerror(errno) : "the file ended early");
    free(buf);
    return rc;
}

static uint64_t file_size(FILE *f) {
    struct stat sb;
    return fstat(fileno(f), &sb) == 0 ? (uint64_t)sb.st_size : 0;
}

/* ---- writing ------------------------------------------------------------------------------ */

static int by_offset(const void *a, const void *b) {
    const cachesum_range *x = a, *y = b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* The header's text into H (CACHESUM_BYTES, NUL-padded, at least one NUL); -1 when it does not
 * fit. */
static int format_header(const sums *s, char *h) {
    memset(h, 0, CACHESUM_BYTES);
    size_t cap = CACHESUM_BYTES - 1, k = 0;
    k += (size_t)snprintf(h, cap, MAGIC "\nsize %llu\n", (unsigned long long)s->size);
    for (int i = 0; i < s->n && k < cap; i++)
        k += (size_t)snprintf(h + k, cap - k, "dataset %llu %llu %08x %s\n", (unsigned long long)s->r[i].offset,
                              (unsigned long long)s->r[i].length, s->crc[i], s->r[i].name);
    if (k < cap) k += (size_t)snprintf(h + k, cap - k, "rest %08x\n", s->rest);
    if (k >= cap) return -1;
    size_t body = k;
    k += (size_t)snprintf(h + k, cap - k, "header %08x\n", crc32c(0, h, body));
    return k < cap ? 0 : -1;
}

/* Copies, sorts and checks the writer's ranges (empty ones are left out: nothing to check). */
static int take_ranges(const char *path, const cachesum_range *ranges, int n, sums *s, char *err, size_t errlen) {
    s->n = 0;
    for (int i = 0; i < n; i++) {
        if (!ranges[i].length) continue;
        if (s->n == CACHESUM_MAX_RANGES) {
            seterr(err, errlen, "%s: more than %d datasets to checksum", path, CACHESUM_MAX_RANGES);
            return -1;
        }
        s->r[s->n++] = ranges[i];
    }
    qsort(s->r, (size_t)s->n, sizeof s->r[0], by_offset);
    for (int i = 0; i < s->n; i++) {
        uint64_t lo = i ? s->r[i - 1].offset + s->r[i - 1].length : CACHESUM_BYTES;
        if (s->r[i].offset < lo || s->r[i].offset > s->size || s->r[i].length > s->size - s->r[i].offset ||
            strchr(s->r[i].name, ' ') || !s->r[i].name[0]) {
            seterr(err, errlen,
                   "%s: dataset '%s' at bytes %llu+%llu overlaps the header or another dataset, or lies past the end",
                   path, s->r[i].name, (unsigned long long)s->r[i].offset, (unsigned long long)s->r[i].length);
            return -1;
        }
    }
    return 0;
}

ml_status cachesum_write(const char *path, const cachesum_range *ranges, int n, char *err, size_t errlen) {
    FILE *f = fopen(path, "r+b");
    if (!f) {
        seterr(err, errlen, "%s: cannot open to write its checksums: %s", path, strerror(errno));
        return ML_ERUNTIME;
    }
    static _Thread_local sums s;
    static _Thread_local char h[CACHESUM_BYTES];
    s.size = file_size(f);
    int rc = s.size < CACHESUM_BYTES ? -1 : 0;
    if (rc) seterr(err, errlen, "%s: %llu bytes, no room for the checksum header", path, (unsigned long long)s.size);
    if (!rc) rc = take_ranges(path, ranges, n, &s, err, errlen);
    if (!rc) rc = compute_crcs(f, path, &s, 0, err, errlen);
    if (!rc && format_header(&s, h)) {
        seterr(err, errlen, "%s: the checksum header does not fit in %d bytes", path, CACHESUM_BYTES);
        rc = -1;
    }
    if (!rc && (fseeko(f, 0, SEEK_SET) != 0 || fwrite(h, 1, CACHESUM_BYTES, f) != CACHESUM_BYTES || fflush(f) != 0)) {
        seterr(err, errlen, "%s: cannot write the checksum header: %s", path, strerror(errno));
        rc = -1;
    }
    if (fclose(f) != 0 && !rc) {
        seterr(err, errlen, "%s: cannot write the checksum header: %s", path, strerror(errno));
        rc = -1;
    }
    return rc ? ML_ERUNTIME : ML_OK;
}

/* ---- reading ------------------------------------------------------------------------------ */

typedef struct {
    const char *path;
    char *err;
    size_t errlen;
    const char *p, *end; /* the text not parsed yet */
    int line;
} parser;

/* The next line (without its newline) into LINE; -1 when the text has no more lines or the line
 * does not fit (LINE then holds its start). */
static int next_line(parser *ps, char *line, size_t cap) {
    const char *nl = memchr(ps->p, '\n', (size_t)(ps->end - ps->p));
    if (!nl) return -1;
    size_t len = (size_t)(nl - ps->p), n = len < cap - 1 ? len : cap - 1;
    memcpy(line, ps->p, n);
    line[n] = 0;
    ps->p = nl + 1;
    ps->line++;
    return len < cap - 1 ? 0 : -1;
}

static int bad_line(parser *ps, const char *expected, const char *found) {
    char shown[64];
    size_t i = 0;
    for (; found[i] && i < sizeof shown - 1; i++) shown[i] = found[i] >= 0x20 && found[i] < 0x7f ? found[i] : '?';
    shown[i] = 0;
    seterr(ps->err, ps->errlen,
           "%s: checksum header, line %d: expected %s, found \"%s\" (the header is damaged; re-run `miles prepare`)",
           ps->path, ps->line, expected, shown);
    return -1;
}

/* A decimal number of at most 19 digits (no sign, no blanks), ending at *end. */
static int parse_dec(const char *s, const char **end, uint64_t *out) {
    uint64_t v = 0;
    int n = 0;
    for (; *s >= '0' && *s <= '9' && n < 19; s++, n++) v = v * 10 + (uint64_t)(*s - '0');
    *end = s;
    *out = v;
    return n > 0 && !(*s >= '0' && *s <= '9') ? 0 : -1;
}

/* Exactly 8 lower-case hex digits. */
static int parse_hex8(const char *s, const char **end, uint32_t *out) {
    uint32_t v = 0;
    for (int i = 0; i < 8; i++, s++) {
        int d = *s >= '0' && *s <= '9' ? *s - '0' : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10 : -1;
        if (d < 0) return -1;
        v = v << 4 | (uint32_t)d;
    }
    *end = s;
    *out = v;
    return 0;
}

/* "dataset OFFSET LENGTH CRC NAME": the next range, after the one before it and inside the file. */
static int parse_dataset(parser *ps, const char *line, sums *s) {
    const char *p = line + 8;
    cachesum_range *r = &s->r[s->n];
    const char *what = "'dataset OFFSET LENGTH CRC NAME'";
    if (s->n == CACHESUM_MAX_RANGES) return bad_line(ps, "at most 64 dataset lines", line);
    if (parse_dec(p, &p, &r->offset) || *p++ != ' ' || parse_dec(p, &p, &r->length) || *p++ != ' ' ||
        parse_hex8(p, &p, &s->crc[s->n]) || *p++ != ' ')
        return bad_line(ps, what, line);
    size_t len = strlen(p);
    if (!len || len >= CACHESUM_MAX_NAME || strchr(p, ' ')) return bad_line(ps, what, line);
    for (size_t i = 0; i < len; i++)
        if (p[i] < 0x21 || p[i] > 0x7e) return bad_line(ps, what, line);
    memcpy(r->name, p, len + 1);
    uint64_t lo = s->n ? s->r[s->n - 1].offset + s->r[s->n - 1].length : CACHESUM_BYTES;
    if (r->offset < lo || r->offset > s->size || r->length == 0 || r->length > s->size - r->offset)
        return bad_line(ps, "a dataset after the one before, non-empty and inside the file", line);
    s->n++;
    return 0;
}

/* The header's own CRC (its last line) over the text before that line. */
static int check_header_crc(parser *ps, const char *text, size_t len) {
    const char *last = len >= 2 ? text + len - 2 : text;
    while (last > text && last[-1] != '\n') last--;
    const char *p = last + 7;
    uint32_t want;
    if ((size_t)(text + len - last) != 16 || memcmp(last, "header ", 7) != 0 || parse_hex8(p, &p, &want) ||
        *p != '\n') {
        seterr(ps->err, ps->errlen,
               "%s: checksum header: expected its last line 'header CRC', found none (the header is damaged; "
               "re-run `miles prepare`)",
               ps->path);
        return -1;
    }
    uint32_t got = crc32c(0, text, (size_t)(last - text));
    if (got == want) {
        ps->end = last;
        return 0;
    }
    seterr(ps->err, ps->errlen,
           "%s: checksum header: damaged: CRC-32C %08x, expected %08x (its last line); re-run `miles prepare`",
           ps->path, got, want);
    return -1;
}

/* The lines between the magic and the header line: size, datasets, rest. */
static int parse_body(parser *ps, sums *s) {
    char line[256] = "";
    const char *p;
    if (next_line(ps, line, sizeof line) || strcmp(line, MAGIC) != 0) return bad_line(ps, "'" MAGIC "'", line);
    if (next_line(ps, line, sizeof line) || strncmp(line, "size ", 5) != 0 || parse_dec(line + 5, &p, &s->size) || *p ||
        s->size < CACHESUM_BYTES)
        return bad_line(ps, "'size BYTES' (at least 4096)", line);
    s->n = 0;
    while (!next_line(ps, line, sizeof line) && strncmp(line, "dataset ", 8) == 0)
        if (parse_dataset(ps, line, s)) return -1;
    if (strncmp(line, "rest ", 5) != 0 || parse_hex8(line + 5, &p, &s->rest) || *p || ps->p != ps->end)
        return bad_line(ps, "'rest CRC' as the line before the last", line);
    return 0;
}

/* Reads and checks the header of F into S; -1 with err naming what is wrong. */
static int read_header(FILE *f, const char *path, sums *s, char *err, size_t errlen) {
    static _Thread_local char h[CACHESUM_BYTES];
    size_t got = fread(h, 1, CACHESUM_BYTES, f);
    if (got < sizeof MAGIC || memcmp(h, MAGIC "\n", sizeof MAGIC) != 0) {
        int hdf5 = got >= 8 && memcmp(h, hdf5_signature, 8) == 0;
        seterr(err, errlen,
               "%s: expected a dataset cache from `miles prepare`, starting with its checksum header ('" MAGIC
               "'), found %s; re-run `miles prepare`",
               path,
               hdf5 ? "an HDF5 file without one (a cache made before caches had checksums, or by another program)"
                    : "none (not a cache, or its header is damaged)");
        return -1;
    }
    if (got < CACHESUM_BYTES) {
        seterr(err, errlen, "%s: expected at least %d bytes (the checksum header), found %zu; re-run `miles prepare`",
               path, CACHESUM_BYTES, got);
        return -1;
    }
    size_t len = strnlen(h, got);
    parser ps = {path, err, errlen, h, h + len, 0};
    size_t stray = len;
    while (stray < got && h[stray] == 0) stray++;
    if (len == got) stray = got - 1;
    if (len == got || stray < got) {
        seterr(err, errlen,
               "%s: checksum header: expected its text followed by NUL bytes up to byte %d, found byte %zu "
               "non-NUL (the header is damaged; re-run `miles prepare`)",
               path, CACHESUM_BYTES, stray);
        return -1;
    }
    return check_header_crc(&ps, h, len) || parse_body(&ps, s) ? -1 : 0;
}

/* The first dataset (unless SKIP_RANGES), then the rest, whose bytes do not match the header. */
static int compare(const char *path, const sums *want, const sums *got, int skip_ranges, char *err, size_t errlen) {
    for (int i = 0; i < want->n && !skip_ranges; i++)
        if (got->crc[i] != want->crc[i]) {
            seterr(err, errlen,
                   "%s: %s: damaged: CRC-32C of its %llu bytes %08x, expected %08x (from the cache's checksum "
                   "header); re-run `miles prepare`",
                   path, want->r[i].name, (unsigned long long)want->r[i].length, got->crc[i], want->crc[i]);
            return -1;
        }
    if (got->rest == want->rest) return 0;
    seterr(err, errlen,
           "%s: the HDF5 metadata (every byte outside the datasets) is damaged: CRC-32C %08x, expected %08x (from "
           "the cache's checksum header); re-run `miles prepare`",
           path, got->rest, want->rest);
    return -1;
}

/* cachesum_verify, or with SKIP_RANGES cachesum_verify_metadata. */
static ml_status verify(const char *path, int skip_ranges, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        seterr(err, errlen, "%s: cannot open: %s (run `miles prepare` first?)", path, strerror(errno));
        return ML_EDATA;
    }
    static _Thread_local sums want, got;
    int rc = read_header(f, path, &want, err, errlen);
    uint64_t size = file_size(f);
    if (!rc && size != want.size) {
        seterr(err, errlen,
               "%s: expected %llu bytes (from its checksum header), found %llu: truncated or appended to; re-run "
               "`miles prepare`",
               path, (unsigned long long)want.size, (unsigned long long)size);
        rc = -1;
    }
    if (!rc) {
        got = want;
        rc = compute_crcs(f, path, &got, skip_ranges, err, errlen);
    }
    if (!rc) rc = compare(path, &want, &got, skip_ranges, err, errlen);
    fclose(f);
    return rc ? ML_EDATA : ML_OK;
}

ml_status cachesum_verify(const char *path, char *err, size_t errlen) { return verify(path, 0, err, errlen); }

ml_status cachesum_verify_metadata(const char *path, char *err, size_t errlen) { return verify(path, 1, err, errlen); }
