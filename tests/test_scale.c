/* test_scale.c - gradient scaling and noise (OGM / OGM-GE) and model clone.
 *
 * 1. SGD, momentum 0, weight decay 0: a clone made before the step gets the same batch and
 *    bit-identical gradients; scaling group A's gradients by k (all_params 1) scales A's weight
 *    update (w_after - w_before) by k and leaves B's and fusion's updates bit-identical.
 * 2. all_params 0 touches only 4-D conv weight gradients: with k = 0 the conv elements (324 of
 *    the 348 of encoder T1, see below) become 0 and the BN elements stay; with all_params 1 and
 *    k = 0 every element becomes 0; with k = 2 the touched elements exactly double.
 * 3. Noise (coef 1, noise_factor 1): the conv gradients change, the mean squared change is of
 *    the order of the gradients' variance, BN gradients are untouched, and the noise comes from
 *    the model's own generator (a clone draws the same noise).
 *
 * Encoder T1 (basic, 1 stage of 1 block, width 4, small stem, 1 channel): conv weights
 * 3x3x1x4 = 36, 3x3x4x4 = 144, 3x3x4x4 = 144 -> 324; BN weights+biases 3 x 8 = 24; total 348.
 */
#include "testutil.h"

enum { BATCH = 16 };

static mt_model *make(mt_optim_kind kind, int enc_width) {
    mt_model_spec s;
    mt_spec_init(&s);
    tu_tiny_encoder(&s.enc[0], MT_BLOCK_BASIC, 1, enc_width, MT_STEM_SMALL, 1, 8, 8);
    tu_tiny_encoder(&s.enc[1], MT_BLOCK_BASIC, 1, 8, MT_STEM_SMALL, 1, 8, 8);
    s.num_classes = 4;
    s.device = MT_DEVICE_CPU;
    s.threads = 1;
    s.seed = 21;
    s.optim.kind = kind;
    s.optim.lr = 0.1;
    s.optim.momentum = 0;
    s.optim.weight_decay = 0;
    mt_model *m = NULL;
    REQUIRE_OK(mt_model_create(&s, &m));
    return m;
}

static void scaled_update(const tu_data *d, double k) {
    mt_model *m = make(MT_OPTIM_SGD, 4);
    {
        /* one plain step first, so the weights are not at their initial values */
        mt_batch b = tu_batch(d, 0, BATCH);
        REQUIRE_OK(mt_train_step(m, &b, NULL, NULL));
        REQUIRE_OK(mt_optimizer_step(m));
    }
    mt_model *c = NULL;
    REQUIRE_OK(mt_model_clone(m, &c));
    REQUIRE(c != NULL);
    for (int g = 0; g < MT_NUM_GROUPS; g++)
        CHECKF(tu_same_params(m, c, g), "clone differs from its source in group %d", g);

    float *w0[MT_NUM_GROUPS];
    for (int g = 0; g < MT_NUM_GROUPS; g++) w0[g] = tu_params(m, g);

    mt_batch b = tu_batch(d, BATCH, BATCH);
    mt_step_result r1, r2;
    REQUIRE_OK(mt_train_step(m, &b, NULL, &r1));
    REQUIRE_OK(mt_train_step(c, &b, NULL, &r2));
    CHECKF(r1.total_loss == r2.total_loss, "clone loss %.9g vs source %.9g", r2.total_loss, r1.total_loss);
    for (int g = 0; g < MT_NUM_GROUPS; g++) {
        float *g1 = tu_grads(m, g), *g2 = tu_grads(c, g);
        int64_t nd = tu_ndiff(g1, g2, tu_count(m, g));
        CHECKF(nd == 0,
               "same batch on model and clone: group %d gradients differ in %lld "
               "elements (threads = 1)",
               g, (long long)nd);
        free(g1);
        free(g2);
    }
    CHECK_OK(mt_scale_grad(c, MT_GROUP_A, k, 0.0, 1));
    REQUIRE_OK(mt_optimizer_step(m));
    REQUIRE_OK(mt_optimizer_step(c));

    for (int g = 0; g < MT_NUM_GROUPS; g++) {
        int64_t n = tu_count(m, g);
        float *w1 = tu_params(m, g), *w2 = tu_params(c, g);
        double sum_abs = 0;
        int64_t bad = 0, first_bad = -1;
        for (int64_t i = 0; i < n; i++) {
            double d1 = (double)w1[i] - (double)w0[g][i];
            double d2 = (double)w2[i] - (double)w0[g][i];
            sum_abs += fabs(d1);
            double want = g == MT_GROUP_A ? k * d1 : d1;
            /* rounding of w - lr*g in float: a few ulps of |w| */
            double tol = 4e-7 * (fabs(w0[g][i]) + fabs(d1) + fabs(d2)) + 1e-12;
            if (g != MT_GROUP_A) tol = 0; /* untouched groups: bit-identical */
            if (fabs(d2 - want) > tol) {
                if (first_bad < 0) first_bad = i;
                bad++;
            }
        }
        CHECKF(sum_abs > 0, "group %d did not change at all under SGD lr 0.1", g);
        if (bad) {
            int64_t i = first_bad;
            CHECKF(bad == 0,
                   "k = %g: group %d update mismatch in %lld of %lld elements; first at %lld: "
                   "w0 %.9g, unscaled update %.9g, scaled update %.9g, expected %.9g",
                   k, g, (long long)bad, (long long)n, (long long)i, w0[g][i], (double)w1[i] - w0[g][i],
                   (double)w2[i] - w0[g][i], (g == MT_GROUP_A ? k : 1.0) * ((double)w1[i] - w0[g][i]));
        }
        free(w1);
        free(w2);
        free(w0[g]);
    }
    mt_model_free(c);
    mt_model_free(m);
}

