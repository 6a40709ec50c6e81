/* test_eval.c - evaluation outputs against values recomputed in C from the returned logits.
 *
 * For concat and sum fusion with aux heads: softmax probabilities (rows sum to 1, equal
 * softmax(logits)), correct = argmax agreement per head, mean cross entropy per head,
 * score_aux / score_slice = summed true-class softmax of the aux heads / fusion slices,
 * fused logits = slice A + slice B, eval leaves parameters alone and is repeatable.
 * Without aux heads: heads A and B are the slices. Multilabel: sigmoid, tp/fp/fn, mean BCE.
 * Also the head loss weights of mt_train_step: total = sum w_h loss_h, and the on-device
 * normalisation x' = (x * scale - mean[c]) / std[c]: a uint8 input with scale 0 (= 1/255),
 * mean 0.5, std 0.25 gives the same logits as the float input (x/255 - 0.5) / 0.25 fed to a
 * model of the same seed with the defaults (scale 0 = 1 for float, mean 0, std 0 = 1).
 */
#include "testutil.h"

enum { NE = 24, C = 4 };

static int argmax(const float *row, int c) {
    int k = 0;
    for (int j = 1; j < c; j++)
        if (row[j] > row[k]) k = j;
    return k;
}

static void softmax(const float *z, double *p, int c) {
    double mx = z[0], s = 0;
    for (int j = 1; j < c; j++) mx = z[j] > mx ? z[j] : mx;
    for (int j = 0; j < c; j++) s += (p[j] = exp((double)z[j] - mx));
    for (int j = 0; j < c; j++) p[j] /= s;
}

static void train_a_bit(mt_model *m, const tu_data *d) {
    for (int i = 0; i < 4; i++) {
        mt_batch b = tu_batch(d, i * 8, 16);
        REQUIRE_OK(mt_train_step(m, &b, NULL, NULL));
        REQUIRE_OK(mt_optimizer_step(m));
    }
}

