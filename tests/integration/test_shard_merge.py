#!/usr/bin/env python3
"""test_shard_merge.py — `hookline run --shard K/N` on one store per shard, then `hookline merge`,
must give what one process gives on the whole input (issue 9, "Scale beyond one machine").
Debian's /usr/bin/python3 with numpy. ctest passes HOOKLINE and HL_SOURCE_DIR.

The input: the simulator's tiny world (tests/tools/sim_world.py: 12 campaigns, 32 ad groups,
120 ads, 30 days, planted weak hooks, winners, fatigue ...) with an Advertiser ID column that
spreads the campaigns over five advertisers, so that shards by advertiser hash hold different
accounts (and one shard of N = 4 may be empty).

Asserted, for N = 2 and N = 4:
  - every shard and the merge exit 0 (or 1: findings need attention);
  - briefs.json and recipes.json hold the same briefs and recipes, each identical (as JSON);
  - findings.json holds the same ads, comparisons (every value, p, adjusted p and decision)
    and trends, and the same diagnoses with their evidence resolved to what it points at
    (indices differ after concatenation, the comparisons they name must not);
  - numbers survive the merge exactly (a merged value is the shard's double, not 15 digits).
And the merge's own contract (issue: bounded-memory merge), on a two-shard night:
  - recipes come out in the single run's order (by their brief's priority), byte for byte;
  - elements are copied as the shard wrote them: every merged line is a shard's line, the
    only edit being the evidence indices of later shards; a number written with more digits
    than a double holds survives as written; one shard merged alone gives back its files;
  - shards for different as-of dates, a missing shard file, or a shard the reports cannot be
    read from: exit 2 naming the file, and nothing written to --out (no file, no manifest).
This holds because each advertiser's tests are one multiplicity family and each account's CPM
is its own (auction pressure is an account's): see analysis.adjust_per_advertiser.

Run:  HOOKLINE=build/hookline /usr/bin/python3 tests/integration/test_shard_merge.py
"""
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

