/* runfiles.c - atomic files of a run directory; see runfiles.h. */
#define _POSIX_C_SOURCE 200809L
#include "core/runfiles.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/strbuf.h"
#include "core/util.h"

char *read_text_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    while (buf) {
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0) break;
        if (len + 1 == cap) {
            char *b = realloc(buf, cap * 2);
            if (!b) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b, cap *= 2;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (buf && bad) {
        free(buf);
        return NULL;
    }
    if (buf) buf[len] = '\0';
    return buf;
}

int path_exists(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0;
}

int is_directory(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

int write_file_atomic(const char *path, const char *data, size_t len, char *err, size_t errlen) {
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot create: %s", tmp, strerror(errno));
        return -1;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0) {
            if (errno == EINTR) continue;
            snprintf(err, errlen, "%s: write failed: %s", tmp, strerror(errno));
            close(fd);
            unlink(tmp);
            return -1;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        snprintf(err, errlen, "%s: cannot flush: %s", tmp, strerror(errno));
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        snprintf(err, errlen, "%s: cannot rename into place: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int ensure_dir(const char *path, char *err, size_t errlen) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1;; p++) {
        int end = *p == 0;
        if (*p == '/' || end) {
            *p = 0;
            if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
                snprintf(err, errlen, "%s: cannot create directory: %s", buf, strerror(errno));
                return -1;
            }
            if (end) break;
            *p = '/';
        }
    }
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        snprintf(err, errlen, "%s: expected a directory", path);
        return -1;
    }
    return 0;
}

int ensure_subdir(const char *dir, const char *sub, char *err, size_t errlen) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", dir, sub);
    return ensure_dir(buf, err, errlen);
}

/* ---- checksums ---- */

/* Slicing-by-8 (eight bytes a step through eight tables: table[k][i] is the CRC of byte i
 * followed by k zero bytes), or the SSE4.2 crc32 instruction, which computes the same
 * polynomial, where the CPU has it: a dataset cache of gigabytes is checked on every load. */
static uint32_t crc_table[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>
#define CRC_HW_X86 1
static int crc_hw; /* the CPU has SSE4.2 */

/* The register form (no inversions) over N bytes. */
__attribute__((target("sse4.2"))) static uint32_t crc_sse42(uint32_t c, const unsigned char *p, size_t n) {
    for (; n && ((uintptr_t)p & 7); n--) c = _mm_crc32_u8(c, *p++);
    uint64_t c64 = c;
    for (; n >= 8; n -= 8, p += 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        c64 = _mm_crc32_u64(c64, w);
    }
    c = (uint32_t)c64;
    for (; n; n--) c = _mm_crc32_u8(c, *p++);
    return c;
}
#endif

static void crc_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1; /* reflected Castagnoli */
        crc_table[0][i] = c;
    }
    for (int k = 1; k < 8; k++)
        for (int i = 0; i < 256; i++)
            crc_table[k][i] = (crc_table[k - 1][i] >> 8) ^ crc_table[0][crc_table[k - 1][i] & 0xFF];
#ifdef CRC_HW_X86
    crc_hw = __builtin_cpu_supports("sse4.2") != 0;
#endif
}

/* The register form (no inversions) over N bytes. */
static uint32_t crc_slice8(uint32_t c, const unsigned char *p, size_t n) {
    const uint32_t(*t)[256] = crc_table;
    for (; n && ((uintptr_t)p & 7); n--) c = t[0][(c ^ *p++) & 0xFF] ^ (c >> 8);
    for (; n >= 8; n -= 8, p += 8) {
        uint32_t lo = c ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
        uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
        c = t[7][lo & 0xFF] ^ t[6][(lo >> 8) & 0xFF] ^ t[5][(lo >> 16) & 0xFF] ^ t[4][lo >> 24] ^ t[3][hi & 0xFF] ^
            t[2][(hi >> 8) & 0xFF] ^ t[1][(hi >> 16) & 0xFF] ^ t[0][hi >> 24];
    }
    for (; n; n--) c = t[0][(c ^ *p++) & 0xFF] ^ (c >> 8);
    return c;
}

uint32_t crc32c_portable(uint32_t crc, const void *data, size_t n) {
    pthread_once(&crc_once, crc_init);
    return ~crc_slice8(~crc, data, n);
}

uint32_t crc32c(uint32_t crc, const void *data, size_t n) {
    pthread_once(&crc_once, crc_init);
#ifdef CRC_HW_X86
    if (crc_hw) return ~crc_sse42(~crc, data, n);
#endif
    return ~crc_slice8(~crc, data, n);
}

int file_crc32c(const char *path, uint32_t *crc, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    static _Thread_local unsigned char buf[1 << 16];
    uint32_t c = 0;
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) c = crc32c(c, buf, n);
    int bad = ferror(f), e = errno;
    fclose(f);
    if (bad) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(e));
        return -1;
    }
    *crc = c;
    return 0;
}

