#!/usr/bin/env python3
"""make_corpus.py — writes the seed corpora of the hardening fuzz targets (issue 10) from the
repository's fixtures, deterministically: tests/fuzz/corpus/{csv,apijson,cell,config,stats_cli,
emit}. Standard library only. The output is committed; re-run after the fixtures change:

    /usr/bin/python3 tests/fuzz/make_corpus.py [--hookline build/hookline]

With --hookline, findings.json files from `hookline analyze` on the examples are added to the
emit corpus (otherwise the ones already there are kept). Files a fuzzing run added to a working
corpus are not copied back here: the seeds stay small and readable; libFuzzer's merged corpora
live outside the repository (tests/fuzz/README.md).
"""
import argparse
import csv
import glob
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, "..", ".."))
CORPUS = os.path.join(HERE, "corpus")
INGEST = os.path.join(SRC, "tests", "data", "ingest")
EXAMPLES = os.path.join(SRC, "examples")
TARGETS = ["csv", "apijson", "cell", "config", "stats_cli", "emit"]


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def head_lines(path, n):
    with open(path, "rb") as f:
        return b"".join(f.readline() for _ in range(n))


def csv_seeds():
    for p in sorted(glob.glob(os.path.join(INGEST, "*"))):
        with open(p, "rb") as f:
            data = f.read()
        if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
            continue
        write("csv", os.path.basename(p), data)
    write("csv", "example_head.csv", head_lines(os.path.join(EXAMPLES, "tiktok-export.csv"), 40))
    # edge cases the matrix also tries, small enough for the fuzzer
    hdr = b"Date,Ad name,Ad ID,Ad group name,Ad group ID,Campaign name,Campaign ID,Cost,Impressions,Clicks\n"
    row = b"2026-10-01,a,1,g,2,c,3,1.5,100,5\n"
    write("csv", "edge_lone_cr.csv", (hdr + row + row.replace(b"1,g", b"9,g")).replace(b"\n", b"\r"))
    write("csv", "edge_nul.csv", hdr + row.replace(b"a,", b"a\x00b,"))
    write("csv", "edge_dup_columns.csv", hdr.replace(b"Clicks", b"Cost") + row)
    write("csv", "edge_numbers.csv", hdr + b"2026-10-01,a,1,g,2,c,3,1e400,-0,NaN\n"
          + b"2026-10-02,a,1,g,2,c,3,1.5e2,inf,-inf\n")
    write("csv", "edge_bad_date.csv", hdr + row.replace(b"2026-10-01", b"2026-02-30"))
    write("csv", "edge_totals_middle.csv", hdr + row + b"Total,,,,,,,3,200,10\n"
          + row.replace(b"2026-10-01", b"2026-10-02"))
    write("csv", "edge_invalid_utf8.csv", hdr + row.replace(b"a,", b"\xff\xfe\xc3(,"))
    write("csv", "edge_semicolon.csv", hdr.replace(b",", b";") + b"2026-10-01;a;1;g;2;c;3;1,5;1.000;5\n")
    write("csv", "edge_quotes.csv", hdr + b'2026-10-01,"a ""q"" \n b",1,g,2,c,3,"1,234.50",100,5\n')
    write("csv", "edge_gzip.csv", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"\xab" * 20)


def apijson_seeds():
    for p in sorted(glob.glob(os.path.join(INGEST, "*.json*"))):
        with open(p, "rb") as f:
            write("apijson", os.path.basename(p), f.read())
    write("apijson", "example_head.jsonl", head_lines(os.path.join(EXAMPLES, "tiktok-report.jsonl"), 30))
    with open(os.path.join(EXAMPLES, "tiktok-report-page.json"), "rb") as f:
        page = json.load(f)
    lst = page.get("data", {}).get("list", [])
    page["data"]["list"] = lst[:12]
    write("apijson", "example_page_small.json", json.dumps(page))
    row = {"advertiser_id": "7000000000000000001",
           "dimensions": {"ad_id": "1884200428524014665", "stat_time_day": "2026-10-01 00:00:00"},
           "metrics": {"spend": "14.68", "impressions": "1000", "clicks": "-", "ad_name": "x"}}
    write("apijson", "edge_dup_keys.json",
          '{"code":0,"code":1,"data":{"list":[' + json.dumps(row) + '],"list":[]}}')
    write("apijson", "edge_numbers.jsonl",
          json.dumps(row).replace('"14.68"', "1e400").replace('"1000"', "-0.0") + "\n")
    write("apijson", "edge_deep.json", "[" * 200 + "]" * 200)
    write("apijson", "edge_truncated.json", json.dumps(page)[:300])
    write("apijson", "edge_nul.jsonl", json.dumps(row).replace("x", "x\\u0000y") + "\n")


