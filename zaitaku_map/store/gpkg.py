"""Minimal GeoPackage support so that a project file is a valid GeoPackage (QGIS opens it).

Geometries are stored as GeoPackage binary blobs (``GP`` header + envelope + ISO WKB) in
EPSG:4326 longitude/latitude.  See OGC 12-128r18 §2.1.3.
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Iterable
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

APPLICATION_ID = 0x47504B47  # "GPKG"
USER_VERSION = 10400  # GeoPackage 1.4
SRS_ID = 4326

_CORE_DDL = [
    """CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (
        srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
        organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)""",
    """CREATE TABLE IF NOT EXISTS gpkg_contents (
        table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
        description TEXT DEFAULT '',
        last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
        srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))""",
    """CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (
        table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
        srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
        CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
        CONSTRAINT uk_gc_table_name UNIQUE (table_name),
        CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
        CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))""",
]

_WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
    'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
    'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
    'AUTHORITY["EPSG","4326"]]'
)


def init_geopackage(conn: sqlite3.Connection) -> None:
    """Create the mandatory GeoPackage tables and rows (idempotent)."""
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {USER_VERSION}")
    for ddl in _CORE_DDL:
        conn.execute(ddl)
    rows = [
        (
            "Undefined cartesian SRS",
            -1,
            "NONE",
            -1,
            "undefined",
            "undefined cartesian coordinate reference system",
        ),
        (
            "Undefined geographic SRS",
            0,
            "NONE",
            0,
            "undefined",
            "undefined geographic coordinate reference system",
        ),
        (
            "WGS 84 geodetic",
            4326,
            "EPSG",
            4326,
            _WGS84_WKT,
            "longitude/latitude coordinates in decimal degrees",
        ),
    ]
    conn.executemany("INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (?,?,?,?,?,?)", rows)


def register_layer(
    conn: sqlite3.Connection,
    table: str,
    *,
    geometry_type: str,
    column: str = "geom",
    identifier: str | None = None,
    description: str = "",
) -> None:
    """Register ``table.column`` as a GeoPackage feature layer (idempotent)."""
    conn.execute(
        "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) "
        "VALUES (?, 'features', ?, ?, ?)",
        (table, identifier or table, description, SRS_ID),
    )
    conn.execute(
        "INSERT OR IGNORE INTO gpkg_geometry_columns VALUES (?, ?, ?, ?, 0, 0)",
        (table, column, geometry_type, SRS_ID),
    )


def register_attributes(conn: sqlite3.Connection, table: str, description: str = "") -> None:
    """Register a non-spatial table as GeoPackage ``attributes`` so QGIS lists it."""
    conn.execute(
        "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description) "
        "VALUES (?, 'attributes', ?, ?)",
        (table, table, description),
    )


def update_extent(conn: sqlite3.Connection, table: str, bounds: Iterable[float] | None) -> None:
    """Store the layer extent in ``gpkg_contents`` (QGIS uses it for zoom-to-layer)."""
    if bounds is None:
        conn.execute(
            "UPDATE gpkg_contents SET min_x=NULL, min_y=NULL, max_x=NULL, max_y=NULL WHERE table_name=?",
            (table,),
        )
        return
    minx, miny, maxx, maxy = bounds
    conn.execute(
        "UPDATE gpkg_contents SET min_x=?, min_y=?, max_x=?, max_y=?, "
        "last_change=strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name=?",
        (minx, miny, maxx, maxy, table),
    )


def to_blob(geom: BaseGeometry | None, srs_id: int = SRS_ID) -> bytes | None:
    """Encode a shapely geometry as a GeoPackage geometry blob (little-endian, XY envelope)."""
    if geom is None:
        return None
    if geom.is_empty:
        flags = 0b0010_0001  # empty, little endian, no envelope
        return b"GP" + struct.pack("<BBi", 0, flags, srs_id) + bytes(shapely.to_wkb(geom, byte_order=1))
    if geom.geom_type == "Point" and srs_id == SRS_ID and not geom.has_z:
        return point_blob(geom.x, geom.y)
    minx, miny, maxx, maxy = geom.bounds
    if geom.geom_type == "Point":
        flags = 0b0000_0001
        header = b"GP" + struct.pack("<BBi", 0, flags, srs_id)
    else:
        flags = 0b0000_0011  # envelope [minx, maxx, miny, maxy]
        header = b"GP" + struct.pack("<BBi4d", 0, flags, srs_id, minx, maxx, miny, maxy)
    return header + bytes(shapely.to_wkb(geom, byte_order=1, flavor="iso"))


_POINT_HEADER = b"GP" + struct.pack("<BBi", 0, 0b0000_0001, SRS_ID)  # little endian, no envelope
_POINT_WKB = struct.pack("<BI", 1, 1)  # little endian ISO WKB Point


def point_blob(lon: float, lat: float) -> bytes:
    """The blob of one point: the same bytes as :func:`to_blob` of a shapely Point."""
    return _POINT_HEADER + _POINT_WKB + struct.pack("<dd", lon, lat)


def point_blobs(lon: Any, lat: Any, ok: Any = None) -> list[bytes | None]:
    """Blobs of many points at once (``None`` where ``ok`` is false), the bytes of :func:`point_blob`."""
    import numpy as np

    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    out: list[bytes | None] = [None] * len(x)
    idx = np.flatnonzero(np.ones(len(x), dtype=bool) if ok is None else np.asarray(ok, dtype=bool))
    if len(idx):
        wkb = shapely.to_wkb(shapely.points(x[idx], y[idx]), byte_order=1, flavor="iso")
        for j, w in zip(idx.tolist(), wkb, strict=True):
            out[j] = _POINT_HEADER + w
    return out


_ENVELOPE_DOUBLES = {0: 0, 1: 4, 2: 6, 3: 6, 4: 8}


def from_blob(blob: bytes | memoryview | None) -> BaseGeometry | None:
    """Decode a GeoPackage geometry blob (or plain WKB) into a shapely geometry."""
    if blob is None:
        return None
    data = bytes(blob)
    if data[:2] != b"GP":
        return shapely.from_wkb(data)
    flags = data[3]
    env = (flags >> 1) & 0b111
    offset = 8 + 8 * _ENVELOPE_DOUBLES.get(env, 0)
    return shapely.from_wkb(data[offset:])


def blobs_to_geoms(blobs: Iterable[Any]) -> list[BaseGeometry | None]:
    """Vector-friendly decode of many blobs."""
    return [from_blob(b) for b in blobs]
