"""The side strip of the meeting window: per 圏域 the headline numbers in large type.

One block per option shown (two when options are compared): a row per 圏域 with its colour, name,
population, 在支診 + 在支病, the people aged 75+ outside the coverage of 在支診・在支病 and (with a
projection) the year's home-care demand, then the total; below them the legend of the layers on the
map and the window's message line.  The strip paints itself (no widget per cell: an option switch
only changes the numbers and repaints, in about a millisecond).  Type sizes follow the window height
and shrink only when the rows or columns would not fit.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from zaitaku_map.labels import MEETING_UI
from zaitaku_map.options.headlines import Headlines, KenHeadline

INK = QColor("#111111")
MUTED = QColor("#555555")
ACCENT = QColor("#1f4e79")
GAP = 10.0  # between columns
PAD = 14.0


def people(v: float | None) -> str:
    """People as a whole number with separators (a move of a small village must show); unknown 「－」."""
    return "－" if v is None else f"{v:,.0f}"


def value_text(ken: KenHeadline, column: str) -> str:
    """The text of one cell."""
    if column == "population":
        return people(ken.population)
    if column == "zaishi":
        return f"{ken.zaishi:,}"
    if column == "uncovered_75":
        return people(ken.uncovered_75)
    return people(ken.demand)


@dataclass(frozen=True)
class _Sizes:
    num: int  # numbers and names
    cap: int  # captions


class HeadlineStrip(QWidget):
    """Per 圏域 headline numbers of one or two options, the legend and a message line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("zmStrip")
        self.setMinimumWidth(240)
        self.base_px = 24
        self.blocks: list[Headlines] = []
        self.demand_year: int | None = None
        self.cells: dict[tuple[int, str, str], str] = {}  # (block, ken key or "" for the total, column)
        self.legend: list[
            tuple[str, str, str]
        ] = []  # (symbol "dot"|"cross"|"band"|"line"|"whatif", colour, label)
        self.status = ""
        self.drawn_px = 0  # the number size of the last paint (for tests: readable type)

    # -- what to show ---------------------------------------------------------------------------
    def set_scale(self, base_px: int) -> None:
        self.base_px = base_px
        self.update()

    def show_headlines(self, blocks: list[Headlines], *, demand_year: int | None = None) -> None:
        self.blocks = blocks
        self.demand_year = demand_year
        self.cells = {
            (b, "" if ken is heads.total else ken.key, key): value_text(ken, key)
            for b, heads in enumerate(blocks)
            for ken in [*heads.kens, heads.total]
            for key, _head in self.columns()
        }
        self.update()

    def show_legend(self, rows: list[tuple[str, str, str]]) -> None:
        """The layers shown on the map (the 圏域 colours are the swatches of the number rows)."""
        self.legend = rows
        self.update()

    def set_status(self, text: str) -> None:
        self.status = text
        self.update()

    def text_of(self, block: int, ken: str, column: str) -> str:
        """The text shown in a cell (``ken`` "" is the total row)."""
        return self.cells.get((block, ken, column), "")

    def columns(self) -> list[tuple[str, str]]:
        cols = [
            ("population", MEETING_UI["col_population"]),
            ("zaishi", MEETING_UI["col_zaishi"]),
            ("uncovered_75", MEETING_UI["col_uncovered_75"]),
        ]
        if self.demand_year is not None:
            cols.append(("demand", MEETING_UI["col_demand"].format(year=self.demand_year)))
        return cols

    # -- layout ---------------------------------------------------------------------------------
    @staticmethod
    def _font(px: int, *, bold: bool = False) -> QFont:
        f = QFont()
        f.setPixelSize(max(1, px))
        f.setBold(bold)
        return f

    def _widths(self, sz: _Sizes) -> tuple[float, list[float]]:
        """(width of the name column, width of each number column) at these sizes."""
        name_fm = QFontMetricsF(self._font(sz.num, bold=True))
        cap_fm = QFontMetricsF(self._font(sz.cap))
        names = [MEETING_UI["total"], MEETING_UI["col_ken"]]
        names += [k.name for heads in self.blocks for k in heads.kens]
        name_w = max(name_fm.horizontalAdvance(n) for n in names)
        cols = []
        for key, head in self.columns():
            texts = [
                self.cells.get((b, k, key), "")
                for b, heads in enumerate(self.blocks)
                for k in self._keys(heads)
            ]
            w = max([name_fm.horizontalAdvance(t) for t in texts] + [0.0])
            w = max([w, *(cap_fm.horizontalAdvance(line) for line in head.split("\n"))])
            cols.append(w)
        return name_w, cols

    @staticmethod
    def _keys(heads: Headlines) -> list[str]:
        return [k.key for k in heads.kens] + [""]

    def _legend_text_rect(self, sz: _Sizes) -> QRectF:
        """Where a legend row's text may go (its height is the wrapped text's)."""
        s = sz.num * 0.7
        return QRectF(0, 0, max(40.0, self.width() - PAD * 2 - s * 1.4 - GAP), 1e6)

    def _legend_heights(self, sz: _Sizes) -> list[float]:
        fm = QFontMetricsF(self._font(sz.num))
        box = self._legend_text_rect(sz)
        wrap = int(Qt.TextFlag.TextWordWrap)
        return [
            max(sz.num * 1.35, fm.boundingRect(box, wrap, text).height() + sz.num * 0.3)
            for *_x, text in self.legend
        ]

    def _height(self, sz: _Sizes) -> float:
        line, cap = sz.num * 1.35, sz.cap * 1.3
        head_lines = max((h.count("\n") + 1 for _k, h in self.columns()), default=1)
        h = PAD + cap * 1.4
        for heads in self.blocks:
            h += line * 1.2 + cap * head_lines + line * (len(heads.kens) + 1) + line * 0.6
        if self.legend:
            h += cap * 1.4 + sum(self._legend_heights(sz))
        return h + cap * 3 + PAD  # the message line

    def sizes(self) -> _Sizes:
        """The largest type (≤ the base size) whose table fits the strip's width and height."""
        for num in range(self.base_px, 11, -1):
            sz = _Sizes(num, max(12, round(num * 0.72)))
            name_w, cols = self._widths(sz)
            width = PAD * 2 + sz.num * 0.6 + GAP + name_w + sum(w + GAP for w in cols)
            if width <= self.width() and self._height(sz) <= self.height():
                return sz
        return _Sizes(12, 12)

    # -- painting -------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        p.fillRect(self.rect(), QColor("#f7f8f9"))
        sz = self.sizes()
        self.drawn_px = sz.num
        y = PAD
        p.setFont(self._font(sz.cap))
        p.setPen(MUTED)
        p.drawText(QRectF(PAD, y, self.width() - 2 * PAD, sz.cap * 1.4), MEETING_UI["strip_title"])
        y += sz.cap * 1.4
        name_w, cols = self._widths(sz)
        for b, heads in enumerate(self.blocks):
            y = self._paint_block(p, b, heads, sz, name_w, cols, y)
        if self.legend:
            y = self._paint_legend(p, sz, y)
        if self.status:
            p.setFont(self._font(sz.cap))
            p.setPen(ACCENT)
            flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom | Qt.TextFlag.TextWordWrap
            p.drawText(
                QRectF(PAD, y, self.width() - 2 * PAD, self.height() - y - PAD), int(flags), self.status
            )
        p.end()

    def _paint_block(
        self, p: QPainter, b: int, heads: Headlines, sz: _Sizes, name_w: float, cols: list[float], y: float
    ) -> float:
        line, swatch = sz.num * 1.35, sz.num * 0.6
        x_name = PAD + swatch + GAP
        right = self.width() - PAD
        p.setFont(self._font(sz.num, bold=True))
        p.setPen(ACCENT)
        p.drawText(QRectF(PAD, y, right - PAD, line * 1.2), int(Qt.AlignmentFlag.AlignVCenter), heads.option)
        y += line * 1.2
        # column captions, right-aligned over their numbers, lines as labels.py breaks them
        head_lines = max((h.count("\n") + 1 for _k, h in self.columns()), default=1)
        cap_h = sz.cap * 1.3 * head_lines
        p.setFont(self._font(sz.cap))
        p.setPen(MUTED)
        p.drawText(QRectF(x_name, y, name_w, cap_h), int(Qt.AlignmentFlag.AlignBottom), MEETING_UI["col_ken"])
        xs = []
        x = right
        for w in reversed(cols):
            xs.append(x - w)
            x -= w + GAP
        xs.reverse()
        for (_key, head), x0, w in zip(self.columns(), xs, cols, strict=True):
            flags = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom
            p.drawText(QRectF(x0, y, w, cap_h), int(flags), head)
        y += cap_h
        for ken in [*heads.kens, heads.total]:
            total = ken is heads.total
            if total:
                p.setPen(QPen(MUTED, 1))
                p.drawLine(int(x_name), int(y + 1), int(right), int(y + 1))
            else:
                p.fillRect(QRectF(PAD, y + line * 0.2, swatch, line * 0.6), QColor(ken.color))
                p.setPen(QPen(MUTED, 1))
                p.drawRect(QRectF(PAD, y + line * 0.2, swatch, line * 0.6))
            p.setPen(INK)
            p.setFont(self._font(sz.num, bold=True))
            name = MEETING_UI["total"] if total else ken.name
            p.drawText(QRectF(x_name, y, name_w, line), int(Qt.AlignmentFlag.AlignVCenter), name)
            p.setFont(self._font(sz.num, bold=total))
            for (key, _head), x0, w in zip(self.columns(), xs, cols, strict=True):
                text = self.cells.get((b, "" if total else ken.key, key), "")
                flags = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                p.drawText(QRectF(x0, y, w, line), int(flags), text)
            y += line
        return y + line * 0.6

    def _paint_legend(self, p: QPainter, sz: _Sizes, y: float) -> float:
        line, s = sz.num * 1.35, sz.num * 0.7
        p.setFont(self._font(sz.cap))
        p.setPen(MUTED)
        p.drawText(QRectF(PAD, y, self.width() - 2 * PAD, sz.cap * 1.4), MEETING_UI["legend"])
        y += sz.cap * 1.4
        p.setFont(self._font(sz.num))
        text_w = self._legend_text_rect(sz).width()
        for (kind, color, text), row_h in zip(self.legend, self._legend_heights(sz), strict=True):
            cy = y + line / 2
            c = QColor(color)
            if kind == "dot":
                p.setBrush(c)
                p.setPen(QPen(QColor("#222222"), 1))
                p.drawEllipse(QRectF(PAD, cy - s / 2, s, s))
            elif kind == "cross":
                p.setPen(QPen(c, max(1.5, s * 0.14)))
                h = s * 0.3
                x0 = PAD + s * 0.5
                p.drawLine(QPointF(x0 - h, cy - h), QPointF(x0 + h, cy + h))
                p.drawLine(QPointF(x0 - h, cy + h), QPointF(x0 + h, cy - h))
            elif kind == "whatif":  # the page's 「仮」 marker
                p.setBrush(QColor("#ffffff"))
                p.setPen(QPen(c, max(2.0, s * 0.12)))
                box = QRectF(PAD - s * 0.1, cy - s * 0.6, s * 1.2, s * 1.2)
                p.drawEllipse(box)
                p.setFont(self._font(round(sz.num * 0.6)))
                p.drawText(box, int(Qt.AlignmentFlag.AlignCenter), MEETING_UI["whatif_mark"])
                p.setFont(self._font(sz.num))
            elif kind == "line":
                p.setPen(QPen(c, 4, Qt.PenStyle.DashLine))
                p.drawLine(int(PAD), int(cy), int(PAD + s * 1.4), int(cy))
            else:
                p.fillRect(QRectF(PAD, cy - s / 2, s * 1.4, s), c)
            p.setPen(INK)
            flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
            p.drawText(QRectF(PAD + s * 1.4 + GAP, y + sz.num * 0.15, text_w, row_h), int(flags), text)
            y += row_h
        return y
