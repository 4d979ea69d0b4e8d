#!/bin/sh
# quickstart.sh — the README's two commands: install what is missing on Debian 12, build, then
# either run hookline's main job on the bundled example data (`demo`) or every test suite (`test`).
# Environment: BUILD_DIR (default build), HL_WERROR=ON, HL_SANITIZE=ON (ASan+UBSan), JOBS.
set -eu

mode=${1:-demo}
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

pkgs="build-essential cmake pkg-config libgsl-dev liblua5.4-dev libcjson-dev \
libcurl4-openssl-dev libsqlite3-dev libssl-dev python3 python3-numpy python3-jsonschema chromium fonts-liberation"
# .ci/run's hardening checks (issue 10): clang with libFuzzer (libclang-rt-14-dev holds
# libclang_rt.fuzzer on Debian 12), cppcheck, clang-tidy (run-clang-tidy), valgrind
if [ "$mode" = test ]; then
  pkgs="$pkgs clang libclang-rt-14-dev cppcheck clang-tidy valgrind"
fi

missing=""
for p in $pkgs; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "quickstart: installing:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "quickstart: missing Debian packages. Run as root, then re-run this command:" >&2
    echo "  sudo apt-get install -y$missing" >&2
    exit 1
  fi
fi

build=${BUILD_DIR:-build}
werror=${HL_WERROR:-OFF}
san=${HL_SANITIZE:-OFF}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}

cmake -S . -B "$build" -DHL_WERROR="$werror" -DHL_ASAN="$san" -DHL_UBSAN="$san" >/dev/null
cmake --build "$build" -j "$jobs" >/dev/null || cmake --build "$build" -j 1

case "$mode" in
  demo)
    # the full analysis of the example account: findings, briefs, recipes, report
    "$build/hookline" metrics --input examples/tiktok-export.csv --level campaign
    "$build/hookline" analyze --input examples/tiktok-export.csv --out out/demo
    echo
    sed -n '1,40p' out/demo/briefs.md
    echo
    echo "quickstart: the whole report is out/demo/report.html (findings.json, briefs.json, recipes.json beside it)"
    ;;
  test)
    cd "$build"
    ctest --output-on-failure -j "$jobs"
    ;;
  *)
    echo "usage: scripts/quickstart.sh demo|test" >&2
    exit 2
    ;;
esac
