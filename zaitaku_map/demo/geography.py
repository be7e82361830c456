"""The fictional prefecture 「デモ県」: coastline, municipalities, settlements and density.

Everything is generated in a local kilometre frame (x east, y north, origin at the south-west
corner of a tile) and converted to lon/lat at the end.  Tile 0 lies in open sea south of Honshu
(lon 135.6–136.9, lat 31.6–32.6), far from any real land; ``--scale`` places further copies
("tiles") on a grid farther south in the Pacific, each with its own fictional prefecture code
(99, 98, 97 …: codes above 47 belong to no real prefecture).

Municipality polygons are unions of the cells of a seeded Voronoi diagram clipped to the
coastline, so neighbours share their borders exactly.  The mainland has a dense 政令指定都市 on a
southern bay, suburbs, cities on the coast and a mountainous, sparsely settled interior; an
island municipality lies offshore with no road link.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
import shapely.ops
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.ops import unary_union

# Tile 0 origin (south-west corner) and size in degrees.  Offsets are multiples of the 500 m mesh
# step (1/160° lon, 1/240° lat) so mesh grids of all tiles line up exactly.
LON0, LAT0 = 135.6, 31.6
TILE_DLON, TILE_DLAT = 1.3, 1.0
ROW_STEP = 1.1  # degrees between tile rows (leaves open sea between tiles)
KM_PER_DEG_LAT = 110.9
KM_PER_DEG_LON = 111.32 * math.cos(math.radians(LAT0 + 0.5))
TILE_W_KM = TILE_DLON * KM_PER_DEG_LON  # ≈ 122.6
TILE_H_KM = TILE_DLAT * KM_PER_DEG_LAT  # ≈ 110.9

# Column longitudes (west edges) of the tile grid, and extra columns allowed from a row on.
_GRID_COLS = [135.6, 136.9, 134.3, 138.2, 133.0]
_EXTRA_COL = (139.5, 3)  # (lon, first row) — keeps clear of 鳥島 and the 伊豆諸島
_GRID_ROWS = 8
DEMO_DISCLAIMER = "デモデータ（架空）"


@dataclass(frozen=True)
class MuniSpec:
    """One municipality of the template region (codes are the 3 digits after the prefecture)."""

    code3: str
    name: str
    kind: str  # ward|city|town|village
    county: str | None  # N03_003: 郡名 or 政令市名
    center: tuple[float, float]  # km
    reach: float  # power-diagram weight (km): larger = bigger area
    pop: int  # target population
    aging: float  # share 65+
    coastal: bool = True
    mountain: bool = False


CITY_CODE3 = "100"
CITY_NAME = "デモ市"

MUNI_SPECS: list[MuniSpec] = [
    # 政令指定都市 デモ市 (5 wards) on the southern bay
    MuniSpec("101", "中央区", "ward", CITY_NAME, (40.0, 22.0), 6.5, 118000, 0.24),
    MuniSpec("102", "港区", "ward", CITY_NAME, (30.0, 19.0), 5.0, 86000, 0.27),
    MuniSpec("103", "東区", "ward", CITY_NAME, (50.5, 20.0), 5.0, 97000, 0.26),
    MuniSpec("104", "北区", "ward", CITY_NAME, (41.0, 31.0), 6.0, 91000, 0.25, coastal=False),
    MuniSpec("105", "西区", "ward", CITY_NAME, (25.0, 28.5), 6.0, 72000, 0.29),
    # cities
    MuniSpec("201", "見本市", "city", None, (72.0, 22.0), 9.0, 112000, 0.31),
    MuniSpec("202", "試作市", "city", None, (14.0, 46.0), 10.0, 58000, 0.33),
    MuniSpec("203", "仮置市", "city", None, (60.0, 42.0), 10.0, 84000, 0.28, coastal=False),
    MuniSpec("204", "模型市", "city", None, (98.0, 40.0), 10.0, 41000, 0.36),
    MuniSpec("205", "例題市", "city", None, (26.0, 78.0), 11.0, 36000, 0.37),
    MuniSpec("206", "雛形市", "city", None, (72.0, 94.0), 11.0, 29000, 0.39),
    # towns and villages
    MuniSpec("301", "草案町", "town", "見本郡", (86.0, 27.0), 8.0, 17000, 0.36),
    MuniSpec("302", "試行町", "town", "見本郡", (64.0, 30.0), 9.5, 22000, 0.32, coastal=False),
    MuniSpec(
        "341", "山奥町", "town", "奥デモ郡", (47.0, 60.0), 13.0, 7800, 0.45, coastal=False, mountain=True
    ),
    MuniSpec("342", "峠町", "town", "奥デモ郡", (70.0, 56.0), 13.0, 5600, 0.47, coastal=False, mountain=True),
    MuniSpec(
        "343", "深谷村", "village", "奥デモ郡", (58.0, 76.0), 13.0, 1900, 0.52, coastal=False, mountain=True
    ),
    MuniSpec(
        "344", "雲上村", "village", "奥デモ郡", (86.0, 68.0), 12.0, 2300, 0.50, coastal=False, mountain=True
    ),
    MuniSpec("361", "想定町", "town", "西デモ郡", (18.0, 62.0), 9.0, 12500, 0.40),
    MuniSpec("362", "仮設町", "town", "西デモ郡", (31.0, 47.0), 9.0, 15500, 0.35, coastal=False),
    MuniSpec("381", "検証町", "town", "北デモ郡", (45.0, 92.0), 10.0, 9800, 0.41),
    MuniSpec("382", "演習町", "town", "北デモ郡", (96.0, 82.0), 10.0, 8400, 0.42),
    # island municipality (no road link to the mainland)
    MuniSpec("421", "デモ島町", "town", "沖デモ郡", (110.0, 7.5), 5.0, 4300, 0.44),
]

# 二次医療圏 (area code suffix, name, member code3s)
IRYOKEN2: list[tuple[str, str, list[str]]] = [
    ("01", "デモ中央", ["101", "102", "103", "104", "105", "203", "302"]),
    ("02", "デモ東部", ["201", "204", "301", "421"]),
    ("03", "デモ西部", ["202", "205", "361", "362"]),
    ("04", "デモ山間", ["206", "341", "342", "343", "344", "381", "382"]),
]
# 保健所圏域: the 政令市 has its own 保健所; 仮置市 belongs to 西部, 試行町 to 東部, the island has its own
HOKENJO: list[tuple[str, str, list[str]]] = [
    ("01", "デモ市保健所", ["101", "102", "103", "104", "105"]),
    ("02", "東部保健所", ["201", "204", "301", "302"]),
    ("03", "西部保健所", ["202", "203", "205", "361", "362"]),
    ("04", "北部保健所", ["206", "341", "342", "343", "344", "381", "382"]),
    ("05", "島しょ保健所", ["421"]),
]

# Mountain peaks (x, y, height m, radius km) of the interior
PEAKS = [
    (48.0, 70.0, 1450.0, 14.0),
    (72.0, 66.0, 1650.0, 16.0),
    (86.0, 54.0, 1100.0, 11.0),
    (36.0, 60.0, 900.0, 10.0),
    (60.0, 86.0, 1200.0, 12.0),
    (90.0, 76.0, 950.0, 9.0),
]


@dataclass
class Tile:
    """Placement of one copy of the region."""

    index: int
    pref_code: str
    pref_name: str
    lon0: float
    lat0: float

    def muni_code(self, code3: str) -> str:
        return self.pref_code + code3

    def to_lonlat(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.lon0 + np.asarray(x) / KM_PER_DEG_LON, self.lat0 + np.asarray(y) / KM_PER_DEG_LAT


def max_scale() -> int:
    """How many tiles fit the grid of open sea."""
    extra = _GRID_ROWS - _EXTRA_COL[1]
    return _GRID_ROWS * len(_GRID_COLS) + extra


def tiles(scale: int) -> list[Tile]:
    """The ``scale`` tiles: tile 0 is 「デモ県」 (code 99); later tiles fill a grid farther south."""
    slots: list[tuple[float, float]] = []
    for row in range(_GRID_ROWS):
        lat = LAT0 - ROW_STEP * row
        cols = list(_GRID_COLS)
        if row >= _EXTRA_COL[1]:
            cols.append(_EXTRA_COL[0])
        slots.extend((lon, lat) for lon in cols)
    if scale < 1 or scale > len(slots):
        raise ValueError(f"scale must be between 1 and {len(slots)}")
    out = []
    for k in range(scale):
        lon, lat = slots[k]
        name = "デモ県" if k == 0 else f"デモ{k + 1}県"
        out.append(Tile(k, f"{99 - k:02d}", name, lon, lat))
    return out


def check_digit(code5: str) -> str:
    """JIS X 0402 check digit of a 5-digit 団体コード (the 6th digit)."""
    s = sum(int(d) * w for d, w in zip(code5, (6, 5, 4, 3, 2), strict=True))
    return str((11 - s % 11) % 10)  # remainder 0 -> 1, remainder 1 -> 0


@dataclass
class Region:
    """The template region of one tile in km coordinates (shared by every tile)."""

    seed: int
    mainland: Polygon
    island: Polygon
    muni_geoms: dict[str, MultiPolygon]  # code3 -> km geometry (with islets)
    unassigned: Polygon  # 所属未定地
    specs: dict[str, MuniSpec] = field(default_factory=dict)

    def land(self) -> MultiPolygon:
        return MultiPolygon([self.mainland, self.island])


def _noise(rng: np.random.Generator, n_terms: int, amp: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    k = np.arange(2, 2 + n_terms)
    a = amp * rng.uniform(0.4, 1.0, n_terms) / k**0.9
    ph = rng.uniform(0, 2 * np.pi, n_terms)
    return k, a, ph


def _blob(
    rng: np.random.Generator,
    cx: float,
    cy: float,
    rx: float,
    ry: float,
    *,
    amp: float,
    n: int = 720,
    terms: int = 30,
) -> Polygon:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    k, a, ph = _noise(rng, terms, amp)
    r = 1.0 + (a[:, None] * np.sin(k[:, None] * t[None, :] + ph[:, None])).sum(axis=0)
    x = cx + rx * r * np.cos(t)
    y = cy + ry * r * np.sin(t)
    return shapely.make_valid(Polygon(np.column_stack([x, y]))).buffer(0)


def elevation(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Terrain height (m) of the template: mountains in the interior, plains on the south coast."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    h = np.zeros(np.broadcast(x, y).shape)
    for px, py, ph, pr in PEAKS:
        h += ph * np.exp(-((x - px) ** 2 + (y - py) ** 2) / (2 * pr**2))
    # ridges: gentle rise northwards from the southern plain
    h += 250.0 * np.clip((y - 30.0) / 50.0, 0, 1)
    h += 60.0 * np.sin(x / 3.7) * np.cos(y / 4.3)
    # valleys around every town: settlements sit on low ground
    for s in MUNI_SPECS:
        if s.kind != "ward":
            cx, cy = s.center
            h *= 1.0 - 0.8 * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * 5.0**2))
    return np.clip(h, 0, None)


WARD_OFFSETS = {
    "101": (0.0, 0.0),
    "102": (-8.5, -2.5),
    "103": (8.5, -2.5),
    "104": (1.0, 9.0),
    "105": (-10.0, 6.5),
}


def _clip_to_tile(g: Any) -> Any:
    return g.intersection(shapely.box(3, 4, TILE_W_KM - 3, TILE_H_KM - 3))


def _mainland(rng: np.random.Generator, seed: int) -> Polygon:
    """The mainland: a large blob with two peninsulas and two bays, then capes and coves all around."""
    main = _blob(rng, 58.0, 56.0, 53.0, 43.0, amp=0.11, n=1440, terms=70)
    # a peninsula in the south-east and one in the north-west
    main = unary_union(
        [
            main,
            _blob(rng, 90.0, 21.0, 9.5, 5.5, amp=0.12, n=360, terms=12),
            _blob(rng, 14.0, 84.0, 8.0, 6.0, amp=0.12, n=360, terms=12),
        ]
    )
    main = _clip_to_tile(main)
    # the bay of デモ市 and a smaller bay on the east coast
    bay = _blob(rng, 39.0, 12.5, 8.0, 5.5, amp=0.05, n=240, terms=8)
    bay2 = _blob(rng, 116.0, 47.0, 6.0, 5.0, amp=0.06, n=240, terms=8)
    main = main.difference(bay).difference(bay2)
    # small capes and coves all around: a ragged coastline at map scale
    crng = np.random.default_rng([seed, 3131])
    for k in range(22):
        if main.geom_type != "Polygon":
            break
        p = main.exterior.interpolate(crng.uniform(0, 1), normalized=True)
        r = crng.uniform(1.0, 3.2)
        blob = _blob(crng, p.x, p.y, r, r * crng.uniform(0.45, 1.0), amp=0.2, n=120, terms=8)
        main = _clip_to_tile(main.union(blob) if k % 2 else main.difference(blob))
        if main.geom_type == "MultiPolygon":
            main = max(main.geoms, key=lambda g: g.area)
    if main.geom_type == "MultiPolygon":
        main = max(main.geoms, key=lambda g: g.area)
    return main


def _placed_specs(main: Polygon) -> dict[str, MuniSpec]:
    """Municipality specs with their centres on land; the 政令市's wards placed relative to the south coast."""
    inner = main.buffer(-2.0)
    cut = main.intersection(shapely.LineString([(40.0, 0.0), (40.0, 60.0)]))
    coast_y = float(shapely.get_coordinates(cut)[:, 1].min())
    specs: dict[str, MuniSpec] = {}
    for s in MUNI_SPECS:
        if s.code3 in WARD_OFFSETS:
            dx, dy = WARD_OFFSETS[s.code3]
            s = replace(s, center=(40.0 + dx, coast_y + 8.0 + dy))
        if s.code3 != "421" and not inner.contains(Point(s.center)):
            # keep every centre on land whatever the seed's coastline: nearest inner point
            q = shapely.ops.nearest_points(inner, Point(s.center))[0]
            s = replace(s, center=(round(q.x, 3), round(q.y, 3)))
        specs[s.code3] = s
    return specs


