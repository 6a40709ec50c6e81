/* fuzz_epochs.c - libFuzzer target: epochs.csv as `--resume` and the readers take it:
 * csv_load (csrc/core/runfiles.c) keeping several row counts, and epochs_column_find
 * (csrc/core/columns.c) on the header and every row, on arbitrary bytes.
 *
 * A column that is found must be that name's field of the line (counted independently here);
 * what csv_load kept must survive csv_write + csv_load unchanged, since a resumed run rewrites
 * epochs.csv from it after every epoch.
 */
#include "fuzz_util.h"

#include "core/columns.h"
#include "core/runfiles.h"

/* Field COL of LINE (comma-separated, ending at NUL, CR or LF) equals NAME. */
static int field_is(const char *line, int col, const char *name) {
    const char *p = line;
    for (int i = 0; i < col; i++) {
        p += strcspn(p, ",\r\n");
        if (*p != ',') return 0;
        p++;
    }
    size_t len = strcspn(p, ",\r\n");
    return len == strlen(name) && !strncmp(p, name, len);
}

static void check_find(const char *line) {
    for (int c = 0; c <= COL_COUNT; c++) {
        /* the fixed names, and one that is no column ("" never names one either) */
        const char *name = c < COL_COUNT ? epochs_column_name((epoch_column)c) : "no_such_column";
        int col = epochs_column_find(line, name);
        FUZZ_REQUIRE(col >= -1, "epochs_column_find returned %d", col);
        FUZZ_REQUIRE(col < 0 || field_is(line, col, name), "%s found at %d, where another field is", name, col);
    }
}

static void check_round_trip(const char *dir, const csv_rows *c, int keep) {
    char err[1024] = "";
    FUZZ_REQUIRE(csv_write(dir, c, err, sizeof err) == 0, "csv_write: %s", err);
    csv_rows again = {0};
    FUZZ_REQUIRE(csv_load(dir, keep, &again, err, sizeof err) == 0, "what csv_write wrote does not load: %s", err);
    FUZZ_REQUIRE(!strcmp(again.header, c->header) && again.n == c->n, "header or row count differs");
    for (int i = 0; i < c->n; i++) FUZZ_REQUIRE(!strcmp(again.rows[i], c->rows[i]), "row %d differs", i);
    csv_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_mkdir("run");
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/run", fuzz_dir());
    static const int keeps[] = {1, 2, 5, 1000}; /* a resume keeps epochs_done >= 1 rows */
    for (size_t k = 0; k < sizeof keeps / sizeof *keeps; k++) {
        fuzz_write("run/epochs.csv", data, size);
        csv_rows c = {0};
        char err[1024];
        memset(err, 'x', sizeof err);
        if (csv_load(dir, keeps[k], &c, err, sizeof err) != 0) {
            fuzz_check_message(err, sizeof err, "csv_load");
            csv_free(&c);
            continue;
        }
        FUZZ_REQUIRE(c.n == keeps[k], "kept %d rows, asked for %d", c.n, keeps[k]);
        FUZZ_REQUIRE(c.header != NULL, "no header");
        check_find(c.header);
        for (int i = 0; i < c.n; i++) check_find(c.rows[i]);
        check_round_trip(dir, &c, keeps[k]);
        csv_free(&c);
    }
    return 0;
}
