"""Typed results of the option evaluation (:func:`~zaitaku_map.options.evaluate_option`).

Every class is frozen and has a ``to_dict()`` giving the JSON of ``zaitaku-map option … evaluate
--json`` (the keys callers and exports read).  Extension sections
(:mod:`zaitaku_map.options.sections`) add their own values under their own key, per 圏域 and in
the totals, without changing these classes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from zaitaku_map.labels import OPTION_TEXT, OPTION_WARNINGS

if TYPE_CHECKING:
    from zaitaku_map.coverage import CoverageParams
    from zaitaku_map.options.model import Hub
    from zaitaku_map.options.sections import SectionResult

JSON = dict[str, Any]
WARNING = "warning"
INFO = "info"


class SectionValue(Protocol):
    """What an extension section returns per 圏域 (and for the totals): anything JSON-ready."""

    def to_dict(self) -> JSON: ...


def rate(n: float, base: float | None, per: float) -> float | None:
    """``n`` per ``per`` of ``base`` (2 decimals), ``None`` without a positive base."""
    return round(n / base * per, 2) if base is not None and base > 0 else None


@dataclass(frozen=True)
class EvaluationWarning:
    """One finding of the evaluation; ``level`` ``warning`` (counted) or ``info``."""

    code: str
    level: str
    message: str
    ken_key: str | None = None
    ken_name: str | None = None
    detail: Mapping[str, Any] | None = None  # the values the message was formatted with

    @classmethod
    def of(
        cls,
        code: str,
        ken_key: str | None = None,
        ken_name: str | None = None,
        *,
        level: str = WARNING,
        **detail: Any,
    ) -> EvaluationWarning:
        """A warning of the evaluation's own kinds (text from ``labels.OPTION_WARNINGS``)."""
        return cls(code, level, OPTION_WARNINGS[code].format(**detail), ken_key, ken_name, detail or None)

    def to_dict(self) -> JSON:
        return {
            "code": self.code,
            "level": self.level,
            "ken_key": self.ken_key,
            "ken_name": self.ken_name,
            "message": self.message,
            **({"detail": dict(self.detail)} if self.detail else {}),
        }


@dataclass(frozen=True)
class Population:
    """Total, 65+ and 75+ (rounded to 0.1; ``None`` = unknown)."""

    pop_total: float | None = None
    pop_65: float | None = None
    pop_75: float | None = None

    @classmethod
    def rounded(cls, pop_total: float | None, pop_65: float | None, pop_75: float | None) -> Population:
        return cls(*(None if v is None else round(v, 1) for v in (pop_total, pop_65, pop_75)))

    def to_dict(self) -> JSON:
        return {"pop_total": self.pop_total, "pop_65": self.pop_65, "pop_75": self.pop_75}


@dataclass(frozen=True)
class CategoryCount:
    """Open facilities of one category with rates (``label`` only in the per-圏域 rows)."""

    count: int
    loaded: bool
    per_100k: float | None
    per_1000_75: float | None
    label: str | None = None

    @classmethod
    def of(
        cls, count: int, loaded: bool, pop_total: float | None, pop_75: float | None, label: str | None = None
    ) -> CategoryCount:
        return cls(count, loaded, rate(count, pop_total, 1e5), rate(count, pop_75, 1e3), label)

    def to_dict(self) -> JSON:
        return {
            **({"label": self.label} if self.label is not None else {}),
            "count": self.count,
            "loaded": self.loaded,
            "per_100k": self.per_100k,
            "per_1000_75": self.per_1000_75,
        }


class FacilityRef(NamedTuple):
    """A facility named in a result (a named tuple: an evaluation lists thousands)."""

    id: int
    name: str
    category: str

    def to_dict(self) -> JSON:
        return {"id": self.id, "name": self.name, "category": self.category}


@dataclass(frozen=True)
class FunctionCarriers:
    """The facilities of a 圏域 carrying one of the functions ①–④."""

    label: str
    facilities: tuple[FacilityRef, ...]

    @property
    def present(self) -> bool:
        return bool(self.facilities)

    def to_dict(self) -> JSON:
        return {
            "label": self.label,
            "count": len(self.facilities),
            "present": self.present,
            "facilities": [f.to_dict() for f in self.facilities],
        }


