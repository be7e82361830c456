"""Candidate lists: for every care facility the institutions within N minutes, with flags and counts.

:func:`partner_lists` is the one entry point: it reads the care facilities and the institutions
(:mod:`~zaitaku_map.partners.classify`), computes the travel times on the road network when the
project has one (else the stated straight-line model; the same parameters as coverage, with the
minutes of this analysis) and ranks each facility's candidates:

- by travel time for (1)(2);
- for (3) first the hospitals whose 届出 make them likely partners (在支病, 在後病, 地包ケア, 協力施設),
  then the other hospitals with beds, each group by travel time.

A facility is *flagged* when no institution within N minutes can meet (1)(2) — for every kind the
reform concerns — or, for the kinds that must name one for (3), when no hospital within N minutes
can meet (3).  Facilities without a position, or too far from a road to be routed, have no
candidates and are flagged too, with their status saying why.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from zaitaku_map.coverage import CoverageParams, resolve_coverage_params
from zaitaku_map.coverage.engine import resolve_network, weights, with_project_speeds
from zaitaku_map.errors import AnalysisError
from zaitaku_map.labels import CARE_KINDS_SHORT, PARTNER_TEXT
from zaitaku_map.partners.classify import Institution, load_institutions
from zaitaku_map.partners.kinds import jigyosho_number, kind_of, obligation
from zaitaku_map.partners.travel import TravelPairs, network_pairs, straight_pairs
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback
from zaitaku_map.store import Project

DEFAULT_MINUTES = 30.0
SETTING_KEY = "partners"


@dataclass(frozen=True)
class Candidate:
    """One institution within N minutes of a care facility."""

    institution: Institution
    minutes: float
    rank_12: int | None  # 1-based rank among the facility's (1)(2) candidates
    rank_3: int | None  # 1-based rank among its (3) candidates (priority 届出 first)


@dataclass
class CareFacility:
    """A care facility the reform concerns and its candidates (nearest first)."""

    id: int
    name: str
    kind: str  # partners.kinds key
    jigyosho_no: str
    address: str
    phone: str
    muni_code: str
    muni_name: str
    lon: float | None
    lat: float | None
    status: str  # ok | unplaced | off_network
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def obligation(self) -> str:
        return obligation(self.kind)

    @property
    def n_12(self) -> int:
        return sum(1 for c in self.candidates if c.institution.meets_12)

    @property
    def n_3(self) -> int:
        return sum(1 for c in self.candidates if c.institution.meets_3)

    @property
    def flag_12(self) -> bool:
        """No institution within N minutes can meet (1)(2)."""
        return self.n_12 == 0

    @property
    def flag_3(self) -> bool:
        """Must name a partner for (3) and no hospital within N minutes can meet it."""
        return self.obligation == "required" and self.n_3 == 0

    @property
    def flagged(self) -> bool:
        return self.flag_12 or self.flag_3

    def ranked(self, requirement: str) -> list[Candidate]:
        """Candidates for ``"12"`` or ``"3"`` in their rank order."""
        if requirement == "12":
            return sorted((c for c in self.candidates if c.rank_12), key=lambda c: c.rank_12 or 0)
        return sorted((c for c in self.candidates if c.rank_3), key=lambda c: c.rank_3 or 0)


@dataclass(frozen=True)
class GroupCounts:
    """Flags of the care facilities of one municipality or one 圏域."""

    key: str
    name: str
    facilities: int
    required: int  # of which must name a partner for (1)(2)(3)
    flag_12: int
    flag_3: int
    flagged: int
    not_routed: int  # no position or off the road network

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class PartnerLists:
    """The candidate lists of a project under one set of parameters."""

    minutes: float
    mode: str  # network | straight
    description_ja: str  # the travel-time model, printed on every output
    facilities: list[CareFacility]
    n_institutions: int
    params: CoverageParams | None = None  # the travel-time model used (minutes = N)
    searches: int = 0
    searched_from: str = ""
    seconds: float = 0.0

    # lists are memoised per process by their inputs (partner_lists): callers must not modify them

    def flagged(self) -> list[CareFacility]:
        return [f for f in self.facilities if f.flagged]

    def by_municipality(self) -> list[GroupCounts]:
        """Counts per municipality (ward) of the care facilities, in code order."""
        names = {f.muni_code: f.muni_name for f in self.facilities}
        return self.by_group({c: c for c in names}, names)

    def by_group(
        self, groups: Mapping[str, str], names: Mapping[str, str] | None = None
    ) -> list[GroupCounts]:
        """Counts per group of municipalities (``groups``: municipality code → group key, e.g. the
        圏域 of an option); facilities of municipalities in no group are left out."""
        per: dict[str, list[CareFacility]] = defaultdict(list)
        for f in self.facilities:
            g = groups.get(f.muni_code)
            if g is not None:
                per[g].append(f)
        keys = list(dict.fromkeys(groups.values()))
        return [_counts(k, (names or {}).get(k, k), per.get(k, [])) for k in keys]

    def to_dict(self, *, candidates: bool = True) -> dict[str, Any]:
        """JSON-ready form (the CLI's ``--json``)."""
        return {
            "minutes": self.minutes,
            "mode": self.mode,
            "description_ja": self.description_ja,
            "care_facilities": len(self.facilities),
            "institutions": self.n_institutions,
            "flagged": sum(1 for f in self.facilities if f.flagged),
            "flag_12": sum(1 for f in self.facilities if f.flag_12),
            "flag_3": sum(1 for f in self.facilities if f.flag_3),
            "searches": self.searches,
            "searched_from": self.searched_from,
            "seconds": self.seconds,
            "by_municipality": [g.to_dict() for g in self.by_municipality()],
            "facilities": [facility_dict(f, candidates=candidates) for f in self.facilities],
        }


def facility_dict(f: CareFacility, *, candidates: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": f.id,
        "name": f.name,
        "kind": f.kind,
        "kind_label": CARE_KINDS_SHORT[f.kind],
        "obligation": f.obligation,
        "jigyosho_no": f.jigyosho_no,
        "address": f.address,
        "muni_code": f.muni_code,
        "muni_name": f.muni_name,
        "status": f.status,
        "n_12": f.n_12,
        "n_3": f.n_3,
        "flag_12": f.flag_12,
        "flag_3": f.flag_3,
    }
    if candidates:
        out["candidates"] = [
            {
                "id": c.institution.id,
                "name": c.institution.name,
                "category": c.institution.category,
                "address": c.institution.address,
                "phone": c.institution.phone,
                "minutes": round(c.minutes, 1),
                "requirements": c.institution.requirements,
                "priority_3": c.institution.priority_3,
                "rank_12": c.rank_12,
                "rank_3": c.rank_3,
                "basis": list(c.institution.basis),
            }
            for c in f.candidates
        ]
    return out


def _counts(key: str, name: str, facs: list[CareFacility]) -> GroupCounts:
    return GroupCounts(
        key=key,
        name=name,
        facilities=len(facs),
        required=sum(1 for f in facs if f.obligation == "required"),
        flag_12=sum(1 for f in facs if f.flag_12),
        flag_3=sum(1 for f in facs if f.flag_3),
        flagged=sum(1 for f in facs if f.flagged),
        not_routed=sum(1 for f in facs if f.status != "ok"),
    )


def ward_groups(project: Project, groups: Mapping[str, str]) -> dict[str, str]:
    """``groups`` (municipality code → group) with the wards of a 政令市 that is grouped as a whole
    (an option may assign the city or its wards; care facilities carry ward codes)."""
    out = dict(groups)
    for code, parent in project.conn.execute(
        "SELECT code, parent_code FROM municipalities WHERE parent_code IS NOT NULL AND parent_code != ''"
    ):
        if code not in out and parent in groups:
            out[str(code)] = groups[parent]
    return out


# -- settings -----------------------------------------------------------------------------------
def saved_minutes(project: Project) -> float:
    """N of this analysis as saved in the project (default 30)."""
    saved = project.setting(SETTING_KEY) or {}
    try:
        return float(saved.get("minutes", DEFAULT_MINUTES))
    except (TypeError, ValueError):
        return DEFAULT_MINUTES


def save_minutes(project: Project, minutes: float) -> None:
    if not minutes > 0:
        raise AnalysisError("minutes must be positive", column="minutes", value=minutes)
    with project.transaction():
        project.set_setting(SETTING_KEY, {**(project.setting(SETTING_KEY) or {}), "minutes": float(minutes)})


# -- loading ------------------------------------------------------------------------------------
def load_care_facilities(project: Project, *, municipality: str | None = None) -> list[CareFacility]:
    """Open care facilities of the kinds the reform concerns (optionally of one municipality: code,
    name or full name; a 政令市 code or name takes its wards), in municipality then name order."""
    munis = {
        str(c): (str(n), str(fn or n), str(p or ""))
        for c, n, fn, p in project.conn.execute(
            "SELECT code, name, full_name, parent_code FROM municipalities"
        )
    }
    wanted: set[str] | None = None
    if municipality:
        wanted = {
            c for c, (n, fn, parent) in munis.items() if municipality in (c, n, fn) or parent == municipality
        }
        wanted |= {c for c, (_n, _fn, parent) in munis.items() if parent in wanted}
        if not wanted:
            raise AnalysisError(
                "unknown municipality",
                value=municipality,
                hint="市区町村コード（5桁）か市区町村名を指定してください。",
            )
    keys: dict[int, list[str]] = defaultdict(list)
    for fid, key in project.conn.execute(
        "SELECT r.facility_id, r.record_key FROM facility_records r JOIN facilities f ON f.id = r.facility_id "
        "WHERE f.category = 'care_facility' AND r.status != 'superseded'"
    ):
        keys[int(fid)].append(str(key))
    out: list[CareFacility] = []
    for fid, name, subtype, addr, phone, muni, lon, lat in project.conn.execute(
        "SELECT id, name, subtype, coalesce(address, ''), coalesce(phone, ''), coalesce(muni_code, ''), lon, lat "
        "FROM facilities WHERE status = 'open' AND category = 'care_facility' ORDER BY id"
    ):
        if wanted is not None and muni not in wanted:
            continue
        kind = kind_of(keys.get(int(fid), []), subtype, name)
        if kind is None:
            continue
        out.append(
            CareFacility(
                id=int(fid),
                name=str(name),
                kind=kind,
                jigyosho_no=jigyosho_number(keys.get(int(fid), [])),
                address=str(addr),
                phone=str(phone),
                muni_code=str(muni),
                muni_name=munis.get(str(muni), ("", "", ""))[1] or str(muni),
                lon=None if lon is None else float(lon),
                lat=None if lat is None else float(lat),
                status="ok" if lon is not None and lat is not None else "unplaced",
            )
        )
    out.sort(key=lambda f: (f.muni_code, f.name, f.id))
    return out


def care_municipalities(project: Project) -> list[tuple[str, str]]:
    """``(code, name)`` of the municipalities (wards) holding care facilities the reform concerns."""
    seen: dict[str, str] = {}
    for f in load_care_facilities(project):
        seen.setdefault(f.muni_code, f.muni_name)
    return sorted(seen.items())


def _coords(values: list[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def travel_pairs(
    project: Project,
    facilities: list[CareFacility],
    institutions: list[Institution],
    params: CoverageParams,
    *,
    limit: float,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> TravelPairs:
    """Care facility → institution minutes within ``limit`` under ``params`` (network when present)."""
    mode, net = resolve_network(project, params)
    params.resolved_mode = mode
    o_lon, o_lat = _coords([f.lon for f in facilities]), _coords([f.lat for f in facilities])
    d_lon, d_lat = _coords([i.lon for i in institutions]), _coords([i.lat for i in institutions])
    if net is None:
        return straight_pairs(
            o_lon,
            o_lat,
            d_lon,
            d_lat,
            limit=limit,
            detour_factor=params.detour_factor,
            speed_kmh=params.straight_speed_kmh,
        )
    return network_pairs(
        net,
        weights(net, params),
        o_lon,
        o_lat,
        d_lon,
        d_lat,
        limit=limit,
        max_snap_m=params.max_snap_m,
        access_speed_kmh=params.access_speed_kmh,
        progress=progress,
        cancel=cancel,
    )


def rank_candidates(fac: CareFacility, found: list[tuple[Institution, float]]) -> list[Candidate]:
    """Candidates of one facility, nearest first, with their (1)(2) and (3) ranks."""
    by_time = sorted(found, key=lambda x: (x[1], x[0].id))
    r12 = [i.id for i, _ in by_time if i.meets_12]
    r3 = [i.id for i, _ in sorted(found, key=lambda x: (not x[0].priority_3, x[1], x[0].id)) if i.meets_3]
    pos12 = {k: n for n, k in enumerate(r12, start=1)}
    pos3 = {k: n for n, k in enumerate(r3, start=1)}
    return [Candidate(i, float(t), pos12.get(i.id), pos3.get(i.id)) for i, t in by_time]


def partner_lists(
    project: Project,
    *,
    minutes: float | None = None,
    coverage_params: CoverageParams | None = None,
    municipality: str | None = None,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> PartnerLists:
    """The candidate lists of every care facility the reform concerns.

    Parameters
    ----------
    minutes:
        N (default: the project's saved value, else 30).
    coverage_params:
        The travel-time model (default: the project's saved coverage parameters, through
        :func:`~zaitaku_map.coverage.resolve_coverage_params`); its minutes become ``minutes``.
    municipality:
        Only the care facilities of this municipality (code or name; candidates may lie anywhere).
    """
    t0 = time.perf_counter()
    prog = Progress.of(progress, cancel)
    n = float(minutes) if minutes is not None else saved_minutes(project)
    if not n > 0:
        raise AnalysisError("minutes must be positive", column="minutes", value=minutes)
    base = resolve_coverage_params(project, coverage_params, minutes=n)
    params = with_project_speeds(project, replace(base, bands=(n,), resolved_mode=None))
    facilities = load_care_facilities(project, municipality=municipality)
    if not facilities:  # nothing to list (an evaluation of a project without such facilities): no
        prog.update(1.0, "完了", force=True)  # institutions or memo key to load
        mode, _net = resolve_network(project, params)  # the network is cached per process
        return PartnerLists(
            minutes=n,
            mode=mode,
            description_ja=params.describe_ja(mode),
            facilities=[],
            n_institutions=0,
            params=params,
        )
    institutions = load_institutions(project)
    prog.update(0.05, "施設を読み込みました")
    key = _memo_key(project, params, facilities, institutions)
    with _MEMO_LOCK:
        hit = _MEMO.get(key)
    if hit is not None:  # the same inputs (e.g. each option of a comparison): the same lists
        prog.update(1.0, "完了", force=True)
        return hit
    pairs = travel_pairs(project, facilities, institutions, params, limit=n, progress=prog.step(0.9))
    found: dict[int, list[tuple[Institution, float]]] = defaultdict(list)
    for o, d, t in zip(pairs.origin.tolist(), pairs.dest.tolist(), pairs.minutes.tolist(), strict=True):
        found[o].append((institutions[d], t))
    for k, f in enumerate(facilities):
        if f.status == "ok" and not bool(pairs.origin_ok[k]):
            f.status = "off_network" if pairs.mode == "network" else "unplaced"
        f.candidates = rank_candidates(f, found.get(k, []))
    prog.update(1.0, "完了", force=True)
    lists = PartnerLists(
        minutes=n,
        mode=pairs.mode,
        description_ja=params.describe_ja(pairs.mode),
        facilities=facilities,
        n_institutions=len(institutions),
        params=params,
        searches=pairs.searches,
        searched_from=pairs.searched_from,
        seconds=round(time.perf_counter() - t0, 3),
    )
    with _MEMO_LOCK:
        while len(_MEMO) >= _MEMO_MAX:
            _MEMO.pop(next(iter(_MEMO)))
        _MEMO[key] = lists
    return lists


_MEMO: dict[str, PartnerLists] = {}
_MEMO_LOCK = threading.Lock()
_MEMO_MAX = 4


def _memo_key(
    project: Project, params: CoverageParams, facilities: list[CareFacility], institutions: list[Institution]
) -> str:
    """Everything the lists depend on: the project file, the travel model and network, and every
    care facility and institution with its position and classification."""
    mode, net = resolve_network(project, params)
    h = hashlib.sha256()
    h.update(
        json.dumps(
            [str(project.path), params.to_dict(), params.minutes, mode, net.content_hash if net else None],
            sort_keys=True,
            default=str,
        ).encode()
    )
    for f in facilities:
        h.update(repr((f.id, f.kind, f.muni_code, f.lon, f.lat, f.name, f.address, f.phone)).encode())
    h.update(b"|")
    for i in institutions:
        h.update(repr(i).encode())
    return h.hexdigest()


def flag_text(f: CareFacility, minutes: float) -> list[str]:
    """Why a facility is flagged, in Japanese (empty when it is not)."""
    out = []
    if f.flag_12:
        out.append(PARTNER_TEXT["no_r12"].format(minutes=minutes))
    if f.flag_3:
        out.append(PARTNER_TEXT["no_r3"].format(minutes=minutes))
    return out
