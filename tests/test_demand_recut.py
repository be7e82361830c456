"""Re-cutting demand into 圏域: exact area values, apportioning sums, the rates method by hand, groups."""

from __future__ import annotations

from pathlib import Path

import pytest
from demand_fixtures import (
    AREA_UNITS,
    AREA_VALUES,
    UNITS,
    pop75,
    write_demand,
    write_detail,
    write_rates,
    write_summary_75,
    zero_bands,
)
from synthetic import build_synthetic_project

from zaitaku_map.demand import DemandParams, import_projection_file, option_demand, unit_demand
from zaitaku_map.demand.population import at_year, unit_projection
from zaitaku_map.demand.recut import load_context
from zaitaku_map.demo.projection_layouts import PROJECTION_YEARS
from zaitaku_map.store import Project

YEARS = [2024, 2030, 2035, 2040, 2045, 2050]


@pytest.fixture
def synth(tmp_path: Path) -> Project:
    p = build_synthetic_project(tmp_path / "s.gpkg")
    p.set_study_prefectures(["99"])
    yield p
    p.close()


def _area_option() -> tuple[dict[str, str], dict[str, str]]:
    return {u: a for a, us in AREA_UNITS.items() for u in us}, {
        "9901": "中央",
        "9902": "西部",
        "9903": "南部",
    }


def _municipal_option() -> tuple[dict[str, str], dict[str, str]]:
    return {u: u for u in UNITS}, {u: u for u in UNITS}


def test_area_option_gets_the_file_values_exactly(synth: Project, tmp_path: Path) -> None:
    rep = import_projection_file(synth, write_demand(tmp_path / "d.xlsx"))
    assert rep.area_layer is not None and rep.area_layer.layer == "二次医療圏"
    assert rep.other_prefecture_rows == {"鳥取県": 2}  # one row on each of the two sheets
    od = option_demand(synth, *_area_option())
    assert od.method == "area"
    for k in od.kens:
        assert k.values == AREA_VALUES[k.ken_key]  # exactly, no arithmetic on a single area
    assert od.ken("9901").peak.year == 2040  # type: ignore[union-attr]
    # a 圏域 of two whole areas is their sum
    merged = {u: ("9901" if a == "9901" else "X") for u, a in _area_option()[0].items()}
    od2 = option_demand(synth, merged, {"9901": "中央", "X": "西南"})
    assert od2.method == "area"
    assert od2.ken("X").values == {y: AREA_VALUES["9902"][y] + AREA_VALUES["9903"][y] for y in YEARS}  # type: ignore[union-attr]
    # no municipal projection: the empty 75+ peak column is explained; with one, the note is gone
    assert any("75歳以上人口とそのピーク年は" in n for n in od.notes)
    import_projection_file(synth, write_summary_75(tmp_path / "s.xlsx"))
    od3 = option_demand(synth, *_area_option())
    assert od3.ken("9901").population_peaks["75+"].year == 2050  # type: ignore[union-attr]
    assert not any("75歳以上人口とそのピーク年は" in n for n in od3.notes)


def test_municipal_option_without_projection_has_no_demand(synth: Project, tmp_path: Path) -> None:
    import_projection_file(synth, write_demand(tmp_path / "d.xlsx"))
    od = option_demand(synth, *_municipal_option())
    assert od.method is None
    assert all(k.values is None for k in od.kens)
    assert any("按分できない構想区域" in n for n in od.notes)


def test_apportioned_sums_equal_the_file(synth: Project, tmp_path: Path) -> None:
    import_projection_file(synth, write_demand(tmp_path / "d.xlsx"))
    import_projection_file(synth, write_summary_75(tmp_path / "s.xlsx"))
    od = option_demand(synth, *_municipal_option())
    assert (od.method, od.key) == ("apportioned", "75+")
    for area, units in AREA_UNITS.items():
        for y in YEARS:
            parts = sum(od.ken(u).values[y] for u in units)  # type: ignore[union-attr,index]
            assert parts == pytest.approx(AREA_VALUES[area][y], rel=1e-12)
    # the share is the unit's share of the 75+ projection of that year (2040 is a projection year)
    share = pop75("99202", 2040) / sum(pop75(u, 2040) for u in AREA_UNITS["9902"])
    assert od.ken("99202").values[2040] == pytest.approx(AREA_VALUES["9902"][2040] * share)  # type: ignore[union-attr,index]
    # 2024 lies between the projection years 2020 and 2025: the key is interpolated
    w = {u: pop75(u, 2020) + (pop75(u, 2025) - pop75(u, 2020)) * 4 / 5 for u in AREA_UNITS["9903"]}
    assert od.ken("99205").values[2024] == pytest.approx(
        AREA_VALUES["9903"][2024] * w["99205"] / sum(w.values())
    )  # type: ignore[union-attr,index]
    for c in od.checks:
        assert c.complete and c.parts == pytest.approx(c.file)


