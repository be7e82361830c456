"""Population import: e-Stat mesh statistics → demand points; municipality and area tables.

Apportioning method (documented for users)
-----------------------------------------
Each mesh cell is intersected with the municipalities (wards for 政令市).  A cell lying in one
municipality becomes one demand point at the cell centre.  A cell straddling a border is split
into pieces; each piece gets ``share = piece area / land area of the cell`` and the cell's
population × share, and its point is the representative point of the piece (always inside the
municipality).  Shares are normalised over the land pieces, so people of a cell that is partly
sea are all kept, and the sum over demand points equals the sum over cells (to float rounding).
A cell that touches no municipality (coarse coastline) goes wholly to the nearest municipality
when it is within one cell diagonal; farther cells are outside the project (other prefectures
in the same 1次メッシュ) and are counted in the report, not stored.

A mesh import replaces the demand layer (``demand_points``).  A municipality table is stored in
``population_municipal`` only; with no mesh population the coverage engine then uses one point
per municipality (its representative point) with these totals and flags the result as coarse.  A table keyed
by an area layer's codes goes to ``population_area`` and is read with :func:`area_population`
(it is *not* spread to municipalities: that cannot be done honestly).
"""

from __future__ import annotations

import json
import re
import struct
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from zaitaku_map.errors import GeodataError
from zaitaku_map.geodata.areas import _best_sheet, _blank, _Units, read_table
from zaitaku_map.geodata.codes import code_candidates
from zaitaku_map.geodata.mesh import MeshTable, PopColumns, read_mesh_text
from zaitaku_map.progress import Progress
from zaitaku_map.store import gpkg

_NO_MUNI_CODES = "no municipality code of the project in the table"

POPS = ("pop_total", "pop_65", "pop_75", "pop_85")


def _year_from_name(name: str) -> str | None:
    m = re.search(r"(?<!\d)(20\d\d|19\d\d)(?!\d)", name)
    return m.group(1) if m else None


def _munis(project: Any) -> tuple[list[str], np.ndarray, np.ndarray]:
    rows = project.conn.execute(
        "SELECT code, geom, geom_display FROM municipalities WHERE kind != 'designated_city' ORDER BY code"
    ).fetchall()
    if not rows:
        raise GeodataError(
            "the project has no municipalities yet",
            hint="先に zaitaku-map boundaries で行政区域を取り込んでください。",
        )
    geoms = np.array([gpkg.from_blob(g) for _, g, _ in rows], dtype=object)
    display = np.array([gpkg.from_blob(d or g) for _, g, d in rows], dtype=object)
    shapely.prepare(geoms)
    return [c for c, _, _ in rows], geoms, display


