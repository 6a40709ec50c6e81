/* test_ckpt.c - checkpoint round trip and checkpoint errors.
 *
 * Two models U and S from one spec (threads 1) train N steps in lockstep (Adam with weight
 * decay, a per-group LR, head loss weights, a group snapshot, a frozen group, and OGM-GE noise
 * in some steps); S is saved; a fresh model L (first perturbed by a step of its own and a
 * different LR) loads it; U and L then train M more steps with noise and must end bit-identical
 * in every group, in their eval outputs (BN buffers), and after restoring the snapshot.
 * Also: no PATH.tmp left behind, MT_EMISMATCH naming the differing field, MT_EIO cases; a
 * save that runs out of space (RLIMIT_FSIZE stands in for a full disk) fails with MT_EIO and the
 * errno instead of aborting; a damaged data.pkl is reported as a damaged checkpoint.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

enum { N_STEPS = 4, M_STEPS = 4, BATCH = 16, CLASSES = 4 };

static const float head_w[MT_NUM_HEADS] = {1.0f, 0.5f, 0.25f};

static void spec_of(mt_model_spec *s) {
    tu_small_spec(s, MT_FUSION_CONCAT, CLASSES);
    s->seed = 31;
    s->threads = 1;
    s->optim.kind = MT_OPTIM_ADAM;
    s->optim.lr = 1e-2;
    s->optim.weight_decay = 1e-3;
}

static mt_model *make(const mt_model_spec *s) {
    mt_model *m = NULL;
    REQUIRE_OK(mt_model_create(s, &m));
    return m;
}

/* Step i of the schedule. */
static void step(mt_model *m, const tu_data *d, int i) {
    mt_batch b = tu_batch(d, (i * BATCH) % (d->n - BATCH + 1), BATCH);
    REQUIRE_OK(mt_train_step(m, &b, head_w, NULL));
    if (i % 3 == 1) {
        REQUIRE_OK(mt_scale_grad(m, MT_GROUP_A, 0.7, 1.0, 0));
        REQUIRE_OK(mt_scale_grad(m, MT_GROUP_B, 1.0, 0.5, 0));
    }
    REQUIRE_OK(mt_optimizer_step(m));
    if (i == 1) REQUIRE_OK(mt_group_snapshot(m, MT_GROUP_A));
    if (i == N_STEPS - 2) REQUIRE_OK(mt_group_freeze(m, MT_GROUP_FUSION, 1));
    if (i == N_STEPS + 1) REQUIRE_OK(mt_group_freeze(m, MT_GROUP_FUSION, 0));
}

static void same_models(const mt_model *x, const mt_model *y, const char *what) {
    for (int g = 0; g < MT_NUM_GROUPS; g++) {
        int64_t n = tu_count(x, g);
        float *a = tu_params(x, g), *b = tu_params(y, g);
        int64_t nd = tu_ndiff(a, b, n);
        CHECKF(nd == 0, "%s: group %d differs in %lld of %lld elements", what, g, (long long)nd, (long long)n);
        free(a);
        free(b);
    }
}

static void same_eval(mt_model *x, mt_model *y, const tu_data *d, const char *what) {
    enum { NE = 32 };
    float lx[NE * CLASSES], ly[NE * CLASSES];
    mt_eval_out ox = {{lx, NULL, NULL}, {NULL, NULL}, 0};
    mt_eval_out oy = {{ly, NULL, NULL}, {NULL, NULL}, 0};
    mt_batch b = tu_batch(d, 0, NE);
    CHECK_OK(mt_eval_batch(x, &b, NULL, &ox));
    CHECK_OK(mt_eval_batch(y, &b, NULL, &oy));
    CHECKF(memcmp(lx, ly, sizeof lx) == 0, "%s: eval logits differ (BN buffers?)", what);
}

static int exists(const char *p) {
    struct stat st;
    return stat(p, &st) == 0;
}

