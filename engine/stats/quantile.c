/*
 * quantile.c — incomplete-beta tails and the quantile solver behind Clopper-Pearson, Jeffreys and
 * the Garwood (Poisson) interval. GSL's own inverses return NaN or wrong values once parameters
 * pass ~1e6 (impressions do), so tails are summed here in log space and inverted by a
 * safeguarded Newton iteration.
 */
#include <float.h>
#include <math.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_gamma.h>

#include "stats/internal.h"

/* log I_u(p, q), v = 1 - u, for u < (p + 1)/(p + q + 2), where the continued fraction
 *   I_u(p,q) = u^p v^q / (p B(p,q)) * 1/(1 + d1/(1 + d2/(1 + ...)))
 * converges fast (modified Lentz). The prefactor goes through the saddle-point Beta density so
 * that huge p and q do not cancel away the digits. A power series would be simpler but crawls
 * (ratio -> u) when u is near 1, e.g. the upper Clopper-Pearson end at x = 0 of n = 10^7. */
static double beta_cf_log(double u, double v, double p, double q)
{
    double lpre;
    if (p >= 1.0 && q >= 1.0)
        lpre = log(p + q - 1.0) + hl_stats__ldbinom(p - 1.0, p + q - 2.0, u, v) + log(u) + log(v) -
               log(p);
    else
        lpre = hl_stats__ldbeta(u, p, q) + log(u) + log(v) - log(p);
    const double tiny = 1e-300;
    double c = 1.0, d = 1.0 - (p + q) * u / (p + 1.0);
    if (fabs(d) < tiny)
        d = tiny;
    d = 1.0 / d;
    double h = d;
    for (double m = 1.0; m < 1e8; m += 1.0) {
        double m2 = 2.0 * m;
        double aa = m * (q - m) * u / ((p - 1.0 + m2) * (p + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < tiny)
            d = tiny;
        c = 1.0 + aa / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1.0 / d;
        h *= d * c;
        aa = -(p + m) * (p + q + m) * u / ((p + m2) * (p + 1.0 + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < tiny)
            d = tiny;
        c = 1.0 + aa / c;
        if (fabs(c) < tiny)
            c = tiny;
        d = 1.0 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1.0) < 1e-16)
            break;
    }
    return lpre + log(h);
}

/* log lower and log upper tails of Beta(a, b) at x, each accurate in its own tail. */
static hl_stats_status beta_logtails(double x, double a, double b, double *ll, double *lu)
{
    if (x <= 0.0) {
        *ll = -INFINITY;
        *lu = 0.0;
        return HL_STATS_OK;
    }
    if (x >= 1.0) {
        *ll = 0.0;
        *lu = -INFINITY;
        return HL_STATS_OK;
    }
    if (x < (a + 1.0) / (a + b + 2.0)) {
        *ll = beta_cf_log(x, 1.0 - x, a, b);
        *lu = log1p(-exp(*ll));
    } else {
        *lu = beta_cf_log(1.0 - x, x, b, a);
        *ll = log1p(-exp(*lu));
    }
    if (isnan(*ll) || isnan(*lu))
        return HL_STATS_NUMERICAL;
    return HL_STATS_OK;
}

hl_stats_status hl_stats__beta_tails(double x, double a, double b, double *lower, double *upper)
{
    double ll, lu;
    hl_stats_status s = beta_logtails(x, a, b, &ll, &lu);
    if (s != HL_STATS_OK)
        return s;
    *lower = exp(ll);
    *upper = exp(lu);
    return HL_STATS_OK;
}

/* A monotone tail T(theta) as logs: log T, log |T'| and d/dtheta log |T'| (the derivative's sign
 * is fixed by `increasing`). Returns non-zero on failure. */
typedef int (*tail_fn)(void *ctx, double theta, double *logT, double *logdT, double *dlogdT);

