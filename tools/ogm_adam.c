/* ogm_adam.c - how much of OGM's gradient scaling survives the optimizer (Adam vs SGD).
 *
 * Two copies of one model take the same batches; in one, encoder A's gradients are multiplied
 * (every parameter, to isolate the optimizer from the choice of tensors) by k before every step (a constant k, then a k drawn per step in [k, 1] as OGM's varies). The
 * ratio of encoder A's total weight change between the copies is what the modulation achieved:
 * SGD passes k straight through; Adam divides by a running gradient scale and mostly undoes it.
 * usage: ogm-adam-check [steps]  (prints one line per optimizer and k)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mt.h"

static unsigned long long rng = 12345;
static double uniform(void) {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(rng >> 11) / 9007199254740992.0;
}

static float *params(const mt_model *m, int64_t *n) {
    mt_param_count(m, MT_GROUP_A, n);
    float *p = malloc(sizeof(float) * (size_t)*n);
    if (p) mt_group_read_params(m, MT_GROUP_A, p, *n);
    return p;
}

static double change(const float *a, const float *b, int64_t n) {
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    return sqrt(s);
}

static int run(mt_optim_kind kind, double k, int varying, int steps) {
    mt_model_spec s;
    mt_spec_init(&s);
    for (int e = 0; e < 2; e++) {
        s.enc[e].preset = "resnet10";
        s.enc[e].base_width = 8;
        s.enc[e].stem = MT_STEM_SMALL;
        s.enc[e].in_channels = 1;
        s.enc[e].height = s.enc[e].width = 16;
    }
    s.num_classes = 4;
    s.device = MT_DEVICE_CPU;
    s.threads = 1;
    s.optim.kind = kind;
    s.optim.lr = kind == MT_OPTIM_ADAM ? 1e-3 : 1e-2;
    s.optim.momentum = 0.9;
    mt_model *plain = NULL, *scaled = NULL;
    if (mt_model_create(&s, &plain) || mt_model_clone(plain, &scaled)) {
        fprintf(stderr, "ogm-adam-check: %s\n", mt_last_error());
        return 1;
    }
    int64_t n;
    float *p0 = params(plain, &n);
    enum { B = 32, D = 16 * 16 };
    static float xa[B * D], xb[B * D];
    static int64_t y[B];
    for (int step = 0; step < steps; step++) {
        for (int i = 0; i < B; i++) {
            y[i] = (int64_t)(uniform() * 4);
            for (int j = 0; j < D; j++) {
                xa[i * D + j] = (float)(uniform() - 0.5 + (j % 4 == y[i] ? 0.8 : 0));
                xb[i * D + j] = (float)(uniform() - 0.5 + (j / 16 % 4 == y[i] ? 0.4 : 0));
            }
        }
        mt_batch b = {
            .n = B, .x = {{MT_DTYPE_F32, 4, {B, 1, 16, 16}, xa}, {MT_DTYPE_F32, 4, {B, 1, 16, 16}, xb}}, .labels = y};
        double kk = varying ? k + (1 - k) * uniform() : k;
        if (mt_train_step(plain, &b, NULL, NULL) || mt_optimizer_step(plain) || mt_train_step(scaled, &b, NULL, NULL) ||
            mt_scale_grad(scaled, MT_GROUP_A, kk, 0, 1) || mt_optimizer_step(scaled)) {
            fprintf(stderr, "ogm-adam-check: %s\n", mt_last_error());
            return 1;
        }
    }
    float *p1 = params(plain, &n), *p2 = params(scaled, &n);
    double ratio = change(p2, p0, n) / change(p1, p0, n);
    printf("ogm-adam %s k=%s%.2f%s steps=%d update_ratio=%.3f (k passed through: %.3f)\n",
           kind == MT_OPTIM_ADAM ? "adam" : "sgd ", varying ? "U[" : "", k, varying ? ",1]" : "", steps, ratio,
           varying ? (1 + k) / 2 : k);
    free(p0), free(p1), free(p2);
    mt_model_free(plain);
    mt_model_free(scaled);
    return 0;
}

int main(int argc, char **argv) {
    int steps = argc > 1 ? atoi(argv[1]) : 50;
    int rc = 0;
    for (int opt = 0; opt < 2; opt++)
        for (int v = 0; v < 2; v++) rc |= run(opt ? MT_OPTIM_SGD : MT_OPTIM_ADAM, 0.3, v, steps);
    return rc;
}
