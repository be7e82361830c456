"""Facility suggestions: candidates, weights, lazy greedy vs exact MILP, the dual, and gains that
equal what the what-if engine gives when the sites are added."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from network_fixtures import region_builder

from zaitaku_map.coverage import CoverageParams
from zaitaku_map.errors import InputDataError
from zaitaku_map.network import import_roads, load_network
from zaitaku_map.remedies import LiveScenario
from zaitaku_map.remedies.candidates import (
    CandidateFileError,
    CandidateSpec,
    build_candidates,
    file_candidates,
    grid_candidates,
    parse_candidates,
)
from zaitaku_map.remedies.coverage import scenario_coverage
from zaitaku_map.remedies.mclp import GREEDY_GUARANTEE, lazy_greedy, point_classes, solve_exact
from zaitaku_map.remedies.suggest import suggest, suggestion_action


def _facility(p, fid: int, cat: str, lon: float, lat: float, muni: str, beds: int | None = None) -> None:  # type: ignore[no-untyped-def]
    p.conn.execute(
        "INSERT INTO facilities (id, category, name, muni_code, status, lon, lat, beds, geocode_level) "
        "VALUES (?, ?, ?, ?, 'open', ?, ?, ?, 'source')",
        (fid, cat, f"{cat}{fid}", muni, lon, lat, beds),
    )
    p.conn.commit()


@pytest.fixture
def gap_project(synthetic_project, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The synthetic project with roads and clinics / hospitals / care offices in and near the gap."""
    p = synthetic_project
    import_roads(p, region_builder().write_xml(tmp_path / "r.osm"))
    _facility(p, 50, "clinic", 133.16, 34.06, "99206")
    _facility(p, 51, "clinic", 133.05, 34.05, "99205")
    _facility(p, 52, "clinic", 133.13, 34.02, "99206")
    _facility(p, 53, "clinic", 133.02, 34.28, "99101")  # in the covered north: no gain
    _facility(p, 60, "hospital", 133.14, 34.04, "99206", beds=60)
    _facility(p, 61, "hospital", 133.06, 34.06, "99205", beds=0)  # no beds: not a 在支病 candidate
    _facility(p, 70, "care_facility", 133.15, 34.03, "99206")
    return p


# -- the optimisation ------------------------------------------------------------------------------
def _naive_greedy(a: np.ndarray, w: np.ndarray, k: int) -> float:
    covered = np.zeros(a.shape[1], bool)
    total = 0.0
    for _ in range(k):
        gains = (a & ~covered).astype(float) @ w
        j = int(np.argmax(gains))
        if gains[j] <= 0:
            break
        total += gains[j]
        covered |= a[j]
    return total


def test_lazy_greedy_equals_plain_greedy_and_respects_the_bounds() -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        a = rng.random((30, 60)) < 0.12
        w = rng.integers(1, 50, 60).astype(float)
        k = int(rng.integers(1, 6))
        g = lazy_greedy(sp.csr_matrix(a), w, k)
        assert g.value == pytest.approx(_naive_greedy(a, w, k))
        assert g.evaluations < 30 + 30 * k  # lazy: far fewer than k full passes
        opt = solve_exact(sp.csr_matrix(a), w, k=k)
        assert opt.status == "optimal"
        assert g.value <= opt.value + 1e-9 <= g.upper_bound + 1e-6
        assert g.value >= GREEDY_GUARANTEE * opt.value - 1e-9


def test_exact_solver_finds_what_greedy_misses() -> None:
    # A covers {0,1,2,3}; B {0,1,4}; C {2,3,5}; points 4 and 5 weigh 1.5: greedy takes A then B (5.5),
    # the optimum is B + C (7)
    a = np.zeros((3, 6), bool)
    a[0, [0, 1, 2, 3]] = a[1, [0, 1, 4]] = a[2, [2, 3, 5]] = True
    w = np.array([1, 1, 1, 1, 1.5, 1.5])
    g = lazy_greedy(sp.csr_matrix(a), w, 2)
    assert g.order[0] == 0 and g.value == 5.5
    ex = solve_exact(sp.csr_matrix(a), w, k=2)
    assert ex.value == 7.0 and sorted(ex.chosen) == [1, 2]
    assert g.upper_bound >= 7.0
    # the dual: fewest sites covering ≥ 6.5 — greedy needs 3, the optimum 2
    gd = lazy_greedy(sp.csr_matrix(a), w, 3, target=6.5)
    assert len(gd.order) == 3
    assert solve_exact(sp.csr_matrix(a), w, target=6.5).value == 2.0
    # identical columns are merged into one class
    reduced, cw = point_classes(
        sp.csr_matrix(np.array([[1, 1, 0], [0, 0, 1]], bool)), np.array([2.0, 3.0, 4.0])
    )
    assert reduced.shape == (2, 2) and sorted(cw.tolist()) == [4.0, 5.0]


