/* npy.h - reading and writing NumPy .npy files (format versions 1-3).
 *
 * Accepted dtypes: <f4 <f8 <i4 <i8 |u1 (also "<u1"/"|i1"-style spellings numpy writes for
 * one-byte types), C order only. Anything else - big-endian, fortran_order True, object
 * arrays, a header that does not parse, a file shorter than its header says - is an error
 * naming the file and what was expected and found.
 */
#ifndef MILES_NPY_H
#define MILES_NPY_H

#include <stddef.h>
#include <stdint.h>

typedef enum { NPY_F4, NPY_F8, NPY_I4, NPY_I8, NPY_U1 } npy_dtype;

#define NPY_MAX_DIMS 8

typedef struct {
    npy_dtype dtype;
    int ndim;
    int64_t shape[NPY_MAX_DIMS];
    int64_t count; /* product of shape */
    void *data;    /* count * npy_dtype_size(dtype) bytes, malloc'd */
} npy_array;

size_t npy_dtype_size(npy_dtype t);
const char *npy_dtype_name(npy_dtype t); /* "<f4" ... */
/* 0 on success; -1 with a message in err. */
int npy_read(const char *path, npy_array *out, char *err, size_t errlen);
/* Writes version 1.0 (2.0 when the header needs it), to PATH.tmp then renamed. */
int npy_write(const char *path, const npy_array *a, char *err, size_t errlen);
/* Element i converted to double / int64. */
double npy_get_f64(const npy_array *a, int64_t i);
int64_t npy_get_i64(const npy_array *a, int64_t i);
void npy_free(npy_array *a);

#endif
