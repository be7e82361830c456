"""What a header or row label of a projection, demand or rate table says: year, sex, age band.

Official tables put these facts anywhere — in a header row (``2030年度（現状投影）``), in a second
header row below a spanning one (``男`` over 20 age columns), in a row label column (``総数`` / ``男`` /
``女``) or in the sheet title (``65歳以上人口``).  :func:`parse_label` turns one text into
:class:`Labels`; the table readers merge the labels of a cell's column and row.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass, replace

from zaitaku_map.textnorm import compact

OPEN = 999
"""``age_hi`` of an open band (``90歳以上``); ``(0, OPEN)`` is the whole population."""

AgeBand = tuple[int, int]
TOTAL_AGE: AgeBand = (0, OPEN)

_YEAR = re.compile(r"(?<![\d.])((?:19|20)\d\d)(?![\d.])")
_WAREKI = re.compile(r"(令和|平成)(元|\d{1,2})年")
_WAREKI_BASE = {"令和": 2018, "平成": 1988}
_OPEN_AGE = re.compile(r"(\d{1,3})歳以上")
_OPEN_PLUS = re.compile(r"^(?:age)?(\d{1,3})(?:\+|plus|over)$")
_BAND = re.compile(r"(\d{1,3})歳?[~〜～\-－ー–](\d{1,3})歳")
_BAND_PLAIN = re.compile(r"^(?:age)?(\d{1,3})[~〜～\-－ー–_](\d{1,3})$")
_UNDER = re.compile(r"(\d{1,3})歳未満")
_EDITION = re.compile(r"(令和|平成)\s*(元|\d{1,2})\s*[(（]\s*(\d{4})\s*[)）]\s*年\s*推計")
_FISCAL_EDITION = re.compile(r"(令和|平成)\s*(元|\d{1,2})\s*年度")
_FILE_EDITION = re.compile(r"(?<![A-Za-z])R\s*(\d{1,2})(?!\d)")

_TOTAL_WORDS = ("総数", "総人口", "人口総数", "合計", "計", "total", "男女計", "総計", "all")
_SHARE_WORDS = ("割合", "構成比", "%", "％", "比率")
_SKIP_WORDS = ("指数", "増減", "増加率", "減少率", "伸び率", "推移率", "変化率")


@dataclass(frozen=True)
class Labels:
    """Facts a label carries (``None``: the label does not say)."""

    year: int | None = None
    sex: str | None = None  # T (男女計) | M | F
    age: AgeBand | None = None
    total: bool = False  # 総数 / 計: says "all" of whatever the other labels leave open
    share: bool = False  # a percentage, not a count
    skip: bool = False  # an index or a change, not a population figure
    years_seen: int = 0  # distinct years in the text (a range like 2024年度から2050年度 has two)

    @property
    def informative(self) -> bool:
        """Whether the label names a year, sex or age (or says 総数)."""
        return self.year is not None or self.sex is not None or self.age is not None or self.total

    def merge(self, other: Labels) -> Labels:
        """Facts of both; where both say something, ``self`` wins (the caller decides the order)."""
        return replace(
            self,
            year=self.year if self.year is not None else other.year,
            sex=self.sex if self.sex is not None else other.sex,
            age=self.age if self.age is not None else other.age,
            total=self.total or other.total,
            share=self.share or other.share,
            skip=self.skip or other.skip,
            years_seen=max(self.years_seen, other.years_seen),
        )


def norm(text: object) -> str:
    """Label text for matching: NFKC, no whitespace, no brackets' inner spaces, lower case."""
    return compact(cell_str(text)).lower()


def cell_str(value: object) -> str:
    """A cell as text (``2020.0`` → ``2020``; dates as ISO)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()[:10]
    return str(value)


def number(value: object) -> float | None:
    """A numeric cell (int/float or text like ``1,234.5``); ``None`` for blanks, ``-``, ``*`` and text."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        f = float(value)
        return None if f != f else f
    t = unicodedata.normalize("NFKC", cell_str(value)).strip().replace(",", "")
    if not t or not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", t):
        return None
    return float(t)


