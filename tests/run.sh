#!/usr/bin/env bash
# run.sh: the Quick start test command. Installs what is missing, builds tiendo twice
# (normal, and with address+undefined sanitizers) and runs every ctest (unit and
# integration) in both builds, then fuzzes every libFuzzer harness for 30 s
# (tests/fuzz/run-fuzz.sh, clang build in build-fuzz). It first checks that every C file
# follows .clang-format, and fails at the end if any process started from a build folder
# is still running (a test that leaves one behind is a broken test).
#   TIENDO_SKIP_SANITIZE=1  only the normal build
#   TIENDO_SKIP_FUZZ=1      no fuzz stage
#   TIENDO_FUZZ_SECONDS=N   fuzz each harness N seconds instead of 30
set -euo pipefail # pipefail: a failing ctest fails the tee pipeline
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/deploy/ensure-deps.sh"
tiendo_ensure_deps
jobs=$(nproc)

echo "== clang-format --dry-run --Werror (every C file)"
mapfile -t c_files < <(cd "$here" && git ls-files '*.c' '*.h' 2>/dev/null ||
  find common collector agent dashboard-cli bench tests proto -name '*.[ch]')
(cd "$here" && clang-format --dry-run --Werror "${c_files[@]}") ||
  { echo "tiendo: the files above do not follow .clang-format (clang-format -i FILE)" >&2; exit 1; }

# Processes of this tree's build folders still running: the test command fails on any.
leftovers() {
  local pids
  pids=$(pgrep -f -- "$here/build" || true)
  [ -z "$pids" ] && return 0
  echo "tiendo: processes started from the build folders are still running:" >&2
  ps -o pid=,args= -p $(echo $pids | tr ' ' ',') >&2 || true
  return 1
}
leftovers || { echo "tiendo: stop them before running the tests" >&2; exit 1; }

run_suite() { # build-dir extra-cmake-args...
  local dir=$1
  shift
  echo "== configure and build $dir $*"
  mkdir -p "$dir"
  cmake -S "$here" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >"$dir/configure.log" 2>&1 ||
    { cat "$dir/configure.log"; exit 1; }
  cmake --build "$dir" -j"$jobs" >"$dir/build.log" 2>&1 || { tail -n 60 "$dir/build.log"; exit 1; }
  echo "== ctest in $dir"
  local rc=0
  ctest --test-dir "$dir" --output-on-failure -j"$jobs" 2>&1 | tee "$dir/ctest.out" || rc=$?
  # Check's own closing line for each unit test, then ctest's summary.
  echo "-- Check results:"
  awk '/^[0-9]+\/[0-9]+ Testing: unit\./ {name=$3} /^[0-9]+%: Checks: / {print "   " name ": " $0}' \
    "$dir/Testing/Temporary/LastTest.log"
  grep -E '^[0-9]+% tests passed' "$dir/ctest.out" || true
  sleep 1 # a process killed at the very end may take a moment to be reaped
  leftovers || rc=1
  return $rc
}

run_suite "$here/build"
if [ "${TIENDO_SKIP_SANITIZE:-0}" != 1 ]; then
  # Sanitized code runs 2-5x slower: Check's per-test timeouts and ctest's scale with it.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    CK_TIMEOUT_MULTIPLIER=5 \
    run_suite "$here/build-asan" -DTIENDO_SANITIZE=address,undefined -DTIENDO_TEST_TIMEOUT=180
fi
if [ "${TIENDO_SKIP_FUZZ:-0}" != 1 ]; then
  echo "== fuzz (tests/fuzz/run-fuzz.sh)"
  bash "$here/tests/fuzz/run-fuzz.sh" "${TIENDO_FUZZ_SECONDS:-30}"
fi
