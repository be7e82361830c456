"""Import 国土数値情報 N03 行政区域 (municipality boundaries) into the project.

Accepted inputs: Shapefile (``.shp``, a folder, or a ``.zip``; CP932 or UTF-8 attributes, with or
without ``.cpg``), GeoJSON, and the JPGIS GML (``.xml``) of any release year.  Attributes are
matched by name *and checked by content* (see :func:`match_attributes`), so renamed or added
fields (``N03_005`` 政令市の区名 in recent releases) are handled.

Rules
-----
- One municipality is many rows (islands): rows are dissolved by the 5-digit code.
- Rows without a code (所属未定地, e.g. disputed lakes and reclaimed land) are left out and logged
  in ``import_log`` (severity ``rejected``, the reason says 所属未定地) with their names and area.
- Invalid geometry is repaired with ``shapely.make_valid`` (polygonal part kept) and logged.
- Wards of 政令市 stay units (``kind='ward'``); the city itself (``kind='designated_city'``) is
  derived by dissolving its wards.  The city code comes from the known list of 20 政令市
  (:data:`~zaitaku_map.geodata.codes.DESIGNATED_CITIES`); for a city not in it, wards are grouped by
  N03_003 and the code is the largest code ending in 0 that is ≤ the smallest ward code.
  東京都の特別区 (131xx) are municipalities.
- ``full_name`` is ``市名+区名`` for wards (大阪市都島区) and the N03_004 name otherwise; the
  郡 stays in ``county_or_city``.
- Re-import replaces the municipality set in one transaction; codes that disappear are reported
  with successors (the new municipality containing the old representative point, and any new code
  with the same name), and the polygons of every area layer are rebuilt.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypedDict, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Point
from shapely.validation import explain_validity

from zaitaku_map.errors import GeodataError
from zaitaku_map.geo import in_japan, metric_crs
from zaitaku_map.geodata.codes import derived_city_code, designated_city_code, normalize_muni_code
from zaitaku_map.geodata.n03_read import read_boundary_file
from zaitaku_map.geodata.simplify import (
    DISPLAY_TOLERANCE_DEG,
    coverage_union,
    simplify_coverage,
    to_multipolygon,
)
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback
from zaitaku_map.refdate import resolve_reference_date
from zaitaku_map.store import gpkg
from zaitaku_map.store.project import Project

ALIASES: dict[str, list[str]] = {
    "pref_name": ["N03_001", "都道府県名", "pref_name", "prefectureName"],
    "subpref_name": ["N03_002", "支庁・振興局名", "支庁名", "subpref_name", "subPrefectureName"],
    "county_or_city": ["N03_003", "郡・政令都市名", "郡・政令市名", "郡名", "county_or_city", "countyName"],
    "name": ["N03_004", "市区町村名", "name", "cityName"],
    "ward": ["N03_005", "政令市の区名", "政令指定都市の行政区名", "区名", "wardName"],
    "code": ["N03_007", "行政区域コード", "code", "administrativeAreaCode"],
}
_PREF_RE = re.compile(r".+[都道府県]$")
_MUNI_RE = re.compile(r".+[市区町村]$")


# --------------------------------------------------------------------------------------------
# attribute matching
# --------------------------------------------------------------------------------------------
def _share(series: pd.Series, test: Any) -> float:
    vals = [
        v for v in series.tolist() if v is not None and not (isinstance(v, float) and np.isnan(v)) and v != ""
    ]
    if not vals:
        return 0.0
    return sum(1 for v in vals if test(v)) / len(vals)


def _is_code(v: Any) -> bool:
    return normalize_muni_code(v) is not None


def match_attributes(columns: list[str], frame: pd.DataFrame) -> dict[str, str | None]:
    """Map roles (code, pref_name, subpref_name, county_or_city, name, ward) to columns.

    Names are tried first (N03_00x, Japanese headers); every choice is then checked by content
    (codes are 4–6 digit municipality codes, prefectures end in 都道府県, names in 市区町村, wards
    in 区) and, when a check fails, all columns are searched by content instead.
    """
    cols = [c for c in columns if c not in ("geometry", "_file")]
    checks: dict[str, Callable[[pd.Series], bool]] = {
        "code": lambda s: _share(s, _is_code) >= 0.9,
        "pref_name": lambda s: _share(s, lambda v: bool(_PREF_RE.match(str(v)))) >= 0.9,
        "name": lambda s: _share(s, lambda v: bool(_MUNI_RE.match(str(v)))) >= 0.8,
        "ward": lambda s: s.notna().any() and _share(s, lambda v: str(v).endswith("区")) >= 0.9,
        "subpref_name": lambda s: True,
        "county_or_city": lambda s: True,
    }
    found: dict[str, str | None] = {}
    used: set[str] = set()
    for role in ("code", "pref_name", "name", "county_or_city", "subpref_name", "ward"):
        choice = None
        for alias in ALIASES[role]:
            if alias in cols and alias not in used and checks[role](frame[alias]):
                choice = alias
                break
        if choice is None and role in ("code", "pref_name", "name"):
            for c in cols:
                if c not in used and frame[c].dtype != float and checks[role](frame[c]):
                    choice = c
                    break
            if choice is None and role == "code":
                for c in cols:
                    if c not in used and checks[role](frame[c]):
                        choice = c
                        break
        if choice is None and role == "name":  # unusual names: trust the column name
            choice = next((a for a in ALIASES[role] if a in cols and a not in used), None)
        found[role] = choice
        if choice:
            used.add(choice)
    if found["code"] is None:
        raise GeodataError(
            "no municipality code column found",
            value=", ".join(cols),
            expected="N03_007 (5-digit 行政区域コード) or a column of 5-digit codes",
        )
    if found["name"] is None:
        raise GeodataError(
            "no municipality name column found", value=", ".join(cols), expected="N03_004 市区町村名"
        )
    return found


def _text(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    t = str(v).strip()
    return t or None


# --------------------------------------------------------------------------------------------
# building municipalities
# --------------------------------------------------------------------------------------------
def _area_km2(geoms: list[MultiPolygon], lons: list[float]) -> list[float]:
    s = gpd.GeoSeries(geoms, crs="EPSG:4326")
    crs = [metric_crs(x) for x in lons]
    out = np.zeros(len(geoms))
    for c in sorted(set(crs)):
        idx = [i for i, v in enumerate(crs) if v == c]
        out[idx] = s.iloc[idx].to_crs(c).area.to_numpy() / 1e6
    return [float(v) if np.isfinite(v) else 0.0 for v in out]


class NoCodeRows(TypedDict):
    """Rows without a municipality code (所属未定地): count, total area and names."""

    rows: int
    area_km2: float
    names: list[str]


class LogEntry(TypedDict):
    """A row of the file that was rejected, repaired or warned about (goes to ``import_log``)."""

    row: int | None
    severity: str
    column: str | None
    value: str | None
    reason: str
    raw: dict[str, Any] | None


class BuildReport(TypedDict):
    """What :func:`build_municipalities` made of the rows."""

    attribute_mapping: dict[str, str | None]
    rows_read: int
    municipalities: int
    wards: int
    designated_cities: list[dict[str, Any]]
    units: int
    multi_row_municipalities: int
    repaired: list[dict[str, Any]]
    no_code_rows: NoCodeRows
    ignored_other_prefectures: int
    rejected: list[LogEntry]
    display: dict[str, Any]


def _rep_point(g: MultiPolygon) -> Point:
    if g.is_empty:
        return Point()
    largest = max(g.geoms, key=lambda p: p.area)
    return largest.representative_point()


def _entry(row: int | None, severity: str, column: str | None, value: Any, reason: str, raw: Any) -> LogEntry:
    return {"row": row, "severity": severity, "column": column, "value": value, "reason": reason, "raw": raw}


class _Rows:
    """Collects N03 rows by code: polygon parts, attributes, and what was left out or repaired."""

    def __init__(self, mapping: dict[str, str | None], pref_filter: set[str] | None) -> None:
        self.mapping = mapping
        self.pref_filter = pref_filter
        self.parts: dict[str, list[MultiPolygon]] = defaultdict(list)
        self.attrs: dict[str, dict[str, Any]] = {}
        self.log: list[LogEntry] = []
        self.repaired: list[dict[str, Any]] = []
        self.no_code: NoCodeRows = {"rows": 0, "area_km2": 0.0, "names": []}
        self.ignored_pref = 0
        self.without_area: dict[str, list[int]] = defaultdict(list)  # code -> rows with no usable area

    def get(self, row: dict[str, Any], role: str) -> str | None:
        col = self.mapping.get(role)
        return _text(row[col]) if col else None

    def add(self, rownum: int, row: dict[str, Any], geom: Any) -> None:
        raw_attrs = {k: _text(v) for k, v in row.items()}
        code_col = self.mapping["code"]
        code = normalize_muni_code(row[code_col]) if code_col else None
        if code is None:
            self._no_code(rownum, row, geom, raw_attrs)
            return
        if self.pref_filter is not None and code[:2] not in self.pref_filter:
            self.ignored_pref += 1
            return
        poly = to_multipolygon(geom) if geom is not None and not geom.is_empty else MultiPolygon()
        if poly.is_empty:
            what = (
                "形状がありません"
                if geom is None or geom.is_empty
                else f"面ではない形状です（{geom.geom_type}）"
            )
            self.log.append(_entry(rownum, "rejected", "geometry", code, what, raw_attrs))
            self.without_area[code].append(rownum)
            return
        if not poly.is_valid:
            why = explain_validity(poly)
            self.repaired.append({"row": rownum, "code": code, "reason": why})
            self.log.append(
                _entry(rownum, "warning", "geometry", code, f"不正な形状を修復しました: {why}", raw_attrs)
            )
            poly = to_multipolygon(shapely.make_valid(poly))
        self.parts[code].append(poly)
        self._attributes(rownum, code, row, raw_attrs)

    def _no_code(self, rownum: int, row: dict[str, Any], geom: Any, raw_attrs: dict[str, Any]) -> None:
        g = (
            to_multipolygon(shapely.make_valid(geom))
            if geom is not None and not geom.is_empty
            else MultiPolygon()
        )
        area = 0.0 if g.is_empty else _area_km2([g], [g.centroid.x])[0]
        self.no_code["rows"] += 1
        self.no_code["area_km2"] += area
        self.no_code["names"].append(
            "".join(x for x in (self.get(row, "pref_name"), self.get(row, "name")) if x) or "(名称なし)"
        )
        code_col = self.mapping["code"]
        self.log.append(
            _entry(
                rownum,
                "rejected",
                code_col,
                _text(row[code_col]) if code_col else None,
                f"行政区域コードのない行（所属未定地など）は取り込みません（約{area:.2f} km²）",
                raw_attrs,
            )
        )

    def _attributes(self, rownum: int, code: str, row: dict[str, Any], raw_attrs: dict[str, Any]) -> None:
        if code not in self.attrs:
            name, county, ward = self.get(row, "name"), self.get(row, "county_or_city"), self.get(row, "ward")
            if ward:  # newer releases: N03_004 is the city, N03_005 the ward
                county, name = name, ward
            self.attrs[code] = {
                "pref_name": self.get(row, "pref_name"),
                "subpref_name": self.get(row, "subpref_name"),
                "county_or_city": county,
                "name": name or code,
            }
        elif self.attrs[code]["name"] != (self.get(row, "ward") or self.get(row, "name")):
            self.log.append(
                _entry(
                    rownum,
                    "warning",
                    self.mapping["name"],
                    code,
                    f"同じコードで名称が異なります（{self.attrs[code]['name']} を使用）",
                    raw_attrs,
                )
            )


def _dissolve(rows: _Rows, prog: Progress) -> list[dict[str, Any]]:
    """One record per code: its parts dissolved, ward or municipality."""
    records: list[dict[str, Any]] = []
    for code in prog.iterate(sorted(rows.parts), message="市区町村を融合中"):
        pieces = rows.parts[code]
        g = (
            pieces[0]
            if len(pieces) == 1
            else to_multipolygon(shapely.union_all(np.array(pieces, dtype=object)))
        )
        a = rows.attrs[code]
        is_ward = (
            not code.startswith("131")
            and (a["name"] or "").endswith("区")
            and (a["county_or_city"] or "").endswith("市")
        )
        records.append(
            {
                "code": code,
                "pref_code": code[:2],
                **a,
                "kind": "ward" if is_ward else "municipality",
                "parent_code": None,
                "full_name": (a["county_or_city"] + a["name"]) if is_ward else a["name"],
                "geometry": g,
                "n_rows": len(pieces),
            }
        )
    return records


def _designated_cities(records: list[dict[str, Any]], log: list[LogEntry]) -> list[dict[str, Any]]:
    """政令市 derived from their wards, grouped by (prefecture, city name)."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        if r["kind"] == "ward":
            groups[(r["pref_code"], r["county_or_city"])].append(r)
    codes = {r["code"] for r in records}
    cities: list[dict[str, Any]] = []
    for (pref, city_name), wards in sorted(groups.items()):
        wcodes = [w["code"] for w in wards]
        known = {designated_city_code(c, city_name=city_name) for c in wcodes}
        ccode = known.pop() if len(known) == 1 and None not in known else derived_city_code(wcodes)
        rule = (
            "known_list"
            if ccode and designated_city_code(wcodes[0], city_name=city_name) == ccode
            else "derived"
        )
        if ccode in codes:
            log.append(
                _entry(
                    None,
                    "warning",
                    None,
                    ccode,
                    f"{city_name}の市コード {ccode} が他の市区町村と重複するため政令市を作りません",
                    None,
                )
            )
            continue
        for w in wards:
            w["parent_code"] = ccode
        cities.append(
            {
                "code": ccode,
                "pref_code": pref,
                "pref_name": wards[0]["pref_name"],
                "subpref_name": wards[0]["subpref_name"],
                "county_or_city": None,
                "name": city_name,
                "full_name": city_name,
                "kind": "designated_city",
                "parent_code": None,
                "geometry": coverage_union([w["geometry"] for w in wards]),
                "n_rows": 0,
                "_wards": wcodes,
                "_rule": rule,
            }
        )
        codes.add(ccode)
    return cities


