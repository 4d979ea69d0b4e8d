/*
 * test_stats_cases.c — runs the statistics core over tests/data/stats_cases.csv, the table of
 * cases computed with statsmodels/scipy by tests/tools/gen_stats_cases.py (committed, so ctest
 * needs no Python), and requires agreement to 1e-6 relative (1e-9 absolute near 0). An expected
 * "undef" requires a non-OK status for that output: the module never hands out NaN or inf.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_errno.h>

#include "hl_test.h"
#include "hookline/stats.h"

#define MAXROWS 64
#define MAXNUM 4096
#define REL_TOL 1e-6
#define ABS_TOL 1e-9

typedef struct row {
    char output[64];
    char expected[8192];
} row;

typedef struct tcase {
    long id;
    char func[32], option[64], alt[16], args[65536];
    double alpha;
    row rows[MAXROWS];
    size_t nrows;
} tcase;

/* Named results of one call. */
typedef struct outputs {
    const char *name[16];
    hl_stats_num val[16];
    size_t n;
} outputs;

static int cases_run, rows_checked;

static void put(outputs *o, const char *name, hl_stats_num v)
{
    o->name[o->n] = name;
    o->val[o->n] = v;
    o->n++;
}

static hl_stats_num ok(hl_stats_status s, double v)
{
    hl_stats_num n = {s == HL_STATS_OK ? v : 0.0, s};
    return n;
}

/* Splits s on any of seps into doubles. */
static size_t parse_nums(const char *s, const char *seps, double *out, size_t max)
{
    size_t n = 0;
    const char *p = s;
    while (*p && n < max) {
        while (*p && strchr(seps, *p))
            p++;
        if (!*p)
            break;
        char *end;
        errno = 0;
        out[n++] = strtod(p, &end);
        if (end == p)
            break;
        p = end;
    }
    return n;
}

static int near(double got, double want)
{
    double d = fabs(got - want);
    return d <= ABS_TOL || d <= REL_TOL * fabs(want);
}

static void fail(const tcase *c, const char *output, const char *what)
{
    hl_test_failures++;
    fprintf(stderr, "case %ld %s/%s/%s alpha=%g [%.120s] %s: %s\n", c->id, c->func, c->option,
            c->alt, c->alpha, c->args, output, what);
}

static hl_stats_alternative alt_of(const char *s)
{
    hl_stats_alternative a = HL_STATS_TWO_SIDED;
    hl_stats_alternative_parse(s, &a);
    return a;
}

