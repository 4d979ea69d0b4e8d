#!/usr/bin/env python3
"""webhook_receiver.py — a video generator's webhook for hookline's `deliver` tests (issue 7).
Python 3 standard library only; binds 127.0.0.1 only; prints "PORT <n>" first.

Every POST (any path but /__control) is one delivery attempt, keyed by its `Idempotency-Key`
header. The receiver behaves like an idempotent API:
  - the first --fail-first K attempts of each key fail, cycling through --fail-modes:
      500 / 502 / 503 / 408   that HTTP status
      429                     429 with `Retry-After: <--retry-after>` (seconds, default 1)
      429date                 429 with `Retry-After: <HTTP date 2 s ahead>`
      drop                    the connection is closed without an answer
      drop_after              the delivery is ACCEPTED, then the connection is closed without an
                              answer (the client cannot know: its retry must carry the same key)
      slow                    sleeps --slow-s seconds, then fails with 503 (past the client timeout)
      ok                      no failure for this attempt
    (--delay-s S delays every answer, to give a test time to interrupt the client);
    (--fail-keys restricts the failures to some keys); --plan KEY=MODE,MODE... gives one key its
    own sequence of failures for its first attempts (it overrides --fail-first for that key);
  - --reject KEY=STATUS answers STATUS (e.g. 400) to every attempt of KEY;
  - with --secret (or env WEBHOOK_SECRET), `X-Hookline-Signature: sha256=<hex HMAC-SHA256(secret,
    body)>` is verified: a missing or wrong signature gets 401;
  - otherwise the first attempt of a key is accepted (--ok-status, default 200; keys listed in
    --created-keys get 201, --accepted-keys 202) and later ones answer 200 {"duplicate": true}
    without accepting again.
`POST /__control` {"fail_first": K, "fail_modes": [...], "fail_keys": [...] | null,
"reject": {KEY: STATUS}, "plans": {KEY: [MODE, ...]}, "retry_after": S} changes the behaviour at
run time (attempt counters are kept); `GET /__control` answers {"received", "logged"} (an
attempt is logged when it is answered).

Log (--log, JSON lines), one per attempt: t, key, attempt (per key, over the receiver's life),
outcome ("accepted" | "duplicate" | "fail500" | "fail429" | "drop" | "drop_after" | "slow" |
"rejected" | "bad_signature" | "bad_request"), status (0 when dropped), path, content_type,
signature ("ok" | "missing" | "bad" | "unchecked"), body_sha256, body (the JSON text), length.

Run: python3 tests/tools/webhook_receiver.py --port 0 --log /tmp/wh.log --secret S --fail-first 2
"""
import argparse
import email.utils
import hashlib
import hmac
import json
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.attempts = {}
        self.accepted = set()
        self.fail_first = args.fail_first
        self.fail_modes = [m for m in args.fail_modes.split(",") if m]
        self.fail_keys = set(args.fail_keys.split(",")) if args.fail_keys else None
        self.reject = {}
        for item in args.reject or []:
            k, _, v = item.rpartition("=")
            self.reject[k] = int(v)
        self.plans = {}
        for item in args.plan or []:
            k, _, v = item.rpartition("=")
            self.plans[k] = [m for m in v.split(",") if m]
        self.secret = args.secret
        self.retry_after = args.retry_after
        self.slow_s = args.slow_s
        self.delay_s = args.delay_s
        self.ok_status = args.ok_status
        self.created = set(filter(None, (args.created_keys or "").split(",")))
        self.accepted_keys = set(filter(None, (args.accepted_keys or "").split(",")))
        self.log = open(args.log, "a", encoding="utf-8") if args.log else None
        self.received = self.logged = 0

    def write_log(self, entry):
        with self.lock:
            if self.log:
                self.log.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
                self.log.flush()
            self.logged += 1


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mock-generator/1.0"

    def log_message(self, fmt, *a):
        pass

    def _send(self, status, obj, headers=None):
        data = json.dumps(obj).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def _drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            out = b""
            while True:
                line = self.rfile.readline()
                n = int(line.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(n)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        st = self.server.state
        if self.path.split("?")[0] == "/__control":
            with st.lock:
                self._send(200, {"received": st.received, "logged": st.logged})
            return
        self._send(405, {"error": "POST only"})

    def do_POST(self):
        st = self.server.state
        body = self._read_body()
        if self.path.split("?")[0] == "/__control":
            cfg = json.loads(body or b"{}")
            with st.lock:
                if "fail_first" in cfg:
                    st.fail_first = cfg["fail_first"]
                if "fail_modes" in cfg:
                    st.fail_modes = list(cfg["fail_modes"])
                if "fail_keys" in cfg:
                    st.fail_keys = set(cfg["fail_keys"]) if cfg["fail_keys"] is not None else None
                if "reject" in cfg:
                    st.reject = {k: int(v) for k, v in cfg["reject"].items()}
                if "plans" in cfg:
                    st.plans = {k: list(v) for k, v in cfg["plans"].items()}
                if "retry_after" in cfg:
                    st.retry_after = cfg["retry_after"]
            self._send(200, {"ok": True})
            return
        t = time.time()
        with st.lock:
            st.received += 1
        key = self.headers.get("Idempotency-Key")
        sig_hdr = self.headers.get("X-Hookline-Signature")
        if st.secret is None:
            sig = "unchecked" if sig_hdr is None else "present"
        elif sig_hdr is None:
            sig = "missing"
        else:
            want = "sha256=" + hmac.new(st.secret.encode(), body, hashlib.sha256).hexdigest()
            sig = "ok" if hmac.compare_digest(want, sig_hdr.strip()) else "bad"
        with st.lock:
            n = st.attempts.get(key, 0) + 1
            st.attempts[key] = n
        if st.delay_s:
            time.sleep(st.delay_s)
        entry = {"t": t, "key": key, "attempt": n, "path": self.path,
                 "content_type": self.headers.get("Content-Type"), "signature": sig,
                 "body_sha256": hashlib.sha256(body).hexdigest(), "length": len(body),
                 "body": body.decode("utf-8", "replace"), "status": 0, "outcome": None}
        try:
            self._answer(st, key, n, sig, body, entry)
        finally:
            entry["t_done"] = time.time()
            st.write_log(entry)

    def _answer(self, st, key, n, sig, body, entry):
        def reply(status, outcome, obj, headers=None):
            entry["status"], entry["outcome"] = status, outcome
            self._send(status, obj, headers)

        if not key:
            reply(400, "bad_request", {"error": "Idempotency-Key required"})
            return
        try:
            json.loads(body)
        except ValueError:
            reply(400, "bad_request", {"error": "body is not JSON"})
            return
        if sig in ("missing", "bad"):
            reply(401, "bad_signature", {"error": "signature " + sig})
            return
        if key in st.reject:
            reply(st.reject[key], "rejected", {"error": "rejected by the test"})
            return
        mode = None
        if key in st.plans:
            if n <= len(st.plans[key]):
                mode = st.plans[key][n - 1]
        elif st.fail_first > 0 and (st.fail_keys is None or key in st.fail_keys):
            if n <= st.fail_first and st.fail_modes:
                mode = st.fail_modes[(n - 1) % len(st.fail_modes)]
        if mode is not None and mode != "ok":
            if mode == "drop":
                entry["outcome"] = "drop"
                self._drop()
                return
            if mode == "drop_after":
                with st.lock:
                    first = key not in st.accepted
                    st.accepted.add(key)
                entry["outcome"] = "drop_after" if first else "duplicate_dropped"
                self._drop()
                return
            if mode == "slow":
                time.sleep(st.slow_s)
                reply(503, "slow", {"error": "slow"})
                return
            if mode == "429":
                reply(429, "fail429", {"error": "rate limited"},
                      {"Retry-After": str(st.retry_after)})
                return
            if mode == "429date":
                when = email.utils.formatdate(time.time() + 2.0, usegmt=True)
                reply(429, "fail429", {"error": "rate limited"}, {"Retry-After": when})
                return
            status = int(mode)
            reply(status, "fail%d" % status, {"error": "injected failure"})
            return
        with st.lock:
            dup = key in st.accepted
            st.accepted.add(key)
        if dup:
            reply(200, "duplicate", {"id": key, "duplicate": True})
            return
        status = 201 if key in st.created else 202 if key in st.accepted_keys else st.ok_status
        job = "job-" + hashlib.sha1(key.encode()).hexdigest()[:8]
        reply(status, "accepted", {"id": key, "job": job})


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log")
    ap.add_argument("--secret", default=os.environ.get("WEBHOOK_SECRET"))
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--fail-modes", default="500,429,drop")
    ap.add_argument("--fail-keys", help="only these keys fail (comma-separated)")
    ap.add_argument("--reject", action="append", help="KEY=STATUS (repeatable)")
    ap.add_argument("--plan", action="append", help="KEY=MODE,MODE,... (repeatable)")
    ap.add_argument("--retry-after", default="1")
    ap.add_argument("--slow-s", type=float, default=3.0)
    ap.add_argument("--delay-s", type=float, default=0.0, help="sleep before every answer")
    ap.add_argument("--ok-status", type=int, default=200)
    ap.add_argument("--created-keys")
    ap.add_argument("--accepted-keys")
    args = ap.parse_args(argv)
    srv = Server(("127.0.0.1", args.port), Handler)
    srv.state = State(args)
    print("PORT %d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
