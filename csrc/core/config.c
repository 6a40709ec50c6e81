/* config.c - loads an experiment YAML file strictly against the schema (config_schema.c),
 * applies `--set key.path=value` overrides, and writes the resolved configuration back out.
 *
 * Loading goes in four steps, each stopping at its first error:
 *   1. libyaml builds the document tree (malformed YAML stops here, with its mark);
 *   2. the tree is walked: every key must be a schema leaf or a section (a prefix of leaves),
 *      no mapping may repeat a key, and each leaf's node is parsed and range-checked at once
 *      into that key's slot;
 *   3. overrides are parsed as one-line YAML documents and go through the same node parser;
 *   4. cross-key rules: method.* keys must belong to method.name, required keys must be
 *      present, preset "custom" needs every structural encoder key.
 * Scalars: plain scalars are typed by the key (int, number, bool, enum, string); quoted or
 * block scalars are strings only. The node parser (value_from_node) and key lookup
 * (schema_index, cfg_suggest_path) are independent of where the node came from; search.c uses
 * the lookup too. A top-level `search:` mapping (a random-search space) is skipped here: search.c reads it, and checks its values by
 * loading each trial's configuration through config_load with the trial's values as overrides.
 */
#define _POSIX_C_SOURCE 200809L

#include "core/config.h"
#include "core/strbuf.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#define MAX_FILE_BYTES (1 << 20)
#define MAX_PATH_LEN   200
#define MAX_SECTIONS   32
#define MAX_DEPTH      CFG_MAX_DEPTH

/* ---- locations and the one error message ------------------------------------------------- */

typedef struct {
    const char *file;    /* the YAML file, or NULL for an override */
    const char *set_arg; /* the whole "key=value" override */
    int line, col;       /* 1-based; 0 when unknown */
} loc;

typedef struct {
    char path[MAX_PATH_LEN + 1];
    loc at;
} section_mark;

typedef struct {
    cfg_value val;    /* default until given */
    int given, order; /* order: when it was given, for reporting the first offender */
    loc at;           /* where its key was given */
} slot;

typedef struct {
    char *err;
    size_t errlen;
    int failed;
    const char *file;
    slot *slots; /* one per schema row */
    int order;
    section_mark sections[MAX_SECTIONS];
    int n_sections;
    loc root;
} loader;

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

/* Writes "WHERE: PATH: message" once (later errors are ignored) and returns 2. */
static int fail(loader *L, const loc *at, const char *path, const char *fmt, ...) PRINTF_LIKE(4, 5);
static int fail(loader *L, const loc *at, const char *path, const char *fmt, ...) {
    if (L->failed) return 2;
    L->failed = 1;
    if (!L->err || L->errlen == 0) return 2;
    char where[1200], msg[1200];
    if (at->set_arg) snprintf(where, sizeof where, "--set %s", at->set_arg);
    else if (at->line > 0) snprintf(where, sizeof where, "%s:%d:%d", at->file, at->line, at->col);
    else snprintf(where, sizeof where, "%s", at->file);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (path) snprintf(L->err, L->errlen, "%s: %s: %s", where, path, msg);
    else snprintf(L->err, L->errlen, "%s: %s", where, msg);
    return 2;
}

static loc node_loc(const loc *base, const yaml_node_t *n) {
    if (base->set_arg) return *base;
    loc at = {base->file, NULL, (int)n->start_mark.line + 1, (int)n->start_mark.column + 1};
    return at;
}

/* ---- the schema: lookup and did-you-mean ------------------------------------------------- */

static long schema_index(const char *path) {
    for (size_t i = 0; i < cfg_schema_len; i++)
        if (strcmp(cfg_schema[i].path, path) == 0) return (long)i;
    return -1;
}

/* A section is a proper prefix (ending at a '.') of some schema path. */
static int schema_is_section(const char *path) {
    size_t n = strlen(path);
    for (size_t i = 0; i < cfg_schema_len; i++)
        if (strncmp(cfg_schema[i].path, path, n) == 0 && cfg_schema[i].path[n] == '.') return 1;
    return 0;
}

static size_t edit_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b), row[MAX_PATH_LEN + 2];
    if (la > MAX_PATH_LEN || lb > MAX_PATH_LEN) return (size_t)-1;
    for (size_t j = 0; j <= lb; j++) row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

static const char *last_part(const char *path) {
    const char *dot = strrchr(path, '.');
    return dot ? dot + 1 : path;
}

const cfg_key *cfg_schema_find(const char *path) {
    long i = schema_index(path);
    return i < 0 ? NULL : &cfg_schema[i];
}

