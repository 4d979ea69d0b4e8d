/*
 * rates.c — conversions per unit of spend, the comparison behind CPA. Conversions are counts and
 * spend their exposure, so the natural model is Poisson: the exact conditional test (given the
 * total, arm 1's share is binomial), the score test, the rate-ratio interval, and per-arm CPA
 * intervals by inverting the exact Poisson interval. CPA = spend / conversions is the inverse of
 * the rate, which is why every CPA bound comes from the opposite rate bound.
 */
#include <math.h>

#include "stats/internal.h"

static hl_stats_status check_rate(double k, double e, int whole)
{
    if (!isfinite(k) || !isfinite(e) || k < 0.0 || e < 0.0)
        return HL_STATS_BAD_INPUT;
    if (whole && !hl_stats__is_whole(k))
        return HL_STATS_BAD_INPUT;
    if (e == 0.0)
        return HL_STATS_INSUFFICIENT_DATA;
    return HL_STATS_OK;
}

/* Maps a bound on pi = k1 / (k1 + k2) to a bound on the rate ratio (pi / (1 - pi)) * e2 / e1. */
static hl_stats_num pi_to_ratio(double pi, double e1, double e2)
{
    if (pi >= 1.0)
        return hl_stats__undef(HL_STATS_UNBOUNDED);
    return hl_stats__num(pi / (1.0 - pi) * (e2 / e1));
}

static hl_stats_num invert(hl_stats_num v, hl_stats_status if_zero)
{
    if (v.status == HL_STATS_UNBOUNDED)
        return hl_stats__num(0.0);
    if (v.status != HL_STATS_OK)
        return v;
    if (v.value == 0.0)
        return hl_stats__undef(if_zero);
    return hl_stats__num(1.0 / v.value);
}

static void clear(hl_stats_rate_result *out, hl_stats_status s)
{
    out->statistic = out->p_value = out->rate_ratio = out->ci_low = out->ci_high =
        out->cpa_ratio = out->cpa_ratio_low = out->cpa_ratio_high = hl_stats__undef(s);
}

hl_stats_status hl_stats_rate_test(double k1, double e1, double k2, double e2,
                                   hl_stats_rate_test_kind test, hl_stats_alternative alt,
                                   double alpha, hl_stats_rate_result *out)
{
    const int exact = test == HL_STATS_RATE_EXACT;
    out->method = hl_stats_rate_test_name(test);
    out->alternative = alt;
    hl_stats_status s1 = check_rate(k1, e1, exact), s2 = check_rate(k2, e2, exact);
    hl_stats_status s = (s1 == HL_STATS_BAD_INPUT || s2 == HL_STATS_BAD_INPUT) ? HL_STATS_BAD_INPUT
                        : s1 != HL_STATS_OK                                    ? s1
                                                                               : s2;
    if (s == HL_STATS_OK)
        s = hl_stats__check_alpha(alpha);
    if (s == HL_STATS_OK && !(k1 + k2 > 0.0))
        s = HL_STATS_INSUFFICIENT_DATA; /* no conversions anywhere: nothing to compare */
    if (s == HL_STATS_OK && exact && k1 + k2 > HL_STATS_MAX_COUNT)
        s = HL_STATS_BAD_INPUT;
    if (s != HL_STATS_OK) {
        clear(out, s);
        return s;
    }
    const double K = k1 + k2;

    /* The point estimate. */
    if (k2 == 0.0)
        out->rate_ratio = hl_stats__undef(HL_STATS_UNBOUNDED);
    else
        out->rate_ratio = hl_stats__num((k1 / e1) / (k2 / e2));

    if (exact) {
        /* Under H0 (equal rates) arm 1 gets each conversion with probability e1 / (e1 + e2). */
        hl_stats__disc d;
        hl_stats__tails t;
        const double pi0 = e1 / (e1 + e2), qi0 = e2 / (e1 + e2);
        hl_stats__disc_binom(&d, K, pi0, qi0);
        s = hl_stats__disc_tails(&d, (int64_t)k1, &t);
        if (s != HL_STATS_OK) {
            clear(out, s);
            return s;
        }
        double p = alt == HL_STATS_LARGER ? t.ge : alt == HL_STATS_SMALLER ? t.le : t.two;
        out->statistic = hl_stats__undef(HL_STATS_INSUFFICIENT_DATA);
        out->p_value = hl_stats__num(p);

        /* Clopper-Pearson on pi = k1 / K, mapped to the ratio. */
        double lo = 0.0, hi = 1.0;
        hl_stats_status sl = HL_STATS_OK, sh = HL_STATS_OK;
        if (k1 > 0.0)
            sl = hl_stats__beta_quantile(alpha / 2.0, k1, K - k1 + 1.0, 0, &lo);
        if (k1 < K)
            sh = hl_stats__beta_quantile(alpha / 2.0, k1 + 1.0, K - k1, 1, &hi);
        out->ci_low = sl == HL_STATS_OK ? pi_to_ratio(lo, e1, e2) : hl_stats__undef(sl);
        out->ci_high = sh == HL_STATS_OK ? pi_to_ratio(hi, e1, e2) : hl_stats__undef(sh);
    } else {
        /* statsmodels' W2A score statistic with the variance under H0; r_d = e1 / e2. */
        const double rd = e1 / e2;
        const double z = (k1 - k2 * rd) / sqrt(K * rd);
        out->statistic = hl_stats__num(z);
        out->p_value = hl_stats__num(hl_stats__p_from_z(z, alt));
        /* Invert |z(r)| = crit: with t = r e1 / e2 this is the quadratic
         * k2^2 t^2 - (2 k1 k2 + c^2 K) t + k1^2 = 0; roots taken in the cancellation-free form. */
        const double c = hl_stats_z_crit(alpha), B = 2.0 * k1 * k2 + c * c * K;
        const double D = c * c * K * (4.0 * k1 * k2 + c * c * K);
        const double sq = sqrt(D), to_r = e2 / e1;
        out->ci_low = hl_stats__num(2.0 * k1 * k1 / (B + sq) * to_r);
        if (k2 == 0.0)
            out->ci_high = hl_stats__undef(HL_STATS_UNBOUNDED);
        else
            out->ci_high = hl_stats__num((B + sq) / (2.0 * k2 * k2) * to_r);
    }

    /* CPA1 / CPA2 = 1 / rate ratio; its interval is the rate-ratio interval turned over. */
    out->cpa_ratio = k1 == 0.0 ? hl_stats__undef(HL_STATS_UNBOUNDED)
                               : invert(out->rate_ratio, HL_STATS_UNBOUNDED);
    out->cpa_ratio_low = invert(out->ci_high, HL_STATS_UNBOUNDED);
    out->cpa_ratio_high = invert(out->ci_low, HL_STATS_UNBOUNDED);
    return out->p_value.status;
}

