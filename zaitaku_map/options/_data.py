"""Read-only access to the project data the option domain needs (units, areas, population, facilities).

Uses the public loaders of :mod:`zaitaku_map.geodata` when they exist and falls back to reading
the tables directly otherwise (the geodata domain may land after this one).  Everything here is
plain Python / shapely so the evaluation stays fast.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, NamedTuple

from shapely.geometry.base import BaseGeometry

from zaitaku_map.store import Project, gpkg

UNIT_KINDS = ("municipality", "ward")


@dataclass(frozen=True)
class Unit:
    """A building block of an option: a municipality or a 政令市 ward (never the derived city row)."""

    code: str
    name: str
    full_name: str
    kind: str
    parent_code: str | None
    area_km2: float | None
    rep_lon: float | None
    rep_lat: float | None


def _geodata(name: str) -> Any:
    try:
        import zaitaku_map.geodata as gd
    except ImportError:  # pragma: no cover - package always exists
        return None
    return getattr(gd, name, None)


def load_units(project: Project) -> dict[str, Unit]:
    """Units (municipalities and wards) of the project keyed by code, in code order."""
    rows = project.conn.execute(
        "SELECT code, name, full_name, kind, parent_code, area_km2, rep_lon, rep_lat FROM municipalities "
        "WHERE kind IN ('municipality', 'ward') ORDER BY code"
    ).fetchall()
    return {
        r[0]: Unit(str(r[0]), r[1] or str(r[0]), r[2] or r[1] or str(r[0]), r[3], r[4], r[5], r[6], r[7])
        for r in rows
    }


def designated_cities(project: Project) -> dict[str, tuple[str, list[str]]]:
    """政令市: city code -> (name, ward codes).  Derived from ``parent_code`` of the wards."""
    names = dict(
        project.conn.execute("SELECT code, name FROM municipalities WHERE kind='designated_city'").fetchall()
    )
    out: dict[str, tuple[str, list[str]]] = {}
    for code, parent in project.conn.execute(
        "SELECT code, parent_code FROM municipalities WHERE kind='ward' AND parent_code IS NOT NULL ORDER BY code"
    ):
        name = names.get(parent) or str(parent)
        out.setdefault(parent, (name, []))[1].append(code)
    return out


def unit_geometries(project: Project, *, display: bool = False) -> dict[str, BaseGeometry]:
    """Geometry of each unit (analysis resolution unless ``display``)."""
    col = "coalesce(geom_display, geom)" if display else "geom"
    out: dict[str, BaseGeometry] = {}
    for code, blob in project.conn.execute(
        f"SELECT code, {col} FROM municipalities WHERE kind IN ('municipality', 'ward')"
    ):
        g = gpkg.from_blob(blob)
        if g is not None and not g.is_empty:
            out[code] = g
    return out


def geometry_signature(project: Project) -> str:
    """Cheap fingerprint of the unit geometries (changes when boundaries are re-imported)."""
    h = hashlib.sha256()
    for code, n, a in project.conn.execute(
        "SELECT code, length(geom), area_km2 FROM municipalities WHERE kind IN ('municipality', 'ward') ORDER BY code"
    ):
        h.update(f"{code}:{n}:{a};".encode())
    return h.hexdigest()[:24]


def area_layer_names(project: Project) -> list[str]:
    fn = _geodata("area_layer_names")
    if fn is not None:
        return list(fn(project))
    return [r[0] for r in project.conn.execute("SELECT name FROM area_layers ORDER BY id")]


def area_membership(project: Project, layer: str) -> dict[str, tuple[str, str]]:
    """``muni_code -> (area_code, area_name)`` of an area layer (empty when the layer is absent)."""
    fn = _geodata("area_membership")
    if fn is not None:
        try:
            return {str(k): (str(v[0]), str(v[1] or v[0])) for k, v in fn(project, layer).items()}
        except Exception:
            pass
    rows = project.conn.execute(
        "SELECT m.muni_code, m.area_code, coalesce(m.area_name, m.area_code) FROM area_members m "
        "JOIN area_layers l ON l.id = m.layer_id WHERE l.name = ?",
        (layer,),
    ).fetchall()
    return {r[0]: (str(r[1]), str(r[2])) for r in rows}


def unit_area(membership: dict[str, tuple[str, str]], unit: Unit) -> tuple[str, str] | None:
    """Area of a unit; a ward without its own row inherits its 政令市's row."""
    hit = membership.get(unit.code)
    if hit is None and unit.parent_code:
        hit = membership.get(unit.parent_code)
    return hit


