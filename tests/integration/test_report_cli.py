#!/usr/bin/env python3
"""test_report_cli.py — integration tests of `hookline report` (report templates in Lua) and of
custom columns in `hookline metrics --columns`. Python 3 standard library only. ctest passes
HOOKLINE (the binary), HL_SOURCE_DIR and HL_TEST_DATA; without them the defaults are
<repo>/build/hookline, <repo> and <repo>/tests/data.

Run:  HOOKLINE=build/hookline python3 tests/integration/test_report_cli.py [TestClass[.test]...]
The last line of output is "N passed, M failed"; the exit status is non-zero on any failure.

What is checked (issue 6, "Reports": the seed's templates, user templates, custom columns and the
CSV formula-injection rule; DESIGN.md §4, §10, §11):
  - both bundled templates on examples/tiktok-export.csv: every row and value equals sums and
    formulas computed here from the CSV (1e-9 relative), with the template's filter (impressions
    >= 1000), sort and limit; over the whole data and over windows (--from/--to, --last/--as-of);
  - every format (table, csv, md, html, json) carries the same rows; --output writes the same
    bytes atomically; html is one self-contained page (no script, no external resource);
  - a user template directory (--templates, or reports.dir in a config): custom columns from
    scripts/columns.lua, filters, two sort keys, a limit, a template replacing a bundled one;
    --list in table and json;
  - a bad template exits 2 with file:line and a suggestion, prints nothing on stdout and
    writes no --output file; so do a formula error (naming the column), an unknown template and
    usage errors;
  - ads and campaigns named like spreadsheet formulas (`=cmd|' /C calc'!A0`, +, -, @) or markup
    come out as inert text: CSV cells get a leading apostrophe, JSON keeps the exact string,
    Markdown escapes pipes and markup, HTML escapes everything;
  - custom columns in `metrics --columns`/--sort equal the built-in formulas; division by zero
    is null; --columns-file and columns.file override the bundled file.
"""
import csv
import datetime as dt
import functools
import html.parser
import io
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import unittest

SRC = os.environ.get("HL_SOURCE_DIR") or os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DATA = os.environ.get("HL_TEST_DATA") or os.path.join(SRC, "tests", "data")
HOOKLINE = os.environ.get("HOOKLINE") or os.path.join(SRC, "build", "hookline")
EXPORT_CSV = os.path.join(SRC, "examples", "tiktok-export.csv")
REPORT_DATA = os.path.join(DATA, "report")
INJECTION_CSV = os.path.join(REPORT_DATA, "injection-export.csv")
USER_TEMPLATES = os.path.join(REPORT_DATA, "templates")
BAD_TEMPLATES = os.path.join(REPORT_DATA, "bad-templates")

REL = 1e-9
FORMATS = ["table", "csv", "md", "html", "json"]
INJECTION_NAMES = {
    "1820000000000000001": "=cmd|' /C calc'!A0",
    "1820000000000000002": "+SUM(A1:A9)",
    "1820000000000000003": "-2+3+cmd|' /C calc'!A0",
    "1820000000000000004": "@SUM(1+1)*cmd|' /C calc'!A0",
    "1820000000000000005": "<script>alert(\"x\")</script> | *bold* _it_",
    "1820000000000000006": "Plain ad, with comma",
}
EVIL_CAMPAIGN = "=HYPERLINK(\"http://evil.example\",\"click\")"

# TikTok export header -> counter
HEADER = {
    "Cost": "spend", "Impressions": "impressions", "Reach": "reach",
    "Clicks (destination)": "clicks", "Conversions": "conversions", "Video views": "video_plays",
    "2-second video views": "views_2s", "6-second video views": "views_6s",
    "Video views at 25%": "views_p25", "Video views at 50%": "views_p50",
    "Video views at 75%": "views_p75", "Video views at 100%": "views_p100",
    "Landing page views (website)": "landing_page_views",
    "Adds to cart (website)": "add_to_cart", "Purchases (website)": "purchases",
    "Purchase value (website)": "purchase_value",
}
# DESIGN.md §4 (the metrics the templates use) and the seed's custom columns
FORMULAS = {
    "ctr": ("clicks", "impressions"), "cpc": ("spend", "clicks"),
    "hook_rate": ("views_2s", "impressions"), "completion_rate": ("views_p100", "video_plays"),
    "cost_per_landing_page_view": ("spend", "landing_page_views"),
    "cost_per_add_to_cart": ("spend", "add_to_cart"), "roas": ("purchase_value", "spend"),
    "view_rate_p75": ("views_p75", "video_plays"),
    "cost_per_atc": ("spend", "add_to_cart"), "video_view_rate_75": ("views_p75", "video_plays"),
    "hook_rate_2s": ("views_2s", "impressions"),
}


