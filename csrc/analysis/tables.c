/* tables.c - the paper's Tables I-VI as a model of cells (values, bold, the run behind each
 * cell) and its three writers: Markdown, LaTeX and CSV (tables.h). The rules of which run goes
 * into which cell are in results/README.md ("Reports and figures").
 */
#define _POSIX_C_SOURCE 200809L
#include "analysis/tables.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/seeds.h"
#include "analysis/stats.h"
#include "core/catalog.h"
#include "core/util.h"

static const char *const TABLE_IDS[] = {"I", "II", "III", "IV", "V", "VI"};

int tables_index(const char *id) {
    for (int i = 0; i < 6; i++)
        if (!strcmp(id, TABLE_IDS[i])) return i;
    return -1;
}

/* A dataset's place in the tables: the catalog's order, unknown names last. */
static int ds_order(const char *name) {
    int i = catalog_dataset_find(name);
    return i >= 0 ? i : catalog_dataset_count();
}

/* The methods of Tables II and III: the catalog's, without unimodal (Table I). */
static int is_fusion_method(int m) { return m != METHOD_unimodal; }

#define RT_COLS  80
#define RT_ROWS  64
#define RT_SLOTS 8
#define RT_DS    8

typedef struct {
    char md[48], tex[96], csv[48];
    char xv[3][24]; /* the CSV's extra columns of this cell (rt_table.nx): sd, or lo, hi, significant */
    int has, bold;
    long long v; /* hundredths of a percent (or the epoch) behind md/tex/csv, for bold */
} rt_cell;

typedef struct {
    rt_cell c[RT_COLS];
    const rs_run *src[RT_SLOTS];
    char label[96]; /* names the row in the list of runs */
    int rule;       /* a rule above this row (a new fusion group) */
} rt_row;

typedef struct {
    const char *id;
    char key[32]; /* label suffix for several tables of one id (a dataset) */
    char caption[2048], caption_tex[2048];
    int ncols, csv_only[RT_COLS];
    int nx[RT_COLS];            /* extra CSV columns after column c */
    char xname[RT_COLS][3][16]; /* their suffixes ("_sd", "_lo", ...) */
    char align[RT_COLS];
    char head_md[RT_COLS][64], head_tex[RT_COLS][96], head_csv[RT_COLS][48];
    int ngroups, group_first[RT_DS];
    char group[RT_DS][64];
    int nslots;
    char slot[RT_SLOTS][48], slot_csv[RT_SLOTS][32];
    int nrows;
    rt_row row[RT_ROWS];
} rt_table;

typedef struct {
    const char *name, *label, *strong, *weak, *metric; /* metric: "Acc" or "F1" */
    char strong_l[24], weak_l[24];                     /* capitalised modality names */
    char s, w;                                         /* their letters */
} ds_info;

static void capital(char *out, size_t n, const char *m) { text_capitalized(out, n, *m ? m : "?"); }

static void tex_esc(char *out, size_t n, const char *in) {
    size_t k = 0;
    for (; *in && k + 8 < n; in++) {
        if (strchr("&%$#_{}", *in)) out[k++] = '\\', out[k++] = *in;
        else if (strchr("~^\\", *in)) out[k++] = '-';
        else out[k++] = *in;
    }
    out[k] = 0;
}

static void dataset_info(const rs_set *s, const char *name, ds_info *d) {
    memset(d, 0, sizeof *d);
    d->name = name;
    const char *label = catalog_dataset_label(catalog_dataset_find(name));
    d->label = label ? label : name;
    d->strong = d->weak = "";
    d->metric = "Acc";
    for (int r = 0; r < s->n_runs; r++) {
        const rs_run *x = &s->runs[r];
        if (strcmp(x->sum.dataset, name) || !x->sum.modality_a[0]) continue;
        d->strong = rs_strong_modality(x);
        d->weak = strcmp(d->strong, x->sum.modality_a) ? x->sum.modality_a : x->sum.modality_b;
        if (!strncmp(x->sum.metric, "f1", 2)) d->metric = "F1";
        break;
    }
    capital(d->strong_l, sizeof d->strong_l, d->strong);
    capital(d->weak_l, sizeof d->weak_l, d->weak);
    d->s = d->strong_l[0];
    d->w = d->weak_l[0];
}

/* The candidates: each unit's best run; a filter picks those of one cell. */
typedef struct {
    const char *dataset, *method, *fusion, *head, *metrics_from;
    int ablation;   /* 1: only units that declare tau and mu fixed (results.h) */
    int main_only;  /* 1: no ablation sweeps (Tables I-III) */
    double tau, mu; /* NaN: any */
} rt_filter;

static int matches(const rs_set *s, const rs_run *r, const rt_filter *f) {
    const char *mf = r->metrics_from[0] ? r->metrics_from : "val";
    const rs_unit *u = &s->units[r->unit];
    return (!f->dataset || !strcmp(r->sum.dataset, f->dataset)) && (!f->method || !strcmp(r->sum.method, f->method)) &&
           (!f->fusion || !strcmp(r->sum.fusion, f->fusion)) && (!f->head || !strcmp(r->sum.selection_head, f->head)) &&
           (!f->metrics_from || !strcmp(mf, f->metrics_from)) && (!f->ablation || u->fixes_tau_mu) &&
           (!f->main_only || !u->is_ablation) && (isnan(f->tau) || same_double(r->tau, f->tau)) &&
           (isnan(f->mu) || same_double(r->mu, f->mu));
}

typedef struct {
    const rs_set *s;
    const rt_filter *f;
} match_arg;

static int keep_match(const rs_run *r, const void *arg) {
    const match_arg *a = arg;
    return matches(a->s, r, a->f);
}

/* The best of the units' best runs that fall into a cell. */
static const rs_run *best_of(const rs_set *s, const rt_filter *f) {
    match_arg a = {s, f};
    return rs_best(s, 1, keep_match, &a);
}

/* Insertion sort (stable, a handful of names): the paper's order, unknown names by name. */
static void sort_datasets(const char **ds, int n) {
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0; j--) {
            int a = ds_order(ds[j - 1]), b = ds_order(ds[j]);
            if (a < b || (a == b && strcmp(ds[j - 1], ds[j]) <= 0)) break;
            const char *t = ds[j];
            ds[j] = ds[j - 1];
            ds[j - 1] = t;
        }
}