int verify_checkpoint(const char *dir, const char *file, uint32_t want, char *err, size_t errlen) {
    char path[4096];
    uint32_t got;
    snprintf(path, sizeof path, "%s/ckpt/%s", dir, file);
    if (file_crc32c(path, &got, err, errlen)) return -1;
    if (got == want) return 0;
    snprintf(err, errlen,
             "%s: damaged checkpoint: CRC-32C %08x, expected %08x (from ckpt/state.txt); refusing to load it", path,
             got, want);
    return -1;
}

/* ---- the lock of a directory ---- */

/* The PID the holder wrote into the lock file; -1 if none can be read. It writes it right after
 * taking the lock, so an empty file is read again a few times first. */
static long lock_holder(int fd) {
    for (int tries = 0; tries < 50; tries++) {
        char buf[32];
        ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
        if (n > 0) {
            buf[n] = 0;
            buf[strcspn(buf, "\n")] = 0;
            long long pid;
            return parse_int(buf, 1, INT_MAX, &pid) ? -1 : (long)pid;
        }
        nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
    }
    return -1;
}

int dir_lock(const char *dir, const char *name, long *busy_pid, char *err, size_t errlen) {
    char path[4096], pid[32];
    *busy_pid = 0;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        if (e == EWOULDBLOCK) {
            *busy_pid = lock_holder(fd);
            snprintf(err, errlen, "%s: in use by another process (%s is locked)", dir, path);
        } else {
            snprintf(err, errlen, "%s: cannot lock: %s", path, strerror(e));
        }
        close(fd);
        return -1;
    }
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* ---- state.txt ---- */

/* One "KEY VALUE" line of state.txt into st (seen: bits of the required keys). 0, or -1 with
 * err naming the key and what was found. */
static int state_line(run_state *st, const char *path, const char *k, const char *v, int *seen, char *err,
                      size_t errlen) {
    long long n = 0;
    int bad_int = 0;
    if (!strcmp(k, "epochs_done")) {
        bad_int = parse_int(v, 0, INT_MAX, &n);
        st->epochs_done = (int)n, *seen |= 1;
    } else if (!strcmp(k, "best_epoch")) {
        bad_int = parse_int(v, -1, INT_MAX, &n);
        st->best_epoch = (int)n;
    } else if (!strcmp(k, "extra_epochs")) {
        bad_int = parse_int(v, 0, LLONG_MAX, &n);
        st->extra_epochs = n;
    } else if (!strcmp(k, "best_val")) {
        st->best_val = strtod(v, NULL);
    } else if (!strcmp(k, "best_vals")) {
        sscanf(v, "%lf %lf %lf", &st->best_vals[0], &st->best_vals[1], &st->best_vals[2]);
    } else if (!strcmp(k, "last")) {
        snprintf(st->last_file, sizeof st->last_file, "%s", v), *seen |= 2;
    } else if (!strcmp(k, "last_crc32c") || !strcmp(k, "best_crc32c")) {
        unsigned long c = 0;
        char *end = NULL;
        errno = 0;
        c = strtoul(v, &end, 16);
        bad_int = !*v || *end || errno || c > 0xFFFFFFFFul;
        if (bad_int) {
            snprintf(err, errlen, "%s: %s: expected 8 hex digits, found '%.40s'", path, k, v);
            return -1;
        }
        *(k[0] == 'l' ? &st->last_crc : &st->best_crc) = (uint32_t)c;
        st->has_crc |= k[0] == 'l' ? 1 : 2;
    } else if (!strcmp(k, "best")) {
        snprintf(st->best_file, sizeof st->best_file, "%s", v);
    } else if (!strcmp(k, "config_hash")) {
        snprintf(st->config_hash, sizeof st->config_hash, "%s", v), *seen |= 4;
    } else if (!strcmp(k, "method")) {
        free(st->method_state);
        if (!(st->method_state = strdup(v))) {
            snprintf(err, errlen, "%s: out of memory", path);
            return -1;
        }
    }
    if (!bad_int) return 0;
    snprintf(err, errlen, "%s: %s: expected an integer, found '%.40s'", path, k, v);
    return -1;
}

