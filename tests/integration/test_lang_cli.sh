#!/usr/bin/env bash
# tiendo in Vietnamese and in English (docs/cli.md, "Language"), through a real collector and
# real agents: status, units, indicators, tasks and agents under LANG=vi_VN.UTF-8 speak
# Vietnamese (headings, status words, "57,5 %", "1.007", "25/09/2024"), under LANG=C.UTF-8
# English ("57.5 %", "1,007", "2024-09-25"); --lang wins over the locale either way; --json
# and `export --format csv` are the same bytes under every language and locale. Every
# expected text is written here, not taken from the program.
source "$(dirname "$0")/lib.sh"

td_keygen hn agent '01/*'
td_keygen hcm agent '79/*'
td_keygen idle agent '48/*' # enrolled, never started
td_keygen cli
td_start_collector

# 2024-Q3 (63 provinces; its deadline, 2024-09-25, has passed whatever today is): Hà Nội
# gives the only urbanisation figure, 5 750 000 of 10 000 000 (57.5 %), and 1 000 urban
# areas; Hồ Chí Minh City 7 more (1 007 in all) and no population.
q=2024-Q3
mkdir -p "$T/r"
td_report 01 $q 3 | jq '.data.urban_population = 5750000 | .data.total_population = 10000000
  | .data.urban_areas = 1000
  | .action_plan = [
      {"id":"KH-01","title":"Quy hoạch phân khu","task_group":2,"owner":"Sở Xây dựng",
       "deadline":"2024-06-30","status":"in_progress"},
      {"id":"KH-02","title":"Nhà ở xã hội","task_group":4,"owner":"Sở Tài chính",
       "deadline":"2024-08-31","status":"completed","completed_on":"2024-09-10"}]' \
  >"$T/r/01.json" || td_fail "report 01"
td_report 79 $q 4 | jq '.data.urban_population = null | .data.total_population = null
  | .data.urban_areas = 7 | .action_plan = []' >"$T/r/79.json" || td_fail "report 79"
for a in hn:01 hcm:79; do
  td_agent "${a%%:*}" submit "$T/r/${a##*:}.json" >/dev/null || td_fail "${a%%:*} could not submit"
  td_agent "${a%%:*}" run --exit-when-empty >>"$T/${a%%:*}.log" 2>&1 || td_fail "${a%%:*} did not deliver"
done

cli() { # environment... -- arguments...: tiendo with the query key, under exactly that locale
  # (and no per-user configuration file)
  local envs=()
  while [ "$1" != -- ]; do
    envs+=("$1")
    shift
  done
  shift
  env -u LANGUAGE -u LC_ALL -u LC_MESSAGES -u LANG -u TIENDO_CONFIG -u TIENDO_LANG \
    XDG_CONFIG_HOME="$T/xdg" "${envs[@]}" "$TIENDO_CLI" "$@" --query "$QUERY_EP" \
    --collector-public-key "$T/keys/collector.pub" --secret-key "$T/keys/cli.key" \
    --data-dir "$TD_DATA"
}
has() { # file text...: every text is in the file
  local f=$1 t
  shift
  for t in "$@"; do
    grep -qF -- "$t" "$f" || td_fail "'$t' not in $(basename "$f"): $(head -n 30 "$f")"
  done
}
hasnt() { # file text...: none of the texts is in the file
  local f=$1 t
  shift
  for t in "$@"; do
    ! grep -qF -- "$t" "$f" || td_fail "'$t' in $(basename "$f")"
  done
}

