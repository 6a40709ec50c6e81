/* test_amp.c - mixed precision through the shim (mt_amp_spec), on the CPU.
 *
 * bf16: the same tiny model and data trained in fp32 and in bf16 (CPU autocast) for the same
 * epochs; the bf16 forward really differs from fp32's (autocast is on), its loss falls, and its
 * eval accuracy and loss stay within stated tolerances of fp32's. A bf16 checkpoint resumes bit
 * for bit, and an fp32 checkpoint loads into a bf16 model (precision is not part of the spec).
 * fp16's loss scaler (on the CPU the forward stays fp32, the scaler runs): gradients read after
 * a step are the unscaled ones (equal to fp32's); a fake overflow (a NaN in the input) skips the
 * step, leaves the weights as they were and halves the scale (twice in a row: a quarter);
 * growth_interval clean steps double it; the scaler's state survives a checkpoint.
 */
#define _POSIX_C_SOURCE 200809L
#include <unistd.h>

#include "testutil.h"

enum { N = 256, BATCH = 32, CLASSES = 4, EPOCHS = 6 };

static mt_model *make(mt_precision p, uint64_t seed) {
    mt_model_spec s;
    tu_small_spec(&s, MT_FUSION_CONCAT, CLASSES);
    s.optim.lr = 1e-2;
    s.seed = seed;
    s.enc[0].mean[0] = 0.5f;
    s.enc[0].std[0] = 0.25f;
    s.amp.precision = p;
    mt_model *m = NULL;
    REQUIRE_OK(mt_model_create(&s, &m));
    return m;
}

/* One epoch over d; returns the mean fused training loss. */
static double epoch(mt_model *m, const tu_data *d) {
    double loss = 0;
    for (int64_t i = 0; i + BATCH <= d->n; i += BATCH) {
        mt_batch b = tu_batch(d, i, BATCH);
        mt_step_result r;
        REQUIRE_OK(mt_train_step(m, &b, NULL, &r));
        REQUIRE_OK(mt_optimizer_step(m));
        loss += r.loss[MT_HEAD_FUSED];
    }
    return loss / (double)(d->n / BATCH);
}

static mt_step_result eval(mt_model *m, const tu_data *t) {
    mt_batch b = tu_batch(t, 0, t->n);
    mt_step_result r;
    REQUIRE_OK(mt_eval_batch(m, &b, &r, NULL));
    return r;
}

static void test_bf16_trains(void) {
    tu_data d = tu_make_data(N, CLASSES, 8, 8, 99, 0.5), t = tu_make_data(128, CLASSES, 8, 8, 1001, 0.5);
    mt_model *f = make(MT_PRECISION_FP32, 7), *h = make(MT_PRECISION_BF16, 7);
    /* autocast is on: the first step's loss differs from fp32's, but only by bf16 rounding */
    mt_batch b = tu_batch(&d, 0, BATCH);
    mt_step_result rf, rh;
    REQUIRE_OK(mt_eval_batch(f, &b, &rf, NULL));
    REQUIRE_OK(mt_eval_batch(h, &b, &rh, NULL));
    double d0 = fabs(rf.loss[0] - rh.loss[0]);
    CHECKF(d0 > 0 && d0 < 0.05, "first loss fp32 %.6f bf16 %.6f: expected a small non-zero difference", rf.loss[0],
           rh.loss[0]);
    double first[2] = {0, 0}, last[2] = {0, 0};
    for (int e = 0; e < EPOCHS; e++) {
        last[0] = epoch(f, &d);
        last[1] = epoch(h, &d);
        if (e == 0) first[0] = last[0], first[1] = last[1];
    }
    rf = eval(f, &t);
    rh = eval(h, &t);
    printf("fp32: loss %.4f -> %.4f, eval acc %lld/128 loss %.4f\n", first[0], last[0], (long long)rf.correct[0],
           rf.loss[0]);
    printf("bf16: loss %.4f -> %.4f, eval acc %lld/128 loss %.4f\n", first[1], last[1], (long long)rh.correct[0],
           rh.loss[0]);
    CHECKF(last[1] < 0.5 * first[1], "bf16 loss did not fall by half: %.4f -> %.4f", first[1], last[1]);
    /* tolerance: 8 of 128 eval samples, and 0.1 + 25% of fp32's eval loss */
    CHECKF(llabs(rh.correct[0] - rf.correct[0]) <= 8, "eval accuracy bf16 %lld vs fp32 %lld (tolerance 8/128)",
           (long long)rh.correct[0], (long long)rf.correct[0]);
    CHECKF(fabs(rh.loss[0] - rf.loss[0]) <= 0.1 + 0.25 * rf.loss[0], "eval loss bf16 %.4f vs fp32 %.4f", rh.loss[0],
           rf.loss[0]);
    mt_model_free(f);
    mt_model_free(h);
    tu_free_data(&d);
    tu_free_data(&t);
}