def cell_seeds():
    cells = set()
    for p in sorted(glob.glob(os.path.join(INGEST, "*.csv"))):
        with open(p, encoding="utf-8", errors="replace", newline="") as f:
            text = f.read()
        sep = ";" if text.count(";") > text.count(",") else ","
        for rec in csv.reader(io.StringIO(text), delimiter=sep):
            for c in rec:
                if len(c) < 40 and any(ch.isdigit() for ch in c):
                    cells.add(c)
    cells |= {"", "-", "--", "N/A", "<5", "< 5", "1e400", "-1e400", "1E-400", "-0", "-0.0",
              "NaN", "nan", "inf", "-inf", "Infinity", "1.5e3", "1,234", "1,23", "12,345,678.90",
              "1.234.567,89", "$1,234.56", "-$5", "$-5", "12,5 €", "€12,5", "1.18%", "\u2212 3",
              "\u00a01 234\u00a0", "1\u202f234", "1'234", "0x10", "+7", "1e", "1e+", ".5", "5.",
              "2026-02-30", "2026-02-29", "2024-02-29", "2026-10-01 00:00:00",
              "2026-10-01T00:00:00", "2026-10-01 13:00:00", "2026/10/01", "1899-12-31",
              "9999-12-31", "0000-01-01", "2026-1-1", "99999999999999999999999999999999999999"}
    for i, c in enumerate(sorted(cells)):
        write("cell", f"cell_{i:04d}", c)


def config_seeds():
    for p in [os.path.join(EXAMPLES, "hookline.lua"),
              os.path.join(SRC, "scripts", "hookline.example.lua")]:
        if os.path.exists(p):
            with open(p, "rb") as f:
                write("config", os.path.basename(p), f.read())
    seeds = {
        "empty_table.lua": "return {}\n",
        "unknown_key.lua": "return { analysis = { alpah = 0.05 } }\n",
        "wrong_type.lua": "return { analysis = { alpha = \"0.05\" }, store = { db = 5 } }\n",
        "credentials_url.lua": "return { deliver = { webhook = \"https://user:pass@host/x\" } }\n",
        "strings.lua": "return { store = { db = \"a]]b\" }, run = { out = \"x\\ny\" }, "
                       "mail = { to = \"a@b.c\", from = \"x@y.z\", smtp = \"smtp://127.0.0.1:25\" } }\n",
        "globals.lua": "analysis = { mode = \"bayes\" }\n",
        "loop.lua": "while true do end\n",
        "numbers.lua": "return { analysis = { alpha = 0/0, window_days = 1e400, min_days = 2.5 } }\n",
        "nested.lua": "return { analysis = { x = { y = { z = { w = {} } } } } }\n",
        "not_table.lua": "return 42\n",
        "syntax.lua": "return { analysis = \n",
        "all_sections.lua": "return { analysis = { alpha = 0.01, mode = \"fixed\", adjust = \"holm\", "
                            "overdispersion = false }, trends = { days = 21 }, recipes = "
                            "{ max_variants = 2 }, rules = { instructions = 1e6 }, experiments = "
                            "{ randomized = true } }\n",
    }
    for name, text in seeds.items():
        write("config", name, text)


def stats_seeds():
    seeds = [
        ["ci", "30", "1000"], ["ci", "0", "1", "--method", "clopper-pearson", "--json"],
        ["ci", "5", "10", "-m", "jeffreys", "--alpha", "0.01"],
        ["ci", "1000000000", "1000000000", "--method", "normal", "--json"],
        ["prop", "120", "1000", "100", "1000", "--json"],
        ["prop", "5", "20", "1", "30", "--test", "fisher", "--alternative", "larger", "--json"],
        ["prop", "0", "0", "0", "0", "--test", "score", "--phi", "2.5", "--json"],
        ["prop", "10", "100", "12", "100", "--test", "wald", "--no-correction"],
        ["rate", "30", "1500.5", "20", "1400", "--json"],
        ["rate", "0", "1", "0", "1", "--test", "score", "--alternative", "smaller", "--json"],
        ["adjust", "--method", "holm", "0.01", "0.04", "0.03", "0.5", "--json"],
        ["adjust", "0", "1", "1e-300", "--method", "bonferroni"],
        ["power", "--p2", "0.05", "--lift", "0.1", "--json"],
        ["power", "--p2", "0.3", "--diff", "0.01", "--n", "10000", "--ratio", "2", "--json"],
        ["power", "--p2", "0", "--diff", "1", "--power", "0.999", "--alternative", "larger"],
        ["bayes", "120", "1000", "100", "1000", "--json"],
        ["bayes", "1", "2", "0", "2", "--prior-sd", "0.3", "--prior-mean", "0.1", "--json"],
        ["seq", "120", "1000", "100", "1000", "--tuning", "10000", "--prev-p", "0.2", "--json"],
        ["seq", "0", "0", "0", "0", "--json"],
        ["srm", "5000", "5100", "--json"], ["srm", "1", "2", "3", "--weights", "1,2,3", "--json"],
        ["srm", "0", "0", "--weights", "0,1"],
        ["ci", "--help"], ["bogus"], ["prop", "1", "2"], ["ci", "1e400", "1e400"],
        ["ci", "nan", "inf"], ["power", "--p2", "-0", "--lift", "1e308", "--json"],
    ]
    for i, args in enumerate(seeds):
        write("stats_cli", f"args_{i:02d}", "\0".join(args))