# ------------------------------------------------------------------------------ running the CLI

class Result:
    def __init__(self, args, rc, out, err):
        self.args, self.rc, self.out, self.err = args, rc, out, err

    def __repr__(self):
        return (f"hookline {' '.join(self.args)}\n  exit {self.rc}\n  stdout: {self.out[:1500]!r}"
                f"\n  stderr: {self.err[:1500]!r}")


@functools.lru_cache(maxsize=None)
def _run(args):
    try:
        p = subprocess.run([HOOKLINE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, timeout=120,
                           env={**os.environ, "COLUMNS": "400"})
    except FileNotFoundError:
        return Result(args, -1, "", f"cannot run {HOOKLINE}: not found (build first)")
    except subprocess.TimeoutExpired:
        return Result(args, -1, "", "timed out after 120 s")
    return Result(args, p.returncode, p.stdout.decode("utf-8", "replace"),
                  p.stderr.decode("utf-8", "replace"))


def run(*args):
    return _run(tuple(str(a) for a in args))


def report_json(*args):
    r = run("report", *args, "--format", "json")
    if r.rc != 0:
        raise AssertionError(repr(r))
    return json.loads(r.out)


# ------------------------------------------------------------------------------ expected values

def parse_number(s):
    s = s.strip().replace("\u00a0", "")
    if s in ("", "-", "--", "null") or s.startswith("<"):
        return None
    return float(s.replace("$", "").replace(",", "").replace("%", ""))


@functools.lru_cache(maxsize=None)
def read_export(path):
    """Rows: (date, ids and names, {counter: value or None})."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = []
        for rec in csv.DictReader(f):
            try:
                day = dt.date.fromisoformat(rec["By Day"][:10])
            except ValueError:
                continue  # the "Total of N" row
            c = {name: parse_number(rec[h]) for h, name in HEADER.items() if h in rec}
            rows.append((day, {
                "ad_id": rec["Ad ID"], "ad_name": rec["Ad name"],
                "adgroup_id": rec["Ad group ID"], "adgroup_name": rec["Ad group name"],
                "campaign_id": rec["Campaign ID"], "campaign_name": rec["Campaign name"],
            }, c))
        return rows


def aggregate(path, key, first=None, last=None):
    """Sums per key ('ad_id', 'campaign_id', ...) over [first, last]: counters absent on every
    day stay None (never 0); names are the latest seen."""
    out = {}
    for day, ids, c in sorted(read_export(path), key=lambda r: r[0]):
        if (first and day < first) or (last and day > last):
            continue
        e = out.setdefault(ids[key], {"names": {}, "sums": {}})
        e["names"].update(ids)
        for k, v in c.items():
            if v is not None:
                e["sums"][k] = e["sums"].get(k, 0.0) + v
    return out


def value(e, col):
    """A column's expected value for an aggregated entity (None = undefined)."""
    if col in FORMULAS:
        num, den = FORMULAS[col]
        n, d = e["sums"].get(num), e["sums"].get(den)
        if n is None or d is None or d == 0:
            return None
        return n / d
    if col in e["names"]:
        return e["names"][col]
    return e["sums"].get(col)


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return math.isclose(a, b, rel_tol=REL, abs_tol=1e-12)


def dates_of(path):
    return sorted({r[0] for r in read_export(path)})


# ------------------------------------------------------------------------------ parsers

class TableHTML(html.parser.HTMLParser):
    """Collects the header labels, the body rows (cell texts) and the tags and attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.headers, self.rows, self.tags, self.attrs = [], [], [], []
        self._cell = None
        self._in_body = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False
        elif tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell)
            if tag == "th":
                self.headers.append(text)
            else:
                self.rows[-1].append(text)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parse_html(text):
    p = TableHTML()
    p.feed(text)
    p.close()
    return p


def md_rows(text):
    """The table rows of a Markdown document, split on unescaped pipes, unescaped."""
    rows = []
    for line in text.splitlines():
        if not line.startswith("|"):
            continue
        cells = re.split(r"(?<!\\)\|", line)[1:-1]
        rows.append([unescape_md(c.strip()) for c in cells])
    return rows[0], rows[2:]  # header, body (without the --- row)


def unescape_md(s):
    s = re.sub(r"\\([\\`*_\[\]|~#+\-=])", r"\1", s)
    return s.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# ------------------------------------------------------------------------------ the bundled templates

class SeedTemplates(unittest.TestCase):
    def check_creative(self, doc, first=None, last=None, path=EXPORT_CSV):
        exp = aggregate(path, "ad_id", first, last)
        self.assertEqual(doc["template"], "creative_performance")
        self.assertEqual(doc["title"], "Creative Performance")
        self.assertEqual(doc["level"], "ad")
        names = [c["name"] for c in doc["columns"]]
        for needed in ("ad_name", "ctr", "hook_rate", "completion_rate", "cpc"):
            self.assertIn(needed, names)
        kept = [k for k, e in exp.items() if (e["sums"].get("impressions") or 0) >= 1000]
        self.assertGreaterEqual(len(kept), 5)
        self.assertEqual(doc["matched"], len(kept))
        self.assertEqual(len(doc["rows"]), min(len(kept), 100))
        # every value equals the sums and formulas computed here
        for row in doc["rows"]:
            e = exp[row["ad_id"]]
            for col in names:
                self.assertTrue(close(row[col], value(e, col)),
                                f"{row['ad_id']} {col}: {row[col]} vs {value(e, col)}")
        # best CTR first; undefined CTRs (none here) would be last
        ctrs = [r["ctr"] for r in doc["rows"]]
        self.assertEqual(ctrs, sorted(ctrs, reverse=True))
        # ads under 1,000 impressions are left out
        shown = {r["ad_id"] for r in doc["rows"]}
        for k, e in exp.items():
            if (e["sums"].get("impressions") or 0) < 1000:
                self.assertNotIn(k, shown)

    def test_creative_performance_whole_export(self):
        doc = report_json("--template", "creative_performance", "--input", EXPORT_CSV)
        d = dates_of(EXPORT_CSV)
        self.assertEqual((doc["from"], doc["to"]), (d[0].isoformat(), d[-1].isoformat()))
        self.check_creative(doc)

    def test_creative_performance_windows(self):
        d = dates_of(EXPORT_CSV)
        first, last = d[3], d[10]
        doc = report_json("--template", "creative_performance", "--input", EXPORT_CSV,
                          "--from", first.isoformat(), "--to", last.isoformat())
        self.assertEqual((doc["from"], doc["to"]), (first.isoformat(), last.isoformat()))
        self.check_creative(doc, first, last)
        asof = d[-3]
        doc = report_json("--template", "creative_performance", "--input", EXPORT_CSV,
                          "--last", "7", "--as-of", asof.isoformat())
        self.check_creative(doc, asof - dt.timedelta(days=6), asof)

    def test_creative_performance_filter_cuts_small_ads(self):
        # the fixture's "Plain ad, with comma" has 600 impressions in all
        exp = aggregate(INJECTION_CSV, "ad_id")
        small = [k for k, e in exp.items() if (e["sums"].get("impressions") or 0) < 1000]
        self.assertEqual(small, ["1820000000000000006"])
        doc = report_json("--template", "creative_performance", "--input", INJECTION_CSV)
        self.check_creative(doc, path=INJECTION_CSV)
        self.assertEqual(doc["matched"], len(exp) - 1)
        self.assertNotIn("1820000000000000006", {r["ad_id"] for r in doc["rows"]})

    def test_funnel_analysis(self):
        doc = report_json("--template", "funnel_analysis", "--input", EXPORT_CSV)
        exp = aggregate(EXPORT_CSV, "campaign_id")
        self.assertEqual(doc["title"], "Funnel Analysis")
        self.assertEqual(doc["level"], "campaign")
        names = [c["name"] for c in doc["columns"]]
        for needed in ("campaign_name", "cost_per_landing_page_view", "cost_per_add_to_cart",
                       "roas"):
            self.assertIn(needed, names)
        labels = {c["name"]: c["label"] for c in doc["columns"]}
        self.assertEqual(labels["roas"], "Purchase ROAS")
        self.assertEqual(len(doc["rows"]), len(exp))
        for row in doc["rows"]:
            e = exp[row["campaign_id"]]
            for col in names:
                self.assertTrue(close(row[col], value(e, col)),
                                f"{row['campaign_id']} {col}: {row[col]} vs {value(e, col)}")
            self.assertNotIn("ad_name", row)
        spends = [r["spend"] for r in doc["rows"]]
        self.assertEqual(spends, sorted(spends, reverse=True))

    def test_every_format_has_the_same_rows(self):
        for tname, key in (("creative_performance", "ad_id"), ("funnel_analysis", "campaign_id")):
            doc = report_json("--template", tname, "--input", EXPORT_CSV)
            names = [c["name"] for c in doc["columns"]]
            labels = [c["label"] for c in doc["columns"]]
            ids = [r[key] for r in doc["rows"]]
            # csv: machine names, full precision
            r = run("report", "--template", tname, "--input", EXPORT_CSV, "--format", "csv")
            self.assertEqual(r.rc, 0, r)
            recs = list(csv.reader(io.StringIO(r.out)))
            self.assertEqual(recs[0], names)
            self.assertEqual([rec[names.index(key)] for rec in recs[1:]], ids)
            for rec, row in zip(recs[1:], doc["rows"]):
                for i, col in enumerate(names):
                    want = row[col]
                    if want is None:
                        self.assertEqual(rec[i], "")
                    elif isinstance(want, str):
                        self.assertEqual(rec[i].lstrip("'") if rec[i][:2] in ("'=", "'+", "'-", "'@")
                                         else rec[i], want)
                    else:
                        self.assertEqual(float(rec[i]), want, (tname, col))
            # md: labels, one line per row, the same order
            r = run("report", "--template", tname, "--input", EXPORT_CSV, "--format", "md")
            self.assertEqual(r.rc, 0, r)
            self.assertTrue(r.out.startswith("# " + doc["title"] + "\n"), r.out[:200])
            head, body = md_rows(r.out)
            self.assertEqual(head, labels)
            self.assertEqual([b[names.index(key)] for b in body], ids)
            # html: labels, one <tr> per row, the same order
            r = run("report", "--template", tname, "--input", EXPORT_CSV, "--format", "html")
            self.assertEqual(r.rc, 0, r)
            page = parse_html(r.out)
            self.assertEqual(page.headers, labels)
            self.assertEqual([row[names.index(key)] for row in page.rows], ids)
            # table: a title line, then labels and one line per row
            r = run("report", "--template", tname, "--input", EXPORT_CSV, "--format", "table")
            self.assertEqual(r.rc, 0, r)
            lines = r.out.splitlines()
            self.assertTrue(lines[0].startswith(doc["title"] + " ("), lines[0])
            self.assertEqual(len(lines), 3 + len(ids))
            for line, i in zip(lines[3:], ids):
                self.assertIn(i, line)

    def test_html_is_self_contained(self):
        r = run("report", "--template", "creative_performance", "--input", EXPORT_CSV, "--format",
                "html")
        self.assertEqual(r.rc, 0, r)
        self.assertTrue(r.out.startswith("<!DOCTYPE html>"))
        page = parse_html(r.out)
        for tag in ("script", "link", "img", "iframe", "object", "embed"):
            self.assertNotIn(tag, page.tags)
        for name, val in page.attrs:
            self.assertNotIn(name, ("src", "href"))
            self.assertFalse(name.startswith("on"), name)
        self.assertIn("style", page.tags)
        self.assertIn('name="viewport"', r.out)
        self.assertNotIn("http://", r.out.replace("http://evil", ""))

    def test_output_file(self):
        for fmt in FORMATS:
            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, "r." + fmt)
                r = run("report", "--template", "funnel_analysis", "--input", EXPORT_CSV,
                        "--format", fmt, "--output", path)
                self.assertEqual(r.rc, 0, r)
                self.assertEqual(r.out, "")
                ref = run("report", "--template", "funnel_analysis", "--input", EXPORT_CSV,
                          "--format", fmt)
                with open(path, encoding="utf-8", newline="") as f:
                    self.assertEqual(f.read(), ref.out, fmt)
                self.assertEqual(sorted(os.listdir(tmp)), ["r." + fmt])

    def test_list(self):
        r = run("report", "--list")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("creative_performance", r.out)
        self.assertIn("funnel_analysis", r.out)
        self.assertIn("Creative Performance", r.out)
        r = run("report", "--list", "--format", "json")
        self.assertEqual(r.rc, 0, r)
        doc = json.loads(r.out)
        by = {t["name"]: t for t in doc["templates"]}
        self.assertEqual(by["creative_performance"]["level"], "ad")
        self.assertEqual(by["funnel_analysis"]["level"], "campaign")
        self.assertTrue(by["funnel_analysis"]["file"].endswith("scripts/reports/funnel_analysis.lua"))


# ------------------------------------------------------------------------------ user templates

class UserTemplates(unittest.TestCase):
    def check_atc_watch(self, doc):
        exp = aggregate(INJECTION_CSV, "ad_id")
        self.assertEqual(doc["title"], "Add-to-cart watch <weekly> & \"costs\"")
        names = [c["name"] for c in doc["columns"]]
        self.assertEqual(names, ["ad_name", "campaign_name", "spend", "add_to_cart",
                                 "cost_per_atc", "video_view_rate_75", "hook_rate_2s"])
        labels = {c["name"]: c["label"] for c in doc["columns"]}
        self.assertEqual(labels["cost_per_atc"], "CPATC")
        self.assertEqual(labels["video_view_rate_75"], "Video View Rate at 75%")
        kinds = {c["name"]: c["kind"] for c in doc["columns"]}
        self.assertEqual(kinds["video_view_rate_75"], "proportion")
        self.assertEqual(kinds["cost_per_atc"], "money")
        # campaign A's three ads match; the two cheapest per add to cart are kept
        inA = sorted((value(e, "cost_per_atc"), e["names"]["ad_name"], k)
                     for k, e in exp.items() if "HYPERLINK" in e["names"]["campaign_name"])
        self.assertEqual(doc["matched"], 3)
        self.assertEqual([r["ad_name"] for r in doc["rows"]], [x[1] for x in inA[:2]])
        for row, (_, _, k) in zip(doc["rows"], inA):
            for col in names:
                self.assertTrue(close(row[col], value(exp[k], col)), (k, col))

    def test_user_template_dir(self):
        doc = report_json("--template", "atc_watch", "--templates", USER_TEMPLATES, "--input",
                          INJECTION_CSV)
        self.check_atc_watch(doc)

    def test_user_template_replaces_bundled(self):
        doc = report_json("--template", "funnel_analysis", "--templates", USER_TEMPLATES,
                          "--input", INJECTION_CSV)
        self.assertEqual(doc["title"], "Funnel (user copy)")
        self.assertEqual(doc["level"], "adgroup")
        exp = aggregate(INJECTION_CSV, "adgroup_id")
        self.assertEqual([r["adgroup_name"] for r in doc["rows"]],
                         sorted(e["names"]["adgroup_name"] for e in exp.values()))
        for row in doc["rows"]:
            e = next(e for e in exp.values() if e["names"]["adgroup_name"] == row["adgroup_name"])
            for col in ("spend", "cost_per_add_to_cart", "roas"):
                self.assertTrue(close(row[col], value(e, col)), col)
        # the bundled one is still there without --templates
        doc = report_json("--template", "funnel_analysis", "--input", INJECTION_CSV)
        self.assertEqual(doc["level"], "campaign")

    def test_list_with_user_dir(self):
        r = run("report", "--list", "--templates", USER_TEMPLATES, "--format", "json")
        self.assertEqual(r.rc, 0, r)
        by = {t["name"]: t for t in json.loads(r.out)["templates"]}
        self.assertEqual(set(by), {"atc_watch", "creative_performance", "funnel_analysis"})
        self.assertTrue(by["funnel_analysis"]["file"].endswith("atc_watch.lua"))
        self.assertEqual(by["atc_watch"]["line"], 3)

    def test_config_reports_dir_and_columns_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            cols = os.path.join(tmp, "cols.lua")
            with open(cols, "w") as f:
                f.write('column { name = "clicks_per_atc", kind = "ratio",\n'
                        '  formula = function(r) return r.clicks / r.add_to_cart end }\n')
            tdir = os.path.join(tmp, "reports")
            os.mkdir(tdir)
            with open(os.path.join(tdir, "mine.lua"), "w") as f:
                f.write('report { name = "mine", level = "campaign",\n'
                        '  columns = { "campaign_name", "clicks_per_atc" },\n'
                        '  sort = "clicks_per_atc:desc" }\n')
            cfg = os.path.join(tmp, "hookline.lua")
            with open(cfg, "w") as f:
                f.write(f'return {{ columns = {{ file = [[{cols}]] }}, '
                        f'reports = {{ dir = [[{tdir}]] }} }}\n')
            doc = report_json("--template", "mine", "--config", cfg, "--input", INJECTION_CSV)
            exp = aggregate(INJECTION_CSV, "campaign_id")
            want = sorted(((e["sums"]["clicks"] / e["sums"]["add_to_cart"]) for e in exp.values()),
                          reverse=True)
            got = [r["clicks_per_atc"] for r in doc["rows"]]
            self.assertEqual(len(got), len(want))
            for a, b in zip(got, want):
                self.assertTrue(close(a, b))
            # --columns-file wins over the config: the seed columns are back, 'mine' is invalid
            r = run("report", "--template", "mine", "--config", cfg, "--columns-file",
                    os.path.join(SRC, "scripts", "columns.lua"), "--input", INJECTION_CSV)
            self.assertEqual(r.rc, 2, r)
            self.assertIn("mine.lua:2:", r.err)
            self.assertIn("clicks_per_atc", r.err)


# ------------------------------------------------------------------------------ errors

class Errors(unittest.TestCase):
    def assert_fails(self, args, *words, status=2):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "o.txt")
            r = run("report", *args, "--output", out)
            self.assertEqual(r.rc, status, r)
            self.assertEqual(r.out, "", r)
            self.assertFalse(os.path.exists(out), r)
            self.assertEqual(os.listdir(tmp), [], r)
            for w in words:
                self.assertIn(w, r.err, r)
            return r

    def test_bad_template_file_line(self):
        path = os.path.join(BAD_TEMPLATES, "broken.lua")
        r = self.assert_fails(["--template", "creative_performance", "--templates", BAD_TEMPLATES,
                               "--input", EXPORT_CSV],
                              f"{path}:8:", "unknown column 'hook_rte'", "did you mean 'hook_rate'")
        # also when only listing
        r = run("report", "--list", "--templates", BAD_TEMPLATES)
        self.assertEqual(r.rc, 2, r)
        self.assertIn(f"{path}:8:", r.err)

    def write_dir(self, tmp, files):
        d = os.path.join(tmp, "t")
        os.mkdir(d)
        for name, text in files.items():
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
        return d

    def test_template_mistakes(self):
        cases = [
            ('report { name = "x", level = "campaign",\n  columns = { "campaign_name",\n'
             '    "ad_name" } }\n', 3, "does not apply at level 'campaign'"),
            ('report { name = "x", columns = { "spend" },\n  sort = "sepnd:desc" }\n', 2,
             "did you mean 'spend'"),
            ('report { name = "x", columns = { "spend" },\n'
             '  filters = { { column = "spend", op = "=>", value = 1 } } }\n', 2, "'op' must be"),
            ('report { name = "x", colums = { "spend" } }\n', 1, "did you mean 'columns'"),
            ('report { name = "x", columns = { "cost_per_act" } }\n', 1,
             "did you mean 'cost_per_atc'"),
            ('report { name = "x", columns = { "spend" } }\nlocal t = nil\nt.x = 1\n', 3,
             "attempt to index"),
            ('report { name = "x", columns = { "spend" } }\ny = 2\n', 2,
             "assignment to undeclared global 'y'"),
            ('report { name = "x", columns = { "spend" } }\nos.execute("id")\n', 2, "'os'"),
            ('while true do end\n', 1, "instruction budget exceeded"),
        ]
        for text, line, words in cases:
            with tempfile.TemporaryDirectory() as tmp:
                d = self.write_dir(tmp, {"bad.lua": text})
                path = os.path.join(d, "bad.lua")
                self.assert_fails(["--template", "x", "--templates", d, "--input", EXPORT_CSV],
                                  f"{path}:{line}:", words)

    def test_formula_error_names_column(self):
        with tempfile.TemporaryDirectory() as tmp:
            cols = os.path.join(tmp, "cols.lua")
            with open(cols, "w") as f:
                f.write('column { name = "risky", formula = function(r)\n'
                        '  if r.impressions > 1000 then\n'
                        '    return r.spend / r.clicks_total\n'
                        '  end\n'
                        'end }\n'
                        'column { name = "looper", formula = function(r)\n'
                        '  while true do end\n'
                        'end }\n')
            d = self.write_dir(tmp, {"t.lua": 'report { name = "x", columns = { "ad_name", "risky" } }\n'
                                              'report { name = "y", columns = { "looper" } }\n'})
            self.assert_fails(["--template", "x", "--templates", d, "--columns-file", cols,
                               "--input", EXPORT_CSV],
                              f"{cols}:3:", "column 'risky'", "unknown field 'r.clicks_total'",
                              "did you mean 'r.clicks'")
            self.assert_fails(["--template", "y", "--templates", d, "--columns-file", cols,
                               "--input", EXPORT_CSV],
                              f"{cols}:7:", "column 'looper'", "instruction budget exceeded")
            # in metrics too
            r = run("metrics", "--input", EXPORT_CSV, "--columns-file", cols, "--columns", "risky")
            self.assertEqual(r.rc, 2, r)
            self.assertIn(f"{cols}:3:", r.err)
            self.assertIn("column 'risky'", r.err)
            self.assertEqual(r.out, "")

    def test_bad_columns_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            cols = os.path.join(tmp, "cols.lua")
            with open(cols, "w") as f:
                f.write('\ncolumn { name = "hook_rate", formula = function(r) return 1 end }\n')
            self.assert_fails(["--template", "creative_performance", "--columns-file", cols,
                               "--input", EXPORT_CSV], f"{cols}:2:", "built-in metric")

    def test_usage_errors(self):
        self.assert_fails(["--template", "creative_performanse", "--input", EXPORT_CSV],
                          "no template 'creative_performanse'",
                          "did you mean 'creative_performance'")
        self.assert_fails(["--template", "nothing_like_it", "--input", EXPORT_CSV],
                          "hookline report --list")
        self.assert_fails(["--template", "funnel_analysis", "--input", EXPORT_CSV, "--format",
                           "xlsx"], "unknown format 'xlsx'")
        self.assert_fails(["--input", EXPORT_CSV], "--template NAME")
        self.assert_fails(["--template", "funnel_analysis"], "--input FILE")
        self.assert_fails(["--template", "funnel_analysis", "--input", EXPORT_CSV, "--templates",
                           os.path.join(REPORT_DATA, "no-such-dir")], "no-such-dir")
        r = run("report", "--template", "funnel_analysis", "--input",
                os.path.join(REPORT_DATA, "missing.csv"))
        self.assertIn(r.rc, (2, 3), r)
        self.assertIn("missing.csv", r.err)
        self.assertEqual(r.out, "")
        self.assert_fails(["--template", "funnel_analysis", "--input", EXPORT_CSV, "--last", "7",
                           "--from", "2026-10-01"], "not both")

    def test_help(self):
        r = run("report", "--help")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("--template", r.out)
        self.assertIn("creative_performance", r.out)
        r = run("--help")
        self.assertIn("report", r.out)


# ------------------------------------------------------------------------------ formula injection

class FormulaInjection(unittest.TestCase):
    TEMPLATES = (("creative_performance", []), ("atc_watch", ["--templates", USER_TEMPLATES]))

    def test_csv_cells_are_inert(self):
        for tname, extra in self.TEMPLATES:
            r = run("report", "--template", tname, *extra, "--input", INJECTION_CSV, "--format",
                    "csv")
            self.assertEqual(r.rc, 0, r)
            recs = list(csv.reader(io.StringIO(r.out)))
            header, body = recs[0], recs[1:]
            self.assertTrue(body)
            i_name = header.index("ad_name")
            seen = 0
            for rec in body:
                for cell in rec:
                    # no cell a spreadsheet would evaluate: text starting with = + - @ tab CR
                    # carries a leading apostrophe; numbers are plain
                    if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                        float(cell)  # only a (negative) number may start so
                name = rec[i_name]
                want = next(v for v in INJECTION_NAMES.values() if name in (v, "'" + v))
                if want[0] in "=+-@":
                    self.assertEqual(name, "'" + want)
                    seen += 1
                else:
                    self.assertEqual(name, want)
            self.assertGreaterEqual(seen, 2 if tname == "atc_watch" else 4)
            if "campaign_name" in header:
                for rec in body:
                    self.assertEqual(rec[header.index("campaign_name")], "'" + EVIL_CAMPAIGN)
            self.assertIn("\"'=cmd|' /C calc'!A0\"", r.out)

    def test_json_keeps_exact_strings(self):
        for tname, extra in self.TEMPLATES:
            doc = report_json("--template", tname, *extra, "--input", INJECTION_CSV)
            names = {r["ad_name"] for r in doc["rows"]}
            self.assertIn("=cmd|' /C calc'!A0", names)
            for n in names:
                self.assertIn(n, INJECTION_NAMES.values())

    def test_markdown_escapes(self):
        for tname, extra in self.TEMPLATES:
            r = run("report", "--template", tname, *extra, "--input", INJECTION_CSV, "--format",
                    "md")
            self.assertEqual(r.rc, 0, r)
            head, body = md_rows(r.out)
            for row in body:
                self.assertEqual(len(row), len(head), row)  # no pipe broke a row
            names = {row[0] for row in body}
            self.assertIn("=cmd|' /C calc'!A0", names)
            self.assertNotIn("<script>", r.out)
            self.assertIn("=cmd\\|' /C calc'!A0", r.out)
        # the title and description are escaped too
        r = run("report", "--template", "atc_watch", "--templates", USER_TEMPLATES, "--input",
                INJECTION_CSV, "--format", "md")
        self.assertIn("# Add-to-cart watch &lt;weekly&gt; &amp; \"costs\"\n", r.out)
        self.assertNotIn("<weekly>", r.out)

    def test_html_escapes(self):
        for tname, extra in self.TEMPLATES:
            r = run("report", "--template", tname, *extra, "--input", INJECTION_CSV, "--format",
                    "html")
            self.assertEqual(r.rc, 0, r)
            page = parse_html(r.out)
            self.assertNotIn("script", page.tags)
            self.assertNotIn("b", page.tags)
            names = {row[0] for row in page.rows}
            self.assertIn("=cmd|' /C calc'!A0", names)
            for n in names:
                self.assertIn(n, INJECTION_NAMES.values())
            self.assertIn("=cmd|&#39; /C calc&#39;!A0", r.out)
        r = run("report", "--template", "creative_performance", "--input", INJECTION_CSV,
                "--format", "html")
        self.assertIn("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;", r.out)
        r = run("report", "--template", "atc_watch", "--templates", USER_TEMPLATES, "--input",
                INJECTION_CSV, "--format", "html")
        self.assertIn("<title>Add-to-cart watch &lt;weekly&gt; &amp; &quot;costs&quot;</title>",
                      r.out)

    def test_table_shows_names(self):
        r = run("report", "--template", "creative_performance", "--input", INJECTION_CSV)
        self.assertEqual(r.rc, 0, r)
        self.assertIn("=cmd|' /C calc'!A0", r.out)


# ------------------------------------------------------------------------------ custom columns in metrics

class MetricsCustomColumns(unittest.TestCase):
    def test_equal_builtin_formulas(self):
        r = run("metrics", "--input", EXPORT_CSV, "--format", "json", "--columns",
                "cost_per_atc,cost_per_add_to_cart,video_view_rate_75,view_rate_p75,"
                "hook_rate_2s,hook_rate", "--sort", "cost_per_atc:desc")
        self.assertEqual(r.rc, 0, r)
        rows = json.loads(r.out)["rows"]
        exp = aggregate(EXPORT_CSV, "ad_id")
        self.assertEqual(len(rows), len(exp))
        for row in rows:
            self.assertEqual(row["cost_per_atc"], row["cost_per_add_to_cart"])
            self.assertEqual(row["video_view_rate_75"], row["view_rate_p75"])
            self.assertEqual(row["hook_rate_2s"], row["hook_rate"])
            for col in ("cost_per_atc", "video_view_rate_75", "hook_rate_2s"):
                self.assertTrue(close(row[col], value(exp[row["ad_id"]], col)), col)
        vals = [row["cost_per_atc"] for row in rows]
        defined = [v for v in vals if v is not None]
        self.assertEqual(defined, sorted(defined, reverse=True))
        self.assertEqual(vals[:len(defined)], defined)  # nulls last

    def test_division_by_zero_is_null(self):
        r = run("metrics", "--input", INJECTION_CSV, "--format", "json", "--columns",
                "add_to_cart,cost_per_atc")
        self.assertEqual(r.rc, 0, r)
        rows = {row["ad_id"]: row for row in json.loads(r.out)["rows"]}
        self.assertEqual(rows["1820000000000000005"]["add_to_cart"], 0)
        self.assertIsNone(rows["1820000000000000005"]["cost_per_atc"])
        self.assertNotIn("Infinity", r.out)
        self.assertNotIn("NaN", r.out)
        r = run("metrics", "--input", INJECTION_CSV, "--format", "csv", "--columns",
                "cost_per_atc")
        line = next(l for l in r.out.splitlines() if "1820000000000000005" in l)
        self.assertTrue(line.endswith(","), line)

    def test_levels_and_formats(self):
        exp = aggregate(EXPORT_CSV, "campaign_id")
        for fmt in ("csv", "md", "table"):
            r = run("metrics", "--input", EXPORT_CSV, "--level", "campaign", "--format", fmt,
                    "--columns", "cost_per_atc")
            self.assertEqual(r.rc, 0, r)
            self.assertIn("cost\\_per\\_atc" if fmt == "md" else "cost_per_atc", r.out)
        r = run("metrics", "--input", EXPORT_CSV, "--level", "campaign", "--format", "csv",
                "--columns", "cost_per_atc")
        recs = list(csv.DictReader(io.StringIO(r.out)))
        for rec in recs:
            self.assertTrue(close(float(rec["cost_per_atc"]),
                                  value(exp[rec["campaign_id"]], "cost_per_atc")))

    def test_columns_file_override_and_suggestion(self):
        with tempfile.TemporaryDirectory() as tmp:
            cols = os.path.join(tmp, "c.lua")
            with open(cols, "w") as f:
                f.write('column { name = "spend_per_day", kind = "money",\n'
                        '  formula = function(r) return r.spend / r.days end }\n')
            r = run("metrics", "--input", EXPORT_CSV, "--format", "json", "--columns-file", cols,
                    "--columns", "spend,days,spend_per_day")
            self.assertEqual(r.rc, 0, r)
            for row in json.loads(r.out)["rows"]:
                self.assertTrue(close(row["spend_per_day"], row["spend"] / row["days"]))
            # the bundled columns are not loaded then
            r = run("metrics", "--input", EXPORT_CSV, "--columns-file", cols, "--columns",
                    "cost_per_atc")
            self.assertEqual(r.rc, 2, r)
        r = run("metrics", "--input", EXPORT_CSV, "--columns", "cost_per_act")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("did you mean 'cost_per_atc'", r.err)

    def test_builtin_columns_do_not_load_lua(self):
        # a broken columns.file is not read unless a custom column is asked for... except when
        # named explicitly: then it is an error
        with tempfile.TemporaryDirectory() as tmp:
            cols = os.path.join(tmp, "c.lua")
            with open(cols, "w") as f:
                f.write("this is not lua\n")
            r = run("metrics", "--input", EXPORT_CSV, "--columns-file", cols, "--columns", "ctr")
            self.assertEqual(r.rc, 2, r)
            self.assertIn(f"{cols}:1:", r.err)


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
