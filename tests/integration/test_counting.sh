#!/usr/bin/env bash
# Numbers central staff can sign (docs/data.md, "Roll-up and expected units"), through real
# agents, a real collector and the CLI, every expected figure worked out here from the
# values the test sends:
#  - a province and 5 of its 6 communes report: the nation counts each person once (the
#    province's own figure), the communes' sum is shown beside it as a check;
#  - a province silent, 3 of its 4 wards complete: their sum stands for it, partial;
#    value = numerator / denominator, coverage "2 of 34" and partial at the nation;
#  - 2025 (spanning the merger) and 2025-Q3 with a predecessor and its successor reporting
#    in each combination; 2025-Q2 with the old units;
#  - action-plan tasks across two revisions: `tiendo tasks --status overdue` lists exactly
#    the overdue one, status and units count it;
#  - an office enrolled but never started is "never connected" in `tiendo agents` and in
#    the metrics, and its unit is named in `status` as having no live agent.
source "$(dirname "$0")/lib.sh"

td_use_communes
td_keygen hn agent '01/*'
td_keygen hcm agent '79/*'
td_keygen bd agent '74/*'
td_keygen tn agent '19/*'
td_keygen idle agent '48/*' # enrolled, never started
td_start_collector

report() { # unit period urban total [tasks-json] -> $T/r/unit-period.json
  mkdir -p "$T/r"
  local tasks=${5:-[]}
  td_report "$1" "$2" 3 | jq --argjson u "$3" --argjson t "$4" --argjson tasks "$tasks" '
    .data.urban_population = (if $u < 0 then null else $u end)
    | .data.total_population = (if $t < 0 then null else $t end)
    | .action_plan = $tasks' >"$T/r/$1-$2.json" || td_fail "report $1 $2"
}
send() { # agent file...: submit and deliver
  local a=$1
  shift
  td_agent "$a" submit "$@" >/dev/null || td_fail "$a could not submit $*"
  td_agent "$a" run --exit-when-empty >>"$T/$a.log" 2>&1 || td_fail "$a did not deliver"
}
t01() { # file scope-filter: the T01 object of a status or indicators answer
  jq -c "$2 | select(.id == \"T01\")" "$1"
}
close_to() { # a b: equal within 1e-9 relative
  awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; s = (b < 0 ? -b : b);
    exit !(d <= 1e-9 * (s > 1 ? s : 1)) }'
}

# ---- a province and its communes, 2026-Q3 ----
q=2026-Q3
report 01 $q 5000000 8500000
hn_u=(100000 200000 300000 50000 60000)
hn_t=(100000 210000 320000 150000 170000)
files=("$T/r/01-$q.json")
for i in 0 1 2 3 4; do
  report "0100$((i + 1))" $q "${hn_u[i]}" "${hn_t[i]}"
  files+=("$T/r/0100$((i + 1))-$q.json")
done
send hn "${files[@]}"
check_u=$(IFS=+; echo $(("${hn_u[*]}")))
check_t=$(IFS=+; echo $(("${hn_t[*]}")))

# Hồ Chí Minh City: no own figure; 3 wards complete, one gives no total
report 79001 $q 400000 400000
report 79002 $q 300000 310000
report 79003 $q 200000 260000
report 79004 $q 150000 -1
send hcm "$T/r/79001-$q.json" "$T/r/79002-$q.json" "$T/r/79003-$q.json" "$T/r/79004-$q.json"

td_cli status --period $q --json >"$T/status.json" || td_fail "status"
nation=$(t01 "$T/status.json" '.indicators[]')
td_assert_eq "$(jq .numerator <<<"$nation")" $((5000000 + 900000)) "nation T01 numerator (01 own + 79's wards)"
td_assert_eq "$(jq .denominator <<<"$nation")" $((8500000 + 970000)) "nation T01 denominator"
close_to "$(jq .value <<<"$nation")" "$(jq '.numerator * 100 / .denominator' <<<"$nation")" ||
  td_fail "value is not numerator / denominator: $nation"
td_assert_eq "$(jq -c '[.units_covered, .units_expected, .partial]' <<<"$nation")" "[2,34,true]" \
  "nation T01 coverage"

td_cli indicators --period $q --level province --json >"$T/ind.json" || td_fail "indicators"
hn=$(t01 "$T/ind.json" '.scopes[] | select(.scope == "01") | .indicators[]')
td_assert_eq "$(jq -c '[.source, .numerator, .denominator, .partial]' <<<"$hn")" \
  '["own",5000000,8500000,false]' "Hà Nội's own figure"
