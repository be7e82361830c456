"""The evaluation table of an option, one row per 圏域, as exports print it.

Everything comes from ``options.evaluate_option`` (counts, population, rates, roles, functions ①–④,
coverage shares, warnings); this module only chooses the columns and formats the cells.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from zaitaku_map.coverage import category_name, resolve_coverage_params
from zaitaku_map.export.data import ExportData
from zaitaku_map.export.request import ExportRequest
from zaitaku_map.labels import CATEGORIES, CORE_CATEGORIES, EXPORT_COLUMNS, EXPORT_TEXT, FUNCTIONS
from zaitaku_map.options import evaluate_option
from zaitaku_map.store import Project

if TYPE_CHECKING:
    from zaitaku_map.coverage import FacilitySet


def request_params(project: Project, request: ExportRequest) -> Any:
    """The coverage parameters of a request: its own, else the project's stored ones, with
    ``coverage_minutes`` applied."""
    return resolve_coverage_params(project, request.coverage_params, minutes=request.coverage_minutes)


def evaluate(
    project: Project,
    option: str,
    *,
    coverage_params: Any = None,
    facilities: FacilitySet | None = None,
    year: int | None = None,
) -> dict[str, Any]:
    """``options.evaluate_option`` of ``option`` (its JSON form, as the tables read it) on
    ``facilities`` (a scenario's set; ``None``: the register), with the demand of ``year``."""
    return evaluate_option(
        project, option, coverage_params=coverage_params, facilities=facilities, year=year
    ).to_dict()


def evaluate_data(project: Project, data: ExportData) -> dict[str, Any]:
    """The evaluation of ``data``'s option as its request asks: coverage parameters when it shows
    coverage, the scenario's facilities, the projection year."""
    params = request_params(project, data.request) if data.request.coverage_category else None
    return evaluate(
        project,
        data.option_name,
        coverage_params=params,
        facilities=data.facility_set,
        year=data.request.year,
    )


def _rate(n: float, base: Any, per: float) -> float:
    return n / base * per if isinstance(base, int | float) and base > 0 else np.nan


def evaluation_table(
    project: Project, data: ExportData, *, ev: dict[str, Any] | None = None
) -> tuple[pd.DataFrame, dict[str, str], dict[str, Any]]:
    """Return ``(table, headings, evaluation)``: one row per 圏域, the Japanese heading of each column
    and the raw ``evaluate_option`` dict.

    Columns: ken_name, n_units, pop_total, pop_75, one count per category (core ones and any present),
    在支診+在支病 per 10万人 and per 1,000 aged 75+, active_role (count), hub (names), f1–f4 (facilities
    carrying each function), coverage share (when the request has a coverage category), warnings.
    """
    coverage_category = data.request.coverage_category
    if ev is None:
        ev = evaluate_data(project, data)
    present = {c for r in ev["kens"] for c, v in r["facilities"].items() if v["count"]}
    not_loaded = set(ev.get("categories_not_loaded") or [])  # never imported: no column of zeros (see notes)
    cats = [c for c in CORE_CATEGORIES if c not in not_loaded]
    cats += [c for c in CATEGORIES if c in present and c not in cats]
    cats += sorted(present - set(cats))
    rows: list[dict[str, Any]] = []
    for r in ev["kens"]:
        pop = r.get("population") or {}
        row: dict[str, Any] = {
            "ken_key": r["ken_key"],
            "ken_name": r["name"],
            "n_units": r["n_municipalities"],
            "pop_total": pop.get("pop_total", np.nan) if r["n_municipalities"] else np.nan,
            "pop_75": pop.get("pop_75", np.nan) if r["n_municipalities"] else np.nan,
        }
        for c in cats:
            row[f"n_{c}"] = int((r["facilities"].get(c) or {}).get("count", 0))
        nz = int(r.get("zaishi_total", 0))
        row["zaishi_per_100k"] = _rate(nz, pop.get("pop_total"), 1e5)
        row["zaishi_per_1000_75"] = _rate(nz, pop.get("pop_75"), 1e3)
        row["active_role"] = len(r["active_role"]["facilities"])
        row["hub"] = "・".join(str(h.get("name") or "") for h in r["hub"]["hubs"])
        for fn in FUNCTIONS:
            row[f"f{fn}"] = int(r["functions"][str(fn)]["count"])
        if coverage_category:
            cov = (r.get("coverage") or {}).get(coverage_category) or {}
            share = cov.get("share")
            row["coverage_share"] = np.nan if share is None else float(share)
        _demand_cells(row, r)
        row["warnings"] = "／".join(str(w["message"]) for w in r.get("warnings", []))
        rows.append(row)
    table = pd.DataFrame(rows)
    heads = {
        "ken_name": EXPORT_COLUMNS["ken_name"],
        "n_units": EXPORT_COLUMNS["n_units"],
        "pop_total": EXPORT_COLUMNS["pop_total"],
        "pop_75": EXPORT_COLUMNS["pop_75"],
        **{f"n_{c}": CATEGORIES[c].short if c in CATEGORIES else c for c in cats},
        "zaishi_per_100k": "在支診・在支病 " + EXPORT_COLUMNS["per_100k"],
        "zaishi_per_1000_75": "在支診・在支病 " + EXPORT_COLUMNS["per_1000_75"],
        "active_role": EXPORT_COLUMNS["active_role"],
        "hub": EXPORT_COLUMNS["hub"],
        **{f"f{fn}": FUNCTIONS[fn] for fn in FUNCTIONS},
    }
    if coverage_category:
        label = CATEGORIES[coverage_category].short if coverage_category in CATEGORIES else coverage_category
        if coverage_category not in CATEGORIES:
            label = category_name(coverage_category)
        heads["coverage_share"] = f"{EXPORT_COLUMNS['coverage_share']}（{label}）"
    heads.update(_demand_heads(ev, data.request.year))
    heads["warnings"] = EXPORT_COLUMNS["warnings"]
    return table, heads, ev


def _demand_years(ev: dict[str, Any]) -> tuple[int, int] | None:
    """(base, target) 年度 of the evaluation's demand section, ``None`` without one."""
    first = next((r["demand"] for r in ev["kens"] if r.get("demand")), None)
    return None if first is None else (int(first["growth_years"][0]), int(first["growth_years"][1]))


def _demand_cells(row: dict[str, Any], ken: dict[str, Any]) -> None:
    """Demand of the base and target 年度 and the peak 年度 (section ``demand``; issue 16), and with
    a projection year its demand and 75+ population (sections ``demand``/``population_projection``)."""
    demand = ken.get("demand")
    if demand:
        base, target = demand["growth_years"]
        vals = demand.get("home_visit_per_month") or {}
        row["demand_base"] = vals.get(str(base), np.nan)
        row["demand_target"] = vals.get(str(target), np.nan)
        row["demand_peak"] = demand.get("peak_year") or np.nan
        if demand.get("year") is not None:
            row["demand_at_year"] = np.nan if demand.get("at_year") is None else demand["at_year"]
    pop = ken.get("population_projection") or {}
    if pop.get("year") is not None:
        v = (pop.get("at_year") or {}).get("75+")
        row["pop75_at_year"] = np.nan if v is None else v


def _demand_heads(ev: dict[str, Any], year: int | None) -> dict[str, str]:
    years = _demand_years(ev)
    heads: dict[str, str] = {}
    if years is not None:
        heads = {
            "demand_base": EXPORT_COLUMNS["demand_year"].format(year=years[0]),
            "demand_target": EXPORT_COLUMNS["demand_year"].format(year=years[1]),
            "demand_peak": EXPORT_COLUMNS["demand_peak"],
        }
    if year is not None:
        if years is not None:  # the year's column replaces the base or target one it equals
            heads = {
                k: v
                for k, v in heads.items()
                if (k, year) not in (("demand_base", years[0]), ("demand_target", years[1]))
            }
            heads["demand_at_year"] = EXPORT_COLUMNS["demand_at_year"].format(year=year)
        if any((k.get("population_projection") or {}).get("year") is not None for k in ev["kens"]):
            heads["pop75_at_year"] = EXPORT_COLUMNS["pop75_at_year"].format(year=year)
    return heads


def option_notes(ev: dict[str, Any]) -> list[str]:
    """Option-level remarks: warnings not tied to one 圏域, coverage note, how rates were computed."""
    out = [str(w["message"]) for w in ev.get("warnings", []) if not w.get("ken_key")]
    if ev.get("population_note"):
        out.append(str(ev["population_note"]))
    if ev.get("coverage_description"):
        out.append(f"到達圏の条件: {ev['coverage_description']}")
        if ev.get("population_source") != "municipalities":
            out.append(EXPORT_TEXT["coverage_needs_population"])
    elif ev.get("coverage_note"):
        out.append(str(ev["coverage_note"]))
    if ev.get("rates_note"):
        out.append(f"人口当たりの値: {ev['rates_note']}")
    return out


def format_cell(key: str, value: Any) -> str:
    """Text of an evaluation cell as printed (population with separators, ratios 1 decimal, shares %)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "－"
    if key.startswith(("pop_", "pop75_")):
        return f"{value:,.0f}"
    if key.startswith("zaishi_per"):
        return f"{value:.1f}"
    if key == "coverage_share":
        return f"{value:.1%}"
    if key == "demand_peak":
        return f"{int(value)}年度"
    if key.startswith("demand_"):
        return f"{value:,.1f}"
    return str(value)
