"""Japanese address normalisation for matching (the original address is always kept for display).

:func:`normalize_address` turns the many spellings found in official lists into one canonical
string, so that two spellings of the same place compare equal:

- NFKC (full-width digits/letters), whitespace removed, every hyphen/長音 variant between digits
  becomes ``-`` (:func:`zaitaku_map.textnorm.normalize_text`);
- kanji numerals before 丁目/番地/番/号/条/地割 and after ``の`` become Arabic digits
  (``三丁目`` → ``3丁目``, ``二十三番地`` → ``23番地``, ``一〇二九番地`` → ``1029番地``);
- the 丁目/番地/番/号/の forms collapse to hyphens: ``3丁目5番2号``, ``3丁目5番地の2``, ``3-5-2`` all
  give ``3-5-2``; a final ``番地``/``番``/``号``/``丁目`` is dropped (``雲山57番地`` → ``雲山57``);
- ``大字`` and a ``字`` right after the municipality/大字 are removed; ``郡`` names before a 町/村 are
  removed (``岩美郡岩美町`` → ``岩美町``) — the municipality matcher accepts both;
- a few variant characters are unified (ヶ/ヵ → ケ, ノ between kanji → の, 﨑 → 崎, 髙 → 高 …);
- the prefecture is kept when present and prepended from ``pref`` when missing (名簿 addresses).

Town names of references go through the same function, so ``相生町一丁目`` (reference) and
``相生町1丁目5-2`` (address) share the prefix ``相生町1``.

Time is linear in the length of the text: every rule is a fixed number of regular-expression passes
that start at a unit (丁目, 番地 …) with the number before it as context, or at the first numeral of
a run read once (possessive ``++``), so no pass backtracks over a run it already read
(``benchmarks/bench_geocode.py --normalizer`` times it up to 1,000,000 characters).  Importers
refuse cells longer than :attr:`~zaitaku_map.settings.Limits.field_chars` before they get here.
"""

from __future__ import annotations

import re

from zaitaku_map.importers.normalize import PREFECTURE_RE
from zaitaku_map.importers.normalize import PREFECTURES as PREFECTURES  # re-exported for the geocoder
from zaitaku_map.textnorm import normalize_text

PREF_CODES: dict[str, str] = {v: k for k, v in PREFECTURES.items()}

_KANJI_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
_KNUM = "〇零一二三四五六七八九十百千"
_KANJI_BEFORE = re.compile(f"[{_KNUM}](?<![{_KNUM}][{_KNUM}])[{_KNUM}]*+(?=丁目|番地|番|号|条|地割|線(?!路))")
_ANY_KNUM = re.compile(f"[{_KNUM}]")
_ANY_DIGIT = re.compile(r"\d")
_KANJI_AFTER_NO = re.compile(f"[{_KNUM}](?<=\\dの[{_KNUM}])[{_KNUM}]*(?![一-龥ぁ-んァ-ヶ])")
_KANJI_AFTER_HYPHEN = re.compile(f"[{_KNUM}](?<=\\d-[{_KNUM}])[{_KNUM}]*(?![一-龥ぁ-んァ-ヶ])")

_VARIANTS = str.maketrans(
    {
        "ヶ": "ケ",
        "ヵ": "カ",
        "﨑": "崎",
        "嵜": "崎",
        "髙": "高",
        "邊": "辺",
        "邉": "辺",
        "德": "徳",
        "舘": "館",
        "惠": "恵",
        "廣": "広",
        "澤": "沢",
        "櫻": "桜",
        "國": "国",
        "齋": "斎",
        "齊": "斉",
        "冨": "富",
        "濵": "浜",
        "濱": "浜",
        "瀨": "瀬",
        "曻": "昇",
    }
)
_ANY_VARIANT = re.compile("[" + "".join(chr(c) for c in _VARIANTS) + "]")
_KANJI_NO = re.compile(r"ノ(?<=[一-龥]ノ)(?=[一-龥])")
_POSTAL = re.compile(r"^(?:〒\d{3}-?\d{4}|\d{3}-\d{4}(?=\D))")
# 郡 name followed by a 町/村 name: drop the 郡 (蒲郡市, 郡山市, 郡上市, 大和郡山市 are not counties)
_GUN_RE = re.compile(r"^((?:余市|高市|[^町市区郡県府道\d-]{1,4})郡)(?!市|山市)(?=[^区町村\d-]{1,5}?[町村])")
_OAZA_RE = re.compile(r"大字")
_AZA_RE = re.compile(r"字(?<=[町村市区]字)字*(?=[^\d-])")

# longest kanji numeral read as a number (an address number has at most a few digits)
_MAX_NUMERAL = 8


def kanji_to_int(text: str) -> int | None:
    """Value of a kanji numeral (``二十三`` → 23, ``一〇二九`` → 1029); ``None`` if not one (or longer
    than any address number)."""
    if (
        not text
        or len(text) > _MAX_NUMERAL
        or any(ch not in _KANJI_DIGITS and ch not in _KANJI_UNITS for ch in text)
    ):
        return None
    if not any(ch in _KANJI_UNITS for ch in text):  # positional: 一〇二九
        return int("".join(str(_KANJI_DIGITS[ch]) for ch in text))
    total, current = 0, 0
    for ch in text:
        if ch in _KANJI_DIGITS:
            current = current * 10 + _KANJI_DIGITS[ch] if current else _KANJI_DIGITS[ch]
        else:
            total += (current or 1) * _KANJI_UNITS[ch]
            current = 0
    return total + current


