"""The staff walk on the real 鳥取 downloads, in the GUI only: drop the folder on the import wizard
(no manual type change), geocode with the whole Geolonia folder, create option A, compute
coverage, export the map PDF.  Each step is saved as a PNG (``ZAITAKU_SHOTS=DIR`` keeps them).
Slow (≈1–2 min): it runs the real importers on the real files."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("PySide6.QtWebEngineWidgets", exc_type=ImportError)
pytestmark = [pytest.mark.gui, pytest.mark.slow, pytest.mark.realdata]

INTERNAL = re.compile(r"source_id|at_zero|elapsed_s|replaced_existing_layer|matched_by_name|\[\{'|\{'")


def _drop(qtbot: Any, widget: Any, path: Path) -> None:
    """The drop a file manager makes (the same event Qt delivers for a real drag and drop)."""
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    widget.dropEvent(
        QDropEvent(
            QPointF(20, 20),
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
    )


def _painted(qtbot: Any, win: Any, **kw: Any) -> dict[str, Any]:
    box: dict[str, Any] = {}
    win.when_painted(lambda s: box.setdefault("s", s), timeout_ms=30000, **kw)
    qtbot.waitUntil(lambda: "s" in box, timeout=35000)
    return box["s"]


def test_tottori_walk_in_the_gui(window: Any, qtbot: Any, realdata: Path, tmp_path: Path) -> None:
    from zaitaku_map.gui import dialogs
    from zaitaku_map.gui.coverage_view import category_choices, run_coverage
    from zaitaku_map.gui.export_dialog import ExportDialog
    from zaitaku_map.gui.import_wizard import ImportWizard
    from zaitaku_map.gui.option_dialog import NewOptionDialog
    from zaitaku_map.store import create_project

    shots = Path(os.environ.get("ZAITAKU_SHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    window.resize(1500, 940)
    proj = tmp_path / "鳥取.gpkg"
    create_project(proj).close()  # ファイル → 新しいプロジェクト
    with qtbot.waitSignal(window.project_loaded, timeout=30000):
        assert window.open_project(proj)
    _painted(qtbot, window, expect_munis=0)  # the page has laid itself out at the window's size
    window.grab().save(str(shots / "01_空のプロジェクト.png"))

    # 1. the whole folder of downloads, dropped on the wizard
    wiz = ImportWizard(window)
    wiz.resize(1100, 720)
    wiz.show()
    _drop(qtbot, wiz.file_table, realdata)
    qtbot.waitUntil(lambda: len(wiz.detections) >= 27, timeout=60000)
    kinds = {d.path.name: d.kind for d in wiz.chosen()}
    assert kinds["N03-21_31_210101.json"] == "boundaries"
    assert kinds["municipality_to_iryoken2.csv"] == "areas"
    assert kinds["population_iryoken2_2020census.csv"] == "population"
    assert kinds["構想区域別の医療需要推計_R7_001728462.xlsx"] == "projection"
    assert kinds["31_鳥取_届出受理医療機関名簿_2025-10.xlsx"] == "facilities"
    assert kinds["01-1_hospital_facility_info_20250601.zip"] == "facilities"
    assert kinds["西伯郡大山町.json"] == "reference"
    assert kinds["README.md"] is None  # listed, greyed, not imported
    wiz.grab().save(str(shots / "02_取り込み_ファイルの種類.png"))
    wiz.next()
    wiz.grab().save(str(shots / "03_取り込み_順番.png"))
    with qtbot.waitSignal(window.project_loaded, timeout=600000):
        job = wiz.next()  # one progress bar; the map reloads when it is done
    assert job is not None
    report = wiz.report_text.toPlainText()
    wiz.grab().save(str(shots / "04_取り込み_報告.png"))
    assert not dialogs.shown, dialogs.shown
    assert "0,0 の仮座標 8" in report  # 8 of the 39 鳥取 hospitals: replaced by geocoding
    assert "他の一覧に対応なし: 南部町国民健康保険　西伯病院" in report
    assert "町字: " in report and "取り込めなかった" not in report
    assert not INTERNAL.search(report), INTERNAL.search(report)
    assert "--" not in report  # the GUI says where to give a 基準日 in its own words
    wiz.close()
    stats = _painted(
        qtbot, window, expect_munis=19, require_layers=("fac:zaishi_clinic", "fac:zaishi_hospital")
    )
    assert not stats["timed_out"] and stats["munis"] == 19 and stats["facilities"] >= 90
    window.grab().save(str(shots / "05_取り込み後の地図.png"))
    counts = {item.text(0): item.text(1) for item in window.layers.items.values()}
    assert counts["市区町村"] == "19"  # the count column stays in view in the narrow dock

    # 2. geocoding with the whole Geolonia folder (one municipality per file, named by the file)
    from PySide6.QtCore import QObject

    from zaitaku_map.gui.placement import Placement

    placer = window.findChild(QObject, "placement")
    assert isinstance(placer, Placement)
    with qtbot.waitSignal(window.project_loaded, timeout=120000):
        gjob = placer.run_geocode([str(realdata / "towns" / "geolonia_31_鳥取県")])
        assert gjob is not None
    qtbot.waitUntil(lambda: getattr(placer, "summary", None) is not None, timeout=30000)
    placer.summary.grab().save(str(shots / "06_ジオコーディング.png"))
    summary = placer.summary.text.toPlainText()
    assert "住所の位置参照 19 ファイル" in summary and "取り込み済みと同じ内容" in summary
    assert "--" not in summary  # no command-line options in the GUI's words
    # the queue goes through every position the map draws hollow (町字・市区町村の代表点)
    approx = [
        r for r in window.state.facilities if r["geocode_level"] in ("town", "municipality", "unresolved")
    ]
    assert approx and f"施設 {len(approx)} 件を順に配置する" in placer.summary.btn_queue.text()
    assert len(placer.queue()) == len(approx)
    placer.summary.close()
    zaishi = [r for r in window.state.facilities if r["category"] in ("zaishi_clinic", "zaishi_hospital")]
    assert len(zaishi) == 90
    levels = {r["geocode_level"] for r in zaishi}
    assert levels <= {"source", "block", "town", "manual"}, levels  # every 在支診/在支病 at 町字 or better

    # 3. option A, from a dialog that says which templates apply
    dlg = NewOptionDialog(
        window, window.state.project, layers=["二次医療圏"], existing=[], munis=window.state.municipalities
    )
    choices = dlg.choices
    assert choices["area"].available
    assert not choices["designated_city"].available and "政令市" in (choices["designated_city"].reason or "")
    assert choices["proposed"].min_population is not None
    dlg.show()
    dlg.grab().save(str(shots / "07_圏域案の作成.png"))
    values = dlg.values()
    assert values["template"] == "area"
    dlg.close()
    assert window.options_panel.create_option("案A", **{k: v for k, v in values.items() if k != "name"})
    assert window.options_panel.ken_list.count() == 3
    assert window.options_panel.eval_table.rowCount() == 3

    # 4. coverage: only the categories with facilities are offered
    offered = [k for k, _label in category_choices(window.state.facilities)]
    assert "zaishi" in offered and "home_nursing" not in offered
    cjob = run_coverage(window, ["zaishi"], ask=False)
    assert cjob is not None
    with qtbot.waitSignal(cjob.succeeded, timeout=180000):
        pass
    _painted(qtbot, window, require_layers=("gap:zaishi", "band:zaishi"))
    window.map.call("zoomAll")
    qtbot.wait(600)
    window.grab().save(str(shots / "08_到達圏.png"))
    window.dock_options.grab().save(str(shots / "08b_注意.png"))
    window.options_panel.tabs.setCurrentIndex(1)
    window.options_panel.refresh_evaluation()
    table = window.options_panel.eval_table
    headers = [table.horizontalHeaderItem(j).text() for j in range(table.columnCount())]
    assert any(h.startswith("カバー率") for h in headers)
    window.options_panel.show_table_window()
    window.options_panel.table_window.grab().save(str(shots / "09_評価表.png"))
    window.options_panel.table_window.close()

    # 5. the map PDF
    exp = ExportDialog(window)
    exp.kind.setCurrentIndex(exp.kind.findData("map_pdf"))
    assert Path(exp.dest.text()).name == "案A_圏域図.pdf"  # a name a person would give it
    out = tmp_path / "案A_圏域図.pdf"
    exp.dest.setText(str(out))
    exp.show()
    exp.grab().save(str(shots / "10_出力.png"))
    ejob = exp.start()
    with qtbot.waitSignal(ejob.succeeded, timeout=180000):
        pass
    assert out.read_bytes()[:4] == b"%PDF"
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-r", "70", "-png", "-f", "1", "-l", "1", str(out), str(shots / "11_圏域図")],
            check=True,
        )
    window.grab().save(str(shots / "12_最後の画面.png"))
