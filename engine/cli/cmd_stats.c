/*
 * cmd_stats.c — `hookline stats`: the statistics core as a calculator (intervals, two-proportion
 * tests, CPA rates, p-value adjustment, power, Bayes, sequential, SRM), in the spirit of Evan
 * Miller's pages. Each subcommand prints a readable summary or, with --json, one object whose
 * keys are the contract; an undefined value is null and the object then carries "status".
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"
#include "hookline/stats.h"

/* ------------------------------------------------------------------------------------------
 * Output: one list of fields feeds both the JSON object and the text summary, so the two can
 * never disagree about a number.
 * ---------------------------------------------------------------------------------------- */

enum fkind { F_NUM, F_STR, F_BOOL, F_ARRAY };

typedef struct field {
    const char *key;
    const char *label; /* NULL: JSON only */
    enum fkind kind;
    hl_stats_num num;
    const char *str;
    const double *arr;
    size_t narr;
} field;

#define MAXFIELDS 48

typedef struct report {
    const char *title;
    field f[MAXFIELDS];
    size_t n;
} report;

static field *add(report *r, const char *key, const char *label, enum fkind kind)
{
    if (r->n >= MAXFIELDS)
        return &r->f[MAXFIELDS - 1]; /* never reached: the tables below are fixed */
    field *f = &r->f[r->n++];
    memset(f, 0, sizeof *f);
    f->key = key;
    f->label = label;
    f->kind = kind;
    return f;
}

static void put_num(report *r, const char *key, const char *label, hl_stats_num v)
{
    add(r, key, label, F_NUM)->num = v;
}

static void put_val(report *r, const char *key, const char *label, hl_stats_status s, double v)
{
    hl_stats_num n = {s == HL_STATS_OK && isfinite(v) ? v : 0.0,
                      s == HL_STATS_OK && !isfinite(v) ? HL_STATS_NUMERICAL : s};
    put_num(r, key, label, n);
}

static void put_str(report *r, const char *key, const char *label, const char *s)
{
    add(r, key, label, F_STR)->str = s;
}

static void put_bool(report *r, const char *key, const char *label, int b)
{
    add(r, key, label, F_BOOL)->num.value = b ? 1.0 : 0.0;
}

static void put_arr(report *r, const char *key, const char *label, const double *a, size_t n)
{
    field *f = add(r, key, label, F_ARRAY);
    f->arr = a;
    f->narr = n;
}

/* The first undefined number decides "status"; "undefined" lists every one and its reason. */
static int print_json(const report *r)
{
    cJSON *o = cJSON_CreateObject(), *undef = NULL;
    const char *status = NULL;
    if (!o)
        return HL_EINTERNAL;
    for (size_t i = 0; i < r->n; i++) {
        const field *f = &r->f[i];
        switch (f->kind) {
        case F_NUM:
            if (f->num.status == HL_STATS_OK) {
                cJSON_AddNumberToObject(o, f->key, f->num.value);
            } else {
                cJSON_AddNullToObject(o, f->key);
                const char *why = hl_stats_status_name(f->num.status);
                if (!status)
                    status = why;
                if (!undef)
                    undef = cJSON_CreateObject();
                if (undef)
                    cJSON_AddStringToObject(undef, f->key, why);
            }
            break;
        case F_STR:
            cJSON_AddStringToObject(o, f->key, f->str);
            break;
        case F_BOOL:
            cJSON_AddBoolToObject(o, f->key, f->num.value != 0.0);
            break;
        case F_ARRAY: {
            cJSON *a = cJSON_AddArrayToObject(o, f->key);
            for (size_t k = 0; a && k < f->narr; k++)
                cJSON_AddItemToArray(a, cJSON_CreateNumber(f->arr[k]));
            break;
        }
        }
    }
    if (status) {
        cJSON_AddStringToObject(o, "status", status);
        cJSON_AddItemToObject(o, "undefined", undef);
    }
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!text)
        return HL_EINTERNAL;
    puts(text);
    cJSON_free(text);
    return 0;
}

static void print_text(const report *r)
{
    printf("%s\n", r->title);
    for (size_t i = 0; i < r->n; i++) {
        const field *f = &r->f[i];
        if (!f->label)
            continue;
        printf("  %-24s ", f->label);
        switch (f->kind) {
        case F_NUM:
            if (f->num.status == HL_STATS_OK)
                printf("%.8g\n", f->num.value);
            else
                printf("undefined (%s: %s)\n", hl_stats_status_name(f->num.status),
                       hl_stats_status_message(f->num.status));
            break;
        case F_STR:
            printf("%s\n", f->str);
            break;
        case F_BOOL:
            printf("%s\n", f->num.value != 0.0 ? "yes" : "no");
            break;
        case F_ARRAY:
            for (size_t k = 0; k < f->narr; k++)
                printf("%s%.8g", k ? ", " : "", f->arr[k]);
            printf("\n");
            break;
        }
    }
}

static int emit(const report *r, int json)
{
    if (json)
        return print_json(r);
    print_text(r);
    return 0;
}

/* ------------------------------------------------------------------------------------------
 * Argument checks: every failure is one line on stderr and exit code 2.
 * ---------------------------------------------------------------------------------------- */

static int bad(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(const char *cmd, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    hl_cli_errorf("%s: %s", cmd, msg);
    return -1;
}

static int parse_number(const char *cmd, const char *name, const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v))
        return bad(cmd, "%s: not a number: '%s'", name, s);
    *out = v;
    return 0;
}

