"""Use-rate tables (受療率 / 利用率 per sex and age band), read by content — imported, never invented.

A prefecture holds them from the NDB (e.g. 訪問診療 レセプト件数/月 per 1,000 population by sex and
5-year band).  Accepted shapes: age bands down the rows and 男/女/総数 across the columns; a long
table (性別 · 年齢 · 率); sexes down the rows and ages across; any of these with a 都道府県 column
(rows of other prefectures are skipped).  What the rate counts comes from the title or sheet name
(訪問診療 / 在宅, 訪問看護, 外来, 入院), the population it is per from the title or headers (人口千対,
10万人当たり, 1人当たり), and the period from the unit (件/月; a yearly rate is divided by 12 and the
report says so).  When the file does not say, the user must (``per=``, ``period=``, ``measure=``).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from zaitaku_map.demand.grid import Layout, Sheet, is_blank, locate, numeric_share, read_sheets
from zaitaku_map.demand.mhlw import measure_of
from zaitaku_map.demand.tokens import AgeBand, Labels, cell_str, norm, number, parse_label, years_in
from zaitaku_map.errors import InputDataError
from zaitaku_map.importers.normalize import PREFECTURES
from zaitaku_map.importers.report import Rejected
from zaitaku_map.labels import DEMAND_TEXT

_PER = (
    (re.compile(r"10万|100,?000|十万"), 100000.0),
    (re.compile(r"千対|千人|1,?000人|人口千"), 1000.0),
    (re.compile(r"[1１一]人(当|あ)たり|人口(当|あ)たり|perperson"), 1.0),
    (re.compile(r"[%％]|百分率"), 100.0),
)
EXPECTED = "男女・年齢階級（0～4歳 … 90歳以上）ごとの利用率（受療率）の表（人口千対など、単位が分かるもの）"


@dataclass
class RateTable:
    """Rates of one sheet: ``(prefecture code or '', sex, age band) → rate per ``per`` persons per month``."""

    sheet: str | None
    title: str
    measure: str
    per: float
    per_origin: str  # file|argument
    period: str  # month|year (as written; values are stored per month)
    period_origin: str
    base_year: int | None
    rates: dict[tuple[str, str, AgeBand], float]
    columns: dict[str, str]
    other_prefectures: Counter[str] = field(default_factory=Counter)
    rejected: list[Rejected] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ages(self) -> list[AgeBand]:
        return sorted({a for _p, _s, a in self.rates})

    @property
    def sexes(self) -> list[str]:
        return sorted({s for _p, s, _a in self.rates})


def _age_key(value: object) -> str | None:
    if number(value) is not None:
        return None
    lab = parse_label(value)
    return f"{lab.age}" if lab.age is not None else None


def _sex_key(value: object) -> str | None:
    if number(value) is not None:
        return None
    lab = parse_label(value)
    return lab.sex if lab.sex is not None and lab.age is None else None


def _pref_code(value: object) -> str | None:
    t = norm(value)
    if re.fullmatch(r"\d{1,2}", t) and 1 <= int(t) <= 47:
        return t.zfill(2)
    for code, name in PREFECTURES.items():
        if t and (t == norm(name) or (len(t) >= 2 and norm(name).startswith(t))):
            return code
    return None


def per_of(texts: list[str]) -> float | None:
    joined = norm(" ".join(texts))
    return next((per for rx, per in _PER if rx.search(joined)), None)


def period_of(texts: list[str]) -> str | None:
    joined = norm(" ".join(texts))
    if re.search(r"/年|年間|per year|annual", joined):
        return "year"
    if re.search(r"/月|月間|1か月|毎月|per month|monthly|件/月", joined):
        return "month"
    return None


def _layout(sheet: Sheet) -> Layout | None:
    return locate(sheet, _age_key, hints=("年齢", "年齢階級", "age")) or locate(
        sheet, _sex_key, hints=("性別", "男女", "sex")
    )


def _value_columns(lay: Layout) -> tuple[list[int], list[int], int | None]:
    """(label columns, value columns, prefecture column)."""
    sheet = lay.sheet
    labels: list[int] = [lay.key_col]
    values: list[int] = []
    pref: int | None = None
    for c in range(sheet.width):
        if c == lay.key_col:
            continue
        filled = [sheet.cell(r, c) for r in lay.data_rows if not is_blank(sheet.cell(r, c))]
        if not filled:
            continue
        head = norm(lay.header_of(c))
        names = [v for v in filled if number(v) is None and _pref_code(v)]
        if "都道府県" in head or len(names) >= 0.8 * len(filled):
            pref = c
        elif numeric_share(sheet, lay.data_rows, c) >= 0.5:
            values.append(c)
        elif sum(1 for v in filled if parse_label(v).informative) >= 0.5 * len(filled):
            labels.append(c)
    return labels, values, pref


def _read_rates(
    sheet: Sheet,
    lay: Layout,
    *,
    prefectures: set[str],
    period: str,
) -> tuple[dict[tuple[str, str, AgeBand], float], Counter[str], list[Rejected]]:
    labels, values, pref_col = _value_columns(lay)
    title = lay.title_labels
    rates: dict[tuple[str, str, AgeBand], float] = {}
    other: Counter[str] = Counter()
    rejected: list[Rejected] = []
    carried: dict[int, Labels] = {}
    factor = 1 / 12 if period == "year" else 1.0
    for r in lay.data_rows:
        pref = ""
        if pref_col is not None:
            pref = _pref_code(sheet.cell(r, pref_col)) or ""
            if pref and pref not in prefectures:
                other[pref] += 1
                continue
        row = Labels()
        for c in labels:
            v = sheet.cell(r, c)
            lab = carried.get(c, Labels()) if is_blank(v) else parse_label(v)
            carried[c] = lab
            row = row.merge(lab)
        for c in values:
            v = number(sheet.cell(r, c))
            if v is None:
                continue
            lab = lay.col_labels[c].merge(row).merge(title)
            if lab.skip or lab.age is None:
                continue
            if v < 0:
                rejected.append(
                    Rejected(r + 1, DEMAND_TEXT["negative_rate"], lay.header_of(c), v, sheet.name)
                )
                continue
            rates[(pref, lab.sex or "T", lab.age)] = v * factor
    return rates, other, rejected


def read_rate_table(
    path: str | Path,
    *,
    prefectures: set[str],
    per: float | None = None,
    period: str | None = None,
    measure: str | None = None,
) -> list[RateTable]:
    """Read the rate tables of a file (one per sheet that has an age or sex column and rates).

    Raises
    ------
    InputDataError
        No sheet with rates; or what the rates count, per how many people or per which period
        cannot be read from the file and was not given.
    """
    p = Path(path)
    out: list[RateTable] = []
    for sheet in read_sheets(p):
        lay = _layout(sheet)
        if lay is None:
            continue
        texts = [*lay.titles, *lay.col_text, sheet.name or ""]
        m = measure or measure_of(texts)
        got_per = per_of(texts)
        got_period = period_of(texts)
        problems = [
            what
            for what, v in (
                ("何の利用率か（訪問診療など）", m),
                ("人口何人あたりか（千対など）", per or got_per),
                ("期間（件/月 など）", period or got_period),
            )
            if v is None
        ]
        if problems:
            raise InputDataError(
                "the rate table does not say " + ", ".join(problems),
                file=p,
                sheet=sheet.name,
                value=" / ".join(lay.titles[:2]) or None,
                expected=EXPECTED,
                hint="表のタイトルに書き足すか、--rate-per 1000 --rate-period month --rate-measure home_visit "
                "のように指定してください: " + "・".join(problems),
            )
        assert m is not None
        use_per = float(per or got_per or 0)
        use_period = str(period or got_period)
        rates, other, rejected = _read_rates(sheet, lay, prefectures=prefectures, period=use_period)
        if not rates:
            continue
        years = [y for t in lay.titles for y in years_in(t)]
        notes = [DEMAND_TEXT["yearly_rate"]] if use_period == "year" else []
        out.append(
            RateTable(
                sheet=sheet.name,
                title=lay.titles[0] if lay.titles else (sheet.name or ""),
                measure=m,
                per=use_per,
                per_origin="argument" if per else "file",
                period=use_period,
                period_origin="argument" if period else "file",
                base_year=years[0] if years else None,
                rates=rates,
                columns={"key": lay.header_of(lay.key_col)},
                other_prefectures=other,
                rejected=rejected,
                notes=notes,
            )
        )
    if not out:
        raise InputDataError("no rate table in the file", file=p, expected=EXPECTED)
    return out


def looks_like_rate_table(sheet: Sheet) -> bool:
    """Cheap check: an age or sex column, numbers beside it, and a title that speaks of rates."""
    lay = _layout(sheet)
    if lay is None:
        return False
    joined = norm(" ".join([*lay.titles, *lay.col_text, sheet.name or ""]))
    return (
        bool(re.search(r"率|千対|10万対|当たり|あたり", joined))
        and any(numeric_share(sheet, lay.data_rows, c) >= 0.5 for c in range(sheet.width) if c != lay.key_col)
        and bool(cell_str(sheet.cell(lay.first_row, lay.key_col)))
    )