/* The datasets of the runs that pass f (the dataset itself not filtered), in the paper's order. */
static int datasets_of(const rs_set *s, rt_filter f, const char **out, int max) {
    int n = 0;
    f.dataset = NULL;
    for (int u = 0; u < s->n_units; u++) {
        const rs_run *r = s->units[u].best >= 0 ? &s->runs[s->units[u].best] : NULL;
        if (!r || !matches(s, r, &f)) continue;
        int k = 0;
        while (k < n && strcmp(out[k], r->sum.dataset)) k++;
        if (k < n) continue;
        if (n == max) {
            if (s->warn) fprintf(s->warn, "miles: warning: more than %d datasets; %s left out\n", max, r->sum.dataset);
            continue;
        }
        out[n++] = r->sum.dataset;
    }
    sort_datasets(out, n);
    return n;
}

static void head(rt_table *t, int c, const char *md, const char *tex, const char *csv) {
    text_fmt(t->head_md[c], sizeof t->head_md[c], "%s", md);
    text_fmt(t->head_tex[c], sizeof t->head_tex[c], "%s", tex);
    text_fmt(t->head_csv[c], sizeof t->head_csv[c], "%s", csv);
    t->align[c] = 'r';
    if (c >= t->ncols) t->ncols = c + 1;
}

static void text(rt_cell *c, const char *md, const char *tex, const char *csv) {
    text_fmt(c->md, sizeof c->md, "%s", md);
    text_fmt(c->tex, sizeof c->tex, "%s", tex);
    text_fmt(c->csv, sizeof c->csv, "%s", csv);
}

static long long tenths(double v) { return llround(v * 1000.0); }

/* V tenths of a percent (a single seed's value as the paper prints it), marked † as one seed. */
static void number(rt_cell *c, long long v, int sign, const char *suffix) {
    char b[48];
    long long a = v < 0 ? -v : v;
    text_fmt(b, sizeof b, "%s%lld.%lld", v < 0 ? "-" : sign && v > 0 ? "+" : "", a / 10, a % 10);
    c->has = 1;
    c->v = v * 10;
    text_fmt(c->md, sizeof c->md, "%s†%s", b, suffix);
    text_fmt(c->tex, sizeof c->tex, "%s$^\\dagger$%s", b, suffix);
    text_fmt(c->csv, sizeof c->csv, "%s", b);
}

/* The mean ± sd (two decimals, in %) of N >= 2 seeds' values X (fractions); one seed: number(). */
static void seed_number(rt_cell *c, const double *x, int n, int sign, const char *suffix) {
    double mean, sd;
    if (n < 1) return;
    if (n == 1) {
        number(c, tenths(x[0]), sign, suffix);
        return;
    }
    stats_mean_sd(x, n, &mean, &sd);
    char m[24], e[24];
    text_fmt(m, sizeof m, sign ? "%+.2f" : "%.2f", 100 * mean);
    text_fmt(e, sizeof e, "%.2f", 100 * sd);
    c->has = 1;
    c->v = llround(mean * 10000.0);
    text_fmt(c->md, sizeof c->md, "%s ± %s%s", m, e, suffix);
    text_fmt(c->tex, sizeof c->tex, "%s $\\pm$ %s%s", m, e, suffix);
    text_fmt(c->csv, sizeof c->csv, "%s", m);
    text_fmt(c->xv[0], sizeof c->xv[0], "%s", e);
}

/* The fused, strong and weak test metrics of r's seeds into cells c[0..2] (and Delta into c[3]
 * if asked: of the rounded values for one seed, as the paper, else the mean of each seed's). */
static void metric_cells(const rs_set *s, rt_cell *c, const rs_run *r, const ds_info *d, int delta) {
    seed_set ss;
    double x[3][SEEDS_MAX], dl[SEEDS_MAX];
    if (!r) return;
    seeds_of(s, r, &ss);
    int sa = !strcmp(d->strong, r->sum.modality_a), heads[3] = {0, sa ? 1 : 2, sa ? 2 : 1}, n[3];
    for (int i = 0; i < 3; i++) {
        n[i] = seeds_metric(&ss, heads[i], x[i]);
        seed_number(&c[i], x[i], n[i], 0, "");
    }
    if (!delta || !c[1].has || !c[2].has) return;
    if (n[1] == 1 && n[2] == 1) {
        number(&c[3], (c[1].v - c[2].v) / 10, 1, "");
        return;
    }
    int k = 0;
    for (int j = 0; j < ss.n; j++) {
        double a = rs_test_metric(s, ss.run[j], heads[1]), b = rs_test_metric(s, ss.run[j], heads[2]);
        if (isfinite(a) && isfinite(b)) dl[k++] = a - b;
    }
    seed_number(&c[3], dl, k, 1, "");
}

/* The seed count of r's configuration, ‡ when validation tied (the caption says what it means);
 * the CSV's extra column counts the tied trials. */
static void count_cell(const rs_set *s, rt_cell *c, const rs_run *r) {
    seed_set ss;
    const rs_run *tied[SEEDS_MAX];
    if (!r) return;
    seeds_of(s, r, &ss);
    int ties = seeds_ties(s, r, tied, SEEDS_MAX);
    text_fmt(c->md, sizeof c->md, "%d%s", ss.n, ties ? "‡" : "");
    text_fmt(c->tex, sizeof c->tex, "%d%s", ss.n, ties ? "$^\\ddagger$" : "");
    text_fmt(c->csv, sizeof c->csv, "%d", ss.n);
    text_fmt(c->xv[0], sizeof c->xv[0], "%d", ties);
    c->has = 1;
    c->v = ss.n;
}

/* Bold, in rows [r0, r1), the best value of column c (mode 1 highest, -1 lowest, 2 closest to
 * zero), when at least two rows have one. */
static long long bold_key(const rt_cell *x, int mode) { return mode == 2 ? -llabs(x->v) : mode * x->v; }

static void bold_col(rt_table *t, int c, int r0, int r1, int mode) {
    int n = 0;
    long long best = 0;
    for (int r = r0; r < r1; r++) {
        const rt_cell *x = &t->row[r].c[c];
        if (x->has && (!n++ || bold_key(x, mode) > best)) best = bold_key(x, mode);
    }
    for (int r = r0; r < r1 && n >= 2; r++) {
        rt_cell *x = &t->row[r].c[c];
        if (x->has && bold_key(x, mode) == best) x->bold = 1;
    }
}

static void fusion_names(const char *fusion, const char **md, const char **tex) {
    int sum = !strcmp(fusion, "sum");
    *md = sum ? "+" : "⊕";
    *tex = sum ? "+" : "\\oplus";
}

