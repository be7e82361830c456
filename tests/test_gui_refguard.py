"""PySide6 6.12 on Python 3.11 releases one reference of None/True/False too many per call from Qt
into Python; zaitaku_map.gui.refguard keeps a reserve so a long session (and the interpreter's exit)
does not abort with ``none_dealloc`` / ``bool_dealloc``."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("PySide6.QtWidgets", exc_type=ImportError)
pytestmark = pytest.mark.gui

SCRIPT = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QObject, Signal
    from PySide6.QtWidgets import QApplication, QPushButton
    from zaitaku_map.gui.app import create_app

    app = create_app(["t"])  # installs the guard as the application does
    btn = QPushButton()
    btn.clicked.connect(lambda: None)
    class O(QObject):
        s = Signal(int)
    o = O()
    o.s.connect(lambda v: None)
    for _ in range(30000):
        btn.click()
        o.s.emit(1)
    print("survived")
    """
)


def test_thirty_thousand_qt_calls_and_a_clean_exit() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QTWEBENGINE_DISABLE_SANDBOX="1")
    res = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == 0 and "survived" in res.stdout, res.stderr[-2000:]


def test_top_up_only_when_needed() -> None:
    from zaitaku_map.gui import refguard

    refguard.top_up()
    assert refguard.top_up() == 0  # a full reserve is left alone
    if refguard.NEEDED:
        assert min(sys.getrefcount(o) for o in (None, True, False)) >= refguard.LOW_WATER
