"""Generic tables (CSV/XLSX) such as a municipality's 地域包括支援センター list.

A column mapping ``{field: column}`` (fields: :data:`zaitaku_map.labels.MAPPING_FIELDS`) is guessed
from the header, or taken from the user (``mapping=``), and saved in ``column_mappings`` under the
header signature so a list with the same header is read the same way next time.  The header only
picks the mapping: it does not say *which* list a file is (municipalities often publish their
lists from one prefectural template).

Source identity (the record family; a newer release of the same family updates it and closes the
entries that disappeared) is ``<format>:<name>[@<issuer>]``:

- **issuer** — who the list is about, from the rows: the one municipality code they share, else the
  one municipality name (municipality column, else the start of the addresses; the wards of a
  政令市 count as the city), else the one prefecture; none when the rows do not say.
- **name** — the user's name for the source (``mapping={"source_label": ...}``; remembered with the
  mapping and used again for a later release of the same issuer); otherwise, when the issuer is
  known, the category (e.g. 地域包括支援センター), so ``R8_houkatsu.xlsx`` updates ``R7_houkatsu.xlsx``;
  when the issuer is unknown, the file name (and sheet).

A title row above the header such as 「令和7年10月1日現在」 gives the reference date unless the user
passes one.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from zaitaku_map.errors import InputDataError
from zaitaku_map.importers.detect import Unit
from zaitaku_map.importers.kouseikyoku import reference_date_from_titles
from zaitaku_map.importers.normalize import (
    PREFECTURE_RE,
    PREFECTURES,
    muni5,
    norm_names,
    norm_texts,
    parsed_table,
    pref_code_of,
    to_number_series,
    with_prefecture,
)
from zaitaku_map.importers.report import RECORD_COLUMNS, ParsedFile, Rejected
from zaitaku_map.labels import CATEGORIES
from zaitaku_map.store.project import Project, now_iso
from zaitaku_map.tabular import (
    Table,
    header_key,
    iter_csv_tables,
    iter_xlsx_tables,
    read_csv_table,
    read_xlsx_tables,
)
from zaitaku_map.textnorm import compact

# field -> header synonyms (compared after NFKC, spaces removed); exact match first, then contains
SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": (
        "名称",
        "施設名",
        "施設名称",
        "事業所名",
        "事業所名称",
        "医療機関名",
        "医療機関名称",
        "正式名称",
        "センター名",
        "名前",
        "name",
        "facility_name",
    ),
    "address": ("住所", "所在地", "所在地住所", "施設住所", "事業所住所", "address", "addr"),
    "municipality": ("市区町村名", "市町村名", "市区町村", "市町村", "municipality", "city"),
    "muni_code": (
        "市区町村コード",
        "市町村コード",
        "全国地方公共団体コード",
        "団体コード",
        "地方公共団体コード",
        "muni_code",
        "citycode",
    ),
    "pref": ("都道府県名", "都道府県", "pref", "prefecture"),
    "lat": ("緯度", "lat", "latitude", "y座標", "緯度(世界測地系)"),
    "lon": ("経度", "lon", "lng", "long", "longitude", "x座標", "経度(世界測地系)"),
    "category": ("種別", "施設種別", "区分", "カテゴリ", "category", "type", "施設区分", "サービス種類"),
    "subtype": ("サブ種別", "小区分", "subtype"),
    "id": ("id", "番号", "施設番号", "事業所番号", "医療機関番号", "識別番号", "no", "no.", "コード"),
    "phone": ("電話番号", "電話", "tel", "phone"),
    "postal_code": ("郵便番号", "〒", "zip", "postal_code"),
    "name_kana": ("フリガナ", "ふりがな", "名称カナ", "名称(カナ)", "カナ", "よみがな"),
    "beds": ("病床数", "定員", "beds", "capacity"),
}
REQUIRED = ("name",)


def guess_mapping(header: list[str]) -> dict[str, str]:
    """Guess ``{field: column}`` from a header row (exact synonym matches first, then containment)."""
    keys = {c: header_key(c).lower() for c in header}
    used: set[str] = set()
    out: dict[str, str] = {}
    for exact in (True, False):
        for fld, syns in SYNONYMS.items():
            if fld in out:
                continue
            for col, k in keys.items():
                if col in used or not k:
                    continue
                hit = (
                    k in syns
                    if exact
                    else (fld not in ("id", "category") and any(len(s) >= 2 and s in k for s in syns))
                )
                if (
                    fld == "name"
                    and not exact
                    and ("カナ" in k or "フリガナ" in k or "ふりがな" in k or "法人" in k)
                ):
                    hit = False
                if fld == "address" and not exact and ("メール" in k or "ホームページ" in k or "url" in k):
                    hit = False
                if hit:
                    out[fld] = col
                    used.add(col)
                    break
    return out


def header_signature(header: list[str]) -> str:
    return hashlib.sha1("|".join(header_key(c) for c in header).encode("utf-8")).hexdigest()


def saved_mapping(project: Project, header: list[str]) -> tuple[dict[str, str], str | None] | None:
    """``(mapping, source name the user gave or None)`` saved for this header."""
    row = project.conn.execute(
        "SELECT mapping_json, source_label FROM column_mappings WHERE signature=?",
        (header_signature(header),),
    ).fetchone()
    return (json.loads(row[0]), row[1]) if row else None


def save_mapping(
    project: Project, header: list[str], mapping: dict[str, str], source_label: str | None
) -> None:
    """Remember a (confirmed) mapping for this header (call inside a transaction).

    ``source_label`` is the user's name for the source (``None``: keep the one saved before).
    """
    if source_label is None:
        old = saved_mapping(project, header)
        source_label = old[1] if old else None
    project.conn.execute(
        "INSERT OR REPLACE INTO column_mappings (signature, source_label, mapping_json, updated_at) VALUES (?,?,?,?)",
        (header_signature(header), source_label, json.dumps(mapping, ensure_ascii=False), now_iso()),
    )


def header_score(row: list[str]) -> float:
    """How much a row looks like the header of a facility list: the fields its cells name (a
    non-empty row scores a little, so the first one is the header when no row names a field)."""
    cells = [c for c in row if c.strip()]
    return len(guess_mapping(cells)) + (0.001 if cells else 0.0)


def read_unit_tables(unit: Unit, *, nrows: int | None = None) -> list[Table]:
    """Tables of a CSV/XLSX unit, the header row found by recognisable column names."""
    if unit.kind == "xlsx":
        return read_xlsx_tables(unit.path, header_score=header_score, nrows=nrows)
    source = (unit.path, unit.member) if unit.member else unit.path
    name = Path(unit.member).name if unit.member else unit.path.name
    return [read_csv_table(source, name=name, header_score=header_score, nrows=nrows)]


def _category_values(values: pd.Series) -> pd.Series:
    by_label: dict[str, str] = {}
    for k, c in CATEGORIES.items():
        for lbl in (k, c.label, c.short):
            by_label[unicodedata.normalize("NFKC", lbl).lower()] = k
    by_label.update(
        {
            "包括": "houkatsu",
            "地域包括": "houkatsu",
            "訪問看護": "home_nursing",
            "在支診": "zaishi_clinic",
            "在支病": "zaishi_hospital",
            "特養": "care_facility",
            "老健": "care_facility",
        }
    )
    v = values.fillna("").astype(str).str.normalize("NFKC").str.strip().str.lower()
    return v.map(
        lambda s: (
            by_label.get(s) or next((k for lbl, k in by_label.items() if len(lbl) >= 2 and lbl in s), "")
        )
    )


def category_from_name(text: str) -> str | None:
    t = unicodedata.normalize("NFKC", text)
    for k, c in CATEGORIES.items():
        if c.label in t:
            return k
    if "包括" in t:
        return "houkatsu"
    return None


def parse(
    project: Project,
    unit: Unit,
    *,
    category: str | None,
    mapping: dict[str, Any] | None,
    reference_date: str | None,
) -> list[ParsedFile]:
    """Every table of a unit, parsed whole (one :class:`ParsedFile` per sheet)."""
    return [
        parse_table(
            project, t, path=str(unit.path), category=category, mapping=mapping, reference_date=reference_date
        )
        for t in read_unit_tables(unit)
    ]


def parse_streams(
    project: Project,
    unit: Unit,
    *,
    category: str | None,
    mapping: dict[str, Any] | None,
    reference_date: str | None,
) -> list[Iterator[ParsedFile]]:
    """One stream of parsed chunks per sheet (or CSV), for files too large to hold at once.

    Which list a file is (its family, from the issuer of *all* its rows: see the module docstring)
    must be known before its first row is registered, so every table is read twice: first for the
    issuer, then for the records.
    """
    sheets = [t.sheet for t in read_unit_tables(unit, nrows=0)]
    return [
        _stream(project, unit, sheet, category=category, mapping=mapping, reference_date=reference_date)
        for sheet in sheets
    ]


def _chunks(unit: Unit, sheet: str | None) -> Iterator[Table]:
    if unit.kind == "xlsx":
        return (t for t in iter_xlsx_tables(unit.path, header_score=header_score) if t.sheet == sheet)
    source = (unit.path, unit.member) if unit.member else unit.path
    name = Path(unit.member).name if unit.member else unit.path.name
    return iter_csv_tables(source, name=name, header_score=header_score)


def _stream(
    project: Project,
    unit: Unit,
    sheet: str | None,
    *,
    category: str | None,
    mapping: dict[str, Any] | None,
    reference_date: str | None,
) -> Iterator[ParsedFile]:
    evidence = Evidence()
    for t in _chunks(unit, sheet):
        evidence.update(_TableRows.of(project, t, category=category, mapping=mapping).evidence())
    kw: dict[str, Any] = {"path": str(unit.path), "category": category, "mapping": mapping}
    seen: set[str] = set()  # identities of earlier chunks: a repeat is a duplicate there too
    for t in _chunks(unit, sheet):
        yield parse_table(project, t, reference_date=reference_date, evidence=evidence, seen=seen, **kw)


def resolve_mapping(
    project: Project, header: list[str], mapping: dict[str, Any] | None
) -> tuple[dict[str, str], str | None, str]:
    """``(mapping, source name saved with it, origin)`` — user mapping > saved for this header > guessed."""
    saved = saved_mapping(project, header)
    label = saved[1] if saved else None
    if mapping:
        m = {k: v for k, v in mapping.items() if k != "source_label" and v}
        origin = "user"
    elif saved:
        m, origin = saved[0], "saved"
    else:
        m, origin = guess_mapping(header), "guessed"
    unknown = [f"{k}→{v}" for k, v in m.items() if v not in header]
    if unknown:
        raise InputDataError(
            "mapping names columns that are not in the file",
            value=", ".join(unknown),
            expected="列名: " + "・".join(header),
        )
    for f in REQUIRED:
        if f not in m:
            raise InputDataError(
                f"no column for {f!r}",
                expected="名称の列（例: 名称・施設名・事業所名）; 列: " + "・".join(header),
                hint='--mapping で {"name": "列名"} を指定してください。',
            )
    return m, label, origin


@dataclass
class _TableRows:
    """The standard fields of a table's rows under a column mapping, and which rows are usable."""

    t: Table
    m: dict[str, str]
    saved_name: str | None
    origin: str
    df: pd.DataFrame
    name: pd.Series
    addr: pd.Series
    muni: pd.Series
    muni_name: pd.Series
    pref: pd.Series
    pref_name: pd.Series
    cat: pd.Series
    lon: pd.Series
    lat: pd.Series
    key: pd.Series
    problems: list[tuple[pd.Series, str, str]]  # (mask, field, reason)
    keep: pd.Series

    @classmethod
    def of(
        cls,
        project: Project,
        t: Table,
        *,
        category: str | None,
        mapping: dict[str, Any] | None,
        seen: set[str] | None = None,
    ) -> _TableRows:
        m, saved_name, origin = resolve_mapping(project, t.header, mapping)
        df = t.frame

        def col(f: str) -> pd.Series:
            c = m.get(f)
            return (
                df[c].fillna("").astype(str).str.strip() if c else pd.Series("", index=df.index, dtype=object)
            )

        cat = (
            _category_values(col("category"))
            if "category" in m
            else pd.Series("", index=df.index, dtype=object)
        )
        default_cat = category or category_from_name(t.name + (t.sheet or ""))
        if default_cat is None and (cat.eq("").any() or "category" not in m):
            raise InputDataError(
                "category of the facilities is unknown",
                file=t.name,
                expected="種別の列、または --category (" + "|".join(CATEGORIES) + ")",
            )
        cat = cat.where(cat.ne(""), default_cat or "other")
        name, addr, muni_name, pref_name = col("name"), col("address"), col("municipality"), col("pref")
        muni = muni5(col("muni_code"))
        # complete addresses with the municipality / prefecture columns when they lack them
        need = pd.Series(
            [
                bool(mn) and bool(a) and mn not in a[: len(mn) + 8]
                for a, mn in zip(addr, muni_name, strict=True)
            ],
            index=df.index,
            dtype=bool,
        )
        addr = addr.where(~need, muni_name + addr)
        pref = pref_name.map(pref_code_of)
        pref = pref.where(pref.ne(""), addr.map(pref_code_of))
        pref = pref.where(pref.ne(""), muni.str[:2])
        addr = with_prefecture(addr, pref.map(PREFECTURES).fillna(""))
        lon = to_number_series(col("lon")) if "lon" in m else pd.Series(float("nan"), index=df.index)
        lat = to_number_series(col("lat")) if "lat" in m else pd.Series(float("nan"), index=df.index)
        ids = col("id")
        key = ids.where(ids.ne(""), norm_names(name) + "|" + norm_texts(addr))
        bad_name = name.eq("")
        no_place = ~bad_name & addr.eq("") & (lon.isna() | lat.isna()) & muni.eq("") & muni_name.eq("")
        dup = (key.duplicated() | (key.isin(seen) if seen else False)) & ~bad_name & ~no_place
        problems = [
            (bad_name, "name", "名称がありません"),
            (no_place, "address", "住所・座標・市区町村のいずれもありません"),
            (dup, "id", "同じ施設が前の行にもあります（最初の行を採用）"),
        ]
        return cls(
            t, m, saved_name, origin, df, name, addr, muni, muni_name, pref, pref_name, cat, lon, lat, key,
            problems, ~(bad_name | no_place | dup),
        )  # fmt: skip

    def evidence(self) -> Evidence:
        """What the usable rows say about who the list is about (see :func:`source_issuer`)."""
        k = self.keep
        return issuer_evidence(
            self.muni[k], self.muni_name[k], self.addr[k], self.pref[k], self.pref_name[k], self.cat[k]
        )