def _num(v: Any) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if f != f else f  # NaN -> 0


def unit_population(project: Project) -> dict[str, dict[str, float]]:
    """``unit code -> {pop_total, pop_65, pop_75}`` (empty when no population is loaded)."""
    fn = _geodata("municipality_population")
    if fn is not None:
        try:
            df = fn(project)
            out: dict[str, dict[str, float]] = {}
            for rec in df.to_dict("records"):
                out[str(rec["muni_code"])] = {k: _num(rec.get(k)) for k in ("pop_total", "pop_65", "pop_75")}
            return out
        except Exception:
            pass
    rows = project.conn.execute(
        "SELECT muni_code, sum(pop_total), sum(pop_65), sum(pop_75) FROM demand_points "
        "WHERE muni_code IS NOT NULL GROUP BY muni_code"
    ).fetchall()
    if not rows:
        rows = project.conn.execute(
            "SELECT muni_code, sum(pop_total), sum(pop_65), sum(pop_75) FROM population_municipal GROUP BY muni_code"
        ).fetchall()
    return {
        str(r[0]): {"pop_total": float(r[1] or 0), "pop_65": float(r[2] or 0), "pop_75": float(r[3] or 0)}
        for r in rows
    }


def area_population_tables(
    project: Project,
) -> dict[str, tuple[dict[str, dict[str, float | None]], str | None]]:
    """``layer -> ({area_code: {pop_total, pop_65, pop_75}}, year)`` of area-keyed population tables
    (``population import --layer``: e.g. population per 二次医療圏), latest import per area."""
    has = project.conn.execute("SELECT 1 FROM sqlite_master WHERE name='population_area'").fetchone()
    if not has:
        return {}
    out: dict[str, tuple[dict[str, dict[str, float | None]], str | None]] = {}
    for layer, code, tot, p65, p75, year in project.conn.execute(
        "SELECT a.layer_name, a.area_code, a.pop_total, a.pop_65, a.pop_75, s.year FROM population_area a "
        "LEFT JOIN population_sources s ON s.id = a.pop_source_id ORDER BY a.layer_name, a.area_code, a.pop_source_id"
    ):
        if tot is None:
            continue
        pops, _ = out.get(layer, ({}, None))
        pops[str(code)] = {
            "pop_total": float(tot),
            "pop_65": None if p65 is None else float(p65),
            "pop_75": None if p75 is None else float(p75),
        }
        out[layer] = (pops, year)
    return out


def ken_population_from_areas(
    project: Project,
    units: dict[str, Unit],
    members: dict[str, list[str]],
    tables: dict[str, tuple[dict[str, dict[str, float | None]], str | None]],
) -> dict[str, tuple[dict[str, float | None], str, str | None]]:
    """Population of the 圏域 that are exact unions of whole areas of a layer with an area-keyed table
    (``tables``: :func:`area_population_tables`).

    Returns ``ken_key -> (population, layer, year)``; 圏域 that split an area are left out (an area's
    population is never spread over its municipalities).
    """
    out: dict[str, tuple[dict[str, float | None], str, str | None]] = {}
    if not tables:
        return out
    for layer, (pops, year) in tables.items():
        mship = area_membership(project, layer)
        area_of = {u: hit[0] for u in units if (hit := unit_area(mship, units[u])) is not None}
        units_of: dict[str, set[str]] = {}
        for u, code in area_of.items():
            units_of.setdefault(code, set()).add(u)
        for ken, mem in members.items():
            mem = [u for u in mem if u in units]
            if ken in out or not mem or any(u not in area_of for u in mem):
                continue
            areas = {area_of[u] for u in mem}
            if set().union(*(units_of[a] for a in areas)) != set(mem) or any(a not in pops for a in areas):
                continue
            pop: dict[str, float | None] = {}
            for k in ("pop_total", "pop_65", "pop_75"):
                vals = [pops[a][k] for a in areas]
                pop[k] = (
                    None if any(v is None for v in vals) else float(sum(v for v in vals if v is not None))
                )
            out[ken] = (pop, layer, year)
    return out


