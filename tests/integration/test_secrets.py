#!/usr/bin/env python3
"""test_secrets.py — secrets never leak (issue 10, "Secrets"; DESIGN.md §11: secrets come from the
environment or files named in the config and are never printed in logs). Python 3 standard
library only. ctest passes HOOKLINE, HL_SOURCE_DIR and HL_TEST_DATA.

Run:  HOOKLINE=build/hookline /usr/bin/python3 tests/integration/test_secrets.py [Class[.test]]
The last line of output is "N passed, M failed"; the exit status is non-zero on any failure.

Three recognisable secrets are planted in the environment of every hookline process —
HOOKLINE_TIKTOK_TOKEN, HOOKLINE_WEBHOOK_SECRET, HOOKLINE_SMTP_PASSWORD (with HOOKLINE_SMTP_USER) —
and every command runs at -q, the default level and -v -v, against local servers where it talks
to the network (tests/tools: mock_tiktok.py expecting the planted token, webhook_receiver.py
verifying signatures with the planted secret, smtp_sink.py with AUTH): metrics, analyze, report,
rules check|list|test, config defaults|check, stats, pull, deliver, mail, recipe adapt, run (from
a config file: pull, store, analyse, deliver, mail), ingest, store check|export|prune,
experiments; and the failure paths where a secret is most likely to be echoed: a token the API
rejects, a webhook that refuses the signature, a relay that is down, a token from --token-file
with the variable unset. Then everything hookline printed (stdout and stderr of every run) and
every file it wrote (the whole work directory, binary store files included, byte by byte), plus
what it sent that a server logged other than the credential itself (request bodies, mail
contents), is searched for each secret in the forms it could leak in: as is, base64 (SMTP
AUTH LOGIN), base64 of "\\0user\\0password" (AUTH PLAIN), hex, URL-encoded, and its first 12
characters (a truncated echo). None may appear. The webhook's X-Hookline-Signature is an HMAC
derived from the secret; it is checked to be valid (the receiver verifies it) and the secret
itself never to appear. Sanity checks make sure the search would see a leak (a planted secret
in a scratch file is found) and that the commands really ran (exit codes, servers reached).
"""
import base64
import json
import os
import shutil
import sys
import tempfile
import unittest
import urllib.parse

SRC = os.environ.get("HL_SOURCE_DIR") or os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "tools"))
if os.environ.get("HOOKLINE"):  # the commands run in the work directory: an absolute path
    os.environ["HOOKLINE"] = os.path.abspath(os.environ["HOOKLINE"])
import netsrv  # noqa: E402  (tests/tools/netsrv.py: servers and the runner)

HOOKLINE = netsrv.HOOKLINE
EXPORT_CSV = os.path.join(SRC, "examples", "tiktok-export.csv")
KEEP = os.environ.get("HL_SECRETS_KEEP")

TOKEN = "tt-TOKEN-5c1e9a77b0d24f61-planted"
WEBHOOK_SECRET = "wh-SECRET-0b9d3f2e8a6c4417-planted"
SMTP_USER = "hookline-mailer"
SMTP_PASSWORD = "smtp-PASSWORD-e4a1c07d55f9-planted"
SECRETS = {"HOOKLINE_TIKTOK_TOKEN": TOKEN, "HOOKLINE_WEBHOOK_SECRET": WEBHOOK_SECRET,
           "HOOKLINE_SMTP_PASSWORD": SMTP_PASSWORD}
ENV = {**SECRETS, "HOOKLINE_SMTP_USER": SMTP_USER}
LEVELS = {"quiet": ["-q"], "default": [], "verbose": ["-v", "-v"]}
ADV_A = "7100000000000000001"  # mock_tiktok.py: 120 ads, active 2026-01-01 .. 2026-04-30


def forms(secret):
    """The byte strings a secret could leak as."""
    s = secret.encode()
    out = {
        "as is": s,
        "base64": base64.b64encode(s),
        "hex": s.hex().encode(),
        "url-encoded": urllib.parse.quote(secret, safe="").encode(),
        "first 12 characters": s[:12],
    }
    if secret == SMTP_PASSWORD:
        out["AUTH PLAIN"] = base64.b64encode(b"\0" + SMTP_USER.encode() + b"\0" + s)
        out["AUTH PLAIN (no authzid)"] = base64.b64encode(SMTP_USER.encode() + b"\0" + s)
    return out


