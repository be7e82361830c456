"""圏域 options: the :class:`Option` record and its create/read/update/delete functions.

An option is a named assignment of every unit (municipality, or 政令市 ward) of the study region to a
圏域 (``ken``), stored in ``options`` / ``option_kens`` / ``option_assignments`` / ``option_hubs``.
Every edit goes through :func:`zaitaku_map.options.history.perform` so it can be undone.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Required, TypedDict

from zaitaku_map.errors import InputDataError
from zaitaku_map.options import history
from zaitaku_map.options.inputs import load_units
from zaitaku_map.store import Project
from zaitaku_map.store.project import now_iso

# distinct fills that stay readable under black boundary lines and labels (tab20-like, light first)
PALETTE: tuple[str, ...] = (
    "#8dd3c7",
    "#fdb462",
    "#bebada",
    "#fb8072",
    "#80b1d3",
    "#b3de69",
    "#fccde5",
    "#ffed6f",
    "#bc80bd",
    "#ccebc5",
    "#d9d9d9",
    "#e5c494",
    "#a6cee3",
    "#b2df8a",
    "#fb9a99",
    "#fdbf6f",
    "#cab2d6",
    "#ffff99",
    "#66c2a5",
    "#fc8d62",
)


_HEX_COLOR = re.compile(r"#?([0-9a-f]{6}|[0-9a-f]{3})")


class OptionNotFoundError(InputDataError):
    """No option with this name exists in the project."""


class OptionInfo(TypedDict):
    """One row of :func:`list_options`."""

    id: int
    name: str
    template: str | None
    base_layer: str | None
    notes: str
    author: str
    plan_period: str
    created_at: str | None
    updated_at: str | None
    params: dict[str, Any]
    n_kens: int
    n_units: int
    can_undo: int
    can_redo: int


class AssignResult(TypedDict):
    option: str
    ken_key: str
    moved: list[str]  # units whose 圏域 changed
    changed: bool  # False: nothing changed, nothing recorded


class UnassignResult(TypedDict):
    option: str
    unassigned: list[str]
    changed: bool


class KenResult(TypedDict):
    """A 圏域 after :func:`set_ken` / :func:`rename_ken`."""

    option: str
    ken_key: str
    name: str
    color: str | None
    notes: str | None
    changed: bool


class DeletedKen(TypedDict):
    option: str
    deleted: str
    unassigned: list[str]


class OptionInfoEdit(TypedDict, total=False):
    option: Required[str]
    notes: str
    author: str
    plan_period: str


class RenamedOption(TypedDict):
    option: str
    old_name: str


class DuplicatedOption(TypedDict):
    option: str
    copied_from: str
    n_kens: int


class DeletedOption(TypedDict):
    deleted: str


class Undone(TypedDict):
    option: str  # the current name (an undone rename gives the old one back)
    undone: str | None  # what was undone; None: nothing to undo
    can_undo: int
    can_redo: int


class Redone(TypedDict):
    option: str
    redone: str | None
    can_undo: int
    can_redo: int


def normalize_color(value: str) -> str:
    """A 圏域 colour as ``#rrggbb`` (lower case) from ``#rrggbb``, ``#rgb`` (also without ``#`` or in
    full-width characters); anything else raises :class:`InputDataError` saying what is accepted."""
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    m = _HEX_COLOR.fullmatch(text)
    if m is None:
        raise InputDataError(
            "invalid 圏域 colour",
            column="color",
            value=value,
            expected="#rrggbb（例 #8dd3c7）または #rgb",
            hint="色は # に続く16進数6桁（例 #8dd3c7）で指定してください。",
        )
    digits = m.group(1)
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return f"#{digits}"


def stored_color(value: object) -> str | None:
    """A colour read from the project: normalised, or ``None`` when unreadable (a file written before
    colours were checked) so every view falls back to its own colour instead of failing."""
    if not isinstance(value, str):
        return None
    try:
        return normalize_color(value)
    except InputDataError:
        return None


class Ken(TypedDict):
    """One 圏域 of an option as stored (``Option.kens[key]``)."""

    name: str
    color: str | None  # ``#rrggbb``; None when the stored value is unreadable (each view picks its own)
    notes: str | None


def named_ken(name: str) -> Ken:
    """A new 圏域 with only a name (its colour is chosen when the option is written)."""
    return {"name": name, "color": None, "notes": None}


class Hub(TypedDict):
    """A 連携を担う拠点 of a 圏域: a facility of the lists or a body entered by name."""

    id: int | None
    ken_key: str
    facility_id: int | None
    name: str
    body_type: str | None


@dataclass
class Option:
    """One 圏域 option as stored in the project."""

    id: int
    name: str
    template: str | None
    base_layer: str | None
    notes: str = ""
    author: str = ""
    plan_period: str = ""
    created_at: str | None = None
    updated_at: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    kens: dict[str, Ken] = field(default_factory=dict)  # key -> its name, colour, notes
    assignments: dict[str, str] = field(default_factory=dict)  # unit code -> ken key
    hubs: list[Hub] = field(default_factory=list)

    def members(self) -> dict[str, list[str]]:
        """Ken key -> sorted unit codes (every ken present, possibly empty)."""
        out: dict[str, list[str]] = {k: [] for k in self.kens}
        for unit, ken in sorted(self.assignments.items()):
            out.setdefault(ken, []).append(unit)
        return out

    def resolve_ken(self, key_or_name: str) -> str:
        """The key itself when it is a 圏域 key, else the key of the one 圏域 with that name, else unchanged."""
        if key_or_name in self.kens:
            return key_or_name
        hits = [k for k, v in self.kens.items() if v["name"] == key_or_name]
        return hits[0] if len(hits) == 1 else key_or_name

    def existing_ken(self, key_or_name: str) -> str:
        """The key of an existing 圏域 (given by key or name); raises :class:`InputDataError` otherwise."""
        key = self.resolve_ken(key_or_name)
        if key not in self.kens:
            raise InputDataError(
                "unknown 圏域",
                value=key,
                expected=", ".join(self.kens),
                hint="`option PROJECT show NAME` で圏域を確認してください。",
            )
        return key

    def ken_name(self, key: str) -> str:
        """The display name of 圏域 ``key`` (the key itself when it has none or is not a 圏域 of this option)."""
        ken = self.kens.get(key)
        return (ken["name"] if ken else None) or key

    def ken_names(self) -> dict[str, str]:
        """圏域 key -> display name, in the option's order."""
        return {k: v["name"] or k for k, v in self.kens.items()}

    def unit_ken_names(self) -> dict[str, str]:
        """Unit code -> the display name of its 圏域 (e.g. coverage's ``groups=``)."""
        names = self.ken_names()
        return {u: names.get(k, k) for u, k in self.assignments.items()}

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["members"] = self.members()
        return d


