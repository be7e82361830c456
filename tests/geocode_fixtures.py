"""Synthetic boundaries, references and facilities for the geocode tests.

Municipalities are 0.1° squares with real names and codes (so the normaliser's prefecture and
郡 rules are exercised), placed near their real locations:

    31201 鳥取市 (134.15–134.25, 35.45–35.55)   31302 岩美町 (岩美郡; east of 鳥取市)
    31364 三朝町 (東伯郡; west)                 27127 大阪市北区 / 27128 大阪市中央区 (wards; 27100 the city)
    13206 府中市 (東京都)                       34208 府中市 (広島県)  — same name, two prefectures

:func:`add_sakai` adds 27146 堺市北区 (27140 堺市): a second 北区 in 大阪府 (bare ward names).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from shapely.geometry import MultiPolygon, Point, box
from shapely.ops import unary_union

from zaitaku_map.store import Project, gpkg

MUNIS = [
    # code, pref_code, pref_name, county_or_city, name, full_name, kind, parent, x0, y0
    ("31201", "31", "鳥取県", None, "鳥取市", "鳥取市", "municipality", None, 134.15, 35.45),
    ("31302", "31", "鳥取県", "岩美郡", "岩美町", "岩美町", "municipality", None, 134.25, 35.45),
    ("31364", "31", "鳥取県", "東伯郡", "三朝町", "三朝町", "municipality", None, 134.05, 35.45),
    ("27127", "27", "大阪府", "大阪市", "北区", "大阪市北区", "ward", "27100", 135.45, 34.65),
    ("27128", "27", "大阪府", "大阪市", "中央区", "大阪市中央区", "ward", "27100", 135.55, 34.65),
    ("13206", "13", "東京都", None, "府中市", "府中市", "municipality", None, 139.45, 35.65),
    ("34208", "34", "広島県", None, "府中市", "府中市", "municipality", None, 133.2, 34.55),
]
STEP = 0.1

BLOCK_HEADER = [
    "都道府県名",
    "市区町村名",
    "大字・丁目名",
    "小字・通称名",
    "街区符号・地番",
    "座標系番号",
    "Ｘ座標",
    "Ｙ座標",
    "緯度",
    "経度",
    "住居表示フラグ",
    "代表フラグ",
    "更新前履歴フラグ",
    "更新後履歴フラグ",
]
TOWN_HEADER = [
    "都道府県コード",
    "都道府県名",
    "市区町村コード",
    "市区町村名",
    "大字町丁目コード",
    "大字町丁目名",
    "緯度",
    "経度",
    "原典資料コード",
    "大字・字・丁目区分コード",
]

# (town as written in the reference, lon, lat) inside 鳥取市
TOWNS = [
    ("相生町一丁目", 134.2286, 35.5083),
    ("相生町二丁目", 134.2265, 35.5075),
    ("相生町十二丁目", 134.2200, 35.5000),
    ("雲山", 134.2390, 35.4812),
    ("鹿野町今市", 134.1700, 35.4620),
]
# (town, block, lon, lat) for the 街区 file
BLOCKS = [
    ("相生町一丁目", "5", 134.2290, 35.5086),
    ("相生町一丁目", "6", 134.2281, 35.5079),
]


def add_municipalities(p: Project, rows: list[tuple[Any, ...]] = MUNIS) -> None:
    """Insert the municipalities (and the derived 政令市 27100) into the project."""
    with p.transaction():
        geoms = {}
        for i, (code, pc, pn, coc, name, full, kind, parent, x0, y0) in enumerate(rows, start=1):
            g = MultiPolygon([box(x0, y0, x0 + STEP, y0 + STEP)])
            geoms[code] = g
            rp = g.representative_point()
            p.conn.execute(
                "INSERT INTO municipalities (code, fid, pref_code, pref_name, county_or_city, name, full_name, kind, "
                "parent_code, area_km2, rep_lon, rep_lat, geom, geom_display) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    code,
                    i,
                    pc,
                    pn,
                    coc,
                    name,
                    full,
                    kind,
                    parent,
                    100.0,
                    rp.x,
                    rp.y,
                    gpkg.to_blob(g),
                    gpkg.to_blob(g),
                ),
            )
        wards = [geoms[c] for c in geoms if c.startswith("271")]
        if wards:
            city = unary_union(wards)
            city = city if city.geom_type == "MultiPolygon" else MultiPolygon([city])
            rp = city.representative_point()
            p.conn.execute(
                "INSERT INTO municipalities (code, fid, pref_code, pref_name, name, full_name, kind, area_km2, rep_lon, "
                "rep_lat, geom, geom_display) VALUES ('27100', 100, '27', '大阪府', '大阪市', '大阪市', "
                "'designated_city', 200.0, ?, ?, ?, ?)",
                (rp.x, rp.y, gpkg.to_blob(city), gpkg.to_blob(city)),
            )


def add_sakai(p: Project) -> None:
    """Add 27146 堺市北区 and its city 27140 堺市 (south of 大阪市北区)."""
    g = MultiPolygon([box(135.45, 34.55, 135.55, 34.65)])
    rp = g.representative_point()
    with p.transaction():
        for code, fid, name, full, kind, parent, coc in (
            ("27146", 201, "北区", "堺市北区", "ward", "27140", "堺市"),
            ("27140", 200, "堺市", "堺市", "designated_city", None, None),
        ):
            p.conn.execute(
                "INSERT INTO municipalities (code, fid, pref_code, pref_name, county_or_city, name, full_name, kind, "
                "parent_code, area_km2, rep_lon, rep_lat, geom, geom_display) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    code,
                    fid,
                    "27",
                    "大阪府",
                    coc,
                    name,
                    full,
                    kind,
                    parent,
                    100.0,
                    rp.x,
                    rp.y,
                    gpkg.to_blob(g),
                    gpkg.to_blob(g),
                ),
            )


def rep_point(code: str) -> tuple[float, float]:
    row = next(m for m in MUNIS if m[0] == code)
    rp = box(row[8], row[9], row[8] + STEP, row[9] + STEP).representative_point()
    return rp.x, rp.y


def write_block_csv(
    path: Path, rows: list[tuple[str, str, float, float]] = BLOCKS, *, extra: list[list[str]] = ()
) -> Path:
    """A 位置参照情報 街区レベル CSV in CP932 (as MLIT ships it)."""
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    w.writerow(BLOCK_HEADER)
    for town, block, lon, lat in rows:
        w.writerow(
            [
                "鳥取県",
                "鳥取市",
                town,
                "",
                block,
                "5",
                "-1000.0",
                "2000.0",
                f"{lat}",
                f"{lon}",
                "1",
                "1",
                "0",
                "0",
            ]
        )
    for r in extra:
        w.writerow(r)
    path.write_bytes(buf.getvalue().encode("cp932"))
    return path


def write_town_csv(path: Path, rows: list[tuple[str, float, float]] = TOWNS) -> Path:
    """A 位置参照情報 大字・町丁目レベル CSV in CP932."""
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    w.writerow(TOWN_HEADER)
    for i, (town, lon, lat) in enumerate(rows):
        w.writerow(["31", "鳥取県", "31201", "鳥取市", f"31201{i:07d}", town, f"{lat}", f"{lon}", "1", "3"])
    path.write_bytes(buf.getvalue().encode("cp932"))
    return path


def write_town_json(path: Path, rows: list[tuple[str, float, float]] = TOWNS) -> Path:
    """A geolonia-style town-point list (no municipality inside)."""
    data = [{"town": t, "koaza": "", "lat": lat, "lng": lon} for t, lon, lat in rows]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def add_facility(
    p: Project,
    fid: int,
    *,
    name: str = "施設",
    address: str | None = None,
    pref_code: str | None = "31",
    muni_code: str | None = None,
    postal_code: str | None = None,
    src: tuple[float, float] | None = None,
    category: str = "zaishi_clinic",
) -> None:
    """Insert a facility as an importer would (source coordinates copied to lon/lat, level 'source')."""
    lon, lat = src if src else (None, None)
    with p.transaction():
        p.conn.execute(
            "INSERT INTO facilities (id, category, name, address, postal_code, pref_code, muni_code, src_lon, src_lat, "
            "lon, lat, geocode_level, geom) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                fid,
                category,
                name,
                address,
                postal_code,
                pref_code,
                muni_code,
                lon,
                lat,
                lon,
                lat,
                "source" if src else None,
                gpkg.to_blob(Point(lon, lat)) if src else None,
            ),
        )


def facility(p: Project, fid: int) -> dict[str, Any]:
    cur = p.conn.execute("SELECT * FROM facilities WHERE id=?", (fid,))
    cols = [d[0] for d in cur.description]
    row = cur.fetchone()
    return dict(zip(cols, row, strict=True))