def parse_table(
    project: Project,
    t: Table,
    *,
    path: str,
    category: str | None,
    mapping: dict[str, Any] | None,
    reference_date: str | None,
    fmt: str = "table",
    evidence: Evidence | None = None,
    seen: set[str] | None = None,
) -> ParsedFile:
    """One table (or one chunk of it: ``evidence`` then says who the whole file is about) as
    standard records."""
    generic_sheet = not t.sheet or t.sheet.lower().startswith(("sheet", "シート")) or fmt == "gis"
    stem = unicodedata.normalize("NFKC", Path(t.name).stem) + ("" if generic_sheet else f":{t.sheet}")
    rows = _TableRows.of(project, t, category=category, mapping=mapping, seen=seen)
    if seen is not None:
        seen.update(rows.key[rows.keep])
    user_name = str(mapping.get("source_label") or "").strip() if mapping else ""
    ref, ref_origin = reference_date, "user" if reference_date else None
    if not ref:
        ref = reference_date_from_titles(t.title_rows)
        ref_origin = "title" if ref else None
    pf = parsed_table(
        t, path=path, format=fmt, family="", reference_date=ref, origin=ref_origin, sheet=t.sheet
    )
    pf.notes.append(
        f"列の対応（{ {'user': '指定', 'saved': '前回保存', 'guessed': '推定'}[rows.origin] }）: "
        + ", ".join(f"{k}={v}" for k, v in rows.m.items())
    )
    rownum = t.row_series()
    for mask, fld, reason in rows.problems:
        for i in rows.df.index[mask]:
            c = rows.m.get(fld)
            pf.rejected.append(
                Rejected(
                    row=int(rownum[i]),
                    sheet=t.sheet,
                    column=c,
                    value=rows.df.at[i, c] if c else None,
                    reason=reason,
                    raw=rows.df.loc[i].to_dict(),
                )
            )
    keep = rows.keep.copy()
    ev = evidence if evidence is not None else rows.evidence()
    pf.family = _family_of(project, fmt, ev, user_name=user_name, saved_name=rows.saved_name, stem=stem)
    pf.scope_prefs = {"*"}  # a user's list is complete: entries missing from a newer release are closed
    prefs = project.study_prefectures
    if prefs:
        outside = keep & rows.pref.ne("") & ~rows.pref.isin(prefs)
        pf.skipped["outside_region"] += int(outside.sum())
        keep &= ~outside
    pf.records = _records(rows, pf.family, t.sheet, rownum)[keep][list(RECORD_COLUMNS)].reset_index(drop=True)
    pf.raw = rows.df[keep].reset_index(drop=True)
    pf.mapping = (list(t.header), rows.m, user_name or None)
    return pf


