#!/usr/bin/python3
"""gen_stats_cases.py — writes tests/data/stats_cases.csv, the reference table the statistics
core is checked against (tests/unit/test_stats_cases.c reads it; ctest never runs Python).

Reference implementations: statsmodels 0.13.5 and scipy 1.10 from Debian (python3-statsmodels,
python3-scipy; run with /usr/bin/python3). Where neither library has the method (delta-method
lift, normal-mixture sequential test, normal Bayes, quasi-binomial dispersion, ratio metrics,
rate-ratio intervals) the formula is re-implemented here independently of the C code, with scipy
distributions; the exact beta-binomial P(p1 > p2) is computed with exact rational arithmetic for
small counts and by numerical integration of scipy's Beta cdf for large ones.

Format: one row per checked number (long format)
    id,func,option,alternative,alpha,args,output,expected
  args     space-separated numbers; lists use ';' between items and ':' inside an item,
           and '|' between two lists
  expected a number (repr, 17 digits) or "undef": hookline must report a non-OK status for
           that output (the library returned NaN/inf, raised, or the value is undefined);
           for "adjusted" (multiple testing) a ';'-separated list in input order
Rows sharing an id are one case (one call). Usage: gen_stats_cases.py [OUT.csv]
"""
import csv
import math
import os
import sys
import warnings
from fractions import Fraction

import numpy as np
from scipy import integrate, optimize, special, stats
from statsmodels.stats import multitest
from statsmodels.stats import proportion as smp
from statsmodels.stats import rates as smr

warnings.simplefilter("ignore")

ROWS = []
CASE = [0]