def _municipalities(
    rng: np.random.Generator, seed: int, main: Polygon, mainland_specs: list[MuniSpec]
) -> dict[str, Any]:
    """Mainland municipalities as unions of fine Voronoi cells (a noisy power diagram), made contiguous."""
    minx, miny, maxx, maxy = main.bounds
    n_cells = 2600
    pts = np.column_stack([rng.uniform(minx, maxx, n_cells), rng.uniform(miny, maxy, n_cells)])
    cells = shapely.get_parts(
        shapely.voronoi_polygons(
            shapely.multipoints(pts), extend_to=shapely.box(minx - 5, miny - 5, maxx + 5, maxy + 5)
        )
    )
    cells = shapely.set_precision(shapely.intersection(cells, main), 1e-6)
    cells = cells[~shapely.is_empty(cells)]
    rp = shapely.get_coordinates(shapely.point_on_surface(cells))
    centers = np.array([s.center for s in mainland_specs])
    reach = np.array([s.reach for s in mainland_specs])
    # power diagram with a smooth noise field -> irregular but mostly compact shapes
    d2 = ((rp[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2) - reach[None, :] ** 2 * 4.0
    wob = np.sin(rp[:, 0:1] / 2.3 + np.arange(len(centers))[None, :]) * np.cos(rp[:, 1:2] / 2.9) * 60.0
    d2 = d2 + wob + rng.normal(0, 25.0, d2.shape)
    # the 政令市 is a disc (with a ragged edge) around its wards; wards split it by plain distance
    is_ward = np.array([s.kind == "ward" for s in mainland_specs])
    ward_c = centers[is_ward].mean(axis=0)
    ang = np.arctan2(rp[:, 1] - ward_c[1], rp[:, 0] - ward_c[0])
    radius = 14.0 * (1 + 0.12 * np.sin(3 * ang + seed) + 0.06 * np.sin(7 * ang + 2 * seed))
    in_city = np.hypot(rp[:, 0] - ward_c[0], rp[:, 1] - ward_c[1]) < radius
    big = d2.max() + 1e6
    d2[np.ix_(in_city, ~is_ward)] = big
    d2[np.ix_(~in_city, is_ward)] = big
    plain = ((rp[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2) + wob * 0.3
    d2[np.ix_(in_city, is_ward)] = plain[np.ix_(in_city, is_ward)]
    owner = d2.argmin(axis=1)
    geoms: dict[str, Any] = {}
    for i, s in enumerate(mainland_specs):
        geoms[s.code3] = unary_union(list(cells[owner == i]))
    _make_contiguous(geoms)
    return geoms


def _islets(
    rng: np.random.Generator, main: Polygon, island: Polygon, geoms: dict[str, Any], coastal_codes: list[str]
) -> list[tuple[str | None, Polygon]]:
    """Islets off the coast: the first is a 所属未定地 (code None), the others belong to the nearest coastal town."""
    coast = main.exterior
    islets: list[tuple[str | None, Polygon]] = []
    for j in range(14):
        t = rng.uniform(0, 1)
        p = coast.interpolate(t, normalized=True)
        nx, ny = p.x - 58.0, p.y - 57.0
        norm = math.hypot(nx, ny) or 1.0
        off = rng.uniform(1.2, 3.5)
        c = (p.x + nx / norm * off, p.y + ny / norm * off)
        r = rng.uniform(0.25, 0.9)
        isl = _blob(rng, c[0], c[1], r, r * rng.uniform(0.6, 1.0), amp=0.15, n=48, terms=5)
        if isl.intersects(main.buffer(0.3)) or isl.intersects(island.buffer(6.0)):
            continue
        if not shapely.box(1, 1, TILE_W_KM - 1, TILE_H_KM - 1).contains(isl):
            continue
        if j == 0:
            islets.append((None, isl))
            continue
        near = min(coastal_codes, key=lambda c3: geoms[c3].distance(isl))
        islets.append((near, isl))
    return islets


@lru_cache(maxsize=4)
def build_region(seed: int = 0) -> Region:
    """Coastline and municipality polygons of the template (km frame, deterministic per seed)."""
    rng = np.random.default_rng([seed, 3101])
    main = _mainland(rng, seed)
    specs = _placed_specs(main)
    island = _blob(rng, 110.0, 7.5, 5.5, 4.2, amp=0.12, n=360, terms=12)
    mainland_specs = [s for c3, s in specs.items() if c3 != "421"]
    geoms = _municipalities(rng, seed, main, mainland_specs)
    geoms["421"] = island
    # islets: extra parts of coastal municipalities (multi-part N03 rows), and one 所属未定地
    islets = _islets(rng, main, island, geoms, [s.code3 for s in mainland_specs if s.coastal])
    unassigned = next(g for c3, g in islets if c3 is None)
    for c3, isl in islets:
        if c3 is not None:
            geoms[c3] = unary_union([geoms[c3], isl])
    out = {c3: _as_multi(g) for c3, g in geoms.items()}
    return Region(seed, main, island, out, unassigned, specs)


def _as_multi(g) -> MultiPolygon:  # type: ignore[no-untyped-def]
    if g.geom_type == "Polygon":
        return MultiPolygon([g])
    if g.geom_type == "MultiPolygon":
        return g
    polys = [p for p in shapely.get_parts(g) if p.geom_type == "Polygon"]
    return MultiPolygon(polys)


def _make_contiguous(geoms: dict[str, object]) -> None:
    """Give detached fragments of a municipality to the neighbour sharing most border."""
    for _ in range(3):
        moved = False
        for c3 in list(geoms):
            g = geoms[c3]
            if g.geom_type != "MultiPolygon":  # type: ignore[attr-defined]
                continue
            parts = sorted(shapely.get_parts(g), key=lambda p: -p.area)
            geoms[c3] = parts[0]
            for frag in parts[1:]:
                best, best_len = None, 0.0
                for o, og in geoms.items():
                    if o == c3:
                        continue
                    shared = frag.boundary.intersection(og.boundary).length  # type: ignore[attr-defined]
                    if shared > best_len:
                        best, best_len = o, shared
                if best is None:
                    geoms[c3] = unary_union([geoms[c3], frag])
                else:
                    geoms[best] = unary_union([geoms[best], frag])
                    moved = True
        if not moved:
            break


def muni_full_name(spec: MuniSpec) -> str:
    return f"{CITY_NAME}{spec.name}" if spec.kind == "ward" else spec.name


def address_prefix(tile: Tile, spec: MuniSpec) -> str:
    """Address head as written in facility lists: 県 + (郡) + 市区町村."""
    if spec.kind == "ward":
        return f"{tile.pref_name}{CITY_NAME}{spec.name}"
    if spec.county:
        return f"{tile.pref_name}{spec.county}{spec.name}"
    return f"{tile.pref_name}{spec.name}"


def km_geom_to_lonlat(geom, tile: Tile):  # type: ignore[no-untyped-def]
    """Transform a km-frame geometry into lon/lat for a tile (rounded to 1e-7°)."""

    def f(xy: np.ndarray) -> np.ndarray:
        lon, lat = tile.to_lonlat(xy[:, 0], xy[:, 1])
        return np.round(np.column_stack([lon, lat]), 7)

    return shapely.transform(geom, f)
