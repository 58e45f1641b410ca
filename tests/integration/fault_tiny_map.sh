#!/usr/bin/env bash
# A collector started with a 1 MiB LMDB map grows it while 10,000 reports arrive (each
# growth doubles the map and is logged) without refusing or losing a report and without
# storing one twice; it still stops cleanly, and a restart with the same small setting
# adopts the grown file and keeps accepting reports.
source "$(dirname "$0")/lib.sh"

agents=2
per_agent=5000
total=$((agents * per_agent))

td_start_collector --map-size-mb 1
units=(01 04)
declare -a run_pid
for i in $(seq 1 $agents); do
  td_gen_reports "${units[i - 1]}" $per_agent "$T/reports/a$i" 2017-M01 "$i"
  td_agent "a$i" submit "$T"/reports/a"$i"/*.json >/dev/null || td_fail "submit for a$i failed"
  td_assert_eq "$(td_queued "a$i")" $per_agent "queued by a$i"
done
for i in $(seq 1 $agents); do
  td_agent_bg "a$i" "$T/a$i.log" run --exit-when-empty
  run_pid[i]=$AGENT_PID
done
for i in $(seq 1 $agents); do
  td_wait_pid "${run_pid[i]}" 180 || td_fail "a$i did not deliver its $per_agent reports in 180 s"
  td_assert_eq "$(td_status_field "a$i" '[.queued, .dead_letters] | @csv')" "0,0" \
    "a$i queued, dead letters"
done

kill -0 "$COLLECTOR_PID" || td_fail "collector died"
grown=$(td_log_count "$T/collector.log" "LMDB map grown")
[ "$grown" -ge 3 ] || td_fail "LMDB map grown $grown times, expected at least 3"
td_assert_eq "$(grep -o 'LMDB map grown from [0-9]* to [0-9]* MiB' "$T/collector.log" | head -n 3 |
  awk '{print $5 "-" $7}' | paste -sd' ')" "1-2 2-4 4-8" "first three growths of the map"
# Growing is not refusing: no report was answered RETRY_LATER.
td_wait_until 5 grep -q "reports received, $total stored" "$T/collector.log" ||
  td_fail "no stats line counting $total stored: $(grep ingest: "$T/collector.log" | tail -n 1)"
grep "reports received, $total stored" "$T/collector.log" | tail -n 1 | grep -q " 0 retry-later" ||
  td_fail "reports were refused while the map grew: $(grep ingest: "$T/collector.log" | tail -n 1)"
td_kill_collector TERM
td_assert_eq "$COLLECTOR_STATUS" 0 "collector exit status after SIGTERM"

td_check
td_assert_eq "$(jq -r '[.revisions, .undecodable, .duplicate_origins, .order_violations] | @csv' \
  "$T/check.json")" "$total,0,0,0" "revisions, undecodable, duplicate origins, order violations"
for i in $(seq 1 $agents); do
  td_assert_origin "a$i" $per_agent
done

# Restart with the same 1 MiB setting: the grown store opens and takes more reports.
td_start_collector --map-size-mb 1
td_gen_reports 08 10 "$T/reports/a3" 2017-M01 3
td_agent a3 submit "$T"/reports/a3/*.json >/dev/null || td_fail "submit for a3 failed"
td_agent_bg a3 "$T/a3.log" run --exit-when-empty
td_wait_pid "$AGENT_PID" 60 || td_fail "a3 did not deliver after the restart"
td_kill_collector TERM
td_assert_eq "$COLLECTOR_STATUS" 0 "collector exit status after the second SIGTERM"
td_check
td_assert_eq "$(jq -r '[.revisions, .duplicate_origins] | @csv' "$T/check.json")" \
  "$((total + 10)),0" "revisions, duplicate origins after the restart"
td_assert_origin a3 10
echo "tiny map: grown $grown times, $total reports stored once, restart adopts the grown map"