void cfg_suggest_path(const char *path, int with_sections, char *out, size_t len) {
    size_t best = (size_t)-1, limit = 1 + strlen(last_part(path)) / 4;
    out[0] = '\0';
    for (size_t i = 0; i < cfg_schema_len; i++) {
        char cand[MAX_PATH_LEN + 1];
        snprintf(cand, sizeof cand, "%s", cfg_schema[i].path);
        for (;;) { /* the key itself, then each of its sections */
            size_t d = edit_distance(path, cand);
            if (d < best && d <= limit && (!with_sections || d < strlen(last_part(path)))) {
                best = d;
                snprintf(out, len, "%s", cand);
            }
            char *dot = strrchr(cand, '.');
            if (!dot || !with_sections) break;
            *dot = '\0';
        }
    }
    if (out[0]) return;
    for (size_t i = 0; i < cfg_schema_len; i++)
        if (strcmp(last_part(cfg_schema[i].path), last_part(path)) == 0) {
            snprintf(out, len, "%s", cfg_schema[i].path);
            return;
        }
}

static int fail_unknown(loader *L, const loc *at, const char *path) {
    char near[MAX_PATH_LEN + 1];
    cfg_suggest_path(path, 1, near, sizeof near);
    if (near[0]) return fail(L, at, path, "unknown key (did you mean %s?)", near);
    return fail(L, at, path, "unknown key");
}

/* ---- scalars ----------------------------------------------------------------------------- */

static int is_quoted(const yaml_node_t *n) {
    return n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE && n->data.scalar.style != YAML_ANY_SCALAR_STYLE;
}

static const char *scalar_text(const yaml_node_t *n) { return (const char *)n->data.scalar.value; }

static int is_null(const yaml_node_t *n) {
    const char *s = scalar_text(n);
    return !is_quoted(n) && (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL"));
}

/* What was found, for "found ..." (printable, at most ~40 characters). */
static void describe(const yaml_node_t *n, char *out, size_t len) {
    if (!n) {
        snprintf(out, len, "nothing");
        return;
    }
    if (n->type == YAML_MAPPING_NODE) {
        snprintf(out, len, "a mapping");
        return;
    }
    if (n->type == YAML_SEQUENCE_NODE) {
        snprintf(out, len, "a list");
        return;
    }
    if (is_null(n)) {
        snprintf(out, len, "null");
        return;
    }
    char text[48];
    size_t k = 0;
    for (const unsigned char *s = (const unsigned char *)scalar_text(n); *s && k < 40; s++)
        text[k++] = (*s < 0x20 || *s == 0x7f) ? '?' : (char)*s;
    text[k] = '\0';
    const char *more = strlen(scalar_text(n)) > k ? "..." : "";
    if (is_quoted(n)) snprintf(out, len, "string \"%s%s\"", text, more);
    else snprintf(out, len, "%s%s", text, more);
}

/* Decimal integers only: [+-]digits. "3.5", "1e3" and "0x10" are not integers. */
static int parse_int(const char *s, long long *v) {
    const char *p = s + (*s == '+' || *s == '-');
    if (!*p) return 0;
    for (; *p; p++)
        if (!isdigit((unsigned char)*p)) return 0;
    errno = 0;
    *v = strtoll(s, NULL, 10);
    return errno == 0;
}

int cfg_parse_double(const char *s, double *v) {
    const char *p = s + (*s == '+' || *s == '-');
    int digits = 0;
    while (isdigit((unsigned char)*p)) p++, digits++;
    if (*p == '.')
        for (p++; isdigit((unsigned char)*p); p++) digits++;
    if (!digits) return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        p += (*p == '+' || *p == '-');
        if (!isdigit((unsigned char)*p)) return 0;
        while (isdigit((unsigned char)*p)) p++;
    }
    if (*p) return 0;
    *v = strtod(s, NULL);
    return isfinite(*v);
}

static int same_nocase(const char *a, const char *b) {
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0;
    return *a == *b;
}

/* true/false, yes/no, on/off in any case. */
static int parse_bool(const char *s, long long *v) {
    static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no", "off"};
    for (int i = 0; i < 3; i++) {
        if (same_nocase(s, yes[i])) return *v = 1, 1;
        if (same_nocase(s, no[i])) return *v = 0, 1;
    }
    return 0;
}

/* The shortest text that reads back as exactly x. */
static void fmt_double(double x, char *out, size_t len) {
    if (x > -1e15 && x < 1e15 && x == (double)(long long)x) { /* no libm needed */
        snprintf(out, len, "%.0f", x);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(out, len, "%.*g", prec, x);
        if (strtod(out, NULL) == x) return;
    }
}

static int has_range(const cfg_key *k) { return k->lo <= k->hi; }

static int in_range(const cfg_key *k, double x) {
    if (!has_range(k)) return 1;
    return (k->lo_open ? x > k->lo : x >= k->lo) && x <= k->hi;
}

static int list_max(const cfg_key *k) {
    return k->max_items > 0 && k->max_items < CFG_MAX_LIST ? k->max_items : CFG_MAX_LIST;
}