/* A count: a whole number >= 0 (1e4 is fine, 2.5 and -3 are not). */
static int parse_count(const char *cmd, const char *name, const char *s, double *out)
{
    double v = 0.0;
    if (parse_number(cmd, name, s, &v) != 0)
        return -1;
    if (v < 0.0)
        return bad(cmd, "negative count: %s = %s", name, s);
    if (floor(v) != v || v > 9007199254740992.0)
        return bad(cmd, "%s must be a whole number, got %s", name, s);
    *out = v;
    return 0;
}

static int parse_nonneg(const char *cmd, const char *name, const char *s, double *out)
{
    double v = 0.0;
    if (parse_number(cmd, name, s, &v) != 0)
        return -1;
    if (v < 0.0)
        return bad(cmd, "negative %s: %s", name, s);
    *out = v;
    return 0;
}

static int parse_prob(const char *cmd, const char *name, const char *s, double *out)
{
    double v = 0.0;
    if (parse_number(cmd, name, s, &v) != 0)
        return -1;
    if (!(v >= 0.0 && v <= 1.0))
        return bad(cmd, "%s must lie in [0, 1], got %s", name, s);
    *out = v;
    return 0;
}

static int parse_open01(const char *cmd, const char *name, const char *s, double *out)
{
    double v = 0.0;
    if (parse_number(cmd, name, s, &v) != 0)
        return -1;
    if (!(v > 0.0 && v < 1.0))
        return bad(cmd, "%s must lie strictly between 0 and 1, got %s", name, s);
    *out = v;
    return 0;
}

/* --alpha, default 0.05. */
static int get_alpha(const char *cmd, const hl_cli_args *a, double *alpha)
{
    const char *s = hl_cli_get(a, "alpha");
    *alpha = 0.05;
    return s ? parse_open01(cmd, "--alpha", s, alpha) : 0;
}

static int get_alternative(const char *cmd, const hl_cli_args *a, hl_stats_alternative *alt)
{
    const char *s = hl_cli_get(a, "alternative");
    *alt = HL_STATS_TWO_SIDED;
    if (s && hl_stats_alternative_parse(s, alt) != HL_STATS_OK)
        return bad(cmd, "--alternative: unknown '%s' (two-sided, larger, smaller)", s);
    return 0;
}

static int want_positionals(const char *cmd, const hl_cli_args *a, size_t n, const char *what)
{
    if (a->npos != n)
        return bad(cmd, "expected %s (%zu values), got %zu", what, n, a->npos);
    return 0;
}

/* X1 N1 X2 N2 (or X N): whole counts with X <= N. */
static int parse_arms(const char *cmd, const hl_cli_args *a, size_t arms, double *v)
{
    static const char *const names[] = {"X1", "N1", "X2", "N2"};
    static const char *const names1[] = {"X", "N"};
    if (want_positionals(cmd, a, 2 * arms, arms == 1 ? "X N" : "X1 N1 X2 N2") != 0)
        return -1;
    for (size_t i = 0; i < 2 * arms; i++)
        if (parse_count(cmd, arms == 1 ? names1[i] : names[i], a->pos[i], &v[i]) != 0)
            return -1;
    for (size_t k = 0; k < arms; k++)
        if (v[2 * k] > v[2 * k + 1])
            return bad(cmd, "%s = %s is larger than %s = %s", arms == 1 ? "X" : names[2 * k],
                       a->pos[2 * k], arms == 1 ? "N" : names[2 * k + 1], a->pos[2 * k + 1]);
    return 0;
}

/* Parses the subcommand's options; returns -1 (exit 0 after help), -2 (exit 2) or 0. */
static int parse(int argc, char **argv, const char *cmd, const char *usage, const hl_cli_opt *o,
                 size_t n, hl_cli_args *a)
{
    int rc = hl_cli_parse(argc, argv, cmd, usage, o, n, a);
    if (rc == 1)
        return -1;
    if (rc != 0)
        return -2;
    return 0;
}

#define OPT_JSON {"json", 0, HL_ARG_FLAG, NULL, "print one JSON object"}
#define OPT_ALPHA {"alpha", 'a', HL_ARG_VALUE, "A", "significance level, 0 < A < 1 (0.05)"}
#define OPT_ALT                                                                            \
    {"alternative", 0, HL_ARG_VALUE, "H1", "two-sided (default), larger (arm 1 > arm 2), smaller"}
#define NOPT(o) (sizeof(o) / sizeof((o)[0]))

/* Runs a subcommand body with its parsed arguments and maps failures to exit codes. */
#define PARSE_OR_RETURN(cmd, usage, opts, a)                                               \
    do {                                                                                   \
        int prc_ = parse(argc, argv, cmd, usage, opts, NOPT(opts), &a);                    \
        if (prc_ == -1)                                                                    \
            return 0;                                                                      \
        if (prc_ == -2)                                                                    \
            return HL_EINPUT;                                                              \
    } while (0)

static hl_stats_num num_of(hl_stats_status s, double v)
{
    hl_stats_num n = {s == HL_STATS_OK ? v : 0.0, s};
    return n;
}

/* ------------------------------------------------------------------------------------------
 * Subcommands
 * ---------------------------------------------------------------------------------------- */

