#!/usr/bin/env bash
# Who may connect and report for what (docs/security.md), with the real binaries:
# an unknown key, a plaintext client, a query key used to submit, an agent key used to
# read and a revoked key are all refused; a report for a unit outside the key's scope is
# REJECTED with the reason; a province office's subtree scope holds the province merged
# into it; SIGHUP reloads keys without dropping a connected, still-enrolled agent.
source "$(dirname "$0")/lib.sh"
: "${TIENDO_PLAINPEER:?set by ctest}"

td_keygen cli
td_keygen hanoi agent '01/*'
td_keygen thainguyen agent '19/*'
td_start_collector

q="$(date -u +%Y)-Q$((($(date -u +%-m) + 2) / 3))"
td_report 01 "$q" >"$T/r01.json"
td_report 79 "$q" >"$T/r79.json"
td_report 06 2025-Q1 >"$T/r06.json" # Bắc Kạn, merged into Thái Nguyên (19) on 2025-07-01
td_report 19 "$q" >"$T/r19.json"

revisions() { # unit period: revisions stored for it, as the collector answers (0: none)
  { td_cli unit "$1" --period "$2" --json 2>/dev/null || echo '{}'; } | jq '(.history // []) | length'
}
deliver() { # name: run the agent until its outbox is empty (15 s at most)
  (td_agent_exec "$1" run --exit-when-empty >>"$T/$1.log" 2>&1) &
  td_wait_pid $! 15 || td_fail "agent $1 did not deliver: $(tail -n 5 "$T/$1.log")"
}
refused() { # name: run the agent 3 s; it must not deliver (its report stays queued)
  (td_agent_exec "$1" run --exit-when-empty >>"$T/$1.log" 2>&1) &
  if td_wait_pid $! 3; then td_fail "agent $1 delivered although it must be refused"; fi
  td_assert_eq "$(td_queued "$1")" 1 "reports still queued at refused agent $1"
}

# 1. In scope: Hà Nội's office reports for 01; Thái Nguyên's for 19 and for 06, the
#    province merged into it (its earlier periods).
td_agent hanoi submit "$T/r01.json" >/dev/null
deliver hanoi
td_agent thainguyen submit "$T/r19.json" "$T/r06.json" >/dev/null
deliver thainguyen
td_assert_eq "$(revisions 01 "$q")" 1 "Hà Nội's report stored"
td_assert_eq "$(revisions 06 2025-Q1)" 1 "Bắc Kạn's report from Thái Nguyên's office stored"

# 2. Out of scope: Hà Nội's key reporting for Hồ Chí Minh City (79) is REJECTED with the
#    reason, which the office sees in its dead letters; nothing is stored for 79.
td_agent hanoi submit "$T/r79.json" >/dev/null
deliver hanoi
reason=$(td_agent hanoi dead-letters list --json | jq -r '.dead_letters[] | select(.unit == "79") | .reason')
case "$reason" in
  *"unit 79 is outside this agent's scope (01/*"*) ;;
  *) td_fail "out-of-scope report: expected the scope reason, got '$reason'" ;;
esac
td_assert_eq "$(revisions 79 "$q")" 0 "revisions stored for 79"
# The same through a raw peer: the ack itself says REJECTED.
td_keygen peer agent 01
"$TIENDO_TESTPEER" "$AGENTS_EP" "$T/keys/collector.pub" "$T/keys/peer.key" report \
  "$T/r19.json" 4242 1 none >"$T/ack" || td_fail "testpeer failed"
grep -q "status=ACK_REJECTED.*outside this agent's scope" "$T/ack" ||
  td_fail "raw out-of-scope report not rejected: $(cat "$T/ack")"

# 3. An unknown key cannot connect: ZAP refuses it, the agent says so, nothing stored.
#    Once the key is enrolled (and the collector reloaded), the same running agent
#    delivers without a restart (libzmq gives up after a refused handshake; the agent
#    makes a new socket after a backoff).
"$TIENDO_COLLECTOR_BIN" keygen "$T/keys/stranger" >/dev/null # made, not enrolled yet
td_agent stranger submit "$T/r01.json" >/dev/null
td_agent_bg stranger "$T/stranger.log" run --exit-when-empty
stranger_pid=$AGENT_PID
stranger_told() { grep -q "refused this office's key" "$T/stranger.log"; }
td_wait_until 10 stranger_told || td_fail "the unknown agent was not told why: $(tail -n 3 "$T/stranger.log")"
grep -q "is not enrolled" "$T/collector.log" || td_fail "collector did not log the refusal"
sleep 1.5
td_assert_eq "$(td_queued stranger)" 1 "reports queued at the refused agent"
td_enrol stranger agent 01
td_wait_pid "$stranger_pid" 20 || td_fail "the agent did not deliver after its key was enrolled: $(tail -n 3 "$T/stranger.log")"
td_assert_eq "$(td_queued stranger)" 0 "reports queued after enrolment"
td_revoke stranger

