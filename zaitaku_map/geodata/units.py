"""What the geodata table importers share: the project's municipalities as matchable units, the grid
of a table file, and the choice of its key column by header and code shape.

A key column (municipality code, area code) is chosen by **what it says and what it holds**, never
by a value that happens to equal a code: a candidate column holds code-shaped values in at least
:data:`CODE_SHARE` of its non-empty cells and is not a value column; among the candidates, the ones
whose header names a code win, then the one whose values match most known codes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from zaitaku_map import tabular
from zaitaku_map.errors import GeodataError, UnsupportedFormatError
from zaitaku_map.geodata.codes import code_candidates
from zaitaku_map.store.project import Project
from zaitaku_map.textnorm import normalize_text

CODE_SHARE = 0.8  # share of a column's non-empty cells that must look like codes
CODE_HINTS = ("コード", "code", "番号", "cd", "ｺｰﾄﾞ")


def is_blank(v: Any) -> bool:
    """Empty cell: ``None``, NaN or only whitespace."""
    return v is None or (isinstance(v, float) and v != v) or str(v).strip() == ""


class MunicipalityRef(TypedDict):
    """A municipality in a report."""

    code: str
    name: str


@dataclass
class ProjectMunicipalities:
    """The project's municipalities for matching table cells: codes, names, wards of each 政令市."""

    codes: set[str]
    kind: dict[str, str]
    name: dict[str, str]
    wards: dict[str, list[str]] = field(default_factory=dict)
    prefs: set[str] = field(default_factory=set)
    by_name: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, project: Project) -> ProjectMunicipalities:
        """Read them from the project.

        Raises
        ------
        GeodataError
            The project has no municipalities yet.
        """
        rows = project.conn.execute(
            "SELECT code, name, full_name, kind, parent_code, pref_code, pref_name, county_or_city FROM municipalities"
        ).fetchall()
        if not rows:
            raise GeodataError(
                "the project has no municipalities yet",
                hint="先に zaitaku-map boundaries PROJECT N03ファイル で行政区域を取り込んでください。",
            )
        wards: dict[str, list[str]] = defaultdict(list)
        by_name: dict[str, set[str]] = defaultdict(set)
        for code, name, full, kind, parent, _pc, pref_name, county in rows:
            if kind == "ward" and parent:
                wards[parent].append(code)
            county_name = (county or "") + (name or "") if (county or "").endswith("郡") else None
            for n in {name, full, (pref_name or "") + (full or name or ""), county_name}:
                if n:
                    by_name[normalize_text(n)].add(code)
        return cls(
            codes={r[0] for r in rows},
            kind={r[0]: r[3] for r in rows},
            name={r[0]: r[2] or r[1] for r in rows},
            wards=dict(wards),
            prefs={r[5] for r in rows},
            by_name=dict(by_name),
        )

    def units(self, code: str) -> list[str]:
        """Option units for a code (a 政令市 expands to its wards)."""
        if self.kind.get(code) == "designated_city":
            return sorted(self.wards.get(code, []))
        return [code]

    def match_code(self, value: Any) -> str | None:
        """The project code a cell means (5/6 digits, lost leading zero), or ``None``."""
        for c in code_candidates(value):
            if c in self.codes:
                return c
        return None

    def other_prefecture(self, value: Any) -> bool:
        """Whether a cell is a valid municipality code of a prefecture outside the project."""
        cands = code_candidates(value)
        return bool(cands) and not any(c[:2] in self.prefs for c in cands)

    def match_name(self, value: Any) -> tuple[str | None, str]:
        """``(code, "ok")`` for an unambiguous municipality name, else ``(None, "empty" | "ambiguous" |
        "unknown")``."""
        if is_blank(value):
            return None, "empty"
        hits = self.by_name.get(normalize_text(str(value)), set())
        if len(hits) == 1:
            return next(iter(hits)), "ok"
        return None, "ambiguous" if hits else "unknown"

    def matches(self, value: Any) -> bool:
        """Whether a cell names a project municipality by code or name."""
        return not is_blank(value) and (
            self.match_code(value) is not None or self.match_name(value)[0] is not None
        )


def municipalities_without(project: Project, assigned: Collection[str]) -> list[MunicipalityRef]:
    """Municipalities (wards for 政令市) not in ``assigned``, in code order."""
    rows = project.conn.execute(
        "SELECT code, coalesce(full_name, name) FROM municipalities WHERE kind != 'designated_city' ORDER BY code"
    ).fetchall()
    return [{"code": c, "name": n} for c, n in rows if c not in assigned]


