/* test_npy.c - the .npy reader and writer (csrc/data/npy.c).
 *
 * Round trips through npy_write for every dtype and several shapes (0-d, empty, 1-d, 3-d);
 * hand-written files in versions 1.0, 2.0 and 3.0 with each accepted dtype spelling and
 * header variants numpy has written over the years; and broken files (bad magic, truncated
 * header, truncated data, big-endian, Fortran order, unsupported dtypes, bad shapes, longer
 * than the header says), each of which must fail with -1 and a message naming the file and
 * saying what was expected. Standalone C11: links only npy.c. Exit status 1 on any failure.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "scratch.h"
#include "data/npy.h"

static long file_size(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 ? (long)st.st_size : -1;
}

/* Writes a .npy by hand: magic, version, header length (u16 or u32), DICT padded with spaces
 * to make the preamble+header a multiple of ALIGN (0: no padding) and ended by '\n', then
 * DATA. */
static void write_raw(const char *p, int major, int minor, const char *dict, int align, const void *data,
                      size_t nbytes) {
    size_t pre = major == 1 ? 10 : 12;
    size_t hl = strlen(dict) + 1;
    if (align) hl = ((pre + hl + (size_t)align - 1) / (size_t)align) * (size_t)align - pre;
    FILE *f = fopen(p, "wb");
    if (!f) {
        perror(p);
        exit(1);
    }
    unsigned char b[12] = {0x93, 'N', 'U', 'M', 'P', 'Y', (unsigned char)major, (unsigned char)minor};
    b[8] = (unsigned char)(hl & 0xff);
    b[9] = (unsigned char)((hl >> 8) & 0xff);
    b[10] = (unsigned char)((hl >> 16) & 0xff);
    b[11] = (unsigned char)((hl >> 24) & 0xff);
    fwrite(b, 1, pre, f);
    fputs(dict, f);
    for (size_t i = strlen(dict) + 1; i < hl; i++) fputc(' ', f);
    fputc('\n', f);
    if (nbytes) fwrite(data, 1, nbytes, f);
    fclose(f);
}

/* Reads p and checks dtype, shape and the raw bytes. */
static void expect_read(const char *p, npy_dtype t, int ndim, const int64_t *shape, const void *data, size_t nbytes,
                        int line) {
    npy_array a;
    char err[1024] = "";
    int rc = npy_read(p, &a, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "FAIL %s:%d: npy_read(%s) failed: %s\n", __FILE__, line, p, err);
        failures++;
        return;
    }
    int ok = a.dtype == t && a.ndim == ndim;
    int64_t count = 1;
    for (int i = 0; ok && i < ndim; i++) {
        ok = a.shape[i] == shape[i];
        count *= shape[i];
    }
    ok = ok && a.count == count && (size_t)count * npy_dtype_size(t) == nbytes;
    ok = ok && (nbytes == 0 || memcmp(a.data, data, nbytes) == 0);
    if (!ok) {
        fprintf(stderr,
                "FAIL %s:%d: %s read back as dtype %s ndim %d count %lld; expected %s "
                "ndim %d (or the bytes differ)\n",
                __FILE__, line, p, npy_dtype_name(a.dtype), a.ndim, (long long)a.count, npy_dtype_name(t), ndim);
        failures++;
    }
    npy_free(&a);
}

/* p must fail with a message containing p and each of the substrings. */
static void expect_fail(const char *p, const char *sub1, const char *sub2, int line) {
    npy_array a;
    char err[1024] = "";
    memset(&a, 0x5a, sizeof a);
    int rc = npy_read(p, &a, err, sizeof err);
    if (rc != -1) {
        fprintf(stderr, "FAIL %s:%d: npy_read(%s) returned %d, expected -1\n", __FILE__, line, p, rc);
        failures++;
        if (rc == 0) npy_free(&a);
        return;
    }
    if (!strstr(err, p) || (sub1 && !strstr(err, sub1)) || (sub2 && !strstr(err, sub2))) {
        fprintf(stderr, "FAIL %s:%d: message \"%s\" lacks \"%s\" / \"%s\" / \"%s\"\n", __FILE__, line, err, p,
                sub1 ? sub1 : "", sub2 ? sub2 : "");
        failures++;
    }
    if (a.data != NULL) {
        fprintf(stderr, "FAIL %s:%d: failed read left data != NULL\n", __FILE__, line);
        failures++;
    }
    printf("  ok: %s\n", err);
}