def num(v):
    """A finite float as repr, anything else as 'undef'."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return "undef"
    if not math.isfinite(f):
        return "undef"
    return repr(f)


def fmt_args(args):
    out = []
    for a in args:
        if isinstance(a, str):
            out.append(a)
        elif isinstance(a, int) or (isinstance(a, float) and a.is_integer() and abs(a) < 2**53):
            out.append(str(int(a)))
        else:
            out.append(repr(float(a)))
    return " ".join(out)


def case(func, option, alternative, alpha, args, outputs):
    """outputs: list of (name, value) pairs; value None or non-finite means undefined."""
    CASE[0] += 1
    for name, value in outputs:
        ROWS.append([CASE[0], func, option, alternative, repr(float(alpha)), fmt_args(args), name,
                     num(value)])


def safe(fn, *a, **k):
    try:
        return fn(*a, **k)
    except (ZeroDivisionError, ValueError, FloatingPointError):
        return None


ALTS = ["two-sided", "larger", "smaller"]
SCIPY_ALT = {"two-sided": "two-sided", "larger": "greater", "smaller": "less"}

# Edge counts: 0, N, tiny N, moderate, and N in the millions.
PAIRS = [
    (0, 1), (1, 1), (0, 2), (1, 2), (2, 2), (0, 3), (1, 3), (3, 3), (0, 10), (10, 10),
    (5, 83), (12, 99), (3, 100), (10, 100), (50, 50), (0, 50), (120, 10000), (100, 10000),
    (1, 1000), (999, 1000), (17, 40), (250, 500), (7, 12345), (1234, 56789), (30, 2000000),
    (20000, 1000000), (1500000, 10000000), (31234, 5000000), (10000000, 10000000), (0, 10000000),
    (9999999, 10000000), (2, 7), (6, 7), (45, 46), (500000000, 1000000000),
    (3, 1000000000000), (123456789, 987654321),
]


def gen_ci():
    sm_name = {"wilson": "wilson", "agresti-coull": "agresti_coull", "clopper-pearson": "beta",
               "jeffreys": "jeffreys", "normal": "normal"}
    for x, n in PAIRS:
        for method, sm in sm_name.items():
            for alpha in (0.05, 0.01, 0.2):
                if alpha != 0.05 and n > 100000 and method != "clopper-pearson":
                    continue
                # Floats: with numpy int64 statsmodels' Wilson squares nobs and overflows at 1e12.
                lo, hi = smp.proportion_confint(np.float64(x), np.float64(n), alpha=alpha,
                                                method=sm)
                case("ci", method, "two-sided", alpha, [x, n], [("low", lo), ("high", hi)])
    # n = 0 and a fractional count: statsmodels divides by zero; hookline says insufficient_data.
    for method in sm_name:
        case("ci", method, "two-sided", 0.05, [0, 0], [("low", None), ("high", None)])


PROP_PAIRS = [
    ((5, 83), (12, 99)), ((120, 10000), (100, 10000)), ((3, 100), (10, 100)),
    ((0, 10), (0, 20)), ((0, 10), (3, 10)), ((10, 10), (20, 20)), ((10, 10), (3, 20)),
    ((0, 10), (10, 10)), ((1, 1), (0, 1)), ((1, 2), (1, 3)), ((2, 3), (0, 3)), ((0, 1), (0, 1)),
    ((7, 20), (7, 20)), ((50, 100), (50, 100)), ((14, 28), (16, 30)), ((49, 100), (51, 100)),
    ((1396, 3000), (2422, 3461)), ((30, 2000000), (45, 2100000)),
    ((20000, 1000000), (20500, 1000000)), ((31234, 5000000), (30100, 5000000)),
    ((1500000, 10000000), (1503000, 10000000)), ((3, 10000000), (15, 10000000)),
    ((5000000, 10000000), (5001000, 10000000)), ((999, 1000), (1000, 1000)),
    ((0, 1000000), (5, 1000000)), ((12, 345), (3, 678)), ((40, 41), (30, 41)),
    ((0, 5), (5, 5)), ((4, 9), (1, 13)), ((123, 1000), (98, 1000)),
]


def z_two(x1, n1, x2, n2, alt):
    r = safe(smp.proportions_ztest, [x1, x2], [n1, n2], alternative=alt)
    return (None, None) if r is None else r


def gen_prop():
    for (x1, n1), (x2, n2) in PROP_PAIRS:
        for alt in ALTS:
            z, p = z_two(x1, n1, x2, n2, alt)
            case("prop", "z", alt, 0.05, [x1, n1, x2, n2], [("statistic", z), ("p_value", p)])
            # Score without the N/(N-1) factor is the pooled z test by construction.
            case("prop", "score-nc", alt, 0.05, [x1, n1, x2, n2],
                 [("statistic", z), ("p_value", p)])
            for m in ("wald", "score"):
                # numpy floats: statsmodels also computes p1/p2 and the odds ratio, which with
                # Python floats raises ZeroDivisionError before the diff test is returned.
                f = np.float64
                r = safe(smp.test_proportions_2indep, f(x1), f(n1), f(x2), f(n2), method=m,
                         alternative=alt)
                st, pv = (None, None) if r is None else (r.statistic, r.pvalue)
                if st is not None and not math.isfinite(st):
                    pv = None  # zero variance: an infinite z, and no p-value worth the name
                case("prop", m, alt, 0.05, [x1, n1, x2, n2], [("statistic", st), ("p_value", pv)])
            table = [[x1, n1 - x1], [x2, n2 - x2]]
            orr, pv = stats.fisher_exact(table, alternative=SCIPY_ALT[alt])
            case("prop", "fisher", alt, 0.05, [x1, n1, x2, n2], [("statistic", orr),
                                                                  ("p_value", pv)])
    # n = 0: scipy's fisher_exact says p = 1 for an empty row; hookline says insufficient_data.
    for alt in ALTS:
        for m in ("z", "wald", "score", "fisher"):
            case("prop", m, alt, 0.05, [0, 0, 3, 10], [("statistic", None), ("p_value", None)])


def gen_fisher_random():
    rng = np.random.default_rng(20240603)
    for i in range(120):
        if i < 60:
            n1, n2 = (int(v) for v in rng.integers(1, 200, 2))
        elif i < 100:
            n1, n2 = (int(v) for v in rng.integers(1, 5000, 2))
        else:
            n1, n2 = (int(v) for v in rng.integers(100000, 10000000, 2))
        p = rng.uniform(0.001, 0.5)
        x1 = int(rng.binomial(n1, p))
        x2 = int(rng.binomial(n2, p * rng.uniform(0.7, 1.4) if p * 1.4 < 1 else p))
        alt = ALTS[i % 3]
        orr, pv = stats.fisher_exact([[x1, n1 - x1], [x2, n2 - x2]], alternative=SCIPY_ALT[alt])
        case("prop", "fisher", alt, 0.05, [x1, n1, x2, n2], [("statistic", orr), ("p_value", pv)])
    # A billion impressions (scipy returns NaN by 1e12, so the table stops here).
    for x1, n1, x2, n2 in ((10000000, 1000000000, 10003000, 1000000000),
                           (500000000, 1000000000, 500010000, 1000000000)):
        for alt in ALTS:
            orr, pv = stats.fisher_exact([[x1, n1 - x1], [x2, n2 - x2]],
                                         alternative=SCIPY_ALT[alt])
            case("prop", "fisher", alt, 0.05, [x1, n1, x2, n2], [("statistic", orr),
                                                                  ("p_value", pv)])
    # Symmetric tables: the mirror term ties with the observed one exactly.
    for x1, x2, n in ((3, 10, 100), (0, 5, 20), (40, 60, 500), (1000, 1100, 100000)):
        orr, pv = stats.fisher_exact([[x1, n - x1], [x2, n - x2]])
        case("prop", "fisher", "two-sided", 0.05, [x1, n, x2, n], [("statistic", orr),
                                                                   ("p_value", pv)])


def gen_newcombe():
    for (x1, n1), (x2, n2) in PROP_PAIRS:
        for alpha in (0.05, 0.1):
            r = safe(smp.confint_proportions_2indep, x1, n1, x2, n2, method="newcomb",
                     compare="diff", alpha=alpha)
            lo, hi = (None, None) if r is None else r
            case("newcombe", "newcombe", "two-sided", alpha, [x1, n1, x2, n2],
                 [("low", lo), ("high", hi)])


def lift_ref(x1, n1, x2, n2, alpha, welch):
    """Delta-method relative lift; GrowthBook's formulas, scipy's t and normal."""
    if n1 == 0 or n2 == 0:
        return None
    p1, p2 = x1 / n1, x2 / n2
    v1, v2 = p1 * (1 - p1), p2 * (1 - p2)
    if p2 == 0:
        return None
    var = v1 / (n1 * p2 ** 2) + v2 * p1 ** 2 / (n2 * p2 ** 4)
    if var <= 0:
        return None
    se = math.sqrt(var)
    lift = (p1 - p2) / abs(p2)
    if welch:
        a, b = v1 / n1, v2 / n2
        df = (a + b) ** 2 / (a * a / (n1 - 1) + b * b / (n2 - 1))
        crit = stats.t.isf(alpha / 2, df)
        p = 2 * stats.t.sf(abs(lift / se), df)
    else:
        crit = stats.norm.isf(alpha / 2)
        p = 2 * stats.norm.sf(abs(lift / se))
    return lift, se, lift - crit * se, lift + crit * se, min(1.0, p)


def gen_lift():
    for (x1, n1), (x2, n2) in PROP_PAIRS:
        for welch in (0, 1):
            if welch and (n1 < 2 or n2 < 2):
                continue
            r = lift_ref(x1, n1, x2, n2, 0.05, welch)
            names = ("lift", "se", "low", "high", "p_value")
            vals = r if r is not None else (None,) * 5
            case("lift", "welch" if welch else "normal", "two-sided", 0.05, [x1, n1, x2, n2],
                 list(zip(names, vals)))


RATE_CASES = [
    (40, 1000.0, 60, 1100.0), (0, 500.0, 12, 700.0), (12, 700.0, 0, 500.0), (1, 10.0, 1, 10.0),
    (5, 123.45, 9, 98.7), (250, 10000.0, 300, 9000.0), (3, 1.0, 3, 1.0), (100, 5000.0, 160, 5200.0),
    (20, 3.5, 5, 2.25), (1, 1000.0, 0, 1000.0), (2500000, 1.0e7, 2510000, 1.0e7),
    (123456, 654321.0, 120000, 640000.0), (7, 50.0, 31, 60.0), (0, 1.0, 1, 1.0),
]


def rate_ci_exact(k1, e1, k2, e2, alpha):
    K = k1 + k2
    lo = 0.0 if k1 == 0 else stats.beta.ppf(alpha / 2, k1, K - k1 + 1)
    hi = 1.0 if k1 == K else stats.beta.isf(alpha / 2, k1 + 1, K - k1)
    conv = lambda pi: None if pi >= 1 else pi / (1 - pi) * e2 / e1
    return conv(lo), conv(hi)


def rate_ci_score(k1, e1, k2, e2, alpha):
    """Invert statsmodels' score statistic numerically (an independent route to the bounds):
    the statistic falls as the hypothesised ratio rises."""
    crit = stats.norm.isf(alpha / 2)

    def stat(r):
        if k2 > 0:
            return smr.test_poisson_2indep(k1, e1, k2, e2, ratio_null=r,
                                           method="score").statistic
        rd = r / (e2 / e1)  # statsmodels' own formula; it divides by the k2 = 0 rate first
        return (k1 - k2 * rd) / math.sqrt((k1 + k2) * rd)

    est = (k1 / e1) / (k2 / e2) if k2 > 0 else None
    if k1 == 0:
        lo = 0.0
    else:
        top = est if est is not None else 1.0
        while stat(top) > crit:
            top *= 2
        bot = top
        while stat(bot) <= crit:
            bot /= 2
        lo = optimize.brentq(lambda r: stat(r) - crit, bot, top, xtol=1e-300, rtol=1e-15,
                             maxiter=500)
    if k2 == 0:
        hi = None
    else:
        bot = est if est else 1e-300
        top = est if est else 1.0
        while stat(top) >= -crit:
            top *= 2
        hi = optimize.brentq(lambda r: stat(r) + crit, bot, top, xtol=1e-300, rtol=1e-15,
                             maxiter=500)
    return lo, hi


def gen_rates():
    for k1, e1, k2, e2 in RATE_CASES:
        for alt in ALTS:
            for m, sm in (("exact", "exact-cond"), ("score", "score")):
                f = np.float64  # as above: the rate ratio k1/k2 must not raise for k2 = 0
                r = safe(smr.test_poisson_2indep, f(k1), f(e1), f(k2), f(e2), method=sm,
                         alternative=alt)
                pv = None if r is None else r.pvalue
                outs = [("p_value", pv)]
                if alt == "two-sided":
                    rr = (k1 / e1) / (k2 / e2) if k2 > 0 else None
                    lo, hi = (rate_ci_exact if m == "exact" else rate_ci_score)(k1, e1, k2, e2,
                                                                               0.05)
                    outs += [("rate_ratio", rr), ("ci_low", lo), ("ci_high", hi)]
                case("rate", m, alt, 0.05, [k1, e1, k2, e2], outs)
    for m in ("exact", "score"):
        case("rate", m, "two-sided", 0.05, [0, 10.0, 0, 20.0], [("p_value", None)])


def gen_cpa():
    for k, e in ((0, 500.0), (1, 10.0), (5, 123.0), (40, 1000.0), (1000, 25000.0),
                 (123456, 1.5e6), (3, 0.5), (2500000, 1.0e7)):
        for alpha in (0.05, 0.1):
            lam_lo = 0.0 if k == 0 else stats.chi2.ppf(alpha / 2, 2 * k) / 2
            lam_hi = stats.chi2.isf(alpha / 2, 2 * k + 2) / 2
            case("cpa", "poisson-exact", "two-sided", alpha, [k, e],
                 [("cpa", e / k if k else None), ("low", e / lam_hi),
                  ("high", e / lam_lo if lam_lo > 0 else None), ("count_low", lam_lo),
                  ("count_high", lam_hi)])


def gen_adjust():
    rng = np.random.default_rng(7)
    lists = [
        [.01, .04, .03, .005, .55, .6], [.898, .138, .007, .964, .538, .006, .138], [0.5],
        [0.0, 1.0, 0.2], [0.01, 0.01, 0.01, 0.01], [1e-10, 0.04, 0.049, 0.051],
    ]
    for i in range(14):
        m = int(rng.integers(2, 16))
        ps = rng.uniform(0, 1, m) ** rng.uniform(1, 4)
        lists.append([float(round(v, 6)) for v in ps])
    for ps in lists:
        for meth in ("holm", "fdr_bh", "bonferroni"):
            adj = multitest.multipletests(ps, alpha=0.05, method=meth)[1]
            # One row for the whole vector: expected is the ';'-joined list, in input order.
            CASE[0] += 1
            ROWS.append([CASE[0], "adjust", meth, "two-sided", repr(0.05),
                         ";".join(repr(float(v)) for v in ps), "adjusted",
                         ";".join(repr(float(v)) for v in adj)])


def gen_power():
    for p2 in (0.01, 0.02, 0.05, 0.2, 0.5, 0.9):
        for rel in (0.05, 0.1, 0.3, -0.2):
            diff = p2 * rel
            for alpha in (0.05, 0.01):
                for alt in ("two-sided", "larger"):
                    a = alt if alt == "two-sided" else "larger"
                    n = smp.samplesize_proportions_2indep_onetail(abs(diff) if alt == "larger"
                                                                  else diff, p2, 0.8,
                                                                  alpha=alpha, alternative=a)
                    if alt == "larger" and diff < 0:
                        continue
                    case("power_n", "n", alt, alpha, [p2, diff, 0.8], [("n", n)])
                    for nn in (1000, 54321, 2000000):
                        pw = smp.power_proportions_2indep(diff, p2, nn, alpha=alpha,
                                                          alternative=a, return_results=False)
                        case("power_at", "power", alt, alpha, [p2, diff, nn], [("power", pw)])
    for p2 in (0.01, 0.03, 0.2):
        for nn in (5000, 163094.6174981418, 2000000):
            f = lambda d: smp.power_proportions_2indep(d, p2, nn, alpha=0.05,
                                                       return_results=False) - 0.8
            d = optimize.brentq(f, 1e-12, 1 - p2 - 1e-12, xtol=1e-18, rtol=1e-15, maxiter=500)
            case("mde", "diff", "two-sided", 0.05, [p2, nn, 0.8], [("diff", d)])


def gen_srm():
    cases = [([5000, 5200], [.5, .5]), ([5000, 5200], None), ([100, 100, 130], None),
             ([1000, 2100], [1, 2]), ([12, 8], [.5, .5]), ([500000, 501500], None),
             ([0, 10], None), ([333, 333, 334, 400], [1, 1, 1, 1.2]), ([7, 0, 3], [.2, .3, .5])]
    for obs, w in cases:
        tot = sum(obs)
        ww = w if w is not None else [1] * len(obs)
        exp = [tot * v / sum(ww) for v in ww]
        st, p = stats.chisquare(obs, exp)
        args = ";".join(str(v) for v in obs) + ("|" + ";".join(repr(float(v)) for v in w)
                                                if w is not None else "")
        case("srm", "chi-square", "two-sided", 0.05, [args], [("statistic", st), ("p_value", p)])


def beta_greater_exact(x1, n1, x2, n2):
    """Evan Miller's sum in exact rational arithmetic: P(p1 > p2), Beta(1+x, 1+n-x)."""
    aB, bB, aA, bA = 1 + x1, 1 + n1 - x1, 1 + x2, 1 + n2 - x2

    def B(a, b):
        return Fraction(math.factorial(a - 1) * math.factorial(b - 1), math.factorial(a + b - 1))

    total = Fraction(0)
    for i in range(aB):
        total += B(aA + i, bA + bB) / ((bB + i) * B(1 + i, bB) * B(aA, bA))
    return float(total)


