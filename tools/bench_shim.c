/* bench_shim.c - training throughput of the LibTorch shim (mt.h), the C half of `bench.sh shim`.
 *
 * Builds the two-encoder joint-fusion network of one named configuration, makes a few random
 * host batches once (modality A uint8, B float32, int64 labels), runs warm-up steps and then
 * times a fixed number of training steps, each mt_train_step (forward, three losses, backward,
 * per-head results back to the host) + mt_optimizer_step, with CLOCK_MONOTONIC. Prints
 * shim = batch / median step time, mean = timed samples / total time of the timed steps:
 *
 *     shim=<samples/s> mean=<samples/s> threads=<n> omp_threads=<n> live_threads=<n> steps=<n> batch=<n> seconds=<s>
 *     cpu_seconds=<process CPU time of the timed steps> torch=<version>
 *
 * tools/bench_shim.py is the same network and step in Python PyTorch; keep CONFIGS in step.
 * Environment: BENCH_THREADS (default: as nproc), BENCH_STEPS_SCALE (default 1),
 * BENCH_WARMUP (default 5).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <math.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_common.h"
#include "mt.h"

#define NUM_CLASSES 10
#define NUM_BATCHES 4 /* pre-made batches cycled over */
/* normalisation, as in bench_shim.py: A uint8 scaled by 1/255, B float32 scaled by 1 */
#define MEAN_A 0.5f
#define STD_A  0.25f
#define MEAN_B 0.1f
#define STD_B  0.9f

typedef struct {
    const char *name;
    const char *preset;
    int base_width;
    mt_stem stem;
    int channels[2];
    int height, width;
    int batch;
    int steps; /* timed steps at BENCH_STEPS_SCALE=1 */
} bench_config;

static const bench_config CONFIGS[] = {
    {"resnet10_w16_28", "resnet10", 16, MT_STEM_SMALL, {1, 1}, 28, 28, 64, 30},
    {"resnet18_64", "resnet18", 64, MT_STEM_IMAGENET, {3, 1}, 64, 64, 32, 10},
};
#define NUM_CONFIGS ((int)(sizeof CONFIGS / sizeof CONFIGS[0]))

static double cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rng_next(void) { /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}
static double rng_uniform(void) { return (double)(rng_next() >> 11) * (1.0 / 9007199254740992.0); }
static float rng_normal(void) {
    double u = rng_uniform(), v = rng_uniform();
    if (u < 1e-300) u = 1e-300;
    return (float)(sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v));
}

