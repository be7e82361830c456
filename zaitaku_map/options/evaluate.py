"""Evaluation of an option, per 圏域 and for the whole option.

Per 圏域: member units, area (km²), population (total, 65+, 75+), open facilities per category with
rates per 10万人 and per 1,000 aged 75+ (labelled ツール算出), 積極的役割 institutions, 連携拠点,
which facilities carry each function ①–④ and which functions are missing, coverage share and
uncovered population per category (when coverage parameters are given or stored as the project
setting ``coverage_params``), contiguity and warnings.

A facility belongs to the 圏域 of the unit of its ``muni_code``; when that code is empty or is a
政令市 whose wards are the units, the unit containing its point is used (point-in-polygon).
"""

from __future__ import annotations

import inspect
import json
from typing import Any

from zaitaku_map.coverage import CoverageParams, stored_coverage_params
from zaitaku_map.labels import CATEGORIES, CORE_CATEGORIES, FUNCTIONS, OPTION_TEXT, OPTION_WARNINGS
from zaitaku_map.options import _data
from zaitaku_map.options.geometry import contiguity
from zaitaku_map.options.model import Option, get_option
from zaitaku_map.options.roles import facility_functions
from zaitaku_map.store import Project, queries

CROSS_LAYERS = ("二次医療圏", "老人福祉圏域")
ZAISHI = ("zaishi_clinic", "zaishi_hospital")


def _warn(
    code: str, ken: str | None = None, ken_name: str | None = None, level: str = "warning", **fmt: Any
) -> dict[str, Any]:
    return {
        "code": code,
        "level": level,
        "ken_key": ken,
        "ken_name": ken_name,
        "message": OPTION_WARNINGS[code].format(**fmt),
        **({"detail": fmt} if fmt else {}),
    }


def _rate(n: float, base: float | None, per: float) -> float | None:
    return round(n / base * per, 2) if base is not None and base > 0 else None


# ---------------------------------------------------------------------------------------------
# coverage (from the coverage engine when present)

_STATS_KEYS = {
    "total": ("total", "pop_total", "population", "total_pop"),
    "covered": ("covered", "pop_covered", "covered_pop"),
    "uncovered": ("uncovered", "pop_uncovered", "uncovered_pop"),
    "pop_65_uncovered": ("pop_65_uncovered",),
    "pop_75_uncovered": ("pop_75_uncovered",),
}


def _stats(d: Any) -> dict[str, float] | None:
    if not isinstance(d, dict):
        return None
    out: dict[str, float] = {}
    for key, names in _STATS_KEYS.items():
        for n in names:
            if isinstance(d.get(n), int | float):
                out[key] = float(d[n])
                break
    if "total" not in out:
        return None
    if "covered" not in out and "uncovered" in out:
        out["covered"] = out["total"] - out["uncovered"]
    if "uncovered" not in out and "covered" in out:
        out["uncovered"] = out["total"] - out["covered"]
    return out if "covered" in out else None


def _per_key(cat_summary: dict[str, Any], names: tuple[str, ...]) -> dict[str, dict[str, float]] | None:
    for n in names:
        sub = cat_summary.get(n)
        if isinstance(sub, dict) and sub:
            parsed = {str(k): s for k, v in sub.items() if (s := _stats(v)) is not None}
            if parsed:
                return parsed
        if isinstance(sub, list) and sub:
            parsed = {}
            for row in sub:
                if isinstance(row, dict):
                    k = row.get("code") or row.get("muni_code") or row.get("key") or row.get("group")
                    s = _stats(row)
                    if k is not None and s is not None:
                        parsed[str(k)] = s
            if parsed:
                return parsed
    return None


