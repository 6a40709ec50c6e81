/* resize.h - the one bilinear resize of the dataset preparers: LUMA's CIFAR images (uint8, 32 ->
 * --image-size, luma.c), MM-IMDb's posters (mmimdb.c) and S-MNIST's MFCC grids (39x13 -> 28x28 float, smnist.c).
 *
 * Convention (PyTorch interpolate(mode='bilinear', align_corners=False, antialias=False),
 * OpenCV INTER_LINEAR): output pixel d of an axis samples the source at (d + 0.5) * in / out -
 * 0.5, clamped below at 0, between its two neighbours (the second clamped at the last row or
 * column); rows are interpolated first, then the two rows' values. Computed in double, so a
 * cache is the same on every machine. Sides are 1..RESIZE_MAX_SIDE.
 */
#ifndef MILES_DATA_RESIZE_H
#define MILES_DATA_RESIZE_H

#include <stdint.h>

#define RESIZE_MAX_SIDE 1024

/* A CHW uint8 image of side `in` to side `out`, each value rounded half up and kept in
 * [0, 255]. */
void image_resize_u8(const uint8_t *src, int channels, int in, int out, uint8_t *dst);

/* A CHW uint8 image of in_h x in_w to out_h x out_w (out sides at most RESIZE_MAX_SIDE; the
 * source may be larger), rounded as image_resize_u8 (MM-IMDb's posters). */
void image_resize_u8_rect(const uint8_t *src, int channels, int in_h, int in_w, int out_h, int out_w, uint8_t *dst);

/* One row-major plane of doubles, in_h x in_w, to a float32 plane out_h x out_w (not rounded). */
void plane_resize_f32(const double *src, int in_h, int in_w, float *dst, int out_h, int out_w);

#endif
