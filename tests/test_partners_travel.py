"""Travel minutes between two point sets (partners.travel) against a brute-force computation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from network_fixtures import MAIN, region_builder
from scipy.sparse.csgraph import dijkstra

from zaitaku_map.coverage import CoverageParams
from zaitaku_map.coverage.engine import weights
from zaitaku_map.network import build_network, snap_points
from zaitaku_map.network.graph import to_metric
from zaitaku_map.network.osm import read_osm
from zaitaku_map.partners import travel
from zaitaku_map.partners.travel import network_pairs, straight_pairs


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = region_builder().write_xml(tmp_path_factory.mktemp("osm") / "r.osm")
    network, _report = build_network(read_osm(path), min_component_nodes=500)
    return network


def _points(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    x0, y0, x1, y1 = MAIN
    return rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)


def _brute(
    net: Any, w: Any, o: tuple[np.ndarray, np.ndarray], d: tuple[np.ndarray, np.ndarray], limit: float
) -> dict[tuple[int, int], float]:
    """Every origin → destination time from one unbounded Dijkstra per origin on the whole graph."""
    so, sd = snap_points(net, *o), snap_points(net, *d)
    out: dict[tuple[int, int], float] = {}
    for i in np.flatnonzero(so.on_network):
        dist = dijkstra(w, directed=True, indices=int(so.node[i]))
        for j in np.flatnonzero(sd.on_network):
            t = so.leg_min[i] + dist[sd.node[j]] + sd.leg_min[j]
            if t <= limit:
                out[(int(i), int(j))] = float(t)
    return out


def _as_dict(tp: travel.TravelPairs) -> dict[tuple[int, int], float]:
    return {(int(a), int(b)): float(t) for a, b, t in zip(tp.origin, tp.dest, tp.minutes, strict=True)}


@pytest.mark.parametrize(
    ("n_o", "n_d", "limit"), [(40, 15, 10.0), (15, 40, 10.0), (60, 60, 6.0), (25, 12, 60.0)]
)
def test_network_pairs_equal_brute_force(net: Any, n_o: int, n_d: int, limit: float) -> None:
    rng = np.random.default_rng(n_o * 100 + n_d)
    o, d = _points(rng, n_o), _points(rng, n_d)
    # two origins on the same spot (one snapped node, two points) and one far out at sea
    o = (np.append(o[0], [o[0][0], 131.0]), np.append(o[1], [o[1][0], 33.0]))
    w = weights(net, CoverageParams())
    tp = network_pairs(net, w, o[0], o[1], d[0], d[1], limit=limit)
    ref = _brute(net, w, o, d, limit)
    got = _as_dict(tp)
    assert set(got) == set(ref)
    for k, t in ref.items():
        assert got[k] == pytest.approx(t, abs=1e-9)
    assert not tp.origin_ok[-1] and tp.origin_ok[:-1].all()
    if abs(n_o - n_d) > 5:
        assert tp.searched_from == ("origins" if n_o < n_d else "destinations")
    assert len(ref) > 0


def test_small_cells_and_a_tight_reach_give_the_same_pairs(net: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cutting the network into many small sub-networks changes nothing but the speed."""
    rng = np.random.default_rng(7)
    o, d = _points(rng, 35), _points(rng, 35)
    w = weights(net, CoverageParams())
    whole = _as_dict(network_pairs(net, w, *o, *d, limit=8.0))
    monkeypatch.setattr(travel, "MIN_CELL_M", 300.0)
    monkeypatch.setattr(travel, "CELL_REACH", 0.05)
    monkeypatch.setattr(travel, "CHUNK", 2)
    cut = _as_dict(network_pairs(net, w, *o, *d, limit=8.0))
    assert cut.keys() == whole.keys()
    assert all(cut[k] == pytest.approx(whole[k], abs=1e-9) for k in whole)


def test_no_usable_points_gives_no_pairs(net: Any) -> None:
    w = weights(net, CoverageParams())
    nan = np.array([np.nan])
    tp = network_pairs(net, w, nan, nan, np.array([133.1]), np.array([34.1]), limit=30.0)
    assert len(tp) == 0 and not tp.origin_ok.any() and tp.dest_ok.all()
    zero = np.array([0.0])
    tp = straight_pairs(
        zero, zero, np.array([133.1]), np.array([34.1]), limit=30.0, detour_factor=1.3, speed_kmh=30
    )
    assert len(tp) == 0 and not tp.origin_ok.any()


def test_straight_pairs_equal_brute_force() -> None:
    rng = np.random.default_rng(3)
    o, d = _points(rng, 50), _points(rng, 20)
    tp = straight_pairs(*o, *d, limit=20.0, detour_factor=1.3, speed_kmh=30.0)
    ox, oy = to_metric("EPSG:6690", *o)
    dx, dy = to_metric("EPSG:6690", *d)
    minutes = np.hypot(ox[:, None] - dx[None, :], oy[:, None] - dy[None, :]) * 1.3 / 500.0
    ref = {(i, j): minutes[i, j] for i, j in zip(*np.nonzero(minutes <= 20.0), strict=True)}
    got = _as_dict(tp)
    assert got.keys() == ref.keys() and len(ref) > 0
    assert all(got[k] == pytest.approx(ref[k], rel=1e-9) for k in ref)


def test_reach_is_bounded_by_the_fastest_edge(tmp_path: Path) -> None:
    """The fastest edge bounds the reach: never below any edge's own speed."""
    path = region_builder(with_island=False).write_xml(tmp_path / "r.osm")
    network, _ = build_network(read_osm(path))
    w = weights(network, CoverageParams())
    v = travel.max_speed_m_per_min(network, w)
    per_edge = network.length_m / np.asarray(w.data)
    assert v == pytest.approx(per_edge.max()) and v >= 50 * 1000 / 60 - 1e-6
