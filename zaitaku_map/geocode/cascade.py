"""The geocoding cascade: give every facility a position and record how precise it is.

For each facility (``facilities`` table), best first:

1. ``manual`` — placed by the user: never touched here;
2. ``source`` — the file's coordinate when plausible (:mod:`.plausibility`; swapped lat/lon are
   fixed and accepted with a note);
3. ``block`` / ``town`` — the address matched to an imported reference (:mod:`.matcher`);
4. ``municipality`` — the representative point of the municipality (from the address, the code or
   the postal code);
5. ``unresolved`` — no position (``lon``/``lat`` NULL, never 0/0) and a reason.

``src_lon``/``src_lat`` are never modified.  A missing ``muni_code`` is filled.  Each facility gets a
hash of its inputs, of its current output and of the geocoding context (boundaries, references,
rules); a re-run skips facilities whose hash is unchanged, so it is idempotent and only touches
what changed.  All writes happen in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypedDict

import numpy as np

from zaitaku_map.geo import haversine_m
from zaitaku_map.geocode.matcher import RefIndex, resolve_reference_codes
from zaitaku_map.geocode.municipality import MunicipalityIndex, PostalLookup, muni_from_postal
from zaitaku_map.geocode.normalize import normalize_address
from zaitaku_map.geocode.plausibility import (
    MUNI_TOLERANCE_M,
    SHARED_MIN,
    MuniGeometries,
    SourceCheck,
    check_point,
    point_key,
    shared_points,
)
from zaitaku_map.geocode.reference import import_reference
from zaitaku_map.labels import GEOCODE_LEVELS, GEOCODE_UNRESOLVED_REASONS
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback
from zaitaku_map.settings import limits
from zaitaku_map.store import gpkg
from zaitaku_map.store.project import Project

RULES_VERSION = "geocode-2"  # 2: bare 政令市 ward names
BATCH = 2000
_FILL_FROM = {"address": "住所", "postal": "郵便番号", "reference": "旧市町村名（参照データ）"}
PLACEHOLDER_STATUSES = ("placeholder_zero", "shared_point", "outside_municipality", "outside_japan")

_SELECT = (
    "SELECT id, name, address, postal_code, pref_code, muni_code, src_lon, src_lat, geocode_level, "
    "geocode_input_hash, lon, lat FROM facilities"
)
_UPDATE = (
    "UPDATE facilities SET muni_code=?, address_norm=?, src_coord_status=?, lon=?, lat=?, geom=?, geocode_level=?, "
    "geocode_ref=?, geocode_note=?, geocode_moved_m=?, outside_muni=?, geocode_input_hash=? WHERE id=?"
)


@dataclass
class Placement:
    """Outcome of the cascade for one facility."""

    level: str
    lon: float | None
    lat: float | None
    ref: str
    note: str
    muni_code: str | None
    status: str
    moved_m: float | None = None
    outside: int | None = None


class Geocoder:
    """The cascade with its indexes loaded (reusable: also used by the benchmark)."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.munis = MunicipalityIndex.from_project(project)
        self.resolved_refs = resolve_reference_codes(project, self.munis)
        self.refs = RefIndex.from_project(project, self.munis)
        self.geoms = MuniGeometries(project)
        self.postal = PostalLookup()
        self.study_prefs = list(project.study_prefectures)
        self.field_chars = limits().field_chars
        muni_sig = project.conn.execute(
            "SELECT count(*), total(rep_lon), total(rep_lat), group_concat(code) FROM "
            "(SELECT code, rep_lon, rep_lat FROM municipalities ORDER BY code)"
        ).fetchone()
        self.context = hashlib.sha1(
            json.dumps(
                [
                    RULES_VERSION,
                    MUNI_TOLERANCE_M,
                    SHARED_MIN,
                    list(muni_sig),
                    self.refs.signature,
                    self.study_prefs,
                ],
                default=str,
            ).encode()
        ).hexdigest()[:16]

    # -- municipality -------------------------------------------------------------------------
    def municipality(
        self, addr: str, *, pref_code: Any, muni_code: Any, postal_code: Any
    ) -> tuple[str | None, str | None, str, str | None, str | None, str | None]:
        """``(code, ref_code, rest, method, reason, note)``.

        ``code`` is the facility's municipality (stored code first), ``ref_code`` the one the address
        names (used for town/block lookups: a ward where the code is the whole city), ``rest`` the
        address after the municipality, ``note`` how a ward written without its city was resolved.
        """
        stored = self.munis.resolve_code(muni_code, pref_code=pref_code)
        mm = self.munis.match(addr, pref=pref_code) if addr else None
        addr_code = mm.code if mm else None
        rest = mm.rest if mm else ""
        method: str | None = "address" if addr_code else None
        note = None
        if (
            mm is not None
            and mm.reason == "ambiguous_municipality"
            and not pref_code
            and len(self.study_prefs) == 1
        ):
            mm = self.munis.match(
                addr, pref=self.study_prefs[0]
            )  # the project's one study prefecture decides
            addr_code, rest = mm.code, mm.rest
            method = "address" if addr_code else None
        if mm is not None and mm.ward_only and addr_code:
            note = f"区名から政令市を補完（{self.munis.munis[addr_code].full_name}）"
        if mm is not None and mm.reason == "ward_ambiguous":
            ward, how = self._pick_ward(mm.candidates, stored, postal_code)
            if ward is not None:
                addr_code, rest, method = ward, mm.rest_after_key, "address"
                note = f"区名の政令市を{how}から特定（{self.munis.munis[ward].full_name}）"
            else:
                names = "・".join(
                    self.munis.munis[c].full_name for c in mm.candidates if c in self.munis.munis
                )
                note = f"候補: {names}"
        if (
            addr_code is None
            and mm is not None
            and mm.reason in ("municipality_not_found", "ambiguous_municipality")
        ):
            hit = self.refs.muni_by_town(mm.pref_name, mm.rest)
            if hit is not None:
                addr_code, rest = hit
                method = "reference"
        code = stored or addr_code
        if stored:
            method = "code"
        if code is None and postal_code:
            code = muni_from_postal(self.munis, self.postal, postal_code)
            method = "postal" if code else None
        if code is not None and addr_code is None and addr:
            rest = self.munis.strip_municipality(code, addr) or ""
        reason = None
        if code is None:
            if not addr and not muni_code:
                reason = "no_address"
            elif not self.munis.munis:
                reason = "no_boundaries"
            elif mm is not None and mm.reason:
                reason = mm.reason
            else:
                reason = "prefecture_not_loaded" if muni_code else "municipality_not_found"
        return code, addr_code or code, rest, method, reason, note

    def _pick_ward(
        self, candidates: list[str], stored: str | None, postal_code: Any
    ) -> tuple[str | None, str]:
        """The one candidate ward that the facility's own code (the ward or its city) or postal code
        names, else ``(None, "")`` — never a guess."""
        if stored:
            hits = [c for c in candidates if c == stored or self.munis.munis[c].parent_code == stored]
            return (hits[0], "市区町村コード") if len(hits) == 1 else (None, "")
        if postal_code:
            codes = set(self.postal.codes(postal_code))
            hits = [c for c in candidates if c in codes or (self.munis.munis[c].parent_code or "") in codes]
            if len(hits) == 1:
                return hits[0], "郵便番号"
        return None, ""

    # -- one facility -------------------------------------------------------------------------
    def place(self, row: dict[str, Any], chk: SourceCheck, shared: bool) -> Placement:
        """Where one facility goes: its source point when plausible, else a reference point of its
        town/block, else its municipality's representative point, else unresolved with the reason."""
        addr = row["address_norm"] or ""
        if len(addr) > self.field_chars:  # an address longer than any real one: refused, clearly
            why = f"{GEOCODE_UNRESOLVED_REASONS['address_too_long']}: {len(addr):,} 文字"
            return Placement(
                "unresolved", None, None, "unresolved:address_too_long", why, row["muni_code"], chk.status
            )
        code, ref_code, rest, method, reason, ward_note = self.municipality(
            addr, pref_code=row["pref_code"], muni_code=row["muni_code"], postal_code=row["postal_code"]
        )
        final_code = row["muni_code"] or code
        notes: list[str] = []
        if method in _FILL_FROM and not row["muni_code"] and code:
            notes.append(f"市区町村コードを{_FILL_FROM[method]}から補完")
        if ward_note:
            notes.append(ward_note)
        status = self._source_status(chk, shared, code, notes)
        if status in ("ok", "swapped"):
            if not final_code and self.munis.munis:
                final_code = self.geoms.locate(chk.lon, chk.lat)  # type: ignore[arg-type]
                if final_code:
                    notes.append("市区町村コードを座標から補完")
            p = Placement("source", chk.lon, chk.lat, "source", "; ".join(notes), final_code, status)
        else:
            ward, hit = self._reference_hit(ref_code, rest)
            if ward is not None and not row["muni_code"]:
                final_code = code = ward
                notes.append("区を町名から特定")
            p = self._from_references(hit, code, reason, notes, final_code, status)
            if (
                p.lon is not None
                and chk.lon is not None
                and status in ("shared_point", "outside_municipality")
            ):
                p.moved_m = round(float(haversine_m(chk.lon, chk.lat, p.lon, p.lat)), 1)  # type: ignore[no-untyped-call]
        check_code = code or p.muni_code
        if p.lon is not None and check_code:
            inside = self.geoms.contains(check_code, p.lon, p.lat)  # type: ignore[arg-type]
            p.outside = None if inside is None else int(not inside)
        return p

    def _source_status(self, chk: SourceCheck, shared: bool, code: str | None, notes: list[str]) -> str:
        """The source point's status after the project-level checks (shared point, outside its
        municipality); notes say why."""
        status = chk.status
        if chk.usable and shared:
            status = "shared_point"
            notes.append("複数施設で同じ座標（仮座標）")
        if status in ("ok", "swapped") and code:
            d = self.geoms.distance_m(code, chk.lon, chk.lat)  # type: ignore[arg-type]
            if d is not None and d > MUNI_TOLERANCE_M:
                status = "outside_municipality"
                notes.append(f"元の座標は所在市区町村から {d / 1000:.1f} km 外")
        if chk.note and status == "swapped":
            notes.append("緯度経度の入れ替わりを修正")
        return status

    def _reference_hit(self, ref_code: str | None, rest: str) -> tuple[str | None, Any]:
        """``(ward, hit)``: the town/block reference of the address; for a 政令市 address written
        without its ward, the one ward whose references match (``ward`` is then that ward)."""
        if not ref_code:
            return None, None
        hit = self.refs.match(ref_code, rest)
        if hit is not None:
            return None, hit
        ward_hit = self._ward_match(ref_code, rest)
        return (None, None) if ward_hit is None else ward_hit

    def _from_references(
        self,
        hit: Any,
        code: str | None,
        reason: str | None,
        notes: list[str],
        final_code: str | None,
        status: str,
    ) -> Placement:
        """The reference point found, else the municipality's representative point, else unresolved
        with the reason."""
        if hit is not None:
            return Placement(hit.level, hit.lon, hit.lat, hit.ref, "; ".join(notes), final_code, status)
        rep = self.munis.rep_point(code) if code else None
        if rep is not None:
            return Placement(
                "municipality", rep[0], rep[1], "municipality", "; ".join(notes), final_code, status
            )
        why = reason or "no_rep_point"
        notes.insert(0, GEOCODE_UNRESOLVED_REASONS.get(why, why))
        return Placement("unresolved", None, None, f"unresolved:{why}", "; ".join(notes), final_code, status)

    def _ward_match(self, city_code: str, rest: str) -> tuple[str, Any] | None:
        """For a 政令市 code, the one ward whose references match ``rest`` (``None`` if none or several)."""
        city = self.munis.munis.get(city_code)
        if city is None or city.kind != "designated_city":
            return None
        hits = [
            (c, h)
            for c, m in self.munis.munis.items()
            if m.parent_code == city_code and (h := self.refs.match(c, rest)) is not None
        ]
        return hits[0] if len(hits) == 1 else None


