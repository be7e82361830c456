"""Reading boundary-like GIS files (N03, A38): Shapefile (folder/zip, CP932/UTF-8 .dbf sniffed when
there is no .cpg), GeoJSON, GeoPackage, and the JPGIS GML of N03 (:mod:`.n03_gml`)."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from zaitaku_map import archive, tabular
from zaitaku_map.errors import GeodataError, UnsupportedFormatError

BOUNDARY_SUFFIXES = (".shp", ".geojson", ".json", ".gml", ".xml", ".zip", ".gpkg")


# --------------------------------------------------------------------------------------------
def _read_one(path: Path) -> tuple[gpd.GeoDataFrame, str | None]:
    import pyogrio

    suffix = path.suffix.lower()
    if suffix in (".xml", ".gml"):
        from zaitaku_map.geodata.n03_gml import read_n03_gml

        return read_n03_gml(path), "UTF-8"
    enc = tabular.encoding_label(tabular.dbf_encoding(path)) if suffix == ".shp" else None
    try:
        kwargs = {"encoding": enc} if enc else {}
        # NaN coordinates and unreadable points are reported by n03.check_coordinates, not as warnings
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            gdf = pyogrio.read_dataframe(path, **kwargs)
    except shapely.errors.ShapelyError as exc:  # e.g. a ring with NaN ends is not closed
        raise GeodataError(
            "boundary geometry not readable",
            file=path,
            value=str(exc)[:120],
            expected="経度・緯度が有限の数の閉じた面",
            hint="座標が壊れた（NaN など）形状があります。ダウンロードし直してください。いまの境界・圏域は変更していません。",
        ) from exc
    except (RuntimeError, OSError, ValueError) as exc:  # pyogrio's errors are RuntimeErrors
        raise GeodataError(
            f"cannot read boundary file: {exc}",
            file=path,
            expected="N03 Shapefile (.shp/.zip), GeoJSON or GML",
        ) from exc
    if gdf.crs is not None and gdf.crs.to_epsg() not in (4326, 6668, 4612):
        gdf = gdf.to_crs("EPSG:4326")
    return gdf, enc or "UTF-8"


def _find_inputs(folder: Path) -> list[Path]:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    for suffixes in ((".shp",), (".geojson", ".json"), (".gml", ".xml"), (".gpkg",)):
        found = [p for p in files if p.suffix.lower() in suffixes and not p.name.startswith(".")]
        if suffixes == (".gml", ".xml"):
            found = [p for p in found if "KS-META" not in p.name.upper()]
        if found:
            return found
    return []


def read_boundary_file(path: str | Path) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Read an N03 file/folder/zip into one GeoDataFrame of raw rows (EPSG:4326).

    Returns the frame (original attribute columns + ``_file``) and facts (files, encodings).
    """
    p = Path(path)
    if not p.exists():
        raise GeodataError("boundary file not found", file=p)
    tmp: tempfile.TemporaryDirectory[str] | None = None
    try:
        if p.is_file() and p.suffix.lower() == ".zip":
            tmp = tempfile.TemporaryDirectory(prefix="zm_n03_")
            try:
                archive.extract(p, tmp.name)
            except UnsupportedFormatError as exc:
                raise GeodataError(exc.message, file=p) from exc
            inputs = _find_inputs(Path(tmp.name))
        elif p.is_dir():
            inputs = _find_inputs(p)
        else:
            inputs = [p]
        if not inputs:
            raise GeodataError(
                "no boundary data in the folder/zip", file=p, expected="N03 .shp, .geojson or .xml (GML)"
            )
        frames, encodings = [], {}
        for f in inputs:
            gdf, enc = _read_one(f)
            gdf["_file"] = f.name
            frames.append(gdf)
            encodings[f.name] = enc
        out = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs="EPSG:4326")
        return out, {"files": [f.name for f in inputs], "encodings": encodings}
    finally:
        if tmp is not None:
            tmp.cleanup()
