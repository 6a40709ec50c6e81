/* test_dataset.c - the HDF5 dataset cache (csrc/data/dataset.c) and `prepare smnist`
 * (csrc/data/smnist.c), on a tiny fake Khacef directory written with npy_write.
 *
 * The fake directory: 200 original-train rows with class counts 11, 13, ..., 29 (classes
 * 0..9) in a scrambled order, 60 original-test rows with counts 3,4,5,6,7,8,6,7,8,6.
 * Image row r of part P (0 train, 1 test): float32 values k/255 with pixel 0 = r/255 and
 * pixel 1 = P/255 (a unique marker), pixel j >= 2 = ((r*7 + j*3 + P*11) % 256)/255.
 * Audio row r of part P: v(t, k) = r + 100 P + 0.25 t + 0.1 k^2 (t = time 0..38, k = MFCC
 * 0..12); test row 0 is the constant 3.0 instead. Labels: train <i8, test <f8 (floats holding
 * integers). Checks: counts; per-class train/val/test counts against the allocation worked
 * out by hand below; every image equal to round(255 v) of its source row; the audio against
 * hand-computed bilinear values; mean/std attributes against values computed here; same seed
 * gives the same cache, another seed another split; "0 = all"; and clear errors for
 * inconsistent inputs and broken caches; data/draw.c's allocation and shuffle on their own.
 * Standalone C11: npy.c, dataset.c, smnist.c, draw.c, HDF5.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>

#include "check.h"
#include "scratch.h"
#include "data/dataset.h"
#include "data/draw.h"
#include "data/h5write.h"
#include "data/npy.h"
#include "data/smnist.h"

static int exists(const char *p) { return access(p, F_OK) == 0; }

/* ---- the fake Khacef directory ----------------------------------------------------------- */

#define NTR 200
#define NTE 60
static const int cnt_tr[10] = {11, 13, 15, 17, 19, 21, 23, 25, 27, 29};
static const int cnt_te[10] = {3, 4, 5, 6, 7, 8, 6, 7, 8, 6};
static int64_t lab_src[2][NTR];

