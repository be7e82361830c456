"""A small synthetic project written straight into the store, for tests of analysis, options,
exports and the GUI that must not depend on the importers.

Layout (lon 133.0–133.3, lat 34.0–34.3, 0.1° squares, row-major from the north-west):

    99101 中央区 | 99102 北区  | 99201 東市
    99202 西町   | 99203 南町  | 99204 山村
    99205 川町   | 99206 谷村  | 99207 島町 (separate island square further south)

99101/99102 are wards of the 政令市 99100 (also stored, kind ``designated_city``).
Area layer 二次医療圏: 9901 中央 (99101, 99102, 99201), 9902 西部 (99202, 99203, 99204),
9903 南部 (99205, 99206, 99207).  Facilities of all six core categories sit in the northern
municipalities; 99206 and 99207 have none, so coverage gaps exist there.
"""

from __future__ import annotations

import json
from pathlib import Path

from shapely.geometry import MultiPolygon, Point, box
from shapely.ops import unary_union

from zaitaku_map.store import Project, create_project, gpkg

MUNIS = [
    # code, name, full_name, kind, parent, col, row
    ("99101", "中央区", "テスト市中央区", "ward", "99100", 0, 0),
    ("99102", "北区", "テスト市北区", "ward", "99100", 1, 0),
    ("99201", "東市", "東市", "municipality", None, 2, 0),
    ("99202", "西町", "西町", "municipality", None, 0, 1),
    ("99203", "南町", "南町", "municipality", None, 1, 1),
    ("99204", "山村", "山村", "municipality", None, 2, 1),
    ("99205", "川町", "川町", "municipality", None, 0, 2),
    ("99206", "谷村", "谷村", "municipality", None, 1, 2),
    ("99207", "島町", "島町", "municipality", None, 2, 3.5),
]
AREAS = {
    "99101": ("9901", "中央"),
    "99102": ("9901", "中央"),
    "99201": ("9901", "中央"),
    "99202": ("9902", "西部"),
    "99203": ("9902", "西部"),
    "99204": ("9902", "西部"),
    "99205": ("9903", "南部"),
    "99206": ("9903", "南部"),
    "99207": ("9903", "南部"),
}
X0, Y0, STEP = 133.0, 34.3, 0.1

FACILITIES = [
    # category, subtype, name, muni, dx, dy (fractions inside the square), beds
    ("zaishi_clinic", "機能強化型（単独型）", "中央在宅クリニック", "99101", 0.5, 0.5, None),
    ("zaishi_clinic", "従来型", "北区ホームクリニック", "99102", 0.3, 0.6, None),
    ("zaishi_clinic", "機能強化型（連携型）", "西町診療所", "99202", 0.5, 0.5, None),
    ("zaishi_hospital", "従来型", "東市民病院", "99201", 0.5, 0.5, 120),
    ("home_nursing", None, "中央訪問看護ステーション", "99101", 0.6, 0.4, None),
    ("home_nursing", None, "南町訪問看護ステーション", "99203", 0.5, 0.5, None),
    ("pharmacy", None, "中央薬局", "99101", 0.4, 0.4, None),
    ("pharmacy", None, "東市薬局", "99201", 0.6, 0.6, None),
    ("houkatsu", None, "テスト市地域包括支援センター", "99102", 0.5, 0.5, None),
    ("care_facility", "介護老人福祉施設", "山村特別養護老人ホーム", "99204", 0.5, 0.5, None),
    ("hospital", None, "東市民病院", "99201", 0.5, 0.5, 120),
]


def muni_geometry(col: float, row: float) -> MultiPolygon:
    x = X0 + col * STEP
    y = Y0 - (row + 1) * STEP
    return MultiPolygon([box(x, y, x + STEP, y + STEP)])


