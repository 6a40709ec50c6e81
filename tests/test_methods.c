/* test_methods.c - method hooks acting on a real (tiny) model through the shim:
 * OGM changes only the dominant modality's convolution-weight gradients, by exactly its k;
 * OGM-GE adds noise to both encoders; an MSES-stopped encoder (and its head) equals its best
 * snapshot bit for bit afterwards while the other modality keeps training; unimodal freezes
 * the other encoder; G-Blend's held-out rows leave the training set; MSLR-D's state at the
 * largest window, full history, survives save -> ckpt/state.txt -> load bit for bit. Through train_run with a
 * counting fake method: a failing init writes nothing and fini runs on every path.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/runfiles.h"
#include "data/dataset.h"
#include "methods/method.h"
#include "methods/rules.h"
#include "scratch.h"
#include "testutil.h"
#include "train/train.h"

/* A config of METHOD; EXTRA adds lines under method:, TOP whole sections (may be NULL). */
static config load_cfg_with(const char *method, const char *extra, const char *top) {
    char path[] = "/tmp/miles-test-methods-XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "%s\nmethod:\n  name: %s\n%s", top ? top : "dataset: {name: smnist, cache: none.h5}", method,
            extra ? extra : "");
    fclose(f);
    config c;
    char err[1024];
    int rc = config_load(path, NULL, 0, &c, err, sizeof err);
    unlink(path);
    CHECKF(rc == 0, "config: %s", err);
    return c;
}

static config load_cfg(const char *method, const char *extra) { return load_cfg_with(method, extra, NULL); }

static mt_model *make_model_in(const method_ops *ops, const config *c, mt_precision precision) {
    mt_model_spec s;
    tu_small_spec(&s, MT_FUSION_CONCAT, 4);
    s.optim.kind = MT_OPTIM_SGD;
    s.optim.lr = 0.05;
    char err[512];
    if (ops->adjust_spec) REQUIRE(ops->adjust_spec(c, &s, err, sizeof err) == 0);
    s.amp.precision = precision;
    mt_model *m = NULL;
    REQUIRE_OK(mt_model_create(&s, &m));
    return m;
}

static mt_model *make_model(const method_ops *ops, const config *c) { return make_model_in(ops, c, MT_PRECISION_FP32); }

/* Elements of a tiny encoder's 4-D conv weights: stem 8x1x3x3 + two 8x8x3x3 (tu_small_spec). */
static const int64_t conv_elems = 72 + 576 + 576;

/* Under fp16 the loss is scaled by 65536 for backward; OGM's k and OGM-GE's noise (whose std
 * is the gradient's) must act on the unscaled gradients: an fp16 model's gradients after the
 * hook, and its weights after the step, equal an fp32 twin's. */
static void test_ogm_fp16(const char *name) {
    config c = load_cfg(name, "  alpha: 0.9\n");
    const method_ops *ops = method_find(name);
    run r[2] = {{.cfg = &c, .ops = ops, .epoch = 0, .epochs = 1}, {.cfg = &c, .ops = ops, .epoch = 0, .epochs = 1}};
    r[0].model = make_model_in(ops, &c, MT_PRECISION_FP32);
    r[1].model = make_model_in(ops, &c, MT_PRECISION_FP16);
    tu_data d = tu_make_data(32, 4, 8, 8, 11, 0.3);
    mt_batch b = tu_batch(&d, 0, 32);
    int64_t n = tu_count(r[0].model, MT_GROUP_ALL);
    for (int step = 0; step < 3; step++) {
        float *g[2];
        for (int k = 0; k < 2; k++) {
            mt_step_result res;
            REQUIRE(ops->init(&r[k]) == 0);
            REQUIRE_OK(mt_train_step(r[k].model, &b, NULL, &res));
            REQUIRE(ops->after_backward(&r[k], &res) == 0);
            g[k] = tu_grads(r[k].model, MT_GROUP_ALL);
            REQUIRE_OK(mt_optimizer_step(r[k].model));
            ops->fini(&r[k]);
        }
        double worst = 0, big = 0;
        for (int64_t i = 0; i < n; i++) {
            worst = fmax(worst, fabs((double)g[0][i] - g[1][i]));
            big = fmax(big, fabs(g[0][i]));
        }
        CHECKF(big > 0 && worst <= tu_fp16_rel_tol(1e-4) * big,
               "%s fp16 step %d: gradients after the hook differ from fp32's by %g "
               "(largest %g)",
               name, step, worst, big);
        free(g[0]), free(g[1]);
    }
    float *p0 = tu_params(r[0].model, MT_GROUP_ALL), *p1 = tu_params(r[1].model, MT_GROUP_ALL);
    double worst = 0;
    for (int64_t i = 0; i < n; i++) worst = fmax(worst, fabs((double)p0[i] - p1[i]));
    CHECKF(worst <= 1e-4, "%s fp16: weights after 3 steps differ from fp32's by %g", name, worst);
    free(p0), free(p1);
    mt_model_free(r[0].model), mt_model_free(r[1].model);
    tu_free_data(&d);
}