def leaks(data):
    """[(variable, form)] of every secret found in data (bytes)."""
    found = []
    for var, secret in SECRETS.items():
        for name, needle in forms(secret).items():
            if needle in data:
                found.append((var, name))
    return found


class State:
    work = None     # everything hookline writes goes under here
    servers = None  # server logs (they hold what the servers received)
    outputs = []    # (label, text) of every run's stdout and stderr
    results = {}    # label -> Result


S = State()


def hl(label, *args, env=None, unset=(), timeout=180, ok=(0,)):
    """Runs hookline with the secrets planted; records its output under label."""
    e = dict(ENV)
    e.update(env or {})
    r = netsrv.run(*[str(a) for a in args], env=e, unset=unset, timeout=timeout, cwd=S.work)
    S.outputs.append((label, r.out + "\n" + r.err))
    S.results[label] = r
    return r


def setUpModule():
    S.work = KEEP or tempfile.mkdtemp(prefix="hl-secrets-")
    os.makedirs(S.work, exist_ok=True)
    S.servers = tempfile.mkdtemp(prefix="hl-secrets-srv-")


def tearDownModule():
    if not KEEP:
        shutil.rmtree(S.work, ignore_errors=True)
    shutil.rmtree(S.servers, ignore_errors=True)


def w(*p):
    return os.path.join(S.work, *p)


