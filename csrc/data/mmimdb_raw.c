/* mmimdb_raw.c - MM-IMDb's raw archive (mmimdb/split.json, mmimdb/dataset/<id>.json + .jpeg)
 * into the cache; see mmimdb.h. Two passes over the posters: the first decodes every one to
 * know which movies are usable (the cache's split sizes are fixed when it is created), the
 * second decodes them again and streams them into the cache, so that memory holds the tokens
 * and genres of every movie but never more than one poster. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "data/errfmt.h"
#include "data/jpeg.h"
#include "data/mmimdb_impl.h"
#include "data/mmimdb_json.h"

static const char *const split_keys[3] = {"train", "dev", "test"};

typedef struct {
    char id[MMIMDB_ID_MAX];
    int split; /* -1 once left out */
    size_t g0;
    int ng; /* its genres: gidx[g0 .. g0 + ng) */
} raw_movie;

typedef struct {
    mm_prep *P;
    char root[ML_PATH_MAX]; /* FROM/mmimdb */
    raw_movie *m;
    int64_t n, cap;
    int32_t *tokens; /* [cap][2 * max_len] */
    int *gidx;
    size_t ng, gcap;
    char **names; /* every genre seen, in first-seen order, with its count */
    int64_t *count;
    int nnames, namecap;
} raw;

/* FROM/mmimdb/REL, formatted. */
static int raw_path(const raw *R, char *out, size_t n, const char *rel_fmt, const char *id) {
    char rel[ML_PATH_MAX];
    return path_fmt(rel, sizeof rel, rel_fmt, id) || path_join(out, n, R->root, rel);
}

/* A whole small file (JSON) into memory. */
static char *read_whole(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t cap = 0, got;
    *len = 0;
    do {
        if (*len == cap) {
            char *b = realloc(buf, cap = cap ? 2 * cap : 4096);
            if (!b) break;
            buf = b;
        }
        *len += got = fread(buf + *len, 1, cap - *len, f);
    } while (got > 0);
    int bad = ferror(f) || *len == cap;
    fclose(f);
    if (bad) free(buf);
    return bad ? NULL : buf;
}

static ml_status read_split(raw *R, mmimdb_split *sp) {
    mm_prep *P = R->P;
    char path[ML_PATH_MAX];
    if (path_join(path, sizeof path, R->root, "split.json"))
        return seterr(P->err, P->errlen, "%s: path too long", P->from), ML_EINVAL;
    size_t len;
    errno = 0;
    char *text = read_whole(path, &len);
    if (!text) {
        seterr(P->err, P->errlen, "%s: cannot read (%s): expected split.json, without which the split cannot be formed",
               path, errno ? strerror(errno) : "empty or unreadable");
        return ML_EDATA;
    }
    ml_status st = mmimdb_split_parse(text, len, path, sp, P->err, P->errlen);
    free(text);
    return st;
}

/* Genre NAME's index in the table (added when new). -1 when out of memory. */
static int genre_index(raw *R, const char *name) {
    for (int i = 0; i < R->nnames; i++)
        if (!strcmp(R->names[i], name)) return i;
    if (R->nnames == R->namecap) {
        int cap = R->namecap ? 2 * R->namecap : 32;
        char **n = realloc(R->names, sizeof *n * (size_t)cap);
        if (n) R->names = n;
        int64_t *c = realloc(R->count, sizeof *c * (size_t)cap);
        if (c) R->count = c;
        if (!n || !c) return -1;
        R->namecap = cap;
    }
    if (!(R->names[R->nnames] = strdup(name))) return -1;
    R->count[R->nnames] = 0;
    return R->nnames++;
}

/* Room for one more movie (its tokens included) and NG more genre indices. */
static int reserve(raw *R, int ng) {
    size_t per = 2 * (size_t)R->P->o->max_len;
    if (R->n == R->cap) {
        int64_t cap = R->cap ? 2 * R->cap : 256;
        raw_movie *m = realloc(R->m, sizeof *m * (size_t)cap);
        if (m) R->m = m;
        int32_t *t = realloc(R->tokens, sizeof *t * per * (size_t)cap);
        if (t) R->tokens = t;
        if (!m || !t) return -1;
        R->cap = cap;
    }
    if (R->ng + (size_t)ng > R->gcap) {
        size_t cap = R->gcap ? 2 * R->gcap : 1024;
        while (cap < R->ng + (size_t)ng) cap *= 2;
        int *g = realloc(R->gidx, sizeof *g * cap);
        if (!g) return -1;
        R->gidx = g;
        R->gcap = cap;
    }
    return 0;
}

/* The files of a listed id: both present, or the report says which are missing (0 / -1). */
static int files_present(raw *R, const char *id, int s, const char *json, const char *jpg) {
    int has_json = access(json, F_OK) == 0, has_jpg = access(jpg, F_OK) == 0;
    if (has_json && has_jpg) return 0;
    char why[256];
    snprintf(why, sizeof why, "listed in split.json (%s) but dataset/%s.%s %s missing", split_keys[s], id,
             !has_json && !has_jpg ? "json and .jpeg"
             : has_json            ? "jpeg"
                                   : "json",
             !has_json && !has_jpg ? "are" : "is");
    mm_report(R->P, "id", id, why);
    return -1;
}

