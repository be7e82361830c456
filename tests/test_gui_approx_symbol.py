"""The GUI map draws a facility at an approximate position (町字・市区町村代表点) hollow, in its category's
colour, and the legend explains the hollow symbol only while such a facility is shown."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("PySide6.QtWebEngineWidgets", exc_type=ImportError)
pytestmark = pytest.mark.gui

from gui_helpers import js  # noqa: E402

LEGEND = "document.querySelector('.zm-legend') ? document.querySelector('.zm-legend').textContent : ''"


def test_approximate_positions_are_hollow_with_a_legend_row(
    window: Any, qtbot: Any, synthetic_project: Any
) -> None:
    from zaitaku_map.labels import CATEGORIES

    p = synthetic_project
    with p.transaction():
        p.conn.execute("UPDATE facilities SET geocode_level='source'")
        p.conn.execute("UPDATE facilities SET geocode_level='municipality' WHERE id = 3")
        p.conn.execute("UPDATE facilities SET geocode_level='town' WHERE id = 5")
    cats = dict(p.conn.execute("SELECT id, category FROM facilities WHERE id IN (1, 3, 5)").fetchall())
    with qtbot.waitSignal(window.project_loaded, timeout=20000):
        assert window.open_project(p.path)
    qtbot.waitUntil(lambda: js(qtbot, window, "zm.stats()")["facilities"] > 0, timeout=20000)

    for fid in (3, 5):  # hollow: white fill, the outline in the category's colour
        st = js(qtbot, window, f"zm.facilityStyleOf({fid})")
        assert st["fillColor"] == "#ffffff", st
        assert st["color"].lower() == CATEGORIES[cats[fid]].color.lower(), st
    exact = js(qtbot, window, "zm.facilityStyleOf(1)")
    assert exact["fillColor"].lower() == CATEGORIES[cats[1]].color.lower() and exact["color"] == "#111", exact
    assert "中抜き: おおよその位置" in js(qtbot, window, LEGEND)

    # all positions exact again: no hollow symbol, no legend row for it
    with p.transaction():
        p.conn.execute("UPDATE facilities SET geocode_level='source'")
    window.state.notify_changed("positions")
    qtbot.waitUntil(
        lambda: js(qtbot, window, "zm.facilityStyleOf(3)")["fillColor"] != "#ffffff", timeout=20000
    )
    assert "おおよその位置" not in js(qtbot, window, LEGEND)
