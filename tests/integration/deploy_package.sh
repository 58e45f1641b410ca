#!/usr/bin/env bash
# The Debian packages: deploy/package.sh builds tiendo-collector, tiendo-agent, tiendo and
# tiendo-data; each lists its binaries, unit and example configuration (conffiles) and
# declares the libraries its binaries link; they are extracted (dpkg -x, never installed
# into /) into a scratch root where the maintainer scripts run against that root, the
# units verify, and the INSTALLED collector starts from the INSTALLED configuration
# file, an installed agent delivers a report and the installed `tiendo status` shows it.
# Skipped in sanitizer builds (the packages are built without sanitizers anyway).
source "$(dirname "$0")/lib.sh"
td_skip() { # message: exit 77 (ctest: skipped) without keeping the temp folder
  echo "SKIP: $*"
  trap - EXIT
  rm -rf "$T"
  exit 77
}
if [ -n "${TIENDO_SANITIZE:-}" ]; then
  td_skip "packages are built and tested in the plain build only (TIENDO_SANITIZE is set)"
fi
for tool in dpkg-deb dpkg-shlibdeps cpack fakeroot; do
  command -v "$tool" >/dev/null || td_skip "$tool is missing (bash deploy/ensure-deps.sh installs it)"
done
SRC=$TIENDO_SOURCE_DIR

# ---- build ----
PKG=${TIENDO_PKG_BUILD_DIR:-$T/build-pkg}
t0=$SECONDS
bash "$SRC/deploy/package.sh" "$PKG" >"$T/package.log" 2>&1 ||
  td_fail "deploy/package.sh failed: $(tail -n 30 "$T/package.log")"
echo "deploy/package.sh: $((SECONDS - t0)) s"
version="$(sed -n 's/^project(tiendo VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")-1"
arch=$(dpkg --print-architecture)
declare -A DEB=(
  [tiendo-collector]="$PKG/tiendo-collector_${version}_$arch.deb"
  [tiendo-agent]="$PKG/tiendo-agent_${version}_$arch.deb"
  [tiendo]="$PKG/tiendo_${version}_$arch.deb"
  [tiendo-data]="$PKG/tiendo-data_${version}_all.deb"
)
for p in "${!DEB[@]}"; do
  [ -f "${DEB[$p]}" ] || td_fail "no package ${DEB[$p]##*/} (built: $(ls "$PKG"/*.deb))"
  printf '  %-18s %8d bytes\n' "$p" "$(stat -c %s "${DEB[$p]}")"
done

# ---- contents ----
td_files() { # package: the files (not folders) it installs, one per line
  dpkg-deb --contents "${DEB[$1]}" | awk '$1 !~ /^d/ {print $NF}' | sed 's|^\./|/|' | sort
}
td_has_file() { # package path
  grep -qxF "$2" "$T/files.$1" || td_fail "$1 does not install $2: $(tr '\n' ' ' <"$T/files.$1")"
}
for p in "${!DEB[@]}"; do td_files "$p" >"$T/files.$p"; done
td_has_file tiendo-collector /usr/bin/tiendo-collector
td_has_file tiendo-collector /lib/systemd/system/tiendo-collector.service
td_has_file tiendo-collector /etc/tiendo/collector.conf
td_has_file tiendo-collector /usr/share/doc/tiendo-collector/operations.md
td_has_file tiendo-agent /usr/bin/tiendo-agent
td_has_file tiendo-agent /lib/systemd/system/tiendo-agent.service
td_has_file tiendo-agent /etc/tiendo/agent.conf
td_has_file tiendo-agent /usr/share/doc/tiendo-agent/agent.md
td_has_file tiendo /usr/bin/tiendo
td_has_file tiendo /etc/tiendo/tiendo.conf
td_has_file tiendo /usr/share/doc/tiendo/cli.md
td_has_file tiendo-data /usr/share/locale/vi/LC_MESSAGES/tiendo.mo
for csv in "$SRC"/data/*.csv; do
  td_has_file tiendo-data "/usr/share/tiendo/data/${csv##*/}"
done
# dpkg refuses two packages owning one file.
shared=$(cat "$T"/files.* | sort | uniq -d)
[ -z "$shared" ] || td_fail "files in more than one package: $shared"
# The installed files are the repository's.
dpkg-deb --fsys-tarfile "${DEB[tiendo-collector]}" | tar -xOf - ./etc/tiendo/collector.conf |
  cmp -s - "$SRC/deploy/config/collector.conf" || td_fail "collector.conf differs from deploy/config"
