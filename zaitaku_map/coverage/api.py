"""Public coverage functions built on the engine: summaries, gap layer, band polygons, isochrones."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Required, TypedDict

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from zaitaku_map.coverage.engine import (
    CoverageResult,
    category_coverage,
    compute_coverage,
    field_key,
    memo,
    network_field,
    resolve_network,
    weights,
    with_project_speeds,
)
from zaitaku_map.coverage.facilities import FacilitySet
from zaitaku_map.coverage.inputs import POP_COLUMNS, Demand, load_demand, load_facilities
from zaitaku_map.coverage.params import CoverageParams
from zaitaku_map.coverage.polygons import (
    as_multipolygon,
    band_geometries,
    grid_times,
    land_mask,
    mask_polygon,
    to_lonlat_geom,
)
from zaitaku_map.coverage.summary import CoverageSummary, summarize
from zaitaku_map.errors import AnalysisError
from zaitaku_map.geo import metric_crs
from zaitaku_map.labels import COVERAGE_TEXT
from zaitaku_map.network.graph import RoadNetwork, to_metric
from zaitaku_map.network.snap import Snap, snap_points
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback
from zaitaku_map.store import Project

CRS = "EPSG:4326"


def coverage_summary(
    project: Project,
    params: CoverageParams | None = None,
    *,
    categories: list[str] | tuple[str, ...] | None = None,
    layers: list[str] | None = None,
    groups: dict[str, str] | None = None,
    facilities: FacilitySet | None = None,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> CoverageSummary:
    """Population total / covered / uncovered / share per category, municipality and area layer.

    ``groups`` maps municipality codes to any group key (e.g. a 圏域 option's assignments, which
    the option domain passes) and adds ``by_group``; ``facilities`` as for :func:`compute_coverage`.
    """
    result = compute_coverage(
        project, params, categories=categories, facilities=facilities, progress=progress, cancel=cancel
    )
    out = summarize(result, project, layers=layers, groups=groups)
    out["from_cache"] = result.from_cache
    return out


def gap_points(
    project: Project,
    params: CoverageParams | None,
    category: str,
    *,
    facilities: FacilitySet | None = None,
    result: CoverageResult | None = None,
) -> gpd.GeoDataFrame:
    """Demand points beyond ``params.minutes`` of ``category`` with their population (the gap layer).

    ``facilities`` as for :func:`compute_coverage`; ``result``: their coverage when computed elsewhere
    (e.g. by the what-if engine).
    """
    params = params or CoverageParams()
    if result is None:
        result = compute_coverage(project, params, categories=[category], facilities=facilities)
    df = result.demand.df
    t = result.times(category)
    sel = ~(t <= params.minutes)
    out = df.loc[sel, ["fid", "muni_code", "lon", "lat", *POP_COLUMNS]].copy()
    mins = t[sel]
    out["minutes"] = np.where(np.isfinite(mins), np.round(mins, 1), np.nan)
    out["off_network"] = result.off_network[sel] if result.off_network is not None else False
    out["category"] = category
    geom = [Point(x, y) for x, y in zip(out["lon"], out["lat"], strict=True)]
    return gpd.GeoDataFrame(out.reset_index(drop=True), geometry=geom, crs=CRS)


def _extent_m(crs: str, lon: np.ndarray, lat: np.ndarray, pad_m: float) -> tuple[float, float, float, float]:
    x, y = to_metric(crs, lon, lat)
    return (
        float(np.nanmin(x)) - pad_m,
        float(np.nanmin(y)) - pad_m,
        float(np.nanmax(x)) + pad_m,
        float(np.nanmax(y)) + pad_m,
    )


@dataclass
class _GridField:
    """Travel minutes and the nearest facility id per cell of a metric grid (row i = y0 + i·cell)."""

    times: np.ndarray
    source: np.ndarray
    x0: float
    y0: float
    cell: float
    crs: str
    land: Any  # shapely geometry of the land, or None
    mode: str
    facilities: pd.DataFrame


def _grid_field(
    project: Project,
    params: CoverageParams,
    category: str,
    cell_m: float | None,
    facilities: FacilitySet | None = None,
) -> _GridField:
    """Travel time and nearest facility id on a metric grid over the study region (one field)."""
    mode, net = resolve_network(project, params)
    demand = load_demand(project)
    fac = load_facilities(project, category, facilities)
    land = land_mask(project)
    if land is not None:
        b = land.bounds
        lon_ext, lat_ext = np.array([b[0], b[2]]), np.array([b[1], b[3]])
    else:
        lon_ext = np.concatenate([demand.lon, fac["lon"].to_numpy(dtype=float)])
        lat_ext = np.concatenate([demand.lat, fac["lat"].to_numpy(dtype=float)])
    if not np.isfinite(lon_ext).any():
        raise AnalysisError("nothing to draw: no demand points, municipalities or facilities")
    src_holder: dict[str, np.ndarray] = {}
    if net is not None:
        key = field_key(net, fac, params, category)
        cc = memo(key, lambda: category_coverage(net, demand, fac, params, category, keep_field=True))
        nf = cc.node_field
        assert nf is not None  # memoised under the field key with keep_field=True
        ids = cc.facility_ids
        crs = net.crs

        def time_at(x: np.ndarray, y: np.ndarray) -> np.ndarray:
            d, idx = net.nearest_nodes(x, y, max_dist=params.max_snap_m)
            ok = idx >= 0
            t = np.full(len(x), np.inf)
            t[ok] = nf.time[idx[ok]] + d[ok] / (params.access_speed_kmh * 1000.0 / 60.0)
            s = np.full(len(x), -1, dtype=np.int64)
            s[ok] = nf.source[idx[ok]]
            src_holder["s"] = np.where(s >= 0, ids[np.maximum(s, 0)] if len(ids) else -1, -1)
            return t
    else:
        from scipy.spatial import cKDTree

        crs = metric_crs(float(np.nanmedian(lon_ext)))
        good = fac[np.isfinite(fac["lon"]) & np.isfinite(fac["lat"])]
        gids = good["id"].to_numpy(dtype=np.int64)
        tree = cKDTree(np.column_stack(to_metric(crs, good["lon"], good["lat"]))) if len(good) else None

        def time_at(x: np.ndarray, y: np.ndarray) -> np.ndarray:
            if tree is None:
                src_holder["s"] = np.full(len(x), -1, dtype=np.int64)
                return np.full(len(x), np.inf)
            d, i = tree.query(np.column_stack([x, y]), k=1, workers=-1)
            src_holder["s"] = gids[i]
            return np.asarray(d * params.detour_factor / (params.straight_speed_kmh * 1000.0 / 60.0))

    bounds = _extent_m(crs, lon_ext, lat_ext, 1000.0)
    times, x0, y0, cell = grid_times(bounds, time_at, cell=cell_m)
    return _GridField(
        times=times,
        source=src_holder["s"].reshape(times.shape),
        x0=x0,
        y0=y0,
        cell=cell,
        crs=crs,
        land=land,
        mode=mode,
        facilities=fac,
    )


def band_polygons(
    project: Project,
    params: CoverageParams | None,
    category: str,
    *,
    cell_m: float | None = None,
    facilities: FacilitySet | None = None,
    result: CoverageResult | None = None,
) -> gpd.GeoDataFrame:
    """Nested band polygons (``band_min``, ``label``, ``pop_within``, ``geometry``) of one category.

    Band *b* is the area within *b* minutes (cumulative, so 15 ⊂ 30 ⊂ 45).  ``pop_within`` is
    summed from the demand points, not from the polygon.  ``facilities`` as for
    :func:`compute_coverage`; ``result``: their coverage when computed elsewhere.
    """
    params = with_project_speeds(project, params or CoverageParams())
    g = _grid_field(project, params, category, cell_m, facilities)
    geoms = band_geometries(g.times, g.x0, g.y0, g.cell, params.bands, g.crs, clip=g.land)
    if result is None:
        result = compute_coverage(project, params, categories=[category], facilities=facilities)
    t = result.times(category)
    pop = result.demand.pop()
    rows = [
        {
            "band_min": b,
            "label": COVERAGE_TEXT["band"].format(minutes=b),
            "pop_within": round(float(pop[t <= b].sum()), 1),
            "category": category,
            "mode": g.mode,
            "cell_m": round(g.cell, 1),
        }
        for b in params.bands
    ]
    gdf = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs=CRS)
    gdf.attrs["description_ja"] = result.describe_ja()
    return gdf


def basin_polygons(
    project: Project,
    params: CoverageParams | None,
    category: str,
    *,
    minutes: float | None = None,
    cell_m: float | None = None,
    facilities: FacilitySet | None = None,
) -> gpd.GeoDataFrame:
    """Nearest-facility basins within ``minutes`` (default ``params.minutes``): who serves whom.

    Columns ``facility_id, name, basin_pop, basin_pop_65, geometry`` — the area (and, from the
    demand points, the population) for which each facility is the nearest one within the threshold.
    """
    import shapely

    params = with_project_speeds(project, params or CoverageParams())
    m = float(minutes if minutes is not None else params.minutes)
    g = _grid_field(project, params, category, cell_m, facilities)
    label = np.where(g.times <= m, g.source, -1)
    result = compute_coverage(project, params, categories=[category], facilities=facilities)
    cc = result.categories[category]
    within = cc.times <= m
    pop = pd.Series(result.demand.pop()[within]).groupby(cc.nearest[within]).sum()
    pop65 = pd.Series(result.demand.pop("pop_65")[within]).groupby(cc.nearest[within]).sum()
    fac = g.facilities.set_index("id")
    rows, geoms = [], []
    for fid in np.unique(label[label >= 0]):
        rr, cc_ = np.nonzero(label == fid)
        r0, r1, c0, c1 = rr.min(), rr.max() + 1, cc_.min(), cc_.max() + 1
        sub = label[r0:r1, c0:c1] == fid
        geom = to_lonlat_geom(mask_polygon(sub, g.x0 + c0 * g.cell, g.y0 + r0 * g.cell, g.cell), g.crs)
        if g.land is not None:
            geom = shapely.intersection(geom, g.land)
        rows.append(
            {
                "facility_id": int(fid),
                "name": fac["name"].get(int(fid), ""),
                "basin_pop": round(float(pop.get(int(fid), 0.0)), 1),
                "basin_pop_65": round(float(pop65.get(int(fid), 0.0)), 1),
            }
        )
        geoms.append(as_multipolygon(geom))
    gdf = gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=["facility_id", "name", "basin_pop", "basin_pop_65"]),
        geometry=geoms,
        crs=CRS,
    )
    gdf.attrs["description_ja"] = result.describe_ja()
    return gdf


class Isochrone(TypedDict, total=False):
    """What :func:`isochrone` reaches from one point (and :func:`facility_service_area` from a facility)."""

    lon: Required[float]
    lat: Required[float]
    minutes: Required[float]
    mode: Required[str]  # network | straight
    description_ja: Required[str]
    off_network: bool  # the origin is farther than max_snap_m from every road node
    note: str
    reached_nodes: int | None  # None in straight-line mode
    origin_snap_m: float
    reached_points: int
    reached_pop: float
    reached_fids: list[int]  # demand point ids (at most 10,000)
    polygon: dict[str, Any] | None  # GeoJSON geometry
    facility_id: int  # facility_service_area only
    name: str


def _isochrone_params(
    project: Project, params: CoverageParams | None, minutes: float, speed_kmh: float | None
) -> CoverageParams:
    """The coverage parameters of one isochrone: the project's speeds, one band at ``minutes``."""
    base = with_project_speeds(project, params or CoverageParams())
    return dataclasses.replace(
        base,
        minutes=float(minutes),
        bands=(float(minutes),),
        speed_kmh=speed_kmh if speed_kmh is not None else base.speed_kmh,
    )


