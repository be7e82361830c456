"""Display polygons of travel-time bands, derived from ONE travel-time field.

The field is sampled on a regular metric grid (cell 250 m, coarser for big regions so the grid
stays ≤ ~400k cells): a cell's time is the time of its nearest road node plus the access leg,
exactly like a demand point, and a cell farther than ``max_snap_m`` from any road is unreached.
The polygon of band *b* is the union of the cells with time ≤ *b* (a cascaded union of
row runs), so bands nest exactly, holes (unreached valleys, lakes) are kept, and nothing is
invented between two reached roads as a concave hull would.  The result is clipped to the
municipality polygons (land) when the project has them, so nothing is drawn in the sea.
Statistics never come from these polygons.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from zaitaku_map.network.graph import to_lonlat
from zaitaku_map.store import Project, gpkg

MAX_CELLS = 400_000
MIN_CELL_M = 250.0


def choose_cell(
    width_m: float, height_m: float, *, min_cell: float = MIN_CELL_M, max_cells: int = MAX_CELLS
) -> float:
    """Cell size ≥ ``min_cell`` keeping the grid under ``max_cells`` cells."""
    cell = float(min_cell)
    while (width_m / cell + 1) * (height_m / cell + 1) > max_cells:
        cell *= 1.25
    return cell


def mask_polygon(mask: np.ndarray, x0: float, y0: float, cell: float) -> BaseGeometry:
    """Union of the True cells of ``mask`` (row i = y0 + i·cell, col j = x0 + j·cell)."""
    boxes: list[Polygon] = []
    for i in np.flatnonzero(mask.any(axis=1)):
        row = mask[i].astype(np.int8)
        d = np.diff(np.concatenate([[0], row, [0]]))
        starts = np.flatnonzero(d == 1)
        ends = np.flatnonzero(d == -1)
        ya, yb = y0 + i * cell, y0 + (i + 1) * cell
        boxes.extend(
            shapely.box(x0 + s * cell, ya, x0 + e * cell, yb) for s, e in zip(starts, ends, strict=True)
        )
    if not boxes:
        return Polygon()
    # (row runs meet at T-junctions, so this is not a GEOS "coverage": use the cascaded union)
    return shapely.union_all(np.asarray(boxes, dtype=object))


def grid_times(
    bounds_m: tuple[float, float, float, float],
    time_at: Callable[[np.ndarray, np.ndarray], np.ndarray],
    *,
    cell: float | None = None,
) -> tuple[np.ndarray, float, float, float]:
    """Sample ``time_at(x, y)`` at cell centres; returns ``(times[rows, cols], x0, y0, cell)``."""
    xmin, ymin, xmax, ymax = bounds_m
    if cell is None:
        cell = choose_cell(xmax - xmin, ymax - ymin)
    nx_ = max(int(np.ceil((xmax - xmin) / cell)), 1)
    ny_ = max(int(np.ceil((ymax - ymin) / cell)), 1)
    xs = xmin + (np.arange(nx_) + 0.5) * cell
    ys = ymin + (np.arange(ny_) + 0.5) * cell
    gx, gy = np.meshgrid(xs, ys)
    t = time_at(gx.ravel(), gy.ravel()).reshape(ny_, nx_)
    return t, xmin, ymin, cell


def band_geometries(
    times: np.ndarray,
    x0: float,
    y0: float,
    cell: float,
    bands: tuple[float, ...],
    crs: str,
    *,
    clip: BaseGeometry | None = None,
) -> list[BaseGeometry]:
    """Nested lon/lat polygons (one per band, cumulative) from a gridded travel-time field."""
    out: list[BaseGeometry] = []
    for b in bands:
        geom_m = mask_polygon(times <= b, x0, y0, cell)
        geom = to_lonlat_geom(geom_m, crs)
        if clip is not None and not geom.is_empty:
            geom = shapely.intersection(geom, clip)
        out.append(as_multipolygon(geom))
    return out


def to_lonlat_geom(geom: BaseGeometry, crs: str) -> BaseGeometry:
    if geom.is_empty:
        return geom

    def tf(coords: np.ndarray) -> np.ndarray:
        lo, la = to_lonlat(crs, coords[:, 0], coords[:, 1])
        return np.column_stack([lo, la])

    return shapely.transform(geom, tf)


def as_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    if geom.is_empty:
        return MultiPolygon()
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    polys = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon | MultiPolygon)]
    parts: list[Polygon] = []
    for g in polys:
        parts.extend(g.geoms if isinstance(g, MultiPolygon) else [g])
    return MultiPolygon(parts)


def land_mask(project: Project) -> BaseGeometry | None:
    """Union of the municipality polygons (the land of the study region), or ``None``."""
    rows = project.conn.execute(
        "SELECT geom FROM municipalities WHERE kind != 'designated_city' AND geom IS NOT NULL"
    ).fetchall()
    geoms = [g for g in (gpkg.from_blob(r[0]) for r in rows) if g is not None and not g.is_empty]
    if not geoms:
        return None
    return shapely.union_all(shapely.make_valid(np.asarray(geoms, dtype=object)))
