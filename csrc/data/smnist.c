/* smnist.c - S-MNIST (Khacef et al. npy files) into the dataset cache; see smnist.h for the
 * split method, the PRNG, the image dtype rule and the audio resize convention. */
#define _POSIX_C_SOURCE 200809L
#include "data/smnist.h"
#include "data/errfmt.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/util.h"
#include "data/dataset.h"
#include "data/draw.h"
#include "data/npy.h"
#include "data/resize.h"

#define NCLS    10
#define IMG     28
#define IMG_PIX (IMG * IMG)   /* 784 */
#define SP_T    39            /* time slots */
#define SP_K    13            /* MFCC coefficients */
#define SP_LEN  (SP_T * SP_K) /* 507 */

enum { TR = 0, TE = 1 };

void smnist_options_default(smnist_options *o) {
    memset(o, 0, sizeof *o);
    o->n_train = SMNIST_DEFAULT_N_TRAIN;
    o->n_val = SMNIST_DEFAULT_N_VAL;
    o->n_test = SMNIST_DEFAULT_N_TEST;
    o->seed = 0;
    o->verbose = 0;
}

/* ---- files ------------------------------------------------------------------------------- */

static void shape_str(char *buf, size_t n, const npy_array *a) {
    int k = snprintf(buf, n, "(");
    for (int i = 0; i < a->ndim && k > 0 && (size_t)k < n; i++)
        k += snprintf(buf + k, n - (size_t)k, "%s%lld", i ? ", " : "", (long long)a->shape[i]);
    if (k > 0 && (size_t)k < n) snprintf(buf + k, n - (size_t)k, "%s)", a->ndim == 1 ? "," : "");
}

static int file_path(char *buf, size_t n, const char *dir, const char *name) {
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/') dl--;
    return snprintf(buf, n, "%.*s/%s", (int)dl, dir, name) >= (int)n ? -1 : 0;
}

static const char *const file_names[6] = {"data_wr_train.npy", "data_wr_test.npy", "data_sp_train.npy",
                                          "data_sp_test.npy",  "labels_train.npy", "labels_test.npy"};

