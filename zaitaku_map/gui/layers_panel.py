"""Layers panel: visibility (check boxes), counts and opacity of every map layer."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSlider,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from zaitaku_map import labels

GROUPS = labels.GUI_LAYER_GROUPS


def symbol_icon(color: str, shape: str = "s", size: int = 16) -> QIcon:
    """Small coloured symbol for a layer row (same shapes as the map)."""
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setBrush(QColor(color))
    p.setPen(QColor("#111111"))
    m = 3
    r = size - 2 * m
    if shape in ("o", "."):
        p.drawEllipse(m, m, r, r)
    elif shape in ("^", "v", "D", "*", "h"):
        from PySide6.QtCore import QPointF
        from PySide6.QtGui import QPolygonF

        c = size / 2
        polygons: dict[str, list[tuple[float, float]]] = {
            "^": [(c, m), (size - m, size - m), (m, size - m)],
            "v": [(c, size - m), (size - m, m), (m, m)],
            "D": [(c, 1), (size - m, c), (c, size - 1), (m, c)],
            "*": [
                (c, 1),
                (c + 2, c - 2),
                (size - 1, c - 1),
                (c + 3, c + 2),
                (c + 4, size - 1),
                (c, c + 4),
                (c - 4, size - 1),
                (c - 3, c + 2),
                (1, c - 1),
                (c - 2, c - 2),
            ],
            "h": [(c, 1), (size - 2, c - 4), (size - 2, c + 4), (c, size - 1), (2, c + 4), (2, c - 4)],
        }
        p.drawPolygon(QPolygonF([QPointF(x, y) for x, y in polygons[shape]]))
    else:
        p.drawRect(m, m, r, r)
    p.end()
    return QIcon(pm)


class LayersPanel(QWidget):
    """Tree of layers; emits ``visibility_changed(id, on)`` and ``opacity_changed(id, value)``."""

    visibility_changed = Signal(str, bool)
    opacity_changed = Signal(str, float)
    zoom_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["レイヤー", "件数"])
        # the name takes the room left by the count (the count stays in view in a narrow dock)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemChanged.connect(self._item_changed)
        self.tree.currentItemChanged.connect(self._current_changed)
        self.tree.itemDoubleClicked.connect(lambda item, _c: self._double(item))
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(100)
        self.opacity.setEnabled(False)
        self.opacity.valueChanged.connect(self._opacity_moved)
        self.opacities: dict[str, int] = {}
        row = QHBoxLayout()
        row.addWidget(QLabel("不透明度"))
        row.addWidget(self.opacity)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.tree)
        lay.addLayout(row)
        hint = QLabel("ダブルクリックでその範囲へ移動")
        hint.setStyleSheet("color: #555;")
        lay.addWidget(hint)
        self.groups: dict[str, QTreeWidgetItem] = {}
        self.items: dict[str, QTreeWidgetItem] = {}
        self._building = False

    def clear(self) -> None:
        self._building = True
        self.tree.clear()
        self.groups.clear()
        self.items.clear()
        self._building = False

    def _group(self, key: str) -> QTreeWidgetItem:
        if key not in self.groups:
            g = QTreeWidgetItem([GROUPS[key], ""])
            g.setFlags(g.flags() & ~Qt.ItemFlag.ItemIsUserCheckable)
            order = list(GROUPS)
            idx = sum(1 for k in self.groups if order.index(k) < order.index(key))
            self.tree.insertTopLevelItem(idx, g)
            g.setExpanded(True)
            self.groups[key] = g
        return self.groups[key]

    def set_layer(
        self,
        layer_id: str,
        group: str,
        label: str,
        *,
        count: int | None = None,
        color: str | None = None,
        shape: str = "s",
        visible: bool = True,
    ) -> None:
        """Add or update one layer row."""
        self._building = True
        item = self.items.get(layer_id)
        if item is None:
            item = QTreeWidgetItem(self._group(group), [label, ""])
            item.setData(0, Qt.ItemDataRole.UserRole, layer_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked)
            self.items[layer_id] = item
        item.setText(0, label)
        item.setToolTip(0, label)  # the full name where the dock is too narrow for it
        item.setText(1, "" if count is None else f"{count:,}")
        item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight)
        if color:
            item.setIcon(0, symbol_icon(color, shape))
        self._building = False

    def remove_layer(self, layer_id: str) -> None:
        item = self.items.pop(layer_id, None)
        parent = item.parent() if item is not None else None
        if item is not None and parent is not None:
            parent.removeChild(item)

    def is_visible(self, layer_id: str) -> bool:
        item = self.items.get(layer_id)
        return item is not None and item.checkState(0) == Qt.CheckState.Checked

    def set_visible(self, layer_id: str, on: bool) -> None:
        item = self.items.get(layer_id)
        if item is not None:
            item.setCheckState(0, Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def _item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if self._building or column != 0:
            return
        layer_id = item.data(0, Qt.ItemDataRole.UserRole)
        if layer_id:
            self.visibility_changed.emit(layer_id, item.checkState(0) == Qt.CheckState.Checked)

    def _current_changed(self, item: QTreeWidgetItem | None, _prev: Any) -> None:
        layer_id = item.data(0, Qt.ItemDataRole.UserRole) if item else None
        self.opacity.setEnabled(bool(layer_id))
        if layer_id:
            self.opacity.blockSignals(True)
            self.opacity.setValue(self.opacities.get(layer_id, 100))
            self.opacity.blockSignals(False)

    def _opacity_moved(self, value: int) -> None:
        item = self.tree.currentItem()
        layer_id = item.data(0, Qt.ItemDataRole.UserRole) if item else None
        if layer_id:
            self.opacities[layer_id] = value
            self.opacity_changed.emit(layer_id, value / 100.0)

    def _double(self, item: QTreeWidgetItem) -> None:
        layer_id = item.data(0, Qt.ItemDataRole.UserRole)
        if layer_id:
            self.zoom_requested.emit(layer_id)
