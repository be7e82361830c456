"""Snap points to the road network (KD-tree in metric coordinates) with an access leg.

A point is joined to its nearest network node only if that node is within ``max_snap_m``; the
straight access leg (driveway, unmapped lane) costs ``distance / access_speed``.  Points with no
node in reach are flagged *off network* (never silently joined across a bay to another shore).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from zaitaku_map.network.graph import RoadNetwork

DEFAULT_MAX_SNAP_M = 1500.0
DEFAULT_ACCESS_SPEED_KMH = 15.0


@dataclass
class Snap:
    """Snapping result for an array of points (same order as the input)."""

    node: np.ndarray  # int64 node index, -1 when off network
    dist_m: np.ndarray  # float64 distance to the node (inf when the tree is empty)
    leg_min: np.ndarray  # float64 access-leg minutes (inf when off network)

    @property
    def on_network(self) -> np.ndarray:
        return self.node >= 0

    @property
    def n_off(self) -> int:
        return int((self.node < 0).sum())


def snap_points(
    network: RoadNetwork,
    lon: Any,
    lat: Any,
    *,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    access_speed_kmh: float = DEFAULT_ACCESS_SPEED_KMH,
) -> Snap:
    """Snap lon/lat points to the nearest node within ``max_snap_m`` metres."""
    lon = np.asarray(lon, dtype=np.float64).reshape(-1)
    lat = np.asarray(lat, dtype=np.float64).reshape(-1)
    n = lon.shape[0]
    if n == 0 or network.n_nodes == 0:
        return Snap(np.full(n, -1, dtype=np.int64), np.full(n, np.inf), np.full(n, np.inf))
    finite = np.isfinite(lon) & np.isfinite(lat)
    node = np.full(n, -1, dtype=np.int64)
    dist = np.full(n, np.inf)
    if finite.any():
        x, y = network.project(lon[finite], lat[finite])
        d, nd = network.nearest_nodes(x, y, max_dist=max_snap_m)
        node[finite] = nd
        dist[finite] = d
    leg = np.where(node >= 0, dist / (access_speed_kmh * 1000.0 / 60.0), np.inf)
    return Snap(node, dist, leg)
