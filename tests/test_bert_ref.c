/* test_bert_ref.c - the shim's side of the reference comparisons (tests/ref_resnet.py,
 * tests/ref_bert.py): builds one encoder, loads a safetensors file the Python script wrote, runs
 * mt_encoder_forward on the script's input and writes the outputs as raw float32 for the script
 * to compare; then exports the encoder again (mt_save_safetensors) for the script to read back
 * into torchvision or its reference.
 *
 *   test_bert_ref resnet PRESET C H W WEIGHTS INPUT N FEATURES EXPORT
 *       INPUT float32 [N, C, H, W]; FEATURES float32 [N, d]
 *   test_bert_ref bert VOCAB HIDDEN LAYERS HEADS INTER POSITIONS TYPES OUTPUT WEIGHTS PREFIX
 *                 TOKENS N PLANES L FEATURES HIDDEN_STATES EXPORT
 *       VOCAB "preset:NAME" takes a preset instead of the sizes (the others are then ignored);
 *       OUTPUT pooler or cls; PREFIX "-" for none; TOKENS int64 [N, PLANES, L];
 *       FEATURES float32 [N, hidden]; HIDDEN_STATES float32 [N, L, hidden]
 * All files little-endian. Exit 0 on success, 1 with a message otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bertutil.h"
#include "mt.h"

static int die(const char *what) {
    fprintf(stderr, "test_bert_ref: %s: %s\n", what, mt_last_error());
    return 1;
}

static void *read_all(const char *path, size_t want) {
    FILE *f = fopen(path, "rb");
    void *buf = malloc(want ? want : 1);
    if (!f || !buf || fread(buf, 1, want, f) != want) {
        fprintf(stderr, "test_bert_ref: cannot read %zu bytes from %s\n", want, path);
        exit(1);
    }
    fclose(f);
    return buf;
}

static void write_all(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "test_bert_ref: cannot write %s\n", path);
        exit(1);
    }
}

/* The other slot is a minimal ResNet; only the encoder under test is used. */
static void base_spec(mt_model_spec *s) {
    mt_spec_init(s);
    s->enc[1].block = MT_BLOCK_BASIC;
    s->enc[1].n_stages = 1;
    s->enc[1].blocks[0] = 1;
    s->enc[1].base_width = 4;
    s->enc[1].stem = MT_STEM_SMALL;
    s->enc[1].in_channels = 1;
    s->enc[1].height = s->enc[1].width = 4;
    s->num_classes = 2;
    /* tools/device-check runs the same comparison on CUDA */
    const char *dev = getenv("MILES_TEST_DEVICE");
    s->device = dev && strcmp(dev, "cuda") == 0 ? MT_DEVICE_CUDA : MT_DEVICE_CPU;
    s->threads = 2;
}

static int run(mt_model_spec *s, const char *weights, const char *prefix, const mt_input *x, int64_t feat_len,
               const char *feat_path, int64_t hidden_len, const char *hidden_path, const char *export_path) {
    mt_model *m = NULL;
    if (mt_model_create(s, &m) != MT_OK) return die("mt_model_create");
    if (mt_encoder_load_safetensors(m, MT_GROUP_A, weights, prefix) != MT_OK) return die(weights);
    float *feat = malloc(sizeof(float) * (size_t)feat_len);
    float *hidden = hidden_len ? malloc(sizeof(float) * (size_t)hidden_len) : NULL;
    if (!feat || (hidden_len && !hidden)) return die("out of memory");
    if (mt_encoder_forward(m, MT_GROUP_A, x, feat, hidden) != MT_OK) return die("mt_encoder_forward");
    write_all(feat_path, feat, sizeof(float) * (size_t)feat_len);
    if (hidden) write_all(hidden_path, hidden, sizeof(float) * (size_t)hidden_len);
    if (mt_save_safetensors(m, MT_GROUP_A, export_path) != MT_OK) return die(export_path);
    free(feat);
    free(hidden);
    mt_model_free(m);
    return 0;
}

static int resnet(char **a) {
    mt_model_spec s;
    base_spec(&s);
    s.enc[0].preset = a[0];
    s.enc[0].in_channels = atoi(a[1]);
    s.enc[0].height = atoi(a[2]);
    s.enc[0].width = atoi(a[3]);
    int dim = 0;
    if (mt_encoder_feature_dim(&s.enc[0], &dim) != MT_OK) return die("mt_encoder_feature_dim");
    int64_t n = atoll(a[6]);
    mt_input x;
    memset(&x, 0, sizeof x);
    x.dtype = MT_DTYPE_F32;
    x.ndim = 4;
    x.shape[0] = n;
    x.shape[1] = s.enc[0].in_channels;
    x.shape[2] = s.enc[0].height;
    x.shape[3] = s.enc[0].width;
    x.data = read_all(a[5], sizeof(float) * (size_t)(n * x.shape[1] * x.shape[2] * x.shape[3]));
    int rc = run(&s, a[4], NULL, &x, n * dim, a[7], 0, NULL, a[8]);
    free((void *)x.data);
    return rc;
}

static int bert(char **a) {
    mt_model_spec s;
    base_spec(&s);
    mt_encoder_spec *e = &s.enc[0];
    if (strncmp(a[0], "preset:", 7) == 0) {
        e->preset = a[0] + 7;
    } else {
        e->kind = MT_ENCODER_BERT;
        e->bert.vocab_size = atoi(a[0]);
        e->bert.hidden = atoi(a[1]);
        e->bert.layers = atoi(a[2]);
        e->bert.heads = atoi(a[3]);
        e->bert.intermediate = atoi(a[4]);
        e->bert.max_positions = atoi(a[5]);
        e->bert.type_vocab_size = atoi(a[6]);
    }
    e->bert.output = strcmp(a[7], "cls") == 0 ? MT_BERT_OUTPUT_CLS : MT_BERT_OUTPUT_POOLER;
    int hidden = 0;
    if (mt_encoder_feature_dim(e, &hidden) != MT_OK) return die("mt_encoder_feature_dim");
    int64_t n = atoll(a[11]), planes = atoll(a[12]), len = atoll(a[13]);
    mt_input x = bu_tokens(read_all(a[10], sizeof(int64_t) * (size_t)(n * planes * len)), n, planes, len);
    const char *prefix = strcmp(a[9], "-") == 0 ? NULL : a[9];
    int rc = run(&s, a[8], prefix, &x, n * hidden, a[14], n * len * hidden, a[15], a[16]);
    free((void *)x.data);
    return rc;
}

int main(int argc, char **argv) {
    if (argc == 11 && strcmp(argv[1], "resnet") == 0) return resnet(argv + 2);
    if (argc == 19 && strcmp(argv[1], "bert") == 0) return bert(argv + 2);
    fprintf(stderr, "usage: see the comment at the top of tests/test_bert_ref.c\n");
    return 2;
}
