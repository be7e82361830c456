"""Headline numbers per 圏域: the few figures a committee reads off the projector.

Population, 在支診 + 在支病, the people aged 75+ outside the coverage of 在支診・在支病 and the home-care
demand of a projection year — one row per 圏域 of an option, from :func:`evaluate_option` (so they
agree with the evaluation table and the PDFs).  A figure that cannot be known is ``None`` (shown as
「－」), never 0: no population loaded, no coverage computed, no population inside the coverage, no
projection for that year.
"""

from __future__ import annotations

from dataclasses import dataclass

from zaitaku_map.coverage import CoverageParams
from zaitaku_map.options.evaluate import evaluate_option
from zaitaku_map.options.results import KenEvaluation
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
) -> Headlines:
    """The headline figures of ``option`` per 圏域 (coverage of ``category`` for the uncovered 75+)."""
    ev = evaluate_option(project, option, coverage_params=coverage_params)
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
    )
    return Headlines(
        option=ev.option,
        kens=rows,
        total=total,
        coverage_description=ev.coverage_description,
        population_note=ev.population_note,
    )
