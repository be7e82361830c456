"""Live what-if: edit a scenario and see coverage and the uncovered population per 圏域 change at once.

:class:`LiveScenario` keeps one incremental coverage editor per category
(:func:`zaitaku_map.coverage.incremental.what_if`: exact bounded searches on the road network, or the
straight-line model) in step with a :class:`~zaitaku_map.remedies.state.ScenarioState`.  Each edit is
one reversible action: it is applied to the state, the touched facilities are added / removed /
moved in the editors, and the uncovered population of every area (二次医療圏, 保健所圏域, an
option's 圏域 …) is updated from the demand points whose coverage changed — no full recompute.
The small API (``add_site``, ``move_site``, ``remove_site``, ``close_facility``, ``reopen_facility``,
``move_facility``, ``gain``, ``undo``, ``redo``, ``save_as``) is what the GUI and meeting mode call.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from zaitaku_map.coverage.engine import resolve_network, with_project_speeds
from zaitaku_map.coverage.incremental import StraightWhatIf, WhatIf, what_if
from zaitaku_map.coverage.inputs import POP_COLUMNS, Demand, category_members, load_demand
from zaitaku_map.coverage.params import CoverageParams, resolve_coverage_params
from zaitaku_map.errors import AnalysisError, InputDataError
from zaitaku_map.labels import COVERAGE_TEXT, SCENARIO_ACTION_LABELS
from zaitaku_map.remedies import scenarios as store
from zaitaku_map.remedies.facilities import (
    GAIN_RULES,
    FacilityRef,
    check_category,
    edited_facilities,
    entry_of_facility,
    entry_of_site,
    facility_ref,
    facility_refs,
)
from zaitaku_map.remedies.places import Grouping, MunicipalityLocator, area_groups, sum_by
from zaitaku_map.remedies.state import (
    Action,
    Change,
    ScenarioState,
    Site,
    Touched,
    change_action,
    is_noop,
    moved_site,
    site_action,
)
from zaitaku_map.store import Project

Position = tuple[float, float]
UNCOVERED_COLUMNS = ("pop_total", "pop_65", "pop_75")


@dataclass(frozen=True)
class AreaFigures:
    """Population and the part of it outside the threshold in one area (圏域, 二次医療圏 …)."""

    key: str
    name: str
    pop_total: float
    uncovered: float
    uncovered_65: float
    uncovered_75: float

    @property
    def share(self) -> float | None:
        """Covered share (None without population)."""
        return None if self.pop_total <= 0 else 1.0 - self.uncovered / self.pop_total


@dataclass(frozen=True)
class EditOutcome:
    """What one edit (or undo/redo) did to the primary category."""

    description: str
    changed: bool  # False: nothing to do (no-op edit, nothing to undo/redo)
    covered: float  # population within the threshold after the edit
    uncovered: float
    delta_covered: float  # covered after − before
    changed_points: int  # demand points whose covered state flipped
    seconds: float  # time taken by the coverage update (editors + area sums)


class LiveCoverage:
    """Coverage of one editor's facility set and its uncovered population per area, kept up to date.

    Project-free: the editor (:class:`~zaitaku_map.coverage.incremental.WhatIf` or
    :class:`~zaitaku_map.coverage.incremental.StraightWhatIf`), the population columns of the demand
    points (``pop_total, pop_65, pop_75``) and their groupings.  After the editor changed,
    :meth:`refresh` re-reads the demand times and moves only the points whose covered state flipped
    between the areas' sums.
    """

    def __init__(
        self,
        editor: WhatIf | StraightWhatIf,
        pops: np.ndarray,
        groups: dict[str, Grouping],
        minutes: float,
    ) -> None:
        self.editor = editor
        self.pops = np.asarray(pops, dtype=np.float64)
        self.groups = groups
        self.minutes = float(minutes)
        self.times = editor.demand_times()
        self.covered_mask = self.times <= self.minutes
        self.uncovered_sums: dict[str, np.ndarray] = {
            name: sum_by(g.index, self.pops * (~self.covered_mask)[:, None], len(g.keys))
            for name, g in groups.items()
        }

    @property
    def total(self) -> float:
        return float(self.pops[:, 0].sum())

    @property
    def covered(self) -> float:
        return float(self.pops[self.covered_mask, 0].sum())

    def refresh(self) -> int:
        """Take the editor's new times; returns how many demand points changed covered state."""
        new_times = self.editor.demand_times()
        new_cov = new_times <= self.minutes
        flipped = np.flatnonzero(new_cov != self.covered_mask)
        if len(flipped):
            # +pop where a point fell out of coverage, −pop where it became covered
            delta = self.pops[flipped] * np.where(new_cov[flipped], -1.0, 1.0)[:, None]
            for name, g in self.groups.items():
                idx = g.index[flipped]
                ok = idx >= 0
                np.add.at(self.uncovered_sums[name], idx[ok], delta[ok])
        self.times = new_times
        self.covered_mask = new_cov
        return len(flipped)

    def uncovered_by(self, group: str) -> list[AreaFigures]:
        """Population and uncovered population per area of ``group``."""
        g = self.groups[group]
        unc = self.uncovered_sums[group]
        tot = sum_by(g.index, self.pops, len(g.keys))
        return [
            AreaFigures(
                key=k,
                name=g.names.get(k, k),
                pop_total=round(float(tot[i, 0]), 1),
                uncovered=round(max(float(unc[i, 0]), 0.0), 1),
                uncovered_65=round(max(float(unc[i, 1]), 0.0), 1),
                uncovered_75=round(max(float(unc[i, 2]), 0.0), 1),
            )
            for i, k in enumerate(g.keys)
        ]