def _clip(geoms: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Pieces of municipalities inside cells: fast rectangle clipping, exact intersection where
    the fast result is invalid."""
    if not len(geoms):
        return np.array([], dtype=object)
    b = shapely.bounds(cells)
    out = np.array([shapely.clip_by_rect(g, *bb) for g, bb in zip(geoms, b, strict=True)], dtype=object)
    bad = ~shapely.is_valid(out)
    if bad.any():
        out[bad] = shapely.intersection(geoms[bad], cells[bad])
    return out


def apportion(
    records: dict[str, dict[str, Any]],
    cells: np.ndarray,
    muni_codes: list[str],
    muni_geoms: np.ndarray,
    *,
    near_geoms: np.ndarray | None = None,
    progress: Any = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Split mesh populations over municipalities (see module docstring).

    Spatial queries run with the municipalities as (prepared) query geometries against a tree
    of the simple cell boxes, so a prefecture of 50k cells takes seconds, not minutes.

    Returns demand point dicts and stats (cells inside one municipality, split, nearest, outside).
    """
    prog = Progress.of(progress)
    codes = list(records)
    n = len(codes)
    cell_tree = shapely.STRtree(cells)
    prog.update(0.05, "メッシュと市区町村を照合中", force=True)
    cm, cc = cell_tree.query(muni_geoms, predicate="contains")
    inside = np.full(n, -1, dtype=np.int64)
    inside[cc] = cm
    im, ic = cell_tree.query(muni_geoms, predicate="intersects")
    keep = inside[ic] < 0  # pairs of cells not wholly inside one municipality
    im, ic = im[keep], ic[keep]
    prog.update(0.4, "境界をまたぐメッシュを分割中", force=True)
    inter = _clip(muni_geoms[im], cells[ic])
    areas = shapely.area(inter) if len(im) else np.array([])
    pos = areas > 0
    im, ic, inter, areas = im[pos], ic[pos], inter[pos], areas[pos]
    reps = shapely.point_on_surface(inter) if len(im) else np.array([], dtype=object)
    pieces: dict[int, list[tuple[int, float, Any]]] = {}
    for m, c, a, r in zip(im.tolist(), ic.tolist(), areas.tolist(), reps, strict=True):
        pieces.setdefault(c, []).append((m, a, r))
    stats: Counter[str] = Counter()
    nearest_cells: set[int] = set()
    # cells touching no municipality: nearest one within a cell diagonal (coarse coastlines)
    lonely = np.array([k for k in range(n) if inside[k] < 0 and k not in pieces], dtype=np.int64)
    if len(lonely):
        b = shapely.bounds(cells[lonely])
        diag = float(np.max(np.hypot(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])))
        near_src = muni_geoms if near_geoms is None else near_geoms  # display geometry: fast, close enough
        muni_tree = shapely.STRtree(near_src)
        li, mi = muni_tree.query_nearest(cells[lonely], max_distance=diag, all_matches=False)
        for i, m in zip(li.tolist(), mi.tolist(), strict=True):
            k = int(lonely[i])
            near = shapely.ops.nearest_points(muni_geoms[m].boundary, cells[k])[0]
            pieces[k] = [(m, 1.0, near)]
            nearest_cells.add(k)
            stats["nearest"] += 1
    prog.update(0.7, "需要点を作成中", force=True)
    centroids = shapely.centroid(cells)
    points: list[dict[str, Any]] = []
    outside_pop = 0.0
    for k in range(n):
        code, vals = codes[k], records[codes[k]]
        if inside[k] >= 0:
            parts = [(int(inside[k]), 1.0, centroids[k])]
            stats["inside_one"] += 1
        else:
            parts = pieces.get(k, [])
            if not parts:
                stats["outside"] += 1
                outside_pop += vals.get("pop_total") or 0.0
                continue
            if len(parts) > 1:
                stats["split"] += 1
            elif k not in nearest_cells:  # one municipality, the rest of the cell is sea
                stats["inside_one"] += 1
        land = sum(a for _, a, _ in parts)
        bands = vals.get("bands") or {}
        for m, a, pt in parts:
            share = a / land
            dp = {"unit_code": code, "muni_code": muni_codes[m], "share": share, "lon": pt.x, "lat": pt.y}
            for key in POPS:
                v = vals.get(key)
                dp[key] = None if v is None else v * share
            dp["bands"] = {b: v * share for b, v in bands.items()}
            points.append(dp)
    prog.update(1, "", force=True)
    return points, {**stats, "outside_pop_total": outside_pop}


def _new_pop_source(
    project: Any, *, source_id: int, unit: str, year: str | None, secret: int, notes: str
) -> int:
    return int(
        project.conn.execute(
            "INSERT INTO population_sources (source_id, unit, year, secret_cells, notes) VALUES (?,?,?,?,?)",
            (source_id, unit, year, secret, notes),
        ).lastrowid
        or 0
    )


def _point_blobs(lon: list[float], lat: list[float]) -> list[bytes]:
    """GeoPackage blobs of many points at once (same bytes as :func:`gpkg.to_blob` for a Point)."""
    if not lon:
        return []
    header = b"GP" + struct.pack("<BBi", 0, 0b0000_0001, gpkg.SRS_ID)
    wkb = shapely.to_wkb(
        shapely.points(np.asarray(lon, float), np.asarray(lat, float)), byte_order=1, flavor="iso"
    )
    return [header + w for w in wkb]


