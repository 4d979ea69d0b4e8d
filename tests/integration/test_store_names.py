#!/usr/bin/env python3
"""test_store_names.py — the history store keeps every name an ad had, with the first day it
had it, and the ad's current names from its most recent day (issue 8), however the rows come:
several files in one `hookline ingest` (one session: the store skips an (ad, name) it already
stored from an earlier day), a later file re-sending earlier days, a renamed ad, and a day
before every day stored so far. Checked against the tables with Python's sqlite3.

Run:  HOOKLINE=build/hookline /usr/bin/python3 tests/integration/test_store_names.py
"""
import os
import sqlite3
import subprocess
import sys
import tempfile
import unittest

SRC = os.environ.get("HL_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
HOOKLINE = os.environ.get("HOOKLINE") or os.path.join(SRC, "build", "hookline")
HEAD = ("By Day,Campaign name,Campaign ID,Ad group name,Ad group ID,Ad name,Ad ID,Currency,"
        "Cost,Impressions,Clicks (destination)\n")


def rows(days, name, ad="1700000000000000001", group="G1"):
    return "".join(f"2026-03-{d:02d},C,1800000000000000001,{group},1900000000000000001,{name},"
                   f"{ad},USD,10.00,1000,10\n" for d in days)


class StoreNames(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.db = os.path.join(self.tmp.name, "h.db")

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        p = os.path.join(self.tmp.name, name)
        with open(p, "w", encoding="utf-8") as f:
            f.write(HEAD + text)
        return p

    def ingest(self, *files):
        p = subprocess.run([HOOKLINE, "-q", "ingest", "--db", self.db, "--input", *files],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)

    def names(self):
        with sqlite3.connect(self.db) as c:
            return sorted(c.execute("SELECT ad_id, name, first_day FROM ad_names"))

    def ad(self):
        with sqlite3.connect(self.db) as c:
            return c.execute("SELECT ad_name, adgroup_name, first_day, last_day FROM ads").fetchone()

    def day(self, d):
        with sqlite3.connect(self.db) as c:
            return c.execute("SELECT CAST(julianday(?) - julianday('1970-01-01') AS INTEGER)",
                             (f"2026-03-{d:02d}",)).fetchone()[0]

    def test_one_session_many_files(self):
        a = self.write("a.csv", rows(range(3, 6), "Hook A"))
        b = self.write("b.csv", rows(range(4, 9), "Hook A v2", group="G2"))
        c = self.write("c.csv", rows([1], "Hook A"))          # an earlier day, the old name
        self.ingest(a, b, c)
        ad = "1700000000000000001"
        self.assertEqual(self.names(), [(ad, "Hook A", self.day(1)),
                                        (ad, "Hook A v2", self.day(4))])
        # names of the most recent day; the span of every day seen
        self.assertEqual(self.ad(), ("Hook A v2", "G2", self.day(1), self.day(8)))

    def test_sessions_agree_with_one(self):
        """The same files in three ingests give the same tables as in one."""
        files = [self.write("a.csv", rows(range(3, 6), "Hook A")),
                 self.write("b.csv", rows(range(4, 9), "Hook A v2")),
                 self.write("c.csv", rows([2, 1], "Hook A"))]
        self.ingest(*files)
        one = (self.names(), self.ad())
        os.remove(self.db)
        for f in files:
            self.ingest(f)
        self.assertEqual((self.names(), self.ad()), one)


if __name__ == "__main__":
    print(f"hookline: {HOOKLINE}", flush=True)
    prog = unittest.main(exit=False, verbosity=2)
    r = prog.result
    failed = len(r.failures) + len(r.errors)
    print(f"{r.testsRun - failed - len(r.skipped)} passed, {failed} failed")
    sys.exit(1 if failed else 0)
