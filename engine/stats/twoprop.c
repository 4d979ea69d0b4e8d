/*
 * twoprop.c — two independent proportions (treatment x1/n1 vs control x2/n2): the pooled z, Wald
 * and Miettinen-Nurminen score tests with an optional quasi-binomial dispersion factor, the
 * dispatcher that also reaches Fisher's exact test, and Newcombe's interval for p1 - p2.
 */
#include <math.h>

#include <gsl/gsl_cdf.h>

#include "stats/internal.h"

/* phi = 0 means "binomial"; anything else must be a positive finite factor. */
static int phi_value(double phi, double *out)
{
    if (phi == 0.0) {
        *out = 1.0;
        return 0;
    }
    if (!(phi > 0.0) || !isfinite(phi))
        return -1;
    *out = phi;
    return 0;
}

static hl_stats_status check_two(double x1, double n1, double x2, double n2, int whole)
{
    hl_stats_status s1 = hl_stats__check_prop(x1, n1, whole);
    hl_stats_status s2 = hl_stats__check_prop(x2, n2, whole);
    /* Bad input wins over missing data: a caller bug must not hide behind "insufficient". */
    if (s1 == HL_STATS_BAD_INPUT || s2 == HL_STATS_BAD_INPUT)
        return HL_STATS_BAD_INPUT;
    return s1 != HL_STATS_OK ? s1 : s2;
}

/* The three normal tests differ only in the variance of p1 - p2 under H0. */
static hl_stats_status normal_test(double x1, double n1, double x2, double n2,
                                   hl_stats_prop_test_kind kind, int no_correction,
                                   hl_stats_alternative alt, double phi, double phi_df, double *z,
                                   double *p)
{
    hl_stats_status s = check_two(x1, n1, x2, n2, 0);
    double f;
    if (s == HL_STATS_OK && (phi_value(phi, &f) != 0 || !(phi_df >= 0.0) || !isfinite(phi_df)))
        s = HL_STATS_BAD_INPUT;
    if (s != HL_STATS_OK)
        return s;
    const double p1 = x1 / n1, p2 = x2 / n2;
    double var;
    if (kind == HL_STATS_TEST_WALD) {
        var = p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2;
    } else {
        const double N = n1 + n2, pbar = (x1 + x2) / N;
        var = pbar * (1.0 - pbar) * (1.0 / n1 + 1.0 / n2);
        /* Miettinen-Nurminen's small-sample factor; statsmodels 0.13.5 always applies it for
         * compare="diff", and the reference values come from there. */
        if (kind == HL_STATS_TEST_SCORE && !no_correction && N > 1.0)
            var *= N / (N - 1.0);
    }
    var *= f;
    if (!(var > 0.0))
        return HL_STATS_ZERO_VARIANCE;
    *z = (p1 - p2) / sqrt(var);
    if (phi_df > 0.0 && f > 1.0) {
        /* An estimated dispersion: Student t on its degrees of freedom, upper tails via Q. */
        double t = *z;
        *p = alt == HL_STATS_LARGER    ? gsl_cdf_tdist_Q(t, phi_df)
             : alt == HL_STATS_SMALLER ? gsl_cdf_tdist_Q(-t, phi_df)
                                       : fmin(1.0, 2.0 * gsl_cdf_tdist_Q(fabs(t), phi_df));
    } else {
        *p = hl_stats__p_from_z(*z, alt);
    }
    return (isfinite(*z) && isfinite(*p)) ? HL_STATS_OK : HL_STATS_NUMERICAL;
}

hl_stats_status hl_stats_ztest(double x1, double n1, double x2, double n2,
                               hl_stats_alternative alt, double phi, double *z, double *p)
{
    double zz = 0.0, pp = 0.0;
    hl_stats_status s = normal_test(x1, n1, x2, n2, HL_STATS_TEST_Z, 0, alt, phi, 0.0, &zz, &pp);
    *z = s == HL_STATS_OK ? zz : 0.0;
    *p = s == HL_STATS_OK ? pp : 0.0;
    return s;
}

/* scipy's statistic for fisher_exact: the sample odds ratio (x1 (n2-x2)) / ((n1-x1) x2). */
static hl_stats_num odds_ratio(double x1, double n1, double x2, double n2)
{
    double num = x1 * (n2 - x2), den = (n1 - x1) * x2;
    if (den == 0.0)
        return hl_stats__undef(num > 0.0 ? HL_STATS_UNBOUNDED : HL_STATS_INSUFFICIENT_DATA);
    return hl_stats__num(num / den);
}

hl_stats_status hl_stats_prop_test(double x1, double n1, double x2, double n2,
                                   const hl_stats_prop_opts *opts, hl_stats_test_result *out)
{
    hl_stats_prop_opts def = {HL_STATS_TEST_Z, HL_STATS_TWO_SIDED, 0.0, 0.0, 0};
    if (opts == NULL)
        opts = &def;
    out->method = hl_stats_prop_test_name(opts->test);
    out->alternative = opts->alternative;
    out->phi = 1.0;
    if (opts->test == HL_STATS_TEST_FISHER) {
        double p = 0.0;
        hl_stats_status s = hl_stats_fisher(x1, n1, x2, n2, opts->alternative, &p);
        out->p_value = s == HL_STATS_OK ? hl_stats__num(p) : hl_stats__undef(s);
        out->statistic = s == HL_STATS_OK ? odds_ratio(x1, n1, x2, n2) : hl_stats__undef(s);
        return out->p_value.status;
    }
    double z = 0.0, p = 0.0;
    hl_stats_status s = normal_test(x1, n1, x2, n2, opts->test, opts->score_no_correction,
                                    opts->alternative, opts->phi, opts->phi_df, &z, &p);
    if (s == HL_STATS_OK) {
        out->statistic = hl_stats__num(z);
        out->p_value = hl_stats__num(p);
        out->phi = opts->phi > 0.0 ? opts->phi : 1.0;
    } else {
        out->statistic = out->p_value = hl_stats__undef(s);
    }
    return out->p_value.status;
}

hl_stats_status hl_stats_newcombe(double x1, double n1, double x2, double n2, double alpha,
                                  hl_stats_interval *out)
{
    hl_stats_interval w1, w2;
    out->method = "newcombe";
    out->estimate = out->low = out->high = 0.0;
    hl_stats_status s = check_two(x1, n1, x2, n2, 0);
    if (s == HL_STATS_OK)
        s = hl_stats__check_alpha(alpha);
    if (s == HL_STATS_OK)
        s = hl_stats_prop_ci(x1, n1, HL_STATS_CI_WILSON, alpha, &w1);
    if (s == HL_STATS_OK)
        s = hl_stats_prop_ci(x2, n2, HL_STATS_CI_WILSON, alpha, &w2);
    if (s != HL_STATS_OK)
        return s;
    const double p1 = x1 / n1, p2 = x2 / n2, d = p1 - p2;
    out->estimate = d;
    out->low = d - sqrt((p1 - w1.low) * (p1 - w1.low) + (w2.high - p2) * (w2.high - p2));
    out->high = d + sqrt((w1.high - p1) * (w1.high - p1) + (p2 - w2.low) * (p2 - w2.low));
    return HL_STATS_OK;
}