def coverage_by_municipality(
    project: Project, params: Any
) -> tuple[dict[str, dict[str, dict[str, float]]] | None, str | None]:
    """``{category: {muni_code: {total, covered, uncovered, pop_65_uncovered, pop_75_uncovered}}}`` or (None, note).

    From :func:`zaitaku_map.coverage.coverage_summary`; cached in ``results_cache`` by the parameters
    and :func:`~zaitaku_map.options._data.coverage_fingerprint` of the store, independent of any
    option — so editing an option and re-evaluating never waits for the coverage engine.
    """
    pdict = params.to_dict() if hasattr(params, "to_dict") else params
    key = project.cache_key("options.coverage_by_muni", pdict, _data.coverage_fingerprint(project))
    blob = project.cache_get(key)
    if blob is not None:
        return json.loads(blob.decode("utf-8")), None
    try:
        from zaitaku_map.coverage import coverage_summary
    except ImportError:
        return None, OPTION_TEXT["coverage_not_computed"]
    try:
        kwargs: dict[str, Any] = {}
        if "layers" in inspect.signature(coverage_summary).parameters:
            kwargs["layers"] = []
        summary = coverage_summary(project, params, **kwargs)
    except Exception as exc:  # the evaluation still works without coverage
        return None, f"{OPTION_TEXT['coverage_not_computed']} ({type(exc).__name__}: {exc})"
    if isinstance(summary, dict) and isinstance(summary.get("categories"), dict):
        summary = summary["categories"]
    out: dict[str, dict[str, dict[str, float]]] = {}
    for cat, cs in (summary or {}).items():
        if isinstance(cs, dict):
            by_muni = _per_key(cs, ("by_municipality", "municipalities", "per_municipality", "munis"))
            if by_muni is not None:
                out[cat] = by_muni
    if not out:
        return None, OPTION_TEXT["coverage_not_computed"]
    project.cache_put(key, "options.coverage_by_muni", json.dumps(out, ensure_ascii=False).encode("utf-8"))
    from zaitaku_map.options.geometry import prune_cache

    prune_cache(project, "options.coverage_by_muni", keep=12)
    return out, None


def coverage_by_ken(
    project: Project, params: Any, opt: Option
) -> tuple[dict[str, dict[str, Any]] | None, str | None]:
    """``{category: {ken_key: {total, covered, uncovered, share, …}}}`` summed from the municipalities."""
    by_muni, note = coverage_by_municipality(project, params)
    if by_muni is None:
        return None, note
    out: dict[str, dict[str, Any]] = {}
    for cat, munis in by_muni.items():
        per: dict[str, dict[str, float]] = {}
        for unit, st in munis.items():
            ken = opt.assignments.get(unit)
            if ken is None:
                continue
            acc = per.setdefault(ken, {})
            for k, val in st.items():
                acc[k] = acc.get(k, 0.0) + val
        out[cat] = {
            k: {
                **{f: round(x, 1) for f, x in v.items()},
                "share": round(v["covered"] / v["total"], 4) if v["total"] > 0 else None,
            }
            for k, v in per.items()
        }
    return out, None


# ---------------------------------------------------------------------------------------------


def _describe_coverage(project: Project, params: Any) -> str | None:
    """The parameters in words, with the mode ``auto`` resolves to here and the demand points used."""
    if params is None or not hasattr(params, "describe_ja"):
        return None
    mode = getattr(params, "mode", None)
    if mode == "auto":  # the engine's rule (CoverageParams.resolve), for this project
        mode = params.resolve(
            project.conn.execute("SELECT 1 FROM road_networks WHERE active=1 LIMIT 1").fetchone() is not None
        )
    text = str(params.describe_ja(mode))
    if not project.conn.execute("SELECT 1 FROM demand_points LIMIT 1").fetchone():
        text += "・需要点: 市区町村代表点（粗い推計）"
    return text


def _population_note(
    pops: dict[str, Any], area_pops: dict[str, Any], area_tables: dict[str, Any]
) -> str | None:
    if pops:
        return None
    if area_pops:
        layers = {(layer, year) for _pop, layer, year in area_pops.values()}
        return "／".join(
            OPTION_TEXT["population_from_areas"].format(layer=layer, year=year or "年不明")
            for layer, year in sorted(layers, key=str)
        )
    if area_tables:
        return OPTION_TEXT["population_areas_only"].format(layers="・".join(sorted(area_tables)))
    return OPTION_TEXT["population_not_loaded"]


