"""Projected population by municipality × year (× sex × age), read by content.

Accepted layouts
----------------
- 社人研 「日本の地域別将来推計人口（令和5(2023)年推計）」 summary result tables (結果表1 総人口, 結果表2_x age
  groups, 結果表3-x shares): title rows, a header row whose first column reads ``コード``, the years
  in the row below, then one row per region — code (leading zero lost), a kind column (``a``
  prefecture, ``1`` 政令市 aggregate, ``0``/``2``/``3`` municipalities and wards, ``9`` a group of
  municipalities projected as one region such as 福島県 浜通り地域), prefecture, municipality,
  values 2020…2050.  What the values are (総人口, 65歳以上, 75歳以上の割合 …) comes from the title.
- 社人研 per-prefecture detail workbooks and any other municipality × year × sex × age table: the
  municipality code column marks the rows; year, sex and age are read from the column headers
  (``2030年``, ``男``, ``85～89歳``, ``90歳以上`` — one to three header rows) and from label columns in the
  rows (``男女`` = 総数/男/女, ``年次`` = 2020…); a code, sex or year shown once for a block of
  rows (merged cells) applies to the rows below it.  A long table (one value column) works the same.
- With a column mapping (``{"muni_code": …, "year": …, "sex": …, "age": …, "value": …}``; the
  generic mapping of the importers, remembered per header) any table whose headers say nothing.

Aggregates stay aggregates: a prefecture row is skipped, a 政令市 aggregate is kept as the city's
region (used only when its wards have no rows of their own), and a group region keeps its members
(福島県 浜通り地域: the 13 municipalities 社人研 projects together).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from zaitaku_map.demand.grid import Layout, Sheet, is_blank, locate, numeric_share, read_sheets
from zaitaku_map.demand.tokens import (
    TOTAL_AGE,
    AgeBand,
    Labels,
    cell_str,
    edition_of,
    norm,
    number,
    parse_label,
)
from zaitaku_map.errors import InputDataError
from zaitaku_map.geodata.codes import normalize_muni_code
from zaitaku_map.importers.report import Rejected
from zaitaku_map.labels import DEMAND_TEXT

KIND_CODES = {
    "a": "prefecture",
    "1": "designated_city",
    "0": "municipality",
    "2": "municipality",
    "3": "municipality",
    "9": "group",
}
# 福島県 浜通り地域: projected by 社人研 as one region (令和5年推計, as in 平成30年推計) — いわき市 相馬市 南相馬市
# 広野町 楢葉町 富岡町 川内村 大熊町 双葉町 浪江町 葛尾村 新地町 飯舘村
HAMADORI = (
    "07204",
    "07209",
    "07212",
    "07541",
    "07542",
    "07543",
    "07544",
    "07545",
    "07546",
    "07547",
    "07548",
    "07561",
    "07564",
)
NAME_WORDS = ("市区町村", "市町村", "自治体", "地域名", "区域名", "名称", "団体名")
MAPPING_ROLES = ("muni_code", "year", "sex", "age", "value")
EXPECTED = (
    "市区町村コードの列と、年（2020年…）・男女・年齢（0～4歳 … 90歳以上）が見出しか列で分かる表"
    "（社人研「日本の地域別将来推計人口」の結果表など）"
)


@dataclass
class Region:
    """A region of the table: a municipality or ward, a 政令市 aggregate, or a group of municipalities."""

    code: str
    name: str | None
    kind: str  # municipality|designated_city|group
    members: list[str] = field(default_factory=list)  # municipality codes of a group


@dataclass(frozen=True)
class Value:
    """One figure: region × sex × age band × year (a count, or a percentage when ``share``)."""

    code: str
    sex: str
    age: AgeBand
    year: int
    value: float
    share: bool = False


@dataclass
class ProjectionSheet:
    """What one sheet holds."""

    sheet: str | None
    title: str
    layout: str  # summary|table|mapped
    regions: dict[str, Region]
    values: list[Value]
    columns: dict[str, str]
    other_prefectures: Counter[str] = field(default_factory=Counter)
    prefecture_rows: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def years(self) -> list[int]:
        return sorted({v.year for v in self.values})

    @property
    def ages(self) -> list[AgeBand]:
        return sorted({v.age for v in self.values})

    @property
    def sexes(self) -> list[str]:
        return sorted({v.sex for v in self.values})


@dataclass
class ProjectionFile:
    path: Path
    sheets: list[ProjectionSheet]
    edition: str | None
    ignored_sheets: list[str]


def muni_key(prefs: set[str]) -> Callable[[object], str | None]:
    """A municipality code (4/5/6 digits) of a real prefecture (01–47) or of the project's ones."""

    def key(value: object) -> str | None:
        if isinstance(value, str) and not value.strip().isdigit():
            return None
        c = normalize_muni_code(value)
        if c is None:
            return None
        return c if (1 <= int(c[:2]) <= 47 or c[:2] in prefs) else None

    return key


