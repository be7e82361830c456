"""Templates that create an option: A ``area``, B ``area_split``, C ``designated_city``, ``municipal``
and ``proposed`` (automatic, see :mod:`zaitaku_map.options.propose`).

- **A (area)**: one 圏域 per area of an area layer (二次医療圏 by default); key = area code,
  name = area name.  Units the layer does not list stay unassigned (the evaluation warns).
- **B (area_split)**: start from A (or from the option ``base``) and move groups of units into new
  圏域 (``split={"東部北": ["31201", "31202"]}``); later moves are ordinary undoable ``assign`` edits.
- **C (designated_city)**: as A (or ``base``), but each 政令市 becomes one 圏域 of its wards, or with
  ``wards=True`` each ward its own 圏域.
- **municipal**: one 圏域 per unit.

Templates explain themselves (:func:`template_choices`): per project, whether each applies and, when
it does not, why — B needs a 圏域 with two or more units to split (and the units to split: without
them it would copy its start), C needs a 政令市 that is not already its own 圏域 — and which
parameters it uses, so a dialog enables only those.  The 自動提案 gets a default minimum population by
a stated rule (:func:`default_min_population`) when none is given.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack

from zaitaku_map.errors import InputDataError
from zaitaku_map.labels import MIN_POPULATION_RULE, OPTION_TEMPLATES, TEMPLATE_REASONS
from zaitaku_map.options import inputs
from zaitaku_map.options.model import Ken, get_option, insert_option, named_ken
from zaitaku_map.store import Project

Kens = dict[str, Ken]

TEMPLATES = ("area", "area_split", "designated_city", "municipal", "proposed")
DEFAULT_LAYER = "二次医療圏"
# parameters of create_option each template reads (the dialog enables only these)
TEMPLATE_PARAMETERS: dict[str, tuple[str, ...]] = {
    "area": ("layer",),
    "area_split": ("layer", "base", "split"),
    "designated_city": ("layer", "base", "wards"),
    "municipal": (),
    "proposed": ("layer", "min_population", "require", "seed", "iterations"),
}
# the default minimum population of a proposal is this fraction of the median area population:
# a typical area of the base layer may split into up to about four 圏域 (guidance pattern B)
MIN_POPULATION_DIVISOR = 4


# B's units to split off: {"圏域キー": ["31201", …]} (or "31201,31202"), or "KEY:c1,c2;KEY2:c3" / a list of such
Split = Mapping[str, Sequence[str] | str] | Sequence[str] | str


class TemplateConstraints(TypedDict, total=False):
    """What a template reads besides its layer and base (:func:`template_choices` lists them per template)."""

    split: Split  # B (area_split)
    wards: bool  # C (designated_city): each ward its own 圏域
    min_population: float  # proposed (default: :func:`default_min_population`)
    require: Sequence[str] | str  # proposed: facility kinds every 圏域 must hold
    seed: int  # proposed
    iterations: int  # proposed


class CreatedOption(TypedDict):
    """What :func:`create_option` made."""

    option: str
    template: str
    layer: str
    n_kens: int
    n_units: int  # units assigned
    unassigned: list[str]
    params: dict[str, Any]  # the template's parameters (proposal: its report; default minimum population)


@dataclass(frozen=True)
class MinPopulationDefault:
    """The 自動提案's default minimum population and the rule that gave it (``value`` None: no rule applies)."""

    value: int | None
    rule: str  # Japanese, one line: printed in the dialog, the CLI and the proposal report
    reference: float | None = None  # the population the rule divides

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "rule": self.rule, "reference": self.reference}


@dataclass(frozen=True)
class TemplateChoice:
    """Whether a template applies to the project, why not, and the parameters it uses."""

    key: str
    label: str
    available: bool
    reason: str | None  # Japanese; set when not available
    reason_code: str | None
    parameters: tuple[str, ...]
    note: str | None = None  # Japanese; what the user must still give (B: the units to split) or the default
    min_population: MinPopulationDefault | None = None  # proposed only

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "available": self.available,
            "reason": self.reason,
            "reason_code": self.reason_code,
            "parameters": list(self.parameters),
            "note": self.note,
            "min_population": None if self.min_population is None else self.min_population.to_dict(),
        }


