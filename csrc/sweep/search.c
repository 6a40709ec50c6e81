/* search.c - the `search:` block of an experiment file: parsing, the per-trial draws, and the
 * canonical description of a space (see search.h for the syntax).
 *
 * Draws. Trial i's value of the parameter at key path P is a function of (seed, i, P) only:
 *
 *   h = splitmix64(splitmix64(splitmix64(seed) ^ i) ^ fnv1a64(P))
 *   u = (h >> 11) * 2^-53                                   in [0, 1)
 *   uniform [lo, hi]     lo + u * (hi - lo)
 *   loguniform [lo, hi]  exp(log lo + u * (log hi - log lo))     (lo, hi raw values, 0 < lo)
 *   int [lo, hi]         lo + floor(u * (hi - lo + 1))           (both bounds inclusive)
 *   choice [v0, ...]     v[floor(u * n)]
 *
 * splitmix64 is Steele, Lea and Flood's finaliser (core/util.h; java.util.SplittableRandom's);
 * fnv1a64 is FNV-1a with the 64-bit offset basis and prime. Adding, removing or reordering
 * parameters changes no other parameter's draws. Numbers are written with %.6g (the shortest
 * exact text instead when %.6g would leave [lo, hi]); that text is both what `--dry-run`
 * prints and the value the trial trains with.
 *
 * Here only the space's own structure is checked (kinds, bounds, key paths and their types);
 * whether each drawn value is valid for the configuration (ranges, method.* keys belonging to
 * method.name, a choice's type) is checked by sweep_validate.c, which loads every trial's
 * configuration with config_load.
 */
#define _POSIX_C_SOURCE 200809L
#include "sweep/search.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/config.h"
#include "core/util.h"

#define MAX_FILE_BYTES (1 << 20)

/* ---- the draw ------------------------------------------------------------------------------ */

static uint64_t fnv1a64(const char *s) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

static double unit_draw(unsigned long long seed, int trial, const char *path) {
    uint64_t h = splitmix64(splitmix64(splitmix64((uint64_t)seed) ^ (uint64_t)(unsigned)trial) ^ fnv1a64(path));
    return (double)(h >> 11) * (1.0 / 9007199254740992.0);
}

/* %.6g, unless its rounding leaves [lo, hi]. */
static void fmt_draw(double x, double lo, double hi, char *out, size_t len) {
    snprintf(out, len, "%.6g", x);
    double back = strtod(out, NULL);
    if (back < lo || back > hi) format_double(out, len, x);
}

int search_trial_sets(const search_space *sp, int trial, char sets[][SEARCH_SET_LEN], int *n) {
    *n = 0;
    if (!sp || trial < 0) return -1;
    for (int k = 0; k < sp->n; k++) {
        const search_param *p = &sp->p[k];
        double u = unit_draw(sp->seed, trial, p->path);
        char val[SEARCH_SET_LEN - 130];
        switch (p->kind) {
        case SEARCH_UNIFORM: {
            volatile double t = u * (p->hi - p->lo); /* no fused multiply-add: the same on every machine */
            double v = p->lo + t;
            if (v > p->hi) v = p->hi;
            fmt_draw(v, p->lo, p->hi, val, sizeof val);
            break;
        }
        case SEARCH_LOGUNIFORM: {
            double a = log(p->lo), b = log(p->hi);
            volatile double t = u * (b - a);
            double v = exp(a + t);
            if (v < p->lo) v = p->lo;
            if (v > p->hi) v = p->hi;
            fmt_draw(v, p->lo, p->hi, val, sizeof val);
            break;
        }
        case SEARCH_INT: {
            double span = p->hi - p->lo + 1.0;
            long long k = (long long)floor(u * span);
            if (k > (long long)(p->hi - p->lo)) k = (long long)(p->hi - p->lo);
            snprintf(val, sizeof val, "%lld", (long long)p->lo + k);
            break;
        }
        case SEARCH_CHOICE: {
            int k = (int)floor(u * p->n_choices);
            if (k >= p->n_choices) k = p->n_choices - 1;
            snprintf(val, sizeof val, "%s", p->choices[k]);
            break;
        }
        }
        snprintf(sets[*n], SEARCH_SET_LEN, "%s=%s", p->path, val);
        (*n)++;
    }
    return 0;
}

