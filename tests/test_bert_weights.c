/* test_bert_weights.c - safetensors import and export through mt.h: round trips for a BERT and a
 * ResNet encoder and for a whole-model export, strict name/shape checking with every offender
 * named, a failed load leaving the model untouched, and malformed files (truncated, lying
 * header lengths and offsets, overlaps, holes, bad JSON) refused with MT_EIO, never a crash.
 * The numerical agreement with torchvision and PyTorch modules is tests/ref_*.py's job. */
#include "bertutil.h"
#include "testutil.h"

static const char *W = "test_bert_weights.safetensors";

/* BERT (vocab 50) in slot A, a ResNet with a downsampling block in slot B. */
static mt_model *build(uint64_t seed, int vocab) {
    mt_model_spec s;
    tu_small_spec(&s, MT_FUSION_CONCAT, 3);
    bu_small_bert(&s.enc[0], vocab);
    tu_tiny_encoder(&s.enc[1], MT_BLOCK_BASIC, 2, 4, MT_STEM_SMALL, 1, 8, 8);
    s.seed = seed;
    mt_model *m = NULL;
    REQUIRE_OK(mt_model_create(&s, &m));
    return m;
}

/* ResNet features in eval mode depend on the BN running statistics too. */
static void resnet_features(mt_model *m, float *out) {
    static float img[2 * 64];
    for (int i = 0; i < 2 * 64; i++) img[i] = (float)((i * 37) % 11) - 5.0f;
    mt_input x;
    memset(&x, 0, sizeof x);
    x.dtype = MT_DTYPE_F32;
    x.ndim = 4;
    x.shape[0] = 2;
    x.shape[1] = 1;
    x.shape[2] = x.shape[3] = 8;
    x.data = img;
    REQUIRE_OK(mt_encoder_forward(m, MT_GROUP_B, &x, out, NULL));
}

/* Train a few steps so BN statistics move away from their initial 0/1. */
static void train_b(mt_model *m) {
    tu_data d = tu_make_data(8, 3, 8, 8, 5, 0.3);
    mt_batch b = tu_batch(&d, 0, 8);
    int64_t tok[8 * 4];
    for (int i = 0; i < 8 * 4; i++) tok[i] = 1 + i % 40;
    b.x[0].dtype = MT_DTYPE_I64;
    b.x[0].ndim = 2;
    b.x[0].shape[1] = 4;
    b.x[0].data = tok;
    for (int k = 0; k < 3; k++) {
        REQUIRE_OK(mt_train_step(m, &b, NULL, NULL));
        REQUIRE_OK(mt_optimizer_step(m));
    }
    tu_free_data(&d);
}

static void check_round_trips(void) {
    mt_model *a = build(1, 50), *b = build(2, 50);
    train_b(a);
    CHECK(!tu_same_params(a, b, MT_GROUP_A));
    REQUIRE_OK(mt_save_safetensors(a, MT_GROUP_A, W));
    REQUIRE_OK(mt_encoder_load_safetensors(b, MT_GROUP_A, W, NULL));
    CHECK(tu_same_params(a, b, MT_GROUP_A));

    float fa[2 * 8], fb[2 * 8];
    REQUIRE_OK(mt_save_safetensors(a, MT_GROUP_B, W));
    REQUIRE_OK(mt_encoder_load_safetensors(b, MT_GROUP_B, W, ""));
    CHECK(tu_same_params(a, b, MT_GROUP_B));
    resnet_features(a, fa);
    resnet_features(b, fb);
    CHECKF(memcmp(fa, fb, sizeof fa) == 0, "ResNet features differ after import: BN buffers not carried?");

    /* a whole-model export: encoders behind a. and b. */
    mt_model *c = build(3, 50);
    REQUIRE_OK(mt_save_safetensors(a, MT_GROUP_ALL, W));
    REQUIRE_OK(mt_encoder_load_safetensors(c, MT_GROUP_A, W, "a."));
    REQUIRE_OK(mt_encoder_load_safetensors(c, MT_GROUP_B, W, "b."));
    CHECK(tu_same_params(a, c, MT_GROUP_A));
    CHECK(tu_same_params(a, c, MT_GROUP_B));
    /* without the prefix nothing matches, and the message says what the names look like */
    CHECK_STATUS(mt_encoder_load_safetensors(c, MT_GROUP_A, W, NULL), MT_EMISMATCH);
    CHECK_MSG_HAS("no name matched; the file's first name is 'a.");
    CHECK_STATUS(mt_save_safetensors(a, MT_GROUP_FUSION, W), MT_EINVAL);
    mt_model_free(a);
    mt_model_free(b);
    mt_model_free(c);
}