td_assert_eq "$(jq -c '[.check.numerator, .check.denominator, .check.units_covered, .check.units_expected]' <<<"$hn")" \
  "[$check_u,$check_t,5,6]" "Hà Nội's communes' check"
hcm=$(t01 "$T/ind.json" '.scopes[] | select(.scope == "79") | .indicators[]')
td_assert_eq "$(jq -c '[.source, .numerator, .denominator, .units_covered, .units_expected, .partial, .check]' <<<"$hcm")" \
  '["parts",900000,970000,3,4,true,null]' "HCMC from its wards"
# the table says so too
td_cli indicators --period $q --level province >"$T/ind.txt"
grep -q "partial" "$T/ind.txt" || td_fail "the province table does not mark partial figures: $(head -20 "$T/ind.txt")"

# ---- the merger: 2025 spans it, 2025-Q3 does not ----
report 74 2025 2000000 2800000
send bd "$T/r/74-2025.json"
td_cli status --period 2025 --json >"$T/s2025.json"
td_assert_eq "$(jq .units_expected "$T/s2025.json")" 34 "expected in 2025"
td_assert_eq "$(jq .units_reported "$T/s2025.json")" 1 "reported in 2025 (79 through 74)"
td_assert_eq "$(jq -c '.reported[] | select(.unit == "79") | [.reported_by_parts, .partial]' "$T/s2025.json")" \
  '[["74"],true]' "79 reported by its part 74"
jq -e '.missing | map(.unit) | index("79") == null' "$T/s2025.json" >/dev/null ||
  td_fail "79 is missing although 74 reported"
td_assert_eq "$(t01 "$T/s2025.json" '.indicators[]' | jq .numerator)" 2000000 "2025 nation from 74"

report 79 2025 9000000 14000000
send hcm "$T/r/79-2025.json"
td_cli status --period 2025 --json >"$T/s2025b.json"
td_assert_eq "$(jq .units_reported "$T/s2025b.json")" 1 "79 counted once"
td_assert_eq "$(jq -c '.reported[] | select(.unit == "79") | .partial' "$T/s2025b.json")" false "79 own report"
td_assert_eq "$(t01 "$T/s2025b.json" '.indicators[]' | jq .numerator)" 9000000 "79's own figure wins"
td_cli indicators --period 2025 --level province --json >"$T/i2025.json"
td_assert_eq "$(t01 "$T/i2025.json" '.scopes[] | select(.scope == "79") | .indicators[]' | jq -c '[.check.numerator, .check.units_covered]')" \
  "[2000000,1]" "74 as 79's check in 2025"

# 2025-Q3: 74 does not exist, its office's report is refused at submit; 79 reports alone
report 74 2025-Q3 1 2
if td_agent bd submit "$T/r/74-2025-Q3.json" >/dev/null 2>"$T/bd.err"; then
  td_fail "74 could queue a 2025-Q3 report"
fi
grep -q "does not exist during 2025-Q3" "$T/bd.err" || td_fail "74 Q3: $(cat "$T/bd.err")"
td_cli status --period 2025-Q3 --json >"$T/sq3.json"
td_assert_eq "$(jq .units_reported "$T/sq3.json")" 0 "nobody reported 2025-Q3"
td_assert_eq "$(jq .units_partial "$T/sq3.json")" 0 "no partial report in 2025-Q3"

# 2025-Q2: the old map; 06 and the old 19 are two units, neither part of the other
report 06 2025-Q2 60000 310000
report 19 2025-Q2 400000 1300000
send tn "$T/r/06-2025-Q2.json" "$T/r/19-2025-Q2.json"
td_cli status --period 2025-Q2 --json >"$T/sq2.json"
td_assert_eq "$(jq -c '[.units_expected, .units_reported]' "$T/sq2.json")" "[63,2]" "2025-Q2 on the old map"
td_assert_eq "$(t01 "$T/sq2.json" '.indicators[]' | jq -c '[.numerator, .units_covered]')" \
  "[460000,2]" "2025-Q2 nation: 06 + 19"

# ---- action-plan tasks across two revisions ----
tasks_q2='[
 {"id":"KH-01","title":"Quy hoạch phân khu","task_group":2,"owner":"Sở Xây dựng","deadline":"2026-06-30","status":"in_progress"},
 {"id":"KH-02","title":"Nhà ở xã hội","task_group":4,"owner":"Sở Tài chính","deadline":"2026-08-31","status":"in_progress"},
 {"id":"KH-03","title":"Đề án nâng loại đô thị","task_group":3,"owner":"Sở Xây dựng","co_owners":["Sở Nội vụ"],"deadline":"2026-09-30","status":"not_started"},
 {"id":"KH-04","title":"Đô thị thông minh","task_group":5,"owner":"Sở Khoa học và Công nghệ","deadline":"2030-12-31","status":"in_progress"}]'
