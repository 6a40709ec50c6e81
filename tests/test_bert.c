/* test_bert.c - BERT encoders in the shim through mt.h: parameter counts, presets and spec
 * checks, token batches (ids, mask, types; int64 and int32), padding invariance, dropout, and a
 * BERT in either slot working with fusion, heads, groups, snapshots, checkpoints and clone.
 *
 * Hand counts (Hugging Face BertModel with pooler; Linear(i, o) = i*o + o, LayerNorm(h) = 2h):
 *   embeddings: vocab*h + positions*h + types*h + 2h
 *   one layer:  4 * (h*h + h)  [query, key, value, attention output]  + 2h
 *               + (h*I + I) + (I*h + h) [intermediate, output]         + 2h
 *   pooler:     h*h + h
 *   bert-base (30522, h 768, 12 layers, I 3072, 512 positions, 2 types):
 *     embeddings 23,440,896 + 393,216 + 1,536 + 1,536 = 23,837,184
 *     layer 2,362,368 + 1,536 + 2,362,368 + 2,360,064 + 1,536 = 7,087,872; x12 = 85,054,464
 *     pooler 590,592                                      total = 109,482,240
 *   bert-tiny (30522, h 128, 2 layers, I 512, 512 positions, 2 types):
 *     embeddings 3,906,816 + 65,536 + 256 + 256 = 3,972,864
 *     layer 66,048 + 256 + 66,048 + 65,664 + 256 = 198,272; x2 = 396,544
 *     pooler 16,512                                       total = 4,385,920
 *   small (vocab 50, h 16, 2 layers, 2 heads, I 32, 16 positions, 2 types):
 *     embeddings 800 + 256 + 32 + 32 = 1,120
 *     layer 1,088 + 32 + 544 + 528 + 32 = 2,224; x2 = 4,448
 *     pooler 272                                          total = 5,840 (CLS output: 5,568)
 */
#include "bertutil.h"
#include "testutil.h"

enum { VOCAB = 50, SEQ = 8, CLASSES = 4 };

/* BERT in slot A (small, no dropout), the standard tiny ResNet on float 1x8x8 in slot B. */
static void text_image_spec(mt_model_spec *s) {
    tu_small_spec(s, MT_FUSION_CONCAT, CLASSES);
    bu_small_bert(&s->enc[0], VOCAB);
    s->enc[0].bert.hidden_dropout = -1;
    s->enc[0].bert.attention_dropout = -1;
}

static mt_model *build(const mt_model_spec *s) {
    mt_model *m = NULL;
    REQUIRE_OK(mt_model_create(s, &m));
    return m;
}

/* ---- token batches ---------------------------------------------------------------------- */

/* n samples of [3, SEQ] int64 planes (ids, mask, types): [CLS]=1, then random words 10..49 of
 * which one, at a random position, is the class word 2 + class; random length 3..SEQ, padding
 * id 0 with mask 0; types all 0. */
typedef struct {
    int64_t n;
    int64_t *tok; /* [n, 3, SEQ] */
    int64_t *labels;
} text_data;

static text_data make_text(int64_t n, const int64_t *labels, uint64_t seed) {
    text_data t;
    tu_rng r = {seed};
    t.n = n;
    t.tok = calloc((size_t)(n * 3 * SEQ), sizeof(int64_t));
    t.labels = malloc(sizeof(int64_t) * (size_t)n);
    REQUIRE(t.tok && t.labels);
    for (int64_t i = 0; i < n; i++) {
        int64_t *ids = t.tok + i * 3 * SEQ, *mask = ids + SEQ;
        int len = 3 + (int)(tu_next(&r) % (SEQ - 2));
        int at = 1 + (int)(tu_next(&r) % (uint64_t)(len - 1));
        t.labels[i] = labels[i];
        for (int j = 0; j < len; j++) {
            ids[j] = j == 0 ? 1 : (j == at ? 2 + labels[i] : 10 + (int64_t)(tu_next(&r) % (VOCAB - 10)));
            mask[j] = 1;
        }
    }
    return t;
}