static void tmp_path(char *path, size_t n, const char *tag) {
    snprintf(path, n, "/tmp/miles-test-amp-%ld-%s.pt", (long)getpid(), tag);
}

static void test_bf16_resume(void) {
    tu_data d = tu_make_data(128, CLASSES, 8, 8, 5, 0.5);
    char path[256];
    tmp_path(path, sizeof path, "bf16");
    mt_model *a = make(MT_PRECISION_BF16, 3);
    epoch(a, &d);
    REQUIRE_OK(mt_model_save(a, path));
    mt_model *b = make(MT_PRECISION_BF16, 99); /* another seed: everything must come from the file */
    REQUIRE_OK(mt_model_load(b, path));
    CHECK(tu_same_params(a, b, MT_GROUP_ALL));
    epoch(a, &d);
    epoch(b, &d);
    CHECKF(tu_same_params(a, b, MT_GROUP_ALL), "a resumed bf16 run is not bit-identical to the uninterrupted one");
    /* an fp32 checkpoint continues in bf16 */
    mt_model *f = make(MT_PRECISION_FP32, 3);
    epoch(f, &d);
    REQUIRE_OK(mt_model_save(f, path));
    mt_model *g = make(MT_PRECISION_BF16, 3);
    CHECK_OK(mt_model_load(g, path));
    CHECK(tu_same_params(f, g, MT_GROUP_ALL));
    double loss = epoch(g, &d);
    CHECKF(isfinite(loss), "bf16 after an fp32 checkpoint: loss %g", loss);
    unlink(path);
    mt_model_free(a), mt_model_free(b), mt_model_free(f), mt_model_free(g);
    tu_free_data(&d);
}

static mt_model *make_fp16(double init_scale, int interval) {
    mt_model_spec s;
    tu_small_spec(&s, MT_FUSION_CONCAT, CLASSES);
    s.seed = 7;
    s.amp.precision = MT_PRECISION_FP16;
    s.amp.init_scale = init_scale;
    s.amp.growth_interval = interval;
    mt_model *m = NULL;
    REQUIRE_OK(mt_model_create(&s, &m));
    return m;
}

static mt_scaler_info scaler(const mt_model *m) {
    mt_scaler_info i;
    REQUIRE_OK(mt_scaler_get(m, &i));
    return i;
}

/* The gradients every reader sees are the unscaled ones: the same as an fp32 model's. */
static void test_fp16_unscaled(void) {
    tu_data d = tu_make_data(BATCH, CLASSES, 8, 8, 11, 0.5);
    mt_model_spec s;
    tu_small_spec(&s, MT_FUSION_CONCAT, CLASSES);
    s.seed = 7;
    mt_model *f = NULL, *h = make_fp16(0, 0);
    REQUIRE_OK(mt_model_create(&s, &f));
    CHECK_NEAR(scaler(h).scale, 65536.0, 0);
    mt_batch b = tu_batch(&d, 0, BATCH);
    REQUIRE_OK(mt_train_step(f, &b, NULL, NULL));
    REQUIRE_OK(mt_train_step(h, &b, NULL, NULL));
    int64_t n = tu_count(f, MT_GROUP_ALL);
    float *gf = tu_grads(f, MT_GROUP_ALL), *gh = tu_grads(h, MT_GROUP_ALL);
    double worst = 0, big = 0;
    for (int64_t i = 0; i < n; i++) {
        worst = fmax(worst, fabs((double)gf[i] - gh[i]));
        big = fmax(big, fabs(gf[i]));
    }
    CHECKF(big > 0 && worst <= tu_fp16_rel_tol(1e-5) * big, "fp16 gradients differ from fp32's by %g (largest %g)",
           worst, big);
    free(gf), free(gh);
    mt_model_free(f), mt_model_free(h);
    tu_free_data(&d);
}