def _write_demand(project: Any, ps_id: int, points: list[dict[str, Any]]) -> None:
    blobs = _point_blobs([d["lon"] for d in points], [d["lat"] for d in points])
    project.conn.execute("DELETE FROM demand_points")
    project.conn.executemany(
        "INSERT INTO demand_points (pop_source_id, unit_code, muni_code, share, lon, lat, pop_total, pop_65, pop_75, "
        "pop_85, bands_json, geom) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            (
                ps_id,
                d["unit_code"],
                d["muni_code"],
                d["share"],
                d["lon"],
                d["lat"],
                d["pop_total"],
                d["pop_65"],
                d["pop_75"],
                d["pop_85"],
                json.dumps(d.get("bands") or {}, ensure_ascii=False),
                blob,
            )
            for d, blob in zip(points, blobs, strict=True)
        ],
    )
    project.refresh_extent("demand_points")
    project.set_meta("demand_points_version", str(ps_id))


def import_mesh(
    project: Any,
    paths: list[str | Path],
    *,
    year: str | None = None,
    progress: Any = None,
    cancel: Any = None,
) -> dict[str, Any]:
    """Import one or more e-Stat mesh files (same mesh size) as the demand layer."""
    prog = Progress.of(progress, cancel)
    from zaitaku_map.geodata.mesh_gis import GIS_MESH_SUFFIXES, read_mesh_gis

    tables: list[MeshTable] = [
        read_mesh_gis(p, year=year) if Path(p).suffix.lower() in GIS_MESH_SUFFIXES else read_mesh_text(p)
        for p in paths
    ]
    projection = any(t.columns.get("base_year") for t in tables)
    units = {t.unit for t in tables}
    if len(units) > 1:
        raise GeodataError(
            "mesh files of different sizes in one import",
            value=sorted(units),
            hint="1km・500m・250m のどれか一種類のファイルをまとめて取り込んでください。",
        )
    records: dict[str, dict[str, Any]] = {}
    duplicates = 0
    for t in tables:
        for code, vals in t.records.items():
            if code in records:
                duplicates += 1
                continue
            records[code] = vals
    codes, geoms, display = _munis(project)
    from zaitaku_map.geodata.mesh import mesh_polygons

    cells = mesh_polygons(list(records))
    points, stats = apportion(records, cells, codes, geoms, near_geoms=display, progress=prog.step(0.8))
    year = (
        year
        or next((str(t.columns["base_year"]) for t in tables if t.columns.get("base_year")), None)
        or next((y for t in tables if (y := _year_from_name(t.path.name))), None)
    )
    secret = sum(t.secret_cells for t in tables)
    file_totals = {k: float(sum((v.get(k) or 0.0) for v in records.values())) for k in POPS}
    with project.transaction():
        sid = project.add_source(
            kind="population",
            format="ksj_mesh_projection" if projection else "estat_mesh",
            path=Path(paths[0]),
            file_name=", ".join(Path(p).name for p in paths),
            reference_date=year,
            rows_read=sum(len(t.records) + t.secret_cells for t in tables),
            rows_rejected=sum(len(t.rejected) for t in tables),
            summary={"unit": tables[0].unit, "secret_cells": secret, **stats},
        )
        for t in tables:
            for e in t.rejected:
                project.log_row(
                    source_id=sid,
                    file_name=t.path.name,
                    row=e["row"],
                    column="KEY_CODE",
                    value=e["value"],
                    reason=e["reason"],
                )
        ps = _new_pop_source(
            project,
            source_id=sid,
            unit=tables[0].unit,
            year=year,
            secret=secret,
            notes=f"secret_cells={secret}; apportioned by area share",
        )
        _write_demand(project, ps, points)
    prog.step(0.2).update(1, "完了", force=True)
    stored = {k: float(sum((d[k] or 0.0) for d in points)) for k in POPS}
    return {
        "kind": "mesh",
        "files": [str(p) for p in paths],
        "unit": tables[0].unit,
        "year": year,
        "projection_years": sorted({y for t in tables for y in t.columns.get("years", [])}),
        "source_id": sid,
        "pop_source_id": ps,
        "columns": tables[0].columns,
        "cells_read": len(records),
        "secret_cells": secret,
        "merged_cells": sum(t.merged_cells for t in tables),
        "duplicate_cells": duplicates,
        "rejected": sum(len(t.rejected) for t in tables),
        "loaded": len(points),
        "cells_inside_one_municipality": stats.get("inside_one", 0),
        "cells_split": stats.get("split", 0),
        "cells_to_nearest": stats.get("nearest", 0),
        "cells_outside_project": stats.get("outside", 0),
        "outside_pop_total": stats["outside_pop_total"],
        "file_totals": file_totals,
        "stored_totals": stored,
        "demand_layer": tables[0].unit,
    }


