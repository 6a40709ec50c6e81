/* test_params.c - parameter counts and feature sizes against torchvision and hand counts.
 *
 * torchvision layout: convolutions without bias, BatchNorm with weight and bias, downsample =
 * 1x1 conv + BN when the stride is not 1 or the channel count changes.
 *
 * Hand counts used below (conv = k*k*in*out, BN = 2*ch):
 *   T1: basic, 1 stage [1], width 4, small stem, 1 input channel
 *       stem conv 3x3 1->4 = 36, BN 8                                        = 44
 *       block: conv 3x3 4->4 = 144, BN 8, conv 3x3 4->4 = 144, BN 8           = 304
 *       (stride 1, 4 -> 4 channels: no downsample)                   total   = 348, d = 4
 *   T2: basic, 2 stages [1,1], width 4, small stem, 1 channel
 *       T1 (348) + stage 2: conv 3x3 4->8 = 288, BN 16, conv 3x3 8->8 = 576, BN 16,
 *       downsample 1x1 4->8 = 32 + BN 16 = 944                         total   = 1292, d = 8
 *   TB: bottleneck, 1 stage [1], width 4, small stem, 1 channel
 *       stem 44; block: 1x1 4->4 = 16, BN 8, 3x3 4->4 = 144, BN 8, 1x1 4->16 = 64, BN 32,
 *       downsample (4 -> 16 channels) 1x1 = 64 + BN 32 = 368           total   = 412, d = 16
 *   resnet18 (3 ch): 11,176,512 + fc 512*1000+1000 = 513,000  ->  11,689,512 (torchvision)
 *   resnet50 (3 ch): 23,508,032 + fc 2048*1000+1000 = 2,049,000 -> 25,557,032 (torchvision)
 *   resnet10 (3 ch): 4,905,792, d = 512;  resnet6 (3 ch): 313,664, d = 128
 *   resnet10 (1 ch): stem 7x7 1->64 = 3,136 instead of 9,408 -> 4,899,520
 *
 * Fusion group with C classes, feature sizes dA, dB:
 *   concat: fused head Linear(dA+dB, C); aux heads Linear(dA, C), Linear(dB, C)
 *   sum:    projection Linear(max, min) (weight + bias) of the wider feature; fused head
 *           Linear(min, C); aux heads as above.
 */
#include "testutil.h"

static mt_model *build(const mt_model_spec *s) {
    mt_model *m = NULL;
    REQUIRE_OK(mt_model_create(s, &m));
    REQUIRE(m != NULL);
    return m;
}

static void preset_encoder(mt_encoder_spec *e, const char *preset, int c, int h, int w) {
    memset(e, 0, sizeof *e);
    e->preset = preset;
    e->in_channels = c;
    e->height = h;
    e->width = w;
}

static void check_feature_dims(void) {
    mt_encoder_spec e;
    int d = -1;
    static const struct {
        const char *preset;
        int dim;
    } presets[] = {{"resnet6", 128}, {"resnet10", 512}, {"resnet18", 512}, {"resnet50", 2048}};
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++) {
        preset_encoder(&e, presets[i].preset, 3, 64, 64);
        d = -1;
        CHECK_OK(mt_encoder_feature_dim(&e, &d));
        CHECKF(d == presets[i].dim, "%s feature dim %d, expected %d", presets[i].preset, d, presets[i].dim);
    }
    /* resolve fills the preset's structure */
    preset_encoder(&e, "resnet50", 3, 64, 64);
    CHECK_OK(mt_encoder_resolve(&e));
    CHECK_EQ_I64(e.block, MT_BLOCK_BOTTLENECK);
    CHECK_EQ_I64(e.n_stages, 4);
    CHECK_EQ_I64(e.blocks[0], 3);
    CHECK_EQ_I64(e.blocks[1], 4);
    CHECK_EQ_I64(e.blocks[2], 6);
    CHECK_EQ_I64(e.blocks[3], 3);
    CHECK_EQ_I64(e.base_width, 64);
    CHECK_EQ_I64(e.stem, MT_STEM_IMAGENET);
    preset_encoder(&e, "resnet6", 1, 32, 32);
    CHECK_OK(mt_encoder_resolve(&e));
    CHECK_EQ_I64(e.block, MT_BLOCK_BASIC);
    CHECK_EQ_I64(e.n_stages, 2);
    CHECK_EQ_I64(e.blocks[0], 1);
    CHECK_EQ_I64(e.blocks[1], 1);
    /* an overridden field wins over the preset: resnet18 with width 32 -> 32 * 8 = 256 */
    preset_encoder(&e, "resnet18", 3, 64, 64);
    e.base_width = 32;
    CHECK_OK(mt_encoder_feature_dim(&e, &d));
    CHECK_EQ_I64(d, 256);
    CHECK_OK(mt_encoder_resolve(&e));
    CHECK_EQ_I64(e.base_width, 32);
    CHECK_EQ_I64(e.blocks[3], 2);

    tu_tiny_encoder(&e, MT_BLOCK_BASIC, 1, 4, MT_STEM_SMALL, 1, 8, 8);
    CHECK_OK(mt_encoder_feature_dim(&e, &d));
    CHECK_EQ_I64(d, 4);
    tu_tiny_encoder(&e, MT_BLOCK_BASIC, 2, 4, MT_STEM_SMALL, 1, 8, 8);
    CHECK_OK(mt_encoder_feature_dim(&e, &d));
    CHECK_EQ_I64(d, 8);
    tu_tiny_encoder(&e, MT_BLOCK_BOTTLENECK, 1, 4, MT_STEM_SMALL, 1, 8, 8);
    CHECK_OK(mt_encoder_feature_dim(&e, &d));
    CHECK_EQ_I64(d, 16);
    tu_tiny_encoder(&e, MT_BLOCK_BOTTLENECK, 3, 4, MT_STEM_SMALL, 1, 8, 8);
    CHECK_OK(mt_encoder_feature_dim(&e, &d));
    CHECK_EQ_I64(d, 64); /* 4 * 2^2 * 4 */
}