/* Batch [start, start+n): tokens (3 planes) in slot A, the float images of d in slot B. */
static mt_batch mixed_batch(const text_data *t, const tu_data *d, int64_t start, int64_t n) {
    mt_batch b = tu_batch(d, start, n);
    b.x[0] = bu_tokens(t->tok + start * 3 * SEQ, n, 3, SEQ);
    b.labels = t->labels + start;
    return b;
}

/* ---- parameter counts and specs --------------------------------------------------------- */

static int64_t group_a_count(const char *preset, mt_encoder_spec *custom) {
    mt_model_spec s;
    tu_small_spec(&s, MT_FUSION_CONCAT, 2);
    if (custom) {
        s.enc[0] = *custom;
    } else {
        memset(&s.enc[0], 0, sizeof s.enc[0]);
        s.enc[0].preset = preset;
    }
    mt_model *m = build(&s);
    int64_t c = tu_count(m, MT_GROUP_A);
    mt_model_free(m);
    return c;
}

static void check_counts(void) {
    CHECK_EQ_I64(group_a_count("bert-base", NULL), 109482240);
    CHECK_EQ_I64(group_a_count("bert-tiny", NULL), 4385920);
    mt_encoder_spec e;
    bu_small_bert(&e, VOCAB);
    CHECK_EQ_I64(group_a_count(NULL, &e), 5840);
    e.bert.output = MT_BERT_OUTPUT_CLS;
    CHECK_EQ_I64(group_a_count(NULL, &e), 5568);

    int d = -1;
    memset(&e, 0, sizeof e);
    e.preset = "bert-base";
    CHECK_OK(mt_encoder_feature_dim(&e, &d));
    CHECK_EQ_I64(d, 768);
    CHECK_OK(mt_encoder_resolve(&e));
    CHECK_EQ_I64(e.kind, MT_ENCODER_BERT);
    CHECK_EQ_I64(e.bert.vocab_size, 30522);
    CHECK_EQ_I64(e.bert.layers, 12);
    CHECK_EQ_I64(e.bert.heads, 12);
    CHECK_EQ_I64(e.bert.intermediate, 3072);
    CHECK_EQ_I64(e.bert.max_positions, 512);
    CHECK_EQ_I64(e.bert.type_vocab_size, 2);
    CHECK_EQ_I64(e.bert.output, MT_BERT_OUTPUT_POOLER);
    CHECK_NEAR(e.bert.hidden_dropout, 0.1, 1e-7);
    CHECK_NEAR(e.bert.layer_norm_eps, 1e-12, 1e-18);
    /* an overridden field wins over the preset */
    memset(&e, 0, sizeof e);
    e.preset = "bert-tiny";
    e.bert.hidden = 64;
    CHECK_OK(mt_encoder_feature_dim(&e, &d));
    CHECK_EQ_I64(d, 64);
    /* ResNet specs still resolve to ResNets */
    memset(&e, 0, sizeof e);
    e.preset = "resnet18";
    e.in_channels = 3;
    e.height = e.width = 32;
    CHECK_OK(mt_encoder_resolve(&e));
    CHECK_EQ_I64(e.kind, MT_ENCODER_RESNET);
}

static void expect_bad_encoder(const mt_encoder_spec *e, const char *needle) {
    mt_model_spec s;
    tu_small_spec(&s, MT_FUSION_CONCAT, 2);
    s.enc[1] = *e;
    mt_model *m = (mt_model *)1;
    CHECK_STATUS(mt_model_create(&s, &m), MT_EINVAL);
    CHECK(m == NULL);
    CHECK_MSG_HAS(needle);
}

