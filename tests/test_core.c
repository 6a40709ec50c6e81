/* test_core.c - the small core modules every room builds on: json (file:line:col errors,
 * duplicate keys, atomic save, NaN as null), summary (the one summary.json field table: a
 * bit-exact round trip, damage named by file and key), catalog (lookups; the piped method list
 * cannot drift from the X-macro), columns (epochs.csv columns by name, and read back) and util (strict
 * integers, shortest doubles, splitmix64, path lengths); and results, the result-directory
 * reader on top of them, with MSLR's lr_source that chooses its run through it.
 *
 *   test_core tests/report/results     (the hand-made results of test_report, for the reader)
 *
 * Plain C11; links miles_core. Files go to a fresh directory under $TMPDIR (removed at the end).
 */
#define _POSIX_C_SOURCE 200809L

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "scratch.h"
#include "core/catalog.h"
#include "core/columns.h"
#include "core/json.h"
#include "core/results.h"
#include "core/summary.h"
#include "core/util.h"
#include "methods/lr_source.h"

static const char *fixtures = "."; /* tests/report/results: runs and sweeps written by hand */

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    REQUIRE(f);
    fputs(text, f);
    REQUIRE(fclose(f) == 0);
}

static int starts_with(const char *s, const char *prefix) { return !strncmp(s, prefix, strlen(prefix)); }

/* ---- json ---- */

static void test_json_errors(void) {
    char err[512] = "";
    /* line 3, after `"b"`: a ':' is missing */
    json_t *j = json_load_text("{\n  \"a\": 1,\n  \"b\" 2\n}\n", "mem.json", err, sizeof err);
    CHECK(!j);
    CHECKF(starts_with(err, "mem.json:3:"), "found '%s'", err);
    int line = 0, col = 0;
    CHECKF(sscanf(err, "mem.json:%d:%d: ", &line, &col) == 2 && line == 3 && col > 0, "found '%s'", err);

    const char *bad = scratch_path("bad.json");
    write_text(bad, "{\n  \"status\": \"completed\",\n  \"method\": \"vanilla\"\n  \"fusion\": \"concat\"\n}\n");
    int missing = -1;
    j = json_load_path(bad, &missing, err, sizeof err);
    CHECK(!j);
    CHECK(missing == 0);
    char want[1100];
    snprintf(want, sizeof want, "%s:4:", bad);
    CHECKF(starts_with(err, want), "expected '%s...', found '%s'", want, err);

    j = json_load_path(scratch_path("absent.json"), &missing, err, sizeof err);
    CHECK(!j);
    CHECK(missing == 1);
    CHECKF(strstr(err, "absent.json: not found") != NULL, "found '%s'", err);

    /* duplicate keys: refused from memory and from a file */
    j = json_load_text("{\"a\": 1, \"a\": 2}", "dup", err, sizeof err);
    CHECK(!j);
    CHECKF(starts_with(err, "dup:1:") && strstr(err, "duplicate"), "found '%s'", err);
    const char *dup = scratch_path("dup.json");
    write_text(dup, "{\n  \"lr\": 0.1,\n  \"lr\": 0.2\n}\n");
    j = json_load_path(dup, NULL, err, sizeof err);
    CHECK(!j);
    CHECKF(strstr(err, "dup.json:3:") && strstr(err, "duplicate"), "found '%s'", err);
}

static void test_json_save(void) {
    char err[512] = "";
    const char *path = scratch_path("saved.json");
    json_t *o = json_object();
    json_object_set_new(o, "nan", json_number_or_null(NAN));
    json_object_set_new(o, "inf", json_number_or_null(-INFINITY));
    json_object_set_new(o, "x", json_number_or_null(0.1));
    json_object_set_new(o, "s", json_string("a\"b"));
    CHECK(json_is_null(json_object_get(o, "nan")));
    CHECK(json_save_path(path, o, err, sizeof err) == ML_OK);
    json_decref(o);
    char tmpname[1100];
    snprintf(tmpname, sizeof tmpname, "%s.tmp", path);
    CHECKF(access(tmpname, F_OK) != 0, "%s was left behind", tmpname);

    o = json_load_path(path, NULL, err, sizeof err);
    REQUIRE(o);
    CHECK(isnan(json_get_num(o, "nan", 5)));
    CHECK(isnan(json_get_num(o, "inf", 5)));
    CHECK(json_get_num(o, "x", 5) == 0.1);
    CHECK(json_get_num(o, "absent", 5) == 5);
    CHECK(json_get_num(o, "s", 5) == 5);
    CHECK(!strcmp(json_get_str(o, "s", "?"), "a\"b"));
    CHECK(!strcmp(json_get_str(o, "x", "?"), "?"));
    CHECK(json_get_int(o, "x", 7) == 7);
    json_decref(o);

    /* a directory that does not exist: an error naming the file, no file */
    o = json_object();
    const char *nowhere = scratch_path("no-such-dir/x.json");
    CHECK(json_save_path(nowhere, o, err, sizeof err) == ML_ERUNTIME);
    CHECKF(strstr(err, "no-such-dir/x.json") != NULL, "found '%s'", err);
    json_decref(o);
}

