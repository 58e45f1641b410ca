#!/usr/bin/env bash
# deploy/enrol-agent.sh tried as a new user would on one machine: a running collector,
# one command enrols office 01 and reloads the collector, and the bundle alone (its
# agent.conf) makes an agent that delivers; a report for another province is REJECTED as
# out of scope; an unknown unit, a missing collector key and a second run are refused;
# --force makes a new key, revokes the old one, and the new bundle delivers.
source "$(dirname "$0")/lib.sh"

script=$TIENDO_SOURCE_DIR/deploy/enrol-agent.sh
start=$SECONDS

# The programs read TIENDO_NAME variables as options (TIENDO_COLLECTOR would be the
# agent's --collector), and the test's environment holds TIENDO_* paths: run the script
# and the office's commands without any TIENDO_* variable, as a user would.
clean_env() {
  local unset=() v
  for v in $(compgen -e); do
    case "$v" in TIENDO_*) unset+=(-u "$v") ;; esac
  done
  env "${unset[@]}" "$@"
}

td_keygen cli
td_start_collector
hostport=${AGENTS_EP#tcp://}
ops=$T/ops     # where the operator runs the script (the bundle is written here)
office=$T/office # the office's machine: its copy of the bundle, its outbox
mkdir -p "$ops" "$office"
bundle_home=$office/tiendo-agent-01 # where the office unpacks the bundle

enrol() { # UNIT HOSTPORT [options]: the script with this test's files; output in $T/enrol.out
  (cd "$ops" && clean_env "$script" "$@" --authorized-keys "$TD_AUTH" \
    --collector-public-key "$T/keys/collector.pub" --collector-bin "$TIENDO_COLLECTOR_BIN" \
    --data-dir "$TIENDO_SOURCE_DIR/data" --office-dir "$bundle_home" \
    --collector-pid "$COLLECTOR_PID") >"$T/enrol.out" 2>&1
}
office_agent() { # state-dir command [args...]: tiendo-agent with only the bundle's agent.conf
  local state=$1
  shift
  clean_env "$TIENDO_AGENT" "$@" --config "$bundle_home/agent.conf" --state-dir "$state"
}
deliver() { # state-dir: run the office's sender until its outbox is empty (20 s at most)
  (office_agent "$1" run --exit-when-empty >>"$T/office-run.log" 2>&1) &
  td_wait_pid $! 20 || td_fail "the office's agent did not deliver: $(tail -n 5 "$T/office-run.log")"
}
revisions() { # unit period: revisions the collector stored for it (0: none)
  { td_cli unit "$1" --period "$2" --json 2>/dev/null || echo '{}'; } | jq '(.history // []) | length'
}
wait_reloads() { # count: wait until the collector logged that many key reloads
  local _
  for _ in $(seq 1 100); do
    [ "$(td_reloads)" -ge "$1" ] && return 0
    sleep 0.05
  done
  td_fail "the collector did not reload its keys (expected $1 reloads, saw $(td_reloads))"
}

# 1. Refusals before anything is written: an unknown unit, a missing collector key.
auth_before=$(md5sum <"$TD_AUTH")
if enrol 99 "$hostport"; then td_fail "unit 99 (not in the registry) was enrolled"; fi
grep -q "unknown unit '99'" "$T/enrol.out" || td_fail "unknown unit: $(cat "$T/enrol.out")"
if (cd "$ops" && clean_env "$script" 01 "$hostport" --authorized-keys "$TD_AUTH" \
  --collector-public-key "$T/keys/nowhere.pub" --collector-bin "$TIENDO_COLLECTOR_BIN" \
  --data-dir "$TIENDO_SOURCE_DIR/data" --collector-pid "$COLLECTOR_PID") >"$T/enrol.out" 2>&1; then
  td_fail "enrolled without the collector's public key"
fi
grep -q "missing collector public key" "$T/enrol.out" || td_fail "no collector key: $(cat "$T/enrol.out")"
td_assert_eq "$(md5sum <"$TD_AUTH")" "$auth_before" "authorised keys after refused runs"
td_assert_eq "$(ls -A "$ops")" "" "files written by refused runs"

# 2. The operator enrols Hà Nội's office in one step; the running collector reloads.
reloads=$(td_reloads)
enrol 01 "$hostport" || td_fail "enrol-agent.sh 01 failed: $(cat "$T/enrol.out")"
echo "---- enrol-agent.sh 01 $hostport ----"
cat "$T/enrol.out"
grep -qF "reloaded the collector (kill -HUP $COLLECTOR_PID" "$T/enrol.out" || td_fail "no reload reported"
grep -q "SECRET key" "$T/enrol.out" || td_fail "no warning that the bundle holds a secret key"
wait_reloads $((reloads + 1))
key1=$(head -n 1 "$ops/tiendo-agent-01/agent.pub")
grep -qF "agent $key1 01/* office 01" "$TD_AUTH" || td_fail "key not enrolled with scope 01/*: $(cat "$TD_AUTH")"
td_assert_eq "$(stat -c %a "$ops/tiendo-agent-01/agent.key")" 600 "mode of the bundle's agent.key"
td_assert_eq "$(tar -tzf "$ops/tiendo-agent-01.tar.gz" | sort | tr '\n' ' ')" \
  "tiendo-agent-01/ tiendo-agent-01/INSTALL.txt tiendo-agent-01/agent.conf tiendo-agent-01/agent.key tiendo-agent-01/agent.pub tiendo-agent-01/collector.pub " \
  "files in the bundle's tarball"

# 3. The office unpacks the tarball and uses nothing else: template, fill in, submit, run.
tar -C "$office" -xzf "$ops/tiendo-agent-01.tar.gz"
grep -qxF "collector = $AGENTS_EP" "$bundle_home/agent.conf" || td_fail "agent.conf lacks the collector"
grep -qx "unit = 01" "$bundle_home/agent.conf" || td_fail "agent.conf lacks the unit"
office_agent "$office/state" --check-config >/dev/null || td_fail "the bundle's agent.conf is refused"
q="$(date -u +%Y)-Q$((($(date -u +%-m) + 2) / 3))"
office_agent "$office/state" template --period "$q" >"$office/blank.json"
td_assert_eq "$(jq -r .unit "$office/blank.json")" 01 "unit of the template"
# the blank template itself is refused, saying what to fill in (blank is not zero), in
# Vietnamese: the bundle's agent.conf says lang = vi
jq '.prepared_by = "Văn phòng Hà Nội"' "$office/blank.json" >"$office/unfilled.json"
if office_agent "$office/state" submit "$office/unfilled.json" >/dev/null 2>"$office/unfilled.err"; then
  td_fail "an unfilled template was queued"
fi
grep -q "mẫu chưa điền" "$office/unfilled.err" || td_fail "unfilled: $(cat "$office/unfilled.err")"
jq '.prepared_by = "Văn phòng Hà Nội"
  | .task_groups |= map(.status = "in_progress" | .progress = 40)' \
  "$office/blank.json" >"$office/report.json"
office_agent "$office/state" submit "$office/report.json" >/dev/null ||
  td_fail "the office could not submit its report"
deliver "$office/state"
td_assert_eq "$(office_agent "$office/state" status --json | jq -c '[.queued, .dead_letters]')" \
  "[0,0]" "queued and dead letters at the office after delivery"
td_assert_eq "$(revisions 01 "$q")" 1 "revisions of 01 stored from the bundle's agent"

# 4. The same key reporting for another province: the office's own check refuses it
#    (unit = 01); forced past it, the collector REJECTS it as out of scope.
td_report 79 "$q" >"$office/r79.json"
if office_agent "$office/state" submit "$office/r79.json" >/dev/null 2>&1; then
  td_fail "the office queued a report for 79 although its unit is 01"
fi
office_agent "$office/state" submit "$office/r79.json" --unit 79 >/dev/null
deliver "$office/state"
reason=$(office_agent "$office/state" dead-letters list --json |
  jq -r '.dead_letters[] | select(.unit == "79") | .reason')
case "$reason" in
  *"unit 79 is outside this agent's scope (01/*"*) ;;
  *) td_fail "report for 79: expected the out-of-scope reason, got '$reason'" ;;
