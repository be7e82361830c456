#!/usr/bin/env bash
# The test command (README): lint and format, import contracts, types, the whole suite, then the core suite
# again with PySide6 blocked.
set -euo pipefail
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen QTWEBENGINE_DISABLE_SANDBOX=1
.venv/bin/ruff check .                     # lint (complexity limit, no blind excepts)
.venv/bin/ruff format --check .             # formatting
.venv/bin/lint-imports                      # contracts: only zaitaku_map.gui imports PySide6; the layers
.venv/bin/mypy                              # types: the whole package (pyproject [tool.mypy])
.venv/bin/python -m pytest -p no:cacheprovider "$@"
ZAITAKU_BLOCK_QT=1 .venv/bin/python -m pytest -p no:cacheprovider -p no:pytest-qt -q -m "not gui and not slow" "$@"