def int_to_kanji(n: int) -> str:
    """Kanji numeral of ``0 <= n < 10000`` in the 丁目 style (23 → 二十三); used by tests/references."""
    if n == 0:
        return "〇"
    digits = "〇一二三四五六七八九"
    out = ""
    for value, unit in ((1000, "千"), (100, "百"), (10, "十")):
        q, n = divmod(n, value)
        if q:
            out += ("" if q == 1 else digits[q]) + unit
    if n:
        out += digits[n]
    return out


_NUMERALS: dict[str, str] = {}  # numeral → digits (addresses repeat the same few numbers)


def _kanji_sub(match: re.Match[str]) -> str:
    text = match.group(0)
    out = _NUMERALS.get(text)
    if out is None:
        value = kanji_to_int(text)
        out = text if value is None else str(value)
        if len(_NUMERALS) < 10_000:
            _NUMERALS[text] = out
    return out


# a unit after a number: each rule starts with the unit as a literal (a fast search, not a test at
# every position) and looks back for the digit, so no pass reads a run twice (linear time) and the
# replacement is a plain string
_NUMBER_RULES = [
    (re.compile(r"丁目(?<=\d丁目)(?=\d)"), "-"),
    (re.compile(r"丁目(?<=\d丁目)"), ""),
    (re.compile(r"番(?<=\d番)地?の?(?=\d)"), "-"),
    (re.compile(r"番(?<=\d番)地?(?![町丁\d])"), ""),
    (re.compile(r"号(?<=\d号)(?![館室棟線])"), ""),
    (re.compile(r"の(?<=\dの)(?=\d)"), "-"),
    (re.compile(r"-(?<=\d-)-*(?=\d)"), "-"),
    (re.compile(r"-(?<=\d-)-*(?!\d)"), ""),
]


def _numbers(s: str) -> str:
    """Kanji numerals to digits where they are address numbers, then the canonical hyphen form."""
    if _ANY_KNUM.search(s):
        s = _KANJI_BEFORE.sub(_kanji_sub, s)
        s = _KANJI_AFTER_NO.sub(_kanji_sub, s)
        s = _KANJI_AFTER_HYPHEN.sub(_kanji_sub, s)
    if not _ANY_DIGIT.search(s):
        return s
    for pattern, repl in _NUMBER_RULES:
        s = pattern.sub(repl, s)
    return s


def _core(s: str) -> str:
    if _ANY_VARIANT.search(s):
        s = s.translate(_VARIANTS)
    s = _KANJI_NO.sub("の", s)
    s = _OAZA_RE.sub("", s)
    s = _AZA_RE.sub("", s)
    return _numbers(s)


def split_prefecture(text: str) -> tuple[str | None, str]:
    """``("鳥取県", "鳥取市…")`` from an already basic-normalised address (``None`` when absent)."""
    m = PREFECTURE_RE.match(text)
    if m:
        name, end = m.group(1), m.end()
        while text.startswith(name, end):  # "鳥取県鳥取県鳥取市…" (prefecture prepended twice)
            end += len(name)
        return name, text[end:]
    return None, text


def drop_county(rest: str) -> str:
    """Remove a leading 郡 name before a 町/村 (``八頭郡智頭町…`` → ``智頭町…``)."""
    return _GUN_RE.sub("", rest, count=1)


def pref_name_of(pref: str | None) -> str | None:
    """Prefecture name from a name or a 1–2 digit code (``"31"`` → ``"鳥取県"``)."""
    if not pref:
        return None
    p = normalize_text(str(pref))
    if p.isdigit():
        return PREFECTURES.get(p.zfill(2))
    if p in PREF_CODES:
        return p
    for name in PREFECTURES.values():  # "鳥取" → "鳥取県"; "東京" → "東京都"
        if name[:-1] == p or (name == "北海道" and p == "北海"):
            return name
    return None


def normalize_town(text: str | None) -> str:
    """Normalise a town (大字・町丁目) name of a reference the same way as an address remainder."""
    s = normalize_text(text)
    for _ in range(4):
        t = _core(normalize_text(s))
        if t == s:
            break
        s = t
    return s


def normalize_address(text: str | None, *, pref: str | None = None) -> str:
    """Canonical form of a Japanese address for matching.

    Parameters
    ----------
    text:
        The address as written (any width, hyphen style, numeral style).
    pref:
        Prefecture name or 2-digit code to prepend when the address has none (厚生局 名簿).

    Returns
    -------
    str
        ``<prefecture><municipality><town><numbers>`` with the rules of the module docstring;
        ``""`` for empty input.  The function is idempotent.
    """
    s = normalize_text(text)
    for _ in range(6):  # rules are applied until nothing changes (idempotent by construction)
        t = _POSTAL.sub("", normalize_text(s))
        pname, rest = split_prefecture(t)
        t = (pname or "") + _core(drop_county(rest))
        if t == s:
            break
        s = t
    pname, rest = split_prefecture(s)
    if pname is None and rest:
        pname = pref_name_of(pref)
    return (pname or "") + rest


def split_numbers(rest: str) -> tuple[str, list[str]]:
    """Split a normalised remainder ``相生町1-5-2ビル`` into the leading non-number part and numbers.

    Returns ``("相生町", ["1", "5", "2"])``; the numbers stop at the first non-number character.
    """
    m = re.search(r"\d", rest)
    if not m:
        return rest, []
    head = rest[: m.start()]
    nums = re.match(r"\d+(?:-\d+)*", rest[m.start() :])
    return head, (nums.group(0).split("-") if nums else [])