/* Evaluates one case into named outputs; returns 0 if the func is unknown. */
static int evaluate(const tcase *c, outputs *o, double *adjusted, size_t *nadj)
{
    static double a[MAXNUM], b[MAXNUM];
    const double alpha = c->alpha;
    const hl_stats_alternative alt = alt_of(c->alt);
    size_t na = 0;
    hl_stats_status s;
    o->n = 0;

    if (strcmp(c->func, "ci") == 0) {
        na = parse_nums(c->args, " ", a, 4);
        hl_stats_ci_method m;
        CHECK_INT(hl_stats_ci_method_parse(c->option, &m), HL_STATS_OK);
        hl_stats_interval ci;
        s = hl_stats_prop_ci(a[0], a[1], m, alpha, &ci);
        put(o, "low", ok(s, ci.low));
        put(o, "high", ok(s, ci.high));
    } else if (strcmp(c->func, "prop") == 0) {
        parse_nums(c->args, " ", a, 4);
        hl_stats_prop_opts po = {HL_STATS_TEST_Z, alt, 0, 0, 0};
        if (strcmp(c->option, "score-nc") == 0) {
            po.test = HL_STATS_TEST_SCORE;
            po.score_no_correction = 1;
        } else {
            CHECK_INT(hl_stats_prop_test_parse(c->option, &po.test), HL_STATS_OK);
        }
        hl_stats_test_result r;
        hl_stats_prop_test(a[0], a[1], a[2], a[3], &po, &r);
        put(o, "statistic", r.statistic);
        put(o, "p_value", r.p_value);
    } else if (strcmp(c->func, "newcombe") == 0) {
        parse_nums(c->args, " ", a, 4);
        hl_stats_interval ci;
        s = hl_stats_newcombe(a[0], a[1], a[2], a[3], alpha, &ci);
        put(o, "low", ok(s, ci.low));
        put(o, "high", ok(s, ci.high));
    } else if (strcmp(c->func, "lift") == 0) {
        parse_nums(c->args, " ", a, 4);
        hl_stats_lift l;
        s = hl_stats_prop_lift(a[0], a[1], a[2], a[3], alpha, 0, strcmp(c->option, "welch") == 0,
                               &l);
        put(o, "lift", ok(s, l.lift));
        put(o, "se", ok(s, l.se));
        put(o, "low", ok(s, l.low));
        put(o, "high", ok(s, l.high));
        put(o, "p_value", ok(s, l.p_value));
    } else if (strcmp(c->func, "rate") == 0) {
        parse_nums(c->args, " ", a, 4);
        hl_stats_rate_test_kind k;
        CHECK_INT(hl_stats_rate_test_parse(c->option, &k), HL_STATS_OK);
        hl_stats_rate_result r;
        hl_stats_rate_test(a[0], a[1], a[2], a[3], k, alt, alpha, &r);
        put(o, "p_value", r.p_value);
        put(o, "rate_ratio", r.rate_ratio);
        put(o, "ci_low", r.ci_low);
        put(o, "ci_high", r.ci_high);
    } else if (strcmp(c->func, "cpa") == 0) {
        parse_nums(c->args, " ", a, 2);
        hl_stats_cpa_interval ci;
        hl_stats_cpa_ci(a[0], a[1], alpha, &ci);
        put(o, "cpa", ci.cpa);
        put(o, "low", ci.low);
        put(o, "high", ci.high);
        double lo, hi;
        s = hl_stats_poisson_ci(a[0], alpha, &lo, &hi);
        put(o, "count_low", ok(s, lo));
        put(o, "count_high", ok(s, hi));
    } else if (strcmp(c->func, "adjust") == 0) {
        na = parse_nums(c->args, ";", a, MAXNUM);
        hl_stats_adjust_method m;
        CHECK_INT(hl_stats_adjust_method_parse(c->option, &m), HL_STATS_OK);
        s = hl_stats_adjust(a, na, m, adjusted);
        *nadj = s == HL_STATS_OK ? na : 0;
    } else if (strcmp(c->func, "power_n") == 0 || strcmp(c->func, "power_at") == 0 ||
               strcmp(c->func, "mde") == 0) {
        parse_nums(c->args, " ", a, 3);
        hl_stats_power_opts po = {alpha, 0, 0, 0, alt};
        double v = 0;
        if (strcmp(c->func, "power_n") == 0) {
            po.power = a[2];
            s = hl_stats_power_n(a[0], a[1], &po, &v);
            put(o, "n", ok(s, v));
        } else if (strcmp(c->func, "power_at") == 0) {
            s = hl_stats_power_at(a[0], a[1], a[2], &po, &v);
            put(o, "power", ok(s, v));
        } else {
            po.power = a[2];
            s = hl_stats_power_mde(a[0], a[1], &po, &v);
            put(o, "diff", ok(s, v));
        }
    } else if (strcmp(c->func, "srm") == 0) {
        const char *bar = strchr(c->args, '|');
        na = parse_nums(c->args, ";", a, MAXNUM);
        size_t nw = bar ? parse_nums(bar + 1, ";", b, MAXNUM) : 0;
        if (bar) {
            /* parse_nums stopped at '|': recount the observed part only. */
            char obs[65536];
            snprintf(obs, sizeof obs, "%.*s", (int)(bar - c->args), c->args);
            na = parse_nums(obs, ";", a, MAXNUM);
        }
        CHECK(!bar || nw == na);
        hl_stats_srm r;
        s = hl_stats_srm_test(a, bar ? b : NULL, na, &r);
        put(o, "statistic", ok(s, r.statistic));
        put(o, "p_value", ok(s, r.p_value));
    } else if (strcmp(c->func, "beta_greater") == 0) {
        parse_nums(c->args, " ", a, 4);
        double p;
        s = hl_stats_beta_prob_greater(a[0], a[1], a[2], a[3], &p);
        put(o, "p", ok(s, p));
    } else if (strcmp(c->func, "bayes_normal") == 0) {
        parse_nums(c->args, " ", a, 4);
        hl_stats_prior prior, *pp = NULL;
        if (strncmp(c->option, "prior:", 6) == 0) {
            double pv[2];
            CHECK(parse_nums(c->option + 6, ":", pv, 2) == 2);
            prior.mean = pv[0];
            prior.sd = pv[1];
            pp = &prior;
        }
        hl_stats_bayes r;
        s = hl_stats_bayes_prop(a[0], a[1], a[2], a[3], pp, alpha, 0, &r);
        put(o, "mean", ok(s, r.mean));
        put(o, "sd", ok(s, r.sd));
        put(o, "low", ok(s, r.low));
        put(o, "high", ok(s, r.high));
        put(o, "chance_to_win", ok(s, r.chance_to_win));
        put(o, "risk_treatment", ok(s, r.risk_treatment));
        put(o, "risk_control", ok(s, r.risk_control));
    } else if (strcmp(c->func, "seq") == 0) {
        parse_nums(c->args, " ", a, 4);
        hl_stats_seq_opts so = {alpha, strtod(c->option, NULL), 0};
        hl_stats_seq_result r;
        s = hl_stats_seq_prop_lift(a[0], a[1], a[2], a[3], 0, &so, &r);
        put(o, "lift", ok(s, r.estimate));
        put(o, "se", ok(s, r.se));
        put(o, "ci_low", ok(s, r.low));
        put(o, "ci_high", ok(s, r.high));
        put(o, "p_value", ok(s, r.p_value));
    } else if (strcmp(c->func, "dispersion") == 0) {
        na = parse_nums(c->args, ";:", a, MAXNUM);
        size_t ncell = na / 3;
        static double x[MAXNUM], n[MAXNUM];
        static size_t g[MAXNUM];
        size_t ng = 1;
        for (size_t i = 0; i < ncell; i++) {
            x[i] = a[3 * i];
            n[i] = a[3 * i + 1];
            g[i] = (size_t)a[3 * i + 2];
            if (g[i] + 1 > ng)
                ng = g[i] + 1;
        }
        hl_stats_dispersion d;
        s = hl_stats_dispersion_quasibinomial(x, n, g, ncell, ng, 0, &d);
        put(o, "phi", ok(s, d.phi));
        put(o, "phi_raw", ok(s, d.phi_raw));
        put(o, "df", ok(s, d.df));
        put(o, "chi2", ok(s, d.chi2));
    } else if (strcmp(c->func, "ratio") == 0 || strcmp(c->func, "ratio_diff") == 0) {
        const char *bar = strchr(c->args, '|');
        char first[65536];
        snprintf(first, sizeof first, "%.*s", bar ? (int)(bar - c->args) : (int)strlen(c->args),
                 c->args);
        static double num1[MAXNUM], den1[MAXNUM], num2[MAXNUM], den2[MAXNUM];
        na = parse_nums(first, ";:", a, MAXNUM);
        for (size_t i = 0; i < na / 2; i++) {
            num1[i] = a[2 * i];
            den1[i] = a[2 * i + 1];
        }
        hl_stats_ratio r1, r2;
        s = hl_stats_ratio_delta(num1, den1, na / 2, &r1);
        if (strcmp(c->func, "ratio") == 0) {
            put(o, "ratio", ok(s, r1.ratio));
            put(o, "se", ok(s, r1.se));
        } else {
            size_t nb = bar ? parse_nums(bar + 1, ";:", b, MAXNUM) : 0;
            for (size_t i = 0; i < nb / 2; i++) {
                num2[i] = b[2 * i];
                den2[i] = b[2 * i + 1];
            }
            hl_stats_status s2 = hl_stats_ratio_delta(num2, den2, nb / 2, &r2);
            hl_stats_ratio_compare rc = {0}; /* read (and ignored by ok()) when s fails */
            if (s == HL_STATS_OK)
                s = s2;
            if (s == HL_STATS_OK)
                s = hl_stats_ratio_diff(&r1, &r2, strcmp(c->option, "relative") == 0, alpha, &rc);
            put(o, "estimate", ok(s, rc.estimate));
            put(o, "se", ok(s, rc.se));
            put(o, "low", ok(s, rc.low));
            put(o, "high", ok(s, rc.high));
            put(o, "p_value", ok(s, rc.p_value));
        }
    } else {
        return 0;
    }
    (void)na;
    return 1;
}

