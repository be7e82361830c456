"""Per-facility service areas: who serves whom.

One bounded Dijkstra per facility (limit = ``minutes``) gives the demand points each facility
reaches; the multi-source run gives each point's nearest facility (its basin).  Per facility:
population reached, population for which it is the nearest (basin), and population that no other
facility of the category reaches within the threshold (exclusive — losing it leaves a gap).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import dijkstra

from zaitaku_map.coverage.engine import (
    augmented,
    category_coverage,
    demand_snap,
    resolve_network,
    weights,
    with_project_speeds,
)
from zaitaku_map.coverage.facilities import FacilitySet
from zaitaku_map.coverage.inputs import Demand, load_demand, load_facilities
from zaitaku_map.coverage.params import CoverageParams
from zaitaku_map.geo import metric_crs
from zaitaku_map.network.graph import RoadNetwork, to_metric
from zaitaku_map.network.snap import snap_points
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback
from zaitaku_map.store import Project

if TYPE_CHECKING:
    from zaitaku_map.coverage.api import Isochrone


# the demand points one facility reaches within the threshold (by facility index)
HitsOf = Callable[[int], np.ndarray]


def _network_hits(
    net: RoadNetwork, params: CoverageParams, demand: Demand, fac: pd.DataFrame, minutes: float
) -> tuple[np.ndarray, HitsOf]:
    """Which facilities are on the road network, and each one's bounded Dijkstra to the demand points."""
    w = weights(net, params)
    fs = snap_points(
        net, fac["lon"], fac["lat"], max_snap_m=params.max_snap_m, access_speed_kmh=params.access_speed_kmh
    )
    ds = demand_snap(net, demand, params)
    on = ds.on_network
    n = net.n_nodes

    def hits(i: int) -> np.ndarray:
        a = augmented(w, fs.node[i : i + 1], fs.leg_min[i : i + 1])
        d = dijkstra(a, directed=True, indices=n, limit=minutes)[:n]
        t = np.full(len(demand.df), np.inf)
        t[on] = d[ds.node[on]] + ds.leg_min[on]
        return np.asarray(t <= minutes)

    return np.asarray(fs.on_network, dtype=bool), hits


def _straight_hits(
    params: CoverageParams, demand: Demand, fac: pd.DataFrame, minutes: float
) -> tuple[np.ndarray, HitsOf]:
    """Every facility placed, each reaching the demand points within the straight-line radius."""
    crs = metric_crs(float(np.nanmedian(demand.lon)) if len(demand.df) else 135.0)
    dx, dy = to_metric(crs, demand.lon, demand.lat)
    fx, fy = to_metric(crs, fac["lon"], fac["lat"])
    radius = minutes * params.straight_speed_kmh * 1000.0 / 60.0 / params.detour_factor

    def hits(i: int) -> np.ndarray:
        return np.asarray(np.hypot(dx - fx[i], dy - fy[i]) <= radius)

    return np.ones(len(fac), dtype=bool), hits


def service_areas(
    project: Project,
    params: CoverageParams | None,
    category: str,
    *,
    minutes: float | None = None,
    facilities: FacilitySet | None = None,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> pd.DataFrame:
    """One row per facility: ``facility_id, name, muni_code, reach_points, reach_pop, reach_pop_65,
    basin_pop, exclusive_pop, snapped`` (within ``minutes``, default ``params.minutes``)."""
    prog = Progress.of(progress, cancel)
    params = with_project_speeds(project, params or CoverageParams())
    m = float(minutes if minutes is not None else params.minutes)
    _mode, net = resolve_network(project, params)
    demand = load_demand(project)
    fac = load_facilities(project, category, facilities)
    pop = demand.pop()
    pop65 = demand.pop("pop_65")
    k = len(fac)
    reach_pts = np.zeros(k, dtype=np.int64)
    reach_pop = np.zeros(k)
    reach_65 = np.zeros(k)
    count = np.zeros(len(demand.df), dtype=np.int32)  # how many facilities reach each point
    snapped, hits_of = (
        _network_hits(net, params, demand, fac, m)
        if net is not None
        else _straight_hits(params, demand, fac, m)
    )
    for i in prog.iterate(range(k), message="施設ごとの到達圏"):
        if not snapped[i]:
            continue
        hit = hits_of(i)
        reach_pts[i] = int(hit.sum())
        reach_pop[i] = pop[hit].sum()
        reach_65[i] = pop65[hit].sum()
        count += hit
    cc = category_coverage(net, demand, fac, params, category)
    within = cc.times <= m
    ids = fac["id"].to_numpy(dtype=np.int64)
    basin = pd.Series(pop[within]).groupby(cc.nearest[within]).sum()
    excl = pd.Series(pop[within & (count == 1)]).groupby(cc.nearest[within & (count == 1)]).sum()
    return pd.DataFrame(
        {
            "facility_id": ids,
            "name": fac["name"].to_numpy(),
            "muni_code": fac["muni_code"].to_numpy(),
            "snapped": snapped,
            "reach_points": reach_pts,
            "reach_pop": np.round(reach_pop, 1),
            "reach_pop_65": np.round(reach_65, 1),
            "basin_pop": np.round([float(basin.get(i, 0.0)) for i in ids], 1),
            "exclusive_pop": np.round([float(excl.get(i, 0.0)) for i in ids], 1),
        }
    )


def facility_service_area(
    project: Project, facility_id: int, *, minutes: float | None = None, params: CoverageParams | None = None
) -> Isochrone:
    """Display polygon (GeoJSON) and reach of one facility's own service area (bounded search)."""
    from zaitaku_map.coverage.api import isochrone
    from zaitaku_map.errors import AnalysisError

    row = project.conn.execute(
        "SELECT name, lon, lat FROM facilities WHERE id=?", (int(facility_id),)
    ).fetchone()
    if row is None or row[1] is None or row[2] is None:
        raise AnalysisError("facility has no position", value=facility_id)
    params = params or CoverageParams()
    out = isochrone(
        project,
        float(row[1]),
        float(row[2]),
        float(minutes if minutes is not None else params.minutes),
        params=params,
    )
    out["facility_id"] = int(facility_id)
    out["name"] = row[0]
    return out
