#!/usr/bin/env python3
"""sandbox_suite.py — the escape-and-abuse suite of the Lua rule host (issue 5, "Tests";
shared/reference/lua-sandbox.md, "Escape and abuse suite"). Python 3 standard library only.

Every case is one ctest test (`sandbox_<case>`, registered by tests/sandbox/CMakeLists.txt from
`--list`). A case writes a temporary rule pack holding an attack file (the attack as a brief
rule's `run`, a `when` predicate, a `diagnose` or `suppress` rule, or a file's top level) and a
healthy rule in another file, then runs, on examples/tiktok-export.csv (4 weak_hook ads):

  1. `hookline analyze --input EXPORT --out out --rules pack [--config cfg.lua]`
  2. `hookline rules check pack`
  3. `hookline rules test pack` with a fixture test expecting the healthy rule's briefs

and asserts, for each run:
  - no crash: the exit code is 0 or 1 (2 for load problems in `rules check`), never a signal, and
    no sanitizer report on stderr (ASan/UBSan/LSan builds: HL_ASAN / HL_UBSAN);
  - no hang: every command finishes within CMD_TIMEOUT seconds (well under ctest's timeout);
    budget cases lower `rules.instructions` through a hookline.lua config so they take
    milliseconds;
  - the error is reported with file:line and a clear message: on stderr and in briefs.json
    `rule_errors` (runtime errors: "pack/a_attack.lua:LINE: rule 'attack': MESSAGE"; load
    problems: file + line fields and the message; `rules check`: "pack/a_attack.lua:LINE: ...")
    and nothing else failed;
  - the healthy rule still produced every one of its briefs, with the right text (it formats
    with hl.pct, string.format and a string method, so tampering with shared tables shows);
  - no file was created, changed or removed outside out/ (the whole temp dir is snapshotted; io/os
    attacks aim at a canary path in it, which must not exist afterwards).

Run:  HOOKLINE=build/hookline python3 tests/sandbox/sandbox_suite.py CASE...   (or --all, --list)
Environment: HOOKLINE (the binary; default <repo>/build/hookline), HL_SOURCE_DIR, HL_KEEP=1 keeps
the temp dirs of failing cases. Exit status non-zero on any failure.

A case given `bug="..."` documents an open engine bug (ctest label known_bug); none is open as of
this writing: tests/sandbox/README.md lists the bugs the suite found and their fixes.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SRC = os.environ.get("HL_SOURCE_DIR") or os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
HOOKLINE = os.environ.get("HOOKLINE") or os.path.join(SRC, "build", "hookline")
EXPORT = os.path.join(SRC, "examples", "tiktok-export.csv")

CMD_TIMEOUT = float(os.environ.get("HL_SANDBOX_TIMEOUT", "10"))
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                   "runtime error:", "MemorySanitizer", "ThreadSanitizer")
ATTACK = "attack"

# ------------------------------------------------------------------------------------ the pack

HEALTHY = """\
-- healthy: a normal rule that must keep working whatever the attack file does. It uses the
-- shared libraries (hl, string functions and string methods) so that tampering shows.
rule {
  name = "healthy",
  on = { "weak_hook" },
  run = function(ctx)
    local c = ctx.comparisons.hook_rate
    local t = {}
    for i = 1, 50 do t[#t + 1] = tostring(i) end
    return {
      title = "healthy " .. ctx.ad.id .. " " .. hl.pct(c.value) .. string.format(" %d", 7) ..
              ("x"):upper() .. " " .. #table.concat(t, ","),
      actions = {
        { type = "new_hook", variants = 2,
          instructions = "New hooks: " .. hl.pct(c.value) .. " vs " .. hl.pct(c.reference),
          hypothesis = { metric = "hook_rate", baseline = c.value, expected_lift = 0.2 } },
      },
    }
  end,
}
"""
HEALTHY_TITLE = re.compile(r"^healthy (\d+) \d+\.\d% 7X 140$")

# Templates put the attack body at a known line (BODY_LINE) of the attack file.
TEMPLATES = {
    "run": """\
-- attack file (brief rule's run)
rule {
  name = "attack",
  on = ON,
  run = function(ctx)
BODY
  end,
}
""",
    "when": """\
-- attack file (when predicate)
rule {
  name = "attack",
  on = ON,
  when = function(ctx)
BODY
  end,
  run = function(ctx) return nil end,
}
""",
    "diagnose": """\
-- attack file (diagnose rule)
diagnose {
  name = "attack",
  run = function(ctx)
  --
BODY
  end,
}
""",
    "suppress": """\
-- attack file (suppress rule)
suppress {
  name = "attack",
  run = function(ctx)
  --
BODY
  end,
}
""",
    "toplevel": """\
-- attack file (top level)
--
--
--
--
BODY
rule { name = "attack", on = { "loser" }, run = function(ctx) return nil end }
""",
}
BODY_LINE = 6


class Case:
    """One attack. error: regex the message must match (after "rule 'attack': " for runtime
    errors), None when no error is expected, OPTIONAL when either is fine. load: the error is a
    load problem of the attack file (else a runtime error of rule 'attack')."""

    def __init__(self, name, body=None, kind="run", error=None, load=None, on=("weak_hook",),
                 config=None, files=None, order="a", line="default", check=None, bug=None,
                 healthy=True, check_rc=None, timeout=None, setup=None, note="",
                 ruletest=None):
        self.name, self.body, self.kind, self.error = name, body, kind, error
        self.load = (kind == "toplevel") if load is None else load
        # line: an int (exact), "any" (1..the file's lines) or None (not checked: may be 0)
        if line == "default":
            line = BODY_LINE if kind == "toplevel" else "any"
        self.on, self.config, self.files, self.order = on, config, files, order
        self.line, self.check, self.bug, self.healthy = line, check, bug, healthy
        self.check_rc = check_rc
        self.timeout = timeout or CMD_TIMEOUT
        self.setup, self.note = setup, note
        # `rules test` takes no memory option: cases that lower the memory cap skip it
        self.ruletest = (name in RULETEST and not (config or {}).get("memory_mb")) \
            if ruletest is None else ruletest


OPTIONAL = object()
CASES = []
# The cases also run through `hookline rules test` (one or two per family: the suite must stay
# fast under ASan; `rules test` runs the pack exactly as analyze does).
RULETEST = {
    "os_execute", "io_open_write", "require_os", "load_text", "setmetatable_G",
    "string_format_nil", "hl_pct_nil", "frozen_table_leak_via_pairs", "infinite_loop",
    "pcall_loop_when", "xpcall_handler_loop", "memory_table_default_cap", "c_stack_overflow_pcall",
    "return_deep_table", "return_env_and_proxies", "return_view", "return_nan", "thousand_briefs",
    "syntax_error", "runtime_error_traceback", "huge_error", "error_table", "binary_chunk",
    "global_assignment_toplevel", "modify_view", "view_kept", "view_edges", "lib_edges",
    "hl_edges", "register_at_runtime", "same_name_other_file", "deterministic_random",
    "hl_log_long", "suppress_everything", "pattern_backtracking",
}


def case(*a, **kw):
    CASES.append(Case(*a, **kw))


class Failure(Exception):
    pass


# ------------------------------------------------------------------------------------ helpers

def run_cmd(args, cwd, timeout):
    env = dict(os.environ)
    # A sanitizer report must not hide behind exit code 1 (a rule failure).
    env["ASAN_OPTIONS"] = "exitcode=86:abort_on_error=0:" + env.get("ASAN_OPTIONS", "")
    env["UBSAN_OPTIONS"] = "halt_on_error=1:exitcode=87:print_stacktrace=1:" + \
        env.get("UBSAN_OPTIONS", "")
    t0 = time.monotonic()
    p = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        raise Failure("hang: `%s` still running after %.0f s (killed)"
                      % (" ".join(args[1:3]), timeout))
    dt = time.monotonic() - t0
    out = out.decode("utf-8", "replace")
    err = err.decode("utf-8", "replace")
    what = " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(args[:3]))
    if p.returncode < 0:
        raise Failure("crash: `%s` killed by signal %d\n%s" % (what, -p.returncode, err[-3000:]))
    for mark in SANITIZER_MARKS:
        if mark in err:
            raise Failure("sanitizer report from `%s`:\n%s" % (what, err[-6000:]))
    if p.returncode in (86, 87):
        raise Failure("sanitizer exit code %d from `%s`:\n%s" % (p.returncode, what, err[-3000:]))
    if len(err) > 1 << 20:
        raise Failure("`%s` wrote %d bytes on stderr" % (what, len(err)))
    return p.returncode, out, err, dt


def snapshot(root, skip=("out",)):
    """Every path under root (but out/) with its size and mtime."""
    snap = {}
    for d, dirs, files in os.walk(root):
        rel = os.path.relpath(d, root)
        if rel.split(os.sep)[0] in skip:
            dirs[:] = []
            continue
        for n in dirs + files:
            p = os.path.join(d, n)
            if os.path.relpath(p, root).split(os.sep)[0] in skip:
                continue
            try:
                st = os.lstat(p)
            except FileNotFoundError:
                continue
            snap[os.path.relpath(p, root)] = (st.st_size, st.st_mtime_ns, st.st_mode)
    return snap


def diff_snap(before, after):
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    changed = sorted(k for k in set(before) & set(after) if before[k] != after[k])
    return added, removed, changed


def expect(cond, msg):
    if not cond:
        raise Failure(msg)


def lua_list(codes):
    return "{ " + ", ".join('"%s"' % c for c in codes) + " }"


# ------------------------------------------------------------------------------------ a case

class Runner:
    def __init__(self, c):
        self.c = c
        self.tmp = tempfile.mkdtemp(prefix="hl-sandbox-%s-" % c.name)
        self.pack = os.path.join(self.tmp, "pack")
        os.mkdir(self.pack)
        self.canary = os.path.join(self.tmp, "canary")
        self.attack_file = "pack/%s_attack.lua" % ("a" if c.order == "a" else "z")
        self.healthy_file = "pack/m_healthy.lua"
        self.log = []

    def subst(self, text):
        return text.replace("@CANARY@", self.canary).replace("@TMP@", self.tmp)

    def write_pack(self):
        c = self.c
        if c.body is not None:
            src = TEMPLATES[c.kind].replace("ON", lua_list(c.on)).replace("BODY", c.body)
            self.write(self.attack_file, self.subst(src))
        for name, content in (c.files or {}).items():
            self.write(name, content if isinstance(content, bytes) else self.subst(content))
        self.write(self.healthy_file, HEALTHY)
        if c.config:
            items = ", ".join("%s = %s" % kv for kv in sorted(c.config.items()))
            self.write("cfg.lua", "return { rules = { %s } }\n" % items)
        if c.setup:
            c.setup(self)

    def write(self, rel, content):
        p = os.path.join(self.tmp, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(content.encode() if isinstance(content, str) else content)

    def def_line(self):
        """The line of the attack file where rule 'attack' is registered."""
        p = os.path.join(self.tmp, self.attack_file)
        with open(p, "rb") as f:
            for i, l in enumerate(f.read().split(b"\n"), 1):
                if b'name = "attack"' in l:
                    return i - (0 if l.lstrip().startswith((b"rule", b"diagnose", b"suppress"))
                                else 1)
        return -1

    def attack_lines(self):
        p = os.path.join(self.tmp, self.attack_file)
        if not os.path.exists(p):
            return 10 ** 9
        with open(p, "rb") as f:
            return f.read().count(b"\n") + 1

    def run(self, args):
        before = snapshot(self.tmp)
        rc, out, err, dt = run_cmd([HOOKLINE] + args, self.tmp, self.c.timeout)
        self.log.append("%s %.2f s" % (" ".join(args[:2]), dt))
        after = snapshot(self.tmp)
        added, removed, changed = diff_snap(before, after)
        expect(not (added or removed or changed),
               "`%s` touched files outside out/: added %s removed %s changed %s"
               % (" ".join(args[:2]), added, removed, changed))
        expect(not os.path.exists(self.canary), "the canary %s exists" % self.canary)
        return rc, out, err

    # -------------------------------------------------------------------- checks

    def check_error_entry(self, errors, where):
        """The attack's error in briefs.json rule_errors (or in the rules-test output)."""
        c = self.c
        attack_errs = [e for e in errors if e.get("file") == self.attack_file or
                       (c.files and e.get("file") in c.files)]
        others = [e for e in errors if e not in attack_errs]
        expect(not others, "%s: errors from other files: %s" % (where, others[:3]))
        if c.error is None:
            expect(not attack_errs, "%s: unexpected rule errors: %s" % (where, attack_errs[:3]))
            return None
        if c.error is OPTIONAL and not attack_errs:
            return None
        expect(attack_errs, "%s: the attack's error is missing from rule_errors" % where)
        for e in attack_errs:
            msg = e.get("message") or ""
            expect(len(msg) < 5000, "%s: a %d-byte error message" % (where, len(msg)))
            expect(len(e.get("traceback") or "") < 10000, "%s: a huge traceback" % where)
        e = attack_errs[0]
        msg = e["message"]
        line = e.get("line")
        if c.line is not None:
            expect(isinstance(line, int) and 1 <= line <= self.attack_lines(),
                   "%s: no line of the attack file: %s" % (where, e))
        if isinstance(c.line, int) and c.load:
            expect(line == c.line, "%s: line %s, expected %d: %s" % (where, line, c.line, e))
        if isinstance(c.line, int) and not c.load:
            # where the error was raised, or where the rule is defined (budget, memory)
            expect(line in (c.line, self.def_line()), "%s: line %s, expected %d: %s"
                   % (where, line, c.line, e))
        if c.load:
            expect(e.get("rule") is None, "%s: a load problem names a rule: %s" % (where, e))
            pat = c.error
        else:
            expect(e.get("rule") == ATTACK, "%s: error not attributed to rule 'attack': %s"
                   % (where, e))
            prefix = "%s:%d: rule 'attack': " % (e["file"], e["line"])
            expect(msg.startswith(prefix), "%s: message %r does not start with %r"
                   % (where, msg[:300], prefix))
            msg = msg[len(prefix):]
            pat = c.error
        if pat is not OPTIONAL:
            expect(re.search(pat, msg), "%s: message %r does not match /%s/"
                   % (where, msg[:300], pat))
        return e

    def check_healthy(self, briefs, findings):
        weak = sorted(d["ad_id"] for d in findings["diagnoses"]
                      if d["code"] == "weak_hook" and d.get("level", "ad") == "ad")
        expect(weak, "the fixture has no weak_hook ad")
        mine = [b for b in briefs if b.get("rule", "").endswith("m_healthy.lua:healthy")]
        if not self.c.healthy:
            return
        got = sorted(b["ad_id"] for b in mine)
        expect(got == weak, "the healthy rule produced briefs for %s, expected %s"
               % (got, weak))
        for b in mine:
            m = HEALTHY_TITLE.match(b["title"])
            expect(m and m.group(1) == b["ad_id"], "healthy brief title tampered with: %r"
                   % b["title"])
            expect([a["type"] for a in b["actions"]] == ["new_hook"], "healthy actions: %s"
                   % b["actions"])

    def analyze(self):
        c = self.c
        args = ["analyze", "--input", EXPORT, "--out", "out", "--rules", "pack"]
        if c.config:
            args += ["--config", "cfg.lua"]
        rc, out, err = self.run(args)
        bj = os.path.join(self.tmp, "out", "briefs.json")
        expect(rc in (0, 1), "analyze exited %d:\n%s" % (rc, err[-2000:]))
        expect(os.path.exists(bj), "analyze wrote no briefs.json (rc %d):\n%s" % (rc, err[-2000:]))
        with open(bj) as f:
            briefs = json.load(f)
        with open(os.path.join(self.tmp, "out", "findings.json")) as f:
            findings = json.load(f)
        errors = briefs.get("rule_errors", [])
        e = self.check_error_entry(errors, "analyze briefs.json")
        if c.error is None:
            expect(rc == 0, "analyze exited %d without rule errors" % rc)
        elif e is not None:
            expect(rc == 1, "analyze exited %d after a rule failure (expected 1)" % rc)
            first = e["message"].splitlines()[0] if e["message"] else ""
            expect(first[:200] in err, "analyze stderr lacks the error %r:\n%s"
                   % (first[:200], err[-2000:]))
        self.check_healthy(briefs["briefs"], findings)
        if c.check:
            c.check(self, briefs, findings, err)
        self.briefs, self.findings = briefs, findings
        return briefs

    def rules_check(self):
        c = self.c
        rc, out, err = self.run(["rules", "check", "pack"] + self.instructions())
        if c.check_rc is not None:
            expect(rc in c.check_rc, "rules check exited %d, expected %s:\n%s"
                   % (rc, c.check_rc, err[-2000:]))
            return
        if c.load and c.error is not None:
            expect(rc == 2, "rules check exited %d on a bad file (expected 2):\n%s"
                   % (rc, err[-1500:]))
            if isinstance(c.line, int):
                loc = re.escape(self.attack_file) + ":%d: " % c.line
            elif c.line == "any":
                loc = re.escape(self.attack_file) + r":\d+: "
            else:
                loc = re.escape(self.attack_file) + r"(:\d+)?: "
            pat = c.error if c.error is not OPTIONAL else ""
            expect(re.search("^" + loc + ".*" + pat, err, re.M),
                   "rules check stderr lacks '%s:LINE: /%s/':\n%s"
                   % (self.attack_file, pat, err[-1500:]))
        else:
            expect(rc == 0, "rules check exited %d:\n%s" % (rc, err[-1500:]))
        expect(re.search(r"\d+ rules?, \d+ problems? in pack", out), "rules check summary: %r"
               % out)

    def rules_test(self):
        """A data-driven test on the findings analyze wrote: the healthy briefs are expected."""
        c = self.c
        weak = sorted(d["ad_id"] for d in self.findings["diagnoses"]
                      if d["code"] == "weak_hook" and d.get("level", "ad") == "ad")
        test = {"name": "healthy briefs", "findings_file": "../../out/findings.json",
                "expect": [{"ad_id": a, "code": "weak_hook", "actions": ["new_hook"],
                            "title_contains": "healthy " + a} for a in weak if c.healthy]}
        self.write("pack/tests/healthy.json", json.dumps(test))
        rc, out, err = self.run(["rules", "test", "pack"] + self.instructions())
        fails = [l for l in out.splitlines() if l.startswith("FAIL")]
        other = [l for l in fails if "rule error:" not in l]
        if c.healthy:
            expect(not other, "rules test: the healthy expectations failed: %s" % other[:3])
        attack = [l for l in fails if "rule error:" in l]
        if c.error is None:
            expect(rc == 0 and not fails, "rules test exited %d: %s" % (rc, fails[:3]))
        elif c.error is not OPTIONAL:
            expect(rc == 1, "rules test exited %d after a rule failure (expected 1)" % rc)
            expect(attack, "rules test reported no rule error:\n%s" % out[-1500:])
        else:
            expect(rc in (0, 1), "rules test exited %d" % rc)

    def instructions(self):
        """rules check/test take no config: the budget goes on the command line."""
        n = (self.c.config or {}).get("instructions")
        return ["--instructions", str(n)] if n else []

    def go(self):
        self.write_pack()
        self.analyze()
        self.rules_check()
        if self.c.ruletest:
            self.rules_test()


# ------------------------------------------------------------------------------------ the cases
# Lowered limits for budget and memory cases: they must take milliseconds, not seconds.
FAST = {"instructions": 100000}
SMALLMEM = {"memory_mb": 16}

BUDGET = r"instruction budget exceeded"
MEMORY = r"memory limit exceeded|not enough memory"
R = r"^[^\n]*"  # anything on the line

# --- the outside world: files, programs, native code, code loading
case("os_execute", '    os.execute("touch @CANARY@")', error=r"global 'os'")
case("io_open_read", '    local f = io.open("/etc/passwd") return { title = f:read("a") }',
     kind="when", error=r"global 'io'")
case("io_open_write", 'local f = io.open("@CANARY@", "w") f:write("x") f:close()',
     kind="toplevel", error=r"global 'io'")
case("io_via_require", '    local io = require("io") io.open("@CANARY@", "w"):close()',
     kind="diagnose", error=r"global 'require'")
case("require_os", 'local os = require("os") os.execute("touch @CANARY@")',
     kind="toplevel", error=r"global 'require'")
case("package_loadlib", '    local f = package.loadlib("libc.so.6", "system") f("touch @CANARY@")',
     kind="suppress", error=r"global 'package'")
case("dofile", '    return dofile("@TMP@/evil.lua")', error=r"global 'dofile'",
     files={"evil.lua": 'io.open("@CANARY@", "w"):close()\n'})
case("loadfile", 'local f = loadfile("@TMP@/evil.lua") f()', kind="toplevel",
     error=r"global 'loadfile'", files={"evil.lua": 'io.open("@CANARY@", "w"):close()\n'})
case("load_text", '    return load("return 1")()', kind="when", error=r"global 'load'")
case("load_string_dump", '    return load(string.dump(function() end))()',
     error=r"field 'dump'|global 'load'")
case("string_dump_method", '    local s = ("").dump return s(function() end)',
     kind="diagnose", error=r"attempt to call a nil value")
case("loadstring_module", '    return (loadstring or module or warn or print)("x")',
     error=r"attempt to call a nil value")
case("debug_library", '    debug.sethook() return debug.getregistry()', error=r"global 'debug'")
case("coroutine_loop",
     '    coroutine.wrap(function() while true do coroutine.yield() end end)()',
     error=r"global 'coroutine'")
case("coroutine_toplevel", 'local co = coroutine.create(function() while true do end end)',
     kind="toplevel", error=r"global 'coroutine'")

# --- escaping the environment, tampering with shared tables
case("setmetatable_G", 'setmetatable(_G, {})', kind="toplevel",
     error=r"global 'setmetatable'")
case("setmetatable_ENV", '    setmetatable(_ENV, { __index = function() return 1 end })',
     error=r"global 'setmetatable'")
case("string_metatable", '    getmetatable("").__index.upper = nil',
     error=r"global 'getmetatable'")
case("string_format_nil", '    string.format = nil', kind="diagnose",
     error=r"read-only")
case("string_upper_replace", 'string.upper = function() return "pwned" end', kind="toplevel",
     error=r"read-only")
case("G_hl", '    _G.hl = {}', error=r"global '_G'")
case("hl_global_assign", '    hl = { pct = function() return "pwned" end }', kind="when",
     error=r"assignment to undeclared global 'hl'")
case("hl_pct_nil", '    hl.pct = nil', kind="suppress", error=r"read-only")
case("hl_action_types", '    hl.action_types[1] = "pwned"', error=r"read-only")
case("rawset", '    rawset(_G, "x", 1)', error=r"global 'rawset'")
case("rawset_toplevel", 'rawset(string, "upper", nil)', kind="toplevel",
     error=r"global 'rawset'")
case("collectgarbage", 'collectgarbage("collect")', kind="toplevel",
     error=r"global 'collectgarbage'")
case("collectgarbage_run", '    collectgarbage("stop")', kind="diagnose",
     error=r"global 'collectgarbage'")
case("frozen_table_leak_via_pairs", """\
    -- __pairs of the read-only library proxies must not hand out the real tables
    local _, s = pairs(string)
    local _, h = pairs(hl)
    local _, m = pairs(math)
    s.upper = function() return "pwned" end
    s.format = function() return "pwned" end
    h.pct = function() return "pwned" end
    m.floor = nil""", error=OPTIONAL)

# --- time
case("infinite_loop", '    while true do end', config=FAST, error=BUDGET)
case("infinite_loop_default_budget", '    while true do end', on=("no_delivery",),
     error=BUDGET, note="the default budget (10 million) on one call")
case("infinite_loop_toplevel", 'while true do end', kind="toplevel", config=FAST,
     error=BUDGET, line=None)  # the line: budget_line_toplevel
case("pcall_loop", '    while true do pcall(function() while true do end end) end',
     config=FAST, error=BUDGET)
case("pcall_loop_when", '    while true do pcall(function() while true do end end) end',
     kind="when", config=FAST, error=BUDGET)
case("xpcall_handler_loop", """\
    while true do
      xpcall(function() while true do end end, function() while true do end end)
    end""", kind="diagnose", config=FAST, error=BUDGET)
case("pcall_error_loop", '    while true do pcall(error, "x") end', kind="suppress",
     config={"instructions": 20000}, error=BUDGET)
case("budget_line_toplevel", 'local n = 0\nwhile true do n = n + 1 end', kind="toplevel",
     config=FAST, error=BUDGET, line="any")
case("pattern_backtracking", '    return string.find(string.rep("a", 1e5), ".-.-.-.-b")',
     error=r"pattern too complex")
case("pattern_gmatch_gsub", """\
    local s = string.rep("a", 1e5)
    for _ in s:gmatch("a-a-a-b") do end
    return (s:gsub(".-.-.-b", ""))""", kind="when", error=r"pattern too complex")
case("pattern_quadratic", '    return string.find(string.rep("a", 3e5), ".-b")',
     on=("no_delivery",), error=OPTIONAL)
case("pattern_long_literal",
     '    return string.find(string.rep("a", 1e6), string.rep("a", 3e4) .. "[b]")',
     on=("no_delivery",), error=OPTIONAL)
case("pattern_balance", '    return string.find(string.rep("(", 3e5), "%b()")', on=("no_delivery",),
     error=OPTIONAL)
case("rep_empty_huge", '    return ("").rep("", math.maxinteger)', on=("no_delivery",),
     error=OPTIONAL)
case("table_move_huge", '    table.move({}, 1, 2^53, 1)', on=("no_delivery",),
     error=OPTIONAL)
# found by fuzz_rules: the range check computed 0 - mininteger in signed arithmetic (UBSan)
case("table_move_mininteger", '    table.move({}, math.mininteger, 0, 1)', on=("no_delivery",),
     error="range of more than")
case("c_work_loop", '    while true do local s = ("x"):rep(2e7) end', on=("no_delivery",),
     config=FAST, error=OPTIONAL)

# --- memory
case("memory_table", '    local t = {} while true do t[#t + 1] = t end', config=SMALLMEM,
     error=MEMORY, on=("no_delivery", "winner"))
case("memory_table_default_cap", '    local t = {} while true do t[#t + 1] = t end',
     on=("no_delivery",), error=MEMORY + "|" + BUDGET)
case("memory_strings_toplevel",
     'local t = {} while true do t[#t + 1] = ("x"):rep(1e6 - 7) .. #t end', kind="toplevel",
     config=SMALLMEM, error=MEMORY, line=None)
case("memory_pcall_catch", """\
    while true do
      pcall(function() local t = {} while true do t[#t + 1] = {} end end)
    end""", on=("no_delivery",), config={"instructions": 1000000, "memory_mb": 4},
     error=MEMORY + "|" + BUDGET)
case("rep_2_31", '    return string.rep("x", 2^31)', error=r"too large|" + MEMORY)
case("rep_1e9", '    return ("x"):rep(1e9)', kind="diagnose", error=MEMORY)
case("rep_sep_huge", '    return ("x"):rep(1e5, ("y"):rep(1e5))', kind="when",
     error=r"too large|" + MEMORY)
case("concat_huge", """\
    local t = {}
    for i = 1, 100 do t[i] = ("x"):rep(1e6) end
    return { title = table.concat(t) }""", on=("no_delivery",), config=SMALLMEM, error=MEMORY)
case("memory_hoard_starves_others", """\
    -- keeps everything it allocates in a file-level table, then hits the cap
    while true do HOARD[#HOARD + 1] = ("x"):rep(1000) .. #HOARD end""",
     on=("weak_hook", "loser"), config=SMALLMEM, error=MEMORY,
     setup=lambda r: r.write(r.attack_file, "local HOARD = {}\n" +
                             open(os.path.join(r.tmp, r.attack_file)).read()),
     line="any")
case("oom_at_cap_host_reads", None, config={"memory_mb": 1}, error=OPTIONAL, files={
    "pack/a_attack.lua": """\
-- fills the state to the cap with reachable objects (catching the memory errors), then returns
-- a brief: the host must read it (and push the next call's ctx) without an unprotected error
local node = false
local keep = { false, false, false, false }
local slots = {}
for i = 1, 4000 do slots[i] = false end
local R = { title = "t", actions = { { type = "new_hook", instructions = "x" } } }
local function fill() while true do node = { node } end end
local function fill2(i) slots[i] = string.char(i % 256, (i // 256) % 256, 7) end
rule { name = "attack", on = { "weak_hook" }, run = function(ctx)
  keep[1] = ctx
  pcall(fill)
  for i = 1, 4000 do if not pcall(fill2, i) then break end end
  return R
end }
"""})
case("memory_hoard_at_load", None, config={"memory_mb": 2}, error=OPTIONAL, line=None, files={
    "pack/a_attack.lua": """\
-- fills the state at load time (catching the memory errors) and keeps it all reachable: big
-- pieces first, then smaller ones, up to the cap
local keep, node = {}, false
local function fill(size) while true do keep[#keep + 1] = ("x"):rep(size) .. #keep end end
rule { name = "attack", on = { "loser" }, run = function(ctx) return keep and node and nil end }
pcall(fill, 1e6 - 16)
pcall(fill, 1e4)
pcall(fill, 100)
pcall(function() while true do node = { node } end end)
"""}, check_rc=(0, 2))

# --- the C stack and the Lua stack
case("stack_overflow", '    local function f() return f() + 1 end return f()',
     on=("no_delivery",), config=SMALLMEM, error=r"stack overflow|" + MEMORY)
case("c_stack_overflow_pcall",
     '    local function f() local ok, e = pcall(f) error(e, 0) end f()',
     kind="when", error=r"stack overflow|error in error handling|" + MEMORY)
case("c_stack_overflow_gsub", '    local function f(s) return (s:gsub(".", f)) end return f("ab")',
     error=r"stack overflow|error in error handling")
case("c_stack_overflow_sort", """\
    local function f() table.sort({ 3, 2, 1 }, function(a, b) f() return a < b end) end
    f()""", kind="diagnose", error=r"stack overflow|error in error handling")
case("unpack_huge", '    return table.unpack({}, 1, 1e8)', error=r"too many results")
case("select_huge", '    return select("#", table.unpack({}, 1, 1e6))',
     error=r"too many results|stack overflow|" + MEMORY)

# --- what rules return
case("return_deep_table", '    local t = {} for i = 1, 10000 do t = { t } end return t',
     error=r"title is missing")
case("return_deep_details", """\
    local d = {}
    local b = { title = "t", actions = { { type = "new_hook", instructions = "x", details = d } } }
    for i = 1, 10000 do d.x = {} d = d.x end
    return b""", error=r"details\.x must be")
case("return_deep_diagnosis", """\
    local t = { code = "acme.deep", summary = "s" }
    local e = t for i = 1, 2000 do e.effect = {} e = e.effect end
    return t""", kind="diagnose", error=r"effect must be a number")
case("return_env_and_proxies", """\
    return { title = "t", actions = { _ENV, hl.action_types, string } }""",
     error=r"actions\[1\]\.type is missing")
case("return_proxy_as_actions", '    return { title = "t", actions = hl.action_types }',
     error=r"actions must hold")
case("return_view", '    return ctx', error=r"returned a userdata")
case("return_view_in_brief", """\
    return { title = "t", actions = { { type = "new_hook", instructions = ctx.ad.name,
             details = { x = ctx.ad } } } }""", error=r"details\.x must be")
case("return_view_as_list", '    return { ctx.ad, ctx.peers }', error=r"not a brief table")
case("return_stale_view", """\
    if KEPT[1] then return KEPT[1] end
    KEPT[1] = ctx.comparisons""", error=r"returned a userdata",
     setup=lambda r: r.write(r.attack_file, "local KEPT = {}\n" +
                             open(os.path.join(r.tmp, r.attack_file)).read()), line="any")
case("return_function", """\
    return { title = function() end, actions = { { type = "new_hook", instructions = "x" } } }""",
     error=r"title must be a string, not a function")
case("return_function_top", '    return function() end', kind="diagnose",
     error=r"returned a function")
case("return_nan", """\
    return { title = "t", priority = 0/0,
             actions = { { type = "new_hook", instructions = "x" } } }""",
     error=r"priority is not a finite number")
case("return_huge", """\
    return { title = "t", actions = { { type = "new_hook", instructions = "x",
             hypothesis = { metric = "ctr", baseline = math.huge, expected_lift = 0.1 } } } }""",
     error=r"baseline is not a finite number")
case("return_nan_variants", """\
    return { title = "t", actions = { { type = "new_hook", instructions = "x",
             variants = 0/0 } } }""", kind="run", error=r"variants")
case("return_huge_lift", """\
    return { title = "t", hypothesis = { metric = "hook_rate", baseline = 0.1,
             expected_lift = -math.huge }, actions = { { type = "new_hook", instructions = "x" } } }""",
     error=r"expected_lift")
case("return_bad_strings", """\
    return { title = "a\\0b", actions = { { type = "new_hook", instructions = "x" } } }""",
     error=r"NUL byte")
case("return_long_string", """\
    return { title = ("x"):rep(5000), actions = { { type = "new_hook", instructions = "x" } } }""",
     error=r"longer than 4000 bytes")
case("return_nan_diagnosis", '    return { code = "acme.nan", summary = "s", effect = 0/0 }',
     kind="diagnose", error=r"effect is not a finite number")
case("return_bad_suppression", '    return { { code = ctx.ad, reason = 0/0 } }',
     kind="suppress", error=r"code must be a string")
case("thousand_briefs", """\
    local r = {}
    for i = 1, 1000 do
      r[i] = { title = "t" .. i, actions = { { type = "new_hook", instructions = "x" } } }
    end
    return r""", error=r"1000 briefs")
case("thousand_actions", """\
    local a = {}
    for i = 1, 1000 do a[i] = { type = "new_hook", instructions = "x" } end
    return { title = "t", actions = a }""", kind="run", error=r"1 to 20 actions")
case("details_flood", """\
    local d = {}
    for i = 1, 10000 do d["k" .. i] = i end
    return { title = "t", actions = { { type = "new_hook", instructions = "x", details = d } } }""",
     error=r"more than \d+ entries")
case("diagnose_flood", """\
    local r = {}
    for i = 1, 100 do r[i] = { code = "acme.flood", summary = "s" .. i, effect = 0 } end
    return r""", kind="diagnose", error=OPTIONAL)
case("suppress_flood", """\
    local r = {}
    for i = 1, 200 do r[i] = { code = "acme.none" .. i, reason = "r" } end
    return r""", kind="suppress", error=None)

# --- errors
case("syntax_error", 'local x = = 1', kind="toplevel", error=r"unexpected symbol")
case("load_error_location_in_analyze", 'local x = = 1', kind="toplevel", error=r"unexpected symbol",
     check=lambda r, b, f, e: expect(
         re.search(r"^pack/a_attack\.lua:6: .*unexpected symbol", e, re.M),
         "analyze's stderr names the load problem without its file:line:\n%s" % e[-800:]))
case("syntax_error_unfinished", 'rule { name = "x", run = function() ', kind="toplevel",
     error=r"expected|<eof>", line="any")
case("runtime_error_traceback", None, error=r"boom in helper", line=4, files={
    "pack/a_attack.lua": """\
-- a runtime error two helpers deep: the report has file:line and a traceback
local function inner(x)
  local y = x * 2
  error("boom in helper " .. y)
end
local function outer(x) local r = inner(x + 1) return r end
rule { name = "attack", on = { "weak_hook" }, run = function(ctx) return outer(1) end }
"""}, check=lambda r, b, f, e: expect(
    any("stack traceback" in (x.get("traceback") or "") and
        re.search(r"a_attack\.lua:4: in (upvalue|local|function) '?inner", x["traceback"] or "")
        and "a_attack.lua:6:" in (x.get("traceback") or "")
        for x in b["rule_errors"]),
    "no traceback through inner (line 4) and outer (line 6): %s" % b["rule_errors"][:1]))
case("runtime_error_toplevel", 'local t = nil\nlocal x = t.field', kind="toplevel",
     error=r"attempt to index a nil value", line=BODY_LINE + 1)
case("huge_error", '    error(string.rep("x", 1e6))', error=r"^x+")
case("huge_error_toplevel", 'error(string.rep("y", 1e6))', kind="toplevel", error=r"y+")
case("error_table", '    error({})', error=r"error object is a table value")
case("error_nil", '    error()', kind="when", error=r"error object is a nil value")
case("error_view", '    error(ctx.ad)', kind="diagnose", error=r"error object is a userdata")
case("error_number", '    error(42, 0)', kind="suppress", error=r"42")
case("tostring_views", """\
    hl.log(ctx, ctx.ad, ctx.peers, ctx.comparisons, {}, nil, 1/0, 0/0, ("z"):rep(100))
    local s = tostring(ctx) .. tostring(ctx.ad.counters) .. string.format("%s", ctx.diagnoses)
    local t = {} for i = 1, 200 do t = { t } end
    hl.log(t)
    error(s)""", error=r"hookline ctx view")
case("binary_chunk", None, load=True, line=None,
     error=r"binary \(precompiled\) chunks are not allowed", files={
         # a Lua 5.4 chunk header (signature, version 0x54, format 0, LUAC_DATA, sizes,
         # LUAC_INT, LUAC_NUM) and a truncated body: refused before it is looked at
         "pack/a_attack.lua": b"\x1bLua\x54\x00\x19\x93\r\n\x1a\n\x04\x08\x08" +
         (0x5678).to_bytes(8, "little") + bytes.fromhex("0000000000287740") +
         b"\x01\x02\xff\xff\xff\xff\x7f\x00\x00\x41\x41\x41" * 20})
case("binary_chunk_in_string", """\
    local s = "\\27Lua\\84"
    return { title = s, actions = { { type = "new_hook", instructions = "x" } } }""",
     error=None, healthy=True, check=lambda r, b, f, e: expect(
         any(x["title"].startswith("\x1bLua") for x in b["briefs"]),
         "a text file with bytecode bytes in a string is valid"))
case("big_file", None, load=True, line=None, error=r"larger than", files={
    "pack/a_attack.lua": "-- " + "x" * (5 << 20) + "\n"})
case("nul_in_source", None, load=True, error=r"unexpected symbol", files={
    "pack/a_attack.lua": b"rule { name = \"attack\", on = { \"loser\" },\n\x00\x00 run = 1 }\n"})
case("global_assignment_toplevel", 'x = 1', kind="toplevel",
     error=r"assignment to undeclared global 'x'")
case("global_assignment_run", '    counter = (counter or 0) + 1', kind="diagnose",
     error=r"assignment to undeclared global 'counter'")
case("global_function_toplevel", 'function helper() end', kind="toplevel",
     error=r"assignment to undeclared global 'helper'")

# --- views
case("modify_view", '    ctx.ad.name = "x"', error=r"read-only")
case("modify_view_ctx", '    ctx.extra = 1', kind="when", error=r"read-only")
case("modify_view_comparison", '    ctx.comparisons.hook_rate.value = 0', error=r"read-only")
case("modify_view_counters", '    ctx.ad.counters.spend = 0', kind="diagnose",
     error=r"read-only")
case("modify_view_learnings", '    ctx.learnings.x = 1', kind="suppress", error=r"read-only")
# a misspelt field is an error naming the field and the nearest one, not a silent nil
case("view_unknown_field", '    return { title = "x" .. tostring(ctx.comparision) }',
     error=r"no field 'comparision' in a ctx view \(did you mean 'comparisons'\?\)")
case("view_unknown_field_comparison",
     '    local c = ctx.comparisons.hook_rate\n    return { title = tostring(c and c.decison) }',
     error=r"no field 'decison' in a comparison view \(did you mean 'decision'\?\)")
case("view_kept", """\
    if KEPT.ad then return { title = KEPT.ad.name } end
    KEPT.ad = ctx.ad""", error=r"view from an earlier call",
     setup=lambda r: r.write(r.attack_file, "local KEPT = {}\n" +
                             open(os.path.join(r.tmp, r.attack_file)).read()), line="any")
case("view_kept_pairs", """\
    if KEPT.c then for k, v in pairs(KEPT.c) do end end
    KEPT.c = ctx.ad.counters""", kind="diagnose", error=r"view from an earlier call",
     setup=lambda r: r.write(r.attack_file, "local KEPT = {}\n" +
                             open(os.path.join(r.tmp, r.attack_file)).read()), line="any")
case("view_kept_len", """\
    if KEPT.p then return #KEPT.p end
    KEPT.p = ctx.peers""", kind="when", error=r"view from an earlier call",
     setup=lambda r: r.write(r.attack_file, "local KEPT = {}\n" +
                             open(os.path.join(r.tmp, r.attack_file)).read()), line="any")
case("view_edges", """\
    -- odd keys on every view: nil or an error, never a crash
    local n = 0
    local function try(f) local ok = pcall(f) n = n + (ok and 1 or 0) end
    try(function() return ctx.peers[math.mininteger] end)
    try(function() return ctx.peers[math.maxinteger] end)
    try(function() return ctx.peers[0] end)
    try(function() return ctx.peers[1.5] end)
    try(function() return ctx.ads[1] end)
    try(function() return ctx.ads[{}] end)
    try(function() return ctx.ads[("9"):rep(5000)] end)
    try(function() return ctx.ad.counters[true] end)
    try(function() return ctx.ad.metrics[ctx] end)
    try(function() return ctx.comparisons[1] end)
    try(function() return ctx.comparisons.no_such_metric end)
    try(function() return ctx.trends[math.huge] end)
    try(function() return ctx.diagnoses[-1] end)
    try(function() return ctx.diagnosis.evidence[1000000000000000000] end)
    try(function() return ctx.diagnosis.related_ad_ids[1 << 40] end)
    try(function() for k, v in pairs(ctx.ad.counters) do end end)
    try(function() for k, v in pairs(ctx.ad.metrics) do end end)
    try(function() for k, v in pairs(ctx.diagnosis.evidence) do local _ = v.metric end end)
    try(function() for k, v in pairs(ctx.peers) do local _ = v.id .. #v.name end end)
    try(function() for k, v in pairs(ctx.diagnoses) do local _ = v.code end end)
    try(function() for i, v in ipairs(ctx.peers) do local _ = v.counters.spend end end)
    try(function() return next(ctx) end)
    try(function() return #ctx end)
    try(function() return #ctx.ad end)
    try(function() return ctx < ctx end)
    try(function() return ctx .. "" end)
    try(function() return ctx() end)
    try(function() return -ctx end)
    try(function() local mt = ctx.ad.__index return mt end)
    try(function() local f = pairs(ctx) return f(ctx, "zz") end)
    try(function() local f = pairs(ctx.ad.counters) return f(ctx.ad.counters, 42) end)
    try(function() local f = pairs(ctx.ad.counters) return f(ctx.peers, "spend") end)
    try(function() local f = pairs(ctx.peers) return f(ctx.ad.counters, math.maxinteger) end)
    try(function() local f = pairs(ctx.peers) return f(ctx.peers, math.maxinteger) end)
    try(function() local f = pairs(ctx.diagnoses) return f(ctx.diagnoses, math.maxinteger) end)
    try(function() return ctx.subject.ad_id .. ctx.as_of .. tostring(ctx.currency) end)
    return nil""", error=None)
case("hl_edges", """\
    local n = 0
    local function try(f, ...) local ok = pcall(f, ...) n = n + (ok and 1 or 0) end
    for _, x in ipairs({ 0, -0.0, 1e308, -1e308, math.huge, -math.huge, 0/0, 2^63,
                         math.maxinteger, math.mininteger, 1e-320 }) do
      for _, d in ipairs({ 0, 10, 11, -1, math.maxinteger, math.mininteger, 2^53, 1.5 }) do
        try(hl.pct, x, d) try(hl.signed_pct, x, d) try(hl.num, x, d)
      end
      try(hl.money, x, ("X"):rep(100)) try(hl.money, x, "USD") try(hl.money, x, {})
      for _, l in ipairs({ 0, -1, -2, 1e308, 0/0, 1e-300, math.mininteger }) do
        try(hl.power, x, l)
        try(hl.power, 0.5, l, { alpha = x, power = x })
        try(hl.power, x, l, { alpha = 1e-300, power = 1 - 1e-16 })
      end
    end
    try(hl.power) try(hl.pct, "12") try(hl.pct, ctx) try(hl.log) try(hl.now, 1, 2, 3)
    try(hl.log, ("x"):rep(100), ctx, nil, {})
    error("done " .. n)""", error=r"done \d+")
case("lib_edges", """\
    local n = 0
    local function try(f, ...) local ok = pcall(f, ...) n = n + (ok and 1 or 0) end
    try(string.format, "%99999d", 1) try(string.format, "%.99f", 1) try(string.format, "%q", 0/0)
    try(string.format, "%a", math.mininteger) try(string.format, "%c", 2^40)
    try(string.format, "%s", setmetatable) try(string.format, ("%s"):rep(300))
    try(string.pack, "i16", math.mininteger) try(string.pack, "!17i", 1)
    try(string.pack, "s1", ("x"):rep(300)) try(string.unpack, "z", "abc", 1e9)
    try(string.unpack, "i4", "abc", math.mininteger) try(string.packsize, "i0")
    try(string.packsize, ("i16"):rep(1e5))
    try(string.byte, ("x"):rep(1e6), 1, -1) try(string.char, 256) try(string.char, -1)
    try(string.sub, "abc", math.mininteger, math.maxinteger) try(string.rep, "x", -1)
    try(utf8.char, 0x7FFFFFFF) try(utf8.char, 0x80000000) try(utf8.char, -1)
    try(utf8.codepoint, ("x"):rep(1e6), 1, -1) try(utf8.len, "abc", math.mininteger)
    try(utf8.offset, "abc", math.maxinteger) try(utf8.offset, "abc", math.mininteger)
    try(utf8.codes, "\\xff\\xfe") try(function() for p, c in utf8.codes("a\\xffb") do end end)
    try(table.insert, {}, math.maxinteger, 1) try(table.insert, {}, 1, 2, 3)
    try(table.remove, {}, math.mininteger) try(table.concat, {}, "", math.mininteger, math.maxinteger)
    try(table.concat, { {} }) try(table.move, {}, math.mininteger, -1, 1)
    try(table.move, { 1 }, 1, math.maxinteger, 2) try(table.unpack, {}, math.mininteger, math.maxinteger)
    try(table.sort, { 3, 1, 2 }, function() return true end)
    try(table.sort, { 3, 1, 2, 5, 4, 7, 6, 9, 8, 10, 12, 11 }, function(a, b) error("x") end)
    try(math.random, math.mininteger, math.maxinteger) try(math.random, 0) try(math.random, 2, 1)
    try(math.random, 1, 2, 3) try(math.tointeger, 2^63) try(math.fmod, math.mininteger, -1)
    try(math.fmod, 1, 0) try(function() return math.mininteger // -1 end)
    try(function() return math.mininteger % -1 end) try(function() return 1 // 0 end)
    try(function() return math.ult(math.mininteger, -1) end)
    try(tonumber, "0x" .. ("f"):rep(1000)) try(tonumber, "z", 36) try(tonumber, "1", 99)
    try(tostring, nil) try(select, math.mininteger, 1) try(select, -1) try(select, 2^31)
    try(ipairs) try(next, {}, "nokey") try(assert, false, {}) try(assert)
    error("done " .. n)""", kind="when", error=r"done \d+")

# --- registration
case("register_at_runtime", """\
    rule { name = "late", on = { "weak_hook" }, run = function(c)
      return { title = "late", actions = { { type = "new_hook", instructions = "x" } } } end }""",
     error=r"may only be called when a rule file loads")
case("register_via_diagnose_at_runtime",
     '    suppress { name = "late2", run = function() return nil end }', kind="diagnose",
     error=r"may only be called when a rule file loads")
case("same_name_same_file", """\
rule { name = "attack", on = { "loser" }, run = function() end }
rule { name = "attack", on = { "loser" }, run = function() end }""", kind="toplevel",
     error=r"already exists", line=BODY_LINE + 1)
case("same_name_other_file", None, load=True, error=r"a rule named 'healthy' already exists",
     order="z", files={
         "pack/z_attack.lua": """\
-- claims the healthy rule's name: this file must fail, the healthy rule keep working
rule { name = "healthy", on = { "weak_hook" }, run = function(ctx)
  return { title = "impostor", actions = { { type = "pause_ad", instructions = "x" } } } end }
"""}, line=2)
case("bad_registration", 'rule { name = ("n"):rep(10000), on = { "loser" }, run = print }',
     kind="toplevel", error=r"'name' must be a string")
case("bad_registration_on", """\
local codes = {} for i = 1, 1000 do codes[i] = "acme.c" .. i end
rule { name = "many", on = codes, run = function() end }""", kind="toplevel",
     error=r"more than 64 codes", line=BODY_LINE + 1)
case("bad_registration_when", 'rule { name = "w", on = { "loser" }, when = 1, run = function() end }',
     kind="toplevel", error=r"'when' must be a function")
case("register_in_pcall", """\
local ok = pcall(rule, { name = "bad name!", run = function() end })
rule { name = "x", on = { "loser" }, run = 5 }""", kind="toplevel",
     error=r"'run' must be a function", line=BODY_LINE + 1)

# --- the config file goes through the same sandbox


def _config_case(name, src, pat):
    def setup(r):
        r.write("cfg.lua", src.replace("@CANARY@", r.canary))
    CASES.append(Case("config_" + name, None, config=None, error=None, setup=setup,
                      check=None, healthy=True))
    CASES[-1].config_attack = (pat,)


_config_case("os_execute", 'os.execute("touch @CANARY@") return {}\n', r"global 'os'")
_config_case("io_open", 'io.open("@CANARY@", "w"):close() return {}\n', r"global 'io'")
_config_case("infinite_loop", 'while true do end\n', r"instruction budget exceeded")
_config_case("memory", 'local t = {} while true do t[#t+1] = ("x"):rep(1000) .. #t end\n',
             r"memory limit exceeded|not enough memory")
_config_case("syntax_error", 'return { rules = { instructions = = 1 } }\n', r"unexpected symbol")
_config_case("unknown_key", 'return { rules = { instrucions = 5 } }\n',
             r"did you mean 'rules.instructions'")
_config_case("nan", 'return { rules = { instructions = 0/0 } }\n', r"must be a number")


def run_config_case(c):
    """analyze --config cfg.lua with a hostile config: exit 2, cfg.lua[:line]: message, no output,
    no file touched."""
    r = Runner(c)
    c.setup(r)
    r.write(r.healthy_file, HEALTHY)
    rc, out, err = r.run(["analyze", "--input", EXPORT, "--out", "out", "--rules", "pack",
                          "--config", "cfg.lua"])
    expect(rc == 2, "analyze with a bad config exited %d (expected 2):\n%s" % (rc, err[-1500:]))
    pat = c.config_attack[0]
    expect(re.search(r"cfg\.lua(:\d+)?: .*(" + pat + ")", err),
           "stderr lacks 'cfg.lua: /%s/':\n%s" % (pat, err[-1500:]))
    expect(not os.path.exists(os.path.join(r.tmp, "out")), "analyze wrote out/ despite a bad config")
    return r


# --- cross-run properties
def _determinism(r):
    """math.random is seeded by the engine: two runs give identical briefs."""
    first = json.dumps(r.briefs, sort_keys=True)
    shutil.rmtree(os.path.join(r.tmp, "out"))
    r.analyze()
    expect(json.dumps(r.briefs, sort_keys=True) == first, "a re-run gave different briefs")


case("deterministic_random", """\
    local x = math.random(1, 1000000) .. "/" .. math.random()
    return { title = "random " .. x, actions = { { type = "new_hook", instructions = x } } }""",
     error=None, check=lambda r, b, f, e: expect(
         len({x["title"] for x in b["briefs"] if x["title"].startswith("random")}) > 1,
         "math.random gives the same value for every ad"))
CASES[-1].after = _determinism

case("hl_log_long", '    hl.log(("x"):rep(1100)) error("logged")', error=r"logged")
case("suppress_everything", """\
    -- a legitimate pack that ends with no brief at all: every diagnosis suppressed
    local r = {}
    for i, d in ipairs({ "weak_hook", "loser", "winner", "weak_hold", "weak_cta", "fatigue",
                         "landing_page_mismatch", "kitbash_candidate", "no_delivery" }) do
      r[i] = { code = d, reason = "suppressed by the test" }
    end
    return r""", kind="suppress", error=None, healthy=False)
case("string_pack_huge", '    return string.pack("c1000000000", "")', on=("no_delivery",),
     config={"memory_mb": 4}, error=MEMORY)
case("hl_log_flood", '    for i = 1, 100000 do hl.log(("x"):rep(200)) end', config=FAST,
     error=BUDGET, note="hl.log output (stderr with -vv) is not printed by default")


# ------------------------------------------------------------------------------------ main

def run_case(c):
    if hasattr(c, "config_attack"):
        return run_config_case(c)
    r = Runner(c)
    r.go()
    if getattr(c, "after", None):
        c.after(r)
    return r


def write_corpus(clean_dir, bug_dir):
    """Seeds for tests/fuzz: every case's attack file as CASE.lua (cases with an open engine bug
    into bug_dir), plus the healthy rule."""
    for d in (clean_dir, bug_dir):
        os.makedirs(d, exist_ok=True)
    with open(os.path.join(clean_dir, "healthy.lua"), "w") as f:
        f.write(HEALTHY)
    for c in CASES:
        if hasattr(c, "config_attack"):
            continue
        r = Runner(c)
        try:
            r.canary = "/nonexistent/hl-canary"
            r.write_pack()
            out = bug_dir if c.bug else clean_dir
            files = [r.attack_file] if c.body is not None else []
            files += [n for n in (c.files or {}) if n.startswith("pack/")]
            for i, rel in enumerate(files):
                with open(os.path.join(r.tmp, rel), "rb") as f:
                    data = f.read()
                if len(data) > 64 << 10:
                    continue  # the fuzz target skips inputs over 64 KiB
                name = c.name + ("" if i == 0 else "_%d" % i) + ".lua"
                with open(os.path.join(out, name), "wb") as f:
                    f.write(data)
        finally:
            shutil.rmtree(r.tmp, ignore_errors=True)
    return 0


def main(argv):
    names = [c.name for c in CASES]
    assert len(names) == len(set(names)), "duplicate case names"
    if argv[1:] == ["--list"]:
        print(";".join(names))
        return 0
    if len(argv) == 4 and argv[1] == "--write-corpus":
        return write_corpus(argv[2], argv[3])
    if argv[1:] == ["--list-bugs"]:
        print(";".join(c.name for c in CASES if c.bug))
        return 0
    if argv[1:] == ["--all"]:
        todo = CASES
    else:
        by = {c.name: c for c in CASES}
        unknown = [n for n in argv[1:] if n not in by]
        if unknown or len(argv) < 2:
            print("usage: sandbox_suite.py --list | --all | CASE...; unknown: %s" % unknown,
                  file=sys.stderr)
            return 2
        todo = [by[n] for n in argv[1:]]
    if not os.access(HOOKLINE, os.X_OK):
        print("no hookline binary at %s (set HOOKLINE)" % HOOKLINE, file=sys.stderr)
        return 2
    passed = failed = 0
    for c in todo:
        t0 = time.monotonic()
        r = None
        try:
            r = run_case(c)
            passed += 1
            print("ok   %-36s %.2f s  (%s)" % (c.name, time.monotonic() - t0, "; ".join(r.log)))
            shutil.rmtree(r.tmp, ignore_errors=True)
        except Failure as e:
            failed += 1
            print("FAIL %-36s %s" % (c.name, e))
            if c.bug:
                print("     known engine bug: %s (tests/sandbox/README.md)" % c.bug)
            tmp = [a for a in os.listdir(tempfile.gettempdir())
                   if a.startswith("hl-sandbox-%s-" % c.name)]
            if os.environ.get("HL_KEEP"):
                print("     kept: %s" % ", ".join(os.path.join(tempfile.gettempdir(), t)
                                                 for t in tmp))
            else:
                for t in tmp:
                    shutil.rmtree(os.path.join(tempfile.gettempdir(), t), ignore_errors=True)
        sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
