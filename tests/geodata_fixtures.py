"""Synthetic official-format files for geodata tests (no real data).

A fictional prefecture 99 テスト県 on a 3×3 grid with wavy shared borders (built by polygonizing
noisy lines, so neighbours share their edges exactly, like N03):

    99101 中央区 (テスト市) | 99102 北区 (テスト市) | 99201 東市
    99202 西町 (西郡)       | 99203 南町 (西郡)     | 99204 山村 (invalid ring: spike)
    99205 川町              | 99206 谷村            | (所属未定地: no code)

plus 99207 島町 as two island rows further south, one of them a self-intersecting bow-tie.
"""

from __future__ import annotations

import math
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import LineString, Polygon, box

X0, Y0, STEP = 133.0, 34.3, 0.1
GRID = [
    # col, row, code, county/city, name
    (0, 0, "99101", "テスト市", "中央区"),
    (1, 0, "99102", "テスト市", "北区"),
    (2, 0, "99201", None, "東市"),
    (0, 1, "99202", "西郡", "西町"),
    (1, 1, "99203", "西郡", "南町"),
    (2, 1, "99204", None, "山村"),
    (0, 2, "99205", None, "川町"),
    (1, 2, "99206", None, "谷村"),
    (2, 2, None, None, None),  # 所属未定地
]
N_VERTS = 1500  # per grid line: dense like real N03 (~30 m spacing)


def _wavy(a: float, b: float, fixed: float, horizontal: bool, seed: int) -> LineString:
    t = np.linspace(a, b, N_VERTS)
    off = 0.008 * np.sin(t * 90 + seed) + 0.003 * np.sin(t * 411 + 2 * seed) + 0.00008 * np.sin(t * 7919)
    pts = (
        [(x, fixed + o) for x, o in zip(t, off, strict=True)]
        if horizontal
        else [(fixed + o, y) for y, o in zip(t, off, strict=True)]
    )
    return LineString(pts)


