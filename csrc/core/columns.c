/* columns.c - names of the epochs.csv columns and lookup by name; see columns.h. */
#include "core/columns.h"

#include <string.h>

static const char *const names[] = {
#define X(id, name) name,
    MILES_EPOCH_COLUMNS(X)
#undef X
};

static const char header[] =
#define X(id, name) "," name
    MILES_EPOCH_COLUMNS(X)
#undef X
    ;

const char *epochs_column_name(epoch_column c) { return c >= 0 && c < COL_COUNT ? names[c] : NULL; }

/* header[] starts with the comma that precedes the first name. */
const char *epochs_header(void) { return header + 1; }

int epochs_column_find(const char *line, const char *name) {
    size_t n = strlen(name);
    int col = 0;
    for (const char *p = line;; col++) {
        size_t len = strcspn(p, ",\r\n");
        if (len == n && !strncmp(p, name, n)) return col;
        if (p[len] != ',') return -1;
        p += len + 1;
    }
}
