"""Meetings: what a committee did in meeting mode, the notes it drew on the map, and its live edits.

A **meeting** (table ``meetings``) is opened when meeting mode starts and closed when it ends.  Every
change is an **event** with its time (``meeting_events``): an option shown, a year chosen, a
municipality moved, an undo, an option saved, a note added or removed.  The record is the minutes'
raw material and is printed with the notes (「会議メモ」).

**Notes** (``meeting_notes``, a GeoPackage feature layer QGIS can open) are pen strokes and text
placed on an option's map.  They belong to the option (by id: they follow a rename and go when the
option is deleted) and remember the meeting they were drawn in.

**Live edits** never touch the option on the screen: the first edit copies it into a *working copy*
(「案A（会議 2026-12-03 作業中）」), the edits and their undo go through the options' own history,
and 「この状態を案として保存」 renames the copy to 「案A（会議 2026-12-03）」 — a new option named by
the meeting date.  A copy that was neither saved nor discarded (the application was closed) is found
again by :func:`open_working_copies`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from shapely.geometry import LineString, Point

from zaitaku_map.errors import InputDataError
from zaitaku_map.labels import MEETING_EVENTS, MEETING_TEXT
from zaitaku_map.options.model import (
    AssignResult,
    Undone,
    assign,
    delete_option,
    duplicate_option,
    get_option,
    option_id,
    rename_option,
    set_option_info,
    undo,
)
from zaitaku_map.store import Project
from zaitaku_map.store.gpkg import from_blob, to_blob, update_extent
from zaitaku_map.store.project import now_iso

NOTE_KINDS = ("pen", "text")
NOTE_COLOR = "#d81b60"
MAX_NOTE_POINTS = 5000  # a pen stroke of a few seconds has a few hundred
MAX_NOTE_TEXT = 500


@dataclass(frozen=True)
class Meeting:
    """One meeting held in meeting mode."""

    id: int
    title: str
    started_at: str
    ended_at: str | None = None

    @property
    def date(self) -> str:
        """The meeting's day (``YYYY-MM-DD``), used to name the options it saves."""
        return self.started_at[:10]


@dataclass(frozen=True)
class MeetingEvent:
    """One line of the meeting record."""

    id: int
    meeting_id: int
    at: str
    kind: str
    option: str | None
    detail: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        """The line in Japanese, as the record prints it (without the time)."""
        template = MEETING_EVENTS.get(self.kind, self.kind)
        try:
            return template.format(option=self.option or "", **self.detail)
        except (KeyError, IndexError, ValueError):
            return f"{template} {self.detail}"


@dataclass(frozen=True)
class MeetingNote:
    """A pen stroke or a text note on an option's map; ``coords`` are ``(lat, lon)`` pairs."""

    id: int
    option_id: int
    option: str
    meeting_id: int | None
    kind: str
    coords: list[tuple[float, float]]
    text: str
    color: str
    width: float
    created_at: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (what the map page draws)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "coords": [list(c) for c in self.coords],
            "text": self.text,
            "color": self.color,
            "width": self.width,
        }


@dataclass(frozen=True)
class WorkingCopy:
    """An option being edited in a meeting: its name and the option it was copied from."""

    meeting_id: int
    name: str
    base: str


# ---------------------------------------------------------------------------------------------- meetings


def _meeting(row: Sequence[Any]) -> Meeting:
    return Meeting(id=int(row[0]), title=str(row[1]), started_at=str(row[2]), ended_at=row[3])


def get_meeting(project: Project, meeting_id: int) -> Meeting:
    """The meeting with this id (raises :class:`InputDataError` when there is none)."""
    row = project.conn.execute(
        "SELECT id, title, started_at, ended_at FROM meetings WHERE id=?", (meeting_id,)
    ).fetchone()
    if row is None:
        raise InputDataError(f"no meeting with id {meeting_id}", value=meeting_id)
    return _meeting(row)


def list_meetings(project: Project) -> list[Meeting]:
    """Every meeting, oldest first."""
    rows = project.conn.execute("SELECT id, title, started_at, ended_at FROM meetings ORDER BY id")
    return [_meeting(r) for r in rows]


