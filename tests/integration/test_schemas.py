#!/usr/bin/env python3
"""test_schemas.py — the published JSON Schemas (scripts/schemas/*.schema.json, draft 2020-12) and
every JSON document `hookline analyze` writes (issue 6, "JSON Schemas"). Debian's /usr/bin/python3
with python3-jsonschema; the validator is tests/tools/validate_json.py (its header says how other
tests reuse it). ctest passes HOOKLINE (the binary), HL_SOURCE_DIR and HL_TEST_DATA; without them
the defaults are <repo>/build/hookline, <repo> and <repo>/tests/data.

Run:  HOOKLINE=build/hookline /usr/bin/python3 tests/integration/test_schemas.py [Class[.test]...]
Knobs: HL_SCHEMA_KEEP=DIR keeps every analyze output there; HL_SIM_SEED (default 20260601).
The last line of output is "N passed, M failed[, K skipped]"; the exit status is non-zero on any
failure.

What is checked
  - each schema is itself a valid draft 2020-12 schema, its $id is
    https://hookline.dev/schemas/<kind>/<version> and matches the `schema` string its documents
    carry ("hookline.<kind>/<version>"); the enums the schemas pin (action types, metrics,
    counters, levels, decisions, trend directions, modes, built-in diagnosis codes, segment
    roles) equal the engine's own tables in the C sources, and the three schemas agree where they
    share a definition;
  - findings.json, briefs.json and recipes.json of `hookline analyze` on: the bundled example in
    sequential, fixed and bayes mode; the example with backend conversions (account-wide and per
    campaign: tracking trends and diagnoses at advertiser and campaign level); the example with a
    rule pack that adds a namespaced diagnosis, suppresses one, writes free-form details, a
    hypothesis without a baseline, and has a failing rule (added_by, suppressed, rule_errors);
    the tiny simulated world (tests/tools/sim_world.py --tiny: kit-bash and CTA recipes) at the
    last day and at day 3 (everything undecided, every "needed"); and small ingest fixtures
    (missing counters, no ad ID column, quoted names, API JSON lines) — each validates, and is
    strict JSON (no NaN/Infinity, no duplicate keys);
  - negative checks: ~100 mutations of valid documents (a required key dropped, "NaN" or "0.5"
    strings for numbers, a bad enum, a wrong id type or pattern, an extra key in a closed object,
    a null without its status reason, bayes-only keys outside bayes mode, ...) are each invalid,
    and NaN literals, duplicate keys and invalid UTF-8 are refused;
  - what a schema cannot say, across the documents of one run: evidence indices point at the
    comparison/trend they copy; ids name ads of the run; status explains only nulls; briefs are
    in priority order and refer to findings' ads; every recipe belongs to a creative action of a
    brief of the same run, variants are numbered 1..n with n = min(action variants,
    recipes.max_variants), ids and lineage tags are unique, segments and beats have a positive
    length inside the video.
"""
import copy
import concurrent.futures
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
DATA = os.environ.get("HL_TEST_DATA") or os.path.join(SRC, "tests", "data")
HOOKLINE = os.environ.get("HOOKLINE") or os.path.join(SRC, "build", "hookline")
KEEP = os.environ.get("HL_SCHEMA_KEEP") or None
SEED = int(os.environ.get("HL_SIM_SEED", "20260601"))
sys.path.insert(0, os.path.join(SRC, "tests", "tools"))
import validate_json  # noqa: E402

SCHEMA_DIR = os.path.join(SRC, "scripts", "schemas")
KINDS = ("findings", "briefs", "recipes")
EXAMPLE = os.path.join(SRC, "examples", "tiktok-export.csv")
PYTHON = sys.executable or "/usr/bin/python3"
MAX_VARIANTS = 5        # recipes.max_variants default
EPS = 1e-9


def log(*a):
    print(*a, flush=True)


# --------------------------------------------------------------------------------- the runs

PROBE_RULES = r'''
-- test_schemas.py: exercises the rarer shapes of briefs.json and recipes.json
diagnose {
  name = "probe_completion",
  run = function(ctx)
    local c = ctx.comparisons.completion_rate
    if c and c.value then
      return { code = "schema.probe", summary = "probe " .. hl.pct(c.value), effect = 0.1 }
    end
  end,
}
suppress {
  name = "probe_no_winner",
  run = function(ctx)
    return { { code = "winner", reason = "probe: winners suppressed" } }
  end,
}
rule {
  name = "probe_brief",
  on = { "schema.probe" },
  run = function(ctx)
    return {
      title = "Probe for " .. (ctx.subject.ad_name or "?"),
      actions = {
        { type = "new_voiceover", variants = 2, instructions = "probe",
          details = { tone = "warm", speed = 1.1, captions = true },
          hypothesis = { metric = "completion_rate", expected_lift = 0.2 } },
        { type = "wait_for_data", instructions = "probe wait" },
      },
      notes = { "a note" },
      priority = 5,
    }
  end,
}
rule {
  name = "probe_fails",
  when = function(ctx) return ctx.diagnosis.code == "weak_hook" end,
  run = function(ctx) error("probe failure") end,
}
'''


class Run:
    def __init__(self, name, args, ok_rc=(0,)):
        self.name, self.args, self.ok_rc = name, args, ok_rc
        self.out = None
        self.rc = None
        self.err = ""
        self.error = None       # why the run is unusable
        self.docs = {}          # kind -> parsed document
        self.texts = {}         # kind -> raw text

    def __repr__(self):
        return (f"hookline {' '.join(self.args)} --out {self.out}\n  exit {self.rc}"
                f"\n  stderr: {self.err[-1200:]!r}\n  error: {self.error}")


class W:
    tmp = None
    runs = {}               # name -> Run
    skipped = {}            # name -> why the run was not made
    have_recipes_writer = os.path.exists(os.path.join(SRC, "engine", "outputs",
                                                      "recipes_json.c"))


def write_backend(path, per_campaign, factor=0.55):
    """The shop's conversions: the example's platform conversions x factor (a tracking gap)."""
    import csv
    import collections
    conv = collections.Counter()
    with open(EXAMPLE, encoding="utf-8-sig", newline="") as fh:
        for r in csv.DictReader(fh):
            d = (r.get("By Day") or "")[:10]
            if not re.match(r"^\d{4}-\d{2}-\d{2}$", d):
                continue            # the totals row
            try:
                c = float((r.get("Conversions") or "").replace(",", ""))
            except ValueError:
                continue
            conv[(d, r["Campaign ID"] if per_campaign else None)] += c
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("date,conversions,campaign_id\n" if per_campaign else "date,conversions\n")
        for (d, camp), c in sorted(conv.items()):
            fh.write(f"{d},{round(c * factor)}" + (f",{camp}\n" if per_campaign else "\n"))