static int sub_ci(int argc, char **argv)
{
    static const hl_cli_opt opts[] = {
        {"method", 'm', HL_ARG_VALUE, "M",
         "wilson (default), agresti-coull, clopper-pearson, jeffreys, normal"},
        OPT_ALPHA,
        OPT_JSON,
    };
    static const char usage[] =
        "X N [--method wilson|agresti-coull|clopper-pearson|jeffreys|normal] [--alpha A] [--json]\n"
        "\n"
        "Confidence interval for one proportion X/N (e.g. clicks/impressions).\n"
        "JSON keys: method, estimate, ci_low, ci_high.";
    const char *cmd = "stats ci";
    hl_cli_args a;
    PARSE_OR_RETURN(cmd, usage, opts, a);
    int rc = HL_EINPUT;
    double v[2], alpha;
    hl_stats_ci_method m = HL_STATS_CI_WILSON;
    const char *ms = hl_cli_get(&a, "method");
    if (ms && hl_stats_ci_method_parse(ms, &m) != HL_STATS_OK) {
        bad(cmd, "--method: unknown '%s' (wilson, agresti-coull, clopper-pearson, jeffreys, "
                 "normal)",
            ms);
        goto done;
    }
    if (parse_arms(cmd, &a, 1, v) != 0 || get_alpha(cmd, &a, &alpha) != 0)
        goto done;
    hl_stats_interval ci;
    hl_stats_status s = hl_stats_prop_ci(v[0], v[1], m, alpha, &ci);
    report r = {0};
    char title[128];
    snprintf(title, sizeof title, "Proportion %g/%g: %s interval, %g %% confidence", v[0], v[1],
             hl_stats_ci_method_name(m), 100.0 * (1.0 - alpha));
    r.title = title;
    put_str(&r, "method", "method", hl_stats_ci_method_name(m));
    put_val(&r, "estimate", "estimate", s, ci.estimate);
    put_val(&r, "ci_low", "ci low", s, ci.low);
    put_val(&r, "ci_high", "ci high", s, ci.high);
    put_num(&r, "x", NULL, num_of(HL_STATS_OK, v[0]));
    put_num(&r, "n", NULL, num_of(HL_STATS_OK, v[1]));
    put_num(&r, "alpha", NULL, num_of(HL_STATS_OK, alpha));
    rc = emit(&r, hl_cli_flag(&a, "json"));
done:
    hl_cli_args_free(&a);
    return rc;
}

static int sub_prop(int argc, char **argv)
{
    static const hl_cli_opt opts[] = {
        {"test", 't', HL_ARG_VALUE, "T", "z (pooled, default), wald, score, fisher"},
        OPT_ALT,
        OPT_ALPHA,
        {"phi", 0, HL_ARG_VALUE, "F", "dispersion factor >= 1 for the z/wald/score variance (1)"},
        {"no-correction", 0, HL_ARG_FLAG, NULL,
         "score test without Miettinen-Nurminen's N/(N-1) (then equal to z)"},
        OPT_JSON,
    };
    static const char usage[] =
        "X1 N1 X2 N2 [--test z|wald|score|fisher] [--alternative two-sided|larger|smaller]\n"
        "       [--alpha A] [--phi F] [--no-correction] [--json]\n"
        "\n"
        "Compares two proportions: arm 1 (treatment) X1/N1 against arm 2 (control) X2/N2.\n"
        "'larger' means p1 > p2. diff = p1 - p2 with Newcombe's interval; lift = (p1 - p2)/p2\n"
        "with a delta-method (Welch) interval. The score test matches statsmodels 0.13.5\n"
        "(which applies N/(N-1)); Fisher's two-sided p is scipy's.\n"
        "JSON keys: test, statistic, p_value, diff, ci_low, ci_high, lift.";
    const char *cmd = "stats prop";
    hl_cli_args a;
    PARSE_OR_RETURN(cmd, usage, opts, a);
    int rc = HL_EINPUT;
    double v[4], alpha, phi = 1.0;
    hl_stats_prop_opts po = {HL_STATS_TEST_Z, HL_STATS_TWO_SIDED, 0, 0, 0};
    const char *ts = hl_cli_get(&a, "test");
    if (ts && hl_stats_prop_test_parse(ts, &po.test) != HL_STATS_OK) {
        bad(cmd, "--test: unknown '%s' (z, wald, score, fisher)", ts);
        goto done;
    }
    if (parse_arms(cmd, &a, 2, v) != 0 || get_alpha(cmd, &a, &alpha) != 0 ||
        get_alternative(cmd, &a, &po.alternative) != 0)
        goto done;
    const char *ps = hl_cli_get(&a, "phi");
    if (ps) {
        if (parse_number(cmd, "--phi", ps, &phi) != 0)
            goto done;
        if (!(phi >= 1.0)) {
            bad(cmd, "--phi must be at least 1, got %s", ps);
            goto done;
        }
    }
    po.phi = phi;
    po.score_no_correction = hl_cli_flag(&a, "no-correction");

    hl_stats_test_result t;
    hl_stats_prop_test(v[0], v[1], v[2], v[3], &po, &t);
    hl_stats_interval nc;
    hl_stats_status sn = hl_stats_newcombe(v[0], v[1], v[2], v[3], alpha, &nc);
    hl_stats_lift l;
    hl_stats_status sl = hl_stats_prop_lift(v[0], v[1], v[2], v[3], alpha, phi, 1, &l);
    /* The point lift exists whenever the control rate is positive, even if its SE does not. */
    hl_stats_num lift;
    if (v[1] == 0.0 || v[3] == 0.0)
        lift = num_of(HL_STATS_INSUFFICIENT_DATA, 0);
    else if (v[2] == 0.0)
        lift = num_of(HL_STATS_ZERO_CONTROL, 0);
    else
        lift = num_of(HL_STATS_OK, (v[0] / v[1] - v[2] / v[3]) / (v[2] / v[3]));

    static char title[160];
    snprintf(title, sizeof title, "Two proportions %g/%g vs %g/%g: %s test, %s", v[0], v[1], v[2],
             v[3], hl_stats_prop_test_name(po.test), hl_stats_alternative_name(po.alternative));
    report r = {0};
    r.title = title;
    put_str(&r, "test", "test", hl_stats_prop_test_name(po.test));
    put_str(&r, "alternative", "alternative", hl_stats_alternative_name(po.alternative));
    put_num(&r, "p1", "p1 (treatment)",
            v[1] > 0 ? num_of(HL_STATS_OK, v[0] / v[1]) : num_of(HL_STATS_INSUFFICIENT_DATA, 0));
    put_num(&r, "p2", "p2 (control)",
            v[3] > 0 ? num_of(HL_STATS_OK, v[2] / v[3]) : num_of(HL_STATS_INSUFFICIENT_DATA, 0));
    put_num(&r, "statistic",
            po.test == HL_STATS_TEST_FISHER ? "statistic (odds ratio)" : "statistic (z)",
            t.statistic);
    put_num(&r, "p_value", "p-value", t.p_value);
    put_val(&r, "diff", "diff p1 - p2", sn, nc.estimate);
    put_val(&r, "ci_low", "diff ci low (Newcombe)", sn, nc.low);
    put_val(&r, "ci_high", "diff ci high", sn, nc.high);
    put_num(&r, "lift", "lift (p1 - p2)/p2", lift);
    put_val(&r, "lift_ci_low", "lift ci low (delta)", sl, l.low);
    put_val(&r, "lift_ci_high", "lift ci high", sl, l.high);
    put_num(&r, "alpha", NULL, num_of(HL_STATS_OK, alpha));
    put_num(&r, "phi", NULL, num_of(HL_STATS_OK, t.phi));
    put_str(&r, "ci_method", NULL, "newcombe");
    rc = emit(&r, hl_cli_flag(&a, "json"));
done:
    hl_cli_args_free(&a);
    return rc;
}

