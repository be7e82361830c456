"""Placing facilities by hand: the guide layer (town points) and the 「次の概略位置」 queue through the
facilities whose position is approximate, each placed by a click on the map."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("PySide6.QtWebEngineWidgets", exc_type=ImportError)
pytestmark = pytest.mark.gui

from gui_helpers import click_map, js  # noqa: E402


def test_queue_walks_the_approximate_facilities_and_a_click_places_each(
    window: Any, qtbot: Any, synthetic_project: Any
) -> None:
    from PySide6.QtCore import QObject

    p = synthetic_project
    with p.transaction():
        p.conn.execute("UPDATE facilities SET geocode_level='municipality' WHERE id IN (3, 5)")
        p.conn.execute("UPDATE facilities SET geocode_level='unresolved', lon=NULL, lat=NULL WHERE id = 7")
        sid = p.conn.execute(
            "INSERT INTO sources (kind, format, file_name, imported_at) VALUES ('geocode_reference', 'town_json', "
            "'t.json', '2026-01-01')"
        ).lastrowid
        p.conn.executemany(
            "INSERT INTO geocode_references (source_id, level, muni_code, muni_name, town, town_norm, lon, lat) "
            "VALUES (?, 'town', '99101', '中央市', ?, ?, ?, ?)",
            [(sid, f"本町{i}丁目", f"本町{i}丁目", 133.1 + i * 0.01, 34.25) for i in range(1, 6)],
        )
    with qtbot.waitSignal(window.project_loaded, timeout=20000):
        assert window.open_project(p.path)
    placer = window.findChild(QObject, "placement")
    queue = [int(r["id"]) for r in placer.queue()]
    assert queue == [7, 3, 5]  # no position first, then the municipality points

    placer.start_queue()  # what the button of the geocode summary does
    assert placer.act_guides.isChecked()
    stats = js(qtbot, window, "zm.stats()")
    assert stats["layers"]["guide:towns"]["n"] == 5
    assert window.state.selection.facility_ids == (7,)
    assert window.facilities_panel.current_id() == 7
    assert "概略位置 1 / 3" in window.status.text()

    # a click on the map places the facility there (手動配置), and F8 moves on
    lat, lon = 34.2, 133.2
    click_map(qtbot, window, lat, lon)
    qtbot.waitUntil(
        lambda: p.conn.execute("SELECT geocode_level FROM facilities WHERE id=7").fetchone()[0] == "manual",
        timeout=10000,
    )
    lon7, lat7 = p.conn.execute("SELECT lon, lat FROM facilities WHERE id=7").fetchone()
    assert abs(lon7 - lon) < 0.01 and abs(lat7 - lat) < 0.01
    qtbot.waitUntil(lambda: [int(r["id"]) for r in placer.queue()] == [3, 5], timeout=10000)
    placer.act_next.trigger()
    assert window.state.selection.facility_ids == (3,)
    assert "概略位置 1 / 2" in window.status.text()
    placer.act_next.trigger()  # skipped without placing: the next one
    assert window.state.selection.facility_ids == (5,)
    placer.act_guides.setChecked(False)
    assert "guide:towns" not in js(qtbot, window, "zm.stats()")["layers"]
