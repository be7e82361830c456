"""Evaluation, contiguity, polygons, comparison, proposal and CLI of 圏域 options (synthetic project)."""

from __future__ import annotations

import json

import pytest
import shapely

from zaitaku_map.cli import main
from zaitaku_map.coverage import CoverageParams
from zaitaku_map.errors import InputDataError
from zaitaku_map.options import (
    add_hub,
    adjacency,
    assign,
    compare_options,
    contiguity,
    create_option,
    evaluate_option,
    get_option,
    ken_polygons,
    propose,
    set_active_role,
    unassign,
)


def _ken(ev: dict, key: str) -> dict:  # type: ignore[type-arg]
    return next(r for r in ev["kens"] if r["ken_key"] == key)


def _codes(ws: list[dict]) -> set[str]:  # type: ignore[type-arg]
    return {w["code"] for w in ws}


def test_adjacency_shared_borders_only(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    adj = adjacency(synthetic_project)
    assert adj["99101"] == {"99102", "99202"}
    assert "99203" not in adj["99101"]  # corner contact is not adjacency
    assert adj["99207"] == set()  # the island
    assert all(a in adj[b] for a, bs in adj.items() for b in bs)
    # cached: same answer from the results cache in a fresh process memo
    from zaitaku_map.options import geometry

    geometry._MEMO.clear()
    assert adjacency(synthetic_project) == adj
    assert (
        synthetic_project.conn.execute(
            "SELECT count(*) FROM results_cache WHERE kind='options.adjacency'"
        ).fetchone()[0]
        == 1
    )


def test_contiguity_island_makes_south_noncontiguous(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    create_option(synthetic_project, "案A", template="area")
    parts = contiguity(synthetic_project, get_option(synthetic_project, "案A").assignments)
    assert parts["9901"] == [["99101", "99102", "99201"]]
    assert parts["9903"] == [["99205", "99206"], ["99207"]]
    gdf = ken_polygons(synthetic_project, "案A")
    assert list(gdf["ken_key"]) == ["9901", "9902", "9903"]
    assert list(gdf["contiguous"]) == [True, True, False]
    assert gdf.crs.to_epsg() == 4326
    south = gdf.set_index("ken_key").geometry["9903"]
    assert len(shapely.get_parts(south)) == 2
    assert south.area == pytest.approx(0.03)
    # cached result is identical
    again = ken_polygons(synthetic_project, "案A")
    assert again.geometry.geom_equals(gdf.geometry).all()


def test_evaluate_counts_population_functions(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    p = synthetic_project
    create_option(p, "案A", template="area")
    ev = evaluate_option(p, "案A").to_dict()
    json.dumps(ev, ensure_ascii=False)  # JSON-ready
    c = _ken(ev, "9901")
    assert c["n_municipalities"] == 3 and c["area_km2"] == 300.0
    assert c["population"] == {"pop_total": 22500.0, "pop_65": 6750.0, "pop_75": 3375.0}
    assert c["facilities"]["zaishi_clinic"]["count"] == 2
    assert c["facilities"]["zaishi_hospital"]["count"] == 1
    assert c["facilities"]["zaishi_clinic"]["per_100k"] == pytest.approx(2 / 22500 * 1e5, abs=0.01)
    assert c["facilities"]["zaishi_clinic"]["per_1000_75"] == pytest.approx(2 / 3375 * 1e3, abs=0.01)
    assert c["zaishi_total"] == 3 and c["missing_functions"] == []
    assert {f["name"] for f in c["functions"]["1"]["facilities"]} == {"東市民病院"}
    assert ev["rates_note"] == "ツール算出"
    w = _ken(ev, "9902")
    assert w["missing_functions"] == [1]  # no hospital in 西部
    s = _ken(ev, "9903")
    assert s["missing_functions"] == [1, 2, 3, 4] and s["zaishi_total"] == 0
    assert s["contiguous"] is False and s["n_parts"] == 2
    assert {
        "non_contiguous",
        "missing_function",
        "no_zaishi",
        "no_home_nursing",
        "no_active_role",
        "no_hub",
    } <= _codes(s["warnings"])
    assert ev["totals"]["facilities"]["zaishi_clinic"]["count"] == 3
    assert ev["totals"]["population"]["pop_total"] == 25 * (400 * 2 + 100 * 7)
    assert ev["totals"]["non_contiguous"] == ["9903"]
    assert ev["coverage_note"] and _ken(ev, "9901")["coverage"] is None


def test_evaluate_roles_flags_clear(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    p = synthetic_project
    create_option(p, "案A", template="area")
    set_active_role(p, 4, True)
    add_hub(p, "案A", "9901", name="テスト市医師会")
    c = _ken(evaluate_option(p, "案A").to_dict(), "9901")
    assert c["active_role"]["present"] and c["active_role"]["facilities"][0]["name"] == "東市民病院"
    assert c["hub"]["present"] and not ({"no_active_role", "no_hub"} & _codes(c["warnings"]))


def test_evaluate_unassigned_crossing_empty(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    p = synthetic_project
    create_option(p, "案B", template="area")
    assign(p, "案B", ["99201", "99204"], "東部北")
    unassign(p, "案B", ["99207"])
    assign(p, "案B", ["99205", "99206"], "9902")  # 南部 becomes empty
    ev = evaluate_option(p, "案B").to_dict()
    assert "unassigned" in _codes(ev["warnings"]) and ev["totals"]["unassigned"] == ["99207"]
    east = _ken(ev, "東部北")
    assert east["crosses"] == {"二次医療圏": ["中央", "西部"]}
    assert "crosses_layer" in _codes(east["warnings"])
    assert _codes(_ken(ev, "9903")["warnings"]) == {"empty_ken"}
    # the facility of the unassigned island would be reported; 島町 has none
    assert ev["totals"]["facilities_outside"] == 0


def test_facility_without_code_uses_point(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    p = synthetic_project
    with p.transaction():
        p.conn.execute("UPDATE facilities SET muni_code=NULL WHERE id=6")  # 南町訪問看護 in 99203
        p.conn.execute("UPDATE facilities SET muni_code='99100' WHERE id=1")  # city code -> ward by point
    create_option(p, "案M", template="municipal")
    ev = evaluate_option(p, "案M").to_dict()
    assert _ken(ev, "99203")["facilities"]["home_nursing"]["count"] == 1
    assert _ken(ev, "99101")["facilities"]["zaishi_clinic"]["count"] == 1


def test_coverage_from_engine_is_aggregated(synthetic_project, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import zaitaku_map.options.evaluate as evaluate

    def row(code: str, total: float, covered: float, u65: float, u75: float) -> dict:  # type: ignore[type-arg]
        return {
            "muni_code": code,
            "pop_total": total,
            "covered": covered,
            "uncovered": total - covered,
            "pop_65_uncovered": u65,
            "pop_75_uncovered": u75,
        }

    def fake_summary(project, params, *, layers=None, facilities=None):  # type: ignore[no-untyped-def]
        rows = [
            row("99101", 10000, 10000, 0, 0),
            row("99102", 10000, 5000, 1500, 700),
            row("99201", 2500, 0, 750, 400),
        ]
        return {"categories": {"zaishi_clinic": {"by_municipality": rows}}}

    monkeypatch.setattr(evaluate, "coverage_summary", fake_summary)
    create_option(synthetic_project, "案A", template="area")
    ev = evaluate_option(synthetic_project, "案A", coverage_params=CoverageParams(minutes=30)).to_dict()
    c = _ken(ev, "9901")["coverage"]["zaishi_clinic"]
    assert c == {
        "total": 22500.0,
        "covered": 15000.0,
        "uncovered": 7500.0,
        "pop_65_uncovered": 2250.0,
        "pop_75_uncovered": 1100.0,
        "share": pytest.approx(0.6667, abs=1e-4),
    }
    assert ev["totals"]["min_coverage"]["zaishi_clinic"] == pytest.approx(0.6667, abs=1e-4)
    assert ev["coverage_note"] is None


def test_compare_makes_differences_obvious(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    p = synthetic_project
    create_option(p, "案A", template="area")
    create_option(p, "案B", template="area_split", split="東部北:99201,99204")
    res = compare_options(p, ["案A", "案B"]).to_dict()
    json.dumps(res, ensure_ascii=False)
    moved = {d["code"] for d in res["unit_differences"] if d["moved_in"]}
    assert moved == {"99201", "99204"}
    changed = {d["code"] for d in res["unit_differences"]}
    assert changed == {"99101", "99102", "99201", "99202", "99203", "99204"}
    assert res["identical_kens"] == [{"name": "南部", "codes": ["99205", "99206", "99207"]}]
    b = res["per_option"]["案B"]
    assert b["indicators"]["n_kens"] == 4 and res["per_option"]["案A"]["indicators"]["n_kens"] == 3
    assert b["flags"]["n_crossing_kens"] == "worse"
    assert b["flags"]["n_non_contiguous"] == "same"
    with pytest.raises(InputDataError):
        compare_options(p, ["案A"])


def test_proposal_meets_constraints(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    p = synthetic_project
    res = create_option(p, "提案", template="proposed", min_population=5000)
    rep = res["params"]["proposal"]
    assert rep["status"] == "ok" and rep["unmet"] == []
    ev = evaluate_option(p, "提案").to_dict()
    for r in ev["kens"]:
        assert r["zaishi_total"] >= 1
        assert r["facilities"]["home_nursing"]["count"] >= 1
        assert r["population"]["pop_total"] >= 5000
    assert ev["totals"]["unassigned"] == []
    # contiguous on land except through the island's virtual link
    assert rep["virtual_links"] == [["99207", "99206"]]
    for k in rep["kens"]:
        if "99207" not in k["units"]:
            assert k["land_contiguous"]


def test_proposal_explains_unmet(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    rep = propose(synthetic_project, min_population=10**6).report
    assert rep["status"] == "unmet"
    assert rep["dropped_constraints"][0]["constraint"] == "population"
    assert "人口" in rep["dropped_constraints"][0]["message"]
    # 20,000 is reachable in the whole region, but only 中央 (22,500) reaches it alone
    rep1 = propose(synthetic_project, min_population=20000).report
    assert rep1["n_kens"] == 1 and rep1["status"] == "ok" and rep1["layer_crossings"] == 1
    rep2 = propose(synthetic_project, require=["zaishi", "dental"])
    assert rep2.report["status"] == "unmet"
    assert any(
        "歯科診療所" in u["message"] and "1件もない" in u["message"]
        for u in rep2.report["dropped_constraints"]
    )
    # the remaining constraint (在支診・在支病) still shapes the proposal
    assert rep2.report["n_kens"] >= 3 and rep2.report["unmet"] == []
    with pytest.raises(InputDataError):
        propose(synthetic_project, require=["nonsense"])
    with pytest.raises(InputDataError):
        propose(synthetic_project, max_kens=3)


def test_proposal_is_deterministic(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    a = propose(synthetic_project, require=["zaishi"], seed=3)
    b = propose(synthetic_project, require=["zaishi"], seed=3)
    assert a.assignments == b.assignments
    # each unit of 中央 has a 在支診/在支病, so max-p makes 3 圏域 there; 西部 has one; 南部 (none) joins a neighbour
    assert a.report["n_kens"] == 4 and a.report["status"] == "ok"
    assert a.report["layer_crossings"] == 1


def test_cli_round_trip(synthetic_project, capsys) -> None:  # type: ignore[no-untyped-def]
    path = str(synthetic_project.path)
    synthetic_project.close()
    assert (
        main(["option", path, "create", "案A", "--template", "area", "--layer", "二次医療圏", "--json"]) == 0
    )
    assert json.loads(capsys.readouterr().out)["n_kens"] == 3
    assert main(["option", path, "assign", "案A", "--ken", "東部北", "--units", "99201,99204", "--json"]) == 0
    capsys.readouterr()
    assert main(["option", path, "function", "9", "--set", "①", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["functions"] == [1]
    assert main(["option", path, "evaluate", "案A", "--json"]) == 0
    ev = json.loads(capsys.readouterr().out)
    assert {r["ken_key"] for r in ev["kens"]} == {"9901", "9902", "9903", "東部北"}
    assert main(["option", path, "undo", "案A", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["undone"]
    assert main(["option", path, "create", "案B", "--template", "municipal", "--json"]) == 0
    capsys.readouterr()
    assert main(["option", path, "compare", "案A", "案B", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["baseline"] == "案A"
    assert main(["option", path, "compare", "案A", "案B"]) == 0
    assert "圏域の構成が変わる市区町村" in capsys.readouterr().out
    assert main(["option", path, "evaluate", "案A"]) == 0
    assert "積極的役割" in capsys.readouterr().out
    assert main(["option", path, "show", "存在しない", "--json"]) == 3


def test_demo_options_b_flags_missing_role(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    from options_fixtures import create_demo_options

    summary = create_demo_options(synthetic_project)
    assert set(summary) == {"案A", "案B", "案C", "自動提案"}
    assert summary["案A"]["kens_without_hub"] == []
    b = evaluate_option(synthetic_project, "案B").to_dict()
    split = next(r for r in b["kens"] if r["ken_key"] not in ("9901", "9902", "9903"))
    assert {"no_hub", "no_active_role"} <= _codes(split["warnings"])
    assert get_option(synthetic_project, "自動提案").params["proposal"]["status"] == "ok"


def test_adjacency_tolerates_simplification_gaps() -> None:
    from shapely.geometry import box

    from zaitaku_map.options.geometry import _compute_adjacency

    geoms = {
        "a": box(0, 0, 0.1, 0.1),
        "gap": box(0.10002, 0, 0.2, 0.1),  # ~2 m hair-line gap along the whole border
        "overlap": box(0, 0.09999, 0.1, 0.2),  # sliver overlap
        "corner": box(0.2, 0.1, 0.3, 0.2),  # touches "gap" only at a corner... and "a" not at all
        "far": box(1, 1, 1.1, 1.1),
    }
    adj = _compute_adjacency(geoms)
    assert adj["a"] == {"gap", "overlap"}
    assert "corner" not in adj["gap"] and "corner" not in adj["a"]
    assert adj["far"] == set()


def test_cli_edit_commands(synthetic_project, capsys) -> None:  # type: ignore[no-untyped-def]
    path = str(synthetic_project.path)
    synthetic_project.close()

    def run(*args: str) -> dict:  # type: ignore[type-arg]
        assert main(["option", path, *args, "--json"]) == 0, capsys.readouterr().err
        return json.loads(capsys.readouterr().out)

    run("create", "案A", "--template", "area", "--author", "県", "--plan-period", "2024-2029")
    run("create", "案C", "--template", "designated_city", "--wards")
    assert (
        run("create", "案B", "--template", "area_split", "--base", "案A", "--split", "東北:99201,99204")[
            "n_kens"
        ]
        == 4
    )
    assert (
        run("create", "提案", "--template", "proposed", "--min-population", "5000")["params"]["proposal"][
            "status"
        ]
        == "ok"
    )
    assert run("role", "4", "--option", "案A")["facilities"][0]["active_role"] is True
    assert (
        run(
            "hub",
            "案A",
            "--ken",
            "中央",
            "--hub-name",
            "テスト市医師会",
            "--body-type",
            "medical_association",
        )["ken_key"]
        == "9901"
    )
    assert run("hub", "案A")["hubs"][0]["name"] == "テスト市医師会"
    assert run("ken", "案A", "9902", "--rename", "西部圏域", "--color", "#abcdef")["name"] == "西部圏域"
    assert run("unassign", "案A", "--units", "99207")["unassigned"] == ["99207"]
    shown = run("show", "案A")
    assert shown["unassigned"] == ["99207 島町"] and shown["can_undo"] == 4
    assert run("undo", "案A")["undone"]
    assert run("redo", "案A")["redone"]
    run("duplicate", "案A", "案A2")
    run("rename", "案A2", "案X")
    assert [o["name"] for o in run("list")["options"]] == ["案A", "案C", "案B", "提案", "案X"]
    run("delete", "案X")
    run("ken", "案A", "9903", "--delete")
    ev = run("evaluate", "案A")
    assert {r["ken_key"] for r in ev["kens"]} == {"9901", "9902"}
    assert _ken(ev, "9901")["active_role"]["present"] and _ken(ev, "9901")["hub"]["present"]
    cmp = run("compare", "案A", "案B", "案C")
    assert cmp["options"] == ["案A", "案B", "案C"] and cmp["n_changed_units"] > 0
    assert main(["option", path, "assign", "案A", "--ken", "X", "--units", "00000", "--json"]) == 3


def test_polygon_cache_is_pruned(synthetic_project, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from zaitaku_map.options import geometry

    monkeypatch.setattr(geometry, "KEEP_POLYGON_CACHE", 2)
    p = synthetic_project
    create_option(p, "案", template="municipal")
    for i, code in enumerate(["99201", "99202", "99203", "99204"]):
        assign(p, "案", [code], "X")
        gdf = ken_polygons(p, "案")
        assert gdf.set_index("ken_key").geometry["X"].area == pytest.approx(0.01 * (i + 1))
    n = p.conn.execute("SELECT count(*) FROM results_cache WHERE kind='options.ken_polygons'").fetchone()[0]
    assert n == 2


def test_facilities_outside_listed(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    p = synthetic_project
    create_option(p, "案", template="area")
    unassign(p, "案", ["99201"])
    with p.transaction():
        p.conn.execute("UPDATE facilities SET muni_code=NULL, lon=NULL, lat=NULL WHERE id=7")
    ev = evaluate_option(p, "案").to_dict()
    rows = {r["id"]: r["reason"] for r in ev["totals"]["facilities_outside_list"]}
    assert rows == {
        4: "municipality not assigned",
        8: "municipality not assigned",
        11: "municipality not assigned",
        7: "no municipality or position",
    }
    assert ev["totals"]["facilities_outside"] == 4
    assert "facilities_outside" in _codes(ev["warnings"])