def build_synthetic_project(path: Path) -> Project:
    """Create the project described in the module docstring and return it open."""
    p = create_project(path)
    with p.transaction():
        src = p.add_source(
            kind="facilities", format="synthetic", file_name="synthetic", reference_date="2025-10-01"
        )
        geoms = {}
        for i, (code, name, full, kind, parent, col, row) in enumerate(MUNIS, start=1):
            g = muni_geometry(col, row)
            geoms[code] = g
            rp = g.representative_point()
            p.conn.execute(
                "INSERT INTO municipalities (code, fid, pref_code, pref_name, name, full_name, kind, parent_code, "
                "area_km2, rep_lon, rep_lat, geom, geom_display) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    code,
                    i,
                    "99",
                    "テスト県",
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
        city = unary_union([geoms["99101"], geoms["99102"]])
        city = city if city.geom_type == "MultiPolygon" else MultiPolygon([city])
        rp = city.representative_point()
        p.conn.execute(
            "INSERT INTO municipalities (code, fid, pref_code, pref_name, name, full_name, kind, area_km2, rep_lon, "
            "rep_lat, geom, geom_display) VALUES ('99100', 100, '99', 'テスト県', 'テスト市', 'テスト市', "
            "'designated_city', 200.0, ?, ?, ?, ?)",
            (rp.x, rp.y, gpkg.to_blob(city), gpkg.to_blob(city)),
        )
        layer = p.conn.execute(
            "INSERT INTO area_layers (name, created_at) VALUES ('二次医療圏', '2025-10-01')"
        ).lastrowid
        for code, (acode, aname) in AREAS.items():
            p.conn.execute(
                "INSERT INTO area_members (layer_id, muni_code, area_code, area_name) VALUES (?,?,?,?)",
                (layer, code, acode, aname),
            )
        for acode in sorted({a for a, _ in AREAS.values()}):
            members = [c for c, (a, _) in AREAS.items() if a == acode]
            u = unary_union([geoms[c] for c in members])
            u = u if u.geom_type == "MultiPolygon" else MultiPolygon([u])
            name = AREAS[members[0]][1]
            p.conn.execute(
                "INSERT INTO area_polygons (layer_id, area_code, area_name, geom, geom_display) VALUES (?,?,?,?,?)",
                (layer, acode, name, gpkg.to_blob(u), gpkg.to_blob(u)),
            )
        for fid, (cat, sub, name, muni, dx, dy, beds) in enumerate(FACILITIES, start=1):
            col, row = next((m[5], m[6]) for m in MUNIS if m[0] == muni)
            lon = X0 + (col + dx) * STEP
            lat = Y0 - (row + 1 - dy) * STEP
            p.conn.execute(
                "INSERT INTO facilities (id, category, subtype, name, name_norm, address, pref_code, muni_code, beds, "
                "status, src_lon, src_lat, src_coord_status, lon, lat, geocode_level, geom) "
                "VALUES (?,?,?,?,?,?,?,?,?,'open',?,?,'ok',?,?,'source',?)",
                (
                    fid,
                    cat,
                    sub,
                    name,
                    name,
                    f"テスト県{muni}番地{fid}",
                    "99",
                    muni,
                    beds,
                    lon,
                    lat,
                    lon,
                    lat,
                    gpkg.to_blob(Point(lon, lat)),
                ),
            )
            p.conn.execute(
                "INSERT INTO facility_records (facility_id, source_id, source_family, record_key, row, first_seen, "
                "last_seen) VALUES (?,?,?,?,?,?,?)",
                (fid, src, "synthetic", f"synthetic:{fid}", fid + 1, "2025-10-01", "2025-10-01"),
            )
            if cat.startswith("zaishi"):
                code = ("支援診" if cat == "zaishi_clinic" else "支援病") + {
                    "機能強化型（単独型）": "１",
                    "機能強化型（連携型）": "２",
                }.get(sub or "", "３")
                p.conn.execute(
                    "INSERT INTO designations (facility_id, kind, code, subtype, effective_date, source_id) "
                    "VALUES (?,?,?,?,?,?)",
                    (fid, cat, code, sub, "2024-06-01", src),
                )
        ps = p.conn.execute(
            "INSERT INTO population_sources (unit, year, notes) VALUES ('mesh500m', '2020', 'synthetic')"
        ).lastrowid
        n = 0
        for code, _name, _full, _kind, _parent, col, row in MUNIS:
            for i in range(5):
                for j in range(5):
                    lon = X0 + (col + (i + 0.5) / 5) * STEP
                    lat = Y0 - (row + 1 - (j + 0.5) / 5) * STEP
                    total = 400.0 if code.startswith("991") else 100.0
                    n += 1
                    p.conn.execute(
                        "INSERT INTO demand_points (pop_source_id, unit_code, muni_code, share, lon, lat, pop_total, "
                        "pop_65, pop_75, pop_85, bands_json, geom) VALUES (?,?,?,1,?,?,?,?,?,?,?,?)",
                        (
                            ps,
                            f"{code}{i}{j}",
                            code,
                            lon,
                            lat,
                            total,
                            total * 0.3,
                            total * 0.15,
                            total * 0.05,
                            json.dumps({}),
                            gpkg.to_blob(Point(lon, lat)),
                        ),
                    )
        p.set_meta("synthetic", "1")
    return p
