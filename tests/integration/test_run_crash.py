#!/usr/bin/env python3
"""test_run_crash.py — `hookline run` killed with SIGKILL at random instants, then run again
(issue 8, "Tests": crash safety). Debian's /usr/bin/python3 with numpy. ctest passes HOOKLINE,
HL_SOURCE_DIR and HL_TEST_DATA; without them the defaults are <repo>/build/hookline and <repo>.

Run:  HOOKLINE=build/hookline /usr/bin/python3 tests/integration/test_run_crash.py
Knobs: HL_CRASH_TRIALS (default 50; more, up to twice as many, until HL_CRASH_MIN_KILLED
(default 50) runs were killed before they finished), HL_CRASH_SEED (default 20260901),
HL_CRASH_KEEP=DIR (keep every trial's directory there), HL_CRASH_JOBS (trials at a time, default
2; the normal duration is measured with as many runs at a time).

Set-up: a small simulated account (tests/tools/sim_nights.py: 5 ad groups, 3 with a weak hook)
run for nights 8..12 with variants launched from the recipes, giving a history store whose
night-12 variants first appear on day 14. The crash night is day 14: `hookline run --db DB
--out OUT --input night14.csv --as-of <day 14> --webhook <receiver> --timings`, on either
  - "fresh": an empty store (the run ingests 14 days and analyses them), or
  - "history": a copy of the history store (the run ingests the new days, links 3 variants,
    judges the experiments, learns),
alternating between trials. A reference run of each kind, uninterrupted, on its own copy and
with its own receiver, gives the expected OUT/<as-of>/ and the expected store contents. Every
kind's normal duration T (Popen to exit, the median of 2 x JOBS runs, JOBS at a time as the
trials run) is measured first.

A trial: a new store (empty or a copy), a new tests/tools/webhook_receiver.py server (in a
thread of this script; it accepts a key once and answers later attempts 200 {"duplicate": true}
without accepting again; every answer delayed 2 ms so that the delivery phase has some width); 1 to 3 runs killed with SIGKILL after a
random delay, uniform in [0, 1.15 T]; then one run to completion. Asserted per trial:
  - the completing run exits 0; `store check` prints ok;
  - OUT/<as-of>/ holds exactly the seven files, each byte-identical to the reference's (on a
    difference the parsed JSON is compared too, and the differing keys reported);
  - manifest.json lists every other file of the directory with its size and SHA-256;
  - OUT/latest points at the as-of date; hidden leftovers in OUT (.<date>.tmp.<pid> and the like
    from killed runs) are allowed and counted;
  - the store's content (every table `store export` writes, read with Python's sqlite3 from a
    copy of the files, without the run records, run ids, and delivery timestamps/attempt
    counts) equals the reference's;
  - the receiver accepted every recipe of recipes.json exactly once and never any key twice;
    a key sent again (answered "duplicate") is allowed only when its first acceptance happened
    during a run that was then killed (the store records a delivery only after the 2xx).
Printed: where the kills landed (the last step the run had reported with --timings), how many
runs finished before their kill, the re-sends seen and why, leftovers, run records left
'running', and the timings.
"""
import argparse
import collections
import concurrent.futures
import hashlib
import json
import os
import random
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest

SRC = os.environ.get("HL_SOURCE_DIR") or os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
HOOKLINE = os.path.abspath(os.environ.get("HOOKLINE") or os.path.join(SRC, "build", "hookline"))
TOOLS = os.path.join(SRC, "tests", "tools")
sys.path.insert(0, TOOLS)
import sim_nights  # noqa: E402
import webhook_receiver  # noqa: E402

TRIALS = int(os.environ.get("HL_CRASH_TRIALS", "50"))
MIN_KILLED = int(os.environ.get("HL_CRASH_MIN_KILLED", "50"))
JOBS = max(1, int(os.environ.get("HL_CRASH_JOBS", "2")))
SEED = int(os.environ.get("HL_CRASH_SEED", "20260901"))
KEEP = os.environ.get("HL_CRASH_KEEP") or None
SCENARIOS = [("weak_hook", 3, dict(hook=0.6)), ("weak_cta", 1, dict(ctr=0.5)), ("null", 1, {})]
HIST_FIRST, HIST_LAST, NIGHT = 8, 12, 14
AS_OF = sim_nights.date_of(NIGHT)
OUT_FILES = {"findings.json", "briefs.json", "briefs.md", "recipes.json", "report.html",
             "experiments.json", "manifest.json",
             # the bundled report templates (scripts/reports/), as HTML and CSV
             "report-creative_performance.html", "report-creative_performance.csv",
             "report-funnel_analysis.html", "report-funnel_analysis.csv"}
