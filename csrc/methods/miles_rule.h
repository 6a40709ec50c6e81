/* miles_rule.h - MILES's per-epoch learning-rate decision (Algorithm 1), as a pure function.
 *
 * u_A = (M_AB - M_B) / M_AB, u_B = (M_AB - M_A) / M_AB, delta = |u_A - u_B| (paper Eq. 4-5).
 * After an epoch's evaluation the rule picks the learning rates of the two encoders for the next
 * epoch. Reductions set mu * alpha (they never compound). Algorithm 1 does not say whether the
 * modality that is not reduced goes back to alpha. With the "reset" reading (default: it fits
 * the paper's "only one modality's learning rate is adjusted per epoch", its Figure 2, and the
 * public re-implementation) it does; the "literal" reading leaves it where it was, so a
 * modality reduced once stays reduced after dominance flips. M_AB == 0 (or any non-finite metric) leaves u undefined: no
 * action, both at alpha. No LibTorch here: unit-tested on hand-computed cases.
 */
#ifndef MILES_RULE_H
#define MILES_RULE_H

typedef enum {
    MILES_UNDEFINED = 0,   /* M_AB == 0 or a metric not finite: no action */
    MILES_BALANCED,        /* delta <= tau: no action */
    MILES_BOTH_NEGATIVE,   /* u_A < 0 and u_B < 0: no action */
    MILES_A_ONLY_POSITIVE, /* u_A > 0, u_B < 0: reduce A */
    MILES_B_ONLY_POSITIVE, /* u_A < 0, u_B > 0: reduce B */
    MILES_B_LARGER,        /* u_A < u_B: reduce B */
    MILES_A_LARGER         /* otherwise: reduce A */
} miles_branch;

typedef struct {
    double u_a, u_b, delta; /* NaN when undefined */
    miles_branch branch;
    double lr_a, lr_b; /* learning rates for the next epoch */
} miles_decision;

/* Utilization rates only (NaN when M_AB is 0 or a metric is not finite). */
void miles_utilization(double m_ab, double m_a, double m_b, double *u_a, double *u_b, double *delta);

miles_decision miles_decide(double m_ab, double m_a, double m_b, double tau, double mu, double alpha, double cur_lr_a,
                            double cur_lr_b, int literal);

const char *miles_branch_name(miles_branch b);

#endif
