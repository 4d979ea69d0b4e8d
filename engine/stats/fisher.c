/*
 * fisher.c — Fisher's exact test for two proportions, the test for small counts (a new ad's first
 * conversions). Two-sided as scipy.stats.fisher_exact defines it; computed on the hypergeometric
 * in log space by the tail walker in discrete.c, so 10^7 impressions cost a few thousand steps
 * (the spread of the distribution), never a sum over the whole support.
 */
#include "stats/internal.h"

hl_stats_status hl_stats_fisher(double x1, double n1, double x2, double n2,
                                hl_stats_alternative alt, double *p)
{
    *p = 0.0;
    hl_stats_status s1 = hl_stats__check_prop(x1, n1, 1), s2 = hl_stats__check_prop(x2, n2, 1);
    if (s1 == HL_STATS_BAD_INPUT || s2 == HL_STATS_BAD_INPUT)
        return HL_STATS_BAD_INPUT;
    if (s1 != HL_STATS_OK || s2 != HL_STATS_OK)
        return HL_STATS_INSUFFICIENT_DATA;
    if (n1 + n2 > HL_STATS_MAX_COUNT)
        return HL_STATS_BAD_INPUT;
    const double k = x1 + x2, N = n1 + n2;
    /* No successes or no failures at all: the conditional distribution is a single table, and
     * scipy reports p = 1. */
    if (k == 0.0 || k == N) {
        *p = 1.0;
        return HL_STATS_OK;
    }
    /* Given the margins, x1 is hypergeometric: x1 of the n1 "arm 1" items among the k successes. */
    hl_stats__disc d;
    hl_stats__tails t;
    hl_stats__disc_hyper(&d, n1, n2, k);
    hl_stats_status s = hl_stats__disc_tails(&d, (int64_t)x1, &t);
    if (s != HL_STATS_OK)
        return s;
    switch (alt) {
    case HL_STATS_LARGER: /* odds ratio > 1: large x1 */
        *p = t.ge;
        break;
    case HL_STATS_SMALLER:
        *p = t.le;
        break;
    case HL_STATS_TWO_SIDED:
    default:
        *p = t.two;
        break;
    }
    return HL_STATS_OK;
}
