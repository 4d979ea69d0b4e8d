#!/usr/bin/env python3
"""mock_tiktok.py — a mock of TikTok's Marketing API report endpoint for hookline's network tests
(issue 7). Python 3 standard library only; binds 127.0.0.1 only.

It follows /work/shared/reference/tiktok-api.md (the facts the real API is known for):
  GET /open_api/v1.3/report/integrated/get/   (trailing slash required: 404 without)
  GET /open_api/v1.3/campaign/get/            (the campaign list used to split a truncated report)
  - auth header `Access-Token` (missing: code 40104, wrong: 40105), errors as HTTP 200 + code;
  - parameters in the query string, JSON arrays as JSON text: report_type must be BASIC,
    data_level AUCTION_AD, dimensions ["ad_id","stat_time_day"]; metrics default to spend and
    impressions, an unknown metric is 40002; page is 1-based, page_size 1..1000 (default 10!);
  - start_date/end_date inclusive, at most 30 days (40002 beyond), end >= start;
  - filtering: without `ad_status IN ["STATUS_ALL"]` (filter_value a JSON array *as a string*)
    deleted ads are silently left out, as the real API does; `campaign_ids IN [...]` (<= 100 ids)
    restricts the report to those campaigns;
  - more than --trunc-ads ads in a report (20,000 on the real API) -> only the first ones are
    returned and the response carries the warning header `X-Tt-Ads-Throttle`;
  - metric values mostly strings ("14.68"), sometimes bare numbers, null or "-" (missing);
  - rows are sorted by (stat_time_day, ad_id); page_info {page, page_size, total_number,
    total_page}; an empty report has total_number 0 and total_page 0.

The dataset is deterministic (dataset(), importable by the tests: `rows_for(adv, d0, d1)` gives
what a complete pull must return). Advertisers (ids in ADVERTISERS):
  ADV_A  120 ads (6 campaigns x 4 ad groups x 5 ads), active 2026-01-01 .. 2026-04-30, 3 pages
         per 30-day window; a few deleted ads; names with quotes, backslashes, non-ASCII, U+2028.
  ADV_B   60 ads, no activity before 2026-02-15 (empty windows), 2 pages per window.
  ADV_C  130 campaigns with 1-2 ads each (173 ads), active 2026-03-01 .. 2026-03-20 only: with
         --trunc-ads 150 a report without a campaign filter is truncated.

Fault injection — a list of rules (JSON) given by --faults JSON / --faults-file FILE, or replaced
at run time with `POST /__control` {"faults": [...]} (which also resets the rule counters);
`GET /__control` answers {"received", "logged"} (a request is logged when answered: a slow one
later). A rule:
  {"kind": K, <match>, <pattern>, <options>}
  kind:   "code"      HTTP 200 with {"code": <code>} (e.g. 40100, 50000, 20001, 40105, 40067 ...)
          "http"      HTTP <status> (500, 502, 503 ...) with an HTML body
          "nonjson"   HTTP 200 with an HTML body
          "empty"     HTTP 200 with an empty body
          "truncate"  Content-Length of the whole body, half of it sent, connection closed
          "cut"       no Content-Length, half of the body, connection closed (EOF-delimited)
          "slow"      sleeps <delay_s> (default 3) before a normal answer (past the client timeout)
          "vanish"    (page >= 2) one row of the window is missing: total_number drops by 1 and
                      the rows shift by one (the report is not a frozen snapshot)
          "dup"       (page >= 2) the page starts with the last row of the previous page, same
                      total (a repeated (ad, date) key)
          "short"     one row of the page is left out, same total (rows do not add up)
          "dupkey"    the real body with "list" given twice, the first one empty (a client
                      that takes the first silently loses the page)
  match (all optional): "endpoint" ("report" default | "campaign" | "any"), "adv", "start"
          (start_date), "covers" (a date inside [start_date, end_date]), "page", "min_page",
          "campaign_filter" (true/false)
  pattern (default "always"): "first": N (the first N matching requests) | "nth": [i, ...]
          (1-based among matching requests) | "every": k, "burst": b (requests n with
          (n-1) % k < b) | "always": true | "after": N (every matching request after the Nth)
  The rules' counters count matching requests; the first rule that fires decides the answer.
Other switches: --token (expected Access-Token, default "test-token"; env MOCK_TIKTOK_TOKEN),
--bad-token-advertisers A,B (40106 for them: "token not for this advertiser"), --max-window-days N
(40067 "query too large" for longer windows), --trunc-ads N (default 20000).

Log: every request (except /__control) as one JSON line in --log: t (arrival, time.time()),
t_done, method, path, query (the raw query string), params (decoded; JSON parameters parsed),
token ("ok" | "missing" | "wrong" — the token itself is never logged), status (HTTP), code (API
code or null), fault (rule kind or null), rows, total, truncated (header sent).

Run: python3 tests/tools/mock_tiktok.py --port 0 --log /tmp/tt.log  -> prints "PORT <n>" first.
"""
import argparse
import datetime as dt
import hashlib
import json
import math
import os
import random
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REPORT_PATH = "/open_api/v1.3/report/integrated/get/"
CAMPAIGN_PATH = "/open_api/v1.3/campaign/get/"

