"""What-if edits equal a full multi-source recompute."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from network_fixtures import region_builder

from zaitaku_map.coverage import CoverageParams, compute_coverage
from zaitaku_map.coverage.engine import network_field, weights
from zaitaku_map.coverage.incremental import WhatIf
from zaitaku_map.errors import AnalysisError
from zaitaku_map.network import build_network, import_roads
from zaitaku_map.network.osm import read_osm


def test_add_remove_move_equal_full_recompute(tmp_path: Path) -> None:
    net, _ = build_network(read_osm(region_builder().write_xml(tmp_path / "r.osm")))
    w = weights(net, CoverageParams())
    rng = np.random.default_rng(3)
    nodes = rng.choice(net.n_nodes, size=6, replace=False).tolist()
    legs = rng.uniform(0, 3, size=6).tolist()
    wi = WhatIf(net, w, list(range(6)), nodes, legs, limit=30.0)

    def full(ns: list[int], ls: list[float]) -> np.ndarray:
        return network_field(w, np.array(ns), np.array(ls), limit=30.0).time

    new_node = int(rng.integers(net.n_nodes))
    wi.add_node(new_node, 0.7, 6)
    np.testing.assert_allclose(wi.time, full([*nodes, new_node], [*legs, 0.7]), atol=1e-9)
    wi.remove(2)
    keep = [k for k in range(6) if k != 2]
    ns, ls = [nodes[k] for k in keep] + [new_node], [legs[k] for k in keep] + [0.7]
    np.testing.assert_allclose(wi.time, full(ns, ls), atol=1e-9)
    # sources stay consistent: each reached node's time is reachable from its source facility
    assert np.all(wi.source[np.isfinite(wi.time)] >= 0)
    assert not np.isin(wi.source, [2]).any()
    wi.remove(0)
    wi.remove(6)
    ns2, ls2 = [nodes[k] for k in (1, 3, 4, 5)], [legs[k] for k in (1, 3, 4, 5)]
    np.testing.assert_allclose(wi.time, full(ns2, ls2), atol=1e-9)
    with pytest.raises(AnalysisError):
        wi.remove(0)


def test_project_whatif_move(synthetic_project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    p = synthetic_project
    import_roads(p, region_builder().write_xml(tmp_path / "r.osm"))
    params = CoverageParams()
    wi = WhatIf.from_project(p, params, "care_facility")
    base = compute_coverage(p, params, categories=["care_facility"]).times("care_facility")
    np.testing.assert_allclose(wi.demand_times(), base)
    before = wi.covered_pop()
    wi.move(10, 133.15, 34.05)  # 山村 → 谷村 (south)
    p.conn.execute("UPDATE facilities SET lon=133.15, lat=34.05 WHERE id=10")
    p.conn.commit()
    after = compute_coverage(p, params, categories=["care_facility"]).times("care_facility")
    np.testing.assert_allclose(wi.demand_times(), after, atol=1e-9)
    assert wi.covered_pop() != before
    with pytest.raises(AnalysisError):
        wi.add(133.25, 33.97)  # in the sea


def test_service_areas_who_serves_whom(synthetic_project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from zaitaku_map.coverage.service import service_areas

    p = synthetic_project
    params = CoverageParams()
    for with_roads in (False, True):
        if with_roads:
            import_roads(p, region_builder().write_xml(tmp_path / "r.osm"))
        sa = service_areas(p, params, "zaishi")
        res = compute_coverage(p, params, categories=["zaishi"])
        covered = float(res.demand.pop()[res.times("zaishi") <= 30].sum())
        assert len(sa) == 4 and sa["snapped"].all()
        assert sa["basin_pop"].sum() == pytest.approx(covered)  # basins partition the covered population
        assert np.all(sa["exclusive_pop"] <= sa["basin_pop"] + 1e-9)
        assert np.all(sa["basin_pop"] <= sa["reach_pop"] + 1e-9)
        assert sa["reach_pop"].max() <= covered + 1e-9
        from zaitaku_map.coverage import facility_service_area

        one = facility_service_area(p, 1, params=params)
        row = sa.set_index("facility_id").loc[1]
        assert one["reached_pop"] == pytest.approx(row["reach_pop"]) and one["polygon"] is not None


def test_cancel_leaves_nothing_half_done(synthetic_project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from zaitaku_map.errors import Cancelled
    from zaitaku_map.network import load_network
    from zaitaku_map.progress import CancelToken

    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        import_roads(synthetic_project, region_builder().write_xml(tmp_path / "r.osm"), cancel=token)
    assert load_network(synthetic_project) is None
    assert (
        synthetic_project.conn.execute("SELECT count(*) FROM sources WHERE kind='roads'").fetchone()[0] == 0
    )
    with pytest.raises(Cancelled):
        compute_coverage(synthetic_project, CoverageParams(), cancel=token)
    seen: list[float] = []
    compute_coverage(
        synthetic_project,
        CoverageParams(),
        categories=["zaishi", "pharmacy"],
        progress=lambda d, t, m: seen.append(d / t),
    )
    assert seen and seen[-1] == pytest.approx(1.0)


def test_basin_polygons_partition_the_band(synthetic_project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import shapely

    from zaitaku_map.coverage import band_polygons, basin_polygons

    p = synthetic_project
    import_roads(p, region_builder().write_xml(tmp_path / "r.osm"))
    params = CoverageParams(bands=(30,))
    for mode in ("network", "straight"):
        prm = CoverageParams(bands=(30,), mode=mode)
        basins = basin_polygons(p, prm, "zaishi")
        band = band_polygons(p, prm, "zaishi").geometry.iloc[0]
        assert set(basins["facility_id"]) <= {1, 2, 3, 4}
        assert len(basins) >= 3
        union = shapely.union_all(list(basins.geometry))
        # equal up to reprojection slivers (< 1 m² per km² of band)
        assert union.symmetric_difference(band).area < 1e-6 * band.area
        geoms = list(basins.geometry)
        for i in range(len(geoms)):
            for j in range(i + 1, len(geoms)):
                assert geoms[i].intersection(geoms[j]).area < 1e-6 * band.area  # basins do not overlap
        res = compute_coverage(p, prm, categories=["zaishi"])
        covered = float(res.demand.pop()[res.times("zaishi") <= 30].sum())
        assert basins["basin_pop"].sum() == pytest.approx(covered)
    assert params.minutes == 30
