"""Headline numbers per 圏域: the few figures a committee reads off the projector.

Population, 在支診 + 在支病, the people aged 75+ outside the coverage of 在支診・在支病 and the home-care
demand (訪問診療 レセプト件数/月, ``zaitaku_map.demand``) of a projection year — one row per 圏域 of an
option, from :func:`evaluate_option` (so they agree with the evaluation table and the PDFs).  A figure
that cannot be known is ``None`` (shown as 「－」), never 0: no population loaded, no coverage
computed, no population inside the coverage, no projection for that year.
"""

from __future__ import annotations

from dataclasses import dataclass

from zaitaku_map.coverage import CoverageParams
from zaitaku_map.demand import OptionDemand, option_demand
from zaitaku_map.options.evaluate import evaluate_option
from zaitaku_map.options.model import get_option
from zaitaku_map.options.results import KenEvaluation, OptionEvaluation
from zaitaku_map.store import Project

COVERAGE_CATEGORY = "zaishi"


@dataclass(frozen=True)
class KenHeadline:
    """The headline figures of one 圏域."""

    key: str
    name: str
    color: str
    n_units: int
    population: float | None
    pop_75: float | None
    zaishi: int
    uncovered_75: float | None
    demand: float | None = None
    demand_year: int | None = None


@dataclass(frozen=True)
class Headlines:
    """The headline figures of an option: one row per 圏域 (those with municipalities) and the total."""

    option: str
    kens: list[KenHeadline]
    total: KenHeadline
    coverage_description: str | None
    population_note: str | None
    demand_year: int | None = None


def _uncovered_75(ken: KenEvaluation, category: str) -> float | None:
    share = (ken.coverage or {}).get(category)
    if share is None or not share.total:  # no population inside the coverage statistics: unknown, not zero
        return None
    return share.pop_75_uncovered


def _sum(values: list[float | None]) -> float | None:
    return (
        None
        if not values or any(v is None for v in values)
        else float(sum(v for v in values if v is not None))
    )


def ken_headlines(
    project: Project,
    option: str,
    *,
    coverage_params: CoverageParams | None = None,
    category: str = COVERAGE_CATEGORY,
    year: int | None = None,
) -> Headlines:
    """The headline figures of ``option`` per 圏域 (coverage of ``category`` for the uncovered 75+;
    the home-care demand of ``year`` when the project has projections)."""
    ev = evaluate_option(project, option, coverage_params=coverage_params)
    demand = option_demand_of(project, option) if year is not None else None
    return headlines_from_evaluation(ev, category=category, demand=demand, year=year)


def option_demand_of(project: Project, option: str) -> OptionDemand | None:
    """The home-care demand per 圏域 of ``option`` (``None`` when the project has no projection)."""
    opt = get_option(project, option)
    demand = option_demand(project, opt.assignments, opt.ken_names())
    return demand if demand.years else None


def demand_years(demand: OptionDemand | None) -> tuple[list[int], int | None]:
    """(the years with demand, the year to show first: the projection's target year, else the last)."""
    if demand is None or not demand.years:
        return [], None
    years = sorted(int(y) for y in demand.years)
    target = int(demand.params.target_year) if demand.params.target_year in years else years[-1]
    return years, target


def _demand(demand: OptionDemand | None, key: str, year: int | None) -> float | None:
    ken = demand.ken(key) if demand is not None and year is not None else None
    if ken is None or ken.values is None or year not in ken.values:
        return None
    return float(ken.values[year])


def headlines_from_evaluation(
    ev: OptionEvaluation,
    *,
    category: str = COVERAGE_CATEGORY,
    demand: OptionDemand | None = None,
    year: int | None = None,
) -> Headlines:
    """The headline figures of an option from its evaluation (and its demand per 圏域 for ``year``)."""
    if demand is None:
        year = None
    rows = [
        KenHeadline(
            key=k.ken_key,
            name=k.name,
            color=k.color or "#cccccc",
            n_units=k.n_municipalities,
            population=k.population.pop_total,
            pop_75=k.population.pop_75,
            zaishi=k.zaishi_total,
            uncovered_75=_uncovered_75(k, category),
            demand=_demand(demand, k.ken_key, year),
            demand_year=year,
        )
        for k in ev.kens
        if k.municipalities
    ]
    total = KenHeadline(
        key="",
        name="",
        color="",
        n_units=sum(r.n_units for r in rows),
        population=_sum([r.population for r in rows]),
        pop_75=_sum([r.pop_75 for r in rows]),
        zaishi=sum(r.zaishi for r in rows),
        uncovered_75=_sum([r.uncovered_75 for r in rows]),
        demand=_sum([r.demand for r in rows]) if year is not None else None,
        demand_year=year,
    )
    return Headlines(
        option=ev.option,
        kens=rows,
        total=total,
        coverage_description=ev.coverage_description,
        population_note=ev.population_note,
        demand_year=year,
    )
