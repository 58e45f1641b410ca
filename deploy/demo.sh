#!/usr/bin/env bash
# demo.sh: the Quick start demo. Builds tiendo, starts a collector and 34 agents (one per
# province of 2025) on this host with fresh keys, has each submit a report for the
# current quarter generated from a seeded model of the province, waits until every
# report is acknowledged, prints the national summary, stops everything, exits 0.
#   DEMO_SEED=N   seed of the report model (default 2026)
#   BUILD_DIR=D   build folder (default ./build)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/deploy/ensure-deps.sh"
tiendo_ensure_deps

build=${BUILD_DIR:-$here/build}
echo "== building tiendo in $build"
mkdir -p "$build"
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build/configure.log" 2>&1 ||
  { cat "$build/configure.log"; exit 1; }
cmake --build "$build" -j"$(nproc)" >"$build/build.log" 2>&1 || { tail -n 60 "$build/build.log"; exit 1; }

collector=$build/collector/tiendo-collector
agent=$build/agent/tiendo-agent
cli=$build/dashboard-cli/tiendo
reportgen=$build/bench/tiendo-reportgen
data=$here/data
seed=${DEMO_SEED:-2026}
work=$(mktemp -d "${TMPDIR:-/tmp}/tiendo-demo.XXXXXX")
pids=()
collector_pid=""
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  [ -n "$collector_pid" ] && kill -TERM "$collector_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
start=$SECONDS

year=$(date -u +%Y)
month=$((10#$(date -u +%m)))
period="$year-Q$(((month + 2) / 3))"

echo "== collector: fresh keys and store in $work"
mkdir -p "$work/keys"
"$collector" keygen "$work/keys/collector" >/dev/null
"$collector" keygen "$work/keys/staff" >/dev/null
mapfile -t provinces < <(grep -v '^#' "$data/units.csv" |
  awk -F, '$3=="province" && $6=="" {print $1}' | sort -u)
# Only enrolled keys may connect: central staff read, each office reports for its own
# province and the units under it (docs/security.md).
auth=$work/authorized-keys
"$collector" enrol "$work/keys/staff.pub" --role query --name "central staff" \
  --authorized-keys "$auth" --data-dir "$data" >/dev/null
for code in "${provinces[@]}"; do
  "$collector" keygen "$work/keys/agent-$code" >/dev/null
  "$collector" enrol "$work/keys/agent-$code.pub" --scope "$code/*" --name "office $code" \
    --authorized-keys "$auth" --data-dir "$data" >/dev/null
done
echo "   enrolled ${#provinces[@]} agent keys (each for its own province) and 1 query key"
"$collector" run --state-dir "$work/collector" --bind 'tcp://127.0.0.1:*' \
  --query-bind 'tcp://127.0.0.1:*' --secret-key "$work/keys/collector.key" \
  --authorized-keys "$auth" --data-dir "$data" --endpoint-file "$work/endpoints" \
  2>"$work/collector.log" &
collector_pid=$!
for _ in $(seq 1 200); do [ -f "$work/endpoints" ] && break; sleep 0.05; done
[ -f "$work/endpoints" ] || { cat "$work/collector.log" >&2; echo "collector did not start" >&2; exit 1; }
agents_ep=$(sed -n 's/^agents=//p' "$work/endpoints")
query_ep=$(sed -n 's/^query=//p' "$work/endpoints")
echo "   agents connect to $agents_ep, staff query $query_ep"

echo "== ${#provinces[@]} agents: each submits its $period report, delivers it"
for code in "${provinces[@]}"; do
  dir=$work/agent-$code
  common=(--state-dir "$dir" --collector "$agents_ep" --collector-public-key
    "$work/keys/collector.pub" --secret-key "$work/keys/agent-$code.key" --data-dir "$data"
    --unit "$code")
  "$reportgen" --unit "$code" --period "$period" --seed "$seed" --data-dir "$data" \
    >"$work/report-$code.json"
  "$agent" submit "$work/report-$code.json" "${common[@]}" >"$work/submit-$code.log"
  "$agent" run --exit-when-empty "${common[@]}" 2>"$work/agent-$code.log" &
  pids+=($!)
done

failed=0
deadline=$((SECONDS + 60))
for p in "${pids[@]}"; do
  while kill -0 "$p" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
  if kill -0 "$p" 2>/dev/null || ! wait "$p"; then failed=$((failed + 1)); fi
done
pids=()
[ $failed -eq 0 ] || { echo "$failed agent(s) did not deliver within 60 s" >&2; exit 1; }
echo "   all ${#provinces[@]} agents acknowledged and stopped"
echo

"$cli" status --period "$period" --query "$query_ep" --collector-public-key \
  "$work/keys/collector.pub" --secret-key "$work/keys/staff.key" --data-dir "$data"
reported=$("$cli" status --period "$period" --json --query "$query_ep" \
  --collector-public-key "$work/keys/collector.pub" --secret-key "$work/keys/staff.key" \
  --data-dir "$data" | jq .units_reported)

kill -TERM "$collector_pid"
wait "$collector_pid" || { echo "collector did not stop cleanly" >&2; exit 1; }
collector_pid=""
echo
echo "== demo done in $((SECONDS - start)) s after the build: $reported of ${#provinces[@]} provinces reported (seed $seed)"
[ "$reported" -eq "${#provinces[@]}" ]