static void round_trip(const char *dir, const tu_data *d) {
    mt_model_spec s;
    spec_of(&s);
    mt_model *u = make(&s), *sv = make(&s);
    same_models(u, sv, "two models from one seeded spec");
    CHECK_OK(mt_group_set_lr(u, MT_GROUP_B, 5e-3));
    CHECK_OK(mt_group_set_lr(sv, MT_GROUP_B, 5e-3));
    for (int i = 0; i < N_STEPS; i++) {
        step(u, d, i);
        step(sv, d, i);
    }
    same_models(u, sv, "lockstep before save");
    float *snap = NULL;
    {
        /* U's snapshot content: restore on a clone and read it */
        mt_model *c = NULL;
        REQUIRE_OK(mt_model_clone(u, &c));
        REQUIRE_OK(mt_group_restore(c, MT_GROUP_A));
        snap = tu_params(c, MT_GROUP_A);
        mt_model_free(c);
    }

    char path[512], tmp[520];
    snprintf(path, sizeof path, "%s/model.ckpt", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    CHECK_OK(mt_model_save(sv, path));
    CHECKF(exists(path), "%s was not written", path);
    CHECKF(!exists(tmp), "%s left behind after save", tmp);
    same_models(u, sv, "save changed the saved model");

    /* L: same spec, but a step and an LR of its own that the load must overwrite */
    mt_model *l = make(&s);
    step(l, d, 3);
    CHECK_OK(mt_group_set_lr(l, MT_GROUP_A, 0.5));
    REQUIRE_OK(mt_model_load(l, path));
    same_models(l, sv, "loaded model vs saved");
    double lr = -1;
    CHECK_OK(mt_group_get_lr(l, MT_GROUP_A, &lr));
    CHECK_NEAR(lr, 1e-2, 1e-12);
    CHECK_OK(mt_group_get_lr(l, MT_GROUP_B, &lr));
    CHECK_NEAR(lr, 5e-3, 1e-12);
    int fz = -1;
    CHECK_OK(mt_group_is_frozen(l, MT_GROUP_FUSION, &fz));
    CHECKF(fz == 1, "frozen flag of the fusion group after load: %d, expected 1", fz);
    CHECK_OK(mt_group_is_frozen(l, MT_GROUP_A, &fz));
    CHECK_EQ_I64(fz, 0);
    same_eval(l, sv, d, "loaded vs saved");
    mt_model_free(sv);

    for (int i = N_STEPS; i < N_STEPS + M_STEPS; i++) {
        step(u, d, i);
        step(l, d, i);
    }
    same_models(u, l, "N+M uninterrupted vs N, save, load, M");
    same_eval(u, l, d, "N+M uninterrupted vs resumed");
    CHECK_OK(mt_group_restore(u, MT_GROUP_A));
    CHECK_OK(mt_group_restore(l, MT_GROUP_A));
    float *ra = tu_params(l, MT_GROUP_A);
    CHECKF(tu_ndiff(ra, snap, tu_count(l, MT_GROUP_A)) == 0, "restored snapshot after load differs from the one saved");
    same_models(u, l, "after restoring the snapshot");
    free(ra);
    free(snap);

    /* spec mismatches */
    mt_model_spec s2;
    mt_model *x;
    spec_of(&s2);
    s2.num_classes = CLASSES + 1;
    x = make(&s2);
    CHECK_STATUS(mt_model_load(x, path), MT_EMISMATCH);
    CHECK_MSG_HAS("num_classes");
    mt_model_free(x);

    spec_of(&s2);
    s2.fusion = MT_FUSION_SUM;
    x = make(&s2);
    CHECK_STATUS(mt_model_load(x, path), MT_EMISMATCH);
    CHECK_MSG_HAS("fusion");
    mt_model_free(x);

    spec_of(&s2);
    s2.enc[1].base_width = 4;
    x = make(&s2);
    CHECK_STATUS(mt_model_load(x, path), MT_EMISMATCH);
    CHECK_MSG_HAS("base_width");
    mt_model_free(x);

    /* I/O errors */
    char bad[600];
    snprintf(bad, sizeof bad, "%s/missing.ckpt", dir);
    CHECK_STATUS(mt_model_load(u, bad), MT_EIO);
    CHECKF(mt_last_error()[0] != '\0', "empty message for a missing checkpoint");
    snprintf(bad, sizeof bad, "%s/no/such/dir/model.ckpt", dir);
    CHECK_STATUS(mt_model_save(u, bad), MT_EIO);
    snprintf(bad, sizeof bad, "%s/garbage.ckpt", dir);
    FILE *f = fopen(bad, "wb");
    REQUIRE(f);
    fputs("this is not a checkpoint\n", f);
    fclose(f);
    mt_status st = mt_model_load(u, bad);
    CHECKF(st == MT_EIO || st == MT_EMISMATCH, "loading garbage returned %s: %s", mt_status_name(st), mt_last_error());
    unlink(bad);

    /* the models still work after failed loads */
    step(u, d, 0);
    mt_model_free(u);
    mt_model_free(l);
    unlink(path);
    unlink(tmp);
}

/* A save that cannot write all its bytes: before the fix LibTorch's writer threw from its
 * destructor and the process aborted (exit 134). */
static void save_on_full_disk(const char *dir) {
    mt_model_spec s;
    spec_of(&s);
    mt_model *m = make(&s);
    char path[512], tmp[520];
    snprintf(path, sizeof path, "%s/full.ckpt", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    struct rlimit old, small;
    REQUIRE(getrlimit(RLIMIT_FSIZE, &old) == 0);
    small = old;
    small.rlim_cur = 4096; /* far below the checkpoint's size */
    signal(SIGXFSZ, SIG_IGN);
    REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
    mt_status st = mt_model_save(m, path);
    setrlimit(RLIMIT_FSIZE, &old);
    CHECKF(st == MT_EIO, "save past the file size limit returned %s: %s", mt_status_name(st), mt_last_error());
    CHECK_MSG_HAS(strerror(EFBIG));
    CHECK_MSG_HAS("full.ckpt.tmp");
    CHECKF(!exists(tmp), "%s left behind after a failed save", tmp);
    CHECKF(!exists(path), "%s written by a failed save", path);
    /* the same model saves once there is room again */
    CHECK_OK(mt_model_save(m, path));
    unlink(path);
    mt_model_free(m);
}

/* The file's bytes (free them) and their count. */
static unsigned char *slurp(const char *path, long *n) {
    FILE *f = fopen(path, "rb");
    REQUIRE(f);
    fseek(f, 0, SEEK_END);
    *n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)*n);
    REQUIRE(b && fread(b, 1, (size_t)*n, f) == (size_t)*n);
    fclose(f);
    return b;
}

