"""Bad inputs dropped on the import wizard (a downloads folder with a zip bomb, a corrupt zip, broken
boundaries, two versions of one mesh and a population table with non-counts): every file is listed
with what it is or why it is not imported, the good ones import, and nothing ends in 「予期しないエラー」."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import badinput_corpus as corpus
import pytest
from geodata_fixtures import write_n03_geojson

pytest.importorskip("PySide6.QtWidgets", exc_type=ImportError)
pytestmark = pytest.mark.gui


class _Signal:
    def connect(self, _fn: Any) -> None:
        pass


class _RunNow:
    """The workbench's job runner, run in the calling thread (detection and import alike)."""

    def __init__(self, project: Any) -> None:
        self.project = project

    def run(self, _title: str, job: Any, **kw: Any) -> Any:
        from zaitaku_map.progress import Progress

        project = self.project if kw.get("project_path") is not None else None
        kw["on_success"](job(project, progress=Progress.of(None), cancel=None))
        return type(
            "J", (), {"progressed": _Signal(), "cancel": lambda self: None, "isRunning": lambda self: False}
        )()


def test_a_folder_of_bad_downloads_in_the_wizard(qtbot: Any, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QWidget

    from zaitaku_map.cli import main
    from zaitaku_map.gui.import_wizard import COL_DETAIL, COL_FILE, ImportWizard
    from zaitaku_map.gui.state import AppState
    from zaitaku_map.settings import Settings
    from zaitaku_map.store import open_project

    path = tmp_path / "p.gpkg"
    assert main(["init", str(path), "-q"]) == 0
    assert main(["boundaries", str(path), str(write_n03_geojson(tmp_path / "n03.geojson")), "-q"]) == 0
    folder = tmp_path / "downloads"
    folder.mkdir()
    for build in (
        corpus.zip_bomb,
        corpus.n03_zip_bomb,
        corpus.zip_corrupt_member,
        corpus.n03_swapped,
        corpus.muni_population_hostile,
        corpus.mesh_empty_codes,
        corpus.mesh_other_version,
        corpus.random_bytes,
    ):
        build(folder)
    project = open_project(path)
    before = project.conn.execute("SELECT code, geom FROM municipalities ORDER BY code").fetchall()
    parent = QWidget()
    qtbot.addWidget(parent)
    state = AppState(Settings(tmp_path / "settings.json"))
    state.set_project(project, project.path)

    class Bench:  # the parts of the Workbench the wizard uses
        def __init__(self) -> None:
            self.state = state
            self.jobs = _RunNow(project)

        def dialog_parent(self) -> QWidget:
            return parent

    wiz = ImportWizard(Bench())  # type: ignore[arg-type]
    wiz.add_paths([str(folder)])
    rows = {
        wiz.file_table.item(r, COL_FILE).text(): wiz.file_table.item(r, COL_DETAIL)
        for r in range(wiz.file_table.rowCount())
    }
    assert len(rows) == 8
    bomb = rows["jigyosho_130_bomb.zip"]
    assert bomb.text().startswith("大きすぎるか圧縮率が異常") and "limits.zip_ratio" in bomb.toolTip()
    assert rows["N03-20250101_99_GML.zip"].text().startswith("大きすぎるか圧縮率が異常")
    assert "ダウンロードし直して" in rows["01-1_hospital_facility_info_20250601.zip"].toolTip()
    wiz.do_geocode.setChecked(False)
    wiz.start_import()
    text = wiz.report_text.toPlainText()
    assert "予期しない" not in text
    assert "市区町村別人口を取り込みました: 3 市区町村" in text and "除外した行: 6 行" in text
    assert "緯度と経度が逆になっています" in text and "同じメッシュが2つのファイルに違う値" in text
    assert "取り込まなかったファイル: 4 件" in text
    after = project.conn.execute("SELECT code, geom FROM municipalities ORDER BY code").fetchall()
    assert after == before and project.conn.execute("SELECT count(*) FROM demand_points").fetchone() == (0,)
    state.close_project()
    shutil.rmtree(folder)


HOSTILE = '<img src="/etc/hostname" onerror=alert(1)>案'


@pytest.mark.parametrize(
    "kind", ["csv", "xlsx", "list_pdf", "pack", "map_pdf", "html", "gpkg", "comparison_pdf", "atlas_pdf"]
)
def test_every_export_of_the_dialog_before_geocoding(
    window: Any, qtbot: Any, synthetic_project: Any, tmp_path: Path, kind: str
) -> None:
    """Right after importing a 名簿 no facility has a position; an option named with markup and a
    broken stored colour: every kind of the export dialog writes its file (no error dialog)."""
    from export_fixtures import add_options

    from zaitaku_map.gui import dialogs
    from zaitaku_map.gui.export_dialog import ExportDialog

    p = synthetic_project
    a, b = add_options(p)
    with p.transaction():
        p.conn.execute("UPDATE options SET name=? WHERE name=?", (HOSTILE, a))
        p.conn.execute("UPDATE option_kens SET name=?, color='not-a-colour' WHERE ken_key='K1'", (HOSTILE,))
        p.conn.execute("UPDATE facilities SET lon=NULL, lat=NULL, geom=NULL, geocode_level=NULL")
        p.conn.execute("UPDATE facilities SET muni_code=NULL WHERE id % 2 = 0")
    path = p.path
    p.close()
    with qtbot.waitSignal(window.project_loaded, timeout=20000):
        assert window.open_project(path)
    dlg = ExportDialog(window)
    dlg.kind.setCurrentIndex(dlg.kind.findData(kind))
    for i in range(dlg.options.count()):
        it = dlg.options.item(i)
        it.setSelected(it.text() == HOSTILE or (kind == "comparison_pdf" and it.text() == b))
    assert dlg.selected()[0] == HOSTILE
    dest = tmp_path / "out" / f"export{Path(dlg.dest.text()).suffix}"
    dest.parent.mkdir()
    dlg.dest.setText(str(dest))
    job = dlg.start()
    ended: list[str] = []
    job.succeeded.connect(lambda *_a: ended.append("ok"))
    job.failed.connect(lambda *_a: ended.append("failed"))
    qtbot.waitUntil(lambda: bool(ended), timeout=180000)
    assert ended == ["ok"], dialogs.shown
    assert dest.is_file() and dest.stat().st_size > 0
    assert not list(dest.parent.glob("*.part*"))
    dlg.close()


def test_opening_a_project_another_process_writes(
    window: Any, qtbot: Any, synthetic_project: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    """The window says that it waits, then 「他の処理がこのプロジェクトを使用中です」 (not 'not a
    zaitaku-map project'); once the other process is done the project opens."""
    import json
    import subprocess
    import sys

    from zaitaku_map.gui import dialogs

    path = synthetic_project.path
    synthetic_project.close()
    monkeypatch.setenv("ZAITAKU_MAP_LIMITS", json.dumps({"lock_wait_s": 2}))
    code = (
        "import sqlite3, sys, time\n"
        "c = sqlite3.connect(sys.argv[1]); c.isolation_level = None\n"
        "c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); time.sleep(30)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, text=True)
    seen: list[str] = []
    window.status.setText("")
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        orig = window.status.setText
        monkeypatch.setattr(window.status, "setText", lambda t: (seen.append(t), orig(t)))
        assert window.open_project(path) is False
    finally:
        holder.kill()
        holder.wait()
    assert any("他の処理がこのプロジェクトを使用中です" in t and "秒待っています" in t for t in seen), seen
    title, text = dialogs.shown[-1]
    assert title == "プロジェクトを開けません" and "他の処理がこのプロジェクトを使用中です" in text
    assert "プロジェクトではありません" not in text
    with qtbot.waitSignal(window.project_loaded, timeout=20000):
        assert window.open_project(path)