def emit_seeds(hookline):
    # raw documents: the fixture the rules fuzz target uses and the pack's test fixtures
    for p in sorted(glob.glob(os.path.join(SRC, "scripts", "rules", "tests", "*.json"))):
        with open(p, encoding="utf-8") as f:
            doc = json.load(f)
        if isinstance(doc, dict) and isinstance(doc.get("findings"), dict):
            write("emit", "rules_test_" + os.path.basename(p),
                  json.dumps(doc["findings"], separators=(",", ":"), ensure_ascii=False))
    if hookline:
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "out")
            r = subprocess.run([hookline, "-q", "analyze", "--input",
                                os.path.join(EXAMPLES, "tiktok-export.csv"), "--out", out])
            if r.returncode in (0, 1):
                with open(os.path.join(out, "findings.json"), "rb") as f:
                    doc = json.load(f)
                # small enough to mutate quickly: the first ad group's ads and findings
                group = doc["ads"][0]["adgroup_id"]
                ads = {a["ad_id"] for a in doc["ads"] if a.get("adgroup_id") == group}
                keep = lambda x: (x.get("subject", x).get("adgroup_id") == group)
                doc["ads"] = [a for a in doc["ads"] if a["ad_id"] in ads]
                cmps = [c for c in doc.get("comparisons", []) if keep(c)]
                index = {id(c): i for i, c in enumerate(cmps)}
                old = doc.get("comparisons", [])
                remap = {i: index[id(c)] for i, c in enumerate(old) if id(c) in index}
                doc["comparisons"] = cmps
                trs = [t for t in doc.get("trends", []) if keep(t)]
                told = doc.get("trends", [])
                tmap = {i: trs.index(t) for i, t in enumerate(told) if t in trs}
                doc["trends"] = trs
                dxs = []
                for d in doc.get("diagnoses", []):
                    if not keep(d):
                        continue
                    ev = []
                    for e in d.get("evidence", []):
                        if "comparison" in e and e["comparison"] in remap:
                            ev.append({**e, "comparison": remap[e["comparison"]]})
                        elif "trend" in e and e["trend"] in tmap:
                            ev.append({**e, "trend": tmap[e["trend"]]})
                    dxs.append({**d, "evidence": ev})
                doc["diagnoses"] = dxs
                write("emit", "example_group.json",
                      json.dumps(doc, separators=(",", ":"), ensure_ascii=False))
    # generator mode: any bytes not starting with '{'
    for i, b in enumerate([b"\x00" * 64, b"\xff" * 64, bytes(range(256)), b"seed" * 40,
                           bytes((i * 37 + 11) % 256 for i in range(600))]):
        write("emit", f"gen_{i:02d}", b)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hookline", help="the hookline binary (adds analyze outputs to emit)")
    a = ap.parse_args()
    for t in TARGETS:
        d = os.path.join(CORPUS, t)
        if t == "emit" and not a.hookline:
            # keep findings made by an earlier run with --hookline
            for p in glob.glob(os.path.join(d, "*")):
                if not os.path.basename(p).startswith("example_"):
                    os.remove(p)
            continue
        shutil.rmtree(d, ignore_errors=True)
    csv_seeds()
    apijson_seeds()
    cell_seeds()
    config_seeds()
    stats_seeds()
    emit_seeds(a.hookline)
    for t in TARGETS:
        print(f"{t}: {len(os.listdir(os.path.join(CORPUS, t)))} seeds")


if __name__ == "__main__":
    sys.exit(main())
