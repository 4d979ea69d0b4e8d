#!/usr/bin/env bash
# run_bench.sh — hookline's end-to-end benchmark (issue 9): for each size of generated TikTok
# export, `metrics` (ingest + aggregation), `analyze` (findings, rules, briefs, recipes, report)
# and `run` against a fresh store, with /usr/bin/time -v for peak RSS and `--timings` for the
# per-stage split, repeated and reported as medians; the machine's floor on the same file
# (`wc -l`, `cat > /dev/null`); `run --shard K/N` for N = 2 and 4 plus `merge`, checked against
# the single-process run. Writes a Markdown report (bench/RESULTS.md by default).
#
#   bench/run_bench.sh                      # 1e4 1e5 1e6 1e7, 3 repetitions (1 at 1e7)
#   bench/run_bench.sh --sizes "1e4 1e5" --reps 5 --out /tmp/r.md
#
# Not a test: timings depend on the machine and its load. CPU seconds (user + sys) are what a
# shared machine still measures fairly; wall seconds are printed too.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIZES="1e4 1e5 1e6 1e7"
REPS=3
REPS_BIG=1          # repetitions at 1e7
BUILD="$ROOT/build-rel"
DATA="$ROOT/bench/data"
OUT="$ROOT/bench/RESULTS.md"
SHARD_SIZE=1e6      # the size the sharded runs use ("" skips them)
SKIP_RUN=0
WORK=${TMPDIR:-/tmp}/hookline-bench.$$

while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) SIZES=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    --reps-big) REPS_BIG=$2; shift 2 ;;
    --build) BUILD=$2; shift 2 ;;
    --data) DATA=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --shard-size) SHARD_SIZE=$2; shift 2 ;;
    --skip-run) SKIP_RUN=1; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "run_bench.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

mkdir -p "$WORK" "$DATA"
trap 'rm -rf "$WORK"' EXIT
log() { echo "bench: $*" >&2; }

# ---- build (Release, no tests) and data
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  log "configuring a Release build in $BUILD"
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DHL_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$BUILD" -j2 --target hookline gen_export >/dev/null
H="$BUILD/hookline"
RULES="$ROOT/scripts/rules"
for s in $SIZES; do
  [ -s "$DATA/export_$s.csv" ] || { log "generating $DATA/export_$s.csv"; "$BUILD/bench/gen_export" --size "$s" --out "$DATA/export_$s.csv"; }
  [ -s "$DATA/api_$s.jsonl" ] || { log "generating $DATA/api_$s.jsonl"; "$BUILD/bench/gen_export" --size "$s" --format jsonl --out "$DATA/api_$s.jsonl"; }
done

# ---- helpers
median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "nan"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

# timed NAME CMD...: runs CMD under /usr/bin/time -v; appends "wall cpu rss_mb" to $WORK/NAME.t and
# keeps CMD's stderr (the --timings lines) in $WORK/NAME.<n>.err
timed() {
  local name=$1; shift
  local n; n=$(find "$WORK" -maxdepth 1 -name "$name.*.err" | wc -l)
  /usr/bin/time -v -o "$WORK/$name.$n.time" "$@" >/dev/null 2>"$WORK/$name.$n.err" || {
    log "FAILED: $*"; cat "$WORK/$name.$n.err" >&2; return 1; }
  awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + p[i]}
              /User time/ {u = $2} /System time/ {s = $2} /Maximum resident/ {r = $2}
              END {printf "%.3f %.3f %.1f\n", w, u + s, r / 1024}' "$WORK/$name.$n.time" >> "$WORK/$name.t"
}
col() { awk -v c="$2" '{print $c}' "$WORK/$1.t" | median; }                 # median of column c
stage() { # median CPU seconds of a --timings stage over the runs of NAME
  cat "$WORK"/"$1".*.err | awk -v s="$2" '$1 == "hookline:" && $2 == "timing" && $3 == s {
      for (i = 4; i <= NF; i++) if ($(i+1) == "s" && $(i+2) ~ /^cpu/) print $i}' | median; }