def _hash(row: dict[str, Any], shared: bool, context: str, out: tuple[Any, ...]) -> str:
    payload = (
        row["address"],
        row["postal_code"],
        row["pref_code"],
        row["src_lon"],
        row["src_lat"],
        shared,
        context,
        *out,
    )
    return hashlib.sha1("\x1f".join(map(repr, payload)).encode()).hexdigest()[:20]


def _r7(v: Any) -> float | None:
    return None if v is None else round(float(v), 7)


def _out_sig(muni_code: Any, level: Any, lon: Any, lat: Any) -> tuple[Any, ...]:
    return (muni_code, level, _r7(lon), _r7(lat))


def _facility_rows(
    project: Project,
) -> tuple[
    list[dict[str, Any]],
    dict[int, SourceCheck],
    Callable[[dict[str, Any]], str],
    dict[tuple[float, float], int],
]:
    """The facility rows to geocode, the check of each one's source point, a memoised address
    normaliser, and the source points several facilities share (placeholders)."""
    cur = project.conn.execute(_SELECT)
    cols = [d[0] for d in cur.description]
    rows = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    norm_cache: dict[tuple[Any, Any], str] = {}

    def norm(r: dict[str, Any]) -> str:
        key = (r["address"], r["pref_code"])
        if key not in norm_cache:
            norm_cache[key] = normalize_address(r["address"], pref=r["pref_code"])
        return norm_cache[key]

    checks = {r["id"]: check_point(r["src_lon"], r["src_lat"]) for r in rows}
    # only facilities with a usable source point take part in the shared-point test
    shared = shared_points((c.lon, c.lat, norm(r)) for r in rows if (c := checks[r["id"]]).usable)
    return rows, checks, norm, shared