static void metric_heads(rt_table *t, int c0, const ds_info *d, const char *op_md, const char *op_tex,
                         const char *prefix_md, const char *prefix_csv, int delta) {
    char md[64], tex[96], csv[48];
    const char *mt = strcmp(d->metric, "F1") ? "\\mathrm{Acc}" : "\\mathrm{F1}";
    text_fmt(md, sizeof md, "%s%s(%c%s%c)", prefix_md, d->metric, d->s, op_md, d->w);
    text_fmt(tex, sizeof tex, "$%s_{%c %s %c}$", mt, d->s, op_tex, d->w);
    text_fmt(csv, sizeof csv, "%sfused", prefix_csv);
    head(t, c0, md, tex, csv);
    for (int i = 0; i < 2; i++) {
        char l = i ? d->w : d->s;
        text_fmt(md, sizeof md, "%s%s(%c)", prefix_md, d->metric, l);
        text_fmt(tex, sizeof tex, "$%s_{%c}$", mt, l);
        text_fmt(csv, sizeof csv, "%s%s", prefix_csv, i ? d->weak : d->strong);
        head(t, c0 + 1 + i, md, tex, csv);
    }
    if (delta) {
        text_fmt(md, sizeof md, "%sΔ(%c%c)", prefix_md, d->s, d->w);
        text_fmt(tex, sizeof tex, "$\\Delta_{%c%c}$", d->s, d->w);
        text_fmt(csv, sizeof csv, "%sdelta", prefix_csv);
        head(t, c0 + 3, md, tex, csv);
    }
}

/* What every table's caption says about its cells. */
#define SEEDS_NOTE                                                                                           \
    "Each value is the mean ± sample sd over the seeds of the configuration validation selects (its trial " \
    "and the trial's reseeds, `miles sweep --reseed`; n = the seed count); † marks a single seed, shown as it is."
#define SEEDS_NOTE_TEX                                                                                           \
    "Each value is the mean $\\pm$ sample sd over the seeds of the configuration validation selects (its trial " \
    "and the trial's reseeds); $^\\dagger$ marks a single seed, shown as it is."
#define TIE_NOTE                                                                                                      \
    " Ties on validation: the lowest trial number is reported (and reseeded), marked ‡ in n, and every tied trial " \
    "is listed below the table."
#define TIE_NOTE_TEX \
    " Ties on validation: the lowest trial number is reported (and reseeded), marked $^\\ddagger$ in n."
/* Tables IV-VI's runs are usually seed sweeps (core/results.h). */
#define SEED_SWEEP_NOTE                                                                                        \
    " A sweep that varies only train.seed is one configuration: all its completed trials are its seeds, none " \
    "selected."

/* Column c gets an extra CSV column "<head>_sd" (metric cells of several seeds fill it). */
static void sd_columns(rt_table *t, int c, int n) {
    for (int i = 0; i < n; i++) {
        t->nx[c + i] = 1;
        text_fmt(t->xname[c + i][0], sizeof t->xname[c + i][0], "_sd");
    }
}

/* The n column of Tables IV-VI at c (after the metrics at 2..4, which get _sd columns). */
static void count_head(rt_table *t, int c) {
    head(t, c, "n", "$n$", "n");
    t->nx[c] = 1;
    text_fmt(t->xname[c][0], sizeof t->xname[c][0], "_tied");
    sd_columns(t, 2, 3);
}

static int table_1(const rs_set *s, rt_table *t) {
    const char *ds[RT_DS];
    rt_filter f = {.method = "unimodal", .main_only = 1, .tau = NAN, .mu = NAN};
    int n = datasets_of(s, f, ds, RT_DS);
    text_fmt(t->caption, sizeof t->caption,
             "Test performance of the best unimodal models (A. = accuracy, F1 = F1 "
             "score, in %%). %s",
             SEEDS_NOTE);
    text_fmt(t->caption_tex, sizeof t->caption_tex,
             "Test performance of the best unimodal models (A.\\ = accuracy, "
             "F1 = F1 score, in \\%%). %s",
             SEEDS_NOTE_TEX);
    head(t, 0, "Dataset", "Dataset", "dataset");
    head(t, 1, "Modality A", "Modality A", "modality_a");
    head(t, 2, "Performance", "Performance", "performance_a");
    head(t, 3, "Modality B", "Modality B", "modality_b");
    head(t, 4, "Performance", "Performance", "performance_b");
    head(t, 5, "", "", "metric");
    t->csv_only[5] = 1;
    sd_columns(t, 2, 1);
    sd_columns(t, 4, 1);
    t->align[0] = t->align[1] = t->align[3] = 'l';
    t->nslots = 2;
    text_fmt(t->slot[0], sizeof t->slot[0], "modality A");
    text_fmt(t->slot[1], sizeof t->slot[1], "modality B");
    text_fmt(t->slot_csv[0], sizeof t->slot_csv[0], "a");
    text_fmt(t->slot_csv[1], sizeof t->slot_csv[1], "b");
    for (int i = 0; i < n; i++) {
        ds_info d;
        dataset_info(s, ds[i], &d);
        rt_row *row = &t->row[t->nrows++];
        char esc[96];
        tex_esc(esc, sizeof esc, d.label);
        text(&row->c[0], d.label, esc, ds[i]);
        text_fmt(row->label, sizeof row->label, "%s", d.label);
        const char *suffix = strcmp(d.metric, "F1") ? " A." : " F1";
        text(&row->c[5], "", "", strcmp(d.metric, "F1") ? "accuracy" : "f1");
        for (int m = 0; m < 2; m++) {
            f.dataset = ds[i];
            f.head = m ? "b" : "a";
            const rs_run *r = row->src[m] = best_of(s, &f);
            char lab[24];
            capital(lab, sizeof lab, r ? (m ? r->sum.modality_b : r->sum.modality_a) : "-");
            text(&row->c[1 + 2 * m], lab, lab, r ? (m ? r->sum.modality_b : r->sum.modality_a) : "-");
            if (r) {
                seed_set ss;
                double x[SEEDS_MAX];
                char suf[32];
                seeds_of(s, r, &ss);
                int k = seeds_metric(&ss, 1 + m, x);
                if (k > 1) text_fmt(suf, sizeof suf, "%s (n=%d)", suffix, k);
                else text_fmt(suf, sizeof suf, "%s", suffix);
                seed_number(&row->c[2 + 2 * m], x, k, 0, suf);
            }
        }
    }
    return n;
}

#define GW 8 /* columns per dataset in Tables II and III: 4 metrics, n, vs Vanilla, vs MILES, LR lowered */

