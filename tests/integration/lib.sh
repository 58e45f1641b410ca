#!/usr/bin/env bash
# lib.sh: helpers for integration tests: temp folder, keys, real collector/agent/CLI
# processes, assertions. Source it; every process started is stopped on exit.
set -euo pipefail

: "${TIENDO_COLLECTOR_BIN:?set by ctest}" "${TIENDO_AGENT:?}" "${TIENDO_CLI:?}"
: "${TIENDO_REPORTGEN:?}" "${TIENDO_SOURCE_DIR:?}"

# Tests expect English unless they ask for a language themselves (test_lang_*.sh set
# LANG, LC_ALL or --lang per command): whoever runs ctest under a Vietnamese locale still
# gets the same results.
export LANG=C.UTF-8
unset LANGUAGE LC_ALL LC_MESSAGES TIENDO_LANG

T=$(mktemp -d "${TMPDIR:-/tmp}/tiendo-test.XXXXXX")
# The registry and catalogue every program of the test reads; td_use_communes switches to
# a copy with the synthetic commune layer of tests/data/communes.csv.
TD_DATA="$TIENDO_SOURCE_DIR/data"
COLLECTOR_PID=""
AGENTS_EP=""
QUERY_EP=""
METRICS_URL=""
declare -a TD_PIDS=()

td_kill_tree() { # pid: SIGKILL the process and everything it started (children first)
  local child
  for child in $(pgrep -P "$1" 2>/dev/null); do
    td_kill_tree "$child"
  done
  kill -KILL "$1" 2>/dev/null || true
}

