/* draw.c - seeded draws for the dataset preparers (draw.h). */
#include "data/draw.h"

#include "core/util.h"

uint64_t draw_below(uint64_t *state, uint64_t n) {
    uint64_t limit = UINT64_MAX - UINT64_MAX % n; /* a multiple of n */
    uint64_t x;
    do x = splitmix64_next(state);
    while (x >= limit);
    return x % n;
}

static void swap_bytes(unsigned char *a, unsigned char *b, size_t size) {
    for (size_t k = 0; k < size; k++) {
        unsigned char t = a[k];
        a[k] = b[k];
        b[k] = t;
    }
}

void draw_shuffle(uint64_t *state, void *base, int64_t n, size_t size) {
    unsigned char *a = base;
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)draw_below(state, (uint64_t)i + 1);
        swap_bytes(a + (size_t)i * size, a + (size_t)j * size, size);
    }
}

void draw_largest_remainder(int64_t total, const int64_t *w, int k, int64_t *out) {
    int64_t sum = 0, given = 0;
    for (int i = 0; i < k; i++) sum += w[i];
    for (int i = 0; i < k; i++) {
        out[i] = sum ? total * w[i] / sum : 0;
        given += out[i];
    }
    /* A weight that got its extra one has out[i] above its floor; the remainders are recomputed
     * rather than kept, so there is nothing to allocate and nothing to fail. */
    for (int64_t left = total - given; sum && left > 0; left--) {
        int best = -1;
        int64_t best_rem = 0;
        for (int i = 0; i < k; i++) {
            int64_t rem = total * w[i] % sum;
            if (out[i] == total * w[i] / sum && rem > 0 && (best < 0 || rem > best_rem)) {
                best = i;
                best_rem = rem;
            }
        }
        if (best < 0) break; /* cannot happen when total <= sum */
        out[best]++;
    }
}
