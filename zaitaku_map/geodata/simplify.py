"""Display geometry: topology-preserving simplification of a polygon coverage.

Municipalities tile the land: neighbours share their borders exactly.  Simplifying each polygon
on its own (Douglas-Peucker) moves a shared border differently on each side and opens gaps and
slivers.  :func:`simplify_coverage` uses GEOS coverage simplification (``shapely.coverage_simplify``,
Visvalingam-Whyatt on shared edges, GEOS ≥ 3.12): every shared edge is simplified once, so the
result is again a coverage without gaps or overlaps, at any zoom.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

# ~30 m at Japanese latitudes: a whole prefecture stays at a few 10k vertices, borders still
# follow rivers and ridges at municipality zoom.
DISPLAY_TOLERANCE_DEG = 0.0003
# slivers narrower than this (~1 m) between neighbours are closed when a coverage must be cleaned
CLEAN_GAP_DEG = 0.00001


def to_multipolygon(geom: BaseGeometry | None) -> MultiPolygon:
    """Polygonal part of any geometry as a MultiPolygon (lines/points from repairs are dropped)."""
    if geom is None or geom.is_empty:
        return MultiPolygon()
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    polys: list[Polygon] = []
    for part in getattr(geom, "geoms", []):
        mp = to_multipolygon(part)
        polys.extend(mp.geoms)
    return MultiPolygon(polys)


def vertex_count(geoms: Sequence[BaseGeometry | None]) -> int:
    arr = np.array([g for g in geoms if g is not None], dtype=object)
    return int(shapely.get_num_coordinates(arr).sum()) if len(arr) else 0


def simplify_coverage(
    geoms: Sequence[BaseGeometry], *, tolerance: float = DISPLAY_TOLERANCE_DEG
) -> tuple[list[MultiPolygon], dict[str, Any]]:
    """Simplify a polygon coverage keeping shared borders shared.

    Parameters
    ----------
    geoms:
        Polygons that tile without overlaps (municipalities incl. wards, never the derived 政令市).
    tolerance:
        Degrees; ``0`` returns the input unchanged.

    Returns
    -------
    (simplified geometries in input order, stats dict with vertex counts and the coverage check).
    """
    arr = np.array([to_multipolygon(g) for g in geoms], dtype=object)
    stats: dict[str, Any] = {"tolerance_deg": tolerance, "vertices_full": vertex_count(list(arr))}
    if len(arr) == 0 or tolerance <= 0:
        stats["vertices_display"] = stats["vertices_full"]
        return list(arr), stats
    valid = bool(shapely.coverage_is_valid(arr))
    stats["coverage_valid"] = valid
    if not valid:
        # overlaps/unmatched edges (older or hand-edited files): clean a copy for display only —
        # the full geometry used for analysis is left as it is.
        try:
            cleaned = shapely.coverage_clean(arr, gap_width=CLEAN_GAP_DEG)
            if len(cleaned) == len(arr) and bool(shapely.coverage_is_valid(cleaned)):
                arr, valid = np.array([to_multipolygon(g) for g in cleaned], dtype=object), True
                stats["coverage_cleaned"] = True
        except (shapely.errors.GEOSException, ValueError):
            pass
    if valid:
        out = shapely.coverage_simplify(arr, tolerance, simplify_boundary=True)
        method = "coverage_simplify"
    else:  # still not a coverage: per-polygon fallback (gaps possible; reported)
        out = shapely.simplify(arr, tolerance / 3, preserve_topology=True)
        method = "per_polygon_fallback"
    result: list[MultiPolygon] = []
    fallback = 0
    originals = [to_multipolygon(g) for g in geoms]
    for orig, g in zip(originals, out, strict=True):
        mp = to_multipolygon(g)
        if mp.is_empty or not mp.is_valid:
            mp = orig  # never lose a municipality in the drawing
            fallback += 1
        result.append(mp)
    stats.update(method=method, vertices_display=vertex_count(result), kept_full=fallback)
    return result, stats


def coverage_union(geoms: Sequence[BaseGeometry]) -> MultiPolygon:
    """Union of members of a coverage (fast path for exactly-shared edges, exact fallback)."""
    arr = np.array([to_multipolygon(g) for g in geoms if g is not None and not g.is_empty], dtype=object)
    if len(arr) == 0:
        return MultiPolygon()
    try:
        u = shapely.coverage_union_all(arr)
        if not u.is_valid:
            raise shapely.errors.GEOSException("invalid coverage union")
    except shapely.errors.GEOSException:
        u = shapely.union_all(arr)
    return to_multipolygon(u)


def coverage_defects(geoms: Sequence[BaseGeometry]) -> dict[str, float]:
    """Overlap and gap measures between neighbours (degrees²), for tests and QA.

    ``overlap_area`` is the summed area of pairwise intersections; ``gap_area`` is the area of the
    holes that appear in the union but were not holes of any member (slivers between neighbours).
    """
    arr = [to_multipolygon(g) for g in geoms]
    tree = shapely.STRtree(arr)
    left, right = tree.query(arr, predicate="intersects")
    overlap = 0.0
    for i, j in zip(left, right, strict=True):
        if i < j:
            overlap += arr[i].intersection(arr[j]).area
    union = shapely.union_all(arr)
    member_holes = shapely.union_all(
        [Polygon(r) for g in arr for p in g.geoms for r in p.interiors] or [Polygon()]
    )
    union_holes = shapely.union_all(
        [Polygon(r) for p in to_multipolygon(union).geoms for r in p.interiors] or [Polygon()]
    )
    gaps = union_holes.difference(member_holes).area
    return {
        "overlap_area": overlap,
        "gap_area": gaps,
        "sum_area": float(sum(g.area for g in arr)),
        "union_area": float(union.area),
    }