def _records(rows: _TableRows, family: str, sheet: str | None, rownum: pd.Series) -> pd.DataFrame:
    df, m = rows.df, rows.m

    def col(f: str) -> pd.Series:
        c = m.get(f)
        return df[c].fillna("").astype(str).str.strip() if c else pd.Series("", index=df.index, dtype=object)

    return pd.DataFrame(
        {
            "record_key": f"{family}:" + rows.key,
            "category": rows.cat,
            "subtype": col("subtype") if "subtype" in m else col("category"),
            "name": rows.name,
            "name_kana": col("name_kana"),
            "address": rows.addr,
            "postal_code": col("postal_code"),
            "pref_code": rows.pref,
            "muni_code": rows.muni,
            "phone": col("phone"),
            "beds": to_number_series(col("beds")) if "beds" in m else float("nan"),
            "src_lon": rows.lon,
            "src_lat": rows.lat,
            "match_class": "",
            "sheet": sheet,
            "row": rownum,
        },
        index=df.index,
    )


def _family_of(
    project: Project, fmt: str, ev: Evidence, *, user_name: str, saved_name: str | None, stem: str
) -> str:
    """Which list this is (see the module docstring)."""
    issuer = ev.issuer()
    if user_name:
        src_name = user_name
    elif issuer and saved_name and _family_exists(project, _family(fmt, saved_name, issuer)):
        src_name = saved_name  # the user named this source at an earlier import
    elif issuer:
        only = next(iter(ev.categories)) if len(ev.categories) == 1 else None
        src_name = CATEGORIES[only].label if only in CATEGORIES else "施設一覧"
    else:
        src_name = stem
    return _family(fmt, src_name, issuer)


