"""Summary of what a project holds (``zaitaku-map info``)."""

from __future__ import annotations

import json
import math
import sqlite3
from typing import Any, TypedDict

from zaitaku_map.labels import CORE_CATEGORIES
from zaitaku_map.store.project import Project


class ProjectInfo(TypedDict):
    """What a project holds (``zaitaku-map info``)."""

    path: str
    schema_version: int
    is_demo: bool
    study_prefectures: list[str]
    municipalities: int
    area_layers: dict[str, int]
    facilities: dict[str, int]
    facilities_closed: int
    geocode_levels: dict[str, int]
    population: dict[str, Any]
    road_network: dict[str, Any] | None
    options: list[str]
    sources: int
    rejected_rows: int
    projections: list[dict[str, Any]]


def _population(c: sqlite3.Connection) -> dict[str, Any]:
    """Population totals: of the demand points (mesh or municipal), else of the municipal table; plus
    area-keyed tables per layer (e.g. 二次医療圏別人口), which are not spread to municipalities."""
    population: dict[str, Any] = {"total": 0, "age65": None, "age75": None, "unit": None}
    row = c.execute("SELECT sum(pop_total), sum(pop_65), sum(pop_75), count(*) FROM demand_points").fetchone()
    if row and row[3]:
        units = [r[0] for r in c.execute("SELECT DISTINCT unit FROM population_sources ORDER BY id")]
        population = {
            "total": _whole(row[0]) or 0,
            "age65": _whole(row[1]),
            "age75": _whole(row[2]),
            "unit": ",".join(units) if units else None,
            "demand_points": row[3],
        }
    else:
        row = c.execute(
            "SELECT sum(pop_total), sum(pop_65), sum(pop_75), count(*) FROM population_municipal"
        ).fetchone()
        if row and row[3]:
            population = {
                "total": _whole(row[0]) or 0,
                "age65": _whole(row[1]),
                "age75": _whole(row[2]),
                "unit": "municipality",
            }

    has_area = c.execute("SELECT 1 FROM sqlite_master WHERE name='population_area'").fetchone()
    if has_area:  # area-keyed tables (e.g. 二次医療圏別人口): not spread to municipalities
        by_layer: dict[str, Any] = {}
        for layer, n, tot, p65, p75 in c.execute(
            "SELECT layer_name, count(DISTINCT area_code), sum(pop_total), sum(pop_65), sum(pop_75) FROM population_area "
            "WHERE pop_source_id IN (SELECT max(pop_source_id) FROM population_area GROUP BY layer_name) "
            "GROUP BY layer_name ORDER BY layer_name"
        ):
            by_layer[layer] = {
                "areas": n,
                "total": _whole(tot) or 0,
                "age65": _whole(p65),
                "age75": _whole(p75),
            }
        if by_layer:
            population["by_area_layer"] = by_layer
    return population


def project_info(project: Project) -> ProjectInfo:
    """Counts a user checks after each step; every key is present even when zero."""
    c = project.conn
    facilities: dict[str, int] = {k: 0 for k in CORE_CATEGORIES}
    for cat, n in c.execute(
        "SELECT category, count(*) FROM facilities WHERE status='open' GROUP BY category"
    ):
        facilities[cat] = n
    facilities["total"] = sum(v for k, v in facilities.items() if k != "total")
    closed = c.execute("SELECT count(*) FROM facilities WHERE status='closed'").fetchone()[0]

    levels: dict[str, int] = {}
    for lvl, n in c.execute(
        "SELECT coalesce(geocode_level, 'not_geocoded'), count(*) FROM facilities WHERE status='open' "
        "GROUP BY 1"
    ):
        levels[lvl] = n

    layers = {
        name: n
        for name, n in c.execute(
            "SELECT l.name, count(DISTINCT m.area_code) FROM area_layers l "
            "LEFT JOIN area_members m ON m.layer_id = l.id GROUP BY l.id ORDER BY l.id"
        )
    }
    munis = c.execute("SELECT count(*) FROM municipalities WHERE kind != 'designated_city'").fetchone()[0]

    population = _population(c)

    net = c.execute(
        "SELECT name, n_nodes, n_edges FROM road_networks WHERE active=1 ORDER BY id DESC LIMIT 1"
    ).fetchone()
    road = None if net is None else {"name": net[0], "nodes": net[1], "edges": net[2]}

    options = [r[0] for r in c.execute("SELECT name FROM options ORDER BY id")]
    rejected = c.execute("SELECT count(*) FROM import_log WHERE severity='rejected'").fetchone()[0]
    return {
        "path": str(project.path),
        "schema_version": project.schema_version,
        "is_demo": project.is_demo,
        "study_prefectures": project.study_prefectures,
        "municipalities": munis,
        "area_layers": layers,
        "facilities": facilities,
        "facilities_closed": closed,
        "geocode_levels": levels,
        "population": population,
        "road_network": road,
        "options": options,
        "sources": c.execute("SELECT count(*) FROM sources").fetchone()[0],
        "rejected_rows": rejected,
        "projections": _projections(project),
    }


_PROJECTION_TABLES = ("demand_area", "projection_values", "use_rates")


def _projections(project: Project) -> list[dict[str, Any]]:
    """Imported demand, projection and rate files still in use (``zaitaku-map projection``), oldest first."""
    c = project.conn
    have = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    tables = [t for t in _PROJECTION_TABLES if t in have]
    if not tables:
        return []
    used = {r[0] for r in c.execute(" UNION ".join(f"SELECT DISTINCT source_id FROM {t}" for t in tables))}
    out = []
    for sid, fmt, name, ref, summary in c.execute(
        "SELECT id, format, file_name, reference_date, summary_json FROM sources WHERE kind='projection' ORDER BY id"
    ):
        if sid not in used:
            continue
        s = json.loads(summary) if summary else {}
        out.append(
            {
                "source_id": sid,
                "kind": fmt,
                "file": name,
                "reference_date": ref,
                **{
                    k: s[k]
                    for k in ("edition", "base_year", "projection_label", "years", "measures", "ages")
                    if k in s
                },
            }
        )
    return out


def _whole(v: float | None) -> int | None:
    """A sum of people as a whole number; ``None`` when unknown or not finite (a value stored by a
    version that did not check its inputs)."""
    return None if v is None or not math.isfinite(v) else round(v)
