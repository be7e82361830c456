"""Read official tables by content: the grid of cells, the header block above the data, the label
of every column.

The official workbooks have title rows, one to three header rows (a spanning cell such as
``2024年度から2050年度にかけた…`` over the year columns, then the years, then the units) and a key
column (a 構想区域 or municipality code) that marks the data rows.  Nothing here depends on
positions: :func:`locate` finds the key column by its content (the caller says what a key looks
like) and the header block as the rows directly above the first data row.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from zaitaku_map.demand.tokens import Labels, cell_str, norm, number, parse_label
from zaitaku_map.errors import UnsupportedFormatError
from zaitaku_map.tabular import CSV_SUFFIXES, XLSX_SUFFIXES, iter_xlsx_sheets, read_rows

HEADER_SEARCH_ROWS = 40
"""How many rows may precede the first data row (titles, notes, header rows)."""

Cell = object
KeyFunc = Callable[[Cell], str | None]


@dataclass
class Sheet:
    """One worksheet (or one CSV file) as the grid of its cell values, as read."""

    path: Path
    name: str | None
    rows: list[list[Cell]]

    @property
    def where(self) -> str:
        return self.path.name + (f":{self.name}" if self.name else "")

    def cell(self, r: int, c: int) -> Cell:
        row = self.rows[r]
        return row[c] if c < len(row) else None

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)


def _trim(row: Sequence[Cell]) -> list[Cell]:
    out = [None if (isinstance(v, str) and not v.strip()) else v for v in row]
    while out and out[-1] is None:
        out.pop()
    return out


def read_sheets(path: str | Path, *, max_rows: int | None = None) -> list[Sheet]:
    """Every worksheet of an xlsx, or the one table of a CSV/TSV (UTF-8 or CP932), as grids
    (the first ``max_rows`` rows of each when given: enough to tell what a file is)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return [
            Sheet(p, name, [_trim(r) for r in itertools.islice(rows, max_rows)])
            for name, rows in iter_xlsx_sheets(p)
        ]
    if suffix in CSV_SUFFIXES:
        grid = read_rows(p, max_rows=max_rows)  # the one table reader: encoding and delimiter detected
        return [Sheet(p, None, [_trim([c if c.strip() else None for c in r]) for r in grid.cells])]
    raise UnsupportedFormatError(
        "not a table file", file=p, expected="Excel ブック (.xlsx) または CSV (.csv)"
    )


def is_blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass
class Layout:
    """Where the table of a sheet is: key column, data rows, header rows and column labels."""

    sheet: Sheet
    key_col: int
    first_row: int
    data_rows: list[int]
    header_rows: list[int]
    titles: list[str]
    col_labels: list[Labels] = field(default_factory=list)
    col_text: list[str] = field(default_factory=list)

    @property
    def title_labels(self) -> Labels:
        """What the sheet's title rows (and the sheet name) say; never a year (titles name editions)."""
        out = Labels()
        for t in [*self.titles, self.sheet.name or ""]:
            lab = parse_label(t)
            out = out.merge(Labels(sex=lab.sex, age=lab.age, share=lab.share, skip=lab.skip))
        return out

    def header_of(self, col: int) -> str:
        return self.col_text[col] if col < len(self.col_text) else ""


def _key_runs(sheet: Sheet, key: KeyFunc, col: int) -> list[int]:
    return [r for r in range(len(sheet.rows)) if key(sheet.cell(r, col)) is not None]


def _first_run_start(rows: list[int]) -> int:
    """First row of the key column that starts a run of keys (a lone code-like title cell does not)."""
    for i, r in enumerate(rows):
        near = [x for x in rows[i + 1 : i + 6] if x - r <= 8]
        if near or len(rows) == 1:
            return r
    return rows[0]


def _header_block(sheet: Sheet, first: int) -> list[int]:
    """Non-blank rows directly above the first data row (up to a blank row or the top)."""
    out: list[int] = []
    r = first - 1
    while r >= 0 and first - r <= HEADER_SEARCH_ROWS:
        if all(is_blank(v) for v in sheet.rows[r]):
            if out:
                break
            r -= 1
            continue
        out.append(r)
        r -= 1
    return sorted(out)


