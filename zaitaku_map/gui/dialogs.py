"""Small shared dialogs: the Japanese error dialog with copyable details."""

from __future__ import annotations

import traceback

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from zaitaku_map.errors import Cancelled
from zaitaku_map.messages import format_error, to_japanese

# Tests replace this to collect dialogs instead of blocking on exec().
SHOW_DIALOGS = True
shown: list[tuple[str, str]] = []


def error_box(
    parent: QWidget | None, err: BaseException, details: str = "", *, title: str = "エラー"
) -> QMessageBox:
    """Build the dialog: what happened / where / what to do, plus details to copy."""
    what, where, todo = to_japanese(err)
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Information if isinstance(err, Cancelled) else QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)  # messages quote file names and cell values
    box.setText(what)
    info = (f"場所: {where}\n" if where else "") + f"対処: {todo}"
    box.setInformativeText(info)
    full = format_error(err) + "\n\n" + (details or "".join(traceback.format_exception(err)))
    box.setDetailedText(full)
    copy = box.addButton("詳細をコピー", QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Ok)
    copy.clicked.disconnect()
    copy.clicked.connect(lambda: QApplication.clipboard().setText(full))
    return box


def show_error(
    parent: QWidget | None, err: BaseException, details: str = "", *, title: str = "エラー"
) -> None:
    shown.append((title, format_error(err)))
    if not SHOW_DIALOGS:
        return
    box = error_box(parent, err, details, title=title)
    box.open()


def info(parent: QWidget | None, title: str, text: str) -> None:
    shown.append((title, text))
    if not SHOW_DIALOGS:
        return
    box = QMessageBox(QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.open()