/* ---- summary ---- */

static void fill(char *s, size_t n, char c) {
    memset(s, c, n - 1);
    s[n - 1] = 0;
}

static void test_summary_round_trip(void) {
    char err[512] = "";
    run_summary a, b;
    run_summary_init(&a);
    /* Every string at its capacity, with characters JSON must escape. */
    fill(a.status, sizeof a.status, 's');
    fill(a.dataset, sizeof a.dataset, 'd');
    fill(a.metric, sizeof a.metric, 'm');
    fill(a.method, sizeof a.method, 'M');
    fill(a.fusion, sizeof a.fusion, 'f');
    fill(a.selection_head, sizeof a.selection_head, 'h');
    fill(a.modality_a, sizeof a.modality_a, 'a');
    fill(a.modality_b, sizeof a.modality_b, 'b');
    fill(a.config_hash, sizeof a.config_hash, 'c');
    fill(a.dataset_recipe, sizeof a.dataset_recipe, 'r');
    a.dataset_recipe[3] = '"', a.dataset_recipe[4] = '\\', a.dataset_recipe[5] = '\n';
    fill(a.device, sizeof a.device, 'v');
    fill(a.torch_version, sizeof a.torch_version, 't');
    fill(a.miles_version, sizeof a.miles_version, 'V');
    fill(a.commit, sizeof a.commit, 'C');
    a.epochs = LLONG_MAX;
    a.epochs_run = LLONG_MIN;
    a.extra_epochs = 0;
    a.best_epoch = -1;
    a.val_metric[0] = 0.1;
    a.val_metric[1] = 1.0 / 3.0;
    a.val_metric[2] = 5e-324;
    a.val_metric_selected = 0.1 + 0.2;
    a.test_loss = -0.0;
    a.test_metric[0] = NAN; /* written as null, read as NaN */
    a.test_metric[1] = 1e21;
    a.test_metric[2] = 0.98699999999999999;
    a.test_metric_selected = 1.7976931348623157e308;
    a.lr = 0.000517515;
    CHECK(run_summary_write(scratch_dir, &a, err, sizeof err) == ML_OK);
    int missing = -1;
    CHECKF(run_summary_read(scratch_dir, &b, &missing, err, sizeof err) == ML_OK, "%s", err);
    CHECK(missing == 0);
    /* Both structs start from run_summary_init's memset, so every byte must agree. */
    CHECKF(!memcmp(&a, &b, sizeof a), "the summary changed on a round trip");
    CHECK(signbit(b.test_loss));
    CHECK(isnan(b.test_metric[0]));
    CHECK(b.val_metric[2] == 5e-324);
    CHECK(!strcmp(a.dataset_recipe, b.dataset_recipe));
}

