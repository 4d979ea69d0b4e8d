#!/usr/bin/env python3
"""test_run_loop.py — `hookline run` night after night on a simulated account whose launched
variants have planted effects (issue 8, "Tests": multi-night simulation, idempotency,
concurrency, and the store commands). Debian's /usr/bin/python3 with numpy. ctest passes
HOOKLINE, HL_SOURCE_DIR and HL_TEST_DATA; without them the defaults are <repo>/build/hookline and
<repo>.

Run:  HOOKLINE=build/hookline /usr/bin/python3 tests/integration/test_run_loop.py [Class[.test]...]
Knobs: HL_LOOP_SEED (default 20260801); HL_LOOP_KEEP=DIR (keep the db, every night's outputs,
the export and truth.json there).

The loop (tests/tools/sim_nights.py documents the world and the launch policy): 16 ad groups of
3-4 ads (9 with a weak hook), day-level overdispersion as sim_world.py; nights 8..35, each one
`hookline run --db --out --input export.csv --as-of <night>` on the export as it was that night;
from each night's recipes the first new_hook (hook_rate) variant of each brief is launched from
night + 2 as a new ad named "<parent name> <lineage_tag>" with a planted hook-rate effect of
+30 % (half), 0 % (a quarter) or -20 % (a quarter).

Asserted:
  - every night's run exits 0 and writes the seven files; OUT/latest is the last night;
  - linking: every launched variant (all deliver) appears as an experiment, in
    `hookline experiments --db` and the last night's experiments.json, with ITS recipe and
    parent (the one whose tag it was launched with);
  - verdicts, over correctly linked variants: among decided ones (confirmed/refuted) >= 90 %
    match the planted truth (confirmed <=> planted effect in the hypothesised direction;
    refuted <=> planted null or opposite); null variants are not confirmed >= 95 % of the time;
  - learnings: the last night's findings.json has notes starting with "learned:" and
    report.html shows each of them; experiments.json's learnings count the experiments;
  - `experiments --status open|decided` partition the list, consistent with experiments.json;
  - idempotency: re-running the last night (on a copy of the store) twice gives byte-identical
    briefs.json and recipes.json, equal to the loop's own;
  - concurrency: two runs started at once on the same store: one proceeds (exit 0), the other
    exits 3 with "another hookline run is in progress", leaving nothing behind;
  - `store check` prints ok; `store export` lines are JSON objects with a table name, whose
    lineage and outcome rows agree with `experiments`; `store prune --keep-days 7` leaves only
    the last 7 days of daily rows (and the check still ok).
With the default seed there are about a dozen null variants: the null bound allows none
confirmed. Printed: the verdict table, per planted effect; for variants linked to another
recipe, the verdicts against their true lift over the ad the engine compared them with; how
many days of variant data the decided verdicts stood on; and, for reference, what a plain
honest test (a t-test on the daily log ratio of hook rates, variant vs parent, fixed horizon at
the last night) concludes on the same data, to show the planted truths are recoverable from it.
"""
import collections
import datetime as dt
import html
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
HOOKLINE = os.path.abspath(os.environ.get("HOOKLINE") or os.path.join(SRC, "build", "hookline"))
sys.path.insert(0, os.path.join(SRC, "tests", "tools"))
import sim_nights  # noqa: E402

SEED = int(os.environ.get("HL_LOOP_SEED", "20260801"))
KEEP = os.environ.get("HL_LOOP_KEEP") or None
FIRST, LAST = sim_nights.FIRST_NIGHT, sim_nights.LAST_NIGHT
OUT_FILES = {"findings.json", "briefs.json", "briefs.md", "recipes.json", "report.html",
             "experiments.json", "manifest.json",
             # the bundled report templates (scripts/reports/), as HTML and CSV
             "report-creative_performance.html", "report-creative_performance.csv",
             "report-funnel_analysis.html", "report-funnel_analysis.csv"}
