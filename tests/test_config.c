/* test_config.c - the experiment configuration: schema consistency, a good file and its defaults,
 * --set overrides, write-and-reload, the table and hash, and one exact error message per kind of
 * bad input (fixtures in tests/config/, given as argv[1]).
 *
 *   test_config tests/config        run the tests (exit status 1 on any failure)
 *   test_config --schema-md         print the schema table that experiments/README.md holds
 *
 * Plain C11 with libyaml; needs only core/ (config, config_schema, catalog).
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/catalog.h"
#include "core/config.h"

static const char *fixtures = ".";

static const char *fixture(const char *name) {
    static char buf[8][1024];
    static int k = 0;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", fixtures, name);
    return buf[k];
}

static char *read_all(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *s = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[4096];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            s = realloc(s, cap);
        }
        memcpy(s + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (!s) s = calloc(1, 1);
    else s[len] = '\0';
    return s;
}

/* Text that FN writes for C, as one malloc'd string. */
static char *capture(void (*fn)(const config *, FILE *), const config *c) {
    FILE *f = tmpfile();
    if (!f) return calloc(1, 1);
    fn(c, f);
    long n = ftell(f);
    rewind(f);
    char *s = calloc((size_t)n + 1, 1);
    if (fread(s, 1, (size_t)n, f) != (size_t)n) s[0] = '\0';
    fclose(f);
    return s;
}

/* ---- the schema table for experiments/README.md ------------------------------------------- */

static const char *type_name(cfg_type t) {
    static const char *const names[] = {"int", "number", "string", "bool", "enum", "int list"};
    return names[t];
}

static void schema_md(FILE *f) {
    fprintf(f, "| key | type | default | allowed | method | meaning |\n");
    fprintf(f, "|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < cfg_schema_len; i++) {
        const cfg_key *k = &cfg_schema[i];
        char allowed[256] = "", def[64];
        if (k->type == CFG_ENUM) {
            size_t j = 0;
            for (const char *p = k->enum_values; *p && j + 3 < sizeof allowed; p++) {
                if (*p == '|') allowed[j++] = ',', allowed[j++] = ' ';
                else allowed[j++] = *p;
            }
            allowed[j] = '\0';
        } else if (k->type == CFG_INT || k->type == CFG_DOUBLE || k->type == CFG_INT_LIST) {
            char lo[32], hi[32];
            snprintf(lo, sizeof lo, "%.15g", k->lo);
            snprintf(hi, sizeof hi, "%.15g", k->hi);
            snprintf(allowed, sizeof allowed, "%s%c%s, %s]", k->type == CFG_INT_LIST ? "items in " : "",
                     k->lo_open ? '(' : '[', lo, hi);
            if (k->type == CFG_INT_LIST)
                snprintf(allowed + strlen(allowed), sizeof allowed - strlen(allowed), ", at most %d",
                         k->max_items ? k->max_items : CFG_MAX_LIST);
        } else if (k->type == CFG_BOOL) snprintf(allowed, sizeof allowed, "true, false");
        if (k->def) snprintf(def, sizeof def, "`%s`", k->def);
        else snprintf(def, sizeof def, "**required**");
        fprintf(f, "| `%s` | %s | %s | %s | %s | ", k->path, type_name(k->type), def, allowed,
                k->method ? k->method : "any");
        for (const char *p = k->doc; *p; p++) /* a '|' would end the cell */
            fputs(*p == '|' ? "\\|" : (char[2]){*p, 0}, f);
        fputs(" |\n", f);
    }
}

/* ---- tests ------------------------------------------------------------------------------- */