static void test_summary_errors(void) {
    char err[512] = "", want[1100];
    run_summary s;
    int missing = -1;
    char dir[600], file[600];
    snprintf(dir, sizeof dir, "%s", scratch_path("sum"));
    snprintf(file, sizeof file, "%s", scratch_path("sum/summary.json"));
    REQUIRE(mkdir(dir, 0755) == 0);

    CHECK(run_summary_read(dir, &s, &missing, err, sizeof err) == ML_EDATA);
    CHECK(missing == 1);
    CHECKF(strstr(err, "sum/summary.json: not found") != NULL, "found '%s'", err);

    write_text(file, "{\"status\": \"completed\", \"best_epoch\": \"3\"}\n");
    CHECK(run_summary_read(dir, &s, &missing, err, sizeof err) == ML_EDATA);
    CHECK(missing == 0);
    snprintf(want, sizeof want, "%s: best_epoch: expected an integer", file);
    CHECKF(strstr(err, want) != NULL, "expected '%s', found '%s'", want, err);

    write_text(file, "{\"status\": 1}\n");
    CHECK(run_summary_read(dir, &s, NULL, err, sizeof err) == ML_EDATA);
    CHECKF(strstr(err, "summary.json: status: expected a string") != NULL, "found '%s'", err);

    write_text(file, "{\"test_metric_a\": \"0.5\"}\n");
    CHECK(run_summary_read(dir, &s, NULL, err, sizeof err) == ML_EDATA);
    CHECKF(strstr(err, "test_metric_a: expected a number or null") != NULL, "found '%s'", err);

    write_text(file, "{\"epochs\": 4.0}\n");
    CHECK(run_summary_read(dir, &s, NULL, err, sizeof err) == ML_EDATA);
    CHECKF(strstr(err, "epochs: expected an integer") != NULL, "found '%s'", err);

    write_text(file, "[1, 2]\n");
    CHECK(run_summary_read(dir, &s, NULL, err, sizeof err) == ML_EDATA);
    CHECKF(strstr(err, "expected a JSON object") != NULL, "found '%s'", err);

    write_text(file, "{\"status\": \"completed\",\n \"method\": \"vanilla\"\n \"fusion\": \"sum\"}\n");
    CHECK(run_summary_read(dir, &s, NULL, err, sizeof err) == ML_EDATA);
    snprintf(want, sizeof want, "%s:3:", file);
    CHECKF(starts_with(err, want), "expected '%s...', found '%s'", want, err);

    /* A string longer than its field is damage, never cut short: the real dataset recipes are
     * several hundred bytes long and must survive a read. */
    char recipe[700], text[900];
    fill(recipe, sizeof recipe, 'r');
    snprintf(text, sizeof text, "{\"dataset_recipe\": \"%s\"}\n", recipe);
    write_text(file, text);
    CHECKF(run_summary_read(dir, &s, NULL, err, sizeof err) == ML_OK, "%s", err);
    CHECKF(!strcmp(s.dataset_recipe, recipe), "the recipe was cut to %zu bytes", strlen(s.dataset_recipe));
    char status[64];
    fill(status, sizeof status, 'x');
    snprintf(text, sizeof text, "{\"status\": \"%s\"}\n", status);
    write_text(file, text);
    CHECK(run_summary_read(dir, &s, NULL, err, sizeof err) == ML_EDATA);
    CHECKF(strstr(err, "status: expected a string of at most") != NULL, "found '%s'", err);

    /* absent keys: their "absent" values */
    write_text(file, "{}\n");
    CHECK(run_summary_read(dir, &s, NULL, err, sizeof err) == ML_OK);
    CHECK(s.status[0] == 0 && s.best_epoch == -1 && isnan(s.val_metric_selected) && isnan(s.lr));

    /* A directory whose summary.json path does not fit: said so, not read from a cut path. */
    char longdir[ML_PATH_MAX];
    memset(longdir, 'd', sizeof longdir - 10);
    longdir[sizeof longdir - 10] = 0;
    missing = -1;
    CHECK(run_summary_read(longdir, &s, &missing, err, sizeof err) != ML_OK);
    CHECKF(strstr(err, "too long") != NULL, "found '%.200s'", err);
    CHECK(missing == 0);
    run_summary_init(&s);
    CHECK(run_summary_write(longdir, &s, err, sizeof err) != ML_OK);
    CHECKF(strstr(err, "too long") != NULL, "found '%.200s'", err);
}

/* ---- catalog ---- */

