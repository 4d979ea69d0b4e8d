#!/usr/bin/env python3
"""test_metrics_cli.py — integration tests of `hookline metrics` (and the CLI's help, version and
usage errors) on the fixtures in tests/data/ingest and the bundled examples. Python 3 standard
library only. ctest passes HOOKLINE (the binary), HL_SOURCE_DIR and HL_TEST_DATA; without them
the defaults are <repo>/build/hookline, <repo> and <repo>/tests/data.

Run:  HOOKLINE=build/hookline python3 tests/integration/test_metrics_cli.py [TestClass[.test]...]
The last line of output is "N passed, M failed"; the exit status is non-zero on any failure.

What is checked (the contract of issue 2 and DESIGN.md §3, §4, §11):
  - counters are sums over the window of the days where they are present, null when absent on
    every day (never 0); metrics are DESIGN.md §4's formulas over the summed counters, null on a
    zero or missing denominator; the example's aggregates equal sums computed here independently;
  - the CSV export and the API JSON of the same data give the same aggregates at every level;
  - each export quirk ingests; each bad input exits 2 with a `file:line:col:` message (or the
    file's name for whole-file errors), prints nothing on stdout and creates no output file.
"""
import csv
import datetime as dt
import functools
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import unicodedata
import unittest

SRC = os.environ.get("HL_SOURCE_DIR") or os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DATA = os.environ.get("HL_TEST_DATA") or os.path.join(SRC, "tests", "data")
HOOKLINE = os.environ.get("HOOKLINE") or os.path.join(SRC, "build", "hookline")
INGEST = os.path.join(DATA, "ingest")
EXAMPLES = os.path.join(SRC, "examples")
EXPORT_CSV = os.path.join(EXAMPLES, "tiktok-export.csv")
REPORT_JSONL = os.path.join(EXAMPLES, "tiktok-report.jsonl")
REPORT_PAGE = os.path.join(EXAMPLES, "tiktok-report-page.json")

COUNTERS = ["spend", "impressions", "reach", "clicks", "conversions", "video_plays", "views_2s",
            "views_6s", "views_p25", "views_p50", "views_p75", "views_p100", "landing_page_views",
            "add_to_cart", "purchases", "purchase_value"]

# DESIGN.md §4: name -> (numerator, denominator, scale)
METRICS = {
    "ctr": ("clicks", "impressions", 1),
    "cpc": ("spend", "clicks", 1),
    "cpm": ("spend", "impressions", 1000),
    "cvr": ("conversions", "clicks", 1),
    "cpa": ("spend", "conversions", 1),
    "roas": ("purchase_value", "spend", 1),
    "hook_rate": ("views_2s", "impressions", 1),
    "view_rate_6s": ("views_6s", "impressions", 1),
    "hold_rate": ("views_6s", "views_2s", 1),
    "play_rate": ("video_plays", "impressions", 1),
    "completion_rate": ("views_p100", "video_plays", 1),
    "view_rate_p25": ("views_p25", "video_plays", 1),
    "view_rate_p50": ("views_p50", "video_plays", 1),
    "view_rate_p75": ("views_p75", "video_plays", 1),
    "view_rate_p100": ("views_p100", "video_plays", 1),
    "frequency": ("impressions", "reach", 1),
    "cost_per_landing_page_view": ("spend", "landing_page_views", 1),
    "cost_per_add_to_cart": ("spend", "add_to_cart", 1),
}

LEVEL_KEY = {"ad": "ad_id", "adgroup": "adgroup_id", "campaign": "campaign_id",
             "advertiser": "advertiser_id"}
# id/name columns a row of each level may carry, and those it must not carry
LEVEL_FIELDS = {
    "ad": ["ad_id", "ad_name", "adgroup_id", "adgroup_name", "campaign_id", "campaign_name",
           "advertiser_id"],
    "adgroup": ["adgroup_id", "adgroup_name", "campaign_id", "campaign_name", "advertiser_id"],
    "campaign": ["campaign_id", "campaign_name", "advertiser_id"],
    "advertiser": ["advertiser_id"],
}
ALL_FIELDS = LEVEL_FIELDS["ad"]

REL = 1e-9
LOC = r":(\d+):(\d+):"


# ------------------------------------------------------------------------------ running the CLI

class Result:
    def __init__(self, args, rc, out, err):
        self.args, self.rc, self.out, self.err = args, rc, out, err

    def __repr__(self):
        return (f"hookline {' '.join(self.args)}\n  exit {self.rc}\n  stdout: {self.out[:1500]!r}"
                f"\n  stderr: {self.err[:1500]!r}")

    def warnings(self):
        return [ln for ln in self.err.splitlines() if ln.startswith("hookline: warning:")]