static void test_roundtrip(void) {
    static const npy_dtype types[] = {NPY_F4, NPY_F8, NPY_I4, NPY_I8, NPY_U1};
    static const int64_t shapes[][3] = {{3, 4, 0}, {5, 0, 0}, {0, 7, 0}, {2, 3, 4}, {0, 0, 0}};
    static const int ndims[] = {2, 1, 2, 3, 0};
    for (size_t ti = 0; ti < sizeof types / sizeof types[0]; ti++)
        for (size_t si = 0; si < sizeof ndims / sizeof ndims[0]; si++) {
            npy_array a;
            memset(&a, 0, sizeof a);
            a.dtype = types[ti];
            a.ndim = ndims[si];
            a.count = 1;
            for (int i = 0; i < a.ndim; i++) {
                a.shape[i] = shapes[si][i];
                a.count *= a.shape[i];
            }
            size_t isz = npy_dtype_size(a.dtype), nb = (size_t)a.count * isz;
            unsigned char *buf = malloc(nb ? nb : 1);
            for (int64_t i = 0; i < a.count; i++) {
                switch (a.dtype) {
                case NPY_F4: ((float *)buf)[i] = (float)i * 0.25f - 1.5f; break;
                case NPY_F8: ((double *)buf)[i] = (double)i / 3.0 - 7.0; break;
                case NPY_I4: ((int32_t *)buf)[i] = (int32_t)(i * 100003 - 2000000000); break;
                case NPY_I8: ((int64_t *)buf)[i] = (int64_t)i * 1000000000007LL - 5; break;
                case NPY_U1: buf[i] = (uint8_t)(i * 37 + 255); break;
                }
            }
            a.data = buf;
            char name[64], err[1024] = "";
            snprintf(name, sizeof name, "rt_%zu_%zu.npy", ti, si);
            const char *p = scratch_path(name);
            int rc = npy_write(p, &a, err, sizeof err);
            CHECKF(rc == 0, "npy_write(%s): %s", p, err);
            expect_read(p, a.dtype, a.ndim, a.shape, buf, nb, __LINE__);
            /* numpy's rule: the data starts at a multiple of 64, the header ends in '\n' */
            long sz = file_size(p);
            CHECKF(sz >= 64 && (sz - (long)nb) % 64 == 0, "%s: size %ld, data %zu bytes", p, sz, nb);
            FILE *f = fopen(p, "rb");
            unsigned char hd[128];
            size_t got = f ? fread(hd, 1, sizeof hd, f) : 0;
            if (f) fclose(f);
            size_t hl = got >= 10 ? (size_t)hd[8] | (size_t)hd[9] << 8 : 0;
            CHECKF(got >= 10 && hd[6] == 1 && hd[7] == 0 && 10 + hl == (size_t)(sz - (long)nb) && 10 + hl <= got &&
                       hd[10 + hl - 1] == '\n',
                   "%s: version %d.%d header length %zu", p, hd[6], hd[7], hl);
            CHECKF(access(scratch_path("rt.npy.tmp"), F_OK) != 0, "a .tmp file was left");
            char tmpname[600];
            snprintf(tmpname, sizeof tmpname, "%s.tmp", p);
            CHECKF(access(tmpname, F_OK) != 0, "%s left behind", tmpname);
            /* the getters */
            if (a.count > 2) {
                npy_array b;
                if (npy_read(p, &b, err, sizeof err) == 0) {
                    double want = 0;
                    int64_t wi = 0;
                    switch (a.dtype) {
                    case NPY_F4:
                        want = 2 * 0.25 - 1.5;
                        wi = -1;
                        break;
                    case NPY_F8:
                        want = 2.0 / 3.0 - 7.0;
                        wi = -6;
                        break;
                    case NPY_I4:
                        want = 2 * 100003 - 2000000000;
                        wi = (int64_t)want;
                        break;
                    case NPY_I8:
                        want = (double)(2 * 1000000000007LL - 5);
                        wi = 2 * 1000000000007LL - 5;
                        break;
                    case NPY_U1:
                        want = (uint8_t)(2 * 37 + 255);
                        wi = (int64_t)want;
                        break;
                    }
                    CHECKF(npy_get_f64(&b, 2) == want, "%s: get_f64(2) = %.17g, expected %.17g", p, npy_get_f64(&b, 2),
                           want);
                    CHECKF(npy_get_i64(&b, 2) == wi, "%s: get_i64(2) = %lld, expected %lld", p,
                           (long long)npy_get_i64(&b, 2), (long long)wi);
                    npy_free(&b);
                }
            }
            free(buf);
        }
    /* a write into a missing directory fails cleanly */
    npy_array a;
    memset(&a, 0, sizeof a);
    a.dtype = NPY_U1;
    a.ndim = 1;
    a.shape[0] = 1;
    a.count = 1;
    uint8_t one = 1;
    a.data = &one;
    char err[1024] = "";
    CHECK(npy_write(scratch_path("no/such/dir.npy"), &a, err, sizeof err) == -1);
    CHECKF(strstr(err, "no/such/dir.npy") != NULL, "message: %s", err);
}

