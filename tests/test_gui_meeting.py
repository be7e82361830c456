"""会議モード, walked through with pytest-qt offscreen: enter, switch options by key, move a
municipality by clicking it, undo, save as a new option, add notes, export 「会議メモ」, leave with Esc;
two options side by side with synchronised pan and zoom; type sizes at 1080p."""

from __future__ import annotations

import json
from typing import Any

import pytest
from export_fixtures import OPTION_A, add_options

pytestmark = pytest.mark.gui


@pytest.fixture
def meeting(qtbot, synthetic_project):
    """A meeting window on the synthetic project with options A and B, drawn; torn down safely."""
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    from zaitaku_map.gui.app import setup_fonts
    from zaitaku_map.gui.meeting.window import MeetingWindow

    a, b = add_options(synthetic_project)
    setup_fonts(QApplication.instance())
    win = MeetingWindow(synthetic_project, title="第3回 協議の場")
    win.fit_screen(1280, 720)
    win.show()
    with qtbot.waitSignal(win.ready, timeout=60000):
        pass
    yield win, synthetic_project, a, b
    if win.isVisible():
        win.close()
    win.teardown()
    win.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def js(qtbot: Any, win: Any, code: str) -> Any:
    box: dict[str, Any] = {}
    win.view.eval_js(code, lambda v: box.setdefault("v", v))
    qtbot.waitUntil(lambda: "v" in box, timeout=30000)
    return box["v"]


def state(qtbot: Any, win: Any) -> dict[str, Any]:
    return json.loads(js(qtbot, win, "zmm.state()"))


