#!/usr/bin/env bash
# The agent names the collector's key only when it is wrong: collector restarts (a clean
# one, and one killed while it hung, which resets the agent's handshake) deliver
# everything without the wrong-key warning, while an agent given a wrong collector public
# key is told so, once a minute (docs/agent.md, "run (log lines)").
source "$(dirname "$0")/lib.sh"

td_start_collector
td_keygen office
td_keygen misled
"$TIENDO_COLLECTOR_BIN" keygen "$T/keys/impostor" >/dev/null # not the collector's key

# An agent with the wrong collector key, from the start: every connection closes before
# the handshake completes.
misled_started=$SECONDS
"$TIENDO_AGENT" run --state-dir "$T/agents/misled" --collector "$AGENTS_EP" \
  --collector-public-key "$T/keys/impostor.pub" --secret-key "$T/keys/misled.key" \
  --data-dir "$TIENDO_SOURCE_DIR/data" --reconnect-max-ms 500 >>"$T/misled.log" 2>&1 &
MISLED_PID=$!
TD_PIDS+=("$MISLED_PID")

delivered() { [ "$(td_queued office)" = 0 ]; }
submit() { # period seed
  td_report 01 "$1" "$2" >"$T/r.json"
  td_agent office submit "$T/r.json" >/dev/null
}

submit 2026-Q1 1
td_agent_bg office "$T/office.log" run --reconnect-max-ms 500
td_wait_until 20 delivered || td_fail "the first report was not delivered"

# 1. Clean restarts.
for i in 1 2 3; do
  td_kill_collector TERM
  submit 2026-Q2 $((10 + i))
  sleep 0.3
  td_start_collector
  td_wait_until 20 delivered || td_fail "not delivered after restart $i"
done

# 2. The collector hangs (SIGSTOP) longer than the ZMTP heartbeat timeout (3 s): the
#    agent drops the link and reconnects into the stopped process, whose kernel accepts
#    the connection but nobody answers the handshake. Then it is killed (as a watchdog
#    does) and started again: the pending handshake is reset.
for i in 1 2; do
  kill -STOP "$COLLECTOR_PID"
  sleep 4.5
  td_kill_collector KILL
  submit 2026-Q3 $((20 + i))
  td_start_collector
  td_wait_until 30 delivered || td_fail "not delivered after hang and kill $i"
done
grep -q "secure handshake with .* did not complete" "$T/office.log" ||
  grep -q "collector not answering" "$T/office.log" ||
  td_fail "the hangs went unnoticed: $(cat "$T/office.log")"
td_assert_eq "$(td_log_count "$T/office.log" "collector-public-key")" 0 \
  "wrong-key warnings of the agent whose key is right"
td_assert_eq "$(td_log_count "$T/office.log" "refused this office's key")" 0 \
  "refusals of the agent whose key is enrolled"
td_check
td_assert_origin office 6

# 3. The agent with the wrong key: named after a minute of failed handshakes, once.
left=$((misled_started + 63 - SECONDS))
[ $left -le 0 ] || sleep "$left"
td_assert_eq "$(td_log_count "$T/misled.log" \
  "secure handshake with the collector at .* failed [0-9]* times in [0-9]* s: the connection closes before it completes")" \
  1 "wrong-key warnings after a minute"
grep -q "Check that --collector-public-key is the collector's current public key" \
  "$T/misled.log" || td_fail "the warning does not name the key: $(cat "$T/misled.log")"
kill -TERM "$MISLED_PID"
td_wait_pid "$MISLED_PID" 10 || td_fail "the misled agent did not stop on SIGTERM"
echo "ok: restarts keep quiet about the key; a wrong key is named"
