/* rules.c - the baselines' decision math; see rules.h. */
#include "methods/rules.h"

#include <math.h>

void ogm_coefficients(double score_a, double score_b, double alpha, int reference_tie, double *k_a, double *k_b) {
    *k_a = *k_b = 1.0;
    if (!(score_a > 0) || !(score_b > 0) || !isfinite(score_a) || !isfinite(score_b)) return;
    double rho_b = score_b / score_a, rho_a = score_a / score_b;
    if (rho_b > 1) *k_b = 1 - tanh(alpha * rho_b);
    else if (rho_a > 1 || reference_tie) *k_a = 1 - tanh(alpha * rho_a);
}

double mslr_dynamic_ratio(const double *history, int n_hist, double current, int window, double clip) {
    int k = n_hist < window ? n_hist : window;
    if (k <= 0 || !isfinite(current)) return 1.0;
    double sum = 0;
    for (int i = n_hist - k; i < n_hist; i++) sum += history[i];
    double mean = sum / k;
    if (mean == 0 || !isfinite(mean)) return 1.0;
    double r = current / mean;
    if (clip > 0) {
        if (r > clip) r = clip;
        if (r < 1 / clip) r = 1 / clip;
    }
    return r;
}

void mslr_smooth_lrs(double keep_a, double keep_b, double global, int keep_mean, double *lr_a, double *lr_b) {
    double x = keep_mean ? sqrt(keep_a * keep_b) : global;
    *lr_a = sqrt(keep_a * x);
    *lr_b = sqrt(keep_b * x);
}

void gblend_gains(const double v_before[3], const double t_before[3], const double v_after[3], const double t_after[3],
                  double dG[3], double dO[3]) {
    for (int i = 0; i < 3; i++) {
        dG[i] = v_before[i] - v_after[i];
        dO[i] = (v_after[i] - t_after[i]) - (v_before[i] - t_before[i]);
    }
}

void gblend_weights(const double dG[3], const double dO[3], int negative_zero, double eps, double w[3]) {
    double sum = 0;
    int ok = 1;
    for (int i = 0; i < 3; i++) {
        double g = dG[i] >= 0 ? dG[i] : (negative_zero ? 0.0 : -dG[i]);
        double o = fabs(dO[i]) > eps ? fabs(dO[i]) : eps;
        w[i] = g / (o * o);
        if (!isfinite(w[i])) ok = 0;
        sum += w[i];
    }
    for (int i = 0; i < 3; i++) w[i] = ok && sum > 0 ? w[i] / sum : 1.0 / 3.0;
}

void mses_init(mses_state *s) {
    s->best = -INFINITY;
    s->bad = 0;
    s->stopped = 0;
}

mses_action mses_update(mses_state *s, double metric, int epochs_done, int patience, double min_delta, int min_epochs) {
    if (s->stopped) return MSES_KEEP;
    if (metric > s->best + min_delta) {
        s->best = metric;
        s->bad = 0;
        return MSES_IMPROVED;
    }
    s->bad++;
    if (s->bad >= patience && epochs_done >= min_epochs) {
        s->stopped = 1;
        return MSES_STOP;
    }
    return MSES_KEEP;
}
