#!/usr/bin/env bash
# demo.sh: the Quick start demo. Builds tiendo, starts a collector and 34 agents (one per
# province of 2025) on this host with fresh keys, has each submit a report for the
# current quarter generated from a seeded model of the province, waits until every
# report is acknowledged, prints the national summary, stops everything, exits 0.
# Its words and the summary follow the locale as the programs do (LANGUAGE, LC_ALL,
# LC_MESSAGES, LANG: Vietnamese when the first one set starts with "vi"), or --lang.
#   --lang vi|en  the language of the demo and of the summary (default: from the locale)
#   DEMO_SEED=N   seed of the report model (default 2026)
#   BUILD_DIR=D   build folder (default ./build)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
lang=""
while [ $# -gt 0 ]; do
  case $1 in
  --lang) [ $# -ge 2 ] || { echo "demo.sh: --lang needs vi or en" >&2; exit 2; }; lang=$2; shift 2 ;;
  --lang=*) lang=${1#--lang=}; shift ;;
  -h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "demo.sh: unknown argument '$1' (demo.sh [--lang vi|en])" >&2; exit 2 ;;
  esac
done
if [ -z "$lang" ]; then # the programs' rule (common/i18n.c, td_i18n_resolve)
  lang=en
  for v in "${LANGUAGE:-}" "${LC_ALL:-}" "${LC_MESSAGES:-}" "${LANG:-}"; do
    [ -n "$v" ] || continue
    case $v in vi*) lang=vi ;; *) lang=en ;; esac
    break
  done
fi
case $lang in vi | en) ;; *) echo "demo.sh: --lang must be vi or en, not '$lang'" >&2; exit 2 ;; esac
say() { # english vietnamese: one line of the demo in its language
  if [ "$lang" = vi ]; then echo "$2"; else echo "$1"; fi
}
source "$here/deploy/ensure-deps.sh"
tiendo_ensure_deps

build=${BUILD_DIR:-$here/build}
say "== building tiendo in $build" "== biên dịch tiendo trong $build"
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

say "== collector: fresh keys and store in $work" "== máy chủ thu nhận: khóa và kho dữ liệu mới trong $work"
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
say "   enrolled ${#provinces[@]} agent keys (each for its own province) and 1 query key" \
  "   đã đăng ký ${#provinces[@]} khóa đơn vị (mỗi khóa cho tỉnh của mình) và 1 khóa tra cứu"
"$collector" run --state-dir "$work/collector" --bind 'tcp://127.0.0.1:*' \
  --query-bind 'tcp://127.0.0.1:*' --secret-key "$work/keys/collector.key" \
  --authorized-keys "$auth" --data-dir "$data" --endpoint-file "$work/endpoints" \
  2>"$work/collector.log" &
collector_pid=$!
for _ in $(seq 1 200); do [ -f "$work/endpoints" ] && break; sleep 0.05; done
[ -f "$work/endpoints" ] || { cat "$work/collector.log" >&2; say "collector did not start" "máy chủ thu nhận không khởi động được" >&2; exit 1; }
agents_ep=$(sed -n 's/^agents=//p' "$work/endpoints")
query_ep=$(sed -n 's/^query=//p' "$work/endpoints")
say "   agents connect to $agents_ep, staff query $query_ep" \
  "   đơn vị kết nối tới $agents_ep, cán bộ tra cứu tại $query_ep"

say "== ${#provinces[@]} agents: each submits its $period report, delivers it" \
  "== ${#provinces[@]} đơn vị: mỗi đơn vị lập báo cáo kỳ $period và gửi đi"
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
[ $failed -eq 0 ] || { say "$failed agent(s) did not deliver within 60 s" "$failed đơn vị không gửi được trong 60 giây" >&2; exit 1; }
say "   all ${#provinces[@]} agents acknowledged and stopped" \
  "   cả ${#provinces[@]} đơn vị đã được xác nhận và dừng"
echo

"$cli" status --lang "$lang" --period "$period" --query "$query_ep" --collector-public-key \
  "$work/keys/collector.pub" --secret-key "$work/keys/staff.key" --data-dir "$data"
reported=$("$cli" status --period "$period" --json --query "$query_ep" \
  --collector-public-key "$work/keys/collector.pub" --secret-key "$work/keys/staff.key" \
  --data-dir "$data" | jq .units_reported)

kill -TERM "$collector_pid"
wait "$collector_pid" || { say "collector did not stop cleanly" "máy chủ thu nhận không dừng đúng cách" >&2; exit 1; }
collector_pid=""
echo
say "== demo done in $((SECONDS - start)) s after the build: $reported of ${#provinces[@]} provinces reported (seed $seed)" \
  "== xong sau $((SECONDS - start)) giây (không kể biên dịch): $reported/${#provinces[@]} tỉnh, thành phố đã báo cáo (seed $seed)"
[ "$reported" -eq "${#provinces[@]}" ]
