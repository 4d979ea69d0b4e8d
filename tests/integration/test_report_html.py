#!/usr/bin/env python3
"""test_report_html.py — DIR/report.html of `hookline analyze` (issue 6, "Reports"). Python 3
standard library only; the browser part uses Debian's chromium (/usr/bin/chromium) and is skipped,
with a message saying so, when it is not installed. ctest passes HOOKLINE, HL_SOURCE_DIR and
HL_TEST_DATA; without them the defaults are <repo>/build/hookline and <repo>.

Run:  HOOKLINE=build/hookline /usr/bin/python3 tests/integration/test_report_html.py [Test[.test]...]
HL_REPORT_KEEP=DIR keeps the reports and the browser screenshots there, to look at.
The last line of output is "N passed, M failed"; the exit status is non-zero on any failure.

What is checked:
  - static: one self-contained file: no <script>, no external resource of any kind (every href is
    a #fragment that exists, no src, no url() or @import in CSS, no event-handler attributes), a
    viewport meta; the charts: a forest plot per ad group, and a funnel, a retention curve and
    sparklines per ad, each an <svg> with a viewBox; the account totals equal the sums of the ads
    in findings.json; briefs in priority order; no NaN or Infinity anywhere; byte-identical
    re-runs;
  - hostile names: an ad named `<img src=x onerror=alert(1)> & "quote"` (and an ad group with
    markup in its name) stays text: the raw string never appears, the parser sees no element it
    would make, and the name reads back exactly; a campaign without conversions gets CTR as its
    goal metric and "–" for CPA;
  - in chromium: the DOM it builds has the charts and no script; laid out in a 375 px wide frame
    the page does not scroll sideways and no element sticks out; every chart renders with a size;
    screenshots at 375 and 800 px are real, non-blank images of the requested width.
"""
import csv
import html
import html.parser
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
import zlib

SRC = os.environ.get("HL_SOURCE_DIR") or os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
HOOKLINE = os.environ.get("HOOKLINE") or os.path.join(SRC, "build", "hookline")
EXPORT_CSV = os.path.join(SRC, "examples", "tiktok-export.csv")
CHROMIUM = os.environ.get("HL_CHROMIUM") or "/usr/bin/chromium"
KEEP = os.environ.get("HL_REPORT_KEEP")

HOSTILE_AD = '<img src=x onerror=alert(1)> & "quote"'
HOSTILE_GROUP = "Broad <b>18-44</b> 'F' & co"
LONG_AD = "GS_" + "Very_long_name_without_any_spaces_" * 3 + "end"
CHART_CLASSES = ("forest", "funnel", "retention", "sparkline")

_tmp = tempfile.mkdtemp(prefix="hl_report_")


def analyze(csv_path, name):
    out = os.path.join(_tmp, name)
    r = subprocess.run([HOOKLINE, "analyze", "--input", csv_path, "--out", out],
                       capture_output=True, text=True, timeout=120)
    if r.returncode not in (0, 1) or not os.path.exists(os.path.join(out, "report.html")):
        raise AssertionError(f"analyze {csv_path} -> rc {r.returncode}\n{r.stderr}")
    if KEEP:
        os.makedirs(KEEP, exist_ok=True)
        shutil.copy(os.path.join(out, "report.html"), os.path.join(KEEP, f"{name}.html"))
    return out


