"""Import the table of actual 協力医療機関 agreements a prefecture collects from its care facilities.

Since 2024 the care facilities report their 協力医療機関 every year; prefectures compile the reports
into one table — one row per facility and partner (事業所番号, 施設名, 協力医療機関, 医療機関コード,
which of requirements (1)(2)(3) the agreement covers, date …); a facility with no partner has a row
with the partner left empty (「協議中」) or no row at all.  The header is found by its content, the
columns are mapped from their names (or by the user's mapping, saved for the next table with the same
header, as for facility tables).

Each row is matched to a care facility of the project (by 事業所番号, else name and address) and to
a medical institution (by 医療機関コード against the 名簿's 医療機関番号, else name and address).  The
import is one transaction: rows without any facility identification are rejected, rows whose facility
or institution is not found are kept (the table says what it says) and reported; both go to
``import_log``.  The current agreements are those of the latest imported table.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from zaitaku_map.errors import InputDataError, ZaitakuError
from zaitaku_map.importers.normalize import address_key
from zaitaku_map.importers.table import save_mapping, saved_mapping
from zaitaku_map.labels import AGREEMENT_FIELDS
from zaitaku_map.partners.classify import INSTITUTION_CATEGORIES
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback
from zaitaku_map.refdate import parse_date
from zaitaku_map.store import Project
from zaitaku_map.tabular import CSV_SUFFIXES, XLSX_SUFFIXES, Table, read_csv_table, read_xlsx_tables
from zaitaku_map.textnorm import compact, normalize_name

SOURCE_KIND = "partner_agreements"
SOURCE_FORMAT = "agreements_table"
# field -> header names (NFKC, no spaces), exact match; most specific fields first
SYNONYMS: dict[str, tuple[str, ...]] = {
    "jigyosho_no": ("事業所番号", "介護保険事業所番号", "事業所番号(10桁)", "事業所コード"),
    "inst_code": ("医療機関コード", "協力医療機関コード", "医療機関番号", "医療機関コード(10桁)"),
    "inst_name": ("協力医療機関名称", "協力医療機関名", "協力医療機関", "医療機関名", "医療機関名称"),
    "inst_address": ("協力医療機関所在地", "協力医療機関の所在地", "医療機関所在地", "医療機関の所在地"),
    "care_name": ("施設名", "施設名称", "事業所名", "事業所名称", "施設・事業所名"),
    "care_address": ("施設所在地", "施設の所在地", "事業所所在地", "所在地", "住所"),
    "care_kind": ("施設種別", "施設の種別", "サービス種類", "サービスの種類", "種別"),
    "r1": ("要件①", "要件(1)", "要件1", "①", "(1)", "要件①相談対応"),
    "r2": ("要件②", "要件(2)", "要件2", "②", "(2)", "要件②診療"),
    "r3": ("要件③", "要件(3)", "要件3", "③", "(3)", "要件③入院"),
    "agreed_date": ("協定締結日", "締結日", "協定日", "協定締結年月日", "契約日"),
    "note": ("備考", "特記事項"),
}
_YES = {"○", "◯", "〇", "●", "◎", "有", "あり", "該当", "はい", "1", "y", "yes", "true", "済"}
_DIGITS = re.compile(r"\d+")


@dataclass
class AgreementRow:
    """One row of the table, normalised (``row`` is 1-based as a spreadsheet shows it)."""

    sheet: str | None
    row: int
    jigyosho_no: str
    care_name: str
    care_address: str
    inst_code: str
    inst_name: str
    inst_address: str
    stated: str  # e.g. "123"
    agreed_date: str | None
    note: str
    care_facility_id: int | None = None
    care_match: str | None = None
    institution_id: int | None = None
    inst_match: str | None = None

    @property
    def names_partner(self) -> bool:
        return bool(self.inst_code or self.inst_name)


@dataclass
class AgreementImportReport:
    """What an agreements import did (the CLI prints it; ``to_dict`` for ``--json``)."""

    file: str
    sheets: list[str]
    source_id: int
    reference_date: str | None
    mapping: dict[str, str]
    rows_read: int = 0
    agreements: int = 0  # rows naming a partner
    without_partner: int = 0  # rows naming none (協議中 …)
    care_matched: int = 0
    institution_matched: int = 0
    care_unmatched: list[dict[str, Any]] = field(default_factory=list)
    institution_unmatched: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


# -- reading -------------------------------------------------------------------------------------
def read_agreement_tables(path: Path, *, mappings: list[dict[str, str]] | None = None) -> list[Table]:
    """The tables of a CSV/XLSX file (every sheet), through the one table reader; the header is the
    row naming the most agreement fields, or the most columns of one of ``mappings`` (the user's,
    or those saved by earlier imports)."""
    suffix = path.suffix.lower()
    if suffix not in (*CSV_SUFFIXES, *XLSX_SUFFIXES):
        raise InputDataError(
            "not a table file", file=path, expected="協力医療機関の届出の一覧（CSV または Excel）"
        )

    def score(row: list[str]) -> float:
        cells = [c for c in row if c.strip()]
        known = [sum(1 for c in m.values() if c in cells) for m in mappings or []]
        return float(max([len(guess_agreement_mapping(cells)), *known])) + (0.001 if cells else 0.0)

    if suffix in XLSX_SUFFIXES:
        return read_xlsx_tables(path, header_score=score)
    return [read_csv_table(path, header_score=score)]


def saved_agreement_mappings(project: Project) -> list[dict[str, str]]:
    """Column mappings saved by earlier agreement imports (those naming agreement fields only)."""
    out = []
    for (text,) in project.conn.execute("SELECT mapping_json FROM column_mappings"):
        try:
            m = json.loads(text)
        except ValueError:
            continue
        if isinstance(m, dict) and m and set(m) <= set(AGREEMENT_FIELDS):
            out.append({str(k): str(v) for k, v in m.items()})
    return out


def sniff_agreements_file(path: str | Path) -> bool:
    """True when ``path`` is a table of 協力医療機関 agreements :func:`import_agreements` can read by its
    own column names (a care-facility column and a medical-institution column).  Never raises."""
    p = Path(path)
    try:
        tables = read_agreement_tables(p)
    except (ZaitakuError, OSError, ValueError, UnicodeError):
        return False
    return any(_usable(guess_agreement_mapping(t.header), t.header) for t in tables)


def _usable(mapping: dict[str, str], header: list[str]) -> bool:
    return (
        all(c in header for c in mapping.values())
        and bool({"jigyosho_no", "care_name"} & set(mapping))
        and bool({"inst_code", "inst_name"} & set(mapping))
    )


def guess_agreement_mapping(header: list[str]) -> dict[str, str]:
    """``{field: column}`` from a header row (exact names; then 医療機関… / 施設… by containment)."""
    keys = {c: compact(c).lower() for c in header}
    out: dict[str, str] = {}
    used: set[str] = set()
    for fld, syns in SYNONYMS.items():
        for col, k in keys.items():
            if col not in used and k in {s.lower() for s in syns}:
                out[fld] = col
                used.add(col)
                break
    for col, k in keys.items():
        if col in used:
            continue
        guess = ""
        if "医療機関" in k:
            guess = "inst_name"
            if "コード" in k or "番号" in k:
                guess = "inst_code"
            elif "所在地" in k or "住所" in k:
                guess = "inst_address"
        elif "事業所番号" in k:
            guess = "jigyosho_no"
        if guess and guess not in out:
            out[guess] = col
            used.add(col)
    return out


def _check_mapping(mapping: dict[str, str], header: list[str], path: Path) -> None:
    unknown = [f for f in mapping if f not in AGREEMENT_FIELDS]
    missing_cols = [c for c in mapping.values() if c not in header]
    if unknown or missing_cols:
        raise InputDataError(
            "column mapping names unknown fields or columns",
            file=path,
            value=", ".join(unknown + missing_cols),
            expected="項目: " + "・".join(AGREEMENT_FIELDS) + " ／ 列: " + "・".join(header),
        )
    if not ({"jigyosho_no", "care_name"} & set(mapping)) or not ({"inst_code", "inst_name"} & set(mapping)):
        raise InputDataError(
            "the table needs a care facility column and a medical institution column",
            file=path,
            value="・".join(header),
            expected="事業所番号 または 施設名、および 医療機関コード または 協力医療機関名 の列",
            hint='列の対応を --mapping \'{"care_name": "列名", "inst_name": "列名"}\' で指定してください。',
        )


def _yes(text: str) -> bool:
    return compact(text).lower() in _YES


def _digits(text: str) -> str:
    return "".join(_DIGITS.findall(compact(text)))


def parse_rows(t: Table, mapping: dict[str, str]) -> tuple[list[AgreementRow], list[dict[str, Any]]]:
    """Rows of one table, and the rejected ones (no 事業所番号 and no 施設名) with the reason."""
    df = t.frame

    def col(fld: str) -> pd.Series:
        c = mapping.get(fld)
        return (
            df[c].astype(str).str.strip() if c in df.columns else pd.Series("", index=df.index, dtype=object)
        )

    cols = {f: col(f) for f in AGREEMENT_FIELDS}
    rows: list[AgreementRow] = []
    rejected: list[dict[str, Any]] = []
    for i in df.index:
        vals = {f: str(cols[f][i]) for f in AGREEMENT_FIELDS}
        if not any(v for v in vals.values()):
            continue
        rownum = t.row_number(int(i))
        if not vals["jigyosho_no"] and not vals["care_name"]:
            rejected.append(
                {
                    "sheet": t.sheet,
                    "row": rownum,
                    "column": mapping.get("jigyosho_no") or mapping.get("care_name"),
                    "value": None,
                    "reason": "事業所番号も施設名もありません",
                    "raw": df.loc[i].to_dict(),
                }
            )
            continue
        rows.append(
            AgreementRow(
                sheet=t.sheet,
                row=rownum,
                jigyosho_no=_digits(vals["jigyosho_no"]),
                care_name=vals["care_name"],
                care_address=vals["care_address"],
                inst_code=_digits(vals["inst_code"]),
                inst_name=vals["inst_name"],
                inst_address=vals["inst_address"],
                stated="".join(n for n in "123" if _yes(vals[f"r{n}"])),
                agreed_date=parse_date(vals["agreed_date"]) if vals["agreed_date"] else None,
                note=vals["note"],
            )
        )
    return rows, rejected


# -- matching ------------------------------------------------------------------------------------
@dataclass
class _Index:
    """Facilities of some categories by identifying key, normalised name and address."""

    by_key: dict[str, list[int]]
    by_name: dict[str, list[int]]
    akey: dict[int, str]
    pos: dict[int, tuple[float, float]]

    def find(
        self, key: str, name: str, address: str, *, near: tuple[float, float] | None = None
    ) -> tuple[int | None, str | None]:
        """The facility a row means, and how it was found (``None, None`` when not, or not surely).

        By key; else by normalised name — one namesake, or the one at the given address, or (for a
        partner named without an address) the namesake nearest the care facility."""
        ids = self.by_name.get(normalize_name(name), []) if name else []
        keyed = self.by_key.get(key, []) if key else []
        if len(keyed) > 1:  # one number, several facilities (services of one 事業所): the name decides
            keyed = [i for i in keyed if i in ids] or keyed[:1]
        if keyed:
            return keyed[0], "code"
        if len(ids) == 1:
            same = not address or self.akey.get(ids[0]) == address_key(address)
            return ids[0], "name_address" if address and same else "name"
        if len(ids) > 1 and address:
            hits = [i for i in ids if self.akey.get(i) == address_key(address)]
            if len(hits) == 1:
                return hits[0], "name_address"
        if len(ids) > 1 and not address and near is not None:
            placed = [(_dist2(near, self.pos[i]), i) for i in ids if i in self.pos]
            if placed:
                return min(placed)[1], "name_nearest"
        return None, None


def _dist2(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Squared local distance in degrees of latitude (enough to rank namesakes by distance)."""
    return ((a[0] - b[0]) * math.cos(math.radians(a[1]))) ** 2 + (a[1] - b[1]) ** 2


