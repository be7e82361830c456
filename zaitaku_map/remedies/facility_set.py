"""A scenario as the evaluation sees it: the register's :class:`~zaitaku_map.coverage.FacilitySet`
with the scenario's edits, so 「案A＋シナリオ1」 is evaluated and compared like an option.

- a facility switched off → removed;
- moved → its scenario position;
- taking on a category → a 診療所 is re-categorised (the register lists a 在支診 as its own row); a
  hospital that becomes 在支病 or a care office that opens a 訪問看護 satellite keeps its row and gets
  a copy in the new category (the register lists such a facility twice);
- a hypothetical site → a hypothetical facility (``hypothetical`` True, an id the register never
  uses), never written to the register.
"""

from __future__ import annotations

from zaitaku_map.coverage.facilities import HYPOTHETICAL_ID_BASE, Facility, FacilitySet
from zaitaku_map.remedies.scenarios import get_scenario
from zaitaku_map.remedies.state import ScenarioState
from zaitaku_map.store import Project

RECATEGORISED = {"clinic"}  # kinds whose row changes category when it takes on a role (others get a copy)


def facility_set(
    project: Project, state: ScenarioState, *, label: str, base: FacilitySet | None = None
) -> FacilitySet:
    """The register's open facilities with the edits of ``state`` (see the module notes)."""
    reg = FacilitySet.from_project(project) if base is None else base  # (an empty set is falsy)
    remove: list[int] = []
    recat: dict[int, str] = {}
    move: dict[int, tuple[float, float]] = {}
    add: list[Facility] = []
    next_id = max([f.id for f in reg if f.id >= HYPOTHETICAL_ID_BASE], default=HYPOTHETICAL_ID_BASE - 1) + 1
    for fid, ch in sorted(state.changes.items()):
        f = reg.get(fid)
        if f is None:  # closed in the register since the scenario was made
            continue
        if ch.closed:
            remove.append(fid)
            continue
        if ch.moved and ch.lon is not None and ch.lat is not None:
            move[fid] = (ch.lon, ch.lat)
        if ch.gains and ch.gains != f.category:
            if f.category in RECATEGORISED:
                recat[fid] = ch.gains
            else:
                lon, lat = move.get(fid, (f.lon, f.lat))
                if lon is None or lat is None:  # a role without a place cannot be counted or reached
                    continue
                add.append(f._replace(id=next_id, category=ch.gains, lon=lon, lat=lat, active_role=False))
                next_id += 1
    for key in sorted(state.sites):
        s = state.sites[key]
        add.append(
            Facility(
                id=next_id,
                category=s.category,
                name=s.label,
                muni_code=s.muni_code,
                lon=s.lon,
                lat=s.lat,
                hypothetical=True,
            )
        )
        next_id += 1
    return reg.edited(label=label, remove=remove, recategorise=recat, move=move, add=add)


def scenario_facility_set(project: Project, name: str) -> FacilitySet:
    """The facility set of the stored scenario ``name`` (labelled with its name)."""
    sc = get_scenario(project, name)
    return facility_set(project, sc.state, label=sc.name)