def years_in(text: str) -> list[int]:
    """Distinct years (1900–2099) named in a label, western or 令和/平成 (in order of appearance)."""
    t = unicodedata.normalize("NFKC", text)
    found: list[int] = []
    # a 和暦 year followed by its western year in brackets is one year: drop the bracketed part
    for m in _WAREKI.finditer(t):
        y = _WAREKI_BASE[m.group(1)] + (1 if m.group(2) == "元" else int(m.group(2)))
        found.append(y)
    for m in _YEAR.finditer(t):
        found.append(int(m.group(1)))
    return list(dict.fromkeys(found))


def _age(t: str) -> AgeBand | None:
    m = _OPEN_AGE.search(t) or _OPEN_PLUS.match(t)
    if m:
        return (int(m.group(1)), OPEN)
    m = _BAND.search(t) or _BAND_PLAIN.match(t)
    if m:
        lo, hi = int(m.group(1)), int(m.group(2))
        if lo <= hi <= 120:
            return (lo, hi)
    m = _UNDER.search(t)
    if m:
        return (0, int(m.group(1)) - 1)
    return None


def _sex(t: str) -> str | None:
    if t in ("male", "m", "男性"):
        return "M"
    if t in ("female", "f", "女性"):
        return "F"
    if "男女" in t or t in ("both", "t"):
        return "T"
    if "男" in t and "女" not in t:
        return "M"
    if "女" in t and "男" not in t:
        return "F"
    return None


def parse_label(text: object, *, numeric_year: bool = False) -> Labels:
    """What one label says (cached: official tables repeat their labels on every row).

    Parameters
    ----------
    numeric_year:
        Accept a bare number 1900–2099 (a header cell holding ``2030``) as a year.  Off for data cells.
    """
    try:
        return _parse_label_cached(type(text).__name__, text, numeric_year)
    except TypeError:  # an unhashable cell value: parse it directly
        return _parse_label(text, numeric_year=numeric_year)


@functools.lru_cache(maxsize=1 << 16)
def _parse_label_cached(_kind: str, text: object, numeric_year: bool) -> Labels:
    return _parse_label(text, numeric_year=numeric_year)


def _parse_label(text: object, *, numeric_year: bool = False) -> Labels:
    if numeric_year and isinstance(text, int | float) and not isinstance(text, bool):
        v = float(text)
        if v.is_integer() and 1900 <= v <= 2099:
            return Labels(year=int(v), years_seen=1)
        return Labels()
    t = norm(text)
    if not t:
        return Labels()
    years = years_in(t)
    # a year must not be read as an age band (2020-2025) and the other way round
    age_text = _YEAR.sub("", t) if years else t
    age = _age(age_text)
    words = re.split(r"[()（）\[\]［］・/／,、\s]+", t)
    total = any(w in _TOTAL_WORDS for w in words) or t in _TOTAL_WORDS or "総人口" in t or "男女計" in t
    if age is None and "総人口" in t:
        age = TOTAL_AGE
    return Labels(
        year=years[0] if len(years) == 1 else None,
        sex=_sex(t),
        age=age,
        total=total,
        share=any(w in t for w in _SHARE_WORDS),
        skip=any(w in t for w in _SKIP_WORDS),
        years_seen=len(years),
    )


def edition_of(texts: list[str]) -> str | None:
    """The edition a title or file name names: ``令和5(2023)年推計`` or ``令和7年度`` (``R7`` in a file name)."""
    for text in texts:
        t = unicodedata.normalize("NFKC", text)
        m = _EDITION.search(t)
        if m:
            return f"{m.group(1)}{m.group(2)}({m.group(3)})年推計"
        m = _FISCAL_EDITION.search(t)
        if m:
            return f"{m.group(1)}{m.group(2)}年度"
    for text in texts:
        m = _FILE_EDITION.search(unicodedata.normalize("NFKC", text))
        if m:
            return f"令和{int(m.group(1))}年度"
    return None