def start_meeting(project: Project, *, title: str | None = None, at: str | None = None) -> Meeting:
    """Open a meeting record (``title`` defaults to 「会議 YYYY-MM-DD」)."""
    at = at or now_iso()
    title = (title or "").strip() or MEETING_TEXT["default_title"].format(date=at[:10])
    with project.transaction():
        cur = project.conn.execute("INSERT INTO meetings (title, started_at) VALUES (?, ?)", (title, at))
        mid = int(cur.lastrowid or 0)
        _insert_event(project, mid, "started", None, {"title": title}, at)
    return get_meeting(project, mid)


def end_meeting(project: Project, meeting_id: int) -> Meeting:
    """Close the meeting record (idempotent)."""
    meeting = get_meeting(project, meeting_id)
    if meeting.ended_at is None:
        at = now_iso()
        with project.transaction():
            project.conn.execute("UPDATE meetings SET ended_at=? WHERE id=?", (at, meeting_id))
            _insert_event(project, meeting_id, "ended", None, {}, at)
    return get_meeting(project, meeting_id)


def _insert_event(
    project: Project, meeting_id: int, kind: str, option: str | None, detail: dict[str, Any], at: str
) -> int:
    cur = project.conn.execute(
        "INSERT INTO meeting_events (meeting_id, at, kind, option_name, detail_json) VALUES (?,?,?,?,?)",
        (meeting_id, at, kind, option, json.dumps(detail, ensure_ascii=False)),
    )
    return int(cur.lastrowid or 0)


def log_event(
    project: Project, meeting_id: int, kind: str, *, option: str | None = None, **detail: Any
) -> MeetingEvent:
    """Add a line to the meeting record (``kind`` one of :data:`zaitaku_map.labels.MEETING_EVENTS`)."""
    if kind not in MEETING_EVENTS:
        raise InputDataError(
            f"unknown meeting event {kind!r}", value=kind, expected=", ".join(MEETING_EVENTS)
        )
    get_meeting(project, meeting_id)
    with project.transaction():
        eid = _insert_event(project, meeting_id, kind, option, detail, now_iso())
    return meeting_events(project, meeting_id, since=eid - 1)[0]


def meeting_events(project: Project, meeting_id: int, *, since: int = 0) -> list[MeetingEvent]:
    """The record of a meeting in order (events with an id above ``since``)."""
    rows = project.conn.execute(
        "SELECT id, meeting_id, at, kind, option_name, detail_json FROM meeting_events "
        "WHERE meeting_id=? AND id>? ORDER BY id",
        (meeting_id, since),
    )
    return [
        MeetingEvent(
            id=int(r[0]), meeting_id=int(r[1]), at=r[2], kind=r[3], option=r[4], detail=json.loads(r[5])
        )
        for r in rows
    ]


# ---------------------------------------------------------------------------------------------- notes


def _check_coords(coords: Sequence[Sequence[float]], kind: str) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for c in coords:
        if len(c) != 2:
            raise InputDataError("a note point is not (lat, lon)", value=str(c)[:60])
        lat, lon = float(c[0]), float(c[1])
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
            raise InputDataError("a note point is not a latitude/longitude", value=f"{lat}, {lon}")
        out.append((lat, lon))
    need = 2 if kind == "pen" else 1
    if len(out) < need or len(out) > MAX_NOTE_POINTS:
        raise InputDataError(
            f"a {kind} note needs {need} to {MAX_NOTE_POINTS} points", value=len(out), column="coords"
        )
    return out if kind == "pen" else out[:1]


