/* demo_synth.c - mt-demo: train a two-modality network on a synthetic task through the shim.
 *
 * A smoke run of the whole shim API from C, with no dataset files: each of 10 classes has a
 * template pattern (a 4x4 grid of 7x7 blocks, +1 or -1) in each modality. A sample is its class's
 * template at a random amplitude and a small random shift, plus Gaussian noise, as a 1x28x28
 * uint8 image. Modality B has more noise than A, so it is the weaker modality and its encoder
 * learns slower and generalises worse - the imbalance the balancing methods address.
 *
 * Model: two ResNet-10 encoders (base width 16, 3x3 stride-1 stem), concat fusion, a fused head
 * and auxiliary heads A and B, Adam lr 1e-3, batch 64. Prints one line per epoch:
 *   epoch E/N train_loss L train_acc F/A/B val_acc F/A/B time S s
 * where the loss is the fused head's mean cross-entropy and F/A/B are the accuracies of the
 * fused, A and B heads. Exit status: 0 done, 1 shim error, 2 usage.
 */
#define _POSIX_C_SOURCE 200809L
#include "mt.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { SIDE = 28, NPIX = SIDE * SIDE, NCLASS = 10, BATCH = 64, NTRAIN = 2048, NVAL = 512 };
enum { GRID = 4, CELL = SIDE / GRID, MAX_SHIFT = 3 };

/* Per modality: template amplitude and noise std, in uint8 grey levels around 128. */
static const struct { double amp, sigma; } modality[2] = {{40.0, 80.0}, {40.0, 140.0}};

/* ---- random numbers (splitmix64; Box-Muller) ---------------------------------------------- */

typedef struct {
    uint64_t s;
} rng_t;

