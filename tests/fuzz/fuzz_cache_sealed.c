/* fuzz_cache_sealed.c - libFuzzer target: dataset_load (csrc/data/dataset.c) behind its checksum
 * gate: the input, an HDF5 file, is written after a 4096-byte user block (libhdf5 finds its
 * superblock there) and sealed with h5w_seal as `miles prepare` seals a cache, so damaged HDF5
 * reaches libhdf5 and the loader's own checks as it would if prepare itself had written it.
 * Sealing opens the file with libhdf5 too: a crash there is libhdf5's, as tools/fuzz classifies
 * it. The checks are in fuzz_cache_check.h.
 */
#include "fuzz_util.h"

#include "data/cachesum.h"
#include "data/h5write.h"
#include "fuzz_cache_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint8_t *file = calloc(1, CACHESUM_BYTES + size);
    FUZZ_REQUIRE(file, "out of memory for %zu bytes", size);
    if (size) memcpy(file + CACHESUM_BYTES, data, size);
    const char *path = fuzz_write("sealed.h5", file, CACHESUM_BYTES + size);
    free(file);
    char err[2048];
    if (h5w_seal(path, err, sizeof err) == ML_OK) fuzz_cache_load(path);
    else fuzz_check_message(err, sizeof err, "h5w_seal");
    return 0;
}
