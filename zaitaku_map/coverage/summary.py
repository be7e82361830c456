"""Population within / beyond the threshold per category, municipality, area layer and group.

Statistics always come from the demand points (each carries its population), never from
polygon overlays.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from zaitaku_map.coverage.engine import CoverageResult
from zaitaku_map.coverage.facilities import category_members
from zaitaku_map.coverage.inputs import POP_COLUMNS, category_name
from zaitaku_map.coverage.params import CoverageParams
from zaitaku_map.store import Project


def _r(x: float) -> float:
    return round(float(x), 1)


def _figures(pop: pd.DataFrame, covered: np.ndarray) -> dict[str, Any]:
    total = pop.sum()
    cov = pop[covered].sum()
    out: dict[str, Any] = {
        "points": len(pop),
        "points_covered": int(np.count_nonzero(covered)),
        "pop_total": _r(total["pop_total"]),
        "covered": _r(cov["pop_total"]),
        "uncovered": _r(total["pop_total"] - cov["pop_total"]),
        "share": round(float(cov["pop_total"] / total["pop_total"]), 4) if total["pop_total"] > 0 else None,
    }
    for c in POP_COLUMNS[1:]:
        out[f"{c}_total"] = _r(total[c])
        out[f"{c}_uncovered"] = _r(total[c] - cov[c])
    return out


def _grouped(
    pop: pd.DataFrame,
    covered: np.ndarray,
    keys: pd.Series,
    key_name: str,
    names: dict[str, str] | None = None,
    times: np.ndarray | None = None,
) -> list[dict[str, Any]]:
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
    rows = []
    for k in tot.index:
        t, c = float(tot[k]), float(cov[k])
        row = {key_name: k}
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
        rows.append(row)
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
    group_name: str = "group",
) -> dict[str, Any]:
    """Summary dict of a :class:`~zaitaku_map.coverage.engine.CoverageResult`."""
    params: CoverageParams = result.params
    df = result.demand.df
    pop = df[list(POP_COLUMNS)].fillna(0.0).astype(float)
    muni = df["muni_code"].astype("string")
    names = {
        str(c): (f or n)
        for c, n, f in project.conn.execute("SELECT code, name, full_name FROM municipalities")
    }
    layer_maps: dict[str, dict[str, tuple[str, str]]] = {}
    if layers is None:
        layers = [r[0] for r in project.conn.execute("SELECT name FROM area_layers ORDER BY id")]
    for layer in layers:
        layer_maps[layer] = {
            m: (a, n or a)
            for m, a, n in project.conn.execute(
                "SELECT m.muni_code, m.area_code, m.area_name FROM area_members m JOIN area_layers l ON l.id=m.layer_id "
                "WHERE l.name=?",
                (layer,),
            )
        }
    out: dict[str, Any] = {
        "mode": result.mode,
        "description_ja": result.describe_ja(),
        "parameters": params.to_dict(),
        "minutes": params.minutes,
        "bands": list(params.bands),
        "demand_points": len(df),
        "coarse_demand": result.demand.coarse,
        "categories": {},
        # False: no population behind the demand points (e.g. only an area-keyed table) — shares are
        # then undefined and only the reach of the points (municipality representative points) is known
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
        entry: dict[str, Any] = {
            "name": category_name(key),
            "facilities": cc.n_facilities,
            "facilities_at_municipality_point": _at_municipality_point(project, key),
            "unsnapped_facilities": cc.unsnapped,
            **_figures(pop, covered),
        }
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
            entry[f"by_{group_name}"] = _grouped(pop, covered, gk.astype("string"), "key")
        out["categories"][key] = entry
    return out
