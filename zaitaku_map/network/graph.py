"""The in-memory road network: compact CSR arrays, node coordinates and per-edge attributes.

Edge travel times are not stored: they are computed from the edge length, road class and posted
``maxspeed`` with the speed table of the analysis (:meth:`RoadNetwork.minutes_csr`), so editing the
speed table never needs a re-import.  The network serialises to one compressed ``.npz`` blob
(``road_networks.data``); ~1M nodes / 2.5M edges take ≈ 30 MB and load in well under a second.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from zaitaku_map.errors import ProjectDamagedError
from zaitaku_map.geo import metric_crs
from zaitaku_map.network.osm import RawEdges
from zaitaku_map.network.speeds import ROAD_CLASSES, SpeedTable

FORMAT_VERSION = 1


@dataclass
class RoadNetwork:
    """A directed drive network in CSR form (row = from-node)."""

    lon: np.ndarray  # float64 (n,)
    lat: np.ndarray
    x: np.ndarray  # float64 metric coordinates in :attr:`crs`
    y: np.ndarray
    crs: str
    indptr: np.ndarray  # int64 (n+1,)
    indices: np.ndarray  # int32 (m,) to-node
    length_m: np.ndarray  # float32 (m,)
    road_class: np.ndarray  # uint8 (m,)
    maxspeed: np.ndarray  # float32 (m,), 0 = unknown
    node_ids: np.ndarray  # int64 (n,) source ids (OSM node ids)
    summary: dict[str, Any] = field(default_factory=dict)
    _hash: str | None = None
    _kdtree: Any = None
    _tree_nodes: Any = None

    @property
    def n_nodes(self) -> int:
        return int(self.lon.shape[0])

    @property
    def n_edges(self) -> int:
        return int(self.indices.shape[0])

    @property
    def content_hash(self) -> str:
        """SHA-256 over the arrays that define travel times (stable across save/load)."""
        if self._hash is None:
            h = hashlib.sha256(f"v{FORMAT_VERSION}".encode())
            for arr in (
                self.lon,
                self.lat,
                self.indptr,
                self.indices,
                self.length_m,
                self.road_class,
                self.maxspeed,
            ):
                h.update(np.ascontiguousarray(arr).tobytes())
            self._hash = h.hexdigest()
        return self._hash

    # -- travel times ----------------------------------------------------------------------------
    def edge_speed_kmh(
        self, speed_table: SpeedTable | None = None, *, speed_kmh: float | None = None
    ) -> np.ndarray:
        """Speed per edge: uniform ``speed_kmh``, or class speed capped by ``maxspeed`` × congestion."""
        if speed_kmh is not None:
            return np.full(self.n_edges, float(speed_kmh), dtype=np.float64)
        table = speed_table or SpeedTable()
        cls_speed = np.asarray(table.class_speed_array(), dtype=np.float64)
        speed = cls_speed[self.road_class]
        if table.use_maxspeed:
            capped = self.maxspeed.astype(np.float64) * table.congestion_factor
            has = self.maxspeed > 0
            speed = np.where(has, np.minimum(speed, capped), speed)
        return np.asarray(speed, dtype=np.float64)

    def edge_minutes(
        self, speed_table: SpeedTable | None = None, *, speed_kmh: float | None = None
    ) -> np.ndarray:
        """Travel minutes per edge (strictly positive: csgraph treats 0 as 'no edge' on some paths)."""
        speed = self.edge_speed_kmh(speed_table, speed_kmh=speed_kmh)
        minutes = self.length_m.astype(np.float64) / (speed * 1000.0 / 60.0)
        return np.maximum(minutes, 1e-6)

    def minutes_csr(
        self, speed_table: SpeedTable | None = None, *, speed_kmh: float | None = None
    ) -> sp.csr_matrix:
        """The graph as a square CSR matrix of travel minutes."""
        n = self.n_nodes
        return sp.csr_matrix(
            (self.edge_minutes(speed_table, speed_kmh=speed_kmh), self.indices, self.indptr), shape=(n, n)
        )

    def edge_sources(self) -> np.ndarray:
        """From-node index of every edge (expands :attr:`indptr`)."""
        return np.repeat(np.arange(self.n_nodes, dtype=np.int64), np.diff(self.indptr))

    def snappable(self) -> np.ndarray:
        """Nodes a point may be joined to: every node touching a road other than a motorway or its
        ramps (nobody drives from a house onto an expressway)."""
        from zaitaku_map.network.speeds import CLASS_CODE

        closed = np.isin(self.road_class, [CLASS_CODE["motorway"], CLASS_CODE["motorway_link"]])
        ok = np.zeros(self.n_nodes, dtype=bool)
        ok[self.edge_sources()[~closed]] = True
        ok[self.indices[~closed]] = True
        if not ok.any():  # a motorway-only network: allow everything rather than nothing
            ok[:] = True
        return ok

    def kdtree(self) -> Any:
        """cKDTree of the snappable nodes' metric coordinates (built once); its point ``i`` is node
        ``self._tree_nodes[i]`` — use :meth:`nearest_nodes`."""
        if self._kdtree is None:
            from scipy.spatial import cKDTree

            nodes = np.flatnonzero(self.snappable())
            self._tree_nodes = nodes
            self._kdtree = cKDTree(
                np.column_stack([self.x[nodes], self.y[nodes]]), balanced_tree=False, compact_nodes=False
            )
        return self._kdtree

    def nearest_nodes(self, x: Any, y: Any, *, max_dist: float = np.inf) -> tuple[np.ndarray, np.ndarray]:
        """Nearest snappable node of metric points: ``(distance, node)``; ``(inf, -1)`` beyond
        ``max_dist``.  Big batches are queried in 2 km-cell order (2–3× faster: cache locality)."""
        tree = self.kdtree()
        x = np.asarray(x, dtype=np.float64).reshape(-1)
        y = np.asarray(y, dtype=np.float64).reshape(-1)
        pts = np.column_stack([x, y])
        if len(x) < 5000:
            d, i = tree.query(pts, k=1, distance_upper_bound=max_dist)
        else:
            key = (np.floor(x / 2000.0).astype(np.int64) << 32) + np.floor(y / 2000.0).astype(np.int64)
            order = np.argsort(key, kind="stable")
            # threads only pay off for big batches (their start-up costs ~10 ms on a busy machine)
            d_s, i_s = tree.query(
                pts[order], k=1, distance_upper_bound=max_dist, workers=-1 if len(x) >= 100_000 else 1
            )
            d = np.empty(len(x))
            i = np.empty(len(x), dtype=np.int64)
            d[order] = d_s
            i[order] = i_s
        d = np.asarray(d, dtype=np.float64)
        ok = np.isfinite(d)
        node = np.full(len(x), -1, dtype=np.int64)
        node[ok] = self._tree_nodes[np.asarray(i)[ok]]
        return d, node

    def project(self, lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
        """lon/lat → metric x/y in this network's CRS."""
        return to_metric(self.crs, lon, lat)

    # -- storage ---------------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        np.savez_compressed(
            buf,
            format_version=np.int64(FORMAT_VERSION),
            lon=self.lon,
            lat=self.lat,
            crs=np.array(self.crs),
            indptr=self.indptr,
            indices=self.indices,
            length_m=self.length_m,
            road_class=self.road_class,
            maxspeed=self.maxspeed,
            node_ids=self.node_ids,
        )
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes, *, summary: dict[str, Any] | None = None) -> RoadNetwork:
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise ProjectDamagedError(
                "the stored road network is damaged",
                hint="道路網のファイルをもう一度取り込んでください（roads コマンド、または「データの取り込み」）。",
            ) from exc
        crs = str(arrays["crs"])
        x, y = to_metric(crs, arrays["lon"], arrays["lat"])
        return cls(
            lon=arrays["lon"],
            lat=arrays["lat"],
            x=x,
            y=y,
            crs=crs,
            indptr=arrays["indptr"],
            indices=arrays["indices"],
            length_m=arrays["length_m"],
            road_class=arrays["road_class"],
            maxspeed=arrays["maxspeed"],
            node_ids=arrays["node_ids"],
            summary=summary or {},
        )