/* "a number in (0, 10]", "an integer in [1, 64]", "one of adam|sgd" ... */
static void expect_text(const cfg_key *k, int item, char *out, size_t len) {
    char lo[32], hi[32], range[80] = "";
    if (has_range(k)) {
        fmt_double(k->lo, lo, sizeof lo);
        fmt_double(k->hi, hi, sizeof hi);
        snprintf(range, sizeof range, " in %c%s, %s]", k->lo_open ? '(' : '[', lo, hi);
    }
    switch (k->type) {
    case CFG_INT: snprintf(out, len, "an integer%s", range); break;
    case CFG_DOUBLE: snprintf(out, len, "a number%s", range); break;
    case CFG_BOOL: snprintf(out, len, "true or false"); break;
    case CFG_ENUM: snprintf(out, len, "one of %s", k->enum_values); break;
    case CFG_STRING: snprintf(out, len, "a string"); break;
    case CFG_INT_LIST:
        if (item) snprintf(out, len, "an integer%s", range);
        else snprintf(out, len, "a list of at most %d integers%s", list_max(k), range);
        break;
    }
}

static int fail_expect(loader *L, const loc *at, const char *path, const cfg_key *k, int item,
                       const yaml_node_t *found) {
    char want[160], got[80];
    expect_text(k, item, want, sizeof want);
    describe(found, got, sizeof got);
    return fail(L, at, path, "expected %s, found %s", want, got);
}

/* Index of S in the "a|b|c" list VALUES, or -1; NEAR gets the closest value when S is not one
 * and one is close. */
static int enum_index(const char *values, const char *s, char *near, size_t nearlen) {
    char buf[512];
    size_t best = (size_t)-1;
    int i = 0;
    if (near) near[0] = '\0';
    snprintf(buf, sizeof buf, "%s", values);
    for (char *save = NULL, *tok = strtok_r(buf, "|", &save); tok; tok = strtok_r(NULL, "|", &save), i++) {
        if (strcmp(tok, s) == 0) return i;
        size_t d = edit_distance(tok, s);
        if (near && d < best && d <= 1 + strlen(tok) / 4) {
            best = d;
            snprintf(near, nearlen, "%s", tok);
        }
    }
    return -1;
}

/* Parses node N (from a file or an override; BASE says where) as the value of key K. */
static int value_from_node(loader *L, const cfg_key *k, const yaml_node_t *n, yaml_document_t *doc, const loc *base,
                           cfg_value *out) {
    loc at = node_loc(base, n);
    if (k->type == CFG_INT_LIST) {
        if (n->type != YAML_SEQUENCE_NODE) return fail_expect(L, &at, k->path, k, 0, n);
        int count = (int)(n->data.sequence.items.top - n->data.sequence.items.start);
        if (count > list_max(k))
            return fail(L, &at, k->path, "expected at most %d items, found %d", list_max(k), count);
        memset(out->list, 0, sizeof out->list);
        for (int i = 0; i < count; i++) {
            const yaml_node_t *item = yaml_document_get_node(doc, n->data.sequence.items.start[i]);
            loc iat = node_loc(base, item);
            char ipath[MAX_PATH_LEN + 16];
            snprintf(ipath, sizeof ipath, "%s[%d]", k->path, i);
            long long v;
            if (item->type != YAML_SCALAR_NODE || is_quoted(item) || !parse_int(scalar_text(item), &v) ||
                !in_range(k, (double)v))
                return fail_expect(L, &iat, ipath, k, 1, item);
            out->list[i] = v;
        }
        out->n_list = count;
        return 0;
    }
    if (n->type != YAML_SCALAR_NODE || is_null(n)) return fail_expect(L, &at, k->path, k, 0, n);
    const char *s = scalar_text(n);
    if (strlen(s) != n->data.scalar.length) return fail(L, &at, k->path, "expected %s, found a NUL character", "text");
    switch (k->type) {
    case CFG_INT:
        if (is_quoted(n) || !parse_int(s, &out->i) || !in_range(k, (double)out->i))
            return fail_expect(L, &at, k->path, k, 0, n);
        break;
    case CFG_DOUBLE:
        if (is_quoted(n) || !cfg_parse_double(s, &out->d) || !in_range(k, out->d))
            return fail_expect(L, &at, k->path, k, 0, n);
        break;
    case CFG_BOOL:
        if (is_quoted(n) || !parse_bool(s, &out->i)) return fail_expect(L, &at, k->path, k, 0, n);
        break;
    case CFG_ENUM: {
        char near[64], got[80];
        if (enum_index(k->enum_values, s, near, sizeof near) < 0) {
            if (!near[0]) return fail_expect(L, &at, k->path, k, 0, n);
            describe(n, got, sizeof got);
            return fail(L, &at, k->path, "expected one of %s, found %s (did you mean %s?)", k->enum_values, got, near);
        }
        snprintf(out->s, sizeof out->s, "%s", s);
        break;
    }
    case CFG_STRING:
        /* "" is a value only for keys whose default is "" (optional paths). */
        if (!*s && !(k->def && !strcmp(k->def, "\"\"")))
            return fail(L, &at, k->path, "expected a non-empty string, found \"\"");
        if (strlen(s) >= sizeof out->s)
            return fail(L, &at, k->path, "expected a string of at most %zu bytes, found %zu bytes", sizeof out->s - 1,
                        strlen(s));
        snprintf(out->s, sizeof out->s, "%s", s);
        break;
    case CFG_INT_LIST: break;
    }
    return 0;
}

