#!/usr/bin/env bash
# A peer that sends but never reads its acks cannot stall the collector: once the
# collector's queue towards it is full, its acks are dropped (counted in the stats line)
# while a good agent delivers 2,000 reports in less than 3x the time it took without the
# hostile peer (+2 s); the collector stays up and stores every report once.
source "$(dirname "$0")/lib.sh"

n=2000
peer_reports=200000

td_start_collector
td_gen_reports 04 $n "$T/reports/base" 2017-M01 1
td_gen_reports 08 $n "$T/reports/slow" 2017-M01 2

deliver_ms() { # name dir: submit the dir's reports, then time a run that delivers them
  local t0 t1
  td_agent "$1" submit "$2"/*.json >/dev/null || td_fail "submit for $1 failed"
  t0=$(date +%s%N)
  td_agent_bg "$1" "$T/$1.log" run --exit-when-empty
  td_wait_pid "$AGENT_PID" 120 || td_fail "$1 did not deliver $n reports in 120 s"
  t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000000))
}

base_ms=$(deliver_ms base "$T/reports/base")
echo "baseline: $n reports in $base_ms ms"

# The hostile peer: $peer_reports valid reports as fast as it can, never reading an
# ack, then one more every 20 ms so the collector keeps trying to answer it.
td_keygen peer
"$TIENDO_TESTPEER" "$AGENTS_EP" "$T/keys/collector.pub" "$T/keys/peer.key" \
  noread $peer_reports 300 20 >"$T/peer.out" 2>"$T/peer.err" &
peer_pid=$!
TD_PIDS+=("$peer_pid")
td_wait_until 120 grep -qx "sent $peer_reports" "$T/peer.out" ||
  td_fail "peer could not send $peer_reports reports in 120 s: $(cat "$T/peer.out" "$T/peer.err")"
# Measure once the collector has taken in the peer's burst (so both runs compete only
# with the full queue, not with the burst itself).
received_beyond() {
  local r
  r=$(grep -o '[0-9]* reports received' "$T/collector.log" | tail -n 1 | cut -d' ' -f1)
  [ "${r:-0}" -ge "$1" ]
}
td_wait_until 120 received_beyond $((n + peer_reports)) ||
  td_fail "collector did not take in the peer's reports: $(grep ingest: "$T/collector.log" | tail -n 1)"
dropped_beyond() { [ "$(td_stats_acks_dropped)" -gt "$1" ]; }
td_wait_until 30 dropped_beyond 0 ||
  td_fail "no acks dropped for the peer that does not read: $(grep ingest: "$T/collector.log" | tail -n 1)"
dropped_before=$(td_stats_acks_dropped)

slow_ms=$(deliver_ms slow "$T/reports/slow")
echo "next to the peer that does not read: $n reports in $slow_ms ms (acks dropped so far: $dropped_before)"
# The peer's queue was still full during the measurement: its acks are still dropped.
td_wait_until 10 dropped_beyond "$dropped_before" ||
  td_fail "acks to the peer no longer dropped after the measurement ($dropped_before)"
kill -0 "$COLLECTOR_PID" || td_fail "collector died next to the peer that does not read"
kill -0 "$peer_pid" || td_fail "peer exited early: $(cat "$T/peer.err")"
[ "$slow_ms" -lt $((3 * base_ms + 2000)) ] ||
  td_fail "the peer that does not read slowed delivery from $base_ms ms to $slow_ms ms"

kill -KILL "$peer_pid"
wait "$peer_pid" 2>/dev/null || true
td_kill_collector TERM
td_assert_eq "$COLLECTOR_STATUS" 0 "collector exit status after SIGTERM"
td_check
td_assert_origin base $n
td_assert_origin slow $n
peer_stored=$(td_origin peer | jq .stored)
[ "$peer_stored" -ge $peer_reports ] || td_fail "only $peer_stored of the peer's reports stored"
td_assert_origin peer "$peer_stored"
td_assert_eq "$(jq -r '[.revisions, .duplicate_origins, .order_violations] | @csv' "$T/check.json")" \
  "$((2 * n + peer_stored)),0,0" "revisions, duplicate origins, order violations"
echo "slow reader: $(td_stats_acks_dropped) acks dropped, delivery $base_ms ms -> $slow_ms ms"