/* ---- description ----------------------------------------------------------------------------- */

static const char *const kind_names[] = {"uniform", "loguniform", "int", "choice"};

static int by_path(const void *a, const void *b) {
    return strcmp((*(const search_param *const *)a)->path, (*(const search_param *const *)b)->path);
}

/* "trials=80 seed=0 params: method.tau uniform [0, 0.5]; train.lr loguniform [0.0001, 0.01]"
 * with the parameters sorted by key path (their order in the file does not matter). */
void search_describe(const search_space *sp, char *buf, size_t n) {
    const search_param *order[SEARCH_MAX_PARAMS];
    size_t off = 0;
#define PUT(...)                                               \
    do {                                                       \
        if (off < n) {                                         \
            int w = snprintf(buf + off, n - off, __VA_ARGS__); \
            off = w < 0 ? n : off + (size_t)w;                 \
        }                                                      \
    } while (0)
    if (n) buf[0] = '\0';
    PUT("trials=%d seed=%llu params:", sp->trials, sp->seed);
    for (int k = 0; k < sp->n; k++) order[k] = &sp->p[k];
    qsort(order, (size_t)sp->n, sizeof order[0], by_path);
    for (int k = 0; k < sp->n; k++) {
        const search_param *p = order[k];
        PUT("%s %s %s [", k ? ";" : "", p->path, kind_names[p->kind]);
        if (p->kind == SEARCH_CHOICE) {
            for (int c = 0; c < p->n_choices; c++) PUT("%s%s", c ? ", " : "", p->choices[c]);
        } else {
            char lo[40], hi[40];
            PUT("%s, %s", format_double(lo, sizeof lo, p->lo), format_double(hi, sizeof hi, p->hi));
        }
        PUT("]");
    }
#undef PUT
}

/* ---- loading --------------------------------------------------------------------------------- */

typedef struct {
    const char *file;
    char *err;
    size_t errlen;
    int failed;
    yaml_document_t *doc;
} sloader;