@dataclass
class _Roles:
    kind: int | None = None
    pref: int | None = None
    name: int | None = None
    labels: list[int] = field(default_factory=list)
    values: list[int] = field(default_factory=list)


def _kind_column(lay: Layout) -> int | None:
    sheet = lay.sheet
    for c in range(sheet.width):
        if c == lay.key_col:
            continue
        vals = {cell_str(sheet.cell(r, c)).strip().lower() for r in lay.data_rows} - {""}
        if vals and vals <= set(KIND_CODES) and ("a" in vals or "区分" in norm(lay.header_of(c))):
            return c
    return None


def _is_year_column(lay: Layout, c: int) -> bool:
    sheet = lay.sheet
    vals = [sheet.cell(r, c) for r in lay.data_rows if not is_blank(sheet.cell(r, c))]
    if not vals:
        return False
    ys = [number(v) for v in vals]
    head = norm(lay.header_of(c))
    return all(y is not None and y.is_integer() and 1900 <= y <= 2099 for y in ys) and (
        "年" in head or "year" in head
    )


def _roles(lay: Layout) -> _Roles:
    sheet = lay.sheet
    roles = _Roles(kind=_kind_column(lay))
    for c in range(sheet.width):
        if c in (lay.key_col, roles.kind):
            continue
        head = norm(lay.header_of(c))
        filled = [sheet.cell(r, c) for r in lay.data_rows if not is_blank(sheet.cell(r, c))]
        if not filled:
            continue
        if _is_year_column(lay, c):
            roles.labels.append(c)
            continue
        if numeric_share(sheet, lay.data_rows, c) >= 0.5:
            roles.values.append(c)
            continue
        informative = sum(1 for v in filled if parse_label(v).informative)
        if "都道府県" in head and roles.pref is None:
            roles.pref = c
        elif informative >= 0.5 * len(filled) and not any(w in head for w in NAME_WORDS):
            roles.labels.append(c)
        elif roles.name is None:
            roles.name = c
    return roles


def _data_rows(lay: Layout, key: Callable[[object], str | None], roles: _Roles) -> list[tuple[int, str]]:
    """Rows with their code: a code shown once for a block of rows applies to the rows below it."""
    sheet = lay.sheet
    out: list[tuple[int, str]] = []
    current: str | None = None
    for r in range(lay.first_row, len(sheet.rows)):
        cell = sheet.cell(r, lay.key_col)
        code = key(cell)
        if code is not None:
            current = code
        elif not is_blank(cell):
            current = None  # a note or another kind of row ends the block
            continue
        if current is None:
            continue
        if code is None and not any(number(sheet.cell(r, c)) is not None for c in roles.values):
            continue
        out.append((r, current))
    return out


