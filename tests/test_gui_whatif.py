"""GUI walk of the what-if panel: click to add a site, the uncovered number drops, undo, save as a
scenario, export its PDF; a suggestion with its ranked table and gain curve."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from network_fixtures import region_builder

pytestmark = pytest.mark.gui

GAP = (133.15, 34.05)  # 谷村 (99206): no facility


@pytest.fixture
def gap_project_path(tmp_path: Path) -> Path:
    from synthetic import build_synthetic_project

    from zaitaku_map.network import import_roads
    from zaitaku_map.options import create_option

    p = build_synthetic_project(tmp_path / "whatif.gpkg")
    import_roads(p, region_builder().write_xml(tmp_path / "r.osm"))
    p.conn.execute(
        "INSERT INTO facilities (id, category, name, muni_code, status, lon, lat, geocode_level) "
        "VALUES (50, 'clinic', '谷村診療所', '99206', 'open', 133.16, 34.06, 'source')"
    )
    p.conn.commit()
    create_option(p, "案A", template="area", layer="二次医療圏")
    path = p.path
    p.close()
    return path


def _shot(widget: Any, name: str) -> None:
    out = os.environ.get("ZAITAKU_SHOTS")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(out) / name))


def test_whatif_walk(window: Any, qtbot: Any, gap_project_path: Path, tmp_path: Path) -> None:
    from zaitaku_map.gui.whatif import WhatIfPanel
    from zaitaku_map.remedies import get_scenario, list_scenarios

    win = window
    with qtbot.waitSignal(win.project_loaded, timeout=30000):
        assert win.open_project(gap_project_path)
    win.state.set_option("案A")
    panel = win.findChild(WhatIfPanel)
    assert panel is not None and not panel.add_btn.isEnabled()
    panel.parentWidget().show()
    panel.start()
    live = panel.session.live
    assert live.mode == "network"
    before = live.uncovered
    assert "カバー外" in panel.summary.text()
    south = {panel.areas.item(i, 0).text(): i for i in range(panel.areas.rowCount())}
    assert set(south) == {"中央", "西部", "南部"}
    # click the map in add mode: a hypothetical site, the uncovered number drops at once
    panel.add_btn.setChecked(True)
    win.map.bridge.map_clicked.emit(*GAP)
    assert live.uncovered < before
    assert f"{live.uncovered:,.0f}" in panel.summary.text()
    assert panel.areas.item(south["南部"], 3).text().startswith("-")
    assert panel.edits.count() == 1 and "仮想" in panel.edits.item(0).text()
    qtbot.waitUntil(lambda: "whatif:bands" in win.layers.items, timeout=10000)
    assert {"whatif:sites", "whatif:gaps"} <= set(win.layers.items)
    _shot(win, "whatif_1_added.png")
    # undo / redo
    panel.undo_btn.click()
    assert live.uncovered == pytest.approx(before) and panel.edits.count() == 0
    panel.redo_btn.click()
    assert live.uncovered < before
    # move the site: pick it, then click elsewhere
    panel.add_btn.setChecked(False)
    panel.edits.setCurrentRow(0)
    panel.move_btn.setChecked(True)
    win.map.bridge.map_clicked.emit(133.14, 34.04)
    assert live.state.sites[1].lon == pytest.approx(133.14)
    panel.move_btn.setChecked(False)
    # an existing facility selected on the map takes on the category
    win.state.select_facility(50)
    panel.gain_btn.click()
    assert live.state.changes[50].gains == "zaishi_clinic"
    # save as a scenario, then export its PDF
    panel.save("S1")
    p = win.state.project
    assert [s.name for s in list_scenarios(p)] == ["S1"] and len(get_scenario(p, "S1").state.sites) == 1
    assert win.state.scenario == "S1"
    job = panel.export_pdf(str(tmp_path / "S1.pdf"))
    with qtbot.waitSignal(job.succeeded, timeout=120000):
        pass
    from pypdf import PdfReader

    assert len(PdfReader(tmp_path / "S1.pdf").pages) == 2
    # a suggestion: ranked table, gain curve, applied as one edit
    panel.cands.setCurrentIndex(panel.cands.findData("grid"))
    panel.k.setValue(2)
    job = panel.run_suggestion()  # a background job: the window stays responsive
    assert job is not None and not panel.suggest_btn.isEnabled()
    qtbot.waitUntil(lambda: panel.session.suggestion is not None, timeout=120000)
    assert panel.suggest_btn.isEnabled()
    assert panel.ranked.rowCount() >= 1 and len(panel.curve.values) == panel.ranked.rowCount() + 1
    assert "whatif:suggest" in win.layers.items
    _shot(win, "whatif_2_suggested.png")
    n_sites = len(live.state.sites)
    panel.apply_suggestion()
    assert len(live.state.sites) > n_sites
    assert len(get_scenario(p, "S1").state.sites) == len(live.state.sites)  # written through
    panel.stop()
    assert not any(k.startswith("whatif:") for k in win.layers.items)


def test_drag_a_hypothetical_site(window: Any, qtbot: Any, gap_project_path: Path) -> None:
    """A real press-move-release on the ★ of a hypothetical site moves it in the live scenario."""
    from gui_helpers import js
    from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from zaitaku_map.gui.whatif import WhatIfPanel

    win = window
    with qtbot.waitSignal(win.project_loaded, timeout=30000):
        assert win.open_project(gap_project_path)
    win.state.set_option("案A")
    panel = win.findChild(WhatIfPanel)
    panel.parentWidget().show()
    panel.start()
    live = panel.session.live
    panel.add_btn.setChecked(True)
    win.map.bridge.map_clicked.emit(*GAP)
    panel.add_btn.setChecked(False)  # no click mode: the drag alone must move the site
    qtbot.waitUntil(
        lambda: js(qtbot, win, "zm.stats()")["layers"].get("whatif:sites", {}).get("n") == 1, timeout=10000
    )
    lon, lat = GAP
    target = win.map.focusProxy() or win.map
    win.map.call("zoomToBounds", lat - 0.04, lon - 0.04, lat + 0.04, lon + 0.04)  # the ★ in the middle

    def centred() -> bool:
        x, y = js(qtbot, win, f"zm.pixelOf({lat}, {lon})")
        return abs(x - target.width() / 2) < 60 and abs(y - target.height() / 2) < 60

    qtbot.waitUntil(centred, timeout=10000)
    x, y = js(qtbot, win, f"zm.pixelOf({lat}, {lon})")
    moved: list[tuple[str, str, float, float]] = []
    win.map.bridge.feature_moved.connect(lambda *a: moved.append(a))
    QTest.mousePress(
        target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(int(x), int(y))
    )
    for step in range(1, 6):  # moves with the left button held (QTest.mouseMove cannot hold a button)
        pos = QPointF(x - 8 * step, y + 6 * step)
        ev = QMouseEvent(
            QEvent.Type.MouseMove,
            pos,
            target.mapToGlobal(pos),
            Qt.MouseButton.NoButton,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        QApplication.sendEvent(target, ev)
    QTest.mouseRelease(
        target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(int(x) - 40, int(y) + 30)
    )
    qtbot.waitUntil(lambda: bool(moved), timeout=10000)
    assert moved[0][:2] == ("whatif:sites", "1")
    site = live.state.sites[1]
    assert site.lon < lon and site.lat < lat  # west and south, as dragged
    assert (site.lon, site.lat) == pytest.approx(moved[0][2:])
    assert len(live.state.sites) == 1  # moved, not a second site from the click that ended the drag
    assert live.can_undo and "を移動" in panel.last.text()
    assert panel.edits.currentRow() == 0  # the dragged site is the one picked in the list
    # the map was not panned by the drag: the ★ is drawn where it was dropped
    qtbot.waitUntil(
        lambda: js(qtbot, win, "zm.stats()")["layers"].get("whatif:sites", {}).get("n") == 1, timeout=10000
    )
    nx, ny = js(qtbot, win, f"zm.pixelOf({site.lat}, {site.lon})")
    assert abs(nx - (x - 40)) <= 2 and abs(ny - (y + 30)) <= 2
    _shot(win, "whatif_3_dragged.png")
    panel.undo_btn.click()
    assert (live.state.sites[1].lon, live.state.sites[1].lat) == pytest.approx(GAP)
    # the page cannot report a drop outside Japan or for a malformed layer id
    win.map.bridge.featureMoved("whatif:sites", "1", 91.0, 500.0)
    win.map.bridge.featureMoved("<x>", "1", 34.0, 133.1)
    assert len(moved) == 1
    panel.stop()


def test_panel_without_population_at_points(window: Any, qtbot: Any, gap_project_path: Path) -> None:
    """Population per 圏域 only (the 鳥取 samples): the panel says the people cannot be counted
    instead of 「カバー 0 / 0 人」 and zeros per 圏域; edits still work."""
    import sqlite3

    from zaitaku_map.gui.whatif import WhatIfPanel

    with sqlite3.connect(gap_project_path) as conn:
        conn.execute("DELETE FROM demand_points")
    win = window
    with qtbot.waitSignal(win.project_loaded, timeout=30000):
        assert win.open_project(gap_project_path)
    win.state.set_option("案A")
    panel = win.findChild(WhatIfPanel)
    panel.parentWidget().show()
    panel.start()
    assert "人口が地点ごとにわからない" in panel.summary.text() and "0 / 0" not in panel.summary.text()
    assert panel.areas.rowCount() == 3
    assert {panel.areas.item(i, j).text() for i in range(3) for j in (1, 2, 3)} == {"－"}
    panel.add_btn.setChecked(True)
    win.map.bridge.map_clicked.emit(*GAP)
    assert panel.edits.count() == 1 and "人" not in panel.last.text()
    # a suggestion cannot count anyone: the job's error is shown with what to import
    from zaitaku_map.gui import dialogs

    panel.run_suggestion()
    qtbot.waitUntil(lambda: any("人口メッシュ" in text for _title, text in dialogs.shown), timeout=60000)
    assert panel.suggest_btn.isEnabled() and panel.session.suggestion is None
    panel.stop()
