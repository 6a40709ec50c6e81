/* test_augment.c - data/augment.c against hand-computed values: bilinear resizes (PyTorch's
 * align_corners=False), crops, flips, and the random resized crop's draws (in bounds, area and
 * aspect within torchvision's ranges, a pure function of seed, stream and row, so a resumed run
 * draws what the uninterrupted one did). */
#include <stdint.h>

#include "check.h"
#include "data/augment.h"

static void resizes(void) {
    /* [0, 100] to 4 samples: positions -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1):
     * 0, 25, 75, 100 (torch.nn.functional.interpolate(bilinear, align_corners=False)). */
    float src[2] = {0, 100}, dst[4];
    aug_apply_f32(src, 1, 1, 2, aug_whole(1, 2), dst, 1, 4);
    CHECKF(dst[0] == 0 && dst[1] == 25 && dst[2] == 75 && dst[3] == 100, "%g %g %g %g", dst[0], dst[1], dst[2], dst[3]);
    /* 2x2 uint8 to 3x3: the centre is the mean of the four, 63.75 -> 64 (half up) */
    uint8_t s2[4] = {0, 50, 100, 105}, d3[9];
    aug_apply_u8(s2, 1, 2, 2, aug_whole(2, 2), d3, 3, 3);
    CHECKF(d3[4] == 64 && d3[0] == 0 && d3[8] == 105, "centre %d, corners %d %d", d3[4], d3[0], d3[8]);
    /* same size, whole: a copy; flipped: the row reversed */
    uint8_t row[3] = {10, 20, 30}, out[3];
    aug_apply_u8(row, 1, 1, 3, aug_whole(1, 3), out, 1, 3);
    CHECK(out[0] == 10 && out[1] == 20 && out[2] == 30);
    aug_crop flip = aug_whole(1, 3);
    flip.flip = 1;
    aug_apply_u8(row, 1, 1, 3, flip, out, 1, 3);
    CHECKF(out[0] == 30 && out[1] == 20 && out[2] == 10, "%d %d %d", out[0], out[1], out[2]);
    /* a crop at its own size is the sub-block, every channel */
    uint8_t img[2 * 16], blk[2 * 4];
    for (int c = 0; c < 2; c++)
        for (int i = 0; i < 16; i++) img[c * 16 + i] = (uint8_t)(100 * c + 10 * (i / 4) + i % 4);
    aug_apply_u8(img, 2, 4, 4, (aug_crop){1, 1, 2, 2, 0}, blk, 2, 2);
    CHECKF(blk[0] == 11 && blk[1] == 12 && blk[2] == 21 && blk[3] == 22 && blk[4] == 111 && blk[7] == 122,
           "%d %d %d %d | %d %d", blk[0], blk[1], blk[2], blk[3], blk[4], blk[7]);
}

static void draws(void) {
    const int H = 64, W = 48;
    int flips = 0, differ = 0;
    for (int64_t row = 0; row < 400; row++) {
        aug_crop c = aug_draw(7, 3, row, H, W), again = aug_draw(7, 3, row, H, W), other = aug_draw(7, 4, row, H, W);
        CHECKF(!memcmp(&c, &again, sizeof c), "row %lld: two draws differ", (long long)row);
        differ += memcmp(&c, &other, sizeof c) != 0;
        CHECKF(c.top >= 0 && c.left >= 0 && c.h >= 1 && c.w >= 1 && c.top + c.h <= H && c.left + c.w <= W,
               "row %lld: crop %d,%d %dx%d outside %dx%d", (long long)row, c.top, c.left, c.h, c.w, H, W);
        double share = (double)c.h * c.w / (H * W), ratio = (double)c.w / c.h;
        /* rounding the sides moves the share and ratio a little past torchvision's bounds */
        CHECKF(share >= 0.07 && share <= 1.0, "row %lld: area share %g", (long long)row, share);
        CHECKF(ratio >= 0.75 * 0.8 && ratio <= 4.0 / 3.0 * 1.25, "row %lld: ratio %g", (long long)row, ratio);
        flips += c.flip;
    }
    CHECKF(flips > 150 && flips < 250, "%d of 400 flipped, expected about half", flips);
    CHECKF(differ > 390, "another stream changed only %d of 400 crops", differ);
}

int main(void) {
    resizes();
    draws();
    if (failures) return 1;
    printf("test_augment: ok\n");
    return 0;
}