def _network_reach(
    net: RoadNetwork, params: CoverageParams, origin: Snap, demand: Demand, minutes: float
) -> tuple[np.ndarray, BaseGeometry, int]:
    """Minutes to every demand point, the reached area (lon/lat) and the number of road nodes reached
    from an origin on the road network."""
    nf = network_field(weights(net, params), origin.node, origin.leg_min, limit=float(minutes))
    reached = np.isfinite(nf.time)
    ds = snap_points(
        net, demand.lon, demand.lat, max_snap_m=params.max_snap_m, access_speed_kmh=params.access_speed_kmh
    )
    t = np.full(len(demand.df), np.inf)
    on = ds.on_network
    t[on] = nf.time[ds.node[on]] + ds.leg_min[on]
    rx, ry = net.x[reached], net.y[reached]
    pad = params.max_snap_m + 500.0
    bounds = (float(rx.min()) - pad, float(ry.min()) - pad, float(rx.max()) + pad, float(ry.max()) + pad)

    def time_at(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        d, idx = net.nearest_nodes(x, y, max_dist=params.max_snap_m)
        ok = idx >= 0
        tt = np.full(len(x), np.inf)
        tt[ok] = nf.time[idx[ok]] + d[ok] / (params.access_speed_kmh * 1000.0 / 60.0)
        return tt

    times, x0, y0, cell = grid_times(bounds, time_at, cell=None if (bounds[2] - bounds[0]) > 20000 else 100.0)
    geom = to_lonlat_geom(mask_polygon(times <= minutes, x0, y0, cell), net.crs)
    return t, geom, int(reached.sum())


def _straight_reach(
    params: CoverageParams, lon: float, lat: float, demand: Demand, minutes: float
) -> tuple[np.ndarray, BaseGeometry]:
    """Minutes to every demand point and the reached circle (lon/lat) in the straight-line model."""
    crs = metric_crs(lon)
    radius = float(minutes) * params.straight_speed_kmh * 1000.0 / 60.0 / params.detour_factor
    ox, oy = to_metric(crs, [lon], [lat])
    dx, dy = to_metric(crs, demand.lon, demand.lat)
    t = np.hypot(dx - ox[0], dy - oy[0]) * params.detour_factor / (params.straight_speed_kmh * 1000.0 / 60.0)
    return t, to_lonlat_geom(Point(ox[0], oy[0]).buffer(radius, 64), crs)


def isochrone(
    project: Project,
    lon: float,
    lat: float,
    minutes: float,
    *,
    speed_kmh: float | None = None,
    params: CoverageParams | None = None,
) -> Isochrone:
    """Area reachable from one point within ``minutes``: reached nodes, demand points, polygon (GeoJSON)."""
    import shapely

    from zaitaku_map.geo import in_japan

    if not bool(in_japan(lon, lat)):  # NaN or a point abroad: no reach to compute
        raise AnalysisError(
            "start point outside Japan",
            column="lon/lat",
            value=f"{lon}, {lat}",
            expected="経度 122〜154・緯度 20〜46",
            hint="起点は日本国内の経度・緯度（度）で指定してください。",
        )
    params = _isochrone_params(project, params, minutes, speed_kmh)
    mode, net = resolve_network(project, params)
    demand = load_demand(project)
    out: Isochrone = {
        "lon": lon,
        "lat": lat,
        "minutes": float(minutes),
        "mode": mode,
        "description_ja": params.describe_ja(mode),
    }
    if net is not None:
        s = snap_points(
            net, [lon], [lat], max_snap_m=params.max_snap_m, access_speed_kmh=params.access_speed_kmh
        )
        if not s.on_network[0]:
            out.update(
                {
                    "off_network": True,
                    "reached_nodes": 0,
                    "reached_points": 0,
                    "reached_pop": 0.0,
                    "polygon": None,
                    "note": f"no road node within {params.max_snap_m:g} m of the origin",
                }
            )
            return out
        t, geom, out["reached_nodes"] = _network_reach(net, params, s, demand, minutes)
        out["origin_snap_m"] = round(float(s.dist_m[0]), 1)
    else:
        t, geom = _straight_reach(params, lon, lat, demand, minutes)
        out["reached_nodes"] = None
    land = land_mask(project)
    if land is not None and not geom.is_empty:
        geom = shapely.intersection(geom, land)
    within = t <= minutes
    out["reached_points"] = int(within.sum())
    out["reached_pop"] = round(float(demand.pop()[within].sum()), 1)
    out["reached_fids"] = [int(f) for f in demand.df["fid"].to_numpy()[within]][:10000]
    out["polygon"] = shapely.geometry.mapping(geom) if not geom.is_empty else None
    return out
