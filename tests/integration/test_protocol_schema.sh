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
# The generated Python module must know the envelope and its oneof.
grep -q "Envelope" "$out/tiendo_pb2.py" || { echo "FAIL: no Envelope in Python code" >&2; exit 1; }
echo "stock protoc compiles tiendo.proto (C++, Python, Java)"
