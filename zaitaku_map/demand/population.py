"""Projected population per option unit (municipality or 政令市 ward), by year.

Sources, in order: the imported projection tables (社人研 or any municipality × year × age table);
otherwise a 将来推計人口メッシュ imported as the demand layer (its per-year totals, 65+ and 75+ summed
per municipality).  From a table:

- age groups (総数, 65+, 75+, 85+) are taken as given, else summed from the 5-year bands (男女計, else
  男 + 女), else from a share table (75歳以上の割合 × 総数);
- a region that is a group of units — a 政令市 aggregate whose wards have no rows, or a group such
  as 福島県 浜通り地域 — is split over its units by their *current* population (imported mesh or
  municipal population, same age group); without current population those units stay unresolved;
- a year between two projection years (2024 between 2020 and 2025) is interpolated linearly.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from zaitaku_map.demand import tables
from zaitaku_map.demand.tokens import OPEN, TOTAL_AGE, AgeBand
from zaitaku_map.geodata.loaders import municipality_population
from zaitaku_map.labels import DEMAND_TEXT
from zaitaku_map.store import Project

GROUPS: dict[str, AgeBand] = {"total": TOTAL_AGE, "65+": (65, OPEN), "75+": (75, OPEN), "85+": (85, OPEN)}
_CURRENT_COLUMN = {"total": "pop_total", "65+": "pop_65", "75+": "pop_75", "85+": "pop_85"}

Series = dict[int, float]


def at_year(series: Mapping[int, float], year: int) -> float | None:
    """The value of a ``{year: value}`` series at ``year`` (linear between neighbours; ``None`` outside)."""
    if year in series:
        return series[year]
    below = [y for y in series if y < year]
    above = [y for y in series if y > year]
    if not below or not above:
        return None
    a, b = max(below), min(above)
    return series[a] + (series[b] - series[a]) * (year - a) / (b - a)


def _sum(parts: list[Series]) -> Series:
    if not parts:
        return {}
    years = set.intersection(*(set(p) for p in parts))
    return {y: sum(p[y] for p in parts) for y in sorted(years)}


def tiling(bands: Mapping[AgeBand, object], lo: int) -> list[AgeBand] | None:
    """Bands that tile ``[lo, ∞)`` without overlap, finest first (5-year bands beside a 65歳以上 summary
    band: the 5-year ones); ``None`` when the bands leave a gap."""
    chain: list[AgeBand] = []
    nxt = lo
    for b in sorted(bands):
        if b[0] == nxt and (not chain or chain[-1][1] != OPEN):
            chain.append(b)
            nxt = b[1] + 1
    return chain if chain and chain[-1][1] == OPEN else None


def _band_sum(bands: Mapping[AgeBand, Series], lo: int) -> Series | None:
    """Sum of the bands that tile ``[lo, ∞)`` (``None`` when they do not)."""
    chain = tiling(bands, lo)
    return None if chain is None else _sum([bands[b] for b in chain])


@dataclass
class RegionSeries:
    """All series of one region: ``{(sex, band, measure): {year: value}}``."""

    data: dict[tuple[str, AgeBand, str], Series] = field(default_factory=dict)

    def bands(self, sex: str) -> dict[AgeBand, Series]:
        return {a: s for (sx, a, m), s in self.data.items() if sx == sex and m == "count" and a != TOTAL_AGE}

    def group(self, band: AgeBand) -> Series | None:
        """Population of an age group (男女計)."""
        for sex_set in (("T",), ("M", "F")):
            parts: list[Series] = []
            for sex in sex_set:
                got = self.data.get((sex, band, "count")) or _band_sum(self.bands(sex), band[0])
                if got is None and band == TOTAL_AGE:
                    got = _band_sum(self.bands(sex), 0)
                if got is None:
                    break
                parts.append(got)
            else:
                return _sum(parts)
        share = self.data.get(("T", band, "share_pct"))
        total = self.group(TOTAL_AGE) if band != TOTAL_AGE else None
        if share and total:
            return {y: total[y] * share[y] / 100.0 for y in share if y in total}
        return None

    def detail(self) -> dict[tuple[str, AgeBand], Series]:
        """5-year (or coarser) bands by sex: 男・女 when both have bands, else 男女計."""
        for sexes in (("M", "F"), ("T",)):
            chains = {s: tiling(self.bands(s), 0) for s in sexes}
            if all(chains.values()):
                return {(s, a): self.bands(s)[a] for s, chain in chains.items() for a in chain or []}
        return {}


@dataclass
class UnitProjection:
    """Projected population of every option unit that has figures."""

    source: str  # projection|mesh_projection|none
    groups: dict[str, dict[str, Series]]  # unit -> group key (total, 65+, 75+, 85+) -> series
    detail: dict[str, dict[tuple[str, AgeBand], Series]]  # unit -> (sex, band) -> series
    notes: list[str] = field(default_factory=list)

    @property
    def years(self) -> list[int]:
        return sorted({y for g in self.groups.values() for s in g.values() for y in s})

    def key(self, unit: str, group: str, year: int) -> float | None:
        s = self.groups.get(unit, {}).get(group)
        return None if s is None else at_year(s, year)


def _units(project: Project) -> tuple[list[str], dict[str, list[str]]]:
    """(option units, 政令市 code → its wards)."""
    units: list[str] = []
    wards: dict[str, list[str]] = defaultdict(list)
    for code, kind, parent in project.conn.execute(
        "SELECT code, kind, parent_code FROM municipalities ORDER BY code"
    ):
        if kind == "designated_city":
            continue
        units.append(code)
        if kind == "ward" and parent:
            wards[parent].append(code)
    return units, dict(wards)


def _current(project: Project) -> dict[str, dict[str, float]]:
    """Current population per unit by group (for splitting group regions)."""
    df = municipality_population(project)
    out: dict[str, dict[str, float]] = {}
    for row in df.to_dict("records"):
        out[str(row["muni_code"])] = {
            g: float(v) for g, c in _CURRENT_COLUMN.items() if (v := row.get(c)) is not None and v == v
        }
    return out


def _split(
    series: Series, members: list[str], weights: dict[str, dict[str, float]], group: str
) -> dict[str, Series] | None:
    w = {m: weights.get(m, {}).get(group) for m in members}
    if any(v is None for v in w.values()):
        return None
    total = sum(v for v in w.values() if v is not None)
    if total <= 0:
        return None
    return {m: {y: v * (w[m] or 0.0) / total for y, v in series.items()} for m in members}


def _from_tables(project: Project) -> UnitProjection | None:
    rows = tables.projection_rows(project)
    if not rows:
        return None
    regions = tables.projection_regions(project)
    series: dict[str, RegionSeries] = defaultdict(RegionSeries)
    for code, sex, lo, hi, year, measure, value in rows:
        series[code].data.setdefault((sex, (lo, hi), measure), {})[year] = value
    units, wards = _units(project)
    unit_set = set(units)
    out = UnitProjection("projection", {}, {})
    groups_of: dict[str, tuple[str, list[str]]] = {}  # unit -> (region, members) for split regions
    for code, rs in series.items():
        _name, kind, members = regions.get(code, (None, "municipality", []))
        if code in unit_set:
            out.groups[code] = {g: s for g, band in GROUPS.items() if (s := rs.group(band)) is not None}
            out.detail[code] = rs.detail()
        elif kind == "designated_city" or code in wards:
            for w in wards.get(code, []):
                groups_of.setdefault(w, (code, wards[code]))
        elif kind == "group":
            for m in members:
                if m in unit_set:
                    groups_of.setdefault(m, (code, [x for x in members if x in unit_set]))
    pending = {u: g for u, g in groups_of.items() if u not in out.groups}
    if pending:
        _split_regions(out, series, pending, _current(project), regions)
    return out


def _split_regions(
    out: UnitProjection,
    series: Mapping[str, RegionSeries],
    pending: Mapping[str, tuple[str, list[str]]],
    current: dict[str, dict[str, float]],
    regions: Mapping[str, tuple[str | None, str, list[str]]],
) -> None:
    done: set[str] = set()
    for _unit, (code, members) in sorted(pending.items()):
        if code in done:
            continue
        done.add(code)
        rs = series[code]
        todo = [m for m in members if m in pending]
        label = regions.get(code, (code, "", []))[0] or code
        for g, band in GROUPS.items():
            s = rs.group(band)
            parts = None if s is None else _split(s, todo, current, g)
            if parts is None:
                continue
            for m, part in parts.items():
                out.groups.setdefault(m, {})[g] = part
        if all(m in out.groups for m in todo):
            out.notes.append(DEMAND_TEXT["group_split"].format(name=label, n=len(todo)))
        else:
            out.notes.append(DEMAND_TEXT["group_not_split"].format(name=label))


def _from_mesh(project: Project) -> UnitProjection | None:
    """Per-year totals, 65+ and 75+ of a 将来推計人口メッシュ imported as the demand layer."""
    keys = {"year_": "total", "65plus_": "65+", "75plus_": "75+"}
    groups: dict[str, dict[str, Series]] = {}
    for muni, bands in project.conn.execute(
        "SELECT muni_code, bands_json FROM demand_points WHERE bands_json LIKE '%year_%'"
    ):
        for k, v in json.loads(bands or "{}").items():
            for prefix, g in keys.items():
                if k.startswith(prefix) and k[len(prefix) :].isdigit():
                    s = groups.setdefault(muni, {}).setdefault(g, {})
                    y = int(k[len(prefix) :])
                    s[y] = s.get(y, 0.0) + float(v)
    if not groups:
        return None
    return UnitProjection("mesh_projection", groups, {}, [DEMAND_TEXT["mesh_projection"]])


def unit_projection(project: Project) -> UnitProjection:
    """Projected population per unit from the best source the project has (see module doc)."""
    return _from_tables(project) or _from_mesh(project) or UnitProjection("none", {}, {})
