"""「zaitaku-map について」: version (from the installed metadata), Python/Qt versions, data licences, paths."""

from __future__ import annotations

import platform
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from zaitaku_map import __version__, labels

SOFTWARE_LICENCES = [
    "地図表示: Leaflet 1.9.4（BSD 2-Clause License）",
    "日本語フォント: IPAexゴシック（IPAフォントライセンス v1.0、matplotlib-fontja 同梱）",
    "Qt / PySide6（LGPL v3）、GDAL・PROJ（MIT/X）、ほか Python ライブラリは各ライセンスに従います",
]
DATA_NOTES = [
    "地図・表の出典は取り込んだデータごとに画面右下と出力 PDF に表示されます。",
    "公開データの出典表記（使うときは各利用規約に従ってください）:",
    *(
        f"  ・{labels.ATTRIBUTION[k]}"
        for k in ("n03", "a38", "iryojoho", "kaigo", "kouseikyoku", "estat", "isj")
    ),
    f"  ・{labels.ATTRIBUTION['osm']}（ODbL）",
    "デモ県のデータは架空で、実在の地域・施設とは関係ありません。",
]


def qt_versions() -> tuple[str, str]:
    """(Qt runtime version, PySide6 version)."""
    import PySide6
    from PySide6.QtCore import qVersion

    return qVersion(), PySide6.__version__


def about_text(project_path: str | Path | None = None) -> str:
    """Plain text of the dialog (also what the copy button puts on the clipboard)."""
    from zaitaku_map.settings import config_dir, log_dir

    qt, pyside = qt_versions()
    frozen = "（配布版）" if getattr(sys, "frozen", False) else ""
    lines = [
        f"zaitaku-map {__version__}{frozen}",
        "在宅医療の圏域づくりを支援するオフラインのデスクトップ GIS",
        "",
        f"Python {platform.python_version()} / Qt {qt} / PySide6 {pyside}",
        f"OS: {platform.platform()}",
        "",
        f"プロジェクトファイル: {project_path if project_path else '（開いていません）'}",
        f"設定フォルダー: {config_dir()}",
        f"ログフォルダー: {log_dir()}",
        "",
        "ソフトウェア:",
        *(f"  ・{s}" for s in SOFTWARE_LICENCES),
        "",
        "データ:",
        *DATA_NOTES,
    ]
    return "\n".join(lines)


class AboutDialog(QDialog):
    """Read-only, copyable text (support asks for the version and the paths)."""

    def __init__(self, parent: QWidget | None = None, project_path: str | Path | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("about_dialog")
        self.setWindowTitle("zaitaku-map について")
        self.resize(640, 520)
        lay = QVBoxLayout(self)
        title = QLabel(f"zaitaku-map {__version__}")
        title.setTextFormat(Qt.TextFormat.PlainText)
        f = title.font()
        f.setPointSizeF(f.pointSizeF() * 1.4)
        f.setBold(True)
        title.setFont(f)
        lay.addWidget(title)
        self.text = QPlainTextEdit(about_text(project_path))
        self.text.setReadOnly(True)
        lay.addWidget(self.text, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("閉じる")
        copy = buttons.addButton("コピー", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda: QApplication.clipboard().setText(self.text.toPlainText()))
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
