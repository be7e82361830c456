"""Evaluation sections of future demand: ``demand`` and ``population_projection`` per 圏域.

``option evaluate NAME [--year Y] --json`` then carries, per 圏域::

    "demand": {"home_visit_per_month": {"2024": …, "2030": …, …, "2050": …}, "peak_year": 2045,
               "method": "area"|"apportioned"|"rates", "key": "75+"|null, "growth": …, "supply": {…}, …}
    "population_projection": {"75+": {"2020": …, …}, "peak_year_75": …, "peak_year_65": …, …}

computed by :func:`zaitaku_map.demand.option_demand` (the facility counts for the supply ratios come
from the evaluation's facility set, so a what-if scenario's facilities count).  Both keys are left out
when the project holds nothing about the future.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from zaitaku_map.demand import load_params, option_demand, tables
from zaitaku_map.demand.population import at_year
from zaitaku_map.demand.recut import KenDemand, OptionDemand
from zaitaku_map.demand.sources import citations
from zaitaku_map.demand.supply import SupplyRow, supply_rows
from zaitaku_map.labels import DEMAND_KEYS, DEMAND_METHODS, DEMAND_TEXT, DEMAND_UNIT
from zaitaku_map.options.results import WARNING, EvaluationWarning
from zaitaku_map.options.sections import (
    EvaluationContext,
    EvaluationSection,
    Indicator,
    Scalar,
    SectionResult,
)
from zaitaku_map.store import Project, queries

JSON = dict[str, Any]


def _years(series: Mapping[int, float] | None) -> dict[str, float] | None:
    return None if series is None else {str(y): v for y, v in sorted(series.items())}


def _fingerprint(project: Project) -> str:
    """What the demand of an option depends on besides its assignments (imports and settings)."""
    row = project.conn.execute("SELECT max(id), count(*) FROM sources").fetchone()
    return json.dumps([row[0], row[1], project.setting("demand")], default=str)


@functools.lru_cache(maxsize=16)
def _cached(
    path: str,
    assignments: tuple[tuple[str, str], ...],
    names: tuple[tuple[str, str], ...],
    fingerprint: str,
    project: Project,
) -> OptionDemand:
    del path, fingerprint  # part of the key only
    return option_demand(project, dict(assignments), dict(names))


def demand_for(ctx: EvaluationContext) -> OptionDemand:
    """The option's demand, computed once for both sections of one evaluation."""
    return _cached(
        str(ctx.project.path),
        tuple(sorted(ctx.assignments.items())),
        tuple(sorted(ctx.ken_names.items())),
        _fingerprint(ctx.project),
        ctx.project,
    )


@dataclass(frozen=True)
class DemandValue:
    """The ``demand`` value of one 圏域."""

    ken: KenDemand
    method: str | None
    key: str | None
    year: int | None
    base_year: int
    target_year: int
    supply: SupplyRow | None

    def to_dict(self) -> JSON:
        k = self.ken
        vals = k.values or {}
        return {
            "home_visit_per_month": _years(k.values),
            "unit": DEMAND_UNIT,
            "peak_year": None if k.peak is None else k.peak.year,
            "peak_class": None if k.peak is None else k.peak.cls.label,
            "growth": None if k.growth is None else round(k.growth, 4),
            "growth_years": [self.base_year, self.target_year],
            "method": self.method,
            "key": self.key,
            "areas": k.areas,
            **(
                {"year": self.year, "at_year": None if self.year is None else vals.get(self.year)}
                if self.year is not None
                else {}
            ),
            "supply": None if self.supply is None else self.supply.to_dict(),
            "flagged": bool(self.supply and self.supply.flagged),
            "note": k.note,
        }


@dataclass(frozen=True)
class DemandTotals:
    values: dict[int, float] | None
    method: str | None
    key: str | None
    per_1000_target: dict[str, float | None]
    thresholds: str
    sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> JSON:
        return {
            "home_visit_per_month": _years(self.values),
            "method": self.method,
            "method_label": None if self.method is None else DEMAND_METHODS[self.method],
            "key": self.key,
            "per_1000_target": self.per_1000_target,
            "thresholds": self.thresholds,
            "sources": self.sources,
            "notes": self.notes,
        }


def _counts(ctx: EvaluationContext) -> dict[str, Counter[str]]:
    assign = ctx.assignments
    out: dict[str, Counter[str]] = {}
    for f in ctx.facilities.facilities:
        ken = assign.get(ctx.facility_units.get(f.id) or "")
        if ken is not None:
            out.setdefault(ken, Counter())[f.category] += 1
    return out


