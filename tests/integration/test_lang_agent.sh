#!/usr/bin/env bash
# tiendo-agent in the office's language (issue 12): help, submit's refusals and
# confirmations, status and dead letters in Vietnamese under LANG=vi_VN.UTF-8 or --lang vi,
# in English under LANG=C.UTF-8 or --lang en; the machine output (template, status --json,
# dead-letters --json) the same bytes whatever the language. Real agent and collector.
source "$(dirname "$0")/lib.sh"

td_keygen hanoi agent '01/*'
td_start_collector
q="$(date -u +%Y)-Q$((($(date -u +%-m) + 2) / 3))"
td_report 01 "$q" 3 >"$T/r01.json"
td_report 79 "$q" 4 >"$T/r79.json" # outside Hà Nội's scope: the collector rejects it
jq '.task_groups[2].progress = 140' "$T/r01.json" >"$T/bad.json"

vi() { LANG=vi_VN.UTF-8 LC_ALL= LANGUAGE= td_agent hanoi "$@"; }
en() { LANG=C.UTF-8 LC_ALL= LANGUAGE= td_agent hanoi "$@"; }
has() { # file text what
  grep -qF -- "$2" "$1" || td_fail "$3: '$2' not in: $(cat "$1")"
}

# 1. Help: the program's usage and the command table, in each language.
vi --help >"$T/help.vi"
has "$T/help.vi" "Cách dùng: tiendo-agent LỆNH [TÙY_CHỌN]" "help under vi_VN"
has "$T/help.vi" "gửi các báo cáo trong hàng đợi đến máy chủ tổng hợp" "help under vi_VN"
en --help >"$T/help.en"
has "$T/help.en" "Usage: tiendo-agent COMMAND [OPTIONS]" "help under C.UTF-8"
has "$T/help.en" "send queued reports to the collector" "help under C.UTF-8"
vi submit --help --lang en >"$T/help.lang-en"
has "$T/help.lang-en" "Reads reports (JSON" "submit --help --lang en under vi_VN"

# 2. A template is machine output: the same bytes in every language.
en template --period "$q" --unit 01 >"$T/template.C"
vi template --period "$q" --unit 01 >"$T/template.vi"
en template --period "$q" --unit 01 --lang vi >"$T/template.lang-vi"
cmp "$T/template.C" "$T/template.vi" || td_fail "template differs under vi_VN"
cmp "$T/template.C" "$T/template.lang-vi" || td_fail "template differs with --lang vi"

# 3. A mistyped progress is refused at submit, naming the task group as people count it.
if vi submit "$T/bad.json" >/dev/null 2>"$T/bad.vi"; then td_fail "bad report accepted"; fi
has "$T/bad.vi" "nhóm nhiệm vụ 3: tiến độ (progress) phải là một số từ 0 đến 100" "refusal (vi)"
if en submit "$T/bad.json" >/dev/null 2>"$T/bad.en"; then td_fail "bad report accepted"; fi
has "$T/bad.en" "task_groups[2].progress: must be a number from 0 to 100" "refusal (C.UTF-8)"
if vi submit "$T/bad.json" --lang en >/dev/null 2>"$T/bad.lang-en"; then
  td_fail "bad report accepted"
fi
cmp "$T/bad.en" "$T/bad.lang-en" || td_fail "--lang en under vi_VN is not the English refusal"
jq '.unit = "06"' "$T/r01.json" >"$T/b06.json" # Bắc Kạn, merged on 2025-07-01
if vi submit "$T/b06.json" >/dev/null 2>"$T/b06.vi"; then td_fail "06 accepted"; fi
has "$T/b06.vi" "đơn vị '06' (Bắc Kạn) không tồn tại trong kỳ $q (chỉ có hiệu lực đến ngày 30/06/2025" \
  "unit not existing (vi)"
td_assert_eq "$(td_queued hanoi 2>/dev/null || echo 0)" 0 "queued after refusals"

# 4. Good reports are queued; the confirmation in words, the numbers as people write them.
vi submit "$T/r01.json" >"$T/queued.vi"
has "$T/queued.vi" "đã xếp hàng chờ gửi: báo cáo của đơn vị 01 kỳ $q, số #1 (hàng đợi gửi: 1 báo cáo đang chờ)" \
  "confirmation (vi)"
en submit "$T/r79.json" >"$T/queued.en"
has "$T/queued.en" "queued: report for unit 79 period $q as #2 (outbox: 2 waiting)" \
  "confirmation (C.UTF-8)"

# 5. Deliver: 01 is stored, 79 is rejected (a dead letter); then one more waits.
(td_agent_exec hanoi run --exit-when-empty >>"$T/run.log" 2>&1) &
td_wait_pid $! 20 || td_fail "agent did not deliver: $(tail -n 5 "$T/run.log")"
grep -q "was REJECTED by the collector" "$T/run.log" || td_fail "no REJECTED in the log"
td_report 01 "$q" 5 >"$T/r01b.json"
en submit "$T/r01b.json" >/dev/null

