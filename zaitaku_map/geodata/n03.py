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
from typing import Any, TypedDict

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Point
from shapely.validation import explain_validity

from zaitaku_map.errors import GeodataError
from zaitaku_map.geo import metric_crs
from zaitaku_map.geodata.codes import derived_city_code, designated_city_code, normalize_muni_code
from zaitaku_map.geodata.n03_read import read_boundary_file
from zaitaku_map.geodata.simplify import (
    DISPLAY_TOLERANCE_DEG,
    coverage_union,
    simplify_coverage,
    to_multipolygon,
)
from zaitaku_map.progress import Progress
from zaitaku_map.refdate import resolve_reference_date
from zaitaku_map.store import gpkg

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
    return [float(v) for v in out]


class _NoCodeRows(TypedDict):
    """Rows without a municipality code (所属未定地): count, total area and names."""

    rows: int
    area_km2: float
    names: list[str]


def _rep_point(g: MultiPolygon) -> Point:
    if g.is_empty:
        return Point()
    largest = max(g.geoms, key=lambda p: p.area)
    return largest.representative_point()


def build_municipalities(
    raw: gpd.GeoDataFrame,
    *,
    prefectures: list[str] | None = None,
    tolerance: float = DISPLAY_TOLERANCE_DEG,
    progress: Any = None,
    cancel: Any = None,
) -> tuple[gpd.GeoDataFrame, dict[str, Any], list[dict[str, Any]]]:
    """Turn raw N03 rows into municipality records (dissolved, repaired, wards + derived cities).

    Returns
    -------
    (GeoDataFrame with the ``municipalities`` columns + ``geometry`` and ``geometry_display``,
    report dict, list of log entries ``{row, reason, severity, value, raw}``).
    """
    prog = Progress.of(progress, cancel)
    mapping = match_attributes(list(raw.columns), raw)
    log: list[dict[str, Any]] = []
    parts: dict[str, list[Any]] = defaultdict(list)
    attrs: dict[str, dict[str, Any]] = {}
    repaired: list[dict[str, Any]] = []
    no_code: _NoCodeRows = {"rows": 0, "area_km2": 0.0, "names": []}
    ignored_pref = 0
    pref_filter = {str(x).zfill(2) for x in prefectures} if prefectures else None

    def get(row: dict[str, Any], role: str) -> str | None:
        col = mapping.get(role)
        return _text(row[col]) if col else None

    step = prog.step(0.55)
    raw_rows = raw.drop(columns="geometry").to_dict("records")
    for i, (row, geom) in enumerate(
        step.iterate(list(zip(raw_rows, raw.geometry, strict=True)), message="行政区域を読み込み中")
    ):
        rownum = i + 1
        raw_attrs = {k: _text(v) for k, v in row.items()}
        code = normalize_muni_code(row[mapping["code"]]) if mapping["code"] else None
        if code is None:
            g = to_multipolygon(shapely.make_valid(geom)) if geom is not None else MultiPolygon()
            no_code["rows"] += 1
            area = _area_km2([g], [g.centroid.x if not g.is_empty else 135.0])[0] if not g.is_empty else 0.0
            no_code["area_km2"] += area
            label = "".join(x for x in (get(row, "pref_name"), get(row, "name")) if x) or "(名称なし)"
            no_code["names"].append(label)
            log.append(
                {
                    "row": rownum,
                    "severity": "rejected",
                    "column": mapping["code"],
                    "value": _text(row[mapping["code"]]),
                    "reason": f"行政区域コードのない行（所属未定地など）は取り込みません（約{area:.2f} km²）",
                    "raw": raw_attrs,
                }
            )
            continue
        if pref_filter is not None and code[:2] not in pref_filter:
            ignored_pref += 1
            continue
        if geom is None or geom.is_empty:
            log.append(
                {
                    "row": rownum,
                    "severity": "rejected",
                    "column": "geometry",
                    "value": code,
                    "reason": "形状がありません",
                    "raw": raw_attrs,
                }
            )
            continue
        if not geom.is_valid:
            why = explain_validity(geom)
            fixed = to_multipolygon(shapely.make_valid(geom))
            repaired.append({"row": rownum, "code": code, "reason": why})
            log.append(
                {
                    "row": rownum,
                    "severity": "warning",
                    "column": "geometry",
                    "value": code,
                    "reason": f"不正な形状を修復しました: {why}",
                    "raw": raw_attrs,
                }
            )
            geom = fixed
        parts[code].append(to_multipolygon(geom))
        if code not in attrs:
            name, county, ward = get(row, "name"), get(row, "county_or_city"), get(row, "ward")
            if ward:  # newer releases: N03_004 is the city, N03_005 the ward
                county, name = name, ward
            attrs[code] = {
                "pref_name": get(row, "pref_name"),
                "subpref_name": get(row, "subpref_name"),
                "county_or_city": county,
                "name": name or code,
            }
        elif attrs[code]["name"] != (get(row, "ward") or get(row, "name")):
            log.append(
                {
                    "row": rownum,
                    "severity": "warning",
                    "column": mapping["name"],
                    "value": code,
                    "reason": f"同じコードで名称が異なります（{attrs[code]['name']} を使用）",
                    "raw": raw_attrs,
                }
            )

    if not parts:
        raise GeodataError(
            "no municipality with a code in the file" + (" for the study prefectures" if pref_filter else ""),
            expected="N03 rows with 行政区域コード",
            value=sorted(pref_filter) if pref_filter else None,
        )

    step = prog.step(0.2)
    records: list[dict[str, Any]] = []
    for code in step.iterate(sorted(parts), message="市区町村を融合中"):
        pieces = parts[code]
        g = (
            pieces[0]
            if len(pieces) == 1
            else to_multipolygon(shapely.union_all(np.array(pieces, dtype=object)))
        )
        a = attrs[code]
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

    # 政令市: group wards by (prefecture, city name)
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
                {
                    "row": None,
                    "severity": "warning",
                    "column": None,
                    "value": ccode,
                    "reason": f"{city_name}の市コード {ccode} が他の市区町村と重複するため政令市を作りません",
                    "raw": None,
                }
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

    step = prog.step(0.25)
    step.update(0, "表示用の形状を簡略化中")
    units = records
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
    step.update(1, "", force=True)

    out = gpd.GeoDataFrame(pd.DataFrame(allrec), geometry="geometry", crs="EPSG:4326")
    report = {
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
        "repaired": repaired,
        "no_code_rows": {**no_code, "area_km2": round(no_code["area_km2"], 3)},
        "ignored_other_prefectures": ignored_pref,
        "rejected": [e for e in log if e["severity"] == "rejected"],
        "display": simp,
    }
    return out, report, log


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


