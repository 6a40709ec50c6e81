/* check.h - the CHECK macros every C test uses: a failed check prints FILE:LINE, the condition
 * and an explanation, counts itself in `failures` and lets the test go on, so one run reports
 * every broken value; REQUIRE stops the test where going on would only crash.
 * Header-only; a test returns check_finish("name") (or `failures ? 1 : 0`) from main.
 *
 * The CHECK_OK / REQUIRE_OK / CHECK_STATUS / CHECK_MSG_HAS family checks calls of the LibTorch
 * shim; they name mt_status_name and mt_last_error, which a test using them gets from mt.h. */
#ifndef MILES_TEST_CHECK_H
#define MILES_TEST_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define CHECKF(cond, ...)                                                   \
    do {                                                                    \
        if (!(cond)) {                                                      \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                   \
            fputc('\n', stderr);                                            \
            failures++;                                                     \
        }                                                                   \
    } while (0)
#define CHECK(cond) CHECKF(cond, "false")
#define REQUIRE(cond)                                                               \
    do {                                                                            \
        if (!(cond)) {                                                              \
            fprintf(stderr, "FAIL %s:%d: %s (fatal)\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                                \
        }                                                                           \
    } while (0)
#define CHECK_NEAR(a, b, tol) CHECK_NEARF(a, b, tol, "")
/* CHECK_NEAR with a label saying what the value is ("k_a, B dominant"). */
#define CHECK_NEARF(a, b, tol, what)                                                                                   \
    do {                                                                                                               \
        double ck_a_ = (double)(a), ck_b_ = (double)(b), ck_t_ = (double)(tol);                                        \
        if (!(fabs(ck_a_ - ck_b_) <= ck_t_)) {                                                                         \
            fprintf(stderr, "FAIL %s:%d: %s%s|%s - %s| <= %g: found %.17g vs %.17g (diff %.3g)\n", __FILE__, __LINE__, \
                    (what), *(what) ? ": " : "", #a, #b, ck_t_, ck_a_, ck_b_, fabs(ck_a_ - ck_b_));                    \
            failures++;                                                                                                \
        }                                                                                                              \
    } while (0)

#define CHECK_FAIL_HEAD() fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__)

#define CHECK_EQ_I64(a, b)                                                                  \
    do {                                                                                    \
        long long ck_a_ = (long long)(a), ck_b_ = (long long)(b);                           \
        if (ck_a_ != ck_b_) {                                                               \
            CHECK_FAIL_HEAD();                                                              \
            fprintf(stderr, "%s == %s: found %lld, expected %lld\n", #a, #b, ck_a_, ck_b_); \
            failures++;                                                                     \
        }                                                                                   \
    } while (0)

/* ---- shim calls (mt.h) ---------------------------------------------------------------------- */

/* A call that must succeed; prints the status name and mt_last_error. */
#define CHECK_OK(call)                                                                                               \
    do {                                                                                                             \
        mt_status ck_s_ = (call);                                                                                    \
        if (ck_s_ != MT_OK) {                                                                                        \
            CHECK_FAIL_HEAD();                                                                                       \
            fprintf(stderr, "%s returned %s (%d): %s\n", #call, mt_status_name(ck_s_), (int)ck_s_, mt_last_error()); \
            failures++;                                                                                              \
        }                                                                                                            \
    } while (0)

/* A call that must succeed, or the test cannot go on. */
#define REQUIRE_OK(call)                                                                                   \
    do {                                                                                                   \
        mt_status ck_s_ = (call);                                                                          \
        if (ck_s_ != MT_OK) {                                                                              \
            CHECK_FAIL_HEAD();                                                                             \
            fprintf(stderr, "%s returned %s (%d): %s (fatal)\n", #call, mt_status_name(ck_s_), (int)ck_s_, \
                    mt_last_error());                                                                      \
            exit(1);                                                                                       \
        }                                                                                                  \
    } while (0)

/* A call that must fail with a given status. */
#define CHECK_STATUS(call, want)                                                                                      \
    do {                                                                                                              \
        mt_status ck_s_ = (call);                                                                                     \
        if (ck_s_ != (want)) {                                                                                        \
            CHECK_FAIL_HEAD();                                                                                        \
            fprintf(stderr, "%s returned %s (%d), expected %s (%d); message: \"%s\"\n", #call, mt_status_name(ck_s_), \
                    (int)ck_s_, mt_status_name(want), (int)(want), mt_last_error());                                  \
            failures++;                                                                                               \
        }                                                                                                             \
    } while (0)

/* The message of the shim's last failure contains a substring. */
#define CHECK_MSG_HAS(sub)                                                                                        \
    do {                                                                                                          \
        const char *ck_m_ = mt_last_error();                                                                      \
        if (!ck_m_ || !strstr(ck_m_, (sub))) {                                                                    \
            CHECK_FAIL_HEAD();                                                                                    \
            fprintf(stderr, "mt_last_error() \"%s\" does not contain \"%s\"\n", ck_m_ ? ck_m_ : "(null)", (sub)); \
            failures++;                                                                                           \
        }                                                                                                         \
    } while (0)

/* The test's exit status, after a one-line verdict. */
static inline int check_finish(const char *name) {
    if (failures) {
        fprintf(stderr, "%s: %d check(s) failed\n", name, failures);
        return 1;
    }
    printf("%s: all checks passed\n", name);
    return 0;
}

#endif
