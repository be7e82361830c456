"""Read a road network saved by osmnx (``ox.save_graphml``) through networkx.

osmnx writes a MultiDiGraph whose nodes carry ``x``/``y`` (lon/lat) and whose edges carry
``highway`` (a class or a list of classes written as text), ``length`` (m), ``maxspeed`` and
``oneway``; two-way streets are already stored as two directed edges.  An undirected GraphML
gets both directions.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from zaitaku_map.errors import NetworkDataError
from zaitaku_map.geo import in_japan
from zaitaku_map.network.graph import checked_lengths
from zaitaku_map.network.osm import RawEdges
from zaitaku_map.network.speeds import CLASS_CODE, ROAD_CLASSES, parse_maxspeed
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback


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


@dataclass
class _Nodes:
    """Nodes with usable lon/lat: their index in the arrays, ids and coordinates."""

    index: dict[Any, int] = field(default_factory=dict)
    ids: list[int] = field(default_factory=list)
    lon: list[float] = field(default_factory=list)
    lat: list[float] = field(default_factory=list)
    without_xy: int = 0  # missing, not numbers, NaN or infinite
    outside: int = 0  # finite but not lon/lat in Japan


def _nodes(g: Any, p: Path) -> _Nodes:
    """The nodes with finite lon/lat in Japan (the others are counted and left out with their edges).

    Raises
    ------
    NetworkDataError
        No node is usable, or most lie outside Japan (a projected graph in metres).
    """
    nodes = _Nodes()
    for k, (n, data) in enumerate(g.nodes(data=True)):
        try:
            x = float(data.get("x", data.get("lon")))
            y = float(data.get("y", data.get("lat")))
        except (TypeError, ValueError):
            nodes.without_xy += 1
            continue
        if not (math.isfinite(x) and math.isfinite(y)):
            nodes.without_xy += 1
            continue
        if not in_japan(x, y):
            nodes.outside += 1
            continue
        nodes.index[n] = len(nodes.ids)
        try:
            nodes.ids.append(int(data.get("osmid", n)))
        except (TypeError, ValueError):
            nodes.ids.append(k)
        nodes.lon.append(x)
        nodes.lat.append(y)
    if nodes.outside > len(nodes.ids):
        raise NetworkDataError(
            "GraphML node coordinates are not longitude/latitude within Japan",
            file=p,
            value=f"{nodes.outside} / {nodes.outside + len(nodes.ids)} ノード",
            hint="osmnx で投影する前のグラフ（x=経度, y=緯度）を保存してください。道路網は変更していません。",
        )
    if not nodes.ids:
        raise NetworkDataError(
            "GraphML nodes have no finite x/y (lon/lat) attributes",
            file=p,
            value=f"{nodes.without_xy} ノード" if nodes.without_xy else None,
            hint="ファイルが壊れているか、座標のないグラフです。道路網は変更していません。",
        )
    return nodes


@dataclass
class _Edges:
    u: list[int] = field(default_factory=list)
    v: list[int] = field(default_factory=list)
    length: list[float] = field(default_factory=list)
    cls: list[int] = field(default_factory=list)
    maxspeed: list[float] = field(default_factory=list)


def _edges(g: Any, nodes: _Nodes, stats: dict[str, Any]) -> _Edges:
    """Drivable edges between usable nodes (both directions for an undirected graph)."""
    out = _Edges()
    directed = g.is_directed()
    for a, b, data in g.edges(data=True):
        stats["edges_read"] += 1
        hw = _best_class(data.get("highway"))
        if hw is None or a not in nodes.index or b not in nodes.index or a == b:
            stats["edges_not_drivable"] += 1
            continue
        ia, ib = nodes.index[a], nodes.index[b]
        try:
            ln = float(data["length"])
        except (KeyError, TypeError, ValueError):
            ln = math.nan  # recomputed from the coordinates (checked_lengths)
        speeds = [s for s in (parse_maxspeed(t) for t in _as_list(data.get("maxspeed"))) if s is not None]
        if data.get("maxspeed") is not None:
            stats["maxspeed_tagged"] += 1
            stats["maxspeed_parsed"] += bool(speeds)
        for s, t in [(ia, ib)] if directed else [(ia, ib), (ib, ia)]:
            out.u.append(s)
            out.v.append(t)
            out.length.append(ln)
            out.cls.append(CLASS_CODE[hw])
            out.maxspeed.append(min(speeds) if speeds else 0.0)
        stats["by_class"][hw] = stats["by_class"].get(hw, 0) + 1
    return out


def read_graphml(
    path: str | Path,
    *,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> RawEdges:
    """Read a GraphML road graph into :class:`~zaitaku_map.network.osm.RawEdges`.

    Nodes without finite lon/lat in Japan are left out (counted in ``stats``); a graph whose nodes
    mostly lie elsewhere (projected metres) is refused; edge lengths that are missing, not finite,
    negative or absurd are replaced by the distance between the nodes (``lengths_recomputed``).
    """
    import networkx as nx

    prog = Progress.of(progress, cancel)
    p = Path(path)
    if not p.is_file():
        raise NetworkDataError("road network file not found", file=p)
    prog.update(0.05, "GraphML を読込中", force=True)
    try:
        g = nx.read_graphml(str(p))
    except Exception as exc:  # noqa: BLE001 - networkx raises parser errors of many unrelated types
        raise NetworkDataError(f"cannot read GraphML: {exc}", file=p, expected="osmnx save_graphml") from None
    prog.update(0.5, "道路網を構築中")
    nodes = _nodes(g, p)
    stats: dict[str, Any] = {
        "edges_read": 0,
        "edges_not_drivable": 0,
        "nodes_without_xy": nodes.without_xy,
        "nodes_outside_japan": nodes.outside,
        "maxspeed_tagged": 0,
        "maxspeed_parsed": 0,
        "by_class": {},
    }
    e = _edges(g, nodes, stats)
    if not e.u:
        raise NetworkDataError("no drivable edge (highway=motorway…service) in the GraphML", file=p)
    prog.update(1.0, "", force=True)
    lon, lat = np.asarray(nodes.lon), np.asarray(nodes.lat)
    u, v = np.asarray(e.u, dtype=np.int64), np.asarray(e.v, dtype=np.int64)
    lengths, stats["lengths_recomputed"] = checked_lengths(np.asarray(e.length), lon, lat, u, v)
    return RawEdges(
        node_ids=np.asarray(nodes.ids, dtype=np.int64),
        lon=lon,
        lat=lat,
        u=u,
        v=v,
        length_m=lengths,
        road_class=np.asarray(e.cls, dtype=np.uint8),
        maxspeed=np.asarray(e.maxspeed, dtype=np.float32),
        stats=stats,
    )
