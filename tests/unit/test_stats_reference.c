/*
 * test_stats_reference.c — every reference value in shared/reference/statistics.md, asserted
 * against the statistics core, plus the degenerate inputs the issue names (n = 0, zero variance,
 * zero control) that must come back as typed statuses, never NaN.
 */
#include <math.h>
#include <stdio.h>

#include <gsl/gsl_errno.h>

#include "hl_test.h"
#include "hookline/stats.h"

/* Values quoted to 10 significant digits are checked to 1e-9 relative; shorter quotations to
 * half a unit in their last digit. */
#define REL10 1e-9

static void check_ci(double x, double n, hl_stats_ci_method m, double lo, double hi)
{
    hl_stats_interval ci;
    CHECK_INT(hl_stats_prop_ci(x, n, m, 0.05, &ci), HL_STATS_OK);
    CHECK_NEAR(ci.low, lo, REL10, 1e-10);
    CHECK_NEAR(ci.high, hi, REL10, 1e-10);
    CHECK_STR(ci.method, hl_stats_ci_method_name(m));
}

static void test_intervals(void)
{
    check_ci(5, 83, HL_STATS_CI_NORMAL, 0.009053542, 0.1114283857);
    check_ci(5, 83, HL_STATS_CI_AGRESTI_COULL, 0.0227347461, 0.1366529359);
    check_ci(5, 83, HL_STATS_CI_WILSON, 0.026003401, 0.1333842809);
    check_ci(5, 83, HL_STATS_CI_CLOPPER_PEARSON, 0.0198473212, 0.1350082397);
    check_ci(5, 83, HL_STATS_CI_JEFFREYS, 0.0233555752, 0.1269793376);
    check_ci(0, 50, HL_STATS_CI_WILSON, 0, 0.0713475991);
    check_ci(0, 50, HL_STATS_CI_CLOPPER_PEARSON, 0, 0.0711217365);
    check_ci(50, 50, HL_STATS_CI_WILSON, 0.9286524009, 1);
    check_ci(120, 10000, HL_STATS_CI_WILSON, 0.0100454761, 0.0143293063);
}

static void test_two_proportions(void)
{
    double z, p;
    CHECK_INT(hl_stats_ztest(5, 83, 12, 99, HL_STATS_TWO_SIDED, 0, &z, &p), HL_STATS_OK);
    CHECK_NEAR(z, -1.4078304151, REL10, 0);
    CHECK_NEAR(p, 0.1591812918, REL10, 0);

    CHECK_INT(hl_stats_ztest(120, 1e4, 100, 1e4, HL_STATS_TWO_SIDED, 0, &z, &p), HL_STATS_OK);
    CHECK_NEAR(z, 1.3558776734, REL10, 0);
    CHECK_NEAR(p, 0.1751380923, REL10, 0);
    CHECK_INT(hl_stats_ztest(120, 1e4, 100, 1e4, HL_STATS_LARGER, 0, &z, &p), HL_STATS_OK);
    CHECK_NEAR(p, 0.0875690462, REL10, 0);

    hl_stats_test_result r;
    hl_stats_prop_opts o = {HL_STATS_TEST_WALD, HL_STATS_TWO_SIDED, 0, 0, 0};
    CHECK_INT(hl_stats_prop_test(120, 1e4, 100, 1e4, &o, &r), HL_STATS_OK);
    CHECK_NEAR(r.p_value.value, 0.1751182612, REL10, 0);
    CHECK_STR(r.method, "wald");
    o.test = HL_STATS_TEST_SCORE;
    CHECK_INT(hl_stats_prop_test(120, 1e4, 100, 1e4, &o, &r), HL_STATS_OK);
    CHECK_NEAR(r.p_value.value, 0.1751488796, REL10, 0);
    CHECK_STR(r.method, "score");
    /* Without Miettinen-Nurminen's N/(N-1) the score test of p1 = p2 is the pooled z test. */
    o.score_no_correction = 1;
    CHECK_INT(hl_stats_prop_test(120, 1e4, 100, 1e4, &o, &r), HL_STATS_OK);
    CHECK_NEAR(r.p_value.value, 0.1751380923, REL10, 0);

    hl_stats_interval nc;
    CHECK_INT(hl_stats_newcombe(120, 1e4, 100, 1e4, 0.05, &nc), HL_STATS_OK);
    CHECK_NEAR(nc.low, -0.0009033939, 0, 5e-11);
    CHECK_NEAR(nc.high, 0.0049259047, 0, 5e-11);
    CHECK_NEAR(nc.estimate, 0.002, 1e-12, 0);

    CHECK_INT(hl_stats_fisher(3, 100, 10, 100, HL_STATS_TWO_SIDED, &p), HL_STATS_OK);
    CHECK_NEAR(p, 0.08179405296897922, 1e-12, 0);
    o.test = HL_STATS_TEST_FISHER;
    o.score_no_correction = 0;
    CHECK_INT(hl_stats_prop_test(3, 100, 10, 100, &o, &r), HL_STATS_OK);
    CHECK_NEAR(r.p_value.value, 0.08179405296897922, 1e-12, 0);
    CHECK_STR(r.method, "fisher");
    /* scipy's statistic: the sample odds ratio 3*90 / (97*10). */
    CHECK_NEAR(r.statistic.value, 270.0 / 970.0, 1e-14, 0);

    CHECK_INT(hl_stats_ztest(3, 100, 10, 100, HL_STATS_TWO_SIDED, 0, &z, &p), HL_STATS_OK);
    CHECK_NEAR(z, -2.0078005017, REL10, 0);
    CHECK_NEAR(p, 0.0446644955, REL10, 0);
}

