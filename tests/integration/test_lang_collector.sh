#!/usr/bin/env bash
# The collector and languages (issue 12): a report refused at the collector is answered
# with its reason in parts (English format = the stable code, and its arguments), kept
# with them in the store and answered again with them; the commands people run speak
# Vietnamese under a Vietnamese locale or --lang vi and English under C.UTF-8; the
# daemon's log stays English whatever the locale or `lang = vi` says; `check`'s JSON is
# the same bytes in every language.
source "$(dirname "$0")/lib.sh"

# Each command in a clean language environment: only what the case sets.
in_lang() { # LANG-value command...
  local lang=$1
  shift
  env -u LANGUAGE -u LC_ALL -u LC_MESSAGES LANG="$lang" "$@"
}

# ---- help: Vietnamese first, English on request ----
in_lang vi_VN.UTF-8 "$TIENDO_COLLECTOR_BIN" enrol --help >"$T/enrol-vi.txt"
grep -q "^Cho phép một khóa công khai (tệp .pub hoặc chuỗi 40 ký tự) kết nối" "$T/enrol-vi.txt" ||
  td_fail "enrol --help under vi_VN: $(head -n 5 "$T/enrol-vi.txt")"
grep -q -- "--scope 01/\* cho phép cơ quan cấp tỉnh báo cáo" "$T/enrol-vi.txt" ||
  td_fail "enrol --help under vi_VN lacks its second line"
grep -q "Ví dụ: tiendo-collector enrol agent-01.pub --scope '01/\*'" "$T/enrol-vi.txt" ||
  td_fail "enrol --help under vi_VN: the example must stay a command"
in_lang vi_VN.UTF-8 "$TIENDO_COLLECTOR_BIN" check --help >"$T/check-vi.txt"
grep -q "^Kiểm tra kho dữ liệu, chỉ đọc" "$T/check-vi.txt" ||
  td_fail "check --help under vi_VN: $(head -n 5 "$T/check-vi.txt")"
grep -q -- "--state-dir PATH *Thư mục của kho dữ liệu LMDB" "$T/check-vi.txt" ||
  td_fail "check --help under vi_VN: the option help is not Vietnamese"
in_lang vi_VN.UTF-8 "$TIENDO_COLLECTOR_BIN" --help >"$T/help-vi.txt"
grep -q "^  enrol    cho phép một khóa" "$T/help-vi.txt" || td_fail "--help under vi_VN: commands"
in_lang C.UTF-8 "$TIENDO_COLLECTOR_BIN" enrol --help >"$T/enrol-en.txt"
grep -q "^Allows a public key (a .pub file or its 40 characters) to connect" "$T/enrol-en.txt" ||
  td_fail "enrol --help under C.UTF-8: $(head -n 5 "$T/enrol-en.txt")"
in_lang C.UTF-8 "$TIENDO_COLLECTOR_BIN" check --help >"$T/check-en.txt"
grep -q "^Verifies the store, read-only" "$T/check-en.txt" || td_fail "check --help under C.UTF-8"
if grep -q "Kiểm tra\|kho dữ liệu" "$T/check-en.txt"; then
  td_fail "check --help under C.UTF-8 has Vietnamese"
fi
in_lang vi_VN.UTF-8 "$TIENDO_COLLECTOR_BIN" check --help --lang en >"$T/check-en2.txt"
cmp -s "$T/check-en.txt" "$T/check-en2.txt" || td_fail "--lang en does not win over vi_VN"
in_lang C.UTF-8 "$TIENDO_COLLECTOR_BIN" check --help --lang vi >"$T/check-vi2.txt"
cmp -s "$T/check-vi.txt" "$T/check-vi2.txt" || td_fail "--lang vi does not win over C.UTF-8"

# ---- a refusal a clerk reads: Vietnamese, numbers too ----
set +e
in_lang vi_VN.UTF-8 "$TIENDO_COLLECTOR_BIN" check --state-dir "$T/none" 2>"$T/refusal-vi.txt"
in_lang C.UTF-8 "$TIENDO_COLLECTOR_BIN" check --state-dir "$T/none" 2>"$T/refusal-en.txt"
set -e
grep -q "không mở được kho dữ liệu: .*không có kho dữ liệu ở đây (không có data.mdb)" \
  "$T/refusal-vi.txt" || td_fail "check's refusal under vi_VN: $(cat "$T/refusal-vi.txt")"
grep -q "cannot open the store: .*no store here (no data.mdb)" "$T/refusal-en.txt" ||
  td_fail "check's refusal under C.UTF-8: $(cat "$T/refusal-en.txt")"