static void test_catalog(void) {
    CHECK(catalog_method_find("vanilla") == METHOD_vanilla);
    CHECK(catalog_method_find("ogm_ge") == METHOD_ogm_ge);
    CHECK(catalog_method_find("unimodal") == METHOD_unimodal);
    CHECK(catalog_method_find("ogm-ge") == -1);
    CHECK(catalog_method_find("") == -1);
    CHECK(!strcmp(catalog_method_name(METHOD_mslr_keep), "mslr_keep"));
    CHECK(!strcmp(catalog_method_label(METHOD_miles), "+ MILES"));
    CHECK(!strcmp(catalog_method_label(METHOD_gblend), "+ G-Blend"));
    CHECK(catalog_method_name(METHOD_COUNT) == NULL);
    CHECK(catalog_method_label((method_id)-1) == NULL);

    /* The piped list the schema checks names against must be the X-macro list, joined. */
    char joined[512] = "";
    for (int m = 0; m < METHOD_COUNT; m++) {
        if (m) strcat(joined, "|");
        strcat(joined, catalog_method_name((method_id)m));
    }
    CHECKF(!strcmp(joined, MILES_METHOD_NAMES_PIPED), "X-macro '%s' vs piped '%s'", joined, MILES_METHOD_NAMES_PIPED);

    int sm = catalog_dataset_find("smnist"), cd = catalog_dataset_find("crema_d");
    REQUIRE(sm >= 0 && cd >= 0);
    CHECK(!strcmp(catalog_dataset_label(sm), "S-MNIST") && !strcmp(catalog_dataset_strong(sm), "image"));
    CHECK(!strcmp(catalog_dataset_label(cd), "CREMA-D") && !strcmp(catalog_dataset_strong(cd), "audio"));
    CHECK(!strcmp(catalog_dataset_strong(catalog_dataset_find("mm_imdb")), "text"));
    CHECK(catalog_dataset_find("cremad") < sm); /* the paper's column order */
    CHECK(catalog_dataset_find("mnist") == -1);
    CHECK(catalog_dataset_count() == 7);
    CHECK(!strcmp(catalog_dataset_strong(catalog_dataset_find("mlsynth")), "text"));
    CHECK(catalog_dataset_label(-1) == NULL && catalog_dataset_strong(catalog_dataset_count()) == NULL);
}

/* ---- columns ---- */

static void test_columns(void) {
    const char *h = epochs_header();
    CHECK(starts_with(h, "epoch,train_loss,"));
    CHECK(!strchr(h, '\n'));
    for (int c = 0; c < COL_COUNT; c++)
        CHECKF(epochs_column_find(h, epochs_column_name((epoch_column)c)) == c, "column %s", epochs_column_name(c));
    CHECK(!strcmp(epochs_column_name(COL_U_A), "u_a"));
    CHECK(epochs_column_name(COL_COUNT) == NULL);
    /* by name, whatever the order; CRLF and LF endings; prefixes and absent names */
    CHECK(epochs_column_find("epoch,lr_fusion,lr_a\r\n", "lr_a") == 2);
    CHECK(epochs_column_find("epoch,lr_fusion,lr_a\n", "lr_a") == 2);
    CHECK(epochs_column_find("epoch,lr_fusion,lr_a", "lr_a") == 2);
    CHECK(epochs_column_find("epoch,lr_fusion,lr_a\r\n", "epoch") == 0);
    CHECK(epochs_column_find("epoch,lr_fusion,lr_a\r\n", "lr") == -1);
    CHECK(epochs_column_find("epoch,lr_fusion,lr_a\r\n", "lr_a\r") == -1);
    CHECK(epochs_column_find("epoch,lr_fusion,lr_a\r\n", "u_a") == -1);
    CHECK(epochs_column_find("", "epoch") == -1);
    CHECK(epochs_column_find(h, "seconds") == COL_SECONDS);
    char extended[512];
    snprintf(extended, sizeof extended, "%s,ogm_coeff_a\r\n", h);
    CHECK(epochs_column_find(extended, "ogm_coeff_a") == COL_COUNT);
}