/* Reports a libyaml error; TEXT is the input, to place reader errors (given as an offset). */
static int fail_yaml(loader *L, const loc *base, const char *path, const yaml_parser_t *p, const char *text,
                     size_t len) {
    loc at = *base;
    if (p->error == YAML_READER_ERROR) {
        at.line = 1, at.col = 1;
        for (size_t i = 0; i < p->problem_offset && i < len; i++) {
            if (text[i] == '\n') at.line++, at.col = 1;
            else if (((unsigned char)text[i] & 0xc0) != 0x80) at.col++;
        }
    } else if (!base->set_arg) {
        at.line = (int)p->problem_mark.line + 1, at.col = (int)p->problem_mark.column + 1;
    }
    if (p->context && !base->set_arg)
        return fail(L, &at, path, "malformed YAML: %s %s at line %d column %d", p->problem, p->context,
                    (int)p->context_mark.line + 1, (int)p->context_mark.column + 1);
    return fail(L, &at, path, "malformed YAML: %s", p->problem ? p->problem : "cannot parse");
}

/* Whether TEXT nests lists and mappings more than MAX_DEPTH deep (the root collection is level
 * 1); *mark is then where the first too-deep one starts. libyaml's scanner rescans one saved
 * key candidate per open flow level for every token, so building a deeply nested document costs
 * time quadratic in its depth (100k nested '[' took ~44 s to reject). This pass reads events only
 * and stops at the first level too many, before any document is built. Malformed YAML is left
 * to the load that follows, so its message stays the parser's own. */
static int too_deep(const char *text, size_t len, yaml_mark_t *mark) {
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) return 0; /* the load reports the failure */
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    int depth = 0, deep = 0;
    for (;;) {
        yaml_event_t e;
        if (!yaml_parser_parse(&p, &e)) break;
        yaml_event_type_t t = e.type;
        if ((t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT) && ++depth > MAX_DEPTH) {
            *mark = e.start_mark;
            deep = 1;
        }
        if (t == YAML_SEQUENCE_END_EVENT || t == YAML_MAPPING_END_EVENT) depth--;
        yaml_event_delete(&e);
        if (deep || t == YAML_STREAM_END_EVENT) break;
    }
    yaml_parser_delete(&p);
    return deep;
}

int cfg_yaml_too_deep(const char *text, size_t len, int *line, int *col) {
    yaml_mark_t mark;
    if (!too_deep(text, len, &mark)) return 0;
    *line = (int)mark.line + 1, *col = (int)mark.column + 1;
    return 1;
}

static int fail_deep(loader *L, const loc *base, const char *path, const yaml_mark_t *mark) {
    loc at = *base;
    if (!base->set_arg) at.line = (int)mark->line + 1, at.col = (int)mark->column + 1;
    return fail(L, &at, path, "nesting deeper than %d levels of lists and mappings", MAX_DEPTH);
}

/* Parses TEXT as a one-line YAML document (an override's value or a schema default). */
static int value_from_text(loader *L, const cfg_key *k, const char *text, const loc *at, cfg_value *out) {
    yaml_parser_t p;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&p)) return fail(L, at, k->path, "out of memory");
    yaml_parser_set_input_string(&p, (const unsigned char *)text, strlen(text));
    int rc;
    yaml_mark_t deep;
    if (too_deep(text, strlen(text), &deep)) {
        rc = fail_deep(L, at, k->path, &deep);
    } else if (!yaml_parser_load(&p, &doc)) {
        rc = fail_yaml(L, at, k->path, &p, text, strlen(text));
    } else {
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        rc = root ? value_from_node(L, k, root, &doc, at, out) : fail_expect(L, at, k->path, k, 0, NULL);
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&p);
    return rc;
}

/* The default of key K (aborts if the schema's default text is invalid: a programmer error). */
static void parse_default(const cfg_key *k, cfg_value *out) {
    char err[1400];
    loader L = {.err = err, .errlen = sizeof err};
    loc at = {"config_schema.c", NULL, 0, 0};
    memset(out, 0, sizeof *out);
    out->key = k;
    snprintf(out->src, sizeof out->src, "default");
    if (k->def && value_from_text(&L, k, k->def, &at, out)) {
        fprintf(stderr, "config: bad default in the schema: %s\n", err);
        abort();
    }
}

/* ---- loading ----------------------------------------------------------------------------- */

