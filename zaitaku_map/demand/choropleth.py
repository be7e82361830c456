"""Classes and colours of the demand maps (GUI layer, PDF maps): per 圏域 or per municipality.

Modes: ``demand`` (訪問診療 demand of one 年度, five classes with breaks over *every* year so the
colours of 2024 and 2050 compare), ``peak`` (peak 年度 of demand, care-side legend), ``growth``
(base → target year, :data:`~zaitaku_map.demand.peaks.GROWTH_LEGEND`), ``peak75`` / ``peak65`` (peak
year of the 75+ / 65+ population, the MHLW six classes).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from zaitaku_map.demand.params import DemandParams
from zaitaku_map.demand.peaks import (
    DEMAND_LEGEND,
    GROWTH_LEGEND,
    POPULATION_LEGEND,
    Peak,
    PeakLegend,
    growth,
    growth_class,
    peak,
)
from zaitaku_map.demand.population import Series, at_year
from zaitaku_map.demand.recut import OptionDemand, load_context, unit_demand
from zaitaku_map.labels import DEMAND_TEXT
from zaitaku_map.store import Project

MODES = ("demand", "peak", "growth", "peak75", "peak65")
NO_DATA_COLOR = "#d9d9d9"
_VALUE_COLORS = ("#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026")
LEGEND_OF: dict[str, PeakLegend] = {
    "peak": DEMAND_LEGEND,
    "growth": GROWTH_LEGEND,
    "peak75": POPULATION_LEGEND,
    "peak65": POPULATION_LEGEND,
}


@dataclass(frozen=True)
class Figures:
    """What one 圏域 or municipality shows: demand by 年度 and projected population by group."""

    name: str
    values: Series | None
    population: Mapping[str, Series] = field(default_factory=dict)


@dataclass(frozen=True)
class Shade:
    color: str
    label: str  # the legend class
    value_text: str  # the figure behind it (shown on the map)
    tip: tuple[str, ...]  # name first, then the figures


@dataclass(frozen=True)
class Choropleth:
    mode: str
    title: str
    legend: tuple[tuple[str, str], ...]  # (label, colour) in order; the no-data row last when used
    shades: dict[str, Shade]


def _nice(x: float) -> float:
    """A round number close to ``x`` (1, 2, 2.5, 5 × 10^k)."""
    if x <= 0:
        return 0.0
    k = 10.0 ** math.floor(math.log10(x))
    candidates = [m * k for m in (1.0, 2.0, 2.5, 5.0, 10.0)]
    return min(candidates, key=lambda v: abs(v - x))


def value_breaks(values: Sequence[float], n: int = 5) -> list[float]:
    """``n - 1`` increasing round breaks at the quantiles of ``values`` (fewer when they coincide)."""
    vs = sorted(v for v in values if v is not None)
    if not vs:
        return []
    out: list[float] = []
    for i in range(1, n):
        b = _nice(vs[min(len(vs) - 1, round(i * len(vs) / n))])
        if b > (out[-1] if out else 0.0) and b < vs[-1]:
            out.append(b)
    return out


def _fmt(v: float) -> str:
    return "0" if v == 0 else f"{v:,.0f}" if v >= 100 else f"{v:,.1f}"


def _tip(f: Figures, year: int | None, base: int, target: int) -> tuple[str, ...]:
    lines = [f.name]
    if f.values:
        if year is not None and year in f.values:
            lines.append(DEMAND_TEXT["map_demand"].format(year=year, value=_fmt(f.values[year])))
        pk = peak(f.values, DEMAND_LEGEND)
        g = growth(f.values, base, target)
        if pk is not None:
            lines.append(DEMAND_TEXT["map_peak"].format(label=pk.cls.label))
        if g is not None:
            lines.append(DEMAND_TEXT["map_growth"].format(base=base, target=target, growth=g))
    p75 = f.population.get("75+")
    v75 = None if not p75 or year is None else at_year(p75, year)
    if v75 is not None:
        lines.append(DEMAND_TEXT["map_pop75"].format(year=year, value=_fmt(v75)))
    return tuple(lines)


def _peak_shade(p: Peak | None) -> tuple[str, str, str] | None:
    if p is None:
        return None
    fiscal = p.cls.label.endswith("年度") or "年度" in p.cls.label
    text = (
        DEMAND_TEXT["peak_at_start_fy" if fiscal else "peak_at_start"].format(year=p.year)
        if p.at_start
        else p.cls.label
    )
    return p.cls.color, p.cls.label, text


def _value_shades(
    items: Mapping[str, Figures], year: int, tip: Callable[[Figures], tuple[str, ...]]
) -> tuple[list[tuple[str, str]], dict[str, Shade | None]]:
    breaks = value_breaks([v for f in items.values() for v in (f.values or {}).values()])
    colors = _VALUE_COLORS[len(_VALUE_COLORS) - len(breaks) - 1 :]
    edges = [0.0, *breaks]
    legend = [
        (f"{_fmt(lo)}〜{_fmt(hi)}" if i < len(breaks) else f"{_fmt(lo)}以上", colors[i])
        for i, (lo, hi) in enumerate(zip(edges, [*breaks, math.inf], strict=True))
    ]
    shades: dict[str, Shade | None] = {}
    for key, f in items.items():
        v = (f.values or {}).get(year)
        i = 0 if v is None else sum(1 for b in breaks if v >= b)
        shades[key] = None if v is None else Shade(colors[i], legend[i][0], _fmt(v), tip(f))
    return legend, shades


def _class_value(mode: str, f: Figures, base: int, target: int) -> tuple[str, str, str] | None:
    if mode == "growth":
        g = None if not f.values else growth(f.values, base, target)
        return None if g is None else (growth_class(g).color, growth_class(g).label, f"{g:+.0%}")
    if mode == "peak":
        return _peak_shade(None if not f.values else peak(f.values, DEMAND_LEGEND))
    s = f.population.get("75+" if mode == "peak75" else "65+")
    return _peak_shade(None if not s else peak(s, POPULATION_LEGEND))


def choropleth(
    items: Mapping[str, Figures], mode: str, *, year: int | None, base: int = 2024, target: int = 2040
) -> Choropleth:
    """Shades of ``items`` (圏域 or municipalities by key) for a map in ``mode`` (see module doc)."""
    if mode not in MODES:
        raise ValueError(f"unknown map mode {mode!r}")

    def tip(f: Figures) -> tuple[str, ...]:
        return _tip(f, year, base, target)

    y = year or target
    title = DEMAND_TEXT[f"map_title_{mode}"].format(year=y, base=base, target=target)
    raw: dict[str, Shade | None]
    if mode == "demand":
        legend, raw = _value_shades(items, y, tip)
    else:
        legend = [(c.label, c.color) for c in LEGEND_OF[mode].classes]
        raw = {}
        for key, f in items.items():
            got = _class_value(mode, f, base, target)
            raw[key] = None if got is None else Shade(got[0], got[1], got[2], tip(f))
    shades = {
        k: v if v is not None else Shade(NO_DATA_COLOR, DEMAND_TEXT["no_data"], "", tip(items[k]))
        for k, v in raw.items()
    }
    if any(v is None for v in raw.values()):
        legend.append((DEMAND_TEXT["no_data"], NO_DATA_COLOR))
    return Choropleth(mode, title, tuple(legend), shades)


def ken_figures(od: OptionDemand) -> dict[str, Figures]:
    """The figures of every 圏域 of an option's demand."""
    return {k.ken_key: Figures(k.name, k.values, k.population) for k in od.kens}


def unit_figures(project: Project, params: DemandParams | None = None) -> dict[str, Figures]:
    """The figures of every municipality (ward) of the project (demand ``None`` where none can be made)."""
    ctx = load_context(project, params)
    ud = unit_demand(project, ctx=ctx)
    out: dict[str, Figures] = {}
    for code, name, full in project.conn.execute(
        "SELECT code, name, full_name FROM municipalities WHERE kind != 'designated_city' ORDER BY code"
    ):
        out[code] = Figures(full or name, ud.values.get(code), ctx.projection.groups.get(code, {}))
    return out
