#!/usr/bin/env bash
# enrol-agent.sh: enrol an office in one step on the collector host: make its key pair,
# enrol the public key for its units, reload the collector, write the office's bundle.
set -euo pipefail
umask 077

prog=$(basename "$0")
here=$(cd "$(dirname "$0")" && pwd)

usage() {
  cat <<EOF
Usage: $prog UNIT COLLECTOR_HOST[:PORT] [OPTIONS]

Enrols a new office (agent) in one step. Run it as root on the collector host:
  1. checks UNIT against the unit registry (data/units.csv);
  2. makes the office's CURVE key pair;
  3. enrols its public key in the authorised-keys file, scope UNIT/* by default;
  4. reloads the running collector so the key works at once;
  5. writes the bundle the office installs: OUT/tiendo-agent-UNIT/ and
     OUT/tiendo-agent-UNIT.tar.gz with agent.key (SECRET), agent.pub,
     collector.pub, agent.conf (collector = tcp://HOST:PORT, unit = UNIT)
     and INSTALL.txt.
COLLECTOR_HOST[:PORT] is the address the office dials (default port 7420).

Options (defaults are the packages' paths):
  --scope SCOPE               units the key may report for (default: UNIT/*, the unit
                              and every unit under it); a comma list, see docs/security.md
  --name TEXT                 who holds the key, shown in the collector's logs
                              (default: "office UNIT")
  --out DIR                   where the bundle is written (default: current folder)
  --authorized-keys FILE      (default: /etc/tiendo/authorized-keys)
  --collector-public-key FILE the collector's public key (default: /etc/tiendo/collector.pub)
  --collector-bin FILE        tiendo-collector (default: /usr/bin/tiendo-collector, else PATH)
  --data-dir DIR              unit registry; also the data-dir of the bundle's agent.conf
                              (default: /usr/share/tiendo/data, where the packages put it)
  --agent-conf FILE           agent.conf to start from (default: config/agent.conf beside
                              this script, else /usr/share/tiendo/agent.conf, else
                              /etc/tiendo/agent.conf, else a minimal one)
  --office-dir DIR            where the office installs the bundle's files; agent.conf's
                              key paths point there (default: /etc/tiendo)
  --collector-pid PID         reload this collector (kill -HUP) instead of looking for it
  --no-reload                 do not reload; print what to run instead
  --force                     UNIT already has a key or a bundle: make a new key, revoke
                              the old one and replace the bundle
  -h, --help                  show this help

Reload: --collector-pid if given; else \`systemctl reload tiendo-collector\` when systemd
runs it; else kill -HUP the one tiendo-collector that pidof finds. With none running, the
collector reads the key when it starts.

Exit status: 0 done; 1 refused or failed (nothing enrolled, no bundle written);
2 bad usage; 3 enrolled and bundle written, but the collector could not be reloaded
(the message says what to run).
EOF
}

die() { # message: refuse and exit 1
  echo "$prog: $*" >&2
  exit 1
}

usage_error() {
  echo "$prog: $*" >&2
  echo "Try '$prog --help'." >&2
  exit 2
}

# ---- arguments ----
scope=""
name=""
out=.
auth=/etc/tiendo/authorized-keys
collector_pub=/etc/tiendo/collector.pub
collector_bin=""
data_dir=/usr/share/tiendo/data
agent_conf=""
office_dir=/etc/tiendo
collector_pid=""
reload=1
force=0
positional=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help)
      usage
      exit 0
      ;;
    --force) force=1 ;;
    --no-reload) reload=0 ;;
    --scope | --name | --out | --authorized-keys | --collector-public-key | --collector-bin | \
      --data-dir | --agent-conf | --office-dir | --collector-pid)
      [ $# -ge 2 ] || usage_error "$1 needs a value"
      case "$1" in
        --scope) scope=$2 ;;
        --name) name=$2 ;;
        --out) out=$2 ;;
        --authorized-keys) auth=$2 ;;
        --collector-public-key) collector_pub=$2 ;;
        --collector-bin) collector_bin=$2 ;;
        --data-dir) data_dir=$2 ;;
        --agent-conf) agent_conf=$2 ;;
        --office-dir) office_dir=$2 ;;
        --collector-pid) collector_pid=$2 ;;
      esac
      shift
      ;;
    --*=*) usage_error "write '${1%%=*} VALUE' (a space, not '=')" ;;
    -*) usage_error "unknown option '$1'" ;;
    *) positional+=("$1") ;;
  esac
  shift
done
[ ${#positional[@]} -eq 2 ] ||
  usage_error "needs UNIT and COLLECTOR_HOST[:PORT], e.g. '$prog 01 collector.example.vn'"
unit=${positional[0]}
address=${positional[1]#tcp://}

# ---- checks: nothing is written until every one passes ----
[[ $unit =~ ^[A-Za-z0-9]{1,16}$ ]] || die "'$unit' is not a unit code (letters and digits, e.g. 01)"
# HOST, HOST:PORT, [IPv6] or [IPv6]:PORT
if [[ $address =~ ^(\[[0-9A-Fa-f:.]+\])(:([0-9]+))?$ ]] ||
  [[ $address =~ ^([A-Za-z0-9.-]+)(:([0-9]+))?$ ]]; then
  host=${BASH_REMATCH[1]}
  port=${BASH_REMATCH[3]:-7420}
else
  die "'${positional[1]}' is not HOST or HOST:PORT (the address the office dials, e.g. collector.example.vn:7420)"
fi
if [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then die "port $port is not 1..65535"; fi
endpoint="tcp://$host:$port"
[ -n "$scope" ] || scope="$unit/*"
[ -n "$name" ] || name="office $unit"
if [ -n "$collector_pid" ] && ! [[ $collector_pid =~ ^[0-9]+$ ]]; then
  usage_error "--collector-pid must be a process id"
fi

if [ -z "$collector_bin" ]; then
  collector_bin=/usr/bin/tiendo-collector
  [ -x "$collector_bin" ] || collector_bin=$(command -v tiendo-collector || true)
  [ -n "$collector_bin" ] ||
    die "tiendo-collector not found in /usr/bin or PATH (install the tiendo-collector package or pass --collector-bin FILE)"
fi
[ -x "$collector_bin" ] || die "--collector-bin $collector_bin is not an executable file"

units_csv=$data_dir/units.csv
[ -r "$units_csv" ] ||
  die "cannot read the unit registry $units_csv (pass --data-dir, the folder with units.csv)"
data_dir=$(cd "$data_dir" && pwd) # agent.conf needs an absolute path
[[ $office_dir = /* ]] || office_dir=$PWD/$office_dir
# The unit's records: name and validity (a unit merged in 2025 has an end date).
unit_rows=$(awk -F, -v u="$unit" '!/^#/ && $1 == u {print}' "$units_csv")
[ -n "$unit_rows" ] ||
  die "unknown unit '$unit': no such code in $units_csv (provinces are two digits, e.g. 01 Hà Nội, 79 Hồ Chí Minh)"
unit_name=$(printf '%s\n' "$unit_rows" | tail -n 1 | cut -d, -f2)
unit_note=""
if ! printf '%s\n' "$unit_rows" | awk -F, '$6 == "" {found = 1} END {exit !found}'; then
  ended=$(printf '%s\n' "$unit_rows" | tail -n 1 | cut -d, -f6)
  successor=$(printf '%s\n' "$unit_rows" | tail -n 1 | cut -d, -f7)
  unit_note="note: unit $unit ($unit_name) ended on $ended${successor:+ (merged into $successor)}; this key can report only its periods up to then"
fi

{ [ -r "$collector_pub" ] && [ -s "$collector_pub" ]; } ||
  die "missing collector public key $collector_pub (make the collector's keys with \`tiendo-collector keygen /etc/tiendo/collector\`, or pass --collector-public-key FILE)"

if [ -z "$agent_conf" ]; then
  for f in "$here/config/agent.conf" /usr/share/tiendo/agent.conf /etc/tiendo/agent.conf; do
    [ -r "$f" ] && { agent_conf=$f; break; }
  done
fi
[ -z "$agent_conf" ] || [ -r "$agent_conf" ] || die "cannot read --agent-conf $agent_conf"

can_write_dir() { # dir: true when a file can be made in it (catches read-only mounts too)
  local probe
  [ -d "$1" ] || return 1
  probe=$(mktemp "$1/.enrol-agent-probe.XXXXXX" 2>/dev/null) || return 1
  rm -f "$probe"
}
auth_dir=$(dirname "$auth")
can_write_dir "$auth_dir" ||
  die "no write access to $auth_dir (the folder of the authorised keys $auth): run as root on the collector host, or pass --authorized-keys FILE"
if [ -e "$auth" ] && ! [ -w "$auth" ]; then
  die "no write access to $auth: run as root on the collector host"
fi
can_write_dir "$out" || die "no write access to --out $out (the folder the bundle is written to)"
out=$(cd "$out" && pwd)
bundle_name=tiendo-agent-$unit
bundle=$out/$bundle_name
tarball=$out/$bundle_name.tar.gz

# The key enrolled for this unit before, if any: the record this script keeps beside the
# authorised keys, else the bundle still in OUT.
record_dir=$auth_dir/enrolled
record=$record_dir/$unit.pub
old_key=""
if [ -s "$record" ]; then
  old_key=$(head -n 1 "$record")
elif [ -s "$bundle/agent.pub" ]; then
  old_key=$(head -n 1 "$bundle/agent.pub")
fi
old_enrolled=0
if [ -n "$old_key" ] && [ -f "$auth" ] &&
  awk -v k="$old_key" '!/^#/ && $2 == k {found = 1} END {exit !found}' "$auth"; then
  old_enrolled=1
fi
if [ $force -eq 0 ]; then
  if [ $old_enrolled -eq 1 ]; then
    die "unit $unit already has an enrolled office key ($old_key, recorded in $record): nothing done. To replace it (a lost or leaked key), run again with --force: it makes a new key and revokes this one"
  fi
  if [ -e "$bundle" ] || [ -e "$tarball" ]; then
    die "a bundle for unit $unit already exists ($bundle or $tarball): nothing done. Deliver it and delete it, or run again with --force to make a new key"
  fi
fi

# ---- make the keys and the bundle in a scratch folder beside the final one ----
work=$(mktemp -d "$out/.$bundle_name.XXXXXX")
enrolled_new=0
# shellcheck disable=SC2317 # the EXIT trap runs it
cleanup() {
  local rc=$?
  if [ -d "$work" ]; then
    rm -rf "$work"
  fi
  if [ "$rc" -ne 0 ] && [ "$enrolled_new" -eq 1 ]; then
    echo "$prog: the new key $new_key stays enrolled in $auth; revoke it with: $collector_bin revoke $new_key --authorized-keys $auth --data-dir $data_dir" >&2
  fi
}
trap cleanup EXIT

"$collector_bin" keygen "$work/agent" >/dev/null
new_key=$(head -n 1 "$work/agent.pub")
cp "$collector_pub" "$work/collector.pub"
chmod 0644 "$work/agent.pub" "$work/collector.pub"

# agent.conf: the template with this office's values in place of its own (or commented)
# lines; values the template lacks are added at the end.
{
  echo "# made by $prog on $(uname -n) $(date -u +%Y-%m-%dT%H:%MZ) for unit $unit ($unit_name)"
  if [ -n "$agent_conf" ]; then
    cat "$agent_conf"
  else
    echo "state-dir = /var/lib/tiendo/agent"
    echo "log-level = info"
  fi
} | awk -v collector="$endpoint" -v pub="$office_dir/collector.pub" \
  -v key="$office_dir/agent.key" -v data="$data_dir" -v unit="$unit" '
  BEGIN {
    v["collector"] = collector; v["collector-public-key"] = pub; v["secret-key"] = key
    v["data-dir"] = data; v["unit"] = unit
    n = split("collector collector-public-key secret-key data-dir unit", order, " ")
  }
  {
    line = $0
    sub(/^#[ \t]*/, "", line)
    k = line; sub(/[ \t]*=.*/, "", k)
    if (line ~ /^[a-z-]+[ \t]*=/ && (k in v)) {
      if (!(k in done)) print k " = " v[k]
      done[k] = 1
      next
    }
    print
  }
  END { for (i = 1; i <= n; i++) if (!(order[i] in done)) print order[i] " = " v[order[i]] }
