/*
 * test_stats_exact.c — the exact methods against brute force: Fisher's test and the beta-binomial
 * P(p1 > p2) summed term by term in long double over the whole support, including tables so
 * lopsided that the p-value is 1e-300 (the far-tail code path), and a sweep of degenerate and
 * extreme inputs through every entry point that must never yield NaN, inf, a crash or a hang.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>

#include "hl_test.h"
#include "hookline/stats.h"

static long double lchoose(long double n, long double k)
{
    return lgammal(n + 1) - lgammal(k + 1) - lgammal(n - k + 1);
}

static long double logsumexp_add(long double acc, long double v)
{
    if (v == -INFINITY)
        return acc;
    if (acc == -INFINITY)
        return v;
    long double m = acc > v ? acc : v;
    return m + logl(expl(acc - m) + expl(v - m));
}

/* log p of Fisher's test by summing every table of the hypergeometric support. */
static long double fisher_brute_log(long x1, long n1, long x2, long n2, hl_stats_alternative alt)
{
    long k = x1 + x2, N = n1 + n2;
    long lo = k - n2 > 0 ? k - n2 : 0, hi = n1 < k ? n1 : k;
    long double norm = lchoose(N, k), lobs = lchoose(n1, x1) + lchoose(n2, x2) - norm;
    long double acc = -INFINITY;
    for (long x = lo; x <= hi; x++) {
        long double l = lchoose(n1, x) + lchoose(n2, k - x) - norm;
        int take = alt == HL_STATS_LARGER    ? x >= x1
                   : alt == HL_STATS_SMALLER ? x <= x1
                                             : l <= lobs + log1pl(1e-7L);
        if (take)
            acc = logsumexp_add(acc, l);
    }
    return acc > 0 ? 0 : acc;
}

static void check_fisher(long x1, long n1, long x2, long n2, double rel)
{
    for (int a = 0; a < 3; a++) {
        hl_stats_alternative alt = (hl_stats_alternative)a;
        double p;
        CHECK_INT(hl_stats_fisher((double)x1, (double)n1, (double)x2, (double)n2, alt, &p),
                  HL_STATS_OK);
        long double lp = fisher_brute_log(x1, n1, x2, n2, alt);
        double want = (double)expl(lp);
        CHECK(isfinite(p) && p >= 0 && p <= 1);
        if (want > 1e-305) {
            if (!(fabs(p - want) <= rel * want)) {
                hl_test_failures++;
                fprintf(stderr, "fisher %ld/%ld vs %ld/%ld alt %d: %.17g, brute %.17g\n", x1, n1,
                        x2, n2, a, p, want);
            }
        } else {
            /* Below the normal range: only "tiny", never a wrong large number. */
            CHECK(p <= 1e-300);
        }
        hl_test_checks++;
    }
}

static void test_fisher_brute(void)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 42);
    for (int i = 0; i < 300; i++) {
        long n1 = 1 + (long)gsl_rng_uniform_int(r, i < 200 ? 60 : 3000);
        long n2 = 1 + (long)gsl_rng_uniform_int(r, i < 200 ? 60 : 3000);
        long x1 = (long)gsl_rng_uniform_int(r, (unsigned long)n1 + 1);
        long x2 = (long)gsl_rng_uniform_int(r, (unsigned long)n2 + 1);
        check_fisher(x1, n1, x2, n2, 1e-9);
    }
    gsl_rng_free(r);
    /* The far-tail path (observed term below e^-650 of the mode). */
    check_fisher(0, 3000, 1400, 3000, 1e-9);
    check_fisher(1500, 3000, 0, 3000, 1e-9);
    check_fisher(1, 4000, 900, 4000, 1e-9);
    check_fisher(2990, 3000, 1400, 3000, 1e-9);
    check_fisher(0, 2000, 2000, 2000, 1e-9);
    /* Symmetric tables: ties with the mirror table. */
    check_fisher(3, 100, 10, 100, 1e-12);
    check_fisher(10, 100, 3, 100, 1e-12);
    check_fisher(500, 1000, 500, 1000, 1e-12);
}

