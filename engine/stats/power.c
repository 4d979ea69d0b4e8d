/*
 * power.c — how much traffic a comparison needs: sample size per arm, power at a given size, the
 * minimum detectable difference, and "impressions still needed" for undecided comparisons (what a
 * brief's success criterion and a `wait_for_data` action quote). Normal approximation with the
 * pooled variance under H0 and the unpooled one under H1, as statsmodels.
 */
#include <math.h>

#include <gsl/gsl_cdf.h>

#include "stats/internal.h"

typedef struct power_setup {
    double alpha, power, ratio, phi;
    hl_stats_alternative alt;
    double s0, s1; /* per-unit SD of p1 - p2 under H0 and H1, times sqrt(phi), without 1/sqrt(n1) */
} power_setup;

static hl_stats_status setup(double p2, double diff, const hl_stats_power_opts *o, power_setup *ps)
{
    ps->alpha = o && o->alpha != 0.0 ? o->alpha : 0.05;
    ps->power = o && o->power != 0.0 ? o->power : 0.8;
    ps->ratio = o && o->ratio != 0.0 ? o->ratio : 1.0;
    ps->phi = o && o->phi != 0.0 ? o->phi : 1.0;
    ps->alt = o ? o->alternative : HL_STATS_TWO_SIDED;
    if (hl_stats__check_alpha(ps->alpha) != HL_STATS_OK || !(ps->power > 0.0 && ps->power < 1.0) ||
        !(ps->ratio > 0.0) || !isfinite(ps->ratio) || !(ps->phi > 0.0) || !isfinite(ps->phi))
        return HL_STATS_BAD_INPUT;
    const double p1 = p2 + diff;
    if (!(p2 >= 0.0 && p2 <= 1.0) || !(p1 >= 0.0 && p1 <= 1.0) || !isfinite(diff))
        return HL_STATS_BAD_INPUT;
    const double r = ps->ratio, pbar = (p1 + p2 * r) / (1.0 + r);
    ps->s0 = sqrt(ps->phi * (pbar * (1.0 - pbar) * (1.0 + 1.0 / r)));
    ps->s1 = sqrt(ps->phi * (p1 * (1.0 - p1) + p2 * (1.0 - p2) / r));
    return HL_STATS_OK;
}

hl_stats_status hl_stats_power_n(double p2, double diff, const hl_stats_power_opts *opts,
                                 double *n1)
{
    power_setup ps;
    *n1 = 0.0;
    hl_stats_status s = setup(p2, diff, opts, &ps);
    if (s != HL_STATS_OK)
        return s;
    if (diff == 0.0)
        return HL_STATS_UNBOUNDED; /* no difference is never detected */
    /* One tail of the test (alpha/2 for two-sided), as samplesize_proportions_2indep_onetail. */
    const double a = ps.alt == HL_STATS_TWO_SIDED ? ps.alpha / 2.0 : ps.alpha;
    const double crit = gsl_cdf_ugaussian_Qinv(a), crit_power = gsl_cdf_ugaussian_Qinv(ps.power);
    const double t = (crit * ps.s0 - crit_power * ps.s1) / diff;
    if (!isfinite(t))
        return HL_STATS_NUMERICAL;
    *n1 = t * t;
    return HL_STATS_OK;
}

/* statsmodels normal_power_het, both tails for two-sided. */
static double power_of(const power_setup *ps, double diff, double n1)
{
    const double a = ps->alt == HL_STATS_TWO_SIDED ? ps->alpha / 2.0 : ps->alpha;
    const double ratio = ps->s0 / ps->s1, shift = diff * sqrt(n1) / ps->s1;
    const double crit = gsl_cdf_ugaussian_Qinv(a);
    double pw = 0.0;
    if (ps->alt != HL_STATS_SMALLER)
        pw += gsl_cdf_ugaussian_Q(crit * ratio - shift);
    if (ps->alt != HL_STATS_LARGER)
        pw += gsl_cdf_ugaussian_P(-crit * ratio - shift);
    return pw > 1.0 ? 1.0 : pw;
}

