/* resize.c - half-pixel bilinear resizing (resize.h). One loop serves both element types, so
 * the uint8 images and the float grids cannot drift apart in how they interpolate. */
#include "data/resize.h"

#include <math.h>
#include <stddef.h>

/* The two source neighbours of one output coordinate and the weight of the second. */
typedef struct {
    int i0, i1;
    double l1;
} tap;

static void axis_taps(int in, int out, tap *t) {
    double scale = (double)in / (double)out;
    for (int d = 0; d < out; d++) {
        double src = ((double)d + 0.5) * scale - 0.5;
        if (src < 0.0) src = 0.0;
        int i0 = (int)src;
        if (i0 > in - 1) i0 = in - 1;
        t[d].i0 = i0;
        t[d].i1 = i0 < in - 1 ? i0 + 1 : i0;
        t[d].l1 = src - (double)i0;
    }
}

/* The element types a plane may have: uint8 stores round half up and clamp to [0, 255]. */
typedef enum { PLANE_U8, PLANE_F32, PLANE_F64 } plane_type;

static inline double load(const void *p, plane_type t, size_t i) {
    return t == PLANE_U8 ? (double)((const uint8_t *)p)[i] : ((const double *)p)[i];
}

static inline void store(void *p, plane_type t, size_t i, double v) {
    if (t == PLANE_F32) {
        ((float *)p)[i] = (float)v;
        return;
    }
    v = floor(v + 0.5);
    ((uint8_t *)p)[i] = (uint8_t)(v < 0.0 ? 0.0 : v > 255.0 ? 255.0 : v);
}

static void resize_plane(const void *src, plane_type st, int in_h, int in_w, void *dst, plane_type dt, int out_h,
                         int out_w) {
    tap ty[RESIZE_MAX_SIDE], tx[RESIZE_MAX_SIDE];
    axis_taps(in_h, out_h, ty);
    axis_taps(in_w, out_w, tx);
    for (int y = 0; y < out_h; y++) {
        size_t r0 = (size_t)ty[y].i0 * (size_t)in_w, r1 = (size_t)ty[y].i1 * (size_t)in_w;
        double ly = ty[y].l1;
        for (int x = 0; x < out_w; x++) {
            double lx = tx[x].l1;
            double top = (1.0 - lx) * load(src, st, r0 + tx[x].i0) + lx * load(src, st, r0 + tx[x].i1);
            double bot = (1.0 - lx) * load(src, st, r1 + tx[x].i0) + lx * load(src, st, r1 + tx[x].i1);
            store(dst, dt, (size_t)y * (size_t)out_w + (size_t)x, (1.0 - ly) * top + ly * bot);
        }
    }
}

void image_resize_u8(const uint8_t *src, int channels, int in, int out, uint8_t *dst) {
    for (int c = 0; c < channels; c++)
        resize_plane(src + (size_t)c * in * in, PLANE_U8, in, in, dst + (size_t)c * out * out, PLANE_U8, out, out);
}

void image_resize_u8_rect(const uint8_t *src, int channels, int in_h, int in_w, int out_h, int out_w, uint8_t *dst) {
    for (int c = 0; c < channels; c++)
        resize_plane(src + (size_t)c * in_h * in_w, PLANE_U8, in_h, in_w, dst + (size_t)c * out_h * out_w, PLANE_U8,
                     out_h, out_w);
}

void plane_resize_f32(const double *src, int in_h, int in_w, float *dst, int out_h, int out_w) {
    resize_plane(src, PLANE_F64, in_h, in_w, dst, PLANE_F32, out_h, out_w);
}
