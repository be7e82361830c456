"""Vectorised normalisation used by every format: prefectures, addresses, coordinates, beds, numbers,
and the rows a table reader set aside (:func:`table_rejections`)."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from zaitaku_map.geo import in_japan
from zaitaku_map.importers.report import RECORD_COLUMNS, ParsedFile, Rejected
from zaitaku_map.tabular import Table
from zaitaku_map.textnorm import normalize_name, normalize_text

PREFECTURES: dict[str, str] = {
    f"{i + 1:02d}": n
    for i, n in enumerate(
        [
            "北海道",
            "青森県",
            "岩手県",
            "宮城県",
            "秋田県",
            "山形県",
            "福島県",
            "茨城県",
            "栃木県",
            "群馬県",
            "埼玉県",
            "千葉県",
            "東京都",
            "神奈川県",
            "新潟県",
            "富山県",
            "石川県",
            "福井県",
            "山梨県",
            "長野県",
            "岐阜県",
            "静岡県",
            "愛知県",
            "三重県",
            "滋賀県",
            "京都府",
            "大阪府",
            "兵庫県",
            "奈良県",
            "和歌山県",
            "鳥取県",
            "島根県",
            "岡山県",
            "広島県",
            "山口県",
            "徳島県",
            "香川県",
            "愛媛県",
            "高知県",
            "福岡県",
            "佐賀県",
            "長崎県",
            "熊本県",
            "大分県",
            "宮崎県",
            "鹿児島県",
            "沖縄県",
        ]
    )
}
PREF_BY_NAME: dict[str, str] = {n: c for c, n in PREFECTURES.items()}
PREF_BY_NAME.update({n[:-1]: c for c, n in PREFECTURES.items() if n != "北海道"})
# a prefecture name at the start of a text (longest first: 神奈川県 before 奈良県 cannot clash)
PREFECTURE_RE = re.compile("^(" + "|".join(sorted(PREFECTURES.values(), key=len, reverse=True)) + ")")


def pref_code_of(text: str | None) -> str:
    """Prefecture code from a prefecture name (with or without 都府県) or an address start."""
    t = normalize_text(text)
    if not t:
        return ""
    if t in PREF_BY_NAME:
        return PREF_BY_NAME[t]
    m = PREFECTURE_RE.match(t)
    return PREF_BY_NAME[m.group(1)] if m else ""


def _compact(s: pd.Series) -> pd.Series:
    """NFKC without any whitespace (for prefix comparisons)."""
    return s.str.normalize("NFKC").str.replace(_SPACES_RE, "", regex=True)


def with_prefecture(address: pd.Series, pref_name: pd.Series) -> pd.Series:
    """Prepend the prefecture name to addresses that lack it (名簿, 介護, municipal lists).

    An address already starting with a prefecture — any known one, or the row's own
    ``pref_name`` (also a fictional one such as デモ県), compared after NFKC and with
    whitespace removed — is kept as it is (stripped), so the name is never doubled.
    """
    a = address.fillna("").astype(str).str.strip()
    p = pref_name.fillna("").astype(str).str.strip()
    ac, pc = _compact(a), _compact(p)
    own = pd.Series(
        [bool(x) and y.startswith(x) for x, y in zip(pc.tolist(), ac.tolist(), strict=True)],
        index=a.index,
        dtype=bool,
    )
    has = ac.str.match(PREFECTURE_RE.pattern) | own | a.eq("") | p.eq("")
    return a.where(has, p + a)


_SPACES_RE = re.compile(r"[\s\u3000]+")


def norm_texts(s: pd.Series) -> pd.Series:
    """:func:`zaitaku_map.textnorm.normalize_text` of every value ('' for missing values)."""
    return pd.Series(
        [normalize_text(x) if isinstance(x, str) else "" for x in s.tolist()], index=s.index, dtype=object
    )


def norm_names(s: pd.Series) -> pd.Series:
    """:func:`zaitaku_map.textnorm.normalize_name` of every value ('' for missing values)."""
    return pd.Series(
        [normalize_name(x) if isinstance(x, str) else "" for x in s.tolist()], index=s.index, dtype=object
    )


_KANJI_DIGITS = str.maketrans("〇一二三四五六七八九", "0123456789")
_MUNI_RE = re.compile(r"^(.+?郡.+?[町村]|.+?市.+?区|.+?市|.+?区|.+?[町村])")


def address_key(address: str | None) -> str:
    """Comparable form of an address for matching: no prefecture, 丁目/番地/号 as '-', no building."""
    t = normalize_text(address)
    t = PREFECTURE_RE.sub("", t)
    t = t.replace("大字", "").replace("字", "")
    t = re.sub(r"([一二三四五六七八九十]+)丁目", lambda m: _kanji_num(m.group(1)) + "-", t)
    t = re.sub(r"(丁目|番地の|番地|番の|番|号|の)(?=\d)", "-", t)
    t = re.sub(r"(丁目|番地|番|号)", "-", t)
    t = re.sub(r"-+", "-", t)
    m = re.match(r"^(.*?\d[\d-]*)", t)  # cut everything after the last house-number group
    if m:
        t = m.group(1)
    return t.rstrip("-")


def _kanji_num(s: str) -> str:
    if s == "十":
        return "10"
    if "十" in s:
        a, _, b = s.partition("十")
        return str(
            (int(a.translate(_KANJI_DIGITS)) if a else 1) * 10 + (int(b.translate(_KANJI_DIGITS)) if b else 0)
        )
    return s.translate(_KANJI_DIGITS)


def municipality_part(address: str | None) -> str:
    """The municipality part of an address (``鳥取市``, ``東伯郡三朝町``, ``米子市``) for matching."""
    t = PREFECTURE_RE.sub("", normalize_text(address))
    m = _MUNI_RE.match(t)
    return m.group(1) if m else ""


def coord_status(lon: pd.Series, lat: pd.Series) -> pd.Series:
    """'ok' | 'missing' | 'placeholder_zero' | 'outside_japan' per row (finer checks: geocoder)."""
    x = pd.to_numeric(lon, errors="coerce").to_numpy(dtype=float)
    y = pd.to_numeric(lat, errors="coerce").to_numpy(dtype=float)
    missing = np.isnan(x) | np.isnan(y)
    zero = ~missing & ((x == 0) | (y == 0))
    inside = in_japan(x, y)
    out = np.where(
        missing, "missing", np.where(zero, "placeholder_zero", np.where(inside, "ok", "outside_japan"))
    )
    return pd.Series(out, index=lon.index, dtype=object)


_NUM_RE = re.compile(r"\d+")


def beds_from_text(text: str | None) -> float:
    """Sum of the numbers in a 名簿 病床数 cell (``一般　　161／療養　　38`` → 199); NaN when none
    (numbers longer than 6 digits are not bed counts)."""
    t = unicodedata.normalize("NFKC", text or "")
    nums = [n for n in _NUM_RE.findall(t) if len(n) <= 6]
    return float(sum(int(n) for n in nums)) if nums else float("nan")


def muni5(code: pd.Series) -> pd.Series:
    """5-digit municipality code from 5- or 6-digit (check digit) codes; '' otherwise."""
    t = code.fillna("").astype(str).str.normalize("NFKC").str.strip().str.replace(r"\.0$", "", regex=True)
    t = t.where(~t.str.fullmatch(r"\d{4}"), "0" + t)  # Excel dropped the leading zero
    ok = t.str.fullmatch(r"\d{5,6}")
    return t.str[:5].where(ok, "")


def to_number_series(s: pd.Series) -> pd.Series:
    """Text → float (NaN when empty, unparseable or not finite), full-width digits and thousands
    separators allowed."""
    out = pd.to_numeric(s, errors="coerce")
    bad = out.isna() & s.notna() & s.astype(str).ne("")
    if bad.any():  # full-width digits, thousands separators, spaces: normalise only those cells
        t = s[bad].astype(str).str.normalize("NFKC").str.strip().str.replace(",", "", regex=False)
        out = out.astype(float)
        out[bad] = pd.to_numeric(t, errors="coerce")
    out = out.astype(float)
    return out.where(np.isfinite(out))  # "inf", "1e999": not a number of a list


def table_rejections(table: Table) -> list[Rejected]:
    """The rows a :class:`~zaitaku_map.tabular.Table` set aside (surplus or missing fields, cells
    over the length limit) as rejected rows with their reasons, for the import log and the totals."""
    return [
        Rejected(
            row=p.row,
            sheet=table.sheet,
            column=p.column,
            value=None if p.column is None else next((v for v in p.values if len(v) >= 200), None),
            reason=p.reason,
            raw={"values": list(p.values)},
            severity="info" if p.kind == "note" else "rejected",
        )
        for p in table.problems
    ]


def parsed_table(
    table: Table,
    *,
    path: str,
    format: str,
    family: str,
    reference_date: str | None,
    origin: str | None,
    sheet: str | None = None,
) -> ParsedFile:
    """An empty :class:`ParsedFile` for one table of ``path`` (a file, or a member ``path:name`` of a
    zip), carrying the table's encoding, rows read and the rows the reader already set aside."""
    base = Path(path).name
    return ParsedFile(
        path=path,
        file_name=base if base == table.name else f"{base}:{table.name}",
        format=format,
        family=family,
        records=pd.DataFrame(),
        raw=pd.DataFrame(),
        reference_date=reference_date,
        reference_date_origin=origin,
        sheet=sheet,
        encoding=table.encoding,
        rows_read=table.rows_read,
        rejected=table_rejections(table),
    )


