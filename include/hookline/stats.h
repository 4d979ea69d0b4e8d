/*
 * stats.h — hookline's statistics core: per-arm intervals, two-proportion tests, exact tests,
 * rates with exposure (CPA), ratio metrics, overdispersion, sequential, Bayesian, multiplicity,
 * power and SRM. Formulas and reference values: shared/reference/statistics.md.
 *
 * Conventions shared by every function here:
 * - Arm 1 is the treatment (first sample), arm 2 the control. diff = p1 - p2,
 *   lift = (p1 - p2) / p2. HL_STATS_LARGER means "p1 > p2".
 * - Every function returns an hl_stats_status. HL_STATS_OK means every number the function
 *   promises is finite. Anything else means the primary result is undefined and its fields are 0;
 *   no NaN or infinity ever leaves this module.
 * - Results that carry several numbers which can be undefined independently (an interval whose
 *   upper end is unbounded while the p-value is fine) use hl_stats_num: a value plus its own status.
 * - Every result names the method that produced it (static strings, never freed).
 * - Counts are doubles so that effective (dispersion-deflated) counts work; exact methods (Fisher,
 *   exact-conditional rate test, beta-binomial, Clopper-Pearson) require whole numbers <= 2^53.
 * - No function keeps state between calls, and nothing here returns memory for the caller to
 *   free: results go into caller-owned structs and arrays (hl_stats_adjust and
 *   hl_stats_dispersion_quasibinomial allocate scratch internally, free it, and report
 *   HL_STATS_NO_MEMORY if they cannot).
 * - Exact methods (Fisher, exact rate test, beta-binomial, Clopper-Pearson, Garwood) cost time in
 *   proportion to the spread of their distribution (~sqrt of the counts): microseconds at ad-sized
 *   counts, milliseconds at 10^9, seconds only near 2^52.
 * - GSL's error handler must be off (gsl_set_error_handler_off(), once, at start-up: main() and
 *   the tests do it); every GSL status is checked and mapped to HL_STATS_NUMERICAL.
 */
#ifndef HOOKLINE_STATS_H
#define HOOKLINE_STATS_H

#include <stddef.h>

#include "hookline/hookline.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Why a number is undefined. Stable names (hl_stats_status_name) are used in JSON output. */
typedef enum hl_stats_status {
    HL_STATS_OK = 0,
    HL_STATS_BAD_INPUT,         /* "bad_input": negative or non-finite input, x > n, alpha outside
                                   (0,1), p outside [0,1], non-integer count for an exact method */
    HL_STATS_INSUFFICIENT_DATA, /* "insufficient_data": n = 0, no events, too few units or cells */
    HL_STATS_ZERO_VARIANCE,     /* "zero_variance": every observation equal, the standard error
                                   is 0 */
    HL_STATS_ZERO_CONTROL,      /* "zero_control": the control mean or rate is 0, so a relative
                                   change is undefined */
    HL_STATS_ZERO_DENOMINATOR,  /* "zero_denominator": a ratio metric's denominator sums to 0 */
    HL_STATS_UNBOUNDED,         /* "unbounded": the value is infinite (an odds ratio with a zero
                                   cell, the upper end of a CPA interval with 0 conversions) */
    HL_STATS_NUMERICAL,         /* "numerical_failure": GSL failed or an iteration did not converge */
    HL_STATS_NO_MEMORY          /* "out_of_memory" */
} hl_stats_status;

/* Stable snake_case name ("zero_variance") and a one-line human explanation; static strings. */
const char *hl_stats_status_name(hl_stats_status s);
const char *hl_stats_status_message(hl_stats_status s);

/* A number that may be undefined on its own. value is 0 unless status == HL_STATS_OK. */
typedef struct hl_stats_num {
    double value;
    hl_stats_status status;
} hl_stats_num;

typedef enum hl_stats_alternative {
    HL_STATS_TWO_SIDED = 0,
    HL_STATS_LARGER,  /* H1: arm 1 > arm 2 */
    HL_STATS_SMALLER  /* H1: arm 1 < arm 2 */
} hl_stats_alternative;

