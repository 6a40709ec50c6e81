/* test_search.c - random-search spaces (csrc/sweep/search.c) and sweep validation (csrc/sweep/sweep.c):
 *
 *   - search_load reads trials, seed and every kind of parameter, with their locations;
 *   - search_trial_sets: values within their ranges, int bounds both reached, loguniform's
 *     median near the geometric mean, every choice drawn, the same values on every call, a
 *     parameter's draws independent of the other parameters (added, removed, reordered) and of
 *     anything but (seed, trial, key path);
 *   - search_describe is canonical (parameter order does not matter);
 *   - one exact message (with FILE:LINE:COL) per kind of invalid space, from search_load, and
 *     from sweep_prepare for what needs the configuration (method.* of another method, a value
 *     the schema rejects, a choice of the wrong type), which then writes nothing;
 *   - sweep_prepare's manifest: written once, accepted again unchanged, refused when the seed
 *     changes; sweep_trial_state of fresh trials.
 *
 * Files are written to a temporary directory. Exit status 1 on any failure.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "scratch.h"
#include "core/config.h"
#include "core/util.h"
#include "sweep/search.h"
#include "sweep/sweep.h"

/* sweep_prepare of EXP with the user's SETS into OUT. */
static ml_status prepare(const char *exp, const char **sets, int n_sets, const char *out, sweep_info *info, char *err,
                         size_t errlen) {
    sweep_request rq = {.exp = exp, .sets = sets, .n_sets = n_sets, .out_dir = out, .only = -1};
    return sweep_prepare(&rq, info, err, errlen);
}

static const char *base_yaml = "dataset: {name: smnist, cache: none.h5}\n" /* line 1 */
                               "train: {epochs: 2, lr: 0.01}\n"            /* line 2 */
                               "method: {name: miles}\n";                  /* line 3; search: starts on line 4 */

/* Writes base_yaml + SEARCH to the scratch directory's NAME; returns the path. */
static const char *write_exp(const char *name, const char *search) {
    const char *path = scratch_path(name);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    fputs(base_yaml, f);
    fputs(search, f);
    fclose(f);
    return path;
}

