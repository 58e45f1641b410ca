#!/usr/bin/env bash
# Merged provinces keep their history and roll up: 2024-Q4 reports of Bắc Kạn (06) and
# Thái Nguyên (19) both count under today's Thái Nguyên in the provincial indicators,
# with T01 equal to the ratio of their summed elements (computed here independently);
# Bắc Kạn's report stays visible under its own code for its own period; a second
# submission of Thái Nguyên's report supersedes the first, and both stay in its history.
source "$(dirname "$0")/lib.sh"

td_start_collector
td_report 06 2024-Q4 1 >"$T/06.json"
td_report 19 2024-Q4 2 >"$T/19-r1.json"
td_report 19 2024-Q4 3 >"$T/19-r2.json"
td_report 01 2024-Q4 4 >"$T/01.json"
td_agent office submit "$T/06.json" "$T/19-r1.json" "$T/01.json" "$T/19-r2.json" >/dev/null
td_agent_bg office "$T/agent.log" run --exit-when-empty
td_wait_pid "$AGENT_PID" 60 || td_fail "reports not delivered"

td_cli indicators --level province --period 2024-Q4 --json >"$T/ind.json" ||
  td_fail "tiendo indicators failed"
want=$(jq -s '100 * (map(.data.urban_population) | add) / (map(.data.total_population) | add)' \
  "$T/06.json" "$T/19-r2.json")
got=$(jq '.scopes[] | select(.scope == "19") | .indicators[] | select(.id == "T01") | .value' "$T/ind.json")
jq -n --argjson w "$want" --argjson g "$got" '(($w - $g) | fabs) <= 1e-9 * $w' | grep -q true ||
  td_fail "T01 of Thái Nguyên for 2024-Q4: collector $got, summed elements of 06 and 19 $want"
td_assert_eq "$(jq '.scopes[] | select(.scope == "19") | .reports' "$T/ind.json")" 2 \
  "reports rolled up into Thái Nguyên"
td_assert_eq "$(jq -r '.scopes[0].scope' "$T/ind.json")" VN "the nation comes first"
td_assert_eq "$(jq '.scopes[0].reports' "$T/ind.json")" 3 "reports in the nation"
td_assert_eq "$(jq '.scopes | length' "$T/ind.json")" 35 "the nation and the 34 provinces of today"

td_cli unit 06 --period 2024-Q4 --json >"$T/unit06.json" || td_fail "tiendo unit 06 failed"
td_assert_eq "$(jq '.history | length' "$T/unit06.json")" 1 "Bắc Kạn's own history for 2024-Q4"
td_cli unit 19 --period 2024-Q4 --json >"$T/unit19.json" || td_fail "tiendo unit 19 failed"
td_assert_eq "$(jq '[.history[].revision] | @csv' -r "$T/unit19.json")" "1,2" "revisions of 19"
td_assert_eq "$(jq -r '.report.data.urban_population' "$T/unit19.json")" \
  "$(jq -r '.data.urban_population' "$T/19-r2.json")" "the latest revision supersedes the first"
echo "roll-up: 06 counts under 19 today, stays visible as itself; revisions supersede"
