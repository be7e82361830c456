"""The export dialog follows the screen (visible facility layers, coverage) and offers title,
categories, indicator, pack sections and cover; its one-PDF pack has what was ticked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("PySide6.QtWebEngineWidgets", exc_type=ImportError)
pytestmark = pytest.mark.gui


def test_dialog_defaults_from_the_screen_and_pack(
    window: Any, qtbot: Any, synthetic_project: Any, tmp_path: Path
) -> None:
    from pypdf import PdfReader
    from PySide6.QtCore import Qt

    from zaitaku_map import options
    from zaitaku_map.gui.export_dialog import ExportDialog, _checked

    options.create_option(synthetic_project, "二次医療圏案", template="area", layer="二次医療圏")
    path = synthetic_project.path
    synthetic_project.close()
    with qtbot.waitSignal(window.project_loaded, timeout=20000):
        assert window.open_project(path)
    dlg = ExportDialog(window)
    shown = set(window.state.screen().categories)
    ticked = set(_checked(dlg.categories))
    assert ticked == (shown or ticked) and ticked
    # a pack of two sections with a cover, a title and only 在支診 on the maps
    for i in range(dlg.categories.count()):
        it = dlg.categories.item(i)
        keep = it.data(Qt.ItemDataRole.UserRole) == "zaishi_clinic"
        it.setCheckState(Qt.CheckState.Checked if keep else Qt.CheckState.Unchecked)
    for i in range(dlg.sections.count()):
        it = dlg.sections.item(i)
        keep = it.data(Qt.ItemDataRole.UserRole) in ("maps", "lists")
        it.setCheckState(Qt.CheckState.Checked if keep else Qt.CheckState.Unchecked)
    dlg.kind.setCurrentIndex(dlg.kind.findData("pack"))
    dlg.title.setText("在支診の分布")
    dlg.meeting_name.setText("第1回 圏域検討会")
    req = dlg.request()
    assert req is not None and req.categories == ("zaishi_clinic",) and req.sections == ("maps", "lists")
    out = tmp_path / "会議資料.pdf"
    dlg.dest.setText(str(out))
    job = dlg.start()
    with qtbot.waitSignal(job.succeeded, timeout=120000):
        pass
    pages = [pg.extract_text() or "" for pg in PdfReader(out).pages]
    assert "第1回 圏域検討会" in pages[0] and "目次" in pages[1]
    assert (
        "在支診の分布" in pages[2]
        and "在宅療養支援診療所（" in pages[2]
        and "訪問看護ステーション（" not in pages[2]
    )
    dlg.close()


def test_dialog_passes_the_screens_scenario_and_year(window: Any, qtbot: Any, synthetic_project: Any) -> None:
    from PySide6.QtCore import Qt

    from zaitaku_map import options
    from zaitaku_map.export.request import ALL_CATEGORIES
    from zaitaku_map.gui.export_dialog import ExportDialog

    options.create_option(synthetic_project, "二次医療圏案", template="area", layer="二次医療圏")
    path = synthetic_project.path
    synthetic_project.close()
    with qtbot.waitSignal(window.project_loaded, timeout=20000):
        assert window.open_project(path)
    window.state.set_scenario("シナリオ1")
    window.state.set_year(2040)
    dlg = ExportDialog(window)
    assert dlg.scenario.isChecked() and dlg.year.isChecked() and "シナリオ1" in dlg.scenario.text()
    for i in range(dlg.categories.count()):  # every category ticked: all of them, not the maps' default
        dlg.categories.item(i).setCheckState(Qt.CheckState.Checked)
    req = dlg.request()
    assert req is not None and req.scenario == "シナリオ1" and req.year == 2040
    assert req.categories == (ALL_CATEGORIES,) and req.map_category_set is None
    dlg.scenario.setChecked(False)
    dlg.year.setChecked(False)
    req = dlg.request()
    assert req is not None and req.scenario is None and req.year is None
    dlg.close()
    # nothing chosen on the screen: the boxes are hidden and off
    window.state.set_scenario(None)
    window.state.set_year(None)
    dlg = ExportDialog(window)
    assert not dlg.scenario.isChecked() and not dlg.year.isChecked()
    dlg.close()
