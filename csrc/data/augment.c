/* augment.c - crops, flips and bilinear resizes of batch samples; see augment.h. */
#include "data/augment.h"

#include "core/util.h"

#include <math.h>

/* Uniform double in [0, 1) from 53 bits. */
static double uniform(uint64_t *s) { return (double)(splitmix64_next(s) >> 11) * (1.0 / 9007199254740992.0); }

/* Uniform integer in [0, n) (n >= 1); the bias of the multiply-shift is below 2^-32 here. */
static int below(uint64_t *s, int n) { return (int)(((splitmix64_next(s) >> 32) * (uint64_t)n) >> 32); }

aug_crop aug_whole(int src_h, int src_w) { return (aug_crop){0, 0, src_h, src_w, 0}; }

aug_crop aug_draw(uint64_t seed, uint64_t stream, int64_t row, int src_h, int src_w) {
    uint64_t s = splitmix64(seed ^ splitmix64(stream * 0x9E3779B97F4A7C15ull ^ splitmix64((uint64_t)row)));
    double area = (double)src_h * src_w, lo = log(3.0 / 4.0), hi = log(4.0 / 3.0);
    aug_crop c = {0, 0, 0, 0, 0};
    int found = 0;
    for (int attempt = 0; attempt < 10 && !found; attempt++) {
        double target = area * (0.08 + (1.0 - 0.08) * uniform(&s));
        double ratio = exp(lo + (hi - lo) * uniform(&s));
        int w = (int)lround(sqrt(target * ratio)), h = (int)lround(sqrt(target / ratio));
        if (w > 0 && w <= src_w && h > 0 && h <= src_h) {
            c = (aug_crop){below(&s, src_h - h + 1), below(&s, src_w - w + 1), h, w, 0};
            found = 1;
        }
    }
    if (!found) { /* torchvision's fallback: the centre crop with the ratio clamped */
        double in_ratio = (double)src_w / src_h;
        int w = src_w, h = src_h;
        if (in_ratio < 3.0 / 4.0) h = (int)lround(w / (3.0 / 4.0));
        else if (in_ratio > 4.0 / 3.0) w = (int)lround(h * (4.0 / 3.0));
        c = (aug_crop){(src_h - h) / 2, (src_w - w) / 2, h, w, 0};
    }
    c.flip = uniform(&s) < 0.5;
    return c;
}

/* Source coordinate of output index d along an axis of `in` source pixels starting at `off`,
 * resized to `out`: the two neighbours and the weight of the second. */
typedef struct {
    int i0, i1;
    double t;
} tap;

static tap tap_of(int d, int off, int in, int out) {
    double x = (d + 0.5) * in / out - 0.5;
    if (x < 0) x = 0;
    int i0 = (int)x;
    if (i0 > in - 1) i0 = in - 1;
    int i1 = i0 + 1 < in ? i0 + 1 : in - 1;
    return (tap){off + i0, off + i1, x - i0};
}

#define APPLY_BODY(STORE)                                                                                      \
    for (int y = 0; y < out_h; y++) {                                                                          \
        tap ty = tap_of(y, crop.top, crop.h, out_h);                                                           \
        for (int x = 0; x < out_w; x++) {                                                                      \
            /* flipped after the resize, as torchvision's crop-then-flip: output x shows column W-1-x */       \
            tap tx = tap_of(crop.flip ? out_w - 1 - x : x, crop.left, crop.w, out_w);                          \
            for (int ch = 0; ch < c; ch++) {                                                                   \
                const size_t p = (size_t)ch * src_h * src_w;                                                   \
                double a = src[p + (size_t)ty.i0 * src_w + tx.i0], b = src[p + (size_t)ty.i0 * src_w + tx.i1]; \
                double e = src[p + (size_t)ty.i1 * src_w + tx.i0], f = src[p + (size_t)ty.i1 * src_w + tx.i1]; \
                double top = a + (b - a) * tx.t, bot = e + (f - e) * tx.t, v = top + (bot - top) * ty.t;       \
                STORE;                                                                                         \
            }                                                                                                  \
        }                                                                                                      \
    }

void aug_apply_u8(const uint8_t *src, int c, int src_h, int src_w, aug_crop crop, uint8_t *dst, int out_h, int out_w) {
    APPLY_BODY({
        double r = floor(v + 0.5);
        dst[((size_t)ch * out_h + y) * out_w + x] = (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r);
    })
}

void aug_apply_f32(const float *src, int c, int src_h, int src_w, aug_crop crop, float *dst, int out_h, int out_w) {
    APPLY_BODY(dst[((size_t)ch * out_h + y) * out_w + x] = (float)v)
}
