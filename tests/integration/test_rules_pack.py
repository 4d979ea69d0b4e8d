#!/usr/bin/env python3
"""test_rules_pack.py — the default rule pack (scripts/rules, issue 5 "The default rule pack"):
its own rule tests pass, and end to end every diagnosis becomes a concrete, judgeable brief.
Debian's /usr/bin/python3 with numpy (for the simulated world). ctest passes HOOKLINE (the
binary), HL_SOURCE_DIR and HL_TEST_DATA; without them: <repo>/build/hookline and <repo>.

Run:  HOOKLINE=build/hookline /usr/bin/python3 tests/integration/test_rules_pack.py [Class[.test]...]
Knobs: HL_SIM_SEED (default 20260601), HL_SIM_KEEP=DIR (keep the world and the outputs).

What is asserted:
  (a) `hookline rules check` reports 0 problems and every built-in code has a rule;
      `hookline rules test` on the pack prints "N passed, 0 failed" (exit 0), and its tests name
      every built-in code in an expectation;
  (b) on the simulated world (tests/tools/sim_world.py), `hookline analyze` exits 0 with no
      rule_errors, every diagnosis of findings.json has a brief (same code, same subject), and
      every planted diagnosis that findings.json found on its ad has a brief on that ad with the
      pack's action types for that code (kitbash_candidate: combine_segments whose details
      splice the ad's first 3 s with the related ad's last 5 s); briefs meant to move a metric
      carry a hypothesis on the right metric whose baseline is the diagnosis' evidence, and
      hookline computed the sample needed to judge it;
  (c) every brief has an id, a title with numbers, >= 1 action with instructions, and a success
      criterion; a re-run gives the same ids (and the same briefs.json content); the bundled example
      (examples/tiktok-export.csv) gets a brief for each of its diagnoses, exit 0;
  (d) with the shop's own conversions 30 % below TikTok's in two campaigns, each
      tracking_discrepancy gets a check_tracking brief quoting both counts.
"""
import collections
import concurrent.futures
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

SRC = os.environ.get("HL_SOURCE_DIR") or os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
HOOKLINE = os.environ.get("HOOKLINE") or os.path.join(SRC, "build", "hookline")
RULES = os.path.join(SRC, "scripts", "rules")
EXAMPLE = os.path.join(SRC, "examples", "tiktok-export.csv")
sys.path.insert(0, os.path.join(SRC, "tests", "tools"))
import sim_world  # noqa: E402

SEED = int(os.environ.get("HL_SIM_SEED", "20260601"))
KEEP = os.environ.get("HL_SIM_KEEP") or None

CODES = ["winner", "loser", "weak_hook", "weak_hold", "weak_cta", "landing_page_mismatch",
         "fatigue", "no_delivery", "audience_too_narrow", "tracking_discrepancy",
         "insufficient_data", "kitbash_candidate"]
# The pack's actions per code, for an ad-level diagnosis.
AD_ACTIONS = {
    "weak_hook": ["new_hook", "new_opening_shot"],
    "weak_hold": ["new_hook", "new_onscreen_text"],
    "weak_cta": ["new_cta", "new_onscreen_text"],
    "landing_page_mismatch": ["align_landing_page"],
    "fatigue": ["new_hook", "new_voiceover", "new_onscreen_text"],
    "winner": ["scale_budget", "new_hook"],
    "loser": ["pause_ad"],
    "kitbash_candidate": ["combine_segments"],
    "no_delivery": ["refresh_creative"],
    "insufficient_data": ["wait_for_data"],
}
GROUP_ACTIONS = {
    "winner": ["scale_budget"],
    "loser": ["pause_ad"],
    "no_delivery": ["broaden_audience", "raise_bid"],
    "audience_too_narrow": ["broaden_audience"],
}
# Briefs meant to move a metric: the hypothesis' metric, and where its baseline comes from.
HYP_METRIC = {"weak_hook": "hook_rate", "weak_hold": "hold_rate", "weak_cta": "ctr",
              "landing_page_mismatch": "cvr", "fatigue": "ctr", "kitbash_candidate": "ctr",
              "winner": "hook_rate"}


def log(*a):
    print(*a, flush=True)