/* "two-sided", "larger", "smaller". Parsing returns HL_STATS_BAD_INPUT on an unknown name. */
const char *hl_stats_alternative_name(hl_stats_alternative a);
hl_stats_status hl_stats_alternative_parse(const char *name, hl_stats_alternative *out);

/* The two-sided normal critical value z_{1-alpha/2} (1.959964 for alpha 0.05); 0 if alpha is
 * outside (0,1). */
double hl_stats_z_crit(double alpha);

/* ---------------------------------------------------------------------------------------------
 * Per-arm intervals for a proportion x/n (intervals.c)
 * ------------------------------------------------------------------------------------------- */
typedef enum hl_stats_ci_method {
    HL_STATS_CI_WILSON = 0, /* default */
    HL_STATS_CI_AGRESTI_COULL,
    HL_STATS_CI_CLOPPER_PEARSON,
    HL_STATS_CI_JEFFREYS,
    HL_STATS_CI_NORMAL
} hl_stats_ci_method;

/* "wilson", "agresti-coull", "clopper-pearson", "jeffreys", "normal". */
const char *hl_stats_ci_method_name(hl_stats_ci_method m);
hl_stats_status hl_stats_ci_method_parse(const char *name, hl_stats_ci_method *out);

typedef struct hl_stats_interval {
    const char *method;
    double estimate; /* x / n (for differences: p1 - p2) */
    double low, high;
} hl_stats_interval;

/* Two-sided (1 - alpha) interval as statsmodels proportion_confint: normal and Agresti-Coull are
 * clipped to [0, 1]; Clopper-Pearson is 0 at x = 0 and 1 at x = n; Jeffreys is the plain
 * Beta(x + 1/2, n - x + 1/2) quantile pair. n = 0 gives HL_STATS_INSUFFICIENT_DATA. */
hl_stats_status hl_stats_prop_ci(double x, double n, hl_stats_ci_method method, double alpha,
                                 hl_stats_interval *out);

/* ---------------------------------------------------------------------------------------------
 * Two proportions (twoprop.c, fisher.c, lift.c)
 * ------------------------------------------------------------------------------------------- */
typedef enum hl_stats_prop_test_kind {
    HL_STATS_TEST_Z = 0,  /* pooled z, statsmodels proportions_ztest */
    HL_STATS_TEST_WALD,   /* unpooled variance */
    HL_STATS_TEST_SCORE,  /* Miettinen-Nurminen score test of p1 = p2 */
    HL_STATS_TEST_FISHER  /* Fisher exact, two-sided as scipy.stats.fisher_exact */
} hl_stats_prop_test_kind;

/* "z", "wald", "score", "fisher". */
const char *hl_stats_prop_test_name(hl_stats_prop_test_kind k);
hl_stats_status hl_stats_prop_test_parse(const char *name, hl_stats_prop_test_kind *out);

typedef struct hl_stats_prop_opts {
    hl_stats_prop_test_kind test;
    hl_stats_alternative alternative;
    /* Dispersion factor phi >= 1 multiplying the binomial variances (quasi-binomial); 0 or 1 means
     * plain binomial. Fisher is exact and ignores it (the result's phi says 1). */
    double phi;
    /* Degrees of freedom behind an estimated phi (hl_stats_dispersion.df). When > 0 and phi > 1
     * the z statistic is referred to Student t with phi_df df (the quasi-likelihood convention:
     * an estimated variance carries its own uncertainty); 0 keeps the normal reference. */
    double phi_df;
    /* Score test only. 0 (default): multiply the variance by N/(N-1) as statsmodels 0.13.5's
     * test_proportions_2indep(method="score") does for compare="diff" (it applies the factor
     * whatever its `correction` argument says, and the reference values come from it).
     * 1: leave the factor out (then the score test of p1 = p2 equals the pooled z test). */
    int score_no_correction;
} hl_stats_prop_opts;

