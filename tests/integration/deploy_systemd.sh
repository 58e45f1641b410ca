#!/usr/bin/env bash
# The systemd units in deploy/systemd: `systemd-analyze verify` passes on both (no error,
# no unknown or malformed directive) against a scratch root holding the installed files;
# they keep Type=notify, their user, state directory and hardening; and the sandbox they
# set (SystemCallFilter=, RestrictAddressFamilies=, MemoryDenyWriteExecute=) allows every
# system call, address family and mapping the real daemons use while they start, take a
# report, reload and stop (traced with strace). Prints `systemd-analyze security`'s score.
source "$(dirname "$0")/lib.sh"
td_skip() { # message: exit 77 (ctest: skipped) without keeping the temp folder
  echo "SKIP: $*"
  trap - EXIT
  rm -rf "$T"
  exit 77
}
: "${TIENDO_NOTIFYSINK:?set by ctest}"
command -v systemd-analyze >/dev/null || td_skip "systemd-analyze is not installed (apt-get install systemd)"
units=(tiendo-collector.service tiendo-agent.service)
SYSTEMD_SRC="$TIENDO_SOURCE_DIR/deploy/systemd"

# ---- a scratch root with the installed layout (the package test does the same with the
# files extracted from the .debs) ----
ROOT="$T/root"
mkdir -p "$ROOT/usr/bin" "$ROOT/lib/systemd/system" "$ROOT/etc/tiendo" "$ROOT/bin"
# verify resolves the units' default dependencies (sysinit.target, ...) and ExecReload's
# /bin/kill inside the root: give it the host's units and kill.
cp -a /lib/systemd/system/. "$ROOT/lib/systemd/system/"
cp "$(readlink -f /bin/kill)" "$ROOT/bin/kill"
cp "$TIENDO_COLLECTOR_BIN" "$ROOT/usr/bin/tiendo-collector"
cp "$TIENDO_AGENT" "$ROOT/usr/bin/tiendo-agent"
cp "$TIENDO_SOURCE_DIR"/deploy/config/*.conf "$ROOT/etc/tiendo/"
for u in "${units[@]}"; do
  cp "$SYSTEMD_SRC/$u" "$ROOT/lib/systemd/system/$u"
done

td_verify_unit() { # root unit: systemd-analyze verify; fails on any message
  local out rc=0
  out=$(systemd-analyze verify --man=no --root="$1" "/lib/systemd/system/$2" 2>&1) || rc=$?
  if [ "$rc" -ne 0 ] || [ -n "$out" ]; then
    td_fail "systemd-analyze verify $2 (exit $rc): $out"
  fi
}

for u in "${units[@]}"; do
  td_verify_unit "$ROOT" "$u"
  echo "verify $u: clean"
done

# The check itself catches what it must: an unknown directive, a bad value, a missing binary.
cp "$ROOT/lib/systemd/system/tiendo-agent.service" "$T/agent.good"
sed -i 's/^UMask=0077$/UMask=0077\nProtectSystm=strict/' "$ROOT/lib/systemd/system/tiendo-agent.service"
(td_verify_unit "$ROOT" tiendo-agent.service) 2>/dev/null && td_fail "verify missed an unknown key"
cp "$T/agent.good" "$ROOT/lib/systemd/system/tiendo-agent.service"
sed -i 's/^ProtectSystem=strict$/ProtectSystem=bogus/' "$ROOT/lib/systemd/system/tiendo-agent.service"
(td_verify_unit "$ROOT" tiendo-agent.service) 2>/dev/null && td_fail "verify missed a bad value"
cp "$T/agent.good" "$ROOT/lib/systemd/system/tiendo-agent.service"
mv "$ROOT/usr/bin/tiendo-agent" "$T/agent.bin"
(td_verify_unit "$ROOT" tiendo-agent.service) 2>/dev/null && td_fail "verify missed a missing binary"
mv "$T/agent.bin" "$ROOT/usr/bin/tiendo-agent"
td_verify_unit "$ROOT" tiendo-agent.service

# ---- what each unit promises ops (docs/operations.md, "Services (systemd)") ----
td_unit_has() { # unit line: the exact line is in the unit
  grep -qxF -- "$2" "$SYSTEMD_SRC/$1" || td_fail "$1 lacks '$2'"
}
hardening=(NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes
  PrivateDevices=yes ProtectKernelTunables=yes ProtectKernelModules=yes ProtectKernelLogs=yes
  ProtectControlGroups=yes
  RestrictNamespaces=yes LockPersonality=yes MemoryDenyWriteExecute=yes RestrictRealtime=yes
  SystemCallArchitectures=native SystemCallFilter=@system-service CapabilityBoundingSet=
  UMask=0077 Type=notify User=tiendo Group=tiendo StateDirectoryMode=0700
  ConfigurationDirectory=tiendo WatchdogSec=60 Restart=on-failure)
for u in "${units[@]}"; do
  for line in "${hardening[@]}"; do td_unit_has "$u" "$line"; done
  grep -q '^RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6\( AF_NETLINK\)\?$' "$SYSTEMD_SRC/$u" ||
    td_fail "$u: RestrictAddressFamilies= is not AF_UNIX AF_INET AF_INET6 [AF_NETLINK]"
done
td_unit_has tiendo-collector.service \
  "ExecStart=/usr/bin/tiendo-collector run --config /etc/tiendo/collector.conf"
# shellcheck disable=SC2016 # $MAINPID is systemd's, not the shell's
td_unit_has tiendo-collector.service 'ExecReload=/bin/kill -HUP $MAINPID'
td_unit_has tiendo-collector.service "StateDirectory=tiendo/collector"
td_unit_has tiendo-agent.service "ExecStart=/usr/bin/tiendo-agent run --config /etc/tiendo/agent.conf"
td_unit_has tiendo-agent.service "StateDirectory=tiendo/agent"
grep -q '^MemoryMax=' "$SYSTEMD_SRC/tiendo-collector.service" || td_fail "collector: no MemoryMax"
# The units' state directories are the ones the installed configuration files name.
grep -qx 'state-dir = /var/lib/tiendo/collector' "$ROOT/etc/tiendo/collector.conf" ||
  td_fail "collector.conf's state-dir is not the unit's StateDirectory"
grep -qx 'state-dir = /var/lib/tiendo/agent' "$ROOT/etc/tiendo/agent.conf" ||
  td_fail "agent.conf's state-dir is not the unit's StateDirectory"

# ---- exposure score (informative: printed, never failed on) ----
for u in "${units[@]}"; do
  score=$(systemd-analyze security --offline=yes --root="$ROOT" "/lib/systemd/system/$u" \
    2>&1 | grep -o 'Overall exposure level.*' || true)
  echo "security: ${score:-not available offline for $u}"
done

# ---- the sandbox against what the daemons really do ----
if [ -n "${TIENDO_SANITIZE:-}" ]; then
  echo "sandbox check skipped: sanitizer binaries make system calls the shipped ones do not"
  echo "systemd units: verified"
  exit 0
fi
command -v strace >/dev/null || td_skip "strace is not installed; the units verified but the sandbox was not traced"
strace -f -o /dev/null true 2>/dev/null || td_skip "ptrace is not allowed here; the units verified but the sandbox was not traced"

td_expand() { # @group...: every system call in the groups, nested groups expanded
  local g line
  for g in "$@"; do
    systemd-analyze syscall-filter "$g" | sed -n 's/^    //p' | grep -v '^#' |
      while read -r line; do
        case $line in
        @*) td_expand "$line" ;;
        *) echo "$line" ;;
        esac
      done
  done
}
td_allowed() { # unit -> $T/allowed.UNIT: what its SystemCallFilter= lines let through
  # (allow lists first, then the ~deny lists removed, as systemd applies them)
  local f="$SYSTEMD_SRC/$1"
  # shellcheck disable=SC2046
  td_expand $(sed -n 's/^SystemCallFilter=\([^~]\)/\1/p' "$f") | sort -u >"$T/allow.$1"
  # shellcheck disable=SC2046
  td_expand $(sed -n 's/^SystemCallFilter=~//p' "$f") | sort -u >"$T/deny.$1"
  comm -23 "$T/allow.$1" "$T/deny.$1" >"$T/allowed.$1"
  [ "$(wc -l <"$T/allowed.$1")" -gt 200 ] || td_fail "could not list $1's allowed system calls"
}
for u in "${units[@]}"; do td_allowed "$u"; done

# As under systemd: a notification socket and a watchdog, so the notify paths are traced.
"$TIENDO_NOTIFYSINK" "$T/notify.sock" 64 >"$T/notify.out" &
TD_PIDS+=($!)
td_wait_until 5 test -S "$T/notify.sock" || td_fail "notification sink did not start"
export NOTIFY_SOCKET="$T/notify.sock" WATCHDOG_USEC=500000

td_keygen collector
td_keygen office agent 01
td_keygen cli
# The metrics endpoint (libmicrohttpd), when this build has it, runs in the sandbox too.
metrics_flags=()
if "$TIENDO_COLLECTOR_BIN" --help | grep -e '--metrics-bind' >/dev/null; then
  metrics_flags=(--metrics-bind 127.0.0.1:0)
fi
strace -f -qq -o "$T/strace.collector" "$TIENDO_COLLECTOR_BIN" run "${metrics_flags[@]}" \
  --state-dir "$T/collector" \
  --bind tcp://127.0.0.1:* --query-bind tcp://127.0.0.1:* \
  --secret-key "$T/keys/collector.key" --authorized-keys "$TD_AUTH" \
  --data-dir "$TIENDO_SOURCE_DIR/data" --endpoint-file "$T/endpoints" \
  --stats-interval-s 1 2>>"$T/collector.log" &
strace_pid=$!
TD_PIDS+=("$strace_pid")
td_wait_until 20 test -s "$T/endpoints" || td_fail "traced collector did not start"
COLLECTOR_PID=$(pgrep -P "$strace_pid" | head -n 1)
[ -n "$COLLECTOR_PID" ] || td_fail "no collector process under strace"
AGENTS_EP=$(sed -n 's/^agents=//p' "$T/endpoints")
# shellcheck disable=SC2034 # read by td_cli (lib.sh)
QUERY_EP=$(sed -n 's/^query=//p' "$T/endpoints")

td_report 01 2026-Q3 >"$T/r.json"
td_agent office submit "$T/r.json" >/dev/null
# The agent dials a host name, as in agent.conf, so name resolution runs in the sandbox.
agent_metrics=()
if "$TIENDO_AGENT" --help | grep -e '--metrics-bind' >/dev/null; then
  agent_metrics=(--metrics-bind 127.0.0.1:0)
fi
strace -f -qq -o "$T/strace.agent" "$TIENDO_AGENT" run --exit-when-empty "${agent_metrics[@]}" \
  --state-dir "$T/agents/office" --collector "${AGENTS_EP/127.0.0.1/localhost}" \
  --collector-public-key "$T/keys/collector.pub" --secret-key "$T/keys/office.key" \
  --data-dir "$TIENDO_SOURCE_DIR/data" --resend-timeout-ms 1000 --heartbeat-ms 500 \
  >"$T/agent.log" 2>&1 || td_fail "traced agent did not deliver: $(tail -n 5 "$T/agent.log")"
METRICS_URL=$(sed -n 's/^metrics=//p' "$T/endpoints")
if [ -n "$METRICS_URL" ]; then
  curl -fsS "$METRICS_URL" >"$T/metrics.txt" || td_fail "metrics endpoint under strace: $METRICS_URL"
  [ -s "$T/metrics.txt" ] || td_fail "empty metrics page"
fi
sleep 1.2 # a stats line and a few watchdog pings
td_reload
td_assert_eq "$(td_cli status --period 2026-Q3 --json | jq .units_reported)" 1 \
  "units reported through the traced collector"
kill -TERM "$COLLECTOR_PID"
rc=0
wait "$strace_pid" || rc=$?
COLLECTOR_PID=""
td_assert_eq "$rc" 0 "traced collector's exit status after SIGTERM"
grep -q '^WATCHDOG=1' "$T/notify.out" || td_fail "no watchdog ping was traced"

td_syscalls() { # strace file -> system call names, one per line
  sed -E 's/^[0-9]+ +//' "$1" | grep -oE '^[a-z_0-9]+\(' | tr -d '(' | sort -u
}
for d in collector agent; do
  td_syscalls "$T/strace.$d" >"$T/used.$d"
  [ "$(wc -l <"$T/used.$d")" -gt 20 ] || td_fail "$d: the trace is too short to mean anything"
  denied=$(comm -23 "$T/used.$d" "$T/allowed.tiendo-$d.service" | tr '\n' ' ')
  [ -z "$denied" ] || td_fail "$d uses system calls the unit's SystemCallFilter denies: $denied"
  families=$(grep -oE '(socket|socketpair)\(AF_[A-Z0-9]+' "$T/strace.$d" | sed 's/.*(//' |
    sort -u | tr '\n' ' ')
  unit_families=" $(sed -n 's/^RestrictAddressFamilies=//p' "$SYSTEMD_SRC/tiendo-$d.service") "
  for f in $families; do
    [[ $unit_families == *" $f "* ]] ||
      td_fail "$d opens $f sockets, which RestrictAddressFamilies=$unit_families forbids"
  done
  if grep -E '^[0-9]+ +(mmap|mprotect|pkey_mprotect)\(' "$T/strace.$d" |
    grep -E 'PROT_[A-Z|]*EXEC' | grep -E '^[0-9]+ +mprotect|PROT_WRITE' >"$T/wx.$d"; then
    td_fail "$d maps writable+executable memory (MemoryDenyWriteExecute=): $(head -n 3 "$T/wx.$d")"
  fi
  # ProtectSystem=strict: everything but the state directory is read-only. (The endpoint
  # file is this test's option, not the service's.)
  state="$T/collector"
  [ "$d" = collector ] || state="$T/agents/office"
  grep -oE '(open|openat|creat|mkdir|mkdirat|rename|renameat2?|unlink|unlinkat|truncate)\((AT_FDCWD, )?"[^"]*"[^)]*' \
    "$T/strace.$d" | grep -E '^(creat|mkdir|rename|unlink|truncate)|O_WRONLY|O_RDWR|O_CREAT' |
    grep -vF "\"$state/" | grep -vF "\"$state\"" | grep -vF "\"$T/endpoints" >"$T/writes.$d" || true
  [ ! -s "$T/writes.$d" ] ||
    td_fail "$d writes outside its state directory (ProtectSystem=strict): $(head -n 3 "$T/writes.$d")"
  echo "sandbox $d: $(wc -l <"$T/used.$d") system calls, all allowed; socket families: $families;" \
    "writes only in its state directory"
done
unset NOTIFY_SOCKET WATCHDOG_USEC
echo "systemd units: verified; the daemons run within their sandbox"
