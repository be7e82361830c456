"""Coverage engine: exact equality with networkx, access legs, island, nested bands, hand checks."""

from __future__ import annotations

import itertools
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from network_fixtures import OsmBuilder, region_builder

from zaitaku_map.coverage import CoverageParams, band_polygons, compute_coverage, coverage_summary, gap_points
from zaitaku_map.coverage.engine import network_field, weights
from zaitaku_map.network import RoadNetwork, SpeedTable, build_network, import_roads, snap_points
from zaitaku_map.network.osm import read_osm


def _to_nx(net: RoadNetwork, w) -> nx.DiGraph:  # type: ignore[no-untyped-def]
    g = nx.DiGraph()
    g.add_nodes_from(range(net.n_nodes))
    src = net.edge_sources()
    for a, b, t in zip(src, net.indices, w.data, strict=True):
        g.add_edge(int(a), int(b), weight=float(t))
    return g


@pytest.fixture(scope="module")
def region_net(tmp_path_factory: pytest.TempPathFactory) -> RoadNetwork:
    path = region_builder().write_xml(tmp_path_factory.mktemp("roads") / "r.osm")
    net, _ = build_network(read_osm(path))
    return net


def test_equals_networkx_multi_source(region_net: RoadNetwork) -> None:
    params = CoverageParams(speed_table=SpeedTable(congestion_factor=0.9))
    w = weights(region_net, params)
    assert len(np.unique(np.round(w.data / region_net.length_m * 1000, 6))) > 4  # mixed speeds
    rng = np.random.default_rng(7)
    fac = rng.choice(region_net.n_nodes, size=9, replace=False)
    legs = np.zeros(len(fac))
    nf = network_field(w, fac, legs, limit=np.inf)
    ref = nx.multi_source_dijkstra_path_length(_to_nx(region_net, w), {int(f) for f in fac})
    assert len(ref) == region_net.n_nodes
    expected = np.array([ref[i] for i in range(region_net.n_nodes)])
    np.testing.assert_allclose(nf.time, expected, rtol=1e-9, atol=1e-6)
    # the reported source is a facility whose own distance equals the minimum
    g = _to_nx(region_net, w)
    for node in rng.choice(region_net.n_nodes, size=20, replace=False):
        f = int(fac[nf.source[node]])
        assert nx.dijkstra_path_length(g, f, int(node)) == pytest.approx(nf.time[node], abs=1e-6)


def test_equals_networkx_with_access_legs_and_limit(region_net: RoadNetwork) -> None:
    w = weights(region_net, CoverageParams())
    fac = np.array([10, 500, 900])
    legs = np.array([3.0, 0.5, 7.25])
    nf = network_field(w, fac, legs, limit=20.0)
    g = _to_nx(region_net, w)
    for f, leg in zip(fac, legs, strict=True):
        g.add_edge(("fac", int(f)), int(f), weight=float(leg))
        g.add_edge("S", ("fac", int(f)), weight=0.0)
    ref = nx.single_source_dijkstra_path_length(g, "S", cutoff=20.0)
    for i in range(region_net.n_nodes):
        if i in ref:
            assert nf.time[i] == pytest.approx(ref[i], abs=1e-6)
        else:
            assert np.isinf(nf.time[i])
    assert np.isfinite(nf.time).sum() == sum(1 for k in ref if isinstance(k, int))
    # one-way streets make travel asymmetric somewhere
    w_t = w.T.tocsr()
    assert (w != w_t).nnz > 0


@pytest.fixture
def roads_project(synthetic_project, tmp_path: Path):  # type: ignore[no-untyped-def]
    # the island's own roads (121 nodes) are dropped here; test_island_* also keeps them
    import_roads(synthetic_project, region_builder().write_xml(tmp_path / "r.osm"), min_component_nodes=500)
    return synthetic_project