static void give(loader *L, long idx, const loc *at) {
    slot *s = &L->slots[idx];
    s->given = 1;
    s->order = ++L->order;
    s->at = *at;
}

static int walk_mapping(loader *L, yaml_document_t *doc, const yaml_node_t *map, const char *prefix) {
    yaml_node_pair_t *pairs = map->data.mapping.pairs.start;
    int n = (int)(map->data.mapping.pairs.top - pairs);
    for (int i = 0; i < n; i++) {
        const yaml_node_t *key = yaml_document_get_node(doc, pairs[i].key);
        const yaml_node_t *val = yaml_document_get_node(doc, pairs[i].value);
        loc at = node_loc(&L->root, key);
        const char *where = prefix ? prefix : "(top level)";
        if (key->type != YAML_SCALAR_NODE) {
            char got[80];
            describe(key, got, sizeof got);
            return fail(L, &at, where, "expected a key name, found %s", got);
        }
        const char *name = scalar_text(key);
        char path[MAX_PATH_LEN + 1];
        if (!*name || strlen(name) != key->data.scalar.length)
            return fail(L, &at, where, "expected a key name, found an empty one");
        if ((size_t)snprintf(path, sizeof path, "%s%s%s", prefix ? prefix : "", prefix ? "." : "", name) >= sizeof path)
            return fail(L, &at, where, "unknown key (too long)");
        if (strchr(name, '.')) return fail(L, &at, path, "unknown key (nest the parts as mappings instead of dots)");
        for (int j = 0; j < i; j++) {
            const yaml_node_t *prev = yaml_document_get_node(doc, pairs[j].key);
            if (prev->type == YAML_SCALAR_NODE && strcmp(scalar_text(prev), name) == 0)
                return fail(L, &at, path, "duplicate key (first given at line %d)", (int)prev->start_mark.line + 1);
        }
        /* search: (random-search spaces) is read by search.c; here it only has to be a mapping. */
        if (!prefix && strcmp(name, "search") == 0) {
            if (val->type != YAML_MAPPING_NODE) {
                char got[80];
                loc vat = node_loc(&L->root, val);
                describe(val, got, sizeof got);
                return fail(L, &vat, path, "expected a mapping (trials, seed, params), found %s", got);
            }
            continue;
        }
        long idx = schema_index(path);
        if (idx >= 0) {
            if (value_from_node(L, &cfg_schema[idx], val, doc, &L->root, &L->slots[idx].val)) return 2;
            give(L, idx, &at);
        } else if (schema_is_section(path)) {
            if (val->type != YAML_MAPPING_NODE) {
                char got[80];
                loc vat = node_loc(&L->root, val);
                describe(val, got, sizeof got);
                return fail(L, &vat, path, "expected a mapping of %s.* keys, found %s", path, got);
            }
            if (L->n_sections < MAX_SECTIONS) {
                section_mark *m = &L->sections[L->n_sections++];
                snprintf(m->path, sizeof m->path, "%s", path);
                m->at = at;
            }
            if (walk_mapping(L, doc, val, path)) return 2;
        } else {
            return fail_unknown(L, &at, path);
        }
    }
    return 0;
}

