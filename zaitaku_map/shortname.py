"""Short display names of facilities for map labels: the source's 略称, or the official name without
the corporation that runs it (「公益社団法人　地域医療振興協会　日光市民病院」 → 「日光市民病院」).

Lists, provenance and exports of the register keep the official name; only labels on maps use
these.  Nothing is guessed beyond the legal forms of Japanese corporations: a name that is only a
corporation (no facility name after it) is returned unchanged.
"""

from __future__ import annotations

import re
import unicodedata

# legal forms that open the name of the corporation running a facility
_FORMS = (
    "社会医療法人財団",
    "社会医療法人社団",
    "社会医療法人",
    "特定医療法人財団",
    "特定医療法人社団",
    "特定医療法人",
    "医療法人財団",
    "医療法人社団",
    "医療法人",
    "社会福祉法人",
    "地方独立行政法人",
    "独立行政法人",
    "国立大学法人",
    "公立大学法人",
    "学校法人",
    "公益社団法人",
    "公益財団法人",
    "一般社団法人",
    "一般財団法人",
    "特定非営利活動法人",
    "NPO法人",
    "宗教法人",
    "株式会社",
    "有限会社",
    "合同会社",
    "合資会社",
    "生活協同組合",
    "医療生活協同組合",
    "農業協同組合",
)
_FORM_RE = re.compile("^(?:" + "|".join(map(re.escape, _FORMS)) + ")")
# the corporation's own name ends with one of these (「○○会」「○○協会」「○○福祉会」「○○機構」…)
_CORP_END = re.compile(r"^(?:\S*?(?:会|協会|機構|財団|社団|組合|連合会|厚生連|法人|会社))(?=\S)")
_CORP_ONLY = re.compile(r"\S*(?:会|協会|機構|財団|社団|組合|連合会|厚生連|法人|会社)")
_SPACES = re.compile(r"[\s\u3000]+")


def short_name(name: str, abbreviation: str | None = None) -> str:
    """The name to print on a map.

    ``abbreviation`` (a source's 略称) wins when it is given and not longer than the name.
    """
    official = _SPACES.sub(" ", unicodedata.normalize("NFKC", name or "")).strip()
    if abbreviation:
        abbr = _SPACES.sub(" ", unicodedata.normalize("NFKC", abbreviation)).strip()
        if abbr and len(abbr) <= len(official):
            return _without_corporation(abbr)
    return _without_corporation(official)


def _without_corporation(text: str) -> str:
    parts = text.split(" ")
    if len(parts) > 1 and _FORM_RE.match(parts[0]):
        rest = parts[1:]
        if parts[0] in _FORMS and len(rest) > 1:  # 「公益社団法人 地域医療振興協会 日光市民病院」
            rest = rest[1:]
        elif parts[0] in _FORMS and _CORP_ONLY.fullmatch(rest[0]):  # 「医療法人 青葉会」: only a corporation
            return text
        return " ".join(rest)
    m = _FORM_RE.match(text)
    if m is None:
        return text
    tail = text[m.end() :]
    corp = _CORP_END.match(tail)
    return tail[corp.end() :] if corp else text
