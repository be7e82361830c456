"""協力医療機関 candidate lists: classification, kinds, lists and flags (flags against brute force)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from network_fixtures import region_builder
from partners_fixtures import CARE, INSTITUTIONS, add_partner_data
from scipy.sparse.csgraph import dijkstra

from zaitaku_map.coverage import CoverageParams
from zaitaku_map.coverage.engine import weights
from zaitaku_map.errors import AnalysisError
from zaitaku_map.network import import_roads, load_network, snap_points
from zaitaku_map.network.graph import to_metric
from zaitaku_map.partners.classify import classify, load_institutions
from zaitaku_map.partners.kinds import jigyosho_number, kind_of, obligation
from zaitaku_map.partners.lists import partner_lists, save_minutes

# the synthetic project's own institutions (tests/synthetic.py): category → expected classification
SYNTHETIC = {
    "zaishi_clinic": (True, False, False),
    "zaishi_hospital": (True, True, True),
    "hospital": (False, True, False),
}


@pytest.fixture
def partners_project(synthetic_project: Any) -> Any:
    add_partner_data(synthetic_project)
    return synthetic_project


@pytest.fixture
def partners_roads(partners_project: Any, tmp_path: Path) -> Any:
    import_roads(partners_project, region_builder().write_xml(tmp_path / "r.osm"), min_component_nodes=100)
    return partners_project


# -- classification --------------------------------------------------------------------------------
def test_zaishi_hospital_meets_all_three_with_its_basis() -> None:
    m12, m3, prio, basis = classify(
        "zaishi_hospital", 120, [("zaishi_hospital", "支援病３"), ("home_dx", "在宅DX")]
    )
    assert (m12, m3, prio) == (True, True, True)
    assert basis == ("名簿: 支援病３", "病床数 120")


def test_hospital_without_beds_is_not_a_candidate_for_admission() -> None:
    assert classify("hospital", None, [])[:3] == (False, False, False)
    assert classify("hospital", 0, [("back_support_hospital", "在後病")])[:3] == (False, False, False)
    assert classify("hospital", None, [])[3] == ("病床数 不明",)
    # a 在支病 without a bed count still meets (1)(2)
    assert classify("zaishi_hospital", None, [("zaishi_hospital", "支援病１")])[:3] == (True, False, False)


def test_priority_designations_and_plain_hospitals() -> None:
    for kind, code in (
        ("back_support_hospital", "在後病"),
        ("community_care_ward", "地包ケア１"),
        ("partner_admission", "協力施設"),
    ):
        assert classify("hospital", 60, [(kind, code)])[:3] == (False, True, True)
    assert classify("hospital", 60, [("home_medical_mgmt", "在医総管１")]) == (
        False,
        True,
        False,
        ("病床数 60",),
    )


def test_clinics_need_a_home_visit_designation() -> None:
    assert classify("clinic", None, [("care_facility_visit", "介保連")])[:3] == (True, False, False)
    assert classify("clinic", 19, [("home_medical_mgmt", "在医総管１")])[:3] == (False, False, False)
    # a list that only gives the category
    m12, m3, _p, basis = classify("zaishi_clinic", None, [])
    assert (m12, m3) == (True, False) and basis == ("種別: 在宅療養支援診療所",)


def test_load_institutions_classifies_every_rule(partners_project: Any) -> None:
    inst = {i.name: i for i in load_institutions(partners_project)}
    for name, _cat, _m, _x, _y, _b, _d, (m12, m3, prio) in INSTITUTIONS:
        if not (m12 or m3):
            assert name not in inst
            continue
        assert (inst[name].meets_12, inst[name].meets_3, inst[name].priority_3) == (m12, m3, prio), name
    assert inst["中央在支病"].basis == ("名簿: 支援病２", "名簿: 地包ケア１", "病床数 150")
    assert inst["中央在支病"].basis_text == "名簿: 支援病２・地包ケア１／病床数 150"
    assert inst["中央在支病"].requirements == "(1)(2)(3)"


# -- kinds ----------------------------------------------------------------------------------------------
def test_kinds_from_service_code_subtype_and_name() -> None:
    assert kind_of(["kaigo:540:9970000001"], None, None) == "chiiki_tokuyo"
    assert kind_of(["kaigo:320:1", "kaigo:510:1"], None, None) == "tokuyo"  # the stronger obligation wins
    assert kind_of(["kaigo:530:1"], "介護療養型医療施設", "病院") is None  # abolished in 2024
    assert kind_of([], "サービス付き高齢者向け住宅", None) == "tokutei"
    assert kind_of(["table:x:1"], None, "特別養護老人ホーム　みほん荘") == "tokuyo"
    assert kind_of([], None, "地域密着型特別養護老人ホーム　みほん") == "chiiki_tokuyo"
    assert kind_of([], "通所介護", "デイサービス") is None
    assert obligation("iryoin") == "required" and obligation("gh") == "effort"
    assert jigyosho_number(["synthetic:1", "kaigo:510:3170100001"]) == "3170100001"


# -- lists and flags against brute force ------------------------------------------------------------
def _expected_classes(project: Any) -> dict[int, tuple[bool, bool]]:
    by_name = {n: exp for n, _c, _m, _x, _y, _b, _d, exp in INSTITUTIONS}
    out: dict[int, tuple[bool, bool]] = {}
    for fid, name, cat in project.conn.execute(
        "SELECT id, name, category FROM facilities WHERE category IN ('zaishi_clinic','zaishi_hospital','hospital','clinic')"
    ):
        exp = by_name.get(name, SYNTHETIC.get(cat, (False, False, False)))
        out[int(fid)] = (exp[0], exp[1])
    return out


def _brute_minutes(project: Any, params: CoverageParams, care: list[Any]) -> dict[int, dict[int, float]]:
    """care facility id → institution id → minutes, from a full Dijkstra per care facility (or the
    straight-line formula without a network)."""
    inst = project.conn.execute(
        "SELECT id, lon, lat FROM facilities WHERE lon IS NOT NULL AND category IN "
        "('zaishi_clinic','zaishi_hospital','hospital','clinic')"
    ).fetchall()
    ids = [r[0] for r in inst]
    ilon, ilat = np.array([r[1] for r in inst]), np.array([r[2] for r in inst])
    net = load_network(project)
    out: dict[int, dict[int, float]] = {}
    if net is None:
        ix, iy = to_metric("EPSG:6690", ilon, ilat)
        for f in care:
            if f.lon is None:
                out[f.id] = {}
                continue
            fx, fy = to_metric("EPSG:6690", [f.lon], [f.lat])
            t = (
                np.hypot(ix - fx[0], iy - fy[0])
                * params.detour_factor
                / (params.straight_speed_kmh * 1000 / 60)
            )
            out[f.id] = dict(zip(ids, t.tolist(), strict=True))
        return out
    w = weights(net, params)
    si = snap_points(net, ilon, ilat)
    for f in care:
        if f.lon is None:
            out[f.id] = {}
            continue
        sf = snap_points(net, [f.lon], [f.lat])
        if sf.node[0] < 0:
            out[f.id] = {}
            continue
        dist = dijkstra(w, directed=True, indices=int(sf.node[0]))
        out[f.id] = {
            i: float(sf.leg_min[0] + dist[si.node[k]] + si.leg_min[k])
            for k, i in enumerate(ids)
            if si.node[k] >= 0 and np.isfinite(dist[si.node[k]])
        }
    return out


def _check_against_brute_force(project: Any, minutes: float) -> Any:
    lists = partner_lists(project, minutes=minutes)
    params = CoverageParams(minutes=minutes)
    classes = _expected_classes(project)
    brute = _brute_minutes(project, params, lists.facilities)
    for f in lists.facilities:
        near = {i: t for i, t in brute[f.id].items() if t <= minutes and any(classes[i])}
        assert {c.institution.id for c in f.candidates} == set(near), f.name
        for c in f.candidates:
            assert c.minutes == pytest.approx(near[c.institution.id], abs=1e-6)
        no12 = not any(classes[i][0] for i in near)
        no3 = not any(classes[i][1] for i in near)
        assert f.flag_12 == no12, f.name
        assert f.flag_3 == (no3 and obligation(f.kind) == "required"), f.name
        assert f.flagged == (no12 or (no3 and obligation(f.kind) == "required"))
        assert [c.minutes for c in f.candidates] == sorted(c.minutes for c in f.candidates)
    return lists


@pytest.mark.parametrize("minutes", [10.0, 20.0, 30.0])
def test_network_flags_are_exactly_the_brute_force_ones(partners_roads: Any, minutes: float) -> None:
    lists = _check_against_brute_force(partners_roads, minutes)
    assert lists.mode == "network" and "道路ネットワーク" in lists.description_ja
    assert f"{minutes:g}分" in lists.description_ja
    by = {f.name: f for f in lists.facilities}
    assert by["島町GH"].flag_12 and by["島町GH"].status == "ok"  # its own roads, nothing to reach
    assert by["位置不明の老健"].status == "unplaced" and by["位置不明の老健"].flagged
    assert "デイサービス" not in by and "山村特別養護老人ホーム" in by
    assert 0 < len(lists.flagged()) < len(lists.facilities)


@pytest.mark.parametrize("minutes", [15.0, 30.0])
def test_straight_line_flags_are_exactly_the_brute_force_ones(partners_project: Any, minutes: float) -> None:
    lists = _check_against_brute_force(partners_project, minutes)
    assert lists.mode == "straight" and "直線距離モデル" in lists.description_ja


def test_ranks_put_designated_hospitals_first_for_admission(partners_roads: Any) -> None:
    lists = partner_lists(partners_roads, minutes=60)
    f = next(f for f in lists.facilities if f.name == "南町有料")
    r3 = f.ranked("3")
    assert r3 and [c.rank_3 for c in r3] == list(range(1, len(r3) + 1))
    prio = [c.institution.priority_3 for c in r3]
    assert prio == sorted(prio, reverse=True)  # all priority hospitals before the others
    for group in (True, False):
        times = [c.minutes for c in r3 if c.institution.priority_3 == group]
        assert times == sorted(times)
    r12 = f.ranked("12")
    assert [c.minutes for c in r12] == sorted(c.minutes for c in r12)
    assert all(c.institution.meets_12 for c in r12)


def test_counts_per_municipality_and_per_group(partners_roads: Any) -> None:
    lists = partner_lists(partners_roads, minutes=20)
    munis = {g.key: g for g in lists.by_municipality()}
    assert sum(g.facilities for g in munis.values()) == len(lists.facilities)
    assert sum(g.flagged for g in munis.values()) == len(lists.flagged())
    assert munis["99207"].flag_12 == 1 and munis["99203"].not_routed == 1
    groups = {"99101": "A", "99102": "A", "99201": "A", "99206": "B", "99207": "B"}
    got = {g.key: g for g in lists.by_group(groups, {"A": "北", "B": "南"})}
    assert got["A"].name == "北" and got["A"].facilities == sum(
        1 for f in lists.facilities if f.muni_code in ("99101", "99102", "99201")
    )
    assert got["B"].flagged == sum(
        1 for f in lists.facilities if f.muni_code in ("99206", "99207") and f.flagged
    )


def test_municipality_filter_and_saved_minutes(partners_roads: Any) -> None:
    city = partner_lists(partners_roads, municipality="テスト市")
    assert {f.muni_code for f in city.facilities} == {"99101", "99102"}
    assert {f.muni_code for f in partner_lists(partners_roads, municipality="99203").facilities} == {"99203"}
    with pytest.raises(AnalysisError):
        partner_lists(partners_roads, municipality="どこにもない町")
    assert partner_lists(partners_roads).minutes == 30.0
    save_minutes(partners_roads, 45)
    assert partner_lists(partners_roads).minutes == 45.0
    with pytest.raises(AnalysisError):
        save_minutes(partners_roads, 0)


def test_to_dict_is_json_ready(partners_roads: Any) -> None:
    import json

    d = partner_lists(partners_roads).to_dict()
    text = json.dumps(d, ensure_ascii=False)
    assert (
        d["care_facilities"] == len(CARE) - 1 + 1
    )  # デイサービス is not concerned; 山村特養 of the base project is
    assert "名簿: 支援病２" in text and d["flagged"] == d["flag_12"] + d["flag_3"] - sum(
        1 for f in d["facilities"] if f["flag_12"] and f["flag_3"]
    )


# -- the option evaluation's 協力医療機関 section ---------------------------------------------------
def test_evaluation_section_counts_flags_per_ken(partners_roads: Any) -> None:
    from zaitaku_map.options import compare_options, create_option, evaluate_option

    create_option(partners_roads, "案A", template="area", layer="二次医療圏")
    create_option(partners_roads, "市町村", template="municipal")
    lists = partner_lists(partners_roads)
    ev = evaluate_option(partners_roads, "案A").to_dict()
    per = {k["ken_key"]: k["partners"] for k in ev["kens"]}
    assert sum(v["facilities"] for v in per.values()) == len(lists.facilities)
    assert (
        sum(v["flagged"] for v in per.values()) == len(lists.flagged()) == ev["totals"]["partners"]["flagged"]
    )
    south = per["9903"]  # 川町・谷村・島町: the island GH and the 谷村 特養 far from everything
    assert south["flagged"] >= 1 and south["minutes"] == 30
    gap = [w for w in ev["warnings"] if w["code"] == "partners_gap"]
    assert {w["ken_key"] for w in gap} == {k for k, v in per.items() if v["flagged"]}
    assert all("協力医療機関の候補が30分以内にない介護施設" in w["message"] for w in gap)
    cmp = compare_options(partners_roads, ["案A", "市町村"]).to_dict()
    assert cmp["per_option"]["案A"]["indicators"]["partners_flagged"] == len(lists.flagged())
    assert cmp["per_option"]["市町村"]["indicators"]["partners_kens_with_gap"] >= len(gap)
    # the same lists serve every option of a comparison (memoised by their inputs)
    assert partner_lists(partners_roads) is lists


def test_no_care_facilities_no_section_and_nothing_loaded(synthetic_project: Any, monkeypatch: Any) -> None:
    import zaitaku_map.partners.lists as lists_mod
    from zaitaku_map.options import create_option, evaluate_option

    def loaded(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("institutions loaded for a project without care facilities")

    with synthetic_project.transaction():  # its one 特養 closed: no care facility the reform concerns
        synthetic_project.conn.execute(
            "UPDATE facilities SET status = 'closed' WHERE category = 'care_facility'"
        )
    monkeypatch.setattr(lists_mod, "load_institutions", loaded)
    lists = partner_lists(synthetic_project)
    assert lists.facilities == [] and lists.n_institutions == 0 and lists.minutes == 30
    create_option(synthetic_project, "案A", template="area", layer="二次医療圏")
    ev = evaluate_option(synthetic_project, "案A").to_dict()
    assert "partners" not in ev["totals"] and all("partners" not in k for k in ev["kens"])


def test_map_features_of_the_lists(partners_roads: Any) -> None:
    from zaitaku_map.partners.maplinks import flagged_features, link_features

    lists = partner_lists(partners_roads)
    f = max(lists.facilities, key=lambda x: len(x.candidates))
    one = link_features(lists, facility_id=f.id)["features"]
    assert len(one) == len(f.candidates) and {x["properties"]["facility_id"] for x in one} == {f.id}
    first = link_features(lists)["features"]
    per: dict[int, list[str]] = {}
    for x in first:
        per.setdefault(x["properties"]["facility_id"], []).append(x["properties"]["kind"])
    assert all(1 <= len(k) <= 2 for k in per.values())
    assert all(
        k == ["both"] or "both" not in k for k in per.values()
    )  # one line when one institution serves both
    flagged = flagged_features(lists)["features"]
    assert len(flagged) == sum(1 for x in lists.flagged() if x.lon is not None)
    assert all(x["geometry"]["type"] == "Point" and x["properties"]["_tip"] for x in flagged)
