"""Reference dates (基準日) of data sources that are not facility lists.

Every source row (``sources.reference_date``) says what date its data is "as of"; exported documents
print it, or 「基準日不明」.  Each importer detects the date where the file carries one (a title row
「令和7年10月1日現在」, a file name, a file header) and otherwise takes the user's value, checked by
:func:`check_reference_date`.  Data released per year or 年度 (位置参照情報, 国土数値情報 A38, census)
is dated by its year alone (``"2024"``), as population sources already are.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from zaitaku_map.errors import InputDataError

# year 0 of each era (令和1年 = 2019): the one table of Japanese eras
ERA_BASE: dict[str, int] = {
    "明治": 1867,
    "大正": 1911,
    "昭和": 1925,
    "平成": 1988,
    "令和": 2018,
    "M": 1867,
    "T": 1911,
    "S": 1925,
    "H": 1988,
    "R": 2018,
}
_YEAR = re.compile(r"(\d{4})(?:年度?)?")
_YEAR_MONTH = re.compile(r"(\d{4})[-/.年](\d{1,2})月?")
_ERA_YEAR = re.compile(r"(令和|平成|昭和|R|H|S)(元|\d{1,2})年?度?", re.IGNORECASE)
_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_WAREKI_RE = re.compile(
    r"(明治|大正|昭和|平成|令和|[MTSHR])\s*(元|\d{1,2})\s*[年.\-/]\s*(\d{1,2})\s*[月.\-/]\s*(\d{1,2})\s*日?"
)
_ISO_RE = re.compile(r"(\d{4})\s*[年.\-/]\s*(\d{1,2})\s*[月.\-/]\s*(\d{1,2})")
_COMPACT_RE = re.compile(r"\d{8}")


def era_year(era: str, year: str) -> int:
    """Western year of an era year (``令和``, ``"7"`` → 2025; ``元`` is year 1)."""
    return ERA_BASE[era.upper() if len(era) == 1 else era] + (1 if year == "元" else int(year))


def parse_date(text: object) -> str | None:
    """和暦 (``令和 7年 9月 1日``, ``R7.9.1``, ``令和元年…``) or western date → ISO ``YYYY-MM-DD``.

    Datetimes are taken by their date.  Returns ``None`` when the text holds no recognisable date
    or the date does not exist.
    """
    if text is None:
        return None
    if isinstance(text, dt.date):
        return text.isoformat()[:10]
    if isinstance(text, float) and text.is_integer():
        text = int(text)  # 20251001.0 from a spreadsheet cell
    s = unicodedata.normalize("NFKC", str(text)).strip()
    if not s:
        return None
    m = _WAREKI_RE.search(s)
    if m:
        era, y, mo, d = m.groups()
        year = era_year(era, y)
    else:
        m = _ISO_RE.search(s)
        if m:
            year, mo, d = int(m.group(1)), m.group(2), m.group(3)
        elif _COMPACT_RE.fullmatch(s):
            year, mo, d = int(s[:4]), s[4:6], s[6:]
        else:
            return None
    try:
        return dt.date(year, int(mo), int(d)).isoformat()
    except ValueError:
        return None


def check_reference_date(value: Any) -> str | None:
    """A user's 基準日 as ISO text; ``None`` for an empty value.

    Accepted: a date (``2025-10-01``, ``2025/10/1``, ``20251001``, ``令和7年10月1日``, ``R7.10.1``), a
    year-month (``2025-10``) or a year / 年度 (``2024``, ``令和6年度``).

    Raises
    ------
    InputDataError
        The text is not one of these (or not a real date).
    """
    if value is None:
        return None
    s = unicodedata.normalize("NFKC", str(value)).strip().replace(" ", "")
    if not s:
        return None
    m = _YEAR.fullmatch(s)
    if m and 1900 <= int(m.group(1)) <= 2100:
        return m.group(1)
    m = _YEAR_MONTH.fullmatch(s)
    if m and 1900 <= int(m.group(1)) <= 2100 and 1 <= int(m.group(2)) <= 12:
        return f"{m.group(1)}-{int(m.group(2)):02d}"
    m = _ERA_YEAR.fullmatch(s)
    if m:
        return str(era_year(m.group(1), m.group(2)))
    d = parse_date(s)
    if d is None:
        raise InputDataError(
            "reference date not understood",
            value=value,
            expected="YYYY-MM-DD（例 2025-10-01）、年度 YYYY（例 2024）、または 令和7年10月1日",
        )
    return d


def resolve_reference_date(
    given: Any, *detectors: tuple[str, Callable[[], str | None]]
) -> tuple[str | None, str | None]:
    """``(基準日, origin)`` of a source: the user's value, checked by :func:`check_reference_date`
    (origin ``"argument"``), else the first date a detector finds in the file, with that detector's
    origin (``"file_name"``, ``"title"``, ``"file_header"`` …), else ``(None, None)``.  Detectors run
    only when no date is given."""
    ref = check_reference_date(given)
    if ref is not None:
        return ref, "argument"
    for origin, detect in detectors:
        found = detect()
        if found:
            return found, origin
    return None, None


def date_of_timestamp(text: Any) -> str | None:
    """``2025-10-01`` from an ISO timestamp such as ``2025-10-01T20:21:02Z``; ``None`` otherwise."""
    m = _ISO_DAY.match(str(text or "").strip())
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        return None


def date_of_yymmdd(text: str) -> str | None:
    """``2025-10-01`` from ``251001`` or ``20251001`` (a date in a download's file name)."""
    if len(text) == 6:
        text = "20" + text
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:])).isoformat()
    except ValueError:
        return None