# 4. A plaintext (NULL mechanism) client gets no answer on either socket.
"$TIENDO_PLAINPEER" "$AGENTS_EP" agents >"$T/plain" || td_fail "plaintext agent: $(cat "$T/plain")"
"$TIENDO_PLAINPEER" "$QUERY_EP" query >"$T/plain" || td_fail "plaintext query: $(cat "$T/plain")"
td_assert_eq "$(revisions 01 2024-M01)" 0 "revisions stored from the plaintext client"

# 5. A query key cannot submit; an agent key cannot read.
cp "$T/keys/cli.key" "$T/keys/cli-as-agent.key"
cp "$T/keys/cli.pub" "$T/keys/cli-as-agent.pub"
td_agent cli-as-agent submit "$T/r01.json" >/dev/null
refused cli-as-agent
if "$TIENDO_CLI" status --query "$QUERY_EP" --collector-public-key "$T/keys/collector.pub" \
  --secret-key "$T/keys/hanoi.key" --data-dir "$TIENDO_SOURCE_DIR/data" >"$T/out" 2>"$T/err"; then
  td_fail "an agent key could read the national status"
fi
grep -q "refused this workstation's key" "$T/err" || td_fail "reader not told why: $(cat "$T/err")"

# 6. SIGHUP keeps a connected, still-enrolled agent: a steady agent keeps running while
#    the keys are reloaded three times, each time with more reports to deliver; it never
#    reconnects (the collector's accepted-connection count stays) and all are stored.
td_keygen steady agent '*'
td_gen_reports 01 400 "$T/steady" 2018-M01 3
mapfile -t files < <(ls "$T"/steady/*.json)
steady_idle() { [ "$(td_queued steady)" = 0 ]; }
steady_rejected_one() { [ "$(td_status_field steady .dead_letters)" = 1 ]; }
accepted() { grep -o '[0-9]* accepted' "$T/collector.log" | tail -n 1 | cut -d' ' -f1; }
td_agent steady submit "${files[@]:0:100}" >/dev/null
td_agent_bg steady "$T/steady.log" run
td_wait_until 15 steady_idle || td_fail "steady agent did not deliver"
sleep 1.2 # the next stats line counts its connection
accepted_before=$(accepted)
for i in 1 2 3; do
  td_keygen "extra$i" agent 33 # enrolling another key reloads the collector
  td_agent steady submit "${files[@]:$((i * 100)):100}" >/dev/null
  td_wait_until 15 steady_idle || td_fail "steady agent stalled after reload $i"
done
sleep 1.2
td_assert_eq "$(accepted)" "$accepted_before" "connections accepted across 3 reloads"
[ "$(td_reloads)" -ge 3 ] || td_fail "fewer than 3 reloads logged"
kill -0 "$AGENT_PID" || td_fail "the steady agent exited"

# 7. Revoked while connected: the steady agent is still running; after revoke + SIGHUP
#    its next report is REJECTED (not stored) and becomes a dead letter.
td_revoke steady
td_report 01 "$q" 9 >"$T/r01b.json"
td_agent steady submit "$T/r01b.json" >/dev/null
td_wait_until 15 steady_rejected_one ||
  td_fail "revoked agent's report was not rejected"
td_agent steady dead-letters list --json | jq -r '.dead_letters[0].reason' | grep -q "not enrolled" ||
  td_fail "revoked agent's dead letter lacks the reason"
kill -TERM "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null || true

# 8. Revoked, then a fresh connection: refused at the handshake.
before=$(revisions 01 "$q")
td_revoke hanoi
td_agent hanoi submit "$T/r01b.json" >/dev/null
refused hanoi
td_assert_eq "$(revisions 01 "$q")" "$before" "revisions of 01 after Hà Nội's key was revoked"

# 9. A broken file on reload keeps the keys in force.
echo "agent not-a-key *" >>"$TD_AUTH"
kill -HUP "$COLLECTOR_PID"
td_wait_until 5 grep -q "reload refused, the keys in force stay" "$T/collector.log" ||
  td_fail "a broken authorised-keys file was not refused on reload"
td_cli status >/dev/null || td_fail "the query key stopped working after a refused reload"

td_check
td_assert_origin thainguyen 2
td_assert_origin steady 400
echo "security: scope, unknown/plaintext/query/agent-reader/revoked keys refused, 3 reloads kept a connected agent"
