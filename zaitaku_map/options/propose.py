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
from typing import Any

from zaitaku_map.errors import InputDataError
from zaitaku_map.labels import CATEGORIES, PROPOSAL_TEXT
from zaitaku_map.options import inputs
from zaitaku_map.options.geometry import adjacency, components
from zaitaku_map.store import Project

GROUPS: dict[str, tuple[str, ...]] = {"zaishi": ("zaishi_clinic", "zaishi_hospital")}
GROUP_LABELS: dict[str, str] = {"zaishi": "在支診・在支病"}


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


def propose(
    project: Project,
    *,
    layer: str = "二次医療圏",
    min_population: float = 0,
    require: tuple[str, ...] | list[str] | str | None = ("zaishi", "home_nursing"),
    seed: int = 0,
    iterations: int = 30,
    **unknown: Any,
) -> dict[str, Any]:
    """Propose contiguous 圏域 (see module doc).

    Returns ``{"kens": {key: {name}}, "assignments": {unit: key}, "report": {...}}``; the report has
    ``status`` (``ok`` / ``unmet``), ``constraints``, per-圏域 checks and ``unmet`` explanations.
    """
    if unknown:
        raise InputDataError(
            "unknown proposal constraints",
            value=", ".join(unknown),
            expected="min_population, require, seed, iterations",
        )
    if isinstance(require, str):
        require = tuple(r.strip() for r in require.split(",") if r.strip())
    require = tuple(require or ())
    requested = require
    for g in require:
        if g not in GROUPS and g not in CATEGORIES:
            raise InputDataError(
                "unknown facility kind in require", value=g, expected=", ".join(["zaishi", *CATEGORIES])
            )
    units = inputs.load_units(project)
    if not units:
        raise InputDataError(
            "no municipalities in the project", hint="先に行政区域（N03）を読み込んでください。"
        )
    codes = list(units)
    adj = {u: set(v) & set(codes) for u, v in adjacency(project).items() if u in units}
    for u in codes:
        adj.setdefault(u, set())
    land_adj = {u: set(v) for u, v in adj.items()}
    # virtual links between land-disconnected parts (islands)
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
                    if None in (a.rep_lon, a.rep_lat, b.rep_lon, b.rep_lat):
                        continue
                    d = (a.rep_lon - b.rep_lon) ** 2 + (a.rep_lat - b.rep_lat) ** 2  # type: ignore[operator]
                    if best is None or d < best[0]:
                        best = (d, u, v)
            if best is not None:
                adj[best[1]].add(best[2])
                adj[best[2]].add(best[1])
                virtual.append([best[1], best[2]])
            main |= set(comp)
    pops = {u: v.get("pop_total", 0.0) for u, v in inputs.unit_population(project).items()}
    facilities = inputs.FacilitySet.from_project(project)
    fu = inputs.facility_units(project, facilities, units)
    res: dict[str, dict[str, int]] = {}
    for f in facilities:
        fu_unit = fu.get(f.id)
        if fu_unit is None:
            continue
        for g in require:
            if f.category in GROUPS.get(g, (g,)):
                res.setdefault(fu_unit, {}).setdefault(g, 0)
                res[fu_unit][g] += 1
    # constraints no 圏域 can meet (nothing in the whole region) are dropped and explained up front
    dropped: list[dict[str, str]] = []
    for g in list(require):
        if sum(res.get(u, {}).get(g, 0) for u in codes) == 0:
            require = tuple(x for x in require if x != g)
            dropped.append(
                {"constraint": g, "message": PROPOSAL_TEXT["none_in_region"].format(kind=_group_label(g))}
            )
    total_pop = sum(pops.get(u, 0.0) for u in codes)
    min_pop = float(min_population or 0)
    if min_pop and total_pop < min_pop:
        dropped.append(
            {
                "constraint": "population",
                "message": PROPOSAL_TEXT["population_total"].format(total=total_pop, min=min_pop),
            }
        )
        min_pop = 0.0
    prob = _Problem(codes, adj, pops, res, require, min_pop)

    membership = inputs.layer_membership(project, layer)
    area_of = {u: (hit[0] if (hit := inputs.unit_area(membership, units[u])) else "") for u in codes}
    area_name = {a[0]: a[1] for a in membership.values()}
    areas: dict[str, set[str]] = {}
    for u in codes:
        areas.setdefault(area_of[u], set()).add(u)

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
    crossings = 0
    if orphans:
        if not regions:
            regions = [("", set(orphans))]
        else:
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
    kens: dict[str, dict[str, Any]] = {}
    assignments: dict[str, str] = {}
    per_area_count: dict[str, int] = {}
    for acode, _r in regions:
        per_area_count[acode] = per_area_count.get(acode, 0) + 1
    seen: dict[str, int] = {}
    checks = []
    unmet = []
    regions.sort(key=lambda ar: (ar[0], min(ar[1])))
    for i, (acode, r) in enumerate(regions, start=1):
        key = f"P{i:02d}"
        base = area_name.get(acode) or units[max(r, key=lambda u: pops.get(u, 0.0))].name
        seen[acode] = seen.get(acode, 0) + 1
        name = base if per_area_count[acode] == 1 else f"{base}{seen[acode]}"
        kens[key] = {"name": name}
        for u in r:
            assignments[u] = key
        areas_in = sorted({area_of[u] for u in r if area_of[u]})
        if len(areas_in) > 1:
            crossings += 1
        miss = prob.missing(r)
        parts = components(r, land_adj)
        check = {
            "ken_key": key,
            "name": name,
            "units": sorted(r),
            "pop_total": round(sum(pops.get(u, 0.0) for u in r), 1),
            "counts": {g: sum(res.get(u, {}).get(g, 0) for u in r) for g in require},
            "satisfied": not miss,
            "missing": miss,
            "areas": [area_name.get(a, a) for a in areas_in],
            "land_contiguous": len(parts) <= 1,
        }
        checks.append(check)
        for m in miss:
            unmet.append(
                {"ken_key": key, "name": name, "constraint": m, "message": _explain(m, prob, codes, name)}
            )
    report = {
        "method": "max-p style seeded region growing within base-layer areas (zaitaku_map.options.propose)",
        "constraints": {
            "min_population": float(min_population or 0),
            "require": list(requested),
            "layer": layer,
            "seed": seed,
            "iterations": iterations,
        },
        "status": "ok" if not (unmet or dropped) else "unmet",
        "message": PROPOSAL_TEXT["ok"] if not (unmet or dropped) else PROPOSAL_TEXT["unmet"],
        "dropped_constraints": dropped,
        "n_kens": len(kens),
        "layer_crossings": crossings,
        "local_moves": local_moves,
        "virtual_links": virtual,
        "kens": checks,
        "unmet": unmet,
    }
    return {"kens": kens, "assignments": assignments, "report": report}


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
