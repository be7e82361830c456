"""圏域 option panel: choose/create options, edit assignments by map click or list, warnings,
evaluation table, undo/redo.  Every change goes through :mod:`zaitaku_map.options`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTabWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from zaitaku_map.errors import ZaitakuError
from zaitaku_map.gui import data
from zaitaku_map.gui.dialogs import show_error
from zaitaku_map.gui.evaluation_view import WarningsTree, color_icon

if TYPE_CHECKING:
    from zaitaku_map.gui.workbench import Workbench
    from zaitaku_map.options import Option, OptionEvaluation
    from zaitaku_map.store import Project


def options_api() -> Any:
    """The options module of the core (imported when the panel is built, not at start-up)."""
    from zaitaku_map import options

    return options


class OptionsPanel(QWidget):
    """Dock content for 圏域 options."""

    def __init__(self, wb: Workbench) -> None:
        super().__init__(wb.dialog_parent())
        self.wb = wb
        self.state = wb.state
        self.api = options_api()
        self.option_combo = QComboBox()
        self.option_combo.currentIndexChanged.connect(self._option_changed)
        self.btn_new = QPushButton("新規…")
        self.btn_new.clicked.connect(self.create_dialog)
        self.btn_dup = QPushButton("複製")
        self.btn_dup.clicked.connect(self.duplicate)
        self.btn_del = QPushButton("削除")
        self.btn_del.clicked.connect(self.delete)
        self.btn_undo = QPushButton("元に戻す")
        self.btn_undo.clicked.connect(self.undo)
        self.btn_redo = QPushButton("やり直し")
        self.btn_redo.clicked.connect(self.redo)
        self.ken_list = QListWidget()
        self.ken_list.currentItemChanged.connect(self._ken_changed)
        self.ken_list.itemDoubleClicked.connect(self._edit_ken)
        self.btn_add_ken = QPushButton("圏域を追加")
        self.btn_add_ken.clicked.connect(self.add_ken)
        self.btn_zoom = QPushButton("この圏域へ移動")
        self.btn_zoom.clicked.connect(self.zoom_ken)
        self.edit_hint = QLabel()
        self.edit_hint.setWordWrap(True)
        self.muni_list = QListWidget()
        self.muni_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.btn_assign = QPushButton("選択した市区町村をこの圏域へ")
        self.btn_assign.clicked.connect(self.assign_selected)
        self.warnings = WarningsTree()
        self.eval_table = QTableWidget()
        self.eval_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.eval_notes = QLabel()
        self.eval_notes.setWordWrap(True)
        self.eval_notes.setTextFormat(Qt.TextFormat.PlainText)
        self.eval_notes.setStyleSheet("color: #444;")
        self.btn_big_table = QPushButton("表を大きく表示…")
        self.btn_big_table.clicked.connect(self.show_table_window)
        self.evaluation: OptionEvaluation | None = None

        top = QHBoxLayout()
        top.addWidget(QLabel("案"))
        top.addWidget(self.option_combo, 1)
        btns = QHBoxLayout()
        for b in (self.btn_new, self.btn_dup, self.btn_del, self.btn_undo, self.btn_redo):
            btns.addWidget(b)
        ken_box = QWidget()
        kl = QVBoxLayout(ken_box)
        kl.setContentsMargins(0, 0, 0, 0)
        kl.addWidget(QLabel("圏域（選ぶと地図のクリックでその圏域に割り当て）"))
        kl.addWidget(self.ken_list)
        kb = QHBoxLayout()
        kb.addWidget(self.btn_add_ken)
        kb.addWidget(self.btn_zoom)
        kl.addLayout(kb)
        kl.addWidget(self.edit_hint)
        muni_box = QWidget()
        ml = QVBoxLayout(muni_box)
        ml.setContentsMargins(0, 0, 0, 0)
        ml.addWidget(self.muni_list)
        ml.addWidget(self.btn_assign)
        eval_box = QWidget()
        el = QVBoxLayout(eval_box)
        el.setContentsMargins(0, 0, 0, 0)
        # the table keeps room for a few 圏域 in a short dock; the notes scroll instead of being cut
        self.eval_table.setMinimumHeight(self.fontMetrics().lineSpacing() * 7)
        notes_box = QScrollArea()
        notes_box.setWidgetResizable(True)
        notes_box.setFrameShape(QFrame.Shape.NoFrame)
        notes_box.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        notes_box.setMaximumHeight(self.fontMetrics().lineSpacing() * 4 + 6)
        notes_box.setWidget(self.eval_notes)
        el.addWidget(self.eval_table, 1)
        el.addWidget(notes_box)
        el.addWidget(self.btn_big_table)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.warnings, "注意")
        self.tabs.addTab(eval_box, "評価表")
        self.tabs.addTab(muni_box, "市区町村の一覧")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(ken_box)
        split.addWidget(self.tabs)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addLayout(btns)
        lay.addWidget(split, 1)
        self.option: Option | None = None
        self.colors: dict[str, str] = {}  # 圏域 key -> the colour of the map and the prints
        self.state.view_loaded.connect(self.reload)
        self.state.project_changed.connect(self._project_changed)
        self.state.data_changed.connect(self._data_changed)
        self.state.coverage_changed.connect(lambda _c: self.refresh_evaluation())
        self.state.year_changed.connect(lambda _y: self.refresh_evaluation())
        self.state.selection_changed.connect(self._selection_changed)
        self._project_changed()

    def _project_changed(self) -> None:
        """Empty state: without a project nothing here can be used."""
        if self.state.project is None:
            self.option_combo.clear()
            self.ken_list.clear()
            self.muni_list.clear()
            self.warnings.clear()
            self.eval_table.setRowCount(0)
            self.eval_notes.setText("")
            self.option = None
        self.btn_new.setEnabled(self.state.project is not None)
        for b in (
            self.btn_dup,
            self.btn_del,
            self.btn_undo,
            self.btn_redo,
            self.btn_add_ken,
            self.btn_assign,
        ):
            b.setEnabled(False)
        for b in (self.btn_zoom,):
            b.setEnabled(False)

    def _data_changed(self, kinds: frozenset[str]) -> None:
        if "roles" in kinds or "settings" in kinds:
            self.refresh_evaluation()

    def _selection_changed(self, selection: Any) -> None:
        """Esc (or another panel) cleared the 圏域 being edited."""
        if selection.ken is None and self.current_ken() is not None:
            self.ken_list.setCurrentRow(-1)

    # -- state ----------------------------------------------------------------------------------
    @property
    def project(self) -> Project | None:
        return self.state.project

    @property
    def name(self) -> str | None:
        name: str | None = self.option_combo.currentData()
        return name

    def current_ken(self) -> str | None:
        item = self.ken_list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def reload(self, select: str | None = None) -> None:
        """Re-read the option list (keeps the current option unless ``select`` is given)."""
        if self.project is None:
            return
        keep = select or self.name or self.wb.settings.get("last_option")
        self.option_combo.blockSignals(True)
        self.option_combo.clear()
        for o in self.api.list_options(self.project):
            self.option_combo.addItem(f"{o['name']}（{o.get('n_kens', 0)}圏域）", o["name"])
        idx = self.option_combo.findData(keep) if keep else -1
        self.option_combo.setCurrentIndex(idx if idx >= 0 else (0 if self.option_combo.count() else -1))
        self.option_combo.blockSignals(False)
        self._fill_munis()
        self.refresh_option()

    def _fill_munis(self) -> None:
        self.muni_list.clear()
        gdf = self.state.municipalities
        if gdf is None:
            return
        for row in gdf.itertuples(index=False):
            it = QListWidgetItem(str(row.full_name or row.name))
            it.setData(Qt.ItemDataRole.UserRole, str(row.code))
            it.setToolTip(f"市区町村コード {row.code}")
            self.muni_list.addItem(it)

    def _option_changed(self, _idx: int) -> None:
        self.refresh_option()

    def refresh_option(self, *, keep_ken: str | None = None) -> None:
        """Re-read the selected option and update the list, the map, the warnings and the table."""
        name = self.name
        keep_ken = keep_ken or self.current_ken()
        self.ken_list.blockSignals(True)
        self.ken_list.clear()
        self.option = None
        if name and self.project is not None:
            try:
                self.option = self.api.get_option(self.project, name)
            except ZaitakuError as err:
                show_error(self, err)
        members: dict[str, list[str]] = self.option.members() if self.option else {}
        self.colors = (
            data.option_colors(self.project, self.option, self.state.municipalities)
            if self.option is not None and self.project is not None
            else {}
        )
        for key, ken in self.option.kens.items() if self.option else []:
            it = QListWidgetItem(
                color_icon(self.colors.get(key) or "#ffffff"),
                f"{ken.get('name') or key}（{len(members.get(key, []))}）",
            )
            it.setData(Qt.ItemDataRole.UserRole, key)
            self.ken_list.addItem(it)
            if key == keep_ken:
                self.ken_list.setCurrentItem(it)
        self.ken_list.blockSignals(False)
        for b in (self.btn_dup, self.btn_del, self.btn_add_ken, self.btn_assign):
            b.setEnabled(self.option is not None)
        self._update_history_buttons()
        if self.state.option == (name if self.option else None):
            self.state.notify_changed("options")  # same option, new content: repaint
        else:
            self.state.set_option(name if self.option else None)
        self._ken_changed(self.ken_list.currentItem(), None)
        self.refresh_evaluation()

    def _update_history_buttons(self) -> None:
        state = {"can_undo": 0, "can_redo": 0}
        if self.option is not None:
            for o in self.api.list_options(self.project):
                if o["name"] == self.option.name:
                    state = o
        self.btn_undo.setEnabled(bool(state.get("can_undo")))
        self.btn_redo.setEnabled(bool(state.get("can_redo")))

    def _ken_changed(self, item: QListWidgetItem | None, _prev: Any) -> None:
        key: str | None = item.data(Qt.ItemDataRole.UserRole) if item else None
        has = key is not None
        self.btn_zoom.setEnabled(has)
        self.btn_assign.setEnabled(has)
        if key is not None and self.option:
            label = self.option.kens[key].get("name") or key
            self.edit_hint.setText(f"地図で市区町村をクリックすると「{label}」に割り当てます。")
            self.wb.map.call("setEditKen", key, label)
        else:
            self.edit_hint.setText("圏域を選ぶと、地図のクリックで市区町村を割り当てられます。")
            self.wb.map.call("setEditKen", None, "")
        self.state.select_ken(key)

    def refresh_evaluation(self) -> None:
        from zaitaku_map.gui.evaluation_view import fill_table, fill_warnings, notes_text

        self.warnings.clear()
        self.eval_table.clear()
        self.eval_table.setRowCount(0)
        self.eval_notes.setText("")
        self.evaluation = None
        self.btn_big_table.setEnabled(False)
        if self.option is None or self.project is None:
            return
        coverage = self.state.coverage
        try:
            ev = self.api.evaluate_option(
                self.project,
                self.option.name,
                coverage_params=coverage.params if coverage else None,
                year=self.state.year,
            )
        except ZaitakuError as err:
            from zaitaku_map.messages import format_error

            self.warnings.addTopLevelItem(QTreeWidgetItem([f"評価できません: {format_error(err)}"]))
            return
        self.evaluation = ev
        n = fill_warnings(self.warnings, ev)
        self.tabs.setTabText(0, f"注意（{n}）")
        fill_table(self.eval_table, ev, self.colors)
        self.eval_notes.setText(notes_text(ev))
        self.btn_big_table.setEnabled(True)

    def show_table_window(self) -> None:
        from zaitaku_map.gui.evaluation_view import TableWindow

        if self.evaluation is not None:
            self.table_window = TableWindow(self, self.evaluation, self.colors)
            self.table_window.show()

    # -- edits ----------------------------------------------------------------------------------
    def _run(self, fn: Any, *args: Any, **kw: Any) -> Any:
        try:
            return fn(self.project, *args, **kw)
        except ZaitakuError as err:
            show_error(self, err)
            return None

    def municipality_clicked(self, code: str) -> None:
        """Map click: assign to the 圏域 being edited (or just show where it is)."""
        key = self.current_ken()
        name = self.state.municipality_name(code)
        if self.option is None or key is None:
            self.state.show_message(f"{name}: 割り当てるには右の「圏域案」で圏域を選んでください")
            return
        res = self._run(self.api.assign, self.option.name, [code], key)
        if res is not None:
            self.state.show_message(f"{name} を「{self.option.kens[key].get('name')}」に割り当てました")
            self.refresh_option(keep_ken=key)

    def assign_selected(self) -> None:
        key = self.current_ken()
        codes = [it.data(Qt.ItemDataRole.UserRole) for it in self.muni_list.selectedItems()]
        if self.option is None or key is None or not codes:
            return
        if self._run(self.api.assign, self.option.name, codes, key) is not None:
            self.refresh_option(keep_ken=key)

    def undo(self) -> None:
        if self.option is not None:
            res = self._run(self.api.undo, self.option.name)
            if res and res.get("undone"):
                self.state.show_message(f"元に戻しました: {res['undone']}")
            self.refresh_option()

    def redo(self) -> None:
        if self.option is not None:
            res = self._run(self.api.redo, self.option.name)
            if res and res.get("redone"):
                self.state.show_message(f"やり直しました: {res['redone']}")
            self.refresh_option()

    def create_dialog(self) -> None:
        if self.project is None:
            return
        from zaitaku_map.gui.option_dialog import NewOptionDialog

        existing = [self.option_combo.itemData(i) for i in range(self.option_combo.count())]
        dlg = NewOptionDialog(
            self,
            self.project,
            layers=data.area_layers(self.project),
            existing=existing,
            munis=self.state.municipalities,
        )
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        self.create_option(**dlg.values())

    def create_option(self, name: str, **kw: Any) -> bool:
        if not name:
            return False
        if self._run(self.api.create_option, name, **kw) is None:
            return False
        self.reload(select=name)
        return True

    def duplicate(self) -> None:
        if self.option is None:
            return
        new, ok = QInputDialog.getText(self, "案の複製", "新しい案の名前", text=f"{self.option.name}の複製")
        if (
            ok
            and new.strip()
            and self._run(self.api.duplicate_option, self.option.name, new.strip()) is not None
        ):
            self.reload(select=new.strip())

    def delete(self) -> None:
        if self.option is None:
            return
        from PySide6.QtWidgets import QMessageBox

        if (
            QMessageBox.question(self, "案の削除", f"案「{self.option.name}」を削除しますか？")
            != QMessageBox.StandardButton.Yes
        ):
            return
        if self._run(self.api.delete_option, self.option.name) is not None:
            self.reload()

    def add_ken(self) -> None:
        if self.option is None:
            return
        label, ok = QInputDialog.getText(self, "圏域の追加", "圏域の名前")
        if not ok or not label.strip() or self.option is None:
            return
        key = label.strip()
        n = 2
        while key in self.option.kens:
            key = f"{label.strip()}{n}"
            n += 1
        if self._run(self.api.set_ken, self.option.name, key, new_name=label.strip()) is not None:
            self.refresh_option(keep_ken=key)

    def _edit_ken(self, item: QListWidgetItem) -> None:
        key = item.data(Qt.ItemDataRole.UserRole)
        if self.option is None:
            return
        old = self.option.kens[key].get("name") or key
        label, ok = QInputDialog.getText(self, "圏域の名前", "新しい名前", text=old)
        if (
            ok
            and label.strip()
            and label.strip() != old
            and self._run(self.api.set_ken, self.option.name, key, new_name=label.strip()) is not None
        ):
            self.refresh_option(keep_ken=key)

    def zoom_ken(self) -> None:
        key = self.current_ken()
        if key and self.option:
            self.wb.map.call("zoomToMunis", self.option.members().get(key, []))