static void test_ogm(const char *name) {
    int ge = !strcmp(name, "ogm_ge");
    config c = load_cfg(name, "  alpha: 0.9\n");
    const method_ops *ops = method_find(name);
    run r = {.cfg = &c, .ops = ops, .epoch = 0, .epochs = 1};
    r.model = make_model(ops, &c);
    REQUIRE(ops->init(&r) == 0);
    tu_data d = tu_make_data(32, 4, 8, 8, 11, 0.3);
    mt_batch b = tu_batch(&d, 0, 32);
    mt_step_result res;
    int modulated = 0;
    for (int step = 0; step < 6; step++) {
        REQUIRE_OK(mt_train_step(r.model, &b, NULL, &res));
        float *ga = tu_grads(r.model, MT_GROUP_A), *gb = tu_grads(r.model, MT_GROUP_B);
        float *gf = tu_grads(r.model, MT_GROUP_FUSION);
        REQUIRE(ops->after_backward(&r, &res) == 0);
        float *ha = tu_grads(r.model, MT_GROUP_A), *hb = tu_grads(r.model, MT_GROUP_B);
        float *hf = tu_grads(r.model, MT_GROUP_FUSION);
        double k[2];
        ogm_coefficients(res.score_slice[0], res.score_slice[1], 0.9, 0, &k[0], &k[1]);
        CHECKF(k[0] == 1 || k[1] == 1, "at most one modality is modulated");
        float *before[2] = {ga, gb}, *after[2] = {ha, hb};
        for (int m = 0; m < 2; m++) {
            int64_t n = tu_count(r.model, MT_GROUP_A + m), scaled = 0, same = 0;
            for (int64_t i = 0; i < n; i++) {
                if (after[m][i] == before[m][i]) same++;
                else if (fabsf(after[m][i] - (float)k[m] * before[m][i]) <= 1e-6f * fabsf(before[m][i])) scaled++;
            }
            if (!ge && k[m] == 1) {
                CHECKF(same == n, "%s step %d: modality %d not dominant, yet %lld gradients changed", name, step, m,
                       (long long)(n - same));
            } else if (!ge) {
                modulated++;
                /* exactly the conv weights were scaled by k; biases, BN and heads untouched */
                CHECKF(scaled == conv_elems && same == n - conv_elems,
                       "%s step %d: modality %d: %lld scaled by k=%g, %lld unchanged of %lld (conv %lld)", name, step,
                       m, (long long)scaled, k[m], (long long)same, (long long)n, (long long)conv_elems);
            } else {
                /* GE: noise on both encoders' conv weights, the rest untouched */
                CHECKF(same >= n - conv_elems && same < n, "%s step %d: modality %d: %lld unchanged of %lld", name,
                       step, m, (long long)same, (long long)n);
                modulated++;
            }
        }
        CHECK(tu_ndiff(gf, hf, tu_count(r.model, MT_GROUP_FUSION)) == 0);
        REQUIRE_OK(mt_optimizer_step(r.model));
        free(ga), free(gb), free(gf), free(ha), free(hb), free(hf);
    }
    CHECKF(modulated > 0, "%s: no step modulated anything", name);
    /* outside the modulation window nothing changes */
    r.epoch = 60;
    REQUIRE_OK(mt_train_step(r.model, &b, NULL, &res));
    float *ga = tu_grads(r.model, MT_GROUP_A);
    REQUIRE(ops->after_backward(&r, &res) == 0);
    float *ha = tu_grads(r.model, MT_GROUP_A);
    CHECK(tu_ndiff(ga, ha, tu_count(r.model, MT_GROUP_A)) == 0);
    free(ga), free(ha);
    double cols[2];
    ops->columns(&r, cols);
    CHECKF(cols[0] <= 1 && cols[1] <= 1 && (cols[0] < 1 || cols[1] < 1), "mean k %g %g", cols[0], cols[1]);
    ops->fini(&r);
    mt_model_free(r.model);
    tu_free_data(&d);
    config_free(&c);
}