int read_run_state(const char *dir, run_state *st, char *err, size_t errlen) {
    char path[4096];
    snprintf(path, sizeof path, "%s/ckpt/state.txt", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT) return 0;
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    memset(st, 0, sizeof *st);
    st->best_epoch = -1;
    st->best_val = -INFINITY;
    /* getline: the method's line grows with its state (MSLR-D: two metrics per window epoch). */
    char *line = NULL;
    size_t cap = 0;
    int seen = 0, bad = 0;
    while (!bad && getline(&line, &cap, f) >= 0) {
        line[strcspn(line, "\n")] = 0;
        char *sp = strchr(line, ' ');
        if (!sp) continue;
        *sp = 0;
        bad = state_line(st, path, line, sp + 1, &seen, err, errlen);
    }
    free(line);
    fclose(f);
    if (!bad && (seen != 7 || st->epochs_done < 1)) {
        snprintf(err, errlen, "%s: expected epochs_done, last and config_hash lines, found an incomplete file", path);
        bad = 1;
    }
    if (bad) {
        run_state_free(st);
        return -1;
    }
    if (st->best_epoch < 0) st->best_val = -INFINITY;
    return 1;
}

int write_run_state(const char *dir, const run_state *st, char *err, size_t errlen) {
    char path[4096], v[4][32];
    snprintf(path, sizeof path, "%s/ckpt/state.txt", dir);
    strbuf b = {0};
    sb_printf(&b,
              "epochs_done %d\nbest_epoch %d\nbest_val %s\nbest_vals %s %s %s\nlast %s\nbest %s\n"
              "config_hash %s\nextra_epochs %lld\n",
              st->epochs_done, st->best_epoch, format_double(v[0], sizeof v[0], st->best_val),
              format_double(v[1], sizeof v[1], st->best_vals[0]), format_double(v[2], sizeof v[2], st->best_vals[1]),
              format_double(v[3], sizeof v[3], st->best_vals[2]), st->last_file, st->best_file, st->config_hash,
              st->extra_epochs);
    if (st->has_crc & 1) sb_printf(&b, "last_crc32c %08x\n", (unsigned)st->last_crc);
    if (st->has_crc & 2) sb_printf(&b, "best_crc32c %08x\n", (unsigned)st->best_crc);
    sb_printf(&b, "method %s\n", st->method_state ? st->method_state : "");
    int rc = write_file_atomic(path, b.p, b.len, err, errlen);
    sb_free(&b);
    return rc;
}

void run_state_free(run_state *st) {
    free(st->method_state);
    st->method_state = NULL;
}

void remove_stale_checkpoints(const char *dir, const run_state *st) {
    char path[4096];
    snprintf(path, sizeof path, "%s/ckpt", dir);
    DIR *d = opendir(path);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *n = e->d_name;
        size_t len = strlen(n);
        int ours = (!strncmp(n, "last-", 5) || !strncmp(n, "best-", 5)) && len > 3 && !strcmp(n + len - 3, ".pt");
        if (!ours || !strcmp(n, st->last_file) || !strcmp(n, st->best_file)) continue;
        snprintf(path, sizeof path, "%s/ckpt/%s", dir, n);
        unlink(path);
    }
    closedir(d);
}

/* ---- epochs.csv ---- */

void csv_set_header(csv_rows *c, const char *header) {
    free(c->header);
    c->header = strdup(header);
}

int csv_append(csv_rows *c, const char *row) {
    if (c->n == c->cap) {
        int cap = c->cap ? c->cap * 2 : 64;
        char **r = realloc(c->rows, sizeof(char *) * (size_t)cap);
        if (!r) return -1;
        c->rows = r;
        c->cap = cap;
    }
    if (!(c->rows[c->n] = strdup(row))) return -1;
    c->n++;
    return 0;
}

int csv_load(const char *dir, int keep, csv_rows *c, char *err, size_t errlen) {
    char path[4096];
    snprintf(path, sizeof path, "%s/epochs.csv", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot read: %s (the checkpoint says %d epochs are done)", path, strerror(errno),
                 keep);
        return -1;
    }
    char line[8192];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        if (!c->header) {
            csv_set_header(c, line);
        } else if (n < keep) {
            if (csv_append(c, line)) break;
            n++;
        }
    }
    fclose(f);
    if (n < keep) {
        snprintf(err, errlen, "%s: expected at least %d epoch rows (as the checkpoint says), found %d", path, keep, n);
        return -1;
    }
    return 0;
}

int csv_write(const char *dir, const csv_rows *c, char *err, size_t errlen) {
    size_t len = strlen(c->header) + 1;
    for (int i = 0; i < c->n; i++) len += strlen(c->rows[i]) + 1;
    char *buf = malloc(len + 1), *p = buf;
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    p += sprintf(p, "%s\n", c->header);
    for (int i = 0; i < c->n; i++) p += sprintf(p, "%s\n", c->rows[i]);
    char path[4096];
    snprintf(path, sizeof path, "%s/epochs.csv", dir);
    int rc = write_file_atomic(path, buf, (size_t)(p - buf), err, errlen);
    free(buf);
    return rc;
}

void csv_free(csv_rows *c) {
    for (int i = 0; i < c->n; i++) free(c->rows[i]);
    free(c->rows);
    free(c->header);
    memset(c, 0, sizeof *c);
}

/* ---- JSON ---- */
