#!/usr/bin/env bash
# A frozen collector (SIGSTOP for 5 s: connections open, nothing answered) is noticed and
# survived: each running agent logs "collector not answering" within a few seconds, keeps
# what it submits meanwhile queued, logs "collector answering again" after SIGCONT, and
# every report is stored exactly once.
source "$(dirname "$0")/lib.sh"

agents=3
part=500

td_start_collector
mapfile -t units < <(td_provinces | head -n $agents)
for i in $(seq 1 $agents); do
  td_gen_reports "${units[i - 1]}" $((2 * part)) "$T/reports/a$i" 2017-M01 "$i"
  mapfile -t files < <(seq -f "$T/reports/a$i/%06g.json" 1 $part)
  td_agent "a$i" submit "${files[@]}" >/dev/null || td_fail "submit for a$i failed"
done

all_empty() {
  local i
  for i in $(seq 1 $agents); do
    [ "$(td_queued "a$i")" = 0 ] || return 1
  done
}
all_logged() { # pattern: every agent's log has it
  local i
  for i in $(seq 1 $agents); do
    grep -q -- "$1" "$T/a$i.log" 2>/dev/null || return 1
  done
}

declare -a run_pid
for i in $(seq 1 $agents); do
  td_agent_bg "a$i" "$T/a$i.log" run # heartbeats every 500 ms (lib.sh)
  run_pid[i]=$AGENT_PID
done
td_wait_until 60 all_empty || td_fail "first $part reports of each agent not delivered in 60 s"
all_logged "collector not answering" && td_fail "an agent warned before the collector froze"

# Freeze the collector; the agents keep running and submitting.
kill -STOP "$COLLECTOR_PID"
stopped_at=$SECONDS
for i in $(seq 1 $agents); do
  mapfile -t files < <(seq -f "$T/reports/a$i/%06g.json" $((part + 1)) $((2 * part)))
  td_agent "a$i" submit "${files[@]}" >/dev/null || td_fail "submit for a$i during the freeze failed"
done
# three heartbeat periods (1.5 s) without an answer: each must warn within 5 s
td_wait_until $((stopped_at + 5 - SECONDS)) all_logged "collector not answering" ||
  td_fail "not every agent warned within 5 s of the freeze: $(grep -c "not answering" "$T"/a*.log)"
for i in $(seq 1 $agents); do
  td_assert_eq "$(td_queued "a$i")" $part "a$i queued while the collector is frozen"
done
while [ $((SECONDS - stopped_at)) -lt 5 ]; do sleep 0.2; done
all_logged "collector answering again" && td_fail "an agent saw answers from a frozen collector"
kill -CONT "$COLLECTOR_PID"

td_wait_until 30 all_logged "collector answering again" ||
  td_fail "not every agent noticed the collector answering again within 30 s of SIGCONT"
td_wait_until 60 all_empty || td_fail "reports submitted during the freeze not delivered in 60 s"
kill -0 "$COLLECTOR_PID" || td_fail "collector died after SIGCONT"
for i in $(seq 1 $agents); do
  td_assert_eq "$(td_status_field "a$i" .dead_letters)" 0 "a$i dead letters"
  kill -TERM "${run_pid[i]}"
  td_wait_pid "${run_pid[i]}" 30 || td_fail "a$i sender did not stop cleanly on SIGTERM"
done
td_kill_collector TERM
td_assert_eq "$COLLECTOR_STATUS" 0 "collector exit status after SIGTERM"
td_check
td_assert_eq "$(jq -r '[.revisions, .duplicate_origins, .order_violations] | @csv' "$T/check.json")" \
  "$((agents * 2 * part)),0,0" "revisions, duplicate origins, order violations"
for i in $(seq 1 $agents); do
  td_assert_origin "a$i" $((2 * part))
done
echo "sigstop: frozen collector noticed and survived; $((agents * 2 * part)) reports stored once"
