#!/usr/bin/env bash
# A disk that is really full: the collector's store sits on a small tmpfs that fills
# up during delivery. The collector must answer RETRY_LATER (never crash, never ack
# what it did not store); once space is freed every report arrives exactly once.
# Needs root (mount); skipped (exit 77) otherwise.
source "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: needs root to mount a small tmpfs"
  exit 77
fi
mnt="$T/small-disk"
mkdir -p "$mnt"
mount -t tmpfs -o size=6m tmpfs "$mnt" || { echo "SKIP: cannot mount tmpfs"; exit 77; }
trap 's=$?; umount "$mnt" 2>/dev/null; (exit $s); td_cleanup' EXIT
# Leave about 1.5 MiB free: the store fills it after a few hundred reports.
dd if=/dev/zero of="$mnt/filler" bs=1M count=4 status=none

td_keygen collector
td_keygen office
rm -f "$T/endpoints"
"$TIENDO_COLLECTOR_BIN" run --state-dir "$mnt/store" --bind 'tcp://127.0.0.1:*' \
  --query-bind 'tcp://127.0.0.1:*' --secret-key "$T/keys/collector.key" \
  --data-dir "$TIENDO_SOURCE_DIR/data" --endpoint-file "$T/endpoints" \
  --authorized-keys "$TD_AUTH" --map-size-mb 1 --stats-interval-s 1 2>>"$T/collector.log" &
COLLECTOR_PID=$!
for _ in $(seq 1 200); do [ -f "$T/endpoints" ] && break; sleep 0.05; done
AGENTS_EP=$(sed -n 's/^agents=//p' "$T/endpoints")
QUERY_EP=$(sed -n 's/^query=//p' "$T/endpoints")

n=3000
"$TIENDO_REPORTGEN" --unit 01 --count $n --out-dir "$T/reports" --seed 5 \
  --data-dir "$TIENDO_SOURCE_DIR/data" >/dev/null
td_agent office submit "$T"/reports/*.json >/dev/null
td_agent_bg office "$T/agent.log" run --exit-when-empty --backoff-max-ms 1000

# Wait until the collector reports the full disk, then check it is still serving.
for _ in $(seq 1 600); do
  grep -q "answering RETRY_LATER" "$T/collector.log" && break
  sleep 0.1
done
grep -q "answering RETRY_LATER" "$T/collector.log" || td_fail "the disk never filled"
kill -0 "$COLLECTOR_PID" || td_fail "collector died on a full disk"
queued=$(td_agent office status --json | jq .queued)
[ "$queued" -gt 0 ] || td_fail "nothing left queued while the disk is full"
td_cli status --period 2026-Q1 --json >/dev/null || td_fail "queries fail while the disk is full"

rm -f "$mnt/filler"
td_wait_pid "$AGENT_PID" 120 || td_fail "reports not delivered after space was freed"
td_assert_eq "$(td_agent office status --json | jq .queued)" 0 "queued after recovery"
td_kill_collector TERM
td_assert_eq "$COLLECTOR_STATUS" 0 "collector exit status"
"$TIENDO_COLLECTOR_BIN" check --state-dir "$mnt/store" >"$T/check.json" || td_fail "store check"
td_assert_eq "$(jq -r '[.revisions, .duplicate_origins, .origins[0].first_seq, .origins[0].last_seq] | @csv' "$T/check.json")" \
  "$n,0,1,$n" "revisions, duplicates, seq range after a full disk"
echo "disk full: RETRY_LATER while full, all $n reports stored once after space was freed"
