"""Coverage under a scenario, computed in full (what evaluations, exports and the tests compare with)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from zaitaku_map.coverage import (
    CoverageParams,
    CoverageResult,
    FacilitySet,
    band_polygons,
    compute_coverage,
    gap_points,
    resolve_coverage_params,
)
from zaitaku_map.coverage.engine import category_coverage, resolve_network, with_project_speeds
from zaitaku_map.coverage.inputs import category_name, load_demand
from zaitaku_map.errors import AnalysisError
from zaitaku_map.network.snap import snap_points
from zaitaku_map.remedies.facilities import edited_facilities, facility_refs
from zaitaku_map.remedies.places import area_groups, sum_by
from zaitaku_map.remedies.scenarios import get_scenario
from zaitaku_map.remedies.state import Action, ScenarioState
from zaitaku_map.store import Project

CRS = "EPSG:4326"


def scenario_coverage(
    project: Project,
    state: ScenarioState,
    params: CoverageParams | None = None,
    *,
    categories: Sequence[str] = ("zaishi",),
) -> CoverageResult:
    """Coverage of each category on the facility set the scenario leads to (a full recompute).

    The result has the shape of :func:`~zaitaku_map.coverage.compute_coverage`'s, so the same
    summaries (per municipality, area layer, 圏域) apply; nearest-facility ids of hypothetical sites
    are negative.
    """
    params = with_project_speeds(project, resolve_coverage_params(project, params))
    mode, net = resolve_network(project, params)
    params.resolved_mode = mode
    demand = load_demand(project)
    if demand.df.empty:
        raise AnalysisError(
            "nothing to cover: the project has no demand points and no municipalities",
            hint="人口メッシュ（または市区町村の境界と人口）を先に取り込んでください。",
        )
    result = CoverageResult(
        params=params,
        mode=mode,
        demand=demand,
        categories={},
        network_hash=net.content_hash if net is not None else None,
    )
    if net is not None:
        snap = snap_points(
            net,
            demand.lon,
            demand.lat,
            max_snap_m=params.max_snap_m,
            access_speed_kmh=params.access_speed_kmh,
        )
        result.off_network = ~snap.on_network
    for cat in categories:
        fac = edited_facilities(project, state, cat)
        result.categories[cat] = category_coverage(net, demand, fac, params, cat)
    return result


@dataclass(frozen=True)
class AreaChange:
    """Population outside the threshold in one area, without and with the scenario."""

    key: str
    name: str
    pop_total: float
    uncovered_before: float
    uncovered_after: float
    uncovered_75_before: float
    uncovered_75_after: float


@dataclass
class ScenarioEvaluation:
    """Coverage of a category with and without a scenario, in total and per area."""

    scenario: str
    category: str
    mode: str
    minutes: float
    description_ja: str
    total: float
    covered_before: float
    covered_after: float
    covered_75_before: float
    covered_75_after: float
    facilities_before: int
    facilities_after: int
    hypothetical_sites: int
    areas: dict[str, list[AreaChange]] = field(default_factory=dict)  # layer (or grouping) -> areas

    @property
    def gain(self) -> float:
        return self.covered_after - self.covered_before

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["category_name"] = category_name(self.category)
        out["gain"] = round(self.gain, 1)
        for key in ("total", "covered_before", "covered_after", "covered_75_before", "covered_75_after"):
            out[key] = round(out[key], 1)
        if self.total > 0:
            out["share_before"] = round(self.covered_before / self.total, 4)
            out["share_after"] = round(self.covered_after / self.total, 4)
        return out


def evaluate_scenario(
    project: Project,
    name: str,
    params: CoverageParams | None = None,
    *,
    category: str | None = None,
    layers: list[str] | None = None,
    groups: dict[str, dict[str, str]] | None = None,
) -> ScenarioEvaluation:
    """Coverage of the scenario's category (or ``category``) before and after, per area layer and
    per extra grouping (e.g. ``{"案A": option assignments}``)."""
    sc = get_scenario(project, name)
    cat = category or sc.category
    params = with_project_speeds(project, resolve_coverage_params(project, params))
    before = compute_coverage(project, params, categories=[cat])
    after = scenario_coverage(project, sc.state, params, categories=[cat])
    pops = after.demand.df[["pop_total", "pop_75"]].fillna(0.0).to_numpy(dtype=np.float64)
    cov0 = before.times(cat) <= params.minutes
    cov1 = after.times(cat) <= params.minutes
    areas: dict[str, list[AreaChange]] = {}
    for gname, g in area_groups(project, after.demand, layers=layers, extra=groups).items():
        n = len(g.keys)
        tot = sum_by(g.index, pops, n)
        u0 = sum_by(g.index, pops * (~cov0)[:, None], n)
        u1 = sum_by(g.index, pops * (~cov1)[:, None], n)
        areas[gname] = [
            AreaChange(
                k,
                g.names.get(k, k),
                round(float(tot[i, 0]), 1),
                round(float(u0[i, 0]), 1),
                round(float(u1[i, 0]), 1),
                round(float(u0[i, 1]), 1),
                round(float(u1[i, 1]), 1),
            )
            for i, k in enumerate(g.keys)
        ]
    fac = after.categories[cat]
    return ScenarioEvaluation(
        scenario=sc.name,
        category=cat,
        mode=after.mode,
        minutes=params.minutes,
        description_ja=after.describe_ja(),
        total=float(pops[:, 0].sum()),
        covered_before=float(pops[cov0, 0].sum()),
        covered_after=float(pops[cov1, 0].sum()),
        covered_75_before=float(pops[cov0, 1].sum()),
        covered_75_after=float(pops[cov1, 1].sum()),
        facilities_before=before.categories[cat].n_facilities,
        facilities_after=fac.n_facilities,
        hypothetical_sites=int((fac.facility_ids < 0).sum()),
        areas=areas,
    )


@dataclass
class ScenarioMap:
    """What a map draws of a scenario: coverage bands and gaps of the edited set, and its edits."""

    category: str
    bands: gpd.GeoDataFrame  # band_min, label, pop_within, geometry
    gaps: gpd.GeoDataFrame  # demand points beyond the threshold
    sites: gpd.GeoDataFrame  # hypothetical facilities: key, label, category, geometry
    changed: gpd.GeoDataFrame  # existing facilities the scenario changes: id, name, change, geometry
    description: str


def site_frame(state: ScenarioState) -> gpd.GeoDataFrame:
    """The hypothetical facilities of a scenario as points (``key, label, category, origin``)."""
    rows = [
        {"key": s.key, "label": s.label, "category": s.category, "origin": s.origin, "muni_code": s.muni_code}
        for s in sorted(state.sites.values(), key=lambda s: s.key)
    ]
    geom = [Point(s.lon, s.lat) for s in sorted(state.sites.values(), key=lambda s: s.key)]
    return gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=["key", "label", "category", "origin", "muni_code"]),
        geometry=geom,
        crs=CRS,
    )


def changed_frame(project: Project, state: ScenarioState) -> gpd.GeoDataFrame:
    """Existing facilities the scenario changes, at their scenario position (``change``: closed|moved|gains)."""
    refs = facility_refs(project, state.changes)
    rows, geom = [], []
    for fid, ch in sorted(state.changes.items()):
        ref = refs.get(fid)
        if ref is None:
            continue
        lon, lat = (ch.lon, ch.lat) if ch.moved else (ref.lon, ref.lat)
        if lon is None or lat is None:
            continue
        kind = "closed" if ch.closed else ("gains" if ch.gains else "moved")
        rows.append(
            {"id": fid, "name": ref.name, "category": ref.category, "change": kind, "gains": ch.gains}
        )
        geom.append(Point(lon, lat))
    return gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=["id", "name", "category", "change", "gains"]), geometry=geom, crs=CRS
    )


def scenario_map(
    project: Project,
    state: ScenarioState,
    params: CoverageParams | None = None,
    *,
    category: str = "zaishi",
    cell_m: float | None = None,
) -> ScenarioMap:
    """Bands, gap points, hypothetical sites and changed facilities of a scenario (for maps and PDFs)."""
    params = with_project_speeds(project, resolve_coverage_params(project, params))
    result = scenario_coverage(project, state, params, categories=[category])
    fac = FacilitySet.from_frame(edited_facilities(project, state, category))
    bands = band_polygons(project, params, category, cell_m=cell_m, facilities=fac, result=result)
    gaps = gap_points(project, params, category, result=result)
    return ScenarioMap(
        category, bands, gaps, site_frame(state), changed_frame(project, state), result.describe_ja()
    )


@dataclass(frozen=True)
class ScenarioStep:
    """One edit of a scenario replayed in order, with the coverage it adds (the ranked table)."""

    rank: int
    description: str
    kind: str  # site | gains | closed | moved | other
    label: str
    category: str | None
    muni_code: str | None
    gain_pop: float
    gain_75: float
    cumulative: float  # people covered after this step
    cumulative_share: float | None


def _flatten(actions: list[Action]) -> list[Action]:
    out: list[Action] = []
    for a in actions:
        out.extend(_flatten(a["actions"]) if a["op"] == "batch" else [a])
    return out


def _step_kind(action: Action) -> tuple[str, str, str | None, str | None]:
    new = action["new"] or {}
    if action["op"] == "site":
        return (
            ("site" if action["new"] else "other"),
            str(new.get("label") or ""),
            new.get("category"),
            new.get("muni_code"),
        )
    kind = "closed" if new.get("closed") else ("gains" if new.get("gains") else ("moved" if new else "other"))
    return kind, str(action.get("name") or action["facility_id"]), new.get("gains"), None


def scenario_steps(
    project: Project, name: str, params: CoverageParams | None = None, *, category: str | None = None
) -> list[ScenarioStep]:
    """Replay a stored scenario's edits in the order they were made; each step's coverage gain.

    Batches (the sites of a suggestion) are split into their sites, so a suggestion turned into a
    scenario gives its ranked table and gain curve back.
    """
    from zaitaku_map.remedies.live import LiveScenario
    from zaitaku_map.remedies.scenarios import describe, history

    sc = get_scenario(project, name)
    done, _undone = history(project, name)
    live = LiveScenario(project, category=category or sc.category, params=params)
    flat = _flatten(done)
    refs = facility_refs(project, [a["facility_id"] for a in flat if a["op"] == "change"])
    pop75 = live.cov.pops[:, 2]
    total = live.total
    steps: list[ScenarioStep] = []
    for i, action in enumerate(flat, start=1):
        c75 = float(pop75[live.covered_mask].sum())
        out = live.perform(action)
        kind, label, cat, muni = _step_kind(action)
        if action["op"] == "change" and action["facility_id"] in refs:
            muni = refs[action["facility_id"]].muni_code
        steps.append(
            ScenarioStep(
                rank=i,
                description=describe(action),
                kind=kind,
                label=label,
                category=cat,
                muni_code=muni,
                gain_pop=out.delta_covered,
                gain_75=round(float(pop75[live.covered_mask].sum()) - c75, 1),
                cumulative=round(live.covered, 1),
                cumulative_share=round(live.covered / total, 4) if total > 0 else None,
            )
        )
    return steps
