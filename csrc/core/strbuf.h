/* strbuf.h - a growing string for building file contents (YAML, JSON, manifests) in memory. */
#ifndef MILES_STRBUF_H
#define MILES_STRBUF_H

#include <stddef.h>

typedef struct {
    char *p; /* NUL-terminated once anything was added; NULL before */
    size_t len, cap;
} strbuf;

/* Appends printf-formatted text. Out of memory aborts: these strings are a few kilobytes, and a
 * process that cannot get them cannot go on. */
void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_free(strbuf *b);

#endif