ADV_A = "7100000000000000001"
ADV_B = "7100000000000000002"
ADV_C = "7100000000000000003"
ADVERTISERS = (ADV_A, ADV_B, ADV_C)

EPOCH = dt.date(1970, 1, 1)
DATA_FIRST = dt.date(2026, 1, 1)
DATA_LAST = dt.date(2026, 4, 30)

ATTRIBUTES = ["campaign_id", "campaign_name", "adgroup_id", "adgroup_name", "ad_name", "ad_text",
              "currency"]
COUNT_METRICS = ["impressions", "reach", "clicks", "conversion", "video_play_actions",
                 "video_watched_2s", "video_watched_6s", "video_views_p25", "video_views_p50",
                 "video_views_p75", "video_views_p100", "engaged_view", "total_landing_page_view",
                 "web_event_add_to_cart", "total_app_event_add_to_cart", "complete_payment"]
MONEY_METRICS = ["spend", "total_complete_payment_rate"]
RATIO_METRICS = ["ctr", "cpc", "cpm", "cost_per_conversion", "conversion_rate_v2", "frequency",
                 "average_video_play", "complete_payment_roas"]
KNOWN_METRICS = set(ATTRIBUTES + COUNT_METRICS + MONEY_METRICS + RATIO_METRICS)
DEFAULT_METRICS = ["spend", "impressions"]

MESSAGES = {
    40000: "Invalid parameters.", 40001: "No permission to operate advertiser.",
    40002: "Invalid value for parameter.", 40016: "App QPS limit exceeded.",
    40067: "The query is too large, please narrow the time range.",
    40100: "Too many requests. Please retry in some time.",
    40102: "Access token has expired.", 40104: "Access token is empty.",
    40105: "Access token is invalid.",
    40106: "The access token is not authorized for this advertiser.",
    40132: "Field QPS limit exceeded.", 40133: "Advertiser QPS limit exceeded.",
    40200: "Task error.", 40201: "Task is not ready.", 40202: "Write or update entity conflict.",
    40700: "Internal error.", 20001: "Partial success.", 50000: "System error.",
    50002: "Service error.", 51021: "Backend service unavailable.", 60001: "Under maintenance.",
}


def day_label(d):
    return d.isoformat() + " 00:00:00"


