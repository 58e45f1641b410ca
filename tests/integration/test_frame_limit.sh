#!/usr/bin/env bash
# The frame-size limit holds at its edge: an envelope of exactly 64 KiB (TD_MAX_FRAME)
# gets an answer, though CURVE makes its frame on the wire 33 bytes bigger (libzmq
# checks ZMQ_MAXMSGSIZE on the encrypted frame); one byte more is dropped. And the
# biggest report `submit` accepts is delivered by a real agent.
source "$(dirname "$0")/lib.sh"

td_start_collector
td_keygen peer agent '*'
for n in 65503 65504 65536; do
  "$TIENDO_TESTPEER" "$AGENTS_EP" "$T/keys/collector.pub" "$T/keys/peer.key" sized $n >"$T/ack" ||
    td_fail "testpeer sized $n failed"
  grep -q "status=ACK_OK" "$T/ack" || td_fail "no answer to an envelope of $n bytes: $(cat "$T/ack")"
done
"$TIENDO_TESTPEER" "$AGENTS_EP" "$T/keys/collector.pub" "$T/keys/peer.key" sized 65537 >"$T/ack" || true
if grep -q "status=" "$T/ack"; then td_fail "an envelope of 65,537 bytes was answered"; fi

# A report whose envelope is just under the bound (32 tasks with long titles).
td_keygen big agent '*'
td_report 01 2018-M01 >"$T/base.json"
jq '.action_plan = [range(0;32) as $i | {id: ("KH-\($i)"),
    title: ("x" * (if $i == 0 then 1570 else 2000 end)), task_group: 1,
    owner: "S", deadline: "2026-06-30", status: "in_progress"}]' "$T/base.json" >"$T/big.json"
td_agent big submit "$T/big.json" >"$T/submit.out" || td_fail "submit refused the big report"
td_agent_bg big "$T/agent.log" run --exit-when-empty
td_wait_pid "$AGENT_PID" 20 || td_fail "a report submit accepted was not delivered in 20 s"
td_check
td_assert_origin big 1
echo "frame limit: 65,503/65,504/65,536-byte envelopes answered, 65,537 dropped; the largest report delivered"
