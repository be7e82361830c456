"""Geocoding accuracy and throughput.

Accuracy: facilities whose source coordinates are trusted (the 医療情報ネット hospitals of 鳥取 with a
non-zero coordinate inside their municipality, and — when ``zaitaku_map.demo.generate_files`` exists —
the demo facility files) are geocoded from their address alone, as if the coordinate were missing;
the error is the distance to the trusted coordinate, reported per level reached (median, p90, max).
A second line measures what the municipality level alone costs: each 鳥取市 town point geocoded
without the town reference.

Throughput: 100,000 addresses (real 鳥取 addresses and town-point addresses with random numbers in
all the spellings the normaliser accepts) are inserted as facilities without coordinates and
geocoded with the town reference loaded.

Normaliser (``--normalizer``): the time of ``normalize_address`` for addresses of 1,000 to 1,000,000
characters (a real address repeated, a run of digits, kanji numerals), against one NFKC pass over the
same text; the time per character stays flat when the normaliser is linear.

Usage::

    python benchmarks/bench_geocode.py [--realdata ../shared/realdata] [--n 100000] [--json]
    python benchmarks/bench_geocode.py --normalizer
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from zaitaku_map.geo import haversine_m
from zaitaku_map.geocode import geocode_project, import_reference, normalize_address
from zaitaku_map.geocode.normalize import int_to_kanji
from zaitaku_map.store import Project, create_project


def _base_project(path: Path, realdata: Path, *, towns: bool) -> Project:
    from zaitaku_map.geodata.n03 import import_boundaries

    p = create_project(path, overwrite=True)
    import_boundaries(p, realdata / "n03" / "N03-21_31_210101.json")
    if towns:
        import_reference(p, realdata / "towns" / "geolonia_towns_tottori_shi.json")
    return p


def _insert(p: Project, rows: list[tuple[str, str | None, str | None]]) -> None:
    """rows: (address, pref_code, muni_code) — facilities without coordinates."""
    with p.transaction():
        p.conn.executemany(
            "INSERT INTO facilities (category, name, address, pref_code, muni_code) VALUES ('hospital', ?, ?, ?, ?)",
            [(f"bench{i}", a, pc, mc) for i, (a, pc, mc) in enumerate(rows)],
        )


def trusted_hospitals(realdata: Path) -> list[tuple[str, str, str, float, float]]:
    """(address, pref_code, muni_code, lon, lat) of 鳥取 hospitals with a non-zero coordinate."""
    zpath = realdata / "iryojoho" / "01-1_hospital_facility_info_20250601.zip"
    with zipfile.ZipFile(zpath) as zf:
        name = zf.namelist()[0]
        text = zf.read(name).decode("utf-8-sig")
    out = []
    for r in csv.DictReader(io.StringIO(text)):
        if r["都道府県コード"] != "31":
            continue
        lat, lon = float(r["所在地座標（緯度）"] or 0), float(r["所在地座標（経度）"] or 0)
        if lat and lon:
            out.append((r["所在地"], "31", "31" + r["市区町村コード"].zfill(3), lon, lat))
    return out


def error_by_level(p: Project, truth: dict[int, tuple[float, float]]) -> dict[str, dict[str, Any]]:
    """Distance from the geocoded point to the trusted one, per level reached (``truth``: id → lon/lat)."""
    per: dict[str, list[float]] = {}
    for fid, level, lon, lat in p.conn.execute("SELECT id, geocode_level, lon, lat FROM facilities"):
        if fid not in truth:
            continue
        errs = per.setdefault(level or "unresolved", [])
        if lon is not None:
            errs.append(float(haversine_m(lon, lat, *truth[fid])))
    out: dict[str, dict[str, Any]] = {}
    for level, errs in per.items():
        a = np.array(errs)
        out[level] = {"n": len(errs)}
        if a.size:
            out[level].update(
                median_m=round(float(np.median(a)), 0),
                p90_m=round(float(np.percentile(a, 90)), 0),
                max_m=round(float(a.max()), 0),
            )
    return out


def _by_id(points: list[tuple[float, float]]) -> dict[int, tuple[float, float]]:
    return {i: pt for i, pt in enumerate(points, start=1)}  # fresh project: ids 1..n in insertion order


def accuracy(realdata: Path, tmp: Path) -> dict[str, Any]:
    res: dict[str, Any] = {}
    hosp = trusted_hospitals(realdata)
    p = _base_project(tmp / "acc.gpkg", realdata, towns=True)
    _insert(p, [(a, pc, None) for a, pc, _mc, _x, _y in hosp])
    geocode_project(p)
    res["hospitals_tottori_with_towns"] = error_by_level(p, _by_id([(x, y) for *_, x, y in hosp]))
    p.close()
    # municipality level alone: 鳥取市 town points geocoded without the reference
    towns = json.loads((realdata / "towns" / "geolonia_towns_tottori_shi.json").read_text(encoding="utf-8"))
    p = _base_project(tmp / "acc2.gpkg", realdata, towns=False)
    _insert(p, [("鳥取県鳥取市" + t["town"] + t["koaza"] + "1番地", "31", None) for t in towns])
    geocode_project(p)
    res["tottori_city_towns_municipality_only"] = error_by_level(
        p, _by_id([(t["lng"], t["lat"]) for t in towns])
    )
    p.close()
    res.update(_demo_accuracy(tmp))
    return res


def _demo_accuracy(tmp: Path) -> dict[str, Any]:
    """Accuracy on the demo generator's facility files (when that domain is available).

    The files are imported as the demo does; facilities whose source coordinate passes every check
    are the truth, their coordinates are then removed and they are geocoded from the address.
    """
    try:
        from zaitaku_map.demo import generate_files
        from zaitaku_map.geodata.n03 import import_boundaries
        from zaitaku_map.importers import import_files
    except ImportError as exc:
        return {"demo": f"skipped: {exc}"}
    try:
        man = generate_files(tmp / "demo_files", seed=0)
        p = create_project(tmp / "demo.gpkg", overwrite=True)
        import_boundaries(p, man["geojson"])
        others = [f for f in man["files"]["facilities"] if f not in man["houkatsu"]]
        import_files(p, others)
        import_files(p, man["houkatsu"], category="houkatsu")
        geocode_project(p, references=[man["isj"]])
        truth = {
            i: (x, y)
            for i, x, y in p.conn.execute(
                "SELECT id, lon, lat FROM facilities WHERE geocode_level='source' AND src_coord_status='ok'"
            )
        }
        with p.transaction():  # pretend the coordinates were missing
            p.conn.executemany(
                "UPDATE facilities SET src_lon=NULL, src_lat=NULL WHERE id=?", [(i,) for i in truth]
            )
        geocode_project(p)
        out = error_by_level(p, truth)
        p.close()
        return {"demo_facilities": out}
    except Exception as exc:
        return {"demo": f"skipped: {type(exc).__name__}: {exc}"}


HY = ["-", "－", "ー", "‐", "−"]


def synthetic_addresses(realdata: Path, n: int, seed: int = 0) -> list[tuple[str, str | None, str | None]]:
    rng = random.Random(seed)
    towns = json.loads((realdata / "towns" / "geolonia_towns_tottori_shi.json").read_text(encoding="utf-8"))
    real = [(a, pc) for a, pc, *_ in trusted_hospitals(realdata)]
    out: list[tuple[str, str | None, str | None]] = []
    for i in range(n):
        if i % 10 == 0:
            a, pc = rng.choice(real)
            out.append((a, pc, None))
            continue
        t = rng.choice(towns)["town"]
        a, b = rng.randint(1, 999), rng.randint(1, 30)
        form = rng.randrange(4)
        if form == 0:
            num = f"{a}{rng.choice(HY)}{b}"
        elif form == 1:
            num = f"{a}番地{b}"
        elif form == 2:
            num = f"{int_to_kanji(a)}番地の{int_to_kanji(b)}"
        else:
            num = f"{a}".translate(str.maketrans("0123456789", "０１２３４５６７８９")) + "番"
        pref = "鳥取県" if rng.random() < 0.5 else ""
        out.append((f"{pref}鳥取市{t}{num}", "31", None))
    return out


def throughput(realdata: Path, tmp: Path, n: int) -> dict[str, Any]:
    addrs = synthetic_addresses(realdata, n)
    t0 = time.perf_counter()
    for a, pc, _ in addrs:
        normalize_address(a, pref=pc)
    t_norm = time.perf_counter() - t0
    p = _base_project(tmp / "tp.gpkg", realdata, towns=True)
    _insert(p, addrs)
    t0 = time.perf_counter()
    r = geocode_project(p)
    t_geo = time.perf_counter() - t0
    t0 = time.perf_counter()
    r2 = geocode_project(p)
    t_rerun = time.perf_counter() - t0
    p.close()
    return {
        "addresses": n,
        "normalize_per_s": round(n / t_norm),
        "geocode_s": round(t_geo, 2),
        "geocode_per_s": round(n / t_geo),
        "levels": {k: v for k, v in r["levels"].items() if v},
        "rerun_unchanged_s": round(t_rerun, 2),
        "rerun_processed": r2["processed"],
    }


NORMALIZER_TEXTS = {
    # how an address of n characters is built: a real address repeated, a run of digits, kanji numerals
    "address_repeated": lambda n: ("鳥取県鳥取市東町三丁目2番地の5号" * (n // 18 + 1))[:n],
    "digits": lambda n: "鳥取県鳥取市" + "1" * (n - 6),
    "kanji_numerals": lambda n: "鳥取県鳥取市" + "一" * (n - 8) + "丁目",
}


def normalizer(lengths: tuple[int, ...] = (1_000, 10_000, 100_000, 1_000_000)) -> dict[str, object]:
    """Time of ``normalize_address`` against address length, with a linear floor as the named
    baseline: one NFKC pass over the same text (``unicodedata.normalize``); best of 3 runs each."""
    import unicodedata

    from zaitaku_map.geocode.normalize import normalize_address

    def best(fn, text: str) -> float:  # type: ignore[no-untyped-def]
        out = []
        for _ in range(3):
            t0 = time.perf_counter()
            fn(text)
            out.append(time.perf_counter() - t0)
        return min(out)

    result: dict[str, object] = {"baseline": "unicodedata.normalize('NFKC') of the same text"}
    for name, build in NORMALIZER_TEXTS.items():
        rows = []
        for n in lengths:
            text = build(n)
            ours = best(normalize_address, text)
            floor = best(lambda x: unicodedata.normalize("NFKC", x), text)
            rows.append({"chars": n, "seconds": round(ours, 4), "vs_nfkc": round(ours / floor, 1)})
        per_char = [r["seconds"] / r["chars"] for r in rows]  # type: ignore[operator]
        result[name] = {
            "runs": rows,
            "ns_per_char": [round(x * 1e9) for x in per_char],
            "growth_last_decade": round(rows[-1]["seconds"] / max(rows[-2]["seconds"], 1e-9), 1),  # type: ignore[operator]
        }
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--realdata", default=str(Path(__file__).resolve().parents[2] / "shared" / "realdata"))
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--json", action="store_true")
    ap.add_argument(
        "--normalizer", action="store_true", help="only time normalize_address against address length"
    )
    args = ap.parse_args(argv)
    if args.normalizer:
        print(json.dumps(normalizer(), ensure_ascii=False))
        return 0
    realdata = Path(args.realdata)
    if not (realdata / "n03").is_dir():
        print(f"real data not found: {realdata}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        result = {"accuracy": accuracy(realdata, tmp), "throughput": throughput(realdata, tmp, args.n)}
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print("== accuracy (error vs trusted coordinate, metres) ==")
        for name, per in result["accuracy"].items():
            print(f"{name}:")
            if isinstance(per, str):
                print(f"  {per}")
                continue
            for level, s in per.items():
                extra = (
                    f" median {s['median_m']:.0f}  p90 {s['p90_m']:.0f}  max {s['max_m']:.0f}"
                    if "median_m" in s
                    else ""
                )
                print(f"  {level:<13} n={s['n']:<5}{extra}")
        t = result["throughput"]
        print("== throughput ==")
        print(f"  normalize_address: {t['normalize_per_s']:,} addresses/s")
        print(
            f"  geocode_project:   {t['addresses']:,} addresses in {t['geocode_s']} s = {t['geocode_per_s']:,}/s "
            f"(levels {t['levels']})"
        )
        print(f"  re-run (nothing changed): {t['rerun_unchanged_s']} s, processed {t['rerun_processed']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