class Dataset:
    """The deterministic ad-day rows of every advertiser. rows[adv] is sorted by (day, ad_id);
    each row is {"dimensions": {...}, "metrics": {every KNOWN_METRICS name}, "_status": ...,
    "_day": date, "_campaign": id}. rows_for() gives the API rows a complete pull returns.
    Building takes most of a second: dataset() caches it."""

    def __init__(self, seed=20260107):
        self.seed = seed
        self.rows = {}
        self.campaigns = {}
        self.ads = {}
        self._build(ADV_A, nc=6, ng=4, na=5, first=DATA_FIRST, last=DATA_LAST, cur="USD")
        self._build(ADV_B, nc=3, ng=4, na=5, first=dt.date(2026, 2, 15), last=DATA_LAST, cur="EUR")
        self._build_wide(ADV_C, ncamp=130, first=dt.date(2026, 3, 1), last=dt.date(2026, 3, 20))

    def _id(self, rng, prefix):
        return prefix + "".join(rng.choice("0123456789") for _ in range(19 - len(prefix)))

    def _name(self, rng, i, kind):
        tricky = ['Ad "quoted" \\ back\\slash', "Créa été — ünïcødé 🚀",
                  "line\u2028sep\u2029para",
                  "tab\there <b>&amp;</b>", "emoji 😀 / slash", "comma, semi; pipe |"]
        if kind == "ad" and i % 11 == 3:
            return tricky[(i // 11) % len(tricky)] + f" #{i}"
        return f"{kind}_{i:03d}_" + rng.choice(["ugc", "demo", "promo", "story", "hook"])

    def _metrics(self, rng, ad, cur):
        impr = int(rng.lognormvariate(8.0, 1.0)) + 1
        reach = max(1, int(impr * rng.uniform(0.7, 0.98)))
        plays = int(impr * rng.uniform(0.6, 0.95))
        v2 = int(plays * rng.uniform(0.25, 0.5))
        v6 = int(v2 * rng.uniform(0.3, 0.6))
        p25 = int(plays * rng.uniform(0.1, 0.2))
        p50 = int(p25 * rng.uniform(0.4, 0.7))
        p75 = int(p50 * rng.uniform(0.5, 0.8))
        p100 = int(p75 * rng.uniform(0.5, 0.8))
        clicks = int(impr * rng.uniform(0.003, 0.02))
        conv = int(clicks * rng.uniform(0.0, 0.12))
        lpv = int(clicks * rng.uniform(0.6, 0.9))
        atc = int(lpv * rng.uniform(0.05, 0.3))
        spend = round(impr / 1000.0 * rng.uniform(4.0, 14.0), 2)
        value = round(conv * rng.uniform(20.0, 60.0), 2)
        m = {"impressions": impr, "reach": reach, "clicks": clicks, "conversion": conv,
             "video_play_actions": plays, "video_watched_2s": v2, "video_watched_6s": v6,
             "video_views_p25": p25, "video_views_p50": p50, "video_views_p75": p75,
             "video_views_p100": p100, "engaged_view": v6, "total_landing_page_view": lpv,
             "web_event_add_to_cart": atc, "total_app_event_add_to_cart": 0,
             "complete_payment": conv}
        out = {}
        for k in COUNT_METRICS:
            out[k] = self._encode_int(rng, m[k])
        out["spend"] = self._encode_money(rng, spend)
        out["total_complete_payment_rate"] = self._encode_money(rng, value)
        out["ctr"] = "%.2f" % (100.0 * clicks / impr)
        out["cpc"] = "%.2f" % (spend / clicks) if clicks else "0.00"
        out["cpm"] = "%.2f" % (1000.0 * spend / impr)
        out["cost_per_conversion"] = "%.2f" % (spend / conv) if conv else "0.00"
        out["conversion_rate_v2"] = "%.2f" % (100.0 * conv / clicks) if clicks else "0.00"
        out["frequency"] = "%.2f" % (impr / reach)
        out["average_video_play"] = "%.2f" % rng.uniform(1.0, 9.0)
        out["complete_payment_roas"] = "%.2f" % (value / spend) if spend else "0.00"
        out["campaign_id"] = ad["campaign_id"]
        out["campaign_name"] = ad["campaign_name"]
        out["adgroup_id"] = ad["adgroup_id"]
        out["adgroup_name"] = ad["adgroup_name"]
        out["ad_name"] = ad["ad_name"]
        out["ad_text"] = ad["ad_text"]
        out["currency"] = cur
        return out

    @staticmethod
    def _encode_int(rng, v):
        r = rng.random()
        if r < 0.03:
            return v                    # bare number
        if r < 0.04:
            return None                 # null
        if r < 0.05:
            return "-"                  # missing
        return str(v)

    @staticmethod
    def _encode_money(rng, v):
        r = rng.random()
        if r < 0.03:
            return v
        return "%.2f" % v

    def _add_ad(self, rng, adv, camp, group, i, first, last, cur):
        ad = {"ad_id": self._id(rng, "18"), "ad_name": self._name(rng, i, "ad"),
              "ad_text": "Try it today! " + str(i), "campaign_id": camp["campaign_id"],
              "campaign_name": camp["campaign_name"], "adgroup_id": group["adgroup_id"],
              "adgroup_name": group["adgroup_name"],
              "status": "DELETED" if i % 17 == 5 else "ENABLE"}
        self.ads[adv].append(ad)
        span = (last - first).days
        late = rng.random() < 0.3
        start = first + dt.timedelta(days=rng.randint(0, span // 2 if late else min(10, span)))
        end = min(last, start + dt.timedelta(days=rng.randint(min(40, span), span + 1)))
        d = start
        while d <= end:
            if rng.random() < 0.9:      # days without delivery have no row
                self.rows[adv].append({
                    "dimensions": {"ad_id": ad["ad_id"], "stat_time_day": day_label(d)},
                    "metrics": self._metrics(rng, ad, cur),
                    "_status": ad["status"], "_day": d, "_campaign": ad["campaign_id"]})
            d += dt.timedelta(days=1)

    def _build(self, adv, nc, ng, na, first, last, cur):
        rng = random.Random(f"{self.seed}:{adv}")
        self.rows[adv], self.campaigns[adv], self.ads[adv] = [], [], []
        i = 0
        for c in range(nc):
            camp = {"campaign_id": self._id(rng, "17"),
                    "campaign_name": f"Campaign {c} | {adv[-1]}"}
            self.campaigns[adv].append(camp)
            for g in range(ng):
                group = {"adgroup_id": self._id(rng, "17"), "adgroup_name": f"Group {c}.{g}"}
                for _ in range(na):
                    self._add_ad(rng, adv, camp, group, i, first, last, cur)
                    i += 1
        self._finish(adv)

    def _build_wide(self, adv, ncamp, first, last):
        rng = random.Random(f"{self.seed}:{adv}")
        self.rows[adv], self.campaigns[adv], self.ads[adv] = [], [], []
        i = 0
        for c in range(ncamp):
            camp = {"campaign_id": self._id(rng, "17"), "campaign_name": f"Wide {c}"}
            self.campaigns[adv].append(camp)
            group = {"adgroup_id": self._id(rng, "17"), "adgroup_name": f"Wide group {c}"}
            for _ in range(1 if c % 3 else 2):
                self._add_ad(rng, adv, camp, group, i, first, last, "USD")
                i += 1
        self._finish(adv)

    def _finish(self, adv):
        self.rows[adv].sort(key=lambda r: (r["_day"], r["dimensions"]["ad_id"]))
        self.campaigns[adv].sort(key=lambda c: c["campaign_id"])

    def select(self, adv, d0, d1, status_all=True, campaign_ids=None):
        out = []
        for r in self.rows.get(adv, ()):
            if r["_day"] < d0 or r["_day"] > d1:
                continue
            if not status_all and r["_status"] == "DELETED":
                continue
            if campaign_ids is not None and r["_campaign"] not in campaign_ids:
                continue
            out.append(r)
        return out

    def rows_for(self, adv, d0, d1, metrics=None):
        """What a complete pull returns for adv over [d0, d1] (dates or 'YYYY-MM-DD'), as
        {(ad_id, stat_time_day): metrics restricted to `metrics` (default: all)}."""
        if isinstance(d0, str):
            d0 = dt.date.fromisoformat(d0)
        if isinstance(d1, str):
            d1 = dt.date.fromisoformat(d1)
        res = {}
        for r in self.select(adv, d0, d1):
            m = r["metrics"]
            if metrics is not None:
                m = {k: m[k] for k in metrics if k in m}
            res[(r["dimensions"]["ad_id"], r["dimensions"]["stat_time_day"])] = m
        return res


def dataset(seed=20260107):
    """Dataset(seed), cached (pickle) in the temp directory, keyed by the seed and this file's
    contents (building takes most of a second; each test starts a mock)."""
    import pickle
    import tempfile
    with open(os.path.abspath(__file__), "rb") as f:
        tag = hashlib.sha256(f.read() + str(seed).encode()).hexdigest()[:16]
    path = os.path.join(tempfile.gettempdir(), f"hookline-mock-tiktok-{tag}.pickle")
    try:
        with open(path, "rb") as f:
            obj = pickle.load(f)
        if isinstance(obj, Dataset) and obj.seed == seed:
            return obj
    except (OSError, EOFError, ValueError, pickle.UnpicklingError, AttributeError, ImportError):
        pass
    obj = Dataset(seed)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as f:
            pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        import glob
        for old in glob.glob(os.path.join(tempfile.gettempdir(), "hookline-mock-tiktok-*.pickle")):
            if old != path:
                os.unlink(old)
    except OSError:
        pass
    return obj


class Rule:
    def __init__(self, spec):
        self.spec = dict(spec)
        self.kind = spec["kind"]
        self.count = 0

    def matches(self, req):
        s = self.spec
        ep = s.get("endpoint", "report")
        if ep != "any" and ep != req["endpoint"]:
            return False
        if "adv" in s and s["adv"] != req.get("adv"):
            return False
        if "start" in s and s["start"] != req.get("start"):
            return False
        if "covers" in s:
            try:
                d0 = dt.date.fromisoformat(req.get("start") or "")
                d1 = dt.date.fromisoformat(req.get("end") or "")
            except ValueError:
                return False
            if not d0 <= dt.date.fromisoformat(s["covers"]) <= d1:
                return False
        if "page" in s and s["page"] != req.get("page"):
            return False
        if "min_page" in s and (req.get("page") or 1) < s["min_page"]:
            return False
        if ("campaign_filter" in s
                and bool(s["campaign_filter"]) != (req.get("campaign_ids") is not None)):
            return False
        return True

    def fires(self):
        """Called for a matching request: counts it and tells whether the pattern selects it."""
        self.count += 1
        n, s = self.count, self.spec
        if "first" in s:
            return n <= s["first"]
        if "nth" in s:
            return n in s["nth"]
        if "every" in s:
            return (n - 1) % s["every"] < s.get("burst", 1)
        if "after" in s:
            return n > s["after"]
        return True


class State:
    def __init__(self, args):
        self.args = args
        self.data = dataset(args.seed)
        self.lock = threading.Lock()
        self.rules = []
        self.request_no = 0
        self.received = 0          # requests seen (a slow one is logged only when answered)
        self.logged = 0
        self.log = open(args.log, "a", encoding="utf-8") if args.log else None
        self.bad_token_advs = set(a for a in (args.bad_token_advertisers or "").split(",") if a)

    def set_rules(self, specs):
        with self.lock:
            self.rules = [Rule(s) for s in specs]

    def pick_fault(self, req):
        with self.lock:
            self.request_no += 1
            fired = None
            for r in self.rules:
                if r.matches(req) and r.fires() and fired is None:
                    fired = r
            return fired

    def write_log(self, entry):
        if not self.log:
            return
        line = json.dumps(entry, ensure_ascii=False, sort_keys=True)
        with self.lock:
            self.log.write(line + "\n")
            self.log.flush()
            self.logged += 1


class ApiError(Exception):
    def __init__(self, code, message=None):
        super().__init__(code)
        self.code = code
        self.message = message or MESSAGES.get(code, "Error.")


def parse_json_param(params, name, default=None):
    if name not in params:
        return default
    try:
        return json.loads(params[name])
    except ValueError:
        raise ApiError(40002, f"{name}: invalid JSON")


def parse_date(params, name):
    v = params.get(name)
    if v is None:
        raise ApiError(40002, f"{name} is required")
    try:
        if len(v) != 10:
            raise ValueError
        return dt.date.fromisoformat(v)
    except ValueError:
        raise ApiError(40002, f"{name}: invalid date")


def parse_int(params, name, default, lo, hi):
    v = params.get(name)
    if v is None:
        return default
    try:
        n = int(v)
    except ValueError:
        raise ApiError(40002, f"{name}: not an integer")
    if n < lo or n > hi:
        raise ApiError(40002, f"{name}: out of range [{lo}, {hi}]")
    return n


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mock-tiktok/1.0"

    def log_message(self, fmt, *a):   # silence stderr
        pass

    # ---- plumbing ----
    def _send(self, status, body, ctype="application/json", headers=None, mode=None):
        data = body.encode("utf-8") if isinstance(body, str) else body
        try:
            if mode == "cut":
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if mode == "truncate":
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True

    def _json(self, obj, headers=None, mode=None):
        self._send(200, json.dumps(obj, ensure_ascii=False), headers=headers, mode=mode)

    @staticmethod
    def _request_id():
        return dt.datetime.utcnow().strftime("%Y%m%d%H%M%S") + os.urandom(8).hex().upper()

    def _error(self, code, message=None):
        self._json({"code": code, "message": message or MESSAGES.get(code, "Error."),
                    "request_id": self._request_id(), "data": {}})

    # ---- control ----
    def do_POST(self):
        st = self.server.state
        if self.path.split("?")[0] != "/__control":
            self._send(404, "not found", "text/plain")
            return
        n = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(n) or b"{}")
        except ValueError:
            self._send(400, "bad json", "text/plain")
            return
        if "faults" in body:
            st.set_rules(body["faults"])
        if "bad_token_advertisers" in body:
            st.bad_token_advs = set(body["bad_token_advertisers"])
        if "max_window_days" in body:
            st.args.max_window_days = body["max_window_days"]
        if "trunc_ads" in body:
            st.args.trunc_ads = body["trunc_ads"]
        self._json({"ok": True})

    # ---- the API ----
    def do_GET(self):
        st = self.server.state
        t0 = time.time()
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        if path == "/__control":
            with st.lock:
                self._json({"received": st.received, "logged": st.logged})
            return
        with st.lock:
            st.received += 1
        raw_params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        params = {k: v[-1] for k, v in raw_params.items()}
        token = self.headers.get("Access-Token")
        tok_state = "missing" if not token else ("ok" if token == st.args.token else "wrong")
        entry = {"t": t0, "method": "GET", "path": path, "query": url.query, "token": tok_state,
                 "params": {}, "status": 200, "code": None, "fault": None, "rows": None,
                 "total": None, "truncated": False, "bearer": "Authorization" in self.headers,
                 "repeated_params": sorted(k for k, v in raw_params.items() if len(v) > 1)}
        for k, v in params.items():
            if k in ("dimensions", "metrics", "filtering", "fields"):
                try:
                    entry["params"][k] = json.loads(v)
                except ValueError:
                    entry["params"][k] = v
            else:
                entry["params"][k] = v
        try:
            if path == REPORT_PATH:
                self._report(st, params, token, tok_state, entry)
            elif path == CAMPAIGN_PATH:
                self._campaigns(st, params, token, tok_state, entry)
            else:
                entry["status"] = 404
                self._send(404, "<html><body><h1>404 Not Found</h1></body></html>", "text/html")
        finally:
            entry["t_done"] = time.time()
            st.write_log(entry)

    def _fault(self, st, req, entry):
        """Answers with the fault chosen for req, if any (returns the rule; data faults return it
        without answering)."""
        rule = st.pick_fault(req)
        if rule is None:
            return None
        s = rule.spec
        entry["fault"] = rule.kind
        if rule.kind == "code":
            entry["code"] = s["code"]
            self._error(s["code"])
        elif rule.kind == "http":
            entry["status"] = s.get("status", 500)
            self._send(entry["status"], "<html><body><h1>%d Server Error</h1></body></html>"
                       % entry["status"], "text/html")
        elif rule.kind == "nonjson":
            self._send(200, "<html><body>upstream connect error or disconnect/reset before "
                       "headers</body></html>", "text/html")
        elif rule.kind == "empty":
            self._send(200, b"")
        elif rule.kind in ("truncate", "cut"):
            return rule           # needs the real body
        elif rule.kind == "slow":
            time.sleep(s.get("delay_s", 3.0))
            return rule
        elif rule.kind in ("vanish", "dup", "short", "dupkey"):
            return rule
        else:
            raise ValueError("unknown fault kind " + rule.kind)
        return rule

    def _auth(self, st, token, tok_state, entry, adv):
        if tok_state == "missing":
            entry["code"] = 40104
            self._error(40104)
            return False
        if tok_state == "wrong":
            entry["code"] = 40105
            self._error(40105)
            return False
        if adv in st.bad_token_advs:
            entry["code"] = 40106
            self._error(40106)
            return False
        return True

    def _report(self, st, params, token, tok_state, entry):
        adv = params.get("advertiser_id")
        req = {"endpoint": "report", "adv": adv, "start": params.get("start_date"),
               "end": params.get("end_date"), "page": None, "campaign_ids": None}
        try:
            req["page"] = int(params.get("page", "1"))
        except ValueError:
            pass
        try:
            flt = json.loads(params["filtering"]) if "filtering" in params else None
            for f in flt or []:
                if isinstance(f, dict) and f.get("field_name") == "campaign_ids":
                    req["campaign_ids"] = f.get("filter_value")
        except ValueError:
            pass
        if not self._auth(st, token, tok_state, entry, adv):
            return
        rule = self._fault(st, req, entry)
        if rule is not None and rule.kind not in ("slow", "truncate", "cut", "vanish", "dup",
                                                  "short", "dupkey"):
            return
        try:
            body, headers, meta = self._report_body(st, params, rule)
        except ApiError as e:
            entry["code"] = e.code
            self._error(e.code, e.message)
            return
        entry.update(meta)
        entry["code"] = 0
        mode = rule.kind if rule is not None and rule.kind in ("truncate", "cut") else None
        if rule is not None and rule.kind == "dupkey":
            text = json.dumps(body, ensure_ascii=False)
            self._send(200, text.replace('"list": [', '"list": [], "list": [', 1), headers=headers)
            return
        self._json(body, headers=headers, mode=mode)

    def _report_body(self, st, params, rule):
        adv = params.get("advertiser_id")
        if "advertiser_ids" in params and not adv:
            raise ApiError(40002, "use advertiser_id in this mock")
        if not adv or not adv.isdigit():
            raise ApiError(40002, "advertiser_id is required")
        if params.get("report_type") != "BASIC":
            raise ApiError(40002, "report_type must be BASIC")
        if params.get("data_level") != "AUCTION_AD":
            raise ApiError(40002, "data_level must be AUCTION_AD in this mock")
        dims = parse_json_param(params, "dimensions")
        if dims != ["ad_id", "stat_time_day"]:
            raise ApiError(40002, "dimensions must be [\"ad_id\",\"stat_time_day\"] in this mock")
        metrics = parse_json_param(params, "metrics", DEFAULT_METRICS)
        if not isinstance(metrics, list) or not all(isinstance(m, str) for m in metrics):
            raise ApiError(40002, "metrics must be a JSON array of names")
        bad = [m for m in metrics if m not in KNOWN_METRICS]
        if bad:
            raise ApiError(40002, "invalid metric(s): " + ",".join(bad))
        d0 = parse_date(params, "start_date")
        d1 = parse_date(params, "end_date")
        if d1 < d0:
            raise ApiError(40002, "end_date is before start_date")
        days = (d1 - d0).days + 1
        if days > 30:
            raise ApiError(40002, "The time span between start_date and end_date cannot exceed "
                           "30 days")
        if st.args.max_window_days and days > st.args.max_window_days:
            raise ApiError(40067)
        page = parse_int(params, "page", 1, 1, 10**6)
        page_size = parse_int(params, "page_size", 10, 1, 1000)
        status_all = False
        campaign_ids = None
        flt = parse_json_param(params, "filtering", [])
        if not isinstance(flt, list):
            raise ApiError(40002, "filtering must be a JSON array")
        for f in flt:
            if not isinstance(f, dict):
                raise ApiError(40002, "filtering: objects expected")
            fv = f.get("filter_value")
            if not isinstance(fv, str):
                raise ApiError(40002, "filtering: filter_value must be a string")
            try:
                values = json.loads(fv)
            except ValueError:
                raise ApiError(40002, "filtering: filter_value must be a JSON array as a string")
            if f.get("filter_type") != "IN" or not isinstance(values, list):
                raise ApiError(40002, "filtering: only IN with a JSON array in this mock")
            if f.get("field_name") == "ad_status":
                status_all = "STATUS_ALL" in values
            elif f.get("field_name") == "campaign_ids":
                if len(values) > 100 or not values:
                    raise ApiError(40002, "campaign_ids: 1 to 100 ids")
                campaign_ids = set(str(v) for v in values)
            else:
                raise ApiError(40002, "filtering: unsupported field " + str(f.get("field_name")))
        rows = st.data.select(adv, d0, d1, status_all, campaign_ids)
        headers = {}
        truncated = False
        ads = sorted(set(r["dimensions"]["ad_id"] for r in rows))
        if len(ads) > st.args.trunc_ads:
            keep = set(ads[: st.args.trunc_ads])
            rows = [r for r in rows if r["dimensions"]["ad_id"] in keep]
            headers["X-Tt-Ads-Throttle"] = ("The number of ads in this report exceeds %d; only the "
                                            "data of the first %d ads is returned."
                                            % (st.args.trunc_ads, st.args.trunc_ads))
            truncated = True
        kind = rule.kind if rule is not None else None
        start = (page - 1) * page_size
        if kind == "vanish" and page >= 2 and rows:
            rows = rows[1:]
        total = len(rows)
        chunk = rows[start: start + page_size]
        if kind == "dup" and page >= 2 and start > 0 and chunk:
            chunk = [rows[start - 1]] + chunk[:-1]
        if kind == "short" and len(chunk) > 1:
            chunk = chunk[:-2] + chunk[-1:]
        total_page = math.ceil(total / page_size) if total else 0
        out = []
        for r in chunk:
            m = r["metrics"]
            out.append({"dimensions": dict(r["dimensions"]),
                        "metrics": {k: m[k] for k in metrics}})
        body = {"code": 0, "message": "OK", "request_id": self._request_id(),
                "data": {"page_info": {"page": page, "page_size": page_size,
                                       "total_number": total, "total_page": total_page},
                         "list": out}}
        meta = {"rows": len(out), "total": total, "truncated": truncated}
        return body, headers, meta

    def _campaigns(self, st, params, token, tok_state, entry):
        adv = params.get("advertiser_id")
        req = {"endpoint": "campaign", "adv": adv, "start": None, "campaign_ids": None}
        try:
            req["page"] = int(params.get("page", "1"))
        except ValueError:
            req["page"] = None
        if not self._auth(st, token, tok_state, entry, adv):
            return
        rule = self._fault(st, req, entry)
        if rule is not None and rule.kind not in ("slow", "truncate", "cut"):
            return
        try:
            if not adv or adv not in st.data.campaigns:
                raise ApiError(40002 if not adv else 40001)
            page = parse_int(params, "page", 1, 1, 10**6)
            page_size = parse_int(params, "page_size", 10, 1, 1000)
            fields = parse_json_param(params, "fields", ["campaign_id", "campaign_name"])
            if not isinstance(fields, list):
                raise ApiError(40002, "fields must be a JSON array")
        except ApiError as e:
            entry["code"] = e.code
            self._error(e.code, e.message)
            return
        camps = st.data.campaigns[adv]
        chunk = camps[(page - 1) * page_size: page * page_size]
        lst = [{k: c[k] for k in fields if k in c} or {"campaign_id": c["campaign_id"]}
               for c in chunk]
        total = len(camps)
        body = {"code": 0, "message": "OK", "request_id": self._request_id(),
                "data": {"list": lst,
                         "page_info": {"page": page, "page_size": page_size, "total_number": total,
                                       "total_page": math.ceil(total / page_size) if total else 0}}}
        entry.update({"code": 0, "rows": len(lst), "total": total})
        mode = rule.kind if rule is not None and rule.kind in ("truncate", "cut") else None
        self._json(body, mode=mode)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            return                  # clients that gave up (timeouts, faults) are expected
        super().handle_error(request, client_address)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log", help="request log (JSON lines)")
    ap.add_argument("--token", default=os.environ.get("MOCK_TIKTOK_TOKEN", "test-token"))
    ap.add_argument("--seed", type=int, default=20260107)
    ap.add_argument("--faults", help="fault rules as JSON text")
    ap.add_argument("--faults-file", help="fault rules in a JSON file")
    ap.add_argument("--bad-token-advertisers", help="40106 for these advertisers (comma-separated)")
    ap.add_argument("--max-window-days", type=int, default=0, help="40067 for longer windows")
    ap.add_argument("--trunc-ads", type=int, default=20000)
    args = ap.parse_args(argv)
    st = State(args)
    specs = []
    if args.faults:
        specs = json.loads(args.faults)
    elif args.faults_file:
        with open(args.faults_file, encoding="utf-8") as f:
            specs = json.load(f)
    st.set_rules(specs)
    srv = Server(("127.0.0.1", args.port), Handler)
    srv.state = st
    print("PORT %d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
