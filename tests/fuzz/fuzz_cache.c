/* fuzz_cache.c - libFuzzer target: dataset_load (csrc/data/dataset.c), the HDF5 dataset cache,
 * on arbitrary bytes written to a temporary file (HDF5 opens files by name).
 *
 * Every byte is checked against the cache's checksum header (csrc/data/cachesum.c) before
 * libhdf5 reads one, so this target fuzzes that gate: the header's parser and the streaming
 * checks. Arbitrary bytes almost never carry valid checksums; fuzz_cache_sealed gives them
 * some, to fuzz the HDF5 reading behind the gate. The checks are in fuzz_cache_check.h.
 */
#include "fuzz_util.h"

#include "fuzz_cache_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_cache_load(fuzz_write("cache.h5", data, size));
    return 0;
}
