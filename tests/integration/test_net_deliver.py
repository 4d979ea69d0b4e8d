#!/usr/bin/env python3
"""test_net_deliver.py — `hookline deliver` against a local webhook receiver (issue 7, Tests).

The recipes are those `hookline analyze --input examples/tiktok-export.csv` writes. Each test
starts tests/tools/webhook_receiver.py on 127.0.0.1 (a free port) with its faults, runs
`hookline deliver`, and checks from the receiver's log and DIR/deliveries.json that:
  - every recipe arrives, accepted exactly once per Idempotency-Key (= recipe id), as
    application/json, the body being the adapter's (generic: the recipe itself; heygen: what
    `hookline recipe adapt` prints), identical on every attempt, with a valid
    X-Hookline-Signature (HMAC-SHA256 of the body with HOOKLINE_WEBHOOK_SECRET), and without the
    header when no secret is set;
  - 500/502/503/408, 429 + Retry-After (the next attempt waits for it), dropped connections,
    a connection dropped after the receiver accepted (the retry carries the same key), and an
    answer slower than --timeout-ms are retried; a 400/404/422 fails that recipe only (exit 3,
    one attempt) and the next deliver retries it; a recipe that never succeeds gives up after a
    bounded number of attempts; a refused connection fails cleanly;
  - deliveries.json records every outcome ({"schema": "hookline.deliveries/1", "deliveries":
    [{recipe_id, status, http_status, attempts, error}]}); a second deliver sends nothing; a
    deliver killed midway leaves a readable deliveries.json and the next run never re-sends a
    recipe recorded as delivered;
  - usage errors (non-loopback http, user:password in the URL, missing options, bad recipes
    file, unknown adapter) exit 2 and send nothing; the secret is never printed or written.

Run:  HOOKLINE=build/hookline python3 tests/integration/test_net_deliver.py [Class[.test] ...]
The last line of output is "N passed, M failed"; the exit status is non-zero on any failure.
"""
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

SRC = os.environ.get("HL_SOURCE_DIR") or os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "tools"))
import netsrv  # noqa: E402
from netsrv import run  # noqa: E402

SECRET = "whsec-PLANTED-" + os.urandom(6).hex()
EXPORT_CSV = os.path.join(SRC, "examples", "tiktok-export.csv")
FAST = ["--timeout-ms", "1500", "--retry-base-ms", "20"]
ANALYZED = None      # the directory analyze wrote (setUpModule)


def setUpModule():
    global ANALYZED, _tmp
    _tmp = tempfile.TemporaryDirectory(prefix="hl-deliver-an-")
    ANALYZED = os.path.join(_tmp.name, "out")
    r = run("analyze", "--input", EXPORT_CSV, "--out", ANALYZED, timeout=300)
    if r.rc not in (0, 1) or not os.path.exists(os.path.join(ANALYZED, "recipes.json")):
        raise RuntimeError("analyze did not write recipes.json" + repr(r))
    # setUp (each test) copies recipes.json into its own folder


def tearDownModule():
    _tmp.cleanup()