# --------------------------------------------------------------------------------------------
# tables keyed by municipality or area codes
# --------------------------------------------------------------------------------------------
def _header_and_columns(raw: pd.DataFrame) -> tuple[int, list[str], PopColumns]:
    for h in range(min(len(raw), 15)):
        labels = [None if _blank(v) else str(v) for v in raw.iloc[h].tolist()]
        pc = PopColumns.from_labels(labels)
        if pc.found():
            return h, [lab or f"列{i + 1}" for i, lab in enumerate(labels)], pc
    raise GeodataError(
        "no population column recognised", expected="総数 / 65歳以上 / 5歳階級 (0～4歳 …) columns"
    )


def import_municipal_table(
    project: Any,
    path: str | Path,
    *,
    year: str | None = None,
    sheet: str | None = None,
    progress: Any = None,
    cancel: Any = None,
) -> dict[str, Any]:
    """Import population by municipality (5/6-digit codes, age columns by label)."""
    prog = Progress.of(progress, cancel)
    p = Path(path)
    units = _Units(project)
    raw, facts = (
        _best_sheet(p, units)
        if sheet is None and p.suffix.lower() in (".xlsx", ".xlsm")
        else read_table(p, sheet=sheet)
    )
    h, header, pc = _header_and_columns(raw)
    data = raw.iloc[h + 1 :].reset_index(drop=True)
    hits = [sum(1 for v in data[c] if units.match_code(v)) for c in data.columns]
    if not any(hits):
        raise GeodataError(_NO_MUNI_CODES, file=p, expected="5桁/6桁の市区町村コードの列")
    col = int(np.argmax(hits))
    rows: dict[str, dict[str, Any]] = {}
    other = 0
    city_rows: dict[str, dict[str, Any]] = {}
    unmatched: list[dict[str, Any]] = []
    secret = 0
    for i in prog.iterate(range(len(data)), message="人口表を読み込み中"):
        r = data.iloc[i].tolist()
        code = units.match_code(r[col])
        if code is None:
            c = code_candidates(r[col])
            if c and c[0][:2] not in units.prefs:
                other += 1
            elif not _blank(r[col]):
                unmatched.append({"row": h + 2 + i, "value": str(r[col])})
            continue
        vals = pc.values(r)
        if vals is None:
            secret += 1
            continue
        (city_rows if units.kind.get(code) == "designated_city" else rows)[code] = vals
    kept_city = {c: v for c, v in city_rows.items() if not any(w in rows for w in units.wards.get(c, []))}
    rows.update(kept_city)
    if not rows:
        raise GeodataError("no population row for the project's municipalities", file=p)
    year = year or _year_from_name(p.name)
    mesh_exists = project.conn.execute(
        "SELECT count(*) FROM demand_points d JOIN population_sources s ON s.id = d.pop_source_id "
        "WHERE s.unit != 'municipality'"
    ).fetchone()[0]
    with project.transaction():
        sid = project.add_source(
            kind="population",
            format="population_table",
            path=p,
            sheet=facts.get("sheet"),
            reference_date=year,
            rows_read=len(data),
            rows_rejected=len(unmatched),
        )
        for e in unmatched:
            project.log_row(
                source_id=sid,
                file_name=p.name,
                row=e["row"],
                value=e["value"],
                reason="プロジェクトの市区町村に一致しないコード",
            )
        ps = _new_pop_source(
            project, source_id=sid, unit="municipality", year=year, secret=secret, notes="municipality table"
        )
        project.conn.executemany(
            "INSERT OR REPLACE INTO population_municipal (muni_code, pop_source_id, pop_total, pop_65, pop_75, "
            "pop_85, bands_json) VALUES (?,?,?,?,?,?,?)",
            [
                (
                    c,
                    ps,
                    v["pop_total"],
                    v["pop_65"],
                    v["pop_75"],
                    v["pop_85"],
                    json.dumps(v["bands"], ensure_ascii=False),
                )
                for c, v in sorted(rows.items())
            ],
        )
        demand = "mesh (kept)" if mesh_exists else "municipality representative points (coarse)"
    missing = [
        c
        for c in sorted(units.codes)
        if units.kind[c] != "designated_city" and c not in rows and units.name.get(c)
    ]
    return {
        "kind": "municipal_table",
        "file": str(p),
        "year": year,
        "source_id": sid,
        "pop_source_id": ps,
        "columns": pc.describe(header),
        "code_column": header[col],
        "loaded": len(rows),
        "designated_city_rows_used": sorted(kept_city),
        "ignored_other_prefectures": other,
        "unmatched": unmatched,
        "rejected": len(unmatched),
        "secret_rows": secret,
        "municipalities_without_population": missing,
        "demand_layer": demand,
        "note": None
        if mesh_exists
        else (
            "メッシュ人口がないため、カバー率は市区町村の代表点と市区町村人口で"
            "計算されます（精度は粗くなります）。"
        ),
        "totals": {k: float(sum((v[k] or 0.0) for v in rows.values())) for k in POPS},
    }


