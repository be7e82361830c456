"""Peak years and their legend classes, at the class boundaries."""

from __future__ import annotations

import pytest

from zaitaku_map.demand.peaks import DEMAND_LEGEND, POPULATION_LEGEND, growth, peak


@pytest.mark.parametrize(
    ("year", "key", "label"),
    [
        (2010, "le2015", "2015年以前"),
        (2015, "le2015", "2015年以前"),
        (2017, "le2015", "2015年以前"),
        (2018, "2020", "2020年"),
        (2020, "2020", "2020年"),
        (2022, "2020", "2020年"),
        (2023, "2025", "2025年"),
        (2025, "2025", "2025年"),
        (2030, "2030", "2030年"),
        (2035, "2035", "2035年"),
        (2037, "2035", "2035年"),
        (2038, "ge2040", "2040年以降"),
        (2040, "ge2040", "2040年以降"),
        (2050, "ge2040", "2040年以降"),
    ],
)
def test_population_legend_boundaries(year: int, key: str, label: str) -> None:
    c = POPULATION_LEGEND.classify(year)
    assert (c.key, c.label) == (key, label)


@pytest.mark.parametrize(
    ("year", "key"),
    [
        (2024, "le2024"),
        (2025, "le2024"),
        (2027, "le2024"),
        (2028, "2030"),
        (2030, "2030"),
        (2035, "2035"),
        (2040, "2040"),
        (2042, "2040"),
        (2043, "ge2045"),
        (2045, "ge2045"),
        (2050, "ge2045"),
    ],
)
def test_demand_legend_boundaries(year: int, key: str) -> None:
    assert DEMAND_LEGEND.classify(year).key == key


def test_legends_have_six_and_five_classes_in_order() -> None:
    assert [c.label for c in POPULATION_LEGEND.classes] == [
        "2015年以前",
        "2020年",
        "2025年",
        "2030年",
        "2035年",
        "2040年以降",
    ]
    assert [c.label for c in DEMAND_LEGEND.classes] == [
        "2024年度以前",
        "2030年度",
        "2035年度",
        "2040年度",
        "2045年度以降",
    ]
    for legend in (POPULATION_LEGEND, DEMAND_LEGEND):  # every year falls in exactly one class
        for y in range(2000, 2071):
            assert sum(c.holds(y) for c in legend.classes) == 1


def test_peak_ties_start_and_end() -> None:
    p = peak({2020: 5.0, 2025: 7.0, 2030: 7.0, 2035: 6.0}, POPULATION_LEGEND)
    assert p is not None and p.year == 2025 and not p.at_start and not p.at_end  # ties: the earliest
    first = peak({2020: 9.0, 2025: 7.0}, POPULATION_LEGEND)
    assert first is not None and first.at_start and first.cls.key == "2020"  # may have peaked earlier
    last = peak({2024: 1.0, 2050: 3.0}, DEMAND_LEGEND)
    assert last is not None and last.at_end and last.cls.key == "ge2045"
    assert peak({}, DEMAND_LEGEND) is None


def test_growth() -> None:
    assert growth({2024: 2017.33, 2040: 2560.51}, 2024, 2040) == pytest.approx(2560.51 / 2017.33 - 1)
    assert growth({2024: 0.0, 2040: 1.0}, 2024, 2040) is None
    assert growth({2024: 1.0}, 2024, 2040) is None


def test_choropleth_classes() -> None:
    from zaitaku_map.demand.choropleth import NO_DATA_COLOR, Figures, choropleth, value_breaks

    assert value_breaks([]) == []
    br = value_breaks([10, 20, 50, 100, 200, 400, 800, 1600, 3000])
    assert br == sorted(br) and all(b < 3000 for b in br)
    items = {
        "a": Figures(
            "東部",
            {2024: 2017.3, 2040: 2560.5, 2045: 2664.0, 2050: 2592.6},
            {"75+": {2020: 10.0, 2040: 20.0}},
        ),
        "b": Figures("中部", {2024: 856.9, 2040: 1037.2, 2045: 1057.3, 2050: 1005.7}),
        "c": Figures("不明", None),
    }
    y2024 = choropleth(items, "demand", year=2024)
    y2050 = choropleth(items, "demand", year=2050)
    assert y2024.legend == y2050.legend  # breaks over every year: colours compare across years
    assert y2024.shades["c"].color == NO_DATA_COLOR and y2024.legend[-1][1] == NO_DATA_COLOR
    assert y2050.shades["a"].value_text == "2,593" and "2050年度" in y2050.title
    peak = choropleth(items, "peak", year=2040)
    assert peak.shades["a"].label == "2045年度以降"
    grow = choropleth(items, "growth", year=None)
    assert grow.shades["a"].label == "20〜30%増" and grow.shades["a"].value_text == "+27%"
    p75 = choropleth(items, "peak75", year=2040)
    assert p75.shades["a"].label == "2040年以降" and p75.shades["b"].color == NO_DATA_COLOR
    first = choropleth({"x": Figures("x", None, {"75+": {2020: 9.0, 2025: 8.0}})}, "peak75", year=None)
    assert first.shades["x"].value_text == "2020年以前"  # a 2020-based series cannot tell earlier peaks