def _update_values(r: dict[str, Any], p: Placement, input_hash: str) -> tuple[Any, ...]:
    """The parameters of ``_UPDATE`` for facility ``r`` placed at ``p``."""
    geom = gpkg.point_blob(p.lon, p.lat) if p.lon is not None and p.lat is not None else None
    return (
        p.muni_code,
        r["address_norm"],
        p.status,
        p.lon,
        p.lat,
        geom,
        p.level,
        p.ref,
        p.note or None,
        p.moved_m,
        p.outside,
        input_hash,
        r["id"],
    )


def _place_rows(
    project: Project,
    gc: Geocoder,
    rows: list[dict[str, Any]],
    checks: dict[int, SourceCheck],
    norm: Callable[[dict[str, Any]], str],
    shared: dict[tuple[float, float], int],
    *,
    force: bool,
    work: Progress,
) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Place every row whose inputs changed (or all with ``force``; manual positions kept), writing in
    batches; returns the counts and the placeholders replaced."""
    stats = {"processed": 0, "unchanged": 0, "manual_kept": 0}
    replaced: list[dict[str, Any]] = []
    updates: list[tuple[Any, ...]] = []
    for i, r in enumerate(rows):
        if i % BATCH == 0:
            if updates:
                project.conn.executemany(_UPDATE, updates)
                updates.clear()
            work.update(i, f"ジオコーディング {i:,}/{len(rows):,}")
        if r["geocode_level"] == "manual":
            stats["manual_kept"] += 1
            continue
        chk = checks[r["id"]]
        is_shared = chk.usable and point_key(chk.lon, chk.lat) in shared  # type: ignore[arg-type]
        h_now = _hash(
            r, is_shared, gc.context, _out_sig(r["muni_code"], r["geocode_level"], r["lon"], r["lat"])
        )
        if not force and r["geocode_input_hash"] == h_now:
            stats["unchanged"] += 1
            continue
        r["address_norm"] = norm(r)
        p = gc.place(r, chk, is_shared)
        stats["processed"] += 1
        h_new = _hash(
            {**r, "muni_code": p.muni_code},
            is_shared,
            gc.context,
            _out_sig(p.muni_code, p.level, p.lon, p.lat),
        )
        updates.append(_update_values(r, p, h_new))
        if p.status in PLACEHOLDER_STATUSES:
            replaced.append(
                {
                    "id": r["id"],
                    "name": r["name"],
                    "pattern": p.status,
                    "level": p.level,
                    "moved_m": p.moved_m,
                }
            )
    if updates:
        project.conn.executemany(_UPDATE, updates)
    return stats, replaced


def geocode_project(
    project: Project,
    *,
    references: Any = (),
    municipality: str | None = None,
    reference_date: str | None = None,
    force: bool = False,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> GeocodeReport:
    """Geocode every facility of the project (see module docstring).

    Parameters
    ----------
    project:
        Open project.
    references:
        Reference files imported first (:func:`~zaitaku_map.geocode.reference.import_reference`).
    municipality:
        Municipality of town-point references that do not name one.
    reference_date:
        基準日 of those references (default: read from each file name where it carries one).
    force:
        Re-run facilities whose inputs did not change (manual positions are still kept).

    Returns
    -------
    dict
        ``levels`` (count per level, all facilities), ``placeholders`` (count per source-coordinate
        pattern), ``replaced_placeholders``, ``unresolved`` (id, name, address, reason),
        ``outside_muni``, ``moved_m`` (summary), ``processed`` / ``unchanged`` / ``manual_kept``,
        ``references`` (import reports).
    """
    prog = Progress.of(progress, cancel)
    t0 = time.monotonic()
    refs = list(references or ())
    with project.transaction():
        ref_reports = [
            import_reference(
                project,
                path,
                municipality=municipality,
                reference_date=reference_date,
                progress=prog.step(0.3 / len(refs)),
            )
            for path in refs
        ]
        prog.update(0, "ジオコーディングの準備")
        gc = Geocoder(project)
        rows, checks, norm, shared = _facility_rows(project)
        work = prog.step(0.7 if refs else 1.0, total=max(len(rows), 1))
        stats, replaced = _place_rows(project, gc, rows, checks, norm, shared, force=force, work=work)
        work.update(work.total, "ジオコーディング完了", force=True)
        project.refresh_extent("facilities")
    gc.postal.close()
    return {
        **geocode_report(project),
        "processed": stats["processed"],
        "unchanged": stats["unchanged"],
        "manual_kept": stats["manual_kept"],
        "replaced_placeholders_this_run": replaced,
        "references": ref_reports,
        "elapsed_s": round(time.monotonic() - t0, 2),
    }


class UnresolvedFacility(TypedDict):
    id: int
    name: str
    address: str | None
    reason: str | None
    reason_ja: str | None


class GeocodeState(TypedDict):
    """Where the facilities stand (:func:`geocode_report`)."""

    total: int
    levels: dict[str, int]
    placeholders: dict[str, int]
    replaced_placeholders: int
    unresolved: list[UnresolvedFacility]
    outside_muni: list[dict[str, Any]]
    moved_m: dict[str, Any]
    at_zero: int


class GeocodeReport(GeocodeState):
    """What :func:`geocode_project` did, and where the facilities stand afterwards."""

    processed: int
    unchanged: int
    manual_kept: int
    replaced_placeholders_this_run: list[dict[str, Any]]
    references: list[Any]
    elapsed_s: float


def geocode_report(project: Project) -> GeocodeState:
    """Summary of the current geocoding state of all facilities (no writes)."""
    conn = project.conn
    levels = {k: 0 for k in GEOCODE_LEVELS}
    for lvl, n in conn.execute(
        "SELECT coalesce(geocode_level, 'unresolved'), count(*) FROM facilities GROUP BY 1"
    ):
        levels[lvl] = levels.get(lvl, 0) + n
    placeholders = dict(
        conn.execute(
            "SELECT src_coord_status, count(*) FROM facilities WHERE src_coord_status IS NOT NULL GROUP BY 1"
        ).fetchall()
    )
    unresolved: list[UnresolvedFacility] = [
        {
            "id": i,
            "name": n,
            "address": a,
            "reason": (ref or "unresolved:").split(":", 1)[1] or None,
            "reason_ja": GEOCODE_UNRESOLVED_REASONS.get((ref or "unresolved:").split(":", 1)[1], note),
        }
        for i, n, a, ref, note in conn.execute(
            "SELECT id, name, address, geocode_ref, geocode_note FROM facilities "
            "WHERE geocode_level='unresolved' OR geocode_level IS NULL ORDER BY id"
        )
    ]
    outside = [
        {"id": i, "name": n, "muni_code": m, "level": lvl}
        for i, n, m, lvl in conn.execute(
            "SELECT id, name, muni_code, geocode_level FROM facilities WHERE outside_muni=1 ORDER BY id"
        )
    ]
    replaced = conn.execute(
        "SELECT count(*) FROM facilities WHERE src_coord_status IN (?,?,?,?) AND geocode_level != 'source'",
        PLACEHOLDER_STATUSES,
    ).fetchone()[0]
    moved = np.array(
        [
            r[0]
            for r in conn.execute("SELECT geocode_moved_m FROM facilities WHERE geocode_moved_m IS NOT NULL")
        ],
        dtype=float,
    )
    moved_summary: dict[str, Any] = {"n": int(moved.size)}
    if moved.size:
        moved_summary.update(
            median=round(float(np.median(moved)), 1),
            p90=round(float(np.percentile(moved, 90)), 1),
            max=round(float(moved.max()), 1),
        )
    zero_left = conn.execute("SELECT count(*) FROM facilities WHERE lon=0 AND lat=0").fetchone()[0]
    return {
        "total": sum(levels.values()),
        "levels": levels,
        "placeholders": placeholders,
        "replaced_placeholders": replaced,
        "unresolved": unresolved,
        "outside_muni": outside,
        "moved_m": moved_summary,
        "at_zero": zero_left,
    }
