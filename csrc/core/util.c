/* util.c - clock, splitmix64, integer parsing, double formatting and comparing, CSV fields, CPU
 * count, paths; see util.h. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "core/util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

double mono_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

#define GOLDEN_GAMMA 0x9E3779B97F4A7C15ull

uint64_t splitmix64(uint64_t x) {
    x += GOLDEN_GAMMA;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

uint64_t splitmix64_next(uint64_t *state) {
    uint64_t r = splitmix64(*state);
    *state += GOLDEN_GAMMA;
    return r;
}

int parse_int(const char *s, long long lo, long long hi, long long *out) {
    /* strtoll skips leading white space; a strict parser must not. */
    if (!s || !*s || isspace((unsigned char)*s)) return -1;
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (*end || errno || x < lo || x > hi) return -1;
    *out = x;
    return 0;
}

char *format_double(char *buf, size_t n, double v) {
    if (isnan(v)) snprintf(buf, n, "nan");
    else if (isinf(v)) snprintf(buf, n, v > 0 ? "inf" : "-inf");
    else {
        int p = 1;
        for (; p < 17; p++) {
            snprintf(buf, n, "%.*g", p, v);
            if (strtod(buf, NULL) == v) break;
        }
        snprintf(buf, n, "%.*g", p, v);
        /* %g turns to an exponent once the decimal exponent reaches the precision: 100 at one
         * digit is "1e+02". Written out in full it reads back the same (the extra digits are
         * zeros); take that whenever it is no longer ("100", "10000"; but "1e+16"). */
        const char *e = strchr(buf, 'e');
        int x = e ? atoi(e + 1) : -1;
        if (x >= 0 && x < 17) {
            char fixed[32];
            snprintf(fixed, sizeof fixed, "%.*g", x + 1, v);
            if (strlen(fixed) <= strlen(buf)) snprintf(buf, n, "%s", fixed);
        }
    }
    return buf;
}

int same_double(double a, double b) { return (isnan(a) && isnan(b)) || fabs(a - b) <= 1e-9 * fmax(1, fabs(a)); }

int text_capitalized(char *out, size_t n, const char *s) {
    int rc = text_fmt(out, n, "%s", s);
    if (n && out[0] >= 'a' && out[0] <= 'z') out[0] = (char)(out[0] - 'a' + 'A');
    return rc;
}

void csv_put_field(FILE *f, const char *v, int first) {
    if (!first) fputc(',', f);
    if (!strpbrk(v, ",\"\r\n")) {
        fputs(v, f);
        return;
    }
    fputc('"', f);
    for (; *v; v++) {
        if (*v == '"') fputc('"', f);
        fputc(*v, f);
    }
    fputc('"', f);
}

int cpu_count(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static int vfmt(char *out, size_t n, const char *fmt, va_list ap) {
    int k = vsnprintf(out, n, fmt, ap);
    return k < 0 || (size_t)k >= n ? -1 : 0;
}

int path_fmt(char *out, size_t n, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int rc = vfmt(out, n, fmt, ap);
    va_end(ap);
    return rc;
}

int text_fmt(char *out, size_t n, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int rc = vfmt(out, n, fmt, ap);
    va_end(ap);
    return rc;
}

int path_is_file(const char *dir, const char *name) {
    char p[ML_PATH_MAX];
    struct stat sb;
    return path_join(p, sizeof p, dir, name) == 0 && stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

int path_join(char *out, size_t n, const char *a, const char *b) {
    return *a ? path_fmt(out, n, "%s/%s", a, b) : path_fmt(out, n, "%s", b);
}