static void test_lift(void)
{
    /* GrowthBook: B = 16/30 (treatment) vs A = 14/28 (control), relative, Welch t. */
    hl_stats_lift l;
    CHECK_INT(hl_stats_prop_lift(16, 30, 14, 28, 0.05, 0, 1, &l), HL_STATS_OK);
    CHECK_NEAR(l.lift, 0.06667, 0, 5e-6);
    CHECK_NEAR(l.se, 0.2717, 0, 5e-5);
    CHECK_NEAR(l.low, -0.47767, 0, 5e-6);
    CHECK_NEAR(l.high, 0.61101, 0, 5e-6);
    CHECK_NEAR(l.p_value, 0.80707, 0, 5e-6);
    CHECK_STR(l.method, "delta-welch");
}

static void test_rates(void)
{
    hl_stats_rate_result r;
    CHECK_INT(hl_stats_rate_test(40, 1000.0, 60, 1100.0, HL_STATS_RATE_EXACT, HL_STATS_TWO_SIDED,
                                 0.05, &r),
              HL_STATS_OK);
    CHECK_NEAR(r.p_value.value, 0.13393298902397754, 1e-12, 0);
    CHECK_NEAR(r.rate_ratio.value, (40.0 / 1000.0) / (60.0 / 1100.0), 1e-14, 0);
    CHECK_INT(r.ci_low.status, HL_STATS_OK);
    CHECK_INT(r.ci_high.status, HL_STATS_OK);
    CHECK(r.ci_low.value < r.rate_ratio.value && r.rate_ratio.value < r.ci_high.value);
    CHECK_NEAR(r.cpa_ratio.value, 1.0 / r.rate_ratio.value, 1e-14, 0);
    CHECK_INT(hl_stats_rate_test(40, 1000.0, 60, 1100.0, HL_STATS_RATE_SCORE, HL_STATS_TWO_SIDED,
                                 0.05, &r),
              HL_STATS_OK);
    CHECK_NEAR(r.p_value.value, 0.12712442894245315, 1e-12, 0);
    CHECK_STR(r.method, "score");

    /* An arm with 0 conversions has no CPA, but the test still runs on the counts. */
    CHECK_INT(hl_stats_rate_test(0, 500.0, 12, 700.0, HL_STATS_RATE_EXACT, HL_STATS_TWO_SIDED,
                                 0.05, &r),
              HL_STATS_OK);
    CHECK(r.p_value.value > 0 && r.p_value.value < 0.05);
    CHECK_INT(r.cpa_ratio.status, HL_STATS_UNBOUNDED);
    CHECK_INT(r.cpa_ratio_high.status, HL_STATS_UNBOUNDED);
    hl_stats_cpa_interval c;
    CHECK_INT(hl_stats_cpa_ci(0, 500.0, 0.05, &c), HL_STATS_INSUFFICIENT_DATA);
    CHECK_INT(c.cpa.status, HL_STATS_INSUFFICIENT_DATA);
    CHECK_INT(c.low.status, HL_STATS_OK);
    CHECK_INT(c.high.status, HL_STATS_UNBOUNDED);
}

