#!/usr/bin/env bash
# proto/tiendo.proto must compile with stock protoc too, so other languages can talk
# to the collector (C++ and Python generated code as the witness).
set -euo pipefail
: "${TIENDO_SOURCE_DIR:?}" "${TIENDO_PROTOC:?protoc not found at configure time}"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$TIENDO_PROTOC" --proto_path="$TIENDO_SOURCE_DIR/proto" --cpp_out="$out" \
  --python_out="$out" --java_out="$out" tiendo.proto
for f in tiendo.pb.h tiendo.pb.cc tiendo_pb2.py; do
  [ -s "$out/$f" ] || { echo "FAIL: protoc made no $f" >&2; exit 1; }
done
grep -q "_ENVELOPE" "$out/tiendo_pb2.py" || { echo "FAIL: no Envelope in Python code" >&2; exit 1; }
# The C++ code must compile against stock libprotobuf and round-trip an envelope.
cat >"$out/roundtrip.cc" <<'CC'
#include "tiendo.pb.h"
#include <cstdio>
int main() {
  tiendo::Envelope e;
  e.set_version(1);
  e.set_epoch(42);
  e.set_seq(7);
  tiendo::Report *r = e.mutable_report();
  r->set_unit("01");
  r->set_period("2026-Q3");
  std::string bytes;
  if (!e.SerializeToString(&bytes)) return 1;
  tiendo::Envelope back;
  if (!back.ParseFromString(bytes) || back.body_case() != tiendo::Envelope::kReport ||
      back.report().unit() != "01" || back.seq() != 7) return 1;
  std::puts("ok");
  return 0;
}
CC
if command -v g++ >/dev/null && [ -f /usr/include/google/protobuf/message.h ]; then
  g++ -std=c++17 -I"$out" "$out/roundtrip.cc" "$out/tiendo.pb.cc" -o "$out/roundtrip" \
    $(pkg-config --cflags --libs protobuf) -pthread
  [ "$("$out/roundtrip")" = ok ] || { echo "FAIL: C++ round trip" >&2; exit 1; }
else
  echo "FAIL: g++ or libprotobuf-dev missing (deploy/ensure-deps.sh installs them)" >&2
  exit 1
fi
echo "stock protoc compiles tiendo.proto (C++, Python, Java)"