# -- table files -----------------------------------------------------------------------------
def read_grid(path: str | Path, *, sheet: str | None = None) -> tabular.Rows:
    """The grid of a CSV/XLSX table (one sheet) through :mod:`zaitaku_map.tabular`.

    Raises
    ------
    GeodataError
        The file is missing, an old ``.xls``, empty or not a readable table.
    """
    p = Path(path)
    if not p.is_file():
        raise GeodataError("table file not found", file=p)
    if p.suffix.lower() == ".xls":
        raise GeodataError(
            "old Excel (.xls) files are not read",
            file=p,
            hint="Excel で .xlsx か CSV に保存し直してください。",
        )
    try:
        return tabular.read_rows(p, sheet=sheet)
    except UnsupportedFormatError as exc:
        raise GeodataError(exc.message, file=p, sheet=sheet, expected=exc.expected) from exc


def read_best_grid(
    path: str | Path, match: Callable[[str], bool], *, sheet: str | None = None
) -> tabular.Rows:
    """:func:`read_grid` of ``sheet``; for a workbook without ``sheet``, the sheet with the most cells
    ``match`` accepts among its first 300 rows (cover and note sheets are skipped that way)."""
    p = Path(path)
    if sheet is not None or p.suffix.lower() not in tabular.XLSX_SUFFIXES:
        return read_grid(p, sheet=sheet)
    try:
        names = tabular.sheet_names(p)
    except UnsupportedFormatError as exc:
        raise GeodataError(f"cannot read spreadsheet: {exc.message}", file=p) from exc
    best: tuple[int, tabular.Rows] | None = None
    for name in names:
        grid = read_grid(p, sheet=name)
        score = sum(1 for row in grid.cells[:300] for v in row if not is_blank(v) and match(v))
        if best is None or score > best[0]:
            best = (score, grid)
    if best is None:
        raise GeodataError("workbook has no sheet", file=p)
    return best[1]


def encoding_facts(grid: tabular.Rows) -> dict[str, str | None]:
    """``{"sheet": …, "encoding": …}`` of a grid, as reports show them."""
    return {"sheet": grid.sheet, "encoding": tabular.encoding_label(grid.encoding)}


def key_column(
    header: Sequence[str],
    columns: Sequence[Sequence[str]],
    *,
    shaped: Callable[[str], bool],
    hits: Callable[[str], bool],
    exclude: Collection[int] = (),
    hints: Sequence[str] = CODE_HINTS,
) -> int | None:
    """The key column of a table (see the module docstring).

    Parameters
    ----------
    header, columns:
        Column names and the cells of each column.
    shaped:
        Whether a cell looks like a key (a code of the right form).
    hits:
        Whether a cell is a known key.
    exclude:
        Value columns that can never be the key (population figures …).
    hints:
        Header words that name a key column.

    Returns
    -------
    The column index, or ``None`` when no column holds known keys.
    """
    cands = []
    for i, (name, cells) in enumerate(zip(header, columns, strict=True)):
        if i in exclude:
            continue
        vals = [c for c in cells if not is_blank(c)]
        if vals and sum(1 for v in vals if shaped(v)) >= CODE_SHARE * len(vals):
            n_hits = sum(1 for v in vals if hits(v))
            named = any(h.lower() in normalize_text(name).lower() for h in hints)
            cands.append((named, n_hits, -i))
    cands = [c for c in cands if c[1] > 0]
    if not cands:
        return None
    return -max(cands)[2]


@dataclass(frozen=True)
class RowRejection:
    """A table row that was not used, with where and why (goes to ``import_log``)."""

    row: int | None
    reason: str
    column: str | None = None
    value: str | None = None
    severity: str = "rejected"  # rejected | warning | info
    people: float | None = None  # the row's total population when it could be read (totals line)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form for reports."""
        return {k: v for k, v in self.__dict__.items() if v is not None}


TRUNCATED = "見出しより列が少ない行です（途中で切れた行は取り込みません）"


def shape_rejections(table: tabular.Table, *, notes: bool = True) -> list[RowRejection]:
    """The rows the table reader set aside (surplus/missing fields, over-long cells); a short row with
    only its first cell is a note (``info``), or with ``notes=False`` (files without notes) a
    truncated row."""
    out = []
    for p in table.problems:
        value = ",".join(p.values)[:200]
        if p.kind == "note" and notes:
            out.append(RowRejection(p.row, p.reason, value=value, severity="info"))
        else:
            out.append(
                RowRejection(p.row, TRUNCATED if p.kind == "note" else p.reason, column=p.column, value=value)
            )
    return out


def log_rejections(
    project: Project,
    rows: Sequence[RowRejection],
    *,
    source_id: int,
    file_name: str,
    sheet: str | None = None,
) -> None:
    """Write rejected rows to ``import_log`` (inside the import's transaction)."""
    for r in rows:
        project.log_row(
            source_id=source_id,
            reason=r.reason,
            file_name=file_name,
            sheet=sheet,
            row=r.row,
            column=r.column,
            value=r.value,
            severity=r.severity,
        )
