/* util.h - the small things every room needs exactly one of: a monotonic clock, splitmix64,
 * a strict integer parser, the shortest round-trip double formatter, a tolerant comparison of
 * settings, a CSV field writer, the CPU count, and the path-length rule.
 */
#ifndef MILES_CORE_UTIL_H
#define MILES_CORE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Every path miles builds fits in ML_PATH_MAX bytes (NUL included); a longer one is an error
 * named by path_join/path_fmt, never silently truncated. */
#define ML_PATH_MAX 4096

/* Seconds on a monotonic clock (for durations only). */
double mono_seconds(void);

/* splitmix64 (Steele, Lea and Flood; java.util.SplittableRandom): the mix of x + golden gamma.
 * A generator is `state += gamma; return mix(state)`: splitmix64_next. */
uint64_t splitmix64(uint64_t x);
uint64_t splitmix64_next(uint64_t *state);

/* Parses all of S as a base-10 integer in [lo, hi]. 0, or -1 (empty, leading white space,
 * trailing text, overflow, out of range); *out is set only on success. */
int parse_int(const char *s, long long lo, long long hi, long long *out);

/* The shortest text that reads back as exactly v: the fewest significant digits ("%.Ng",
 * N = 1..17), written without an exponent when that is not longer ("100", not "1e+02"; but
 * "1e+21", "5e-324"). "nan", "inf", "-inf" for the rest. buf needs 32 bytes. Returns buf. */
char *format_double(char *buf, size_t n, double v);

/* |a - b| <= 1e-9 * max(1, |a|), or both NaN: the same setting read back from two files (tau
 * = 0.2 written by different runs). */
int same_double(double a, double b);

/* S with its first letter in upper case ("image" -> "Image"), as text_fmt. */
int text_capitalized(char *out, size_t n, const char *s);

/* Writes one CSV field, after a comma unless it is the first of its row; quoted (RFC 4180: "
 * doubled) when it holds a comma, a quote, CR or LF. */
void csv_put_field(FILE *f, const char *v, int first);

/* CPUs this process may run on (sched_getaffinity; cgroup and taskset limits included), at
 * least 1. */
int cpu_count(void);

/* out = "a/b" (or "b" when a is empty). 0, or -1 when it would not fit in n bytes. */
int path_join(char *out, size_t n, const char *a, const char *b);
/* 1 when DIR/NAME is a regular file (0 also when the path is too long). */
int path_is_file(const char *dir, const char *name);
/* snprintf for paths: 0, or -1 when the result would be truncated. */
int path_fmt(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* snprintf for text whose buffer is sized for what it shows (table cells, labels, figure
 * titles): 0, or -1 when the text was cut. Paths use path_fmt, where cutting is an error. */
int text_fmt(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
