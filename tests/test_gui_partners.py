"""GUI walk of the 協力医療機関 dock: compute the lists, flagged rows, the map links, a facility's
candidates, the agreements table imported, the PDF written."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from network_fixtures import region_builder
from partners_fixtures import add_partner_data, rows, write_xlsx

pytestmark = pytest.mark.gui


@pytest.fixture
def partners_path(tmp_path: Path) -> Path:
    from synthetic import build_synthetic_project

    from zaitaku_map.network import import_roads

    p = build_synthetic_project(tmp_path / "partners.gpkg")
    add_partner_data(p)
    import_roads(p, region_builder().write_xml(tmp_path / "r.osm"), min_component_nodes=100)
    path = p.path
    p.close()
    return path


def _shot(widget: Any, name: str) -> None:
    out = os.environ.get("ZAITAKU_SHOTS")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(out) / name))


def test_partners_dock_walk(window: Any, qtbot: Any, partners_path: Path, tmp_path: Path) -> None:
    from zaitaku_map.gui.partners_panel import PartnersPanel

    win = window
    with qtbot.waitSignal(win.project_loaded, timeout=30000):
        assert win.open_project(partners_path)
    panel = win.findChild(PartnersPanel)
    assert panel is not None and panel.muni.count() > 3 and not panel.pdf_btn.isEnabled()
    panel.parentWidget().show()
    panel.run(background=False)
    lists = panel.lists
    assert lists is not None and panel.facilities.rowCount() == len(lists.facilities)
    assert f"候補のない施設 {len(lists.flagged())} か所" in panel.summary.text()
    names = [panel.facilities.item(i, 1).text() for i in range(panel.facilities.rowCount())]
    island = names.index("島町GH")
    assert "(1)(2)を満たしうる医療機関" in panel.facilities.item(island, 6).text()
    assert {"partners:links", "partners:flagged"} <= set(win.layers.items)
    assert win.layers.is_visible("fac:care_facility")  # where the lines start
    # what the screen shows goes to the export: the HTML map draws the partner layer too
    from zaitaku_map.gui.export_dialog import screen_layers

    assert "partners" in (screen_layers(win.state.screen()) or ())
    # a facility's candidates, nearest first, and its links on the map
    row = names.index("中央特養")
    panel.facilities.selectRow(row)
    assert panel.candidates.rowCount() > 0
    minutes = [float(panel.candidates.item(i, 1).text()) for i in range(panel.candidates.rowCount())]
    assert minutes == sorted(minutes)
    assert win.state.selection.facility_ids == (lists.facilities[row].id,)
    assert "partners:selected" in win.layers.items
    _shot(win, "partners_1_lists.png")
    # the agreements table, then the lists again with the 届出 column
    job = panel.import_file(str(write_xlsx(tmp_path / "届出.xlsx", rows())))
    with qtbot.waitSignal(job.succeeded, timeout=60000):
        pass
    qtbot.waitUntil(lambda: panel.status is not None and panel.status.file == "届出.xlsx", timeout=60000)
    assert "届出: 協力医療機関あり" in panel.summary.text()
    assert {panel.facilities.item(i, 5).text() for i in range(panel.facilities.rowCount())} == {
        "あり",
        "なし",
    }
    panel.facilities.selectRow(names.index("中央特養"))
    assert "partners:agreements" in win.layers.items
    _shot(win, "partners_2_agreements.png")
    # the PDF of what is shown
    out = tmp_path / "候補.pdf"
    job = panel.export("pdf", str(out))
    assert job is not None
    with qtbot.waitSignal(job.succeeded, timeout=120000):
        pass
    assert out.read_bytes()[:4] == b"%PDF"
    # a closed project clears the dock and its layers
    win.state.close_project()
    assert panel.lists is None and not any(k.startswith("partners:") for k in win.layers.items)
    assert "partners" not in (screen_layers(win.state.screen()) or ())