/* The record's tokens and genres into movie slot R->n. */
static ml_status keep_movie(raw *R, const char *id, int s, const mmimdb_record *rec) {
    mm_prep *P = R->P;
    if (reserve(R, rec->n_genres)) return seterr(P->err, P->errlen, "out of memory"), ML_ERUNTIME;
    raw_movie *m = &R->m[R->n];
    snprintf(m->id, sizeof m->id, "%s", id);
    m->split = s;
    m->g0 = R->ng;
    m->ng = 0;
    for (int j = 0; j < rec->n_genres; j++) {
        int g = genre_index(R, rec->genres[j]);
        if (g < 0) return seterr(P->err, P->errlen, "out of memory"), ML_ERUNTIME;
        int dup = 0;
        for (int i = 0; i < m->ng; i++) dup |= R->gidx[m->g0 + (size_t)i] == g;
        if (dup) continue;
        R->gidx[R->ng++] = g;
        m->ng++;
        R->count[g]++;
    }
    char item[ML_PATH_MAX];
    if (raw_path(R, item, sizeof item, "dataset/%s.json", id)) snprintf(item, sizeof item, "%s", id);
    ml_status st = mm_encode(P, rec->plot, rec->plot_len, R->tokens + 2 * (size_t)P->o->max_len * (size_t)R->n, item);
    if (st == ML_OK) R->n++;
    return st;
}

/* One listed id: kept (its tokens and genres recorded), or reported and skipped. */
static ml_status scan_movie(raw *R, const char *id, int s) {
    mm_prep *P = R->P;
    char json[ML_PATH_MAX], jpg[ML_PATH_MAX], why[1024];
    if (raw_path(R, json, sizeof json, "dataset/%s.json", id) || raw_path(R, jpg, sizeof jpg, "dataset/%s.jpeg", id))
        return seterr(P->err, P->errlen, "%s: path too long", R->root), ML_EINVAL;
    if (files_present(R, id, s, json, jpg)) return ML_OK;
    size_t len;
    char *text = read_whole(json, &len);
    mmimdb_record rec;
    int read_ok = text != NULL, ok = read_ok && mmimdb_record_parse(text, len, &rec, why, sizeof why) == 0;
    free(text);
    if (!ok) {
        char line[1200];
        snprintf(line, sizeof line, "dataset/%s.json: %s", id, read_ok ? why : "cannot read");
        mm_report(P, "movie", id, line);
        return ML_OK;
    }
    uint8_t *rgb;
    int h, w;
    if (jpeg_read_rgb(jpg, &rgb, &h, &w, why, sizeof why)) {
        char line[1200];
        snprintf(line, sizeof line, "dataset/%s.jpeg: %s", id, why);
        mm_report(P, "poster", id, line);
        mmimdb_record_free(&rec);
        return ML_OK;
    }
    free(rgb);
    ml_status st = keep_movie(R, id, s, &rec);
    mmimdb_record_free(&rec);
    return st;
}

/* The genres: the max_genres most frequent over the usable movies, by count, ties in the order
 * first seen (Python's Counter.most_common, which GMU's target_names come from). COLUMN[g] gets
 * genre g's column, or -1. */