tasks_q3='[
 {"id":"KH-01","title":"Quy hoạch phân khu","task_group":2,"owner":"Sở Xây dựng","deadline":"2026-06-30","status":"in_progress"},
 {"id":"KH-02","title":"Nhà ở xã hội","task_group":4,"owner":"Sở Tài chính","deadline":"2026-08-31","status":"completed","completed_on":"2026-09-10"},
 {"id":"KH-03","title":"Đề án nâng loại đô thị","task_group":3,"owner":"Sở Xây dựng","co_owners":["Sở Nội vụ"],"deadline":"2026-09-30","status":"completed","completed_on":"2026-09-20"},
 {"id":"KH-04","title":"Đô thị thông minh","task_group":5,"owner":"Sở Khoa học và Công nghệ","deadline":"2030-12-31","status":"in_progress"}]'
report 01 2026-Q2 4900000 8400000 "$tasks_q2"
send hn "$T/r/01-2026-Q2.json"
report 01 $q 5000000 8500000 "$tasks_q3"
send hn "$T/r/01-$q.json" # revision 2 of 01 for 2026-Q3

td_cli tasks --status overdue --json >"$T/overdue.json" || td_fail "tasks --status overdue"
td_assert_eq "$(jq -c '[.tasks[] | [.unit, .id, .state]]' "$T/overdue.json")" '[["01","KH-01","overdue"]]' \
  "overdue tasks"
td_cli tasks --json >"$T/tasks.json"
td_assert_eq "$(jq -c '[.tasks[] | [.id, .state]] | sort' "$T/tasks.json")" \
  '[["KH-01","overdue"],["KH-02","completed_late"],["KH-03","completed_on_time"],["KH-04","in_progress"]]' \
  "every task's state"
td_assert_eq "$(jq -c '.counts' "$T/tasks.json")" \
  '{"completed_on_time":1,"completed_late":1,"in_progress":1,"overdue":1}' "task counts"
td_assert_eq "$(jq -c '.tasks[] | select(.id == "KH-02") | [.period, (.history | map(.status))]' "$T/tasks.json")" \
  "[\"$q\",[\"in_progress\",\"completed\"]]" "KH-02's history across revisions"
td_assert_eq "$(td_cli tasks --owner "nội vụ" --json | jq -c '[.tasks[].id]')" '["KH-03"]' "a co-owner found"
td_assert_eq "$(td_cli tasks --group 5 --json | jq -c '[.tasks[].id]')" '["KH-04"]' "by task group"
td_assert_eq "$(td_cli tasks --province 79 --json | jq '.tasks | length')" 0 "HCMC has no tasks"
td_cli status --period $q --json >"$T/status2.json"
td_assert_eq "$(jq .tasks_overdue "$T/status2.json")" 1 "overdue tasks in status"
td_cli units --period $q --json >"$T/units.json"
td_assert_eq "$(jq '.units[] | select(.unit == "01") | .tasks_overdue' "$T/units.json")" 1 "overdue tasks of 01"
td_cli tasks --status overdue >"$T/overdue.txt"
grep -q "KH-01" "$T/overdue.txt" || td_fail "tasks table: $(cat "$T/overdue.txt")"
! grep -q "KH-02" "$T/overdue.txt" || td_fail "a completed task listed as overdue"

# ---- every office, named ----
td_cli agents --json >"$T/agents.json"
td_assert_eq "$(jq -c '.agents[] | select(.name == "test idle") | [.scope, .enrolled, .state, .last_seen_at]' "$T/agents.json")" \
  '["48/*",true,"never_connected",null]' "the idle office"
td_cli agents >"$T/agents.txt"
grep -q "never connected" "$T/agents.txt" || td_fail "agents table: $(cat "$T/agents.txt")"
jq -e '.without_live_agent | map(.unit) | index("48") != null' "$T/status2.json" >/dev/null ||
  td_fail "status does not name 48 as having no live agent"
if [ -n "$METRICS_URL" ]; then
  curl -s "$METRICS_URL" >"$T/metrics.txt"
  grep -E '^tiendo_collector_office_connected_ever\{.*name="test idle".*\} 0$' "$T/metrics.txt" >/dev/null ||
    td_fail "metrics: $(grep office "$T/metrics.txt" | head)"
fi
echo "test_counting: each person counted once, partial figures marked, the merger rule, overdue tasks, silent offices named"
