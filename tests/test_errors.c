/* test_errors.c - every failure comes back as a status and a message, never an abort.
 *
 * Unknown preset (message names it), zero classes and other bad specs (MT_EINVAL), a batch
 * whose shape does not match the spec (MT_ESHAPE, message with the expected and found sizes),
 * labels out of range (MT_ETORCH from LibTorch), a 1-sample batch reaching a 1x1 BatchNorm in
 * train mode (MT_ETORCH, the model stays usable), restore without snapshot (MT_ESTATE), invalid
 * group indices (MT_EINVAL), an unavailable CUDA device (MT_EDEVICE), an unknown code in any
 * enum field of a spec or batch (read without undefined behaviour). mt_last_error() is
 * per thread: an error raised in another thread does not show in this one.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>

#include "testutil.h"

static void names(void) {
    const mt_status all[] = {MT_OK,        MT_EINVAL, MT_ESHAPE,  MT_ETORCH, MT_EIO,
                             MT_EMISMATCH, MT_ESTATE, MT_EDEVICE, MT_ENOMEM};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        const char *n = mt_status_name(all[i]);
        CHECKF(n && n[0], "mt_status_name(%d) is empty", (int)all[i]);
        for (size_t j = 0; j < i; j++)
            CHECKF(n && strcmp(n, mt_status_name(all[j])) != 0, "status %d and %d share name %s", (int)all[i],
                   (int)all[j], n ? n : "(null)");
    }
    const char *v = mt_torch_version();
    CHECKF(v && v[0] >= '1' && v[0] <= '9' && strchr(v, '.'), "torch version \"%s\"", v ? v : "(null)");
    CHECK(mt_last_error() != NULL);
}

static void bad_specs(void) {
    mt_model_spec s;
    mt_model *m = NULL;

    tu_small_spec(&s, MT_FUSION_CONCAT, 4);
    s.enc[0].preset = "resnet7";
    CHECK_STATUS(mt_model_create(&s, &m), MT_EINVAL);
    CHECK_MSG_HAS("resnet7");

    mt_encoder_spec e;
    memset(&e, 0, sizeof e);
    e.preset = "resnet19x";
    e.in_channels = 3;
    e.height = e.width = 32;
    CHECK_STATUS(mt_encoder_resolve(&e), MT_EINVAL);
    CHECK_MSG_HAS("resnet19x");
    int dim = 0;
    CHECK_STATUS(mt_encoder_feature_dim(&e, &dim), MT_EINVAL);
    CHECK_MSG_HAS("resnet19x");

    tu_small_spec(&s, MT_FUSION_CONCAT, 0);
    CHECK_STATUS(mt_model_create(&s, &m), MT_EINVAL);
    CHECKF(mt_last_error()[0] != '\0', "empty message for zero classes");
    tu_small_spec(&s, MT_FUSION_CONCAT, -3);
    CHECK_STATUS(mt_model_create(&s, &m), MT_EINVAL);

    /* explicit encoder missing its structure */
    tu_small_spec(&s, MT_FUSION_CONCAT, 4);
    s.enc[1].n_stages = 0;
    CHECK_STATUS(mt_model_create(&s, &m), MT_EINVAL);
    tu_small_spec(&s, MT_FUSION_CONCAT, 4);
    s.enc[1].n_stages = MT_MAX_STAGES + 1;
    CHECK_STATUS(mt_model_create(&s, &m), MT_EINVAL);
    tu_small_spec(&s, MT_FUSION_CONCAT, 4);
    s.enc[0].blocks[0] = 0;
    CHECK_STATUS(mt_model_create(&s, &m), MT_EINVAL);
    /* input size is required */
    tu_small_spec(&s, MT_FUSION_CONCAT, 4);
    s.enc[0].height = 0;
    CHECK_STATUS(mt_model_create(&s, &m), MT_EINVAL);

    if (!mt_cuda_available()) {
        tu_small_spec(&s, MT_FUSION_CONCAT, 4);
        s.device = MT_DEVICE_CUDA;
        CHECK_STATUS(mt_model_create(&s, &m), MT_EDEVICE);
        CHECKF(mt_last_error()[0] != '\0', "empty message for an unavailable device");
    }
}

static int contains(const char *hay, const char *needle) { return hay && strstr(hay, needle); }

/* C lets a caller store any int in an enum field; the shim must refuse an unknown code with a
 * status, reading it without undefined behaviour (C++ may not load an out-of-range value as the
 * enum: the sanitized build, tools/test --sanitize, stops there). 99 lies outside every enum's
 * range. Each case sets one field of a valid spec; WANT is what the message must name. */
