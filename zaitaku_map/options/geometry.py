"""Geometry of options: the unit adjacency graph, contiguity of 圏域 and dissolved 圏域 polygons.

Adjacency
    Two units are adjacent when they share a border of positive length.  Real boundary files are
    simplified independently per polygon, so shared borders may leave hair-line gaps or overlaps;
    the test therefore measures the length of ``a.boundary`` inside ``b`` buffered by
    :data:`ADJ_EPS_DEG` (≈ 20 m) and requires more than :data:`ADJ_MIN_FACTOR` × that (≈ 100 m),
    which rejects corner-only contacts.  The graph is cached in ``results_cache`` keyed by a
    fingerprint of the unit geometries, and in memory per process.
Contiguity
    A 圏域 is contiguous when its units form one connected component of the adjacency graph.  An
    island municipality (or a 圏域 of several disjoint pieces) is flagged, not forbidden.
Polygons
    :func:`ken_polygons` dissolves member units with ``shapely.union_all``; results are cached by
    the hash of the assignment (the newest :data:`KEEP_POLYGON_CACHE` are kept).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from zaitaku_map.options import inputs
from zaitaku_map.store import Project, gpkg

if TYPE_CHECKING:  # geopandas loads when polygons are asked for
    import geopandas as gpd

ADJ_EPS_DEG = 2e-4
ADJ_MIN_FACTOR = 5.0
KEEP_POLYGON_CACHE = 24  # dissolved 圏域 polygons kept per project (one per recent assignment)
_MEMO: dict[tuple[str, str], dict[str, set[str]]] = {}


def _compute_adjacency(geoms: dict[str, BaseGeometry]) -> dict[str, set[str]]:
    codes = list(geoms)
    adj: dict[str, set[str]] = {c: set() for c in codes}
    if len(codes) < 2:
        return adj
    arr = [geoms[c] for c in codes]
    tree = shapely.STRtree(arr)
    left, right = tree.query(arr, predicate="dwithin", distance=ADJ_EPS_DEG)
    buffered: dict[int, BaseGeometry] = {}
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j:
            continue
        a, b = arr[i], arr[j]
        if j not in buffered:
            buffered[j] = b.buffer(ADJ_EPS_DEG, quad_segs=2)
        shared = a.boundary.intersection(buffered[j]).length
        if shared > ADJ_MIN_FACTOR * ADJ_EPS_DEG:
            adj[codes[i]].add(codes[j])
            adj[codes[j]].add(codes[i])
    return adj


def adjacency(project: Project) -> dict[str, set[str]]:
    """Unit code -> codes of units sharing a border (cached; see module doc)."""
    sig = inputs.geometry_signature(project)
    memo_key = (str(project.path), sig)
    if memo_key in _MEMO:
        return _MEMO[memo_key]
    key = project.cache_key("options.adjacency", sig, ADJ_EPS_DEG, ADJ_MIN_FACTOR)
    blob = project.cache_get(key)
    if blob is not None:
        adj = {k: set(v) for k, v in json.loads(blob.decode("utf-8")).items()}
    else:
        adj = _compute_adjacency(inputs.unit_geometries(project))
        project.cache_put(
            key,
            "options.adjacency",
            json.dumps({k: sorted(v) for k, v in adj.items()}).encode("utf-8"),
            params={"signature": sig},
        )
    _MEMO[memo_key] = adj
    return adj


def components(units: list[str] | set[str], adj: dict[str, set[str]]) -> list[list[str]]:
    """Connected components of the subgraph induced by ``units`` (largest first)."""
    todo = set(units)
    comps: list[list[str]] = []
    while todo:
        start = min(todo)
        stack = [start]
        todo.discard(start)
        comp = [start]
        while stack:
            u = stack.pop()
            for v in adj.get(u, ()):
                if v in todo:
                    todo.discard(v)
                    stack.append(v)
                    comp.append(v)
        comps.append(sorted(comp))
    comps.sort(key=lambda c: (-len(c), c[0]))
    return comps


def contiguity(project: Project, assignments: dict[str, str]) -> dict[str, list[list[str]]]:
    """Ken key -> its connected parts (one part = contiguous)."""
    adj = adjacency(project)
    members: dict[str, list[str]] = {}
    for unit, ken in assignments.items():
        members.setdefault(ken, []).append(unit)
    return {ken: components(units, adj) for ken, units in members.items()}


def _assignment_hash(assignments: dict[str, str], kens: Iterable[str]) -> str:
    payload = json.dumps([sorted(assignments.items()), sorted(kens)], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]


def dissolve(
    project: Project, assignments: dict[str, str], *, display: bool = False
) -> dict[str, BaseGeometry]:
    """Ken key -> union of its units' geometries (cached by assignment and geometry fingerprint)."""
    sig = inputs.geometry_signature(project)
    key = project.cache_key("options.ken_polygons", sig, _assignment_hash(assignments, {}), display)
    blob = project.cache_get(key)
    if blob is not None:
        stored = json.loads(blob.decode("utf-8"))
        return {k: gpkg.from_blob(base64.b64decode(v)) for k, v in stored.items()}
    geoms = inputs.unit_geometries(project, display=display)
    members: dict[str, list[BaseGeometry]] = {}
    for unit, ken in assignments.items():
        g = geoms.get(unit)
        if g is not None:
            members.setdefault(ken, []).append(g)
    out: dict[str, BaseGeometry] = {}
    for ken, parts in members.items():
        u = shapely.union_all(np.array(parts, dtype=object))
        if u.geom_type == "Polygon":
            u = MultiPolygon([u])
        elif u.geom_type == "GeometryCollection":
            polys = [p for p in shapely.get_parts(u) if p.geom_type in ("Polygon", "MultiPolygon")]
            u = MultiPolygon([q for p in polys for q in shapely.get_parts(p)])
        out[ken] = u
    project.cache_put(
        key,
        "options.ken_polygons",
        json.dumps(
            {k: base64.b64encode(gpkg.to_blob(v) or b"").decode("ascii") for k, v in out.items()}
        ).encode("utf-8"),
    )
    prune_cache(project, "options.ken_polygons", keep=KEEP_POLYGON_CACHE)
    return out