/* The datasets of Tables II/III's methods, in the paper's order. */
static int fusion_datasets(const rs_set *s, const char *fusion, const char **ds) {
    rt_filter f = {.fusion = fusion, .main_only = 1, .tau = NAN, .mu = NAN};
    int n = 0;
    for (int m = 0; m < METHOD_COUNT; m++) {
        const char *more[RT_DS];
        if (!is_fusion_method(m)) continue;
        f.method = catalog_method_name((method_id)m);
        int k = datasets_of(s, f, more, RT_DS);
        for (int i = 0; i < k; i++) {
            int j = 0;
            while (j < n && strcmp(ds[j], more[i])) j++;
            if (j == n && n < RT_DS) ds[n++] = more[i];
        }
    }
    sort_datasets(ds, n);
    return n;
}

static void caption_23(rt_table *t, int sum, const char *op_md, const char *op_tex) {
    text_fmt(
        t->caption, sizeof t->caption,
        "Test performance (%%) of the multimodal fusion %s head (%s) and each modality encoder's head, the "
        "strong modality first; Δ = strong - weak head. Best mean per column in bold. %s vs Vanilla, vs MILES: "
        "the mean paired difference in fused test accuracy (points) over the seeds both rows have test predictions "
        "of (the reseeds, where the selected trial predates them), with its 95%% interval, a paired bootstrap "
        "over seeds and test examples (%d replicates, fixed seed); * marks a lead whose interval excludes zero, "
        "- a pair without test predictions. LR↓: epochs (over all seeds) in which MILES had lowered an "
        "encoder's LR.%s",
        sum ? "summation" : "concatenation", op_md, SEEDS_NOTE, STATS_BOOT_REPS, TIE_NOTE);
    text_fmt(t->caption_tex, sizeof t->caption_tex,
             "Test performance (\\%%) of the multimodal fusion %s head ($%s$) and each modality encoder's head, the "
             "strong modality first; $\\Delta$ = strong $-$ weak head. Best mean per column in bold. %s vs Vanilla, "
             "vs MILES: the mean paired difference in fused test accuracy (points) over the seeds both rows have test "
             "predictions of, with its 95\\%% interval, a paired bootstrap over seeds and test examples (%d "
             "replicates, fixed seed); * marks a lead whose interval "
             "excludes zero. LR$\\downarrow$: epochs (over all seeds) in which MILES had lowered an encoder's LR.%s",
             sum ? "summation" : "concatenation", op_tex, SEEDS_NOTE_TEX, STATS_BOOT_REPS, TIE_NOTE_TEX);
}

/* The columns of dataset i: its metrics, n, the two intervals and MILES's LR count. */
static void heads_23(rt_table *t, int i, const ds_info *d, const char *ds, const char *op_md, const char *op_tex) {
    char pm[48], pc[48], md[64], csv[48];
    int c0 = 1 + GW * i;
    text_fmt(pm, sizeof pm, "%s ", d->label);
    text_fmt(pc, sizeof pc, "%s_", ds);
    metric_heads(t, c0, d, op_md, op_tex, pm, pc, 1);
    sd_columns(t, c0, 4);
    static const char *const md_h[] = {"n", "vs Vanilla", "vs MILES", "LR↓"};
    static const char *const tex_h[] = {"$n$", "vs Vanilla", "vs MILES", "LR$\\downarrow$"};
    static const char *const csv_h[] = {"n", "vs_vanilla", "vs_miles", "miles_lr_lowered"};
    for (int k = 0; k < 4; k++) {
        text_fmt(md, sizeof md, "%s%s", pm, md_h[k]);
        text_fmt(csv, sizeof csv, "%s%s", pc, csv_h[k]);
        head(t, c0 + 4 + k, md, tex_h[k], csv);
    }
    t->nx[c0 + 4] = 1;
    text_fmt(t->xname[c0 + 4][0], sizeof t->xname[0][0], "_tied");
    for (int k = 5; k <= 6; k++) {
        t->nx[c0 + k] = 3;
        text_fmt(t->xname[c0 + k][0], sizeof t->xname[0][0], "_lo");
        text_fmt(t->xname[c0 + k][1], sizeof t->xname[0][0], "_hi");
        text_fmt(t->xname[c0 + k][2], sizeof t->xname[0][0], "_significant");
    }
    tex_esc(t->group[i], sizeof t->group[i], d->label);
    t->group_first[i] = c0;
    text_fmt(t->slot[i], sizeof t->slot[i], "%s", d->label);
    text_fmt(t->slot_csv[i], sizeof t->slot_csv[i], "%s", ds);
}

/* "+0.12 [-0.05, +0.30]" (points), * when significant; "-" when the pair has no predictions. */
static void interval_cell(const rs_set *s, rt_cell *c, const rs_run *a, const rs_run *b) {
    seed_set sa, sb;
    stats_interval iv;
    if (!a || !b || a == b) return;
    seeds_of(s, a, &sa);
    seeds_of(s, b, &sb);
    if (seeds_paired(&sa, &sb, &iv, s->warn)) {
        text(c, "-", "-", "-");
        return;
    }
    int sig = stats_significant(&iv);
    text_fmt(c->md, sizeof c->md, "%+.2f [%+.2f, %+.2f]%s", 100 * iv.diff, 100 * iv.lo, 100 * iv.hi, sig ? "*" : "");
    text_fmt(c->tex, sizeof c->tex, "%+.2f [%+.2f, %+.2f]%s", 100 * iv.diff, 100 * iv.lo, 100 * iv.hi, sig ? "*" : "");
    text_fmt(c->csv, sizeof c->csv, "%+.2f", 100 * iv.diff);
    text_fmt(c->xv[0], sizeof c->xv[0], "%+.2f", 100 * iv.lo);
    text_fmt(c->xv[1], sizeof c->xv[1], "%+.2f", 100 * iv.hi);
    text_fmt(c->xv[2], sizeof c->xv[2], "%s", sig ? "yes" : "no");
}

/* "L/E": epochs in which MILES had lowered an LR, of those trained, over r's seeds. */
static void lowered_cell(const rs_set *s, rt_cell *c, const rs_run *r) {
    seed_set ss;
    long long low, ep;
    char err[1024], v[48];
    if (!r || strcmp(r->sum.method, "miles")) return;
    seeds_of(s, r, &ss);
    if (seeds_lowered(&ss, &low, &ep, err, sizeof err)) {
        if (s->warn) fprintf(s->warn, "miles: warning: %s\n", err);
        return;
    }
    text_fmt(v, sizeof v, "%lld/%lld", low, ep);
    text(c, v, v, v);
}