static void test_schema(void) {
    const cfg_key *method = NULL;
    for (size_t i = 0; i < cfg_schema_len; i++)
        if (!strcmp(cfg_schema[i].path, "method.name")) method = &cfg_schema[i];
    CHECK(method && method->type == CFG_ENUM && method->def);
    /* method.name's values are the catalog's methods, in its order */
    char names[400] = "";
    for (int m = 0; m < METHOD_COUNT; m++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", m ? "|" : "", catalog_method_name(m));
    CHECKF(method && !strcmp(method->enum_values, names), "method.name's values %s, the catalog's %s",
           method ? method->enum_values : "(no method.name)", names);
    for (size_t i = 0; i < cfg_schema_len; i++) {
        const cfg_key *k = &cfg_schema[i];
        CHECKF(k->doc && k->doc[0], "%s has no doc", k->path);
        if (k->type == CFG_INT || k->type == CFG_DOUBLE || k->type == CFG_INT_LIST)
            CHECKF(k->lo <= k->hi, "%s has no range", k->path);
        CHECKF(k->type != CFG_ENUM || k->enum_values, "%s has no values", k->path);
        if (k->method) {
            /* .method is one name or several joined by '|': each must be a method of the catalog */
            char list[400];
            snprintf(list, sizeof list, "%s", k->method);
            for (char *save = NULL, *name = strtok_r(list, "|", &save); name; name = strtok_r(NULL, "|", &save))
                CHECKF(catalog_method_find(name) >= 0, "%s: method %s is not in core/catalog.h", k->path, name);
            CHECKF(!strncmp(k->path, "method.", 7), "%s: only method.* keys may name a method", k->path);
        }
        /* each section's rows are contiguous (config_print_yaml relies on it) */
        char sec[200];
        snprintf(sec, sizeof sec, "%s", k->path);
        for (char *dot; (dot = strrchr(sec, '.'));) {
            *dot = '\0';
            size_t n = strlen(sec);
            int left = 0;
            for (size_t j = i + 1; j < cfg_schema_len; j++) {
                int in = !strncmp(cfg_schema[j].path, sec, n) && cfg_schema[j].path[n] == '.';
                if (!in) left = 1;
                CHECKF(!(in && left), "section %s is split (%s)", sec, cfg_schema[j].path);
            }
        }
        for (size_t j = 0; j < i; j++) CHECKF(strcmp(cfg_schema[j].path, k->path), "%s twice", k->path);
    }
}

static void test_good(void) {
    config c;
    char err[2048];
    int rc = config_load(fixture("good.yaml"), NULL, 0, &c, err, sizeof err);
    CHECKF(rc == 0, "%s", err);
    if (rc) return;
    CHECK(!strcmp(cfg_str(&c, "dataset.name"), "smnist"));
    CHECK(!strcmp(cfg_str(&c, "dataset.cache"), "datasets/cache/smnist standin.h5"));
    CHECK(!strcmp(cfg_str(&c, "model.a.preset"), "resnet10"));
    CHECK(cfg_int(&c, "model.a.base_width") == 16);
    CHECK(!strcmp(cfg_str(&c, "model.a.stem"), "small"));
    CHECK(!strcmp(cfg_str(&c, "model.a.block"), "preset"));
    long long l[8];
    CHECK(cfg_list(&c, "model.a.blocks", l, 8) == 0);
    CHECK(cfg_list(&c, "model.b.blocks", l, 8) == 4 && l[0] == 1 && l[2] == 2 && l[3] == 1);
    CHECK(cfg_list(&c, "model.b.blocks", l, 2) == 4); /* the count, even when max is smaller */
    CHECK(!strcmp(cfg_str(&c, "model.fusion"), "sum"));
    CHECK(cfg_bool(&c, "model.aux_heads") == 0); /* "No" */
    CHECK(cfg_int(&c, "train.epochs") == 10);
    CHECK(cfg_int(&c, "train.batch_size") == 32);
    CHECK(cfg_int(&c, "train.eval_batch_size") == 256);
    CHECK(cfg_double(&c, "train.lr") == 5e-4);
    CHECK(cfg_double(&c, "train.beta1") == 0.9);
    CHECK(cfg_double(&c, "train.beta2") == 0.98); /* ".98" */
    CHECK(cfg_double(&c, "train.eps") == 1e-8);
    CHECK(cfg_int(&c, "train.seed") == 7);
    CHECK(!strcmp(cfg_str(&c, "train.device"), "cpu"));
    CHECK(!strcmp(cfg_str(&c, "method.name"), "miles"));
    CHECK(cfg_double(&c, "method.tau") == 0.1);
    CHECK(cfg_double(&c, "method.mu") == 1.0); /* "1" is a number too */
    CHECK(!strcmp(cfg_str(&c, "method.reading"), "literal"));
    CHECK(!strcmp(cfg_str(&c, "method.metrics_from"), "val"));
    CHECK(!strcmp(cfg_str(&c, "output.dir"), "results/good run"));
    CHECK(cfg_find(&c, "method.aux_loss") == NULL); /* a vanilla key */
    const cfg_value *v = cfg_find(&c, "train.lr");
    CHECKF(v && v->set && strstr(v->src, "good.yaml:21:3"), "%s", v ? v->src : "none");
    v = cfg_find(&c, "train.beta1");
    CHECKF(v && !v->set && !strcmp(v->src, "default"), "%s", v ? v->src : "none");

    char *table = capture(config_print_table, &c);
    CHECKF(strstr(table, "* train.lr ") && strstr(table, "  train.beta1 ") && strstr(table, "  dataset.name ") &&
               strstr(table, "  model.a.preset "),
           "%s", table);
    free(table);
    char h1[17], h2[17];
    config_hash(&c, h1);
    config_hash(&c, h2);
    CHECK(strlen(h1) == 16 && !strcmp(h1, h2));
    config_free(&c);
    CHECK(c.v == NULL && c.n == 0);

    /* defaults, and block-style YAML */
    rc = config_load(fixture("good-block.yaml"), NULL, 0, &c, err, sizeof err);
    CHECKF(rc == 0, "%s", err);
    if (rc) return;
    CHECK(cfg_list(&c, "model.a.blocks", l, 8) == 2 && l[0] == 2 && l[1] == 2);
    CHECK(cfg_bool(&c, "method.aux_loss") == 0);
    CHECK(cfg_find(&c, "method.tau") == NULL);
    CHECK(!strcmp(cfg_str(&c, "model.b.preset"), "resnet10"));
    CHECK(cfg_int(&c, "model.b.base_width") == 0);
    CHECK(cfg_bool(&c, "model.aux_heads") == 1);
    CHECK(cfg_int(&c, "train.epochs") == 50 && cfg_int(&c, "train.threads") == 0);
    CHECK(!strcmp(cfg_str(&c, "train.optimizer"), "adam") && cfg_double(&c, "train.lr") == 1e-3);
    CHECK(cfg_double(&c, "train.momentum") == 0.9 && cfg_double(&c, "train.weight_decay") == 0);
    CHECK(!strcmp(cfg_str(&c, "train.device"), "auto"));
    CHECK(!strcmp(cfg_str(&c, "output.dir"), "results/run"));
    config_free(&c);
}

static void test_overrides(void) {
    config c;
    char err[2048];
    const char *sets[] = {
        "model.a.blocks=[1,1,1,1]", "train.lr=0.01",    "method.mu=0.25", "output.dir='a \"dir\" with\\\\ odd: chars'",
        "model.aux_heads=ON",       "train.epochs=+12", "train.lr=2E-2",  "model.b.blocks=[]",
        "model.b.preset=resnet18"};
    int rc = config_load(fixture("good.yaml"), sets, 9, &c, err, sizeof err);
    CHECKF(rc == 0, "%s", err);
    if (rc) return;
    long long l[8];
    CHECK(cfg_list(&c, "model.a.blocks", l, 8) == 4 && l[0] == 1 && l[3] == 1);
    CHECK(cfg_list(&c, "model.b.blocks", l, 8) == 0);
    CHECK(cfg_double(&c, "train.lr") == 0.02); /* the last override wins */
    CHECK(cfg_double(&c, "method.mu") == 0.25);
    CHECKF(!strcmp(cfg_str(&c, "output.dir"), "a \"dir\" with\\\\ odd: chars"), "%s", cfg_str(&c, "output.dir"));
    CHECK(cfg_bool(&c, "model.aux_heads") == 1);
    CHECK(cfg_int(&c, "train.epochs") == 12);
    const cfg_value *v = cfg_find(&c, "train.lr");
    CHECK(v && v->set && !strcmp(v->src, "--set"));
    config_free(&c);

    /* switching method by --set brings that method's keys */
    const char *miles[] = {"method.name=miles", "method.tau=0.05"};
    rc = config_load(fixture("good-minimal.yaml"), miles, 2, &c, err, sizeof err);
    CHECKF(rc == 0, "%s", err);
    if (rc) return;
    CHECK(cfg_double(&c, "method.tau") == 0.05 && cfg_double(&c, "method.mu") == 0.5);
    CHECK(!strcmp(cfg_str(&c, "method.lr_follows"), "encoder"));
    CHECK(cfg_find(&c, "method.aux_loss") == NULL);
    config_free(&c);
}

static void same_config(const config *a, const config *b) {
    CHECK(a->n == b->n);
    for (size_t i = 0; i < a->n && i < b->n; i++) {
        const cfg_value *x = &a->v[i], *y = &b->v[i];
        CHECKF(x->key == y->key && x->i == y->i && x->d == y->d && !strcmp(x->s, y->s) && x->n_list == y->n_list &&
                   !memcmp(x->list, y->list, sizeof x->list),
               "%s differs after reload", x->key->path);
    }
}

static void test_write_reload(void) {
    char dir[512];
    const char *tmpdir = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/test_config.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (!mkdtemp(dir)) {
        CHECKF(0, "mkdtemp failed");
        return;
    }
    char out[600], tmp[610], out2[600];
    snprintf(out, sizeof out, "%s/config.yaml", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    snprintf(out2, sizeof out2, "%s/again.yaml", dir);
    config c, d, e;
    char err[2048];
    const char *sets[] = {"output.dir=\"tab\\there, quote \\\" back\\\\slash, é, #no comment\"",
                          "train.lr=0.1234567890123456789", "train.eps=1e-300", "train.weight_decay=.3"};
    int rc = config_load(fixture("good.yaml"), sets, 4, &c, err, sizeof err);
    CHECKF(rc == 0, "%s", err);
    if (rc) return;
    CHECK(strchr(cfg_str(&c, "output.dir"), '\t') != NULL);
    rc = config_write_yaml(&c, out, err, sizeof err);
    CHECKF(rc == 0, "%s", err);
    CHECK(access(tmp, F_OK) != 0);
    rc = config_load(out, NULL, 0, &d, err, sizeof err);
    CHECKF(rc == 0, "%s", err);
    if (!rc) {
        same_config(&c, &d);
        for (size_t i = 0; i < d.n; i++) CHECKF(d.v[i].set, "%s not written", d.v[i].key->path);
        char h1[17], h2[17];
        config_hash(&c, h1);
        config_hash(&d, h2);
        CHECK(!strcmp(h1, h2));
        char *y1 = capture(config_print_yaml, &c), *y2 = capture(config_print_yaml, &d);
        CHECK(!strcmp(y1, y2));
        free(y1);
        free(y2);
        /* what is written is exactly config_print_yaml */
        CHECK(config_write_yaml(&d, out2, err, sizeof err) == 0);
        char *f1 = read_all(out), *f2 = read_all(out2);
        CHECK(f1 && f2 && !strcmp(f1, f2));
        free(f1);
        free(f2);
        /* a different value gives a different hash */
        const char *lr[] = {"train.lr=0.5"};
        CHECK(config_load(out, lr, 1, &e, err, sizeof err) == 0);
        config_hash(&e, h2);
        CHECK(strcmp(h1, h2) != 0);
        config_free(&e);
        config_free(&d);
    }
    char bad[700];
    snprintf(bad, sizeof bad, "%s/no/such/dir/c.yaml", dir);
    err[0] = '\0';
    CHECK(config_write_yaml(&c, bad, err, sizeof err) == 1 && strstr(err, "cannot write"));
    config_free(&c);
    remove(out);
    remove(out2);
    rmdir(dir);
}

typedef struct {
    const char *file;   /* fixture */
    const char *set[2]; /* overrides */
    const char *expect; /* substring of the one message */
} bad_case;

static const bad_case bad_cases[] = {
    {"bad-unknown-key.yaml",
     {0},
     "bad-unknown-key.yaml:6:5: model.a.presett: unknown key (did you mean model.a.preset?)"},
    {"bad-wrong-type.yaml",
     {0},
     "bad-wrong-type.yaml:5:11: train.epochs: expected an integer in [1, 100000], found ten"},
    {"bad-missing-required.yaml", {0}, "bad-missing-required.yaml:1:1: dataset.cache: missing required key"},
    {"bad-tau-range.yaml", {0}, "bad-tau-range.yaml:6:8: method.tau: expected a number in [0, 1], found 1.5"},
    {"bad-mu-zero.yaml", {0}, "bad-mu-zero.yaml:6:7: method.mu: expected a number in (0, 1], found 0"},
    {"bad-lr-negative.yaml", {0}, "bad-lr-negative.yaml:6:7: train.lr: expected a number in (0, 10], found -1"},
    {"bad-epochs-zero.yaml",
     {0},
     "bad-epochs-zero.yaml:5:11: train.epochs: expected an integer in [1, 100000], found 0"},
    {"bad-duplicate-key.yaml", {0}, "bad-duplicate-key.yaml:7:3: train.lr: duplicate key (first given at line 5)"},
    {"bad-unclosed-bracket.yaml",
     {0},
     "bad-unclosed-bracket.yaml:7:9: malformed YAML: did not find expected ',' or ']'"},
    {"bad-wrong-method.yaml",
     {0},
     "bad-wrong-method.yaml:6:3: method.tau: belongs to method miles, but method.name is vanilla"},
    {"bad-enum.yaml",
     {0},
     "bad-enum.yaml:5:14: train.optimizer: expected one of adam|sgd, found adamw (did you mean adam?)"},
    {"bad-mapping-for-scalar.yaml",
     {0},
     "bad-mapping-for-scalar.yaml:6:5: train.lr: expected a number in (0, 10], found a mapping"},
    {"bad-list-for-scalar.yaml",
     {0},
     "bad-list-for-scalar.yaml:5:15: train.batch_size: expected an integer in [1, 65536], found a list"},
    {"bad-empty.yaml", {0}, "bad-empty.yaml:1:1: empty configuration"},
    {"bad-top-level-list.yaml", {0}, "bad-top-level-list.yaml:1:1: expected a mapping of sections"},
    {"bad-int-not-integral.yaml",
     {0},
     "bad-int-not-integral.yaml:5:9: train.seed: expected an integer in [0, 2147483647], found 3.5"},
    {"bad-quoted-number.yaml",
     {0},
     "bad-quoted-number.yaml:5:7: train.lr: expected a number in (0, 10], found string \"1e-3\""},
    {"bad-nan.yaml", {0}, "bad-nan.yaml:5:7: train.lr: expected a number in (0, 10], found .nan"},
    {"bad-bool.yaml", {0}, "bad-bool.yaml:5:14: model.aux_heads: expected true or false, found maybe"},
    {"bad-list-item.yaml", {0}, "bad-list-item.yaml:6:20: model.b.blocks[2]: expected an integer in [1, 64], found 65"},
    {"bad-list-too-long.yaml", {0}, "bad-list-too-long.yaml:6:13: model.b.blocks: expected at most 4 items, found 5"},
    {"bad-section-scalar.yaml",
     {0},
     "bad-section-scalar.yaml:5:6: model.a: expected a mapping of model.a.* keys, found resnet18"},
    {"bad-search.yaml", {0}, "bad-search.yaml:4:9: search: expected a mapping (trials, seed, params), found 10"},
    {"bad-custom-incomplete.yaml",
     {0},
     "bad-custom-incomplete.yaml:6:5: model.a.blocks: model.a.preset is custom, so this key must be set"},
    {"bad-two-documents.yaml", {0}, "bad-two-documents.yaml:4:1: expected one YAML document"},
    {"bad-tab-indent.yaml",
     {0},
     "bad-tab-indent.yaml:2:1: malformed YAML: found character that cannot start any token"},
    {"bad-dotted-key.yaml", {0}, "bad-dotted-key.yaml:4:1: train.lr: unknown key"},
    {"bad-null-string.yaml", {0}, "bad-null-string.yaml:3:9: dataset.cache: expected a string, found null"},
    {"no-such-file.yaml", {0}, "no-such-file.yaml: cannot read: "},
    /* overrides */
    {"good.yaml", {"train.lr"}, "--set train.lr: expected KEY.PATH=VALUE"},
    {"good.yaml", {"=3"}, "--set =3: expected KEY.PATH=VALUE"},
    {"good.yaml", {"train.lrr=0.1"}, "--set train.lrr=0.1: train.lrr: unknown key (did you mean train.lr?)"},
    {"good.yaml", {"train.tau=0.1"}, "--set train.tau=0.1: train.tau: unknown key (did you mean method.tau?)"},
    {"good.yaml", {"train.lr=abc"}, "--set train.lr=abc: train.lr: expected a number in (0, 10], found abc"},
    {"good.yaml", {"train.lr=inf"}, "--set train.lr=inf: train.lr: expected a number in (0, 10], found inf"},
    {"good.yaml",
     {"train.epochs=1e3"},
     "--set train.epochs=1e3: train.epochs: expected an integer in [1, 100000], found 1e3"},
    {"good.yaml", {"model.a=resnet18"}, "--set model.a=resnet18: model.a: a section, not a key"},
    {"good.yaml", {"model.a.blocks=[1,2"}, "--set model.a.blocks=[1,2: model.a.blocks: malformed YAML"},
    {"good.yaml",
     {"model.a.blocks=2"},
     "--set model.a.blocks=2: model.a.blocks: expected a list of at most 4 integers in [1, 64], found 2"},
    {"good.yaml", {"output.dir="}, "--set output.dir=: output.dir: expected a string, found nothing"},
    {"good.yaml",
     {"train.device=gpu"},
     "--set train.device=gpu: train.device: expected one of auto|cpu|cuda, found gpu"},
    {"good.yaml",
     {"method.aux_loss=false"},
     "--set method.aux_loss=false: method.aux_loss: belongs to method "
     "vanilla|mslr_keep|mslr_smooth|mslr_dynamic|ogm|ogm_ge, but method.name is miles (at line 27)"},
    {"good.yaml",
     {"method.name=vanilla"},
     "good.yaml:28:3: method.tau: belongs to method miles, but method.name is vanilla (--set method.name=vanilla)"},
    {"good-minimal.yaml",
     {"method.mu=0.3"},
     "--set method.mu=0.3: method.mu: belongs to method miles, but method.name is vanilla (the default)"},
    {"good-block.yaml",
     {"method.name=ogm_gee"},
     "--set method.name=ogm_gee: method.name: expected one of "
     "vanilla|mslr_keep|mslr_smooth|mslr_dynamic|ogm|ogm_ge|mses|gblend|miles|unimodal, found ogm_gee (did you mean "
     "ogm_ge?)"},
    {"good.yaml",
     {"model.b.preset=resnet18", "model.a.preset=custom"},
     "--set model.a.preset=custom: model.a.block: model.a.preset is custom, so this key must be set (not preset)"},
};

static void test_bad(void) {
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *b = &bad_cases[i];
        int n = b->set[1] ? 2 : b->set[0] ? 1 : 0;
        config c;
        char err[2048] = "";
        const char *path = fixture(b->file);
        int rc = config_load(path, b->set, n, &c, err, sizeof err);
        CHECKF(rc == 2, "%s %s: returned %d", b->file, n ? b->set[0] : "", rc);
        CHECKF(strstr(err, b->expect) != NULL, "%s %s:\n  expected ...%s...\n  got      %s", b->file,
               n ? b->set[0] : "", b->expect, err);
        CHECKF(!strchr(err, '\n'), "more than one line: %s", err);
        CHECK(c.v == NULL && c.n == 0);
        if (rc == 0) config_free(&c);
    }
    /* every bad-*.yaml fixture has a case */
    DIR *d = opendir(fixtures);
    CHECKF(d != NULL, "cannot list %s", fixtures);
    for (struct dirent *ent; d && (ent = readdir(d));) {
        if (strncmp(ent->d_name, "bad-", 4) != 0) continue;
        int found = 0;
        for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++)
            found |= !strcmp(bad_cases[i].file, ent->d_name);
        CHECKF(found, "fixture %s has no expected message", ent->d_name);
    }
    if (d) closedir(d);
}

