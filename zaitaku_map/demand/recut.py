"""Demand per municipality and per 圏域 of any option.

Methods (recorded on every result)
---------------------------------
``area``
    Every 圏域 of the option is a union of whole 構想区域: each gets the sum of its 構想区域' values
    from the official file, exactly.
``rates``
    Demand per municipality = Σ projected population(sex, age band, year) × use rate(sex, age band)
    (the MHLW method) with the imported rates and projections; a 圏域 sums its municipalities.
    Ages the rate table does not cover are left out and the notes say which.  When the official
    file is imported too, the municipal estimates of each 構想区域 are scaled (per year) to its value
    in the file — the rates then say how the 構想区域's demand is distributed, the file how much it
    is — and the factors are reported (setting ``calibrate_rates``).
``apportioned``
    Each 構想区域's value of a year is split over its municipalities by their share of the projected
    75+ population of that year (or 65+, or total: the ``key`` setting; the next one when the
    projection lacks it); a 圏域 sums its municipalities, so the 圏域 parts of a 構想区域 add up to
    the file's value.

The option uses ``area`` when it can, else ``rates`` when rates and projections by sex and age
cover every municipality (and the setting allows), else ``apportioned``.  Years are the file's
年度 (2024 from the NDB, 2030–2050 現状投影); the 2024 population of a 2020-based projection is
interpolated between 2020 and 2025.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from zaitaku_map.demand import tables
from zaitaku_map.demand.importer import layer_areas, match_area_layer
from zaitaku_map.demand.params import KEYS, DemandParams, load_params
from zaitaku_map.demand.peaks import DEMAND_LEGEND, POPULATION_LEGEND, Peak, growth, peak
from zaitaku_map.demand.population import Series, UnitProjection, at_year, unit_projection
from zaitaku_map.demand.tokens import OPEN, AgeBand
from zaitaku_map.labels import DEMAND_KEYS, DEMAND_TEXT
from zaitaku_map.store import Project

DEFAULT_YEARS = (2024, 2030, 2035, 2040, 2045, 2050)
MEASURE = "home_visit"


@dataclass
class UnitDemand:
    """Demand per municipality (option unit)."""

    method: str | None  # rates|apportioned|None
    key: str | None  # the apportioning key used (75+|65+|total), or None for rates
    years: list[int]
    values: dict[str, Series]
    area_of: dict[str, str]  # unit -> 構想区域 code
    notes: list[str] = field(default_factory=list)
    factors: dict[str, Series] = field(default_factory=dict)  # 構想区域 -> year -> file / Σ rates

    @property
    def calibrated(self) -> bool:
        return bool(self.factors)


@dataclass
class Context:
    """Everything the re-cut needs, read once from the project."""

    params: DemandParams
    layer: str | None
    area_values: dict[str, Series]  # 構想区域 -> year -> demand (the file)
    area_names: dict[str, str]
    area_population: dict[str, Series]  # 構想区域 -> year -> population (the file's 人口 columns)
    area_of: dict[str, str]  # unit -> 構想区域 (units of the layer only)
    projection: UnitProjection
    rates: dict[tuple[str, str, AgeBand], float]  # per person per month
    years: list[int]

    @property
    def has_file(self) -> bool:
        return bool(self.area_values)


def load_context(project: Project, params: DemandParams | None = None) -> Context:
    prm = params or load_params(project)
    values = tables.demand_by_area(project, MEASURE)
    layer = None
    area_of: dict[str, str] = {}
    if values:
        layer = prm.area_layer or match_area_layer(project, sorted(values)).layer
        if layer is not None:
            area_of = {u: a for u, a in layer_areas(project, layer).items() if a in values}
    years = sorted({y for s in values.values() for y in s}) or list(DEFAULT_YEARS)
    return Context(
        params=prm,
        layer=layer,
        area_values=values,
        area_names=tables.area_names(project),
        area_population=tables.demand_by_area(project, "population"),
        area_of=area_of,
        projection=unit_projection(project),
        rates=tables.rates(project, MEASURE),
        years=years,
    )


# -- rates ------------------------------------------------------------------------------------
def _cover(bands: Sequence[AgeBand], lo: int, hi: int) -> list[AgeBand] | None:
    """Population bands that tile the rate band ``[lo, hi]`` exactly (``None`` when they do not)."""
    chain: list[AgeBand] = []
    nxt = lo
    for b in sorted(bands):
        if b[0] == nxt and (hi == OPEN or b[1] <= hi) and (not chain or chain[-1][1] != OPEN):
            chain.append(b)
            nxt = b[1] + 1
    end = chain[-1][1] if chain else None
    return chain if chain and (end == hi or (hi == OPEN and end == OPEN)) else None


def _unit_rates(ctx: Context, unit: str) -> dict[tuple[str, AgeBand], float]:
    own = {(s, a): v for (p, s, a), v in ctx.rates.items() if p == unit[:2]}
    return own or {(s, a): v for (p, s, a), v in ctx.rates.items() if p == ""}


def _rates_one(ctx: Context, unit: str) -> Series | None:
    detail = ctx.projection.detail.get(unit)
    rates = _unit_rates(ctx, unit)
    if not detail or not rates:
        return None
    pop_sexes = {s for s, _a in detail}
    rate_sexes = {s for s, _a in rates}
    if rate_sexes <= pop_sexes:
        use = rates
    elif "T" in rate_sexes:  # rates for 男女計 only: add the sexes of the population
        use = {k: v for k, v in rates.items() if k[0] == "T"}
    else:
        return None
    out: Series = {}
    for y in ctx.years:
        total = 0.0
        for (sex, band), rate in use.items():
            sexes = [sex] if sex in pop_sexes else sorted(pop_sexes)
            for sx in sexes:
                chain = _cover([a for s, a in detail if s == sx], *band)
                if chain is None:
                    return None
                for b in chain:
                    v = at_year(detail[(sx, b)], y)
                    if v is None:
                        return None
                    total += v * rate
        out[y] = total
    return out


def _uncovered_ages(ctx: Context) -> str | None:
    bands = sorted({a for _p, _s, a in ctx.rates})
    gaps: list[str] = []
    nxt = 0
    for lo, hi in bands:
        if lo > nxt:
            gaps.append(DEMAND_TEXT["age_band"].format(lo=nxt, hi=lo - 1))
        nxt = max(nxt, hi + 1 if hi != OPEN else OPEN)
    if nxt != OPEN:
        gaps.append(DEMAND_TEXT["age_open"].format(lo=nxt))
    return "・".join(gaps) if gaps else None


def rates_demand(ctx: Context, units: Sequence[str]) -> dict[str, Series] | None:
    """Σ population × rate for every unit, or ``None`` when one of them cannot be computed."""
    out: dict[str, Series] = {}
    for u in units:
        s = _rates_one(ctx, u)
        if s is None:
            return None
        out[u] = s
    return out


# -- apportioning -------------------------------------------------------------------------------
def _key_for(ctx: Context, units: Sequence[str]) -> str | None:
    """The apportioning key: the setting, else the next group every unit has for every year."""
    order = list(KEYS[KEYS.index(ctx.params.key) :]) + [
        k for k in KEYS if k not in KEYS[KEYS.index(ctx.params.key) :]
    ]
    for k in order:
        if all(ctx.projection.key(u, k, y) is not None for u in units for y in ctx.years):
            return k
    return None


def apportioned_demand(ctx: Context) -> tuple[dict[str, Series], dict[str, str], list[str]]:
    """``(unit → demand, 構想区域 → key used, 構想区域 that could not be split)``."""
    members: dict[str, list[str]] = defaultdict(list)
    for u, a in sorted(ctx.area_of.items()):
        members[a].append(u)
    out: dict[str, Series] = {}
    keys: dict[str, str] = {}
    failed: list[str] = []
    for area, units in sorted(members.items()):
        key = _key_for(ctx, units)
        if key is None:
            failed.append(area)
            continue
        keys[area] = key
        for y in ctx.years:
            w = {u: ctx.projection.key(u, key, y) or 0.0 for u in units}
            total = sum(w.values())
            v = ctx.area_values[area].get(y)
            if v is None or total <= 0:
                continue
            for u in units:
                out.setdefault(u, {})[y] = v * w[u] / total
    return out, keys, failed


def _calibrate(ctx: Context, ud: UnitDemand) -> None:
    """Scale the rates' municipal estimates per 構想区域 and year to the file's value (factor recorded)."""
    members: dict[str, list[str]] = defaultdict(list)
    for u, a in ctx.area_of.items():
        members[a].append(u)
    for area, units in sorted(members.items()):
        for y in ctx.years:
            raw = sum(ud.values[u].get(y, 0.0) for u in units)
            official = ctx.area_values[area].get(y)
            if official is None or raw <= 0:
                continue
            f = official / raw
            ud.factors.setdefault(area, {})[y] = f
            for u in units:
                ud.values[u][y] *= f
    fs = [f for s in ud.factors.values() for f in s.values()]
    if fs:
        ud.notes.append(DEMAND_TEXT["rates_calibrated"].format(lo=min(fs), hi=max(fs)))


def unit_demand(
    project: Project, params: DemandParams | None = None, *, ctx: Context | None = None
) -> UnitDemand:
    """Demand per municipality by rates when possible, else apportioned (see module doc)."""
    c = ctx or load_context(project, params)
    units = sorted(c.projection.groups) if not c.area_of else sorted(c.area_of)
    notes: list[str] = []
    if c.params.use_rates and c.rates and c.projection.detail:
        got = rates_demand(c, units)
        if got is not None:
            if (gap := _uncovered_ages(c)) is not None:
                notes.append(DEMAND_TEXT["ages_without_rate"].format(ages=gap))
            out = UnitDemand("rates", None, c.years, got, dict(c.area_of), notes + c.projection.notes)
            if c.params.calibrate_rates and c.has_file and c.area_of:
                _calibrate(c, out)
            return out
        notes.append(DEMAND_TEXT["rates_incomplete"])
    if not c.has_file:
        return UnitDemand(None, None, c.years, {}, {}, [*notes, DEMAND_TEXT["no_demand_file"]])
    if c.layer is None:
        return UnitDemand(None, None, c.years, {}, {}, [*notes, DEMAND_TEXT["no_area_layer"]])
    values, keys, failed = apportioned_demand(c)
    used = sorted(set(keys.values()), key=KEYS.index)
    if failed:
        notes.append(
            DEMAND_TEXT["areas_not_apportioned"].format(
                areas="・".join(f"{a} {c.area_names.get(a, '')}".strip() for a in failed)
            )
        )
    if used and used != [c.params.key]:
        notes.append(
            DEMAND_TEXT["key_fallback"].format(
                wanted=DEMAND_KEYS[c.params.key], used="・".join(DEMAND_KEYS[k] for k in used)
            )
        )
    return UnitDemand(
        "apportioned" if values else None,
        "・".join(used) or None,
        c.years,
        values,
        dict(c.area_of),
        notes + c.projection.notes,
    )


# -- option level --------------------------------------------------------------------------------
@dataclass
class KenDemand:
    """Demand and projected population of one 圏域."""

    ken_key: str
    name: str
    values: Series | None  # 訪問診療 レセプト件数/月 by 年度
    areas: list[str]  # 構想区域 the 圏域 touches
    peak: Peak | None
    growth: float | None  # base_year → target_year
    population: dict[str, Series]  # total|65+|75+|85+ -> year -> persons
    population_peaks: dict[str, Peak]  # 65+|75+
    note: str | None = None


@dataclass
class AreaCheck:
    """A 構想区域's value in the file against the sum of the option's parts of it."""

    area_code: str
    area_name: str | None
    file: Series
    parts: Series  # summed over the 圏域 (units not assigned to any 圏域 are left out)
    complete: bool  # every unit of the 構想区域 is in some 圏域


@dataclass
class OptionDemand:
    """Demand of every 圏域 of an option, with the method, key and sources used."""

    method: str | None  # area|rates|apportioned|None
    key: str | None
    years: list[int]
    layer: str | None
    kens: list[KenDemand]
    checks: list[AreaCheck]
    notes: list[str]
    params: DemandParams

    def ken(self, key: str) -> KenDemand | None:
        return next((k for k in self.kens if k.ken_key == key), None)


def _whole_areas(ctx: Context, members: Mapping[str, list[str]]) -> bool:
    """Whether every 圏域 is a union of whole 構想区域 (and every member unit lies in one)."""
    by_area: dict[str, set[str]] = defaultdict(set)
    for u, a in ctx.area_of.items():
        by_area[a].add(u)
    for units in members.values():
        if not units:
            continue
        areas = {ctx.area_of.get(u) for u in units}
        if None in areas:
            return False
        if any(not by_area[a] <= set(units) for a in areas if a is not None):
            return False
    return True


def _population(ctx: Context, units: Sequence[str], areas: Sequence[str], whole: bool) -> dict[str, Series]:
    out: dict[str, Series] = {}
    proj = ctx.projection
    for g in ("total", "65+", "75+", "85+"):
        parts = [proj.groups.get(u, {}).get(g) for u in units]
        if units and all(p is not None for p in parts):
            years = sorted(set.intersection(*(set(p) for p in parts if p is not None)))
            out[g] = {y: sum(p[y] for p in parts if p is not None) for y in years}
    if "total" not in out and whole and areas and all(a in ctx.area_population for a in areas):
        years = sorted(set.intersection(*(set(ctx.area_population[a]) for a in areas)))
        out["total"] = {y: sum(ctx.area_population[a][y] for a in areas) for y in years}
    return out


def _ken(
    ctx: Context, key: str, name: str, units: list[str], values: Series | None, whole: bool, note: str | None
) -> KenDemand:
    areas = sorted({a for u in units if (a := ctx.area_of.get(u)) is not None})
    pop = _population(ctx, units, areas, whole)
    peaks: dict[str, Peak] = {
        g: p for g in ("65+", "75+") if g in pop and (p := peak(pop[g], POPULATION_LEGEND)) is not None
    }
    return KenDemand(
        ken_key=key,
        name=name,
        values=values,
        areas=areas,
        peak=None if not values else peak(values, DEMAND_LEGEND),
        growth=None if not values else growth(values, ctx.params.base_year, ctx.params.target_year),
        population=pop,
        population_peaks=peaks,
        note=note,
    )


def _checks(ctx: Context, unit_values: Mapping[str, Series], assigned: set[str]) -> list[AreaCheck]:
    by_area: dict[str, list[str]] = defaultdict(list)
    for u, a in ctx.area_of.items():
        by_area[a].append(u)
    out = []
    for a, units in sorted(by_area.items()):
        mine = [u for u in units if u in assigned and u in unit_values]
        if not mine:
            continue
        parts = {y: sum(unit_values[u].get(y, 0.0) for u in mine) for y in ctx.years}
        out.append(AreaCheck(a, ctx.area_names.get(a), ctx.area_values[a], parts, set(units) <= assigned))
    return out


def option_demand(
    project: Project,
    assignments: Mapping[str, str],
    names: Mapping[str, str],
    *,
    params: DemandParams | None = None,
    ctx: Context | None = None,
) -> OptionDemand:
    """Demand per 圏域 of an option given as ``unit → 圏域 key`` and ``圏域 key → name``."""
    c = ctx or load_context(project, params)
    members: dict[str, list[str]] = {k: [] for k in names}
    for u, k in sorted(assignments.items()):
        members.setdefault(k, []).append(u)
    if c.has_file and c.layer is not None and _whole_areas(c, members):
        kens = []
        for k, units in members.items():
            areas = sorted({c.area_of[u] for u in units})
            vals = {y: sum(c.area_values[a][y] for a in areas) for y in c.years} if areas else None
            kens.append(_ken(c, k, names.get(k, k), units, vals, True, None))
        notes = _population_note(list(c.projection.notes), kens)
        return OptionDemand("area", None, c.years, c.layer, kens, _area_checks(c, kens), notes, c.params)
    ud = unit_demand(project, ctx=c)
    kens = []
    for k, units in members.items():
        missing = [u for u in units if u not in ud.values]
        vals = (
            None
            if missing or not units or not ud.values
            else {y: sum(ud.values[u][y] for u in units if y in ud.values[u]) for y in c.years}
        )
        note = (
            None
            if vals is not None
            else (DEMAND_TEXT["ken_units_missing"] if ud.values else (ud.notes[-1] if ud.notes else None))
        )
        kens.append(_ken(c, k, names.get(k, k), units, vals, False, note))
    checks = _checks(c, ud.values, set(assignments)) if c.has_file else []
    notes = _population_note(list(ud.notes), kens)
    return OptionDemand(ud.method, ud.key, c.years, c.layer, kens, checks, notes, c.params)


def _population_note(notes: list[str], kens: Sequence[KenDemand]) -> list[str]:
    """``notes`` plus why the 75+ peak is empty when no 圏域 has one (the tables print 「-」 there)."""
    if kens and not any("75+" in k.population_peaks for k in kens):
        notes.append(DEMAND_TEXT["no_population_peaks"])
    return notes


def _area_checks(ctx: Context, kens: Sequence[KenDemand]) -> list[AreaCheck]:
    out = []
    for k in kens:
        for a in k.areas:
            out.append(
                AreaCheck(a, ctx.area_names.get(a), ctx.area_values[a], dict(ctx.area_values[a]), True)
            )
    return out
