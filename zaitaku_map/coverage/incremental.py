"""Interactive what-if on one category: add, move or remove a facility without a full recompute.

Network mode (:class:`WhatIf`).  *Add*: one bounded Dijkstra from the new facility (limit = the
largest band) and a min-merge into the node field; the search runs on the road CSR plus one spare
virtual row kept from edit to edit (its one edge is rewritten in place), so an add costs the
search only, not a copy of the network.  *Remove*: only the nodes whose nearest facility was the
removed one can change; they are re-solved on their own subgraph, seeded from the unaffected nodes
around them (a node's time stays exact when its own nearest facility still exists).  *Move* =
remove + add.  Every update is exact: the path sums are formed in the same order as in the full
multi-source run, so the times equal those of a full run on the edited facility set.

Straight-line mode (:class:`StraightWhatIf`) recomputes the nearest distance with the engine's own
KD-tree after each edit — instant by construction and identical to a full recompute.

:func:`what_if` picks the one the parameters resolve to; both follow :class:`CoverageEditor`.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from zaitaku_map.coverage.engine import (
    augmented,
    category_coverage,
    demand_snap,
    memo,
    network_field,
    resolve_network,
    weights,
    with_project_speeds,
)
from zaitaku_map.coverage.inputs import Demand, load_demand, load_facilities
from zaitaku_map.coverage.params import CoverageParams
from zaitaku_map.errors import AnalysisError
from zaitaku_map.geo import in_japan
from zaitaku_map.network.graph import RoadNetwork
from zaitaku_map.network.snap import Snap, snap_points
from zaitaku_map.store import Project


class CoverageEditor(Protocol):
    """What the live scenario engine needs from a what-if of one category."""

    mode: str
    params: CoverageParams

    def has(self, facility_id: int) -> bool: ...

    def can_place(self, lon: float, lat: float) -> bool: ...

    def active_ids(self) -> set[int]: ...

    def add(self, lon: float, lat: float, *, facility_id: int, strict: bool = True) -> bool: ...

    def remove(self, facility_id: int) -> None: ...

    def move(self, facility_id: int, lon: float, lat: float, *, strict: bool = True) -> bool: ...

    def demand_times(self) -> np.ndarray: ...


def _placeable(lon: float, lat: float) -> bool:
    return bool(np.isfinite(lon) and np.isfinite(lat) and in_japan(lon, lat))


class WhatIf:
    """Coverage of one category that can be edited facility by facility (network mode).

    Parameters
    ----------
    net, w:
        The road network and its travel-minute CSR.
    fac_ids, fac_nodes, fac_legs:
        Snapped facilities (id, node index, access-leg minutes).
    limit:
        Search limit in minutes (the largest band).
    """

    mode = "network"

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
        self._aug: sp.csr_matrix | None = None
        self.demand: Demand | None = None
        self.dsnap: Snap | None = None

    # -- construction ------------------------------------------------------------------------------
    @classmethod
    def from_facilities(
        cls, net: RoadNetwork, demand: Demand, fac: pd.DataFrame, params: CoverageParams
    ) -> WhatIf:
        """A what-if over the facilities ``fac`` (``id, lon, lat``), snapped as the engine snaps them.

        Facilities the engine would leave out (no valid coordinate, off the road network) are left
        out here too, so the starting field equals :func:`~zaitaku_map.coverage.engine.category_coverage`.
        """
        lon = fac["lon"].to_numpy(dtype=np.float64)
        lat = fac["lat"].to_numpy(dtype=np.float64)
        good = np.array([_placeable(x, y) for x, y in zip(lon, lat, strict=True)], dtype=bool)
        s = snap_points(net, lon, lat, max_snap_m=params.max_snap_m, access_speed_kmh=params.access_speed_kmh)
        ok = s.on_network & good
        obj = cls(
            net,
            weights(net, params),
            fac["id"].to_numpy(dtype=np.int64)[ok].tolist(),
            s.node[ok].tolist(),
            s.leg_min[ok].tolist(),
            limit=params.max_minutes,
            params=params,
        )
        obj.demand = demand
        obj.dsnap = demand_snap(net, demand, params)
        return obj

    @classmethod
    def from_project(cls, project: Project, params: CoverageParams | None, category: str) -> WhatIf:
        params = with_project_speeds(project, params or CoverageParams())
        _mode, net = resolve_network(project, params)
        if net is None:
            raise AnalysisError("what-if needs a road network (straight-line mode recomputes instantly)")
        return cls.from_facilities(net, load_demand(project), load_facilities(project, category), params)

    # -- edits ---------------------------------------------------------------------------------------
    def _snap(self, lon: float, lat: float) -> tuple[int, float] | None:
        if not _placeable(lon, lat):
            return None
        s = snap_points(
            self.net,
            [lon],
            [lat],
            max_snap_m=self.params.max_snap_m,
            access_speed_kmh=self.params.access_speed_kmh,
        )
        if not s.on_network[0]:
            return None
        return int(s.node[0]), float(s.leg_min[0])

    def _snap_or_raise(self, lon: float, lat: float) -> tuple[int, float]:
        got = self._snap(lon, lat)
        if got is None:
            raise AnalysisError(
                "the new position is off the road network",
                value=(lon, lat),
                hint=f"道路から {self.params.max_snap_m:g}m 以内の位置を指定してください。",
            )
        return got

    def can_place(self, lon: float, lat: float) -> bool:
        """True when a facility at lon/lat would be on the network (within the snapping distance)."""
        return self._snap(lon, lat) is not None

    def has(self, facility_id: int) -> bool:
        return any(act and i == facility_id for i, act in zip(self.ids, self.active, strict=True))

    def active_ids(self) -> set[int]:
        return {i for i, act in zip(self.ids, self.active, strict=True) if act}

    def _one_source(self, node: int, leg: float) -> np.ndarray:
        """Minutes from one facility (access leg first, as in the multi-source run) to every node."""
        n = self.net.n_nodes
        if self._aug is None:
            self._aug = augmented(self.w, np.array([node]), np.array([leg]))
        else:  # the spare virtual row has exactly one edge: point it at the new facility
            self._aug.indices[-1] = node
            self._aug.data[-1] = max(float(leg), 1e-9)
        d: np.ndarray = dijkstra(self._aug, directed=True, indices=n, limit=self.limit)[:n]
        return d

    def add_node(self, node: int, leg: float, facility_id: int) -> int:
        """Add a facility at a network node; returns its index."""
        k = len(self.ids)
        self.ids.append(int(facility_id))
        self.nodes.append(int(node))
        self.legs.append(float(leg))
        self.active.append(True)
        d = self._one_source(node, leg)
        better = d < self.time
        self.time[better] = d[better]
        self.source[better] = k
        return k

    def add(self, lon: float, lat: float, *, facility_id: int = -1, strict: bool = True) -> bool:
        """Add a facility at lon/lat (snapped like any facility).

        Returns False (and changes nothing) when the point is off the network and ``strict`` is
        False; raises :class:`AnalysisError` then when ``strict``.
        """
        got = self._snap_or_raise(lon, lat) if strict else self._snap(lon, lat)
        if got is None:
            return False
        self.add_node(got[0], got[1], facility_id)
        return True

    def _transpose(self) -> sp.csr_matrix:
        if self._wt is None:
            key = ("wt", self.net.content_hash, id(self.w))
            self._wt = memo(key, lambda: self.w.T.tocsr())
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
        inside = [
            j for j, (node, act) in enumerate(zip(self.nodes, self.active, strict=True)) if act and in_a[node]
        ]
        if inside:
            seed_node = np.append(seed_node, [self.nodes[j] for j in inside])
            seed_val = np.append(seed_val, [self.legs[j] for j in inside])
            seed_src = np.append(seed_src, inside)
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

    def move(self, facility_id: int, lon: float, lat: float, *, strict: bool = True) -> bool:
        """Move a facility: remove it and add it at the new position.

        Off the network: raises when ``strict`` (nothing changed), else the facility is removed
        and False returned (the engine leaves such a facility out too).
        """
        got = self._snap_or_raise(lon, lat) if strict else self._snap(lon, lat)
        self.remove(facility_id)
        if got is None:
            return False
        self.add_node(got[0], got[1], facility_id)
        return True

    # -- results -------------------------------------------------------------------------------------
    def demand_times(self) -> np.ndarray:
        """Minutes per demand point (``fid`` order) under the edited facility set."""
        if self.demand is None or self.dsnap is None:
            raise AnalysisError("no demand points attached (use WhatIf.from_project)")
        on = self.dsnap.on_network
        t = np.full(len(self.demand.df), np.inf)
        t[on] = self.time[self.dsnap.node[on]] + self.dsnap.leg_min[on]
        t[~np.isfinite(t)] = np.inf
        return t

    def covered_pop(self, minutes: float | None = None, column: str = "pop_total") -> float:
        if self.demand is None:
            raise AnalysisError("no demand points attached (use WhatIf.from_project)")
        m = self.params.minutes if minutes is None else minutes
        return float(self.demand.pop(column)[self.demand_times() <= m].sum())


class StraightWhatIf:
    """The straight-line model under edits: nearest distance recomputed by the engine on each edit."""

    mode = "straight"

    def __init__(self, demand: Demand, fac: pd.DataFrame, params: CoverageParams) -> None:
        self.demand = demand
        self.params = params
        self.fac: dict[int, tuple[float, float]] = {
            int(i): (float(x), float(y))
            for i, x, y in zip(fac["id"], fac["lon"], fac["lat"], strict=True)
            if _placeable(float(x), float(y))
        }
        self._times = self._compute()

    def _compute(self) -> np.ndarray:
        ids = list(self.fac)
        frame = pd.DataFrame(
            {
                "id": np.asarray(ids, dtype=np.int64),
                "name": "",
                "lon": [self.fac[i][0] for i in ids],
                "lat": [self.fac[i][1] for i in ids],
            }
        )
        times: np.ndarray = category_coverage(None, self.demand, frame, self.params, "").times
        return times

    def has(self, facility_id: int) -> bool:
        return int(facility_id) in self.fac

    def active_ids(self) -> set[int]:
        return set(self.fac)

    def can_place(self, lon: float, lat: float) -> bool:
        return _placeable(lon, lat)

    def add(self, lon: float, lat: float, *, facility_id: int, strict: bool = True) -> bool:
        if not _placeable(lon, lat):
            if strict:
                raise AnalysisError("the position is not a valid point in Japan", value=(lon, lat))
            return False
        self.fac[int(facility_id)] = (float(lon), float(lat))
        self._times = self._compute()
        return True

    def remove(self, facility_id: int) -> None:
        if self.fac.pop(int(facility_id), None) is None:
            raise AnalysisError("facility is not part of this what-if", value=facility_id)
        self._times = self._compute()

    def move(self, facility_id: int, lon: float, lat: float, *, strict: bool = True) -> bool:
        if strict and not _placeable(lon, lat):
            raise AnalysisError("the position is not a valid point in Japan", value=(lon, lat))
        self.fac.pop(int(facility_id), None)
        return self.add(lon, lat, facility_id=facility_id, strict=False)

    def demand_times(self) -> np.ndarray:
        return self._times.copy()


def what_if(
    net: RoadNetwork | None, demand: Demand, fac: pd.DataFrame, params: CoverageParams
) -> WhatIf | StraightWhatIf:
    """The editor for one category: on the road network when ``net`` is given, else straight-line."""
    if net is None:
        return StraightWhatIf(demand, fac, params)
    return WhatIf.from_facilities(net, demand, fac, params)