static ml_status sfail(sloader *L, const yaml_node_t *at, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static ml_status sfail(sloader *L, const yaml_node_t *at, const char *path, const char *fmt, ...) {
    if (L->failed) return ML_EINVAL;
    L->failed = 1;
    if (!L->err || !L->errlen) return ML_EINVAL;
    char msg[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (at)
        snprintf(L->err, L->errlen, "%s:%d:%d: %s: %s", L->file, (int)at->start_mark.line + 1,
                 (int)at->start_mark.column + 1, path, msg);
    else snprintf(L->err, L->errlen, "%s: %s: %s", L->file, path, msg);
    return ML_EINVAL;
}

static const char *text_of(const yaml_node_t *n) { return (const char *)n->data.scalar.value; }

static int plain(const yaml_node_t *n) {
    return n->type == YAML_SCALAR_NODE &&
           (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE || n->data.scalar.style == YAML_ANY_SCALAR_STYLE);
}

/* What was found, for "found ...". */
static void found(const yaml_node_t *n, char *out, size_t len) {
    if (!n) snprintf(out, len, "nothing");
    else if (n->type == YAML_MAPPING_NODE) snprintf(out, len, "a mapping");
    else if (n->type == YAML_SEQUENCE_NODE) snprintf(out, len, "a list");
    else if (!*text_of(n)) snprintf(out, len, "nothing");
    else if (plain(n)) snprintf(out, len, "%.40s%s", text_of(n), strlen(text_of(n)) > 40 ? "..." : "");
    else snprintf(out, len, "string \"%.40s%s\"", text_of(n), strlen(text_of(n)) > 40 ? "..." : "");
}

/* YAML numbers exactly as config.c reads them. */
static int num_of(const yaml_node_t *n, double *v) { return plain(n) && cfg_parse_double(text_of(n), v); }

/* Decimal integers only (parse_int alone would also take leading blanks). */
static int int_of(const yaml_node_t *n, long long lo, long long hi, long long *v) {
    if (!plain(n)) return 0;
    const char *s = text_of(n), *p = s + (*s == '+' || *s == '-');
    if (!*p) return 0;
    for (; *p; p++)
        if (!isdigit((unsigned char)*p)) return 0;
    return parse_int(s, lo, hi, v) == 0;
}

static int seed_of(const yaml_node_t *n, unsigned long long *v) {
    if (!plain(n)) return 0;
    const char *s = text_of(n), *p = s + (*s == '+');
    if (!*p) return 0;
    for (const char *q = p; *q; q++)
        if (!isdigit((unsigned char)*q)) return 0;
    errno = 0;
    *v = strtoull(p, NULL, 10);
    return errno == 0;
}

static const char *type_name(cfg_type t) {
    switch (t) {
    case CFG_INT: return "an integer";
    case CFG_DOUBLE: return "a number";
    case CFG_STRING: return "a string";
    case CFG_BOOL: return "a bool";
    case CFG_ENUM: return "an enum";
    case CFG_INT_LIST: return "an integer list";
    }
    return "?";
}

/* A choice as --set value text: plain scalars as they are, quoted ones double-quoted again,
 * flow lists of plain scalars as [a,b,c]. */
static ml_status choice_text(sloader *L, const yaml_node_t *n, const char *path, char *out, size_t len) {
    char got[80];
    if (n->type == YAML_SCALAR_NODE) {
        const char *s = text_of(n);
        if (strlen(s) != n->data.scalar.length) return sfail(L, n, path, "choice values may not hold NUL characters");
        if (plain(n)) {
            if (!*s) return sfail(L, n, path, "expected a choice value, found nothing");
            if ((size_t)snprintf(out, len, "%s", s) >= len) return sfail(L, n, path, "choice value too long");
            return ML_OK;
        }
        size_t k = 0;
        out[k++] = '"';
        for (; *s && k + 5 < len; s++) {
            if (*s == '"' || *s == '\\') out[k++] = '\\', out[k++] = *s;
            else if ((unsigned char)*s < 0x20) k += (size_t)snprintf(out + k, len - k, "\\x%02x", (unsigned char)*s);
            else out[k++] = *s;
        }
        if (*s) return sfail(L, n, path, "choice value too long");
        out[k++] = '"';
        out[k] = '\0';
        return ML_OK;
    }
    if (n->type == YAML_SEQUENCE_NODE) {
        size_t k = 0;
        out[k++] = '[';
        for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
            const yaml_node_t *item = yaml_document_get_node(L->doc, *it);
            if (!plain(item) || !*text_of(item)) {
                found(item, got, sizeof got);
                return sfail(L, item, path, "expected a plain scalar in a list choice, found %s", got);
            }
            int w = snprintf(out + k, len - k, "%s%s", it == n->data.sequence.items.start ? "" : ",", text_of(item));
            if (w < 0 || (size_t)w >= len - k - 1) return sfail(L, n, path, "choice value too long");
            k += (size_t)w;
        }
        out[k++] = ']';
        out[k] = '\0';
        return ML_OK;
    }
    return sfail(L, n, path, "expected a choice value (a scalar or a list), found a mapping");
}

/* Where P is given and what it is: a key path of the schema that may be searched. */
static ml_status param_path(sloader *L, const yaml_node_t *key, const char *where, search_param *p, const cfg_key **k) {
    const char *path = text_of(key);
    p->line = (int)key->start_mark.line + 1;
    p->col = (int)key->start_mark.column + 1;
    if (strlen(path) >= sizeof p->path) return sfail(L, key, where, "unknown key path (too long)");
    snprintf(p->path, sizeof p->path, "%s", path);
    *k = cfg_schema_find(path);
    if (!*k) {
        char near[256];
        cfg_suggest_path(path, 0, near, sizeof near);
        if (near[0]) return sfail(L, key, where, "unknown key path (did you mean %s?)", near);
        return sfail(L, key, where, "unknown key path (key paths are dotted, as for --set: train.lr)");
    }
    if (!strcmp(path, "dataset.name") || !strcmp(path, "dataset.cache") || !strcmp(path, "output.dir"))
        return sfail(L, key, where, "cannot be searched (every trial uses the experiment's %s)", path);
    return ML_OK;
}

/* {kind: [...]}: the kind into P, the list node into *list. */
static ml_status param_kind(sloader *L, const yaml_node_t *val, const char *where, search_param *p,
                            const yaml_node_t **kind_node, const yaml_node_t **list) {
    char got[80];
    if (val->type != YAML_MAPPING_NODE || val->data.mapping.pairs.top - val->data.mapping.pairs.start != 1) {
        found(val, got, sizeof got);
        if (val->type == YAML_MAPPING_NODE)
            snprintf(got, sizeof got, "a mapping of %d keys",
                     (int)(val->data.mapping.pairs.top - val->data.mapping.pairs.start));
        return sfail(L, val, where,
                     "expected one of {uniform: [lo, hi]}, {loguniform: [lo, hi]}, {int: [lo, hi]}, "
                     "{choice: [...]}, found %s",
                     got);
    }
    const yaml_node_t *kn = yaml_document_get_node(L->doc, val->data.mapping.pairs.start->key);
    const yaml_node_t *vn = yaml_document_get_node(L->doc, val->data.mapping.pairs.start->value);
    const char *kind = kn->type == YAML_SCALAR_NODE ? text_of(kn) : "";
    int ki = -1;
    for (int i = 0; i < 4; i++)
        if (!strcmp(kind, kind_names[i])) ki = i;
    if (ki < 0) {
        found(kn, got, sizeof got);
        return sfail(L, kn, where, "expected uniform, loguniform, int or choice, found %s", got);
    }
    p->kind = (search_kind)ki;
    if (vn->type != YAML_SEQUENCE_NODE) {
        found(vn, got, sizeof got);
        return sfail(L, vn, where, "%s: expected a list %s, found %s", kind,
                     ki == SEARCH_CHOICE ? "[v1, v2, ...]" : "[lo, hi]", got);
    }
    *kind_node = kn;
    *list = vn;
    return ML_OK;
}

static ml_status param_choices(sloader *L, const yaml_node_t *vn, const char *where, search_param *p) {
    yaml_node_item_t *items = vn->data.sequence.items.start;
    int count = (int)(vn->data.sequence.items.top - items);
    if (count == 0) return sfail(L, vn, where, "choice: expected at least one value, found []");
    if (count > SEARCH_MAX_CHOICES)
        return sfail(L, vn, where, "choice: expected at most %d values, found %d", SEARCH_MAX_CHOICES, count);
    for (int i = 0; i < count; i++)
        if (choice_text(L, yaml_document_get_node(L->doc, items[i]), where, p->choices[i], sizeof p->choices[i]))
            return ML_EINVAL;
    p->n_choices = count;
    return ML_OK;
}

/* One bound of uniform, loguniform or int ("lo" or "hi"). */
static ml_status param_bound(sloader *L, const yaml_node_t *n, const char *where, const char *kind, int is_int,
                             const char *which, double *out) {
    char got[80];
    if (is_int) {
        long long v;
        const long long lim = 1LL << 52; /* every integer up to here is exact as a double */
        if (int_of(n, -lim, lim, &v)) {
            *out = (double)v;
            return ML_OK;
        }
        found(n, got, sizeof got);
        return sfail(L, n, where, "int: expected an integer %s, found %s", which, got);
    }
    if (num_of(n, out)) return ML_OK;
    found(n, got, sizeof got);
    return sfail(L, n, where, "%s: expected a number %s, found %s", kind, which, got);
}

/* [lo, hi] of uniform, loguniform or int: the key's type decides which fit. */
static ml_status param_range(sloader *L, const cfg_key *k, const yaml_node_t *kn, const yaml_node_t *vn,
                             const char *where, search_param *p) {
    const char *kind = kind_names[p->kind];
    int is_int = p->kind == SEARCH_INT;
    if ((is_int && k->type != CFG_INT) || (!is_int && k->type != CFG_DOUBLE)) {
        const char *use = k->type == CFG_INT      ? "int [lo, hi] or choice"
                          : k->type == CFG_DOUBLE ? "uniform or loguniform"
                                                  : "choice";
        return sfail(L, kn, where, "%s draws %s, but %s is %s: use %s", kind, is_int ? "integers" : "real numbers",
                     p->path, type_name(k->type), use);
    }
    yaml_node_item_t *items = vn->data.sequence.items.start;
    int count = (int)(vn->data.sequence.items.top - items);
    if (count != 2) return sfail(L, vn, where, "%s: expected a list [lo, hi], found %d items", kind, count);
    const yaml_node_t *ln = yaml_document_get_node(L->doc, items[0]), *hn = yaml_document_get_node(L->doc, items[1]);
    if (param_bound(L, ln, where, kind, is_int, "lo", &p->lo) || param_bound(L, hn, where, kind, is_int, "hi", &p->hi))
        return ML_EINVAL;
    char lo[40], hi[40];
    if (p->lo > p->hi)
        return sfail(L, vn, where, "%s: lo > hi in [%s, %s]", kind, format_double(lo, sizeof lo, p->lo),
                     format_double(hi, sizeof hi, p->hi));
    if (p->kind == SEARCH_LOGUNIFORM && p->lo <= 0)
        return sfail(L, ln, where,
                     "loguniform: expected 0 < lo, found %s (the bounds are raw values, not exponents: "
                     "write [1e-4, 1e-2], not [-4, -2])",
                     format_double(lo, sizeof lo, p->lo));
    return ML_OK;
}

static ml_status parse_param(sloader *L, const yaml_node_t *key, const yaml_node_t *val, search_param *p) {
    char where[200];
    const cfg_key *k = NULL;
    const yaml_node_t *kn = NULL, *vn = NULL;
    snprintf(where, sizeof where, "search.params.%s", text_of(key));
    memset(p, 0, sizeof *p);
    if (param_path(L, key, where, p, &k) || param_kind(L, val, where, p, &kn, &vn)) return ML_EINVAL;
    if (p->kind == SEARCH_CHOICE) return param_choices(L, vn, where, p);
    return param_range(L, k, kn, vn, where, p);
}

static ml_status parse_search(sloader *L, const yaml_node_t *key, const yaml_node_t *map, search_space *sp) {
    char got[80];
    const yaml_node_t *params = NULL, *params_key = NULL;
    if (map->type != YAML_MAPPING_NODE) {
        found(map, got, sizeof got);
        return sfail(L, map, "search", "expected a mapping (trials, seed, params), found %s", got);
    }
    for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
        const yaml_node_t *k = yaml_document_get_node(L->doc, pr->key), *v = yaml_document_get_node(L->doc, pr->value);
        const char *name = k->type == YAML_SCALAR_NODE ? text_of(k) : "";
        for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < pr; q++) {
            const yaml_node_t *prev = yaml_document_get_node(L->doc, q->key);
            if (prev->type == YAML_SCALAR_NODE && !strcmp(text_of(prev), name)) {
                char where[160];
                snprintf(where, sizeof where, "search.%s", name);
                return sfail(L, k, where, "duplicate key (first given at line %d)", (int)prev->start_mark.line + 1);
            }
        }
        if (!strcmp(name, "trials")) {
            long long t;
            if (!int_of(v, 1, SEARCH_MAX_TRIALS, &t)) {
                found(v, got, sizeof got);
                return sfail(L, v, "search.trials", "expected an integer in [1, %d], found %s", SEARCH_MAX_TRIALS, got);
            }
            sp->trials = (int)t;
        } else if (!strcmp(name, "seed")) {
            if (!seed_of(v, &sp->seed)) {
                found(v, got, sizeof got);
                return sfail(L, v, "search.seed", "expected an integer in [0, 18446744073709551615], found %s", got);
            }
        } else if (!strcmp(name, "params")) {
            params = v, params_key = k;
        } else {
            char where[160];
            found(k, got, sizeof got);
            snprintf(where, sizeof where, "search.%.100s", name);
            return sfail(L, k, where, "unknown key (expected trials, seed or params)");
        }
    }
    if (!params) return sfail(L, key, "search.params", "missing: expected a mapping of key paths to distributions");
    if (params->type != YAML_MAPPING_NODE) {
        found(params, got, sizeof got);
        return sfail(L, params, "search.params", "expected a mapping of key paths to distributions, found %s", got);
    }
    int n = (int)(params->data.mapping.pairs.top - params->data.mapping.pairs.start);
    if (n == 0) return sfail(L, params_key, "search.params", "expected at least one parameter, found none");
    if (n > SEARCH_MAX_PARAMS)
        return sfail(L, params, "search.params", "expected at most %d parameters, found %d", SEARCH_MAX_PARAMS, n);
    for (int i = 0; i < n; i++) {
        yaml_node_pair_t *pr = params->data.mapping.pairs.start + i;
        const yaml_node_t *k = yaml_document_get_node(L->doc, pr->key), *v = yaml_document_get_node(L->doc, pr->value);
        if (k->type != YAML_SCALAR_NODE || !*text_of(k)) {
            found(k, got, sizeof got);
            return sfail(L, k, "search.params", "expected a key path, found %s", got);
        }
        for (int j = 0; j < i; j++)
            if (!strcmp(sp->p[j].path, text_of(k))) {
                char where[200];
                snprintf(where, sizeof where, "search.params.%.150s", text_of(k));
                return sfail(L, k, where, "duplicate key (first given at line %d)", sp->p[j].line);
            }
        if (parse_param(L, k, v, &sp->p[i])) return ML_EINVAL;
        sp->n = i + 1;
    }
    return ML_OK;
}