def _from_layer(project: Project, layer: str) -> tuple[Kens, dict[str, str]]:
    layers = inputs.area_layer_names(project)
    if layer not in layers:
        raise InputDataError(
            f"area layer {layer!r} is not in the project",
            value=layer,
            expected=", ".join(layers) or "(no area layers imported)",
            hint="圏域レイヤー（二次医療圏の対応表など）を先に読み込むか、--layer で既存のレイヤーを指定してください。",
        )
    membership = inputs.area_membership(project, layer)
    units = inputs.load_units(project)
    kens: Kens = {}
    assignments: dict[str, str] = {}
    for code, unit in units.items():
        hit = inputs.unit_area(membership, unit)
        if hit is None:
            continue
        kens.setdefault(hit[0], named_ken(hit[1]))
        assignments[code] = hit[0]
    return dict(sorted(kens.items())), assignments


def _start(project: Project, layer: str, base: str | None) -> tuple[Kens, dict[str, str]]:
    if base:
        b = get_option(project, base)
        return {k: {**v} for k, v in b.kens.items()}, dict(b.assignments)
    return _from_layer(project, layer)


def _parse_split(split: Split | None) -> dict[str, list[str]]:
    """``{"key": [codes]}`` from a dict, or from ``"KEY:c1,c2;KEY2:c3"`` / a list of such strings."""
    if not split:
        return {}
    if isinstance(split, Mapping):
        return {
            str(k): [str(c) for c in (v.split(",") if isinstance(v, str) else v)] for k, v in split.items()
        }
    items = [split] if isinstance(split, str) else list(split)
    out: dict[str, list[str]] = {}
    for item in items:
        for part in str(item).split(";"):
            if not part.strip():
                continue
            if ":" not in part:
                raise InputDataError("bad split", value=part, expected="圏域キー:市区町村コード,コード,…")
            key, codes = part.split(":", 1)
            out.setdefault(key.strip(), []).extend(c.strip() for c in codes.split(",") if c.strip())
    return out


def _build_split(
    project: Project, kens: Kens, assign: dict[str, str], c: TemplateConstraints, params: dict[str, Any]
) -> Kens:
    """B: move the groups of units of ``split`` into their own 圏域."""
    from zaitaku_map.options.model import expand_units

    split = _parse_split(c.pop("split", None))
    if not split:  # B without units to split would silently copy its start
        raise InputDataError(
            "template B needs the municipalities to split off",
            column="split",
            hint=TEMPLATE_REASONS["split_required"]
            + "（例: --split 東部北:31201,31202）。同じ案が必要なら複製を使ってください。",
        )
    for key, codes in split.items():
        kens.setdefault(key, named_ken(key))
        for code in expand_units(project, codes):
            assign[code] = key
    params["split"] = split
    used = set(assign.values())  # drop 圏域 emptied by the split
    return {k: v for k, v in kens.items() if k in used}


def _build_city(
    project: Project, kens: Kens, assign: dict[str, str], c: TemplateConstraints, params: dict[str, Any]
) -> Kens:
    """C: each 政令市 one 圏域 of its wards (``wards=True``: each ward its own 圏域)."""
    wards = bool(c.pop("wards", False))
    units = inputs.load_units(project)
    cities = inputs.designated_cities(project)
    reason = _designated_city_reason(cities, assign, wards=wards)
    if reason is not None:
        raise InputDataError(
            "template C would change nothing in this project",
            column="template",
            hint=TEMPLATE_REASONS[reason] + "。A（または基にした案）をそのまま使ってください。",
            reason=reason,
        )
    for city, (cname, ward_codes) in cities.items():
        for w in ward_codes:
            if wards:
                kens[w] = named_ken(units[w].full_name if w in units else w)
                assign[w] = w
            else:
                kens[city] = named_ken(cname)
                assign[w] = city
    params.update(wards=wards, designated_cities=sorted(cities))
    used = set(assign.values())
    return {k: v for k, v in kens.items() if k in used}


def _build_proposed(
    project: Project, layer: str, c: TemplateConstraints, params: dict[str, Any]
) -> tuple[Kens, dict[str, str]]:
    """The 自動提案, with the default minimum population when none is given."""
    from zaitaku_map.options.propose import propose

    if c.get("min_population") is None:
        default = default_min_population(project, layer=layer)
        c["min_population"] = default.value or 0
        params["min_population_default"] = default.to_dict()
    result = propose(project, layer=layer, **c)
    params["proposal"] = result.report
    return result.kens, result.assignments