class Facility(NamedTuple):
    id: int
    category: str
    subtype: str | None
    name: str
    muni_code: str | None
    lon: float | None
    lat: float | None
    beds: int | None
    active_role: int


def load_facilities(project: Project) -> list[Facility]:
    """Open facilities (status 'open')."""
    rows = project.conn.execute(
        "SELECT id, category, subtype, name, muni_code, lon, lat, beds, active_role FROM facilities "
        "WHERE status = 'open' ORDER BY id"
    ).fetchall()
    return [Facility._make(r) for r in rows]


def facility_units(
    project: Project, facilities: list[Facility], units: dict[str, Unit]
) -> dict[int, str | None]:
    """Unit code of each facility.

    The facility's ``muni_code`` when it is a unit; otherwise (no code, or the code of a 政令市
    whose wards are the units) the unit whose polygon contains the facility's point.
    """
    out: dict[int, str | None] = {}
    pending: list[Facility] = []
    for f in facilities:
        if f.muni_code in units:
            out[f.id] = f.muni_code
        elif f.lon is not None and f.lat is not None:
            pending.append(f)
        else:
            out[f.id] = None
    if pending:
        import numpy as np
        import shapely

        geoms = unit_geometries(project)
        codes = list(geoms)
        tree = shapely.STRtree([geoms[c] for c in codes])
        pts = shapely.points(np.array([[f.lon, f.lat] for f in pending], dtype=float))
        hits = tree.query(pts, predicate="intersects")
        found: dict[int, str] = {}
        for pi, gi in zip(hits[0].tolist(), hits[1].tolist(), strict=True):
            found.setdefault(pi, codes[gi])
        for i, f in enumerate(pending):
            out[f.id] = found.get(i)
    return out


def designation_kinds(project: Project) -> dict[int, set[str]]:
    """Current designations per facility id."""
    out: dict[int, set[str]] = {}
    for fid, kind in project.conn.execute("SELECT facility_id, kind FROM designations WHERE current = 1"):
        out.setdefault(int(fid), set()).add(kind)
    return out


def coverage_fingerprint(project: Project) -> str:
    """Cheap fingerprint of everything a coverage result depends on in the store.

    Facilities (ids, categories, status, positions), demand points (positions, populations), the
    active road network and the project settings; used to cache per-圏域 coverage figures.
    """
    conn = project.conn
    parts = [
        conn.execute(
            "SELECT count(*), total(id * coalesce(lon, 0)), total(id * coalesce(lat, 0)), "
            "total(id * length(category)), total(id * (status = 'open')), total(id * unicode(category)) FROM facilities"
        ).fetchone(),
        conn.execute(
            "SELECT count(*), max(fid), total(fid * lon), total(fid * lat), total(fid * coalesce(pop_total, 0)), "
            "total(coalesce(pop_65, 0)), total(coalesce(pop_75, 0)) FROM demand_points"
        ).fetchone(),
        conn.execute(
            "SELECT group_concat(coalesce(content_hash, id)) FROM road_networks WHERE active = 1"
        ).fetchone(),
        conn.execute("SELECT group_concat(key || '=' || value_json) FROM project_settings").fetchone(),
    ]
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:32]