/* The index of method NAME's row (rows are the catalog's fusion methods in order), or -1. */
static int method_row(const char *name) {
    for (int m = 0, r = 0; m < METHOD_COUNT; m++) {
        if (!is_fusion_method(m)) continue;
        if (!strcmp(catalog_method_name((method_id)m), name)) return r;
        r++;
    }
    return -1;
}

/* The columns of dataset i that compare rows: n, the intervals against Vanilla and MILES, LR↓. */
static void compare_23(const rs_set *s, rt_table *t, int i) {
    int rv = method_row("vanilla"), rm = method_row("miles"), c0 = 1 + GW * i;
    const rs_run *van = rv >= 0 ? t->row[rv].src[i] : NULL, *mil = rm >= 0 ? t->row[rm].src[i] : NULL;
    for (int r = 0; r < t->nrows; r++) {
        const rs_run *x = t->row[r].src[i];
        if (!x) continue;
        count_cell(s, &t->row[r].c[c0 + 4], x);
        interval_cell(s, &t->row[r].c[c0 + 5], x, van);
        interval_cell(s, &t->row[r].c[c0 + 6], x, mil);
        lowered_cell(s, &t->row[r].c[c0 + 7], x);
    }
}

static int table_23(const rs_set *s, rt_table *t, const char *fusion) {
    const char *ds[RT_DS], *op_md, *op_tex;
    rt_filter f = {.fusion = fusion, .main_only = 1, .tau = NAN, .mu = NAN};
    int n = fusion_datasets(s, fusion, ds);
    fusion_names(fusion, &op_md, &op_tex);
    caption_23(t, !strcmp(fusion, "sum"), op_md, op_tex);
    head(t, 0, "Model", "Model", "model");
    t->align[0] = 'l';
    t->ngroups = t->nslots = n;
    ds_info d[RT_DS];
    for (int i = 0; i < n; i++) {
        dataset_info(s, ds[i], &d[i]);
        heads_23(t, i, &d[i], ds[i], op_md, op_tex);
    }
    for (int m = 0; m < METHOD_COUNT; m++) {
        if (!is_fusion_method(m)) continue;
        rt_row *row = &t->row[t->nrows++];
        const char *name = catalog_method_name((method_id)m), *label = catalog_method_label((method_id)m);
        text(&row->c[0], label, label, name);
        text_fmt(row->label, sizeof row->label, "%s", label);
        f.method = name;
        f.metrics_from = strcmp(f.method, "miles") ? NULL : "val"; /* u from training: Table VI */
        for (int i = 0; i < n; i++) {
            f.dataset = ds[i];
            row->src[i] = best_of(s, &f);
            metric_cells(s, &row->c[1 + GW * i], row->src[i], &d[i], 1);
        }
    }
    for (int i = 0; i < n; i++) compare_23(s, t, i);
    for (int c = 1; c < t->ncols; c++)
        if ((c - 1) % GW < 4) bold_col(t, c, 0, t->nrows, (c - 1) % GW == 3 ? 2 : 1);
    return n;
}

/* Decimals that show every value of a column exactly (1 to 4). */
static int decimals(const double *v, int n) {
    int d = 1;
    for (int i = 0; i < n; i++)
        while (d < 4 && fabs(v[i] * pow(10, d) - llround(v[i] * pow(10, d))) > 1e-6) d++;
    return d;
}

static const char *const FUSIONS[] = {"concat", "sum"};

/* Unit u's best run when it passes f (a candidate of f), else NULL. */
static const rs_run *unit_best(const rs_set *s, int u, const rt_filter *f) {
    const rs_run *r = s->units[u].best >= 0 ? &s->runs[s->units[u].best] : NULL;
    return r && matches(s, r, f) ? r : NULL;
}

/* The value of the key an ablation holds fixed (mu for Table IV, which = 0; tau for V) that is
 * most common among the candidates of f; ties: that of the better run. Returns how many hold it
 * (0: no candidate). */
static int held_value(const rs_set *s, const rt_filter *f, int which, double *held) {
    int held_n = 0;
    const rs_run *held_r = NULL;
    for (int u = 0; u < s->n_units; u++) {
        const rs_run *r = unit_best(s, u, f);
        if (!r) continue;
        double v = which ? r->tau : r->mu;
        int n = 0;
        const rs_run *b = NULL;
        for (int w = 0; w < s->n_units; w++) {
            const rs_run *q = unit_best(s, w, f);
            if (q && same_double(which ? q->tau : q->mu, v)) n++, b = rs_better(q, b) ? q : b;
        }
        if (n > held_n || (n == held_n && rs_better(b, held_r))) *held = v, held_n = n, held_r = b;
    }
    return held_n;
}

/* The distinct values of the ablated key among the candidates of f, descending as the paper. */
static int ablated_values(const rs_set *s, const rt_filter *f, int which, double *vals, int max) {
    int nv = 0;
    for (int u = 0; u < s->n_units; u++) {
        const rs_run *r = unit_best(s, u, f);
        if (!r) continue;
        double v = which ? r->mu : r->tau;
        int k = 0;
        while (k < nv && !same_double(vals[k], v)) k++;
        if (k == nv && nv < max) vals[nv++] = v;
    }
    for (int i = 1; i < nv; i++)
        for (int j = i; j > 0 && vals[j - 1] < vals[j]; j--) {
            double x = vals[j];
            vals[j] = vals[j - 1];
            vals[j - 1] = x;
        }
    return nv;
}

/* One fusion's rows of an ablation table, one per ablated value; the best fused row in bold. */
static void ablation_rows(const rs_set *s, rt_table *t, rt_filter f, int which, const ds_info *d, const double *vals,
                          int nv, double *rowval) {
    int r0 = t->nrows;
    const char *op_md, *op_tex;
    fusion_names(f.fusion, &op_md, &op_tex);
    for (int i = 0; i < nv && t->nrows < RT_ROWS; i++) {
        rt_row *row = &t->row[t->nrows++];
        char tx[32];
        rowval[t->nrows - 1] = vals[i];
        text_fmt(tx, sizeof tx, "$%s$", op_tex);
        text(&row->c[1], i ? "" : op_md, i ? "" : tx, f.fusion);
        text_fmt(row->label, sizeof row->label, "%s", op_md); /* completed by ablation_labels */
        row->rule = i == 0 && r0 > 0;
        if (which) f.mu = vals[i];
        else f.tau = vals[i];
        row->src[0] = best_of(s, &f);
        metric_cells(s, &row->c[2], row->src[0], d, 0);
        count_cell(s, &row->c[5], row->src[0]);
    }
    /* bold the row(s) with the best fused metric, as the paper does */
    bold_col(t, 2, r0, t->nrows, 1);
    for (int r = r0; r < t->nrows; r++)
        if (t->row[r].c[2].bold) t->row[r].c[3].bold = t->row[r].c[4].bold = 1;
}

