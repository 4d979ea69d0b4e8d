"""netsrv.py — shared plumbing of the network integration tests (tests/integration/test_net_*.py):
start one of the local servers of tests/tools (mock_tiktok.py, webhook_receiver.py,
smtp_sink.py) as a subprocess on a free loopback port, read its log, stop it; run hookline with
a time limit. Python 3 standard library only."""
import json
import os
import select
import signal
import subprocess
import sys
import time

TOOLS = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("HL_SOURCE_DIR") or os.path.normpath(os.path.join(TOOLS, "..", ".."))
HOOKLINE = os.environ.get("HOOKLINE") or os.path.join(SRC, "build", "hookline")


class Server:
    """A server script of tests/tools started on 127.0.0.1 with `--port 0 --log LOG`; .port is
    the port it printed, .log its log file (JSON lines)."""

    def __init__(self, script, log, *args, env=None):
        self.log = log
        self.script = script
        e = dict(os.environ)
        e.update(env or {})
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(TOOLS, script), "--port", "0", "--log", log, *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e, start_new_session=True)
        self.port = None
        deadline = time.time() + 20
        buf = b""
        while time.time() < deadline:
            r, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if r:
                ch = os.read(self.proc.stdout.fileno(), 256)
                if not ch:
                    break
                buf += ch
                if b"\n" in buf:
                    line = buf.split(b"\n", 1)[0].decode()
                    if line.startswith("PORT "):
                        self.port = int(line.split()[1])
                        break
            if self.proc.poll() is not None:
                break
        if self.port is None:
            err = b""
            try:
                self.stop()
                err = self.proc.stderr.read()
            except Exception:
                pass
            raise RuntimeError(f"{script} did not start: {buf!r} {err.decode(errors='replace')}")

    def url(self, scheme="http"):
        return f"{scheme}://127.0.0.1:{self.port}"

    def entries(self, settle=0.0):
        """The log's JSON lines so far (after waiting `settle` seconds for late writers)."""
        if settle:
            time.sleep(settle)
        out = []
        try:
            with open(self.log, encoding="utf-8") as f:
                for line in f:
                    if line.endswith("\n") and line.strip():   # a last line may be half-written
                        out.append(json.loads(line))
        except FileNotFoundError:
            pass
        return out

    def settle(self, timeout=10.0):
        """Waits until the server has logged every request it received (mock_tiktok.py answers
        GET /__control with {"received", "logged"}); True when it has."""
        import urllib.request
        deadline = time.time() + timeout
        while time.time() < deadline:
            with urllib.request.urlopen(self.url() + "/__control", timeout=5) as r:
                st = json.loads(r.read())
            if st["received"] == st["logged"]:
                return True
            time.sleep(0.05)
        return False

    def control(self, obj):
        import urllib.request
        req = urllib.request.Request(self.url() + "/__control", data=json.dumps(obj).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        for f in (self.proc.stdout, self.proc.stderr):
            try:
                f.close()
            except Exception:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class Result:
    def __init__(self, args, rc, out, err, elapsed):
        self.args, self.rc, self.out, self.err, self.elapsed = args, rc, out, err, elapsed

    def __repr__(self):
        return (f"\n$ hookline {' '.join(self.args)}\nexit {self.rc} after {self.elapsed:.2f}s\n"
                f"--- stdout ---\n{self.out[-3000:]}\n--- stderr ---\n{self.err[-3000:]}")


def run(*args, env=None, unset=(), timeout=120, cwd=None):
    """Runs hookline with args; env entries are added to the environment, `unset` names removed."""
    e = dict(os.environ)
    for k in unset:
        e.pop(k, None)
    e.update(env or {})
    t0 = time.time()
    try:
        p = subprocess.run([HOOKLINE, *args], capture_output=True, env=e, timeout=timeout,
                           cwd=cwd)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as ex:
        rc, out, err = "timeout", ex.stdout or b"", (ex.stderr or b"") + b"\n[killed: timeout]"
    return Result(list(args), rc, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
                  time.time() - t0)


def files_under(d):
    for root, _, names in os.walk(d):
        for n in names:
            yield os.path.join(root, n)


def command_available(*words):
    """Whether `hookline WORDS --help` is known (the command has landed)."""
    r = run(*words, "--help", timeout=30)
    return r.rc == 0
