"""Evaluation of an option, per 圏域 and for the whole option.

Per 圏域: member units, area (km²), population (total, 65+, 75+), open facilities per category with
rates per 10万人 and per 1,000 aged 75+ (labelled ツール算出), 積極的役割 institutions, 連携拠点,
which facilities carry each function ①–④ and which functions are missing, coverage share and
uncovered population per category (when coverage parameters are given or saved in the project),
contiguity and warnings — plus the values of the extension sections
(:mod:`zaitaku_map.options.sections`: future demand, 協力医療機関 gaps, …).

A facility belongs to the 圏域 of the unit of its ``muni_code``; when that code is empty or is a
政令市 whose wards are the units, the unit containing its point is used (point-in-polygon).  The
facilities are those of a :class:`~zaitaku_map.coverage.FacilitySet`: the register's open
facilities, or a what-if scenario's edit of them (「案A＋シナリオ1」), used alike by the counts, the
roles and functions, the coverage and every section.

The work is a chain of named steps, each returning a typed value: :func:`_gather` (inputs read
once), :func:`coverage_by_ken`, :func:`_place_facilities`, :func:`_evaluate_ken` per 圏域,
:func:`_run_sections`, :func:`_option_warnings` and :func:`_totals`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from zaitaku_map.coverage import CoverageParams, FacilitySet, coverage_summary, stored_coverage_params
from zaitaku_map.errors import ZaitakuError
from zaitaku_map.labels import CATEGORIES, CORE_CATEGORIES, FUNCTIONS, OPTION_TEXT
from zaitaku_map.options import inputs
from zaitaku_map.options.geometry import contiguity, prune_cache
from zaitaku_map.options.model import Option, get_option
from zaitaku_map.options.registry import SECTIONS
from zaitaku_map.options.results import (
    INFO,
    WARNING,
    CategoryCount,
    CoverageShare,
    EvaluationTotals,
    EvaluationWarning,
    FacilityRef,
    FunctionCarriers,
    KenEvaluation,
    OptionEvaluation,
    OutsideFacility,
    Population,
    UnitRef,
)
from zaitaku_map.options.roles import facility_functions
from zaitaku_map.options.sections import EvaluationContext, EvaluationSection, SectionResult
from zaitaku_map.store import Project, queries

CROSS_LAYERS = ("二次医療圏", "老人福祉圏域")
ZAISHI = ("zaishi_clinic", "zaishi_hospital")
MUNI_CACHE_KIND = "options.coverage_by_muni"
MAX_OUTSIDE_LISTED = 100
# per municipality: total, covered, uncovered, pop_65_uncovered, pop_75_uncovered
MuniCoverage = dict[str, dict[str, dict[str, float]]]
STAT_KEYS = ("total", "covered", "uncovered", "pop_65_uncovered", "pop_75_uncovered")


# ---------------------------------------------------------------------------------------------
# coverage


def coverage_by_municipality(
    project: Project, params: CoverageParams, *, facilities: FacilitySet | None = None
) -> tuple[MuniCoverage | None, str | None]:
    """``{category: {muni_code: {total, covered, uncovered, pop_65_uncovered, pop_75_uncovered}}}``,
    or ``(None, note)`` when coverage cannot be computed (the note says why).

    From :func:`zaitaku_map.coverage.coverage_summary`; cached in ``results_cache`` by the parameters
    and :func:`~zaitaku_map.options.inputs.coverage_fingerprint` of the store (and the scenario's
    facility set), independent of any option — so editing an option and re-evaluating never waits
    for the coverage engine.
    """
    key = project.cache_key(
        MUNI_CACHE_KIND, params.to_dict(), inputs.coverage_fingerprint(project, facilities)
    )
    blob = project.cache_get(key)
    if blob is not None:
        cached: MuniCoverage = json.loads(blob.decode("utf-8"))
        return cached, None
    try:
        summary = coverage_summary(project, params, layers=[], facilities=facilities)
    except ZaitakuError as exc:  # no demand points, 'network' without a network …: evaluate without coverage
        return None, f"{OPTION_TEXT['coverage_not_computed']} ({type(exc).__name__}: {exc})"
    out: MuniCoverage = {}
    for cat, entry in summary["categories"].items():
        rows = entry["by_municipality"]
        if rows:
            out[cat] = {
                str(r["muni_code"]): {
                    "total": float(r["pop_total"]),
                    "covered": float(r["covered"]),
                    "uncovered": float(r["uncovered"]),
                    "pop_65_uncovered": float(r["pop_65_uncovered"]),
                    "pop_75_uncovered": float(r["pop_75_uncovered"]),
                }
                for r in rows
            }
    if not out:
        return None, OPTION_TEXT["coverage_not_computed"]
    project.cache_put(key, MUNI_CACHE_KIND, json.dumps(out, ensure_ascii=False).encode("utf-8"))
    prune_cache(project, MUNI_CACHE_KIND, keep=12)
    return out, None


def coverage_by_ken(
    project: Project, params: CoverageParams, opt: Option, *, facilities: FacilitySet | None = None
) -> tuple[dict[str, dict[str, CoverageShare]] | None, str | None]:
    """``{category: {ken_key: CoverageShare}}`` summed from the municipalities of each 圏域."""
    by_muni, note = coverage_by_municipality(project, params, facilities=facilities)
    if by_muni is None:
        return None, note
    out: dict[str, dict[str, CoverageShare]] = {}
    for cat, munis in by_muni.items():
        per: dict[str, dict[str, float]] = {}
        for unit, stats in munis.items():
            ken = opt.assignments.get(unit)
            if ken is None:
                continue
            acc = per.setdefault(ken, dict.fromkeys(STAT_KEYS, 0.0))
            for k, val in stats.items():
                acc[k] += val
        out[cat] = {k: CoverageShare.of(**v) for k, v in per.items()}
    return out, None


def describe_coverage(project: Project, params: CoverageParams | None) -> str | None:
    """The parameters in words, with the mode ``auto`` resolves to here and the demand points used."""
    if params is None:
        return None
    mode = params.mode
    if mode == "auto":  # the engine's rule (CoverageParams.resolve), for this project
        mode = params.resolve(
            project.conn.execute("SELECT 1 FROM road_networks WHERE active=1 LIMIT 1").fetchone() is not None
        )
    text = params.describe_ja(mode)
    if not project.conn.execute("SELECT 1 FROM demand_points LIMIT 1").fetchone():
        text += "・需要点: 市区町村代表点（粗い推計）"
    return text


# ---------------------------------------------------------------------------------------------
# steps


@dataclass(frozen=True)
class _Inputs:
    """What the evaluation reads from the project, once."""

    units: dict[str, inputs.Unit]
    members: dict[str, tuple[str, ...]]  # ken key -> known units (every 圏域)
    unit_pops: dict[str, dict[str, float]]
    area_tables: dict[str, tuple[dict[str, dict[str, float | None]], str | None]]
    area_pops: dict[str, tuple[dict[str, float | None], str, str | None]]
    loaded: set[str]
    facilities: FacilitySet
    fac_unit: dict[int, str | None]
    functions: dict[int, set[int]]
    parts: dict[str, list[list[str]]]
    cross_members: dict[str, dict[str, tuple[str, str]]]
    min_pop: float | None
    categories: list[str]


def _gather(project: Project, opt: Option, facilities: FacilitySet, cross_layers: Sequence[str]) -> _Inputs:
    units = inputs.load_units(project)
    members = {k: tuple(u for u in mem if u in units) for k, mem in opt.members().items()}
    pops = inputs.unit_population(project)
    # no municipal / mesh population: 圏域 made of whole areas take an area-keyed table (e.g. 二次医療圏別人口)
    area_tables = {} if pops else inputs.area_population_tables(project)
    area_pops = inputs.ken_population_from_areas(project, units, members, area_tables) if area_tables else {}
    layers = set(inputs.area_layer_names(project))
    constraints = opt.params.get("constraints") or {}
    proposal = (opt.params.get("proposal") or {}).get("constraints") or {}
    min_pop = constraints.get("min_population") or proposal.get("min_population")
    return _Inputs(
        units=units,
        members=members,
        unit_pops=pops,
        area_tables=area_tables,
        area_pops=area_pops,
        loaded=queries.loaded_categories(project),
        facilities=facilities,
        fac_unit=inputs.facility_units(project, facilities, units),
        functions=facility_functions(project, facilities=facilities),
        parts=contiguity(project, {u: k for u, k in opt.assignments.items() if u in units}),
        cross_members={
            layer: inputs.area_membership(project, layer) for layer in cross_layers if layer in layers
        },
        min_pop=float(min_pop) if min_pop else None,
        categories=list(dict.fromkeys([*CORE_CATEGORIES, *sorted({f.category for f in facilities})])),
    )


@dataclass(frozen=True)
class _Placement:
    """Facilities per 圏域, and those that fall in none."""

    by_ken: dict[str, list[inputs.Facility]]
    n_outside: int
    outside: tuple[OutsideFacility, ...]  # the first MAX_OUTSIDE_LISTED


def _place_facilities(inp: _Inputs, opt: Option) -> _Placement:
    by_ken: dict[str, list[inputs.Facility]] = {k: [] for k in inp.members}
    n_outside = 0
    outside: list[OutsideFacility] = []
    for f in inp.facilities:
        unit = inp.fac_unit.get(f.id)
        ken = opt.assignments.get(unit or "")
        if ken is not None:
            by_ken.setdefault(ken, []).append(f)
            continue
        n_outside += 1
        if len(outside) < MAX_OUTSIDE_LISTED:
            if unit is None and f.lon is None:
                reason = "no municipality or position"
            elif unit is None:
                reason = "outside every unit"
            else:
                reason = "municipality not assigned"
            outside.append(OutsideFacility(f.id, f.name, f.category, f.muni_code, unit, reason))
    return _Placement(by_ken, n_outside, tuple(outside))


def _ken_population(inp: _Inputs, key: str, mem: Sequence[str]) -> tuple[dict[str, float | None], str | None]:
    """Unrounded population of a 圏域 (rates use it) and where it comes from."""
    if inp.unit_pops:
        pop: dict[str, float | None] = {
            k: sum(inp.unit_pops.get(u, {}).get(k, 0.0) for u in mem) for k in inputs.POPULATION_KEYS
        }
        return pop, "municipalities"
    if key in inp.area_pops:
        pop, layer_name, _year = inp.area_pops[key]
        return pop, f"area:{layer_name}"
    return dict.fromkeys(inputs.POPULATION_KEYS), None


def _ken_functions(
    inp: _Inputs, fl: Sequence[inputs.Facility]
) -> tuple[dict[int, FunctionCarriers], tuple[int, ...]]:
    funcs: dict[int, FunctionCarriers] = {}
    for fn, label in FUNCTIONS.items():
        carriers = tuple(
            FacilityRef(f.id, f.name, f.category) for f in fl if fn in inp.functions.get(f.id, ())
        )
        funcs[fn] = FunctionCarriers(label, carriers)
    return funcs, tuple(fn for fn, c in funcs.items() if not c.present)


def _ken_crosses(inp: _Inputs, mem: Sequence[str]) -> dict[str, list[str]]:
    crosses: dict[str, list[str]] = {}
    for layer, mship in inp.cross_members.items():
        areas = sorted({a[1] for u in mem if (a := inputs.unit_area(mship, inp.units[u])) is not None})
        if len(areas) > 1:
            crosses[layer] = areas
    return crosses


def _ken_warnings(inp: _Inputs, ken: KenEvaluation, pop_total: float | None) -> tuple[EvaluationWarning, ...]:
    key, name = ken.ken_key, ken.name

    def w(code: str, *, level: str = WARNING, **detail: object) -> EvaluationWarning:
        return EvaluationWarning.of(code, key, name, level=level, **detail)

    if not ken.municipalities:
        return (w("empty_ken"),)
    out: list[EvaluationWarning] = []
    if not ken.contiguous:
        out.append(w("non_contiguous", parts=len(ken.parts)))
    out.extend(
        w("crosses_layer", level=INFO, layer=layer, areas="・".join(areas))
        for layer, areas in ken.crosses.items()
    )
    if not ken.active_role:
        out.append(w("no_active_role"))
    if not ken.hubs:
        out.append(w("no_hub"))
    if ken.missing_functions:
        out.append(w("missing_function", functions="・".join(FUNCTIONS[m] for m in ken.missing_functions)))
    if ken.zaishi_total == 0 and inp.loaded & set(ZAISHI):
        out.append(w("no_zaishi"))
    nursing = ken.facilities.get("home_nursing")
    if (nursing is None or nursing.count == 0) and "home_nursing" in inp.loaded:
        out.append(w("no_home_nursing"))
    if inp.min_pop and pop_total is not None and pop_total < inp.min_pop:
        out.append(w("below_min_population", min=inp.min_pop, pop=pop_total))
    return tuple(out)


def _evaluate_ken(
    inp: _Inputs,
    opt: Option,
    key: str,
    placement: _Placement,
    cov: dict[str, dict[str, CoverageShare]] | None,
) -> KenEvaluation:
    kinfo = opt.kens[key]
    mem = inp.members.get(key, ())
    pop, pop_source = _ken_population(inp, key, mem)
    fl = placement.by_ken.get(key, [])
    counts = dict.fromkeys(inp.categories, 0)
    for f in fl:
        counts[f.category] = counts.get(f.category, 0) + 1
    functions, missing = _ken_functions(inp, fl)
    ken = KenEvaluation(
        ken_key=key,
        name=kinfo.get("name") or key,
        color=kinfo.get("color"),
        notes=kinfo.get("notes"),
        municipalities=tuple(UnitRef(u, inp.units[u].full_name) for u in mem),
        area_km2=round(sum(inp.units[u].area_km2 or 0.0 for u in mem), 2),
        population=Population.rounded(pop["pop_total"], pop["pop_65"], pop["pop_75"]),
        population_source=pop_source,
        facilities={
            c: CategoryCount.of(
                n,
                c in inp.loaded,
                pop["pop_total"],
                pop["pop_75"],
                CATEGORIES[c].label if c in CATEGORIES else c,
            )
            for c, n in counts.items()
        },
        active_role=tuple(FacilityRef(f.id, f.name, f.category) for f in fl if f.active_role),
        hubs=tuple(h for h in opt.hubs if h["ken_key"] == key),
        functions=functions,
        missing_functions=missing,
        coverage=None if cov is None else {c: per.get(key) for c, per in cov.items()},
        parts=tuple(tuple(p) for p in inp.parts.get(key, [])),
        crosses=_ken_crosses(inp, mem),
        warnings=(),
    )
    return replace(ken, warnings=_ken_warnings(inp, ken, pop["pop_total"]))


def _run_sections(
    ctx: EvaluationContext, sections: Sequence[EvaluationSection]
) -> dict[str, tuple[EvaluationSection, SectionResult]]:
    """Each section's result by key (sections whose inputs are absent are left out)."""
    out: dict[str, tuple[EvaluationSection, SectionResult]] = {}
    for section in sections:
        result = section.evaluate(ctx)
        if result is not None:
            out[section.key] = (section, result)
    return out


