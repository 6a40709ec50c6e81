/* results.c - result directories read back (results.h): scanning, reading each run, choosing
 * each unit's best run.
 */
#define _POSIX_C_SOURCE 200809L
#include "core/results.h"

#include <dirent.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/catalog.h"
#include "core/config.h"
#include "core/json.h"
#include "core/runfiles.h"

static ml_status too_long(const char *dir, const char *name, char *err, size_t errlen) {
    snprintf(err, errlen, "%.300s/%.100s: path too long (more than %d bytes)", dir, name, ML_PATH_MAX - 1);
    return ML_EINVAL;
}

/* MILES's tau, mu and metrics_from from config.yaml; left NaN/"" (with a warning) if it cannot
 * be read. */
static void read_config(const rs_set *s, rs_run *r) {
    char path[ML_PATH_MAX], err[1024];
    config c;
    int bad = path_join(path, sizeof path, r->dir, "config.yaml");
    if (bad) snprintf(err, sizeof err, "%.300s/config.yaml: path too long", r->dir);
    else bad = config_load(path, NULL, 0, &c, err, sizeof err);
    if (bad) {
        if (s->warn) fprintf(s->warn, "miles: warning: %s (its tau, mu and metrics_from are unknown)\n", err);
        return;
    }
    const cfg_value *v;
    if ((v = cfg_find(&c, "method.tau"))) r->tau = v->d;
    if ((v = cfg_find(&c, "method.mu"))) r->mu = v->d;
    if ((v = cfg_find(&c, "method.metrics_from"))) snprintf(r->metrics_from, sizeof r->metrics_from, "%.7s", v->s);
    config_free(&c);
}

/* The keys without which a run cannot be placed in any table. */
static ml_status check_required(const rs_run *r, char *err, size_t errlen) {
    static const char *const keys[] = {"status", "dataset", "method"};
    const char *vals[] = {r->sum.status, r->sum.dataset, r->sum.method};
    for (int i = 0; i < 3; i++)
        if (!vals[i][0]) {
            snprintf(err, errlen, "%.3900s/summary.json: %s: expected a non-empty string, found none", r->dir, keys[i]);
            return ML_EDATA;
        }
    return ML_OK;
}

static rs_run *new_run(rs_set *s, const char *dir, int unit, int trial, char *err, size_t errlen) {
    if (s->n_runs == s->cap_runs) {
        int cap = s->cap_runs ? 2 * s->cap_runs : 64;
        rs_run *r = realloc(s->runs, sizeof *r * (size_t)cap);
        if (!r) return snprintf(err, errlen, "out of memory"), NULL;
        s->runs = r;
        s->cap_runs = cap;
    }
    rs_run *r = &s->runs[s->n_runs];
    memset(r, 0, sizeof *r);
    snprintf(r->dir, sizeof r->dir, "%s", dir); /* callers built dir within ML_PATH_MAX */
    r->unit = unit;
    r->trial = trial;
    r->tau = r->mu = NAN;
    run_summary_init(&r->sum);
    return r;
}

static ml_status add_run(rs_set *s, const char *dir, int unit, int trial, char *err, size_t errlen) {
    rs_run *r = new_run(s, dir, unit, trial, err, errlen);
    if (!r) return ML_ERUNTIME;
    ml_status rc = run_summary_read(dir, &r->sum, NULL, err, errlen);
    if (rc == ML_OK) rc = check_required(r, err, errlen);
    if (rc != ML_OK) return rc;
    r->has_summary = 1;
    r->usable = !strcmp(r->sum.status, "completed") && isfinite(r->sum.val_metric_selected);
    if (r->usable && !strcmp(r->sum.method, "miles")) read_config(s, r);
    s->n_runs++;
    return ML_OK;
}

/* A sweep's trial directory that has no summary.json yet. */
static ml_status add_unfinished(rs_set *s, const char *dir, int unit, int trial, char *err, size_t errlen) {
    if (!new_run(s, dir, unit, trial, err, errlen)) return ML_ERUNTIME;
    s->n_runs++;
    return ML_OK;
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
    snprintf(u->dir, sizeof u->dir, "%s", dir);
    u->is_sweep = is_sweep;
    u->best = -1;
    return s->n_units++;
}

