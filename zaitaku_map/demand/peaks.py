"""Peak years, their legend classes, and growth.

Two legends are in use (domain brief §5):

- the MHLW six classes for the peak of the 65+ / 75+ population — 2015年以前 / 2020 / 2025 / 2030 /
  2035 / 2040年以降 (:data:`POPULATION_LEGEND`);
- the care-side classes for demand (年度 from 2024) — 2024年度以前 / 2030 / 2035 / 2040 / 2045年度以降
  (:data:`DEMAND_LEGEND`).

A series whose maximum is its first year peaked then *or earlier*; its class is the first class
that holds the first year, and :attr:`Peak.at_start` says so (a 2020-based projection cannot tell
a 2020 peak from a 2010 one).  Ties take the earliest year.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from zaitaku_map.labels import PEAK_CLASS_LABELS, PEAK_LEGEND_TITLES


@dataclass(frozen=True)
class PeakClass:
    key: str
    label: str
    lo: int | None  # first year of the class (None: open below)
    hi: int | None  # last year of the class (None: open above)
    color: str

    def holds(self, year: int) -> bool:
        return (self.lo is None or year >= self.lo) and (self.hi is None or year <= self.hi)


@dataclass(frozen=True)
class PeakLegend:
    name: str
    title: str
    classes: tuple[PeakClass, ...]

    def classify(self, year: int) -> PeakClass:
        return next(c for c in self.classes if c.holds(year))


# sequential colours, light = early peak (declining already), dark = late peak (still growing)
_COLORS6 = ("#fff5eb", "#fdd0a2", "#fdae6b", "#fd8d3c", "#e6550d", "#a63603")
_COLORS5 = ("#fee6ce", "#fdae6b", "#fd8d3c", "#e6550d", "#a63603")


def _legend(
    name: str, bounds: tuple[tuple[str, int | None, int | None], ...], colors: tuple[str, ...]
) -> PeakLegend:
    return PeakLegend(
        name,
        PEAK_LEGEND_TITLES[name],
        tuple(
            PeakClass(key, PEAK_CLASS_LABELS[f"{name}:{key}"], lo, hi, color)
            for (key, lo, hi), color in zip(bounds, colors, strict=True)
        ),
    )


POPULATION_LEGEND = _legend(
    "population",
    (
        ("le2015", None, 2017),
        ("2020", 2018, 2022),
        ("2025", 2023, 2027),
        ("2030", 2028, 2032),
        ("2035", 2033, 2037),
        ("ge2040", 2038, None),
    ),
    _COLORS6,
)
DEMAND_LEGEND = _legend(
    "demand",
    (
        ("le2024", None, 2027),
        ("2030", 2028, 2032),
        ("2035", 2033, 2037),
        ("2040", 2038, 2042),
        ("ge2045", 2043, None),
    ),
    _COLORS5,
)
# growth of demand between the base and the target year: decrease in blue, growth in reds
GROWTH_LEGEND = PeakLegend(
    "growth",
    PEAK_LEGEND_TITLES["growth"],
    tuple(
        PeakClass(key, PEAK_CLASS_LABELS[f"growth:{key}"], lo, hi, color)
        for key, lo, hi, color in (
            ("lt0", None, -1, "#6baed6"),
            ("0_10", 0, 9, "#fee5d9"),
            ("10_20", 10, 19, "#fcbba1"),
            ("20_30", 20, 29, "#fc9272"),
            ("30_50", 30, 49, "#de2d26"),
            ("ge50", 50, None, "#a50f15"),
        )
    ),
)


def growth_class(g: float) -> PeakClass:
    """The :data:`GROWTH_LEGEND` class of a relative growth (0.25 = +25 %; bounds in whole percent)."""
    return GROWTH_LEGEND.classify(math.floor(round(g * 100, 9)))


LEGENDS = {POPULATION_LEGEND.name: POPULATION_LEGEND, DEMAND_LEGEND.name: DEMAND_LEGEND}


@dataclass(frozen=True)
class Peak:
    year: int
    value: float
    at_start: bool  # the first year of the series is the maximum: the peak may be earlier
    at_end: bool  # the last year is the maximum: the peak may be later
    cls: PeakClass

    def to_dict(self) -> dict[str, object]:
        return {
            "year": self.year,
            "class": self.cls.key,
            "label": self.cls.label,
            "at_start": self.at_start,
            "at_end": self.at_end,
        }


def peak(series: Mapping[int, float], legend: PeakLegend) -> Peak | None:
    """Peak of a ``{year: value}`` series (``None`` for an empty series)."""
    if not series:
        return None
    years = sorted(series)
    top = max(series[y] for y in years)
    year = next(y for y in years if series[y] == top)
    return Peak(
        year,
        top,
        year == years[0] and len(years) > 1,
        year == years[-1] and len(years) > 1,
        legend.classify(year),
    )


def growth(series: Mapping[int, float], base: int, target: int) -> float | None:
    """Relative change ``series[target] / series[base] - 1`` (``None`` when either is missing or base 0)."""
    b, t = series.get(base), series.get(target)
    if b is None or t is None or b <= 0:
        return None
    return t / b - 1.0
