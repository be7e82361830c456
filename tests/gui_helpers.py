"""Helpers of the GUI tests: evaluate JS in the map page, click the map at a position."""

from __future__ import annotations

import json
from typing import Any


def js(qtbot: Any, win: Any, code: str) -> Any:
    """Evaluate JS in the map page and return its (JSON-decoded when possible) value."""
    box: dict[str, Any] = {}
    win.map.eval_js(code, lambda v: box.setdefault("v", v))
    qtbot.waitUntil(lambda: "v" in box, timeout=10000)
    v = box["v"]
    if isinstance(v, str):
        try:
            return json.loads(v)
        except ValueError:
            return v
    return v


def click_map(qtbot: Any, win: Any, lat: float, lon: float) -> None:
    """A real mouse click on the view at the pixel of ``(lat, lon)``."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    x, y = js(qtbot, win, f"zm.pixelOf({lat}, {lon})")
    target = win.map.focusProxy() or win.map
    QTest.mouseMove(target, QPoint(int(x), int(y)))
    QTest.mouseClick(
        target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(int(x), int(y))
    )
