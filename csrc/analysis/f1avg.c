/* f1avg.c - one run's four test F1 averages per head; see f1avg.h. */
#include "analysis/f1avg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/summary.h"
#include "core/util.h"

/* Head h's average i as "61.2" (percent, one decimal as the tables), or "-" when absent. The
 * task metric stands in for the average it is when the file predates the four (results.h). */
static void cell(const rs_set *s, const rs_run *r, int h, int i, char *out, size_t n) {
    rs_set one = *s;
    one.f1 = i;
    double v = rs_test_metric(&one, r, h);
    if (!isfinite(v)) {
        text_fmt(out, n, "-");
        return;
    }
    long long t = llround(v * 1000.0);
    text_fmt(out, n, "%s%lld.%lld", t < 0 ? "-" : "", llabs(t) / 10, llabs(t) % 10);
}

/* "Fused (Text+Image)", "Text", "Image" */
static void head_label(const rs_run *r, int h, char *out, size_t n) {
    char a[32], b[32];
    text_capitalized(a, sizeof a, r->sum.modality_a[0] ? r->sum.modality_a : "a");
    text_capitalized(b, sizeof b, r->sum.modality_b[0] ? r->sum.modality_b : "b");
    if (h == 0) text_fmt(out, n, "Fused (%s+%s)", a, b);
    else text_fmt(out, n, "%s", h == 1 ? a : b);
}

/* The three heads' rows: LEAD before the label, SEP before each average, END after the last
 * (markdown and LaTeX rows differ only in these). */
static void print_rows(const rs_set *s, const rs_run *r, FILE *f, const char *lead, const char *sep, const char *end) {
    for (int h = 0; h < 3; h++) {
        char l[80], v[16];
        head_label(r, h, l, sizeof l);
        fprintf(f, "%s%s", lead, l);
        for (int i = 0; i < F1_COUNT; i++) {
            cell(s, r, h, i, v, sizeof v);
            fprintf(f, "%s%s", sep, v);
        }
        fputs(end, f);
    }
}

static void print_md(const rs_set *s, const rs_run *r, FILE *f) {
    fprintf(f, "**Test F1 of `%s`** (best epoch %lld; per-label threshold 0.5; in %%; task metric %s)\n\n", r->dir,
            r->sum.best_epoch, r->sum.metric);
    fprintf(f, "| Head | Micro | Macro | Weighted | Samples |\n|---|---:|---:|---:|---:|\n");
    print_rows(s, r, f, "| ", " | ", " |\n");
}

static void print_tex(const rs_set *s, const rs_run *r, FILE *f) {
    fprintf(f, "%% Test F1 of %s (best epoch %lld; threshold 0.5; in %%)\n", r->dir, r->sum.best_epoch);
    fprintf(f, "\\begin{tabular}{lrrrr}\n\\toprule\nHead & Micro & Macro & Weighted & Samples \\\\\n\\midrule\n");
    print_rows(s, r, f, "", " & ", " \\\\\n");
    fprintf(f, "\\bottomrule\n\\end{tabular}\n");
}

static void print_csv(const rs_set *s, const rs_run *r, FILE *f) {
    static const char *const heads[] = {"fused", "a", "b"};
    fprintf(f, "run,head,modality,f1_micro,f1_macro,f1_weighted,f1_samples\n");
    for (int h = 0; h < 3; h++) {
        char v[16];
        csv_put_field(f, r->dir, 1);
        csv_put_field(f, heads[h], 0);
        csv_put_field(f, h == 0 ? "fused" : h == 1 ? r->sum.modality_a : r->sum.modality_b, 0);
        for (int i = 0; i < F1_COUNT; i++) {
            cell(s, r, h, i, v, sizeof v);
            csv_put_field(f, v, 0);
        }
        fputc('\n', f);
    }
}

int f1avg_print(const rs_set *s, table_format format, FILE *f) {
    if (s->n_units != 1 || s->units[0].best < 0) return 0;
    const rs_run *r = &s->runs[s->units[0].best];
    if (strncmp(r->sum.metric, "f1_", 3)) return 0;
    fputc('\n', f);
    if (format == TABLE_TEX) print_tex(s, r, f);
    else if (format == TABLE_CSV) print_csv(s, r, f);
    else print_md(s, r, f);
    return 1;
}
