#!/usr/bin/env bash
# 100 reports from a real agent reach a real collector; each is stored exactly once,
# even when the agent is killed mid-delivery and resends what was not acknowledged.
source "$(dirname "$0")/lib.sh"

td_start_collector
periods=(2026-Q1 2026-Q2 2026-Q3)
mapfile -t units < <(td_provinces)
td_assert_eq "${#units[@]}" 34 "provinces in the registry"

n=0
for p in "${periods[@]}"; do
  for u in "${units[@]}"; do
    [ $n -ge 100 ] && break
    td_report "$u" "$p" "$n" >"$T/r.json"
    td_agent office submit "$T/r.json" >/dev/null
    n=$((n + 1))
  done
done
queued=$(td_agent office status --json | jq .queued)
td_assert_eq "$queued" 100 "queued before run"

# Deliver part of it, kill the agent hard, then let a fresh run finish.
td_agent_bg office "$T/agent1.log" run
sleep 0.3
kill -KILL "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null || true
td_agent_bg office "$T/agent2.log" run --exit-when-empty
td_wait_pid "$AGENT_PID" 60 || td_fail "agent did not empty its outbox in 60 s"

td_assert_eq "$(td_agent office status --json | jq .queued)" 0 "queued after run"

total_units=0
total_revisions=0
for p in "${periods[@]}"; do
  td_cli status --period "$p" --json >"$T/status.json"
  reported=$(jq .units_reported "$T/status.json")
  revisions=$(jq .revisions_stored "$T/status.json")
  # exactly once: one revision per reported unit, every unit revision 1
  td_assert_eq "$revisions" "$reported" "revisions vs units for $p"
  td_assert_eq "$(jq '[.reported[] | select(.revision != 1)] | length' "$T/status.json")" 0 \
    "units with more than one revision in $p"
  total_units=$((total_units + reported))
  total_revisions=$((total_revisions + revisions))
done
td_assert_eq "$total_units" 100 "units reported over the three quarters"
td_assert_eq "$total_revisions" 100 "revisions stored over the three quarters"
td_assert_eq "$(jq .units_expected "$T/status.json")" 34 "expected provinces"
td_assert_eq "$(jq '.missing | length' "$T/status.json")" 2 "missing in 2026-Q3"

# The ops view: every enrolled key (the office's and this test's query key), one agent
# that delivered, everything up to seq 100 decided, its version from heartbeats.
td_cli agents --json >"$T/agents.json"
td_assert_eq "$(jq '.agents | length' "$T/agents.json")" 2 "keys enrolled"
td_assert_eq "$(jq '[.agents[] | select(.high_water > 0)] | length' "$T/agents.json")" 1 \
  "agents that delivered"
office=$(jq -c --arg k "$(cat "$T/keys/office.pub")" '.agents[] | select(.public_key == $k)' \
  "$T/agents.json")
[ -n "$office" ] || td_fail "the office's key is not listed: $(cat "$T/agents.json")"
td_assert_eq "$(jq '.high_water' <<<"$office")" 100 "agent high water"
td_assert_eq "$(jq -r '.agent_version' <<<"$office")" \
  "$(sed -n 's/^project(tiendo VERSION \([0-9.]*\).*/\1/p' "$TIENDO_SOURCE_DIR/CMakeLists.txt")" \
  "agent version from heartbeats"

td_kill_collector TERM
td_assert_eq "$COLLECTOR_STATUS" 0 "collector exit status after SIGTERM"
grep -q "stopping" "$T/collector.log" || td_fail "collector did not stop cleanly"
# The store itself: 100 revisions, all from one (agent, epoch), seqs 1..100 once each.
"$TIENDO_COLLECTOR_BIN" check --state-dir "$T/collector" >"$T/check.json" ||
  td_fail "store check failed: $(cat "$T/check.json")"
td_assert_eq "$(jq '[.revisions, .duplicate_origins, (.origins | length)] | @csv' -r "$T/check.json")" \
  "100,0,1" "revisions, duplicates, origins in the store"
td_assert_eq "$(jq -r '.origins[0] | [.stored, .first_seq, .last_seq, .high_water] | @csv' "$T/check.json")" \
  "100,1,100,100" "seqs stored for the agent"
echo "end to end: 100 reports stored exactly once"
