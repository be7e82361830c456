#!/usr/bin/env bash
# Smoke test of the frozen app: offscreen, with networking unavailable to the app (own empty network
# namespace via `unshare -n` when permitted), build the demo project, write a screenshot and a PDF pack.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
APP="${1:-$HERE/dist/zaitaku-map/zaitaku-map}"
OUT="$(mktemp -d)"
export QT_QPA_PLATFORM=offscreen QTWEBENGINE_DISABLE_SANDBOX=1
export ZAITAKU_MAP_CONFIG_DIR="$OUT/config" ZAITAKU_MAP_LOG_DIR="$OUT/logs"
NONET=""
if unshare -n true 2>/dev/null; then NONET="unshare -n"; echo "network: disabled (unshare -n)"; else echo "network: unshare not permitted; running normally"; fi
cd "$OUT"   # not the repository: the bundle must find every resource by itself
$NONET "$APP" --version
$NONET "$APP" demo "$OUT/demo.gpkg" --pack "$OUT/pack" --json > "$OUT/demo.json"
$NONET "$APP" export "$OUT/demo.gpkg" --option "$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["info"]["options"][0])' "$OUT/demo.json")" --pdf "$OUT/map.pdf" --json > "$OUT/export.json"
$NONET "$APP" gui "$OUT/demo.gpkg" --screenshot "$OUT/shot.png"
test -s "$OUT/map.pdf" && test -s "$OUT/shot.png"
echo "smoke test OK: $OUT (map.pdf, shot.png, pack/)"