def _index(project: Project, categories: tuple[str, ...], family: str) -> _Index:
    """Open facilities of ``categories`` by name and address, and by the last ``:`` part of the record
    keys of their records whose family starts with ``family`` (事業所番号, 医療機関番号)."""
    marks = ",".join("?" * len(categories))
    by_name: dict[str, list[int]] = defaultdict(list)
    akey: dict[int, str] = {}
    pos: dict[int, tuple[float, float]] = {}
    for fid, name, addr, lon, lat in project.conn.execute(
        f"SELECT id, name, address, lon, lat FROM facilities WHERE status = 'open' AND category IN ({marks}) "
        "ORDER BY id",
        categories,
    ):
        by_name[normalize_name(name)].append(int(fid))
        akey[int(fid)] = address_key(addr)
        if lon is not None and lat is not None:
            pos[int(fid)] = (float(lon), float(lat))
    by_key: dict[str, list[int]] = defaultdict(list)
    for fid, key in project.conn.execute(
        "SELECT r.facility_id, r.record_key FROM facility_records r JOIN facilities f ON f.id = r.facility_id "
        f"WHERE r.source_family LIKE ? AND f.status = 'open' AND f.category IN ({marks}) ORDER BY r.id",
        (family + "%", *categories),
    ):
        ids = by_key[str(key).rsplit(":", 1)[-1]]
        if int(fid) not in ids:
            ids.append(int(fid))
    return _Index(dict(by_key), dict(by_name), akey, pos)


