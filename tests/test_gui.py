"""GUI tests (pytest-qt, offscreen QtWebEngine).  State is checked from Python models and from JS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("PySide6.QtWebEngineWidgets", exc_type=ImportError)
pytestmark = pytest.mark.gui

from gui_helpers import js  # noqa: E402
from PySide6.QtCore import QCoreApplication, QEvent, QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QMouseEvent  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

XSS = '<img src=x onerror="window.__xss=1">'


@pytest.fixture
def gui_dialogs() -> Any:
    from zaitaku_map.gui import dialogs

    dialogs.SHOW_DIALOGS = False
    dialogs.shown.clear()
    yield dialogs.shown
    dialogs.SHOW_DIALOGS = True


def wait_painted(qtbot: Any, win: Any, expect: int) -> dict[str, Any]:
    box: dict[str, Any] = {}
    win.when_painted(lambda s: box.setdefault("s", s), expect_munis=expect, timeout_ms=20000)
    qtbot.waitUntil(lambda: "s" in box, timeout=25000)
    return box["s"]


@pytest.fixture
def make_window(qtbot: Any, gui_dialogs: Any, tmp_path: Path) -> Any:
    from zaitaku_map.gui.app import setup_fonts
    from zaitaku_map.gui.mainwindow import MainWindow
    from zaitaku_map.settings import Settings

    windows: list[Any] = []

    def make(project_path: Path | None = None, settings: Settings | None = None) -> Any:
        from PySide6.QtWidgets import QApplication

        setup_fonts(QApplication.instance())
        win = MainWindow(settings or Settings(tmp_path / "settings.json"))
        win.resize(1280, 860)
        win.show()
        qtbot.waitUntil(lambda: win.map.is_ready, timeout=20000)
        windows.append(win)
        if project_path is not None:
            with qtbot.waitSignal(win.project_loaded, timeout=20000):
                assert win.open_project(project_path)
        return win

    yield make
    for win in windows:
        win.close()
        win.teardown()
        win.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_open_project_draws_every_municipality(make_window: Any, qtbot: Any, synthetic_project: Any) -> None:
    from zaitaku_map.geodata import load_municipalities

    expected = len(load_municipalities(synthetic_project, display=True))
    path = synthetic_project.path
    win = make_window(path)
    stats = wait_painted(qtbot, win, expected)
    assert not stats["timed_out"]
    assert stats["munis"] == expected == 9
    assert stats["munisDrawn"] == expected
    assert stats["facilities"] == 11
    assert stats["layers"]["area:二次医療圏"]["n"] == 3
    # table shows every facility; nothing was fetched from the network
    assert win.facilities_panel.model.rowCount() == 11
    from zaitaku_map.gui.webmap import interceptor

    assert not [u for u in (interceptor().blocked if interceptor() else []) if u.startswith("http")]


def test_click_on_municipality_assigns_it(make_window: Any, qtbot: Any, synthetic_project: Any) -> None:
    from zaitaku_map import options

    options.create_option(synthetic_project, "案A", template="area", layer="二次医療圏")
    before = options.get_option(synthetic_project, "案A").assignments
    assert before["99206"] != before["99101"]
    win = make_window(synthetic_project.path)
    wait_painted(qtbot, win, 9)
    panel = win.options_panel
    assert panel.name == "案A"
    target_ken = before["99101"]
    for i in range(panel.ken_list.count()):
        if panel.ken_list.item(i).data(Qt.ItemDataRole.UserRole) == target_ken:
            panel.ken_list.setCurrentRow(i)
    assert panel.current_ken() == target_ken
    # representative point of 谷村 (99206, no facility on it) → pixel in the page → a real mouse click on the view
    row = win.muni_gdf.set_index("code").loc["99206"]
    x, y = js(qtbot, win, f"zm.pixelOf({row.rep_lat}, {row.rep_lon})")
    target = win.map.focusProxy() or win.map
    QTest.mouseMove(target, QPoint(int(x), int(y)))
    QTest.mouseClick(
        target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(int(x), int(y))
    )
    qtbot.waitUntil(
        lambda: options.get_option(win.project, "案A").assignments.get("99206") == target_ken, timeout=10000
    )
    qtbot.waitUntil(lambda: "割り当てました" in win.status.text(), timeout=5000)
    assert win.status.text() == "谷村 を「中央」に割り当てました"  # names, not codes
    # the map's fill follows, and undo really restores the previous assignment
    panel.undo()
    assert options.get_option(win.project, "案A").assignments["99206"] == before["99206"]


def test_user_strings_are_escaped_in_the_page(make_window: Any, qtbot: Any, synthetic_project: Any) -> None:
    with synthetic_project.transaction():
        synthetic_project.conn.execute(
            "UPDATE facilities SET name=?, address=? WHERE id=1", (XSS, "<b>bold</b>")
        )
    win = make_window(synthetic_project.path)
    wait_painted(qtbot, win, 9)
    text = js(qtbot, win, "zm.openFacilityTooltip(1)")
    assert XSS in text and "<b>bold</b>" in text  # shown as text, literally
    qtbot.waitUntil(
        lambda: js(qtbot, win, "String(document.querySelectorAll('.leaflet-tooltip').length)") == 1,
        timeout=5000,
    )
    assert js(qtbot, win, "String(document.querySelectorAll('img[src=\"x\"], b').length)") == 0
    assert js(qtbot, win, "String(window.__xss === undefined)") is True


def test_bridge_rejects_malformed_calls(qtbot: Any) -> None:
    from zaitaku_map.gui.webmap import Bridge

    b = Bridge()
    got: list[Any] = []
    b.municipality_clicked.connect(got.append)
    b.facility_moved.connect(lambda *a: got.append(a))
    b.muniClicked("99101'); alert(1); //")
    b.muniClicked("1234")
    b.facilityMoved(1, 91.0, 500.0)
    b.facilityMoved("1", 35.0, 135.0)
    assert got == []
    b.muniClicked("99101")
    b.facilityMoved(3, 35.0, 135.0)
    assert got == ["99101", (3, 135.0, 35.0)]


def test_import_through_the_wizard(
    make_window: Any, qtbot: Any, synthetic_project: Any, tmp_path: Path
) -> None:
    from zaitaku_map.gui.import_wizard import ImportWizard

    csv_path = tmp_path / "訪問看護一覧.csv"
    csv_path.write_text(
        "施設名,住所,緯度,経度\n"
        "北区訪問看護ステーション,テスト県北区1-1,34.25,133.15\n"
        "谷村訪問看護ステーション,テスト県谷村2-2,34.05,133.15\n"
        ",名前のない行,34.1,133.1\n",
        encoding="utf-8",
    )
    win = make_window(synthetic_project.path)
    wiz = ImportWizard(win)
    wiz.show()
    # a drop from the file manager (the same event Qt delivers for a real drag and drop)
    from PySide6.QtCore import QMimeData, QUrl
    from PySide6.QtGui import QDropEvent

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(csv_path))])
    drop = QDropEvent(
        QPointF(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    wiz.file_table.dropEvent(drop)  # detection by content runs in a worker
    qtbot.waitUntil(lambda: len(wiz.detections) == 1, timeout=20000)
    assert [d.path for d in wiz.detections] == [csv_path]
    assert wiz.chosen()[0].kind == "facilities"
    wiz.set_category(0, "home_nursing")
    wiz.next()  # → order and column mapping
    assert wiz.stack.currentIndex() == 1
    assert wiz.preview is not None and wiz.preview["format"] == "table"
    assert wiz.preview_table.columnCount() == 4
    assert wiz.mapping() is not None and wiz.mapping().get("name") == "施設名"
    with qtbot.waitSignal(win.project_loaded, timeout=30000):
        wiz.next()  # → import in a worker; the report appears and the map reloads
    assert wiz.report is not None and wiz.report.results[0].facilities[0].added == 2
    assert "追加 2" in wiz.report_text.toPlainText()
    assert wiz.rejected_table.rowCount() >= 1
    out = wiz.export_rejected(str(tmp_path / "rej.csv"))
    assert out and "理由" in Path(out).read_text(encoding="utf-8-sig")
    assert win.facilities_panel.model.rowCount() == 13
    wiz.close()


def test_coverage_runs_with_progress_and_cancel_stops_it(
    make_window: Any, qtbot: Any, synthetic_project: Any
) -> None:
    from zaitaku_map.errors import Cancelled
    from zaitaku_map.gui.coverage_view import run_coverage

    win = make_window(synthetic_project.path)
    cats = ["zaishi", "home_nursing", "pharmacy", "houkatsu"]
    # 1) press the progress dialog's 中止 at the first report: the job fails with Cancelled, draws nothing
    job = run_coverage(win, cats, ask=False, dialog=True)
    from PySide6.QtWidgets import QPushButton

    job.progressed.connect(lambda *_a: job.dialog.findChild(QPushButton).click())
    with qtbot.waitSignal(job.failed, timeout=30000) as blocker:
        pass
    assert isinstance(blocker.args[0], Cancelled)
    assert "band:zaishi" not in win.layers.items
    # 2) a full run reports progress and shows bands + gaps (谷村・島町 have no facilities)
    seen: list[float] = []
    job = run_coverage(win, cats[:2], ask=False)
    job.progressed.connect(lambda d, t, m: seen.append(d / t))
    with qtbot.waitSignal(job.succeeded, timeout=60000):
        pass
    qtbot.waitUntil(lambda: "gap:zaishi" in win.layers.items, timeout=5000)
    assert seen and max(seen) > 0.5
    stats = js(qtbot, win, "zm.stats()")
    assert stats["layers"]["band:zaishi"]["n"] >= 1
    assert stats["layers"]["gap:zaishi"]["n"] > 0
    # each category its own band colour and gap symbol (black: no facility is), the legend to match
    from zaitaku_map import labels
    from zaitaku_map.gui.coverage_view import COVERAGE_STYLES, GAP_COLOR, coverage_style

    styles = list(COVERAGE_STYLES.values())
    assert len({s.band for s in styles}) == len({(s.shape, s.hollow) for s in styles}) == len(styles)
    assert GAP_COLOR not in {c.color.lower() for c in labels.CATEGORIES.values()}
    rows = js(
        qtbot,
        win,
        "JSON.stringify(Array.from(document.querySelectorAll('.zm-legend .zm-row'))"
        ".filter((r) => r.textContent.includes('到達圏'))"
        ".map((r) => [r.textContent, r.querySelector('.zm-swatch').style.background]))",
    )
    from zaitaku_map.coverage import category_name

    def rgb(hex_color: str) -> str:
        return "rgb(" + ", ".join(str(int(hex_color[i : i + 2], 16)) for i in (1, 3, 5)) + ")"

    assert sorted(rows) == sorted(
        [f"到達圏・カバー外の人口: {category_name(c)}", rgb(coverage_style(c).band)] for c in cats[:2]
    ), rows


def test_window_state_is_restored(
    make_window: Any, qtbot: Any, tmp_path: Path, synthetic_project: Any
) -> None:
    from zaitaku_map.settings import Settings

    path = tmp_path / "state.json"
    win = make_window(synthetic_project.path, Settings(path))
    win.dock_facilities.hide()
    win.dock_layers.setFloating(False)
    win.close()
    saved = Settings(path)
    assert saved.get("gui_state") and saved.get("last_project") == str(Path(synthetic_project.path).resolve())
    win2 = make_window(None, Settings(path))
    assert win2.dock_facilities.isHidden()
    assert not win2.dock_layers.isHidden()


def test_comparison_and_export_dialogs(
    make_window: Any, qtbot: Any, synthetic_project: Any, tmp_path: Path
) -> None:
    from zaitaku_map import options
    from zaitaku_map.gui.compare import ComparisonView
    from zaitaku_map.gui.export_dialog import ExportDialog

    options.create_option(synthetic_project, "二次医療圏案", template="area", layer="二次医療圏")
    options.create_option(synthetic_project, "市町村案", template="municipal")
    win = make_window(synthetic_project.path)
    cv = ComparisonView(win)
    res = cv.compare(["二次医療圏案", "市町村案"])
    assert res is not None and res["n_changed_units"] > 0
    assert cv.table.rowCount() >= 5 and cv.diff.rowCount() == res["n_changed_units"]
    assert cv.maps.count() == 2
    cv.close()
    dlg = ExportDialog(win)
    dlg.kind.setCurrentIndex(dlg.kind.findData("map_pdf"))
    out = tmp_path / "圏域図.pdf"
    dlg.dest.setText(str(out))
    job = dlg.start()
    with qtbot.waitSignal(job.succeeded, timeout=60000):
        pass
    assert out.exists() and out.read_bytes()[:4] == b"%PDF"
    dlg.close()
    dlg = ExportDialog(win)  # the offline HTML map: no suffix typed, one is added
    dlg.kind.setCurrentIndex(dlg.kind.findData("html"))
    dlg.dest.setText(str(tmp_path / "圏域図"))
    job = dlg.start()
    with qtbot.waitSignal(job.succeeded, timeout=60000):
        pass
    page = (tmp_path / "圏域図.html").read_text(encoding="utf-8")
    assert "Leaflet 1.9.4" in page and "二次医療圏案" in page
    dlg.close()


def test_facility_click_and_drag_reach_the_core(make_window: Any, qtbot: Any, synthetic_project: Any) -> None:
    win = make_window(synthetic_project.path)
    wait_painted(qtbot, win, 9)
    # a real click on the marker of facility 6 (南町訪問看護ステーション) selects it in the table
    lat, lon = synthetic_project.conn.execute("SELECT lat, lon FROM facilities WHERE id=6").fetchone()
    x, y = js(qtbot, win, f"zm.pixelOf({lat}, {lon})")
    target = win.map.focusProxy() or win.map
    QTest.mouseMove(target, QPoint(int(x), int(y)))
    QTest.mouseClick(
        target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(int(x), int(y))
    )
    qtbot.waitUntil(lambda: win.facilities_panel.current_id() == 6, timeout=10000)
    assert "南町訪問看護ステーション" in win.facilities_panel.detail_title.text()
    assert "synthetic" in win.facilities_panel.provenance.toPlainText()
    # drag mode: press, move, release on the marker → geocode.set_manual_position
    win.act_drag.setChecked(True)
    assert js(qtbot, win, "String(zm.isDragMode())") is True  # round trip: the mode is on in the page
    x, y = js(qtbot, win, f"zm.pixelOf({lat}, {lon})")  # the panels may have resized the map since
    QTest.mousePress(
        target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(int(x), int(y))
    )
    for step in range(1, 6):  # moves with the left button held (QTest.mouseMove cannot hold a button)
        pos = QPointF(x + 6 * step, y + 4 * step)
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
        target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(int(x) + 30, int(y) + 20)
    )
    qtbot.waitUntil(
        lambda: (
            win.project.conn.execute("SELECT geocode_level FROM facilities WHERE id=6").fetchone()[0]
            == "manual"
        ),
        timeout=10000,
    )
    new_lon, new_lat = win.project.conn.execute("SELECT lon, lat FROM facilities WHERE id=6").fetchone()
    assert new_lon > lon and new_lat < lat


def test_errors_become_japanese_dialogs_and_no_remote_loads(
    make_window: Any, qtbot: Any, tmp_path: Path, gui_dialogs: Any, synthetic_project: Any
) -> None:
    bad = tmp_path / "not_a_project.gpkg"
    bad.write_text("hello", encoding="utf-8")
    win = make_window(synthetic_project.path)
    assert not win.open_project(bad)
    title, text = gui_dialogs[-1]
    assert title == "プロジェクトを開けません"
    assert "zaitaku-map のプロジェクトではありません" in text and "対処" in text
    assert win.project_path == Path(synthetic_project.path).resolve()  # the open project stays open
    # the page cannot fetch anything from the network (tiles, CDNs): the image never loads
    js(
        qtbot,
        win,
        "(function(){ window.__img = 'pending'; const i = new Image();"
        " i.onload = () => { window.__img = 'loaded'; }; i.onerror = () => { window.__img = 'blocked'; };"
        " i.src = 'https://tile.openstreetmap.org/1/1/1.png'; document.body.appendChild(i); return 1; })()",
    )
    qtbot.waitUntil(lambda: js(qtbot, win, "window.__img") != "pending", timeout=10000)
    assert js(qtbot, win, "window.__img") == "blocked"


def test_settings_dialog_saves_coverage_parameters(
    make_window: Any, qtbot: Any, synthetic_project: Any
) -> None:
    from zaitaku_map.gui.settings_dialog import SettingsDialog

    win = make_window(synthetic_project.path)
    dlg = SettingsDialog(win)
    dlg.minutes.setValue(20)
    dlg.bands.setText("10, 20, 40")
    dlg.mode.setCurrentIndex(dlg.mode.findData("straight"))
    dlg.save()
    stored = win.project.setting("coverage_params")
    assert stored["minutes"] == 20 and stored["bands"] == [10.0, 20.0, 40.0] and stored["mode"] == "straight"
    from zaitaku_map.gui.coverage_view import coverage_params

    assert coverage_params(win).minutes == 20
    dlg2 = SettingsDialog(win)
    dlg2.bands.setText("10, -5")
    dlg2.save()  # invalid: an error dialog, nothing stored
    assert win.project.setting("coverage_params")["bands"] == [10.0, 20.0, 40.0]


def test_roles_and_functions_are_edited_through_the_options_api(
    make_window: Any, qtbot: Any, synthetic_project: Any
) -> None:
    from zaitaku_map import options

    options.create_option(synthetic_project, "案A", template="area", layer="二次医療圏")
    win = make_window(synthetic_project.path)
    panel = win.facilities_panel
    assert panel.select_facility(1)
    panel.cb_active.click()  # 積極的役割 on
    assert synthetic_project.conn.execute("SELECT active_role FROM facilities WHERE id=1").fetchone()[0] == 1
    panel.select_facility(1)
    assert not panel.cb_funcs[1].isChecked()
    panel.cb_funcs[1].click()  # ①退院支援 on
    assert 1 in options.facility_functions(synthetic_project)[1]
    panel.select_facility(1)
    panel.btn_hub.click()  # 連携拠点 of its 圏域 in the current option
    hubs = options.get_option(synthetic_project, "案A").hubs
    assert [h["facility_id"] for h in hubs] == [1]
    panel.f_role.setCurrentIndex(panel.f_role.findData("hub"))
    assert panel.proxy.rowCount() == 1
    # the evaluation no longer warns that 中央 lacks an active-role facility or a hub
    tree = win.options_panel.warnings
    groups = {tree.topLevelItem(i).text(0): tree.topLevelItem(i) for i in range(tree.topLevelItemCount())}
    chuo = [g for name, g in groups.items() if name.startswith("中央")]
    texts = [g.child(j).text(0) for g in chuo for j in range(g.childCount())]
    assert not any("積極的役割" in t or "拠点" in t for t in texts), texts
    assert any(name.startswith(("北部", "南部", "西部")) for name in groups)  # the other 圏域 still warn


def test_facility_filters_and_search(make_window: Any, synthetic_project: Any) -> None:
    win = make_window(synthetic_project.path)
    panel = win.facilities_panel
    panel.f_category.setCurrentIndex(panel.f_category.findData("zaishi_clinic"))
    assert panel.proxy.rowCount() == 3
    panel.f_area.setCurrentIndex(panel.f_area.findData("西部"))
    assert panel.proxy.rowCount() == 1
    panel.f_category.setCurrentIndex(0)
    panel.f_area.setCurrentIndex(0)
    panel.search.setText("訪問看護 中央")
    assert panel.proxy.rowCount() == 1
    panel.search.setText("テスト県99201")  # address search
    assert panel.proxy.rowCount() == 3


def test_unplaced_facility_is_placed_by_a_click(make_window: Any, qtbot: Any, synthetic_project: Any) -> None:
    with synthetic_project.transaction():
        synthetic_project.conn.execute(
            "UPDATE facilities SET lon=NULL, lat=NULL, geom=NULL, geocode_level='unresolved' WHERE id=10"
        )
    win = make_window(synthetic_project.path)
    wait_painted(qtbot, win, 9)
    assert js(qtbot, win, "zm.stats()")["facilities"] == 10  # nothing drawn for the unplaced one
    panel = win.facilities_panel
    assert panel.select_facility(10)
    panel.btn_place.click()
    row = win.muni_gdf.set_index("code").loc["99207"]
    lat, lon = row.rep_lat + 0.01, row.rep_lon + 0.01
    x, y = js(qtbot, win, f"zm.pixelOf({lat}, {lon})")
    target = win.map.focusProxy() or win.map
    QTest.mouseMove(target, QPoint(int(x), int(y)))
    QTest.mouseClick(
        target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(int(x), int(y))
    )
    qtbot.waitUntil(
        lambda: (
            win.project.conn.execute("SELECT geocode_level FROM facilities WHERE id=10").fetchone()[0]
            == "manual"
        ),
        timeout=10000,
    )
    got_lon, got_lat = win.project.conn.execute("SELECT lon, lat FROM facilities WHERE id=10").fetchone()
    assert abs(got_lon - lon) < 0.005 and abs(got_lat - lat) < 0.005
    qtbot.waitUntil(lambda: js(qtbot, win, "zm.stats()")["facilities"] == 11, timeout=5000)


def test_layers_panel_drives_visibility_and_opacity(
    make_window: Any, qtbot: Any, synthetic_project: Any
) -> None:
    win = make_window(synthetic_project.path)
    wait_painted(qtbot, win, 9)
    assert js(qtbot, win, "zm.stats()")["layers"]["fac:zaishi_clinic"]["shown"] is True
    # facilities 4 (在支病) and 11 (病院, hidden by default) share one point: numbered when both are shown
    assert js(qtbot, win, "zm.stackCount()") == 0
    win.layers.set_visible("fac:hospital", True)
    qtbot.waitUntil(lambda: js(qtbot, win, "zm.stackCount()") == 1, timeout=5000)
    win.layers.set_visible("fac:hospital", False)
    qtbot.waitUntil(lambda: js(qtbot, win, "zm.stackCount()") == 0, timeout=5000)
    win.layers.set_visible("fac:zaishi_clinic", False)  # the check box
    qtbot.waitUntil(
        lambda: js(qtbot, win, "zm.stats()")["layers"]["fac:zaishi_clinic"]["shown"] is False, timeout=5000
    )
    assert "fac:zaishi_clinic" in win.settings.get("hidden_layers")  # remembered for next time
    win.layers.tree.setCurrentItem(win.layers.items["munis"])
    win.layers.opacity.setValue(40)
    qtbot.waitUntil(
        lambda: abs(js(qtbot, win, "zm.muniStyleOf('99101')")["fillOpacity"] - 0.4) < 1e-6, timeout=5000
    )
