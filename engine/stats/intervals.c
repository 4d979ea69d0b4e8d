/*
 * intervals.c — confidence intervals for one arm's proportion x/n (CTR, hook rate, CVR): Wilson
 * (the default: good coverage at tiny rates), Agresti-Coull, Clopper-Pearson, Jeffreys and the
 * plain normal one, matching statsmodels' proportion_confint.
 */
#include <math.h>

#include "stats/internal.h"

static double clip01(double v)
{
    return v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
}

static void wilson(double x, double n, double z, double *lo, double *hi)
{
    double p = x / n, z2 = z * z;
    double denom = 1.0 + z2 / n;
    double centre = (p + z2 / (2.0 * n)) / denom;
    double half = z * sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denom;
    /* Mathematically inside [0, 1]; rounding at x = 0 or x = n can step out by an ulp. */
    *lo = clip01(centre - half);
    *hi = clip01(centre + half);
}

hl_stats_status hl_stats_prop_ci(double x, double n, hl_stats_ci_method method, double alpha,
                                 hl_stats_interval *out)
{
    hl_stats_status s = hl_stats__check_prop(x, n, 0);
    if (s == HL_STATS_OK)
        s = hl_stats__check_alpha(alpha);
    out->method = hl_stats_ci_method_name(method);
    out->estimate = out->low = out->high = 0.0;
    if (s != HL_STATS_OK)
        return s;
    const double p = x / n, z = hl_stats_z_crit(alpha);
    double lo = 0.0, hi = 1.0;
    switch (method) {
    case HL_STATS_CI_WILSON:
        wilson(x, n, z, &lo, &hi);
        break;
    case HL_STATS_CI_AGRESTI_COULL: {
        double nt = n + z * z, pt = (x + z * z / 2.0) / nt;
        double half = z * sqrt(pt * (1.0 - pt) / nt);
        lo = clip01(pt - half);
        hi = clip01(pt + half);
        break;
    }
    case HL_STATS_CI_NORMAL: {
        double half = z * sqrt(p * (1.0 - p) / n);
        lo = clip01(p - half);
        hi = clip01(p + half);
        break;
    }
    case HL_STATS_CI_CLOPPER_PEARSON:
        /* Beta(x, n-x+1) and Beta(x+1, n-x) quantiles; the ends at x = 0 and x = n are fixed. */
        if (x > 0.0)
            s = hl_stats__beta_quantile(alpha / 2.0, x, n - x + 1.0, 0, &lo);
        if (s == HL_STATS_OK && x < n)
            s = hl_stats__beta_quantile(alpha / 2.0, x + 1.0, n - x, 1, &hi);
        break;
    case HL_STATS_CI_JEFFREYS:
        s = hl_stats__beta_quantile(alpha / 2.0, x + 0.5, n - x + 0.5, 0, &lo);
        if (s == HL_STATS_OK)
            s = hl_stats__beta_quantile(alpha / 2.0, x + 0.5, n - x + 0.5, 1, &hi);
        break;
    default:
        return HL_STATS_BAD_INPUT;
    }
    if (s != HL_STATS_OK)
        return s;
    if (!isfinite(lo) || !isfinite(hi))
        return HL_STATS_NUMERICAL;
    out->estimate = p;
    out->low = lo;
    out->high = hi;
    return HL_STATS_OK;
}