static void check_mismatches(void) {
    mt_model *a = build(1, 50), *big = build(2, 60);
    REQUIRE_OK(mt_save_safetensors(a, MT_GROUP_A, W));
    float *before = tu_params(big, MT_GROUP_A);
    CHECK_STATUS(mt_encoder_load_safetensors(big, MT_GROUP_A, W, NULL), MT_EMISMATCH);
    CHECK_MSG_HAS("does not fit encoder A (Hugging Face BertModel)");
    CHECK_MSG_HAS("1 of the wrong shape or dtype: embeddings.word_embeddings.weight (file [50, 16], model [60, 16])");
    float *after = tu_params(big, MT_GROUP_A);
    CHECK_EQ_I64(tu_ndiff(before, after, tu_count(big, MT_GROUP_A)), 0);

    /* a BERT file into the ResNet slot: everything missing and unexpected, all named */
    CHECK_STATUS(mt_encoder_load_safetensors(a, MT_GROUP_B, W, NULL), MT_EMISMATCH);
    CHECK_MSG_HAS("encoder B (torchvision ResNet)");
    CHECK_MSG_HAS("missing: conv1.weight, bn1.weight, bn1.bias, layer1.0.conv1.weight");
    CHECK_MSG_HAS("layer2.0.downsample.0.weight, layer2.0.downsample.1.weight");
    CHECK_MSG_HAS("bn1.running_mean");
    CHECK_MSG_HAS("39 unexpected: embeddings.word_embeddings.weight, ");
    CHECK_MSG_HAS("pooler.dense.bias");

    /* a ResNet file with one layer fewer into the 2-stage ResNet: layer2.* missing only */
    mt_model_spec s;
    tu_small_spec(&s, MT_FUSION_CONCAT, 3);
    tu_tiny_encoder(&s.enc[0], MT_BLOCK_BASIC, 1, 4, MT_STEM_SMALL, 1, 8, 8);
    mt_model *r1 = NULL;
    REQUIRE_OK(mt_model_create(&s, &r1));
    REQUIRE_OK(mt_save_safetensors(r1, MT_GROUP_A, W));
    CHECK_STATUS(mt_encoder_load_safetensors(a, MT_GROUP_B, W, NULL), MT_EMISMATCH);
    CHECK_MSG_HAS("missing: layer2.0.conv1.weight");
    const char *msg = mt_last_error();
    CHECKF(!strstr(msg, "unexpected") && !strstr(msg, "num_batches_tracked"),
           "only the missing weights should be named: %s", msg);
    free(before);
    free(after);
    mt_model_free(r1);
    mt_model_free(a);
    mt_model_free(big);
}

/* ---- malformed files -------------------------------------------------------------------- */

/* header length field, header text, then data_len bytes of data */
static void write_file(uint64_t header_len, const char *header, size_t data_len) {
    FILE *f = fopen(W, "wb");
    REQUIRE(f);
    unsigned char len[8];
    for (int i = 0; i < 8; i++) len[i] = (unsigned char)(header_len >> (8 * i));
    fwrite(len, 1, 8, f);
    fwrite(header, 1, strlen(header), f);
    for (size_t i = 0; i < data_len; i++) fputc(0, f);
    fclose(f);
}

static void expect_eio(mt_model *m, const char *header, size_t data_len, const char *needle) {
    write_file(strlen(header), header, data_len);
    CHECK_STATUS(mt_encoder_load_safetensors(m, MT_GROUP_A, W, NULL), MT_EIO);
    CHECK_MSG_HAS(needle);
}

#define T1(dt, shape, off) "\"x\":{\"dtype\":\"" dt "\",\"shape\":" shape ",\"data_offsets\":" off "}"
#define T2(dt, shape, off) "\"y\":{\"dtype\":\"" dt "\",\"shape\":" shape ",\"data_offsets\":" off "}"