static int sub_rate(int argc, char **argv)
{
    static const hl_cli_opt opts[] = {
        {"test", 't', HL_ARG_VALUE, "T", "exact (conditional, default) or score"},
        OPT_ALT,
        OPT_ALPHA,
        OPT_JSON,
    };
    static const char usage[] =
        "K1 E1 K2 E2 [--test exact|score] [--alternative two-sided|larger|smaller] [--alpha A]\n"
        "       [--json]\n"
        "\n"
        "Compares conversion rates per unit of exposure (spend): arm 1 K1 conversions on E1 spend\n"
        "against arm 2. rate_ratio = (K1/E1)/(K2/E2); CPA = E/K, and the CPA ratio is the\n"
        "inverse of the rate ratio (its interval too). 'larger' means arm 1's rate is higher.\n"
        "JSON keys: test, p_value, rate_ratio, ci_low, ci_high.";
    const char *cmd = "stats rate";
    hl_cli_args a;
    PARSE_OR_RETURN(cmd, usage, opts, a);
    int rc = HL_EINPUT;
    double v[4], alpha;
    hl_stats_alternative alt;
    hl_stats_rate_test_kind k = HL_STATS_RATE_EXACT;
    const char *ts = hl_cli_get(&a, "test");
    if (ts && hl_stats_rate_test_parse(ts, &k) != HL_STATS_OK) {
        bad(cmd, "--test: unknown '%s' (exact, score)", ts);
        goto done;
    }
    if (want_positionals(cmd, &a, 4, "K1 E1 K2 E2") != 0 ||
        parse_count(cmd, "K1", a.pos[0], &v[0]) != 0 ||
        parse_nonneg(cmd, "exposure E1", a.pos[1], &v[1]) != 0 ||
        parse_count(cmd, "K2", a.pos[2], &v[2]) != 0 ||
        parse_nonneg(cmd, "exposure E2", a.pos[3], &v[3]) != 0 || get_alpha(cmd, &a, &alpha) != 0 ||
        get_alternative(cmd, &a, &alt) != 0)
        goto done;
    hl_stats_rate_result t;
    hl_stats_rate_test(v[0], v[1], v[2], v[3], k, alt, alpha, &t);
    static char title[160];
    snprintf(title, sizeof title, "Rates %g per %g vs %g per %g: %s test, %s", v[0], v[1], v[2],
             v[3], hl_stats_rate_test_name(k), hl_stats_alternative_name(alt));
    report r = {0};
    r.title = title;
    put_str(&r, "test", "test", hl_stats_rate_test_name(k));
    put_str(&r, "alternative", "alternative", hl_stats_alternative_name(alt));
    if (k == HL_STATS_RATE_SCORE)
        put_num(&r, "statistic", "statistic (z)", t.statistic);
    put_num(&r, "p_value", "p-value", t.p_value);
    put_num(&r, "rate_ratio", "rate ratio", t.rate_ratio);
    put_num(&r, "ci_low", "rate ratio ci low", t.ci_low);
    put_num(&r, "ci_high", "rate ratio ci high", t.ci_high);
    put_num(&r, "cpa1", "CPA arm 1",
            v[0] > 0 ? num_of(HL_STATS_OK, v[1] / v[0]) : num_of(HL_STATS_INSUFFICIENT_DATA, 0));
    put_num(&r, "cpa2", "CPA arm 2",
            v[2] > 0 ? num_of(HL_STATS_OK, v[3] / v[2]) : num_of(HL_STATS_INSUFFICIENT_DATA, 0));
    put_num(&r, "cpa_ratio", "CPA ratio", t.cpa_ratio);
    put_num(&r, "cpa_ratio_ci_low", "CPA ratio ci low", t.cpa_ratio_low);
    put_num(&r, "cpa_ratio_ci_high", "CPA ratio ci high", t.cpa_ratio_high);
    put_num(&r, "alpha", NULL, num_of(HL_STATS_OK, alpha));
    rc = emit(&r, hl_cli_flag(&a, "json"));
done:
    hl_cli_args_free(&a);
    return rc;
}