def beta_greater_quad(x1, n1, x2, n2):
    """P(p1 > p2) = int f1(t) F2(t) dt, or 1 - int f2(t) F1(t) dt when that side is small."""
    a1, b1, a2, b2 = 1 + x1, 1 + n1 - x1, 1 + x2, 1 + n2 - x2
    m1, m2 = a1 / (a1 + b1), a2 / (a2 + b2)
    s1 = math.sqrt(a1 * b1 / ((a1 + b1) ** 2 * (a1 + b1 + 1)))
    s2 = math.sqrt(a2 * b2 / ((a2 + b2) ** 2 * (a2 + b2 + 1)))
    lo = max(0.0, min(m1 - 40 * s1, m2 - 40 * s2))
    hi = min(1.0, max(m1 + 40 * s1, m2 + 40 * s2))
    pts = sorted({min(max(v, lo), hi) for v in (m1, m2, m1 - 5 * s1, m1 + 5 * s1, m2 - 5 * s2,
                                                  m2 + 5 * s2, 0.5 * (m1 + m2))})

    def integral(fa, fb, ga, gb):
        g = lambda t: stats.beta.pdf(t, fa, fb) * stats.beta.cdf(t, ga, gb)
        v, _ = integrate.quad(g, lo, hi, points=pts, limit=500, epsabs=0, epsrel=1e-13)
        return v

    p = integral(a1, b1, a2, b2)
    if p > 0.5:
        p = 1 - integral(a2, b2, a1, b1)
    return p


