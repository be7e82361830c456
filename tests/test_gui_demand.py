"""The 「将来の需要」 panel and the year selector: one year repaints the table, the map colours and labels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("PySide6.QtWebEngineWidgets", exc_type=ImportError)
pytestmark = pytest.mark.gui

from demand_fixtures import AREA_VALUES, write_demand, write_summary_75  # noqa: E402
from test_gui import gui_dialogs, js, make_window  # noqa: E402, F401 — the window fixtures

SHOTS = Path(__file__).resolve().parents[1] / "out" / "screenshots"


@pytest.fixture
def demand_project(synthetic_project: Any, tmp_path: Path) -> Path:
    from zaitaku_map.demand import import_projection_file
    from zaitaku_map.options import create_option

    synthetic_project.set_study_prefectures(["99"])
    import_projection_file(synthetic_project, write_demand(tmp_path / "d.xlsx"))
    import_projection_file(synthetic_project, write_summary_75(tmp_path / "s.xlsx"))
    create_option(synthetic_project, "案A", template="area", layer="二次医療圏")
    create_option(synthetic_project, "市町村", template="municipal")
    path = synthetic_project.path
    synthetic_project.close()
    return Path(path)


def _labels(qtbot: Any, win: Any) -> list[str]:
    return js(
        qtbot,
        win,
        "JSON.stringify([...document.querySelectorAll('.zm-value-label')].map(e => e.textContent))",
    )


def test_year_selector_repaints_table_and_map(make_window: Any, qtbot: Any, demand_project: Path) -> None:  # noqa: F811
    from zaitaku_map.gui.demand_view import LABEL_LAYER, MAP_LAYER, DemandPanel, YearSelector

    win = make_window(demand_project)
    panel = win.findChild(DemandPanel)
    assert panel is not None
    win.state.set_option("案A")
    qtbot.waitUntil(lambda: panel.table.rowCount() == 3, timeout=10000)
    assert "構想区域の推計値" in panel.info.text()
    panel.mode.setCurrentIndex(panel.mode.findData("demand"))
    win.state.set_year(2040)
    qtbot.waitUntil(lambda: "2040年度" in panel.table.horizontalHeaderItem(1).text(), timeout=5000)
    col = {panel.table.item(r, 0).text(): panel.table.item(r, 1).text() for r in range(3)}
    assert col == {"中央": "1,400.8", "西部": "470.0", "南部": "290.0"}  # the file's 2040 values
    qtbot.waitUntil(lambda: sorted(_labels(qtbot, win)) == sorted(["1,401", "470", "290"]), timeout=10000)
    # every year selector (toolbar) follows the state; choosing 2024 in it repaints everything
    boxes = win.findChildren(YearSelector)
    assert len(boxes) >= 2 and all(b.currentData() == 2040 for b in boxes)  # toolbar and panel
    box = boxes[0]
    box.setCurrentIndex(box.findData(2024))
    assert win.state.year == 2024
    qtbot.waitUntil(lambda: sorted(_labels(qtbot, win)) == sorted(["1,000", "400", "300"]), timeout=10000)
    assert panel.table.item(0, 1).text() == f"{AREA_VALUES['9901'][2024]:,.1f}"
    assert MAP_LAYER in win.layers.items and LABEL_LAYER in win.layers.items
    SHOTS.mkdir(parents=True, exist_ok=True)
    qtbot.wait(300)  # let the web view repaint before the grab
    win.grab().save(str(SHOTS / "demand_2024_ken.png"))
    # peak years by municipality: the municipal option is apportioned by the 75+ projection
    win.state.set_option("市町村")
    qtbot.waitUntil(lambda: panel.table.rowCount() == 9, timeout=10000)
    assert "按分による推計" in panel.info.text() and "75歳以上人口" in panel.info.text()
    panel.unit.setCurrentIndex(panel.unit.findData("muni"))
    panel.mode.setCurrentIndex(panel.mode.findData("peak75"))
    legend = js(
        qtbot, win, "JSON.stringify([...document.querySelectorAll('.zm-legend')].map(e => e.textContent))"
    )
    assert any("75歳以上人口のピーク年" in t and "2040年以降" in t for t in legend)
    assert not any("訪問診療の需要" in t for t in legend)  # the layer was replaced, not added
    qtbot.wait(300)
    win.grab().save(str(SHOTS / "demand_peak75_muni.png"))
    panel.mode.setCurrentIndex(panel.mode.findData(None))
    qtbot.waitUntil(lambda: MAP_LAYER not in win.layers.items, timeout=5000)