static int sub_adjust(int argc, char **argv)
{
    static const hl_cli_opt opts[] = {
        {"method", 'm', HL_ARG_VALUE, "M", "bh (Benjamini-Hochberg, default), holm, bonferroni"},
        OPT_JSON,
    };
    static const char usage[] =
        "--method holm|bh|bonferroni P1 P2 ... [--json]\n"
        "\n"
        "Adjusts p-values for multiple comparisons (as statsmodels multipletests), same order.\n"
        "JSON keys: method, adjusted.";
    const char *cmd = "stats adjust";
    hl_cli_args a;
    PARSE_OR_RETURN(cmd, usage, opts, a);
    int rc = HL_EINPUT;
    double *p = NULL;
    hl_stats_adjust_method m = HL_STATS_ADJUST_BH;
    const char *ms = hl_cli_get(&a, "method");
    if (ms && hl_stats_adjust_method_parse(ms, &m) != HL_STATS_OK) {
        bad(cmd, "--method: unknown '%s' (holm, bh, bonferroni)", ms);
        goto done;
    }
    if (a.npos == 0) {
        bad(cmd, "no p-values given");
        goto done;
    }
    p = malloc(2 * a.npos * sizeof *p);
    if (!p) {
        hl_cli_errorf("%s: out of memory", cmd);
        rc = HL_EINTERNAL;
        goto done;
    }
    for (size_t i = 0; i < a.npos; i++) {
        char name[32];
        snprintf(name, sizeof name, "p-value %zu", i + 1);
        if (parse_prob(cmd, name, a.pos[i], &p[i]) != 0)
            goto done;
    }
    if (hl_stats_adjust(p, a.npos, m, p + a.npos) != HL_STATS_OK) {
        hl_cli_errorf("%s: out of memory", cmd);
        rc = HL_EINTERNAL;
        goto done;
    }
    report r = {0};
    static char title[96];
    snprintf(title, sizeof title, "%zu p-values adjusted with %s", a.npos,
             hl_stats_adjust_method_name(m));
    r.title = title;
    put_str(&r, "method", "method", hl_stats_adjust_method_name(m));
    put_arr(&r, "adjusted", "adjusted", p + a.npos, a.npos);
    put_arr(&r, "p_values", "input", p, a.npos);
    rc = emit(&r, hl_cli_flag(&a, "json"));
done:
    free(p);
    hl_cli_args_free(&a);
    return rc;
}