# -- candidates ----------------------------------------------------------------------------------
def test_candidate_sets(gap_project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    p = gap_project
    from zaitaku_map.coverage.inputs import load_demand

    demand = load_demand(p)
    net = load_network(p)
    c = build_candidates(p, "zaishi", CandidateSpec(), demand=demand, net=net)
    assert set(c["facility_id"].dropna().astype(int)) == {50, 51, 52, 53, 60, 11}  # beds=0 left out
    assert set(c.loc[c["facility_id"] == 60, "category"]) == {"zaishi_hospital"}
    assert set(c.loc[c["facility_id"] == 50, "category"]) == {"zaishi_clinic"}
    hn = build_candidates(p, "home_nursing", CandidateSpec(), demand=demand, net=net)
    assert set(hn["facility_id"].astype(int)) == {10, 70} and set(hn["category"]) == {"home_nursing"}
    clin = build_candidates(p, "zaishi_clinic", CandidateSpec(sets=("hospitals",)), demand=demand, net=net)
    assert clin.empty  # a hospital cannot become a 在支診
    # exclusions by municipality and by area
    ex = build_candidates(p, "zaishi", CandidateSpec(exclude_munis=("99206",)), demand=demand, net=net)
    assert not ({50, 52, 60} & set(ex["facility_id"].dropna().astype(int)))
    ex = build_candidates(
        p, "zaishi", CandidateSpec(exclude_areas=(("二次医療圏", "南部"),)), demand=demand, net=net
    )
    assert set(ex["facility_id"].dropna().astype(int)) == {53, 11}
    with pytest.raises(InputDataError):
        build_candidates(
            p, "zaishi", CandidateSpec(exclude_areas=(("二次医療圏", "北極"),)), demand=demand, net=net
        )
    # grid: road nodes, one per populated 2 km cell at most, never in the sea
    grid = grid_candidates(demand, "zaishi", cell_m=2000, net=net)
    assert len(grid) > 20 and set(grid["category"]) == {"zaishi_clinic"}
    node_xy = set(zip(np.round(net.lon, 7), np.round(net.lat, 7), strict=True))
    assert all((round(x, 7), round(y, 7)) in node_xy for x, y in zip(grid["lon"], grid["lat"], strict=True))
    coarse = grid_candidates(demand, "zaishi", cell_m=10000, net=None)
    assert 9 <= len(coarse) < len(grid)
    with pytest.raises(InputDataError):
        parse_candidates("clinics,nowhere.csv")


def test_candidate_file(tmp_path: Path) -> None:
    f = tmp_path / "候補地.csv"
    f.write_bytes("名称,経度,緯度\n谷村公民館,133.15,34.05\n川町役場,133.05,34.06\n".encode("cp932"))
    c = file_candidates(f, "home_nursing")
    assert c["label"].tolist() == ["谷村公民館", "川町役場"] and set(c["category"]) == {"home_nursing"}
    assert c["lon"].tolist() == [133.15, 133.05]
    assert parse_candidates(f"grid,{f}") == (("grid",), (str(f),))
    bad = tmp_path / "bad.csv"
    bad.write_text("name,lon,lat\na,133.1,34.1\nb,,34.2\n", encoding="utf-8")
    with pytest.raises(CandidateFileError) as err:
        file_candidates(bad, "zaishi")
    assert err.value.row == 3 and err.value.column == "lon"
    nocols = tmp_path / "nocols.csv"
    nocols.write_text("name,x1,y1\na,1,2\n", encoding="utf-8")
    with pytest.raises(CandidateFileError):
        file_candidates(nocols, "zaishi")


# -- suggestions on a project --------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["network", "straight"])
def test_suggested_gains_are_what_the_what_if_gives(gap_project, mode: str) -> None:  # type: ignore[no-untyped-def]
    p = gap_project
    params = CoverageParams(mode=mode)
    s = suggest(
        p,
        category="zaishi",
        k=3,
        params=params,
        exact=True,
        candidates=CandidateSpec(sets=("clinics", "hospitals", "grid")),
    )
    assert s.mode == mode and s.sites and s.method == "lazy_greedy+milp"
    assert s.exact is not None and s.exact.status == "optimal"
    assert s.gap is not None and 0 <= s.gap <= 1 - GREEDY_GUARANTEE
    assert s.sites[0].gain >= s.sites[-1].gain  # the gain curve flattens
    assert s.gain_curve == sorted(s.gain_curve)
    live = LiveScenario(p, category="zaishi", params=params)
    base = live.covered
    assert base == pytest.approx(s.baseline_covered, abs=0.05)
    for site in s.sites:  # one by one: each site's gain is exactly what adding it covers
        out = live.perform(suggestion_action(live.state, [site]))
        assert out.delta_covered == pytest.approx(site.gain, abs=0.11)
    assert live.covered == pytest.approx(s.sites[-1].cumulative, abs=0.11)
    full = scenario_coverage(p, live.state, params, categories=["zaishi"])
    assert float(full.demand.pop()[full.times("zaishi") <= 30].sum()) == live.covered
    # the sites became edits of the scenario: facilities taking on the category or hypothetical sites
    fac_ids = {x.facility_id for x in s.sites if x.facility_id is not None}
    assert {f for f, ch in live.state.changes.items() if ch.gains} == fac_ids
    assert {x.label for x in live.state.sites.values()} == {x.label for x in s.sites if x.facility_id is None}


def test_weights_change_the_answer(gap_project) -> None:  # type: ignore[no-untyped-def]
    p = gap_project
    # old people live in 川町 (99205); the young in 谷村 (99206)
    p.conn.execute("UPDATE demand_points SET pop_75 = CASE muni_code WHEN '99205' THEN 90 ELSE 1 END")
    p.conn.commit()
    spec = CandidateSpec(sets=("clinics",))
    s_total = suggest(p, category="zaishi_clinic", k=1, candidates=spec)
    s_75 = suggest(p, category="zaishi_clinic", k=1, candidates=spec, weight="age75")
    assert s_total.sites[0].facility_id != s_75.sites[0].facility_id
    # with k = 1 the greedy answer is optimal for its own weight: each wins on its own measure
    assert s_75.sites[0].gain_75 > s_total.sites[0].gain_75
    assert s_total.sites[0].gain_pop > s_75.sites[0].gain_pop
    assert s_75.sites[0].gain == s_75.sites[0].gain_75
    assert s_75.total == pytest.approx(
        float(p.conn.execute("SELECT sum(pop_75) FROM demand_points").fetchone()[0])
    )
    with pytest.raises(InputDataError):
        suggest(p, category="zaishi", weight="age99")


def test_dual_fewest_sites_for_a_target_share(gap_project) -> None:  # type: ignore[no-untyped-def]
    p = gap_project
    spec = CandidateSpec(sets=("grid",), grid_m=2000)
    s = suggest(p, category="zaishi", k=1, candidates=spec, target_share=0.99, exact=True)
    d = s.dual
    assert d is not None and d.reached
    assert d.share_greedy is not None and d.share_greedy >= 0.99
    assert d.sites_exact is not None and d.exact_status == "optimal" and 1 <= d.sites_exact <= d.sites_greedy
    # already reached: no site needed
    low = suggest(p, category="zaishi", k=1, candidates=spec, target_share=0.5)
    assert low.dual is not None and low.dual.sites_greedy == 0
    # unreachable with these candidates (the island has no road to the mainland)
    far = suggest(p, category="zaishi", k=1, candidates=CandidateSpec(sets=("clinics",)), target_share=1.0)
    assert far.dual is not None and not far.dual.reached


def test_suggestion_from_a_scenario_state(gap_project) -> None:  # type: ignore[no-untyped-def]
    p = gap_project
    live = LiveScenario(p, category="zaishi")
    first = suggest(p, category="zaishi", k=1, candidates=CandidateSpec(sets=("clinics",)))
    live.perform(suggestion_action(live.state, first.sites))
    again = suggest(p, category="zaishi", k=1, candidates=CandidateSpec(sets=("clinics",)), state=live.state)
    assert again.baseline_covered == pytest.approx(live.covered, abs=0.05)
    assert (
        again.sites[0].facility_id != first.sites[0].facility_id
    )  # the chosen clinic is no longer a candidate


def test_weights_projected_to_2040(gap_project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from demand_fixtures import UNITS, pop75, write_summary_75

    from zaitaku_map.demand import import_projection_file
    from zaitaku_map.errors import AnalysisError

    p = gap_project
    spec = CandidateSpec(sets=("clinics",))
    with pytest.raises(AnalysisError):
        suggest(p, category="zaishi", k=1, weight="age75", year=2040, candidates=spec)  # no projection yet
    import_projection_file(p, write_summary_75(tmp_path / "s.xlsx"))
    s = suggest(p, category="zaishi", k=2, weight="age75", year=2040, candidates=spec)
    # each municipality weighs its projected 75+ population, spread over its demand points as today
    assert s.total == pytest.approx(sum(pop75(u, 2040) for u in UNITS), rel=1e-9)
    assert s.year == 2040 and not s.notes and "2040年推計" in s.to_dict()["weight_label"]
    today = suggest(p, category="zaishi", k=2, weight="age75", candidates=spec)
    assert today.total != s.total
    assert [x.facility_id for x in s.sites] and s.sites[0].gain > 0


@pytest.mark.parametrize("minutes", [6.0, 30.0])
def test_batched_reach_equals_one_search_per_candidate_on_the_whole_network(
    gap_project, minutes: float
) -> None:  # type: ignore[no-untyped-def]
    """The coverage matrix from batches of nearby candidates on their boxes is bitwise the matrix of
    one bounded search per candidate over the whole network (and the boxes do cut the network)."""
    from scipy.sparse.csgraph import dijkstra

    from zaitaku_map.coverage.engine import augmented, weights
    from zaitaku_map.coverage.inputs import load_demand
    from zaitaku_map.network.snap import snap_points
    from zaitaku_map.remedies.reach import SearchBoxes, network_reach

    p = gap_project
    params = CoverageParams(minutes=minutes)
    net = load_network(p)
    demand = load_demand(p)
    rng = np.random.default_rng(3)
    uncovered = rng.random(len(demand.lon)) < 0.7
    idx = rng.choice(net.n_nodes, size=60, replace=False)
    lon = net.lon[idx] + rng.uniform(-0.001, 0.001, 60)
    lat = net.lat[idx] + rng.uniform(-0.001, 0.001, 60)
    reach = network_reach(net, demand, uncovered, lon, lat, params, minutes=minutes)
    w = weights(net, params)
    n = net.n_nodes
    ds = snap_points(
        net, demand.lon, demand.lat, max_snap_m=params.max_snap_m, access_speed_kmh=params.access_speed_kmh
    )
    cs = snap_points(net, lon, lat, max_snap_m=params.max_snap_m, access_speed_kmh=params.access_speed_kmh)
    expected = np.zeros(reach.matrix.shape, dtype=bool)
    for j in np.flatnonzero(reach.usable):
        d = dijkstra(augmented(w, cs.node[[j]], cs.leg_min[[j]]), directed=True, indices=n, limit=minutes)[:n]
        expected[j] = d[ds.node[reach.points]] + ds.leg_min[reach.points] <= minutes
    assert expected.any()
    assert np.array_equal(reach.matrix.toarray(), expected)
    if minutes < 10:  # a short reach: a batch's box is a small part of the network
        region = np.arange(n)
        boxes = SearchBoxes(net, region, w, minutes)
        nodes, g = boxes.subgraph(np.array([int(cs.node[0])]))
        assert 0 < len(nodes) < n / 2 and g.shape == (len(nodes), len(nodes))


def test_no_population_at_points_is_said_not_suggested_as_zero(gap_project) -> None:  # type: ignore[no-untyped-def]
    """Population known per 圏域 only (the 鳥取 samples): nothing can be counted per site — an error
    with what to import, not an empty table over 「0 / 0 人」."""
    from zaitaku_map.errors import AnalysisError

    p = gap_project
    p.conn.execute("DELETE FROM demand_points")
    for table in ("population_municipal",):
        if p.conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchone():
            p.conn.execute(f"DELETE FROM {table}")
    p.conn.commit()
    with pytest.raises(AnalysisError) as err:
        suggest(p, category="zaishi", k=2, candidates=CandidateSpec(sets=("clinics",)))
    assert "人口メッシュ" in (err.value.hint or "") and "総人口" in (err.value.hint or "")


def test_scenario_pdf_without_population_at_points(gap_project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A scenario on a project with population per 圏域 only: the PDF says the population cannot be
    counted (no 「0 人（0.0%）」, no curve of shares of nothing) instead of failing."""
    from pypdf import PdfReader

    from zaitaku_map.export.request import ExportRequest
    from zaitaku_map.export.scenario_doc import export_scenario_pdf
    from zaitaku_map.options import create_option

    p = gap_project
    p.conn.execute("DELETE FROM demand_points")
    p.conn.commit()
    create_option(p, "案A", template="area", layer="二次医療圏")
    live = LiveScenario(p, category="zaishi", params=CoverageParams(mode="straight"))
    assert live.total == 0
    live.add_site(133.15, 34.05, label="谷村案")
    live.save_as("S1")
    res = export_scenario_pdf(p, ExportRequest(option="案A", scenario="S1"), tmp_path / "s.pdf")
    assert res.pages == 2
    text = PdfReader(tmp_path / "s.pdf").pages[1].extract_text()
    assert (
        "人口が地点ごとにわからない" in text and "谷村案" in text and "0.0%" not in text and "+0" not in text
    )