static void check_spec_errors(void) {
    mt_encoder_spec e;
    bu_small_bert(&e, VOCAB);
    e.bert.heads = 3; /* 16 % 3 != 0 */
    expect_bad_encoder(&e, "enc[B].bert.heads: expected a divisor of hidden 16, found 3");
    bu_small_bert(&e, VOCAB);
    e.bert.vocab_size = 0; /* no preset: sizes are required */
    expect_bad_encoder(&e, "enc[B].bert.vocab_size");
    bu_small_bert(&e, VOCAB);
    e.bert.hidden_dropout = 1.0f;
    expect_bad_encoder(&e, "enc[B].bert.hidden_dropout");
    bu_small_bert(&e, VOCAB);
    e.bert.output = (mt_bert_output)7;
    expect_bad_encoder(&e, "enc[B].bert.output");
    memset(&e, 0, sizeof e);
    e.preset = "bert-tiny";
    e.kind = MT_ENCODER_RESNET;
    expect_bad_encoder(&e, "enc[B].kind");
    memset(&e, 0, sizeof e);
    e.preset = "resnet18";
    e.kind = MT_ENCODER_BERT;
    expect_bad_encoder(&e, "enc[B].kind");
    memset(&e, 0, sizeof e);
    e.preset = "bert-huge";
    expect_bad_encoder(&e, "bert-tiny");
}

/* ---- batches ---------------------------------------------------------------------------- */

static void check_batch_errors(void) {
    mt_model_spec s;
    text_image_spec(&s);
    mt_model *m = build(&s);
    int64_t labels[2] = {0, 1};
    text_data t = make_text(2, labels, 5);
    tu_data d = tu_make_data(2, CLASSES, 8, 8, 5, 0.1);
    mt_batch b = mixed_batch(&t, &d, 0, 2);

    CHECK_OK(mt_eval_batch(m, &b, NULL, NULL));
    t.tok[3 * SEQ + 2] = VOCAB; /* sample 1, position 2 */
    CHECK_STATUS(mt_eval_batch(m, &b, NULL, NULL), MT_ESHAPE);
    CHECK_MSG_HAS("batch.x[A]: token id 50 of sample 1 at position 2: expected 0..49");
    t.tok[3 * SEQ + 2] = 11;
    t.tok[SEQ + 1] = 2; /* sample 0's mask */
    CHECK_STATUS(mt_eval_batch(m, &b, NULL, NULL), MT_ESHAPE);
    CHECK_MSG_HAS("mask value 2 of sample 0 at position 1: expected 0..1");
    t.tok[SEQ + 1] = 1;
    t.tok[2 * SEQ] = 2; /* sample 0's first type */
    CHECK_STATUS(mt_eval_batch(m, &b, NULL, NULL), MT_ESHAPE);
    CHECK_MSG_HAS("token type 2 of sample 0 at position 0: expected 0..1");
    t.tok[2 * SEQ] = 0;

    mt_batch bad = b;
    bad.x[0].shape[2] = 17; /* longer than max_positions 16 */
    CHECK_STATUS(mt_eval_batch(m, &bad, NULL, NULL), MT_ESHAPE);
    CHECK_MSG_HAS("1 <= L <= 16");
    bad = b;
    bad.x[0].shape[1] = 4;
    CHECK_STATUS(mt_eval_batch(m, &bad, NULL, NULL), MT_ESHAPE);
    bad = b;
    bad.x[0].dtype = MT_DTYPE_F32;
    CHECK_STATUS(mt_eval_batch(m, &bad, NULL, NULL), MT_ESHAPE);
    CHECK_MSG_HAS("int64 or int32 tokens");
    bad = b;
    bad.x[1] = b.x[0]; /* tokens for the ResNet */
    CHECK_STATUS(mt_eval_batch(m, &bad, NULL, NULL), MT_ESHAPE);
    /* hidden states exist for BERT only */
    float feat[2 * 16];
    CHECK_STATUS(mt_encoder_forward(m, MT_GROUP_B, &b.x[1], feat, feat), MT_EINVAL);
    CHECK_OK(mt_encoder_forward(m, MT_GROUP_B, &b.x[1], feat, NULL));
    CHECK_STATUS(mt_encoder_forward(m, 2, &b.x[0], feat, NULL), MT_EINVAL);
    tu_free_data(&d);
    free(t.tok);
    free(t.labels);
    mt_model_free(m);
}

static double max_abs_diff(const float *a, const float *b, int64_t n) {
    double m = 0;
    for (int64_t i = 0; i < n; i++) m = fmax(m, fabs((double)a[i] - (double)b[i]));
    return m;
}