static int sub_power(int argc, char **argv)
{
    static const hl_cli_opt opts[] = {
        {"p2", 0, HL_ARG_VALUE, "P", "control (baseline) rate, 0..1 (required)"},
        {"diff", 'd', HL_ARG_VALUE, "D", "absolute difference to detect: p1 = p2 + D"},
        {"lift", 0, HL_ARG_VALUE, "L", "relative difference instead: D = L * p2"},
        {"n", 'n', HL_ARG_VALUE, "N", "arm-1 sample size: report the power there (and the MDE)"},
        OPT_ALPHA,
        {"power", 'w', HL_ARG_VALUE, "W", "target power, 0 < W < 1 (0.8)"},
        {"ratio", 0, HL_ARG_VALUE, "R", "arm-2 size / arm-1 size (1)"},
        OPT_ALT,
        OPT_JSON,
    };
    static const char usage[] =
        "--p2 P (--diff D | --lift L) [--alpha A] [--power W] [--n N] [--ratio R] [--json]\n"
        "\n"
        "Sample size per arm to detect p1 = p2 + D (two-sided by default; normal approximation,\n"
        "pooled variance under H0, as statsmodels samplesize_proportions_2indep_onetail; not\n"
        "rounded). With --n, the power at that size; with --n and no effect, the minimum\n"
        "detectable difference.\n"
        "JSON keys: n_per_arm (and power_at_n, mde with --n).";
    const char *cmd = "stats power";
    hl_cli_args a;
    PARSE_OR_RETURN(cmd, usage, opts, a);
    int rc = HL_EINPUT;
    double p2 = 0, diff = 0, alpha = 0.05, n = 0, lift = 0;
    hl_stats_power_opts po = {0.05, 0.8, 1.0, 1.0, HL_STATS_TWO_SIDED};
    const char *s2 = hl_cli_get(&a, "p2"), *sd = hl_cli_get(&a, "diff"),
               *sl = hl_cli_get(&a, "lift"), *sn = hl_cli_get(&a, "n"),
               *sw = hl_cli_get(&a, "power"), *sr = hl_cli_get(&a, "ratio");
    if (a.npos) {
        bad(cmd, "unexpected argument '%s' (options only: --p2, --diff, ...)", a.pos[0]);
        goto done;
    }
    if (!s2) {
        bad(cmd, "--p2 (the control rate) is required");
        goto done;
    }
    if (parse_prob(cmd, "--p2", s2, &p2) != 0 || get_alpha(cmd, &a, &alpha) != 0 ||
        get_alternative(cmd, &a, &po.alternative) != 0)
        goto done;
    po.alpha = alpha;
    if (sd && sl) {
        bad(cmd, "give --diff or --lift, not both");
        goto done;
    }
    if (sd && parse_number(cmd, "--diff", sd, &diff) != 0)
        goto done;
    if (sl) {
        if (parse_number(cmd, "--lift", sl, &lift) != 0)
            goto done;
        diff = lift * p2;
    }
    if (!sd && !sl && !sn) {
        bad(cmd, "give the effect to detect (--diff or --lift), or --n for the MDE");
        goto done;
    }
    if ((sd || sl) && !(p2 + diff >= 0.0 && p2 + diff <= 1.0)) {
        bad(cmd, "p2 + diff = %g lies outside [0, 1]", p2 + diff);
        goto done;
    }
    if (sw && parse_open01(cmd, "--power", sw, &po.power) != 0)
        goto done;
    if (sn && parse_nonneg(cmd, "--n", sn, &n) != 0)
        goto done;
    if (sr) {
        if (parse_number(cmd, "--ratio", sr, &po.ratio) != 0)
            goto done;
        if (!(po.ratio > 0.0)) {
            bad(cmd, "--ratio must be positive, got %s", sr);
            goto done;
        }
    }
    report r = {0};
    static char title[160];
    snprintf(title, sizeof title, "Power, two proportions: p2 = %g, %s, alpha %g, power %g", p2,
             hl_stats_alternative_name(po.alternative), alpha, po.power);
    r.title = title;
    put_num(&r, "p2", "p2 (control)", num_of(HL_STATS_OK, p2));
    if (sd || sl) {
        double n1 = 0;
        hl_stats_status s = hl_stats_power_n(p2, diff, &po, &n1);
        put_num(&r, "diff", "diff to detect", num_of(HL_STATS_OK, diff));
        put_num(&r, "p1", "p1", num_of(HL_STATS_OK, p2 + diff));
        put_val(&r, "n_per_arm", "n per arm (arm 1)", s, n1);
        put_val(&r, "n2", "n arm 2", s, n1 * po.ratio);
        if (sn) {
            double pw = 0;
            hl_stats_status sp = hl_stats_power_at(p2, diff, n, &po, &pw);
            put_num(&r, "n", "at n", num_of(HL_STATS_OK, n));
            put_val(&r, "power_at_n", "power at n", sp, pw);
        }
    }
    if (sn && !sd && !sl) {
        double mde = 0;
        hl_stats_status sm = hl_stats_power_mde(p2, n, &po, &mde);
        put_num(&r, "n", "n (arm 1)", num_of(HL_STATS_OK, n));
        put_val(&r, "mde", "minimum detectable diff", sm, mde);
        put_val(&r, "mde_lift", "as a lift of p2",
                sm == HL_STATS_OK && p2 == 0.0 ? HL_STATS_ZERO_CONTROL : sm,
                p2 > 0 ? mde / p2 : 0);
    }
    put_num(&r, "alpha", NULL, num_of(HL_STATS_OK, alpha));
    put_num(&r, "power", NULL, num_of(HL_STATS_OK, po.power));
    rc = emit(&r, hl_cli_flag(&a, "json"));
done:
    hl_cli_args_free(&a);
    return rc;
}

