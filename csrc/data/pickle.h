/* pickle.h - a restricted reader of Python pickles (protocols 2 to 5) that never executes
 * anything: it builds a tree of plain values from the opcodes that a dict of lists, strings,
 * numbers and NumPy arrays uses, as `numpy.save` writes MM-IMDb's metadata.npy. A reference to
 * a Python callable (GLOBAL) is kept as its name, and calling it (REDUCE) or setting its state
 * (BUILD) only records the arguments: a pickle from a data file must never run code, and this
 * reader has no way to. Only NumPy's reconstruction callables are accepted by name
 * (numpy.core.multiarray._reconstruct, numpy.ndarray, numpy.dtype, numpy.core.multiarray.scalar
 * and their numpy._core spellings), and _codecs.encode (Python 3's protocol-2 spelling of bytes);
 * any other global, and any opcode outside the list in
 * pickle.c, is refused with its name and offset. Strings point into the caller's buffer, which
 * must outlive the tree.
 */
#ifndef MILES_DATA_PICKLE_H
#define MILES_DATA_PICKLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

typedef enum {
    PK_NONE,
    PK_BOOL,
    PK_INT,
    PK_FLOAT,
    PK_STR,   /* Python 3 str, or Python 2 str (bytes, as GMU's Python 2 pickles hold words) */
    PK_BYTES, /* bytes */
    PK_TUPLE,
    PK_LIST,
    PK_DICT,   /* items[2i] the key, items[2i + 1] the value */
    PK_GLOBAL, /* s: "module name" */
    PK_OBJECT  /* a call recorded, not made: call (PK_GLOBAL), args (PK_TUPLE), state (or NULL) */
} pk_kind;

typedef struct pk_value pk_value;
struct pk_value {
    pk_kind kind;
    int64_t i; /* BOOL, INT */
    double f;  /* FLOAT */
    const char *s;
    size_t len; /* STR, BYTES, GLOBAL: bytes at s (not NUL-terminated) */
    pk_value **items;
    size_t n, cap; /* TUPLE, LIST: n items; DICT: n pairs */
    pk_value *call, *args, *state;
};

typedef struct pk_doc pk_doc;

/* Reads LEN bytes of pickle. ML_OK with *out (free it with pk_free), or ML_EDATA with err
 * naming the offset and the opcode or value that is refused or malformed, or ML_ERUNTIME when
 * out of memory. */
ml_status pk_parse(const uint8_t *buf, size_t len, pk_doc **out, char *err, size_t errlen);
const pk_value *pk_root(const pk_doc *d);
void pk_free(pk_doc *d);

/* The value of KEY (a str) in a DICT, or NULL. */
const pk_value *pk_dict_get(const pk_value *dict, const char *key);

#endif
