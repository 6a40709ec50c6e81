/* mmimdb_fuel.c - GMU's Fuel file multimodal_imdb.hdf5 into the cache; see mmimdb.h. Only
 * `genres` (+ `target_names`), `imdb_ids` and the vocabulary are read whole (a few megabytes);
 * `images` (12.8 GB in the real file) and `sequences` are read rows_per_read rows at a time by
 * hyperslab and streamed into the cache.
 *
 * Undoing the posters' preprocessing (GMU's vgg.py): each poster was an RGB uint8 image turned
 * into float32 BGR minus Caffe's VGG mean (B 103.939, G 116.779, R 123.68, the ImageNet means
 * of Caffe's VGG-16 release) and stored as int32, a conversion that truncates toward zero
 * (HDF5's and NumPy's float -> int). So a stored v > 0 came from the pixel v + ceil(mean), v < 0
 * from v + floor(mean), and v = 0 from either floor(mean) or ceil(mean): that one value per
 * channel is restored as round(mean), at most one level off. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "core/json.h"
#include "core/util.h"
#include "data/errfmt.h"
#include "data/mmimdb_impl.h"
#include "data/mmimdb_json.h"
#include "data/mmimdb_vocab.h"

static const double caffe_mean_bgr[3] = {103.939, 116.779, 123.68};
static const char *const fuel_splits[3] = {"train", "dev", "test"};

typedef struct {
    mm_prep *P;
    hid_t f, img, seq, gen, ids;
    hsize_t n;
    int h, w;        /* the stored posters' size */
    int32_t *genres; /* [n, k] */
    char *idbuf;     /* [n, idw] */
    size_t idw;
    int64_t start[3], stop[3];
    mmimdb_vocab v;
} fuel;