static void test_sequential(void)
{
    /* GrowthBook: N* = 5000, 2422/3461 (treatment) vs 1396/3000 (control), relative. */
    hl_stats_seq_opts o = {0.05, 5000, 0};
    hl_stats_seq_result s;
    CHECK_INT(hl_stats_seq_prop_lift(2422, 3461, 1396, 3000, 0, &o, &s), HL_STATS_OK);
    CHECK_NEAR(s.estimate, 0.50386, 0, 5e-6);
    CHECK_NEAR(s.se, 0.03386, 0, 5e-6);
    CHECK_NEAR(s.low, 0.40098, 0, 1e-5); /* the quoted ends round 0.400975.. and 0.606745.. */
    CHECK_NEAR(s.high, 0.60675, 0, 1e-5);
    CHECK_STR(s.method, "normal-mixture");
    /* At N = N* the boundary is about 3.035 standard errors (1.96 for one look). */
    CHECK_INT(hl_stats_seq_test(0.1, 1.0, 5000, &o, &s), HL_STATS_OK);
    CHECK_NEAR(s.half_width, 3.035, 0, 5e-4);
    /* The running minimum: a later, larger p does not replace a stored smaller one. */
    o.prev_p = 0.01;
    CHECK_INT(hl_stats_seq_test(0.0, 1.0, 5000, &o, &s), HL_STATS_OK);
    CHECK_NEAR(s.p_value_look, 1.0, 0, 0);
    CHECK_NEAR(s.p_value, 0.01, 0, 0);
}

static void test_bayes(void)
{
    /* GrowthBook: 51/100 (treatment) vs 49/100 (control), flat prior, relative. */
    hl_stats_bayes b;
    CHECK_INT(hl_stats_bayes_prop(51, 100, 49, 100, NULL, 0.05, 0, &b), HL_STATS_OK);
    CHECK_NEAR(b.mean, 0.04082, 0, 5e-6);
    CHECK_NEAR(b.sd, 0.14725, 0, 5e-6);
    CHECK_NEAR(b.low, -0.24779, 0, 5e-6);
    CHECK_NEAR(b.high, 0.32943, 0, 5e-6);
    CHECK_NEAR(b.chance_to_win, 0.60918, 0, 5e-6);
    CHECK_NEAR(b.risk_control, 0.0814, 0, 5e-5);
    CHECK_NEAR(b.risk_treatment, 0.04058, 0, 5e-6);
    CHECK_STR(b.method, "normal-flat");

    /* Exact beta-binomial: symmetric arms give exactly one half. */
    double p;
    CHECK_INT(hl_stats_beta_prob_greater(49, 100, 49, 100, &p), HL_STATS_OK);
    CHECK_NEAR(p, 0.5, 1e-13, 0);
    CHECK_INT(hl_stats_beta_prob_greater(0, 0, 0, 0, &p), HL_STATS_OK);
    CHECK_NEAR(p, 0.5, 1e-13, 0);
}

static void check_adjust(const double *in, size_t m, hl_stats_adjust_method meth,
                         const double *want)
{
    double out[16];
    CHECK_INT(hl_stats_adjust(in, m, meth, out), HL_STATS_OK);
    for (size_t i = 0; i < m; i++)
        CHECK_NEAR(out[i], want[i], 1e-12, 1e-15);
}

static void test_multiplicity(void)
{
    const double a[] = {.01, .04, .03, .005, .55, .6};
    const double holm[] = {0.05, 0.12, 0.12, 0.03, 1, 1};
    const double bh[] = {0.03, 0.06, 0.06, 0.03, 0.6, 0.6};
    check_adjust(a, 6, HL_STATS_ADJUST_HOLM, holm);
    check_adjust(a, 6, HL_STATS_ADJUST_BH, bh);
    const double b[] = {.898, .138, .007, .964, .538, .006, .138};
    const double bh2[] = {0.964, 0.2415, 0.0245, 0.964, 0.7532, 0.0245, 0.2415};
    check_adjust(b, 7, HL_STATS_ADJUST_BH, bh2);
    const double bonf[] = {0.06, 0.24, 0.18, 0.03, 1, 1};
    check_adjust(a, 6, HL_STATS_ADJUST_BONFERRONI, bonf);
    double bad[] = {0.5, 1.5}, out[2];
    CHECK_INT(hl_stats_adjust(bad, 2, HL_STATS_ADJUST_BH, out), HL_STATS_BAD_INPUT);
}

