"""Future demand as municipal indicators (``export --choropleth demand_peak|demand_growth|pop75_peak`` and
the pack's 「市区町村の指標」): per municipality the peak 年度 of 訪問診療 demand, its growth, the peak year
of the 75+ population — in the classes of their legends (:mod:`zaitaku_map.demand.peaks`), not quantiles."""

from __future__ import annotations

import math

from zaitaku_map.demand import load_params
from zaitaku_map.demand.choropleth import unit_figures
from zaitaku_map.demand.peaks import DEMAND_LEGEND, GROWTH_LEGEND, POPULATION_LEGEND, PeakLegend, growth, peak
from zaitaku_map.demand.sources import citations
from zaitaku_map.export.choropleth import MunicipalIndicator
from zaitaku_map.labels import DEMAND_INDICATORS, DEMAND_TEXT
from zaitaku_map.store import Project

_LEGENDS: dict[str, PeakLegend] = {
    "demand_peak": DEMAND_LEGEND,
    "demand_growth": GROWTH_LEGEND,
    "pop75_peak": POPULATION_LEGEND,
}


def _breaks(legend: PeakLegend, scale: float) -> list[float]:
    """Class edges: class ``i`` holds ``breaks[i] <= v < breaks[i + 1]`` (growth classes are in %)."""
    inner = [float(c.lo) / scale for c in legend.classes[1:] if c.lo is not None]
    return [-math.inf, *inner, math.inf]


def demand_indicator(project: Project, key: str) -> MunicipalIndicator:
    """The indicator ``key`` for every municipality (NaN where the project cannot tell)."""
    prm = load_params(project)
    legend = _LEGENDS[key]
    values: dict[str, float] = {}
    for code, f in unit_figures(project).items():
        v: float | None = None
        if key == "demand_peak" and f.values:
            p = peak(f.values, DEMAND_LEGEND)
            v = None if p is None else float(p.year)
        elif key == "demand_growth" and f.values:
            v = growth(f.values, prm.base_year, prm.target_year)
        elif key == "pop75_peak" and f.population.get("75+"):
            p = peak(f.population["75+"], POPULATION_LEGEND)
            v = None if p is None else float(p.year)
        values[code] = math.nan if v is None else v
    note = "／".join(c.text for c in citations(project))
    label = (
        DEMAND_TEXT["map_title_growth"].format(base=prm.base_year, target=prm.target_year)
        if key == "demand_growth"
        else DEMAND_INDICATORS[key]
    )
    return MunicipalIndicator(
        key,
        label,
        values,
        _breaks(legend, 100.0 if key == "demand_growth" else 1.0),
        [c.color for c in legend.classes],
        [c.label for c in legend.classes],
        note,
    )
