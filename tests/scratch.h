/* scratch.h - a C test's scratch directory: made under $TMPDIR (or /tmp) when the test starts,
 * files named inside it, and at the end removed when every check passed, or kept and named so
 * that the files a failed check left can be looked at.
 * Header-only; the test defines _POSIX_C_SOURCE 200809L (mkdtemp). scratch_finish gives check.h's
 * verdict. */
#ifndef MILES_TEST_SCRATCH_H
#define MILES_TEST_SCRATCH_H

#include <stdio.h>
#include <stdlib.h>

#include "check.h"

static char scratch_dir[512];

/* Makes $TMPDIR/miles-NAME-XXXXXX into scratch_dir; the test cannot go on without it. */
static inline void scratch_make(const char *name) {
    const char *base = getenv("TMPDIR");
    snprintf(scratch_dir, sizeof scratch_dir, "%s/miles-%s-XXXXXX", base && *base ? base : "/tmp", name);
    if (!mkdtemp(scratch_dir)) {
        perror(scratch_dir);
        exit(1);
    }
}

/* scratch_dir/NAME, in one of 16 buffers used in turn, so that one call can name several. */
static inline const char *scratch_path(const char *name) {
    static char buf[16][1024];
    static int k = 0;
    k = (k + 1) % 16;
    snprintf(buf[k], sizeof buf[k], "%s/%s", scratch_dir, name);
    return buf[k];
}

/* Removes scratch_dir when no check failed (else says where it is), then check_finish(NAME). */
static inline int scratch_finish(const char *name) {
    if (!failures) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch_dir);
        if (system(cmd) != 0) fprintf(stderr, "%s: could not remove %s\n", name, scratch_dir);
    } else {
        fprintf(stderr, "%s: files kept in %s\n", name, scratch_dir);
    }
    return check_finish(name);
}

#endif
