"""Demand in the option evaluation, comparison and table exports (sections demand and population_projection)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from demand_fixtures import AREA_UNITS, AREA_VALUES, pop75, write_demand, write_summary_75
from synthetic import build_synthetic_project

from zaitaku_map.cli import main
from zaitaku_map.demand import import_projection_file
from zaitaku_map.options import compare_options, create_option, evaluate_option
from zaitaku_map.store import Project


@pytest.fixture
def synth(tmp_path: Path) -> Project:
    p = build_synthetic_project(tmp_path / "s.gpkg")
    p.set_study_prefectures(["99"])
    create_option(p, "案A", template="area", layer="二次医療圏")
    create_option(p, "市町村", template="municipal")
    yield p
    p.close()


def test_no_demand_keys_without_projections(synth: Project) -> None:
    ev = evaluate_option(synth, "案A").to_dict()
    assert all("demand" not in k and "population_projection" not in k for k in ev["kens"])


def test_evaluation_carries_demand_and_population(synth: Project, tmp_path: Path) -> None:
    import_projection_file(synth, write_demand(tmp_path / "d.xlsx"))
    import_projection_file(synth, write_summary_75(tmp_path / "s.xlsx"))
    ev = evaluate_option(synth, "案A", year=2040).to_dict()
    central = next(k for k in ev["kens"] if k["ken_key"] == "9901")
    d = central["demand"]
    assert d["home_visit_per_month"] == {
        str(y): v for y, v in AREA_VALUES["9901"].items()
    }  # exactly the file
    assert (d["method"], d["key"], d["peak_year"], d["year"]) == ("area", None, 2040, 2040)
    assert d["at_year"] == AREA_VALUES["9901"][2040]
    assert d["growth"] == round(AREA_VALUES["9901"][2040] / AREA_VALUES["9901"][2024] - 1, 4)
    assert d["supply"]["counts"]["zaishi"] == 3  # 2 在支診 + 1 在支病 in the synthetic 中央
    pp = central["population_projection"]
    assert pp["75+"]["2040"] == sum(pop75(u, 2040) for u in ("99101", "99102", "99201"))
    assert pp["peak_year_75"] == 2050 and pp["at_year"]["75+"] == pp["75+"]["2040"]
    assert ev["totals"]["demand"]["method"] == "area"
    assert any("構想区域別の医療需要推計" in s for s in ev["totals"]["demand"]["sources"])
    # a municipal option is apportioned by the 75+ projection; its parts add up to the file per 構想区域
    mu = evaluate_option(synth, "市町村").to_dict()
    assert {k["demand"]["method"] for k in mu["kens"]} == {"apportioned"}
    by_unit = {k["ken_key"]: k["demand"]["home_visit_per_month"] for k in mu["kens"]}
    for area, units in AREA_UNITS.items():
        for y in (2024, 2040, 2050):
            assert sum(by_unit[u][str(y)] for u in units) == pytest.approx(AREA_VALUES[area][y])


def test_comparison_and_cli(synth: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import_projection_file(synth, write_demand(tmp_path / "d.xlsx"))
    import_projection_file(synth, write_summary_75(tmp_path / "s.xlsx"))
    cmp = compare_options(synth, ["案A", "市町村"]).to_dict()
    a = cmp["per_option"]["案A"]
    assert a["indicators"]["demand_target_max"] == AREA_VALUES["9901"][2040]
    ken = next(k for k in a["kens"] if k["ken_key"] == "9901")
    assert ken["demand_2024"] == AREA_VALUES["9901"][2024]  # the demand section's columns
    assert ken["demand_2040"] == AREA_VALUES["9901"][2040]
    assert ken["demand_peak_year"] == 2040
    path = str(synth.path)
    synth.close()
    assert main(["option", path, "evaluate", "案A", "--year", "2030", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["kens"][0]["demand"]["at_year"] == AREA_VALUES[res["kens"][0]["ken_key"]][2030]
    assert main(["option", path, "evaluate", "案A"]) == 0
    out = capsys.readouterr().out
    assert "将来の需要（訪問診療 レセプト件数/月・構想区域の推計値（厚生労働省））" in out
    assert "中央\t1,000.2\t1,400.8\t+40.0%\t2040年度" in out
    assert main(["export", path, "--option", "案A", "--csv", str(tmp_path / "a.csv")]) == 0
    table = (tmp_path / "a_評価表.csv").read_text(encoding="utf-8-sig")
    assert "訪問診療の需要 2024年度（件/月）" in table and "需要のピーク年度" in table
    assert ",1400.75,2040," in table