# ---- the daemon: English under vi_VN.UTF-8 with lang = vi in its configuration ----
# Its calendar locks a period 30 days after its deadline; the office's (the plain data/)
# never does, so the office queues a report the collector refuses.
mkdir -p "$T/data"
cp "$TIENDO_SOURCE_DIR"/data/*.csv "$T/data/"
sed -i 's/^nq06,\(.*\),25,0$/nq06,\1,25,30/' "$T/data/datasets.csv"
grep -q ',25,30$' "$T/data/datasets.csv" || td_fail "could not set lock_after_days"
printf 'lang = vi\n' >"$T/collector.conf"
unset LANGUAGE LC_ALL LC_MESSAGES
export LANG=vi_VN.UTF-8 # the collector starts under it; the rest runs under C.UTF-8
td_start_collector --data-dir "$T/data" --config "$T/collector.conf"
export LANG=C.UTF-8
td_keygen office agent 01
# The current quarter: open, not in the future, not locked.
q="$(date -u +%Y)-Q$((($(date -u +%-m) + 2) / 3))"
td_report 01 2024-Q1 >"$T/locked.json" # locked at the collector
td_report 79 "$q" >"$T/outside.json"   # outside the office's scope
td_agent office submit "$T/locked.json" "$T/outside.json" >/dev/null
td_agent_bg office "$T/agent.log" run
two_dead() { [ "$(td_status_field office .dead_letters)" = 2 ]; }
td_wait_until 20 two_dead || td_fail "the office's two reports were not both rejected"
kill -TERM "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null || true
# the reasons as sent: English text (the office translates them from their parts)
in_lang C.UTF-8 "$TIENDO_AGENT" dead-letters list --json --state-dir "$T/agents/office" \
  --data-dir "$TD_DATA" >"$T/dead.json"
jq -r '.dead_letters[].reason' "$T/dead.json" >"$T/dead.txt"
grep -qx "period 2024-Q1 is locked: its deadline 2024-03-25 passed more than 30 days ago" \
  "$T/dead.txt" || td_fail "locked period's reason as sent: $(cat "$T/dead.txt")"
grep -qx "unit 79 is outside this agent's scope (01, enrolled as 'test office')" "$T/dead.txt" ||
  td_fail "out-of-scope reason as sent: $(cat "$T/dead.txt")"

# ... and the office reads them in its language: the arguments put back in the
# translation's order (the date as dd/mm/yyyy, which the English leaves out).
in_lang vi_VN.UTF-8 "$TIENDO_AGENT" dead-letters list --state-dir "$T/agents/office" \
  --data-dir "$TD_DATA" >"$T/dead.vi"
grep -qF "lý do: kỳ báo cáo 2024-Q1 đã khóa sổ: thời hạn gửi báo cáo 25/03/2024 đã qua hơn 30 ngày" \
  "$T/dead.vi" || td_fail "the locked period's reason in Vietnamese: $(cat "$T/dead.vi")"
grep -qF "lý do: đơn vị 79 nằm ngoài phạm vi của trạm này (01, đăng ký với tên 'test office')" \
  "$T/dead.vi" || td_fail "the out-of-scope reason in Vietnamese: $(cat "$T/dead.vi")"
in_lang C.UTF-8 "$TIENDO_AGENT" dead-letters list --state-dir "$T/agents/office" \
  --data-dir "$TD_DATA" >"$T/dead.en"
grep -qF "reason: period 2024-Q1 is locked: its deadline 2024-03-25 passed more than 30 days ago" \
  "$T/dead.en" || td_fail "the locked period's reason in English: $(cat "$T/dead.en")"

# The rejections are kept with their parts: text \0 format \0 arguments \0 ... (mdb_dump
# -p shows a NUL as \00).
mdb_dump -p -s rejections "$T/collector" >"$T/rejections.dump"
grep -qF "passed more than 30 days ago\\00period %s is locked: its deadline %s%.0s passed more than %d days ago\\002024-Q1\\002024-03-25\\0025/03/2024\\0030\\00" \
  "$T/rejections.dump" || td_fail "the locked period's parts are not kept: $(cat "$T/rejections.dump")"
grep -qF "enrolled as 'test office')\\00unit %.16s is outside this agent's scope (%.64s, enrolled as '%.64s')\\0079\\0001\\00test office\\00" \
  "$T/rejections.dump" || td_fail "the out-of-scope parts are not kept: $(cat "$T/rejections.dump")"

# A resent rejected report is answered with the same reason (a peer resending seq 1).
td_keygen peer agent 01
for i in 1 2; do
  "$TIENDO_TESTPEER" "$AGENTS_EP" "$T/keys/collector.pub" "$T/keys/peer.key" report \
    "$T/locked.json" 4242 1 none >"$T/ack$i"
done
grep -q "seq=1 status=ACK_REJECTED .*reason=period 2024-Q1 is locked" "$T/ack1" ||
  td_fail "the peer's report was not refused: $(cat "$T/ack1")"
td_assert_eq "$(sed 's/^ack seq=1 status=ACK_REJECTED hw=1 //' "$T/ack2")" \
  "$(sed 's/^ack seq=1 status=ACK_REJECTED hw=1 //' "$T/ack1")" "the resend's answer"

# A message the daemon makes with td_msg (a broken keys file on SIGHUP) is logged in
# English too.
cp "$TD_AUTH" "$T/authorized-keys.good"
echo "agent not-a-key 01 broken line" >>"$TD_AUTH"
kill -HUP "$COLLECTOR_PID"
refused_reload() { grep -q "reload refused, the keys in force stay" "$T/collector.log"; }
td_wait_until 5 refused_reload || td_fail "the broken keys file was not refused"
grep -q "reload refused, the keys in force stay: .*authorized-keys:[0-9]*: 'not-a-key' is not a public key (40 Z85 characters)" \
  "$T/collector.log" || td_fail "the refused reload's reason: $(grep 'reload refused' "$T/collector.log")"
cp "$T/authorized-keys.good" "$TD_AUTH"

# Every log line stays English: its operators read it, whatever the locale and `lang`.
grep -q "INFO: listening for agents on" "$T/collector.log" || td_fail "no start line in the log"
grep -q "authorised keys reloaded" "$T/collector.log" || td_fail "no reload line in the log"
if grep -q "không\|được\|máy chủ\|khóa\|báo cáo" "$T/collector.log"; then
  td_fail "Vietnamese in the daemon's log: $(grep "không\|được\|máy chủ\|khóa\|báo cáo" "$T/collector.log")"
fi
td_kill_collector TERM
td_assert_eq "$COLLECTOR_STATUS" 0 "the collector's exit status"
grep -q "stopping: every stored report has been acknowledged" "$T/collector.log" ||
  td_fail "no English stop line in the log"

# With --lang vi as well: still English.
: >"$T/collector.log"
export LANG=vi_VN.UTF-8
td_start_collector --data-dir "$T/data" --config "$T/collector.conf" --lang vi
export LANG=C.UTF-8
"$TIENDO_TESTPEER" "$AGENTS_EP" "$T/keys/collector.pub" "$T/keys/peer.key" report \
  "$T/locked.json" 4242 1 none >"$T/ack3"
cmp -s "$T/ack1" "$T/ack3" || td_fail "--lang vi changed the answer: $(cat "$T/ack3")"
td_kill_collector TERM
grep -q "INFO: listening for agents on" "$T/collector.log" || td_fail "no start line with --lang vi"
if grep -q "không\|được\|máy chủ\|khóa\|báo cáo" "$T/collector.log"; then
  td_fail "Vietnamese in the daemon's log with --lang vi"
fi

# ---- check: the same JSON bytes in every language ----
in_lang vi_VN.UTF-8 "$TIENDO_COLLECTOR_BIN" check --state-dir "$T/collector" >"$T/check-vi.json" ||
  td_fail "check under vi_VN with a clean store"
in_lang C.UTF-8 "$TIENDO_COLLECTOR_BIN" check --state-dir "$T/collector" >"$T/check-c.json"
in_lang C "$TIENDO_COLLECTOR_BIN" check --state-dir "$T/collector" >"$T/check-posix.json"
env -u LANG -u LANGUAGE LC_ALL=vi_VN.UTF-8 "$TIENDO_COLLECTOR_BIN" check \
  --state-dir "$T/collector" >"$T/check-lcall.json"
in_lang C.UTF-8 "$TIENDO_COLLECTOR_BIN" check --state-dir "$T/collector" --lang vi \
  >"$T/check-lang.json"
in_lang C.UTF-8 "$TIENDO_COLLECTOR_BIN" check --state-dir "$T/collector" \
  --config "$T/collector.conf" >"$T/check-conf.json"
for f in check-vi check-posix check-lcall check-lang check-conf; do
  cmp -s "$T/check-c.json" "$T/$f.json" || td_fail "$f.json differs from check under C.UTF-8"
done
td_assert_eq "$(jq '[.rejected, .revisions, .unaccounted] | @csv' "$T/check-c.json")" \
  '"3,0,0"' "rejected, revisions, unaccounted in check"
echo "lang_collector: reasons kept and answered in parts, help vi/en, log English, check identical"
