/*
 * multiplicity.c — adjusting p-values when a run tests every ad on every metric: hundreds of
 * comparisons a night would otherwise yield "winners" by chance alone. Benjamini-Hochberg (the
 * default, false discovery rate), Holm and Bonferroni (family-wise), as statsmodels multipletests.
 */
#include <math.h>
#include <stdlib.h>

#include "stats/internal.h"

typedef struct ranked {
    double p;
    size_t i;
} ranked;

/* Ties keep input order, so the result never depends on qsort's whims. */
static int by_p(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->p < y->p)
        return -1;
    if (x->p > y->p)
        return 1;
    return (x->i > y->i) - (x->i < y->i);
}

hl_stats_status hl_stats_adjust(const double *p, size_t m, hl_stats_adjust_method method,
                                double *out)
{
    if (m == 0)
        return HL_STATS_OK;
    if (p == NULL || out == NULL)
        return HL_STATS_BAD_INPUT;
    for (size_t i = 0; i < m; i++)
        if (!(p[i] >= 0.0 && p[i] <= 1.0))
            return HL_STATS_BAD_INPUT;
    const double dm = (double)m;
    if (method == HL_STATS_ADJUST_BONFERRONI) {
        for (size_t i = 0; i < m; i++)
            out[i] = fmin(1.0, dm * p[i]);
        return HL_STATS_OK;
    }
    if (method != HL_STATS_ADJUST_HOLM && method != HL_STATS_ADJUST_BH)
        return HL_STATS_BAD_INPUT;
    ranked *r = malloc(m * sizeof *r);
    if (!r)
        return HL_STATS_NO_MEMORY;
    for (size_t i = 0; i < m; i++) {
        r[i].p = p[i];
        r[i].i = i;
    }
    qsort(r, m, sizeof *r, by_p);
    if (method == HL_STATS_ADJUST_HOLM) {
        /* Step-down: the k-th smallest is multiplied by m - k + 1; a running maximum keeps the
         * adjusted values in the order of the raw ones. */
        double run = 0.0;
        for (size_t k = 0; k < m; k++) {
            double v = (dm - (double)k) * r[k].p;
            if (v > run)
                run = v;
            r[k].p = fmin(1.0, run);
        }
    } else {
        /* Step-up: m p_(k) / k, running minimum from the largest down. */
        double run = INFINITY;
        for (size_t k = m; k-- > 0;) {
            double v = dm * r[k].p / (double)(k + 1);
            if (v < run)
                run = v;
            r[k].p = fmin(1.0, run);
        }
    }
    /* Written through the permutation so out may alias p. */
    for (size_t k = 0; k < m; k++)
        out[r[k].i] = r[k].p;
    free(r);
    return HL_STATS_OK;
}
