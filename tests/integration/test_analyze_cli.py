#!/usr/bin/env python3
"""test_analyze_cli.py — integration tests of `hookline analyze` (issue 4) and `hookline config`
on the bundled example, on backend-conversion files and configs made here, and on small
degenerate exports made here. Python 3 standard library only. ctest passes HOOKLINE (the
binary), HL_SOURCE_DIR and HL_TEST_DATA; without them the defaults are <repo>/build/hookline,
<repo> and <repo>/tests/data.

Run:  HOOKLINE=build/hookline python3 tests/integration/test_analyze_cli.py [TestClass[.test]...]
Knob: HL_ANALYZE_KEEP=DIR keeps every generated input and findings.json there.
The last line of output is "N passed, M failed"; the exit status is non-zero on any failure.

Every generated input (backend conversions, configs, degenerate exports) is written into a
temporary directory by this script; the numbers the assertions use are computed here from
`hookline metrics` (whose own sums are checked against the CSV by test_metrics_cli.py) or from
the generated rows, never copied from a previous run of analyze.

What is checked (issue 4, DESIGN.md §4-6, §11):
  - findings.json on examples/tiktok-export.csv: parses with NaN/Infinity refused; schema,
    as_of (default: the last date), from, mode, alpha; every comparison's counts equal the
    subject's sums over [from, as_of] (and the parent's sums minus the subject's for the
    reference arm); value and reference are exactly DESIGN.md §4's formula over those counts;
    lift = (value - reference) / reference (1e-9); p_adjusted is Benjamini-Hochberg over every
    comparison that passed its gate plus the trends' p-values, recomputed here; decisions are in
    the contract set and agree with p_adjusted / alpha (or chance_to_beat in bayes mode) and the
    sign of the lift; every null number has a reason in "status"; the planted personalities of
    examples/gen_example.py are diagnosed on the right ad with the numbers in the summary;
    the API JSON lines of the same rows give the same findings; re-runs are byte-identical;
  - --mode fixed / bayes and --alpha are echoed and used (methods, chance_to_beat, intervals);
  - --as-of cuts the data: counts equal `hookline metrics --from FROM --to AS_OF` sums;
  - --backend-conversions: a 60 % platform overstatement is a tracking_discrepancy with the
    totals in its summary, a 5 % gap is not, a per-campaign file names the campaign that is off;
    a malformed file exits 2 with file:line:col and writes nothing;
  - --config: values echoed, unknown keys with a suggestion, wrong types, syntax errors, infinite
    loops (also behind pcall), os/io/require/load, memory bombs, all exit 2 quickly, nothing
    written; `config defaults` round-trips through `config check`;
  - bad usage and bad input exit 2, write nothing, and leave an existing findings.json alone;
    --strict turns funnel inconsistencies into located errors;
  - degenerate data (an ad group with 0 clicks, single-ad ad groups, an ad group that never
    delivers, a one-day export): exit 0, no NaN, undecided comparisons with reasons and the
    sample still needed, insufficient_data where the goal metric cannot be judged.
"""
import atexit
import datetime as dt
import functools
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

SRC = os.environ.get("HL_SOURCE_DIR") or os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DATA = os.environ.get("HL_TEST_DATA") or os.path.join(SRC, "tests", "data")
HOOKLINE = os.environ.get("HOOKLINE") or os.path.join(SRC, "build", "hookline")
EXPORT_CSV = os.path.join(SRC, "examples", "tiktok-export.csv")
BAD_NUMBER_CSV = os.path.join(DATA, "ingest", "bad_number.csv")

KEEP = os.environ.get("HL_ANALYZE_KEEP")
if KEEP:
    os.makedirs(KEEP, exist_ok=True)
    TMP = KEEP
else:
    TMP = tempfile.mkdtemp(prefix="hl-analyze-cli-")
    atexit.register(shutil.rmtree, TMP, True)

SCHEMA = "hookline.findings/1"
LAST_DAY = "2026-10-28"  # examples/gen_example.py: 2026-10-01 .. 2026-10-28
FIRST_DAY = "2026-10-01"
DECISIONS = {"better", "worse", "no_difference", "undecided"}
TREND_DIRECTIONS = {"rising", "falling", "flat", "undecided"}
CODES = {"winner", "loser", "weak_hook", "weak_hold", "weak_cta", "landing_page_mismatch",
         "fatigue", "no_delivery", "audience_too_narrow", "tracking_discrepancy",
         "insufficient_data", "kitbash_candidate"}
# DESIGN.md §4 over the counters; counts.x / counts.n are (numerator, denominator) of the test:
# for CPA the test is on conversions per spend, so x = conversions, n = spend, value = n / x.
PROPORTIONS = {
    "play_rate": ("video_plays", "impressions"),
    "hook_rate": ("views_2s", "impressions"),
    "view_rate_6s": ("views_6s", "impressions"),
    "hold_rate": ("views_6s", "views_2s"),
    "ctr": ("clicks", "impressions"),
    "cvr": ("conversions", "clicks"),
    "completion_rate": ("views_p100", "video_plays"),
}
COUNTS_OF = dict(PROPORTIONS, cpa=("conversions", "spend"), roas=("purchase_value", "spend"))
FORMULA = {m: f"{a} / {b}" for m, (a, b) in PROPORTIONS.items()}
FORMULA.update(cpa="spend / conversions", roas="purchase_value / spend")
LOWER_IS_BETTER = {"cpa"}
NUMBER_KEYS = ("value", "reference", "lift", "ci_low", "ci_high", "p_value", "p_adjusted",
               "chance_to_beat", "expected_loss")
TREND_NUMBER_KEYS = ("prior", "recent", "change", "ci_low", "ci_high", "slope_per_day",
                     "p_value", "p_adjusted")
REL = 1e-9
# the defaults of `hookline config defaults` that the assertions rely on
DEFAULT_ALPHA = 0.05
BAYES_THRESHOLD = 0.95
WEAK_HOOK_MAX_LIFT = -0.10
WEAK_HOLD_MAX_LIFT = -0.10
LP_MIN_CTR_LIFT = 0.0
LP_MAX_CVR_LIFT = -0.15
TRACKING_TOLERANCE = 0.20

# the example's ads (examples/gen_example.py PERSONALITIES), by exact name
AD_WEAK_HOOK = "GS_UGC_unboxing_v2"
AD_WEAK_HOLD = "GS_Static-slideshow_v1"
AD_LP_MISMATCH = "GS_Before/after split\nscreen"
AD_STOPS = "RT_Offer-15off_v2"              # 0 impressions after day 20
AD_LATE = "RT_Free-shipping_banner"         # launched on day 15: no rows before
AD_WINNER = 'GS_Creator_Maya, "honest review"'
AD_FATIGUE = "GS_Testimonial_Sofía 🔥 café"
AD_KIT_HOOK = "BL_ASMR_texture"             # best hook, poor CTA
AD_KIT_CTA = "BL_Offer-bundle_CTA"          # weak hook, best CTA
AD_TINY_WEAK_HOOK = "RT_Cart-reminder_static"


# ------------------------------------------------------------------------------ running the CLI

class Result:
    def __init__(self, args, rc, out, err, seconds):
        self.args, self.rc, self.out, self.err, self.seconds = args, rc, out, err, seconds

    def __repr__(self):
        return (f"hookline {' '.join(self.args)}\n  exit {self.rc} after {self.seconds:.2f} s"
                f"\n  stdout: {self.out[:1500]!r}\n  stderr: {self.err[:1500]!r}")