runstep() { # median ms between two `run --timings` steps (matched by the start of their text)
  cat "$WORK"/"$1".*.err | awk -v a="$2" -v b="$3" '
      /^hookline: \[/ { t = $0; sub(/^hookline: \[ */, "", t); ms = t + 0; sub(/^hookline: \[ *[0-9]+ ms\] /, "");
                        if (index($0, a) == 1) t0 = ms; if (index($0, b) == 1 && t0 != "") { print (ms - t0) / 1000; t0 = "" } }' | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.0fx", a / b; else printf "n/a (< 0.01 s)" }'; }
rows_of() { awk -v s="$1" 'BEGIN {printf "%d", s + 0}'; }
fmt() { awk -v x="$1" 'BEGIN { if (x == "nan" || x == "") print "–"; else if (x >= 100) printf "%.0f", x; else if (x >= 10) printf "%.1f", x; else printf "%.2f", x }'; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { if (t <= 0) print "–"; else if (n / t >= 1e6) printf "%.2f M", n / t / 1e6; else printf "%.0f k", n / t / 1e3 }'; }

declare -A R
for s in $SIZES; do
  csv="$DATA/export_$s.csv"; api="$DATA/api_$s.jsonl"
  rows=$(rows_of "$s"); mb=$(awk -v b="$(stat -c %s "$csv")" 'BEGIN {printf "%.1f", b / 1048576}')
  reps=$REPS; [ "$s" = 1e7 ] && reps=$REPS_BIG
  log "size $s: $rows rows, $mb MB, $reps repetition(s)"
  cat "$csv" > /dev/null; cat "$api" > /dev/null      # warm the page cache: all runs read from it
  for r in $(seq "$reps"); do
    timed "wc.$s" wc -l "$csv"
    timed "cat.$s" sh -c "cat '$csv' > /dev/null"
    timed "metrics.$s" "$H" metrics --input "$csv" --format csv --output "$WORK/m.csv" --timings
    timed "metricsapi.$s" "$H" metrics --input "$api" --format csv --output "$WORK/m.csv" --timings
    rm -rf "$WORK/a.$s"
    timed "analyze.$s" "$H" analyze --input "$csv" --out "$WORK/a.$s" --rules "$RULES" --timings
    if [ "$SKIP_RUN" = 0 ]; then
      rm -rf "$WORK/store.$s"; mkdir -p "$WORK/store.$s"
      timed "run.$s" "$H" run --db "$WORK/store.$s/h.db" --out "$WORK/store.$s/out" --input "$csv" \
        --rules "$RULES" --timings
    fi
  done
  R[$s,rows]=$rows; R[$s,mb]=$mb
  R[$s,wc]=$(col "wc.$s" 2); R[$s,cat]=$(col "cat.$s" 2)
  for c in metrics metricsapi analyze run; do
    [ -s "$WORK/$c.$s.t" ] || continue
    R[$s,$c.wall]=$(col "$c.$s" 1); R[$s,$c.cpu]=$(col "$c.$s" 2); R[$s,$c.rss]=$(col "$c.$s" 3)
  done
  for st in ingest aggregate output; do R[$s,m.$st]=$(stage "metrics.$s" "$st"); done
  for st in ingest templates compare aggregate tests trends diagnose rules recipes outputs; do R[$s,a.$st]=$(stage "analyze.$s" "$st"); done
  if [ "$SKIP_RUN" = 0 ]; then
    R[$s,r.ingest]=$(runstep "run.$s" "locked" "ingested")
    R[$s,r.analyse]=$(runstep "run.$s" "ingested" "wrote")
    R[$s,r.db]=$(awk -v b="$(stat -c %s "$WORK/store.$s/h.db")" 'BEGIN {printf "%.0f", b / 1048576}')
  fi
  log "size $s: metrics ${R[$s,metrics.cpu]} s cpu, analyze ${R[$s,analyze.cpu]} s cpu"
done

# ---- sharded runs: one store and one output per shard, one process each (one after another:
# the CPU time per shard is what a fleet of one-core workers would each need), then merge
SHARDS=""
if [ -n "$SHARD_SIZE" ] && [ "$SKIP_RUN" = 0 ]; then
  s=$SHARD_SIZE; csv="$DATA/export_$s.csv"; rows=$(rows_of "$s")
  [ -s "$csv" ] || "$BUILD/bench/gen_export" --size "$s" --out "$csv"
  if [ ! -d "$WORK/store.$s/out" ]; then
    mkdir -p "$WORK/store.$s"
    timed "run.$s" "$H" run --db "$WORK/store.$s/h.db" --out "$WORK/store.$s/out" --input "$csv" --rules "$RULES" --timings
  fi
  single="$WORK/store.$s/out/latest"
  asof=$(tail -n 1 "$csv" | cut -d, -f1)   # an empty shard needs the date to write its outputs
  for N in 2 4; do
    outs=""
    for K in $(seq 0 $((N - 1))); do
      d="$WORK/shard.$N.$K"; rm -rf "$d"; mkdir -p "$d"
      timed "shard.$N.$K" "$H" run --db "$d/h.db" --out "$d/out" --input "$csv" --rules "$RULES" \
        --shard "$K/$N" --as-of "$asof" --timings
      outs="$outs $d/out"
    done
    rm -rf "$WORK/merged.$N"
    timed "merge.$N" "$H" merge $outs --out "$WORK/merged.$N"
    line=$(python3 - "$single" "$WORK/merged.$N" "$N" "$rows" "$WORK" <<'EOF'
import json, sys, glob, statistics
single, merged, n, rows, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
def ids(d, f, key, item):
    doc = json.load(open(f"{d}/{f}"))
    return {x[item] for x in doc[key]}
out = []
for f, key, item in (("briefs.json", "briefs", "id"), ("recipes.json", "recipes", "id")):
    a, b = ids(single, f, key, item), ids(merged, f, key, item)
    out.append(f"{len(a)}/{len(b)}/{len(a & b)}")
cpu, wall, rss = [], [], []
for k in range(n):
    t = open(glob.glob(f"{work}/shard.{n}.{k}.t")[0]).read().split()
    wall.append(float(t[0])); cpu.append(float(t[1])); rss.append(float(t[2]))
m = open(f"{work}/merge.{n}.t").read().split()
print(" ".join(out), f"{max(cpu):.2f} {sum(cpu):.2f} {max(rss):.0f} {float(m[1]):.2f} {float(m[2]):.0f} {rows / n / statistics.mean(cpu):.0f}")
EOF
)
    SHARDS="$SHARDS$N $line
"
  done
fi

# ---- the report (a hand-written part after a "<!-- notes -->" line is kept across runs)
NOTES=""
[ -f "$OUT" ] && NOTES=$(sed -n '/^<!-- notes -->/,$p' "$OUT")
{
  echo "# hookline benchmark results"
  echo
  echo "Generated by \`bench/run_bench.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC') from commit \`$(git -C "$ROOT" rev-parse --short HEAD)\`."
  echo
  echo "## Machine"
  echo
  echo '```'
  lscpu | grep -E '^(Model name|CPU\(s\)|Thread|Core|Socket|L1d|L2|L3|Hypervisor)' || true
  free -h | head -2
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "kernel: $(uname -r); compiler: $(${CC:-cc} --version | head -1)"
  echo '```'
  echo
  echo "Data: \`bench/gen_export\` (TikTok Ads Manager CSV, ~270 bytes a row, real header names, \"\$1,234.56\" and"
  echo "\"16,743\" cells; 25 ads an ad group, 10 ad groups a campaign; 1e4 = 500 ads x 20 days, 1e5 = 5,000 x 20,"
  echo "1e6 = 50,000 x 20, 1e7 = the same 50,000 ads x 200 days). Medians of $REPS runs ($REPS_BIG at 1e7),"
  echo "files in the page cache. **cpu** = user + system seconds (one core: hookline is single-threaded);"
  echo "wall seconds on this shared 2-core machine include waiting for the CPU. Rows/s and MB/s are over CPU time."
  echo
  echo "## Ingest + aggregation (\`hookline metrics\`, one row per ad)"
  echo
  echo "| rows | MB | cpu s | wall s | rows/s | MB/s | peak RSS MB | ingest / aggregate / output cpu s | vs \`wc -l\` | vs \`cat\` | API JSON lines: cpu s, rows/s, RSS MB |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|"
  for s in $SIZES; do
    c=${R[$s,metrics.cpu]}
    echo "| $s | ${R[$s,mb]} | $(fmt "$c") | $(fmt "${R[$s,metrics.wall]}") | $(rate "${R[$s,rows]}" "$c") | $(awk -v m="${R[$s,mb]}" -v t="$c" 'BEGIN {printf "%.0f", m / t}') | $(fmt "${R[$s,metrics.rss]}") | $(fmt "${R[$s,m.ingest]}") / $(fmt "${R[$s,m.aggregate]}") / $(fmt "${R[$s,m.output]}") | $(ratio "$c" "${R[$s,wc]}") | $(ratio "$c" "${R[$s,cat]}") | $(fmt "${R[$s,metricsapi.cpu]}"), $(rate "${R[$s,rows]}" "${R[$s,metricsapi.cpu]}"), $(fmt "${R[$s,metricsapi.rss]}") |"
  done
  echo
  echo "\`wc -l\` / \`cat > /dev/null\` on the same file took (cpu s):$(for s in $SIZES; do printf ' %s: %s / %s;' "$s" "$(fmt "${R[$s,wc]}")" "$(fmt "${R[$s,cat]}")"; done)"
  echo
  echo "## Full analysis (\`hookline analyze\`: findings, rules, briefs, recipes, report)"
  echo
  echo "| rows | cpu s | wall s | rows/s | µs/row | peak RSS MB | ingest | templates | compare (aggregate + tests + trends + diagnose) | rules | recipes | outputs |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|"
  for s in $SIZES; do
    c=${R[$s,analyze.cpu]}
    echo "| $s | $(fmt "$c") | $(fmt "${R[$s,analyze.wall]}") | $(rate "${R[$s,rows]}" "$c") | $(awk -v t="$c" -v n="${R[$s,rows]}" 'BEGIN {printf "%.2f", t / n * 1e6}') | $(fmt "${R[$s,analyze.rss]}") | $(fmt "${R[$s,a.ingest]}") | $(fmt "${R[$s,a.templates]}") | $(fmt "${R[$s,a.compare]}") ($(fmt "${R[$s,a.aggregate]}") + $(fmt "${R[$s,a.tests]}") + $(fmt "${R[$s,a.trends]}") + $(fmt "${R[$s,a.diagnose]}")) | $(fmt "${R[$s,a.rules]}") | $(fmt "${R[$s,a.recipes]}") | $(fmt "${R[$s,a.outputs]}") |"
  done
  echo
  echo "Stage columns are CPU seconds from \`hookline analyze --timings\`."
  if [ "$SKIP_RUN" = 0 ]; then
    echo
    echo "## Nightly run against a fresh store (\`hookline run --db --out --input\`)"
    echo
    echo "| rows | cpu s | wall s | peak RSS MB | store ingest wall s | analysis + outputs wall s | store MB |"
    echo "|---:|---:|---:|---:|---:|---:|---:|"
    for s in $SIZES; do
      echo "| $s | $(fmt "${R[$s,run.cpu]}") | $(fmt "${R[$s,run.wall]}") | $(fmt "${R[$s,run.rss]}") | $(fmt "${R[$s,r.ingest]}") | $(fmt "${R[$s,r.analyse]}") | ${R[$s,r.db]} |"
    done
  fi
  if [ -n "$SHARDS" ]; then
    echo
    echo "## Sharded runs (\`run --shard K/N\`, one store per shard) and \`merge\`, $SHARD_SIZE rows"
    echo
    echo "Each shard ran as its own process, one after another; a fleet runs them side by side, so the"
    echo "night takes the slowest shard. Ids compared with the single-process run of the same data."
    echo
    echo "| N | brief ids single / merged / shared | recipe ids single / merged / shared | slowest shard cpu s | all shards cpu s | largest shard RSS MB | merge cpu s | merge RSS MB | rows/s per shard (cpu) |"
    echo "|---:|---|---|---:|---:|---:|---:|---:|---:|"
    printf '%s' "$SHARDS" | while read -r n b r mx sum rss mg mrss per; do
      [ -n "$n" ] && echo "| $n | $b | $r | $mx | $sum | $rss | $mg | $mrss | $per |"
    done
  fi
  if [ -n "$NOTES" ]; then echo; printf '%s\n' "$NOTES"; fi
} > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
log "wrote $OUT"