def _row_to_option(row: tuple[Any, ...]) -> Option:
    return Option(
        id=int(row[0]),
        name=row[1],
        template=row[2],
        base_layer=row[3],
        notes=row[4] or "",
        author=row[5] or "",
        plan_period=row[6] or "",
        created_at=row[7],
        updated_at=row[8],
        params=json.loads(row[9]) if row[9] else {},
    )


_COLS = "id, name, template, base_layer, notes, author, plan_period, created_at, updated_at, params_json"


def option_id(project: Project, name: str) -> int:
    """Id of the option called ``name`` (raises :class:`OptionNotFoundError`)."""
    row = project.conn.execute("SELECT id FROM options WHERE name=?", (name,)).fetchone()
    if row is None:
        existing = [r[0] for r in project.conn.execute("SELECT name FROM options ORDER BY id")]
        raise OptionNotFoundError(
            f"no option named {name!r}",
            value=name,
            expected=", ".join(existing) or "(no options yet)",
            hint="`zaitaku-map option PROJECT list` で案の名前を確認してください。",
        )
    return int(row[0])


def get_option(project: Project, name: str) -> Option:
    """The option called ``name`` with its 圏域, assignments and hubs."""
    oid = option_id(project, name)
    opt = _row_to_option(project.conn.execute(f"SELECT {_COLS} FROM options WHERE id=?", (oid,)).fetchone())
    for key, kname, color, notes in project.conn.execute(
        "SELECT ken_key, name, color, notes FROM option_kens WHERE option_id=? ORDER BY rowid", (oid,)
    ):
        opt.kens[key] = {"name": kname, "color": stored_color(color), "notes": notes}
    opt.assignments = dict(
        project.conn.execute(
            "SELECT unit_code, ken_key FROM option_assignments WHERE option_id=? ORDER BY unit_code", (oid,)
        ).fetchall()
    )
    opt.hubs = [
        {"id": r[0], "ken_key": r[1], "facility_id": r[2], "name": r[3], "body_type": r[4]}
        for r in project.conn.execute(
            "SELECT id, ken_key, facility_id, name, body_type FROM option_hubs WHERE option_id=? ORDER BY id",
            (oid,),
        )
    ]
    return opt