/* The first column and the row labels: every value with the decimals the column needs. */
static void ablation_labels(rt_table *t, const double *rowval, const char *sym_md) {
    int dec = decimals(rowval, t->nrows); /* one format for the whole column */
    for (int r = 0; r < t->nrows; r++) {
        char v[32], lab[160];
        text_fmt(v, sizeof v, "%.*f", dec, rowval[r]);
        text(&t->row[r].c[0], v, v, v);
        text_fmt(lab, sizeof lab, "%s = %s, %s", sym_md, v, t->row[r].label);
        text_fmt(t->row[r].label, sizeof t->row[r].label, "%s", lab);
    }
}

/* Tables IV (which = 0: rows by tau, mu held at its most common value) and V (which = 1). */
static int table_45(const rs_set *s, rt_table *t, const char *dataset, int which) {
    ds_info d;
    dataset_info(s, dataset, &d);
    const char *key = which ? "mu" : "tau", *sym_md = which ? "μ" : "τ", *sym_tex = which ? "$\\mu$" : "$\\tau$";
    const char *other_md = which ? "τ" : "μ", *other_tex = which ? "$\\tau$" : "$\\mu$";
    char held_md[160] = "", held_tex[200] = "";
    double rowval[RT_ROWS];
    head(t, 0, sym_md, sym_tex, key);
    head(t, 1, "Fusion", "Fusion", "fusion");
    t->align[1] = 'l';
    metric_heads(t, 2, &d, "", "", "", "", 0);
    count_head(t, 5);
    t->nslots = 1;
    text_fmt(t->key, sizeof t->key, "%s", dataset);
    for (int fi = 0; fi < 2; fi++) {
        rt_filter f = {.dataset = dataset,
                       .method = "miles",
                       .fusion = FUSIONS[fi],
                       .metrics_from = "val",
                       .ablation = 1,
                       .tau = NAN,
                       .mu = NAN};
        double held = NAN, vals[RT_ROWS];
        if (!held_value(s, &f, which, &held)) continue;
        if (which) f.tau = held;
        else f.mu = held;
        int nv = ablated_values(s, &f, which, vals, RT_ROWS);
        const char *op_md, *op_tex;
        fusion_names(FUSIONS[fi], &op_md, &op_tex);
        size_t hl = strlen(held_md);
        text_fmt(held_md + hl, sizeof held_md - hl, "%s%s = %g (%s)", hl ? ", " : "", other_md, held, op_md);
        hl = strlen(held_tex);
        text_fmt(held_tex + hl, sizeof held_tex - hl, "%s%s = %g ($%s$)", hl ? ", " : "", other_tex, held, op_tex);
        ablation_rows(s, t, f, which, &d, vals, nv, rowval);
    }
    ablation_labels(t, rowval, sym_md);
    char esc[96];
    tex_esc(esc, sizeof esc, d.label);
    text_fmt(t->caption, sizeof t->caption,
             "Sensitivity to %s on %s: MILES sweeps or runs that fix both %s and %s, at %s. Test performance in %%; "
             "the setting with the best fused result in bold. %s%s%s",
             sym_md, d.label, sym_md, other_md, held_md, SEEDS_NOTE, TIE_NOTE, SEED_SWEEP_NOTE);
    text_fmt(t->caption_tex, sizeof t->caption_tex,
             "Sensitivity to %s on %s: MILES sweeps or runs that fix both %s and %s, at %s. Test performance in "
             "\\%%; the setting with the best fused result in bold. %s%s%s",
             sym_tex, esc, sym_tex, other_tex, held_tex, SEEDS_NOTE_TEX, TIE_NOTE_TEX, SEED_SWEEP_NOTE);
    return t->nrows;
}

/* The best epoch of r's configuration: the run's, or over several seeds their mean to one decimal
 * (v in hundredths, so that rows of one seed and of several compare). */
static void epoch_cell(const rs_set *s, rt_cell *c, const rs_run *r) {
    seed_set ss;
    double sum = 0;
    int n = 0;
    if (!r) return;
    seeds_of(s, r, &ss);
    for (int i = 0; i < ss.n; i++)
        if (ss.run[i]->sum.best_epoch > 0) sum += (double)ss.run[i]->sum.best_epoch, n++;
    if (!n) return;
    char e[32];
    if (n == 1) text_fmt(e, sizeof e, "%.0f", sum);
    else text_fmt(e, sizeof e, "%.1f", sum / n);
    text(c, e, e, e);
    c->has = 1;
    c->v = llround(100 * sum / n);
}

static int table_6(const rs_set *s, rt_table *t, const char *dataset) {
    ds_info d;
    dataset_info(s, dataset, &d);
    head(t, 0, "Fusion", "Fusion", "fusion");
    head(t, 1, "u", "$\\mathbf{u}$", "u");
    t->align[0] = t->align[1] = 'l';
    metric_heads(t, 2, &d, "", "", "", "", 0);
    head(t, 5, "Epoch", "Epoch", "epoch");
    count_head(t, 6);
    t->nslots = 1;
    text_fmt(t->key, sizeof t->key, "%s", dataset);
    for (int fi = 0; fi < 2; fi++) {
        rt_filter f = {.dataset = dataset, .method = "miles", .fusion = FUSIONS[fi], .tau = NAN, .mu = NAN};
        if (!best_of(s, &f)) continue;
        int r0 = t->nrows;
        const char *op_md, *op_tex;
        fusion_names(FUSIONS[fi], &op_md, &op_tex);
        for (int k = 0; k < 2; k++) {
            rt_row *row = &t->row[t->nrows++];
            char tx[32];
            text_fmt(tx, sizeof tx, "$%s$", op_tex);
            text(&row->c[0], k ? "" : op_md, k ? "" : tx, FUSIONS[fi]);
            text(&row->c[1], k ? "Validation" : "Training", k ? "Validation" : "Training", k ? "val" : "train");
            text_fmt(row->label, sizeof row->label, "%s, u from %s", op_md, k ? "validation" : "training");
            row->rule = k == 0 && r0 > 0;
            f.metrics_from = k ? "val" : "train";
            const rs_run *r = row->src[0] = best_of(s, &f);
            metric_cells(s, &row->c[2], r, &d, 0);
            count_cell(s, &row->c[6], r);
            epoch_cell(s, &row->c[5], r);
        }
        for (int c = 2; c < 6; c++) bold_col(t, c, r0, t->nrows, c == 5 ? -1 : 1);
    }
    char esc[96];
    tex_esc(esc, sizeof esc, d.label);
    text_fmt(t->caption, sizeof t->caption,
             "MILES on %s with u computed from training vs validation metrics: test performance (%%) and the best "
             "epoch (over several seeds, their mean). Best per column in bold. %s%s%s",
             d.label, SEEDS_NOTE, TIE_NOTE, SEED_SWEEP_NOTE);
    text_fmt(t->caption_tex, sizeof t->caption_tex,
             "MILES on %s with $\\mathbf{u}$ computed from training vs validation metrics: test performance (\\%%) "
             "and the best epoch (over several seeds, their mean). Best per column in bold. %s%s%s",
             esc, SEEDS_NOTE_TEX, TIE_NOTE_TEX, SEED_SWEEP_NOTE);
    return t->nrows;
}