/* Group A = preset encoder (3 channels, 64x64) + its 1000-class aux head. */
static void check_preset(const char *preset, int64_t want_a, int64_t want_encoder_only) {
    mt_model_spec s;
    mt_spec_init(&s);
    preset_encoder(&s.enc[0], preset, 3, 64, 64);
    tu_tiny_encoder(&s.enc[1], MT_BLOCK_BASIC, 1, 4, MT_STEM_SMALL, 1, 8, 8); /* 348, d 4 */
    s.num_classes = 1000;
    s.aux_heads = 1;
    s.heads_follow_encoders = 1;
    s.device = MT_DEVICE_CPU;
    s.threads = 2;
    mt_model *m = build(&s);
    int64_t a = -1, b = -1, f = -1, all = -1;
    CHECK_OK(mt_param_count(m, MT_GROUP_A, &a));
    CHECK_OK(mt_param_count(m, MT_GROUP_B, &b));
    CHECK_OK(mt_param_count(m, MT_GROUP_FUSION, &f));
    CHECK_OK(mt_param_count(m, MT_GROUP_ALL, &all));
    CHECKF(a == want_a, "%s: group A has %lld parameters, expected %lld", preset, (long long)a, (long long)want_a);
    int dA = (int)((want_a - want_encoder_only - 1000) / 1000);
    /* group B: 348 + aux head Linear(4, 1000) = 348 + 5000 */
    CHECK_EQ_I64(b, 348 + 4 * 1000 + 1000);
    /* fusion: concat head Linear(dA + 4, 1000) */
    CHECK_EQ_I64(f, (int64_t)(dA + 4) * 1000 + 1000);
    CHECK_EQ_I64(all, a + b + f);

    /* the resolved spec shows the preset's structure */
    const mt_model_spec *r = mt_model_spec_of(m);
    REQUIRE(r != NULL);
    CHECK_EQ_I64(r->enc[0].base_width, 64);
    CHECK_EQ_I64(r->enc[0].stem, MT_STEM_IMAGENET);
    CHECK_EQ_I64(r->num_classes, 1000);
    const char *dev = mt_model_device(m);
    CHECKF(dev && strcmp(dev, "cpu") == 0, "device \"%s\", expected \"cpu\"", dev ? dev : "(null)");
    mt_model_free(m);
}

/* Without heads_follow_encoders, group A is the bare encoder: resnet10 on 1 channel. */
static void check_bare_encoder(void) {
    mt_model_spec s;
    mt_spec_init(&s);
    preset_encoder(&s.enc[0], "resnet10", 1, 28, 28);
    preset_encoder(&s.enc[1], "resnet6", 3, 32, 32);
    s.num_classes = 10;
    s.device = MT_DEVICE_CPU;
    s.threads = 2;
    mt_model *m = build(&s);
    CHECK_EQ_I64(tu_count(m, MT_GROUP_A), 4899520);
    CHECK_EQ_I64(tu_count(m, MT_GROUP_B), 313664);
    /* concat head Linear(512+128, 10) + aux Linear(512, 10) + aux Linear(128, 10) */
    CHECK_EQ_I64(tu_count(m, MT_GROUP_FUSION), 640 * 10 + 10 + 5130 + 1290);
    mt_model_free(m);
}

