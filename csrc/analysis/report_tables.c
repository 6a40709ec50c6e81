/* report_tables.c - the paper's Tables I-VI as a model of cells (values, bold, the run behind
 * each cell) and its three writers: Markdown, LaTeX and CSV. The rules of which run goes into
 * which cell are in results/README.md ("Reports and figures").
 */
#define _POSIX_C_SOURCE 200809L
#include "analysis/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h" /* EXIT_*: train/train.h no longer brings them */
#include "train/train.h"

/* ---- tables: a model (cells, headers, the run behind each cell) and three writers ---- */

static const struct {
    const char *name, *label, *strong;
} DATASETS[] = {{"cremad", "CREMA-D", "audio"}, {"crema_d", "CREMA-D", "audio"}, {"smnist", "S-MNIST", "image"},
                {"luma", "LUMA", "audio"},      {"mmimdb", "MM-IMDb", "text"},   {"mm_imdb", "MM-IMDb", "text"}};
#define N_DATASETS (int)(sizeof DATASETS / sizeof DATASETS[0])

static const struct {
    const char *name, *label;
} METHODS[] = {{"vanilla", "Vanilla"}, {"mslr_keep", "+ MSLR-K"}, {"mslr_smooth", "+ MSLR-S"},
               {"mslr_dynamic", "+ MSLR-D"}, {"ogm", "+ OGM"}, {"ogm_ge", "+ OGM-GE"},
               {"mses", "+ MSES"}, {"gblend", "+ G-Blend"}, {"miles", "+ MILES"}};

static const char *const TABLE_IDS[] = {"I", "II", "III", "IV", "V", "VI"};

int rt_table_index(const char *id) {
    for (int i = 0; i < 6; i++)
        if (!strcmp(id, TABLE_IDS[i])) return i;
    return -1;
}

static int ds_order(const char *name) {
    for (int i = 0; i < N_DATASETS; i++)
        if (!strcmp(name, DATASETS[i].name)) return i;
    return N_DATASETS;
}

const char *rt_dataset_strong(const char *dataset) {
    int i = ds_order(dataset);
    return i < N_DATASETS ? DATASETS[i].strong : NULL;
}

#define RT_COLS 40
#define RT_ROWS 64
#define RT_SLOTS 8
#define RT_DS 8

typedef struct {
    char md[48], tex[96], csv[48];
    int has, bold;
    long long v;                    /* tenths of a percent (or the epoch) behind md/tex/csv */
} rt_cell;

typedef struct {
    rt_cell c[RT_COLS];
    const rs_run *src[RT_SLOTS];
    char label[96];                 /* names the row in the list of runs */
    int rule;                       /* a rule above this row (a new fusion group) */
} rt_row;

typedef struct {
    const char *id;
    char key[32];                   /* label suffix for several tables of one id (a dataset) */
    char caption[512], caption_tex[512];
    int ncols, csv_only[RT_COLS];
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
    char strong_l[24], weak_l[24];  /* capitalised modality names */
    char s, w;                      /* their letters */
} ds_info;

static void capital(char *out, size_t n, const char *m) {
    rs_fmt(out, n, "%s", *m ? m : "?");
    if (out[0] >= 'a' && out[0] <= 'z') out[0] = (char)(out[0] - 'a' + 'A');
}

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
    int i = ds_order(name);
    d->label = i < N_DATASETS ? DATASETS[i].label : name;
    d->strong = d->weak = "";
    d->metric = "Acc";
    for (int r = 0; r < s->n_runs; r++) {
        const rs_run *x = &s->runs[r];
        if (strcmp(x->dataset, name) || !x->mod_a[0]) continue;
        d->strong = rs_strong_modality(x);
        d->weak = strcmp(d->strong, x->mod_a) ? x->mod_a : x->mod_b;
        if (!strncmp(x->metric, "f1", 2)) d->metric = "F1";
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
    int ablation;                   /* 1: only units whose tau and mu are both fixed */
    double tau, mu;                 /* NaN: any */
} rt_filter;

