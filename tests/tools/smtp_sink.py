#!/usr/bin/env python3
"""smtp_sink.py — a minimal SMTP server for hookline's `mail` tests (issue 7). Python 3 standard
library only (socketserver + ssl); binds 127.0.0.1 only; prints "PORT <n>" first.

It speaks enough of RFC 5321 for libcurl: EHLO/HELO, MAIL FROM, RCPT TO, DATA (dot-unstuffed),
RSET, NOOP, VRFY, QUIT, AUTH PLAIN / LOGIN (when --auth is given), and STARTTLS as chosen by
--starttls:
  none       not advertised (a client that requires TLS must give up before MAIL/AUTH)
  refuse     advertised, but the command answers 454 (TLS not available)
  cert       advertised; the connection is wrapped with --cert/--key (a self-signed certificate
             that a verifying client must reject)
Every session is one JSON line in --log when it ends: t, ehlo, starttls ("no" | "refused" |
"handshake_failed" | "ok"), tls, auth ({"mech", "user", "password"} when the client
authenticated — the test plants a recognisable password and looks for it), mail_from, rcpt_to,
messages ([{"mail_from", "rcpt_to", "data"}], addresses without angle brackets, data decoded
as UTF-8 with replacement; "eightbit" tells whether any byte was > 127), commands (the verbs in
order; AUTH payloads left out). --mbox FILE also gets each message as it is accepted.

Run: python3 tests/tools/smtp_sink.py --port 0 --log /tmp/smtp.log [--starttls none] [--auth]
"""
import argparse
import base64
import json
import socketserver
import ssl
import sys
import threading
import time


def path_of(arg):
    """The address of 'FROM:<a@b> SIZE=12' / 'TO:<a@b>' (without the angle brackets)."""
    rest = arg.split(":", 1)[1].strip() if ":" in arg else arg
    if rest.startswith("<") and ">" in rest:
        return rest[1:rest.index(">")]
    return rest.split(" ")[0]