/* A refusal of the file: in err and in the report. */
static ml_status refuse(fuel *F, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static ml_status refuse(fuel *F, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mm_report(F->P, "file", F->P->from, msg);
    seterr(F->P->err, F->P->errlen, "%s: %s", F->P->from, msg);
    return ML_EDATA;
}

static const char *class_name(H5T_class_t c) {
    switch (c) {
    case H5T_INTEGER: return "integer";
    case H5T_FLOAT: return "float";
    case H5T_STRING: return "string";
    case H5T_VLEN: return "variable-length";
    case H5T_COMPOUND: return "compound";
    default: return "another type";
    }
}

/* Dataset NAME of RANK dimensions and type class CLS (for H5T_VLEN: of integers), its
 * dimensions into dims. ML_OK, or the refusal naming what was expected and found. */
static ml_status open_checked(fuel *F, const char *name, int rank, H5T_class_t cls, const char *expect, hid_t *out,
                              hsize_t *dims) {
    *out = H5Lexists(F->f, name, H5P_DEFAULT) > 0 ? H5Dopen2(F->f, name, H5P_DEFAULT) : -1;
    if (*out < 0) return refuse(F, "/%s: expected a dataset %s, found none", name, expect);
    hid_t sp = H5Dget_space(*out), t = H5Dget_type(*out);
    int r = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
    hsize_t d[8] = {0};
    if (r >= 1 && r <= 8) H5Sget_simple_extent_dims(sp, d, NULL);
    H5T_class_t c = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
    int inner_ok = 1;
    if (c == H5T_VLEN) {
        hid_t base = H5Tget_super(t);
        inner_ok = base >= 0 && H5Tget_class(base) == H5T_INTEGER;
        if (base >= 0) H5Tclose(base);
    }
    if (sp >= 0) H5Sclose(sp);
    if (t >= 0) H5Tclose(t);
    if (r != rank || c != cls || !inner_ok) {
        char shape[128] = "";
        for (int i = 0; i < r && i < 8; i++)
            text_fmt(shape + strlen(shape), sizeof shape - strlen(shape), "%s%llu", i ? ", " : "",
                     (unsigned long long)d[i]);
        return refuse(F, "/%s: expected %s, found %s [%s]", name, expect, class_name(c), shape);
    }
    memcpy(dims, d, sizeof(hsize_t) * (size_t)rank);
    return ML_OK;
}

/* The four datasets used, of consistent row counts and the poster shape [N, 3, H, W]. */
static ml_status open_datasets(fuel *F) {
    hsize_t dg[2], di[4], ds[1], dd[1];
    ml_status st = open_checked(F, "genres", 2, H5T_INTEGER, "int32 [N, genres]", &F->gen, dg);
    if (st == ML_OK) st = open_checked(F, "images", 4, H5T_INTEGER, "int32 [N, 3, H, W]", &F->img, di);
    if (st == ML_OK) st = open_checked(F, "sequences", 1, H5T_VLEN, "variable-length int [N]", &F->seq, ds);
    if (st == ML_OK) st = open_checked(F, "imdb_ids", 1, H5T_STRING, "fixed-length strings [N]", &F->ids, dd);
    if (st != ML_OK) return st;
    F->n = dg[0];
    if (di[0] != F->n || ds[0] != F->n || dd[0] != F->n || di[1] != 3 || di[2] < 1 || di[3] < 1 || di[2] > 8192 ||
        di[3] > 8192 || dg[1] < 1 || dg[1] > 1000)
        return refuse(F,
                      "expected /genres [N, 1..1000], /images [N, 3, H, W], /sequences [N], /imdb_ids [N], found "
                      "N = %llu, %llu genres, images [%llu, %llu, %llu, %llu], sequences [%llu], imdb_ids [%llu]",
                      (unsigned long long)dg[0], (unsigned long long)dg[1], (unsigned long long)di[0],
                      (unsigned long long)di[1], (unsigned long long)di[2], (unsigned long long)di[3],
                      (unsigned long long)ds[0], (unsigned long long)dd[0]);
    F->P->k = (int)dg[1];
    F->h = (int)di[2];
    F->w = (int)di[3];
    return ML_OK;
}

/* An attribute holding one string (variable- or fixed-length) as a malloc'ed C string, or NULL. */
static char *read_string_attr(hid_t obj, const char *name) {
    hid_t a = H5Aexists(obj, name) > 0 ? H5Aopen(obj, name, H5P_DEFAULT) : -1;
    if (a < 0) return NULL;
    hid_t t = H5Aget_type(a), sp = H5Aget_space(a), mt = H5Tcopy(H5T_C_S1);
    char *out = NULL;
    /* HDF5 converts between strings of one character set only: h5py writes UTF-8. */
    if (t >= 0 && sp >= 0 && mt >= 0 && H5Tget_class(t) == H5T_STRING && H5Sget_simple_extent_npoints(sp) == 1 &&
        H5Tset_cset(mt, H5Tget_cset(t)) >= 0) {
        if (H5Tis_variable_str(t) > 0) {
            char *v = NULL;
            if (H5Tset_size(mt, H5T_VARIABLE) >= 0 && H5Aread(a, mt, &v) >= 0 && v) {
                out = strdup(v);
                H5free_memory(v);
            }
        } else {
            size_t n = H5Tget_size(t);
            out = n < (1u << 24) ? calloc(1, n + 1) : NULL;
            if (out &&
                (H5Tset_size(mt, n + 1) < 0 || H5Tset_strpad(mt, H5T_STR_NULLTERM) < 0 || H5Aread(a, mt, out) < 0))
                free(out), out = NULL;
        }
    }
    if (mt >= 0) H5Tclose(mt);
    if (sp >= 0) H5Sclose(sp);
    if (t >= 0) H5Tclose(t);
    H5Aclose(a);
    return out;
}

/* /genres's target_names: a JSON list of K genre names, the columns' order. */
static ml_status read_genre_names(fuel *F) {
    mm_prep *P = F->P;
    char *text = read_string_attr(F->gen, "target_names"), msg[512];
    if (!text)
        return refuse(F, "/genres: expected the attribute target_names (a JSON list of the genre names), found none");
    json_t *root = json_load_bytes(text, strlen(text), "target_names", msg, sizeof msg);
    free(text);
    if (!json_is_array(root) || (int)json_array_size(root) != P->k) {
        json_decref(root);
        return refuse(F, "/genres: attribute target_names: expected a JSON list of %d names, found %s", P->k,
                      root ? "another value" : msg);
    }
    if (!(P->genres = calloc((size_t)P->k, sizeof(char *))))
        return seterr(P->err, P->errlen, "out of memory"), ML_ERUNTIME;
    ml_status st = ML_OK;
    for (int j = 0; j < P->k && st == ML_OK; j++) {
        const json_t *g = json_array_get(root, (size_t)j);
        const char *name = json_is_string(g) ? json_string_value(g) : NULL;
        if (!name || !*name || strchr(name, ',') || strlen(name) != json_string_length(g))
            st = refuse(F, "/genres: target_names[%d]: expected a genre name (a non-empty string without commas)", j);
        else if (!(P->genres[j] = strdup(name))) st = ML_ERUNTIME, seterr(P->err, P->errlen, "out of memory");
    }
    json_decref(root);
    return st;
}

/* /genres (0/1 values) and /imdb_ids, whole: N x K ints and N short strings. */
static ml_status read_small(fuel *F) {
    size_t nk = (size_t)F->n * (size_t)F->P->k;
    hid_t t = H5Dget_type(F->ids), mt = H5Tcopy(H5T_C_S1);
    int variable = t >= 0 && H5Tis_variable_str(t) > 0;
    if (t >= 0 && mt >= 0) H5Tset_cset(mt, H5Tget_cset(t));
    F->idw = t >= 0 && !variable ? H5Tget_size(t) + 1 : 0;
    if (t >= 0) H5Tclose(t);
    if (F->idw < 2 || F->idw > MMIMDB_ID_MAX) {
        H5Tclose(mt);
        return refuse(F, "/imdb_ids: expected fixed-length strings of at most %d bytes (GMU's S7), found %zu bytes",
                      MMIMDB_ID_MAX - 1, F->idw ? F->idw - 1 : 0);
    }
    F->genres = malloc(sizeof(int32_t) * (nk ? nk : 1));
    F->idbuf = calloc(F->n ? F->n : 1, F->idw);
    int ok = F->genres && F->idbuf && H5Tset_size(mt, F->idw) >= 0 && H5Tset_strpad(mt, H5T_STR_NULLTERM) >= 0 &&
             (F->n == 0 || (H5Dread(F->gen, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, F->genres) >= 0 &&
                            H5Dread(F->ids, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, F->idbuf) >= 0));
    H5Tclose(mt);
    if (!ok) return refuse(F, "/genres, /imdb_ids: cannot read them (damaged file, or out of memory)");
    for (size_t i = 0; i < nk; i++)
        if (F->genres[i] != 0 && F->genres[i] != 1)
            return refuse(F, "/genres: row %zu, column %zu: expected 0 or 1, found %d", i / (size_t)F->P->k,
                          i % (size_t)F->P->k, F->genres[i]);
    return ML_OK;
}

/* One row of Fuel's split array, as far as it is read: HDF5 matches compound members by name,
 * so `indices` (an object reference), `available` and `comment` are simply left out. */
typedef struct {
    char split[64], source[64];
    int64_t start, stop;
} split_row;

static hid_t split_row_type(void) {
    hid_t s = H5Tcopy(H5T_C_S1), t = H5Tcreate(H5T_COMPOUND, sizeof(split_row));
    H5Tset_size(s, 64);
    H5Tset_strpad(s, H5T_STR_NULLTERM);
    H5Tinsert(t, "split", offsetof(split_row, split), s);
    H5Tinsert(t, "source", offsetof(split_row, source), s);
    H5Tinsert(t, "start", offsetof(split_row, start), H5T_NATIVE_INT64);
    H5Tinsert(t, "stop", offsetof(split_row, stop), H5T_NATIVE_INT64);
    H5Tclose(s);
    return t;
}

/* The rows of the root attribute `split` (a compound array), malloc'ed; NULL with *n 0 when
 * there is none or it cannot be read as such. */
static split_row *read_split_rows(hid_t f, hssize_t *n) {
    *n = 0;
    hid_t a = H5Aexists(f, "split") > 0 ? H5Aopen(f, "split", H5P_DEFAULT) : -1;
    if (a < 0) return NULL;
    hid_t sp = H5Aget_space(a), ft = H5Aget_type(a), mt = split_row_type();
    hssize_t cnt = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    split_row *rows = NULL;
    if (ft >= 0 && H5Tget_class(ft) == H5T_COMPOUND && cnt > 0 && cnt < 100000 &&
        (rows = calloc((size_t)cnt, sizeof *rows)) && H5Aread(a, mt, rows) >= 0)
        *n = cnt;
    else free(rows), rows = NULL;
    H5Tclose(mt);
    if (ft >= 0) H5Tclose(ft);
    if (sp >= 0) H5Sclose(sp);
    H5Aclose(a);
    return rows;
}

/* Each split's [start, stop): the same range for every source read (images, sequences, genres,
 * imdb_ids), inside [0, N). GMU's file: train [0, 15552), dev [15552, 18160), test [18160, 25959). */
static ml_status read_split(fuel *F) {
    static const char *const used[] = {"images", "sequences", "genres", "imdb_ids"};
    hssize_t n;
    split_row *rows = read_split_rows(F->f, &n);
    if (!rows)
        return refuse(F, "/: expected the attribute split (Fuel's compound array of split, source, start, stop), "
                         "found none readable: the split cannot be formed");
    ml_status st = ML_OK;
    for (int s = 0; s < 3 && st == ML_OK; s++) {
        int found = 0;
        for (hssize_t i = 0; i < n && st == ML_OK; i++) {
            int is_used = 0;
            for (int u = 0; u < 4; u++) is_used |= !strcmp(rows[i].source, used[u]);
            if (strcmp(rows[i].split, fuel_splits[s]) || !is_used) continue;
            if (!found) F->start[s] = rows[i].start, F->stop[s] = rows[i].stop;
            if (rows[i].start != F->start[s] || rows[i].stop != F->stop[s] || rows[i].start < 0 ||
                rows[i].stop <= rows[i].start || (hsize_t)rows[i].stop > F->n)
                st = refuse(F,
                            "/: attribute split: %s/%s: expected rows [start, stop) inside [0, %llu), the same for "
                            "every source, found [%lld, %lld)",
                            fuel_splits[s], rows[i].source, (unsigned long long)F->n, (long long)rows[i].start,
                            (long long)rows[i].stop);
            found = 1;
        }
        if (st == ML_OK && !found)
            st = refuse(F,
                        "/: attribute split: expected rows of split '%s' for the sources images, sequences, genres "
                        "and imdb_ids, found none: the split cannot be formed",
                        fuel_splits[s]);
    }
    free(rows);
    for (int s = 0; s < 3; s++) F->P->n[s] = F->stop[s] - F->start[s];
    return st;
}

/* metadata.npy: the option's path, or the file beside the HDF5 file. */
static ml_status read_vocab(fuel *F) {
    mm_prep *P = F->P;
    char path[ML_PATH_MAX];
    if (P->o->metadata) {
        if (path_fmt(path, sizeof path, "%s", P->o->metadata))
            return seterr(P->err, P->errlen, "path too long"), ML_EINVAL;
    } else {
        const char *slash = strrchr(P->from, '/');
        int dir = slash ? (int)(slash - P->from) + 1 : 0;
        if (path_fmt(path, sizeof path, "%.*smetadata.npy", dir, P->from))
            return seterr(P->err, P->errlen, "%s: path too long", P->from), ML_EINVAL;
    }
    ml_status st = mmimdb_vocab_read(path, &F->v, P->err, P->errlen);
    if (st == ML_EDATA) {
        char keep[1024];
        snprintf(keep, sizeof keep, "%s", P->err);
        mm_report(P, "file", path, keep);
        seterr(P->err, P->errlen,
               "%s (the Fuel file's plots are word ids: its metadata.npy is needed, --metadata FILE)", keep);
    }
    return st;
}

/* Row i's plot: its word ids through ix_to_word, joined by spaces; GMU's _UNK_ (id 0) and ids
 * outside the vocabulary are dropped. */
static int plot_text(const fuel *F, const hvl_t *seq, strbuf *text) {
    text->len = 0;
    if (text->p) text->p[0] = 0;
    const int32_t *ids = seq->p;
    for (size_t j = 0; j < seq->len; j++) {
        int32_t id = ids[j];
        if (id <= 0 || id >= F->v.n || !F->v.words[id]) continue;
        sb_printf(text, "%s%s", text->len ? " " : "", F->v.words[id]);
    }
    return 0;
}

/* One stored poster (int32 BGR minus the mean, [3, h, w]) as RGB uint8 [3, h, w]; see the top. */
static void undo_caffe(const int32_t *bgr, int h, int w, uint8_t *rgb) {
    size_t hw = (size_t)h * w;
    for (int c = 0; c < 3; c++) {
        const int32_t *src = bgr + (size_t)(2 - c) * hw;
        double m = caffe_mean_bgr[2 - c];
        for (size_t i = 0; i < hw; i++) {
            double p = src[i] > 0 ? src[i] + ceil(m) : src[i] < 0 ? src[i] + floor(m) : floor(m + 0.5);
            rgb[(size_t)c * hw + i] = (uint8_t)(p < 0.0 ? 0.0 : p > 255.0 ? 255.0 : p);
        }
    }
}

/* Rows [r0, r0 + cnt) of a dataset: images into ibuf (int32), sequences into seqs (hvl_t). */
static int read_rows(const fuel *F, hsize_t r0, hsize_t cnt, int32_t *ibuf, hvl_t *seqs, hid_t vl) {
    hsize_t off[4] = {r0, 0, 0, 0}, count[4] = {cnt, 3, (hsize_t)F->h, (hsize_t)F->w};
    hid_t fs = H5Dget_space(F->img), ms = H5Screate_simple(4, count, NULL);
    int ok = fs >= 0 && ms >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, off, NULL, count, NULL) >= 0 &&
             H5Dread(F->img, H5T_NATIVE_INT32, ms, fs, H5P_DEFAULT, ibuf) >= 0;
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    fs = H5Dget_space(F->seq), ms = H5Screate_simple(1, count, NULL);
    ok = ok && fs >= 0 && ms >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, off, NULL, count, NULL) >= 0 &&
         H5Dread(F->seq, vl, ms, fs, H5P_DEFAULT, seqs) >= 0;
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    return ok ? 0 : -1;
}