class W:
    tmp = None
    truth = None
    runs = {}   # name -> Run


class Run:
    def __init__(self, args, rc, out, err, secs):
        self.args, self.rc, self.out, self.err, self.secs = args, rc, out, err, secs
        self.findings = self.briefs = self.raw_briefs = self.md = None
        self.error = None

    def __repr__(self):
        return (f"hookline {' '.join(self.args)}\n  exit {self.rc} in {self.secs:.2f} s\n"
                f"  stderr: {self.err[-1500:]!r}\n  error: {self.error}")


def hookline(*args, timeout=300):
    t0 = time.monotonic()
    p = subprocess.run([HOOKLINE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, timeout=timeout)
    return Run(list(args), p.returncode, p.stdout.decode("utf-8", "replace"),
               p.stderr.decode("utf-8", "replace"), time.monotonic() - t0)


def analyze(csv_path, out_dir, *extra):
    os.makedirs(out_dir, exist_ok=True)
    r = hookline("analyze", "--input", csv_path, "--out", out_dir, "--rules", RULES, *extra)
    try:
        with open(os.path.join(out_dir, "findings.json"), encoding="utf-8") as fh:
            r.findings = json.load(fh)
        with open(os.path.join(out_dir, "briefs.json"), encoding="utf-8") as fh:
            r.raw_briefs = fh.read()
        r.briefs = json.loads(r.raw_briefs)
        with open(os.path.join(out_dir, "briefs.md"), encoding="utf-8") as fh:
            r.md = fh.read()
    except (OSError, ValueError) as e:
        r.error = str(e)
    return r


def setUpModule():
    W.tmp = KEEP or tempfile.mkdtemp(prefix="hl-rules-")
    os.makedirs(W.tmp, exist_ok=True)
    t0 = time.monotonic()
    world = sim_world.build(SEED)
    csv_path = os.path.join(W.tmp, "world.csv")
    sim_world.write_csv(world, csv_path)
    W.truth = sim_world.truth(world)
    log(f"hookline: {HOOKLINE}\nrules:    {RULES}\nworld:    seed {SEED}, "
        f"{len(world['ads'])} ads in {len(W.truth['groups'])} ad groups "
        f"({time.monotonic() - t0:.1f} s)")
    # the shop's own conversions: the example's per campaign and day, 30 % fewer in the
    # Prospecting campaigns (a tracking discrepancy there, none in the others)
    m = hookline("metrics", "--input", EXAMPLE, "--level", "campaign", "--by-day", "--format",
                 "csv", "--columns", "conversions", timeout=60)
    backend = os.path.join(W.tmp, "backend.csv")
    with open(backend, "w", encoding="utf-8") as fh:
        fh.write("date,conversions,campaign_id\n")
        for row in csv.DictReader(io.StringIO(m.out)):
            f = 0.7 if row["campaign_name"].startswith("Prospecting") else 1.0
            fh.write(f"{row['date']},{round(float(row['conversions'] or 0) * f)},{row['campaign_id']}\n")
    jobs = {"sim": (csv_path, os.path.join(W.tmp, "sim")),
            "sim-again": (csv_path, os.path.join(W.tmp, "sim-again")),
            "example": (EXAMPLE, os.path.join(W.tmp, "example")),
            "backend": (EXAMPLE, os.path.join(W.tmp, "backend"), "--backend-conversions", backend)}
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as ex:
        futs = {name: ex.submit(analyze, *a) for name, a in jobs.items()}
        for name, f in futs.items():
            W.runs[name] = f.result()
    log("analyze:  " + ", ".join(f"{n} {r.secs:.1f} s" for n, r in W.runs.items())
        + f" ({time.monotonic() - t0:.1f} s wall)")


def tearDownModule():
    if W.tmp and not KEEP:
        shutil.rmtree(W.tmp, ignore_errors=True)


def ok_run(tc, name):
    r = W.runs[name]
    tc.assertIsNone(r.error, repr(r))
    tc.assertEqual(r.rc, 0, repr(r))
    return r


def subject_id(x):
    """The id of what a diagnosis or a brief is about, by its level."""
    lv = x.get("level") or "ad"
    key = {"ad": "ad_id", "adgroup": "adgroup_id", "campaign": "campaign_id"}.get(lv, "advertiser_id")
    return lv, x.get(key)


def brief_code(b):
    return b["diagnoses"][0]["code"] if b.get("diagnoses") else None


def briefs_by_key(briefs):
    out = collections.defaultdict(list)
    for b in briefs["briefs"]:
        out[(brief_code(b),) + subject_id(b)].append(b)
    return out


def types(b):
    return [a["type"] for a in b.get("actions", [])]


# --------------------------------------------------------------------------------- (a) the pack

class A_Pack(unittest.TestCase):
    def test_check_has_no_problems(self):
        r = hookline("rules", "check", RULES, timeout=60)
        self.assertEqual(r.rc, 0, repr(r) + "\n" + r.out)
        self.assertRegex(r.out, r"\b0 problems\b", r.out)
        self.assertEqual(r.err.strip(), "", r.err)

    def test_every_code_has_a_rule(self):
        r = hookline("rules", "list", RULES, timeout=60)
        self.assertEqual(r.rc, 0, repr(r))
        handled = collections.Counter()
        for line in r.out.splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[1] == "brief":
                handled.update(parts[2].split(","))
        missing = [c for c in CODES if not handled[c]]
        self.assertEqual(missing, [], f"codes without a brief rule:\n{r.out}")

    def test_rule_tests_pass(self):
        r = hookline("rules", "test", RULES, timeout=120)
        last = r.out.strip().splitlines()[-1] if r.out.strip() else ""
        m = re.fullmatch(r"(\d+) passed, (\d+) failed", last)
        self.assertIsNotNone(m, repr(r) + "\n" + r.out)
        self.assertEqual(int(m.group(2)), 0, r.out + r.err)
        self.assertEqual(r.rc, 0, repr(r) + "\n" + r.out)
        self.assertGreaterEqual(int(m.group(1)), len(CODES))
        log(f"  rules test: {last}")

    def test_rule_tests_cover_every_code(self):
        tdir = os.path.join(RULES, "tests")
        named = set()
        for fn in sorted(os.listdir(tdir)):
            if fn.endswith(".json"):
                with open(os.path.join(tdir, fn), encoding="utf-8") as fh:
                    t = json.load(fh)
                named.update(e.get("code") for e in t.get("expect", []))
        self.assertEqual(sorted(set(CODES) - named), [], "codes no rule test expects")


# ------------------------------------------------------------------------ (b) simulated world

class B_SimWorld(unittest.TestCase):
    def test_no_rule_errors(self):
        r = ok_run(self, "sim")
        self.assertEqual(r.briefs.get("rule_errors"), [], r.briefs.get("rule_errors"))
        self.assertEqual(r.briefs.get("schema"), "hookline.briefs/1")

    def test_every_diagnosis_has_a_brief(self):
        r = ok_run(self, "sim")
        by = briefs_by_key(r.briefs)
        missing = []
        for d in r.findings["diagnoses"]:
            key = (d["code"],) + subject_id(d)
            if not by.get(key):
                missing.append(key)
        self.assertEqual(missing[:10], [], f"{len(missing)} diagnoses without a brief")
        log(f"  {len(r.findings['diagnoses'])} diagnoses, {len(r.briefs['briefs'])} briefs: "
            + ", ".join(f"{c} {n}" for c, n in sorted(collections.Counter(
                d['code'] for d in r.findings['diagnoses']).items())))

    def test_action_types_by_code(self):
        r = ok_run(self, "sim")
        bad = []
        for b in r.briefs["briefs"]:
            want = (AD_ACTIONS if b.get("level") == "ad" else GROUP_ACTIONS).get(brief_code(b))
            if want is not None and types(b) != want:
                bad.append((brief_code(b), subject_id(b), types(b), want))
        self.assertEqual(bad[:5], [], f"{len(bad)} briefs with other action types")

    def test_planted_diagnoses_get_their_brief(self):
        r = ok_run(self, "sim")
        by = briefs_by_key(r.briefs)
        found = missed = 0
        bad = []
        per_code = collections.Counter()
        for g in W.truth["groups"]:
            for p in g["planted"]:
                hit = [d for d in r.findings["diagnoses"]
                       if d["code"] == p["code"] and d.get("ad_id") == p["ad_id"]
                       and all(x in (d.get("related_ad_ids") or []) for x in p["related_ad_ids"])]
                if not hit:
                    missed += 1
                    continue
                found += 1
                bs = by.get((p["code"], "ad", p["ad_id"]), [])
                if not bs:
                    bad.append(f"{p['code']} on {p['ad_id']}: no brief")
                    continue
                b = bs[0]
                if types(b) != AD_ACTIONS[p["code"]]:
                    bad.append(f"{p['code']} on {p['ad_id']}: actions {types(b)}")
                if p["code"] == "kitbash_candidate":
                    det = b["actions"][0].get("details") or {}
                    want = {"hook_ad_id": p["ad_id"], "hook_end_s": 3,
                            "ending_ad_id": p["related_ad_ids"][0], "ending_seconds": 5}
                    got = {k: det.get(k) for k in want}
                    if got != want:
                        bad.append(f"kitbash on {p['ad_id']}: details {det}, want {want}")
                    rel = sim_world_name(r, p["related_ad_ids"][0])
                    if rel and rel not in b["title"]:
                        bad.append(f"kitbash on {p['ad_id']}: title {b['title']!r} lacks {rel!r}")
                per_code[p["code"]] += 1
        log(f"  planted and found: {found} (not found by analyze: {missed}); briefed: "
            + ", ".join(f"{c} {n}" for c, n in sorted(per_code.items())))
        self.assertGreater(found, 0)
        self.assertEqual(bad, [])

    def test_hypotheses_come_from_the_evidence(self):
        r = ok_run(self, "sim")
        cmp_of = collections.defaultdict(dict)
        for c in r.findings["comparisons"]:
            s = c.get("subject") or {}
            if s.get("level") == "ad":
                cmp_of[s["ad_id"]][c["metric"]] = c
        bad = []
        checked = collections.Counter()
        for b in r.briefs["briefs"]:
            code = brief_code(b)
            if code not in HYP_METRIC or b.get("level") != "ad":
                continue
            h = b.get("hypothesis") or {}
            ev = b["diagnoses"][0].get("evidence") or []
            if code == "fatigue":
                base = next((e["recent"] for e in ev if e.get("trend") == "ctr"), None)
            elif code == "kitbash_candidate":
                rel = b["diagnoses"][0]["related_ad_ids"][0]
                base = cmp_of[rel]["ctr"]["value"]
            elif code == "winner":
                base = cmp_of[b["ad_id"]]["hook_rate"]["value"]
            else:
                base = next((e["value"] for e in ev if e.get("metric") == HYP_METRIC[code]), None)
            why = None
            if h.get("metric") != HYP_METRIC[code]:
                why = f"metric {h.get('metric')}"
            elif base is None or h.get("baseline") is None or abs(h["baseline"] - base) > 1e-12 * max(1, abs(base)):
                why = f"baseline {h.get('baseline')} vs evidence {base}"
            elif not (h.get("expected_lift") or 0) >= 0.1:
                why = f"expected_lift {h.get('expected_lift')}"
            elif not (b["success"].get("sample_per_arm") or 0) > 0:
                why = f"no sample needed: {b['success']}"
            elif not re.search(r"\d", b["success"].get("criterion") or ""):
                why = f"criterion without numbers: {b['success']}"
            if why:
                bad.append(f"{code} on {b['ad_id']}: {why}")
            checked[code] += 1
        log("  hypotheses checked: " + ", ".join(f"{c} {n}" for c, n in sorted(checked.items())))
        self.assertEqual(bad[:10], [], f"{len(bad)} bad hypotheses")


def sim_world_name(run, ad_id):
    for a in run.findings.get("ads", []):
        if a.get("ad_id") == ad_id:
            return a.get("ad_name")
    return None


# ------------------------------------------------------------------------- (c) every brief

class C_Briefs(unittest.TestCase):
    def check_briefs(self, run):
        bad = []
        for b in run.briefs["briefs"]:
            what = f"{brief_code(b)} {subject_id(b)}"
            if not re.fullmatch(r"b[0-9a-f]{16}", b.get("id") or ""):
                bad.append(f"{what}: id {b.get('id')!r}")
            if not (b.get("title") or "").strip() or not re.search(r"\d", b["title"]):
                bad.append(f"{what}: title {b.get('title')!r} without numbers")
            if not b.get("actions") or any(not (a.get("instructions") or "").strip()
                                           for a in b["actions"]):
                bad.append(f"{what}: actions {b.get('actions')}")
            if not ((b.get("success") or {}).get("criterion") or "").strip():
                bad.append(f"{what}: no success criterion")
            if "n/a" in b.get("title", ""):
                bad.append(f"{what}: 'n/a' in title {b['title']!r}")
        ids = [b.get("id") for b in run.briefs["briefs"]]
        dup = [i for i, n in collections.Counter(ids).items() if n > 1]
        return bad, dup

    def test_sim_briefs_are_complete(self):
        bad, dup = self.check_briefs(ok_run(self, "sim"))
        self.assertEqual(bad[:10], [], f"{len(bad)} incomplete briefs")
        self.assertEqual(dup, [], "duplicate brief ids")

    def test_ids_stable_on_rerun(self):
        a, b = ok_run(self, "sim"), ok_run(self, "sim-again")
        self.assertEqual([x["id"] for x in a.briefs["briefs"]], [x["id"] for x in b.briefs["briefs"]])
        self.assertEqual({x["id"]: x["title"] for x in a.briefs["briefs"]},
                         {x["id"]: x["title"] for x in b.briefs["briefs"]})
        # The same content; the byte order of each action's "details" object follows Lua's table
        # iteration, whose string hash seed changes per process, so bytes are not compared.
        self.assertEqual(a.briefs, b.briefs, "briefs.json content differs between two runs")
        if a.raw_briefs != b.raw_briefs:
            log("  note: briefs.json bytes differ between runs (order of keys in actions' details)")

    def test_example_end_to_end(self):
        r = ok_run(self, "example")
        self.assertEqual(r.briefs.get("rule_errors"), [])
        by = briefs_by_key(r.briefs)
        missing = [(d["code"],) + subject_id(d) for d in r.findings["diagnoses"]
                   if not by.get((d["code"],) + subject_id(d))]
        self.assertEqual(missing, [])
        self.assertGreater(len(r.findings["diagnoses"]), 0)
        bad, dup = self.check_briefs(r)
        self.assertEqual(bad, [])
        self.assertEqual(dup, [])
        self.assertIn("# Creative briefs", r.md)
        log(f"  example: {len(r.findings['diagnoses'])} diagnoses -> "
            f"{len(r.briefs['briefs'])} briefs, codes "
            + ", ".join(sorted({d['code'] for d in r.findings['diagnoses']})))


class D_Tracking(unittest.TestCase):
    """The example with the shop's own conversions 30 % below TikTok's in two campaigns."""

    def test_tracking_discrepancy_brief(self):
        r = ok_run(self, "backend")
        self.assertEqual(r.briefs.get("rule_errors"), [])
        ds = [d for d in r.findings["diagnoses"] if d["code"] == "tracking_discrepancy"]
        self.assertGreater(len(ds), 0, "no tracking_discrepancy diagnosed")
        by = briefs_by_key(r.briefs)
        for d in ds:
            bs = by.get(("tracking_discrepancy",) + subject_id(d), [])
            self.assertEqual(len(bs), 1, d)
            b = bs[0]
            self.assertEqual(types(b), ["check_tracking"])
            det = b["actions"][0]["details"]
            ev = d["evidence"][0]
            self.assertEqual(det.get("platform_conversions"), ev["recent"])
            self.assertEqual(det.get("shop_conversions"), ev["prior"])
            for word in ("ViewContent", "AddToCart", "CompletePayment", "attribution window"):
                self.assertIn(word, b["actions"][0]["instructions"])
            self.assertIn(f"{ev['recent']:,.0f}", b["title"])
        log(f"  tracking: {len(ds)} discrepancies briefed: " + "; ".join(
            by[("tracking_discrepancy",) + subject_id(d)][0]["title"] for d in ds))


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
    passed = result.testsRun - failed - skipped
    log(f"total time {time.monotonic() - t0:.1f} s")
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