static void multiclass(mt_fusion fusion, int aux, const char *name) {
    mt_model_spec s;
    tu_small_spec(&s, fusion, C);
    s.aux_heads = aux;
    if (fusion == MT_FUSION_SUM) /* unequal feature sizes: 8 and 16 -> a projection */
        tu_tiny_encoder(&s.enc[1], MT_BLOCK_BASIC, 2, 8, MT_STEM_SMALL, 1, 8, 8);
    mt_model *m = NULL;
    REQUIRE_OK(mt_model_create(&s, &m));
    tu_data d = tu_make_data(64, C, 8, 8, 41, 1.0);
    train_a_bit(m, &d);

    /* loss weights in a train step */
    {
        const float w[MT_NUM_HEADS] = {1.0f, 0.5f, 0.25f};
        mt_batch b = tu_batch(&d, 0, 16);
        mt_step_result r;
        CHECK_OK(mt_train_step(m, &b, w, &r));
        CHECK_NEAR(r.total_loss, r.loss[0] + 0.5 * r.loss[1] + 0.25 * r.loss[2], 1e-5 * (1 + fabs(r.total_loss)));
    }

    float *before[MT_NUM_GROUPS];
    for (int g = 0; g < MT_NUM_GROUPS; g++) before[g] = tu_params(m, g);

    static float lg[MT_NUM_HEADS][NE * C], ls[2][NE * C], pg[MT_NUM_HEADS][NE * C], ps[2][NE * C], lg2[NE * C];
    mt_eval_out ol = {{lg[0], lg[1], lg[2]}, {ls[0], ls[1]}, 0};
    mt_eval_out op = {{pg[0], pg[1], pg[2]}, {ps[0], ps[1]}, 1};
    mt_eval_out o2 = {{lg2, NULL, NULL}, {NULL, NULL}, 0};
    mt_batch b = tu_batch(&d, 32, NE);
    mt_step_result rl, rp, r2;
    REQUIRE_OK(mt_eval_batch(m, &b, &rl, &ol));
    REQUIRE_OK(mt_eval_batch(m, &b, &rp, &op));
    REQUIRE_OK(mt_eval_batch(m, &b, &r2, &o2));
    CHECKF(memcmp(lg[0], lg2, sizeof lg2) == 0, "%s: eval is not repeatable", name);
    CHECK_EQ_I64(rl.n, NE);
    for (int g = 0; g < MT_NUM_GROUPS; g++) {
        float *after = tu_params(m, g);
        CHECKF(tu_ndiff(before[g], after, tu_count(m, g)) == 0, "%s: eval changed group %d", name, g);
        free(after);
        free(before[g]);
    }

    double tol = 1e-5;
    float *lo[5] = {lg[0], lg[1], lg[2], ls[0], ls[1]};
    float *pr[5] = {pg[0], pg[1], pg[2], ps[0], ps[1]};
    double loss[3] = {0, 0, 0}, score[5] = {0, 0, 0, 0, 0};
    int64_t correct[3] = {0, 0, 0};
    int prob_bad = 0, sum_bad = 0;
    for (int k = 0; k < 5; k++)
        for (int i = 0; i < NE; i++) {
            double p[C], rs = 0;
            softmax(lo[k] + i * C, p, C);
            for (int j = 0; j < C; j++) {
                rs += pr[k][i * C + j];
                if (fabs(p[j] - pr[k][i * C + j]) > tol) prob_bad++;
            }
            if (fabs(rs - 1.0) > tol) sum_bad++;
            int y = (int)b.labels[i];
            score[k] += p[y];
            if (k < 3) {
                loss[k] -= log(p[y]);
                correct[k] += argmax(lo[k] + i * C, C) == y;
            }
        }
    CHECKF(prob_bad == 0, "%s: %d probabilities differ from softmax(logits)", name, prob_bad);
    CHECKF(sum_bad == 0, "%s: %d probability rows do not sum to 1", name, sum_bad);
    for (int h = 0; h < 3; h++) {
        CHECKF(rl.correct[h] == correct[h], "%s: head %d correct %lld, argmax gives %lld", name, h,
               (long long)rl.correct[h], (long long)correct[h]);
        CHECKF(rp.correct[h] == correct[h], "%s: head %d correct %lld with probabilities", name, h,
               (long long)rp.correct[h]);
        CHECK_NEAR(rl.loss[h], loss[h] / NE, 1e-4 * (1 + loss[h] / NE));
    }
    CHECK_NEAR(rl.total_loss, rl.loss[0] + rl.loss[1] + rl.loss[2], 1e-4 * (1 + rl.total_loss));
    for (int mo = 0; mo < 2; mo++) {
        CHECK_NEAR(rl.score_slice[mo], score[3 + mo], 1e-4 * NE);
        CHECK_NEAR(rl.score_aux[mo], aux ? score[1 + mo] : 0.0, 1e-4 * NE);
    }
    /* the fusion layer's output is the sum of its slices (b/2 each) */
    int slice_bad = 0;
    for (int i = 0; i < NE * C; i++)
        if (fabs((double)lg[0][i] - ((double)ls[0][i] + ls[1][i])) > 1e-4 * (1 + fabs(lg[0][i]))) slice_bad++;
    CHECKF(slice_bad == 0, "%s: fused logits != slice A + slice B in %d of %d", name, slice_bad, NE * C);
    if (!aux) {
        CHECKF(memcmp(lg[1], ls[0], sizeof ls[0]) == 0,
               "%s: without aux heads head A is not "
               "the A slice",
               name);
        CHECKF(memcmp(lg[2], ls[1], sizeof ls[1]) == 0,
               "%s: without aux heads head B is not "
               "the B slice",
               name);
    }
    tu_free_data(&d);
    mt_model_free(m);
}

static void multilabel(void) {
    enum { L = 5 };
    mt_model_spec s;
    tu_small_spec(&s, MT_FUSION_CONCAT, L);
    s.multilabel = 1;
    mt_model *m = NULL;
    REQUIRE_OK(mt_model_create(&s, &m));
    tu_data d = tu_make_data(NE, 4, 8, 8, 43, 1.0);
    float targets[NE * L];
    tu_rng r = {5};
    int64_t positives = 0;
    for (int i = 0; i < NE * L; i++) positives += (targets[i] = (float)(tu_next(&r) % 3 == 0));
    mt_batch b = tu_batch(&d, 0, NE);
    b.labels = NULL;
    b.targets = targets;
    mt_step_result res;
    for (int i = 0; i < 3; i++) {
        CHECK_OK(mt_train_step(m, &b, NULL, &res));
        CHECK_OK(mt_optimizer_step(m));
    }
    static float lg[NE * L], pr[NE * L];
    mt_eval_out ol = {{lg, NULL, NULL}, {NULL, NULL}, 0};
    mt_eval_out op = {{pr, NULL, NULL}, {NULL, NULL}, 1};
    CHECK_OK(mt_eval_batch(m, &b, &res, &ol));
    CHECK_OK(mt_eval_batch(m, &b, NULL, &op));
    int64_t tp = 0, fp = 0, fn = 0;
    double bce = 0;
    int bad = 0;
    for (int i = 0; i < NE * L; i++) {
        double z = lg[i], p = 1.0 / (1.0 + exp(-z)), t = targets[i];
        if (fabs(p - pr[i]) > 1e-5) bad++;
        bce += (z > 0 ? z : 0) - z * t + log1p(exp(-fabs(z)));
        int pred = p > 0.5;
        tp += pred && t > 0.5;
        fp += pred && t < 0.5;
        fn += !pred && t > 0.5;
    }
    CHECKF(bad == 0, "multilabel: %d probabilities differ from sigmoid(logits)", bad);
    CHECK_EQ_I64(res.tp[MT_HEAD_FUSED], tp);
    CHECK_EQ_I64(res.fp[MT_HEAD_FUSED], fp);
    CHECK_EQ_I64(res.fn[MT_HEAD_FUSED], fn);
    CHECK_EQ_I64(res.tp[MT_HEAD_FUSED] + res.fn[MT_HEAD_FUSED], positives);
    /* mean BCE over samples and labels (BCEWithLogitsLoss, reduction mean) */
    CHECK_NEAR(res.loss[MT_HEAD_FUSED], bce / (NE * L), 1e-4);
    tu_free_data(&d);
    mt_model_free(m);
}