class PositionError(InputDataError):
    """A hypothetical facility (or a move) was placed where coverage cannot reach it."""


class LiveScenario:
    """A scenario being edited with live coverage.

    Parameters
    ----------
    project:
        The open project.
    category:
        The coverage category shown (``zaishi``, ``home_nursing`` …); a stored scenario brings its own.
    params:
        Coverage parameters (``None`` = the project's saved ones, else the defaults).
    scenario:
        Name of a stored scenario to edit (every edit is written through, with its history);
        ``None`` starts an unsaved scenario (see :meth:`save_as`).
    layers:
        Area layers whose uncovered population is kept up to date (``None`` = every layer).
    groups:
        Extra grouping ``{name: {muni_code: key}}`` (e.g. an option's assignments) kept the same way.
    """

    def __init__(
        self,
        project: Project,
        *,
        category: str = "zaishi",
        params: CoverageParams | None = None,
        scenario: str | None = None,
        layers: list[str] | None = None,
        groups: dict[str, dict[str, str]] | None = None,
    ) -> None:
        self.project = project
        self.name = scenario
        self.done: list[Action] = []
        self.undone: list[Action] = []
        if scenario is not None:
            sc = store.get_scenario(project, scenario)
            category = sc.category
            self.state = sc.state
            self.done, self.undone = store.history(project, scenario)
        else:
            self.state = ScenarioState()
        store.check_coverage_category(category)
        self.category = category
        self.members = category_members(category)
        self.params = with_project_speeds(project, resolve_coverage_params(project, params))
        mode, net = resolve_network(project, self.params)
        self.params.resolved_mode = mode
        self.mode = mode
        self.demand: Demand = load_demand(project)
        if self.demand.df.empty:
            raise AnalysisError(
                "nothing to cover: the project has no demand points and no municipalities",
                hint="人口メッシュ（または市区町村の境界と人口）を先に取り込んでください。",
            )
        fac = edited_facilities(project, self.state, category)
        self.editor: WhatIf | StraightWhatIf = what_if(net, self.demand, fac, self.params)
        active = self.editor.active_ids()
        self._present: dict[int, Position] = {
            int(i): (float(x), float(y))
            for i, x, y in zip(fac["id"], fac["lon"], fac["lat"], strict=True)
            if int(i) in active
        }
        self.unplaced: set[int] = {int(i) for i in fac["id"]} - active
        self._refs: dict[int, FacilityRef] = facility_refs(project, self.state.changes)
        self._locator: MunicipalityLocator | None = None
        self._grid: tuple[Any, dict[str, Any]] | None = None
        pops = self.demand.df[list(UNCOVERED_COLUMNS)].fillna(0.0).to_numpy(dtype=np.float64)
        self.cov = LiveCoverage(
            self.editor,
            pops,
            area_groups(project, self.demand, layers=layers, extra=groups),
            self.params.minutes,
        )

    # -- figures -------------------------------------------------------------------------------------
    @property
    def total(self) -> float:
        return self.cov.total

    @property
    def covered(self) -> float:
        return self.cov.covered

    @property
    def uncovered(self) -> float:
        return self.total - self.covered

    @property
    def times(self) -> np.ndarray:
        """Minutes from the nearest facility per demand point (``fid`` order) under the current state."""
        return self.cov.times

    @property
    def covered_mask(self) -> np.ndarray:
        return self.cov.covered_mask

    @property
    def groups(self) -> dict[str, Grouping]:
        return self.cov.groups

    def uncovered_by(self, group: str) -> list[AreaFigures]:
        """Population and uncovered population per area of ``group`` (a layer name or extra group)."""
        return self.cov.uncovered_by(group)

    def gap_points(self) -> pd.DataFrame:
        """Demand points beyond the threshold (``fid, muni_code, lon, lat, pop_*, minutes``)."""
        sel = ~self.covered_mask
        out = self.demand.df.loc[sel, ["fid", "muni_code", "lon", "lat", *POP_COLUMNS]].copy()
        mins = self.times[sel]
        out["minutes"] = np.where(np.isfinite(mins), np.round(mins, 1), np.nan)
        return out.reset_index(drop=True)

    def band_polygons(self, *, cell_m: float | None = None) -> gpd.GeoDataFrame:
        """Nested band polygons of the current state, from the live travel-time field (no new search).

        The grid and each cell's nearest road node are computed once per session; later calls only
        read the node times the editor keeps up to date and trace the band outlines.
        """
        from zaitaku_map.coverage.polygons import band_geometries, land_mask

        key = ("grid", cell_m)
        if self._grid is None or self._grid[0] != key:
            self._grid = (key, self._grid_setup(cell_m, land_mask(self.project)))
        g = self._grid[1]
        per_min = self.params.access_speed_kmh * 1000.0 / 60.0
        if isinstance(self.editor, WhatIf):
            t = np.full(len(g["idx"]), np.inf)
            ok = g["idx"] >= 0
            t[ok] = self.editor.time[g["idx"][ok]] + g["d"][ok] / per_min
            times = t.reshape(g["shape"])
        else:
            times = self._straight_grid(g)
        geoms = band_geometries(
            times, g["x0"], g["y0"], g["cell"], self.params.bands, g["crs"], clip=g["land"]
        )
        pop = self.demand.pop()
        rows = [
            {
                "band_min": b,
                "label": COVERAGE_TEXT["band"].format(minutes=b),
                "pop_within": round(float(pop[self.times <= b].sum()), 1),
            }
            for b in self.params.bands
        ]
        return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs="EPSG:4326")

    def _grid_setup(self, cell_m: float | None, land: Any) -> dict[str, Any]:
        from zaitaku_map.coverage.polygons import grid_times
        from zaitaku_map.geo import metric_crs
        from zaitaku_map.network.graph import to_metric

        if land is not None:
            b = land.bounds
            lon, lat = np.array([b[0], b[2]]), np.array([b[1], b[3]])
        else:
            lon, lat = self.demand.lon, self.demand.lat
        net = self.editor.net if isinstance(self.editor, WhatIf) else None
        crs = net.crs if net is not None else metric_crs(float(np.nanmedian(lon)))
        x, y = to_metric(crs, lon, lat)
        bounds = (
            float(np.nanmin(x)) - 1000,
            float(np.nanmin(y)) - 1000,
            float(np.nanmax(x)) + 1000,
            float(np.nanmax(y)) + 1000,
        )
        held: dict[str, np.ndarray] = {}

        def capture(gx: np.ndarray, gy: np.ndarray) -> np.ndarray:
            held["x"], held["y"] = gx, gy
            return np.zeros(len(gx))

        zeros, x0, y0, cell = grid_times(bounds, capture, cell=cell_m)
        out: dict[str, Any] = {
            "x0": x0,
            "y0": y0,
            "cell": cell,
            "crs": crs,
            "land": land,
            "shape": zeros.shape,
        }
        out.update(held)
        if net is not None:
            d, idx = net.nearest_nodes(held["x"], held["y"], max_dist=self.params.max_snap_m)
            out.update(d=d, idx=idx)
        return out

    def _straight_grid(self, g: dict[str, Any]) -> np.ndarray:
        from scipy.spatial import cKDTree

        from zaitaku_map.network.graph import to_metric

        assert isinstance(self.editor, StraightWhatIf)
        pos = list(self.editor.fac.values())
        if not pos:
            return np.full(g["shape"], np.inf)
        fx, fy = to_metric(g["crs"], [p[0] for p in pos], [p[1] for p in pos])
        d, _i = cKDTree(np.column_stack([fx, fy])).query(np.column_stack([g["x"], g["y"]]), k=1)
        per_min = self.params.straight_speed_kmh * 1000.0 / 60.0
        return np.asarray(d * self.params.detour_factor / per_min).reshape(g["shape"])

    def facilities(self) -> pd.DataFrame:
        """The facility set of the category under the current state (``hypothetical`` marks sites)."""
        return edited_facilities(self.project, self.state, self.category)

    @property
    def can_undo(self) -> bool:
        return bool(self.done)

    @property
    def can_redo(self) -> bool:
        return bool(self.undone)

    # -- edits ---------------------------------------------------------------------------------------
    def add_site(
        self,
        lon: float,
        lat: float,
        *,
        category: str | None = None,
        label: str | None = None,
        origin: str = "user",
    ) -> EditOutcome:
        """Add a hypothetical facility (default category: the first member of the shown category)."""
        cat = check_category(category or self.members[0])
        self._check_position(lon, lat, cat)
        key = self.state.next_key()
        site = Site(
            key=key,
            category=cat,
            label=label or f"仮想施設{key}",
            lon=float(lon),
            lat=float(lat),
            muni_code=self.locator.code_at(lon, lat),
            origin=origin,
        )
        return self.perform(site_action(None, site))

    def move_site(self, key: int, lon: float, lat: float) -> EditOutcome:
        site = self._site(key)
        self._check_position(lon, lat, site.category)
        return self.perform(site_action(site, moved_site(site, lon, lat, self.locator.code_at(lon, lat))))

    def remove_site(self, key: int) -> EditOutcome:
        return self.perform(site_action(self._site(key), None))

    def close_facility(self, facility_id: int) -> EditOutcome:
        """Switch an existing facility off in the scenario (the register is untouched)."""
        ref = self._open_ref(facility_id)
        ch = self.state.change(ref.id)
        return self.perform(
            change_action(self.state, Change(ref.id, True, ch.lon, ch.lat, ch.gains), name=ref.name)
        )

    def reopen_facility(self, facility_id: int) -> EditOutcome:
        ref = self._open_ref(facility_id)
        ch = self.state.change(ref.id)
        return self.perform(
            change_action(self.state, Change(ref.id, False, ch.lon, ch.lat, ch.gains), name=ref.name)
        )

    def move_facility(self, facility_id: int, lon: float, lat: float) -> EditOutcome:
        """Move an existing facility in the scenario (e.g. a planned relocation)."""
        ref = self._open_ref(facility_id)
        ch = self.state.change(ref.id)
        self._check_position(lon, lat, ch.gains or ref.category)
        return self.perform(
            change_action(
                self.state, Change(ref.id, ch.closed, float(lon), float(lat), ch.gains), name=ref.name
            )
        )

    def gain(self, facility_id: int, category: str | None = None) -> EditOutcome:
        """Mark an existing facility as taking on a category (診療所 → 在支診, 病院 → 在支病 …)."""
        ref = self._open_ref(facility_id)
        cat = category or GAIN_RULES.get(ref.category)
        if cat is None:
            raise InputDataError(
                "no category to take on for this kind of facility",
                value=ref.category,
                hint="追加する種別（--category）を指定してください。",
            )
        check_category(cat)
        if cat == ref.category:
            raise InputDataError(
                "the facility already has this category", value=cat, hint="別の種別を指定してください。"
            )
        ch = self.state.change(ref.id)
        pos = (ch.lon, ch.lat) if ch.moved else (ref.lon, ref.lat)
        if pos[0] is None or pos[1] is None:
            raise InputDataError(
                "the facility has no position",
                value=ref.id,
                hint="施設の位置を先に決めてください（geocode --place）。",
            )
        return self.perform(
            change_action(self.state, Change(ref.id, ch.closed, ch.lon, ch.lat, cat), name=ref.name)
        )

    def ungain(self, facility_id: int) -> EditOutcome:
        ref = self._open_ref(facility_id)
        ch = self.state.change(ref.id)
        return self.perform(
            change_action(self.state, Change(ref.id, ch.closed, ch.lon, ch.lat, None), name=ref.name)
        )

    def revert_facility(self, facility_id: int) -> EditOutcome:
        """Undo every change the scenario makes to an existing facility (as in the register again)."""
        ref = self._open_ref(facility_id)
        return self.perform(change_action(self.state, Change(ref.id), name=ref.name))

    def perform(self, action: Action) -> EditOutcome:
        """Apply an action (built by the methods above or :mod:`zaitaku_map.remedies.state`) and log it."""
        if is_noop(action):
            return self._outcome(store.describe(action), False, 0.0, 0.0, 0)
        if self.name is not None:
            store.perform(self.project, self.name, action)
        self.done.append(action)
        self.undone.clear()
        return self._apply(action, forward=True)

    def undo(self) -> EditOutcome:
        if not self.done:
            return self._outcome("", False, 0.0, 0.0, 0)
        action = self.done.pop()
        if self.name is not None:
            store.undo(self.project, self.name)
        self.undone.insert(0, action)
        out = self._apply(action, forward=False)
        return replace(out, description=SCENARIO_ACTION_LABELS["undo"].format(what=out.description))

    def redo(self) -> EditOutcome:
        if not self.undone:
            return self._outcome("", False, 0.0, 0.0, 0)
        action = self.undone.pop(0)
        if self.name is not None:
            store.redo(self.project, self.name)
        self.done.append(action)
        out = self._apply(action, forward=True)
        return replace(out, description=SCENARIO_ACTION_LABELS["redo"].format(what=out.description))

    def save_as(self, name: str, *, notes: str = "", overwrite: bool = False) -> store.Scenario:
        """Store the current state and history as scenario ``name``; later edits are written through."""
        sc = store.save_scenario(
            self.project,
            name,
            self.state,
            category=self.category,
            done=self.done,
            undone=self.undone,
            notes=notes,
            overwrite=overwrite,
        )
        self.name = sc.name
        return sc

    # -- internals -----------------------------------------------------------------------------------
    @property
    def locator(self) -> MunicipalityLocator:
        if self._locator is None:
            self._locator = MunicipalityLocator.from_project(self.project)
        return self._locator

    def _site(self, key: int) -> Site:
        site = self.state.sites.get(int(key))
        if site is None:
            raise InputDataError(
                "no hypothetical facility with this number in the scenario",
                value=key,
                expected=", ".join(str(k) for k in sorted(self.state.sites)) or "(none)",
            )
        return site

    def _open_ref(self, facility_id: int) -> FacilityRef:
        ref = self._refs.get(int(facility_id)) or facility_ref(self.project, facility_id)
        if ref.status != "open":
            raise InputDataError(
                "the facility is closed in the register",
                value=facility_id,
                hint="掲載中の施設を選んでください。",
            )
        self._refs[ref.id] = ref
        return ref

    def _check_position(self, lon: float, lat: float, category: str) -> None:
        if category in self.members and not self.editor.can_place(lon, lat):
            raise PositionError(
                "the position is off the road network" if self.mode == "network" else "invalid position",
                value=(round(float(lon), 6), round(float(lat), 6)),
                hint=f"道路から {self.params.max_snap_m:g}m 以内の陸上の位置を指定してください。",
            )

    def _desired(self, item: Touched) -> Position | None:
        kind, key = item
        if kind == "site":
            site = self.state.sites.get(key)
            got = None if site is None else entry_of_site(site, self.members)
        else:
            ref = self._refs.get(key) or facility_ref(self.project, key)
            self._refs[key] = ref
            got = entry_of_facility(ref, self.state.change(key), self.members)
        return None if got is None else (got[0], got[1])

    def _sync(self, item: Touched) -> None:
        eid = -item[1] if item[0] == "site" else item[1]
        want = self._desired(item)
        have = self._present.get(eid)
        if want == have and (want is not None or eid not in self.unplaced):
            return
        self.unplaced.discard(eid)
        if have is not None and want is None:
            self.editor.remove(eid)
            self._present.pop(eid, None)
            return
        if want is None:
            return
        placed = (
            self.editor.move(eid, want[0], want[1], strict=False)
            if have is not None
            else self.editor.add(want[0], want[1], facility_id=eid, strict=False)
        )
        if placed:
            self._present[eid] = want
        else:
            self._present.pop(eid, None)
            self.unplaced.add(eid)

    def _apply(self, action: Action, *, forward: bool) -> EditOutcome:
        t0 = time.perf_counter()
        before = self.covered
        touched = self.state.apply(action, forward=forward)
        for item in dict.fromkeys(touched):
            self._sync(item)
        n_flipped = self.cov.refresh()
        secs = time.perf_counter() - t0
        desc = store.describe(action)
        return self._outcome(desc, True, self.covered - before, secs, n_flipped)

    def _outcome(self, desc: str, changed: bool, delta: float, secs: float, n: int) -> EditOutcome:
        return EditOutcome(
            description=desc,
            changed=changed,
            covered=round(self.covered, 1),
            uncovered=round(self.uncovered, 1),
            delta_covered=round(delta, 1),
            changed_points=n,
            seconds=secs,
        )