static void test_power(void)
{
    double n, pw;
    CHECK_INT(hl_stats_power_n(0.01, 0.001, NULL, &n), HL_STATS_OK);
    CHECK_NEAR(n, 163094.6174981418, 1e-12, 0);
    CHECK_INT(hl_stats_power_at(0.01, 0.001, 163000, NULL, &pw), HL_STATS_OK);
    CHECK_NEAR(pw, 0.7997733392996949, 1e-12, 0);
    /* The MDE is where the (two-tailed) power reaches 80 %; the sample-size formula counts one
     * tail only, so at its n the MDE sits a hair (~1e-6 relative) below the diff it started from. */
    double d;
    CHECK_INT(hl_stats_power_mde(0.01, 163094.6174981418, NULL, &d), HL_STATS_OK);
    CHECK_NEAR(d, 0.001, 1e-5, 0);
    CHECK_INT(hl_stats_power_at(0.01, d, 163094.6174981418, NULL, &pw), HL_STATS_OK);
    CHECK_NEAR(pw, 0.8, 1e-12, 0);
    hl_stats_needed nd;
    CHECK_INT(hl_stats_power_needed(0.01, 0.001, 100000, 90000, 10000, 5000, NULL, &nd),
              HL_STATS_OK);
    CHECK_NEAR(nd.remaining1, 63094.6174981418, 1e-10, 0);
    CHECK_NEAR(nd.days.value, 73094.6174981418 / 5000, 1e-10, 0);
}

static void test_srm(void)
{
    const double o[] = {5000, 5200}, w[] = {.5, .5};
    hl_stats_srm s;
    CHECK_INT(hl_stats_srm_test(o, w, 2, &s), HL_STATS_OK);
    CHECK_NEAR(s.p_value, 0.04767, 0, 5e-6);
    CHECK_NEAR(s.df, 1, 0, 0);
    CHECK_INT(hl_stats_srm_test(o, NULL, 2, &s), HL_STATS_OK);
    CHECK_NEAR(s.p_value, 0.04767, 0, 5e-6);
}

