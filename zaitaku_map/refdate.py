"""Reference dates (基準日) of data sources that are not facility lists.

Every source row (``sources.reference_date``) says what date its data is "as of"; exported documents
print it, or 「基準日不明」.  Each importer detects the date where the file carries one (a title row
「令和7年10月1日現在」, a file name, a file header) and otherwise takes the user's value, checked by
:func:`check_reference_date`.  Data released per year or 年度 (位置参照情報, 国土数値情報 A38, census)
is dated by its year alone (``"2024"``), as population sources already are.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from zaitaku_map.errors import InputDataError

_YEAR = re.compile(r"(\d{4})(?:年度?)?")
_YEAR_MONTH = re.compile(r"(\d{4})[-/.年](\d{1,2})月?")
_ERA_YEAR = re.compile(r"(令和|平成|昭和|R|H|S)(元|\d{1,2})年?度?", re.IGNORECASE)
_ERA_BASE = {"令和": 2018, "R": 2018, "平成": 1988, "H": 1988, "昭和": 1925, "S": 1925}
_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


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
        base = _ERA_BASE[m.group(1).upper() if len(m.group(1)) == 1 else m.group(1)]
        return str(base + (1 if m.group(2) == "元" else int(m.group(2))))
    from zaitaku_map.importers.readers import parse_date

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
    import datetime as dt

    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        return None


def date_of_yymmdd(text: str) -> str | None:
    """``2025-10-01`` from ``251001`` or ``20251001`` (a date in a download's file name)."""
    import datetime as dt

    if len(text) == 6:
        text = "20" + text
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:])).isoformat()
    except ValueError:
        return None