def test_apportioning_with_a_coarser_key_says_so(synth: Project, tmp_path: Path) -> None:
    import_projection_file(synth, write_demand(tmp_path / "d.xlsx"))
    import_projection_file(synth, write_summary_75(tmp_path / "s.xlsx"))
    od = option_demand(synth, *_municipal_option(), params=DemandParams(key="65+"))
    assert od.key == "75+"  # no 65+ projection: the next key that exists
    assert any("65歳以上人口の推計がないため75歳以上人口で按分" in n for n in od.notes)


def test_city_aggregate_is_split_over_its_wards(synth: Project, tmp_path: Path) -> None:
    import_projection_file(synth, write_demand(tmp_path / "d.xlsx"))
    import_projection_file(synth, write_summary_75(tmp_path / "s.xlsx", with_wards=False))
    proj = unit_projection(synth)
    # the synthetic wards have the same current 75+ population: each gets half of the city
    for y in PROJECTION_YEARS:
        city = pop75("99101", y) + pop75("99102", y)
        assert proj.groups["99101"]["75+"][y] == pytest.approx(city / 2)
        assert proj.groups["99102"]["75+"][y] == pytest.approx(city / 2)
    assert any("テスト市" in n and "現在の人口の比" in n for n in proj.notes)
    od = option_demand(synth, *_municipal_option())
    assert sum(od.ken(u).values[2040] for u in AREA_UNITS["9901"]) == pytest.approx(AREA_VALUES["9901"][2040])  # type: ignore[union-attr,index]


def _hand_case() -> dict[str, dict[str, dict[int, list[float]]]]:
    """東市 (99201): 男 75–79 100 / 90+ 10, 女 75–79 200 / 90+ 30 in 2025 and later; half of it in 2020."""

    def bands(m75: float, m90: float) -> list[float]:
        b = zero_bands()
        b[15], b[18] = m75, m90
        return b

    full = {"男": bands(100, 10), "女": bands(200, 30)}
    return {
        "99201": {
            s: {y: [v * (0.5 if y == 2020 else 1.0) for v in full[s]] for y in PROJECTION_YEARS}
            for s in ("男", "女")
        }
    }


def _hand_rates(tmp_path: Path) -> Path:
    male, female = [0.0] * 19, [0.0] * 19
    male[15], male[18] = 10.0, 100.0  # per 1,000 per month
    female[15], female[18] = 20.0, 150.0
    return write_rates(tmp_path / "r.xlsx", male, female)


def test_rates_method_against_a_hand_computed_case(synth: Project, tmp_path: Path) -> None:
    import_projection_file(synth, write_detail(tmp_path / "p.xlsx", _hand_case()))
    import_projection_file(synth, _hand_rates(tmp_path))
    ud = unit_demand(synth)
    assert ud.method == "rates" and not ud.calibrated  # no 構想区域 file: the rates as computed
    # 2040: 100×0.010 + 200×0.020 + 10×0.100 + 30×0.150 = 1 + 4 + 1 + 4.5
    assert ud.values["99201"][2040] == pytest.approx(10.5)
    # 2024 = 2020 + 4/5 (2025 − 2020): 0.9 of the 2025 population
    assert ud.values["99201"][2024] == pytest.approx(10.5 * 0.9)
    assert ud.values["99202"][2040] == 0.0
    assert any("0～64歳" in n or "利用率のない年齢" in n for n in ud.notes) is False  # every band has a rate


