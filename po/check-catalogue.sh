#!/usr/bin/env bash
# check-catalogue.sh SOURCE_DIR XGETTEXT_ARGS...: fails when a text of the sources that
# people read is missing from po/vi.po, untranslated or fuzzy, or when vi.po does not
# compile cleanly (msgfmt --check: every translation keeps its format's conversions).
# CMake passes the keyword list (po/CMakeLists.txt, TIENDO_XGETTEXT_KEYWORDS).
set -euo pipefail
src=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$src"
mapfile -t sources < <(find common collector agent dashboard-cli -name '*.c' | LC_ALL=C sort)
xgettext --from-code=UTF-8 --language=C "$@" -o "$tmp/sources.pot" "${sources[@]}"
# vi.po with the parts written beside changes (po/parts/vi-*.po), as the build joins them
shopt -s nullglob
parts=(po/parts/vi-*.po)
msgcat --use-first --force-po --to-code=UTF-8 -o "$tmp/vi.po" po/vi.po "${parts[@]}"
status=0
# vi.po brought up to the sources (as msgmerge would; no guessing of near matches): every
# msgid of the sources must then be translated and not fuzzy.
msgmerge --quiet --no-fuzzy-matching -o "$tmp/merged.po" "$tmp/vi.po" "$tmp/sources.pot"
msgattrib --untranslated --no-obsolete -o "$tmp/missing.po" "$tmp/merged.po"
msgattrib --only-fuzzy --no-obsolete -o "$tmp/fuzzy.po" "$tmp/merged.po"
for kind in missing fuzzy; do
  n=$(grep -c '^msgid ' "$tmp/$kind.po" 2>/dev/null || true)
  n=$(( ${n:-0} > 0 ? n - 1 : 0 )) # the header
  if [ "$n" -gt 0 ]; then
    echo "po/vi.po: $n text(s) of the sources $([ $kind = missing ] && echo "not translated" || echo "fuzzy"), the first:" >&2
    grep -E '^#: |^msgid ' "$tmp/$kind.po" | sed -n '3,22p' >&2
    status=1
  fi
done
[ $status = 0 ] ||
  echo "(cmake --build build --target tiendo-pot && msgmerge --update po/vi.po po/tiendo.pot, then translate)" >&2
stats=$(msgfmt --check --statistics -o /dev/null "$tmp/vi.po" 2>&1) || { echo "$stats" >&2; exit 1; }
echo "po/vi.po: $stats"
case $stats in
*fuzzy* | *untranslated*)
  echo "po/vi.po has fuzzy or untranslated entries: $stats" >&2
  status=1
  ;;
esac
# Obsolete entries (#~) are allowed: msgmerge keeps them for texts that left the code.
exit $status
