"""The 協力医療機関 page of the meeting pack: care facilities without a candidate, per 圏域 of each option.

A 圏域 where many care facilities have no 協力医療機関 candidate within N minutes is a gap the
committee must see.  The section gives, for each option of the request, the counts per 圏域 (care
facilities, those that must meet (1)(2)(3), those without a (1)(2) or (3) candidate, those that
reported no partner), then the flagged facilities themselves.  The full lists are the separate
「協力医療機関の候補リスト」 (``zaitaku-map partners --pdf``).
"""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from zaitaku_map.export.rldoc import data_table, para
from zaitaku_map.export.sections import PackContext, PackSection, SectionPart, register_section
from zaitaku_map.labels import CARE_KINDS_SHORT, EXPORT_TEXT, PACK_SECTIONS, PARTNER_TEXT
from zaitaku_map.partners import AgreementStatus, PartnerLists, agreement_status, partner_lists
from zaitaku_map.partners.lists import flag_text, ward_groups


def ken_rows(
    lists: PartnerLists, status: AgreementStatus, groups: dict[str, str], names: dict[str, str]
) -> list[list[Any]]:
    """One row per 圏域: name, facilities, required, no (1)(2), no (3), flagged, reported no partner."""
    unlinked = {fa.facility.id for fa in status.unlinked()} if status.file else set()
    rows = []
    for g in lists.by_group(groups, names):
        n_unlinked = sum(1 for f in lists.facilities if groups.get(f.muni_code) == g.key and f.id in unlinked)
        rows.append(
            [
                g.name,
                g.facilities,
                g.required,
                g.flag_12,
                g.flag_3,
                g.flagged,
                n_unlinked if status.file else "－",
            ]
        )
    return rows


def partner_story(ctx: PackContext, lists: PartnerLists, status: AgreementStatus) -> list[Any]:
    from zaitaku_map.options import get_option

    width = ctx.text_width
    story: list[Any] = [
        ctx.heading(PACK_SECTIONS["partners"]),
        para(
            f"特養・地域密着型特養・老健・介護医療院は(1)(2)(3)を、特定施設・認知症GHは(1)(2)を満たす協力医療機関を"
            f"定めることが求められています（令和6年度介護報酬改定）。{lists.minutes:g}分以内に候補となる医療機関がない"
            "介護施設の数です。",
            "note",
        ),
        para(f"{EXPORT_TEXT['coverage_params']}: {lists.description_ja}", "note"),
    ]
    if status.file:
        story.append(
            para(f"協力医療機関の届出: {status.file}（{status.reference_date or '基準日不明'}）", "note")
        )
    head = ["圏域", "介護施設", "うち義務", "(1)(2)の候補なし", "(3)の候補なし", "いずれかなし", "届出なし"]
    weights = [3.0, 1.2, 1.2, 1.6, 1.6, 1.4, 1.2]
    widths = [width * w / sum(weights) for w in weights]
    for name in ctx.request.options:
        opt = get_option(ctx.project, name)
        names = {str(k): str(v.get("name") or k) for k, v in opt.kens.items()}
        groups = ward_groups(ctx.project, dict(opt.assignments))
        story += [
            Spacer(1, 3 * mm),
            para(f"{EXPORT_TEXT['option']}: {name}", "subtitle"),
            data_table(
                head, ken_rows(lists, status, groups, names), widths, align_right=list(range(1, len(head)))
            ),
        ]
    flagged = lists.flagged()
    story += [
        Spacer(1, 4 * mm),
        para(f"{lists.minutes:g}分以内に候補のない介護施設（{len(flagged)}か所）", "subtitle"),
    ]
    if not flagged:
        return [*story, para("ありません", "note")]
    rows = [
        [f.muni_name, f.name, CARE_KINDS_SHORT[f.kind], "／".join(flag_text(f, lists.minutes))]
        for f in flagged
    ]
    weights = [2.0, 4.0, 1.6, 5.0]
    story.append(
        data_table(
            ["市区町村", "施設", "種別", "候補がない要件"], rows, [width * w / sum(weights) for w in weights]
        )
    )
    story.append(para(PARTNER_TEXT["basis_note"], "note"))
    return story


def render_partners(ctx: PackContext) -> list[SectionPart]:
    """The section's one part (nothing when the project holds no care facility the reform concerns)."""
    lists = partner_lists(ctx.project, progress=ctx.progress.step(0.8))
    if not lists.facilities:
        return []
    status = agreement_status(ctx.project, lists)
    title = PACK_SECTIONS["partners"]
    return [ctx.story_part(partner_story(ctx, lists, status), title=title, file_stem=title)]


PARTNERS = register_section(
    PackSection("partners", PACK_SECTIONS["partners"], render_partners, order=50, weight=1.0)
)
