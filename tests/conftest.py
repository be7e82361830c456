"""Test configuration shared by every layer.

Qt/WebEngine environment must be set before any Qt import (see platform notes): offscreen
platform, Chromium sandbox off (we run as root in CI).  With ``ZAITAKU_BLOCK_QT=1`` every import
of PySide6 fails, proving the core runs without Qt; GUI tests then skip themselves.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")
os.environ.setdefault("MPLBACKEND", "Agg")

BLOCK_QT = os.environ.get("ZAITAKU_BLOCK_QT") == "1"


class _BlockQt(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):  # type: ignore[no-untyped-def]
        if fullname.split(".")[0] in {"PySide6", "shiboken6", "pytestqt"}:
            raise ImportError(f"{fullname} is blocked (ZAITAKU_BLOCK_QT=1)")
        return None


if BLOCK_QT:
    sys.meta_path.insert(0, _BlockQt())
else:
    # QtWebEngine must be imported before the QApplication exists
    with contextlib.suppress(ImportError):
        import PySide6.QtWebEngineWidgets  # noqa: F401


REPO = Path(__file__).resolve().parents[1]
REALDATA = Path(os.environ.get("ZAITAKU_REALDATA", REPO.parent / "shared" / "realdata"))


@pytest.fixture(scope="session")
def realdata() -> Path:
    """Folder of real official samples; skips the test when absent."""
    if not REALDATA.is_dir():
        pytest.skip(f"real data folder not found: {REALDATA}")
    return REALDATA


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings and logs of tests never touch the real user's folders."""
    base = tmp_path_factory.getbasetemp()
    monkeypatch.setenv("ZAITAKU_MAP_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("ZAITAKU_MAP_LOG_DIR", str(base / "logs"))


@pytest.fixture
def project(tmp_path: Path):
    """A fresh empty project."""
    from zaitaku_map.store import create_project

    p = create_project(tmp_path / "test.gpkg")
    yield p
    p.close()


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Refill the reserve of None/True/False references PySide6 6.12 over-releases on Python 3.11
    (zaitaku_map.gui.refguard); without it the GUI tests abort after a few thousand Qt calls."""
    if "PySide6" in sys.modules:
        from zaitaku_map.gui.refguard import top_up

        top_up()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not BLOCK_QT:
        return
    skip = pytest.mark.skip(reason="PySide6 blocked (ZAITAKU_BLOCK_QT=1)")
    for item in items:
        if "gui" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def synthetic_project(tmp_path: Path):
    """The small synthetic project of ``tests/synthetic.py`` (9 municipalities, 11 facilities)."""
    from synthetic import build_synthetic_project

    p = build_synthetic_project(tmp_path / "synthetic.gpkg")
    yield p
    p.close()


@pytest.fixture
def window(qtbot, tmp_path: Path):
    """A main window (no project) with dialogs recorded instead of shown; torn down safely
    (web page first: the QtWebEngine exit segfault of the platform notes)."""
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    from zaitaku_map.gui import dialogs
    from zaitaku_map.gui.app import setup_fonts, setup_translations
    from zaitaku_map.gui.mainwindow import MainWindow
    from zaitaku_map.settings import Settings

    dialogs.SHOW_DIALOGS = False
    dialogs.shown.clear()
    setup_fonts(QApplication.instance())
    setup_translations(QApplication.instance())  # Qt's standard buttons in Japanese, as the app has them
    win = MainWindow(Settings(tmp_path / "settings.json"))
    win.resize(1280, 860)
    win.show()
    qtbot.waitUntil(lambda: win.map.is_ready, timeout=20000)
    yield win
    dialogs.SHOW_DIALOGS = True
    win.close()
    win.teardown()
    win.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