static void run_case(const tcase *c)
{
    static double adjusted[MAXNUM];
    size_t nadj = 0;
    outputs o;
    cases_run++;
    clock_t t0 = clock();
    if (!evaluate(c, &o, adjusted, &nadj)) {
        fail(c, "-", "unknown func");
        return;
    }
    /* HL_STATS_CASES_TIMING=1 lists the slow cases (a regression hunt, not a test). */
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    if (secs > 0.01 && getenv("HL_STATS_CASES_TIMING"))
        fprintf(stderr, "slow: case %ld %s/%s [%.80s] %.3f s\n", c->id, c->func, c->option,
                c->args, secs);
    for (size_t r = 0; r < c->nrows; r++) {
        const row *rw = &c->rows[r];
        rows_checked++;
        hl_test_checks++;
        char msg[512];
        if (strcmp(rw->output, "adjusted") == 0) {
            static double want[MAXNUM];
            size_t nw = parse_nums(rw->expected, ";", want, MAXNUM);
            if (nw != nadj) {
                snprintf(msg, sizeof msg, "got %zu values, expected %zu", nadj, nw);
                fail(c, rw->output, msg);
                continue;
            }
            for (size_t i = 0; i < nw; i++)
                if (!near(adjusted[i], want[i])) {
                    snprintf(msg, sizeof msg, "[%zu] got %.17g, expected %.17g", i, adjusted[i],
                             want[i]);
                    fail(c, rw->output, msg);
                }
            continue;
        }
        const hl_stats_num *got = NULL;
        for (size_t i = 0; i < o.n; i++)
            if (strcmp(o.name[i], rw->output) == 0)
                got = &o.val[i];
        if (!got) {
            fail(c, rw->output, "no such output");
            continue;
        }
        if (!isfinite(got->value)) {
            fail(c, rw->output, "non-finite value left the module");
            continue;
        }
        if (strcmp(rw->expected, "undef") == 0) {
            if (got->status == HL_STATS_OK) {
                snprintf(msg, sizeof msg, "expected undefined, got %.17g", got->value);
                fail(c, rw->output, msg);
            }
            continue;
        }
        double want = strtod(rw->expected, NULL);
        if (got->status != HL_STATS_OK) {
            snprintf(msg, sizeof msg, "status %s, expected %.17g",
                     hl_stats_status_name(got->status), want);
            fail(c, rw->output, msg);
        } else if (!near(got->value, want)) {
            snprintf(msg, sizeof msg, "got %.17g, expected %.17g (rel %.2g)", got->value, want,
                     fabs(got->value - want) / fabs(want));
            fail(c, rw->output, msg);
        }
    }
}

