#!/usr/bin/env bash
# ensure-deps.sh: install the Debian 12 packages tiendo builds and tests with, if missing.
# Sourced by deploy/demo.sh and tests/run.sh; run it alone to prepare a machine.
tiendo_packages=(build-essential cmake pkg-config libzmq3-dev libprotobuf-c-dev
  protobuf-c-compiler protobuf-compiler libprotobuf-dev g++ liblmdb-dev lmdb-utils check libjansson-dev jq
  clang clang-format libclang-rt-14-dev libsystemd-dev libmicrohttpd-dev systemd dpkg-dev fakeroot curl file strace tzdata gettext)

tiendo_ensure_deps() {
  local missing=() p
  for p in "${tiendo_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "tiendo: these packages are missing: ${missing[*]}" >&2
    echo "tiendo: install them with: sudo apt-get install -y ${missing[*]}" >&2
    return 1
  fi
  echo "tiendo: installing ${missing[*]} ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq "${missing[@]}" >/dev/null
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  tiendo_ensure_deps
fi
