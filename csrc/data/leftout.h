/* leftout.h - the `--report` file of a preparer: what it left out and why, one TSV line per item
 * (what, item, why) under a header, written whole or not at all (PATH.tmp, then renamed). */
#ifndef MILES_DATA_LEFTOUT_H
#define MILES_DATA_LEFTOUT_H

#include <stddef.h>

#include "core/status.h"
#include "core/strbuf.h"

/* Writes the header and LINES (TSV lines, each ending in a newline) to PATH. ML_OK; ML_EINVAL
 * when PATH.tmp does not fit; ML_ERUNTIME naming the file and the errno when it cannot be written. */
ml_status leftout_write(const char *path, const strbuf *lines, char *err, size_t errlen);

#endif
