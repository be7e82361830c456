"""Import wizard helpers: the data kinds a user may choose, the drop target, the rejected-rows CSV."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QAbstractItemView, QTableWidget

from zaitaku_map import labels

# data kinds the user may choose for a file, in import order (key -> label)
KINDS: dict[str, str] = {
    k: labels.GUI_IMPORT_KINDS[k]
    for k in (
        "boundaries",
        "a38",
        "areas",
        "population",
        "projection",
        "facilities",
        "reference",
        "roads",
        "agreements",
    )
}
NOT_IMPORTED = "（取り込まない）"


class DropTable(QTableWidget):
    """File table accepting drag and drop of files and folders."""

    def __init__(self, on_drop: Any) -> None:
        super().__init__()
        self.on_drop = on_drop
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)

    def dragEnterEvent(self, e: QDragEnterEvent) -> None:
        if e.mimeData().hasUrls():
            e.acceptProposedAction()

    def dragMoveEvent(self, e: Any) -> None:
        if e.mimeData().hasUrls():
            e.acceptProposedAction()

    def dropEvent(self, e: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in e.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.on_drop(paths)
            e.acceptProposedAction()


def write_rows_csv(path: str | Path, rows: list[dict[str, Any]]) -> None:
    """CSV with a BOM so Excel opens the Japanese text correctly."""
    cols = ["file_name", "sheet", "row", "column_name", "value", "severity", "reason", "raw_json"]
    heads = ["ファイル", "シート", "行", "列", "値", "区分", "理由", "元の行"]
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(heads)
        for r in rows:
            w.writerow(
                [
                    ""
                    if r.get(c) is None
                    else (r[c] if c != "raw_json" else json.dumps(json.loads(r[c]), ensure_ascii=False))
                    for c in cols
                ]
            )
