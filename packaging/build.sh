#!/usr/bin/env bash
# Build the self-contained onedir application into packaging/dist/zaitaku-map/.
# Uses a clean build venv with a NON-editable install so the bundle contains exactly what a wheel has.
#   bash packaging/build.sh                 # from the working tree (includes uncommitted changes)
#   BUILD_REF=HEAD bash packaging/build.sh  # from a committed state only (git archive of the ref): releases
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(dirname "$HERE")"
BUILDENV="$HERE/.buildenv"
PY=${PYTHON:-python3}
SRC="$REPO"
if [ -n "${BUILD_REF:-}" ]; then
  SRC="$(mktemp -d)"
  trap 'rm -rf "$SRC"' EXIT
  git -C "$REPO" archive "$BUILD_REF" | tar -x -C "$SRC"
  echo "building from $BUILD_REF ($(git -C "$REPO" rev-parse --short "$BUILD_REF"))"
fi
t0=$SECONDS
[ -x "$BUILDENV/bin/python" ] || "$PY" -m venv "$BUILDENV"
"$BUILDENV/bin/python" -m pip install -q --upgrade pip
"$BUILDENV/bin/python" -m pip uninstall -q -y zaitaku-map 2>/dev/null || true   # never keep a stale copy
"$BUILDENV/bin/python" -m pip install -q "$SRC[gui]" "pyinstaller>=6.10"
"$BUILDENV/bin/python" "$HERE/make_icon.py" "$HERE/icon.png"
cd "$HERE"
"$BUILDENV/bin/pyinstaller" --noconfirm --clean --log-level WARN --distpath "$HERE/dist" --workpath "$HERE/build" \
  zaitaku-map.spec
echo "built in $((SECONDS - t0)) s: $HERE/dist/zaitaku-map/zaitaku-map ($(du -sh "$HERE/dist/zaitaku-map" | cut -f1))"