static void normalisation(void) {
    enum { NN = 8 };
    mt_model_spec s1, s2;
    tu_small_spec(&s1, MT_FUSION_CONCAT, C);
    tu_small_spec(&s2, MT_FUSION_CONCAT, C);
    s1.enc[0].mean[0] = 0.5f;
    s1.enc[0].std[0] = 0.25f;
    /* modality B: float input, explicit scale 2 and mean 1 vs pre-normalised float input */
    s1.enc[1].scale = 2.0f;
    s1.enc[1].mean[0] = 1.0f;
    s1.enc[1].std[0] = 4.0f;
    mt_model *m1 = NULL, *m2 = NULL;
    REQUIRE_OK(mt_model_create(&s1, &m1));
    REQUIRE_OK(mt_model_create(&s2, &m2));
    for (int g = 0; g < MT_NUM_GROUPS; g++)
        CHECKF(tu_same_params(m1, m2, g),
               "same seed, different normalisation: group %d init "
               "differs",
               g);
    tu_data d = tu_make_data(NN, C, 8, 8, 47, 1.0);
    static float xa[NN * 64], xb[NN * 64];
    for (int i = 0; i < NN * 64; i++) {
        xa[i] = (float)(((double)d.a[i] / 255.0 - 0.5) / 0.25);
        xb[i] = (float)(((double)d.b[i] * 2.0 - 1.0) / 4.0);
    }
    mt_batch b1 = tu_batch(&d, 0, NN), b2 = b1;
    b2.x[0].dtype = MT_DTYPE_F32;
    b2.x[0].data = xa;
    b2.x[1].data = xb;
    static float l1[MT_NUM_HEADS][NN * C], l2[MT_NUM_HEADS][NN * C];
    mt_eval_out o1 = {{l1[0], l1[1], l1[2]}, {NULL, NULL}, 0};
    mt_eval_out o2 = {{l2[0], l2[1], l2[2]}, {NULL, NULL}, 0};
    /* a train step first, so BN running statistics are not the identity */
    CHECK_OK(mt_train_step(m1, &b1, NULL, NULL));
    CHECK_OK(mt_train_step(m2, &b2, NULL, NULL));
    CHECK_OK(mt_eval_batch(m1, &b1, NULL, &o1));
    CHECK_OK(mt_eval_batch(m2, &b2, NULL, &o2));
    int bad = 0, first = -1;
    for (int h = 0; h < MT_NUM_HEADS; h++)
        for (int i = 0; i < NN * C; i++)
            if (fabs((double)l1[h][i] - l2[h][i]) > 1e-4 * (1 + fabs(l2[h][i]))) {
                if (first < 0) first = h * NN * C + i;
                bad++;
            }
    if (bad) {
        int h = first / (NN * C), i = first % (NN * C);
        CHECKF(bad == 0,
               "normalisation on the device vs in C: %d logits differ (first: head %d "
               "element %d, %.7g vs %.7g)",
               bad, h, i, l1[h][i], l2[h][i]);
    }
    tu_free_data(&d);
    mt_model_free(m1);
    mt_model_free(m2);
}

int main(void) {
    normalisation();
    multiclass(MT_FUSION_CONCAT, 1, "concat+aux");
    multiclass(MT_FUSION_SUM, 1, "sum+aux");
    multiclass(MT_FUSION_CONCAT, 0, "concat");
    multiclass(MT_FUSION_SUM, 0, "sum");
    multilabel();
    return tu_finish("test_eval");
}
