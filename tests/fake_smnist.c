/* fake_smnist.c - writes a tiny S-MNIST directory in the Khacef layout for end-to-end tests.
 *
 * usage: fake-smnist OUTDIR [N_TRAIN] [N_TEST] [SEED]
 * Each class c draws a bright 3-pixel-high band at rows 2c..2c+2 of the 28x28 image (float
 * in [0,1], multiples of 1/255) and a raised band at time slots 3c..3c+3 of the 39x13 MFCC
 * grid, both with noise, so both modalities carry the label and training learns in seconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/npy.h"

static unsigned long long rng_state;
static double urand(void) {
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

static int write_split(const char *dir, const char *split, int n) {
    char path[4096], err[1024];
    float *wr = malloc(sizeof(float) * (size_t)n * 784), *sp = malloc(sizeof(float) * (size_t)n * 507);
    int64_t *y = malloc(sizeof(int64_t) * (size_t)n);
    if (!wr || !sp || !y) return 1;
    for (int i = 0; i < n; i++) {
        int c = i % 10;
        y[i] = c;
        for (int p = 0; p < 784; p++) {
            int row = p / 28, on = row >= 2 * c + 2 && row < 2 * c + 5;
            int v = (int)(urand() * 60) + (on ? 180 : 0);
            wr[(size_t)i * 784 + (size_t)p] = (float)(v > 255 ? 255 : v) / 255.0f;
        }
        for (int t = 0; t < 39; t++)
            for (int k = 0; k < 13; k++)
                sp[(size_t)i * 507 + (size_t)t * 13 + (size_t)k] =
                    (float)((t >= 3 * c && t < 3 * c + 4 ? 1.5 : 0.0) + (urand() - 0.5) * 2.0);
    }
    npy_array a = {.dtype = NPY_F4, .ndim = 2, .shape = {n, 784}, .count = (int64_t)n * 784, .data = wr};
    snprintf(path, sizeof path, "%s/data_wr_%s.npy", dir, split);
    if (npy_write(path, &a, err, sizeof err)) goto fail;
    a = (npy_array){.dtype = NPY_F4, .ndim = 2, .shape = {n, 507}, .count = (int64_t)n * 507, .data = sp};
    snprintf(path, sizeof path, "%s/data_sp_%s.npy", dir, split);
    if (npy_write(path, &a, err, sizeof err)) goto fail;
    a = (npy_array){.dtype = NPY_I8, .ndim = 1, .shape = {n}, .count = n, .data = y};
    snprintf(path, sizeof path, "%s/labels_%s.npy", dir, split);
    if (npy_write(path, &a, err, sizeof err)) goto fail;
    free(wr), free(sp), free(y);
    return 0;
fail:
    fprintf(stderr, "fake-smnist: %s\n", err);
    free(wr), free(sp), free(y);
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: fake-smnist OUTDIR [N_TRAIN] [N_TEST] [SEED]\n");
        return 2;
    }
    int ntr = argc > 2 ? atoi(argv[2]) : 600, nte = argc > 3 ? atoi(argv[3]) : 200;
    rng_state = argc > 4 ? strtoull(argv[4], NULL, 10) : 1;
    return write_split(argv[1], "train", ntr) || write_split(argv[1], "test", nte);
}