/* NNN of "trial-NNN" (digits only), or -1. */
static int trial_number(const char *name) {
    long long t;
    if (strncmp(name, "trial-", 6) || strspn(name + 6, "0123456789") != strlen(name + 6) ||
        parse_int(name + 6, 0, INT_MAX, &t))
        return -1;
    return (int)t;
}

/* K of "reseed-KK" (digits only, K >= 1), or -1. */
static int reseed_number(const char *name) {
    long long k;
    if (strncmp(name, "reseed-", 7) || !name[7] || strspn(name + 7, "0123456789") != strlen(name + 7) ||
        parse_int(name + 7, 1, INT_MAX, &k))
        return -1;
    return (int)k;
}

/* A sweep's reseed-KK/ run: listed with its unit, with the trial its trial.json names. */
static ml_status add_reseed(rs_set *s, const char *dir, int unit, int k, char *err, size_t errlen) {
    ml_status rc = add_run(s, dir, unit, -1, err, errlen);
    if (rc) return rc;
    rs_run *r = &s->runs[s->n_runs - 1];
    char path[ML_PATH_MAX], e[256];
    r->reseed = k;
    r->of_trial = -1;
    json_t *j = path_join(path, sizeof path, dir, "trial.json") ? NULL : json_load_path(path, NULL, e, sizeof e);
    if (j) r->of_trial = (int)json_get_int(j, "trial", -1);
    else if (s->warn) fprintf(s->warn, "miles: warning: %s/trial.json: cannot be read (reseed left out)\n", dir);
    json_decref(j);
    return ML_OK;
}

/* dir/name when it is a directory to look into: 1 (in sub), 0 to skip it, or a status < 0. */
static int subdir(const char *dir, const char *name, char *sub, char *err, size_t errlen) {
    if (name[0] == '.' || !strcmp(name, "ckpt")) return 0;
    /* A trailing '/' on the RESULTS argument is not doubled. */
    size_t n = strlen(dir);
    int bad =
        n && dir[n - 1] == '/' ? path_fmt(sub, ML_PATH_MAX, "%s%s", dir, name) : path_join(sub, ML_PATH_MAX, dir, name);
    if (bad) return too_long(dir, name, err, errlen);
    return is_directory(sub);
}

static ml_status scan(rs_set *s, const char *dir, int depth, char *err, size_t errlen);

/* The entries of DIR: trial-NNN/ runs of the sweep (unit `sweep`), or, outside a sweep,
 * directories to scan further. */
