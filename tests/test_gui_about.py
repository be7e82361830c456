"""Help → 「zaitaku-map について」: version from importlib.metadata, Python/Qt versions, licences, project path."""

from __future__ import annotations

import platform
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("PySide6.QtWebEngineWidgets", exc_type=ImportError)
pytestmark = pytest.mark.gui

from PySide6.QtCore import qVersion  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def help_menu_actions(win: Any) -> dict[str, Any]:
    menus = {a.text(): a.menu() for a in win.menuBar().actions() if a.menu() is not None}
    assert "ヘルプ(&H)" in menus, list(menus)
    return {a.text(): a for a in menus["ヘルプ(&H)"].actions()}


def test_about_dialog_without_project(qtbot: Any, window: Any) -> None:
    act = help_menu_actions(window)["zaitaku-map について"]
    act.trigger()
    dlg = window.about_dialog
    qtbot.waitUntil(dlg.isVisible, timeout=5000)
    assert dlg.windowTitle() == "zaitaku-map について"
    text = dlg.text.toPlainText()
    assert f"zaitaku-map {version('zaitaku-map')}" in text
    assert f"Python {platform.python_version()}" in text
    assert f"Qt {qVersion()}" in text
    assert "プロジェクトファイル: （開いていません）" in text
    assert "IPAフォントライセンス" in text and "Leaflet" in text and "国土数値情報" in text
    dlg.close()


def test_about_dialog_shows_project_path(qtbot: Any, window: Any, synthetic_project: Any) -> None:
    path = Path(synthetic_project.path)
    synthetic_project.close()
    with qtbot.waitSignal(window.project_loaded, timeout=20000):
        assert window.open_project(path)
    window.act_about.trigger()
    qtbot.waitUntil(window.about_dialog.isVisible, timeout=5000)
    assert f"プロジェクトファイル: {path.resolve()}" in window.about_dialog.text.toPlainText()
    window.about_dialog.close()


def test_qt_standard_buttons_speak_japanese(qtbot: Any) -> None:
    from PySide6.QtWidgets import QDialogButtonBox

    from zaitaku_map.gui.app import setup_translations

    assert setup_translations(QApplication.instance())
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel | QDialogButtonBox.StandardButton.Yes)
    qtbot.addWidget(box)
    assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "キャンセル"
