"""Benchmark of 圏域 option evaluation on a prefecture-sized synthetic project.

Usage::

    python benchmarks/bench_options.py [--units 60] [--facilities 6000] [--demand 30000]

Builds (directly in the store) a prefecture-sized project: Voronoi municipalities densified to
~1,500 vertices each (one 政令市 with 7 wards), an 8-area 二次医療圏 layer, facilities of every
core category and 500 m-like demand points.  Then times, on option A:

- ``adjacency_cold_s``: the unit adjacency graph (one-off, cached in the store);
- ``coverage_cold_s``: the first evaluation with coverage (straight-line mode, computes and caches);
- ``evaluate_cached_s``: median of 5 evaluations once coverage is cached (the acceptance figure);
  ``to_dict_s``: turning one typed result into its ``--json`` form;
- ``evaluate_after_edit_s``: the same right after moving one municipality (new assignment);
- ``evaluate_no_coverage_s``, ``compare_s`` (A vs proposal), ``propose_s``, ``ken_polygons_s``.

Prints ONE JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, box

from zaitaku_map.store import create_project, gpkg


def build(path: Path, n_units: int, n_fac: int, n_demand: int, seed: int = 0):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    frame = box(133.0, 34.6, 134.5, 35.6)
    pts = shapely.points(rng.uniform([133.0, 34.6], [134.5, 35.6], size=(n_units, 2)))
    cells = [
        c.intersection(frame) for c in shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts)))
    ]
    cells = [shapely.segmentize(c, 0.0015) for c in cells if not c.is_empty]
    p = create_project(path, overwrite=True)
    with p.transaction():
        cx = np.array([c.centroid.x for c in cells])
        cy = np.array([c.centroid.y for c in cells])
        order = np.argsort(cx)
        wards = set(order[:7].tolist())  # the 7 westernmost cells form the 政令市
        codes = []
        for i, c in enumerate(cells):
            is_ward = i in wards
            code = f"99{101 + i:03d}" if is_ward else f"99{301 + i:03d}"
            codes.append(code)
            g = MultiPolygon([c]) if c.geom_type == "Polygon" else c
            rp = g.representative_point()
            p.conn.execute(
                "INSERT INTO municipalities (code, fid, pref_code, name, full_name, kind, parent_code, area_km2, "
                "rep_lon, rep_lat, geom, geom_display) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    code,
                    i + 1,
                    "99",
                    f"町{i}",
                    f"町{i}",
                    "ward" if is_ward else "municipality",
                    "99100" if is_ward else None,
                    g.area * 9000,
                    rp.x,
                    rp.y,
                    gpkg.to_blob(g),
                    gpkg.to_blob(g.simplify(0.005)),
                ),
            )
        layer = p.conn.execute("INSERT INTO area_layers (name) VALUES ('二次医療圏')").lastrowid
        k = 8
        centres = np.column_stack([cx, cy])[rng.choice(len(cells), k, replace=False)]
        lab = np.argmin(((np.column_stack([cx, cy])[:, None, :] - centres[None]) ** 2).sum(-1), axis=1)
        for code, a in zip(codes, lab, strict=True):
            p.conn.execute("INSERT INTO area_members VALUES (?,?,?,?)", (layer, code, f"A{a}", f"圏{a}"))
        tree = shapely.STRtree(cells)
        cats = (
            ["zaishi_clinic"] * 5
            + ["zaishi_hospital"]
            + ["home_nursing"] * 4
            + ["pharmacy"] * 17
            + ["houkatsu"]
            + ["care_facility"] * 10
            + ["hospital"] * 2
            + ["clinic"] * 20
        )
        fx = rng.uniform(133.0, 134.5, n_fac)
        fy = rng.uniform(34.6, 35.6, n_fac)
        hit = tree.query(shapely.points(np.column_stack([fx, fy])), predicate="intersects")
        muni = {int(a): codes[int(b)] for a, b in zip(*hit, strict=True)}
        for i in range(n_fac):
            cat = cats[i % len(cats)]
            p.conn.execute(
                "INSERT INTO facilities (category, name, muni_code, beds, lon, lat, geom) VALUES (?,?,?,?,?,?,?)",
                (
                    cat,
                    f"施設{i}",
                    muni.get(i),
                    50 if cat in ("hospital", "zaishi_hospital") else None,
                    fx[i],
                    fy[i],
                    gpkg.to_blob(Point(fx[i], fy[i])),
                ),
            )
        dx = rng.uniform(133.0, 134.5, n_demand)
        dy = rng.uniform(34.6, 35.6, n_demand)
        hit = tree.query(shapely.points(np.column_stack([dx, dy])), predicate="intersects")
        dm = {int(a): codes[int(b)] for a, b in zip(*hit, strict=True)}
        ps = p.conn.execute("INSERT INTO population_sources (unit) VALUES ('mesh500m')").lastrowid
        rows = [
            (ps, f"m{i}", dm.get(i), float(dx[i]), float(dy[i]), 60.0, 20.0, 10.0, 3.0)
            for i in range(n_demand)
        ]
        p.conn.executemany(
            "INSERT INTO demand_points (pop_source_id, unit_code, muni_code, share, lon, lat, pop_total, pop_65, "
            "pop_75, pop_85) VALUES (?,?,?,1,?,?,?,?,?,?)",
            rows,
        )
    return p


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=60)
    ap.add_argument("--facilities", type=int, default=6000)
    ap.add_argument("--demand", type=int, default=30000)
    args = ap.parse_args()
    from zaitaku_map.coverage import CoverageParams
    from zaitaku_map.options import (
        adjacency,
        compare_options,
        create_option,
        evaluate_option,
        ken_polygons,
    )

    out: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as d:
        t = time.perf_counter()
        p = build(Path(d) / "bench.gpkg", args.units, args.facilities, args.demand)
        out["build_s"] = round(time.perf_counter() - t, 2)
        out["units"] = p.conn.execute("SELECT count(*) FROM municipalities").fetchone()[0]
        out["vertices"] = int(
            sum(
                shapely.get_num_coordinates(gpkg.from_blob(b))
                for (b,) in p.conn.execute("SELECT geom FROM municipalities")
            )
        )
        out["facilities"] = args.facilities
        out["demand_points"] = args.demand
        t = time.perf_counter()
        adjacency(p)
        out["adjacency_cold_s"] = round(time.perf_counter() - t, 3)
        create_option(p, "案A", template="area")
        params = CoverageParams(mode="straight")
        t = time.perf_counter()
        evaluate_option(p, "案A", coverage_params=params)
        out["coverage_cold_s"] = round(time.perf_counter() - t, 3)
        times = []
        for _ in range(5):
            t = time.perf_counter()
            ev = evaluate_option(p, "案A", coverage_params=params)
            times.append(time.perf_counter() - t)
        out["evaluate_cached_s"] = round(statistics.median(times), 3)
        out["coverage_in_result"] = ev.coverage_note is None
        t = time.perf_counter()
        ev.to_dict()
        out["to_dict_s"] = round(time.perf_counter() - t, 4)  # the --json form, on top of the evaluation
        from zaitaku_map.options import assign, get_option

        unit = sorted(get_option(p, "案A").assignments)[10]
        assign(p, "案A", [unit], "新圏域")
        t = time.perf_counter()
        evaluate_option(p, "案A", coverage_params=params)
        out["evaluate_after_edit_s"] = round(time.perf_counter() - t, 3)
        t = time.perf_counter()
        evaluate_option(p, "案A")
        out["evaluate_no_coverage_s"] = round(time.perf_counter() - t, 3)
        t = time.perf_counter()
        res = create_option(p, "提案", template="proposed", min_population=100000)
        out["propose_s"] = round(time.perf_counter() - t, 3)
        out["proposal_kens"] = res["n_kens"]
        out["proposal_status"] = res["params"]["proposal"]["status"]
        t = time.perf_counter()
        compare_options(p, ["案A", "提案"], coverage_params=params)
        out["compare_s"] = round(time.perf_counter() - t, 3)
        t = time.perf_counter()
        ken_polygons(p, "提案")
        out["ken_polygons_s"] = round(time.perf_counter() - t, 3)
        p.close()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
