#!/usr/bin/env bash
# The national picture is computed right: T01 for the nation equals the sum of urban
# population over the sum of total population of the reports (computed here with jq,
# independently of the collector), never the mean of provincial rates; completeness and
# timeliness follow the calendar (2026-Q3's deadline 2026-09-25 has passed: reports sent
# now are late and missing ones overdue; the current quarter's reports are on time).
source "$(dirname "$0")/lib.sh"

td_start_collector
mapfile -t units < <(td_provinces)
q="$(date -u +%Y)-Q$((($(date -u +%-m) + 2) / 3))"
[ "$q" != 2026-Q3 ] || td_fail "this test assumes today is after 2026-Q3"

mkdir -p "$T/q3" "$T/now"
for i in $(seq 0 19); do td_report "${units[i]}" 2026-Q3 "$i" >"$T/q3/${units[i]}.json"; done
for i in $(seq 0 29); do td_report "${units[i]}" "$q" "$((i + 100))" >"$T/now/${units[i]}.json"; done
td_agent office submit "$T"/q3/*.json "$T"/now/*.json >/dev/null
td_agent_bg office "$T/agent.log" run --exit-when-empty
td_wait_pid "$AGENT_PID" 60 || td_fail "reports not delivered"

check_period() { # period dir reported on_time late not_yet_due overdue
  td_cli status --period "$1" --json >"$T/status.json"
  td_assert_eq "$(jq -r '[.units_expected, .units_reported, .units_on_time, .units_late,
    .units_not_yet_due, .units_overdue] | @csv' "$T/status.json")" "34,$3,$4,$5,$6,$7" \
    "expected, reported, on time, late, not yet due, overdue for $1"
  # T01 = 100 * sum(urban_population) / sum(total_population) over the reports sent
  local want got mean
  want=$(jq -s '100 * (map(.data.urban_population) | add) / (map(.data.total_population) | add)' "$2"/*.json)
  mean=$(jq -s 'map(100 * .data.urban_population / .data.total_population) | add / length' "$2"/*.json)
  got=$(jq '.indicators[] | select(.id == "T01") | .value' "$T/status.json")
  jq -n --argjson w "$want" --argjson g "$got" '(($w - $g) | fabs) <= 1e-9 * $w' | grep -q true ||
    td_fail "T01 for $1: collector $got, sum of elements $want"
  # and the test would notice a mean of rates
  jq -n --argjson w "$want" --argjson m "$mean" '(($w - $m) | fabs) > 1e-6' | grep -q true ||
    td_fail "T01 test cannot tell the ratio of sums ($want) from the mean of rates ($mean)"
  echo "$1: T01 $got (mean of provincial rates would be $mean)"
}
check_period 2026-Q3 "$T/q3" 20 0 20 0 14
# The current quarter's deadline is the 25th of its last month: before it, reports sent
# now are on time and missing ones not yet due; from the 26th on, late and overdue.
last_month=$((($(date -u +%-m) + 2) / 3 * 3))
deadline=$(printf '%s-%02d-25' "$(date -u +%Y)" $last_month)
if [[ "$(date -u +%F)" > "$deadline" ]]; then
  check_period "$q" "$T/now" 30 0 30 0 4
  first_lagging=overdue
else
  check_period "$q" "$T/now" 30 30 0 4 0
  first_lagging=not_yet_due
fi
td_assert_eq "$(jq -r '.deadline' "$T/status.json")" "$deadline" "deadline of $q"
td_assert_eq "$(jq -r '.lagging[0].status' "$T/status.json")" $first_lagging \
  "first lagging unit for $q (a missing one)"
echo "national picture: T01 from summed elements; completeness and timeliness by the calendar"