dpkg-deb --fsys-tarfile "${DEB[tiendo-agent]}" | tar -xOf - ./lib/systemd/system/tiendo-agent.service |
  cmp -s - "$SRC/deploy/systemd/tiendo-agent.service" || td_fail "the agent unit differs from deploy/systemd"

# ---- control fields ----
td_field() { dpkg-deb -f "${DEB[$1]}" "$2"; }
declare -A OWNER=()
td_owner() { # library path: the installed package that owns it (merged /usr or not)
  local real c
  if [ -z "${OWNER[$1]:-}" ]; then
    real=$(readlink -f "$1")
    for c in "$real" "${real#/usr}" "$1" "/usr${1#/usr}"; do
      OWNER[$1]=$(dpkg -S "$c" 2>/dev/null | sed -n '1s/:.*//p') || true
      [ -z "${OWNER[$1]}" ] || break
    done
  fi
  [ -n "${OWNER[$1]}" ] || return 1
}
for p in "${!DEB[@]}"; do
  td_assert_eq "$(td_field "$p" Package)" "$p" "Package of ${DEB[$p]##*/}"
  td_assert_eq "$(td_field "$p" Version)" "$version" "Version of $p"
  [ -n "$(td_field "$p" Maintainer)" ] || td_fail "$p has no Maintainer"
  [ "$(td_field "$p" Description | wc -l)" -ge 2 ] || td_fail "$p has no long Description"
  # Every file under /etc is a conffile: an upgrade keeps the operator's edits.
  dpkg-deb -e "${DEB[$p]}" "$T/control.$p"
  for f in $(grep '^/etc/' "$T/files.$p" || true); do
    grep -qxF "$f" "$T/control.$p/conffiles" 2>/dev/null || td_fail "$p: $f is not a conffile"
  done
