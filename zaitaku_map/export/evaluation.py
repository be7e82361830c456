"""The evaluation table of an option, one row per 圏域, as exports print it.

Everything comes from ``options.evaluate_option`` (counts, population, rates, roles, functions ①–④,
coverage shares, warnings); this module only chooses the columns and formats the cells.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from zaitaku_map.coverage import category_name, resolve_coverage_params
from zaitaku_map.export.data import ExportData
from zaitaku_map.export.request import ExportRequest
from zaitaku_map.labels import CATEGORIES, CORE_CATEGORIES, EXPORT_COLUMNS, EXPORT_TEXT, FUNCTIONS
from zaitaku_map.options import evaluate_option
from zaitaku_map.store import Project


def request_params(project: Project, request: ExportRequest) -> Any:
    """The coverage parameters of a request: its own, else the project's stored ones, with
    ``coverage_minutes`` applied."""
    return resolve_coverage_params(project, request.coverage_params, minutes=request.coverage_minutes)


def evaluate(project: Project, option: str, *, coverage_params: Any = None) -> dict[str, Any]:
    """``options.evaluate_option`` of ``option`` (its JSON form, as the tables read it)."""
    return evaluate_option(project, option, coverage_params=coverage_params).to_dict()


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
        params = request_params(project, data.request) if coverage_category else None
        ev = evaluate(project, data.option_name, coverage_params=params)
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
        _demand_cells(row, r.get("demand"))
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
    heads.update(_demand_heads(ev))
    heads["warnings"] = EXPORT_COLUMNS["warnings"]
    return table, heads, ev


def _demand_years(ev: dict[str, Any]) -> tuple[int, int] | None:
    """(base, target) 年度 of the evaluation's demand section, ``None`` without one."""
    first = next((r["demand"] for r in ev["kens"] if r.get("demand")), None)
    return None if first is None else (int(first["growth_years"][0]), int(first["growth_years"][1]))


def _demand_cells(row: dict[str, Any], demand: dict[str, Any] | None) -> None:
    """Demand of the base and target 年度 and the peak 年度 (section ``demand``; issue 16)."""
    if not demand:
        return
    base, target = demand["growth_years"]
    vals = demand.get("home_visit_per_month") or {}
    row["demand_base"] = vals.get(str(base), np.nan)
    row["demand_target"] = vals.get(str(target), np.nan)
    row["demand_peak"] = demand.get("peak_year") or np.nan


def _demand_heads(ev: dict[str, Any]) -> dict[str, str]:
    years = _demand_years(ev)
    if years is None:
        return {}
    return {
        "demand_base": EXPORT_COLUMNS["demand_year"].format(year=years[0]),
        "demand_target": EXPORT_COLUMNS["demand_year"].format(year=years[1]),
        "demand_peak": EXPORT_COLUMNS["demand_peak"],
    }


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
    if key.startswith("pop_"):
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
