#!/usr/bin/env bash
# Build the self-contained onedir application into packaging/dist/zaitaku-map/.
# Uses a clean build venv with a NON-editable install so the bundle contains exactly what a wheel has.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(dirname "$HERE")"
BUILDENV="$HERE/.buildenv"
PY=${PYTHON:-python3}
[ -x "$BUILDENV/bin/python" ] || "$PY" -m venv "$BUILDENV"
"$BUILDENV/bin/python" -m pip install -q --upgrade pip
"$BUILDENV/bin/python" -m pip install -q "$REPO[gui]" "pyinstaller>=6.10"
"$BUILDENV/bin/python" "$HERE/make_icon.py" "$HERE/icon.png"
cd "$HERE"
"$BUILDENV/bin/pyinstaller" --noconfirm --clean --distpath "$HERE/dist" --workpath "$HERE/build" zaitaku-map.spec
echo "built: $HERE/dist/zaitaku-map/zaitaku-map ($(du -sh "$HERE/dist/zaitaku-map" | cut -f1))"