@dataclass(frozen=True)
class CoverageShare:
    """Population within the threshold of one category (per 圏域: also the uncovered 65+/75+)."""

    total: float
    covered: float
    uncovered: float
    share: float | None
    pop_65_uncovered: float | None = None
    pop_75_uncovered: float | None = None

    @classmethod
    def of(
        cls,
        total: float,
        covered: float,
        uncovered: float,
        pop_65_uncovered: float | None = None,
        pop_75_uncovered: float | None = None,
    ) -> CoverageShare:
        def r(v: float | None) -> float | None:
            return None if v is None else round(v, 1)

        return cls(
            round(total, 1),
            round(covered, 1),
            round(uncovered, 1),
            round(covered / total, 4) if total > 0 else None,
            r(pop_65_uncovered),
            r(pop_75_uncovered),
        )

    def to_dict(self) -> JSON:
        out: JSON = {"total": self.total, "covered": self.covered, "uncovered": self.uncovered}
        if self.pop_65_uncovered is not None:
            out["pop_65_uncovered"] = self.pop_65_uncovered
        if self.pop_75_uncovered is not None:
            out["pop_75_uncovered"] = self.pop_75_uncovered
        out["share"] = self.share
        return out


class UnitRef(NamedTuple):
    """A municipality (or ward) of a 圏域."""

    code: str
    name: str

    def to_dict(self) -> JSON:
        return {"code": self.code, "name": self.name}


@dataclass(frozen=True)
class KenEvaluation:
    """One 圏域 of an evaluated option."""

    ken_key: str
    name: str
    color: str | None
    notes: str | None
    municipalities: tuple[UnitRef, ...]
    area_km2: float
    population: Population
    population_source: str | None  # "municipalities" | "area:<layer>" | None
    facilities: dict[str, CategoryCount]
    active_role: tuple[FacilityRef, ...]  # 積極的役割を担う医療機関
    hubs: tuple[Hub, ...]  # 連携を担う拠点
    functions: dict[int, FunctionCarriers]
    missing_functions: tuple[int, ...]
    coverage: dict[str, CoverageShare | None] | None  # None: coverage not computed
    parts: tuple[tuple[str, ...], ...]  # land-connected parts (unit codes)
    crosses: dict[str, list[str]]  # area layer -> names of the areas the 圏域 spans (≥ 2)
    warnings: tuple[EvaluationWarning, ...]
    sections: dict[str, SectionValue | None] = field(default_factory=dict)

    @property
    def n_municipalities(self) -> int:
        return len(self.municipalities)

    @property
    def contiguous(self) -> bool:
        return len(self.parts) <= 1

    @property
    def zaishi_total(self) -> int:
        """在支診 + 在支病."""
        return sum(
            self.facilities[c].count for c in ("zaishi_clinic", "zaishi_hospital") if c in self.facilities
        )

    @property
    def n_warnings(self) -> int:
        return sum(1 for w in self.warnings if w.level == WARNING)

    def to_dict(self) -> JSON:
        return {
            "ken_key": self.ken_key,
            "name": self.name,
            "color": self.color,
            "notes": self.notes,
            "municipalities": [m.to_dict() for m in self.municipalities],
            "n_municipalities": self.n_municipalities,
            "area_km2": self.area_km2,
            "population": self.population.to_dict(),
            "population_source": self.population_source,
            "facilities": {c: v.to_dict() for c, v in self.facilities.items()},
            "zaishi_total": self.zaishi_total,
            "active_role": {
                "present": bool(self.active_role),
                "facilities": [f.to_dict() for f in self.active_role],
            },
            "hub": {"present": bool(self.hubs), "hubs": [dict(h) for h in self.hubs]},
            "functions": {str(fn): v.to_dict() for fn, v in self.functions.items()},
            "missing_functions": list(self.missing_functions),
            "coverage": None
            if self.coverage is None
            else {c: None if v is None else v.to_dict() for c, v in self.coverage.items()},
            "contiguous": self.contiguous,
            "n_parts": len(self.parts),
            "parts": [list(p) for p in self.parts],
            "crosses": self.crosses,
            "warnings": [w.to_dict() for w in self.warnings],
            **{k: None if v is None else v.to_dict() for k, v in self.sections.items()},
        }


