"""Benchmark of the geodata importers at prefecture scale.

Usage::

    python benchmarks/bench_geodata.py [--grid 8] [--verts 20000] [--mesh 500m|250m|1km]

Builds a synthetic prefecture (``grid``×``grid`` municipalities over 1.2°×1.0°, wavy shared
borders polygonized from noisy lines with ``verts`` vertices each, like full-resolution N03),
writes it as GeoJSON, then times ``import_boundaries`` (dissolve, repair, coverage simplification)
and, with an e-Stat style mesh file over the area, ``import_population`` (apportioning).

Prints ONE JSON line: vertices full/display per tolerance, display GeoJSON bytes, seconds per step,
demand points, population preserved.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import LineString, box

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def synthetic_prefecture(grid: int, verts: int) -> gpd.GeoDataFrame:
    x0, y0, w, h = 133.0, 35.0, 1.2, 1.0
    outer = box(x0, y0, x0 + w, y0 + h)
    lines = [outer.exterior]
    rng = np.random.default_rng(0)
    for k in range(1, grid):
        t = np.linspace(x0 - 0.05, x0 + w + 0.05, verts)
        off = 0.02 * np.sin(t * 40 + k) + 0.004 * np.sin(t * 350 + k) + rng.normal(0, 0.00004, verts)
        lines.append(LineString(np.c_[t, y0 + k * h / grid + off]))
        t = np.linspace(y0 - 0.05, y0 + h + 0.05, verts)
        off = 0.02 * np.sin(t * 40 + 3 * k) + 0.004 * np.sin(t * 350 + k) + rng.normal(0, 0.00004, verts)
        lines.append(LineString(np.c_[x0 + k * w / grid + off, t]))
    cells = [
        p
        for p in shapely.get_parts(shapely.polygonize(shapely.get_parts(shapely.union_all(lines))))
        if outer.contains(p.representative_point())
    ]
    rows = []
    for i, c in enumerate(sorted(cells, key=lambda p: (-p.centroid.y, p.centroid.x))):
        rows.append(
            {
                "N03_001": "テスト県",
                "N03_002": None,
                "N03_003": None,
                "N03_004": f"第{i}町",
                "N03_007": f"99{200 + i:03d}",
                "geometry": c,
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--grid", type=int, default=8)
    ap.add_argument("--verts", type=int, default=20000)
    ap.add_argument("--mesh", default="500m", choices=["1km", "500m"])
    a = ap.parse_args()
    from geodata_fixtures import mesh_code_1km

    from zaitaku_map.geodata.n03 import import_boundaries
    from zaitaku_map.geodata.population import import_population
    from zaitaku_map.geodata.simplify import simplify_coverage
    from zaitaku_map.store import create_project

    out: dict[str, object] = {"grid": a.grid, "verts_per_line": a.verts}
    with tempfile.TemporaryDirectory() as d:
        frame = synthetic_prefecture(a.grid, a.verts)
        src = Path(d) / "n03.geojson"
        frame.to_file(src, driver="GeoJSON")
        out["municipalities"] = len(frame)
        out["n03_geojson_mb"] = round(src.stat().st_size / 1e6, 1)
        geoms = list(frame.geometry)
        tol = {}
        for t in (0.0001, 0.0003, 0.001):
            t0 = time.perf_counter()
            disp, st = simplify_coverage(geoms, tolerance=t)
            js = gpd.GeoDataFrame(geometry=disp, crs="EPSG:4326").to_json()
            tol[str(t)] = {
                "vertices": st["vertices_display"],
                "seconds": round(time.perf_counter() - t0, 2),
                "geojson_kb": round(len(js) / 1e3),
            }
        out["vertices_full"] = st["vertices_full"]
        out["display_by_tolerance"] = tol
        p = create_project(Path(d) / "b.gpkg")
        t0 = time.perf_counter()
        rep = import_boundaries(p, src)
        out["import_boundaries_s"] = round(time.perf_counter() - t0, 2)
        out["display_default"] = rep["display"]
        # mesh text over the area
        step_lat, step_lon = (1 / 120, 1 / 80) if a.mesh == "1km" else (1 / 240, 1 / 160)
        lines = [
            "KEY_CODE,HTKSYORI,HTKSAKI,GASSAN,T001102001,T001102019",
            ",秘匿処理,秘匿先情報,合算地域,人口（総数）,６５歳以上人口　総数",
        ]
        total = 0
        rng = np.random.default_rng(1)
        for lat in np.arange(35.0 - 0.02 + step_lat / 2, 36.02, step_lat):
            for lon in np.arange(133.0 - 0.02 + step_lon / 2, 134.22, step_lon):
                code = mesh_code_1km(lon, lat)
                if a.mesh == "500m":
                    fy = ((lat * 120) % 1) >= 0.5
                    fx = (((lon - 100) * 80) % 1) >= 0.5
                    code += str(1 + int(fx) + 2 * int(fy))
                v = int(rng.integers(0, 400))
                total += v
                lines.append(f"{code},0,,,{v},{v // 3}")
        mf = Path(d) / "tblT001102Q5233.txt"
        mf.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp932"))
        t0 = time.perf_counter()
        pr = import_population(p, [mf])["imports"][0]
        out["import_population_s"] = round(time.perf_counter() - t0, 2)
        out["mesh_cells"] = pr["cells_read"]
        out["demand_points"] = pr["loaded"]
        out["cells_split"] = pr["cells_split"]
        out["population_preserved"] = (
            abs(pr["stored_totals"]["pop_total"] + pr["outside_pop_total"] - total) < 1e-6
        )
        p.close()
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
