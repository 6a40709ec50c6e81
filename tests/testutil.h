/* testutil.h - shared helpers for the shim tests: a seeded PRNG, tiny model specs and a
 * synthetic two-modality data maker (the CHECK macros are check.h's).
 * Header-only (static functions); each test is one C11 executable linking only `mt`. */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mt.h"

/* The test's exit status (check.h's verdict). */
static inline int tu_finish(const char *name) { return check_finish(name); }

/* ---- seeded PRNG (splitmix64) ------------------------------------------------------------ */

typedef struct {
    uint64_t s;
} tu_rng;

static inline uint64_t tu_next(tu_rng *r) {
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
/* uniform in [0, 1) */
static inline double tu_uniform(tu_rng *r) { return (double)(tu_next(r) >> 11) * 0x1.0p-53; }
static inline double tu_gauss(tu_rng *r) {
    double u1 = tu_uniform(r), u2 = tu_uniform(r);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* ---- tiny specs ---------------------------------------------------------------------------- */

/* An explicit encoder with no preset: n_stages stages of one block each. */
static inline void tu_tiny_encoder(mt_encoder_spec *e, mt_block block, int n_stages, int width, mt_stem stem, int c,
                                   int h, int w) {
    memset(e, 0, sizeof *e);
    e->preset = NULL;
    e->block = block;
    e->n_stages = n_stages;
    for (int i = 0; i < n_stages; i++) e->blocks[i] = 1;
    e->base_width = width;
    e->stem = stem;
    e->in_channels = c;
    e->height = h;
    e->width = w;
}

/* The device of the tests: the CPU, or CUDA when MILES_TEST_DEVICE=cuda (tools/device-check). */
static inline mt_device tu_device(void) {
    const char *d = getenv("MILES_TEST_DEVICE");
    return d && strcmp(d, "cuda") == 0 ? MT_DEVICE_CUDA : MT_DEVICE_CPU;
}

/* The relative tolerance of an fp16 model's gradients against an fp32 twin's: cpu_tol on the CPU,
 * where autocast leaves the forward in fp32 and only the loss scaler runs; 2e-2 on CUDA, where
 * the forward really is fp16 (about 1e-3 relative per op, measured 1.2e-2 at worst on an H200).
 * Either catches what these comparisons guard against: gradients still scaled by 2^16. */
static inline double tu_fp16_rel_tol(double cpu_tol) { return tu_device() == MT_DEVICE_CUDA ? 2e-2 : cpu_tol; }

/* The standard small two-modality model of these tests: each encoder basic, 1 stage of 1 block,
 * width 8, small stem, 1x8x8 input; 4 classes; tu_device(); one thread. */
static inline void tu_small_spec(mt_model_spec *s, mt_fusion fusion, int classes) {
    mt_spec_init(s);
    tu_tiny_encoder(&s->enc[0], MT_BLOCK_BASIC, 1, 8, MT_STEM_SMALL, 1, 8, 8);
    tu_tiny_encoder(&s->enc[1], MT_BLOCK_BASIC, 1, 8, MT_STEM_SMALL, 1, 8, 8);
    s->fusion = fusion;
    s->num_classes = classes;
    s->device = tu_device();
    s->threads = 1;
    s->seed = 1234;
}

/* ---- synthetic data ------------------------------------------------------------------------ */

/* n samples of two 1xHxW modalities: modality A as uint8, B as float32. The class (0..3) is a
 * texture readable from either modality: horizontal stripes, vertical stripes, checkerboard,
 * or 2-pixel diagonal stripes, plus noise. Classes above 3 reuse the textures with offsets. */
typedef struct {
    int64_t n;
    int h, w;
    uint8_t *a; /* [n,1,h,w] */
    float *b;   /* [n,1,h,w] */
    int64_t *labels;
} tu_data;

static inline int tu_pattern(int cls, int r, int c) {
    switch (cls & 3) {
    case 0: return (r & 1) ? 1 : -1;
    case 1: return (c & 1) ? 1 : -1;
    case 2: return ((r + c) & 1) ? 1 : -1;
    default: return (((r + c) >> 1) & 1) ? 1 : -1;
    }
}

static inline tu_data tu_make_data(int64_t n, int classes, int h, int w, uint64_t seed, double noise) {
    tu_data d;
    tu_rng r = {seed};
    d.n = n;
    d.h = h;
    d.w = w;
    d.a = malloc((size_t)(n * h * w));
    d.b = malloc(sizeof(float) * (size_t)(n * h * w));
    d.labels = malloc(sizeof(int64_t) * (size_t)n);
    REQUIRE(d.a && d.b && d.labels);
    for (int64_t i = 0; i < n; i++) {
        int cls = (int)(tu_next(&r) % (uint64_t)classes);
        d.labels[i] = cls;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int p = tu_pattern(cls, y, x);
                double va = 128.0 + 60.0 * p + 60.0 * noise * tu_gauss(&r);
                if (va < 0) va = 0;
                if (va > 255) va = 255;
                d.a[(i * h + y) * w + x] = (uint8_t)va;
                d.b[(i * h + y) * w + x] = (float)(p + noise * tu_gauss(&r));
            }
    }
    return d;
}

static inline void tu_free_data(tu_data *d) {
    free(d->a);
    free(d->b);
    free(d->labels);
    d->a = NULL;
    d->b = NULL;
    d->labels = NULL;
}

/* A batch over samples [start, start+n) of d. */
static inline mt_batch tu_batch(const tu_data *d, int64_t start, int64_t n) {
    mt_batch b;
    memset(&b, 0, sizeof b);
    b.n = n;
    for (int m = 0; m < 2; m++) {
        b.x[m].ndim = 4;
        b.x[m].shape[0] = n;
        b.x[m].shape[1] = 1;
        b.x[m].shape[2] = d->h;
        b.x[m].shape[3] = d->w;
    }
    b.x[0].dtype = MT_DTYPE_U8;
    b.x[0].data = d->a + start * d->h * d->w;
    b.x[1].dtype = MT_DTYPE_F32;
    b.x[1].data = d->b + start * d->h * d->w;
    b.labels = d->labels + start;
    return b;
}

/* ---- parameter buffers --------------------------------------------------------------------- */

static inline int64_t tu_count(const mt_model *m, int g) {
    int64_t c = -1;
    REQUIRE_OK(mt_param_count(m, g, &c));
    return c;
}

/* Group g's parameters (or gradients) as READ gives them, in a buffer the caller frees. */
static inline float *tu_group_values(const mt_model *m, int g,
                                     mt_status (*read)(const mt_model *, int, float *, int64_t)) {
    int64_t c = tu_count(m, g);
    float *p = malloc(sizeof(float) * (size_t)(c ? c : 1));
    REQUIRE(p);
    REQUIRE_OK(read(m, g, p, c));
    return p;
}

static inline float *tu_params(const mt_model *m, int g) { return tu_group_values(m, g, mt_group_read_params); }

static inline float *tu_grads(const mt_model *m, int g) { return tu_group_values(m, g, mt_group_read_grads); }

/* 1 if the two models' group g parameters are bit-identical. */
static inline int tu_same_params(const mt_model *x, const mt_model *y, int g) {
    int64_t c = tu_count(x, g);
    if (c != tu_count(y, g)) return 0;
    float *a = tu_params(x, g), *b = tu_params(y, g);
    int same = memcmp(a, b, sizeof(float) * (size_t)c) == 0;
    free(a);
    free(b);
    return same;
}

/* Number of elements that differ between two buffers. */
static inline int64_t tu_ndiff(const float *a, const float *b, int64_t c) {
    int64_t k = 0;
    for (int64_t i = 0; i < c; i++)
        if (memcmp(&a[i], &b[i], sizeof(float)) != 0) k++;
    return k;
}

#endif
