"""Templates that create an option: A ``area``, B ``area_split``, C ``designated_city``, ``municipal``
and ``proposed`` (automatic, see :mod:`zaitaku_map.options.propose`).

- **A (area)**: one 圏域 per area of an area layer (二次医療圏 by default); key = area code,
  name = area name.  Units the layer does not list stay unassigned (the evaluation warns).
- **B (area_split)**: start from A (or from the option ``base``) and move groups of units into new
  圏域 (``split={"東部北": ["31201", "31202"]}``); later moves are ordinary undoable ``assign`` edits.
- **C (designated_city)**: as A (or ``base``), but each 政令市 becomes one 圏域 of its wards, or with
  ``wards=True`` each ward its own 圏域.
- **municipal**: one 圏域 per unit.
"""

from __future__ import annotations

from typing import Any

from zaitaku_map.errors import InputDataError
from zaitaku_map.options import inputs
from zaitaku_map.options.model import get_option, insert_option
from zaitaku_map.store import Project

TEMPLATES = ("area", "area_split", "designated_city", "municipal", "proposed")


def _from_layer(project: Project, layer: str) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
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
    kens: dict[str, dict[str, Any]] = {}
    assignments: dict[str, str] = {}
    for code, unit in units.items():
        hit = inputs.unit_area(membership, unit)
        if hit is None:
            continue
        kens.setdefault(hit[0], {"name": hit[1]})
        assignments[code] = hit[0]
    return dict(sorted(kens.items())), assignments


def _start(
    project: Project, layer: str, base: str | None
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    if base:
        b = get_option(project, base)
        return {k: dict(v) for k, v in b.kens.items()}, dict(b.assignments)
    return _from_layer(project, layer)


def _parse_split(split: Any) -> dict[str, list[str]]:
    """``{"key": [codes]}`` from a dict, or from ``"KEY:c1,c2;KEY2:c3"`` / a list of such strings."""
    if not split:
        return {}
    if isinstance(split, dict):
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


def build(
    project: Project,
    template: str,
    *,
    layer: str = "二次医療圏",
    base: str | None = None,
    constraints: dict[str, Any] | None = None,
) -> tuple[dict[str, dict[str, Any]], dict[str, str], dict[str, Any]]:
    """Build (kens, assignments, params) of a template without writing anything."""
    from zaitaku_map.options.model import expand_units

    c = dict(constraints or {})
    params: dict[str, Any] = {"layer": layer}
    if base:
        params["base"] = base
    if template == "area":
        kens, assign = _from_layer(project, layer)
    elif template == "municipal":
        units = inputs.load_units(project)
        kens = {code: {"name": u.full_name if u.kind == "ward" else u.name} for code, u in units.items()}
        assign = {code: code for code in units}
    elif template == "area_split":
        kens, assign = _start(project, layer, base)
        split = _parse_split(c.pop("split", None))
        for key, codes in split.items():
            kens.setdefault(key, {"name": key})
            for code in expand_units(project, codes):
                assign[code] = key
        # drop 圏域 emptied by the split
        used = set(assign.values())
        kens = {k: v for k, v in kens.items() if k in used}
        params["split"] = split
    elif template == "designated_city":
        kens, assign = _start(project, layer, base)
        wards = bool(c.pop("wards", False))
        units = inputs.load_units(project)
        cities = inputs.designated_cities(project)
        for city, (cname, ward_codes) in cities.items():
            for w in ward_codes:
                if wards:
                    kens[w] = {"name": units[w].full_name if w in units else w}
                    assign[w] = w
                else:
                    kens[city] = {"name": cname}
                    assign[w] = city
        used = set(assign.values())
        kens = {k: v for k, v in kens.items() if k in used}
        params.update(wards=wards, designated_cities=sorted(cities))
    elif template == "proposed":
        from zaitaku_map.options.propose import propose

        result = propose(project, layer=layer, **c)
        c = {}
        kens, assign = result["kens"], result["assignments"]
        params["proposal"] = result["report"]
    else:
        raise InputDataError("unknown template", value=template, expected=", ".join(TEMPLATES))
    if c:
        params["constraints"] = c
    return kens, assign, params


def colour_kens(project: Project, kens: dict[str, dict[str, Any]], assign: dict[str, str]) -> None:
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
        if kens[key].get("color"):
            continue
        used = {kens[n].get("color") for n in nbrs[key]}
        # rotate the start so non-adjacent 圏域 still spread over the palette
        cands = PALETTE[i % len(PALETTE) :] + PALETTE[: i % len(PALETTE)]
        kens[key]["color"] = next((c for c in cands if c not in used), cands[0])


def create_option(
    project: Project,
    name: str,
    *,
    template: str = "area",
    layer: str = "二次医療圏",
    base: str | None = None,
    notes: str = "",
    author: str = "",
    plan_period: str = "",
    **constraints: Any,
) -> dict[str, Any]:
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
