/* augment.h - what the batcher does to a sample between the cache and the encoder: bring it to
 * the encoder's input size (`dataset.input_size`; the paper resizes CREMA-D's 257x299
 * spectrogram and its frames to 224x224), and in training passes OGM-GE's visual transform
 * (`dataset.augment: crop_flip`): torchvision's RandomResizedCrop (area share U(0.08, 1), aspect
 * ratio log-uniform in [3/4, 4/3], ten tries, then a centre crop) followed by a horizontal flip
 * with probability 1/2. Evaluation passes only resize. ImageNet's normalisation is the cache's
 * mean/std, applied by the shim as for every dataset.
 *
 * Resizing is bilinear with PyTorch's align_corners=False convention (resize.h), without
 * antialiasing (PIL, which OGM-GE's transforms run on, averages over the source when shrinking);
 * uint8 results are rounded half up.
 *
 * The random draws of a sample are a pure function of (train.seed, the pass's stream: the epoch,
 * the sample's row): nothing to save in a checkpoint, so a resumed run draws the crops the
 * uninterrupted run would have, and a sample's crop does not depend on the batch it lands in.
 */
#ifndef MILES_DATA_AUGMENT_H
#define MILES_DATA_AUGMENT_H

#include <stdint.h>

typedef struct {
    int out_h, out_w; /* the encoder's input; equal to the stored size: no resize */
    int crop_flip;    /* 1: training passes crop and flip (uint8 modalities only) */
    uint64_t seed;
} aug_spec;

/* One crop: rows [top, top + h), columns [left, left + w) of the source, mirrored when flip. */
typedef struct {
    int top, left, h, w, flip;
} aug_crop;

/* torchvision RandomResizedCrop's parameters for a src_h x src_w image, and the flip, drawn from
 * the stream of (seed, stream, row). */
aug_crop aug_draw(uint64_t seed, uint64_t stream, int64_t row, int src_h, int src_w);

/* The whole image, unflipped (evaluation). */
aug_crop aug_whole(int src_h, int src_w);

/* CROP of a CHW image of C channels, src_h x src_w, resized bilinearly to out_h x out_w. */
void aug_apply_u8(const uint8_t *src, int c, int src_h, int src_w, aug_crop crop, uint8_t *dst, int out_h, int out_w);
void aug_apply_f32(const float *src, int c, int src_h, int src_w, aug_crop crop, float *dst, int out_h, int out_w);

#endif