static void test_handwritten(void) {
    float f4[6] = {0.f, 1.f / 255.f, 0.5f, 1.f, -2.f, 3.25f};
    double f8[4] = {1.0, -2.5, 1e300, 0.1};
    int32_t i4[3] = {-1, 0, 2147483647};
    int64_t i8[2] = {INT64_MIN + 1, 9};
    uint8_t u1[5] = {0, 1, 127, 128, 255};
    int64_t s23[2] = {2, 3}, s4[1] = {4}, s3[1] = {3}, s2[1] = {2}, s5[1] = {5}, s11[2] = {1, 1};

    /* version 1.0, numpy's current layout */
    write_raw(scratch_path("v1_f4.npy"), 1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 64, f4,
              sizeof f4);
    expect_read(scratch_path("v1_f4.npy"), NPY_F4, 2, s23, f4, sizeof f4, __LINE__);
    /* version 1.0, old numpy: 16-byte alignment, no trailing comma, double quotes */
    write_raw(scratch_path("v1_old.npy"), 1, 0, "{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (4,)}", 16,
              f8, sizeof f8);
    expect_read(scratch_path("v1_old.npy"), NPY_F8, 1, s4, f8, sizeof f8, __LINE__);
    /* version 1.0, no padding at all, keys in another order, Python 2 long */
    write_raw(scratch_path("v1_nopad.npy"), 1, 0, "{'shape': (3L,), 'fortran_order': False, 'descr': '<i4'}", 0, i4,
              sizeof i4);
    expect_read(scratch_path("v1_nopad.npy"), NPY_I4, 1, s3, i4, sizeof i4, __LINE__);
    /* version 2.0 (u32 header length) */
    write_raw(scratch_path("v2_i8.npy"), 2, 0, "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", 64, i8,
              sizeof i8);
    expect_read(scratch_path("v2_i8.npy"), NPY_I8, 1, s2, i8, sizeof i8, __LINE__);
    /* version 2.0 with a header longer than 65535 bytes (padding) */
    {
        size_t n = 70000;
        char *dict = malloc(n + 1);
        const char *d0 = "{'descr': '|u1', 'fortran_order': False, 'shape': (5,), }";
        memset(dict, ' ', n);
        memcpy(dict, d0, strlen(d0));
        dict[n] = 0;
        write_raw(scratch_path("v2_long.npy"), 2, 0, dict, 64, u1, sizeof u1);
        free(dict);
        expect_read(scratch_path("v2_long.npy"), NPY_U1, 1, s5, u1, sizeof u1, __LINE__);
    }
    /* version 3.0 (utf-8 header) */
    write_raw(scratch_path("v3_u1.npy"), 3, 0, "{'descr': '|u1', 'fortran_order': False, 'shape': (5,), }", 64, u1,
              sizeof u1);
    expect_read(scratch_path("v3_u1.npy"), NPY_U1, 1, s5, u1, sizeof u1, __LINE__);
    /* the '<u1' spelling */
    write_raw(scratch_path("v1_lu1.npy"), 1, 0, "{'descr': '<u1', 'fortran_order': False, 'shape': (5,), }", 64, u1,
              sizeof u1);
    expect_read(scratch_path("v1_lu1.npy"), NPY_U1, 1, s5, u1, sizeof u1, __LINE__);
    /* 2-d with a single element and spaces in odd places */
    write_raw(scratch_path("v1_sp.npy"), 1, 0, "{ 'descr' : '<f4' , 'fortran_order' : False , 'shape' : ( 1 , 1 ) , }",
              64, f4, 4);
    expect_read(scratch_path("v1_sp.npy"), NPY_F4, 2, s11, f4, 4, __LINE__);
    /* getters on hand-written data */
    npy_array a;
    char err[1024];
    if (npy_read(scratch_path("v1_f4.npy"), &a, err, sizeof err) == 0) {
        CHECK(npy_get_f64(&a, 4) == -2.0 && npy_get_i64(&a, 5) == 3);
        npy_free(&a);
    }
    if (npy_read(scratch_path("v2_i8.npy"), &a, err, sizeof err) == 0) {
        CHECK(npy_get_i64(&a, 0) == INT64_MIN + 1 && npy_get_f64(&a, 1) == 9.0);
        npy_free(&a);
    }
}

