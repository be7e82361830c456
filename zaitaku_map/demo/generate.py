"""Write every file of the demo region: :func:`generate_files`.

The same ``seed`` and ``scale`` give byte-identical files (fixed zip/xlsx/DBF timestamps, sorted
rows, no clock or random state outside the seeded generators).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from zaitaku_map.demo import (
    agreements,
    areas,
    facilities,
    facility_files,
    n03,
    population,
    projection,
    roads,
    towns,
)
from zaitaku_map.demo.geography import build_region, tiles
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback

README_TEXT = """このフォルダのファイルは zaitaku-map が生成したデモデータ（架空の「デモ県」）です。
実在の自治体・医療機関・介護事業所・道路とは一切関係ありません。
形式は公式ファイル（国土数値情報 N03、医療情報ネット、介護サービス情報公表システム、
地方厚生局 届出受理医療機関名簿、e-Stat 地域メッシュ統計、OpenStreetMap、位置参照情報、
社人研「日本の地域別将来推計人口」、厚生労働省「構想区域別の医療需要推計」）に合わせています。
"""

# the dates the files are "as of", where the user reads them off the download (N03 file name, census year)
N03_DATE = "2021-01-01"
CENSUS_YEAR = "2020"

# manifest keys -> folder inside out_dir
LAYOUT = {
    "boundaries": "n03",
    "areas": "areas",
    "population": "population",
    "roads": "osm",
    "facilities": "facilities",
    "towns": "towns",
    "projection": "projection",
    "agreements": "agreements",
}


def generate_files(
    out_dir: str | Path,
    *,
    seed: int = 0,
    scale: int = 1,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> dict[str, Any]:
    """Write the demo files into ``out_dir`` and return a manifest.

    Returns
    -------
    dict
        ``{"out_dir", "seed", "scale", "prefectures": [{code, name}], "files": {group: [paths]},
        "geojson", "shapefile", "iryoken_csv", "hokenjo_xlsx", "mesh_files", "pbf", "iryojoho",
        "kaigo", "kouseikyoku", "houkatsu", "isj", "projection_files", "counts": {...},
        "sha256": {relpath: hash}}``
        (paths are strings, relative paths in ``sha256``).
    """
    prog = Progress.of(progress, cancel)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tl = tiles(scale)
    region = build_region(seed)
    dirs = {k: out / v for k, v in LAYOUT.items()}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    man: dict[str, Any] = {
        "out_dir": str(out),
        "seed": seed,
        "scale": scale,
        "n03_date": N03_DATE,
        "census_year": CENSUS_YEAR,
        "prefectures": [{"code": t.pref_code, "name": t.pref_name} for t in tl],
    }
    steps = 9
    prog.update(0, "境界")
    rows = n03.n03_rows(region, tl)
    stamp = "99" if scale == 1 else "00"
    day = N03_DATE[2:].replace("-", "")  # 210101
    man["geojson"] = str(n03.write_geojson(dirs["boundaries"] / f"N03-21_{stamp}_{day}.json", rows))
    prog.update(1 / steps * prog.total, "境界 (Shapefile)")
    man["shapefile"] = str(
        n03.write_shapefile_zip(
            dirs["boundaries"] / f"N03-21_{stamp}_{day}_shp.zip", rows, f"N03-21_{stamp}_{day}"
        )
    )
    prog.update(2 / steps * prog.total, "圏域表")
    man["iryoken_csv"] = str(
        areas.write_iryoken_csv(dirs["areas"] / "二次医療圏_市区町村対応表.csv", region, tl)
    )
    man["hokenjo_xlsx"] = str(areas.write_hokenjo_xlsx(dirs["areas"] / "保健所圏域一覧.xlsx", region, tl))
    prog.update(3 / steps * prog.total, "施設")
    man["iryojoho"] = [str(p) for p in facility_files.write_iryojoho(dirs["facilities"], tl, seed)]
    man["kaigo"] = [str(p) for p in facility_files.write_kaigo(dirs["facilities"], tl, seed)]
    prog.update(4 / steps * prog.total, "厚生局名簿")
    man["kouseikyoku"] = [str(p) for p in facility_files.write_kouseikyoku(dirs["facilities"], tl, seed)]
    man["houkatsu"] = [str(p) for p in facility_files.write_houkatsu(dirs["facilities"], tl, seed)]
    man["agreements"] = str(agreements.write_agreements(dirs["agreements"], tl, seed))
    prog.update(5 / steps * prog.total, "道路")
    pbf = dirs["roads"] / ("demo-latest.osm.pbf" if scale == 1 else f"demo-x{scale}-latest.osm.pbf")
    man["road_counts"] = roads.write_pbf(pbf, tl, seed)
    man["pbf"] = str(pbf)
    prog.update(7 / steps * prog.total, "人口メッシュ")
    man["mesh_files"] = [str(p) for p in population.write_mesh_files(dirs["population"], tl, seed)]
    prog.update(8 / steps * prog.total, "将来推計人口・需要推計")
    proj = projection.write_projection_files(dirs["projection"], tl, seed)
    # import order: the detail workbook (男女・5歳階級), the summary tables, the demand file, the rates
    man["projection_files"] = proj["detail"] + proj["summary"] + proj["demand"] + proj["rates"]
    prog.update(8.5 / steps * prog.total, "位置参照情報")
    isj = dirs["towns"] / ("99_2024.csv" if scale == 1 else "demo_towns_2024.csv")
    man["isj"] = str(towns.write_isj_csv(isj, tl, seed))
    _write_manifest(out, man)
    prog.update(prog.total, "完了", force=True)
    return man


def _write_manifest(out: Path, man: dict[str, Any]) -> None:
    """Add the file groups, expected counts and hashes to ``man``; write README and ``manifest.json``."""
    (out / "README_デモデータ.txt").write_text(README_TEXT, encoding="utf-8")
    man["files"] = {
        "boundaries": [man["geojson"], man["shapefile"]],
        "areas": [man["iryoken_csv"], man["hokenjo_xlsx"]],
        "population": man["mesh_files"],
        "roads": [man["pbf"]],
        "facilities": man["iryojoho"] + man["kaigo"] + man["kouseikyoku"] + man["houkatsu"],
        "geocode_reference": [man["isj"]],
        "projection": man["projection_files"],
        "agreements": [man["agreements"]],
    }
    man["counts"] = counts(man["seed"], man["scale"])
    man["sha256"] = {
        str(Path(p).relative_to(out)): hashlib.sha256(Path(p).read_bytes()).hexdigest()
        for group in man["files"].values()
        for p in group
    }
    on_disk = {k: v for k, v in man.items() if k in ("seed", "scale", "prefectures", "counts", "sha256")}
    on_disk["files"] = {g: [str(Path(p).relative_to(out)) for p in ps] for g, ps in man["files"].items()}
    (out / "manifest.json").write_text(
        json.dumps(on_disk, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8"
    )


def counts(seed: int = 0, scale: int = 1) -> dict[str, int]:
    """Expected sizes of the generated data (for tests and benchmarks)."""
    region = build_region(seed)
    facs = facilities.build_facilities(seed)
    tpl = roads.build_template(seed)
    mp = population.mesh_population(seed)
    by_kind: dict[str, int] = {}
    for f in facs:
        by_kind[f.kind] = by_kind.get(f.kind, 0) + 1
    return {
        "municipalities": len(region.muni_geoms) * scale,
        "facilities": len(facs) * scale,
        "zaishi_clinic": sum(1 for f in facs if f.zaishi.startswith("支援診")) * scale,
        "zaishi_hospital": sum(1 for f in facs if f.zaishi.startswith("支援病")) * scale,
        **{f"facility_{k}": v * scale for k, v in sorted(by_kind.items())},
        "mesh_cells": len(mp.x) * scale,
        "population": int(mp.total.sum()) * scale,
        "road_nodes": len(tpl.x) * scale,
        "road_ways": len(tpl.ways) * scale,
    }
