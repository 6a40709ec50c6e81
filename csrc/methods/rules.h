/* rules.h - the decision math of the baselines, as pure functions of numbers.
 *
 * No LibTorch and no I/O here, so each rule is unit-tested on hand-computed values
 * (tests/test_rules.c). The formulas are the papers': OGM/OGM-GE (Peng et al., CVPR 2022,
 * Eq. 8-10), G-Blend (Wang et al., CVPR 2020, Alg. 1), MSLR (Yao and Mihalcea, Findings of
 * ACL 2022, Sec. 3), MSES (Fujimori et al., ACPR 2019); edge cases are stated per function.
 */
#ifndef MILES_RULES_H
#define MILES_RULES_H

/* OGM / OGM-GE (Peng et al., Eq. 10). score_a, score_b: batch sums of the true-class softmax
 * probability of each modality's unimodal logits. rho_b = score_b / score_a, rho_a = 1 / rho_b;
 * the dominant modality u (rho_u > 1) gets k_u = 1 - tanh(alpha * rho_u), the other 1. At
 * rho exactly 1 the paper modulates nothing; reference_tie = 1 damps A by 1 - tanh(alpha) as
 * the OGM-GE code's else-branch does. Non-positive or non-finite scores give k = 1, 1. */
void ogm_coefficients(double score_a, double score_b, double alpha, int reference_tie, double *k_a, double *k_b);

/* MSLR-D (Yao & Mihalcea, Eq. 2): the factor on a modality's initial LR for the next epoch,
 * r = current / mean(last min(window, n_hist) values of history) (history oldest first). No
 * history, or a zero mean, gives 1. clip > 0 bounds r to [1/clip, clip] (not in the paper). */
double mslr_dynamic_ratio(const double *history, int n_hist, double current, int window, double clip);

/* MSLR-S: LR_m = sqrt(keep_m * x), x = global LR, or (keep_mean) the geometric mean of the
 * keep LRs (an empirical fit to the MSLR paper's table, which does not state the rule). */
void mslr_smooth_lrs(double keep_a, double keep_b, double global, int keep_mean, double *lr_a, double *lr_b);

/* G-Blend (Wang et al., Alg. 1): from each head's held-out loss (V) and training loss (T)
 * before and after n epochs, dG = V_before - V_after, O = V - T, dO = O_after - O_before, and
 * w_i proportional to g_i / max(|dO_i|, eps)^2, where g_i = dG_i, or for dG_i < 0 |dG_i|
 * (negative_zero 0, as the public implementations) or 0 (negative_zero 1). The weights sum
 * to 1; if every weight is 0 or one is not finite they are uniform. Heads: fused, A, B. */
void gblend_gains(const double v_before[3], const double t_before[3], const double v_after[3], const double t_after[3],
                  double dG[3], double dO[3]);
void gblend_weights(const double dG[3], const double dO[3], int negative_zero, double eps, double w[3]);

/* MSES: one modality's early stopping on its head's validation metric. */
typedef struct {
    double best; /* best metric so far (-inf at start) */
    int bad;     /* epochs since the last improvement */
    int stopped;
} mses_state;

typedef enum { MSES_KEEP = 0, MSES_IMPROVED = 1, MSES_STOP = 2 } mses_action;

void mses_init(mses_state *s);
/* Called after each validation with the modality's head metric and the number of epochs done.
 * IMPROVED: take a snapshot. STOP: restore the snapshot and freeze (once). A stopped modality
 * only ever gets KEEP. */
mses_action mses_update(mses_state *s, double metric, int epochs_done, int patience, double min_delta, int min_epochs);

#endif
