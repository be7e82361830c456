"""Writers of the official projection, demand and rate layouts (for the demo and for tests).

- :func:`write_demand_workbook` — MHLW 「構想区域別の医療需要推計」: one sheet per kind of care, title
  row, a merged 出典 row, a header block of three rows (a cell spanning the year columns, the 年度
  with ``（現状投影）``, then the column names), codes as text, values as floats.
- :func:`write_summary_table` — 社人研 結果表: title rows, a header row starting ``コード`` with the
  values' name, the years in the row below, then code (a number: the leading zero is lost), kind
  (``a`` / ``1`` / ``0`` / ``2`` / ``9``), prefecture, municipality, values; a note row at the end.
- :func:`write_detail_workbook` — 社人研 per-prefecture detail: コード · 市区町村 · 男女 · 年次, then 総数 and
  the 5-year bands to 90歳以上, one row per municipality × sex × year; code, name and sex shown once
  per block (as merged cells read).
- :func:`write_rate_table` — a prefecture's use-rate table: age bands down, 男 / 女 across, the unit
  (レセプト件数/月・人口千対) and the year in the title.

Every writer stamps a fixed date (byte-identical files per input).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from zaitaku_map.demo.ziputil import normalize_xlsx

DEMAND_YEARS = (2024, 2030, 2035, 2040, 2045, 2050)
PROJECTION_YEARS = (2020, 2025, 2030, 2035, 2040, 2045, 2050)
BAND_LABELS = [f"{a}～{a + 4}歳" for a in range(0, 90, 5)] + ["90歳以上"]
SOURCE_NOTE = (
    "出典等については「構想区域の医療需要推計について」をご参考ください。\n"
    "https://www.mhlw.go.jp/stf/seisakunitsuite/bunya/0000080850_00014.html"
)
SHEETS = {
    "home_visit": ("将来の在宅（訪問診療）需要推計", "在宅（訪問診療）需要推計"),
    "outpatient": ("将来の外来需要推計", "外来需要推計"),
}


@dataclass
class DemandRow:
    """One 構想区域 of the demand workbook."""

    pref_name: str
    area_code: str  # 4 digits
    area_name: str
    pop_base: int
    pop_2040: int
    values: Mapping[str, Mapping[int, float]]  # measure (home_visit|outpatient) -> 年度 -> レセプト件数/月


def _save(wb: openpyxl.Workbook, path: Path) -> Path:
    wb.properties.creator = "zaitaku-map demo"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return normalize_xlsx(path)


def _shifted(ws: Worksheet, row: int, col: int, value: object, shift: tuple[int, int]) -> None:
    ws.cell(row=row + shift[0], column=col + shift[1], value=value)


def write_demand_workbook(
    path: Path,
    rows: Sequence[DemandRow],
    *,
    title_note: str = "",
    years: Sequence[int] = DEMAND_YEARS,
    shift: tuple[int, int] = (0, 0),
) -> Path:
    """Write the MHLW layout; ``shift`` moves the whole table down/right (tests of reading by content)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    last = 5 + len(years)
    for measure, (sheet, what) in SHEETS.items():
        if not any(measure in r.values for r in rows):
            continue
        ws = wb.create_sheet(sheet)

        def put(r: int, c: int, v: object, ws: Worksheet = ws) -> None:
            _shifted(ws, r, c, v, shift)

        put(1, 1, sheet + title_note)
        put(2, 1, SOURCE_NOTE)
        ws.merge_cells(
            start_row=2 + shift[0],
            start_column=1 + shift[1],
            end_row=2 + shift[0],
            end_column=last + shift[1],
        )
        put(3, 6, f"{years[0]}年度から{years[-1]}年度にかけた{what}（件/月）")
        ws.merge_cells(
            start_row=3 + shift[0],
            start_column=6 + shift[1],
            end_row=3 + shift[0],
            end_column=last + shift[1],
        )
        for i, y in enumerate(years):
            put(4, 6 + i, f"{y}年度" if i == 0 else f"{y}年度（現状投影）")
            put(5, 6 + i, "レセプト件数/月")
        for c, name in enumerate(
            ("都道府県", "構想区域コード", "構想区域名", f"人口({years[0]}年度)", "人口(2040年)"), 1
        ):
            put(5, c, name)
        for k, r in enumerate(rows):
            vals = r.values.get(measure, {})
            put(6 + k, 1, r.pref_name)
            put(6 + k, 2, r.area_code)
            put(6 + k, 3, r.area_name)
            put(6 + k, 4, r.pop_base)
            put(6 + k, 5, r.pop_2040)
            for i, y in enumerate(years):
                put(6 + k, 6 + i, float(vals[y]))
        ws.freeze_panes = ws.cell(row=6 + shift[0], column=1 + shift[1])
    return _save(wb, path)