_TRANSFORMERS: dict[str, Any] = {}


def to_metric(crs: str, lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """Project lon/lat arrays to ``crs`` (cached pyproj transformer)."""
    from pyproj import Transformer

    t = _TRANSFORMERS.get(crs)
    if t is None:
        t = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        _TRANSFORMERS[crs] = t
    x, y = t.transform(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def to_lonlat(crs: str, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    from pyproj import Transformer

    key = "inv:" + crs
    t = _TRANSFORMERS.get(key)
    if t is None:
        t = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        _TRANSFORMERS[key] = t
    lo, la = t.transform(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    return np.asarray(lo, dtype=np.float64), np.asarray(la, dtype=np.float64)


# No road link between two consecutive nodes of a drive network is longer than this
MAX_LINK_M = 100_000.0


def checked_lengths(
    length: np.ndarray, lon: np.ndarray, lat: np.ndarray, u: np.ndarray, v: np.ndarray
) -> tuple[np.ndarray, int]:
    """Edge lengths in metres, finite and positive: a length that is missing, not finite, negative,
    zero between distinct points or longer than :data:`MAX_LINK_M` is replaced by the great-circle
    distance between its nodes.  Returns ``(lengths as float32, how many were replaced)``."""
    from zaitaku_map.geo import haversine_m

    length = np.asarray(length, dtype=np.float64)
    straight = np.asarray(haversine_m(lon[u], lat[u], lon[v], lat[v]), dtype=np.float64)  # type: ignore[no-untyped-call]
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(length) | (length < 0) | (length > MAX_LINK_M) | ((length == 0) & (straight > 0))
    out = np.where(bad, straight, length)
    return out.astype(np.float32), int(bad.sum())


def _simple_edges(raw: RawEdges, report: dict[str, Any]) -> tuple[np.ndarray, ...]:
    """``(u, v, length, class, maxspeed)`` without self-loops and with one edge per node pair (the
    quickest under the default speed table)."""
    keep_e = raw.u != raw.v
    u, v = raw.u[keep_e], raw.v[keep_e]
    length, cls, ms = raw.length_m[keep_e], raw.road_class[keep_e], raw.maxspeed[keep_e]
    report["self_loops_dropped"] = int((~keep_e).sum())
    default_speed = np.asarray(SpeedTable().class_speed_array())[cls]
    default_speed = np.where(ms > 0, np.minimum(default_speed, ms), default_speed)
    order = np.lexsort((length / default_speed, v, u))
    u, v, length, cls, ms = u[order], v[order], length[order], cls[order], ms[order]
    first = np.ones(len(u), dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    report["parallel_edges_dropped"] = int((~first).sum())
    return u[first], v[first], length[first], cls[first], ms[first]


def _drop_tangled(
    raw: RawEdges,
    labels: np.ndarray,
    largest: int,
    keep_comp: np.ndarray,
    used: np.ndarray,
    island_gap_m: float,
) -> int:
    """Unmark (in ``keep_comp``) the large components that lie within ``island_gap_m`` of the largest
    one: fragments tangled in the mainland, not islands.  Returns how many."""
    candidates = [int(c) for c in np.flatnonzero(keep_comp) if c != largest]
    if not candidates:
        return 0
    from scipy.spatial import cKDTree

    crs0 = metric_crs(float(np.median(raw.lon[used])))
    ax, ay = to_metric(crs0, raw.lon, raw.lat)
    main = labels == largest
    tree = cKDTree(np.column_stack([ax[main], ay[main]]))
    tangled = 0
    for c in candidates:
        m = labels == c
        d, _ = tree.query(np.column_stack([ax[m], ay[m]]), k=1, distance_upper_bound=island_gap_m)
        if np.isfinite(d).any():  # some node near the mainland network: not an island
            keep_comp[c] = False
            tangled += 1
    return tangled


def build_network(
    raw: RawEdges, *, min_component_nodes: int = 50, island_gap_m: float = 1000.0
) -> tuple[RoadNetwork, dict[str, Any]]:
    """Clean raw edges into a :class:`RoadNetwork`.

    Self-loops are dropped, parallel edges keep the fastest (under the default speed table), and
    only strongly connected components that matter are kept: the largest one, plus any other
    with at least ``min_component_nodes`` nodes lying at least ``island_gap_m`` from every node
    of the largest (a real island with its own roads, e.g. 隠岐 — not a road fragment tangled in
    the mainland that only a one-way error or a missing link cut off).  Everything else (one-way stubs, parking aisles, fragments cut by the extract boundary) is
    dropped and reported.  A kept island stays disconnected: nothing on it is ever reached from
    the mainland.
    """
    n = int(raw.lon.shape[0])
    report: dict[str, Any] = {}
    u, v, length, cls, ms = _simple_edges(raw, report)
    # strongly connected components
    g = sp.csr_matrix((np.ones(len(u), dtype=np.int8), (u, v)), shape=(n, n))
    n_comp, labels = connected_components(g, directed=True, connection="strong")
    sizes = np.bincount(labels, minlength=n_comp)
    # nodes used by no edge form singleton components; ignore them in the report
    used = np.zeros(n, dtype=bool)
    used[u] = True
    used[v] = True
    largest = int(np.argmax(sizes))
    keep_comp = sizes >= min_component_nodes
    keep_comp[largest] = True
    tangled = _drop_tangled(raw, labels, largest, keep_comp, used, island_gap_m)
    keep_node = keep_comp[labels] & used
    comp_used = np.unique(labels[used])
    dropped = [int(c) for c in comp_used if not keep_comp[c]]
    report.update(
        components=len(comp_used),
        kept_components=int(keep_comp[comp_used].sum()),
        kept_component_sizes=sorted((int(s) for s in sizes[keep_comp]), reverse=True)[:20],
        dropped_components=len(dropped),
        dropped_nodes=int((used & ~keep_node).sum()),
        dropped_component_largest=int(max((sizes[c] for c in dropped), default=0)),
        dropped_large_not_island=tangled,
    )
    new_index = np.full(n, -1, dtype=np.int64)
    new_index[keep_node] = np.arange(int(keep_node.sum()))
    ke = keep_node[u] & keep_node[v]
    u2, v2 = new_index[u[ke]], new_index[v[ke]]
    report["dropped_edges"] = int((~ke).sum())
    nn = int(keep_node.sum())
    order = np.lexsort((v2, u2))
    u2, v2 = u2[order], v2[order]
    indptr = np.zeros(nn + 1, dtype=np.int64)
    np.cumsum(np.bincount(u2, minlength=nn), out=indptr[1:])
    lon, lat = raw.lon[keep_node], raw.lat[keep_node]
    crs = metric_crs(float(np.median(lon))) if nn else "EPSG:6690"
    x, y = to_metric(crs, lon, lat)
    cls_k = cls[ke][order]
    net = RoadNetwork(
        lon=lon.astype(np.float64),
        lat=lat.astype(np.float64),
        x=x,
        y=y,
        crs=crs,
        indptr=indptr,
        indices=v2.astype(np.int32),
        length_m=length[ke][order].astype(np.float32),
        road_class=cls_k.astype(np.uint8),
        maxspeed=ms[ke][order].astype(np.float32),
        node_ids=raw.node_ids[keep_node].astype(np.int64),
    )
    counts = np.bincount(cls_k, minlength=len(ROAD_CLASSES))
    report["edges_by_class"] = {ROAD_CLASSES[i]: int(c) for i, c in enumerate(counts) if c}
    report["length_km"] = round(float(net.length_m.sum()) / 1000.0, 1)
    report["nodes"] = net.n_nodes
    report["edges"] = net.n_edges
    if nn:
        report["bbox"] = [
            round(float(lon.min()), 5),
            round(float(lat.min()), 5),
            round(float(lon.max()), 5),
            round(float(lat.max()), 5),
        ]
    net.summary = dict(report)
    return net, report