/* Solves T(theta) = q on (lo, hi) (hi may be +inf) by Halley's method on g = log T - log q,
 * which is nearly linear in the tails and whose first two derivatives come free with the density
 * (g' = T'/T, g'' = g' d log|T'| - g'^2). Cubic convergence means a step below 1e-9 leaves an
 * error far below rounding, so the loop stops there instead of paying for a confirming step.
 * A step that leaves the bracket falls back to bisection, geometric when the bracket spans
 * orders of magnitude (tiny quantiles such as 1e-12 at n = 1e9 cost a handful of steps); `unit`
 * mirrors that near 1 for a (0,1) parameter. */
static hl_stats_status solve_tail(tail_fn f, void *ctx, double q, int increasing, int unit,
                                  double lo, double hi, double x, double *out)
{
    const double lq = log(q);
    for (int it = 0; it < 500; it++) {
        double lT, ldT, dl;
        if (f(ctx, x, &lT, &ldT, &dl) != 0)
            return HL_STATS_NUMERICAL;
        double g = lT - lq;
        if (g == 0.0) {
            *out = x;
            return HL_STATS_OK;
        }
        /* T below q: move to where T grows. */
        if ((g < 0.0) == (increasing != 0))
            lo = x;
        else
            hi = x;
        double xn = NAN, scale = unit ? fmin(x, 1.0 - x) : x;
        if (isfinite(lT) && isfinite(ldT)) {
            double g1 = exp(ldT - lT) * (increasing ? 1.0 : -1.0);
            double step = -g / g1;
            /* Halley only near the root: far out its correction turns a useful Newton overshoot
             * (caught by the bracket) into a crawl. */
            if (fabs(g) < 0.5) {
                double g2 = g1 * dl - g1 * g1, den = 2.0 * g1 * g1 - g * g2;
                double h = -2.0 * g * g1 / den;
                if (isfinite(h) && den > 0.0 && fabs(h) <= 2.0 * fabs(step))
                    step = h;
            }
            if (isfinite(step) && fabs(step) <= 1e-9 * scale) {
                /* Cubic (or quadratic from 1e-9) convergence: the error is now below rounding. */
                xn = x + step;
                *out = xn < lo ? lo : xn > hi ? hi : xn;
                return isfinite(*out) ? HL_STATS_OK : HL_STATS_NUMERICAL;
            }
            xn = x + step;
        }
        if (!(xn > lo && xn < hi)) {
            if (isinf(hi))
                xn = x > 0.0 ? 4.0 * x : 1.0;
            else if (unit && lo >= 0.5 && hi < 1.0 && (1.0 - lo) > 4.0 * (1.0 - hi))
                xn = 1.0 - sqrt((1.0 - lo) * (1.0 - hi));
            else if (unit && lo >= 0.5 && hi >= 1.0)
                xn = 1.0 - (1.0 - lo) / 16.0;
            else if (lo > 0.0 && hi > 4.0 * lo)
                xn = sqrt(lo * hi);
            else if (lo <= 0.0 && (!unit || hi <= 0.5))
                xn = hi / 16.0;
            else
                xn = 0.5 * (lo + hi);
        }
        scale = unit ? fmin(xn, 1.0 - xn) : xn;
        if (hi - lo <= 4.0 * DBL_EPSILON * scale || xn == x) {
            *out = xn;
            return isfinite(xn) ? HL_STATS_OK : HL_STATS_NUMERICAL;
        }
        x = xn;
    }
    return HL_STATS_NUMERICAL;
}

typedef struct beta_ctx {
    double a, b;
    int upper;
} beta_ctx;

static int beta_tail(void *vctx, double x, double *lT, double *ldT, double *dl)
{
    const beta_ctx *c = vctx;
    double ll, lu;
    if (beta_logtails(x, c->a, c->b, &ll, &lu) != HL_STATS_OK)
        return -1;
    *lT = c->upper ? lu : ll;
    *ldT = hl_stats__ldbeta(x, c->a, c->b);
    *dl = (c->a - 1.0) / x - (c->b - 1.0) / (1.0 - x);
    return isnan(*ldT) ? -1 : 0;
}

/* A starting point good to ~1 % (far better for large a, b): Abramowitz & Stegun 26.5.22 when
 * both parameters exceed 1, else the leading term of the tail, I_x ~ x^a / (a B(a,b)). */
