"""Facilities table: filter, search, sort, edit roles/functions, provenance; selection ↔ map."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDockWidget,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from zaitaku_map import labels
from zaitaku_map.errors import ZaitakuError
from zaitaku_map.gui import data
from zaitaku_map.gui.dialogs import show_error

log = logging.getLogger("zaitaku_map.gui.facilities")

if TYPE_CHECKING:
    from zaitaku_map.gui.workbench import Workbench

COLUMNS = [
    ("category", "種別"),
    ("name", "名称"),
    ("subtype", "区分"),
    ("address", "所在地"),
    ("area", "圏域レイヤー"),
    ("level", "位置の精度"),
    ("roles", "役割"),
    ("functions", "機能"),
    ("id", "ID"),
]
ID_ROLE = Qt.ItemDataRole.UserRole + 1
SortIndex = QModelIndex | QPersistentModelIndex


class FacilityModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []
        self.display: list[list[Any]] = []

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.display = [[self._display(r, key) for key, _h in COLUMNS] for r in rows]
        self.endResetModel()

    @staticmethod
    def _display(r: dict[str, Any], key: str) -> Any:
        if key == "category":
            return labels.category_label(r["category"], short=True)
        if key == "level":
            return labels.GEOCODE_LEVELS.get(r.get("geocode_level") or "", "不明")
        if key == "roles":
            parts = ["積極的役割"] if r.get("active_role") else []
            if r.get("hub"):
                parts.append(f"連携拠点（{r['hub']}）")
            return "・".join(parts)
        if key == "functions":
            return "".join(labels.FUNCTIONS[f][0] for f in sorted(r.get("functions") or ()))
        v = r.get(key)
        return "" if v is None else str(v) if key != "id" else int(v)

    def rowCount(self, parent: SortIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: SortIndex = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section][1]
        return None

    def data(self, index: SortIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        key = COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.display[index.row()][index.column()]
        if (
            role == Qt.ItemDataRole.ForegroundRole
            and key == "level"
            and r.get("geocode_level") in ("municipality", "unresolved", None)
        ):
            return QColor("#b00020")
        if role == Qt.ItemDataRole.DecorationRole and key == "category":
            cat = labels.CATEGORIES.get(r["category"])
            return QColor(cat.color) if cat else None
        if role == ID_ROLE:
            return int(r["id"])
        return None


class FacilityFilter(QSortFilterProxyModel):
    def __init__(self) -> None:
        super().__init__()
        self.category: str | None = None
        self.area: str | None = None
        self.level: str | None = None
        self.role: str | None = None
        self.text = ""
        self.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def set(self, **kw: Any) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt ≥ 6.9 (invalidateFilter is deprecated there)
            self.beginFilterChange()
            for k, v in kw.items():
                setattr(self, k, v)
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - older Qt
            for k, v in kw.items():
                setattr(self, k, v)
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: SortIndex) -> bool:
        r = self.sourceModel().rows[source_row]  # type: ignore[attr-defined]
        if self.category and r["category"] != self.category:
            return False
        if self.area and r.get("area") != self.area:
            return False
        if self.level and (r.get("geocode_level") or "unresolved") != self.level:
            return False
        if self.role == "active_role" and not r.get("active_role"):
            return False
        if self.role == "hub" and not r.get("hub"):
            return False
        if self.role == "none" and (r.get("active_role") or r.get("hub")):
            return False
        if self.text:
            hay = f"{r.get('name') or ''} {r.get('address') or ''}".lower()
            if not all(t in hay for t in self.text.lower().split()):
                return False
        return True


class FacilitiesPanel(QWidget):
    """Dock content listing facilities."""

    def __init__(self, wb: Workbench) -> None:
        super().__init__(wb.dialog_parent())
        self.wb = wb
        self.state = wb.state
        self.model = FacilityModel()
        self.proxy = FacilityFilter()
        self.proxy.setSourceModel(self.model)
        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.horizontalHeader().setSortIndicator(
            -1, Qt.SortOrder.AscendingOrder
        )  # file order until asked
        self.view.setSortingEnabled(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.horizontalHeader().setResizeContentsPrecision(60)  # sizing looks at 60 rows, not 50,000
        self.view.verticalHeader().setVisible(False)
        self.view.selectionModel().currentRowChanged.connect(self._row_changed)

        self.f_category = QComboBox()
        self.f_area = QComboBox()
        self.f_level = QComboBox()
        self.f_role = QComboBox()
        self.search = QLineEdit()
        self.search.setPlaceholderText("名称・住所で検索")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda t: self.proxy.set(text=t))
        for combo, key in (
            (self.f_category, "category"),
            (self.f_area, "area"),
            (self.f_level, "level"),
            (self.f_role, "role"),
        ):
            combo.currentIndexChanged.connect(
                lambda _i, c=combo, k=key: self.proxy.set(**{k: c.currentData()})
            )
        self.count = QLabel()
        self.proxy.rowsInserted.connect(self._update_count)
        self.proxy.modelReset.connect(self._update_count)
        self.proxy.layoutChanged.connect(self._update_count)

        filters = QHBoxLayout()
        for label, w in (
            ("種別", self.f_category),
            ("圏域", self.f_area),
            ("精度", self.f_level),
            ("役割", self.f_role),
        ):
            filters.addWidget(QLabel(label))
            filters.addWidget(w)
        filters.addWidget(self.search, 1)
        filters.addWidget(self.count)

        # detail / edit box
        self.detail_title = QLabel("施設を選ぶと詳細と出典を表示します")
        self.detail_title.setWordWrap(True)
        self.detail_title.setTextFormat(Qt.TextFormat.PlainText)
        self.detail_title.setMinimumHeight(self.detail_title.fontMetrics().lineSpacing() * 3 + 6)
        self.cb_active = QCheckBox(labels.ROLE_SHORT["active_role"] + "（積極的役割を担う医療機関）")
        self.cb_active.clicked.connect(self._toggle_active)
        self.cb_funcs = {}
        fl = QHBoxLayout()
        for f, lab in labels.FUNCTIONS.items():
            cb = QCheckBox(lab)
            cb.clicked.connect(lambda on, fn=f: self._toggle_function(fn, on))
            self.cb_funcs[f] = cb
            fl.addWidget(cb)
        self.btn_hub = QPushButton("この施設を所属圏域の連携拠点にする")
        self.btn_hub.clicked.connect(self._make_hub)
        self.btn_place = QPushButton("地図をクリックして位置を指定")
        self.btn_place.setToolTip(
            "位置不明・市区町村代表点の施設を、地図上でクリックした地点に手動で配置します"
        )
        self.btn_place.clicked.connect(self.start_placing)
        self.btn_zoom = QPushButton("地図で表示")
        self.btn_zoom.clicked.connect(self._zoom_to_current)
        self.provenance = QPlainTextEdit()
        self.provenance.setReadOnly(True)
        box = QGroupBox("選択した施設")
        bl = QVBoxLayout(box)
        bl.addWidget(self.detail_title)
        bl.addWidget(self.cb_active)
        bl.addLayout(fl)
        hb = QHBoxLayout()
        hb.addWidget(self.btn_hub)
        hb.addWidget(self.btn_place)
        hb.addWidget(self.btn_zoom)
        bl.addLayout(hb)
        bl.addWidget(QLabel("出典・元データ"))
        bl.addWidget(self.provenance, 1)
        self._set_edit_enabled(False)

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addLayout(filters)
        ll.addWidget(self.view, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        scroll = QScrollArea()  # the details may scroll; the dock can then be made low
        scroll.setWidgetResizable(True)
        scroll.setWidget(box)
        split.addWidget(left)
        split.addWidget(scroll)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(split)
        self.state.view_loaded.connect(self.reload)
        self.state.option_changed.connect(lambda _n: self.reload())
        self.state.data_changed.connect(self._data_changed)
        self.state.project_changed.connect(self._project_changed)
        self.state.selection_changed.connect(self._selection_changed)

    def _project_changed(self) -> None:
        if self.state.project is None:
            self.model.set_rows([])
            self._set_edit_enabled(False)
            self._update_count()

    def _selection_changed(self, selection: Any) -> None:
        """Another part of the window picked a facility (the placement queue, the map)."""
        ids = selection.facility_ids
        if ids and self.current_id() != ids[0]:
            self.select_facility(ids[0])

    def _data_changed(self, kinds: frozenset[str]) -> None:
        if kinds & {"roles", "options"}:
            self.reload()

    # -- data ----------------------------------------------------------------------------------
    def reload(self) -> None:
        from zaitaku_map.options import OptionNotFoundError, facility_functions, get_option

        project = self.state.project
        if project is None:
            return
        keep = self.current_id()
        rows = [dict(r) for r in self.state.facilities]
        funcs = facility_functions(project)
        layers = data.area_layers(project)
        membership: dict[str, tuple[str, str]] = {}
        if layers:
            membership = data.area_membership(project, layers[0])
        self.f_area.setToolTip(layers[0] if layers else "")
        hubs: dict[int, str] = {}
        try:
            opt = get_option(project, self.state.option) if self.state.option else None
        except OptionNotFoundError:
            opt = None
        if opt is not None:
            for h in opt.hubs or []:
                fid = h["facility_id"]
                if fid is not None:
                    hubs[int(fid)] = opt.ken_name(h["ken_key"])
        for r in rows:
            r["functions"] = funcs.get(int(r["id"]), set())
            r["hub"] = hubs.get(int(r["id"]))
            a = membership.get(str(r.get("muni_code") or ""))
            r["area"] = a[1] if a else ""
        self.model.set_rows(rows)
        self._fill_filters(rows)
        self.view.resizeColumnsToContents()
        for col, width in ((1, 260), (3, 300)):
            if self.view.columnWidth(col) > width:
                self.view.setColumnWidth(col, width)
        if keep:
            self.select_facility(keep)
        self._update_count()

    def _fill_filters(self, rows: list[dict[str, Any]]) -> None:
        def fill(combo: QComboBox, items: list[tuple[str, Any]]) -> None:
            cur = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem("すべて", None)
            for label, val in items:
                combo.addItem(label, val)
            i = combo.findData(cur)
            combo.setCurrentIndex(max(i, 0))
            combo.blockSignals(False)

        cats = sorted(
            {r["category"] for r in rows},
            key=lambda c: list(labels.CATEGORIES).index(c) if c in labels.CATEGORIES else 99,
        )
        fill(self.f_category, [(labels.category_label(c), c) for c in cats])
        fill(self.f_area, [(a, a) for a in sorted({r["area"] for r in rows if r["area"]})])
        fill(self.f_level, list((v, k) for k, v in labels.GEOCODE_LEVELS.items()))
        fill(
            self.f_role,
            [
                (labels.ROLE_SHORT["active_role"], "active_role"),
                (labels.ROLE_SHORT["hub"], "hub"),
                ("役割なし", "none"),
            ],
        )

    def _update_count(self, *_a: Any) -> None:
        self.count.setText(f"{self.proxy.rowCount():,} / {self.model.rowCount():,} 件")

    def current_id(self) -> int | None:
        idx = self.view.currentIndex()
        return int(idx.data(ID_ROLE)) if idx.isValid() else None

    def current_row(self) -> dict[str, Any] | None:
        fid = self.current_id()
        return next((r for r in self.model.rows if int(r["id"]) == fid), None) if fid else None

    def select_facility(self, fid: int, *, from_map: bool = False) -> bool:
        for i, r in enumerate(self.model.rows):
            if int(r["id"]) == int(fid):
                pidx = self.proxy.mapFromSource(self.model.index(i, 1))
                if not pidx.isValid():  # filtered out: clear filters so the facility can be shown
                    self.search.clear()
                    for c in (self.f_category, self.f_area, self.f_level, self.f_role):
                        c.setCurrentIndex(0)
                    pidx = self.proxy.mapFromSource(self.model.index(i, 1))
                self._from_map = from_map
                self.view.setCurrentIndex(pidx)
                self.view.scrollTo(pidx)
                self._from_map = False
                if from_map and isinstance(self.parent(), QDockWidget):
                    cast(QDockWidget, self.parent()).raise_()
                return True
        return False

    # -- details and edits ---------------------------------------------------------------------
    def _set_edit_enabled(self, on: bool) -> None:
        for w in (self.cb_active, *self.cb_funcs.values(), self.btn_hub, self.btn_zoom, self.btn_place):
            w.setEnabled(on)

    def _row_changed(self, current: QModelIndex, _prev: QModelIndex) -> None:
        r = self.current_row()
        self._set_edit_enabled(r is not None)
        if r is None:
            return
        self.wb.map.call("highlightFacility", int(r["id"]), not getattr(self, "_from_map", False))
        self.state.select_facility(int(r["id"]))
        cat = labels.category_label(r["category"])
        self.detail_title.setText(
            f"{r['name']}\n{cat}{'（' + r['subtype'] + '）' if r.get('subtype') else ''}\n"
            f"{r.get('address') or ''}"
        )
        self.cb_active.setChecked(bool(r.get("active_role")))
        for f, cb in self.cb_funcs.items():
            cb.setChecked(f in (r.get("functions") or ()))
        self.provenance.setPlainText(self._provenance_text(int(r["id"]), r))

    def _provenance_text(self, fid: int, r: dict[str, Any]) -> str:
        lines = [
            f"施設ID: {fid}",
            f"位置の精度: {labels.GEOCODE_LEVELS.get(r.get('geocode_level') or '', '不明')}",
        ]
        if r.get("lat") is not None:
            lines.append(f"緯度・経度: {float(r['lat']):.5f}, {float(r['lon']):.5f}")
        project = self.state.project
        if project is None:
            return "\n".join(lines)
        recs = data.facility_provenance(project, fid)
        for rec in recs:
            lines.append("")
            if rec["family"] == "designation":
                lines.append(
                    f"届出: {labels.DESIGNATION_KINDS.get(rec['format'], rec['format'])} {rec['record_key'] or ''}"
                    f"（算定開始 {rec.get('reference_date') or '不明'}）"
                )
                continue
            lines.append(
                f"出典: {rec.get('file_name') or ''}（{labels.IMPORT_FORMATS.get(rec.get('format') or '', rec.get('format') or '')}）"
            )
            lines.append(
                f"  行: {rec.get('row') or '—'}  シート: {rec.get('sheet') or '—'}  基準日: {rec.get('reference_date') or '—'}"
            )
            lines.append(
                f"  キー: {rec.get('record_key')}  取込: {rec.get('imported_at') or '—'}  状態: {rec.get('status')}"
            )
            if rec.get("raw"):
                raw = rec["raw"]
                text = json.dumps(raw, ensure_ascii=False)
                lines.append("  元の値: " + (text if len(text) < 1500 else text[:1500] + " …"))
        return "\n".join(lines)

    def _zoom_to_current(self) -> None:
        fid = self.current_id()
        if fid is not None:
            self.wb.map.call("highlightFacility", fid, True)

    def start_placing(self) -> None:
        r = self.current_row()
        if r is None:
            return
        self.wb.map.call("startPlacing", int(r["id"]), str(r["name"] or ""))
        self.state.show_message(f"地図上で「{r['name']}」の位置をクリックしてください")

    def _edit(self, fn: Any, *args: Any, **kw: Any) -> bool:
        """Call an options edit with the open project; errors become a dialog."""
        project = self.state.project
        if project is None:
            return False
        try:
            fn(project, *args, **kw)
        except ZaitakuError as err:
            show_error(self, err)
            return False
        return True

    def _toggle_active(self, on: bool) -> None:
        from zaitaku_map.options import set_active_role

        r = self.current_row()
        if r and self._edit(set_active_role, int(r["id"]), bool(on)):
            project = self.state.project
            if project is not None:
                self.state.facilities = data.facilities(project)
            self.state.notify_changed("roles")

    def _toggle_function(self, fn: int, on: bool) -> None:
        from zaitaku_map.options import set_function

        r = self.current_row()
        if r and self._edit(set_function, int(r["id"]), fn, bool(on)):
            self.state.notify_changed("roles")

    def _make_hub(self) -> None:
        from zaitaku_map.options import add_hub, get_option

        r = self.current_row()
        project = self.state.project
        if r is None or project is None or not self.state.option:
            self.state.show_message("連携拠点にするには、まず圏域案を選んでください")
            return
        opt = get_option(project, self.state.option)
        ken = opt.assignments.get(str(r.get("muni_code") or ""))
        if ken is None:
            self.state.show_message("この施設の市区町村はどの圏域にも割り当てられていません")
            return
        if self._edit(add_hub, opt.name, ken, facility_id=int(r["id"])):
            self.state.notify_changed("roles", "options")
            self.state.show_message(f"「{r['name']}」を {opt.kens[ken].get('name')} の連携拠点にしました")