static void check_tiny(void) {
    const int C = 3;
    mt_model_spec s;
    mt_spec_init(&s);
    tu_tiny_encoder(&s.enc[0], MT_BLOCK_BASIC, 1, 4, MT_STEM_SMALL, 1, 8, 8); /* 348, d 4 */
    tu_tiny_encoder(&s.enc[1], MT_BLOCK_BASIC, 2, 4, MT_STEM_SMALL, 1, 8, 8); /* 1292, d 8 */
    s.num_classes = C;
    s.device = MT_DEVICE_CPU;
    s.threads = 1;

    /* concat, aux heads in the fusion group: Linear(12,3)=39 + Linear(4,3)=15 + Linear(8,3)=27 */
    s.fusion = MT_FUSION_CONCAT;
    s.heads_follow_encoders = 0;
    mt_model *m = build(&s);
    CHECK_EQ_I64(tu_count(m, MT_GROUP_A), 348);
    CHECK_EQ_I64(tu_count(m, MT_GROUP_B), 1292);
    CHECK_EQ_I64(tu_count(m, MT_GROUP_FUSION), 39 + 15 + 27);
    CHECK_EQ_I64(tu_count(m, MT_GROUP_ALL), 348 + 1292 + 81);
    mt_model_free(m);

    /* sum: projection Linear(8,4)=36 + fused Linear(4,3)=15 + aux 15 + 27 = 93 */
    s.fusion = MT_FUSION_SUM;
    m = build(&s);
    CHECK_EQ_I64(tu_count(m, MT_GROUP_A), 348);
    CHECK_EQ_I64(tu_count(m, MT_GROUP_B), 1292);
    CHECK_EQ_I64(tu_count(m, MT_GROUP_FUSION), 36 + 15 + 15 + 27);
    mt_model_free(m);

    /* sum with heads following encoders: A 348+15, B 1292+27, fusion 36+15 */
    s.heads_follow_encoders = 1;
    m = build(&s);
    CHECK_EQ_I64(tu_count(m, MT_GROUP_A), 348 + 15);
    CHECK_EQ_I64(tu_count(m, MT_GROUP_B), 1292 + 27);
    CHECK_EQ_I64(tu_count(m, MT_GROUP_FUSION), 51);
    mt_model_free(m);

    /* sum without aux heads: 36 + 15 */
    s.heads_follow_encoders = 0;
    s.aux_heads = 0;
    m = build(&s);
    CHECK_EQ_I64(tu_count(m, MT_GROUP_FUSION), 51);
    CHECK_EQ_I64(tu_count(m, MT_GROUP_ALL), 348 + 1292 + 51);
    mt_model_free(m);

    /* concat without aux heads: Linear(12, 3) = 39 */
    s.fusion = MT_FUSION_CONCAT;
    m = build(&s);
    CHECK_EQ_I64(tu_count(m, MT_GROUP_FUSION), 39);
    mt_model_free(m);

    /* sum with equal sizes: no projection. A = T1 (d 4), B = bottleneck TB (d 16) would project;
     * use A = B = T1: fused Linear(4,3)=15 + aux 15 + 15 = 45 */
    s.aux_heads = 1;
    s.fusion = MT_FUSION_SUM;
    tu_tiny_encoder(&s.enc[1], MT_BLOCK_BASIC, 1, 4, MT_STEM_SMALL, 1, 8, 8);
    m = build(&s);
    CHECK_EQ_I64(tu_count(m, MT_GROUP_FUSION), 45);
    mt_model_free(m);

    /* bottleneck B (412, d 16), A wider? no: A d 4 narrower; sum projects B: Linear(16,4)=68,
     * fused Linear(4,3)=15, aux 15 + Linear(16,3)=51 -> 149 */
    tu_tiny_encoder(&s.enc[1], MT_BLOCK_BOTTLENECK, 1, 4, MT_STEM_SMALL, 1, 8, 8);
    m = build(&s);
    CHECK_EQ_I64(tu_count(m, MT_GROUP_B), 412);
    CHECK_EQ_I64(tu_count(m, MT_GROUP_FUSION), 68 + 15 + 15 + 51);
    mt_model_free(m);

    /* the wider one is A this time: A = TB (d 16), B = T1 (d 4): same fusion count */
    tu_tiny_encoder(&s.enc[0], MT_BLOCK_BOTTLENECK, 1, 4, MT_STEM_SMALL, 1, 8, 8);
    tu_tiny_encoder(&s.enc[1], MT_BLOCK_BASIC, 1, 4, MT_STEM_SMALL, 1, 8, 8);
    m = build(&s);
    CHECK_EQ_I64(tu_count(m, MT_GROUP_A), 412);
    CHECK_EQ_I64(tu_count(m, MT_GROUP_B), 348);
    CHECK_EQ_I64(tu_count(m, MT_GROUP_FUSION), 149);
    mt_model_free(m);
}

int main(void) {
    check_feature_dims();
    check_tiny();
    check_bare_encoder();
    check_preset("resnet18", 11689512, 11176512);
    check_preset("resnet50", 25557032, 23508032);
    return tu_finish("test_params");
}
