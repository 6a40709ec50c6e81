/* test_demo.c - what `miles demo` reads back from epochs.csv (csrc/cli/demo.c), without training:
 *
 *   - the columns are found by name: the same epochs give the same counts whether the file has
 *     the writer's column order (core/columns.h), another order, or a method's extra columns;
 *   - a file without one of the columns, or none at all, is -1.
 *
 * Exit status 1 on any failure.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cli/demo.h"
#include "core/columns.h"

static char path[512];

/* Three epochs: lr_a reduced in epoch 2, lr_b in epoch 3; deltas 0.1, 0.4, 0.25. Written with
 * the columns in ORDER (indices into the fixed columns; -1: an extra column "x"). */
static void write_csv(const int *order, int n) {
    static const double lr_a[] = {1e-3, 5e-4, 1e-3}, lr_b[] = {1e-3, 1e-3, 2e-4}, delta[] = {0.1, 0.4, 0.25};
    FILE *f = fopen(path, "w");
    REQUIRE(f);
    for (int i = 0; i < n; i++)
        fprintf(f, "%s%s", i ? "," : "", order[i] < 0 ? "x" : epochs_column_name((epoch_column)order[i]));
    fputc('\n', f);
    for (int e = 0; e < 3; e++) {
        for (int i = 0; i < n; i++) {
            double v = order[i] == COL_LR_A        ? lr_a[e]
                       : order[i] == COL_LR_B      ? lr_b[e]
                       : order[i] == COL_LR_FUSION ? 1e-3
                       : order[i] == COL_DELTA     ? delta[e]
                       : order[i] == COL_EPOCH     ? e + 1
                                                   : 7.5;
            fprintf(f, "%s%.17g", i ? "," : "", v);
        }
        fputc('\n', f);
    }
    fclose(f);
}

static void check_counts(const char *what, int want_rows) {
    int reduced = -7;
    double max_delta = -7;
    int rows = demo_count_reduced_epochs(path, &reduced, &max_delta);
    CHECKF(rows == want_rows, "%s: %d rows, expected %d", what, rows, want_rows);
    if (want_rows < 0) return;
    CHECKF(reduced == 2, "%s: %d epochs with a reduced LR, expected 2", what, reduced);
    CHECKF(max_delta == 0.4, "%s: largest delta %g, expected 0.4", what, max_delta);
}

int main(void) {
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(path, sizeof path, "%s/test_demo.%ld.csv", base, (long)getpid());
    int order[COL_COUNT + 2];
    for (int i = 0; i < COL_COUNT; i++) order[i] = i;
    write_csv(order, COL_COUNT);
    check_counts("the writer's order", 3);
    order[COL_COUNT] = -1; /* a method's own column after the fixed ones */
    write_csv(order, COL_COUNT + 1);
    check_counts("with a method's column", 3);
    for (int i = 0; i < COL_COUNT; i++) order[i] = COL_COUNT - 1 - i; /* reversed */
    write_csv(order, COL_COUNT);
    check_counts("reversed columns", 3);
    int some[] = {COL_EPOCH, -1, COL_DELTA, COL_LR_FUSION, -1, COL_LR_B, COL_LR_A};
    write_csv(some, 7);
    check_counts("only the columns it needs, with others between", 3);
    int no_delta[] = {COL_EPOCH, COL_LR_A, COL_LR_B, COL_LR_FUSION};
    write_csv(no_delta, 4);
    check_counts("without delta", -1);
    unlink(path);
    check_counts("no file", -1);
    if (failures) {
        fprintf(stderr, "test_demo: %d check(s) failed\n", failures);
        return 1;
    }
    printf("test_demo: all checks passed\n");
    return 0;
}