SRC = os.environ.get("HL_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
HOOKLINE = os.environ.get("HOOKLINE") or os.path.join(SRC, "build", "hookline")
ADVERTISERS = ["7100000000000000011", "7100000000000000012", "7100000000000000013",
               "7100000000000000014", "7100000000000000015"]


def run(*args, timeout=300):
    p = subprocess.run([HOOKLINE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def canon(x):
    return json.dumps(x, sort_keys=True, ensure_ascii=False)


def findings_canon(doc):
    out = {}
    for sec in ("ads", "comparisons", "trends"):
        out[sec] = sorted(canon(c) for c in doc[sec])

    def resolved(d):
        d = dict(d)
        ev = []
        for e in d.get("evidence", []):
            e = dict(e)
            if "comparison" in e:
                e["comparison"] = canon(doc["comparisons"][e["comparison"]])
            if "trend" in e:
                e["trend"] = canon(doc["trends"][e["trend"]])
            ev.append(e)
        d["evidence"] = ev
        return canon(d)

    out["diagnoses"] = sorted(resolved(d) for d in doc["diagnoses"])
    return out


class ShardMerge(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="hl-shard-")
        world = os.path.join(cls.dir, "world.csv")
        subprocess.run(["/usr/bin/python3", os.path.join(SRC, "tests", "tools", "sim_world.py"),
                        "--seed", "3", "--tiny", "--csv", world, "--truth",
                        os.path.join(cls.dir, "truth.json")], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cls.input = os.path.join(cls.dir, "accounts.csv")
        campaigns = {}
        with open(world, newline="", encoding="utf-8") as f, \
                open(cls.input, "w", newline="", encoding="utf-8") as g:
            r = csv.reader(f)
            w = csv.writer(g)
            head = next(r)
            ci = head.index("Campaign ID")
            w.writerow(["Advertiser ID"] + head)
            for row in r:
                k = campaigns.setdefault(row[ci], len(campaigns))
                w.writerow([ADVERTISERS[k % len(ADVERTISERS)]] + row)
        cls.as_of = "2026-06-30"
        cls.single = cls.night("single", None)

    @classmethod
    def tearDownClass(cls):
        if not os.environ.get("HL_SHARD_KEEP"):
            shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def night(cls, name, shard):
        d = os.path.join(cls.dir, name)
        os.makedirs(d)
        args = ["-q", "run", "--db", os.path.join(d, "h.db"), "--out", os.path.join(d, "out"),
                "--input", cls.input, "--as-of", cls.as_of]
        if shard:
            args += ["--shard", shard]
        rc, out, err = run(*args)
        if rc not in (0, 1):
            raise AssertionError(f"run {shard or ''}: exit {rc}\n{err}")
        return os.path.join(d, "out", cls.as_of)

    def load(self, d, name):
        with open(os.path.join(d, name), encoding="utf-8") as f:
            return json.load(f)

    def check(self, n):
        parts = [self.night(f"shard{n}.{k}", f"{k}/{n}") for k in range(n)]
        merged = os.path.join(self.dir, f"merged{n}")
        rc, out, err = run("-q", "merge", *parts, "--out", merged)
        self.assertIn(rc, (0, 1), err)
        for name, key in (("briefs.json", "briefs"), ("recipes.json", "recipes")):
            a = {b["id"]: canon(b) for b in self.load(self.single, name)[key]}
            b = {b["id"]: canon(b) for b in self.load(merged, name)[key]}
            self.assertGreater(len(a), 10, name)
            self.assertEqual(sorted(a), sorted(b), f"{name}: ids differ (N={n})")
            diff = [i for i in a if a[i] != b[i]]
            self.assertEqual(diff, [], f"{name}: {len(diff)} differ (N={n})")
            # the merge keeps the single run's order of priority
            self.assertEqual([x["id"] for x in self.load(self.single, name)[key]]
                             if key == "briefs" else sorted(a),
                             [x["id"] for x in self.load(merged, name)[key]]
                             if key == "briefs" else sorted(b))
        fa, fb = self.load(self.single, "findings.json"), self.load(merged, "findings.json")
        ca, cb = findings_canon(fa), findings_canon(fb)
        for sec in ca:
            self.assertEqual(len(ca[sec]), len(cb[sec]), f"{sec} (N={n})")
            self.assertEqual(ca[sec], cb[sec], f"{sec} differ (N={n})")
        self.assertGreater(len(fa["diagnoses"]), 5)
        # each account judged on its own CPM: one account-level trend per advertiser
        accts = [t for t in fa["trends"] if t["subject"]["level"] == "advertiser"
                 and t["metric"] == "cpm"]
        self.assertEqual(sorted(t["subject"]["advertiser_id"] for t in accts), ADVERTISERS)
        self.assertEqual(fb["adjust_family"], "advertiser")

    def test_two_shards(self):
        self.check(2)
        # recipes in the single run's order, and the whole file byte for byte
        self.assert_same_bytes(self.single, os.path.join(self.dir, "merged2"),
                               ("briefs.json", "recipes.json"))

    def test_four_shards(self):
        self.check(4)

    @classmethod
    def edge_parts(cls):
        """Two shards of the night, for the edge cases (made once)."""
        if not hasattr(cls, "_edge"):
            cls._edge = [cls.night(f"edge.{k}", f"{k}/2") for k in range(2)]
        return cls._edge

    def edited_shard(self, name, file, edit):
        """A copy of the second edge shard with edit(text) applied to one of its files."""
        d = os.path.join(self.dir, name)
        shutil.copytree(self.edge_parts()[1], d)
        path = os.path.join(d, file)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        with open(path, "w", encoding="utf-8") as f:
            f.write(edit(text))
        return d

    def assert_same_bytes(self, a, b, names):
        for name in names:
            with open(os.path.join(a, name), "rb") as f, open(os.path.join(b, name), "rb") as g:
                self.assertEqual(f.read(), g.read(), name)

    def assert_nothing_written(self, out):
        left = os.listdir(out) if os.path.isdir(out) else []
        self.assertEqual(left, [], f"{out} holds {left}")

    def test_lines_verbatim(self):
        parts = self.edge_parts()
        merged = os.path.join(self.dir, "verbatim")
        rc, _, err = run("-q", "merge", *parts, "--out", merged)
        self.assertIn(rc, (0, 1), err)
        lines = set()
        ncmp = ntr = 0
        for p in parts:
            with open(os.path.join(p, "findings.json"), encoding="utf-8") as f:
                # an array's last element has no comma after it: compare without
                lines.update(x.rstrip(",") for x in f.read().split("\n")[1:])
            doc = self.load(p, "findings.json")
            if p is parts[0]:
                ncmp, ntr = len(doc["comparisons"]), len(doc["trends"])
        with open(os.path.join(merged, "findings.json"), encoding="utf-8") as f:
            text = f.read()
        merged_lines = text.split("\n")
        # the header line is the first shard's (notes empty here)
        with open(os.path.join(parts[0], "findings.json"), encoding="utf-8") as f:
            self.assertEqual(merged_lines[0], f.readline().rstrip("\n"))
        diag = self.load(merged, "findings.json")["diagnoses"]
        first = len(self.load(parts[0], "findings.json")["diagnoses"])
        changed = 0
        for line in merged_lines[1:]:
            if line.rstrip(",") in lines:
                continue
            # a later shard's diagnosis: the same bytes once its indices are shifted back
            changed += 1
            self.assertTrue(line.lstrip().startswith('{"code"'), line[:80])
        self.assertEqual(changed, sum(1 for d in diag[first:] if d["evidence"]))
        for d in diag[first:]:
            for e in d["evidence"]:
                self.assertTrue(e.get("comparison", ncmp) >= ncmp and e.get("trend", ntr) >= ntr)

    def test_one_shard_is_itself(self):
        part = self.edge_parts()[0]
        out = os.path.join(self.dir, "itself")
        rc, _, err = run("-q", "merge", part, "--out", out)
        self.assertIn(rc, (0, 1), err)
        self.assert_same_bytes(part, out, ("findings.json", "briefs.json", "recipes.json",
                                           "briefs.md"))

    def test_numbers_as_written(self):
        # more digits than any double: a merge that parsed and printed would lose them
        long = "1234.50000000000000000000000000001"

        def edit(text):
            i = text.index('"spend": ', text.index('"counters"')) + len('"spend": ')
            return text[:i] + long + text[i + len(text[i:].split(",", 1)[0]):]
        b = self.edited_shard("digits", "findings.json", edit)
        out = os.path.join(self.dir, "digits-out")
        rc, _, err = run("-q", "merge", self.edge_parts()[0], b, "--out", out)
        self.assertIn(rc, (0, 1), err)
        with open(os.path.join(out, "findings.json"), encoding="utf-8") as f:
            self.assertIn('"spend": ' + long + ",", f.read())

    def test_different_as_of(self):
        def edit(text):
            return text.replace('"as_of": "2026-06-30"', '"as_of": "2026-06-29"', 1)
        b = self.edited_shard("other-day", "findings.json", edit)
        out = os.path.join(self.dir, "other-day-out")
        rc, _, err = run("-q", "merge", self.edge_parts()[0], b, "--out", out)
        self.assertEqual(rc, 2, err)
        self.assertIn("is for 2026-06-29, the first shard for 2026-06-30", err)
        self.assert_nothing_written(out)

    def test_missing_file(self):
        b = self.edited_shard("no-briefs", "briefs.json", lambda t: t)
        os.remove(os.path.join(b, "briefs.json"))
        out = os.path.join(self.dir, "no-briefs-out")
        rc, _, err = run("-q", "merge", self.edge_parts()[0], b, "--out", out)
        self.assertEqual(rc, 2, err)
        self.assertIn(os.path.join(b, "briefs.json"), err)
        self.assertIn("No such file", err)
        self.assert_nothing_written(out)

    def test_truncated_file(self):
        b = self.edited_shard("truncated", "recipes.json", lambda t: t[:len(t) // 2])
        out = os.path.join(self.dir, "truncated-out")
        rc, _, err = run("-q", "merge", self.edge_parts()[0], b, "--out", out)
        self.assertEqual(rc, 2, err)
        self.assertIn(os.path.join(b, "recipes.json") + ": byte ", err)
        self.assert_nothing_written(out)

    def test_unreadable_findings_write_nothing(self):
        # valid JSON the merge copies, but the reports cannot be made from: found after the
        # merged files are written to temporary names, which must all go
        def edit(text):
            i = text.index('"metric": "', text.index('"comparisons": [')) + len('"metric": "')
            return text[:i] + "no_such_metric" + text[text.index('"', i):]
        b = self.edited_shard("bad-metric", "findings.json", edit)
        out = os.path.join(self.dir, "bad-metric-out")
        rc, _, err = run("-q", "merge", self.edge_parts()[0], b, "--out", out)
        self.assertEqual(rc, 2, err)
        self.assertIn("findings.json (merged)", err)
        self.assertIn('unknown or missing "metric"', err)
        self.assert_nothing_written(out)

if __name__ == "__main__":
    print(f"hookline: {HOOKLINE}", flush=True)
    prog = unittest.main(exit=False, verbosity=2)
    r = prog.result
    failed = len(r.failures) + len(r.errors)
    print(f"{r.testsRun - failed - len(r.skipped)} passed, {failed} failed")
    sys.exit(1 if failed else 0)
