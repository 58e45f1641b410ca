#!/usr/bin/env bash
# Every validation rule, both ways: a real agent refuses the bad report at submit with
# the reason (nothing queued), and the collector answers REJECTED with the reason when a
# peer sends it anyway; a good report sent beside them is stored.
source "$(dirname "$0")/lib.sh"

# A data folder whose calendar locks periods 30 days after their deadline.
mkdir -p "$T/data"
cp "$TIENDO_SOURCE_DIR"/data/*.csv "$T/data/"
sed -i 's/^nq06,\(.*\),25,0$/nq06,\1,25,30/' "$T/data/datasets.csv"
grep -q ',25,30$' "$T/data/datasets.csv" || td_fail "could not set lock_after_days"

td_start_collector --data-dir "$T/data"
td_keygen peer
# The current quarter: open, not in the future, not locked.
q="$(date -u +%Y)-Q$((($(date -u +%-m) + 2) / 3))"
"$TIENDO_REPORTGEN" --unit 01 --period "$q" --data-dir "$T/data" >"$T/good.json"

agent_refuses() { # file pattern
  if "$TIENDO_AGENT" submit "$1" --state-dir "$T/agents/office" --data-dir "$T/data" \
    >"$T/out" 2>"$T/err"; then
    td_fail "agent accepted $1"
  fi
  grep -q -- "$2" "$T/err" || td_fail "agent's reason for $1 lacks '$2': $(cat "$T/err")"
}

seq=0
collector_rejects() { # mutation pattern [file]
  seq=$((seq + 1))
  "$TIENDO_TESTPEER" "$AGENTS_EP" "$T/keys/collector.pub" "$T/keys/peer.key" report \
    "${3:-$T/good.json}" 4242 $seq "$1" >"$T/ack" || td_fail "testpeer failed for $1"
  grep -q "seq=$seq status=ACK_REJECTED.*$2" "$T/ack" ||
    td_fail "collector did not reject $1 with '$2': $(cat "$T/ack")"
}

# unit unknown
jq '.unit = "99"' "$T/good.json" >"$T/bad.json"
agent_refuses "$T/bad.json" "'99'"
collector_rejects unit=99 "'99'"
# unit not existing during the period: Bắc Kạn (06) merged into Thái Nguyên on 2025-07-01
jq '.unit = "06"' "$T/good.json" >"$T/bad.json"
agent_refuses "$T/bad.json" "does not exist during $q"
collector_rejects unit=06 "does not exist during $q"
# period malformed, in the future, locked
jq '.period = "2026-Q5"' "$T/good.json" >"$T/bad.json"
agent_refuses "$T/bad.json" "2026-Q5"
collector_rejects period=2026-Q5 "2026-Q5"
jq '.period = "2031-Q1"' "$T/good.json" >"$T/bad.json"
agent_refuses "$T/bad.json" "in the future"
collector_rejects period=2031-Q1 "in the future"
jq '.period = "2024-Q1"' "$T/good.json" >"$T/bad.json"
agent_refuses "$T/bad.json" "locked"
collector_rejects period=2024-Q1 "locked"
# task group outside 1-6, progress outside 0-100
jq '.task_groups[0].group = 7' "$T/good.json" >"$T/bad.json"
agent_refuses "$T/bad.json" "group"
collector_rejects group=7 "group"
jq '.task_groups[0].progress = 140' "$T/good.json" >"$T/bad.json"
agent_refuses "$T/bad.json" "progress"
collector_rejects progress=140 "progress"
# data values: negative, NaN, infinite, unknown element
first=$(jq -r '.data | to_entries | map(select(.value != null)) | .[0].key' "$T/good.json")
jq --arg k "$first" '.data[$k] = -5' "$T/good.json" >"$T/bad.json"
agent_refuses "$T/bad.json" "$first"
collector_rejects value=-5 "negative\|non-negative\|>= 0"
printf '%s' "$(jq --arg k "$first" '.data[$k] = 12345' "$T/good.json")" |
  sed 's/12345/NaN/' >"$T/bad.json"
agent_refuses "$T/bad.json" "JSON"
collector_rejects value=nan "finite\|NaN"
collector_rejects value=inf "finite\|infinite"
jq '.data.bogus_element = 5' "$T/good.json" >"$T/bad.json"
agent_refuses "$T/bad.json" "bogus_element"
collector_rejects element=bogus_element "bogus_element"
# strings: over the bound, not UTF-8
jq --arg n "$(head -c 3000 /dev/zero | tr '\0' x)" '.task_groups[0].note = $n' \
  "$T/good.json" >"$T/bad.json"
agent_refuses "$T/bad.json" "note"
collector_rejects note=long "note"
printf '%s' "$(jq '.task_groups[0].note = "PLACEHOLDER"' "$T/good.json")" |
  sed 's/PLACEHOLDER/bad \xc3\x28 text/' >"$T/bad.json"
agent_refuses "$T/bad.json" "UTF-8"
collector_rejects note=badutf8 "UTF-8"

# Nothing the agent refused was queued; the good report next to them is stored.
td_assert_eq "$(td_agent office status --json | jq .queued)" 0 "queued after refusals"
seq=$((seq + 1))
"$TIENDO_TESTPEER" "$AGENTS_EP" "$T/keys/collector.pub" "$T/keys/peer.key" report \
  "$T/good.json" 4242 $seq none >"$T/ack"
grep -q "seq=$seq status=ACK_OK" "$T/ack" || td_fail "good report not stored: $(cat "$T/ack")"
"$TIENDO_AGENT" submit "$T/good.json" --state-dir "$T/agents/office" --data-dir "$T/data" \
  --collector "$AGENTS_EP" >/dev/null
td_cli status --period "$q" --json --data-dir "$T/data" >"$T/status.json"
td_assert_eq "$(jq .revisions_stored "$T/status.json")" 1 "revisions stored for $q"
echo "validation: $seq reports through the collector, every rule rejected with its reason"
