"""Files in the official projection, demand and rate layouts for the synthetic project (tests/synthetic.py).

The synthetic prefecture 99 has the 構想区域 (二次医療圏) 9901 中央 (wards 99101, 99102 of the 政令市 99100, and
99201), 9902 西部 (99202–99204) and 9903 南部 (99205–99207).
"""

from __future__ import annotations

from pathlib import Path

from zaitaku_map.demo.projection_layouts import (
    BAND_LABELS,
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

YEARS = (2024, 2030, 2035, 2040, 2045, 2050)
AREA_VALUES = {
    "9901": {2024: 1000.25, 2030: 1200.5, 2035: 1300.0, 2040: 1400.75, 2045: 1350.0, 2050: 1250.0},
    "9902": {2024: 400.0, 2030: 450.0, 2035: 480.0, 2040: 470.0, 2045: 440.0, 2050: 400.0},
    "9903": {2024: 300.0, 2030: 310.0, 2035: 305.0, 2040: 290.0, 2045: 270.0, 2050: 250.0},
}
AREA_NAMES = {"9901": "中央", "9902": "西部", "9903": "南部"}
AREA_UNITS = {
    "9901": ["99101", "99102", "99201"],
    "9902": ["99202", "99203", "99204"],
    "9903": ["99205", "99206", "99207"],
}
UNITS = [u for us in AREA_UNITS.values() for u in us]
NAMES = {
    "99101": "テスト市中央区",
    "99102": "テスト市北区",
    "99201": "東市",
    "99202": "西町",
    "99203": "南町",
    "99204": "山村",
    "99205": "川町",
    "99206": "谷村",
    "99207": "島町",
}
# projected 75+ per unit: a base per unit and a growth per year (so shares change with the year)
_BASE75 = {
    "99101": 3000,
    "99102": 2000,
    "99201": 1000,
    "99202": 800,
    "99203": 600,
    "99204": 400,
    "99205": 500,
    "99206": 300,
    "99207": 200,
}
_GROWTH = {
    "99101": 1.03,
    "99102": 1.01,
    "99201": 0.99,
    "99202": 1.0,
    "99203": 0.98,
    "99204": 0.95,
    "99205": 1.0,
    "99206": 0.97,
    "99207": 0.96,
}


def pop75(unit: str, year: int) -> int:
    return round(_BASE75[unit] * _GROWTH[unit] ** ((year - 2020) / 5))


def demand_rows(values: dict[str, dict[int, float]] | None = None) -> list[DemandRow]:
    vals = values or AREA_VALUES
    rows = [
        DemandRow(
            "テスト県",
            code,
            AREA_NAMES[code],
            10000 * (i + 1),
            9000 * (i + 1),
            {"home_visit": v, "outpatient": {y: 50 * x for y, x in v.items()}},
        )
        for i, (code, v) in enumerate(sorted(vals.items()))
    ]
    # a row of another prefecture (skipped and counted)
    rows.insert(
        0,
        DemandRow(
            "鳥取県",
            "3101",
            "東部",
            214240,
            183067,
            {"home_visit": dict.fromkeys(YEARS, 1.0), "outpatient": dict.fromkeys(YEARS, 2.0)},
        ),
    )
    return rows


def write_demand(path: Path, *, shift: tuple[int, int] = (0, 0)) -> Path:
    return write_demand_workbook(path, demand_rows(), shift=shift)


def write_summary_75(path: Path, *, with_wards: bool = True) -> Path:
    """結果表 of the 75+ population: prefecture row, 政令市 aggregate, wards (optional), municipalities."""
    rows = [
        SummaryRow(99000, "a", "テスト県", None, [sum(pop75(u, y) for u in UNITS) for y in PROJECTION_YEARS]),
        SummaryRow(
            99100,
            "1",
            "テスト県",
            "テスト市",
            [pop75("99101", y) + pop75("99102", y) for y in PROJECTION_YEARS],
        ),
    ]
    for u in UNITS:
        if u.startswith("991") and not with_wards:
            continue
        rows.append(
            SummaryRow(
                int(u),
                "2" if u.startswith("991") else "0",
                "テスト県",
                NAMES[u],
                [pop75(u, y) for y in PROJECTION_YEARS],
            )
        )
    rows.append(SummaryRow(31201, "0", "鳥取県", "鳥取市", [1.0] * len(PROJECTION_YEARS)))
    return write_summary_table(
        path, title="表X 75歳以上人口", value_label="75歳以上人口（人）", rows=rows, notes=["※ テスト用の値"]
    )


def zero_bands() -> list[float]:
    return [0.0] * len(BAND_LABELS)


def write_detail(path: Path, people: dict[str, dict[str, dict[int, list[float]]]]) -> Path:
    """Detail workbook: ``people[unit][男|女][year]`` = 19 bands; units not given get zeros."""
    blocks = []
    for u in UNITS:
        by_sex = people.get(u) or {s: {y: zero_bands() for y in PROJECTION_YEARS} for s in ("男", "女")}
        total = {
            y: [a + b for a, b in zip(by_sex["男"][y], by_sex["女"][y], strict=True)]
            for y in PROJECTION_YEARS
        }
        blocks.append(DetailBlock(int(u), NAMES[u], {"総数": total, **by_sex}))
    return write_detail_workbook(path, pref_name="テスト県", blocks=blocks)


def write_rates(path: Path, male: list[float], female: list[float], *, title: str | None = None) -> Path:
    return write_rate_table(
        path,
        RateTableSpec(
            title=title or "訪問診療の利用率（レセプト件数/月・人口千対）2024年度 テスト県",
            sheet="訪問診療",
            rates={"男": male, "女": female},
        ),
    )


# 福島県 as the 社人研 summary table shows it: the 浜通り region is one row (kind 9) for 13 municipalities
HAMADORI_ROWS = [
    SummaryRow(7000, "a", "福島県", None, [1833152.0] * 7),
    SummaryRow(7201, "0", "福島県", "福島市", [282693.0] * 7),
    SummaryRow(7900, "9", "福島県", "浜通り地域（はまどおりちいき）", [500000.0] * 7),
]