def grid_cells() -> dict[tuple[int, int], Polygon]:
    """The 3×3 coverage cells keyed by (col, row)."""
    outer = box(X0, Y0 - 3 * STEP, X0 + 3 * STEP, Y0)
    lines = [outer.exterior]
    for k in (1, 2):
        lines.append(_wavy(X0 - 0.05, X0 + 3 * STEP + 0.05, Y0 - k * STEP, True, k))
        lines.append(_wavy(Y0 - 3 * STEP - 0.05, Y0 + 0.05, X0 + k * STEP, False, 10 + k))
    merged = shapely.union_all(lines)
    cells = [
        p
        for p in shapely.get_parts(shapely.polygonize(shapely.get_parts(merged)))
        if outer.contains(p.representative_point())
    ]
    out = {}
    for c in cells:
        pt = c.representative_point()
        col = int((pt.x - X0) // STEP)
        row = int((Y0 - pt.y) // STEP)
        out[(col, row)] = c
    assert len(out) == 9, len(out)
    return out


def spike(poly: Polygon) -> Polygon:
    """Same polygon with a zero-width spike on the east side (invalid ring, N03-like defect)."""
    coords = list(poly.exterior.coords)[:-1]
    i = int(np.argmax([x for x, _ in coords]))
    x, y = coords[i]
    ring = [*coords[: i + 1], (x + 0.03, y), (x, y), *coords[i + 1 :]]
    return Polygon(ring)


def island_rows() -> list[Polygon]:
    y = Y0 - 3.6 * STEP
    a = box(X0 + 2.1 * STEP, y, X0 + 2.5 * STEP, y + 0.3 * STEP)
    bx = X0 + 2.6 * STEP
    bowtie = Polygon([(bx, y), (bx + 0.03, y + 0.03), (bx + 0.03, y), (bx, y + 0.03)])
    return [a, bowtie]


def n03_frame(*, newer_release: bool = False, pref: str = "99") -> gpd.GeoDataFrame:
    """Raw N03 rows (N03_001 … N03_007) as a GeoDataFrame.

    ``newer_release=True`` mimics a later release: 99205/99206 merged into 99208 川谷町,
    and the ward name moved to N03_005 (N03_004 = the city name).
    """
    cells = grid_cells()
    rows = []
    for col, row, code, county, name in GRID:
        g = cells[(col, row)]
        if code == "99204":
            g = spike(g)
        rows.append(
            {
                "N03_001": "テスト県",
                "N03_002": None,
                "N03_003": county,
                "N03_004": name,
                "N03_005": None,
                "N03_007": code,
                "geometry": g,
            }
        )
    for g in island_rows():
        rows.append(
            {
                "N03_001": "テスト県",
                "N03_002": None,
                "N03_003": None,
                "N03_004": "島町",
                "N03_005": None,
                "N03_007": "99207",
                "geometry": g,
            }
        )
    if newer_release:
        merged = shapely.union_all([cells[(0, 2)], cells[(1, 2)]])
        rows = [r for r in rows if r["N03_007"] not in ("99205", "99206")]
        rows.append(
            {
                "N03_001": "テスト県",
                "N03_002": None,
                "N03_003": None,
                "N03_004": "川谷町",
                "N03_005": None,
                "N03_007": "99208",
                "geometry": merged,
            }
        )
        for r in rows:
            if r["N03_003"] == "テスト市":
                r["N03_005"] = r["N03_004"]
                r["N03_004"] = "テスト市"
    else:
        for r in rows:
            del r["N03_005"]
    for r in rows:
        if r["N03_007"]:
            r["N03_007"] = pref + r["N03_007"][2:]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def write_n03_geojson(path: Path, **kw: Any) -> Path:
    n03_frame(**kw).to_file(path, driver="GeoJSON")
    return path


def write_n03_shapefile_zip(path: Path, *, encoding: str = "CP932", keep_cpg: bool = False) -> Path:
    """Zipped Shapefile with CP932 .dbf; by default without .cpg, like old N03 releases."""
    import pyogrio

    folder = path.with_suffix("")
    folder.mkdir(parents=True, exist_ok=True)
    shp = folder / "N03-99_99_250101.shp"
    frame = n03_frame()
    frame["geometry"] = [shapely.force_2d(g) for g in frame.geometry]
    pyogrio.write_dataframe(frame, shp, encoding=encoding)
    with zipfile.ZipFile(path, "w") as zf:
        for f in sorted(folder.iterdir()):
            if f.suffix.lower() == ".cpg" and not keep_cpg:
                continue
            zf.write(f, f"N03-99_99_250101/{f.name}")
    return path


# ----------------------------------------------------------------------------------------------
# e-Stat mesh text
# ----------------------------------------------------------------------------------------------
def mesh_code_1km(lon: float, lat: float) -> str:
    p = int(lat * 1.5)
    u = int(lon - 100)
    q = int((lat * 1.5 - p) * 8)
    v = int((lon - 100 - u) * 8)
    r = int(((lat * 1.5 - p) * 8 - q) * 10)
    w = int(((lon - 100 - u) * 8 - v) * 10)
    return f"{p:02d}{u:02d}{q}{v}{r}{w}"


def write_mesh_text(path: Path, *, level: str = "500m", secret_every: int = 17) -> dict[str, float]:
    """An e-Stat 国勢調査 mesh text (CP932, 2 header rows) over the test prefecture.

    Returns the totals written (secret cells excluded) to check preservation.
    """
    codes: list[str] = []
    seen = set()
    lat = Y0 - 3.9 * STEP
    while lat < Y0 + 0.01:
        lon = X0 - 0.01
        while lon < X0 + 3 * STEP + 0.01:
            c = mesh_code_1km(lon, lat)
            if level == "500m":
                fy = ((lat * 1.5 * 80) % 1) >= 0.5
                fx = ((lon - 100) * 80 % 1) >= 0.5
                c += str(1 + int(fx) + 2 * int(fy))
            if c not in seen:
                seen.add(c)
                codes.append(c)
            lon += 1 / 80 / (2 if level == "500m" else 1)
        lat += 1 / 120 / (2 if level == "500m" else 1)
    header1 = [
        "KEY_CODE",
        "HTKSYORI",
        "HTKSAKI",
        "GASSAN",
        "T001102001",
        "T001102002",
        "T001102003",
        "T001102010",
        "T001102011",
        "T001102012",
        "T001102013",
        "T001102019",
        "T001102022",
        "T001102025",
    ]
    header2 = [
        "",
        "秘匿処理",
        "秘匿先情報",
        "合算地域",
        "人口（総数）",
        "人口（総数）　男",
        "人口（総数）　女",
        "０～１４歳人口　総数",
        "１５～６４歳人口　総数",
        "１５歳以上人口　総数",
        "６５歳以上人口　総数",
        "７５歳以上人口　総数",
        "８５歳以上人口　総数",
        "９５歳以上人口　総数",
    ]
    lines = [",".join(header1), ",".join(header2)]
    totals = {"pop_total": 0.0, "pop_65": 0.0, "pop_75": 0.0, "pop_85": 0.0, "secret": 0, "cells": 0}
    for i, c in enumerate(codes):
        tot = 20 + (i * 37) % 180
        p65 = math.floor(tot * 0.33)
        p75 = math.floor(tot * 0.17)
        p85 = math.floor(tot * 0.06)
        if secret_every and i % secret_every == 5:
            lines.append(f"{c},1,{codes[i - 1]},,*,*,*,*,*,*,*,*,*,*")
            totals["secret"] += 1
            continue
        vals = [
            tot,
            tot // 2,
            tot - tot // 2,
            tot // 8,
            tot - tot // 8 - p65,
            tot - tot // 8,
            p65,
            p75,
            p85,
            0,
        ]
        lines.append(f"{c},0,,," + ",".join(str(v) for v in vals))
        totals["pop_total"] += tot
        totals["pop_65"] += p65
        totals["pop_75"] += p75
        totals["pop_85"] += p85
        totals["cells"] += 1
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp932"))
    return totals


def write_n03_gml(path: Path) -> Path:
    """The fixture as JPGIS 2.1 GML (lat lon posList, Curves/Surfaces by xlink reference)."""
    frame = n03_frame()
    curves, surfaces, bounds = [], [], []
    for k, row in enumerate(frame.itertuples(), start=1):
        rings = [row.geometry.exterior, *row.geometry.interiors]
        refs = []
        for j, ring in enumerate(rings):
            cid = f"cv{k}_{j}"
            pos = " ".join(f"{y:.10f} {x:.10f}" for x, y in ring.coords)
            curves.append(
                f'<gml:Curve gml:id="{cid}"><gml:segments><gml:LineStringSegment>'
                f"<gml:posList>{pos}</gml:posList></gml:LineStringSegment></gml:segments></gml:Curve>"
            )
            refs.append(f'<gml:Ring><gml:curveMember xlink:href="#{cid}"/></gml:Ring>')
        inner = "".join(f"<gml:interior>{r}</gml:interior>" for r in refs[1:])
        surfaces.append(
            f'<gml:Surface gml:id="sf{k}"><gml:patches><gml:PolygonPatch><gml:exterior>{refs[0]}'
            f"</gml:exterior>{inner}</gml:PolygonPatch></gml:patches></gml:Surface>"
        )

        def el(tag: str, v: Any) -> str:
            return f"<ksj:{tag}>{'' if v is None or v != v else v}</ksj:{tag}>"

        bounds.append(
            f'<ksj:AdministrativeBoundary gml:id="ab{k}"><ksj:bounds xlink:href="#sf{k}"/>'
            + el("prefectureName", row.N03_001)
            + el("subPrefectureName", row.N03_002)
            + el("countyName", row.N03_003)
            + el("cityName", row.N03_004)
            + f'<ksj:administrativeAreaCode codeSpace="AdministrativeAreaCode.xml">'
            f"{'' if row.N03_007 is None or row.N03_007 != row.N03_007 else row.N03_007}"
            "</ksj:administrativeAreaCode></ksj:AdministrativeBoundary>"
        )
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<ksj:Dataset gml:id="N03Dataset" '
        'xmlns:ksj="http://nlftp.mlit.go.jp/ksj/schemas/ksj-app" xmlns:gml="http://www.opengis.net/gml/3.2" '
        'xmlns:xlink="http://www.w3.org/1999/xlink">\n'
        + "\n".join(curves + surfaces + bounds)
        + "\n</ksj:Dataset>\n"
    )
    path.write_text(xml, encoding="utf-8")
    return path
