"""Undo/redo of every edit of an option: an edit log of reversible actions in ``option_history``.

Every edit is an *action* (a JSON dict) that holds both the old and the new state of what it
touches, so one function applies it forwards (do/redo) or backwards (undo):

``{"op": "assign", "changes": [[unit, old_ken|None, new_ken|None], ...], "new_kens": [ken, ...]}``
    move units between 圏域 (``None`` = unassigned); ``new_kens`` are created first / removed last.
``{"op": "ken", "key": k, "old": ken|None, "new": ken|None}``
    create (old None), delete (new None) or change name/colour/notes of a 圏域.
``{"op": "hub", "old": hub|None, "new": hub|None}``
    add / remove / edit a 連携拠点 (hub rows keep their id across undo/redo).
``{"op": "meta", "old": {...}, "new": {...}}``
    option name, notes, author, plan period.
``{"op": "facility", "facility_id": id, "field": "active_role"|"function", "function": n, "old": v, "new": v}``
    a facility-level role/function edit made in the context of this option (``function`` values:
    1/0 = user override, ``None`` = back to the default).
``{"op": "batch", "label": str, "actions": [...]}``
    several actions undone as one.

:func:`perform` applies an action and appends it to the log in one transaction (dropping the
redo tail, as every editor does); :func:`undo` / :func:`redo` walk the log.
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Literal, Required, TypedDict

from zaitaku_map.store import Project
from zaitaku_map.store.project import now_iso

if TYPE_CHECKING:  # model imports this module
    from zaitaku_map.options.model import Hub, Ken

# one unit moved: [unit, old 圏域 key | None, new 圏域 key | None] (a JSON array in the log)
Change = tuple[str, str | None, str | None]


class NewKen(TypedDict):
    """A 圏域 an ``assign`` creates (its key with the stored fields)."""

    key: str
    name: str
    color: str | None
    notes: str | None


class AssignAction(TypedDict):
    op: Literal["assign"]
    changes: list[Change]
    new_kens: list[NewKen]


class KenAction(TypedDict):
    op: Literal["ken"]
    key: str
    old: Ken | None
    new: Ken | None


class HubAction(TypedDict):
    op: Literal["hub"]
    old: Hub | None
    new: Hub | None


class MetaAction(TypedDict):
    op: Literal["meta"]
    old: dict[str, str | None]  # META_FIELDS -> value
    new: dict[str, str | None]


class FacilityAction(TypedDict, total=False):
    op: Required[Literal["facility"]]
    facility_id: Required[int]
    name: Required[str]
    field: Required[Literal["active_role", "function"]]
    function: int  # with field "function": 1–4
    old: Required[bool | None]
    new: Required[bool | None]


class BatchAction(TypedDict):
    op: Literal["batch"]
    label: str | None
    actions: list[Action]


Action = AssignAction | KenAction | HubAction | MetaAction | FacilityAction | BatchAction

META_FIELDS = ("name", "notes", "author", "plan_period")


def _set_ken(conn: sqlite3.Connection, oid: int, key: str, state: Ken | NewKen | None) -> None:
    if state is None:
        conn.execute("DELETE FROM option_kens WHERE option_id=? AND ken_key=?", (oid, key))
    else:
        conn.execute(
            "INSERT OR REPLACE INTO option_kens (option_id, ken_key, name, color, notes) VALUES (?,?,?,?,?)",
            (oid, key, state.get("name") or key, state.get("color"), state.get("notes")),
        )


def _set_unit(conn: sqlite3.Connection, oid: int, unit: str, ken: str | None) -> None:
    if ken is None:
        conn.execute("DELETE FROM option_assignments WHERE option_id=? AND unit_code=?", (oid, unit))
    else:
        conn.execute(
            "INSERT OR REPLACE INTO option_assignments (option_id, unit_code, ken_key) VALUES (?,?,?)",
            (oid, unit, ken),
        )


def _set_hub(conn: sqlite3.Connection, oid: int, old: Hub | None, new: Hub | None) -> None:
    if new is None:
        if old is not None:
            conn.execute("DELETE FROM option_hubs WHERE id=? AND option_id=?", (old["id"], oid))
        return
    conn.execute(
        "INSERT OR REPLACE INTO option_hubs (id, option_id, ken_key, facility_id, name, body_type) "
        "VALUES (?,?,?,?,?,?)",
        (new["id"], oid, new["ken_key"], new.get("facility_id"), new["name"], new.get("body_type")),
    )


def _set_meta(conn: sqlite3.Connection, oid: int, state: dict[str, str | None]) -> None:
    for field, value in state.items():
        if field not in META_FIELDS:
            continue
        conn.execute(f"UPDATE options SET {field}=? WHERE id=?", (value, oid))


def _set_facility(conn: sqlite3.Connection, action: FacilityAction, value: bool | None) -> None:
    fid = int(action["facility_id"])
    if action["field"] == "active_role":
        conn.execute(
            "UPDATE facilities SET active_role=?, updated_at=? WHERE id=?",
            (1 if value else 0, now_iso(), fid),
        )
        return
    fn = int(action["function"])
    if value is None:
        conn.execute(
            "DELETE FROM facility_functions WHERE facility_id=? AND function=? AND origin='user'", (fid, fn)
        )
    else:
        conn.execute(
            "INSERT OR REPLACE INTO facility_functions (facility_id, function, value, origin) VALUES (?,?,?,'user')",
            (fid, fn, 1 if value else 0),
        )


def apply_facility(conn: sqlite3.Connection, action: FacilityAction, *, forward: bool = True) -> None:
    """Apply a ``facility`` action without touching any option (no log entry)."""
    _set_facility(conn, action, action["new"] if forward else action["old"])


def apply(conn: sqlite3.Connection, oid: int, action: Action, *, forward: bool = True) -> None:
    """Apply ``action`` to option ``oid`` forwards (do/redo) or backwards (undo)."""
    if action["op"] == "assign":
        if forward:
            for ken in action.get("new_kens", []):
                _set_ken(conn, oid, ken["key"], ken)
            for unit, _old, new in action["changes"]:
                _set_unit(conn, oid, unit, new)
        else:
            for unit, old, _new in action["changes"]:
                _set_unit(conn, oid, unit, old)
            for ken in action.get("new_kens", []):
                _set_ken(conn, oid, ken["key"], None)
    elif action["op"] == "ken":
        _set_ken(conn, oid, action["key"], action["new"] if forward else action["old"])
    elif action["op"] == "hub":
        if forward:
            _set_hub(conn, oid, action["old"], action["new"])
        else:
            _set_hub(conn, oid, action["new"], action["old"])
    elif action["op"] == "meta":
        _set_meta(conn, oid, action["new"] if forward else action["old"])
    elif action["op"] == "facility":
        _set_facility(conn, action, action["new"] if forward else action["old"])
    elif action["op"] == "batch":
        seq = action["actions"] if forward else list(reversed(action["actions"]))
        for sub in seq:
            apply(conn, oid, sub, forward=forward)
    else:  # pragma: no cover - only this module writes actions
        raise ValueError(f"unknown option action {action['op']!r}")
    conn.execute("UPDATE options SET updated_at=? WHERE id=?", (now_iso(), oid))


def is_noop(action: Action) -> bool:
    """True when applying the action would change nothing."""
    if action["op"] == "assign":
        return not action.get("new_kens") and all(old == new for _u, old, new in action["changes"])
    if action["op"] == "batch":
        return all(is_noop(a) for a in action["actions"])
    return bool(action["old"] == action["new"])


def perform(project: Project, oid: int, action: Action) -> bool:
    """Apply an action and append it to the option's edit log (clears the redo tail).

    Returns False (and records nothing) when the action changes nothing.
    """
    if is_noop(action):
        return False
    with project.transaction():
        conn = project.conn
        apply(conn, oid, action, forward=True)
        conn.execute("DELETE FROM option_history WHERE option_id=? AND undone=1", (oid,))
        seq = conn.execute(
            "SELECT coalesce(max(seq), 0) + 1 FROM option_history WHERE option_id=?", (oid,)
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO option_history (option_id, seq, action_json, undone) VALUES (?,?,?,0)",
            (oid, seq, json.dumps(action, ensure_ascii=False)),
        )
    return True


def undo_last(project: Project, oid: int) -> Action | None:
    """Undo the latest not-undone action; returns it, or None when there is nothing to undo."""
    with project.transaction():
        row = project.conn.execute(
            "SELECT seq, action_json FROM option_history WHERE option_id=? AND undone=0 ORDER BY seq DESC LIMIT 1",
            (oid,),
        ).fetchone()
        if row is None:
            return None
        action: Action = json.loads(row[1])
        apply(project.conn, oid, action, forward=False)
        project.conn.execute("UPDATE option_history SET undone=1 WHERE option_id=? AND seq=?", (oid, row[0]))
    return action


def redo_next(project: Project, oid: int) -> Action | None:
    """Redo the earliest undone action; returns it, or None when there is nothing to redo."""
    with project.transaction():
        row = project.conn.execute(
            "SELECT seq, action_json FROM option_history WHERE option_id=? AND undone=1 ORDER BY seq ASC LIMIT 1",
            (oid,),
        ).fetchone()
        if row is None:
            return None
        action: Action = json.loads(row[1])
        apply(project.conn, oid, action, forward=True)
        project.conn.execute("UPDATE option_history SET undone=0 WHERE option_id=? AND seq=?", (oid, row[0]))
    return action


class HistoryState(TypedDict):
    can_undo: int  # steps that can be undone
    can_redo: int


def history_state(project: Project, oid: int) -> HistoryState:
    """How many steps can be undone / redone."""
    row = project.conn.execute(
        "SELECT sum(undone=0), sum(undone=1) FROM option_history WHERE option_id=?", (oid,)
    ).fetchone()
    return {"can_undo": int(row[0] or 0), "can_redo": int(row[1] or 0)}


def describe(action: Action) -> str:
    """Short Japanese description of an action (for undo/redo messages and the GUI)."""
    from zaitaku_map.labels import OPTION_ACTION_LABELS as L

    if action["op"] == "assign":
        n = sum(1 for _u, old, new in action["changes"] if old != new)
        return L["assign"].format(n=n)
    if action["op"] == "ken":
        return _describe_change("ken", action["old"], action["new"])
    if action["op"] == "hub":
        return _describe_change("hub", action["old"], action["new"])
    if action["op"] == "meta":
        return L["meta"]
    if action["op"] == "facility":
        return L["facility_role" if action["field"] == "active_role" else "facility_function"].format(
            name=action.get("name") or action["facility_id"]
        )
    return str(action.get("label") or L["batch"])


def _describe_change(kind: Literal["ken", "hub"], old: Ken | Hub | None, new: Ken | Hub | None) -> str:
    """「圏域「X」を追加」 etc.: added (no old), removed (no new) or edited."""
    from zaitaku_map.labels import OPTION_ACTION_LABELS as L

    if old is None:
        return L[f"{kind}_add"].format(name=new.get("name") if new else None)
    if new is None:
        return L[f"{kind}_remove"].format(name=old.get("name"))
    return L[f"{kind}_edit"].format(name=new.get("name"))