/* Skip and backoff on a fake overflow, growth after growth_interval clean steps. */
static void test_fp16_scaler(void) {
    tu_data d = tu_make_data(BATCH, CLASSES, 8, 8, 11, 0.5);
    mt_model *m = make_fp16(1024, 3);
    mt_batch b = tu_batch(&d, 0, BATCH);
    float saved = d.b[5];
    d.b[5] = NAN; /* the fake overflow: non-finite gradients */
    int64_t n = tu_count(m, MT_GROUP_ALL);
    float *before = tu_params(m, MT_GROUP_ALL), *after = NULL;
    for (int k = 0; k < 2; k++) {
        REQUIRE_OK(mt_train_step(m, &b, NULL, NULL));
        CHECK(scaler(m).overflow == 1);
        REQUIRE_OK(mt_optimizer_step(m));
        free(after);
        after = tu_params(m, MT_GROUP_ALL);
        CHECKF(tu_ndiff(before, after, n) == 0, "overflowed step %d changed %lld weights", k,
               (long long)tu_ndiff(before, after, n));
    }
    mt_scaler_info i = scaler(m);
    CHECK_NEAR(i.scale, 256.0, 0);
    CHECK_EQ_I64(i.skipped_steps, 2);
    CHECK_EQ_I64(i.growth_tracker, 0);
    d.b[5] = saved;
    double scales[3];
    for (int k = 0; k < 3; k++) {
        REQUIRE_OK(mt_train_step(m, &b, NULL, NULL));
        CHECK(scaler(m).overflow == 0);
        REQUIRE_OK(mt_optimizer_step(m));
        scales[k] = scaler(m).scale;
    }
    free(after);
    after = tu_params(m, MT_GROUP_ALL);
    CHECKF(tu_ndiff(before, after, n) > 0, "clean steps changed no weight");
    /* interval 3: the scale stays 256 for two steps and doubles on the third */
    CHECKF(scales[0] == 256 && scales[1] == 256 && scales[2] == 512, "scales %g %g %g, expected 256 256 512", scales[0],
           scales[1], scales[2]);
    CHECK_EQ_I64(scaler(m).growth_tracker, 0);
    CHECK_EQ_I64(scaler(m).skipped_steps, 2);

    /* the scaler's state survives a checkpoint */
    char path[256];
    tmp_path(path, sizeof path, "fp16");
    REQUIRE_OK(mt_model_save(m, path));
    mt_model *c = make_fp16(0, 3);
    REQUIRE_OK(mt_model_load(c, path));
    CHECK_NEAR(scaler(c).scale, 512.0, 0);
    CHECK_EQ_I64(scaler(c).skipped_steps, 2);
    unlink(path);
    free(before), free(after);
    mt_model_free(m), mt_model_free(c);
    tu_free_data(&d);
}

static void test_bad_amp(void) {
    mt_model_spec s;
    tu_small_spec(&s, MT_FUSION_CONCAT, CLASSES);
    s.amp.precision = (mt_precision)7;
    mt_model *m = NULL;
    CHECK(mt_model_create(&s, &m) == MT_EINVAL);
    s.amp.precision = MT_PRECISION_FP16;
    s.amp.backoff = 2;
    CHECK(mt_model_create(&s, &m) == MT_EINVAL);
    CHECKF(strstr(mt_last_error(), "backoff") != NULL, "message: %s", mt_last_error());
}

int main(void) {
    test_bf16_trains();
    test_bf16_resume();
    test_fp16_unscaled();
    test_fp16_scaler();
    test_bad_amp();
    return tu_finish("test_amp");
}
