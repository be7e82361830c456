"""Read a road network saved by osmnx (``ox.save_graphml``) through networkx.

osmnx writes a MultiDiGraph whose nodes carry ``x``/``y`` (lon/lat) and whose edges carry
``highway`` (a class or a list of classes written as text), ``length`` (m), ``maxspeed`` and
``oneway``; two-way streets are already stored as two directed edges.  An undirected GraphML
gets both directions.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import numpy as np

from zaitaku_map.errors import NetworkDataError
from zaitaku_map.geo import haversine_m
from zaitaku_map.network.osm import RawEdges
from zaitaku_map.network.speeds import CLASS_CODE, ROAD_CLASSES, parse_maxspeed
from zaitaku_map.progress import Progress


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    text = str(value).strip()
    if text.startswith("["):
        try:
            parsed = ast.literal_eval(text)
            if isinstance(parsed, list | tuple):
                return [str(v) for v in parsed]
        except (ValueError, SyntaxError):
            pass
    return [text]


def _best_class(value: Any) -> str | None:
    classes = [c for c in _as_list(value) if c in CLASS_CODE]
    if not classes:
        return None
    return min(classes, key=lambda c: ROAD_CLASSES.index(c))


def read_graphml(path: str | Path, *, progress: Any = None, cancel: Any = None) -> RawEdges:
    """Read a GraphML road graph into :class:`~zaitaku_map.network.osm.RawEdges`."""
    import networkx as nx

    prog = Progress.of(progress, cancel)
    p = Path(path)
    if not p.is_file():
        raise NetworkDataError("road network file not found", file=p)
    prog.update(0.05, "GraphML を読込中", force=True)
    try:
        g = nx.read_graphml(str(p))
    except Exception as exc:  # networkx raises many parser errors
        raise NetworkDataError(f"cannot read GraphML: {exc}", file=p, expected="osmnx save_graphml") from None
    prog.update(0.5, "道路網を構築中")
    index: dict[Any, int] = {}
    node_ids: list[int] = []
    lons: list[float] = []
    lats: list[float] = []
    bad_nodes = 0
    for k, (n, data) in enumerate(g.nodes(data=True)):
        try:
            x = float(data.get("x", data.get("lon")))
            y = float(data.get("y", data.get("lat")))
        except (TypeError, ValueError):
            bad_nodes += 1
            continue
        index[n] = len(node_ids)
        try:
            node_ids.append(int(data.get("osmid", n)))
        except (TypeError, ValueError):
            node_ids.append(k)
        lons.append(x)
        lats.append(y)
    if not node_ids:
        raise NetworkDataError("GraphML nodes have no x/y (lon/lat) attributes", file=p)
    u: list[int] = []
    v: list[int] = []
    length: list[float] = []
    cls: list[int] = []
    ms: list[float] = []
    stats: dict[str, Any] = {
        "edges_read": 0,
        "edges_not_drivable": 0,
        "nodes_without_xy": bad_nodes,
        "maxspeed_tagged": 0,
        "maxspeed_parsed": 0,
        "by_class": {},
    }
    directed = g.is_directed()
    for a, b, data in g.edges(data=True):
        stats["edges_read"] += 1
        hw = _best_class(data.get("highway"))
        if hw is None or a not in index or b not in index or a == b:
            stats["edges_not_drivable"] += 1
            continue
        ia, ib = index[a], index[b]
        try:
            ln = float(data["length"])
        except (KeyError, TypeError, ValueError):
            ln = float(haversine_m(lons[ia], lats[ia], lons[ib], lats[ib]))  # type: ignore[no-untyped-call]
        speeds = [s for s in (parse_maxspeed(t) for t in _as_list(data.get("maxspeed"))) if s is not None]
        if data.get("maxspeed") is not None:
            stats["maxspeed_tagged"] += 1
            stats["maxspeed_parsed"] += bool(speeds)
        m = min(speeds) if speeds else 0.0
        pairs = [(ia, ib)] if directed else [(ia, ib), (ib, ia)]
        for s, t in pairs:
            u.append(s)
            v.append(t)
            length.append(ln)
            cls.append(CLASS_CODE[hw])
            ms.append(m)
        stats["by_class"][hw] = stats["by_class"].get(hw, 0) + 1
    if not u:
        raise NetworkDataError("no drivable edge (highway=motorway…service) in the GraphML", file=p)
    prog.update(1.0, "", force=True)
    return RawEdges(
        node_ids=np.asarray(node_ids, dtype=np.int64),
        lon=np.asarray(lons),
        lat=np.asarray(lats),
        u=np.asarray(u, dtype=np.int64),
        v=np.asarray(v, dtype=np.int64),
        length_m=np.asarray(length, dtype=np.float32),
        road_class=np.asarray(cls, dtype=np.uint8),
        maxspeed=np.asarray(ms, dtype=np.float32),
        stats=stats,
    )
