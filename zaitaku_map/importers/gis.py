"""GIS point layers (GeoJSON, GeoPackage, Shapefile with or without ``.cpg``, zipped Shapefile).

Attributes go through the same column mapping as generic tables (name, address, category, …);
positions come from the geometry (reprojected to EPSG:4326).  A Shapefile ``.dbf`` without a
``.cpg`` is decoded as UTF-8 when valid, else CP932 (what Japanese GIS tools write).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from zaitaku_map import archive
from zaitaku_map.errors import InputDataError, UnsupportedFormatError
from zaitaku_map.importers.report import ParsedFile, Rejected
from zaitaku_map.importers.table import guess_mapping, parse_table
from zaitaku_map.store.project import Project
from zaitaku_map.tabular import Table
from zaitaku_map.tabular import dbf_encoding as _sniff_dbf

LON_COL = "__lon"
LAT_COL = "__lat"


def dbf_encoding(path: Path) -> str | None:
    """Encoding for a Shapefile's attributes when no ``.cpg`` says it (None: let GDAL decide)."""
    if path.suffix.lower() != ".shp":
        return None
    for cpg in (path.with_suffix(".cpg"), path.with_suffix(".CPG")):
        if cpg.exists():
            return None
    dbf = next((p for p in (path.with_suffix(".dbf"), path.with_suffix(".DBF")) if p.exists()), None)
    if dbf is None:
        raise InputDataError("Shapefile without its .dbf", file=path, expected=".shp と同じ名前の .dbf")
    return _sniff_dbf(path)


def read_layer(path: Path, *, max_rows: int | None = None) -> tuple[Any, str]:
    """GeoDataFrame of the first point layer (EPSG:4326) and its layer name."""
    import pyogrio

    if path.suffix.lower() == ".zip":  # GDAL reads the members itself: check them against the limits first
        for m in archive.members(path):
            archive.check_member(path, m)
    src = f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)
    try:
        layers = pyogrio.list_layers(src)
    except (RuntimeError, OSError, ValueError) as exc:  # pyogrio's errors are RuntimeErrors
        raise UnsupportedFormatError(
            f"not a readable GIS file: {exc}",
            file=path,
            expected="GeoJSON / GeoPackage / Shapefile のポイントレイヤー",
        ) from exc
    pick = None
    for name, gtype in layers:
        if gtype is None or "point" in str(gtype).lower() or str(gtype).lower() in ("unknown", "geometry"):
            pick = name
            break
    if pick is None:
        raise UnsupportedFormatError(
            "no point layer",
            file=path,
            value=", ".join(f"{n}({g})" for n, g in layers),
            expected="ポイント（点）のレイヤー",
        )
    kwargs: dict[str, Any] = {"layer": pick}
    enc = dbf_encoding(path)
    if enc:
        kwargs["encoding"] = enc
    if max_rows is not None:
        kwargs["max_features"] = max_rows
    try:
        with warnings.catch_warnings():  # GDAL's notes on unreadable points: counted as 座標なし instead
            warnings.simplefilter("ignore", RuntimeWarning)
            gdf = pyogrio.read_dataframe(src, **kwargs)
    except (RuntimeError, OSError, ValueError) as exc:
        raise UnsupportedFormatError(f"cannot read the layer {pick}: {exc}", file=path) from exc
    if gdf.crs is None:
        b = gdf.total_bounds if len(gdf) else np.array([0, 0, 0, 0])
        if not (np.all(np.isfinite(b)) and -180 <= b[0] <= 180 and -90 <= b[1] <= 90):
            raise InputDataError(
                "layer has no CRS and coordinates are not longitude/latitude",
                file=path,
                expected="座標参照系 (.prj) つき、または経緯度 (EPSG:4326)",
            )
        gdf = gdf.set_crs("EPSG:4326")
    elif gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs("EPSG:4326")
    return gdf, str(pick)


def _as_table(path: Path, gdf: Any, layer: str) -> tuple[Table, list[Rejected]]:
    geoms = gdf.geometry.to_numpy()
    rejected: list[Rejected] = []
    lon = np.full(len(gdf), np.nan)
    lat = np.full(len(gdf), np.nan)
    types = shapely.get_type_id(geoms)
    for i, (g, t) in enumerate(zip(geoms, types, strict=True)):
        if g is None or shapely.is_empty(g):
            rejected.append(
                Rejected(
                    row=i + 1,
                    column="geometry",
                    reason="ジオメトリがありません（住所があれば位置は後で付与）",
                    severity="warning",
                )
            )
            continue
        if t == 0:
            lon[i], lat[i] = g.x, g.y
        elif t == 4:
            p = shapely.get_geometry(g, 0)
            lon[i], lat[i] = p.x, p.y
        else:
            p = g.representative_point()
            lon[i], lat[i] = p.x, p.y
            rejected.append(
                Rejected(
                    row=i + 1,
                    column="geometry",
                    value=g.geom_type,
                    severity="warning",
                    reason="点ではないジオメトリ: 代表点を使いました",
                )
            )
    attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    for c in attrs.columns:
        attrs[c] = attrs[c].map(
            lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
        )
    attrs[LON_COL] = [repr(float(x)) if np.isfinite(x) else "" for x in lon]
    attrs[LAT_COL] = [repr(float(y)) if np.isfinite(y) else "" for y in lat]
    attrs.columns = [str(c) for c in attrs.columns]
    table = Table(
        name=path.name,
        sheet=layer if path.suffix.lower() in (".gpkg", ".zip") else None,
        header=list(attrs.columns),
        header_row=0,
        frame=attrs.reset_index(drop=True),
    )
    return table, rejected


def parse(
    project: Project,
    path: Path,
    *,
    category: str | None,
    mapping: dict[str, Any] | None,
    reference_date: str | None,
) -> ParsedFile:
    gdf, layer = read_layer(path)
    table, rejected = _as_table(path, gdf, layer)
    m = dict(mapping or {})
    m.setdefault("lon", LON_COL)
    m.setdefault("lat", LAT_COL)
    if "name" not in m:
        from zaitaku_map.importers.table import saved_mapping

        saved = saved_mapping(project, table.header)
        guessed = saved[0] if saved else guess_mapping([c for c in table.header if not c.startswith("__")])
        for k, v in guessed.items():
            m.setdefault(k, v)
    pf = parse_table(
        project, table, path=str(path), category=category, mapping=m, reference_date=reference_date, fmt="gis"
    )
    pf.rejected = rejected + pf.rejected
    return pf


def preview(path: Path, rows: int = 20) -> dict[str, Any]:
    gdf, layer = read_layer(path, max_rows=rows)
    table, _ = _as_table(path, gdf, layer)
    header = [c for c in table.header if not c.startswith("__")]
    return {
        "header": header,
        "rows": table.frame[header].head(rows).values.tolist(),
        "mapping": guess_mapping(header),
        "layer": layer,
        "crs": "EPSG:4326",
    }