def list_options(project: Project) -> list[OptionInfo]:
    """Every option: name, template, layer, notes, dates, number of 圏域 and assigned units."""
    out: list[OptionInfo] = []
    for row in project.conn.execute(f"SELECT {_COLS} FROM options ORDER BY id"):
        opt = _row_to_option(row)
        n_kens, n_units = project.conn.execute(
            "SELECT (SELECT count(*) FROM option_kens WHERE option_id=?), "
            "(SELECT count(*) FROM option_assignments WHERE option_id=?)",
            (opt.id, opt.id),
        ).fetchone()
        state = history.history_state(project, opt.id)
        out.append(
            {
                "id": opt.id,
                "name": opt.name,
                "template": opt.template,
                "base_layer": opt.base_layer,
                "notes": opt.notes,
                "author": opt.author,
                "plan_period": opt.plan_period,
                "created_at": opt.created_at,
                "updated_at": opt.updated_at,
                "params": opt.params,
                "n_kens": n_kens,
                "n_units": n_units,
                "can_undo": state["can_undo"],
                "can_redo": state["can_redo"],
            }
        )
    return out


def insert_option(
    project: Project,
    name: str,
    *,
    template: str,
    base_layer: str | None,
    kens: dict[str, Ken],
    assignments: dict[str, str],
    notes: str = "",
    author: str = "",
    plan_period: str = "",
    params: dict[str, Any] | None = None,
    hubs: Sequence[Hub] | None = None,
) -> int:
    """Write a complete new option in one transaction (used by templates and duplicate)."""
    name = (name or "").strip()
    if not name:
        raise InputDataError("option name is empty", hint="案の名前を入力してください。")
    if project.conn.execute("SELECT 1 FROM options WHERE name=?", (name,)).fetchone():
        raise InputDataError(
            f"an option named {name!r} already exists", value=name, hint="別の名前を付けてください。"
        )
    colors = [
        normalize_color(c) if (c := ken.get("color")) else PALETTE[i % len(PALETTE)]
        for i, ken in enumerate(kens.values())
    ]
    now = now_iso()
    with project.transaction():
        cur = project.conn.execute(
            "INSERT INTO options (name, template, base_layer, notes, author, plan_period, created_at, updated_at, "
            "params_json) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                name,
                template,
                base_layer,
                notes,
                author,
                plan_period,
                now,
                now,
                json.dumps(params or {}, ensure_ascii=False),
            ),
        )
        oid = int(cur.lastrowid or 0)
        for i, (key, ken) in enumerate(kens.items()):
            project.conn.execute(
                "INSERT INTO option_kens (option_id, ken_key, name, color, notes) VALUES (?,?,?,?,?)",
                (
                    oid,
                    key,
                    ken.get("name") or key,
                    colors[i],
                    ken.get("notes"),
                ),
            )
        project.conn.executemany(
            "INSERT INTO option_assignments (option_id, unit_code, ken_key) VALUES (?,?,?)",
            [(oid, u, k) for u, k in sorted(assignments.items())],
        )
        for hub in hubs or []:
            project.conn.execute(
                "INSERT INTO option_hubs (option_id, ken_key, facility_id, name, body_type) VALUES (?,?,?,?,?)",
                (oid, hub["ken_key"], hub.get("facility_id"), hub["name"], hub.get("body_type")),
            )
    return oid


def _next_color(opt: Option) -> str:
    used = {k["color"] for k in opt.kens.values()}
    for c in PALETTE:
        if c not in used:
            return c
    return PALETTE[len(opt.kens) % len(PALETTE)]