td_cleanup() {
  local rc=$?
  local p
  for p in "${TD_PIDS[@]}" $COLLECTOR_PID $(jobs -p); do
    td_kill_tree "$p"
  done
  # Whatever escaped (a child whose parent shell was killed is adopted by init): every
  # program a test starts names a file or folder inside $T on its command line.
  pkill -KILL -f -- "$T/" 2>/dev/null || true
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

td_use_communes() { # a data folder of the test's own: data/ plus the commune layer
  mkdir -p "$T/data"
  cp "$TIENDO_SOURCE_DIR"/data/*.csv "$T/data/"
  grep -v '^#' "$TIENDO_SOURCE_DIR/tests/data/communes.csv" >>"$T/data/units.csv"
  TD_DATA="$T/data"
}

td_fail() {
  echo "FAIL: $*" >&2
  exit 1
}

td_assert_eq() { # actual expected message
  [ "$1" = "$2" ] || td_fail "$3: expected '$2', got '$1'"
}

TD_AUTH="$T/authorized-keys"

td_keygen() { # name [role [scope]] -> $T/keys/name.{key,pub}, enrolled in $TD_AUTH
  # (except the collector's own); role defaults to query for "cli", agent otherwise;
  # scope defaults to * (every unit)
  mkdir -p "$T/keys"
  "$TIENDO_COLLECTOR_BIN" keygen "$T/keys/$1" >/dev/null
  [ "$1" != collector ] || return 0
  local role=${2:-agent}
  [ "$1" != cli ] || [ -n "${2:-}" ] || role=query
  td_enrol "$1" "$role" "${3:-*}"
}

td_enrol() { # name role scope: enrol (or re-enrol) the key; a running collector reloads
  "$TIENDO_COLLECTOR_BIN" enrol "$T/keys/$1.pub" --role "$2" --scope "$3" --name "test $1" \
    --authorized-keys "$TD_AUTH" --data-dir "$TD_DATA" >/dev/null
  td_reload
}

td_revoke() { # name: revoke the key; a running collector reloads
  "$TIENDO_COLLECTOR_BIN" revoke "$T/keys/$1.pub" --authorized-keys "$TD_AUTH" \
    --data-dir "$TD_DATA" >/dev/null
  td_reload
}

td_reloads() { td_log_count "$T/collector.log" "authorised keys reloaded"; }

td_reload() { # SIGHUP a running collector and wait for its "keys reloaded" log line
  [ -n "$COLLECTOR_PID" ] || return 0
  local before
  before=$(td_reloads)
  kill -HUP "$COLLECTOR_PID"
  local i
  for i in $(seq 1 100); do
    [ "$(td_reloads)" -gt "$before" ] && return 0
    sleep 0.05
  done
  td_fail "the collector did not reload its keys within 5 s"
}

# td_start_collector [extra flags]: first start binds free ports; later starts
# (after td_kill_collector) reuse the same endpoints so agents find it again.
td_start_collector() {
  [ -f "$T/keys/collector.key" ] || td_keygen collector
  local bind="${AGENTS_EP:-tcp://127.0.0.1:*}" qbind="${QUERY_EP:-tcp://127.0.0.1:*}"
  rm -f "$T/endpoints"
  [ -f "$TD_AUTH" ] || : >"$TD_AUTH"
  "$TIENDO_COLLECTOR_BIN" run --state-dir "$T/collector" --bind "$bind" --query-bind "$qbind" \
    --secret-key "$T/keys/collector.key" --data-dir "$TD_DATA" \
    --authorized-keys "$TD_AUTH" \
    --endpoint-file "$T/endpoints" --stats-interval-s 1 \
    --metrics-bind "${TD_METRICS_BIND-127.0.0.1:0}" "$@" 2>>"$T/collector.log" &
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
  # the metrics URL changes with each start (port 0); empty with TD_METRICS_BIND=""
  METRICS_URL=$(sed -n 's/^metrics=//p' "$T/endpoints")
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
    --data-dir "$TD_DATA" --resend-timeout-ms 1000 --heartbeat-ms 500
}

td_agent_bg() { # name log command [args...]: start tiendo-agent in the background
  # (the binary itself, so AGENT_PID can be signalled); sets AGENT_PID
  local name=$1 log=$2
  shift 2
  [ -f "$T/keys/$name.key" ] || td_keygen "$name"
  "$TIENDO_AGENT" "$@" --state-dir "$T/agents/$name" --collector "$AGENTS_EP" \
    --collector-public-key "$T/keys/collector.pub" --secret-key "$T/keys/$name.key" \
    --data-dir "$TD_DATA" --resend-timeout-ms 1000 --heartbeat-ms 500 \
    >>"$log" 2>&1 &
  AGENT_PID=$!
  TD_PIDS+=("$AGENT_PID")
}

td_cli() { # tiendo command with a query key
  [ -f "$T/keys/cli.key" ] || td_keygen cli
  "$TIENDO_CLI" "$@" --query "$QUERY_EP" --collector-public-key "$T/keys/collector.pub" \
    --secret-key "$T/keys/cli.key" --data-dir "$TD_DATA"
}

td_report() { # unit period [seed] -> JSON on stdout
  "$TIENDO_REPORTGEN" --unit "$1" --period "$2" --seed "${3:-7}" \
    --data-dir "$TD_DATA"
}

# The 34 provincial codes of 2025.
td_provinces() {
  grep -v '^#' "$TIENDO_SOURCE_DIR/data/units.csv" | awk -F, '$3=="province" && $6=="" {print $1}' | sort -u
}

td_wait_pid() { # pid seconds: wait for a background process; fails on timeout or error
  local pid=$1 deadline=$((SECONDS + $2))
  while kill -0 "$pid" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then
      td_kill_tree "$pid" # a subshell's children too, or they outlive the test
      wait "$pid" 2>/dev/null || true
      return 124
    fi
    sleep 0.05
  done
  wait "$pid"
}

# ---- fault-injection helpers (fault_*.sh) ----

td_wait_until() { # seconds command [args...]: poll the command every 0.1 s until it succeeds
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ $SECONDS -lt $deadline ] || return 124
    sleep 0.1
  done
}

td_gen_reports() { # unit count dir [first-period] [seed]: reportgen --count into dir
  mkdir -p "$3"
  "$TIENDO_REPORTGEN" --unit "$1" --count "$2" --out-dir "$3" --first-period "${4:-2017-M01}" \
    --seed "${5:-1}" --data-dir "$TD_DATA" >/dev/null
}

td_status_field() { # name jq-filter: one field of `tiendo-agent status --json`
  td_agent "$1" status --json | jq -r "$2"
}

td_queued() { # name: reports waiting in that agent's outbox
  td_status_field "$1" .queued
}

td_check() { # run `tiendo-collector check` into $T/check.json; fails the test when unclean
  "$TIENDO_COLLECTOR_BIN" check --state-dir "$T/collector" >"$T/check.json" ||
    td_fail "store check failed: $(cat "$T/check.json")"
}

td_origin() { # name: this agent's origin object in $T/check.json ({} when absent)
  local key
  key=$(head -n 1 "$T/keys/$1.pub")
  jq -c --arg k "$key" '[.origins[] | select(.public_key == $k)] | if length == 1 then .[0]
    elif length == 0 then {} else {error: "several epochs"} end' "$T/check.json"
}

td_assert_origin() { # name stored: the agent's reports are stored once each, seqs 1..stored
  td_assert_eq "$(td_origin "$1" | jq -r '[.stored, .first_seq, .last_seq, .duplicates] | @csv')" \
    "$2,1,$2,0" "stored, first_seq, last_seq, duplicates for agent $1"
}

td_stats_acks_dropped() { # acks dropped in the collector's latest stats line (0 if none)
  local n
  n=$(grep -o '[0-9]* acks dropped' "$T/collector.log" 2>/dev/null | tail -n 1 | cut -d' ' -f1)
  echo "${n:-0}"
}

td_log_count() { # file pattern: number of lines matching (0 when none)
  local n
  n=$(grep -c -- "$2" "$1" 2>/dev/null) || true
  echo "${n:-0}"
}

td_agent_exec() { # name command [args...]: replace this (sub)shell by tiendo-agent, with the
  # same options as td_agent_bg; e.g. `( td_agent_exec a1 run >>log 2>&1 ) &` gives the
  # agent's own pid in $!
  local name=$1
  shift
  exec "$TIENDO_AGENT" "$@" --state-dir "$T/agents/$name" --collector "$AGENTS_EP" \
    --collector-public-key "$T/keys/collector.pub" --secret-key "$T/keys/$name.key" \
    --data-dir "$TD_DATA" --resend-timeout-ms 1000 --heartbeat-ms 500
}
