"""Import wizard helpers without widgets state: data kinds and their core functions, guesses from
file names, folder expansion, the report text and the rejected-rows CSV."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QAbstractItemView, QTableWidget

from zaitaku_map import labels

# data kind -> its label (the core import function: :func:`kind_function`)
KINDS: dict[str, str] = {
    k: labels.GUI_IMPORT_KINDS[k]
    for k in ("facilities", "boundaries", "areas", "a38", "population", "projection", "roads", "reference")
}


def kind_function(kind: str) -> Callable[..., Any]:
    """The core function that imports files of this data kind (imported on first use)."""
    if kind == "facilities":
        from zaitaku_map.importers import import_files

        return import_files
    if kind == "boundaries":
        from zaitaku_map.geodata import import_boundaries

        return import_boundaries
    if kind == "areas":
        from zaitaku_map.geodata import import_area_table

        return import_area_table
    if kind == "a38":
        from zaitaku_map.geodata import import_a38

        return import_a38
    if kind == "population":
        from zaitaku_map.geodata import import_population

        return import_population
    if kind == "projection":
        from zaitaku_map.demand import import_projection_file

        def projection(
            project: Any, path: str, *, progress: Any = None, cancel: Any = None
        ) -> dict[str, Any]:
            return import_projection_file(project, path, progress=progress, cancel=cancel).to_dict()

        return projection
    if kind == "roads":
        from zaitaku_map.network import import_roads

        return import_roads
    if kind == "reference":
        from zaitaku_map.geocode import import_reference

        return import_reference
    raise KeyError(kind)


def guess_kind(path: str) -> str:
    """A first guess of the data kind from the file (the user can change it): projection, demand and
    rate tables by content, the others by file name."""
    from zaitaku_map.demand import sniff_projection_file

    if sniff_projection_file(path) is not None:
        return "projection"
    n = Path(path).name.lower()
    if re.match(r"^\d{2}_\d{4}\.(csv|zip)$", n):  # 位置参照情報: <pref>_<year>.csv
        return "reference"
    if n.startswith("n03") or "gyosei" in n:
        return "boundaries"
    if n.startswith("a38"):
        return "a38"
    if n.endswith((".pbf", ".osm", ".graphml")):
        return "roads"
    if "mesh" in n or "tblt" in n or "jinko" in n or "population" in n or "人口" in n:
        return "population"
    if "isj" in n or "位置参照" in n or "town" in n:
        return "reference"
    if "圏域" in n or "医療圏" in n or "area" in n:
        return "areas"
    return "facilities"


def guess_category(path: str) -> str | None:
    n = Path(path).name.lower()
    if "houkatsu" in n or "包括" in n:
        return "houkatsu"
    return None


def guess_layer(path: str) -> str:
    n = Path(path).name
    for name in labels.AREA_LAYER_SUGGESTIONS:
        if name in n:
            return name
    if "保健所" in n:
        return "保健所圏域"
    return "二次医療圏"


def expand_paths(paths: list[str]) -> list[str]:
    """Files of dropped folders (recursively), without our own notes and manifests."""
    out: list[str] = []
    for p in paths:
        pp = Path(p)
        if pp.is_dir():
            for f in sorted(pp.rglob("*")):
                if f.is_file() and not f.name.startswith((".", "README")) and f.name != "manifest.json":
                    out.append(str(f))
        elif pp.name:
            out.append(str(pp))
    return out


# the order in which one wizard run imports mixed files (boundaries first: others match against them)
KIND_ORDER = ("boundaries", "a38", "areas", "population", "projection", "facilities", "reference", "roads")


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


def summary_text(reports: list[dict[str, Any]]) -> str:
    lines = []
    for r in reports:
        lines.append(f"■ {Path(str(r.get('file', ''))).name}")
        if r.get("kind") in KINDS:
            lines.append(f"  種類: {KINDS[r['kind']]}")
        fmt = r.get("format")
        if fmt:
            lines.append(
                f"  形式: {labels.IMPORT_FORMATS.get(fmt, fmt)}  基準日: {r.get('reference_date') or '—'}"
            )
        for key, label in (
            ("rows_read", "読込行"),
            ("added", "新規"),
            ("updated", "更新"),
            ("unchanged", "変更なし"),
            ("closed", "掲載終了"),
            ("matched_across_sources", "他の出典と照合"),
            ("rejected", "除外"),
            ("warnings", "警告"),
        ):
            if key in r:
                lines.append(f"  {label}: {r[key]}")
        if r.get("by_category"):
            lines.append(
                "  種別: " + "、".join(f"{labels.category_label(k)} {v}" for k, v in r["by_category"].items())
            )
        if r.get("rejected_reasons"):
            lines.append("  除外の理由: " + "、".join(f"{k} {v}" for k, v in r["rejected_reasons"].items()))
        if fmt is None:
            simple = {
                k: v for k, v in r.items() if k not in ("file", "kind") and isinstance(v, int | float | str)
            }
            for k, v in list(simple.items())[:20]:
                lines.append(f"  {k}: {v}")
        for n in r.get("notes", []) or []:
            lines.append(f"  注: {n}")
    return "\n".join(lines) or "取り込むものがありませんでした。"


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
