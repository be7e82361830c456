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
from collections import Counter
from pathlib import Path
from typing import Any, TypedDict

import numpy as np
import pandas as pd
import shapely

from zaitaku_map.errors import GeodataError
from zaitaku_map.geodata.mesh import MeshTable, read_mesh_text
from zaitaku_map.geodata.poptables import (
    NO_MUNI_CODES,
    POPS,
    AreaTableReport,
    MunicipalTableReport,
    import_area_population,
    import_municipal_table,
    new_pop_source,
    year_from_name,
)
from zaitaku_map.geodata.units import is_blank, log_rejections, read_grid
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback
from zaitaku_map.store import gpkg
from zaitaku_map.store.project import Project


def _munis(project: Project) -> tuple[list[str], np.ndarray, np.ndarray]:
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


Pieces = dict[int, list[tuple[int, float, Any]]]  # cell -> [(municipality, land area, point)]


def _straddling_pieces(
    tree: shapely.STRtree, cells: np.ndarray, muni_geoms: np.ndarray, inside: np.ndarray
) -> Pieces:
    """The land pieces of the cells not wholly inside one municipality, with a point on each."""
    im, ic = tree.query(muni_geoms, predicate="intersects")
    keep = inside[ic] < 0  # pairs of cells not wholly inside one municipality
    im, ic = im[keep], ic[keep]
    inter = _clip(muni_geoms[im], cells[ic])
    areas = shapely.area(inter) if len(im) else np.array([])
    pos = areas > 0
    im, ic, inter, areas = im[pos], ic[pos], inter[pos], areas[pos]
    reps = shapely.point_on_surface(inter) if len(im) else np.array([], dtype=object)
    pieces: Pieces = {}
    for m, c, a, r in zip(im.tolist(), ic.tolist(), areas.tolist(), reps, strict=True):
        pieces.setdefault(c, []).append((m, a, r))
    return pieces


def _nearest_pieces(
    cells: np.ndarray, muni_geoms: np.ndarray, near_geoms: np.ndarray | None, lonely: np.ndarray
) -> Pieces:
    """Cells touching no municipality (coarse coastlines): the nearest one within a cell diagonal."""
    if not len(lonely):
        return {}
    b = shapely.bounds(cells[lonely])
    diag = float(np.max(np.hypot(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])))
    near_src = muni_geoms if near_geoms is None else near_geoms  # display geometry: fast, close enough
    li, mi = shapely.STRtree(near_src).query_nearest(cells[lonely], max_distance=diag, all_matches=False)
    out: Pieces = {}
    for i, m in zip(li.tolist(), mi.tolist(), strict=True):
        k = int(lonely[i])
        out[k] = [(m, 1.0, shapely.ops.nearest_points(muni_geoms[m].boundary, cells[k])[0])]
    return out


def _point_records(
    code: str, vals: dict[str, Any], parts: list[tuple[int, float, Any]], muni_codes: list[str]
) -> list[dict[str, Any]]:
    """Demand points of one cell: its people split over its pieces by land share."""
    land = sum(a for _, a, _ in parts)
    bands = vals.get("bands") or {}
    out = []
    for m, a, pt in parts:
        share = a / land
        dp = {"unit_code": code, "muni_code": muni_codes[m], "share": share, "lon": pt.x, "lat": pt.y}
        for key in POPS:
            v = vals.get(key)
            dp[key] = None if v is None else v * share
        dp["bands"] = {b: v * share for b, v in bands.items()}
        out.append(dp)
    return out


