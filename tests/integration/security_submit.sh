#!/usr/bin/env bash
# `tiendo-agent submit` is the office's door for outside input: oversized, deeply nested,
# malformed, binary and non-UTF-8 JSON are each refused with a clear message, nothing is
# queued, and a batch holding one of them is refused whole (all-or-nothing).
source "$(dirname "$0")/lib.sh"

td_keygen office
AGENTS_EP=tcp://127.0.0.1:9 # submit works offline; no collector is needed
td_report 01 2026-Q3 >"$T/good.json"

expect_refused() { # file pattern: submit must fail with exit 1, say why, queue nothing
  local rc=0
  td_agent office submit "$@" >"$T/out" 2>"$T/err" || rc=$?
  local pattern=${*: -1}
  [ $rc -ne 0 ] || td_fail "submit accepted $1"
  [ $rc -ne 139 ] && [ $rc -ne 134 ] || td_fail "submit crashed on $1 (exit $rc)"
  grep -q -- "$pattern" "$T/err" || td_fail "error for $1 does not say '$pattern': $(cat "$T/err")"
  [ "$(wc -l <"$T/err")" -le 5 ] || td_fail "error for $1 is not short: $(head -c 400 "$T/err")"
  td_assert_eq "$(td_queued office)" 0 "queued after refusing $1"
}

# Oversized: a valid report padded past 256 KiB with a long note.
head -c 300000 /dev/zero | tr '\0' 'x' >"$T/pad"
jq --rawfile pad "$T/pad" '.note = $pad' "$T/good.json" >"$T/big.json"
expect_refused "$T/big.json" "256 KiB\|262144\|larger than\|too large"
# Deeply nested: 100,000 levels of arrays (would blow a recursive parser's stack).
{ printf '{"unit": '; head -c 100000 /dev/zero | tr '\0' '['; } >"$T/deep.json"
expect_refused "$T/deep.json" "deeper than"
# Malformed: truncated, trailing garbage, not JSON at all, binary, invalid UTF-8.
head -c 200 "$T/good.json" >"$T/truncated.json"
expect_refused "$T/truncated.json" "JSON"
{ cat "$T/good.json"; echo '}}'; } >"$T/trailing.json"
expect_refused "$T/trailing.json" "JSON"
echo 'unit=01 period=2026-Q3' >"$T/text.json"
expect_refused "$T/text.json" "JSON"
head -c 4096 /dev/urandom >"$T/binary.json"
expect_refused "$T/binary.json" "JSON\|UTF-8"
sed 's/"prepared_by": "/"prepared_by": "\xff\xfe/' "$T/good.json" >"$T/utf8.json"
grep -q $'\xff' "$T/utf8.json" || td_fail "could not make the invalid UTF-8 file"
expect_refused "$T/utf8.json" "UTF-8"
# All-or-nothing: good + bad in one submit queues neither.
expect_refused "$T/good.json" "$T/deep.json" "deeper than"
# And the good one alone is accepted: the refusals above were about the input.
td_agent office submit "$T/good.json" >/dev/null || td_fail "good report refused"
td_assert_eq "$(td_queued office)" 1 "queued after the good report"
echo "submit refused oversized, deep, truncated, trailing, text, binary and non-UTF-8 JSON; queued nothing"
