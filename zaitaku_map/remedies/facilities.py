"""The facility set a scenario leads to, per coverage category (register + edits, never written back).

Coverage under a scenario is coverage of :func:`edited_facilities`: the open, positioned facilities
of the category from the register, without those the scenario switches off, at their moved
positions, plus existing facilities that take on the category and the scenario's hypothetical
sites (ids ``-key``, ``hypothetical`` True).  The live engine keeps exactly this set up to date
edit by edit (:func:`entry_of_facility`, :func:`entry_of_site`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from zaitaku_map.coverage.inputs import category_members, load_facilities
from zaitaku_map.errors import InputDataError
from zaitaku_map.labels import CATEGORIES
from zaitaku_map.remedies.state import Change, ScenarioState, Site
from zaitaku_map.store import Project

FACILITY_COLUMNS = ["id", "name", "category", "muni_code", "lon", "lat", "hypothetical"]

# which category an existing facility of a kind can take on (the candidate roles of the suggestions)
GAIN_RULES: dict[str, str] = {
    "clinic": "zaishi_clinic",  # 診療所 → 在支診
    "hospital": "zaishi_hospital",  # 病院（病床あり） → 在支病
    "care_facility": "home_nursing",  # 介護事業所 → 訪問看護のサテライト
    "home_care_support": "home_nursing",
    "home_care_service": "home_nursing",
}


class FacilityNotFoundError(InputDataError):
    """A facility id given to a scenario edit is not in the register."""


@dataclass(frozen=True)
class FacilityRef:
    """What a scenario needs to know about one facility of the register."""

    id: int
    name: str
    category: str
    status: str
    lon: float | None
    lat: float | None
    muni_code: str | None
    beds: int | None


def facility_refs(project: Project, ids: Iterable[int]) -> dict[int, FacilityRef]:
    """Facilities by id (any status, with or without a position)."""
    want = sorted({int(i) for i in ids})
    out: dict[int, FacilityRef] = {}
    for start in range(0, len(want), 500):
        chunk = want[start : start + 500]
        marks = ",".join("?" for _ in chunk)
        for row in project.conn.execute(
            f"SELECT id, name, category, status, lon, lat, muni_code, beds FROM facilities WHERE id IN ({marks})",
            chunk,
        ):
            out[int(row[0])] = FacilityRef(
                int(row[0]),
                str(row[1]),
                str(row[2]),
                str(row[3]),
                None if row[4] is None else float(row[4]),
                None if row[5] is None else float(row[5]),
                row[6],
                None if row[7] is None else int(row[7]),
            )
    return out


def facility_ref(project: Project, facility_id: int) -> FacilityRef:
    """One facility by id (raises :class:`FacilityNotFoundError`)."""
    ref = facility_refs(project, [facility_id]).get(int(facility_id))
    if ref is None:
        raise FacilityNotFoundError(
            "no facility with this id",
            value=facility_id,
            hint="施設IDは施設一覧（または --json の出力）で確認してください。",
        )
    return ref


def check_category(category: str) -> str:
    """A facility category key (raises for unknown keys)."""
    if category not in CATEGORIES:
        raise InputDataError("unknown facility category", value=category, expected=", ".join(CATEGORIES))
    return category


def entry_of_facility(
    ref: FacilityRef, change: Change, members: tuple[str, ...]
) -> tuple[float, float, str] | None:
    """(lon, lat, category) of an existing facility in a coverage category under a change, or None."""
    if ref.status != "open" or change.closed:
        return None
    if ref.category in members:
        cat = ref.category
    elif change.gains in members:
        cat = str(change.gains)
    else:
        return None
    lon, lat = (change.lon, change.lat) if change.moved else (ref.lon, ref.lat)
    if lon is None or lat is None:
        return None
    return float(lon), float(lat), cat


def entry_of_site(site: Site, members: tuple[str, ...]) -> tuple[float, float, str] | None:
    """(lon, lat, category) of a hypothetical site in a coverage category, or None."""
    return (site.lon, site.lat, site.category) if site.category in members else None


def edited_facilities(project: Project, state: ScenarioState, category: str) -> pd.DataFrame:
    """Facilities of a coverage category (or combined key such as ``zaishi``) under a scenario.

    Columns ``id, name, category, muni_code, lon, lat, hypothetical``; hypothetical sites have
    ids ``-key``.
    """
    members = category_members(category)
    base = load_facilities(project, category)
    base["hypothetical"] = False
    touched = set(state.changes)
    rows: list[dict[str, object]] = []
    refs = facility_refs(project, touched)
    for fid in sorted(touched):
        ref = refs.get(fid)
        if ref is None:
            continue
        got = entry_of_facility(ref, state.change(fid), members)
        if got is not None:
            rows.append(
                {
                    "id": fid,
                    "name": ref.name,
                    "category": got[2],
                    "muni_code": ref.muni_code,
                    "lon": got[0],
                    "lat": got[1],
                    "hypothetical": False,
                }
            )
    for key in sorted(state.sites):
        site = state.sites[key]
        got = entry_of_site(site, members)
        if got is not None:
            rows.append(
                {
                    "id": site.engine_id,
                    "name": site.label,
                    "category": site.category,
                    "muni_code": site.muni_code,
                    "lon": site.lon,
                    "lat": site.lat,
                    "hypothetical": True,
                }
            )
    kept = base[~base["id"].isin(list(touched))]
    extra = pd.DataFrame(rows, columns=FACILITY_COLUMNS)
    out = pd.concat([kept[FACILITY_COLUMNS], extra], ignore_index=True) if rows else kept[FACILITY_COLUMNS]
    out = out.reset_index(drop=True)
    out["id"] = out["id"].astype(np.int64)
    out["lon"] = out["lon"].astype(float)
    out["lat"] = out["lat"].astype(float)
    out["hypothetical"] = out["hypothetical"].astype(bool)
    return out
