/* test_cachesum.c - the checksum header of a dataset cache (csrc/data/cachesum.h), below the
 * binary: dataset_save writes it; its ranges are where libhdf5 says each dataset lies and its
 * CRCs are those of the data in memory (computed here with crc32c, which test_harden_crc checks
 * against the published value); a flipped byte in each dataset, in the metadata and in the
 * header, a truncated or extended file, a file without a header, and headers with a valid CRC
 * but lying contents (ranges out of order, overlapping the header, past the end, a bad number)
 * each make dataset_load fail with ML_EDATA and a message naming the file and what is damaged.
 * dataset_load_shapes reads and checks the metadata alone: a flipped sample byte passes it.
 *
 * Plain C11; links miles_core and HDF5.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "check.h"
#include "scratch.h"
#include "core/runfiles.h"
#include "data/cachesum.h"
#include "data/dataset.h"

/* A multiclass cache of 7, 3 and 0 rows: x_a float32 [2, 3, 2], x_b uint8 [1, 4, 4]. */
static void make_data(dataset *d) {
    static const int64_t n[3] = {7, 3, 0};
    memset(d, 0, sizeof *d);
    snprintf(d->name, sizeof d->name, "toy");
    d->num_classes = 3;
    snprintf(d->metric, sizeof d->metric, "accuracy");
    snprintf(d->modality[0], sizeof d->modality[0], "image");
    snprintf(d->modality[1], sizeof d->modality[1], "audio");
    d->class_names = strdup("a,b,c");
    d->recipe = strdup("test_cachesum");
    for (int s = 0; s < 3; s++) {
        ds_split *sp = &d->split[s];
        sp->n = n[s];
        sp->x[0] = (ds_modality){DS_F32, 2, 3, 2, 12 * 4, malloc(48 * 8)};
        sp->x[1] = (ds_modality){DS_U8, 1, 4, 4, 16, malloc(16 * 8)};
        sp->labels = malloc(sizeof(int64_t) * 8);
        for (int64_t i = 0; i < n[s]; i++) {
            for (int j = 0; j < 12; j++) ((float *)sp->x[0].data)[i * 12 + j] = (float)(s * 100 + i * 12 + j) / 7.0f;
            for (int j = 0; j < 16; j++) ((uint8_t *)sp->x[1].data)[i * 16 + j] = (uint8_t)(i * 31 + j * 5 + s);
            sp->labels[i] = (i + s) % 3;
        }
    }
}

static char *slurp(const char *path, long *len) {
    FILE *f = fopen(path, "rb");
    REQUIRE(f);
    fseek(f, 0, SEEK_END);
    *len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)*len + 1);
    REQUIRE(b && fread(b, 1, (size_t)*len, f) == (size_t)*len);
    fclose(f);
    return b;
}

static void spit(const char *path, const char *b, long len) {
    FILE *f = fopen(path, "wb");
    REQUIRE(f && fwrite(b, 1, (size_t)len, f) == (size_t)len && fclose(f) == 0);
}

static void expect_fail(const char *p, const char *s1, const char *s2, int line) {
    dataset d;
    char err[2048] = "";
    ml_status rc = dataset_load(p, &d, err, sizeof err);
    if (rc != ML_EDATA || !strstr(err, p) || (s1 && !strstr(err, s1)) || (s2 && !strstr(err, s2))) {
        fprintf(stderr, "FAIL %s:%d: dataset_load returned %d, message \"%s\" (wanted \"%s\" \"%s\")\n", __FILE__, line,
                rc, err, s1 ? s1 : "", s2 ? s2 : "");
        failures++;
        if (rc == ML_OK) dataset_free(&d);
    } else {
        printf("  ok: %s\n", err);
    }
}

/* Where libhdf5 says dataset NAME lies, and how many bytes. */
static void where(const char *file, const char *name, uint64_t *off, uint64_t *len) {
    hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    REQUIRE(f >= 0);
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    REQUIRE(d >= 0);
    *off = H5Dget_offset(d);
    *len = H5Dget_storage_size(d);
    H5Dclose(d);
    H5Fclose(f);
}

/* The header names every non-empty dataset where libhdf5 puts it, with the CRC of its data. */
static void check_header(const char *good, const dataset *d) {
    long len;
    char *b = slurp(good, &len);
    CHECK(strncmp(b, "miles dataset cache checksums 1\n", 32) == 0);
    char want[64];
    snprintf(want, sizeof want, "\nsize %ld\n", len);
    CHECKF(strstr(b, want) != NULL, "no '%s' in the header", want + 1);
    int lines = 0;
    for (int s = 0; s < 2; s++)
        for (int k = 0; k < 3; k++) {
            static const char *const names[3] = {"x_a", "x_b", "y"};
            const ds_split *sp = &d->split[s];
            const void *data = k < 2 ? sp->x[k].data : (const void *)sp->labels;
            size_t bytes = (size_t)sp->n * (k < 2 ? sp->x[k].sample_bytes : sizeof(int64_t));
            char name[32], line[160];
            uint64_t off, n;
            snprintf(name, sizeof name, "/%s/%s", split_names[s], names[k]);
            where(good, name, &off, &n);
            CHECKF(n == bytes, "%s: %llu bytes stored, %zu in memory", name, (unsigned long long)n, bytes);
            snprintf(line, sizeof line, "\ndataset %llu %llu %08x %s\n", (unsigned long long)off, (unsigned long long)n,
                     crc32c(0, data, bytes), name);
            CHECKF(strstr(b, line) != NULL, "no line '%s' in the header:\n%s", line + 1, b);
            lines++;
        }
    CHECK(strstr(b, "/test/") == NULL); /* empty datasets: nothing to check */
    CHECK(lines == 6);
    free(b);
}