def hostile_export():
    """The example export with hostile and long names, and one campaign without conversions."""
    with open(EXPORT_CSV, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    head = rows[0]
    col = {h.replace("\xa0", " "): i for i, h in enumerate(head)}
    conv = [col[k] for k in ("Conversions", "Cost per conversion", "Conversion rate (CVR)")]
    for row in rows[1:]:
        if len(row) != len(head):
            continue  # the closing "Total of ... results" row
        if row[col["Ad name"]] == "GS_UGC_unboxing_v2":
            row[col["Ad name"]] = HOSTILE_AD
        if row[col["Ad name"]] == "GS_Greenscreen_FAQ":
            row[col["Ad name"]] = LONG_AD
        if row[col["Ad group name"]] == "Broad 18-44 F":
            row[col["Ad group name"]] = HOSTILE_GROUP
        if row[col["Campaign name"]].startswith("Retargeting"):
            for i in conv:
                row[i] = "-"
    path = os.path.join(_tmp, "hostile.csv")
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


class Page(html.parser.HTMLParser):
    """What the tests look at: every start tag with its attributes, the text, the svg classes."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags, self.text, self.ids, self.style = [], [], set(), []
        self.svgs = {}
        self.stack = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "svg":
            for c in (a.get("class") or "").split():
                self.svgs[c] = self.svgs.get(c, 0) + 1
        self.stack.append(tag)

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop() != tag:
            pass

    def handle_data(self, data):
        if self.stack and self.stack[-1] == "style":
            self.style.append(data)
        else:
            self.text.append(data)

    def alltext(self):
        return "".join(self.text)


def read(out):
    with open(os.path.join(out, "report.html"), encoding="utf-8") as f:
        return f.read()


def load(out, name):
    with open(os.path.join(out, name), encoding="utf-8") as f:
        return json.load(f)


def ws(s):
    return re.sub(r"\s+", " ", s)


def group_count(findings):
    return len({(a["campaign_id"], a["adgroup_id"]) for a in findings["ads"]})


class Static(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.out = analyze(EXPORT_CSV, "example")
        cls.text = read(cls.out)
        cls.page = Page(cls.text)
        cls.findings = load(cls.out, "findings.json")
        cls.briefs = load(cls.out, "briefs.json")

    def test_self_contained(self):
        self.assertTrue(self.text.startswith("<!DOCTYPE html>"))
        tags = [t for t, _ in self.page.tags]
        for bad in ("script", "link", "img", "iframe", "object", "embed", "base", "form",
                    "audio", "video", "source", "frame", "input"):
            self.assertNotIn(bad, tags, f"<{bad}> in the report")
        self.assertNotIn("<script", self.text.lower())
        for tag, a in self.page.tags:
            for k, v in a.items():
                self.assertFalse(k.startswith("on"), f"event handler {k} on <{tag}>")
                self.assertNotIn(k, ("src", "srcset", "action", "formaction", "background",
                                     "poster", "data", "xlink:href"), f"{k} on <{tag}>")
                if k == "href":
                    self.assertTrue(v.startswith("#"), f"external href {v!r}")
                    self.assertIn(v[1:], self.page.ids, f"href {v} to a missing id")
                if k == "xmlns":
                    self.assertEqual(v, "http://www.w3.org/2000/svg")
                elif v and re.search(r"(?i)(https?:|//|javascript:|url\()", v):
                    self.assertFalse(True, f"{k}={v!r} on <{tag}> looks like a resource")
            if tag == "meta" and a.get("http-equiv"):
                self.fail(f"<meta http-equiv={a['http-equiv']}>")
        css = "".join(self.page.style)
        self.assertNotRegex(css, r"(?i)url\(|@import|@font-face|expression\(")
        self.assertTrue(any(t == "meta" and a.get("name") == "viewport" for t, a in self.page.tags))
        self.assertTrue(any(t == "meta" and (a.get("charset") or "").lower() == "utf-8"
                            for t, a in self.page.tags))

    def test_charts(self):
        nads, ngroups = len(self.findings["ads"]), group_count(self.findings)
        self.assertEqual(self.page.svgs.get("forest"), ngroups, self.page.svgs)
        for c in ("funnel", "retention", "sparkline"):
            self.assertEqual(self.page.svgs.get(c), nads, (c, self.page.svgs))
        for tag, a in self.page.tags:
            if tag == "svg":
                self.assertRegex(a.get("viewbox", ""), r"^0 0 \d+ \d+$")
                self.assertEqual(a.get("width"), "100%")
        # a forest plot says what its axis is, in %
        self.assertIn("CPA vs rest of the ad group (lower is better)", self.page.alltext())
        self.assertRegex(self.page.alltext(), "0%")

    def test_account_summary(self):
        ads = self.findings["ads"]
        spend = sum(a["counters"]["spend"] or 0 for a in ads)
        conv = sum(a["counters"]["conversions"] or 0 for a in ads)
        impr = sum(a["counters"]["impressions"] or 0 for a in ads)
        text = self.page.alltext()
        self.assertIn(f"{spend:,.2f}", text)
        self.assertIn(f"{impr:,.0f}", text)
        self.assertIn(f"{conv:,.0f}", text)
        self.assertIn(f"{spend / conv:,.2f}", text)
        self.assertRegex(text, r"CPA\s*[\d.,]+\s*95% interval [\d.,]+ to [\d.,]+")
        self.assertRegex(text, r"ROAS\s*[\d.,]+\s*95% interval [\d.,]+ to [\d.,]+")
        self.assertIn("Observational", text)
        self.assertIn(f"as of {self.findings['as_of']}", text)

    def test_briefs_by_priority(self):
        briefs = sorted(self.briefs["briefs"], key=lambda b: (-b["priority"], b["id"]))
        ids = [a["id"] for t, a in self.page.tags if t == "details" and "brief" in a.get("class", "")]
        self.assertEqual(ids, [b["id"] for b in briefs])
        # control characters (a newline in an ad name) are spaces in HTML
        text = ws(self.page.alltext())
        pos = [text.find(ws(b["title"])) for b in briefs]
        self.assertTrue(all(p >= 0 for p in pos), "a brief title is missing")
        self.assertEqual(pos, sorted(pos))
        for b in briefs:
            self.assertIn(ws(b["success"]["criterion"]), text)
            self.assertIn(ws(b["diagnoses"][0]["summary"]), text)

    def test_no_nan_or_infinity(self):
        self.assertNotRegex(self.text, r"(?i)\bnan\b|\binf(inity)?\b")

    def test_deterministic(self):
        again = analyze(EXPORT_CSV, "example-again")
        self.assertEqual(read(again), self.text)

    def test_written_with_the_other_outputs(self):
        manifest = load(self.out, "manifest.json") if os.path.exists(
            os.path.join(self.out, "manifest.json")) else None
        if manifest is not None:
            self.assertIn("report.html", json.dumps(manifest))


class Hostile(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.out = analyze(hostile_export(), "hostile")
        cls.text = read(cls.out)
        cls.page = Page(cls.text)
        cls.findings = load(cls.out, "findings.json")

    def test_raw_strings_never_appear(self):
        self.assertIn(HOSTILE_AD, [a["ad_name"] for a in self.findings["ads"]])
        self.assertNotIn(HOSTILE_AD, self.text)
        self.assertNotIn("<img", self.text)
        self.assertNotIn(HOSTILE_GROUP, self.text)
        self.assertNotIn("<b>18-44</b>", self.text)
        self.assertNotIn("'F'", self.text)
        self.assertNotIn('"quote"', self.text)
        tags = [t for t, _ in self.page.tags]
        self.assertNotIn("img", tags)
        for _, a in self.page.tags:
            self.assertNotIn("onerror", a)

    def test_names_read_back_exactly(self):
        text = self.page.alltext()
        self.assertIn(HOSTILE_AD, text)
        self.assertIn(HOSTILE_GROUP, text)
        self.assertIn(LONG_AD, text)
        self.assertIn(html.escape(HOSTILE_AD, quote=True).replace("&#x27;", "&#39;"), self.text)

    def test_no_conversions_campaign(self):
        # Retargeting has no conversions: its ad groups' goal is CTR, and CPA is "–"
        self.assertIn("CTR vs rest of the ad group (higher is better)", self.page.alltext())
        self.assertIn("CPA \u2013", self.page.alltext())
        self.assertNotRegex(self.text, r"(?i)\bnan\b|\binf(inity)?\b")
        nads, ngroups = len(self.findings["ads"]), group_count(self.findings)
        self.assertEqual(self.page.svgs.get("forest"), ngroups)
        self.assertEqual(self.page.svgs.get("funnel"), nads)


def png_info(path):
    """Width, height and the number of distinct bytes in the first scanlines (blank ~ 1-3)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    w, h = struct.unpack(">II", data[16:24])
    idat, pos = b"", 8
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + n]
        pos += 12 + n
    raw = zlib.decompressobj().decompress(idat, 4 * w * 400)
    return w, h, len(set(raw))


