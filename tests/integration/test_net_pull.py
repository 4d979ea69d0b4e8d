#!/usr/bin/env python3
"""test_net_pull.py — `hookline pull` against a mock of TikTok's report endpoint (issue 7, Tests).

Each test starts tests/tools/mock_tiktok.py on 127.0.0.1 (a free port; it follows
/work/shared/reference/tiktok-api.md and serves a deterministic dataset: ADV_A 120 ads and ADV_B
60 ads over 2026-01-01..2026-04-30, ADV_C 130 campaigns / 174 ads in March) with a fault mix, runs
`hookline pull`, and compares the output JSON lines with the mock's dataset: every (advertiser,
ad, date) row exactly once with the API's metric values — or exit 3 and no output file. The
mock's request log is checked for the request contract (trailing slash, Access-Token header,
report_type/data_level/dimensions/metrics/page_size/filtering, windows <= 30 days covering the
range once), the client-side rate limit, bounded retries and restarts. A recognisable token is
planted and searched for in stdout, stderr (with -v -v) and every file pull writes.

Fault matrix (mock rule kinds, see mock_tiktok.py):
  throttles: code 40100 bursts (consecutive on the same request), 40016, 40133
  server side: codes 50000, 50002, 51021, 60001, 20001, 40200, 40201, 40202, 40700
  transport: HTTP 500/502/503/504, non-JSON body, empty body, truncated body (Content-Length
             short), cut body (EOF-delimited half JSON), slow answer past --timeout-ms
  pagination: a row vanishing between pages (total_number changes), a repeated (ad, date) key
             across pages, a page one row short; a window whose pages never agree (bounded
             restarts, exit 3)
  size: 40067 for windows longer than 7 days (the window shrinks), the X-Tt-Ads-Throttle
        truncation (> --trunc-ads ads: split by campaign_ids, <= 100 ids per filter)
  auth: wrong token (40105) fails at once naming the advertiser, 40106 for one advertiser,
        40000/40001/40002 fail without retry
  budget: a window that never succeeds (exit 3, no file; --keep-partial writes the rest and
          names the missing window), everything failing ends within the retry budget
  usage: exit 2 for bad options, non-loopback http, user:password in the URL, no token

Run:  HOOKLINE=build/hookline python3 tests/integration/test_net_pull.py [Class[.test] ...]
The last line of output is "N passed, M failed"; the exit status is non-zero on any failure.
"""
import datetime as dt
import json
import os
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

SRC = os.environ.get("HL_SOURCE_DIR") or os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "tools"))
import mock_tiktok as mt  # noqa: E402
import netsrv  # noqa: E402
from netsrv import run  # noqa: E402

TOKEN = "tt-PLANTED-" + os.urandom(6).hex() + "-TOKEN"
A, B, C = mt.ADV_A, mt.ADV_B, mt.ADV_C
FROM, TO = "2026-01-01", "2026-04-02"          # 92 days: windows of 30, 30, 30, 2
MID0, MID1 = "2026-01-31", "2026-03-31"        # 60 days (2 windows, 1-3 pages each): fault tests
REQUIRED_METRICS = ["spend", "impressions", "clicks", "conversion", "video_watched_2s",
                    "campaign_id", "campaign_name", "adgroup_id", "adgroup_name", "ad_name",
                    "currency"]
# fast retries so that the suite runs in seconds; throttles wait longer than this (60x in net.h)
FAST = ["--concurrency", "4", "--timeout-ms", "1500", "--retry-base-ms", "20",
        "--retry-budget-s", "20"]
DATA = mt.dataset()


def d(s):
    return dt.date.fromisoformat(s)


def days(a, b):
    return (d(b) - d(a)).days + 1


def norm(v):
    """A metric value as compared: "-" and null are missing, numbers and numeric strings are
    numbers, other strings are themselves."""
    if v is None or v == "-":
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        try:
            if v.strip() and v.strip().lstrip("-").replace(".", "", 1).isdigit():
                return float(v)
        except ValueError:
            pass
    return v


def report_entries(entries):
    return [e for e in entries if e["path"].rstrip("/") == mt.REPORT_PATH.rstrip("/")]


def campaign_filter(e):
    for f in e["params"].get("filtering") or []:
        if isinstance(f, dict) and f.get("field_name") == "campaign_ids":
            try:
                return tuple(json.loads(f["filter_value"]))
            except (ValueError, TypeError):
                return ("<bad>",)
    return None


def req_key(e):
    p = e["params"]
    return (p.get("advertiser_id"), p.get("start_date"), p.get("end_date"), p.get("page"),
            campaign_filter(e))


def max_in_window(ts, width):
    ts = sorted(ts)
    best, j = 0, 0
    for i in range(len(ts)):
        while ts[i] - ts[j] >= width:
            j += 1
        best = max(best, i - j + 1)
    return best