def assign(
    project: Project,
    name: str,
    unit_codes: list[str] | tuple[str, ...] | set[str] | str,
    ken_key: str,
    *,
    ken_name: str | None = None,
    color: str | None = None,
) -> AssignResult:
    """Move units into 圏域 ``ken_key`` (created, named ``ken_name`` or the key, when new).

    One undoable step.  Unknown unit codes raise :class:`InputDataError` before anything changes;
    a 政令市 code stands for all its wards.
    """
    if isinstance(unit_codes, str):
        unit_codes = [c for c in unit_codes.replace("、", ",").split(",") if c.strip()]
    ken_key = str(ken_key).strip()
    if not ken_key:
        raise InputDataError("empty 圏域 key", hint="圏域の名前（キー）を指定してください。")
    opt = get_option(project, name)
    ken_key = opt.resolve_ken(ken_key)
    color = None if color is None else normalize_color(color)
    codes = expand_units(project, unit_codes)
    new_kens: list[history.NewKen] = []
    if ken_key not in opt.kens:
        new_kens.append(
            {"key": ken_key, "name": ken_name or ken_key, "color": color or _next_color(opt), "notes": None}
        )
    changes: list[history.Change] = [
        (u, opt.assignments.get(u), ken_key) for u in codes if opt.assignments.get(u) != ken_key
    ]
    action: history.Action = {"op": "assign", "changes": changes, "new_kens": new_kens}
    if ken_key in opt.kens and (ken_name or color):
        old = opt.kens[ken_key]
        new: Ken = {**old}
        if ken_name:
            new["name"] = ken_name
        if color:
            new["color"] = color
        action = {
            "op": "batch",
            "label": None,
            "actions": [action, {"op": "ken", "key": ken_key, "old": old, "new": new}],
        }
    changed = history.perform(project, opt.id, action)
    return {"option": name, "ken_key": ken_key, "moved": [str(c[0]) for c in changes], "changed": changed}


def unassign(project: Project, name: str, unit_codes: list[str] | str) -> UnassignResult:
    """Remove units from their 圏域 (they become unassigned); one undoable step."""
    if isinstance(unit_codes, str):
        unit_codes = [c for c in unit_codes.split(",") if c.strip()]
    opt = get_option(project, name)
    codes = expand_units(project, unit_codes)
    changes: list[history.Change] = [(u, opt.assignments[u], None) for u in codes if u in opt.assignments]
    changed = history.perform(project, opt.id, {"op": "assign", "changes": changes, "new_kens": []})
    return {"option": name, "unassigned": [str(c[0]) for c in changes], "changed": changed}


def expand_units(project: Project, codes: list[str] | tuple[str, ...] | set[str]) -> list[str]:
    """Validate unit codes; a 政令市 code becomes its wards.  Raises on unknown codes."""
    units = load_units(project)
    wards: dict[str, list[str]] = {}
    for u in units.values():
        if u.parent_code:
            wards.setdefault(u.parent_code, []).append(u.code)
    out: list[str] = []
    bad: list[str] = []
    for raw in codes:
        c = str(raw).strip()
        if c.isdigit() and len(c) < 5:
            c = c.zfill(5)
        if c in units:
            out.append(c)
        elif c in wards:
            out.extend(wards[c])
        else:
            bad.append(c)
    if bad:
        raise InputDataError(
            "unknown municipality codes",
            value=", ".join(bad),
            column="unit_codes",
            expected="5桁の市区町村コード（政令市は区のコード）",
            hint="プロジェクトに読み込まれた市区町村のコードを指定してください。",
        )
    return list(dict.fromkeys(out))


def set_ken(
    project: Project,
    name: str,
    ken_key: str,
    *,
    new_name: str | None = None,
    color: str | None = None,
    notes: str | None = None,
) -> KenResult:
    """Change a 圏域's name, colour (``#rrggbb``, checked) or notes (creates it, empty, when new); one
    undoable step."""
    color = None if color is None else normalize_color(color)
    opt = get_option(project, name)
    ken_key = opt.resolve_ken(ken_key)
    old = opt.kens.get(ken_key)
    new: Ken = {**old} if old else {"name": ken_key, "color": _next_color(opt), "notes": None}
    if new_name is not None:
        new["name"] = new_name
    if color is not None:
        new["color"] = color
    if notes is not None:
        new["notes"] = notes
    changed = history.perform(project, opt.id, {"op": "ken", "key": ken_key, "old": old, "new": new})
    return {
        "option": name,
        "ken_key": ken_key,
        "name": new["name"],
        "color": new["color"],
        "notes": new["notes"],
        "changed": changed,
    }


def rename_ken(project: Project, name: str, ken_key: str, new_name: str) -> KenResult:
    """Give a 圏域 a new display name (its key stays)."""
    ken_key = get_option(project, name).existing_ken(ken_key)
    return set_ken(project, name, ken_key, new_name=new_name)


