#!/usr/bin/env bash
# Smoke test of the frozen app: offscreen, with networking unavailable to the app (its own empty network
# namespace via `unshare -n`, or `unshare -rn` for a non-root user), from a directory outside the repository:
# version, demo project + meeting pack (folder), map PDF, merged meeting-pack PDF (pypdf), GUI screenshot.
# Usage: packaging/smoke_test.sh [path/to/zaitaku-map] ; keeps its output folder and prints where it is.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
APP="${1:-$HERE/dist/zaitaku-map/zaitaku-map}"
OUT="$(mktemp -d /tmp/zaitaku-smoke.XXXXXX)"
EXPECTED="$(python3 -c 'import sys,tomllib;print(tomllib.load(open(sys.argv[1],"rb"))["project"]["version"])' "$HERE/../pyproject.toml")"
export QT_QPA_PLATFORM=offscreen QTWEBENGINE_DISABLE_SANDBOX=1
export ZAITAKU_MAP_CONFIG_DIR="$OUT/config" ZAITAKU_MAP_LOG_DIR="$OUT/logs"
unset PYTHONPATH PYTHONHOME
fail() { echo "SMOKE TEST FAILED: $*" >&2; exit 1; }

if unshare -n true 2>/dev/null; then NONET=(unshare -n)
elif unshare -rn true 2>/dev/null; then NONET=(unshare -rn)
else fail "cannot remove networking (unshare -n / -rn not permitted); run where user namespaces are allowed"; fi
# prove the namespace really has no way out (only a down loopback device)
if "${NONET[@]}" python3 -c 'import socket;socket.create_connection(("1.1.1.1",443),timeout=3)' 2>/dev/null; then
  fail "network still reachable inside ${NONET[*]}"
fi
echo "network: disabled (${NONET[*]}); output: $OUT"
run() { "${NONET[@]}" "$APP" "$@"; }

cd "$OUT"   # not the repository: the bundle must find every resource by itself
t0=$SECONDS
got="$(run --version)"
[ "$got" = "zaitaku-map $EXPECTED" ] || fail "--version printed '$got', expected 'zaitaku-map $EXPECTED'"
echo "$got"
run demo "$OUT/demo.gpkg" --quiet --pack "$OUT/pack" --json > "$OUT/demo.json"
mapfile -t OPTS < <(python3 -c 'import json,sys;print("\n".join(json.load(open(sys.argv[1]))["info"]["options"]))' "$OUT/demo.json")
[ "${#OPTS[@]}" -ge 2 ] || fail "demo has fewer than two options: ${OPTS[*]}"
[ -n "$(ls "$OUT"/pack/*.pdf 2>/dev/null)" ] || fail "demo --pack wrote no PDF (see $OUT/demo.json)"
run export "$OUT/demo.gpkg" --option "${OPTS[0]}" --pdf "$OUT/map.pdf" --json > "$OUT/export.json"
run export "$OUT/demo.gpkg" --option "${OPTS[0]}" --compare "${OPTS[1]}" --pack "$OUT/meeting.pdf" --json > "$OUT/pack.json"
if run export --help | grep -q -- "--html"; then   # interactive HTML map (folium/branca templates in the bundle)
  run export "$OUT/demo.gpkg" --option "${OPTS[0]}" --html "$OUT/map.html" --json > "$OUT/html.json"
  grep -q "zaitaku-map $EXPECTED" "$OUT/map.html" || fail "map.html missing or without the version"
fi
run gui "$OUT/demo.gpkg" --screenshot "$OUT/shot.png" 2> "$OUT/gui.stderr" || { tail -20 "$OUT/gui.stderr"; fail "gui --screenshot"; }
for f in map.pdf meeting.pdf shot.png; do test -s "$OUT/$f" || fail "$f missing or empty"; done

# every PDF page carries the version in its footer; the Japanese font is embedded (needs poppler-utils)
if command -v pdftotext >/dev/null && command -v pdffonts >/dev/null; then
  for f in "$OUT"/map.pdf "$OUT"/meeting.pdf "$OUT"/pack/*.pdf; do
    pdffonts "$f" | grep -q "IPAexGothic.* yes " || fail "IPAexGothic not embedded in $f"
    pdftotext "$f" - | python3 -c '
import sys
pages = [p for p in sys.stdin.read().split("\f") if p.strip()]
missing = [i + 1 for i, p in enumerate(pages) if sys.argv[1] not in p]
sys.exit(f"{sys.argv[2]}: no version footer on pages {missing[:10]}" if missing or not pages else 0)
' "zaitaku-map $EXPECTED" "$f" || fail "version footer"
  done
  echo "PDF footers: version on every page; IPAexGothic embedded"
else
  echo "poppler-utils not installed: PDF footer/font checks skipped"
fi
echo "smoke test OK in $((SECONDS - t0)) s: $OUT (map.pdf, meeting.pdf, pack/, shot.png$([ -f "$OUT/map.html" ] && echo ", map.html"))"
