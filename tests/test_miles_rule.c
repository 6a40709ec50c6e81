/* test_miles_rule.c - MILES Algorithm 1 (csrc/methods/miles_rule.c) on hand-computed cases.
 *
 * Metrics are binary fractions so every u, delta and LR below is exact and compared with ==.
 * Covers every branch of Algorithm 1, both readings (reset / literal), and its edge cases
 * (methods/miles_rule.h): M_AB = 0, both u negative, exact ties, delta equal to tau, an exact
 * zero u, delta above 1 (not clamped), and mu = 1 (MILES disabled).
 */
#include <math.h>
#include <stdio.h>

#include "check.h"
#include "methods/miles_rule.h"

static const double alpha = 0.001, mu = 0.5;

static void check(const char *name, double m_ab, double m_a, double m_b, double tau, double cur_a, double cur_b,
                  int literal, miles_branch want_branch, double want_ua, double want_ub, double want_delta,
                  double want_lr_a, double want_lr_b) {
    miles_decision d = miles_decide(m_ab, m_a, m_b, tau, mu, alpha, cur_a, cur_b, literal);
    CHECKF(d.branch == want_branch, "%s: branch %s, expected %s", name, miles_branch_name(d.branch),
           miles_branch_name(want_branch));
    if (isnan(want_delta)) {
        CHECKF(isnan(d.u_a) && isnan(d.u_b) && isnan(d.delta), "%s: u should be undefined", name);
    } else {
        CHECKF(d.u_a == want_ua && d.u_b == want_ub && d.delta == want_delta, "%s: u_a %.17g u_b %.17g delta %.17g",
               name, d.u_a, d.u_b, d.delta);
    }
    CHECKF(d.lr_a == want_lr_a && d.lr_b == want_lr_b, "%s: lr_a %.17g lr_b %.17g, expected %.17g %.17g", name, d.lr_a,
           d.lr_b, want_lr_a, want_lr_b);
}

int main(void) {
    const double red = 0.0005; /* mu * alpha, exact */
    /* M_AB = 0: u undefined, no action, both back to alpha even if reduced before. */
    check("m_ab zero", 0.0, 0.5, 0.25, 0.2, red, alpha, 0, MILES_UNDEFINED, 0, 0, NAN, alpha, alpha);
    check("m_ab nan", NAN, 0.5, 0.25, 0.2, alpha, alpha, 0, MILES_UNDEFINED, 0, 0, NAN, alpha, alpha);
    /* u_a = (1 - .5)/1 = .5, u_b = (1 - .75)/1 = .25, delta = .25. */
    check("delta equals tau", 1.0, 0.75, 0.5, 0.25, red, red, 1, MILES_BALANCED, 0.5, 0.25, 0.25, alpha, alpha);
    check("a larger", 1.0, 0.75, 0.5, 0.2, alpha, red, 0, MILES_A_LARGER, 0.5, 0.25, 0.25, red, alpha);
    check("a larger literal", 1.0, 0.75, 0.5, 0.2, alpha, red, 1, MILES_A_LARGER, 0.5, 0.25, 0.25, red, red);
    /* u_a = .25, u_b = .5: B dominant. */
    check("b larger", 1.0, 0.5, 0.75, 0.2, red, alpha, 0, MILES_B_LARGER, 0.25, 0.5, 0.25, alpha, red);
    check("b larger literal", 1.0, 0.5, 0.75, 0.2, red, alpha, 1, MILES_B_LARGER, 0.25, 0.5, 0.25, red, red);
    /* M_AB = .5 below both heads: u_a = (.5-.625)/.5 = -.25, u_b = (.5-.75)/.5 = -.5, delta .25. */
    check("both negative", 0.5, 0.75, 0.625, 0.1, red, red, 1, MILES_BOTH_NEGATIVE, -0.25, -0.5, 0.25, alpha, alpha);
    /* u_a = (.5-.25)/.5 = .5, u_b = (.5-.75)/.5 = -.5, delta 1. */
    check("only a positive", 0.5, 0.75, 0.25, 0.2, alpha, red, 0, MILES_A_ONLY_POSITIVE, 0.5, -0.5, 1.0, red, alpha);
    check("only a positive literal", 0.5, 0.75, 0.25, 0.2, alpha, red, 1, MILES_A_ONLY_POSITIVE, 0.5, -0.5, 1.0, red,
          red);
    check("only b positive", 0.5, 0.25, 0.75, 0.2, red, alpha, 0, MILES_B_ONLY_POSITIVE, -0.5, 0.5, 1.0, alpha, red);
    check("only b positive literal", 0.5, 0.25, 0.75, 0.2, red, alpha, 1, MILES_B_ONLY_POSITIVE, -0.5, 0.5, 1.0, red,
          red);
    /* Exact tie of the heads: delta 0 <= tau even for tau 0. */
    check("tie tau 0", 1.0, 0.5, 0.5, 0.0, red, alpha, 0, MILES_BALANCED, 0.5, 0.5, 0.0, alpha, alpha);
    /* u_b exactly 0, u_a > 0: falls through to the last branches, which reduce the larger (A). */
    check("u_b zero", 1.0, 1.0, 0.5, 0.2, alpha, alpha, 0, MILES_A_LARGER, 0.5, 0.0, 0.5, red, alpha);
    /* u_a exactly 0, u_b < 0: the larger is A again (0 > -.5). */
    check("u_a zero u_b negative", 0.5, 0.75, 0.5, 0.2, alpha, alpha, 0, MILES_A_LARGER, 0.0, -0.5, 0.5, red, alpha);
    /* delta above 1 is not clamped: .5/.9/.1 gives u_a .8, u_b -.8, delta 1.6 (compare as computed). */
    {
        miles_decision d = miles_decide(0.5, 0.9, 0.1, 1.0, mu, alpha, alpha, alpha, 0);
        CHECKF(d.delta > 1.59 && d.delta < 1.61 && d.branch == MILES_A_ONLY_POSITIVE && d.lr_a == red,
               "delta %.17g branch %s", d.delta, miles_branch_name(d.branch));
    }
    /* mu = 1 disables MILES: a reduction is to alpha itself. */
    {
        miles_decision d = miles_decide(1.0, 0.75, 0.5, 0.2, 1.0, alpha, alpha, alpha, 0);
        CHECKF(d.branch == MILES_A_LARGER && d.lr_a == alpha && d.lr_b == alpha, "mu 1: %.17g %.17g", d.lr_a, d.lr_b);
    }
    /* Utilization alone, and the derived identity delta = |M_A - M_B| / M_AB. */
    {
        double ua, ub, dl;
        miles_utilization(0.8, 0.6, 0.4, &ua, &ub, &dl);
        CHECKF(fabs(ua - 0.5) < 1e-15 && fabs(ub - 0.25) < 1e-15 && fabs(dl - 0.25) < 1e-15, "%g %g %g", ua, ub, dl);
    }
    return check_finish("test_miles_rule");
}