class Session(socketserver.StreamRequestHandler):
    timeout = 30

    def setup(self):
        super().setup()
        self.rec = {"t": time.time(), "ehlo": None, "starttls": "no", "tls": False, "auth": None,
                    "messages": [], "commands": [], "mail_from": None, "rcpt_to": []}
        self.mail_from = None
        self.rcpt = []

    def send(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def readline(self):
        line = self.rfile.readline(65536)
        if not line:
            raise EOFError
        return line.rstrip(b"\r\n")

    def ehlo_lines(self, host):
        cfg = self.server.cfg
        caps = ["127.0.0.1 hello " + host, "8BITMIME", "SIZE 10485760"]
        if cfg.starttls != "none" and not self.rec["tls"]:
            caps.append("STARTTLS")
        if cfg.auth:
            caps.append("AUTH PLAIN LOGIN")
        return caps

    def handle(self):
        try:
            self.send("220 127.0.0.1 ESMTP smtp_sink")
            self.loop()
        except (EOFError, OSError, ssl.SSLError):
            pass
        finally:
            self.server.record(self.rec)

    def loop(self):
        cfg = self.server.cfg
        while True:
            raw = self.readline()
            line = raw.decode("utf-8", "replace")
            verb = line.split(" ", 1)[0].upper()
            self.rec["commands"].append(verb)
            arg = line[len(verb):].strip()
            if verb in ("EHLO", "HELO"):
                self.rec["ehlo"] = arg
                caps = self.ehlo_lines(arg) if verb == "EHLO" else ["127.0.0.1"]
                for c in caps[:-1]:
                    self.send("250-" + c)
                self.send("250 " + caps[-1])
            elif verb == "STARTTLS":
                if cfg.starttls == "none" or self.rec["tls"]:
                    self.send("502 5.5.1 not supported")
                elif cfg.starttls == "refuse":
                    self.rec["starttls"] = "refused"
                    self.send("454 4.7.0 TLS not available due to temporary reason")
                else:
                    self.send("220 2.0.0 Ready to start TLS")
                    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                    ctx.load_cert_chain(cfg.cert, cfg.key)
                    try:
                        conn = ctx.wrap_socket(self.connection, server_side=True)
                    except (ssl.SSLError, OSError):
                        self.rec["starttls"] = "handshake_failed"
                        raise EOFError
                    self.rec["starttls"] = "ok"
                    self.rec["tls"] = True
                    self.connection = conn
                    self.rfile = conn.makefile("rb")
                    self.wfile = conn.makefile("wb")
            elif verb == "AUTH":
                self.auth(arg)
            elif verb == "MAIL":
                self.mail_from = path_of(arg)
                self.rcpt = []
                self.rec["mail_from"] = self.mail_from
                self.send("250 2.1.0 Ok")
            elif verb == "RCPT":
                if self.mail_from is None:
                    self.send("503 5.5.1 need MAIL first")
                    continue
                addr = path_of(arg)
                self.rcpt.append(addr)
                self.rec["rcpt_to"].append(addr)
                self.send("250 2.1.5 Ok")
            elif verb == "DATA":
                if not self.rcpt:
                    self.send("503 5.5.1 need RCPT first")
                    continue
                self.send("354 End data with <CR><LF>.<CR><LF>")
                chunks = []
                while True:
                    l = self.rfile.readline(1 << 20)
                    if not l:
                        raise EOFError
                    if l in (b".\r\n", b".\n"):
                        break
                    if l.startswith(b"."):
                        l = l[1:]
                    chunks.append(l)
                data = b"".join(chunks)
                self.rec["messages"].append({
                    "mail_from": self.mail_from, "rcpt_to": list(self.rcpt),
                    "data": data.decode("utf-8", "replace"),
                    "eightbit": any(b > 127 for b in data)})
                self.server.record_message(self.rec["messages"][-1])
                self.mail_from, self.rcpt = None, []
                self.send("250 2.0.0 Ok: queued")
            elif verb == "RSET":
                self.mail_from, self.rcpt = None, []
                self.send("250 2.0.0 Ok")
            elif verb == "NOOP":
                self.send("250 2.0.0 Ok")
            elif verb == "VRFY":
                self.send("252 2.0.0 Cannot VRFY")
            elif verb == "QUIT":
                self.send("221 2.0.0 Bye")
                return
            else:
                self.send("500 5.5.2 command not recognized")

    def auth(self, arg):
        cfg = self.server.cfg
        if not cfg.auth:
            self.send("502 5.5.1 AUTH not supported")
            return
        parts = arg.split()
        mech = parts[0].upper() if parts else ""
        try:
            if mech == "PLAIN":
                if len(parts) > 1:
                    blob = parts[1]
                else:
                    self.send("334 ")
                    blob = self.readline().decode()
                fields = base64.b64decode(blob).split(b"\0")
                user, pw = fields[1].decode(), fields[2].decode()
            elif mech == "LOGIN":
                if len(parts) > 1:
                    user = base64.b64decode(parts[1]).decode()
                else:
                    self.send("334 VXNlcm5hbWU6")
                    user = base64.b64decode(self.readline()).decode()
                self.send("334 UGFzc3dvcmQ6")
                pw = base64.b64decode(self.readline()).decode()
            else:
                self.send("504 5.5.4 unrecognized authentication type")
                return
        except (ValueError, IndexError):
            self.send("501 5.5.2 cannot decode")
            return
        self.rec["auth"] = {"mech": mech, "user": user, "password": pw, "tls": self.rec["tls"]}
        self.send("235 2.7.0 Authentication successful")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, cfg):
        super().__init__(addr, Session)
        self.cfg = cfg
        self.lock = threading.Lock()
        self.log = open(cfg.log, "a", encoding="utf-8") if cfg.log else None
        self.mbox = open(cfg.mbox, "a", encoding="utf-8") if cfg.mbox else None

    def record(self, rec):
        rec["t_done"] = time.time()
        if self.log:
            with self.lock:
                self.log.write(json.dumps(rec, ensure_ascii=False) + "\n")
                self.log.flush()

    def record_message(self, msg):
        if self.mbox:
            with self.lock:
                self.mbox.write(json.dumps(msg, ensure_ascii=False) + "\n")
                self.mbox.flush()

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log", help="sessions, JSON lines (written when a session ends)")
    ap.add_argument("--mbox", help="messages, JSON lines (written as each is accepted)")
    ap.add_argument("--starttls", choices=["none", "refuse", "cert"], default="none")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--auth", action="store_true", help="advertise AUTH PLAIN LOGIN")
    cfg = ap.parse_args(argv)
    if cfg.starttls == "cert" and not (cfg.cert and cfg.key):
        ap.error("--starttls cert needs --cert and --key")
    srv = Server(("127.0.0.1", cfg.port), cfg)
    print("PORT %d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