class PullCase(unittest.TestCase):
    maxDiff = 4000

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="hl-pull-")
        self.dir = self.tmp.name
        self.mock = None
        self.runs = []

    def tearDown(self):
        if self.mock:
            self.mock.stop()
        self.tmp.cleanup()

    # ---- plumbing ----
    def start(self, faults=(), *args):
        self.mock = netsrv.Server("mock_tiktok.py", os.path.join(self.dir, "mock.log"),
                                  "--faults", json.dumps(list(faults)), *args,
                                  env={"MOCK_TIKTOK_TOKEN": TOKEN})
        return self.mock

    def pull(self, advs, d0=FROM, d1=TO, *extra, out="out.jsonl", token=TOKEN, verbose=True,
             rate="50", fast=True, timeout=60):
        out_path = os.path.join(self.dir, out) if out else None
        args = (["-v", "-v"] if verbose else []) + [
            "pull", "--advertiser", ",".join(advs), "--from", d0, "--to", d1,
            "--api-base", self.mock.url()]
        if out_path:
            args += ["--out", out_path]
        if rate:
            args += ["--rate", rate]
        args += (FAST if fast else []) + list(extra)
        env = {"HOOKLINE_TIKTOK_TOKEN": token} if token else {}
        r = run(*args, env=env, unset=() if token else ("HOOKLINE_TIKTOK_TOKEN",),
                timeout=timeout)
        r.out_path = out_path
        self.runs.append(r)
        self.assert_no_token_leak(r)
        return r

    def assert_no_token_leak(self, r):
        self.assertNotIn(TOKEN, r.out, "token printed on stdout" + repr(r))
        self.assertNotIn(TOKEN, r.err, "token printed on stderr" + repr(r))
        for p in netsrv.files_under(self.dir):
            if os.path.basename(p) == "mock.log" or p.endswith(".token"):
                continue
            with open(p, "rb") as f:
                self.assertNotIn(TOKEN.encode(), f.read(), f"token written to {p}")

    def log(self):
        self.mock.settle()
        return self.mock.entries()

    def read_rows(self, path):
        rows = []
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except ValueError as e:
                    self.fail(f"{path}:{n}: not JSON ({e}): {line[:200]!r}")
                rows.append(obj)
        return rows

    def requested_metrics(self, entries):
        for e in report_entries(entries):
            if e.get("code") == 0:
                m = e["params"].get("metrics")
                if isinstance(m, list):
                    return m
        self.fail("no successful report request in the mock's log")

    def expected(self, advs, d0=FROM, d1=TO, minus=()):
        """{(adv, ad_id, day): metrics} for a complete pull, without the (adv, w0, w1) windows
        in `minus`."""
        exp = {}
        for a in advs:
            for (ad, day), m in DATA.rows_for(a, d0, d1).items():
                dd = d(day[:10])
                if any(a == ma and d(w0) <= dd <= d(w1) for ma, w0, w1 in minus):
                    continue
                exp[(a, ad, day)] = m
        return exp

    def assert_rows(self, r, advs, d0=FROM, d1=TO, minus=()):
        """The output file holds every expected row exactly once, with the API's values."""
        self.assertTrue(os.path.exists(r.out_path), "no output file" + repr(r))
        rows = self.read_rows(r.out_path)
        metrics = self.requested_metrics(self.log())
        exp = self.expected(advs, d0, d1, minus)
        seen = {}
        bad_shape, dups, extra, wrong = [], [], [], []
        for i, row in enumerate(rows):
            if not (isinstance(row, dict) and isinstance(row.get("dimensions"), dict)
                    and isinstance(row.get("metrics"), dict) and "advertiser_id" in row):
                bad_shape.append((i, row))
                continue
            k = (str(row["advertiser_id"]), row["dimensions"].get("ad_id"),
                 row["dimensions"].get("stat_time_day"))
            if k in seen:
                dups.append(k)
                continue
            seen[k] = row
            if k not in exp:
                extra.append(k)
                continue
            want = exp[k]
            for m in metrics:
                if m not in want:
                    continue
                if norm(row["metrics"].get(m, "<absent>")) != norm(want[m]):
                    wrong.append((k, m, row["metrics"].get(m, "<absent>"), want[m]))
        missing = [k for k in exp if k not in seen]
        self.assertFalse(bad_shape,
                         f"rows without advertiser_id/dimensions/metrics: {bad_shape[:3]}")
        self.assertFalse(dups, f"{len(dups)} repeated (advertiser, ad, date) rows, e.g. {dups[:3]}"
                         + repr(r))
        self.assertFalse(missing, f"{len(missing)} of {len(exp)} rows missing, e.g. {missing[:3]}"
                         + repr(r))
        self.assertFalse(extra, f"{len(extra)} unexpected rows, e.g. {extra[:3]}")
        self.assertFalse(wrong, f"{len(wrong)} metric values differ (row, metric, got, want): "
                         f"{wrong[:5]}")
        self.assertEqual(len(rows), len(exp))
        return rows

    def assert_no_output(self, r):
        self.assertFalse(os.path.exists(r.out_path), "an output file was written" + repr(r))
        left = [p for p in os.listdir(self.dir) if p not in ("mock.log",) and
                not p.endswith(".token") and not p.startswith("keep")]
        self.assertEqual(left, [], "files left behind by a failed pull" + repr(r))

    def assert_requests_contract(self, entries, advs, d0=FROM, d1=TO):
        rep = report_entries(entries)
        self.assertTrue(rep, "no report request reached the mock")
        for e in entries:
            self.assertNotEqual(e["status"], 404, f"404 (missing trailing slash?): {e['path']}")
            self.assertTrue(e["path"].endswith("/"), e["path"])
            self.assertEqual(e["token"], "ok", f"Access-Token {e['token']} on {e['path']}")
            self.assertFalse(e["bearer"], "Authorization header sent (the API wants Access-Token)")
            self.assertEqual(e["repeated_params"], [], e["query"])
        for e in rep:
            p = e["params"]
            self.assertIn(p.get("advertiser_id"), advs)
            self.assertEqual(p.get("report_type"), "BASIC")
            self.assertEqual(p.get("data_level"), "AUCTION_AD")
            self.assertEqual(p.get("dimensions"), ["ad_id", "stat_time_day"])
            self.assertEqual(p.get("page_size"), "1000")
            self.assertTrue(str(p.get("page", "")).isdigit() and int(p["page"]) >= 1, p.get("page"))
            m = p.get("metrics")
            self.assertIsInstance(m, list, e["query"])
            for name in REQUIRED_METRICS:
                self.assertIn(name, m)
            flt = p.get("filtering")
            self.assertIsInstance(flt, list, e["query"])
            st = [f for f in flt if f.get("field_name") == "ad_status"]
            self.assertEqual(len(st), 1, flt)
            self.assertEqual(st[0].get("filter_type"), "IN")
            self.assertIsInstance(st[0].get("filter_value"), str,
                                  "filter_value must be a JSON array as a string")
            self.assertEqual(json.loads(st[0]["filter_value"]), ["STATUS_ALL"])
            self.assertGreaterEqual(d(p["end_date"]), d(p["start_date"]))
            self.assertLessEqual(days(p["start_date"], p["end_date"]), 30, e["query"])
            self.assertGreaterEqual(d(p["start_date"]), d(d0))
            self.assertLessEqual(d(p["end_date"]), d(d1))
            self.assertNotEqual(e["code"], 40002, f"the mock rejected a request: {e['query']}")
        # the successful windows of each advertiser tile [d0, d1] without overlap
        for a in advs:
            wins = sorted(set((e["params"]["start_date"], e["params"]["end_date"]) for e in rep
                              if e["params"].get("advertiser_id") == a and e["code"] == 0
                              and campaign_filter(e) is None and e["params"].get("page") == "1"
                              and not e.get("truncated")))
            if not wins:
                continue
            self.assertEqual(wins[0][0], d0, f"{a}: windows {wins}")
            self.assertEqual(wins[-1][1], d1, f"{a}: windows {wins}")
            for (s0, e0), (s1, e1) in zip(wins, wins[1:]):
                self.assertEqual(d(s1), d(e0) + dt.timedelta(days=1), f"{a}: windows {wins}")

    def assert_rate(self, entries, rate, burst=None):
        """No window of T seconds (T = 1, 2, 3) holds more than rate*T + burst + 1 requests
        (arrival times at the mock; +1 for the closed interval and scheduling jitter)."""
        if burst is None:
            burst = max(1.0, rate)
        ts = [e["t"] for e in entries]
        for width in (1.0, 2.0, 3.0):
            n = max_in_window(ts, width)
            self.assertLessEqual(n, rate * width + burst + 1,
                                 f"{n} requests within {width:.0f}s at --rate {rate}")

    def assert_fast_fail(self, r, budget_s):
        self.assertEqual(r.rc, 3, r)
        self.assertLess(r.elapsed, budget_s, r)


