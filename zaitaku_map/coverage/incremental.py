"""Interactive what-if on one category: add, move or remove a facility without a full recompute.

*Add*: one bounded Dijkstra from the new facility (limit = the largest band) and a min-merge
into the node field.  *Remove*: only the nodes whose nearest facility was the removed one can
change; they are re-solved on their own subgraph, seeded from the unaffected nodes around them
(a node's time stays exact when its own nearest facility still exists).  *Move* = remove + add.
Every update is exact: it equals a full multi-source run on the new facility set.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from zaitaku_map.coverage.engine import (
    _demand_snap,
    _memo,
    augmented,
    network_field,
    resolve_network,
    weights,
    with_project_speeds,
)
from zaitaku_map.coverage.inputs import load_demand, load_facilities
from zaitaku_map.coverage.params import CoverageParams
from zaitaku_map.errors import AnalysisError
from zaitaku_map.network.graph import RoadNetwork
from zaitaku_map.network.snap import snap_points


class WhatIf:
    """Coverage of one category that can be edited facility by facility (network mode only).

    Parameters
    ----------
    net, w:
        The road network and its travel-minute CSR.
    fac_ids, fac_nodes, fac_legs:
        Snapped facilities (id, node index, access-leg minutes).
    limit:
        Search limit in minutes (the largest band).
    """

    def __init__(
        self,
        net: RoadNetwork,
        w: sp.csr_matrix,
        fac_ids: list[int],
        fac_nodes: list[int],
        fac_legs: list[float],
        *,
        limit: float,
        params: CoverageParams | None = None,
    ) -> None:
        self.net = net
        self.w = w
        self.limit = float(limit)
        self.params = params or CoverageParams()
        self.ids: list[int] = [int(i) for i in fac_ids]
        self.nodes: list[int] = [int(n) for n in fac_nodes]
        self.legs: list[float] = [float(x) for x in fac_legs]
        self.active: list[bool] = [True] * len(self.ids)
        nf = network_field(w, np.asarray(self.nodes, dtype=np.int64), np.asarray(self.legs), limit=self.limit)
        self.time = nf.time
        self.source = nf.source  # index into self.ids
        self._wt: sp.csr_matrix | None = None
        self.demand: Any = None  # set by from_project (demand points and their snapping)
        self.dsnap: Any = None

    # -- construction from a project -------------------------------------------------------------
    @classmethod
    def from_project(cls, project: Any, params: CoverageParams | None, category: str) -> WhatIf:
        params = with_project_speeds(project, params or CoverageParams())
        _mode, net = resolve_network(project, params)
        if net is None:
            raise AnalysisError("what-if needs a road network (straight-line mode recomputes instantly)")
        fac = load_facilities(project, category)
        s = snap_points(
            net,
            fac["lon"],
            fac["lat"],
            max_snap_m=params.max_snap_m,
            access_speed_kmh=params.access_speed_kmh,
        )
        ok = s.on_network
        obj = cls(
            net,
            weights(net, params),
            fac["id"].to_numpy()[ok].tolist(),
            s.node[ok].tolist(),
            s.leg_min[ok].tolist(),
            limit=params.max_minutes,
            params=params,
        )
        obj.demand = load_demand(project)
        obj.dsnap = _demand_snap(net, obj.demand, params)
        return obj

    # -- edits -----------------------------------------------------------------------------------
    def _snap(self, lon: float, lat: float) -> tuple[int, float]:
        s = snap_points(
            self.net,
            [lon],
            [lat],
            max_snap_m=self.params.max_snap_m,
            access_speed_kmh=self.params.access_speed_kmh,
        )
        if not s.on_network[0]:
            raise AnalysisError(
                "the new position is off the road network",
                value=(lon, lat),
                hint=f"道路から {self.params.max_snap_m:g}m 以内の位置を指定してください。",
            )
        return int(s.node[0]), float(s.leg_min[0])

    def add_node(self, node: int, leg: float, facility_id: int) -> int:
        """Add a facility at a network node; returns its index."""
        k = len(self.ids)
        self.ids.append(int(facility_id))
        self.nodes.append(int(node))
        self.legs.append(float(leg))
        self.active.append(True)
        n = self.net.n_nodes
        a = augmented(self.w, np.array([node]), np.array([leg]))
        d = dijkstra(a, directed=True, indices=n, limit=self.limit)[:n]
        better = d < self.time
        self.time[better] = d[better]
        self.source[better] = k
        return k

    def add(self, lon: float, lat: float, *, facility_id: int = -1) -> int:
        """Add a facility at lon/lat (snapped like any facility); returns its index."""
        node, leg = self._snap(lon, lat)
        return self.add_node(node, leg, facility_id)

    def _transpose(self) -> sp.csr_matrix:
        if self._wt is None:
            key = ("wt", self.net.content_hash, id(self.w))
            self._wt = _memo(key, lambda: self.w.T.tocsr())
        return self._wt

    def remove_index(self, k: int) -> None:
        """Remove facility index ``k`` and re-solve only the nodes it was nearest to."""
        if not self.active[k]:
            return
        self.active[k] = False
        affected = np.flatnonzero(self.source == k)
        if len(affected) == 0:
            return
        n = self.net.n_nodes
        in_a = np.zeros(n, dtype=bool)
        in_a[affected] = True
        self.time[affected] = np.inf
        self.source[affected] = -1
        # seeds: unaffected in-neighbours u → v (v affected) with a valid time
        wt = self._transpose()[affected]
        rows = np.repeat(affected, np.diff(wt.indptr))
        u = wt.indices
        val = self.time[u] + wt.data
        ok = ~in_a[u] & np.isfinite(val) & (val <= self.limit)
        seed_node = rows[ok]
        seed_val = val[ok]
        seed_src = self.source[u[ok]]
        # remaining facilities located inside the affected set
        for j, (node, leg, act) in enumerate(zip(self.nodes, self.legs, self.active, strict=True)):
            if act and in_a[node]:
                seed_node = np.append(seed_node, node)
                seed_val = np.append(seed_val, leg)
                seed_src = np.append(seed_src, j)
        if len(seed_node) == 0:
            return
        local = np.full(n, -1, dtype=np.int64)
        local[affected] = np.arange(len(affected))
        sub = self.w[affected][:, affected].tocsr()
        a = augmented(sub, local[seed_node], seed_val)
        m = len(affected)
        dist, _p, src = dijkstra(
            a,
            directed=True,
            indices=np.arange(m, m + len(seed_node)),
            min_only=True,
            limit=self.limit,
            return_predecessors=True,
        )
        d = dist[:m]
        reached = np.isfinite(d)
        self.time[affected[reached]] = d[reached]
        self.source[affected[reached]] = seed_src[src[:m][reached] - m]

    def remove(self, facility_id: int) -> None:
        """Remove (every active index of) a facility id."""
        hits = [
            k
            for k, (i, act) in enumerate(zip(self.ids, self.active, strict=True))
            if act and i == facility_id
        ]
        if not hits:
            raise AnalysisError("facility is not part of this what-if", value=facility_id)
        for k in hits:
            self.remove_index(k)

    def move(self, facility_id: int, lon: float, lat: float) -> int:
        """Move a facility: remove it and add it at the new position; returns the new index."""
        node, leg = self._snap(lon, lat)  # validate before changing anything
        self.remove(facility_id)
        return self.add_node(node, leg, facility_id)

    # -- results ---------------------------------------------------------------------------------
    def demand_times(self) -> np.ndarray:
        """Minutes per demand point (``fid`` order) under the edited facility set."""
        if self.demand is None:
            raise AnalysisError("no demand points attached (use WhatIf.from_project)")
        on = self.dsnap.on_network
        t = np.full(len(self.demand.df), np.inf)
        t[on] = self.time[self.dsnap.node[on]] + self.dsnap.leg_min[on]
        return t

    def covered_pop(self, minutes: float | None = None, column: str = "pop_total") -> float:
        m = self.params.minutes if minutes is None else minutes
        return float(self.demand.pop(column)[self.demand_times() <= m].sum())
