"""Named what-if scenarios stored in the project, with an undo/redo history.

Tables (:mod:`zaitaku_map.store.ddl_v2`): ``scenarios`` (name, category, notes), ``scenario_sites``
(hypothetical facilities — a GeoPackage layer of their own, never rows of ``facilities``),
``scenario_changes`` (existing facilities switched off, moved or taking on a category) and
``scenario_history`` (the reversible actions of :mod:`zaitaku_map.remedies.state`).  Every edit is
one transaction: the action is applied to the state, the touched rows rewritten and the action
appended to the log (dropping the redo tail).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from shapely.geometry import Point

from zaitaku_map.coverage.inputs import COMBINED, category_name
from zaitaku_map.errors import InputDataError
from zaitaku_map.labels import CATEGORIES, SCENARIO_ACTION_LABELS
from zaitaku_map.remedies.state import Action, Change, ScenarioState, Site, Touched, is_noop
from zaitaku_map.store import Project, gpkg
from zaitaku_map.store.project import now_iso


class ScenarioNotFoundError(InputDataError):
    """No scenario with this name exists in the project."""


@dataclass
class Scenario:
    """One stored scenario with its current state."""

    id: int
    name: str
    category: str
    notes: str = ""
    author: str = ""
    created_at: str | None = None
    updated_at: str | None = None
    state: ScenarioState = field(default_factory=ScenarioState)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "category": self.category,
            "category_name": category_name(self.category),
            "notes": self.notes,
            "author": self.author,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "sites": [s.to_dict() for s in sorted(self.state.sites.values(), key=lambda s: s.key)],
            "changes": [c.to_dict() for _k, c in sorted(self.state.changes.items())],
        }


@dataclass(frozen=True)
class ScenarioInfo:
    """A line of the scenario list."""

    id: int
    name: str
    category: str
    sites: int
    changes: int
    updated_at: str | None


def check_coverage_category(category: str) -> str:
    """A category coverage can be computed for (a facility category or a combined key such as zaishi)."""
    if category in COMBINED or category in CATEGORIES:
        return category
    raise InputDataError("unknown category", value=category, expected=", ".join([*COMBINED, *CATEGORIES]))


def scenario_id(project: Project, name: str) -> int:
    """Id of the scenario called ``name`` (raises :class:`ScenarioNotFoundError`)."""
    row = project.conn.execute("SELECT id FROM scenarios WHERE name=?", (name,)).fetchone()
    if row is None:
        existing = [r[0] for r in project.conn.execute("SELECT name FROM scenarios ORDER BY id")]
        raise ScenarioNotFoundError(
            f"no scenario named {name!r}",
            value=name,
            expected=", ".join(existing) or "(no scenarios yet)",
            hint="`zaitaku-map scenario PROJECT list` でシナリオの名前を確認してください。",
        )
    return int(row[0])


def create_scenario(
    project: Project, name: str, *, category: str = "zaishi", notes: str = "", author: str = ""
) -> Scenario:
    """Create an empty scenario (raises when the name is taken)."""
    name = name.strip()
    if not name:
        raise InputDataError("a scenario needs a name", hint="シナリオの名前を入力してください。")
    check_coverage_category(category)
    if project.conn.execute("SELECT 1 FROM scenarios WHERE name=?", (name,)).fetchone():
        raise InputDataError(
            "a scenario with this name exists", value=name, hint="別の名前を指定してください。"
        )
    now = now_iso()
    with project.transaction():
        project.conn.execute(
            "INSERT INTO scenarios (name, category, notes, author, created_at, updated_at) VALUES (?,?,?,?,?,?)",
            (name, category, notes, author, now, now),
        )
    return get_scenario(project, name)


def load_state(project: Project, sid: int) -> ScenarioState:
    """The sites and changes of scenario ``sid``."""
    state = ScenarioState()
    for row in project.conn.execute(
        "SELECT site_key, category, label, lon, lat, muni_code, origin, notes FROM scenario_sites "
        "WHERE scenario_id=? ORDER BY site_key",
        (sid,),
    ):
        state.sites[int(row[0])] = Site(
            int(row[0]), row[1], row[2], float(row[3]), float(row[4]), row[5], row[6] or "user", row[7] or ""
        )
    for row in project.conn.execute(
        "SELECT facility_id, closed, lon, lat, gains FROM scenario_changes WHERE scenario_id=? ORDER BY facility_id",
        (sid,),
    ):
        state.changes[int(row[0])] = Change.from_dict(
            {"facility_id": row[0], "closed": row[1], "lon": row[2], "lat": row[3], "gains": row[4]}
        )
    return state


def get_scenario(project: Project, name: str) -> Scenario:
    """The scenario called ``name`` with its state."""
    sid = scenario_id(project, name)
    row = project.conn.execute(
        "SELECT id, name, category, notes, author, created_at, updated_at FROM scenarios WHERE id=?", (sid,)
    ).fetchone()
    return Scenario(
        id=int(row[0]),
        name=row[1],
        category=row[2],
        notes=row[3] or "",
        author=row[4] or "",
        created_at=row[5],
        updated_at=row[6],
        state=load_state(project, sid),
    )


def list_scenarios(project: Project) -> list[ScenarioInfo]:
    rows = project.conn.execute(
        "SELECT s.id, s.name, s.category, s.updated_at, "
        "(SELECT count(*) FROM scenario_sites t WHERE t.scenario_id=s.id), "
        "(SELECT count(*) FROM scenario_changes c WHERE c.scenario_id=s.id) "
        "FROM scenarios s ORDER BY s.id"
    ).fetchall()
    return [ScenarioInfo(int(r[0]), r[1], r[2], int(r[4]), int(r[5]), r[3]) for r in rows]


def delete_scenario(project: Project, name: str) -> None:
    sid = scenario_id(project, name)
    with project.transaction():
        for table in ("scenario_history", "scenario_sites", "scenario_changes"):
            project.conn.execute(f"DELETE FROM {table} WHERE scenario_id=?", (sid,))
        project.conn.execute("DELETE FROM scenarios WHERE id=?", (sid,))


def rename_scenario(project: Project, name: str, new_name: str) -> None:
    sid = scenario_id(project, name)
    new_name = new_name.strip()
    if (
        not new_name
        or project.conn.execute("SELECT 1 FROM scenarios WHERE name=? AND id!=?", (new_name, sid)).fetchone()
    ):
        raise InputDataError(
            "the new name is empty or taken", value=new_name, hint="別の名前を指定してください。"
        )
    with project.transaction():
        project.conn.execute(
            "UPDATE scenarios SET name=?, updated_at=? WHERE id=?", (new_name, now_iso(), sid)
        )


# -- writing the state ---------------------------------------------------------------------------
def _write_site(project: Project, sid: int, key: int, site: Site | None) -> None:
    conn = project.conn
    conn.execute("DELETE FROM scenario_sites WHERE scenario_id=? AND site_key=?", (sid, key))
    if site is None:
        return
    conn.execute(
        "INSERT INTO scenario_sites (scenario_id, site_key, category, label, lon, lat, muni_code, origin, "
        "notes, geom) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (
            sid,
            key,
            site.category,
            site.label,
            site.lon,
            site.lat,
            site.muni_code,
            site.origin,
            site.notes,
            gpkg.to_blob(Point(site.lon, site.lat)),
        ),
    )


def _write_change(project: Project, sid: int, fid: int, ch: Change | None) -> None:
    conn = project.conn
    conn.execute("DELETE FROM scenario_changes WHERE scenario_id=? AND facility_id=?", (sid, fid))
    if ch is None:
        return
    conn.execute(
        "INSERT INTO scenario_changes (scenario_id, facility_id, closed, lon, lat, gains) VALUES (?,?,?,?,?,?)",
        (sid, fid, 1 if ch.closed else 0, ch.lon, ch.lat, ch.gains),
    )


def _write_touched(project: Project, sid: int, state: ScenarioState, touched: list[Touched]) -> None:
    for kind, key in dict.fromkeys(touched):
        if kind == "site":
            _write_site(project, sid, key, state.sites.get(key))
        else:
            _write_change(project, sid, key, state.changes.get(key))
    project.conn.execute("UPDATE scenarios SET updated_at=? WHERE id=?", (now_iso(), sid))


def _apply_stored(project: Project, sid: int, action: Action, *, forward: bool) -> None:
    state = load_state(project, sid)
    touched = state.apply(action, forward=forward)
    _write_touched(project, sid, state, touched)


def perform(project: Project, name: str, action: Action) -> bool:
    """Apply an action to a stored scenario and append it to its log (clears the redo tail).

    Returns False (and records nothing) when the action changes nothing.
    """
    if is_noop(action):
        return False
    sid = scenario_id(project, name)
    with project.transaction():
        _apply_stored(project, sid, action, forward=True)
        conn = project.conn
        conn.execute("DELETE FROM scenario_history WHERE scenario_id=? AND undone=1", (sid,))
        seq = conn.execute(
            "SELECT coalesce(max(seq), 0) + 1 FROM scenario_history WHERE scenario_id=?", (sid,)
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO scenario_history (scenario_id, seq, action_json, undone) VALUES (?,?,?,0)",
            (sid, seq, json.dumps(action, ensure_ascii=False)),
        )
    return True


def undo(project: Project, name: str) -> Action | None:
    """Undo the latest not-undone action; returns it, or None when there is nothing to undo."""
    sid = scenario_id(project, name)
    with project.transaction():
        row = project.conn.execute(
            "SELECT seq, action_json FROM scenario_history WHERE scenario_id=? AND undone=0 "
            "ORDER BY seq DESC LIMIT 1",
            (sid,),
        ).fetchone()
        if row is None:
            return None
        action: Action = json.loads(row[1])
        _apply_stored(project, sid, action, forward=False)
        project.conn.execute(
            "UPDATE scenario_history SET undone=1 WHERE scenario_id=? AND seq=?", (sid, row[0])
        )
    return action


def redo(project: Project, name: str) -> Action | None:
    """Redo the earliest undone action; returns it, or None when there is nothing to redo."""
    sid = scenario_id(project, name)
    with project.transaction():
        row = project.conn.execute(
            "SELECT seq, action_json FROM scenario_history WHERE scenario_id=? AND undone=1 "
            "ORDER BY seq ASC LIMIT 1",
            (sid,),
        ).fetchone()
        if row is None:
            return None
        action: Action = json.loads(row[1])
        _apply_stored(project, sid, action, forward=True)
        project.conn.execute(
            "UPDATE scenario_history SET undone=0 WHERE scenario_id=? AND seq=?", (sid, row[0])
        )
    return action


def history(project: Project, name: str) -> tuple[list[Action], list[Action]]:
    """(done, undone) actions of a scenario, oldest first."""
    sid = scenario_id(project, name)
    done: list[Action] = []
    undone: list[Action] = []
    for flag, text in project.conn.execute(
        "SELECT undone, action_json FROM scenario_history WHERE scenario_id=? ORDER BY seq", (sid,)
    ):
        (undone if flag else done).append(json.loads(text))
    return done, undone


def save_scenario(
    project: Project,
    name: str,
    state: ScenarioState,
    *,
    category: str,
    done: list[Action] | None = None,
    undone: list[Action] | None = None,
    notes: str = "",
    overwrite: bool = False,
) -> Scenario:
    """Store a state built elsewhere (the GUI's live edits) as scenario ``name`` in one transaction.

    ``done`` (oldest first) and ``undone`` (the next to redo first), as :func:`history` returns them,
    become its history, so undo keeps working after saving; an existing scenario of that name is
    replaced only with ``overwrite``.
    """
    check_coverage_category(category)
    exists = project.conn.execute("SELECT id FROM scenarios WHERE name=?", (name,)).fetchone()
    if exists and not overwrite:
        raise InputDataError(
            "a scenario with this name exists", value=name, hint="別の名前を指定してください。"
        )
    now = now_iso()
    with project.transaction():
        conn = project.conn
        if exists:
            sid = int(exists[0])
            for table in ("scenario_history", "scenario_sites", "scenario_changes"):
                conn.execute(f"DELETE FROM {table} WHERE scenario_id=?", (sid,))
            conn.execute(
                "UPDATE scenarios SET category=?, notes=?, updated_at=? WHERE id=?",
                (category, notes, now, sid),
            )
        else:
            cur = conn.execute(
                "INSERT INTO scenarios (name, category, notes, created_at, updated_at) VALUES (?,?,?,?,?)",
                (name.strip(), category, notes, now, now),
            )
            sid = int(cur.lastrowid or 0)
        for key, site in state.sites.items():
            _write_site(project, sid, key, site)
        for fid, ch in state.changes.items():
            _write_change(project, sid, fid, ch)
        log = [(a, 0) for a in (done or [])] + [(a, 1) for a in (undone or [])]
        conn.executemany(
            "INSERT INTO scenario_history (scenario_id, seq, action_json, undone) VALUES (?,?,?,?)",
            [(sid, i + 1, json.dumps(a, ensure_ascii=False), u) for i, (a, u) in enumerate(log)],
        )
    return get_scenario(project, name.strip())


def describe(action: Action) -> str:
    """Short Japanese description of an action (undo/redo messages and the GUI)."""
    L = SCENARIO_ACTION_LABELS
    op = action["op"]
    if op == "batch":
        return str(action.get("label") or L["batch"])
    old, new = action["old"], action["new"]
    if op == "site":
        if old is None:
            return L["site_add"].format(name=new["label"])
        if new is None:
            return L["site_remove"].format(name=old["label"])
        return L["site_move"].format(name=new["label"])
    name = action.get("name") or action["facility_id"]
    o = Change.from_dict(old) if old else Change(int(action["facility_id"]))
    n = Change.from_dict(new) if new else Change(int(action["facility_id"]))
    if n.closed != o.closed:
        return L["close" if n.closed else "reopen"].format(name=name)
    if n.gains != o.gains:
        if n.gains is None:
            return L["ungain"].format(name=name)
        return L["gain"].format(
            name=name, category=CATEGORIES[n.gains].short if n.gains in CATEGORIES else n.gains
        )
    return L["facility_move"].format(name=name)