def gen_beta():
    small = [(0, 0, 0, 0), (1, 1, 0, 1), (0, 1, 1, 1), (3, 100, 10, 100), (10, 100, 3, 100),
             (51, 100, 49, 100), (49, 100, 51, 100), (14, 28, 16, 30), (0, 50, 0, 50),
             (50, 50, 0, 50), (5, 83, 12, 99), (1, 3, 2, 3), (0, 200, 1, 200), (60, 150, 45, 150),
             (2, 7, 6, 7), (45, 46, 44, 46), (120, 300, 100, 310), (0, 10, 10, 10)]
    for x1, n1, x2, n2 in small:
        case("beta_greater", "exact", "two-sided", 0.05, [x1, n1, x2, n2],
             [("p", beta_greater_exact(x1, n1, x2, n2))])
    big = [(120, 10000, 100, 10000), (1396, 3000, 2422, 3461), (20500, 1000000, 20000, 1000000),
           (31234, 5000000, 30100, 5000000), (1503000, 10000000, 1500000, 10000000),
           (30, 2000000, 45, 2100000), (5000, 100000, 5100, 100000), (999, 1000, 990, 1000),
           (500000000, 1000000000, 500010000, 1000000000),
           (10000000, 1000000000, 10003000, 1000000000),
           (3000000000, 100000000000, 3000100000, 100000000000),
           (123, 1000000000000, 150, 1000000000000)]
    for x1, n1, x2, n2 in big:
        case("beta_greater", "exact", "two-sided", 0.05, [x1, n1, x2, n2],
             [("p", beta_greater_quad(x1, n1, x2, n2))])