def plan_runs():
    tmp = W.tmp
    runs = [
        Run("example", ["--input", EXAMPLE]),
        Run("example_fixed", ["--input", EXAMPLE, "--mode", "fixed"]),
        Run("example_bayes", ["--input", EXAMPLE, "--mode", "bayes"]),
    ]
    b1, b2 = os.path.join(tmp, "backend.csv"), os.path.join(tmp, "backend_campaign.csv")
    write_backend(b1, False)
    write_backend(b2, True)
    runs += [Run("example_backend", ["--input", EXAMPLE, "--backend-conversions", b1]),
             Run("example_backend_campaign", ["--input", EXAMPLE, "--backend-conversions", b2])]
    rules = os.path.join(tmp, "rules")
    os.makedirs(rules)
    for f in sorted(os.listdir(os.path.join(SRC, "scripts", "rules"))):
        if f.endswith(".lua"):
            shutil.copy(os.path.join(SRC, "scripts", "rules", f), rules)
    with open(os.path.join(rules, "zz_schema_probe.lua"), "w", encoding="utf-8") as fh:
        fh.write(PROBE_RULES)
    runs.append(Run("example_rules", ["--input", EXAMPLE, "--rules", rules], ok_rc=(1,)))
    try:
        import sim_world
        world = os.path.join(tmp, "tiny.csv")
        p = subprocess.run([PYTHON, os.path.join(SRC, "tests", "tools", "sim_world.py"),
                            "--seed", str(SEED), "--csv", world,
                            "--truth", os.path.join(tmp, "tiny_truth.json"), "--tiny"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
        if p.returncode != 0:
            raise RuntimeError(p.stderr.decode("utf-8", "replace")[-500:])
        runs += [Run("tiny", ["--input", world]),
                 Run("tiny_day3", ["--input", world, "--as-of", sim_world.date_of(3)])]
    except Exception as e:  # numpy missing, ...
        W.skipped["tiny"] = W.skipped["tiny_day3"] = f"no simulated world: {e}"
    for name in ("missing_values.csv", "no_ad_id.csv", "quoted_names.csv", "api_rows.jsonl"):
        runs.append(Run("fixture_" + re.sub(r"\W", "_", name.rsplit(".", 1)[0]),
                        ["--input", os.path.join(DATA, "ingest", name)]))
    return runs


def do_run(r):
    r.out = os.path.join(W.tmp, "out", r.name)
    os.makedirs(os.path.dirname(r.out), exist_ok=True)
    try:
        p = subprocess.run([HOOKLINE, "analyze", *r.args, "--out", r.out, "-q"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as e:
        r.error = f"could not run: {e}"
        return r
    r.rc, r.err = p.returncode, p.stderr.decode("utf-8", "replace")
    if r.rc not in r.ok_rc:
        r.error = f"exit status {r.rc}, expected {r.ok_rc}"
        return r
    for kind in KINDS:
        path = os.path.join(r.out, kind + ".json")
        if not os.path.exists(path):
            continue
        with open(path, "rb") as fh:
            raw = fh.read()
        r.texts[kind] = raw
        try:
            r.docs[kind] = validate_json.loads_strict(raw)
        except validate_json.BadDocument as e:
            r.error = f"{path}: {e}"
    return r


def setUpModule():
    W.tmp = KEEP or tempfile.mkdtemp(prefix="hl-schemas-")
    os.makedirs(W.tmp, exist_ok=True)
    if not os.access(HOOKLINE, os.X_OK):
        log(f"  {HOOKLINE} is not executable: every analyze check fails")
        return
    t0 = time.monotonic()
    runs = plan_runs()
    jobs = min(4, os.cpu_count() or 1)
    with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
        for r in ex.map(do_run, runs):
            W.runs[r.name] = r
    log(f"  {len(runs)} analyze runs in {time.monotonic() - t0:.1f} s"
        + (f" (kept in {W.tmp})" if KEEP else ""))


def tearDownModule():
    if W.tmp and not KEEP:
        shutil.rmtree(W.tmp, ignore_errors=True)


def run_of(tc, name):
    if name in W.skipped:
        tc.skipTest(W.skipped[name])
    r = W.runs.get(name)
    if r is None:
        tc.fail(f"run {name} was not made (hookline missing?)")
    if r.error:
        tc.fail(repr(r))
    return r


def doc_of(tc, name, kind):
    r = run_of(tc, name)
    if kind not in r.docs:
        if kind == "recipes" and not W.have_recipes_writer:
            tc.skipTest("recipes.json is not written yet (no engine/outputs/recipes_json.c)")
        tc.fail(f"{name}: {kind}.json was not written\n{r!r}")
    return copy.deepcopy(r.docs[kind])


def load_schema(kind):
    with open(os.path.join(SCHEMA_DIR, kind + ".schema.json"), "rb") as fh:
        return validate_json.loads_strict(fh.read())


# ------------------------------------------------------------------------------ the schemas

def c_strings(path, array):
    """The string literals of `array[...] = { ... };` in a C source file."""
    with open(os.path.join(SRC, path), encoding="utf-8") as fh:
        text = fh.read()
    m = re.search(re.escape(array) + r"\s*\[[^\]]*\]\s*=\s*\{(.*?)\};", text, re.S)
    if not m:
        raise AssertionError(f"{path}: no array {array}")
    return re.findall(r'"([^"]*)"', m.group(1))


def bare(node):
    """A schema without its descriptions, for comparing definitions across files."""
    if isinstance(node, dict):
        return {k: bare(v) for k, v in node.items() if k != "description"}
    if isinstance(node, list):
        return [bare(v) for v in node]
    return node


def enum_of(schema, *path):
    node = schema
    for p in path:
        node = node[p]
    if "enum" in node:
        return list(node["enum"])
    if "const" in node:
        return [node["const"]]
    raise AssertionError(f"no enum at {'/'.join(path)}")


class Schemas(unittest.TestCase):
    def test_schemas_are_valid_draft_2020_12(self):
        from jsonschema import Draft202012Validator
        for kind in KINDS:
            with self.subTest(kind=kind):
                s = load_schema(kind)
                Draft202012Validator.check_schema(s)
                self.assertEqual(s.get("$schema"), "https://json-schema.org/draft/2020-12/schema")
                m = re.fullmatch(r"https://hookline\.dev/schemas/([a-z]+)/([0-9]+)",
                                 s.get("$id", ""))
                self.assertTrue(m, f"$id {s.get('$id')!r}")
                self.assertEqual(m.group(1), kind)
                const = s["properties"]["schema"].get("const")
                self.assertEqual(const, f"hookline.{m.group(1)}/{m.group(2)}",
                                 "the document's schema string must match the $id")
                self.assertIn("schema", s["required"])
                self.assertIs(s.get("additionalProperties"), False, "the root object is closed")
                self.assertTrue(s.get("title") and s.get("description"))

    def test_enums_match_the_engine(self):
        f, b, r = (load_schema(k) for k in KINDS)
        d = f["$defs"]
        engine = {
            "metric": re.findall(r'^\s*\{"([a-z0-9_]+)", HL_C_', open(
                os.path.join(SRC, "engine", "table", "metrics.c"), encoding="utf-8").read(), re.M),
            "counter": c_strings("engine/ingest/ingest.c", "counter_names"),
            "level": c_strings("engine/table/table.c", "level_names"),
            "decision": c_strings("engine/compare/compare.c", "decision_names"),
            "direction": c_strings("engine/compare/compare.c", "trend_names"),
            "mode": c_strings("engine/config/config.c", "mode_names"),
            "action_type": c_strings("engine/brief/brief.c", "action_names"),
            "builtin_code": [c for c in c_strings("engine/rules/host.c", "builtin_codes")],
        }
        self.assertEqual(len(engine["metric"]), 18, engine["metric"])
        self.assertEqual(enum_of(d, "metric"), engine["metric"])
        self.assertEqual(enum_of(b["$defs"], "metric"), engine["metric"])
        self.assertEqual(enum_of(d, "counter"), engine["counter"])
        self.assertEqual(enum_of(b["$defs"], "counter"), engine["counter"])
        self.assertEqual(enum_of(d, "level"), engine["level"])
        self.assertEqual(enum_of(b["$defs"], "level"), engine["level"])
        self.assertEqual(enum_of(d, "decision"), engine["decision"])
        self.assertEqual(enum_of(b["$defs"], "decision"), engine["decision"])
        self.assertEqual(enum_of(d, "direction"), engine["direction"])
        self.assertEqual(enum_of(b["$defs"], "direction"), engine["direction"])
        self.assertEqual(enum_of(f, "properties", "mode"), engine["mode"])
        self.assertEqual(enum_of(b["$defs"], "action_type"), engine["action_type"])
        self.assertEqual(enum_of(b["$defs"], "builtin_code"), engine["builtin_code"])
        self.assertEqual(d["diagnosis_code"]["anyOf"][0]["enum"], engine["builtin_code"])
        self.assertEqual(len(engine["builtin_code"]), 12)
        self.assertEqual(len(engine["action_type"]), 14)
        # recipes are made for the creative actions only (hl_action_is_creative: up to
        # refresh_creative in the engine's order)
        creative = engine["action_type"][:engine["action_type"].index("refresh_creative") + 1]
        self.assertEqual(enum_of(r["$defs"], "creative_action"), creative)
        if W.have_recipes_writer:
            self.assertEqual(r["$defs"]["segment"]["properties"]["role"]["enum"],
                             c_strings("engine/brief/recipe.c", "role_names"))
        # shared definitions agree between the schemas
        for k in ("trend_metric", "ids", "leveled_ids", "date", "id", "id_or_null", "num"):
            self.assertEqual(bare(d[k]), bare(b["$defs"][k]), k)
        self.assertEqual(bare(d["diagnosis_code"]["anyOf"][1]), bare(b["$defs"]["namespaced_code"]))
        self.assertEqual(bare(d["date"]), bare(r["properties"]["as_of"]))
        self.assertEqual(bare(d["id"]), bare(r["$defs"]["id"]))
        self.assertEqual(r["$defs"]["recipe"]["properties"]["brief_id"]["pattern"],
                         b["$defs"]["brief_id"]["pattern"])

    def test_validator_command_line(self):
        tool = os.path.join(SRC, "tests", "tools", "validate_json.py")
        r = run_of(self, "example")

        def cli(*args):
            p = subprocess.run([PYTHON, tool, *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=120)
            return p.returncode, p.stderr.decode("utf-8", "replace")

        for kind in r.docs:
            self.assertEqual(cli(kind, os.path.join(r.out, kind + ".json")), (0, ""))
        self.assertEqual(cli("auto", r.out), (0, ""))
        bad = doc_of(self, "example", "briefs")
        bad["briefs"][0]["actions"][0]["type"] = "make_video"
        path = os.path.join(W.tmp, "bad_briefs.json")
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(bad, fh)
        rc, err = cli("briefs", path)
        self.assertEqual(rc, 1, err)
        self.assertIn(f"{path}: $.briefs[0].actions[0].type: 'make_video' is not one of", err)
        rc, err = cli(os.path.join(SCHEMA_DIR, "briefs.schema.json"), path)
        self.assertEqual(rc, 1, err)
        self.assertEqual(cli("auto", path)[0], 1)
        rc, err = cli("findings", path)         # a briefs document is no findings document
        self.assertEqual(rc, 1, err)
        self.assertEqual(cli("no_such_schema", path)[0], 2)
        self.assertEqual(cli("briefs")[0], 2)
        self.assertEqual(cli("briefs", os.path.join(W.tmp, "no_such.json"))[0], 2)
        empty = os.path.join(W.tmp, "empty_dir")
        os.makedirs(empty, exist_ok=True)
        self.assertEqual(cli("auto", empty)[0], 1)


# ------------------------------------------------------------------ the outputs validate

class Outputs(unittest.TestCase):
    """One test per analyze run: every document it wrote matches its schema."""

    def check_run(self, name):
        r = run_of(self, name)
        self.assertIn("findings", r.docs, f"{name}: no findings.json")
        self.assertIn("briefs", r.docs, f"{name}: no briefs.json")
        if W.have_recipes_writer:
            self.assertIn("recipes", r.docs, f"{name}: no recipes.json")
        problems = []
        for kind, doc in r.docs.items():
            errs = validate_json.check_doc(kind, doc, limit=8)
            problems += [f"{kind}.json: {e}" for e in errs]
        self.assertEqual(problems, [], f"{name}: output does not match the schemas")
        sizes = {k: (len(v.get("comparisons", v.get("briefs", v.get("recipes", [])))))
                 for k, v in r.docs.items()}
        log(f"    {name}: valid {sizes}")


def _add_output_tests():
    names = ["example", "example_fixed", "example_bayes", "example_backend",
             "example_backend_campaign", "example_rules", "tiny", "tiny_day3",
             "fixture_missing_values", "fixture_no_ad_id", "fixture_quoted_names",
             "fixture_api_rows"]
    for n in names:
        setattr(Outputs, f"test_{n}", lambda self, n=n: self.check_run(n))


_add_output_tests()


class Coverage(unittest.TestCase):
    """The runs reach the shapes the schemas describe (else a valid result would prove little)."""

    def test_runs_cover_the_rare_shapes(self):
        seen = set()
        for r in W.runs.values():
            f, b, rc = r.docs.get("findings"), r.docs.get("briefs"), r.docs.get("recipes")
            if f:
                seen.add(("mode", f["mode"]))
                for c in f["comparisons"]:
                    seen.add(("comparison level", c["subject"]["level"]))
                    seen.add(("decision", c["decision"]))
                    if c["needed"]:
                        seen.add(("needed",))
                        if None in c["needed"].values():
                            seen.add(("null in needed",))
                    if c.get("status"):
                        seen.add(("comparison status",))
                for t in f["trends"]:
                    seen.add(("trend level", t["subject"]["level"]))
                    seen.add(("trend metric", t["metric"]))
                    if t.get("status"):
                        seen.add(("trend status",))
                for d in f["diagnoses"]:
                    seen.add(("code", d["code"]))
                    seen.add(("diagnosis level", d["level"]))
                for a in f["ads"]:
                    if None in a["counters"].values():
                        seen.add(("null counter",))
            if b:
                for x in b["briefs"]:
                    for a in x["actions"]:
                        seen.add(("action", a["type"]))
                        if a["details"]:
                            seen.add(("details",))
                    if x["hypothesis"] is None:
                        seen.add(("no hypothesis",))
                    elif x["hypothesis"]["baseline"] is None:
                        seen.add(("hypothesis without baseline",))
                    if "added_by" in x["diagnoses"][0]:
                        seen.add(("added_by",))
                if b["suppressed"]:
                    seen.add(("suppressed",))
                if b["rule_errors"]:
                    seen.add(("rule_errors",))
            if rc:
                for x in rc["recipes"]:
                    seen.add(("recipe", x["action"]))
                    for s in x["segments"]:
                        seen.add(("anchor", s["anchor"]))
                        if s["end_s"] is None:
                            seen.add(("segment to the end",))
                    if x["voiceover"]:
                        seen.add(("voiceover",))
                    if x["cta"]:
                        seen.add(("cta",))
        want = {("mode", m) for m in ("sequential", "fixed", "bayes")}
        want |= {("comparison level", lv) for lv in ("ad", "adgroup")}
        want |= {("decision", d) for d in ("better", "worse", "no_difference", "undecided")}
        want |= {("trend level", lv) for lv in ("ad", "adgroup", "campaign", "advertiser")}
        want |= {("needed",), ("null in needed",), ("comparison status",), ("trend status",), ("null counter",)}
        want |= {("diagnosis level", lv) for lv in ("ad", "campaign", "advertiser")}
        want |= {("code", c) for c in ("weak_hook", "tracking_discrepancy", "insufficient_data")}
        want |= {("details",), ("no hypothesis",), ("hypothesis without baseline",),
                 ("added_by",), ("suppressed",), ("rule_errors",)}
        if W.have_recipes_writer:
            want |= {("recipe", "new_hook"), ("recipe", "new_voiceover"), ("anchor", "start"),
                     ("segment to the end",), ("voiceover",)}
            if "tiny" not in W.skipped:
                want |= {("recipe", "combine_segments"), ("recipe", "new_cta"),
                         ("anchor", "end"), ("cta",)}
        missing = sorted(want - seen)
        self.assertEqual(missing, [], "shapes no run produced (the validity tests miss them)")


# ----------------------------------------------------------------------- negative checks

def find(seq, pred, what):
    for i, x in enumerate(seq):
        if pred(x):
            return i
    raise LookupError(what)


def _set(path, value):
    def f(doc):
        node = doc
        for p in path[:-1]:
            node = node[p]
        node[path[-1]] = value
    return f


def _drop(path):
    def f(doc):
        node = doc
        for p in path[:-1]:
            node = node[p]
        del node[path[-1]]
    return f


def _cmp(pred, what, fn):
    """Applies fn to the first comparison matching pred."""
    def f(doc):
        fn(doc["comparisons"][find(doc["comparisons"], pred, what)])
    return f


def _trend(pred, what, fn):
    def f(doc):
        fn(doc["trends"][find(doc["trends"], pred, what)])
    return f


def _brief(pred, what, fn):
    def f(doc):
        fn(doc["briefs"][find(doc["briefs"], pred, what)])
    return f


def _recipe(pred, what, fn):
    def f(doc):
        fn(doc["recipes"][find(doc["recipes"], pred, what)])
    return f


def _setk(k, v):
    def f(o):
        o[k] = v
    return f


def _delk(k):
    def f(o):
        del o[k]
    return f


ANY = lambda x: True  # noqa: E731
AD_ID = "1884200428524014665"

FINDINGS_MUTATIONS = [
    # (run, name, mutation)
    ("example", "root: schema dropped", _drop(["schema"])),
    ("example", "root: schema version 2", _set(["schema"], "hookline.findings/2")),
    ("example", "root: as_of not ISO", _set(["as_of"], "28/10/2026")),
    ("example", "root: as_of impossible date", _set(["as_of"], "2026-02-30")),
    ("example", "root: mode enum", _set(["mode"], "bayesian")),
    ("example", "root: alpha as string", _set(["alpha"], "0.05")),
    ("example", "root: alpha 1.5", _set(["alpha"], 1.5)),
    ("example", "root: adjust enum", _set(["adjust"], "fdr")),
    ("example", "root: observational false", _set(["observational"], False)),
    ("example", "root: extra key", _set(["extra"], 1)),
    ("example", "root: trends dropped", _drop(["trends"])),
    ("example", "root: notes not strings", _set(["notes"], [1])),
    ("example", "ads: ad_id a number", _set(["ads", 0, "ad_id"], int(AD_ID))),
    ("example", "ads: ad_id null", _set(["ads", 0, "ad_id"], None)),
    ("example", "ads: counter dropped", _drop(["ads", 0, "counters", "spend"])),
    ("example", "ads: counter 'NaN'", _set(["ads", 0, "counters", "spend"], "NaN")),
    ("example", "ads: metric 'n/a'", _set(["ads", 0, "metrics", "ctr"], "n/a")),
    ("example", "ads: metric dropped", _drop(["ads", 0, "metrics", "hook_rate"])),
    ("example", "ads: extra counter as text", _set(["ads", 0, "counters", "my_col"], "x")),
    ("example", "ads: extra counter bad name", _set(["ads", 0, "counters", "My Col"], 1)),
    ("example", "ads: days fractional", _set(["ads", 0, "days"], 2.5)),
    ("example", "ads: extra key", _set(["ads", 0, "status"], {})),
    ("example", "comparison: decision dropped", _cmp(ANY, "any", _delk("decision"))),
    ("example", "comparison: decision enum", _cmp(ANY, "any", _setk("decision", "significant"))),
    ("example", "comparison: value 'NaN'", _cmp(ANY, "any", _setk("value", "NaN"))),
    ("example", "comparison: value '0.5'", _cmp(ANY, "any", _setk("value", "0.5"))),
    ("example", "comparison: lift 'Infinity'", _cmp(ANY, "any", _setk("lift", "Infinity"))),
    ("example", "comparison: p_adjusted 1.5",
     _cmp(lambda c: c["p_adjusted"] is not None, "p", _setk("p_adjusted", 1.5))),
    ("example", "comparison: metric enum", _cmp(ANY, "any", _setk("metric", "hookrate"))),
    ("example", "comparison: method empty", _cmp(ANY, "any", _setk("method", ""))),
    ("example", "comparison: extra key", _cmp(ANY, "any", _setk("z_score", 1.0))),
    ("example", "comparison: subject level campaign",
     _cmp(ANY, "any", lambda c: c["subject"].update(level="campaign"))),
    ("example", "comparison: subject level account",
     _cmp(ANY, "any", lambda c: c["subject"].update(level="account"))),
    ("example", "comparison: ad subject without ad_id",
     _cmp(lambda c: c["subject"]["level"] == "ad", "ad",
          lambda c: c["subject"].update(ad_id=None))),
    ("example", "comparison: adgroup subject with an ad_id",
     _cmp(lambda c: c["subject"]["level"] == "adgroup", "adgroup",
          lambda c: c["subject"].update(ad_id=AD_ID))),
    ("example", "comparison: subject id dropped",
     _cmp(ANY, "any", lambda c: c["subject"].pop("advertiser_id"))),
    ("example", "comparison: subject extra key",
     _cmp(ANY, "any", lambda c: c["subject"].update(ad_status="ACTIVE"))),
    ("example", "comparison: counts.days fractional",
     _cmp(ANY, "any", lambda c: c["counts"].update(days=1.5))),
    ("example", "comparison: counts.phi dropped",
     _cmp(ANY, "any", lambda c: c["counts"].pop("phi"))),
    ("example", "comparison: counts.n negative",
     _cmp(ANY, "any", lambda c: c["counts"].update(n=-1))),
    ("example", "comparison: counts.below_minimum as 0",
     _cmp(ANY, "any", lambda c: c["counts"].update(below_minimum=0))),
    ("example", "comparison: decided with needed",
     _cmp(lambda c: c["decision"] != "undecided", "decided",
          _setk("needed", {"unit": "impressions", "per_arm": 1, "remaining": 1, "days": 1}))),
    ("tiny_day3", "comparison: undecided without needed",
     _cmp(lambda c: c["decision"] == "undecided", "undecided", _setk("needed", None))),
    ("tiny_day3", "comparison: needed.unit enum",
     _cmp(lambda c: c["needed"], "needed", lambda c: c["needed"].update(unit="views"))),
    ("tiny_day3", "comparison: needed.days dropped",
     _cmp(lambda c: c["needed"], "needed", lambda c: c["needed"].pop("days"))),
    ("tiny_day3", "comparison: null needed.per_arm without its reason",
     _cmp(lambda c: c["needed"] and c["needed"]["per_arm"] is None, "null per_arm",
          lambda c: c["needed"].update(status={"days": "x"}))),
    ("tiny_day3", "comparison: needed.status names another key",
     _cmp(lambda c: c["needed"] and c["needed"].get("status"), "needed status",
          lambda c: c["needed"]["status"].update(unit="x"))),
    ("example", "comparison: chance_to_beat outside bayes mode",
     _cmp(ANY, "any", _setk("chance_to_beat", 0.5))),
    ("example_bayes", "comparison: bayes without expected_loss",
     _cmp(ANY, "any", _delk("expected_loss"))),
    ("example_bayes", "comparison: null p_value without its reason",
     _cmp(lambda c: c["p_value"] is None, "null p", lambda c: c["status"].pop("p_value"))),
    ("example_bayes", "comparison: status dropped",
     _cmp(lambda c: c.get("status"), "status", _delk("status"))),
    ("example", "comparison: null value without status",
     _cmp(lambda c: c["value"] is not None and not c.get("status"), "no status",
          _setk("value", None))),
    ("example", "comparison: status names a non-number key",
     _cmp(ANY, "any", _setk("status", {"decision": "because"}))),
    ("example", "comparison: empty status", _cmp(ANY, "any", _setk("status", {}))),
    ("example", "trend: direction enum", _trend(ANY, "any", _setk("direction", "up"))),
    ("example", "trend: metric enum", _trend(ANY, "any", _setk("metric", "roas"))),
    ("example", "trend: from not a date", _trend(ANY, "any", _setk("from", "yesterday"))),
    ("example", "trend: days as string", _trend(ANY, "any", _setk("days", "14"))),
    ("example", "trend: note dropped", _trend(ANY, "any", _delk("note"))),
    ("example", "trend: null prior without its reason",
     _trend(lambda t: t["prior"] is None, "null prior", lambda t: t["status"].pop("prior"))),
    ("example", "trend: change '-inf'", _trend(ANY, "any", _setk("change", "-inf"))),
    ("example", "trend: advertiser subject with a campaign id",
     _trend(lambda t: t["subject"]["level"] == "advertiser", "advertiser",
            lambda t: t["subject"].update(campaign_id="1"))),
    ("example", "diagnosis: code not namespaced", _set(["diagnoses", 0, "code"], "weakhook")),
    ("example", "diagnosis: code empty namespace", _set(["diagnoses", 0, "code"], "acme.")),
    ("example", "diagnosis: code with a space", _set(["diagnoses", 0, "code"], "acme.low cvr")),
    ("example", "diagnosis: summary dropped", _drop(["diagnoses", 0, "summary"])),
    ("example", "diagnosis: level enum", _set(["diagnoses", 0, "level"], "creative")),
    ("example", "diagnosis: related id a number", _set(["diagnoses", 0, "related_ad_ids"], [1])),
    ("example", "diagnosis: evidence extra key",
     _set(["diagnoses", 0, "evidence", 0, "weight"], 1)),
    ("example", "diagnosis: evidence index negative",
     _set(["diagnoses", 0, "evidence", 0, "comparison"], -1)),
    ("example", "diagnosis: evidence without index",
     lambda d: d["diagnoses"][0]["evidence"][0].pop("comparison")),
    ("example", "diagnosis: priority negative", _set(["diagnoses", 0, "priority"], -1)),
    ("example", "diagnosis: effect null", _set(["diagnoses", 0, "effect"], None)),
    ("example", "diagnosis: extra key", _set(["diagnoses", 0, "severity"], "high")),
]

BRIEFS_MUTATIONS = [
    ("example", "root: rule_errors dropped", _drop(["rule_errors"])),
    ("example", "root: schema string", _set(["schema"], "hookline.brief/1")),
    ("example", "root: extra key", _set(["generated_at"], "now")),
    ("example", "brief: id too short", _set(["briefs", 0, "id"], "b123")),
    ("example", "brief: id upper case",
     lambda d: d["briefs"][0].update(id=d["briefs"][0]["id"].upper())),
    ("example", "brief: level enum", _set(["briefs", 0, "level"], "account")),
    ("example", "brief: ad_id a number", _set(["briefs", 0, "ad_id"], int(AD_ID))),
    ("example", "brief: title empty", _set(["briefs", 0, "title"], "")),
    ("example", "brief: extra key", _set(["briefs", 0, "owner"], "me")),
    ("example", "brief: priority negative", _set(["briefs", 0, "priority"], -1)),
    ("example", "brief: priority 'high'", _set(["briefs", 0, "priority"], "high")),
    ("example", "brief: notes with null", _set(["briefs", 0, "notes"], [None])),
    ("example", "brief: rule without ':name'", _set(["briefs", 0, "rule"], "weak_hook.lua")),
    ("example", "brief: no diagnoses", _set(["briefs", 0, "diagnoses"], [])),
    ("example", "brief: no actions", _set(["briefs", 0, "actions"], [])),
    ("example", "brief: 21 actions", lambda d: d["briefs"][0].update(
        actions=d["briefs"][0]["actions"][:1] * 21)),
    ("example", "action: type enum", _set(["briefs", 0, "actions", 0, "type"], "make_video")),
    ("example", "action: instructions dropped", _drop(["briefs", 0, "actions", 0, "instructions"])),
    ("example", "action: variants 0", _set(["briefs", 0, "actions", 0, "variants"], 0)),
    ("example", "action: variants 11", _set(["briefs", 0, "actions", 0, "variants"], 11)),
    ("example", "action: variants 2.5", _set(["briefs", 0, "actions", 0, "variants"], 2.5)),
    ("example", "action: details nested",
     _set(["briefs", 0, "actions", 0, "details"], {"a": {"b": 1}})),
    ("example", "action: details null value",
     _set(["briefs", 0, "actions", 0, "details"], {"a": None})),
    ("example", "action: details a list", _set(["briefs", 0, "actions", 0, "details"], [])),
    ("example", "action: extra key", _set(["briefs", 0, "actions", 0, "priority"], 1)),
    ("example", "hypothesis: expected_lift null",
     _brief(lambda b: b["hypothesis"], "hypothesis",
            lambda b: b["hypothesis"].update(expected_lift=None))),
    ("example", "hypothesis: expected_lift -1",
     _brief(lambda b: b["hypothesis"], "hypothesis",
            lambda b: b["hypothesis"].update(expected_lift=-1))),
    ("example", "hypothesis: metric not a name",
     _brief(lambda b: b["hypothesis"], "hypothesis",
            lambda b: b["hypothesis"].update(metric="Hook Rate"))),
    ("example", "hypothesis: target null with a baseline",
     _brief(lambda b: b["hypothesis"] and b["hypothesis"]["baseline"] is not None, "baseline",
            lambda b: b["hypothesis"].update(target=None))),
    ("example", "hypothesis: target dropped",
     _brief(lambda b: b["hypothesis"], "hypothesis", lambda b: b["hypothesis"].pop("target"))),
    ("example", "success: criterion dropped", _drop(["briefs", 0, "success", "criterion"])),
    ("example", "success: sample_per_arm 'NaN'",
     _brief(lambda b: b["success"]["sample_per_arm"] is not None, "sample",
            lambda b: b["success"].update(sample_per_arm="NaN"))),
    ("example", "success: unit null with a sample",
     _brief(lambda b: b["success"]["sample_per_arm"] is not None, "sample",
            lambda b: b["success"].update(unit=None))),
    ("example", "success: unit not a counter",
     _brief(lambda b: b["success"]["sample_per_arm"] is not None, "sample",
            lambda b: b["success"].update(unit="people"))),
    ("example", "success: days without a sample",
     _brief(lambda b: b["success"]["sample_per_arm"] is None, "no sample",
            lambda b: b["success"].update(days=3))),
    ("example", "diagnosis: code made up", _set(["briefs", 0, "diagnoses", 0, "code"], "made_up")),
    ("example", "diagnosis: evidence item incomplete",
     _set(["briefs", 0, "diagnoses", 0, "evidence"], [{"metric": "ctr"}])),
    ("example", "diagnosis: evidence decision enum",
     _brief(lambda b: b["diagnoses"][0]["evidence"], "evidence",
            lambda b: b["diagnoses"][0]["evidence"][0].update(decision="winner"))),
    ("example", "diagnosis: built-in code with added_by",
     _set(["briefs", 0, "diagnoses", 0, "added_by"], "x.lua:y")),
    ("example_rules", "diagnosis: namespaced code without added_by",
     _brief(lambda b: "added_by" in b["diagnoses"][0], "added",
            lambda b: b["diagnoses"][0].pop("added_by"))),
    ("example_rules", "suppressed: reason dropped", _drop(["suppressed", 0, "reason"])),
    ("example_rules", "suppressed: level enum", _set(["suppressed", 0, "level"], "ads")),
    ("example_rules", "rule_errors: line as string", _set(["rule_errors", 0, "line"], "36")),
    ("example_rules", "rule_errors: traceback dropped", _drop(["rule_errors", 0, "traceback"])),
    ("example_rules", "rule_errors: repeats negative", _set(["rule_errors", 0, "repeats"], -1)),
    ("example_rules", "details: value a list",
     _brief(lambda b: b["actions"][0]["details"], "details",
            lambda b: b["actions"][0]["details"].update(tone=["warm"]))),
]

RECIPES_MUTATIONS = [
    ("example", "root: recipes dropped", _drop(["recipes"])),
    ("example", "root: schema string", _set(["schema"], "hookline.recipes/2")),
    ("example", "root: extra key", _set(["adapter"], "generic")),
    ("example", "recipe: id pattern", _set(["recipes", 0, "id"], "r12")),
    ("example", "recipe: brief_id pattern", _set(["recipes", 0, "brief_id"], "x0123456789abcdef")),
    ("example", "recipe: action not creative", _set(["recipes", 0, "action"], "pause_ad")),
    ("example", "recipe: action enum", _set(["recipes", 0, "action"], "new_hooks")),
    ("example", "recipe: variant 0", _set(["recipes", 0, "variant"], 0)),
    ("example", "recipe: variants as string", _set(["recipes", 0, "variants"], "3")),
    ("example", "recipe: angle empty", _set(["recipes", 0, "angle"], "")),
    ("example", "recipe: parent id a number", _set(["recipes", 0, "parent_ad_ids"], [int(AD_ID)])),
    ("example", "recipe: parent ids repeated",
     _set(["recipes", 0, "parent_ad_ids"], [AD_ID, AD_ID])),
    ("example", "recipe: extra key", _set(["recipes", 0, "priority"], 1)),
    ("example", "recipe: success dropped", _drop(["recipes", 0, "success"])),
    ("example", "recipe: constraints with empty string", _set(["recipes", 0, "constraints"], [""])),
    ("example", "recipe: lineage tag upper case",
     _set(["recipes", 0, "lineage_tag"], "HL-ABCDEFGHIJ")),
    ("example", "recipe: lineage tag short", _set(["recipes", 0, "lineage_tag"], "hl-abc")),
    ("example", "recipe: lineage tag not base32",
     _set(["recipes", 0, "lineage_tag"], "hl-abcdefgh18")),
    ("example", "segment: role enum", _set(["recipes", 0, "segments", 0, "role"], "intro")),
    ("example", "segment: anchor enum", _set(["recipes", 0, "segments", 0, "anchor"], "middle")),
    ("example", "segment: end_s as string", _set(["recipes", 0, "segments", 0, "end_s"], "5")),
    ("example", "segment: start_s negative", _set(["recipes", 0, "segments", 0, "start_s"], -1)),
    ("example", "segment: start_s null", _set(["recipes", 0, "segments", 0, "start_s"], None)),
    ("example", "segment: note dropped", _drop(["recipes", 0, "segments", 0, "note"])),
    ("example", "segment: source a number", _set(["recipes", 0, "segments", 0, "source"], 7)),
    ("example", "beat: role enum",
     _recipe(lambda r: r["script_beats"], "beats",
             lambda r: r["script_beats"][0].update(role="outro"))),
    ("example", "beat: max_words fractional",
     _recipe(lambda r: r["script_beats"], "beats",
             lambda r: r["script_beats"][0].update(max_words=2.5))),
    ("example", "beat: end_s null",
     _recipe(lambda r: r["script_beats"], "beats",
             lambda r: r["script_beats"][0].update(end_s=None))),
    ("example", "beat: spoken dropped",
     _recipe(lambda r: r["script_beats"], "beats", lambda r: r["script_beats"][0].pop("spoken"))),
    ("example", "voiceover: keys missing", _set(["recipes", 0, "voiceover"], {"tone": "warm"})),
    ("example", "voiceover: speed 0",
     _recipe(lambda r: r["voiceover"], "voiceover", lambda r: r["voiceover"].update(speed=0))),
    ("example", "voiceover: a string", _set(["recipes", 0, "voiceover"], "warm")),
    ("example", "cta: style missing", _set(["recipes", 0, "cta"], {"text": "Shop now"})),
    ("example", "cta: extra key",
     _set(["recipes", 0, "cta"], {"text": "Shop now", "style": "direct", "color": "red"})),
    ("example", "format: aspect ratio", _set(["recipes", 0, "format", "aspect_ratio"], "16:9")),
    ("example", "format: duration 0", _set(["recipes", 0, "format", "duration_s"], 0)),
    ("example", "format: duration dropped", _drop(["recipes", 0, "format", "duration_s"])),
    ("example", "success: criterion dropped", _drop(["recipes", 0, "success", "criterion"])),
    ("example", "success: baseline 'NaN'", _set(["recipes", 0, "success", "baseline"], "NaN")),
    ("example", "success: baseline without a metric",
     _recipe(lambda r: r["success"]["baseline"] is not None, "baseline",
             lambda r: r["success"].update(metric=None))),
    ("example", "success: sample without unit",
     _recipe(lambda r: r["success"]["sample_per_arm"] is not None, "sample",
             lambda r: r["success"].update(unit=None))),
]


def first_of_each(items, sig, keep_first=True):
    """The first item of every signature (and the very first item): a small document that still
    holds every shape the mutations look for, so that ~150 validations stay fast."""
    out, seen = [], set()
    for i, x in enumerate(items):
        s = sig(x)
        if (i == 0 and keep_first) or s not in seen:
            out.append(x)
        seen.add(s)
    return out


def small(kind, doc):
    d = copy.deepcopy(doc)
    nul = lambda v: v is None  # noqa: E731
    if kind == "findings":
        d["ads"] = d["ads"][:2]
        d["comparisons"] = first_of_each(d["comparisons"], lambda c: (
            c["subject"]["level"], c["decision"], bool(c.get("status")), nul(c["needed"]),
            bool((c["needed"] or {}).get("status")),
            nul(c["value"]), nul(c["p_value"]), nul(c["p_adjusted"])))
        d["trends"] = first_of_each(d["trends"], lambda t: (
            t["subject"]["level"], t["metric"], bool(t.get("status")), nul(t["prior"])))
        d["diagnoses"] = first_of_each(d["diagnoses"], lambda x: (x["code"], x["level"]))
    elif kind == "briefs":
        d["briefs"] = first_of_each(d["briefs"], lambda b: (
            b["level"], nul(b["hypothesis"]), nul((b["hypothesis"] or {}).get("baseline")),
            nul(b["success"]["sample_per_arm"]), "added_by" in b["diagnoses"][0],
            bool(b["diagnoses"][0]["evidence"]), bool(b["actions"][0]["details"])))
        d["suppressed"] = d["suppressed"][:2]
        d["rule_errors"] = d["rule_errors"][:2]
    elif kind == "recipes":
        d["recipes"] = first_of_each(d["recipes"], lambda r: (
            r["action"], nul(r["voiceover"]), nul(r["cta"]), nul(r["success"]["baseline"]),
            nul(r["success"]["sample_per_arm"]), bool(r["script_beats"])))
    return d


class Negative(unittest.TestCase):
    bases = {}

    def base(self, kind, run):
        if (kind, run) not in self.bases:
            doc = small(kind, doc_of(self, run, kind))
            self.assertEqual(validate_json.check_doc(kind, doc), [], f"{run}: base invalid")
            self.bases[(kind, run)] = doc
        return copy.deepcopy(self.bases[(kind, run)])

    def mutate_all(self, kind, mutations):
        applied = 0
        for run, name, fn in mutations:
            with self.subTest(mutation=name, run=run):
                doc = self.base(kind, run)
                try:
                    fn(doc)
                except (LookupError, IndexError, KeyError) as e:
                    self.fail(f"{kind} mutation '{name}' found nothing to mutate in {run}: {e}")
                errs = validate_json.check_doc(kind, doc)
                self.assertNotEqual(errs, [], f"{kind}: mutation '{name}' is still valid")
                applied += 1
        log(f"    {kind}: {applied} mutations, each invalid")

    def test_findings_mutations(self):
        self.mutate_all("findings", FINDINGS_MUTATIONS)

    def test_briefs_mutations(self):
        self.mutate_all("briefs", BRIEFS_MUTATIONS)

    def test_recipes_mutations(self):
        if not W.have_recipes_writer:
            self.skipTest("no recipes writer yet")
        self.mutate_all("recipes", RECIPES_MUTATIONS)

    def test_valid_variants_stay_valid(self):
        """The open parts stay open: extra counters/metrics (custom columns), any detail key,
        a namespaced code, and nulls where the contract allows them."""
        f = doc_of(self, "example", "findings")
        f["ads"][0]["counters"]["complete_payment"] = 3
        f["ads"][0]["metrics"]["cost_per_complete_payment"] = None
        f["diagnoses"][0]["code"] = "acme.low_completion"
        f["ads"][0]["ad_name"] = None
        self.assertEqual(validate_json.check_doc("findings", f), [])
        b = doc_of(self, "example", "briefs")
        b["briefs"][0]["actions"][0]["details"] = {"tone": "warm", "speed": 1.1, "captions": True}
        b["briefs"][0]["currency"] = None
        self.assertEqual(validate_json.check_doc("briefs", b), [])

    def test_strict_json(self):
        r = run_of(self, "example")
        raw = r.texts["findings"].decode("utf-8")
        cases = {
            "NaN literal": raw.replace('"value": 0', '"value": NaN', 1),
            "Infinity literal": raw.replace('"alpha": 0.05', '"alpha": Infinity', 1),
            "duplicate key": raw.replace('{"schema": "hookline.findings/1"',
                                         '{"schema": "hookline.findings/1", "schema": "x"', 1),
            "trailing garbage": raw + "}",
        }
        for name, text in cases.items():
            with self.subTest(case=name):
                self.assertNotEqual(text, raw, "the case changed nothing")
                path = os.path.join(W.tmp, "strict.json")
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write(text)
                errs = validate_json.check_file("findings", path)
                self.assertTrue(errs and errs[0].startswith("$: "), errs)
        path = os.path.join(W.tmp, "strict.json")
        with open(path, "wb") as fh:
            fh.write(r.texts["briefs"].replace(b'"title": "', b'"title": "\xff', 1))
        self.assertTrue(validate_json.check_file("briefs", path))


# ---------------------------------------------------- what the schemas cannot say, per run

def ads_of(f):
    return {a["ad_id"] for a in f["ads"]}


class CrossChecks(unittest.TestCase):
    maxDiff = None
    RUNS = ["example", "example_bayes", "example_backend_campaign", "example_rules", "tiny",
            "tiny_day3"]

    def each(self, kinds):
        n = 0
        for name in self.RUNS:
            if name in W.skipped:
                continue
            r = run_of(self, name)
            if any(k not in r.docs for k in kinds):
                if "recipes" in kinds and not W.have_recipes_writer:
                    continue
                self.fail(f"{name}: missing one of {kinds}")
            n += 1
            yield name, r.docs
        self.assertGreater(n, 0)

    def test_findings_internal_references(self):
        for name, d in self.each(["findings"]):
            with self.subTest(run=name):
                f = d["findings"]
                bad = []
                ids = ads_of(f)
                if len(ids) != len(f["ads"]):
                    bad.append("ads: an ad_id appears twice")
                if not f["from"] <= f["as_of"]:
                    bad.append(f"from {f['from']} after as_of {f['as_of']}")
                for i, c in enumerate(f["comparisons"]):
                    s = c["subject"]
                    if s["level"] == "ad" and s["ad_id"] not in ids:
                        bad.append(f"$.comparisons[{i}].subject.ad_id {s['ad_id']}: no such ad")
                    for k in c.get("status", {}):
                        if c.get(k) is not None:
                            bad.append(f"$.comparisons[{i}].status.{k}: explains a non-null value")
                for i, t in enumerate(f["trends"]):
                    if not t["from"] <= t["to"] <= f["as_of"]:
                        bad.append(f"$.trends[{i}]: window {t['from']}..{t['to']} past as_of")
                    for k in t.get("status", {}):
                        if t.get(k) is not None:
                            bad.append(f"$.trends[{i}].status.{k}: explains a non-null value")
                for i, dx in enumerate(f["diagnoses"]):
                    if dx["level"] == "ad" and dx["ad_id"] not in ids:
                        bad.append(f"$.diagnoses[{i}].ad_id {dx['ad_id']} is no ad of the run")
                    for r_id in dx["related_ad_ids"]:
                        if r_id not in ids:
                            bad.append(f"$.diagnoses[{i}].related_ad_ids: {r_id}: no such ad")
                    for j, e in enumerate(dx["evidence"]):
                        where = f"$.diagnoses[{i}].evidence[{j}]"
                        if "comparison" in e:
                            if e["comparison"] >= len(f["comparisons"]):
                                bad.append(f"{where}.comparison {e['comparison']} out of range")
                                continue
                            src = f["comparisons"][e["comparison"]]
                            keys = ("metric", "value", "reference", "lift", "ci_low", "ci_high",
                                    "p_adjusted", "decision")
                        else:
                            if e["trend"] >= len(f["trends"]):
                                bad.append(f"{where}.trend {e['trend']} out of range")
                                continue
                            src = f["trends"][e["trend"]]
                            keys = ("metric", "prior", "recent", "change", "ci_low", "ci_high",
                                    "p_adjusted", "direction")
                        for k in keys:
                            if e[k] != src.get(k):
                                bad.append(f"{where}.{k} = {e[k]!r}, the source has "
                                           f"{src.get(k)!r}")
                self.assertEqual(bad[:10], [], f"{name}: findings.json ({len(bad)} problems)")

    def test_briefs_refer_to_findings(self):
        for name, d in self.each(["findings", "briefs"]):
            with self.subTest(run=name):
                f, b = d["findings"], d["briefs"]
                bad = []
                ids = ads_of(f)
                if b["as_of"] != f["as_of"]:
                    bad.append(f"as_of {b['as_of']} != findings {f['as_of']}")
                seen = set()
                for i, x in enumerate(b["briefs"]):
                    if x["id"] in seen:
                        bad.append(f"$.briefs[{i}].id {x['id']} repeated")
                    seen.add(x["id"])
                    if x["level"] == "ad" and x["ad_id"] not in ids:
                        bad.append(f"$.briefs[{i}].ad_id {x['ad_id']} is no ad of the run")
                    if i and x["priority"] > b["briefs"][i - 1]["priority"]:
                        bad.append(f"$.briefs[{i}].priority {x['priority']} above the brief before")
                    for j, dg in enumerate(x["diagnoses"]):
                        for r_id in dg["related_ad_ids"]:
                            if r_id not in ids:
                                bad.append(f"$.briefs[{i}].diagnoses[{j}].related_ad_ids: {r_id}")
                self.assertEqual(bad[:10], [], f"{name}: briefs.json ({len(bad)} problems)")

    def test_recipes_refer_to_briefs(self):
        creative = set(enum_of(load_schema("recipes")["$defs"], "creative_action"))
        for name, d in self.each(["findings", "briefs", "recipes"]):
            with self.subTest(run=name):
                f, b, rc = d["findings"], d["briefs"], d["recipes"]
                bad = []
                ids = ads_of(f)
                briefs = {x["id"]: x for x in b["briefs"]}
                if rc["as_of"] != f["as_of"]:
                    bad.append(f"as_of {rc['as_of']} != findings {f['as_of']}")
                for key in ("id", "lineage_tag"):
                    vals = [x[key] for x in rc["recipes"]]
                    if len(set(vals)) != len(vals):
                        bad.append(f"recipe {key}s are not unique")
                groups = {}
                for i, x in enumerate(rc["recipes"]):
                    where = f"$.recipes[{i}]"
                    br = briefs.get(x["brief_id"])
                    if br is None:
                        bad.append(f"{where}.brief_id {x['brief_id']} is no brief of the run")
                        continue
                    acts = [a for a in br["actions"] if a["type"] == x["action"]
                            and a["instructions"] == x.get("instructions", a["instructions"])]
                    if not acts:
                        bad.append(f"{where}.action {x['action']}: the brief has no such action")
                        continue
                    want = min(acts[0]["variants"], MAX_VARIANTS)
                    if x["variants"] != want:
                        bad.append(f"{where}.variants {x['variants']}, the action asks "
                                   f"{acts[0]['variants']} (cap {MAX_VARIANTS})")
                    if not 1 <= x["variant"] <= x["variants"]:
                        bad.append(f"{where}.variant {x['variant']} not in 1..{x['variants']}")
                    groups.setdefault((x["brief_id"], x["action"], x.get("instructions")),
                                      []).append(x["variant"])
                    for p in x["parent_ad_ids"]:
                        if p not in ids:
                            bad.append(f"{where}.parent_ad_ids: {p} is no ad of the run")
                    for j, s in enumerate(x["segments"]):
                        if s["source"] != "generate" and s["source"] not in ids:
                            bad.append(f"{where}.segments[{j}].source {s['source']} is no ad")
                for (bid, act, _), vs in groups.items():
                    if sorted(vs) != list(range(1, len(vs) + 1)):
                        bad.append(f"brief {bid} {act}: variants numbered {sorted(vs)}")
                made = {(k[0], k[1]) for k in groups}
                for x in b["briefs"]:
                    for a in x["actions"]:
                        if a["type"] in creative and (x["id"], a["type"]) not in made:
                            bad.append(f"brief {x['id']}: creative action {a['type']}: "
                                       "no recipe")
                self.assertEqual(bad[:10], [], f"{name}: recipes.json ({len(bad)} problems)")

    def test_recipe_segments_and_beats_have_length(self):
        """A segment is a positive stretch of its source: from the start, end_s > start_s (or
        null = to the end); from the end (anchor "end", seconds before the end), start_s >
        end_s (null = 0). Beats lie inside the target duration, end after they start."""
        for name, d in self.each(["recipes"]):
            with self.subTest(run=name):
                bad = []
                for i, x in enumerate(d["recipes"]["recipes"]):
                    for j, s in enumerate(x["segments"]):
                        a, e = s["start_s"], s["end_s"]
                        if s["anchor"] == "start":
                            ok = e is None or e > a
                        else:
                            ok = a > (e if e is not None else 0)
                        if not ok:
                            bad.append(f"$.recipes[{i}].segments[{j}] ({x['action']}): anchor "
                                       f"{s['anchor']}, start_s {a}, end_s {e} ({s['note']})")
                    dur = x["format"]["duration_s"]
                    for j, bt in enumerate(x["script_beats"]):
                        if not 0 <= bt["start_s"] < bt["end_s"] <= dur + EPS:
                            bad.append(f"$.recipes[{i}].script_beats[{j}] ({x['action']}): "
                                       f"{bt['start_s']}..{bt['end_s']} s in a {dur} s video")
                self.assertEqual(bad[:6], [], f"{name}: {len(bad)} segments/beats without length")


def main():
    loader = unittest.defaultTestLoader
    module = sys.modules[__name__]
    names = sys.argv[1:]
    suite = (loader.loadTestsFromNames(names, module) if names
             else loader.loadTestsFromModule(module))
    t0 = time.monotonic()
    try:
        for k in KINDS:
            validate_json.validator(k)
    except Exception as e:  # python3-jsonschema missing, or a schema that does not load
        log(f"test_schemas: {e}")
        print("0 passed, 1 failed")
        sys.exit(1)
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    # a test with failing subtests counts once
    failed = len({t.id() if not hasattr(t, "test_case") else t.test_case.id()
                  for t, _ in result.failures + result.errors}) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    passed = result.testsRun - failed - skipped
    log(f"total time {time.monotonic() - t0:.1f} s")
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