def reject_row(pf: ParsedFile, df: pd.DataFrame, rownum: pd.Series, i: Any, column: str, reason: str) -> None:
    """Set row ``i`` of ``df`` aside with its reason, the offending cell and the whole source row."""
    pf.rejected.append(
        Rejected(
            row=int(rownum[i]), column=column, value=df.at[i, column], reason=reason, raw=df.loc[i].to_dict()
        )
    )


def restrict_to_study(
    pf: ParsedFile, pref: pd.Series, keep: pd.Series, study_prefs: list[str] | None
) -> pd.Series:
    """Record the prefectures the kept rows cover (``pf.scope_prefs``) and, with ``study_prefs``, drop
    the rows of other prefectures (counted as ``outside_region``); returns the new ``keep``."""
    pf.scope_prefs = set(pref[keep & pref.str.fullmatch(r"\d{2}")])
    if study_prefs:
        outside = keep & pref.ne("") & ~pref.isin(study_prefs)
        pf.skipped["outside_region"] += int(outside.sum())
        keep = keep & ~outside
        pf.scope_prefs &= set(study_prefs)
    return keep


def finish_records(pf: ParsedFile, records: pd.DataFrame, source_rows: pd.DataFrame) -> ParsedFile:
    """Put the standard records (in :data:`RECORD_COLUMNS` order) and their source rows into ``pf``."""
    pf.records = records[list(RECORD_COLUMNS)].reset_index(drop=True)
    pf.raw = source_rows.reset_index(drop=True)
    return pf