static void check_malformed(void) {
    mt_model *m = build(1, 50);
    float *before = tu_params(m, MT_GROUP_A);

    CHECK_STATUS(mt_encoder_load_safetensors(m, MT_GROUP_A, "no-such-file.safetensors", NULL), MT_EIO);
    CHECK_MSG_HAS("no-such-file.safetensors: cannot open");
    FILE *f = fopen(W, "wb");
    REQUIRE(f);
    fwrite("abc", 1, 3, f);
    fclose(f);
    CHECK_STATUS(mt_encoder_load_safetensors(m, MT_GROUP_A, W, NULL), MT_EIO);
    CHECK_MSG_HAS("truncated: 3 bytes");

    write_file(1000, "{}", 10);
    CHECK_STATUS(mt_encoder_load_safetensors(m, MT_GROUP_A, W, NULL), MT_EIO);
    CHECK_MSG_HAS("header length 1000 runs past the end of the file (20 bytes)");
    write_file(0x7fffffffffffffffull, "{}", 0);
    CHECK_STATUS(mt_encoder_load_safetensors(m, MT_GROUP_A, W, NULL), MT_EIO);
    CHECK_MSG_HAS("exceeds the format's limit");

    expect_eio(m, "{\"x\": {", 0, "header is not valid JSON: line 1");
    expect_eio(m, "[1, 2]", 0, "header: expected a JSON object");
    expect_eio(m, "{" T1("F32", "[2]", "[0,8]") "," T1("F32", "[2]", "[0,8]") "}", 8, "not valid JSON");
    expect_eio(m, "{\"x\": 3}", 0, "tensor 'x': expected an object");
    expect_eio(m, "{" T1("F17", "[2]", "[0,8]") "}", 8, "tensor 'x': unknown dtype 'F17'");
    expect_eio(m, "{" T1("F32", "[-2]", "[0,8]") "}", 8, "shape: expected non-negative integers");
    expect_eio(m, "{" T1("F32", "[3]", "[0,8]") "}", 8, "hold 8 bytes, but F32 [3] needs 12");
    expect_eio(m, "{" T1("F32", "[2]", "[8,0]") "}", 8, "expected [begin, end] with 0 <= begin <= end");
    expect_eio(m, "{" T1("F32", "[2]", "[0,8]") "}", 4, "ends at data byte 8, beyond the data section's 4 bytes");
    expect_eio(m, "{" T1("F32", "[2]", "[0,8]") "," T2("F32", "[2]", "[4,12]") "}", 12, "tensors 'x' and 'y' overlap");
    expect_eio(m, "{" T1("F32", "[2]", "[0,8]") "," T2("F32", "[2]", "[12,20]") "}", 20,
               "data bytes 8 to 12 belong to no tensor");
    expect_eio(m, "{" T1("F32", "[2]", "[0,8]") "}", 9, "the data section has 9 bytes but the tensors cover 8");
    expect_eio(m, "{" T1("F32", "[4611686018427387904, 8]", "[0,8]") "}", 8, "implausibly large");
    expect_eio(m, "{\"__metadata__\": 5}", 0, "__metadata__: expected an object");

    /* well-formed but with nothing for the encoder: a mismatch, not an I/O error */
    write_file(strlen("{" T1("F32", "[2]", "[0,8]") "}"), "{" T1("F32", "[2]", "[0,8]") "}", 8);
    CHECK_STATUS(mt_encoder_load_safetensors(m, MT_GROUP_A, W, NULL), MT_EMISMATCH);
    CHECK_MSG_HAS("1 unexpected: x");

    float *after = tu_params(m, MT_GROUP_A);
    CHECK_EQ_I64(tu_ndiff(before, after, tu_count(m, MT_GROUP_A)), 0);
    free(before);
    free(after);
    mt_model_free(m);
}

/* An export that cannot be written leaves no PATH.tmp and says why. */
static void check_write_errors(void) {
    mt_model *m = build(1, 50);
    CHECK_STATUS(mt_save_safetensors(m, MT_GROUP_A, "no-such-dir/x.safetensors"), MT_EIO);
    CHECK_MSG_HAS("no-such-dir/x.safetensors.tmp: cannot create");
    REQUIRE_OK(mt_save_safetensors(m, MT_GROUP_A, W));
    FILE *f = fopen("test_bert_weights.safetensors.tmp", "rb");
    CHECK(f == NULL);
    if (f) fclose(f);
    mt_model_free(m);
}

int main(void) {
    check_round_trips();
    check_mismatches();
    check_malformed();
    check_write_errors();
    remove(W);
    return tu_finish("test_bert_weights");
}
