#!/usr/bin/env bash
# Prometheus metrics of the collector and the agent (docs/operations.md, "Metrics"): an
# agent delivers 50 reports and another sends 3 outside its scope; the collector's
# counters say 50 committed and 3 rejected as out_of_scope and add up, it sees the
# agent's outbox empty after its heartbeat, the agent's own metrics say 50 delivered and
# nothing queued, and any path other than /metrics is 404.
source "$(dirname "$0")/lib.sh"

scrape() { # url file: one scrape into file; fails the test unless HTTP 200 with the type
  local code
  code=$(curl -sS --max-time 5 -o "$2" -D "$2.head" -w '%{http_code}' "$1") ||
    td_fail "cannot scrape $1"
  td_assert_eq "$code" 200 "HTTP status of $1"
  grep -qi '^Content-Type: text/plain; version=0.0.4' "$2.head" ||
    td_fail "$1: wrong content type: $(cat "$2.head")"
}

metric() { # file sample: the value of the sample (name or name{labels} exactly), or ""
  # (the value is the last field: label values may hold spaces)
  awk -v m="$2" '{ v = $NF; if (substr($0, 1, length($0) - length(v) - 1) == m) print v }' "$1"
}

# metric_is url sample value: poll until a scrape shows it (10 s)
metric_is() {
  local deadline=$((SECONDS + 10)) v=""
  while [ $SECONDS -lt $deadline ]; do
    scrape "$1" "$T/poll.txt"
    v=$(metric "$T/poll.txt" "$2")
    [ "$v" = "$3" ] && return 0
    sleep 0.2
  done
  td_fail "$2 at $1: expected '$3', last seen '$v'"
}

td_start_collector
[ -n "$METRICS_URL" ] || td_fail "the endpoint file has no metrics= line"
base=${METRICS_URL%/metrics}

scrape "$METRICS_URL" "$T/c0.txt"
td_assert_eq "$(metric "$T/c0.txt" tiendo_collector_reports_received_total)" 0 "received at start"
grep -q '^tiendo_collector_build_info{version="[^"]*"} 1$' "$T/c0.txt" || td_fail "no build_info"
grep -q '^# TYPE tiendo_collector_commit_seconds histogram$' "$T/c0.txt" ||
  td_fail "no commit_seconds histogram"
for path in /other / /metrics/x; do
  code=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$base$path")
  td_assert_eq "$code" 404 "collector $path"
done

