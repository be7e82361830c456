"""「協力医療機関の候補リスト」 PDF: per municipality, per care facility the nearby medical institutions.

A cover page says what the list is (the 2024 reform's requirements (1)(2)(3), how institutions were
classified and from which data, the travel-time model and N), with the sources, the attribution and
counts per municipality.  Then one section per municipality, and one page per care facility — the
page a municipality sends to the facility: its 事業所番号 and address, what the reform asks of it, the
partners it has reported (when the prefecture's table was imported), whether it has no candidate
within N minutes, and the table of candidates (name, address, phone, minutes, requirements they can
plausibly meet with their rank, and the basis of that classification).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, Spacer

from zaitaku_map import __version__
from zaitaku_map.export.data import attributions, project_sources, source_lines
from zaitaku_map.export.request import ExportResult, Timer
from zaitaku_map.export.rldoc import build_pdf, data_table, page_size, para, styles, toc
from zaitaku_map.labels import (
    CARE_KINDS,
    CARE_KINDS_SHORT,
    EXPORT_TEXT,
    PARTNER_OBLIGATIONS,
    PARTNER_REQUIREMENTS,
    PARTNER_STATUS,
    PARTNER_TEXT,
)
from zaitaku_map.partners import AgreementStatus, CareFacility, FacilityAgreement, PartnerLists
from zaitaku_map.partners.lists import flag_text
from zaitaku_map.partners.status import PAIR_LIMIT
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback
from zaitaku_map.store import Project

PER_REQUIREMENT = 10  # candidates shown per requirement on a facility's page (all in the XLSX/CSV)
COLUMNS = ["名称", "所在地", "電話番号", "分", "(1)(2)", "(3)", "根拠（取り込んだデータ）"]
WEIGHTS = [46, 50, 24, 10, 11, 11, 34]
WARN = colors.HexColor("#b71c1c")


def _warn_style() -> ParagraphStyle:
    return ParagraphStyle("warn", parent=styles()["note"], textColor=WARN, fontSize=9, leading=12)


def shown_candidates(f: CareFacility, per_requirement: int) -> tuple[list[Any], int]:
    """The candidates on a facility's page — the first ``per_requirement`` for (1)(2) and, where the
    reform asks for it, for (3), nearest first — and how many more candidates there are."""
    keep = {c.institution.id for c in f.ranked("12")[:per_requirement]}
    if f.obligation == "required":  # (3) is asked of 特養, 老健, 介護医療院 only
        keep |= {c.institution.id for c in f.ranked("3")[:per_requirement]}
    shown = [c for c in f.candidates if c.institution.id in keep]
    return shown, len(f.candidates) - len(shown)


def candidate_cells(c: Any) -> list[str]:
    """One table row: name, address, phone, minutes, (1)(2) rank, (3) mark and rank, basis."""
    inst = c.institution
    r3 = ""
    if c.rank_3:
        r3 = (PARTNER_TEXT["priority"] if inst.priority_3 else PARTNER_TEXT["meets"]) + str(c.rank_3)
    return [
        inst.name,
        inst.address,
        inst.phone,
        f"{c.minutes:.0f}",
        f"{PARTNER_TEXT['meets']}{c.rank_12}" if c.rank_12 else "",
        r3,
        inst.basis_text,
    ]


def _agreement_lines(fa: FacilityAgreement | None, minutes: float) -> list[str]:
    if fa is None:
        return []
    if not fa.partners:
        return [
            f"{PARTNER_TEXT['agreement']}: {PARTNER_TEXT['no_agreement']}"
            + (f"（{fa.note}）" if fa.note else "")
        ]
    out = []
    for p in fa.partners:
        when = (
            PARTNER_TEXT["beyond"].format(minutes=minutes) if p.minutes is not None and not p.within else ""
        )
        if p.minutes is not None:
            t = f"{p.minutes:.0f}分"
        elif p.institution is not None and p.institution.lon is None:
            t = "位置不明"
        else:
            t = f"{PAIR_LIMIT:g}分以内に到達できない"
        data = p.requirements or ("プロジェクトに該当なし" if p.institution is None else "該当なし")
        out.append(
            f"{PARTNER_TEXT['agreement']}: {p.name}（{t}{'・' + when if when else ''}・データ上の要件 {data}"
            f"・届出の要件 {p.stated_text or '記載なし'}）"
        )
    return out


def facility_story(
    f: CareFacility,
    lists: PartnerLists,
    width: float,
    *,
    per_requirement: int,
    agreement: FacilityAgreement | None,
) -> list[Any]:
    """One care facility's page."""
    story: list[Any] = [
        para(f"{f.name}（{CARE_KINDS_SHORT[f.kind]}）", "h2"),
        para(f"種別: {CARE_KINDS[f.kind]}", "note"),
        para(
            f"事業所番号: {f.jigyosho_no or '－'}　所在地: {f.address or '－'}　電話: {f.phone or '－'}",
            "note",
        ),
        para(f"求められる協力医療機関: {PARTNER_OBLIGATIONS[f.obligation]}", "note"),
    ]
    story += [para(line, "note") for line in _agreement_lines(agreement, lists.minutes)]
    if f.status != "ok":
        story.append(Paragraph(PARTNER_STATUS[f.status], _warn_style()))
    for line in flag_text(f, lists.minutes):
        story.append(Paragraph("※ " + line, _warn_style()))
    story.append(Spacer(1, 2 * mm))
    shown, more = shown_candidates(f, per_requirement)
    if not shown:
        story.append(para(PARTNER_TEXT["none"].format(minutes=lists.minutes), "note"))
        return story
    total = sum(WEIGHTS)
    widths = [width * w / total for w in WEIGHTS]
    rows = [candidate_cells(c) for c in shown]
    story.append(data_table(COLUMNS, rows, widths, small=True, align_right=[3]))
    if more:
        story.append(para(PARTNER_TEXT["more"].format(n=more), "note"))
    return story


