/*
 * status.c — the vocabulary of the statistics core: status and method names (the strings JSON
 * output and reports carry), name parsing for the CLI, and the input checks and normal-tail
 * helpers every other file in engine/stats uses.
 */
#include <math.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "stats/internal.h"

const char *hl_stats_status_name(hl_stats_status s)
{
    switch (s) {
    case HL_STATS_OK: return "ok";
    case HL_STATS_BAD_INPUT: return "bad_input";
    case HL_STATS_INSUFFICIENT_DATA: return "insufficient_data";
    case HL_STATS_ZERO_VARIANCE: return "zero_variance";
    case HL_STATS_ZERO_CONTROL: return "zero_control";
    case HL_STATS_ZERO_DENOMINATOR: return "zero_denominator";
    case HL_STATS_UNBOUNDED: return "unbounded";
    case HL_STATS_NUMERICAL: return "numerical_failure";
    case HL_STATS_NO_MEMORY: return "out_of_memory";
    }
    return "unknown";
}

const char *hl_stats_status_message(hl_stats_status s)
{
    switch (s) {
    case HL_STATS_OK: return "ok";
    case HL_STATS_BAD_INPUT: return "invalid input";
    case HL_STATS_INSUFFICIENT_DATA: return "not enough data (a sample size or event count is 0)";
    case HL_STATS_ZERO_VARIANCE: return "no variation in the data, so the standard error is 0";
    case HL_STATS_ZERO_CONTROL: return "the control's rate is 0, so a relative change is undefined";
    case HL_STATS_ZERO_DENOMINATOR: return "the denominator sums to 0";
    case HL_STATS_UNBOUNDED: return "the value is unbounded (a zero count in a denominator)";
    case HL_STATS_NUMERICAL: return "numerical failure";
    case HL_STATS_NO_MEMORY: return "out of memory";
    }
    return "unknown status";
}

/* A name table: the CLI's vocabulary and the method strings results carry are the same words. */
typedef struct name_entry {
    const char *name;
    int value;
} name_entry;

static hl_stats_status lookup(const name_entry *t, size_t n, const char *name, int *out)
{
    if (name == NULL)
        return HL_STATS_BAD_INPUT;
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].name, name) == 0) {
            *out = t[i].value;
            return HL_STATS_OK;
        }
    return HL_STATS_BAD_INPUT;
}

#define NAMES(t) (t), sizeof(t) / sizeof((t)[0])

const char *hl_stats_alternative_name(hl_stats_alternative a)
{
    switch (a) {
    case HL_STATS_TWO_SIDED: return "two-sided";
    case HL_STATS_LARGER: return "larger";
    case HL_STATS_SMALLER: return "smaller";
    }
    return "two-sided";
}

hl_stats_status hl_stats_alternative_parse(const char *name, hl_stats_alternative *out)
{
    static const name_entry t[] = {{"two-sided", HL_STATS_TWO_SIDED},
                                   {"larger", HL_STATS_LARGER},
                                   {"smaller", HL_STATS_SMALLER}};
    int v;
    hl_stats_status s = lookup(NAMES(t), name, &v);
    if (s == HL_STATS_OK)
        *out = (hl_stats_alternative)v;
    return s;
}

const char *hl_stats_ci_method_name(hl_stats_ci_method m)
{
    switch (m) {
    case HL_STATS_CI_WILSON: return "wilson";
    case HL_STATS_CI_AGRESTI_COULL: return "agresti-coull";
    case HL_STATS_CI_CLOPPER_PEARSON: return "clopper-pearson";
    case HL_STATS_CI_JEFFREYS: return "jeffreys";
    case HL_STATS_CI_NORMAL: return "normal";
    }
    return "wilson";
}

hl_stats_status hl_stats_ci_method_parse(const char *name, hl_stats_ci_method *out)
{
    static const name_entry t[] = {{"wilson", HL_STATS_CI_WILSON},
                                   {"agresti-coull", HL_STATS_CI_AGRESTI_COULL},
                                   {"clopper-pearson", HL_STATS_CI_CLOPPER_PEARSON},
                                   {"jeffreys", HL_STATS_CI_JEFFREYS},
                                   {"normal", HL_STATS_CI_NORMAL}};
    int v;
    hl_stats_status s = lookup(NAMES(t), name, &v);
    if (s == HL_STATS_OK)
        *out = (hl_stats_ci_method)v;
    return s;
}