def apportion(
    records: dict[str, dict[str, Any]],
    cells: np.ndarray,
    muni_codes: list[str],
    muni_geoms: np.ndarray,
    *,
    near_geoms: np.ndarray | None = None,
    progress: ProgressCallback | Progress | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Split mesh populations over municipalities (see module docstring).

    Spatial queries run with the municipalities as (prepared) query geometries against a tree
    of the simple cell boxes, so a prefecture of 50k cells takes seconds, not minutes.

    Returns demand point dicts and stats (cells inside one municipality, split, nearest, outside).
    """
    prog = Progress.of(progress)
    codes = list(records)
    n = len(codes)
    prog.update(0.05, "メッシュと市区町村を照合中", force=True)
    tree = shapely.STRtree(cells)
    cm, cc = tree.query(muni_geoms, predicate="contains")
    inside = np.full(n, -1, dtype=np.int64)
    inside[cc] = cm
    prog.update(0.4, "境界をまたぐメッシュを分割中", force=True)
    pieces = _straddling_pieces(tree, cells, muni_geoms, inside)
    lonely = np.array([k for k in range(n) if inside[k] < 0 and k not in pieces], dtype=np.int64)
    nearest = _nearest_pieces(cells, muni_geoms, near_geoms, lonely)
    pieces.update(nearest)
    stats: Counter[str] = Counter(nearest=len(nearest))
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
            elif k not in nearest:  # one municipality, the rest of the cell is sea
                stats["inside_one"] += 1
        points += _point_records(code, vals, parts, muni_codes)
    prog.update(1, "", force=True)
    return points, {**stats, "outside_pop_total": outside_pop}


def _write_demand(project: Project, ps_id: int, points: list[dict[str, Any]]) -> None:
    blobs = gpkg.point_blobs([d["lon"] for d in points], [d["lat"] for d in points])
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


class MeshReport(TypedDict):
    """What :func:`import_mesh` did: cells read, split and outside, rejected rows, totals."""

    kind: str  # "mesh"
    files: list[str]
    unit: str
    year: str | None
    projection_years: list[int]
    source_id: int
    pop_source_id: int
    columns: dict[str, Any]
    cells_read: int
    secret_cells: int
    merged_cells: int
    duplicate_cells: int
    rejected: int
    rejected_people: float
    rejected_rows: list[dict[str, Any]]
    rejected_reasons: dict[str, int]
    loaded: int
    cells_inside_one_municipality: int
    cells_split: int
    cells_to_nearest: int
    cells_outside_project: int
    outside_pop_total: float
    file_totals: dict[str, float]
    stored_totals: dict[str, float]
    demand_layer: str


PopulationPart = MeshReport | MunicipalTableReport | AreaTableReport


class PopulationReport(TypedDict):
    """What :func:`import_population` did: one part per kind of file."""

    imports: list[PopulationPart]
    loaded: int
    rejected: int
    secret_cells: int


def _read_mesh_files(paths: list[str | Path], *, year: str | None) -> list[MeshTable]:
    """Every mesh file (e-Stat text or 将来推計 GIS), all of one mesh size."""
    from zaitaku_map.geodata.mesh_gis import GIS_MESH_SUFFIXES, read_mesh_gis

    tables = [
        read_mesh_gis(p, year=year) if Path(p).suffix.lower() in GIS_MESH_SUFFIXES else read_mesh_text(p)
        for p in paths
    ]
    units = {t.unit for t in tables}
    if len(units) > 1:
        raise GeodataError(
            "mesh files of different sizes in one import",
            value=sorted(units),
            hint="1km・500m・250m のどれか一種類のファイルをまとめて取り込んでください。",
        )
    return tables


def _merge_mesh_tables(tables: list[MeshTable]) -> tuple[dict[str, dict[str, Any]], int]:
    """The cells of every file, each once.  A cell in two files with the same values (the same file
    twice) is used once and counted; with different values (two census years, two versions) the
    import is refused: which one to use cannot be guessed, and adding both would count people twice.
    """
    records: dict[str, dict[str, Any]] = {}
    origin: dict[str, Path] = {}
    duplicates = 0
    for t in tables:
        for code, vals in t.records.items():
            if code not in records:
                records[code] = vals
                origin[code] = t.path
                continue
            if records[code] != vals:
                raise GeodataError(
                    "the same mesh cell with different values in two files",
                    file=t.path,
                    value=f"{code}（{origin[code].name} と {t.path.name}）",
                    hint="同じメッシュの別の版（調査年の違うファイルなど）が2つあります。使う方だけを取り込んでください。"
                    "人口は変更していません。",
                )
            duplicates += 1
    return records, duplicates


def import_mesh(
    project: Project,
    paths: list[str | Path],
    *,
    year: str | None = None,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> MeshReport:
    """Import one or more e-Stat mesh files (same mesh size) as the demand layer."""
    prog = Progress.of(progress, cancel)
    tables = _read_mesh_files(paths, year=year)
    projection = any(t.columns.get("base_year") for t in tables)
    records, duplicates = _merge_mesh_tables(tables)
    codes, geoms, display = _munis(project)
    from zaitaku_map.geodata.mesh import mesh_polygons

    cells = mesh_polygons(list(records))
    points, stats = apportion(records, cells, codes, geoms, near_geoms=display, progress=prog.step(0.8))
    year = (
        year
        or next((str(t.columns["base_year"]) for t in tables if t.columns.get("base_year")), None)
        or next((y for t in tables if (y := year_from_name(t.path.name))), None)
    )
    secret = sum(t.secret_cells for t in tables)
    rejected_people = sum(t.rejected_people for t in tables)
    file_totals = {k: float(sum((v.get(k) or 0.0) for v in records.values())) for k in POPS}
    file_totals["pop_total"] += rejected_people  # rows that were not used still belong to the file
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
            log_rejections(project, t.rejected, source_id=sid, file_name=t.path.name)
        ps = new_pop_source(
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
        "rejected_people": rejected_people,
        "rejected_rows": [r.as_dict() | {"file": t.path.name} for t in tables for r in t.rejected][:200],
        "rejected_reasons": dict(Counter(r.reason for t in tables for r in t.rejected)),
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


def area_population(project: Project, layer: str) -> pd.DataFrame:
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


def guess_area_layer(project: Project, path: str | Path) -> str | None:
    """The area layer whose codes a population table is keyed by, when it is not keyed by
    municipalities: the layer with the most of its area codes found in one column (at least
    half of its areas and two rows).  Names are not used — 東部/中部 repeat across layers."""
    from zaitaku_map.geodata.loaders import area_layer_names

    names = area_layer_names(project)
    if not names:
        return None
    grid = read_grid(Path(path))

    def norm(v: Any) -> str | None:
        if is_blank(v):
            return None
        t = str(v).strip()
        t = t[:-2] if t.endswith(".0") else t
        return str(int(t)) if t.isdigit() and len(t) <= 12 else t

    width = max((len(r) for r in grid.cells), default=0)
    columns = [{norm(r[c]) for r in grid.cells if c < len(r)} - {None} for c in range(width)]
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
    project: Project,
    paths: list[str | Path] | str | Path,
    *,
    layer: str | None = None,
    year: str | None = None,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> PopulationReport:
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
    parts: list[PopulationPart] = []
    secret = 0
    if mesh:
        mesh_part = import_mesh(project, mesh, year=year, progress=prog.step(0.7), cancel=cancel)
        secret = mesh_part["secret_cells"]
        parts.append(mesh_part)
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
            guessed = guess_area_layer(project, t) if err.message == NO_MUNI_CODES else None
            if guessed is None:
                raise
            part = import_area_population(project, t, layer=guessed, year=year, progress=step, cancel=cancel)
            part["layer_guessed"] = True
            parts.append(part)
    return {
        "imports": parts,
        "loaded": sum(x["loaded"] for x in parts),
        "rejected": sum(x["rejected"] for x in parts),
        "secret_cells": secret,
    }