def _row_labels(sheet: Sheet, r: int, cols: list[int], carried: dict[int, Labels]) -> Labels:
    out = Labels()
    for c in cols:
        v = sheet.cell(r, c)
        if is_blank(v):
            lab = carried.get(c, Labels())
        else:
            lab = parse_label(v, numeric_year=True)
            carried[c] = lab
        out = out.merge(lab)
    return out


def _combine(col: Labels, row: Labels, title: Labels) -> Labels | str:
    """The facts of one cell, or the reason they contradict each other."""
    for attr in ("year", "sex", "age"):
        a, b = getattr(col, attr), getattr(row, attr)
        if a is not None and b is not None and a != b:
            return DEMAND_TEXT["label_conflict"].format(dim=DEMAND_TEXT[f"dim_{attr}"], a=a, b=b)
    return col.merge(row).merge(title)


def _region_kind(kind_cell: object, code: str) -> str:
    if kind_cell is None:
        return "prefecture" if code.endswith("000") else "municipality"
    return KIND_CODES.get(cell_str(kind_cell).strip().lower(), "municipality")


def _group_members(code: str, name: str | None) -> list[str]:
    if code.startswith("07") and name and "浜通り" in name:
        return list(HAMADORI)
    return []


def _sheet_values(
    lay: Layout,
    rows: list[tuple[int, str]],
    roles: _Roles,
    *,
    year: int | None,
    prefs: set[str],
) -> ProjectionSheet:
    sheet = lay.sheet
    title_lab = lay.title_labels
    out = ProjectionSheet(
        sheet=sheet.name,
        title=lay.titles[0] if lay.titles else (sheet.name or ""),
        layout="summary" if roles.kind is not None else "table",
        regions={},
        values=[],
        columns={"code": lay.header_of(lay.key_col)}
        | ({"kind": lay.header_of(roles.kind) or "(区分)"} if roles.kind is not None else {})
        | ({"name": lay.header_of(roles.name)} if roles.name is not None else {})
        | {f"label{i + 1}": lay.header_of(c) for i, c in enumerate(roles.labels)}
        | {"values": f"{len(roles.values)} 列"},
    )
    value_cols = [c for c in roles.values if not lay.col_labels[c].skip]
    unlabeled = [c for c in value_cols if not lay.col_labels[c].informative]
    if len(value_cols) > 1 and unlabeled:  # number columns the headers say nothing about (e.g. 面積)
        value_cols = [c for c in value_cols if c not in unlabeled]
        out.notes.append(
            DEMAND_TEXT["unlabeled_columns"].format(columns="・".join(lay.header_of(c) for c in unlabeled))
        )
    carried: dict[int, Labels] = {}
    seen: set[tuple[str, str, AgeBand, int, bool]] = set()
    fallback = Labels(year=year, sex="T") if year is not None else Labels(sex="T")
    for r, code in rows:
        kind = _region_kind(None if roles.kind is None else sheet.cell(r, roles.kind), code)
        if code[:2] not in prefs:
            out.other_prefectures[code[:2]] += 1
            continue
        if kind == "prefecture":
            out.prefecture_rows += 1
            continue
        name = None if roles.name is None else cell_str(sheet.cell(r, roles.name)).strip() or None
        if code not in out.regions:
            out.regions[code] = Region(
                code, name, kind, _group_members(code, name) if kind == "group" else []
            )
        row_lab = _row_labels(sheet, r, roles.labels, carried)
        for c in value_cols:
            v = number(sheet.cell(r, c))
            if v is None:
                continue
            lab = _combine(lay.col_labels[c], row_lab, title_lab)
            if isinstance(lab, str):
                out.rejected.append(
                    Rejected(r + 1, lab, lay.header_of(c), cell_str(sheet.cell(r, c)), sheet.name)
                )
                continue
            lab = lab.merge(fallback)
            if lab.year is None:
                raise InputDataError(
                    "no year for a value",
                    file=sheet.path,
                    sheet=sheet.name,
                    row=r + 1,
                    column=lay.header_of(c),
                    expected="見出しか列に年（2020年・2025年 …）",
                    hint="年が書かれていない表は --year 2020 のように年を指定してください。",
                )
            age = lab.age or TOTAL_AGE
            k = (code, lab.sex or "T", age, lab.year, lab.share)
            if k in seen:
                out.rejected.append(
                    Rejected(
                        r + 1,
                        DEMAND_TEXT["duplicate_value"],
                        lay.header_of(c),
                        cell_str(sheet.cell(r, c)),
                        sheet.name,
                        severity="warning",
                    )
                )
                continue
            seen.add(k)
            out.values.append(Value(code, k[1], age, lab.year, v, lab.share))
    return out