static int sub_bayes(int argc, char **argv)
{
    static const hl_cli_opt opts[] = {
        OPT_ALPHA,
        {"prior-mean", 0, HL_ARG_VALUE, "M", "normal prior on the relative lift: mean (0)"},
        {"prior-sd", 0, HL_ARG_VALUE, "S", "normal prior on the relative lift: sd (flat if absent)"},
        OPT_JSON,
    };
    static const char usage[] =
        "X1 N1 X2 N2 [--alpha A] [--prior-sd S [--prior-mean M]] [--json]\n"
        "\n"
        "Bayesian comparison of arm 1 (treatment) X1/N1 with arm 2 (control) X2/N2.\n"
        "chance_to_beat: exact P(p1 > p2) with Beta(1+x, 1+n-x) posteriors (no Monte Carlo).\n"
        "chance_to_win, risks: normal approximation on the relative lift (expected loss if the\n"
        "treatment / the control is chosen), flat prior unless --prior-sd.\n"
        "JSON keys: chance_to_beat, chance_to_win, risk_treatment, risk_control.";
    const char *cmd = "stats bayes";
    hl_cli_args a;
    PARSE_OR_RETURN(cmd, usage, opts, a);
    int rc = HL_EINPUT;
    double v[4], alpha;
    hl_stats_prior prior = {0.0, 0.0}, *pp = NULL;
    if (parse_arms(cmd, &a, 2, v) != 0 || get_alpha(cmd, &a, &alpha) != 0)
        goto done;
    const char *sm = hl_cli_get(&a, "prior-mean"), *ss = hl_cli_get(&a, "prior-sd");
    if (sm && !ss) {
        bad(cmd, "--prior-mean needs --prior-sd");
        goto done;
    }
    if (ss) {
        if (parse_number(cmd, "--prior-sd", ss, &prior.sd) != 0 ||
            (sm && parse_number(cmd, "--prior-mean", sm, &prior.mean) != 0))
            goto done;
        if (!(prior.sd > 0.0)) {
            bad(cmd, "--prior-sd must be positive, got %s", ss);
            goto done;
        }
        pp = &prior;
    }
    double beat = 0;
    hl_stats_status sb = hl_stats_beta_prob_greater(v[0], v[1], v[2], v[3], &beat);
    hl_stats_bayes b;
    hl_stats_status s = hl_stats_bayes_prop(v[0], v[1], v[2], v[3], pp, alpha, 0, &b);
    static char title[160];
    snprintf(title, sizeof title, "Bayes %g/%g (treatment) vs %g/%g (control), %s", v[0], v[1],
             v[2], v[3], pp ? "normal prior" : "flat prior");
    report r = {0};
    r.title = title;
    put_val(&r, "chance_to_beat", "P(p1 > p2) exact", sb, beat);
    put_val(&r, "chance_to_win", "chance to win (lift)", s, b.chance_to_win);
    put_val(&r, "risk_treatment", "risk if treatment", s, b.risk_treatment);
    put_val(&r, "risk_control", "risk if control", s, b.risk_control);
    put_val(&r, "lift_mean", "lift mean", s, b.mean);
    put_val(&r, "lift_sd", "lift sd", s, b.sd);
    put_val(&r, "ci_low", "lift credible low", s, b.low);
    put_val(&r, "ci_high", "lift credible high", s, b.high);
    put_str(&r, "method", NULL, b.method);
    put_num(&r, "alpha", NULL, num_of(HL_STATS_OK, alpha));
    rc = emit(&r, hl_cli_flag(&a, "json"));
done:
    hl_cli_args_free(&a);
    return rc;
}

static int sub_seq(int argc, char **argv)
{
    static const hl_cli_opt opts[] = {
        {"tuning", 0, HL_ARG_VALUE, "NSTAR", "expected total sample at decision (5000)"},
        OPT_ALPHA,
        {"prev-p", 0, HL_ARG_VALUE, "P", "running-minimum p from the previous look"},
        OPT_JSON,
    };
    static const char usage[] =
        "X1 N1 X2 N2 [--tuning NSTAR] [--alpha A] [--prev-p P] [--json]\n"
        "\n"
        "Always-valid (sequential) test of the relative lift (p1 - p2)/p2 with a delta-method SE\n"
        "and the normal-mixture boundary tuned at N* (GrowthBook's). Valid however often you\n"
        "look, if you keep the running minimum of p (pass it back with --prev-p).\n"
        "JSON keys: lift, ci_low, ci_high, p_value.";
    const char *cmd = "stats seq";
    hl_cli_args a;
    PARSE_OR_RETURN(cmd, usage, opts, a);
    int rc = HL_EINPUT;
    double v[4], alpha, tuning = 5000, prev = 0;
    if (parse_arms(cmd, &a, 2, v) != 0 || get_alpha(cmd, &a, &alpha) != 0)
        goto done;
    const char *st = hl_cli_get(&a, "tuning"), *sp = hl_cli_get(&a, "prev-p");
    if (st) {
        if (parse_number(cmd, "--tuning", st, &tuning) != 0)
            goto done;
        if (!(tuning > 0.0)) {
            bad(cmd, "--tuning must be positive, got %s", st);
            goto done;
        }
    }
    if (sp && parse_prob(cmd, "--prev-p", sp, &prev) != 0)
        goto done;
    hl_stats_seq_opts so = {alpha, tuning, prev};
    hl_stats_seq_result sr;
    hl_stats_status s = hl_stats_seq_prop_lift(v[0], v[1], v[2], v[3], 0, &so, &sr);
    static char title[160];
    snprintf(title, sizeof title,
             "Sequential test of the lift, %g/%g (treatment) vs %g/%g (control), N* = %g", v[0],
             v[1], v[2], v[3], tuning);
    report r = {0};
    r.title = title;
    put_val(&r, "lift", "lift", s, sr.estimate);
    put_val(&r, "ci_low", "ci low (always valid)", s, sr.low);
    put_val(&r, "ci_high", "ci high", s, sr.high);
    put_val(&r, "p_value", "p-value (running min)", s, sr.p_value);
    put_val(&r, "p_value_look", "p-value this look", s, sr.p_value_look);
    put_val(&r, "se", "se", s, sr.se);
    put_num(&r, "n_total", NULL, num_of(HL_STATS_OK, v[1] + v[3]));
    put_num(&r, "tuning", NULL, num_of(HL_STATS_OK, tuning));
    put_num(&r, "alpha", NULL, num_of(HL_STATS_OK, alpha));
    put_str(&r, "method", NULL, "normal-mixture");
    rc = emit(&r, hl_cli_flag(&a, "json"));
done:
    hl_cli_args_free(&a);
    return rc;
}

