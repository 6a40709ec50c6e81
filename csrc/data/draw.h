/* draw.h - the seeded draws of the dataset preparers (smnist.c, luma.c): integers below n,
 * Fisher-Yates shuffles and largest-remainder allocation, on one splitmix64 stream
 * (core/util.h's splitmix64_next) that the caller seeds and threads through its draws.
 *
 * The caches record only the seed, so these are part of every cache's recipe: changing the
 * sequence of draws they make changes every cache made with a given seed.
 */
#ifndef MILES_DATA_DRAW_H
#define MILES_DATA_DRAW_H

#include <stddef.h>
#include <stdint.h>

/* Uniform in [0, n), n >= 1, by rejection: draws until one falls below the largest multiple of
 * n, so no value is favoured (no modulo bias). */
uint64_t draw_below(uint64_t *state, uint64_t n);

/* Fisher-Yates over N elements of SIZE bytes: for i = n-1 down to 1, swaps element i with
 * element j = draw_below(i + 1). */
void draw_shuffle(uint64_t *state, void *base, int64_t n, size_t size);

/* Splits TOTAL (<= the sum of w) over K weights in proportion: out[i] = floor(total * w[i] /
 * sum), then one more to each of the largest remainders total * w[i] % sum until TOTAL is
 * reached (ties: the lower index). Exact integer arithmetic; no draw. */
void draw_largest_remainder(int64_t total, const int64_t *w, int k, int64_t *out);

#endif