static void test_mses(void) {
    config c = load_cfg("mses", "  patience: 1\n");
    const method_ops *ops = method_find("mses");
    run r = {.cfg = &c, .ops = ops, .epochs = 10};
    r.model = make_model(ops, &c);
    REQUIRE(ops->init(&r) == 0);
    tu_data d = tu_make_data(32, 4, 8, 8, 5, 0.3);
    mt_batch b = tu_batch(&d, 0, 32);
    float w[3];
    split_metrics tr = {0}, val = {.metric = {0.5, 0.5, 0.5}};
    double ua, ub, dl;
    /* epoch 0: both heads improve -> snapshots; remember A as it is now */
    r.epoch = 0;
    REQUIRE(ops->after_validation(&r, &tr, &val, &ua, &ub, &dl) == 0);
    float *snap_a = tu_params(r.model, MT_GROUP_A);
    for (int s = 0; s < 3; s++) {
        ops->loss_weights(&r, w);
        REQUIRE_OK(mt_train_step(r.model, &b, w, NULL));
        REQUIRE_OK(mt_optimizer_step(r.model));
    }
    float *moved = tu_params(r.model, MT_GROUP_A);
    CHECKF(tu_ndiff(moved, snap_a, tu_count(r.model, MT_GROUP_A)) > 0, "A did not train");
    /* epoch 1: A gets worse (patience 1) -> restore + freeze; B improves */
    r.epoch = 1;
    val.metric[1] = 0.4;
    val.metric[2] = 0.6;
    REQUIRE(ops->after_validation(&r, &tr, &val, &ua, &ub, &dl) == 0);
    double cols[2];
    ops->columns(&r, cols);
    CHECK(cols[0] == 1 && cols[1] == 0);
    float *b_before = tu_params(r.model, MT_GROUP_B);
    for (int s = 0; s < 3; s++) {
        ops->loss_weights(&r, w);
        CHECK(w[MT_HEAD_A] == 0 && w[MT_HEAD_B] == 1);
        REQUIRE_OK(mt_train_step(r.model, &b, w, NULL));
        REQUIRE_OK(mt_optimizer_step(r.model));
    }
    float *after = tu_params(r.model, MT_GROUP_A), *b_after = tu_params(r.model, MT_GROUP_B);
    CHECKF(memcmp(after, snap_a, sizeof(float) * (size_t)tu_count(r.model, MT_GROUP_A)) == 0,
           "stopped encoder A (and head) differs from its best snapshot");
    CHECKF(tu_ndiff(b_before, b_after, tu_count(r.model, MT_GROUP_B)) > 0, "B stopped training");
    int frozen;
    REQUIRE_OK(mt_group_is_frozen(r.model, MT_GROUP_A, &frozen));
    CHECK(frozen == 1);
    /* the state survives a save/load of the method state */
    strbuf st = {0};
    ops->save_state(&r, &st);
    run r2 = r;
    r2.state = NULL;
    REQUIRE(ops->init(&r2) == 0);
    REQUIRE(ops->load_state(&r2, st.p) == 0);
    sb_free(&st);
    double cols2[2];
    ops->columns(&r2, cols2);
    CHECK(cols2[0] == 1 && cols2[1] == 0);
    ops->fini(&r2);
    free(snap_a), free(moved), free(after), free(b_before), free(b_after);
    ops->fini(&r);
    mt_model_free(r.model);
    tu_free_data(&d);
    config_free(&c);
}

static void test_unimodal(void) {
    config c = load_cfg("unimodal", "  modality: b\n");
    const method_ops *ops = method_find("unimodal");
    run r = {.cfg = &c, .ops = ops, .epochs = 1};
    r.model = make_model(ops, &c);
    REQUIRE(ops->init(&r) == 0);
    CHECK(r.select_head == MT_HEAD_B);
    tu_data d = tu_make_data(32, 4, 8, 8, 3, 0.3);
    mt_batch b = tu_batch(&d, 0, 32);
    float *a0 = tu_params(r.model, MT_GROUP_A), *b0 = tu_params(r.model, MT_GROUP_B), w[3];
    ops->loss_weights(&r, w);
    CHECK(w[0] == 0 && w[1] == 0 && w[2] == 1);
    REQUIRE_OK(mt_train_step(r.model, &b, w, NULL));
    REQUIRE_OK(mt_optimizer_step(r.model));
    float *a1 = tu_params(r.model, MT_GROUP_A), *b1 = tu_params(r.model, MT_GROUP_B);
    CHECK(tu_ndiff(a0, a1, tu_count(r.model, MT_GROUP_A)) == 0);
    CHECK(tu_ndiff(b0, b1, tu_count(r.model, MT_GROUP_B)) > 0);
    free(a0), free(b0), free(a1), free(b1);
    mt_model_free(r.model);
    tu_free_data(&d);
    config_free(&c);
}

