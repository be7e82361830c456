"""Extension points of the evaluation: facility sets (what-if scenarios) and per-圏域 sections."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from network_fixtures import region_builder

from zaitaku_map.coverage import CoverageParams, Facility, FacilitySet, compute_coverage
from zaitaku_map.coverage.facilities import HYPOTHETICAL_ID_BASE as H
from zaitaku_map.errors import AnalysisError
from zaitaku_map.network import import_roads
from zaitaku_map.options import (
    EvaluationContext,
    EvaluationSection,
    EvaluationTarget,
    EvaluationWarning,
    Indicator,
    SectionResult,
    compare_options,
    create_option,
    evaluate_option,
)

# a point in the middle of 谷村 (99206, 南部), which has no 在支診・在支病
SOUTH = (133.05 + 1.5 * 0.1, 34.25 - 2.5 * 0.1)


def _south_point(project: Any) -> tuple[float, float]:
    row = project.conn.execute("SELECT rep_lon, rep_lat FROM municipalities WHERE code='99206'").fetchone()
    return float(row[0]), float(row[1])


def test_facility_set_edits_and_refusals(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    reg = FacilitySet.from_project(synthetic_project)
    assert len(reg) == 11 and reg.label is None
    assert reg.get(4) is not None and reg.get(4).category == "zaishi_hospital"  # type: ignore[union-attr]
    assert list(reg.of_category("zaishi")["id"]) == [1, 2, 3, 4]
    lon, lat = _south_point(synthetic_project)
    hyp = Facility(H, "zaishi_clinic", "仮の在支診", lon=lon, lat=lat)
    scen = reg.edited(label="シナリオ1", remove=[1], recategorise={11: "zaishi_hospital"}, add=[hyp])
    assert scen.label == "シナリオ1" and len(scen) == 11
    assert list(scen.of_category("zaishi")["id"]) == [2, 3, 4, 11, H]
    assert [f.id for f in scen.hypothetical] == [H] and scen.get(H).hypothetical  # type: ignore[union-attr]
    assert scen.content_hash != reg.content_hash
    moved = reg.edited(label="移転", move={2: (lon, lat)})
    assert moved.get(2).lon == lon and moved.get(2).lat == lat and reg.get(2).lon != lon  # type: ignore[union-attr]
    assert reg.edited(label="同じ").content_hash == reg.content_hash  # the label is not content
    with pytest.raises(AnalysisError):
        reg.edited(label="x", remove=[999])
    with pytest.raises(AnalysisError):
        reg.edited(label="x", recategorise={999: "clinic"})
    with pytest.raises(AnalysisError):
        reg.edited(label="x", move={999: (lon, lat)})
    assert scen.new_hypothetical_id() == H + 1 and reg.new_hypothetical_id() == H
    with pytest.raises(AnalysisError):  # a hypothetical facility must not look like a register row
        reg.edited(label="x", add=[Facility(5, "clinic", "x", lon=lon, lat=lat)])
    with pytest.raises(AnalysisError):  # … and must be placed
        reg.edited(label="x", add=[Facility(H, "clinic", "x")])
    with pytest.raises(AnalysisError):
        FacilitySet((hyp, hyp))


@pytest.fixture
def roads_project(synthetic_project, tmp_path: Path):  # type: ignore[no-untyped-def]
    import_roads(synthetic_project, region_builder().write_xml(tmp_path / "r.osm"), min_component_nodes=500)
    return synthetic_project


def test_scenario_coverage_equals_the_edited_register(roads_project) -> None:  # type: ignore[no-untyped-def]
    """A scenario's coverage is exactly what the register would give after the same edits."""
    p = roads_project
    params = CoverageParams()
    before = compute_coverage(p, params, categories=["zaishi"]).times("zaishi").copy()
    lon, lat = _south_point(p)
    scen = FacilitySet.from_project(p).edited(
        label="S", remove=[3], add=[Facility(H, "zaishi_clinic", "仮の在支診", lon=lon, lat=lat)]
    )
    got = compute_coverage(p, params, categories=["zaishi"], facilities=scen)
    assert got.categories["zaishi"].facility_ids.tolist() == [1, 2, 4, H]
    # the register's result is untouched (and not served from the scenario's cache entry)
    np.testing.assert_array_equal(compute_coverage(p, params, categories=["zaishi"]).times("zaishi"), before)
    # now make the same edits in the register itself
    n_rows = p.conn.execute("SELECT count(*) FROM facilities").fetchone()[0]
    assert p.conn.execute("SELECT count(*) FROM facilities WHERE id >= ?", (H,)).fetchone()[0] == 0
    with p.transaction():
        p.conn.execute("UPDATE facilities SET status='closed' WHERE id=3")
        p.conn.execute(
            "INSERT INTO facilities (id, category, name, status, lon, lat) VALUES (999, 'zaishi_clinic', '実在', 'open', ?, ?)",
            (lon, lat),
        )
    assert n_rows + 1 == p.conn.execute("SELECT count(*) FROM facilities").fetchone()[0]
    ref = compute_coverage(p, params, categories=["zaishi"])
    np.testing.assert_array_equal(got.times("zaishi"), ref.times("zaishi"))
    np.testing.assert_array_equal(
        np.where(got.categories["zaishi"].nearest == H, 999, got.categories["zaishi"].nearest),
        ref.categories["zaishi"].nearest,
    )
    assert (ref.times("zaishi") < before).any()  # the new site closes part of the southern gap