def _cover(
    project: Project, lists: PartnerLists, scope: str, status: AgreementStatus | None, width: float
) -> list[Any]:
    sources = project_sources(project)
    story: list[Any] = [
        para(PARTNER_TEXT["title"], "title"),
        para(f"{scope}　{lists.minutes:g}分以内の医療機関", "subtitle"),
        para(
            f"{EXPORT_TEXT['created']}: {dt.date.today().isoformat()}　　プロジェクト: {Path(project.path).stem}",
            "note",
        ),
    ]
    if project.is_demo:
        story += [Spacer(1, 2 * mm), para(EXPORT_TEXT["demo_banner"], "demo")]
    story += [
        Spacer(1, 3 * mm),
        para(
            "令和6年度の介護報酬改定により、特別養護老人ホーム・地域密着型特別養護老人ホーム・介護老人保健施設・"
            "介護医療院は次の(1)(2)(3)を満たす協力医療機関を定めることが義務に、特定施設・認知症グループホームは"
            "(1)(2)を満たす協力医療機関を定めることが努力義務になりました。このリストは、各施設から"
            f"{lists.minutes:g}分以内にあり、取り込んだデータから各要件を満たしうると考えられる医療機関の一覧です。",
            "note",
        ),
        *[para(v, "note") for v in PARTNER_REQUIREMENTS.values()],
        Spacer(1, 2 * mm),
        para(f"{EXPORT_TEXT['coverage_params']}: {lists.description_ja}", "note"),
        para(PARTNER_TEXT["legend_r12"] + "（数字は近い順の順位）", "note"),
        para(PARTNER_TEXT["legend_r3"] + "（数字は◎を先にした順位）", "note"),
        para(PARTNER_TEXT["basis_note"], "note"),
        Spacer(1, 3 * mm),
        para(EXPORT_TEXT["sources"], "subtitle"),
        *[para(s, "note") for s in source_lines(sources) or ["（なし）"]],
        Spacer(1, 2 * mm),
        para(EXPORT_TEXT["attribution"], "subtitle"),
        *[para(a, "note") for a in attributions(sources, is_demo=project.is_demo)],
        Spacer(1, 3 * mm),
    ]
    head = ["市区町村", "施設数", "うち義務", "(1)(2)の候補なし", "(3)の候補なし", "位置・道路の問題"]
    rows = [
        [g.name, g.facilities, g.required, g.flag_12, g.flag_3, g.not_routed] for g in lists.by_municipality()
    ]
    if status is not None and status.file:
        head.append("届出なし")
        unlinked = {fa.facility.id for fa in status.unlinked()}
        by_muni: dict[str, int] = {}
        for f in lists.facilities:
            by_muni[f.muni_code] = by_muni.get(f.muni_code, 0) + (f.id in unlinked)
        for r, g in zip(rows, lists.by_municipality(), strict=True):
            r.append(by_muni.get(g.key, 0))
    weights = [3.0] + [1.4] * (len(head) - 1)
    widths = [width * w / sum(weights) for w in weights]
    story += [
        KeepTogether(
            [
                para("市区町村ごとの状況", "subtitle"),
                data_table(head, rows, widths, align_right=list(range(1, len(head)))),
            ]
        ),
        Spacer(1, 4 * mm),
        para(EXPORT_TEXT["toc"], "subtitle"),
        toc(),
    ]
    return story


