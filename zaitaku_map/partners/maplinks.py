"""The candidate lists as map features (GeoJSON, lon/lat): links from care facilities to institutions.

- :func:`link_features` — one line per care facility and candidate: every candidate of one facility,
  or for every facility its first (1)(2) candidate and (for the kinds that must) its first (3) one;
  each line carries ``kind`` (``r12`` | ``r3`` | ``both``), the minutes and a tooltip (``_tip``).
- :func:`agreement_features` — one line per partner a facility reported (``kind`` ``agreement``,
  ``within`` N minutes or not).
- :func:`flagged_features` — a point per care facility without a candidate, with the reasons.

The GUI and the HTML map draw them as layers, styling by ``kind`` with :data:`KIND_COLORS` (the
features hold no colours) and the flagged facilities in :data:`FLAG_COLOR`.
"""

from __future__ import annotations

from typing import Any

from shapely.geometry import LineString, Point

from zaitaku_map.geo import feature_collection
from zaitaku_map.labels import CARE_KINDS_SHORT, PARTNER_STATUS
from zaitaku_map.partners.lists import Candidate, CareFacility, PartnerLists, flag_text
from zaitaku_map.partners.status import AgreementStatus

# one colour per link kind and for the flagged care facilities: the GUI layers and the HTML map alike
KIND_COLORS: dict[str, str] = {"r12": "#1565c0", "r3": "#6a1b9a", "both": "#2e7d32", "agreement": "#ef6c00"}
FLAG_COLOR = "#c62828"


def _kind(c: Candidate) -> str:
    if c.rank_12 and c.rank_3:
        return "both"
    return "r12" if c.rank_12 else "r3"


def _link(f: CareFacility, c: Candidate, kind: str) -> tuple[LineString, dict[str, Any]] | None:
    inst = c.institution
    if f.lon is None or f.lat is None or inst.lon is None or inst.lat is None:
        return None
    tip = [f"{f.name} → {inst.name}", f"{c.minutes:.0f}分・{inst.requirements}", inst.basis_text]
    props = {
        "kind": kind,
        "facility_id": f.id,
        "institution_id": inst.id,
        "minutes": round(c.minutes, 1),
        "_tip": tip,
    }
    return LineString([(f.lon, f.lat), (inst.lon, inst.lat)]), props


def link_features(lists: PartnerLists, *, facility_id: int | None = None) -> dict[str, Any]:
    """Links of one facility to all its candidates (``facility_id``), else of every facility to its
    first (1)(2) and first (3) candidates (one line when it is the same institution)."""
    geoms: list[LineString] = []
    props: list[dict[str, Any]] = []
    for f in lists.facilities:
        if facility_id is not None and f.id != facility_id:
            continue
        if facility_id is not None:  # every candidate, by what it can meet
            chosen = [(c, _kind(c)) for c in f.candidates]
        else:  # the first for (1)(2) and the first for (3): "both" when one institution is both
            first12 = f.ranked("12")[:1]
            first3 = f.ranked("3")[:1] if f.obligation == "required" else []
            same = bool(first12 and first3) and first12[0].institution.id == first3[0].institution.id
            chosen = (
                [(first12[0], "both")]
                if same
                else [(c, "r12") for c in first12] + [(c, "r3") for c in first3]
            )
        for c, kind in chosen:
            link = _link(f, c, kind)
            if link is not None:
                geoms.append(link[0])
                props.append(link[1])
    return feature_collection(geoms, props)


def agreement_features(status: AgreementStatus, *, facility_id: int | None = None) -> dict[str, Any]:
    """Lines from facilities to the partners they reported (with a position)."""
    geoms: list[LineString] = []
    props: list[dict[str, Any]] = []
    for fa in status.facilities:
        f = fa.facility
        if (facility_id is not None and f.id != facility_id) or f.lon is None or f.lat is None:
            continue
        for p in fa.partners:
            inst = p.institution
            if inst is None or inst.lon is None or inst.lat is None:
                continue
            t = "到達できない" if p.minutes is None else f"{p.minutes:.0f}分"
            geoms.append(LineString([(f.lon, f.lat), (inst.lon, inst.lat)]))
            props.append(
                {
                    "kind": "agreement",
                    "within": p.within,
                    "facility_id": f.id,
                    "institution_id": inst.id,
                    "_tip": [
                        f"{f.name} → {p.name}（届出）",
                        f"{t}・データ上 {p.requirements or 'なし'}・届出 {p.stated_text or '記載なし'}",
                    ],
                }
            )
    return feature_collection(geoms, props)


def flagged_features(lists: PartnerLists) -> dict[str, Any]:
    """A point per flagged care facility with a position (tooltip: why)."""
    geoms: list[Point] = []
    props: list[dict[str, Any]] = []
    for f in lists.flagged():
        if f.lon is None or f.lat is None:
            continue
        reasons = flag_text(f, lists.minutes) + ([PARTNER_STATUS[f.status]] if f.status != "ok" else [])
        geoms.append(Point(f.lon, f.lat))
        props.append({"_id": str(f.id), "_tip": [f"{f.name}（{CARE_KINDS_SHORT[f.kind]}）", *reasons]})
    return feature_collection(geoms, props)