/* ---- writers ---- */

/* "; reseeds 1-4 (5 seeds); tied on validation with trials 3, 5" for a source line. */
static void seeds_text(const rs_set *s, const rs_run *r, char *out, size_t n) {
    seed_set ss;
    const rs_run *tied[SEEDS_MAX];
    size_t l;
    seeds_of(s, r, &ss);
    if (s->units[r->unit].seeds_only) { /* nothing selected: name every seed */
        text_fmt(out, n, "; the cell is the mean over its %d seeds: trial", ss.n);
        for (int i = 0; i < ss.n; i++) {
            l = strlen(out);
            if (ss.run[i]->reseed) text_fmt(out + l, n - l, ", reseed %d", ss.run[i]->reseed);
            else text_fmt(out + l, n - l, "%s %d", i ? "," : "", ss.run[i]->trial);
        }
        return;
    }
    if (ss.n > 1) {
        text_fmt(out, n, "; reseeds");
        for (int i = 1; i < ss.n; i++) {
            l = strlen(out);
            text_fmt(out + l, n - l, "%s %d", i > 1 ? "," : "", ss.run[i]->reseed);
        }
        l = strlen(out);
        text_fmt(out + l, n - l, " (%d seeds)", ss.n);
    }
    int k = seeds_ties(s, r, tied, SEEDS_MAX);
    for (int i = 0; i < k; i++) {
        l = strlen(out);
        text_fmt(out + l, n - l, "%s %d", i ? "," : "; tied on validation with trial", tied[i]->trial);
    }
}

static void source_line(const rs_set *s, const rs_run *r, char *out, size_t n) {
    const rs_unit *u = &s->units[r->unit];
    char trial[96] = "run";
    if (u->seeds_only)
        text_fmt(trial, sizeof trial, "a seed sweep, %d of %d trials completed; its first seed, trial %d", u->n_done,
                 u->n_trials, r->trial);
    else if (r->trial >= 0)
        text_fmt(trial, sizeof trial, "trial %d; %d of %d trials completed", r->trial, u->n_done, u->n_trials);
    char more[512] = "";
    seeds_text(s, r, more, sizeof more);
    text_fmt(out, n, "%s (%s; val %.2f at epoch %lld; config %s; commit %s%s)", r->dir, trial,
             100 * r->sum.val_metric_selected, r->sum.best_epoch,
             r->sum.config_hash[0] ? r->sum.config_hash : "unknown", r->sum.commit[0] ? r->sum.commit : "unknown",
             more);
}

static void sources(const rs_set *s, const rt_table *t, FILE *f, const char *lead, int md) {
    int any = 0;
    for (int r = 0; r < t->nrows; r++)
        for (int k = 0; k < t->nslots; k++) {
            const rs_run *x = t->row[r].src[k];
            if (!x) continue;
            if (!any++)
                fprintf(f, "%s%s\n", lead,
                        md ? "\nRuns behind the cells (best trial by validation metric):\n"
                           : "Runs behind the cells (best trial by validation metric):");
            char line[ML_PATH_MAX + 512], slot[160] = "";
            source_line(s, x, line, sizeof line);
            if (t->slot[k][0]) text_fmt(slot, sizeof slot, ", %s", t->slot[k]);
            if (md) {
                char *sp = strchr(line, ' ');
                if (sp) *sp = 0;
                fprintf(f, "- %s%s: `%s` %s\n", t->row[r].label, slot, line, sp ? sp + 1 : "");
            } else {
                fprintf(f, "%s%s%s: %s\n", lead, t->row[r].label, slot, line);
            }
        }
}

static void write_md(const rs_set *s, const rt_table *t, FILE *f) {
    fprintf(f, "**Table %s.** %s\n\n|", t->id, t->caption);
    for (int c = 0; c < t->ncols; c++)
        if (!t->csv_only[c]) fprintf(f, " %s |", t->head_md[c]);
    fprintf(f, "\n|");
    for (int c = 0; c < t->ncols; c++)
        if (!t->csv_only[c]) fprintf(f, "%s|", t->align[c] == 'l' ? ":---" : "---:");
    for (int r = 0; r < t->nrows; r++) {
        fprintf(f, "\n|");
        for (int c = 0; c < t->ncols; c++) {
            const rt_cell *x = &t->row[r].c[c];
            if (t->csv_only[c]) continue;
            const char *v = x->md[0] ? x->md : (c && t->align[c] == 'r') ? "-" : "";
            fprintf(f, x->bold ? " **%s** |" : " %s |", v);
        }
    }
    fprintf(f, "\n");
    sources(s, t, f, "", 1);
}

static void write_tex(const rs_set *s, const rt_table *t, FILE *f) {
    fprintf(f, "%% Table %s. %s\n", t->id, t->caption);
    sources(s, t, f, "% ", 0);
    fprintf(f, "\\begin{table}[t]\n\\centering\n\\caption{%s}\n\\label{tab:miles-%s%s%s}\n\\begin{tabular}{",
            t->caption_tex, t->id, t->key[0] ? "-" : "", t->key);
    for (int c = 0; c < t->ncols; c++)
        if (!t->csv_only[c]) fputc(t->align[c], f);
    fprintf(f, "}\n\\toprule\n");
    if (t->ngroups) {
        for (int g = 0, c = 1; g < t->ngroups; g++) {
            for (; c < t->group_first[g]; c++) fprintf(f, " &");
            int span = (g + 1 < t->ngroups ? t->group_first[g + 1] : t->ncols) - t->group_first[g];
            fprintf(f, " & \\multicolumn{%d}{c}{%s}", span, t->group[g]);
            c += span;
        }
        fprintf(f, " \\\\\n");
        for (int g = 0; g < t->ngroups; g++) {
            int end = g + 1 < t->ngroups ? t->group_first[g + 1] : t->ncols;
            fprintf(f, "\\cmidrule(lr){%d-%d}", t->group_first[g] + 1, end);
        }
        fprintf(f, "\n");
    }
    for (int c = 0, first = 1; c < t->ncols; c++)
        if (!t->csv_only[c]) fprintf(f, "%s%s", first-- > 0 ? "" : " & ", t->head_tex[c]);
    fprintf(f, " \\\\\n\\midrule\n");
    for (int r = 0; r < t->nrows; r++) {
        if (t->row[r].rule) fprintf(f, "\\midrule\n");
        for (int c = 0, first = 1; c < t->ncols; c++) {
            const rt_cell *x = &t->row[r].c[c];
            if (t->csv_only[c]) continue;
            const char *v = x->tex[0] ? x->tex : (c && t->align[c] == 'r') ? "-" : "";
            fprintf(f, x->bold ? "%s\\textbf{%s}" : "%s%s", first-- > 0 ? "" : " & ", v);
        }
        fprintf(f, " \\\\\n");
    }
    fprintf(f, "\\bottomrule\n\\end{tabular}\n\\end{table}\n");
}