def test_project_coverage_matches_reference(roads_project) -> None:  # type: ignore[no-untyped-def]
    from zaitaku_map.network import load_network

    params = CoverageParams()
    res = compute_coverage(roads_project, params, categories=["zaishi", "home_nursing"])
    assert res.mode == "network"
    net = load_network(roads_project)
    assert net is not None
    w = weights(net, params)
    g = _to_nx(net, w)
    fac = roads_project.conn.execute(
        "SELECT lon, lat FROM facilities WHERE category IN ('zaishi_clinic','zaishi_hospital')"
    ).fetchall()
    fs = snap_points(net, [f[0] for f in fac], [f[1] for f in fac])
    for k, (node, leg) in enumerate(zip(fs.node, fs.leg_min, strict=True)):
        g.add_edge(("f", k), int(node), weight=float(leg))
        g.add_edge("S", ("f", k), weight=0.0)
    ref = nx.single_source_dijkstra_path_length(g, "S", cutoff=params.max_minutes)
    df = res.demand.df
    ds = snap_points(net, df["lon"], df["lat"])
    t = res.times("zaishi")
    for i in range(len(df)):
        if ds.node[i] < 0 or int(ds.node[i]) not in ref:
            assert np.isinf(t[i])
        else:
            assert t[i] == pytest.approx(ref[int(ds.node[i])] + ds.leg_min[i], abs=1e-6)
    # nearest facility of a point next to 中央在宅クリニック (id 1) is that clinic
    near = np.argmin(np.hypot(df["lon"] - 133.05, df["lat"] - 34.25))
    assert res.categories["zaishi"].nearest[near] == 1