static void test_epochs_read(void) {
    char err[512] = "", dir[600];
    snprintf(dir, sizeof dir, "%s", scratch_path("ep"));
    REQUIRE(mkdir(dir, 0755) == 0);
    /* CRLF endings, columns in another order, an appended method column, a blank line, an empty
     * field and one that is not a number */
    write_text(scratch_path("ep/epochs.csv"), "epoch,lr_fusion,u_a,lr_a,extra\r\n1,0.001,nan,0.0005,7\r\n\r\n"
                                              "2,0.001,,x,8\r\n3,0.002,0.5,0.002,9\r\n");
    const char *names[] = {"lr_a", "epoch", "u_a", "extra"};
    epochs_table t;
    REQUIRE(epochs_read(dir, names, 4, &t, err, sizeof err) == ML_OK);
    CHECK(t.n_rows == 3 && t.n_cols == 4);
    if (t.n_rows == 3) {
        CHECK(t.v[0] == 0.0005 && t.v[1] == 1 && isnan(t.v[2]) && t.v[3] == 7);
        CHECK(isnan(t.v[4]) && t.v[5] == 2 && isnan(t.v[6]) && t.v[7] == 8);
        CHECK(t.v[8] == 0.002 && t.v[9] == 3 && t.v[10] == 0.5 && t.v[11] == 9);
    }
    epochs_table_free(&t);

    /* a line longer than any fixed buffer: the last column still read */
    FILE *f = fopen(scratch_path("ep/epochs.csv"), "w");
    REQUIRE(f);
    fputs("epoch", f);
    for (int i = 0; i < 3000; i++) fprintf(f, ",c%d", i);
    fputs(",last\n1", f);
    for (int i = 0; i < 3000; i++) fputs(",0.123456789", f);
    fputs(",42\n", f);
    REQUIRE(fclose(f) == 0);
    const char *last[] = {"last"};
    CHECK(epochs_read(dir, last, 1, &t, err, sizeof err) == ML_OK && t.n_rows == 1 && t.v[0] == 42);
    epochs_table_free(&t);

    write_text(scratch_path("ep/epochs.csv"), "epoch,lr_a\n1,0.1\n");
    const char *absent[] = {"epoch", "lr_b"};
    CHECK(epochs_read(dir, absent, 2, &t, err, sizeof err) == ML_EDATA);
    CHECKF(strstr(err, "ep/epochs.csv: expected a column lr_b in the header") != NULL, "found '%s'", err);
    CHECK(t.v == NULL && t.n_rows == 0);
    write_text(scratch_path("ep/epochs.csv"), "");
    CHECK(epochs_read(dir, absent, 1, &t, err, sizeof err) == ML_EDATA);
    CHECKF(strstr(err, "empty file") != NULL, "found '%s'", err);
    CHECK(epochs_read(scratch_path("nowhere"), absent, 1, &t, err, sizeof err) == ML_EDATA);
    CHECKF(strstr(err, "nowhere/epochs.csv: cannot read") != NULL, "found '%s'", err);
}

/* ---- results (and lr_source, the reader's user below analysis/) ---- */

static const char *fixture(const char *name) {
    static char buf[4][1024];
    static int k = 0;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", fixtures, name);
    return buf[k];
}

static int ends_with(const char *s, const char *tail) {
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && !strcmp(s + a - b, tail);
}

static int is_miles(const rs_run *r, const void *arg) {
    (void)arg;
    return !strcmp(r->sum.method, "miles");
}

static void test_results_fixtures(void) {
    char err[1024] = "";
    rs_set s = {0};
    REQUIRE(rs_collect(&s, fixture("unimodal"), err, sizeof err) == ML_OK);
    rs_finish(&s);
    /* image/ (a sweep of three trials, one diverged) and audio-lr3e-4/ (one run) */
    CHECK(s.n_units == 2 && s.n_runs == 4);
    const rs_unit *img = s.units[0].is_sweep ? &s.units[0] : &s.units[1];
    CHECK(img->is_sweep && img->n_trials == 3 && img->n_done == 2);
    CHECKF(!strcmp(rs_unit_name(img), "image"), "found %s", rs_unit_name(img));
    REQUIRE(img->best >= 0);
    CHECK(s.runs[img->best].trial == 1 && ends_with(s.runs[img->best].dir, "image/trial-001"));
    CHECK(!strcmp(s.runs[img->best].sum.selection_head, "a"));
    CHECK(!strcmp(rs_strong_modality(&s.runs[img->best]), "image"));
    rs_free(&s);

    /* the best MILES run of everything: among the units' best runs, and among every run */
    s = (rs_set){0};
    REQUIRE(rs_collect(&s, fixtures, err, sizeof err) == ML_OK);
    rs_finish(&s);
    const rs_run *u = rs_best(&s, 1, is_miles, NULL), *all = rs_best(&s, 0, is_miles, NULL);
    REQUIRE(u && all);
    CHECKF(ends_with(u->dir, "sum/miles"), "found %s", u->dir);
    CHECK(u->sum.val_metric_selected >= all->sum.val_metric_selected && all->usable);
    CHECK(rs_best(&s, 0, NULL, NULL) != NULL);
    for (int i = 0; i < s.n_units; i++) CHECK(strncmp(rs_unit_name(&s.units[i]), "/", 1) != 0);
    rs_free(&s);

    s = (rs_set){0};
    CHECK(rs_collect(&s, fixture("nowhere"), err, sizeof err) == ML_EINVAL);
    CHECKF(strstr(err, "nowhere: no such directory") != NULL, "found '%s'", err);
    CHECK(rs_collect(&s, fixture("unimodal/image/sweep.json"), err, sizeof err) == ML_EINVAL);
    CHECKF(strstr(err, "expected a results directory, found a file") != NULL, "found '%s'", err);
    rs_free(&s);
}