def gen_bayes():
    for (x1, n1), (x2, n2) in PROP_PAIRS:
        for prior in (None, (0.0, 0.3), (0.1, 1.0)):
            r = lift_ref(x1, n1, x2, n2, 0.05, 0)
            opt = "flat" if prior is None else "prior:%r:%r" % prior
            names = ("mean", "sd", "low", "high", "chance_to_win", "risk_treatment",
                     "risk_control")
            if r is None:
                case("bayes_normal", opt, "two-sided", 0.05, [x1, n1, x2, n2],
                     [(k, None) for k in names])
                continue
            mu, var = r[0], r[1] ** 2
            if prior is not None:
                w0, w1 = 1 / prior[1] ** 2, 1 / var
                var = 1 / (w0 + w1)
                mu = var * (w0 * prior[0] + w1 * r[0])
            sd = math.sqrt(var)
            x = mu / sd
            z = stats.norm.isf(0.025)
            case("bayes_normal", opt, "two-sided", 0.05, [x1, n1, x2, n2],
                 list(zip(names, (mu, sd, mu - z * sd, mu + z * sd, stats.norm.cdf(x),
                                  sd * stats.norm.pdf(x) - mu * stats.norm.cdf(-x),
                                  mu * stats.norm.cdf(x) + sd * stats.norm.pdf(x)))))