const char *hl_stats_prop_test_name(hl_stats_prop_test_kind k)
{
    switch (k) {
    case HL_STATS_TEST_Z: return "z";
    case HL_STATS_TEST_WALD: return "wald";
    case HL_STATS_TEST_SCORE: return "score";
    case HL_STATS_TEST_FISHER: return "fisher";
    }
    return "z";
}

hl_stats_status hl_stats_prop_test_parse(const char *name, hl_stats_prop_test_kind *out)
{
    static const name_entry t[] = {{"z", HL_STATS_TEST_Z},
                                   {"wald", HL_STATS_TEST_WALD},
                                   {"score", HL_STATS_TEST_SCORE},
                                   {"fisher", HL_STATS_TEST_FISHER}};
    int v;
    hl_stats_status s = lookup(NAMES(t), name, &v);
    if (s == HL_STATS_OK)
        *out = (hl_stats_prop_test_kind)v;
    return s;
}

const char *hl_stats_rate_test_name(hl_stats_rate_test_kind k)
{
    return k == HL_STATS_RATE_SCORE ? "score" : "exact";
}

hl_stats_status hl_stats_rate_test_parse(const char *name, hl_stats_rate_test_kind *out)
{
    static const name_entry t[] = {{"exact", HL_STATS_RATE_EXACT},
                                   {"score", HL_STATS_RATE_SCORE}};
    int v;
    hl_stats_status s = lookup(NAMES(t), name, &v);
    if (s == HL_STATS_OK)
        *out = (hl_stats_rate_test_kind)v;
    return s;
}

const char *hl_stats_adjust_method_name(hl_stats_adjust_method m)
{
    switch (m) {
    case HL_STATS_ADJUST_BH: return "bh";
    case HL_STATS_ADJUST_HOLM: return "holm";
    case HL_STATS_ADJUST_BONFERRONI: return "bonferroni";
    }
    return "bh";
}

hl_stats_status hl_stats_adjust_method_parse(const char *name, hl_stats_adjust_method *out)
{
    static const name_entry t[] = {{"bh", HL_STATS_ADJUST_BH},
                                   {"fdr_bh", HL_STATS_ADJUST_BH},
                                   {"holm", HL_STATS_ADJUST_HOLM},
                                   {"bonferroni", HL_STATS_ADJUST_BONFERRONI}};
    int v;
    hl_stats_status s = lookup(NAMES(t), name, &v);
    if (s == HL_STATS_OK)
        *out = (hl_stats_adjust_method)v;
    return s;
}

hl_stats_status hl_stats__check_prop(double x, double n, int whole)
{
    if (!isfinite(x) || !isfinite(n) || x < 0.0 || n < 0.0 || x > n)
        return HL_STATS_BAD_INPUT;
    if (whole && (!hl_stats__is_whole(x) || !hl_stats__is_whole(n)))
        return HL_STATS_BAD_INPUT;
    if (n == 0.0)
        return HL_STATS_INSUFFICIENT_DATA;
    return HL_STATS_OK;
}

hl_stats_status hl_stats__check_alpha(double alpha)
{
    return (alpha > 0.0 && alpha < 1.0) ? HL_STATS_OK : HL_STATS_BAD_INPUT;
}

double hl_stats_z_crit(double alpha)
{
    if (!(alpha > 0.0 && alpha < 1.0))
        return 0.0;
    return gsl_cdf_ugaussian_Qinv(alpha / 2.0);
}

double hl_stats__p_from_z(double z, hl_stats_alternative alt)
{
    /* Upper tails through Q, never 1 - P: a z of 12 must give 1.8e-33, not 0. */
    switch (alt) {
    case HL_STATS_LARGER:
        return gsl_cdf_ugaussian_Q(z);
    case HL_STATS_SMALLER:
        return gsl_cdf_ugaussian_Q(-z);
    case HL_STATS_TWO_SIDED:
    default: {
        double p = 2.0 * gsl_cdf_ugaussian_Q(fabs(z));
        return p > 1.0 ? 1.0 : p;
    }
    }
}

double hl_stats__dnorm(double z)
{
    return 0.398942280401432677939946059934 * exp(-0.5 * z * z);
}