static ml_status choose_genres(raw *R, int *column) {
    mm_prep *P = R->P;
    int *order = malloc(sizeof(int) * (size_t)(R->nnames ? R->nnames : 1));
    if (!order) return seterr(P->err, P->errlen, "out of memory"), ML_ERUNTIME;
    for (int i = 0; i < R->nnames; i++) order[i] = i;
    for (int i = 1; i < R->nnames; i++) /* insertion sort: stable, and there are a few dozen */
        for (int j = i; j > 0 && R->count[order[j]] > R->count[order[j - 1]]; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    P->k = R->nnames < P->o->max_genres ? R->nnames : P->o->max_genres;
    ml_status st = ML_OK;
    if (!(P->genres = calloc((size_t)(P->k ? P->k : 1), sizeof(char *)))) st = ML_ERUNTIME;
    for (int i = 0; i < R->nnames; i++) column[i] = -1;
    for (int r = 0; r < P->k && st == ML_OK; r++) {
        column[order[r]] = r;
        if (!(P->genres[r] = strdup(R->names[order[r]]))) st = ML_ERUNTIME;
    }
    free(order);
    if (st != ML_OK) seterr(P->err, P->errlen, "out of memory");
    return st;
}

/* Movies with a genre outside the kept ones leave (MMBT leaves out movies labelled News, and
 * dev/test movies with a genre train lacks); the split sizes follow. */
static ml_status leave_out_rare(raw *R, const int *column) {
    mm_prep *P = R->P;
    for (int64_t i = 0; i < R->n; i++) {
        raw_movie *m = &R->m[i];
        for (int j = 0; j < m->ng && m->split >= 0; j++) {
            int g = R->gidx[m->g0 + (size_t)j];
            if (column[g] >= 0) continue;
            char why[512];
            snprintf(why, sizeof why, "genre '%s' (%lld movies) is not among the %d most frequent", R->names[g],
                     (long long)R->count[g], P->k);
            mm_report(P, "movie", m->id, why);
            m->split = -1;
        }
        if (m->split >= 0) P->n[m->split]++;
    }
    for (int s = 0; s < 3; s++)
        if (P->n[s] == 0) {
            seterr(P->err, P->errlen,
                   "%s/split.json: expected usable movies in the %s list, found none (the report lists what was left "
                   "out and why)",
                   R->root, split_keys[s]);
            return ML_EDATA;
        }
    return ML_OK;
}

/* Pass two: every kept movie's poster, decoded again, fitted and appended with its tokens. */
static ml_status stream_movies(raw *R, const int *column) {
    mm_prep *P = R->P;
    size_t poster = (size_t)3 * P->o->image_h * P->o->image_w;
    uint8_t *dst = malloc(poster), *chw = NULL, *scratch = NULL;
    float *y = malloc(sizeof(float) * (size_t)P->k);
    ml_status st = dst && y ? ML_OK : ML_ERUNTIME;
    for (int s = 0; s < 3; s++)
        for (int64_t i = 0; i < R->n && st == ML_OK; i++) {
            const raw_movie *m = &R->m[i];
            if (m->split != s) continue;
            char jpg[ML_PATH_MAX], why[512];
            uint8_t *rgb = NULL;
            int h = 0, w = 0;
            if (raw_path(R, jpg, sizeof jpg, "dataset/%s.jpeg", m->id) ||
                jpeg_read_rgb(jpg, &rgb, &h, &w, why, sizeof why)) {
                seterr(P->err, P->errlen, "%s: decoded in the first pass, not in the second: %s", jpg, why);
                st = ML_ERUNTIME;
                break;
            }
            uint8_t *c2 = realloc(chw, (size_t)3 * h * w), *s2 = c2 ? realloc(scratch, (size_t)3 * h * w) : NULL;
            if (c2) chw = c2;
            if (s2) scratch = s2;
            if (!c2 || !s2) {
                free(rgb);
                st = ML_ERUNTIME;
                break;
            }
            for (size_t p = 0; p < (size_t)h * w; p++) /* HWC -> CHW */
                for (int c = 0; c < 3; c++) chw[(size_t)c * h * w + p] = rgb[3 * p + (size_t)c];
            free(rgb);
            mm_fit_poster(P, chw, h, w, scratch, dst);
            for (int j = 0; j < P->k; j++) y[j] = 0.0f;
            for (int j = 0; j < m->ng; j++) y[column[R->gidx[m->g0 + (size_t)j]]] = 1.0f;
            st = mm_append(P, s, R->tokens + 2 * (size_t)P->o->max_len * (size_t)i, dst, y, m->id);
        }
    if (st == ML_ERUNTIME && !*P->err) seterr(P->err, P->errlen, "out of memory");
    free(dst), free(chw), free(scratch), free(y);
    return st;
}

static void free_raw(raw *R) {
    free(R->m);
    free(R->tokens);
    free(R->gidx);
    for (int i = 0; i < R->nnames; i++) free(R->names[i]);
    free(R->names);
    free(R->count);
}

ml_status mm_raw_prepare(mm_prep *P) {
    raw R;
    memset(&R, 0, sizeof R);
    R.P = P;
    if (path_join(R.root, sizeof R.root, P->from, "mmimdb"))
        return seterr(P->err, P->errlen, "%s: path too long", P->from), ML_EINVAL;
    mmimdb_split sp;
    memset(&sp, 0, sizeof sp);
    double t0 = mono_seconds();
    ml_status st = read_split(&R, &sp);
    for (int s = 0; s < 3 && st == ML_OK; s++)
        for (int64_t i = 0; i < sp.n[s] && st == ML_OK; i++) st = scan_movie(&R, sp.ids[s][i], s);
    mmimdb_split_free(&sp);
    int *column = st == ML_OK ? malloc(sizeof(int) * (size_t)(R.nnames ? R.nnames : 1)) : NULL;
    if (st == ML_OK && !column) st = ML_ERUNTIME, seterr(P->err, P->errlen, "out of memory");
    if (st == ML_OK && P->o->verbose)
        fprintf(stderr, "mmimdb: read %lld usable movies of split.json in %.1f s\n", (long long)R.n,
                mono_seconds() - t0);
    if (st == ML_OK) st = choose_genres(&R, column);
    if (st == ML_OK) st = leave_out_rare(&R, column);
    if (st == ML_OK) st = mm_open(P);
    if (st == ML_OK) st = stream_movies(&R, column);
    free(column);
    free_raw(&R);
    return st;
}