def _ensure_area_table(project: Any) -> None:
    from zaitaku_map.store.ddl_extra import DDL

    exists = project.conn.execute("SELECT 1 FROM sqlite_master WHERE name='population_area'").fetchone()
    if not exists:
        ddl = next(d for d in DDL if "population_area" in d)
        project.conn.execute(ddl)


def import_area_population(
    project: Any,
    path: str | Path,
    *,
    layer: str,
    year: str | None = None,
    sheet: str | None = None,
    progress: Any = None,
    cancel: Any = None,
) -> dict[str, Any]:
    """Import population keyed by the area codes (or names) of area layer ``layer``."""
    from zaitaku_map.geodata.loaders import _layer_id

    prog = Progress.of(progress, cancel)
    p = Path(path)
    lid = _layer_id(project, layer)
    areas = {
        a: n
        for a, n in project.conn.execute(
            "SELECT DISTINCT area_code, area_name FROM area_members WHERE layer_id=?", (lid,)
        )
    }
    by_name = {n: a for a, n in areas.items() if n}
    raw, facts = read_table(p, sheet=sheet)
    h, header, pc = _header_and_columns(raw)
    data = raw.iloc[h + 1 :].reset_index(drop=True)

    def match_code(v: Any) -> str | None:
        if _blank(v):
            return None
        t = str(v).strip()
        t = t[:-2] if t.endswith(".0") else t
        if t in areas:
            return t
        return next((a for a in areas if t.isdigit() and a.isdigit() and int(a) == int(t)), None)

    def match_name(v: Any) -> str | None:
        return None if _blank(v) else by_name.get(str(v).strip())

    code_hits = [sum(1 for v in data[c] if match_code(v)) for c in data.columns]
    name_hits = [sum(1 for v in data[c] if match_name(v)) for c in data.columns]
    if any(code_hits):  # codes first: area names repeat across prefectures (中部, 東部 …)
        col, match, by = int(np.argmax(code_hits)), match_code, "code"
    elif any(name_hits):
        col, match, by = int(np.argmax(name_hits)), match_name, "name"
    else:
        raise GeodataError(
            "no area code of the layer in the table",
            file=p,
            value=layer,
            expected=", ".join(sorted(areas)[:10]),
        )
    rows: dict[str, dict[str, Any]] = {}
    ambiguous: set[str] = set()
    ignored = 0
    for i in prog.iterate(range(len(data)), message="圏域別人口を読み込み中"):
        r = data.iloc[i].tolist()
        a = match(r[col])
        if a is None:
            ignored += 0 if all(_blank(v) for v in r) else 1
            continue
        vals = pc.values(r)
        if vals is None:
            continue
        if a in rows:
            ambiguous.add(a)
        rows[a] = vals
    for a in ambiguous:  # the same area matched twice: never guess
        rows.pop(a)
    year = (
        year
        or _year_from_name(p.name)
        or next((y for lab in header if (y := _year_from_name(str(lab)))), None)
    )
    with project.transaction():
        _ensure_area_table(project)
        sid = project.add_source(
            kind="population",
            format="area_population_table",
            path=p,
            sheet=facts.get("sheet"),
            reference_date=year,
            rows_read=len(data),
            rows_rejected=0,
            summary={"layer": layer, "ignored_rows": ignored},
        )
        ps = _new_pop_source(
            project,
            source_id=sid,
            unit=f"area:{layer}",
            year=year,
            secret=0,
            notes="area-keyed table (not apportioned to municipalities)",
        )
        project.conn.execute("DELETE FROM population_area WHERE layer_name=?", (layer,))
        project.conn.executemany(
            "INSERT INTO population_area VALUES (?,?,?,?,?,?,?,?,?)",
            [
                (
                    layer,
                    a,
                    areas.get(a),
                    ps,
                    v["pop_total"],
                    v["pop_65"],
                    v["pop_75"],
                    v["pop_85"],
                    json.dumps(v["bands"], ensure_ascii=False),
                )
                for a, v in sorted(rows.items())
            ],
        )
    return {
        "kind": "area_table",
        "file": str(p),
        "layer": layer,
        "year": year,
        "source_id": sid,
        "pop_source_id": ps,
        "columns": pc.describe(header),
        "area_column": header[col],
        "loaded": len(rows),
        "matched_by": by,
        "ignored_rows_other_areas": ignored,
        "ambiguous_areas": sorted(ambiguous),
        "areas_without_population": sorted(set(areas) - set(rows)),
        "by_area": [
            {
                "area_code": a,
                "area_name": areas.get(a),
                "pop_total": v["pop_total"],
                "pop_65": v["pop_65"],
                "pop_75": v["pop_75"],
            }
            for a, v in sorted(rows.items())
        ],
        "note": "圏域単位の人口は市区町村へ按分しません（圏域案の人口は、その圏域がこの圏域の組み合わせの"
        "ときに使われます。到達圏の人口には市区町村別またはメッシュの人口が必要です）。",
        "rejected": 0,
    }


