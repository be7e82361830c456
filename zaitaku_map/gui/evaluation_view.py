"""The 評価表 and 注意 tabs: an evaluated option (:class:`~zaitaku_map.options.OptionEvaluation`)
as a table with every column reachable and as warnings grouped by 圏域 and kind.

Counts come with their rates per population (人口10万人あたり, 75歳以上千人あたり); a category
that was never imported reads 「未取込」, never 0; warnings keep their full text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QLabel,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from zaitaku_map import labels

if TYPE_CHECKING:
    from zaitaku_map.options import OptionEvaluation
    from zaitaku_map.options.results import CategoryCount, KenEvaluation

NOT_LOADED = "未取込"
MISSING = "なし"
RED = QColor("#b00020")


def color_icon(color: str, size: int = 16) -> QIcon:
    pm = QPixmap(size, size)
    pm.fill(QColor(color or "#cccccc"))
    return QIcon(pm)


def _num(v: float | None) -> str:
    return "—" if v is None else f"{v:,.0f}"


def _count_text(c: CategoryCount | None) -> str:
    if c is None or not c.loaded:
        return NOT_LOADED
    rate = f"（{c.per_100k:,.1f}）" if c.per_100k is not None else ""
    return f"{c.count:,}{rate}"


def columns(ev: OptionEvaluation) -> list[str]:
    """Header of the table (the categories in the project's order, coverage when computed)."""
    cols = ["圏域", "市区町村", "総人口", "65歳以上", "75歳以上"]
    cols += [f"{labels.category_label(c, short=True)}\n件数（10万人あたり）" for c in _categories(ev)]
    cols += ["在支診＋在支病\n75歳以上千人あたり", "積極的役割", "連携拠点", "欠けている機能"]
    cols += [f"カバー率\n{labels.category_label(c, short=True)}" for c in _coverage_categories(ev)]
    cols += [f"カバー外75歳以上\n{labels.category_label(c, short=True)}" for c in _coverage_categories(ev)]
    cols.append("注意")
    return cols


def _categories(ev: OptionEvaluation) -> list[str]:
    present = {c for k in ev.kens for c in k.facilities}
    return [c for c in labels.CATEGORIES if c in present and labels.CATEGORIES[c].core]


def _coverage_categories(ev: OptionEvaluation) -> list[str]:
    if ev.totals.coverage is None:
        return []
    return list(ev.totals.coverage)


def ken_row(ev: OptionEvaluation, k: KenEvaluation) -> list[Any]:
    """The cells of one 圏域 (numbers stay numbers; text is what the cell shows)."""
    pop = k.population
    row: list[Any] = [k.name, k.n_municipalities, pop.pop_total, pop.pop_65, pop.pop_75]
    row += [_count_text(k.facilities.get(c)) for c in _categories(ev)]
    z75 = pop.pop_75
    row.append(f"{k.zaishi_total / z75 * 1000:,.2f}" if z75 else "—")
    row.append("、".join(f.name for f in k.active_role) or MISSING)
    row.append("、".join(str(h.get("name") or "") for h in k.hubs) or MISSING)
    row.append("・".join(labels.FUNCTIONS.get(int(f), str(f)) for f in k.missing_functions) or "—")
    for c in _coverage_categories(ev):
        share = (k.coverage or {}).get(c)
        row.append("—" if share is None or share.share is None else f"{share.share * 100:.1f}%")
    for c in _coverage_categories(ev):
        share = (k.coverage or {}).get(c)
        row.append(None if share is None else share.pop_75_uncovered)
    row.append(k.n_warnings)
    return row


def fill_table(table: QTableWidget, ev: OptionEvaluation, colors: dict[str, str] | None = None) -> None:
    """Put the evaluation into ``table``; ``colors`` are the 圏域 colours of the map (and the prints)."""
    cols = columns(ev)
    table.clear()
    table.setColumnCount(len(cols))
    table.setHorizontalHeaderLabels(cols)
    table.setRowCount(len(ev.kens))
    for i, k in enumerate(ev.kens):
        for j, v in enumerate(ken_row(ev, k)):
            text = (
                _num(v) if isinstance(v, float) or v is None else (f"{v:,}" if isinstance(v, int) else str(v))
            )
            item = QTableWidgetItem(text)
            if isinstance(v, int | float) or (isinstance(v, str) and v[:1].isdigit()):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            color = (colors or {}).get(k.ken_key) or k.color
            if j == 0 and color:
                item.setIcon(color_icon(color))
            if v in (MISSING, NOT_LOADED) or (cols[j] == "注意" and v):
                item.setForeground(RED if v != NOT_LOADED else QColor("#666666"))
            if isinstance(v, str) and len(v) > 24:
                item.setToolTip(v)
            table.setItem(i, j, item)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
    table.resizeColumnsToContents()
    for j in range(table.columnCount()):
        table.setColumnWidth(j, min(table.columnWidth(j), 220))
    table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    table.setToolTip(
        "件数の（ ）は人口10万人あたり。未取込＝その種別の施設データを取り込んでいません。"
        "横にスクロールするか「表を大きく表示」で全列を見られます。"
    )


def notes_text(ev: OptionEvaluation) -> str:
    """The lines under the table: where population comes from, coverage parameters, what is missing."""
    lines = [x for x in (ev.population_note, ev.coverage_description or ev.coverage_note) if x]
    if ev.categories_not_loaded:
        lines.append(
            "未取込: "
            + "・".join(labels.category_label(c, short=True) for c in ev.categories_not_loaded)
            + "（件数・不足の判定から除外）"
        )
    lines += list(ev.section_notes.values())
    return "\n".join(lines)


class WrapDelegate(QStyledItemDelegate):
    """Rows as tall as their wrapped text (QTreeView cuts long Japanese lines otherwise)."""

    def __init__(self, tree: QTreeWidget) -> None:
        super().__init__(tree)
        self.tree = tree

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        base = super().sizeHint(option, index)
        depth, parent = 0, index.parent()
        while parent.isValid():
            depth, parent = depth + 1, parent.parent()
        width = max(self.tree.viewport().width() - self.tree.indentation() * (depth + 1) - 12, 80)
        text = str(index.data() or "")
        rect = option.fontMetrics.boundingRect(QRect(0, 0, width, 10_000), Qt.TextFlag.TextWordWrap, text)
        return QSize(base.width(), max(base.height(), rect.height() + 6))


class WarningsTree(QTreeWidget):
    """The 注意 tab: warnings by 圏域, each with its full text wrapped to the width of the dock."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setUniformRowHeights(False)
        self.setItemDelegate(WrapDelegate(self))

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.scheduleDelayedItemsLayout()  # heights follow the new width


def fill_warnings(tree: QTreeWidget, ev: OptionEvaluation) -> int:
    """Warnings grouped by 圏域 (then kind), full text; returns the number of warnings (not infos)."""
    tree.clear()
    tree.setHeaderHidden(True)
    tree.setWordWrap(True)
    groups: dict[str, list[Any]] = {}
    for w in ev.warnings:
        groups.setdefault(w.ken_name or "案全体", []).append(w)
    n = 0
    for where, items in groups.items():
        n_warn = sum(1 for w in items if w.level == "warning")
        n += n_warn
        top = QTreeWidgetItem([f"{where}（{n_warn}）" if n_warn else f"{where}（お知らせ）"])
        f = top.font(0)
        f.setBold(True)
        top.setFont(0, f)
        tree.addTopLevelItem(top)
        kinds: dict[str, list[Any]] = {}
        for w in items:
            kinds.setdefault(labels.GUI_WARNING_KINDS.get(w.code, "その他"), []).append(w)
        for kind, ws in kinds.items():
            for w in ws:
                mark = "⚠" if w.level == "warning" else "ℹ"
                text = w.message if kind in w.message or kind == "その他" else f"{kind}: {w.message}"
                child = QTreeWidgetItem([f"{mark} {text}"])
                child.setToolTip(0, w.message)
                if w.level == "warning":
                    child.setForeground(0, RED)
                top.addChild(child)
        top.setExpanded(True)
    if not groups:
        tree.addTopLevelItem(QTreeWidgetItem(["注意事項はありません。"]))
    tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    return n


class TableWindow(QDialog):
    """The 評価表 in its own resizable window (every column at once)."""

    def __init__(self, parent: QWidget, ev: OptionEvaluation, colors: dict[str, str] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"評価表 — {ev.option}")
        self.resize(1300, 520)
        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        fill_table(self.table, ev, colors)
        note = QLabel(notes_text(ev))
        note.setWordWrap(True)
        note.setTextFormat(Qt.TextFormat.PlainText)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table, 1)
        lay.addWidget(note)
