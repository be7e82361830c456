"""「案A＋シナリオ1」: a stored scenario evaluated and compared like an option (the evaluation's facility sets)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from network_fixtures import region_builder

from zaitaku_map.cli import main
from zaitaku_map.coverage import CoverageParams
from zaitaku_map.network import import_roads
from zaitaku_map.options import EvaluationTarget, compare_options, create_option, evaluate_option
from zaitaku_map.remedies import LiveScenario
from zaitaku_map.remedies.coverage import evaluate_scenario
from zaitaku_map.remedies.facility_set import scenario_facility_set


@pytest.fixture
def scen(synthetic_project, tmp_path: Path):  # type: ignore[no-untyped-def]
    p = synthetic_project
    import_roads(p, region_builder().write_xml(tmp_path / "r.osm"))
    create_option(p, "案A", template="area", layer="二次医療圏")
    live = LiveScenario(p, category="zaishi")
    live.add_site(133.15, 34.05, label="谷村案")  # 南部 gains a hypothetical 在支診
    live.close_facility(3)  # 西町診療所 (西部) off
    live.gain(11)  # 東市民病院 (中央) also becomes 在支病
    live.save_as("S1")
    return p


def _by_name(ev: dict) -> dict:  # type: ignore[type-arg]
    return {k["name"]: k for k in ev["kens"]}


def test_option_under_a_scenario(scen) -> None:  # type: ignore[no-untyped-def]
    p = scen
    params = CoverageParams()
    fs = scenario_facility_set(p, "S1")
    assert fs.label == "S1" and sorted(f.name for f in fs.hypothetical) == ["東市民病院", "谷村案"]
    base = _by_name(evaluate_option(p, "案A", coverage_params=params).to_dict())
    ev = evaluate_option(p, "案A", coverage_params=params, facilities=fs).to_dict()
    assert ev["title"] == "案A＋S1"
    kens = _by_name(ev)
    count = lambda k, c: k["facilities"][c]["count"]  # noqa: E731
    assert count(kens["南部"], "zaishi_clinic") == count(base["南部"], "zaishi_clinic") + 1
    assert count(kens["西部"], "zaishi_clinic") == count(base["西部"], "zaishi_clinic") - 1
    assert count(kens["中央"], "zaishi_hospital") == count(base["中央"], "zaishi_hospital") + 1
    # the evaluation's coverage per 圏域 is the scenario's own (remedies' full recompute)
    mine = evaluate_scenario(p, "S1", params, groups={"案A": {u: n for u, n in _units(p).items()}})
    for area in mine.areas["案A"]:
        assert kens[area.key]["coverage"]["zaishi"]["uncovered"] == pytest.approx(
            area.uncovered_after, abs=0.1
        )
        assert base[area.key]["coverage"]["zaishi"]["uncovered"] == pytest.approx(
            area.uncovered_before, abs=0.1
        )
    cmp = compare_options(p, ["案A", EvaluationTarget("案A", fs)], coverage_params=params).to_dict()
    assert cmp["options"] == ["案A", "案A＋S1"]


def _units(p) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from zaitaku_map.options import get_option

    opt = get_option(p, "案A")
    return {u: opt.kens[k]["name"] for u, k in opt.assignments.items()}


def test_cli_evaluate_and_compare_with_a_scenario(scen, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    path = str(scen.path)
    assert main(["option", path, "evaluate", "案A", "--scenario", "S1", "--coverage", "--json"]) == 0
    ev = json.loads(capsys.readouterr().out)
    assert ev["title"] == "案A＋S1" and ev["scenario"] == "S1"
    assert main(["option", path, "compare", "案A", "案A＋S1", "--coverage", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["options"] == ["案A", "案A＋S1"]
    assert main(["option", path, "compare", "案A", "案A+nope", "--json"]) == 3  # no such scenario
