"""The two roles and the four functions.

Roles
    - 積極的役割を担う医療機関: ``facilities.active_role`` (a property of the facility, shared by all
      options) — :func:`set_active_role`.
    - 連携を担う拠点: per option and 圏域 in ``option_hubs`` — a facility from the lists or a body
      that is not in them (市町村, 保健所, 郡市区医師会, 在宅医療・介護連携支援センター …) entered by
      name — :func:`add_hub` / :func:`remove_hub` (undoable edits of the option).
Functions ①退院支援 ②日常の療養支援 ③急変時の対応 ④看取り
    Defaults follow the kind and designation of the facility (:func:`default_functions`):

    ======================================  =================
    在支病 (category or designation)          ① ② ③ ④
    在支診 (category or designation)          ② ③ ④
    病院 / 有床診療所 (beds > 0)               ① ③ (temporary admission)
    在宅療養後方支援病院 (designation)          ① ③
    訪問看護ステーション                        ② ③ ④
    薬局, 歯科診療所, 在宅介護サービス           ②
    介護施設 (特養・老健・介護医療院・特定施設)   ④ (not 認知症グループホーム)
    地域包括支援センター, 居宅介護支援           none (連携 partners, not function carriers)
    ======================================  =================

    A user value stored in ``facility_functions`` with origin ``user`` (1 = provides, 0 = does not)
    always wins over the default; :func:`clear_function` returns to the default.  Rows with origin
    ``default`` written by other tools are treated as defaults.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypedDict

from zaitaku_map.coverage import Facility, FacilitySet
from zaitaku_map.errors import InputDataError
from zaitaku_map.labels import FUNCTIONS
from zaitaku_map.options import history, inputs
from zaitaku_map.options.model import Hub, get_option
from zaitaku_map.store import Project

CATEGORY_DEFAULTS: dict[str, frozenset[int]] = {
    "zaishi_hospital": frozenset({1, 2, 3, 4}),
    "zaishi_clinic": frozenset({2, 3, 4}),
    "home_nursing": frozenset({2, 3, 4}),
    "pharmacy": frozenset({2}),
    "dental": frozenset({2}),
    "home_care_service": frozenset({2}),
    "care_facility": frozenset({4}),
    "houkatsu": frozenset(),
    "home_care_support": frozenset(),
}
DESIGNATION_DEFAULTS: dict[str, frozenset[int]] = {
    "zaishi_hospital": frozenset({1, 2, 3, 4}),
    "zaishi_clinic": frozenset({2, 3, 4}),
    "back_support_hospital": frozenset({1, 3}),
}
_NO_MITORI_SUBTYPES = ("認知症", "グループホーム")


class RoleResult(TypedDict):
    facility_id: int
    name: str
    category: str
    active_role: bool


class RemovedHubs(TypedDict):
    removed: list[Hub]


class FunctionResult(TypedDict):
    facility_id: int
    name: str
    function: int
    label: str
    value: bool | None  # None: back to the default
    functions: list[int]  # the functions the facility now carries


class FunctionOverride(TypedDict):
    facility_id: int
    name: str
    function: int
    label: str | None
    value: bool


def default_functions(
    category: str,
    *,
    subtype: str | None = None,
    beds: int | None = None,
    designations: set[str] | None = None,
) -> set[int]:
    """Default function numbers of a facility (see module doc)."""
    out = set(CATEGORY_DEFAULTS.get(category, frozenset()))
    if category == "care_facility" and subtype and any(s in subtype for s in _NO_MITORI_SUBTYPES):
        out.discard(4)
    if category == "hospital":
        out |= {1, 3}
    elif category == "clinic" and (beds or 0) > 0:
        out |= {3}
    for kind in designations or ():
        out |= DESIGNATION_DEFAULTS.get(kind, frozenset())
    return out


def _check_facility(project: Project, facility_id: int) -> tuple[int, str, str]:
    """(id, name, category) of a facility of the register; raises for an unknown id."""
    row = project.conn.execute(
        "SELECT id, name, category FROM facilities WHERE id=?", (int(facility_id),)
    ).fetchone()
    if row is None:
        raise InputDataError(
            "unknown facility id",
            value=facility_id,
            column="facility_id",
            hint="施設一覧で施設IDを確認してください。",
        )
    return int(row[0]), str(row[1]), str(row[2])


def set_active_role(
    project: Project, facility_id: int, value: bool = True, *, option: str | None = None
) -> RoleResult:
    """Mark (or unmark) a facility as 在宅医療において積極的役割を担う医療機関.

    With ``option`` the change is recorded in that option's edit log, so ``undo(project, option)``
    reverts it (the mark itself is a property of the facility, shared by all options).
    """
    fid, name, category = _check_facility(project, facility_id)
    old = bool(project.conn.execute("SELECT active_role FROM facilities WHERE id=?", (fid,)).fetchone()[0])
    action: history.FacilityAction = {
        "op": "facility",
        "facility_id": fid,
        "name": name,
        "field": "active_role",
        "old": old,
        "new": bool(value),
    }
    if option is not None:
        history.perform(project, get_option(project, option).id, action)
    else:
        with project.transaction():
            history.apply_facility(project.conn, action, forward=True)
    return {"facility_id": fid, "name": name, "category": category, "active_role": bool(value)}


def add_hub(
    project: Project,
    option: str,
    ken_key: str,
    *,
    facility_id: int | None = None,
    name: str | None = None,
    body_type: str | None = None,
) -> Hub:
    """Record a 連携を担う拠点 for a 圏域: a facility (``facility_id``) or a named body (``name``).

    One undoable edit of the option.  Returns the hub row.
    """
    opt = get_option(project, option)
    ken_key = opt.existing_ken(ken_key)
    if facility_id is not None:
        _fid, fname, _category = _check_facility(project, facility_id)
        name = name or fname
        body_type = body_type or "facility"
    elif not (name or "").strip():
        raise InputDataError(
            "hub needs a facility id or a name",
            hint="施設IDか、拠点の名称（例: ○○市医師会）を指定してください。",
        )
    next_id = project.conn.execute("SELECT coalesce(max(id), 0) + 1 FROM option_hubs").fetchone()[0]
    hub: Hub = {
        "id": int(next_id),
        "ken_key": ken_key,
        "facility_id": facility_id,
        "name": str(name).strip(),
        "body_type": body_type,
    }
    history.perform(project, opt.id, {"op": "hub", "old": None, "new": hub})
    return hub


def remove_hub(
    project: Project,
    option: str,
    ken_key: str | None = None,
    *,
    hub_id: int | None = None,
    name: str | None = None,
    facility_id: int | None = None,
) -> RemovedHubs:
    """Remove hubs matching ``hub_id`` / ``name`` / ``facility_id`` (within ``ken_key`` if given)."""
    opt = get_option(project, option)
    if ken_key is not None:
        ken_key = opt.resolve_ken(ken_key)
    hits = [
        h
        for h in opt.hubs
        if (ken_key is None or h["ken_key"] == ken_key)
        and (hub_id is None or h["id"] == hub_id)
        and (name is None or h["name"] == name)
        and (facility_id is None or h["facility_id"] == facility_id)
    ]
    if not hits:
        raise InputDataError(
            "no such hub",
            value=hub_id or name or facility_id,
            expected=", ".join(h["name"] for h in opt.hubs),
        )
    actions: list[history.Action] = [{"op": "hub", "old": h, "new": None} for h in hits]
    batch: history.Action = {"op": "batch", "label": None, "actions": actions}
    history.perform(project, opt.id, actions[0] if len(actions) == 1 else batch)
    return {"removed": hits}


def set_function(
    project: Project, facility_id: int, function: int, value: bool | None, *, option: str | None = None
) -> FunctionResult:
    """User override of one function tag (``value`` True/False); ``None`` returns to the default.

    With ``option`` the change is recorded in that option's edit log (undoable there).
    """
    fid, name, _cat = _check_facility(project, facility_id)
    f = int(function) if str(function).isdigit() else -1
    if f not in FUNCTIONS:
        raise InputDataError(
            "function must be 1-4",
            value=function,
            expected="1 退院支援, 2 日常の療養支援, 3 急変時の対応, 4 看取り",
        )
    row = project.conn.execute(
        "SELECT value FROM facility_functions WHERE facility_id=? AND function=? AND origin='user'", (fid, f)
    ).fetchone()
    old = None if row is None else bool(row[0])
    new = None if value is None else bool(value)
    action: history.FacilityAction = {
        "op": "facility",
        "facility_id": fid,
        "name": name,
        "field": "function",
        "function": f,
        "old": old,
        "new": new,
    }
    if option is not None:
        history.perform(project, get_option(project, option).id, action)
    else:
        with project.transaction():
            history.apply_facility(project.conn, action, forward=True)
    return {
        "facility_id": fid,
        "name": name,
        "function": f,
        "label": FUNCTIONS[f],
        "value": value,
        "functions": sorted(facility_functions(project, ids=[fid]).get(fid, set())),
    }


def clear_function(project: Project, facility_id: int, function: int) -> FunctionResult:
    """Remove the user override of one function (back to the default)."""
    return set_function(project, facility_id, function, None)


def facility_functions(
    project: Project, *, ids: list[int] | None = None, facilities: Iterable[Facility] | None = None
) -> dict[int, set[int]]:
    """Functions each facility carries (defaults, then user overrides); facilities with none are omitted.

    ``facilities``: default the register's open facilities; a scenario passes its set (a
    hypothetical facility carries its category's defaults; overrides exist only for register ids).
    """
    if facilities is None:
        facilities = FacilitySet.from_project(project)
    if ids is not None:
        wanted = {int(i) for i in ids}
        facilities = [f for f in facilities if f.id in wanted]
    des = inputs.designation_kinds(project)
    overrides: dict[int, dict[int, tuple[int, str]]] = {}
    for fid, fn, val, origin in project.conn.execute(
        "SELECT facility_id, function, value, origin FROM facility_functions"
    ):
        overrides.setdefault(int(fid), {})[int(fn)] = (int(val), origin)
    out: dict[int, set[int]] = {}
    for f in facilities:
        s = default_functions(f.category, subtype=f.subtype, beds=f.beds, designations=des.get(f.id))
        ov = overrides.get(f.id, {})
        for origin in ("default", "user"):  # user last: it wins
            for fn, (val, o) in ov.items():
                if o == origin:
                    if val:
                        s.add(fn)
                    else:
                        s.discard(fn)
        if s:
            out[f.id] = s
    return out


def function_overrides(project: Project) -> list[FunctionOverride]:
    """User overrides as rows (facility id, name, function, value)."""
    return [
        {
            "facility_id": r[0],
            "name": r[1],
            "function": r[2],
            "label": FUNCTIONS.get(r[2]),
            "value": bool(r[3]),
        }
        for r in project.conn.execute(
            "SELECT ff.facility_id, f.name, ff.function, ff.value FROM facility_functions ff "
            "JOIN facilities f ON f.id = ff.facility_id WHERE ff.origin='user' ORDER BY ff.facility_id, ff.function"
        )
    ]
