#!/usr/bin/env python3
"""test_rules_columns.py — custom columns (scripts/columns.lua, or the config's columns.file)
read by Lua rules as ctx.ad.metrics.<name>: the value equals the formula over the ad's window
totals in findings.json; a division by zero is nil; a broken formula fails the rule with the
column's name, file and line, and the run still completes (exit 1, rule_errors)."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HOOKLINE = os.environ.get("HOOKLINE", "build/hookline")
SRC = os.environ.get("HL_SOURCE_DIR", ".")
EXAMPLE = os.path.join(SRC, "examples", "tiktok-export.csv")

RULE = r'''
rule {
  name = "lp_custom",
  on = { "landing_page_mismatch", "weak_hook" },
  run = function(ctx)
    local m = ctx.ad.metrics
    return {
      title = "Custom columns for " .. ctx.ad.id,
      actions = { { type = "align_landing_page", instructions = "check the page",
                    details = { cost_per_atc = m.cost_per_atc,
                                zero = m.always_zero == nil,
                                unknown = m.no_such_column == nil } } },
    }
  end,
}
'''

COLUMNS = r'''
column { name = "cost_per_atc", kind = "money", formula = function(r) return r.spend / r.add_to_cart end }
column { name = "always_zero", kind = "number", formula = function(r) return r.spend / 0 end }
'''

BROKEN = r'''
column { name = "cost_per_atc", kind = "money",
  formula = function(r) return r.spend / r.no_such_counter_here .. "x" end }
'''


def run(*args):
    return subprocess.run([HOOKLINE, *args], capture_output=True, text=True, timeout=120)


class RulesColumns(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.rules = os.path.join(self.tmp.name, "rules")
        os.mkdir(self.rules)
        with open(os.path.join(self.rules, "custom.lua"), "w") as f:
            f.write(RULE)

    def tearDown(self):
        self.tmp.cleanup()

    def analyze(self, columns_text):
        cols = os.path.join(self.tmp.name, "columns.lua")
        with open(cols, "w") as f:
            f.write(columns_text)
        cfg = os.path.join(self.tmp.name, "hookline.lua")
        with open(cfg, "w") as f:
            f.write("columns = { file = %s }\n" % json.dumps(cols))
        out = os.path.join(self.tmp.name, "out")
        p = run("analyze", "-q", "--input", EXAMPLE, "--out", out, "--rules", self.rules,
                "--config", cfg)
        return p, out

    def test_rules_read_custom_columns(self):
        p, out = self.analyze(COLUMNS)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(out, "findings.json")) as f:
            ads = {a["ad_id"]: a for a in json.load(f)["ads"]}
        with open(os.path.join(out, "briefs.json")) as f:
            briefs = json.load(f)["briefs"]
        self.assertGreater(len(briefs), 0)
        checked = 0
        for b in briefs:
            ad = ads[b["title"].rsplit(" ", 1)[1]]
            d = b["actions"][0]["details"]
            c = ad["counters"]
            want = c["spend"] / c["add_to_cart"]
            self.assertAlmostEqual(d["cost_per_atc"], want, delta=1e-9 * want)
            self.assertIs(d["zero"], True, "a division by zero is nil")
            self.assertIs(d["unknown"], True, "an unknown name is nil")
            checked += 1
        print(f"  {checked} briefs with cost_per_atc from the custom column", file=sys.stderr)

    def test_broken_column_fails_the_rule_with_its_location(self):
        p, out = self.analyze(BROKEN)
        self.assertEqual(p.returncode, 1, p.stderr)
        with open(os.path.join(out, "briefs.json")) as f:
            errs = json.load(f)["rule_errors"]
        self.assertGreater(len(errs), 0)
        msg = errs[0]["message"]
        self.assertIn("custom column 'cost_per_atc'", msg)
        self.assertIn("columns.lua:", msg)


if __name__ == "__main__":
    res = unittest.TextTestRunner(verbosity=2).run(
        unittest.defaultTestLoader.loadTestsFromTestCase(RulesColumns))
    sys.exit(0 if res.wasSuccessful() else 1)