def add_note(
    project: Project,
    option: str,
    *,
    kind: str,
    coords: Sequence[Sequence[float]],
    text: str = "",
    color: str = NOTE_COLOR,
    width: float = 4.0,
    meeting_id: int | None = None,
) -> MeetingNote:
    """Keep a pen stroke (``kind="pen"``, two or more points) or a text note (one point) with ``option``.

    ``coords`` are ``(lat, lon)`` pairs.  In a meeting the note is logged in its record.

    Raises
    ------
    InputDataError
        For an unknown kind, points that are no latitude/longitude, an empty text note.
    """
    if kind not in NOTE_KINDS:
        raise InputDataError(f"unknown note kind {kind!r}", value=kind, expected=", ".join(NOTE_KINDS))
    pts = _check_coords(coords, kind)
    text = (text or "").strip()[:MAX_NOTE_TEXT]
    if kind == "text" and not text:
        raise InputDataError("a text note needs a text", hint="メモの文字を入力してください。")
    oid = option_id(project, option)
    geom = LineString([(lon, lat) for lat, lon in pts]) if kind == "pen" else Point(pts[0][1], pts[0][0])
    at = now_iso()
    with project.transaction():
        cur = project.conn.execute(
            "INSERT INTO meeting_notes (option_id, meeting_id, kind, text, color, width, created_at, geom) "
            "VALUES (?,?,?,?,?,?,?,?)",
            (oid, meeting_id, kind, text, color, float(width), at, to_blob(geom)),
        )
        nid = int(cur.lastrowid or 0)
        if meeting_id is not None:
            detail = {"note": nid, "kind": kind, "text": text, "what": _note_what(kind, text)}
            _insert_event(project, meeting_id, "note_added", option, detail, at)
        _update_notes_extent(project)
    return get_note(project, nid)


def _note_what(kind: str, text: str) -> str:
    return MEETING_TEXT["text_note"].format(text=text) if kind == "text" else MEETING_TEXT["pen_note"]


def _update_notes_extent(project: Project) -> None:
    geoms = [from_blob(b) for (b,) in project.conn.execute("SELECT geom FROM meeting_notes")]
    bounds = [g.bounds for g in geoms if g is not None and not g.is_empty]
    extent = (
        (
            min(b[0] for b in bounds),
            min(b[1] for b in bounds),
            max(b[2] for b in bounds),
            max(b[3] for b in bounds),
        )
        if bounds
        else None
    )
    update_extent(project.conn, "meeting_notes", extent)


def _note(row: Sequence[Any]) -> MeetingNote:
    geom = from_blob(row[9])
    coords = [(float(y), float(x)) for x, y, *_ in geom.coords] if geom is not None else []
    return MeetingNote(
        id=int(row[0]),
        option_id=int(row[1]),
        option=str(row[2]),
        meeting_id=row[3],
        kind=str(row[4]),
        coords=coords,
        text=str(row[5]),
        color=str(row[6]),
        width=float(row[7]),
        created_at=str(row[8]),
    )


_NOTE_SELECT = (
    "SELECT n.id, n.option_id, o.name, n.meeting_id, n.kind, n.text, n.color, n.width, n.created_at, n.geom "
    "FROM meeting_notes n JOIN options o ON o.id = n.option_id"
)


def get_note(project: Project, note_id: int) -> MeetingNote:
    """The note with this id (raises :class:`InputDataError` when there is none)."""
    row = project.conn.execute(f"{_NOTE_SELECT} WHERE n.id=?", (note_id,)).fetchone()
    if row is None:
        raise InputDataError(f"no note with id {note_id}", value=note_id)
    return _note(row)


def notes(project: Project, option: str) -> list[MeetingNote]:
    """The notes kept with ``option``, oldest first."""
    oid = option_id(project, option)
    return [
        _note(r) for r in project.conn.execute(f"{_NOTE_SELECT} WHERE n.option_id=? ORDER BY n.id", (oid,))
    ]


def remove_note(project: Project, note_id: int, *, meeting_id: int | None = None) -> MeetingNote:
    """Remove a note; in a meeting the removal (with the note's text) is logged in its record."""
    note = get_note(project, note_id)
    with project.transaction():
        project.conn.execute("DELETE FROM meeting_notes WHERE id=?", (note_id,))
        if meeting_id is not None:
            _insert_event(
                project,
                meeting_id,
                "note_removed",
                note.option,
                {
                    "note": note.id,
                    "kind": note.kind,
                    "text": note.text,
                    "what": _note_what(note.kind, note.text),
                },
                now_iso(),
            )
        _update_notes_extent(project)
    return note


# ---------------------------------------------------------------------------------------------- live edits


