"""The start page over the map: what to do first.

Without a project: 新しいプロジェクト / プロジェクトを開く and the recent projects.  With a project
that holds no boundaries yet: データの取り込み (a whole folder of downloads at once).  It hides as
soon as the project shows something on the map.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from zaitaku_map.gui.state import AppState


class StartPage(QFrame):
    """A card centred over the map (the map keeps loading underneath)."""

    def __init__(
        self,
        state: AppState,
        *,
        new_project: Callable[[], None],
        open_project: Callable[[], None],
        open_path: Callable[[str], object],
        import_data: Callable[[], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.state = state
        self.setObjectName("startPage")
        self.setStyleSheet(
            "#startPage { background: rgba(255, 255, 255, 0.96); border: 1px solid #9aa5b1; border-radius: 10px; }"
            "#startPage QPushButton { padding: 10px 18px; font-size: 15px; }"
        )
        self.setMaximumWidth(640)
        self.title = QLabel("zaitaku-map — 在宅医療の圏域づくり")
        f = self.title.font()
        f.setPointSizeF(f.pointSizeF() + 6)
        f.setBold(True)
        self.title.setFont(f)
        self.lead = QLabel()
        self.lead.setWordWrap(True)
        self.btn_new = QPushButton("新しいプロジェクトを作る…")
        self.btn_new.clicked.connect(new_project)
        self.btn_open = QPushButton("プロジェクトを開く…")
        self.btn_open.clicked.connect(open_project)
        self.btn_import = QPushButton("データを取り込む…（フォルダごとでも可）")
        self.btn_import.clicked.connect(import_data)
        self.recent_title = QLabel("最近使ったプロジェクト（ダブルクリックで開く）")
        self.recent = QListWidget()
        self.recent.setMaximumHeight(170)
        self.recent.itemActivated.connect(lambda it: open_path(str(it.data(Qt.ItemDataRole.UserRole))))
        buttons = QHBoxLayout()
        for b in (self.btn_new, self.btn_open, self.btn_import):
            buttons.addWidget(b)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(28, 22, 28, 22)
        lay.addWidget(self.title)
        lay.addWidget(self.lead)
        lay.addLayout(buttons)
        lay.addWidget(self.recent_title)
        lay.addWidget(self.recent)
        state.project_changed.connect(self.refresh)
        state.view_loaded.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Show what to do next, or hide when the map has something to show."""
        project = self.state.project
        empty = project is not None and (
            self.state.municipalities is None or len(self.state.municipalities) == 0
        )
        loaded = project is not None and not empty
        if loaded or (project is not None and self.state.municipalities is None):
            self.setVisible(False)  # a project with data, or one still loading
            return
        if project is None:
            self.lead.setText(
                "まずプロジェクト（1つのファイル .gpkg）を作るか開いてください。"
                "プロジェクトに公式データを取り込み、圏域案を作って比較し、会議資料を出力します。"
            )
        else:
            name = self.state.project_path.name if self.state.project_path else ""
            self.lead.setText(
                f"「{name}」にはまだデータがありません。次はデータの取り込みです。"
                "ダウンロードしたファイル（行政区域 N03・圏域の表・人口・厚生局の名簿・医療情報ネット・"
                "町丁目の代表点など）をフォルダごと選ぶと、種類を判定して必要な順に取り込みます。"
            )
        self.btn_import.setVisible(project is not None)
        self.btn_new.setVisible(project is None)
        self.btn_open.setText("ほかのプロジェクトを開く…" if project is not None else "プロジェクトを開く…")
        self._fill_recent()
        self.setVisible(True)
        self.raise_()

    def _fill_recent(self) -> None:
        self.recent.clear()
        for p in self.state.settings.get("recent_projects", []) or []:
            path = Path(p)
            if not path.exists() or path == self.state.project_path:
                continue
            it = QListWidgetItem(f"{path.name}　— {path.parent}")
            it.setData(Qt.ItemDataRole.UserRole, str(path))
            it.setToolTip(str(path))
            self.recent.addItem(it)
        has = self.recent.count() > 0
        self.recent.setVisible(has)
        self.recent_title.setVisible(has)
