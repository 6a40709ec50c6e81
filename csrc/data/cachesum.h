/* cachesum.h - the checksum header of a dataset cache: CRC-32C of every dataset's bytes and of
 * the rest of the file (the HDF5 metadata), so that a damaged cache is refused, naming the
 * damaged dataset, before libhdf5 parses a byte of it (libhdf5 checks little of what it reads
 * and crashes on some damaged files; raw data it never checks at all).
 *
 * The header is the file's first CACHESUM_BYTES, which the writers reserve as an HDF5 user
 * block (h5write.h: h5w_file_create), so HDF5 readers (libhdf5, h5py) skip it. It is text,
 * NUL-padded, readable with `head -c 4096 CACHE.h5`:
 *
 *   miles dataset cache checksums 1
 *   size BYTES                                the whole file
 *   dataset OFFSET LENGTH CRC NAME            one line per dataset stored in one piece, by offset
 *   rest CRC                                  every byte from CACHESUM_BYTES on in no dataset
 *   header CRC                                the header's text before this line
 *
 * CRCs are 8 lower-case hex digits (core/runfiles.h's crc32c); offsets and lengths are decimal
 * bytes from the start of the file. */
#ifndef MILES_DATA_CACHESUM_H
#define MILES_DATA_CACHESUM_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define CACHESUM_BYTES      4096 /* a power of two >= 512, as HDF5 requires of a user block */
#define CACHESUM_MAX_RANGES 64
#define CACHESUM_MAX_NAME   128

/* One dataset's bytes in the file. */
typedef struct {
    char name[CACHESUM_MAX_NAME]; /* "/train/x_a" */
    uint64_t offset, length;
} cachesum_range;

/* Computes the CRCs of PATH (a finished cache whose first CACHESUM_BYTES are free) and writes
 * the header there. RANGES (any order) must lie after the header and not overlap. ML_OK, or
 * ML_ERUNTIME with err naming the file (and the errno). */
ml_status cachesum_write(const char *path, const cachesum_range *ranges, int n, char *err, size_t errlen);

/* Checks PATH against its header: ML_OK, or ML_EDATA with err naming the file and what is
 * damaged (a dataset, the metadata, the size, the header), or saying that the file has no
 * header (a cache made before checksums, or not a cache): "re-run `miles prepare`". */
ml_status cachesum_verify(const char *path, char *err, size_t errlen);
/* cachesum_verify without the datasets' bytes, which it skips unread: the header, the size and
 * the HDF5 metadata, all that libhdf5 parses when a reader opens the file and looks at shapes
 * and attributes only (dataset_load_shapes). */
ml_status cachesum_verify_metadata(const char *path, char *err, size_t errlen);

#endif