static int load_file(loader *L, const char *path) {
    loc at = {path, NULL, 0, 0};
    FILE *f = fopen(path, "rb");
    if (!f) return fail(L, &at, NULL, "cannot read: %s", strerror(errno));
    char *text = malloc(MAX_FILE_BYTES + 1);
    size_t len = text ? fread(text, 1, MAX_FILE_BYTES + 1, f) : 0;
    int bad = ferror(f);
    fclose(f);
    if (!text) return fail(L, &at, NULL, "out of memory");
    if (bad || len > MAX_FILE_BYTES) {
        free(text);
        return fail(L, &at, NULL, bad ? "cannot read" : "larger than %d bytes", MAX_FILE_BYTES);
    }
    yaml_parser_t p;
    yaml_document_t doc, extra;
    int rc = 0;
    if (!yaml_parser_initialize(&p)) {
        free(text);
        return fail(L, &at, NULL, "out of memory");
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    yaml_mark_t deep;
    if (too_deep(text, len, &deep)) {
        rc = fail_deep(L, &at, NULL, &deep);
    } else if (!yaml_parser_load(&p, &doc)) {
        rc = fail_yaml(L, &at, NULL, &p, text, len);
    } else {
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        L->root = (loc){path, NULL, 1, 1};
        if (!root) {
            rc = fail(L, &L->root, NULL,
                      "empty configuration: expected a mapping with dataset, model, train, method, output");
        } else if (root->type != YAML_MAPPING_NODE) {
            char got[80];
            loc rat = node_loc(&L->root, root);
            describe(root, got, sizeof got);
            rc = fail(L, &rat, NULL, "expected a mapping of sections (dataset, model, ...), found %s", got);
        } else {
            L->root = node_loc(&L->root, root);
            rc = walk_mapping(L, &doc, root, NULL);
        }
        if (!rc && !yaml_parser_load(&p, &extra)) {
            rc = fail_yaml(L, &at, NULL, &p, text, len);
        } else if (!rc) {
            if (yaml_document_get_root_node(&extra)) {
                loc eat = {path, NULL, (int)extra.start_mark.line + 1, (int)extra.start_mark.column + 1};
                rc = fail(L, &eat, NULL, "expected one YAML document, found a second one");
            }
            yaml_document_delete(&extra);
        }
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&p);
    free(text);
    return rc;
}

static int apply_set(loader *L, const char *arg) {
    loc at = {NULL, arg, 0, 0};
    const char *eq = strchr(arg, '=');
    char path[MAX_PATH_LEN + 1];
    if (!eq || eq == arg) return fail(L, &at, NULL, "expected KEY.PATH=VALUE, e.g. --set train.lr=0.01");
    if ((size_t)(eq - arg) >= sizeof path) return fail(L, &at, NULL, "unknown key (too long)");
    memcpy(path, arg, (size_t)(eq - arg));
    path[eq - arg] = '\0';
    long idx = schema_index(path);
    if (idx < 0 && schema_is_section(path)) {
        for (size_t i = 0; i < cfg_schema_len; i++)
            if (strncmp(cfg_schema[i].path, path, strlen(path)) == 0 && cfg_schema[i].path[strlen(path)] == '.')
                return fail(L, &at, path, "a section, not a key: set one of its keys, e.g. %s", cfg_schema[i].path);
    }
    if (idx < 0) return fail_unknown(L, &at, path);
    if (value_from_text(L, &cfg_schema[idx], eq + 1, &at, &L->slots[idx].val)) return 2;
    give(L, idx, &at);
    return 0;
}

static long find_slot(const char *path) {
    long idx = schema_index(path);
    if (idx < 0) {
        fprintf(stderr, "config: %s is not in the schema\n", path);
        abort();
    }
    return idx;
}

/* Where a missing key would go: its deepest given section, else the top of the file. */
static loc missing_loc(const loader *L, const char *path) {
    loc at = L->root;
    size_t best = 0;
    for (int i = 0; i < L->n_sections; i++) {
        size_t n = strlen(L->sections[i].path);
        if (n > best && strncmp(path, L->sections[i].path, n) == 0 && path[n] == '.') best = n, at = L->sections[i].at;
    }
    return at;
}

/* Preset "custom" leaves no structural field to a preset. */
static int check_custom(loader *L, const char *enc) {
    char p[64];
    snprintf(p, sizeof p, "model.%s.preset", enc);
    const slot *preset = &L->slots[find_slot(p)];
    if (strcmp(preset->val.s, "custom") != 0) return 0;
    static const char *const parts[] = {"block", "blocks", "base_width", "stem"};
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "model.%s.%s", enc, parts[i]);
        const slot *s = &L->slots[find_slot(p)];
        const cfg_value *v = &s->val;
        int unset = v->key->type == CFG_ENUM       ? !strcmp(v->s, "preset")
                    : v->key->type == CFG_INT_LIST ? v->n_list == 0
                                                   : v->i == 0;
        if (unset)
            return fail(L, s->given ? &s->at : &preset->at, p,
                        "model.%s.preset is custom, so this key must be set (not %s)", enc,
                        v->key->type == CFG_ENUM       ? "preset"
                        : v->key->type == CFG_INT_LIST ? "[]"
                                                       : "0");
    }
    return 0;
}

/* A row's .method is one method name or several joined by '|'. */
static int applies(const cfg_key *k, const char *method) {
    if (!k->method) return 1;
    size_t n = strlen(method);
    for (const char *p = k->method; *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, method, n) == 0) return 1;
        if (!bar) break;
        p = bar + 1;
    }
    return 0;
}

static int resolve(loader *L) {
    const slot *m = &L->slots[find_slot("method.name")];
    const slot *off = NULL;
    for (size_t i = 0; i < cfg_schema_len; i++) {
        const slot *s = &L->slots[i];
        if (s->given && !applies(&cfg_schema[i], m->val.s) && (!off || s->order < off->order)) off = s;
    }
    if (off) {
        char how[1200];
        if (!m->given) snprintf(how, sizeof how, " (the default)");
        else if (m->at.set_arg) snprintf(how, sizeof how, " (--set %s)", m->at.set_arg);
        else snprintf(how, sizeof how, " (at line %d)", m->at.line);
        return fail(L, &off->at, off->val.key->path, "belongs to method %s, but method.name is %s%s",
                    off->val.key->method, m->val.s, how);
    }
    for (size_t i = 0; i < cfg_schema_len; i++)
        if (!cfg_schema[i].def && !L->slots[i].given) {
            loc at = missing_loc(L, cfg_schema[i].path);
            return fail(L, &at, cfg_schema[i].path, "missing required key (%s)", cfg_schema[i].doc);
        }
    if (check_custom(L, "a") || check_custom(L, "b")) return 2;
    return 0;
}