typedef struct hl_stats_test_result {
    const char *method;               /* "z", "wald", "score", "fisher" */
    hl_stats_alternative alternative;
    /* z for the normal tests; the sample odds ratio for Fisher (as scipy), which is unbounded
     * when a cell is 0 and undefined when both off-diagonal cells are 0. */
    hl_stats_num statistic;
    hl_stats_num p_value;
    double phi;                       /* dispersion applied: 1 = binomial */
} hl_stats_test_result;

/* Runs the chosen test. The return value is p_value.status. opts may be NULL (pooled z,
 * two-sided, binomial). */
hl_stats_status hl_stats_prop_test(double x1, double n1, double x2, double n2,
                                   const hl_stats_prop_opts *opts, hl_stats_test_result *out);

/* The pooled z test without the option struct: the fast path (the compare stage runs millions).
 * phi as in hl_stats_prop_opts. On success *z and *p are set. */
hl_stats_status hl_stats_ztest(double x1, double n1, double x2, double n2,
                               hl_stats_alternative alt, double phi, double *z, double *p);

/* Fisher's exact test on [[x1, n1-x1], [x2, n2-x2]]: two-sided p = sum of the probabilities of
 * the tables no more likely than the observed one (relative tolerance 1e-7), in log space, exact
 * for counts up to 2^53 (cost grows with the standard deviation of the hypergeometric, not the
 * counts). If a row or column sum is 0 the p-value is 1, as in scipy. */
hl_stats_status hl_stats_fisher(double x1, double n1, double x2, double n2,
                                hl_stats_alternative alt, double *p);

/* Newcombe's hybrid score interval for p1 - p2 from the two Wilson intervals. */
hl_stats_status hl_stats_newcombe(double x1, double n1, double x2, double n2, double alpha,
                                  hl_stats_interval *out);

/* Relative lift (mT - mC)/|mC| with a delta-method standard error
 *   Var = vT/(nT mC^2) + vC mT^2/(nC mC^4)
 * where vT, vC are per-unit variances. The interval and p-value use a normal reference, or
 * Student t with Welch-Satterthwaite df from the unit variances when welch is set (GrowthBook's
 * frequentist engine). */
typedef struct hl_stats_lift {
    const char *method;  /* "delta-normal" or "delta-welch" */
    double lift, se;
    double low, high;    /* two-sided 1 - alpha */
    double p_value;      /* two-sided, H0: lift = 0 */
    double df;           /* Welch df, 0 for the normal reference */
} hl_stats_lift;

hl_stats_status hl_stats_lift_delta(double mean_t, double var_t, double n_t, double mean_c,
                                    double var_c, double n_c, double alpha, int welch,
                                    hl_stats_lift *out);

/* The same for proportions: v = p(1-p), times phi (0 or 1 = binomial). */
hl_stats_status hl_stats_prop_lift(double x1, double n1, double x2, double n2, double alpha,
                                   double phi, int welch, hl_stats_lift *out);

/* ---------------------------------------------------------------------------------------------
 * Conversions per unit of spend: rates with exposure, the test behind CPA (rates.c)
 * ------------------------------------------------------------------------------------------- */
typedef enum hl_stats_rate_test_kind {
    HL_STATS_RATE_EXACT = 0, /* exact conditional: k1 ~ Binomial(k1 + k2, e1/(e1 + e2)) */
    HL_STATS_RATE_SCORE      /* statsmodels test_poisson_2indep(method="score") */
} hl_stats_rate_test_kind;

/* "exact", "score". */
const char *hl_stats_rate_test_name(hl_stats_rate_test_kind k);
hl_stats_status hl_stats_rate_test_parse(const char *name, hl_stats_rate_test_kind *out);

typedef struct hl_stats_rate_result {
    const char *method;              /* "exact" or "score" */
    hl_stats_alternative alternative;
    hl_stats_num statistic;          /* score z; undefined for the exact test */
    hl_stats_num p_value;
    hl_stats_num rate_ratio;         /* (k1/e1)/(k2/e2): unbounded when k2 = 0 */
    hl_stats_num ci_low, ci_high;    /* rate-ratio interval: Clopper-Pearson on k1/(k1+k2) mapped
                                        to the ratio (exact), or the inverted score test (score) */
    hl_stats_num cpa_ratio;          /* CPA1/CPA2 = 1/rate_ratio */
    hl_stats_num cpa_ratio_low, cpa_ratio_high; /* the rate-ratio interval inverted */
} hl_stats_rate_result;

