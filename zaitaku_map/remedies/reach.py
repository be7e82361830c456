"""Which demand points each candidate site would bring within the threshold (the coverage matrix).

Only demand points outside coverage today matter (a covered point adds nothing), so the matrix has
one column per *uncovered* point and one row per candidate.

Network mode.  A point *i* is covered by a site *j* when ``leg_j + d(j → i) + leg_i ≤ T``.  Every node
on such a path can reach *i* within ``T``, so one reverse search from all uncovered points at once
(on the transposed graph, limit ``T``) marks the region where useful paths run; candidates outside
it cannot gain anything and are dropped, and the per-candidate bounded searches run on the
subgraph of that region only — exact, and far smaller than the network where coverage is good.
Where the gaps span the network the region is most of it; the searches then run in batches of
nearby candidates on the part of the region a search can reach: no edge covers more straight-line
metres per minute than the network's fastest (measured on the region's own edges), so nothing
beyond ``T ×`` that speed from a candidate's node can be reached, and a search over the box around
a batch finds the same shortest paths as one over the whole region while its per-search set-up no
longer scales with the region.  The searches also skip what cannot help: with the reverse search's
minutes-to-the-nearest-gap ``r(v)`` as a potential, they run on the reduced minutes
``w(u, v) + r(v) − r(u)`` (never negative, as ``r`` is a shortest-path distance), whose sum from a
candidate to ``v`` is ``leg_j + d(j → v) + r(v)``; a limit of ``T`` then settles only the nodes
through which some uncovered point is still within ``T`` — on a network with gaps here and there
most of a 30-minute search lies in covered country and is never expanded.  Rounding can move such
a sum by far less than a millionth of a minute: the pairs that close to the threshold are
re-summed the engine's way (one plain search from that candidate), so the matrix is the one a
plain search per candidate gives (tested against it).
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

CELL_OF_RADIUS = 3.0  # batches gather candidates in cells of 3 reach radii: fewer, larger boxes beat many
# small ones (measured on the 1.3 M-node network: 0.5 → 8.5 s CPU, 1 → 6.1 s, 2 → 4.5 s, 4 → 4.3 s, 8 → 6.7 s)
BAND_MIN = 1e-6  # reduced-minute sums closer than this to the threshold are re-summed the engine's way
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
    pt_local = local[ds.node[pts]]  # every uncovered point's node is in the region (rev ≤ its leg)
    pt_leg = ds.leg_min[pts]
    pot = rev[region]  # potentials: minutes from a node to the nearest uncovered point
    boxes = SearchBoxes(net, region, sub, minutes, graph=reduced(sub, pot))
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    near: list[tuple[int, np.ndarray]] = []
    batches = boxes.batches(local[cs.node[cand]], cand)
    for chunk in prog.iterate(batches, message="候補地からの到達範囲を計算中"):
        start = local[cs.node[chunk]]
        nodes, g = boxes.subgraph(start)
        m = len(nodes)
        where = np.full(len(region), -1, dtype=np.int64)
        where[nodes] = np.arange(m)
        at = where[pt_local]
        inside = np.flatnonzero(at >= 0)  # the uncovered points this batch can reach at all
        # reduced minutes: a node is settled only when a path through it can still reach a gap
        a = augmented(g, where[start], cs.leg_min[chunk] + pot[start])
        d = dijkstra(a, directed=True, indices=np.arange(m, m + len(chunk)), limit=minutes + BAND_MIN)
        t = d[:, at[inside]] - pot[pt_local[inside]][None, :] + pt_leg[inside][None, :]
        r, c = np.nonzero(t <= minutes - BAND_MIN)
        rows.append(chunk[r])
        cols.append(inside[c])
        for i in np.unique(np.nonzero(np.abs(t - minutes) <= BAND_MIN)[0]):
            near.append((int(chunk[i]), inside[np.abs(t[i] - minutes) <= BAND_MIN]))
    for j, cols_j in near:  # within rounding of the threshold: decided by the engine's own sums
        a = augmented(sub, local[cs.node[[j]]], cs.leg_min[[j]])
        d1 = dijkstra(a, directed=True, indices=len(region), limit=minutes)
        keep = cols_j[d1[pt_local[cols_j]] + pt_leg[cols_j] <= minutes]
        rows.append(np.full(len(keep), j, dtype=np.int64))
        cols.append(keep)
    m = len(region)
    rr = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    cc = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    mat = sp.csr_matrix((np.ones(len(rr), dtype=bool), (rr, cc)), shape=(len(lon), len(pts)))
    return Reach(mat, pts, usable, m, t_rev)


def reduced(w: sp.csr_matrix, pot: np.ndarray) -> sp.csr_matrix:
    """``w(u, v) + pot(v) − pot(u)`` (≥ 0 for the minutes-to-the-gaps potential; kept > 0 so that
    no edge vanishes as an explicit zero)."""
    src = np.repeat(np.arange(w.shape[0]), np.diff(w.indptr))
    data = np.maximum((w.data + pot[w.indices]) - pot[src], 1e-12)
    return sp.csr_matrix((data, w.indices, w.indptr), shape=w.shape)


class SearchBoxes:
    """Batches of nearby candidates and the part of the region their searches can reach.

    ``speed`` is the most straight-line metres any edge of the region covers per minute, so a search
    limited to ``minutes`` stays within ``speed × minutes`` of its start node (the sum of an edge
    path's straight lengths bounds the distance; projected metres, one zone for the whole region).
    """

    def __init__(
        self,
        net: RoadNetwork,
        region: np.ndarray,
        sub: sp.csr_matrix,
        minutes: float,
        *,
        graph: sp.csr_matrix | None = None,
    ) -> None:
        crs = metric_crs(float(np.median(net.lon[region])))
        self.x, self.y = to_metric(crs, net.lon[region], net.lat[region])
        self.sub = sub if graph is None else graph  # what subgraph() cuts (same structure as sub)
        src = np.repeat(np.arange(sub.shape[0]), np.diff(sub.indptr))
        dist = np.hypot(self.x[src] - self.x[sub.indices], self.y[src] - self.y[sub.indices])
        with np.errstate(divide="ignore", invalid="ignore"):
            per_min = np.where(dist > 0, dist / sub.data, 0.0)
        speed = float(per_min.max()) if len(per_min) else 0.0
        self.radius = speed * minutes * (1.0 + 1e-9) + 1.0  # metres (inf when an edge takes no time)
        self.order = np.argsort(self.x, kind="stable")
        self.xs = self.x[self.order]

    def batches(self, start_nodes: np.ndarray, items: np.ndarray) -> list[np.ndarray]:
        """``items`` (one per start node) in batches of neighbours: cells of the reach radius, row by
        row, each batch at most a cell wide and small enough for its distance matrix."""
        n = len(items)
        if not np.isfinite(self.radius) or n == 0:
            batch = max(1, min(256, BATCH_CELLS // max(self.sub.shape[0], 1)))
            return [items[i : i + batch] for i in range(0, n, batch)]
        cell = max(self.radius * CELL_OF_RADIUS, 1.0)
        cx = np.floor(self.x[start_nodes] / cell).astype(np.int64)
        cy = np.floor(self.y[start_nodes] / cell).astype(np.int64)
        order = np.lexsort((np.where(cy % 2 == 0, cx, -cx), cy))  # boustrophedon rows of cells
        out: list[np.ndarray] = []
        keys = np.stack([cx[order], cy[order]], axis=1)
        breaks = np.flatnonzero(np.any(np.diff(keys, axis=0) != 0, axis=1)) + 1
        for group in np.split(order, breaks):
            box_nodes = self._count(start_nodes[group])
            size = max(1, min(256, BATCH_CELLS // max(box_nodes, 1)))
            out.extend(items[group[i : i + size]] for i in range(0, len(group), size))
        return out

    def _box(self, start_nodes: np.ndarray) -> tuple[np.ndarray, float, float]:
        r = self.radius
        x0, x1 = self.x[start_nodes].min() - r, self.x[start_nodes].max() + r
        y0, y1 = self.y[start_nodes].min() - r, self.y[start_nodes].max() + r
        lo = int(np.searchsorted(self.xs, x0, side="left"))
        hi = int(np.searchsorted(self.xs, x1, side="right"))
        return self.order[lo:hi], y0, y1

    def _count(self, start_nodes: np.ndarray) -> int:
        cand, y0, y1 = self._box(start_nodes)
        yy = self.y[cand]
        return int(np.count_nonzero((yy >= y0) & (yy <= y1)))

    def subgraph(self, start_nodes: np.ndarray) -> tuple[np.ndarray, sp.csr_matrix]:
        """Region nodes (sorted) within the batch's box and the subgraph over them."""
        if not np.isfinite(self.radius):
            m = self.sub.shape[0]
            return np.arange(m), self.sub
        cand, y0, y1 = self._box(start_nodes)
        yy = self.y[cand]
        nodes = np.sort(cand[(yy >= y0) & (yy <= y1)])
        where = np.full(self.sub.shape[0], -1, dtype=np.int64)
        where[nodes] = np.arange(len(nodes))
        rows = self.sub[nodes]
        keep = where[rows.indices] >= 0
        counts = np.diff(rows.indptr)
        kept = np.zeros(len(nodes), dtype=np.int64)
        nz = counts > 0
        if len(keep):
            kept[nz] = np.add.reduceat(keep.astype(np.int64), rows.indptr[:-1][nz])
        indptr = np.concatenate([[0], np.cumsum(kept)])
        g = sp.csr_matrix(
            (rows.data[keep], where[rows.indices[keep]].astype(np.int32), indptr),
            shape=(len(nodes), len(nodes)),
        )
        return nodes, g


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