# 6. status and dead-letters in words, in each language.
vi status --data-dir "$TD_DATA" >"$T/status.vi"
has "$T/status.vi" "Hàng đợi gửi:" "status (vi)"
has "$T/status.vi" "Chương trình gửi (run):" "status (vi)"
has "$T/status.vi" "KHÔNG chạy" "status (vi)"
has "$T/status.vi" "1 báo cáo - xem \`tiendo-agent dead-letters\`" "status (vi)"
# the collector's reason, sent in parts, shown in Vietnamese (po/parts/vi-collector.po)
has "$T/status.vi" "gần nhất: #2 (đơn vị 79, kỳ $q): đơn vị 79 nằm ngoài phạm vi của trạm này (01/*" \
  "status (vi): the latest rejection, translated from its parts"
grep -Eq '^  #3 +01 +'"$q"' +nq06 +[0-9]{2}/[0-9]{2}/[0-9]{4} [0-9]{2}:[0-9]{2} +Hà Nội' \
  "$T/status.vi" || td_fail "status (vi): waiting report row: $(cat "$T/status.vi")"
# the table lines all have the same display width, Vietnamese headers included
widths=$(sed -n '/^Báo cáo đang chờ gửi:/,$p' "$T/status.vi" | tail -n +2 |
  while IFS= read -r line; do printf '%s\n' "$line" | LC_ALL=C.UTF-8 wc -L; done | sort -u)
td_assert_eq "$(printf '%s\n' "$widths" | wc -l)" 1 "status (vi): table line widths ($widths)"
en status --data-dir "$TD_DATA" >"$T/status.en"
has "$T/status.en" "Outbox:" "status (C.UTF-8)"
has "$T/status.en" "NOT running" "status (C.UTF-8)"
has "$T/status.en" "1 report - see \`tiendo-agent dead-letters\`" "status (C.UTF-8)"
grep -Eq '^  #3 +01 +'"$q"' +nq06 +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} +Hà Nội' \
  "$T/status.en" || td_fail "status (C.UTF-8): waiting report row: $(cat "$T/status.en")"
vi dead-letters >"$T/dead.vi"
has "$T/dead.vi" "#2  đơn vị 79  kỳ $q  chế độ báo cáo nq06  bị từ chối lúc" "dead-letters (vi)"
has "$T/dead.vi" "    lý do: đơn vị 79 nằm ngoài phạm vi của trạm này (01/*, đăng ký với tên 'test hanoi')" \
  "dead-letters (vi): the collector's reason translated"
has "$T/dead.vi" "1 báo cáo bị từ chối." "dead-letters (vi)"
en dead-letters >"$T/dead.en"
has "$T/dead.en" "#2  unit 79  period $q  dataset nq06  rejected" "dead-letters (C.UTF-8)"
has "$T/dead.en" "1 rejected report." "dead-letters (C.UTF-8)"
has "$T/dead.en" "unit 79 is outside this agent's scope (01/*, enrolled as 'test hanoi')" "dead-letters (C.UTF-8)"

# 7. --json: the same bytes under C.UTF-8, vi_VN, LC_ALL=vi_VN and --lang vi (the age of
#    the oldest waiting report is the clock's, so it is set aside).
age() { sed -E 's/"oldest_unsent_age_ms": [0-9]+/"oldest_unsent_age_ms": 0/'; }
en status --json | age >"$T/status.C.json"
vi status --json | age >"$T/status.vi.json"
LANGUAGE= LC_ALL=vi_VN.UTF-8 td_agent hanoi status --json | age >"$T/status.lc_all.json"
en status --json --lang vi | age >"$T/status.lang-vi.json"
for v in vi lc_all lang-vi; do
  cmp "$T/status.C.json" "$T/status.$v.json" || td_fail "status --json differs ($v)"
done
jq -e '.queued == 1 and .dead_letters == 1' "$T/status.C.json" >/dev/null ||
  td_fail "status --json: $(cat "$T/status.C.json")"
en dead-letters --json >"$T/dead.C.json"
vi dead-letters --json >"$T/dead.vi.json"
LANGUAGE= LC_ALL=vi_VN.UTF-8 td_agent hanoi dead-letters --json >"$T/dead.lc_all.json"
en dead-letters --json --lang vi >"$T/dead.lang-vi.json"
for v in vi lc_all lang-vi; do
  cmp "$T/dead.C.json" "$T/dead.$v.json" || td_fail "dead-letters --json differs ($v)"
done
jq -e '.dead_letters[0].reason | startswith("unit 79 is outside this agent")' \
  "$T/dead.C.json" >/dev/null || td_fail "dead-letters --json reason: $(cat "$T/dead.C.json")"
# the parts the collector sent: its format (the stable code) and the arguments
jq -e '.dead_letters[0] | .reason_format == "unit %.16s is outside this agent'"'"'s scope (%.64s, enrolled as '"'"'%.64s'"'"')" and .reason_args[0] == "79" and .reason_args[1] == "01/*" and .reason_args[2] == "test hanoi"' \
  "$T/dead.C.json" >/dev/null || td_fail "dead-letters --json parts: $(cat "$T/dead.C.json")"
cat "$T/status.vi" "$T/dead.vi" >&2 # shown in the ctest log
echo "tiendo-agent: Vietnamese and English texts, the same machine output in both"