static int sub_srm(int argc, char **argv)
{
    static const hl_cli_opt opts[] = {
        {"weights", 'w', HL_ARG_VALUE, "W1,W2,...", "expected shares, any positive scale (equal)"},
        OPT_JSON,
    };
    static const char usage[] =
        "O1 O2 ... [--weights W1,W2,...] [--json]\n"
        "\n"
        "Sample-ratio mismatch check for a declared randomized split: chi-square of the observed\n"
        "units per arm against the declared weights. alert: p < 0.001 with at least 8 units in\n"
        "every arm.\n"
        "JSON keys: statistic, p_value.";
    const char *cmd = "stats srm";
    hl_cli_args a;
    PARSE_OR_RETURN(cmd, usage, opts, a);
    int rc = HL_EINPUT;
    double *o = NULL, *w = NULL;
    if (a.npos < 2) {
        bad(cmd, "need at least two observed counts, got %zu", a.npos);
        goto done;
    }
    o = calloc(a.npos, sizeof *o);
    w = calloc(a.npos, sizeof *w);
    if (!o || !w) {
        hl_cli_errorf("%s: out of memory", cmd);
        rc = HL_EINTERNAL;
        goto done;
    }
    for (size_t i = 0; i < a.npos; i++) {
        char name[32];
        snprintf(name, sizeof name, "O%zu", i + 1);
        if (parse_count(cmd, name, a.pos[i], &o[i]) != 0)
            goto done;
    }
    const char *ws = hl_cli_get(&a, "weights");
    if (ws) {
        size_t k = 0;
        const char *p = ws;
        for (;;) {
            char item[64];
            size_t len = strcspn(p, ",");
            if (len == 0 || len >= sizeof item) {
                bad(cmd, "--weights: empty or overlong item in '%s'", ws);
                goto done;
            }
            if (k >= a.npos) {
                bad(cmd, "--weights: more weights than the %zu counts", a.npos);
                goto done;
            }
            memcpy(item, p, len);
            item[len] = '\0';
            if (parse_number(cmd, "--weights", item, &w[k]) != 0)
                goto done;
            if (!(w[k] > 0.0)) {
                bad(cmd, "--weights: every weight must be positive, got %s", item);
                goto done;
            }
            k++;
            if (p[len] == '\0')
                break;
            p += len + 1;
        }
        if (k != a.npos) {
            bad(cmd, "--weights: %zu weights for %zu counts", k, a.npos);
            goto done;
        }
    }
    hl_stats_srm sr;
    hl_stats_status s = hl_stats_srm_test(o, ws ? w : NULL, a.npos, &sr);
    double mino = o[0];
    for (size_t i = 1; i < a.npos; i++)
        mino = o[i] < mino ? o[i] : mino;
    report r = {0};
    static char title[96];
    snprintf(title, sizeof title, "Sample-ratio mismatch, %zu arms, %s weights", a.npos,
             ws ? "declared" : "equal");
    r.title = title;
    put_val(&r, "statistic", "chi-square", s, sr.statistic);
    put_val(&r, "p_value", "p-value", s, sr.p_value);
    put_val(&r, "df", "df", s, sr.df);
    put_bool(&r, "alert", "mismatch alert", s == HL_STATS_OK && sr.p_value < 0.001 && mino >= 8);
    rc = emit(&r, hl_cli_flag(&a, "json"));
done:
    free(o);
    free(w);
    hl_cli_args_free(&a);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */

typedef struct sub {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} sub;

static const sub subs[] = {
    {"ci", "confidence interval for one proportion", sub_ci},
    {"prop", "compare two proportions (z, Wald, score, Fisher)", sub_prop},
    {"rate", "compare conversions per spend (exact, score); CPA ratio", sub_rate},
    {"adjust", "adjust p-values (Holm, Benjamini-Hochberg, Bonferroni)", sub_adjust},
    {"power", "sample size, power, minimum detectable effect", sub_power},
    {"bayes", "chance to beat, chance to win, expected loss", sub_bayes},
    {"seq", "always-valid sequential test of the lift", sub_seq},
    {"srm", "sample-ratio mismatch chi-square", sub_srm},
};
#define NSUBS (sizeof subs / sizeof subs[0])

static void stats_usage(FILE *f)
{
    fprintf(f, "usage: hookline stats <subcommand> [options] [--json]\n\nsubcommands:\n");
    for (size_t i = 0; i < NSUBS; i++)
        fprintf(f, "  %-8s %s\n", subs[i].name, subs[i].summary);
    fprintf(f, "\nArm 1 is the treatment, arm 2 the control; lift = (p1 - p2)/p2.\n"
               "'hookline stats <subcommand> --help' for each one's arguments and JSON keys.\n");
}

int hl_cli_stats(int argc, char **argv)
{
    if (argc < 2) {
        hl_cli_errorf("stats: missing subcommand (ci, prop, rate, adjust, power, bayes, seq, "
                      "srm); see 'hookline stats --help'");
        return HL_EINPUT;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        stats_usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < NSUBS; i++)
        if (strcmp(subs[i].name, argv[1]) == 0)
            return subs[i].run(argc - 1, argv + 1);
    const char *names[NSUBS];
    for (size_t i = 0; i < NSUBS; i++)
        names[i] = subs[i].name;
    const char *sug = hl_cli_suggest(argv[1], names, NSUBS);
    if (sug)
        hl_cli_errorf("stats: unknown subcommand '%s' (did you mean '%s'?); see 'hookline stats "
                      "--help'",
                      argv[1], sug);
    else
        hl_cli_errorf("stats: unknown subcommand '%s'; see 'hookline stats --help'", argv[1]);
    return HL_EINPUT;
}