/* A sweep with an unfinished trial, a tie on validation, and a damaged trial added last. */
static void test_results_sweep(void) {
    char err[1024] = "", dir[600];
    snprintf(dir, sizeof dir, "%s", scratch_path("sw"));
    REQUIRE(mkdir(dir, 0755) == 0);
    write_text(scratch_path("sw/sweep.json"), "{}\n");
    const char *trials[] = {"sw/trial-000", "sw/trial-001", "sw/trial-002",
                            "sw/trial-0x",  "sw/notes",     "sw/trial-4294967296"};
    for (int i = 0; i < 6; i++) REQUIRE(mkdir(scratch_path(trials[i]), 0755) == 0);
    const char *run = "{\"status\": \"completed\", \"dataset\": \"smnist\", \"method\": \"vanilla\", "
                      "\"val_metric_selected\": 0.9}\n";
    write_text(scratch_path("sw/trial-000/summary.json"), run);
    write_text(scratch_path("sw/trial-002/summary.json"), run);
    write_text(scratch_path("sw/trial-0x/summary.json"), run); /* not trial-NNN: not a trial */
    /* past int: not a trial either (atoi made it trial 0, tying with the real trial 0) */
    write_text(scratch_path("sw/trial-4294967296/summary.json"), run);
    rs_set s = {0};
    REQUIRE(rs_collect(&s, dir, err, sizeof err) == ML_OK);
    rs_finish(&s);
    CHECK(s.n_units == 1 && s.n_runs == 2 && s.units[0].n_trials == 2);
    CHECK(s.units[0].best >= 0 && s.runs[s.units[0].best].trial == 0); /* the tie: lowest trial */
    CHECKF(!strcmp(rs_unit_name(&s.units[0]), "sw"), "found %s", rs_unit_name(&s.units[0]));
    rs_free(&s);

    s = (rs_set){.with_unfinished = 1};
    REQUIRE(rs_collect(&s, dir, err, sizeof err) == ML_OK);
    rs_finish(&s);
    CHECK(s.n_runs == 3 && s.units[0].n_trials == 2 && s.units[0].n_done == 2);
    CHECK(s.n_runs == 3 && !s.runs[1].has_summary && s.runs[1].trial == 1 && !s.runs[1].usable);
    rs_free(&s);

    write_text(scratch_path("sw/trial-001/summary.json"), "{\"status\": \"completed\", \"dataset\": 3}\n");
    s = (rs_set){0};
    CHECK(rs_collect(&s, dir, err, sizeof err) == ML_EDATA);
    CHECKF(strstr(err, "trial-001/summary.json: dataset: expected a string") != NULL, "found '%s'", err);
    rs_free(&s);
}

