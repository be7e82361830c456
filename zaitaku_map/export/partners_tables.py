"""The 協力医療機関 candidate lists as XLSX and CSV: every candidate of every care facility.

Sheets (CSV: one file each, ``<stem>_<sheet>.csv`` beside the first): 候補リスト (one row per care
facility and candidate; a facility without any candidate has one row with the candidate columns
empty), 市区町村別 (flags per municipality), 届出の状況 (the partners the prefecture's table names, when
imported) and 条件・出典 (N, the travel-time model, sources, attribution).  Text cells that a
spreadsheet would evaluate (``= + - @``, tab, CR) are neutralised as in the other table exports.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from zaitaku_map.errors import ExportError
from zaitaku_map.export.data import attributions, project_sources, source_lines
from zaitaku_map.export.request import ExportResult, Timer
from zaitaku_map.export.tables import fill_sheet, neutralise
from zaitaku_map.fileio import atomic_path
from zaitaku_map.labels import CARE_KINDS_SHORT, PARTNER_OBLIGATIONS, PARTNER_STATUS, PARTNER_TEXT
from zaitaku_map.partners import AgreementStatus, PartnerLists
from zaitaku_map.store import Project

Sheet = tuple[str, list[str], list[list[Any]]]

LIST_HEADER = [
    "市区町村コード",
    "市区町村",
    "施設ID",
    "事業所番号",
    "施設名",
    "施設の種別",
    "求められる協力医療機関",
    "状態",
    "(1)(2)の候補なし",
    "(3)の候補なし",
    "医療機関ID",
    "医療機関名",
    "医療機関の所在地",
    "電話番号",
    "到達時間（分）",
    "(1)(2)の順位",
    "(3)の順位",
    "(3)で優先（◎）",
    "満たしうる要件",
    "根拠（取り込んだデータ）",
]


def list_rows(lists: PartnerLists) -> list[list[Any]]:
    """候補リスト: one row per care facility × candidate (nearest first)."""
    rows: list[list[Any]] = []
    for f in lists.facilities:
        head = [
            f.muni_code,
            f.muni_name,
            f.id,
            f.jigyosho_no,
            f.name,
            CARE_KINDS_SHORT[f.kind],
            PARTNER_OBLIGATIONS[f.obligation],
            PARTNER_STATUS[f.status] or "",
            "○" if f.flag_12 else "",
            "○" if f.flag_3 else "",
        ]
        if not f.candidates:
            rows.append(head + [None] * (len(LIST_HEADER) - len(head)))
        for c in f.candidates:
            inst = c.institution
            rows.append(
                [
                    *head,
                    inst.id,
                    inst.name,
                    inst.address,
                    inst.phone,
                    round(c.minutes, 1),
                    c.rank_12,
                    c.rank_3,
                    "◎" if c.rank_3 and inst.priority_3 else "",
                    inst.requirements,
                    inst.basis_text,
                ]
            )
    return rows


def muni_sheet(lists: PartnerLists) -> Sheet:
    head = [
        "市区町村コード",
        "市区町村",
        "施設数",
        "うち義務",
        "(1)(2)の候補なし",
        "(3)の候補なし",
        "いずれかなし",
        "位置・道路の問題",
    ]
    rows = [
        [g.key, g.name, g.facilities, g.required, g.flag_12, g.flag_3, g.flagged, g.not_routed]
        for g in lists.by_municipality()
    ]
    return "市区町村別", head, rows


def agreement_sheet(status: AgreementStatus) -> Sheet:
    head = [
        "施設ID",
        "施設名",
        "市区町村",
        "届出",
        "協力医療機関",
        "医療機関ID",
        "到達時間（分）",
        f"{status.minutes:g}分以内",
        "データ上の要件",
        "届出の要件",
        "協定締結日",
        "備考",
    ]
    rows: list[list[Any]] = []
    for fa in status.facilities:
        base = [fa.facility.id, fa.facility.name, fa.facility.muni_name]
        if not fa.partners:
            rows.append(
                [*base, PARTNER_TEXT["no_agreement"], None, None, None, None, None, None, None, fa.note]
            )
        for p in fa.partners:
            rows.append(
                [
                    *base,
                    "あり",
                    p.name,
                    p.institution.id if p.institution else None,
                    None if p.minutes is None else round(p.minutes, 1),
                    "○" if p.within else "",
                    p.requirements,
                    p.stated_text,
                    p.agreed_date,
                    fa.note,
                ]
            )
    for u in status.unmatched_rows:
        rows.append(
            [
                None,
                u.get("name"),
                None,
                f"表の{u.get('row')}行目: 介護施設が見つかりません",
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                u.get("jigyosho_no"),
            ]
        )
    return "届出の状況", head, rows


def conditions_sheet(project: Project, lists: PartnerLists, status: AgreementStatus | None) -> Sheet:
    sources = project_sources(project)
    rows: list[list[Any]] = [
        ["到達時間の条件", lists.description_ja],
        ["分", lists.minutes],
        ["(1)(2)", PARTNER_TEXT["legend_r12"]],
        ["(3)", PARTNER_TEXT["legend_r3"]],
        ["注意", PARTNER_TEXT["basis_note"]],
    ]
    if status is not None and status.file:
        rows.append(["協力医療機関の届出", f"{status.file}（{status.reference_date or '基準日不明'}）"])
    rows += [["出典", s] for s in source_lines(sources)]
    rows += [["出典表記", a] for a in attributions(sources, is_demo=project.is_demo)]
    if project.is_demo:
        rows.append(["注意", "デモデータ（架空のデータです）"])
    return "条件・出典", ["項目", "内容"], rows


def partner_sheets(project: Project, lists: PartnerLists, status: AgreementStatus | None) -> list[Sheet]:
    sheets: list[Sheet] = [("候補リスト", LIST_HEADER, list_rows(lists)), muni_sheet(lists)]
    if status is not None and status.file:
        sheets.append(agreement_sheet(status))
    sheets.append(conditions_sheet(project, lists, status))
    return sheets


def _cell(v: Any) -> Any:
    return "" if v is None or (isinstance(v, float) and v != v) else neutralise(v)


def export_partners_csv(
    project: Project,
    lists: PartnerLists,
    path: str | Path,
    *,
    status: AgreementStatus | None = None,
    encoding: str = "utf-8-sig",
) -> ExportResult:
    """The sheets as CSV: the list at ``path``, the others as ``<stem>_<sheet>.csv`` beside it."""
    timer = Timer()
    path = Path(path)
    sheets = partner_sheets(project, lists, status)
    paths = []
    for i, (title, head, rows) in enumerate(sheets):
        target = (
            path
            if i == 0
            else path.with_name(f"{path.stem}_{title.replace('・', '')}{path.suffix or '.csv'}")
        )
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow([_cell(h) for h in head])
        w.writerows([[_cell(v) for v in r] for r in rows])
        try:
            with atomic_path(target) as tmp:
                tmp.write_text(buf.getvalue(), encoding=encoding, errors="replace")
        except (OSError, LookupError) as exc:
            raise ExportError(
                f"cannot write CSV: {exc}", file=target, hint="保存先と文字コードを確認してください"
            ) from exc
        paths.append(str(target))
    return ExportResult(
        kind="partners_csv",
        path=str(path),
        seconds=timer.seconds(),
        counts={"rows": len(sheets[0][2]), "facilities": len(lists.facilities)},
        details={"encoding": encoding},
        files=paths,
    )


def export_partners_xlsx(
    project: Project, lists: PartnerLists, path: str | Path, *, status: AgreementStatus | None = None
) -> ExportResult:
    """The sheets in one workbook (header row bold, frozen and filtered)."""
    timer = Timer()
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    path = Path(path)
    sheets = partner_sheets(project, lists, status)
    wb = Workbook()
    neutralised = 0
    for i, (title, head, rows) in enumerate(sheets):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = title
        neutralised += fill_sheet(ws, head, rows)
        ws.freeze_panes = "A2"
        if rows:
            ws.auto_filter.ref = ws.dimensions
        for j, h in enumerate(head, start=1):
            width = max([len(str(h))] + [len(str(r[j - 1] or "")) for r in rows[:300]])
            ws.column_dimensions[get_column_letter(j)].width = min(max(8, width * 1.8), 60)
    try:
        with atomic_path(path) as tmp:
            wb.save(tmp)
    except OSError as exc:
        raise ExportError(f"cannot write XLSX: {exc}", file=path, hint="保存先を確認してください") from exc
    return ExportResult(
        kind="partners_xlsx",
        path=str(path),
        seconds=timer.seconds(),
        counts={"rows": len(sheets[0][2]), "facilities": len(lists.facilities)},
        details={"sheets": [s[0] for s in sheets], "neutralised_cells": neutralised},
    )
