"""Population within / beyond the threshold per category, municipality, area layer and group.

Statistics always come from the demand points (each carries its population), never from
polygon overlays.
"""

from __future__ import annotations

from typing import Any, Required, TypedDict, cast

import numpy as np
import pandas as pd

from zaitaku_map.coverage.engine import CoverageResult
from zaitaku_map.coverage.facilities import category_members
from zaitaku_map.coverage.inputs import POP_COLUMNS, category_name
from zaitaku_map.coverage.params import CoverageParams
from zaitaku_map.geodata import area_layer_names, area_membership
from zaitaku_map.store import Project


def _r(x: float) -> float:
    return round(float(x), 1)


class Figures(TypedDict):
    """Population within the threshold (or a band) and beyond it, in total and by age."""

    points: int
    points_covered: int
    pop_total: float
    covered: float
    uncovered: float
    share: float | None  # None: no population behind the points
    pop_65_total: float
    pop_65_uncovered: float
    pop_75_total: float
    pop_75_uncovered: float
    pop_85_total: float
    pop_85_uncovered: float


class GroupRow(TypedDict, total=False):
    """One municipality (``muni_code``), area (``area_code``) or group (``key``) of a breakdown."""

    muni_code: str
    area_code: str
    key: str
    name: str
    points: Required[int]
    points_covered: Required[int]
    pop_total: Required[float]
    covered: Required[float]
    uncovered: Required[float]
    share: Required[float | None]
    pop_65_uncovered: Required[float]
    pop_75_uncovered: Required[float]
    nearest_min: float | None  # coarse demand only: minutes from the representative point


class CategorySummary(Figures, total=False):
    """One category: its facilities, the figures within ``minutes``, each band and the breakdowns."""

    name: Required[str]
    facilities: Required[int]
    facilities_at_municipality_point: Required[int]
    unsnapped_facilities: Required[list[dict[str, Any]]]
    bands: Required[dict[str, Figures]]  # "15" -> figures within 15 minutes
    by_municipality: list[GroupRow]
    by_layer: Required[dict[str, list[GroupRow]]]  # area layer -> its areas
    by_group: list[GroupRow]  # when ``groups`` were given (e.g. an option's 圏域)
    by_facility: list[dict[str, Any]]  # added by ``coverage --facilities``


class OffNetwork(TypedDict):
    points: int
    pop_total: float
    max_snap_m: float


class CoverageSummary(TypedDict, total=False):
    """The result of :func:`summarize` / :func:`~zaitaku_map.coverage.coverage_summary` (``--json``)."""

    mode: Required[str]
    description_ja: Required[str]
    parameters: Required[dict[str, Any]]
    minutes: Required[float]
    bands: Required[list[float]]
    demand_points: Required[int]
    coarse_demand: Required[bool]
    categories: Required[dict[str, CategorySummary]]
    # False: no population behind the demand points (e.g. only an area-keyed table) — shares are
    # then undefined and only the reach of the points (municipality representative points) is known
    population_available: Required[bool]
    note: str
    off_network: OffNetwork
    from_cache: list[str]
    saved_as_project_setting: bool  # set by ``coverage --save``


def _figures(pop: pd.DataFrame, covered: np.ndarray) -> Figures:
    total = pop.sum()
    cov = pop[covered].sum()
    return {
        "points": len(pop),
        "points_covered": int(np.count_nonzero(covered)),
        "pop_total": _r(total["pop_total"]),
        "covered": _r(cov["pop_total"]),
        "uncovered": _r(total["pop_total"] - cov["pop_total"]),
        "share": round(float(cov["pop_total"] / total["pop_total"]), 4) if total["pop_total"] > 0 else None,
        "pop_65_total": _r(total["pop_65"]),
        "pop_65_uncovered": _r(total["pop_65"] - cov["pop_65"]),
        "pop_75_total": _r(total["pop_75"]),
        "pop_75_uncovered": _r(total["pop_75"] - cov["pop_75"]),
        "pop_85_total": _r(total["pop_85"]),
        "pop_85_uncovered": _r(total["pop_85"] - cov["pop_85"]),
    }


