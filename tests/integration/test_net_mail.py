#!/usr/bin/env python3
"""test_net_mail.py — `hookline mail` against a local SMTP sink (issue 7, Tests).

The report folder is what `hookline analyze --input examples/tiktok-export.csv` writes (briefs.json,
and report.html once analyze writes it; until then the test writes a small one). Each test starts
tests/tools/smtp_sink.py on 127.0.0.1 (a free port) and checks that:
  - the message arrives (envelope sender and both recipients), parses with the email module as
    multipart/alternative with a text/plain part (the top briefs: the first brief's title) and a
    text/html part equal to report.html, both base64; From/To/Subject/Date/Message-ID/
    MIME-Version present, headers 7-bit (a non-ASCII subject RFC 2047-encoded and decoded back,
    a long one folded), every line CRLF-terminated and at most 998 octets;
  - HOOKLINE_SMTP_USER / HOOKLINE_SMTP_PASSWORD authenticate (the sink receives them intact) and
    the password never appears on stdout or stderr (-v -v), nor do credentials get sent when no
    TLS could be set up;
  - without --allow-plain, STARTTLS is required: a server that does not offer it, refuses it
    (454) or presents an untrusted certificate gets no AUTH, no MAIL and no message (exit 3);
  - an address with CR/LF, a comma, a space or angle brackets, or without '@', exits 2 and
    nothing is sent; a subject with CR/LF cannot add a header or a recipient (rejected with exit
    2 or neutralised);
  - non-loopback smtp://, user:password in the URL, a non-SMTP scheme exit 2; a closed port fails
    cleanly with exit 3.

Run:  HOOKLINE=build/hookline python3 tests/integration/test_net_mail.py [Class[.test] ...]
The last line of output is "N passed, M failed"; the exit status is non-zero on any failure.
"""
import email
import email.policy
import email.utils
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from email.header import decode_header, make_header

SRC = os.environ.get("HL_SOURCE_DIR") or os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "tools"))
import netsrv  # noqa: E402
from netsrv import run  # noqa: E402

PASSWORD = "smtp-PLANTED-" + os.urandom(6).hex()
USER = "hookline-bot"
FROM = "hookline@agency.test"
TO = ["growth@client.test", "creative.lead@client.test"]
EXPORT_CSV = os.path.join(SRC, "examples", "tiktok-export.csv")
REPORT = None
HTML_WRITTEN_BY_TEST = False
SMALL_HTML = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>hookline "
              "report</title></head>\n<body><h1>Créatives — nightly report</h1>\n"
              "<p>Winner: <b>GS_UGC_morning-routine_v1</b> &amp; friends 🚀</p>\n"
              ".a line that starts with a dot\n" + "<p>" + "x" * 2000 + "</p>\n</body></html>\n")


def setUpModule():
    global REPORT, _tmp, HTML_WRITTEN_BY_TEST
    _tmp = tempfile.TemporaryDirectory(prefix="hl-mail-an-")
    REPORT = os.path.join(_tmp.name, "out")
    r = run("analyze", "--input", EXPORT_CSV, "--out", REPORT, timeout=300)
    if r.rc not in (0, 1) or not os.path.exists(os.path.join(REPORT, "briefs.json")):
        raise RuntimeError("analyze did not write briefs.json" + repr(r))
    html = os.path.join(REPORT, "report.html")
    if not os.path.exists(html):
        HTML_WRITTEN_BY_TEST = True
        with open(html, "w", encoding="utf-8") as f:
            f.write(SMALL_HTML)


def tearDownModule():
    _tmp.cleanup()


def make_cert(d):
    """A self-signed certificate for 127.0.0.1 (openssl CLI), or None."""
    if not shutil.which("openssl"):
        return None
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    p = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                       capture_output=True, timeout=60)
    return (cert, key) if p.returncode == 0 else None