/* k = event counts (whole numbers for the exact test), e = exposures (spend) > 0. The return
 * value is p_value.status. Zero events in total gives HL_STATS_INSUFFICIENT_DATA. */
hl_stats_status hl_stats_rate_test(double k1, double e1, double k2, double e2,
                                   hl_stats_rate_test_kind test, hl_stats_alternative alt,
                                   double alpha, hl_stats_rate_result *out);

/* Exact (Garwood) interval for one arm's CPA = e / k, by inverting the Poisson interval of k.
 * k = 0: no CPA (estimate undefined, upper end unbounded), the lower end is still defined. */
typedef struct hl_stats_cpa_interval {
    const char *method; /* "poisson-exact" */
    hl_stats_num cpa, low, high;
} hl_stats_cpa_interval;

hl_stats_status hl_stats_cpa_ci(double k, double e, double alpha, hl_stats_cpa_interval *out);

/* Exact Poisson (Garwood) interval for the mean of a count k; low = 0 when k = 0. */
hl_stats_status hl_stats_poisson_ci(double k, double alpha, double *low, double *high);

/* ---------------------------------------------------------------------------------------------
 * Ratio metrics over units (days), delta method (ratio.c)
 * ------------------------------------------------------------------------------------------- */
typedef struct hl_stats_ratio {
    const char *method; /* "delta" */
    double ratio;       /* sum(num) / sum(den) */
    double se;          /* sqrt(sigma_R^2 / n) */
    double var_unit;    /* sigma_R^2, per-unit variance (sample variances, n - 1) */
    double n;           /* units used */
} hl_stats_ratio;

/* R = sum(num)/sum(den) over n units with per-unit variance
 *   sigma_R^2 = s_M^2/mu_D^2 + s_D^2 mu_M^2/mu_D^4 - 2 cov(M,D) mu_M/mu_D^3.
 * n < 2 gives HL_STATS_INSUFFICIENT_DATA, sum(den) = 0 HL_STATS_ZERO_DENOMINATOR. */
hl_stats_status hl_stats_ratio_delta(const double *num, const double *den, size_t n,
                                     hl_stats_ratio *out);

/* Compares two ratio metrics (arm 1 treatment, arm 2 control): relative (R1/R2 - 1) or absolute
 * (R1 - R2) difference, delta-method SE, normal interval and two-sided p. For the relative form
 * Var = V1/R2^2 + V2 R1^2/R2^4. */
typedef struct hl_stats_ratio_compare {
    const char *method; /* "delta-relative" or "delta-absolute" */
    double estimate, se, low, high, p_value;
} hl_stats_ratio_compare;

hl_stats_status hl_stats_ratio_diff(const hl_stats_ratio *t, const hl_stats_ratio *c, int relative,
                                    double alpha, hl_stats_ratio_compare *out);

/* ---------------------------------------------------------------------------------------------
 * Overdispersion (dispersion.c)
 * ------------------------------------------------------------------------------------------- */
typedef struct hl_stats_dispersion {
    const char *method; /* "quasi-binomial", or "binomial" when it fell back */
    double phi;         /* the factor to use: max(1, phi_raw), or 1 on fallback */
    double phi_raw;     /* Pearson chi-square / df (0 on fallback) */
    double chi2;
    double df;          /* cells used - groups used */
    int fallback;       /* 1 if df < min_df: too few cells, binomial variance used */
} hl_stats_dispersion;

/* Quasi-binomial dispersion from day-level cells: cell i has x[i] successes out of n[i], belongs
 * to group[i] < ngroups (an arm: an ad, or the pooled rest), and each group's rate is estimated
 * from its own cells (one parameter per group). Cells with n = 0 and groups whose rate is 0 or 1
 * carry no information and are skipped. With fewer than min_df degrees of freedom (0 means the
 * default 3) the result falls back to phi = 1 with fallback = 1 and status OK: the caller says so.
 * group may be NULL (all one group). */