def gen_seq():
    for (x1, n1), (x2, n2) in PROP_PAIRS:
        for tuning in (5000, 10000, 1e6):
            for alpha in (0.05, 0.1):
                r = lift_ref(x1, n1, x2, n2, 0.05, 0)
                names = ("lift", "se", "ci_low", "ci_high", "p_value")
                if r is None:
                    case("seq", repr(float(tuning)), "two-sided", alpha, [x1, n1, x2, n2],
                         [(k, None) for k in names])
                    continue
                lift, se = r[0], r[1]
                N = n1 + n2
                rho2 = (-2 * math.log(alpha) + math.log(1 - 2 * math.log(alpha))) / tuning
                h = se * math.sqrt(N) * math.sqrt(2 * (N * rho2 + 1) / (N * N * rho2) *
                                                  math.log(math.sqrt(N * rho2 + 1) / alpha))
                S = lift * lift * N / (se * se)
                loge = rho2 * S / (2 * (N * rho2 + 1)) - math.log(math.sqrt(N * rho2 + 1))
                p = min(1.0, math.exp(-loge))
                case("seq", repr(float(tuning)), "two-sided", alpha, [x1, n1, x2, n2],
                     list(zip(names, (lift, se, lift - h, lift + h, p))))


def gen_dispersion():
    rng = np.random.default_rng(11)
    for i in range(25):
        ngroups = int(rng.integers(1, 4))
        days = int(rng.integers(2, 22))
        sigma = [0.0, 0.05, 0.2, 0.5][i % 4]
        cells = []
        for g in range(ngroups):
            base = rng.uniform(0.005, 0.3)
            for _ in range(days):
                n = int(rng.integers(0, 50000)) if i % 5 else int(rng.integers(0, 30))
                p = min(0.999, base * math.exp(sigma * rng.standard_normal()))
                cells.append((int(rng.binomial(n, p)) if n else 0, n, g))
        x = np.array([c[0] for c in cells], float)
        n = np.array([c[1] for c in cells], float)
        g = np.array([c[2] for c in cells])
        chi2, used_cells, used_groups = 0.0, 0, set()
        for gi in range(ngroups):
            sel = g == gi
            sx, sn = x[sel].sum(), n[sel].sum()
            if sn == 0:
                continue
            p = sx / sn
            if p <= 0 or p >= 1:
                continue
            for xx, nn in zip(x[sel], n[sel]):
                if nn == 0:
                    continue
                chi2 += (xx - nn * p) ** 2 / (nn * p * (1 - p))
                used_cells += 1
                used_groups.add(gi)
        df = used_cells - len(used_groups)
        if df < 3:
            phi_raw, phi = 0.0, 1.0
        else:
            phi_raw = chi2 / df
            phi = max(1.0, phi_raw)
        args = ";".join("%d:%d:%d" % c for c in cells)
        case("dispersion", "quasi-binomial", "two-sided", 0.05, [args],
             [("phi", phi), ("phi_raw", phi_raw), ("df", max(df, 0)), ("chi2", chi2)])


