/* test_rules.c - the baselines' decision math (csrc/methods/rules.c) on hand-computed values:
 * OGM coefficients (including rho = 1 in both readings), MSLR-D ratios over the first epochs,
 * MSLR-S LRs against the MSLR paper's MM-IMDb row, G-Blend gains and weights (negative gain,
 * near-zero dO, all-zero fallback), and an MSES patience/stop sequence.
 */
#include <math.h>
#include <stdio.h>

#include "check.h"
#include "methods/rules.h"

static void test_ogm(void) {
    double ka, kb;
    /* rho_b = 20/10 = 2 > 1: B dominant, k_b = 1 - tanh(0.5 * 2) = 1 - 0.76159415595576489 */
    ogm_coefficients(10, 20, 0.5, 0, &ka, &kb);
    CHECK_NEARF(ka, 1.0, 0, "k_a, B dominant");
    CHECK_NEARF(kb, 0.23840584404423511, 1e-15, "k_b, B dominant");
    /* rho_a = 30/10 = 3: k_a = 1 - tanh(1.5) = 1 - 0.90514825364486640 */
    ogm_coefficients(30, 10, 0.5, 0, &ka, &kb);
    CHECK_NEARF(ka, 0.094851746355133600, 1e-15, "k_a, A dominant");
    CHECK_NEARF(kb, 1.0, 0, "k_b, A dominant");
    /* rho = 1 exactly: the paper modulates nothing; the reference damps A by 1 - tanh(alpha) */
    ogm_coefficients(10, 10, 0.5, 0, &ka, &kb);
    CHECK_NEARF(ka, 1.0, 0, "k_a, rho 1 paper");
    CHECK_NEARF(kb, 1.0, 0, "k_b, rho 1 paper");
    ogm_coefficients(10, 10, 0.5, 1, &ka, &kb);
    CHECK_NEARF(ka, 0.53788284273999026, 1e-15, "k_a, rho 1 reference");
    CHECK_NEARF(kb, 1.0, 0, "k_b, rho 1 reference");
    /* alpha 0: no modulation even when one modality dominates */
    ogm_coefficients(10, 40, 0.0, 0, &ka, &kb);
    CHECK_NEARF(kb, 1.0, 0, "k_b, alpha 0");
    /* a zero score gives no modulation, not a division by zero */
    ogm_coefficients(0, 10, 0.5, 1, &ka, &kb);
    CHECK_NEARF(ka, 1.0, 0, "k_a, zero score");
    CHECK_NEARF(kb, 1.0, 0, "k_b, zero score");
}

static void test_mslr(void) {
    const double h[] = {0.1, 0.2, 0.4, 0.6};
    /* epoch 1: no history yet, the LR stays at its initial value */
    CHECK_NEARF(mslr_dynamic_ratio(h, 0, 0.5, 3, 0), 1.0, 0, "no history");
    /* epoch 2: one value, 0.5 / 0.1 */
    CHECK_NEARF(mslr_dynamic_ratio(h, 1, 0.5, 3, 0), 5.0, 1e-15, "one value");
    /* epoch 3: 0.6 / mean(0.1, 0.2) = 4 */
    CHECK_NEARF(mslr_dynamic_ratio(h, 2, 0.6, 3, 0), 4.0, 1e-15, "two values");
    /* full window: the last 3 of 4 values, mean(0.2, 0.4, 0.6) = 0.4; 0.5 / 0.4 = 1.25 */
    CHECK_NEARF(mslr_dynamic_ratio(h, 4, 0.5, 3, 0), 1.25, 1e-15, "window of 3");
    /* clip 1.5 bounds both ways */
    CHECK_NEARF(mslr_dynamic_ratio(h, 2, 0.6, 3, 1.5), 1.5, 0, "clip high");
    CHECK_NEARF(mslr_dynamic_ratio(h + 3, 1, 0.06, 3, 1.5), 1 / 1.5, 1e-15, "clip low");
    /* zero mean (F1 = 0 early on): ratio 1 */
    const double z[] = {0, 0};
    CHECK_NEARF(mslr_dynamic_ratio(z, 2, 0.3, 5, 0), 1.0, 0, "zero mean");
    /* MSLR-S against the MSLR paper's MM-IMDb row: keep 1e-2 / 1e-4, global 1e-3 -> 3e-3 / 3e-4 */
    double a, b;
    mslr_smooth_lrs(1e-2, 1e-4, 1e-3, 0, &a, &b);
    CHECK_NEARF(a, 3.1622776601683794e-3, 1e-17, "smooth a");
    CHECK_NEARF(b, 3.1622776601683794e-4, 1e-18, "smooth b");
    /* keep_mean: x = sqrt(4e-4 * 1e-2) = 2e-3; sqrt(4e-4 * 2e-3) = 8.944e-4, sqrt(1e-2 * 2e-3) = 4.472e-3 */
    mslr_smooth_lrs(4e-4, 1e-2, 1e-3, 1, &a, &b);
    CHECK_NEARF(a, 8.9442719099991588e-4, 1e-17, "smooth keep_mean a");
    CHECK_NEARF(b, 4.4721359549995794e-3, 1e-17, "smooth keep_mean b");
}