@dataclass
class SummaryRow:
    """One region of a 社人研 結果表 (code as the number Excel keeps)."""

    code: int
    kind: str  # a|1|0|2|3|9
    pref_name: str
    muni_name: str | None
    values: Sequence[float]


def write_summary_table(
    path: Path,
    *,
    title: str,
    value_label: str,
    rows: Sequence[SummaryRow],
    edition: str = "令和5(2023)年推計",
    years: Sequence[int] = PROJECTION_YEARS,
    notes: Sequence[str] = (),
    sheet: str = "Sheet1",
) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append([f"{title}（日本の地域別将来推計人口（{edition}））"])
    ws.append([])
    ws.append(["コード", None, "都道府県", "市区町村", value_label])
    ws.append([None, None, None, None, *(f"{y}年" for y in years)])
    for r in rows:
        ws.append([r.code, r.kind, r.pref_name, r.muni_name, *r.values])
    ws.append([])
    for n in notes:
        ws.append([n])
    return _save(wb, path)


@dataclass
class DetailBlock:
    """One municipality of the detail workbook: ``bands[sex][year]`` = 19 values (0～4歳 … 90歳以上)."""

    code: int
    name: str
    bands: Mapping[str, Mapping[int, Sequence[float]]]  # 総数|男|女 -> year -> values


def write_detail_workbook(
    path: Path,
    *,
    pref_name: str,
    blocks: Sequence[DetailBlock],
    edition: str = "令和5(2023)年推計",
    note: str = "",
) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = pref_name
    ws.append(
        [
            f"市区町村別 男女・年齢（5歳）階級別推計人口　{pref_name}（日本の地域別将来推計人口（{edition}））{note}"
        ]
    )
    ws.append(["（単位：人）"])
    ws.append(["コード", "市区町村", "男女", "年次", "総数", *BAND_LABELS])
    for b in blocks:
        first = True
        for sex in ("総数", "男", "女"):
            by_year = b.bands.get(sex)
            if by_year is None:
                continue
            for i, (y, vals) in enumerate(sorted(by_year.items())):
                ws.append(
                    [
                        b.code if first else None,
                        b.name if first else None,
                        sex if i == 0 else None,
                        y,
                        float(sum(vals)),
                        *(float(v) for v in vals),
                    ]
                )
                first = False
    return _save(wb, path)


@dataclass
class RateTableSpec:
    title: str  # e.g. 訪問診療の利用率（レセプト件数/月・人口千対）2024年度 デモ県
    sheet: str
    rates: Mapping[str, Sequence[float]]  # 男|女 -> one rate per band of ``bands``
    bands: Sequence[str] = field(default_factory=lambda: list(BAND_LABELS))
    notes: Sequence[str] = ()


def write_rate_table(path: Path, spec: RateTableSpec) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = spec.sheet
    ws.append([spec.title])
    ws.append([])
    sexes = list(spec.rates)
    ws.append(["年齢階級", *sexes])
    for i, band in enumerate(spec.bands):
        ws.append([band, *(float(spec.rates[s][i]) for s in sexes)])
    ws.append([])
    for n in spec.notes:
        ws.append([n])
    return _save(wb, path)
