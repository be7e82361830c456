"""Which care facilities the 2024 reform concerns, and what it asks of each kind.

特養 (510), 地域密着型特養 (540), 老健 (520) and 介護医療院 (550) must name a 協力医療機関 meeting
requirements (1)(2)(3); 特定施設 (331–337, 361–364) and 認知症GH (320) should name one for (1)(2).
The kind comes from the 介護サービス情報公表 service code of the facility's record (``kaigo:510:…``),
else from its subtype or name (a municipal list imported as a table).  介護療養型医療施設 (530) was
abolished at the end of March 2024 and is not concerned.
"""

from __future__ import annotations

import re

from zaitaku_map.textnorm import compact

REQUIRED_KINDS = ("tokuyo", "chiiki_tokuyo", "roken", "iryoin")
EFFORT_KINDS = ("tokutei", "gh")
SERVICE_KINDS: dict[str, str] = {
    "510": "tokuyo",
    "540": "chiiki_tokuyo",
    "520": "roken",
    "550": "iryoin",
    "320": "gh",
    **{code: "tokutei" for code in ("331", "332", "334", "335", "336", "337", "361", "362", "364")},
}
# (pattern on the compacted subtype or name, kind): first match wins, most specific first
TEXT_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"地域密着型(介護老人福祉施設|特別養護老人ホーム|特養)"), "chiiki_tokuyo"),
    (re.compile(r"介護老人福祉施設|特別養護老人ホーム|特養"), "tokuyo"),
    (re.compile(r"介護老人保健施設|老人保健施設|老健"), "roken"),
    (re.compile(r"介護医療院"), "iryoin"),
    (re.compile(r"認知症対応型共同生活介護|グループホーム"), "gh"),
    (re.compile(r"特定施設|有料老人ホーム|軽費老人ホーム|ケアハウス|サービス付き高齢者向け住宅"), "tokutei"),
]
_KEY_RE = re.compile(r"^kaigo:(\d{3}):(\d+)$")


def obligation(kind: str) -> str:
    """``"required"`` ((1)(2)(3) must be met) or ``"effort"`` ((1)(2) should be)."""
    return "required" if kind in REQUIRED_KINDS else "effort"


def kind_of(record_keys: list[str], subtype: str | None, name: str | None) -> str | None:
    """The kind of a care facility, or ``None`` when the reform does not concern it.

    A service code from a 介護サービス情報公表 record decides (a facility listed under several
    services takes the one with the strongest obligation); without one the subtype, then the name.
    """
    kinds = [SERVICE_KINDS.get(m.group(1)) for k in record_keys if (m := _KEY_RE.match(k))]
    found = [k for k in kinds if k]
    if found:
        return sorted(found, key=lambda k: (obligation(k) != "required", k))[0]
    if any(_KEY_RE.match(k) for k in record_keys):
        return None  # a 介護 record of a service the reform does not concern (530, …)
    for text in (subtype, name):
        t = compact(text)
        for pat, kind in TEXT_RULES:
            if t and pat.search(t):
                return kind
    return None


def jigyosho_number(record_keys: list[str]) -> str:
    """The 10-digit 事業所番号 from a 介護サービス情報公表 record key (empty when none)."""
    for k in record_keys:
        m = _KEY_RE.match(k)
        if m:
            return m.group(2)
    return ""
