#!/usr/bin/env bash
# Bad input gets a clear error and loses nothing: malformed or incomplete JSON is
# refused by submit with the field named and nothing queued; garbage frames sent to the
# collector are dropped with a log line while it keeps serving a good agent.
source "$(dirname "$0")/lib.sh"

td_start_collector
td_report 01 2026-Q3 >"$T/good.json"

expect_refused() { # file pattern: submit must fail, name the field, queue nothing
  if td_agent office submit "$1" >"$T/out" 2>"$T/err"; then
    td_fail "submit accepted $1"
  fi
  grep -q -- "$2" "$T/err" || td_fail "error for $1 does not mention '$2': $(cat "$T/err")"
  td_assert_eq "$(td_agent office status --json | jq .queued)" 0 "queued after refusing $1"
}

echo '{"unit": "01", "period": ' >"$T/truncated.json"
expect_refused "$T/truncated.json" "JSON"
jq 'del(.prepared_by)' "$T/good.json" >"$T/no-preparer.json"
expect_refused "$T/no-preparer.json" "prepared_by"
jq '.task_groups[2].progress = 140' "$T/good.json" >"$T/progress.json"
expect_refused "$T/progress.json" "task_groups\[2\].progress"
jq '.period = "2026-Q5"' "$T/good.json" >"$T/period.json"
expect_refused "$T/period.json" "period"
jq '.unit = "99"' "$T/good.json" >"$T/unit.json"
expect_refused "$T/unit.json" "99"
jq '.data.no_such_element = 5' "$T/good.json" >"$T/element.json"
expect_refused "$T/element.json" "no_such_element"
expect_refused "$T/does-not-exist.json" "does-not-exist.json"

# Hostile frames: garbage, multi-frame messages, empty frames. None gets stored, each
# kind is logged, and the collector keeps serving.
td_keygen peer
"$TIENDO_TESTPEER" "$AGENTS_EP" "$T/keys/collector.pub" "$T/keys/peer.key" garbage 200 >/dev/null
# docs/protocol.md, "Framing": a message of more than one frame is dropped without an ack...
"$TIENDO_TESTPEER" "$AGENTS_EP" "$T/keys/collector.pub" "$T/keys/peer.key" multiframe 50 >"$T/multi.out"
[ ! -s "$T/multi.out" ] || td_fail "a multi-frame message was answered: $(head -n 3 "$T/multi.out")"
# ...while an empty frame decodes (an Envelope with every field absent) and is answered
# like any envelope without an epoch: REJECTED, epoch and seq 0, high water 0.
"$TIENDO_TESTPEER" "$AGENTS_EP" "$T/keys/collector.pub" "$T/keys/peer.key" empty 10 >"$T/empty.out"
td_assert_eq "$(grep -c '^ack seq=0 status=ACK_REJECTED hw=0 reason=envelope has no epoch$' \
  "$T/empty.out")" 10 "acks of 10 empty frames ($(head -n 2 "$T/empty.out"))"
# A well-formed envelope without a report is answered REJECTED with a reason.
"$TIENDO_TESTPEER" "$AGENTS_EP" "$T/keys/collector.pub" "$T/keys/peer.key" seq 77 1 >"$T/peer.out"
grep -q "status=ACK_REJECTED.*no report" "$T/peer.out" || td_fail "no REJECTED ack: $(cat "$T/peer.out")"
kill -0 "$COLLECTOR_PID" || td_fail "collector died on hostile input"
grep -q "dropped a bad message" "$T/collector.log" || td_fail "no log line for bad frames"

td_agent office submit "$T/good.json" >/dev/null
td_agent_bg office "$T/agent.log" run --exit-when-empty
td_wait_pid "$AGENT_PID" 30 || td_fail "good report not delivered next to the hostile peer"
td_cli status --period 2026-Q3 --json >"$T/status.json"
td_assert_eq "$(jq .units_reported "$T/status.json")" 1 "good report stored"
td_assert_eq "$(jq -r '.reported[0].unit' "$T/status.json")" 01 "unit stored"
td_kill_collector TERM
td_assert_eq "$COLLECTOR_STATUS" 0 "collector exit status after SIGTERM"
echo "bad input: refused with the field named, nothing queued, collector kept serving"