@dataclass(frozen=True)
class OutsideFacility:
    """A facility that falls in no 圏域 of the option, with the reason."""

    id: int
    name: str
    category: str
    muni_code: str | None
    unit: str | None
    reason: str  # "no municipality or position" | "outside every unit" | "municipality not assigned"

    def to_dict(self) -> JSON:
        return {
            "id": self.id,
            "name": self.name,
            "category": self.category,
            "muni_code": self.muni_code,
            "unit": self.unit,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class EvaluationTotals:
    """The whole option: sums over the 圏域 and the lists of 圏域 that need attention."""

    n_kens: int
    n_units: int
    n_assigned: int
    unassigned: tuple[str, ...]
    area_km2: float
    population: Population
    population_range: tuple[float, float] | None
    facilities: dict[str, CategoryCount]
    facilities_outside: int
    facilities_outside_list: tuple[OutsideFacility, ...]  # the first 100
    kens_without_active_role: tuple[str, ...]
    kens_without_hub: tuple[str, ...]
    kens_missing_functions: tuple[str, ...]
    non_contiguous: tuple[str, ...]
    n_warnings: int
    coverage: dict[str, CoverageShare] | None = None  # None: coverage not computed
    min_coverage: dict[str, float | None] | None = None  # per category the smallest 圏域 share
    sections: dict[str, SectionValue] = field(default_factory=dict)

    def to_dict(self) -> JSON:
        out: JSON = {
            "n_kens": self.n_kens,
            "n_units": self.n_units,
            "n_assigned": self.n_assigned,
            "unassigned": list(self.unassigned),
            "area_km2": self.area_km2,
            "population": self.population.to_dict(),
            "population_range": None if self.population_range is None else list(self.population_range),
            "facilities": {c: v.to_dict() for c, v in self.facilities.items()},
            "facilities_outside": self.facilities_outside,
            "facilities_outside_list": [f.to_dict() for f in self.facilities_outside_list],
            "kens_without_active_role": list(self.kens_without_active_role),
            "kens_without_hub": list(self.kens_without_hub),
            "kens_missing_functions": list(self.kens_missing_functions),
            "non_contiguous": list(self.non_contiguous),
            "min_coverage": self.min_coverage,
            "n_warnings": self.n_warnings,
        }
        if self.coverage is not None:
            out["coverage"] = {c: v.to_dict() for c, v in self.coverage.items()}
        out.update({k: v.to_dict() for k, v in self.sections.items()})
        return out


@dataclass(frozen=True)
class OptionEvaluation:
    """An evaluated option (see :func:`~zaitaku_map.options.evaluate_option`)."""

    option: str
    template: str | None
    layer: str | None
    notes: str
    author: str
    plan_period: str
    created_at: str | None
    updated_at: str | None
    coverage_params: CoverageParams | None
    coverage_description: str | None
    coverage_note: str | None
    population_note: str | None
    population_source: str | None  # "municipalities" | "areas" | None
    categories_not_loaded: tuple[str, ...]
    kens: tuple[KenEvaluation, ...]
    totals: EvaluationTotals
    warnings: tuple[EvaluationWarning, ...]
    scenario: str | None = None  # label of the facility set when it is not the register
    year: int | None = None
    section_notes: dict[str, str] = field(default_factory=dict)
    # each section's full result by key (the comparison asks the sections for indicators from it)
    section_results: dict[str, SectionResult] = field(default_factory=dict, repr=False, compare=False)

    @property
    def title(self) -> str:
        """「案A」, or 「案A＋シナリオ1」 for a scenario."""
        return self.option if self.scenario is None else f"{self.option}＋{self.scenario}"

    def ken(self, key: str) -> KenEvaluation:
        """The 圏域 with key ``key`` (``KeyError`` when absent)."""
        for k in self.kens:
            if k.ken_key == key:
                return k
        raise KeyError(key)

    def to_dict(self) -> JSON:
        out: JSON = {
            "option": self.option,
            "template": self.template,
            "layer": self.layer,
            "notes": self.notes,
            "author": self.author,
            "plan_period": self.plan_period,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "rates_note": OPTION_TEXT["computed_by_tool"],
            "rate_labels": {"per_100k": OPTION_TEXT["per_100k"], "per_1000_75": OPTION_TEXT["per_1000_75"]},
            "coverage_params": None if self.coverage_params is None else self.coverage_params.to_dict(),
            "coverage_description": self.coverage_description,
            "coverage_note": self.coverage_note,
            "population_note": self.population_note,
            "population_source": self.population_source,
            "categories_not_loaded": list(self.categories_not_loaded),
            "kens": [k.to_dict() for k in self.kens],
            "totals": self.totals.to_dict(),
            "warnings": [w.to_dict() for w in self.warnings],
        }
        if self.scenario is not None:
            out.update(scenario=self.scenario, title=self.title)
        if self.year is not None:
            out["year"] = self.year
        if self.section_notes:
            out["section_notes"] = dict(self.section_notes)
        return out
