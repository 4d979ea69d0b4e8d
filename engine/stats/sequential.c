/*
 * sequential.c — always-valid inference for the nightly run. hookline looks at every comparison
 * every night; a fixed-horizon p-value checked 30 times calls a winner in A/A far more often than
 * alpha. The normal-mixture boundary (GrowthBook, Eppo and Optimizely's mSPRT family) gives a
 * confidence sequence and a p-value that stay valid however often one looks, provided the caller
 * keeps the running minimum of p (passed back in as prev_p).
 */
#include <math.h>

#include "stats/internal.h"

hl_stats_status hl_stats_seq_test(double estimate, double se, double n_total,
                                  const hl_stats_seq_opts *opts, hl_stats_seq_result *out)
{
    double alpha = opts && opts->alpha != 0.0 ? opts->alpha : 0.05;
    double tuning = opts && opts->tuning != 0.0 ? opts->tuning : 5000.0;
    double prev = opts ? opts->prev_p : 0.0;
    out->method = "normal-mixture";
    out->estimate = out->se = out->n_total = out->rho2 = out->half_width = 0.0;
    out->low = out->high = out->p_value_look = out->p_value = 0.0;
    if (hl_stats__check_alpha(alpha) != HL_STATS_OK || !(tuning > 0.0) || !isfinite(tuning) ||
        !isfinite(estimate) || !isfinite(se) || se < 0.0 || !isfinite(n_total) || n_total < 0.0 ||
        !(prev >= 0.0) || !isfinite(prev))
        return HL_STATS_BAD_INPUT;
    if (n_total == 0.0)
        return HL_STATS_INSUFFICIENT_DATA;
    if (se == 0.0)
        return HL_STATS_ZERO_VARIANCE;
    /* Mixture variance chosen so the boundary is tightest at N = N*. */
    const double la = log(alpha);
    const double rho2 = (-2.0 * la + log(1.0 - 2.0 * la)) / tuning;
    const double nr = n_total * rho2;
    const double half = se * sqrt(2.0 * (nr + 1.0) / nr * log(sqrt(nr + 1.0) / alpha));
    /* log of the mixture likelihood ratio, e = exp(rho^2 S / (2(N rho^2 + 1))) / sqrt(N rho^2 + 1)
     * with S = est^2 N / se^2, written through z = est / se so that nothing overflows. */
    const double z = estimate / se;
    const double loge = 0.5 * z * z * nr / (nr + 1.0) - 0.5 * log1p(nr);
    double p = loge > 0.0 ? exp(-loge) : 1.0;
    if (!isfinite(half) || !isfinite(p))
        return HL_STATS_NUMERICAL;
    out->estimate = estimate;
    out->se = se;
    out->n_total = n_total;
    out->rho2 = rho2;
    out->half_width = half;
    out->low = estimate - half;
    out->high = estimate + half;
    out->p_value_look = p;
    /* The running minimum: an always-valid p never rises from one night to the next. */
    out->p_value = (prev > 0.0 && prev < p) ? prev : p;
    return HL_STATS_OK;
}

hl_stats_status hl_stats_seq_prop_lift(double x1, double n1, double x2, double n2, double phi,
                                       const hl_stats_seq_opts *opts, hl_stats_seq_result *out)
{
    /* Options first: a bad alpha is a caller bug whatever the data say. */
    hl_stats_status s = hl_stats_seq_test(0.0, 1.0, 1.0, opts, out);
    if (s == HL_STATS_OK) {
        hl_stats_lift l;
        s = hl_stats_prop_lift(x1, n1, x2, n2, 0.05, phi, 0, &l);
        if (s == HL_STATS_OK)
            return hl_stats_seq_test(l.lift, l.se, n1 + n2, opts, out);
    }
    hl_stats_seq_result zero = {"normal-mixture", 0, 0, 0, 0, 0, 0, 0, 0, 0};
    *out = zero;
    return s;
}
