"""The 協力医療機関 dock on the real 鳥取 名簿 and hospital file (skipped without them): the lists of three
made-up care facilities next to real hospitals, a facility's candidates with their 名簿 basis, the links
and the map painted (screenshots under ``ZAITAKU_SHOTS``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from test_partners_realdata import build_tottori

pytestmark = [pytest.mark.gui, pytest.mark.realdata]


def _painted(qtbot: Any, win: Any, layers: tuple[str, ...], **kw: Any) -> dict[str, Any]:
    box: dict[str, Any] = {}
    win.when_painted(lambda s: box.setdefault("s", s), require_layers=layers, timeout_ms=30000, **kw)
    qtbot.waitUntil(lambda: "s" in box, timeout=35000)
    qtbot.wait(1500)  # for the screenshot only: Chromium composites the painted page a moment later
    return box["s"]


def test_partners_dock_on_tottori(window: Any, qtbot: Any, realdata: Path, tmp_path: Path) -> None:
    from zaitaku_map.gui.partners_panel import PartnersPanel

    path = build_tottori(realdata, tmp_path)
    shots = Path(os.environ.get("ZAITAKU_SHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    window.resize(1500, 1300)  # the docks of the right column need the height
    with qtbot.waitSignal(window.project_loaded, timeout=60000):
        assert window.open_project(path)
    panel = window.findChild(PartnersPanel)
    assert panel is not None
    panel.parentWidget().show()
    panel.parentWidget().raise_()
    panel.run(background=False)
    lists = panel.lists
    assert lists is not None and lists.mode == "straight" and len(lists.facilities) == 3
    assert panel.facilities.rowCount() == 3
    assert "介護施設 3 か所" in panel.summary.text() and "直線距離" in panel.summary.text()
    names = [panel.facilities.item(i, 1).text() for i in range(3)]
    panel.facilities.selectRow(names.index("試験用特別養護老人ホーム日南"))
    rows = [
        [panel.candidates.item(r, c).text() for c in range(panel.candidates.columnCount())]
        for r in range(panel.candidates.rowCount())
    ]
    first = next(r for r in rows if r[0].endswith("日南病院"))
    # the 名簿's 支援病 makes it a (1)(2) and a priority (3) candidate; the basis says why
    assert first[2] and first[3].startswith("◎") and "名簿: 支援病３" in first[4] and "病床数 99" in first[4]
    assert window.layers.is_visible("fac:care_facility") and window.layers.is_visible("fac:hospital")
    window.map.call("zoomAll")  # the whole prefecture
    layers = (
        "partners:links",
        "partners:flagged",
        "partners:selected",
        "fac:care_facility",
        "fac:zaishi_clinic",
    )
    stats = _painted(qtbot, window, layers, expect_munis=19)
    assert not stats["timed_out"], stats
    window.grab().save(str(shots / "partners_tottori_1_lists.png"))
    panel.facilities.selectRow(names.index("試験用特別養護老人ホーム鳥取"))
    assert panel.candidates.rowCount() >= 10  # the city: every 在支病 and hospital around 鳥取赤十字
    # the map follows the selected facility: a few municipalities in view
    stats = _painted(qtbot, window, ("partners:selected",), expect_munis=1)
    assert not stats["timed_out"], stats
    window.grab().save(str(shots / "partners_tottori_2_city.png"))