/* G-Blend's init holds out round(holdout * n) training rows as V: they leave run->train_idx,
 * which keeps the rest in ascending order; which rows go depends on train.seed only. */
static int64_t gblend_holdout(const char *extra, int64_t *idx, int64_t n, int expect_ok) {
    config c = load_cfg("gblend", extra);
    const method_ops *ops = method_find("gblend");
    for (int64_t i = 0; i < n; i++) idx[i] = i;
    run r = {.cfg = &c, .ops = ops, .train_idx = idx, .n_train = n};
    int rc = ops->init(&r);
    CHECKF((rc == 0) == expect_ok, "gblend init (%s) returned %d: %s", extra, rc, r.err);
    if (!expect_ok) CHECKF(strstr(r.err, "method.holdout") != NULL, "message: %s", r.err);
    ops->fini(&r);
    config_free(&c);
    return r.n_train;
}

static void test_gblend_holdout(void) {
    enum { N = 40 };
    int64_t t[N], t_again[N], t_seed[N];
    int64_t nt = gblend_holdout("  holdout: 0.25\n", t, N, 1);
    CHECK_EQ_I64(nt, N - 10);
    int ascending = 1, in_range = 1, is_prefix = 1;
    for (int64_t i = 0; i < nt; i++) {
        if (i > 0 && t[i] <= t[i - 1]) ascending = 0;
        if (t[i] < 0 || t[i] >= N) in_range = 0;
        if (t[i] != i) is_prefix = 0;
    }
    CHECKF(ascending && in_range, "the training rows left are not a strictly ascending subset of 0..%d", N - 1);
    CHECKF(!is_prefix, "the held-out rows are the last ones, not a random share");
    /* the same seed holds out the same rows; another seed other rows */
    CHECK_EQ_I64(gblend_holdout("  holdout: 0.25\n", t_again, N, 1), nt);
    CHECK(memcmp(t, t_again, sizeof(int64_t) * (size_t)nt) == 0);
    char top[] = "dataset: {name: smnist, cache: none.h5}\ntrain: {seed: 5}";
    config c = load_cfg_with("gblend", "  holdout: 0.25\n", top);
    const method_ops *ops = method_find("gblend");
    for (int64_t i = 0; i < N; i++) t_seed[i] = i;
    run r = {.cfg = &c, .ops = ops, .train_idx = t_seed, .n_train = N};
    REQUIRE(ops->init(&r) == 0);
    CHECK_EQ_I64(r.n_train, nt);
    CHECKF(memcmp(t, t_seed, sizeof(int64_t) * (size_t)nt) != 0, "train.seed 0 and 5 hold out the same rows");
    ops->fini(&r);
    config_free(&c);
    /* a share that rounds to no row is refused */
    gblend_holdout("  holdout: 0.01\n", t, N, 0);
}

/* MSLR-D at method.window 1000 (the schema's maximum) with a full history of metrics that need
 * all 17 digits: the state written to ckpt/state.txt and read back gives the same state. */