def area_population(project: Any, layer: str) -> pd.DataFrame:
    """Population per area of ``layer``: from an area-keyed table when imported, else summed
    from :func:`~zaitaku_map.geodata.loaders.municipality_population` over the members.

    Columns ``area_code, area_name, pop_total, pop_65, pop_75, pop_85``; ``attrs['source']``.
    """
    from zaitaku_map.geodata.loaders import area_membership, municipality_population

    cols = ["area_code", "area_name", *POPS]
    has = project.conn.execute("SELECT 1 FROM sqlite_master WHERE name='population_area'").fetchone()
    rows = (
        project.conn.execute(
            "SELECT area_code, area_name, pop_total, pop_65, pop_75, pop_85 FROM population_area WHERE layer_name=? "
            "ORDER BY area_code",
            (layer,),
        ).fetchall()
        if has
        else []
    )
    if rows:
        df = pd.DataFrame(rows, columns=cols)
        df.attrs["source"] = "population_area"
        return df
    members = area_membership(project, layer)
    mp = municipality_population(project)
    mp["area_code"] = mp["muni_code"].map(lambda c: members.get(c, (None, None))[0])
    mp["area_name"] = mp["muni_code"].map(lambda c: members.get(c, (None, None))[1])
    df = (
        mp.dropna(subset=["area_code"])
        .groupby(["area_code", "area_name"], as_index=False)[list(POPS)]
        .sum(min_count=1)
    )
    df.attrs["source"] = mp.attrs.get("source", "none")
    return df[cols]


