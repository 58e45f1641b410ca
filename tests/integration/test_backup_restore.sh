#!/usr/bin/env bash
# Hot backup, restore, and the restore gap. 5 agents deliver 1,000 reports each (100 months
# x 10 revisions, one in flight per agent so that delivery takes a few seconds) to collector C1 while `tiendo-collector backup` runs beside it:
#  LIVE:   taken at full speed (senders running): a consistent prefix of every agent's
#          stream (stored = high water, seqs 1..hw), check passes, its revision count is
#          the one `backup` printed.
#  FROZEN: the must-show "a backup taken during ingest restores into a collector that serves
#          the same `tiendo status`". C1 cannot be asked for its status at the exact
#          transaction a hot copy reads, so the senders are frozen (SIGSTOP) in mid-delivery
#          (reports still queued), C1 settles, the backup is taken and C1's `tiendo status`
#          and `tiendo unit` (5 periods) are recorded; then the senders go on. A second
#          collector started on a restore of FROZEN must answer exactly the same JSON.
# Then the restore gap: C1 is stopped when everything is delivered, LIVE is restored into
# its state folder and C2 starts on the same endpoints; the same senders (never restarted)
# must not be stuck: each gap (hw_in_LIVE+1 .. 1000) is logged once and recorded exactly,
# and 50 new reports per agent are all delivered and stored.
source "$(dirname "$0")/lib.sh"

agents=5
per_agent=1000
more=50
total=$((agents * per_agent))
periods=(2017-M01 2018-M07 2020-M01 2022-M06 2025-M04)

