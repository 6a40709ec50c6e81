/* test_groups.c - per-group learning rates, freezing, snapshot and restore.
 *
 * 1. Adam with weight decay 0.01, group B at LR 0: B's parameters stay bit-identical over
 *    several train+optimizer steps while A and fusion change.
 * 2. Group A frozen: bit-identical, zero gradients, while B and fusion change; unfreezing lets
 *    A change again.
 * 3. Snapshot group A, train, restore: A equals the snapshot bit for bit, B has changed.
 * 4. Unimodal training (B frozen, loss weights fused 0, A 1, B 0): encoder B is not run, so
 *    an input B of NaN leaves every reported loss finite, and encoder A trains bit for bit as
 *    with a real input B (before the fix B's forward ran on every batch: the cost of an
 *    image-only epoch on LUMA was 0.7 of a vanilla one).
 */
#include "testutil.h"

enum { STEPS = 5, BATCH = 16 };

static mt_model *make(uint64_t seed) {
    mt_model_spec s;
    tu_small_spec(&s, MT_FUSION_CONCAT, 4);
    s.seed = seed;
    s.optim.kind = MT_OPTIM_ADAM;
    s.optim.lr = 1e-2;
    s.optim.weight_decay = 1e-2;
    mt_model *m = NULL;
    REQUIRE_OK(mt_model_create(&s, &m));
    return m;
}

static void train(mt_model *m, const tu_data *d, int steps) {
    for (int i = 0; i < steps; i++) {
        mt_batch b = tu_batch(d, (i * BATCH) % (d->n - BATCH + 1), BATCH);
        REQUIRE_OK(mt_train_step(m, &b, NULL, NULL));
        REQUIRE_OK(mt_optimizer_step(m));
    }
}

/* Params of all three groups. */
typedef struct {
    float *p[MT_NUM_GROUPS];
    int64_t c[MT_NUM_GROUPS];
} all_params;

static all_params grab(const mt_model *m) {
    all_params a;
    for (int g = 0; g < MT_NUM_GROUPS; g++) {
        a.c[g] = tu_count(m, g);
        a.p[g] = tu_params(m, g);
    }
    return a;
}
static void drop(all_params *a) {
    for (int g = 0; g < MT_NUM_GROUPS; g++) free(a->p[g]);
}

static const char *gname[] = {"A", "B", "fusion"};

static void expect(const all_params *before, const all_params *after, const int changed[3], const char *what) {
    for (int g = 0; g < MT_NUM_GROUPS; g++) {
        int64_t nd = tu_ndiff(before->p[g], after->p[g], before->c[g]);
        if (changed[g]) /* Adam moves every parameter with a nonzero gradient; expect most to move */
            CHECKF(nd > before->c[g] / 2, "%s: group %s changed in only %lld of %lld elements", what, gname[g],
                   (long long)nd, (long long)before->c[g]);
        else
            CHECKF(nd == 0, "%s: group %s changed in %lld of %lld elements, expected none", what, gname[g],
                   (long long)nd, (long long)before->c[g]);
    }
}

static void lr_zero(const tu_data *d) {
    mt_model *m = make(11);
    double lr = -1;
    CHECK_OK(mt_group_get_lr(m, MT_GROUP_B, &lr));
    CHECK_NEAR(lr, 1e-2, 1e-12);
    CHECK_OK(mt_group_set_lr(m, MT_GROUP_B, 0.0));
    CHECK_OK(mt_group_get_lr(m, MT_GROUP_B, &lr));
    CHECK_EQ_I64(lr == 0.0, 1);
    CHECK_OK(mt_group_get_lr(m, MT_GROUP_A, &lr));
    CHECK_NEAR(lr, 1e-2, 1e-12);
    all_params before = grab(m);
    train(m, d, STEPS);
    /* B has gradients (it is not frozen), just no step */
    float *gb = tu_grads(m, MT_GROUP_B);
    int64_t nz = 0;
    for (int64_t i = 0; i < before.c[MT_GROUP_B]; i++) nz += gb[i] != 0.0f;
    CHECKF(nz > 0, "group B at LR 0 has no gradient at all");
    free(gb);
    all_params after = grab(m);
    expect(&before, &after, (const int[]){1, 0, 1}, "LR 0 on B (Adam, wd 0.01)");
    drop(&after);
    /* LR back on: B moves */
    CHECK_OK(mt_group_set_lr(m, MT_GROUP_B, 1e-2));
    train(m, d, 2);
    after = grab(m);
    CHECKF(tu_ndiff(before.p[MT_GROUP_B], after.p[MT_GROUP_B], before.c[MT_GROUP_B]) > 0,
           "group B did not move after its LR was set back to 0.01");
    drop(&after);
    drop(&before);
    mt_model_free(m);
}