static void test_mslr_state_round_trip(void) {
    config c = load_cfg("mslr_dynamic", "  window: 1000\n  lr_a: 0.004\n  lr_b: 0.002\n");
    const method_ops *ops = method_find("mslr_dynamic");
    run r = {.cfg = &c, .ops = ops, .epochs = 1100, .base_lr = 0.01};
    r.model = make_model(ops, &c);
    REQUIRE(ops->init(&r) == 0);
    tu_rng g = {42};
    split_metrics tr = {0}, val = {0};
    double ua, ub, dl;
    for (int e = 0; e < 1003; e++) {
        r.epoch = e;
        for (int h = 0; h < MT_NUM_HEADS; h++) val.metric[h] = 0.25 + 0.5 * tu_uniform(&g);
        REQUIRE(ops->after_validation(&r, &tr, &val, &ua, &ub, &dl) == 0);
    }
    run_state st = {.epochs_done = 1003, .best_epoch = -1, .best_val = -INFINITY};
    snprintf(st.last_file, sizeof st.last_file, "last-1003.pt");
    snprintf(st.config_hash, sizeof st.config_hash, "0123456789abcdef");
    strbuf saved = {0};
    ops->save_state(&r, &saved);
    st.method_state = saved.p;
    char err[1024];
    const char *dir = scratch_path("mslr-state");
    REQUIRE(ensure_subdir(dir, "ckpt", err, sizeof err) == 0);
    REQUIRE(write_run_state(dir, &st, err, sizeof err) == 0);
    run_state back;
    CHECKF(read_run_state(dir, &back, err, sizeof err) == 1, "read_run_state: %s", err);
    CHECKF(back.method_state && strcmp(back.method_state, saved.p) == 0,
           "state.txt changed the method state (%zu -> %zu bytes)", saved.len,
           back.method_state ? strlen(back.method_state) : 0);
    run r2 = r;
    r2.state = NULL;
    REQUIRE(ops->init(&r2) == 0);
    CHECKF(ops->load_state(&r2, back.method_state) == 0, "load_state: %s", r2.err);
    /* Every value is written with 17 significant digits, so equal text is an equal state. */
    strbuf again = {0};
    ops->save_state(&r2, &again);
    CHECKF(strcmp(again.p, saved.p) == 0, "the reloaded state differs from the saved one");
    CHECKF(saved.len > 2 * 1000 * 17, "a full window is %zu bytes of state", saved.len);
    sb_free(&again);
    sb_free(&saved);
    run_state_free(&back);
    ops->fini(&r2);
    ops->fini(&r);
    mt_model_free(r.model);
    config_free(&c);
}

/* A state.txt whose integers do not parse is damage, named by its key (not read as 0). */
static void test_state_txt_bad_integer(void) {
    const char *dir = scratch_path("bad-state");
    char err[1024], path[700];
    REQUIRE(ensure_subdir(dir, "ckpt", err, sizeof err) == 0);
    snprintf(path, sizeof path, "%s/ckpt/state.txt", dir);
    FILE *f = fopen(path, "w");
    REQUIRE(f);
    fputs("epochs_done 2x\nbest_epoch 0\nlast last-0002.pt\nconfig_hash 0123456789abcdef\nmethod \n", f);
    fclose(f);
    run_state st;
    CHECK(read_run_state(dir, &st, err, sizeof err) == -1);
    CHECKF(strstr(err, "epochs_done") && strstr(err, "'2x'"), "message: %s", err);
}

/* Every method of core/catalog.h has its hook table, under its own name. */
static void test_registry(void) {
    for (int m = 0; m < METHOD_COUNT; m++) {
        const method_ops *ops = method_find(catalog_method_name(m));
        CHECKF(ops && !strcmp(ops->name, catalog_method_name(m)), "method %s: hook table %s", catalog_method_name(m),
               ops ? ops->name : "missing");
    }
    CHECK(method_find("no_such_method") == NULL);
}