class A_Commands(unittest.TestCase):
    """Every command at every level; each must succeed (or fail the way it is meant to)."""

    @classmethod
    def setUpClass(cls):
        cls.mock = netsrv.Server("mock_tiktok.py", os.path.join(S.servers, "mock.log"),
                                 "--token", TOKEN)
        cls.hook = netsrv.Server("webhook_receiver.py", os.path.join(S.servers, "hook.log"),
                                 "--secret", WEBHOOK_SECRET)
        cls.bad_hook = netsrv.Server("webhook_receiver.py", os.path.join(S.servers, "bad.log"),
                                     "--secret", "some-other-secret")
        cls.smtp = netsrv.Server("smtp_sink.py", os.path.join(S.servers, "smtp.log"), "--auth")

    @classmethod
    def tearDownClass(cls):
        for s in (cls.mock, cls.hook, cls.bad_hook, cls.smtp):
            s.stop()

    def check(self, r, ok=(0,)):
        self.assertIn(r.rc, ok, r)

    def test_01_offline_commands(self):
        for lvl, v in LEVELS.items():
            with self.subTest(level=lvl):
                self.check(hl(f"metrics {lvl}", *v, "metrics", "--input", EXPORT_CSV,
                              "--level", "campaign"))
                self.check(hl(f"analyze {lvl}", *v, "analyze", "--input", EXPORT_CSV, "--out",
                              w(f"analyze-{lvl}")), (0, 1))
                self.check(hl(f"report {lvl}", *v, "report", "--template",
                              "creative_performance", "--input", EXPORT_CSV, "--format", "html",
                              "--output", w(f"report-{lvl}.html")))
                for sub in ("check", "list", "test"):
                    self.check(hl(f"rules {sub} {lvl}", *v, "rules", sub))
                self.check(hl(f"config defaults {lvl}", *v, "config", "defaults"))
                self.check(hl(f"config check {lvl}", *v, "config", "check",
                              os.path.join(SRC, "examples", "hookline.lua")))
                self.check(hl(f"stats {lvl}", *v, "stats", "prop", "120", "1000", "100", "1000",
                              "--json"))
                self.check(hl(f"recipe adapt {lvl}", *v, "recipe", "adapt", "--recipes",
                              w(f"analyze-{lvl}", "recipes.json"), "--adapter", "heygen"))
                self.check(hl(f"ingest {lvl}", *v, "ingest", "--db", w(f"ingest-{lvl}.db"),
                              "--input", EXPORT_CSV))
                for sub in (["check"], ["export", "--output", w(f"export-{lvl}.jsonl")],
                            ["prune", "--keep-days", "20"]):
                    self.check(hl(f"store {sub[0]} {lvl}", *v, "store", *sub, "--db",
                                  w(f"ingest-{lvl}.db")))
                self.check(hl(f"experiments {lvl}", *v, "experiments", "--db",
                              w(f"ingest-{lvl}.db")))

    def test_02_pull(self):
        for lvl, v in LEVELS.items():
            with self.subTest(level=lvl):
                r = hl(f"pull {lvl}", *v, "pull", "--advertiser", ADV_A, "--from", "2026-01-01",
                       "--to", "2026-01-05", "--api-base", self.mock.url(), "--out",
                       w(f"pull-{lvl}.jsonl"))
                self.check(r)
                self.assertGreater(os.path.getsize(w(f"pull-{lvl}.jsonl")), 1000, r)
        # the token from a file, the variable unset
        tok = os.path.join(S.servers, "token.txt")  # an input, outside the searched tree
        with open(tok, "w") as f:
            f.write(TOKEN + "\n")
        r = hl("pull token-file", "-v", "-v", "pull", "--advertiser", ADV_A, "--from",
               "2026-01-01", "--to", "2026-01-02", "--api-base", self.mock.url(), "--out",
               w("pull-tokenfile.jsonl"), "--token-file", tok, unset=("HOOKLINE_TIKTOK_TOKEN",))
        self.check(r)
        # a token the API rejects (the mock expects the planted one): exit 3, the token unsaid
        r = hl("pull wrong token", "-v", "-v", "pull", "--advertiser", ADV_A, "--from",
               "2026-01-01", "--to", "2026-01-02", "--api-base", self.mock.url(), "--out",
               w("pull-wrong.jsonl"), "--retry-base-ms", "1",
               env={"HOOKLINE_TIKTOK_TOKEN": TOKEN[::-1]})
        self.check(r, (3,))
        # nobody listening
        r = hl("pull refused", "-v", "-v", "pull", "--advertiser", ADV_A, "--from", "2026-01-01",
               "--to", "2026-01-02", "--api-base", "http://127.0.0.1:9", "--out",
               w("pull-refused.jsonl"), "--retry-base-ms", "1", "--retry-budget-s", "1")
        self.check(r, (3,))
        ok = [e for e in self.mock.entries(settle=0.2) if e.get("token") == "ok"]
        self.assertTrue(ok, "the mock never saw the planted token")

    def test_03_deliver_and_mail(self):
        for lvl, v in LEVELS.items():
            with self.subTest(level=lvl):
                rec = w(f"analyze-{lvl}", "recipes.json")
                r = hl(f"deliver {lvl}", *v, "deliver", "--recipes", rec, "--webhook",
                       self.hook.url() + "/hook")
                self.check(r)
                r = hl(f"mail {lvl}", *v, "mail", "--report", w(f"analyze-{lvl}"), "--smtp",
                       self.smtp.url("smtp"), "--from", "hookline@example.com", "--to",
                       "growth@example.com", "--allow-plain")
                self.check(r)
        # a webhook that refuses the signature (another secret): the failure path
        shutil.copy(w("analyze-verbose", "recipes.json"), w("recipes-bad.json"))
        r = hl("deliver bad signature", "-v", "-v", "deliver", "--recipes", w("recipes-bad.json"),
               "--webhook", self.bad_hook.url() + "/hook", "--max-attempts", "1")
        self.check(r, (3,))
        # a relay that is down
        r = hl("mail refused", "-v", "-v", "mail", "--report", w("analyze-verbose"), "--smtp",
               "smtp://127.0.0.1:9", "--from", "hookline@example.com", "--to",
               "growth@example.com", "--allow-plain", "--timeout-ms", "3000")
        self.check(r, (3,))
        hooks = self.hook.entries(settle=0.3)
        self.assertTrue(hooks and all(e.get("signature") == "ok" for e in hooks
                                      if e.get("outcome") in ("accepted", "duplicate")),
                        hooks[:3])
        sessions = self.smtp.entries(settle=0.5)
        self.assertTrue(any((s.get("auth") or {}).get("password") == SMTP_PASSWORD
                            for s in sessions), "the sink never saw the planted password")

    def test_04_run_from_a_config(self):
        cfg = os.path.join(S.servers, "hookline.lua")  # an input: no secret in it
        with open(cfg, "w") as f:
            f.write(
                "return {\n"
                f"  store = {{ db = {json.dumps(w('run.db'))} }},\n"
                f"  run = {{ out = {json.dumps(w('run-out'))} }},\n"
                f"  tiktok = {{ advertisers = \"{ADV_A}\", api_base = \"{self.mock.url()}\" }},\n"
                f"  deliver = {{ webhook = \"{self.hook.url()}/run\" }},\n"
                f"  mail = {{ smtp = \"{self.smtp.url('smtp')}\", from = \"hookline@example.com\","
                " to = \"growth@example.com\", allow_plain = true },\n"
                "}\n")
        for i, (lvl, v) in enumerate(LEVELS.items()):
            with self.subTest(level=lvl):
                r = hl(f"run {lvl}", *v, "run", "--config", cfg, "--as-of",
                       f"2026-02-{10 + i:02d}", "--retry-base-ms", "1", timeout=300)
                self.check(r, (0, 1))
        self.check(hl("store check run", "store", "check", "--db", w("run.db")))
        self.check(hl("experiments run", "-v", "-v", "experiments", "--db", w("run.db")))