static void bad_enum_case(int field, int value, const char *want) {
    mt_model_spec s;
    tu_small_spec(&s, MT_FUSION_CONCAT, 4);
    switch (field) {
    case 0: s.fusion = (mt_fusion)value; break;
    case 1: s.optim.kind = (mt_optim_kind)value; break;
    case 2: s.device = (mt_device)value; break;
    case 3: s.enc[0].kind = (mt_encoder_kind)value; break;
    case 4: s.enc[1].block = (mt_block)value; break;
    case 5: s.enc[1].stem = (mt_stem)value; break;
    case 6: s.amp.precision = (mt_precision)value; break;
    }
    mt_model *m = NULL;
    CHECK_STATUS(mt_model_create(&s, &m), MT_EINVAL);
    CHECKF(contains(mt_last_error(), want), "field %d = %d: message \"%s\" does not name %s", field, value,
           mt_last_error(), want);
}

static void bad_enums(void) {
    static const char *const names[] = {"fusion", "optim.kind", "device", "kind", "block", "stem", "precision"};
    for (int f = 0; f < 7; f++) {
        bad_enum_case(f, 99, names[f]);
        bad_enum_case(f, -1, names[f]);
    }
    /* an input's dtype, at the step */
    mt_model_spec s;
    tu_small_spec(&s, MT_FUSION_CONCAT, 4);
    mt_model *m = NULL;
    REQUIRE_OK(mt_model_create(&s, &m));
    tu_data d = tu_make_data(8, 4, 8, 8, 3, 0.5);
    mt_batch b = tu_batch(&d, 0, 8);
    b.x[0].dtype = (mt_dtype)99;
    CHECK_STATUS(mt_train_step(m, &b, NULL, NULL), MT_ESHAPE);
    CHECKF(contains(mt_last_error(), "found code 99"), "dtype 99: message \"%s\"", mt_last_error());
    tu_free_data(&d);
    mt_model_free(m);
}

static void bad_batches(void) {
    mt_model_spec s;
    tu_small_spec(&s, MT_FUSION_CONCAT, 4);
    mt_model *m = NULL;
    REQUIRE_OK(mt_model_create(&s, &m));
    tu_data d = tu_make_data(8, 4, 8, 13, 3, 0.5); /* 8x13 where the spec says 8x8 */
    mt_batch b = tu_batch(&d, 0, 8);
    CHECK_STATUS(mt_train_step(m, &b, NULL, NULL), MT_ESHAPE);
    CHECKF(contains(mt_last_error(), "13") && contains(mt_last_error(), "8"),
           "shape message \"%s\" does not show the expected (8) and found (13) sizes", mt_last_error());
    CHECK_STATUS(mt_eval_batch(m, &b, NULL, NULL), MT_ESHAPE);
    tu_free_data(&d);

    d = tu_make_data(8, 4, 8, 8, 3, 0.5);
    b = tu_batch(&d, 0, 8);
    b.x[1].shape[1] = 3; /* channels 3 where the spec says 1 (data pointer large enough? no:
                            the call must fail before reading) */
    b.x[1].shape[2] = 8;
    b.x[1].shape[3] = 8;
    b.x[1].shape[0] = 2; /* 2*3*8*8 floats fit in the 8*8*8 of d.b */
    b.n = 2;
    b.x[0].shape[0] = 2;
    CHECK_STATUS(mt_train_step(m, &b, NULL, NULL), MT_ESHAPE);
    CHECKF(contains(mt_last_error(), "3"), "shape message \"%s\" does not show the 3 channels", mt_last_error());

    b = tu_batch(&d, 0, 8);
    b.x[0].shape[0] = 4; /* disagrees with b.n = 8 */
    CHECK_STATUS(mt_train_step(m, &b, NULL, NULL), MT_ESHAPE);
    b = tu_batch(&d, 0, 8);
    b.x[1].ndim = 3;
    CHECK_STATUS(mt_train_step(m, &b, NULL, NULL), MT_ESHAPE);

    /* labels out of range: refused before they reach the device (on CUDA, the loss kernel's
     * assert would end the process's CUDA context) */
    b = tu_batch(&d, 0, 8);
    int64_t bad_labels[8];
    memcpy(bad_labels, d.labels, sizeof bad_labels);
    bad_labels[5] = 4; /* 4 classes: 0..3 */
    b.labels = bad_labels;
    CHECK_STATUS(mt_train_step(m, &b, NULL, NULL), MT_EINVAL);
    CHECK_MSG_HAS("batch.labels[5]: expected a class in [0, 4), found 4");
    printf("labels out of range: \"%s\"\n", mt_last_error());

    /* the model still works */
    b = tu_batch(&d, 0, 8);
    mt_step_result r;
    CHECK_OK(mt_train_step(m, &b, NULL, &r));
    CHECK_OK(mt_optimizer_step(m));
    CHECK_EQ_I64(r.n, 8);
    tu_free_data(&d);
    mt_model_free(m);
}

/* Encoders basic [1,1], width 4, imagenet stem, 1x8x8: 8 -> 4 (conv/2) -> 2 (pool/2) -> 1
 * (stage 2, stride 2). A batch of one sample gives BatchNorm one value per channel. */