static void test_errors(void) {
    float f4[6] = {1, 2, 3, 4, 5, 6};
    const char *good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    const char *p;

    p = scratch_path("missing.npy");
    expect_fail(p, "cannot open", NULL, __LINE__);

    p = scratch_path("bad_magic.npy");
    {
        FILE *f = fopen(p, "wb");
        fputs("PK\x03\x04 this is a zip file, not npy.....................", f);
        fclose(f);
    }
    expect_fail(p, "expected a NumPy .npy file", "magic", __LINE__);

    p = scratch_path("empty.npy");
    fclose(fopen(p, "wb"));
    expect_fail(p, "expected a NumPy .npy file", NULL, __LINE__);

    p = scratch_path("bad_version.npy");
    write_raw(p, 4, 0, good, 64, f4, sizeof f4);
    expect_fail(p, "expected .npy format version", "found 4.0", __LINE__);

    /* truncated header: the full file cut inside the header */
    p = scratch_path("trunc_header.npy");
    write_raw(p, 1, 0, good, 64, f4, sizeof f4);
    CHECK(truncate(p, 40) == 0);
    expect_fail(p, "expected a 118-byte header", "found end of file", __LINE__);

    p = scratch_path("trunc_preamble.npy");
    write_raw(p, 2, 0, good, 64, f4, sizeof f4);
    CHECK(truncate(p, 9) == 0);
    expect_fail(p, "preamble", NULL, __LINE__);

    p = scratch_path("trunc_data.npy");
    write_raw(p, 1, 0, good, 64, f4, sizeof f4);
    CHECK(truncate(p, 128 + 20) == 0); /* header is 128 bytes */
    expect_fail(p, "expected 24 bytes of data", "found 20 (truncated file)", __LINE__);

    p = scratch_path("too_long.npy");
    {
        float f7[7] = {1, 2, 3, 4, 5, 6, 7};
        write_raw(p, 1, 0, good, 64, f7, sizeof f7);
    }
    expect_fail(p, "expected 24 bytes of data", "found 28 (file longer than its header says)", __LINE__);

    p = scratch_path("big_endian.npy");
    write_raw(p, 1, 0, "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }", 64, f4, sizeof f4);
    expect_fail(p, "little-endian", "found '>f4'", __LINE__);

    p = scratch_path("fortran.npy");
    write_raw(p, 1, 0, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 64, f4, sizeof f4);
    expect_fail(p, "'fortran_order': False (C order)", "found True", __LINE__);

    p = scratch_path("complex.npy");
    write_raw(p, 1, 0, "{'descr': '<c8', 'fortran_order': False, 'shape': (3,), }", 64, f4, sizeof f4);
    expect_fail(p, "'descr' one of", "found '<c8'", __LINE__);

    p = scratch_path("object.npy");
    write_raw(p, 1, 0, "{'descr': '|O', 'fortran_order': False, 'shape': (3,), }", 64, f4, 24);
    expect_fail(p, "'descr' one of", "found '|O'", __LINE__);

    p = scratch_path("structured.npy");
    write_raw(p, 1, 0, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (6,), }", 64, f4, sizeof f4);
    expect_fail(p, "'descr' to be a quoted dtype string", NULL, __LINE__);

    p = scratch_path("negative.npy");
    write_raw(p, 1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 3), }", 64, f4, sizeof f4);
    expect_fail(p, "non-negative", "negative", __LINE__);

    p = scratch_path("garbage_header.npy");
    write_raw(p, 1, 0, "this is not a dict", 64, f4, sizeof f4);
    expect_fail(p, "header dict", "found \"this is not a dict\"", __LINE__);

    p = scratch_path("unclosed.npy");
    write_raw(p, 1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3", 64, f4, sizeof f4);
    expect_fail(p, "in 'shape'", NULL, __LINE__);

    p = scratch_path("missing_key.npy");
    write_raw(p, 1, 0, "{'descr': '<f4', 'shape': (2, 3), }", 64, f4, sizeof f4);
    expect_fail(p, "missing 'fortran_order'", NULL, __LINE__);

    p = scratch_path("extra_key.npy");
    write_raw(p, 1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 1}", 64, f4, sizeof f4);
    expect_fail(p, "only the keys", "found 'x'", __LINE__);

    p = scratch_path("trailing.npy");
    write_raw(p, 1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } extra", 64, f4, sizeof f4);
    expect_fail(p, "nothing but spaces", NULL, __LINE__);

    p = scratch_path("huge_shape.npy");
    write_raw(p, 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (4000000000, 4000000000), }", 64, f4,
              sizeof f4);
    expect_fail(p, "too big", NULL, __LINE__);
}

int main(void) {
    scratch_make("test_npy");
    test_roundtrip();
    test_handwritten();
    test_errors();
    return scratch_finish("test_npy");
}