int config_load(const char *path, const char *const *sets, int n_sets, config *out, char *err, size_t errlen) {
    loader L = {.err = err, .errlen = errlen, .file = path};
    memset(out, 0, sizeof *out);
    if (err && errlen) err[0] = '\0';
    L.root = (loc){path, NULL, 1, 1};
    L.slots = calloc(cfg_schema_len, sizeof *L.slots);
    if (!L.slots) {
        loc at = {path, NULL, 0, 0};
        return fail(&L, &at, NULL, "out of memory");
    }
    for (size_t i = 0; i < cfg_schema_len; i++) parse_default(&cfg_schema[i], &L.slots[i].val);
    int rc = load_file(&L, path);
    for (int i = 0; !rc && i < n_sets; i++) rc = apply_set(&L, sets[i]);
    if (!rc) rc = resolve(&L);
    if (!rc) {
        const char *method = L.slots[find_slot("method.name")].val.s;
        out->v = calloc(cfg_schema_len, sizeof *out->v);
        if (!out->v) {
            loc at = {path, NULL, 0, 0};
            rc = fail(&L, &at, NULL, "out of memory");
        }
        for (size_t i = 0; !rc && i < cfg_schema_len; i++) {
            slot *s = &L.slots[i];
            if (!applies(&cfg_schema[i], method)) continue;
            cfg_value *v = &out->v[out->n++];
            *v = s->val;
            v->set = s->given;
            if (s->given && s->at.set_arg) snprintf(v->src, sizeof v->src, "--set");
            else if (s->given) snprintf(v->src, sizeof v->src, "%.200s:%d:%d", path, s->at.line, s->at.col);
        }
        snprintf(out->path, sizeof out->path, "%s", path);
    }
    free(L.slots);
    if (rc) config_free(out);
    return rc ? 2 : 0;
}

void config_free(config *c) {
    free(c->v);
    memset(c, 0, sizeof *c);
}

/* ---- getters ----------------------------------------------------------------------------- */

const cfg_value *cfg_find(const config *c, const char *path) {
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->v[i].key->path, path) == 0) return &c->v[i];
    return NULL;
}

static const cfg_value *get(const config *c, const char *path, cfg_type t1, cfg_type t2) {
    const cfg_value *v = cfg_find(c, path);
    if (!v || (v->key->type != t1 && v->key->type != t2)) {
        fprintf(stderr, "config: %s %s\n", path, v ? "read with the wrong type" : "is not in this configuration");
        abort();
    }
    return v;
}

long long cfg_int(const config *c, const char *path) { return get(c, path, CFG_INT, CFG_INT)->i; }
double cfg_double(const config *c, const char *path) { return get(c, path, CFG_DOUBLE, CFG_DOUBLE)->d; }
int cfg_bool(const config *c, const char *path) { return (int)get(c, path, CFG_BOOL, CFG_BOOL)->i; }
const char *cfg_str(const config *c, const char *path) { return get(c, path, CFG_STRING, CFG_ENUM)->s; }

int cfg_list(const config *c, const char *path, long long *out, int max) {
    const cfg_value *v = get(c, path, CFG_INT_LIST, CFG_INT_LIST);
    for (int i = 0; i < v->n_list && i < max; i++) out[i] = v->list[i];
    return v->n_list;
}

/* ---- writing ----------------------------------------------------------------------------- */

static void value_text(const cfg_value *v, int yaml, strbuf *b) {
    char num[40];
    switch (v->key->type) {
    case CFG_INT: sb_printf(b, "%lld", v->i); break;
    case CFG_DOUBLE:
        fmt_double(v->d, num, sizeof num);
        sb_printf(b, "%s", num);
        break;
    case CFG_BOOL: sb_printf(b, "%s", v->i ? "true" : "false"); break;
    case CFG_ENUM: sb_printf(b, "%s", v->s); break;
    case CFG_STRING:
        if (!yaml) { /* one line in the table */
            for (const unsigned char *s = (const unsigned char *)v->s; *s; s++)
                sb_printf(b, "%c", *s < 0x20 || *s == 0x7f ? '?' : *s);
            break;
        }
        sb_printf(b, "\"");
        for (const unsigned char *s = (const unsigned char *)v->s; *s; s++) {
            if (*s == '"' || *s == '\\') sb_printf(b, "\\%c", *s);
            else if (*s < 0x20 || *s == 0x7f) sb_printf(b, "\\x%02x", *s);
            else sb_printf(b, "%c", *s);
        }
        sb_printf(b, "\"");
        break;
    case CFG_INT_LIST:
        sb_printf(b, "[");
        for (int i = 0; i < v->n_list; i++) sb_printf(b, "%s%lld", i ? ", " : "", v->list[i]);
        sb_printf(b, "]");
        break;
    }
}