/* Methods that train on the auxiliary heads refuse a model without them, saying why. */
static void test_needs_aux_heads(void) {
    static const struct {
        const char *method, *why;
    } cases[] = {
        {"miles", "method miles needs the auxiliary heads (Eq. 3)"},
        {"mses", "method mses needs the auxiliary heads (it stops each modality on its own head's metric)"},
        {"gblend", "method gblend blends the auxiliary heads' losses"},
        {"unimodal", "method unimodal trains an auxiliary head alone"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        config c = load_cfg(cases[i].method, NULL);
        const method_ops *ops = method_find(cases[i].method);
        REQUIRE(ops && ops->adjust_spec);
        mt_model_spec s;
        tu_small_spec(&s, MT_FUSION_CONCAT, 4);
        s.aux_heads = 0;
        char err[512] = "", want[512];
        snprintf(want, sizeof want, "model.aux_heads: %s, found false", cases[i].why);
        CHECKF(ops->adjust_spec(&c, &s, err, sizeof err) == ML_EINVAL && !strcmp(err, want),
               "%s: message '%s', expected '%s'", cases[i].method, err, want);
        config_free(&c);
    }
}

/* ---- train_run with a fake method that counts its hooks ---------------------------------- */

/* A tiny smnist-named cache: 1x8x8 uint8 images and float audio, 4 classes, 20/10/10 rows. */
static void make_tiny_cache(const char *path) {
    dataset d;
    memset(&d, 0, sizeof d);
    snprintf(d.name, sizeof d.name, "smnist");
    d.num_classes = 4;
    snprintf(d.metric, sizeof d.metric, "accuracy");
    snprintf(d.modality[0], sizeof d.modality[0], "image");
    snprintf(d.modality[1], sizeof d.modality[1], "audio");
    d.class_names = strdup("0,1,2,3");
    d.recipe = strdup("test_methods tiny cache");
    d.recipe_version = 1;
    static const int64_t rows[3] = {20, 10, 10};
    for (int s = 0; s < 3; s++) {
        tu_data t = tu_make_data(rows[s], 4, 8, 8, 100 + (uint64_t)s, 0.3);
        ds_split *sp = &d.split[s];
        sp->n = rows[s];
        sp->x[0] = (ds_modality){DS_U8, 1, 8, 8, 64, t.a};
        sp->x[1] = (ds_modality){DS_F32, 1, 8, 8, 64 * sizeof(float), t.b};
        sp->labels = t.labels;
    }
    char err[1024];
    int rc = dataset_save(path, &d, err, sizeof err);
    REQUIRE(rc == 0 || (fprintf(stderr, "%s\n", err), 0));
    dataset_free(&d);
}

static int fake_inits, fake_finis, fake_init_fails;

static ml_status fake_init(run *r) {
    fake_inits++;
    r->state = malloc(16); /* what fini must free */
    if (fake_init_fails) {
        snprintf(r->err, sizeof r->err, "fake: init refuses");
        return ML_EINVAL;
    }
    return ML_OK;
}

static void fake_fini(run *r) {
    fake_finis++;
    free(r->state);
    r->state = NULL;
}

static const method_ops fake_method = {.name = "fake", .init = fake_init, .fini = fake_fini};

static void test_train_run_init_fini(void) {
    const char *cache = scratch_path("tiny.h5");
    make_tiny_cache(cache);
    char top[1200];
    snprintf(top, sizeof top,
             "dataset: {name: smnist, cache: %s}\n"
             "model:\n  a: {preset: resnet6, base_width: 4, stem: small}\n  b: {preset: resnet6, base_width: 4, stem: "
             "small}\n"
             "train: {epochs: 1, batch_size: 10, eval_batch_size: 10, threads: 1, device: cpu}\n",
             cache);
    config c = load_cfg_with("vanilla", NULL, top);
    train_options opt = {.quiet = 1, .method = &fake_method};
    train_summary sum;
    char err[2048] = "";

    /* init fails: a configuration error, nothing on disk, and fini still frees init's state */
    fake_inits = fake_finis = 0;
    fake_init_fails = 1;
    const char *dir = scratch_path("refused");
    ml_status rc = train_run(&c, dir, &opt, &sum, err, sizeof err);
    CHECKF(rc == ML_EINVAL, "train_run with a failing init returned %d (%s), expected ML_EINVAL", rc, err);
    CHECKF(strstr(err, "init refuses") != NULL, "message: %s", err);
    CHECKF(access(dir, F_OK) != 0, "%s exists after init failed: a run directory that looks started", dir);
    CHECKF(fake_inits == 1 && fake_finis == 1, "init ran %d times, fini %d times; expected 1 and 1", fake_inits,
           fake_finis);

    /* init succeeds: one epoch, fini once at the end */
    fake_inits = fake_finis = 0;
    fake_init_fails = 0;
    dir = scratch_path("ran");
    rc = train_run(&c, dir, &opt, &sum, err, sizeof err);
    CHECKF(rc == ML_OK, "train_run: %d: %s", rc, err);
    CHECKF(fake_inits == 1 && fake_finis == 1, "init ran %d times, fini %d times; expected 1 and 1", fake_inits,
           fake_finis);
    CHECKF(sum.epochs_run == 1 && sum.completed == 1, "epochs_run %d completed %d", sum.epochs_run, sum.completed);
    config_free(&c);
}

int main(void) {
    scratch_make("test_methods");
    test_registry();
    test_needs_aux_heads();
    test_state_txt_bad_integer();
    test_train_run_init_fini();
    test_ogm("ogm");
    test_ogm("ogm_ge");
    test_ogm_fp16("ogm");
    test_ogm_fp16("ogm_ge");
    test_mses();
    test_unimodal();
    test_mslr_state_round_trip();
    test_gblend_holdout();
    return scratch_finish("test_methods");
}
