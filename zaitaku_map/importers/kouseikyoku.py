"""地方厚生局 届出受理医療機関名簿 (施設基準, xlsx): 在支診 / 在支病 and their role-relevant 届出.

The workbook has one row per institution × 届出.  Institutions with a 受理記号 ``支援診１–３`` /
``支援病１–３`` become facilities (``zaishi_clinic`` / ``zaishi_hospital``); every role-relevant
届出 of those institutions (:data:`DESIGNATION_RULES`) is kept as a designation.  Rows of other
institutions are counted as skipped, not rejected.  The header is found by content (``受理記号``),
several sheets (prefectures) per workbook are fine.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from zaitaku_map.errors import UnsupportedFormatError
from zaitaku_map.importers.normalize import (
    PREFECTURES,
    beds_from_text,
    muni5,
    pref_code_of,
    table_rejections,
    with_prefecture,
)
from zaitaku_map.importers.report import ParsedFile, Rejected, empty_records
from zaitaku_map.labels import ZAISHI_SUBTYPES
from zaitaku_map.refdate import parse_date
from zaitaku_map.tabular import Table, read_xlsx_tables

HEADER_KEYS = ("受理記号", "医療機関番号", "医療機関名称")
COL_NO = "医療機関番号"
COL_NAME = "医療機関名称"
COL_CODE = "受理記号"
COL_DATE = "算定開始年月日"

# (regex on the NFKC 受理記号, designation kind); first match wins
DESIGNATION_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^支援診([123])$"), "zaishi_clinic"),
    (re.compile(r"^支援病([123])$"), "zaishi_hospital"),
    (re.compile(r"^在後病"), "back_support_hospital"),
    (re.compile(r"^在医総管"), "home_medical_mgmt"),
    (re.compile(r"^在総$"), "home_cancer_care"),
    (re.compile(r"^在診実"), "home_care_achievement"),
    (re.compile(r"^在緩診実"), "palliative_enhanced"),
    (re.compile(r"^在宅DX"), "home_dx"),
    (re.compile(r"^医情連"), "home_info_link"),
    # 協力医療機関 (2024 reform): admission wards, admission of partner facilities' residents, 往診 for them
    (re.compile(r"^地包ケア[1-4]?$"), "community_care_ward"),
    (re.compile(r"^協力施設$"), "partner_admission"),
    (re.compile(r"^介保連$"), "care_facility_visit"),
]
TARGET_KINDS = {"zaishi_clinic": "zaishi_clinic", "zaishi_hospital": "zaishi_hospital"}
# 届出 kept for institutions that are not 在支診/在支病 themselves (attached to their hospital record);
# only hospitals' rows (種別 病院, or no 種別) are kept, as only hospital records are matched
ROLE_ONLY_KINDS = {"back_support_hospital", "community_care_ward", "partner_admission", "care_facility_visit"}
_TITLE_DATE_RE = re.compile(r"(.{0,20}?\d{1,2}\s*月\s*\d{1,2}\s*日)\s*現在")


def classify_code(code: str) -> tuple[str | None, str | None]:
    """``(kind, subtype digit)`` of a 受理記号, or ``(None, None)`` when it is not role-relevant."""
    c = unicodedata.normalize("NFKC", code or "").strip().replace(" ", "")
    for pat, kind in DESIGNATION_RULES:
        m = pat.match(c)
        if m:
            return kind, (m.group(1) if m.groups() else None)
    return None, None


def reference_date_from_titles(title_rows: list[list[str]]) -> str | None:
    """``[令和７年１０月１日 現在 ]…`` → ``2025-10-01``."""
    for row in title_rows:
        for cell in row:
            text = unicodedata.normalize("NFKC", cell)
            m = _TITLE_DATE_RE.search(text)
            if m:
                d = parse_date(m.group(1))
                if d:
                    return d
    return None


def is_kouseikyoku_header(header: list[str]) -> bool:
    return all(k in header for k in HEADER_KEYS)


def parse(
    path: Path, *, study_prefs: list[str] | None = None, reference_date: str | None = None
) -> ParsedFile:
    """Read a 名簿 workbook into standard records + designations."""
    tables = read_xlsx_tables(path, header_keys=HEADER_KEYS)
    if not tables:
        raise UnsupportedFormatError(
            "no sheet with the 届出受理医療機関名簿 header",
            file=path,
            expected="見出し行に「受理記号」「医療機関番号」「医療機関名称」を含む地方厚生局の名簿 (xlsx)",
        )
    ref = reference_date
    origin = "user" if ref else None
    if not ref:
        for t in tables:
            ref = reference_date_from_titles(t.title_rows)
            if ref:
                origin = "title"
                break
    pf = ParsedFile(
        path=str(path),
        file_name=path.name,
        format="kouseikyoku",
        family="kouseikyoku",
        records=empty_records(),
        raw=pd.DataFrame(),
        reference_date=ref,
        reference_date_origin=origin,
        sheet=",".join(t.sheet or "" for t in tables),
    )
    frames, raws = [], []
    for t in tables:
        recs, raw = _parse_table(t, pf, study_prefs=study_prefs)
        frames.append(recs)
        raws.append(raw)
    pf.records = pd.concat(frames, ignore_index=True) if frames else empty_records()
    pf.raw = pd.concat(raws, ignore_index=True) if raws else pd.DataFrame()
    pf.scope_prefs = set(pf.records["pref_code"]) | pf.scope_prefs
    return pf


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    return df[name] if name in df.columns else pd.Series("", index=df.index, dtype=object)


def _parse_table(
    t: Table, pf: ParsedFile, *, study_prefs: list[str] | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    df = t.frame
    pf.rows_read += t.rows_read
    pf.rejected.extend(table_rejections(t))
    code_nfkc = _col(df, COL_CODE).str.normalize("NFKC").str.replace(" ", "", regex=False).str.strip()
    kinds = code_nfkc.map(lambda c: classify_code(c)[0])
    pref_code = _col(df, "都道府県コード").str.normalize("NFKC").str.strip()
    pref_code = pref_code.where(pref_code.str.fullmatch(r"\d{1,2}"), "").str.zfill(2).replace("00", "")
    pref_from_name = _col(df, "都道府県名").map(pref_code_of)
    pref_code = pref_code.where(pref_code.ne(""), pref_from_name)
    pref_name = _col(df, "都道府県名").where(
        _col(df, "都道府県名").str.strip().ne(""), pref_code.map(PREFECTURES)
    )
    kubun = _col(df, "区分").str.strip()
    number = _col(df, COL_NO).str.normalize("NFKC").str.strip()
    name = _col(df, COL_NAME).str.strip()

    is_target = kinds.isin(list(TARGET_KINDS))
    # role-relevant rows of non-target institutions are not imported; unrelated rows are skipped
    inst = pref_code + ":" + kubun + ":" + number
    target_inst = set(inst[is_target & number.ne("")])
    keep = inst.isin(target_inst) & kinds.notna()
    pf.skipped["not_target"] += int((~keep & ~is_target).sum())

    # rejects among target rows
    bad_no = is_target & number.eq("")
    bad_name = is_target & name.eq("") & ~bad_no
    for mask, column, reason in (
        (bad_no, COL_NO, "医療機関番号がありません"),
        (bad_name, COL_NAME, "医療機関名称がありません"),
    ):
        for i in df.index[mask]:
            pf.rejected.append(
                Rejected(
                    row=t.row_number(i),
                    sheet=t.sheet,
                    column=column,
                    value=df.at[i, column] if column in df.columns else None,
                    reason=reason,
                    raw=df.loc[i].to_dict(),
                )
            )
    # role-relevant 届出 of institutions that are not 在支診/在支病 (e.g. 在宅療養後方支援病院): kept aside,
    # attached later to the matching hospital facility of another list (never a facility of their own)
    shubetsu = _col(df, "種別").str.strip()
    role_only = (
        ~inst.isin(target_inst)
        & kinds.isin(list(ROLE_ONLY_KINDS))
        & number.ne("")
        & shubetsu.isin(["病院", ""])
    )
    if study_prefs:
        role_only &= pref_code.isin(study_prefs)
    ids = _Ids(pref_code, kubun, number, name, pref_name)
    pf.role_only += [_role_only(t, i, kinds[i], ids) for i in df.index[role_only]]
    # prefectures this release covers (entries of these missing from a newer release are closed)
    covered = set(pref_code[number.ne("") & pref_code.ne("")])
    pf.scope_prefs |= covered & set(study_prefs) if study_prefs else covered
    # study region
    if study_prefs:
        outside = keep & ~pref_code.isin(study_prefs)
        pf.skipped["outside_region"] += len(set(inst[outside & is_target]))
        keep &= ~outside
    sel = df[keep]
    records: list[dict[str, Any]] = []
    raw_rows: list[dict[str, Any]] = []
    dates = _col(sel, COL_DATE).map(parse_date)
    for _key, idx in sel.groupby(inst[keep], sort=False).groups.items():
        rec, raw, desigs = _institution(t, sel, list(idx), code_nfkc, dates, ids, pf)
        records.append(rec)
        raw_rows.append(raw)
        pf.designations[rec["record_key"]] = desigs
    recs = pd.DataFrame(records) if records else empty_records()
    return recs, pd.DataFrame(raw_rows)


@dataclass(frozen=True)
class _Ids:
    """Per-row identity columns of a 名簿 table."""

    pref_code: pd.Series
    kubun: pd.Series
    number: pd.Series
    name: pd.Series
    pref_name: pd.Series

    def key(self, i: Any) -> str:
        return f"kouseikyoku:{self.pref_code[i]}:{self.kubun[i]}:{self.number[i]}"

    def address(self, df: pd.DataFrame, i: Any) -> str:
        addr: str = with_prefecture(
            pd.Series([_col(df, "医療機関所在地（住所）")[i]]), pd.Series([self.pref_name[i]])
        )[0]
        return addr


def _role_only(t: Table, i: Any, kind: str, ids: _Ids) -> dict[str, Any]:
    """A role-relevant 届出 of an institution that is not 在支診/在支病."""
    df = t.frame
    return {
        "record_key": ids.key(i),
        "name": ids.name[i],
        "pref_code": ids.pref_code[i],
        "address": ids.address(df, i),
        "designation": {
            "kind": kind,
            "code": df.at[i, COL_CODE].strip(),
            "name": _col(df, "受理届出名称")[i].strip(),
            "subtype": None,
            "effective_date": parse_date(_col(df, COL_DATE)[i]),
            "row": t.row_number(i),
            "sheet": t.sheet,
        },
    }


def _designation(t: Table, sel: pd.DataFrame, i: Any, code: str, date: Any, pf: ParsedFile) -> dict[str, Any]:
    """One 届出 row of a target institution (an unreadable date is warned about and left out)."""
    kind, digit = classify_code(code)
    d = date if isinstance(date, str) else None
    if d is None and _col(sel, COL_DATE)[i].strip():
        pf.rejected.append(
            Rejected(
                row=t.row_number(i),
                sheet=t.sheet,
                column=COL_DATE,
                value=sel.at[i, COL_DATE],
                severity="warning",
                reason="算定開始年月日を日付として読めません（届出は日付なしで保持）",
            )
        )
    return {
        "kind": kind,
        "code": sel.at[i, COL_CODE].strip(),
        "name": _col(sel, "受理届出名称")[i].strip(),
        "subtype": ZAISHI_SUBTYPES.get(digit or "") if kind in TARGET_KINDS else None,
        "effective_date": d,
        "row": t.row_number(i),
        "sheet": t.sheet,
    }


def _institution(
    t: Table,
    sel: pd.DataFrame,
    idx: list[Any],
    code_nfkc: pd.Series,
    dates: pd.Series,
    ids: _Ids,
    pf: ParsedFile,
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """``(record, raw columns, designations)`` of one 在支診/在支病 institution from its 届出 rows."""
    rows = sel.loc[idx]
    desigs = [_designation(t, sel, i, code_nfkc[i], dates[i], pf) for i in idx]
    zaishi = [d for d in desigs if d["kind"] in TARGET_KINDS]
    # the latest 算定開始年月日 sets the current subtype (undated ones count as oldest)
    zaishi.sort(key=lambda d: (d["effective_date"] or "", d["row"]))
    cur = zaishi[-1]
    i0 = next(i for i in idx if t.row_number(i) == cur["row"])
    kind = cur["kind"]
    shubetsu = _col(sel, "種別")[i0].strip()
    record = {
        "record_key": ids.key(i0),
        "category": TARGET_KINDS[kind],
        "subtype": cur["subtype"],
        "name": ids.name[i0],
        "name_kana": "",
        "address": ids.address(sel, i0),
        "postal_code": _col(sel, "医療機関所在地（郵便番号）")[i0].strip(),
        "pref_code": ids.pref_code[i0],
        "muni_code": muni5(pd.Series([_col(sel, "市町村コード")[i0]]))[0],
        "phone": _col(sel, "電話番号")[i0].strip(),
        "beds": beds_from_text(_col(sel, "病床数")[i0]),
        "src_lon": float("nan"),
        "src_lat": float("nan"),
        "match_class": "hospital" if (kind == "zaishi_hospital" or shubetsu == "病院") else "clinic",
        "sheet": t.sheet,
        "row": t.row_number(i0),
    }
    raw = {
        k: v
        for k, v in sel.loc[i0].to_dict().items()
        if k not in (COL_CODE, "受理届出名称", "受理番号", COL_DATE, "個別有効開始年月日")
    }
    raw["_届出"] = [
        {
            "受理記号": rows.at[i, COL_CODE],
            "受理番号": _col(rows, "受理番号")[i],
            "算定開始年月日": _col(rows, COL_DATE)[i],
        }
        for i in idx
    ]
    return record, raw, desigs


def summary_counts(pf: ParsedFile) -> dict[str, int]:
    """Counts per category / subtype (for reports and tests)."""
    c: Counter[str] = Counter()
    for _, r in pf.records.iterrows():
        c[f"{r['category']}|{r['subtype']}"] += 1
    return dict(c)
