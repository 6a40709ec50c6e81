/* test_harden_crc.c - the integrity of checkpoints below the trainer (core/runfiles.h):
 * CRC-32C against its published check value and in pieces, both its forms (table-driven, SSE4.2)
 * against the bitwise definition at every alignment; the done-marker ckpt/state.txt
 * round-trips the checksums, a state.txt from before them still reads (unverified), a bad
 * checksum value is named; verify_checkpoint accepts the file as written and names a file
 * with one flipped bit; dir_lock refuses a second holder with the first one's PID.
 *
 * Plain C11; links miles_core. Files go to a fresh directory under /tmp (removed at the end).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "core/runfiles.h"

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    REQUIRE(f && fputs(text, f) >= 0 && fclose(f) == 0);
}

static void crc_values(void) {
    /* the check value of CRC-32C (RFC 3720, B.4) */
    CHECKF(crc32c(0, "123456789", 9) == 0xE3069283u, "crc32c(123456789) = %08x", crc32c(0, "123456789", 9));
    CHECKF(crc32c(0, "", 0) == 0, "crc32c of nothing = %08x", crc32c(0, "", 0));
    unsigned char zeros[32] = {0};
    CHECKF(crc32c(0, zeros, 32) == 0x8A9136AAu, "crc32c(32 zero bytes) = %08x", crc32c(0, zeros, 32));
    CHECK(crc32c(crc32c(0, "1234", 4), "56789", 5) == 0xE3069283u);
}

/* The definition, one bit at a time (reflected Castagnoli polynomial), as the reference of the
 * table-driven and the SSE4.2 forms. */
static uint32_t crc_bitwise(const unsigned char *p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    }
    return ~c;
}

/* Every length 0..300 at every alignment 0..7, whole and split in two: both forms (crc32c runs the
 * SSE4.2 one where the CPU has it) equal the bitwise definition. */
static void crc_forms(void) {
    static unsigned char buf[320];
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < sizeof buf; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        buf[i] = (unsigned char)x;
    }
    CHECK(crc32c_portable(0, "123456789", 9) == 0xE3069283u);
    int bad = 0;
    for (size_t off = 0; off < 8; off++)
        for (size_t n = 0; n <= 300; n++) {
            const unsigned char *p = buf + off;
            uint32_t want = crc_bitwise(p, n), split = n / 3;
            bad += crc32c(0, p, n) != want || crc32c_portable(0, p, n) != want;
            bad += crc32c(crc32c(0, p, split), p + split, n - split) != want;
            bad += crc32c_portable(crc32c_portable(0, p, split), p + split, n - split) != want;
        }
    CHECKF(bad == 0, "%d of %d CRCs differ from the bitwise definition", bad, 8 * 301 * 3);
}

static void state_round_trip(const char *dir) {
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/ckpt", dir);
    REQUIRE(mkdir(path, 0755) == 0);
    run_state st = {
        .epochs_done = 3, .best_epoch = 1, .best_val = 0.5, .last_crc = 0x0000beef, .best_crc = 0xffffffffu};
    snprintf(st.last_file, sizeof st.last_file, "last-0003.pt");
    snprintf(st.best_file, sizeof st.best_file, "best-0002.pt");
    snprintf(st.config_hash, sizeof st.config_hash, "0123456789abcdef");
    st.has_crc = 3;
    REQUIRE(write_run_state(dir, &st, err, sizeof err) == 0);
    run_state back;
    CHECKF(read_run_state(dir, &back, err, sizeof err) == 1, "%s", err);
    CHECKF(back.has_crc == 3 && back.last_crc == 0xbeef && back.best_crc == 0xffffffffu, "read back %d %08x %08x",
           back.has_crc, back.last_crc, back.best_crc);
    run_state_free(&back);

    /* a state.txt of an older miles: no checksum lines */
    snprintf(path, sizeof path, "%s/ckpt/state.txt", dir);
    write_text(path, "epochs_done 1\nbest_epoch 0\nlast last-0001.pt\nbest best-0001.pt\nconfig_hash abc\nmethod \n");
    CHECKF(read_run_state(dir, &back, err, sizeof err) == 1, "%s", err);
    CHECKF(back.has_crc == 0, "an old state.txt has checksums? %d", back.has_crc);
    run_state_free(&back);

    write_text(path, "epochs_done 1\nlast last-0001.pt\nconfig_hash abc\nlast_crc32c 12zz\n");
    CHECK(read_run_state(dir, &back, err, sizeof err) == -1);
    CHECKF(strstr(err, "last_crc32c") && strstr(err, "12zz"), "message: %s", err);
    unlink(path);
}

static void verify_file(const char *dir) {
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/ckpt/last-0001.pt", dir);
    write_text(path, "weights weights weights");
    uint32_t crc = 0;
    REQUIRE(file_crc32c(path, &crc, err, sizeof err) == 0);
    CHECKF(verify_checkpoint(dir, "last-0001.pt", crc, err, sizeof err) == 0, "%s", err);
    write_text(path, "weights weighTs weights"); /* one bit: 't' ^ 0x20 */
    CHECK(verify_checkpoint(dir, "last-0001.pt", crc, err, sizeof err) == -1);
    CHECKF(strstr(err, "last-0001.pt") && strstr(err, "damaged"), "message: %s", err);
    unlink(path);
    CHECK(verify_checkpoint(dir, "last-0001.pt", crc, err, sizeof err) == -1);
    CHECKF(strstr(err, "No such file"), "message: %s", err);
    snprintf(path, sizeof path, "%s/ckpt", dir);
    rmdir(path);
}

static void lock_twice(const char *dir) {
    char err[512];
    long pid = 0;
    int fd = dir_lock(dir, "run.lock", &pid, err, sizeof err);
    REQUIRE(fd >= 0);
    /* flock is per open file: a second open in the same process is a second writer */
    CHECK(dir_lock(dir, "run.lock", &pid, err, sizeof err) == -1);
    CHECKF(pid == (long)getpid(), "holder pid %ld, expected %ld (%s)", pid, (long)getpid(), err);
    close(fd);
    fd = dir_lock(dir, "run.lock", &pid, err, sizeof err);
    CHECKF(fd >= 0, "not free after the holder closed it: %s", err);
    close(fd);
    char path[512];
    snprintf(path, sizeof path, "%s/run.lock", dir);
    unlink(path);
}

int main(void) {
    char dir[] = "/tmp/test_harden_crc_XXXXXX";
    REQUIRE(mkdtemp(dir));
    crc_values();
    crc_forms();
    state_round_trip(dir);
    verify_file(dir);
    lock_twice(dir);
    CHECKF(rmdir(dir) == 0, "%s not empty after the test", dir);
    return check_finish("test_harden_crc");
}
