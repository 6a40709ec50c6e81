/* report.c - result directories read back (report.h) and the `miles report` command; the
 * tables themselves are built and written by report_tables.c.
 *
 * Each unit (a sweep, or a run outside a sweep) contributes its best run by validation metric;
 * a table cell shows the best of the units' best runs that fall into it. Which table a run
 * belongs to comes from its files (summary.json, and config.yaml for MILES's tau, mu and
 * metrics_from); the rules are in results/README.md ("Reports and figures").
 */
#define _POSIX_C_SOURCE 200809L
#include "analysis/report.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/config.h"
#include "core/runfiles.h"
#include "train/train.h"

int rs_fmt(char *out, size_t n, const char *fmt, ...) {
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
        rs_fmt(j->err, sizeof j->err, "expected %s at byte %ld, found '%c'", expected, (long)(j->p - j->start), c);
    else
        rs_fmt(j->err, sizeof j->err, "expected %s at byte %ld, found %s", expected, (long)(j->p - j->start), what);
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
            if (out) rs_fmt(out, n, "%s", words[w]);
            return 0;
        }
    char *end;
    errno = 0;
    (void)strtod(s, &end);
    if (end == s || !strchr("-0123456789", *s)) return js_fail(j, "a JSON value");
    j->p = end;
    *kind = 'n';
    if (out) rs_fmt(out, n, "%.*s", (int)(end - s), s);
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
                rs_fmt(j->key[slot], sizeof j->key[slot], "%s", key);
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
    rs_fmt(out, n, "%s", v ? v : "");
}

/* The tables (below). */

/* ---- scanning ---- */

static int is_file(const char *dir, const char *name) {
    char p[RS_PATH + 64];
    struct stat sb;
    rs_fmt(p, sizeof p, "%s/%s", dir, name);
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

static int join(char *out, const char *dir, const char *name) {
    int n = rs_fmt(out, RS_PATH, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name);
    return n < 0 || n >= RS_PATH;
}

/* MILES's tau, mu and metrics_from from config.yaml; left NaN/"" (with a warning) if it cannot
 * be read. */
static void read_config(rs_run *r) {
    char path[RS_PATH + 16], err[1024];
    config c;
    rs_fmt(path, sizeof path, "%s/config.yaml", r->dir);
    if (config_load(path, NULL, 0, &c, err, sizeof err)) {
        fprintf(stderr, "miles: warning: %s (its tau, mu and metrics_from are unknown)\n", err);
        return;
    }
    const cfg_value *v;
    if ((v = cfg_find(&c, "method.tau"))) r->tau = v->d;
    if ((v = cfg_find(&c, "method.mu"))) r->mu = v->d;
    if ((v = cfg_find(&c, "method.metrics_from"))) rs_fmt(r->metrics_from, sizeof r->metrics_from, "%.7s", v->s);
    if ((v = cfg_find(&c, "train.lr"))) r->lr = v->d;
    config_free(&c);
}

static int add_run(rs_set *s, const char *dir, int unit, int trial, char *err, size_t errlen) {
    if (s->n_runs == s->cap_runs) {
        int cap = s->cap_runs ? 2 * s->cap_runs : 64;
        rs_run *r = realloc(s->runs, sizeof *r * (size_t)cap);
        if (!r) return rs_fmt(err, errlen, "out of memory"), EXIT_RUNTIME;
        s->runs = r;
        s->cap_runs = cap;
    }
    rs_run *r = &s->runs[s->n_runs];
    memset(r, 0, sizeof *r);
    rs_fmt(r->dir, sizeof r->dir, "%s", dir);
    r->unit = unit;
    r->trial = trial;
    r->val_sel = r->lr = r->tau = r->mu = NAN;
    char path[RS_PATH + 16];
    rs_fmt(path, sizeof path, "%s/summary.json", dir);
    char *text = read_text_file(path);
    jsdoc *j = malloc(sizeof *j);
    if (!text || !j) {
        free(text);
        free(j);
        rs_fmt(err, errlen, "%s: cannot read: %s", path, text ? "out of memory" : strerror(errno));
        return text ? EXIT_RUNTIME : EXIT_DATA;
    }
    int bad = js_parse(j, text);
    free(text);
    if (!bad) {
        static const char *const need[] = {"status", "dataset", "method"};
        for (int i = 0; i < 3 && !bad; i++)
            if (!js_get(j, need[i], 's'))
                bad = 1, rs_fmt(j->err, sizeof j->err, "expected the string field \"%s\"", need[i]);
    }
    if (bad) {
        rs_fmt(err, errlen, "%s: corrupt summary.json: %s", path, j->err);
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
    rs_fmt(u->dir, sizeof u->dir, "%s", dir);
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
        if (u < 0) return rs_fmt(err, errlen, "out of memory"), EXIT_RUNTIME;
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
        if (!rc && nm[0] != '.' && strcmp(nm, "ckpt") && !join(sub, dir, nm) && is_directory(sub)) {
            if (in_sweep && t >= 0 && is_file(sub, "summary.json")) rc = add_run(s, sub, s->n_units - 1, t, err, errlen);
            else if (!in_sweep) rc = scan(s, sub, depth + 1, err, errlen);
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int rs_collect(rs_set *s, const char *path, char *err, size_t errlen) {
    if (!is_directory(path)) {
        rs_fmt(err, errlen, "%s: %s", path,
                 access(path, F_OK) == 0 ? "expected a results directory, found a file" : "no such directory");
        return EXIT_USAGE;
    }
    int before = s->n_runs, rc = scan(s, path, 0, err, errlen);
    if (rc) return rc;
    if (s->n_runs == before) {
        rs_fmt(err, errlen, "%s: holds no runs (no sweep trial-NNN/summary.json or run summary.json below it)", path);
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

int rs_same(double a, double b) { return (isnan(a) && isnan(b)) || fabs(a - b) <= 1e-9 * fmax(1, fabs(a)); }

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
            if (!rs_same(r->tau, first->tau)) U->tau_fixed = 0;
            if (!rs_same(r->mu, first->mu)) U->mu_fixed = 0;
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