static double value_of(char sets[][SEARCH_SET_LEN], int n, const char *path, char *text, size_t len) {
    size_t pl = strlen(path);
    for (int i = 0; i < n; i++)
        if (!strncmp(sets[i], path, pl) && sets[i][pl] == '=') {
            if (text) snprintf(text, len, "%s", sets[i] + pl + 1);
            return strtod(sets[i] + pl + 1, NULL);
        }
    return NAN;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static const char *full_space = "search:\n"
                                "  trials: 2000\n"
                                "  seed: 12345\n"
                                "  params:\n"
                                "    train.lr: {loguniform: [1e-4, 1e-2]}\n"
                                "    method.tau: {uniform: [0.1, 0.5]}\n"
                                "    train.seed: {int: [3, 7]}\n"
                                "    train.batch_size: {choice: [16, 32, 64]}\n"
                                "    train.optimizer: {choice: [adam, \"sgd\"]}\n"
                                "    model.a.blocks: {choice: [[1, 1, 1, 1], [2, 2]]}\n";

static void test_load(void) {
    search_space sp;
    char err[2048];
    const char *path = write_exp("full.yaml", full_space);
    int rc = search_load(path, &sp, err, sizeof err);
    CHECKF(rc == 0, "%s", err);
    CHECK(sp.present && sp.trials == 2000 && sp.seed == 12345ULL && sp.n == 6);
    CHECK(!strcmp(sp.p[0].path, "train.lr") && sp.p[0].kind == SEARCH_LOGUNIFORM && sp.p[0].lo == 1e-4 &&
          sp.p[0].hi == 1e-2);
    CHECK(sp.p[0].line == 8 && sp.p[0].col == 5);
    CHECK(sp.p[1].kind == SEARCH_UNIFORM && sp.p[1].lo == 0.1 && sp.p[1].hi == 0.5);
    CHECK(sp.p[2].kind == SEARCH_INT && sp.p[2].lo == 3 && sp.p[2].hi == 7);
    CHECK(sp.p[3].kind == SEARCH_CHOICE && sp.p[3].n_choices == 3 && !strcmp(sp.p[3].choices[2], "64"));
    CHECKF(!strcmp(sp.p[4].choices[1], "\"sgd\""), "quoted choice kept quoted: %s", sp.p[4].choices[1]);
    CHECKF(!strcmp(sp.p[5].choices[0], "[1,1,1,1]"), "list choice: %s", sp.p[5].choices[0]);

    /* no search: block, defaults */
    rc = search_load(write_exp("none.yaml", ""), &sp, err, sizeof err);
    CHECK(rc == 0 && !sp.present && sp.n == 0);
    rc = search_load(write_exp("defaults.yaml", "search:\n  params:\n    method.tau: {uniform: [0, 1]}\n"), &sp, err,
                     sizeof err);
    CHECKF(rc == 0 && sp.present && sp.trials == 80 && sp.seed == 0, "%s", err);

    /* config_load accepts and skips the search: block */
    config c;
    rc = config_load(path, NULL, 0, &c, err, sizeof err);
    CHECKF(rc == 0, "config_load with search: %s", err);
    if (!rc) config_free(&c);
}

/* Every parameter kind stays in its range, reaches its bounds and spreads as its distribution
 * says over 2000 trials, and the same call gives the same text. */
static void check_draw_ranges(const search_space *sp) {
    char sets[SEARCH_MAX_PARAMS][SEARCH_SET_LEN], again[SEARCH_MAX_PARAMS][SEARCH_SET_LEN];
    enum { T = 2000 };
    static double lr[T];
    int seed_seen[8] = {0}, bs_seen[3] = {0}, opt_seen[2] = {0}, blocks_seen[2] = {0}, n;
    double tau_lo = 1, tau_hi = 0;
    for (int t = 0; t < T; t++) {
        CHECK(search_trial_sets(sp, t, sets, &n) == 0 && n == 6);
        char text[SEARCH_SET_LEN];
        lr[t] = value_of(sets, n, "train.lr", NULL, 0);
        CHECKF(lr[t] >= 1e-4 && lr[t] <= 1e-2, "trial %d: lr %g", t, lr[t]);
        double tau = value_of(sets, n, "method.tau", NULL, 0);
        CHECKF(tau >= 0.1 && tau <= 0.5, "trial %d: tau %g", t, tau);
        if (tau < tau_lo) tau_lo = tau;
        if (tau > tau_hi) tau_hi = tau;
        double s = value_of(sets, n, "train.seed", text, sizeof text);
        CHECKF(s >= 3 && s <= 7 && s == floor(s) && !strchr(text, '.'), "trial %d: seed %s", t, text);
        if (s >= 3 && s <= 7) seed_seen[(int)s]++;
        double bs = value_of(sets, n, "train.batch_size", NULL, 0);
        bs_seen[bs == 16 ? 0 : bs == 32 ? 1 : 2]++;
        CHECK(bs == 16 || bs == 32 || bs == 64);
        value_of(sets, n, "train.optimizer", text, sizeof text);
        CHECKF(!strcmp(text, "adam") || !strcmp(text, "\"sgd\""), "optimizer %s", text);
        opt_seen[!strcmp(text, "adam")]++;
        value_of(sets, n, "model.a.blocks", text, sizeof text);
        blocks_seen[!strcmp(text, "[2,2]")]++;
        /* determinism: the same call gives the same text */
        CHECK(search_trial_sets(sp, t, again, &n) == 0);
        for (int i = 0; i < n; i++) CHECK(!strcmp(sets[i], again[i]));
    }
    /* int: both inclusive bounds are reached, every value about 1/5 of the time */
    for (int v = 3; v <= 7; v++)
        CHECKF(seed_seen[v] > T / 5 / 2, "int value %d drawn %d times of %d", v, seed_seen[v], T);
    for (int i = 0; i < 3; i++) CHECKF(bs_seen[i] > T / 3 / 2, "choice %d drawn %d times", i, bs_seen[i]);
    CHECK(opt_seen[0] > T / 4 && opt_seen[1] > T / 4 && blocks_seen[0] > T / 4 && blocks_seen[1] > T / 4);
    CHECKF(tau_lo < 0.11 && tau_hi > 0.49, "uniform spans [%g, %g]", tau_lo, tau_hi);
    /* loguniform: the median is near the geometric mean sqrt(1e-4 * 1e-2) = 1e-3 (log10 within 0.1) */
    qsort(lr, T, sizeof lr[0], cmp_double);
    double med = lr[T / 2];
    CHECKF(fabs(log10(med) - -3.0) < 0.1, "loguniform median %g, expected near 1e-3", med);
    /* and about a quarter of the draws fall in each quarter of the exponent range */
    int below = 0;
    for (int t = 0; t < T; t++) below += lr[t] < pow(10, -3.5);
    CHECKF(below > T / 4 - T / 20 && below < T / 4 + T / 20, "%d of %d below 10^-3.5", below, T);
}

/* 1 when spaces A and B draw the same text for parameter PATH in trial T. */
static int same_draw(const search_space *a, const search_space *b, int t, const char *path) {
    static char sa[SEARCH_MAX_PARAMS][SEARCH_SET_LEN], sb[SEARCH_MAX_PARAMS][SEARCH_SET_LEN];
    char va[SEARCH_SET_LEN], vb[SEARCH_SET_LEN];
    int na, nb;
    search_trial_sets(a, t, sa, &na);
    search_trial_sets(b, t, sb, &nb);
    value_of(sa, na, path, va, sizeof va);
    value_of(sb, nb, path, vb, sizeof vb);
    return !strcmp(va, vb);
}

/* Other parameters added, removed or reordered change no draw; the seed does. */
static void check_draw_independence(const search_space *sp) {
    search_space sp2;
    char err[2048];
    const char *other = "search:\n  trials: 2000\n  seed: 12345\n  params:\n"
                        "    train.optimizer: {choice: [adam, \"sgd\"]}\n"
                        "    method.mu: {uniform: [0.2, 1]}\n"
                        "    train.lr: {loguniform: [1e-4, 1e-2]}\n";
    if (search_load(write_exp("other.yaml", other), &sp2, err, sizeof err)) {
        CHECKF(0, "%s", err);
        return;
    }
    for (int t = 0; t < 200; t++) {
        CHECKF(same_draw(sp, &sp2, t, "train.lr"), "trial %d: train.lr differs with the other params", t);
        CHECKF(same_draw(sp, &sp2, t, "train.optimizer"), "trial %d: train.optimizer differs", t);
    }
    sp2.seed = 12346;
    int differ_seed = 0;
    for (int t = 0; t < 200; t++) differ_seed += !same_draw(sp, &sp2, t, "train.lr");
    CHECKF(differ_seed > 190, "another seed changed only %d of 200 draws", differ_seed);
}

/* splitmix64 (mix of x + the golden gamma), written out here rather than taken from core/util.c. */
static unsigned long long ref_splitmix64(unsigned long long x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* Known values: the draw is a documented function of (seed, trial, path). */
static void check_known_draw(void) {
    search_space one;
    char err[2048], sets[SEARCH_MAX_PARAMS][SEARCH_SET_LEN];
    int n;
    if (search_load(write_exp("one.yaml", "search:\n  seed: 0\n  params:\n    method.tau: {uniform: [0, 1]}\n"), &one,
                    err, sizeof err)) {
        CHECKF(0, "%s", err);
        return;
    }
    search_trial_sets(&one, 0, sets, &n);
    /* splitmix64(splitmix64(splitmix64(0) ^ 0) ^ fnv1a64("method.tau")) >> 11, times 2^-53 */
    unsigned long long h = 0xcbf29ce484222325ULL;
    for (const char *s = "method.tau"; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    unsigned long long x = ref_splitmix64(ref_splitmix64(ref_splitmix64(0) ^ 0) ^ h);
    char want[SEARCH_SET_LEN];
    snprintf(want, sizeof want, "method.tau=%.6g", (double)(x >> 11) / 9007199254740992.0);
    CHECKF(!strcmp(sets[0], want), "got %s, expected %s", sets[0], want);
}

static void test_draws(void) {
    search_space sp;
    char err[2048];
    if (search_load(write_exp("full.yaml", full_space), &sp, err, sizeof err)) {
        CHECKF(0, "%s", err);
        return;
    }
    check_draw_ranges(&sp);
    check_draw_independence(&sp);
    check_known_draw();
}

static void test_describe(void) {
    search_space a, b;
    char err[2048], da[4096], db[4096];
    const char *s1 = "search:\n  trials: 5\n  params:\n    train.lr: {loguniform: [1e-4, 1e-2]}\n"
                     "    method.tau: {uniform: [0, 0.5]}\n";
    const char *s2 = "search:\n  params:\n    method.tau: {uniform: [0, 5e-1]}\n"
                     "    train.lr: {loguniform: [0.0001, 0.01]}\n  trials: 5\n";
    CHECK(search_load(write_exp("d1.yaml", s1), &a, err, sizeof err) == 0);
    CHECK(search_load(write_exp("d2.yaml", s2), &b, err, sizeof err) == 0);
    search_describe(&a, da, sizeof da);
    search_describe(&b, db, sizeof db);
    CHECKF(!strcmp(da, db), "\n  %s\n  %s", da, db);
    CHECKF(!strcmp(da, "trials=5 seed=0 params: method.tau uniform [0, 0.5]; train.lr loguniform [0.0001, 0.01]"), "%s",
           da);
    CHECK(!strchr(da, '\n'));
    b.seed = 1;
    search_describe(&b, db, sizeof db);
    CHECK(strcmp(da, db) != 0);
}

typedef struct {
    const char *search; /* after base_yaml: "search:" is on line 4 */
    const char *expect; /* substring of the message, after "FILE:" */
} bad_space;

static const bad_space bad_spaces[] = {
    {"search:\n  params:\n    method.tau: {uniform: [0.5, 0.1]}\n",
     "6:27: search.params.method.tau: uniform: lo > hi in [0.5, 0.1]"},
    {"search:\n  params:\n    train.lr: {loguniform: [-4, -2]}\n",
     "6:29: search.params.train.lr: loguniform: expected 0 < lo, found -4 (the bounds are raw values, not exponents"},
    {"search:\n  params:\n    train.lr: {loguniform: [0, 1e-2]}\n",
     "6:29: search.params.train.lr: loguniform: expected 0 < lo, found 0"},
    {"search:\n  params:\n    train.lrr: {uniform: [0, 1]}\n",
     "6:5: search.params.train.lrr: unknown key path (did you mean train.lr?)"},
    {"search:\n  params:\n    train.tau: {uniform: [0, 1]}\n",
     "6:5: search.params.train.tau: unknown key path (did you mean method.tau?)"},
    {"search:\n  params:\n    train.lr: {int: [1, 3]}\n",
     "6:16: search.params.train.lr: int draws integers, but train.lr is a number: use uniform or loguniform"},
    {"search:\n  params:\n    train.epochs: {uniform: [1, 3]}\n",
     "6:20: search.params.train.epochs: uniform draws real numbers, but train.epochs is an integer: use int [lo, hi] "
     "or choice"},
    {"search:\n  params:\n    train.optimizer: {uniform: [1, 3]}\n",
     "6:23: search.params.train.optimizer: uniform draws real numbers, but train.optimizer is an enum: use choice"},
    {"search:\n  params:\n    train.epochs: {int: [1, 2.5]}\n",
     "6:29: search.params.train.epochs: int: expected an integer hi, found 2.5"},
    {"search:\n  params:\n    train.batch_size: {choice: []}\n",
     "6:32: search.params.train.batch_size: choice: expected at least one value, found []"},
    {"search:\n  params:\n    method.tau: {uniform: [0, 1, 2]}\n",
     "6:27: search.params.method.tau: uniform: expected a list [lo, hi], found 3 items"},
    {"search:\n  params:\n    method.tau: {normal: [0, 1]}\n",
     "6:18: search.params.method.tau: expected uniform, loguniform, int or choice, found normal"},
    {"search:\n  params:\n    method.tau: [0, 1]\n",
     "6:17: search.params.method.tau: expected one of {uniform: [lo, hi]}"},
    {"search:\n  params:\n    method.tau: {uniform: [0, 1]}\n    method.tau: {uniform: [0, 1]}\n",
     "7:5: search.params.method.tau: duplicate key (first given at line 6)"},
    {"search:\n  trials: 0\n  params:\n    method.tau: {uniform: [0, 1]}\n",
     "5:11: search.trials: expected an integer in [1, 100000], found 0"},
    {"search:\n  seed: -1\n  params:\n    method.tau: {uniform: [0, 1]}\n",
     "5:9: search.seed: expected an integer in [0, 18446744073709551615], found -1"},
    {"search:\n  trails: 3\n  params:\n    method.tau: {uniform: [0, 1]}\n",
     "5:3: search.trails: unknown key (expected trials, seed or params)"},
    {"search:\n  trials: 3\n", "4:1: search.params: missing"},
    {"search:\n  params: {}\n", "5:3: search.params: expected at least one parameter, found none"},
    {"search:\n  params:\n    output.dir: {choice: [a, b]}\n", "6:5: search.params.output.dir: cannot be searched"},
};

static void test_bad_spaces(void) {
    for (size_t i = 0; i < sizeof bad_spaces / sizeof bad_spaces[0]; i++) {
        char name[32], err[2048] = "", want[1200];
        snprintf(name, sizeof name, "bad%zu.yaml", i);
        const char *path = write_exp(name, bad_spaces[i].search);
        search_space sp;
        int rc = search_load(path, &sp, err, sizeof err);
        snprintf(want, sizeof want, "%s:%s", path, bad_spaces[i].expect);
        CHECKF(rc == ML_EINVAL, "case %zu: returned %d", i, rc);
        CHECKF(strstr(err, want) == err, "case %zu:\n  expected %s...\n  got      %s", i, want, err);
        CHECK(!strchr(err, '\n'));
        /* the same message from sweep_prepare, and nothing written */
        char out[700];
        snprintf(out, sizeof out, "%s/sweep-bad", scratch_dir);
        sweep_info *info = malloc(sizeof *info);
        rc = prepare(path, NULL, 0, out, info, err, sizeof err);
        CHECKF(rc == ML_EINVAL && strstr(err, want) == err, "case %zu via sweep_prepare: %d %s", i, rc, err);
        CHECK(access(out, F_OK) != 0);
        free(info);
    }
}

typedef struct {
    const char *search;
    const char *set; /* a user --set, or NULL */
    const char *expect;
} bad_sweep;

/* Checked through config_load: located at the parameter's key (line 6, column 5). */
static const bad_sweep bad_sweeps[] = {
    {"search:\n  params:\n    method.window: {int: [2, 4]}\n", NULL,
     "6:5: search.params.method.window: belongs to method mslr_dynamic, but method.name is miles (at line 3)"},
    {"search:\n  params:\n    method.tau: {uniform: [0, 0.5]}\n", "method.name=vanilla",
     "6:5: search.params.method.tau: belongs to method miles, but method.name is vanilla (--set method.name=vanilla)"},
    {"search:\n  params:\n    method.tau: {uniform: [0, 1.5]}\n", NULL,
     "6:5: search.params.method.tau: expected a number in [0, 1], found 1.5 (at hi = 1.5)"},
    {"search:\n  params:\n    train.lr: {uniform: [0, 0.1]}\n", NULL,
     "6:5: search.params.train.lr: expected a number in (0, 10], found 0 (at lo = 0)"},
    {"search:\n  params:\n    train.epochs: {int: [0, 3]}\n", NULL,
     "6:5: search.params.train.epochs: expected an integer in [1, 100000], found 0 (at lo = 0)"},
    {"search:\n  params:\n    train.batch_size: {choice: [32, abc]}\n", NULL,
     "6:5: search.params.train.batch_size: expected an integer in [1, 65536], found abc (choice 2 of 2)"},
    {"search:\n  params:\n    train.optimizer: {choice: [adam, adamw]}\n", NULL,
     "6:5: search.params.train.optimizer: expected one of adam|sgd, found adamw (did you mean adam?) (choice 2 of 2)"},
    {"search:\n  params:\n    train.lr: {choice: [0.1, 1e-3]}\n", "train.lr=0.5",
     "--set train.lr=0.5: train.lr is searched ("},
};

static void test_bad_sweeps(void) {
    for (size_t i = 0; i < sizeof bad_sweeps / sizeof bad_sweeps[0]; i++) {
        char name[32], err[2048] = "", want[1200], out[700];
        snprintf(name, sizeof name, "badsweep%zu.yaml", i);
        const char *path = write_exp(name, bad_sweeps[i].search);
        snprintf(out, sizeof out, "%s/sweep-bad", scratch_dir);
        search_space sp;
        CHECKF(search_load(path, &sp, err, sizeof err) == 0, "case %zu: search_load: %s", i, err);
        sweep_info *info = malloc(sizeof *info);
        const char *sets[1] = {bad_sweeps[i].set};
        int rc = prepare(path, sets, bad_sweeps[i].set ? 1 : 0, out, info, err, sizeof err);
        if (bad_sweeps[i].expect[0] == '-') snprintf(want, sizeof want, "%s", bad_sweeps[i].expect);
        else snprintf(want, sizeof want, "%s:%s", path, bad_sweeps[i].expect);
        CHECKF(rc == ML_EINVAL && strstr(err, want) == err, "case %zu:\n  expected %s...\n  got      %d %s", i, want,
               rc, err);
        CHECK(!strchr(err, '\n'));
        CHECK(access(out, F_OK) != 0);
        free(info);
    }
}

static void test_manifest(void) {
    char err[4096], out[700], path[800];
    const char *exp = write_exp("m.yaml", "search:\n  trials: 3\n  seed: 5\n  params:\n"
                                          "    method.tau: {uniform: [0, 0.5]}\n");
    snprintf(out, sizeof out, "%s/sweep-m", scratch_dir);
    sweep_info *info = malloc(sizeof *info);
    const char *sets[] = {"train.epochs=1"};
    int rc = prepare(exp, sets, 1, out, info, err, sizeof err);
    CHECKF(rc == 0, "%s", err);
    CHECK(!strcmp(info->dir, out) && info->space.trials == 3 && info->n_sets == 1 && strlen(info->base_hash) == 16);
    for (int t = 0; t < 3; t++) {
        snprintf(path, sizeof path, "%s/trial-%03d", out, t);
        CHECKF(access(path, F_OK) == 0, "%s missing", path);
        CHECK(sweep_trial_state(out, t) == TRIAL_PENDING);
    }
    snprintf(path, sizeof path, "%s/sweep.json", out);
    struct stat before, after;
    CHECK(stat(path, &before) == 0);
    rc = prepare(exp, sets, 1, out, info, err, sizeof err); /* unchanged: accepted */
    CHECKF(rc == 0, "%s", err);
    CHECK(stat(path, &after) == 0 && after.st_mtime == before.st_mtime && after.st_size == before.st_size);
    rc = prepare(exp, NULL, 0, out, info, err, sizeof err); /* the base changed */
    CHECKF(rc == ML_EINVAL && strstr(err, "base configuration changed (train.epochs 1 -> 2)"), "%d %s", rc, err);
    exp = write_exp("m.yaml", "search:\n  trials: 3\n  seed: 6\n  params:\n    method.tau: {uniform: [0, 0.5]}\n");
    rc = prepare(exp, sets, 1, out, info, err, sizeof err);
    CHECKF(rc == ML_EINVAL && strstr(err, "search.seed 5 -> 6"), "%d %s", rc, err);
    /* no temporary files left next to the manifest */
    char cmd[1000];
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s' | grep -v -e '^sweep.json$' -e '^trial-')\"", out);
    CHECK(system(cmd) == 0);
    free(info);
}

/* A search: block nested 100,000 lists deep is refused at level 65, naming where (before the
 * cap, libyaml needed tens of seconds to build it: the test's timeout catches a regression). */
static void test_deep_search(void) {
    enum { DEPTH = 100000 };
    char *search = malloc(DEPTH + 64), err[1024];
    if (!search) exit(1);
    int n = snprintf(search, 64, "search:\n  params:\n    train.lr: ");
    memset(search + n, '[', DEPTH);
    search[n + DEPTH] = '\0';
    const char *path = write_exp("deep.yaml", search);
    free(search);
    search_space sp;
    ml_status rc = search_load(path, &sp, err, sizeof err);
    char want[800];
    /* level 1 is the root mapping, 2 search:, 3 params:, so the 62nd '[' is level 65 */
    snprintf(want, sizeof want, "%s:6:76: nesting deeper than 64 levels of lists and mappings", path);
    CHECKF(rc == ML_EINVAL && !strcmp(err, want), "deep search: rc %d, '%s', expected '%s'", (int)rc, err, want);
}

int main(void) {
    scratch_make("test_search");
    test_load();
    test_draws();
    test_describe();
    test_bad_spaces();
    test_bad_sweeps();
    test_manifest();
    test_deep_search();
    return scratch_finish("test_search");
}
