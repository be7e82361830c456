"""Benchmark of the demo generator at national scale.

Usage::

    python benchmarks/bench_demo.py [--scale 25] [--seed 0] [--keep DIR]

Writes all demo files for ``scale`` copies of 「デモ県」 (25 ≈ 1.45M road nodes, 33k facilities,
23M people in 316k meshes) and prints ONE JSON line: seconds, peak RSS, counts, bytes per group.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import psutil

from zaitaku_map.demo import generate_files


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, default=25)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep", default=None, help="write into DIR and keep it")
    args = ap.parse_args()
    out = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_demo_"))
    t0 = time.perf_counter()
    man = generate_files(out, seed=args.seed, scale=args.scale)
    secs = time.perf_counter() - t0
    sizes = {g: sum(Path(p).stat().st_size for p in ps) for g, ps in man["files"].items()}
    rss = psutil.Process().memory_info().rss
    print(
        json.dumps(
            {
                "scale": args.scale,
                "seconds": round(secs, 1),
                "rss_mb": round(rss / 2**20),
                "counts": man["counts"],
                "bytes": sizes,
            },
            ensure_ascii=False,
        )
    )
    if not args.keep:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