class DeliverCase(unittest.TestCase):
    maxDiff = 4000

    @classmethod
    def setUpClass(cls):
        cls.available = netsrv.command_available("deliver")

    def setUp(self):
        if not self.available:
            self.fail("`hookline deliver --help` fails: the command has not landed")
        self.tmp = tempfile.TemporaryDirectory(prefix="hl-deliver-")
        self.dir = os.path.join(self.tmp.name, "out")
        os.mkdir(self.dir)
        with open(os.path.join(ANALYZED, "recipes.json"), encoding="utf-8") as f:
            self.doc = json.load(f)
        self.recipes = self.doc["recipes"]
        self.write_recipes(self.recipes)
        self.srv = None

    def tearDown(self):
        if self.srv:
            self.srv.stop()
        self.tmp.cleanup()

    def write_recipes(self, recipes):
        self.recipes = recipes
        self.ids = [r["id"] for r in recipes]
        self.by_id = {r["id"]: r for r in recipes}
        doc = dict(self.doc)
        doc["recipes"] = recipes
        with open(os.path.join(self.dir, "recipes.json"), "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False, indent=1)
        self.generic = self.adapt("generic")

    def adapt(self, adapter, options=None):
        """{recipe id: body} as `hookline recipe adapt` prints them (one JSON per recipe, in
        order): what deliver must send."""
        args = ["recipe", "adapt", "--recipes", os.path.join(self.dir, "recipes.json"),
                "--adapter", adapter]
        if options:
            args += ["--options", options]
        a = run(*args)
        self.assertEqual(a.rc, 0, a)
        bodies = [json.loads(l) for l in a.out.splitlines() if l.strip()]
        self.assertEqual(len(bodies), len(self.ids), a)
        return dict(zip(self.ids, bodies))

    def start(self, *args, secret=SECRET):
        self.srv = netsrv.Server("webhook_receiver.py", os.path.join(self.tmp.name, "wh.log"),
                                 *args, env={"WEBHOOK_SECRET": secret} if secret else {})
        return self.srv

    def deliver(self, *extra, secret=SECRET, url=None, timeout=120):
        args = ["-v", "-v", "deliver", "--recipes", os.path.join(self.dir, "recipes.json"),
                "--webhook", url or (self.srv.url() + "/v1/videos")] + FAST + list(extra)
        if secret:
            r = run(*args, env={"HOOKLINE_WEBHOOK_SECRET": secret}, timeout=timeout)
        else:
            r = run(*args, unset=("HOOKLINE_WEBHOOK_SECRET",), timeout=timeout)
        self.assert_no_secret_leak(r)
        return r

    def assert_no_secret_leak(self, r):
        self.assertNotIn(SECRET, r.out + r.err, "webhook secret printed" + repr(r))
        for p in netsrv.files_under(self.dir):
            with open(p, "rb") as f:
                self.assertNotIn(SECRET.encode(), f.read(), f"secret written to {p}")

    def log(self):
        self.srv.settle()
        return self.srv.entries()

    def deliveries(self):
        path = os.path.join(self.dir, "deliveries.json")
        self.assertTrue(os.path.exists(path), "no deliveries.json")
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        self.assertEqual(doc.get("schema"), "hookline.deliveries/1")
        self.assertIsInstance(doc.get("deliveries"), list)
        out = {}
        for dlv in doc["deliveries"]:
            for k in ("recipe_id", "status", "http_status", "attempts", "error"):
                self.assertIn(k, dlv, dlv)
            self.assertIn(dlv["status"], ("delivered", "failed"), dlv)
            self.assertNotIn(dlv["recipe_id"], out, "recipe listed twice in deliveries.json")
            out[dlv["recipe_id"]] = dlv
        return out

    def by_key(self, entries):
        res = {}
        for e in sorted(entries, key=lambda e: e["t"]):
            res.setdefault(e["key"], []).append(e)
        return res

    def assert_attempts_sound(self, entries, adapter_bodies=None, signed=True):
        """Every attempt: a known key, JSON body equal to the adapter's body for that recipe
        (default: the generic adapter's, as `recipe adapt` prints it), the same bytes on every
        attempt of a key, application/json, a valid signature."""
        adapter_bodies = adapter_bodies or self.generic
        keys = self.by_key(entries)
        for key, atts in keys.items():
            self.assertIn(key, self.by_id, f"unknown Idempotency-Key {key!r}")
            self.assertEqual(len(set(a["body_sha256"] for a in atts)), 1,
                             f"{key}: the body changed between attempts")
            body = json.loads(atts[0]["body"])
            self.assertEqual(body, adapter_bodies[key], f"{key}: body is not the adapter's")
            for a in atts:
                self.assertTrue((a["content_type"] or "").startswith("application/json"),
                                a["content_type"])
                self.assertEqual(a["signature"], "ok" if signed else "unchecked",
                                 f"{key}: signature {a['signature']}")
        return keys

    def assert_accepted_once(self, entries, ids):
        acc = {}
        for e in entries:
            if e["outcome"] in ("accepted", "drop_after"):
                acc[e["key"]] = acc.get(e["key"], 0) + 1
        for i in ids:
            self.assertEqual(acc.get(i, 0), 1, f"{i} accepted {acc.get(i, 0)} times")


class Deliver(DeliverCase):
    def test_every_recipe_once_signed_through_faults(self):
        ids = self.ids
        self.assertGreaterEqual(len(ids), 10)
        plans = {ids[0]: "429", ids[1]: "503,429", ids[2]: "drop,503", ids[3]: "drop_after",
                 ids[4]: "408,502", ids[5]: "slow", ids[6]: "ok", ids[7]: "ok",
                 ids[8]: "429date"}
        args = ["--fail-first", "1", "--fail-modes", "500", "--retry-after", "1",
                "--slow-s", "2", "--created-keys", ids[6], "--accepted-keys", ids[7]]
        for k, v in plans.items():
            args += ["--plan", f"{k}={v}"]
        self.start(*args)
        r = self.deliver("--timeout-ms", "700")
        self.assertEqual(r.rc, 0, r)
        ents = self.log()
        keys = self.assert_attempts_sound(ents)
        self.assertEqual(set(keys), set(ids), "not every recipe was sent")
        self.assert_accepted_once(ents, ids)
        for i in ids[9:]:
            self.assertEqual([a["outcome"] for a in keys[i]], ["fail500", "accepted"], i)
        self.assertEqual([a["outcome"] for a in keys[ids[3]]], ["drop_after", "duplicate"])
        # Retry-After is honoured: 1 second, or an HTTP date 2 s ahead (whole seconds: >= 1 s)
        for k, least in ((ids[0], 0.9), (ids[1], 0.9), (ids[8], 0.9)):
            atts = keys[k]
            i429 = next(n for n, a in enumerate(atts) if a["outcome"] == "fail429")
            gap = atts[i429 + 1]["t"] - atts[i429]["t_done"]
            self.assertGreaterEqual(gap, least, f"{k}: retried {gap:.2f}s after a 429 with "
                                    "Retry-After")
        dl = self.deliveries()
        self.assertEqual(set(dl), set(ids))
        for i in ids:
            self.assertEqual(dl[i]["status"], "delivered", dl[i])
            self.assertEqual(dl[i]["attempts"], len(keys[i]), f"{i}: attempts {dl[i]} vs "
                             f"{[a['outcome'] for a in keys[i]]}")
            self.assertEqual(dl[i]["http_status"], keys[i][-1]["status"] or 200, dl[i])
            self.assertFalse(dl[i]["error"], dl[i])
        self.assertEqual(dl[ids[6]]["http_status"], 201)
        self.assertEqual(dl[ids[7]]["http_status"], 202)
        # a second deliver sends nothing
        n = len(ents)
        r2 = self.deliver()
        self.assertEqual(r2.rc, 0, r2)
        self.assertEqual(len(self.log()), n, "the second deliver sent again")
        dl2 = self.deliveries()
        self.assertEqual({k: v["status"] for k, v in dl2.items()},
                         {k: "delivered" for k in ids})

    def test_4xx_fails_only_that_recipe_and_rerun_retries_it(self):
        ids = self.ids
        rejected = {ids[1]: 400, ids[4]: 404, ids[9]: 422}
        args = []
        for k, v in rejected.items():
            args += ["--reject", f"{k}={v}"]
        self.start(*args)
        r = self.deliver()
        self.assertEqual(r.rc, 3, r)
        ents = self.log()
        keys = self.assert_attempts_sound(ents)
        self.assertEqual(set(keys), set(ids))
        self.assert_accepted_once(ents, [i for i in ids if i not in rejected])
        dl = self.deliveries()
        for i in ids:
            if i in rejected:
                self.assertEqual(len(keys[i]), 1, f"{i}: a {rejected[i]} was retried")
                self.assertEqual(dl[i]["status"], "failed", dl[i])
                self.assertEqual(dl[i]["http_status"], rejected[i], dl[i])
                self.assertTrue(dl[i]["error"], dl[i])
            else:
                self.assertEqual(dl[i]["status"], "delivered", dl[i])
        # the receiver now accepts them: a rerun sends exactly the failed ones, once each
        self.srv.control({"reject": {}})
        n = len(ents)
        r2 = self.deliver()
        self.assertEqual(r2.rc, 0, r2)
        new = self.log()[n:]
        self.assertEqual(sorted(e["key"] for e in new), sorted(rejected))
        self.assertTrue(all(e["outcome"] == "accepted" for e in new), new)
        dl2 = self.deliveries()
        self.assertEqual(set(dl2), set(ids))
        self.assertTrue(all(v["status"] == "delivered" for v in dl2.values()), dl2)
        self.assert_accepted_once(self.log(), ids)

    def test_gives_up_after_bounded_attempts(self):
        self.write_recipes(self.recipes[:3])
        ids = self.ids
        self.start("--plan", f"{ids[1]}=" + ",".join(["500"] * 30))
        r = self.deliver()
        self.assertEqual(r.rc, 3, r)
        self.assertLess(r.elapsed, 30, r)
        keys = self.assert_attempts_sound(self.log())
        self.assertGreaterEqual(len(keys[ids[1]]), 2, "a 500 was not retried")
        self.assertLessEqual(len(keys[ids[1]]), 10, "retries not bounded")
        dl = self.deliveries()
        self.assertEqual(dl[ids[1]]["status"], "failed")
        self.assertEqual(dl[ids[1]]["http_status"], 500)
        self.assertEqual(dl[ids[1]]["attempts"], len(keys[ids[1]]))
        self.assertEqual(dl[ids[0]]["status"], "delivered")
        self.assertEqual(dl[ids[2]]["status"], "delivered")

    def test_no_secret_no_signature(self):
        self.write_recipes(self.recipes[:5])
        self.start(secret=None)
        r = self.deliver(secret=None)
        self.assertEqual(r.rc, 0, r)
        ents = self.log()
        self.assert_attempts_sound(ents, signed=False)
        self.assert_accepted_once(ents, self.ids)

    def test_signature_is_hmac_of_the_exact_body(self):
        self.write_recipes(self.recipes[:3])
        self.start()
        r = self.deliver()
        self.assertEqual(r.rc, 0, r)
        # recompute here, independently of the receiver
        for e in self.log():
            body = e["body"].encode("utf-8")
            want = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            self.assertEqual(e["signature"], "ok")
            self.assertEqual(hashlib.sha256(body).hexdigest(), e["body_sha256"])
            self.assertEqual(len(want), 64)

    def test_generic_body_is_the_recipe(self):
        """The default adapter is the recipe itself: every key (nulls included) and every
        number as recipes.json has it."""
        self.write_recipes(self.recipes[:3])
        self.start()
        r = self.deliver()
        self.assertEqual(r.rc, 0, r)
        for e in self.log():
            body = json.loads(e["body"])
            want = self.by_id[e["key"]]
            missing = sorted(k for k in want if k not in body)
            self.assertEqual(missing, [], f"{e['key']}: keys dropped from the recipe")
            self.assertEqual(body, want, f"{e['key']}: the generic body is not the recipe")

    def test_adapter_heygen(self):
        self.write_recipes(self.recipes[:5])
        opts = json.dumps({"avatar_id": "av-test", "voice_id": "vo-test"})
        want = self.adapt("heygen", opts)
        self.start()
        r = self.deliver("--adapter", "heygen", "--adapter-options", opts)
        self.assertEqual(r.rc, 0, r)
        ents = self.log()
        self.assert_attempts_sound(ents, adapter_bodies=want)
        self.assert_accepted_once(ents, self.ids)

    def test_connection_refused_fails_cleanly(self):
        self.write_recipes(self.recipes[:2])
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        r = self.deliver(url=f"http://127.0.0.1:{port}/hook")
        self.assertEqual(r.rc, 3, r)
        self.assertLess(r.elapsed, 30, r)
        dl = self.deliveries()
        self.assertEqual(set(dl), set(self.ids))
        for v in dl.values():
            self.assertEqual(v["status"], "failed")
            self.assertTrue(v["error"], v)
            self.assertGreaterEqual(v["attempts"], 2, "a connection error was not retried")

    def test_killed_midway_never_sends_a_recorded_delivery_again(self):
        self.start("--delay-s", "0.02")
        args = ["deliver", "--recipes", os.path.join(self.dir, "recipes.json"),
                "--webhook", self.srv.url() + "/hook"] + FAST
        env = dict(os.environ, HOOKLINE_WEBHOOK_SECRET=SECRET)
        p = subprocess.Popen([netsrv.HOOKLINE, *args], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while time.time() < deadline and p.poll() is None:
            if sum(1 for e in self.srv.entries() if e["outcome"] == "accepted") >= 15:
                break
            time.sleep(0.02)
        killed = p.poll() is None
        if killed:
            p.send_signal(signal.SIGKILL)
        p.wait()
        self.assertTrue(killed, "deliver finished before it could be interrupted")
        path = os.path.join(self.dir, "deliveries.json")
        recorded = set()
        if os.path.exists(path):
            dl = self.deliveries()          # must parse: written atomically
            recorded = {k for k, v in dl.items() if v["status"] == "delivered"}
        leftovers = [f for f in os.listdir(self.dir) if f not in ("recipes.json",
                                                                    "deliveries.json")]
        n = len(self.log())
        first_accepted = {e["key"] for e in self.log() if e["outcome"] == "accepted"}
        r = self.deliver()
        self.assertEqual(r.rc, 0, r)
        new = self.log()[n:]
        resent = {e["key"] for e in new} & recorded
        self.assertEqual(resent, set(), "recipes recorded as delivered were sent again")
        dup = {e["key"] for e in new} & first_accepted
        self.assertLessEqual(len(dup), 4, f"{len(dup)} accepted-but-unrecorded recipes re-sent")
        self.assert_accepted_once(self.log(), self.ids)
        self.assertTrue(all(v["status"] == "delivered" for v in self.deliveries().values()))
        print(f"    killed after {len(first_accepted)} accepted, {len(recorded)} recorded; "
              f"re-sent {len(dup)} (answered as duplicates); temp files left: {leftovers}",
              flush=True)

    def test_unreadable_deliveries_json_is_not_ignored(self):
        """deliveries.json is the record of what was sent: when it exists but cannot be read,
        deliver must not start from scratch (that would send every recipe again)."""
        self.write_recipes(self.recipes[:4])
        self.start()
        r = self.deliver()
        self.assertEqual(r.rc, 0, r)
        n = len(self.log())
        path = os.path.join(self.dir, "deliveries.json")
        with open(path, encoding="utf-8") as f:
            text = f.read()
        with open(path, "w", encoding="utf-8") as f:
            f.write(text[: len(text) // 2])            # a damaged record
        r = self.deliver()
        self.assertNotEqual(r.rc, 0, "a damaged deliveries.json was ignored" + repr(r))
        self.assertEqual(len(self.log()), n, "recipes already delivered were sent again")

    def test_usage_errors_send_nothing(self):
        self.start()
        rec = os.path.join(self.dir, "recipes.json")
        bad_json = os.path.join(self.tmp.name, "bad.json")
        with open(bad_json, "w") as f:
            f.write("{\"recipes\": [")
        hook = self.srv.url() + "/hook"
        cases = [
            (["deliver", "--recipes", rec, "--webhook", "http://192.0.2.1:9/hook"],
             "http to a non-loopback host"),
            (["deliver", "--recipes", rec, "--webhook", f"http://u:pw@127.0.0.1:{self.srv.port}/h"],
             "user:password in the URL"),
            (["deliver", "--recipes", rec, "--webhook", f"ftp://127.0.0.1:{self.srv.port}/h"],
             "ftp"),
            (["deliver", "--recipes", rec], "no --webhook"),
            (["deliver", "--webhook", hook], "no --recipes"),
            (["deliver", "--recipes", os.path.join(self.tmp.name, "none.json"), "--webhook", hook],
             "missing recipes file"),
            (["deliver", "--recipes", bad_json, "--webhook", hook], "malformed recipes file"),
            (["deliver", "--recipes", rec, "--webhook", hook, "--adapter", "no_such_adapter"],
             "unknown adapter"),
            (["deliver", "--recipes", rec, "--webhook", hook, "--adapter", "heygen",
              "--adapter-options", "{not json"], "bad adapter options"),
            (["deliver", "--recipes", rec, "--webhook", hook, "--timeout-ms", "soon"],
             "non-numeric --timeout-ms"),
            (["deliver", "--recipes", rec, "--webhook", hook, "--retry-base-ms", "x"],
             "non-numeric --retry-base-ms"),
        ]
        for args, why in cases:
            with self.subTest(why=why):
                if "--timeout-ms" not in args:
                    args = args + ["--timeout-ms", "500"]
                r = run(*args, env={"HOOKLINE_WEBHOOK_SECRET": SECRET}, timeout=30)
                self.assertEqual(r.rc, 2, f"{why}: {r!r}")
                self.assertTrue(r.err.strip())
                self.assertNotIn(SECRET, r.out + r.err)
        self.assertEqual(self.log(), [], "a usage error sent something")
        self.assertFalse(os.path.exists(os.path.join(self.dir, "deliveries.json")))


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
