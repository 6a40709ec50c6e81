/* json.h - every JSON file miles reads or writes goes through jansson and these few helpers:
 * whole-file load with a "file:line:col: what" error, atomic save, and NaN <-> null.
 *
 * Files are written with two-space indentation in insertion order; reals with 17 significant
 * digits (jansson's default, exact on re-reading). A non-finite number is written as null and
 * read back as NaN, since JSON has no NaN.
 */
#ifndef MILES_CORE_JSON_H
#define MILES_CORE_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "core/status.h"

/* Parses PATH. NULL on failure with err "PATH: not found", "PATH: cannot read: ..." or
 * "PATH:LINE:COL: <parser message>"; *missing (may be NULL) is set to 1 when the file does
 * not exist, so callers can tell "no file" from "bad file". */
json_t *json_load_path(const char *path, int *missing, char *err, size_t errlen);
/* Parses a string held in memory; NAME is used in the error message. */
json_t *json_load_text(const char *text, const char *name, char *err, size_t errlen);
/* The same for LEN bytes that need not end in a NUL (a file read whole, a fuzzer's input). */
json_t *json_load_bytes(const char *buf, size_t len, const char *name, char *err, size_t errlen);

/* Writes ROOT to PATH.tmp, fsyncs, renames onto PATH. ML_OK or ML_ERUNTIME (err names the
 * file and errno). */
ml_status json_save_path(const char *path, const json_t *root, char *err, size_t errlen);
/* ROOT as text (free it), formatted as json_save_path writes it; NULL when out of memory. */
char *json_to_text(const json_t *root);

/* A number, or null for NaN and infinities. */
json_t *json_number_or_null(double v);

/* Field accessors on an object: the value of KEY, or the fallback when the key is absent or of
 * another type. Numbers accept integers and reals; null reads as NaN. */
const char *json_get_str(const json_t *obj, const char *key, const char *fallback);
double json_get_num(const json_t *obj, const char *key, double fallback);
long long json_get_int(const json_t *obj, const char *key, long long fallback);

#endif