/* Frees the sequences HDF5 allocated for one block. */
static void reclaim(hid_t vl, hsize_t cnt, hvl_t *seqs) {
    hid_t ms = H5Screate_simple(1, &cnt, NULL);
    if (ms >= 0) H5Dvlen_reclaim(vl, ms, H5P_DEFAULT, seqs);
    if (ms >= 0) H5Sclose(ms);
    memset(seqs, 0, sizeof *seqs * cnt);
}

typedef struct {
    int32_t *ibuf, *tokens;
    hvl_t *seqs;
    uint8_t *rgb, *scratch, *poster;
    float *y;
    strbuf text;
} fuel_bufs;

/* Row r of the block starting at r0 (split s) into the cache. */
static ml_status stream_row(fuel *F, fuel_bufs *b, int s, hsize_t r0, hsize_t r) {
    mm_prep *P = F->P;
    hsize_t row = r0 + r;
    char item[ML_PATH_MAX + 64];
    plot_text(F, &b->seqs[r], &b->text);
    snprintf(item, sizeof item, "%s: /sequences row %llu", P->from, (unsigned long long)row);
    ml_status st = mm_encode(P, b->text.p ? b->text.p : "", b->text.len, b->tokens, item);
    if (st != ML_OK) return st;
    undo_caffe(b->ibuf + r * 3 * (size_t)F->h * F->w, F->h, F->w, b->rgb);
    mm_fit_poster(P, b->rgb, F->h, F->w, b->scratch, b->poster);
    for (int j = 0; j < P->k; j++) b->y[j] = (float)F->genres[row * (size_t)P->k + (size_t)j];
    return mm_append(P, s, b->tokens, b->poster, b->y, F->idbuf + row * F->idw);
}