def test_evaluate_and_compare_under_a_scenario(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    p = synthetic_project
    create_option(p, "案A", template="area")
    params = CoverageParams(mode="straight", minutes=15)
    base = evaluate_option(p, "案A", coverage_params=params)
    assert base.title == "案A" and "scenario" not in base.to_dict()
    south = base.ken("9903")
    assert south.zaishi_total == 0 and "no_zaishi" in {w.code for w in south.warnings}
    lon, lat = _south_point(p)
    scen = FacilitySet.from_project(p).edited(
        label="シナリオ1", add=[Facility(H, "zaishi_clinic", "仮の在支診", lon=lon, lat=lat)]
    )
    ev = evaluate_option(p, "案A", coverage_params=params, facilities=scen)
    d = ev.to_dict()
    json.dumps(d, ensure_ascii=False)
    assert ev.title == d["title"] == "案A＋シナリオ1" and d["scenario"] == "シナリオ1"
    s = ev.ken("9903")
    assert s.zaishi_total == 1 and "no_zaishi" not in {w.code for w in s.warnings}
    assert [f.id for f in s.functions[2].facilities] == [H]  # a hypothetical 在支診 carries ② by default
    assert s.coverage is not None and south.coverage is not None
    assert s.coverage["zaishi"].covered > south.coverage["zaishi"].covered  # type: ignore[union-attr]
    assert ev.totals.facilities["zaishi_clinic"].count == base.totals.facilities["zaishi_clinic"].count + 1
    # the register's evaluation is unchanged afterwards (scenario results are cached apart)
    assert evaluate_option(p, "案A", coverage_params=params).to_dict() == base.to_dict()
    cmp = compare_options(p, ["案A", EvaluationTarget("案A", scen)], coverage_params=params)
    assert cmp.options == ("案A", "案A＋シナリオ1") and cmp.n_changed_units == 0
    flags = cmp.per_option["案A＋シナリオ1"].flags
    assert flags["min_coverage.zaishi"] == "better" and flags["n_warnings"] == "better"
    assert cmp.to_dict()["per_option"]["案A＋シナリオ1"]["indicators"]["n_kens"] == 3


@dataclass(frozen=True)
class _Units:
    n: int

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n}


class _UnitCount(EvaluationSection):
    key = "unit_count"

    def __init__(self) -> None:
        self.years: list[int | None] = []

    def evaluate(self, ctx: EvaluationContext) -> SectionResult | None:
        self.years.append(ctx.year)
        names = ctx.ken_names
        big = [k for k, m in ctx.members.items() if len(m) >= 3]
        return SectionResult(
            per_ken={k: _Units(len(m)) for k, m in ctx.members.items() if m},
            totals=_Units(sum(len(m) for m in ctx.members.values())),
            warnings=[
                EvaluationWarning("many_units", "warning", "市区町村が3以上", k, names[k]) for k in big
            ],
            note="テスト用の節",
        )

    def indicators(self, result: SectionResult) -> dict[str, Indicator]:
        return {"max_units": Indicator(max(v.n for v in result.per_ken.values()), higher_is_better=False)}  # type: ignore[attr-defined]

    def ken_columns(self, value: Any) -> dict[str, Any]:
        return {"units": value.n}


class _Absent(EvaluationSection):
    key = "absent"

    def evaluate(self, ctx: EvaluationContext) -> SectionResult | None:
        return None  # its inputs are not in the project


def test_sections_add_columns_warnings_and_indicators(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    p = synthetic_project
    create_option(p, "案A", template="area")
    create_option(p, "案B", template="area_split", split="東部北:99201,99204")
    plain = evaluate_option(p, "案A", sections=[]).to_dict()  # no registered section (partners…)
    section = _UnitCount()
    ev = evaluate_option(p, "案A", sections=[section, _Absent()], year=2040)
    d = ev.to_dict()
    assert section.years == [2040] and d["year"] == 2040
    assert {k["ken_key"]: k["unit_count"] for k in d["kens"]} == {
        "9901": {"n": 3},
        "9902": {"n": 3},
        "9903": {"n": 3},
    }
    assert all("absent" not in k for k in d["kens"]) and "absent" not in d["totals"]
    assert d["totals"]["unit_count"] == {"n": 9} and d["section_notes"] == {"unit_count": "テスト用の節"}
    # the section's findings reach the 圏域 and the option, and count as warnings
    assert "many_units" in {w["code"] for w in d["kens"][0]["warnings"]}
    assert [w["code"] for w in d["warnings"]][-3:] == ["many_units"] * 3
    assert d["totals"]["n_warnings"] == plain["totals"]["n_warnings"] + 3
    # without the sections the output is exactly the plain evaluation
    assert evaluate_option(p, "案A", sections=[]).to_dict() == plain
    # an empty 圏域 gets null under the section's key
    create_option(p, "案M", template="municipal")
    from zaitaku_map.options import assign

    assign(p, "案M", ["99207"], "99206")
    m = evaluate_option(p, "案M", sections=[_UnitCount()]).to_dict()
    assert next(k for k in m["kens"] if k["ken_key"] == "99207")["unit_count"] is None
    cmp = compare_options(p, ["案A", "案B"], sections=[_UnitCount()])
    assert cmp.indicator_order[-1] == "max_units"
    assert cmp.per_option["案B"].indicators["max_units"] == Indicator(3, higher_is_better=False)
    assert cmp.per_option["案B"].flags["max_units"] == "same"
    b = cmp.to_dict()["per_option"]["案B"]
    assert {k["name"]: k["units"] for k in b["kens"]} == {"中央": 2, "西部": 2, "南部": 3, "東部北": 2}
