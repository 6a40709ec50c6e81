/* test_demo.c - what `miles demo` reads back from epochs.csv and prints (csrc/demo/demo_table.c),
 * without training:
 *
 *   - the S-MNIST count: the columns are found by name: the same epochs give the same counts
 *     whether the file has the writer's column order (core/columns.h), another order, or a
 *     method's extra columns; a file without one of the columns, or none at all, is -1;
 *   - the LUMA actions: on four hand-made epochs with known LR drops (audio lowered in epoch 2
 *     after epoch 1's delta 0.35, image in epoch 4 after epoch 3's), the rows are exactly those,
 *     with the deciding epoch's u_A, u_B and delta, in any column order;
 *   - the verdict on hand-picked accuracies (helped, mixed, not helped, idle; compared as printed,
 *     to 0.1 point), and the printed table's rows and words.
 *
 * Exit status 1 on any failure.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "demo/demo_table.h"
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

/* Four epochs of a MILES run (tau 0.2, mu 0.5, alpha 1e-3): after epoch 1 u_B > u_A by 0.35,
 * so epoch 2 trains B (audio) at 5e-4; after epoch 3 u_A > u_B by 0.35, so epoch 4 trains A
 * (image) at 5e-4. Written in the column order ORDER (column ids; -1: an extra column "x"). */
static void write_luma_csv(const char *dir, const int *order, int n) {
    static const double u_a[] = {0.05, 0.10, 0.45, 0.20}, u_b[] = {0.40, 0.15, 0.10, 0.20},
                        delta[] = {0.35, 0.05, 0.35, 0.0}, lr_a[] = {1e-3, 1e-3, 1e-3, 5e-4},
                        lr_b[] = {1e-3, 5e-4, 1e-3, 1e-3};
    char p[600];
    snprintf(p, sizeof p, "%s/epochs.csv", dir);
    FILE *f = fopen(p, "w");
    REQUIRE(f);
    for (int i = 0; i < n; i++)
        fprintf(f, "%s%s", i ? "," : "", order[i] < 0 ? "x" : epochs_column_name((epoch_column)order[i]));
    fputc('\n', f);
    for (int e = 0; e < 4; e++) {
        for (int i = 0; i < n; i++) {
            int c = order[i];
            double v = c == COL_EPOCH       ? e + 1
                       : c == COL_U_A       ? u_a[e]
                       : c == COL_U_B       ? u_b[e]
                       : c == COL_DELTA     ? delta[e]
                       : c == COL_LR_A      ? lr_a[e]
                       : c == COL_LR_B      ? lr_b[e]
                       : c == COL_LR_FUSION ? 1e-3
                                            : 0.5;
            fprintf(f, "%s%.17g", i ? "," : "", v);
        }
        fputc('\n', f);
    }
    fclose(f);
}

static void check_actions(const char *dir, const char *what) {
    demo_actions a;
    char err[512];
    ml_status rc = demo_read_actions(dir, 0.2, &a, err, sizeof err);
    CHECKF(rc == ML_OK, "%s: demo_read_actions: %s", what, err);
    if (rc != ML_OK) return;
    CHECKF(a.n_epochs == 4 && a.n_over_tau == 2 && a.max_delta == 0.35, "%s: %d epochs, %d over tau, max delta %g",
           what, a.n_epochs, a.n_over_tau, a.max_delta);
    CHECKF(a.n_actions == 2, "%s: %d actions, expected 2", what, a.n_actions);
    if (a.n_actions == 2) {
        const demo_action *x = a.action, *y = a.action + 1;
        CHECKF(x->epoch == 2 && x->encoder == 1 && x->lr == 5e-4 && x->base_lr == 1e-3 && x->cause_epoch == 1 &&
                   x->u_a == 0.05 && x->u_b == 0.40 && x->delta == 0.35,
               "%s: first action: epoch %d encoder %d lr %g cause %d u %g %g delta %g", what, x->epoch, x->encoder,
               x->lr, x->cause_epoch, x->u_a, x->u_b, x->delta);
        CHECKF(y->epoch == 4 && y->encoder == 0 && y->lr == 5e-4 && y->cause_epoch == 3 && y->u_a == 0.45 &&
                   y->u_b == 0.10 && y->delta == 0.35,
               "%s: second action: epoch %d encoder %d lr %g cause %d u %g %g delta %g", what, y->epoch, y->encoder,
               y->lr, y->cause_epoch, y->u_a, y->u_b, y->delta);
    }
    demo_actions_free(&a);
}

