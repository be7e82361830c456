"""The first rows of a table as text cells, for detection (no header decision here).

Reads through the importers' table reader (encoding, delimiter, xlsx values); detection looks at
no more than :data:`SAMPLE_ROWS` rows of each sheet.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from zaitaku_map.errors import UnsupportedFormatError
from zaitaku_map.importers.readers import (
    CSV_SUFFIXES,
    XLSX_SUFFIXES,
    cell_text,
    decode_text,
    head_bytes,
    iter_xlsx_sheets,
)

SAMPLE_ROWS = 40
__all__ = ["CSV_SUFFIXES", "SAMPLE_ROWS", "XLSX_SUFFIXES", "archive_names", "sheets", "text_rows"]


def text_rows(path: Path, member: str | None = None, *, max_rows: int = SAMPLE_ROWS) -> list[list[str]]:
    """The first rows of a CSV/TSV/TXT file or zip member."""
    data = head_bytes(path, member, size=1 << 16)
    if len(data) == 1 << 16:
        data = data.rsplit(b"\n", 1)[0]  # never a row cut in the middle
    text, _enc = decode_text(data)
    first = text.split("\n", 1)[0]
    delim = max((",", "\t", ";"), key=first.count)
    rows = list(csv.reader(io.StringIO(text), delimiter=delim if first.count(delim) else ","))
    return rows[:max_rows]


def sheets(path: Path, *, max_rows: int = SAMPLE_ROWS) -> list[list[list[str]]]:
    """The first rows of every sheet of a workbook, or of a CSV (one entry)."""
    if path.suffix.lower() not in XLSX_SUFFIXES:
        return [text_rows(path, max_rows=max_rows)]
    out = []
    for _name, rows in iter_xlsx_sheets(path):
        grid = []
        for i, row in enumerate(rows):
            if i >= max_rows:
                break
            grid.append([cell_text(c) for c in row])
        out.append(grid)
    return out


def archive_names(path: Path) -> list[str]:
    """Every file inside a zip (folders and macOS metadata left out)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = [i.filename for i in zf.infolist() if not i.is_dir()]
    except zipfile.BadZipFile as exc:
        raise UnsupportedFormatError("broken zip file", file=path, expected="zip") from exc
    return [n for n in names if not n.startswith("__MACOSX/")]