MUST_MATCH = ("briefs.json", "recipes.json", "findings.json")
KINDS = ("fresh", "history")
# --timings step lines, in order: a kill after line i landed in the step that follows it
STEPS = ["locked", "ingested", "linked", "loaded", "compared", "judged",
         "briefs and recipes stored", "wrote", "delivered", "done"]
WROTE = STEPS.index("wrote")   # printed after the outputs, before any delivery


def log(*a):
    print(*a, flush=True)


class C:
    tmp = None
    csv = None
    hist_db = None
    ref = {}         # kind -> dict(out=dir, export=normalised store, T=seconds)
    trials = []      # per-trial records
    secs = 0.0


def hl(*args, timeout=120):
    p = subprocess.run([HOOKLINE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def read_bytes(path):
    with open(path, "rb") as fh:
        return fh.read()


def copy_db(src, dst):
    for sfx in ("", "-wal", "-shm"):
        if os.path.exists(src + sfx):
            shutil.copyfile(src + sfx, dst + sfx)


class Receiver:
    """tests/tools/webhook_receiver.py's server (its State and Handler: a key accepted once,
    later attempts answered "duplicate"), served from a thread of this process: one per trial,
    without the cost of a new interpreter each time."""

    def __init__(self, logpath):
        self.logpath = logpath
        args = argparse.Namespace(port=0, log=logpath, secret=None, fail_first=0,
                                  fail_modes="500,429,drop", fail_keys=None, reject=None,
                                  plan=None, retry_after="1", slow_s=3.0, delay_s=0.002,
                                  ok_status=200, created_keys=None, accepted_keys=None)
        self.srv = webhook_receiver.Server(("127.0.0.1", 0), webhook_receiver.Handler)
        self.srv.state = webhook_receiver.State(args)
        self.url = f"http://127.0.0.1:{self.srv.server_address[1]}/hook"
        self.th = threading.Thread(target=self.srv.serve_forever, kwargs={"poll_interval": 0.05},
                                   daemon=True)
        self.th.start()

    def entries(self):
        try:
            with open(self.logpath, encoding="utf-8") as fh:
                return [json.loads(ln) for ln in fh if ln.strip()]
        except OSError:
            return []

    def stop(self):
        self.srv.shutdown()
        self.srv.server_close()
        self.th.join(timeout=5)
        if self.srv.state.log:
            self.srv.state.log.close()


def run_args(db, out, url):
    return [HOOKLINE, "run", "--db", db, "--out", out, "--input", C.csv, "--as-of", AS_OF,
            "--webhook", url, "--timings"]


def start_run(db, out, url, errpath):
    err = open(errpath, "wb")
    t0 = time.monotonic()
    p = subprocess.Popen(run_args(db, out, url), stdout=subprocess.DEVNULL, stderr=err,
                         stdin=subprocess.DEVNULL)
    p.wall = time.time() - (time.monotonic() - t0)
    return p, err, t0


def last_step(errpath):
    try:
        text = read_bytes(errpath).decode("utf-8", "replace")
    except OSError:
        return None
    last = None
    for ln in text.splitlines():
        for i, s in enumerate(STEPS):
            if "] " + s in ln:
                last = i
    return last


TABLES = ("ads", "ad_names", "daily", "runs", "seq_p", "diagnoses", "briefs", "recipes",
          "deliveries", "lineage", "outcomes")   # what `store export` writes


def read_store(db):
    """{table: [row dict]} read with Python's sqlite3 from a snapshot copy of the store's files
    (so that the store itself, possibly with a hot WAL after a kill, is left as hookline will
    find it; and without one more hookline process per look)."""
    snap = tempfile.mkdtemp(prefix="snap-", dir=os.path.dirname(db))
    try:
        copy = os.path.join(snap, "s.db")
        copy_db(db, copy)
        con = sqlite3.connect(copy)
        try:
            con.row_factory = sqlite3.Row
            return {t: [dict(r) for r in con.execute(f"SELECT * FROM {t}")] for t in TABLES}
        finally:
            con.close()
    finally:
        shutil.rmtree(snap, ignore_errors=True)


def delivered_in_store(db):
    """Recipe ids the store records as delivered."""
    return {r["recipe_id"] for r in read_store(db)["deliveries"] if r["status"] == "delivered"}


def normalised_export(db):
    """The store's content without what legitimately differs between an interrupted history
    and a clean one: the run records, run ids, delivery timestamps and attempt counts."""
    lines, runs = [], collections.Counter()
    for t, rows in read_store(db).items():
        for o in rows:
            if t == "runs":
                runs[o["status"]] += 1
                continue
            o = dict(o, table=t)
            o.pop("run_id", None)
            if t == "deliveries":
                o.pop("updated", None)
                o.pop("attempts", None)
            lines.append(json.dumps(o, sort_keys=True))
    return collections.Counter(lines), runs


def new_store(kind, db):
    if kind == "history":
        copy_db(C.hist_db, db)


def private_binary(tmp):
    """A private copy of the binary, so that a rebuild during the test (another session at
    work) cannot pull it away mid-run."""
    global HOOKLINE
    dst = os.path.join(tmp, "hookline")
    shutil.copy2(HOOKLINE, dst)
    HOOKLINE = dst


def setUpModule():
    C.tmp = KEEP or tempfile.mkdtemp(prefix="hl-crash-")
    os.makedirs(C.tmp, exist_ok=True)
    log(f"hookline: {HOOKLINE} (run from a private copy)")
    private_binary(C.tmp)
    t0 = time.monotonic()
    hist = os.path.join(C.tmp, "history")
    truth, world = sim_nights.run_nights(HOOKLINE, hist, SEED, HIST_FIRST, HIST_LAST,
                                         scenarios=SCENARIOS)
    bad = [r for r in truth["runs"] if r["rc"] != 0]
    if bad:
        raise RuntimeError(f"history nights failed: {bad}")
    C.hist_db = os.path.join(hist, "hookline.db")
    C.csv = os.path.join(C.tmp, "night14.csv")
    rows = world.write_csv(C.csv, NIGHT)
    appear = [v for v in truth["variants"] if v["launch_day"] == NIGHT]
    log(f"history:  nights {HIST_FIRST}..{HIST_LAST}, "
        f"{len(truth['variants'])} variants ({len(appear)} appear on day {NIGHT}); crash night "
        f"{AS_OF}: {rows} rows, {len(world.ads)} ads -> {C.tmp}")
    for kind in KINDS:
        d = os.path.join(C.tmp, "ref-" + kind)
        os.makedirs(d)
        db, out = os.path.join(d, "hookline.db"), os.path.join(d, "out")
        rec = Receiver(os.path.join(d, "webhook.log"))
        try:
            new_store(kind, db)
            p = subprocess.run(run_args(db, out, rec.url), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, timeout=120)
            if p.returncode != 0:
                raise RuntimeError(f"reference run ({kind}) exit {p.returncode}: "
                                   f"{p.stderr.decode()}")
            timing = p.stderr.decode().strip().splitlines()
            # the normal duration, Popen to exit, on fresh copies, JOBS runs at a time as the
            # trials will run
            durs = []
            for rnd in range(2):
                batch = []
                for j in range(JOBS):
                    dd = os.path.join(d, f"time{rnd}-{j}")
                    os.makedirs(dd)
                    db2 = os.path.join(dd, "hookline.db")
                    new_store(kind, db2)
                    r2 = Receiver(os.path.join(dd, "webhook.log"))
                    batch.append((dd, db2, r2, r2.url))
                runs = [start_run(db2, os.path.join(dd, "out"), url, os.path.join(dd, "err"))
                        for dd, db2, r2, url in batch]
                for (pp, err, ts), (dd, db2, r2, url) in zip(runs, batch):
                    pp.wait(timeout=120)
                    durs.append(time.monotonic() - ts)
                    err.close()
                    r2.stop()
            accepted = [e for e in rec.entries() if e["outcome"] == "accepted"]
        finally:
            rec.stop()
        exp, runs = normalised_export(db)
        T = sorted(durs)[len(durs) // 2]
        C.ref[kind] = dict(out=os.path.join(out, AS_OF), export=exp, T=T, durs=durs,
                           accepted=len(accepted))
        log(f"reference {kind:7s}: normal run {T * 1000:.0f} ms ({JOBS} at a time: "
            f"{', '.join(f'{x * 1000:.0f}' for x in durs)}), {len(accepted)} recipes delivered; "
            f"--timings: {timing[-3:] if timing else []}")
    C.secs = time.monotonic() - t0


def tearDownModule():
    if not KEEP and C.tmp:
        shutil.rmtree(C.tmp, ignore_errors=True)


def json_diff(a, b, path=""):
    """Paths where two parsed JSON values differ (at most a few)."""
    out = []
    if type(a) is not type(b):
        return [path or "/"]
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append(f"{path}/{k}")
            else:
                out += json_diff(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, list):
        if len(a) != len(b):
            return [f"{path} (length {len(a)} vs {len(b)})"]
        for i, (x, y) in enumerate(zip(a, b)):
            out += json_diff(x, y, f"{path}[{i}]")
    elif a != b:
        out.append(path or "/")
    return out[:10]


class Crash(unittest.TestCase):
    def trial(self, i):
        rng = random.Random(SEED * 1000 + i)
        kind = KINDS[i % 2]
        ref = C.ref[kind]
        d = os.path.join(C.tmp, f"trial{i:03d}")
        os.makedirs(d)
        db, out = os.path.join(d, "hookline.db"), os.path.join(d, "out")
        new_store(kind, db)
        rec = Receiver(os.path.join(d, "webhook.log"))
        t = dict(i=i, kind=kind, kills=[], problems=[])
        try:
            for k in range(rng.choice((1, 1, 2, 3))):
                delay = rng.uniform(0, 1.15 * ref["T"])
                errpath = os.path.join(d, f"killed{k}.err")
                p, err, t0 = start_run(db, out, rec.url, errpath)
                t_start = p.wall
                time.sleep(delay)
                finished = p.poll() is not None
                tk = time.time()
                if not finished:
                    os.kill(p.pid, signal.SIGKILL)
                p.wait(timeout=60)
                err.close()
                kl = dict(delay=delay, finished=finished, rc=p.returncode,
                          step=last_step(errpath), t_kill=tk, t_start=t_start)
                if not finished and kl["step"] == WROTE:
                    # killed in the delivery phase: what the receiver accepted (once the
                    # requests in flight are read) against what the store recorded
                    time.sleep(0.05)
                    kl["accepted"] = {e["key"] for e in rec.entries()
                                      if e["outcome"] == "accepted"}
                    kl["recorded"] = delivered_in_store(db)
                t["kills"].append(kl)
            errpath = os.path.join(d, "final.err")
            p, err, t0 = start_run(db, out, rec.url, errpath)
            t["t_final"] = p.wall
            p.wait(timeout=120)
            err.close()
            t["final_rc"] = p.returncode
            t["final_err"] = read_bytes(errpath).decode("utf-8", "replace")
            time.sleep(0.01)
        finally:
            rec.stop()
        t["log"] = rec.entries()
        self.check_trial(t, d, db, out, ref)
        return t

    def check_trial(self, t, d, db, out, ref):
        P = t["problems"]
        if t["final_rc"] != 0:
            P.append(f"completing run exit {t['final_rc']}: {t['final_err'][-500:]}")
        rc, so, se = hl("store", "check", "--db", db)
        if (rc, so.strip()) != (0, "ok"):
            P.append(f"store check: exit {rc}, {so.strip()!r} {se.strip()!r}")
        day = os.path.join(out, AS_OF)
        names = set(os.listdir(day)) if os.path.isdir(day) else set()
        if names != OUT_FILES:
            P.append(f"OUT/{AS_OF} holds {sorted(names)}")
        t["differs"] = []
        for n in sorted(OUT_FILES & names):
            a, b = read_bytes(os.path.join(day, n)), read_bytes(os.path.join(ref["out"], n))
            if a != b:
                what = ""
                if n.endswith(".json"):
                    try:
                        what = json_diff(json.loads(a), json.loads(b))
                    except ValueError as e:
                        what = f"unparsable: {e}"
                t["differs"].append((n, what))
                P.append(f"{n} differs from the reference: {what or 'bytes'}")
        if "manifest.json" in names:
            try:
                m = json.loads(read_bytes(os.path.join(day, "manifest.json")))
                listed = {f["name"]: f for f in m["files"]}
                if set(listed) != names - {"manifest.json"}:
                    P.append(f"manifest lists {sorted(listed)}, the directory has "
                             f"{sorted(names)}")
                for n, f in listed.items():
                    data = read_bytes(os.path.join(day, n))
                    if f["sha256"] != hashlib.sha256(data).hexdigest() or f["bytes"] != len(data):
                        P.append(f"manifest: wrong sha256/size for {n}")
                if m.get("as_of") != AS_OF:
                    P.append(f"manifest as_of {m.get('as_of')}")
            except (OSError, ValueError, KeyError, TypeError) as e:
                P.append(f"manifest.json: {e}")
        try:
            if os.readlink(os.path.join(out, "latest")) != AS_OF:
                P.append("OUT/latest does not point at the as-of date")
        except OSError as e:
            P.append(f"OUT/latest: {e}")
        t["hidden"] = sorted(n for n in os.listdir(out) if n.startswith("."))
        other = sorted(n for n in os.listdir(out) if not n.startswith(".")
                       and n not in (AS_OF, "latest"))
        if other:
            P.append(f"unexpected entries in OUT: {other}")
        # the store's content
        exp, runs = normalised_export(db)
        t["runs"] = runs
        if exp != ref["export"]:
            miss = list((ref["export"] - exp).elements())[:3]
            extra = list((exp - ref["export"]).elements())[:3]
            P.append(f"store content differs from the reference: missing {miss}, extra {extra}")
        # deliveries
        try:
            recipes = json.loads(read_bytes(os.path.join(day, "recipes.json")))["recipes"]
        except (OSError, ValueError, KeyError):
            recipes = []
        ids = {r["id"] for r in recipes}
        acc = collections.Counter(e["key"] for e in t["log"] if e["outcome"] == "accepted")
        att = collections.Counter(e["key"] for e in t["log"])
        twice = {k: n for k, n in acc.items() if n > 1}
        if twice:
            P.append(f"keys accepted (processed) more than once: {twice}")
        if set(acc) != ids:
            P.append(f"accepted keys != recipes.json ids: missing {sorted(ids - set(acc))[:5]}, "
                     f"extra {sorted(set(acc) - ids)[:5]}")
        bad = [e for e in t["log"] if e["outcome"] not in ("accepted", "duplicate")]
        if bad:
            P.append(f"unexpected receiver outcomes: {[e['outcome'] for e in bad][:5]}")
        # re-sends: a recipe goes out again only when a run was killed in its delivery phase
        # (after 'wrote', before it recorded the deliveries): at most once per such kill
        in_delivery = sum(1 for kl in t["kills"] if not kl["finished"] and kl["step"] == WROTE)
        t["resent"] = 0
        t["resent_unexplained"] = []
        for k, n in att.items():
            t["resent"] += n - 1
            if n - 1 > in_delivery:
                t["resent_unexplained"].append(k)
        # per kill in the delivery phase: accepted by the receiver but not recorded in the store
        t["interrupted"] = []
        for kl in t["kills"]:
            if "accepted" in kl:
                t["interrupted"].append((len(kl["accepted"]), len(kl["recorded"]),
                                         len(kl["accepted"] - kl["recorded"])))
        if t["resent_unexplained"]:
            P.append(f"recipes sent again although no kill interrupted their first delivery: "
                     f"{t['resent_unexplained'][:5]}")

    def test_kill_and_rerun(self):
        t0 = time.monotonic()

        def mid_way():
            return sum(1 for t in C.trials for k in t["kills"] if not k["finished"])

        # TRIALS trials, JOBS at a time; then more (up to twice as many) until MIN_KILLED runs
        # were killed mid-way (a later run of a trial has less left to do, so some finish first)
        with concurrent.futures.ThreadPoolExecutor(max_workers=JOBS) as ex:
            C.trials = list(ex.map(self.trial, range(TRIALS)))
            i = TRIALS
            while mid_way() < MIN_KILLED and i < 2 * TRIALS:
                C.trials += list(ex.map(self.trial, range(i, i + JOBS)))
                i += JOBS
        secs = time.monotonic() - t0
        kills = [k for t in C.trials for k in t["kills"]]
        landed = collections.Counter(
            "finished before the kill" if k["finished"] else
            ("before the first step" if k["step"] is None else "after '" + STEPS[k["step"]] + "'")
            for k in kills)
        kinds = collections.Counter(t["kind"] for t in C.trials)
        log(f"  {len(C.trials)} trials ({', '.join(f'{n} {k}' for k, n in kinds.items())}) in "
            f"{secs:.1f} s; "
            f"{len(kills)} runs killed (SIGKILL), delays up to "
            f"{max(k['delay'] for k in kills) * 1000:.0f} ms")
        order = ["before the first step"] + [f"after '{s}'" for s in STEPS] + \
            ["finished before the kill"]
        for k in order:
            if landed[k]:
                log(f"    killed {k:34s} {landed[k]:3d}")
        resent = sum(t["resent"] for t in C.trials)
        with_resend = sum(1 for t in C.trials if t["resent"])
        log(f"  re-sends (same Idempotency-Key, answered 'duplicate', not processed again): "
            f"{resent} in {with_resend} trials, unexplained "
            f"{sum(len(t['resent_unexplained']) for t in C.trials)}")
        inter = [x for t in C.trials for x in t["interrupted"]]
        log(f"  runs killed in the delivery phase: {len(inter)}; right after each kill, recipes "
            f"accepted by the receiver but not recorded as delivered in the store (so sent "
            f"again by the next run, same Idempotency-Key): "
            f"{sorted(g for _, _, g in inter)}; kills after which the store had recorded "
            f"nothing of the interrupted batch: "
            f"{sum(1 for a, r, g in inter if g and g == a - r)} of {sum(1 for x in inter if x[2])}"
            f" with a gap")
        hidden = collections.Counter()
        for t in C.trials:
            for n in t["hidden"]:
                hidden[n.split(".")[2] if n.count(".") >= 3 else n] += 1
        log(f"  hidden leftovers in OUT after the completing run: "
            f"{sum(len(t['hidden']) for t in C.trials)} in "
            f"{sum(1 for t in C.trials if t['hidden'])} trials, by kind {dict(hidden)}")
        running = sum(t["runs"].get("running", 0) for t in C.trials)
        log(f"  run records left 'running' by killed runs: {running}; statuses over all "
            f"trials: {dict(sum((t['runs'] for t in C.trials), collections.Counter()))}")
        differs = collections.Counter(n for t in C.trials for n, _ in t["differs"])
        if differs:
            log(f"  files differing from the reference: {dict(differs)}")
        failed = [t for t in C.trials if t["problems"]]
        for t in failed[:10]:
            ks = [(round(k["delay"] * 1000), "finished" if k["finished"] else
                   "before the first step" if k["step"] is None else "after " + STEPS[k["step"]])
                  for k in t["kills"]]
            log(f"  trial {t['i']} ({t['kind']}), kills (ms, where): {ks}:")
            for p in t["problems"][:6]:
                log(f"    - {p[:400]}")
        self.assertGreaterEqual(len(kills) - landed["finished before the kill"], MIN_KILLED,
                                f"at least {MIN_KILLED} runs killed mid-way")
        self.assertEqual(len(failed), 0, f"{len(failed)} of {len(C.trials)} trials with problems")


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
    log(f"total time {time.monotonic() - t0:.1f} s wall (set-up {C.secs:.1f} s); CPU: this "
        f"script {me.ru_utime + me.ru_stime:.1f} s, children {ch.ru_utime + ch.ru_stime:.1f} s")
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
