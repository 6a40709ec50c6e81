/* demo_table.c - `miles demo`'s reading of its runs and its comparison (demo_table.h). */
#define _POSIX_C_SOURCE 200809L
#include "demo/demo_table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/columns.h"
#include "core/util.h"

enum { C_EPOCH, C_UA, C_UB, C_DELTA, C_LRA, C_LRB, C_LRF, C_N };

static ml_status add_action(demo_actions *a, const demo_action *x, int *cap) {
    if (a->n_actions == *cap) {
        int grown = *cap ? 2 * *cap : 16;
        demo_action *v = realloc(a->action, sizeof *v * (size_t)grown);
        if (!v) return ML_ERUNTIME;
        a->action = v;
        *cap = grown;
    }
    a->action[a->n_actions++] = *x;
    return ML_OK;
}

/* The actions of row I (0-based) of T: each encoder whose LR is below the fusion's. */
static ml_status row_actions(demo_actions *a, const epochs_table *t, int i, int *cap) {
    const double *row = t->v + (size_t)i * C_N, *prev = i > 0 ? row - C_N : NULL;
    for (int k = 0; k < 2; k++) {
        double lr = row[k ? C_LRB : C_LRA];
        if (!(lr < row[C_LRF])) continue;
        demo_action x = {
            .epoch = isfinite(row[C_EPOCH]) ? (int)row[C_EPOCH] : i + 1,
            .encoder = k,
            .lr = lr,
            .base_lr = row[C_LRF],
            .cause_epoch = prev && isfinite(prev[C_EPOCH]) ? (int)prev[C_EPOCH] : 0,
            .u_a = prev ? prev[C_UA] : NAN,
            .u_b = prev ? prev[C_UB] : NAN,
            .delta = prev ? prev[C_DELTA] : NAN,
        };
        if (add_action(a, &x, cap) != ML_OK) return ML_ERUNTIME;
    }
    return ML_OK;
}

ml_status demo_read_actions(const char *run_dir, double tau, demo_actions *out, char *err, size_t errlen) {
    static const epoch_column cols[C_N] = {COL_EPOCH, COL_U_A, COL_U_B, COL_DELTA, COL_LR_A, COL_LR_B, COL_LR_FUSION};
    const char *names[C_N];
    for (int c = 0; c < C_N; c++) names[c] = epochs_column_name(cols[c]);
    memset(out, 0, sizeof *out);
    out->max_delta = NAN;
    epochs_table t;
    ml_status rc = epochs_read(run_dir, names, C_N, &t, err, errlen);
    if (rc != ML_OK) return rc;
    int cap = 0;
    out->n_epochs = t.n_rows;
    for (int i = 0; i < t.n_rows && rc == ML_OK; i++) {
        double d = t.v[(size_t)i * C_N + C_DELTA];
        if (isfinite(d) && !(d <= out->max_delta)) out->max_delta = d;
        if (d > tau) out->n_over_tau++;
        rc = row_actions(out, &t, i, &cap);
    }
    epochs_table_free(&t);
    if (rc != ML_OK) {
        snprintf(err, errlen, "%.300s/epochs.csv: out of memory", run_dir);
        demo_actions_free(out);
    }
    return rc;
}

void demo_actions_free(demo_actions *a) {
    free(a->action);
    a->action = NULL;
    a->n_actions = 0;
}

/* Field COL of a CSV line (no quoting: epochs.csv holds numbers only). */
static double csv_field(const char *line, int col) {
    const char *p = line;
    for (int i = 0; i < col && p; i++) {
        p = strchr(p, ',');
        if (p) p++;
    }
    return p ? strtod(p, NULL) : 0;
}

int demo_count_reduced_epochs(const char *csv, int *reduced, double *max_delta) {
    FILE *f = fopen(csv, "r");
    char *line = NULL;
    size_t cap = 0;
    int rows = -1;
    *reduced = 0;
    *max_delta = 0;
    if (!f || getline(&line, &cap, f) < 0) goto done;
    int lr_a = epochs_column_find(line, epochs_column_name(COL_LR_A));
    int lr_b = epochs_column_find(line, epochs_column_name(COL_LR_B));
    int lr_f = epochs_column_find(line, epochs_column_name(COL_LR_FUSION));
    int delta = epochs_column_find(line, epochs_column_name(COL_DELTA));
    if (lr_a < 0 || lr_b < 0 || lr_f < 0 || delta < 0) goto done;
    for (rows = 0; getline(&line, &cap, f) >= 0; rows++) {
        double fusion = csv_field(line, lr_f), d = csv_field(line, delta);
        if (csv_field(line, lr_a) < fusion || csv_field(line, lr_b) < fusion) (*reduced)++;
        if (d > *max_delta) *max_delta = d;
    }
done:
    free(line);
    if (f) fclose(f);
    return rows;
}

/* Tenths of a percent point, as printed. */
static long tenths(double v) { return lround(v * 1000.0); }

demo_verdict demo_judge(const double vanilla[3], const double miles[3], int weak, int n_actions) {
    if (n_actions == 0) return DEMO_IDLE;
    long fused = tenths(miles[0]) - tenths(vanilla[0]);
    long w = tenths(miles[1 + weak]) - tenths(vanilla[1 + weak]);
    if (w > 0 && fused >= 0) return DEMO_HELPED;
    if (w <= 0 && fused <= 0) return DEMO_NOT_HELPED;
    return DEMO_MIXED;
}

