/* fuzz_util.c - the scratch directory and checks the fuzz targets share; see fuzz_util.h. */
#define _POSIX_C_SOURCE 200809L
#include "fuzz_util.h"

#include <sys/stat.h>
#include <unistd.h>

static char dir_path[512];
static const char *made[16]; /* names made, removed in reverse order at exit */
static int n_made;

static void cleanup(void) {
    char p[1100];
    for (int i = n_made - 1; i >= 0; i--) {
        snprintf(p, sizeof p, "%s/%s", dir_path, made[i]);
        remove(p); /* a file or an empty directory */
    }
    rmdir(dir_path);
}

const char *fuzz_dir(void) {
    if (dir_path[0]) return dir_path;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir_path, sizeof dir_path, "%s/miles-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir_path)) {
        perror("fuzz: mkdtemp");
        exit(1);
    }
    atexit(cleanup);
    return dir_path;
}

static void remember(const char *name) {
    for (int i = 0; i < n_made; i++)
        if (!strcmp(made[i], name)) return;
    if (n_made < (int)(sizeof made / sizeof *made)) made[n_made++] = name;
}

void fuzz_mkdir(const char *name) {
    char p[1100];
    snprintf(p, sizeof p, "%s/%s", fuzz_dir(), name);
    if (mkdir(p, 0700) != 0 && access(p, F_OK) != 0) {
        perror(p);
        exit(1);
    }
    remember(name);
}

const char *fuzz_write(const char *name, const uint8_t *data, size_t size) {
    static char p[1100];
    snprintf(p, sizeof p, "%s/%s", fuzz_dir(), name);
    FILE *f = fopen(p, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror(p);
        exit(1);
    }
    remember(name);
    return p;
}

char *fuzz_string(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    if (!s) abort();
    if (size) memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

void fuzz_check_message(const char *err, size_t errlen, const char *what) {
    FUZZ_REQUIRE(memchr(err, '\0', errlen) != NULL, "%s: message not terminated", what);
    FUZZ_REQUIRE(err[0] != '\0', "%s: failed without a message", what);
}