def build(
    project: Project,
    template: str,
    *,
    layer: str = DEFAULT_LAYER,
    base: str | None = None,
    constraints: TemplateConstraints | None = None,
) -> tuple[Kens, dict[str, str], dict[str, Any]]:
    """Build (kens, assignments, params) of a template without writing anything.

    Raises :class:`~zaitaku_map.errors.InputDataError` with the reason of :func:`template_choices`
    when the template would only copy its start (B without units to split, C without a 政令市 to
    separate).
    """
    c: TemplateConstraints = constraints.copy() if constraints else {}
    params: dict[str, Any] = {"layer": layer}
    if base:
        params["base"] = base
    if template == "area":
        kens, assign = _from_layer(project, layer)
    elif template == "municipal":
        units = inputs.load_units(project)
        kens = {code: named_ken(u.full_name if u.kind == "ward" else u.name) for code, u in units.items()}
        assign = {code: code for code in units}
    elif template == "area_split":
        kens, assign = _start(project, layer, base)
        kens = _build_split(project, kens, assign, c, params)
    elif template == "designated_city":
        kens, assign = _start(project, layer, base)
        kens = _build_city(project, kens, assign, c, params)
    elif template == "proposed":
        kens, assign = _build_proposed(project, layer, c, params)
        c = {}  # the proposal took every constraint (or refused an unknown one)
    else:
        raise InputDataError("unknown template", value=template, expected=", ".join(TEMPLATES))
    if c:
        params["constraints"] = c
    return kens, assign, params


def _groups(assign: Mapping[str, str]) -> dict[str, frozenset[str]]:
    """Each 圏域 key's set of units."""
    out: dict[str, set[str]] = {}
    for unit, key in assign.items():
        out.setdefault(key, set()).add(unit)
    return {k: frozenset(v) for k, v in out.items()}


def _designated_city_reason(
    cities: Mapping[str, tuple[str, list[str]]], start: Mapping[str, str], *, wards: bool | None
) -> str | None:
    """Why C would change nothing from ``start`` (``None``: it changes something).

    ``wards``: the variant (one 圏域 per 政令市, or one per ward); ``None``: either variant.
    """
    if not cities:
        return "no_designated_city"
    groups = _groups(start)
    of_unit = {u: groups[k] for u, k in start.items()}

    def unchanged(one_per_ward: bool) -> bool:
        for _city, (_name, ward_codes) in cities.items():
            if one_per_ward:
                if any(of_unit.get(w) != frozenset({w}) for w in ward_codes):
                    return False
            elif any(of_unit.get(w) != frozenset(ward_codes) for w in ward_codes):
                return False
        return True

    variants = (False, True) if wards is None else (wards,)
    return "city_already_own" if all(unchanged(v) for v in variants) else None


def _round_down(value: float) -> int:
    step = 1000 if value >= 10_000 else 100
    return int(math.floor(value / step) * step)


def default_min_population(project: Project, *, layer: str = DEFAULT_LAYER) -> MinPopulationDefault:
    """The 自動提案's default minimum population (the rule is :data:`MIN_POPULATION_DIVISOR`).

    A quarter of the median population of the areas of ``layer`` (rounded down to 1,000; 100 below
    10,000) — a typical area may split into up to about four 圏域 (guidance pattern B: groups of
    municipalities inside one 二次医療圏), never into single small municipalities — but not more than
    the smallest area's population, so that no area has to join another one only to reach the
    minimum; without the layer, a quarter of the study region's population.  ``value`` is None when no municipal (or mesh)
    population is loaded: the proposal then cannot use a population condition, and ``rule`` says so.
    """
    pops = inputs.unit_population(project)
    if not pops or not any(p["pop_total"] > 0 for p in pops.values()):
        return MinPopulationDefault(None, MIN_POPULATION_RULE["no_population"])
    units = inputs.load_units(project)
    membership = inputs.layer_membership(project, layer)
    per_area: dict[str, float] = {}
    for code, unit in units.items():
        hit = inputs.unit_area(membership, unit)
        if hit is not None:
            per_area[hit[0]] = per_area.get(hit[0], 0.0) + pops.get(code, {}).get("pop_total", 0.0)
    if per_area:
        reference, kind = float(statistics.median(per_area.values())), "layer"
    else:
        reference, kind = sum(p["pop_total"] for p in pops.values()), "region"
    target = reference / MIN_POPULATION_DIVISOR
    smallest = min(per_area.values(), default=target)
    if smallest < target:  # never force an area to join another one just to reach the minimum
        target, kind = smallest, "layer_capped"
    value = _round_down(target)
    rule = MIN_POPULATION_RULE[kind].format(
        value=value,
        reference=reference,
        reference_quarter=reference / MIN_POPULATION_DIVISOR,
        smallest=smallest,
        layer=layer,
    )
    return MinPopulationDefault(value, rule, round(reference, 1))