/* Degenerate inputs: typed statuses, zeros in the numbers, never NaN. */
static void test_degenerate(void)
{
    double z = 1, p = 1;
    CHECK_INT(hl_stats_ztest(0, 0, 3, 10, HL_STATS_TWO_SIDED, 0, &z, &p),
              HL_STATS_INSUFFICIENT_DATA);
    CHECK(z == 0 && p == 0);
    CHECK_INT(hl_stats_ztest(0, 10, 0, 20, HL_STATS_TWO_SIDED, 0, &z, &p), HL_STATS_ZERO_VARIANCE);
    CHECK_INT(hl_stats_ztest(10, 10, 20, 20, HL_STATS_TWO_SIDED, 0, &z, &p),
              HL_STATS_ZERO_VARIANCE);
    CHECK_INT(hl_stats_ztest(11, 10, 2, 20, HL_STATS_TWO_SIDED, 0, &z, &p), HL_STATS_BAD_INPUT);
    CHECK_INT(hl_stats_ztest(-1, 10, 2, 20, HL_STATS_TWO_SIDED, 0, &z, &p), HL_STATS_BAD_INPUT);
    CHECK_INT(hl_stats_ztest(NAN, 10, 2, 20, HL_STATS_TWO_SIDED, 0, &z, &p), HL_STATS_BAD_INPUT);
    CHECK_INT(hl_stats_ztest(1, INFINITY, 2, 20, HL_STATS_TWO_SIDED, 0, &z, &p),
              HL_STATS_BAD_INPUT);

    hl_stats_lift l;
    CHECK_INT(hl_stats_prop_lift(5, 100, 0, 100, 0.05, 0, 0, &l), HL_STATS_ZERO_CONTROL);
    CHECK(l.lift == 0 && l.se == 0);

    hl_stats_interval ci;
    CHECK_INT(hl_stats_prop_ci(0, 0, HL_STATS_CI_WILSON, 0.05, &ci), HL_STATS_INSUFFICIENT_DATA);
    CHECK_INT(hl_stats_prop_ci(1, 10, HL_STATS_CI_WILSON, 0, &ci), HL_STATS_BAD_INPUT);
    CHECK_INT(hl_stats_prop_ci(1, 10, HL_STATS_CI_WILSON, 1, &ci), HL_STATS_BAD_INPUT);

    CHECK_INT(hl_stats_fisher(0, 0, 1, 2, HL_STATS_TWO_SIDED, &p), HL_STATS_INSUFFICIENT_DATA);
    CHECK_INT(hl_stats_fisher(0.5, 2, 1, 2, HL_STATS_TWO_SIDED, &p), HL_STATS_BAD_INPUT);
    CHECK_INT(hl_stats_fisher(0, 10, 0, 20, HL_STATS_TWO_SIDED, &p), HL_STATS_OK);
    CHECK_NEAR(p, 1.0, 0, 0);

    hl_stats_rate_result r;
    CHECK_INT(hl_stats_rate_test(0, 10, 0, 20, HL_STATS_RATE_EXACT, HL_STATS_TWO_SIDED, 0.05, &r),
              HL_STATS_INSUFFICIENT_DATA);
    CHECK_INT(r.rate_ratio.status, HL_STATS_INSUFFICIENT_DATA);
    CHECK_INT(hl_stats_rate_test(3, 0, 2, 20, HL_STATS_RATE_SCORE, HL_STATS_TWO_SIDED, 0.05, &r),
              HL_STATS_INSUFFICIENT_DATA);

    hl_stats_seq_result s;
    CHECK_INT(hl_stats_seq_prop_lift(0, 100, 0, 100, 0, NULL, &s), HL_STATS_ZERO_CONTROL);
    /* 0/100 vs 5/100: the delta-method SE of a -100 % lift is 0. */
    CHECK_INT(hl_stats_seq_prop_lift(0, 100, 5, 100, 0, NULL, &s), HL_STATS_ZERO_VARIANCE);
    CHECK_INT(hl_stats_seq_test(0.1, 0.0, 100, NULL, &s), HL_STATS_ZERO_VARIANCE);
    hl_stats_seq_opts bad_alpha = {1.5, 5000, 0};
    CHECK_INT(hl_stats_seq_prop_lift(0, 100, 0, 100, 0, &bad_alpha, &s), HL_STATS_BAD_INPUT);
    CHECK_INT(hl_stats_seq_prop_lift(10, 100, 12, 100, 0, &bad_alpha, &s), HL_STATS_BAD_INPUT);

    hl_stats_bayes b;
    CHECK_INT(hl_stats_bayes_prop(3, 10, 0, 10, NULL, 0.05, 0, &b), HL_STATS_ZERO_CONTROL);
    CHECK(b.chance_to_win == 0 && b.risk_control == 0);

    double n;
    CHECK_INT(hl_stats_power_n(0.01, 0, NULL, &n), HL_STATS_UNBOUNDED);
    CHECK_INT(hl_stats_power_n(0.01, -0.02, NULL, &n), HL_STATS_BAD_INPUT);

    const double zero[] = {0, 0};
    hl_stats_srm srm;
    CHECK_INT(hl_stats_srm_test(zero, NULL, 2, &srm), HL_STATS_INSUFFICIENT_DATA);

    hl_stats_ratio rr;
    const double num[] = {1, 2, 3}, den[] = {0, 0, 0};
    CHECK_INT(hl_stats_ratio_delta(num, den, 3, &rr), HL_STATS_ZERO_DENOMINATOR);
    CHECK_INT(hl_stats_ratio_delta(num, num, 1, &rr), HL_STATS_INSUFFICIENT_DATA);

    hl_stats_dispersion d;
    const double xs[] = {1, 2}, ns[] = {10, 10};
    CHECK_INT(hl_stats_dispersion_quasibinomial(xs, ns, NULL, 2, 1, 0, &d), HL_STATS_OK);
    CHECK(d.fallback == 1 && d.phi == 1.0);
    CHECK_STR(d.method, "binomial");

    CHECK_STR(hl_stats_status_name(HL_STATS_ZERO_VARIANCE), "zero_variance");
    CHECK_STR(hl_stats_status_name(HL_STATS_INSUFFICIENT_DATA), "insufficient_data");
}

int main(void)
{
    gsl_set_error_handler_off();
    test_intervals();
    test_two_proportions();
    test_lift();
    test_rates();
    test_sequential();
    test_bayes();
    test_multiplicity();
    test_power();
    test_srm();
    test_degenerate();
    TEST_MAIN_END();
}
