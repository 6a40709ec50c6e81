/* leftout.c - the `--report` file of a preparer (see leftout.h). */
#include "data/leftout.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "data/errfmt.h"

ml_status leftout_write(const char *path, const strbuf *lines, char *err, size_t errlen) {
    char tmp[ML_PATH_MAX];
    if (path_fmt(tmp, sizeof tmp, "%s.tmp", path)) {
        seterr(err, errlen, "%s: path too long", path);
        return ML_EINVAL;
    }
    FILE *f = fopen(tmp, "w");
    int ok =
        f && fprintf(f, "what\titem\twhy\n") >= 0 && (!lines->len || fwrite(lines->p, 1, lines->len, f) == lines->len);
    if (f && fclose(f) != 0) ok = 0;
    if (!ok || rename(tmp, path) != 0) {
        seterr(err, errlen, "%s: cannot write the report: %s", path, strerror(errno));
        remove(tmp);
        return ML_ERUNTIME;
    }
    return ML_OK;
}
