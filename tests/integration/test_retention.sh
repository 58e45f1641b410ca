#!/usr/bin/env bash
# Retention: `tiendo-collector prune`, beside a running collector, removes the report body of
# revisions superseded more than N days ago (the age is faked with --now-ms), never the
# latest revision; `tiendo unit` still lists every revision with who sent and prepared it
# and when; `tiendo status` is unchanged; `check` passes; a second pass prunes nothing new;
# --dry-run changes nothing. A rejection reason goes only once its agent has moved past it.
source "$(dirname "$0")/lib.sh"

day=86400000
td_start_collector
unit=$(td_provinces | head -n 1)
other=$(td_provinces | sed -n 2p)
# 200 reports: 100 months x 2 revisions (the second of each supersedes the first).
td_gen_reports "$unit" 200 "$T/reports" 2017-M01 3
td_agent a1 submit "$T"/reports/*.json >/dev/null
td_agent a1 run --exit-when-empty >>"$T/a1.log" 2>&1
# a2 may report only for $unit: a report for $other is rejected by the collector.
td_keygen a2 agent "$unit"
td_report "$other" 2025-Q4 >"$T/bad.json"
td_agent a2 submit "$T/bad.json" >/dev/null
td_agent a2 run --exit-when-empty >>"$T/a2.log" 2>&1
td_assert_eq "$(td_status_field a2 .dead_letters)" 1 "a2's rejected report"

answers() { # dir
  mkdir -p "$1"
  local p
  for p in 2017-M01 2020-M06 2025-M04; do
    td_cli status --period "$p" --json >"$1/status-$p.json"
    td_cli unit "$unit" --period "$p" --json >"$1/unit-$p.json"
  done
}
answers "$T/before"
td_assert_eq "$(jq '.history | length' "$T/before/unit-2017-M01.json")" 2 "revisions of $unit 2017-M01"

prune() { # extra flags...
  "$TIENDO_COLLECTOR_BIN" prune --state-dir "$T/collector" "$@"
}
now=$(($(date +%s%3N)))

# Superseded 29 days ago at most: nothing to prune at 30 days.
prune --retention-superseded-days 30 --now-ms $((now + 29 * day)) >"$T/p0.out"
grep -q "pruned: 0 of 200 revisions" "$T/p0.out" || td_fail "pruned too early: $(cat "$T/p0.out")"

# A dry run 31 days on counts the 100 superseded revisions and changes nothing.
prune --retention-superseded-days 30 --now-ms $((now + 31 * day)) --dry-run >"$T/p1.out"
grep -q "dry run, nothing changed: 100 of 200 revisions" "$T/p1.out" || td_fail "dry run: $(cat "$T/p1.out")"
td_check
td_assert_eq "$(jq .pruned "$T/check.json")" 0 "pruned after a dry run"

# The real thing, in steps of 2,000 records beside the running collector.
prune --retention-superseded-days 30 --now-ms $((now + 31 * day)) >"$T/p2.out"
grep -q "^pruned: 100 of 200 revisions" "$T/p2.out" || td_fail "prune: $(cat "$T/p2.out")"
cat "$T/p2.out"
td_check
td_assert_eq "$(jq -r '[.revisions, .latest, .pruned, .undecodable] | @csv' "$T/check.json")" \
  "200,100,100,0" "revisions, latest, pruned, undecodable after the prune"
answers "$T/after"
for p in 2017-M01 2020-M06 2025-M04; do
  cmp -s "$T/before/status-$p.json" "$T/after/status-$p.json" || td_fail "status $p changed"
  # the whole unit answer: latest report, and the history (who, when, seq, prepared_by)
  cmp -s "$T/before/unit-$p.json" "$T/after/unit-$p.json" ||
    td_fail "unit $p changed: $(diff "$T/before/unit-$p.json" "$T/after/unit-$p.json" | head)"
done
td_assert_eq "$(jq -r '[.history[] | (.prepared_by != null and .agent_key != null and .seq != null)] | all' "$T/after/unit-2017-M01.json")" \
  true "history of a pruned revision keeps who and when"

# Again: nothing new. The file did not grow from the rewrite.
prune --retention-superseded-days 30 --now-ms $((now + 31 * day)) >"$T/p3.out"
grep -q "^pruned: 0 of 200 revisions lose their report body (0 bytes; 100 pruned before)" "$T/p3.out" ||
  td_fail "second prune: $(cat "$T/p3.out")"

# A third revision of 2025-M04: the second, until now the latest and never touched, is
# superseded and goes on the next pass; the new latest keeps its whole report.
td_report "$unit" 2025-M04 9 >"$T/rev3.json"
td_agent a1 submit "$T/rev3.json" >/dev/null
td_agent a1 run --exit-when-empty >>"$T/a1.log" 2>&1
prune --retention-superseded-days 30 --now-ms $((now + 31 * day)) >"$T/p4.out"
grep -q "^pruned: 1 of 201 revisions" "$T/p4.out" || td_fail "new supersession: $(cat "$T/p4.out")"
td_cli unit "$unit" --period 2025-M04 --json >"$T/rev3-unit.json"
td_assert_eq "$(jq -r '[(.history | length), (.report.task_groups | length)] | @csv' "$T/rev3-unit.json")" \
  "3,6" "history and the latest report's task groups after pruning revision 2"

# Rejection reasons: a2 has moved past its rejected seq (its heartbeats say so).
prune --retention-rejections-days 1 --now-ms $((now + 2 * day)) >"$T/p5.out"
grep -q "1 of 1 rejection reasons dropped (0 kept" "$T/p5.out" || td_fail "rejections: $(cat "$T/p5.out")"
td_kill_collector TERM
td_check
echo "retention: 100 superseded bodies pruned, history and status unchanged; 1 rejection reason dropped"
