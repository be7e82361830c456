"""The side strip of the meeting window: per 圏域 the headline numbers in large type.

One block per option shown (two when options are compared): a row per 圏域 with its colour, name,
population, 在支診 + 在支病, the people aged 75+ outside the coverage of 在支診・在支病 and (with a
projection) the year's home-care demand, then the total.  Type sizes follow the window height and
shrink only when the rows would not fit.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from zaitaku_map.labels import MEETING_UI
from zaitaku_map.options.headlines import Headlines, KenHeadline


def people(v: float | None) -> str:
    """People as a whole number with separators (a move of a small village must show); unknown 「－」."""
    return "－" if v is None else f"{v:,.0f}"


class HeadlineStrip(QFrame):
    """Per 圏域 headline numbers of one or two options."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("zmStrip")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(14, 10, 14, 10)
        self.box.setSpacing(6)
        self.base_px = 24
        self.blocks: list[Headlines] = []
        self.demand_year: int | None = None
        self.cells: dict[tuple[int, str, str], QLabel] = {}  # (block, ken key or "", column) -> label
        self.legend: list[tuple[str, str, str]] = []  # (symbol kind "dot"|"band"|"line", colour, label)
        self.legend_labels: list[QLabel] = []
        self.status: QLabel | None = None  # the window's message line, kept at the foot of the strip

    def set_scale(self, base_px: int) -> None:
        self.base_px = base_px
        self._rebuild()

    def show_headlines(self, blocks: list[Headlines], *, demand_year: int | None = None) -> None:
        self.blocks = blocks
        self.demand_year = demand_year
        self._rebuild()

    def show_legend(self, rows: list[tuple[str, str, str]]) -> None:
        """The layers shown on the map (the 圏域 colours are the swatches of the number rows)."""
        self.legend = rows
        self._rebuild()

    def text_of(self, block: int, ken: str, column: str) -> str:
        """The text shown in a cell (``ken`` "" is the total row) — for tests and the record."""
        cell = self.cells.get((block, ken, column))
        return cell.text() if cell is not None else ""

    def _columns(self) -> list[tuple[str, str]]:
        cols = [
            ("population", MEETING_UI["col_population"]),
            ("zaishi", MEETING_UI["col_zaishi"]),
            ("uncovered_75", MEETING_UI["col_uncovered_75"]),
        ]
        if self.demand_year is not None:
            cols.append(("demand", MEETING_UI["col_demand"].format(year=self.demand_year)))
        return cols

    def _px(self) -> tuple[int, int]:
        """(number size, caption size) that fit every row in the strip's height."""
        rows = (sum(len(b.kens) + 3 for b in self.blocks) + len(self.legend) + 1) or 1
        fit = int(max(self.height(), 300) / (rows * 1.55))
        num = max(14, min(self.base_px, fit))
        return num, max(12, round(num * 0.75))

    def _rebuild(self) -> None:
        while self.box.count():
            item = self.box.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None and w is not self.status:
                w.deleteLater()
        self.cells = {}
        num, cap = self._px()
        title = QLabel(MEETING_UI["strip_title"])
        title.setStyleSheet(f"font-size: {cap}px; color: #555;")
        self.box.addWidget(title)
        for b, heads in enumerate(self.blocks):
            self.box.addWidget(self._block(b, heads, num, cap))
        self.legend_labels = []
        if self.legend:
            self.box.addWidget(self._label(MEETING_UI["legend"], cap, right=False, color="#555"))
        for kind, color, text in self.legend:
            row = QWidget()
            lay = QHBoxLayout(row)
            lay.setContentsMargins(0, 0, 0, 0)
            lay.setSpacing(8)
            sym = QLabel()
            size = max(10, round(num * 0.7))
            if kind == "dot":
                sym.setFixedSize(size, size)
                sym.setStyleSheet(
                    f"background: {color}; border: 1px solid #222; border-radius: {size // 2}px;"
                )
            elif kind == "square":
                sym.setFixedSize(size // 2, size // 2)
                sym.setStyleSheet(f"background: {color}; border: none;")
            elif kind == "line":
                sym.setFixedSize(size + 8, 4)
                sym.setStyleSheet(f"background: {color};")
            else:
                sym.setFixedSize(size + 8, size)
                sym.setStyleSheet(f"background: {color}; border: none;")
            lay.addWidget(sym)
            lab = self._label(text, num, right=False)
            self.legend_labels.append(lab)
            lay.addWidget(lab, 1)
            self.box.addWidget(row)
        self.box.addStretch(1)
        if self.status is not None:
            self.status.setStyleSheet(f"font-size: {cap}px; color: #1f4e79;")
            self.box.addWidget(self.status)

    def _label(
        self, text: str, px: int, *, bold: bool = False, right: bool = True, color: str = "#111"
    ) -> QLabel:
        lab = QLabel(text)
        lab.setTextFormat(Qt.TextFormat.PlainText)  # names are user data: never rich text
        weight = "bold" if bold else "normal"
        lab.setStyleSheet(f"font-size: {px}px; font-weight: {weight}; color: {color};")
        if right:
            lab.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return lab

    def _block(self, b: int, heads: Headlines, num: int, cap: int) -> QWidget:
        w = QWidget()
        grid = QGridLayout(w)
        grid.setContentsMargins(0, 4, 0, 8)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(2)
        grid.addWidget(self._label(heads.option, num, bold=True, right=False, color="#1f4e79"), 0, 0, 1, 5)
        cols = self._columns()
        grid.addWidget(self._label(MEETING_UI["col_ken"], cap, right=False, color="#555"), 1, 1)
        for j, (_key, head) in enumerate(cols):
            grid.addWidget(self._label(head, cap, color="#555"), 1, 2 + j)  # lines as labels.py breaks them
        for r, ken in enumerate([*heads.kens, heads.total], start=2):
            is_total = ken is heads.total
            swatch = QLabel()
            swatch.setFixedSize(max(10, num // 2), num)
            if not is_total:
                swatch.setStyleSheet(f"background: {ken.color}; border: 1px solid #555;")
            grid.addWidget(swatch, r, 0)
            name = MEETING_UI["total"] if is_total else ken.name
            grid.addWidget(self._label(name, num, bold=True, right=False), r, 1)
            for j, (key, _head) in enumerate(cols):
                cell = self._label(self._value(ken, key), num, bold=is_total)
                self.cells[(b, "" if is_total else ken.key, key)] = cell
                grid.addWidget(cell, r, 2 + j)
        grid.setColumnStretch(1, 1)
        return w

    def _value(self, ken: KenHeadline, key: str) -> str:
        if key == "population":
            return people(ken.population)
        if key == "zaishi":
            return f"{ken.zaishi:,}"
        if key == "uncovered_75":
            return people(ken.uncovered_75)
        return people(ken.demand)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.blocks:
            self._rebuild()