@functools.lru_cache(maxsize=None)
def _run(args):
    try:
        p = subprocess.run([HOOKLINE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, timeout=120)
    except FileNotFoundError:
        return Result(args, -1, "", f"cannot run {HOOKLINE}: not found (build first)")
    except subprocess.TimeoutExpired:
        return Result(args, -1, "", "timed out after 120 s")
    return Result(args, p.returncode, p.stdout.decode("utf-8", "replace"),
                  p.stderr.decode("utf-8", "replace"))


def run(*args):
    return _run(tuple(str(a) for a in args))


def run_env(env, *args):
    """Like run, with extra environment variables (not cached)."""
    args = tuple(str(a) for a in args)
    p = subprocess.run([HOOKLINE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, timeout=120, env={**os.environ, **env})
    return Result(args, p.returncode, p.stdout.decode("utf-8", "replace"),
                  p.stderr.decode("utf-8", "replace"))


def display_width(s):
    """Terminal columns of s: wide/full-width characters (CJK, most emoji) take 2, combining
    marks and format characters 0 (what wcwidth(3) says)."""
    w = 0
    for ch in s:
        if unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return w


def no_nan_json(text):
    def bad(c):
        raise ValueError(f"non-finite JSON number {c}")
    return json.loads(text, parse_constant=bad)


def ing(name):
    return os.path.join(INGEST, name)


# ---------------------------------------------------------------------- independent arithmetic

def ratio(a, b, k=1):
    if a is None or b is None or b == 0:
        return None
    return k * a / b


def expected_metrics(c):
    return {m: ratio(c.get(n), c.get(d), k) for m, (n, d, k) in METRICS.items()}


def close(a, b, rel=REL):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= rel * max(abs(a), abs(b)) + 1e-12


def parse_export_number(s):
    """The test's own reading of an export cell (comma-separated exports only)."""
    s = s.strip()
    if s in ("", "-", "--", "<5"):
        return None
    s = s.replace("$", "").replace(",", "")
    if s.endswith("%"):
        s = s[:-1]
    return float(s)


def norm_header(h):
    return " ".join(h.replace("\u00a0", " ").split()).lower()


EXPORT_LABELS = {
    "cost": "spend", "impressions": "impressions", "reach": "reach",
    "clicks (destination)": "clicks", "conversions": "conversions", "video views": "video_plays",
    "2-second video views": "views_2s", "6-second video views": "views_6s",
    "video views at 25%": "views_p25", "video views at 50%": "views_p50",
    "video views at 75%": "views_p75", "video views at 100%": "views_p100",
    "landing page views (website)": "landing_page_views",
    "adds to cart (website)": "add_to_cart", "purchases (website)": "purchases",
    "purchase value (website)": "purchase_value",
}
EXPORT_FIELDS = {"by day": "date", "campaign name": "campaign_name", "campaign id": "campaign_id",
                 "ad group name": "adgroup_name", "ad group id": "adgroup_id",
                 "ad name": "ad_name", "ad id": "ad_id", "currency": "currency"}
API_COUNTERS = {
    "spend": "spend", "impressions": "impressions", "reach": "reach", "clicks": "clicks",
    "conversion": "conversions", "video_play_actions": "video_plays",
    "video_watched_2s": "views_2s", "video_watched_6s": "views_6s",
    "video_views_p25": "views_p25", "video_views_p50": "views_p50",
    "video_views_p75": "views_p75", "video_views_p100": "views_p100",
    "total_landing_page_view": "landing_page_views", "web_event_add_to_cart": "add_to_cart",
    "complete_payment": "purchases", "total_complete_payment_rate": "purchase_value",
}


def facts_from_export(path):
    """(ad, date) facts of a comma-separated export, parsed here with the csv module."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    header = [norm_header(h) for h in rows[0]]
    facts = []
    for r in rows[1:]:
        if r and r[0].startswith("Total of"):
            continue
        fact = {"counters": {}, "advertiser_id": None}
        for h, cell in zip(header, r):
            if h in EXPORT_FIELDS:
                fact[EXPORT_FIELDS[h]] = cell
            elif h in EXPORT_LABELS:
                fact["counters"][EXPORT_LABELS[h]] = parse_export_number(cell)
        facts.append(fact)
    return facts


def api_number(v):
    if v is None or v == "-":
        return None
    return float(v)


def fact_from_api(obj):
    m = obj["metrics"]
    fact = {"advertiser_id": obj.get("advertiser_id"), "ad_id": obj["dimensions"]["ad_id"],
            "date": obj["dimensions"]["stat_time_day"][:10], "counters": {}}
    for k in ("campaign_id", "campaign_name", "adgroup_id", "adgroup_name", "ad_name",
              "currency"):
        fact[k] = m.get(k)
    for api, name in API_COUNTERS.items():
        if api in m:
            fact["counters"][name] = api_number(m[api])
    return fact


def facts_from_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [fact_from_api(json.loads(ln)) for ln in f if ln.strip()]


def facts_from_page(path):
    with open(path, encoding="utf-8") as f:
        return [fact_from_api(o) for o in json.load(f)["data"]["list"]]


def aggregate(facts, level, date_from=None, date_to=None, by_day=False):
    """{key: {"counters":..., "days":..., names...}} — the contract's aggregation, done here."""
    key_field = LEVEL_KEY[level]
    out = {}
    for f in facts:
        if date_from and f["date"] < date_from or date_to and f["date"] > date_to:
            continue
        key = (f[key_field], f["date"]) if by_day else f[key_field]
        a = out.setdefault(key, {"counters": {c: None for c in COUNTERS}, "dates": set()})
        for fld in LEVEL_FIELDS[level]:
            a[fld] = f.get(fld)
        a["dates"].add(f["date"])
        for c, v in f["counters"].items():
            if v is not None:
                a["counters"][c] = (a["counters"][c] or 0) + v
    for a in out.values():
        a["days"] = len(a["dates"])
    return out


# ----------------------------------------------------------------------------------- the tests

class CliTestCase(unittest.TestCase):
    maxDiff = 4000

    def metrics_json(self, *args, expect_rc=0):
        r = run("metrics", *args, "--format", "json")
        self.assertEqual(r.rc, expect_rc, r)
        try:
            doc = no_nan_json(r.out)
        except ValueError as e:
            self.fail(f"stdout is not JSON ({e}): {r!r}")
        self.assertIsInstance(doc, dict, r)
        self.assertIsInstance(doc.get("rows"), list, r)
        return doc, r

    def rows_by(self, doc, key):
        rows = {}
        for row in doc["rows"]:
            self.assertIn(key, row, row)
            self.assertNotIn(row[key], rows, f"two rows for {key}={row[key]!r}")
            rows[row[key]] = row
        return rows

    def assert_number_or_null(self, row, k):
        v = row.get(k)
        self.assertTrue(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)),
                        f"{k} = {v!r} is neither a number nor null in {row}")

    def assert_counters(self, row, expected, label=""):
        """expected: {counter: value or None}; counters not listed must be null."""
        for c in COUNTERS:
            self.assertIn(c, row, f"{label}: counter {c} missing from row {row}")
            self.assert_number_or_null(row, c)
            want = expected.get(c)
            self.assertTrue(close(row[c], want),
                            f"{label}: {c} = {row[c]!r}, expected {want!r}")

    def assert_metrics(self, row, counters, label=""):
        full = {c: counters.get(c) for c in COUNTERS}
        for m, want in expected_metrics(full).items():
            self.assertIn(m, row, f"{label}: metric {m} missing from row {row}")
            self.assert_number_or_null(row, m)
            self.assertTrue(close(row[m], want),
                            f"{label}: {m} = {row[m]!r}, expected {want!r} from {full}")

    def assert_error(self, args, name, line=None, col=None, keywords=(), located=True):
        """Runs `hookline metrics ARGS --output TMP/out.json`; asserts exit 2, a message naming the
        file (with line:col when located), the keywords, empty stdout, and no file created."""
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "out.json")
            r = run("metrics", *args, "--format", "json", "--output", out)
            self.assertEqual(r.rc, 2, r)
            self.assertFalse(os.path.exists(out), f"output file was created: {r!r}")
            self.assertEqual(os.listdir(tmp), [], f"files left behind: {r!r}")
        self.assertEqual(r.out, "", f"something written on stdout: {r!r}")
        self.assertIn(name, r.err, r)
        m = None
        if located:
            m = re.search(re.escape(name) + LOC, r.err)
            self.assertTrue(m, f"no '{name}:LINE:COL:' in stderr: {r!r}")
            if line is not None:
                self.assertEqual(int(m.group(1)), line, r)
            if col is not None:
                self.assertEqual(int(m.group(2)), col, r)
        for k in keywords:
            self.assertIn(k.lower(), r.err.lower(), f"keyword {k!r} not in stderr: {r!r}")
        return r, m


