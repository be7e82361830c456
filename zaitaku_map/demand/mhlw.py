"""MHLW 「構想区域別の医療需要推計」 (e.g. 令和7年度, ``001728462.xlsx``), read by content.

Layout of the published workbook (one sheet per kind of care — 将来の在宅（訪問診療）需要推計,
将来の外来需要推計): title rows, then a header block of two or three rows (a cell spanning the year
columns such as ``2024年度から2050年度にかけた在宅（訪問診療）需要推計（件/月）``, then the years
``2024年度`` ``2030年度（現状投影）`` …, then ``都道府県`` ``構想区域コード`` ``構想区域名`` ``人口(2024年度)``
``人口(2040年)`` ``レセプト件数/月`` …), then one row per 構想区域 (4-digit code as text, values as floats).

Nothing is read by position: the code column is the one holding 4-digit 構想区域 codes (its
header naming コード wins a tie), the header block is the rows above the first code, and each
column is what its header labels say (a year, 人口, the 現状投影 marker).  The kind of care comes
from the sheet's title or name.  The workbook's own base 年度 and the projection marker
(``現状投影``) are kept for the provenance; the edition (``令和7年度``) from a title or the file name.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from zaitaku_map.demand.grid import Layout, Sheet, is_blank, locate, numeric_share, read_sheets
from zaitaku_map.demand.tokens import cell_str, edition_of, norm, number
from zaitaku_map.errors import InputDataError
from zaitaku_map.importers.report import Rejected
from zaitaku_map.labels import DEMAND_TEXT

# kind of care named by a sheet title or name (first match wins: 訪問看護 before 訪問)
MEASURE_WORDS: tuple[tuple[str, str], ...] = (
    ("訪問看護", "home_nursing"),
    ("訪問診療", "home_visit"),
    ("在宅", "home_visit"),
    ("外来", "outpatient"),
    ("入院", "inpatient"),
    ("救急", "emergency"),
)
_PROJECTION = re.compile(r"[(（]([^()（）]*(?:投影|推計)[^()（）]*)[)）]")
EXPECTED = (
    "厚生労働省「構想区域別の医療需要推計」の xlsx（構想区域コードの列と、"
    "2024年度・2030年度（現状投影）… の年度の列をもつシート）"
)


def area_code(value: object) -> str | None:
    """A 4-digit 構想区域 code (``'0101'``, or ``101`` after Excel dropped the zero)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    t = cell_str(value).strip()
    if not re.fullmatch(r"\d{3,4}", t):
        return None
    t = t.zfill(4)
    return t if 1 <= int(t[:2]) <= 99 else None


def measure_of(texts: list[str]) -> str | None:
    """The kind of care a sheet is about, from its title rows and name."""
    joined = norm(" ".join(texts))
    return next((m for word, m in MEASURE_WORDS if word in joined), None)


@dataclass
class AreaDemandRow:
    """One 構想区域 of one sheet: demand per 年度 and the population columns."""

    measure: str
    area_code: str
    area_name: str | None
    pref_name: str | None
    values: dict[int, float]
    population: dict[int, float]
    row: int  # 1-based spreadsheet row


@dataclass
class DemandSheet:
    """What one sheet of the workbook holds."""

    sheet: str | None
    measure: str
    title: str
    years: list[int]
    base_year: int | None  # the year whose column carries no projection marker (NDB actual)
    projection_label: str | None  # e.g. 現状投影
    unit: str | None  # e.g. 件/月
    columns: dict[str, str]  # role -> header text (for the report)
    rows: list[AreaDemandRow] = field(default_factory=list)
    other_prefectures: Counter[str] = field(default_factory=Counter)
    rejected: list[Rejected] = field(default_factory=list)


@dataclass
class DemandFile:
    """The readable sheets of one workbook."""

    path: Path
    sheets: list[DemandSheet]
    edition: str | None
    ignored_sheets: list[str]

    @property
    def years(self) -> list[int]:
        return sorted({y for s in self.sheets for y in s.years})


def _col_role(lay: Layout, c: int) -> str | None:
    text = norm(lay.header_of(c))
    if "都道府県" in text:
        return "pref"
    if "コード" in text:
        return None
    if "区域名" in text or "名称" in text or text.endswith("名"):
        return "name"
    return None


def _unit(texts: list[str]) -> str | None:
    for t in texts:
        m = re.search(r"[(（]\s*([件人][^()（）]*/[^()（）]*)[)）]", t) or re.search(r"(件\s*/\s*[月年])", t)
        if m:
            return m.group(1).replace(" ", "")
    return None


