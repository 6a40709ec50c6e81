/* bench_common.h - the clock, environment and sorting helpers the shim benchmarks (bench_shim.c,
 * bench_bert.c) share, so their timings and knobs are read the same way. Header-only: each
 * benchmark is its own program. */
#ifndef MILES_BENCH_COMMON_H
#define MILES_BENCH_COMMON_H

#include <stdlib.h>
#include <time.h>

/* Wall seconds on the monotonic clock. */
static inline double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* NAME as a non-negative integer, or DFLT when unset, empty or not one. */
static inline long env_long(const char *name, long dflt) {
    const char *s = getenv(name);
    if (!s || !*s) return dflt;
    char *end;
    long v = strtol(s, &end, 10);
    return (*end || v < 0) ? dflt : v;
}

/* qsort comparator for doubles, ascending (medians). */
static inline int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#endif