' >"$work/agent.conf"
chmod 0644 "$work/agent.conf"

replacing=""
if [ -n "$old_key" ] && [ $force -eq 1 ]; then
  replacing="
THIS BUNDLE REPLACES the office's previous key ($old_key), which has been revoked:
the office's running agent can no longer deliver. Reports still queued in its outbox
were numbered under the old key and cannot be sent under the new one, so give the new
key a new outbox (docs/security.md, section Rotate):
  systemctl stop tiendo-agent
  mv /var/lib/tiendo/agent /var/lib/tiendo/agent.old     # keep it: see below
then install as below. \`tiendo-agent status --state-dir /var/lib/tiendo/agent.old\` lists
the reports that were still waiting; submit their files again.
"
fi
cat >"$work/INSTALL.txt" <<EOF
tiendo agent bundle for unit $unit ($unit_name)
Made on $(uname -n) at $(date -u +%Y-%m-%dT%H:%MZ).
Collector: $endpoint   scope: $scope   office key: $new_key

agent.key is this office's SECRET key: whoever holds it can report for $scope.
Move this bundle only over a secure channel (scp/sftp, or an encrypted USB stick handed
over in person; never e-mail or chat), and delete every other copy (this folder and
$bundle_name.tar.gz) once it is installed.
$replacing
Install, as root, on the office's machine with the tiendo-agent package installed:
  cp agent.key agent.pub collector.pub agent.conf $office_dir/
  chown tiendo $office_dir/agent.key
  chmod 600 $office_dir/agent.key
  systemctl enable --now tiendo-agent
  runuser -u tiendo -- tiendo-agent status --config $office_dir/agent.conf

status must show the sender running and, after a while, 0 reports waiting. Then fill in
and send reports (docs/agent.md; in Vietnamese: docs/vi/huong-dan-don-vi.md). The outbox
belongs to the user tiendo, so submit runs as that user and reads the report on its
standard input (the clerk's file need not be readable by tiendo):
  tiendo-agent template --config $office_dir/agent.conf > report.json
  runuser -u tiendo -- tiendo-agent submit - --config $office_dir/agent.conf < report.json
If status keeps reports waiting, \`journalctl -u tiendo-agent\` says why (e.g. the
collector refused this key: ask its operator to check the enrolment and reload).
EOF
chmod 0644 "$work/INSTALL.txt"

# ---- enrol (and revoke the old key), keeping the file's owner ----
auth_owner=""
[ -e "$auth" ] && auth_owner=$(stat -c %u:%g "$auth")
# umask 022 here: a new authorised-keys file must be readable by the collector's user.
(umask 022 && exec "$collector_bin" enrol "$work/agent.pub" --role agent --scope "$scope" --name "$name" \
  --authorized-keys "$auth" --data-dir "$data_dir") >"$work/enrol.out" 2>&1 ||
  die "enrolment refused: $(sed 's/^tiendo-collector: //' "$work/enrol.out" | head -n 3) (nothing enrolled, no bundle written)"
enrolled_new=1
revoked=""
if [ $force -eq 1 ] && [ $old_enrolled -eq 1 ] && [ "$old_key" != "$new_key" ]; then
  (umask 022 && exec "$collector_bin" revoke "$old_key" --authorized-keys "$auth" \
    --data-dir "$data_dir") >"$work/revoke.out" 2>&1 || die "could not revoke the old key $old_key: $(cat "$work/revoke.out")"
  revoked=$old_key
fi
# The rewrite makes a new file owned by whoever runs this; give it back to its owner so a
# collector reading it through its group keeps reading it.
if [ -n "$auth_owner" ] && [ "$(id -u)" -eq 0 ] && [ "$(stat -c %u:%g "$auth")" != "$auth_owner" ]; then
  chown "$auth_owner" "$auth"
fi
mkdir -p "$record_dir"
chmod 0755 "$record_dir"
printf '%s\n' "$new_key" >"$record.tmp"
chmod 0644 "$record.tmp"
mv -f "$record.tmp" "$record"

# ---- put the bundle in place ----
rm -f "$work/enrol.out" "$work/revoke.out"
rm -rf "$bundle" "$tarball"
mv "$work" "$bundle"
chmod 0700 "$bundle"
tar -C "$out" --owner=0 --group=0 --numeric-owner -czf "$tarball.tmp" "$bundle_name"
chmod 0600 "$tarball.tmp"
mv "$tarball.tmp" "$tarball"
enrolled_new=0 # done: the key is meant to stay enrolled from here on

# ---- reload the collector ----
reload_status=0
reload_msg=""
manual="systemctl reload tiendo-collector (or: kill -HUP <pid of tiendo-collector>)"
is_collector() { # pid: true when the process is a tiendo-collector
  local argv0
  argv0=$(tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | head -n 1) || return 1
  [ "$(basename -- "$argv0")" = tiendo-collector ]
}
hup() { # pid how-found
  if ! is_collector "$1"; then
    reload_status=3
    reload_msg="NOT RELOADED: process $1 ($2) is not a running tiendo-collector. Reload the collector yourself: $manual"
  elif kill -HUP "$1" 2>/dev/null; then
    reload_msg="reloaded the collector (kill -HUP $1, $2): the key works now"
  else
    reload_status=3
    reload_msg="NOT RELOADED: cannot signal collector process $1 (run this as root or as its user). Run: kill -HUP $1"
  fi
}
if [ $reload -eq 0 ]; then
  reload_msg="not reloaded (--no-reload); a collector started later reads the key, a running one needs: $manual"
elif [ -n "$collector_pid" ]; then
  hup "$collector_pid" "--collector-pid"
elif command -v systemctl >/dev/null 2>&1 &&
  systemctl is-active --quiet tiendo-collector.service 2>/dev/null; then
  if systemctl reload tiendo-collector.service 2>"$out/.$bundle_name.reload.err"; then
    reload_msg="reloaded the collector (systemctl reload tiendo-collector): the key works now"
  else
    reload_status=3
    reload_msg="NOT RELOADED: systemctl reload tiendo-collector failed: $(head -n 2 "$out/.$bundle_name.reload.err"). Run it again as root"
  fi
  rm -f "$out/.$bundle_name.reload.err"
else
  pids=$(pidof tiendo-collector 2>/dev/null || true)
  read -r -a found <<<"$pids"
  set -- "${found[@]}"
  if ! command -v pidof >/dev/null 2>&1; then
    reload_status=3
    reload_msg="NOT RELOADED: no systemd service and no pidof to find the collector. Run: $manual"
  elif [ $# -eq 0 ]; then
    reload_msg="no tiendo-collector is running here: it reads the new key when it starts"
  elif [ $# -gt 1 ]; then
    reload_status=3
    reload_msg="NOT RELOADED: several tiendo-collector processes run here ($pids). Reload the one that uses $auth: kill -HUP <its pid>, or run this again with --collector-pid PID"
  else
    hup "$1" "found by pidof"
  fi
fi

# ---- report ----
echo "enrolled unit $unit ($unit_name): agent key $new_key"
echo "  scope $scope, name \"$name\", in $auth"
[ -z "$revoked" ] || echo "  revoked the unit's previous key $revoked"
[ -z "$unit_note" ] || echo "  $unit_note"
if [ $reload_status -eq 0 ]; then
  echo "  $reload_msg"
else
  echo "$prog: $reload_msg" >&2
fi
echo "bundle for the office (it dials $endpoint):"
echo "  $bundle/  agent.key agent.pub collector.pub agent.conf INSTALL.txt"
echo "  $tarball"
echo "WARNING: the bundle holds the office's SECRET key (agent.key). Move it only over a"
echo "  secure channel (scp, encrypted USB handed over in person; never e-mail), then delete"
echo "  both the folder and the .tar.gz here. The office follows INSTALL.txt."
exit $reload_status