static void signed_points(char *buf, size_t n, double a, double b) {
    long d = tenths(a) - tenths(b), m = labs(d);
    text_fmt(buf, n, "%s%ld.%ld", d < 0 ? "-" : d > 0 ? "+" : "", m / 10, m % 10);
}

/* Fused, strong, weak: the paper's column order. */
static void print_accuracies(FILE *f, const demo_report *r) {
    int s = 1 + r->strong, w = 2 - r->strong;
    char d[3][16];
    fprintf(f, "\n%s, test accuracy (%%) of each run's best-validation epoch, both with train.seed %d\n\n", r->title,
            r->seed);
    fprintf(f, "| run             | fused | %-6s | %-6s |\n", r->modality[s - 1], r->modality[w - 1]);
    fprintf(f, "|-----------------|-------|--------|--------|\n");
    fprintf(f, "| vanilla         | %5.1f | %6.1f | %6.1f |\n", 100 * r->vanilla[0], 100 * r->vanilla[s],
            100 * r->vanilla[w]);
    fprintf(f, "| MILES           | %5.1f | %6.1f | %6.1f |\n", 100 * r->miles[0], 100 * r->miles[s],
            100 * r->miles[w]);
    signed_points(d[0], sizeof d[0], r->miles[0], r->vanilla[0]);
    signed_points(d[1], sizeof d[1], r->miles[s], r->vanilla[s]);
    signed_points(d[2], sizeof d[2], r->miles[w], r->vanilla[w]);
    fprintf(f, "| MILES - vanilla | %5s | %6s | %6s |\n", d[0], d[1], d[2]);
}

/* One line per lowered LR: which encoder, to what, and the evaluation that decided it. */
static void print_actions(FILE *f, const demo_report *r) {
    const demo_actions *a = r->actions;
    int epochs = 0;
    for (int i = 0; i < a->n_actions; i++)
        if (i == 0 || a->action[i].epoch != a->action[i - 1].epoch) epochs++;
    fprintf(f,
            "\nMILES (tau %g, mu %g) trained %d of %d epochs with one encoder's LR lowered. After each epoch it\n"
            "computes u_A, u_B from the validation accuracies (u_A = (fused - %s) / fused: what %s adds)\n"
            "and, when delta = |u_A - u_B| > tau, lowers the LR of the encoder with the larger u for the next epoch.\n",
            r->tau, r->mu, epochs, a->n_epochs, r->modality[1], r->modality[0]);
    if (a->n_actions == 0) {
        fprintf(f, "delta never exceeded tau (largest %.3f), so MILES changed nothing.\n",
                isfinite(a->max_delta) ? a->max_delta : 0.0);
        return;
    }
    char ua[40], ub[40], dashes[2][41];
    text_fmt(ua, sizeof ua, "u_A (%.20s)", r->modality[0]);
    text_fmt(ub, sizeof ub, "u_B (%.20s)", r->modality[1]);
    int wa = (int)strlen(ua), wb = (int)strlen(ub);
    memset(dashes, '-', sizeof dashes);
    dashes[0][wa] = dashes[1][wb] = 0;
    fprintf(f, "\n| epoch | lowered | its LR  | decided after epoch | %s | %s | delta > tau  |\n", ua, ub);
    fprintf(f, "|-------|---------|---------|---------------------|-%s-|-%s-|--------------|\n", dashes[0], dashes[1]);
    for (int i = 0; i < a->n_actions; i++) {
        const demo_action *x = &a->action[i];
        fprintf(f, "| %5d | %-7s | %7.2g | %19d | %*.3f | %*.3f | %.3f > %-4g |\n", x->epoch, r->modality[x->encoder],
                x->lr, x->cause_epoch, wa, x->u_a, wb, x->u_b, x->delta, r->tau);
    }
}

static void print_verdict(FILE *f, const demo_report *r) {
    int weak = 1 - r->strong;
    char df[16], dw[16];
    signed_points(df, sizeof df, r->miles[0], r->vanilla[0]);
    signed_points(dw, sizeof dw, r->miles[1 + weak], r->vanilla[1 + weak]);
    const char *wn = r->modality[weak];
    fputs("\nVerdict: ", f);
    switch (demo_judge(r->vanilla, r->miles, weak, r->actions->n_actions)) {
    case DEMO_IDLE:
        fputs("MILES did nothing on this seed (no LR was lowered), so it did not help: the two runs are the\n"
              "same computation.",
              f);
        break;
    case DEMO_HELPED:
        fprintf(f, "on this seed MILES helped: the %s encoder %s points, fused accuracy %s points.", wn, dw, df);
        break;
    case DEMO_MIXED:
        fprintf(f, "on this seed MILES helped only partly: the %s encoder %s points, fused accuracy %s points.", wn, dw,
                df);
        break;
    case DEMO_NOT_HELPED:
        fprintf(f, "on this seed MILES did NOT help: the %s encoder %s points, fused accuracy %s points.", wn, dw, df);
        break;
    }
    fprintf(f,
            "\nOne seed on a stand-in: it shows the mechanism, it is not evidence for or against the paper.\n"
            "Per-epoch numbers: %s/{vanilla,miles}/epochs.csv.\n",
            r->out);
}

void demo_print_report(FILE *f, const demo_report *r) {
    print_accuracies(f, r);
    print_actions(f, r);
    print_verdict(f, r);
}