def import_boundaries(
    project: Any,
    path: str | Path,
    *,
    prefectures: list[str] | None = None,
    tolerance: float = DISPLAY_TOLERANCE_DEG,
    reference_date: str | None = None,
    progress: Any = None,
    cancel: Any = None,
) -> dict[str, Any]:
    """Import N03 boundaries, replacing the project's municipality set in one transaction.

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
    if prefectures is None:
        prefectures = project.study_prefectures or None
    munis, report, log = build_municipalities(
        raw, prefectures=prefectures, tolerance=tolerance, progress=prog.step(0.8), cancel=cancel
    )
    fmt = "n03"
    old = project.conn.execute(
        "SELECT code, coalesce(full_name, name), rep_lon, rep_lat FROM municipalities WHERE kind != 'designated_city'"
    ).fetchall()
    new_codes = set(munis["code"])
    gone = [o for o in old if o[0] not in new_codes]
    old_codes = {o[0] for o in old}
    report_re = None
    if old:
        report_re = {
            "previous_units": len(old),
            "disappeared": _successors(gone, munis),
            "new_codes": sorted(
                c
                for c in new_codes
                if c not in old_codes and c in set(munis.loc[munis["kind"] != "designated_city", "code"])
            ),
        }
    prog.step(0.05).update(1, "保存中", force=True)
    with project.transaction():
        n_rejected = len(report["rejected"])
        summary = {k: v for k, v in report.items() if k not in ("rejected",)}
        summary.update(facts)
        sid = project.add_source(
            kind="boundaries",
            format=fmt,
            path=p,
            reference_date=reference_date,
            rows_read=len(raw),
            rows_rejected=n_rejected,
            summary=summary,
        )
        for e in log:
            project.log_row(
                source_id=sid,
                reason=e["reason"],
                file_name=p.name,
                row=e["row"],
                column=e.get("column"),
                value=e.get("value"),
                raw=e.get("raw"),
                severity=e["severity"],
            )
        project.conn.execute("DELETE FROM municipalities")
        rows = []
        for r in munis.to_dict("records"):
            rows.append(
                [r[c] for c in _COLS] + [gpkg.to_blob(r["geometry"]), gpkg.to_blob(r["geometry_display"])]
            )
        project.conn.executemany(
            f"INSERT INTO municipalities ({', '.join(_COLS)}, geom, geom_display) "
            f"VALUES ({', '.join('?' * (len(_COLS) + 2))})",
            rows,
        )
        study_set = None
        if not project.study_prefectures and len(munis):  # the study region follows the boundaries
            study_set = sorted({str(c)[:2] for c in munis["code"]})
            project.set_study_prefectures(study_set)
        from zaitaku_map.geodata.areas import rebuild_all_area_polygons

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
    if report_re is not None:
        report_re["area_members_with_unknown_codes"] = [{"layer": a, "code": c} for a, c in orphans]
        report_re["option_assignments_with_unknown_codes"] = opt_orphans
    prog.step(0.15).update(1, "完了", force=True)
    stale_pop = project.conn.execute("SELECT count(*) FROM demand_points").fetchone()[0]
    out = {
        "file": str(p),
        "format": fmt,
        "source_id": sid,
        "reference_date": reference_date,
        "reference_date_origin": date_origin,
        **facts,
        **report,
        "loaded": len(munis),
        "replaced": report_re,
        "area_layers_rebuilt": rebuilt,
        "study_prefectures_set": study_set,
    }
    if stale_pop and gone:
        out["note"] = "市区町村が変わりました。人口（メッシュ）を取り込み直すと按分が新しい境界に合います。"
    result: dict[str, Any] = json.loads(json.dumps(out, ensure_ascii=False, default=str))
    return result