static void one_sample_batchnorm(void) {
    mt_model_spec s;
    tu_small_spec(&s, MT_FUSION_CONCAT, 4);
    for (int i = 0; i < 2; i++) {
        tu_tiny_encoder(&s.enc[i], MT_BLOCK_BASIC, 2, 4, MT_STEM_IMAGENET, 1, 8, 8);
    }
    mt_model *m = NULL;
    REQUIRE_OK(mt_model_create(&s, &m));
    tu_data d = tu_make_data(4, 4, 8, 8, 9, 0.5);
    mt_batch b = tu_batch(&d, 0, 1);
    CHECK_STATUS(mt_train_step(m, &b, NULL, NULL), MT_ETORCH);
    CHECKF(mt_last_error()[0] != '\0', "empty message for the 1-sample BatchNorm error");
    CHECK_MSG_HAS("more than 1 value per channel");
    printf("1-sample batch: \"%s\"\n", mt_last_error());
    /* eval mode uses running statistics: one sample is fine there */
    mt_step_result r;
    CHECK_OK(mt_eval_batch(m, &b, &r, NULL));
    /* and the model still trains on 2 samples */
    b = tu_batch(&d, 0, 2);
    CHECK_OK(mt_train_step(m, &b, NULL, &r));
    CHECK_OK(mt_optimizer_step(m));
    tu_free_data(&d);
    mt_model_free(m);
}

static void state_and_groups(void) {
    mt_model_spec s;
    tu_small_spec(&s, MT_FUSION_CONCAT, 4);
    mt_model *m = NULL;
    REQUIRE_OK(mt_model_create(&s, &m));

    CHECK_STATUS(mt_group_restore(m, MT_GROUP_B), MT_ESTATE);
    CHECKF(mt_last_error()[0] != '\0', "empty message for restore without snapshot");
    CHECK_OK(mt_group_snapshot(m, MT_GROUP_A));
    CHECK_STATUS(mt_group_restore(m, MT_GROUP_B), MT_ESTATE); /* A's snapshot is not B's */
    CHECK_OK(mt_group_restore(m, MT_GROUP_A));

    const int bad[] = {3, 7, -2, 1000};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int g = bad[i];
        int64_t c;
        double lr;
        int fz;
        float buf[4];
        CHECK_STATUS(mt_param_count(m, g, &c), MT_EINVAL);
        CHECK_STATUS(mt_group_set_lr(m, g, 0.1), MT_EINVAL);
        CHECK_STATUS(mt_group_get_lr(m, g, &lr), MT_EINVAL);
        CHECK_STATUS(mt_group_freeze(m, g, 1), MT_EINVAL);
        CHECK_STATUS(mt_group_is_frozen(m, g, &fz), MT_EINVAL);
        CHECK_STATUS(mt_group_snapshot(m, g), MT_EINVAL);
        CHECK_STATUS(mt_group_restore(m, g), MT_EINVAL);
        CHECK_STATUS(mt_scale_grad(m, g, 0.5, 0.0, 0), MT_EINVAL);
        CHECK_STATUS(mt_group_read_params(m, g, buf, 4), MT_EINVAL);
        CHECK_STATUS(mt_group_read_grads(m, g, buf, 4), MT_EINVAL);
    }
    /* a buffer of the wrong size */
    int64_t c = tu_count(m, MT_GROUP_A);
    float *buf = malloc(sizeof(float) * (size_t)c);
    mt_status st = mt_group_read_params(m, MT_GROUP_A, buf, c - 1);
    CHECKF(st != MT_OK, "read_params with count %lld of %lld succeeded", (long long)(c - 1), (long long)c);
    free(buf);
    mt_model_free(m);
}

static void *failing_thread(void *arg) {
    mt_encoder_spec e;
    memset(&e, 0, sizeof e);
    e.preset = "resnet_other_thread";
    e.in_channels = 1;
    e.height = e.width = 8;
    mt_status st = mt_encoder_resolve(&e);
    int ok = st == MT_EINVAL && strstr(mt_last_error(), "resnet_other_thread") != NULL;
    *(int *)arg = ok;
    return NULL;
}

static void thread_local_errors(void) {
    mt_encoder_spec e;
    memset(&e, 0, sizeof e);
    e.preset = "resnet_main_thread";
    e.in_channels = 1;
    e.height = e.width = 8;
    CHECK_STATUS(mt_encoder_resolve(&e), MT_EINVAL);
    int ok = 0;
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, failing_thread, &ok) == 0);
    REQUIRE(pthread_join(t, NULL) == 0);
    CHECKF(ok, "the other thread did not see its own error");
    CHECK_MSG_HAS("resnet_main_thread");
}

int main(void) {
    thread_local_errors();
    names();
    bad_specs();
    bad_enums();
    bad_batches();
    one_sample_batchnorm();
    state_and_groups();
    return tu_finish("test_errors");
}