/* Offset and length of the stored data of the zip entry whose name ends in NAME. LibTorch
 * writes sizes after the data (flag bit 3), so they come from the central directory entry (size
 * at +20, name length at +28, extra +30, comment +32, local header at +42); the data starts
 * after the local header's name and extra field (lengths at +26 and +28). */
static uint32_t le(const unsigned char *p, int n) {
    uint32_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static long zip_entry(const unsigned char *b, long n, const char *name, long *len) {
    long k = (long)strlen(name);
    for (long i = 0; i + 46 < n; i++) {
        if (memcmp(b + i, "PK\1\2", 4) != 0) continue;
        long nl = (long)le(b + i + 28, 2);
        if (nl < k || i + 46 + nl > n || memcmp(b + i + 46 + nl - k, name, (size_t)k) != 0) continue;
        long h = (long)le(b + i + 42, 4);
        *len = (long)le(b + i + 20, 4);
        if (h + 30 > n) return -1;
        return h + 30 + (long)le(b + h + 26, 2) + (long)le(b + h + 28, 2);
    }
    return -1;
}

/* Damage inside data.pkl must read as damage (MT_EIO, "damaged checkpoint"), never as "out of
 * memory" or a LibTorch error. */
static void damaged_pickle(const char *dir) {
    mt_model_spec s;
    spec_of(&s);
    mt_model *m = make(&s);
    char path[512], bad[520];
    snprintf(path, sizeof path, "%s/good.ckpt", dir);
    snprintf(bad, sizeof bad, "%s/bad.ckpt", dir);
    REQUIRE_OK(mt_model_save(m, path));
    long n, len;
    unsigned char *b = slurp(path, &n);
    long off = zip_entry(b, n, "data.pkl", &len);
    REQUIRE(off > 0 && len > 8 && off + len <= n);
    int wrong = 0;
    for (long i = 0; i < len && wrong < 3; i += len / 16 + 1) {
        unsigned char keep = b[off + i];
        b[off + i] = 0xFF;
        FILE *f = fopen(bad, "wb");
        REQUIRE(f && fwrite(b, 1, (size_t)n, f) == (size_t)n && fclose(f) == 0);
        b[off + i] = keep;
        mt_status st = mt_model_load(m, bad);
        if (st == MT_OK) continue; /* a byte the unpickler does not depend on */
        if (st != MT_EIO || !strstr(mt_last_error(), "damaged checkpoint")) {
            CHECKF(0, "data.pkl byte %ld set to 0xFF: %s: %s", i, mt_status_name(st), mt_last_error());
            wrong++;
        }
    }
    free(b);
    unlink(bad);
    unlink(path);
    mt_model_free(m);
}

int main(void) {
    char dir[] = "/tmp/mt_test_ckpt_XXXXXX";
    REQUIRE(mkdtemp(dir) != NULL);
    tu_data d = tu_make_data(64, CLASSES, 8, 8, 77, 0.5);
    round_trip(dir, &d);
    save_on_full_disk(dir);
    damaged_pickle(dir);
    tu_free_data(&d);
    if (rmdir(dir) != 0) {
        fprintf(stderr, "FAIL: %s not empty after the test (errno %d)\n", dir, errno);
        failures++;
    }
    return tu_finish("test_ckpt");
}