def delete_ken(project: Project, name: str, ken_key: str) -> DeletedKen:
    """Remove a 圏域; its units become unassigned and its hubs are removed (one undoable step)."""
    opt = get_option(project, name)
    ken_key = opt.existing_ken(ken_key)
    actions: list[history.Action] = []
    units = [u for u, k in opt.assignments.items() if k == ken_key]
    if units:
        actions.append({"op": "assign", "changes": [(u, ken_key, None) for u in units], "new_kens": []})
    for hub in opt.hubs:
        if hub["ken_key"] == ken_key:
            actions.append({"op": "hub", "old": hub, "new": None})
    actions.append({"op": "ken", "key": ken_key, "old": opt.kens[ken_key], "new": None})
    history.perform(project, opt.id, {"op": "batch", "label": None, "actions": actions})
    return {"option": name, "deleted": ken_key, "unassigned": units}


def set_option_info(
    project: Project,
    name: str,
    *,
    notes: str | None = None,
    author: str | None = None,
    plan_period: str | None = None,
) -> OptionInfoEdit:
    """Edit an option's notes / author / plan period (undoable)."""
    opt = get_option(project, name)
    new: dict[str, str | None] = {
        k: v for k, v in (("notes", notes), ("author", author), ("plan_period", plan_period)) if v is not None
    }
    action: history.MetaAction = {"op": "meta", "old": {k: getattr(opt, k) for k in new}, "new": new}
    history.perform(project, opt.id, action)
    out: OptionInfoEdit = {"option": name}
    if notes is not None:
        out["notes"] = notes
    if author is not None:
        out["author"] = author
    if plan_period is not None:
        out["plan_period"] = plan_period
    return out


def rename_option(project: Project, name: str, new_name: str) -> RenamedOption:
    """Rename an option (undoable: ``undo`` on the new name restores the old one)."""
    new_name = (new_name or "").strip()
    opt = get_option(project, name)
    if not new_name:
        raise InputDataError("option name is empty", hint="案の名前を入力してください。")
    if (
        new_name != name
        and project.conn.execute("SELECT 1 FROM options WHERE name=?", (new_name,)).fetchone()
    ):
        raise InputDataError(f"an option named {new_name!r} already exists", value=new_name)
    history.perform(project, opt.id, {"op": "meta", "old": {"name": name}, "new": {"name": new_name}})
    return {"option": new_name, "old_name": name}


def duplicate_option(
    project: Project, name: str, new_name: str, *, notes: str | None = None
) -> DuplicatedOption:
    """Copy an option (圏域, assignments, hubs) under a new name; the copy starts with an empty history."""
    opt = get_option(project, name)
    params = {**opt.params, "copied_from": name}
    insert_option(
        project,
        new_name,
        template=opt.template or "copy",
        base_layer=opt.base_layer,
        kens=opt.kens,
        assignments=opt.assignments,
        notes=opt.notes if notes is None else notes,
        author=opt.author,
        plan_period=opt.plan_period,
        params=params,
        hubs=opt.hubs,
    )
    return {"option": new_name, "copied_from": name, "n_kens": len(opt.kens)}


def delete_option(project: Project, name: str) -> DeletedOption:
    """Delete an option and everything that belongs to it (not undoable: duplicate first if unsure)."""
    oid = option_id(project, name)
    with project.transaction():
        for table in ("option_history", "option_hubs", "option_assignments", "option_kens"):
            project.conn.execute(f"DELETE FROM {table} WHERE option_id=?", (oid,))
        project.conn.execute("DELETE FROM options WHERE id=?", (oid,))
    return {"deleted": name}


def _step(project: Project, name: str, *, forward: bool) -> tuple[str, str | None, history.HistoryState]:
    """Undo (or redo) one edit: the option's current name, what was done (None: nothing) and the state."""
    oid = option_id(project, name)
    action = history.redo_next(project, oid) if forward else history.undo_last(project, oid)
    current = str(project.conn.execute("SELECT name FROM options WHERE id=?", (oid,)).fetchone()[0])
    return current, history.describe(action) if action else None, history.history_state(project, oid)


def undo(project: Project, name: str) -> Undone:
    """Undo the latest edit of the option (``{"undone": description | None}``).

    Undoing a rename is done under the option's *current* name.
    """
    current, done, state = _step(project, name, forward=False)
    return {"option": current, "undone": done, **state}


def redo(project: Project, name: str) -> Redone:
    """Redo the latest undone edit of the option (``{"redone": description | None}``)."""
    current, done, state = _step(project, name, forward=True)
    return {"option": current, "redone": done, **state}
