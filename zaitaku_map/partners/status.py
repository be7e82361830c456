"""The actual agreements set against the candidate lists: who is linked, to whom, how far, meeting what.

For every care facility of the lists: the partners the latest agreements table names for it, each
with its travel time from the facility (under the lists' model; up to :data:`PAIR_LIMIT` minutes),
whether that is within N minutes, and which requirements the data says it can meet — next to what
the table states the agreement covers.  Facilities the table names no partner for are *unlinked*;
rows whose care facility is not in the project are listed apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from zaitaku_map.partners.agreements import SOURCE_KIND
from zaitaku_map.partners.classify import Institution, load_institutions
from zaitaku_map.partners.lists import CareFacility, PartnerLists, travel_pairs
from zaitaku_map.store import Project

PAIR_LIMIT = 180.0  # minutes: a partner farther than this is reported as 「180分超」


@dataclass(frozen=True)
class Partner:
    """One partner named for a care facility by the agreements table."""

    row: int
    sheet: str | None
    name: str  # as the table gives it
    code: str
    institution: Institution | None  # None: not found in the project
    minutes: float | None  # None: beyond PAIR_LIMIT, or no position / off the roads
    within: bool  # minutes <= N
    stated: str  # requirements the table marks as covered, e.g. "123"
    agreed_date: str | None

    @property
    def requirements(self) -> str:
        """What the data says the partner can meet (「(1)(2)(3)」…, '' when nothing or unknown)."""
        return self.institution.requirements if self.institution else ""

    @property
    def stated_text(self) -> str:
        return "".join(f"({n})" for n in self.stated)


@dataclass
class FacilityAgreement:
    facility: CareFacility
    partners: list[Partner] = field(default_factory=list)
    rows: int = 0  # rows of the table for this facility (also those naming no partner)
    note: str = ""

    @property
    def linked(self) -> bool:
        return bool(self.partners)

    @property
    def partner_meets_12(self) -> bool:
        """Some partner within N minutes can meet (1)(2) by the data."""
        return any(p.within and p.institution is not None and p.institution.meets_12 for p in self.partners)

    @property
    def partner_meets_3(self) -> bool:
        return any(p.within and p.institution is not None and p.institution.meets_3 for p in self.partners)


@dataclass
class AgreementStatus:
    """Agreements of the latest table for the facilities of one :class:`PartnerLists`."""

    file: str | None  # None: no agreements table imported
    reference_date: str | None
    minutes: float
    facilities: list[FacilityAgreement]
    unmatched_rows: list[dict[str, Any]]  # rows whose care facility is not in the project

    def linked(self) -> list[FacilityAgreement]:
        return [f for f in self.facilities if f.linked]

    def unlinked(self) -> list[FacilityAgreement]:
        return [f for f in self.facilities if not f.linked]

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "reference_date": self.reference_date,
            "minutes": self.minutes,
            "linked": len(self.linked()),
            "unlinked": len(self.unlinked()),
            "partners_beyond": sum(1 for f in self.facilities for p in f.partners if not p.within),
            "unmatched_rows": self.unmatched_rows,
            "facilities": [
                {
                    "id": f.facility.id,
                    "name": f.facility.name,
                    "muni_name": f.facility.muni_name,
                    "kind": f.facility.kind,
                    "linked": f.linked,
                    "note": f.note,
                    "partners": [
                        {
                            "name": p.name,
                            "institution_id": p.institution.id if p.institution else None,
                            "minutes": None if p.minutes is None else round(p.minutes, 1),
                            "within": p.within,
                            "requirements": p.requirements,
                            "stated": p.stated_text,
                            "agreed_date": p.agreed_date,
                        }
                        for p in f.partners
                    ],
                }
                for f in self.facilities
            ],
        }


def latest_agreements(project: Project) -> tuple[int, str, str | None] | None:
    """``(source id, file name, reference date)`` of the latest agreements table, or ``None``."""
    row = project.conn.execute(
        "SELECT id, file_name, reference_date FROM sources WHERE kind = ? ORDER BY id DESC LIMIT 1",
        (SOURCE_KIND,),
    ).fetchone()
    return (int(row[0]), str(row[1]), row[2]) if row else None


def _pair_minutes(
    project: Project, lists: PartnerLists, pairs: set[tuple[int, int]], insts: dict[int, Institution]
) -> dict[tuple[int, int], float]:
    """Minutes of the (care facility id, institution id) pairs under the lists' model (≤ PAIR_LIMIT)."""
    if not pairs or lists.params is None:
        return {}
    facs = [f for f in lists.facilities if f.id in {a for a, _ in pairs}]
    dests = [insts[b] for b in sorted({b for _, b in pairs}) if b in insts]
    tp = travel_pairs(project, facs, dests, lists.params, limit=max(PAIR_LIMIT, lists.minutes))
    out: dict[tuple[int, int], float] = {}
    for o, d, t in zip(tp.origin.tolist(), tp.dest.tolist(), tp.minutes.tolist(), strict=True):
        key = (facs[o].id, dests[d].id)
        if key in pairs:
            out[key] = float(t)
    return out


def agreement_status(project: Project, lists: PartnerLists) -> AgreementStatus:
    """The latest agreements table against ``lists`` (its facilities, N and travel model)."""
    latest = latest_agreements(project)
    if latest is None:
        return AgreementStatus(
            None, None, lists.minutes, [FacilityAgreement(f) for f in lists.facilities], []
        )
    source_id, file_name, ref = latest
    rows = project.conn.execute(
        "SELECT sheet, row, care_facility_id, jigyosho_no, care_name, inst_code, inst_name, institution_id, "
        "stated, agreed_date, note FROM partner_agreements WHERE source_id = ? ORDER BY id",
        (source_id,),
    ).fetchall()
    by_fac = {f.id: FacilityAgreement(f) for f in lists.facilities}
    insts = {i.id: i for i in load_institutions(project, ids=[r[7] for r in rows if r[7] is not None])}
    near = {(f.id, c.institution.id): c.minutes for f in lists.facilities for c in f.candidates}
    wanted = {(int(r[2]), int(r[7])) for r in rows if r[2] in by_fac and r[7] is not None}
    far = _pair_minutes(project, lists, wanted - set(near), insts)
    unmatched: list[dict[str, Any]] = []
    for sheet, rownum, care_id, jno, care_name, code, name, inst_id, stated, date, note in rows:
        if care_id is None:
            unmatched.append({"sheet": sheet, "row": rownum, "jigyosho_no": jno, "name": care_name})
            continue
        fa = by_fac.get(int(care_id))
        if fa is None:  # a facility of a kind the reform does not concern, or outside the filter
            continue
        fa.rows += 1
        if note and not fa.note:
            fa.note = str(note)
        if not (code or name):
            continue
        inst = insts.get(int(inst_id)) if inst_id is not None else None
        minutes = None
        if inst is not None:
            key = (fa.facility.id, inst.id)
            minutes = near.get(key, far.get(key))
        fa.partners.append(
            Partner(
                row=int(rownum),
                sheet=sheet,
                name=str(name or (inst.name if inst else code)),
                code=str(code or ""),
                institution=inst,
                minutes=minutes,
                within=minutes is not None and minutes <= lists.minutes,
                stated=str(stated or ""),
                agreed_date=date,
            )
        )
    return AgreementStatus(file_name, ref, lists.minutes, list(by_fac.values()), unmatched)
