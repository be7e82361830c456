"""Cross-source matching: one institution from the 名簿 and from 医療情報ネット becomes one facility.

Only conservative, explainable rules (never a silent merge of two institutions):

=====================================================  ======
evidence                                               score
=====================================================  ======
same normalised name and same address key              3
same normalised name and same municipality             2
one name contains the other (≥3 chars), same address   2
same address key only (different name)                 1 → listed as *ambiguous* for the user
=====================================================  ======

A pair is linked when its score is ≥ 2 and no other candidate reaches the same score (for
either side); otherwise the record is reported as ambiguous (with its candidates) or unmatched.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from zaitaku_map.importers.normalize import address_key, municipality_part
from zaitaku_map.importers.register import recompute_facilities
from zaitaku_map.importers.report import ImportReport
from zaitaku_map.store.project import Project


@dataclass
class Entity:
    id: int
    name: str
    name_norm: str
    address: str
    pref_code: str
    muni_code: str
    akey: str = field(init=False)
    muni: str = field(init=False)

    def __post_init__(self) -> None:
        self.akey = address_key(self.address)
        self.muni = municipality_part(self.address)


def _score(a: Entity, b: Entity) -> tuple[int, str]:
    name_eq = bool(a.name_norm) and a.name_norm == b.name_norm
    short, long_ = sorted((a.name_norm, b.name_norm), key=len)
    name_in = len(short) >= 3 and short in long_
    addr_eq = bool(a.akey) and a.akey == b.akey
    muni_eq = a.muni_code == b.muni_code if a.muni_code and b.muni_code else bool(a.muni) and a.muni == b.muni
    if name_eq and addr_eq:
        return 3, "名称・住所が一致"
    if name_eq and muni_eq:
        return 2, "名称・市区町村が一致"
    if name_in and addr_eq:
        return 2, "名称の一部と住所が一致"
    if addr_eq:
        return 1, "住所のみ一致（名称が異なる）"
    if name_eq:
        return 1, "名称のみ一致（市区町村が異なる）"
    return 0, ""


def match_entities(small: list[Entity], big: list[Entity]) -> dict[str, list[dict[str, Any]]]:
    """Match each ``small`` entity (e.g. 在支病) against ``big`` (e.g. hospitals) of the same prefecture.

    Returns ``{"matched": [...], "ambiguous": [...], "unmatched": [...]}``; matched entries hold
    ``small_id``, ``big_id`` and ``how``.
    """
    by_name: dict[tuple[str, str], list[Entity]] = defaultdict(list)
    by_addr: dict[tuple[str, str], list[Entity]] = defaultdict(list)
    by_muni: dict[tuple[str, str], list[Entity]] = defaultdict(list)
    prefs_with_big: set[str] = set()
    for b in big:
        prefs_with_big.add(b.pref_code)
        by_name[(b.pref_code, b.name_norm)].append(b)
        if b.akey:
            by_addr[(b.pref_code, b.akey)].append(b)
        by_muni[(b.pref_code, b.muni)].append(b)
    proposals: dict[int, list[tuple[int, str, Entity]]] = {}
    for s in small:
        cands: dict[int, Entity] = {}
        for b in by_name.get((s.pref_code, s.name_norm), []) + by_addr.get((s.pref_code, s.akey), []):
            cands[b.id] = b
        for b in by_muni.get((s.pref_code, s.muni), []):
            short, long_ = sorted((s.name_norm, b.name_norm), key=len)
            if len(short) >= 3 and short in long_:
                cands[b.id] = b
        scored = sorted(
            ((sc, how, b) for b in cands.values() for sc, how in [_score(s, b)] if sc > 0),
            key=lambda x: -x[0],
        )
        proposals[s.id] = scored
    # a big entity claimed at top score by two small ones is ambiguous for both
    claims: dict[int, int] = defaultdict(int)
    for scored in proposals.values():
        if scored and scored[0][0] >= 2:
            claims[scored[0][2].id] += 1
    out: dict[str, list[dict[str, Any]]] = {"matched": [], "ambiguous": [], "unmatched": []}
    small_by_id = {s.id: s for s in small}
    for sid, scored in proposals.items():
        s = small_by_id[sid]
        base = {"small_id": sid, "name": s.name, "address": s.address}
        top = [x for x in scored if scored and x[0] == scored[0][0]]
        if scored and scored[0][0] >= 2 and len(top) == 1 and claims[top[0][2].id] == 1:
            sc, how, b = top[0]
            out["matched"].append(
                {
                    **base,
                    "big_id": b.id,
                    "big_name": b.name,
                    "big_address": b.address,
                    "score": sc,
                    "how": how,
                }
            )
        elif scored:
            out["ambiguous"].append(
                {
                    **base,
                    "candidates": [
                        {"id": b.id, "name": b.name, "address": b.address, "score": sc, "how": how}
                        for sc, how, b in scored[:5]
                    ],
                }
            )
        elif s.pref_code in prefs_with_big:
            out["unmatched"].append(base)
    return out


# -- linking in the store ---------------------------------------------------------------------
PAIRS: tuple[tuple[str, str], ...] = (("hospital", "iryojoho:hospital"), ("clinic", "iryojoho:clinic"))
# What the import log tells the user about the other list (never the internal family key).
OTHER_LIST_NAMES: dict[str, str] = {
    "iryojoho:hospital": "医療情報ネットの病院の一覧",
    "iryojoho:clinic": "医療情報ネットの診療所の一覧",
}


def _entities(project: Project, sql: str, params: tuple[Any, ...]) -> list[Entity]:
    return [
        Entity(
            id=r[0],
            name=r[1] or "",
            name_norm=r[2] or "",
            address=r[3] or "",
            pref_code=r[4] or "",
            muni_code=r[5] or "",
        )
        for r in project.conn.execute(sql, params)
    ]


def link_sources(
    project: Project, *, prefs: set[str] | None, source_id: int, file_name: str, rep: ImportReport
) -> None:
    """Link 名簿 facilities and 医療情報ネット facilities of the same institution (inside the transaction).

    The 名簿 facility (在支診/在支病) is kept; the matched 医療情報ネット facility's records (and any
    references from other tables) move onto it and the emptied facility row is deleted.
    """
    cols = "f.id, f.name, f.name_norm, f.address, f.pref_code, f.muni_code"
    for klass, big_family in PAIRS:
        pref_sql = ""
        params: tuple[Any, ...] = ()
        if prefs:
            pref_sql = f" AND f.pref_code IN ({','.join('?' * len(prefs))})"
            params = tuple(sorted(prefs))
        small = _entities(
            project,
            (
                f"SELECT DISTINCT {cols} FROM facility_records k JOIN facilities f ON f.id=k.facility_id"
                " WHERE k.source_family='kouseikyoku' AND k.status='current' AND f.status='open'"
                " AND json_extract(k.raw_json, '$.fields.match_class')=?"
                " AND NOT EXISTS (SELECT 1 FROM facility_records r WHERE r.facility_id=f.id AND r.source_family=?"
                "   AND r.status='current')" + pref_sql
            ),
            (klass, big_family, *params),
        )
        if not small:
            continue
        sp = tuple(sorted({s.pref_code for s in small}))
        big = _entities(
            project,
            (
                f"SELECT {cols} FROM facilities f WHERE f.status='open'"
                " AND EXISTS (SELECT 1 FROM facility_records r WHERE r.facility_id=f.id AND r.status='current'"
                "   AND r.source_family=?)"
                " AND NOT EXISTS (SELECT 1 FROM facility_records r WHERE r.facility_id=f.id"
                "   AND r.source_family='kouseikyoku')"
                f" AND f.pref_code IN ({','.join('?' * len(sp))})"
            ),
            (big_family, *sp),
        )
        result = match_entities(small, big)
        for m in result["matched"]:
            merge_facility(project, keep=m["small_id"], drop=m["big_id"])
            rep.matched.append(
                {
                    "facility_id": m["small_id"],
                    "name": m["name"],
                    "address": m["address"],
                    "matched_name": m["big_name"],
                    "matched_address": m["big_address"],
                    "how": m["how"],
                    "source": big_family,
                }
            )
        if result["matched"]:
            recompute_facilities(project, [m["small_id"] for m in result["matched"]])
        for key in ("ambiguous", "unmatched"):
            for u in result[key]:
                entry = {
                    "facility_id": u["small_id"],
                    "name": u["name"],
                    "address": u["address"],
                    "other_source": big_family,
                }
                if key == "ambiguous":
                    entry["candidates"] = u["candidates"]
                getattr(rep, key).append(entry)
                other = OTHER_LIST_NAMES[big_family]
                reason = (
                    f"{other}に同一と断定できる候補が複数／不確かです"
                    if key == "ambiguous"
                    else f"{other}に対応する施設が見つかりません"
                )
                project.log_row(
                    source_id=source_id,
                    file_name=file_name,
                    reason=reason,
                    column="name",
                    value=u["name"],
                    raw=entry,
                    severity="warning",
                )
    rep.matched_across_sources = len(rep.matched)


def merge_facility(project: Project, *, keep: int, drop: int) -> None:
    """Move every record and reference of facility ``drop`` onto ``keep`` and delete ``drop``."""
    conn = project.conn
    conn.execute("UPDATE facility_records SET facility_id=? WHERE facility_id=?", (keep, drop))
    conn.execute("UPDATE designations SET facility_id=? WHERE facility_id=?", (keep, drop))
    conn.execute(
        "INSERT OR IGNORE INTO facility_functions (facility_id, function, value, origin) "
        "SELECT ?, function, value, origin FROM facility_functions WHERE facility_id=?",
        (keep, drop),
    )
    conn.execute("DELETE FROM facility_functions WHERE facility_id=?", (drop,))
    # any other table that refers to facilities (options, later domains' tables) follows the merge
    handled = {"facility_records", "designations", "facility_functions", "facilities"}
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall():
        if table in handled or table.startswith(("gpkg_", "sqlite_", "rtree_")):
            continue
        cols = {r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')}
        if "facility_id" in cols:
            conn.execute(f'UPDATE OR IGNORE "{table}" SET facility_id=? WHERE facility_id=?', (keep, drop))
            conn.execute(f'DELETE FROM "{table}" WHERE facility_id=?', (drop,))
    # a position set by hand or by the geocoder on the dropped row is kept when ``keep`` has none
    conn.execute(
        "UPDATE facilities SET lon=d.lon, lat=d.lat, geom=d.geom, geocode_level=d.geocode_level, "
        "geocode_ref=d.geocode_ref, geocode_note=d.geocode_note FROM (SELECT * FROM facilities WHERE id=?) d "
        "WHERE facilities.id=? AND facilities.lon IS NULL AND d.lon IS NOT NULL AND d.geocode_level != 'source'",
        (drop, keep),
    )
    conn.execute(
        "UPDATE facilities SET active_role=max(active_role, (SELECT active_role FROM facilities "
        "WHERE id=?)) WHERE id=?",
        (drop, keep),
    )
    conn.execute("DELETE FROM facilities WHERE id=?", (drop,))


def attach_role_designations(
    project: Project, items: list[dict[str, Any]], *, source_id: int, rep: ImportReport
) -> None:
    """Attach 在宅療養後方支援病院 (and similar) 届出 of non-在支 institutions to their hospital facility.

    Matched with the same rules as :func:`match_entities` against facilities that hold a current
    医療情報ネット hospital record; unmatched ones are listed in the report (``attached: False``) so
    the user can import the hospital list and re-import the 名簿 (idempotent).
    """
    if not items:
        return
    from zaitaku_map.importers.register import sync_designations
    from zaitaku_map.textnorm import normalize_name

    by_key: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for it in items:
        by_key[it["record_key"]].append(it)
    small = []
    keys = list(by_key)
    for n, key in enumerate(keys):
        it = by_key[key][0]
        small.append(
            Entity(
                id=-(n + 1),
                name=it["name"],
                name_norm=normalize_name(it["name"]),
                address=it["address"],
                pref_code=it["pref_code"],
                muni_code="",
            )
        )
    prefs = tuple(sorted({s.pref_code for s in small}))
    big = _entities(
        project,
        (
            "SELECT DISTINCT f.id, f.name, f.name_norm, f.address, f.pref_code, f.muni_code FROM facility_records r "
            "JOIN facilities f ON f.id=r.facility_id WHERE r.source_family='iryojoho:hospital' AND r.status='current' "
            f"AND f.pref_code IN ({','.join('?' * len(prefs))})"
        ),
        prefs,
    )
    result = match_entities(small, big) if big else {"matched": [], "ambiguous": [], "unmatched": []}
    matched = {m["small_id"]: m for m in result["matched"]}
    for n, key in enumerate(keys):
        it = by_key[key][0]
        m = matched.get(-(n + 1))
        desigs = [x["designation"] for x in by_key[key]]
        entry = {
            "name": it["name"],
            "address": it["address"],
            "kinds": sorted({d["kind"] for d in desigs}),
            "attached": m is not None,
        }
        if m is not None:
            entry["facility_id"] = m["big_id"]
            existing = [
                {"kind": r[0], "code": r[1], "name": r[2], "subtype": r[3], "effective_date": r[4]}
                for r in project.conn.execute(
                    "SELECT kind, code, name, subtype, effective_date FROM designations WHERE facility_id=?",
                    (m["big_id"],),
                )
            ]
            keep = [
                d
                for d in existing
                if (d["kind"], d["code"], d["effective_date"])
                not in {(x["kind"], x["code"], x["effective_date"]) for x in desigs}
            ]
            sync_designations(project, m["big_id"], keep + desigs, source_id=source_id)
        rep.role_designations.append(entry)
