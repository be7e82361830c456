"""Benchmark of the 協力医療機関 travel times: every care facility → every institution within 30 minutes.

Usage::

    python benchmarks/bench_partners.py [--size small|full] [--facilities 1000] [--institutions 500]
                                        [--nx-pairs 60] [--repeat 3] [--network FILE.npz]

Prints ONE JSON line::

    {"nodes", "edges", "facilities", "institutions", "pairs_within", "searches", "searched_from",
     "ours_s", "whole_graph_s", "ratio_vs_whole_graph", "networkx_s", "networkx_extrapolated_from",
     "ratio_vs_networkx", "goal_s", "meets_goal", "same_pairs", "networkx_agrees", "peak_rss_mb", ...}

- ``ours_s``: :func:`zaitaku_map.partners.travel.network_pairs` — snapping both sides with their access
  legs, then one bounded Dijkstra per distinct road node of the smaller side (here the institutions, on
  the reversed graph), each on the sub-network its 30 minutes can reach; best of ``--repeat`` runs.  The
  travel-minute CSR (speed table) is built once before, as the product memoises it (``weights_s``).
- ``whole_graph_s``: the same searches with scipy on the whole network (no sub-networks) — what the
  sub-network cut saves; its pairs must equal ours (``same_pairs``).
- ``networkx_s``: the named baseline, the per-pair approach — for each (facility, institution) pair
  ``networkx.single_source_dijkstra(G, facility_node, target=institution_node, cutoff=30)``; timed on
  ``--nx-pairs`` random pairs and extrapolated linearly to all facilities × institutions
  (``networkx_extrapolated_from``).  Building the networkx graph is not counted.  Its times on the
  sampled pairs must agree with ours (``networkx_agrees``).

Network: the demo generator's scaled ``.osm.pbf`` (``--size full``: 23 tiles ≈ 1.33 M nodes, as
``bench_coverage.py``) read and cleaned like an import; ``--network`` loads one saved with
``RoadNetwork.to_bytes`` instead (``--save-network`` writes it).  Points: random road nodes, jittered
by up to ~90 m (so every point has an access leg), seeded.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

DEMO_SCALE = {"small": 1, "full": 23}
GOAL_S = 10.0
LIMIT = 30.0


def load_network(args: argparse.Namespace) -> tuple[Any, str]:
    from zaitaku_map.network import build_network
    from zaitaku_map.network.graph import RoadNetwork

    if args.network and Path(args.network).is_file():
        return RoadNetwork.from_bytes(Path(args.network).read_bytes()), f"file:{Path(args.network).name}"
    from zaitaku_map.demo import generate_files
    from zaitaku_map.network.osm import read_osm

    scale = DEMO_SCALE[args.size]
    with tempfile.TemporaryDirectory() as d:
        man = generate_files(Path(d), scale=scale)
        raw = read_osm(man["pbf"])
    net, _report = build_network(raw)
    if args.save_network:
        Path(args.save_network).write_bytes(net.to_bytes())
    return net, f"demo:scale={scale}"


def whole_graph_pairs(
    net: Any, w: Any, o: tuple[np.ndarray, np.ndarray], d: tuple[np.ndarray, np.ndarray]
) -> dict[tuple[int, int], float]:
    """The same bounded searches on the whole (reversed) network, chunked, with scipy."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import dijkstra

    from zaitaku_map.network.snap import snap_points

    so, sd = snap_points(net, *o), snap_points(net, *d)
    wr = sp.csr_matrix(w.T)
    ok_o, ok_d = np.flatnonzero(so.on_network), np.flatnonzero(sd.on_network)
    out: dict[tuple[int, int], float] = {}
    for c0 in range(0, len(ok_d), 24):
        chunk = ok_d[c0 : c0 + 24]
        dist = dijkstra(wr, directed=True, indices=sd.node[chunk], limit=LIMIT)
        t = dist[:, so.node[ok_o]] + sd.leg_min[chunk][:, None] + so.leg_min[ok_o][None, :]
        ci, oi = np.nonzero(t <= LIMIT)
        out.update({(int(ok_o[b]), int(chunk[a])): float(t[a, b]) for a, b in zip(ci, oi, strict=True)})
    return out