DECIDED_MATCH_MIN = 0.90
NULL_NOT_CONFIRMED_MIN = 0.95
LOCK_MSG = "another hookline run is in progress"


def log(*a):
    print(*a, flush=True)


class L:
    tmp = None
    truth = None
    world = None
    db = out = csv = None
    secs = 0.0
    exps = None          # experiments.json of the last night
    cli = None           # `hookline experiments` rows


def hl(*args, timeout=300):
    t0 = time.monotonic()
    p = subprocess.run([HOOKLINE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, timeout=timeout)
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"), time.monotonic() - t0)


def load(path):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def read_bytes(path):
    with open(path, "rb") as fh:
        return fh.read()


def copy_db(src, dst):
    for sfx in ("", "-wal", "-shm"):
        if os.path.exists(src + sfx):
            shutil.copyfile(src + sfx, dst + sfx)


def parse_experiments_table(text):
    """`hookline experiments` prints a fixed-width table: variant parent action code metric
    verdict lift evidence."""
    lines = text.splitlines()
    rows = []
    for ln in lines[1:]:
        f = ln.split(None, 7)
        if len(f) < 7:
            continue
        rows.append(dict(variant=f[0], parent=f[1], action=f[2], code=f[3], metric=f[4],
                         verdict=f[5], lift=f[6], note=f[7] if len(f) > 7 else ""))
    return lines[0] if lines else "", rows


def private_binary(tmp):
    """A private copy of the binary, so that a rebuild during the test (another session at
    work) cannot pull it away mid-run."""
    global HOOKLINE
    dst = os.path.join(tmp, "hookline")
    shutil.copy2(HOOKLINE, dst)
    HOOKLINE = dst


def setUpModule():
    L.tmp = KEEP or tempfile.mkdtemp(prefix="hl-loop-")
    os.makedirs(L.tmp, exist_ok=True)
    log(f"hookline: {HOOKLINE} (run from a private copy)")
    private_binary(L.tmp)
    log(f"loop:     seed {SEED}, nights {FIRST}..{LAST} -> {L.tmp}")
    t0 = time.monotonic()
    L.truth, L.world = sim_nights.run_nights(HOOKLINE, L.tmp, SEED, FIRST, LAST,
                                            log=lambda s: log("  " + s))
    L.secs = time.monotonic() - t0
    L.db = os.path.join(L.tmp, "hookline.db")
    L.out = os.path.join(L.tmp, "out")
    L.csv = os.path.join(L.tmp, "export.csv")
    per = [r["seconds"] for r in L.truth["runs"]]
    log(f"loop:     {len(per)} nights in {L.secs:.1f} s (runs: median {np.median(per):.2f} s, "
        f"max {max(per):.2f} s); {len(L.truth['variants'])} variants launched, "
        f"{len(L.world.ads)} ads at the end")
    try:
        L.exps = load(os.path.join(L.out, sim_nights.date_of(LAST), "experiments.json"))
    except (OSError, ValueError) as e:
        L.exps = None
        log(f"experiments.json of the last night unreadable: {e}")
    rc, so, se, _ = hl("experiments", "--db", L.db)
    L.cli = (rc, so, se)


def tearDownModule():
    if not KEEP and L.tmp:
        shutil.rmtree(L.tmp, ignore_errors=True)


def experiments_by_variant():
    if not L.exps:
        return {}
    return {e["variant_ad_id"]: e for e in L.exps["experiments"]}


def planted_class(effect, expected_lift):
    """'better' (in the hypothesised direction), 'null', or 'other' (the opposite)."""
    d = 1 if (expected_lift or 0) >= 0 else -1
    if abs(effect) < 1e-9:
        return "null"
    return "better" if effect * d > 0 else "other"


def t975(df):
    """Student t quantile 0.975 (Cornish-Fisher; plenty for a printed reference)."""
    z = 1.959964
    return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2)


