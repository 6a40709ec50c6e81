/* bench_bert.c - training throughput of a BERT text encoder in the shim (mt.h), the C half of
 * `bench.sh bert`.
 *
 * The network: encoder A a BERT preset (bert-tiny or bert-base, dropout 0.1, pooler feature) on
 * token ids [n, L] with every position attended, encoder B a negligible ResNet-6 at width 4 on
 * 1x4x4 float input, concat fusion, auxiliary heads, 10 classes, Adam with one group per encoder
 * and one for fusion and heads. A few random host batches are made once; after warm-up steps
 * each timed step is mt_train_step + mt_optimizer_step. Prints
 *     shim=<samples/s> mean=<samples/s> threads=<n> steps=<n> batch=<n> seq=<n> seconds=<s>
 * with shim = batch / median step time. tools/bench_bert.py is the same network and step in
 * Python PyTorch; keep CONFIGS in step. Environment: BENCH_THREADS (default nproc),
 * BENCH_STEPS_SCALE (default 1), BENCH_WARMUP (default 3).
 */
#define _GNU_SOURCE
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
#define NUM_BATCHES 2
#define SEQ         128

typedef struct {
    const char *name, *preset;
    int batch, steps; /* timed steps at BENCH_STEPS_SCALE=1 */
} bert_config;

static const bert_config CONFIGS[] = {
    {"bert_tiny_128", "bert-tiny", 32, 20},
    {"bert_base_128", "bert-base", 8, 4},
};
#define NUM_CONFIGS ((int)(sizeof CONFIGS / sizeof CONFIGS[0]))

static int fail(const char *what) {
    fprintf(stderr, "bench-bert: %s: %s\n", what, mt_last_error());
    return 1;
}

static long thread_count(void) {
    long threads = env_long("BENCH_THREADS", 0);
    if (threads > 0) return threads;
    cpu_set_t set;
    threads = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : sysconf(_SC_NPROCESSORS_ONLN);
    return threads < 1 ? 1 : threads;
}

static mt_status create(const bert_config *cfg, int threads, mt_model **m) {
    mt_model_spec spec;
    mt_spec_init(&spec);
    spec.enc[0].preset = cfg->preset;
    spec.enc[1].preset = "resnet6";
    spec.enc[1].base_width = 4;
    spec.enc[1].stem = MT_STEM_SMALL;
    spec.enc[1].in_channels = 1;
    spec.enc[1].height = spec.enc[1].width = 4;
    spec.fusion = MT_FUSION_CONCAT;
    spec.num_classes = NUM_CLASSES;
    spec.optim.kind = MT_OPTIM_ADAM;
    spec.optim.lr = 1e-4;
    spec.device = MT_DEVICE_CPU;
    spec.threads = threads;
    return mt_model_create(&spec, m);
}

/* Random ids in [1000, 30000) with [CLS] (101) first and [SEP] (102) last, B ~ U(-1, 1). */
static void make_batches(const bert_config *cfg, int64_t *ids, float *xb, int64_t *labels, mt_batch *b) {
    uint64_t s = 0x9E3779B97F4A7C15ull;
    const int64_t n = cfg->batch;
    for (int64_t i = 0; i < NUM_BATCHES * n; i++) {
        for (int j = 0; j < SEQ; j++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            ids[i * SEQ + j] = j == 0 ? 101 : j == SEQ - 1 ? 102 : 1000 + (int64_t)((s >> 33) % 29000);
        }
        for (int j = 0; j < 16; j++) xb[i * 16 + j] = (float)((int)((s >> (j + 8)) & 255) - 128) / 128.0f;
        labels[i] = (int64_t)((s >> 40) % NUM_CLASSES);
    }
    for (int k = 0; k < NUM_BATCHES; k++) {
        memset(&b[k], 0, sizeof b[k]);
        b[k].n = n;
        b[k].x[0] = (mt_input){MT_DTYPE_I64, 2, {n, SEQ, 0, 0, 0}, ids + k * n * SEQ};
        b[k].x[1] = (mt_input){MT_DTYPE_F32, 4, {n, 1, 4, 4, 0}, xb + k * n * 16};
        b[k].labels = labels + k * n;
    }
}

/* Median seconds of `steps` timed steps after `warmup`; total time into *total. -1 on failure. */
static double time_steps(mt_model *m, const mt_batch *b, long warmup, long steps, double *total) {
    double *t = malloc(sizeof(double) * (size_t)steps);
    if (!t) return -1;
    for (long i = 0; i < warmup; i++)
        if (mt_train_step(m, &b[i % NUM_BATCHES], NULL, NULL) || mt_optimizer_step(m)) return free(t), -1;
    double t0 = now_s();
    for (long i = 0; i < steps; i++) {
        double ts = now_s();
        if (mt_train_step(m, &b[i % NUM_BATCHES], NULL, NULL) || mt_optimizer_step(m)) return free(t), -1;
        t[i] = now_s() - ts;
    }
    *total = now_s() - t0;
    qsort(t, (size_t)steps, sizeof *t, cmp_double);
    double med = steps % 2 ? t[steps / 2] : 0.5 * (t[steps / 2 - 1] + t[steps / 2]);
    free(t);
    return med;
}

int main(int argc, char **argv) {
    const bert_config *cfg = NULL;
    for (int i = 0; argc == 2 && i < NUM_CONFIGS; i++)
        if (!strcmp(argv[1], CONFIGS[i].name)) cfg = &CONFIGS[i];
    if (!cfg) {
        fprintf(stderr, "usage: bench-bert {bert_tiny_128|bert_base_128}\n");
        return 2;
    }
    const char *scale_s = getenv("BENCH_STEPS_SCALE");
    double scale = scale_s && *scale_s ? atof(scale_s) : 1.0;
    long steps = lround(cfg->steps * (scale > 0 ? scale : 1.0)), warmup = env_long("BENCH_WARMUP", 3);
    if (steps < 1) steps = 1;
    int threads = (int)thread_count();
    mt_model *m = NULL;
    if (create(cfg, threads, &m)) return fail("mt_model_create");
    const int64_t n = cfg->batch;
    int64_t *ids = malloc(sizeof(int64_t) * (size_t)(NUM_BATCHES * n * SEQ));
    float *xb = malloc(sizeof(float) * (size_t)(NUM_BATCHES * n * 16));
    int64_t *labels = malloc(sizeof(int64_t) * (size_t)(NUM_BATCHES * n));
    if (!ids || !xb || !labels) return fprintf(stderr, "bench-bert: out of memory\n"), 1;
    mt_batch b[NUM_BATCHES];
    make_batches(cfg, ids, xb, labels, b);
    double total = 0, med = time_steps(m, b, warmup, steps, &total);
    if (med < 0) return fail("training step");
    printf("shim=%.3f mean=%.3f threads=%d steps=%ld batch=%lld seq=%d seconds=%.3f torch=%s\n", (double)n / med,
           (double)(steps * n) / total, threads, steps, (long long)n, SEQ, total, mt_torch_version());
    mt_model_free(m);
    free(ids);
    free(xb);
    free(labels);
    return 0;
}
