/* miles_rule.c - Algorithm 1 of the MILES paper; see miles_rule.h. */
#include "methods/miles_rule.h"

#include <math.h>

void miles_utilization(double m_ab, double m_a, double m_b, double *u_a, double *u_b, double *delta) {
    if (m_ab == 0 || !isfinite(m_ab) || !isfinite(m_a) || !isfinite(m_b)) {
        *u_a = *u_b = *delta = NAN;
        return;
    }
    *u_a = (m_ab - m_b) / m_ab;
    *u_b = (m_ab - m_a) / m_ab;
    /* Not clamped to [0,1] although the paper says so: with small M_AB it can exceed 1. */
    *delta = fabs(*u_a - *u_b);
}

miles_decision miles_decide(double m_ab, double m_a, double m_b, double tau, double mu, double alpha, double cur_lr_a,
                            double cur_lr_b, int literal) {
    miles_decision d;
    miles_utilization(m_ab, m_a, m_b, &d.u_a, &d.u_b, &d.delta);
    d.lr_a = d.lr_b = alpha;
    if (isnan(d.delta)) {
        d.branch = MILES_UNDEFINED;
        return d;
    }
    /* In the literal reading the modality Algorithm 1 does not name keeps its current LR. */
    double keep_a = literal ? cur_lr_a : alpha, keep_b = literal ? cur_lr_b : alpha;
    if (d.delta <= tau) {
        d.branch = MILES_BALANCED;
    } else if (d.u_a < 0 && d.u_b < 0) {
        d.branch = MILES_BOTH_NEGATIVE;
    } else if (d.u_a > 0 && d.u_b < 0) {
        d.branch = MILES_A_ONLY_POSITIVE;
        d.lr_a = mu * alpha;
        d.lr_b = keep_b;
    } else if (d.u_a < 0 && d.u_b > 0) {
        d.branch = MILES_B_ONLY_POSITIVE;
        d.lr_b = mu * alpha;
        d.lr_a = keep_a;
    } else if (d.u_a < d.u_b) {
        d.branch = MILES_B_LARGER;
        d.lr_b = mu * alpha;
        d.lr_a = keep_a;
    } else {
        d.branch = MILES_A_LARGER;
        d.lr_a = mu * alpha;
        d.lr_b = keep_b;
    }
    return d;
}

const char *miles_branch_name(miles_branch b) {
    switch (b) {
    case MILES_UNDEFINED: return "undefined";
    case MILES_BALANCED: return "balanced";
    case MILES_BOTH_NEGATIVE: return "both-negative";
    case MILES_A_ONLY_POSITIVE: return "reduce-a (only u_a > 0)";
    case MILES_B_ONLY_POSITIVE: return "reduce-b (only u_b > 0)";
    case MILES_B_LARGER: return "reduce-b (u_b larger)";
    case MILES_A_LARGER: return "reduce-a (u_a larger)";
    }
    return "?";
}