# ---- Vietnamese under a Vietnamese locale, and with --lang vi under C ----
for how in "LANG=vi_VN.UTF-8 --" "LANG=C.UTF-8 -- --lang vi"; do
  envs=${how%% --*}
  lang=${how#*--}
  tag=$(echo "$envs$lang" | tr -c 'a-zA-Z0-9' _)
  cli $envs -- status --period $q $lang >"$T/status.$tag" || td_fail "status ($how)"
  has "$T/status.$tag" \
    "Tổng hợp toàn quốc - Nghị quyết 06-NQ/TW (chế độ báo cáo nq06), kỳ báo cáo 2024-Q3" \
    "Số tỉnh đã báo cáo: 2/63 (3,2 %)" \
    "Hạn 25/09/2024 · đúng hạn 0 · trễ hạn 2 · chưa đến hạn 0 · quá hạn 61" \
    "Nhóm nhiệm vụ" "Chưa triển khai" "Tiến độ bình quân" \
    "Nâng cao chất lượng quy hoạch" \
    "Chỉ tiêu (toàn quốc)" "Tỷ lệ đô thị" "57,5 %*" "1.007*" "950–1.000" \
    "* chưa đầy đủ: mới có một phần số tỉnh:" \
    "Đơn vị chậm nhất (quá hạn, trễ hạn, rồi tiến độ bình quân thấp nhất)" \
    "Chưa báo cáo (61): "
  hasnt "$T/status.$tag" "National summary" "Provinces reported" "57.5" "1,007"

  cli $envs -- units --period $q $lang >"$T/units.$tag" || td_fail "units ($how)"
  has "$T/units.$tag" "Đơn vị, nq06 2024-Q3 (hạn 25/09/2024)" "Trạng thái" "Nhận lần đầu" \
    "trễ hạn" "quá hạn" "63 đơn vị"
  grep -E -q '^01 +Hà Nội +trễ hạn +1 ' "$T/units.$tag" || td_fail "units: $(head "$T/units.$tag")"

  cli $envs -- indicators --period $q $lang >"$T/ind.$tag" || td_fail "indicators ($how)"
  has "$T/ind.$tag" "Chỉ tiêu, nq06 2024-Q3" "Chỉ tiêu (VN " "2 báo cáo)" "Mục tiêu 2025" \
    "57,5 %*" "1.007*"
  cli $envs -- indicators --period $q --level province $lang >"$T/indp.$tag" ||
    td_fail "indicators --level province ($how)"
  has "$T/indp.$tag" "Chỉ tiêu theo tỉnh" "Số báo cáo" "57,5" "1.007,0*"

  cli $envs -- tasks --as-of 2024-10-01 $lang >"$T/tasks.$tag" || td_fail "tasks ($how)"
  has "$T/tasks.$tag" \
    "Nhiệm vụ trong kế hoạch hành động, chế độ báo cáo nq06, tính đến ngày 01/10/2024" \
    "hoàn thành trễ hạn 1 · đang thực hiện (chưa đến hạn) 0 · quá hạn 1" \
    "Đơn vị chủ trì" "30/06/2024" "10/09/2024" "2 nhiệm vụ"
  grep -E -q 'KH-01 .* 30/06/2024 +quá hạn ' "$T/tasks.$tag" || td_fail "tasks: $(cat "$T/tasks.$tag")"

  cli $envs -- agents $lang >"$T/agents.$tag" || td_fail "agents ($how)"
  has "$T/agents.$tag" "Trạm gửi báo cáo mà máy chủ tổng hợp biết: 4 (" "chưa từng kết nối" \
    "khóa truy vấn" "Liên lạc gần nhất" "chưa bao giờ"
  grep -E -q 'test hn .*(đang kết nối|mất liên lạc).* giây trước|phút trước' "$T/agents.$tag" ||
    td_fail "agents: $(cat "$T/agents.$tag")"

  cli $envs -- --help $lang >"$T/help.$tag" || td_fail "--help ($how)"
  has "$T/help.$tag" "Các lệnh:" "  status      Tổng hợp toàn quốc" "Mã thoát: 0 thành công"
  cli $envs -- help status $lang >"$T/helps.$tag" || td_fail "help status ($how)"
  has "$T/helps.$tag" "Tổng hợp toàn quốc của một kỳ báo cáo" "Ví dụ:" \
    "  tiendo status --period 2026-Q3"

  # A mistake is explained in Vietnamese too.
  if cli $envs -- status --period 2024-X $lang >/dev/null 2>"$T/err.$tag"; then
    td_fail "a bad period was accepted ($how)"
  fi
  has "$T/err.$tag" "tiendo: --period: '2024-X' không phải là kỳ báo cáo: hãy viết 2026-Q3 (quý)"
done

# ---- English under C, and with --lang en under a Vietnamese locale ----
for how in "LANG=C.UTF-8 --" "LANG=vi_VN.UTF-8 -- --lang en" "LC_ALL=vi_VN.UTF-8 -- --lang en"; do
  envs=${how%% --*}
  lang=${how#*--}
  tag=$(echo "$envs$lang" | tr -c 'a-zA-Z0-9' _)
  cli $envs -- status --period $q $lang >"$T/status.$tag" || td_fail "status ($how)"
  has "$T/status.$tag" \
    "National summary - Resolution 06-NQ/TW (dataset nq06), period 2024-Q3" \
    "Provinces reported: 2 of 63 (3.2 %)" \
    "Deadline 2024-09-25 · on time 0 · late 2 · not yet due 0 · overdue 61" \
    "Quality of urban planning" "Urbanisation rate" "57.5 %*" "1,007*" "950–1,000" \
    "Not reported yet (61): "
  hasnt "$T/status.$tag" "Tổng hợp" "57,5" "1.007"
  cli $envs -- units --period $q $lang >"$T/units.$tag" || td_fail "units ($how)"
  has "$T/units.$tag" "Units, nq06 2024-Q3 (deadline 2024-09-25)" "First received" "63 units"
  grep -E -q '^01 +Hà Nội +late +1 ' "$T/units.$tag" || td_fail "units: $(head "$T/units.$tag")"
  cli $envs -- tasks --as-of 2024-10-01 $lang >"$T/tasks.$tag" || td_fail "tasks ($how)"
  has "$T/tasks.$tag" "Action-plan tasks, dataset nq06, as of 2024-10-01" "completed late" \
    "2024-06-30" "2 tasks"
  cli $envs -- agents $lang >"$T/agents.$tag" || td_fail "agents ($how)"
  has "$T/agents.$tag" "Agents known to the collector: 4 (" "never connected" "query key" "never"
  cli $envs -- --help $lang >"$T/help.$tag" || td_fail "--help ($how)"
  has "$T/help.$tag" "Commands:" "Exit codes: 0 success"
done

# ---- machine output: the same bytes in every language and locale ----
cmds=("status --period $q --json" "units --period $q --json" "overdue --period $q --json"
  "unit 01 --period $q --json" "indicators --period $q --json"
  "indicators --period $q --level province --json" "tasks --as-of 2024-10-01 --json"
  "agents --json" "export --period $q" "export --period $q --format json")
n=0
for c in "${cmds[@]}"; do
  # shellcheck disable=SC2086 # each command is words
  cli LANG=C.UTF-8 -- $c >"$T/machine.ref" || td_fail "$c"
  for how in "LANG=vi_VN.UTF-8 --" "LC_ALL=vi_VN.UTF-8 --" "LANG=C.UTF-8 -- --lang vi" \
    "LANGUAGE=vi LANG=C.UTF-8 --" "LC_MESSAGES=vi_VN.UTF-8 --"; do
    envs=${how%% --*}
    lang=${how#*--}
    # shellcheck disable=SC2086
    cli $envs -- $c $lang >"$T/machine.out" || td_fail "$c ($how)"
    cmp -s "$T/machine.ref" "$T/machine.out" ||
      td_fail "$c differs under $how: $(diff "$T/machine.ref" "$T/machine.out" | head -5)"
    n=$((n + 1))
  done
done
# and they are what programs expect: a point in numbers, no grouping
cli LANG=vi_VN.UTF-8 -- status --period $q --json >"$T/s.json"
td_assert_eq "$(jq .completeness_percent "$T/s.json")" 3.2 "completeness in JSON"
td_assert_eq "$(jq '.indicators[] | select(.id == "T03") | .value' "$T/s.json")" 1007 "T03 in JSON"
cli LANG=vi_VN.UTF-8 -- export --period $q >"$T/u.csv"
td_assert_eq "$(head -n 1 "$T/u.csv" | tr -d '\r')" \
  "unit,name,level,parent,status,revision,first_received_at,received_at,mean_progress_percent,tasks_overdue" \
  "CSV header"
grep -q '^01,Hà Nội,province,VN,late,1,20[0-9-]*T[0-9:.]*Z,' "$T/u.csv" || td_fail "CSV row: $(grep '^01,' "$T/u.csv")"
echo "test_lang_cli: Vietnamese and English answers, --lang over the locale, $n machine outputs the same bytes in every language"