class B_Search(unittest.TestCase):
    """Runs after A_Commands: searches everything for the secrets."""

    def test_search_would_find_a_leak(self):
        for var, secret in SECRETS.items():
            for name, needle in forms(secret).items():
                self.assertIn((var, name), leaks(b"xx" + needle + b"yy"))
        self.assertEqual(leaks(b"nothing here"), [])

    def test_commands_ran(self):
        self.assertGreater(len(S.results), 60, sorted(S.results))

    def test_nothing_printed(self):
        bad = []
        for label, text in S.outputs:
            for var, form in leaks(text.encode("utf-8", "replace")):
                bad.append(f"{label}: {var} ({form})")
        self.assertEqual(bad, [])

    def test_nothing_written(self):
        bad, n, size = [], 0, 0
        for root, _, files in os.walk(S.work):
            for name in files:
                p = os.path.join(root, name)
                with open(p, "rb") as f:
                    data = f.read()
                n += 1
                size += len(data)
                for var, form in leaks(data):
                    bad.append(f"{os.path.relpath(p, S.work)}: {var} ({form})")
        print(f"\n  searched {n} files, {size / 1e6:.1f} MB", flush=True)
        self.assertGreater(n, 40)
        self.assertEqual(bad, [])

    def test_nothing_sent_but_the_credential(self):
        """What the servers logged of hookline's requests (bodies, mail) holds no secret; the
        SMTP password is expected only in the sink's record of AUTH, the token only as the
        mock's "token": "ok"."""
        bad = []
        for log in os.listdir(S.servers):
            if not log.endswith(".log"):
                continue
            with open(os.path.join(S.servers, log), encoding="utf-8", errors="replace") as f:
                for i, line in enumerate(f):
                    try:
                        e = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(e, dict) and isinstance(e.get("auth"), dict):
                        e["auth"] = {k: v for k, v in e["auth"].items() if k != "password"}
                    for var, form in leaks(json.dumps(e).encode()):
                        bad.append(f"{log}:{i + 1}: {var} ({form})")
        self.assertEqual(bad, [])


def main():
    print(f"hookline: {HOOKLINE}\nsource:   {SRC}", flush=True)
    loader = unittest.defaultTestLoader
    module = sys.modules[__name__]
    if sys.argv[1:]:
        suite = loader.loadTestsFromNames(sys.argv[1:], module)
    else:  # commands first, then the search
        suite = unittest.TestSuite([loader.loadTestsFromTestCase(A_Commands),
                                    loader.loadTestsFromTestCase(B_Search)])
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
    # a test with failing sub-tests counts once
    failed = len({t.id().split(" ")[0] for t, _ in result.failures + result.errors} |
                 {t.id() for t in result.unexpectedSuccesses})
    passed = result.testsRun - failed - len(result.skipped)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
