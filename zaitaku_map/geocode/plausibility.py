"""Checks of coordinates given by the source files (``src_lon`` / ``src_lat``).

Patterns recognised (``labels.COORD_STATUS`` keys):

- ``missing`` — no coordinate;
- ``placeholder_zero`` — 0/0 (or either value 0), the 医療情報ネット placeholder;
- ``swapped`` — lat/lon exchanged: accepted after swapping back, with a note;
- ``outside_japan`` — outside Japan's bounding box even when swapped;
- ``shared_point`` — the same point used by facilities of :data:`SHARED_MIN` or more different towns
  (a prefectural office, a city hall …; see :func:`shared_points`);
- ``outside_municipality`` — farther than :data:`MUNI_TOLERANCE_M` from the polygon of the stated
  municipality (only when boundaries are loaded);
- ``ok`` — accepted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import Point
from shapely.ops import nearest_points

from zaitaku_map.geo import haversine_m, in_japan
from zaitaku_map.geocode.normalize import split_numbers
from zaitaku_map.store import gpkg
from zaitaku_map.store.project import Project

SHARED_MIN = 3  # facilities with different addresses on one point → placeholder
SHARED_DECIMALS = 5  # ~1 m: points equal at this precision are "the same point"
MUNI_TOLERANCE_M = 1000.0  # a source point this close to its municipality is still accepted
ZERO_EPS = 1e-6


@dataclass
class SourceCheck:
    status: str  # COORD_STATUS key
    lon: float | None = None  # usable coordinate (swapped back when status == 'swapped')
    lat: float | None = None
    note: str = ""

    @property
    def usable(self) -> bool:
        return self.status in ("ok", "swapped")


def point_key(lon: float, lat: float) -> tuple[float, float]:
    return (round(float(lon), SHARED_DECIMALS), round(float(lat), SHARED_DECIMALS))


def check_point(lon: Any, lat: Any) -> SourceCheck:
    """Classify a source coordinate on its own (no municipality or sharing context)."""
    if lon is None or lat is None:
        return SourceCheck("missing")
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        return SourceCheck("missing", note=f"unreadable coordinate {lon!r},{lat!r}")
    if abs(x) < ZERO_EPS or abs(y) < ZERO_EPS:
        return SourceCheck("placeholder_zero", note=f"source coordinate {x},{y}")
    if in_japan(x, y):
        return SourceCheck("ok", x, y)
    if in_japan(y, x):
        return SourceCheck("swapped", y, x, note=f"lat/lon swapped in the source ({x},{y}); fixed")
    return SourceCheck("outside_japan", note=f"source coordinate {x},{y} is outside Japan")


def town_key(address_norm: str) -> str:
    """The address up to its first number (prefecture + municipality + town), building names dropped."""
    head, _ = split_numbers(address_norm or "")
    return head


def shared_points(rows: Iterable[tuple[Any, Any, str]]) -> dict[tuple[float, float], int]:
    """Points used by facilities of ≥ :data:`SHARED_MIN` different towns: ``{point_key: n_towns}``.

    ``rows`` are ``(lon, lat, address_norm)`` of the facilities with a usable source point.  Towns,
    not full addresses, are compared: clinics of one medical building, or several facilities
    placed on one 街区/大字 point by the publisher's own geocoder, share a point legitimately;
    one point standing for three different towns is a placeholder (a prefectural office, a city hall).
    """
    towns: dict[tuple[float, float], set[str]] = defaultdict(set)
    for lon, lat, addr in rows:
        if lon is None or lat is None:
            continue
        towns[point_key(lon, lat)].add(town_key(addr))
    return {k: len(v) for k, v in towns.items() if len(v) >= SHARED_MIN}


class MuniGeometries:
    """Lazy, prepared municipality polygons from the project (for point-in-polygon checks)."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._geoms: dict[str, Any] = {}
        self._tree: Any = None
        self._tree_codes: list[str] = []

    def get(self, code: str | None) -> Any:
        if not code:
            return None
        if code not in self._geoms:
            row = self.project.conn.execute(
                "SELECT geom FROM municipalities WHERE code=?", (code,)
            ).fetchone()
            g = gpkg.from_blob(row[0]) if row and row[0] is not None else None
            if g is not None and not g.is_empty:
                shapely.prepare(g)
            else:
                g = None
            self._geoms[code] = g
        return self._geoms[code]

    def contains(self, code: str | None, lon: float, lat: float) -> bool | None:
        """True/False, or ``None`` when the municipality has no polygon."""
        g = self.get(code)
        if g is None:
            return None
        return bool(shapely.intersects_xy(g, lon, lat))

    def distance_m(self, code: str | None, lon: float, lat: float) -> float | None:
        """Metres from the point to the municipality polygon (0 inside; ``None`` without polygon)."""
        g = self.get(code)
        if g is None:
            return None
        if shapely.intersects_xy(g, lon, lat):
            return 0.0
        p = Point(lon, lat)
        q = nearest_points(g, p)[0]
        return float(haversine_m(lon, lat, q.x, q.y))  # type: ignore[no-untyped-call]

    def locate(self, lon: float, lat: float) -> str | None:
        """Code of the municipality (or ward) whose polygon contains the point, else ``None``."""
        if self._tree is None:
            rows = self.project.conn.execute(
                "SELECT code, geom FROM municipalities WHERE kind != 'designated_city' AND geom IS NOT NULL"
            ).fetchall()
            geoms = [gpkg.from_blob(b) for _, b in rows]
            self._tree_codes = [c for (c, _), g in zip(rows, geoms, strict=True) if g is not None]
            self._tree = shapely.STRtree([g for g in geoms if g is not None])
        hits = self._tree.query(Point(lon, lat), predicate="intersects")
        codes = sorted(self._tree_codes[int(i)] for i in hits)
        return codes[0] if codes else None
