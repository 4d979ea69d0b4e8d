/*
 * srm.c — sample-ratio mismatch for declared randomized splits: if a 50/50 test delivers 5000 vs
 * 5200 units, the split itself is broken and no lift computed on it can be trusted. Pearson
 * chi-square against the declared weights.
 */
#include <math.h>

#include <gsl/gsl_cdf.h>

#include "stats/internal.h"

hl_stats_status hl_stats_srm_test(const double *observed, const double *weights, size_t k,
                                  hl_stats_srm *out)
{
    out->method = "chi-square";
    out->statistic = out->df = out->p_value = 0.0;
    if (observed == NULL || k < 2)
        return HL_STATS_BAD_INPUT;
    double total = 0.0, wsum = 0.0;
    for (size_t i = 0; i < k; i++) {
        if (!isfinite(observed[i]) || observed[i] < 0.0)
            return HL_STATS_BAD_INPUT;
        double w = weights ? weights[i] : 1.0;
        if (!isfinite(w) || !(w > 0.0))
            return HL_STATS_BAD_INPUT;
        total += observed[i];
        wsum += w;
    }
    if (total == 0.0)
        return HL_STATS_INSUFFICIENT_DATA;
    double chi2 = 0.0;
    for (size_t i = 0; i < k; i++) {
        double e = total * (weights ? weights[i] : 1.0) / wsum;
        double d = observed[i] - e;
        chi2 += d * d / e;
    }
    const double df = (double)(k - 1);
    double p = gsl_cdf_chisq_Q(chi2, df);
    if (!isfinite(chi2) || !isfinite(p))
        return HL_STATS_NUMERICAL;
    out->statistic = chi2;
    out->df = df;
    out->p_value = p;
    return HL_STATS_OK;
}