def _family(fmt: str, name: str, issuer: str | None) -> str:
    return f"{fmt}:{name}" + (f"@{issuer}" if issuer else "")


def _family_exists(project: Project, family: str) -> bool:
    return (
        project.conn.execute(
            "SELECT 1 FROM facility_records WHERE source_family=? LIMIT 1", (family,)
        ).fetchone()
        is not None
    )


# the municipality at the start of an address (prefecture removed): 〇〇郡〇〇町/村, or 〇〇市 (a 政令市's
# wards count as the city); 〇〇区 (東京 23 区) only right after a prefecture
_ADDR_MUNI_RE = re.compile(r"^(.+?郡.+?[町村]|.+?市)")
_ADDR_WARD_RE = re.compile(r"^(.+?[区町村])")
_WARD_OF_CITY_RE = re.compile(r"^(.+?市).+?区$")


def _muni_of_address(address: str, pref_name: str) -> str:
    t = compact(address)
    own = compact(pref_name)
    m = PREFECTURE_RE.match(t)
    had_pref = m is not None or bool(own and t.startswith(own))
    t = t[m.end() :] if m else (t[len(own) :] if own and t.startswith(own) else t)
    hit = _ADDR_MUNI_RE.match(t) or (_ADDR_WARD_RE.match(t) if had_pref else None)
    return hit.group(1) if hit else ""