esac
td_assert_eq "$(revisions 79 "$q")" 0 "revisions stored for 79"

# 5. Running the script again for 01 is refused, with the bundle still there and after
#    the operator deleted it; nothing changes.
auth_before=$(md5sum <"$TD_AUTH")
if enrol 01 "$hostport"; then td_fail "a second enrolment of 01 without --force succeeded"; fi
grep -q "already has an enrolled office key" "$T/enrol.out" || td_fail "second run: $(cat "$T/enrol.out")"
rm -rf "$ops/tiendo-agent-01" "$ops/tiendo-agent-01.tar.gz"
if enrol 01 "$hostport"; then td_fail "enrolment of 01 without --force succeeded after the bundle was deleted"; fi
grep -q "already has an enrolled office key" "$T/enrol.out" || td_fail "third run: $(cat "$T/enrol.out")"
td_assert_eq "$(md5sum <"$TD_AUTH")" "$auth_before" "authorised keys after refused second runs"

# 6. --force (the office lost its key): a new key, the old one revoked; the old agent can
#    no longer deliver, the new bundle (with a new outbox) can.
reloads=$(td_reloads)
enrol 01 "$hostport" --force || td_fail "--force failed: $(cat "$T/enrol.out")"
grep -qF "revoked the unit's previous key $key1" "$T/enrol.out" || td_fail "--force: $(cat "$T/enrol.out")"
wait_reloads $((reloads + 1))
key2=$(head -n 1 "$ops/tiendo-agent-01/agent.pub")
[ "$key2" != "$key1" ] || td_fail "--force kept the same key"
if grep -qF "$key1" "$TD_AUTH"; then td_fail "the old key is still enrolled"; fi
grep -qF "agent $key2 01/*" "$TD_AUTH" || td_fail "the new key is not enrolled"
td_report 01 "$q" 11 >"$office/r01b.json"
office_agent "$office/state" submit "$office/r01b.json" >/dev/null
(office_agent "$office/state" run --exit-when-empty >>"$T/office-run.log" 2>&1) &
if td_wait_pid $! 3; then td_fail "the revoked key delivered"; fi
td_assert_eq "$(office_agent "$office/state" status --json | jq .queued)" 1 \
  "reports waiting at the office with the revoked key"
rm -rf "$bundle_home"
tar -C "$office" -xzf "$ops/tiendo-agent-01.tar.gz"
office_agent "$office/state2" submit "$office/r01b.json" >/dev/null
deliver "$office/state2"
td_assert_eq "$(revisions 01 "$q")" 2 "revisions of 01 after the new key delivered"

td_check
mkdir -p "$T/keys"
echo "$key1" >"$T/keys/office1.pub"
echo "$key2" >"$T/keys/office2.pub"
td_assert_origin office1 1
td_assert_origin office2 1
echo "deploy_enrol: one-step enrolment delivered, out-of-scope rejected, unknown unit / missing key / second run refused, --force rotated the key ($((SECONDS - start)) s)"