/* Gradients of group A after one train step on a fresh model (width-4 encoder T1). */
static void conv_only(const tu_data *d) {
    mt_model *m = make(MT_OPTIM_SGD, 4);
    int64_t n = tu_count(m, MT_GROUP_A);
    CHECK_EQ_I64(n, 348);
    mt_batch b = tu_batch(d, 0, BATCH);

    /* k = 0, conv only */
    REQUIRE_OK(mt_train_step(m, &b, NULL, NULL));
    float *g0 = tu_grads(m, MT_GROUP_A);
    float *gf0 = tu_grads(m, MT_GROUP_FUSION);
    float *gb0 = tu_grads(m, MT_GROUP_B);
    int64_t nz0 = 0;
    for (int64_t i = 0; i < n; i++) nz0 += g0[i] != 0.0f;
    CHECKF(nz0 > 300, "only %lld of 348 gradient elements of A are nonzero", (long long)nz0);
    CHECK_OK(mt_scale_grad(m, MT_GROUP_A, 0.0, 0.0, 0));
    float *g1 = tu_grads(m, MT_GROUP_A);
    int64_t zeroed = 0, kept_nonzero = 0, other = 0, zeros = 0;
    for (int64_t i = 0; i < n; i++) {
        if (g1[i] == 0.0f) zeros++;
        if (memcmp(&g1[i], &g0[i], sizeof(float)) == 0) {
            if (g0[i] != 0.0f) kept_nonzero++;
        } else if (g1[i] == 0.0f) {
            zeroed++;
        } else {
            other++;
        }
    }
    CHECKF(other == 0, "k = 0, all_params 0: %lld elements neither kept nor zeroed", (long long)other);
    CHECKF(zeros >= 324,
           "k = 0, all_params 0: %lld zero elements, expected >= 324 (the conv "
           "weights)",
           (long long)zeros);
    CHECKF(zeroed <= 324, "k = 0, all_params 0: %lld elements zeroed, only 324 are conv weights", (long long)zeroed);
    CHECKF(kept_nonzero >= 12 && kept_nonzero <= 24,
           "k = 0, all_params 0: %lld nonzero elements kept, expected the BN ones (<= 24, most "
           "nonzero)",
           (long long)kept_nonzero);
    /* other groups untouched */
    float *gf1 = tu_grads(m, MT_GROUP_FUSION), *gb1 = tu_grads(m, MT_GROUP_B);
    CHECK(tu_ndiff(gf0, gf1, tu_count(m, MT_GROUP_FUSION)) == 0);
    CHECK(tu_ndiff(gb0, gb1, tu_count(m, MT_GROUP_B)) == 0);
    free(gf1);
    free(gb1);
    free(g1);

    /* k = 0, all params: everything 0 */
    REQUIRE_OK(mt_train_step(m, &b, NULL, NULL));
    CHECK_OK(mt_scale_grad(m, MT_GROUP_A, 0.0, 0.0, 1));
    g1 = tu_grads(m, MT_GROUP_A);
    int64_t nonzero = 0;
    for (int64_t i = 0; i < n; i++) nonzero += g1[i] != 0.0f;
    CHECKF(nonzero == 0, "k = 0, all_params 1: %lld elements nonzero", (long long)nonzero);
    free(g1);

    /* k = 2, conv only: touched elements exactly double, the others are kept */
    REQUIRE_OK(mt_train_step(m, &b, NULL, NULL));
    free(g0);
    g0 = tu_grads(m, MT_GROUP_A);
    CHECK_OK(mt_scale_grad(m, MT_GROUP_A, 2.0, 0.0, 0));
    g1 = tu_grads(m, MT_GROUP_A);
    int64_t doubled = 0, kept = 0;
    other = 0;
    for (int64_t i = 0; i < n; i++) {
        if (g0[i] == 0.0f) continue;
        if (g1[i] == 2.0f * g0[i]) doubled++;
        else if (g1[i] == g0[i]) kept++;
        else other++;
    }
    CHECKF(other == 0, "k = 2: %lld elements neither doubled nor kept", (long long)other);
    CHECKF(doubled > 300 && doubled <= 324,
           "k = 2: %lld elements doubled, expected the conv "
           "weights (<= 324)",
           (long long)doubled);
    CHECKF(kept >= 12 && kept <= 24, "k = 2: %lld elements kept, expected the BN ones", (long long)kept);
    free(g1);
    free(g0);
    free(gf0);
    free(gb0);
    mt_model_free(m);
}