def care_index(project: Project) -> _Index:
    """Care facilities by 事業所番号 (from their 介護サービス情報公表 records), name and address."""
    return _index(project, ("care_facility",), "kaigo:")


def institution_index(project: Project) -> _Index:
    """Institutions by 医療機関番号 (from their 名簿 records), name and address."""
    return _index(project, INSTITUTION_CATEGORIES, "kouseikyoku")


def match_rows(project: Project, rows: list[AgreementRow]) -> None:
    """Fill the matched care facility and institution of each row (in place)."""
    cares, insts = care_index(project), institution_index(project)
    for r in rows:
        r.care_facility_id, how = cares.find(r.jigyosho_no, r.care_name, r.care_address)
        r.care_match = "jigyosho_no" if how == "code" else how
        if r.names_partner:
            # a 10-digit 医療機関コード is prefecture (2) + 点数表 (1) + the 名簿's 7-digit 医療機関番号
            code = r.inst_code[-7:] if len(r.inst_code) >= 7 else r.inst_code
            near = cares.pos.get(r.care_facility_id) if r.care_facility_id is not None else None
            r.institution_id, r.inst_match = insts.find(code, r.inst_name, r.inst_address, near=near)


# -- import --------------------------------------------------------------------------------------
def _store(
    project: Project, source_id: int, file_name: str, rows: list[AgreementRow], rejected: list[dict[str, Any]]
) -> None:
    for r in rows:
        project.conn.execute(
            "INSERT INTO partner_agreements (source_id, sheet, row, jigyosho_no, care_name, care_address, "
            "care_facility_id, care_match, inst_code, inst_name, inst_address, institution_id, inst_match, "
            "stated, agreed_date, note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                source_id,
                r.sheet,
                r.row,
                r.jigyosho_no,
                r.care_name,
                r.care_address,
                r.care_facility_id,
                r.care_match,
                r.inst_code,
                r.inst_name,
                r.inst_address,
                r.institution_id,
                r.inst_match,
                r.stated,
                r.agreed_date,
                r.note,
            ),
        )
        if r.care_facility_id is None:
            project.log_row(
                source_id=source_id,
                file_name=file_name,
                sheet=r.sheet,
                row=r.row,
                column="事業所番号",
                value=r.jigyosho_no or r.care_name,
                severity="warning",
                reason="対応する介護施設がプロジェクトにありません（介護サービス情報公表のデータを確認してください）",
            )
        if r.names_partner and r.institution_id is None:
            project.log_row(
                source_id=source_id,
                file_name=file_name,
                sheet=r.sheet,
                row=r.row,
                column="協力医療機関",
                value=r.inst_code or r.inst_name,
                severity="warning",
                reason="対応する医療機関がプロジェクトにありません（名簿・医療情報ネットのデータを確認してください）",
            )
    for rej in rejected:
        project.log_row(source_id=source_id, file_name=file_name, **rej)