/* Padding changes nothing: the same words padded further (with any padding id) give the same
 * feature; int32 tokens give what int64 tokens give; a types plane of zeros is the 2-plane
 * input; non-zero types change the result. */
static void check_padding_and_dtypes(void) {
    mt_model_spec s;
    text_image_spec(&s);
    s.enc[0].bert.max_positions = 16;
    mt_model *m = build(&s);
    enum { N = 2, L1 = 5, L2 = 12, H = 16 };
    int64_t short_tok[N * 2 * L1], long_tok[N * 3 * L2];
    int32_t long32[N * 3 * L2];
    memset(long_tok, 0, sizeof long_tok);
    tu_rng r = {77};
    for (int i = 0; i < N; i++)
        for (int j = 0; j < L2; j++) {
            int64_t *row = long_tok + i * 3 * L2;
            if (j < L1) {
                row[j] = short_tok[i * 2 * L1 + j] = 1 + (int64_t)(tu_next(&r) % (VOCAB - 1));
                row[L2 + j] = short_tok[i * 2 * L1 + L1 + j] = 1;
            } else {
                row[j] = (int64_t)(tu_next(&r) % VOCAB); /* garbage under the mask */
            }
        }
    for (int i = 0; i < N * 3 * L2; i++) long32[i] = (int32_t)long_tok[i];
    mt_input xs = bu_tokens(short_tok, N, 2, L1), xl = bu_tokens(long_tok, N, 3, L2), x32 = xl;
    x32.dtype = MT_DTYPE_I32;
    x32.data = long32;
    float fs[N * H], fl[N * H], f32[N * H], hs[N * L1 * H], hl[N * L2 * H];
    REQUIRE_OK(mt_encoder_forward(m, MT_GROUP_A, &xs, fs, hs));
    REQUIRE_OK(mt_encoder_forward(m, MT_GROUP_A, &xl, fl, hl));
    REQUIRE_OK(mt_encoder_forward(m, MT_GROUP_A, &x32, f32, NULL));
    double dp = max_abs_diff(fs, fl, N * H);
    CHECKF(dp <= 1e-5, "padding changed the pooled feature by %g", dp);
    double dh = 0;
    for (int i = 0; i < N; i++) dh = fmax(dh, max_abs_diff(hs + i * L1 * H, hl + i * L2 * H, L1 * H));
    CHECKF(dh <= 1e-5, "padding changed the hidden states of real tokens by %g", dh);
    CHECKF(memcmp(fl, f32, sizeof fl) == 0, "int32 and int64 tokens differ");
    /* the same ids with mask all ones: padding now counts, so the feature must change */
    for (int i = 0; i < N; i++)
        for (int j = 0; j < L2; j++) long_tok[i * 3 * L2 + L2 + j] = 1;
    float fnomask[N * H];
    REQUIRE_OK(mt_encoder_forward(m, MT_GROUP_A, &xl, fnomask, NULL));
    CHECKF(max_abs_diff(fl, fnomask, N * H) > 1e-4, "the attention mask had no effect");
    /* token types: plane of 1s changes the feature */
    for (int i = 0; i < N; i++)
        for (int j = 0; j < L2; j++) long_tok[i * 3 * L2 + 2 * L2 + j] = 1;
    float ftype[N * H];
    REQUIRE_OK(mt_encoder_forward(m, MT_GROUP_A, &xl, ftype, NULL));
    CHECKF(max_abs_diff(fnomask, ftype, N * H) > 1e-4, "token types had no effect");
    /* ids alone, [n, L]: mask all ones, types 0 -> equals the 3-plane input with mask 1, type 0 */
    int64_t ids_only[N * L2];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < L2; j++) ids_only[i * L2 + j] = long_tok[i * 3 * L2 + j];
    mt_input xi = xl;
    xi.ndim = 2;
    xi.shape[1] = L2;
    xi.data = ids_only;
    float fids[N * H];
    REQUIRE_OK(mt_encoder_forward(m, MT_GROUP_A, &xi, fids, NULL));
    CHECKF(memcmp(fids, fnomask, sizeof fids) == 0, "[n, L] ids differ from ids + all-ones mask");
    mt_model_free(m);
}

