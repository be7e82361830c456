"""Travel minutes from many origins to many destinations, within a limit (a sparse pair list).

Network mode: both sides are snapped to the road network with their access legs (as coverage does).
Then one bounded Dijkstra runs per distinct snapped node of the *smaller* side — from the origins on
the graph, or from the destinations on the reversed graph — so 1,000 care facilities × 500
institutions cost 500 searches, not 1,000 and never 500,000 pair queries.

A bounded search touches only the nodes it can reach within the limit, but
``scipy.sparse.csgraph.dijkstra`` still allocates and initialises its arrays for every node of
the graph it is given, once per source: on a 1.3 M-node network that costs more than the search.
So sources are grouped by square cells and each group searches the sub-network that can matter: a
node farther (in straight line) from every source of the cell than the *reach* — ``limit`` × the
fastest edge speed of the network — cannot be reached within the limit, so the sub-network inside
that margin gives exactly the same times as the whole one.  Cells of twice the reach (80 km for 30
minutes at 80 km/h) were the fastest on the 1.3 M-node benchmark network: 2.5× faster than
searching the whole network from every source, because the per-source set-up shrinks with the
sub-network while few sub-networks are cut.

Straight mode: distance × detour factor ÷ speed, from a KD-tree ball query.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from zaitaku_map.geo import in_japan, metric_crs
from zaitaku_map.network.graph import RoadNetwork, to_metric
from zaitaku_map.network.snap import DEFAULT_ACCESS_SPEED_KMH, DEFAULT_MAX_SNAP_M, Snap, snap_points
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback

CELL_REACH = 2.0  # sources searched together share a square cell of this many reaches
MIN_CELL_M = 10_000.0
CHUNK = 24  # sources per Dijkstra call (the result is a dense chunk × sub-network array)


@dataclass(frozen=True)
class TravelPairs:
    """Origin → destination travel minutes of the pairs within the limit.

    ``origin`` and ``dest`` index the arrays the caller passed; a pair beyond the limit (or
    unreachable) is simply absent.  ``origin_ok`` / ``dest_ok`` say which points could take part
    at all (a plausible position; on the network: a road node within the snapping distance).
    """

    origin: np.ndarray  # int64
    dest: np.ndarray  # int64
    minutes: np.ndarray  # float64
    origin_ok: np.ndarray  # bool per origin
    dest_ok: np.ndarray  # bool per destination
    mode: str  # network | straight
    limit: float
    searches: int = 0  # bounded searches run (network mode)
    searched_from: str = ""  # origins | destinations (network mode)

    def __len__(self) -> int:
        return int(self.origin.shape[0])


def _plausible(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return np.asarray(np.isfinite(lon) & np.isfinite(lat) & in_japan(lon, lat), dtype=bool)


def _empty(origin_ok: np.ndarray, dest_ok: np.ndarray, mode: str, limit: float) -> TravelPairs:
    e = np.zeros(0, dtype=np.int64)
    return TravelPairs(e, e.copy(), np.zeros(0), origin_ok, dest_ok, mode, limit)


def straight_pairs(
    o_lon: np.ndarray,
    o_lat: np.ndarray,
    d_lon: np.ndarray,
    d_lat: np.ndarray,
    *,
    limit: float,
    detour_factor: float,
    speed_kmh: float,
) -> TravelPairs:
    """Pairs within ``limit`` minutes under the straight-line model (distance × detour ÷ speed)."""
    o_lon, o_lat, d_lon, d_lat = (
        np.asarray(a, dtype=np.float64).reshape(-1) for a in (o_lon, o_lat, d_lon, d_lat)
    )
    o_ok, d_ok = _plausible(o_lon, o_lat), _plausible(d_lon, d_lat)
    if not o_ok.any() or not d_ok.any():
        return _empty(o_ok, d_ok, "straight", limit)
    crs = metric_crs(float(np.median(np.concatenate([o_lon[o_ok], d_lon[d_ok]]))))
    ox, oy = to_metric(crs, o_lon[o_ok], o_lat[o_ok])
    dx, dy = to_metric(crs, d_lon[d_ok], d_lat[d_ok])
    per_m = detour_factor / (speed_kmh * 1000.0 / 60.0)  # minutes per straight metre
    tree = cKDTree(np.column_stack([dx, dy]))
    o_idx, d_idx = np.flatnonzero(o_ok), np.flatnonzero(d_ok)
    hits = tree.query_ball_point(np.column_stack([ox, oy]), r=limit / per_m)
    counts = np.fromiter((len(h) for h in hits), dtype=np.int64, count=len(hits))
    local_d = np.fromiter((j for h in hits for j in h), dtype=np.int64, count=int(counts.sum()))
    local_o = np.repeat(np.arange(len(hits), dtype=np.int64), counts)
    dist = np.hypot(ox[local_o] - dx[local_d], oy[local_o] - dy[local_d])
    minutes = dist * per_m
    keep = minutes <= limit
    return TravelPairs(
        o_idx[local_o[keep]], d_idx[local_d[keep]], minutes[keep], o_ok, d_ok, "straight", limit
    )


def max_speed_m_per_min(net: RoadNetwork, w: sp.csr_matrix) -> float:
    """The fastest edge of the weighted graph, in metres per minute (bounds how far a search reaches)."""
    if w.nnz == 0:
        return 1.0
    # w.data follows the network's edge order (minutes_csr builds it from indices/indptr directly)
    speed = net.length_m.astype(np.float64) / np.asarray(w.data, dtype=np.float64)
    return float(max(np.max(speed), 1.0))


def _subgraph(w: sp.csr_matrix, nodes: np.ndarray, local: np.ndarray) -> sp.csr_matrix:
    """The graph restricted to ``nodes`` (sorted), relabelled 0..k-1; ``local`` maps global → local (-1)."""
    start = w.indptr[nodes]
    stop = w.indptr[nodes + 1]
    counts = (stop - start).astype(np.int64)
    total = int(counts.sum())
    if total == 0:
        return sp.csr_matrix((len(nodes), len(nodes)))
    offsets = np.repeat(start - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
    pos = np.arange(total, dtype=np.int64) + offsets
    cols = local[w.indices[pos]]
    rows = np.repeat(np.arange(len(nodes), dtype=np.int64), counts)
    keep = cols >= 0
    return sp.csr_matrix(
        (np.asarray(w.data)[pos[keep]], (rows[keep], cols[keep])), shape=(len(nodes), len(nodes))
    )


@dataclass
class _Side:
    """One side of the problem, snapped: per distinct node the points sitting on it."""

    snap: Snap
    ok: np.ndarray
    nodes: np.ndarray  # distinct snapped nodes
    flat: np.ndarray  # point indices grouped by node: node i holds flat[off[i] : off[i] + cnt[i]]
    off: np.ndarray
    cnt: np.ndarray

    def min_leg(self) -> np.ndarray:
        """The cheapest access leg among the points of each distinct node."""
        return np.asarray(np.minimum.reduceat(self.snap.leg_min[self.flat], self.off), dtype=np.float64)


def _side(
    net: RoadNetwork, lon: np.ndarray, lat: np.ndarray, *, max_snap_m: float, access_kmh: float
) -> _Side:
    plaus = _plausible(lon, lat)
    snap = snap_points(
        net,
        np.where(plaus, lon, np.nan),
        np.where(plaus, lat, np.nan),
        max_snap_m=max_snap_m,
        access_speed_kmh=access_kmh,
    )
    ok = snap.on_network & plaus
    idx = np.flatnonzero(ok)
    nodes, inverse = np.unique(snap.node[idx], return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(len(nodes) + 1))
    return _Side(snap, ok, nodes, idx[order], bounds[:-1], np.diff(bounds))


def _expand(
    src: _Side, dst: _Side, a: np.ndarray, b: np.ndarray, base: np.ndarray, limit: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Node pairs (distinct source node ``a``, distinct target node ``b``, node-to-node minutes) →
    point pairs with both access legs added, kept when within ``limit``."""
    n_each = src.cnt[a] * dst.cnt[b]
    rep = np.repeat(np.arange(len(a)), n_each)
    start = np.concatenate([[0], np.cumsum(n_each)[:-1]])
    k = np.arange(int(n_each.sum())) - start[rep]
    width = dst.cnt[b[rep]]
    s_pt = src.flat[src.off[a[rep]] + k // width]
    t_pt = dst.flat[dst.off[b[rep]] + k % width]
    tot = src.snap.leg_min[s_pt] + base[rep] + dst.snap.leg_min[t_pt]
    keep = tot <= limit
    return s_pt[keep], t_pt[keep], tot[keep]


def network_pairs(
    net: RoadNetwork,
    w: sp.csr_matrix,
    o_lon: np.ndarray,
    o_lat: np.ndarray,
    d_lon: np.ndarray,
    d_lat: np.ndarray,
    *,
    limit: float,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    access_speed_kmh: float = DEFAULT_ACCESS_SPEED_KMH,
    w_reversed: sp.csr_matrix | None = None,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> TravelPairs:
    """Pairs within ``limit`` minutes on the road network ``net`` weighted by ``w`` (minutes CSR).

    Times include both access legs (point → its snapped node and node → point).  ``w_reversed``
    (``w.T`` as CSR) may be given when the caller keeps one; it is built when needed otherwise.
    """
    prog = Progress.of(progress, cancel)
    arrays = [np.asarray(a, dtype=np.float64).reshape(-1) for a in (o_lon, o_lat, d_lon, d_lat)]
    o = _side(net, arrays[0], arrays[1], max_snap_m=max_snap_m, access_kmh=access_speed_kmh)
    d = _side(net, arrays[2], arrays[3], max_snap_m=max_snap_m, access_kmh=access_speed_kmh)
    if not len(o.nodes) or not len(d.nodes):
        return _empty(o.ok, d.ok, "network", limit)
    from_origins = len(o.nodes) <= len(d.nodes)
    src, dst = (o, d) if from_origins else (d, o)
    graph = w if from_origins else (w_reversed if w_reversed is not None else sp.csr_matrix(w.T))
    reach_m = limit * max_speed_m_per_min(net, w)
    # destination legs per distinct target node: the cheapest leg is what can still fit
    dst_min_leg = dst.min_leg()
    src_min_leg = src.min_leg()
    side = max(MIN_CELL_M, CELL_REACH * reach_m)
    cell = np.floor(net.x[src.nodes] / side).astype(np.int64) * 1_000_003 + np.floor(
        net.y[src.nodes] / side
    ).astype(np.int64)
    order = np.argsort(cell, kind="stable")
    groups = np.split(order, np.flatnonzero(np.diff(cell[order])) + 1)
    x_order = np.argsort(net.x, kind="stable")
    x_sorted = net.x[x_order]
    local = np.full(net.n_nodes, -1, dtype=np.int64)
    out_o: list[np.ndarray] = []
    out_d: list[np.ndarray] = []
    out_t: list[np.ndarray] = []
    prog.total = float(len(src.nodes))
    done = 0
    for g in groups:
        prog.update(done, "到達時間を計算中")
        gx, gy = net.x[src.nodes[g]], net.y[src.nodes[g]]
        lo, hi = np.searchsorted(x_sorted, [gx.min() - reach_m, gx.max() + reach_m + 1e-6])
        band = x_order[lo:hi]
        y = net.y[band]
        sub_nodes = np.sort(band[(y >= gy.min() - reach_m) & (y <= gy.max() + reach_m)])
        local[sub_nodes] = np.arange(len(sub_nodes))
        sub = _subgraph(graph, sub_nodes, local)
        t_local = local[dst.nodes]
        t_in = np.flatnonzero(t_local >= 0)
        for c0 in range(0, len(g), CHUNK):
            chunk = g[c0 : c0 + CHUNK]
            bound = limit - float(src_min_leg[chunk].min()) - float(dst_min_leg.min())
            if bound < 0 or not len(t_in):
                continue
            dist = dijkstra(sub, directed=True, indices=local[src.nodes[chunk]], limit=bound)
            dd = dist[:, t_local[t_in]]  # (chunk, targets in the sub-network)
            ci, ti = np.nonzero(np.isfinite(dd))
            s_pt, t_pt, tot = _expand(src, dst, chunk[ci], t_in[ti], dd[ci, ti], limit)
            out_o.append(s_pt if from_origins else t_pt)
            out_d.append(t_pt if from_origins else s_pt)
            out_t.append(tot)
        local[sub_nodes] = -1
        done += len(g)
    prog.update(prog.total, "到達時間を計算中", force=True)
    if out_o:
        oo, od, ot = np.concatenate(out_o), np.concatenate(out_d), np.concatenate(out_t)
    else:
        oo, od, ot = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    return TravelPairs(
        oo.astype(np.int64),
        od.astype(np.int64),
        ot.astype(np.float64),
        o.ok,
        d.ok,
        "network",
        limit,
        searches=len(src.nodes),
        searched_from="origins" if from_origins else "destinations",
    )