td_start_collector
mapfile -t units < <(td_provinces | head -n $agents)
for i in $(seq 1 $agents); do
  td_gen_reports "${units[i - 1]}" $per_agent "$T/reports/a$i" 2017-M01 "$i"
  td_agent "a$i" submit "$T"/reports/a"$i"/*.json >/dev/null
done
declare -a pid
for i in $(seq 1 $agents); do
  ( td_agent_exec "a$i" run --window 1 >>"$T/a$i.log" 2>&1 ) &
  pid[i]=$!
  TD_PIDS+=("$!")
done

stored_now() { # revisions in C1's store right now (check reads beside the collector)
  local r
  r=$("$TIENDO_COLLECTOR_BIN" check --state-dir "$T/collector" 2>/dev/null | jq -r '.revisions // empty') || true
  echo "${r:-0}"
}
wait_stored() { # n: until the store holds at least n revisions
  local deadline=$((SECONDS + 120))
  while [ "$(stored_now)" -lt "$1" ]; do
    [ $SECONDS -lt $deadline ] || td_fail "delivery stalled below $1 revisions"
    sleep 0.1
  done
}
queue_empty() { [ "$(td_queued "$1")" = 0 ]; }
senders() { local i; for i in $(seq 1 $agents); do kill -"$1" "${pid[i]}"; done; }

status_json() { # dir-of-output: status of every test period, and one unit's detail
  local p out=$1
  mkdir -p "$out"
  for p in "${periods[@]}"; do
    td_cli status --period "$p" --json >"$out/status-$p.json"
    td_cli unit "${units[0]}" --period "$p" --json >"$out/unit-$p.json"
  done
}

# ---- LIVE: a hot backup at full ingest speed ----
wait_stored $((total / 10))
"$TIENDO_COLLECTOR_BIN" backup "$T/backup-live" --state-dir "$T/collector" >"$T/backup-live.out" ||
  td_fail "live backup failed: $(cat "$T/backup-live.out")"
# counts are grouped for people ("1,234"): read them without the separator
live_revisions=$(sed -n 's/^revisions: //p' "$T/backup-live.out" | tr -d ,)
grep -q '^check of the copy: OK' "$T/backup-live.out" || td_fail "live backup not checked"
[ "$live_revisions" -lt $total ] || td_fail "live backup taken after ingest ended"
cat "$T/backup-live.out"

# ---- FROZEN: the senders stop in mid-delivery, C1 settles, backup + C1's answers ----
wait_stored $((total / 2))
senders STOP
prev=-1
while [ "$(stored_now)" != "$prev" ]; do prev=$(stored_now); sleep 0.3; done
"$TIENDO_COLLECTOR_BIN" backup "$T/backup-frozen" --state-dir "$T/collector" >"$T/backup-frozen.out" ||
  td_fail "frozen backup failed: $(cat "$T/backup-frozen.out")"
status_json "$T/original-frozen"
frozen_revisions=$(sed -n 's/^revisions: //p' "$T/backup-frozen.out" | tr -d ,)
td_assert_eq "$frozen_revisions" "$prev" "revisions in the frozen backup"
[ "$frozen_revisions" -lt $total ] || td_fail "frozen backup taken after ingest ended"
senders CONT

# A backup folder that already holds a store is refused (exit 2), nothing overwritten.
set +e
"$TIENDO_COLLECTOR_BIN" backup "$T/backup-frozen" --state-dir "$T/collector" >/dev/null 2>"$T/again.err"
rc=$?
set -e
td_assert_eq "$rc" 2 "exit status of a backup into a used folder"
grep -q "already holds a store" "$T/again.err" || td_fail "refusal reason: $(cat "$T/again.err")"

# ---- everything delivered to C1 ----
wait_stored $total
for i in $(seq 1 $agents); do
  td_wait_until 60 queue_empty "a$i" || td_fail "a$i did not empty its outbox"
done
status_json "$T/original-final"

# ---- (a) a second collector on a restore of FROZEN answers exactly what C1 answered ----
"$TIENDO_COLLECTOR_BIN" restore "$T/backup-frozen" --state-dir "$T/restored-frozen" >"$T/restore1.out" ||
  td_fail "restore failed: $(cat "$T/restore1.out")"
tr -d , <"$T/restore1.out" | grep -q "restored .* $frozen_revisions revisions" ||
  td_fail "restore output: $(cat "$T/restore1.out")"
"$TIENDO_COLLECTOR_BIN" check --state-dir "$T/restored-frozen" >"$T/check-frozen.json" ||
  td_fail "check of the restored store"
td_assert_eq "$(jq .revisions "$T/check-frozen.json")" "$frozen_revisions" "revisions after restore"
"$TIENDO_COLLECTOR_BIN" run --state-dir "$T/restored-frozen" --bind "tcp://127.0.0.1:*" \
  --query-bind "tcp://127.0.0.1:*" --secret-key "$T/keys/collector.key" \
  --data-dir "$TIENDO_SOURCE_DIR/data" --authorized-keys "$TD_AUTH" \
  --endpoint-file "$T/endpoints2" 2>>"$T/collector2.log" &
c2=$!
TD_PIDS+=("$c2")
td_wait_until 10 test -s "$T/endpoints2" || td_fail "second collector did not start"
saved_query=$QUERY_EP
QUERY_EP=$(sed -n 's/^query=//p' "$T/endpoints2")
status_json "$T/restored-frozen-answers"
QUERY_EP=$saved_query
kill -TERM $c2
wait $c2
for p in "${periods[@]}"; do
  cmp -s "$T/original-frozen/status-$p.json" "$T/restored-frozen-answers/status-$p.json" ||
    td_fail "status $p differs: $(diff "$T/original-frozen/status-$p.json" "$T/restored-frozen-answers/status-$p.json" | head -20)"
  cmp -s "$T/original-frozen/unit-$p.json" "$T/restored-frozen-answers/unit-$p.json" ||
    td_fail "unit ${units[0]} $p differs"
done
# ...and it is not trivially equal: C1 moved on after the backup.
! cmp -s "$T/original-frozen/status-2025-M04.json" "$T/original-final/status-2025-M04.json" ||
  ! cmp -s "$T/original-frozen/status-2017-M01.json" "$T/original-final/status-2017-M01.json" ||
  td_fail "the frozen status equals the final one: the comparison proves nothing"
sum_revisions=$(jq -s 'map(.revisions_stored) | add' "$T"/original-frozen/status-*.json)
echo "restored FROZEN ($frozen_revisions revisions): the same status and unit answers as C1 at the backup ($sum_revisions revisions in the compared periods)"

# ---- LIVE is a consistent prefix of every agent's stream ----
"$TIENDO_COLLECTOR_BIN" restore "$T/backup-live" --state-dir "$T/restored-live-check" >/dev/null
"$TIENDO_COLLECTOR_BIN" check --state-dir "$T/restored-live-check" >"$T/check-live.json" ||
  td_fail "check of the live backup"
td_assert_eq "$(jq .revisions "$T/check-live.json")" "$live_revisions" "revisions in LIVE"
td_assert_eq "$(jq '[.origins[] | select(.stored == .high_water and .first_seq == 1 and .last_seq == .high_water)] | length' "$T/check-live.json")" \
  "$(jq '.origins | length' "$T/check-live.json")" "every origin in LIVE is seqs 1..high water"
declare -A live_hw
lost_expected=0
for i in $(seq 1 $agents); do
  key=$(head -n 1 "$T/keys/a$i.pub")
  hw=$(jq -r --arg k "$key" '[.origins[] | select(.public_key == $k) | .high_water] | first // 0' "$T/check-live.json")
  live_hw[$i]=$hw
  lost_expected=$((lost_expected + per_agent - hw))
done
td_assert_eq "$lost_expected" $((total - live_revisions)) "reports acknowledged after LIVE"

# Restore refuses a folder with a store in it, and a store in use even with --force.
if "$TIENDO_COLLECTOR_BIN" restore "$T/backup-live" --state-dir "$T/collector" >/dev/null 2>"$T/r.err"; then
  td_fail "restore over a running collector's store succeeded"
fi
grep -q "open in another process" "$T/r.err" || td_fail "in-use refusal: $(cat "$T/r.err")"

# ---- (b) the restore gap: C1 stops, LIVE replaces its store, C2 on the same endpoints ----
td_kill_collector TERM
if "$TIENDO_COLLECTOR_BIN" restore "$T/backup-live" --state-dir "$T/collector" >/dev/null 2>"$T/r.err"; then
  td_fail "restore over an existing store without --force succeeded"
fi
grep -q "holds a store" "$T/r.err" || td_fail "not-empty refusal: $(cat "$T/r.err")"
cp -a "$T/collector" "$T/original-store"
"$TIENDO_COLLECTOR_BIN" restore "$T/backup-live" --state-dir "$T/collector" --force >"$T/restore2.out" ||
  td_fail "forced restore failed: $(cat "$T/restore2.out")"
ls "$T"/collector/data.mdb.before-restore-* >/dev/null || td_fail "replaced store not kept"
td_start_collector
for i in $(seq 1 $agents); do
  td_gen_reports "${units[i - 1]}" $more "$T/more/a$i" 2021-M01 "$((i + 10))"
  td_agent "a$i" submit "$T"/more/a"$i"/*.json >/dev/null
done
for i in $(seq 1 $agents); do
  td_wait_until 60 queue_empty "a$i" ||
    td_fail "a$i is stuck after the restore: $(tail -n 3 "$T/a$i.log")"
done
td_assert_eq "$(td_log_count "$T/collector.log" "Restored from a backup? ask the office to resubmit")" \
  $agents "gap warnings (one per agent)"
for i in $(seq 1 $agents); do
  grep -q "no longer here" "$T/a$i.log" && td_fail "a$i logged it was stuck"
done
td_kill_collector TERM
td_check
td_assert_eq "$(jq '[.gaps, .reports_lost, .gap_conflicts] | @csv' -r "$T/check.json")" \
  "$agents,$lost_expected,0" "gaps, reports lost, gap conflicts"
td_assert_eq "$(jq .revisions "$T/check.json")" $((live_revisions + agents * more)) \
  "revisions: LIVE's plus every new report"
for i in $(seq 1 $agents); do
  key=$(head -n 1 "$T/keys/a$i.pub")
  td_assert_eq "$(jq -r --arg k "$key" '.gap_list[] | select(.public_key == $k) | [.first_seq, .last_seq] | @csv' "$T/check.json")" \
    "$((live_hw[$i] + 1)),$per_agent" "a$i's recorded gap"
  td_assert_eq "$(td_origin "a$i" | jq -r '[.stored, .last_seq, .high_water] | @csv')" \
    "$((live_hw[$i] + more)),$((per_agent + more)),$((per_agent + more))" \
    "a$i: LIVE's reports plus all $more new ones"
done
echo "restore gap: $lost_expected reports acknowledged after LIVE recorded as $agents gaps; $((agents * more)) new reports delivered by the same senders"