static int live_threads(void) {
    DIR *d = opendir("/proc/self/task");
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

/* omp_get_max_threads of the OpenMP runtime LibTorch loaded, -1 if there is none. */
static int omp_max_threads(void) {
    int (*fn)(void) = NULL;
    void *sym = dlsym(RTLD_DEFAULT, "omp_get_max_threads");
    memcpy(&fn, &sym, sizeof fn);
    return fn ? fn() : -1;
}

static int fail(const char *what, mt_status st) {
    fprintf(stderr, "bench-shim: %s: %s: %s\n", what, mt_status_name(st), mt_last_error());
    return 1;
}

/* The configuration named on the command line; NULL (usage printed) when there is none. */
static const bench_config *find_config(int argc, char **argv) {
    for (int i = 0; argc == 2 && i < NUM_CONFIGS; i++)
        if (strcmp(argv[1], CONFIGS[i].name) == 0) return &CONFIGS[i];
    fprintf(stderr, "usage: bench-shim {");
    for (int i = 0; i < NUM_CONFIGS; i++) fprintf(stderr, "%s%s", i ? "|" : "", CONFIGS[i].name);
    fprintf(stderr, "}\n");
    return NULL;
}

/* BENCH_THREADS, or as nproc: the CPUs this process may run on. */
static long bench_threads(void) {
    long threads = env_long("BENCH_THREADS", 0);
    if (threads == 0) {
        cpu_set_t set;
        threads = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : sysconf(_SC_NPROCESSORS_ONLN);
        if (threads < 1) threads = 1;
    }
    return threads;
}

/* The configuration's timed steps scaled by BENCH_STEPS_SCALE, at least 1. */
static long bench_steps(const bench_config *cfg) {
    const char *scale_s = getenv("BENCH_STEPS_SCALE");
    double scale = (scale_s && *scale_s) ? atof(scale_s) : 1.0;
    if (!(scale > 0)) scale = 1.0;
    long steps = lround(cfg->steps * scale);
    return steps < 1 ? 1 : steps;
}

/* The network of CFG, as bench_shim.py builds it; BENCH_DEVICE cpu (default) or cuda,
 * BENCH_PRECISION fp32 (default), bf16 or fp16. */
static void make_spec(const bench_config *cfg, long threads, mt_model_spec *spec) {
    mt_spec_init(spec);
    for (int e = 0; e < 2; e++) {
        mt_encoder_spec *enc = &spec->enc[e];
        enc->preset = cfg->preset;
        enc->base_width = cfg->base_width;
        enc->stem = cfg->stem;
        enc->in_channels = cfg->channels[e];
        enc->height = cfg->height;
        enc->width = cfg->width;
        enc->scale = e == 0 ? 1.0f / 255.0f : 1.0f;
        for (int c = 0; c < cfg->channels[e]; c++) {
            enc->mean[c] = e == 0 ? MEAN_A : MEAN_B;
            enc->std[c] = e == 0 ? STD_A : STD_B;
        }
    }
    spec->fusion = MT_FUSION_CONCAT;
    spec->num_classes = NUM_CLASSES;
    spec->aux_heads = 1;
    spec->optim.kind = MT_OPTIM_ADAM;
    spec->optim.lr = 1e-3;
    const char *dev = getenv("BENCH_DEVICE"), *prec = getenv("BENCH_PRECISION");
    spec->device = dev && strcmp(dev, "cuda") == 0 ? MT_DEVICE_CUDA : MT_DEVICE_CPU;
    spec->amp.precision = !prec                       ? MT_PRECISION_FP32
                          : strcmp(prec, "bf16") == 0 ? MT_PRECISION_BF16
                          : strcmp(prec, "fp16") == 0 ? MT_PRECISION_FP16
                                                      : MT_PRECISION_FP32;
    spec->seed = 0;
    spec->threads = (int)threads;
}

/* NUM_BATCHES random host batches of CFG, made once, and the arrays behind them. */
typedef struct {
    uint8_t *xa;
    float *xb;
    int64_t *labels;
    mt_batch b[NUM_BATCHES];
} host_batches;

static void free_batches(host_batches *h) {
    free(h->xa);
    free(h->xb);
    free(h->labels);
}

/* 0, or 1 (message printed) when out of memory. */
static int make_batches(const bench_config *cfg, host_batches *h) {
    const int64_t n = cfg->batch;
    const int64_t per_a = (int64_t)cfg->channels[0] * cfg->height * cfg->width;
    const int64_t per_b = (int64_t)cfg->channels[1] * cfg->height * cfg->width;
    memset(h, 0, sizeof *h);
    h->xa = malloc((size_t)(NUM_BATCHES * n * per_a));
    h->xb = malloc(sizeof(float) * (size_t)(NUM_BATCHES * n * per_b));
    h->labels = malloc(sizeof(int64_t) * (size_t)(NUM_BATCHES * n));
    if (!h->xa || !h->xb || !h->labels) {
        fprintf(stderr, "bench-shim: out of memory\n");
        free_batches(h);
        return 1;
    }
    for (int64_t i = 0; i < NUM_BATCHES * n * per_a; i++) h->xa[i] = (uint8_t)(rng_next() >> 56);
    for (int64_t i = 0; i < NUM_BATCHES * n * per_b; i++) h->xb[i] = rng_normal();
    for (int64_t i = 0; i < NUM_BATCHES * n; i++) h->labels[i] = (int64_t)(rng_next() % NUM_CLASSES);
    for (int k = 0; k < NUM_BATCHES; k++) {
        mt_batch *b = &h->b[k];
        b->n = n;
        b->x[0] = (mt_input){MT_DTYPE_U8, 4, {n, cfg->channels[0], cfg->height, cfg->width, 0}, h->xa + k * n * per_a};
        b->x[1] = (mt_input){MT_DTYPE_F32, 4, {n, cfg->channels[1], cfg->height, cfg->width, 0}, h->xb + k * n * per_b};
        b->labels = h->labels + k * n;
    }
    return 0;
}

/* What the timed steps measured. */
typedef struct {
    double median_s; /* median step time */
    double wall_s;   /* total wall time of the timed steps */
    double cpu_s;    /* process CPU time of the timed steps */
} step_times;

/* WARMUP untimed then STEPS timed training steps. Each timed step is timed on its own: the
 * reported throughput is batch / median step time, which a burst of other load on a shared
 * machine moves less than the total does. 0, or 1 (message printed). */
static int time_steps(mt_model *m, const host_batches *h, long warmup, long steps, step_times *out) {
    double *step_s = malloc(sizeof(double) * (size_t)steps);
    if (!step_s) {
        fprintf(stderr, "bench-shim: out of memory\n");
        return 1;
    }
    mt_step_result res;
    mt_status st;
    double t0 = 0, c0 = 0;
    for (long i = 0; i < warmup + steps; i++) {
        if (i == warmup) {
            t0 = now_s();
            c0 = cpu_s();
        }
        double ts = now_s();
        const char *what = NULL;
        if ((st = mt_train_step(m, &h->b[i % NUM_BATCHES], NULL, &res)) != MT_OK) what = "mt_train_step";
        else if ((st = mt_optimizer_step(m)) != MT_OK) what = "mt_optimizer_step";
        if (what) {
            free(step_s);
            return fail(what, st);
        }
        if (i >= warmup) step_s[i - warmup] = now_s() - ts;
    }
    out->wall_s = now_s() - t0;
    out->cpu_s = cpu_s() - c0;
    qsort(step_s, (size_t)steps, sizeof *step_s, cmp_double);
    out->median_s = steps % 2 ? step_s[steps / 2] : 0.5 * (step_s[steps / 2 - 1] + step_s[steps / 2]);
    free(step_s);
    if (!isnan(res.total_loss)) return 0;
    fprintf(stderr, "bench-shim: loss is NaN\n");
    return 1;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--blas") == 0) { /* which BLAS LibTorch calls, for bench.sh */
        printf("%s\n", mt_blas_info(NULL));
        return 0;
    }
    const bench_config *cfg = find_config(argc, argv);
    if (!cfg) return 2;
    long threads = bench_threads(), warmup = env_long("BENCH_WARMUP", 5), steps = bench_steps(cfg);
    mt_model_spec spec;
    make_spec(cfg, threads, &spec);
    mt_model *m = NULL;
    mt_status st = mt_model_create(&spec, &m);
    if (st != MT_OK) return fail("mt_model_create", st);
    host_batches h;
    step_times t = {0, 0, 0};
    int rc = make_batches(cfg, &h);
    if (!rc) {
        rc = time_steps(m, &h, warmup, steps, &t);
        if (!rc)
            printf("shim=%.3f mean=%.3f threads=%ld omp_threads=%d live_threads=%d steps=%ld batch=%d "
                   "seconds=%.3f cpu_seconds=%.3f torch=%s device=%s\n",
                   cfg->batch / t.median_s, (double)steps * cfg->batch / t.wall_s, threads, omp_max_threads(),
                   live_threads(), steps, cfg->batch, t.wall_s, t.cpu_s, mt_torch_version(), mt_model_device(m));
        free_batches(&h);
    }
    mt_model_free(m);
    return rc;
}
