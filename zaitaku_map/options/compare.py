"""Side-by-side comparison of two or more options with the differences made obvious.

Indicators per option come from :func:`~zaitaku_map.options.evaluate.evaluate_option` (and from
each extension section's :meth:`~zaitaku_map.options.sections.EvaluationSection.indicators`).  The
first option is the baseline; every other option gets ``flags`` saying how each indicator differs
from it (``better`` / ``worse`` / ``same`` / ``different``).  Unit-level differences are
partition-based: a unit "changes" (``changed_in``) when the set of units it shares a 圏域 with
differs from the baseline — so renaming or re-keying a 圏域 is not a change.  Each 圏域 of another
option is matched one-to-one to the baseline 圏域 it overlaps most (``ken_matches``; unmatched = a
new 圏域); a unit has "moved" (``moved_in``) when its 圏域 there does not match its baseline 圏域 —
the municipalities to colour on a difference map.

An entry may be an option name or an :class:`EvaluationTarget` (an option under a scenario's
facility set, labelled 「案A＋シナリオ1」), so 「案A」 and 「案A＋シナリオ1」 compare like two options.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from zaitaku_map.coverage import CoverageParams, FacilitySet
from zaitaku_map.errors import InputDataError
from zaitaku_map.options import inputs
from zaitaku_map.options.evaluate import evaluate_option
from zaitaku_map.options.registry import SECTIONS
from zaitaku_map.options.results import JSON, KenEvaluation, OptionEvaluation
from zaitaku_map.options.sections import EvaluationSection, Indicator, Scalar
from zaitaku_map.store import Project

# indicator -> True when larger is better, False when smaller is better, None when neutral
INDICATORS: dict[str, bool | None] = {
    "n_kens": None,
    "population_min": None,
    "population_max": None,
    "population_ratio": False,
    "n_warnings": False,
    "n_unassigned": False,
    "n_non_contiguous": False,
    "n_without_active_role": False,
    "n_without_hub": False,
    "n_missing_functions": False,
    "n_crossing_kens": False,
}


@dataclass(frozen=True)
class EvaluationTarget:
    """An option evaluated under a facility set (a scenario); plain option names need none of this."""

    option: str
    facilities: FacilitySet | None = None

    @property
    def label(self) -> str:
        """「案A」, or 「案A＋シナリオ1」 when the facility set is a scenario."""
        if self.facilities is None or self.facilities.label is None:
            return self.option
        return f"{self.option}＋{self.facilities.label}"


@dataclass(frozen=True)
class KenSummary:
    """One 圏域 in the comparison (sections add their ``ken_columns``)."""

    ken_key: str
    name: str
    n_municipalities: int
    pop_total: float | None
    zaishi_total: int
    active_role: bool
    hub: bool
    missing_functions: tuple[int, ...]
    contiguous: bool
    n_warnings: int
    columns: dict[str, Scalar] = field(default_factory=dict)

    def to_dict(self) -> JSON:
        return {
            "ken_key": self.ken_key,
            "name": self.name,
            "n_municipalities": self.n_municipalities,
            "pop_total": self.pop_total,
            "zaishi_total": self.zaishi_total,
            "active_role": self.active_role,
            "hub": self.hub,
            "missing_functions": list(self.missing_functions),
            "contiguous": self.contiguous,
            "n_warnings": self.n_warnings,
            **self.columns,
        }


@dataclass(frozen=True)
class OptionSummary:
    """One compared option: its indicators, their flags against the baseline and its 圏域."""

    template: str | None
    layer: str | None
    notes: str
    indicators: dict[str, Indicator]
    flags: dict[str, str]  # indicator -> better | worse | same | different (empty for the baseline)
    kens: tuple[KenSummary, ...]
    evaluation: OptionEvaluation = field(repr=False, compare=False)

    def to_dict(self) -> JSON:
        return {
            "template": self.template,
            "layer": self.layer,
            "notes": self.notes,
            "indicators": {k: i.value for k, i in self.indicators.items()},
            "flags": dict(self.flags),
            "kens": [k.to_dict() for k in self.kens],
        }


@dataclass(frozen=True)
class UnitDifference:
    """A unit whose 圏域 membership differs from the baseline in at least one option."""

    code: str
    name: str
    kens: dict[str, str | None]  # option -> 圏域 name (None = unassigned)
    changed_in: tuple[str, ...]
    moved_in: tuple[str, ...]

    def to_dict(self) -> JSON:
        return {
            "code": self.code,
            "name": self.name,
            "kens": dict(self.kens),
            "changed_in": list(self.changed_in),
            "moved_in": list(self.moved_in),
        }


@dataclass(frozen=True)
class OptionComparison:
    """The result of :func:`compare_options`; ``to_dict()`` is the ``--json`` output."""

    options: tuple[str, ...]
    baseline: str
    per_option: dict[str, OptionSummary]
    indicator_order: tuple[str, ...]
    unit_differences: tuple[UnitDifference, ...]
    n_unchanged_units: int
    ken_matches: dict[str, dict[str, str | None]]  # option -> its 圏域 name -> matched baseline 圏域
    identical_kens: tuple[tuple[str, tuple[str, ...]], ...]  # (baseline name, unit codes)
    coverage_note: str | None

    @property
    def n_changed_units(self) -> int:
        return len(self.unit_differences)

    @property
    def n_moved_units(self) -> int:
        return sum(1 for d in self.unit_differences if d.moved_in)

    def to_dict(self) -> JSON:
        return {
            "options": list(self.options),
            "baseline": self.baseline,
            "per_option": {n: s.to_dict() for n, s in self.per_option.items()},
            "indicator_order": list(self.indicator_order),
            "unit_differences": [d.to_dict() for d in self.unit_differences],
            "n_changed_units": self.n_changed_units,
            "n_unchanged_units": self.n_unchanged_units,
            "n_moved_units": self.n_moved_units,
            "ken_matches": self.ken_matches,
            "identical_kens": [{"name": n, "codes": list(c)} for n, c in self.identical_kens],
            "coverage_note": self.coverage_note,
        }


# ---------------------------------------------------------------------------------------------


def _indicators(ev: OptionEvaluation, sections: Sequence[EvaluationSection]) -> dict[str, Indicator]:
    t = ev.totals
    rng = t.population_range
    values: dict[str, Scalar] = {
        "n_kens": sum(1 for k in ev.kens if k.municipalities),
        "population_min": rng[0] if rng else None,
        "population_max": rng[1] if rng else None,
        "population_ratio": round(rng[1] / rng[0], 2) if rng and rng[0] > 0 else None,
        "n_warnings": t.n_warnings,
        "n_unassigned": len(t.unassigned),
        "n_non_contiguous": len(t.non_contiguous),
        "n_without_active_role": len(t.kens_without_active_role),
        "n_without_hub": len(t.kens_without_hub),
        "n_missing_functions": len(t.kens_missing_functions),
        "n_crossing_kens": sum(1 for k in ev.kens if k.crosses),
    }
    out = {k: Indicator(v, INDICATORS[k]) for k, v in values.items()}
    for cat, share in (t.min_coverage or {}).items():
        out[f"min_coverage.{cat}"] = Indicator(share, higher_is_better=True)
    for section in sections:
        result = ev.section_results.get(section.key)
        if result is not None:
            out.update(section.indicators(result))
    return out


def _flag(base: Scalar, value: Scalar, higher_better: bool | None) -> str:
    if base == value:
        return "same"
    numbers = isinstance(base, int | float) and isinstance(value, int | float)
    if not numbers or higher_better is None:
        return "different"
    return "better" if (value > base) == higher_better else "worse"  # type: ignore[operator]


def _ken_summary(k: KenEvaluation, sections: Sequence[EvaluationSection]) -> KenSummary:
    columns: dict[str, Scalar] = {}
    for section in sections:
        value = k.sections.get(section.key)
        if value is not None:
            columns.update(section.ken_columns(value))
    return KenSummary(
        ken_key=k.ken_key,
        name=k.name,
        n_municipalities=k.n_municipalities,
        pop_total=k.population.pop_total,
        zaishi_total=k.zaishi_total,
        active_role=bool(k.active_role),
        hub=bool(k.hubs),
        missing_functions=k.missing_functions,
        contiguous=k.contiguous,
        n_warnings=k.n_warnings,
        columns=columns,
    )


def _summaries(
    evals: dict[str, OptionEvaluation], base: str, sections: Sequence[EvaluationSection]
) -> tuple[dict[str, OptionSummary], tuple[str, ...]]:
    base_ind = _indicators(evals[base], sections)
    out: dict[str, OptionSummary] = {}
    for n, ev in evals.items():
        ind = _indicators(ev, sections)
        flags = (
            {
                k: _flag(base_ind[k].value if k in base_ind else None, i.value, i.higher_is_better)
                for k, i in ind.items()
            }
            if n != base
            else {}
        )
        out[n] = OptionSummary(
            template=ev.template,
            layer=ev.layer,
            notes=ev.notes,
            indicators=ind,
            flags=flags,
            kens=tuple(_ken_summary(k, sections) for k in ev.kens),
            evaluation=ev,
        )
    return out, tuple(base_ind)


def _unit_codes(k: KenEvaluation) -> frozenset[str]:
    return frozenset(m.code for m in k.municipalities)


def _match_kens(evals: dict[str, OptionEvaluation], base: str) -> dict[str, dict[str, str | None]]:
    """One-to-one matching of 圏域: pairs by decreasing overlap (same name first on ties), each used once."""
    base_key = {c: k.ken_key for k in evals[base].kens for c in _unit_codes(k)}
    base_names = {k.ken_key: k.name for k in evals[base].kens}
    matches: dict[str, dict[str, str | None]] = {}
    for n, ev in evals.items():
        if n == base:
            continue
        pairs: list[tuple[int, bool, str, str]] = []
        for k in ev.kens:
            tally: dict[str, int] = {}
            for m in k.municipalities:
                bk = base_key.get(m.code)
                if bk is not None:
                    tally[bk] = tally.get(bk, 0) + 1
            pairs.extend((cnt, base_names[bk] != k.name, k.name, bk) for bk, cnt in tally.items())
        pairs.sort(key=lambda t: (-t[0], t[1], t[2], t[3]))
        mm: dict[str, str | None] = {k.name: None for k in ev.kens}
        used: set[str] = set()
        for _cnt, _diff, kname, bk in pairs:
            if mm.get(kname) is None and bk not in used:
                mm[kname] = base_names[bk]
                used.add(bk)
        matches[n] = mm
    return matches


def _unit_differences(
    evals: dict[str, OptionEvaluation],
    base: str,
    units: dict[str, inputs.Unit],
    matches: dict[str, dict[str, str | None]],
) -> tuple[tuple[UnitDifference, ...], int]:
    """Units whose partition differs from the baseline somewhere, and the number that never does."""
    ken_of: dict[str, dict[str, str | None]] = {}
    groups: dict[str, dict[str, frozenset[str]]] = {}
    for n, ev in evals.items():
        kmap: dict[str, str | None] = dict.fromkeys(units)
        g: dict[str, frozenset[str]] = {}
        for k in ev.kens:
            codes = _unit_codes(k)
            for c in codes:
                kmap[c] = k.name
                g[c] = codes
        ken_of[n] = kmap
        groups[n] = g
    others = [n for n in evals if n != base]
    differences: list[UnitDifference] = []
    for code, unit in units.items():
        changed_in = tuple(n for n in others if groups[n].get(code) != groups[base].get(code))
        if not changed_in:
            continue
        moved_in = tuple(
            n
            for n in others
            if (ken_of[n][code] is None) != (ken_of[base][code] is None)
            or (ken_of[n][code] is not None and matches[n].get(ken_of[n][code] or "") != ken_of[base][code])
        )
        differences.append(
            UnitDifference(code, unit.full_name, {n: ken_of[n][code] for n in evals}, changed_in, moved_in)
        )
    return tuple(differences), len(units) - len(differences)


def _identical_kens(evals: dict[str, OptionEvaluation], base: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """圏域 with the same members in every option, whatever their names."""
    sets = {n: {_unit_codes(k) for k in ev.kens} for n, ev in evals.items() if n != base}
    return tuple(
        (k.name, tuple(sorted(_unit_codes(k))))
        for k in evals[base].kens
        if k.municipalities and all(_unit_codes(k) in s for s in sets.values())
    )


def compare_options(
    project: Project,
    names: Sequence[str | EvaluationTarget],
    *,
    coverage_params: CoverageParams | None = None,
    year: int | None = None,
    sections: Sequence[EvaluationSection] | None = None,
) -> OptionComparison:
    """Compare options (at least two; the first is the baseline); ``.to_dict()`` is the ``--json`` output.

    ``names``: option names, or :class:`EvaluationTarget` for an option under a scenario's facility
    set; the other arguments as for :func:`~zaitaku_map.options.evaluate_option`.
    """
    targets = {
        t.label: t for t in (n if isinstance(n, EvaluationTarget) else EvaluationTarget(n) for n in names)
    }
    if len(targets) < 2:
        raise InputDataError(
            "comparison needs at least two options",
            value=", ".join(targets),
            hint="比較する案を2つ以上指定してください。",
        )
    secs = SECTIONS if sections is None else sections
    evals = {
        label: evaluate_option(
            project,
            t.option,
            coverage_params=coverage_params,
            facilities=t.facilities,
            year=year,
            sections=secs,
        )
        for label, t in targets.items()
    }
    base = next(iter(evals))
    per_option, order = _summaries(evals, base, secs)
    matches = _match_kens(evals, base)
    differences, unchanged = _unit_differences(evals, base, inputs.load_units(project), matches)
    return OptionComparison(
        options=tuple(evals),
        baseline=base,
        per_option=per_option,
        indicator_order=order,
        unit_differences=differences,
        n_unchanged_units=unchanged,
        ken_matches=matches,
        identical_kens=_identical_kens(evals, base),
        coverage_note=next((ev.coverage_note for ev in evals.values() if ev.coverage_note), None),
    )