# a1 may report for every unit: 50 reports. a2 may report for 01 only and sends 3 for 79.
td_keygen a1
td_keygen a2 agent 01
td_gen_reports 01 50 "$T/reports/a1" 2017-M01 1
td_gen_reports 79 3 "$T/reports/a2" 2017-M01 2
td_agent a1 submit "$T"/reports/a1/*.json >/dev/null
td_agent a2 submit "$T"/reports/a2/*.json >/dev/null
td_assert_eq "$(td_queued a1)" 50 "queued by a1"

td_agent_bg a1 "$T/a1.log" run --metrics-bind 127.0.0.1:0
a1_pid=$AGENT_PID
td_agent_bg a2 "$T/a2.log" run --exit-when-empty
td_wait_pid "$AGENT_PID" 30 || td_fail "a2 did not finish: $(tail -n 5 "$T/a2.log")"
td_wait_until 10 grep -q 'serving metrics on http' "$T/a1.log" || td_fail "a1 serves no metrics"
agent_url=$(grep -o 'serving metrics on http[^ ]*' "$T/a1.log" | head -n 1 | cut -d' ' -f4)

metric_is "$METRICS_URL" tiendo_collector_reports_committed_total 50
metric_is "$agent_url" tiendo_agent_reports_delivered_total 50
metric_is "$agent_url" tiendo_agent_queue_depth 0
key=$(head -n 1 "$T/keys/a1.pub")
# the outbox depth comes from the agent's heartbeats (every 0.5 s here)
metric_is "$METRICS_URL" "tiendo_collector_agent_outbox_depth{agent=\"$key\",name=\"test a1\"}" 0
metric_is "$METRICS_URL" 'tiendo_collector_reports_rejected_total{reason="out_of_scope"}' 3

scrape "$METRICS_URL" "$T/c1.txt"
m() { metric "$T/c1.txt" "$1"; }
received=$(m tiendo_collector_reports_received_total)
td_assert_eq "$received" 53 "received"
td_assert_eq "$(m tiendo_collector_reports_duplicate_total)" 0 "duplicates"
td_assert_eq "$(m tiendo_collector_reports_retry_later_total)" 0 "retry later"
rejected=0
for reason in validation protocol out_of_scope not_enrolled resent; do
  v=$(m "tiendo_collector_reports_rejected_total{reason=\"$reason\"}")
  [ -n "$v" ] || td_fail "no rejected sample for reason $reason"
  rejected=$((rejected + v))
done
td_assert_eq "$rejected" 3 "rejected, every reason"
td_assert_eq "$((50 + 0 + rejected + 0))" "$received" "received = committed + duplicate + rejected + retry_later"
td_assert_eq "$(m tiendo_collector_commit_seconds_count)" "$(m 'tiendo_collector_commit_seconds_bucket{le="+Inf"}')" \
  "commit_seconds count = +Inf bucket"
[ "$(m tiendo_collector_batches_total)" -ge 1 ] || td_fail "no batch counted"
[ "$(m tiendo_collector_batch_reports_sum)" = 53 ] || td_fail "batch_reports_sum $(m tiendo_collector_batch_reports_sum), expected 53"
[ "$(m tiendo_collector_heartbeats_total)" -ge 1 ] || td_fail "no heartbeat counted"
[ "$(m tiendo_collector_map_used_bytes)" -gt 0 ] || td_fail "map_used_bytes is not > 0"
[ "$(m tiendo_collector_map_used_bytes)" -le "$(m tiendo_collector_map_size_bytes)" ] ||
  td_fail "map used > map size"
metric_is "$METRICS_URL" tiendo_collector_revisions 50
[ "$(m tiendo_collector_connections_accepted_total)" -ge 2 ] || td_fail "connections accepted"
td_assert_eq "$(m tiendo_collector_agents_known)" 2 "agents in the agents table"
metric_is "$METRICS_URL" tiendo_collector_agents_connected 1 # a1 runs on; a2 has left
seen=$(m "tiendo_collector_agent_last_seen_seconds{agent=\"$key\",name=\"test a1\"}")
awk -v s="$seen" 'BEGIN { exit !(s != "" && s >= 0 && s < 10) }' || td_fail "a1 last seen $seen s ago"

scrape "$agent_url" "$T/a.txt"
td_assert_eq "$(metric "$T/a.txt" tiendo_agent_reports_rejected_total)" 0 "agent rejected"
td_assert_eq "$(metric "$T/a.txt" tiendo_agent_connected)" 1 "agent connected"
td_assert_eq "$(metric "$T/a.txt" tiendo_agent_oldest_unsent_age_seconds)" 0 "oldest unsent"
sent=$(metric "$T/a.txt" tiendo_agent_reports_sent_total)
resends=$(metric "$T/a.txt" tiendo_agent_resends_total)
td_assert_eq "$((sent - resends))" 50 "reports sent once (sent - resends)"
code=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "${agent_url%/metrics}/other")
td_assert_eq "$code" 404 "agent /other"

# A collector stopped: the agent says so.
td_kill_collector TERM
td_assert_eq "$COLLECTOR_STATUS" 0 "collector exit status after SIGTERM"
metric_is "$agent_url" tiendo_agent_connected 0
kill -TERM "$a1_pid"
td_wait_pid "$a1_pid" 10 || td_fail "a1 did not stop"
echo "metrics: 53 received = 50 committed + 3 rejected (out_of_scope); agent delivered 50"