def click_map(qtbot: Any, win: Any, xy: list[float]) -> None:
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    QTest.mouseClick(
        win.view.focusProxy(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        QPoint(*map(int, xy)),
    )


def drag(qtbot: Any, win: Any, points: list[tuple[float, float]]) -> None:
    """Press at the first point, move through the others with the button held, release at the last
    (mouse moves are sent as events: QTest.mouseMove does not reach Chromium offscreen)."""
    from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    proxy = win.view.focusProxy()
    pts = [QPoint(int(x), int(y)) for x, y in points]
    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    QTest.mousePress(proxy, left, none, pts[0])
    for pt in pts[1:]:
        local = QPointF(pt)
        event = QMouseEvent(
            QEvent.Type.MouseMove, local, QPointF(proxy.mapToGlobal(pt)), Qt.MouseButton.NoButton, left, none
        )
        QApplication.sendEvent(proxy, event)
        qtbot.wait(40)
    QTest.mouseRelease(proxy, left, none, pts[-1])


def test_meeting_walk(meeting, qtbot, tmp_path):
    from pypdf import PdfReader
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from zaitaku_map.export import ExportRequest
    from zaitaku_map.export.pack import export_pack
    from zaitaku_map.options import get_option, list_options
    from zaitaku_map.options.meeting import meeting_events, notes

    win, p, a, b = meeting
    s = win.session
    # the map's colours are the printed ones (export.colors, the same in every export)
    colors = {k["key"]: k["color"] for k in s.document.doc["options"][0]["kens"]}
    assert set(colors) == {k for k, _n, _c in OPTION_A["kens"]}
    assert win.tabs.count() == 2 and s.names == [a, b]
    qtbot.waitUntil(lambda: state(qtbot, win)["optionName"] == a, timeout=10000)
    st = state(qtbot, win)
    assert st["kensDrawn"] == 3 and st["fills"]["99202"] == colors["K2"]
    # the strip: headline numbers of the option shown
    assert win.strip.text_of(0, "K1", "population") == "22,500"
    assert win.strip.text_of(0, "", "zaishi") == "4"

    # ← / → switch options, also when the map has the keyboard focus
    QTest.keyClick(win, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: state(qtbot, win)["optionName"] == b, timeout=10000)
    assert s.current == 1 and win.tabs.currentIndex() == 1
    assert win.strip.blocks[0].option == b
    win.view.focusProxy().setFocus()
    QTest.keyClick(win.view.focusProxy(), Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: state(qtbot, win)["optionName"] == a, timeout=10000)

    # click 西町 (99202, 西部圏域) on the map and move it to 中央圏域 from the menu
    xy = json.loads(js(qtbot, win, "zmm.muniCenter('99202', 'a')"))
    click_map(qtbot, win, xy)
    qtbot.waitUntil(lambda: win.move_menu is not None, timeout=10000)
    menu = win.move_menu
    assert menu is not None
    names = [act.text() for act in menu.actions() if act.text()]
    assert "中央圏域" in names and "西部圏域" not in names  # its own 圏域 is not offered
    target = next(act for act in menu.actions() if act.text() == "中央圏域")
    with qtbot.waitSignal(s.edit_done, timeout=30000):
        target.trigger()
    menu.close()
    working = s.names[s.current]
    assert s.current == 2 and win.tabs.count() == 3 and win.tabs.tabText(2).endswith("＊編集中")
    assert get_option(p, working).assignments["99202"] == "K1"
    assert get_option(p, a).assignments["99202"] == "K2"  # the option itself is untouched

    def colour(key: str) -> str:  # of the option shown (the printed colouring of its own adjacency)
        return next(k["color"] for k in s.document.doc["options"][s.current]["kens"] if k["key"] == key)

    qtbot.waitUntil(lambda: state(qtbot, win)["fills"]["99202"] == colour("K1"), timeout=10000)
    assert {k: colour(k) for k in colors} == colors  # an edit does not recolour the 圏域 on the projector
    assert win.strip.text_of(0, "K1", "population") == "25,000"  # 22,500 + 西町 2,500
    assert win.btn_save.isEnabled() and win.btn_undo.isEnabled()

    # Ctrl+Z undoes it
    with qtbot.waitSignal(s.edit_done, timeout=30000):
        QTest.keyClick(win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: state(qtbot, win)["fills"]["99202"] == colour("K2"), timeout=10000)
    assert win.strip.text_of(0, "K1", "population") == "22,500"

    # move again, then 「この状態を案として保存」
    with qtbot.waitSignal(s.edit_done, timeout=30000):
        s.move("99202", "K1")
    with qtbot.waitSignal(s.edit_done, timeout=30000):
        win.btn_save.click()
    saved = s.names[s.current]
    assert saved == f"{a}（会議 {s.meeting.date}）" and win.tabs.tabText(2) == saved
    assert saved in [o["name"] for o in list_options(p)] and working not in [
        o["name"] for o in list_options(p)
    ]
    assert get_option(p, saved).assignments["99202"] == "K1"
    assert not win.btn_save.isEnabled()

    # a text note: type, then click on the map
    win.btn_text.click()
    assert win.mode == "text" and win.text_input.isVisible()
    win.text_input.setText("南部に訪問看護を")  # committed by the input method (QTest types only Latin-1)
    click_map(qtbot, win, json.loads(js(qtbot, win, "zmm.muniCenter('99206', 'a')")))
    qtbot.waitUntil(lambda: len(notes(p, saved)) == 1, timeout=10000)
    qtbot.waitUntil(lambda: state(qtbot, win)["notes"] == 1, timeout=10000)
    # a pen stroke: press, drag, release
    win.btn_pen.click()
    assert win.mode == "pen"
    start = json.loads(js(qtbot, win, "zmm.muniCenter('99101', 'a')"))
    end = json.loads(js(qtbot, win, "zmm.muniCenter('99205', 'a')"))
    drag(
        qtbot,
        win,
        [(start[0] + (end[0] - start[0]) * k / 8, start[1] + (end[1] - start[1]) * k / 8) for k in range(9)],
    )
    qtbot.waitUntil(lambda: len(notes(p, saved)) == 2, timeout=10000)
    pen = notes(p, saved)[1]
    assert pen.kind == "pen" and len(pen.coords) >= 3
    qtbot.waitUntil(lambda: state(qtbot, win)["notes"] == 2, timeout=10000)
    # the eraser removes the pen stroke
    win.btn_erase.click()
    click_map(
        qtbot, win, json.loads(js(qtbot, win, f"zmm.pixelOf({pen.coords[2][0]}, {pen.coords[2][1]}, 'a')"))
    )
    qtbot.waitUntil(lambda: len(notes(p, saved)) == 1, timeout=10000)
    QTest.keyClick(win, Qt.Key.Key_Escape)  # first Esc leaves the drawing mode, not the meeting
    assert win.mode is None and win.isVisible()

    # the meeting pack of the saved option carries 「会議メモ」: its map with the note, and the record
    out = export_pack(p, ExportRequest(saved, sections=("maps", "meeting_notes")), tmp_path / "会議資料.pdf")
    parts = [d["section"] for d in out.details["parts"]]
    assert parts.count("meeting_notes") == 2  # the map with the notes, then the notes and records
    reader = PdfReader(out.path)
    text = "".join(pg.extract_text() for pg in reader.pages).replace("\n", "")
    assert "会議メモ" in text and "南部に訪問看護を" in text and "第3回 協議の場" in text
    assert "西町 を 西部圏域 から 中央圏域 へ移動" in text.replace("  ", " ")

    # Esc returns to the workbench; the record is closed
    with qtbot.waitSignal(win.closed, timeout=10000):
        QTest.keyClick(win, Qt.Key.Key_Escape)
    kinds = [e.kind for e in meeting_events(p, s.meeting.id)]
    assert kinds[0] == "started" and kinds[-1] == "ended"
    for k in ("option_shown", "edit_started", "moved", "undone", "saved", "note_added", "note_removed"):
        assert k in kinds, k


def test_side_by_side_pan_and_zoom_follow(meeting, qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    win, _p, a, b = meeting
    win.fit_screen(1920, 1080)
    qtbot.waitUntil(lambda: state(qtbot, win)["labelPx"] >= 18, timeout=10000)
    st = state(qtbot, win)
    assert st["labelPx"] >= 18 * 1.2  # 圏域 names larger than the 18 px floor at 1080p
    win.btn_compare.click()
    qtbot.waitUntil(lambda: state(qtbot, win)["compare"] is not None, timeout=10000)
    st = state(qtbot, win)
    assert st["optionName"] == a and st["compare"]["optionName"] == b
    assert st["highlighted"] == st["compare"]["highlighted"] > 0  # municipalities that change 圏域
    assert [blk.option for blk in win.strip.blocks] == [a, b]
    assert ("line", "#d50000", "所属が変わる市区町村") in win.strip.legend

    def close(u: list[float], v: list[float]) -> bool:
        return all(abs(x - y) < 1e-6 for x, y in zip(u, v, strict=True))

    def same_view(st: dict[str, Any]) -> bool:
        """Same zoom, centre and bounds to a pixel (Leaflet keeps its pixel origin whole)."""
        o = st["compare"]
        px = 1.5 * 360 / (256 * 2 ** st["zoom"])  # degrees of longitude in 1.5 pixels
        return st["zoom"] == o["zoom"] and all(
            abs(x - y) < px
            for x, y in zip([*st["center"], *st["bounds"]], [*o["center"], *o["bounds"]], strict=True)
        )

    # drag the left map with the mouse: the right one follows
    before = st["compare"]["bounds"]
    c = json.loads(js(qtbot, win, "zmm.muniCenter('99205', 'a')"))
    drag(qtbot, win, [(c[0] + 25 * k, c[1] + 10 * k) for k in range(7)])
    qtbot.waitUntil(lambda: not close(state(qtbot, win)["compare"]["bounds"], before), timeout=10000)
    st = state(qtbot, win)
    assert same_view(st)
    # pan the right one and zoom it: the left one follows
    left = st["center"]
    js(qtbot, win, "zmm.panBy(-120, 40, 'b')")
    qtbot.waitUntil(lambda: not close(state(qtbot, win)["center"], left), timeout=5000)
    assert same_view(state(qtbot, win))
    z0 = state(qtbot, win)["zoom"]
    js(qtbot, win, "zmm.zoomBy(1, 'b')")
    qtbot.waitUntil(lambda: state(qtbot, win)["zoom"] == z0 + 1, timeout=5000)
    st = state(qtbot, win)
    assert st["compare"]["zoom"] == z0 + 1 and same_view(st)
    # switching the left option keeps the comparison and recomputes the outlines
    QTest.keyClick(win, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: state(qtbot, win)["optionName"] == b, timeout=10000)
    win.btn_compare.click()
    qtbot.waitUntil(lambda: state(qtbot, win)["compare"] is None, timeout=10000)


@pytest.fixture
def workbench(qtbot, synthetic_project, tmp_path):
    """The main window with the synthetic project (options A and B) open; torn down safely."""
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    from zaitaku_map.gui import dialogs
    from zaitaku_map.gui.app import setup_fonts
    from zaitaku_map.gui.mainwindow import MainWindow
    from zaitaku_map.settings import Settings

    add_options(synthetic_project)
    path = synthetic_project.path
    synthetic_project.close()
    dialogs.SHOW_DIALOGS = False
    setup_fonts(QApplication.instance())
    win = MainWindow(Settings(tmp_path / "settings.json"))
    win.resize(1280, 860)
    win.show()
    qtbot.waitUntil(lambda: win.map.is_ready, timeout=20000)
    with qtbot.waitSignal(win.project_loaded, timeout=30000):
        assert win.open_project(path)
    yield win
    dialogs.SHOW_DIALOGS = True
    win.close()
    win.teardown()
    win.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_workbench_enters_and_leaves_meeting_mode(workbench, qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QKeySequence
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from zaitaku_map.gui.meeting.window import MeetingWindow

    state = workbench.state
    names = [OPTION_A["name"], "案B 北と南"]
    state.set_option(names[0])
    act = next(
        a
        for a in workbench.findChildren(type(workbench.menuBar().actions()[0]))
        if a.shortcut() == QKeySequence("F11")
    )
    assert act.isEnabled() and act.text() == "会議モード（全画面）"
    act.trigger()
    win = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MeetingWindow))
    try:
        with qtbot.waitSignal(win.ready, timeout=60000):
            pass
        assert win.isFullScreen() and win.session.names[win.session.current] == names[0]
        QTest.keyClick(win, Qt.Key.Key_Right)
        qtbot.waitUntil(lambda: state.option == names[1], timeout=5000)  # the workbench follows
        # a hypothetical facility kept as a scenario: the workbench shows that scenario
        cov = win.session.document.doc["coverage"][0]
        lat, lon = max(cov["gaps"], key=lambda g: g[2] or 0)[:2]
        win.session.add_site(lat, lon)
        win.save()
        assert state.scenario == win.session.whatif.saved_as == f"会議 {win.session.meeting.date}"
        with qtbot.waitSignal(win.closed, timeout=10000):
            QTest.keyClick(win, Qt.Key.Key_Escape)
        assert state.option == names[1] and not win.isVisible()
    finally:
        if win.isVisible():
            win.close()


def test_comparison_view_labels_legend_and_export(workbench, qtbot, tmp_path):
    from pypdf import PdfReader

    from zaitaku_map.gui.compare import ComparisonView

    cv = ComparisonView(workbench)
    res = cv.compare([OPTION_A["name"], "案B 北と南"])
    assert res is not None and cv.btn_export.isEnabled()
    cv.resize(1200, 780)
    cv.show()
    maps = [cv.maps.itemAt(i).widget() for i in range(cv.maps.count())]
    qtbot.waitUntil(lambda: all(m.labels_drawn for m in maps), timeout=5000)
    assert [m.labels_drawn for m in maps] == [3, 2]  # every 圏域 named on its map
    assert [m.legend_rows for m in maps] == [3, 3]  # its 圏域 (and on B the red frame of the changes)
    assert maps[1].changed == {d["code"] for d in res["unit_differences"] if "案B 北と南" in d["changed_in"]}
    out = tmp_path / "比較"
    job = cv.export_to(out)
    with qtbot.waitSignal(job.succeeded, timeout=120000):
        pass
    pdf = tmp_path / "比較.pdf"
    assert pdf.exists() and len(PdfReader(pdf).pages) >= 2
    assert "比較を出力しました" in cv.note.text()
    cv.close()


def test_what_if_facility_with_undo_and_save(meeting, qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from zaitaku_map.export.mapdraw import GAP_COLOR
    from zaitaku_map.options.meeting import meeting_events
    from zaitaku_map.remedies import list_scenarios

    win, p, _a, _b = meeting
    s = win.session
    cov = s.document.doc["coverage"][0]
    assert cov["key"] == "zaishi" and cov["gaps"]
    before_gaps = len(cov["gaps"])
    # the south (南部圏域, K3) is outside 30 minutes: put a hypothetical 在支診 among its people
    lat, lon = max(cov["gaps"], key=lambda g: g[2] or 0)[:2]
    ken = next(k for k in s.headlines(s.current).kens if k.uncovered_75)
    before = (win.strip.text_of(0, ken.key, "uncovered_75"), win.strip.text_of(0, ken.key, "zaishi"))
    win.btn_whatif.click()
    assert win.mode == "whatif"
    with qtbot.waitSignal(s.whatif_changed, timeout=60000):
        click_map(qtbot, win, json.loads(js(qtbot, win, f"zmm.pixelOf({lat}, {lon}, 'a')")))
    qtbot.waitUntil(lambda: state(qtbot, win)["whatIf"] == 1, timeout=10000)
    st = state(qtbot, win)
    assert st["gaps"]["zaishi"] < before_gaps  # fewer people outside 30 minutes on the map
    heads = {k.key: k for k in s.headlines(s.current).kens}
    after = (win.strip.text_of(0, ken.key, "uncovered_75"), win.strip.text_of(0, ken.key, "zaishi"))
    assert after != before and heads[ken.key].uncovered_75 < ken.uncovered_75
    assert sum(k.zaishi for k in heads.values()) == s.headlines(s.current).total.zaishi
    assert win.btn_save.isEnabled() and win.btn_undo.isEnabled()
    # the legend names the 「仮」 marker; the people outside are black crosses as in the printed maps
    kinds = {row[0]: row for row in win.strip.legend}
    assert kinds["whatif"][2] == "仮の施設（在支診として計算）"
    assert kinds["cross"][1] == GAP_COLOR
    # Ctrl+Z takes it back
    with qtbot.waitSignal(s.whatif_changed, timeout=10000):
        QTest.keyClick(win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: state(qtbot, win)["whatIf"] == 0, timeout=10000)
    assert state(qtbot, win)["gaps"]["zaishi"] == before_gaps
    assert (win.strip.text_of(0, ken.key, "uncovered_75"), win.strip.text_of(0, ken.key, "zaishi")) == before
    # place it again and keep it: the scenario 「会議 <date>」
    with qtbot.waitSignal(s.whatif_changed, timeout=10000):
        s.add_site(lat, lon)
    win.btn_save.click()
    name = f"会議 {s.meeting.date}"
    assert name in [sc.name for sc in list_scenarios(p)]
    kinds = [e.kind for e in meeting_events(p, s.meeting.id)]
    assert kinds.count("whatif_added") == 2 and "undone" in kinds and "whatif_saved" in kinds
