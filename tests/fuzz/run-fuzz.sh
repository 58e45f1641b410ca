#!/usr/bin/env bash
# run-fuzz.sh: builds the libFuzzer harnesses (clang, address+undefined) and fuzzes each one
# for a fixed time, two at a time, each on a scratch copy of its seed corpus.
#   bash tests/fuzz/run-fuzz.sh [SECONDS] [BUILD_DIR]    (30 s, <repo>/build-fuzz)
# Prints one line per harness (runs, seconds, result); exits 1 if any harness found a crash,
# leak, timeout or out-of-memory input, naming the artifact and how to replay it.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-30}
build=${2:-$here/build-fuzz}
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [SECONDS] [BUILD_DIR]  (SECONDS a positive integer, got '$seconds')" >&2
  exit 2
fi
mkdir -p "$build"
build=$(cd "$build" && pwd)
parallel=2 # the machine has 2 cores; each harness is one process
artifacts=$build/fuzz-artifacts
logs=$build/fuzz-logs

# One harness per tests/fuzz/fuzz_*.c, as tests/fuzz/CMakeLists.txt builds them.
harnesses=()
for src in "$here"/tests/fuzz/fuzz_*.c; do
  harnesses+=("$(basename "$src" .c)")
done

echo "== configure and build ${harnesses[*]} in $build"
CC=clang CXX=clang++ cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTIENDO_FUZZ=ON -DTIENDO_SANITIZE=address,undefined >"$build/configure.log" 2>&1 ||
  {
    cat "$build/configure.log"
    if grep -q '^CMAKE_C_COMPILER:.*gcc' "$build/CMakeCache.txt" 2>/dev/null; then
      echo "$build was configured with gcc: delete it or pass another BUILD_DIR" >&2
    fi
    exit 1
  }
cmake --build "$build" --target "${harnesses[@]}" -j"$(nproc)" >"$build/build.log" 2>&1 ||
  { tail -n 60 "$build/build.log"; exit 1; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/tiendo-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$artifacts" "$logs"

fuzz_one() { # harness: fuzz a copy of its seeds (the checked-in corpus never grows)
  local h=$1 dict=() rc=0 start=$SECONDS
  mkdir -p "$scratch/$h/corpus" "$artifacts/$h"
  if [ -d "$here/tests/fuzz/corpus/$h" ]; then
    cp -R "$here/tests/fuzz/corpus/$h/." "$scratch/$h/corpus/"
  fi
  if [ -f "$here/tests/fuzz/$h.dict" ]; then
    dict=(-dict="$here/tests/fuzz/$h.dict")
  fi
  UBSAN_OPTIONS=print_stacktrace=1 "$build/tests/fuzz/$h" "${dict[@]}" \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="$artifacts/$h/" "$scratch/$h/corpus" >"$logs/$h.log" 2>&1 || rc=$?
  echo "$rc $((SECONDS - start))" >"$scratch/$h/status"
}

echo "== fuzz each harness for ${seconds} s, $parallel at a time (logs in $logs)"
running=0
for h in "${harnesses[@]}"; do
  if [ "$running" -ge "$parallel" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  fuzz_one "$h" &
  running=$((running + 1))
done
wait

failed=0
details=""
printf '%-20s %12s %8s  %s\n' harness runs seconds result
for h in "${harnesses[@]}"; do
  log=$logs/$h.log
  rc=1 secs=-
  if [ -f "$scratch/$h/status" ]; then
    read -r rc secs <"$scratch/$h/status"
  fi
  # libFuzzer's closing "Done N runs in S second(s)"; after a crash, its last "#N" status.
  runs=$(sed -n 's/^Done \([0-9]*\) runs in .*/\1/p' "$log" 2>/dev/null | tail -n 1)
  [ -n "$runs" ] || runs=$(sed -n 's/^#\([0-9]*\)[[:space:]].*/\1/p' "$log" 2>/dev/null | tail -n 1)
  [ -n "$runs" ] || runs=-
  artifact=$(sed -n 's/.*Test unit written to \(.*\/\(crash\|leak\|timeout\|oom\)-[0-9a-f]*\)$/\1/p' \
    "$log" 2>/dev/null | tail -n 1)
  if [ "$rc" = 0 ] && [ -z "$artifact" ]; then
    result=ok
  else
    failed=1
    if [ -n "$artifact" ]; then
      kind=$(basename "$artifact")
      result="FOUND ${kind%%-*}"
      details+="$h: $artifact"$'\n'
      details+="  reproduce: UBSAN_OPTIONS=print_stacktrace=1 $build/tests/fuzz/$h $artifact"$'\n'
    else
      result="FAILED (exit $rc, no artifact)"
    fi
    first=$(grep -m 1 -E 'ERROR: |runtime error:|SUMMARY: ' "$log" 2>/dev/null || true)
    details+="  first report: ${first:-none}; full log: $log"$'\n'
  fi
  printf '%-20s %12s %8s  %s\n' "$h" "$runs" "$secs" "$result"
done
if [ "$failed" != 0 ]; then
  printf '== fuzzing found problems:\n%s' "$details"
  exit 1
fi
