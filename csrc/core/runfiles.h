/* runfiles.h - the files of a run directory: atomic writes, epochs.csv and the
 * checkpoint done-marker ckpt/state.txt.
 */
#ifndef MILES_RUNFILES_H
#define MILES_RUNFILES_H

#include <stddef.h>
#include <stdint.h>

/* Writes data to PATH.tmp, fsyncs, renames onto PATH. 0 or -1 with err. */
int write_file_atomic(const char *path, const char *data, size_t len, char *err, size_t errlen);
/* mkdir -p. 0 or -1 with err. */
int ensure_dir(const char *path, char *err, size_t errlen);
int ensure_subdir(const char *dir, const char *sub, char *err, size_t errlen);

/* The whole file as a NUL-terminated string (free it); NULL when it cannot be read. */
char *read_text_file(const char *path);
int path_exists(const char *path);
int is_directory(const char *path);

/* CRC-32C (Castagnoli, as iSCSI and ext4 use) of N bytes, continuing from CRC (0 to start).
 * crc32c(0, "123456789", 9) == 0xE3069283. */
uint32_t crc32c(uint32_t crc, const void *data, size_t n);
/* The same, table-driven only (what crc32c runs on a CPU without SSE4.2), for the tests. */
uint32_t crc32c_portable(uint32_t crc, const void *data, size_t n);
/* CRC-32C of a whole file. 0, or -1 with err naming the file and the errno. */
int file_crc32c(const char *path, uint32_t *crc, char *err, size_t errlen);

/* One writer per directory: an exclusive flock on DIR/NAME, held until the descriptor is
 * closed (the kernel drops it when the holder dies, so a killed writer never blocks the next).
 * The holder's PID is written into the file for the message of the one refused. Returns the
 * descriptor, or -1 with err: *busy_pid > 0 (or -1 if unknown) when another process holds it,
 * 0 when the file could not be opened or written. */
int dir_lock(const char *dir, const char *name, long *busy_pid, char *err, size_t errlen);

/* ckpt/state.txt: written last, so it only ever names complete checkpoint files. */
typedef struct {
    int epochs_done;
    int best_epoch; /* 0-based, -1 none */
    double best_val;
    double best_vals[3]; /* val metrics (fused, A, B) of the best epoch */
    char last_file[64], best_file[64];
    /* CRC-32C of the files' bytes; has_crc 0: an old state.txt without them (not verified) */
    uint32_t last_crc, best_crc;
    int has_crc;
    char config_hash[17];
    long long extra_epochs; /* epochs the method trained outside the loop so far */
    char *method_state;     /* the method's line, any length (malloc'd; NULL: none) */
} run_state;

/* 1 if a state was read, 0 if there is none, -1 on a corrupt file (err). After 1, the caller
 * owns st->method_state (run_state_free). */
int read_run_state(const char *dir, run_state *st, char *err, size_t errlen);
int write_run_state(const char *dir, const run_state *st, char *err, size_t errlen);
/* Checks DIR/ckpt/FILE against the CRC-32C state.txt recorded for it. 0, or -1 with err naming
 * the file (damaged: expected vs found, or unreadable). */
int verify_checkpoint(const char *dir, const char *file, uint32_t want, char *err, size_t errlen);
/* Frees st->method_state. */
void run_state_free(run_state *st);
/* Removes ckpt/last-*.pt and ckpt/best-*.pt files that st does not name. */
void remove_stale_checkpoints(const char *dir, const run_state *st);

/* epochs.csv kept in memory and rewritten whole (atomically) after every epoch. */
typedef struct {
    char *header;
    char **rows;
    int n, cap;
} csv_rows;

void csv_set_header(csv_rows *c, const char *header);
int csv_append(csv_rows *c, const char *row);
/* Reads DIR/epochs.csv keeping its header and first `keep` rows (the epochs the checkpoint
 * covers; a row written after the last checkpoint is dropped). */
int csv_load(const char *dir, int keep, csv_rows *c, char *err, size_t errlen);
int csv_write(const char *dir, const csv_rows *c, char *err, size_t errlen);
void csv_free(csv_rows *c);

#endif
