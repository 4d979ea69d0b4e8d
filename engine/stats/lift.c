/*
 * lift.c — relative lift (treatment vs control, as a fraction of the control) with a delta-method
 * standard error. Briefs speak in relative terms ("+12 % CTR"), so this is the effect every
 * finding carries; the sequential and Bayesian modes reuse its standard error.
 */
#include <math.h>

#include <gsl/gsl_cdf.h>

#include "stats/internal.h"

hl_stats_status hl_stats_lift_delta(double mean_t, double var_t, double n_t, double mean_c,
                                    double var_c, double n_c, double alpha, int welch,
                                    hl_stats_lift *out)
{
    out->method = welch ? "delta-welch" : "delta-normal";
    out->lift = out->se = out->low = out->high = out->p_value = out->df = 0.0;
    if (!isfinite(mean_t) || !isfinite(mean_c) || !isfinite(var_t) || !isfinite(var_c) ||
        !isfinite(n_t) || !isfinite(n_c) || var_t < 0.0 || var_c < 0.0 || n_t < 0.0 || n_c < 0.0)
        return HL_STATS_BAD_INPUT;
    if (hl_stats__check_alpha(alpha) != HL_STATS_OK)
        return HL_STATS_BAD_INPUT;
    if (n_t == 0.0 || n_c == 0.0 || (welch && (n_t <= 1.0 || n_c <= 1.0)))
        return HL_STATS_INSUFFICIENT_DATA;
    if (mean_c == 0.0)
        return HL_STATS_ZERO_CONTROL;
    const double mc2 = mean_c * mean_c;
    const double var = var_t / (n_t * mc2) + var_c * mean_t * mean_t / (n_c * mc2 * mc2);
    if (!(var > 0.0))
        return HL_STATS_ZERO_VARIANCE;
    const double lift = (mean_t - mean_c) / fabs(mean_c), se = sqrt(var), stat = lift / se;
    double crit, p, df = 0.0;
    if (welch) {
        /* Welch-Satterthwaite on the unit variances, as GrowthBook does for its relative CI. */
        const double a = var_t / n_t, b = var_c / n_c;
        df = (a + b) * (a + b) / (a * a / (n_t - 1.0) + b * b / (n_c - 1.0));
        crit = gsl_cdf_tdist_Qinv(alpha / 2.0, df);
        p = 2.0 * gsl_cdf_tdist_Q(fabs(stat), df);
    } else {
        crit = hl_stats_z_crit(alpha);
        p = hl_stats__p_from_z(stat, HL_STATS_TWO_SIDED);
    }
    if (p > 1.0)
        p = 1.0;
    if (!isfinite(crit) || !isfinite(p) || !isfinite(lift))
        return HL_STATS_NUMERICAL;
    out->lift = lift;
    out->se = se;
    out->low = lift - crit * se;
    out->high = lift + crit * se;
    out->p_value = p;
    out->df = df;
    return HL_STATS_OK;
}

hl_stats_status hl_stats_prop_lift(double x1, double n1, double x2, double n2, double alpha,
                                   double phi, int welch, hl_stats_lift *out)
{
    hl_stats_status s1 = hl_stats__check_prop(x1, n1, 0), s2 = hl_stats__check_prop(x2, n2, 0);
    out->method = welch ? "delta-welch" : "delta-normal";
    out->lift = out->se = out->low = out->high = out->p_value = out->df = 0.0;
    if (s1 == HL_STATS_BAD_INPUT || s2 == HL_STATS_BAD_INPUT || phi < 0.0 || !isfinite(phi))
        return HL_STATS_BAD_INPUT;
    if (s1 != HL_STATS_OK || s2 != HL_STATS_OK)
        return HL_STATS_INSUFFICIENT_DATA;
    const double f = phi > 0.0 ? phi : 1.0, p1 = x1 / n1, p2 = x2 / n2;
    return hl_stats_lift_delta(p1, f * p1 * (1.0 - p1), n1, p2, f * p2 * (1.0 - p2), n2, alpha,
                               welch, out);
}