def _grouped(
    pop: pd.DataFrame,
    covered: np.ndarray,
    keys: pd.Series,
    key_name: str,
    names: dict[str, str] | None = None,
    times: np.ndarray | None = None,
) -> list[GroupRow]:
    frame = pop.copy()
    frame["_key"] = keys.to_numpy()
    frame["_cov"] = np.where(covered, frame["pop_total"], 0.0)
    frame["_n"] = 1
    frame["_ncov"] = covered.astype(int)
    frame["_t"] = times if times is not None else np.nan
    frame["_u65"] = np.where(covered, 0.0, frame["pop_65"])
    frame["_u75"] = np.where(covered, 0.0, frame["pop_75"])
    g = frame.groupby("_key", dropna=True, sort=True)
    tot = g["pop_total"].sum()
    cov = g["_cov"].sum()
    n = g["_n"].sum()
    ncov = g["_ncov"].sum()
    tmin = g["_t"].min()
    u65 = g["_u65"].sum()
    u75 = g["_u75"].sum()
    rows: list[GroupRow] = []
    for k in tot.index:
        t, c = float(tot[k]), float(cov[k])
        row: dict[str, Any] = {key_name: k}
        if names is not None:
            row["name"] = names.get(k, k)
        row.update(
            points=int(n[k]),
            points_covered=int(ncov[k]),
            pop_total=_r(t),
            covered=_r(c),
            uncovered=_r(t - c),
            share=round(c / t, 4) if t > 0 else None,
            pop_65_uncovered=_r(u65[k]),
            pop_75_uncovered=_r(u75[k]),
        )
        if (
            times is not None
        ):  # nearest facility in minutes (with coarse demand: from the representative point)
            row["nearest_min"] = round(float(tmin[k]), 1) if np.isfinite(tmin[k]) else None
        rows.append(cast(GroupRow, row))  # the key field's name varies (muni_code / area_code / key)
    return rows


def _at_municipality_point(project: Project, category: str) -> int:
    """Facilities of ``category`` placed only at their municipality's representative point (coarse)."""
    members = category_members(category)
    marks = ",".join("?" for _ in members)
    return int(
        project.conn.execute(
            f"SELECT count(*) FROM facilities WHERE status='open' AND lon IS NOT NULL AND geocode_level='municipality' "
            f"AND category IN ({marks})",
            members,
        ).fetchone()[0]
    )


def summarize(
    result: CoverageResult,
    project: Project,
    *,
    layers: list[str] | None = None,
    groups: dict[str, str] | None = None,
) -> CoverageSummary:
    """Summary of a :class:`~zaitaku_map.coverage.engine.CoverageResult` (``groups``: municipality
    code -> group key, adds ``by_group``)."""
    params: CoverageParams = result.params
    df = result.demand.df
    pop = df[list(POP_COLUMNS)].fillna(0.0).astype(float)
    muni = df["muni_code"].astype("string")
    names = {
        str(c): (f or n)
        for c, n, f in project.conn.execute("SELECT code, name, full_name FROM municipalities")
    }
    # a layer asked for by name that the project lacks raises GeodataError (with the names it has)
    layer_maps = {
        layer: area_membership(project, layer)
        for layer in (area_layer_names(project) if layers is None else layers)
    }
    out: CoverageSummary = {
        "mode": result.mode,
        "description_ja": result.describe_ja(),
        "parameters": params.to_dict(),
        "minutes": params.minutes,
        "bands": list(params.bands),
        "demand_points": len(df),
        "coarse_demand": result.demand.coarse,
        "categories": {},
        "population_available": bool(pop["pop_total"].sum() > 0),
    }
    if result.demand.coarse:
        out["note"] = "no demand points: municipality representative points used (coarser)"
    if result.off_network is not None:
        off = result.off_network
        out["off_network"] = {
            "points": int(off.sum()),
            "pop_total": _r(pop["pop_total"][off].sum()),
            "max_snap_m": params.max_snap_m,
        }
    for key, cc in result.categories.items():
        t = cc.times
        covered = t <= params.minutes
        entry = cast(
            CategorySummary,
            {
                "name": category_name(key),
                "facilities": cc.n_facilities,
                "facilities_at_municipality_point": _at_municipality_point(project, key),
                "unsnapped_facilities": cc.unsnapped,
                **_figures(pop, covered),
            },
        )
        entry["bands"] = {f"{b:g}": _figures(pop, t <= b) for b in params.bands}
        entry["by_municipality"] = _grouped(
            pop, covered, muni, "muni_code", names, times=t if result.demand.coarse else None
        )
        entry["by_layer"] = {}
        for layer, mp in layer_maps.items():
            codes = muni.map(lambda m, mp=mp: mp.get(m, (None, None))[0] if m is not None else None)
            area_names = {a: n for a, n in mp.values()}
            entry["by_layer"][layer] = _grouped(pop, covered, codes.astype("string"), "area_code", area_names)
        if groups:
            gk = muni.map(lambda m: groups.get(m) if m is not None else None)
            entry["by_group"] = _grouped(pop, covered, gk.astype("string"), "key")
        out["categories"][key] = entry
    return out