class DemandSection(EvaluationSection):
    """Future 訪問診療 demand per 圏域, its peak and growth, and supply against it."""

    key = "demand"

    def evaluate(self, ctx: EvaluationContext) -> SectionResult | None:
        if not tables.sources(ctx.project):
            return None  # nothing imported about the future: the key is left out
        od = demand_for(ctx)  # a method of None: the notes say what is missing for this option
        prm = load_params(ctx.project)
        loaded = queries.loaded_categories(ctx.project)
        rows, overall = supply_rows(od, _counts(ctx), loaded=loaded, params=prm)
        per_ken = {
            k.ken_key: DemandValue(
                k, od.method, od.key, ctx.year, prm.base_year, prm.target_year, rows.get(k.ken_key)
            )
            for k in od.kens
        }
        warnings = [
            EvaluationWarning(
                "demand_growth_thin_supply",
                WARNING,
                DEMAND_TEXT["flag_warning"].format(
                    growth=k.growth or 0.0,
                    target=prm.target_year,
                    groups="・".join(DEMAND_TEXT[f"supply_{g}"] for g in rows[k.ken_key].reasons),
                ),
                k.ken_key,
                k.name,
                {"growth": k.growth, "thin": rows[k.ken_key].reasons},
            )
            for k in od.kens
            if k.ken_key in rows and rows[k.ken_key].flagged
        ]
        all_vals = [k.values for k in od.kens if k.values]
        totals = DemandTotals(
            {y: sum(v[y] for v in all_vals) for y in od.years}
            if all_vals and len(all_vals) == len(od.kens)
            else None,
            od.method,
            od.key,
            overall,
            prm.describe_ja(),
            [c.text for c in citations(ctx.project)],
            od.notes,
        )
        method = DEMAND_METHODS.get(od.method or "", "-")
        key = f"（{DEMAND_KEYS.get(od.key or '', od.key)}）" if od.key else ""
        return SectionResult(
            per_ken, totals, warnings, DEMAND_TEXT["section_note"].format(method=method + key)
        )

    def indicators(self, result: SectionResult) -> Mapping[str, Indicator]:
        vals = [v for v in result.per_ken.values() if isinstance(v, DemandValue)]
        if not vals:
            return {}
        target = vals[0].target_year
        peaks = [v.ken.peak.year for v in vals if v.ken.peak is not None]
        return {
            "demand_target_max": Indicator(
                max((v.ken.values or {}).get(target, 0.0) for v in vals), higher_is_better=None
            ),
            "demand_latest_peak": Indicator(max(peaks) if peaks else None, higher_is_better=None),
            "demand_flagged": Indicator(
                sum(1 for v in vals if v.supply and v.supply.flagged), higher_is_better=False
            ),
        }

    def ken_columns(self, value: Any) -> Mapping[str, Scalar]:
        if not isinstance(value, DemandValue):
            return {}
        vals = value.ken.values or {}
        out: dict[str, Scalar] = {
            f"demand_{value.base_year}": vals.get(value.base_year),
            f"demand_{value.target_year}": vals.get(value.target_year),
            "demand_peak_year": None if value.ken.peak is None else value.ken.peak.year,
        }
        if value.year is not None and value.year not in (value.base_year, value.target_year):
            out[f"demand_{value.year}"] = vals.get(value.year)
        return out


@dataclass(frozen=True)
class PopulationValue:
    """The ``population_projection`` value of one 圏域."""

    ken: KenDemand
    year: int | None

    def to_dict(self) -> JSON:
        k = self.ken
        out: JSON = {g: _years(s) for g, s in k.population.items()}
        for g, tag in (("75+", "75"), ("65+", "65")):
            p = k.population_peaks.get(g)
            out[f"peak_year_{tag}"] = None if p is None else p.year
            out[f"peak_class_{tag}"] = None if p is None else p.cls.label
        if self.year is not None:
            out["year"] = self.year
            out["at_year"] = {g: at_year(s, self.year) for g, s in k.population.items()}
        return out


class PopulationProjectionSection(EvaluationSection):
    """Projected population per 圏域 (total, 65+, 75+, 85+) and the peak years of 65+ and 75+."""

    key = "population_projection"

    def evaluate(self, ctx: EvaluationContext) -> SectionResult | None:
        od = demand_for(ctx)
        if not any(k.population for k in od.kens):
            return None
        return SectionResult({k.ken_key: PopulationValue(k, ctx.year) for k in od.kens})

    def ken_columns(self, value: Any) -> Mapping[str, Scalar]:
        if not isinstance(value, PopulationValue):
            return {}
        p = value.ken.population_peaks.get("75+")
        return {"peak_year_75": None if p is None else p.year}
