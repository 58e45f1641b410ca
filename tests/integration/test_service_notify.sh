#!/usr/bin/env bash
# Type=notify: the collector and the agent tell the service manager when they are ready,
# reloading (collector, SIGHUP) and stopping, through $NOTIFY_SOCKET as systemd sets it;
# a stand-in socket (tiendo-notifysink) records what they send.
source "$(dirname "$0")/lib.sh"
: "${TIENDO_NOTIFYSINK:?set by ctest}"

"$TIENDO_NOTIFYSINK" "$T/notify.sock" 8 >"$T/notify.out" &
sink=$!
TD_PIDS+=("$sink")
for _ in $(seq 1 50); do [ -S "$T/notify.sock" ] && break; sleep 0.05; done
export NOTIFY_SOCKET="$T/notify.sock"
td_keygen office agent 01
td_start_collector
ready() { grep -q "^READY=1" "$T/notify.out"; }
td_wait_until 5 ready || td_fail "the collector never sent READY=1: $(cat "$T/notify.out")"
grep -q "^STATUS=serving; 1 agent and 0 query keys enrolled" "$T/notify.out" ||
  td_fail "no STATUS line with the keys: $(cat "$T/notify.out")"
td_reload
reloaded() { grep -q "^RELOADING=1" "$T/notify.out" && [ "$(grep -c '^READY=1' "$T/notify.out")" -ge 2 ]; }
td_wait_until 5 reloaded || td_fail "no RELOADING=1 then READY=1 on SIGHUP: $(cat "$T/notify.out")"

# The agent: READY=1 once it sends, STOPPING=1 on SIGTERM.
td_report 01 2026-Q3 >"$T/r.json"
td_agent office submit "$T/r.json" >/dev/null
before=$(grep -c '^READY=1' "$T/notify.out")
td_agent_bg office "$T/agent.log" run
agent_ready() { [ "$(grep -c '^READY=1' "$T/notify.out")" -gt "$before" ]; }
td_wait_until 5 agent_ready || td_fail "the agent never sent READY=1: $(cat "$T/notify.out")"
grep -q "^STATUS=sending outbox" "$T/notify.out" || td_fail "no agent STATUS line"
kill -TERM "$AGENT_PID"
wait "$AGENT_PID" || td_fail "agent exit status on SIGTERM"
td_kill_collector TERM
td_assert_eq "$COLLECTOR_STATUS" 0 "collector exit status"
td_assert_eq "$(grep -c '^STOPPING=1' "$T/notify.out")" 2 "STOPPING=1 from the agent and the collector"
unset NOTIFY_SOCKET
echo "notify: READY/STATUS/RELOADING/STOPPING from the collector, READY/STOPPING from the agent"
