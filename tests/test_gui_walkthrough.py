"""The README walk-through, through the GUI: empty project → import the demo files (one drop of the
folder) → 圏域 option → PDF map.  Slow (≈30 s): it runs the real importers on the demo files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("PySide6.QtWebEngineWidgets", exc_type=ImportError)
pytestmark = [pytest.mark.gui, pytest.mark.slow]


def test_from_empty_project_to_pdf_with_the_demo_files(window: Any, qtbot: Any, tmp_path: Path) -> None:
    from zaitaku_map.demo import generate_files
    from zaitaku_map.gui import dialogs
    from zaitaku_map.gui.export_dialog import ExportDialog
    from zaitaku_map.gui.import_wizard import ImportWizard
    from zaitaku_map.store import create_project

    demo_dir = tmp_path / "demo"
    generate_files(demo_dir)
    proj = tmp_path / "新しいプロジェクト.gpkg"
    create_project(proj).close()  # what ファイル → 新しいプロジェクト does before opening it
    with qtbot.waitSignal(window.project_loaded, timeout=20000):
        assert window.open_project(proj)
    assert window.muni_gdf is not None and len(window.muni_gdf) == 0

    wiz = ImportWizard(window)
    wiz.show()
    wiz.add_paths([str(demo_dir)])  # the whole folder, as a drop would give it
    qtbot.waitUntil(lambda: len(wiz.detections) > 20, timeout=60000)
    kinds = {d.path.name: d.kind for d in wiz.chosen()}
    assert kinds["99_2024.csv"] == "reference"
    assert {"boundaries", "areas", "population", "facilities", "roads", "projection"} <= set(kinds.values())
    wiz.set_kind(wiz.row_of("demo-latest.osm.pbf"), None)  # no roads here (slow): straight-line coverage
    wiz.next()
    plan = wiz.plan_text.toPlainText()
    assert plan.index("行政区域") < plan.index("圏域の表") < plan.index("人口") < plan.index("施設の一覧")
    assert "N03-21_99_210101_shp.zip" in plan  # the same N03 in another format: left out, said so
    with qtbot.waitSignal(window.project_loaded, timeout=240000):
        wiz.next()
    assert not dialogs.shown, dialogs.shown
    report = wiz.report_text.toPlainText()
    assert "追加" in report and "取り込めなかった" not in report, report
    wiz.close()
    assert len(window.muni_gdf) > 10
    assert window.facilities_panel.model.rowCount() > 500
    assert window.project.study_prefectures == ["99"]  # set from the boundaries, before the national files

    assert window.options_panel.create_option("案A", template="area", layer="二次医療圏")
    assert window.options_panel.ken_list.count() >= 3

    dlg = ExportDialog(window)
    dlg.kind.setCurrentIndex(dlg.kind.findData("map_pdf"))
    out = tmp_path / "案A_圏域図.pdf"
    dlg.dest.setText(str(out))
    job = dlg.start()
    with qtbot.waitSignal(job.succeeded, timeout=120000):
        pass
    assert out.read_bytes()[:4] == b"%PDF"
    from pypdf import PdfReader

    text = PdfReader(str(out)).pages[0].extract_text()
    assert "案A" in text