hl_stats_status hl_stats_dispersion_quasibinomial(const double *x, const double *n,
                                                  const size_t *group, size_t ncells,
                                                  size_t ngroups, size_t min_df,
                                                  hl_stats_dispersion *out);

/* ---------------------------------------------------------------------------------------------
 * Sequential: always-valid p-values and confidence sequences (sequential.c)
 * ------------------------------------------------------------------------------------------- */
typedef struct hl_stats_seq_opts {
    double alpha;  /* 0 means 0.05 */
    double tuning; /* N*: expected total sample at decision; 0 means 5000 (GrowthBook) */
    double prev_p; /* running-minimum p stored from the previous look; 0 or >= 1 means none */
} hl_stats_seq_opts;

typedef struct hl_stats_seq_result {
    const char *method;    /* "normal-mixture" */
    double estimate, se, n_total;
    double rho2;           /* mixture variance rho^2 = (-2 ln a + ln(1 - 2 ln a)) / N* */
    double half_width;     /* confidence-sequence half-width at this look */
    double low, high;      /* estimate -/+ half_width */
    double p_value_look;   /* this look's always-valid p */
    double p_value;        /* min(prev_p, p_value_look): store it for the next look */
} hl_stats_seq_result;

/* From any asymptotically normal estimate with standard error se on n_total units (nA + nB). */
hl_stats_status hl_stats_seq_test(double estimate, double se, double n_total,
                                  const hl_stats_seq_opts *opts, hl_stats_seq_result *out);

/* Relative lift of two proportions with delta-method SE (times sqrt(phi)) on N = n1 + n2. */
hl_stats_status hl_stats_seq_prop_lift(double x1, double n1, double x2, double n2, double phi,
                                       const hl_stats_seq_opts *opts, hl_stats_seq_result *out);

/* ---------------------------------------------------------------------------------------------
 * Bayesian (bayes.c)
 * ------------------------------------------------------------------------------------------- */
/* Exact P(p1 > p2) for independent Beta(1 + x, 1 + n - x) posteriors (Evan Miller's closed-form
 * sum, evaluated from its largest term outward in log space; deterministic, no Monte Carlo, no
 * overflow for counts in the millions). Counts must be whole numbers. */
hl_stats_status hl_stats_beta_prob_greater(double x1, double n1, double x2, double n2, double *p);

/* The same for general Beta(a1, b1) vs Beta(a2, b2) posteriors (e.g. with an informative prior).
 * All four must be > 0, and a1 or b2 must be a whole number >= 1: the exact sum runs over it. */
hl_stats_status hl_stats_beta_prob_greater_ab(double a1, double b1, double a2, double b2,
                                              double *p);

typedef struct hl_stats_prior {
    double mean; /* prior on the (relative) effect, N(mean, sd^2) */
    double sd;   /* > 0; a NULL prior pointer means flat */
} hl_stats_prior;

typedef struct hl_stats_bayes {
    const char *method;     /* "normal-flat" or "normal-prior" */
    double mean, sd;        /* posterior of the effect */
    double low, high;       /* equal-tailed 1 - alpha credible interval */
    double chance_to_win;   /* P(effect > 0), or P(effect < 0) when lower is better */
    double risk_treatment;  /* expected loss if the treatment is chosen */
    double risk_control;    /* expected loss if the control is kept */
} hl_stats_bayes;

/* Normal posterior from an estimate and its standard error: with a flat prior the posterior is
 * N(estimate, se^2); with a prior N(m0, s0^2) precisions add. Chance to win Phi(mu/sigma);
 * risk_control = mu Phi(mu/sigma) + sigma phi(mu/sigma), risk_treatment = sigma phi(mu/sigma) -
 * mu Phi(-mu/sigma); roles flip when lower_is_better (CPA). prior may be NULL. */
hl_stats_status hl_stats_bayes_normal(double estimate, double se, const hl_stats_prior *prior,
                                      double alpha, int lower_is_better, hl_stats_bayes *out);

