/* mmimdb_json.h - the JSON files of MM-IMDb's raw archive: one movie's record
 * (mmimdb/dataset/<id>.json: IMDb metadata, of which `plot` and `genres` are used) and the split
 * (mmimdb/split.json). Kept apart from the rest of the reader (no libjpeg, no HDF5) so that
 * tests/fuzz links it alone.
 */
#ifndef MILES_DATA_MMIMDB_JSON_H
#define MILES_DATA_MMIMDB_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define MMIMDB_ID_MAX 64 /* bytes of an id, NUL included */

typedef struct {
    char *plot; /* the longest string of `plot` (GMU's and MMBT's choice), malloc'ed */
    size_t plot_len;
    char **genres; /* the strings of `genres`, malloc'ed */
    int n_genres;
} mmimdb_record;

/* Parses one record of LEN bytes. 0 with r filled (free it with mmimdb_record_free), or -1 with
 * why: not JSON (line:column), not an object, `plot` missing or without a non-empty string,
 * `genres` missing or without a string, or an entry of either that is not a string. */
int mmimdb_record_parse(const char *text, size_t len, mmimdb_record *r, char *why, size_t whylen);
void mmimdb_record_free(mmimdb_record *r);

/* The published split: split.json's "train", "dev" and "test" lists of ids, in their order; dev
 * becomes the cache's val split. */
typedef struct {
    char (*ids[3])[MMIMDB_ID_MAX];
    int64_t n[3];
} mmimdb_split;

/* Whether ID can name a file of dataset/: 1 to MMIMDB_ID_MAX - 1 characters of [A-Za-z0-9_-]
 * (no '/', no "..": split.json cannot point outside the archive). */
int mmimdb_id_ok(const char *id);

/* Parses split.json (LEN bytes; NAME for messages). ML_OK, or ML_EDATA with err naming NAME and
 * what is wrong: not JSON, a list missing or not a list, an entry that is not a string or
 * number, an id that cannot name a file, or an id listed twice (in one split or two). */
ml_status mmimdb_split_parse(const char *text, size_t len, const char *name, mmimdb_split *sp, char *err,
                             size_t errlen);
void mmimdb_split_free(mmimdb_split *sp);

#endif