static void write_csv(const rs_set *s, const rt_table *t, FILE *f) {
    (void)s;
    static const char *const prov[] = {"run", "config_hash", "commit"};
    for (int c = 0; c < t->ncols; c++) {
        csv_put_field(f, t->head_csv[c], c == 0);
        for (int x = 0; x < t->nx[c]; x++) {
            char h[80];
            text_fmt(h, sizeof h, "%s%s", t->head_csv[c], t->xname[c][x]);
            csv_put_field(f, h, 0);
        }
    }
    csv_put_field(f, "best", 0);
    for (int k = 0; k < t->nslots; k++)
        for (int p = 0; p < 3; p++) {
            char h[64];
            text_fmt(h, sizeof h, "%s%s%s", t->slot_csv[k], t->slot_csv[k][0] ? "_" : "", prov[p]);
            csv_put_field(f, h, 0);
        }
    fputc('\n', f);
    for (int r = 0; r < t->nrows; r++) {
        const rt_row *row = &t->row[r];
        char best[RT_COLS * 48] = "";
        for (int c = 0; c < t->ncols; c++) {
            csv_put_field(f, row->c[c].csv[0] ? row->c[c].csv : "-", c == 0);
            for (int x = 0; x < t->nx[c]; x++) csv_put_field(f, row->c[c].xv[x][0] ? row->c[c].xv[x] : "-", 0);
            if (row->c[c].bold) {
                size_t l = strlen(best);
                text_fmt(best + l, sizeof best - l, "%s%s", l ? ";" : "", t->head_csv[c]);
            }
        }
        csv_put_field(f, best, 0);
        for (int k = 0; k < t->nslots; k++) {
            const rs_run *x = row->src[k];
            csv_put_field(f, x ? x->dir : "-", 0);
            csv_put_field(f, x && x->sum.config_hash[0] ? x->sum.config_hash : "-", 0);
            csv_put_field(f, x && x->sum.commit[0] ? x->sum.commit : "-", 0);
        }
        fputc('\n', f);
    }
}

/* A table with a cell of a run scored by F1 says which average it shows (captions of tables
 * without one stay as they were). */
static void f1_note(const rs_set *s, rt_table *t, int id) {
    int any = 0;
    for (int r = 0; r < t->nrows && !any; r++)
        for (int k = 0; k < t->nslots && !any; k++)
            any = t->row[r].src[k] && !strncmp(t->row[r].src[k]->sum.metric, "f1_", 3);
    if (!any) return;
    const char *avg = summary_f1_names[s->f1 >= 0 && s->f1 < F1_COUNT ? s->f1 : 0];
    const char *pairs = id == 1 || id == 2
                            ? " Their vs columns: the paired difference in fused test F1 of that average, "
                              "F1 recomputed over each bootstrap draw's examples."
                            : "";
    size_t l = strlen(t->caption);
    text_fmt(t->caption + l, sizeof t->caption - l,
             " F1: the %s average of the per-label F1 at threshold 0.5 (`miles report --f1` selects micro, macro, "
             "weighted or samples); runs are selected on their validation task metric (train.metric) whichever is "
             "shown.%s",
             avg, pairs);
    l = strlen(t->caption_tex);
    text_fmt(t->caption_tex + l, sizeof t->caption_tex - l,
             " F1: the %s average of the per-label F1 at threshold 0.5; runs are selected on their validation task "
             "metric whichever is shown.%s",
             avg, pairs);
}

/* One table (or one part of IV-VI: a dataset) into t; 0 when it has no rows. */
static int build(const rs_set *s, rt_table *t, int id, const char *dataset) {
    memset(t, 0, sizeof *t);
    t->id = TABLE_IDS[id];
    int n;
    switch (id) {
    case 0: n = table_1(s, t); break;
    case 1: n = table_23(s, t, "concat"); break;
    case 2: n = table_23(s, t, "sum"); break;
    case 5: n = table_6(s, t, dataset); break;
    default: n = table_45(s, t, dataset, id - 3); break;
    }
    if (n) f1_note(s, t, id);
    return n;
}

static void write_table(const rs_set *s, const rt_table *t, table_format format, FILE *f) {
    if (format == TABLE_TEX) write_tex(s, t, f);
    else if (format == TABLE_CSV) write_csv(s, t, f);
    else write_md(s, t, f);
}

ml_status tables_print(const rs_set *s, int only, table_format format, FILE *f, char *err, size_t errlen) {
    rt_table *t = malloc(sizeof *t);
    if (!t) return snprintf(err, errlen, "out of memory"), ML_ERUNTIME;
    const char *ds[RT_DS];
    int printed = 0;
    for (int id = 0; id < 6; id++) {
        if (only >= 0 && id != only) continue;
        int n_parts = 1;
        if (id >= 3) { /* one table per dataset with MILES runs */
            rt_filter mf = {.method = "miles", .tau = NAN, .mu = NAN};
            n_parts = datasets_of(s, mf, ds, RT_DS);
        }
        for (int part = 0; part < n_parts; part++) {
            if (!build(s, t, id, id >= 3 ? ds[part] : NULL)) continue;
            if (printed++) fputc('\n', f);
            write_table(s, t, format, f);
        }
    }
    free(t);
    if (printed) return ML_OK;
    if (only >= 0) snprintf(err, errlen, "no runs for Table %s in the given results", TABLE_IDS[only]);
    else snprintf(err, errlen, "no completed runs in the given results");
    return ML_EINVAL;
}
