/*
 * discrete.c — accurate log-densities (Loader's saddle-point method, as in R and scipy's boost)
 * and exact tail sums of the binomial, hypergeometric and Poisson distributions. Fisher's test,
 * the exact-conditional rate test and the Garwood CPA interval are all built on this.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_sf_gamma.h>

#include "stats/internal.h"

/* stirlerr(n) at n = 0, 0.5, ..., 15, to 25 digits (mpmath). Small n is where the asymptotic
 * series is useless and lgamma differences lose the digits we are after. */
static const double sferr_halves[31] = {
    0.0,
    0.1534264097200273452913839,   0.08106146679532725821967026,  0.0548141210519176538961387,
    0.04134069595540929409382208,  0.03316287351993628748511051,  0.02767792568499833914878929,
    0.02374616365629749597133028,  0.02079067210376509311152277,  0.01848845053267318523077936,
    0.01664469118982119216319487,  0.01513497322191737887351384,  0.01387612882307074799874573,
    0.01281046524292022692425066,  0.01189670994589177009505572,  0.01110455975820691732663076,
    0.01041126526197209649747857,  0.009799416126158803298390373, 0.009255462182712732917728637,
    0.008768700134139385462955047, 0.008330563433362871256469319, 0.007934114564314020547249562,
    0.007573675487951840794972024, 0.007244554301320383179546197, 0.006942840107209529865664153,
    0.006665247032707682442356181, 0.006408994188004207068439631, 0.006171712263039457647534605,
    0.005951370112758847735624416, 0.005746216513010115682026102, 0.00555473355196280137103869,
};

#define LN_SQRT_2PI 0.918938533204672741780329736406 /* log(sqrt(2 pi)) */
#define LN_2PI 1.837877066409345483560659472811      /* log(2 pi) */