def _free_name(project: Project, name: str) -> str:
    taken = {r[0] for r in project.conn.execute("SELECT name FROM options")}
    if name not in taken:
        return name
    n = 2
    while f"{name} {n}" in taken:
        n += 1
    return f"{name} {n}"


def start_working_copy(project: Project, meeting_id: int, base: str) -> WorkingCopy:
    """Copy ``base`` into a working copy for the meeting's edits (the base option stays as it is)."""
    meeting = get_meeting(project, meeting_id)
    name = _free_name(project, MEETING_TEXT["working_name"].format(base=base, date=meeting.date))
    duplicate_option(project, base, name)
    log_event(project, meeting_id, "edit_started", option=name, base=base)
    return WorkingCopy(meeting_id=meeting_id, name=name, base=base)


def move_units(project: Project, copy: WorkingCopy, codes: Sequence[str], ken_key: str) -> AssignResult:
    """Move municipalities into 圏域 ``ken_key`` of the working copy (one undoable step, logged)."""
    before = get_option(project, copy.name)
    result = assign(project, copy.name, list(codes), ken_key)
    moved = list(result.get("moved") or [])
    if moved:
        names = _unit_names(project, moved)
        kens = before.ken_names()
        from_names = sorted(
            {kens.get(before.assignments.get(u, ""), MEETING_TEXT["unassigned"]) for u in moved}
        )
        log_event(
            project,
            copy.meeting_id,
            "moved",
            option=copy.name,
            codes=moved,
            names="・".join(names),
            from_kens="・".join(from_names),
            to_ken=before.ken_name(result["ken_key"]),
        )
    return result


def _unit_names(project: Project, codes: Sequence[str]) -> list[str]:
    marks = ",".join("?" * len(codes))
    found = dict(
        project.conn.execute(
            f"SELECT code, COALESCE(full_name, name, code) FROM municipalities WHERE code IN ({marks})",
            list(codes),
        ).fetchall()
    )
    return [str(found.get(c, c)) for c in codes]


def undo_edit(project: Project, copy: WorkingCopy) -> Undone:
    """Undo the latest edit of the working copy (logged when something was undone)."""
    result = undo(project, copy.name)
    if result.get("undone"):
        log_event(project, copy.meeting_id, "undone", option=copy.name, what=str(result["undone"]))
    return result


def save_working_copy(project: Project, copy: WorkingCopy, *, name: str | None = None) -> str:
    """「この状態を案として保存」: the working copy becomes the option 「<base>（会議 <date>）」 (or ``name``)."""
    meeting = get_meeting(project, copy.meeting_id)
    target = _free_name(
        project, (name or "").strip() or MEETING_TEXT["saved_name"].format(base=copy.base, date=meeting.date)
    )
    rename_option(project, copy.name, target)
    base_notes = get_option(project, target).notes
    note = MEETING_TEXT["saved_note"].format(base=copy.base, title=meeting.title)
    set_option_info(project, target, notes=f"{note}\n{base_notes}".strip() if base_notes else note)
    log_event(project, copy.meeting_id, "saved", option=target, base=copy.base, working=copy.name)
    return target


def discard_working_copy(project: Project, copy: WorkingCopy) -> None:
    """Drop the working copy (its notes go with it); logged."""
    delete_option(project, copy.name)
    log_event(project, copy.meeting_id, "discarded", option=copy.name, base=copy.base)


def open_working_copies(project: Project) -> list[WorkingCopy]:
    """Working copies started in a meeting and neither saved nor discarded (still present)."""
    rows = project.conn.execute(
        "SELECT meeting_id, option_name, detail_json, kind FROM meeting_events "
        "WHERE kind IN ('edit_started', 'saved', 'discarded') ORDER BY id"
    ).fetchall()
    open_: dict[str, WorkingCopy] = {}
    for mid, option, detail, kind in rows:
        if kind == "edit_started":
            open_[option] = WorkingCopy(
                meeting_id=int(mid), name=option, base=json.loads(detail).get("base", "")
            )
        else:
            open_.pop(json.loads(detail).get("working", option), None)
    existing = {r[0] for r in project.conn.execute("SELECT name FROM options")}
    return [c for c in open_.values() if c.name in existing]
