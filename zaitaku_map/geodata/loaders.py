"""Read API of the geodata domain: municipalities, area layers, population, demand points.

Everything returned is in EPSG:4326 lon/lat.  These functions only read the fixed schema
(``municipalities``, ``area_layers``, ``area_members``, ``area_polygons``, ``demand_points``,
``population_municipal``) so any domain can call them on any project.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import geopandas as gpd
import pandas as pd

from zaitaku_map.errors import GeodataError
from zaitaku_map.store import gpkg
from zaitaku_map.store.project import Project

CRS = "EPSG:4326"
MUNI_COLUMNS = [
    "code",
    "name",
    "full_name",
    "kind",
    "parent_code",
    "pref_code",
    "area_km2",
    "rep_lon",
    "rep_lat",
]
POP_COLUMNS = ["pop_total", "pop_65", "pop_75", "pop_85"]
DEMAND_COLUMNS = [
    "fid",
    "pop_source_id",
    "unit_code",
    "muni_code",
    "share",
    "lon",
    "lat",
    *POP_COLUMNS,
    "bands_json",
]


def _conn(project: Project) -> sqlite3.Connection:
    conn: sqlite3.Connection = project.conn
    return conn


def _table_exists(conn: sqlite3.Connection, name: str) -> bool:
    return (
        conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone()
        is not None
    )


def _geoms(blobs: list[Any]) -> list[Any]:
    return [gpkg.from_blob(b) for b in blobs]


def load_municipalities(
    project: Project, *, display: bool = False, include_derived: bool = False
) -> gpd.GeoDataFrame:
    """Municipalities (incl. 政令市の区) of the project.

    Parameters
    ----------
    project:
        An open :class:`~zaitaku_map.store.Project`.
    display:
        Return the topology-preserving simplified geometry (for drawing) instead of the full one.
        Falls back to the full geometry where no display version is stored.
    include_derived:
        Also return the derived 政令市 rows (``kind == 'designated_city'``, dissolve of their wards);
        these are not units of 圏域 options, so they are left out by default.

    Returns
    -------
    GeoDataFrame with columns ``code, name, full_name, kind, parent_code, pref_code, area_km2,
    rep_lon, rep_lat, geometry`` (EPSG:4326), ordered by code, with a plain RangeIndex.
    """
    where = "" if include_derived else "WHERE kind != 'designated_city'"
    gcol = "coalesce(geom_display, geom)" if display else "geom"
    rows = (
        _conn(project)
        .execute(f"SELECT {', '.join(MUNI_COLUMNS)}, {gcol} FROM municipalities {where} ORDER BY code")
        .fetchall()
    )
    df = pd.DataFrame([r[:-1] for r in rows], columns=MUNI_COLUMNS)
    return gpd.GeoDataFrame(df, geometry=_geoms([r[-1] for r in rows]), crs=CRS)


def area_layer_names(project: Project) -> list[str]:
    """Names of the area layers of the project (二次医療圏, 保健所圏域, …) in creation order."""
    return [r[0] for r in _conn(project).execute("SELECT name FROM area_layers ORDER BY id")]


def layer_id(project: Project, layer: str) -> int:
    """Id of area layer ``layer`` (raises :class:`GeodataError` naming the layers there are)."""
    row = _conn(project).execute("SELECT id FROM area_layers WHERE name=?", (layer,)).fetchone()
    if row is None:
        raise GeodataError(
            f"area layer not found: {layer}",
            value=layer,
            expected=", ".join(area_layer_names(project)) or "(no area layers yet)",
            hint="zaitaku-map areas PROJECT TABLE --layer NAME で圏域レイヤーを取り込んでください。",
        )
    return int(row[0])


def load_area_polygons(project: Project, layer: str, *, display: bool = False) -> gpd.GeoDataFrame:
    """Polygons of one area layer (dissolve of the member municipalities).

    Returns
    -------
    GeoDataFrame with columns ``area_code, area_name, geometry`` ordered by area code.

    Raises
    ------
    GeodataError
        The layer does not exist.
    """
    lid = layer_id(project, layer)
    gcol = "coalesce(geom_display, geom)" if display else "geom"
    rows = (
        _conn(project)
        .execute(
            f"SELECT area_code, area_name, {gcol} FROM area_polygons WHERE layer_id=? ORDER BY area_code",
            (lid,),
        )
        .fetchall()
    )
    df = pd.DataFrame([r[:2] for r in rows], columns=["area_code", "area_name"])
    return gpd.GeoDataFrame(df, geometry=_geoms([r[2] for r in rows]), crs=CRS)


def area_membership(project: Project, layer: str) -> dict[str, tuple[str, str]]:
    """``{muni_code: (area_code, area_name)}`` of one area layer."""
    lid = layer_id(project, layer)
    rows = _conn(project).execute(
        "SELECT muni_code, area_code, area_name FROM area_members WHERE layer_id=? ORDER BY muni_code", (lid,)
    )
    return {m: (a, n or a) for m, a, n in rows}


def load_demand_points(project: Project) -> pd.DataFrame:
    """Demand points (mesh × municipality pieces, or municipality units) ordered by ``fid``.

    Columns: ``fid, pop_source_id, unit_code, muni_code, share, lon, lat, pop_total, pop_65,
    pop_75, pop_85, bands_json``.  The ``fid`` order is the order coverage results use.
    """
    rows = (
        _conn(project)
        .execute(f"SELECT {', '.join(DEMAND_COLUMNS)} FROM demand_points ORDER BY fid")
        .fetchall()
    )
    df = pd.DataFrame(rows, columns=DEMAND_COLUMNS)
    for c in ("share", "lon", "lat", *POP_COLUMNS):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    return df


def municipality_population(project: Project) -> pd.DataFrame:
    """Population per municipality (ward level for 政令市).

    Summed from ``demand_points`` when mesh population was imported, otherwise taken from
    ``population_municipal`` (latest source per municipality), otherwise derived from an
    area-keyed table is NOT attempted (see :func:`zaitaku_map.geodata.population.area_population`).

    Returns
    -------
    DataFrame with columns ``muni_code, pop_total, pop_65, pop_75, pop_85`` (floats, NaN when
    unknown) ordered by ``muni_code``; an attribute ``df.attrs['source']`` says
    ``'demand_points'``, ``'population_municipal'`` or ``'none'``.
    """
    conn = _conn(project)
    cols = ["muni_code", *POP_COLUMNS]
    rows = conn.execute(
        "SELECT muni_code, sum(pop_total), sum(pop_65), sum(pop_75), sum(pop_85) FROM demand_points "
        "WHERE muni_code IS NOT NULL GROUP BY muni_code ORDER BY muni_code"
    ).fetchall()
    source = "demand_points"
    if not rows:
        rows = conn.execute(
            "SELECT p.muni_code, p.pop_total, p.pop_65, p.pop_75, p.pop_85 FROM population_municipal p "
            "WHERE p.pop_source_id IS (SELECT max(q.pop_source_id) FROM population_municipal q "
            "WHERE q.muni_code = p.muni_code) ORDER BY p.muni_code"
        ).fetchall()
        source = "population_municipal" if rows else "none"
    df = pd.DataFrame(rows, columns=cols)
    for c in POP_COLUMNS:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    df.attrs["source"] = source
    return df
