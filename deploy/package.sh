#!/usr/bin/env bash
# package.sh: build tiendo's Debian packages (tiendo-collector, tiendo-agent, tiendo,
# tiendo-data, plus -dbgsym .ddeb) with CPack in their own build folder.
# Usage: bash deploy/package.sh [BUILD-DIR]   (default: build-pkg/ in the repository)
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-${TIENDO_PKG_BUILD_DIR:-$src/build-pkg}}

# shellcheck source=deploy/ensure-deps.sh
source "$src/deploy/ensure-deps.sh"
tiendo_ensure_deps

# Packages install to /usr with the data in /usr/share/tiendo/data, which is also the
# binaries' compiled-in default --data-dir; no sanitizers, no fuzzing instrumentation.
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
  -DTIENDO_DATA_DIR=/usr/share/tiendo/data -DTIENDO_SANITIZE= -DTIENDO_FUZZ=OFF \
  -DTIENDO_BUILD_TREE_LOCALE=OFF >/dev/null
cmake --build "$build" --target tiendo-collector tiendo-agent tiendo tiendo-translations -j2
rm -f "$build"/*.deb "$build"/*.ddeb
(cd "$build" && cpack -G DEB >/dev/null)
echo "packages in $build:"
for f in "$build"/*.deb "$build"/*.ddeb; do
  printf "  %9d  %s\n" "$(stat -c %s "$f")" "$f"
done
