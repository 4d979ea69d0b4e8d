#!/usr/bin/env python3
"""test_analyze_sim.py — validates `hookline analyze` on a simulated account with planted truths
(issue 4, "Validation"). Debian's /usr/bin/python3 with numpy. ctest passes HOOKLINE (the
binary), HL_SOURCE_DIR and HL_TEST_DATA; without them the defaults are <repo>/build/hookline,
<repo> and <repo>/tests/data.

Run:  HOOKLINE=build/hookline /usr/bin/python3 tests/integration/test_analyze_sim.py [Class[.test]...]
Knobs (environment): HL_SIM_SEED (default 20260601); HL_SIM_TINY=1 (the tiny world: contract
checks only, rates printed but not asserted); HL_SIM_KEEP=DIR (keep world.csv, truth.json and
every findings.json there); HL_SIM_JOBS (parallel analyze runs, default min(4, CPUs)).
The last line of output is "N passed, M failed[, K skipped]"; the exit status is non-zero on any
failure. If `hookline analyze` does not run, every analyze check fails (the others still run).

The world (tests/tools/sim_world.py documents the model and every effect size): 410 ad groups of
3-5 ads over 30 days with day-level overdispersion (lognormal shocks, sd 0.15 on the log scale,
on every rate of every ad-day) and binomial counts on top: 200 null (A/A) groups, 20 groups per
planted scenario (winner_cvr, weak_hook, weak_hold, weak_cta, lp_mismatch, fatigue, dead_ad,
kitbash) and 50 low-volume A/A groups (~200 impressions a day).

What is asserted, with analyze's default settings (`--as-of` day 30 unless said):
  - every planted diagnosis is found on its ad in >= 90 % of its groups, per scenario
    (kitbash_candidate also needs the CTA donor in related_ad_ids);
  - <= 2 % of null groups get any diagnosis other than insufficient_data (the same bound for the
    low-volume groups, which must get nothing but insufficient_data);
  - over the nightly looks at day 3, 4, ..., 30 (one analyze run each, on the export as it was
    that night: the world cut at that day, default --as-of; day 30 reads the full file with
    --as-of) <= 5 % of null groups (and of low-volume groups) ever get one;
  - findings.json has the contract shape (schema, as_of, mode, alpha, observational,
    comparisons, trends, diagnoses with their keys; decisions in better|worse|no_difference|
    undecided; ids that exist in the data; no NaN/Infinity);
  - analyze on the file truncated at day k equals analyze on the full file with --as-of day k,
    and two runs on the same input give the same findings.
Printed for comparison (not asserted): the same null figures for a plain binomial z-test without
correction (each ad vs the pooled rest of its group on hook rate, hold rate, CTR and CVR at
alpha 0.05, as a notebook would), single look and across the looks; and, per planted scenario,
the z a simple honest (quasi-binomial, leave-one-out) test sees on the planted metric.
"""
import collections
import concurrent.futures
import csv
import json
import math
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import numpy as np

SRC = os.environ.get("HL_SOURCE_DIR") or os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DATA = os.environ.get("HL_TEST_DATA") or os.path.join(SRC, "tests", "data")
HOOKLINE = os.environ.get("HOOKLINE") or os.path.join(SRC, "build", "hookline")
sys.path.insert(0, os.path.join(SRC, "tests", "tools"))
import sim_world  # noqa: E402

SEED = int(os.environ.get("HL_SIM_SEED", "20260601"))
TINY = os.environ.get("HL_SIM_TINY", "") not in ("", "0")
KEEP = os.environ.get("HL_SIM_KEEP") or None
JOBS = int(os.environ.get("HL_SIM_JOBS") or min(4, os.cpu_count() or 1))
DAYS = sim_world.WORLD_DAYS
LOOKS = list(range(3, DAYS + 1))           # as-of day 3, 4, ..., 30
TRUNC_DAY = 12                             # truncation-vs-as-of consistency check

PLANTED_MIN = 0.90    # planted diagnosis found on its ad, per scenario
NULL_MAX_ONE = 0.02   # null groups with any diagnosis other than insufficient_data, one look
NULL_MAX_EVER = 0.05  # ... ever, over the nightly looks
NAIVE_ALPHA = 0.05

CODES = {"winner", "loser", "weak_hook", "weak_hold", "weak_cta", "landing_page_mismatch",
         "fatigue", "no_delivery", "audience_too_narrow", "tracking_discrepancy",
         "insufficient_data", "kitbash_candidate"}
FROM_COMPARISONS = {"winner", "loser", "weak_hook", "weak_hold", "weak_cta",
                    "landing_page_mismatch", "fatigue", "kitbash_candidate"}
DECISIONS = {"better", "worse", "no_difference", "undecided"}
COMPARISON_KEYS = ["subject", "metric", "value", "reference", "lift", "ci_low", "ci_high",
                   "p_value", "p_adjusted", "method", "decision", "counts", "needed"]
DIAGNOSIS_KEYS = ["code", "ad_id", "adgroup_id", "campaign_id", "related_ad_ids", "evidence",
                  "summary"]
NULL_LIKE = ("null", "low_volume")


def log(*a):
    print(*a, flush=True)


# ------------------------------------------------------------------------------- shared state

class W:
    """Module-level state: the world, the parsed export, the analyze runs."""
    tmp = None
    csv = None
    truth = None
    ads = {}            # ad_id -> (adgroup_id, campaign_id)
    groups = []
    cube = None         # parsed export: dict counter -> array [n_ads, DAYS]; ad order = ad_ids
    ad_ids = []
    ad_group = None     # array [n_ads] of group index
    have_analyze = False
    analyze_help = ""
    runs = {}           # as-of day -> Run
    elapsed = 0.0