static void test_lr_source(void) {
    char err[1024] = "", chosen[ML_PATH_MAX] = "";
    double lr = 0;
    CHECKF(lr_from_results(fixture("unimodal"), "a", &lr, chosen, sizeof chosen, err, sizeof err) == ML_OK, "%s", err);
    CHECKF(ends_with(chosen, "unimodal/image/trial-001") && lr == 0.001, "chose %s (lr %g)", chosen, lr);
    CHECKF(lr_from_results(fixture("unimodal"), "b", &lr, chosen, sizeof chosen, err, sizeof err) == ML_OK, "%s", err);
    CHECKF(ends_with(chosen, "unimodal/audio-lr3e-4") && lr == 0.0003, "chose %s (lr %g)", chosen, lr);
    CHECK(lr_from_results(fixture("unimodal/audio-lr3e-4"), "b", &lr, chosen, sizeof chosen, err, sizeof err) == ML_OK);
    CHECK(lr_from_results(fixture("unimodal/image"), "b", &lr, chosen, sizeof chosen, err, sizeof err) == ML_EINVAL);
    CHECKF(strstr(err, "expected a completed unimodal run of modality b (or a sweep of them), found none among 3 runs"),
           "found '%s'", err);
    CHECK(lr_from_results(fixture("concat/ogm"), "a", &lr, chosen, sizeof chosen, err, sizeof err) == ML_EINVAL);
    CHECKF(strstr(err, "concat/ogm: expected a run of method unimodal, found ogm") != NULL, "found '%s'", err);
    CHECK(lr_from_results(fixture("unimodal/image/trial-002"), "a", &lr, chosen, sizeof chosen, err, sizeof err) ==
          ML_EINVAL);
    CHECKF(strstr(err, "trial-002: not a completed run (status diverged)") != NULL, "found '%s'", err);
    CHECK(lr_from_results(fixture("unimodal/audio-lr3e-4"), "a", &lr, chosen, sizeof chosen, err, sizeof err) ==
          ML_EINVAL);
    CHECKF(strstr(err, "expected a unimodal run of modality a, found modality b") != NULL, "found '%s'", err);
    CHECK(lr_from_results(fixture("nowhere"), "a", &lr, chosen, sizeof chosen, err, sizeof err) == ML_EINVAL);
}

/* ---- util ---- */

static void test_parse_int(void) {
    long long v = 99;
    CHECK(parse_int("42", 0, 100, &v) == 0 && v == 42);
    CHECK(parse_int("-7", -10, 10, &v) == 0 && v == -7);
    CHECK(parse_int("0", 0, 0, &v) == 0 && v == 0);
    CHECK(parse_int("9223372036854775807", LLONG_MIN, LLONG_MAX, &v) == 0 && v == LLONG_MAX);
    CHECK(parse_int("-9223372036854775808", LLONG_MIN, LLONG_MAX, &v) == 0 && v == LLONG_MIN);
    v = 99;
    CHECK(parse_int("9223372036854775808", LLONG_MIN, LLONG_MAX, &v) == -1); /* overflow */
    CHECK(parse_int("-9223372036854775809", LLONG_MIN, LLONG_MAX, &v) == -1);
    CHECK(parse_int("99999999999999999999999", LLONG_MIN, LLONG_MAX, &v) == -1);
    CHECK(parse_int("12x", 0, 100, &v) == -1); /* trailing junk */
    CHECK(parse_int("12 ", 0, 100, &v) == -1);
    CHECK(parse_int("1.0", 0, 100, &v) == -1);
    CHECK(parse_int("0x10", 0, 100, &v) == -1);
    CHECK(parse_int(" 12", 0, 100, &v) == -1); /* leading space */
    CHECK(parse_int("\t12", 0, 100, &v) == -1);
    CHECK(parse_int("", 0, 100, &v) == -1);
    CHECK(parse_int("-", -5, 5, &v) == -1);
    CHECK(parse_int(NULL, 0, 100, &v) == -1);
    CHECK(parse_int("101", 0, 100, &v) == -1); /* bounds */
    CHECK(parse_int("-1", 0, 100, &v) == -1);
    CHECK(parse_int("100", 0, 100, &v) == 0 && v == 100);
    CHECK(v == 100); /* failures leave *out alone */
    CHECK(parse_int("5", 0, 4, &v) == -1 && v == 100);
}

static void check_shortest(double v, const char *want) {
    char buf[32];
    format_double(buf, sizeof buf, v);
    CHECKF(!strcmp(buf, want), "format_double(%.17g): expected %s, found %s", v, want, buf);
    if (isfinite(v)) {
        double back = strtod(buf, NULL);
        CHECKF(!memcmp(&back, &v, sizeof v), "%s does not read back as %.17g", buf, v);
    }
}