/* Dropout is active in training steps (two steps on the same weights differ) and off in eval,
 * when disabled, and when the group is frozen (frozen modules run in eval mode). */
static void check_dropout(void) {
    int64_t labels[8] = {0, 1, 2, 3, 0, 1, 2, 3};
    text_data t = make_text(8, labels, 9);
    tu_data d = tu_make_data(8, CLASSES, 8, 8, 9, 0.1);
    mt_batch b = mixed_batch(&t, &d, 0, 8);
    for (int on = 0; on < 2; on++) {
        mt_model_spec s;
        text_image_spec(&s);
        if (on) s.enc[0].bert.hidden_dropout = s.enc[0].bert.attention_dropout = 0; /* default 0.1 */
        mt_model *m = build(&s);
        mt_step_result r1, r2, e1, e2;
        REQUIRE_OK(mt_train_step(m, &b, NULL, &r1));
        REQUIRE_OK(mt_train_step(m, &b, NULL, &r2));
        CHECKF((r1.loss[MT_HEAD_A] != r2.loss[MT_HEAD_A]) == on, "dropout %s: head A losses %.9g and %.9g",
               on ? "on" : "off", r1.loss[MT_HEAD_A], r2.loss[MT_HEAD_A]);
        REQUIRE_OK(mt_eval_batch(m, &b, &e1, NULL));
        REQUIRE_OK(mt_eval_batch(m, &b, &e2, NULL));
        CHECK(e1.loss[MT_HEAD_A] == e2.loss[MT_HEAD_A]);
        if (on) {
            REQUIRE_OK(mt_group_freeze(m, MT_GROUP_A, 1));
            REQUIRE_OK(mt_train_step(m, &b, NULL, &r1));
            REQUIRE_OK(mt_train_step(m, &b, NULL, &r2));
            CHECKF(r1.loss[MT_HEAD_A] == r2.loss[MT_HEAD_A], "frozen BERT still drops out: %.9g vs %.9g",
                   r1.loss[MT_HEAD_A], r2.loss[MT_HEAD_A]);
        }
        mt_model_free(m);
    }
    tu_free_data(&d);
    free(t.tok);
    free(t.labels);
}

/* ---- training through fusion -------------------------------------------------------------- */

/* The class word is the only signal in the text; the images are pure noise, so head A (the
 * BERT's auxiliary head) and the fused head can only learn from the tokens. */
static void check_learns(void) {
    enum { N = 128, B = 32, EPOCHS = 60 };
    mt_model_spec s;
    text_image_spec(&s);
    s.optim.lr = 3e-3;
    s.seed = 3;
    mt_model *m = build(&s);
    tu_data d = tu_make_data(N, CLASSES, 8, 8, 21, 0.0);
    tu_rng r = {4};
    for (int64_t i = 0; i < N * 64; i++) d.b[i] = (float)tu_gauss(&r); /* images carry no class */
    int64_t labels[N];
    for (int i = 0; i < N; i++) labels[i] = (int64_t)(tu_next(&r) % CLASSES);
    text_data t = make_text(N, labels, 22);
    double acc = 0;
    int epoch;
    for (epoch = 0; epoch < EPOCHS && acc < 0.97; epoch++) {
        int64_t correct = 0;
        for (int64_t i = 0; i < N; i += B) {
            mt_batch b = mixed_batch(&t, &d, i, B);
            mt_step_result res;
            REQUIRE_OK(mt_train_step(m, &b, NULL, &res));
            REQUIRE_OK(mt_optimizer_step(m));
            correct += res.correct[MT_HEAD_A];
        }
        acc = (double)correct / N;
    }
    printf("text task: epoch %d, head A training accuracy %.3f\n", epoch, acc);
    CHECKF(acc >= 0.97, "BERT head A reached only %.3f after %d epochs", acc, epoch);
    int64_t tl[64];
    for (int i = 0; i < 64; i++) tl[i] = (int64_t)(tu_next(&r) % CLASSES);
    text_data tt = make_text(64, tl, 23);
    mt_batch b = mixed_batch(&tt, &d, 0, 64);
    mt_step_result res;
    REQUIRE_OK(mt_eval_batch(m, &b, &res, NULL));
    CHECKF(res.correct[MT_HEAD_A] >= 58, "held-out head A accuracy %lld/64", (long long)res.correct[MT_HEAD_A]);
    CHECKF(res.correct[MT_HEAD_FUSED] >= 54, "held-out fused accuracy %lld/64", (long long)res.correct[MT_HEAD_FUSED]);
    free(tt.tok);
    free(tt.labels);
    tu_free_data(&d);
    free(t.tok);
    free(t.labels);
    mt_model_free(m);
}