def _columns(
    lay: Layout,
) -> tuple[dict[int, int], dict[int, int], int | None, int | None, str | None, int | None]:
    """(year → value column, year → population column, pref column, name column, projection label,
    base year)."""
    values: dict[int, int] = {}
    pops: dict[int, int] = {}
    pref = name = None
    marker: str | None = None
    base: int | None = None
    for c in range(lay.sheet.width):
        if c == lay.key_col:
            continue
        role = _col_role(lay, c)
        if role == "pref" and pref is None:
            pref = c
            continue
        if role == "name" and name is None:
            name = c
            continue
        lab = lay.col_labels[c]
        if lab.year is None or numeric_share(lay.sheet, lay.data_rows, c) < 0.5:
            continue
        text = lay.header_of(c)
        if "人口" in text:
            pops.setdefault(lab.year, c)
            continue
        values.setdefault(lab.year, c)
        m = _PROJECTION.search(text)
        if m:
            marker = marker or m.group(1).strip()
        elif base is None:
            base = lab.year
    return values, pops, pref, name, marker, base


def _read_sheet(sheet: Sheet, prefectures: set[str] | None) -> DemandSheet | None:
    lay = locate(sheet, area_code, hints=("構想区域コード", "コード"))
    if lay is None:
        return None
    measure = measure_of([*lay.titles, *lay.col_text, sheet.name or ""])
    values, pops, pref_col, name_col, marker, base = _columns(lay)
    if measure is None or len(values) < 2:
        return None
    out = DemandSheet(
        sheet=sheet.name,
        measure=measure,
        title=lay.titles[0] if lay.titles else (sheet.name or ""),
        years=sorted(values),
        base_year=base,
        projection_label=marker,
        unit=_unit([*lay.titles, *lay.col_text]),
        columns={
            "code": lay.header_of(lay.key_col),
            **({"prefecture": lay.header_of(pref_col)} if pref_col is not None else {}),
            **({"name": lay.header_of(name_col)} if name_col is not None else {}),
            **{str(y): lay.header_of(c) for y, c in sorted(values.items())},
            **{f"人口{y}": lay.header_of(c) for y, c in sorted(pops.items())},
        },
    )
    for r in lay.data_rows:
        code = area_code(sheet.cell(r, lay.key_col))
        assert code is not None
        pref_name = None if pref_col is None else cell_str(sheet.cell(r, pref_col)).strip() or None
        if prefectures is not None and code[:2] not in prefectures:
            out.other_prefectures[pref_name or code[:2]] += 1
            continue
        row_values: dict[int, float] = {}
        bad = False
        for y, c in values.items():
            v = number(sheet.cell(r, c))
            if v is None or v < 0:
                out.rejected.append(
                    Rejected(
                        row=r + 1,
                        reason=DEMAND_TEXT["value_not_number"],
                        column=lay.header_of(c),
                        value=cell_str(sheet.cell(r, c)),
                        sheet=sheet.name,
                    )
                )
                bad = True
                continue
            row_values[y] = v
        if bad:
            continue
        population = {y: v for y, c in pops.items() if (v := number(sheet.cell(r, c))) is not None}
        name = None if name_col is None else cell_str(sheet.cell(r, name_col)).strip() or None
        out.rows.append(AreaDemandRow(measure, code, name, pref_name, row_values, population, r + 1))
    return out


def read_demand_workbook(path: str | Path, *, prefectures: set[str] | None = None) -> DemandFile:
    """Read every demand sheet of a 構想区域別の医療需要推計 workbook.

    Parameters
    ----------
    prefectures:
        2-digit codes to keep; rows of other prefectures are counted per prefecture and skipped.
        ``None`` keeps every row.

    Raises
    ------
    InputDataError
        No sheet has a 構想区域 code column with two or more year columns, or a sheet names two
        areas with the same code.
    """
    p = Path(path)
    sheets: list[DemandSheet] = []
    ignored: list[str] = []
    titles: list[str] = []
    for sheet in read_sheets(p):
        got = _read_sheet(sheet, prefectures)
        if got is None:
            if any(not is_blank(v) for row in sheet.rows for v in row):
                ignored.append(sheet.name or p.name)
            continue
        seen: dict[str, int] = {}
        for row in got.rows:
            if row.area_code in seen:
                raise InputDataError(
                    "the same 構想区域 code appears twice",
                    file=p,
                    sheet=sheet.name,
                    row=row.row,
                    column=got.columns.get("code"),
                    value=row.area_code,
                    hint=f"{seen[row.area_code]} 行目と同じコードです。ファイルが加工されていないか確認してください。",
                )
            seen[row.area_code] = row.row
        sheets.append(got)
        titles.append(got.title)
    if not sheets:
        raise InputDataError(
            "no 構想区域 demand table in the workbook",
            file=p,
            value=", ".join(ignored) or None,
            expected=EXPECTED,
        )
    return DemandFile(p, sheets, edition_of([*titles, p.name]), ignored)


def looks_like_demand_workbook(sheet: Sheet) -> bool:
    """Cheap check for the import wizard: a 構想区域 code column and year columns with a kind of care."""
    return _read_sheet(sheet, prefectures=set()) is not None