# BASIC in tests/tools/gen_ingest_fixtures.py: two ads, two days
AD1, AD2, AD3, AD4 = ("1800000000000000101", "1800000000000000102", "1800000000000000103",
                      "1800000000000000104")
BASIC = {
    AD1: dict(spend=22.5, impressions=2500, reach=2200, clicks=30, conversions=3,
              video_plays=2350, views_2s=750, views_6s=320),
    AD2: dict(spend=10.0, impressions=1500, reach=1430, clicks=7, conversions=1,
              video_plays=1410, views_2s=350, views_6s=100),
}


class QuirkFixtures(CliTestCase):
    """Every quirk of real exports and reports ingests, with hand-checked numbers."""

    def check_basic(self, *files, names=True):
        doc, r = self.metrics_json("--input", *[ing(f) for f in files])
        self.assertEqual(doc.get("level"), "ad", r)
        self.assertEqual(doc.get("from"), "2026-10-01", r)
        self.assertEqual(doc.get("to"), "2026-10-02", r)
        rows = self.rows_by(doc, "ad_id")
        self.assertEqual(sorted(rows), [AD1, AD2], r)
        for ad, exp in BASIC.items():
            row = rows[ad]
            self.assert_counters(row, exp, f"{files} {ad}")
            self.assert_metrics(row, exp, f"{files} {ad}")
            self.assertEqual(row.get("days"), 2, row)
            self.assertEqual(row.get("currency"), "USD", row)
            self.assertEqual(row.get("campaign_id"), "1800000000000000001", row)
            self.assertEqual(row.get("adgroup_id"), "1800000000000000011", row)
            self.assertEqual(row.get("campaign_name"), "Camp A", row)
            self.assertEqual(row.get("adgroup_name"), "AG 1", row)
        if names:
            self.assertEqual(rows[AD1].get("ad_name"), "Ad one")
            self.assertEqual(rows[AD2].get("ad_name"), "Ad two")
        return doc, r

    def test_bom(self):
        self.check_basic("bom.csv")

    def test_totals_row_skipped(self):
        self.check_basic("totals_row.csv")

    def test_date_header_variants(self):
        docs = []
        for f in ("date_header_by_day.csv", "date_header_date.csv", "date_header_day.csv"):
            doc, _ = self.check_basic(f)
            docs.append(doc["rows"])
        self.assertEqual(docs[0], docs[1])
        self.assertEqual(docs[0], docs[2])

    def test_nbsp_and_spacing_in_headers(self):
        self.check_basic("nbsp_header.csv")

    def test_crlf(self):
        doc, _ = self.check_basic("crlf.csv", names=False)
        rows = self.rows_by(doc, "ad_id")
        self.assertEqual(rows[AD1]["ad_name"], "Ad one")
        self.assertIn(rows[AD2]["ad_name"], ("Ad\r\ntwo", "Ad\ntwo"))

    def test_dup_identical_counted_once(self):
        self.check_basic("dup_identical.csv")

    def test_quoted_names(self):
        doc, r = self.metrics_json("--input", ing("quoted_names.csv"))
        rows = self.rows_by(doc, "ad_id")
        want = {AD1: ("Hook A, v2", 1000), AD2: ('The "best" hook', 2000),
                AD3: ("Line one\nline two", 3000), AD4: ('=HYPERLINK("http://x")', 4000)}
        self.assertEqual(sorted(rows), sorted(want), r)
        for ad, (name, imp) in want.items():
            self.assertEqual(rows[ad]["ad_name"], name)
            self.assertEqual(rows[ad]["campaign_name"], 'Camp A, "spring"')
            self.assertEqual(rows[ad]["impressions"], imp)
            self.assertTrue(close(rows[ad]["spend"], imp / 1000), rows[ad])

    def test_csv_output_neutralises_formulas(self):
        # DESIGN.md §10: CSV output neutralises cells starting with = + - @ tab CR
        r = run("metrics", "--input", ing("quoted_names.csv"), "--format", "csv")
        self.assertEqual(r.rc, 0, r)
        rows = list(csv.reader(io.StringIO(r.out, newline="")))
        i = rows[0].index("ad_name")
        cells = [row[i] for row in rows[1:]]
        self.assertTrue(any("HYPERLINK" in c for c in cells), r)
        for c in cells:
            self.assertFalse(c[:1] in ("=", "+", "-", "@", "\t", "\r"), f"cell {c!r} in {r!r}")

    def test_thousands_currency_percent(self):
        doc, r = self.metrics_json("--input", ing("thousands_currency_percent.csv"))
        rows = self.rows_by(doc, "ad_id")
        exp1 = dict(spend=3234.56, impressions=3234567, reach=2487654, clicks=32345,
                    conversions=2234, video_plays=3100000, views_2s=1000000, views_6s=400000)
        exp2 = dict(spend=0.99, impressions=999, reach=950, clicks=9, conversions=0,
                    video_plays=900, views_2s=300, views_6s=100)
        for ad, exp in ((AD1, exp1), (AD2, exp2)):
            self.assert_counters(rows[ad], exp, ad)
            self.assert_metrics(rows[ad], exp, ad)
        # the export's own CTR/CPC/CVR columns are ignored, not kept as extra columns
        for k in rows[AD1]:
            self.assertFalse(k.startswith(("ctr_", "cpc_", "conversion_rate")), k)

    def test_missing_values_are_null_not_zero(self):
        doc, r = self.metrics_json("--input", ing("missing_values.csv"))
        rows = self.rows_by(doc, "ad_id")
        exp1 = dict(spend=60, impressions=6000, reach=None, clicks=60, conversions=5,
                    video_plays=5400, views_2s=1800, views_6s=600, landing_page_views=None,
                    purchase_value=None)
        exp2 = dict(spend=10, impressions=1000, reach=850, clicks=0, conversions=0,
                    video_plays=None, views_2s=220, views_6s=50, landing_page_views=0,
                    purchase_value=0)
        self.assert_counters(rows[AD1], exp1, "Ad one")
        self.assert_metrics(rows[AD1], exp1, "Ad one")
        self.assert_counters(rows[AD2], exp2, "Ad two")
        self.assert_metrics(rows[AD2], exp2, "Ad two")
        self.assertEqual(rows[AD1]["days"], 3)
        # spot checks of the distinction, spelled out
        self.assertIsNone(rows[AD1]["reach"])
        self.assertIsNone(rows[AD1]["frequency"])
        self.assertIsNone(rows[AD1]["cost_per_landing_page_view"])
        self.assertEqual(rows[AD2]["landing_page_views"], 0)
        self.assertEqual(rows[AD2]["ctr"], 0)
        self.assertIsNone(rows[AD2]["cpc"])
        self.assertIsNone(rows[AD2]["play_rate"])

    def test_lt5_is_missing(self):
        doc, r = self.metrics_json("--input", ing("lt5.csv"))
        rows = self.rows_by(doc, "ad_id")
        exp1 = dict(BASIC[AD1], conversions=7)
        exp2 = dict(BASIC[AD2], conversions=None)
        self.assert_counters(rows[AD1], exp1, "Ad one")
        self.assert_metrics(rows[AD1], exp1, "Ad one")
        self.assert_counters(rows[AD2], exp2, "Ad two")
        self.assert_metrics(rows[AD2], exp2, "Ad two")

    def test_lt5_has_a_note(self):
        doc, r = self.metrics_json("--input", ing("lt5.csv"))
        notes = r.err + " ".join(str(c) for c in doc.get("caveats") or [])
        self.assertIn("<5", notes, f"no note about '<5' cells on stderr or in caveats: {r!r}")

    def test_no_id_columns(self):
        doc, r = self.metrics_json("--input", ing("no_ad_id.csv"))
        self.assertTrue(r.warnings(), f"no warning about name keys: {r!r}")
        rows = doc["rows"]
        self.assertEqual(len(rows), 3, r)
        ids = [row["ad_id"] for row in rows]
        for i in ids:
            self.assertIsInstance(i, str)
            self.assertRegex(i, r"^n:[0-9a-f]{16}$")
        self.assertEqual(len(set(ids)), 3, ids)
        got = sorted((row["campaign_name"], row["adgroup_name"], row["ad_name"],
                      row["impressions"], row["days"]) for row in rows)
        self.assertEqual(got, [("Camp A", "AG 1", "Hook test", 2100, 2),
                               ("Camp A", "AG 2", "Hook test", 2000, 1),
                               ("Camp B", "AG 1", "Other", 3000, 1)])
        # same file, same synthesized keys
        r2 = _run.__wrapped__(("metrics", "--input", ing("no_ad_id.csv"), "--format", "json"))
        self.assertEqual(sorted(ids), sorted(x["ad_id"] for x in no_nan_json(r2.out)["rows"]))

    def test_no_id_columns_levels(self):
        doc, r = self.metrics_json("--input", ing("no_ad_id.csv"), "--level", "adgroup")
        got = sorted((row["campaign_name"], row["adgroup_name"], row["impressions"])
                     for row in doc["rows"])
        self.assertEqual(got, [("Camp A", "AG 1", 2100), ("Camp A", "AG 2", 2000),
                               ("Camp B", "AG 1", 3000)], r)
        doc, r = self.metrics_json("--input", ing("no_ad_id.csv"), "--level", "campaign")
        got = sorted((row["campaign_name"], row["impressions"]) for row in doc["rows"])
        self.assertEqual(got, [("Camp A", 4100), ("Camp B", 3000)], r)

    def test_semicolon_decimal_comma(self):
        doc, r = self.metrics_json("--input", ing("semicolon_decimal_comma.csv"))
        rows = self.rows_by(doc, "ad_id")
        exp1 = dict(spend=1234.56, impressions=12345, reach=10000, clicks=123, conversions=4,
                    video_plays=11000, views_2s=3500, views_6s=1200)
        exp2 = dict(spend=45.10, impressions=999, reach=950, clicks=8, conversions=1,
                    video_plays=900, views_2s=300, views_6s=100)
        self.assert_counters(rows[AD1], exp1, "Ad one")
        self.assert_metrics(rows[AD1], exp1, "Ad one")
        self.assert_counters(rows[AD2], exp2, "Ad two")
        self.assertEqual(rows[AD1]["ad_name"], "Ad, one")
        self.assertEqual(rows[AD2]["ad_name"], 'Ad "two"; EU')
        self.assertEqual(rows[AD1]["campaign_name"], "Camp A, EU")
        self.assertEqual(rows[AD1]["currency"], "EUR")

    def test_api_page(self):
        doc, r = self.metrics_json("--input", ing("api_page.json"))
        rows = self.rows_by(doc, "ad_id")
        exp1 = dict(spend=22.75, impressions=3000, reach=2700, clicks=30, conversions=3,
                    video_plays=2850, views_2s=1000, views_6s=370)
        exp3 = dict(spend=7.5, impressions=700, reach=650, clicks=7, conversions=0,
                    video_plays=690, views_2s=210, views_6s=90)
        self.assertEqual(sorted(rows), [AD1, AD3], r)
        self.assert_counters(rows[AD1], exp1, "Ad one")
        self.assert_metrics(rows[AD1], exp1, "Ad one")
        self.assert_counters(rows[AD3], exp3, "Ad three")
        self.assert_metrics(rows[AD3], exp3, "Ad three")
        self.assertEqual(rows[AD3]["ad_name"], "Ad three \u2728")
        self.assertEqual(rows[AD1]["days"], 2)
        self.assertEqual(doc["from"], "2026-10-01")
        self.assertEqual(doc["to"], "2026-10-02")

    def test_api_rows_jsonl(self):
        doc, r = self.metrics_json("--input", ing("api_rows.jsonl"))
        rows = self.rows_by(doc, "ad_id")
        exp1 = dict(spend=22.75, impressions=3000, reach=2700, clicks=30, conversions=3,
                    video_plays=2850, views_2s=1000, views_6s=370)
        exp2 = dict(spend=10, impressions=1100, reach=None, clicks=6, conversions=None,
                    video_plays=1070, views_2s=250, views_6s=100)
        self.assertEqual(sorted(rows), [AD1, AD2], r)
        self.assert_counters(rows[AD1], exp1, "Ad one")
        self.assert_metrics(rows[AD1], exp1, "Ad one")
        self.assert_counters(rows[AD2], exp2, "Ad two")
        self.assert_metrics(rows[AD2], exp2, "Ad two")
        for row in rows.values():
            self.assertEqual(row.get("advertiser_id"), "7000000000000000001", row)
        doc, r = self.metrics_json("--input", ing("api_rows.jsonl"), "--level", "advertiser")
        self.assertEqual(len(doc["rows"]), 1, r)
        self.assertEqual(doc["rows"][0]["advertiser_id"], "7000000000000000001")
        self.assertEqual(doc["rows"][0]["impressions"], 4100)

    def test_override_later_file_wins(self):
        doc, r = self.metrics_json("--input", ing("override_a.csv"), ing("override_b.csv"))
        rows = self.rows_by(doc, "ad_id")
        self.assertEqual(rows[AD1]["conversions"], 6, r)
        self.assertEqual(rows[AD1]["impressions"], 3000, r)
        self.assertEqual(rows[AD1]["days"], 2, r)
        self.assertEqual(rows[AD2]["impressions"], 1100, r)
        self.assertEqual(rows[AD2]["conversions"], 1, r)
        w = [ln for ln in r.warnings() if "override_b.csv" in ln and "overrid" in ln]
        self.assertEqual(len(w), 1, f"no override warning for override_b.csv: {r!r}")
        self.assertRegex(w[0], r"\b1\b")

    def test_override_order_matters(self):
        doc, r = self.metrics_json("--input", ing("override_b.csv"), ing("override_a.csv"))
        rows = self.rows_by(doc, "ad_id")
        self.assertEqual(rows[AD1]["conversions"], 3, r)
        self.assertEqual(rows[AD2]["conversions"], 1, r)
        self.assertTrue([ln for ln in r.warnings() if "override_a.csv" in ln], r)

    def test_funnel_warnings(self):
        doc, r = self.metrics_json("--input", ing("funnel_warn.csv"))
        self.assertEqual(len(doc["rows"]), 2, r)
        w = r.warnings()
        self.assertEqual(len(w), 1, f"expected one funnel warning: {r!r}")
        self.assertRegex(w[0], r"funnel_warn\.csv:2\b", r)
        rest = re.sub(r"\S*funnel_warn\.csv(:\d+)*", "", w[0])
        self.assertRegex(rest, r"\b2\b", f"no count in the warning: {r!r}")

    def test_funnel_strict_is_an_error(self):
        self.assert_error(["--input", ing("funnel_warn.csv"), "--strict"], "funnel_warn.csv",
                          line=2)

    def test_extra_numeric_columns(self):
        doc, r = self.metrics_json("--input", ing("extra_column.csv"))
        row = self.rows_by(doc, "ad_id")[AD1]
        self.assertEqual(row.get("paid_likes"), 12, row)
        self.assertEqual(row.get("paid_comments"), 2, row)

    def test_header_aliases(self):
        doc, r = self.metrics_json("--input", ing("aliases.csv"))
        row = self.rows_by(doc, "ad_id")[AD1]
        exp = dict(spend=22.5, impressions=2500, clicks=30, views_p25=1200, views_p50=700,
                   views_p75=350, views_p100=220)
        self.assert_counters(row, exp, "aliases")
        self.assert_metrics(row, exp, "aliases")

    def test_header_only_is_empty_not_an_error(self):
        doc, r = self.metrics_json("--input", ing("header_only.csv"))
        self.assertEqual(doc["rows"], [], r)


