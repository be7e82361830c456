"""Which requirements a medical institution can plausibly meet, from the data the project holds.

- (1)(2) consultation and treatment at all times: 在宅療養支援診療所・病院 (名簿 受理記号 支援診／支援病,
  or a list that gives the category) and institutions with the 介護保険施設等連携往診加算 (介保連), the
  往診 届出 made for care facilities since 2024.
- (3) admission: hospitals with beds.  Among them, those holding 在支病, 在宅療養後方支援病院 (在後病),
  地域包括ケア病棟 (地包ケア) or the 協力対象施設入所者入院加算 (協力施設) come first.

Every classification carries its basis as shown to the reader (``名簿: 支援病３``, ``病床数 120``).
Clinics with none of these 届出 are not candidates; a hospital whose bed count the data does not give
is a candidate for nothing but (1)(2) through its 届出.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from zaitaku_map.labels import CATEGORIES, PARTNER_TEXT
from zaitaku_map.store import Project

INSTITUTION_CATEGORIES = ("zaishi_clinic", "zaishi_hospital", "hospital", "clinic")
HOSPITAL_CATEGORIES = ("zaishi_hospital", "hospital")
R12_KINDS = ("zaishi_clinic", "zaishi_hospital", "care_facility_visit")
PRIORITY_R3_KINDS = ("zaishi_hospital", "back_support_hospital", "community_care_ward", "partner_admission")
_SHOWN_KINDS = (*R12_KINDS, *PRIORITY_R3_KINDS)


@dataclass(frozen=True)
class Institution:
    """A medical institution that can be named as a 協力医療機関 for at least one requirement."""

    id: int
    name: str
    category: str
    address: str
    phone: str
    muni_code: str
    lon: float | None
    lat: float | None
    beds: int | None
    meets_12: bool
    meets_3: bool
    priority_3: bool  # (3) with a designation that puts it first
    basis: tuple[str, ...]  # e.g. ("名簿: 支援病３", "病床数 120")
    codes: tuple[str, ...] = ()  # 7-digit 医療機関番号 of its 名簿 records (for agreement matching)

    @property
    def basis_text(self) -> str:
        """The basis in one short line: 「名簿: 支援病１・地包ケア１／病床数 120」."""
        prefix = PARTNER_TEXT["basis_designation"].format(code="")
        codes = [b.removeprefix(prefix) for b in self.basis if b.startswith(prefix)]
        rest = [b for b in self.basis if not b.startswith(prefix)]
        return "／".join(([prefix + "・".join(codes)] if codes else []) + rest)

    @property
    def requirements(self) -> str:
        """「(1)(2)(3)」, 「(1)(2)」 or 「(3)」."""
        return ("(1)(2)" if self.meets_12 else "") + ("(3)" if self.meets_3 else "")


def classify(
    category: str, beds: int | None, designations: list[tuple[str, str]]
) -> tuple[bool, bool, bool, tuple[str, ...]]:
    """``(meets_12, meets_3, priority_3, basis)`` of one institution.

    ``designations`` are its current ``(kind, 受理記号)`` pairs.
    """
    kinds = {k for k, _ in designations}
    shown = sorted(
        {(_SHOWN_KINDS.index(k), c) for k, c in designations if k in _SHOWN_KINDS and c}
    )  # one line per 受理記号, in the order of what they mean for the reform
    basis = [PARTNER_TEXT["basis_designation"].format(code=code) for _, code in shown]
    meets_12 = bool(kinds & set(R12_KINDS))
    if category in ("zaishi_clinic", "zaishi_hospital") and not kinds & {"zaishi_clinic", "zaishi_hospital"}:
        meets_12 = True  # a list that gives the category without the 届出 itself
        basis.insert(0, PARTNER_TEXT["basis_category"].format(label=CATEGORIES[category].label))
    hospital = category in HOSPITAL_CATEGORIES
    meets_3 = hospital and beds is not None and beds > 0
    if hospital:
        basis.append(
            PARTNER_TEXT["basis_beds"].format(beds=beds) if meets_3 else PARTNER_TEXT["basis_beds_unknown"]
        )
    priority_3 = meets_3 and bool(kinds & set(PRIORITY_R3_KINDS))
    return meets_12, meets_3, priority_3, tuple(basis)


def load_institutions(project: Project, *, ids: Collection[int] | None = None) -> list[Institution]:
    """Every open institution that meets (1)(2) or (3) by :func:`classify`, ordered by id.

    With ``ids``: those institutions (of any status), whatever they meet (an agreement may name an
    institution the data says nothing about).
    """
    marks = ",".join("?" * len(INSTITUTION_CATEGORIES))
    sql = (
        "SELECT id, name, category, coalesce(address, ''), coalesce(phone, ''), coalesce(muni_code, ''), "
        f"lon, lat, beds FROM facilities WHERE category IN ({marks}) "
    )
    if ids is None:
        rows = project.conn.execute(sql + "AND status='open' ORDER BY id", INSTITUTION_CATEGORIES).fetchall()
    else:
        wanted = {int(i) for i in ids}
        rows = [
            r
            for r in project.conn.execute(sql + "ORDER BY id", INSTITUTION_CATEGORIES).fetchall()
            if int(r[0]) in wanted
        ]
    desig: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for fid, kind, code in project.conn.execute(
        "SELECT d.facility_id, d.kind, coalesce(d.code, '') FROM designations d JOIN facilities f "
        f"ON f.id = d.facility_id WHERE d.current = 1 AND f.category IN ({marks})",
        INSTITUTION_CATEGORIES,
    ):
        desig[int(fid)].append((str(kind), str(code)))
    codes: dict[int, list[str]] = defaultdict(list)
    for fid, key in project.conn.execute(
        "SELECT facility_id, record_key FROM facility_records WHERE source_family = 'kouseikyoku'"
    ):
        codes[int(fid)].append(str(key).rsplit(":", 1)[-1])
    out: list[Institution] = []
    for fid, name, cat, addr, phone, muni, lon, lat, beds in rows:
        b = int(beds) if beds is not None else None
        m12, m3, prio, basis = classify(cat, b, desig.get(int(fid), []))
        if ids is None and not (m12 or m3):
            continue
        out.append(
            Institution(
                id=int(fid),
                name=str(name),
                category=str(cat),
                address=str(addr),
                phone=str(phone),
                muni_code=str(muni),
                lon=None if lon is None else float(lon),
                lat=None if lat is None else float(lat),
                beds=b,
                meets_12=m12,
                meets_3=m3,
                priority_3=prio,
                basis=basis,
                codes=tuple(sorted(set(codes.get(int(fid), [])))),
            )
        )
    return out