@dataclass
class Evidence:
    """What the rows of a list (or of all its chunks together) say about who it is about."""

    codes: set[str] = field(default_factory=set)
    cities: set[str] = field(default_factory=set)
    prefs: set[str] = field(default_factory=set)
    categories: set[str] = field(default_factory=set)

    def update(self, other: Evidence) -> None:
        self.codes |= other.codes
        self.cities |= other.cities
        self.prefs |= other.prefs
        self.categories |= other.categories

    def issuer(self) -> str | None:
        """One municipality code, else one municipality name, else one prefecture code; ``None`` when
        the rows name none (or several prefectures)."""
        for found in (self.codes, self.cities, self.prefs):
            if len(found) == 1:
                return next(iter(found))
        return None


def issuer_evidence(
    muni_code: pd.Series,
    muni_name: pd.Series,
    address: pd.Series,
    pref: pd.Series,
    pref_name: pd.Series | None = None,
    categories: pd.Series | None = None,
) -> Evidence:
    """The municipality codes, municipality (or 政令市) names and prefectures the rows name."""
    names = [compact(n) for n in muni_name.tolist()]
    if not any(names):
        pn = pref_name.tolist() if pref_name is not None else [""] * len(address)
        names = [_muni_of_address(a, p) for a, p in zip(address.tolist(), pn, strict=True)]
    return Evidence(
        codes={c for c in muni_code.tolist() if c},
        cities={(w.group(1) if (w := _WARD_OF_CITY_RE.match(n)) else n) for n in names if n},
        prefs={p for p in pref.tolist() if p},
        categories=set(categories.tolist()) if categories is not None else set(),
    )


def source_issuer(
    muni_code: pd.Series,
    muni_name: pd.Series,
    address: pd.Series,
    pref: pd.Series,
    pref_name: pd.Series | None = None,
) -> str | None:
    """Who a list is about, from its rows: one municipality code, else one municipality name, else one
    prefecture code; ``None`` when the rows name none (or several prefectures)."""
    return issuer_evidence(muni_code, muni_name, address, pref, pref_name).issuer()
