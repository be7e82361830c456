"""Entering meeting mode: from the workbench (menu, toolbar, F11) or from the command line,
``zaitaku-map gui PROJECT --meeting [--option NAME] [--size 1280x720] [--compare] --screenshot PNG``."""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zaitaku_map.errors import InputDataError

if TYPE_CHECKING:
    from zaitaku_map.gui.meeting.window import MeetingWindow
    from zaitaku_map.gui.workbench import Workbench

log = logging.getLogger("zaitaku_map.gui.meeting")

SIZE_RE = re.compile(r"^\s*(\d{3,5})\s*[x×*]\s*(\d{3,5})\s*$")


def parse_size(text: str) -> tuple[int, int]:
    """``"1280x720"`` → (1280, 720).

    Raises
    ------
    InputDataError
        For anything else.
    """
    m = SIZE_RE.match(text or "")
    if not m:
        raise InputDataError("screen size is not WIDTHxHEIGHT", value=text, expected="1280x720, 1920x1080 …")
    w, h = int(m.group(1)), int(m.group(2))
    if not (640 <= w <= 7680 and 480 <= h <= 4320):
        raise InputDataError("screen size out of range", value=text, expected="640x480 … 7680x4320")
    return w, h


def when_painted(win: Any, done: Any, *, timeout_ms: int = 20000) -> None:
    """Call ``done(ok)`` once the meeting map has finished painting after the window became ready."""
    from PySide6.QtCore import QElapsedTimer, QTimer

    clock = QElapsedTimer()
    state = {"start": -1}

    def poll() -> None:
        if state["start"] < 0 and win.is_ready:
            state["start"] = win.view.paints
        if state["start"] >= 0 and win.view.paints > state["start"]:
            QTimer.singleShot(400, lambda: done(True))  # one more frame or so for the Qt side
            return
        if clock.elapsed() > timeout_ms:
            done(False)
            return
        QTimer.singleShot(100, poll)

    clock.start()
    poll()


def run_meeting(
    project_path: str | Path,
    *,
    option: str | None = None,
    size: tuple[int, int] | None = None,
    screenshot: str | Path | None = None,
    compare: bool = False,
) -> int:
    """Run meeting mode on a project; with ``screenshot`` save the window as PNG once drawn and quit.

    Returns 0, 2 when the project file does not exist, 1 when the map did not finish drawing.
    """
    from zaitaku_map.gui.app import create_app, prepare_environment, teardown_window

    path = Path(project_path)
    if not path.exists():
        return 2
    prepare_environment(headless=screenshot is not None)
    app = create_app(sys.argv[:1])
    from zaitaku_map.gui.meeting.window import MeetingWindow
    from zaitaku_map.store import open_project

    project = open_project(path)
    result = {"code": 0}
    try:
        win = MeetingWindow(project, option=option)
        if screenshot is not None or size is not None:
            w, h = size or (1920, 1080)
            win.fit_screen(w, h)
            win.show()
        else:
            win.show_full_screen()
        if screenshot is not None:
            out = Path(screenshot)

            def shoot(ok: bool) -> None:
                if ok and win.grab().save(str(out)):
                    print(f"screenshot saved: {out} ({win.width()}x{win.height()})")
                else:
                    print("screenshot: the meeting map did not finish drawing", file=sys.stderr)
                    result["code"] = 1
                app.quit()

            def start() -> None:
                if compare:
                    win.session.start_compare()
                when_painted(win, shoot)

            win.ready.connect(start)
        else:
            win.closed.connect(app.quit)
        app.exec()
        teardown_window(win)
    finally:
        project.close()
    return result["code"]


def open_meeting(wb: Workbench) -> MeetingWindow | None:
    """Enter meeting mode from the workbench: full screen over it, following and moving its option
    and year; Esc returns to it."""
    from zaitaku_map.gui.meeting.window import MeetingWindow

    state = wb.state
    project = state.project
    if project is None:
        return None
    win = MeetingWindow(project, option=state.option, year=state.year, state=state)
    parent = wb.dialog_parent()

    def back() -> None:
        parent.activateWindow()
        state.notify_changed("options")  # saved options, working copies
        win.teardown()
        win.deleteLater()

    win.closed.connect(back)
    win.show_full_screen()
    return win


def install(wb: Workbench) -> None:
    """The 会議モード entry of the workbench: 表示 menu, toolbar, F11."""
    from PySide6.QtGui import QAction, QKeySequence

    from zaitaku_map.labels import MEETING_UI

    act = QAction(MEETING_UI["enter"], wb.dialog_parent())
    act.setShortcut(QKeySequence("F11"))
    act.setStatusTip(MEETING_UI["enter_tip"])
    act.setToolTip(MEETING_UI["enter_tip"])
    act.triggered.connect(lambda _checked=False: open_meeting(wb))
    wb.add_action(act, menu="view", toolbar=True)