class BadInputFixtures(CliTestCase):
    """Bad input: exit 2, a located message, nothing on stdout, no output file."""

    @staticmethod
    def col_of(name, line, cell):
        with open(ing(name), encoding="utf-8", newline="") as f:
            text = f.read().split("\n")[line - 1]
        return text.index("," + cell + ",") + 2

    def test_not_tiktok(self):
        r, _ = self.assert_error(["--input", ing("not_tiktok.csv")], "not_tiktok.csv",
                                 located=False, keywords=("not a TikTok", "missing column",
                                                          "found", "city"))

    def test_not_a_report_json(self):
        self.assert_error(["--input", ing("not_report.json")], "not_report.json", located=False)

    def test_bad_number(self):
        col = self.col_of("bad_number.csv", 3, "12x")
        self.assert_error(["--input", ing("bad_number.csv")], "bad_number.csv", line=3, col=col,
                          keywords=("Impressions", "not a number", "'12x'"))

    def test_negative_count(self):
        col = self.col_of("negative_count.csv", 3, "-5")
        self.assert_error(["--input", ing("negative_count.csv")], "negative_count.csv", line=3,
                          col=col, keywords=("Impressions", "negative", "'-5'"))

    def test_impossible_date(self):
        self.assert_error(["--input", ing("impossible_date.csv")], "impossible_date.csv", line=3,
                          col=1, keywords=("By Day", "date", "2026-02-30"))

    def test_conflicting_duplicate(self):
        self.assert_error(["--input", ing("dup_conflict.csv")], "dup_conflict.csv", line=4,
                          col=1, keywords=(AD1, "2026-10-01", "line 2"))

    def test_bad_json(self):
        self.assert_error(["--input", ing("bad_json.jsonl")], "bad_json.jsonl", line=3,
                          keywords=("JSON",))

    def test_api_error_body(self):
        r, _ = self.assert_error(["--input", ing("api_error_code.json")], "api_error_code.json",
                                 located=False, keywords=("40105", "Access token is invalid"))
        self.assertRegex(r.err, r"api_error_code\.json: .*API error 40105")

    def test_empty_file(self):
        self.assert_error(["--input", ing("empty.csv")], "empty.csv", located=False)

    def test_unterminated_quote(self):
        _, m = self.assert_error(["--input", ing("unterminated_quote.csv")],
                                 "unterminated_quote.csv", keywords=("quot",))
        self.assertGreaterEqual(int(m.group(1)), 3)

    def test_binary_garbage(self):
        self.assert_error(["--input", ing("binary_garbage.bin")], "binary_garbage.bin",
                          located=False)

    def test_bad_file_after_good_one_writes_nothing(self):
        col = self.col_of("bad_number.csv", 3, "12x")
        self.assert_error(["--input", ing("bom.csv"), ing("bad_number.csv")], "bad_number.csv",
                          line=3, col=col)

    def test_missing_input_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "out.json")
            r = run("metrics", "--input", ing("no_such_file.csv"), "--output", out)
            self.assertIn(r.rc, (2, 3), r)
            self.assertFalse(os.path.exists(out), r)
        self.assertIn("no_such_file.csv", r.err, r)


