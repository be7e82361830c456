"""Travel time from the nearest facility to every demand point, per category.

Network mode runs ONE multi-source Dijkstra per category (``scipy.sparse.csgraph.dijkstra`` with
``min_only=True`` and ``limit`` = the largest band): every facility becomes a virtual node joined
to its snapped road node by an edge worth its access leg, and the search starts from all virtual
nodes at once, so the result is exact (facility legs included) and also says which facility is
nearest (``sources``) — the nearest-facility basins.  Demand points add their own access leg.

Straight mode: nearest facility by KD-tree, time = distance × detour factor ÷ speed.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from zaitaku_map.coverage import cache
from zaitaku_map.coverage.facilities import FacilitySet
from zaitaku_map.coverage.inputs import (
    DEFAULT_CATEGORIES,
    Demand,
    category_name,
    facilities_hash,
    load_demand,
)
from zaitaku_map.coverage.params import CoverageParams
from zaitaku_map.errors import AnalysisError
from zaitaku_map.geo import in_japan, metric_crs
from zaitaku_map.network import load_network, project_speed_table
from zaitaku_map.network.graph import RoadNetwork, to_metric
from zaitaku_map.network.snap import Snap, snap_points
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback
from zaitaku_map.store import Project

T = TypeVar("T")
_MEMO: dict[tuple[Any, ...], Any] = {}
_MEMO_LOCK = threading.Lock()
_MEMO_MAX = 20  # weights + demand snaps + one node field per category (~16 MB each at 1M nodes)


def memo(key: tuple[Any, ...], build: Callable[[], T]) -> T:
    """In-process memo of large derived arrays (travel-minute CSRs, demand snaps, node fields).

    Keys start with a kind (``"w"``, ``"dsnap"``, ``"field"`` …) and carry content hashes, so an
    entry never outlives the data it was built from; the oldest entries go first beyond
    ``_MEMO_MAX``.  Shared by the engine, the polygons and the what-if engine.
    """
    with _MEMO_LOCK:
        if key in _MEMO:
            hit: T = _MEMO[key]
            return hit
    return remember(key, build())


def remember(key: tuple[Any, ...], value: T) -> T:
    """Put ``value`` into the in-process memo under ``key`` (see :func:`memo`) and return it."""
    with _MEMO_LOCK:
        while len(_MEMO) >= _MEMO_MAX:
            _MEMO.pop(next(iter(_MEMO)))
        _MEMO[key] = value
    return value


def weights(net: RoadNetwork, params: CoverageParams) -> sp.csr_matrix:
    """Travel-minute CSR of ``net`` under ``params`` (memoised per network and speeds)."""
    key = (
        "w",
        net.content_hash,
        params.speed_kmh,
        json.dumps(params.effective_table().to_dict(), sort_keys=True),
    )
    return memo(key, lambda: net.minutes_csr(params.effective_table(), speed_kmh=params.speed_kmh))


def augmented(w: sp.csr_matrix, nodes: np.ndarray, legs: np.ndarray) -> sp.csr_matrix:
    """``w`` plus one virtual source row per facility (edge to its node worth its access leg)."""
    n = w.shape[0]
    k = len(nodes)
    indptr = np.concatenate([w.indptr.astype(np.int64), w.indptr[-1] + np.arange(1, k + 1, dtype=np.int64)])
    indices = np.concatenate([w.indices.astype(np.int32), np.asarray(nodes, dtype=np.int32)])
    data = np.concatenate([w.data, np.maximum(np.asarray(legs, dtype=np.float64), 1e-9)])
    return sp.csr_matrix((data, indices, indptr), shape=(n + k, n + k))


@dataclass
class NodeField:
    """Travel minutes to every network node from the nearest facility."""

    time: np.ndarray  # float64 (n_nodes,), inf beyond the limit
    source: np.ndarray  # int64 index into the facility table, -1 unreached
    limit: float


def network_field(
    w: sp.csr_matrix, fac_nodes: np.ndarray, fac_legs: np.ndarray, *, limit: float
) -> NodeField:
    """One multi-source Dijkstra from all facilities (with their access legs) at once."""
    n = w.shape[0]
    k = len(fac_nodes)
    if k == 0:
        return NodeField(np.full(n, np.inf), np.full(n, -1, dtype=np.int64), limit)
    a = augmented(w, fac_nodes, fac_legs)
    dist, _pred, src = dijkstra(
        a, directed=True, indices=np.arange(n, n + k), min_only=True, limit=limit, return_predecessors=True
    )
    source = np.where(src[:n] >= n, src[:n] - n, -1).astype(np.int64)
    return NodeField(np.asarray(dist[:n], dtype=np.float64), source, limit)


@dataclass
class CategoryCoverage:
    category: str
    times: np.ndarray  # minutes per demand point (inf = not reached within the search limit)
    nearest: np.ndarray  # facility id of the nearest facility, -1 none
    facility_ids: np.ndarray
    unsnapped: list[dict[str, Any]] = field(default_factory=list)
    node_field: NodeField | None = None

    @property
    def n_facilities(self) -> int:
        return len(self.facility_ids)


@dataclass
class CoverageResult:
    """Coverage of the demand points for several categories under one parameter set."""

    params: CoverageParams
    mode: str  # resolved: network | straight
    demand: Demand
    categories: dict[str, CategoryCoverage]
    network_hash: str | None = None
    off_network: np.ndarray | None = None  # bool per demand point (network mode)
    from_cache: list[str] = field(default_factory=list)

    def times(self, category: str) -> np.ndarray:
        """Minutes from the nearest facility per demand point in ``fid`` order (inf = beyond)."""
        return self.categories[category].times

    def describe_ja(self) -> str:
        text = self.params.describe_ja(self.mode)
        if self.demand.coarse:
            text += "・需要点: 市区町村代表点（粗い推計）"
        return text

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "mode": self.mode,
            "parameters": self.params.to_dict(),
            "description_ja": self.describe_ja(),
            "demand_points": len(self.demand.df),
            "coarse_demand": self.demand.coarse,
            "categories": {},
        }
        if self.demand.coarse:
            out["note"] = "no demand points: municipality representative points used (coarser)"
        if self.off_network is not None:
            pop = self.demand.pop()
            out["off_network_points"] = int(self.off_network.sum())
            out["off_network_pop"] = round(float(pop[self.off_network].sum()), 1)
        for key, cc in self.categories.items():
            t = cc.times
            pop = self.demand.pop()
            out["categories"][key] = {
                "name": category_name(key),
                "facilities": cc.n_facilities,
                "unsnapped_facilities": cc.unsnapped,
                "covered_pop": round(float(pop[t <= self.params.minutes].sum()), 1),
                "total_pop": round(float(pop.sum()), 1),
            }
        return out


def _straight(demand: Demand, fac: pd.DataFrame, params: CoverageParams) -> tuple[np.ndarray, np.ndarray]:
    from scipy.spatial import cKDTree

    n = len(demand.df)
    if fac.empty or n == 0:
        return np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
    crs = metric_crs(float(np.nanmedian(demand.lon)) if n else float(fac["lon"].median()))
    fx, fy = to_metric(crs, fac["lon"], fac["lat"])
    dx, dy = to_metric(crs, demand.lon, demand.lat)
    d, idx = cKDTree(np.column_stack([fx, fy])).query(np.column_stack([dx, dy]), k=1)
    minutes = d * params.detour_factor / (params.straight_speed_kmh * 1000.0 / 60.0)
    return minutes, fac["id"].to_numpy(dtype=np.int64)[idx]


def demand_snap(net: RoadNetwork, demand: Demand, params: CoverageParams) -> Snap:
    """The demand points snapped to ``net`` (memoised per network, demand and snap parameters)."""
    key = ("dsnap", net.content_hash, demand.content_hash, params.max_snap_m, params.access_speed_kmh)
    return memo(
        key,
        lambda: snap_points(
            net,
            demand.lon,
            demand.lat,
            max_snap_m=params.max_snap_m,
            access_speed_kmh=params.access_speed_kmh,
        ),
    )


def category_coverage(
    net: RoadNetwork | None,
    demand: Demand,
    fac: pd.DataFrame,
    params: CoverageParams,
    category: str,
    *,
    keep_field: bool = False,
) -> CategoryCoverage:
    """Coverage of one category (pure computation, no store access)."""
    ids = fac["id"].to_numpy(dtype=np.int64)
    bad = ~np.array(
        [
            np.isfinite(lo) and np.isfinite(la) and in_japan(lo, la)
            for lo, la in zip(fac["lon"], fac["lat"], strict=True)
        ],
        dtype=bool,
    )
    unsnapped: list[dict[str, Any]] = [
        {"id": int(r.id), "name": r.name, "reason": "bad_coordinate", "lon": r.lon, "lat": r.lat}
        for r in fac[bad].itertuples()
    ]
    if net is None:
        times, nearest = _straight(demand, fac[~bad], params)
        return CategoryCoverage(category, times, nearest, ids[~bad], unsnapped)
    fsnap = snap_points(
        net, fac["lon"], fac["lat"], max_snap_m=params.max_snap_m, access_speed_kmh=params.access_speed_kmh
    )
    for i in np.flatnonzero(~fsnap.on_network & ~bad):
        r = fac.iloc[int(i)]
        unsnapped.append(
            {
                "id": int(r["id"]),
                "name": r["name"],
                "reason": "off_network",
                "nearest_road_m": None if not np.isfinite(fsnap.dist_m[i]) else round(float(fsnap.dist_m[i])),
                "lon": float(r["lon"]),
                "lat": float(r["lat"]),
            }
        )
    ok = fsnap.on_network & ~bad
    nf = network_field(weights(net, params), fsnap.node[ok], fsnap.leg_min[ok], limit=params.max_minutes)
    dsnap = demand_snap(net, demand, params)
    on = dsnap.on_network
    times = np.full(len(demand.df), np.inf)
    times[on] = nf.time[dsnap.node[on]] + dsnap.leg_min[on]
    src = np.full(len(demand.df), -1, dtype=np.int64)
    src[on] = nf.source[dsnap.node[on]]
    ok_ids = ids[ok]
    nearest = np.where(src >= 0, ok_ids[np.maximum(src, 0)] if len(ok_ids) else -1, -1)
    times[~np.isfinite(times)] = np.inf
    return CategoryCoverage(
        category, times, nearest.astype(np.int64), ok_ids, unsnapped, nf if keep_field else None
    )


def field_key(net: RoadNetwork, fac: pd.DataFrame, params: CoverageParams, category: str) -> tuple[Any, ...]:
    """In-process memo key of a category's node field."""
    return ("field", net.content_hash, facilities_hash(fac), repr(params.to_dict()), category)


