#!/bin/sh
# run_fuzz.sh — runs hookline's libFuzzer targets for a time budget each (tests/fuzz/README.md).
#
#   tests/fuzz/run_fuzz.sh [-t SECONDS] [-j JOBS] [-b BUILD_DIR] [-w WORK_DIR] [TARGET...]
#
# TARGET is a name (csv, apijson, cell, config, stats_cli, emit, rules); default: every
# fuzz_<name> binary found in BUILD_DIR/tests/fuzz. Each target fuzzes for SECONDS (default 30)
# from its seed corpus tests/fuzz/corpus/<name> (read only) into WORK_DIR/<name> (new inputs;
# default: a temporary directory, removed at the end), with the dictionary tests/fuzz/<name>.dict
# when there is one; JOBS targets run at once (default 1). Crash reproducers go to
# WORK_DIR/artifacts/. One summary line per target: runs, seconds, and ok or the reproducer.
# Exit status 1 if any target found a crash, a leak, a timeout (10 s per input) or an OOM.
#
# BUILD_DIR (default build-fuzz) must be configured with clang and -DHL_FUZZ=ON, normally with
# -DHL_ASAN=ON -DHL_UBSAN=ON; .ci/run does this.
set -eu

secs=30 jobs=1 build=build-fuzz work=""
while getopts t:j:b:w: o; do
  case $o in
    t) secs=$OPTARG ;;
    j) jobs=$OPTARG ;;
    b) build=$OPTARG ;;
    w) work=$OPTARG ;;
    *) sed -n '2,16p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))

here=$(cd "$(dirname "$0")" && pwd)
bindir=$build/tests/fuzz
if [ $# -eq 0 ]; then
  for b in "$bindir"/fuzz_*; do
    n=${b##*/fuzz_}
    case $n in *_standalone | *.*) continue ;; esac
    [ -x "$b" ] && set -- "$@" "$n"
  done
fi
if [ $# -eq 0 ]; then
  echo "run_fuzz: no fuzz_* binaries in $bindir (configure with CC=clang -DHL_FUZZ=ON)" >&2
  exit 2
fi
cleanup_work=0
if [ -z "$work" ]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/hl-fuzz-XXXXXX")
  cleanup_work=1
fi
mkdir -p "$work/artifacts" "$work/logs"

# ASan: leaks are findings; UBSan: stop at the first report (libFuzzer then saves the input).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

run_one() {
  t=$1
  bin=$bindir/fuzz_$t
  if [ ! -x "$bin" ]; then
    echo "fuzz_$t: not built" >"$work/logs/$t.summary"
    return 1
  fi
  mkdir -p "$work/$t"
  set -- -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/$t-"
  [ -f "$here/$t.dict" ] && set -- "$@" -dict="$here/$t.dict"
  # stats_cli prints usage errors on stderr for most inputs: keep libFuzzer's own output only
  [ "$t" = stats_cli ] && set -- "$@" -close_fd_mask=2
  seeds=$here/corpus/$t
  [ -d "$seeds" ] || seeds=""
  start=$(date +%s)
  rc=0
  # shellcheck disable=SC2086
  "$bin" "$@" "$work/$t" $seeds >"$work/logs/$t.log" 2>&1 || rc=$?
  end=$(date +%s)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/logs/$t.log" | tail -1)
  art=$(ls "$work/artifacts/$t-"* 2>/dev/null | head -1 || true)
  if [ "$rc" = 0 ]; then
    echo "fuzz_$t: ok: ${runs:-?} runs in $((end - start)) s" >"$work/logs/$t.summary"
  else
    echo "fuzz_$t: FAILED (exit $rc) after ${runs:-?} runs in $((end - start)) s: ${art:-no reproducer}; log $work/logs/$t.log" \
      >"$work/logs/$t.summary"
    grep -E "invariant violated|runtime error|ERROR: |SUMMARY" "$work/logs/$t.log" | head -5 \
      >>"$work/logs/$t.summary" || true
    return 1
  fi
}

status=0
running=0
pids=""
for t in "$@"; do
  run_one "$t" &
  pids="$pids $!"
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    for p in $pids; do wait "$p" || status=1; done
    pids="" running=0
  fi
done
for p in $pids; do wait "$p" || status=1; done
for t in "$@"; do cat "$work/logs/$t.summary"; done
if [ "$status" != 0 ] && [ "$cleanup_work" = 1 ]; then
  # keep the reproducers and logs of a failure
  echo "run_fuzz: reproducers and logs kept in $work" >&2
  cleanup_work=0
fi
[ "$cleanup_work" = 1 ] && rm -rf "$work"
exit "$status"
