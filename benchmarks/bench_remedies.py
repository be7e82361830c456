"""Benchmark of the live what-if and of the facility suggestions.

Usage::

    python benchmarks/bench_remedies.py --case demo        # the built-in demo project
    python benchmarks/bench_remedies.py --case large       # 1.3 M-node network (demo ×23, as bench_coverage)

Prints ONE JSON line.

``demo`` (a demo project built in a temporary folder):

- ``edit_s``: median of one what-if edit *including* the uncovered-population update of every area layer
  (add a hypothetical 在支診 at a gap point, close a 在支診, move one, undo), through ``LiveScenario``;
  baseline ``full_s``: a full recompute of the same edited facility set (``scenario_coverage``) plus the
  per-area sums — ``ratio_full_vs_edit``.
- ``exact_equal``: the live times equal the full recompute after every edit (bitwise).
- ``suggest_s`` for 在支診・在支病, k = 5 and 10, clinics + hospitals and a 2 km grid, with the greedy vs exact
  MILP gap (``gap``), the instance bound (``gap_bound``) and the MILP time.

``large`` (the road network of ``bench_coverage --size full``: the demo generator's ×23 ``.osm.pbf``, else a
synthetic 1000×1000 grid; random facilities and demand points as there):

- ``edit_s``: median of adds / closures / moves with the uncovered update over 300 areas (``LiveCoverage``);
  baseline: the full multi-source recompute of the edited set (``category_coverage``) + the sums.
- ``suggest_s``: 10 sites from 2,000 candidates (coverage matrix + lazy greedy; goal ≤ 30 s, ``goal_met``) on
  a baseline of ``--sparse-facilities`` (150: about 57 % covered, gaps over most of the network; 1000: 93 %);
  baseline ``naive_s``: a bounded Dijkstra per candidate on the whole network (no useful-region pruning, no
  boxes, no potentials), timed on ``--naive-sample`` candidates and extrapolated.  ``suggest_cpu_s`` is the
  process CPU time of the same step (wall times swing on a shared machine).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _median_time(fn: Any, n: int) -> float:
    runs = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


# -- demo ----------------------------------------------------------------------------------------
def bench_demo(args: argparse.Namespace) -> dict[str, Any]:
    from zaitaku_map.demo import build_demo_project
    from zaitaku_map.remedies import LiveScenario, scenario_coverage
    from zaitaku_map.remedies.candidates import CandidateSpec
    from zaitaku_map.remedies.places import area_groups, sum_by
    from zaitaku_map.remedies.suggest import suggest
    from zaitaku_map.store import open_project

    out: dict[str, Any] = {"case": "demo"}
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "demo.gpkg"
        t = time.perf_counter()
        build_demo_project(path)
        out["build_s"] = round(time.perf_counter() - t, 1)
        p = open_project(path)
        t = time.perf_counter()
        live = LiveScenario(p, category="zaishi")
        out["live_open_s"] = round(time.perf_counter() - t, 3)
        gaps = live.gap_points().sort_values("pop_total", ascending=False)
        fac = live.facilities()
        rng = np.random.default_rng(args.seed)
        edit_times: list[float] = []
        full_times: list[float] = []
        equal = True
        groups = area_groups(p, live.demand)
        pops = live.demand.df[["pop_total", "pop_65", "pop_75"]].fillna(0.0).to_numpy()
        for i in range(args.edits):
            kind = i % 4
            if kind == 0:
                g = gaps.iloc[i % len(gaps)]
                res = live.add_site(float(g.lon), float(g.lat))
            elif kind == 1:
                res = live.close_facility(int(rng.choice(fac.loc[~fac["hypothetical"], "id"])))
            elif kind == 2:
                g = gaps.iloc[(i * 7) % len(gaps)]
                res = live.move_site(max(live.state.sites), float(g.lon), float(g.lat))
            else:
                res = live.undo()
            edit_times.append(res.seconds)
            t = time.perf_counter()
            full = scenario_coverage(p, live.state, live.params, categories=["zaishi"])
            cov = full.times("zaishi") <= live.params.minutes
            for gr in groups.values():
                sum_by(gr.index, pops * (~cov)[:, None], len(gr.keys))
            full_times.append(time.perf_counter() - t)
            equal = equal and bool(np.array_equal(full.times("zaishi"), live.times))
        out.update(
            edits=len(edit_times),
            edit_s=round(statistics.median(edit_times), 4),
            edit_max_s=round(max(edit_times), 4),
            full_s=round(statistics.median(full_times), 3),
            ratio_full_vs_edit=round(statistics.median(full_times) / statistics.median(edit_times), 1),
            exact_equal=equal,
            baseline="full recompute of the edited facility set (scenario_coverage) + per-area sums",
        )
        runs = []
        for k in (5, 10):
            for spec_name, spec in (
                ("clinics+hospitals", CandidateSpec()),
                ("grid2km", CandidateSpec(sets=("grid",), grid_m=2000)),
            ):
                t = time.perf_counter()
                s = suggest(p, category="zaishi", k=k, candidates=spec, exact=True)
                runs.append(
                    {
                        "k": k,
                        "candidates": spec_name,
                        "n_candidates": s.candidates,
                        "useful": s.candidates_useful,
                        "suggest_s": round(time.perf_counter() - t, 2),
                        "greedy_gain": round(s.sites[-1].cumulative - s.baseline_covered, 1)
                        if s.sites
                        else 0.0,
                        "exact_gain": round(s.exact.value, 1) if s.exact else None,
                        "gap": None if s.gap is None else round(s.gap, 5),
                        "gap_bound": None if s.gap_bound is None else round(s.gap_bound, 4),
                        "milp_s": round(s.exact.seconds, 2) if s.exact else None,
                        "milp_status": s.exact.status if s.exact else None,
                        "point_classes": s.exact.point_classes if s.exact else None,
                    }
                )
        out["suggest"] = runs
        p.close()
    return out


# -- large ---------------------------------------------------------------------------------------
def _large_network(args: argparse.Namespace) -> tuple[Any, str]:
    import bench_coverage as bc

    from zaitaku_map.network import build_network

    raw = None
    source = "synthetic"
    if args.source in ("auto", "demo"):
        with tempfile.TemporaryDirectory() as d:
            got = bc.demo_raw("full", Path(d))
        if got is not None:
            raw, source = got
    if raw is None:
        side = bc.SIZES["full"][0]
        raw = bc.synthetic_raw(side, args.seed)
        source = f"synthetic:grid{side}x{side}"
    net, _report = build_network(raw)
    del raw
    gc.collect()
    net.kdtree()
    return net, source


def bench_large(args: argparse.Namespace) -> dict[str, Any]:
    from scipy.sparse.csgraph import dijkstra

    from zaitaku_map.coverage import CoverageParams
    from zaitaku_map.coverage.engine import augmented, category_coverage, weights
    from zaitaku_map.coverage.incremental import WhatIf
    from zaitaku_map.coverage.inputs import Demand
    from zaitaku_map.network.snap import snap_points
    from zaitaku_map.remedies.live import LiveCoverage
    from zaitaku_map.remedies.mclp import lazy_greedy
    from zaitaku_map.remedies.places import Grouping, sum_by
    from zaitaku_map.remedies.reach import network_reach

    t = time.perf_counter()
    net, source = _large_network(args)
    out: dict[str, Any] = {"case": "large", "source": source, "network_s": round(time.perf_counter() - t, 1)}
    out.update(nodes=net.n_nodes, edges=net.n_edges)
    rng = np.random.default_rng(args.seed)
    jitter = 0.0008

    def points(n: int) -> tuple[np.ndarray, np.ndarray]:
        idx = rng.choice(net.n_nodes, size=n, replace=False)
        return (
            net.lon[idx] + rng.uniform(-jitter, jitter, n),
            net.lat[idx] + rng.uniform(-jitter, jitter, n),
        )

    flon, flat = points(args.facilities)
    fac = pd.DataFrame({"id": np.arange(1, args.facilities + 1), "name": "f", "lon": flon, "lat": flat})
    dlon, dlat = points(args.demand)
    ddf = pd.DataFrame(
        {
            "fid": np.arange(1, args.demand + 1),
            "muni_code": [f"{i % 300:05d}" for i in range(args.demand)],
            "lon": dlon,
            "lat": dlat,
            "pop_total": rng.integers(1, 200, args.demand).astype(float),
            "pop_65": 30.0,
            "pop_75": 15.0,
            "pop_85": 5.0,
        }
    )
    demand = Demand(df=ddf, coarse=False, content_hash="bench-remedies")
    params = CoverageParams()
    t = time.perf_counter()
    editor = WhatIf.from_facilities(net, demand, fac, params)
    keys = sorted(set(ddf["muni_code"]))
    pos = {k: i for i, k in enumerate(keys)}
    grouping = Grouping(keys, {}, np.array([pos[m] for m in ddf["muni_code"]], dtype=np.int64))
    pops = ddf[["pop_total", "pop_65", "pop_75"]].to_numpy()
    live = LiveCoverage(editor, pops, {"areas": grouping}, params.minutes)
    out["live_open_s"] = round(time.perf_counter() - t, 2)
    out["facilities"] = args.facilities
    out["demand_points"] = args.demand
    out["baseline_share"] = round(live.covered / live.total, 4)
    # edits: add at random nodes, close random facilities, move the added ones
    edit_times: list[float] = []
    new_ids: list[int] = []
    alon, alat = points(args.edits)
    for i in range(args.edits):
        t = time.perf_counter()
        kind = i % 3
        if kind == 0 or not new_ids:
            fid = 10_000_000 + i
            editor.add(float(alon[i]), float(alat[i]), facility_id=fid, strict=False)
            new_ids.append(fid)
        elif kind == 1:
            editor.remove(int(rng.choice(fac["id"])) if i % 2 else new_ids.pop())
        else:
            editor.move(new_ids[-1], float(alon[i]), float(alat[i]), strict=False)
        live.refresh()
        edit_times.append(time.perf_counter() - t)
    # baseline: a full recompute of the current facility set + the per-area sums
    current = fac[fac["id"].isin(editor.active_ids())]
    full_runs = []
    for _ in range(2):
        t = time.perf_counter()
        cc = category_coverage(net, demand, current, params, "bench")
        cov = cc.times <= params.minutes
        sum_by(grouping.index, pops * (~cov)[:, None], len(keys))
        full_runs.append(time.perf_counter() - t)
    out.update(
        edits=len(edit_times),
        edit_s=round(statistics.median(edit_times), 4),
        edit_max_s=round(max(edit_times), 4),
        full_s=round(min(full_runs), 3),
        ratio_full_vs_edit=round(min(full_runs) / statistics.median(edit_times), 1),
        baseline="full multi-source recompute (category_coverage) + per-area sums",
    )
    # suggestions: 10 sites from 2,000 candidates, on a sparser baseline so that gaps exist
    sparse = fac.sample(n=args.sparse_facilities, random_state=args.seed)
    cc = category_coverage(net, demand, sparse, params, "bench")
    uncovered = ~(cc.times <= params.minutes)
    clon, clat = points(args.candidates)
    w = ddf["pop_total"].to_numpy()
    t = time.perf_counter()
    cpu = time.process_time()
    reach = network_reach(net, demand, uncovered, clon, clat, params, minutes=params.minutes)
    reach_s = time.perf_counter() - t
    t = time.perf_counter()
    g = lazy_greedy(reach.matrix, w[reach.points], 10)
    greedy_s = time.perf_counter() - t
    suggest_s = reach_s + greedy_s
    suggest_cpu_s = time.process_time() - cpu
    out.update(
        suggest_facilities=args.sparse_facilities,
        suggest_baseline_share=round(float(w[~uncovered].sum() / w.sum()), 4),
        candidates=args.candidates,
        candidates_useful=int((np.diff(reach.matrix.indptr) > 0).sum()),
        uncovered_points=int(uncovered.sum()),
        region_nodes=reach.region_nodes,
        reach_s=round(reach_s, 2),
        reverse_search_s=round(reach.seconds_reverse, 2),
        greedy_s=round(greedy_s, 3),
        suggest_s=round(suggest_s, 2),
        suggest_cpu_s=round(suggest_cpu_s, 2),
        goal_suggest_s=30.0,
        goal_met=bool(suggest_s <= 30.0),
        greedy_gain=round(g.value, 1),
        gap_bound=round((g.upper_bound - g.value) / g.upper_bound, 4) if g.upper_bound > 0 else 0.0,
    )
    # naive baseline: one bounded search per candidate on the whole network, plain greedy
    wmat = weights(net, params)
    ds = snap_points(
        net, demand.lon, demand.lat, max_snap_m=params.max_snap_m, access_speed_kmh=params.access_speed_kmh
    )
    cs = snap_points(net, clon, clat, max_snap_m=params.max_snap_m, access_speed_kmh=params.access_speed_kmh)
    sample = rng.choice(
        np.flatnonzero(cs.on_network), size=min(args.naive_sample, args.candidates), replace=False
    )
    n = net.n_nodes
    t = time.perf_counter()
    for j in sample:
        a = augmented(wmat, np.array([cs.node[j]]), np.array([cs.leg_min[j]]))
        d = dijkstra(a, directed=True, indices=n, limit=params.minutes)[:n]
        tt = d[ds.node] + ds.leg_min
        _cover = np.flatnonzero(uncovered & (tt <= params.minutes))
    naive_per = (time.perf_counter() - t) / len(sample)
    naive_s = naive_per * args.candidates
    out.update(
        naive_s=round(naive_s, 1),
        naive_extrapolated_from=len(sample),
        ratio_naive_vs_ours=round(naive_s / suggest_s, 1),
        naive_baseline="bounded Dijkstra per candidate on the whole network (+ greedy, not counted)",
    )
    return out


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", choices=["demo", "large"], default="demo")
    ap.add_argument("--source", choices=["auto", "demo", "synthetic"], default="auto")
    ap.add_argument("--edits", type=int, default=40)
    ap.add_argument("--facilities", type=int, default=1000)
    ap.add_argument("--sparse-facilities", type=int, default=150)
    ap.add_argument("--demand", type=int, default=200_000)
    ap.add_argument("--candidates", type=int, default=2000)
    ap.add_argument("--naive-sample", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    out = bench_demo(args) if args.case == "demo" else bench_large(args)
    out["peak_rss_mb"] = round(peak_rss_mb(), 0)
    out["cpu_count"] = os.cpu_count()
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