/* ---- groups, snapshots, checkpoints, clone ------------------------------------------------ */

static void eval_logits(mt_model *m, const mt_batch *b, float *out) {
    mt_eval_out o;
    memset(&o, 0, sizeof o);
    o.head[MT_HEAD_FUSED] = out;
    REQUIRE_OK(mt_eval_batch(m, b, NULL, &o));
}

static void check_state(void) {
    enum { N = 16 };
    int64_t labels[N];
    for (int i = 0; i < N; i++) labels[i] = i % CLASSES;
    text_data t = make_text(N, labels, 31);
    tu_data d = tu_make_data(N, CLASSES, 8, 8, 31, 0.2);
    mt_batch b = mixed_batch(&t, &d, 0, N);
    mt_model_spec s;
    text_image_spec(&s);
    s.enc[0].bert.hidden_dropout = 0; /* dropout on: the checkpoint must carry the generator too */
    s.heads_follow_encoders = 1;
    mt_model *m = build(&s);

    /* LR 0 / frozen group A stays bit-identical while B trains */
    REQUIRE_OK(mt_group_snapshot(m, MT_GROUP_A));
    float *a0 = tu_params(m, MT_GROUP_A), *b0 = tu_params(m, MT_GROUP_B);
    REQUIRE_OK(mt_group_freeze(m, MT_GROUP_A, 1));
    REQUIRE_OK(mt_train_step(m, &b, NULL, NULL));
    REQUIRE_OK(mt_optimizer_step(m));
    float *a1 = tu_params(m, MT_GROUP_A), *b1 = tu_params(m, MT_GROUP_B);
    CHECK_EQ_I64(tu_ndiff(a0, a1, tu_count(m, MT_GROUP_A)), 0);
    CHECK(tu_ndiff(b0, b1, tu_count(m, MT_GROUP_B)) > 0);
    REQUIRE_OK(mt_group_freeze(m, MT_GROUP_A, 0));
    for (int k = 0; k < 2; k++) {
        REQUIRE_OK(mt_train_step(m, &b, NULL, NULL));
        REQUIRE_OK(mt_optimizer_step(m));
    }
    float *a2 = tu_params(m, MT_GROUP_A);
    CHECK(tu_ndiff(a0, a2, tu_count(m, MT_GROUP_A)) > 0);
    REQUIRE_OK(mt_group_restore(m, MT_GROUP_A));
    float *a3 = tu_params(m, MT_GROUP_A);
    CHECK_EQ_I64(tu_ndiff(a0, a3, tu_count(m, MT_GROUP_A)), 0);

    /* checkpoint round trip and clone: same weights, same eval logits, same next step */
    const char *path = "test_bert.ckpt";
    REQUIRE_OK(mt_model_save(m, path));
    mt_model *l = build(&s), *c = NULL;
    REQUIRE_OK(mt_model_load(l, path));
    REQUIRE_OK(mt_model_clone(m, &c));
    float lm[N * CLASSES], ll[N * CLASSES], lc[N * CLASSES];
    for (int g = 0; g < MT_NUM_GROUPS; g++) {
        CHECKF(tu_same_params(m, l, g), "group %d differs after load", g);
        CHECKF(tu_same_params(m, c, g), "group %d differs after clone", g);
    }
    eval_logits(m, &b, lm);
    eval_logits(l, &b, ll);
    eval_logits(c, &b, lc);
    CHECK(memcmp(lm, ll, sizeof lm) == 0);
    CHECK(memcmp(lm, lc, sizeof lm) == 0);
    mt_step_result rm, rl;
    REQUIRE_OK(mt_train_step(m, &b, NULL, &rm));
    REQUIRE_OK(mt_train_step(l, &b, NULL, &rl));
    CHECKF(rm.total_loss == rl.total_loss, "next training step differs after load: %.9g vs %.9g", rm.total_loss,
           rl.total_loss);

    /* a checkpoint of another BERT shape is refused, naming the field */
    mt_model_spec other = s;
    other.enc[0].bert.layers = 3;
    mt_model *o = build(&other);
    CHECK_STATUS(mt_model_load(o, path), MT_EMISMATCH);
    CHECK_MSG_HAS("enc[A].bert.layers: checkpoint has 2, model has 3");
    other = s;
    tu_tiny_encoder(&other.enc[0], MT_BLOCK_BASIC, 1, 8, MT_STEM_SMALL, 1, 8, 8);
    mt_model *o2 = build(&other);
    CHECK_STATUS(mt_model_load(o2, path), MT_EMISMATCH);
    remove(path);
    free(a0);
    free(a1);
    free(a2);
    free(a3);
    free(b0);
    free(b1);
    mt_model_free(o);
    mt_model_free(o2);
    mt_model_free(c);
    mt_model_free(l);
    mt_model_free(m);
    tu_free_data(&d);
    free(t.tok);
    free(t.labels);
}