def test_island_unreachable_from_mainland(roads_project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    res = compute_coverage(
        roads_project, CoverageParams(), categories=["zaishi", "pharmacy", "care_facility"]
    )
    island = (res.demand.df["muni_code"] == "99207").to_numpy()
    assert island.sum() == 25
    for cat in res.categories:
        assert np.all(np.isinf(res.times(cat)[island]))
        assert np.isfinite(res.times(cat)[~island]).any()
    assert res.off_network is not None and res.off_network[island].all()
    # even when the island's own roads are kept as a separate component
    from zaitaku_map.network import importer

    import_roads(roads_project, region_builder().write_xml(tmp_path / "r2.osm"))  # default keeps real islands
    assert importer.load_network(roads_project).n_nodes == 965 + 121  # type: ignore[union-attr]
    res2 = compute_coverage(roads_project, CoverageParams(), categories=["zaishi"])
    assert not res2.off_network[island].any()  # type: ignore[index]
    assert np.all(np.isinf(res2.times("zaishi")[island]))
    # an island facility serves the island and nobody on the mainland
    before = compute_coverage(roads_project, CoverageParams(), categories=["pharmacy"]).times("pharmacy")
    roads_project.conn.execute(
        "INSERT INTO facilities (id, category, name, status, lon, lat) "
        "VALUES (95, 'pharmacy', '島の薬局', 'open', 133.25, 33.9)"
    )
    roads_project.conn.commit()
    res3 = compute_coverage(roads_project, CoverageParams(), categories=["pharmacy"])
    after = res3.times("pharmacy")
    assert np.all(after[island] <= 30)
    np.testing.assert_array_equal(after[~island], before[~island])
    assert set(res3.categories["pharmacy"].nearest[island]) == {95}
    gaps = gap_points(roads_project, CoverageParams(), "zaishi")
    assert set(gaps.loc[gaps["muni_code"] == "99207", "fid"]) == set(res2.demand.df.loc[island, "fid"])
    assert gaps["pop_65"].sum() > 0


def test_nested_bands(roads_project) -> None:  # type: ignore[no-untyped-def]
    params = CoverageParams(bands=(15, 30, 45))
    res = compute_coverage(roads_project, params, categories=["zaishi"])
    t = res.times("zaishi")
    assert np.all((t <= 30)[t <= 15])
    assert np.all((t <= 45)[t <= 30])
    assert (t <= 15).sum() < (t <= 45).sum()
    s = coverage_summary(roads_project, params, categories=["zaishi"])
    bands = s["categories"]["zaishi"]["bands"]
    assert bands["15"]["covered"] <= bands["30"]["covered"] <= bands["45"]["covered"]
    gdf = band_polygons(roads_project, params, "zaishi")
    assert list(gdf["band_min"]) == [15, 30, 45]
    geoms = list(gdf.geometry)
    assert all(g.is_valid and not g.is_empty for g in geoms)
    for inner, outer in itertools.pairwise(geoms):
        assert inner.difference(outer).area < 1e-10
        assert outer.area > inner.area
    # nothing drawn outside the land (municipality squares), so not on the sea around the island
    from zaitaku_map.coverage.polygons import land_mask

    land = land_mask(roads_project)
    assert geoms[-1].difference(land).area < 1e-10
    assert list(gdf["pop_within"]) == [bands[k]["covered"] for k in ("15", "30", "45")]


def test_uniform_speed_hand_check(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A straight 2-way road of 0.1° longitude at lat 34 (≈ 9.22 km); 60 km/h → 1 min per km."""
    b = OsmBuilder()
    nodes = [b.node(133.0 + i * 0.001, 34.0) for i in range(101)]
    b.way(nodes, highway="residential")
    import_roads(project, b.write_xml(tmp_path / "line.osm"), min_component_nodes=1)
    project.conn.execute(
        "INSERT INTO facilities (id, category, name, status, lon, lat) VALUES (1, 'pharmacy', 'A', 'open', 133.0, 34.0)"
    )
    ps = project.conn.execute("INSERT INTO population_sources (unit) VALUES ('mesh500m')").lastrowid
    for fid, lon, lat in ((1, 133.1, 34.0), (2, 133.05, 34.0), (3, 133.05, 34.009)):
        project.conn.execute(
            "INSERT INTO demand_points (fid, pop_source_id, unit_code, muni_code, lon, lat, pop_total) "
            "VALUES (?,?,?,?,?,?,100)",
            (fid, ps, str(fid), "99999", lon, lat),
        )
    project.conn.commit()
    from zaitaku_map.geo import haversine_m

    length_km = haversine_m(133.0, 34.0, 133.1, 34.0) / 1000
    res = compute_coverage(
        project,
        CoverageParams(speed_kmh=60, bands=(30,), max_snap_m=1500, access_speed_kmh=10),
        categories=["pharmacy"],
    )
    t = res.times("pharmacy")
    assert t[0] == pytest.approx(length_km, rel=1e-4)
    assert t[1] == pytest.approx(length_km / 2, rel=1e-4)
    from pyproj import Geod

    leg_km = Geod(ellps="GRS80").inv(133.05, 34.0, 133.05, 34.009)[2] / 1000  # legs are measured in UTM
    assert t[2] == pytest.approx(length_km / 2 + leg_km * 6, rel=1e-3)  # 10 km/h leg = 6 min per km
    # straight-line model: distance × 1.3 ÷ 30 km/h
    res2 = compute_coverage(project, CoverageParams(mode="straight"), categories=["pharmacy"])
    geod_km = Geod(ellps="GRS80").inv(133.0, 34.0, 133.1, 34.0)[2] / 1000
    assert res2.times("pharmacy")[0] == pytest.approx(geod_km * 1.3 / 30 * 60, rel=1e-3)


def test_unsnapped_facility_reported_and_run_goes_on(roads_project) -> None:  # type: ignore[no-untyped-def]
    roads_project.conn.execute(
        "INSERT INTO facilities (id, category, name, status, lon, lat) "
        "VALUES (90, 'pharmacy', '沖の薬局', 'open', 133.25, 33.975), (91, 'pharmacy', '座標誤り', 'open', 0, 0)"
    )
    roads_project.conn.commit()
    s = coverage_summary(roads_project, CoverageParams(), categories=["pharmacy"])
    un = {u["id"]: u["reason"] for u in s["categories"]["pharmacy"]["unsnapped_facilities"]}
    assert un == {90: "off_network", 91: "bad_coordinate"}
    assert s["categories"]["pharmacy"]["facilities"] == 2
    assert s["categories"]["pharmacy"]["covered"] > 0


def test_cache_and_invalidation(roads_project) -> None:  # type: ignore[no-untyped-def]
    p = CoverageParams()
    r1 = compute_coverage(roads_project, p, categories=["houkatsu"])
    assert r1.from_cache == []
    r2 = compute_coverage(roads_project, p, categories=["houkatsu"])
    assert r2.from_cache == ["houkatsu"]
    np.testing.assert_array_equal(r1.times("houkatsu"), r2.times("houkatsu"))
    r3 = compute_coverage(roads_project, CoverageParams(speed_kmh=20), categories=["houkatsu"])
    assert r3.from_cache == []
    roads_project.conn.execute("UPDATE facilities SET lon = lon + 0.1 WHERE category='houkatsu'")
    roads_project.conn.commit()
    r4 = compute_coverage(roads_project, p, categories=["houkatsu"])
    assert r4.from_cache == []
    assert not np.array_equal(r4.times("houkatsu"), r1.times("houkatsu"))


def test_summary_layers_groups_and_descriptions(roads_project) -> None:  # type: ignore[no-untyped-def]
    s = coverage_summary(
        roads_project,
        CoverageParams(),
        categories=["zaishi"],
        groups={"99101": "A", "99102": "A", "99207": "B"},
    )
    c = s["categories"]["zaishi"]
    assert c["pop_total"] == pytest.approx(c["covered"] + c["uncovered"])
    munis = {r["muni_code"]: r for r in c["by_municipality"]}
    assert munis["99207"]["share"] == 0.0 and munis["99207"]["name"] == "島町"
    assert munis["99101"]["share"] == 1.0
    areas = {r["area_code"]: r for r in c["by_layer"]["二次医療圏"]}
    assert sum(a["pop_total"] for a in areas.values()) == pytest.approx(c["pop_total"])
    assert areas["9901"]["name"] == "中央"
    groups = {r["key"]: r for r in c["by_group"]}
    assert groups["B"]["covered"] == 0 and groups["A"]["share"] == 1.0
    assert s["description_ja"].startswith("道路ネットワーク（OSM）・30分・速度表")
    assert "混雑係数0.8" in CoverageParams(congestion_factor=0.8).describe_ja("network")
    assert CoverageParams().describe_ja("straight") == "直線距離モデル（迂回係数1.3・時速30km）・30分"


def test_coarse_fallback_without_demand_points(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    p = synthetic_project
    p.conn.execute("DELETE FROM demand_points")
    ps = p.conn.execute("INSERT INTO population_sources (unit) VALUES ('municipality')").lastrowid
    for code in ("99101", "99207"):
        p.conn.execute(
            "INSERT INTO population_municipal (muni_code, pop_source_id, pop_total, pop_65) "
            "VALUES (?,?,1000,300)",
            (code, ps),
        )
    p.conn.commit()
    s = coverage_summary(p, CoverageParams(), categories=["zaishi"])
    assert s["coarse_demand"] is True and s["mode"] == "straight"
    assert "粗い" in s["description_ja"]
    assert s["categories"]["zaishi"]["pop_total"] == 2000
    assert s["categories"]["zaishi"]["covered"] == 1000


def test_describe_after_run_names_the_model_used(roads_project) -> None:  # type: ignore[no-untyped-def]
    p = CoverageParams()
    assert p.describe_ja().startswith("自動")
    compute_coverage(roads_project, p, categories=["houkatsu"])
    assert p.describe_ja().startswith("道路ネットワーク（OSM）")
    assert p.to_dict() == CoverageParams().to_dict()


def test_empty_project_is_a_clear_error(project) -> None:  # type: ignore[no-untyped-def]
    from zaitaku_map.errors import AnalysisError

    with pytest.raises(AnalysisError) as e:
        compute_coverage(project, CoverageParams())
    assert e.value.hint and "人口" in e.value.hint


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_network_field_property_random_graphs(data) -> None:  # type: ignore[no-untyped-def]
    """On random directed graphs with random facility legs and limits, equal to networkx."""
    import scipy.sparse as sp

    n = data.draw(st.integers(2, 25))
    m = data.draw(st.integers(1, 80))
    u = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m)))
    v = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m)))
    w = np.array(data.draw(st.lists(st.floats(0.01, 20), min_size=m, max_size=m)))
    keep = u != v
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    for a, b, x in zip(u[keep], v[keep], w[keep], strict=True):
        if not g.has_edge(int(a), int(b)) or g[int(a)][int(b)]["weight"] > x:
            g.add_edge(int(a), int(b), weight=float(x))
    rows = [(a, b, d["weight"]) for a, b, d in g.edges(data=True)]
    csr = sp.csr_matrix(([r[2] for r in rows], ([r[0] for r in rows], [r[1] for r in rows])), shape=(n, n))
    k = data.draw(st.integers(1, min(4, n)))
    fac = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=k, max_size=k)))
    legs = np.array(data.draw(st.lists(st.floats(0, 5), min_size=k, max_size=k)))
    limit = data.draw(st.floats(1, 60))
    nf = network_field(csr, fac, legs, limit=limit)
    for i, (f, leg) in enumerate(zip(fac, legs, strict=True)):
        g.add_edge(("f", i), int(f), weight=float(max(leg, 1e-9)))
        g.add_edge("S", ("f", i), weight=0.0)
    ref = nx.single_source_dijkstra_path_length(g, "S", cutoff=limit)
    for node in range(n):
        if node in ref:
            assert nf.time[node] == pytest.approx(ref[node], abs=1e-7)
            src = int(nf.source[node])
            via = max(legs[src], 1e-9) + (nx.dijkstra_path_length(g, int(fac[src]), node))
            assert via == pytest.approx(ref[node], abs=1e-7)
        else:
            assert np.isinf(nf.time[node]) and nf.source[node] == -1