def test_rates_calibrated_to_the_file(synth: Project, tmp_path: Path) -> None:
    people = _hand_case()
    for u in UNITS:  # give every unit some 75–79 people so every 構想区域 has a rate-based total
        if u not in people:
            b = zero_bands()
            b[15] = 100.0
            people[u] = {s: {y: list(b) for y in PROJECTION_YEARS} for s in ("男", "女")}
    import_projection_file(synth, write_detail(tmp_path / "p.xlsx", people))
    import_projection_file(synth, _hand_rates(tmp_path))
    import_projection_file(synth, write_demand(tmp_path / "d.xlsx"))
    od = option_demand(synth, *_municipal_option())
    assert od.method == "rates"
    for area, units in AREA_UNITS.items():
        assert sum(od.ken(u).values[2040] for u in units) == pytest.approx(AREA_VALUES[area][2040])  # type: ignore[union-attr,index]
    # inside 9901 the split follows the rates: 東市 10.5 against 1 + 2 for each ward (100 men, 100 women)
    raw = {"99101": 3.0, "99102": 3.0, "99201": 10.5}
    assert od.ken("99201").values[2040] == pytest.approx(AREA_VALUES["9901"][2040] * 10.5 / sum(raw.values()))  # type: ignore[union-attr,index]
    # the whole-area option still gets the file's values
    assert option_demand(synth, *_area_option()).method == "area"
    # with use_rates off the same projections apportion by 75+ (here: 75–79 and 90+ bands summed)
    assert (
        option_demand(synth, *_municipal_option(), params=DemandParams(use_rates=False)).method
        == "apportioned"
    )


def test_interpolation() -> None:
    s = {2020: 100.0, 2025: 150.0}
    assert at_year(s, 2024) == pytest.approx(140.0)
    assert at_year(s, 2020) == 100.0
    assert at_year(s, 2019) is None and at_year(s, 2030) is None


def test_context_without_anything(synth: Project) -> None:
    ctx = load_context(synth)
    assert not ctx.has_file and ctx.projection.source == "none"
    od = option_demand(synth, *_area_option())
    assert od.method is None and all(k.values is None for k in od.kens)


def test_supply_ratios_and_flags(synth: Project, tmp_path: Path) -> None:
    from zaitaku_map.demand.supply import supply_rows

    import_projection_file(synth, write_demand(tmp_path / "d.xlsx"))
    od = option_demand(synth, *_area_option(), params=DemandParams(growth_min=0.3, supply_ratio_max=0.85))
    counts = {
        "9901": {"zaishi_clinic": 10, "zaishi_hospital": 4, "home_nursing": 7},  # demand +40 %, 14 / 1,400.75
        "9902": {"zaishi_clinic": 9, "home_nursing": 1},  # +17.5 %
        "9903": {"zaishi_clinic": 3, "home_nursing": 3},  # −3.3 %
    }
    rows, overall = supply_rows(od, counts, loaded={"zaishi_clinic", "zaishi_hospital", "home_nursing"})
    assert rows["9901"].base["zaishi"] == round(14 / 1000.25 * 1000, 2)
    assert rows["9901"].target["zaishi"] == round(14 / 1400.75 * 1000, 2)
    assert overall["zaishi"] == round(26 / (1400.75 + 470 + 290) * 1000, 2)
    # 9901 grows ≥ 30 % and its 在支診・在支病 per 1,000 (9.99) is ≤ 0.85 × the option's (12.03): flagged
    assert rows["9901"].flagged and rows["9901"].reasons == ["zaishi"]
    assert not rows["9902"].flagged and not rows["9903"].flagged  # thin or not, they do not grow enough
    only_zaishi, _ = supply_rows(od, counts, loaded={"zaishi_clinic"})
    assert set(only_zaishi["9901"].target) == {"zaishi"}  # 訪問看護 never imported: left out, not 0


def test_area_codes_that_lost_their_leading_zero(synth: Project, tmp_path: Path) -> None:
    """An area table typed in Excel holds 101 for 構想区域 0101: the file's codes still find the layer."""
    from demand_fixtures import demand_rows

    from zaitaku_map.demo.projection_layouts import write_demand_workbook

    layer = synth.conn.execute(
        "INSERT INTO area_layers (name, created_at) VALUES ('構想区域', 'x')"
    ).lastrowid
    with synth.transaction():
        for u, a in _area_option()[0].items():
            synth.conn.execute(
                "INSERT INTO area_members (layer_id, muni_code, area_code, area_name) VALUES (?,?,?,?)",
                (layer, u, str(int(a) - 9800), a),  # 9901 → 101
            )
    synth.set_study_prefectures(["01", "99"])
    rows = demand_rows()
    for r in rows:
        r.area_code = r.area_code.replace("99", "01", 1)  # the file's 0101 … 0103 (prefecture 01)
    import_projection_file(synth, write_demand_workbook(tmp_path / "d.xlsx", rows))
    ctx = load_context(synth)
    assert ctx.layer == "構想区域"
    assert ctx.area_of["99101"] == "0101" and ctx.area_of["99207"] == "0103"
    od = option_demand(synth, {u: "0" + a[2:] for u, a in _area_option()[0].items()}, {"001": "中央"})
    assert od.method == "area"