HARNESS = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="f" src="%(src)s" style="width:%(w)dpx;height:900px;border:0"></iframe>
<script>
window.addEventListener('load', function () {
  var fr = document.getElementById('f'), d = fr.contentDocument, w = %(w)d, bad = [], r = {};
  r.scrollWidth = d.documentElement.scrollWidth;
  r.clientWidth = d.documentElement.clientWidth;
  d.querySelectorAll('body *').forEach(function (e) {
    var b = e.getBoundingClientRect();
    if (b.width > 0 && b.right > w + 0.5)
      bad.push(e.tagName + '.' + (e.getAttribute('class') || '') + '#' + (e.id || '') +
               ' right=' + Math.round(b.right));
  });
  r.overflowing = bad.slice(0, 8);
  r.charts = {};
  d.querySelectorAll('svg').forEach(function (s) {
    var c = s.getAttribute('class'), b = s.getBoundingClientRect();
    r.charts[c] = r.charts[c] || {n: 0, empty: 0};
    r.charts[c].n++;
    if (!(b.width > 50 && b.height > 20)) r.charts[c].empty++;
  });
  var o = document.createElement('pre');
  o.id = 'result';
  o.textContent = JSON.stringify(r);
  document.body.appendChild(o);
});
</script></body></html>
"""


@unittest.skipUnless(os.access(CHROMIUM, os.X_OK),
                     f"{CHROMIUM} not installed (apt-get install chromium): browser checks skipped")
class Browser(unittest.TestCase):
    """The report as Debian's chromium renders it."""

    @classmethod
    def setUpClass(cls):
        cls.out = analyze(EXPORT_CSV, "browser")
        cls.hostile = analyze(hostile_export(), "browser-hostile")
        cls.profile = tempfile.mkdtemp(prefix="chromium_", dir=_tmp)

    def chromium(self, *args):
        cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-dev-shm-usage", "--hide-scrollbars", f"--user-data-dir={self.profile}",
               *args]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, f"{' '.join(cmd)}\n{r.stderr[-2000:]}")
        return r.stdout

    def url(self, out):
        return "file://" + os.path.join(out, "report.html")

    def test_dom_has_the_charts(self):
        dom = self.chromium("--dump-dom", self.url(self.out))
        page = Page(dom)
        findings = load(self.out, "findings.json")
        self.assertEqual(page.svgs.get("forest"), group_count(findings), page.svgs)
        for c in ("funnel", "retention", "sparkline"):
            self.assertEqual(page.svgs.get(c), len(findings["ads"]), (c, page.svgs))
        self.assertNotIn("script", [t for t, _ in page.tags])
        self.assertIn("Creative report", page.alltext())

    def layout(self, out, width):
        harness = os.path.join(out, f"harness-{width}.html")
        with open(harness, "w", encoding="utf-8") as f:
            f.write(HARNESS % {"src": "report.html", "w": width})
        dom = self.chromium("--allow-file-access-from-files", "--virtual-time-budget=5000",
                            "--window-size=1000,1000", "--dump-dom", "file://" + harness)
        m = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S)
        self.assertTrue(m, f"the harness did not report:\n{dom[-1500:]}")
        return json.loads(html.unescape(m.group(1)))

    def check_phone(self, out):
        r = self.layout(out, 375)
        self.assertEqual(r["clientWidth"], 375, r)
        self.assertLessEqual(r["scrollWidth"], 375, f"horizontal scroll at 375 px: {r}")
        self.assertEqual(r["overflowing"], [], f"elements wider than 375 px: {r}")
        for c in CHART_CLASSES:
            self.assertIn(c, r["charts"], r)
            self.assertGreater(r["charts"][c]["n"], 0)
            self.assertEqual(r["charts"][c]["empty"], 0, f"{c} charts without a size: {r}")

    def test_harness_sees_overflow(self):
        # the check itself: a page with a 420 px wide block must fail it
        d = tempfile.mkdtemp(dir=_tmp)
        with open(os.path.join(d, "report.html"), "w", encoding="utf-8") as f:
            f.write('<!DOCTYPE html><meta name="viewport" content="width=device-width">'
                    '<div class="wide" style="width:420px">x</div><svg class="forest"></svg>')
        r = self.layout(d, 375)
        self.assertEqual(r["clientWidth"], 375)
        self.assertGreater(r["scrollWidth"], 375)
        self.assertTrue(any("wide" in e for e in r["overflowing"]), r)

    def test_no_horizontal_overflow_at_375(self):
        self.check_phone(self.out)

    def test_no_horizontal_overflow_with_long_and_hostile_names(self):
        self.check_phone(self.hostile)

    def test_screenshots(self):
        for width in (375, 800):
            png = os.path.join(self.out, f"report-{width}.png")
            self.chromium(f"--window-size={width},2000", f"--screenshot={png}", self.url(self.out))
            w, h, distinct = png_info(png)
            self.assertEqual((w, h), (width, 2000))
            self.assertGreater(distinct, 20, f"{png} looks blank")
            if KEEP:
                shutil.copy(png, KEEP)


def main():
    print(f"hookline: {HOOKLINE}\nsource:   {SRC}", flush=True)
    loader = unittest.defaultTestLoader
    module = sys.modules[__name__]
    suite = (loader.loadTestsFromNames(sys.argv[1:], module) if sys.argv[1:]
             else loader.loadTestsFromModule(module))
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
    for test, why in result.skipped:
        print(f"SKIPPED {test}: {why}")
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    passed = max(0, result.testsRun - failed - len(result.skipped))  # setUpClass errors count as failed, not run
    shutil.rmtree(_tmp, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