/* P(p1 > p2) by summing all of Evan Miller's terms in long double. */
static double beta_brute(long x1, long n1, long x2, long n2)
{
    long double aB = 1 + x1, bB = 1 + n1 - x1, aA = 1 + x2, bA = 1 + n2 - x2;
    long double lb_ab = lgammal(aA) + lgammal(bA) - lgammal(aA + bA);
    long double acc = -INFINITY;
    for (long i = 0; i < (long)aB; i++) {
        long double l1 = lgammal(aA + i) + lgammal(bA + bB) - lgammal(aA + i + bA + bB);
        long double l2 = lgammal(1.0L + i) + lgammal(bB) - lgammal(1.0L + i + bB);
        acc = logsumexp_add(acc, l1 - logl(bB + i) - l2 - lb_ab);
    }
    return (double)expl(acc);
}

static void test_beta_brute(void)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 7);
    for (int i = 0; i < 200; i++) {
        long n1 = (long)gsl_rng_uniform_int(r, i < 150 ? 80 : 2000);
        long n2 = (long)gsl_rng_uniform_int(r, i < 150 ? 80 : 2000);
        long x1 = (long)gsl_rng_uniform_int(r, (unsigned long)n1 + 1);
        long x2 = (long)gsl_rng_uniform_int(r, (unsigned long)n2 + 1);
        double p, want = beta_brute(x1, n1, x2, n2);
        CHECK_INT(hl_stats_beta_prob_greater((double)x1, (double)n1, (double)x2, (double)n2, &p),
                  HL_STATS_OK);
        if (want > 1e-300)
            CHECK_NEAR(p, want, 1e-9, 0);
        else
            CHECK(p <= 1e-290);
        /* Complement: P(p1 > p2) + P(p2 > p1) = 1 for continuous posteriors. */
        double q;
        CHECK_INT(hl_stats_beta_prob_greater((double)x2, (double)n2, (double)x1, (double)n1, &q),
                  HL_STATS_OK);
        CHECK_NEAR(p + q, 1.0, 1e-10, 0);
    }
    gsl_rng_free(r);
}

/* Large counts: agreement with the normal approximation where it is excellent, and speed. */
static void test_large(void)
{
    double p;
    CHECK_INT(hl_stats_beta_prob_greater(5001000, 1e7, 5000000, 1e7, &p), HL_STATS_OK);
    /* z = 1000 / sqrt(2 * 1e7 * 0.25) = 0.4472; Phi(0.4472) = 0.67264 */
    CHECK_NEAR(p, 0.672639, 0, 2e-5);
    CHECK_INT(hl_stats_fisher(5000000, 1e7, 5001000, 1e7, HL_STATS_TWO_SIDED, &p), HL_STATS_OK);
    CHECK_NEAR(p, 0.6550437466011079, 1e-8, 0); /* scipy */
    CHECK_INT(hl_stats_fisher(3, 1e7, 15, 1e7, HL_STATS_TWO_SIDED, &p), HL_STATS_OK);
    CHECK_NEAR(p, 0.007537816133010907, 1e-8, 0); /* scipy */
    /* 10^12 impressions per arm, 123 vs 150 clicks: the hypergeometric is Binomial(273, 1/2) to
     * ~1e-10 (scipy.stats.binomtest; scipy's own fisher_exact returns NaN here). */
    CHECK_INT(hl_stats_fisher(123, 1e12, 150, 1e12, HL_STATS_TWO_SIDED, &p), HL_STATS_OK);
    CHECK_NEAR(p, 0.11541788065178853, 1e-8, 0);
    CHECK_INT(hl_stats_fisher(123, 1e12, 150, 1e12, HL_STATS_SMALLER, &p), HL_STATS_OK);
    CHECK_NEAR(p, 0.05770894032589426, 1e-8, 0);
    /* 2^40 per arm, a difference of 0.013 standard errors: the normal approximation is good to
     * ~1e-7 here, while plain log-Beta arithmetic loses ~n eps = 2e-4. */
    const double M = 1099511627776.0;
    CHECK_INT(hl_stats_beta_prob_greater(M / 2, M, M / 2 + 1e4, M, &p), HL_STATS_OK);
    CHECK_NEAR(p, 0.49461963196023434, 0, 1e-6); /* Phi(-1e4 / M / sqrt(0.5 / M)) */
    hl_stats_interval ci;
    CHECK_INT(hl_stats_prop_ci(2.5e8, 5e8, HL_STATS_CI_CLOPPER_PEARSON, 0.05, &ci), HL_STATS_OK);
    CHECK(ci.low < 0.5 && ci.high > 0.5 && ci.high - ci.low < 1e-4);
    CHECK_INT(hl_stats_prop_ci(1, 1e15, HL_STATS_CI_JEFFREYS, 0.05, &ci), HL_STATS_OK);
    CHECK(ci.low > 0 && ci.high < 1e-14);
}

