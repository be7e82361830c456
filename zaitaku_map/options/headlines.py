"""Headline numbers per 圏域: the few figures a committee reads off the projector.

Population, 在支診 + 在支病, the people aged 75+ outside the coverage of 在支診・在支病 and the home-care
demand of a projection year — one row per 圏域 of an option, from :func:`evaluate_option` (so they
agree with the evaluation table and the PDFs).  A figure that cannot be known is ``None`` (shown as
「－」), never 0: no population loaded, no coverage computed, no population inside the coverage, no
projection for that year.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zaitaku_map.options.evaluate import evaluate_option
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


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def _uncovered_75(ken: dict[str, Any], category: str) -> float | None:
    cov = (ken.get("coverage") or {}).get(category) or {}
    total = _num(cov.get("total"))
    if not total:  # no population inside the coverage statistics: unknown, not zero
        return None
    return _num(cov.get("pop_75_uncovered"))


def _sum(values: list[float | None]) -> float | None:
    return (
        None
        if not values or any(v is None for v in values)
        else float(sum(v for v in values if v is not None))
    )


def ken_headlines(
    project: Project, option: str, *, coverage_params: Any = None, category: str = COVERAGE_CATEGORY
) -> Headlines:
    """The headline figures of ``option`` per 圏域 (coverage of ``category`` for the uncovered 75+)."""
    ev = evaluate_option(project, option, coverage_params=coverage_params)
    rows = []
    for k in ev["kens"]:
        if not k["n_municipalities"]:
            continue
        pop = k.get("population") or {}
        rows.append(
            KenHeadline(
                key=str(k["ken_key"]),
                name=str(k["name"]),
                color=str(k.get("color") or "#cccccc"),
                n_units=int(k["n_municipalities"]),
                population=_num(pop.get("pop_total")),
                pop_75=_num(pop.get("pop_75")),
                zaishi=int(k.get("zaishi_total") or 0),
                uncovered_75=_uncovered_75(k, category),
            )
        )
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
        option=str(ev["option"]),
        kens=rows,
        total=total,
        coverage_description=ev.get("coverage_description"),
        population_note=ev.get("population_note"),
    )