/* Deep nesting is refused at once with its place, in a file and in an override: libyaml's
 * scanner is quadratic in the depth (100k nested '[' took ~44 s to reject). 64 levels of lists
 * and mappings are allowed (the root mapping counts as one). */
static void test_nesting(void) {
    char dir[512];
    const char *tmpdir = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/test_config.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (!mkdtemp(dir)) {
        CHECKF(0, "mkdtemp failed");
        return;
    }
    char path[600];
    snprintf(path, sizeof path, "%s/deep.yaml", dir);
    enum { DEEP = 100000 };
    FILE *f = fopen(path, "wb");
    REQUIRE(f != NULL);
    fputs("train:\n  lr: ", f);
    for (int i = 0; i < DEEP; i++) fputc('[', f);
    fputc('\n', f);
    fclose(f);
    config c;
    char err[2048] = "", want[700];
    int rc = config_load(path, NULL, 0, &c, err, sizeof err);
    /* depth 1 is the root mapping, 2 train's mapping, so the 63rd '[' (column 7 + 62) is the 65th level */
    snprintf(want, sizeof want, "%s:2:69: nesting deeper than 64 levels of lists and mappings", path);
    CHECKF(rc == 2, "deep file: returned %d", rc);
    CHECKF(strstr(err, want) != NULL, "deep file:\n  expected %s\n  got      %s", want, err);
    if (rc == 0) config_free(&c);

    /* the same in an override, where the root list is level 1 */
    char *set = malloc(DEEP + 32);
    REQUIRE(set != NULL);
    int k = snprintf(set, DEEP + 32, "model.a.blocks=");
    memset(set + k, '[', DEEP);
    set[k + DEEP] = '\0';
    const char *sets[] = {set};
    err[0] = '\0';
    rc = config_load(fixture("good.yaml"), sets, 1, &c, err, sizeof err);
    CHECKF(rc == 2, "deep --set: returned %d", rc);
    CHECKF(strstr(err, "model.a.blocks: nesting deeper than 64 levels") != NULL, "deep --set: got %.300s", err);
    if (rc == 0) config_free(&c);

    /* 64 levels are not refused for their depth (only as a value of the wrong type) */
    k = snprintf(set, DEEP + 32, "model.a.blocks=");
    for (int i = 0; i < 64; i++) set[k++] = '[';
    for (int i = 0; i < 64; i++) set[k++] = ']';
    set[k] = '\0';
    err[0] = '\0';
    rc = config_load(fixture("good.yaml"), sets, 1, &c, err, sizeof err);
    CHECKF(rc == 2 && strstr(err, "model.a.blocks[0]: expected an integer") != NULL, "64 levels: %.300s", err);
    if (rc == 0) config_free(&c);
    free(set);
    remove(path);
    rmdir(dir);
}