def guess_area_layer(project: Any, path: str | Path) -> str | None:
    """The area layer whose codes a population table is keyed by, when it is not keyed by
    municipalities: the layer with the most of its area codes found in one column (at least
    half of its areas and two rows).  Names are not used — 東部/中部 repeat across layers."""
    from zaitaku_map.geodata.loaders import area_layer_names

    names = area_layer_names(project)
    if not names:
        return None
    raw, _facts = read_table(Path(path))

    def norm(v: Any) -> str | None:
        if _blank(v):
            return None
        t = str(v).strip()
        t = t[:-2] if t.endswith(".0") else t
        return str(int(t)) if t.isdigit() else t

    columns = [{norm(v) for v in raw[c]} - {None} for c in raw.columns]
    best: tuple[float, str] | None = None
    for name in names:
        codes = {
            norm(a)
            for (a,) in project.conn.execute(
                "SELECT DISTINCT m.area_code FROM area_members m JOIN area_layers l ON l.id = m.layer_id "
                "WHERE l.name = ?",
                (name,),
            )
        } - {None}
        if not codes:
            continue
        hits = max(len(codes & col) for col in columns)
        share = hits / len(codes)
        if hits >= 2 and share >= 0.5 and (best is None or share > best[0]):
            best = (share, name)
    return best[1] if best else None


def import_population(
    project: Any,
    paths: list[str | Path] | str | Path,
    *,
    layer: str | None = None,
    year: str | None = None,
    progress: Any = None,
    cancel: Any = None,
) -> dict[str, Any]:
    """Import population files: e-Stat mesh texts (all together), municipality tables, or with
    ``layer`` a table keyed by that area layer's codes.  Without ``layer``, a table that holds no
    municipality code but the codes of an area layer is read as that layer's table
    (:func:`guess_area_layer`; the part says ``layer_guessed``).  Returns one report with a part per kind."""
    prog = Progress.of(progress, cancel)
    paths = [paths] if isinstance(paths, str | Path) else list(paths)
    if not paths:
        raise GeodataError("no population file given")
    mesh: list[str | Path] = []
    tables: list[str | Path] = []
    for p in paths:
        head = Path(p).read_bytes()[:200] if Path(p).is_file() else b""
        if not head:
            raise GeodataError("population file not found or empty", file=p)
        is_mesh = head.lstrip(b"\xef\xbb\xbf").upper().startswith(b"KEY_CODE") or Path(p).suffix.lower() in (
            ".shp",
            ".geojson",
            ".json",
            ".zip",
            ".gpkg",
        )
        (mesh if is_mesh else tables).append(p)
    parts: list[dict[str, Any]] = []
    if mesh:
        parts.append(import_mesh(project, mesh, year=year, progress=prog.step(0.7), cancel=cancel))
    for t in tables:
        step = prog.step(0.3 / len(tables))
        if layer:
            parts.append(
                import_area_population(project, t, layer=layer, year=year, progress=step, cancel=cancel)
            )
            continue
        try:
            parts.append(import_municipal_table(project, t, year=year, progress=step, cancel=cancel))
        except GeodataError as err:
            guessed = guess_area_layer(project, t) if err.args and err.args[0] == _NO_MUNI_CODES else None
            if guessed is None:
                raise
            part = import_area_population(project, t, layer=guessed, year=year, progress=step, cancel=cancel)
            parts.append({**part, "layer_guessed": True})
    return {
        "imports": parts,
        "loaded": sum(x["loaded"] for x in parts),
        "rejected": sum(x["rejected"] if isinstance(x["rejected"], int) else 0 for x in parts),
        "secret_cells": sum(x.get("secret_cells", 0) for x in parts),
    }