def template_choices(
    project: Project, *, layer: str = DEFAULT_LAYER, base: str | None = None
) -> list[TemplateChoice]:
    """Every template with whether it applies to this project (and why not) and the parameters it uses.

    ``layer`` / ``base``: what A, B and C would start from (``base``: an existing option's name).
    B is available when some 圏域 of the start has two or more units (it still needs the units to
    split, see ``TEMPLATE_REASONS["split_required"]``); C when a 政令市 exists and is not already
    its own 圏域 (in one of C's two variants); the proposal carries its default minimum population.
    """
    units = inputs.load_units(project)
    start: dict[str, str] | None = None
    if base:
        start = dict(get_option(project, base).assignments)
    elif layer in inputs.area_layer_names(project):
        start = _from_layer(project, layer)[1]
    reasons: dict[str, str | None] = dict.fromkeys(TEMPLATES)
    if start is None:
        reasons.update(area="no_layer", area_split="no_layer", designated_city="no_layer")
    else:
        if not any(len(g) > 1 for g in _groups(start).values()):
            reasons["area_split"] = "nothing_to_split"
        reasons["designated_city"] = _designated_city_reason(
            inputs.designated_cities(project), start, wards=None
        )
    if base:
        reasons["area"] = None if layer in inputs.area_layer_names(project) else "no_layer"
    if not units:
        reasons = dict.fromkeys(TEMPLATES, "no_units")
    min_pop = default_min_population(project, layer=layer) if units else None
    notes = {"area_split": TEMPLATE_REASONS["split_required"], "proposed": min_pop.rule if min_pop else None}
    return [
        TemplateChoice(
            key=key,
            label=OPTION_TEMPLATES.get(key, key),
            available=reasons[key] is None,
            reason=None if reasons[key] is None else TEMPLATE_REASONS[reasons[key] or ""].format(layer=layer),
            reason_code=reasons[key],
            parameters=TEMPLATE_PARAMETERS[key],
            note=notes.get(key) if reasons[key] is None else None,
            min_population=min_pop if key == "proposed" else None,
        )
        for key in TEMPLATES
    ]


def colour_kens(project: Project, kens: Kens, assign: dict[str, str]) -> None:
    """Give 圏域 without a colour a palette colour that differs from their neighbours' (greedy colouring)."""
    from zaitaku_map.options.geometry import adjacency
    from zaitaku_map.options.model import PALETTE

    adj = adjacency(project)
    nbrs: dict[str, set[str]] = {k: set() for k in kens}
    for unit, ken in assign.items():
        for v in adj.get(unit, ()):
            other = assign.get(v)
            if other is not None and other != ken and ken in nbrs:
                nbrs[ken].add(other)
    order = sorted(kens, key=lambda k: (-len(nbrs[k]), k))
    for i, key in enumerate(order):
        if kens[key]["color"]:
            continue
        used = {kens[n]["color"] for n in nbrs[key]}
        # rotate the start so non-adjacent 圏域 still spread over the palette
        cands = PALETTE[i % len(PALETTE) :] + PALETTE[: i % len(PALETTE)]
        kens[key]["color"] = next((c for c in cands if c not in used), cands[0])


def create_option(
    project: Project,
    name: str,
    *,
    template: str = "area",
    layer: str = DEFAULT_LAYER,
    base: str | None = None,
    notes: str = "",
    author: str = "",
    plan_period: str = "",
    **constraints: Unpack[TemplateConstraints],
) -> CreatedOption:
    """Create an option from a template and store it.

    Parameters
    ----------
    template:
        ``area`` (A), ``area_split`` (B; ``split=``), ``designated_city`` (C; ``wards=``),
        ``municipal`` or ``proposed`` (``min_population=``, ``require=``, ``seed=``, ``iterations=``).
    layer:
        Area layer the template starts from (and the proposal avoids crossing).
    base:
        Name of an existing option to start from instead of the layer (B and C); its 圏域 names,
        colours and the hubs of 圏域 that survive are kept.

    Returns
    -------
    dict
        name, template, number of 圏域 and units, unassigned unit codes and the template's params
        (for ``proposed``: the proposal report saying which constraints are met).
    """
    kens, assign, params = build(project, template, layer=layer, base=base, constraints=constraints)
    colour_kens(project, kens, assign)
    hubs = [h for h in get_option(project, base).hubs if h["ken_key"] in kens] if base else []
    insert_option(
        project,
        name,
        template=template,
        base_layer=layer,
        kens=kens,
        assignments=assign,
        notes=notes,
        author=author,
        plan_period=plan_period,
        params=params,
        hubs=hubs,
    )
    units = inputs.load_units(project)
    unassigned = [u for u in units if u not in assign]
    return {
        "option": name.strip(),
        "template": template,
        "layer": layer,
        "n_kens": len(kens),
        "n_units": len(assign),
        "unassigned": unassigned,
        "params": params,
    }