def ratio_ref(num_, den_):
    num_, den_ = np.asarray(num_, float), np.asarray(den_, float)
    n = len(num_)
    mm, md = num_.mean(), den_.mean()
    vm, vd = num_.var(ddof=1), den_.var(ddof=1)
    cv = np.cov(num_, den_, ddof=1)[0, 1]
    var = vm / md ** 2 + vd * mm ** 2 / md ** 4 - 2 * cv * mm / md ** 3
    return num_.sum() / den_.sum(), math.sqrt(max(var, 0.0) / n)


def gen_ratio():
    rng = np.random.default_rng(5)
    for i in range(12):
        days = int(rng.integers(2, 16))
        arms = []
        for _ in range(2):
            spend = rng.uniform(50, 5000, days).round(2)
            roas = rng.uniform(0.5, 4.0) * np.exp(0.3 * rng.standard_normal(days))
            value = (spend * roas).round(2)
            arms.append((value, spend))
        for (value, spend) in arms[:1]:
            r, se = ratio_ref(value, spend)
            args = ";".join("%r:%r" % (float(a), float(b)) for a, b in zip(value, spend))
            case("ratio", "delta", "two-sided", 0.05, [args], [("ratio", r), ("se", se)])
        (v1, s1), (v2, s2) = arms
        r1, se1 = ratio_ref(v1, s1)
        r2, se2 = ratio_ref(v2, s2)
        a1 = ";".join("%r:%r" % (float(a), float(b)) for a, b in zip(v1, s1))
        a2 = ";".join("%r:%r" % (float(a), float(b)) for a, b in zip(v2, s2))
        for rel in (1, 0):
            if rel:
                est = r1 / r2 - 1
                se = math.sqrt(se1 ** 2 / r2 ** 2 + se2 ** 2 * r1 ** 2 / r2 ** 4)
            else:
                est = r1 - r2
                se = math.sqrt(se1 ** 2 + se2 ** 2)
            z = stats.norm.isf(0.025)
            case("ratio_diff", "relative" if rel else "absolute", "two-sided", 0.05,
                 [a1 + "|" + a2], [("estimate", est), ("se", se), ("low", est - z * se),
                                   ("high", est + z * se),
                                   ("p_value", 2 * stats.norm.sf(abs(est / se)))])


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "data",
                                                             "stats_cases.csv")
    for gen in (gen_ci, gen_prop, gen_fisher_random, gen_newcombe, gen_lift, gen_rates, gen_cpa,
                gen_adjust, gen_power, gen_srm, gen_beta, gen_bayes, gen_seq, gen_dispersion,
                gen_ratio):
        gen()
    with open(out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "func", "option", "alternative", "alpha", "args", "output",
                    "expected"])
        w.writerows(ROWS)
    print("%s: %d cases, %d rows" % (out, CASE[0], len(ROWS)))


if __name__ == "__main__":
    main()
