#!/usr/bin/env bash
# lib.sh: helpers for integration tests: temp folder, keys, real collector/agent/CLI
# processes, assertions. Source it; every process started is stopped on exit.
set -euo pipefail

: "${TIENDO_COLLECTOR:?set by ctest}" "${TIENDO_AGENT:?}" "${TIENDO_CLI:?}"
: "${TIENDO_REPORTGEN:?}" "${TIENDO_SOURCE_DIR:?}"

T=$(mktemp -d "${TMPDIR:-/tmp}/tiendo-test.XXXXXX")
COLLECTOR_PID=""
AGENTS_EP=""
QUERY_EP=""
declare -a TD_PIDS=()

td_cleanup() {
  local rc=$?
  local p
  for p in "${TD_PIDS[@]}" $COLLECTOR_PID; do
    kill -KILL "$p" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if [ $rc -ne 0 ]; then
    echo "---- collector log (last 40 lines) ----" >&2
    tail -n 40 "$T/collector.log" 2>/dev/null >&2 || true
    echo "---- kept $T for inspection ----" >&2
  else
    rm -rf "$T"
  fi
}
trap td_cleanup EXIT

td_fail() {
  echo "FAIL: $*" >&2
  exit 1
}

td_assert_eq() { # actual expected message
  [ "$1" = "$2" ] || td_fail "$3: expected '$2', got '$1'"
}

td_keygen() { # name -> $T/keys/name.{key,pub}
  mkdir -p "$T/keys"
  "$TIENDO_COLLECTOR" keygen "$T/keys/$1" >/dev/null
}

# td_start_collector [extra flags]: first start binds free ports; later starts
# (after td_kill_collector) reuse the same endpoints so agents find it again.
td_start_collector() {
  [ -f "$T/keys/collector.key" ] || td_keygen collector
  local bind="${AGENTS_EP:-tcp://127.0.0.1:*}" qbind="${QUERY_EP:-tcp://127.0.0.1:*}"
  rm -f "$T/endpoints"
  "$TIENDO_COLLECTOR" run --state-dir "$T/collector" --bind "$bind" --query-bind "$qbind" \
    --secret-key "$T/keys/collector.key" --data-dir "$TIENDO_SOURCE_DIR/data" \
    --endpoint-file "$T/endpoints" --stats-interval-s 1 "$@" 2>>"$T/collector.log" &
  COLLECTOR_PID=$!
  local i
  for i in $(seq 1 200); do
    [ -f "$T/endpoints" ] && break
    kill -0 "$COLLECTOR_PID" 2>/dev/null || td_fail "collector exited at start"
    sleep 0.05
  done
  [ -f "$T/endpoints" ] || td_fail "collector did not start within 10 s"
  AGENTS_EP=$(sed -n 's/^agents=//p' "$T/endpoints")
  QUERY_EP=$(sed -n 's/^query=//p' "$T/endpoints")
}

td_kill_collector() { # signal (default TERM); waits for exit, sets COLLECTOR_STATUS
  local sig="${1:-TERM}"
  COLLECTOR_STATUS=0
  kill -"$sig" "$COLLECTOR_PID" 2>/dev/null || true
  wait "$COLLECTOR_PID" 2>/dev/null || COLLECTOR_STATUS=$?
  COLLECTOR_PID=""
}

td_agent() { # name command [args...]: run tiendo-agent with this agent's files
  local name=$1
  shift
  [ -f "$T/keys/$name.key" ] || td_keygen "$name"
  "$TIENDO_AGENT" "$@" --state-dir "$T/agents/$name" --collector "$AGENTS_EP" \
    --collector-public-key "$T/keys/collector.pub" --secret-key "$T/keys/$name.key" \
    --data-dir "$TIENDO_SOURCE_DIR/data" --resend-timeout-ms 1000 --heartbeat-ms 500
}

td_agent_bg() { # name log command [args...]: start tiendo-agent in the background
  # (the binary itself, so AGENT_PID can be signalled); sets AGENT_PID
  local name=$1 log=$2
  shift 2
  [ -f "$T/keys/$name.key" ] || td_keygen "$name"
  "$TIENDO_AGENT" "$@" --state-dir "$T/agents/$name" --collector "$AGENTS_EP" \
    --collector-public-key "$T/keys/collector.pub" --secret-key "$T/keys/$name.key" \
    --data-dir "$TIENDO_SOURCE_DIR/data" --resend-timeout-ms 1000 --heartbeat-ms 500 \
    >>"$log" 2>&1 &
  AGENT_PID=$!
  TD_PIDS+=("$AGENT_PID")
}

td_cli() { # tiendo command with a query key
  [ -f "$T/keys/cli.key" ] || td_keygen cli
  "$TIENDO_CLI" "$@" --query "$QUERY_EP" --collector-public-key "$T/keys/collector.pub" \
    --secret-key "$T/keys/cli.key" --data-dir "$TIENDO_SOURCE_DIR/data"
}

td_report() { # unit period [seed] -> JSON on stdout
  "$TIENDO_REPORTGEN" --unit "$1" --period "$2" --seed "${3:-7}" \
    --data-dir "$TIENDO_SOURCE_DIR/data"
}

# The 34 provincial codes of 2025.
td_provinces() {
  grep -v '^#' "$TIENDO_SOURCE_DIR/data/units.csv" | awk -F, '$3=="province" && $6=="" {print $1}' | sort -u
}

td_wait_pid() { # pid seconds: wait for a background process; fails on timeout or error
  local pid=$1 deadline=$((SECONDS + $2))
  while kill -0 "$pid" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then
      kill -KILL "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      return 124
    fi
    sleep 0.05
  done
  wait "$pid"
}