static ml_status stream_split(fuel *F, fuel_bufs *b, int s, hid_t vl) {
    hsize_t per = (hsize_t)F->P->o->rows_per_read;
    ml_status st = ML_OK;
    for (hsize_t r0 = (hsize_t)F->start[s]; r0 < (hsize_t)F->stop[s] && st == ML_OK; r0 += per) {
        hsize_t cnt = (hsize_t)F->stop[s] - r0 < per ? (hsize_t)F->stop[s] - r0 : per;
        memset(b->seqs, 0, sizeof *b->seqs * cnt);
        if (read_rows(F, r0, cnt, b->ibuf, b->seqs, vl))
            st = refuse(F, "/images, /sequences: rows [%llu, %llu): cannot read them (damaged file?)",
                        (unsigned long long)r0, (unsigned long long)(r0 + cnt));
        for (hsize_t r = 0; r < cnt && st == ML_OK; r++) st = stream_row(F, b, s, r0, r);
        reclaim(vl, cnt, b->seqs);
    }
    return st;
}

static ml_status stream_all(fuel *F) {
    mm_prep *P = F->P;
    size_t per = (size_t)P->o->rows_per_read, px = (size_t)F->h * F->w;
    fuel_bufs b;
    memset(&b, 0, sizeof b);
    b.ibuf = malloc(sizeof(int32_t) * 3 * px * per);
    b.seqs = calloc(per, sizeof *b.seqs);
    b.tokens = malloc(sizeof(int32_t) * 2 * (size_t)P->o->max_len);
    b.rgb = malloc(3 * px);
    b.scratch = malloc(3 * px);
    b.poster = malloc((size_t)3 * P->o->image_h * P->o->image_w);
    b.y = malloc(sizeof(float) * (size_t)P->k);
    hid_t vl = H5Tvlen_create(H5T_NATIVE_INT32);
    ml_status st = ML_OK;
    if (!b.ibuf || !b.seqs || !b.tokens || !b.rgb || !b.scratch || !b.poster || !b.y || vl < 0)
        st = ML_ERUNTIME, seterr(P->err, P->errlen, "out of memory for a block of %zu rows", per);
    for (int s = 0; s < 3 && st == ML_OK; s++) st = stream_split(F, &b, s, vl);
    if (vl >= 0) H5Tclose(vl);
    free(b.ibuf), free(b.seqs), free(b.tokens), free(b.rgb), free(b.scratch), free(b.poster), free(b.y);
    sb_free(&b.text);
    return st;
}