/* experiments/README.md holds the current schema table; the example experiment loads. */
static void test_docs(void) {
    char path[1200];
    snprintf(path, sizeof path, "%s/../../experiments/README.md", fixtures);
    char *readme = read_all(path);
    if (!readme) {
        fprintf(stderr, "note: %s not found, schema table not checked\n", path);
        return;
    }
    FILE *f = tmpfile();
    schema_md(f);
    long n = ftell(f);
    rewind(f);
    char *table = calloc((size_t)n + 1, 1);
    if (fread(table, 1, (size_t)n, f) != (size_t)n) table[0] = '\0';
    fclose(f);
    CHECKF(strstr(readme, table) != NULL,
           "experiments/README.md's schema table is out of date: replace it with `test_config --schema-md`");
    free(table);
    free(readme);

    snprintf(path, sizeof path, "%s/../../experiments/smnist-standin-miles.yaml", fixtures);
    config c;
    char err[2048];
    int rc = config_load(path, NULL, 0, &c, err, sizeof err);
    CHECKF(rc == 0, "%s", err);
    if (rc) return;
    CHECK(!strcmp(cfg_str(&c, "method.name"), "miles") && cfg_int(&c, "train.epochs") == 10);
    CHECK(!strcmp(cfg_str(&c, "dataset.cache"), "datasets/cache/smnist-standin.h5"));
    config_free(&c);
}

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "--schema-md")) {
        schema_md(stdout);
        return 0;
    }
    if (argc > 1) fixtures = argv[1];
    test_schema();
    test_good();
    test_overrides();
    test_write_reload();
    test_bad();
    test_nesting();
    test_docs();
    printf("test_config: %zu bad inputs checked\n", sizeof bad_cases / sizeof bad_cases[0]);
    return check_finish("test_config");
}