ml_status search_load(const char *path, search_space *sp, char *err, size_t errlen) {
    sloader L = {.file = path, .err = err, .errlen = errlen};
    memset(sp, 0, sizeof *sp);
    sp->trials = 80;
    if (err && errlen) err[0] = '\0';
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return ML_EINVAL;
    }
    char *text = malloc(MAX_FILE_BYTES + 1);
    size_t len = text ? fread(text, 1, MAX_FILE_BYTES + 1, f) : 0;
    fclose(f);
    if (!text || len > MAX_FILE_BYTES) {
        free(text);
        snprintf(err, errlen, "%s: %s", path, text ? "file too large" : "out of memory");
        return ML_EINVAL;
    }
    yaml_parser_t p;
    yaml_document_t doc;
    ml_status rc = ML_OK;
    if (!yaml_parser_initialize(&p)) {
        free(text);
        snprintf(err, errlen, "%s: out of memory", path);
        return ML_EINVAL;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    int line, col;
    if (cfg_yaml_too_deep(text, len, &line, &col)) {
        snprintf(err, errlen, "%s:%d:%d: nesting deeper than %d levels of lists and mappings", path, line, col,
                 CFG_MAX_DEPTH);
        rc = ML_EINVAL;
    } else if (!yaml_parser_load(&p, &doc)) {
        snprintf(err, errlen, "%s:%d:%d: malformed YAML: %s", path, (int)p.problem_mark.line + 1,
                 (int)p.problem_mark.column + 1, p.problem ? p.problem : "cannot parse");
        rc = ML_EINVAL;
    } else {
        L.doc = &doc;
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        if (root && root->type == YAML_MAPPING_NODE) {
            for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top; pr++) {
                const yaml_node_t *k = yaml_document_get_node(&doc, pr->key);
                if (k->type == YAML_SCALAR_NODE && !strcmp(text_of(k), "search")) {
                    sp->present = 1;
                    rc = parse_search(&L, k, yaml_document_get_node(&doc, pr->value), sp);
                    break;
                }
            }
        }
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&p);
    free(text);
    if (rc) {
        int present = sp->present;
        memset(sp, 0, sizeof *sp);
        sp->present = present;
    }
    return rc;
}