def _mapped_layout(
    sheet: Sheet, mapping: Mapping[str, str], key: Callable[[object], str | None]
) -> tuple[Layout, _Roles]:
    """Layout and column roles from a user mapping (headers matched by their text)."""
    lay = locate(sheet, key, hints=("コード",))
    if lay is None:
        raise InputDataError(
            "no municipality code in the table", file=sheet.path, sheet=sheet.name, expected=EXPECTED
        )

    def col(role: str) -> int | None:
        want = mapping.get(role)
        if not want:
            return None
        for c in range(sheet.width):
            texts = {norm(lay.header_of(c)), *(norm(sheet.cell(r, c)) for r in lay.header_rows)}
            if norm(want) in texts:
                return c
        raise InputDataError(
            "mapping names a column that is not in the table",
            file=sheet.path,
            sheet=sheet.name,
            column=want,
            expected="列名: " + "・".join(h for h in lay.col_text if h),
        )

    key_col = col("muni_code")
    if key_col is not None:
        lay.key_col = key_col
    value = col("value")
    if value is None:
        raise InputDataError(
            "the mapping needs a value column",
            file=sheet.path,
            value=dict(mapping),
            expected='{"value": "人口"}',
        )
    labels = [c for r in ("year", "sex", "age") if (c := col(r)) is not None]
    return lay, _Roles(labels=labels, values=[value])


def read_projection_table(
    path: str | Path,
    *,
    prefectures: set[str],
    project_codes: set[str] | None = None,
    mapping: Mapping[str, str] | None = None,
    year: int | None = None,
) -> ProjectionFile:
    """Read every sheet of a projection table that has a municipality code column.

    Parameters
    ----------
    prefectures:
        2-digit codes whose rows are kept; rows of other prefectures are counted and skipped.
    project_codes:
        Municipality codes of the project: the code column is the one holding most of them.
    mapping:
        Column roles ``muni_code``/``year``/``sex``/``age``/``value`` by header text.
    year:
        The year of a table whose headers and rows name none (e.g. a census table).
    """
    p = Path(path)
    key = muni_key(prefectures)
    codes = project_codes or set()
    sheets: list[ProjectionSheet] = []
    ignored: list[str] = []
    titles: list[str] = []
    for sheet in read_sheets(p):
        if mapping:
            lay, roles = _mapped_layout(sheet, mapping, key)
        else:
            found = locate(sheet, key, hints=("コード", "code"), prefer=codes.__contains__, min_rows=1)
            if found is None:
                ignored.append(sheet.name or p.name)
                continue
            lay, roles = found, _roles(found)
        if not roles.values:
            ignored.append(sheet.name or p.name)
            continue
        got = _sheet_values(lay, _data_rows(lay, key, roles), roles, year=year, prefs=prefectures)
        if mapping:
            got.layout = "mapped"
        titles.extend(lay.titles)
        if got.values or got.other_prefectures:
            sheets.append(got)
        else:
            ignored.append(sheet.name or p.name)
    if not sheets:
        raise InputDataError(
            "no municipality projection table in the file",
            file=p,
            value=", ".join(ignored) or None,
            expected=EXPECTED,
        )
    return ProjectionFile(p, sheets, edition_of([*titles, p.name]), ignored)
