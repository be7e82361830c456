"""Benchmark: import a national-size 医療情報ネット clinic file (~80k rows × 65 columns), or a large
介護サービス情報公表 CSV / generic facility table (``--kind kaigo|table --rows 1000000``).

Compares ``zaitaku_map.importers.import_files`` with a plain baseline of the same rows —
``pandas.read_csv(dtype=str)`` + SQLite ``executemany`` into one table of the file's columns, same
pragmas (rollback journal, ``synchronous=FULL``, one transaction) — and prints the time ratio and the
peak memory (max RSS) of each, every run in a fresh subprocess, then one JSON line.

Usage::

    python benchmarks/bench_import.py [--kind clinic|kaigo|table] [--rows 80000] [--repeat 2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

_DAYS = "月火水木金土日"
HEADER = (
    [
        "ID",
        "正式名称",
        "正式名称（フリガナ）",
        "略称",
        "略称（フリガナ）",
        "英語表記（ローマ字表記）",
        "機関区分",
        "都道府県コード",
        "市区町村コード",
        "所在地",
        "所在地座標（緯度）",
        "所在地座標（経度）",
        "案内用ホームページアドレス",
    ]
    + [f"毎週決まった曜日に休診（{d}）" for d in _DAYS]
    + [f"決まった週に休診（定期週）第{w}週（{d}）" for w in range(1, 6) for d in _DAYS]
    + [
        "祝日に休診",
        "その他の休診日（gw、お盆等）",
        "一般病床",
        "療養病床",
        "療養病床のうち医療保険適用",
        "療養病床のうち介護保険適用",
        "精神病床",
        "結核病床",
        "感染症病床",
        "合計病床数",
    ]
)


def generate(path: Path, rows: int, seed: int = 0) -> Path:
    """Write a clinic file shaped like 02-1_clinic_facility_info_YYYYMMDD.csv (zipped, UTF-8 BOM, all quoted)."""
    rnd = random.Random(seed)
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    w.writerow(HEADER)
    for i in range(rows):
        pref = rnd.randint(1, 47)
        city = rnd.choice((101, 201, 202, 203, 301, 321, 422))
        zero = rnd.random() < 0.035
        lat = "0.0" if zero else f"{rnd.uniform(26.0, 45.0):.6f}"
        lon = "0.0" if zero else f"{rnd.uniform(127.0, 145.0):.6f}"
        row = [
            f"{pref:02d}{city:03d}{i:08d}",
            f"医療法人社団テスト会　テスト{i}クリニック",
            f"テスト{i}クリニック",
            "",
            "",
            f"Test Clinic {i}",
            "2",
            f"{pref:02d}",
            f"{city:03d}",
            f"テスト県テスト市中央町{rnd.randint(1, 9)}丁目{rnd.randint(1, 30)}番{rnd.randint(1, 20)}号",
            lat,
            lon,
            f"https://clinic{i}.example.jp/",
        ]
        row += [rnd.choice("01") for _ in range(7 + 35 + 1)]
        row += ["01月01日，12月31日"]
        beds = rnd.choice(("", "", "", "19", "5"))
        row += [beds, "", "", "", "", "", "", beds]
        w.writerow(row)
    data = buf.getvalue().encode("utf-8-sig")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("02-1_clinic_facility_info_20250601.csv", data)
    return path


def generate_kaigo(path: Path, rows: int, seed: int = 0) -> Path:
    """A ``jigyosho_130.csv`` shaped file of ``rows`` 訪問看護 offices (UTF-8 BOM, CRLF)."""
    from zaitaku_map.demo.facility_files import KAIGO_HEADER

    rnd = random.Random(seed)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(KAIGO_HEADER)
        for i in range(rows):
            city = rnd.choice((201, 202, 203, 204, 302, 325, 384))
            w.writerow(
                [
                    f"31{city:03d}{i % 10}",
                    str(i + 1),
                    "鳥取県",
                    "鳥取市",
                    f"訪問看護ステーションテスト{i}",
                    f"ホウモンカンゴステーションテスト{i}",
                    "訪問看護",
                    f"鳥取市テスト町{rnd.randint(1, 9)}丁目{rnd.randint(1, 30)}番{rnd.randint(1, 20)}号",
                    "",
                    f"{rnd.uniform(35.0, 35.6):.6f}",
                    f"{rnd.uniform(133.2, 134.4):.6f}",
                    f"0857-{i % 100:02d}-{i % 10000:04d}",
                    "",
                    f"{i:013d}",
                    f"株式会社テスト{i % 5000}",
                    f"31{i:08d}",
                    "月火水木金",
                    "",
                    str(rnd.randint(0, 50)),
                    f"https://example.jp/{i}",
                    "",
                    "",
                    "",
                    "",
                ]
            )
    return path


def generate_table(path: Path, rows: int, seed: int = 0) -> Path:
    """A generic facility list (名称・住所・種別・電話番号・緯度・経度) of ``rows`` pharmacies."""
    rnd = random.Random(seed)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(["名称", "住所", "種別", "電話番号", "緯度", "経度"])
        for i in range(rows):
            w.writerow(
                [
                    f"テスト薬局{i}",
                    f"鳥取県鳥取市テスト町{rnd.randint(1, 9)}丁目{rnd.randint(1, 30)}番{rnd.randint(1, 20)}号",
                    "薬局",
                    f"0857-{i % 100:02d}-{i % 10000:04d}",
                    f"{rnd.uniform(35.0, 35.6):.6f}",
                    f"{rnd.uniform(133.2, 134.4):.6f}",
                ]
            )
    return path


def _read_all(path: Path) -> bytes:
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            return zf.read(zf.namelist()[0])
    return path.read_bytes()


def run_baseline(zip_path: Path, db: Path) -> dict[str, float]:
    import pandas as pd

    t0 = time.perf_counter()
    data = _read_all(zip_path)
    df = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA synchronous = FULL")
    cols = ", ".join(f"c{i} TEXT" for i in range(len(df.columns)))
    conn.execute(f"CREATE TABLE t ({cols})")
    with conn:
        conn.executemany(
            f"INSERT INTO t VALUES ({','.join('?' * len(df.columns))})", df.itertuples(index=False, name=None)
        )
    conn.close()
    return {"seconds": time.perf_counter() - t0, "rows": float(len(df))}


def run_ours(zip_path: Path, db: Path) -> dict[str, float]:
    from zaitaku_map.importers import import_files
    from zaitaku_map.store import create_project

    project = create_project(db)  # not timed: creating the empty project is not part of an import
    t0 = time.perf_counter()
    kind = "table" if zip_path.name.startswith("薬局") else "auto"
    (rep,) = import_files(project, [zip_path], format=kind, category="pharmacy" if kind == "table" else None)
    dt = time.perf_counter() - t0
    project.close()
    return {"seconds": dt, "rows": float(rep.added)}


def _child(mode: str, zip_path: str, db: str) -> None:
    fn = run_baseline if mode == "baseline" else run_ours
    out = fn(Path(zip_path), Path(db))
    out["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def _spawn(mode: str, zip_path: Path, db: Path) -> dict[str, float]:
    res = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(zip_path), str(db)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--kind", choices=["clinic", "kaigo", "table"], default="clinic")
    ap.add_argument("--rows", type=int, default=80_000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--keep", help="folder to keep the generated file and databases")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(*args.child)
        return
    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="zm_bench_"))
    tmp.mkdir(parents=True, exist_ok=True)
    if args.kind == "kaigo":
        src, width = generate_kaigo(tmp / "jigyosho_130.csv", args.rows), 24
    elif args.kind == "table":
        src, width = generate_table(tmp / "薬局一覧.csv", args.rows), 6
    else:
        src, width = generate(tmp / "02-1_clinic_facility_info_20250601.zip", args.rows), len(HEADER)
    print(f"input: {src.name} {args.rows} rows × {width} columns, {src.stat().st_size / 1e6:.1f} MB")
    base, ours = [], []
    for k in range(args.repeat):
        for mode, acc in (("baseline", base), ("ours", ours)):
            db = tmp / f"{mode}{k}.sqlite"
            db.unlink(missing_ok=True)
            acc.append(_spawn(mode, src, db))
    b = min(x["seconds"] for x in base)
    o = min(x["seconds"] for x in ours)
    print(
        f"baseline pandas.read_csv + executemany: {b:6.2f} s  peak RSS {max(x['max_rss_mb'] for x in base):7.0f} MB"
    )
    print(
        f"zaitaku-map import_files:               {o:6.2f} s  peak RSS {max(x['max_rss_mb'] for x in ours):7.0f} MB"
        f"  ({ours[0]['rows']:.0f} facilities)"
    )
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    pairs = sorted(x["seconds"] / y["seconds"] for x, y in zip(ours, base, strict=True))
    print(
        f"ratio ours / baseline: {o / b:.2f}× of the best runs, median of interleaved pairs "
        f"{pairs[len(pairs) // 2]:.2f}× (target ≤ 2×)"
    )
    print(
        json.dumps(
            {
                "kind": args.kind,
                "rows": args.rows,
                "baseline": "pandas.read_csv + sqlite executemany",
                "baseline_s": round(b, 2),
                "ours_s": round(o, 2),
                "ratio": round(o / b, 2),
                "median_pair_ratio": round(pairs[len(pairs) // 2], 2),
                "baseline_peak_mb": round(max(x["max_rss_mb"] for x in base)),
                "ours_peak_mb": round(max(x["max_rss_mb"] for x in ours)),
                "facilities": int(ours[0]["rows"]),
            }
        )
    )


if __name__ == "__main__":
    main()
