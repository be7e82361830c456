"""Comparison view: two or more options side by side — small maps drawn natively from the display
geometry, the indicator table of :func:`zaitaku_map.options.compare_options` with differences
marked, and the municipalities that change."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
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
CHANGED = "#c00000"


def _paths(geom: Any) -> list[list[tuple[float, float]]]:
    polys = list(geom.geoms) if hasattr(geom, "geoms") else [geom]
    out = []
    for p in polys:
        if p.geom_type != "Polygon":
            continue
        out.append(list(p.exterior.coords))
        out.extend(list(r.coords) for r in p.interiors)
    return out


@dataclass(frozen=True)
class KenMark:
    """A 圏域 of a mini map: its name, colour (the printed one) and where its name goes."""

    name: str
    color: str
    label: tuple[float, float] | None  # (lat, lon)


class MiniMap(QWidget):
    """A small static map of one option: municipalities filled with their 圏域 colour, the 圏域 names,
    the municipalities that change 圏域 framed in red, and a legend underneath."""

    def __init__(
        self,
        title: str,
        gdf: Any,
        fills: dict[str, str],
        changed: set[str],
        kens: list[KenMark] | None = None,
    ) -> None:
        super().__init__()
        self.title = title
        self.fills = fills
        self.changed = changed
        self.kens = kens or []
        self.shapes = [
            (str(r.code), _paths(r.geometry))
            for r in gdf.itertuples(index=False)
            if r.geometry is not None and not r.geometry.is_empty
        ]
        self.bounds = gdf.total_bounds if len(gdf) else (0, 0, 1, 1)
        self.setMinimumSize(280, 300)
        self.labels_drawn = 0
        self.legend_rows = 0

    def _legend_height(self, line: float) -> float:
        cols = max(1, int((self.width() - 12) // 150))
        rows = -(-len(self.kens) // cols) + (1 if self.changed else 0)
        return rows * line + 6

    def _transform(self, top: float, bottom: float) -> Any:
        """lon/lat → widget point: equirectangular with latitude correction, fitted between ``top``
        and ``bottom``."""
        minx, miny, maxx, maxy = self.bounds
        w, h = self.width() - 12, bottom - top
        kx = math.cos(math.radians((miny + maxy) / 2))
        s = min(w / max((maxx - minx) * kx, 1e-9), h / max(maxy - miny, 1e-9))
        ox = 6 + (w - (maxx - minx) * kx * s) / 2
        oy = top + (h - (maxy - miny) * s) / 2

        def pt(x: float, y: float) -> QPointF:
            return QPointF(ox + (x - minx) * kx * s, oy + (maxy - y) * s)

        return pt

    def paintEvent(self, _e: Any) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("#dfe6ec"))
        top = 28
        line = QFontMetricsF(self.font()).height() * 1.25
        legend_h = self._legend_height(line)
        pt = self._transform(top, self.height() - 8 - legend_h)
        self._paint_shapes(p, pt)
        self._paint_labels(p, pt, line)
        self._paint_legend(p, self.height() - legend_h, line)
        p.setPen(QColor("#111111"))
        f = QFont(self.font())
        f.setBold(True)
        f.setPointSizeF(f.pointSizeF() + 1)
        p.setFont(f)
        p.drawText(
            QRectF(6, 2, self.width() - 12, top - 4),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            self.title,
        )
        p.end()

    def _paint_shapes(self, p: QPainter, pt: Any) -> None:
        for code, rings in self.shapes:
            path = QPainterPath()
            path.setFillRule(Qt.FillRule.OddEvenFill)
            for ring in rings:
                path.moveTo(pt(*ring[0][:2]))
                for xy in ring[1:]:
                    path.lineTo(pt(*xy[:2]))
                path.closeSubpath()
            p.setBrush(QBrush(QColor(self.fills.get(code, "#ffffff"))))
            p.setPen(QPen(QColor("#555555"), 0.6))
            p.drawPath(path)
            if code in self.changed:
                p.setBrush(QBrush(QColor("#000000"), Qt.BrushStyle.BDiagPattern))
                p.setPen(QPen(QColor(CHANGED), 2.0))
                p.drawPath(path)

    def _paint_labels(self, p: QPainter, pt: Any, line: float) -> None:
        """圏域 names with a white halo."""
        bold = QFont(self.font())
        bold.setBold(True)
        p.setFont(bold)
        self.labels_drawn = 0
        flags = int(Qt.AlignmentFlag.AlignCenter)
        for ken in self.kens:
            if ken.label is None:
                continue
            at = pt(ken.label[1], ken.label[0])
            box = QRectF(at.x() - 80, at.y() - line / 2, 160, line)
            p.setPen(QColor("#ffffff"))
            for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1)):
                p.drawText(box.translated(dx, dy), flags, ken.name)
            p.setPen(QColor("#111111"))
            p.drawText(box, flags, ken.name)
            self.labels_drawn += 1

    def _paint_legend(self, p: QPainter, y0: float, line: float) -> None:
        """The 圏域 colours (in columns of 150 px) and the red frame of the municipalities that change."""
        p.setFont(self.font())
        cols = max(1, int((self.width() - 12) // 150))
        rows = [(k.color, k.name, False) for k in self.kens]
        if self.changed:
            rows.append((CHANGED, labels.MEETING_UI["changed"], True))
        ken_rows = -(-len(self.kens) // cols)
        for i, (color, name, frame) in enumerate(rows):
            x = 6.0 if frame else 6.0 + (i % cols) * 150
            y = y0 + (ken_rows if frame else i // cols) * line
            if frame:
                p.setBrush(QBrush(QColor("#000000"), Qt.BrushStyle.BDiagPattern))
                p.setPen(QPen(QColor(CHANGED), 2.0))
            else:
                p.setBrush(QBrush(QColor(color)))
                p.setPen(QPen(QColor("#555555"), 0.8))
            p.drawRect(QRectF(x, y + line * 0.2, line * 0.9, line * 0.6))
            p.setPen(QColor("#111111"))
            width = (self.width() - 12 if frame else 150) - line * 1.4
            p.drawText(QRectF(x + line * 1.2, y, width, line), int(Qt.AlignmentFlag.AlignVCenter), name)
        self.legend_rows = len(rows)


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
        self.btn_export = QPushButton("比較を PDF に出力…")
        self.btn_export.setEnabled(False)
        self.btn_export.clicked.connect(lambda _c=False: self.export_dialog())
        self.export_job: Any = None
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
        ll.addWidget(self.btn_export)
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
        self.btn_export.setEnabled(True)
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
        from zaitaku_map.export import ExportRequest
        from zaitaku_map.export.data import load_export_data
        from zaitaku_map.export.htmlmap import label_point

        gdf = self.state.municipalities
        project = self.state.project
        if gdf is None or project is None:
            return
        for n in res["options"]:
            # the colours and 圏域 of the printed comparison (export.colors), so screen and paper agree
            data = load_export_data(project, ExportRequest(n))
            color = dict(zip(data.kens["ken_key"], data.kens["color"], strict=True))
            fills = {
                str(c): color[k]
                for c, k in zip(data.munis["code"], data.munis["ken_key"], strict=True)
                if k in color
            }
            kens = [
                KenMark(str(name), str(col), label_point(geom))
                for name, col, geom in zip(
                    data.kens["name"], data.kens["color"], data.kens.geometry, strict=True
                )
            ]
            changed = {d["code"] for d in res["unit_differences"] if n in d.get("changed_in", [])}
            self.maps.addWidget(MiniMap(n, gdf, fills, changed, kens))

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

    def export_dialog(self) -> Any:
        """Ask where to save and write the comparison PDF of the options compared (maps, table, list)."""
        from PySide6.QtWidgets import QFileDialog

        from zaitaku_map.export.pack import safe_name

        if self.last_result is None:
            return None
        names = list(self.last_result["options"])
        default = f"{safe_name('比較_' + '_'.join(names))}.pdf"
        path, _ = QFileDialog.getSaveFileName(self, "比較を PDF に出力", default, "PDF (*.pdf)")
        return self.export_to(path) if path else None

    def export_to(self, path: str | Path) -> Any:
        """Write the comparison PDF of the options compared to ``path`` (in a worker); returns the job."""
        from zaitaku_map.export import ExportRequest
        from zaitaku_map.export.compare import export_comparison_pdf

        if self.last_result is None or self.state.project_path is None:
            return None
        names = list(self.last_result["options"])
        target = Path(path) if str(path).lower().endswith(".pdf") else Path(f"{path}.pdf")
        coverage = self.state.coverage
        request = ExportRequest(
            names[0],
            compare=tuple(names[1:]),
            coverage_params=coverage.params if coverage else None,
        )

        def done(result: Any) -> None:
            self.note.setText(f"比較を出力しました: {result.path}（{result.pages} ページ）")

        self.export_job = self.wb.jobs.run(
            "比較を PDF に出力",
            lambda project, progress=None, cancel=None: export_comparison_pdf(
                project, request, target, progress=progress, cancel=cancel
            ),
            project_path=self.state.project_path,
            on_success=done,
            on_error=lambda e, d: show_error(self, e, d, title="出力できません"),
        )
        return self.export_job