def _display_and_measures(
    units: list[dict[str, Any]], cities: list[dict[str, Any]], tolerance: float
) -> dict[str, Any]:
    """Display geometry (coverage-simplified), representative points and areas, in place; the
    simplification stats."""
    display, simp = simplify_coverage([r["geometry"] for r in units], tolerance=tolerance)
    for r, d in zip(units, display, strict=True):
        r["geometry_display"] = d
    by_code = {r["code"]: r for r in units}
    for c in cities:
        c["geometry_display"] = coverage_union([by_code[w]["geometry_display"] for w in c["_wards"]])
    allrec = units + cities
    reps = [_rep_point(r["geometry"]) for r in allrec]
    areas = _area_km2([r["geometry"] for r in allrec], [p.x for p in reps])
    for r, p, area in zip(allrec, reps, areas, strict=True):
        r["rep_lon"], r["rep_lat"], r["area_km2"] = p.x, p.y, round(area, 4)
        r["fid"] = int(r["code"])
    return simp


def build_municipalities(
    raw: gpd.GeoDataFrame,
    *,
    prefectures: list[str] | None = None,
    tolerance: float = DISPLAY_TOLERANCE_DEG,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> tuple[gpd.GeoDataFrame, BuildReport, list[LogEntry]]:
    """Turn raw N03 rows into municipality records (dissolved, repaired, wards + derived cities).

    Rows without geometry, or whose geometry is not an area (a point, a line), are rejected with their
    row; run :func:`check_coordinates` first (this function assumes lon/lat degrees).

    Returns
    -------
    (GeoDataFrame with the ``municipalities`` columns + ``geometry`` and ``geometry_display``,
    report, log entries ``{row, reason, severity, column, value, raw}``).
    """
    prog = Progress.of(progress, cancel)
    mapping = match_attributes(list(raw.columns), raw)
    pref_filter = {str(x).zfill(2) for x in prefectures} if prefectures else None
    rows = _Rows(mapping, pref_filter)
    raw_rows = raw.drop(columns="geometry").to_dict("records")
    for i, (row, geom) in enumerate(
        prog.step(0.55).iterate(
            list(zip(raw_rows, raw.geometry, strict=True)), message="行政区域を読み込み中"
        )
    ):
        rows.add(i + 1, row, geom)
    if not rows.parts:
        raise GeodataError(
            "no municipality with a code in the file" + (" for the study prefectures" if pref_filter else ""),
            expected="N03 rows with 行政区域コード",
            value=sorted(pref_filter) if pref_filter else None,
        )
    lost = {c: r for c, r in rows.without_area.items() if c not in rows.parts}
    if lost:  # a municipality would vanish: the file is broken, the project keeps its boundaries
        first = min(min(r) for r in lost.values())
        raise GeodataError(
            "municipalities without any usable area (empty or non-polygon geometry)",
            row=first,
            column="geometry",
            value="、".join(f"{c}（行 {', '.join(map(str, r[:3]))}）" for c, r in sorted(lost.items())[:5]),
            hint="ファイルが壊れているか、面のデータではありません。行政区域は変更していません。",
        )
    units = _dissolve(rows, prog.step(0.2))
    cities = _designated_cities(units, rows.log)
    step = prog.step(0.25)
    step.update(0, "表示用の形状を簡略化中")
    simp = _display_and_measures(units, cities, tolerance)
    step.update(1, "", force=True)
    out = gpd.GeoDataFrame(pd.DataFrame(units + cities), geometry="geometry", crs="EPSG:4326")
    report: BuildReport = {
        "attribute_mapping": mapping,
        "rows_read": len(raw),
        "municipalities": sum(1 for r in units if r["kind"] == "municipality"),
        "wards": sum(1 for r in units if r["kind"] == "ward"),
        "designated_cities": [
            {"code": c["code"], "name": c["name"], "wards": len(c["_wards"]), "code_rule": c["_rule"]}
            for c in cities
        ],
        "units": len(units),
        "multi_row_municipalities": sum(1 for r in units if r["n_rows"] > 1),
        "repaired": rows.repaired,
        "no_code_rows": {**rows.no_code, "area_km2": round(rows.no_code["area_km2"], 3)},
        "ignored_other_prefectures": rows.ignored_pref,
        "rejected": [e for e in rows.log if e["severity"] == "rejected"],
        "display": simp,
    }
    return out, report, rows.log


# --------------------------------------------------------------------------------------------
# checks before anything is replaced
# --------------------------------------------------------------------------------------------
def check_coordinates(raw: gpd.GeoDataFrame, path: Path) -> None:
    """Refuse a boundary file whose coordinates are not finite lon/lat degrees within Japan.

    Such a file (latitude and longitude swapped, projected metres without a ``.prj``, NaN or
    infinite values) would replace good municipalities with garbage polygons, so it is refused as a
    whole, naming the first rows, before anything is written.

    Raises
    ------
    GeodataError
        Some coordinates are not finite, or lie outside Japan.
    """
    geoms = np.asarray(raw.geometry.values, dtype=object)
    present = np.array([g is not None and not g.is_empty for g in geoms], dtype=bool)
    if not present.any():
        return
    coords, index = shapely.get_coordinates(geoms[present], return_index=True)
    rows = np.flatnonzero(present)[index] + 1
    finite = np.isfinite(coords).all(axis=1)
    if not finite.all():
        bad = sorted({int(r) for r in rows[~finite]})
        raise GeodataError(
            "boundary coordinates are not finite numbers (NaN or infinite)",
            file=path,
            row=bad[0],
            value=f"{len(bad)} 行（行 {', '.join(map(str, bad[:5]))}）",
            hint="ファイルが壊れています。国土数値情報からダウンロードし直してください。行政区域は変更していません。",
        )
    inside = np.asarray(in_japan(coords[:, 0], coords[:, 1]), dtype=bool)
    if inside.all():
        return
    bad = sorted({int(r) for r in rows[~inside]})
    swapped = bool(np.asarray(in_japan(coords[:, 1], coords[:, 0]), dtype=bool).all())
    sample = coords[~inside][0]
    raise GeodataError(
        "boundary coordinates are not longitude/latitude degrees within Japan",
        file=path,
        row=bad[0],
        value=f"({sample[0]:.6g}, {sample[1]:.6g})、{len(bad)} 行",
        expected="経度 122〜154・緯度 20〜46 の度（JGD2011 / WGS84）",
        hint=(
            "緯度と経度が逆になっています。"
            if swapped
            else "投影座標（メートル）のファイルは、座標系（.prj）付きのシェープファイルか、経緯度に変換した GeoJSON にしてください。"
        )
        + "行政区域は変更していません。",
    )


# --------------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------------
_COLS = [
    "code",
    "fid",
    "pref_code",
    "pref_name",
    "subpref_name",
    "county_or_city",
    "name",
    "full_name",
    "kind",
    "parent_code",
    "area_km2",
    "rep_lon",
    "rep_lat",
]


def _successors(old: list[tuple[str, str, float, float]], new: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    units = new[new["kind"] != "designated_city"]
    tree = shapely.STRtree(units.geometry.values)
    out = []
    for code, name, lon, lat in old:
        by_loc = None
        if lon is not None and lat is not None:
            hits = tree.query(Point(lon, lat), predicate="intersects")
            if len(hits):
                row = units.iloc[int(hits[0])]
                by_loc = {"code": row["code"], "name": row["full_name"]}
        same = new[(new["name"] == name) | (new["full_name"] == name)]
        by_name = [{"code": c, "name": n} for c, n in zip(same["code"], same["full_name"], strict=True)]
        out.append(
            {"code": code, "name": name, "successor_by_location": by_loc, "successors_by_name": by_name}
        )
    return out


_N03_DATE = (
    re.compile(r"N03-(?:\d{2}_\d{2}_)?(\d{8})(?:_|\b)", re.IGNORECASE),  # N03-20240101_31_GML.zip
    re.compile(r"N03-\d{2}_\d{2}_(\d{6})(?:\D|$)", re.IGNORECASE),  # N03-21_31_210101.shp / .json
    re.compile(r"N03-(\d{6})_", re.IGNORECASE),  # N03-210101_31_GML.zip
)


def reference_date_from_name(name: str) -> str | None:
    """Reference date (``YYYY-MM-DD``) an N03 file name carries (国土数値情報 names end in the 基準日)."""
    for pat in _N03_DATE:
        m = pat.search(name)
        if not m:
            continue
        d = m.group(1)
        if len(d) == 6:
            yy = int(d[:2])
            d = f"{1900 + yy if yy >= 50 else 2000 + yy}{d[2:]}"
        try:
            return dt.date(int(d[:4]), int(d[4:6]), int(d[6:8])).isoformat()
        except ValueError:
            continue
    return None


class BoundaryReport(BuildReport, total=False):
    """What :func:`import_boundaries` did (JSON-ready)."""

    file: str
    format: str
    source_id: int
    reference_date: str | None
    reference_date_origin: str | None
    files: list[str]
    encodings: dict[str, str | None]
    loaded: int
    replaced: dict[str, Any] | None
    area_layers_rebuilt: dict[str, int]
    study_prefectures_set: list[str] | None
    note: str


def _replacement(project: Project, munis: gpd.GeoDataFrame) -> dict[str, Any] | None:
    """What a re-import replaces: the previous units, codes that disappear (with successors), new codes."""
    old = project.conn.execute(
        "SELECT code, coalesce(full_name, name), rep_lon, rep_lat FROM municipalities WHERE kind != 'designated_city'"
    ).fetchall()
    if not old:
        return None
    new_codes = set(munis["code"])
    unit_codes = set(munis.loc[munis["kind"] != "designated_city", "code"])
    old_codes = {o[0] for o in old}
    return {
        "previous_units": len(old),
        "disappeared": _successors([o for o in old if o[0] not in new_codes], munis),
        "new_codes": sorted(c for c in new_codes if c not in old_codes and c in unit_codes),
    }


def _write_municipalities(
    project: Project,
    munis: gpd.GeoDataFrame,
    path: Path,
    log: list[LogEntry],
    summary: dict[str, Any],
    *,
    source: dict[str, Any],
) -> tuple[int, dict[str, int], list[str] | None, list[tuple[str, str]], int]:
    """Replace the municipality set (call inside the transaction): ``(source id, area layers rebuilt,
    study prefectures set, area members with unknown codes, option assignments with unknown codes)``."""
    from zaitaku_map.geodata.areas import rebuild_all_area_polygons

    sid = project.add_source(kind="boundaries", format="n03", path=path, summary=summary, **source)
    for e in log:
        project.log_row(
            source_id=sid,
            reason=e["reason"],
            file_name=path.name,
            row=e["row"],
            column=e["column"],
            value=e["value"],
            raw=e["raw"],
            severity=e["severity"],
        )
    project.conn.execute("DELETE FROM municipalities")
    project.conn.executemany(
        f"INSERT INTO municipalities ({', '.join(_COLS)}, geom, geom_display) VALUES ({', '.join('?' * (len(_COLS) + 2))})",
        [
            [r[c] for c in _COLS] + [gpkg.to_blob(r["geometry"]), gpkg.to_blob(r["geometry_display"])]
            for r in munis.to_dict("records")
        ],
    )
    study_set = None
    if not project.study_prefectures and len(munis):  # the study region follows the boundaries
        study_set = sorted({str(c)[:2] for c in munis["code"]})
        project.set_study_prefectures(study_set)
    rebuilt = rebuild_all_area_polygons(project)
    project.refresh_extent("municipalities")
    project.refresh_extent("area_polygons")
    orphans = project.conn.execute(
        "SELECT l.name, m.muni_code FROM area_members m JOIN area_layers l ON l.id = m.layer_id "
        "WHERE m.muni_code NOT IN (SELECT code FROM municipalities) ORDER BY l.id, m.muni_code"
    ).fetchall()
    opt_orphans = project.conn.execute(
        "SELECT count(*) FROM option_assignments WHERE unit_code NOT IN (SELECT code FROM municipalities)"
    ).fetchone()[0]
    return sid, rebuilt, study_set, [(a, c) for a, c in orphans], int(opt_orphans)


def import_boundaries(
    project: Project,
    path: str | Path,
    *,
    prefectures: list[str] | None = None,
    tolerance: float = DISPLAY_TOLERANCE_DEG,
    reference_date: str | None = None,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> BoundaryReport:
    """Import N03 boundaries, replacing the project's municipality set in one transaction.

    The file is checked first (:func:`check_coordinates`: finite lon/lat degrees within Japan); a file
    that fails leaves the project's boundaries as they were.

    Parameters
    ----------
    project:
        Open project.
    path:
        N03 Shapefile (``.shp``, folder or ``.zip``), GeoJSON, or GML.
    prefectures:
        2-digit prefecture codes to keep (default: the project's study prefectures; all when unset).
    tolerance:
        Display simplification tolerance in degrees.
    reference_date:
        基準日 (checked like every source's: date, year/年度 or 和暦); default: read from the file name
        (``N03-20240101_31_GML.zip``, ``N03-21_31_210101.json``).

    Returns
    -------
    JSON-ready report: counts of municipalities/wards/derived cities, repaired and rejected rows,
    rows without code, display vertex counts, and on re-import the disappeared/new codes.
    """
    prog = Progress.of(progress, cancel)
    p = Path(path)
    reference_date, date_origin = resolve_reference_date(
        reference_date, ("file_name", lambda: reference_date_from_name(p.name))
    )
    prog.update(0, "ファイルを読み込み中", force=True)
    raw, facts = read_boundary_file(p)
    check_coordinates(raw, p)
    try:
        munis, report, log = build_municipalities(
            raw,
            prefectures=prefectures if prefectures is not None else (project.study_prefectures or None),
            tolerance=tolerance,
            progress=prog.step(0.8),
            cancel=cancel,
        )
    except GeodataError as exc:
        exc.file = exc.file or str(p)
        raise
    replaced = _replacement(project, munis)
    prog.step(0.05).update(1, "保存中", force=True)
    summary: dict[str, Any] = {k: v for k, v in report.items() if k != "rejected"}
    summary.update(facts)
    with project.transaction():
        sid, rebuilt, study_set, orphans, opt_orphans = _write_municipalities(
            project,
            munis,
            p,
            log,
            summary,
            source={
                "reference_date": reference_date,
                "rows_read": len(raw),
                "rows_rejected": len(report["rejected"]),
            },
        )
    if replaced is not None:
        replaced["area_members_with_unknown_codes"] = [{"layer": a, "code": c} for a, c in orphans]
        replaced["option_assignments_with_unknown_codes"] = opt_orphans
    prog.step(0.15).update(1, "完了", force=True)
    out = cast(
        BoundaryReport,
        {
            **report,
            "file": str(p),
            "format": "n03",
            "source_id": sid,
            "reference_date": reference_date,
            "reference_date_origin": date_origin,
            "files": facts["files"],
            "encodings": facts["encodings"],
            "loaded": len(munis),
            "replaced": replaced,
            "area_layers_rebuilt": rebuilt,
            "study_prefectures_set": study_set,
        },
    )
    stale_pop = project.conn.execute("SELECT count(*) FROM demand_points").fetchone()[0]
    if stale_pop and replaced and replaced["disappeared"]:
        out["note"] = "市区町村が変わりました。人口（メッシュ）を取り込み直すと按分が新しい境界に合います。"
    result: BoundaryReport = json.loads(json.dumps(out, ensure_ascii=False, default=str))
    return result
