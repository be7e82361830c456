"""Facility suggestions: which k sites would bring the most uncovered people within reach.

:func:`suggest` builds the candidate sites (:mod:`.candidates`), the coverage matrix of the demand
points outside coverage today (:mod:`.reach`), runs the lazy greedy of :mod:`.mclp` for the ranked
sites and the gain curve k = 1 … K, optionally the exact MILP for the optimality gap, and the dual
(fewest sites reaching a target share).  :func:`suggestion_action` turns chosen sites into one
scenario edit (hypothetical sites, or existing facilities taking on the category).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from zaitaku_map.coverage import CoverageParams, compute_coverage, resolve_coverage_params
from zaitaku_map.coverage.engine import category_coverage, resolve_network, with_project_speeds
from zaitaku_map.coverage.inputs import Demand, category_name, load_demand
from zaitaku_map.errors import AnalysisError, InputDataError
from zaitaku_map.labels import SCENARIO_ACTION_LABELS, SUGGEST_WEIGHT_LABELS
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback
from zaitaku_map.remedies.candidates import CandidateSpec, build_candidates
from zaitaku_map.remedies.facilities import edited_facilities
from zaitaku_map.remedies.mclp import GREEDY_GUARANTEE, ExactResult, lazy_greedy, solve_exact
from zaitaku_map.remedies.reach import Reach, network_reach, straight_reach
from zaitaku_map.remedies.scenarios import check_coverage_category
from zaitaku_map.remedies.state import Action, Change, ScenarioState, Site, batch, change_action, site_action
from zaitaku_map.store import Project

WEIGHT_COLUMNS: dict[str, str] = {"total": "pop_total", "age65": "pop_65", "age75": "pop_75"}
PROJECTION_GROUPS: dict[str, str] = {"total": "total", "age65": "65+", "age75": "75+"}
EXACT_MAX_CANDIDATES = 5000  # "a few thousand candidates": beyond it the MILP is not attempted


@dataclass(frozen=True)
class SuggestedSite:
    """One chosen site, in the order the greedy chose it."""

    rank: int
    kind: str  # facility | grid | file
    label: str
    category: str  # the category the site would have (zaishi_clinic …)
    facility_id: int | None
    lon: float
    lat: float
    muni_code: str | None
    muni_name: str | None
    gain: float  # newly covered weight (people of the chosen weight)
    gain_pop: float  # newly covered people (total)
    gain_75: float  # newly covered people aged 75+
    cumulative: float  # covered weight after this site (baseline included)
    cumulative_share: float | None


@dataclass(frozen=True)
class DualResult:
    """The fewest sites reaching a target share of the weight."""

    target_share: float
    reached: bool
    sites_greedy: int
    share_greedy: float | None
    sites_exact: int | None = None
    exact_status: str | None = None


@dataclass
class Suggestion:
    """Ranked sites, gain curve and the quality of the answer."""

    category: str
    minutes: float
    weight: str
    mode: str
    description_ja: str
    sites: list[SuggestedSite]
    baseline_covered: float  # weight covered before any suggested site
    total: float  # total weight
    method: str  # lazy_greedy | lazy_greedy+milp
    upper_bound: float  # OPT ≤ baseline + this (instance bound)
    gap: float | None  # exact optimality gap of the greedy answer, (OPT − greedy) / OPT
    gap_bound: float | None  # gap guaranteed by the instance bound alone
    candidates: int
    candidates_usable: int  # placeable (on the network / valid coordinates)
    candidates_useful: int  # reaching at least one uncovered point
    points_uncovered: int
    seconds: float
    exact: ExactResult | None = None
    dual: DualResult | None = None
    timings: dict[str, float] = field(default_factory=dict)
    year: int | None = None  # projection year of the weight (None: today's population)
    notes: list[str] = field(default_factory=list)
    candidate_table: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def gain_curve(self) -> list[float]:
        """Covered weight after k = 1 … K sites."""
        return [s.cumulative for s in self.sites]

    def to_dict(self) -> dict[str, Any]:
        out = {
            "category": self.category,
            "category_name": category_name(self.category),
            "minutes": self.minutes,
            "weight": self.weight,
            "weight_label": SUGGEST_WEIGHT_LABELS.get(self.weight, self.weight)
            + (f"（{self.year}年推計）" if self.year else ""),
            "year": self.year,
            "notes": self.notes,
            "mode": self.mode,
            "description_ja": self.description_ja,
            "sites": [asdict(s) for s in self.sites],
            "gain_curve": self.gain_curve,
            "baseline_covered": round(self.baseline_covered, 1),
            "total": round(self.total, 1),
            "baseline_share": round(self.baseline_covered / self.total, 4) if self.total > 0 else None,
            "method": self.method,
            "greedy_guarantee": round(GREEDY_GUARANTEE, 4),
            "upper_bound_gain": round(self.upper_bound, 1),
            "gap": None if self.gap is None else round(self.gap, 6),
            "gap_bound": None if self.gap_bound is None else round(self.gap_bound, 6),
            "candidates": self.candidates,
            "candidates_usable": self.candidates_usable,
            "candidates_useful": self.candidates_useful,
            "points_uncovered": self.points_uncovered,
            "seconds": round(self.seconds, 3),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }
        if self.exact is not None:
            out["exact"] = {
                "status": self.exact.status,
                "gain": round(self.exact.value, 1),
                "seconds": round(self.exact.seconds, 3),
                "variables": self.exact.variables,
                "point_classes": self.exact.point_classes,
            }
        if self.dual is not None:
            out["dual"] = asdict(self.dual)
        return out


def demand_weights(
    demand: Demand, weight: str, *, project: Project | None = None, year: int | None = None
) -> tuple[np.ndarray, list[str]]:
    """Weight per demand point: total / 65+ / 75+ population, optionally projected to ``year``.

    A projection scales each demand point by its municipality's projected ÷ current population of
    the same group (the 社人研-style projection of :mod:`zaitaku_map.demand`): the points keep
    their share of the municipality, the municipality takes its projected total.  Returns the
    weights and notes (municipalities without a projection keep their current weight).
    """
    col = WEIGHT_COLUMNS.get(weight)
    if col is None:
        raise InputDataError("unknown weight", value=weight, expected=", ".join(WEIGHT_COLUMNS))
    base = demand.pop(col)
    if year is None:
        return base, []
    if project is None:
        raise ValueError("a projected weight needs the project")
    from zaitaku_map.demand.population import unit_projection

    proj = unit_projection(project)
    if not proj.groups:
        raise AnalysisError(
            "no population projection in the project",
            value=year,
            hint="将来推計人口を取り込んでください（zaitaku-map projection PROJECT FILE）。",
        )
    group = PROJECTION_GROUPS[weight]
    munis = demand.df["muni_code"].astype("string").fillna("").to_numpy()
    current = pd.Series(base).groupby(munis).sum()
    out = base.copy()
    missing: list[str] = []
    for code, now in current.items():
        target = proj.key(str(code), group, int(year))
        if target is None or now <= 0:
            missing.append(str(code))
            continue
        sel = munis == code
        out[sel] = base[sel] * (float(target) / float(now))
    notes = (
        [f"no projection for {len(missing)} municipalities (current weight kept): {', '.join(missing[:10])}"]
        if missing
        else []
    )
    return out, notes


def _params(project: Project, params: CoverageParams | None, minutes: float | None) -> CoverageParams:
    return with_project_speeds(project, resolve_coverage_params(project, params, minutes=minutes))


def _baseline_times(
    project: Project,
    state: ScenarioState | None,
    category: str,
    params: CoverageParams,
    net: Any,
    demand: Demand,
) -> tuple[np.ndarray, pd.DataFrame]:
    fac = edited_facilities(project, state or ScenarioState(), category)
    if state is None or state.empty:
        times = compute_coverage(project, params, categories=[category]).times(category)  # cached
    else:
        times = category_coverage(net, demand, fac, params, category).times
    return times, fac


def _drop_existing(cand: pd.DataFrame, fac: pd.DataFrame, state: ScenarioState | None) -> pd.DataFrame:
    """Leave out facilities already in the category (or switched off) under the scenario."""
    have = set(fac.loc[~fac["hypothetical"], "id"].astype(int))
    closed = {f for f, ch in (state.changes.items() if state else []) if ch.closed}
    fid = cand["facility_id"]
    drop = fid.notna() & fid.fillna(-1).astype(int).isin(have | closed)
    return cand[~drop.to_numpy(dtype=bool)].reset_index(drop=True)


def suggest(
    project: Project,
    *,
    category: str = "zaishi",
    k: int = 5,
    minutes: float | None = None,
    weight: str = "total",
    year: int | None = None,
    candidates: CandidateSpec | None = None,
    exact: bool = False,
    target_share: float | None = None,
    state: ScenarioState | None = None,
    params: CoverageParams | None = None,
    time_limit: float = 120.0,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> Suggestion:
    """Choose up to ``k`` sites maximising the newly covered weight (maximal covering location).

    Parameters
    ----------
    category:
        Coverage category the sites would serve (``zaishi``, ``zaishi_clinic``, ``home_nursing`` …).
    k:
        Sites to choose (the gain curve runs k = 1 … ``k``).
    minutes:
        Threshold (default: the project's coverage parameters, else 30).
    weight:
        ``total``, ``age65`` or ``age75``.
    year:
        Weight by the population projected to this year (e.g. 2040) instead of today's.
    candidates:
        Candidate sets, files and exclusions (default: the category's own set, e.g. clinics and
        hospitals for 在支診・在支病).
    exact:
        Also solve the MILP with HiGHS to report the optimality gap of the greedy answer.
    target_share:
        Also answer the dual: the fewest sites reaching this share of the weight (0–1).
    state:
        A scenario state to start from (its edits are the baseline).
    """
    t_start = time.perf_counter()
    prog = Progress.of(progress, cancel)
    check_coverage_category(category)
    if k < 1:
        raise InputDataError("k must be at least 1", value=k)
    if target_share is not None and not 0 < target_share <= 1:
        raise InputDataError("target share must be in (0, 1]", value=target_share)
    params = _params(project, params, minutes)
    mode, net = resolve_network(project, params)
    params.resolved_mode = mode
    demand = load_demand(project)
    if demand.df.empty:
        raise AnalysisError(
            "nothing to cover: the project has no demand points and no municipalities",
            hint="人口メッシュ（または市区町村の境界と人口）を先に取り込んでください。",
        )
    timings: dict[str, float] = {}
    t = time.perf_counter()
    times, fac = _baseline_times(project, state, category, params, net, demand)
    covered0 = times <= params.minutes
    w, notes = demand_weights(demand, weight, project=project, year=year)
    if not float(np.nansum(w)) > 0:
        raise AnalysisError(
            "nothing to cover: no population at the demand points for this weight",
            hint=(
                f"{SUGGEST_WEIGHT_LABELS.get(weight, weight)}が地点ごとにわかりません（圏域別の人口だけでは、"
                "どこを新たにカバーできるかを数えられません）。人口メッシュ（国勢調査の 500m メッシュ）か"
                "市区町村別の人口を取り込んでください。"
            ),
        )
    timings["baseline"] = time.perf_counter() - t
    t = time.perf_counter()
    cand = build_candidates(project, category, candidates or CandidateSpec(), demand=demand, net=net)
    cand = _drop_existing(cand, fac, state)
    timings["candidates"] = time.perf_counter() - t
    if cand.empty:
        raise AnalysisError(
            "no candidate sites",
            value=category,
            hint="候補地（--candidates clinics|hospitals|care|grid|ファイル）を指定してください。",
        )
    t = time.perf_counter()
    lon = cand["lon"].to_numpy(dtype=float)
    lat = cand["lat"].to_numpy(dtype=float)
    reach: Reach
    if net is not None:
        reach = network_reach(
            net, demand, ~covered0, lon, lat, params, minutes=params.minutes, progress=prog.step(0.8)
        )
    else:
        reach = straight_reach(demand, ~covered0, lon, lat, params, minutes=params.minutes)
    timings["reach"] = time.perf_counter() - t
    prog.check()
    wp = w[reach.points]
    t = time.perf_counter()
    greedy = lazy_greedy(reach.matrix, wp, k, cancel=cancel)
    timings["greedy"] = time.perf_counter() - t
    names = {
        str(c): str(f or n)
        for c, n, f in project.conn.execute("SELECT code, name, full_name FROM municipalities")
    }
    sites = _ranked(cand, reach, greedy.order, demand, w, covered0, names)
    base = float(w[covered0].sum())
    total = float(w.sum())
    ub_gain = greedy.upper_bound
    sugg = Suggestion(
        category=category,
        minutes=params.minutes,
        weight=weight,
        mode=mode,
        description_ja=params.describe_ja(mode),
        sites=sites,
        baseline_covered=base,
        total=total,
        method="lazy_greedy",
        upper_bound=ub_gain,
        gap=None,
        gap_bound=(ub_gain - greedy.value) / ub_gain if ub_gain > 0 else 0.0,
        candidates=len(cand),
        candidates_usable=int(reach.usable.sum()),
        candidates_useful=int((np.diff(reach.matrix.indptr) > 0).sum()),
        points_uncovered=int((~covered0).sum()),
        seconds=0.0,
        timings=timings,
        candidate_table=cand,
        year=year,
        notes=notes,
    )
    if exact:
        _exact(sugg, reach, wp, greedy.value, greedy.order, k, time_limit)
    if target_share is not None:
        sugg.dual = _dual(reach, wp, base, total, target_share, exact=exact, time_limit=time_limit)
    prog.update(prog.total, force=True)
    sugg.seconds = time.perf_counter() - t_start
    return sugg


def _exact(
    sugg: Suggestion, reach: Reach, wp: np.ndarray, value: float, order: list[int], k: int, limit: float
) -> None:
    n_useful = sugg.candidates_useful
    if n_useful > EXACT_MAX_CANDIDATES:
        raise AnalysisError(
            "too many candidates for the exact solver",
            value=n_useful,
            expected=f"≤ {EXACT_MAX_CANDIDATES}",
            hint="候補地を絞る（除外する地域・格子の大きさ）か、--exact を外してください。",
        )
    t = time.perf_counter()
    res = solve_exact(reach.matrix, wp, k=k, time_limit=limit, warm=order)
    sugg.timings["exact"] = time.perf_counter() - t
    sugg.exact = res
    sugg.method = "lazy_greedy+milp"
    if res.status == "optimal":
        sugg.gap = max(0.0, (res.value - value) / res.value) if res.value > 0 else 0.0


def _dual(
    reach: Reach, wp: np.ndarray, base: float, total: float, share: float, *, exact: bool, time_limit: float
) -> DualResult:
    need = share * total - base
    if need <= 0:
        return DualResult(share, True, 0, base / total if total > 0 else None, 0 if exact else None)
    g = lazy_greedy(reach.matrix, wp, reach.matrix.shape[0], target=need)
    reached = g.value >= need - 1e-9
    out = DualResult(share, reached, len(g.order), (base + g.value) / total if total > 0 else None)
    if exact and reached:
        res = solve_exact(reach.matrix, wp, target=need, time_limit=time_limit, warm=g.order)
        return DualResult(share, reached, len(g.order), out.share_greedy, round(res.value), res.status)
    return out


def _ranked(
    cand: pd.DataFrame,
    reach: Reach,
    order: list[int],
    demand: Demand,
    w: np.ndarray,
    covered0: np.ndarray,
    muni_names: dict[str, str],
) -> list[SuggestedSite]:
    pop = demand.pop("pop_total")[reach.points]
    p75 = demand.pop("pop_75")[reach.points]
    wp = w[reach.points]
    covered = np.zeros(len(reach.points), dtype=bool)
    cum = float(w[covered0].sum())
    total = float(w.sum())
    out: list[SuggestedSite] = []
    a = reach.matrix
    for rank, j in enumerate(order, start=1):
        cols = a.indices[a.indptr[j] : a.indptr[j + 1]]
        new = cols[~covered[cols]]
        covered[new] = True
        gain = float(wp[new].sum())
        cum += gain
        row = cand.iloc[int(j)]
        fid = row["facility_id"]
        muni = None if pd.isna(row["muni_code"]) else str(row["muni_code"])
        out.append(
            SuggestedSite(
                rank=rank,
                kind=str(row["kind"]),
                label=str(row["label"]),
                category=str(row["category"]),
                facility_id=None if pd.isna(fid) else int(fid),
                lon=round(float(row["lon"]), 6),
                lat=round(float(row["lat"]), 6),
                muni_code=muni,
                muni_name=muni_names.get(muni) if muni else None,
                gain=round(gain, 1),
                gain_pop=round(float(pop[new].sum()), 1),
                gain_75=round(float(p75[new].sum()), 1),
                cumulative=round(cum, 1),
                cumulative_share=round(cum / total, 4) if total > 0 else None,
            )
        )
    return out


def suggestion_action(
    state: ScenarioState, sites: list[SuggestedSite], *, names: dict[int, str] | None = None
) -> Action:
    """One scenario edit adding the chosen sites: existing facilities take on the category,
    other sites become hypothetical facilities (origin ``suggestion``)."""
    actions: list[Action] = []
    work = state.copy()
    for s in sites:
        if s.facility_id is not None:
            ch = work.change(s.facility_id)
            act = change_action(
                work,
                Change(s.facility_id, ch.closed, ch.lon, ch.lat, s.category),
                name=(names or {}).get(s.facility_id, s.label),
            )
        else:
            key = work.next_key()
            act = site_action(
                None, Site(key, s.category, s.label, s.lon, s.lat, s.muni_code, origin="suggestion")
            )
        work.apply(act)
        actions.append(act)
    return batch(actions, SCENARIO_ACTION_LABELS["suggestion"].format(n=len(sites)))