static uint64_t rng_next(rng_t *r) {
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static double rng_uniform(rng_t *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }
static int rng_below(rng_t *r, int n) { return (int)(rng_uniform(r) * n); }
static double rng_normal(rng_t *r) {
    double u = 1.0 - rng_uniform(r), v = rng_uniform(r); /* u in (0, 1] */
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* ---- the synthetic task ------------------------------------------------------------------- */

typedef struct {
    int64_t n;
    uint8_t *x[2]; /* [n, 1, 28, 28] per modality */
    int64_t *y;    /* [n] */
} dataset;

static signed char templates[2][NCLASS][GRID * GRID];

static void make_templates(rng_t *r) {
    for (int m = 0; m < 2; m++)
        for (int c = 0; c < NCLASS; c++) {
            int again;
            do { /* redraw until it differs from every earlier class in at least 4 cells */
                for (int k = 0; k < GRID * GRID; k++) templates[m][c][k] = rng_below(r, 2) ? 1 : -1;
                again = 0;
                for (int o = 0; o < c && !again; o++) {
                    int diff = 0;
                    for (int k = 0; k < GRID * GRID; k++) diff += templates[m][c][k] != templates[m][o][k];
                    again = diff < 4;
                }
            } while (again);
        }
}

static void make_sample(rng_t *r, int m, int c, uint8_t *out) {
    double s = 0.25 + 0.75 * rng_uniform(r);
    int dx = rng_below(r, 2 * MAX_SHIFT + 1) - MAX_SHIFT, dy = rng_below(r, 2 * MAX_SHIFT + 1) - MAX_SHIFT;
    for (int i = 0; i < SIDE; i++)
        for (int j = 0; j < SIDE; j++) {
            int ti = i - dy, tj = j - dx;
            double t =
                (ti >= 0 && ti < SIDE && tj >= 0 && tj < SIDE) ? templates[m][c][(ti / CELL) * GRID + tj / CELL] : 0.0;
            double v = 128.0 + s * modality[m].amp * t + modality[m].sigma * rng_normal(r);
            v = v < 0.0 ? 0.0 : v > 255.0 ? 255.0 : v;
            out[i * SIDE + j] = (uint8_t)lrint(v);
        }
}

static int make_split(dataset *d, int64_t n, rng_t *r) {
    d->n = n;
    d->y = malloc((size_t)n * sizeof *d->y);
    d->x[0] = malloc((size_t)n * NPIX);
    d->x[1] = malloc((size_t)n * NPIX);
    if (!d->y || !d->x[0] || !d->x[1]) return -1;
    for (int64_t i = 0; i < n; i++) {
        d->y[i] = rng_below(r, NCLASS);
        for (int m = 0; m < 2; m++) make_sample(r, m, (int)d->y[i], d->x[m] + i * NPIX);
    }
    return 0;
}

static void free_split(dataset *d) {
    free(d->y);
    free(d->x[0]);
    free(d->x[1]);
}

/* Mean and std of one modality's pixels, on the 0..1 scale the shim applies to uint8 input. */
static void pixel_stats(const dataset *d, int m, float *mean, float *std) {
    double s = 0, s2 = 0, count = (double)d->n * NPIX;
    for (int64_t i = 0; i < d->n * NPIX; i++) {
        double v = d->x[m][i] / 255.0;
        s += v;
        s2 += v * v;
    }
    *mean = (float)(s / count);
    *std = (float)sqrt(s2 / count - (s / count) * (s / count));
}

/* ---- helpers ------------------------------------------------------------------------------ */

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void fail(const char *call, mt_status s) {
    fprintf(stderr, "mt-demo: %s failed: %s: %s\n", call, mt_status_name(s), mt_last_error());
    exit(1);
}
#define CHECK(call)                       \
    do {                                  \
        mt_status s_ = (call);            \
        if (s_ != MT_OK) fail(#call, s_); \
    } while (0)

static void batch_of(mt_batch *b, int64_t n, const uint8_t *xa, const uint8_t *xb, const int64_t *y) {
    memset(b, 0, sizeof *b);
    b->n = n;
    for (int m = 0; m < 2; m++) {
        b->x[m].dtype = MT_DTYPE_U8;
        b->x[m].ndim = 4;
        b->x[m].shape[0] = n;
        b->x[m].shape[1] = 1;
        b->x[m].shape[2] = SIDE;
        b->x[m].shape[3] = SIDE;
    }
    b->x[0].data = xa;
    b->x[1].data = xb;
    b->labels = y;
}

static void usage(FILE *f) {
    fprintf(f,
            "usage: mt-demo [--epochs N] [--threads N] [--seed N]\n"
            "Trains two ResNet-10 encoders (width 16) with concat fusion on a synthetic\n"
            "two-modality task (%d train / %d val samples, %d classes, 1x28x28; modality B is\n"
            "the noisier one) and prints one line per epoch.\n"
            "  --epochs N   epochs to train (default 5)\n"
            "  --threads N  LibTorch intra-op threads (default 0: LibTorch's choice)\n"
            "  --seed N     seed of the data and the weights (default 0)\n",
            NTRAIN, NVAL, NCLASS);
}

static long long parse_int(const char *flag, const char *s, long long lo, long long hi) {
    char *end;
    errno = 0;
    long long v = s ? strtoll(s, &end, 10) : 0;
    if (!s || errno || end == s || *end || v < lo || v > hi) {
        fprintf(stderr, "mt-demo: %s expects an integer in %lld..%lld, got '%s'\n", flag, lo, hi, s ? s : "(nothing)");
        exit(2);
    }
    return v;
}

/* ---- main --------------------------------------------------------------------------------- */

typedef struct {
    int epochs, threads;
    uint64_t seed;
} options;

/* The options; exits 0 after --help and 2 on a usage error. */
static options parse_args(int argc, char **argv) {
    options o = {5, 0, 0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            exit(0);
        } else if (!strcmp(a, "--epochs")) {
            o.epochs = (int)parse_int(a, i + 1 < argc ? argv[++i] : NULL, 1, 100000);
        } else if (!strcmp(a, "--threads")) {
            o.threads = (int)parse_int(a, i + 1 < argc ? argv[++i] : NULL, 0, 1024);
        } else if (!strcmp(a, "--seed")) {
            o.seed = (uint64_t)parse_int(a, i + 1 < argc ? argv[++i] : NULL, 0, INT64_MAX);
        } else {
            fprintf(stderr, "mt-demo: unknown argument '%s'\n", a);
            usage(stderr);
            exit(2);
        }
    }
    return o;
}

/* Two ResNet-10 encoders normalised with the train split's pixel statistics, concat fusion. */
static mt_model *build_model(const dataset *train, const options *o) {
    mt_model_spec spec;
    mt_spec_init(&spec);
    for (int m = 0; m < 2; m++) {
        mt_encoder_spec *e = &spec.enc[m];
        e->preset = "resnet10";
        e->base_width = 16;
        e->stem = MT_STEM_SMALL;
        e->in_channels = 1;
        e->height = SIDE;
        e->width = SIDE;
        pixel_stats(train, m, &e->mean[0], &e->std[0]);
    }
    spec.fusion = MT_FUSION_CONCAT;
    spec.num_classes = NCLASS;
    spec.optim.kind = MT_OPTIM_ADAM;
    spec.optim.lr = 1e-3;
    spec.seed = o->seed;
    spec.threads = o->threads;
    mt_model *model = NULL;
    CHECK(mt_model_create(&spec, &model));
    return model;
}

static void print_header(const mt_model *model, const options *o) {
    int64_t params[MT_NUM_GROUPS], total;
    for (int g = 0; g < MT_NUM_GROUPS; g++) CHECK(mt_param_count(model, g, &params[g]));
    CHECK(mt_param_count(model, MT_GROUP_ALL, &total));
    printf("mt-demo: libtorch %s, device %s, threads %d, seed %llu\n", mt_torch_version(), mt_model_device(model),
           o->threads, (unsigned long long)o->seed);
    printf("mt-demo: 2 x resnet10 (width 16, small stem), concat fusion, aux heads, adam lr 1e-3; "
           "%lld parameters (A %lld, B %lld, fusion+heads %lld)\n",
           (long long)total, (long long)params[MT_GROUP_A], (long long)params[MT_GROUP_B],
           (long long)params[MT_GROUP_FUSION]);
    printf("mt-demo: synthetic task: %d train / %d val, %d classes, 1x28x28 uint8, noise std A %.0f "
           "B %.0f; batch %d, %d epochs\n",
           NTRAIN, NVAL, NCLASS, modality[0].sigma, modality[1].sigma, BATCH, o->epochs);
    fflush(stdout);
}

/* The training pass's order and batch buffers, reused every epoch. */
typedef struct {
    int64_t order[NTRAIN];
    uint8_t x[2][BATCH * NPIX];
    int64_t y[BATCH];
} train_buffers;

/* One pass over the train split in a new random order (Fisher-Yates); returns the fused head's
 * summed loss and adds each head's correct count. */
static double train_epoch(mt_model *model, const dataset *train, rng_t *r, train_buffers *tb,
                          int64_t correct[MT_NUM_HEADS]) {
    double loss = 0;
    for (int64_t i = NTRAIN - 1; i > 0; i--) {
        int64_t j = (int64_t)(rng_uniform(r) * (double)(i + 1)), t = tb->order[i];
        tb->order[i] = tb->order[j];
        tb->order[j] = t;
    }
    for (int64_t start = 0; start < NTRAIN; start += BATCH) {
        int64_t n = NTRAIN - start < BATCH ? NTRAIN - start : BATCH;
        for (int64_t k = 0; k < n; k++) {
            int64_t src = tb->order[start + k];
            for (int m = 0; m < 2; m++) memcpy(tb->x[m] + k * NPIX, train->x[m] + src * NPIX, NPIX);
            tb->y[k] = train->y[src];
        }
        mt_batch b;
        mt_step_result res;
        batch_of(&b, n, tb->x[0], tb->x[1], tb->y);
        CHECK(mt_train_step(model, &b, NULL, &res));
        CHECK(mt_optimizer_step(model));
        loss += res.loss[MT_HEAD_FUSED] * (double)n;
        for (int h = 0; h < MT_NUM_HEADS; h++) correct[h] += res.correct[h];
    }
    return loss;
}

/* Each head's correct count on the validation split, added to correct. */
static void eval_epoch(mt_model *model, const dataset *val, int64_t correct[MT_NUM_HEADS]) {
    for (int64_t start = 0; start < NVAL; start += BATCH) {
        int64_t n = NVAL - start < BATCH ? NVAL - start : BATCH;
        mt_batch b;
        mt_step_result res;
        batch_of(&b, n, val->x[0] + start * NPIX, val->x[1] + start * NPIX, val->y + start);
        CHECK(mt_eval_batch(model, &b, &res, NULL));
        for (int h = 0; h < MT_NUM_HEADS; h++) correct[h] += res.correct[h];
    }
}

int main(int argc, char **argv) {
    options o = parse_args(argc, argv);
    rng_t r = {o.seed ^ 0x6d696c6573ull}; /* "miles" */
    make_templates(&r);
    dataset train, val;
    train_buffers *tb = malloc(sizeof *tb);
    if (!tb || make_split(&train, NTRAIN, &r) || make_split(&val, NVAL, &r)) {
        fprintf(stderr, "mt-demo: out of memory\n");
        return 1;
    }
    mt_model *model = build_model(&train, &o);
    print_header(model, &o);
    for (int64_t i = 0; i < NTRAIN; i++) tb->order[i] = i;
    for (int epoch = 1; epoch <= o.epochs; epoch++) {
        double t0 = now();
        int64_t train_correct[MT_NUM_HEADS] = {0}, val_correct[MT_NUM_HEADS] = {0};
        double train_loss = train_epoch(model, &train, &r, tb, train_correct);
        eval_epoch(model, &val, val_correct);
        printf("epoch %d/%d train_loss %.4f train_acc %.3f/%.3f/%.3f val_acc %.3f/%.3f/%.3f time %.1f s\n", epoch,
               o.epochs, train_loss / NTRAIN, (double)train_correct[0] / NTRAIN, (double)train_correct[1] / NTRAIN,
               (double)train_correct[2] / NTRAIN, (double)val_correct[0] / NVAL, (double)val_correct[1] / NVAL,
               (double)val_correct[2] / NVAL, now() - t0);
        fflush(stdout);
    }
    mt_model_free(model);
    free(tb);
    free_split(&train);
    free_split(&val);
    return 0;
}