static int matches(const rs_set *s, const rs_run *r, const rt_filter *f) {
    const char *mf = r->metrics_from[0] ? r->metrics_from : "val";
    const rs_unit *u = &s->units[r->unit];
    return (!f->dataset || !strcmp(r->dataset, f->dataset)) && (!f->method || !strcmp(r->method, f->method)) &&
           (!f->fusion || !strcmp(r->fusion, f->fusion)) && (!f->head || !strcmp(r->head, f->head)) &&
           (!f->metrics_from || !strcmp(mf, f->metrics_from)) && (!f->ablation || (u->tau_fixed && u->mu_fixed)) &&
           (isnan(f->tau) || rs_same(r->tau, f->tau)) && (isnan(f->mu) || rs_same(r->mu, f->mu));
}

static const rs_run *best_of(const rs_set *s, const rt_filter *f) {
    const rs_run *best = NULL;
    for (int u = 0; u < s->n_units; u++) {
        const rs_run *r = s->units[u].best >= 0 ? &s->runs[s->units[u].best] : NULL;
        if (r && matches(s, r, f) && rs_better(r, best)) best = r;
    }
    return best;
}

/* The datasets of the runs that pass f (the dataset itself not filtered), in the paper's order. */
static int datasets_of(const rs_set *s, rt_filter f, const char **out, int max) {
    int n = 0;
    f.dataset = NULL;
    for (int u = 0; u < s->n_units; u++) {
        const rs_run *r = s->units[u].best >= 0 ? &s->runs[s->units[u].best] : NULL;
        if (!r || !matches(s, r, &f)) continue;
        int k = 0;
        while (k < n && strcmp(out[k], r->dataset)) k++;
        if (k < n) continue;
        if (n == max) {
            fprintf(stderr, "miles: warning: more than %d datasets; %s left out\n", max, r->dataset);
            continue;
        }
        out[n++] = r->dataset;
    }
    for (int i = 1; i < n; i++) /* insertion sort: paper order, then by name */
        for (int j = i; j > 0; j--) {
            int a = ds_order(out[j - 1]), b = ds_order(out[j]);
            if (a < b || (a == b && strcmp(out[j - 1], out[j]) <= 0)) break;
            const char *t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return n;
}

static void head(rt_table *t, int c, const char *md, const char *tex, const char *csv) {
    rs_fmt(t->head_md[c], sizeof t->head_md[c], "%s", md);
    rs_fmt(t->head_tex[c], sizeof t->head_tex[c], "%s", tex);
    rs_fmt(t->head_csv[c], sizeof t->head_csv[c], "%s", csv);
    t->align[c] = 'r';
    if (c >= t->ncols) t->ncols = c + 1;
}

static void text(rt_cell *c, const char *md, const char *tex, const char *csv) {
    rs_fmt(c->md, sizeof c->md, "%s", md);
    rs_fmt(c->tex, sizeof c->tex, "%s", tex);
    rs_fmt(c->csv, sizeof c->csv, "%s", csv);
}

static long long tenths(double v) { return llround(v * 1000.0); }

static void number(rt_cell *c, long long v, int sign, const char *suffix) {
    char b[48];
    long long a = v < 0 ? -v : v;
    rs_fmt(b, sizeof b, "%s%lld.%lld", v < 0 ? "-" : sign && v > 0 ? "+" : "", a / 10, a % 10);
    c->has = 1;
    c->v = v;
    rs_fmt(c->md, sizeof c->md, "%s%s", b, suffix);
    rs_fmt(c->tex, sizeof c->tex, "%s%s", b, suffix);
    rs_fmt(c->csv, sizeof c->csv, "%s", b);
}

/* The fused, strong and weak test metrics of r into cells c[0..2] (and Delta into c[3] if asked). */
static void metric_cells(rt_cell *c, const rs_run *r, const ds_info *d, int delta) {
    if (!r) return;
    int sa = !strcmp(d->strong, r->mod_a);
    double v[3] = {r->test[0], r->test[sa ? 1 : 2], r->test[sa ? 2 : 1]};
    for (int i = 0; i < 3; i++)
        if (isfinite(v[i])) number(&c[i], tenths(v[i]), 0, "");
    if (delta && c[1].has && c[2].has) number(&c[3], c[1].v - c[2].v, 1, "");
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
    rs_fmt(md, sizeof md, "%s%s(%c%s%c)", prefix_md, d->metric, d->s, op_md, d->w);
    rs_fmt(tex, sizeof tex, "$%s_{%c %s %c}$", mt, d->s, op_tex, d->w);
    rs_fmt(csv, sizeof csv, "%sfused", prefix_csv);
    head(t, c0, md, tex, csv);
    for (int i = 0; i < 2; i++) {
        char l = i ? d->w : d->s;
        rs_fmt(md, sizeof md, "%s%s(%c)", prefix_md, d->metric, l);
        rs_fmt(tex, sizeof tex, "$%s_{%c}$", mt, l);
        rs_fmt(csv, sizeof csv, "%s%s", prefix_csv, i ? d->weak : d->strong);
        head(t, c0 + 1 + i, md, tex, csv);
    }
    if (delta) {
        rs_fmt(md, sizeof md, "%sΔ(%c%c)", prefix_md, d->s, d->w);
        rs_fmt(tex, sizeof tex, "$\\Delta_{%c%c}$", d->s, d->w);
        rs_fmt(csv, sizeof csv, "%sdelta", prefix_csv);
        head(t, c0 + 3, md, tex, csv);
    }
}

static int table_1(const rs_set *s, rt_table *t) {
    const char *ds[RT_DS];
    rt_filter f = {.method = "unimodal", .tau = NAN, .mu = NAN};
    int n = datasets_of(s, f, ds, RT_DS);
    rs_fmt(t->caption, sizeof t->caption, "Test performance of the best unimodal models (A. = accuracy, F1 = F1 "
                                            "score, in %%).");
    rs_fmt(t->caption_tex, sizeof t->caption_tex, "Test performance of the best unimodal models (A.\\ = accuracy, "
                                                    "F1 = F1 score, in \\%%).");
    head(t, 0, "Dataset", "Dataset", "dataset");
    head(t, 1, "Modality A", "Modality A", "modality_a");
    head(t, 2, "Performance", "Performance", "performance_a");
    head(t, 3, "Modality B", "Modality B", "modality_b");
    head(t, 4, "Performance", "Performance", "performance_b");
    head(t, 5, "", "", "metric");
    t->csv_only[5] = 1;
    t->align[0] = t->align[1] = t->align[3] = 'l';
    t->nslots = 2;
    rs_fmt(t->slot[0], sizeof t->slot[0], "modality A");
    rs_fmt(t->slot[1], sizeof t->slot[1], "modality B");
    rs_fmt(t->slot_csv[0], sizeof t->slot_csv[0], "a");
    rs_fmt(t->slot_csv[1], sizeof t->slot_csv[1], "b");
    for (int i = 0; i < n; i++) {
        ds_info d;
        dataset_info(s, ds[i], &d);
        rt_row *row = &t->row[t->nrows++];
        char esc[96];
        tex_esc(esc, sizeof esc, d.label);
        text(&row->c[0], d.label, esc, ds[i]);
        rs_fmt(row->label, sizeof row->label, "%s", d.label);
        const char *suffix = strcmp(d.metric, "F1") ? " A." : " F1";
        text(&row->c[5], "", "", strcmp(d.metric, "F1") ? "accuracy" : "f1");
        for (int m = 0; m < 2; m++) {
            f.dataset = ds[i];
            f.head = m ? "b" : "a";
            const rs_run *r = row->src[m] = best_of(s, &f);
            char lab[24];
            capital(lab, sizeof lab, r ? (m ? r->mod_b : r->mod_a) : "-");
            text(&row->c[1 + 2 * m], lab, lab, r ? (m ? r->mod_b : r->mod_a) : "-");
            if (r && isfinite(r->test[1 + m])) number(&row->c[2 + 2 * m], tenths(r->test[1 + m]), 0, suffix);
        }
    }
    return n;
}

static int table_23(const rs_set *s, rt_table *t, const char *fusion) {
    const char *ds[RT_DS], *op_md, *op_tex;
    rt_filter f = {.fusion = fusion, .tau = NAN, .mu = NAN};
    int n = 0, sum = !strcmp(fusion, "sum");
    fusion_names(fusion, &op_md, &op_tex);
    for (int m = 0; m < (int)(sizeof METHODS / sizeof METHODS[0]); m++) { /* datasets of any method */
        const char *more[RT_DS];
        f.method = METHODS[m].name;
        int k = datasets_of(s, f, more, RT_DS);
        for (int i = 0; i < k; i++) {
            int j = 0;
            while (j < n && strcmp(ds[j], more[i])) j++;
            if (j == n && n < RT_DS) ds[n++] = more[i];
        }
    }
    for (int i = 1; i < n; i++) /* paper order */
        for (int j = i; j > 0 && (ds_order(ds[j - 1]) > ds_order(ds[j]) ||
                                  (ds_order(ds[j - 1]) == ds_order(ds[j]) && strcmp(ds[j - 1], ds[j]) > 0)); j--) {
            const char *x = ds[j];
            ds[j] = ds[j - 1];
            ds[j - 1] = x;
        }
    rs_fmt(t->caption, sizeof t->caption,
             "Test performance (%%) of the multimodal fusion %s head (%s) and each modality encoder's head, the "
             "strong modality first; Δ = strong - weak head. Best per column in bold.",
             sum ? "summation" : "concatenation", op_md);
    rs_fmt(t->caption_tex, sizeof t->caption_tex,
             "Test performance (\\%%) of the multimodal fusion %s head ($%s$) and each modality encoder's head, the "
             "strong modality first; $\\Delta$ = strong $-$ weak head. Best per column in bold.",
             sum ? "summation" : "concatenation", op_tex);
    head(t, 0, "Model", "Model", "model");
    t->align[0] = 'l';
    t->ngroups = t->nslots = n;
    ds_info d[RT_DS];
    for (int i = 0; i < n; i++) {
        dataset_info(s, ds[i], &d[i]);
        char pm[48], pc[48];
        rs_fmt(pm, sizeof pm, "%s ", d[i].label);
        rs_fmt(pc, sizeof pc, "%s_", ds[i]);
        metric_heads(t, 1 + 4 * i, &d[i], op_md, op_tex, pm, pc, 1);
        tex_esc(t->group[i], sizeof t->group[i], d[i].label);
        t->group_first[i] = 1 + 4 * i;
        rs_fmt(t->slot[i], sizeof t->slot[i], "%s", d[i].label);
        rs_fmt(t->slot_csv[i], sizeof t->slot_csv[i], "%s", ds[i]);
    }
    for (int m = 0; m < (int)(sizeof METHODS / sizeof METHODS[0]); m++) {
        rt_row *row = &t->row[t->nrows++];
        text(&row->c[0], METHODS[m].label, METHODS[m].label, METHODS[m].name);
        rs_fmt(row->label, sizeof row->label, "%s", METHODS[m].label);
        f.method = METHODS[m].name;
        f.metrics_from = strcmp(f.method, "miles") ? NULL : "val"; /* u from training: Table VI */
        for (int i = 0; i < n; i++) {
            f.dataset = ds[i];
            row->src[i] = best_of(s, &f);
            metric_cells(&row->c[1 + 4 * i], row->src[i], &d[i], 1);
        }
    }
    for (int c = 1; c < t->ncols; c++) bold_col(t, c, 0, t->nrows, (c - 1) % 4 == 3 ? 2 : 1);
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
    t->nslots = 1;
    rs_fmt(t->key, sizeof t->key, "%s", dataset);
    for (int fi = 0; fi < 2; fi++) {
        rt_filter f = {.dataset = dataset, .method = "miles", .fusion = FUSIONS[fi], .metrics_from = "val",
                       .ablation = 1, .tau = NAN, .mu = NAN};
        /* the other key's most common value among the units (ties: that of the better run) */
        double held = NAN;
        int held_n = 0;
        const rs_run *held_r = NULL;
        for (int u = 0; u < s->n_units; u++) {
            const rs_run *r = s->units[u].best >= 0 ? &s->runs[s->units[u].best] : NULL;
            if (!r || !matches(s, r, &f)) continue;
            double v = which ? r->tau : r->mu;
            int n = 0;
            const rs_run *b = NULL;
            for (int w = 0; w < s->n_units; w++) {
                const rs_run *q = s->units[w].best >= 0 ? &s->runs[s->units[w].best] : NULL;
                if (q && matches(s, q, &f) && rs_same(which ? q->tau : q->mu, v)) n++, b = rs_better(q, b) ? q : b;
            }
            if (n > held_n || (n == held_n && rs_better(b, held_r))) held = v, held_n = n, held_r = b;
        }
        if (!held_n) continue;
        if (which) f.tau = held;
        else f.mu = held;
        double vals[RT_ROWS];
        int nv = 0;
        for (int u = 0; u < s->n_units; u++) {
            const rs_run *r = s->units[u].best >= 0 ? &s->runs[s->units[u].best] : NULL;
            if (!r || !matches(s, r, &f)) continue;
            double v = which ? r->mu : r->tau;
            int k = 0;
            while (k < nv && !rs_same(vals[k], v)) k++;
            if (k == nv && nv < RT_ROWS) vals[nv++] = v;
        }
        for (int i = 1; i < nv; i++) /* descending, as the paper */
            for (int j = i; j > 0 && vals[j - 1] < vals[j]; j--) {
                double x = vals[j];
                vals[j] = vals[j - 1];
                vals[j - 1] = x;
            }
        int r0 = t->nrows;
        const char *op_md, *op_tex;
        fusion_names(FUSIONS[fi], &op_md, &op_tex);
        size_t hl = strlen(held_md);
        rs_fmt(held_md + hl, sizeof held_md - hl, "%s%s = %g (%s)", hl ? ", " : "", other_md, held, op_md);
        hl = strlen(held_tex);
        rs_fmt(held_tex + hl, sizeof held_tex - hl, "%s%s = %g ($%s$)", hl ? ", " : "", other_tex, held, op_tex);
        for (int i = 0; i < nv && t->nrows < RT_ROWS; i++) {
            rt_row *row = &t->row[t->nrows++];
            char tx[32];
            rowval[t->nrows - 1] = vals[i];
            rs_fmt(tx, sizeof tx, "$%s$", op_tex);
            text(&row->c[1], i ? "" : op_md, i ? "" : tx, FUSIONS[fi]);
            rs_fmt(row->label, sizeof row->label, "%s", op_md); /* completed below */
            row->rule = i == 0 && r0 > 0;
            if (which) f.mu = vals[i];
            else f.tau = vals[i];
            row->src[0] = best_of(s, &f);
            metric_cells(&row->c[2], row->src[0], &d, 0);
        }
        /* bold the row(s) with the best fused metric, as the paper does */
        bold_col(t, 2, r0, t->nrows, 1);
        for (int r = r0; r < t->nrows; r++)
            if (t->row[r].c[2].bold) t->row[r].c[3].bold = t->row[r].c[4].bold = 1;
    }
    int dec = decimals(rowval, t->nrows); /* one format for the whole column */
    for (int r = 0; r < t->nrows; r++) {
        char v[32], lab[96];
        rs_fmt(v, sizeof v, "%.*f", dec, rowval[r]);
        text(&t->row[r].c[0], v, v, v);
        rs_fmt(lab, sizeof lab, "%s = %s, %s", sym_md, v, t->row[r].label);
        rs_fmt(t->row[r].label, sizeof t->row[r].label, "%s", lab);
    }
    char esc[96];
    tex_esc(esc, sizeof esc, d.label);
    rs_fmt(t->caption, sizeof t->caption,
             "Sensitivity to %s on %s: MILES sweeps or runs that fix both %s and %s, at %s. Test performance in %%; "
             "the setting with the best fused result in bold.",
             sym_md, d.label, sym_md, other_md, held_md);
    rs_fmt(t->caption_tex, sizeof t->caption_tex,
             "Sensitivity to %s on %s: MILES sweeps or runs that fix both %s and %s, at %s. Test performance in "
             "\\%%; the setting with the best fused result in bold.",
             sym_tex, esc, sym_tex, other_tex, held_tex);
    return t->nrows;
}

static int table_6(const rs_set *s, rt_table *t, const char *dataset) {
    ds_info d;
    dataset_info(s, dataset, &d);
    head(t, 0, "Fusion", "Fusion", "fusion");
    head(t, 1, "u", "$\\mathbf{u}$", "u");
    t->align[0] = t->align[1] = 'l';
    metric_heads(t, 2, &d, "", "", "", "", 0);
    head(t, 5, "Epoch", "Epoch", "epoch");
    t->nslots = 1;
    rs_fmt(t->key, sizeof t->key, "%s", dataset);
    for (int fi = 0; fi < 2; fi++) {
        rt_filter f = {.dataset = dataset, .method = "miles", .fusion = FUSIONS[fi], .tau = NAN, .mu = NAN};
        if (!best_of(s, &f)) continue;
        int r0 = t->nrows;
        const char *op_md, *op_tex;
        fusion_names(FUSIONS[fi], &op_md, &op_tex);
        for (int k = 0; k < 2; k++) {
            rt_row *row = &t->row[t->nrows++];
            char tx[32];
            rs_fmt(tx, sizeof tx, "$%s$", op_tex);
            text(&row->c[0], k ? "" : op_md, k ? "" : tx, FUSIONS[fi]);
            text(&row->c[1], k ? "Validation" : "Training", k ? "Validation" : "Training", k ? "val" : "train");
            rs_fmt(row->label, sizeof row->label, "%s, u from %s", op_md, k ? "validation" : "training");
            row->rule = k == 0 && r0 > 0;
            f.metrics_from = k ? "val" : "train";
            const rs_run *r = row->src[0] = best_of(s, &f);
            metric_cells(&row->c[2], r, &d, 0);
            if (r && r->best_epoch > 0) {
                char e[16];
                rs_fmt(e, sizeof e, "%d", r->best_epoch);
                text(&row->c[5], e, e, e);
                row->c[5].has = 1;
                row->c[5].v = r->best_epoch;
            }
        }
        for (int c = 2; c < 6; c++) bold_col(t, c, r0, t->nrows, c == 5 ? -1 : 1);
    }
    char esc[96];
    tex_esc(esc, sizeof esc, d.label);
    rs_fmt(t->caption, sizeof t->caption,
             "MILES on %s with u computed from training vs validation metrics: test performance (%%) and the best "
             "epoch. Best per column in bold.", d.label);
    rs_fmt(t->caption_tex, sizeof t->caption_tex,
             "MILES on %s with $\\mathbf{u}$ computed from training vs validation metrics: test performance (\\%%) "
             "and the best epoch. Best per column in bold.", esc);
    return t->nrows;
}

/* ---- writers ---- */

static void source_line(const rs_set *s, const rs_run *r, char *out, size_t n) {
    const rs_unit *u = &s->units[r->unit];
    char trial[96] = "run";
    if (r->trial >= 0) rs_fmt(trial, sizeof trial, "trial %d; %d of %d trials completed", r->trial, u->n_done, u->n_trials);
    rs_fmt(out, n, "%s (%s; val %.2f at epoch %d; config %s; commit %s)", r->dir, trial, 100 * r->val_sel,
             r->best_epoch, r->hash[0] ? r->hash : "unknown", r->commit[0] ? r->commit : "unknown");
}

static void sources(const rs_set *s, const rt_table *t, FILE *f, const char *lead, int md) {
    int any = 0;
    for (int r = 0; r < t->nrows; r++)
        for (int k = 0; k < t->nslots; k++) {
            const rs_run *x = t->row[r].src[k];
            if (!x) continue;
            if (!any++)
                fprintf(f, "%s%s\n", lead, md ? "\nRuns behind the cells (best trial by validation metric):\n"
                                              : "Runs behind the cells (best trial by validation metric):");
            char line[2 * RS_PATH], slot[160] = "";
            source_line(s, x, line, sizeof line);
            if (t->slot[k][0]) rs_fmt(slot, sizeof slot, ", %s", t->slot[k]);
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
    fprintf(f, "\\begin{table}[t]\n\\centering\n\\caption{%s}\n\\label{tab:miles-%s%s%s}\n\\begin{tabular}{", t->caption_tex,
            t->id, t->key[0] ? "-" : "", t->key);
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

static void csv_field(FILE *f, const char *v, int first) {
    if (!first) fputc(',', f);
    if (!strpbrk(v, ",\"\n")) {
        fputs(v, f);
        return;
    }
    fputc('"', f);
    for (; *v; v++) {
        if (*v == '"') fputc('"', f);
        fputc(*v, f);
    }
    fputc('"', f);
}

static void write_csv(const rs_set *s, const rt_table *t, FILE *f) {
    (void)s;
    static const char *const prov[] = {"run", "config_hash", "commit"};
    for (int c = 0; c < t->ncols; c++) csv_field(f, t->head_csv[c], c == 0);
    csv_field(f, "best", 0);
    for (int k = 0; k < t->nslots; k++)
        for (int p = 0; p < 3; p++) {
            char h[64];
            rs_fmt(h, sizeof h, "%s%s%s", t->slot_csv[k], t->slot_csv[k][0] ? "_" : "", prov[p]);
            csv_field(f, h, 0);
        }
    fputc('\n', f);
    for (int r = 0; r < t->nrows; r++) {
        const rt_row *row = &t->row[r];
        char best[RT_COLS * 48] = "";
        for (int c = 0; c < t->ncols; c++) {
            csv_field(f, row->c[c].csv[0] ? row->c[c].csv : "-", c == 0);
            if (row->c[c].bold) {
                size_t l = strlen(best);
                rs_fmt(best + l, sizeof best - l, "%s%s", l ? ";" : "", t->head_csv[c]);
            }
        }
        csv_field(f, best, 0);
        for (int k = 0; k < t->nslots; k++) {
            const rs_run *x = row->src[k];
            csv_field(f, x ? x->dir : "-", 0);
            csv_field(f, x && x->hash[0] ? x->hash : "-", 0);
            csv_field(f, x && x->commit[0] ? x->commit : "-", 0);
        }
        fputc('\n', f);
    }
}

int rt_print(const rs_set *s, int only, const char *format, FILE *f) {
    rt_table *t = malloc(sizeof *t);
    if (!t) return fprintf(stderr, "miles: out of memory\n"), EXIT_RUNTIME;
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
            memset(t, 0, sizeof *t);
            t->id = TABLE_IDS[id];
            int have = id == 0   ? table_1(s, t)
                       : id == 1 ? table_23(s, t, "concat")
                       : id == 2 ? table_23(s, t, "sum")
                       : id == 5 ? table_6(s, t, ds[part])
                                 : table_45(s, t, ds[part], id - 3);
            if (!have) continue;
            if (printed++) fputc('\n', f);
            if (!strcmp(format, "tex")) write_tex(s, t, f);
            else if (!strcmp(format, "csv")) write_csv(s, t, f);
            else write_md(s, t, f);
        }
    }
    free(t);
    if (!printed) {
        if (only >= 0) fprintf(stderr, "miles: no runs for Table %s in the given results\n", TABLE_IDS[only]);
        else fprintf(stderr, "miles: no completed runs in the given results\n");
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

