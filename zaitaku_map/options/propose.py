"""Automatic proposal of contiguous 圏域 that satisfy constraints (template ``proposed``).

Method: a max-p style regionalisation by seeded region growing on the unit adjacency graph
(our own heuristic; the max-p problem of Duque, Anselin & Rey 2012 — the same family as
``spopt.region.MaxPHeuristic``, which is heavy and not a dependency here):

1. **Graph.** Units are nodes, shared borders are edges (:mod:`~zaitaku_map.options.geometry`).
   A part of the region with no land border to the rest (an island) gets one *virtual* edge to
   the nearest unit of another part, so it can join a 圏域; such 圏域 are reported (they cannot
   be contiguous on land).
2. **Inside each area of the base layer** (二次医療圏 by default), so that no 圏域 crosses it
   unless necessary: repeat ``iterations`` times with a seeded random order — take the next
   unassigned unit as a seed and grow it by adding the adjacent unassigned unit of the same area
   that best fixes what is still missing (a lacking required facility kind first, then population),
   until the 圏域 satisfies every constraint; growth that gets stuck releases its units as
   *enclaves*.  Enclaves then join the smallest adjacent 圏域 of the same area.  Keep the run with the
   most 圏域 (max-p), then the most even population; then a local search moves boundary units between
   圏域 of the area while both stay valid and connected and the population becomes more even.
3. **Areas that cannot make one valid 圏域 on their own** join adjacent 圏域 of other areas
   (these are the only crossings), or stay together as one 圏域 when nothing is adjacent.
4. **Report** each constraint per 圏域 and, when a constraint cannot be met, say which and why.  A
   constraint no 圏域 can meet (the region has no 訪問看護ステーション at all, or its total population
   is below the minimum) is dropped before growing, and reported in ``dropped_constraints``.

Constraints: ``min_population`` (default 0), ``require`` (facility groups that each 圏域 must
contain; default ``("zaishi", "home_nursing")`` where ``zaishi`` = 在支診 or 在支病; any category key
is accepted), ``seed`` (0) and ``iterations`` (30).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypedDict

from zaitaku_map.coverage import COMBINED
from zaitaku_map.errors import InputDataError
from zaitaku_map.labels import CATEGORIES, COMBINED_CATEGORY_LABELS, PROPOSAL_TEXT
from zaitaku_map.options import inputs
from zaitaku_map.options.geometry import adjacency, components
from zaitaku_map.options.model import Ken, named_ken
from zaitaku_map.store import Project

GROUPS: dict[str, tuple[str, ...]] = (
    COMBINED  # a group key stands for its categories (zaishi = 在支診・在支病)
)
GROUP_LABELS: dict[str, str] = COMBINED_CATEGORY_LABELS


def _group_label(g: str) -> str:
    return GROUP_LABELS.get(g) or (CATEGORIES[g].label if g in CATEGORIES else g)


class _Problem:
    def __init__(
        self,
        units: list[str],
        adj: dict[str, set[str]],
        pop: dict[str, float],
        res: dict[str, dict[str, int]],
        require: tuple[str, ...],
        min_pop: float,
    ) -> None:
        self.units, self.adj, self.pop, self.res, self.require, self.min_pop = (
            units,
            adj,
            pop,
            res,
            require,
            min_pop,
        )

    def missing(self, region: set[str]) -> list[str]:
        out = [g for g in self.require if sum(self.res.get(u, {}).get(g, 0) for u in region) == 0]
        if sum(self.pop.get(u, 0.0) for u in region) < self.min_pop:
            out.append("population")
        return out

    def feasible(self, region: set[str]) -> bool:
        return not self.missing(region)


def _grow(prob: _Problem, area_units: set[str], rng: random.Random) -> list[set[str]]:
    """One max-p construction run inside one area; returns regions covering ``area_units``, or [] if none is valid."""
    order = sorted(area_units)
    rng.shuffle(order)
    free = set(area_units)
    regions: list[set[str]] = []
    no_seed: set[str] = set()
    for seed in order:
        if seed not in free or seed in no_seed:
            continue
        region = {seed}
        free.discard(seed)
        while True:
            miss = prob.missing(region)
            if not miss:
                break
            cands = sorted({v for u in region for v in prob.adj.get(u, ()) if v in free})
            if not cands:
                break

            def score(v: str, miss: list[str] = miss) -> tuple[int, float, float]:
                fixes = sum(1 for g in miss if g != "population" and prob.res.get(v, {}).get(g, 0) > 0)
                return (
                    fixes,
                    prob.pop.get(v, 0.0) if "population" in miss else -prob.pop.get(v, 0.0),
                    rng.random(),
                )

            best = max(cands, key=score)
            region.add(best)
            free.discard(best)
        if prob.feasible(region):
            regions.append(region)
        else:  # enclaves: may still be absorbed by later regions, never seed again
            free |= region
            no_seed |= region
    if not regions:
        return []
    assigned = {u for r in regions for u in r}
    enclaves = set(area_units) - assigned
    changed = True
    while enclaves and changed:
        changed = False
        for u in sorted(enclaves):
            nbr = [r for r in regions if any(v in r for v in prob.adj.get(u, ()))]
            if nbr:
                target = min(nbr, key=lambda r: sum(prob.pop.get(x, 0.0) for x in r))
                target.add(u)
                enclaves.discard(u)
                changed = True
    if enclaves:  # not adjacent to anything inside the area: join the smallest region
        smallest = min(regions, key=lambda r: sum(prob.pop.get(x, 0.0) for x in r))
        smallest |= enclaves
    return regions


def _improve(prob: _Problem, regions: list[set[str]], *, passes: int = 10) -> int:
    """Local search: move boundary units between regions of one area to even out population.

    A move is taken only when both regions stay valid and connected and the sum of squared
    population deviations falls.  Returns the number of moves made.
    """
    if len(regions) < 2:
        return 0
    pop = prob.pop
    sums = [sum(pop.get(u, 0.0) for u in r) for r in regions]
    mean = sum(sums) / len(sums)
    moves = 0
    for _ in range(passes):
        moved = False
        for i, r in enumerate(regions):
            for u in sorted(r):
                if len(r) == 1:
                    break
                pu = pop.get(u, 0.0)
                for j, t in enumerate(regions):
                    if j == i or not any(v in t for v in prob.adj.get(u, ())):
                        continue
                    before = (sums[i] - mean) ** 2 + (sums[j] - mean) ** 2
                    after = (sums[i] - pu - mean) ** 2 + (sums[j] + pu - mean) ** 2
                    if after >= before - 1e-9:
                        continue
                    rest = r - {u}
                    if not prob.feasible(rest) or len(components(rest, prob.adj)) != 1:
                        continue
                    r.discard(u)
                    t.add(u)
                    sums[i] -= pu
                    sums[j] += pu
                    moves += 1
                    moved = True
                    break
        if not moved:
            break
    return moves


def _spread(prob: _Problem, regions: list[set[str]]) -> float:
    pops = [sum(prob.pop.get(u, 0.0) for u in r) for r in regions]
    if not pops:
        return 0.0
    mean = sum(pops) / len(pops)
    return math.sqrt(sum((p - mean) ** 2 for p in pops) / len(pops)) / (mean or 1.0)


class DroppedConstraint(TypedDict):
    constraint: str
    message: str


class UnmetConstraint(TypedDict):
    ken_key: str
    name: str
    constraint: str
    message: str


class ProposalKenCheck(TypedDict):
    """How one proposed 圏域 meets the constraints."""

    ken_key: str
    name: str
    units: list[str]
    pop_total: float
    counts: dict[str, int]
    satisfied: bool
    missing: list[str]
    areas: list[str]
    land_contiguous: bool


class ProposalConstraints(TypedDict):
    min_population: float
    require: list[str]
    layer: str
    seed: int
    iterations: int


class ProposalReport(TypedDict):
    """What the proposal did and which constraints it met (stored with the option as ``params["proposal"]``)."""

    method: str
    constraints: ProposalConstraints
    status: str  # ok | unmet
    message: str
    dropped_constraints: list[DroppedConstraint]
    n_kens: int
    layer_crossings: int
    local_moves: int
    virtual_links: list[list[str]]
    kens: list[ProposalKenCheck]
    unmet: list[UnmetConstraint]


@dataclass(frozen=True)
class Proposal:
    """The proposed 圏域 (``kens``: key → a :class:`Ken` with its name), the assignment of every unit,
    and the report."""

    kens: dict[str, Ken]
    assignments: dict[str, str]
    report: ProposalReport


def _require(require: Sequence[str] | str | None, unknown: Mapping[str, object]) -> tuple[str, ...]:
    if unknown:
        raise InputDataError(
            "unknown proposal constraints",
            value=", ".join(unknown),
            expected="min_population, require, seed, iterations",
        )
    if isinstance(require, str):
        require = tuple(r.strip() for r in require.split(",") if r.strip())
    out = tuple(require or ())
    for g in out:
        if g not in GROUPS and g not in CATEGORIES:
            raise InputDataError(
                "unknown facility kind in require", value=g, expected=", ".join([*GROUPS, *CATEGORIES])
            )
    return out


def _graph(
    project: Project, units: dict[str, inputs.Unit]
) -> tuple[dict[str, set[str]], dict[str, set[str]], list[list[str]]]:
    """Unit adjacency (with virtual links joining land-disconnected parts), the land-only adjacency,
    and the virtual links."""
    codes = list(units)
    adj = {u: set(v) & set(codes) for u, v in adjacency(project).items() if u in units}
    for u in codes:
        adj.setdefault(u, set())
    land_adj = {u: set(v) for u, v in adj.items()}
    virtual: list[list[str]] = []
    comps = components(codes, adj)
    if len(comps) > 1:
        main = set(comps[0])
        for comp in comps[1:]:
            best: tuple[float, str, str] | None = None
            for u in comp:
                a = units[u]
                for v in main:
                    b = units[v]
                    if a.rep_lon is None or a.rep_lat is None or b.rep_lon is None or b.rep_lat is None:
                        continue
                    d = (a.rep_lon - b.rep_lon) ** 2 + (a.rep_lat - b.rep_lat) ** 2
                    if best is None or d < best[0]:
                        best = (d, u, v)
            if best is not None:
                adj[best[1]].add(best[2])
                adj[best[2]].add(best[1])
                virtual.append([best[1], best[2]])
            main |= set(comp)
    return adj, land_adj, virtual


def _resources(
    project: Project, units: dict[str, inputs.Unit], require: tuple[str, ...]
) -> dict[str, dict[str, int]]:
    """Per unit, the number of facilities of each required group."""
    facilities = inputs.FacilitySet.from_project(project)
    fu = inputs.facility_units(project, facilities, units)
    res: dict[str, dict[str, int]] = {}
    for f in facilities:
        unit = fu.get(f.id)
        if unit is None:
            continue
        for g in require:
            if f.category in GROUPS.get(g, (g,)):
                res.setdefault(unit, {}).setdefault(g, 0)
                res[unit][g] += 1
    return res


def _drop_impossible(
    codes: list[str],
    pops: dict[str, float],
    res: dict[str, dict[str, int]],
    require: tuple[str, ...],
    min_pop: float,
) -> tuple[tuple[str, ...], float, list[DroppedConstraint]]:
    """Constraints no 圏域 can meet (nothing in the whole region) are dropped and explained up front."""
    dropped: list[DroppedConstraint] = []
    for g in list(require):
        if sum(res.get(u, {}).get(g, 0) for u in codes) == 0:
            require = tuple(x for x in require if x != g)
            dropped.append(
                {"constraint": g, "message": PROPOSAL_TEXT["none_in_region"].format(kind=_group_label(g))}
            )
    total_pop = sum(pops.get(u, 0.0) for u in codes)
    if min_pop and total_pop < min_pop:
        dropped.append(
            {
                "constraint": "population",
                "message": PROPOSAL_TEXT["population_total"].format(total=total_pop, min=min_pop),
            }
        )
        min_pop = 0.0
    return require, min_pop, dropped


def _grow_areas(
    prob: _Problem, areas: dict[str, set[str]], seed: int, iterations: int
) -> tuple[list[tuple[str, set[str]]], set[str], int]:
    """Max-p inside each area: the best of ``iterations`` seeded runs, then the local search.

    Returns (area, region) pairs, the units of areas that make no valid 圏域 on their own, and the
    number of local-search moves.
    """
    regions: list[tuple[str, set[str]]] = []
    orphans: set[str] = set()
    local_moves = 0
    for acode in sorted(areas):
        aunits = areas[acode]
        best_regions: list[set[str]] = []
        best_score: tuple[int, float] | None = None
        for it in range(max(1, int(iterations))):
            rng = random.Random(f"{seed}:{acode}:{it}")
            cand = _grow(prob, aunits, rng)
            sc = (len(cand), -_spread(prob, cand))
            if cand and (best_score is None or sc > best_score):
                best_regions, best_score = cand, sc
        if best_regions:
            local_moves += _improve(prob, best_regions)
            regions.extend((acode, r) for r in best_regions)
        else:
            orphans |= aunits
    return regions, orphans, local_moves


def _place_orphans(
    regions: list[tuple[str, set[str]]], orphans: set[str], adj: dict[str, set[str]], pops: dict[str, float]
) -> list[tuple[str, set[str]]]:
    """Units of areas that make no valid 圏域 join the smallest adjacent 圏域 (the only crossings),
    or stay together as one 圏域 when nothing is adjacent."""
    if not orphans:
        return regions
    if not regions:
        return [("", set(orphans))]
    pending = set(orphans)
    while pending:
        progressed = False
        for u in sorted(pending):
            nbr = [r for _a, r in regions if any(v in r for v in adj.get(u, ()))]
            if nbr:
                min(nbr, key=lambda r: sum(pops.get(x, 0.0) for x in r)).add(u)
                pending.discard(u)
                progressed = True
        if not progressed:
            regions.append(("", set(pending)))
            break
    return regions


@dataclass(frozen=True)
class _Named:
    kens: dict[str, Ken]
    assignments: dict[str, str]
    checks: list[ProposalKenCheck]
    unmet: list[UnmetConstraint]
    crossings: int


def _name_and_check(
    prob: _Problem,
    regions: list[tuple[str, set[str]]],
    units: dict[str, inputs.Unit],
    area_of: dict[str, str],
    area_name: dict[str, str],
    land_adj: dict[str, set[str]],
) -> _Named:
    """Keys P01…, names (the area's name, numbered when it holds several) and each 圏域's checks."""
    per_area_count: dict[str, int] = {}
    for acode, _r in regions:
        per_area_count[acode] = per_area_count.get(acode, 0) + 1
    seen: dict[str, int] = {}
    out = _Named({}, {}, [], [], 0)
    crossings = 0
    codes = list(units)
    for i, (acode, r) in enumerate(sorted(regions, key=lambda ar: (ar[0], min(ar[1]))), start=1):
        key = f"P{i:02d}"
        base = area_name.get(acode) or units[max(r, key=lambda u: prob.pop.get(u, 0.0))].name
        seen[acode] = seen.get(acode, 0) + 1
        name = base if per_area_count[acode] == 1 else f"{base}{seen[acode]}"
        out.kens[key] = named_ken(name)
        for u in r:
            out.assignments[u] = key
        areas_in = sorted({area_of[u] for u in r if area_of[u]})
        crossings += len(areas_in) > 1
        miss = prob.missing(r)
        out.checks.append(
            {
                "ken_key": key,
                "name": name,
                "units": sorted(r),
                "pop_total": round(sum(prob.pop.get(u, 0.0) for u in r), 1),
                "counts": {g: sum(prob.res.get(u, {}).get(g, 0) for u in r) for g in prob.require},
                "satisfied": not miss,
                "missing": miss,
                "areas": [area_name.get(a, a) for a in areas_in],
                "land_contiguous": len(components(r, land_adj)) <= 1,
            }
        )
        out.unmet.extend(
            {"ken_key": key, "name": name, "constraint": m, "message": _explain(m, prob, codes, name)}
            for m in miss
        )
    return _Named(out.kens, out.assignments, out.checks, out.unmet, crossings)


def propose(
    project: Project,
    *,
    layer: str = "二次医療圏",
    min_population: float = 0,
    require: Sequence[str] | str | None = ("zaishi", "home_nursing"),
    seed: int = 0,
    iterations: int = 30,
    **unknown: object,  # a constraint of another template: refused with the names that are known
) -> Proposal:
    """Propose contiguous 圏域 (see module doc).

    Returns a :class:`Proposal`: ``kens`` (key → :class:`Ken`), ``assignments`` (unit → key) and the
    ``report`` (``status`` ``ok`` / ``unmet``, the constraints, per-圏域 checks and ``unmet``
    explanations).
    """
    requested = _require(require, unknown)
    units = inputs.load_units(project)
    if not units:
        raise InputDataError(
            "no municipalities in the project", hint="先に行政区域（N03）を読み込んでください。"
        )
    codes = list(units)
    adj, land_adj, virtual = _graph(project, units)
    pops = {u: v.get("pop_total", 0.0) for u, v in inputs.unit_population(project).items()}
    res = _resources(project, units, requested)
    req, min_pop, dropped = _drop_impossible(codes, pops, res, requested, float(min_population or 0))
    prob = _Problem(codes, adj, pops, res, req, min_pop)
    membership = inputs.layer_membership(project, layer)
    area_of = {u: (hit[0] if (hit := inputs.unit_area(membership, units[u])) else "") for u in codes}
    area_name = {a[0]: a[1] for a in membership.values()}
    areas: dict[str, set[str]] = {}
    for u in codes:
        areas.setdefault(area_of[u], set()).add(u)
    regions, orphans, local_moves = _grow_areas(prob, areas, seed, iterations)
    regions = _place_orphans(regions, orphans, adj, pops)
    named = _name_and_check(prob, regions, units, area_of, area_name, land_adj)
    ok = not (named.unmet or dropped)
    report: ProposalReport = {
        "method": "max-p style seeded region growing within base-layer areas (zaitaku_map.options.propose)",
        "constraints": {
            "min_population": float(min_population or 0),
            "require": list(requested),
            "layer": layer,
            "seed": seed,
            "iterations": iterations,
        },
        "status": "ok" if ok else "unmet",
        "message": PROPOSAL_TEXT["ok"] if ok else PROPOSAL_TEXT["unmet"],
        "dropped_constraints": dropped,
        "n_kens": len(named.kens),
        "layer_crossings": named.crossings,
        "local_moves": local_moves,
        "virtual_links": virtual,
        "kens": named.checks,
        "unmet": named.unmet,
    }
    return Proposal(named.kens, named.assignments, report)


def _explain(constraint: str, prob: _Problem, codes: list[str], name: str) -> str:
    if constraint == "population":
        total = sum(prob.pop.get(u, 0.0) for u in codes)
        if total < prob.min_pop:
            return PROPOSAL_TEXT["population_total"].format(total=total, min=prob.min_pop)
        return PROPOSAL_TEXT["population_ken"].format(name=name, min=prob.min_pop)
    total = sum(prob.res.get(u, {}).get(constraint, 0) for u in codes)
    if total == 0:
        return PROPOSAL_TEXT["none_in_region"].format(kind=_group_label(constraint))
    return PROPOSAL_TEXT["kind_ken"].format(name=name, kind=_group_label(constraint))
