"""Which demand points each candidate site would bring within the threshold (the coverage matrix).

Only demand points outside coverage today matter (a covered point adds nothing), so the matrix has
one column per *uncovered* point and one row per candidate.

Network mode.  A point *i* is covered by a site *j* when ``leg_j + d(j → i) + leg_i ≤ T``.  Every node
on such a path can reach *i* within ``T``, so one reverse search from all uncovered points at once
(on the transposed graph, limit ``T``) marks the region where useful paths run; candidates outside
it cannot gain anything and are dropped, and the per-candidate bounded searches run on the
subgraph of that region only — exact, and far smaller than the network where coverage is good.
The path sums are formed as the coverage engine forms them (access leg first), so a site's
reported gain is exactly what adding it to the what-if engine gives.

Straight-line mode.  Points within ``T × speed ÷ detour`` of a site, distances from the same
KD-tree code as the engine's nearest-facility query.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from zaitaku_map.coverage.engine import augmented, weights
from zaitaku_map.coverage.inputs import Demand
from zaitaku_map.coverage.params import CoverageParams
from zaitaku_map.geo import metric_crs
from zaitaku_map.network.graph import RoadNetwork, to_metric
from zaitaku_map.network.snap import snap_points
from zaitaku_map.progress import Progress

BATCH_CELLS = 24_000_000  # distance-matrix cells per batch of candidate searches (≈ 190 MB)


@dataclass
class Reach:
    """Coverage matrix: ``matrix[j, c]`` is True when candidate ``j`` covers uncovered point ``points[c]``."""

    matrix: sp.csr_matrix  # (n_candidates, len(points)) bool
    points: np.ndarray  # demand-point row indices (``fid`` order) of the columns
    usable: np.ndarray  # bool per candidate: placeable (on the network / valid point)
    region_nodes: int | None = None  # network mode: nodes of the useful region searched
    seconds_reverse: float = 0.0


def _valid(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    from zaitaku_map.geo import in_japan

    ok = np.isfinite(lon) & np.isfinite(lat)
    return np.asarray(ok & np.asarray(in_japan(np.where(ok, lon, 0.0), np.where(ok, lat, 0.0)), dtype=bool))


def network_reach(
    net: RoadNetwork,
    demand: Demand,
    uncovered: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    params: CoverageParams,
    *,
    minutes: float,
    progress: Progress | None = None,
) -> Reach:
    """Coverage matrix on the road network (see the module notes)."""
    import time

    prog = progress or Progress(None, None)
    w = weights(net, params)
    n = net.n_nodes
    ds = snap_points(
        net, demand.lon, demand.lat, max_snap_m=params.max_snap_m, access_speed_kmh=params.access_speed_kmh
    )
    pts = np.flatnonzero(uncovered & ds.on_network & (ds.leg_min <= minutes))
    cs = snap_points(net, lon, lat, max_snap_m=params.max_snap_m, access_speed_kmh=params.access_speed_kmh)
    usable = cs.on_network & _valid(np.asarray(lon, float), np.asarray(lat, float))
    empty = Reach(sp.csr_matrix((len(lon), len(pts)), dtype=bool), pts, usable, 0)
    if len(pts) == 0 or not usable.any():
        return empty
    t0 = time.perf_counter()
    # reverse search: minutes from every node to the nearest uncovered point (its access leg included)
    wt = w.T.tocsr()
    rev = dijkstra(
        augmented(wt, ds.node[pts], ds.leg_min[pts]),
        directed=True,
        indices=np.arange(n, n + len(pts)),
        min_only=True,
        limit=minutes,
    )[:n]
    region = np.flatnonzero(np.isfinite(rev))
    t_rev = time.perf_counter() - t0
    cand = np.flatnonzero(usable)
    cand = cand[np.isfinite(rev[cs.node[cand]]) & (cs.leg_min[cand] + rev[cs.node[cand]] <= minutes)]
    if len(cand) == 0:
        return Reach(empty.matrix, pts, usable, len(region), t_rev)
    local = np.full(n, -1, dtype=np.int64)
    local[region] = np.arange(len(region))
    sub = w[region][:, region].tocsr()
    m = len(region)
    pt_local = local[ds.node[pts]]  # every uncovered point's node is in the region (rev ≤ its leg)
    pt_leg = ds.leg_min[pts]
    batch = max(1, min(256, BATCH_CELLS // max(m, 1)))
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    for start in prog.iterate(range(0, len(cand), batch), message="候補地からの到達範囲を計算中"):
        chunk = cand[start : start + batch]
        a = augmented(sub, local[cs.node[chunk]], cs.leg_min[chunk])
        d = dijkstra(a, directed=True, indices=np.arange(m, m + len(chunk)), limit=minutes)
        t = d[:, pt_local] + pt_leg[None, :]
        r, c = np.nonzero(t <= minutes)
        rows.append(chunk[r])
        cols.append(c)
    rr = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    cc = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    mat = sp.csr_matrix((np.ones(len(rr), dtype=bool), (rr, cc)), shape=(len(lon), len(pts)))
    return Reach(mat, pts, usable, m, t_rev)


def straight_reach(
    demand: Demand,
    uncovered: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    params: CoverageParams,
    *,
    minutes: float,
) -> Reach:
    """Coverage matrix of the straight-line model (distance × detour ÷ speed ≤ minutes)."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    usable = _valid(lon, lat)
    pts = np.flatnonzero(uncovered & np.isfinite(demand.lon) & np.isfinite(demand.lat))
    if len(pts) == 0 or not usable.any():
        return Reach(sp.csr_matrix((len(lon), len(pts)), dtype=bool), pts, usable)
    crs = metric_crs(float(np.nanmedian(demand.lon)))  # the engine's projection for this demand
    dx, dy = to_metric(crs, demand.lon[pts], demand.lat[pts])
    cand = np.flatnonzero(usable)
    cx, cy = to_metric(crs, lon[cand], lat[cand])
    per_min = params.straight_speed_kmh * 1000.0 / 60.0
    radius = minutes * per_min / params.detour_factor * 1.0001 + 1.0
    pairs = cKDTree(np.column_stack([cx, cy])).sparse_distance_matrix(
        cKDTree(np.column_stack([dx, dy])), radius, output_type="ndarray"
    )
    keep = pairs["v"] * params.detour_factor / per_min <= minutes
    mat = sp.csr_matrix(
        (np.ones(int(keep.sum()), dtype=bool), (cand[pairs["i"][keep]], pairs["j"][keep])),
        shape=(len(lon), len(pts)),
    )
    return Reach(mat, pts, usable)
