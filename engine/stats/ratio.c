/*
 * ratio.c — ratio metrics with days as the units (ROAS = value / spend, CPA = spend / conversions
 * over a window). Numerator and denominator move together from day to day, so the variance of
 * the ratio needs their covariance: the delta method, as GrowthBook and Eppo do for ratio metrics.
 */
#include <math.h>

#include "stats/internal.h"

hl_stats_status hl_stats_ratio_delta(const double *num, const double *den, size_t n,
                                     hl_stats_ratio *out)
{
    out->method = "delta";
    out->ratio = out->se = out->var_unit = out->n = 0.0;
    if (n > 0 && (num == NULL || den == NULL))
        return HL_STATS_BAD_INPUT;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(num[i]) || !isfinite(den[i]))
            return HL_STATS_BAD_INPUT;
    if (n < 2)
        return HL_STATS_INSUFFICIENT_DATA;
    /* Two passes: means first, then centred sums, which keeps spend in the millions exact. */
    double sm = 0.0, sd = 0.0;
    for (size_t i = 0; i < n; i++) {
        sm += num[i];
        sd += den[i];
    }
    const double dn = (double)n, mm = sm / dn, md = sd / dn;
    if (md == 0.0)
        return HL_STATS_ZERO_DENOMINATOR;
    double vm = 0.0, vd = 0.0, cv = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double a = num[i] - mm, b = den[i] - md;
        vm += a * a;
        vd += b * b;
        cv += a * b;
    }
    vm /= dn - 1.0;
    vd /= dn - 1.0;
    cv /= dn - 1.0;
    const double md2 = md * md;
    double var = vm / md2 + vd * mm * mm / (md2 * md2) - 2.0 * cv * mm / (md2 * md);
    /* The quadratic form is >= 0 in exact arithmetic; rounding can take a perfectly
     * proportional series a hair below zero. */
    if (var < 0.0)
        var = 0.0;
    out->ratio = sm / sd;
    out->var_unit = var;
    out->se = sqrt(var / dn);
    out->n = dn;
    if (!isfinite(out->ratio) || !isfinite(out->se))
        return HL_STATS_NUMERICAL;
    return HL_STATS_OK;
}

hl_stats_status hl_stats_ratio_diff(const hl_stats_ratio *t, const hl_stats_ratio *c, int relative,
                                    double alpha, hl_stats_ratio_compare *out)
{
    out->method = relative ? "delta-relative" : "delta-absolute";
    out->estimate = out->se = out->low = out->high = out->p_value = 0.0;
    if (t == NULL || c == NULL || hl_stats__check_alpha(alpha) != HL_STATS_OK ||
        !isfinite(t->ratio) || !isfinite(c->ratio) || !isfinite(t->se) || !isfinite(c->se) ||
        t->se < 0.0 || c->se < 0.0)
        return HL_STATS_BAD_INPUT;
    if (!(t->n >= 2.0) || !(c->n >= 2.0))
        return HL_STATS_INSUFFICIENT_DATA;
    const double v1 = t->se * t->se, v2 = c->se * c->se;
    double est, var;
    if (relative) {
        if (c->ratio == 0.0)
            return HL_STATS_ZERO_CONTROL;
        const double r2 = c->ratio * c->ratio;
        est = t->ratio / c->ratio - 1.0;
        var = v1 / r2 + v2 * t->ratio * t->ratio / (r2 * r2);
    } else {
        est = t->ratio - c->ratio;
        var = v1 + v2;
    }
    if (!(var > 0.0))
        return HL_STATS_ZERO_VARIANCE;
    const double se = sqrt(var), crit = hl_stats_z_crit(alpha);
    out->estimate = est;
    out->se = se;
    out->low = est - crit * se;
    out->high = est + crit * se;
    out->p_value = hl_stats__p_from_z(est / se, HL_STATS_TWO_SIDED);
    if (!isfinite(out->estimate) || !isfinite(out->low) || !isfinite(out->high))
        return HL_STATS_NUMERICAL;
    return HL_STATS_OK;
}