def networkx_sample(
    net: Any,
    w: Any,
    o: tuple[np.ndarray, np.ndarray],
    d: tuple[np.ndarray, np.ndarray],
    k: int,
    rng: np.random.Generator,
) -> tuple[float, list[tuple[int, int, float | None]]]:
    """Seconds of ``k`` networkx per-pair searches, and their results (minutes with legs, None beyond)."""
    import networkx as nx

    from zaitaku_map.network.snap import snap_points

    so, sd = snap_points(net, *o), snap_points(net, *d)
    coo = w.tocoo()
    g = nx.DiGraph()
    g.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True))
    pairs = [(int(rng.integers(len(o[0]))), int(rng.integers(len(d[0])))) for _ in range(k)]
    results: list[tuple[int, int, float | None]] = []
    t0 = time.perf_counter()
    for a, b in pairs:
        if so.node[a] < 0 or sd.node[b] < 0:
            results.append((a, b, None))
            continue
        budget = LIMIT - so.leg_min[a] - sd.leg_min[b]
        try:
            length, _path = nx.single_source_dijkstra(
                g, int(so.node[a]), target=int(sd.node[b]), cutoff=budget, weight="weight"
            )
            results.append((a, b, float(so.leg_min[a] + length + sd.leg_min[b])))
        except nx.NetworkXNoPath:
            results.append((a, b, None))
    return time.perf_counter() - t0, results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=sorted(DEMO_SCALE), default="full")
    ap.add_argument("--facilities", type=int, default=1000)
    ap.add_argument("--institutions", type=int, default=500)
    ap.add_argument("--nx-pairs", type=int, default=60, help="pairs timed in networkx (then extrapolated)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--network", help="a network saved with RoadNetwork.to_bytes (skips generating one)")
    ap.add_argument("--save-network", help="save the generated network there")
    args = ap.parse_args(argv)

    from zaitaku_map.coverage import CoverageParams
    from zaitaku_map.coverage.engine import weights
    from zaitaku_map.partners.travel import network_pairs

    t = time.perf_counter()
    net, source = load_network(args)
    setup_s = time.perf_counter() - t
    gc.collect()
    rng = np.random.default_rng(args.seed)

    def points(n: int) -> tuple[np.ndarray, np.ndarray]:
        nodes = rng.choice(net.n_nodes, size=n, replace=False)
        j = 0.0008
        return net.lon[nodes] + rng.uniform(-j, j, n), net.lat[nodes] + rng.uniform(-j, j, n)

    fac, inst = points(args.facilities), points(args.institutions)
    t = time.perf_counter()
    w = weights(net, CoverageParams())
    net.kdtree()
    weights_s = time.perf_counter() - t
    best = float("inf")
    tp = None
    for _ in range(max(1, args.repeat)):
        t = time.perf_counter()
        tp = network_pairs(net, w, *fac, *inst, limit=LIMIT)
        best = min(best, time.perf_counter() - t)
    assert tp is not None
    ours = {(int(a), int(b)): float(m) for a, b, m in zip(tp.origin, tp.dest, tp.minutes, strict=True)}
    t = time.perf_counter()
    whole = whole_graph_pairs(net, w, fac, inst)
    whole_s = time.perf_counter() - t
    nx_s, nx_res = networkx_sample(net, w, fac, inst, args.nx_pairs, rng)
    total_pairs = args.facilities * args.institutions
    nx_total = nx_s / max(1, args.nx_pairs) * total_pairs
    agrees = all(
        (m is None and (a, b) not in ours) or (m is not None and abs(ours.get((a, b), -1) - m) < 1e-6)
        for a, b, m in nx_res
    )
    out = {
        "benchmark": "partners",
        "network": source,
        "nodes": net.n_nodes,
        "edges": net.n_edges,
        "facilities": args.facilities,
        "institutions": args.institutions,
        "limit_min": LIMIT,
        "pairs_within": len(ours),
        "searches": tp.searches,
        "searched_from": tp.searched_from,
        "setup_s": round(setup_s, 1),
        "weights_s": round(weights_s, 2),
        "ours_s": round(best, 3),
        "whole_graph_s": round(whole_s, 3),
        "ratio_vs_whole_graph": round(whole_s / best, 2),
        "networkx_s": round(nx_total, 1),
        "networkx_extrapolated_from": f"{args.nx_pairs} pairs of {total_pairs} ({nx_s:.2f} s)",
        "ratio_vs_networkx": round(nx_total / best, 1),
        "goal_s": GOAL_S,
        "meets_goal": best <= GOAL_S,
        "same_pairs": ours.keys() == whole.keys() and all(abs(ours[k] - whole[k]) < 1e-6 for k in ours),
        "networkx_agrees": agrees,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0),
    }
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
