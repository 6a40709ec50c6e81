/* test_learn.c - a tiny two-modality model learns a synthetic task.
 *
 * Each sample's class (4 classes) is a texture (stripes / checkerboard) visible in both
 * modalities, plus noise; modality A is uint8 (normalised by 1/255 on the device), B float32.
 * With concat fusion and with sum fusion, the fused head must reach >= 95% training accuracy
 * (counted from mt_step_result.correct over one epoch) within a bounded number of epochs, the
 * epoch loss must fall, and the eval-mode accuracy on the training data must then be high.
 */
#include "testutil.h"

enum { N = 256, BATCH = 32, CLASSES = 4, MAX_EPOCHS = 40 };

static void learn(mt_fusion fusion, const char *name) {
    mt_model_spec s;
    tu_small_spec(&s, fusion, CLASSES);
    s.optim.lr = 1e-2;
    s.seed = 7;
    /* per-channel normalisation of A: (x/255 - 0.5) / 0.25 */
    s.enc[0].mean[0] = 0.5f;
    s.enc[0].std[0] = 0.25f;
    mt_model *m = NULL;
    REQUIRE_OK(mt_model_create(&s, &m));
    tu_data d = tu_make_data(N, CLASSES, 8, 8, 99, 0.5);

    double first_loss = -1, last_loss = -1, acc = 0;
    int epoch;
    for (epoch = 0; epoch < MAX_EPOCHS; epoch++) {
        int64_t correct = 0, seen = 0;
        double loss = 0;
        for (int64_t i = 0; i + BATCH <= N; i += BATCH) {
            mt_batch b = tu_batch(&d, i, BATCH);
            mt_step_result r;
            memset(&r, 0, sizeof r);
            REQUIRE_OK(mt_train_step(m, &b, NULL, &r));
            REQUIRE_OK(mt_optimizer_step(m));
            CHECK_EQ_I64(r.n, BATCH);
            CHECKF(r.correct[MT_HEAD_FUSED] >= 0 && r.correct[MT_HEAD_FUSED] <= BATCH, "correct %lld of %d",
                   (long long)r.correct[MT_HEAD_FUSED], BATCH);
            /* unit weights: total = sum of the three head losses */
            CHECK_NEAR(r.total_loss, r.loss[0] + r.loss[1] + r.loss[2], 1e-4 * (1 + fabs(r.total_loss)));
            correct += r.correct[MT_HEAD_FUSED];
            seen += r.n;
            loss += r.loss[MT_HEAD_FUSED] * (double)r.n;
        }
        loss /= (double)seen;
        acc = (double)correct / (double)seen;
        if (epoch == 0) first_loss = loss;
        last_loss = loss;
        if (acc >= 0.95) break;
    }
    printf("%s: epoch %d, training accuracy %.3f, loss %.4f -> %.4f\n", name, epoch, acc, first_loss, last_loss);
    CHECKF(acc >= 0.95, "%s: training accuracy %.3f after %d epochs, expected >= 0.95", name, acc, epoch);
    CHECKF(last_loss < first_loss, "%s: loss did not fall: %.4f -> %.4f", name, first_loss, last_loss);
    /* first epoch should start near chance: ln 4 = 1.386 */
    CHECKF(first_loss > 0.3, "%s: first-epoch loss %.4f is implausibly low", name, first_loss);

    /* eval mode (running BN statistics) on fresh samples of the same distribution */
    tu_data t = tu_make_data(128, CLASSES, 8, 8, 1001, 0.5);
    mt_batch b = tu_batch(&t, 0, 128);
    mt_step_result r;
    memset(&r, 0, sizeof r);
    REQUIRE_OK(mt_eval_batch(m, &b, &r, NULL));
    CHECK_EQ_I64(r.n, 128);
    CHECKF(r.correct[MT_HEAD_FUSED] >= 115, "%s: eval accuracy %lld/128, expected >= 115", name,
           (long long)r.correct[MT_HEAD_FUSED]);
    /* the class is readable from either modality: aux heads learn too (looser) */
    CHECKF(r.correct[MT_HEAD_A] >= 90, "%s: head A eval accuracy %lld/128", name, (long long)r.correct[MT_HEAD_A]);
    CHECKF(r.correct[MT_HEAD_B] >= 90, "%s: head B eval accuracy %lld/128", name, (long long)r.correct[MT_HEAD_B]);
    tu_free_data(&t);
    tu_free_data(&d);
    mt_model_free(m);
}

int main(void) {
    learn(MT_FUSION_CONCAT, "concat");
    learn(MT_FUSION_SUM, "sum");
    return tu_finish("test_learn");
}
