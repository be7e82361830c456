"""The evaluation table of an option, one row per 圏域, as exports print it.

Counts and roles come from :class:`~zaitaku_map.export.data.ExportData`; coverage shares from
``coverage.compute_coverage`` (population within ``params.minutes`` of the nearest facility of a
category).  Warnings reported by ``options.evaluate_option`` are merged when that domain provides them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from zaitaku_map.export.data import ExportData, _public
from zaitaku_map.labels import CATEGORIES, CORE_CATEGORIES, EXPORT_COLUMNS, EXPORT_WARNINGS, FUNCTIONS
from zaitaku_map.store import Project

ZAISHI = ("zaishi_clinic", "zaishi_hospital")


def default_coverage_params() -> Any:
    """``coverage.CoverageParams()`` (the user's defaults), or ``None`` when coverage is missing."""
    cls = _public("zaitaku_map.coverage", "CoverageParams")
    return cls() if cls is not None else None


def coverage_by_ken(project: Project, data: ExportData, params: Any, category: str) -> dict[str, float]:
    """Share of each 圏域's population within ``params.minutes`` of a facility of ``category``."""
    compute = _public("zaitaku_map.coverage", "compute_coverage")
    if compute is None:
        return {}
    res = compute(project, params, categories=[category])
    times = np.asarray(res.times(category), dtype=float)
    load = _public("zaitaku_map.geodata", "load_demand_points")
    if load is not None:
        dp = load(project)
    else:  # TEMPORARY fallback until zaitaku_map.geodata lands
        dp = pd.read_sql_query("SELECT fid, muni_code, pop_total FROM demand_points ORDER BY fid", project.conn)
    if len(dp) != len(times):
        return {}
    ken_of = dict(zip(data.munis["code"], data.munis["ken_key"], strict=False))
    ken = dp["muni_code"].map(ken_of)
    pop = dp["pop_total"].fillna(0).to_numpy(dtype=float)
    ok = np.nan_to_num(times, nan=np.inf) <= float(params.minutes)
    out: dict[str, float] = {}
    for key in data.ken_order:
        sel = (ken == key).to_numpy()
        tot = pop[sel].sum()
        out[key] = float(pop[sel & ok].sum() / tot) if tot > 0 else float("nan")
    return out


def _option_warnings(project: Project, option: str, params: Any) -> dict[str, list[str]]:
    """Per-ken warnings from ``options.evaluate_option`` when it reports them as text."""
    fn = _public("zaitaku_map.options", "evaluate_option")
    if fn is None:
        return {}
    try:
        res = fn(project, option, coverage_params=params)
    except Exception:
        return {}
    out: dict[str, list[str]] = {}
    kens = res.get("kens") if isinstance(res, dict) else None
    items = kens.items() if isinstance(kens, dict) else (
        ((k.get("ken_key"), k) for k in kens) if isinstance(kens, list) else ()
    )
    for key, row in items:
        if isinstance(row, dict):
            w = row.get("warnings_ja") or row.get("warnings") or []
            out[str(key)] = [str(x.get("message", x)) if isinstance(x, dict) else str(x) for x in w]
    return out


def evaluation_table(
    project: Project,
    data: ExportData,
    *,
    coverage_category: str | None = None,
    coverage_params: Any = None,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Return ``(table, headings)``: one row per 圏域 and the Japanese heading of each column.

    Columns: ken_name, n_units, pop_total, pop_75, one count per category present, 在支診+在支病 per
    10万人 and per 1,000 aged 75+, active_role, hub, f1–f4 (facilities carrying each function),
    coverage share (when ``coverage_category``), warnings.
    """
    fac = data.facilities
    cats = [c for c in CORE_CATEGORIES if c in set(fac["category"])] + [
        c for c in data.categories_present() if c not in CORE_CATEGORIES
    ]
    cov: dict[str, float] = {}
    if coverage_category:
        params = coverage_params if coverage_params is not None else default_coverage_params()
        if params is not None:
            cov = coverage_by_ken(project, data, params, coverage_category)
    extra_warn = _option_warnings(project, data.option_name, coverage_params)
    rows: list[dict[str, Any]] = []
    for _, ken in data.kens.iterrows():
        key = ken["ken_key"]
        f = fac[fac["ken_key"] == key]
        row: dict[str, Any] = {
            "ken_key": key,
            "ken_name": ken["name"],
            "n_units": int(ken["n_units"]),
            "pop_total": ken["pop_total"],
            "pop_75": ken["pop_75"],
        }
        for c in cats:
            row[f"n_{c}"] = int((f["category"] == c).sum())
        nz = int(f["category"].isin(ZAISHI).sum())
        pt, p75 = ken["pop_total"], ken["pop_75"]
        row["zaishi_per_100k"] = nz / pt * 100_000 if pt and pt > 0 else np.nan
        row["zaishi_per_1000_75"] = nz / p75 * 1000 if p75 and p75 > 0 else np.nan
        row["active_role"] = int(f["active_role"].sum())
        hubs = [h["name"] for h in data.hubs if h["ken_key"] == key]
        row["hub"] = "・".join(hubs)
        missing = []
        for fn in FUNCTIONS:
            n = int(sum(fn in s for s in f["function_set"]))
            row[f"f{fn}"] = n
            if n == 0:
                missing.append(FUNCTIONS[fn][0])
        if coverage_category:
            row["coverage_share"] = cov.get(key, np.nan)
        warns = []
        if nz == 0:
            warns.append(EXPORT_WARNINGS["no_zaishi"])
        if row["active_role"] == 0:
            warns.append(EXPORT_WARNINGS["no_active_role"])
        if not hubs:
            warns.append(EXPORT_WARNINGS["no_hub"])
        if missing:
            warns.append(EXPORT_WARNINGS["function_missing"].format(functions="".join(missing)))
        if "home_nursing" in CATEGORIES and not (f["category"] == "home_nursing").any():
            warns.append(EXPORT_WARNINGS["no_home_nursing"])
        share = row.get("coverage_share")
        if share is not None and not np.isnan(share) and share < 0.9:
            warns.append(EXPORT_WARNINGS["low_coverage"].format(share=f"{1 - share:.0%}"))
        if pt is None or (isinstance(pt, float) and np.isnan(pt)):
            warns.append(EXPORT_WARNINGS["no_population"])
        for w in extra_warn.get(str(key), []):
            if w not in warns:
                warns.append(w)
        row["warnings"] = "／".join(warns)
        rows.append(row)
    table = pd.DataFrame(rows)
    heads = {
        "ken_key": EXPORT_COLUMNS["ken_key"],
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
        heads["coverage_share"] = f"{EXPORT_COLUMNS['coverage_share']}（{label}）"
    heads["warnings"] = EXPORT_COLUMNS["warnings"]
    return table, heads


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
    return str(value)
