/* report.c - result directories read back (report.h) and `miles report`: the paper's Tables I-VI.
 *
 * Each unit (a sweep, or a run outside a sweep) contributes its best run by validation metric;
 * a table cell shows the best of the units' best runs that fall into it. Which table a run
 * belongs to comes from its files (summary.json, and config.yaml for MILES's tau, mu and
 * metrics_from); the rules are in results/README.md ("Reports and figures").
 */
#define _POSIX_C_SOURCE 200809L
#include "report.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "train.h"

/* snprintf, truncating silently: every buffer here is ample for real names and paths. */
static int sfmt(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int sfmt(char *out, size_t n, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(out, n, fmt, ap);
    va_end(ap);
    return r;
}

/* ---- summary.json: a strict reader of one JSON object (nested values are checked, skipped) ---- */

#define JS_MAX 64
typedef struct {
    const char *p, *start;
    int n;
    char key[JS_MAX][48];
    char val[JS_MAX][256];
    char kind[JS_MAX];          /* 's' string, 'n' number, 'z' null, 'b' boolean, 'x' nested */
    char err[200];
} jsdoc;

static void js_ws(jsdoc *j) {
    while (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r') j->p++;
}

static int js_fail(jsdoc *j, const char *expected) {
    const char *what = *j->p ? "another character" : "the end of the file";
    char c = *j->p;
    if (c > 0x20 && c < 0x7f)
        sfmt(j->err, sizeof j->err, "expected %s at byte %ld, found '%c'", expected, (long)(j->p - j->start), c);
    else
        sfmt(j->err, sizeof j->err, "expected %s at byte %ld, found %s", expected, (long)(j->p - j->start), what);
    return -1;
}

static int js_string(jsdoc *j, char *out, size_t n) {
    size_t k = 0;
    j->p++; /* the opening quote */
    while (*j->p != '"') {
        char c = *j->p;
        if (!c || (unsigned char)c < 0x20) return js_fail(j, "a closing '\"'");
        j->p++;
        if (c == '\\') {
            c = *j->p;
            if (c == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!strchr("0123456789abcdefABCDEF", j->p[i]) || !j->p[i]) return js_fail(j, "four hex digits");
                j->p += 5;
                c = '?';
            } else if (c && strchr("\"\\/bfnrt", c)) {
                j->p++;
                c = c == 'n' ? '\n' : c == 't' ? '\t' : (c == 'b' || c == 'f' || c == 'r') ? ' ' : c;
            } else {
                return js_fail(j, "an escape sequence");
            }
        }
        if (out && k + 1 < n) out[k++] = c;
    }
    j->p++;
    if (out) out[k] = 0;
    return 0;
}

static int js_value(jsdoc *j, int depth, char *out, size_t n, char *kind) {
    js_ws(j);
    const char *s = j->p;
    if (*s == '"') {
        *kind = 's';
        return js_string(j, out, n);
    }
    if (*s == '{' || *s == '[') {
        char close = *s == '{' ? '}' : ']', k;
        if (depth > 16) return js_fail(j, "less nesting");
        *kind = 'x';
        j->p++;
        js_ws(j);
        if (*j->p == close) return j->p++, 0;
        for (;;) {
            if (close == '}') {
                js_ws(j);
                if (*j->p != '"' || js_string(j, NULL, 0)) return *j->err ? -1 : js_fail(j, "a key string");
                js_ws(j);
                if (*j->p != ':') return js_fail(j, "':'");
                j->p++;
            }
            if (js_value(j, depth + 1, NULL, 0, &k)) return -1;
            js_ws(j);
            if (*j->p == close) return j->p++, 0;
            if (*j->p != ',') return js_fail(j, close == '}' ? "',' or '}'" : "',' or ']'");
            j->p++;
        }
    }
    static const char *const words[] = {"null", "true", "false"};
    for (int w = 0; w < 3; w++)
        if (!strncmp(s, words[w], strlen(words[w]))) {
            j->p += strlen(words[w]);
            *kind = w ? 'b' : 'z';
            if (out) sfmt(out, n, "%s", words[w]);
            return 0;
        }
    char *end;
    errno = 0;
    (void)strtod(s, &end);
    if (end == s || !strchr("-0123456789", *s)) return js_fail(j, "a JSON value");
    j->p = end;
    *kind = 'n';
    if (out) sfmt(out, n, "%.*s", (int)(end - s), s);
    return 0;
}

static int js_parse(jsdoc *j, const char *text) {
    memset(j, 0, sizeof *j);
    j->p = j->start = text;
    js_ws(j);
    if (*j->p != '{') return js_fail(j, "'{'");
    j->p++;
    js_ws(j);
    if (*j->p == '}') j->p++;
    else
        for (;;) {
            js_ws(j);
            char key[48], k;
            if (*j->p != '"') return js_fail(j, "a key string");
            if (js_string(j, key, sizeof key)) return -1;
            js_ws(j);
            if (*j->p != ':') return js_fail(j, "':'");
            j->p++;
            int slot = j->n < JS_MAX ? j->n : -1;
            if (js_value(j, 0, slot >= 0 ? j->val[slot] : NULL, 256, &k)) return -1;
            if (slot >= 0) {
                sfmt(j->key[slot], sizeof j->key[slot], "%s", key);
                j->kind[slot] = k;
                j->n++;
            }
            js_ws(j);
            if (*j->p == '}') {
                j->p++;
                break;
            }
            if (*j->p != ',') return js_fail(j, "',' or '}'");
            j->p++;
        }
    js_ws(j);
    return *j->p ? js_fail(j, "nothing after the object") : 0;
}

static const char *js_get(const jsdoc *j, const char *key, char kind) {
    for (int i = 0; i < j->n; i++)
        if (!strcmp(j->key[i], key)) return j->kind[i] == kind ? j->val[i] : NULL;
    return NULL;
}

static double js_num(const jsdoc *j, const char *key) {
    const char *v = js_get(j, key, 'n');
    return v ? strtod(v, NULL) : NAN;
}

static void js_str(const jsdoc *j, const char *key, char *out, size_t n) {
    const char *v = js_get(j, key, 's');
    sfmt(out, n, "%s", v ? v : "");
}

/* The tables (below). */
static const char *rt_dataset_strong(const char *dataset);
static int rt_table_index(const char *id);
static int rt_print(const rs_set *s, int only, const char *format, FILE *f);

/* ---- scanning ---- */

static int is_file(const char *dir, const char *name) {
    char p[RS_PATH + 64];
    struct stat sb;
    sfmt(p, sizeof p, "%s/%s", dir, name);
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

static int is_dir(const char *p) {
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static char *slurp(const char *path, long max) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = malloc((size_t)max + 1);
    size_t n = buf ? fread(buf, 1, (size_t)max, f) : 0;
    fclose(f);
    if (buf) buf[n] = 0;
    return buf;
}

static int join(char *out, const char *dir, const char *name) {
    int n = sfmt(out, RS_PATH, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name);
    return n < 0 || n >= RS_PATH;
}

/* MILES's tau, mu and metrics_from from config.yaml; left NaN/"" (with a warning) if it cannot
 * be read. */
static void read_config(rs_run *r) {
    char path[RS_PATH + 16], err[1024];
    config c;
    sfmt(path, sizeof path, "%s/config.yaml", r->dir);
    if (config_load(path, NULL, 0, &c, err, sizeof err)) {
        fprintf(stderr, "miles: warning: %s (its tau, mu and metrics_from are unknown)\n", err);
        return;
    }
    const cfg_value *v;
    if ((v = cfg_find(&c, "method.tau"))) r->tau = v->d;
    if ((v = cfg_find(&c, "method.mu"))) r->mu = v->d;
    if ((v = cfg_find(&c, "method.metrics_from"))) sfmt(r->metrics_from, sizeof r->metrics_from, "%.7s", v->s);
    if ((v = cfg_find(&c, "train.lr"))) r->lr = v->d;
    config_free(&c);
}

static int add_run(rs_set *s, const char *dir, int unit, int trial, char *err, size_t errlen) {
    if (s->n_runs == s->cap_runs) {
        int cap = s->cap_runs ? 2 * s->cap_runs : 64;
        rs_run *r = realloc(s->runs, sizeof *r * (size_t)cap);
        if (!r) return sfmt(err, errlen, "out of memory"), EXIT_RUNTIME;
        s->runs = r;
        s->cap_runs = cap;
    }
    rs_run *r = &s->runs[s->n_runs];
    memset(r, 0, sizeof *r);
    sfmt(r->dir, sizeof r->dir, "%s", dir);
    r->unit = unit;
    r->trial = trial;
    r->val_sel = r->lr = r->tau = r->mu = NAN;
    char path[RS_PATH + 16];
    sfmt(path, sizeof path, "%s/summary.json", dir);
    char *text = slurp(path, 1 << 20);
    jsdoc *j = malloc(sizeof *j);
    if (!text || !j) {
        free(text);
        free(j);
        sfmt(err, errlen, "%s: cannot read: %s", path, text ? "out of memory" : strerror(errno));
        return text ? EXIT_RUNTIME : EXIT_DATA;
    }
    int bad = js_parse(j, text);
    free(text);
    if (!bad) {
        static const char *const need[] = {"status", "dataset", "method"};
        for (int i = 0; i < 3 && !bad; i++)
            if (!js_get(j, need[i], 's'))
                bad = 1, sfmt(j->err, sizeof j->err, "expected the string field \"%s\"", need[i]);
    }
    if (bad) {
        sfmt(err, errlen, "%s: corrupt summary.json: %s", path, j->err);
        free(j);
        return EXIT_DATA;
    }
    js_str(j, "status", r->status, sizeof r->status);
    js_str(j, "dataset", r->dataset, sizeof r->dataset);
    js_str(j, "metric", r->metric, sizeof r->metric);
    js_str(j, "method", r->method, sizeof r->method);
    js_str(j, "fusion", r->fusion, sizeof r->fusion);
    js_str(j, "selection_head", r->head, sizeof r->head);
    js_str(j, "modality_a", r->mod_a, sizeof r->mod_a);
    js_str(j, "modality_b", r->mod_b, sizeof r->mod_b);
    js_str(j, "config_hash", r->hash, sizeof r->hash);
    js_str(j, "commit", r->commit, sizeof r->commit);
    double be = js_num(j, "best_epoch");
    r->best_epoch = isfinite(be) ? (int)be : -1;
    r->val_sel = js_num(j, "val_metric_selected");
    r->test[0] = js_num(j, "test_metric_fused");
    r->test[1] = js_num(j, "test_metric_a");
    r->test[2] = js_num(j, "test_metric_b");
    r->lr = js_num(j, "lr");
    free(j);
    r->usable = !strcmp(r->status, "completed") && isfinite(r->val_sel);
    if (r->usable && !strcmp(r->method, "miles")) read_config(r);
    s->n_runs++;
    return 0;
}

static int add_unit(rs_set *s, const char *dir, int is_sweep) {
    if (s->n_units == s->cap_units) {
        int cap = s->cap_units ? 2 * s->cap_units : 16;
        rs_unit *u = realloc(s->units, sizeof *u * (size_t)cap);
        if (!u) return -1;
        s->units = u;
        s->cap_units = cap;
    }
    rs_unit *u = &s->units[s->n_units];
    memset(u, 0, sizeof *u);
    sfmt(u->dir, sizeof u->dir, "%s", dir);
    u->is_sweep = is_sweep;
    u->best = -1;
    return s->n_units++;
}

static int trial_number(const char *name) {
    if (strncmp(name, "trial-", 6) || !name[6] || strspn(name + 6, "0123456789") != strlen(name + 6)) return -1;
    return atoi(name + 6);
}

static int scan(rs_set *s, const char *dir, int depth, char *err, size_t errlen) {
    if (is_file(dir, "sweep.json") || is_file(dir, "summary.json")) {
        int sweep = is_file(dir, "sweep.json");
        int u = add_unit(s, dir, sweep);
        if (u < 0) return sfmt(err, errlen, "out of memory"), EXIT_RUNTIME;
        if (!sweep) return add_run(s, dir, u, -1, err, errlen);
    }
    if (depth > 16) return 0;
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort), rc = 0;
    if (n < 0) return 0;
    int in_sweep = is_file(dir, "sweep.json");
    for (int i = 0; i < n; i++) {
        char sub[RS_PATH];
        const char *nm = names[i]->d_name;
        int t = trial_number(nm);
        if (!rc && nm[0] != '.' && strcmp(nm, "ckpt") && !join(sub, dir, nm) && is_dir(sub)) {
            if (in_sweep && t >= 0 && is_file(sub, "summary.json")) rc = add_run(s, sub, s->n_units - 1, t, err, errlen);
            else if (!in_sweep) rc = scan(s, sub, depth + 1, err, errlen);
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int rs_collect(rs_set *s, const char *path, char *err, size_t errlen) {
    if (!is_dir(path)) {
        sfmt(err, errlen, "%s: %s", path,
                 access(path, F_OK) == 0 ? "expected a results directory, found a file" : "no such directory");
        return EXIT_USAGE;
    }
    int before = s->n_runs, rc = scan(s, path, 0, err, errlen);
    if (rc) return rc;
    if (s->n_runs == before) {
        sfmt(err, errlen, "%s: holds no runs (no sweep trial-NNN/summary.json or run summary.json below it)", path);
        return EXIT_USAGE;
    }
    return 0;
}

int rs_better(const rs_run *a, const rs_run *b) {
    if (!b) return 1;
    if (a->val_sel != b->val_sel) return a->val_sel > b->val_sel;
    if (a->unit == b->unit) return a->trial < b->trial;
    return strcmp(a->dir, b->dir) < 0;
}

static int same(double a, double b) { return (isnan(a) && isnan(b)) || fabs(a - b) <= 1e-9 * fmax(1, fabs(a)); }

void rs_finish(rs_set *s) {
    for (int u = 0; u < s->n_units; u++) {
        rs_unit *U = &s->units[u];
        const rs_run *first = NULL;
        U->n_trials = U->n_done = 0;
        U->best = -1;
        U->tau_fixed = U->mu_fixed = 1;
        for (int i = 0; i < s->n_runs; i++) {
            const rs_run *r = &s->runs[i];
            if (r->unit != u) continue;
            U->n_trials++;
            if (!r->usable) continue;
            U->n_done++;
            if (!first) first = r;
            if (!same(r->tau, first->tau)) U->tau_fixed = 0;
            if (!same(r->mu, first->mu)) U->mu_fixed = 0;
            if (U->best < 0 || rs_better(r, &s->runs[U->best])) U->best = i;
        }
        if (U->best < 0)
            fprintf(stderr, "miles: warning: %s: no completed run among %d (left out)\n", U->dir, U->n_trials);
    }
}

void rs_free(rs_set *s) {
    free(s->runs);
    free(s->units);
    memset(s, 0, sizeof *s);
}

const char *rs_strong_modality(const rs_run *r) {
    const char *known = rt_dataset_strong(r->dataset);
    return known ? known : r->mod_a;
}

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

static int rt_table_index(const char *id) {
    for (int i = 0; i < 6; i++)
        if (!strcmp(id, TABLE_IDS[i])) return i;
    return -1;
}

static int ds_order(const char *name) {
    for (int i = 0; i < N_DATASETS; i++)
        if (!strcmp(name, DATASETS[i].name)) return i;
    return N_DATASETS;
}

static const char *rt_dataset_strong(const char *dataset) {
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
    sfmt(out, n, "%s", *m ? m : "?");
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
           (isnan(f->tau) || same(r->tau, f->tau)) && (isnan(f->mu) || same(r->mu, f->mu));
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
    sfmt(t->head_md[c], sizeof t->head_md[c], "%s", md);
    sfmt(t->head_tex[c], sizeof t->head_tex[c], "%s", tex);
    sfmt(t->head_csv[c], sizeof t->head_csv[c], "%s", csv);
    t->align[c] = 'r';
    if (c >= t->ncols) t->ncols = c + 1;
}

static void text(rt_cell *c, const char *md, const char *tex, const char *csv) {
    sfmt(c->md, sizeof c->md, "%s", md);
    sfmt(c->tex, sizeof c->tex, "%s", tex);
    sfmt(c->csv, sizeof c->csv, "%s", csv);
}

static long long tenths(double v) { return llround(v * 1000.0); }

static void number(rt_cell *c, long long v, int sign, const char *suffix) {
    char b[48];
    long long a = v < 0 ? -v : v;
    sfmt(b, sizeof b, "%s%lld.%lld", v < 0 ? "-" : sign && v > 0 ? "+" : "", a / 10, a % 10);
    c->has = 1;
    c->v = v;
    sfmt(c->md, sizeof c->md, "%s%s", b, suffix);
    sfmt(c->tex, sizeof c->tex, "%s%s", b, suffix);
    sfmt(c->csv, sizeof c->csv, "%s", b);
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
    sfmt(md, sizeof md, "%s%s(%c%s%c)", prefix_md, d->metric, d->s, op_md, d->w);
    sfmt(tex, sizeof tex, "$%s_{%c %s %c}$", mt, d->s, op_tex, d->w);
    sfmt(csv, sizeof csv, "%sfused", prefix_csv);
    head(t, c0, md, tex, csv);
    for (int i = 0; i < 2; i++) {
        char l = i ? d->w : d->s;
        sfmt(md, sizeof md, "%s%s(%c)", prefix_md, d->metric, l);
        sfmt(tex, sizeof tex, "$%s_{%c}$", mt, l);
        sfmt(csv, sizeof csv, "%s%s", prefix_csv, i ? d->weak : d->strong);
        head(t, c0 + 1 + i, md, tex, csv);
    }
    if (delta) {
        sfmt(md, sizeof md, "%sΔ(%c%c)", prefix_md, d->s, d->w);
        sfmt(tex, sizeof tex, "$\\Delta_{%c%c}$", d->s, d->w);
        sfmt(csv, sizeof csv, "%sdelta", prefix_csv);
        head(t, c0 + 3, md, tex, csv);
    }
}

static int table_1(const rs_set *s, rt_table *t) {
    const char *ds[RT_DS];
    rt_filter f = {.method = "unimodal", .tau = NAN, .mu = NAN};
    int n = datasets_of(s, f, ds, RT_DS);
    sfmt(t->caption, sizeof t->caption, "Test performance of the best unimodal models (A. = accuracy, F1 = F1 "
                                            "score, in %%).");
    sfmt(t->caption_tex, sizeof t->caption_tex, "Test performance of the best unimodal models (A.\\ = accuracy, "
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
    sfmt(t->slot[0], sizeof t->slot[0], "modality A");
    sfmt(t->slot[1], sizeof t->slot[1], "modality B");
    sfmt(t->slot_csv[0], sizeof t->slot_csv[0], "a");
    sfmt(t->slot_csv[1], sizeof t->slot_csv[1], "b");
    for (int i = 0; i < n; i++) {
        ds_info d;
        dataset_info(s, ds[i], &d);
        rt_row *row = &t->row[t->nrows++];
        char esc[96];
        tex_esc(esc, sizeof esc, d.label);
        text(&row->c[0], d.label, esc, ds[i]);
        sfmt(row->label, sizeof row->label, "%s", d.label);
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
    sfmt(t->caption, sizeof t->caption,
             "Test performance (%%) of the multimodal fusion %s head (%s) and each modality encoder's head, the "
             "strong modality first; Δ = strong - weak head. Best per column in bold.",
             sum ? "summation" : "concatenation", op_md);
    sfmt(t->caption_tex, sizeof t->caption_tex,
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
        sfmt(pm, sizeof pm, "%s ", d[i].label);
        sfmt(pc, sizeof pc, "%s_", ds[i]);
        metric_heads(t, 1 + 4 * i, &d[i], op_md, op_tex, pm, pc, 1);
        tex_esc(t->group[i], sizeof t->group[i], d[i].label);
        t->group_first[i] = 1 + 4 * i;
        sfmt(t->slot[i], sizeof t->slot[i], "%s", d[i].label);
        sfmt(t->slot_csv[i], sizeof t->slot_csv[i], "%s", ds[i]);
    }
    for (int m = 0; m < (int)(sizeof METHODS / sizeof METHODS[0]); m++) {
        rt_row *row = &t->row[t->nrows++];
        text(&row->c[0], METHODS[m].label, METHODS[m].label, METHODS[m].name);
        sfmt(row->label, sizeof row->label, "%s", METHODS[m].label);
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
    sfmt(t->key, sizeof t->key, "%s", dataset);
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
                if (q && matches(s, q, &f) && same(which ? q->tau : q->mu, v)) n++, b = rs_better(q, b) ? q : b;
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
            while (k < nv && !same(vals[k], v)) k++;
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
        sfmt(held_md + hl, sizeof held_md - hl, "%s%s = %g (%s)", hl ? ", " : "", other_md, held, op_md);
        hl = strlen(held_tex);
        sfmt(held_tex + hl, sizeof held_tex - hl, "%s%s = %g ($%s$)", hl ? ", " : "", other_tex, held, op_tex);
        for (int i = 0; i < nv && t->nrows < RT_ROWS; i++) {
            rt_row *row = &t->row[t->nrows++];
            char tx[32];
            rowval[t->nrows - 1] = vals[i];
            sfmt(tx, sizeof tx, "$%s$", op_tex);
            text(&row->c[1], i ? "" : op_md, i ? "" : tx, FUSIONS[fi]);
            sfmt(row->label, sizeof row->label, "%s", op_md); /* completed below */
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
        sfmt(v, sizeof v, "%.*f", dec, rowval[r]);
        text(&t->row[r].c[0], v, v, v);
        sfmt(lab, sizeof lab, "%s = %s, %s", sym_md, v, t->row[r].label);
        sfmt(t->row[r].label, sizeof t->row[r].label, "%s", lab);
    }
    char esc[96];
    tex_esc(esc, sizeof esc, d.label);
    sfmt(t->caption, sizeof t->caption,
             "Sensitivity to %s on %s: MILES sweeps or runs that fix both %s and %s, at %s. Test performance in %%; "
             "the setting with the best fused result in bold.",
             sym_md, d.label, sym_md, other_md, held_md);
    sfmt(t->caption_tex, sizeof t->caption_tex,
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
    sfmt(t->key, sizeof t->key, "%s", dataset);
    for (int fi = 0; fi < 2; fi++) {
        rt_filter f = {.dataset = dataset, .method = "miles", .fusion = FUSIONS[fi], .tau = NAN, .mu = NAN};
        if (!best_of(s, &f)) continue;
        int r0 = t->nrows;
        const char *op_md, *op_tex;
        fusion_names(FUSIONS[fi], &op_md, &op_tex);
        for (int k = 0; k < 2; k++) {
            rt_row *row = &t->row[t->nrows++];
            char tx[32];
            sfmt(tx, sizeof tx, "$%s$", op_tex);
            text(&row->c[0], k ? "" : op_md, k ? "" : tx, FUSIONS[fi]);
            text(&row->c[1], k ? "Validation" : "Training", k ? "Validation" : "Training", k ? "val" : "train");
            sfmt(row->label, sizeof row->label, "%s, u from %s", op_md, k ? "validation" : "training");
            row->rule = k == 0 && r0 > 0;
            f.metrics_from = k ? "val" : "train";
            const rs_run *r = row->src[0] = best_of(s, &f);
            metric_cells(&row->c[2], r, &d, 0);
            if (r && r->best_epoch > 0) {
                char e[16];
                sfmt(e, sizeof e, "%d", r->best_epoch);
                text(&row->c[5], e, e, e);
                row->c[5].has = 1;
                row->c[5].v = r->best_epoch;
            }
        }
        for (int c = 2; c < 6; c++) bold_col(t, c, r0, t->nrows, c == 5 ? -1 : 1);
    }
    char esc[96];
    tex_esc(esc, sizeof esc, d.label);
    sfmt(t->caption, sizeof t->caption,
             "MILES on %s with u computed from training vs validation metrics: test performance (%%) and the best "
             "epoch. Best per column in bold.", d.label);
    sfmt(t->caption_tex, sizeof t->caption_tex,
             "MILES on %s with $\\mathbf{u}$ computed from training vs validation metrics: test performance (\\%%) "
             "and the best epoch. Best per column in bold.", esc);
    return t->nrows;
}

/* ---- writers ---- */

static void source_line(const rs_set *s, const rs_run *r, char *out, size_t n) {
    const rs_unit *u = &s->units[r->unit];
    char trial[96] = "run";
    if (r->trial >= 0) sfmt(trial, sizeof trial, "trial %d; %d of %d trials completed", r->trial, u->n_done, u->n_trials);
    sfmt(out, n, "%s (%s; val %.2f at epoch %d; config %s; commit %s)", r->dir, trial, 100 * r->val_sel,
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
            if (t->slot[k][0]) sfmt(slot, sizeof slot, ", %s", t->slot[k]);
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
            sfmt(h, sizeof h, "%s%s%s", t->slot_csv[k], t->slot_csv[k][0] ? "_" : "", prov[p]);
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
                sfmt(best + l, sizeof best - l, "%s%s", l ? ";" : "", t->head_csv[c]);
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

static int rt_print(const rs_set *s, int only, const char *format, FILE *f) {
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

/* ---- the command ---- */

static const char *const usage_report =
    "usage: miles report RESULTS... [--table I|II|III|IV|V|VI] [--format md|tex|csv]\n"
    "\n"
    "Prints the paper's tables from result directories: a sweep directory (sweep.json +\n"
    "trial-NNN/), a run directory (summary.json), or any directory holding them (searched\n"
    "recursively). Each sweep contributes its best completed trial by val_metric_selected (ties:\n"
    "lowest trial number); each cell shows the best such run that belongs to it.\n"
    "  I    unimodal models (method unimodal): test metric per dataset and modality\n"
    "  II   fusion concat: methods x datasets, fused / strong / weak head and Delta = strong - weak\n"
    "  III  the same for fusion sum\n"
    "  IV   MILES tau ablation: one row per tau (units whose tau and mu are fixed, at the most\n"
    "       common mu)\n"
    "  V    MILES mu ablation: one row per mu (likewise, at the most common tau)\n"
    "  VI   MILES with u from training vs validation metrics, with the best epoch\n"
    "Without --table every table that has results is printed. Numbers are percentages with one\n"
    "decimal, the best per column in bold (md **x**, tex \\textbf{x}, csv: the column names in\n"
    "the 'best' column); every cell's run is listed under the table (csv: extra columns).\n"
    "Exit codes: 2 bad arguments, a RESULTS path missing or holding no runs; 3 a corrupt\n"
    "summary.json.\n";

int cmd_report(int argc, char **argv) {
    const char *table = NULL, *format = "md";
    const char **paths = calloc((size_t)argc + 1, sizeof *paths);
    int n_paths = 0, rc = EXIT_OK;
    if (!paths) return EXIT_RUNTIME;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_report, stdout);
            free(paths);
            return EXIT_OK;
        } else if (!strcmp(a, "--table") || !strcmp(a, "--format")) {
            if (i + 1 >= argc) {
                free(paths);
                return cli_usage_error(usage_report, "%s needs a value", a);
            }
            if (!strcmp(a, "--table")) table = argv[++i];
            else format = argv[++i];
        } else if (!strncmp(a, "--table=", 8)) {
            table = a + 8;
        } else if (!strncmp(a, "--format=", 9)) {
            format = a + 9;
        } else if (a[0] == '-' && a[1]) {
            free(paths);
            return cli_usage_error(usage_report, "unknown option %s", a);
        } else {
            paths[n_paths++] = a;
        }
    }
    if (!n_paths) rc = cli_usage_error(usage_report, "expected at least one RESULTS directory");
    else if (table && rt_table_index(table) < 0)
        rc = cli_usage_error(usage_report, "--table: expected I, II, III, IV, V or VI, found '%s'", table);
    else if (strcmp(format, "md") && strcmp(format, "tex") && strcmp(format, "csv"))
        rc = cli_usage_error(usage_report, "--format: expected md, tex or csv, found '%s'", format);
    if (rc) {
        free(paths);
        return rc;
    }
    rs_set s = {0};
    char err[2 * RS_PATH + 256];
    for (int i = 0; i < n_paths && !rc; i++) {
        rc = rs_collect(&s, paths[i], err, sizeof err);
        if (rc) fprintf(stderr, "miles: %s\n", err);
    }
    free(paths);
    if (!rc) {
        rs_finish(&s);
        rc = rt_print(&s, table ? rt_table_index(table) : -1, format, stdout);
    }
    rs_free(&s);
    return rc;
}
