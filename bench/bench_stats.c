/*
 * bench_stats.c — throughput of the statistics core on seeded random cases: pooled z, Fisher
 * (counts up to 1,000 and up to 10^7), the exact conditional rate test, the exact beta-binomial
 * P(p1 > p2) and the sequential test. Prints tests per second, the median of several repeats.
 * Issue 3's targets: >= 5 M z/s, >= 200 k Fisher/s at counts <= 1000, 100 k beta-binomial in
 * under 5 s. Results are recorded in bench/STATS_RESULTS.md.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "hookline/stats.h"

typedef struct kase {
    double x1, n1, x2, n2;
} kase;

typedef double (*bench_fn)(const kase *c, size_t n);

/* CPU time of this process: "tests per second on one core" even when the machine is shared
 * (wall time is printed too, for the record). */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The sum of results is printed so the compiler cannot drop the work. */
static volatile double sink;

static double run_z(const kase *c, size_t n)
{
    double s = 0, z, p;
    for (size_t i = 0; i < n; i++)
        if (hl_stats_ztest(c[i].x1, c[i].n1, c[i].x2, c[i].n2, HL_STATS_TWO_SIDED, 0, &z, &p) ==
            HL_STATS_OK)
            s += p;
    return s;
}

static double run_fisher(const kase *c, size_t n)
{
    double s = 0, p;
    for (size_t i = 0; i < n; i++)
        if (hl_stats_fisher(c[i].x1, c[i].n1, c[i].x2, c[i].n2, HL_STATS_TWO_SIDED, &p) ==
            HL_STATS_OK)
            s += p;
    return s;
}

/* For rates, x = conversions and n = spend. */
static double run_rate(const kase *c, size_t n)
{
    double s = 0;
    hl_stats_rate_result r;
    for (size_t i = 0; i < n; i++)
        if (hl_stats_rate_test(c[i].x1, c[i].n1, c[i].x2, c[i].n2, HL_STATS_RATE_EXACT,
                               HL_STATS_TWO_SIDED, 0.05, &r) == HL_STATS_OK)
            s += r.p_value.value;
    return s;
}

static double run_beta(const kase *c, size_t n)
{
    double s = 0, p;
    for (size_t i = 0; i < n; i++)
        if (hl_stats_beta_prob_greater(c[i].x1, c[i].n1, c[i].x2, c[i].n2, &p) == HL_STATS_OK)
            s += p;
    return s;
}

static double run_seq(const kase *c, size_t n)
{
    double s = 0;
    hl_stats_seq_opts o = {0.05, 5000, 0};
    hl_stats_seq_result r;
    for (size_t i = 0; i < n; i++)
        if (hl_stats_seq_prop_lift(c[i].x1, c[i].n1, c[i].x2, c[i].n2, 0, &o, &r) == HL_STATS_OK)
            s += r.p_value;
    return s;
}

/* Two arms of one comparison: sizes uniform in [nmin, nmax], a shared base rate in
 * [pmin, pmax] and arm 1's rate within +-20 % of it (what a creative test looks like). */
static void make_props(gsl_rng *r, kase *c, size_t n, double nmin, double nmax, double pmin,
                       double pmax)
{
    for (size_t i = 0; i < n; i++) {
        double p = pmin + (pmax - pmin) * gsl_rng_uniform(r);
        double p1 = p * (0.8 + 0.4 * gsl_rng_uniform(r));
        if (p1 > 1)
            p1 = 1;
        c[i].n1 = floor(nmin + (nmax - nmin + 1) * gsl_rng_uniform(r));
        c[i].n2 = floor(nmin + (nmax - nmin + 1) * gsl_rng_uniform(r));
        c[i].x1 = gsl_ran_binomial(r, p1, (unsigned)c[i].n1);
        c[i].x2 = gsl_ran_binomial(r, p, (unsigned)c[i].n2);
    }
}

/* Conversions on spend: spend uniform in [100, 10000], CPA around 5..50. */
static void make_rates(gsl_rng *r, kase *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double cpa = 5 + 45 * gsl_rng_uniform(r);
        c[i].n1 = 100 + 9900 * gsl_rng_uniform(r);
        c[i].n2 = 100 + 9900 * gsl_rng_uniform(r);
        c[i].x1 = gsl_ran_poisson(r, c[i].n1 / (cpa * (0.8 + 0.4 * gsl_rng_uniform(r))));
        c[i].x2 = gsl_ran_poisson(r, c[i].n2 / cpa);
    }
}

static void bench(const char *name, bench_fn fn, const kase *c, size_t n, int repeats)
{
    double rates[16], walls[16];
    if (repeats > 16)
        repeats = 16;
    for (int k = 0; k < repeats; k++) {
        double t0 = cpu_now(), w0 = wall_now();
        sink = fn(c, n);
        double dt = cpu_now() - t0, dw = wall_now() - w0;
        rates[k] = (double)n / dt;
        walls[k] = (double)n / dw;
    }
    qsort(rates, (size_t)repeats, sizeof rates[0], cmp_double);
    qsort(walls, (size_t)repeats, sizeof walls[0], cmp_double);
    double med = rates[repeats / 2];
    printf("%-40s %8zu cases %11.0f tests/s cpu %11.0f wall  (median of %d, %.3f s cpu/pass)\n",
           name, n, med, walls[repeats / 2], repeats, (double)n / med);
    fflush(stdout);
}

int main(void)
{
    gsl_set_error_handler_off();
    const size_t N = 1000000;
    kase *c = malloc(N * sizeof *c);
    if (!c)
        return 4;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 12345);

    make_props(r, c, N, 1000, 1000000, 0.001, 0.1);
    bench("pooled z (n 1e3..1e6)", run_z, c, N, 7);
    bench("sequential lift, normal mixture", run_seq, c, N, 7);

    make_props(r, c, N, 1, 1000, 0.01, 0.5);
    bench("Fisher exact, counts <= 1000", run_fisher, c, N, 5);
    make_props(r, c, 10000, 1000000, 10000000, 0.001, 0.5);
    bench("Fisher exact, counts 1e6..1e7", run_fisher, c, 10000, 3);

    make_rates(r, c, N);
    bench("exact conditional rate test (CPA)", run_rate, c, N, 5);

    make_props(r, c, 100000, 100, 10000, 0.01, 0.1);
    bench("beta-binomial P(p1>p2), n <= 1e4", run_beta, c, 100000, 5);
    make_props(r, c, 100000, 10000, 1000000, 0.01, 0.1);
    bench("beta-binomial P(p1>p2), n 1e4..1e6", run_beta, c, 100000, 3);
    make_props(r, c, 1000, 1000000, 10000000, 0.001, 0.5);
    bench("beta-binomial P(p1>p2), n 1e6..1e7", run_beta, c, 1000, 3);

    printf("(checksum %g)\n", sink);
    gsl_rng_free(r);
    free(c);
    return 0;
}