def _with_sections(
    ken: KenEvaluation, results: Mapping[str, tuple[EvaluationSection, SectionResult]]
) -> KenEvaluation:
    if not results:
        return ken
    extra = tuple(w for _s, r in results.values() for w in r.warnings if w.ken_key == ken.ken_key)
    return replace(
        ken,
        sections={k: r.per_ken.get(ken.ken_key) for k, (_s, r) in results.items()},
        warnings=ken.warnings + extra,
    )


def _option_warnings(
    inp: _Inputs,
    opt: Option,
    kens: Sequence[KenEvaluation],
    placement: _Placement,
    results: Mapping[str, tuple[EvaluationSection, SectionResult]],
) -> tuple[EvaluationWarning, ...]:
    """Option-level findings around the 圏域's own (``kens`` before the sections are attached), then
    the sections' findings."""
    out: list[EvaluationWarning] = []
    unknown = sorted(u for u in opt.assignments if u not in inp.units)
    if unknown:
        out.append(EvaluationWarning.of("unknown_units", codes=", ".join(unknown)))
    unassigned = [u for u in inp.units if u not in opt.assignments]
    if unassigned:
        names = "、".join(inp.units[u].full_name for u in unassigned)
        out.append(EvaluationWarning.of("unassigned", names=names))
    out.extend(w for k in kens for w in k.warnings)
    if placement.n_outside:
        out.append(EvaluationWarning.of("facilities_outside", level=INFO, n=placement.n_outside))
    not_loaded = [c for c in inp.categories if c not in inp.loaded]
    if not_loaded:
        labels = "・".join(CATEGORIES[c].label if c in CATEGORIES else c for c in not_loaded)
        out.append(EvaluationWarning.of("not_loaded", level=INFO, categories=labels))
    unknown_pop = [k.name for k in kens if k.municipalities and k.population.pop_total is None]
    if unknown_pop and (inp.unit_pops or inp.area_tables):
        out.append(EvaluationWarning.of("population_unknown", level=INFO, names="、".join(unknown_pop)))
    out.extend(w for _s, r in results.values() for w in r.warnings)
    return tuple(out)


