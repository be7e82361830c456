"""Comparison view: two or more options side by side — small maps drawn natively from the display
geometry, the indicator table of :func:`zaitaku_map.options.compare_options` with differences
marked, and the municipalities that change."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from zaitaku_map import labels
from zaitaku_map.errors import ZaitakuError
from zaitaku_map.gui.dialogs import show_error

if TYPE_CHECKING:
    from zaitaku_map.gui.workbench import Workbench

FLAG_COLORS = {"better": "#d8f0d8", "worse": "#f8d0d0", "different": "#fff1c1"}


def _paths(geom: Any) -> list[list[tuple[float, float]]]:
    polys = list(geom.geoms) if hasattr(geom, "geoms") else [geom]
    out = []
    for p in polys:
        if p.geom_type != "Polygon":
            continue
        out.append(list(p.exterior.coords))
        out.extend(list(r.coords) for r in p.interiors)
    return out


class MiniMap(QWidget):
    """A small static map of one option: municipalities filled with their 圏域 colour."""

    def __init__(self, title: str, gdf: Any, fills: dict[str, str], changed: set[str]) -> None:
        super().__init__()
        self.title = title
        self.fills = fills
        self.changed = changed
        self.shapes = [
            (str(r.code), _paths(r.geometry))
            for r in gdf.itertuples(index=False)
            if r.geometry is not None and not r.geometry.is_empty
        ]
        self.bounds = gdf.total_bounds if len(gdf) else (0, 0, 1, 1)
        self.setMinimumSize(260, 240)

    def paintEvent(self, _e: Any) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("#dfe6ec"))
        minx, miny, maxx, maxy = self.bounds
        top = 28
        w, h = self.width() - 12, self.height() - top - 8
        # equirectangular with latitude correction, fitted to the widget
        import math

        kx = math.cos(math.radians((miny + maxy) / 2))
        sx = w / max((maxx - minx) * kx, 1e-9)
        sy = h / max(maxy - miny, 1e-9)
        s = min(sx, sy)
        ox = 6 + (w - (maxx - minx) * kx * s) / 2
        oy = top + (h - (maxy - miny) * s) / 2

        def pt(x: float, y: float) -> QPointF:
            return QPointF(ox + (x - minx) * kx * s, oy + (maxy - y) * s)

        for code, rings in self.shapes:
            path = QPainterPath()
            path.setFillRule(Qt.FillRule.OddEvenFill)
            for ring in rings:
                path.moveTo(pt(*ring[0][:2]))
                for c in ring[1:]:
                    path.lineTo(pt(*c[:2]))
                path.closeSubpath()
            p.setBrush(QBrush(QColor(self.fills.get(code, "#ffffff"))))
            p.setPen(QPen(QColor("#555555"), 0.6))
            p.drawPath(path)
            if code in self.changed:
                p.setBrush(QBrush(QColor("#000000"), Qt.BrushStyle.BDiagPattern))
                p.setPen(QPen(QColor("#c00000"), 2.0))
                p.drawPath(path)
        p.setPen(QColor("#111111"))
        f = p.font()
        f.setBold(True)
        f.setPointSizeF(f.pointSizeF() + 1)
        p.setFont(f)
        p.drawText(
            QRectF(6, 2, self.width() - 12, top - 4),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            self.title,
        )
        p.end()


class ComparisonView(QDialog):
    """Pick 2+ options, compare."""

    def __init__(self, wb: Workbench) -> None:
        from zaitaku_map.options import list_options

        super().__init__(wb.dialog_parent())
        self.wb = wb
        self.state = wb.state
        self.setWindowTitle("圏域案の比較")
        self.resize(1200, 780)
        self.pick = QListWidget()
        self.pick.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        project = self.state.project
        for o in list_options(project) if project is not None else []:
            it = QListWidgetItem(o["name"])
            self.pick.addItem(it)
        for i in range(min(self.pick.count(), 2)):
            self.pick.item(i).setSelected(True)
        self.btn = QPushButton("比較する")
        self.btn.clicked.connect(self.compare)
        self.maps = QHBoxLayout()
        maps_box = QWidget()
        maps_box.setLayout(self.maps)
        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.diff = QTableWidget()
        self.diff.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.note = QLabel("比較する案を2つ以上選んで「比較する」を押してください。最初の案が基準です。")
        self.note.setWordWrap(True)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.addWidget(QLabel("案"))
        ll.addWidget(self.pick, 1)
        ll.addWidget(self.btn)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(maps_box)
        right.addWidget(self.table)
        right.addWidget(self.diff)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(1, 4)
        lay = QVBoxLayout(self)
        lay.addWidget(self.note)
        lay.addWidget(split, 1)
        self.last_result: dict[str, Any] | None = None
        if self.pick.count() < 2:
            self.btn.setEnabled(False)
            self.note.setText(
                "比較するには圏域案が2つ以上必要です。「圏域案」パネルで案を作成・複製してください。"
            )

    def selected(self) -> list[str]:
        return [self.pick.item(i).text() for i in range(self.pick.count()) if self.pick.item(i).isSelected()]

    def compare(self, names: list[str] | None = None) -> dict[str, Any] | None:
        from zaitaku_map.options import compare_options

        names = names or self.selected()
        project = self.state.project
        if len(names) < 2 or project is None:
            return None
        coverage = self.state.coverage
        try:
            res: dict[str, Any] = compare_options(
                project, names, coverage_params=coverage.params if coverage else None
            ).to_dict()
        except ZaitakuError as err:
            show_error(self, err, title="比較できません")
            return None
        self.last_result = res
        self._draw_maps(res)
        self._fill_table(res)
        self._fill_diff(res)
        self.note.setText(
            f"基準: {res['baseline']} — 所属が変わる市区町村 {res['n_changed_units']} 件"
            "（地図では赤枠・斜線）。表の色: 緑＝改善、赤＝悪化、黄＝相違。"
            + (f"\n{res['coverage_note']}" if res.get("coverage_note") else "")
        )
        return res

    def _draw_maps(self, res: dict[str, Any]) -> None:
        while self.maps.count():
            item = self.maps.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        from zaitaku_map.options import get_option

        gdf = self.state.municipalities
        project = self.state.project
        if gdf is None or project is None:
            return
        for n in res["options"]:
            opt = get_option(project, n)
            fills = {u: (opt.kens.get(k) or {}).get("color") or "#cccccc" for u, k in opt.assignments.items()}
            changed = {d["code"] for d in res["unit_differences"] if n in d.get("changed_in", [])}
            self.maps.addWidget(MiniMap(n, gdf, fills, changed))

    def _fill_table(self, res: dict[str, Any]) -> None:
        names = res["options"]
        order = res["indicator_order"]
        per = res["per_option"]
        keys = list(order) + [k for k in per[names[-1]]["indicators"] if k not in order]
        self.table.setColumnCount(len(names))
        self.table.setHorizontalHeaderLabels(names)
        self.table.setRowCount(len(keys))
        vlabels = []
        for i, k in enumerate(keys):
            if k.startswith("min_coverage."):
                cat = k.split(".", 1)[1]
                vlabels.append(
                    f"{labels.EXPORT_INDICATORS['min_coverage']}（{labels.category_label(cat, short=True)}）"
                )
            else:
                vlabels.append(labels.EXPORT_INDICATORS.get(k, k))
            for j, n in enumerate(names):
                v = per[n]["indicators"].get(k)
                flag = per[n]["flags"].get(k, "") if j else ""
                text = (
                    "—"
                    if v is None
                    else (
                        f"{v * 100:.1f}%"
                        if k.startswith("min_coverage")
                        else f"{v:,.0f}"
                        if isinstance(v, float) and v > 100
                        else f"{v}"
                    )
                )
                if flag and flag != "same":
                    text += "  " + labels.EXPORT_FLAGS.get(flag, flag)
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if flag in FLAG_COLORS:
                    item.setBackground(QColor(FLAG_COLORS[flag]))
                self.table.setItem(i, j, item)
        self.table.setVerticalHeaderLabels(vlabels)
        self.table.resizeColumnsToContents()

    def _fill_diff(self, res: dict[str, Any]) -> None:
        names = res["options"]
        rows = res["unit_differences"]
        self.diff.setColumnCount(1 + len(names))
        self.diff.setHorizontalHeaderLabels(["所属が変わる市区町村", *names])
        self.diff.setRowCount(len(rows))
        for i, d in enumerate(rows):
            self.diff.setItem(i, 0, QTableWidgetItem(str(d["name"])))
            for j, n in enumerate(names):
                item = QTableWidgetItem(d["kens"].get(n) or labels.OPTION_TEXT["unassigned_ken"])
                if n in d.get("changed_in", []):
                    item.setBackground(QColor(FLAG_COLORS["different"]))
                self.diff.setItem(i, j + 1, item)
        self.diff.resizeColumnsToContents()