class Run:
    def __init__(self, args, rc, out, err, secs, findings=None, raw=None, error=None):
        self.args, self.rc, self.out, self.err, self.secs = args, rc, out, err, secs
        self.findings, self.raw, self.error = findings, raw, error

    def __repr__(self):
        return (f"hookline {' '.join(self.args)}\n  exit {self.rc} in {self.secs:.2f} s"
                f"\n  stderr: {self.err[-1500:]!r}\n  error: {self.error}")


def strict_json(text):
    def bad(c):
        raise ValueError(f"non-finite JSON number {c}")
    return json.loads(text, parse_constant=bad)


def run_analyze(csv_path, out_dir, as_of_day=None, extra=()):
    args = ["analyze", "--input", csv_path, "--out", out_dir]
    if as_of_day is not None:
        args += ["--as-of", sim_world.date_of(as_of_day)]
    args += list(extra)
    t0 = time.monotonic()
    try:
        p = subprocess.run([HOOKLINE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, timeout=300)
    except subprocess.TimeoutExpired:
        return Run(args, -1, "", "", time.monotonic() - t0, error="timed out after 300 s")
    except OSError as e:
        return Run(args, -1, "", "", time.monotonic() - t0, error=f"cannot run {HOOKLINE}: {e}")
    secs = time.monotonic() - t0
    r = Run(args, p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"), secs)
    if p.returncode not in (0, 1):
        r.error = f"exit status {p.returncode}"
        return r
    path = os.path.join(out_dir, "findings.json")
    try:
        with open(path, encoding="utf-8") as fh:
            r.raw = fh.read()
        r.findings = strict_json(r.raw)
    except (OSError, ValueError) as e:
        r.error = f"{path}: {e}"
    return r


def parse_export(path):
    """The test's own reading of the simulated export: counters as arrays [ad, day]."""
    want = {h: k for h, k in sim_world.COLUMN_OF}
    with open(path, encoding="utf-8", newline="") as fh:
        rd = csv.reader(fh)
        header = next(rd)
        ix = {h: i for i, h in enumerate(header)}
        rows = list(rd)
    index = {a: i for i, a in enumerate(W.ad_ids)}
    cube = {k: np.zeros((len(W.ad_ids), DAYS)) for k in want.values()}
    first = sim_world.FIRST_DAY
    import datetime as dt
    for r in rows:
        d = (dt.date.fromisoformat(r[ix["By Day"]]) - first).days
        a = index[r[ix["Ad ID"]]]
        for h, k in want.items():
            cube[k][a, d] = float(r[ix[h]])
    return cube, len(rows)


def setUpModule():
    W.tmp = KEEP or tempfile.mkdtemp(prefix="hl-sim-")
    os.makedirs(W.tmp, exist_ok=True)
    t0 = time.monotonic()
    world = sim_world.build(SEED, tiny=TINY)
    W.csv = os.path.join(W.tmp, "world.csv")
    sim_world.write_csv(world, W.csv)
    sim_world.write_truth(world, os.path.join(W.tmp, "truth.json"))
    W.world = world
    W.truth = sim_world.truth(world)
    W.groups = W.truth["groups"]
    W.ad_ids = [ad["ad_id"] for ad in world["ads"]]
    W.ads = {ad["ad_id"]: (ad["adgroup_id"], ad["campaign_id"]) for ad in world["ads"]}
    gix = {g["adgroup_id"]: i for i, g in enumerate(W.groups)}
    W.ad_group = np.array([gix[ad["adgroup_id"]] for ad in world["ads"]])
    W.cube, W.nrows = parse_export(W.csv)
    log(f"hookline: {HOOKLINE}\nworld:    seed {SEED}{' (tiny)' if TINY else ''}: "
        f"{len(W.ad_ids)} ads in {len(W.groups)} ad groups, {W.nrows} rows, {DAYS} days -> "
        f"{W.csv} ({time.monotonic() - t0:.1f} s)")
    counts = collections.Counter(g["scenario"] for g in W.groups)
    log("groups:   " + ", ".join(f"{s} {n}" for s, n in counts.items()))

    try:
        p = subprocess.run([HOOKLINE, "analyze", "--help"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, timeout=60)
        W.have_analyze = p.returncode == 0
        W.analyze_help = (p.stdout + p.stderr).decode("utf-8", "replace")
    except (OSError, subprocess.TimeoutExpired) as e:
        W.analyze_help = str(e)
    if not W.have_analyze:
        log(f"\n*** `hookline analyze` is not available ({W.analyze_help.strip()[:200]!r}): "
            f"every analyze check FAILS; the simulator and naive-baseline checks still run. ***\n")
        return

    t0 = time.monotonic()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)

    with open(W.csv, encoding="utf-8") as fh:
        lines = fh.read().splitlines(keepends=True)
    per_day = len(W.ad_ids)

    def one(day):
        """Nightly look at day `day`: the export as it was that night (days 1..day), default
        --as-of (the last date in the data). Day 30 reads the full file with --as-of."""
        out = os.path.join(W.tmp, f"out-day{day:02d}")
        os.makedirs(out, exist_ok=True)
        if day == DAYS:
            return day, run_analyze(W.csv, out, day)
        cut = os.path.join(W.tmp, f"world-day{day:02d}.csv")
        with open(cut, "w", encoding="utf-8", newline="") as fh:
            fh.writelines(lines[:1 + day * per_day])
        r = run_analyze(cut, out)
        if not KEEP:
            os.remove(cut)
        return day, r
    with concurrent.futures.ThreadPoolExecutor(max_workers=JOBS) as ex:
        for day, r in ex.map(one, LOOKS):
            W.runs[day] = r
    W.elapsed = time.monotonic() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    secs = [r.secs for r in W.runs.values()]
    log(f"analyze:  {len(LOOKS)} looks (day {LOOKS[0]}..{LOOKS[-1]}, each on the export cut at "
        f"that day) in {W.elapsed:.1f} s wall with {JOBS} jobs; per run {min(secs):.2f}.."
        f"{max(secs):.2f} s (median {np.median(secs):.2f}), sum {sum(secs):.1f} s; "
        f"CPU time of the runs {cpu:.1f} s (load average now "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    bad = [r for r in W.runs.values() if r.error]
    for r in bad[:3]:
        log(f"analyze failed: {r!r}")


def tearDownModule():
    if W.tmp and not KEEP:
        shutil.rmtree(W.tmp, ignore_errors=True)


def need_analyze(tc):
    if not W.have_analyze:
        tc.fail(f"`hookline analyze --help` failed: {W.analyze_help.strip()[:300]!r}")


def final_run(tc):
    need_analyze(tc)
    r = W.runs[DAYS]
    tc.assertIsNone(r.error, repr(r))
    return r


# ----------------------------------------------------------------------------- helpers on runs

def flagged_groups(findings, scenarios=NULL_LIKE):
    """adgroup_id -> [diagnoses other than insufficient_data] for groups of those scenarios."""
    ids = {g["adgroup_id"]: g for g in W.groups if g["scenario"] in scenarios}
    out = collections.defaultdict(list)
    for d in findings.get("diagnoses", []):
        if d.get("code") == "insufficient_data":
            continue
        gid = d.get("adgroup_id")
        if gid is None and d.get("ad_id") in W.ads:
            gid = W.ads[d["ad_id"]][0]
        if gid in ids:
            out[gid].append(d)
    return out


def comparisons_of(findings, ad_id):
    return [c for c in findings.get("comparisons", [])
            if isinstance(c.get("subject"), dict) and c["subject"].get("ad_id") == ad_id]


def fmt_cmp(c):
    def f(x):
        return "null" if x is None else (f"{x:.4g}" if isinstance(x, (int, float)) else str(x))
    return (f"{c.get('metric')}: value {f(c.get('value'))} ref {f(c.get('reference'))} "
            f"lift {f(c.get('lift'))} [{f(c.get('ci_low'))}, {f(c.get('ci_high'))}] "
            f"p {f(c.get('p_value'))} p_adj {f(c.get('p_adjusted'))} {c.get('decision')} "
            f"({c.get('method')})")


def fmt_trend(t):
    def f(x):
        return "null" if x is None else (f"{x:.4g}" if isinstance(x, (int, float)) else str(x))
    keys = [k for k in ("change", "lift", "slope_per_day") if k in t]
    return (f"{t.get('metric')}: " + " ".join(f"{k} {f(t.get(k))}" for k in keys)
            + f" [{f(t.get('ci_low'))}, {f(t.get('ci_high'))}] p {f(t.get('p_value'))} "
            f"p_adj {f(t.get('p_adjusted'))} {t.get('direction', t.get('decision'))} "
            f"({t.get('method')})")


def fmt_diag(d):
    return (f"{d.get('code')} ad {d.get('ad_id')} group {d.get('adgroup_id')} "
            f"related {d.get('related_ad_ids')}: {d.get('summary')}")


def found(findings, planted):
    for d in findings.get("diagnoses", []):
        if d.get("code") != planted["code"] or d.get("ad_id") != planted["ad_id"]:
            continue
        rel = d.get("related_ad_ids") or []
        if all(x in rel for x in planted["related_ad_ids"]):
            return True
    return False


# ------------------------------------------------------------------- independent statistics

def totals_at(day):
    """Counters summed over days 1..day: dict counter -> array [n_ads]."""
    return {k: v[:, :day].sum(axis=1) for k, v in W.cube.items()}


NAIVE_METRICS = [("hook_rate", "views_2s", "impressions"), ("hold_rate", "views_6s", "views_2s"),
                 ("ctr", "clicks", "impressions"), ("cvr", "conversions", "clicks")]


def naive_flags(day):
    """Plain binomial pooled z-test, no correction: each ad vs the pooled rest of its group on
    hook rate, hold rate, CTR and CVR at alpha 0.05. Returns a bool array [n_groups]: the group
    has at least one 'significant' ad-metric."""
    from math import erfc
    tot = totals_at(day)
    ng = len(W.groups)
    flag = np.zeros(ng, dtype=bool)
    for _, num, den in NAIVE_METRICS:
        x, n = tot[num], tot[den]
        gx = np.bincount(W.ad_group, weights=x, minlength=ng)
        gn = np.bincount(W.ad_group, weights=n, minlength=ng)
        rx, rn = gx[W.ad_group] - x, gn[W.ad_group] - n
        ok = (n > 0) & (rn > 0)
        pbar = np.where(ok, (x + rx) / np.where(ok, n + rn, 1), 0)
        se = np.sqrt(pbar * (1 - pbar) * (1 / np.where(ok, n, 1) + 1 / np.where(ok, rn, 1)))
        ok &= se > 0
        z = np.where(ok, (x / np.where(ok, n, 1) - rx / np.where(ok, rn, 1)) / np.where(ok, se, 1),
                     0)
        p = np.array([erfc(abs(v) / math.sqrt(2)) for v in z])
        sig = ok & (p < NAIVE_ALPHA)
        flag |= np.bincount(W.ad_group, weights=sig, minlength=ng) > 0
    return flag


def quasi_z(day, g, ad_id, num, den):
    """Leave-one-out z of one ad vs the pooled rest of its group, binomial variance times the
    group's Pearson dispersion over ad-day cells (floored at 1): a simple honest reference."""
    rows = [W.ad_ids.index(a) for a in g["ad_ids"]]
    X, N = W.cube[num][rows, :day], W.cube[den][rows, :day]
    phat = X.sum(1) / np.maximum(N.sum(1), 1)
    m = N > 0
    e = N * phat[:, None]
    v = e * (1 - phat[:, None])
    chi = np.sum(np.where(m & (v > 0), (X - e) ** 2 / np.where(v > 0, v, 1), 0))
    df = max(1, int(m.sum()) - len(rows))
    phi = max(1.0, chi / df)
    i = g["ad_ids"].index(ad_id)
    x, n = X[i].sum(), N[i].sum()
    rx, rn = X.sum() - x, N.sum() - n
    pb = (x + rx) / (n + rn)
    se = math.sqrt(phi * pb * (1 - pb) * (1 / n + 1 / rn))
    return (x / n - rx / rn) / se, phi


def slope_t(g, ad_id, kind, last=14):
    """t of the slope of log(ad / rest of group) over the last `last` days: CTR or CPM."""
    rows = [W.ad_ids.index(a) for a in g["ad_ids"]]
    i = g["ad_ids"].index(ad_id)
    c = W.cube
    num = c["clicks"] if kind == "ctr" else c["spend"]
    den = c["impressions"]
    a_num, a_den = num[rows[i], DAYS - last:], den[rows[i], DAYS - last:]
    r_num = num[rows, DAYS - last:].sum(0) - a_num
    r_den = den[rows, DAYS - last:].sum(0) - a_den
    y = np.log(np.maximum(a_num, 0.5) / a_den) - np.log(np.maximum(r_num, 0.5) / r_den)
    t = np.arange(last, dtype=float)
    tc = t - t.mean()
    b = np.sum(tc * (y - y.mean())) / np.sum(tc ** 2)
    resid = y - y.mean() - b * tc
    s2 = np.sum(resid ** 2) / (last - 2)
    return b / math.sqrt(s2 / np.sum(tc ** 2))


def _num(v):
    return v is None or (type(v) in (int, float) and math.isfinite(v))


def contract_problems(f, day, stride=1):
    """The list of ways findings.json departs from issue 4's contract (empty when it fits)."""
    P = []
    if f.get("schema") != "hookline.findings/1":
        P.append(f"schema {f.get('schema')!r}")
    if f.get("as_of") != sim_world.date_of(day):
        P.append(f"as_of {f.get('as_of')!r}, want {sim_world.date_of(day)}")
    if f.get("mode") not in ("sequential", "fixed", "bayes"):
        P.append(f"mode {f.get('mode')!r}")
    if not _num(f.get("alpha")) or f.get("alpha") is None:
        P.append(f"alpha {f.get('alpha')!r}")
    if f.get("observational") is not True:
        P.append(f"observational {f.get('observational')!r}")
    for k in ("comparisons", "trends", "diagnoses"):
        if not isinstance(f.get(k), list):
            P.append(f"'{k}' is not a list")
    if P:
        return P
    ads = W.ads
    for i in range(0, len(f["comparisons"]), stride):
        c = f["comparisons"][i]
        w = f"comparisons[{i}]"
        if not isinstance(c, dict):
            P.append(f"{w} is not an object")
            continue
        missing = [k for k in COMPARISON_KEYS if k not in c]
        if missing:
            P.append(f"{w} lacks {missing}: {json.dumps(c)[:300]}")
            continue
        s = c["subject"]
        if not isinstance(s, dict) or not isinstance(s.get("level"), str):
            P.append(f"{w}.subject {s!r}")
        elif s["level"] == "ad":
            if s.get("ad_id") not in ads:
                P.append(f"{w}: unknown ad {s.get('ad_id')!r}")
            elif (s.get("adgroup_id"), s.get("campaign_id")) != ads[s["ad_id"]]:
                P.append(f"{w}: ad {s['ad_id']} with wrong group/campaign ids")
        if not isinstance(c["metric"], str) or not isinstance(c["method"], str):
            P.append(f"{w}: metric/method not strings")
        if c["decision"] not in DECISIONS:
            P.append(f"{w}: decision {c['decision']!r}")
        for k in ("value", "reference", "lift", "ci_low", "ci_high", "p_value", "p_adjusted"):
            if not _num(c[k]):
                P.append(f"{w}.{k} = {c[k]!r}")
        for k in ("p_value", "p_adjusted"):
            if type(c[k]) in (int, float) and not 0 <= c[k] <= 1:
                P.append(f"{w}.{k} = {c[k]} outside [0, 1]")
        if (type(c["ci_low"]) in (int, float) and type(c["ci_high"]) in (int, float)
                and c["ci_low"] > c["ci_high"]):
            P.append(f"{w}: ci_low {c['ci_low']} > ci_high {c['ci_high']}")
        if not isinstance(c["counts"], dict):
            P.append(f"{w}.counts {c['counts']!r}")
        if not (c["needed"] is None or isinstance(c["needed"], dict)):
            P.append(f"{w}.needed {c['needed']!r}")
    for i, t in enumerate(f["trends"]):
        if not isinstance(t, dict):
            P.append(f"trends[{i}] is not an object")
    for i, d in enumerate(f["diagnoses"]):
        w = f"diagnoses[{i}]"
        if not isinstance(d, dict):
            P.append(f"{w} is not an object")
            continue
        missing = [k for k in DIAGNOSIS_KEYS if k not in d]
        if missing:
            P.append(f"{w} lacks {missing}: {json.dumps(d)[:300]}")
            continue
        code = d["code"]
        if code not in CODES:
            P.append(f"{w}: code {code!r}")
        for k in ("ad_id", "adgroup_id", "campaign_id"):
            if not (d[k] is None or isinstance(d[k], str)):
                P.append(f"{w}.{k} = {d[k]!r}")
        if d["ad_id"] is not None:
            if d["ad_id"] not in ads:
                P.append(f"{w}: unknown ad {d['ad_id']!r}")
            elif (d["adgroup_id"], d["campaign_id"]) != ads[d["ad_id"]]:
                P.append(f"{w}: ad {d['ad_id']} with wrong group/campaign ids")
        # ad-level diagnoses carry ad_id; ad-group ones (audience winner/loser) the group's ids
        if code in FROM_COMPARISONS and d.get("level", "ad") == "ad" and d["ad_id"] is None:
            P.append(f"{w}: {code} without ad_id")
        if d.get("level") == "adgroup" and d["adgroup_id"] is None:
            P.append(f"{w}: {code} without adgroup_id")
        if not isinstance(d["related_ad_ids"], list) or any(
                a not in ads for a in d["related_ad_ids"]):
            P.append(f"{w}.related_ad_ids {d['related_ad_ids']!r}")
        if not isinstance(d["evidence"], list):
            P.append(f"{w}.evidence {d['evidence']!r}")
        else:
            if code in FROM_COMPARISONS and not d["evidence"]:
                P.append(f"{w}: {code} without evidence")
            for e in d["evidence"]:
                if not (isinstance(e, dict) or (type(e) is int and e >= 0)):
                    P.append(f"{w}: evidence item {e!r}")
        sm = d["summary"]
        if not isinstance(sm, str) or not sm.strip():
            P.append(f"{w}: empty summary")
        elif "\n" in sm:
            P.append(f"{w}: summary is not one line: {sm!r}")
        elif not re.search(r"\d", sm):
            P.append(f"{w}: summary without numbers: {sm!r}")
    return P


# ------------------------------------------------------------------------------------- tests

class T1Simulator(unittest.TestCase):
    """The simulator does what it says (independent of hookline's analysis)."""

    def test_deterministic(self):
        a = sim_world.build(SEED, tiny=True)
        b = sim_world.build(SEED, tiny=True)
        pa, pb = os.path.join(W.tmp, "det-a.csv"), os.path.join(W.tmp, "det-b.csv")
        sim_world.write_csv(a, pa)
        sim_world.write_csv(b, pb)
        with open(pa, "rb") as fa, open(pb, "rb") as fb:
            self.assertEqual(fa.read(), fb.read())
        self.assertEqual(json.dumps(sim_world.truth(a)), json.dumps(sim_world.truth(b)))

    def test_truncation_is_a_prefix(self):
        with open(W.csv, encoding="utf-8") as fh:
            full = fh.read().splitlines()
        cut = os.path.join(W.tmp, f"sim-day{TRUNC_DAY}.csv")
        sim_world.write_csv(W.world, cut, TRUNC_DAY)
        with open(cut, encoding="utf-8") as fh:
            part = fh.read().splitlines()
        self.assertEqual(part, full[:len(part)])
        self.assertEqual(len(part) - 1, TRUNC_DAY * len(W.ad_ids))
        self.assertTrue(part[-1].startswith(sim_world.date_of(TRUNC_DAY)))

    def test_funnel_is_consistent(self):
        c = W.cube
        chain = ["impressions", "video_plays", "views_2s", "views_6s", "views_p25", "views_p50",
                 "views_p75", "views_p100"]
        for hi, lo in zip(chain, chain[1:]):
            self.assertTrue(np.all(c[lo] <= c[hi]), f"{lo} > {hi} somewhere")
        self.assertTrue(np.all(c["landing_page_views"] <= c["clicks"]))
        self.assertTrue(np.all(c["conversions"] <= c["landing_page_views"]))
        self.assertTrue(np.all(c["add_to_cart"] >= c["purchases"]))
        self.assertTrue(np.all(c["reach"] <= c["impressions"]))
        delivering = c["impressions"] > 0
        imp = c["impressions"][delivering]
        low = np.array([W.groups[g]["scenario"] == "low_volume" for g in W.ad_group])
        big = c["impressions"][~low][c["impressions"][~low] > 0]
        self.assertGreaterEqual(big.min(), 5000)
        self.assertLessEqual(big.max(), 40000)
        log(f"  impressions per delivering ad-day: {imp.min():.0f}..{imp.max():.0f}, "
            f"median {np.median(big):.0f} (normal groups), "
            f"{np.median(c['impressions'][low]):.0f} (low volume)")

    def test_planted_effects_are_in_the_data(self):
        """Observed ratio planted ad / rest of its group, averaged per scenario, is near the
        planted multiplier (the fatigued ad over its last 7 days vs its first 16)."""
        tot = totals_at(DAYS)

        def rate(ix, num, den):
            return tot[num][ix].sum() / tot[den][ix].sum()
        want = {"winner_cvr": [("cvr", 1.8)], "weak_hook": [("hook", 0.6)],
                "weak_hold": [("hold", 0.6)], "weak_cta": [("ctr", 0.5)],
                "lp_mismatch": [("ctr", 1.6), ("cvr", 0.4)]}
        pairs = {"hook": ("views_2s", "impressions"), "hold": ("views_6s", "views_2s"),
                 "ctr": ("clicks", "impressions"), "cvr": ("conversions", "clicks")}
        ratios = collections.defaultdict(list)
        for g in W.groups:
            for p in g["planted"]:
                a = [W.ad_ids.index(p["ad_id"])]
                rest = [W.ad_ids.index(x) for x in g["ad_ids"] if x != p["ad_id"]]
                for k, _ in want.get(g["scenario"], []):
                    ratios[(g["scenario"], k)].append(rate(a, *pairs[k]) / rate(rest, *pairs[k]))
                if g["scenario"] == "fatigue":
                    c = W.cube
                    i = a[0]
                    early = c["clicks"][i, :16].sum() / c["impressions"][i, :16].sum()
                    late = c["clicks"][i, -7:].sum() / c["impressions"][i, -7:].sum()
                    ratios[("fatigue", "ctr last7/first16")].append(late / early)
                    early = c["spend"][i, :16].sum() / c["impressions"][i, :16].sum()
                    late = c["spend"][i, -7:].sum() / c["impressions"][i, -7:].sum()
                    ratios[("fatigue", "cpm last7/first16")].append(late / early)
                if g["scenario"] == "dead_ad":
                    self.assertEqual(W.cube["impressions"][a[0], -5:].sum(), 0)
                    self.assertTrue(np.all(W.cube["impressions"][rest, -5:] > 0))
                if g["scenario"] == "kitbash":
                    b = [W.ad_ids.index(p["related_ad_ids"][0])]
                    others = [W.ad_ids.index(x) for x in g["ad_ids"]
                              if x not in (p["ad_id"], p["related_ad_ids"][0])]
                    ratios[("kitbash", "hook A/others")].append(
                        rate(a, *pairs["hook"]) / rate(others, *pairs["hook"]))
                    ratios[("kitbash", "ctr B/others")].append(
                        rate(b, *pairs["ctr"]) / rate(others, *pairs["ctr"]))
        fz = sim_world.FATIGUE
        fbar = np.mean([(d - (DAYS - fz["days"])) / fz["days"] for d in range(DAYS - 6, DAYS + 1)])
        expect = {("fatigue", "ctr last7/first16"): round(1 - (1 - fz["ctr_end"]) * fbar, 3),
                  ("fatigue", "cpm last7/first16"): round(1 + (fz["cpm_end"] - 1) * fbar, 3),
                  ("kitbash", "hook A/others"): 1.5, ("kitbash", "ctr B/others"): 1.6}
        for (s, ks) in want.items():
            for k, m in ks:
                expect[(s, k)] = m
        for key, m in sorted(expect.items()):
            got = float(np.mean(ratios[key]))
            log(f"  {key[0]:12s} {key[1]:20s} planted x{m:<5} observed x{got:.3f}")
            self.assertLess(abs(got / m - 1), 0.25 if TINY else 0.06, key)

    def test_null_groups_are_overdispersed(self):
        """The premise: in A/A groups the day-to-day wander is far above binomial noise."""
        nulls = [g for g in W.groups if g["scenario"] == "null"]
        phis = collections.defaultdict(list)
        for g in nulls:
            for name, num, den in NAIVE_METRICS:
                phis[name].append(quasi_z(DAYS, g, g["ad_ids"][0], num, den)[1])
        for name, v in phis.items():
            log(f"  null groups: Pearson dispersion of {name:9s} median {np.median(v):6.1f} "
                f"(1 = binomial)")
        self.assertGreater(np.median(phis["hook_rate"]), 5)
        self.assertGreater(np.median(phis["ctr"]), 1.5)


class T2Baselines(unittest.TestCase):
    """Printed figures: the naive notebook test and a simple honest reference."""

    def test_naive_z_test_on_null_groups(self):
        scen = np.array([g["scenario"] for g in W.groups])
        ever = np.zeros(len(W.groups), dtype=bool)
        for day in LOOKS:
            f = naive_flags(day)
            ever |= f
            if day == DAYS:
                one = f
        for s in NULL_LIKE:
            m = scen == s
            log(f"  naive binomial z-test (no correction, alpha {NAIVE_ALPHA}, hook/hold/CTR/CVR "
                f"vs pooled rest): {s} groups flagged: single look (day {DAYS}) "
                f"{one[m].mean():.1%} ({one[m].sum()}/{m.sum()}), ever over {len(LOOKS)} looks "
                f"{ever[m].mean():.1%} ({ever[m].sum()}/{m.sum()})")
        W.naive = dict(one=one, ever=ever, scen=scen)

    def test_honest_reference_on_planted(self):
        """What a simple quasi-binomial leave-one-out test (and, for fatigue, a slope t on
        log(ad/rest) over the last 14 days) sees on the planted metric at day 30."""
        what = {"winner_cvr": [("cvr", "conversions", "clicks")],
                "weak_hook": [("hook", "views_2s", "impressions")],
                "weak_hold": [("hold", "views_6s", "views_2s")],
                "weak_cta": [("ctr", "clicks", "impressions")],
                "lp_mismatch": [("ctr", "clicks", "impressions"),
                                ("cvr", "conversions", "clicks")],
                "kitbash": [("hook", "views_2s", "impressions")]}
        zs = collections.defaultdict(list)
        for g in W.groups:
            for p in g["planted"]:
                for name, num, den in what.get(g["scenario"], []):
                    zs[(g["scenario"], name)].append(abs(quasi_z(DAYS, g, p["ad_id"], num, den)[0]))
                if g["scenario"] == "kitbash":
                    zs[("kitbash", "ctr of B")].append(
                        abs(quasi_z(DAYS, g, p["related_ad_ids"][0], "clicks", "impressions")[0]))
                if g["scenario"] == "fatigue":
                    zs[("fatigue", "ctr slope t")].append(-slope_t(g, p["ad_id"], "ctr"))
                    zs[("fatigue", "cpm slope t")].append(slope_t(g, p["ad_id"], "cpm"))
        for key, v in sorted(zs.items()):
            v = np.array(v)
            log(f"  honest reference {key[0]:12s} {key[1]:12s} |z| median {np.median(v):5.1f}, "
                f"min {v.min():5.1f}, 10th pct {np.percentile(v, 10):5.1f}")


class T3Contract(unittest.TestCase):
    """findings.json has the shape issue 4 specifies."""

    def check_findings(self, f, day, stride=1):
        """Asserts the contract shape; stride > 1 checks every stride-th comparison only (the
        looks' cheap pass). Problems are collected and the first ones reported together."""
        probs = contract_problems(f, day, stride)
        self.assertEqual(probs[:8], [], f"{len(probs)} contract problems at day {day}")

    def test_final_look_shape(self):
        r = final_run(self)
        f = r.findings
        self.assertEqual(f.get("mode"), "sequential", "default mode")
        self.assertEqual(f.get("alpha"), 0.05, "default alpha")
        self.check_findings(f, DAYS)
        n_ad = sum(1 for c in f["comparisons"] if c["subject"].get("level") == "ad")
        log(f"  day {DAYS}: {len(f['comparisons'])} comparisons ({n_ad} ad-level), "
            f"{len(f['trends'])} trends, {len(f['diagnoses'])} diagnoses "
            f"({dict(collections.Counter(d['code'] for d in f['diagnoses']))})")

    def test_every_look_shape(self):
        need_analyze(self)
        for day in LOOKS:
            r = W.runs[day]
            with self.subTest(day=day):
                self.assertIsNone(r.error, repr(r))
                full = day in (LOOKS[0], TRUNC_DAY, DAYS) or day % 7 == 0
                self.check_findings(r.findings, day, 1 if full else 10)

    def test_every_ad_is_compared(self):
        """Every ad of a delivering multi-ad group has ad-level comparisons on the funnel."""
        f = final_run(self).findings
        seen = collections.defaultdict(set)
        for c in f["comparisons"]:
            s = c["subject"]
            if s.get("level") == "ad":
                seen[s.get("ad_id")].add(c["metric"])
        missing = [a for a in W.ad_ids if a not in seen]
        self.assertEqual(missing[:5], [], f"{len(missing)} ads without comparisons")
        needed = {"hook_rate", "hold_rate", "ctr", "cvr"}
        lacking = [(a, sorted(needed - m)) for a, m in seen.items() if not needed <= m]
        self.assertEqual(lacking[:5], [], f"{len(lacking)} ads lack some funnel metrics")

    def test_modes_and_alpha_are_echoed(self):
        need_analyze(self)
        for mode, alpha in (("fixed", "0.1"), ("bayes", "0.05")):
            with self.subTest(mode=mode):
                out = os.path.join(W.tmp, f"out-{mode}")
                os.makedirs(out, exist_ok=True)
                r = run_analyze(W.csv, out, DAYS, ["--mode", mode, "--alpha", alpha])
                self.assertIsNone(r.error, repr(r))
                self.assertEqual(r.findings.get("mode"), mode)
                self.assertEqual(r.findings.get("alpha"), float(alpha))
                self.check_findings(r.findings, DAYS)

    def test_as_of_equals_truncation(self):
        """--as-of day k on the 30-day file gives what the file cut at day k gives (the looks
        run on cut files; this ties them to --as-of)."""
        need_analyze(self)
        out = os.path.join(W.tmp, "out-as-of")
        os.makedirs(out, exist_ok=True)
        full = run_analyze(W.csv, out, TRUNC_DAY)
        self.assertIsNone(full.error, repr(full))
        r = W.runs[TRUNC_DAY]
        self.assertIsNone(r.error, repr(r))
        for k in ("schema", "as_of", "mode", "alpha", "observational", "comparisons", "trends",
                  "diagnoses"):
            self.assertEqual(r.findings.get(k), full.findings.get(k),
                             f"'{k}' differs between --as-of day {TRUNC_DAY} and the cut file")

    def test_rerun_is_identical(self):
        need_analyze(self)
        out = os.path.join(W.tmp, "out-again")
        os.makedirs(out, exist_ok=True)
        r = run_analyze(W.csv, out, DAYS)
        self.assertIsNone(r.error, repr(r))
        self.assertEqual(r.raw, W.runs[DAYS].raw, "two runs on the same input differ")


class T4Validation(unittest.TestCase):
    """Issue 4's acceptance figures."""

    def test_planted_diagnoses_found(self):
        f = final_run(self).findings
        by_scen = collections.defaultdict(list)
        for g in W.groups:
            for p in g["planted"]:
                by_scen[g["scenario"]].append((g, p, found(f, p)))
        failures = []
        for scen, items in by_scen.items():
            rate = sum(ok for _, _, ok in items) / len(items)
            code = items[0][1]["code"]
            log(f"  planted {scen:12s} -> {code:22s} found on its ad in "
                f"{rate:6.1%} ({sum(ok for *_, ok in items)}/{len(items)})")
            if rate < PLANTED_MIN:
                failures.append(scen)
            for g, p, ok in [it for it in items if not it[2]][:3 if rate < PLANTED_MIN else 1]:
                log(f"    missed: group {g['adgroup_id']} ad {p['ad_id']}"
                    + (f" (related {p['related_ad_ids']})" if p["related_ad_ids"] else ""))
                for d in f["diagnoses"]:
                    if d.get("adgroup_id") == g["adgroup_id"]:
                        log(f"      diagnosis {fmt_diag(d)}")
                for c in comparisons_of(f, p["ad_id"]):
                    log(f"      {fmt_cmp(c)}")
                for t in f["trends"]:
                    if isinstance(t.get("subject"), dict) and t["subject"].get("ad_id") == p["ad_id"]:
                        log(f"      trend {fmt_trend(t)}")
        if TINY:
            return
        self.assertEqual(failures, [], f"scenarios below {PLANTED_MIN:.0%}")

    def test_other_diagnoses_in_planted_groups(self):
        """What else planted groups receive. Leave-one-out pools a strong ad into its peers'
        reference, so ordinary ads beside it are significantly worse than their pooled rest; a
        weak_* or loser diagnosis also needs the ad below its group's median ad, so the ordinary
        ads of a kit-bash or landing-page group (a hook star, a CTR star beside them) are not
        called weak. Asserted: at most 15 % of those groups' ordinary ads get a weak_* or loser
        diagnosis (with the seed: 7 of 66 and 1 of 60; against the pooled rest alone it was 56
        of 66 and 39 of 60)."""
        f = final_run(self).findings
        scen_of = {g["adgroup_id"]: g for g in W.groups}
        extra = collections.defaultdict(collections.Counter)
        for d in f["diagnoses"]:
            g = scen_of.get(d.get("adgroup_id"))
            if not g or g["scenario"] in NULL_LIKE:
                continue
            if any(d.get("code") == p["code"] and d.get("ad_id") == p["ad_id"]
                   for p in g["planted"]):
                continue
            planted_ad = any(d.get("ad_id") == p["ad_id"] for p in g["planted"])
            extra[g["scenario"]][f"{d.get('code')}{'' if planted_ad else ' (other ad)'}"] += 1
        for s, c in sorted(extra.items()):
            log(f"  {s:12s} also: {dict(c)}")
        for scen in ("kitbash", "lp_mismatch"):
            groups = [g for g in W.groups if g["scenario"] == scen]
            ordinary = sum(len(g["ad_ids"]) - len({p["ad_id"] for p in g["planted"]}) for g in groups)
            spill = sum(n for k, n in extra[scen].items() if k.endswith("(other ad)")
                        and (k.startswith("weak_") or k.startswith("loser")))
            log(f"  {scen:12s} ordinary ads called weak or loser: {spill}/{ordinary}")
            self.assertLessEqual(spill, 0.15 * ordinary, f"spillover in {scen} groups")

    def null_report(self, flagged, label):
        rates = {}
        for s in NULL_LIKE:
            groups = [g for g in W.groups if g["scenario"] == s]
            n = sum(1 for g in groups if g["adgroup_id"] in flagged)
            rates[s] = n / len(groups)
            naive = ""
            if hasattr(W, "naive"):
                m = W.naive["scen"] == s
                nv = W.naive["one" if label == "one" else "ever"][m]
                naive = f"   (naive z-test: {nv.mean():.1%})"
            log(f"  {s:10s} groups with a diagnosis other than insufficient_data, "
                f"{'single look day %d' % DAYS if label == 'one' else 'ever over %d looks' % len(LOOKS)}: "
                f"{rates[s]:.1%} ({n}/{len(groups)}){naive}")
        return rates

    def show_flagged(self, flagged, runs):
        for gid, (day, ds) in list(flagged.items())[:4]:
            f = runs[day].findings
            log(f"    group {gid} (first at as-of day {day}):")
            for d in ds[:3]:
                log(f"      diagnosis {fmt_diag(d)}")
                if d.get("ad_id") is not None:
                    cs = comparisons_of(f, d["ad_id"])
                else:
                    cs = [c for c in f.get("comparisons", [])
                          if isinstance(c.get("subject"), dict)
                          and c["subject"].get("level") != "ad"
                          and c["subject"].get("adgroup_id") == d.get("adgroup_id")]
                for c in [c for c in cs if c.get("decision") in ("better", "worse")][:8]:
                    log(f"        {fmt_cmp(c)}")

    def test_null_single_look(self):
        f = final_run(self).findings
        fl = flagged_groups(f)
        rates = self.null_report(fl, "one")
        loose = [d for d in f["diagnoses"] if d.get("code") != "insufficient_data"
                 and d.get("adgroup_id") is None and d.get("ad_id") is None]
        log(f"  campaign/account-level diagnoses (no ad group): {len(loose)}"
            + (f" {dict(collections.Counter(d.get('code') for d in loose))}" if loose else ""))
        if TINY:
            return
        bad = {s: r for s, r in rates.items() if r > NULL_MAX_ONE}
        self.show_flagged({g: (DAYS, ds) for g, ds in fl.items()}, W.runs)
        self.assertEqual(bad, {}, f"null-like groups flagged above {NULL_MAX_ONE:.0%}")

    def test_null_over_nightly_looks(self):
        need_analyze(self)
        first = {}
        for day in LOOKS:
            r = W.runs[day]
            self.assertIsNone(r.error, repr(r))
            for gid, ds in flagged_groups(r.findings).items():
                first.setdefault(gid, (day, ds))
        rates = self.null_report(first, "ever")
        by_day = collections.Counter(day for day, _ in first.values())
        if by_day:
            log(f"    first flagged at as-of day: {dict(sorted(by_day.items()))}")
        if TINY:
            return
        bad = {s: r for s, r in rates.items() if r > NULL_MAX_EVER}
        self.show_flagged(first, W.runs)
        self.assertEqual(bad, {}, f"null-like groups ever flagged above {NULL_MAX_EVER:.0%}")


def main():
    loader = unittest.defaultTestLoader
    module = sys.modules[__name__]
    names = sys.argv[1:]
    suite = (loader.loadTestsFromNames(names, module) if names
             else loader.loadTestsFromModule(module))
    t0 = time.monotonic()
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    passed = max(0, result.testsRun - failed - skipped)
    if not result.testsRun:
        failed = max(failed, 1)
    me = resource.getrusage(resource.RUSAGE_SELF)
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    log(f"total time {time.monotonic() - t0:.1f} s wall (analyze looks {W.elapsed:.1f} s); CPU: "
        f"this script {me.ru_utime + me.ru_stime:.1f} s, hookline {ch.ru_utime + ch.ru_stime:.1f} s")
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