static void frozen(const tu_data *d) {
    mt_model *m = make(12);
    int fz = -1;
    CHECK_OK(mt_group_is_frozen(m, MT_GROUP_A, &fz));
    CHECK_EQ_I64(fz, 0);
    CHECK_OK(mt_group_freeze(m, MT_GROUP_A, 1));
    CHECK_OK(mt_group_is_frozen(m, MT_GROUP_A, &fz));
    CHECK_EQ_I64(fz, 1);
    CHECK_OK(mt_group_is_frozen(m, MT_GROUP_B, &fz));
    CHECK_EQ_I64(fz, 0);
    all_params before = grab(m);
    train(m, d, STEPS);
    /* a frozen group has no gradient: read_grads gives 0 */
    float *ga = tu_grads(m, MT_GROUP_A);
    int64_t nz = 0;
    for (int64_t i = 0; i < before.c[MT_GROUP_A]; i++) nz += ga[i] != 0.0f;
    CHECKF(nz == 0, "frozen group A has %lld nonzero gradient elements", (long long)nz);
    free(ga);
    all_params after = grab(m);
    expect(&before, &after, (const int[]){0, 1, 1}, "group A frozen (Adam, wd 0.01)");
    drop(&after);
    CHECK_OK(mt_group_freeze(m, MT_GROUP_A, 0));
    CHECK_OK(mt_group_is_frozen(m, MT_GROUP_A, &fz));
    CHECK_EQ_I64(fz, 0);
    train(m, d, 2);
    after = grab(m);
    CHECKF(tu_ndiff(before.p[MT_GROUP_A], after.p[MT_GROUP_A], before.c[MT_GROUP_A]) > before.c[MT_GROUP_A] / 2,
           "group A did not move after unfreezing");
    drop(&after);
    drop(&before);
    mt_model_free(m);
}

static void snapshot_restore(const tu_data *d) {
    mt_model *m = make(13);
    train(m, d, 1);
    all_params start = grab(m);
    CHECK_OK(mt_group_snapshot(m, MT_GROUP_A));
    train(m, d, STEPS);
    all_params mid = grab(m);
    expect(&start, &mid, (const int[]){1, 1, 1}, "training after snapshot");
    CHECK_OK(mt_group_restore(m, MT_GROUP_A));
    all_params back = grab(m);
    expect(&start, &back, (const int[]){0, 1, 1}, "after restoring A");
    /* restore touched only A */
    CHECKF(tu_ndiff(mid.p[MT_GROUP_B], back.p[MT_GROUP_B], mid.c[MT_GROUP_B]) == 0, "restoring A changed group B");
    CHECKF(tu_ndiff(mid.p[MT_GROUP_FUSION], back.p[MT_GROUP_FUSION], mid.c[MT_GROUP_FUSION]) == 0,
           "restoring A changed the fusion group");
    /* the snapshot is kept: train again and restore again */
    train(m, d, 2);
    CHECK_OK(mt_group_restore(m, MT_GROUP_A));
    drop(&back);
    back = grab(m);
    CHECKF(tu_ndiff(start.p[MT_GROUP_A], back.p[MT_GROUP_A], start.c[MT_GROUP_A]) == 0,
           "second restore of A differs from the snapshot");
    /* the model still trains after a restore */
    train(m, d, 1);
    drop(&back);
    drop(&mid);
    drop(&start);
    mt_model_free(m);
}

static void idle_encoder(const tu_data *d) {
    const float w[MT_NUM_HEADS] = {0.0f, 1.0f, 0.0f};
    mt_model *m[2] = {make(14), make(14)};
    float *nan_b = malloc(sizeof(float) * (size_t)(BATCH * d->h * d->w));
    REQUIRE(nan_b);
    for (int64_t i = 0; i < (int64_t)BATCH * d->h * d->w; i++) nan_b[i] = NAN;
    for (int k = 0; k < 2; k++) {
        CHECK_OK(mt_group_freeze(m[k], MT_GROUP_B, 1));
        for (int i = 0; i < STEPS; i++) {
            mt_batch b = tu_batch(d, (i * BATCH) % (d->n - BATCH + 1), BATCH);
            if (k == 1) b.x[1].data = nan_b;
            mt_step_result res;
            CHECK_OK(mt_train_step(m[k], &b, w, &res));
            CHECK_OK(mt_optimizer_step(m[k]));
            for (int h = 0; h < MT_NUM_HEADS; h++)
                CHECKF(isfinite(res.loss[h]), "B frozen, weights (0,1,0), input B %s: head %d loss %g",
                       k ? "NaN" : "real", h, res.loss[h]);
        }
    }
    all_params real = grab(m[0]), nan = grab(m[1]);
    CHECKF(tu_ndiff(real.p[MT_GROUP_A], nan.p[MT_GROUP_A], real.c[MT_GROUP_A]) == 0,
           "encoder A trained differently with input B NaN (B frozen, weight 0)");
    drop(&real);
    drop(&nan);
    free(nan_b);
    mt_model_free(m[0]);
    mt_model_free(m[1]);
}

int main(void) {
    tu_data d = tu_make_data(64, 4, 8, 8, 5, 0.5);
    lr_zero(&d);
    frozen(&d);
    snapshot_restore(&d);
    idle_encoder(&d);
    tu_free_data(&d);
    return tu_finish("test_groups");
}
