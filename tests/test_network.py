"""Road network import: OSM XML/PBF and GraphML readers, maxspeed/oneway, SCC cleaning, storage."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from network_fixtures import ISLAND, MAIN, region_builder

from zaitaku_map.errors import NetworkDataError
from zaitaku_map.network import (
    DEFAULT_SPEEDS,
    RoadNetwork,
    SpeedTable,
    build_network,
    import_roads,
    load_network,
    load_speed_table,
    parse_maxspeed,
    snap_points,
)
from zaitaku_map.network.osm import drivable, oneway_direction, read_osm
from zaitaku_map.store import open_project


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("40", 40.0),
        ("40 km/h", 40.0),
        ("40kmh", 40.0),
        ("25 mph", 25 * 1.609344),
        ("JP:urban", 60.0),
        ("JP:rural", 60.0),
        ("JP:motorway", 100.0),
        ("jp:Motorway", 100.0),
        ("40;50", 40.0),
        ("signals", None),
        ("none", None),
        ("0", None),
        ("", None),
        (None, None),
        ("abc", None),
        ("999", None),
        ("30.5", 30.5),
        (50, 50.0),
        ("10 knots", 18.52),
    ],
)
def test_parse_maxspeed(value: object, expected: float | None) -> None:
    got = parse_maxspeed(value)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected)


@given(st.text(max_size=20))
def test_parse_maxspeed_never_raises(text: str) -> None:
    v = parse_maxspeed(text)
    assert v is None or 0 < v <= 200


def test_oneway_and_access_rules() -> None:
    assert oneway_direction({"oneway": "yes"}, "residential") == 1
    assert oneway_direction({"oneway": "true"}, "residential") == 1
    assert oneway_direction({"oneway": "1"}, "residential") == 1
    assert oneway_direction({"oneway": "-1"}, "residential") == -1
    assert oneway_direction({"junction": "roundabout"}, "tertiary") == 1
    assert oneway_direction({}, "motorway") == 1
    assert oneway_direction({"oneway": "no"}, "motorway") == 0
    assert oneway_direction({}, "primary") == 0
    assert drivable({"highway": "footway"}) is None
    assert drivable({"highway": "residential", "access": "private"}) is None
    assert drivable({"highway": "residential", "access": "no", "motor_vehicle": "yes"}) == "residential"
    assert drivable({"highway": "service", "area": "yes"}) is None
    assert drivable({"highway": "trunk"}) == "trunk"


def _index(net: RoadNetwork) -> dict[int, int]:
    return {int(n): i for i, n in enumerate(net.node_ids)}


def _has_edge(net: RoadNetwork, a: int, b: int) -> bool:
    return b in net.indices[net.indptr[a] : net.indptr[a + 1]]


def test_read_osm_xml_and_pbf_agree(tmp_path: Path) -> None:
    b = region_builder()
    xml = b.write_xml(tmp_path / "r.osm")
    pbf = b.write_pbf(tmp_path / "r.osm.pbf")
    n1, r1 = build_network(read_osm(xml))
    n2, _r2 = build_network(read_osm(pbf))
    assert n1.content_hash == n2.content_hash
    assert r1["nodes"] == 965 + 121  # 31×31 grid + 4 roundabout nodes + the island's own roads
    assert r1["dropped_nodes"] == 2  # the one-way stub
    assert r1["kept_components"] == 2
    _n3, r3 = build_network(read_osm(xml), min_component_nodes=500)  # island too small to keep
    assert r3["nodes"] == 965 and r3["dropped_nodes"] == 121 + 2 and r3["kept_components"] == 1


def test_oneway_directions_in_csr(tmp_path: Path) -> None:
    b = region_builder()
    net, _ = build_network(read_osm(b.write_xml(tmp_path / "r.osm")))
    idx = _index(net)

    def row_ids(j: int) -> list[int]:
        on_row = [
            nid
            for nid, (lon, lat) in b.nodes.items()
            if abs(lat - (MAIN[1] + j * 0.01)) < 1e-9 and MAIN[0] - 1e-9 <= lon <= MAIN[2] + 1e-9
        ]
        return on_row[:3]

    for j in (1, 2):  # j=1 oneway=yes eastwards, j=2 drawn westwards with oneway=-1 → eastwards
        a, c = (idx[n] for n in row_ids(j)[:2])
        assert _has_edge(net, a, c)
        assert not _has_edge(net, c, a)
    a, c = (idx[n] for n in row_ids(3)[:2])  # two-way residential
    assert _has_edge(net, a, c) and _has_edge(net, c, a)


def test_maxspeed_caps_class_speed(tmp_path: Path) -> None:
    net, _ = build_network(read_osm(region_builder().write_xml(tmp_path / "r.osm")))
    speed = net.edge_speed_kmh(SpeedTable())
    primary = net.road_class == 2
    assert np.all(speed[primary] == 40.0)  # class 40 < posted 50
    res = (net.road_class == 6) & (net.maxspeed == 30)
    assert res.any() and np.all(speed[res] == 25.0)
    mph = (net.maxspeed > 64) & (net.maxspeed < 65)  # "40 mph"
    assert mph.any()
    slow = SpeedTable(speeds={"residential": 50}, congestion_factor=0.5)
    s2 = net.edge_speed_kmh(slow)
    assert np.all(s2[res] == 15.0)  # min(50, 30) × 0.5
    assert np.all(net.edge_speed_kmh(speed_kmh=60) == 60)


def test_small_islands_kept_when_large_enough(tmp_path: Path) -> None:
    raw = read_osm(region_builder().write_xml(tmp_path / "r.osm"))
    net, rep = build_network(raw, min_component_nodes=100)
    assert rep["kept_components"] == 2
    assert net.n_nodes == 965 + 121
    assert rep["kept_component_sizes"] == [965, 121]
    # fragments inside the mainland (the one-way stub) are never kept as "islands"
    net1, rep1 = build_network(raw, min_component_nodes=1)
    assert rep1["kept_components"] == 2 and rep1["dropped_large_not_island"] == 2
    assert net1.n_nodes == 965 + 121


def test_graphml_osmnx_style(tmp_path: Path) -> None:
    import networkx as nx

    g = nx.MultiDiGraph()
    g.add_node(1, x=133.0, y=34.0, osmid=1)
    g.add_node(2, x=133.01, y=34.0, osmid=2)
    g.add_node(3, x=133.01, y=34.01, osmid=3)
    g.add_edge(1, 2, highway="primary", length=921.8, maxspeed="40", oneway=False)
    g.add_edge(2, 1, highway="primary", length=921.8, maxspeed="40", oneway=False)
    g.add_edge(2, 3, highway="['residential', 'tertiary']", length=1112.0, oneway=True)
    g.add_edge(3, 1, highway="residential", length=1440.0)
    g.add_edge(1, 3, highway="footway", length=1440.0)
    path = tmp_path / "g.graphml"
    nx.write_graphml(g, path)
    from zaitaku_map.network.graphml import read_graphml

    raw = read_graphml(path)
    net, rep = build_network(raw, min_component_nodes=1)
    assert net.n_nodes == 3
    assert net.n_edges == 4  # footway dropped
    assert rep["edges_by_class"] == {"primary": 2, "tertiary": 1, "residential": 1}  # best class of a list


def test_speed_table_files(tmp_path: Path) -> None:
    j = tmp_path / "s.json"
    j.write_text(json.dumps({"speeds_kmh": {"motorway": 90}, "congestion_factor": 0.8}))
    t = load_speed_table(j)
    assert t.speeds["motorway"] == 90 and t.speeds["trunk"] == DEFAULT_SPEEDS["trunk"]
    assert t.congestion_factor == 0.8
    flat = tmp_path / "flat.json"
    flat.write_text(json.dumps({"primary": 45}))
    assert load_speed_table(flat).speeds["primary"] == 45
    c = tmp_path / "s.csv"
    c.write_text("class,speed_kmh\nresidential,20\ncongestion_factor,0.9\n", encoding="utf-8")
    t = load_speed_table(c)
    assert t.speeds["residential"] == 20 and t.congestion_factor == 0.9
    bad = tmp_path / "bad.csv"
    bad.write_text("class,speed_kmh\nhighwayx,20\n")
    with pytest.raises(NetworkDataError) as e:
        load_speed_table(bad)
    assert e.value.value == "highwayx" and e.value.file == str(bad)
    bad.write_text("class,speed_kmh\nprimary,fast\n")
    with pytest.raises(NetworkDataError) as e:
        load_speed_table(bad)
    assert e.value.row == 2
    assert "高速80" in SpeedTable().describe_ja()


def test_import_store_reload(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pbf = region_builder().write_pbf(tmp_path / "r.osm.pbf")
    rep = import_roads(project, pbf, speed_table=SpeedTable(congestion_factor=0.8))
    assert rep["nodes"] == 965 + 121 and rep["format"] == "osm_pbf"
    assert rep["report"]["dropped_nodes"] == 2
    net = load_network(project)
    assert net is not None and net.content_hash == rep["content_hash"]
    path = project.path
    project.close()
    from zaitaku_map.network import importer

    importer._CACHE.clear()
    p2 = open_project(path)
    try:
        net2 = load_network(p2)
        assert net2 is not None
        assert net2.content_hash == rep["content_hash"]
        np.testing.assert_array_equal(net2.indptr, net.indptr)
        np.testing.assert_allclose(net2.x, net.x)
        assert p2.setting("coverage.speed_table")["congestion_factor"] == 0.8
        src = p2.conn.execute("SELECT kind, format FROM sources").fetchall()
        assert ("roads", "osm_pbf") in src
        # a second import replaces the network
        import_roads(p2, region_builder(step=0.02, with_island=False).write_xml(tmp_path / "r2.osm"))
        assert p2.conn.execute("SELECT count(*) FROM road_networks").fetchone()[0] == 1
        assert load_network(p2).n_nodes < 965 + 121  # type: ignore[union-attr]
    finally:
        p2.close()


def test_import_errors(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NetworkDataError):
        import_roads(project, tmp_path / "missing.osm.pbf")
    f = tmp_path / "roads.shp"
    f.write_text("x")
    with pytest.raises(NetworkDataError):
        import_roads(project, f)
    empty = tmp_path / "empty.osm"
    empty.write_text('<?xml version="1.0"?><osm version="0.6"><node id="1" lat="34" lon="133"/></osm>')
    with pytest.raises(NetworkDataError):
        import_roads(project, empty)
    assert load_network(project) is None
    assert project.conn.execute("SELECT count(*) FROM sources").fetchone()[0] == 0


def test_snap_flags_points_across_water(tmp_path: Path) -> None:
    net, _ = build_network(read_osm(region_builder().write_xml(tmp_path / "r.osm")), min_component_nodes=500)
    island_centre = ((ISLAND[0] + ISLAND[2]) / 2, (ISLAND[1] + ISLAND[3]) / 2)
    s = snap_points(
        net,
        [133.0003, island_centre[0], 133.25],
        [34.0, island_centre[1], 33.97],
        max_snap_m=1500,
        access_speed_kmh=15,
    )
    assert s.node[0] >= 0 and s.dist_m[0] < 50
    assert s.leg_min[0] == pytest.approx(s.dist_m[0] / 250.0)
    assert s.node[1] == -1 and s.node[2] == -1  # island (no kept road) and sea 3 km off the coast
    assert np.isinf(s.leg_min[1])


def test_import_graphml_by_suffix(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import networkx as nx

    g = nx.MultiDiGraph()
    for i in range(60):  # a two-way street of 60 nodes
        g.add_node(i, x=133.0 + i * 0.001, y=34.0)
    for i in range(59):
        for a, b in ((i, i + 1), (i + 1, i)):
            g.add_edge(a, b, highway="residential", length=92.3)
    path = tmp_path / "town.graphml"
    nx.write_graphml(g, path)
    rep = import_roads(project, path)
    assert rep["format"] == "graphml" and rep["nodes"] == 60 and rep["edges"] == 118
    assert load_network(project).length_m.sum() == pytest.approx(118 * 92.3, rel=1e-5)  # type: ignore[union-attr]


def test_reference_date_of_road_files(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import gzip

    import networkx as nx

    from zaitaku_map.network.importer import graphml_reference_date
    from zaitaku_map.network.osm import osm_reference_date

    b = region_builder(step=0.02, with_island=False)
    stamped = b.write_pbf(
        tmp_path / "chugoku-latest.osm.pbf", header={"osmosis_replication_timestamp": "2025-10-01T20:21:02Z"}
    )
    assert osm_reference_date(stamped) == ("2025-10-01", "file_header")
    assert osm_reference_date(b.write_pbf(tmp_path / "chugoku-250915.osm.pbf")) == ("2025-09-15", "file_name")
    assert osm_reference_date(b.write_pbf(tmp_path / "japan-latest.osm.pbf")) == (None, None)
    xml = b.write_xml(tmp_path / "overpass.osm")
    text = (
        xml.read_text(encoding="utf-8")
        .replace("<osm ", '<osm timestamp="2025-08-01T00:00:00Z" ', 1)
        .replace("\n", '\n  <meta osm_base="2025-08-02T03:04:05Z"/>\n', 1)
    )
    xml.write_text(text, encoding="utf-8")
    assert osm_reference_date(xml) == ("2025-08-02", "file_header")  # Overpass' osm_base first
    gz = tmp_path / "x.osm.gz"
    gz.write_bytes(gzip.compress(text.replace("osm_base", "x").encode()))
    assert osm_reference_date(gz) == ("2025-08-01", "file_header")  # the <osm timestamp=…> attribute
    assert osm_reference_date(tmp_path / "missing-251001.osm.pbf") == ("2025-10-01", "file_name")
    # import_roads stores the date on the source and reports where it came from
    rep = import_roads(project, stamped)
    assert (rep["reference_date"], rep["reference_date_origin"]) == ("2025-10-01", "file_header")
    rep = import_roads(project, stamped, reference_date="2025-10-02")
    assert (rep["reference_date"], rep["reference_date_origin"]) == ("2025-10-02", "argument")
    assert (
        project.conn.execute("SELECT reference_date FROM sources WHERE id=?", (rep["source_id"],)).fetchone()[
            0
        ]
        == "2025-10-02"
    )
    with pytest.raises(Exception, match="reference date"):
        import_roads(project, stamped, reference_date="昨日")
    # osmnx GraphML: the graph attribute created_date (written after the edges)
    g = nx.MultiDiGraph(created_date="2025-07-31 09:00:00", created_with="OSMnx 1.9.4")
    for i in range(60):
        g.add_node(i, x=133.0 + i * 0.001, y=34.0)
    for i in range(59):
        for u, v in ((i, i + 1), (i + 1, i)):
            g.add_edge(u, v, highway="residential", length=92.3)
    path = tmp_path / "town.graphml"
    nx.write_graphml(g, path)
    assert graphml_reference_date(path) == "2025-07-31"
    rep = import_roads(project, path)
    assert (rep["reference_date"], rep["reference_date_origin"]) == ("2025-07-31", "file_header")
    g.graph.pop("created_date")
    nx.write_graphml(g, path)
    assert import_roads(project, path)["reference_date"] is None


def test_cli_roads_reference_date(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from zaitaku_map.cli import main

    proj = tmp_path / "p.gpkg"
    main(["init", str(proj)])
    pbf = region_builder(step=0.02, with_island=False).write_pbf(tmp_path / "demo-latest.osm.pbf")
    capsys.readouterr()
    assert main(["roads", str(proj), str(pbf)]) == 0
    assert "基準日: 不明（--reference-date で指定できます）" in capsys.readouterr().out
    assert main(["roads", str(proj), str(pbf), "--reference-date", "2025-10-01", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["reference_date"], out["reference_date_origin"]) == ("2025-10-01", "argument")


def test_points_never_snap_onto_a_motorway(tmp_path: Path) -> None:
    from network_fixtures import OsmBuilder

    b = OsmBuilder()
    local = [b.node(133.0 + i * 0.002, 34.004) for i in range(11)]
    mw_e = [b.node(133.0 + i * 0.002, 34.0) for i in range(11)]
    mw_w = [b.node(133.0 + i * 0.002, 33.9998) for i in range(11)]
    b.way(local, highway="tertiary")
    b.way(mw_e, highway="motorway")
    b.way(mw_w[::-1], highway="motorway")
    for a, c in ((local[0], mw_e[0]), (mw_e[-1], local[-1]), (local[-1], mw_w[-1]), (mw_w[0], local[0])):
        b.way([a, c], highway="motorway_link")
    net, _ = build_network(read_osm(b.write_xml(tmp_path / "mw.osm")), min_component_nodes=1)
    s = snap_points(net, [133.0101], [34.0001])  # 10 m from the motorway, 430 m from the local road
    idx = _index(net)
    assert int(net.node_ids[s.node[0]]) in set(local)
    assert s.dist_m[0] > 400
    assert idx[local[0]] in np.flatnonzero(net.snappable())  # the ramp end on the local road stays usable