static uint64_t sm_state;
static uint64_t sm_next(void) {
    uint64_t z = (sm_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static int img_k(int part, int r, int j) {
    if (j == 0) return r;
    if (j == 1) return part;
    return (r * 7 + j * 3 + part * 11) % 256;
}

static double aud_v(int part, int r, int t, int k) {
    if (part == 1 && r == 0) return 3.0;
    return r + 100.0 * part + 0.25 * t + 0.1 * k * k;
}

static void put(const char *dir, const char *name, npy_dtype t, int ndim, int64_t d0, int64_t d1, void *data) {
    npy_array a;
    memset(&a, 0, sizeof a);
    a.dtype = t;
    a.ndim = ndim;
    a.shape[0] = d0;
    a.shape[1] = d1;
    a.count = ndim == 1 ? d0 : d0 * d1;
    a.data = data;
    char p[600], err[1024];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    if (npy_write(p, &a, err, sizeof err)) {
        fprintf(stderr, "FAIL: npy_write: %s\n", err);
        exit(1);
    }
}

/* Writes the six files into DIR. labels_train_rows / sp_cols change one file to test errors. */
static void make_fake(const char *dir, int labels_train_rows, int sp_cols) {
    mkdir(dir, 0700);
    static const int n[2] = {NTR, NTE};
    static const char *const part[2] = {"train", "test"};
    for (int p = 0; p < 2; p++) {
        /* labels: class blocks, then a seeded scramble */
        const int *cnt = p ? cnt_te : cnt_tr;
        int64_t *l = lab_src[p];
        int k = 0;
        for (int c = 0; c < 10; c++)
            for (int i = 0; i < cnt[c]; i++) l[k++] = c;
        REQUIRE(k == n[p]);
        sm_state = 12345 + (uint64_t)p;
        for (int i = n[p] - 1; i > 0; i--) {
            int j = (int)(sm_next() % (uint64_t)(i + 1));
            int64_t t = l[i];
            l[i] = l[j];
            l[j] = t;
        }
        float *img = malloc(sizeof(float) * (size_t)n[p] * 784);
        int cols = p == 0 ? sp_cols : 507;
        float *aud = malloc(sizeof(float) * (size_t)n[p] * (size_t)cols);
        REQUIRE(img && aud);
        for (int r = 0; r < n[p]; r++) {
            for (int j = 0; j < 784; j++) img[r * 784 + j] = (float)img_k(p, r, j) / 255.0f;
            for (int j = 0; j < cols; j++) aud[r * cols + j] = (float)aud_v(p, r, j / 13, j % 13);
        }
        char name[64];
        snprintf(name, sizeof name, "data_wr_%s.npy", part[p]);
        put(dir, name, NPY_F4, 2, n[p], 784, img);
        snprintf(name, sizeof name, "data_sp_%s.npy", part[p]);
        put(dir, name, NPY_F4, 2, n[p], cols, aud);
        snprintf(name, sizeof name, "labels_%s.npy", part[p]);
        if (p == 0) {
            put(dir, name, NPY_I8, 1, labels_train_rows, 0, l);
        } else {
            double lf[NTE];
            for (int i = 0; i < NTE; i++) lf[i] = (double)l[i];
            put(dir, name, NPY_F8, 1, NTE, 0, lf);
        }
        free(img);
        free(aud);
    }
}

/* ---- checks on a prepared S-MNIST cache --------------------------------------------------- */

/* The allocation for n_train 100, n_val 40 over cnt_tr (N = 200), n_test 30 over cnt_te, by
 * hand:
 *   total 140: 0.7 * cnt = 7.7 9.1 10.5 11.9 13.3 14.7 16.1 17.5 18.9 20.3, floors sum 135;
 *     the 5 largest remainders .9 (3, 8), .7 (0, 5), .5 (2 before 7) get one more:
 *     tot = 8 9 11 12 13 15 16 17 19 20.
 *   train 100 over tot (sum 140): 100*tot/140 floors 5 6 7 8 9 10 11 12 13 14 = 95; remainders
 *     (100*tot mod 140) 100 60 120 80 40 100 60 20 80 40: the 5 largest are classes 2, 0, 5,
 *     3, 8: train = 6 6 8 9 9 11 11 12 14 14, val = tot - train = 2 3 3 3 4 4 5 5 5 6.
 *   test 30 over cnt_te (sum 60): halves 1.5 2 2.5 3 3.5 4 3 3.5 4 3, floors sum 28; the
 *     remainders .5 of classes 0, 2, 4, 7 tie: the lower ids 0 and 2 get one more:
 *     test = 2 2 3 3 3 4 3 3 4 3. */
static const int want_cls[3][10] = {
    {6, 6, 8, 9, 9, 11, 11, 12, 14, 14}, {2, 3, 3, 3, 4, 4, 5, 5, 5, 6}, {2, 2, 3, 3, 3, 4, 3, 3, 4, 3}};

static double src_y(int y) { return (y + 0.5) * 39.0 / 28.0 - 0.5; }

/* Returns the source row of sample i of split s (from the image marker), or -1. */
static int source_row(const dataset *d, int s, int64_t i, int *part) {
    const uint8_t *x = (const uint8_t *)d->split[s].x[0].data + i * 784;
    *part = x[1];
    return x[0];
}

static void check_smnist(const dataset *d, int64_t n_tr, int64_t n_va, int64_t n_te, int check_alloc) {
    CHECK(strcmp(d->name, "smnist") == 0);
    CHECK(d->num_classes == 10 && d->multilabel == 0);
    CHECK(strcmp(d->metric, "accuracy") == 0);
    CHECK(strcmp(d->modality[0], "image") == 0 && strcmp(d->modality[1], "audio") == 0);
    CHECK(d->class_names && strcmp(d->class_names, "0,1,2,3,4,5,6,7,8,9") == 0);
    CHECK(d->recipe_version == 1);
    CHECKF(d->recipe && strstr(d->recipe, "seed=") && strstr(d->recipe, "bilinear") &&
               strstr(d->recipe, "align_corners=False"),
           "recipe: %s", d->recipe ? d->recipe : "(null)");
    int64_t want_n[3] = {n_tr, n_va, n_te};
    int used[2][NTR];
    memset(used, 0, sizeof used);
    for (int s = 0; s < NUM_SPLITS; s++) {
        const ds_split *sp = &d->split[s];
        CHECKF(sp->n == want_n[s], "%s: n = %lld, expected %lld", split_names[s], (long long)sp->n,
               (long long)want_n[s]);
        const ds_modality *xa = &sp->x[0], *xb = &sp->x[1];
        CHECK(xa->dtype == DS_U8 && xa->c == 1 && xa->h == 28 && xa->w == 28 && xa->sample_bytes == 784);
        CHECK(xb->dtype == DS_F32 && xb->c == 1 && xb->h == 28 && xb->w == 28 && xb->sample_bytes == 784 * 4);
        int per[10] = {0};
        for (int64_t i = 0; i < sp->n; i++) {
            int part, r = source_row(d, s, i, &part);
            int want_part = s == SPLIT_TEST;
            if (part != want_part || r >= (part ? NTE : NTR)) {
                CHECKF(0, "%s[%lld]: marker part %d row %d", split_names[s], (long long)i, part, r);
                continue;
            }
            CHECKF(!used[part][r], "%s[%lld]: source row %d (part %d) used twice", split_names[s], (long long)i, r,
                   part);
            used[part][r] = 1;
            CHECKF(sp->labels[i] == lab_src[part][r], "%s[%lld]: label %lld, source %lld", split_names[s], (long long)i,
                   (long long)sp->labels[i], (long long)lab_src[part][r]);
            if (sp->labels[i] >= 0 && sp->labels[i] < 10) per[sp->labels[i]]++;
            const uint8_t *x = (const uint8_t *)xa->data + i * 784;
            int bad = 0;
            for (int j = 0; j < 784; j++) {
                float v = (float)img_k(part, r, j) / 255.0f; /* as written in the file */
                if (x[j] != (uint8_t)lrint(v * 255.0)) bad++;
            }
            CHECKF(!bad, "%s[%lld]: %d pixels differ from round(255 v) of source row %d", split_names[s], (long long)i,
                   bad, r);
            /* audio: v = base + 0.25 t + 0.1 k^2 is separable, so the bilinear value is
             * base + 0.25 src_y(y) + (interpolated 0.1 k^2 at src_x(x)) */
            const float *a = (const float *)xb->data + i * 784;
            if (part == 1 && r == 0) {
                int nc = 0;
                for (int j = 0; j < 784; j++) nc += a[j] != 3.0f;
                CHECKF(nc == 0, "constant audio row: %d values differ from 3", nc);
                continue;
            }
            double base = r + 100.0 * part;
            /* a ramp along time stays a ramp: rows step by 0.25 * 39/28 exactly */
            for (int y = 0; y + 1 < 28; y++)
                for (int xx = 0; xx < 28; xx += 9) {
                    double step = (double)a[(y + 1) * 28 + xx] - a[y * 28 + xx];
                    CHECKF(fabs(step - 0.25 * 39.0 / 28.0) < 2e-4, "%s[%lld] (%d,%d): time step %.6f, expected %.6f",
                           split_names[s], (long long)i, y, xx, step, 0.25 * 39.0 / 28.0);
                }
            /* one exact value, pixel (y=5, x=7): src_y = 5.5*39/28 - 0.5 = 7.1607142857,
             * src_x = 7.5*13/28 - 0.5 = 2.9821428571 between k=2 and 3:
             * 0.1*(4*(1-0.9821428571) + 9*0.9821428571) */
            double ex =
                base + 0.25 * 7.160714285714286 + 0.1 * (4.0 * (1.0 - 0.982142857142857) + 9.0 * 0.982142857142857);
            CHECKF(fabs(a[5 * 28 + 7] - ex) < 1e-4 * (1 + fabs(ex)), "%s[%lld]: audio(5,7) = %.6f, expected %.6f",
                   split_names[s], (long long)i, a[5 * 28 + 7], ex);
            /* borders: x = 0 clamps to k = 0, x = 27 (src 12.27) to k = 12 (0.1*144) */
            for (int y = 0; y < 28; y += 9) {
                double e0 = base + 0.25 * src_y(y), e27 = e0 + 14.4;
                CHECKF(fabs(a[y * 28] - e0) < 1e-4 * (1 + fabs(e0)) &&
                           fabs(a[y * 28 + 27] - e27) < 1e-4 * (1 + fabs(e27)),
                       "%s[%lld] row %d: borders %.6f %.6f, expected %.6f %.6f", split_names[s], (long long)i, y,
                       a[y * 28], a[y * 28 + 27], e0, e27);
            }
        }
        if (check_alloc)
            for (int c = 0; c < 10; c++)
                CHECKF(per[c] == want_cls[s][c], "%s: class %d has %d samples, expected %d", split_names[s], c, per[c],
                       want_cls[s][c]);
    }
    /* mean/std of the train split, computed here */
    for (int m = 0; m < 2; m++) {
        const ds_split *tr = &d->split[SPLIT_TRAIN];
        double s1 = 0, s2 = 0, cnt = (double)tr->n * 784;
        for (int64_t i = 0; i < tr->n * 784; i++) {
            double v = m == 0 ? ((const uint8_t *)tr->x[0].data)[i] / 255.0 : ((const float *)tr->x[1].data)[i];
            s1 += v;
            s2 += v * v;
        }
        double mean = s1 / cnt, sd = sqrt(s2 / cnt - mean * mean);
        CHECKF(fabs(d->mean[m][0] - mean) < 1e-5 * (1 + fabs(mean)) && fabs(d->std[m][0] - sd) < 1e-4 * (1 + sd),
               "modality %d: mean/std %.7f/%.7f, computed %.7f/%.7f", m, d->mean[m][0], d->std[m][0], mean, sd);
    }
}

static char *slurp(const char *p, long *n) {
    FILE *f = fopen(p, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)*n + 1);
    if (b && fread(b, 1, (size_t)*n, f) != (size_t)*n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    return b;
}

static void expect_prepare_fail(const char *from, const smnist_options *o, const char *s1, const char *s2,
                                const char *s3, int line) {
    char err[2048] = "";
    char out[512];
    snprintf(out, sizeof out, "%s", scratch_path("fail.h5"));
    ml_status rc = smnist_prepare(from, out, o, err, sizeof err);
    if (rc != ML_EDATA || (s1 && !strstr(err, s1)) || (s2 && !strstr(err, s2)) || (s3 && !strstr(err, s3))) {
        fprintf(stderr,
                "FAIL %s:%d: smnist_prepare returned %d, message \"%s\" (wanted \"%s\" "
                "\"%s\" \"%s\")\n",
                __FILE__, line, rc, err, s1 ? s1 : "", s2 ? s2 : "", s3 ? s3 : "");
        failures++;
    } else {
        printf("  ok: %s\n", err);
    }
    CHECKF(!exists(out) && !exists(scratch_path("fail.h5.tmp")), "a failed prepare left a file (line %d)", line);
}

static void test_smnist(void) {
    char fake[512];
    snprintf(fake, sizeof fake, "%s", scratch_path("khacef")); /* tpath's buffers are reused */
    make_fake(fake, NTR, 507);
    smnist_options o;
    smnist_options_default(&o);
    CHECK(o.n_train == 8000 && o.n_val == 2000 && o.n_test == 2000 && o.seed == 0);
    o.n_train = 100;
    o.n_val = 40;
    o.n_test = 30;
    o.seed = 7;
    char err[2048] = "";
    char c1[512], c2[512], c3[512], c4[512];
    snprintf(c1, sizeof c1, "%s", scratch_path("s7.h5"));
    snprintf(c2, sizeof c2, "%s", scratch_path("s7b.h5"));
    snprintf(c3, sizeof c3, "%s", scratch_path("s8.h5"));
    snprintf(c4, sizeof c4, "%s", scratch_path("all.h5"));
    int rc = smnist_prepare(fake, c1, &o, err, sizeof err);
    CHECKF(rc == 0, "smnist_prepare: %s", err);
    CHECK(!exists(scratch_path("s7.h5.tmp")));
    dataset d;
    rc = dataset_load(c1, &d, err, sizeof err);
    CHECKF(rc == 0, "dataset_load: %s", err);
    if (rc == 0) {
        check_smnist(&d, 100, 40, 30, 1);
        printf("  recipe: %s\n", d.recipe);
    }

    /* same seed: the same file contents; another seed: another split */
    rc = smnist_prepare(fake, c2, &o, err, sizeof err);
    CHECKF(rc == 0, "smnist_prepare: %s", err);
    dataset d2;
    if (rc == 0 && dataset_load(c2, &d2, err, sizeof err) == 0) {
        for (int s = 0; s < NUM_SPLITS; s++)
            CHECKF(d.split[s].n == d2.split[s].n &&
                       memcmp(d.split[s].x[0].data, d2.split[s].x[0].data, (size_t)d.split[s].n * 784) == 0 &&
                       memcmp(d.split[s].x[1].data, d2.split[s].x[1].data, (size_t)d.split[s].n * 784 * 4) == 0 &&
                       memcmp(d.split[s].labels, d2.split[s].labels, (size_t)d.split[s].n * 8) == 0,
                   "same seed, split %s differs", split_names[s]);
        dataset_free(&d2);
    }
    {
        long n1 = 0, n2 = 0;
        char *b1 = slurp(c1, &n1), *b2 = slurp(c2, &n2);
        CHECKF(b1 && b2 && n1 == n2 && memcmp(b1, b2, (size_t)n1) == 0,
               "same seed: the two cache files are not byte-identical (%ld vs %ld bytes)", n1, n2);
        free(b1);
        free(b2);
    }
    o.seed = 8;
    rc = smnist_prepare(fake, c3, &o, err, sizeof err);
    CHECKF(rc == 0, "smnist_prepare: %s", err);
    if (rc == 0 && dataset_load(c3, &d2, err, sizeof err) == 0) {
        check_smnist(&d2, 100, 40, 30, 1); /* the allocation does not depend on the seed */
        for (int s = 0; s < NUM_SPLITS; s++) {
            int same = 0;
            for (int64_t i = 0; i < d.split[s].n; i++) {
                int p1, p2;
                same += source_row(&d, s, i, &p1) == source_row(&d2, s, i, &p2);
            }
            CHECKF(same < d.split[s].n / 2, "seed 7 vs 8: %s has %d of %lld rows in place", split_names[s], same,
                   (long long)d.split[s].n);
        }
        /* the set of train rows differs too (not only the order) */
        int in7[NTR] = {0}, diff = 0;
        for (int64_t i = 0; i < d.split[0].n; i++) {
            int p;
            in7[source_row(&d, 0, i, &p)] = 1;
        }
        for (int64_t i = 0; i < d2.split[0].n; i++) {
            int p;
            diff += !in7[source_row(&d2, 0, i, &p)];
        }
        CHECKF(diff > 0, "seed 8 drew the same set of train rows as seed 7");
        dataset_free(&d2);
    }
    if (d.recipe) dataset_free(&d);

    /* 0 = all: n_test 0 takes all 60 test rows (with the constant audio row 0); n_val 0 takes
     * every original-train row not drawn for train */
    o.n_train = 150;
    o.n_val = 0;
    o.n_test = 0;
    o.seed = 1;
    rc = smnist_prepare(fake, c4, &o, err, sizeof err);
    CHECKF(rc == 0, "smnist_prepare: %s", err);
    if (rc == 0 && dataset_load(c4, &d2, err, sizeof err) == 0) {
        check_smnist(&d2, 150, 50, 60, 0);
        for (int c = 0; c < 10; c++) {
            int k = 0;
            for (int64_t i = 0; i < 60; i++) k += d2.split[SPLIT_TEST].labels[i] == c;
            CHECKF(k == cnt_te[c], "all test rows: class %d has %d, expected %d", c, k, cnt_te[c]);
        }
        dataset_free(&d2);
    }
    /* verbose prints but changes nothing; the default options need 10,000 rows */
    o.n_train = 0;
    o.n_val = 20;
    o.verbose = 1;
    rc = smnist_prepare(fake, c4, &o, err, sizeof err);
    CHECKF(rc == 0, "smnist_prepare: %s", err);
    if (rc == 0 && dataset_load(c4, &d2, err, sizeof err) == 0) {
        CHECK(d2.split[0].n == 180 && d2.split[1].n == 20 && d2.split[2].n == 60);
        dataset_free(&d2);
    }
    expect_prepare_fail(fake, NULL, "labels_train.npy", "8000 + 2000 = 10000", "found 200", __LINE__);
    smnist_options bad = o;
    bad.verbose = 0;
    bad.n_train = 190;
    bad.n_val = 20;
    expect_prepare_fail(fake, &bad, "labels_train.npy", "210", "found 200", __LINE__);
    bad.n_train = 10;
    bad.n_test = 61;
    expect_prepare_fail(fake, &bad, "labels_test.npy", "n_test = 61", "found 60", __LINE__);
    bad.n_train = 0;
    bad.n_val = 0;
    expect_prepare_fail(fake, &bad, "n_train and n_val", NULL, NULL, __LINE__);
    bad.n_train = -1;
    expect_prepare_fail(fake, &bad, "expected sizes >= 0", NULL, NULL, __LINE__);

    /* inconsistent inputs */
    smnist_options small;
    smnist_options_default(&small);
    small.n_train = 50;
    small.n_val = 10;
    small.n_test = 10;
    char bad1[512];
    snprintf(bad1, sizeof bad1, "%s", scratch_path("bad_labels"));
    make_fake(bad1, NTR - 1, 507);
    expect_prepare_fail(bad1, &small, "bad_labels/data_wr_train.npy", "expected 199 rows", "found 200", __LINE__);
    char bad2[512];
    snprintf(bad2, sizeof bad2, "%s", scratch_path("bad_sp"));
    make_fake(bad2, NTR, 500);
    expect_prepare_fail(bad2, &small, "bad_sp/data_sp_train.npy", "expected shape (200, 507)", "found (200, 500)",
                        __LINE__);
    char bad3[512];
    snprintf(bad3, sizeof bad3, "%s", scratch_path("missing"));
    make_fake(bad3, NTR, 507);
    remove(scratch_path("missing/labels_test.npy"));
    expect_prepare_fail(bad3, &small, "missing/labels_test.npy", "10.5281/zenodo.3515934", "make-standin", __LINE__);
    expect_prepare_fail(scratch_path("nowhere"), &small, "nowhere", "zenodo", NULL, __LINE__);
    /* a label out of range, and a float label that is not an integer */
    char bad4[512];
    snprintf(bad4, sizeof bad4, "%s", scratch_path("bad_label_value"));
    make_fake(bad4, NTR, 507);
    {
        double lf[NTE];
        for (int i = 0; i < NTE; i++) lf[i] = (double)lab_src[1][i];
        lf[17] = 2.5;
        put(bad4, "labels_test.npy", NPY_F8, 1, NTE, 0, lf);
    }
    expect_prepare_fail(bad4, &small, "labels_test.npy", "row 17", "found 2.5", __LINE__);
    {
        int64_t l[NTR];
        memcpy(l, lab_src[0], sizeof l);
        l[3] = 10;
        put(bad4, "labels_test.npy", NPY_I8, 1, NTE, 0, lab_src[1]); /* valid again */
        put(bad4, "labels_train.npy", NPY_I8, 1, NTR, 0, l);
    }
    expect_prepare_fail(bad4, &small, "labels_train.npy", "row 3", "found 10", __LINE__);
    /* a NaN in the audio */
    char bad5[512];
    snprintf(bad5, sizeof bad5, "%s", scratch_path("nan"));
    make_fake(bad5, NTR, 507);
    {
        float *aud = calloc((size_t)NTE * 507, sizeof(float));
        aud[5 * 507 + 8] = NAN;
        put(bad5, "data_sp_test.npy", NPY_F4, 2, NTE, 507, aud);
        free(aud);
    }
    expect_prepare_fail(bad5, &small, "data_sp_test.npy", "row 5, column 8", "expected a finite number", __LINE__);
    /* the output directory does not exist */
    {
        char e2[2048];
        ml_status r2 = smnist_prepare(fake, scratch_path("no/dir/x.h5"), &small, e2, sizeof e2);
        CHECKF(r2 == ML_EDATA && strstr(e2, "no/dir/x.h5"), "rc %d: %s", r2, e2);
    }
}

/* An image file that is not 8-bit is stored as float32; a uint8 file as uint8. */
static void test_image_dtypes(void) {
    char dir[512];
    snprintf(dir, sizeof dir, "%s", scratch_path("f32img"));
    make_fake(dir, NTR, 507);
    float *img = malloc(sizeof(float) * NTE * 784);
    for (int r = 0; r < NTE; r++)
        for (int j = 0; j < 784; j++) img[r * 784 + j] = (float)img_k(1, r, j) / 255.0f;
    img[3 * 784 + 100] = 0.5f; /* 127.5 is not an integer */
    put(dir, "data_wr_test.npy", NPY_F4, 2, NTE, 784, img);
    smnist_options o;
    smnist_options_default(&o);
    o.n_train = 20;
    o.n_val = 10;
    o.n_test = 60;
    char err[2048];
    dataset d;
    int rc = smnist_prepare(dir, scratch_path("f32img.h5"), &o, err, sizeof err);
    CHECKF(rc == 0, "smnist_prepare: %s", err);
    if (rc == 0 && dataset_load(scratch_path("f32img.h5"), &d, err, sizeof err) == 0) {
        CHECK(d.split[0].x[0].dtype == DS_F32 && d.split[2].x[0].dtype == DS_F32);
        CHECK(d.split[0].x[0].sample_bytes == 784 * 4);
        /* the values are the file's */
        const float *x = d.split[2].x[0].data;
        int found = 0;
        for (int i = 0; i < 60; i++)
            if (lrintf(x[i * 784] * 255.0f) == 3 && x[i * 784 + 1] > 0.5f / 255.0f) found += x[i * 784 + 100] == 0.5f;
        CHECK(found == 1);
        CHECK(strstr(d.recipe, "float32") != NULL);
        dataset_free(&d);
    }
    /* uint8 files */
    uint8_t *u = malloc(NTR * 784);
    for (int p = 0; p < 2; p++) {
        int n = p ? NTE : NTR;
        for (int r = 0; r < n; r++)
            for (int j = 0; j < 784; j++) u[r * 784 + j] = (uint8_t)img_k(p, r, j);
        put(dir, p ? "data_wr_test.npy" : "data_wr_train.npy", NPY_U1, 2, n, 784, u);
    }
    rc = smnist_prepare(dir, scratch_path("u8img.h5"), &o, err, sizeof err);
    CHECKF(rc == 0, "smnist_prepare: %s", err);
    if (rc == 0 && dataset_load(scratch_path("u8img.h5"), &d, err, sizeof err) == 0) {
        CHECK(d.split[0].x[0].dtype == DS_U8);
        for (int i = 0; i < 60; i++) {
            const uint8_t *x = (const uint8_t *)d.split[2].x[0].data + i * 784;
            int r = x[0], bad = 0;
            for (int j = 0; j < 784; j++) bad += x[j] != (uint8_t)img_k(1, r, j);
            CHECKF(!bad, "uint8 test row %d: %d pixels differ", r, bad);
        }
        dataset_free(&d);
    }
    free(u);
    free(img);
}

/* ---- dataset_save / dataset_load on their own --------------------------------------------- */

static void fill_generic(dataset *d, int64_t n[3]) {
    memset(d, 0, sizeof *d);
    snprintf(d->name, sizeof d->name, "toy");
    d->num_classes = 4;
    d->multilabel = 1;
    snprintf(d->metric, sizeof d->metric, "f1_micro");
    snprintf(d->modality[0], sizeof d->modality[0], "text");
    snprintf(d->modality[1], sizeof d->modality[1], "image");
    d->class_names = strdup("a,b,c,d");
    d->recipe = strdup("toy recipe");
    d->recipe_version = 3;
    for (int s = 0; s < 3; s++) {
        ds_split *sp = &d->split[s];
        sp->n = n[s];
        sp->x[0] = (ds_modality){DS_F32, 2, 1, 3, 2 * 3 * 4, NULL};
        sp->x[1] = (ds_modality){DS_U8, 3, 2, 2, 3 * 4, NULL};
        sp->x[0].data = malloc((size_t)(n[s] ? n[s] : 1) * 24);
        sp->x[1].data = malloc((size_t)(n[s] ? n[s] : 1) * 12);
        sp->targets = malloc(sizeof(float) * (size_t)(n[s] ? n[s] : 1) * 4);
        for (int64_t i = 0; i < n[s]; i++) {
            float *a = (float *)sp->x[0].data + i * 6;
            for (int j = 0; j < 6; j++) a[j] = (float)(j < 3 ? i + j : -2.0 * i); /* ch0, ch1 */
            uint8_t *b = (uint8_t *)sp->x[1].data + i * 12;
            for (int j = 0; j < 12; j++) b[j] = (uint8_t)(j < 4 ? 255 : j < 8 ? i * 10 : 7);
            for (int k = 0; k < 4; k++) sp->targets[i * 4 + k] = (float)((i + k) % 2);
        }
    }
}

/* A cache changed through libhdf5 gets its checksums again, so that dataset_load's checks behind
 * them are what the broken-cache tests reach. */
static void reseal(const char *file) {
    char err[2048];
    REQUIRE(h5w_seal(file, err, sizeof err) == ML_OK);
}

/* Rewrites one dataset of an existing cache (for broken-cache tests). */
static void replace_dataset(const char *file, const char *name, hid_t type, int rank, const hsize_t *dims,
                            const void *buf) {
    hid_t f = H5Fopen(file, H5F_ACC_RDWR, H5P_DEFAULT);
    REQUIRE(f >= 0);
    if (H5Lexists(f, name, H5P_DEFAULT) > 0) REQUIRE(H5Ldelete(f, name, H5P_DEFAULT) >= 0);
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t d = H5Dcreate2(f, name, type, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(d >= 0);
    if (buf) REQUIRE(H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
    H5Dclose(d);
    H5Sclose(sp);
    H5Fclose(f);
    reseal(file);
}

/* Replaces attribute NAME of OBJ with one of type TYPE: a scalar (n 0) or n values. */
static void set_attr(const char *file, const char *obj, const char *name, hid_t type, hsize_t n, const void *buf) {
    hid_t f = H5Fopen(file, H5F_ACC_RDWR, H5P_DEFAULT);
    REQUIRE(f >= 0);
    REQUIRE(H5Adelete_by_name(f, obj, name, H5P_DEFAULT) >= 0);
    hid_t sp = n ? H5Screate_simple(1, &n, NULL) : H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate_by_name(f, obj, name, type, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(a >= 0);
    REQUIRE(H5Awrite(a, type, buf) >= 0);
    H5Aclose(a);
    H5Sclose(sp);
    H5Fclose(f);
    reseal(file);
}

static void set_int_attr(const char *file, const char *obj, const char *name, int v) {
    set_attr(file, obj, name, H5T_NATIVE_INT, 0, &v);
}

/* A scalar string attribute, variable-length (vlen 1) or fixed-length. */
static void set_str_attr(const char *file, const char *obj, const char *name, const char *v, int vlen) {
    hid_t t = H5Tcopy(H5T_C_S1);
    REQUIRE(H5Tset_size(t, vlen ? H5T_VARIABLE : strlen(v) + 1) >= 0);
    set_attr(file, obj, name, t, 0, vlen ? (const void *)&v : (const void *)v);
    H5Tclose(t);
}

static void copy_file(const char *from, const char *to) {
    long n;
    char *b = slurp(from, &n);
    REQUIRE(b);
    FILE *f = fopen(to, "wb");
    REQUIRE(f);
    fwrite(b, 1, (size_t)n, f);
    fclose(f);
    free(b);
}

static void expect_load_fail(const char *p, const char *s1, const char *s2, int line) {
    dataset d;
    char err[2048] = "";
    ml_status rc = dataset_load(p, &d, err, sizeof err);
    if (rc != ML_EDATA || !strstr(err, p) || (s1 && !strstr(err, s1)) || (s2 && !strstr(err, s2))) {
        fprintf(stderr,
                "FAIL %s:%d: dataset_load returned %d, message \"%s\" (wanted \"%s\" "
                "\"%s\")\n",
                __FILE__, line, rc, err, s1 ? s1 : "", s2 ? s2 : "");
        failures++;
        if (rc == 0) dataset_free(&d);
    } else {
        printf("  ok: %s\n", err);
    }
}

static void test_generic(void) {
    int64_t n[3] = {5, 2, 0};
    dataset d, e;
    fill_generic(&d, n);
    char err[2048] = "";
    char p[512];
    snprintf(p, sizeof p, "%s", scratch_path("toy.h5"));
    int rc = dataset_save(p, &d, err, sizeof err);
    CHECKF(rc == 0, "dataset_save: %s", err);
    /* stats by hand: modality a ch0 = i + j (j=0..2, i=0..4): mean 3, values 0..6;
     * ch1 = -2i: mean -4, var = 4 * var(i) = 4 * 2 = 8. modality b ch0 = 1 (255/255): mean 1,
     * std 0 -> stored 1; ch1 = 10 i / 255; ch2 = 7/255 constant -> std 1. */
    double m0 = 3.0, v0 = 0;
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 3; j++) v0 += (i + j - 3.0) * (i + j - 3.0);
    v0 /= 15;
    CHECK(fabs(d.mean[0][0] - m0) < 1e-6 && fabs(d.std[0][0] - sqrt(v0)) < 1e-6);
    CHECK(fabs(d.mean[0][1] + 4.0) < 1e-6 && fabs(d.std[0][1] - sqrt(8.0)) < 1e-6);
    CHECK(fabs(d.mean[1][0] - 1.0) < 1e-6 && d.std[1][0] == 1.0f);
    CHECK(fabs(d.mean[1][1] - 20.0 / 255) < 1e-6 && fabs(d.std[1][1] - sqrt(200.0) / 255) < 1e-6);
    CHECK(fabs(d.mean[1][2] - 7.0 / 255) < 1e-6 && d.std[1][2] == 1.0f);
    rc = dataset_load(p, &e, err, sizeof err);
    CHECKF(rc == 0, "dataset_load: %s", err);
    if (rc == 0) {
        CHECK(strcmp(e.name, "toy") == 0 && e.num_classes == 4 && e.multilabel == 1);
        CHECK(strcmp(e.metric, "f1_micro") == 0 && strcmp(e.modality[0], "text") == 0 &&
              strcmp(e.modality[1], "image") == 0);
        CHECK(strcmp(e.class_names, "a,b,c,d") == 0 && strcmp(e.recipe, "toy recipe") == 0 && e.recipe_version == 3);
        for (int m = 0; m < 2; m++)
            for (int c = 0; c < d.split[0].x[m].c; c++)
                CHECK(e.mean[m][c] == d.mean[m][c] && e.std[m][c] == d.std[m][c]);
        for (int s = 0; s < 3; s++) {
            CHECK(e.split[s].n == n[s]);
            CHECK(e.split[s].labels == NULL);
            for (int m = 0; m < 2; m++) {
                const ds_modality *a = &d.split[s].x[m], *b = &e.split[s].x[m];
                CHECK(a->dtype == b->dtype && a->c == b->c && a->h == b->h && a->w == b->w &&
                      a->sample_bytes == b->sample_bytes);
                CHECK(memcmp(a->data, b->data, (size_t)n[s] * a->sample_bytes) == 0);
            }
            CHECK(memcmp(d.split[s].targets, e.split[s].targets, sizeof(float) * 4 * (size_t)n[s]) == 0);
        }
        dataset_free(&e);
    }
    CHECK(!exists(scratch_path("toy.h5.tmp")));

    /* a save of an inconsistent struct is refused */
    d.split[1].x[1].c = 2;
    CHECK(dataset_save(scratch_path("bad.h5"), &d, err, sizeof err) == ML_EINVAL && strstr(err, "/val/x_b"));
    d.split[1].x[1].c = 3;
    dataset_free(&d);
}

/* A text modality: int32 token planes [N, 2, 1, L] round-trip unchanged with statistics 0 and
 * 1, and the loader refuses a mask that is not 0/1, a negative id and planes of the wrong
 * shape. */
static void test_tokens(void) {
    int64_t n[3] = {3, 2, 1};
    dataset d, e;
    fill_generic(&d, n);
    for (int s = 0; s < 3; s++) {
        ds_split *sp = &d.split[s];
        free(sp->x[0].data);
        sp->x[0] = (ds_modality){DS_I32, 2, 1, 4, 2 * 4 * 4, malloc((size_t)n[s] * 32)};
        int32_t *t = sp->x[0].data;
        for (int64_t i = 0; i < n[s]; i++) /* ids 2, 7+i, 3, 0; mask 1, 1, 1, 0 */
            for (int j = 0; j < 4; j++) {
                t[i * 8 + j] = j == 0 ? 2 : j == 1 ? (int32_t)(7 + i) : j == 2 ? 3 : 0;
                t[i * 8 + 4 + j] = j < 3;
            }
    }
    char err[2048] = "", p[512];
    snprintf(p, sizeof p, "%s", scratch_path("tokens.h5"));
    CHECKF(dataset_save(p, &d, err, sizeof err) == ML_OK, "dataset_save: %s", err);
    CHECK(d.mean[0][0] == 0.0f && d.std[0][0] == 1.0f && d.mean[0][1] == 0.0f && d.std[0][1] == 1.0f);
    if (dataset_load(p, &e, err, sizeof err) == ML_OK) {
        for (int s = 0; s < 3; s++) {
            const ds_modality *a = &d.split[s].x[0], *b = &e.split[s].x[0];
            CHECK(b->dtype == DS_I32 && b->c == 2 && b->h == 1 && b->w == 4 && b->sample_bytes == 32);
            CHECK(memcmp(a->data, b->data, (size_t)n[s] * 32) == 0);
        }
        dataset_free(&e);
    } else {
        CHECKF(0, "dataset_load: %s", err);
    }
    char broken[512];
    snprintf(broken, sizeof broken, "%s", scratch_path("tokens-bad.h5"));
    int32_t bad[3 * 8];
    memcpy(bad, d.split[0].x[0].data, sizeof bad);
    bad[8 + 5] = 2; /* row 1, mask position 1 */
    hsize_t dims[4] = {3, 2, 1, 4};
    copy_file(p, broken);
    replace_dataset(broken, "/train/x_a", H5T_NATIVE_INT32, 4, dims, bad);
    expect_load_fail(broken, "row 1, mask 1", "expected 0 or 1, found 2", __LINE__);
    memcpy(bad, d.split[0].x[0].data, sizeof bad);
    bad[16 + 2] = -5; /* row 2, id 2 */
    copy_file(p, broken);
    replace_dataset(broken, "/train/x_a", H5T_NATIVE_INT32, 4, dims, bad);
    expect_load_fail(broken, "row 2, id 2", "found -5", __LINE__);
    hsize_t dims4[4] = {3, 1, 2, 4};
    copy_file(p, broken);
    replace_dataset(broken, "/train/x_a", H5T_NATIVE_INT32, 4, dims4, bad);
    expect_load_fail(broken, "/train/x_a", "int32 tokens [N, 2 or 3, 1, L]", __LINE__);
    dataset_free(&d);
}

/* An S-MNIST-like multiclass cache (6, 3, 2 rows) at GOOD, to break in various ways; a save
 * with a label out of range is refused. */
static void save_multiclass(const char *good) {
    int64_t n[3] = {6, 3, 2};
    dataset d, e;
    char err[2048] = "";
    fill_generic(&d, n);
    d.multilabel = 0;
    snprintf(d.metric, sizeof d.metric, "accuracy");
    for (int s = 0; s < 3; s++) {
        free(d.split[s].targets);
        d.split[s].targets = NULL;
        d.split[s].labels = malloc(sizeof(int64_t) * (size_t)n[s]);
        for (int64_t i = 0; i < n[s]; i++) d.split[s].labels[i] = i % 4;
    }
    int rc = dataset_save(good, &d, err, sizeof err);
    CHECKF(rc == 0, "dataset_save: %s", err);
    d.split[2].labels[1] = 4;
    CHECK(dataset_save(scratch_path("bad.h5"), &d, err, sizeof err) == ML_EINVAL && strstr(err, "/test/y") &&
          strstr(err, "found 4"));
    CHECK(!exists(scratch_path("bad.h5")) && !exists(scratch_path("bad.h5.tmp")));
    dataset_free(&d);
    rc = dataset_load(good, &e, err, sizeof err);
    CHECKF(rc == 0, "dataset_load: %s", err);
    if (rc == 0) {
        CHECK(e.split[0].labels && e.split[0].labels[5] == 1 && !e.split[0].targets);
        dataset_free(&e);
    }
}

/* Datasets of the wrong shape, type or content, or missing. */
static void test_broken_data(const char *good) {
    char b[512];
    snprintf(b, sizeof b, "%s", scratch_path("broken.h5"));
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    {
        copy_file(good, b);
        hsize_t dims[4] = {5, 3, 2, 2};
        replace_dataset(b, "/train/x_b", H5T_NATIVE_UINT8, 4, dims, NULL);
        expect_load_fail(b, "/train/x_b: expected [N, C, H, W] with N = 6 as in /train/y", "found [5, 3, 2, 2]",
                         __LINE__);
    }
    {
        copy_file(good, b);
        hsize_t dims[3] = {3, 2, 3};
        replace_dataset(b, "/val/x_a", H5T_NATIVE_FLOAT, 3, dims, NULL);
        expect_load_fail(b, "/val/x_a: expected [N, C, H, W]", "found [3, 2, 3]", __LINE__);
    }
    {
        copy_file(good, b);
        hsize_t dims[4] = {2, 2, 1, 4};
        replace_dataset(b, "/test/x_a", H5T_NATIVE_FLOAT, 4, dims, NULL);
        expect_load_fail(b, "/test/x_a: expected [N, 2, 1, 3] float as in /train/x_a", "found [2, 2, 1, 4]", __LINE__);
    }
    {
        copy_file(good, b);
        hsize_t dims[4] = {3, 2, 1, 3};
        /* int32 is a text modality's tokens: not where /train/x_a holds floats */
        replace_dataset(b, "/val/x_a", H5T_NATIVE_INT32, 4, dims, NULL);
        expect_load_fail(b, "/val/x_a: expected [N, 2, 1, 3] float as in /train/x_a", "found [3, 2, 1, 3] int32",
                         __LINE__);
        replace_dataset(b, "/val/x_a", H5T_NATIVE_INT16, 4, dims, NULL);
        expect_load_fail(b, "/val/x_a: expected uint8 or float data, or int32 tokens", "found int16", __LINE__);
    }
    {
        copy_file(good, b);
        hsize_t dims[1] = {3};
        int64_t y[3] = {0, 10, 1};
        replace_dataset(b, "/val/y", H5T_NATIVE_INT64, 1, dims, y);
        expect_load_fail(b, "/val/y: row 1: expected a class id in [0, 4)", "found 10", __LINE__);
    }
    {
        copy_file(good, b);
        hsize_t dims[1] = {3};
        float y[3] = {0, 1, 1};
        replace_dataset(b, "/val/y", H5T_NATIVE_FLOAT, 1, dims, y);
        expect_load_fail(b, "/val/y: expected [N] integer class ids", "found [3] float32", __LINE__);
    }
    {
        copy_file(good, b);
        hid_t f = H5Fopen(b, H5F_ACC_RDWR, H5P_DEFAULT);
        H5Ldelete(f, "/test/y", H5P_DEFAULT);
        H5Fclose(f);
        reseal(b);
        expect_load_fail(b, "/test/y: expected a dataset, found none", NULL, __LINE__);
    }
}

/* Attributes missing, of the wrong type or count, or out of range. */
static void test_broken_attrs(const char *good) {
    char b[512];
    snprintf(b, sizeof b, "%s", scratch_path("broken.h5"));
    {
        copy_file(good, b);
        set_int_attr(b, "/", "format_version", 2);
        expect_load_fail(b, "format_version", "expected 1, found 2", __LINE__);
    }
    {
        copy_file(good, b);
        set_int_attr(b, "/", "num_classes", 3);
        expect_load_fail(b, "class_names", "expected 3 comma-separated names", __LINE__);
    }
    {
        copy_file(good, b);
        hid_t f = H5Fopen(b, H5F_ACC_RDWR, H5P_DEFAULT);
        H5Adelete_by_name(f, "/train", "std_b", H5P_DEFAULT);
        H5Fclose(f);
        reseal(b);
        expect_load_fail(b, "/train: expected attribute 'std_b'", "found none", __LINE__);
    }
    {
        copy_file(good, b);
        hid_t f = H5Fopen(b, H5F_ACC_RDWR, H5P_DEFAULT);
        H5Adelete(f, "format_version");
        H5Fclose(f);
        reseal(b);
        expect_load_fail(b, "expected attribute 'format_version'", "not a dataset cache", __LINE__);
    }
    {
        copy_file(good, b);
        set_str_attr(b, "/", "num_classes", "4", 0);
        expect_load_fail(b, "/: attribute 'num_classes': expected one integer", "found 1 x string", __LINE__);
    }
    {
        copy_file(good, b);
        set_int_attr(b, "/", "recipe", 7);
        expect_load_fail(b, "/: attribute 'recipe': expected one string", "found 1 x int32", __LINE__);
    }
    {
        copy_file(good, b);
        float v[3] = {0.5f, 0.5f, 0.5f};
        set_attr(b, "/train", "mean_a", H5T_NATIVE_FLOAT, 3, v);
        expect_load_fail(b, "/train: attribute 'mean_a': expected 2 floats (one per channel)", "found 3 x float32",
                         __LINE__);
    }
    {
        copy_file(good, b);
        float v[3] = {1.0f, 0.0f, 1.0f};
        set_attr(b, "/train", "std_b", H5T_NATIVE_FLOAT, 3, v);
        expect_load_fail(b, "/train: attribute 'std_b'[1]: expected a finite positive number", "found 0", __LINE__);
    }
    {
        /* strings written variable-length (h5py's default) read like fixed-length ones */
        copy_file(good, b);
        set_str_attr(b, "/", "recipe", "vlen recipe", 1);
        set_str_attr(b, "/", "metric", "accuracy", 1);
        dataset x;
        char err[2048] = "";
        ml_status rc = dataset_load(b, &x, err, sizeof err);
        CHECKF(rc == ML_OK, "variable-length strings: %s", err);
        if (rc == ML_OK) {
            CHECK(!strcmp(x.recipe, "vlen recipe") && !strcmp(x.metric, "accuracy"));
            dataset_free(&x);
        }
    }
}

/* Files that are not caches at all. */
static void test_broken_files(const char *good) {
    char b[512];
    snprintf(b, sizeof b, "%s", scratch_path("broken.h5"));
    {
        FILE *f = fopen(b, "wb");
        fputs("not an hdf5 file\n", f);
        fclose(f);
        expect_load_fail(b, "expected a dataset cache from `miles prepare`", "not a cache", __LINE__);
    }
    {
        long len;
        char *buf = slurp(good, &len);
        FILE *f = fopen(b, "wb");
        fwrite(buf, 1, (size_t)len / 2, f);
        fclose(f);
        free(buf);
        dataset x;
        char e2[2048];
        ml_status r2 = dataset_load(b, &x, e2, sizeof e2);
        CHECKF(r2 == ML_EDATA && strstr(e2, b), "truncated cache: rc %d, %s", r2, e2);
        if (r2 == 0) dataset_free(&x);
        else printf("  ok: %s\n", e2);
    }
    expect_load_fail(scratch_path("none.h5"), "cannot open", "miles prepare", __LINE__);
}

/* ---- timing (not a test; run with an argument) -------------------------------------------- */

static int timing(const char *dir, int n) {
    /* data_wr as float32 k/255, data_sp float32, labels int64 */
    mkdir(dir, 0700);
    float *img = malloc(sizeof(float) * (size_t)n * 784);
    float *aud = malloc(sizeof(float) * (size_t)n * 507);
    int64_t *lab = malloc(sizeof(int64_t) * (size_t)n);
    REQUIRE(img && aud && lab);
    sm_state = 99;
    for (int64_t i = 0; i < (int64_t)n * 784; i++) img[i] = (float)(sm_next() % 256) / 255.0f;
    for (int64_t i = 0; i < (int64_t)n * 507; i++) aud[i] = (float)(sm_next() % 1000) / 100.0f;
    for (int i = 0; i < n; i++) lab[i] = (int64_t)(sm_next() % 10);
    const char *part[2] = {"train", "test"};
    for (int p = 0; p < 2; p++) {
        char name[64];
        snprintf(name, sizeof name, "data_wr_%s.npy", part[p]);
        put(dir, name, NPY_F4, 2, n, 784, img);
        snprintf(name, sizeof name, "data_sp_%s.npy", part[p]);
        put(dir, name, NPY_F4, 2, n, 507, aud);
        snprintf(name, sizeof name, "labels_%s.npy", part[p]);
        put(dir, name, NPY_I8, 1, n, 0, lab);
    }
    free(img);
    free(aud);
    free(lab);
    smnist_options o;
    smnist_options_default(&o);
    o.verbose = 1;
    char out[600], err[2048];
    snprintf(out, sizeof out, "%s/smnist.h5", dir);
    int rc = smnist_prepare(dir, out, &o, err, sizeof err);
    if (rc) fprintf(stderr, "%s\n", err);
    dataset d;
    if (!rc && dataset_load(out, &d, err, sizeof err) == 0) dataset_free(&d);
    return rc ? 1 : 0;
}

/* data/draw.c: largest-remainder allocations worked out by hand (ties to the lower index), and a
 * shuffle of records that moves them exactly as the same seed moves plain integers. */
static void test_draw(void) {
    static const struct {
        int64_t total, w[4];
        int k;
        int64_t want[4];
    } cases[] = {
        {5, {1, 1, 1}, 3, {2, 2, 1}},       /* remainders 2, 2, 2: the two lowest indices */
        {3, {1, 1, 1, 1}, 4, {1, 1, 1, 0}}, /* floors 0 */
        {7, {5, 3, 2}, 3, {4, 2, 1}},       /* 3.5, 2.1, 1.4: remainder 5 wins */
        {10, {3, 3, 3, 1}, 4, {3, 3, 3, 1}}, {0, {0, 0}, 2, {0, 0}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int64_t out[4] = {-1, -1, -1, -1};
        draw_largest_remainder(cases[c].total, cases[c].w, cases[c].k, out);
        for (int i = 0; i < cases[c].k; i++)
            CHECKF(out[i] == cases[c].want[i], "case %zu: out[%d] = %lld, expected %lld", c, i, (long long)out[i],
                   (long long)cases[c].want[i]);
    }
    uint64_t s = 42;
    int seen[3] = {0, 0, 0};
    for (int i = 0; i < 300; i++) {
        uint64_t v = draw_below(&s, 3);
        if (v < 3) seen[v]++;
        CHECKF(v < 3, "draw_below(3) gave %llu", (unsigned long long)v);
        CHECK(draw_below(&s, 1) == 0);
    }
    CHECKF(seen[0] > 50 && seen[1] > 50 && seen[2] > 50, "draw_below(3): %d %d %d of 300", seen[0], seen[1], seen[2]);
    struct rec {
        int64_t id;
        char pad[17];
    } recs[50];
    int64_t ids[50], hit[50] = {0};
    for (int i = 0; i < 50; i++) {
        ids[i] = recs[i].id = i;
        snprintf(recs[i].pad, sizeof recs[i].pad, "record %d", i);
    }
    uint64_t s1 = 7, s2 = 7;
    draw_shuffle(&s1, ids, 50, sizeof ids[0]);
    draw_shuffle(&s2, recs, 50, sizeof recs[0]);
    CHECK(s1 == s2);
    int moved = 0;
    for (int i = 0; i < 50; i++) {
        char want[17];
        snprintf(want, sizeof want, "record %d", (int)recs[i].id);
        CHECKF(recs[i].id == ids[i] && !strcmp(recs[i].pad, want),
               "position %d: record %lld "
               "(%s), integers gave %lld",
               i, (long long)recs[i].id, recs[i].pad, (long long)ids[i]);
        if (ids[i] >= 0 && ids[i] < 50) hit[ids[i]]++;
        moved += ids[i] != i;
    }
    for (int i = 0; i < 50; i++) CHECKF(hit[i] == 1, "%d appears %lld times", i, (long long)hit[i]);
    CHECKF(moved > 40, "the shuffle left %d of 50 in place", 50 - moved);
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "--timing") == 0) return timing(argv[2], atoi(argv[3]));
    scratch_make("test_dataset");
    test_draw();
    test_smnist();
    test_image_dtypes();
    test_generic();
    test_tokens();
    char good[512];
    snprintf(good, sizeof good, "%s", scratch_path("mc.h5"));
    save_multiclass(good);
    test_broken_data(good);
    test_broken_attrs(good);
    test_broken_files(good);
    return scratch_finish("test_dataset");
}
