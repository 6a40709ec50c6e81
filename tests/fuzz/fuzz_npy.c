/* fuzz_npy.c - libFuzzer target: npy_read (csrc/data/npy.c) on arbitrary bytes.
 *
 * An array that reads must be what its header says (count = product of the shape, every
 * element readable) and must survive npy_write + npy_read unchanged.
 */
#include "fuzz_util.h"

#include "data/npy.h"

static void check_array(const npy_array *a) {
    FUZZ_REQUIRE(a->ndim >= 0 && a->ndim <= NPY_MAX_DIMS, "ndim %d", a->ndim);
    int64_t count = 1;
    for (int i = 0; i < a->ndim; i++) {
        FUZZ_REQUIRE(a->shape[i] >= 0, "shape[%d] = %lld", i, (long long)a->shape[i]);
        count *= a->shape[i];
    }
    FUZZ_REQUIRE(count == a->count, "count %lld, shape gives %lld", (long long)a->count, (long long)count);
    FUZZ_REQUIRE(a->data != NULL, "no data");
    if (count > 0) { /* the first and the last element lie in the buffer (ASan checks) */
        volatile double x0 = npy_get_f64(a, 0), x1 = npy_get_f64(a, count - 1);
        volatile int64_t y0 = npy_get_i64(a, 0), y1 = npy_get_i64(a, count - 1);
        (void)x0, (void)x1, (void)y0, (void)y1;
    }
}

static void check_round_trip(const npy_array *a) {
    char err[1024] = "";
    const char *path = fuzz_write("again.npy", (const uint8_t *)"", 0);
    FUZZ_REQUIRE(npy_write(path, a, err, sizeof err) == 0, "npy_write: %s", err);
    npy_array b;
    FUZZ_REQUIRE(npy_read(path, &b, err, sizeof err) == 0, "what npy_write wrote does not read back: %s", err);
    FUZZ_REQUIRE(b.dtype == a->dtype && b.ndim == a->ndim && b.count == a->count &&
                     !memcmp(b.shape, a->shape, sizeof a->shape[0] * (size_t)a->ndim),
                 "read back as another array");
    FUZZ_REQUIRE(!memcmp(b.data, a->data, (size_t)a->count * npy_dtype_size(a->dtype)), "read back other data");
    npy_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_write("in.npy", data, size);
    npy_array a;
    char err[1024];
    memset(err, 'x', sizeof err);
    if (npy_read(path, &a, err, sizeof err) != 0) {
        fuzz_check_message(err, sizeof err, "npy_read");
        FUZZ_REQUIRE(a.data == NULL, "a failed read left data behind");
        return 0;
    }
    check_array(&a);
    check_round_trip(&a);
    npy_free(&a);
    return 0;
}
