"""The GUI state object and the plug-in points of the workbench (panels, actions, map layers, clicks)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("PySide6.QtWebEngineWidgets", exc_type=ImportError)
pytestmark = pytest.mark.gui

from gui_helpers import click_map, js  # noqa: E402


def test_state_setters_emit_only_on_change(qtbot: Any, tmp_path: Path) -> None:
    from zaitaku_map.gui.state import AppState, Selection
    from zaitaku_map.settings import Settings

    state = AppState(Settings(tmp_path / "s.json"))
    seen: list[tuple[str, Any]] = []
    state.option_changed.connect(lambda v: seen.append(("option", v)))
    state.year_changed.connect(lambda v: seen.append(("year", v)))
    state.scenario_changed.connect(lambda v: seen.append(("scenario", v)))
    state.selection_changed.connect(lambda v: seen.append(("selection", v)))
    state.data_changed.connect(lambda v: seen.append(("data", v)))
    state.set_option("案A")
    state.set_option("案A")
    state.set_year(2040)
    state.set_year(2040)
    state.set_scenario("シナリオ1")
    state.select_facility(7)
    state.select_facility(7)
    state.notify_changed("roles", "options")
    assert seen == [
        ("option", "案A"),
        ("year", 2040),
        ("scenario", "シナリオ1"),
        ("selection", Selection(facility_ids=(7,))),
        ("data", frozenset({"roles", "options"})),
    ]
    assert state.settings.get("last_option") == "案A"
    with pytest.raises(ValueError, match="DATA_KINDS"):
        state.notify_changed("typo")
    state.set_layer_visible("fac:zaishi_clinic", True)
    state.set_layer_visible("fac:pharmacy", False)
    state.set_layer_visible("band:zaishi", True)
    screen = state.screen()
    assert (screen.option, screen.year, screen.scenario) == ("案A", 2040, "シナリオ1")
    assert screen.categories == ("zaishi_clinic",)
    assert screen.coverage_categories == ("zaishi",)
    with pytest.raises(LookupError):
        state.require_project()


def test_empty_window_menus_and_disabled_actions(window: Any, qtbot: Any) -> None:
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles == ["ファイル(&F)", "編集(&E)", "表示(&V)", "分析(&A)", "ヘルプ(&H)"]
    panel = window.options_panel
    for b in (panel.btn_new, panel.btn_dup, panel.btn_del, panel.btn_undo, panel.btn_redo):
        assert not b.isEnabled(), b.text()
    assert not window.act_undo.isEnabled() and not window.act_import.isEnabled()
    assert window.act_open.isEnabled() and window.act_new.isEnabled()
    # no project: no legend floating over the empty map
    assert js(qtbot, window, "document.querySelector('.zm-legend').classList.contains('zm-hidden')") is True


def test_start_page_offers_recent_projects_and_the_first_actions(
    window: Any, qtbot: Any, tmp_path: Path
) -> None:
    from zaitaku_map.store import create_project

    page = window.start_page
    assert page.isVisible() and page.btn_new.isVisible() and page.btn_open.isVisible()
    assert not page.btn_import.isVisible()  # nothing to import into yet
    older = tmp_path / "前回の案.gpkg"
    create_project(older).close()
    window.settings.add_recent(older)
    window.settings.add_recent(tmp_path / "消えたファイル.gpkg")  # moved away since: not offered
    page.refresh()
    items = [page.recent.item(i) for i in range(page.recent.count())]
    assert [it.text().split("　")[0] for it in items] == ["前回の案.gpkg"]
    # a double click opens it; an empty project then asks for the data, with a way to import a folder
    with qtbot.waitSignal(window.project_loaded, timeout=20000):
        page.recent.itemActivated.emit(items[0])
    assert window.state.project_path is not None and window.state.project_path.name == "前回の案.gpkg"
    qtbot.waitUntil(lambda: page.btn_import.isVisible(), timeout=10000)
    assert "まだデータがありません" in page.lead.text() and not page.btn_new.isVisible()


def test_a_feature_plugs_in_a_panel_an_action_a_layer_and_map_clicks(
    window: Any, qtbot: Any, synthetic_project: Any
) -> None:
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QLabel

    from zaitaku_map.gui.maplayers import LayerStyle, LegendEntry, MapLayer

    wb = window  # what a feature's install(wb) receives
    dock = wb.add_panel("demo_panel", "試しのパネル", QLabel("中身"))
    assert dock.toggleViewAction() in wb.menus["view"].actions()
    act = wb.add_action(QAction("試しの操作", wb), menu="analysis", toolbar=True)
    assert not act.isEnabled()  # needs a project
    with qtbot.waitSignal(wb.project_loaded, timeout=20000):
        assert wb.open_project(synthetic_project.path)
    assert act.isEnabled()

    gdf = wb.state.municipalities
    pts = gdf.geometry.representative_point()
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [p.x, p.y]},
                "properties": {
                    "_id": str(code),
                    "_tip": ["<b>" + str(code), "試し"],
                    "_style": {"fillColor": c},
                },
            }
            for p, code, c in zip(pts, gdf["code"], ["#ff0000", "#00ff00"] * 10, strict=False)
        ],
    }
    layer = MapLayer(
        id="demo:points",
        group="analysis",
        label="試しの点",
        geojson=fc,
        style=LayerStyle(color="#222222", fill_color="#3366cc", radius=6, shape="D"),
        legend=(LegendEntry("試しの点", color="#3366cc", shape="D"),),
        legend_title="試し",
        interactive=True,
    )
    wb.show_map_layer(layer)
    stats = js(qtbot, wb, "zm.stats()")
    assert stats["layers"]["demo:points"]["n"] == len(gdf)
    assert "試しの点" in js(qtbot, wb, "document.querySelector('.zm-legend').textContent")
    assert wb.state.is_layer_visible("demo:points")
    assert wb.layers.items["demo:points"].text(0) == "試しの点"

    # a click on a feature of an interactive layer reports its id
    code, p = str(gdf["code"].iloc[0]), pts.iloc[0]
    with qtbot.waitSignal(wb.map.bridge.feature_clicked, timeout=5000) as sig:
        js(qtbot, wb, f"zm.__test_click = zm.pixelOf({p.y}, {p.x})")
        click_map(qtbot, wb, p.y, p.x)
    assert sig.args == ["demo:points", code]

    # click mode: the feature takes every map click, with the position
    wb.remove_map_layer("demo:points")
    assert "demo:points" not in js(qtbot, wb, "zm.stats()")["layers"]
    wb.set_click_mode("地図をクリックして仮の施設を置く")
    with qtbot.waitSignal(wb.map.bridge.map_clicked, timeout=5000) as sig:
        click_map(qtbot, wb, p.y, p.x)
    lon, lat = sig.args
    assert abs(lon - p.x) < 0.01 and abs(lat - p.y) < 0.01
    wb.set_click_mode(None)
    assert js(qtbot, wb, "document.querySelector('.zm-banner').classList.contains('zm-hidden')") is True


def test_screen_colours_are_the_printed_colours(synthetic_project: Any) -> None:
    from zaitaku_map import options
    from zaitaku_map.export import ExportRequest
    from zaitaku_map.export.data import load_export_data
    from zaitaku_map.gui import data

    for template in ("area", "municipal"):
        name = f"案{template}"
        options.create_option(synthetic_project, name, template=template, layer="二次医療圏")
        payload = data.option_payload(synthetic_project, name)
        printed = load_export_data(synthetic_project, ExportRequest(name)).kens
        assert {k: v["color"] for k, v in payload["kens"].items()} == dict(
            zip(printed["ken_key"], printed["color"], strict=True)
        )