static int check_present(const char *dir, char *err, size_t errlen) {
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        seterr(err, errlen,
               "%s: expected a directory holding the six S-MNIST .npy files of Khacef et al. "
               "(Zenodo DOI 10.5281/zenodo.3515934) or a stand-in made by "
               "`datasets/smnist/make-standin`, found %s",
               dir, errno == ENOENT ? "nothing (no such directory)" : "no directory");
        return -1;
    }
    char p[4096];
    for (int i = 0; i < 6; i++) {
        if (file_path(p, sizeof p, dir, file_names[i])) {
            seterr(err, errlen, "%s: path too long", dir);
            return -1;
        }
        if (stat(p, &st) != 0) {
            seterr(err, errlen,
                   "%s: cannot open: %s; expected the six S-MNIST files "
                   "data_{wr,sp}_{train,test}.npy and labels_{train,test}.npy, published by "
                   "Khacef et al. at Zenodo DOI 10.5281/zenodo.3515934 (or a stand-in made by "
                   "`datasets/smnist/make-standin`)",
                   p, strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* Reads labels_PART.npy into int64 class ids 0..9. */
static int read_labels(const char *dir, int part, int64_t **out, int64_t *n, char *err, size_t errlen) {
    char p[4096], sh[128];
    file_path(p, sizeof p, dir, file_names[4 + part]);
    npy_array a;
    if (npy_read(p, &a, err, errlen)) return -1;
    shape_str(sh, sizeof sh, &a);
    if (!(a.ndim == 1 || (a.ndim == 2 && a.shape[1] == 1))) {
        seterr(err, errlen, "%s: expected shape (N,) or (N, 1) of class ids, found %s", p, sh);
        npy_free(&a);
        return -1;
    }
    *n = a.shape[0];
    *out = malloc(sizeof(int64_t) * (size_t)(*n ? *n : 1));
    if (!*out) {
        seterr(err, errlen, "%s: out of memory", p);
        npy_free(&a);
        return -1;
    }
    int is_float = a.dtype == NPY_F4 || a.dtype == NPY_F8;
    for (int64_t i = 0; i < *n; i++) {
        double v = npy_get_f64(&a, i);
        int64_t k = npy_get_i64(&a, i);
        if ((is_float && (double)k != v) || k < 0 || k >= NCLS) {
            if (is_float) seterr(err, errlen, "%s: row %lld: expected a class id 0..9, found %g", p, (long long)i, v);
            else
                seterr(err, errlen, "%s: row %lld: expected a class id 0..9, found %lld", p, (long long)i,
                       (long long)k);
            free(*out);
            *out = NULL;
            npy_free(&a);
            return -1;
        }
        (*out)[i] = k;
    }
    npy_free(&a);
    return 0;
}

/* Reads data_KIND_PART.npy and checks its shape is (rows, cols) with rows as in the labels. */
static int read_data(const char *dir, int file, int64_t rows, int64_t cols, const char *what, npy_array *a, char *err,
                     size_t errlen) {
    char p[4096], lp[4096], sh[128];
    file_path(p, sizeof p, dir, file_names[file]);
    file_path(lp, sizeof lp, dir, file_names[4 + (file & 1)]);
    if (npy_read(p, a, err, errlen)) return -1;
    shape_str(sh, sizeof sh, a);
    if (a->ndim != 2 || a->shape[1] != cols) {
        seterr(err, errlen, "%s: expected shape (%lld, %lld) (%s per row), found %s", p, (long long)rows,
               (long long)cols, what, sh);
        npy_free(a);
        return -1;
    }
    if (a->shape[0] != rows) {
        seterr(err, errlen, "%s: expected %lld rows as in %s, found %lld (shape %s)", p, (long long)rows, lp,
               (long long)a->shape[0], sh);
        npy_free(a);
        return -1;
    }
    if (a->dtype == NPY_F4 || a->dtype == NPY_F8)
        for (int64_t i = 0; i < a->count; i++) {
            double v = npy_get_f64(a, i);
            if (!isfinite(v)) {
                seterr(err, errlen, "%s: row %lld, column %lld: expected a finite number, found %g", p,
                       (long long)(i / cols), (long long)(i % cols), v);
                npy_free(a);
                return -1;
            }
        }
    return 0;
}

/* ---- splits ------------------------------------------------------------------------------ */

/* Draws per-class quotas q[c] rows from each class's rows (of labels[0..n)), in the order
 * described in smnist.h: shuffled class lists, the first q[0][c] to list 0, the next q[1][c] to
 * list 1 (nlists 1 or 2), then each list shuffled. lists[l] must hold sum_c q[l][c]. */
static int draw(uint64_t *rng, const int64_t *labels, int64_t n, int nlists, int64_t q[2][NCLS], int64_t *lists[2]) {
    int64_t *byclass = malloc(sizeof(int64_t) * (size_t)(n ? n : 1));
    if (!byclass) return -1;
    int64_t fill[2] = {0, 0};
    for (int c = 0; c < NCLS; c++) {
        int64_t k = 0;
        for (int64_t i = 0; i < n; i++)
            if (labels[i] == c) byclass[k++] = i;
        draw_shuffle(rng, byclass, k, sizeof *byclass);
        int64_t pos = 0;
        for (int l = 0; l < nlists; l++)
            for (int64_t j = 0; j < q[l][c]; j++) lists[l][fill[l]++] = byclass[pos++];
    }
    for (int l = 0; l < nlists; l++) draw_shuffle(rng, lists[l], fill[l], sizeof *lists[l]);
    free(byclass);
    return 0;
}

/* ---- preprocessing ----------------------------------------------------------------------- */

enum { IMG_F32 = 0, IMG_INT255 = 1, IMG_UNIT255 = 2 };

/* Which uint8 encodings the whole file allows: bit IMG_INT255 (integers in [0, 255]) and bit
 * IMG_UNIT255 (floats in [0, 1] with v*255 within 1e-3 of an integer). */
static int image_modes(const npy_array *a) {
    int ok_int = 1, ok_unit = a->dtype == NPY_F4 || a->dtype == NPY_F8;
    if (a->dtype == NPY_U1) return 1 << IMG_INT255;
    for (int64_t i = 0; i < a->count && (ok_int || ok_unit); i++) {
        double v = npy_get_f64(a, i);
        if (ok_int && !(v >= 0.0 && v <= 255.0 && v == floor(v))) ok_int = 0;
        if (ok_unit) {
            double s = v * 255.0;
            if (!(v >= 0.0 && v <= 1.0 && fabs(s - floor(s + 0.5)) <= 1e-3)) ok_unit = 0;
        }
    }
    return (ok_int << IMG_INT255) | (ok_unit << IMG_UNIT255);
}

static void copy_images(const npy_array *a, const int64_t *rows, int64_t n, int mode, void *dst) {
    for (int64_t i = 0; i < n; i++) {
        int64_t base = rows[i] * IMG_PIX;
        if (mode == IMG_F32) {
            float *o = (float *)dst + i * IMG_PIX;
            for (int j = 0; j < IMG_PIX; j++) o[j] = (float)npy_get_f64(a, base + j);
        } else {
            uint8_t *o = (uint8_t *)dst + i * IMG_PIX;
            if (a->dtype == NPY_U1) {
                memcpy(o, (const uint8_t *)a->data + base, IMG_PIX);
            } else {
                double sc = mode == IMG_UNIT255 ? 255.0 : 1.0;
                for (int j = 0; j < IMG_PIX; j++) o[j] = (uint8_t)floor(npy_get_f64(a, base + j) * sc + 0.5);
            }
        }
    }
}

/* Each drawn row's 39x13 MFCC grid, bilinearly resized to 28x28 float (smnist.h: audio). */
static void copy_audio(const npy_array *a, const int64_t *rows, int64_t n, float *dst) {
    double in[SP_LEN];
    for (int64_t i = 0; i < n; i++) {
        int64_t base = rows[i] * SP_LEN;
        for (int j = 0; j < SP_LEN; j++) in[j] = npy_get_f64(a, base + j);
        plane_resize_f32(in, SP_T, SP_K, dst + i * IMG_PIX, IMG, IMG);
    }
}

/* ---- prepare ----------------------------------------------------------------------------- */

/* One prepare in progress: what its steps share. prep_free releases all of it. */
typedef struct {
    const char *from;
    smnist_options o;
    char lp[2][4096];           /* labels_{train,test}.npy, for messages */
    int64_t *lab[2], nrow[2];   /* class ids of the original train and test rows */
    int64_t nsplit[NUM_SPLITS]; /* rows of train, val, test */
    int64_t *rows[NUM_SPLITS];  /* the original rows each split draws, in split order */
    int image_mode;
    dataset d;
    char *err;
    size_t errlen;
} prep;

static int check_sizes(const smnist_options *o, char *err, size_t errlen) {
    if (o->n_train < 0 || o->n_val < 0 || o->n_test < 0) {
        seterr(err, errlen,
               "smnist: expected sizes >= 0 (0 = all), found n_train %lld, n_val %lld, "
               "n_test %lld",
               (long long)o->n_train, (long long)o->n_val, (long long)o->n_test);
        return -1;
    }
    if (o->n_train == 0 && o->n_val == 0) {
        seterr(err, errlen,
               "smnist: expected at most one of n_train and n_val to be 0 (= all "
               "the rest of the original train set), found both 0");
        return -1;
    }
    return 0;
}

static int read_all_labels(prep *p) {
    for (int part = 0; part < 2; part++) {
        file_path(p->lp[part], sizeof p->lp[part], p->from, file_names[4 + part]);
        if (read_labels(p->from, part, &p->lab[part], &p->nrow[part], p->err, p->errlen)) return -1;
    }
    return 0;
}

/* The split sizes, 0 = "all" resolved against the row counts (smnist.h: Sizes). */
static int resolve_sizes(prep *p) {
    const smnist_options *o = &p->o;
    int64_t n_tr = o->n_train, n_va = o->n_val, n_te = o->n_test;
    if (n_tr == 0) n_tr = p->nrow[TR] - n_va;
    if (n_va == 0) n_va = p->nrow[TR] - n_tr;
    if (n_te == 0) n_te = p->nrow[TE];
    if (n_tr < 0 || n_va < 0 || n_tr + n_va > p->nrow[TR]) {
        char want[128];
        if (o->n_train && o->n_val)
            snprintf(want, sizeof want, "n_train + n_val = %lld + %lld = %lld", (long long)o->n_train,
                     (long long)o->n_val, (long long)(o->n_train + o->n_val));
        else
            snprintf(want, sizeof want, "%s = %lld", o->n_train ? "n_train" : "n_val",
                     (long long)(o->n_train ? o->n_train : o->n_val));
        seterr(p->err, p->errlen, "%s: expected at least %s rows to draw train and val from, found %lld", p->lp[TR],
               want, (long long)p->nrow[TR]);
        return -1;
    }
    if (n_tr < 1) {
        seterr(p->err, p->errlen,
               "%s: expected rows left for the train split after n_val = %lld, found %lld rows "
               "in all",
               p->lp[TR], (long long)n_va, (long long)p->nrow[TR]);
        return -1;
    }
    if (n_te > p->nrow[TE]) {
        seterr(p->err, p->errlen, "%s: expected at least n_test = %lld rows, found %lld", p->lp[TE], (long long)n_te,
               (long long)p->nrow[TE]);
        return -1;
    }
    p->nsplit[SPLIT_TRAIN] = n_tr;
    p->nsplit[SPLIT_VAL] = n_va;
    p->nsplit[SPLIT_TEST] = n_te;
    return 0;
}

/* Stratified allocation and drawing (smnist.h: Splits), one splitmix64 stream. */
static int draw_splits(prep *p) {
    int64_t cnt[2][NCLS] = {{0}}, tot[NCLS], q[2][NCLS], qt[2][NCLS];
    for (int part = 0; part < 2; part++)
        for (int64_t i = 0; i < p->nrow[part]; i++) cnt[part][p->lab[part][i]]++;
    draw_largest_remainder(p->nsplit[SPLIT_TRAIN] + p->nsplit[SPLIT_VAL], cnt[TR], NCLS, tot);
    draw_largest_remainder(p->nsplit[SPLIT_TRAIN], tot, NCLS, q[0]);
    for (int c = 0; c < NCLS; c++) q[1][c] = tot[c] - q[0][c];
    draw_largest_remainder(p->nsplit[SPLIT_TEST], cnt[TE], NCLS, qt[0]);
    for (int s = 0; s < NUM_SPLITS; s++)
        if (!(p->rows[s] = malloc(sizeof(int64_t) * (size_t)(p->nsplit[s] ? p->nsplit[s] : 1)))) {
            seterr(p->err, p->errlen, "smnist: out of memory");
            return -1;
        }
    uint64_t rng = p->o.seed;
    int64_t *l01[2] = {p->rows[SPLIT_TRAIN], p->rows[SPLIT_VAL]}, *l2[2] = {p->rows[SPLIT_TEST], NULL};
    if (draw(&rng, p->lab[TR], p->nrow[TR], 2, q, l01) || draw(&rng, p->lab[TE], p->nrow[TE], 1, qt, l2)) {
        seterr(p->err, p->errlen, "smnist: out of memory");
        return -1;
    }
    if (p->o.verbose)
        fprintf(stderr,
                "smnist: %s: %lld rows, %s: %lld rows; drawing train %lld + val %lld "
                "(stratified, seed %llu) and test %lld\n",
                p->lp[TR], (long long)p->nrow[TR], p->lp[TE], (long long)p->nrow[TE], (long long)p->nsplit[SPLIT_TRAIN],
                (long long)p->nsplit[SPLIT_VAL], (unsigned long long)p->o.seed, (long long)p->nsplit[SPLIT_TEST]);
    return 0;
}

/* The cache's attributes and each split's labels. */
static int fill_labels(prep *p) {
    dataset *d = &p->d;
    snprintf(d->name, sizeof d->name, "smnist");
    d->num_classes = NCLS;
    d->multilabel = 0;
    snprintf(d->metric, sizeof d->metric, "accuracy");
    snprintf(d->modality[0], sizeof d->modality[0], "image");
    snprintf(d->modality[1], sizeof d->modality[1], "audio");
    d->recipe_version = SMNIST_RECIPE_VERSION;
    if (!(d->class_names = strdup("0,1,2,3,4,5,6,7,8,9"))) {
        seterr(p->err, p->errlen, "smnist: out of memory");
        return -1;
    }
    for (int s = 0; s < NUM_SPLITS; s++) {
        ds_split *S = &d->split[s];
        const int64_t *src = s == SPLIT_TEST ? p->lab[TE] : p->lab[TR];
        S->n = p->nsplit[s];
        if (!(S->labels = malloc(sizeof(int64_t) * (size_t)(S->n ? S->n : 1)))) {
            seterr(p->err, p->errlen, "smnist: out of memory");
            return -1;
        }
        for (int64_t i = 0; i < S->n; i++) S->labels[i] = src[p->rows[s][i]];
    }
    return 0;
}

/* Modality m of every split: 1x28x28 of the given dtype, allocated. */
static int alloc_modality(prep *p, int m, int dtype, const char *what) {
    for (int s = 0; s < NUM_SPLITS; s++) {
        ds_modality *x = &p->d.split[s].x[m];
        x->dtype = dtype;
        x->c = 1;
        x->h = x->w = IMG;
        x->sample_bytes = (size_t)IMG_PIX * (dtype == DS_F32 ? 4 : 1);
        if (!(x->data = malloc(x->sample_bytes * (size_t)(p->nsplit[s] ? p->nsplit[s] : 1)))) {
            seterr(p->err, p->errlen, "smnist: out of memory for the %s %s", split_names[s], what);
            return -1;
        }
    }
    return 0;
}

/* Images: both files decide the dtype (smnist.h: Preprocessing), then the drawn rows are copied. */
static int add_images(prep *p) {
    npy_array wr[2];
    memset(wr, 0, sizeof wr);
    int rc = -1;
    for (int part = 0; part < 2; part++)
        if (read_data(p->from, 0 + part, p->nrow[part], IMG_PIX, "28 x 28 written digit", &wr[part], p->err, p->errlen))
            goto out;
    int modes = image_modes(&wr[TR]) & image_modes(&wr[TE]);
    p->image_mode = (modes & (1 << IMG_UNIT255)) ? IMG_UNIT255 : (modes & (1 << IMG_INT255)) ? IMG_INT255 : IMG_F32;
    if (p->o.verbose)
        fprintf(stderr, "smnist: image (%s) stored as %s\n", npy_dtype_name(wr[TR].dtype),
                p->image_mode == IMG_UNIT255  ? "uint8 = round(v * 255) (floats k/255 in [0, 1])"
                : p->image_mode == IMG_INT255 ? "uint8 (integers 0..255)"
                                              : "float32 (not 8-bit)");
    if (alloc_modality(p, 0, p->image_mode == IMG_F32 ? DS_F32 : DS_U8, "images")) goto out;
    for (int s = 0; s < NUM_SPLITS; s++)
        copy_images(&wr[s == SPLIT_TEST ? TE : TR], p->rows[s], p->nsplit[s], p->image_mode, p->d.split[s].x[0].data);
    rc = 0;
out:
    npy_free(&wr[0]);
    npy_free(&wr[1]);
    return rc;
}

/* Audio: one file at a time, each row resized to 28x28. */
static int add_audio(prep *p) {
    if (alloc_modality(p, 1, DS_F32, "audio")) return -1;
    for (int part = 0; part < 2; part++) {
        npy_array sp;
        if (read_data(p->from, 2 + part, p->nrow[part], SP_LEN, "39 x 13 MFCC", &sp, p->err, p->errlen)) return -1;
        for (int s = 0; s < NUM_SPLITS; s++)
            if ((s == SPLIT_TEST) == (part == TE))
                copy_audio(&sp, p->rows[s], p->nsplit[s], (float *)p->d.split[s].x[1].data);
        npy_free(&sp);
    }
    return 0;
}

static int set_recipe(prep *p) {
    const smnist_options *o = &p->o;
    char recipe[1024];
    snprintf(recipe, sizeof recipe,
             "smnist recipe %d: Khacef et al. S-MNIST npy files (Zenodo 10.5281/zenodo.3515934 "
             "layout) from %s; n_train=%lld n_val=%lld drawn from the original train set "
             "(%lld rows) and n_test=%lld from the original test set (%lld rows), requested "
             "n_train=%lld n_val=%lld n_test=%lld (0 = all); stratified by label "
             "(largest-remainder per-class allocation), seed=%llu (splitmix64, Fisher-Yates); "
             "image 784 -> 1x28x28 %s; audio 507 -> 39x13 (time x MFCC) -> 1x28x28 bilinear "
             "half-pixel (align_corners=False) float32",
             SMNIST_RECIPE_VERSION, p->from, (long long)p->nsplit[SPLIT_TRAIN], (long long)p->nsplit[SPLIT_VAL],
             (long long)p->nrow[TR], (long long)p->nsplit[SPLIT_TEST], (long long)p->nrow[TE], (long long)o->n_train,
             (long long)o->n_val, (long long)o->n_test, (unsigned long long)o->seed,
             p->image_mode == IMG_UNIT255  ? "uint8 round(v*255)"
             : p->image_mode == IMG_INT255 ? "uint8"
                                           : "float32");
    if ((p->d.recipe = strdup(recipe))) return 0;
    seterr(p->err, p->errlen, "smnist: out of memory");
    return -1;
}

static void prep_free(prep *p) {
    free(p->lab[0]);
    free(p->lab[1]);
    for (int s = 0; s < NUM_SPLITS; s++) free(p->rows[s]);
    dataset_free(&p->d);
}

ml_status smnist_prepare(const char *from_dir, const char *out_h5, const smnist_options *opt, char *err,
                         size_t errlen) {
    prep p;
    memset(&p, 0, sizeof p);
    p.from = from_dir;
    p.err = err;
    p.errlen = errlen;
    if (opt) p.o = *opt;
    else smnist_options_default(&p.o);
    double t0 = mono_seconds();
    int rc = check_sizes(&p.o, err, errlen);
    if (!rc) rc = check_present(from_dir, err, errlen);
    if (!rc) rc = read_all_labels(&p);
    if (!rc) rc = resolve_sizes(&p);
    if (!rc) rc = draw_splits(&p);
    if (!rc) rc = fill_labels(&p);
    if (!rc) rc = add_images(&p);
    if (!rc) rc = add_audio(&p);
    if (!rc) rc = set_recipe(&p);
    if (!rc) rc = dataset_save(out_h5, &p.d, err, errlen) == ML_OK ? 0 : -1;
    if (!rc && p.o.verbose)
        fprintf(stderr, "smnist: wrote %s (train %lld, val %lld, test %lld) in %.2f s\n", out_h5,
                (long long)p.nsplit[SPLIT_TRAIN], (long long)p.nsplit[SPLIT_VAL], (long long)p.nsplit[SPLIT_TEST],
                mono_seconds() - t0);
    prep_free(&p);
    return rc ? ML_EDATA : ML_OK;
}