/* The same on the relative lift of two proportions (delta method, variance times phi). */
hl_stats_status hl_stats_bayes_prop(double x1, double n1, double x2, double n2,
                                    const hl_stats_prior *prior, double alpha, double phi,
                                    hl_stats_bayes *out);

/* ---------------------------------------------------------------------------------------------
 * Multiplicity (multiplicity.c)
 * ------------------------------------------------------------------------------------------- */
typedef enum hl_stats_adjust_method {
    HL_STATS_ADJUST_BH = 0, /* Benjamini-Hochberg (default: every ad x metric of a run) */
    HL_STATS_ADJUST_HOLM,
    HL_STATS_ADJUST_BONFERRONI
} hl_stats_adjust_method;

/* "bh", "holm", "bonferroni" (parsing also takes statsmodels' "fdr_bh"). */
const char *hl_stats_adjust_method_name(hl_stats_adjust_method m);
hl_stats_status hl_stats_adjust_method_parse(const char *name, hl_stats_adjust_method *out);

/* Adjusted p-values as statsmodels multipletests, in input order; out has m elements and may
 * alias p. Any p outside [0,1] gives HL_STATS_BAD_INPUT; m = 0 is OK and does nothing. */
hl_stats_status hl_stats_adjust(const double *p, size_t m, hl_stats_adjust_method method,
                                double *out);

/* ---------------------------------------------------------------------------------------------
 * Power and sample size, two proportions, normal approximation (power.c)
 * pooled variance under H0, unpooled under H1 (statsmodels samplesize_proportions_2indep_onetail
 * and power_proportions_2indep); ratio = n2/n1 (0 means 1); phi >= 1 inflates every variance.
 * ------------------------------------------------------------------------------------------- */
typedef struct hl_stats_power_opts {
    double alpha;  /* 0 means 0.05 */
    double power;  /* 0 means 0.8 */
    double ratio;  /* n2 / n1; 0 means 1 */
    double phi;    /* 0 or 1 = binomial */
    hl_stats_alternative alternative;
} hl_stats_power_opts;

/* Sample size of arm 1 to detect p1 = p2 + diff (not rounded). */
hl_stats_status hl_stats_power_n(double p2, double diff, const hl_stats_power_opts *opts,
                                 double *n1);
/* Power with n1 in arm 1 (and ratio * n1 in arm 2). */
hl_stats_status hl_stats_power_at(double p2, double diff, double n1,
                                  const hl_stats_power_opts *opts, double *power);
/* Smallest positive diff detectable with n1 at the requested power (p2 + diff < 1). */
hl_stats_status hl_stats_power_mde(double p2, double n1, const hl_stats_power_opts *opts,
                                   double *diff);

/* "Impressions still needed" for an undecided comparison: the per-arm sample for the hypothesised
 * diff minus what each arm has, and the days at the current pace (per-arm units per day; 0 pace
 * leaves days undefined). */
typedef struct hl_stats_needed {
    double n_per_arm;          /* required for arm 1 */
    double remaining1, remaining2; /* max(0, required - have) per arm */
    hl_stats_num days;         /* at the slower arm's pace */
} hl_stats_needed;

hl_stats_status hl_stats_power_needed(double p2, double diff, double have1, double have2,
                                      double pace1, double pace2, const hl_stats_power_opts *opts,
                                      hl_stats_needed *out);

/* ---------------------------------------------------------------------------------------------
 * Sample-ratio mismatch (srm.c)
 * ------------------------------------------------------------------------------------------- */
typedef struct hl_stats_srm {
    const char *method; /* "chi-square" */
    double statistic;   /* sum (o - e)^2 / e */
    double df;          /* k - 1 */
    double p_value;
} hl_stats_srm;

/* observed: k >= 2 counts; weights: k expected shares (any positive scale) or NULL for equal.
 * A total of 0 gives HL_STATS_INSUFFICIENT_DATA. */
hl_stats_status hl_stats_srm_test(const double *observed, const double *weights, size_t k,
                                  hl_stats_srm *out);

#ifdef __cplusplus
}
#endif

#endif /* HOOKLINE_STATS_H */