/* Nested YAML in schema order: a section header whenever the path's sections change. */
static void yaml_text(const config *c, strbuf *b) {
    const char *prev = "";
    for (size_t i = 0; i < c->n; i++) {
        const char *path = c->v[i].key->path;
        size_t same = 0; /* length of the sections shared with the previous path, up to a '.' */
        for (size_t j = 0; path[j] && path[j] == prev[j]; j++)
            if (path[j] == '.') same = j + 1;
        int depth = 0;
        for (size_t j = 0; j < same; j++) depth += path[j] == '.';
        const char *part = path + same;
        for (const char *dot; (dot = strchr(part, '.')); part = dot + 1, depth++)
            sb_printf(b, "%*s%.*s:\n", 2 * depth, "", (int)(dot - part), part);
        sb_printf(b, "%*s%s: ", 2 * depth, "", part);
        value_text(&c->v[i], 1, b);
        sb_printf(b, "\n");
        prev = path;
    }
}

void config_print_yaml(const config *c, FILE *f) {
    strbuf b = {0};
    yaml_text(c, &b);
    if (b.p) fputs(b.p, f);
    free(b.p);
}

int config_write_yaml(const config *c, const char *path, char *err, size_t errlen) {
    char tmp[1100];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
        snprintf(err, errlen, "%s: path too long", path);
        return 1;
    }
    strbuf b = {0};
    yaml_text(c, &b);
    FILE *f = fopen(tmp, "wb");
    int ok = f && fwrite(b.p, 1, b.len, f) == b.len && fflush(f) == 0 && fsync(fileno(f)) == 0;
    int e = errno;
    if (f && fclose(f) != 0 && ok) ok = 0, e = errno;
    free(b.p);
    if (ok && rename(tmp, path) == 0) return 0;
    if (ok) e = errno;
    remove(tmp);
    snprintf(err, errlen, "%s: cannot write: %s", ok ? path : tmp, strerror(e));
    return 1;
}

static int same_value(const cfg_value *a, const cfg_value *b) {
    switch (a->key->type) {
    case CFG_INT:
    case CFG_BOOL: return a->i == b->i;
    case CFG_DOUBLE: return a->d == b->d;
    case CFG_ENUM:
    case CFG_STRING: return strcmp(a->s, b->s) == 0;
    case CFG_INT_LIST:
        return a->n_list == b->n_list && memcmp(a->list, b->list, (size_t)a->n_list * sizeof a->list[0]) == 0;
    }
    return 0;
}

void config_print_table(const config *c, FILE *f) {
    int w = 3;
    for (size_t i = 0; i < c->n; i++)
        if ((int)strlen(c->v[i].key->path) > w) w = (int)strlen(c->v[i].key->path);
    fprintf(f, "  %-*s  %s\n", w, "key", "value  (* = not the default)");
    for (size_t i = 0; i < c->n; i++) {
        cfg_value def;
        parse_default(c->v[i].key, &def);
        strbuf b = {0};
        value_text(&c->v[i], 0, &b);
        int differs = c->v[i].key->def && !same_value(&c->v[i], &def);
        fprintf(f, "%c %-*s  %s\n", differs ? '*' : ' ', w, c->v[i].key->path, b.p ? b.p : "");
        free(b.p);
    }
}

void config_hash(const config *c, char out[17]) {
    strbuf b = {0};
    yaml_text(c, &b);
    unsigned long long h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < b.len; i++) {
        h ^= (unsigned char)b.p[i];
        h *= 0x100000001b3ULL;
    }
    free(b.p);
    snprintf(out, 17, "%016llx", h);
}

int config_rehash_file(const char *path, char out[17], char *err, size_t errlen) {
    config c;
    int rc = config_load(path, NULL, 0, &c, err, errlen);
    if (rc) return rc;
    config_hash(&c, out);
    config_free(&c);
    return 0;
}

/* Loads TEXT as a configuration file would be (config_load reads files: TEXT goes through a
 * temporary one). 0, or 2 with the message in err. */
static int load_text(const char *text, config *c, char *err, size_t errlen) {
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/miles-config-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot create a temporary file: %s", path, strerror(errno));
        return 2;
    }
    size_t n = strlen(text);
    int ok = write(fd, text, n) == (ssize_t)n;
    ok = close(fd) == 0 && ok;
    int rc = ok ? config_load(path, NULL, 0, c, err, errlen) : 2;
    if (!ok) snprintf(err, errlen, "%s: cannot write a temporary file: %s", path, strerror(errno));
    unlink(path);
    return rc;
}

int config_normalize_text(const char *text, char **out, char *err, size_t errlen) {
    config c;
    *out = NULL;
    int rc = load_text(text, &c, err, errlen);
    if (rc) return rc;
    strbuf b = {0};
    yaml_text(&c, &b);
    config_free(&c);
    *out = b.p ? b.p : calloc(1, 1);
    if (*out) return 0;
    snprintf(err, errlen, "out of memory");
    return 2;
}