class MailCase(unittest.TestCase):
    maxDiff = 4000

    @classmethod
    def setUpClass(cls):
        cls.available = netsrv.command_available("mail")

    def setUp(self):
        if not self.available:
            self.fail("`hookline mail --help` fails: the command has not landed")
        self.tmp = tempfile.TemporaryDirectory(prefix="hl-mail-")
        self.sink = None

    def tearDown(self):
        if self.sink:
            self.sink.stop()
        self.tmp.cleanup()

    def start(self, *args):
        self.sink = netsrv.Server("smtp_sink.py", os.path.join(self.tmp.name, "smtp.log"), *args)
        return self.sink

    def mail(self, *extra, to=None, frm=FROM, subject=None, allow_plain=True, creds=True,
             url=None, report=None):
        args = ["-v", "-v", "mail", "--report", report or REPORT,
                "--smtp", url or self.sink.url("smtp"), "--from", frm,
                "--to", to if to is not None else ",".join(TO)]
        if subject is not None:
            args += ["--subject", subject]
        if allow_plain:
            args.append("--allow-plain")
        args += list(extra)
        if creds:
            r = run(*args, env={"HOOKLINE_SMTP_USER": USER, "HOOKLINE_SMTP_PASSWORD": PASSWORD},
                    timeout=60)
        else:
            r = run(*args, unset=("HOOKLINE_SMTP_USER", "HOOKLINE_SMTP_PASSWORD"), timeout=60)
        self.assertNotIn(PASSWORD, r.out, "SMTP password on stdout" + repr(r))
        self.assertNotIn(PASSWORD, r.err, "SMTP password on stderr" + repr(r))
        return r

    def sessions(self, wait_for=0):
        """The sink's finished sessions (waits up to 3 s for `wait_for` of them)."""
        deadline = time.time() + 3
        while True:
            s = self.sink.entries()
            if len(s) >= wait_for or time.time() > deadline:
                return s
            time.sleep(0.05)

    def messages(self, wait_for=1):
        msgs = []
        for s in self.sessions(wait_for=wait_for):
            msgs.extend(s["messages"])
        return msgs

    def parse(self, m):
        return email.message_from_bytes(m["data"].encode("utf-8"), policy=email.policy.default)

    def html_bytes(self):
        with open(os.path.join(REPORT, "report.html"), "rb") as f:
            return f.read()

    def assert_nothing_sent(self, why):
        time.sleep(0.2)
        for s in self.sink.entries():
            self.assertIsNone(s["auth"], f"{why}: credentials were sent")
            self.assertEqual(s["messages"], [], f"{why}: a message was sent")
            self.assertNotIn("MAIL", s["commands"], f"{why}: MAIL FROM was sent")


