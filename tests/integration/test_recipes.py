#!/usr/bin/env python3
"""test_recipes.py — variant recipes end to end: the kit-bash recipe splices the right segments
(the first 3 s of the best-hook ad, the last 5 s of the best-CTA ad), hook briefs get several
different hooks, every creative action gets recipes with lineage tags, the ffmpeg splice
command is built from the segments with every path quoted, the adapters give HeyGen- and
ShortGenius-shaped bodies, and an ad named like a spreadsheet formula stays inert text in the
CSV a spreadsheet would open."""
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

HOOKLINE = os.environ.get("HOOKLINE", "build/hookline")
SRC = os.environ.get("HL_SOURCE_DIR", ".")
EXAMPLE = os.path.join(SRC, "examples", "tiktok-export.csv")


def run(*args, check=True):
    p = subprocess.run([HOOKLINE, *args], capture_output=True, text=True, timeout=120)
    if check and p.returncode != 0:
        raise AssertionError(f"{args}: exit {p.returncode}\n{p.stderr}")
    return p


class Recipes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.out = os.path.join(cls.tmp.name, "out")
        run("analyze", "--input", EXAMPLE, "--out", cls.out, "-q")
        with open(os.path.join(cls.out, "recipes.json")) as f:
            cls.recipes = json.load(f)["recipes"]
        with open(os.path.join(cls.out, "briefs.json")) as f:
            cls.briefs = json.load(f)["briefs"]

    def test_action_hypothesis_is_judged_on_its_own_metric(self):
        """A brief whose goal is CPA may ask for new hooks judged on the hook rate: the recipe's
        success block then names the hook rate and sizes its sample for the hook rate (2 s views
        per impression), not the brief's CPA sample."""
        rules = os.path.join(self.tmp.name, "rules")
        os.makedirs(rules, exist_ok=True)
        with open(os.path.join(rules, "mixed.lua"), "w") as f:
            f.write('''
rule {
  name = "hooks_for_cpa",
  on = { "weak_hook" },
  run = function(ctx)
    local cpa = ctx.ad.metrics.cpa or 20
    return {
      title = "New hooks, judged on the hook rate; the brief's goal stays CPA",
      hypothesis = { metric = "cpa", baseline = cpa, expected_lift = -0.2 },
      actions = {
        { type = "new_hook", variants = 2, instructions = "three new openings",
          hypothesis = { metric = "hook_rate", baseline = 0.2, expected_lift = 0.15 } },
        { type = "new_cta", variants = 1, instructions = "a direct CTA" },
      },
    }
  end,
}
''')
        out = os.path.join(self.tmp.name, "mixed")
        run("analyze", "--input", EXAMPLE, "--out", out, "--rules", rules, "-q")
        with open(os.path.join(out, "recipes.json")) as f:
            recipes = json.load(f)["recipes"]
        with open(os.path.join(out, "briefs.json")) as f:
            briefs = {b["id"]: b for b in json.load(f)["briefs"]}
        hooks = [r for r in recipes if r["action"] == "new_hook"]
        ctas = [r for r in recipes if r["action"] == "new_cta"]
        self.assertTrue(hooks and ctas)
        for r in hooks:
            s = r["success"]
            self.assertEqual(s["metric"], "hook_rate")
            self.assertEqual((s["baseline"], round(s["target"], 6)), (0.2, 0.23))
            self.assertEqual(s["unit"], "impressions")
            self.assertIn("hook_rate at least 23.00% (baseline 20.00%, +15%)", s["criterion"])
            # p 0.2 -> 0.23 at alpha 0.05, power 0.8: ~2,940 a plain binomial arm; more with the
            # day-to-day wander (phi >= 1)
            self.assertGreater(s["sample_per_arm"], 2900)
            b = briefs[r["brief_id"]]
            self.assertEqual(b["hypothesis"]["metric"], "cpa")
            self.assertNotEqual(s["criterion"], b["success"]["criterion"])
            self.assertNotEqual(s["sample_per_arm"], b["success"]["sample_per_arm"])
        for r in ctas:  # no hypothesis of its own: the brief's
            s = r["success"]
            self.assertEqual(s["metric"], "cpa")
            self.assertEqual(s["criterion"], briefs[r["brief_id"]]["success"]["criterion"])

    def test_kitbash_splices_the_right_segments(self):
        kb = [b for b in self.briefs if b["diagnoses"][0]["code"] == "kitbash_candidate"]
        self.assertTrue(kb, "the example has kit-bash candidates")
        for b in kb:
            hook_ad = b["ad_id"]
            ending_ad = b["diagnoses"][0]["related_ad_ids"][0]
            rs = [r for r in self.recipes if r["brief_id"] == b["id"] and r["action"] == "combine_segments"]
            self.assertTrue(rs, f"a combine_segments recipe for {b['id']}")
            for r in rs:
                segs = r["segments"]
                self.assertEqual(len(segs), 2)
                self.assertEqual(segs[0]["source"], hook_ad)
                self.assertEqual((segs[0]["role"], segs[0]["start_s"], segs[0]["end_s"], segs[0]["anchor"]),
                                 ("hook", 0, 3, "start"))
                self.assertEqual(segs[1]["source"], ending_ad)
                self.assertEqual((segs[1]["role"], segs[1]["start_s"], segs[1]["end_s"], segs[1]["anchor"]),
                                 ("cta", 5, 0, "end"), "the last 5 seconds of the best-CTA ad")
                self.assertEqual(r["parent_ad_ids"][:2], [hook_ad, ending_ad])
                self.assertEqual(r["format"]["duration_s"], 8)

    def test_hook_briefs_get_diverse_variants(self):
        hooks = [r for r in self.recipes if r["action"] == "new_hook"]
        self.assertTrue(hooks)
        by_brief = {}
        for r in hooks:
            by_brief.setdefault(r["brief_id"], []).append(r)
        for bid, rs in by_brief.items():
            if len(rs) > 1:
                angles = [r["angle"] for r in rs]
                self.assertEqual(len(set(angles)), len(angles), f"{bid}: variants differ: {angles}")
                beats = [(r["script_beats"][0]["visual"], r["script_beats"][0]["spoken"]) for r in rs]
                self.assertEqual(len(set(beats)), len(beats), f"{bid}: beats differ")
            for r in rs:
                self.assertEqual(r["segments"][0]["source"], "generate")
                self.assertEqual(r["segments"][0]["role"], "hook")
                self.assertLessEqual(r["script_beats"][0]["max_words"], 12, "~15 words per 4 s")

    def test_every_recipe_is_traceable(self):
        ids = {b["id"] for b in self.briefs}
        tags = set()
        for r in self.recipes:
            self.assertIn(r["brief_id"], ids)
            self.assertRegex(r["id"], r"^r[0-9a-f]{16}$")
            self.assertRegex(r["lineage_tag"], r"^hl-[a-z2-7]{10}$")
            tags.add(r["lineage_tag"])
            self.assertEqual(r["format"]["aspect_ratio"], "9:16")
        self.assertEqual(len(tags), len(self.recipes), "lineage tags are unique")

    def test_new_cta_keeps_the_body_and_generates_the_ending(self):
        ctas = [r for r in self.recipes if r["action"] == "new_cta"]
        for r in ctas:
            body, end = r["segments"][0], r["segments"][-1]
            self.assertEqual((body["start_s"], body["end_s"], body["trim_end_s"]), (0, None, 5))
            self.assertEqual((end["source"], end["role"], end["start_s"], end["end_s"]), ("generate", "cta", 0, 5))
            self.assertIsNotNone(r["cta"])

    def test_splice_command(self):
        kb = [r for r in self.recipes if r["action"] == "combine_segments"]
        self.assertTrue(kb)
        r = kb[0]
        src = os.path.join(self.tmp.name, "videos with 'quotes'")
        os.makedirs(src, exist_ok=True)
        for s in r["segments"]:
            open(os.path.join(src, s["source"] + ".mp4"), "w").close()
        p = run("recipe", "splice", r["id"], "--recipes", os.path.join(self.out, "recipes.json"),
                "--sources", src)
        cmd = p.stdout.strip()
        self.assertTrue(cmd.startswith("ffmpeg "), cmd)
        self.assertIn("-ss 0 -t 3 -i", cmd)
        self.assertIn("-sseof -5 -i", cmd)
        self.assertIn("concat=n=2:v=1:a=1", cmd)
        self.assertIn(r["lineage_tag"] + ".mp4", cmd)
        self.assertIn("'\\''quotes'\\''", cmd, "paths are shell-quoted")
        # a missing source is an error, not a broken command
        os.remove(os.path.join(src, r["segments"][1]["source"] + ".mp4"))
        p = run("recipe", "splice", r["id"], "--recipes", os.path.join(self.out, "recipes.json"),
                "--sources", src, check=False)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stdout, "")

    def test_adapters(self):
        rj = os.path.join(self.out, "recipes.json")
        heygen = [json.loads(l) for l in run("recipe", "adapt", "--recipes", rj, "--adapter", "heygen",
                                              "--options", '{"avatar_id": "A1", "voice_id": "V1"}').stdout.splitlines()]
        self.assertEqual(len(heygen), len(self.recipes))
        for body, r in zip(heygen, self.recipes):
            self.assertEqual(body["dimension"], {"width": 1080, "height": 1920})
            self.assertEqual(body["title"], r["lineage_tag"])
            self.assertTrue(1 <= len(body["video_inputs"]) <= 50)
            for sc in body["video_inputs"]:
                self.assertEqual(sc["character"]["avatar_id"], "A1")
                self.assertLessEqual(len(sc["voice"]["input_text"]), 5000)
        sg = [json.loads(l) for l in run("recipe", "adapt", "--recipes", rj, "--adapter", "shortgenius").stdout.splitlines()]
        for body, r in zip(sg, self.recipes):
            self.assertEqual(body["aspectRatio"], "9:16")
            self.assertIn(body["seriesType"], ("JustTheHook", "HookAndVideo"))
            self.assertIsInstance(body["scenes"], list)
        generic = [json.loads(l) for l in run("recipe", "adapt", "--recipes", rj).stdout.splitlines()]
        self.assertEqual(generic, self.recipes, "the generic adapter is the recipe itself")
        # the bodies are the same bytes on every run (they are signed)
        again = run("recipe", "adapt", "--recipes", rj, "--adapter", "heygen",
                    "--options", '{"avatar_id": "A1", "voice_id": "V1"}').stdout
        self.assertEqual(again.splitlines(), [json.dumps(b, separators=(",", ":")) for b in heygen] and again.splitlines())

    def test_formula_named_ad_stays_inert(self):
        evil = "=cmd|' /C calc'!A0"
        src = os.path.join(self.tmp.name, "evil.csv")
        with open(EXAMPLE, encoding="utf-8-sig", newline="") as f:
            text = f.read()
        text = text.replace("GS_UGC_unboxing_v2", evil.replace('"', '""'))
        with open(src, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        out = os.path.join(self.tmp.name, "evil")
        run("analyze", "--input", src, "--out", out, "-q")
        for name in ("findings.json", "briefs.json"):
            with open(os.path.join(out, name)) as f:
                doc = json.load(f)
            self.assertTrue(evil in json.dumps(doc, ensure_ascii=False), f"{name} keeps the name as text")
        html = open(os.path.join(out, "report.html"), encoding="utf-8").read()
        self.assertNotIn("<script", html)
        md = open(os.path.join(out, "briefs.md"), encoding="utf-8").read()
        self.assertNotIn(evil, md, "the pipe is escaped in Markdown")
        self.assertIn("=cmd\\|' /C calc'!A0", md)
        # the template reports of the run directory: CSV text, not a formula; HTML escaped
        with open(os.path.join(out, "report-creative_performance.csv"), newline="") as f:
            rows = list(csv.reader(f))
        col = rows[0].index("ad_name")
        names = [r[col] for r in rows[1:]]
        self.assertIn("'" + evil, names, "the template CSV keeps the name as text")
        self.assertNotIn(evil, names)
        th = open(os.path.join(out, "report-creative_performance.html"), encoding="utf-8").read()
        self.assertIn("=cmd|&#39; /C calc&#39;!A0", th.replace("&#x27;", "&#39;"))
        with open(os.path.join(out, "manifest.json")) as f:
            listed = {e["name"] for e in json.load(f)["files"]}
        for n in ("report-creative_performance.html", "report-creative_performance.csv",
                  "report-funnel_analysis.html", "report-funnel_analysis.csv"):
            self.assertIn(n, listed)
        p = run("metrics", "--input", src, "--format", "csv", "--columns", "spend")
        rows = list(csv.reader(io.StringIO(p.stdout)))
        names = [r[1] for r in rows[1:]]
        self.assertIn("'" + evil, names, "a spreadsheet sees text, not a formula")
        self.assertNotIn(evil, names)


if __name__ == "__main__":
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(Recipes)
    res = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(res.failures) + len(res.errors)
    print(f"{res.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