def evaluate_option(
    project: Project,
    name: str,
    *,
    coverage_params: CoverageParams | None = None,
    cross_layers: tuple[str, ...] = CROSS_LAYERS,
) -> dict[str, Any]:
    """Evaluate an option (see module doc); returns a JSON-ready dict with ``kens``, ``totals``, ``warnings``.

    Parameters
    ----------
    coverage_params:
        Include coverage under these parameters; ``None`` (default): under the parameters saved in
        the project, when there are any (:func:`~zaitaku_map.coverage.resolve_coverage_params`
        chooses them for a caller that always wants coverage).
    cross_layers:
        Area layers whose boundaries a 圏域 is checked against (flagged, not forbidden).
    """
    opt = get_option(project, name)
    units = _data.load_units(project)
    pops = _data.unit_population(project)
    members = opt.members()
    # no municipal / mesh population: 圏域 made of whole areas take an area-keyed table (e.g. 二次医療圏別人口)
    area_tables = {} if pops else _data.area_population_tables(project)
    area_pops = _data.ken_population_from_areas(project, units, members, area_tables) if area_tables else {}
    loaded = queries.loaded_categories(project)
    facilities = _data.load_facilities(project)
    fac_unit = _data.facility_units(project, facilities, units)
    functions = facility_functions(project, facilities=facilities)
    parts = contiguity(project, {u: k for u, k in opt.assignments.items() if u in units})
    layers = set(_data.area_layer_names(project))
    cross_members = {
        layer: _data.area_membership(project, layer) for layer in cross_layers if layer in layers
    }
    min_pop = (opt.params.get("constraints") or {}).get("min_population") or (
        (opt.params.get("proposal") or {}).get("constraints") or {}
    ).get("min_population")
    # the evaluation includes coverage when parameters are given or saved in the project
    params = coverage_params if coverage_params is not None else stored_coverage_params(project)
    cov, cov_note = (
        (None, OPTION_TEXT["coverage_not_computed"])
        if params is None
        else coverage_by_ken(project, params, opt)
    )

    categories = list(dict.fromkeys([*CORE_CATEGORIES, *sorted({f.category for f in facilities})]))
    not_loaded = [c for c in categories if c not in loaded]
    fac_by_ken: dict[str, list[_data.Facility]] = {k: [] for k in members}
    outside = 0
    outside_list: list[dict[str, Any]] = []
    for f in facilities:
        unit = fac_unit.get(f.id)
        ken = opt.assignments.get(unit or "")
        if ken is None:
            outside += 1
            if len(outside_list) < 100:
                reason = (
                    "no municipality or position"
                    if unit is None and f.lon is None
                    else "outside every unit"
                    if unit is None
                    else "municipality not assigned"
                )
                outside_list.append(
                    {
                        "id": f.id,
                        "name": f.name,
                        "category": f.category,
                        "muni_code": f.muni_code,
                        "unit": unit,
                        "reason": reason,
                    }
                )
        else:
            fac_by_ken.setdefault(ken, []).append(f)

    warnings: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for key, kinfo in opt.kens.items():
        kname = kinfo.get("name") or key
        mem = [u for u in members.get(key, []) if u in units]
        pop_source: str | None = "municipalities" if pops else None
        pop: dict[str, float | None]
        if pops:
            pop = {
                k: sum(pops.get(u, {}).get(k, 0.0) for u in mem) for k in ("pop_total", "pop_65", "pop_75")
            }
        elif key in area_pops:
            pop, layer_name, _year = area_pops[key]
            pop_source = f"area:{layer_name}"
        else:
            pop = {"pop_total": None, "pop_65": None, "pop_75": None}
        area = sum(units[u].area_km2 or 0.0 for u in mem)
        fl = fac_by_ken.get(key, [])
        counts = {c: 0 for c in categories}
        for f in fl:
            counts[f.category] = counts.get(f.category, 0) + 1
        fac_rows = {
            c: {
                "label": CATEGORIES[c].label if c in CATEGORIES else c,
                "count": n,
                "loaded": c in loaded,
                "per_100k": _rate(n, pop["pop_total"], 1e5),
                "per_1000_75": _rate(n, pop["pop_75"], 1e3),
            }
            for c, n in counts.items()
        }
        active = [{"id": f.id, "name": f.name, "category": f.category} for f in fl if f.active_role]
        hubs = [h for h in opt.hubs if h["ken_key"] == key]
        func_rows: dict[str, Any] = {}
        missing: list[int] = []
        for fn, label in FUNCTIONS.items():
            prov = [
                {"id": f.id, "name": f.name, "category": f.category}
                for f in fl
                if fn in functions.get(f.id, ())
            ]
            func_rows[str(fn)] = {
                "label": label,
                "count": len(prov),
                "present": bool(prov),
                "facilities": prov,
            }
            if not prov:
                missing.append(fn)
        ken_parts = parts.get(key, [])
        crosses = {}
        for layer, mship in cross_members.items():
            areas = sorted({a[1] for u in mem if (a := _data.unit_area(mship, units[u])) is not None})
            if len(areas) > 1:
                crosses[layer] = areas
        kw: list[dict[str, Any]] = []
        if not mem:
            kw.append(_warn("empty_ken", key, kname))
        else:
            if len(ken_parts) > 1:
                kw.append(_warn("non_contiguous", key, kname, parts=len(ken_parts)))
            for layer, areas in crosses.items():
                kw.append(
                    _warn("crosses_layer", key, kname, level="info", layer=layer, areas="・".join(areas))
                )
            if not active:
                kw.append(_warn("no_active_role", key, kname))
            if not hubs:
                kw.append(_warn("no_hub", key, kname))
            if missing:
                kw.append(
                    _warn("missing_function", key, kname, functions="・".join(FUNCTIONS[m] for m in missing))
                )
            if counts.get("zaishi_clinic", 0) + counts.get("zaishi_hospital", 0) == 0 and loaded & set(
                ZAISHI
            ):
                kw.append(_warn("no_zaishi", key, kname))
            if counts.get("home_nursing", 0) == 0 and "home_nursing" in loaded:
                kw.append(_warn("no_home_nursing", key, kname))
            if min_pop and pop["pop_total"] is not None and pop["pop_total"] < float(min_pop):
                kw.append(_warn("below_min_population", key, kname, min=float(min_pop), pop=pop["pop_total"]))
        warnings.extend(kw)
        rows.append(
            {
                "ken_key": key,
                "name": kname,
                "color": kinfo.get("color"),
                "notes": kinfo.get("notes"),
                "municipalities": [{"code": u, "name": units[u].full_name} for u in mem],
                "n_municipalities": len(mem),
                "area_km2": round(area, 2),
                "population": {k: None if v is None else round(v, 1) for k, v in pop.items()},
                "population_source": pop_source,
                "facilities": fac_rows,
                "zaishi_total": counts.get("zaishi_clinic", 0) + counts.get("zaishi_hospital", 0),
                "active_role": {"present": bool(active), "facilities": active},
                "hub": {"present": bool(hubs), "hubs": hubs},
                "functions": func_rows,
                "missing_functions": missing,
                "coverage": None if cov is None else {c: v.get(key) for c, v in cov.items()},
                "contiguous": len(ken_parts) <= 1,
                "n_parts": len(ken_parts),
                "parts": ken_parts,
                "crosses": crosses,
                "warnings": kw,
            }
        )

    unknown = sorted(u for u in opt.assignments if u not in units)
    unassigned = [u for u in units if u not in opt.assignments]
    if unassigned:
        warnings.insert(0, _warn("unassigned", names="、".join(units[u].full_name for u in unassigned)))
    if unknown:
        warnings.insert(0, _warn("unknown_units", codes=", ".join(unknown)))
    if outside:
        warnings.append(_warn("facilities_outside", level="info", n=outside))
    if not_loaded:
        warnings.append(
            _warn(
                "not_loaded",
                level="info",
                categories="・".join(CATEGORIES[c].label if c in CATEGORIES else c for c in not_loaded),
            )
        )
    unknown_pop = [r["name"] for r in rows if r["n_municipalities"] and r["population"]["pop_total"] is None]
    if unknown_pop and (pops or area_tables):
        warnings.append(_warn("population_unknown", level="info", names="、".join(unknown_pop)))

    pops_k = [
        r["population"]["pop_total"]
        for r in rows
        if r["n_municipalities"] and r["population"]["pop_total"] is not None
    ]
    totals_counts = {c: sum(r["facilities"][c]["count"] for r in rows) for c in categories}
    tot_pop: dict[str, float | None] = {}
    for k in ("pop_total", "pop_65", "pop_75"):
        vals = [r["population"][k] for r in rows if r["n_municipalities"]]
        tot_pop[k] = None if not vals or any(v is None for v in vals) else round(sum(vals), 1)
    totals = {
        "n_kens": len(rows),
        "n_units": len(units),
        "n_assigned": len(opt.assignments) - len(unknown),
        "unassigned": unassigned,
        "area_km2": round(sum(r["area_km2"] for r in rows), 2),
        "population": tot_pop,
        "population_range": [min(pops_k), max(pops_k)] if pops_k else None,
        "facilities": {
            c: {
                "count": n,
                "loaded": c in loaded,
                "per_100k": _rate(n, tot_pop["pop_total"], 1e5),
                "per_1000_75": _rate(n, tot_pop["pop_75"], 1e3),
            }
            for c, n in totals_counts.items()
        },
        "facilities_outside": outside,
        "facilities_outside_list": outside_list,
        "kens_without_active_role": [
            r["ken_key"] for r in rows if r["n_municipalities"] and not r["active_role"]["present"]
        ],
        "kens_without_hub": [r["ken_key"] for r in rows if r["n_municipalities"] and not r["hub"]["present"]],
        "kens_missing_functions": [
            r["ken_key"] for r in rows if r["n_municipalities"] and r["missing_functions"]
        ],
        "non_contiguous": [r["ken_key"] for r in rows if not r["contiguous"]],
        "min_coverage": None,
        "n_warnings": sum(1 for w in warnings if w["level"] == "warning"),
    }
    if cov is not None:
        totals["min_coverage"] = {
            c: min((v["share"] for v in per.values() if v and v.get("share") is not None), default=None)
            for c, per in cov.items()
        }
        totals["coverage"] = {}
        for c, per in cov.items():
            t = sum(v["total"] for v in per.values() if v)
            cv = sum(v["covered"] for v in per.values() if v)
            totals["coverage"][c] = {
                "total": round(t, 1),
                "covered": round(cv, 1),
                "uncovered": round(t - cv, 1),
                "share": round(cv / t, 4) if t > 0 else None,
            }
    return {
        "option": opt.name,
        "template": opt.template,
        "layer": opt.base_layer,
        "notes": opt.notes,
        "author": opt.author,
        "plan_period": opt.plan_period,
        "created_at": opt.created_at,
        "updated_at": opt.updated_at,
        "rates_note": OPTION_TEXT["computed_by_tool"],
        "rate_labels": {"per_100k": OPTION_TEXT["per_100k"], "per_1000_75": OPTION_TEXT["per_1000_75"]},
        "coverage_params": (params.to_dict() if hasattr(params, "to_dict") else params)
        if params is not None
        else None,
        "coverage_description": _describe_coverage(project, params),
        "coverage_note": cov_note,
        "population_note": _population_note(pops, area_pops, area_tables),
        "population_source": "municipalities" if pops else ("areas" if area_pops else None),
        "categories_not_loaded": not_loaded,
        "kens": rows,
        "totals": totals,
        "warnings": warnings,
    }