class Mail(MailCase):
    def test_message_arrives_multipart_with_the_report(self):
        self.start("--auth")
        subject = "Nightly — créatives ✓ 🚀"
        r = self.mail(subject=subject)
        self.assertEqual(r.rc, 0, r)
        msgs = self.messages()
        self.assertEqual(len(msgs), 1, msgs)
        m = msgs[0]
        self.assertEqual(m["mail_from"], FROM)
        self.assertEqual(sorted(m["rcpt_to"]), sorted(TO))
        self.assertFalse(m["eightbit"], "8-bit bytes in the message (base64/RFC 2047 expected)")
        sess = self.sessions(1)[0]
        self.assertIsNotNone(sess["auth"], "no AUTH although credentials were set")
        self.assertEqual(sess["auth"]["user"], USER)
        self.assertEqual(sess["auth"]["password"], PASSWORD, "password not transmitted intact")
        raw = m["data"]
        # wire format: CRLF lines, <= 998 octets, 7-bit headers
        lines = raw.split("\r\n")
        self.assertNotIn("\n", "".join(lines), "bare LF in the message")
        self.assertLessEqual(max(len(l) for l in lines), 998)
        head = raw.split("\r\n\r\n", 1)[0]
        self.assertTrue(all(ord(c) < 128 for c in head), "non-ASCII header")
        msg = self.parse(m)
        self.assertEqual(msg.get_content_type(), "multipart/alternative")
        self.assertEqual(msg["MIME-Version"], "1.0")
        self.assertEqual(email.utils.parseaddr(str(msg["From"]))[1], FROM)
        self.assertEqual(sorted(a for _, a in email.utils.getaddresses([str(msg["To"])])),
                         sorted(TO))
        self.assertEqual(str(make_header(decode_header(head_value(head, "Subject")))), subject)
        self.assertIsNotNone(email.utils.parsedate_to_datetime(str(msg["Date"])))
        self.assertTrue(msg["Message-ID"])
        parts = [p for p in msg.iter_parts()]
        types = [p.get_content_type() for p in parts]
        self.assertEqual(types, ["text/plain", "text/html"])
        for p in parts:
            self.assertEqual(p["Content-Transfer-Encoding"].lower(), "base64", p.items())
            self.assertEqual((p.get_content_charset() or "").lower(), "utf-8")
        html = parts[1].get_payload(decode=True)
        want = self.html_bytes()
        self.assertEqual(html.replace(b"\r\n", b"\n"), want.replace(b"\r\n", b"\n"),
                         "text/html part is not report.html")
        text = parts[0].get_payload(decode=True).decode("utf-8")
        with open(os.path.join(REPORT, "briefs.json"), encoding="utf-8") as f:
            briefs = json.load(f)["briefs"]
        self.assertTrue(briefs)
        self.assertIn(briefs[0]["title"], text, "the top brief is not in the text summary")

    def test_long_subject_is_folded(self):
        self.start()
        subject = "Creative report: " + " ".join(f"ad{i}-éé" for i in range(30))
        r = self.mail(subject=subject, creds=False)
        self.assertEqual(r.rc, 0, r)
        m = self.messages()[0]
        head = m["data"].split("\r\n\r\n", 1)[0]
        self.assertLessEqual(max(len(l) for l in head.split("\r\n")), 998)
        self.assertEqual(str(make_header(decode_header(head_value(head, "Subject")))), subject)
        self.assertIsNone(self.sessions(1)[0]["auth"], "AUTH without credentials")

    def test_overlong_subject_stays_valid_utf8(self):
        """A subject too long for hookline is refused (exit 2) or cut at a character boundary:
        the header never carries a broken UTF-8 sequence."""
        self.start()
        for n in range(396, 402):
            subject = "x" * n + "é" * 40
            with self.subTest(ascii_prefix=n):
                k = len(self.messages(wait_for=0))
                r = self.mail(subject=subject, creds=False)
                if r.rc == 2:
                    continue
                self.assertEqual(r.rc, 0, r)
                msgs = self.messages(wait_for=k + 1)
                head = msgs[-1]["data"].split("\r\n\r\n", 1)[0]
                raw = b""
                for word, cs in decode_header(head_value(head, "Subject")):
                    raw += word if isinstance(word, bytes) else word.encode()
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as e:
                    self.fail(f"the subject was cut inside a UTF-8 sequence: {raw[-8:]!r} ({e})")
                self.assertTrue(subject.startswith(text), "the subject is not a prefix")

    def test_subject_injection_is_neutralised(self):
        self.start()
        for subject in ("Weekly\r\nBcc: evil@attacker.test", "Weekly\nX-Injected: yes",
                        "Weekly\rBcc: evil@attacker.test", "Weekly\r\n\r\nfake body"):
            with self.subTest(subject=subject):
                n = len(self.messages(wait_for=0))
                r = self.mail(subject=subject, creds=False)
                if r.rc == 2:
                    self.assertEqual(len(self.messages(wait_for=0)), n, "rejected yet sent")
                    continue
                self.assertEqual(r.rc, 0, r)
                msgs = self.messages(wait_for=0)
                deadline = time.time() + 3
                while len(msgs) == n and time.time() < deadline:
                    time.sleep(0.05)
                    msgs = self.messages(wait_for=0)
                m = msgs[-1]
                self.assertEqual(sorted(m["rcpt_to"]), sorted(TO), "a recipient was injected")
                head = m["data"].split("\r\n\r\n", 1)[0]
                names = [l.split(":", 1)[0].lower() for l in head.split("\r\n")
                         if l and not l[0].isspace()]
                self.assertNotIn("bcc", names, head)
                self.assertNotIn("x-injected", names, head)
                self.assertEqual(names.count("subject"), 1, head)
                msg = self.parse(m)
                self.assertEqual(msg.get_content_type(), "multipart/alternative")

    def test_bad_addresses_exit_2_and_send_nothing(self):
        self.start("--auth")
        bad_to = ["a@client.test\r\nBcc: evil@attacker.test", "a@client.test\nBcc: e@attacker.test",
                  "Evil <e@attacker.test>", "<a@client.test>", "a b@client.test",
                  "a@client.test>", "noatsign", "a@client.test\r", "a@client.test,b c@client.test"]
        bad_from = ["hookline@agency.test\r\nBcc: e@attacker.test", "a@agency.test,b@agency.test",
                    "Hookline <h@agency.test>", "h @agency.test", "h@agency.test\n"]
        for v in bad_to:
            with self.subTest(to=v):
                r = self.mail(to=v)
                self.assertEqual(r.rc, 2, r)
                self.assertTrue(r.err.strip())
        for v in bad_from:
            with self.subTest(frm=v):
                r = self.mail(frm=v)
                self.assertEqual(r.rc, 2, r)
        self.assert_nothing_sent("bad address")
        self.assertEqual(self.sink.entries(), [], "a bad address still opened an SMTP session")

    def test_starttls_required_not_offered(self):
        self.start("--auth", "--starttls", "none")
        r = self.mail(allow_plain=False)
        self.assertEqual(r.rc, 3, r)
        self.assert_nothing_sent("no STARTTLS offered")

    def test_starttls_required_refused(self):
        self.start("--auth", "--starttls", "refuse")
        r = self.mail(allow_plain=False)
        self.assertEqual(r.rc, 3, r)
        self.assert_nothing_sent("STARTTLS refused")
        self.assertIn("STARTTLS", self.sessions(1)[0]["commands"])

    def test_starttls_untrusted_certificate(self):
        cert = make_cert(self.tmp.name)
        if not cert:
            self.skipTest("openssl CLI not available to make a certificate")
        self.start("--auth", "--starttls", "cert", "--cert", cert[0], "--key", cert[1])
        r = self.mail(allow_plain=False)
        self.assertEqual(r.rc, 3, r)
        self.assert_nothing_sent("untrusted certificate")
        sess = self.sessions(1)
        self.assertTrue(sess and "STARTTLS" in sess[0]["commands"], sess)
        self.assertNotEqual(sess[0]["starttls"], "ok", "TLS with an untrusted certificate")

    def test_starttls_with_a_private_ca(self):
        """--ca-file trusts a private CA: STARTTLS completes, the password goes only inside TLS
        and the message arrives. The same certificate without --ca-file is refused (above);
        a --ca-file that is not PEM, or missing, is a usage error before any connection."""
        cert = make_cert(self.tmp.name)
        if not cert:
            self.skipTest("openssl CLI not available to make a certificate")
        self.start("--auth", "--starttls", "cert", "--cert", cert[0], "--key", cert[1])
        r = self.mail("--ca-file", cert[0], allow_plain=False)
        self.assertEqual(r.rc, 0, r)
        sess = self.sessions(1)
        self.assertEqual(sess[0]["starttls"], "ok", sess)
        self.assertTrue(sess[0]["tls"], sess)
        cmds = sess[0]["commands"]
        self.assertLess(cmds.index("STARTTLS"), cmds.index("AUTH"), cmds)
        self.assertLess(cmds.index("STARTTLS"), cmds.index("MAIL"), cmds)
        self.assertEqual(sess[0]["auth"]["password"], PASSWORD)
        self.assertEqual(len(self.messages(wait_for=1)), 1)
        n = len(self.sink.entries())
        for bad in (os.path.join(self.tmp.name, "missing.pem"), REPORT + "/briefs.json"):
            with self.subTest(ca=bad):
                r = self.mail("--ca-file", bad, allow_plain=False)
                self.assertEqual(r.rc, 2, r)
                self.assertIn(bad, r.err)
        self.assertEqual(len(self.sink.entries()), n, "a bad --ca-file still connected")

    def test_foreign_briefs_json_is_handled_safely(self):
        """briefs.json is an input like any other: odd or oversized fields (a 20,000-character
        action type, a long title, missing keys) neither crash mail nor overflow its summary."""
        rep = os.path.join(self.tmp.name, "rep")
        shutil.copytree(REPORT, rep)
        with open(os.path.join(rep, "briefs.json"), encoding="utf-8") as f:
            doc = json.load(f)
        doc["briefs"] = doc["briefs"][:12] or [{}]
        doc["briefs"][0]["actions"][0]["type"] = "t" * 20000
        doc["briefs"][1]["title"] = "T" * 50000
        doc["briefs"][2] = {"title": None}
        with open(os.path.join(rep, "briefs.json"), "w", encoding="utf-8") as f:
            json.dump(doc, f)
        self.start()
        r = self.mail(report=rep, creds=False)
        self.assertIn(r.rc, (0, 2), r)
        self.assertNotIn("AddressSanitizer", r.err, r)
        if r.rc == 0:
            msg = self.parse(self.messages()[0])
            self.assertEqual(msg.get_content_type(), "multipart/alternative")

    def test_url_checks(self):
        self.start()
        cases = [("smtp://192.0.2.1:25", "--allow-plain to a non-loopback host"),
                 (f"smtp://u:pw@127.0.0.1:{self.sink.port}", "user:password in the URL"),
                 (f"http://127.0.0.1:{self.sink.port}", "http scheme"),
                 ("smtp://", "no host")]
        for url, why in cases:
            with self.subTest(why=why):
                r = self.mail(url=url)
                self.assertEqual(r.rc, 2, f"{why}: {r!r}")
        self.assertEqual(self.sink.entries(), [])

    def test_missing_report_folder(self):
        self.start()
        r = self.mail(report=os.path.join(self.tmp.name, "nope"))
        self.assertEqual(r.rc, 2, r)
        self.assertEqual(self.sink.entries(), [])

    def test_server_down_fails_cleanly(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        r = self.mail(url=f"smtp://127.0.0.1:{port}")
        self.assertEqual(r.rc, 3, r)
        self.assertLess(r.elapsed, 30)


def head_value(head, name):
    """The unfolded raw value of header `name` in a header block (None if absent)."""
    for line in head.replace("\r\n ", " ").replace("\r\n\t", "\t").split("\r\n"):
        if line.lower().startswith(name.lower() + ":"):
            return line.split(":", 1)[1].strip()
    return None


def main():
    print(f"hookline: {netsrv.HOOKLINE}\nsource:   {SRC}", flush=True)
    loader = unittest.defaultTestLoader
    module = sys.modules[__name__]
    suite = (loader.loadTestsFromNames(sys.argv[1:], module) if sys.argv[1:]
             else loader.loadTestsFromModule(module))
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
    # a test with several failing subtests counts once
    bad = {getattr(t, "test_case", t).id() for t, _ in result.failures + result.errors}
    bad |= {t.id() for t in result.unexpectedSuccesses}
    failed = len(bad)
    passed = max(0, result.testsRun - failed - len(result.skipped))
    if HTML_WRITTEN_BY_TEST:
        print("note: analyze wrote no report.html; the test used a small one of its own")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