/* BERT in slot B, sum fusion (hidden 16 vs ResNet 8: B is projected), both slots BERT, and no
 * auxiliary heads: steps run and the fusion group has the hand-counted size. */
static void check_layouts(void) {
    enum { N = 8 };
    int64_t labels[N] = {0, 1, 2, 3, 3, 2, 1, 0};
    text_data t = make_text(N, labels, 41);
    tu_data d = tu_make_data(N, CLASSES, 8, 8, 41, 0.2);
    mt_model_spec s;
    tu_small_spec(&s, MT_FUSION_SUM, CLASSES);
    bu_small_bert(&s.enc[1], VOCAB);
    mt_model *m = build(&s);
    /* projection Linear(16, 8) = 136, fused Linear(8, 4) = 36, aux Linear(8, 4) = 36 and
     * Linear(16, 4) = 68 */
    CHECK_EQ_I64(tu_count(m, MT_GROUP_FUSION), 136 + 36 + 36 + 68);
    CHECK_EQ_I64(tu_count(m, MT_GROUP_B), 5840);
    mt_batch b = tu_batch(&d, 0, N);
    b.x[0] = b.x[1]; /* float images for the ResNet in slot A */
    b.x[0].data = d.b;
    b.x[1] = bu_tokens(t.tok, N, 3, SEQ);
    b.labels = t.labels;
    mt_step_result r;
    CHECK_OK(mt_train_step(m, &b, NULL, &r));
    CHECK_OK(mt_optimizer_step(m));
    CHECK_OK(mt_eval_batch(m, &b, &r, NULL));
    mt_model_free(m);

    tu_small_spec(&s, MT_FUSION_CONCAT, CLASSES);
    bu_small_bert(&s.enc[0], VOCAB);
    bu_small_bert(&s.enc[1], VOCAB);
    s.enc[1].bert.output = MT_BERT_OUTPUT_CLS;
    s.aux_heads = 0;
    m = build(&s);
    CHECK_EQ_I64(tu_count(m, MT_GROUP_FUSION), 32 * 4 + 4);
    b.x[0] = b.x[1];
    CHECK_OK(mt_train_step(m, &b, NULL, &r));
    CHECK_OK(mt_optimizer_step(m));
    CHECK_OK(mt_eval_batch(m, &b, &r, NULL));
    mt_model_free(m);
    tu_free_data(&d);
    free(t.tok);
    free(t.labels);
}

int main(void) {
    check_counts();
    check_spec_errors();
    check_batch_errors();
    check_padding_and_dtypes();
    check_dropout();
    check_learns();
    check_state();
    check_layouts();
    return tu_finish("test_bert");
}
