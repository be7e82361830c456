"""The first rows of a table as text cells, for detection (no header decision here).

Reads through the one table reader (:mod:`zaitaku_map.tabular`: encoding, delimiter, xlsx values)
and zip members through :mod:`zaitaku_map.archive`; detection looks at no more than
:data:`SAMPLE_ROWS` rows of each sheet.
"""

from __future__ import annotations

from pathlib import Path

from zaitaku_map import archive, tabular
from zaitaku_map.tabular import CSV_SUFFIXES, XLSX_SUFFIXES

SAMPLE_ROWS = 40
__all__ = ["CSV_SUFFIXES", "SAMPLE_ROWS", "XLSX_SUFFIXES", "archive_names", "sheets", "text_rows"]


def text_rows(path: Path, member: str | None = None, *, max_rows: int = SAMPLE_ROWS) -> list[list[str]]:
    """The first rows of a CSV/TSV/TXT file or zip member."""
    source: tabular.Source = (path, member) if member is not None else path
    name = Path(archive.decode_member_name(member)).name if member is not None else path.name
    return tabular.read_rows(source, name=name, max_rows=max_rows).cells


def sheets(path: Path, *, max_rows: int = SAMPLE_ROWS) -> list[list[list[str]]]:
    """The first rows of every sheet of a workbook, or of a CSV (one entry)."""
    if path.suffix.lower() not in XLSX_SUFFIXES:
        return [text_rows(path, max_rows=max_rows)]
    return [tabular.read_rows(path, sheet=s, max_rows=max_rows).cells for s in tabular.sheet_names(path)]


def archive_names(path: Path) -> list[str]:
    """Every file inside a zip (folders and hidden metadata left out)."""
    return [m.name for m in archive.members(path)]


def check_members(path: Path) -> None:
    """Refuse a zip whose members exceed the size or compression-ratio limits (before GDAL reads it)."""
    for m in archive.members(path):
        archive.check_member(path, m)


def extract(path: Path, dest: Path) -> list[Path]:
    """Unpack a zip of downloads within the resource limits (member paths cannot leave ``dest``)."""
    return archive.extract(path, dest)