def _total_population(kens: Sequence[KenEvaluation]) -> Population:
    """Sum over the non-empty 圏域 (unknown when one of them is unknown)."""
    values: dict[str, float | None] = {}
    for k in inputs.POPULATION_KEYS:
        vals = [getattr(r.population, k) for r in kens if r.municipalities]
        values[k] = None if not vals or any(v is None for v in vals) else round(sum(vals), 1)
    return Population(values["pop_total"], values["pop_65"], values["pop_75"])


def _coverage_totals(
    cov: dict[str, dict[str, CoverageShare]],
) -> tuple[dict[str, CoverageShare], dict[str, float | None]]:
    totals: dict[str, CoverageShare] = {}
    minimum: dict[str, float | None] = {}
    for c, per in cov.items():
        minimum[c] = min((v.share for v in per.values() if v.share is not None), default=None)
        t = sum(v.total for v in per.values())
        cv = sum(v.covered for v in per.values())
        totals[c] = CoverageShare.of(t, cv, t - cv)
    return totals, minimum


def _totals(
    inp: _Inputs,
    opt: Option,
    kens: Sequence[KenEvaluation],
    placement: _Placement,
    cov: dict[str, dict[str, CoverageShare]] | None,
    warnings: Sequence[EvaluationWarning],
    results: Mapping[str, tuple[EvaluationSection, SectionResult]],
) -> EvaluationTotals:
    used = [k for k in kens if k.municipalities]
    pops = [k.population.pop_total for k in used if k.population.pop_total is not None]
    pop = _total_population(kens)
    cov_totals, min_cov = _coverage_totals(cov) if cov is not None else (None, None)
    return EvaluationTotals(
        n_kens=len(kens),
        n_units=len(inp.units),
        n_assigned=sum(1 for u in opt.assignments if u in inp.units),
        unassigned=tuple(u for u in inp.units if u not in opt.assignments),
        area_km2=round(sum(k.area_km2 for k in kens), 2),
        population=pop,
        population_range=(min(pops), max(pops)) if pops else None,
        facilities={
            c: CategoryCount.of(
                sum(k.facilities[c].count for k in kens), c in inp.loaded, pop.pop_total, pop.pop_75
            )
            for c in inp.categories
        },
        facilities_outside=placement.n_outside,
        facilities_outside_list=placement.outside,
        kens_without_active_role=tuple(k.ken_key for k in used if not k.active_role),
        kens_without_hub=tuple(k.ken_key for k in used if not k.hubs),
        kens_missing_functions=tuple(k.ken_key for k in used if k.missing_functions),
        non_contiguous=tuple(k.ken_key for k in kens if not k.contiguous),
        n_warnings=sum(1 for w in warnings if w.level == WARNING),
        coverage=cov_totals,
        min_coverage=min_cov,
        sections={k: r.totals for k, (_s, r) in results.items() if r.totals is not None},
    )