def _column_labels(sheet: Sheet, header_rows: list[int], width: int) -> tuple[list[Labels], list[str]]:
    """Labels per column: spanning cells of the upper header rows fill to the right; lower rows win."""
    filled: list[list[Cell]] = []
    for i, r in enumerate(header_rows):
        row = [sheet.cell(r, c) for c in range(width)]
        if i < len(header_rows) - 1:  # a spanning (merged) cell covers the blank cells to its right
            last: Cell = None
            for c in range(width):
                if is_blank(row[c]):
                    row[c] = last
                else:
                    last = row[c]
        filled.append(row)
    labels: list[Labels] = []
    texts: list[str] = []
    for c in range(width):
        lab = Labels()
        parts: list[str] = []
        for row in reversed(filled):  # the lowest header row is the most specific
            v = row[c]
            if is_blank(v):
                continue
            lab = lab.merge(parse_label(v, numeric_year=True))
            parts.insert(0, cell_str(v).strip())
        labels.append(lab)
        texts.append(" ".join(dict.fromkeys(parts)))
    return labels, texts


def locate(
    sheet: Sheet,
    key: KeyFunc,
    *,
    hints: Sequence[str] = (),
    prefer: Callable[[str], bool] | None = None,
    min_rows: int = 1,
) -> Layout | None:
    """Find the table of ``sheet`` whose key column holds values ``key`` accepts.

    The key column is the one with the most accepted values, a column whose header names one of
    ``hints`` (e.g. ``コード``) winning, then the one with most keys ``prefer`` likes (e.g. codes of the
    project's municipalities — population figures can look like codes too); the data rows are the rows from the first run of keys
    on; the header block is the non-blank rows above it.  ``None`` when no column has ``min_rows``
    keys.
    """
    width = sheet.width
    best: tuple[tuple[int, int, int], int, list[int]] | None = None
    for c in range(width):
        rows = _key_runs(sheet, key, c)
        if len(rows) < min_rows:
            continue
        first = _first_run_start(rows)
        head = " ".join(norm(sheet.cell(r, c)) for r in range(max(0, first - 6), first))
        hinted = int(any(norm(h) in head for h in hints))
        keys = [k for r in rows if r >= first and (k := key(sheet.cell(r, c))) is not None]
        liked = sum(1 for k in keys if prefer(k)) if prefer is not None else 0
        score = (hinted, liked, len(keys))
        if best is None or score > best[0]:
            best = (score, c, [r for r in rows if r >= first])
    if best is None:
        return None
    _score, col, rows = best
    first = rows[0]
    block = _header_block(sheet, first)
    lead = min(
        (c for r in [*block, *rows[:20]] for c, v in enumerate(sheet.rows[r]) if not is_blank(v)), default=0
    )
    # rows above the block (a blank row between them) are titles; so are one-cell rows of the block
    # that start at the table's left edge (a spanning cell further right is a header)
    top = block[0] if block else first
    titles = [
        " ".join(cell_str(v).strip() for v in sheet.rows[r] if not is_blank(v))
        for r in range(top)
        if any(not is_blank(v) for v in sheet.rows[r])
    ]
    header_rows: list[int] = []
    for r in block:
        cells = [(c, v) for c, v in enumerate(sheet.rows[r]) if not is_blank(v)]
        if len(cells) == 1 and cells[0][0] <= lead:
            titles.append(cell_str(cells[0][1]).strip())
        else:
            header_rows.append(r)
    labels, texts = _column_labels(sheet, header_rows, width)
    return Layout(sheet, col, first, rows, header_rows, titles, labels, texts)


def numeric_share(sheet: Sheet, rows: Sequence[int], col: int) -> float:
    """Share of the non-blank cells of ``col`` in ``rows`` that are numbers."""
    vals = [sheet.cell(r, col) for r in rows]
    filled = [v for v in vals if not is_blank(v)]
    if not filled:
        return 0.0
    return sum(1 for v in filled if number(v) is not None) / len(filled)
