"""Extension sections of the option evaluation: per-圏域 columns other domains add.

The evaluation (:func:`~zaitaku_map.options.evaluate_option`) computes the built-in indicators
(population, facilities, roles, functions, coverage, contiguity).  Anything else — future demand
and population projections, 協力医療機関 gaps, … — is a **section**: an object that receives an
:class:`EvaluationContext` (the project, the option's 圏域 and their units, the facility set in
effect, the year, the coverage parameters) and returns a :class:`SectionResult` (one typed value
per 圏域, optional totals, warnings, a note).  The evaluation puts each value into its 圏域 under
the section's :attr:`~EvaluationSection.key` (``--json``: ``kens[i][key]``, ``totals[key]``),
appends the warnings and never needs editing for a new section.  The comparison
(:func:`~zaitaku_map.options.compare_options`) asks each section for indicators (with a
direction, so it can flag better/worse) and for compact per-圏域 columns.

Adding a section (owners of other domains)::

    # zaitaku_map/options/section_demand.py  (a module of the option layer, owned by its domain)
    @dataclass(frozen=True)
    class KenDemand:
        home_visit_per_month: dict[str, float]
        peak_year: int | None

        def to_dict(self) -> dict[str, Any]:
            return {"home_visit_per_month": self.home_visit_per_month, "peak_year": self.peak_year}

    class DemandSection(EvaluationSection):
        key = "demand"

        def evaluate(self, ctx: EvaluationContext) -> SectionResult | None:
            figures = demand_by_group(ctx.project, ctx.members, year=ctx.year)  # the domain's own API
            if figures is None:
                return None  # no demand imported: the key is left out entirely
            return SectionResult(per_ken={k: KenDemand(...) for k, ... in figures.items()})

        def indicators(self, result: SectionResult) -> dict[str, Indicator]:
            return {"demand_2040_max": Indicator(max(...), higher_is_better=None)}

then add ``DemandSection()`` to :data:`zaitaku_map.options.registry.SECTIONS` (one line).  A section
runs in the evaluation's process for every option evaluated: keep it fast (cache in the project's
``results_cache`` keyed by your inputs, as the coverage step does).  Sections that fail raise a
:class:`~zaitaku_map.errors.ZaitakuError`; the evaluation does not hide them.

What-if scenarios need no section: they are a :class:`~zaitaku_map.coverage.FacilitySet` passed as
``facilities=`` — counts, roles, functions, coverage and every section see the edited set
(``ctx.facilities``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from zaitaku_map.coverage import CoverageParams, FacilitySet
from zaitaku_map.options.inputs import Unit
from zaitaku_map.options.model import Option
from zaitaku_map.options.results import EvaluationWarning, Population, SectionValue
from zaitaku_map.store import Project

Scalar = float | int | str | bool | None


@dataclass(frozen=True)
class EvaluationContext:
    """Everything a section may use (read-only)."""

    project: Project
    option: Option
    units: Mapping[str, Unit]  # every unit (municipality / ward) of the project
    members: Mapping[str, tuple[str, ...]]  # ken key -> its units known to the project (every 圏域)
    facilities: FacilitySet  # the register's open facilities, or a scenario's set
    facility_units: Mapping[int, str | None]  # facility id -> its unit (None: none)
    population: Mapping[str, Population]  # ken key -> population used by the evaluation
    coverage_params: CoverageParams | None  # None: the evaluation has no coverage
    year: int | None = None  # the year asked for (projections); None = the base year

    @property
    def assignments(self) -> dict[str, str]:
        """unit code -> ken key, for the units the project knows."""
        return {u: k for k, units in self.members.items() for u in units}

    @property
    def ken_names(self) -> dict[str, str]:
        return self.option.ken_names()


@dataclass(frozen=True)
class SectionResult:
    """A section's output; 圏域 missing from ``per_ken`` get ``null`` under the section's key."""

    per_ken: Mapping[str, SectionValue]
    totals: SectionValue | None = None
    warnings: Sequence[EvaluationWarning] = ()
    note: str | None = None  # one line for tables and exports (sources, method, year)


@dataclass(frozen=True)
class Indicator:
    """One comparison indicator: its value and which direction is better (``None`` = neutral)."""

    value: Scalar
    higher_is_better: bool | None = None


class EvaluationSection:
    """Base class of an extension section (see the module doc).

    Subclasses set :attr:`key` and implement :meth:`evaluate`; :meth:`indicators` and
    :meth:`ken_columns` feed the comparison and are optional.
    """

    key: ClassVar[str]

    def evaluate(self, ctx: EvaluationContext) -> SectionResult | None:
        """The section's values, or ``None`` when its inputs are absent (the key is then omitted)."""
        raise NotImplementedError

    def indicators(self, result: SectionResult) -> Mapping[str, Indicator]:
        """Option-level indicators for the comparison table (default: none)."""
        return {}

    def ken_columns(self, value: SectionValue) -> Mapping[str, Scalar]:
        """A few scalar columns per 圏域 for the comparison (default: none)."""
        return {}
