#!/usr/bin/env bash
# The office of a merged province (Thái Nguyên, 19, enrolled 19/*, configured --unit 19 as
# its enrolment bundle writes) may send its predecessor's late reports (Bắc Kạn, 06, for
# 2024), and the agent's submit check agrees with the collector's scope in both
# directions: for each case, `submit --unit 19` queues the report exactly when the
# collector, sent the same report by the same key without --unit, stores it.
source "$(dirname "$0")/lib.sh"

td_keygen office agent '19/*'
td_start_collector

raw_agent() { # command [args...]: the same key, another outbox, no --unit
  "$TIENDO_AGENT" "$@" --state-dir "$T/agents/raw" --collector "$AGENTS_EP" \
    --collector-public-key "$T/keys/collector.pub" --secret-key "$T/keys/office.key" \
    --data-dir "$TIENDO_SOURCE_DIR/data" --resend-timeout-ms 1000 --heartbeat-ms 500
}

# unit period expected: yes = in scope (stored), no = outside 19/* (rejected by scope)
cases=(
  "06 2024-Q4 yes" # Bắc Kạn before the merger: merged into 19
  "06 2025-H1 yes" # its last half-year
  "19 2024-Q4 yes" # old Thái Nguyên
  "19 2026-Q3 yes" # new Thái Nguyên
  "01 2024-Q4 no"  # Hà Nội
  "24 2024-Q4 no"  # Bắc Giang's code, now Bắc Ninh: not merged into 19
  "79 2026-Q3 no"  # Hồ Chí Minh City
)
seed=1
for c in "${cases[@]}"; do
  read -r unit period expected <<<"$c"
  td_report "$unit" "$period" "$seed" >"$T/r-$unit-$period.json"
  seed=$((seed + 1))
  if td_agent office submit --unit 19 "$T/r-$unit-$period.json" >"$T/submit.out" 2>&1; then
    agent=yes
  else
    agent=no
    grep -q "reports for 19, the units below it and the units merged into it" "$T/submit.out" ||
      td_fail "$unit $period: refused for another reason: $(cat "$T/submit.out")"
  fi
  td_assert_eq "$agent" "$expected" "agent --unit 19 accepts $unit $period"
  raw_agent submit "$T/r-$unit-$period.json" >/dev/null ||
    td_fail "$unit $period: the rules (without a scope) refused it"
done

# Deliver both outboxes; the collector decides every case of the raw outbox by its scope.
td_agent office run --exit-when-empty >"$T/office.log" 2>&1 || td_fail "office run"
raw_agent run --exit-when-empty >"$T/raw.log" 2>&1 || td_fail "raw run"
raw_agent dead-letters --json >"$T/dead.json"
for c in "${cases[@]}"; do
  read -r unit period expected <<<"$c"
  history=$(td_cli unit "$unit" --period "$period" --json | jq '.history | length')
  dead=$(jq --arg u "$unit" --arg p "$period" \
    '[.dead_letters[] | select(.unit == $u and .period == $p)] | length' "$T/dead.json")
  if [ "$expected" = yes ]; then
    # stored twice: once from each outbox (a revision each), nothing rejected
    td_assert_eq "$history" 2 "revisions of $unit $period (office and raw outbox)"
    td_assert_eq "$dead" 0 "dead letters for $unit $period"
  else
    td_assert_eq "$history" 0 "revisions of $unit $period"
    td_assert_eq "$dead" 1 "dead letters for $unit $period"
    jq -e --arg u "$unit" --arg p "$period" \
      '.dead_letters[] | select(.unit == $u and .period == $p) | .reason |
       test("outside this agent.s scope \\(19/\\*")' "$T/dead.json" >/dev/null ||
      td_fail "$unit $period: reason $(jq -c .dead_letters "$T/dead.json")"
  fi
done
# Bắc Kạn's 2024 report counts for Thái Nguyên, the province it is part of today.
td_cli indicators --period 2024-Q4 --level province --json >"$T/ind.json"
td_assert_eq "$(jq '[.scopes[] | select(.scope == "19") | .reports] | first' "$T/ind.json")" 2 \
  "reports under Thái Nguyên in 2024-Q4 (the latest of 06 and of 19)"
echo "security_scope_merged: agent --unit 19 and the collector's 19/* agree on ${#cases[@]} cases"
