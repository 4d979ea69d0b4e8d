/*
 * internal.h — what the files of engine/stats share but the public API does not expose: input
 * checks, the hl_stats_num helpers, accurate log-densities (Loader's saddle point) and the
 * tail-sum engine behind Fisher, the exact rate test and the exact intervals.
 */
#ifndef HL_STATS_INTERNAL_H
#define HL_STATS_INTERNAL_H

#include <math.h>
#include <stdint.h>

#include "hookline/stats.h"

/* Whole numbers up to 2^53 are exact in a double; exact methods refuse anything beyond. */
#define HL_STATS_MAX_COUNT 9007199254740992.0

/* Relative tolerance for "no more likely than the observed table" in two-sided exact tests:
 * scipy's binomtest uses 1 + 1e-7. Our log-space densities carry ~1e-13 relative error at counts
 * in the millions, so a tighter tolerance would split mathematical ties at random. */
#define HL_STATS_TIE_TOL (1.0 + 1e-7)

static inline hl_stats_num hl_stats__num(double v)
{
    hl_stats_num n;
    if (isfinite(v)) {
        n.value = v;
        n.status = HL_STATS_OK;
    } else {
        n.value = 0.0;
        n.status = HL_STATS_NUMERICAL;
    }
    return n;
}

static inline hl_stats_num hl_stats__undef(hl_stats_status s)
{
    hl_stats_num n = {0.0, s};
    return n;
}

static inline int hl_stats__is_whole(double v)
{
    return isfinite(v) && v >= 0.0 && v <= HL_STATS_MAX_COUNT && floor(v) == v;
}

/* x successes of n trials: BAD_INPUT for negative/non-finite/x > n (or non-whole when whole is
 * set), INSUFFICIENT_DATA for n = 0, else OK. */
hl_stats_status hl_stats__check_prop(double x, double n, int whole);
hl_stats_status hl_stats__check_alpha(double alpha);

/* p-value of a standard-normal statistic for an alternative; survival functions only. */
double hl_stats__p_from_z(double z, hl_stats_alternative alt);

/* The standard normal density. */
double hl_stats__dnorm(double z);

/* --- Loader's accurate densities (discrete.c) --------------------------------------------- */

/* log(n!) - [(n + 1/2) log n - n + log sqrt(2 pi)] for real n >= 0. */
double hl_stats__stirlerr(double n);
/* x log(x/np) + np - x, computed without cancellation. */
double hl_stats__bd0(double x, double np);
/* log of the binomial density at real x in [0, n] with success p (q = 1 - p given separately
 * so that p near 1 keeps its precision). */
double hl_stats__ldbinom(double x, double n, double p, double q);
/* log of the Poisson density at real x >= 0 with mean lambda > 0. */
double hl_stats__ldpois(double x, double lambda);
/* log of the hypergeometric density: x of the r "success" items among k drawn from r + b. */
double hl_stats__ldhyper(double x, double r, double b, double k);
/* log of the Beta(a, b) density at x in (0, 1). */
double hl_stats__ldbeta(double x, double a, double b);

/* --- Tail sums of unimodal discrete distributions (discrete.c) ------------------------------ */

enum hl_stats__dist_kind { HL_STATS__BINOM, HL_STATS__HYPER, HL_STATS__POIS };

typedef struct hl_stats__disc {
    enum hl_stats__dist_kind kind;
    int64_t lo, hi;      /* support; hi = INT64_MAX for the Poisson */
    int64_t mode;
    double n, p, q;      /* binomial */
    double r, b, k;      /* hypergeometric: r successes, b failures, k drawn */
    double lambda;       /* Poisson */
} hl_stats__disc;

void hl_stats__disc_binom(hl_stats__disc *d, double n, double p, double q);
void hl_stats__disc_hyper(hl_stats__disc *d, double r, double b, double k);
void hl_stats__disc_pois(hl_stats__disc *d, double lambda);

typedef struct hl_stats__tails {
    double le;  /* P(X <= x) */
    double ge;  /* P(X >= x) */
    double two; /* P(pmf(X) <= pmf(x) * HL_STATS_TIE_TOL) */
} hl_stats__tails;

/* All three tails at x (inside the support), each accurate relative to itself, including values
 * far below DBL_MIN's neighbourhood (they round to 0 or a subnormal, never to a wrong number).
 * Returns HL_STATS_NUMERICAL only if something non-finite appeared. */
hl_stats_status hl_stats__disc_tails(const hl_stats__disc *d, int64_t x, hl_stats__tails *out);

/* --- Continuous tails and quantiles (quantile.c) ------------------------------------------- */

/* Regularized incomplete beta I_x(a, b) (lower) and 1 - I_x(a, b) (upper), each accurate in its
 * own tail, for any a, b > 0 (continued fraction with a log-space prefactor; GSL's own gives
 * up beyond ~1e7). */
hl_stats_status hl_stats__beta_tails(double x, double a, double b, double *lower, double *upper);

/* Quantiles of Beta(a, b): the x with I_x(a, b) = q (lower) or 1 - I_x(a, b) = q (upper). */
hl_stats_status hl_stats__beta_quantile(double q, double a, double b, int upper, double *x);

/* The Poisson mean lambda with P(Pois(lambda) >= x) = q (x >= 1) or P(Pois(lambda) <= x) = q:
 * the ends of the Garwood interval. */
hl_stats_status hl_stats__pois_mean_for_ge(double x, double q, double *lambda);
hl_stats_status hl_stats__pois_mean_for_le(double x, double q, double *lambda);

#endif
