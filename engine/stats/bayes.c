/*
 * bayes.c — the Bayesian decision mode: the exact chance that arm 1's rate beats arm 2's under
 * Beta posteriors (deterministic, so a re-run gives the same brief), and the normal approximation
 * on the relative lift with chance to win and expected loss (GrowthBook's engine).
 */
#include <math.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_gamma.h>

#include "stats/internal.h"

/*
 * Evan Miller's closed form, with A, B the two Beta posteriors:
 *   P(pB > pA) = sum_{i=0}^{aB-1} h(i),
 *   h(i) = B(aA + i, bA + bB) / ((bB + i) B(1 + i, bB) B(aA, bA)).
 * h is the beta-negative-binomial pmf (r = bB, alpha = bA, beta = aA), so the sum is its CDF at
 * aB - 1. Instead of aB log-beta calls we evaluate h once at the largest term inside the range,
 * in log space, and walk outward with the ratio
 *   h(i+1)/h(i) = (aA + i)(bB + i) / ((aA + bA + bB + i)(1 + i)),
 * stopping once the remaining terms cannot change the sum: exact to rounding, no overflow, and
 * the cost follows the spread of the distribution, not the counts.
 */
static inline double bnb_ratio(double aA, double bA, double bB, double i)
{
    return (aA + i) * (bB + i) / ((aA + bA + bB + i) * (1.0 + i));
}

/* log h(i). With r = bB, alpha = bA, beta = aA all >= 1 (every Beta(1 + x, 1 + n - x) posterior)
 * the Gamma-function ratio is rewritten as three binomial densities at one p,
 *   h(i) = q (alpha+beta-1)/(alpha+beta+r+i-1) * dbinom(i; r+i-1, p) dbinom(beta-1; alpha+beta-2, p)
 *          / dbinom(beta+i-1; alpha+beta+r+i-2, p),
 * (the powers of p cancel for any p), evaluated by Loader's saddle-point method with p at the last
 * density's mode. log-Beta differences lose ~1e-16 * n absolutely, i.e. every digit by n ~ 1e15;
 * this form stays at rounding level. Smaller (fractional) parameters use log-Beta directly. */
static int log_h(double aA, double bA, double bB, double i, double *out)
{
    if (aA >= 1.0 && bA >= 1.0 && bB >= 1.0) {
        const double n3 = aA + bA + bB + i - 2.0, x3 = aA + i - 1.0;
        const double p = (x3 + 0.5) / (n3 + 1.0), q = (n3 - x3 + 0.5) / (n3 + 1.0);
        *out = log(q) + log(aA + bA - 1.0) - log(n3 + 1.0) +
               hl_stats__ldbinom(i, bB + i - 1.0, p, q) +
               hl_stats__ldbinom(aA - 1.0, aA + bA - 2.0, p, q) - hl_stats__ldbinom(x3, n3, p, q);
        return isfinite(*out) ? 0 : -1;
    }
    gsl_sf_result b1, b2, b3;
    if (gsl_sf_lnbeta_e(aA + i, bA + bB, &b1) != GSL_SUCCESS ||
        gsl_sf_lnbeta_e(1.0 + i, bB, &b2) != GSL_SUCCESS ||
        gsl_sf_lnbeta_e(aA, bA, &b3) != GSL_SUCCESS)
        return -1;
    *out = b1.val - log(bB + i) - b2.val - b3.val;
    return 0;
}

static hl_stats_status miller_sum(double L, double aA, double bA, double bB, double *out)
{
    /* Terms rise while i <= (aA bB - aA - bA - bB) / (bA + 1), then fall. */
    double m = floor((aA * bB - aA - bA - bB) / (bA + 1.0)) + 1.0;
    if (!(m > 0.0))
        m = 0.0;
    if (m > L - 1.0)
        m = L - 1.0;
    while (m < L - 1.0 && bnb_ratio(aA, bA, bB, m) > 1.0)
        m += 1.0;
    while (m > 0.0 && bnb_ratio(aA, bA, bB, m - 1.0) < 1.0)
        m -= 1.0;

    double lh;
    if (log_h(aA, bA, bB, m, &lh) != 0)
        return HL_STATS_NUMERICAL;

    /* Terms fall monotonically away from m inside [0, L-1], so t times the number of terms left
     * bounds what remains (the upper tail can be a slow power law). */
    double sum = 1.0, t = 1.0;
    for (double i = m; i < L - 1.0; i += 1.0) {
        t *= bnb_ratio(aA, bA, bB, i);
        sum += t;
        if (t * (L - 2.0 - i) <= 1e-17 * sum || t == 0.0)
            break;
    }
    t = 1.0;
    for (double i = m; i > 0.0; i -= 1.0) {
        t /= bnb_ratio(aA, bA, bB, i - 1.0);
        sum += t;
        if (t * (i - 1.0) <= 1e-17 * sum || t == 0.0)
            break;
    }
    double p = exp(lh + log(sum));
    if (!isfinite(p))
        return HL_STATS_NUMERICAL;
    *out = p > 1.0 ? 1.0 : p;
    return HL_STATS_OK;
}

