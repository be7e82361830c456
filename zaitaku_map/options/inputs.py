"""Read-only access to the project data the option domain needs (units, areas, population, facilities).

Units and their geometry are read here; area layers and population come from the public loaders
of :mod:`zaitaku_map.geodata`, facilities from a :class:`~zaitaku_map.coverage.FacilitySet` (the
register, or a scenario's edit of it).  Everything here is plain Python / shapely so the evaluation
stays fast.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from zaitaku_map.coverage import Facility, FacilitySet
from zaitaku_map.geodata import area_layer_names, area_membership, municipality_population
from zaitaku_map.store import Project, gpkg

UNIT_KINDS = ("municipality", "ward")
POPULATION_KEYS = ("pop_total", "pop_65", "pop_75")
__all__ = [
    "Facility",
    "FacilitySet",
    "Unit",
    "area_layer_names",
    "area_membership",
    "area_population_tables",
    "coverage_fingerprint",
    "designated_cities",
    "designation_kinds",
    "facility_units",
    "geometry_signature",
    "ken_population_from_areas",
    "layer_membership",
    "load_units",
    "unit_area",
    "unit_geometries",
    "unit_population",
]


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


def layer_membership(project: Project, layer: str) -> dict[str, tuple[str, str]]:
    """``muni_code -> (area_code, area_name)`` of an area layer; empty when the project lacks the layer."""
    return area_membership(project, layer) if layer in area_layer_names(project) else {}


def unit_area(membership: dict[str, tuple[str, str]], unit: Unit) -> tuple[str, str] | None:
    """Area of a unit; a ward without its own row inherits its 政令市's row."""
    hit = membership.get(unit.code)
    if hit is None and unit.parent_code:
        hit = membership.get(unit.parent_code)
    return hit


def unit_population(project: Project) -> dict[str, dict[str, float]]:
    """``unit code -> {pop_total, pop_65, pop_75}`` (empty when no population is loaded; unknown = 0).

    From :func:`zaitaku_map.geodata.municipality_population` (mesh demand points summed, else the
    latest municipal table).
    """
    df = municipality_population(project)
    values = np.nan_to_num(df[list(POPULATION_KEYS)].to_numpy(dtype=float), nan=0.0)
    return {
        str(code): {k: float(v) for k, v in zip(POPULATION_KEYS, row, strict=True)}
        for code, row in zip(df["muni_code"], values, strict=True)
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
    units: Mapping[str, Unit],
    members: Mapping[str, Sequence[str]],
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
        mship = layer_membership(project, layer)
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


def facility_units(
    project: Project, facilities: Iterable[Facility], units: Mapping[str, Unit]
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


def coverage_fingerprint(project: Project, facilities: FacilitySet | None = None) -> str:
    """Cheap fingerprint of everything a coverage result depends on in the store.

    Facilities (ids, categories, status, positions), demand points (positions, populations), the
    active road network and the project settings; used to cache per-圏域 coverage figures.  A
    facility set given (a scenario's) adds its content hash.
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
    if facilities is not None:
        parts.append((facilities.content_hash,))
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:32]