def import_agreements(
    project: Project,
    path: str | Path,
    *,
    mapping: dict[str, str] | None = None,
    reference_date: str | None = None,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> AgreementImportReport:
    """Import an agreements table (CSV/XLSX) into ``partner_agreements`` in one transaction.

    ``mapping`` (field → column, fields of :data:`~zaitaku_map.labels.AGREEMENT_FIELDS`) overrides the
    mapping saved for this header or guessed from it.  ``reference_date`` (ISO) is the date the table
    is "as of"; without it the title rows are searched for 「…現在」.
    """
    prog = Progress.of(progress, cancel)
    p = Path(path)
    if not p.is_file():
        raise InputDataError("file does not exist", file=p)
    found = read_agreement_tables(p, mappings=[mapping] if mapping else saved_agreement_mappings(project))
    if not found:
        raise InputDataError("no table found", file=p, expected="見出し行のある表（CSV または Excel）")
    saved = saved_mapping(project, found[0].header)
    chosen = dict(mapping or (saved[0] if saved else None) or guess_agreement_mapping(found[0].header))
    tables = [t for t in found if _usable(chosen, t.header)]
    if not tables:
        _check_mapping(chosen, found[0].header, p)  # raises, saying what is missing
        raise InputDataError("no agreements table found", file=p)
    prog.update(0.3, "協力医療機関の表を読み込みました")
    header = tables[0].header
    rows: list[AgreementRow] = []
    rejected: list[dict[str, Any]] = []
    for t in tables:
        r, rej = parse_rows(t, {f: c for f, c in chosen.items() if c in t.header})
        rows += r
        rejected += rej
        rejected += [
            {
                "sheet": t.sheet,
                "row": pr.row,
                "column": pr.column,
                "value": "|".join(pr.values),
                "reason": pr.reason,
            }
            for pr in t.problems
        ]
    match_rows(project, rows)
    prog.update(0.7, "施設と医療機関を照合しました")
    ref = reference_date or _title_date(tables)
    with project.transaction():
        source_id = project.add_source(
            kind=SOURCE_KIND,
            format=SOURCE_FORMAT,
            path=p,
            reference_date=ref,
            sheet=",".join(t.sheet or "" for t in tables),
            rows_read=len(rows) + len(rejected),
            rows_rejected=len(rejected),
        )
        _store(project, source_id, p.name, rows, rejected)
        save_mapping(project, header, chosen, None)
    prog.update(1.0, "完了", force=True)
    return _report(p, tables, source_id, ref, chosen, rows, rejected)


def _title_date(tables: list[Table]) -> str | None:
    from zaitaku_map.importers.kouseikyoku import reference_date_from_titles

    for t in tables:
        d = reference_date_from_titles(t.title_rows)
        if d:
            return d
    return None


def _report(
    p: Path,
    tables: list[Table],
    source_id: int,
    ref: str | None,
    mapping: dict[str, str],
    rows: list[AgreementRow],
    rejected: list[dict[str, Any]],
) -> AgreementImportReport:
    rep = AgreementImportReport(
        file=p.name,
        sheets=[t.sheet or "" for t in tables],
        source_id=source_id,
        reference_date=ref,
        mapping=mapping,
        rows_read=len(rows) + len(rejected),
        agreements=sum(1 for r in rows if r.names_partner),
        without_partner=sum(1 for r in rows if not r.names_partner),
        care_matched=sum(1 for r in rows if r.care_facility_id is not None),
        institution_matched=sum(1 for r in rows if r.institution_id is not None),
    )
    for r in rows:
        where = {"sheet": r.sheet, "row": r.row}
        if r.care_facility_id is None:
            rep.care_unmatched.append({**where, "jigyosho_no": r.jigyosho_no, "name": r.care_name})
        if r.names_partner and r.institution_id is None:
            rep.institution_unmatched.append({**where, "code": r.inst_code, "name": r.inst_name})
    rep.rejected = [{k: v for k, v in rej.items() if k != "raw"} for rej in rejected]
    return rep
