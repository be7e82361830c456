"""介護サービス情報公表システム オープンデータ: ``jigyosho_<service code>[_all_<timestamp>].csv``.

Same columns for every service; encodings vary between releases (detected).  The service code
comes from the file name when present, else from ``サービスの種類`` text.  Category by service:
130 → ``home_nursing``; 施設系 (510/520/540/550/320/33x/…) → ``care_facility`` with the service as
subtype; 430 → ``home_care_support``; everything else → ``home_care_service`` (service name kept).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from zaitaku_map.importers.normalize import (
    PREFECTURES,
    finish_records,
    muni5,
    parsed_table,
    reject_row,
    restrict_to_study,
    to_number_series,
    with_prefecture,
)
from zaitaku_map.importers.positions import check_positions
from zaitaku_map.importers.report import ParsedFile
from zaitaku_map.tabular import Source, Table, iter_csv_tables, read_csv_table

HEADER_KEYS = ("事業所名", "事業所番号", "住所")
COL_CODE = "都道府県コード又は市町村コード"
SERVICES: dict[str, str] = {
    "110": "訪問介護",
    "120": "訪問入浴介護",
    "130": "訪問看護",
    "140": "訪問リハビリテーション",
    "150": "通所介護",
    "155": "療養通所介護",
    "160": "通所リハビリテーション",
    "170": "福祉用具貸与",
    "210": "短期入所生活介護",
    "220": "短期入所療養介護（介護老人保健施設）",
    "230": "短期入所療養介護（病院等）",
    "320": "認知症対応型共同生活介護",
    "331": "特定施設入居者生活介護（有料老人ホーム）",
    "332": "特定施設入居者生活介護（軽費老人ホーム）",
    "334": "特定施設入居者生活介護（サービス付き高齢者向け住宅）",
    "335": "特定施設入居者生活介護（有料老人ホーム・外部サービス利用型）",
    "336": "特定施設入居者生活介護（軽費老人ホーム・外部サービス利用型）",
    "337": "特定施設入居者生活介護（サービス付き高齢者向け住宅・外部サービス利用型）",
    "361": "地域密着型特定施設入居者生活介護（有料老人ホーム）",
    "362": "地域密着型特定施設入居者生活介護（軽費老人ホーム）",
    "364": "地域密着型特定施設入居者生活介護（サービス付き高齢者向け住宅）",
    "430": "居宅介護支援",
    "510": "介護老人福祉施設",
    "520": "介護老人保健施設",
    "530": "介護療養型医療施設",
    "540": "地域密着型介護老人福祉施設入所者生活介護",
    "550": "介護医療院",
    "710": "夜間対応型訪問介護",
    "720": "認知症対応型通所介護",
    "730": "小規模多機能型居宅介護",
    "760": "定期巡回・随時対応型訪問介護看護",
    "770": "看護小規模多機能型居宅介護",
    "780": "地域密着型通所介護",
}
CARE_FACILITY_CODES = {
    "320",
    "331",
    "332",
    "334",
    "335",
    "336",
    "337",
    "361",
    "362",
    "364",
    "510",
    "520",
    "530",
    "540",
    "550",
}
_FILE_CODE_RE = re.compile(r"jigyosho_(\d{3})", re.IGNORECASE)
_STAMP_RE = re.compile(r"_(20\d{2})(\d{2})(\d{2})\d{0,6}")


def is_kaigo_header(header: list[str]) -> bool:
    return all(k in header for k in HEADER_KEYS) and (COL_CODE in header or "サービスの種類" in header)


def category_of(code: str) -> str:
    if code == "130":
        return "home_nursing"
    if code in CARE_FACILITY_CODES:
        return "care_facility"
    if code == "430":
        return "home_care_support"
    return "home_care_service"


def service_code(name: str, frame: pd.DataFrame) -> str:
    m = _FILE_CODE_RE.search(Path(name).name)
    if m:
        return m.group(1)
    if "サービスの種類" in frame.columns and len(frame):
        text = frame["サービスの種類"].str.strip().mode()
        if len(text):
            by_name = {v: k for k, v in SERVICES.items()}
            if text.iloc[0] in by_name:
                return by_name[text.iloc[0]]
    return "000"


def parse_bytes(
    data: bytes,
    name: str,
    *,
    path: str,
    study_prefs: list[str] | None = None,
    reference_date: str | None = None,
) -> ParsedFile:
    return parse_table(
        read_csv_table(data, name=name, header_keys=HEADER_KEYS),
        path=path,
        study_prefs=study_prefs,
        reference_date=reference_date,
    )


def parse_stream(
    source: Source,
    name: str,
    *,
    path: str,
    study_prefs: list[str] | None = None,
    reference_date: str | None = None,
) -> Iterator[ParsedFile]:
    """Parse a ``jigyosho_*.csv`` in chunks of :attr:`~zaitaku_map.settings.Limits.chunk_rows` rows;
    the service code comes from the file name or the first chunk."""
    code = None
    seen: set[str] = set()  # offices of earlier chunks: a repeat is a duplicate there too
    for table in iter_csv_tables(source, name=name, header_keys=HEADER_KEYS):
        code = code or service_code(table.name, table.frame)
        yield parse_table(
            table, path=path, study_prefs=study_prefs, reference_date=reference_date, code=code, seen=seen
        )


def parse_table(
    table: Table,
    *,
    path: str,
    study_prefs: list[str] | None = None,
    reference_date: str | None = None,
    code: str | None = None,
    seen: set[str] | None = None,
) -> ParsedFile:
    """One ``jigyosho`` table (or chunk: ``seen`` holds the offices of the chunks before, and gets
    this chunk's) as standard records."""
    df = table.frame
    code = code or service_code(table.name, df)
    category = category_of(code)
    ref = reference_date
    origin = "user" if ref else None
    if not ref:
        m = _STAMP_RE.search(Path(table.name).name)
        if m:
            ref, origin = f"{m.group(1)}-{m.group(2)}-{m.group(3)}", "file_name"
    pf = parsed_table(
        table, path=path, format="kaigo", family=f"kaigo:{code}", reference_date=ref, origin=origin
    )
    rownum = table.row_series()
    no = df["事業所番号"].str.normalize("NFKC").str.strip()
    no = no.where(~no.str.fullmatch(r"\d{1,9}"), no.str.zfill(10))
    names = df["事業所名"].str.strip()
    codes = df[COL_CODE] if COL_CODE in df.columns else pd.Series("", index=df.index)
    muni = muni5(codes)
    pref = muni.str[:2]
    if "都道府県名" in df.columns:
        by_name = {v: k for k, v in PREFECTURES.items()}
        pref = pref.where(pref.ne(""), df["都道府県名"].str.strip().map(by_name).fillna(""))
    bad_no = no.eq("")
    bad_name = names.eq("") & ~bad_no
    ident = no + "|" + names
    dup = (ident.duplicated() | (ident.isin(seen) if seen else False)) & ~bad_no & ~bad_name
    for mask, col, reason in (
        (bad_no, "事業所番号", "事業所番号がありません"),
        (bad_name, "事業所名", "事業所名がありません"),
        (dup, "事業所番号", "同じ事業所が前の行にもあります（最初の行を採用）"),
    ):
        for i in df.index[mask]:
            reject_row(pf, df, rownum, i, col, reason)
    keep = ~(bad_no | bad_name | dup)
    if seen is not None:
        seen.update(ident[keep])
    keep = restrict_to_study(pf, pref, keep, study_prefs)
    keep, src_lon, src_lat = check_positions(
        pf, df, keep, address=df["住所"], addr_col="住所", lon_col="経度", lat_col="緯度", rownum=rownum
    )
    sel = df[keep]
    addr = sel["住所"].str.strip()
    if "都道府県名" in sel.columns:  # 住所 usually starts after the prefecture; never prepend it twice
        addr = with_prefecture(addr, sel["都道府県名"])
    if "方書（ビル名等）" in sel.columns:
        extra = sel["方書（ビル名等）"].str.strip()
        addr = addr.where(extra.eq(""), addr + " " + extra)
    empty = pd.Series("", index=sel.index, dtype=object)
    subtype = SERVICES.get(code) or (
        sel["サービスの種類"].str.strip() if "サービスの種類" in sel.columns else None
    )
    rec = pd.DataFrame(
        {
            "record_key": f"kaigo:{code}:" + no[keep],
            "category": category,
            "subtype": subtype,
            "name": names[keep],
            "name_kana": sel["事業所名カナ"].str.strip() if "事業所名カナ" in sel.columns else empty,
            "address": addr,
            "postal_code": empty,
            "pref_code": pref[keep],
            "muni_code": muni[keep],
            "phone": sel["電話番号"].str.strip() if "電話番号" in sel.columns else empty,
            "beds": to_number_series(sel["定員"]) if "定員" in sel.columns else float("nan"),
            "src_lon": src_lon[keep],
            "src_lat": src_lat[keep],
            "match_class": "",
            "sheet": None,
            "row": rownum[keep],
        },
        index=sel.index,
    )
    return finish_records(pf, rec, sel)