double hl_stats__stirlerr(double n)
{
    const double S0 = 1.0 / 12, S1 = 1.0 / 360, S2 = 1.0 / 1260, S3 = 1.0 / 1680,
                 S4 = 1.0 / 1188;
    if (n <= 15.0) {
        double nn = n + n;
        if (nn == floor(nn))
            return sferr_halves[(int)nn];
        /* Off the half-integer grid (only fractional Beta parameters get here): the definition. */
        gsl_sf_result lg;
        if (gsl_sf_lngamma_e(n + 1.0, &lg) != GSL_SUCCESS)
            return NAN;
        return lg.val - (n + 0.5) * log(n) + n - LN_SQRT_2PI;
    }
    double nn = n * n;
    if (n > 500)
        return (S0 - S1 / nn) / n;
    if (n > 80)
        return (S0 - (S1 - S2 / nn) / nn) / n;
    if (n > 35)
        return (S0 - (S1 - (S2 - S3 / nn) / nn) / nn) / n;
    return (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n;
}

double hl_stats__bd0(double x, double np)
{
    /* Near x = np the naive x log(x/np) + np - x cancels catastrophically; the series in
     * v = (x - np)/(x + np) does not. */
    if (fabs(x - np) < 0.1 * (x + np)) {
        double v = (x - np) / (x + np);
        double s = (x - np) * v;
        if (fabs(s) < DBL_MIN)
            return s;
        double ej = 2 * x * v;
        v = v * v;
        for (int j = 1; j < 1000; j++) {
            ej *= v;
            double s1 = s + ej / ((j << 1) + 1);
            if (s1 == s)
                return s1;
            s = s1;
        }
    }
    return x * log(x / np) + np - x;
}

double hl_stats__ldbinom(double x, double n, double p, double q)
{
    if (p == 0.0)
        return x == 0.0 ? 0.0 : -INFINITY;
    if (q == 0.0)
        return x == n ? 0.0 : -INFINITY;
    if (x == 0.0) {
        if (n == 0.0)
            return 0.0;
        return p < 0.1 ? -hl_stats__bd0(n, n * q) - n * p : n * log(q);
    }
    if (x == n)
        return q < 0.1 ? -hl_stats__bd0(n, n * p) - n * q : n * log(p);
    if (x < 0.0 || x > n)
        return -INFINITY;
    double lc = hl_stats__stirlerr(n) - hl_stats__stirlerr(x) - hl_stats__stirlerr(n - x) -
                hl_stats__bd0(x, n * p) - hl_stats__bd0(n - x, n * q);
    double lf = LN_2PI + log(x) + log1p(-x / n);
    return lc - 0.5 * lf;
}

double hl_stats__ldpois(double x, double lambda)
{
    if (x < 0.0)
        return -INFINITY;
    if (x == 0.0)
        return -lambda;
    return -hl_stats__stirlerr(x) - hl_stats__bd0(x, lambda) - 0.5 * (LN_2PI + log(x));
}

double hl_stats__ldhyper(double x, double r, double b, double k)
{
    /* R's dhyper: three binomial densities at the same p = k / (r + b) so that the large parts
     * cancel analytically rather than numerically. */
    double N = r + b;
    if (x < 0.0 || x > r || k - x < 0.0 || k - x > b)
        return -INFINITY;
    if (k == 0.0)
        return 0.0;
    double p = k / N, q = (N - k) / N;
    return hl_stats__ldbinom(x, r, p, q) + hl_stats__ldbinom(k - x, b, p, q) -
           hl_stats__ldbinom(k, N, p, q);
}

double hl_stats__ldbeta(double x, double a, double b)
{
    if (!(x > 0.0 && x < 1.0))
        return -INFINITY;
    if (a >= 1.0 && b >= 1.0)
        return log(a + b - 1.0) + hl_stats__ldbinom(a - 1.0, a + b - 2.0, x, 1.0 - x);
    gsl_sf_result lb;
    if (gsl_sf_lnbeta_e(a, b, &lb) != GSL_SUCCESS)
        return NAN;
    return (a - 1.0) * log(x) + (b - 1.0) * log1p(-x) - lb.val;
}

/* ------------------------------------------------------------------------------------------ */

static double disc_logpmf(const hl_stats__disc *d, int64_t x)
{
    double xx = (double)x;
    switch (d->kind) {
    case HL_STATS__BINOM:
        return hl_stats__ldbinom(xx, d->n, d->p, d->q);
    case HL_STATS__HYPER:
        return hl_stats__ldhyper(xx, d->r, d->b, d->k);
    case HL_STATS__POIS:
        return hl_stats__ldpois(xx, d->lambda);
    }
    return NAN;
}

/* pmf(y + 1) / pmf(y) for lo <= y < hi: the recurrence that lets a walk cost one division per
 * term instead of three log-gamma calls. */
static inline double ratio_up(const hl_stats__disc *d, int64_t y)
{
    double yy = (double)y;
    switch (d->kind) {
    case HL_STATS__BINOM:
        return (d->n - yy) / (yy + 1.0) * (d->p / d->q);
    case HL_STATS__HYPER:
        return (d->r - yy) * (d->k - yy) / ((yy + 1.0) * (d->b - d->k + yy + 1.0));
    case HL_STATS__POIS:
        return d->lambda / (yy + 1.0);
    }
    return 0.0;
}

/* The closed-form modes can be off by one after rounding in huge products; nudge to the true
 * maximum so the walks start at the top. */
static void settle_mode(hl_stats__disc *d)
{
    if (d->mode < d->lo)
        d->mode = d->lo;
    if (d->mode > d->hi)
        d->mode = d->hi;
    while (d->mode < d->hi && ratio_up(d, d->mode) > 1.0)
        d->mode++;
    while (d->mode > d->lo && ratio_up(d, d->mode - 1) < 1.0)
        d->mode--;
}

void hl_stats__disc_binom(hl_stats__disc *d, double n, double p, double q)
{
    d->kind = HL_STATS__BINOM;
    d->n = n;
    d->p = p;
    d->q = q;
    d->lo = 0;
    d->hi = (int64_t)n;
    if (p <= 0.0) {
        d->hi = d->mode = 0; /* a point mass; tails handle lo == hi */
        return;
    }
    if (q <= 0.0) {
        d->lo = d->mode = (int64_t)n;
        return;
    }
    d->mode = (int64_t)floor((n + 1.0) * p);
    settle_mode(d);
}

void hl_stats__disc_hyper(hl_stats__disc *d, double r, double b, double k)
{
    d->kind = HL_STATS__HYPER;
    d->r = r;
    d->b = b;
    d->k = k;
    d->lo = (int64_t)(k - b > 0.0 ? k - b : 0.0);
    d->hi = (int64_t)(r < k ? r : k);
    d->mode = (int64_t)floor((k + 1.0) * (r + 1.0) / (r + b + 2.0));
    settle_mode(d);
}

void hl_stats__disc_pois(hl_stats__disc *d, double lambda)
{
    d->kind = HL_STATS__POIS;
    d->lambda = lambda;
    d->lo = 0;
    d->hi = INT64_MAX / 2;
    d->mode = (int64_t)floor(lambda);
    settle_mode(d);
}

/* Stop a walk once the terms left cannot move `against` in its 17th digit. The distributions are
 * log-concave, so the step ratio only shrinks further out and t rho / (1 - rho) bounds the rest. */
static inline int negligible(double t, double rho, double against)
{
    if (rho >= 1.0)
        return 0;
    return t * rho <= 1e-17 * against * (1.0 - rho);
}

/* Observed term within e^-650 of the mode: walk out from the mode in units of the mode's term
 * and normalise by the walked total, which makes every tail exact to rounding. */
static void tails_near(const hl_stats__disc *d, int64_t x, double r, hl_stats__tails *out)
{
    const double thr = exp(r) * HL_STATS_TIE_TOL;
    const int64_t m = d->mode;
    double S = 1.0, le = m <= x ? 1.0 : 0.0, ge = m >= x ? 1.0 : 0.0, two = 1.0 <= thr ? 1.0 : 0.0;

    double t = 1.0;
    for (int64_t y = m; y < d->hi; y++) {
        double rho = ratio_up(d, y);
        int64_t z = y + 1;
        t *= rho;
        S += t;
        if (z <= x)
            le += t;
        if (z >= x)
            ge += t;
        if (t <= thr)
            two += t;
        if (z >= x && t <= thr && z < d->hi &&
            negligible(t, ratio_up(d, z), ge < two ? ge : two))
            break;
        if (t == 0.0)
            break;
    }
    t = 1.0;
    for (int64_t y = m; y > d->lo; y--) {
        int64_t z = y - 1;
        t /= ratio_up(d, z);
        S += t;
        if (z <= x)
            le += t;
        if (z >= x)
            ge += t;
        if (t <= thr)
            two += t;
        if (z <= x && t <= thr && z > d->lo &&
            negligible(t, 1.0 / ratio_up(d, z - 1), le < two ? le : two))
            break;
        if (t == 0.0)
            break;
    }
    out->le = le / S;
    out->ge = ge / S;
    out->two = two / S;
    if (out->le > 1.0)
        out->le = 1.0;
    if (out->ge > 1.0)
        out->ge = 1.0;
    if (out->two > 1.0)
        out->two = 1.0;
}

/* Sum of pmf over [from, end of support in direction dir], in units of pmf(from). */
static double walk_sum(const hl_stats__disc *d, int64_t from, int dir)
{
    double sum = 1.0, t = 1.0;
    if (dir > 0) {
        for (int64_t y = from; y < d->hi; y++) {
            double rho = ratio_up(d, y);
            t *= rho;
            sum += t;
            if (y + 1 < d->hi && negligible(t, ratio_up(d, y + 1), sum))
                break;
            if (t == 0.0)
                break;
        }
    } else {
        for (int64_t y = from; y > d->lo; y--) {
            t /= ratio_up(d, y - 1);
            sum += t;
            if (y - 1 > d->lo && negligible(t, 1.0 / ratio_up(d, y - 2), sum))
                break;
            if (t == 0.0)
                break;
        }
    }
    return sum;
}

/* Observed term below e^-650 of the mode: every tail we need is tiny or ~1, so sum each tail from
 * its inner end outward in units of that end's term and put the absolute scale back in log space.
 * The far side's inner end is found by bisection on the exact log-density. */
static void tails_far(const hl_stats__disc *d, int64_t x, double lx, hl_stats__tails *out)
{
    const double lthr = lx + log(HL_STATS_TIE_TOL);
    const int64_t m = d->mode;
    if (x > m) {
        double up = lx + log(walk_sum(d, x, +1));
        out->ge = exp(up);
        out->le = 1.0;
        /* Same-side terms just inside x that tie with it (never in practice this far out). */
        double two = out->ge, t = 1.0;
        for (int64_t z = x - 1; z > m; z--) {
            t /= ratio_up(d, z);
            if (t > HL_STATS_TIE_TOL)
                break;
            two += t * exp(lx);
        }
        /* Far side: largest z in [lo, m] with logpmf(z) <= lthr. */
        if (disc_logpmf(d, d->lo) <= lthr) {
            int64_t a = d->lo, b = m;
            while (b - a > 1) {
                int64_t mid = a + (b - a) / 2;
                if (disc_logpmf(d, mid) <= lthr)
                    a = mid;
                else
                    b = mid;
            }
            two += exp(disc_logpmf(d, a) + log(walk_sum(d, a, -1)));
        }
        out->two = two > 1.0 ? 1.0 : two;
    } else {
        double low = lx + log(walk_sum(d, x, -1));
        out->le = exp(low);
        out->ge = 1.0;
        double two = out->le, t = 1.0;
        for (int64_t z = x; z < m - 1; z++) {
            t *= ratio_up(d, z);
            if (t > HL_STATS_TIE_TOL)
                break;
            two += t * exp(lx);
        }
        /* Far side: smallest z in [m, hi] with logpmf(z) <= lthr; the support may be unbounded
         * (Poisson), so gallop out first. */
        int64_t a = m, b = m, step = 1;
        int found = 0;
        while (b < d->hi) {
            b = (d->hi - m > step) ? m + step : d->hi;
            if (disc_logpmf(d, b) <= lthr) {
                found = 1;
                break;
            }
            a = b;
            if (step > (d->hi - m) / 2)
                step = d->hi - m; /* next probe is the end; never overflow the doubling */
            else
                step *= 2;
        }
        if (found) {
            while (b - a > 1) {
                int64_t mid = a + (b - a) / 2;
                if (disc_logpmf(d, mid) <= lthr)
                    b = mid;
                else
                    a = mid;
            }
            two += exp(disc_logpmf(d, b) + log(walk_sum(d, b, +1)));
        }
        out->two = two > 1.0 ? 1.0 : two;
    }
}

hl_stats_status hl_stats__disc_tails(const hl_stats__disc *d, int64_t x, hl_stats__tails *out)
{
    if (d->lo >= d->hi) {
        out->le = out->ge = out->two = 1.0;
        return HL_STATS_OK;
    }
    if (x < d->lo || x > d->hi) {
        /* Outside the support: only reachable through a caller bug; say so rather than guess. */
        out->le = out->ge = out->two = 0.0;
        return HL_STATS_BAD_INPUT;
    }
    double lm = disc_logpmf(d, d->mode), lx = disc_logpmf(d, x);
    if (!isfinite(lm) || isnan(lx))
        return HL_STATS_NUMERICAL;
    double r = lx - lm;
    if (r > 0.0)
        r = 0.0;
    if (r > -650.0)
        tails_near(d, x, r, out);
    else
        tails_far(d, x, lx, out);
    if (!isfinite(out->le) || !isfinite(out->ge) || !isfinite(out->two))
        return HL_STATS_NUMERICAL;
    return HL_STATS_OK;
}