static void noise(const tu_data *d) {
    /* width 16: conv tensors 144, 2304, 2304 elements; BN 3 x 32 = 96 */
    mt_model *m = make(MT_OPTIM_SGD, 16);
    int64_t n = tu_count(m, MT_GROUP_A);
    CHECK_EQ_I64(n, 144 + 32 + 2304 + 32 + 2304 + 32);
    mt_model *c = NULL;
    REQUIRE_OK(mt_model_clone(m, &c));
    mt_batch b = tu_batch(d, 0, BATCH);
    REQUIRE_OK(mt_train_step(m, &b, NULL, NULL));
    REQUIRE_OK(mt_train_step(c, &b, NULL, NULL));
    float *g0 = tu_grads(m, MT_GROUP_A);
    CHECK_OK(mt_scale_grad(m, MT_GROUP_A, 1.0, 1.0, 0));
    CHECK_OK(mt_scale_grad(c, MT_GROUP_A, 1.0, 1.0, 0));
    float *g1 = tu_grads(m, MT_GROUP_A), *g2 = tu_grads(c, MT_GROUP_A);
    CHECKF(tu_ndiff(g1, g2, n) == 0,
           "noise differs between a model and its clone (%lld elements): the generator is not "
           "the model's own or is not cloned",
           (long long)tu_ndiff(g1, g2, n));

    /* changed elements: the conv weights; their squared change vs their spread */
    int64_t changed = 0;
    double sum = 0, sum2 = 0, dsq = 0;
    for (int64_t i = 0; i < n; i++) {
        if (g1[i] == g0[i]) continue;
        changed++;
        double d0 = (double)g1[i] - (double)g0[i];
        dsq += d0 * d0;
        sum += g0[i];
        sum2 += (double)g0[i] * g0[i];
    }
    CHECKF(changed > 4700 && changed <= 4752, "noise changed %lld elements, expected about the 4752 conv weights",
           (long long)changed);
    if (changed > 1) {
        double mean = sum / (double)changed;
        double var = sum2 / (double)changed - mean * mean; /* pooled over the conv tensors */
        double msq = dsq / (double)changed;
        printf("noise: mean squared change %.4g, pooled gradient variance %.4g, ratio %.3f\n", msq, var, msq / var);
        CHECKF(msq > 0.3 * var && msq < 3.0 * var,
               "mean squared noise %.4g not within [0.3, 3] x gradient variance %.4g", msq, var);
    }
    /* a second draw differs from the first (the generator advances) */
    REQUIRE_OK(mt_train_step(m, &b, NULL, NULL));
    float *h0 = tu_grads(m, MT_GROUP_A);
    CHECK(tu_ndiff(h0, g0, n) == 0); /* same batch, same weights: same gradient */
    CHECK_OK(mt_scale_grad(m, MT_GROUP_A, 1.0, 1.0, 0));
    float *h1 = tu_grads(m, MT_GROUP_A);
    CHECKF(tu_ndiff(h1, g1, n) > 4000, "the second noise draw equals the first in %lld elements",
           (long long)(n - tu_ndiff(h1, g1, n)));
    free(h0);
    free(h1);
    free(g0);
    free(g1);
    free(g2);
    mt_model_free(c);
    mt_model_free(m);
}

int main(void) {
    tu_data d = tu_make_data(64, 4, 8, 8, 17, 0.5);
    scaled_update(&d, 0.5);
    scaled_update(&d, 3.0);
    conv_only(&d);
    noise(&d);
    tu_free_data(&d);
    return tu_finish("test_scale");
}