def honest_verdict(variant, parent, expected, last_day):
    """A plain fixed-horizon check on the simulated counts: mean daily log ratio of hook rates
    (variant / parent) from the variant's launch to last_day, t interval; confirmed when the
    interval is above 0, refuted when below 0 or under half the hypothesis, else
    inconclusive."""
    cv, cp = L.world.counts(L.world.by_id[variant]), L.world.counts(L.world.by_id[parent])
    start = L.world.by_id[variant]["start_day"]
    sl = slice(start - 1, last_day)
    rv = cv["views_2s"][sl] / cv["impressions"][sl]
    rp = cp["views_2s"][sl] / cp["impressions"][sl]
    ok = (rv > 0) & (rp > 0)
    x = np.log(rv[ok] / rp[ok])
    if len(x) < 3:
        return "inconclusive", float("nan")
    m, se = float(x.mean()), float(x.std(ddof=1) / math.sqrt(len(x)))
    lo, hi = m - t975(len(x) - 1) * se, m + t975(len(x) - 1) * se
    d = 1 if expected >= 0 else -1
    lo_d, hi_d = (lo, hi) if d > 0 else (-hi, -lo)
    if lo_d > 0:
        return "confirmed", math.exp(m) - 1
    if hi_d < 0 or math.exp(hi_d) - 1 < abs(expected) / 2:
        return "refuted", math.exp(m) - 1
    return "inconclusive", math.exp(m) - 1


def evidence_days():
    """Printed: how many days of variant data the decided verdicts stood on (from the store's
    lineage and outcomes)."""
    rc, so, _, _ = hl("store", "export", "--db", L.db)
    lin, outc = {}, {}
    for ln in so.splitlines() if rc == 0 else []:
        o = json.loads(ln)
        if o["table"] == "lineage":
            lin[o["variant_ad_id"]] = o
        elif o["table"] == "outcomes":
            outc[o["variant_ad_id"]] = o
    days = collections.Counter()
    for v in L.truth["variants"]:
        o, li = outc.get(v["ad_id"]), lin.get(v["ad_id"])
        if o and li and o["verdict"] in ("confirmed", "refuted") and o["final"]:
            days[o["decided_day"] - li["linked_day"] + 1] += 1
    log(f"  days of variant data behind each decided verdict: {dict(sorted(days.items()))}")