def resolve_network(project: Project, params: CoverageParams) -> tuple[str, RoadNetwork | None]:
    """The model ``params`` resolve to in this project (``network``/``straight``) and its network."""
    net = load_network(project) if params.mode != "straight" else None
    mode = params.resolve(net is not None)
    return mode, (net if mode == "network" else None)


def with_project_speeds(project: Project, params: CoverageParams) -> CoverageParams:
    """Fill ``params.speed_table`` from the project's saved table when the caller gave none."""
    if params.speed_table is None:
        saved = project_speed_table(project)
        if saved is not None:
            params = CoverageParams(**{**params.__dict__, "speed_table": saved})
    return params


def compute_coverage(
    project: Project,
    params: CoverageParams | None = None,
    *,
    categories: list[str] | tuple[str, ...] | None = None,
    facilities: FacilitySet | None = None,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> CoverageResult:
    """Travel time from the nearest facility to every demand point, for each category.

    ``facilities``: the facility set to cover from (default: the register's open facilities; a
    scenario passes its edited set).  Results are cached in the project (``results_cache``) keyed
    by the network's content hash, the facility positions, the demand points and the parameters.
    """
    prog = Progress.of(progress, cancel)
    given = params
    params = with_project_speeds(project, params or CoverageParams())
    cats = list(categories or DEFAULT_CATEGORIES)
    mode, net = resolve_network(project, params)
    params.resolved_mode = mode
    if given is not None:
        given.resolved_mode = mode  # so given.describe_ja() names the model actually used
    demand = load_demand(project)
    if demand.df.empty:
        raise AnalysisError(
            "nothing to cover: the project has no demand points and no municipalities",
            hint="人口メッシュ（または市区町村の境界と人口）を先に取り込んでください。",
        )
    result = CoverageResult(
        params=params,
        mode=mode,
        demand=demand,
        categories={},
        network_hash=net.content_hash if net is not None else None,
    )
    if net is not None:
        result.off_network = ~demand_snap(net, demand, params).on_network
    fset = FacilitySet.from_project(project) if facilities is None else facilities
    for cat in prog.iterate(cats, message="到達時間を計算中"):
        fac = fset.of_category(cat)
        key = cache.coverage_key(
            project, result.network_hash, facilities_hash(fac), demand.content_hash, params, mode, cat
        )
        hit = cache.load(project, key)
        if hit is not None:
            result.categories[cat] = hit
            result.from_cache.append(cat)
            continue
        cc = category_coverage(net, demand, fac, params, cat, keep_field=net is not None)
        if net is not None:  # the node field feeds band/basin polygons without another search
            remember(field_key(net, fac, params, cat), cc)
        cache.store(project, key, cc, params)
        result.categories[cat] = cc
    return result