done
td_assert_eq "$(td_field tiendo-data Architecture)" all "tiendo-data's Architecture"
for p in tiendo-collector tiendo-agent tiendo; do
  td_assert_eq "$(td_field "$p" Architecture)" "$arch" "$p's Architecture"
  depends=$(td_field "$p" Depends)
  echo "  $p Depends: $depends"
  [[ $depends == *"tiendo-data (= $version)"* ]] || td_fail "$p does not depend on tiendo-data"
  # Each library the binary links comes from a package it depends on.
  bin=$(grep '^/usr/bin/' "$T/files.$p")
  dpkg-deb --fsys-tarfile "${DEB[$p]}" | tar -xOf - ".$bin" >"$T/bin.$p"
  for lib in $(readelf -d "$T/bin.$p" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
    path=$(ldconfig -p | awk -v l="$lib" '$1 == l && !n++ {print $NF}')
    [ -n "$path" ] || td_fail "$p: $lib is not on this system"
    td_owner "$path" || td_fail "$p: no package owns $path"
    owner=${OWNER[$path]}
    [[ ", $depends," == *", $owner"[\ ,]* ]] || td_fail "$p links $lib (package $owner) but Depends: $depends"
  done
done
for p in tiendo-collector tiendo-agent; do
  [[ $(td_field "$p" Depends) == *adduser* ]] || td_fail "$p's postinst needs adduser"
  for s in postinst prerm postrm; do
    [ -x "$T/control.$p/$s" ] || td_fail "$p has no executable $s"
    sh -n "$T/control.$p/$s" || td_fail "$p's $s is not valid sh"
  done
done

# ---- a scratch root: every package extracted (no dpkg -i into /) ----
ROOT="$T/root"
for p in "${!DEB[@]}"; do dpkg -x "${DEB[$p]}" "$ROOT"; done
ETC="$ROOT/etc/tiendo"
DATA="$ROOT/usr/share/tiendo/data"
C="$ROOT/usr/bin/tiendo-collector"
A="$ROOT/usr/bin/tiendo-agent"
CLI="$ROOT/usr/bin/tiendo"
for b in "$C" "$A" "$CLI"; do
  if ldd "$b" | grep 'not found' >"$T/ldd.out"; then td_fail "${b##*/}: $(cat "$T/ldd.out")"; fi
  "$b" --help | grep 'default: /usr/share/tiendo/data' >/dev/null ||
    td_fail "${b##*/}'s default --data-dir is not the packaged /usr/share/tiendo/data"
done

# The units verify against the installed files (host units for sysinit.target and /bin/kill).
mkdir -p "$ROOT/bin"
cp -an /lib/systemd/system/. "$ROOT/lib/systemd/system/"
cp "$(readlink -f /bin/kill)" "$ROOT/bin/kill"
if command -v systemd-analyze >/dev/null; then
  for u in tiendo-collector.service tiendo-agent.service; do
    rc=0
    out=$(systemd-analyze verify --man=no --root="$ROOT" "/lib/systemd/system/$u" 2>&1) || rc=$?
    if [ "$rc" -ne 0 ] || [ -n "$out" ]; then td_fail "verify installed $u (exit $rc): $out"; fi
  done
  echo "installed units verify clean"
fi

# ---- maintainer scripts, run against the scratch root ($DPKG_ROOT) ----
# adduser, getent and chown are stand-ins that record their calls (the system user tiendo
# is not created on this machine); systemctl must not be called with $DPKG_ROOT set.
STUBS="$T/stubs"
mkdir -p "$STUBS"
cat >"$STUBS/adduser" <<EOF
#!/bin/sh
echo "adduser \$*" >>"$T/calls"
touch "$T/user-exists"
EOF
cat >"$STUBS/getent" <<EOF
#!/bin/sh
echo "getent \$*" >>"$T/calls"
[ -e "$T/user-exists" ]
EOF
cat >"$STUBS/chown" <<EOF
#!/bin/sh
echo "chown \$*" >>"$T/calls"
EOF
cat >"$STUBS/systemctl" <<EOF
#!/bin/sh
echo "systemctl \$*" >>"$T/calls"
exit 1
EOF
cp "$STUBS/systemctl" "$STUBS/addgroup"
chmod +x "$STUBS"/*
td_maint() { # package script args...: run a maintainer script on the scratch root
  local p=$1 s=$2
  shift 2
  DPKG_ROOT="$ROOT" PATH="$STUBS:$PATH" "$T/control.$p/$s" "$@"
}
td_maint tiendo-collector postinst configure "" >"$T/postinst.out" ||
  td_fail "collector postinst failed: $(cat "$T/postinst.out")"
grep -qx "adduser --system --group --home /var/lib/tiendo --no-create-home --gecos tiendo services tiendo" \
  "$T/calls" || td_fail "postinst did not create the system user: $(cat "$T/calls")"
td_assert_eq "$(stat -c %a "$ETC/authorized-keys")" 644 "authorized-keys mode"
td_assert_eq "$(stat -c %s "$ETC/authorized-keys")" 0 "authorized-keys size"
td_assert_eq "$(stat -c %a "$ETC/collector.key")" 600 "generated collector.key mode"
grep -qx "chown tiendo:tiendo $ETC/collector.key" "$T/calls" ||
  td_fail "collector.key not given to tiendo: $(cat "$T/calls")"
grep -q "generated the collector's key pair: $ETC/collector.key" "$T/postinst.out" ||
  td_fail "postinst made a key without saying so: $(cat "$T/postinst.out")"
td_assert_eq "$(stat -c %a "$ROOT/var/lib/tiendo/collector")" 700 "collector state dir mode"
! grep -q '^systemctl\|^addgroup' "$T/calls" || td_fail "systemctl/addgroup called under DPKG_ROOT"
td_maint tiendo-agent postinst configure "" >"$T/postinst-agent.out" ||
  td_fail "agent postinst failed: $(cat "$T/postinst-agent.out")"
[ ! -e "$ETC/agent.key" ] || td_fail "the agent's postinst made a key"
grep -q "tiendo-agent keygen" "$T/postinst-agent.out" || td_fail "agent postinst says no next step"
td_assert_eq "$(grep -c '^adduser' "$T/calls")" 1 "adduser calls (the user exists the second time)"

# ---- keys, as an operator makes them with the installed commands ----
mkdir -p "$T/keys"
"$A" keygen "$ETC/agent" >/dev/null
"$C" keygen "$T/keys/staff" >/dev/null
"$C" enrol "$ETC/agent.pub" --role agent --scope 01 --name "Hà Nội DoC office" \
  --authorized-keys "$ETC/authorized-keys" --data-dir "$DATA" >/dev/null
"$C" enrol "$T/keys/staff.pub" --role query --scope '*' --name "MoC staff" \
  --authorized-keys "$ETC/authorized-keys" --data-dir "$DATA" >/dev/null
# An upgrade's postinst keeps the keys and the enrolled keys as they are.
sha256sum "$ETC/collector.key" "$ETC/collector.pub" "$ETC/authorized-keys" >"$T/keys.sum"
td_maint tiendo-collector postinst configure "$version" >"$T/postinst2.out"
sha256sum -c --quiet "$T/keys.sum" || td_fail "an upgrade's postinst changed keys"
! grep -q generated "$T/postinst2.out" || td_fail "an upgrade's postinst made a key"
td_maint tiendo-collector postrm purge >"$T/postrm.out"
if [ ! -f "$ETC/collector.key" ] || [ ! -d "$ROOT/var/lib/tiendo/collector" ]; then
  td_fail "purge removed keys or the store"
fi

# ---- the installed collector, from the installed configuration file ----
# Only paths and ports are overridden, all inside the scratch root.
COLLECTOR_FLAGS=(--config "$ETC/collector.conf" --state-dir "$ROOT/var/lib/tiendo/collector"
  --secret-key "$ETC/collector.key" --authorized-keys "$ETC/authorized-keys"
  --data-dir "$DATA" --bind 'tcp://127.0.0.1:*' --query-bind 'tcp://127.0.0.1:*')
if "$C" --help | grep -e '--metrics-bind' >/dev/null; then
  COLLECTOR_FLAGS+=(--metrics-bind 127.0.0.1:0) # a free port, whatever collector.conf says
fi
"$C" --check-config "${COLLECTOR_FLAGS[@]}" >"$T/check-config.out" 2>&1 ||
  td_fail "installed collector.conf does not check: $(cat "$T/check-config.out")"
"$C" run "${COLLECTOR_FLAGS[@]}" --endpoint-file "$T/endpoints" 2>>"$T/collector.log" &
# shellcheck disable=SC2034 # lib.sh's td_kill_collector and cleanup use it
COLLECTOR_PID=$!
td_wait_until 10 test -s "$T/endpoints" || td_fail "the installed collector did not start"
AGENTS_EP=$(sed -n 's/^agents=//p' "$T/endpoints")
QUERY_EP=$(sed -n 's/^query=//p' "$T/endpoints")

# ---- the installed agent delivers one report ----
AGENT_FLAGS=(--config "$ETC/agent.conf" --state-dir "$ROOT/var/lib/tiendo/agent"
  --collector "$AGENTS_EP" --collector-public-key "$ETC/collector.pub"
  --secret-key "$ETC/agent.key" --data-dir "$DATA" --unit 01)
if "$A" --help | grep -e '--metrics-bind' >/dev/null; then
  AGENT_FLAGS+=(--metrics-bind 127.0.0.1:0)
fi
td_report 01 2026-Q3 >"$T/report.json"
"$A" submit "$T/report.json" "${AGENT_FLAGS[@]}" >/dev/null || td_fail "installed agent: submit"
"$A" run --exit-when-empty "${AGENT_FLAGS[@]}" --resend-timeout-ms 1000 >"$T/agent.log" 2>&1 &
TD_PIDS+=($!)
td_wait_pid $! 60 || td_fail "installed agent did not deliver: $(tail -n 5 "$T/agent.log")"
td_assert_eq "$("$A" status --json "${AGENT_FLAGS[@]}" | jq .queued)" 0 "queued after delivery"

# ---- the installed tiendo command sees it ----
"$CLI" status --period 2026-Q3 --json --config "$ETC/tiendo.conf" --query "$QUERY_EP" \
  --collector-public-key "$ETC/collector.pub" --secret-key "$T/keys/staff.key" \
  --data-dir "$DATA" >"$T/status.json" || td_fail "installed tiendo status failed"
td_assert_eq "$(jq .units_reported "$T/status.json")" 1 "units reported"
td_assert_eq "$(jq -r '.reported[0] | "\(.unit) \(.revision)"' "$T/status.json")" "01 1" \
  "the report delivered"
# The installed configuration says lang = vi: with the installed catalogue (tiendo-data)
# the help is Vietnamese; where no catalogue is found it is English, without an error.
TIENDO_LOCALEDIR="$ROOT/usr/share/locale" "$CLI" help status --config "$ETC/tiendo.conf" \
  >"$T/help.vi" || td_fail "installed tiendo help (vi)"
grep -q '^Cách dùng: tiendo status' "$T/help.vi" || td_fail "help not in Vietnamese: $(head -n 2 "$T/help.vi")"
TIENDO_LOCALEDIR="$T/no-such-folder" "$CLI" help status --config "$ETC/tiendo.conf" \
  >"$T/help.en" 2>"$T/help.err" || td_fail "installed tiendo help without a catalogue"
grep -q '^Usage: tiendo status' "$T/help.en" || td_fail "no English fallback: $(head -n 2 "$T/help.en")"
[ ! -s "$T/help.err" ] || td_fail "the fallback printed: $(cat "$T/help.err")"

td_kill_collector TERM
td_assert_eq "$COLLECTOR_STATUS" 0 "installed collector's exit status after SIGTERM"
"$C" check --state-dir "$ROOT/var/lib/tiendo/collector" >"$T/check.json" ||
  td_fail "store check: $(cat "$T/check.json")"
td_assert_eq "$(jq .revisions "$T/check.json")" 1 "revisions in the installed collector's store"
echo "packages: built, contents and dependencies checked, installed collector served a report"