hl_stats_status hl_stats_poisson_ci(double k, double alpha, double *low, double *high)
{
    *low = *high = 0.0;
    if (!hl_stats__is_whole(k) || hl_stats__check_alpha(alpha) != HL_STATS_OK)
        return HL_STATS_BAD_INPUT;
    double lo = 0.0, hi = 0.0;
    hl_stats_status s = HL_STATS_OK;
    if (k > 0.0)
        s = hl_stats__pois_mean_for_ge(k, alpha / 2.0, &lo);
    if (s == HL_STATS_OK)
        s = hl_stats__pois_mean_for_le(k, alpha / 2.0, &hi);
    if (s != HL_STATS_OK)
        return s;
    *low = lo;
    *high = hi;
    return HL_STATS_OK;
}

hl_stats_status hl_stats_cpa_ci(double k, double e, double alpha, hl_stats_cpa_interval *out)
{
    out->method = "poisson-exact";
    out->cpa = out->low = out->high = hl_stats__undef(HL_STATS_BAD_INPUT);
    if (!hl_stats__is_whole(k) || !isfinite(e) || e < 0.0 ||
        hl_stats__check_alpha(alpha) != HL_STATS_OK)
        return HL_STATS_BAD_INPUT;
    if (k == 0.0 && e == 0.0) {
        out->cpa = out->low = out->high = hl_stats__undef(HL_STATS_INSUFFICIENT_DATA);
        return HL_STATS_INSUFFICIENT_DATA;
    }
    double lo, hi;
    hl_stats_status s = hl_stats_poisson_ci(k, alpha, &lo, &hi);
    if (s != HL_STATS_OK) {
        out->cpa = out->low = out->high = hl_stats__undef(s);
        return s;
    }
    /* The count's upper bound gives the CPA's lower bound and vice versa. */
    out->low = hl_stats__num(e / hi);
    if (k == 0.0) {
        out->cpa = hl_stats__undef(HL_STATS_INSUFFICIENT_DATA);
        out->high = hl_stats__undef(HL_STATS_UNBOUNDED);
        return HL_STATS_INSUFFICIENT_DATA;
    }
    out->cpa = hl_stats__num(e / k);
    out->high = hl_stats__num(e / lo);
    return HL_STATS_OK;
}
