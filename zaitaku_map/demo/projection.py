"""Projected population, use rates and demand of the demo prefecture (fictional values, labelled デモ).

The 2020 base is the demo's own census mesh population summed per municipality (5-year bands; men
and women split by a fixed age curve scaled to the mesh's male total).  It is projected to 2050 by
a small cohort-component model — fixed 5-year survival by sex and age, births from the women aged
20–39, net migration of the young by kind of municipality (the 政令市 gains, the mountains lose) —
so the interior ages and shrinks while the city keeps growing old in numbers.

The demand file follows the MHLW method on these numbers: 2024年度 = the 2024 population (2020–2025
interpolated) × the demo rates × an area factor standing for the NDB actual; 2030–2050年度
(現状投影) = the projected population × the same rates × the same factor.  Every file says デモ.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from zaitaku_map.demo.geography import (
    CITY_CODE3,
    CITY_NAME,
    IRYOKEN2,
    Region,
    Tile,
    build_region,
    muni_full_name,
    tiles,
)
from zaitaku_map.demo.population import mesh_population
from zaitaku_map.demo.projection_layouts import (
    BAND_LABELS,
    DEMAND_YEARS,
    PROJECTION_YEARS,
    DemandRow,
    DetailBlock,
    RateTableSpec,
    SummaryRow,
    write_demand_workbook,
    write_detail_workbook,
    write_rate_table,
    write_summary_table,
)

NOTE = "※ デモデータ（架空の値）。実在の地域・統計とは関係ありません。"
RATE_YEAR = 2024
# 5-year survival by band of the 20 bands 0–4 … 90–94, 95+ (fictional, shaped like a Japanese life table)
_SURV_M = np.array(
    [
        0.999,
        0.9995,
        0.9995,
        0.999,
        0.998,
        0.998,
        0.997,
        0.996,
        0.995,
        0.992,
        0.987,
        0.980,
        0.968,
        0.952,
        0.90,
        0.84,
        0.74,
        0.58,
        0.38,
        0.22,
    ]
)
_SURV_F = np.array(
    [
        0.999,
        0.9996,
        0.9996,
        0.9995,
        0.999,
        0.999,
        0.998,
        0.998,
        0.997,
        0.996,
        0.993,
        0.990,
        0.985,
        0.977,
        0.95,
        0.91,
        0.84,
        0.70,
        0.50,
        0.32,
    ]
)
# demo use rates: 訪問診療 レセプト件数/月 per 1,000 population by band 0–4 … 85–89, 90+ (19 bands)
_YOUNG = [0.05] * 8
RATES_PER_1000 = {
    "男": [*_YOUNG, 0.1, 0.15, 0.25, 0.4, 0.7, 1.3, 2.6, 6.0, 15.0, 38.0, 95.0],
    "女": [*_YOUNG, 0.1, 0.15, 0.25, 0.4, 0.6, 1.1, 2.4, 6.5, 19.0, 52.0, 130.0],
}
# outpatient receipts/month per 1,000 (the second sheet of the MHLW layout)
_OUTPATIENT = [700.0] * 4 + [450.0] * 4 + [550.0] * 5 + [1000.0, 1150.0, 1350.0, 1450.0, 1450.0, 1400.0]
# NDB-actual factor per 二次医療圏 (suffix): the 2024 actual against the rates
AREA_FACTOR = {"01": 1.05, "02": 0.96, "03": 1.02, "04": 0.93}
SEXES = ("男", "女")


@dataclass(frozen=True)
class MuniProjection:
    """Projected population of one municipality: ``bands[sex][year]`` = 19 integers (0–4 … 90+)."""

    code3: str
    name: str
    kind: str
    bands: dict[str, dict[int, list[int]]]

    def total(self, year: int, sex: str | None = None) -> int:
        sexes = (sex,) if sex else SEXES
        return sum(sum(self.bands[s][year]) for s in sexes)

    def age(self, year: int, lo: int) -> int:
        return sum(sum(self.bands[s][year][lo // 5 :]) for s in SEXES)


def _male_share(bands: np.ndarray, male_total: float) -> np.ndarray:
    lo = np.arange(20) * 5
    curve = np.clip(0.512 - 0.005 * np.maximum(0, lo - 50), 0.2, 0.52)
    scale = male_total / max(float((bands * curve).sum()), 1.0)
    out: np.ndarray = np.clip(curve * scale, 0.05, 0.95)
    return out


def _migration(spec_kind: str, mountain: bool) -> np.ndarray:
    """Net migration factor per 5 years by band (the young move)."""
    young = np.zeros(20, dtype=bool)
    young[3:7] = True  # 15–34
    rate = (
        0.03
        if spec_kind == "ward"
        else (-0.10 if mountain else -0.04 if spec_kind in ("town", "village") else -0.01)
    )
    out: np.ndarray = np.where(young, 1 + rate, 1 + rate / 6)
    return out


def _project(male: np.ndarray, female: np.ndarray, mig: np.ndarray) -> dict[str, dict[int, np.ndarray]]:
    out: dict[str, dict[int, np.ndarray]] = {"男": {2020: male}, "女": {2020: female}}
    for y in PROJECTION_YEARS[1:]:
        m, f = out["男"][y - 5], out["女"][y - 5]
        births = f[4:8].sum() * 0.21
        nm, nf = np.empty(20), np.empty(20)
        for new, old, surv, share in ((nm, m, _SURV_M, 0.512), (nf, f, _SURV_F, 0.488)):
            new[0] = births * share
            new[1:] = old[:-1] * surv[:-1] * mig[1:]
            new[19] += old[19] * surv[19]
        out["男"][y], out["女"][y] = nm, nf
    return out


@lru_cache(maxsize=4)
def demo_projection(seed: int = 0) -> tuple[MuniProjection, ...]:
    """Projection of every municipality of the template region (deterministic per seed)."""
    region: Region = build_region(seed)
    mp = mesh_population(seed)
    out: list[MuniProjection] = []
    for c3, spec in sorted(region.specs.items()):
        sel = mp.code3 == c3
        bands = mp.bands[sel].sum(axis=0).astype(float)
        share = _male_share(bands, float(mp.male[sel].sum()))
        series = _project(bands * share, bands * (1 - share), _migration(spec.kind, spec.mountain))
        as_int = {
            s: {y: [round(float(v)) for v in [*arr[:18], arr[18] + arr[19]]] for y, arr in by_year.items()}
            for s, by_year in series.items()
        }
        out.append(MuniProjection(c3, muni_full_name(spec), spec.kind, as_int))
    return tuple(out)


def _interp_2024(p: MuniProjection, sex: str) -> list[float]:
    a, b = p.bands[sex][2020], p.bands[sex][2025]
    return [x + (y - x) * 4 / 5 for x, y in zip(a, b, strict=True)]


def _demand(p: MuniProjection, year: int, rates: dict[str, list[float]]) -> float:
    total = 0.0
    for s in SEXES:
        pop = _interp_2024(p, s) if year == 2024 else p.bands[s][year]
        total += sum(v * r / 1000 for v, r in zip(pop, rates[s], strict=True))
    return total


def demand_rows(tile_list: Sequence[Tile], seed: int = 0) -> list[DemandRow]:
    """The MHLW demand rows of the 二次医療圏 (= 構想区域) of every tile."""
    proj = {p.code3: p for p in demo_projection(seed)}
    out_rates = {s: _OUTPATIENT for s in SEXES}
    rows = []
    for tile in tile_list:
        for suffix, name, members in IRYOKEN2:
            ps = [proj[c] for c in members]
            f = AREA_FACTOR[suffix]
            values = {
                "home_visit": {y: f * sum(_demand(p, y, RATES_PER_1000) for p in ps) for y in DEMAND_YEARS},
                "outpatient": {y: f * sum(_demand(p, y, out_rates) for p in ps) for y in DEMAND_YEARS},
            }
            pop_base = round(sum(sum(_interp_2024(p, s)) for p in ps for s in SEXES))
            rows.append(
                DemandRow(
                    tile.pref_name,
                    tile.pref_code + suffix,
                    name if tile.index == 0 else f"{name}{tile.index + 1}",
                    pop_base,
                    sum(p.total(2040) for p in ps),
                    values,
                )
            )
    return rows


Measure = Callable[[Sequence[MuniProjection], int], float]


def _summary_rows(
    tile_list: Sequence[Tile], proj: Sequence[MuniProjection], value: Measure
) -> list[SummaryRow]:
    rows: list[SummaryRow] = []
    for tile in tile_list:
        code = int(tile.pref_code) * 1000
        rows.append(
            SummaryRow(code, "a", tile.pref_name, None, [value(list(proj), y) for y in PROJECTION_YEARS])
        )
        wards = [p for p in proj if p.kind == "ward"]
        if wards:
            rows.append(
                SummaryRow(
                    code + int(CITY_CODE3),
                    "1",
                    tile.pref_name,
                    CITY_NAME,
                    [value(wards, y) for y in PROJECTION_YEARS],
                )
            )
        for p in proj:
            rows.append(
                SummaryRow(
                    int(tile.pref_code + p.code3),
                    "2" if p.kind == "ward" else "0",
                    tile.pref_name,
                    p.name,
                    [value([p], y) for y in PROJECTION_YEARS],
                )
            )
    return rows


def write_projection_files(out_dir: Path, tile_list: Sequence[Tile], seed: int = 0) -> dict[str, list[str]]:
    """Write the demand workbook, the 社人研-layout tables and the rate table; returns paths by kind."""
    proj = demo_projection(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    # the demand file covers more prefectures than the project (as the national file does)
    demand = write_demand_workbook(
        out_dir / "構想区域別の医療需要推計_デモ.xlsx",
        demand_rows(tiles(max(len(tile_list), 3)), seed),
        title_note="（デモデータ）",
    )

    def total(ps: Sequence[MuniProjection], y: int) -> float:
        return sum(p.total(y) for p in ps)

    def old65(ps: Sequence[MuniProjection], y: int) -> float:
        return sum(p.age(y, 65) for p in ps)

    def share75(ps: Sequence[MuniProjection], y: int) -> float:
        return round(100 * sum(p.age(y, 75) for p in ps) / max(total(ps, y), 1), 1)

    tables: list[tuple[str, str, str, Measure]] = [
        ("1", "表1 総人口", "総人口（人）", total),
        ("2_3", "表2-3 65歳以上人口", "65歳以上人口（人）", old65),
        ("3_4", "表3-4 総人口に占める75歳以上人口の割合", "75歳以上人口の割合（％）", share75),
    ]
    summaries = [
        write_summary_table(
            out_dir / f"結果表{n}_デモ.xlsx",
            title=t,
            value_label=lab,
            rows=_summary_rows(tile_list, proj, f),
            notes=[NOTE],
            sheet=f"表{n}",
        )
        for n, t, lab, f in tables
    ]
    details = [
        write_detail_workbook(
            out_dir / f"{tile.pref_code}_{tile.pref_name}_男女年齢5歳階級別推計人口_デモ.xlsx",
            pref_name=tile.pref_name,
            blocks=[
                DetailBlock(
                    int(tile.pref_code + p.code3),
                    p.name,
                    {
                        "総数": {
                            y: [a + b for a, b in zip(p.bands["男"][y], p.bands["女"][y], strict=True)]
                            for y in PROJECTION_YEARS
                        },
                        **{s: p.bands[s] for s in SEXES},
                    },
                )
                for p in proj
            ],
            note="（デモデータ）",
        )
        for tile in tile_list
    ]
    rates = write_rate_table(
        out_dir / "訪問診療_利用率_デモ.xlsx",
        RateTableSpec(
            title=f"訪問診療の利用率（レセプト件数/月・人口千対）{RATE_YEAR}年度 デモ県（デモデータ・架空）",
            sheet="訪問診療",
            rates=RATES_PER_1000,
            bands=BAND_LABELS,
            notes=[NOTE],
        ),
    )
    return {
        "demand": [str(demand)],
        "summary": [str(p) for p in summaries],
        "detail": [str(p) for p in details],
        "rates": [str(rates)],
    }