static int whole_positive(double v)
{
    return hl_stats__is_whole(v) && v >= 1.0;
}

hl_stats_status hl_stats_beta_prob_greater_ab(double a1, double b1, double a2, double b2,
                                              double *p)
{
    *p = 0.0;
    if (!(a1 > 0.0 && b1 > 0.0 && a2 > 0.0 && b2 > 0.0) || !isfinite(a1) || !isfinite(b1) ||
        !isfinite(a2) || !isfinite(b2))
        return HL_STATS_BAD_INPUT;
    /* Two exact forms: sum over a1 terms (arm 1 as B), or, reflecting both rates (1 - p), over
     * b2 terms. Take the shorter one that has a whole-number length. */
    int f1 = whole_positive(a1), f2 = whole_positive(b2);
    if (!f1 && !f2)
        return HL_STATS_BAD_INPUT;
    if (f1 && (!f2 || a1 <= b2))
        return miller_sum(a1, a2, b2, b1, p);
    return miller_sum(b2, b1, a1, a2, p);
}

hl_stats_status hl_stats_beta_prob_greater(double x1, double n1, double x2, double n2, double *p)
{
    *p = 0.0;
    hl_stats_status s1 = hl_stats__check_prop(x1, n1, 1), s2 = hl_stats__check_prop(x2, n2, 1);
    /* n = 0 is fine here: the posterior is the uniform prior. */
    if (s1 == HL_STATS_BAD_INPUT || s2 == HL_STATS_BAD_INPUT)
        return HL_STATS_BAD_INPUT;
    return hl_stats_beta_prob_greater_ab(1.0 + x1, 1.0 + n1 - x1, 1.0 + x2, 1.0 + n2 - x2, p);
}

hl_stats_status hl_stats_bayes_normal(double estimate, double se, const hl_stats_prior *prior,
                                      double alpha, int lower_is_better, hl_stats_bayes *out)
{
    out->method = prior ? "normal-prior" : "normal-flat";
    out->mean = out->sd = out->low = out->high = 0.0;
    out->chance_to_win = out->risk_treatment = out->risk_control = 0.0;
    if (!isfinite(estimate) || !isfinite(se) || se < 0.0 ||
        hl_stats__check_alpha(alpha) != HL_STATS_OK)
        return HL_STATS_BAD_INPUT;
    if (prior && (!isfinite(prior->mean) || !isfinite(prior->sd) || !(prior->sd > 0.0)))
        return HL_STATS_BAD_INPUT;
    if (se == 0.0)
        return HL_STATS_ZERO_VARIANCE;
    double mu = estimate, var = se * se;
    if (prior) {
        /* Conjugate normal update: precisions add, means weight by precision. */
        const double w0 = 1.0 / (prior->sd * prior->sd), w1 = 1.0 / var;
        var = 1.0 / (w0 + w1);
        mu = var * (w0 * prior->mean + w1 * estimate);
    }
    const double sd = sqrt(var), z = hl_stats_z_crit(alpha);
    /* Losses are measured in the direction that counts as better. */
    const double m = lower_is_better ? -mu : mu, x = m / sd;
    const double dens = hl_stats__dnorm(x);
    out->mean = mu;
    out->sd = sd;
    out->low = mu - z * sd;
    out->high = mu + z * sd;
    out->chance_to_win = gsl_cdf_ugaussian_Q(-x);
    out->risk_control = m * gsl_cdf_ugaussian_Q(-x) + sd * dens;
    out->risk_treatment = sd * dens - m * gsl_cdf_ugaussian_Q(x);
    /* Both losses are expectations of non-negative quantities; rounding must not say otherwise. */
    if (out->risk_control < 0.0)
        out->risk_control = 0.0;
    if (out->risk_treatment < 0.0)
        out->risk_treatment = 0.0;
    if (!isfinite(out->mean) || !isfinite(out->low) || !isfinite(out->high) ||
        !isfinite(out->risk_control) || !isfinite(out->risk_treatment))
        return HL_STATS_NUMERICAL;
    return HL_STATS_OK;
}

hl_stats_status hl_stats_bayes_prop(double x1, double n1, double x2, double n2,
                                    const hl_stats_prior *prior, double alpha, double phi,
                                    hl_stats_bayes *out)
{
    hl_stats_lift l;
    hl_stats_status s = hl_stats_prop_lift(x1, n1, x2, n2, 0.05, phi, 0, &l);
    if (s != HL_STATS_OK) {
        hl_stats_bayes zero = {prior ? "normal-prior" : "normal-flat", 0, 0, 0, 0, 0, 0, 0};
        *out = zero;
        return s;
    }
    return hl_stats_bayes_normal(l.lift, l.se, prior, alpha, 0, out);
}