class ExampleAggregates(CliTestCase):
    """The bundled example: aggregates equal sums computed here from the file itself."""

    @classmethod
    def setUpClass(cls):
        cls.csv_facts = facts_from_export(EXPORT_CSV)
        cls.api_facts = facts_from_jsonl(REPORT_JSONL)

    def check_level(self, doc, expected, level, label):
        key = LEVEL_KEY[level]
        rows = self.rows_by(doc, key)
        self.assertEqual(sorted(rows, key=str), sorted(expected, key=str), label)
        for k, exp in expected.items():
            row = rows[k]
            self.assert_counters(row, exp["counters"], f"{label} {k}")
            self.assert_metrics(row, exp["counters"], f"{label} {k}")
            self.assertEqual(row.get("days"), exp["days"], f"{label} {k}")
            for fld in LEVEL_FIELDS[level]:
                if fld != "advertiser_id":
                    self.assertEqual(row.get(fld), exp[fld], f"{label} {k} {fld}")
            for fld in set(ALL_FIELDS) - set(LEVEL_FIELDS[level]):
                self.assertNotIn(fld, row, f"{label}: a {level} row carries {fld}")
        return rows

    def test_example_has_the_documented_shape(self):
        ads = {f["ad_id"] for f in self.csv_facts}
        self.assertEqual(len(ads), 24)
        self.assertEqual(len({f["campaign_id"] for f in self.csv_facts}), 3)
        self.assertEqual(len(self.csv_facts), len(self.api_facts))
        for f in self.csv_facts:
            for k in ("campaign_id", "adgroup_id", "ad_id"):
                self.assertRegex(f[k], r"^\d{19}$")

    def test_ad_level_matches_independent_sums(self):
        doc, r = self.metrics_json("--input", EXPORT_CSV, "--level", "ad")
        self.assertEqual(doc.get("level"), "ad")
        self.assertEqual(doc.get("from"), "2026-10-01")
        self.assertEqual(doc.get("to"), "2026-10-28")
        rows = self.check_level(doc, aggregate(self.csv_facts, "ad"), "ad", "csv ad")
        for row in rows.values():
            for fld in ("ad_id", "adgroup_id", "campaign_id"):
                self.assertIsInstance(row[fld], str)
            self.assertEqual(row.get("currency"), "USD")

    def test_other_levels_match_independent_sums(self):
        for level in ("adgroup", "campaign", "advertiser"):
            doc, r = self.metrics_json("--input", EXPORT_CSV, "--level", level)
            self.assertEqual(doc.get("level"), level)
            exp = aggregate(self.csv_facts, level)
            if level == "advertiser":
                # the export has no advertiser column: compare the single row by value
                self.assertEqual(len(doc["rows"]), 1, r)
                (only,) = exp.values()
                self.assert_counters(doc["rows"][0], only["counters"], "csv advertiser")
                self.assert_metrics(doc["rows"][0], only["counters"], "csv advertiser")
            else:
                self.check_level(doc, exp, level, f"csv {level}")

    def test_no_nan_and_full_rows(self):
        r = run("metrics", "--input", EXPORT_CSV, "--format", "json")
        self.assertEqual(r.rc, 0, r)
        for bad in ("NaN", "Infinity", "inf,", "nan,"):
            self.assertNotIn(bad, r.out)
        for row in no_nan_json(r.out)["rows"]:
            for k in COUNTERS + list(METRICS) + ["days", "currency"]:
                self.assertIn(k, row)

    def test_window_reach_caveat(self):
        doc, r = self.metrics_json("--input", EXPORT_CSV)
        cav = doc.get("caveats")
        self.assertIsInstance(cav, list, r)
        self.assertTrue(any("reach" in str(c).lower() for c in cav), f"caveats: {cav!r}")

    def test_example_ingests_without_funnel_warnings(self):
        r = run("metrics", "--input", EXPORT_CSV, "--format", "json")
        self.assertEqual(r.rc, 0, r)
        r = run("metrics", "--input", EXPORT_CSV, "--format", "json", "--strict")
        self.assertEqual(r.rc, 0, f"--strict rejects the example: {r!r}")

    def test_csv_export_and_api_jsonl_agree(self):
        for level in ("ad", "adgroup", "campaign", "advertiser"):
            a, ra = self.metrics_json("--input", EXPORT_CSV, "--level", level)
            b, rb = self.metrics_json("--input", REPORT_JSONL, "--level", level)
            self.assertEqual(a["from"], b["from"])
            self.assertEqual(a["to"], b["to"])
            if level == "advertiser":
                self.assertEqual(len(a["rows"]), 1, ra)
                self.assertEqual(len(b["rows"]), 1, rb)
                pairs = [(a["rows"][0], b["rows"][0])]
                self.assertEqual(b["rows"][0]["advertiser_id"], self.api_facts[0]["advertiser_id"])
            else:
                key = LEVEL_KEY[level]
                ra_rows, rb_rows = self.rows_by(a, key), self.rows_by(b, key)
                self.assertEqual(sorted(ra_rows), sorted(rb_rows), level)
                pairs = [(ra_rows[k], rb_rows[k]) for k in ra_rows]
                for x, y in pairs:
                    for fld in LEVEL_FIELDS[level]:
                        if fld != "advertiser_id":
                            self.assertEqual(x.get(fld), y.get(fld), f"{level} {fld}")
            for x, y in pairs:
                for k in COUNTERS + list(METRICS) + ["days"]:
                    self.assertTrue(close(x.get(k), y.get(k)),
                                    f"{level} {x.get(LEVEL_KEY[level])}: {k} csv {x.get(k)!r} "
                                    f"api {y.get(k)!r}")
            # and the API rows match the test's own sums from the JSON lines
            if level != "advertiser":
                self.check_level(b, aggregate(self.api_facts, level), level, f"api {level}")

    def test_api_page_body(self):
        facts = facts_from_page(REPORT_PAGE)
        self.assertEqual(len(facts), 50)
        doc, r = self.metrics_json("--input", REPORT_PAGE)
        self.check_level(doc, aggregate(facts, "ad"), "ad", "page ad")
        rows = self.rows_by(doc, "ad_id")
        names = {f["ad_id"]: f["ad_name"] for f in self.csv_facts}
        for ad, row in rows.items():
            self.assertEqual(row["ad_name"], names[ad])  # \u escapes and surrogate pairs

    def test_mixed_inputs_later_overrides(self):
        doc, r = self.metrics_json("--input", EXPORT_CSV, REPORT_JSONL)
        self.check_level(doc, aggregate(self.csv_facts, "ad"), "ad", "csv+api ad")
        # every (ad, date) of the JSON lines replaces the CSV's: one override note at most
        w = [ln for ln in r.warnings() if "tiktok-report.jsonl" in ln]
        self.assertLessEqual(len(w), 1, r)

    def test_by_day(self):
        doc, r = self.metrics_json("--input", EXPORT_CSV, "--level", "campaign", "--by-day")
        exp = aggregate(self.csv_facts, "campaign", by_day=True)
        self.assertEqual(len(doc["rows"]), len(exp), r)
        seen = set()
        for row in doc["rows"]:
            self.assertRegex(row.get("date", ""), r"^2026-10-\d\d$", row)
            key = (row["campaign_id"], row["date"])
            self.assertNotIn(key, seen)
            seen.add(key)
            self.assert_counters(row, exp[key]["counters"], f"by-day {key}")
            self.assert_metrics(row, exp[key]["counters"], f"by-day {key}")
        doc, r = self.metrics_json("--input", EXPORT_CSV, "--by-day")
        self.assertEqual(len(doc["rows"]), len(self.csv_facts), r)

    def check_window(self, args, d_from, d_to):
        doc, r = self.metrics_json("--input", EXPORT_CSV, *args)
        self.assertEqual(doc.get("from"), d_from, r)
        self.assertEqual(doc.get("to"), d_to, r)
        exp = aggregate(self.csv_facts, "ad", d_from, d_to)
        rows = self.rows_by(doc, "ad_id")
        for ad, row in rows.items():
            if ad not in exp:  # an ad without data in the window may be listed, empty
                self.assertFalse(row.get("days"), row)
                self.assertFalse(row.get("impressions"), row)
        for ad, e in exp.items():
            self.assertIn(ad, rows, f"{args}: ad {ad} has data in the window but no row")
            self.assert_counters(rows[ad], e["counters"], f"{args} {ad}")
            self.assert_metrics(rows[ad], e["counters"], f"{args} {ad}")
            self.assertEqual(rows[ad]["days"], e["days"])
        return rows

    def test_from_to_window(self):
        self.check_window(["--from", "2026-10-08", "--to", "2026-10-14"], "2026-10-08",
                          "2026-10-14")

    def test_last_n_as_of(self):
        rows = self.check_window(["--last", "7", "--as-of", "2026-10-28"], "2026-10-22",
                                 "2026-10-28")
        stopped = [row for row in rows.values() if row["ad_name"] == "RT_Offer-15off_v2"]
        self.assertEqual(len(stopped), 1)
        s = stopped[0]
        self.assertEqual(s["impressions"], 0)
        self.assertEqual(s["spend"], 0)
        self.assertEqual(s["days"], 7)
        for m in ("ctr", "cpm", "hook_rate", "play_rate", "frequency", "cpc", "roas"):
            self.assertIsNone(s[m], f"{m} over 0 impressions must be null: {s}")
        self.check_window(["--last", "1", "--as-of", "2026-10-15"], "2026-10-15", "2026-10-15")

    def test_columns_subset_json(self):
        doc, r = self.metrics_json("--input", EXPORT_CSV, "--level", "campaign", "--columns",
                                   "spend,ctr,hook_rate")
        # advertiser_name: a name column of the hierarchy (null in exports without it)
        allowed = set(LEVEL_FIELDS["campaign"]) | {"advertiser_name", "currency", "days", "spend",
                                                   "ctr", "hook_rate"}
        for row in doc["rows"]:
            for k in ("campaign_id", "campaign_name", "spend", "ctr", "hook_rate"):
                self.assertIn(k, row, row)
            self.assertTrue(set(row) <= allowed, f"unrequested columns: {set(row) - allowed}")

    def test_columns_csv(self):
        j, _ = self.metrics_json("--input", EXPORT_CSV, "--level", "campaign")
        jrows = self.rows_by(j, "campaign_id")
        r = run("metrics", "--input", EXPORT_CSV, "--level", "campaign", "--format", "csv",
                "--columns", "spend,impressions,ctr")
        self.assertEqual(r.rc, 0, r)
        rows = list(csv.reader(io.StringIO(r.out, newline="")))
        head = rows[0]
        self.assertEqual(head[-3:], ["spend", "impressions", "ctr"], r)
        self.assertIn("campaign_id", head)
        self.assertLess(head.index("campaign_id"), head.index("spend"))
        self.assertNotIn("clicks", head)
        self.assertEqual(len(rows) - 1, 3, r)
        for row in rows[1:]:
            self.assertEqual(len(row), len(head))
            d = dict(zip(head, row))
            jr = jrows[d["campaign_id"]]
            for k in ("spend", "impressions", "ctr"):
                self.assertTrue(close(float(d[k]), jr[k], 1e-6), (k, d[k], jr[k]))

    def test_full_csv_matches_json(self):
        j, _ = self.metrics_json("--input", EXPORT_CSV)
        jrows = self.rows_by(j, "ad_id")
        r = run("metrics", "--input", EXPORT_CSV, "--format", "csv")
        self.assertEqual(r.rc, 0, r)
        rows = list(csv.reader(io.StringIO(r.out, newline="")))
        head = rows[0]
        for k in COUNTERS + list(METRICS) + ["ad_id", "ad_name"]:
            self.assertIn(k, head)
        # counters then metrics, in the contract's order
        order = [head.index(k) for k in COUNTERS + list(METRICS)]
        self.assertEqual(order, sorted(order), head)
        self.assertEqual(len(rows) - 1, 24, r)
        for row in rows[1:]:
            self.assertEqual(len(row), len(head), row)
            d = dict(zip(head, row))
            self.assertIn(d["ad_id"], jrows, d)  # 19-digit ids intact
            jr = jrows[d["ad_id"]]
            self.assertEqual(d["ad_name"], jr["ad_name"])
            for k in COUNTERS + list(METRICS):
                if jr[k] is None:
                    self.assertEqual(d[k], "", f"null {k} must be an empty cell")
                else:
                    self.assertTrue(close(float(d[k]), jr[k], 1e-6), (d["ad_name"], k, d[k], jr[k]))

    def test_markdown(self):
        r = run("metrics", "--input", EXPORT_CSV, "--format", "md", "--columns", "spend,ctr")
        self.assertEqual(r.rc, 0, r)
        lines = [ln for ln in r.out.splitlines() if ln.strip()]
        table = [ln for ln in lines if ln.startswith("|")]
        self.assertGreaterEqual(len(table), 26, r)  # header, rule, 24 ads
        # names hold '|' and a newline: every table line must keep the same number of cells
        split = [re.split(r"(?<!\\)\|", ln.strip()) for ln in table]
        self.assertEqual({len(s) for s in split}, {len(split[0])}, r.out[:3000])
        head = [c.strip() for c in split[0]]
        self.assertIn("spend", head)
        self.assertIn("ctr", head)
        self.assertRegex(table[1], r"^\|(\s*:?-{3,}:?\s*\|)+$")
        # a newline inside a name must not break a row: no non-table line between table lines
        first, last = lines.index(table[0]), lines.index(table[-1])
        self.assertTrue(all(ln.startswith("|") for ln in lines[first:last + 1]), r.out[:3000])

    def test_table(self):
        r = run("metrics", "--input", EXPORT_CSV)
        self.assertEqual(r.rc, 0, r)
        lines = [ln for ln in r.out.splitlines() if ln.strip()]
        self.assertGreaterEqual(len(lines), 25, r)
        r = run("metrics", "--input", EXPORT_CSV, "--level", "campaign", "--format", "table",
                "--columns", "spend,ctr")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("spend", r.out)

    def test_table_fits_the_terminal(self):
        r = run_env({"COLUMNS": "80"}, "metrics", "--input", EXPORT_CSV)
        self.assertEqual(r.rc, 0, r)
        for ln in r.out.splitlines():
            self.assertLessEqual(display_width(ln), 80, f"line wider than COLUMNS=80: {ln!r}")

    def test_table_aligns_columns(self):
        # the ad_id column starts at the same terminal column on every row, whatever the width
        # of the names before it (accents, an emoji: 'GS_Testimonial_Sofía 🔥 café')
        r = run("metrics", "--input", EXPORT_CSV, "--columns", "spend")
        self.assertEqual(r.rc, 0, r)
        starts = {}
        for ln in r.out.splitlines():
            ids = [display_width(ln[:m.start()]) for m in re.finditer(r"\b1[78]\d{17}\b", ln)]
            if ids:
                starts[ln] = tuple(ids)  # where ad_id, adgroup_id, campaign_id start
        self.assertEqual(len(starts), 24, r)
        by_pos = {}
        for ln, pos in starts.items():
            by_pos.setdefault(pos, []).append(ln)
        self.assertEqual(len(by_pos), 1, "id columns start at different terminal columns: "
                         + "; ".join(f"{p}: {lns[0]!r}" for p, lns in by_pos.items()))

    def test_sort(self):
        doc, r = self.metrics_json("--input", EXPORT_CSV, "--sort", "spend:desc")
        spends = [row["spend"] for row in doc["rows"]]
        self.assertEqual(spends, sorted(spends, reverse=True), r)
        doc, r = self.metrics_json("--input", EXPORT_CSV, "--sort", "ctr:asc")
        ctrs = [row["ctr"] for row in doc["rows"] if row["ctr"] is not None]
        self.assertEqual(ctrs, sorted(ctrs), r)
        self.assertEqual(len(doc["rows"]), 24)

    def test_output_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "m.json")
            r = run("metrics", "--input", EXPORT_CSV, "--format", "json", "--output", out)
            self.assertEqual(r.rc, 0, r)
            self.assertEqual(r.out.strip(), "", r)
            with open(out, encoding="utf-8") as f:
                doc = no_nan_json(f.read())
            self.assertEqual(os.listdir(tmp), ["m.json"])
        ref, _ = self.metrics_json("--input", EXPORT_CSV)
        self.assertEqual(doc["rows"], ref["rows"])


