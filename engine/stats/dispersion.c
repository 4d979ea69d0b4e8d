/*
 * dispersion.c — how much more ad-day counts vary than a binomial allows. Daily rates wander with
 * audience mix, placement and auction pressure, so impressions are not independent trials; the
 * Pearson chi-square over day-level cells divided by its degrees of freedom (quasi-binomial phi)
 * is the factor the proportion tests multiply their variances by.
 */
#include <math.h>
#include <stdlib.h>

#include "stats/internal.h"

hl_stats_status hl_stats_dispersion_quasibinomial(const double *x, const double *n,
                                                  const size_t *group, size_t ncells,
                                                  size_t ngroups, size_t min_df,
                                                  hl_stats_dispersion *out)
{
    out->method = "binomial";
    out->phi = 1.0;
    out->phi_raw = out->chi2 = out->df = 0.0;
    out->fallback = 1;
    if (ngroups == 0 || (ncells > 0 && (x == NULL || n == NULL)))
        return HL_STATS_BAD_INPUT;
    for (size_t i = 0; i < ncells; i++) {
        if (!isfinite(x[i]) || !isfinite(n[i]) || x[i] < 0.0 || n[i] < 0.0 || x[i] > n[i])
            return HL_STATS_BAD_INPUT;
        if (group && group[i] >= ngroups)
            return HL_STATS_BAD_INPUT;
    }
    if (min_df == 0)
        min_df = 3;

    double *sx = calloc(ngroups, sizeof *sx), *sn = calloc(ngroups, sizeof *sn);
    size_t *used = calloc(ngroups, sizeof *used);
    hl_stats_status status = HL_STATS_OK;
    if (!sx || !sn || !used) {
        status = HL_STATS_NO_MEMORY;
        goto cleanup;
    }
    for (size_t i = 0; i < ncells; i++) {
        size_t g = group ? group[i] : 0;
        sx[g] += x[i];
        sn[g] += n[i];
    }
    /* Each group's rate is one fitted parameter. A group at rate 0 or 1 has no binomial variance
     * to compare against, and an empty cell says nothing, so both are left out of the count. */
    double chi2 = 0.0;
    size_t cells = 0, groups = 0;
    for (size_t i = 0; i < ncells; i++) {
        size_t g = group ? group[i] : 0;
        if (n[i] == 0.0 || sn[g] == 0.0)
            continue;
        double p = sx[g] / sn[g];
        if (p <= 0.0 || p >= 1.0)
            continue;
        double e = n[i] * p, d = x[i] - e;
        chi2 += d * d / (e * (1.0 - p));
        cells++;
        if (used[g]++ == 0)
            groups++;
    }
    out->chi2 = chi2;
    out->df = cells > groups ? (double)(cells - groups) : 0.0;
    if (cells < groups + min_df)
        goto cleanup; /* too few days: binomial, and the caller says so */
    out->phi_raw = chi2 / out->df;
    if (!isfinite(out->phi_raw)) {
        status = HL_STATS_NUMERICAL;
        out->phi_raw = 0.0;
        goto cleanup;
    }
    out->phi = out->phi_raw > 1.0 ? out->phi_raw : 1.0;
    out->method = "quasi-binomial";
    out->fallback = 0;
cleanup:
    free(sx);
    free(sn);
    free(used);
    return status;
}
