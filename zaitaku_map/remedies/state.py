"""The state of a what-if scenario and the reversible actions that edit it (pure, no store access).

A scenario holds two kinds of edits over the facility register, never written into it:

- **sites**: hypothetical facilities (position, category, label), keyed by a ``key`` that stays the
  same across undo/redo;
- **changes** of existing facilities, one per facility: switched off (``closed``), moved
  (``lon``/``lat``), or taking on a category (``gains``: a 診療所 that registers as 在支診, a hospital
  that becomes 在支病, a care office that opens a 訪問看護 satellite).

Every edit is an *action* (a JSON dict) that holds both the old and the new state of what it touches,
so one function applies it forwards (do/redo) or backwards (undo), as the options' history does:

``{"op": "site", "key": k, "old": site|None, "new": site|None}``
    add (old None), remove (new None), move or relabel a hypothetical facility.
``{"op": "change", "facility_id": id, "name": str, "old": change|None, "new": change|None}``
    close / reopen / move / gain of an existing facility (None = as in the register).
``{"op": "batch", "label": str, "actions": [...]}``
    several actions undone as one (e.g. the sites of a suggestion).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

Action = dict[str, Any]


@dataclass(frozen=True)
class Site:
    """A hypothetical facility of a scenario (never a row of the facility register)."""

    key: int
    category: str
    label: str
    lon: float
    lat: float
    muni_code: str | None = None
    origin: str = "user"  # user | suggestion | file
    notes: str = ""

    @property
    def engine_id(self) -> int:
        """The id coverage uses for it: negative, so it can never collide with a facility id."""
        return -int(self.key)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Site:
        return cls(
            key=int(d["key"]),
            category=str(d["category"]),
            label=str(d["label"]),
            lon=float(d["lon"]),
            lat=float(d["lat"]),
            muni_code=d.get("muni_code"),
            origin=str(d.get("origin") or "user"),
            notes=str(d.get("notes") or ""),
        )


@dataclass(frozen=True)
class Change:
    """How a scenario changes one existing facility."""

    facility_id: int
    closed: bool = False
    lon: float | None = None
    lat: float | None = None
    gains: str | None = None

    @property
    def moved(self) -> bool:
        return self.lon is not None and self.lat is not None

    @property
    def empty(self) -> bool:
        return not self.closed and not self.moved and self.gains is None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Change:
        lon, lat = d.get("lon"), d.get("lat")
        return cls(
            facility_id=int(d["facility_id"]),
            closed=bool(d.get("closed")),
            lon=None if lon is None else float(lon),
            lat=None if lat is None else float(lat),
            gains=d.get("gains") or None,
        )


# an entity an action touched: ("site", key) or ("facility", facility id)
Touched = tuple[str, int]


@dataclass
class ScenarioState:
    """Sites and changes of one scenario, edited only through :meth:`apply`."""

    sites: dict[int, Site] = field(default_factory=dict)
    changes: dict[int, Change] = field(default_factory=dict)

    def copy(self) -> ScenarioState:
        return ScenarioState(dict(self.sites), dict(self.changes))

    def next_key(self) -> int:
        return max(self.sites, default=0) + 1

    def change(self, facility_id: int) -> Change:
        """The change of a facility (an empty one when the scenario leaves it as registered)."""
        return self.changes.get(int(facility_id)) or Change(int(facility_id))

    @property
    def empty(self) -> bool:
        return not self.sites and not self.changes

    def apply(self, action: Action, *, forward: bool = True) -> list[Touched]:
        """Apply ``action`` forwards (do/redo) or backwards (undo); returns what it touched."""
        op = action["op"]
        if op == "batch":
            seq = action["actions"] if forward else list(reversed(action["actions"]))
            touched: list[Touched] = []
            for sub in seq:
                touched.extend(self.apply(sub, forward=forward))
            return touched
        target = action["new"] if forward else action["old"]
        if op == "site":
            key = int(action["key"])
            if target is None:
                self.sites.pop(key, None)
            else:
                self.sites[key] = Site.from_dict(target)
            return [("site", key)]
        if op == "change":
            fid = int(action["facility_id"])
            ch = None if target is None else Change.from_dict(target)
            if ch is None or ch.empty:
                self.changes.pop(fid, None)
            else:
                self.changes[fid] = ch
            return [("facility", fid)]
        raise ValueError(f"unknown scenario action {op!r}")  # only this package writes actions


def is_noop(action: Action) -> bool:
    """True when applying the action would change nothing."""
    if action["op"] == "batch":
        return all(is_noop(a) for a in action["actions"])
    return bool(action["old"] == action["new"])


# -- action builders (validation of positions and facilities happens in the callers) ---------------
def site_action(old: Site | None, new: Site | None) -> Action:
    if old is None and new is None:
        raise ValueError("a site action needs an old or a new site")
    key = (new or old).key  # type: ignore[union-attr]
    return {
        "op": "site",
        "key": key,
        "old": None if old is None else old.to_dict(),
        "new": None if new is None else new.to_dict(),
    }


def change_action(state: ScenarioState, new: Change, *, name: str = "") -> Action:
    """Action turning the facility's current change into ``new`` (an empty change = back to the register)."""
    old = state.changes.get(new.facility_id)
    return {
        "op": "change",
        "facility_id": new.facility_id,
        "name": name,
        "old": None if old is None else old.to_dict(),
        "new": None if new.empty else new.to_dict(),
    }


def moved_site(site: Site, lon: float, lat: float, muni_code: str | None) -> Site:
    return replace(site, lon=float(lon), lat=float(lat), muni_code=muni_code)


def batch(actions: list[Action], label: str) -> Action:
    return {"op": "batch", "label": label, "actions": actions}
