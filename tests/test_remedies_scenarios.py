"""What-if scenarios: stored edits with undo/redo, live coverage equal to a full recompute, and
hypothetical facilities that never reach the facility register."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from network_fixtures import region_builder

from zaitaku_map.coverage import CoverageParams
from zaitaku_map.errors import InputDataError
from zaitaku_map.network import import_roads
from zaitaku_map.remedies import (
    LiveScenario,
    ScenarioNotFoundError,
    create_scenario,
    delete_scenario,
    get_scenario,
    list_scenarios,
    scenario_coverage,
)
from zaitaku_map.remedies import scenarios as store
from zaitaku_map.remedies.live import PositionError

# synthetic project: facility 1–3 在支診, 4 在支病 (東市), 11 the same hospital as 病院, 10 a care facility
GAP = (133.15, 34.05)  # 谷村 (99206), no facility


def _add_clinic(p, fid: int, lon: float, lat: float, muni: str = "99206") -> None:  # type: ignore[no-untyped-def]
    p.conn.execute(
        "INSERT INTO facilities (id, category, name, muni_code, status, lon, lat, geocode_level) "
        "VALUES (?, 'clinic', ?, ?, 'open', ?, ?, 'source')",
        (fid, f"診療所{fid}", muni, lon, lat),
    )
    p.conn.commit()


def _register_digest(p) -> str:  # type: ignore[no-untyped-def]
    h = hashlib.sha256()
    for table in ("facilities", "facility_records", "designations", "facility_functions"):
        for row in p.conn.execute(f"SELECT * FROM {table} ORDER BY 1"):
            h.update(repr(row).encode())
    return h.hexdigest()


def _uncovered_by_mask(live: LiveScenario, group: str) -> dict[str, float]:
    g = live.groups[group]
    pop = live.demand.pop()
    out = {k: 0.0 for k in g.keys}
    for i in np.flatnonzero(~live.covered_mask):
        if g.index[i] >= 0:
            out[g.keys[g.index[i]]] += pop[i]
    return out


def _check_exact(live: LiveScenario) -> None:
    """The live state equals a full recompute on the edited facility set."""
    full = scenario_coverage(live.project, live.state, live.params, categories=[live.category])
    t = full.times(live.category)
    np.testing.assert_array_equal(live.times, t)
    pop = full.demand.pop()
    assert live.covered == float(pop[t <= live.params.minutes].sum())  # exact, not approximately
    expect = _uncovered_by_mask(live, "二次医療圏")
    for area in live.uncovered_by("二次医療圏"):
        assert area.uncovered == pytest.approx(round(expect[area.key], 1), abs=0.051)


@pytest.mark.parametrize("mode", ["network", "straight"])
def test_every_edit_equals_a_full_recompute(synthetic_project, tmp_path: Path, mode: str) -> None:  # type: ignore[no-untyped-def]
    p = synthetic_project
    import_roads(p, region_builder().write_xml(tmp_path / "r.osm"))
    _add_clinic(p, 50, 133.16, 34.06)
    _add_clinic(p, 51, 133.05, 34.12, "99205")
    live = LiveScenario(p, category="zaishi", params=CoverageParams(mode=mode))
    assert live.mode == mode
    _check_exact(live)
    start = live.covered
    steps = [
        lambda: live.add_site(*GAP, label="谷村の仮想診療所"),
        lambda: live.gain(50),  # 診療所 → 在支診
        lambda: live.close_facility(3),  # 西町診療所 off
        lambda: live.move_facility(1, 133.12, 34.16),
        lambda: live.add_site(133.25, 34.15, category="zaishi_hospital"),
        lambda: live.move_site(1, 133.14, 34.04),
        lambda: live.gain(51),
        lambda: live.remove_site(2),
        lambda: live.reopen_facility(3),
        lambda: live.ungain(50),
    ]
    for step in steps:
        out = step()
        assert out.changed
        _check_exact(live)
    assert live.covered != start
    for _ in range(4):
        assert live.undo().changed
        _check_exact(live)
    for _ in range(2):
        assert live.redo().changed
        _check_exact(live)
    # a new edit drops the redo tail
    live.close_facility(2)
    assert not live.can_redo and not live.redo().changed
    _check_exact(live)
    while live.can_undo:
        live.undo()
    _check_exact(live)
    assert live.covered == start and live.state.empty


def test_the_uncovered_number_drops_when_a_site_fills_the_gap(synthetic_project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    p = synthetic_project
    import_roads(p, region_builder().write_xml(tmp_path / "r.osm"))
    live = LiveScenario(p, category="zaishi")
    before = {a.key: a for a in live.uncovered_by("二次医療圏")}
    out = live.add_site(*GAP)
    after = {a.key: a for a in live.uncovered_by("二次医療圏")}
    assert out.delta_covered > 0 and out.changed_points > 0
    assert after["9903"].uncovered < before["9903"].uncovered  # 南部 (谷村) gains
    assert after["9901"].uncovered == before["9901"].uncovered
    assert out.uncovered == pytest.approx(sum(a.uncovered for a in after.values()), abs=0.2)
    assert sum(b.uncovered for b in before.values()) - out.uncovered == pytest.approx(
        out.delta_covered, abs=0.2
    )
    gaps = live.gap_points()
    assert float(gaps["pop_total"].sum()) == pytest.approx(live.uncovered)
    fac = live.facilities()
    assert fac["hypothetical"].sum() == 1 and fac.loc[fac["hypothetical"], "id"].tolist() == [-1]
    with pytest.raises(PositionError):
        live.add_site(133.25, 33.97)  # in the sea, off the road network: refused, nothing recorded
    assert len(live.done) == 1


def test_stored_scenario_undo_redo_and_save(synthetic_project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    p = synthetic_project
    sc = create_scenario(p, "シナリオ1", category="zaishi", notes="谷村に1か所")
    assert sc.state.empty
    with pytest.raises(InputDataError):
        create_scenario(p, "シナリオ1")
    with pytest.raises(InputDataError):
        create_scenario(p, "x", category="nonsense")
    live = LiveScenario(p, scenario="シナリオ1")  # straight line (no roads): edits are written through
    live.add_site(*GAP, label="A")
    live.close_facility(3)
    live.gain(11)  # the hospital becomes 在支病
    st = get_scenario(p, "シナリオ1").state
    assert [s.label for s in st.sites.values()] == ["A"]
    assert st.changes[3].closed and st.changes[11].gains == "zaishi_hospital"
    assert store.undo(p, "シナリオ1") is not None  # undo from the CLI side …
    assert 11 not in get_scenario(p, "シナリオ1").state.changes
    reopened = LiveScenario(p, scenario="シナリオ1")  # … seen by a new session, with its redo tail
    assert reopened.can_redo and reopened.state.changes.keys() == {3}
    reopened.redo()
    assert get_scenario(p, "シナリオ1").state.changes[11].gains == "zaishi_hospital"
    info = {i.name: i for i in list_scenarios(p)}["シナリオ1"]
    assert (info.sites, info.changes) == (1, 2)
    # an unsaved session saved under a new name keeps its history
    scratch = LiveScenario(p, category="home_nursing")
    scratch.add_site(*GAP)
    scratch.add_site(133.05, 34.05)
    scratch.undo()
    saved = scratch.save_as("訪問看護案")
    assert saved.category == "home_nursing" and len(saved.state.sites) == 1
    done, undone = store.history(p, "訪問看護案")
    assert len(done) == 1 and len(undone) == 1
    scratch.redo()  # now written through
    assert len(get_scenario(p, "訪問看護案").state.sites) == 2
    with pytest.raises(InputDataError):
        scratch.save_as("シナリオ1")
    store.rename_scenario(p, "訪問看護案", "訪問看護案2")
    delete_scenario(p, "訪問看護案2")
    with pytest.raises(ScenarioNotFoundError):
        get_scenario(p, "訪問看護案2")
    assert (
        p.conn.execute("SELECT count(*) FROM scenario_sites WHERE scenario_id=?", (saved.id,)).fetchone()[0]
        == 0
    )


def test_edits_are_checked_before_they_are_recorded(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    p = synthetic_project
    live = LiveScenario(p, category="zaishi")
    with pytest.raises(InputDataError):
        live.gain(1)  # already 在支診
    with pytest.raises(InputDataError):
        live.gain(7)  # a pharmacy: no default role to take on
    with pytest.raises(InputDataError):
        live.close_facility(9999)
    with pytest.raises(InputDataError):
        live.move_site(1, *GAP)  # no such hypothetical site
    p.conn.execute("UPDATE facilities SET status='closed' WHERE id=2")
    p.conn.commit()
    with pytest.raises(InputDataError):
        LiveScenario(p).close_facility(2)
    assert not live.done
    assert live.close_facility(3).changed  # a real edit …
    assert not live.close_facility(3).changed  # … repeated is a no-op and not logged
    assert len(live.done) == 1


def test_hypothetical_facilities_never_reach_the_register(synthetic_project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from zaitaku_map.export import export_csv
    from zaitaku_map.export.data import load_export_data
    from zaitaku_map.export.request import ExportRequest
    from zaitaku_map.options import create_option
    from zaitaku_map.store.queries import open_facilities

    p = synthetic_project
    create_option(p, "案A", template="area", layer="二次医療圏")
    digest = _register_digest(p)
    n_fac = p.conn.execute("SELECT count(*) FROM facilities").fetchone()[0]
    live = LiveScenario(p, category="zaishi")
    live.add_site(*GAP, label="仮想の在支診ZZZ")
    live.close_facility(1)
    live.gain(11)
    live.move_facility(2, 133.12, 34.16)
    live.save_as("シナリオ1")
    assert _register_digest(p) == digest  # the register is byte-for-byte untouched
    assert p.conn.execute("SELECT count(*) FROM facilities").fetchone()[0] == n_fac
    assert all(f["id"] > 0 and "ZZZ" not in f["name"] for f in open_facilities(p))
    data = load_export_data(p, ExportRequest(option="案A"))
    assert "ZZZ" not in data.facilities.to_csv() and (data.facilities["id"] > 0).all()
    out = tmp_path / "fac.csv"
    export_csv(p, ExportRequest(option="案A"), out)
    assert "ZZZ" not in out.read_text(encoding="utf-8-sig")
    # the sites are their own GeoPackage layer, labelled as hypothetical
    desc = p.conn.execute(
        "SELECT description FROM gpkg_contents WHERE table_name='scenario_sites'"
    ).fetchone()[0]
    assert "仮想" in desc