def _population_note(inp: _Inputs) -> str | None:
    if inp.unit_pops:
        return None
    if inp.area_pops:
        layers = {(layer, year) for _pop, layer, year in inp.area_pops.values()}
        return "／".join(
            OPTION_TEXT["population_from_areas"].format(layer=layer, year=year or "年不明")
            for layer, year in sorted(layers, key=str)
        )
    if inp.area_tables:
        return OPTION_TEXT["population_areas_only"].format(layers="・".join(sorted(inp.area_tables)))
    return OPTION_TEXT["population_not_loaded"]


# ---------------------------------------------------------------------------------------------


def evaluate_option(
    project: Project,
    name: str,
    *,
    coverage_params: CoverageParams | None = None,
    facilities: FacilitySet | None = None,
    year: int | None = None,
    sections: Sequence[EvaluationSection] | None = None,
    cross_layers: Sequence[str] = CROSS_LAYERS,
) -> OptionEvaluation:
    """Evaluate an option (see module doc); ``.to_dict()`` of the result is the ``--json`` output.

    Parameters
    ----------
    coverage_params:
        Include coverage under these parameters; ``None`` (default): under the parameters saved in
        the project, when there are any (:func:`~zaitaku_map.coverage.resolve_coverage_params`
        chooses them for a caller that always wants coverage).
    facilities:
        The facility set to evaluate with (default: the register's open facilities); a scenario's
        set makes this the evaluation of 「option＋scenario」 (``result.title``).
    year:
        The year sections with projections report (``None``: their base year).
    sections:
        Extension sections to run (default :data:`zaitaku_map.options.registry.SECTIONS`).
    cross_layers:
        Area layers whose boundaries a 圏域 is checked against (flagged, not forbidden).
    """
    opt = get_option(project, name)
    fset = FacilitySet.from_project(project) if facilities is None else facilities
    inp = _gather(project, opt, fset, cross_layers)
    # the evaluation includes coverage when parameters are given or saved in the project
    params = coverage_params if coverage_params is not None else stored_coverage_params(project)
    cov, cov_note = (
        coverage_by_ken(project, params, opt, facilities=facilities)
        if params is not None
        else (None, OPTION_TEXT["coverage_not_computed"])
    )
    placement = _place_facilities(inp, opt)
    kens = [_evaluate_ken(inp, opt, key, placement, cov) for key in opt.kens]
    ctx = EvaluationContext(
        project=project,
        option=opt,
        units=inp.units,
        members=inp.members,
        facilities=fset,
        facility_units=inp.fac_unit,
        population={k.ken_key: k.population for k in kens},
        coverage_params=params,
        year=year,
    )
    results = _run_sections(ctx, SECTIONS if sections is None else sections)
    warnings = _option_warnings(inp, opt, kens, placement, results)
    kens = [_with_sections(k, results) for k in kens]
    return OptionEvaluation(
        option=opt.name,
        template=opt.template,
        layer=opt.base_layer,
        notes=opt.notes,
        author=opt.author,
        plan_period=opt.plan_period,
        created_at=opt.created_at,
        updated_at=opt.updated_at,
        coverage_params=params,
        coverage_description=describe_coverage(project, params),
        coverage_note=cov_note,
        population_note=_population_note(inp),
        population_source="municipalities" if inp.unit_pops else ("areas" if inp.area_pops else None),
        categories_not_loaded=tuple(c for c in inp.categories if c not in inp.loaded),
        kens=tuple(kens),
        totals=_totals(inp, opt, kens, placement, cov, warnings, results),
        warnings=warnings,
        scenario=fset.label,
        year=year,
        section_notes={k: r.note for k, (_s, r) in results.items() if r.note},
        section_results={k: r for k, (_s, r) in results.items()},
    )