static void test_format_double(void) {
    check_shortest(0.1, "0.1");
    check_shortest(1.0 / 3.0, "0.3333333333333333");
    check_shortest(5e-324, "5e-324");
    check_shortest(1e21, "1e+21");
    check_shortest(-0.0, "-0");
    check_shortest(0.0, "0");
    check_shortest(100.0, "100"); /* not "1e+02" */
    check_shortest(1000.0, "1000");
    check_shortest(10000.0, "10000");
    check_shortest(150000.0, "150000");
    check_shortest(123456789.0, "123456789");
    check_shortest(-2500.0, "-2500");
    check_shortest(1e16, "1e+16");
    check_shortest(1e-5, "1e-05");
    check_shortest(0.0001, "0.0001");
    check_shortest(1.5, "1.5");
    check_shortest(0.1 + 0.2, "0.30000000000000004"); /* 17 digits */
    check_shortest(1.7976931348623157e308, "1.7976931348623157e+308");
    check_shortest(0.000517515, "0.000517515");
    check_shortest(NAN, "nan");
    check_shortest(INFINITY, "inf");
    check_shortest(-INFINITY, "-inf");
    char buf[32];
    CHECK(format_double(buf, sizeof buf, 2.5) == buf);
}

static void test_splitmix(void) {
    uint64_t st = 0;
    CHECKF(splitmix64_next(&st) == 0xE220A8397B1DCDAFull, "first");
    CHECKF(splitmix64_next(&st) == 0x6E789E6AA1B965F4ull, "second");
    CHECK(st == 2 * 0x9E3779B97F4A7C15ull);
    CHECK(splitmix64(0) == 0xE220A8397B1DCDAFull);
}

static void test_text(void) {
    char out[8];
    CHECK(text_capitalized(out, sizeof out, "image") == 0 && !strcmp(out, "Image"));
    CHECK(text_capitalized(out, sizeof out, "Audio") == 0 && !strcmp(out, "Audio"));
    CHECK(text_capitalized(out, sizeof out, "") == 0 && !strcmp(out, ""));
    CHECK(text_capitalized(out, sizeof out, "spectrogram") == -1 && !strcmp(out, "Spectro"));
    CHECK(text_fmt(out, sizeof out, "%d", 1234567) == 0 && text_fmt(out, sizeof out, "%d", 12345678) == -1);
    CHECK(same_double(0.2, 0.2 + 1e-12) && !same_double(0.2, 0.2001) && same_double(NAN, NAN) && !same_double(NAN, 0));
    CHECK(same_double(1e6, 1e6 + 1e-4) && !same_double(1e6, 1e6 + 1e-2));

    const char *path = scratch_path("fields.csv");
    FILE *f = fopen(path, "w");
    REQUIRE(f);
    const char *v[] = {"plain", "a,b", "say \"hi\"", "two\nlines", "cr\r", ""};
    for (int i = 0; i < 6; i++) csv_put_field(f, v[i], i == 0);
    REQUIRE(fclose(f) == 0);
    char got[128] = "";
    f = fopen(path, "r");
    REQUIRE(f);
    size_t n = fread(got, 1, sizeof got - 1, f);
    fclose(f);
    got[n] = 0;
    CHECKF(!strcmp(got, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\","), "found '%s'", got);
    CHECK(path_is_file(scratch_dir, "fields.csv") && !path_is_file(scratch_dir, "nothing") &&
          !path_is_file(scratch_dir, ""));
}

static void test_paths(void) {
    char out[8];
    CHECK(path_join(out, sizeof out, "ab", "cde") == 0 && !strcmp(out, "ab/cde")); /* 6 + NUL */
    CHECK(path_join(out, sizeof out, "ab", "cdef") == 0 && !strcmp(out, "ab/cdef"));
    CHECK(path_join(out, sizeof out, "ab", "cdefg") == -1); /* 8 + NUL */
    CHECK(path_join(out, sizeof out, "", "b") == 0 && !strcmp(out, "b"));
    CHECK(path_join(out, sizeof out, "", "12345678") == -1);
    CHECK(path_fmt(out, sizeof out, "%s.tmp", "abc") == 0 && !strcmp(out, "abc.tmp"));
    CHECK(path_fmt(out, sizeof out, "%s.tmp", "abcd") == -1);
    double t0 = mono_seconds(), t1 = mono_seconds();
    CHECK(t1 >= t0 && t0 > 0);
    CHECK(cpu_count() >= 1);
}

int main(int argc, char **argv) {
    if (argc > 1) fixtures = argv[1];
    scratch_make("test_core");
    test_json_errors();
    test_json_save();
    test_summary_round_trip();
    test_summary_errors();
    test_catalog();
    test_columns();
    test_epochs_read();
    test_results_fixtures();
    test_results_sweep();
    test_lr_source();
    test_parse_int();
    test_format_double();
    test_splitmix();
    test_paths();
    test_text();
    return scratch_finish("test_core");
}
