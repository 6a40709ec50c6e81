/* check.h - the CHECK macros every C test uses: a failed check prints FILE:LINE, the condition
 * and an explanation, counts itself in `failures` and lets the test go on, so one run reports
 * every broken value; REQUIRE stops the test where going on would only crash.
 * Header-only; a test returns `failures ? 1 : 0` from main. */
#ifndef MILES_TEST_CHECK_H
#define MILES_TEST_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int failures = 0;

#define CHECKF(cond, ...)                                                                     \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                   \
            fprintf(stderr, __VA_ARGS__);                                                     \
            fputc('\n', stderr);                                                              \
            failures++;                                                                       \
        }                                                                                     \
    } while (0)
#define CHECK(cond) CHECKF(cond, "false")
#define REQUIRE(cond)                                                                         \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "FAIL %s:%d: %s (fatal)\n", __FILE__, __LINE__, #cond);           \
            exit(1);                                                                          \
        }                                                                                     \
    } while (0)
#define CHECK_NEAR(a, b, tol)                                                                 \
    do {                                                                                      \
        double ck_a_ = (double)(a), ck_b_ = (double)(b), ck_t_ = (double)(tol);               \
        if (!(fabs(ck_a_ - ck_b_) <= ck_t_)) {                                                \
            fprintf(stderr, "FAIL %s:%d: |%s - %s| <= %g: found %.12g vs %.12g (diff %.3g)\n", \
                    __FILE__, __LINE__, #a, #b, ck_t_, ck_a_, ck_b_, fabs(ck_a_ - ck_b_));    \
            failures++;                                                                       \
        }                                                                                     \
    } while (0)

#endif
