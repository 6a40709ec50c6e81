/* errfmt.h - what the data readers and writers (npy.c, dataset.c, h5stream.c, smnist.c, ...)
 * share: filling a caller's error buffer, recognising a git-lfs pointer in place of a media
 * file, and naming a temporary file and moving it into place once finished, so that a reader
 * never sees half a file. Header-only because the stand-in tool links npy.c without the rest. */
#ifndef MILES_DATA_ERRFMT_H
#define MILES_DATA_ERRFMT_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void seterr(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static inline void seterr(char *err, size_t errlen, const char *fmt, ...) {
    if (!err || !errlen) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* "PATH.tmp", malloc'ed: where a writer puts a file until it is complete. NULL when out of
 * memory. */
static inline char *tmp_path_of(const char *path) {
    size_t n = strlen(path);
    char *tmp = malloc(n + 5);
    if (tmp) {
        memcpy(tmp, path, n);
        memcpy(tmp + n, ".tmp", 5);
    }
    return tmp;
}

/* Renames TMP (malloc'ed; freed here) onto PATH; on failure removes TMP. 0 or -1 with err. */
static inline int rename_into_place(char *tmp, const char *path, char *err, size_t errlen) {
    int rc = 0;
    if (rename(tmp, path) != 0) {
        seterr(err, errlen, "%s: cannot rename %s to it: %s", path, tmp, strerror(errno));
        remove(tmp);
        rc = -1;
    }
    free(tmp);
    return rc;
}

/* Whether PATH starts as a git-lfs pointer file does: a clone made without its large files holds
 * these small text files where the media should be (the known cause of confusing decoder errors
 * on CREMA-D and LUMA clones). */
static inline int is_lfs_pointer(const char *path) {
    static const char magic[] = "version https://git-lfs.github.com/spec/";
    char head[sizeof magic] = {0};
    FILE *f = fopen(path, "rb");
    size_t got = f ? fread(head, 1, sizeof head - 1, f) : 0;
    if (f) fclose(f);
    return got == sizeof head - 1 && memcmp(head, magic, sizeof head - 1) == 0;
}

#endif
