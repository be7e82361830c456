"""国土数値情報 N03 行政区域 style boundary files of the demo region.

GeoJSON as the MLIT download (2021 layout, one feature per polygon part, attributes ``N03_001``,
``N03_002``, ``N03_003``, ``N03_004``, ``N03_007``; 所属未定地 has no code) and a zipped Shapefile
with CP932 attributes and ``N03_001``…``N03_007`` (as older releases, no ``.cpg`` file).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely

from zaitaku_map.demo.geography import CITY_NAME, Region, Tile, km_geom_to_lonlat
from zaitaku_map.demo.ziputil import FIXED_ZIP_TIME, fix_dbf_date

UNASSIGNED_NAME = "所属未定地"


def n03_rows(region: Region, tile_list: list[Tile]) -> list[tuple[dict[str, Any], Any]]:
    """(attributes, lon/lat Polygon) per polygon part, ordered by code then part."""
    rows: list[tuple[dict[str, Any], Any]] = []
    for tile in tile_list:
        for c3 in sorted(region.muni_geoms):
            spec = region.specs[c3]
            geom = km_geom_to_lonlat(region.muni_geoms[c3], tile)
            attrs = {
                "N03_001": tile.pref_name,
                "N03_002": None,
                "N03_003": CITY_NAME if spec.kind == "ward" else spec.county,
                "N03_004": spec.name,
                "N03_007": tile.muni_code(c3),
            }
            parts = sorted(shapely.get_parts(geom), key=lambda p: (-p.area, p.bounds))
            rows.extend((dict(attrs), p) for p in parts)
        rows.append(
            (
                {
                    "N03_001": tile.pref_name,
                    "N03_002": None,
                    "N03_003": None,
                    "N03_004": UNASSIGNED_NAME,
                    "N03_007": None,
                },
                km_geom_to_lonlat(region.unassigned, tile),
            )
        )
    return rows


def _ring(coords: Any) -> list[list[float]]:
    return [[round(float(x), 7), round(float(y), 7)] for x, y in coords]


def write_geojson(path: Path, rows: list[tuple[dict[str, Any], Any]]) -> Path:
    """Write the N03 GeoJSON (one line per feature, like the MLIT files)."""
    # "name" is a foreign member GDAL shows as the layer name: the disclaimer travels with the file
    lines = ['{"type":"FeatureCollection", "name": "N03 デモデータ（架空・zaitaku-map 生成）", "features": [']
    feats = []
    for attrs, poly in rows:
        poly = shapely.geometry.polygon.orient(poly, sign=1.0)
        coords = [_ring(poly.exterior.coords)] + [_ring(i.coords) for i in poly.interiors]
        geom = {"type": "Polygon", "coordinates": coords}
        feats.append(
            json.dumps(
                {"type": "Feature", "properties": attrs, "geometry": geom},
                ensure_ascii=False,
                separators=(",", ":"),
            )
        )
    lines.append(",\n".join(feats))
    lines.append("]}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_shapefile_zip(path: Path, rows: list[tuple[dict[str, Any], Any]], stem: str) -> Path:
    """Write a zipped Shapefile (``.shp/.shx/.dbf/.prj``) with CP932 attributes and fixed dates."""
    records = []
    for attrs, _poly in rows:
        rec = {k: attrs[k] for k in ("N03_001", "N03_002", "N03_003", "N03_004")}
        rec["N03_005"] = None
        rec["N03_006"] = None
        rec["N03_007"] = attrs["N03_007"]
        records.append(rec)
    gdf = gpd.GeoDataFrame(records, geometry=[p for _, p in rows], crs="EPSG:6668")
    tmp = Path(tempfile.mkdtemp(prefix="zm_demo_shp_"))
    try:
        shp = tmp / f"{stem}.shp"
        gdf.to_file(shp, driver="ESRI Shapefile", encoding="CP932", engine="pyogrio")
        (tmp / f"{stem}.cpg").unlink(missing_ok=True)  # older N03 releases ship no .cpg
        fix_dbf_date(tmp / f"{stem}.dbf")
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for ext in ("dbf", "prj", "shp", "shx"):
                f = tmp / f"{stem}.{ext}"
                if f.exists():
                    info = zipfile.ZipInfo(f"{stem}/{stem}.{ext}", date_time=FIXED_ZIP_TIME)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info.external_attr = 0o644 << 16
                    zf.writestr(info, f.read_bytes())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return path