/* One byte inverted at OFF of a copy of GOOD; the load must name WHAT. */
static void flip_case(const char *good, long off, const char *what, const char *also, int line) {
    long len;
    char *b = slurp(good, &len);
    REQUIRE(off < len);
    b[off] ^= (char)0xFF;
    const char *p = scratch_path("flip.h5");
    spit(p, b, len);
    free(b);
    expect_fail(p, what, also, line);
}

static void test_flips(const char *good) {
    static const char *const names[] = {"/train/x_a", "/train/x_b", "/train/y", "/val/x_a", "/val/x_b", "/val/y"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        uint64_t off, n;
        where(good, names[i], &off, &n);
        flip_case(good, (long)(off + n - 1), names[i], "damaged", __LINE__);
    }
    flip_case(good, CACHESUM_BYTES, "HDF5 metadata", "damaged", __LINE__); /* the superblock's signature */
    flip_case(good, CACHESUM_BYTES + 200, "HDF5 metadata", "damaged", __LINE__);
    flip_case(good, 40, "checksum header", "re-run `miles prepare`", __LINE__);
    flip_case(good, 3, "checksum header ('miles dataset cache checksums 1')", "not a cache", __LINE__);
    flip_case(good, CACHESUM_BYTES - 1, "checksum header", "NUL", __LINE__);
}

