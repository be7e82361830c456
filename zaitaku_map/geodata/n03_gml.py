"""Reader for the JPGIS 2.1 GML (``N03-*.xml``) of 国土数値情報 行政区域.

Topology is by reference: ``gml:Curve`` (``posList`` in **lat lon** order) → ``gml:Surface``
(rings made of ``curveMember xlink:href="#cv…"``) → ``ksj:AdministrativeBoundary`` (``ksj:bounds
xlink:href="#sf…"`` + prefectureName, subPrefectureName, countyName, cityName,
administrativeAreaCode).  Elements are matched by local name so namespace versions do not matter.
The result uses the N03_00x column names of the Shapefile/GeoJSON releases.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import geopandas as gpd
from shapely.geometry import MultiPolygon, Polygon

from zaitaku_map.errors import GeodataError

_XLINK = "{http://www.w3.org/1999/xlink}href"
_FIELDS = {
    "prefectureName": "N03_001",
    "subPrefectureName": "N03_002",
    "countyName": "N03_003",
    "cityName": "N03_004",
    "administrativeAreaCode": "N03_007",
}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _gml_id(el: ET.Element) -> str | None:
    for k, v in el.attrib.items():
        if _local(k) == "id":
            return v
    return None


def _ring(curve_ids: list[str], curves: dict[str, list[tuple[float, float]]]) -> list[tuple[float, float]]:
    pts: list[tuple[float, float]] = []
    for cid in curve_ids:
        seg = curves.get(cid.lstrip("#"), [])
        pts.extend(seg if not pts or not seg or seg[0] != pts[-1] else seg[1:])
    return pts


def _curve(el: ET.Element) -> list[tuple[float, float]] | None:
    """The points of a ``gml:Curve`` (``posList`` is lat lon: turned to lon lat)."""
    for pl in el.iter():
        if _local(pl.tag) == "posList" and pl.text:
            v = [float(x) for x in pl.text.split()]
            return list(zip(v[1::2], v[0::2], strict=True))
    return None


def _surface(el: ET.Element) -> list[tuple[list[str], list[list[str]]]]:
    """The patches of a ``gml:Surface``: exterior and interior rings as curve references."""
    patches = []
    for patch in el.iter():
        if _local(patch.tag) != "PolygonPatch":
            continue
        ext: list[str] = []
        ints: list[list[str]] = []
        for part in patch:
            refs = [m.attrib.get(_XLINK, "") for m in part.iter() if _local(m.tag) == "curveMember"]
            if _local(part.tag) == "exterior":
                ext = refs
            elif _local(part.tag) == "interior":
                ints.append(refs)
        patches.append((ext, ints))
    return patches


def _boundary(el: ET.Element) -> dict[str, Any]:
    """The attributes of a ``ksj:AdministrativeBoundary`` and its surface reference (``_ref``)."""
    row: dict[str, Any] = {v: None for v in _FIELDS.values()}
    ref = None
    for child in el:
        cname = _local(child.tag)
        if cname == "bounds":
            ref = child.attrib.get(_XLINK, "").lstrip("#")
        elif cname in _FIELDS:
            row[_FIELDS[cname]] = (child.text or "").strip() or None
    row["_ref"] = ref
    return row


def _geometry(
    patches: list[tuple[list[str], list[list[str]]]], curves: dict[str, list[tuple[float, float]]]
) -> Any:
    polys = []
    for ext, ints in patches:
        shell = _ring(ext, curves)
        if len(shell) >= 4:
            polys.append(Polygon(shell, [r for r in (_ring(i, curves) for i in ints) if len(r) >= 4]))
    return polys[0] if len(polys) == 1 else (MultiPolygon(polys) if polys else None)


def read_n03_gml(path: str | Path) -> gpd.GeoDataFrame:
    """Read an N03 GML file into rows with ``N03_001…N03_007`` and lon/lat polygons (streamed: each
    element is cleared once read)."""
    p = Path(path)
    curves: dict[str, list[tuple[float, float]]] = {}
    surfaces: dict[str, list[tuple[list[str], list[list[str]]]]] = {}
    boundaries: list[dict[str, Any]] = []
    try:
        for _event, el in ET.iterparse(p, events=("end",)):
            name = _local(el.tag)
            if name == "Curve":
                pts = _curve(el)
                if pts is not None:
                    curves[_gml_id(el) or ""] = pts
            elif name == "Surface":
                surfaces[_gml_id(el) or ""] = _surface(el)
            elif name == "AdministrativeBoundary":
                boundaries.append(_boundary(el))
            else:
                continue
            el.clear()
    except ET.ParseError as exc:
        raise GeodataError(f"broken GML/XML: {exc}", file=p) from exc
    except ValueError as exc:  # a coordinate that is not a number
        raise GeodataError(f"GML coordinates are not numbers: {exc}", file=p) from exc
    if not boundaries:
        raise GeodataError("no ksj:AdministrativeBoundary in the GML", file=p, expected="N03 GML (JPGIS 2.1)")
    geoms = [_geometry(surfaces.get(row.pop("_ref") or "", []), curves) for row in boundaries]
    return gpd.GeoDataFrame(boundaries, geometry=geoms, crs="EPSG:4326")