static void check_verdicts(void) {
    const double van[3] = {0.975, 0.748, 0.990}; /* fused, image (A, weak), audio (B) */
    const double helped[3] = {0.978, 0.760, 0.989}, mixed[3] = {0.970, 0.760, 0.990}, same[3] = {0.9751, 0.7484, 0.985},
                 worse[3] = {0.974, 0.700, 0.991};
    CHECK(demo_judge(van, helped, 0, 3) == DEMO_HELPED);
    CHECK(demo_judge(van, mixed, 0, 3) == DEMO_MIXED);
    CHECK(demo_judge(van, same, 0, 3) == DEMO_NOT_HELPED); /* equal to 0.1 point is no gain */
    CHECK(demo_judge(van, worse, 0, 3) == DEMO_NOT_HELPED);
    CHECK(demo_judge(van, helped, 0, 0) == DEMO_IDLE);
    CHECK(demo_judge(van, helped, 1, 3) == DEMO_MIXED); /* audio as the weak one: -0.1 */
}

/* The printed report of the fixture's actions, MILES worse on the image encoder. */
static void check_printout(const char *dir) {
    demo_actions a;
    char err[512], *text = NULL;
    size_t len = 0;
    REQUIRE(demo_read_actions(dir, 0.2, &a, err, sizeof err) == ML_OK);
    demo_report r = {.title = "LUMA stand-in",
                     .modality = {"image", "audio"},
                     .strong = 1,
                     .vanilla = {0.975, 0.748, 0.990},
                     .miles = {0.974, 0.700, 0.991},
                     .tau = 0.2,
                     .mu = 0.5,
                     .seed = 0,
                     .actions = &a,
                     .out = "OUT"};
    FILE *f = open_memstream(&text, &len);
    REQUIRE(f);
    demo_print_report(f, &r);
    fclose(f);
    static const char *const want[] = {
        "| run             | fused | audio  | image  |",
        "| vanilla         |  97.5 |   99.0 |   74.8 |",
        "| MILES           |  97.4 |   99.1 |   70.0 |",
        "| MILES - vanilla |  -0.1 |   +0.1 |   -4.8 |",
        "trained 2 of 4 epochs with one encoder's LR lowered",
        "|     2 | audio   |  0.0005 |                   1 |       0.050 |       0.400 | 0.350 > 0.2  |",
        "|     4 | image   |  0.0005 |                   3 |       0.450 |       0.100 | 0.350 > 0.2  |",
        "Verdict: on this seed MILES did NOT help: the image encoder -4.8 points, fused accuracy -0.1 points.",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        CHECKF(strstr(text, want[i]) != NULL, "printout lacks \"%s\":\n%s", want[i], text);
    free(text);
    demo_actions_free(&a);
}

static void check_luma(const char *base) {
    char dir[512];
    snprintf(dir, sizeof dir, "%s/test_demo.%ld.d", base, (long)getpid());
    REQUIRE(mkdir(dir, 0700) == 0);
    int order[COL_COUNT + 1];
    for (int i = 0; i < COL_COUNT; i++) order[i] = i;
    write_luma_csv(dir, order, COL_COUNT);
    check_actions(dir, "the writer's order");
    check_printout(dir);
    int some[] = {COL_LR_FUSION, -1, COL_DELTA, COL_LR_B, COL_U_B, COL_EPOCH, COL_LR_A, COL_U_A, -1};
    write_luma_csv(dir, some, 9);
    check_actions(dir, "shuffled columns with extras");
    int no_ub[] = {COL_EPOCH, COL_U_A, COL_DELTA, COL_LR_A, COL_LR_B, COL_LR_FUSION};
    write_luma_csv(dir, no_ub, 6);
    demo_actions a;
    char err[512];
    CHECKF(demo_read_actions(dir, 0.2, &a, err, sizeof err) == ML_EDATA && strstr(err, "u_b"),
           "without u_b: expected ML_EDATA naming u_b, got: %s", err);
    char p[600];
    snprintf(p, sizeof p, "%s/epochs.csv", dir);
    unlink(p);
    rmdir(dir);
    check_verdicts();
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
    check_luma(base);
    if (failures) {
        fprintf(stderr, "test_demo: %d check(s) failed\n", failures);
        return 1;
    }
    printf("test_demo: all checks passed\n");
    return 0;
}
