"""Text normalisation for matching (the original text is always kept for display).

Basic layer shared by importers and the geocoder: NFKC, one kind of hyphen, no spaces.
Address-specific rules (kanji numerals, 丁目/番地 forms, 大字/字) live in
``zaitaku_map.geocode.normalize``.  Every function here is a fixed number of regex passes, so
its time is linear in the length of the text.
"""

from __future__ import annotations

import re
import unicodedata

# every dash/hyphen/長音-like character seen in Japanese lists
HYPHENS = "-‐‑‒–—―−－ｰ─━ー－⁃﹣﹘"
# dashes that are always hyphens; ー/ｰ only at the start or after a digit (a katakana long vowel
# elsewhere, e.g. センター)
_DASHES_RE = re.compile("[" + re.escape("".join(ch for ch in HYPHENS if ch not in "ーｰ")) + "]")
_CHOON_RE = re.compile(r"[ーｰ](?<![^\d][ーｰ])")  # at the start or after a digit


def nfkc(text: str | None) -> str:
    """NFKC-normalised text ('' for None)."""
    return unicodedata.normalize("NFKC", text or "")


def _no_space(text: str) -> str:
    return "".join(text.split())  # every Unicode space (also U+3000), in C


def compact(text: str | None) -> str:
    """NFKC with all whitespace removed (hyphens kept as they are)."""
    return _no_space(nfkc(text))


def normalize_hyphens(text: str) -> str:
    """Replace every hyphen variant by ``-`` (also ー between digits; kept inside katakana words)."""
    return _CHOON_RE.sub("-", _DASHES_RE.sub("-", text))


def normalize_text(text: str | None) -> str:
    """NFKC, hyphens unified, all whitespace removed."""
    return _no_space(normalize_hyphens(nfkc(text)))


_CORP_RE = re.compile(
    r"(医療法人(社団|財団)?|社会医療法人|特定医療法人|社会福祉法人|一般社団法人|公益社団法人|一般財団法人|"
    r"公益財団法人|株式会社|有限会社|合同会社|独立行政法人|地方独立行政法人|国立大学法人|\(医\)|\(社\)|\(株\)|\(有\)|\(福\)|\(財\))"
)
# the same, guarded by a one-character lookahead so that most positions fail at once
_CORP_FAST_RE = re.compile("(?=[医社特一公独地国株有合(])(?:" + _CORP_RE.pattern + ")")
_NAME_PUNCT_RE = re.compile(r"[()「」『』【】\[\]・,.、。]")


def normalize_name(text: str | None) -> str:
    """Facility name for matching: :func:`normalize_text`, corporate prefixes and brackets dropped."""
    return _NAME_PUNCT_RE.sub("", _CORP_FAST_RE.sub("", normalize_text(text)))