static ml_status scan_entries(rs_set *s, const char *dir, int sweep, int depth, char *err, size_t errlen) {
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    if (n < 0) return ML_OK;
    ml_status rc = ML_OK;
    for (int i = 0; i < n; i++) {
        char sub[ML_PATH_MAX];
        const char *nm = names[i]->d_name;
        int t = trial_number(nm), k = rc == ML_OK ? subdir(dir, nm, sub, err, errlen) : 0, rs = reseed_number(nm);
        if (k < 0) rc = (ml_status)k;
        else if (k && sweep >= 0 && rs > 0) {
            if (path_is_file(sub, "summary.json")) rc = add_reseed(s, sub, sweep, rs, err, errlen);
        } else if (k && sweep >= 0 && t >= 0) {
            if (path_is_file(sub, "summary.json")) rc = add_run(s, sub, sweep, t, err, errlen);
            else if (s->with_unfinished) rc = add_unfinished(s, sub, sweep, t, err, errlen);
        } else if (k && sweep < 0) {
            rc = scan(s, sub, depth + 1, err, errlen);
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

/* What a sweep declares it searches: the "path" of each entry of its sweep.json's "params"
 * (sweep/sweep_manifest.c writes them; a manifest without "params" searches nothing). */
static ml_status read_manifest(rs_unit *u, char *err, size_t errlen) {
    char path[ML_PATH_MAX];
    if (path_join(path, sizeof path, u->dir, "sweep.json")) return too_long(u->dir, "sweep.json", err, errlen);
    json_t *root = json_load_path(path, NULL, err, errlen);
    if (!root) return ML_EDATA;
    ml_status rc = ML_OK;
    json_t *params = json_is_object(root) ? json_object_get(root, "params") : NULL;
    if (!json_is_object(root) || (params && !json_is_array(params))) {
        snprintf(err, errlen, "%.3900s: %s", path,
                 json_is_object(root) ? "params: expected an array" : "expected an object");
        rc = ML_EDATA;
    }
    size_t seeds = 0;
    for (size_t i = 0; rc == ML_OK && params && i < json_array_size(params); i++) {
        const char *key = json_get_str(json_array_get(params, i), "path", NULL);
        if (!key) {
            snprintf(err, errlen, "%.3900s: params[%zu].path: expected a string", path, i);
            rc = ML_EDATA;
        } else if (!strcmp(key, "train.seed")) {
            seeds++;
        } else if (!strcmp(key, "method.tau")) {
            u->searches_tau = 1;
        } else if (!strcmp(key, "method.mu")) {
            u->searches_mu = 1;
        }
    }
    u->seeds_only = rc == ML_OK && seeds > 0 && seeds == json_array_size(params);
    json_decref(root);
    return rc;
}

static ml_status scan(rs_set *s, const char *dir, int depth, char *err, size_t errlen) {
    int sweep = path_is_file(dir, "sweep.json");
    if (sweep || path_is_file(dir, "summary.json")) {
        int u = add_unit(s, dir, sweep);
        if (u < 0) return snprintf(err, errlen, "out of memory"), ML_ERUNTIME;
        if (!sweep) return add_run(s, dir, u, -1, err, errlen);
        ml_status rc = read_manifest(&s->units[u], err, errlen);
        if (rc != ML_OK) return rc;
    }
    if (depth > 16) return ML_OK;
    return scan_entries(s, dir, sweep ? s->n_units - 1 : -1, depth, err, errlen);
}

/* Where each new unit's name starts: below the RESULTS argument, or, for the argument itself,
 * at its last component. */
static void name_units(rs_set *s, int first, const char *path) {
    size_t n = strlen(path), end = n, last;
    while (end > 1 && path[end - 1] == '/') end--;
    for (last = end; last > 0 && path[last - 1] != '/';) last--;
    for (int u = first; u < s->n_units; u++) {
        rs_unit *U = &s->units[u];
        size_t rel = n;
        while (U->dir[rel] == '/') rel++;
        U->rel = (int)(U->dir[rel] ? rel : last);
    }
}

ml_status rs_collect(rs_set *s, const char *path, char *err, size_t errlen) {
    if (!is_directory(path)) {
        snprintf(err, errlen, "%s: %s", path,
                 access(path, F_OK) == 0 ? "expected a results directory, found a file" : "no such directory");
        return ML_EINVAL;
    }
    if (strlen(path) >= ML_PATH_MAX) return too_long(path, "", err, errlen);
    int before = s->n_runs, units = s->n_units;
    ml_status rc = scan(s, path, 0, err, errlen);
    if (rc != ML_OK) return rc;
    if (s->n_runs == before) {
        snprintf(err, errlen, "%s: holds no runs (no sweep trial-NNN/summary.json or run summary.json below it)", path);
        return ML_EINVAL;
    }
    name_units(s, units, path);
    return ML_OK;
}

int rs_better(const rs_run *a, const rs_run *b) {
    if (!b) return 1;
    double va = a->sum.val_metric_selected, vb = b->sum.val_metric_selected;
    if (va != vb) return va > vb;
    if (a->unit == b->unit) return a->trial < b->trial;
    return strcmp(a->dir, b->dir) < 0;
}

static void finish_unit(rs_set *s, int u) {
    rs_unit *U = &s->units[u];
    int miles = 0;
    U->n_trials = U->n_done = 0;
    U->best = -1;
    for (int i = 0; i < s->n_runs; i++) {
        const rs_run *r = &s->runs[i];
        if (r->unit != u || !r->has_summary || r->reseed) continue;
        U->n_trials++;
        if (!strcmp(r->sum.method, "miles")) miles = 1;
        if (!r->usable) continue;
        U->n_done++;
        /* a seed sweep selects nothing: its first seed stands for it */
        const rs_run *b = U->best >= 0 ? &s->runs[U->best] : NULL;
        if (!b || (U->seeds_only ? r->trial < b->trial : rs_better(r, b))) U->best = i;
    }
    U->fixes_tau_mu = !U->is_sweep || (!U->searches_tau && !U->searches_mu);
    U->is_ablation = U->is_sweep && U->fixes_tau_mu && miles;
    if (U->best < 0 && s->warn)
        fprintf(s->warn, "miles: warning: %s: no completed run among %d (left out)\n", U->dir, U->n_trials);
}

void rs_finish(rs_set *s) {
    for (int u = 0; u < s->n_units; u++) finish_unit(s, u);
}

void rs_free(rs_set *s) {
    free(s->runs);
    free(s->units);
    s->runs = NULL;
    s->units = NULL;
    s->n_runs = s->cap_runs = s->n_units = s->cap_units = 0;
}

const rs_run *rs_best(const rs_set *s, int units_only, int (*keep)(const rs_run *r, const void *arg), const void *arg) {
    const rs_run *best = NULL;
    int n = units_only ? s->n_units : s->n_runs;
    for (int i = 0; i < n; i++) {
        int k = units_only ? s->units[i].best : i;
        const rs_run *r = k >= 0 ? &s->runs[k] : NULL;
        if (r && r->usable && !r->reseed && (!keep || keep(r, arg)) && rs_better(r, best)) best = r;
    }
    return best;
}

/* A seed sweep's other completed trials after OUT[0], by trial number, from OUT[n]; the new count. */
static int other_seed_trials(const rs_set *s, int u, const rs_run **out, int n, int max) {
    int first = n;
    for (int i = 0; i < s->n_runs && n < max; i++) {
        const rs_run *r = &s->runs[i];
        if (r->unit == u && !r->reseed && r->usable && r != out[0]) out[n++] = r;
    }
    for (int i = first + 1; i < n; i++)
        for (int j = i; j > first && out[j - 1]->trial > out[j]->trial; j--) {
            const rs_run *t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return n;
}

int rs_seed_runs(const rs_set *s, int u, const rs_run **out, int max) {
    const rs_run *best = s->units[u].best >= 0 ? &s->runs[s->units[u].best] : NULL;
    int n = 0;
    if (!best || max < 1) return 0;
    out[n++] = best;
    if (s->units[u].seeds_only) n = other_seed_trials(s, u, out, n, max);
    int r0 = n;
    for (int i = 0; i < s->n_runs && n < max; i++) {
        const rs_run *r = &s->runs[i];
        if (r->unit == u && r->reseed && r->usable && r->of_trial == best->trial) out[n++] = r;
    }
    for (int i = r0 + 1; i < n; i++) /* by reseed number (scandir's order puts reseed-100 before -11) */
        for (int j = i; j > r0 && out[j - 1]->reseed > out[j]->reseed; j--) {
            const rs_run *t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return n;
}

const char *rs_unit_name(const rs_unit *u) { return u->dir + u->rel; }

double rs_test_metric(const rs_set *s, const rs_run *r, int h) {
    if (strncmp(r->sum.metric, "f1_", 3) || s->f1 < 0 || s->f1 >= F1_COUNT) return r->sum.test_metric[h];
    if (!strcmp(r->sum.metric + 3, summary_f1_names[s->f1])) return r->sum.test_metric[h];
    return r->sum.test_f1[h][s->f1];
}

const char *rs_strong_modality(const rs_run *r) {
    const char *known = catalog_dataset_strong(catalog_dataset_find(r->sum.dataset));
    return known ? known : r->sum.modality_a;
}