class UsageAndHelp(CliTestCase):
    def test_help(self):
        r = run("--help")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("metrics", r.out)
        for args in (("help", "metrics"), ("metrics", "--help")):
            r = run(*args)
            self.assertEqual(r.rc, 0, r)
            for opt in ("--input", "--level", "--format", "--columns", "--sort", "--by-day",
                        "--last", "--as-of", "--from", "--to", "--output", "--strict"):
                self.assertIn(opt, r.out, f"{opt} not in help: {r!r}")

    def test_version(self):
        r = run("version")
        self.assertEqual(r.rc, 0, r)
        self.assertRegex(r.out, r"^hookline \d+\.\d+\.\d+")

    def test_unknown_command_suggests(self):
        r = run("metrcs")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("metrics", r.err, r)
        self.assertEqual(r.out, "")

    def test_usage_errors(self):
        bad = [
            [],                                                     # no --input
            ["--input", EXPORT_CSV, "--level", "creative"],
            ["--input", EXPORT_CSV, "--format", "xlsx"],
            ["--input", EXPORT_CSV, "--columns", "spend,bogus_metric"],
            ["--input", EXPORT_CSV, "--sort", "bogus_metric:desc"],
            ["--input", EXPORT_CSV, "--from", "2026-02-30", "--to", "2026-10-28"],
            ["--input", EXPORT_CSV, "--from", "2026-10-20", "--to", "2026-10-10"],
            ["--input", EXPORT_CSV, "--last", "0", "--as-of", "2026-10-28"],
            ["--input", EXPORT_CSV, "--last", "7", "--as-of", "2026-10-28", "--from",
             "2026-10-01", "--to", "2026-10-28"],
            ["--input", EXPORT_CSV, "--bogus-option"],
        ]
        for args in bad:
            with tempfile.TemporaryDirectory() as tmp:
                out = os.path.join(tmp, "o.json")
                r = run("metrics", *args, "--output", out)
                self.assertEqual(r.rc, 2, r)
                self.assertFalse(os.path.exists(out), r)
                self.assertTrue(r.err.strip(), r)

    def test_unknown_column_names_it(self):
        r = run("metrics", "--input", EXPORT_CSV, "--columns", "spend,bogus_metric")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("bogus_metric", r.err)


def main():
    print(f"hookline: {HOOKLINE}\nsource:   {SRC}\ndata:     {DATA}", flush=True)
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
