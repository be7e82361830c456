"""Read-only view models: turn core results into what the map and tables show.

No domain logic and no SQL here — these functions call the core (geodata, options, coverage,
``store.queries``) and reshape their GeoDataFrames/dicts into GeoJSON and row lists.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any

from zaitaku_map import geo, labels
from zaitaku_map.store import queries

log = logging.getLogger("zaitaku_map.gui.data")


def core(module: str, name: str) -> Callable[..., Any]:
    """A core function, imported on first use so that opening the window does not pay for the
    heavy domain modules (exports, coverage, importers) until they are needed."""
    fn = getattr(importlib.import_module(f"zaitaku_map.{module}"), name)
    assert callable(fn), f"zaitaku_map.{module}.{name}"
    return fn  # type: ignore[no-any-return]


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


def municipalities(project: Any) -> tuple[dict[str, Any], Any]:
    """(GeoJSON of display municipalities, the GeoDataFrame) — wards, not their designated city."""
    gdf = core("geodata", "load_municipalities")(project, display=True)
    return feature_collection(gdf, ["code", "name", "full_name", "kind"]), gdf


def area_layers(project: Any) -> list[str]:
    return list(core("geodata", "area_layer_names")(project))


def area_geojson(project: Any, layer: str) -> dict[str, Any]:
    gdf = core("geodata", "load_area_polygons")(project, layer, display=True)
    return feature_collection(gdf, ["area_code", "area_name"])


FACILITY_COLUMNS = queries.FACILITY_COLUMNS


def facilities(project: Any) -> list[dict[str, Any]]:
    """All open facilities as dicts."""
    return queries.open_facilities(project)


def facility_provenance(project: Any, facility_id: int) -> list[dict[str, Any]]:
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
    """Compact rows ``[id, cat, lat, lon, name, subtype, address, level label]`` for facilities with a position."""
    out = []
    for f in rows:
        if f["lon"] is None or f["lat"] is None:
            continue
        out.append(
            [
                int(f["id"]),
                f["category"],
                round(float(f["lat"]), 6),
                round(float(f["lon"]), 6),
                f["name"] or "",
                f["subtype"] or "",
                f["address"] or "",
                labels.GEOCODE_LEVELS.get(f["geocode_level"] or "", "不明"),
            ]
        )
    return out


def option_payload(project: Any, name: str) -> dict[str, Any] | None:
    """Kens, assignments, dissolved outlines and label points of a 圏域 option for the map."""
    opt = core("options", "get_option")(project, name)
    kens = {
        str(k): {"name": str(v.get("name", k)), "color": str(v.get("color") or "#cccccc")}
        for k, v in dict(opt.kens).items()
    }
    assignments = {str(k): str(v) for k, v in dict(opt.assignments).items()}
    polys = None
    lbls: list[list[Any]] = []
    try:
        gdf = core("options", "ken_polygons")(project, name, display=True)
        polys = feature_collection(gdf, ["ken_key", "name"])
        for row in gdf.itertuples(index=False):
            if row.geometry is not None and not row.geometry.is_empty:
                pt = row.geometry.representative_point()
                lbls.append([round(pt.y, 5), round(pt.x, 5), str(row.name)])
    except Exception:  # the option is still shown by its municipality colours
        log.exception("ken_polygons failed for %s", name)
    return {"name": name, "kens": kens, "assignments": assignments, "polygons": polys, "labels": lbls}


def import_log_rows(project: Any, source_ids: list[int]) -> list[dict[str, Any]]:
    """Rejected/warned rows of the given imports."""
    return queries.import_log_rows(project, source_ids)


def load_view(project: Any) -> dict[str, Any]:
    """Everything the map needs when a project opens (runs in a worker: nothing here touches Qt)."""
    fc, gdf = municipalities(project)
    layer_names = area_layers(project)
    if layer_names:  # the first area layer's name in the hover tooltip
        membership = core("geodata", "area_membership")(project, layer_names[0])
        for f in fc["features"]:
            a = membership.get(f["properties"]["code"])
            if a:
                f["properties"]["area"] = f"{layer_names[0]}: {a[1]}"
    areas = [(name, area_geojson(project, name)) for name in layer_names] if fc["features"] else []
    return {
        "munis": (fc, gdf),
        "areas": areas,
        "facilities": facilities(project),
        "attribution": attribution(project),
    }


def attribution(project: Any) -> str:
    """Credit line for the map from the formats of the imported sources (demo projects say so)."""
    if getattr(project, "is_demo", False):
        return labels.ATTRIBUTION["demo"]
    key_of = core("export.data", "attribution_key")
    keys: list[str] = []
    for fmt in queries.source_formats(project):
        key = key_of(fmt)
        if key and key in labels.ATTRIBUTION and key not in keys:
            keys.append(key)
    return " / ".join(labels.ATTRIBUTION[k] for k in keys) or labels.ATTRIBUTION["n03"]