/* Every number a result hands out must be finite, whatever the status. */
#define FINITE(x)                                                                          \
    do {                                                                                   \
        hl_test_checks++;                                                                  \
        if (!isfinite(x)) {                                                                \
            hl_test_failures++;                                                            \
            fprintf(stderr, "%s:%d: non-finite %s (inputs %g %g %g %g)\n", __FILE__,       \
                    __LINE__, #x, a, b, c, d);                                             \
        }                                                                                  \
    } while (0)

static void sweep_one(double a, double b, double c, double d)
{
    double z, p;
    hl_stats_ztest(a, b, c, d, HL_STATS_TWO_SIDED, 0, &z, &p);
    FINITE(z);
    FINITE(p);
    for (int t = 0; t < 4; t++) {
        hl_stats_prop_opts o = {(hl_stats_prop_test_kind)t, HL_STATS_TWO_SIDED, 0, 0, 0};
        hl_stats_test_result r;
        hl_stats_prop_test(a, b, c, d, &o, &r);
        FINITE(r.statistic.value);
        FINITE(r.p_value.value);
    }
    for (int m = 0; m < 5; m++) {
        hl_stats_interval ci;
        hl_stats_prop_ci(a, b, (hl_stats_ci_method)m, 0.05, &ci);
        FINITE(ci.low);
        FINITE(ci.high);
        FINITE(ci.estimate);
    }
    hl_stats_interval nc;
    hl_stats_newcombe(a, b, c, d, 0.05, &nc);
    FINITE(nc.low);
    FINITE(nc.high);
    hl_stats_lift l;
    hl_stats_prop_lift(a, b, c, d, 0.05, 0, 1, &l);
    FINITE(l.lift);
    FINITE(l.se);
    FINITE(l.low);
    FINITE(l.high);
    FINITE(l.p_value);
    for (int t = 0; t < 2; t++) {
        hl_stats_rate_result r;
        hl_stats_rate_test(a, b, c, d, (hl_stats_rate_test_kind)t, HL_STATS_TWO_SIDED, 0.05, &r);
        FINITE(r.p_value.value);
        FINITE(r.rate_ratio.value);
        FINITE(r.ci_low.value);
        FINITE(r.ci_high.value);
        FINITE(r.cpa_ratio.value);
        FINITE(r.cpa_ratio_low.value);
        FINITE(r.cpa_ratio_high.value);
    }
    hl_stats_cpa_interval cpa;
    hl_stats_cpa_ci(a, b, 0.05, &cpa);
    FINITE(cpa.cpa.value);
    FINITE(cpa.low.value);
    FINITE(cpa.high.value);
    hl_stats_seq_result s;
    hl_stats_seq_prop_lift(a, b, c, d, 0, NULL, &s);
    FINITE(s.low);
    FINITE(s.high);
    FINITE(s.p_value);
    hl_stats_bayes by;
    hl_stats_bayes_prop(a, b, c, d, NULL, 0.05, 0, &by);
    FINITE(by.chance_to_win);
    FINITE(by.risk_control);
    FINITE(by.risk_treatment);
    hl_stats_beta_prob_greater(a, b, c, d, &p);
    FINITE(p);
    double n;
    hl_stats_power_n(a, c, NULL, &n);
    FINITE(n);
    hl_stats_power_at(a, c, b, NULL, &n);
    FINITE(n);
    const double obs[2] = {a, c};
    hl_stats_srm srm;
    hl_stats_srm_test(obs, NULL, 2, &srm);
    FINITE(srm.p_value);
    FINITE(srm.statistic);
}

static void test_sweep(void)
{
    /* Exact methods cost the spread of their distribution; 1e9 keeps this sweep quick while
     * still far beyond an ad's daily counts. */
    const double v[] = {0, 1, 2, 3, 0.5, 7, 1000, 1e6, 1e9, -1, -0.0, NAN, INFINITY, 1e-300};
    const size_t nv = sizeof v / sizeof v[0];
    for (size_t i = 0; i < nv; i++)
        for (size_t j = 0; j < nv; j++)
            for (size_t k = 0; k < nv; k += 2)
                for (size_t m = 0; m < nv; m += 3)
                    sweep_one(v[i], v[j], v[k], v[m]);
}

int main(void)
{
    gsl_set_error_handler_off();
    test_fisher_brute();
    test_beta_brute();
    test_large();
    test_sweep();
    TEST_MAIN_END();
}
