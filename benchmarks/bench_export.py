"""Benchmark of the export domain on a prefecture-sized synthetic option.

Usage::

    python benchmarks/bench_export.py [--units 2000] [--facilities 3000] [--kens 20] [--list]

Builds (directly in the store) Voronoi municipalities densified to ~50 display vertices each
(≈100,000 vertices in all), facilities of the six core categories and an option with ``--kens``
圏域, then times:

- ``map_pdf_s``: ``export_map_pdf`` A4 landscape, first call (imports, font, 圏域 dissolve) — the
  acceptance figure: "a few seconds"; ``map_pdf_warm_s``: the second call;
- ``map_pdf_a3_s``: the same on A3 portrait;
- ``list_pdf_s`` (with ``--list``): the resource-list PDF of every facility;
- ``atlas_s``: the atlas (one zoomed page per 圏域, facilities numbered and listed);
- ``pack_s`` (with ``--pack``): the one-PDF meeting pack (default sections, 薬局・診療所 lists off);
- ``csv_s``, ``gpkg_s``.

Each ``*_s`` (wall clock) has its ``*_cpu_s`` (this process's CPU seconds): on a shared machine
compare the CPU figures, the wall clock mostly measures the other processes.

Prints ONE JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, box

from zaitaku_map.labels import CORE_CATEGORIES
from zaitaku_map.store import create_project, gpkg


def build(path: Path, n_units: int, n_fac: int, n_kens: int, seed: int = 0):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    frame = box(133.0, 34.6, 134.6, 35.6)
    pts = shapely.points(rng.uniform([133.0, 34.6], [134.6, 35.6], size=(n_units, 2)))
    cells = [
        c.intersection(frame) for c in shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts)))
    ]
    cells = [c for c in cells if not c.is_empty]
    p = create_project(path, overwrite=True)
    with p.transaction():
        src = p.add_source(
            kind="facilities", format="iryojoho", file_name="bench.csv", reference_date="2025-10-01"
        )
        p.add_source(kind="boundaries", format="n03", file_name="N03.zip", reference_date="2025-01-01")
        cx = np.array([c.centroid.x for c in cells])
        cy = np.array([c.centroid.y for c in cells])
        # 圏域 = angular sectors around the centre, split into an inner and an outer ring
        ang = np.arctan2(cy - 35.1, (cx - 133.8) * 0.8)
        sector = ((ang + np.pi) / (2 * np.pi) * (n_kens // 2)).astype(int) % max(n_kens // 2, 1)
        ring = (np.hypot((cx - 133.8) * 0.8, cy - 35.1) > 0.3).astype(int)
        ken = sector * 2 + ring
        oid = p.conn.execute(
            "INSERT INTO options (name, template, created_at) VALUES ('案A', 'area', '2025-10-01')"
        ).lastrowid
        for k in sorted(set(ken.tolist())):
            p.conn.execute(
                "INSERT INTO option_kens (option_id, ken_key, name) VALUES (?,?,?)",
                (oid, f"K{k:02d}", f"第{k + 1}圏域"),
            )
        for i, c in enumerate(cells):
            code = f"{50000 + i:05d}"
            g = MultiPolygon([c]) if c.geom_type == "Polygon" else c
            disp = shapely.segmentize(g, 0.004)
            rp = g.representative_point()
            p.conn.execute(
                "INSERT INTO municipalities (code, fid, pref_code, name, full_name, kind, area_km2, rep_lon, rep_lat, "
                "geom, geom_display) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    code,
                    i + 1,
                    "99",
                    f"町{i}",
                    f"町{i}",
                    "municipality",
                    g.area * 9000,
                    rp.x,
                    rp.y,
                    gpkg.to_blob(g),
                    gpkg.to_blob(disp),
                ),
            )
            p.conn.execute(
                "INSERT INTO option_assignments (option_id, unit_code, ken_key) VALUES (?,?,?)",
                (oid, code, f"K{int(ken[i]):02d}"),
            )
        cats = list(CORE_CATEGORIES)
        tree = shapely.STRtree(cells)
        for fid in range(1, n_fac + 1):
            lon, lat = rng.uniform([133.02, 34.62], [134.58, 35.58])
            hit = tree.query(Point(lon, lat), predicate="within")
            muni = f"{50000 + int(hit[0]):05d}" if len(hit) else None
            cat = cats[fid % len(cats)]
            p.conn.execute(
                "INSERT INTO facilities (id, category, name, name_norm, address, muni_code, status, lon, lat, "
                "geocode_level, active_role, geom) VALUES (?,?,?,?,?,?,'open',?,?,'town',?,?)",
                (
                    fid,
                    cat,
                    f"施設{fid:05d}",
                    f"施設{fid:05d}",
                    f"テスト県町{muni}番地{fid}",
                    muni,
                    lon,
                    lat,
                    int(fid % 97 == 0),
                    gpkg.to_blob(Point(lon, lat)),
                ),
            )
            p.conn.execute(
                "INSERT INTO facility_records (facility_id, source_id, source_family, record_key) VALUES (?,?,?,?)",
                (fid, src, "iryojoho", f"b:{fid}"),
            )
    return p


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=2000)
    ap.add_argument("--facilities", type=int, default=3000)
    ap.add_argument("--kens", type=int, default=20)
    ap.add_argument("--list", action="store_true", help="also time the resource-list PDF")
    ap.add_argument("--pack", action="store_true", help="also time the one-PDF meeting pack")
    ap.add_argument("--keep", action="store_true", help="copy the map PDF to ./bench_map.pdf")
    args = ap.parse_args(argv)
    from zaitaku_map.export import (
        ExportRequest,
        export_csv,
        export_gpkg,
        export_list_pdf,
        export_map_pdf,
        export_pack,
    )
    from zaitaku_map.export.atlas import export_atlas_pdf

    req = ExportRequest("案A")

    out: dict[str, object] = {"units": args.units, "facilities": args.facilities}
    with tempfile.TemporaryDirectory() as td:
        t, c = time.perf_counter(), time.process_time()
        p = build(Path(td) / "bench.gpkg", args.units, args.facilities, args.kens)
        out["build_s"] = round(time.perf_counter() - t, 2)
        out["build_cpu_s"] = round(time.process_time() - c, 2)
        out["kens"] = p.conn.execute("SELECT count(*) FROM option_kens").fetchone()[0]
        out["display_vertices"] = int(
            sum(
                len(shapely.get_coordinates(gpkg.from_blob(b)))
                for (b,) in p.conn.execute("SELECT geom_display FROM municipalities")
            )
        )
        t, c = time.perf_counter(), time.process_time()
        res = export_map_pdf(p, req, Path(td) / "map.pdf")
        out["map_pdf_s"] = round(time.perf_counter() - t, 2)
        out["map_pdf_cpu_s"] = round(time.process_time() - c, 2)
        out["map_pdf_kb"] = round((Path(td) / "map.pdf").stat().st_size / 1024)
        out["labels_placed"] = res.details["labels_placed"]
        t, c = time.perf_counter(), time.process_time()
        export_map_pdf(p, req, Path(td) / "map2.pdf")
        out["map_pdf_warm_s"] = round(time.perf_counter() - t, 2)
        out["map_pdf_warm_cpu_s"] = round(time.process_time() - c, 2)
        t, c = time.perf_counter(), time.process_time()
        export_map_pdf(p, req.with_(paper="A3", landscape=False), Path(td) / "map_a3.pdf")
        out["map_pdf_a3_s"] = round(time.perf_counter() - t, 2)
        out["map_pdf_a3_cpu_s"] = round(time.process_time() - c, 2)
        if args.list:
            t, c = time.perf_counter(), time.process_time()
            r = export_list_pdf(p, req, Path(td) / "list.pdf")
            out["list_pdf_s"] = round(time.perf_counter() - t, 2)
            out["list_pdf_cpu_s"] = round(time.process_time() - c, 2)
            out["list_pages"] = r.pages
        t, c = time.perf_counter(), time.process_time()
        r = export_atlas_pdf(p, req, Path(td) / "atlas.pdf")
        out["atlas_s"] = round(time.perf_counter() - t, 2)
        out["atlas_cpu_s"] = round(time.process_time() - c, 2)
        out["atlas_pages"] = r.pages
        if args.pack:
            t, c = time.perf_counter(), time.process_time()
            r = export_pack(p, req, Path(td) / "pack.pdf")
            out["pack_s"] = round(time.perf_counter() - t, 2)
            out["pack_cpu_s"] = round(time.process_time() - c, 2)
            out["pack_pages"] = r.pages
        t, c = time.perf_counter(), time.process_time()
        export_csv(p, req, Path(td) / "list.csv")
        out["csv_s"] = round(time.perf_counter() - t, 2)
        out["csv_cpu_s"] = round(time.process_time() - c, 2)
        t, c = time.perf_counter(), time.process_time()
        export_gpkg(p, req, Path(td) / "layers.gpkg")
        out["gpkg_s"] = round(time.perf_counter() - t, 2)
        out["gpkg_cpu_s"] = round(time.process_time() - c, 2)
        if args.keep:
            import shutil

            shutil.copy(Path(td) / "map.pdf", "bench_map.pdf")
        p.close()
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