class MockContract(PullCase):
    """The mock itself follows the reference (so that what the pull tests assert is the API's
    behaviour, not the mock's)."""

    def get(self, path, token=TOKEN, **params):
        q = urllib.parse.urlencode(params)
        req = urllib.request.Request(self.mock.url() + path + "?" + q,
                                     headers={"Access-Token": token} if token else {})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def params(self, adv=A, d0="2026-01-01", d1="2026-01-30", **kw):
        p = {"advertiser_id": adv, "report_type": "BASIC", "data_level": "AUCTION_AD",
             "dimensions": '["ad_id","stat_time_day"]', "metrics": json.dumps(REQUIRED_METRICS),
             "start_date": d0, "end_date": d1, "page": "1", "page_size": "1000",
             "filtering": json.dumps([{"field_name": "ad_status", "filter_type": "IN",
                                       "filter_value": '["STATUS_ALL"]'}])}
        p.update(kw)
        return {k: v for k, v in p.items() if v is not None}

    def test_mock_follows_reference(self):
        self.start([], "--trunc-ads", "150")
        st, _, body = self.get(mt.REPORT_PATH.rstrip("/"), **self.params())
        self.assertEqual(st, 404)
        st, _, body = self.get(mt.REPORT_PATH, **self.params())
        j = json.loads(body)
        self.assertEqual((st, j["code"]), (200, 0))
        pi = j["data"]["page_info"]
        self.assertGreater(pi["total_page"], 1, "a window must span several pages")
        self.assertEqual(pi["total_number"], len(DATA.rows_for(A, "2026-01-01", "2026-01-30")))
        # default page_size is 10
        j = json.loads(self.get(mt.REPORT_PATH, **self.params(page_size=None))[2])
        self.assertEqual(len(j["data"]["list"]), 10)
        # without STATUS_ALL deleted ads are left out silently
        j2 = json.loads(self.get(mt.REPORT_PATH, **self.params(filtering=None))[2])
        self.assertLess(j2["data"]["page_info"]["total_number"], pi["total_number"])
        # 31 days -> 40002; errors come with HTTP 200
        st, _, body = self.get(mt.REPORT_PATH, **self.params(d1="2026-01-31"))
        self.assertEqual((st, json.loads(body)["code"]), (200, 40002))
        # token
        self.assertEqual(json.loads(self.get(mt.REPORT_PATH, token="nope", **self.params())[2])
                         ["code"], 40105)
        self.assertEqual(json.loads(self.get(mt.REPORT_PATH, token=None, **self.params())[2])
                         ["code"], 40104)
        # truncation warning unless filtered by campaign
        st, hdr, body = self.get(mt.REPORT_PATH, **self.params(adv=C, d0="2026-03-01",
                                                                d1="2026-03-20"))
        self.assertIn("X-Tt-Ads-Throttle", hdr)
        camps = [c["campaign_id"] for c in DATA.campaigns[C]]
        flt = json.dumps([{"field_name": "ad_status", "filter_type": "IN",
                           "filter_value": '["STATUS_ALL"]'},
                          {"field_name": "campaign_ids", "filter_type": "IN",
                           "filter_value": json.dumps(camps[:100])}])
        st, hdr, body = self.get(mt.REPORT_PATH, **self.params(adv=C, d0="2026-03-01",
                                                                d1="2026-03-20", filtering=flt))
        self.assertNotIn("X-Tt-Ads-Throttle", hdr)
        self.assertEqual(json.loads(body)["code"], 0)
        flt101 = flt.replace(json.dumps(json.dumps(camps[:100])),
                             json.dumps(json.dumps(camps[:101])))
        self.assertEqual(json.loads(self.get(mt.REPORT_PATH, **self.params(
            adv=C, d0="2026-03-01", d1="2026-03-20", filtering=flt101))[2])["code"], 40002)
        st, _, body = self.get(mt.CAMPAIGN_PATH, advertiser_id=C, page="1", page_size="1000",
                               fields='["campaign_id"]')
        j = json.loads(body)
        self.assertEqual(sorted(x["campaign_id"] for x in j["data"]["list"]), sorted(camps))
        # every request is logged, without the token
        ents = self.log()
        self.assertTrue(all("t" in e and "status" in e for e in ents))
        with open(self.mock.log, encoding="utf-8") as f:
            self.assertNotIn(TOKEN, f.read())

    def test_dataset_is_readable_by_hookline(self):
        """The expected rows, written as pull's output would be, are what `metrics` reads."""
        path = os.path.join(self.dir, "expected.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            exp = self.expected([A, B], "2026-03-01", "2026-03-31")
            for (a, ad, day), m in sorted(exp.items()):
                f.write(json.dumps({"advertiser_id": a, "dimensions": {
                    "ad_id": ad, "stat_time_day": day}, "metrics": m}) + "\n")
        r = run("metrics", "--input", path, "--level", "advertiser", "--format", "json")
        self.assertEqual(r.rc, 0, r)


class Pull(PullCase):
    @classmethod
    def setUpClass(cls):
        cls.available = netsrv.command_available("pull")

    def setUp(self):
        super().setUp()
        if not self.available:
            self.fail("`hookline pull --help` fails: the command has not landed")

    # ---- the happy path ----
    def test_two_advertisers_92_days_rate_limited(self):
        self.start()
        r = self.pull([A, B], FROM, TO, rate="10")
        self.assertEqual(r.rc, 0, r)
        rows = self.assert_rows(r, [A, B])
        ents = self.log()
        self.assert_requests_contract(ents, [A, B])
        self.assert_rate(ents, 10)
        rep = report_entries(ents)
        # several pages per window, no request retried when nothing failed
        self.assertGreater(max(int(e["params"]["page"]) for e in rep), 1)
        keys = [req_key(e) for e in rep]
        self.assertEqual(len(keys), len(set(keys)), "a request was repeated without a fault")
        # nothing else in the folder (atomic write: no temp file left)
        self.assertEqual(sorted(os.listdir(self.dir)), ["mock.log", "out.jsonl"])
        # analyze/metrics read the output
        m = run("metrics", "--input", r.out_path, "--level", "advertiser", "--format", "json")
        self.assertEqual(m.rc, 0, m)
        print(f"    {len(rows)} rows, {len(rep)} requests in {r.elapsed:.2f}s", flush=True)

    def test_advertisers_fetched_concurrently(self):
        """With answers slower than the rate's spacing, requests overlap, across advertisers."""
        self.start([{"kind": "slow", "delay_s": 0.3, "endpoint": "any"}])
        r = self.pull([A, B], "2026-03-02", "2026-04-30", "--timeout-ms", "3000")
        self.assertEqual(r.rc, 0, r)
        self.assert_rows(r, [A, B], "2026-03-02", "2026-04-30")
        rep = report_entries(self.log())
        span = lambda adv: [(e["t"], e["t_done"]) for e in rep
                            if e["params"]["advertiser_id"] == adv]
        overlap = any(a0 < b1 and b0 < a1 for a0, a1 in span(A) for b0, b1 in span(B))
        self.assertTrue(overlap, "no request of A was in flight while one of B was")
        peak = max(sum(1 for s0, s1 in [(e["t"], e["t_done"]) for e in rep] if s0 <= t < s1)
                   for t in [e["t"] for e in rep])
        self.assertGreaterEqual(peak, 2)
        self.assertLessEqual(peak, 4, "more requests in flight than --concurrency 4")

    def test_default_rate_is_5_per_second(self):
        self.start()
        r = self.pull([A, B], FROM, TO, rate=None)
        self.assertEqual(r.rc, 0, r)
        self.assert_rows(r, [A, B])
        ents = self.log()
        self.assertGreater(len(ents), 11, "too few requests to see the limit")
        self.assert_rate(ents, 5)

    def test_progress_on_a_terminal(self):
        """Progress (windows, requests, rows) goes to stderr when it is a terminal, and only
        then; stdout stays clean."""
        import pty
        import select
        import subprocess
        self.start()
        out = os.path.join(self.dir, "tty.jsonl")
        master, slave = pty.openpty()
        env = dict(os.environ, HOOKLINE_TIKTOK_TOKEN=TOKEN)
        p = subprocess.Popen([netsrv.HOOKLINE, "pull", "--advertiser", B, "--from", "2026-03-02",
                              "--to", "2026-04-30", "--api-base", self.mock.url(), "--out", out,
                              "--rate", "50"], stdout=subprocess.PIPE, stderr=slave, env=env)
        os.close(slave)
        buf = b""
        while True:
            r, _, _ = select.select([master], [], [], 30)
            if not r:
                break
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
        stdout = p.communicate(timeout=60)[0]
        os.close(master)
        self.assertEqual(p.returncode, 0, buf)
        self.assertEqual(stdout, b"")
        self.assertNotIn(TOKEN.encode(), buf)
        self.assertIn(b"windows", buf, f"no progress on a terminal (without -v): {buf!r}")
        # not a terminal: no progress line
        r = self.pull([B], "2026-03-02", "2026-04-30", verbose=False, out="plain.jsonl")
        self.assertEqual(r.rc, 0, r)
        self.assertNotIn("\r", r.err)

    def test_token_from_file(self):
        self.start()
        tf = os.path.join(self.dir, "tt.token")
        with open(tf, "w") as f:
            f.write(TOKEN + "\n")
        r = self.pull([B], "2026-03-02", "2026-03-31", "--token-file", tf, token=None)
        self.assertEqual(r.rc, 0, r)
        self.assert_rows(r, [B], "2026-03-02", "2026-03-31")
        self.assertTrue(all(e["token"] == "ok" for e in self.log()))

    # ---- faults that must be ridden out ----
    def test_throttle_bursts(self):
        faults = [{"kind": "code", "code": 40100, "adv": B, "covers": "2026-03-10", "page": 1,
                   "first": 3},
                  {"kind": "code", "code": 40100, "every": 6, "burst": 2},
                  {"kind": "code", "code": 40016, "nth": [4]},
                  {"kind": "code", "code": 40133, "nth": [9]}]
        self.start(faults)
        base_ms = 5
        r = self.pull([A, B], MID0, MID1, "--retry-base-ms", str(base_ms))
        self.assertEqual(r.rc, 0, r)
        self.assert_rows(r, [A, B], MID0, MID1)
        ents = self.log()
        self.assert_requests_contract(ents, [A, B], MID0, MID1)
        rep = report_entries(ents)
        self.assertGreaterEqual(sum(1 for e in rep if e["code"] == 40100), 5)
        # per request: the waits after consecutive throttles
        streaks = {}
        for e in sorted(rep, key=lambda e: e["t"]):
            streaks.setdefault(req_key(e), []).append(e)
        gaps = {}
        for k, seq in streaks.items():
            run_ = 0
            for prev, nxt in zip(seq, seq[1:]):
                run_ = run_ + 1 if prev["code"] in (40100, 40016, 40133) else 0
                if run_:
                    gaps.setdefault(k, []).append(nxt["t"] - prev["t"])
        print("    waits after consecutive throttles (ms): " + "; ".join(
            ", ".join(f"{g * 1000:.0f}" for g in v) for v in gaps.values()), flush=True)
        three = [v for v in gaps.values() if len(v) >= 3]
        self.assertTrue(three, "no request was throttled three times in a row")
        for v in three:
            self.assertGreaterEqual(v[2], 50 * base_ms / 1000,
                                    "no longer wait after repeated 40100 (per-minute limits)")

    def test_server_error_codes(self):
        # Each code is pinned to one request of the pull (advertiser, window, page), so every
        # code is met whatever order the concurrent advertisers' requests arrive in; counting
        # requests globally ("nth") made the last codes depend on the interleaving.
        codes = [50000, 50002, 51021, 60001, 20001, 40200, 40201, 40202, 40700]
        w1, w2 = MID0, "2026-03-02"
        slots = [(A, w1, 1), (A, w1, 2), (A, w1, 3), (A, w2, 1), (A, w2, 2), (A, w2, 3),
                 (B, w1, 1), (B, w2, 1), (B, w2, 2)]
        faults = [{"kind": "code", "code": 50000, "adv": B, "start": w1, "page": 1, "first": 2}]
        for c, (adv, start, page) in zip(codes, slots):
            n = 3 if (adv, start, page) == (B, w1, 1) else 1   # after the two 50000s above
            faults.append({"kind": "code", "code": c, "adv": adv, "start": start, "page": page,
                           "nth": [n]})
        self.start(faults)
        r = self.pull([A, B], MID0, MID1)
        self.assertEqual(r.rc, 0, r)
        self.assert_rows(r, [A, B], MID0, MID1)
        ents = self.log()
        self.assert_requests_contract(ents, [A, B], MID0, MID1)
        seen = set(e["code"] for e in ents)
        for c in codes:
            self.assertIn(c, seen)

    def test_duplicate_keys_are_not_guessed(self):
        """A body with "list" twice (the first empty) is refused and asked again: taking either
        list would be a guess, and taking the first loses the page without a word."""
        self.start([{"kind": "dupkey", "adv": A, "page": 2, "first": 1},
                    {"kind": "dupkey", "adv": B, "nth": [1]}])
        r = self.pull([A, B], MID0, MID1)
        self.assertEqual(r.rc, 0, r)
        self.assert_rows(r, [A, B], MID0, MID1)
        ents = report_entries(self.log())
        self.assertEqual(sum(1 for e in ents if e["fault"] == "dupkey"), 2)
        self.assertIn("duplicate key", r.err)

    def test_transport_faults(self):
        faults = [{"kind": "http", "status": 500, "nth": [1]},
                  {"kind": "http", "status": 502, "nth": [3]},
                  {"kind": "http", "status": 503, "nth": [4]},
                  {"kind": "http", "status": 504, "nth": [6]},
                  {"kind": "nonjson", "nth": [7]},
                  {"kind": "empty", "nth": [9]},
                  {"kind": "truncate", "nth": [10]},
                  {"kind": "cut", "nth": [12]},
                  {"kind": "slow", "delay_s": 2.0, "nth": [13]},
                  {"kind": "truncate", "adv": B, "page": 2, "first": 1}]
        self.start(faults)
        r = self.pull([A, B], MID0, MID1, "--timeout-ms", "800")
        self.assertEqual(r.rc, 0, r)
        self.assert_rows(r, [A, B], MID0, MID1)
        ents = self.log()
        self.assert_requests_contract(ents, [A, B], MID0, MID1)
        kinds = set(e["fault"] for e in ents)
        for k in ("http", "nonjson", "empty", "truncate", "cut", "slow"):
            self.assertIn(k, kinds)

    def test_pagination_not_a_snapshot(self):
        faults = [{"kind": "vanish", "adv": A, "min_page": 2, "first": 1},
                  {"kind": "dup", "adv": A, "min_page": 2, "nth": [3]},
                  {"kind": "short", "adv": B, "min_page": 2, "first": 1}]
        self.start(faults)
        r = self.pull([A, B], MID0, MID1)
        self.assertEqual(r.rc, 0, r)
        self.assert_rows(r, [A, B], MID0, MID1)
        ents = report_entries(self.log())
        self.assert_requests_contract(ents, [A, B], MID0, MID1)
        # each faulty window was read again from page 1 after the fault
        for e in ents:
            if e["fault"] in ("vanish", "dup", "short"):
                p = e["params"]
                again = [x for x in ents if x["t"] > e["t"] and x["params"].get("page") == "1"
                         and x["params"]["advertiser_id"] == p["advertiser_id"]
                         and x["params"]["start_date"] == p["start_date"]]
                self.assertTrue(again, f"window {p['advertiser_id']} {p['start_date']} not "
                                f"restarted from page 1 after a '{e['fault']}' page")

    def test_40067_shrinks_the_window(self):
        self.start([], "--max-window-days", "7")
        r = self.pull([A, B], "2026-02-01", "2026-03-15")
        self.assertEqual(r.rc, 0, r)
        self.assert_rows(r, [A, B], "2026-02-01", "2026-03-15")
        self.assert_requests_contract(self.log(), [A, B], "2026-02-01", "2026-03-15")
        ents = report_entries(self.log())
        self.assertTrue(any(e["code"] == 40067 for e in ents), "no window was too large?")
        for e in ents:
            if e["code"] == 0:
                self.assertLessEqual(days(e["params"]["start_date"], e["params"]["end_date"]), 7)

    def test_truncation_split_by_campaign(self):
        self.start([{"kind": "code", "code": 50000, "endpoint": "campaign", "first": 1},
                    {"kind": "cut", "endpoint": "campaign", "nth": [2]},
                    {"kind": "code", "code": 40100, "campaign_filter": True, "first": 1}],
                   "--trunc-ads", "150")
        r = self.pull([C, B], "2026-03-01", "2026-03-20")
        self.assertEqual(r.rc, 0, r)
        self.assert_rows(r, [C, B], "2026-03-01", "2026-03-20")
        ents = self.log()
        camp = [e for e in ents if e["path"] == mt.CAMPAIGN_PATH]
        self.assertTrue(camp, "campaign/get was never called after the truncation warning")
        for e in camp:
            self.assertEqual(e["params"].get("advertiser_id"), C)
            self.assertEqual(e["params"].get("page_size"), "1000")
            self.assertIn("campaign_id", e["params"].get("fields") or [])
        rep = report_entries(ents)
        filtered = [e for e in rep if campaign_filter(e) is not None]
        self.assertTrue(filtered, "no report request with a campaign_ids filter")
        ids = set()
        for e in filtered:
            cf = campaign_filter(e)
            self.assertLessEqual(len(cf), 100)
            self.assertEqual(e["params"]["advertiser_id"], C)
            ids.update(cf)
        self.assertEqual(ids, set(c["campaign_id"] for c in DATA.campaigns[C]))
        self.assertFalse(any(e.get("truncated") for e in filtered if e["code"] == 0))
        self.assert_requests_contract(ents, [C, B], "2026-03-01", "2026-03-20")

    def test_everything_at_once(self):
        faults = [{"kind": "code", "code": 40100, "every": 9, "burst": 2},
                  {"kind": "code", "code": 50000, "nth": [5, 17]},
                  {"kind": "http", "status": 500, "nth": [7]},
                  {"kind": "truncate", "nth": [11]},
                  {"kind": "cut", "nth": [13]},
                  {"kind": "slow", "delay_s": 2.0, "nth": [15]},
                  {"kind": "vanish", "adv": A, "min_page": 2, "nth": [2]},
                  {"kind": "dup", "adv": B, "min_page": 2, "first": 1}]
        self.start(faults, "--max-window-days", "20")
        r = self.pull([A, B], FROM, TO, "--timeout-ms", "800", "--retry-base-ms", "5", rate="20")
        self.assertEqual(r.rc, 0, r)
        self.assert_rows(r, [A, B])
        ents = self.log()
        self.assert_requests_contract(ents, [A, B])
        self.assert_rate(ents, 20)

    # ---- failures that must end cleanly ----
    def test_wrong_token_fails_at_once(self):
        self.start()
        r = self.pull([A, B], token="tt-WRONG-" + os.urandom(4).hex(), out="out.jsonl")
        self.assert_fast_fail(r, 10)
        self.assert_no_output(r)
        self.assertTrue(A in r.err or B in r.err,
                        "the error does not name the advertiser" + repr(r))
        ents = self.log()
        self.assertTrue(ents)
        self.assertTrue(all(e["code"] == 40105 for e in ents))
        keys = [req_key(e) for e in ents]
        self.assertEqual(len(keys), len(set(keys)), "a request refused with 40105 was retried")

    def test_token_not_for_one_advertiser(self):
        self.start([], "--bad-token-advertisers", B)
        r = self.pull([A, B])
        self.assert_fast_fail(r, 15)
        self.assert_no_output(r)
        self.assertIn(B, r.err, "the error does not name the advertiser" + repr(r))
        ents = [e for e in self.log() if e["params"].get("advertiser_id") == B]
        keys = [req_key(e) for e in ents]
        self.assertEqual(len(keys), len(set(keys)), "a request refused with 40106 was retried")
        # with --keep-partial, A's windows are written and B is named as missing
        r = self.pull([A, B], FROM, TO, "--keep-partial", out="keep.jsonl")
        self.assertEqual(r.rc, 3, r)
        self.assert_rows(r, [A])
        self.assertIn(B, r.err)

    def test_bad_request_codes_fail_without_retry(self):
        self.start()
        for code in (40000, 40001, 40002, 40102, 40104):
            with self.subTest(code=code):
                self.mock.control({"faults": [{"kind": "code", "code": code}]})
                n0 = len(self.log())
                r = self.pull([A], "2026-01-01", "2026-01-20", out=f"out{code}.jsonl")
                self.assert_fast_fail(r, 10)
                self.assert_no_output_file(r)
                self.assertIn(A, r.err, repr(r))
                ents = self.log()[n0:]
                self.assertEqual(len(ents), 1, f"code {code} was retried: {len(ents)} requests")

    def assert_no_output_file(self, r):
        self.assertFalse(os.path.exists(r.out_path), "an output file was written" + repr(r))

    def test_window_that_never_completes(self):
        # every request of A's window holding 2026-02-10 fails with HTTP 500
        self.start([{"kind": "http", "status": 500, "adv": A, "covers": "2026-02-10"}])
        r = self.pull([A, B], FROM, TO, "--retry-budget-s", "1")
        self.assertEqual(r.rc, 3, r)
        self.assertLess(r.elapsed, 20, "retries not bounded by the budget" + repr(r))
        self.assert_no_output_file(r)
        self.assertEqual([p for p in os.listdir(self.dir) if p not in ("mock.log",)], [],
                         "temporary files left behind")
        wins = set((e["params"]["start_date"], e["params"]["end_date"])
                   for e in report_entries(self.log()) if e["fault"] == "http")
        self.assertEqual(len(wins), 1, wins)
        w = wins.pop()
        # --keep-partial: every other window is written, the missing one is named
        r = self.pull([A, B], FROM, TO, "--retry-budget-s", "1", "--keep-partial",
                      out="keep.jsonl")
        self.assertEqual(r.rc, 3, r)
        self.assert_rows(r, [A, B], minus=[(A, w[0], w[1])])
        self.assertIn(A, r.err, r)
        self.assertIn(w[0], r.err, "the missing window is not listed" + repr(r))
        self.assertIn(w[1], r.err, "the missing window is not listed" + repr(r))

    def test_pages_that_never_agree(self):
        self.start([{"kind": "vanish", "adv": A, "min_page": 2}])
        r = self.pull([A], "2026-01-31", "2026-03-01")
        self.assertEqual(r.rc, 3, r)
        self.assert_no_output_file(r)
        firsts = [e for e in report_entries(self.log()) if e["params"].get("page") == "1"]
        self.assertGreaterEqual(len(firsts), 2, "the window was never restarted")
        self.assertLessEqual(len(firsts), 1 + 3 + 2, f"{len(firsts)} restarts: not bounded")

    def test_retry_budget_bounds_everything(self):
        self.start([{"kind": "code", "code": 50000, "endpoint": "any"}])
        r = self.pull([A, B], FROM, TO, "--retry-budget-s", "2")
        self.assertEqual(r.rc, 3, r)
        self.assertLess(r.elapsed, 20, r)
        self.assert_no_output_file(r)

    def test_failed_pull_keeps_existing_output(self):
        self.start()
        path = os.path.join(self.dir, "out.jsonl")
        with open(path, "w") as f:
            f.write("OLD\n")
        r = self.pull([A], token="tt-WRONG-" + os.urandom(4).hex())
        self.assertEqual(r.rc, 3, r)
        with open(path) as f:
            self.assertEqual(f.read(), "OLD\n", "a failed pull touched the existing output")
        self.assertEqual(sorted(os.listdir(self.dir)), ["mock.log", "out.jsonl"])

    def test_usage_errors(self):
        self.start()
        base = ["pull", "--advertiser", A, "--from", "2026-01-01", "--to", "2026-01-10"]
        url = ["--api-base", self.mock.url()]
        cases = [
            (["pull", "--from", "2026-01-01", "--to", "2026-01-10"] + url, "no --advertiser"),
            (["pull", "--advertiser", A, "--to", "2026-01-10"] + url, "no --from"),
            (["pull", "--advertiser", A, "--from", "2026-01-10", "--to", "2026-01-01"] + url,
             "from after to"),
            (["pull", "--advertiser", A, "--from", "2026-02-30", "--to", "2026-03-10"] + url,
             "bad date"),
            (base + ["--api-base", "http://192.0.2.1:9"], "http to a non-loopback host"),
            (base + ["--api-base", "ftp://127.0.0.1:%d" % self.mock.port], "ftp"),
            (base + ["--api-base", "http://user:pw@127.0.0.1:%d" % self.mock.port],
             "user:password in the URL"),
            (base + url + ["--rate", "-1"], "negative rate"),
            (base + url + ["--concurrency", "x"], "non-numeric concurrency"),
            (base + url + ["--bogus"], "unknown option"),
        ]
        for args, why in cases:
            with self.subTest(why=why):
                out = os.path.join(self.dir, "u.jsonl")
                r = run(*args, "--out", out, "--timeout-ms", "500",
                        env={"HOOKLINE_TIKTOK_TOKEN": TOKEN}, timeout=30)
                self.assertEqual(r.rc, 2, f"{why}: {r!r}")
                self.assertFalse(os.path.exists(out))
                self.assertTrue(r.err.strip())
                self.assertNotIn(TOKEN, r.err + r.out)
        # no token at all
        out = os.path.join(self.dir, "u.jsonl")
        r = run(*base, *url, "--out", out, unset=("HOOKLINE_TIKTOK_TOKEN",), timeout=30)
        self.assertEqual(r.rc, 2, f"no token: {r!r}")
        self.assertEqual(self.log(), [], "usage errors must not reach the API")


def main():
    print(f"hookline: {netsrv.HOOKLINE}\nsource:   {SRC}", flush=True)
    loader = unittest.defaultTestLoader
    module = sys.modules[__name__]
    suite = (loader.loadTestsFromNames(sys.argv[1:], module) if sys.argv[1:]
             else loader.loadTestsFromModule(module))
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
    # a test with several failing subtests counts once
    bad = {getattr(t, "test_case", t).id() for t, _ in result.failures + result.errors}
    bad |= {t.id() for t in result.unexpectedSuccesses}
    failed = len(bad)
    passed = max(0, result.testsRun - failed - len(result.skipped))
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
