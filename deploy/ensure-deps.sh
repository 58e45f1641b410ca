#!/usr/bin/env bash
# ensure-deps.sh: install the Debian 12 packages tiendo builds and tests with, if missing.
# Sourced by deploy/demo.sh and tests/run.sh; run it alone to prepare a machine.
tiendo_packages=(build-essential cmake pkg-config libzmq3-dev libprotobuf-c-dev
  protobuf-c-compiler protobuf-compiler libprotobuf-dev g++ liblmdb-dev lmdb-utils check libjansson-dev jq
  clang clang-format libclang-rt-14-dev libsystemd-dev libmicrohttpd-dev systemd dpkg-dev fakeroot curl file strace tzdata gettext locales)

# The Vietnamese locale, for people who run the programs under LANG=vi_VN.UTF-8 and for the
# tests that do. The programs do not need it (they read their catalogue through C.UTF-8
# and fall back to English without an error), so without root this only says how.
tiendo_ensure_vi_locale() {
  locale -a 2>/dev/null | grep -qix 'vi_VN.utf8' && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "tiendo: the vi_VN.UTF-8 locale is not installed (the programs still speak" \
      "Vietnamese with LANG=vi_VN.UTF-8); to add it: sudo localedef -i vi_VN -f UTF-8 vi_VN.UTF-8" >&2
    return 0
  fi
  echo "tiendo: generating the vi_VN.UTF-8 locale ..." >&2
  if [ -f /etc/locale.gen ] && grep -q '^# *vi_VN.UTF-8 UTF-8' /etc/locale.gen; then
    sed -i 's/^# *\(vi_VN.UTF-8 UTF-8\)/\1/' /etc/locale.gen
  fi
  localedef -i vi_VN -f UTF-8 vi_VN.UTF-8 >/dev/null 2>&1 ||
    echo "tiendo: could not generate vi_VN.UTF-8 (the programs do not need it)" >&2
}

tiendo_ensure_deps() {
  local missing=() p
  for p in "${tiendo_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    tiendo_ensure_vi_locale
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "tiendo: these packages are missing: ${missing[*]}" >&2
    echo "tiendo: install them with: sudo apt-get install -y ${missing[*]}" >&2
    return 1
  fi
  echo "tiendo: installing ${missing[*]} ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq "${missing[@]}" >/dev/null &&
    tiendo_ensure_vi_locale
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  tiendo_ensure_deps
fi
