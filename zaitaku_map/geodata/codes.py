"""全国地方公共団体コード helpers: check digit, normalising 4/5/6-digit input, 政令市 codes."""

from __future__ import annotations

import re
from typing import Any

# 政令指定都市: city code -> name (wards are the following codes, e.g. 27102 大阪市都島区)
DESIGNATED_CITIES: dict[str, str] = {
    "01100": "札幌市",
    "04100": "仙台市",
    "11100": "さいたま市",
    "12100": "千葉市",
    "14100": "横浜市",
    "14130": "川崎市",
    "14150": "相模原市",
    "15100": "新潟市",
    "22100": "静岡市",
    "22130": "浜松市",
    "23100": "名古屋市",
    "26100": "京都市",
    "27100": "大阪市",
    "27140": "堺市",
    "28100": "神戸市",
    "33100": "岡山市",
    "34100": "広島市",
    "40100": "北九州市",
    "40130": "福岡市",
    "43100": "熊本市",
}

_DIGITS = re.compile(r"^\d+$")


def check_digit(code5: str) -> str:
    """JIS X 0401/0402 check digit of a 5-digit code (weights 6,5,4,3,2; 11 - sum mod 11, last digit)."""
    s = sum(int(d) * w for d, w in zip(code5, (6, 5, 4, 3, 2), strict=True))
    return str((11 - s % 11) % 10)


def with_check_digit(code5: str) -> str:
    """6-digit form of a 5-digit code."""
    return code5 + check_digit(code5)


def clean_code_text(value: Any) -> str | None:
    """Digits of a cell (``31201``, ``31201.0`` from Excel, ``' 31201'``); ``None`` when not digits."""
    if value is None:
        return None
    if isinstance(value, float):
        if value != value or value <= 0 or value != int(value):  # NaN / negative / fractional
            return None
        value = int(value)
    text = str(value).strip()
    text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if text.endswith(".0"):
        text = text[:-2]
    return text if _DIGITS.match(text) else None


def normalize_muni_code(value: Any) -> str | None:
    """5-digit municipality code from 4/5/6-digit input, or ``None``.

    - 6 digits are accepted only when the last digit is the valid check digit (then dropped);
    - 4 digits are a 5-digit code whose leading zero Excel removed (``1101`` → ``01101``);
    - 5 digits are taken as they are.  A 5-digit value whose leading zero was lost from a
      6-digit code (``11002`` for ``011002``) is ambiguous and handled by :func:`code_candidates`.
    """
    t = clean_code_text(value)
    if t is None:
        return None
    if len(t) == 6:
        return t[:5] if check_digit(t[:5]) == t[5] else None
    if len(t) == 5:
        return t
    if len(t) == 4:
        return t.zfill(5)
    return None


def code_candidates(value: Any) -> list[str]:
    """Every 5-digit code the cell can mean (used when matching against known codes).

    ``11002`` may be 5-digit 11002 or 6-digit 011002 (= 01100 with check digit 2) without its zero.
    """
    t = clean_code_text(value)
    if t is None:
        return []
    out: list[str] = []
    if len(t) == 6 and check_digit(t[:5]) == t[5]:
        out.append(t[:5])
    if len(t) == 5:
        out.append(t)
        six = t.zfill(6)
        if check_digit(six[:5]) == six[5]:
            out.append(six[:5])
    if len(t) == 4:
        out.append(t.zfill(5))
    return list(dict.fromkeys(out))


def designated_city_code(ward_code: str, *, city_name: str | None = None) -> str | None:
    """Code of the 政令市 a ward belongs to, from the known list (``None`` when not known).

    The city is the largest known city code ``c`` of the same prefecture with ``c < ward < c + 50``;
    when ``city_name`` is given it must agree with the list's name.
    """
    best = None
    for c in DESIGNATED_CITIES:
        if (
            c[:2] == ward_code[:2]
            and c < ward_code
            and int(ward_code) - int(c) < 50
            and (best is None or c > best)
        ):
            best = c
    if best is not None and city_name and DESIGNATED_CITIES[best] != city_name:
        return None
    return best


def derived_city_code(ward_codes: list[str]) -> str:
    """Code for a 政令市 not in the known list (e.g. a fictional demo prefecture).

    Rule: the largest code ending in 0 that is ≤ the smallest ward code (wards 99101, 99102 → 99100).
    """
    smallest = min(ward_codes)
    return smallest[:4] + "0"
