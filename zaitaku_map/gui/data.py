"""Read-only view models: turn core results into what the map and tables show.

No domain logic and no SQL here — these functions call the core (geodata, options, coverage,
``store.queries``) and reshape their GeoDataFrames/dicts into GeoJSON and row lists.  Heavy core
modules are imported inside the functions, so opening the window does not pay for them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from zaitaku_map import geo, labels
from zaitaku_map.store import queries

if TYPE_CHECKING:
    from zaitaku_map.options import Option
    from zaitaku_map.store import Project

log = logging.getLogger("zaitaku_map.gui.data")


def feature_collection(gdf: Any, props: list[str]) -> dict[str, Any]:
    """GeoJSON FeatureCollection of a GeoDataFrame with the listed properties (stringified)."""
    rows = []
    for row in gdf.itertuples(index=False):
        p = {}
        for k in props:
            v = getattr(row, k, None)
            p[k] = (
                None
                if v is None or (isinstance(v, float) and v != v)
                else (v if isinstance(v, int | float) else str(v))
            )
        rows.append(p)
    return geo.feature_collection(gdf.geometry.values, rows)


def municipalities(project: Project) -> tuple[dict[str, Any], Any]:
    """(GeoJSON of display municipalities, the GeoDataFrame) — wards, not their designated city."""
    from zaitaku_map.geodata import load_municipalities

    gdf = load_municipalities(project, display=True)
    return feature_collection(gdf, ["code", "name", "full_name", "kind"]), gdf


def area_layers(project: Project) -> list[str]:
    from zaitaku_map.geodata import area_layer_names

    return list(area_layer_names(project))


def area_membership(project: Project, layer: str) -> dict[str, tuple[str, str]]:
    """municipality code -> (area code, area name) of one area layer."""
    from zaitaku_map.geodata import area_membership as membership

    return dict(membership(project, layer))


def area_geojson(project: Project, layer: str) -> dict[str, Any]:
    from zaitaku_map.geodata import load_area_polygons

    gdf = load_area_polygons(project, layer, display=True)
    return feature_collection(gdf, ["area_code", "area_name"])


FACILITY_COLUMNS = queries.FACILITY_COLUMNS


def facilities(project: Project) -> list[dict[str, Any]]:
    """All open facilities as dicts, with ``short_name`` for map labels (the official name stays
    ``name``: lists and provenance show it)."""
    from zaitaku_map.shortname import short_name

    rows = queries.open_facilities(project)
    abbr = queries.facility_abbreviations(project)
    for r in rows:
        r["short_name"] = short_name(r["name"] or "", abbr.get(int(r["id"])))
    return rows


APPROXIMATE_LEVELS = frozenset({"town", "municipality"})  # drawn hollow: the position is not the building


def facility_provenance(project: Project, facility_id: int) -> list[dict[str, Any]]:
    """Source records and current designations of one facility."""
    return queries.facility_provenance(project, facility_id)


def category_styles(counts: dict[str, int]) -> dict[str, dict[str, Any]]:
    """Symbol and colour of every category present (from labels.CATEGORIES)."""
    out: dict[str, dict[str, Any]] = {}
    for key, cat in labels.CATEGORIES.items():
        if key in counts:
            out[key] = {
                "color": cat.color,
                "marker": cat.marker,
                "label": cat.label,
                "count": counts[key],
                "radius": 6.5 if cat.core else 4.5,
            }
    for key in counts:
        if key not in out:
            out[key] = {"color": "#777777", "marker": "o", "label": key, "count": counts[key], "radius": 4.5}
    return out


def facility_rows_for_map(rows: list[dict[str, Any]]) -> list[list[Any]]:
    """Compact rows ``[id, cat, lat, lon, short name, subtype, address, level label, official name,
    approximate]`` for facilities with a position."""
    out = []
    for f in rows:
        if f["lon"] is None or f["lat"] is None:
            continue
        name = f["name"] or ""
        out.append(
            [
                int(f["id"]),
                f["category"],
                round(float(f["lat"]), 6),
                round(float(f["lon"]), 6),
                f.get("short_name") or name,
                f["subtype"] or "",
                f["address"] or "",
                labels.GEOCODE_LEVELS.get(f["geocode_level"] or "", "不明"),
                name,
                (f["geocode_level"] or "") in APPROXIMATE_LEVELS,
            ]
        )
    return out


def option_payload(project: Project, name: str, municipalities: Any = None) -> dict[str, Any]:
    """Kens, assignments, dissolved outlines and label points of a 圏域 option for the map.

    The 圏域 colours are the printed ones (:func:`option_colors`): screen and paper match.
    """
    from zaitaku_map.options import get_option, ken_polygons

    opt = get_option(project, name)
    assignments = {str(k): str(v) for k, v in dict(opt.assignments).items()}
    gdf = ken_polygons(project, name, display=True)
    colors = option_colors(project, opt, municipalities)
    kens = {
        str(k): {"name": str(v.get("name", k)), "color": colors.get(str(k)) or "#cccccc"}
        for k, v in dict(opt.kens).items()
    }
    polys = feature_collection(gdf, ["ken_key", "name"])
    lbls: list[list[Any]] = []
    for row in gdf.itertuples(index=False):
        if row.geometry is not None and not row.geometry.is_empty:
            pt = row.geometry.representative_point()
            lbls.append([round(pt.y, 5), round(pt.x, 5), str(row.name)])
    return {"name": name, "kens": kens, "assignments": assignments, "polygons": polys, "labels": lbls}


def option_colors(project: Project, opt: Option, municipalities: Any = None) -> dict[str, str]:
    """The colours the exports give the option's 圏域 (print's adjacency colouring, in the same
    order: the definition order of the 圏域 that have municipalities), so screen and paper match."""
    from zaitaku_map.export.colors import assign_colors
    from zaitaku_map.export.data import ken_neighbours
    from zaitaku_map.geodata import load_municipalities

    munis = municipalities if municipalities is not None else load_municipalities(project, display=True)
    assign = {str(k): str(v) for k, v in opt.assignments.items()}
    parents = munis["parent_code"] if "parent_code" in munis else [None] * len(munis)
    frame = munis[["code"]].assign(  # a 政令市 assigned as a whole colours its wards
        ken_key=[assign.get(c) or assign.get(str(p)) for c, p in zip(munis["code"], parents, strict=True)]
    )
    keys = [str(k) for k, units in opt.members().items() if units]
    return assign_colors(keys, ken_neighbours(project, frame))


def import_log_rows(project: Project, source_ids: list[int]) -> list[dict[str, Any]]:
    """Rejected/warned rows of the given imports."""
    return queries.import_log_rows(project, source_ids)


@dataclass
class ProjectView:
    """Everything the map needs when a project opens (read in a worker: nothing here touches Qt)."""

    municipalities_fc: dict[str, Any]
    municipalities: Any  # display GeoDataFrame
    areas: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (layer name, GeoJSON)
    facilities: list[dict[str, Any]] = field(default_factory=list)
    attribution: str = ""


def load_view(project: Project) -> ProjectView:
    """Read municipalities, area layers, facilities and the credit line of a project."""
    fc, gdf = municipalities(project)
    layer_names = area_layers(project)
    if layer_names:  # the first area layer's name in the hover tooltip
        membership = area_membership(project, layer_names[0])
        for f in fc["features"]:
            a = membership.get(f["properties"]["code"])
            if a:
                f["properties"]["area"] = f"{layer_names[0]}: {a[1]}"
    areas = [(name, area_geojson(project, name)) for name in layer_names] if fc["features"] else []
    return ProjectView(
        municipalities_fc=fc,
        municipalities=gdf,
        areas=areas,
        facilities=facilities(project),
        attribution=attribution(project),
    )


def attribution(project: Project) -> str:
    """Credit line for the map from the formats of the imported sources (demo projects say so)."""
    if project.is_demo:
        return labels.ATTRIBUTION["demo"]
    from zaitaku_map.export.data import attribution_key

    keys: list[str] = []
    for fmt in queries.source_formats(project):
        key = attribution_key(fmt)
        if key and key in labels.ATTRIBUTION and key not in keys:
            keys.append(key)
    return " / ".join(labels.ATTRIBUTION[k] for k in keys) or labels.ATTRIBUTION["n03"]