static void close_fuel(fuel *F) {
    hid_t *ds[] = {&F->img, &F->seq, &F->gen, &F->ids};
    for (size_t i = 0; i < 4; i++)
        if (*ds[i] >= 0) H5Dclose(*ds[i]);
    if (F->f >= 0) H5Fclose(F->f);
    free(F->genres);
    free(F->idbuf);
    mmimdb_vocab_free(&F->v);
}

ml_status mm_fuel_prepare(mm_prep *P) {
    fuel F;
    memset(&F, 0, sizeof F);
    F.P = P;
    F.img = F.seq = F.gen = F.ids = -1;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    F.f = H5Fis_hdf5(P->from) > 0 ? H5Fopen(P->from, H5F_ACC_RDONLY, H5P_DEFAULT) : -1;
    ml_status st = ML_OK;
    if (F.f < 0)
        st =
            refuse(&F, "expected an HDF5 file (GMU's multimodal_imdb.hdf5) or a folder holding mmimdb/, found neither");
    if (st == ML_OK) st = open_datasets(&F);
    if (st == ML_OK) st = read_genre_names(&F);
    if (st == ML_OK) st = read_small(&F);
    if (st == ML_OK) st = read_split(&F);
    if (st == ML_OK) st = read_vocab(&F);
    double t0 = mono_seconds();
    if (st == ML_OK) st = mm_open(P);
    if (st == ML_OK) st = stream_all(&F);
    if (st == ML_OK && P->o->verbose)
        fprintf(stderr, "mmimdb: streamed %lld rows in %.1f s\n", (long long)(P->n[0] + P->n[1] + P->n[2]),
                mono_seconds() - t0);
    close_fuel(&F);
    return st;
}