def prune_cache(project: Project, kind: str, *, keep: int) -> None:
    """Keep only the ``keep`` newest cache rows of ``kind`` (edits would otherwise pile up in the file)."""
    with project.transaction():
        project.conn.execute(
            "DELETE FROM results_cache WHERE kind=? AND key NOT IN "
            "(SELECT key FROM results_cache WHERE kind=? ORDER BY created_at DESC, rowid DESC LIMIT ?)",
            (kind, kind, keep),
        )


def ken_polygons(project: Project, name: str, *, display: bool = False) -> gpd.GeoDataFrame:
    """GeoDataFrame of an option's 圏域 (ken_key, name, color, n_units, contiguous, geometry; EPSG:4326).

    Empty 圏域 are left out; unassigned units are not part of any polygon.
    """
    import geopandas as gpd

    from zaitaku_map.options.model import get_option

    opt = get_option(project, name)
    dissolved = dissolve(project, opt.assignments, display=display)
    parts = contiguity(project, opt.assignments)
    members = opt.members()
    rows = []
    for key, ken in opt.kens.items():
        if key not in dissolved:
            continue
        rows.append(
            {
                "ken_key": key,
                "name": ken.get("name") or key,
                "color": ken.get("color"),
                "n_units": len(members.get(key, [])),
                "contiguous": len(parts.get(key, [])) <= 1,
                "geometry": dissolved[key],
            }
        )
    if not rows:
        return gpd.GeoDataFrame(
            {"ken_key": [], "name": [], "color": [], "n_units": [], "contiguous": []},
            geometry=gpd.GeoSeries([], crs="EPSG:4326"),
            crs="EPSG:4326",
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