static double beta_start(double q, double a, double b, int upper)
{
    double y = gsl_cdf_ugaussian_Qinv(q);
    if (upper)
        y = -y;
    double x = NAN;
    if (a > 1.0 && b > 1.0) {
        double lam = (y * y - 3.0) / 6.0, s = 1.0 / (2.0 * a - 1.0), t = 1.0 / (2.0 * b - 1.0);
        double h = 2.0 / (s + t);
        double w = y * sqrt(h + lam) / h - (t - s) * (lam + 5.0 / 6.0 - 2.0 / (3.0 * h));
        x = a / (a + b * exp(2.0 * w));
    } else {
        gsl_sf_result lb;
        if (gsl_sf_lnbeta_e(a, b, &lb) == GSL_SUCCESS)
            x = upper ? -expm1((log(q) + log(b) + lb.val) / b)
                      : exp((log(q) + log(a) + lb.val) / a);
    }
    double mu = a / (a + b);
    if (!(x > 0.0 && x < 1.0)) {
        double sd = sqrt(a * b / ((a + b) * (a + b) * (a + b + 1.0)));
        x = mu - y * sd;
        if (!(x > 0.0))
            x = mu / 4.0;
        if (!(x < 1.0))
            x = 1.0 - (1.0 - mu) / 4.0;
    }
    return x;
}

hl_stats_status hl_stats__beta_quantile(double q, double a, double b, int upper, double *x)
{
    if (!(q > 0.0 && q < 1.0) || !(a > 0.0) || !(b > 0.0) || !isfinite(a) || !isfinite(b))
        return HL_STATS_BAD_INPUT;
    beta_ctx c = {a, b, upper};
    return solve_tail(beta_tail, &c, q, !upper, 1, 0.0, 1.0, beta_start(q, a, b, upper), x);
}

typedef struct pois_ctx {
    double k;
    int ge; /* 1: T = P(X >= k) (grows with lambda); 0: T = P(X <= k) (falls) */
} pois_ctx;

static int pois_tail(void *vctx, double lambda, double *lT, double *ldT, double *dl)
{
    const pois_ctx *c = vctx;
    hl_stats__disc d;
    hl_stats__tails t;
    hl_stats__disc_pois(&d, lambda);
    if (hl_stats__disc_tails(&d, (int64_t)c->k, &t) != HL_STATS_OK)
        return -1;
    *lT = log(c->ge ? t.ge : t.le);
    /* d/dlambda P(X >= k) = pmf(k - 1); d/dlambda P(X <= k) = -pmf(k); and
     * d/dlambda log pmf(j) = j / lambda - 1. */
    double j = c->ge ? c->k - 1.0 : c->k;
    *ldT = hl_stats__ldpois(j, lambda);
    *dl = j / lambda - 1.0;
    return 0;
}

static double pois_start(double k, double q, int upper)
{
    /* Wilson-Hilferty for the gamma quantile: close enough that Halley needs a few steps. */
    double z = gsl_cdf_ugaussian_Qinv(q);
    double a = upper ? k + 1.0 : k;
    double c = 1.0 - 1.0 / (9.0 * a) + (upper ? z : -z) / (3.0 * sqrt(a));
    double g = a * c * c * c;
    return g > 0.0 ? g : a / 4.0;
}

hl_stats_status hl_stats__pois_mean_for_ge(double x, double q, double *lambda)
{
    if (!(x >= 1.0) || !(q > 0.0 && q < 1.0))
        return HL_STATS_BAD_INPUT;
    pois_ctx c = {x, 1};
    return solve_tail(pois_tail, &c, q, 1, 0, 0.0, INFINITY, pois_start(x, q, 0), lambda);
}

hl_stats_status hl_stats__pois_mean_for_le(double x, double q, double *lambda)
{
    if (!(x >= 0.0) || !(q > 0.0 && q < 1.0))
        return HL_STATS_BAD_INPUT;
    pois_ctx c = {x, 0};
    return solve_tail(pois_tail, &c, q, 0, 0, 0.0, INFINITY, pois_start(x, q, 1), lambda);
}