def run(*args, timeout=60):
    args = tuple(str(a) for a in args)
    t0 = time.monotonic()
    try:
        p = subprocess.run([HOOKLINE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, timeout=timeout)
    except FileNotFoundError:
        return Result(args, -1, "", f"cannot run {HOOKLINE}: not found (build first)", 0)
    except subprocess.TimeoutExpired:
        return Result(args, -1, "", f"timed out after {timeout} s (killed)",
                      time.monotonic() - t0)
    return Result(args, p.returncode, p.stdout.decode("utf-8", "replace"),
                  p.stderr.decode("utf-8", "replace"), time.monotonic() - t0)


def no_nan_json(text):
    def bad(c):
        raise ValueError(f"non-finite JSON number {c}")
    return json.loads(text, parse_constant=bad)


_seq = [0]


def fresh_dir(tag):
    """A path in TMP that does not exist yet."""
    _seq[0] += 1
    return os.path.join(TMP, f"{_seq[0]:03d}-{tag}")


@functools.lru_cache(maxsize=None)
def _analyze(args):
    out = fresh_dir("out")
    r = run("analyze", *args, "--out", out)
    doc = None
    path = os.path.join(out, "findings.json")
    if r.rc == 0 and os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            doc = no_nan_json(f.read())
    return r, doc, out


def analyze(*args):
    """Runs analyze (once per distinct argument list) into a fresh --out directory; returns
    (Result, parsed findings.json or None, out dir)."""
    return _analyze(tuple(str(a) for a in args))


@functools.lru_cache(maxsize=None)
def _metrics(args):
    r = run("metrics", *args, "--format", "json")
    if r.rc != 0:
        raise AssertionError(f"metrics failed: {r}")
    return no_nan_json(r.out)["rows"]


def metrics(*args):
    return _metrics(tuple(str(a) for a in args))


def write(path, text):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    return path


def tree(path):
    """{relative path: bytes} of every file under path (for 'nothing was written')."""
    snap = {}
    for root, _, files in os.walk(path):
        for name in files:
            p = os.path.join(root, name)
            with open(p, "rb") as f:
                snap[os.path.relpath(p, path)] = f.read()
    return snap


def temp_like(names):
    """Names that look like a leftover of an atomic write (hidden or temporary files)."""
    return [n for n in names if n.startswith(".") or re.search(r"(?i)tmp|temp|~$|\.part$", n)]


def close(a, b, rel=REL):
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


def d2s(d):
    return d.isoformat()


# --------------------------------------------------------------------------- the contract check

def check_findings(tc, doc, *, mode="sequential", alpha=DEFAULT_ALPHA, as_of=None):
    """Asserts the findings.json contract on a parsed document (see the module docstring)."""
    tc.assertEqual(doc["schema"], SCHEMA)
    tc.assertEqual(doc["mode"], mode)
    tc.assertEqual(doc["alpha"], alpha)
    tc.assertIs(doc["observational"], True)
    if as_of is not None:
        tc.assertEqual(doc["as_of"], as_of)
    dt.date.fromisoformat(doc["as_of"])
    dt.date.fromisoformat(doc["from"])
    tc.assertLessEqual(doc["from"], doc["as_of"])
    for k in ("comparisons", "trends", "diagnoses"):
        tc.assertIsInstance(doc[k], list, k)
    window = (dt.date.fromisoformat(doc["as_of"]) - dt.date.fromisoformat(doc["from"])).days + 1
    mde = doc["mde"]
    for i, c in enumerate(doc["comparisons"]):
        s = c["subject"]
        where = f"comparison {i}: {s.get('ad_name') or s.get('adgroup_name')!r} {c['metric']}"
        tc.assertIn(s["level"], ("ad", "adgroup"), where)
        tc.assertIsInstance(s["adgroup_id"], str, where)
        tc.assertIsInstance(s["campaign_id"], str, where)
        if s["level"] == "ad":
            tc.assertIsInstance(s["ad_id"], str, where)
        else:
            tc.assertIsNone(s["ad_id"], where)
        m = c["metric"]
        tc.assertIn(m, COUNTS_OF, where)
        tc.assertEqual(c["formula"], FORMULA[m], where)
        tc.assertIn(c["decision"], DECISIONS, where)
        tc.assertIsInstance(c["method"], str, where)
        tc.assertIn(mode, c["method"], where)
        # every null number has its reason; every reason belongs to a null number
        status = c.get("status", {})
        for k in NUMBER_KEYS:
            if k in c and c[k] is None:
                tc.assertIsInstance(status.get(k), str, f"{where}: {k} is null without a reason")
                tc.assertTrue(status[k], where)
        for k in status:
            tc.assertIsNone(c.get(k), f"{where}: status for non-null {k}")
        for k in ("value", "reference", "lift", "ci_low", "ci_high", "p_value", "p_adjusted"):
            tc.assertIn(k, c, where)
        if mode == "bayes":
            tc.assertIn("chance_to_beat", c, where)
            tc.assertIn("expected_loss", c, where)
            tc.assertIsNone(c["p_value"], where)
        # counts and the formulas
        k = c["counts"]
        x, n, xr, nr = k["x"], k["n"], k["x_ref"], k["n_ref"]
        for v in (x, n, xr, nr):
            tc.assertIsInstance(v, (int, float), where)
            tc.assertGreaterEqual(v, 0, where)
        tc.assertIsInstance(k["below_minimum"], bool, where)
        tc.assertTrue(0 <= k["days"] <= window and 0 <= k["days_ref"] <= window, where)
        tc.assertGreaterEqual(k["phi"], 1, where)
        if m == "cpa":
            want_v = n / x if x > 0 else None
            want_r = nr / xr if xr > 0 else None
        else:
            want_v = x / n if n > 0 else None
            want_r = xr / nr if nr > 0 else None
        tc.assertEqual(c["value"], want_v, f"{where}: value vs counts {k}")
        tc.assertEqual(c["reference"], want_r, f"{where}: reference vs counts {k}")
        v, r, lift = c["value"], c["reference"], c["lift"]
        if v is not None and r is not None and lift is not None and r != 0:
            tc.assertTrue(close(lift, (v - r) / r), f"{where}: lift {lift} vs {(v - r) / r}")
        lo, hi = c["ci_low"], c["ci_high"]
        if lo is not None and hi is not None:
            tc.assertLessEqual(lo, hi, where)
            if lift is not None:
                tc.assertTrue(lo - 1e-12 <= lift <= hi + 1e-12, f"{where}: lift outside interval")
        for key in ("p_value", "p_adjusted", "chance_to_beat"):
            if c.get(key) is not None:
                tc.assertTrue(0 <= c[key] <= 1, f"{where}: {key} {c[key]}")
        if c.get("expected_loss") is not None:
            tc.assertGreaterEqual(c["expected_loss"], 0, where)
        if c["p_value"] is not None and c["p_adjusted"] is not None:
            tc.assertGreaterEqual(c["p_adjusted"], c["p_value"] - 1e-15, where)
        # decisions
        d = c["decision"]
        if k["below_minimum"]:
            tc.assertEqual(d, "undecided", f"{where}: decided below the minimum-data gate")
        if d in ("better", "worse"):
            tc.assertIsNone(c["needed"], where)
            if mode == "bayes":
                ctb = c["chance_to_beat"]
                tc.assertIsNotNone(ctb, where)
                tc.assertTrue(ctb >= BAYES_THRESHOLD if d == "better"
                              else ctb <= 1 - BAYES_THRESHOLD, f"{where}: {d} at {ctb}")
            else:
                tc.assertIsNotNone(c["p_adjusted"], where)
                tc.assertLessEqual(c["p_adjusted"], alpha, f"{where}: {d}")
                if lift is None:
                    # an arm without events (an ad with no conversion has no CPA): the lift is
                    # undefined with a reason, and the direction comes from the interval
                    tc.assertIn("lift", c.get("status", {}), where)
                    tc.assertTrue(lo is not None and hi is not None, where)
                    lift = (lo + hi) / 2
                up = lift > 0
                better = (not up) if m in LOWER_IS_BETTER else up
                tc.assertEqual(d, "better" if better else "worse", f"{where}: lift {lift}")
        elif d == "no_difference":
            tc.assertIsNone(c["needed"], where)
            tc.assertTrue(lo is not None and hi is not None and lo >= -mde - 1e-12 and
                          hi <= mde + 1e-12, f"{where}: no_difference with [{lo}, {hi}]")
        else:
            need = c["needed"]
            tc.assertIsInstance(need, dict, f"{where}: undecided without 'needed'")
            tc.assertIsInstance(need["unit"], str, where)
            for key in ("per_arm", "remaining", "days"):
                tc.assertIn(key, need, where)
                if need[key] is not None:
                    tc.assertGreaterEqual(need[key], 0, where)
    for i, t in enumerate(doc["trends"]):
        where = f"trend {i}: {t['metric']}"
        tc.assertIn(t["direction"], TREND_DIRECTIONS, where)
        tc.assertTrue(doc["from"] <= t["from"] <= t["to"] <= doc["as_of"], where)
        status = t.get("status", {})
        for key in TREND_NUMBER_KEYS:
            tc.assertIn(key, t, where)
            if t[key] is None:
                tc.assertIsInstance(status.get(key), str, f"{where}: {key} null without reason")
    ncmp, ntr = len(doc["comparisons"]), len(doc["trends"])
    for i, dx in enumerate(doc["diagnoses"]):
        where = f"diagnosis {i}: {dx['code']}"
        tc.assertIn(dx["code"], CODES, where)
        tc.assertIsInstance(dx["summary"], str, where)
        tc.assertRegex(dx["summary"], r"\d", f"{where}: summary without numbers")
        tc.assertIsInstance(dx["related_ad_ids"], list, where)
        if dx["level"] == "ad":
            tc.assertIsInstance(dx["ad_id"], str, where)
        else:
            tc.assertIsNone(dx["ad_id"], where)
        for e in dx["evidence"]:
            if "comparison" in e:
                j = e["comparison"]
                tc.assertTrue(0 <= j < ncmp, where)
                tc.assertEqual(e["metric"], doc["comparisons"][j]["metric"], where)
                tc.assertEqual(e["lift"], doc["comparisons"][j]["lift"], where)
            else:
                j = e["trend"]
                tc.assertTrue(0 <= j < ntr, where)
                tc.assertEqual(e["metric"], doc["trends"][j]["metric"], where)


def needed_nulls_without_reason(doc):
    """'needed' numbers that are null with no reason in the comparison's status (as
    'needed.KEY') nor in the needed object's own status."""
    bad = []
    for c in doc["comparisons"]:
        need = c.get("needed")
        if not isinstance(need, dict):
            continue
        st, inner = c.get("status", {}), need.get("status", {})
        for key in ("per_arm", "remaining", "days"):
            if need.get(key) is None and not st.get("needed." + key) and not inner.get(key):
                s = c["subject"]
                bad.append(f"{s.get('ad_name') or s.get('adgroup_name')!r} {c['metric']} "
                           f"needed.{key}")
    return bad


def check_counts_against_metrics(tc, doc, *inputs):
    """Every comparison's counts equal `hookline metrics` sums over [from, as_of]: the subject's
    for x/n, its parent's minus the subject's for x_ref/n_ref."""
    win = []
    for f in inputs:
        win += ["--input", f]
    win += ["--from", doc["from"], "--to", doc["as_of"]]
    ads = {r["ad_id"]: r for r in metrics(*win, "--level", "ad")}
    groups = {r["adgroup_id"]: r for r in metrics(*win, "--level", "adgroup")}
    camps = {r["campaign_id"]: r for r in metrics(*win, "--level", "campaign")}
    tc.assertTrue(doc["comparisons"])
    for c in doc["comparisons"]:
        s = c["subject"]
        if s["level"] == "ad":
            me, parent = ads[s["ad_id"]], groups[s["adgroup_id"]]
        else:
            me, parent = groups[s["adgroup_id"]], camps[s["campaign_id"]]
        a, b = COUNTS_OF[c["metric"]]
        want = (me[a] or 0, me[b] or 0, (parent[a] or 0) - (me[a] or 0),
                (parent[b] or 0) - (me[b] or 0))
        k = c["counts"]
        got = (k["x"], k["n"], k["x_ref"], k["n_ref"])
        for w, g, name in zip(want, got, ("x", "n", "x_ref", "n_ref")):
            tc.assertTrue(close(w, g), f"{s.get('ad_name') or s['adgroup_name']!r} "
                                       f"{c['metric']} counts.{name}: {g}, metrics says {w}")
    return ads


def bh(ps):
    m = len(ps)
    order = sorted(range(m), key=lambda i: ps[i])
    adj = [0.0] * m
    prev = 1.0
    for rank in range(m - 1, -1, -1):
        i = order[rank]
        prev = min(prev, ps[i] * m / (rank + 1))
        adj[i] = prev
    return adj


# ------------------------------------------------------------------------- the bundled example

def ex_ads():
    """The example's ads by name (metrics over the whole file)."""
    return {r["ad_name"]: r for r in metrics("--input", EXPORT_CSV, "--level", "ad")}


def comparison(doc, ad_id, metric):
    for i, c in enumerate(doc["comparisons"]):
        if c["subject"]["level"] == "ad" and c["subject"]["ad_id"] == ad_id and \
                c["metric"] == metric:
            return i, c
    return None, None


def diagnoses_of(doc, ad_id, code=None):
    return [d for d in doc["diagnoses"]
            if d["ad_id"] == ad_id and (code is None or d["code"] == code)]


def pct(v):
    return f"{100 * v:.2f}%"


class ExampleDefault(unittest.TestCase):
    """analyze --input examples/tiktok-export.csv with the defaults."""

    @classmethod
    def setUpClass(cls):
        cls.r, cls.doc, cls.out = analyze("--input", EXPORT_CSV)

    def setUp(self):
        self.assertEqual(self.r.rc, 0, self.r)
        self.assertIsNotNone(self.doc, self.r)

    def test_exit_and_streams(self):
        self.assertEqual(self.r.out, "", "analyze prints nothing on stdout")
        names = os.listdir(self.out)
        self.assertIn("findings.json", names)
        self.assertEqual(temp_like(names), [], "no temporary file left")
        with open(os.path.join(self.out, "findings.json"), encoding="utf-8") as f:
            no_nan_json(f.read())

    def test_contract(self):
        check_findings(self, self.doc, as_of=LAST_DAY)
        self.assertEqual(self.doc["from"], FIRST_DAY)
        self.assertTrue(self.doc["comparisons"] and self.doc["trends"] and self.doc["diagnoses"])

    def test_counts_are_the_window_sums(self):
        check_counts_against_metrics(self, self.doc, EXPORT_CSV)

    def test_every_ad_and_group_compared_on_every_metric(self):
        # 7 ad groups, all with >= 2 delivering ads; 24 ads; every counter of the nine metrics
        # is in the export, so each delivering ad and each ad group has all nine comparisons
        per = {}
        for c in self.doc["comparisons"]:
            s = c["subject"]
            key = (s["level"], s["ad_id"] or s["adgroup_id"])
            per.setdefault(key, set()).add(c["metric"])
        ads = {k for k in per if k[0] == "ad"}
        groups = {k for k in per if k[0] == "adgroup"}
        self.assertEqual(len(ads), 24)
        self.assertEqual(len(groups), 7)
        for key, ms in per.items():
            self.assertEqual(ms, set(COUNTS_OF), key)

    def test_p_adjusted_is_bh_over_the_run(self):
        ps, where = [], []
        for c in self.doc["comparisons"]:
            if not c["counts"]["below_minimum"] and c["p_value"] is not None:
                ps.append(c["p_value"])
                where.append(c)
        for t in self.doc["trends"]:
            if t["p_value"] is not None and t["metric"] not in (
                    "spend", "platform_vs_backend_conversions"):
                ps.append(t["p_value"])
                where.append(t)
        self.assertGreater(len(ps), 100)
        for obj, want in zip(where, bh(ps)):
            self.assertTrue(close(obj["p_adjusted"], min(1.0, want), 1e-12),
                            (obj["metric"], obj["p_adjusted"], want))
        for c in self.doc["comparisons"]:
            if c["counts"]["below_minimum"] and c["p_value"] is not None:
                self.assertIsNone(c["p_adjusted"])

    def test_decisions_present(self):
        seen = {c["decision"] for c in self.doc["comparisons"]}
        self.assertTrue({"better", "worse"} <= seen, seen)

    def _dx(self, name, code, metric):
        ad = ex_ads()[name]
        ds = diagnoses_of(self.doc, ad["ad_id"], code)
        codes = [d["code"] for d in diagnoses_of(self.doc, ad["ad_id"])]
        self.assertEqual(len(ds), 1, f"{code} on {name!r}: {codes}")
        d = ds[0]
        self.assertEqual(d["level"], "ad")
        self.assertEqual((d["adgroup_id"], d["campaign_id"]), (ad["adgroup_id"], ad["campaign_id"]))
        self.assertEqual(d["ad_name"], name)
        i, c = comparison(self.doc, ad["ad_id"], metric)
        self.assertIsNotNone(c, f"{name!r} {metric}")
        self.assertIn(i, [e.get("comparison") for e in d["evidence"]])
        return d, c

    def test_weak_hook(self):
        d, c = self._dx(AD_WEAK_HOOK, "weak_hook", "hook_rate")
        self.assertEqual(c["decision"], "worse")
        self.assertLessEqual(c["lift"], WEAK_HOOK_MAX_LIFT)
        # the planted 2 s rate is ~20 % against ~33-43 % for its peers
        self.assertTrue(0.18 < c["value"] < 0.25 and c["reference"] > 0.30, c)
        for v in (pct(c["value"]), pct(c["reference"]), f"{100 * c['lift']:+.1f}%"):
            self.assertIn(v, d["summary"])

    def test_weak_hold(self):
        d, c = self._dx(AD_WEAK_HOLD, "weak_hold", "hold_rate")
        self.assertEqual(c["decision"], "worse")
        self.assertLessEqual(c["lift"], WEAK_HOLD_MAX_LIFT)
        _, hook = comparison(self.doc, ex_ads()[AD_WEAK_HOLD]["ad_id"], "hook_rate")
        self.assertNotEqual(hook["decision"], "worse", "weak hold only when the hook is fine")
        self.assertEqual(diagnoses_of(self.doc, ex_ads()[AD_WEAK_HOLD]["ad_id"], "weak_hook"), [])
        self.assertIn(pct(c["value"]), d["summary"])
        self.assertIn(pct(c["reference"]), d["summary"])

    def test_landing_page_mismatch(self):
        d, cvr = self._dx(AD_LP_MISMATCH, "landing_page_mismatch", "cvr")
        _, ctr = comparison(self.doc, ex_ads()[AD_LP_MISMATCH]["ad_id"], "ctr")
        self.assertEqual(cvr["decision"], "worse")
        self.assertLessEqual(cvr["lift"], LP_MAX_CVR_LIFT)
        self.assertGreaterEqual(ctr["lift"], LP_MIN_CTR_LIFT)
        self.assertNotEqual(ctr["decision"], "worse")
        for v in (pct(ctr["value"]), pct(cvr["value"]), pct(cvr["reference"])):
            self.assertIn(v, d["summary"])

    def test_no_delivery(self):
        ad = ex_ads()[AD_STOPS]
        days = metrics("--input", EXPORT_CSV, "--level", "ad", "--by-day")
        series = sorted((r["date"], r["impressions"]) for r in days if r["ad_id"] == ad["ad_id"])
        dead = 0
        for _, imp in reversed(series):
            if imp != 0:
                break
            dead += 1
        self.assertEqual(dead, 8)  # stops after day 20 of 28
        ds = diagnoses_of(self.doc, ad["ad_id"], "no_delivery")
        self.assertEqual(len(ds), 1, [d["code"] for d in diagnoses_of(self.doc, ad["ad_id"])])
        self.assertIn(f"last {dead} days", ds[0]["summary"])
        self.assertIn(f"({ad['impressions']:.0f} impressions", ds[0]["summary"])
        # it delivered on days 1-20, so it is still compared on those days
        _, c = comparison(self.doc, ad["ad_id"], "ctr")
        self.assertEqual(c["counts"]["n"], ad["impressions"])
        self.assertEqual(c["counts"]["days"], 20)

    def test_late_launch_is_not_no_delivery(self):
        ad = ex_ads()[AD_LATE]
        self.assertEqual(diagnoses_of(self.doc, ad["ad_id"], "no_delivery"), [])

    def test_winner_on_cpa(self):
        d, c = self._dx(AD_WINNER, "winner", "cpa")
        self.assertEqual(c["decision"], "better")
        self.assertLess(c["lift"], 0, "a lower CPA is the improvement")
        self.assertIn(f"{c['value']:.2f} vs {c['reference']:.2f}", d["summary"])

    def test_fatigue(self):
        ad = ex_ads()[AD_FATIGUE]
        ds = diagnoses_of(self.doc, ad["ad_id"], "fatigue")
        self.assertEqual(len(ds), 1, [d["code"] for d in diagnoses_of(self.doc, ad["ad_id"])])
        ev = {e["metric"]: e for e in ds[0]["evidence"] if "trend" in e}
        self.assertIn("ctr", ev)
        self.assertEqual(ev["ctr"]["direction"], "falling")
        self.assertLess(ev["ctr"]["change"], 0)
        self.assertTrue({"cpm_vs_account", "frequency"} & set(ev), ev)
        for t in ev.values():
            tr = self.doc["trends"][t["trend"]]
            self.assertEqual(tr["subject"]["ad_id"], ad["ad_id"])
            self.assertEqual(tr["to"], LAST_DAY)

    def test_kitbash(self):
        ads = ex_ads()
        ds = diagnoses_of(self.doc, ads[AD_KIT_HOOK]["ad_id"], "kitbash_candidate")
        self.assertEqual(len(ds), 1)
        self.assertEqual(ds[0]["related_ad_ids"], [ads[AD_KIT_CTA]["ad_id"]])
        _, hook = comparison(self.doc, ads[AD_KIT_HOOK]["ad_id"], "hook_rate")
        _, ctr = comparison(self.doc, ads[AD_KIT_CTA]["ad_id"], "ctr")
        self.assertEqual((hook["decision"], ctr["decision"]), ("better", "better"))

    def test_tiny_audience_weak_hook(self):
        self._dx(AD_TINY_WEAK_HOOK, "weak_hook", "hook_rate")

    def test_group_level_diagnoses_carry_group_ids(self):
        groups = {r["adgroup_id"] for r in metrics("--input", EXPORT_CSV, "--level", "adgroup")}
        for d in self.doc["diagnoses"]:
            if d["level"] == "adgroup":
                self.assertIsNone(d["ad_id"])
                self.assertIn(d["adgroup_id"], groups)

    def test_ids_exist(self):
        ids = {r["ad_id"] for r in ex_ads().values()}
        for c in self.doc["comparisons"]:
            if c["subject"]["ad_id"] is not None:
                self.assertIn(c["subject"]["ad_id"], ids)
        for d in self.doc["diagnoses"]:
            for a in [d["ad_id"], *d["related_ad_ids"]]:
                if a is not None:
                    self.assertIn(a, ids)

    def test_same_as_api_report(self):
        # the API JSON lines hold the same rows (plus advertiser_id): the same findings
        r, doc, _ = analyze("--input", os.path.join(SRC, "examples", "tiktok-report.jsonl"))
        self.assertEqual(r.rc, 0, r)

        def strip(o):
            if isinstance(o, dict):
                return {k: strip(v) for k, v in o.items() if k != "advertiser_id"}
            if isinstance(o, list):
                return [strip(v) for v in o]
            return o
        for k in ("comparisons", "trends", "diagnoses"):
            self.assertEqual(strip(doc[k]), strip(self.doc[k]), k)

    def test_rerun_identical(self):
        r, _, out = analyze("--input", EXPORT_CSV, "--mode", "sequential")
        self.assertEqual(r.rc, 0, r)
        with open(os.path.join(out, "findings.json"), "rb") as a, \
                open(os.path.join(self.out, "findings.json"), "rb") as b:
            self.assertEqual(a.read(), b.read())


class ExampleModes(unittest.TestCase):
    """--mode fixed | bayes, --alpha."""

    def test_fixed(self):
        r, doc, _ = analyze("--input", EXPORT_CSV, "--mode", "fixed")
        self.assertEqual(r.rc, 0, r)
        check_findings(self, doc, mode="fixed", as_of=LAST_DAY)
        for c in doc["comparisons"]:
            self.assertNotIn("chance_to_beat", c)

    def test_bayes(self):
        r, doc, _ = analyze("--input", EXPORT_CSV, "--mode", "bayes")
        self.assertEqual(r.rc, 0, r)
        check_findings(self, doc, mode="bayes", as_of=LAST_DAY)
        ctb = [c["chance_to_beat"] for c in doc["comparisons"] if c["chance_to_beat"] is not None]
        self.assertGreater(len(ctb), len(doc["comparisons"]) // 2)
        for v in ctb:
            self.assertTrue(0 <= v <= 1, v)
        for c in doc["comparisons"]:
            self.assertEqual(c["status"].get("p_value"), "bayes mode")
        # the planted weak hook is as clear to the posterior
        ad = ex_ads()[AD_WEAK_HOOK]
        _, c = comparison(doc, ad["ad_id"], "hook_rate")
        self.assertLess(c["chance_to_beat"], 0.01)
        self.assertEqual(len(diagnoses_of(doc, ad["ad_id"], "weak_hook")), 1)

    def test_alpha(self):
        r, doc, _ = analyze("--input", EXPORT_CSV, "--alpha", "0.01")
        self.assertEqual(r.rc, 0, r)
        check_findings(self, doc, alpha=0.01, as_of=LAST_DAY)
        summaries = [d["summary"] for d in doc["diagnoses"]
                     if "for the rest of the" in d["summary"]]
        self.assertTrue(summaries)
        for s in summaries:
            self.assertIn("99% interval", s)
            self.assertNotIn("95% interval", s)

    def test_alpha_widens_fixed_intervals(self):
        _, d05, _ = analyze("--input", EXPORT_CSV, "--mode", "fixed")
        r, d01, _ = analyze("--input", EXPORT_CSV, "--mode", "fixed", "--alpha", "0.01")
        self.assertEqual(r.rc, 0, r)
        check_findings(self, d01, mode="fixed", alpha=0.01)
        key = lambda c: (c["subject"]["level"], c["subject"]["ad_id"] or
                         c["subject"]["adgroup_id"], c["metric"])
        a = {key(c): c for c in d05["comparisons"]}
        n = 0
        for c in d01["comparisons"]:
            o = a[key(c)]
            self.assertEqual(c["p_value"], o["p_value"], "p does not depend on alpha")
            if None not in (c["ci_low"], c["ci_high"], o["ci_low"], o["ci_high"]):
                n += 1
                self.assertLessEqual(c["ci_low"], o["ci_low"] + 1e-12, key(c))
                self.assertGreaterEqual(c["ci_high"], o["ci_high"] - 1e-12, key(c))
                if c["ci_high"] > c["ci_low"]:
                    self.assertGreater(c["ci_high"] - c["ci_low"], o["ci_high"] - o["ci_low"])
        self.assertGreater(n, 200)

    def test_mode_and_alpha_from_config_cli_wins(self):
        cfg = write(os.path.join(TMP, "mode_alpha.lua"),
                    'return {analysis = {alpha = 0.01, mode = "bayes"}}\n')
        r, doc, _ = analyze("--input", EXPORT_CSV, "--config", cfg)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual((doc["mode"], doc["alpha"]), ("bayes", 0.01))
        r, doc, _ = analyze("--input", EXPORT_CSV, "--config", cfg, "--mode", "fixed",
                            "--alpha", "0.02")
        self.assertEqual(r.rc, 0, r)
        check_findings(self, doc, mode="fixed", alpha=0.02)


class ExampleAsOf(unittest.TestCase):
    AS_OF = "2026-10-14"

    @classmethod
    def setUpClass(cls):
        cls.r, cls.doc, _ = analyze("--input", EXPORT_CSV, "--as-of", cls.AS_OF)

    def setUp(self):
        self.assertEqual(self.r.rc, 0, self.r)

    def test_contract(self):
        check_findings(self, self.doc, as_of=self.AS_OF)
        self.assertEqual(self.doc["from"], FIRST_DAY)  # 14 days: the window starts at the data

    def test_no_data_after_as_of(self):
        ads = check_counts_against_metrics(self, self.doc, EXPORT_CSV)
        full = ex_ads()
        # and the counts really differ from the whole file's (the cut is not a no-op)
        a = full[AD_WEAK_HOOK]
        _, c = comparison(self.doc, a["ad_id"], "hook_rate")
        self.assertEqual(c["counts"]["n"], ads[a["ad_id"]]["impressions"])
        self.assertLess(c["counts"]["n"], a["impressions"])
        for c in self.doc["comparisons"]:
            self.assertLessEqual(c["counts"]["days"], 14)
        for t in self.doc["trends"]:
            self.assertLessEqual(t["to"], self.AS_OF)

    def test_later_events_are_not_seen(self):
        ads = ex_ads()
        # launched on day 15: not in the data up to the 14th
        late = ads[AD_LATE]["ad_id"]
        self.assertFalse([c for c in self.doc["comparisons"] if c["subject"]["ad_id"] == late])
        # stops after day 20: still delivering on the 14th
        self.assertEqual(diagnoses_of(self.doc, ads[AD_STOPS]["ad_id"], "no_delivery"), [])

    def test_as_of_after_the_data(self):
        # after the last date: the window holds no rows of the export at all
        r, doc, _ = analyze("--input", EXPORT_CSV, "--as-of", "2026-11-01")
        self.assertEqual(r.rc, 0, r)
        check_findings(self, doc, as_of="2026-11-01")
        check_counts_against_metrics(self, doc, EXPORT_CSV)


# ------------------------------------------------------------------------------------ tracking

def platform_daily():
    return [(r["date"], r["conversions"]) for r in
            metrics("--input", EXPORT_CSV, "--level", "advertiser", "--by-day")]


class Tracking(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.days = platform_daily()
        cls.platform = sum(c for _, c in cls.days)

    def tracking(self, doc):
        trends = [t for t in doc["trends"] if t["metric"] == "platform_vs_backend_conversions"]
        dxs = [d for d in doc["diagnoses"] if d["code"] == "tracking_discrepancy"]
        return trends, dxs

    def test_overstated_by_60_percent(self):
        rows = [(d, round(c / 1.6)) for d, c in self.days]
        shop = sum(c for _, c in rows)
        path = write(os.path.join(TMP, "backend_over.csv"),
                     "date,conversions\n" + "".join(f"{d},{c}\n" for d, c in rows))
        r, doc, _ = analyze("--input", EXPORT_CSV, "--backend-conversions", path)
        self.assertEqual(r.rc, 0, r)
        check_findings(self, doc)
        trends, dxs = self.tracking(doc)
        self.assertEqual(len(trends), 1)
        t = trends[0]
        self.assertEqual((t["recent"], t["prior"]), (self.platform, shop))
        self.assertEqual(t["days"], 28)
        self.assertTrue(close(t["change"], self.platform / shop - 1, 1e-6), t)
        self.assertTrue(0.55 < t["change"] < 0.65, t)
        self.assertGreater(t["ci_low"], TRACKING_TOLERANCE)
        self.assertEqual(t["direction"], "rising")
        self.assertEqual(len(dxs), 1)
        s = dxs[0]["summary"]
        self.assertIn(f"{self.platform:.0f}", s)
        self.assertIn(f"{shop:.0f}", s)
        self.assertIn(f"{100 * t['change']:+.1f}%", s)
        self.assertIn("28 days", s)

    def test_normal_gap_is_not_a_discrepancy(self):
        rng = random.Random(20261028)
        rows = [(d, round(c * 0.95 * (1 + rng.uniform(-0.03, 0.03)))) for d, c in self.days]
        path = write(os.path.join(TMP, "backend_ok.csv"),
                     "date,conversions\n" + "".join(f"{d},{c}\n" for d, c in rows))
        r, doc, _ = analyze("--input", EXPORT_CSV, "--backend-conversions", path)
        self.assertEqual(r.rc, 0, r)
        check_findings(self, doc)
        trends, dxs = self.tracking(doc)
        self.assertEqual(dxs, [])
        self.assertEqual(len(trends), 1)
        self.assertTrue(0 < trends[0]["change"] < TRACKING_TOLERANCE, trends[0])
        self.assertNotIn(trends[0]["direction"], ("rising", "falling"))

    def test_per_campaign_names_the_campaign(self):
        rows = metrics("--input", EXPORT_CSV, "--level", "campaign", "--by-day")
        camps = sorted({r["campaign_id"] for r in rows})
        self.assertEqual(len(camps), 3)
        off = camps[1]
        lines = ["date,conversions,campaign_id\n"]
        for r in rows:
            k = 1 / 1.6 if r["campaign_id"] == off else 0.95
            lines.append(f"{r['date']},{round(r['conversions'] * k)},{r['campaign_id']}\n")
        path = write(os.path.join(TMP, "backend_campaigns.csv"), "".join(lines))
        r, doc, _ = analyze("--input", EXPORT_CSV, "--backend-conversions", path)
        self.assertEqual(r.rc, 0, r)
        check_findings(self, doc)
        trends, dxs = self.tracking(doc)
        self.assertEqual(sorted(t["subject"]["campaign_id"] for t in trends), camps)
        self.assertEqual(len(dxs), 1, [d["summary"] for d in dxs])
        self.assertEqual(dxs[0]["campaign_id"], off)
        self.assertEqual(dxs[0]["level"], "campaign")
        name = next(r["campaign_name"] for r in rows if r["campaign_id"] == off)
        self.assertIn(name, dxs[0]["summary"])
        plat = sum(r["conversions"] for r in rows if r["campaign_id"] == off)
        self.assertIn(f"{plat:.0f}", dxs[0]["summary"])

    def test_malformed_backend(self):
        cases = [
            ("bad_date.csv", "date,conversions\n2026-10-01,10\n2026-13-02,5\n", 3, 1, "date"),
            ("bad_count.csv", "date,conversions\n2026-10-01,10\n2026-10-02,abc\n", 3, 12,
             "conversions"),
            ("no_date_col.csv", "day_of_sale,conversions\n2026-10-01,10\n", 1, 1, "date"),
        ]
        for name, text, line, col, word in cases:
            with self.subTest(name):
                path = write(os.path.join(TMP, name), text)
                out = fresh_dir("bad-backend")
                r = run("analyze", "--input", EXPORT_CSV, "--out", out,
                        "--backend-conversions", path)
                self.assertEqual(r.rc, 2, r)
                self.assertIn(f"{path}:{line}:{col}:", r.err)
                self.assertIn(word, r.err)
                self.assertFalse(os.path.exists(out), r)
                self.assertEqual(r.out, "")


# -------------------------------------------------------------------------------------- config

class Config(unittest.TestCase):
    def cfg(self, name, text):
        return write(os.path.join(TMP, name), text)

    def refused(self, name, text, *words, timeout=10):
        path = self.cfg(name, text)
        out = fresh_dir("bad-config")
        r = run("analyze", "--input", EXPORT_CSV, "--out", out, "--config", path,
                timeout=timeout)
        self.assertEqual(r.rc, 2, r)
        self.assertFalse(os.path.exists(out), r)
        self.assertIn(path, r.err)
        for w in words:
            self.assertIn(w, r.err, r)
        c = run("config", "check", path, timeout=timeout)
        self.assertEqual(c.rc, 2, c)
        self.assertEqual(c.out, "")
        return r

    def test_alpha_from_config(self):
        path = self.cfg("alpha.lua", "return {analysis = {alpha = 0.01}}\n")
        r, doc, _ = analyze("--input", EXPORT_CSV, "--config", path)
        self.assertEqual(r.rc, 0, r)
        check_findings(self, doc, alpha=0.01)
        c = run("config", "check", path)
        self.assertEqual(c.rc, 0, c)
        self.assertRegex(c.out, r"\n\s*alpha = 0\.01,")

    def test_globals_style(self):
        path = self.cfg("globals.lua", "analysis = {alpha = 0.02}\n")
        r, doc, _ = analyze("--input", EXPORT_CSV, "--config", path)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(doc["alpha"], 0.02)

    def test_threshold_changes_diagnoses(self):
        # weak-hook threshold below every observed hook lift: no weak_hook at all
        path = self.cfg("hook.lua", "return {diagnose = {weak_hook = {max_lift = -0.9}}}\n")
        r, doc, _ = analyze("--input", EXPORT_CSV, "--config", path)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual([d for d in doc["diagnoses"] if d["code"] == "weak_hook"], [])

    def test_unknown_key_suggests(self):
        self.refused("typo.lua", "return {analysis = {alpah = 0.01}}\n", "analysis.alpah",
                     "'analysis.alpha'")

    def test_unknown_section(self):
        self.refused("section.lua", "return {analysys = {alpha = 0.01}}\n", "analysys")

    def test_wrong_type(self):
        self.refused("type.lua", 'return {analysis = {alpha = "x"}}\n', "analysis.alpha",
                     "number")

    def test_out_of_range(self):
        self.refused("range.lua", "return {analysis = {alpha = 2}}\n", "analysis.alpha")
        self.refused("whole.lua", "return {analysis = {window_days = 2.5}}\n",
                     "analysis.window_days")

    def test_bad_mode_value(self):
        self.refused("mode.lua", 'return {analysis = {mode = "frequentist"}}\n', "analysis.mode")

    def test_syntax_error_has_line(self):
        r = self.refused("syntax.lua", "return {\n  analysis = {alpha = 0.01\n}\n}}\n")
        self.assertRegex(r.err, re.escape(os.path.join(TMP, "syntax.lua")) + r":4:")

    def test_not_a_table(self):
        self.refused("number.lua", "return 42\n", "table")

    def test_infinite_loop(self):
        r = self.refused("loop.lua", "while true do end\n", "instruction budget", timeout=10)
        self.assertLess(r.seconds, 5)

    def test_infinite_loop_behind_pcall(self):
        # the count hook raises inside the inner function; pcall catches it and the outer loop
        # starts another one: the budget must still end the script
        r = self.refused("pcall_loop.lua",
                         "while true do pcall(function() while true do end end) end\n",
                         "instruction budget", timeout=5)
        self.assertLess(r.seconds, 5)

    def test_budget_overrun_swallowed_by_pcall(self):
        # a script that exceeds the budget, catches the error and returns a table anyway
        self.refused("pcall_swallow.lua",
                     "for i = 1, 3 do pcall(function() while true do end end) end\n"
                     "return {analysis = {alpha = 0.01}}\n", "instruction budget", timeout=5)

    def test_memory_bomb(self):
        self.refused("mem.lua", 'local s = string.rep("x", 1 << 27)\nreturn {}\n', "memory")

    def test_no_os_io_require_load(self):
        marker = os.path.join(TMP, "PWNED")
        for name, text in [
                ("exec.lua", f'os.execute("touch {marker}")\nreturn {{}}\n'),
                ("io.lua", f'local f = io.open("{marker}", "w") f:write("x") f:close()\n'
                           'return {}\n'),
                ("require.lua", f'require("os").execute("touch {marker}")\nreturn {{}}\n'),
                ("load.lua", f'load("os.execute([[touch {marker}]])")()\nreturn {{}}\n'),
                ("dofile.lua", 'dofile("/etc/passwd")\nreturn {}\n'),
                ("dump.lua", "local s = string.dump(function() end)\nreturn {}\n")]:
            with self.subTest(name):
                self.refused(name, text)
                self.assertFalse(os.path.exists(marker), name)

    def test_binary_chunk_refused(self):
        self.refused("binary.lua", "\x1bLua\x54\x00", "binary")

    def test_defaults_round_trip(self):
        d = run("config", "defaults")
        self.assertEqual(d.rc, 0, d)
        path = self.cfg("defaults.lua", d.out)
        c = run("config", "check", path)
        self.assertEqual(c.rc, 0, c)
        self.assertEqual(c.out, d.out)
        for key, val in (("alpha", "0.05"), ("mode", '"sequential"'), ("tolerance", "0.2")):
            self.assertRegex(d.out, rf"\n\s*{key} = {re.escape(val)},")
        # every section once: a section printed twice makes Lua keep only the second table, so
        # the first one's settings would silently read back as defaults (found by fuzz_config
        # when net.ca_file was first listed between two mail keys)
        top = re.findall(r"^  ([a-z_]+) = \{$", d.out, re.M)
        self.assertEqual(len(top), len(set(top)), f"a section printed twice: {top}")
        # and analyze accepts it, with the same findings as no config at all
        r, doc, _ = analyze("--input", EXPORT_CSV, "--config", path)
        self.assertEqual(r.rc, 0, r)
        _, base, _ = analyze("--input", EXPORT_CSV)
        self.assertEqual(doc, base)


# ----------------------------------------------------------------------------- bad usage/input

class BadInput(unittest.TestCase):
    def assert_refused(self, args, out, *words):
        r = run("analyze", *args)
        self.assertEqual(r.rc, 2, r)
        self.assertEqual(r.out, "", r)
        self.assertTrue(r.err.strip(), r)
        if out is not None:
            self.assertFalse(os.path.exists(out), r)
        for w in words:
            self.assertIn(w, r.err, r)
        return r

    def test_missing_out(self):
        self.assert_refused(["--input", EXPORT_CSV], None, "--out")

    def test_missing_input(self):
        out = fresh_dir("no-input")
        self.assert_refused(["--out", out], out, "--input")

    def test_positional_argument(self):
        out = fresh_dir("positional")
        self.assert_refused([EXPORT_CSV, "--out", out], out)

    def test_missing_file(self):
        out = fresh_dir("missing-file")
        self.assert_refused(["--input", os.path.join(TMP, "nope.csv"), "--out", out], out,
                            "nope.csv")

    def test_bad_csv_located(self):
        with open(BAD_NUMBER_CSV, encoding="utf-8") as f:
            line3 = f.read().splitlines()[2]
        col = line3.index("12x") + 1
        out = fresh_dir("bad-csv")
        r = self.assert_refused(["--input", BAD_NUMBER_CSV, "--out", out], out, "Impressions")
        self.assertIn(f"{BAD_NUMBER_CSV}:3:{col}:", r.err)

    def test_bad_csv_after_a_good_one(self):
        out = fresh_dir("good-then-bad")
        self.assert_refused(["--input", EXPORT_CSV, BAD_NUMBER_CSV, "--out", out], out,
                            f"{BAD_NUMBER_CSV}:3:")

    def test_existing_out_left_alone_on_failure(self):
        out = fresh_dir("existing")
        os.makedirs(out)
        old = b'{"schema": "hookline.findings/1", "old": true}\n'
        with open(os.path.join(out, "findings.json"), "wb") as f:
            f.write(old)
        with open(os.path.join(out, "notes.txt"), "wb") as f:
            f.write(b"mine\n")
        before = tree(out)
        bad_cfg = write(os.path.join(TMP, "existing_bad.lua"), "return {bogus = 1}\n")
        bad_backend = write(os.path.join(TMP, "existing_bad_backend.csv"),
                            "date,conversions\nyesterday,3\n")
        for args in (["--input", BAD_NUMBER_CSV],
                     ["--input", EXPORT_CSV, "--config", bad_cfg],
                     ["--input", EXPORT_CSV, "--backend-conversions", bad_backend],
                     ["--input", EXPORT_CSV, "--as-of", "2026-09-01"],
                     ["--input", EXPORT_CSV, "--mode", "nonsense"]):
            with self.subTest(args=args):
                self.assert_refused([*args, "--out", out], None)
                self.assertEqual(tree(out), before)
        # and a good run replaces it atomically, leaving no temporary file behind
        r = run("analyze", "--input", EXPORT_CSV, "--out", out)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(temp_like(os.listdir(out)), [])
        after = tree(out)
        self.assertEqual(after["notes.txt"], b"mine\n")
        self.assertEqual(no_nan_json(after["findings.json"].decode())["schema"], SCHEMA)

    def test_as_of_before_the_data(self):
        out = fresh_dir("early")
        self.assert_refused(["--input", EXPORT_CSV, "--out", out, "--as-of", "2026-09-30"], out)

    def test_bad_as_of(self):
        for v in ("2026-02-30", "yesterday", "2026-10-32", ""):
            out = fresh_dir("bad-as-of")
            self.assert_refused(["--input", EXPORT_CSV, "--out", out, "--as-of", v], out,
                                "--as-of")

    def test_bad_mode(self):
        out = fresh_dir("bad-mode")
        self.assert_refused(["--input", EXPORT_CSV, "--out", out, "--mode", "nonsense"], out,
                            "nonsense")

    def test_bad_alpha(self):
        for v in ("0", "1", "2", "-0.05", "x", "0.05x", "nan"):
            out = fresh_dir("bad-alpha")
            self.assert_refused(["--input", EXPORT_CSV, "--out", out, "--alpha", v], out,
                                "--alpha")

    def test_unknown_option(self):
        out = fresh_dir("bad-option")
        self.assert_refused(["--input", EXPORT_CSV, "--out", out, "--bogus"], out)

    def test_strict(self):
        funnel = os.path.join(DATA, "ingest", "funnel_warn.csv")
        # without --strict: a warning, and the findings stay finite (clicks > impressions)
        r, doc, _ = analyze("--input", funnel)
        self.assertEqual(r.rc, 0, r)
        self.assertIn("--strict", r.err)
        check_findings(self, doc)
        # with it: an error located in the file, nothing written
        out = fresh_dir("strict")
        self.assert_refused(["--input", funnel, "--out", out, "--strict"], out,
                            f"{funnel}:2:1:", "clicks > impressions")
        # the example has no inconsistency: --strict changes nothing
        r, doc, _ = analyze("--input", EXPORT_CSV, "--strict")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(doc, analyze("--input", EXPORT_CSV)[1])

    def test_help(self):
        r = run("analyze", "--help")
        self.assertEqual(r.rc, 0, r)
        for w in ("--input", "--out", "--as-of", "--mode", "--alpha", "--backend-conversions"):
            self.assertIn(w, r.out)


# ------------------------------------------------------------------------------ degenerate data

HEADER = ["By Day", "Campaign name", "Campaign ID", "Ad group name", "Ad group ID", "Ad name",
          "Ad ID", "Currency", "Cost", "Impressions", "Reach", "Clicks (destination)",
          "Conversions", "Video views", "2-second video views", "6-second video views",
          "Video views at 100%", "Purchases (website)", "Purchase value (website)"]


def binom(rng, n, p):
    """A binomial-ish draw (normal approximation), in [0, n]."""
    if n <= 0 or p <= 0:
        return 0
    sd = math.sqrt(n * p * (1 - min(p, 1.0)))
    return max(0, min(n, int(round(rng.gauss(n * p, sd)))))


def ad_day(rng, date, camp, group, ad, imp, ctr, cvr, shock):
    """One export row; every rate gets the ad-day shock (day-level overdispersion)."""
    if imp == 0:
        return [date, *camp, *group, *ad, "USD", "0.00", 0, 0, 0, 0, 0, 0, 0, 0, 0, "0.00"]
    imp = max(1, int(round(imp * math.exp(rng.gauss(0, 0.15)))))
    plays = binom(rng, imp, 0.93)
    v2 = binom(rng, imp, 0.32 * shock())
    v6 = binom(rng, v2, 0.45 * shock())
    p100 = binom(rng, plays, 0.05 * shock())
    clicks = binom(rng, imp, ctr * shock())
    conv = binom(rng, clicks, cvr * shock())
    spend = imp * 9.0 * shock() / 1000
    value = conv * 42.0 * shock()
    return [date, *camp, *group, *ad, "USD", f"{spend:.2f}", imp, max(1, round(imp / 1.15)),
            clicks, conv, plays, v2, v6, p100, conv, f"{value:.2f}"]


def write_export(path, rows):
    def cell(v):
        s = str(v)
        return '"' + s.replace('"', '""') + '"' if any(ch in s for ch in ',"\n') else s
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(",".join(HEADER) + "\r\n")
        for r in rows:
            f.write(",".join(cell(v) for v in r) + "\r\n")
    return path


CAMP_A = ("Camp zero clicks", "1800000000000000001")
CAMP_B = ("Camp singles", "1800000000000000002")
CAMP_C = ("Camp alone", "1800000000000000003")
G_ZERO = ("Zero clicks", "1800000000000000011")
G_NORMAL = ("Normal", "1800000000000000012")
G_DARK = ("Never delivered", "1800000000000000013")
G_SINGLE = ("Single ad", "1800000000000000021")
G_PAIR = ("Pair", "1800000000000000022")
G_ALONE = ("Alone", "1800000000000000031")


def ad(group, i):
    return (f"{group[0]} ad {i}", f"{group[1][:-3]}{group[1][-2:]}{i}")


def degenerate_export(path, days, seed=7):
    """Ad group G_ZERO: 3 ads with impressions and views but 0 clicks and 0 conversions every
    day; G_NORMAL: 3 ordinary ads; G_DARK: 2 ads with rows of 0 impressions every day (all in
    CAMP_A); CAMP_B: a single-ad ad group and a two-ad ad group; CAMP_C: one ad group of one
    ad. Returns the ad rows."""
    rng = random.Random(seed)
    shock = lambda: math.exp(rng.gauss(0, 0.1))
    rows = []
    start = dt.date(2026, 10, 1)
    plan = [(CAMP_A, G_ZERO, 3, 20000, 0.0, 0.0), (CAMP_A, G_NORMAL, 3, 20000, 0.012, 0.06),
            (CAMP_A, G_DARK, 2, 0, 0.012, 0.06), (CAMP_B, G_SINGLE, 1, 15000, 0.012, 0.06),
            (CAMP_B, G_PAIR, 2, 15000, 0.011, 0.06), (CAMP_C, G_ALONE, 1, 12000, 0.012, 0.06)]
    for d in range(days):
        date = d2s(start + dt.timedelta(days=d))
        for camp, group, k, imp, ctr, cvr in plan:
            for i in range(k):
                rows.append(ad_day(rng, date, camp, group, ad(group, i), imp, ctr, cvr, shock))
    write_export(path, rows)
    return rows


class Degenerate(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.csv14 = os.path.join(TMP, "degenerate_14d.csv")
        degenerate_export(cls.csv14, 14)
        cls.csv1 = os.path.join(TMP, "degenerate_1d.csv")
        degenerate_export(cls.csv1, 1, seed=8)
        cls.r14, cls.doc14, _ = analyze("--input", cls.csv14)
        cls.r1, cls.doc1, _ = analyze("--input", cls.csv1)

    def of_group(self, doc, group, level="ad"):
        return [c for c in doc["comparisons"]
                if c["subject"]["adgroup_id"] == group[1] and c["subject"]["level"] == level]

    def test_runs_clean(self):
        for r, doc, as_of in ((self.r14, self.doc14, "2026-10-14"),
                              (self.r1, self.doc1, "2026-10-01")):
            self.assertEqual(r.rc, 0, r)
            self.assertIsNotNone(doc, r)
            check_findings(self, doc, as_of=as_of)

    def test_counts(self):
        check_counts_against_metrics(self, self.doc14, self.csv14)
        check_counts_against_metrics(self, self.doc1, self.csv1)

    def test_zero_click_group(self):
        cs = self.of_group(self.doc14, G_ZERO)
        by = {}
        for c in cs:
            by.setdefault(c["metric"], []).append(c)
        self.assertEqual(len(by["ctr"]), 3)
        for c in by["ctr"]:
            self.assertEqual((c["value"], c["reference"]), (0, 0))
            self.assertIsNone(c["lift"])
            self.assertEqual(c["decision"], "undecided")
        for c in by["cvr"]:  # no clicks: CVR is undefined, never 0 and never NaN
            self.assertIsNone(c["value"])
            self.assertIsNone(c["reference"])
            self.assertTrue(c["status"]["value"])
            self.assertEqual(c["decision"], "undecided")
        for c in by["cpa"]:
            self.assertIsNone(c["value"])
            self.assertEqual(c["decision"], "undecided")
        # the views are there and comparable
        self.assertEqual(len(by["hook_rate"]), 3)
        self.assertTrue(all(c["value"] is not None for c in by["hook_rate"]))
        # the goal (CPA: the campaign tracks conversions) cannot be judged: insufficient_data,
        # and nothing else is claimed about these identical ads
        for i in range(3):
            a = ad(G_ZERO, i)[1]
            codes = [d["code"] for d in diagnoses_of(self.doc14, a)]
            self.assertEqual(codes, ["insufficient_data"], a)
            d = diagnoses_of(self.doc14, a)[0]
            self.assertIn("CPA", d["summary"])
            self.assertIn("0 conversions", d["summary"])
        # the ad group against the other delivering one: CTR 0 vs > 0
        g = {c["metric"]: c for c in self.of_group(self.doc14, G_ZERO, "adgroup")}
        self.assertEqual(g["ctr"]["value"], 0)
        self.assertGreater(g["ctr"]["reference"], 0)

    def test_never_delivering_group(self):
        for level in ("ad", "adgroup"):
            self.assertEqual(self.of_group(self.doc14, G_DARK, level), [], level)

    def test_single_ad_groups(self):
        # no peers: no ad-level comparison, but the ad group is compared within its campaign
        self.assertEqual(self.of_group(self.doc14, G_SINGLE), [])
        self.assertEqual(len(self.of_group(self.doc14, G_SINGLE, "adgroup")), 9)
        self.assertEqual(len(self.of_group(self.doc14, G_PAIR)), 2 * 9)
        # a campaign of one ad group of one ad: nothing to compare it with
        self.assertEqual(self.of_group(self.doc14, G_ALONE), [])
        self.assertEqual(self.of_group(self.doc14, G_ALONE, "adgroup"), [])
        self.assertEqual(diagnoses_of(self.doc14, ad(G_ALONE, 0)[1]), [])

    def test_one_day(self):
        doc = self.doc1
        self.assertEqual((doc["from"], doc["as_of"]), ("2026-10-01", "2026-10-01"))
        self.assertTrue(doc["comparisons"])
        for c in doc["comparisons"]:
            self.assertEqual(c["decision"], "undecided")
            self.assertTrue(c["counts"]["below_minimum"])
            self.assertIsInstance(c["needed"], dict)
        for t in doc["trends"]:
            if t["metric"] in ("ctr", "cpm", "cpm_vs_account", "frequency"):
                self.assertEqual(t["direction"], "undecided")
                self.assertIsNone(t["change"])
                self.assertEqual(t["status"]["change"], "insufficient_data")
        codes = {d["code"] for d in doc["diagnoses"]}
        self.assertEqual(codes, {"insufficient_data"})
        # the ordinary ad group's ads each get it, with the sample still needed
        for i in range(3):
            ds = diagnoses_of(doc, ad(G_NORMAL, i)[1], "insufficient_data")
            self.assertEqual(len(ds), 1, i)
            self.assertRegex(ds[0]["summary"], r"about \d+ more conversions \(\d+ days")

    def test_needed_numbers_have_reasons(self):
        # DESIGN §5: never a silent gap. A null in "needed" must say why, like every other null.
        # (As of this test's writing, engine/outputs/findings_json.c drops the reasons of the
        # needed values, "w->slen = 0" after writing them, and prop_compare's zero-denominator
        # path in engine/compare/tests.c never sets them.)
        bad = []
        for name, doc in (("14 days", self.doc14), ("1 day", self.doc1)):
            bad += [f"{name}: {b}" for b in needed_nulls_without_reason(doc)]
        self.assertEqual(len(bad), 0, f"null needed.* without a reason, e.g. {bad[:4]}")


def main():
    print(f"hookline: {HOOKLINE}\nsource:   {SRC}\ndata:     {DATA}\ntmp:      {TMP}",
          flush=True)
    loader = unittest.defaultTestLoader
    module = sys.modules[__name__]
    suite = (loader.loadTestsFromNames(sys.argv[1:], module) if sys.argv[1:]
             else loader.loadTestsFromModule(module))
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    passed = result.testsRun - failed - len(result.skipped)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