class Loop(unittest.TestCase):
    def test_nights_ran(self):
        bad = [r for r in L.truth["runs"] if r["rc"] != 0 or r.get("error")]
        self.assertEqual(bad, [], "nights whose run failed")
        for r in L.truth["runs"]:
            d = os.path.join(L.out, r["as_of"])
            self.assertEqual(set(os.listdir(d)), OUT_FILES, d)
        self.assertEqual(os.readlink(os.path.join(L.out, "latest")), sim_nights.date_of(LAST))
        hidden = [n for n in os.listdir(L.out) if n.startswith(".")]
        self.assertEqual(hidden, [], "left in OUT by runs that completed")

    def test_variants_linked(self):
        self.assertIsNotNone(L.exps, "experiments.json of the last night")
        ex = experiments_by_variant()
        rc, so, se = L.cli
        self.assertEqual(rc, 0, se)
        _, rows = parse_experiments_table(so)
        cli = {r["variant"]: r for r in rows}
        missing, wrong = [], []
        for v in L.truth["variants"]:
            c = L.world.counts(L.world.by_id[v["ad_id"]])
            if c["impressions"][:LAST].sum() <= 0:
                continue
            e = ex.get(v["ad_id"])
            if e is None or v["ad_id"] not in cli:
                missing.append(v["ad_id"])
                continue
            if e["recipe_id"] != v["recipe_id"] or e["parent_ad_id"] != v["parent_ad_id"]:
                wrong.append((v, e))
        extra = set(ex) - {v["ad_id"] for v in L.truth["variants"]}
        log(f"  launched {len(L.truth['variants'])}, experiments {len(ex)} (CLI {len(cli)}), "
            f"missing {len(missing)}, linked to another recipe {len(wrong)}, unexpected "
            f"{len(extra)}")
        for v, e in wrong:
            log(f"    variant {v['ad_id']} named {v['ad_name']!r}: launched from recipe "
                f"{v['recipe_id']} ({v['lineage_tag']}, parent {v['parent_ad_id']}) but linked "
                f"to recipe {e['recipe_id']} (parent {e['parent_ad_id']})")
        self.assertEqual(missing, [], "launched variants without an experiment")
        self.assertEqual(sorted(extra), [], "experiments for ads that are not variants")
        self.assertEqual(len(wrong), 0,
                         f"{len(wrong)} variants linked to another recipe than the one whose tag "
                         f"they were launched with (a name with two tags: the parent's and its "
                         f"own)")

    def verdicts(self):
        """[(variant truth, experiment, correctly linked)]"""
        ex = experiments_by_variant()
        out = []
        for v in L.truth["variants"]:
            e = ex.get(v["ad_id"])
            if e is None:
                continue
            ok = e["recipe_id"] == v["recipe_id"] and e["parent_ad_id"] == v["parent_ad_id"]
            out.append((v, e, ok))
        return out

    def test_verdicts_match_truth(self):
        self.assertIsNotNone(L.exps)
        vs = self.verdicts()
        tab = collections.defaultdict(collections.Counter)
        decided = match = 0
        wrong = []
        log("  variant              night effect expect  verdict         lift  note   "
            "honest (fixed-horizon t at night %d)" % LAST)
        hon = collections.defaultdict(collections.Counter)
        hon_dec = hon_match = 0
        for v, e, ok in vs:
            cls = planted_class(v["effect"], e["expected_lift"])
            lift = f"{100 * e['lift']:+.1f}%" if e["lift"] is not None else "-"
            hv, hl_ = honest_verdict(v["ad_id"], v["parent_ad_id"], v["expected_lift"] or 0.2,
                                     LAST)
            log(f"  {v['ad_id']} {v['night']:5d} {100 * v['effect']:+5.0f}% "
                f"{100 * (e['expected_lift'] or 0):+5.0f}%  {e['verdict']:<12s} {lift:>7s}  "
                f"{'' if ok else 'MISLINKED '}{e['note'][:60]!r}   honest: {hv} "
                f"{100 * hl_:+.1f}%")
            if not ok:
                continue
            tab[cls][e["verdict"]] += 1
            hon[cls][hv] += 1
            if hv in ("confirmed", "refuted"):
                hon_dec += 1
                hon_match += (hv == "confirmed") == (cls == "better")
            if e["verdict"] in ("confirmed", "refuted"):
                decided += 1
                good = (e["verdict"] == "confirmed") == (cls == "better")
                match += good
                if not good:
                    wrong.append((v, e))
        log("  verdicts by planted effect (correctly linked variants):")
        for cls in ("better", "null", "other"):
            log(f"    {cls:6s}: {dict(tab[cls])}   honest t: {dict(hon[cls])}")
        mis = collections.defaultdict(collections.Counter)
        for v, e, ok in vs:
            if ok:
                continue
            # judged against the ad the engine compared with: the true hook-rate lift over it
            true = v["hook"] / L.world.by_id[e["parent_ad_id"]]["rates"]["hook"] - 1
            d = 1 if (e["expected_lift"] or 0) >= 0 else -1
            cls = "better" if true * d > 0.05 else "other" if true * d < -0.05 else "null"
            mis[cls][e["verdict"]] += 1
        if mis:
            log("  mislinked variants, by their true lift over the ad the engine compared them "
                "with (|lift| <= 5 % counted null):")
            for cls in ("better", "null", "other"):
                log(f"    {cls:6s}: {dict(mis[cls])}")
        rate = match / decided if decided else float("nan")
        log(f"  decided {decided}, matching the planted truth {match} ({100 * rate:.1f} %; "
            f"needed >= {100 * DECIDED_MATCH_MIN:.0f} %); honest fixed-horizon t: "
            f"{hon_match}/{hon_dec} decided match")
        evidence_days()
        self.assertGreater(decided, 0, "no decided experiment")
        self.assertGreaterEqual(rate, DECIDED_MATCH_MIN,
                                f"decided verdicts matching the planted truth: {match}/{decided}")

    def test_nulls_not_confirmed(self):
        self.assertIsNotNone(L.exps)
        nulls = [(v, e) for v, e, ok in self.verdicts() if ok and abs(v["effect"]) < 1e-9]
        conf = [(v, e) for v, e in nulls if e["verdict"] == "confirmed"]
        rate = 1 - len(conf) / len(nulls) if nulls else float("nan")
        log(f"  null variants {len(nulls)}: confirmed {len(conf)}; not confirmed "
            f"{100 * rate:.1f} % (needed >= {100 * NULL_NOT_CONFIRMED_MIN:.0f} %)")
        for v, e in conf:
            log(f"    {v['ad_id']}: confirmed, lift {100 * e['lift']:+.1f}% p {e['p_value']:.2g} "
                f"n {e['n_variant']:.0f}/{e['n_parent']:.0f} impressions: {e['note']}")
        self.assertGreater(len(nulls), 0)
        self.assertGreaterEqual(rate, NULL_NOT_CONFIRMED_MIN)

    def test_learnings_in_report(self):
        d = os.path.join(L.out, sim_nights.date_of(LAST))
        f = load(os.path.join(d, "findings.json"))
        notes = [n for n in f.get("notes", []) if n.startswith("learned:")]
        log("  " + "\n  ".join(notes))
        self.assertTrue(notes, "no learned: notes in the last night's findings.json")
        page = read_bytes(os.path.join(d, "report.html")).decode("utf-8")
        for n in notes:
            self.assertTrue(n in page or html.escape(n, quote=False) in page
                            or html.escape(n) in page, f"report.html lacks {n!r}")
        self.assertIsNotNone(L.exps)
        ls = L.exps["learnings"]
        self.assertTrue(ls)
        by = collections.Counter((e["action"], e["code"]) for e in L.exps["experiments"])
        for l_ in ls:
            self.assertEqual(l_["tried"], by[(l_["action"], l_["code"])], l_)
            self.assertEqual(l_["tried"], l_["confirmed"] + l_["refuted"] + l_["inconclusive"] +
                             l_["open"], l_)
            dec = l_["confirmed"] + l_["refuted"]
            if dec:
                self.assertTrue(any(f"worked in {l_['confirmed']} of {dec} decided" in n and
                                    f"{l_['action']} for {l_['code']}" in n for n in notes), l_)

    def test_experiments_cli_status(self):
        rc, so, se = L.cli
        self.assertEqual(rc, 0, se)
        _, rows = parse_experiments_table(so)
        rco, soo, seo, _ = hl("experiments", "--db", L.db, "--status", "open")
        rcd, sod, sed, _ = hl("experiments", "--db", L.db, "--status", "decided")
        self.assertEqual((rco, rcd), (0, 0), seo + sed)
        op = {r["variant"] for r in parse_experiments_table(soo)[1]}
        de = {r["variant"] for r in parse_experiments_table(sod)[1]}
        allv = {r["variant"] for r in rows}
        self.assertEqual(op & de, set())
        self.assertEqual(op | de, allv)
        if L.exps:
            final = {e["variant_ad_id"] for e in L.exps["experiments"] if e["final"]}
            self.assertEqual(de, final)
            verd = {e["variant_ad_id"]: e["verdict"] for e in L.exps["experiments"]}
            for r in rows:
                self.assertEqual(r["verdict"], verd.get(r["variant"]), r)
        log(f"  experiments: {len(allv)}, open {len(op)}, decided {len(de)}")
        rc, _, se, _ = hl("experiments", "--db", L.db, "--status", "closed")
        self.assertEqual(rc, 2, se)

    def test_idempotent_rerun(self):
        d = os.path.join(L.tmp, "rerun")
        os.makedirs(d, exist_ok=True)
        db = os.path.join(d, "hookline.db")
        copy_db(L.db, db)
        date = sim_nights.date_of(LAST)
        outs = []
        for i in range(2):
            out = os.path.join(d, f"out{i}")
            rc, _, se, secs = hl("run", "--db", db, "--out", out, "--input", L.csv,
                                 "--as-of", date)
            self.assertEqual(rc, 0, se)
            outs.append(os.path.join(out, date))
        orig = os.path.join(L.out, date)
        diffs = {}
        for name in sorted(OUT_FILES):
            a, b, c = (read_bytes(os.path.join(x, name)) for x in (outs[0], outs[1], orig))
            diffs[name] = ("rerun1==rerun2" if a == b else "rerun1!=rerun2",
                           "==loop" if a == c else "!=loop")
        log("  " + ", ".join(f"{k}: {' '.join(v)}" for k, v in diffs.items()))
        for name in ("briefs.json", "recipes.json"):
            self.assertEqual(diffs[name], ("rerun1==rerun2", "==loop"), name)

    def test_concurrent_runs(self):
        d = os.path.join(L.tmp, "concurrent")
        os.makedirs(d, exist_ok=True)
        date = sim_nights.date_of(LAST)
        # a slow input: the last night's export, many times over (the lock is taken first)
        inputs = []
        for _ in range(16):
            inputs += ["--input", L.csv]
        outcomes = []
        for trial in range(3):
            db = os.path.join(d, f"t{trial}.db")
            copy_db(L.db, db)
            out = os.path.join(d, f"out{trial}")
            cmd = [HOOKLINE, "run", "--db", db, "--out", out, *inputs, "--as-of", date]
            errs = [open(os.path.join(d, f"t{trial}.{i}.err"), "w+b") for i in range(2)]
            t0 = time.monotonic()
            ps = [subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errs[i],
                                   stdin=subprocess.DEVNULL) for i in range(2)]
            ends = [None, None]
            while None in ends and time.monotonic() - t0 < 300:
                for i, p in enumerate(ps):
                    if ends[i] is None and p.poll() is not None:
                        ends[i] = time.monotonic() - t0
                time.sleep(0.002)
            res = []
            for i, p in enumerate(ps):
                p.wait(timeout=10)
                errs[i].seek(0)
                res.append((p.returncode, errs[i].read().decode("utf-8", "replace"), ends[i]))
                errs[i].close()
            rcs = sorted(r[0] for r in res)
            outcomes.append(rcs)
            loser = [r for r in res if r[0] == 3]
            winner = [r for r in res if r[0] == 0]
            log(f"  trial {trial}: exits {[r[0] for r in res]}, times "
                f"{[round(r[2], 2) for r in res]} s; loser: "
                f"{loser[0][1].strip() if loser else '-'}")
            self.assertEqual(rcs, [0, 3], res)
            self.assertIn(LOCK_MSG, loser[0][1])
            m = re.search(r"pid (\d+)", loser[0][1])
            self.assertTrue(m and int(m.group(1)) == ps[[r[0] for r in res].index(0)].pid,
                            "the message names the winner's pid")
            self.assertLess(loser[0][2], winner[0][2], "the loser should leave at once")
            self.assertEqual(set(os.listdir(os.path.join(out, date))), OUT_FILES)
            self.assertEqual([n for n in os.listdir(out) if n.startswith(".")], [])
            rc, so, se, _ = hl("store", "check", "--db", db)
            self.assertEqual((rc, so.strip()), (0, "ok"), se)

    def test_store_check_export_prune(self):
        rc, so, se, _ = hl("store", "check", "--db", L.db)
        self.assertEqual((rc, so.strip()), (0, "ok"), se)
        d = os.path.join(L.tmp, "prune")
        os.makedirs(d, exist_ok=True)
        db = os.path.join(d, "hookline.db")
        copy_db(L.db, db)
        rc, so, se, _ = hl("store", "export", "--db", db)
        self.assertEqual(rc, 0, se)
        tables = collections.Counter()
        days = set()
        for i, ln in enumerate(so.splitlines()):
            try:
                o = json.loads(ln)
            except ValueError as e:
                self.fail(f"export line {i + 1} is not JSON: {e}: {ln[:200]!r}")
            self.assertIsInstance(o, dict)
            self.assertIn("table", o)
            tables[o["table"]] += 1
            if o["table"] == "daily":
                days.add(o["day"])
        log(f"  export: {sum(tables.values())} lines: {dict(tables)}")
        self.assertEqual(tables["daily"], L.world.write_csv(os.path.join(d, "x.csv"), LAST))
        self.assertEqual(tables["lineage"], len(L.truth["variants"]))
        self.assertEqual(tables["outcomes"], len(L.truth["variants"]))
        epoch = dt.date(1970, 1, 1)
        last = max(days)
        self.assertEqual((epoch + dt.timedelta(days=last)).isoformat(), sim_nights.date_of(LAST),
                         "daily.day counts days since 1970-01-01")
        self.assertEqual(len(days), LAST)
        before_lines = so.splitlines()
        rc, so, se, _ = hl("store", "prune", "--db", db, "--keep-days", "7")
        self.assertEqual(rc, 0, se)
        rc, so, se, _ = hl("store", "export", "--db", db)
        self.assertEqual(rc, 0, se)
        after = collections.Counter()
        kept = set()
        # rows an open experiment still needs stay: its variant's and parent's days since the link
        open_since = {}
        for ln in before_lines:
            o = json.loads(ln)
            if o["table"] == "lineage":
                open_since[o["variant_ad_id"]] = (o["parent_ad_id"], o["linked_day"])
        for ln in before_lines:
            o = json.loads(ln)
            if o["table"] == "outcomes" and o["final"]:
                open_since.pop(o["variant_ad_id"], None)
        held = collections.defaultdict(lambda: 10 ** 9)
        for v, (par, day) in open_since.items():
            held[v] = min(held[v], day)
            held[par] = min(held[par], day)
        held_rows = 0
        for ln in so.splitlines():
            o = json.loads(ln)
            after[o["table"]] += 1
            if o["table"] == "daily":
                if o["day"] < last - 6:
                    self.assertGreaterEqual(o["day"], held[o["ad_id"]], o)
                    held_rows += 1
                    continue
                kept.add(o["day"])
            if o["table"] == "seq_p":
                self.assertGreaterEqual(o["as_of"], last - 6, o)
        log(f"  after prune --keep-days 7: {dict(after)}; {held_rows} older rows of "
            f"{len(open_since)} open experiments kept; days kept "
            f"{sorted((epoch + dt.timedelta(days=x)).isoformat() for x in kept)}")
        self.assertEqual(kept, set(range(last - 6, last + 1)))
        for t in ("lineage", "outcomes", "recipes", "briefs", "ads"):
            self.assertEqual(after[t], tables[t], f"prune must keep {t}")
        rc, so, se, _ = hl("store", "check", "--db", db)
        self.assertEqual((rc, so.strip()), (0, "ok"), se)
        rc, _, se, _ = hl("store", "prune", "--db", db, "--keep-days", "0")
        self.assertEqual(rc, 2, se)


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
    log(f"total time {time.monotonic() - t0:.1f} s wall (the loop {L.secs:.1f} s); CPU: this "
        f"script {me.ru_utime + me.ru_stime:.1f} s, hookline {ch.ru_utime + ch.ru_stime:.1f} s")
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