hl_stats_status hl_stats_power_at(double p2, double diff, double n1,
                                  const hl_stats_power_opts *opts, double *power)
{
    power_setup ps;
    *power = 0.0;
    hl_stats_status s = setup(p2, diff, opts, &ps);
    if (s != HL_STATS_OK)
        return s;
    if (!(n1 >= 0.0) || !isfinite(n1))
        return HL_STATS_BAD_INPUT;
    if (n1 == 0.0)
        return HL_STATS_INSUFFICIENT_DATA;
    if (!(ps.s1 > 0.0))
        return HL_STATS_ZERO_VARIANCE;
    double pw = power_of(&ps, diff, n1);
    if (!isfinite(pw))
        return HL_STATS_NUMERICAL;
    *power = pw;
    return HL_STATS_OK;
}

hl_stats_status hl_stats_power_mde(double p2, double n1, const hl_stats_power_opts *opts,
                                   double *diff)
{
    power_setup ps;
    *diff = 0.0;
    hl_stats_status s = setup(p2, 0.0, opts, &ps);
    if (s != HL_STATS_OK)
        return s;
    if (!(n1 >= 0.0) || !isfinite(n1))
        return HL_STATS_BAD_INPUT;
    if (n1 == 0.0)
        return HL_STATS_INSUFFICIENT_DATA;
    /* Power rises with the difference, so bisect on (0, 1 - p2]; 200 halvings reach the last bit. */
    double lo = 0.0, hi = 1.0 - p2;
    if (!(hi > 0.0))
        return HL_STATS_UNBOUNDED;
    power_setup top;
    if (setup(p2, hi, opts, &top) != HL_STATS_OK)
        return HL_STATS_BAD_INPUT;
    if (top.s1 > 0.0 && power_of(&top, hi, n1) < ps.power)
        return HL_STATS_UNBOUNDED; /* not detectable at any rate below 1 */
    for (int it = 0; it < 200 && hi - lo > 1e-16 * hi; it++) {
        double mid = 0.5 * (lo + hi);
        power_setup m;
        if (setup(p2, mid, opts, &m) != HL_STATS_OK)
            return HL_STATS_NUMERICAL;
        double pw = m.s1 > 0.0 ? power_of(&m, mid, n1) : 1.0;
        if (pw < ps.power)
            lo = mid;
        else
            hi = mid;
    }
    *diff = hi;
    return HL_STATS_OK;
}

hl_stats_status hl_stats_power_needed(double p2, double diff, double have1, double have2,
                                      double pace1, double pace2, const hl_stats_power_opts *opts,
                                      hl_stats_needed *out)
{
    out->n_per_arm = out->remaining1 = out->remaining2 = 0.0;
    out->days = hl_stats__undef(HL_STATS_INSUFFICIENT_DATA);
    if (!(have1 >= 0.0) || !(have2 >= 0.0) || !(pace1 >= 0.0) || !(pace2 >= 0.0) ||
        !isfinite(have1) || !isfinite(have2) || !isfinite(pace1) || !isfinite(pace2))
        return HL_STATS_BAD_INPUT;
    double n1;
    hl_stats_status s = hl_stats_power_n(p2, diff, opts, &n1);
    if (s != HL_STATS_OK)
        return s;
    const double ratio = opts && opts->ratio != 0.0 ? opts->ratio : 1.0, n2 = ratio * n1;
    out->n_per_arm = n1;
    out->remaining1 = n1 > have1 ? n1 - have1 : 0.0;
    out->remaining2 = n2 > have2 ? n2 - have2 : 0.0;
    /* Days until the slower arm is done; an arm that still needs traffic but gets none never is. */
    double days = 0.0;
    if (out->remaining1 > 0.0) {
        if (pace1 == 0.0)
            return HL_STATS_OK;
        days = out->remaining1 / pace1;
    }
    if (out->remaining2 > 0.0) {
        if (pace2 == 0.0)
            return HL_STATS_OK;
        days = fmax(days, out->remaining2 / pace2);
    }
    out->days = hl_stats__num(days);
    return HL_STATS_OK;
}