static void test_gblend(void) {
    double dG[3], dO[3], w[3];
    const double vb[3] = {2.0, 2.0, 2.0}, tb[3] = {1.9, 1.8, 2.0}, va[3] = {1.5, 1.8, 1.9}, ta[3] = {1.0, 1.5, 1.9};
    gblend_gains(vb, tb, va, ta, dG, dO);
    /* dG = V_before - V_after; O = V - T; dO = O_after - O_before */
    CHECK_NEARF(dG[0], 0.5, 1e-15, "dG fused");
    CHECK_NEARF(dG[1], 0.2, 1e-15, "dG a");
    CHECK_NEARF(dG[2], 0.1, 1e-15, "dG b");
    CHECK_NEARF(dO[0], 0.4, 1e-15, "dO fused");
    CHECK_NEARF(dO[1], 0.1, 1e-15, "dO a");
    CHECK_NEARF(dO[2], 0.0, 1e-15, "dO b");
    /* 0.5/0.25 = 2, 0.2/0.04 = 5, 0.1/1 = 0.1; sum 7.1 */
    const double g1[3] = {0.5, 0.2, 0.1}, o1[3] = {0.5, 0.2, 1.0};
    gblend_weights(g1, o1, 0, 1e-4, w);
    CHECK_NEARF(w[0], 2 / 7.1, 1e-15, "w fused");
    CHECK_NEARF(w[1], 5 / 7.1, 1e-15, "w a");
    CHECK_NEARF(w[2], 0.1 / 7.1, 1e-15, "w b");
    CHECK_NEARF(w[0] + w[1] + w[2], 1.0, 1e-15, "weights sum to 1");
    /* negative gain: |dG| (0.2/0.25 = 0.8) or zero */
    const double g2[3] = {-0.2, 0.2, 0.1};
    gblend_weights(g2, o1, 0, 1e-4, w);
    CHECK_NEARF(w[0], 0.8 / 5.9, 1e-15, "negative gain abs");
    gblend_weights(g2, o1, 1, 1e-4, w);
    CHECK_NEARF(w[0], 0.0, 0, "negative gain zero");
    CHECK_NEARF(w[1], 5 / 5.1, 1e-15, "negative gain zero, a");
    /* dO = 0 is clamped to eps: 0.1 / 1e-8 = 1e7 dominates */
    const double g3[3] = {0.1, 0.1, 0.1}, o3[3] = {0.0, 1.0, 1.0};
    gblend_weights(g3, o3, 0, 1e-4, w);
    CHECK_NEARF(w[0], 1e7 / (1e7 + 0.2), 1e-12, "dO clamped");
    /* every weight 0: uniform */
    const double g4[3] = {0, -1, 0};
    gblend_weights(g4, o1, 1, 1e-4, w);
    CHECK_NEARF(w[0], 1.0 / 3, 1e-15, "uniform fallback");
    CHECK_NEARF(w[2], 1.0 / 3, 1e-15, "uniform fallback b");
}

static void test_mses(void) {
    mses_state s;
    mses_init(&s);
    /* patience 2, min_delta 0.01 */
    const double m[] = {0.5, 0.6, 0.605, 0.59, 0.9};
    const mses_action want[] = {MSES_IMPROVED, MSES_IMPROVED, MSES_KEEP, MSES_STOP, MSES_KEEP};
    for (int e = 0; e < 5; e++) {
        mses_action a = mses_update(&s, m[e], e + 1, 2, 0.01, 0);
        CHECK_NEARF(a, want[e], 0, "mses sequence");
    }
    CHECK_NEARF(s.best, 0.6, 0, "mses best kept after stop");
    CHECK_NEARF(s.stopped, 1, 0, "mses stopped");
    /* min_epochs 5 delays the stop past the patience */
    mses_init(&s);
    const mses_action want2[] = {MSES_IMPROVED, MSES_KEEP, MSES_KEEP, MSES_KEEP, MSES_STOP};
    for (int e = 0; e < 5; e++)
        CHECK_NEARF(mses_update(&s, e == 0 ? 0.5 : 0.4, e + 1, 2, 0, 5), want2[e], 0, "mses min_epochs");
    /* NaN never counts as an improvement */
    mses_init(&s);
    CHECK_NEARF(mses_update(&s, NAN, 1, 1, 0, 0), MSES_STOP, 0, "mses NaN");
}

int main(void) {
    test_ogm();
    test_mslr();
    test_gblend();
    test_mses();
    return check_finish("test_rules");
}