/* Splits a CSV line with no quoting (the generator never writes commas inside fields). */
static int split(char *line, char **f, int max)
{
    int n = 0;
    f[n++] = line;
    for (char *p = line; *p && n < max; p++)
        if (*p == ',') {
            *p = '\0';
            f[n++] = p + 1;
        }
    return n;
}

int main(void)
{
    gsl_set_error_handler_off();
    const char *path = HL_TEST_DATA "/stats_cases.csv";
    FILE *fp = fopen(path, "r");
    if (!fp) {
        fprintf(stderr, "cannot open %s\n", path);
        return 1;
    }
    static char line[1 << 18];
    static tcase cur;
    cur.id = -1;
    int header = 1;
    while (fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (header) {
            header = 0;
            continue;
        }
        char *f[8];
        if (split(line, f, 8) != 8) {
            fprintf(stderr, "malformed line: %.80s\n", line);
            hl_test_failures++;
            continue;
        }
        long id = strtol(f[0], NULL, 10);
        if (id != cur.id) {
            if (cur.id >= 0)
                run_case(&cur);
            memset(&cur, 0, sizeof cur);
            cur.id = id;
            snprintf(cur.func, sizeof cur.func, "%s", f[1]);
            snprintf(cur.option, sizeof cur.option, "%s", f[2]);
            snprintf(cur.alt, sizeof cur.alt, "%s", f[3]);
            cur.alpha = strtod(f[4], NULL);
            snprintf(cur.args, sizeof cur.args, "%s", f[5]);
        }
        if (cur.nrows < MAXROWS) {
            snprintf(cur.rows[cur.nrows].output, sizeof cur.rows[0].output, "%s", f[6]);
            snprintf(cur.rows[cur.nrows].expected, sizeof cur.rows[0].expected, "%s", f[7]);
            cur.nrows++;
        }
    }
    if (cur.id >= 0)
        run_case(&cur);
    fclose(fp);
    printf("%d cases, %d values compared\n", cases_run, rows_checked);
    CHECK(cases_run >= 300);
    TEST_MAIN_END();
}