static void test_sizes(const char *good) {
    long len;
    char *b = slurp(good, &len);
    const char *p = scratch_path("size.h5");
    spit(p, b, len - 1);
    expect_fail(p, "truncated or appended", "found", __LINE__);
    char *c = realloc(b, (size_t)len + 1);
    REQUIRE(c);
    c[len] = 0;
    spit(p, c, len + 1);
    expect_fail(p, "truncated or appended", NULL, __LINE__);
    spit(p, c, 100);
    expect_fail(p, "the checksum header", "found 100", __LINE__);
    free(c);
    /* a plain HDF5 file, as caches were before checksums */
    hid_t f = H5Fcreate(p, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(f >= 0);
    H5Fclose(f);
    expect_fail(p, "an HDF5 file without one", "re-run `miles prepare`", __LINE__);
}

/* GOOD with its header's text replaced by TEXT (everything before the header line), followed by
 * a correct header line: a header whose own CRC holds but whose contents lie (WHAT: what the
 * message names; NULL: the load must succeed). */
static void forged_case(const char *good, const char *text, const char *what, int line) {
    long len;
    char *b = slurp(good, &len);
    memset(b, 0, CACHESUM_BYTES);
    size_t k = strlen(text);
    REQUIRE(k + 17 < CACHESUM_BYTES);
    memcpy(b, text, k);
    snprintf(b + k, 17, "header %08x\n", crc32c(0, text, k));
    const char *p = scratch_path("forged.h5");
    spit(p, b, len);
    free(b);
    if (what) {
        expect_fail(p, what, NULL, line);
        return;
    }
    dataset d;
    char err[2048] = "";
    ml_status rc = dataset_load(p, &d, err, sizeof err);
    CHECKF(rc == ML_OK, "line %d: the header rewritten as it was: %s", line, err);
    if (rc == ML_OK) dataset_free(&d);
}

static void test_forged(const char *good) {
    long len;
    char *b = slurp(good, &len);
    char *hdr = strndup(b, CACHESUM_BYTES), *end = strstr(hdr, "header ");
    REQUIRE(end);
    *end = 0;
    free(b);
    forged_case(good, hdr, NULL, __LINE__); /* rewritten as it was, it loads: the forging is faithful */
    char *first = strstr(hdr, "\ndataset ") + 1, *second = strstr(first, "\ndataset ") + 1;
    char text[CACHESUM_BYTES];
    /* the first two dataset lines swapped: out of order */
    snprintf(text, sizeof text, "%.*s%.*s%.*s%s", (int)(first - hdr), hdr, (int)(strchr(second, '\n') + 1 - second),
             second, (int)(second - first), first, strchr(second, '\n') + 1);
    forged_case(good, text, "a dataset after the one before", __LINE__);
    snprintf(text, sizeof text, "%.*sdataset 100 10 00000000 /x\n%s", (int)(first - hdr), hdr, first);
    forged_case(good, text, "a dataset after the one before", __LINE__); /* inside the header */
    snprintf(text, sizeof text, "%.*sdataset %ld 10 00000000 /x\n%s", (int)(first - hdr), hdr, len - 5, first);
    forged_case(good, text, "line 3", __LINE__); /* past the end */
    snprintf(text, sizeof text, "%.*sdataset %ld 1 00000000 /x\n%s", (int)(first - hdr), hdr, len + 100, first);
    forged_case(good, text, "line 3", __LINE__); /* starting past the end */
    snprintf(text, sizeof text, "%.*sdataset 99999999999999999999 1 00000000 /x\n%s", (int)(first - hdr), hdr, first);
    forged_case(good, text, "'dataset OFFSET LENGTH CRC NAME'", __LINE__);
    snprintf(text, sizeof text, "%.*sdataset 5000 1 0000000G /x\n%s", (int)(first - hdr), hdr, first);
    forged_case(good, text, "'dataset OFFSET LENGTH CRC NAME'", __LINE__);
    snprintf(text, sizeof text, "miles dataset cache checksums 1\nsize 12\nrest 00000000\n");
    forged_case(good, text, "'size BYTES' (at least 4096)", __LINE__);
    snprintf(text, sizeof text, "%.*s", (int)(strstr(hdr, "rest ") - hdr), hdr);
    forged_case(good, text, "'rest CRC'", __LINE__);
    free(hdr);
}

/* dataset_load_shapes: every count, shape, type and statistic of a full load, no sample, label
 * or target read; a flipped sample byte goes unnoticed (it is never read), a flipped metadata
 * byte does not. */
static void test_shapes(const char *good) {
    dataset full, sh;
    char err[2048] = "";
    REQUIRE(dataset_load(good, &full, err, sizeof err) == ML_OK);
    ml_status rc = dataset_load_shapes(good, &sh, err, sizeof err);
    CHECKF(rc == ML_OK, "dataset_load_shapes of the intact cache: %s", err);
    if (rc != ML_OK) return;
    CHECK(!strcmp(sh.name, "toy") && sh.num_classes == 3 && sh.multilabel == 0 && !strcmp(sh.class_names, "a,b,c"));
    static const int64_t n[3] = {7, 3, 0};
    for (int s = 0; s < 3; s++) {
        const ds_split *a = &sh.split[s];
        CHECKF(a->n == n[s], "%s: n %lld, expected %lld", split_names[s], (long long)a->n, (long long)n[s]);
        CHECK(a->labels == NULL && a->targets == NULL);
        CHECK(a->x[0].dtype == DS_F32 && a->x[0].c == 2 && a->x[0].h == 3 && a->x[0].w == 2 &&
              a->x[0].sample_bytes == 48 && a->x[0].data == NULL);
        CHECK(a->x[1].dtype == DS_U8 && a->x[1].c == 1 && a->x[1].h == 4 && a->x[1].w == 4 &&
              a->x[1].sample_bytes == 16 && a->x[1].data == NULL);
    }
    CHECK(memcmp(sh.mean, full.mean, sizeof sh.mean) == 0 && memcmp(sh.std, full.std, sizeof sh.std) == 0);
    dataset_free(&sh);
    dataset_free(&full);

    long len;
    uint64_t off, bytes;
    where(good, "/train/x_a", &off, &bytes);
    char *b = slurp(good, &len);
    b[off] ^= (char)0xFF;
    const char *p = scratch_path("shapes.h5");
    spit(p, b, len);
    rc = dataset_load_shapes(p, &sh, err, sizeof err);
    CHECKF(rc == ML_OK, "a flipped sample byte, which dataset_load_shapes never reads: %s", err);
    if (rc == ML_OK) dataset_free(&sh);
    CHECK(cachesum_verify_metadata(p, err, sizeof err) == ML_OK);
    CHECK(cachesum_verify(p, err, sizeof err) == ML_EDATA && strstr(err, "/train/x_a: damaged"));
    b[off] ^= (char)0xFF;
    b[CACHESUM_BYTES + 200] ^= (char)0xFF;
    spit(p, b, len);
    free(b);
    rc = dataset_load_shapes(p, &sh, err, sizeof err);
    CHECKF(rc == ML_EDATA && strstr(err, "HDF5 metadata"), "a flipped metadata byte: %d, %s", rc, err);
    if (rc == ML_OK) dataset_free(&sh);
}

int main(void) {
    scratch_make("test_cachesum");
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    dataset d;
    make_data(&d);
    char good[512], err[2048] = "";
    snprintf(good, sizeof good, "%s", scratch_path("good.h5"));
    REQUIRE(dataset_save(good, &d, err, sizeof err) == ML_OK);
    dataset e;
    ml_status rc = dataset_load(good, &e, err, sizeof err);
    CHECKF(rc == ML_OK, "the intact cache: %s", err);
    if (rc == ML_OK) dataset_free(&e);
    check_header(good, &d);
    test_flips(good);
    test_sizes(good);
    test_forged(good);
    test_shapes(good);
    dataset_free(&d);
    return scratch_finish("test_cachesum");
}
