#!/usr/bin/env bash
# A 30 s collector outage loses nothing: three agents keep submitting 10 reports every
# 2 s while the collector is stopped (SIGTERM, clean exit 0); their outboxes grow by
# exactly what was submitted and the senders say the collector is not answering; after
# the restart every report arrives once, in order, and the national summary shows the
# expected revisions.
source "$(dirname "$0")/lib.sh"

agents=3
batch=10
rounds_before=3
rounds_outage=15 # one round every 2 s: 30 s of outage
rounds_after=2
rounds=$((rounds_before + rounds_outage + rounds_after))
per_agent=$((rounds * batch))

td_start_collector
mapfile -t units < <(td_provinces | head -n $agents)
for i in $(seq 1 $agents); do
  td_gen_reports "${units[i - 1]}" $per_agent "$T/reports/a$i" 2017-M01 "$i"
done

submit_round() { # k: every agent submits its k-th group of 10 reports in one call
  local i first files
  for i in $(seq 1 $agents); do
    first=$((($1 - 1) * batch + 1))
    mapfile -t files < <(seq -f "$T/reports/a$i/%06g.json" $first $((first + batch - 1)))
    td_agent "a$i" submit "${files[@]}" >/dev/null || td_fail "submit round $1 for a$i failed"
  done
}

all_empty() {
  local i
  for i in $(seq 1 $agents); do
    [ "$(td_queued "a$i")" = 0 ] || return 1
  done
}

# Before: the collector is up; the senders deliver as reports come.
submit_round 1
declare -a run_pid
for i in $(seq 1 $agents); do
  td_agent_bg "a$i" "$T/a$i.log" run --reconnect-max-ms 1000
  run_pid[i]=$AGENT_PID
done
k=1
for k in $(seq 2 $rounds_before); do
  sleep 2
  submit_round "$k"
done

# Outage: stop the collector right after a round, while it may still be delivering.
td_kill_collector TERM
td_assert_eq "$COLLECTOR_STATUS" 0 "collector exit status after SIGTERM"
declare -a base
for i in $(seq 1 $agents); do
  base[i]=$(td_queued "a$i")
done
samples=0
for j in $(seq 1 $rounds_outage); do
  sleep 2
  k=$((k + 1))
  submit_round "$k"
  # nothing can leave while the collector is down: exactly what was submitted waits
  for i in $(seq 1 $agents); do
    td_assert_eq "$(td_queued "a$i")" $((base[i] + j * batch)) "a$i queued after outage round $j"
  done
  samples=$((samples + 1))
done
[ $samples -ge 3 ] || td_fail "only $samples samples of the outbox during the outage"
# The oldest waiting report was queued before the first outage round, 2 s per round ago.
for i in $(seq 1 $agents); do
  td_assert_eq "$(td_status_field "a$i" .sender_running)" true "a$i sender running in the outage"
  age=$(td_status_field "a$i" .oldest_unsent_age_ms)
  [ "$age" -ge $(((rounds_outage - 1) * 2000)) ] ||
    td_fail "a$i oldest unsent report is $age ms old after a $((rounds_outage * 2)) s outage"
done
for i in $(seq 1 $agents); do
  grep -q "collector not answering" "$T/a$i.log" || td_fail "a$i did not warn that the collector is not answering"
done

# After: restart on the same endpoints; everything goes out.
td_start_collector
for j in $(seq 1 $rounds_after); do
  sleep 2
  k=$((k + 1))
  submit_round "$k"
done
td_assert_eq "$k" $rounds "rounds submitted"
td_wait_until 90 all_empty || td_fail "outboxes not empty 90 s after the restart"
for i in $(seq 1 $agents); do
  td_assert_eq "$(td_status_field "a$i" '[.queued, .dead_letters, .next_seq] | @csv')" \
    "0,0,$((per_agent + 1))" "a$i queued, dead letters, next seq"
  td_assert_eq "$(td_status_field "a$i" .oldest_unsent_age_ms)" null "a$i oldest unsent age"
done

# The collector hears from each agent again: caught up, nothing waiting (heartbeats).
caught_up() {
  td_cli agents --json >"$T/agents.json" || return 1
  [ "$(jq "[.agents[] | select(.high_water == $per_agent and .outbox_depth == 0 and
    .dead_letters == 0)] | length" "$T/agents.json")" = $agents ]
}
td_wait_until 10 caught_up || td_fail "tiendo agents does not show every agent caught up: $(cat "$T/agents.json")"
td_assert_eq "$(jq '[.agents[] | select(.high_water > 0)] | length' "$T/agents.json")" $agents \
  "agents known to the collector"

# The national summary of one period: every revision of every unit submitted for it.
period=$(jq -r .period "$T/reports/a1/000001.json")
expected=0
for i in $(seq 1 $agents); do
  expected=$((expected + $(cat "$T"/reports/a"$i"/*.json | jq -r .period | grep -cx -- "$period")))
done
[ $expected -gt $agents ] || td_fail "reportgen gave only $expected reports for $period"
td_cli status --period "$period" --json >"$T/status.json"
td_assert_eq "$(jq .revisions_stored "$T/status.json")" $expected "revisions stored for $period"
td_assert_eq "$(jq .units_reported "$T/status.json")" $agents "units reported for $period"
td_assert_eq "$(jq -r '[.reported[].unit] | join(",")' "$T/status.json")" \
  "$(printf '%s\n' "${units[@]}" | sort | paste -sd,)" "units in the summary of $period"
td_assert_eq "$(jq "[.reported[] | select(.revision != $((expected / agents)))] | length" \
  "$T/status.json")" 0 "units whose latest revision is not $((expected / agents))"

for i in $(seq 1 $agents); do
  kill -TERM "${run_pid[i]}"
  td_wait_pid "${run_pid[i]}" 30 || td_fail "a$i sender did not stop cleanly on SIGTERM"
done
td_kill_collector TERM
td_assert_eq "$COLLECTOR_STATUS" 0 "collector exit status after SIGTERM"
td_check
td_assert_eq "$(jq -r '[.revisions, .duplicate_origins, .order_violations] | @csv' "$T/check.json")" \
  "$((agents * per_agent)),0,0" "revisions, duplicate origins, order violations"
for i in $(seq 1 $agents); do
  td_assert_origin "a$i" $per_agent
done
echo "outage: $((agents * per_agent)) reports, $((agents * rounds_outage * batch)) of them submitted during a 30 s outage, stored exactly once"
