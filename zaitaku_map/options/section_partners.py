"""The 協力医療機関 section of the option evaluation: care facilities without a candidate, per 圏域.

For every 圏域: its care facilities the 2024 reform concerns, those that must meet (1)(2)(3), those
with no (1)(2) candidate within N minutes, no (3) candidate (for the kinds that must), either, those
that could not be routed, and — when the prefecture's agreements table was imported — those that
reported no partner.  A 圏域 with flagged facilities gets a warning; the comparison gets the number
of flagged facilities and of 圏域 with one (fewer is better).  N and the travel-time model are the
partners analysis' own (``zaitaku-map partners --minutes N --save``, the coverage parameters);
the candidates come from the register (a what-if scenario's hypothetical sites are not institutions).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from zaitaku_map.labels import PARTNER_TEXT
from zaitaku_map.options.results import EvaluationWarning, SectionValue
from zaitaku_map.options.sections import (
    EvaluationContext,
    EvaluationSection,
    Indicator,
    Scalar,
    SectionResult,
)
from zaitaku_map.partners import agreement_status, partner_lists
from zaitaku_map.partners.lists import CareFacility, ward_groups


@dataclass(frozen=True)
class KenPartners:
    """Care facilities of one 圏域 (or of the whole option) and their 協力医療機関 flags."""

    facilities: int
    required: int
    no_r12: int
    no_r3: int
    flagged: int
    not_routed: int
    unlinked: int | None  # None: no agreements table imported
    minutes: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _figures(facs: list[CareFacility], unlinked: set[int] | None, minutes: float) -> KenPartners:
    return KenPartners(
        facilities=len(facs),
        required=sum(1 for f in facs if f.obligation == "required"),
        no_r12=sum(1 for f in facs if f.flag_12),
        no_r3=sum(1 for f in facs if f.flag_3),
        flagged=sum(1 for f in facs if f.flagged),
        not_routed=sum(1 for f in facs if f.status != "ok"),
        unlinked=None if unlinked is None else sum(1 for f in facs if f.id in unlinked),
        minutes=minutes,
    )


class PartnersSection(EvaluationSection):
    key = "partners"

    def evaluate(self, ctx: EvaluationContext) -> SectionResult | None:
        lists = partner_lists(ctx.project, coverage_params=ctx.coverage_params)
        if not lists.facilities:
            return None  # no care facility the reform concerns: the key is left out
        status = agreement_status(ctx.project, lists)
        unlinked = {fa.facility.id for fa in status.unlinked()} if status.file else None
        groups = ward_groups(ctx.project, ctx.assignments)
        per: dict[str, list[CareFacility]] = {k: [] for k in ctx.members}
        for f in lists.facilities:
            key = groups.get(f.muni_code)
            if key is not None:
                per.setdefault(key, []).append(f)
        per_ken = {k: _figures(facs, unlinked, lists.minutes) for k, facs in per.items()}
        names = ctx.ken_names
        warnings = [
            EvaluationWarning(
                code="partners_gap",
                level="warning",
                message=PARTNER_TEXT["eval_warning"].format(minutes=lists.minutes, n=v.flagged),
                ken_key=k,
                ken_name=names.get(k, k),
                detail={"flagged": v.flagged, "minutes": lists.minutes},
            )
            for k, v in per_ken.items()
            if v.flagged
        ]
        return SectionResult(
            per_ken=per_ken,
            totals=_figures(lists.facilities, unlinked, lists.minutes),
            warnings=warnings,
            note=PARTNER_TEXT["eval_note"].format(minutes=lists.minutes, model=lists.description_ja),
        )

    def indicators(self, result: SectionResult) -> Mapping[str, Indicator]:
        per: Mapping[str, SectionValue] = result.per_ken
        kens = [v for v in per.values() if isinstance(v, KenPartners)]
        total = result.totals if isinstance(result.totals, KenPartners) else None
        return {
            "partners_flagged": Indicator(total.flagged if total else None, higher_is_better=False),
            "partners_kens_with_gap": Indicator(sum(1 for v in kens if v.flagged), higher_is_better=False),
        }

    def ken_columns(self, value: SectionValue) -> Mapping[str, Scalar]:
        if not isinstance(value, KenPartners):
            return {}
        return {"partners_flagged": value.flagged, "partners_unlinked": value.unlinked}