def export_partners_pdf(
    project: Project,
    lists: PartnerLists,
    path: str | Path,
    *,
    status: AgreementStatus | None = None,
    scope: str = "全域",
    per_requirement: int = PER_REQUIREMENT,
    paper: str = "A4",
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Write the 候補リスト PDF of ``lists`` (portrait; one page per care facility).

    ``counts`` of the result: municipalities, facilities, flagged.
    """
    timer = Timer()
    prog = Progress.of(progress, cancel)
    path = Path(path)
    size = page_size(paper, False)
    width = size[0] - 24 * mm
    by_fac = {fa.facility.id: fa for fa in status.facilities} if status is not None and status.file else {}
    munis: dict[str, list[CareFacility]] = {}
    for f in lists.facilities:
        munis.setdefault(f.muni_code, []).append(f)

    def story() -> list[Any]:
        s = _cover(project, lists, scope, status if by_fac else None, width)
        for group in lists.by_municipality():
            facs = munis.get(group.key, [])
            s += [PageBreak(), para(group.name, "h1")]
            s.append(
                para(
                    f"介護施設 {group.facilities} か所（うち(1)(2)(3)が義務 {group.required}）・"
                    f"{lists.minutes:g}分以内に(1)(2)の候補がない施設 {group.flag_12}・(3)の候補がない施設 {group.flag_3}",
                    "note",
                )
            )
            for f in prog.iterate(facs, message="候補リスト"):
                if f.flagged:
                    s.append(
                        Paragraph(f"※ {f.name}: " + "／".join(flag_text(f, lists.minutes)), _warn_style())
                    )
            for f in facs:
                s += [
                    PageBreak(),
                    *facility_story(
                        f, lists, width, per_requirement=per_requirement, agreement=by_fac.get(f.id)
                    ),
                ]
        return s

    header = f"{PARTNER_TEXT['title']}（{scope}・{lists.minutes:g}分）"
    footer = EXPORT_TEXT["footer"].format(version=__version__, date=dt.date.today().isoformat())
    pages = build_pdf(
        path,
        story,
        header=header,
        footer=footer,
        is_demo=project.is_demo,
        pagesize=size,
        title=header,
        with_toc=True,
    )
    prog.update(1.0, "完了", force=True)
    return ExportResult(
        kind="partners_pdf",
        path=str(path),
        pages=pages,
        seconds=timer.seconds(),
        counts={
            "municipalities": len(munis),
            "facilities": len(lists.facilities),
            "flagged": len(lists.flagged()),
        },
        details={"minutes": lists.minutes, "coverage_params": lists.description_ja},
    )
