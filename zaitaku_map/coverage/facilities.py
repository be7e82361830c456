"""The facilities an analysis runs on: the register's open facilities, or an edited copy of them.

Coverage (travel time per category) and the option evaluation (counts, roles and functions per
圏域) read facilities only through a :class:`FacilitySet`.  By default it is the register
(:meth:`FacilitySet.from_project`: every facility with status ``open``); a what-if scenario passes
its own edit of it (:meth:`FacilitySet.edited`): facilities switched off, facilities gaining another
category (a 診療所 registering as 在支診), and *hypothetical* facilities — ids from
:data:`HYPOTHETICAL_ID_BASE` up, never written to the register — that the counts and the coverage
use like real ones.

The set is immutable and hashable by content (:attr:`FacilitySet.content_hash`), so coverage
results of a scenario are cached like those of the register and never mixed with them.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import numpy as np
import pandas as pd

from zaitaku_map.errors import AnalysisError
from zaitaku_map.store import Project

# Combined categories usable everywhere a category key is (key -> member categories)
COMBINED: dict[str, tuple[str, ...]] = {"zaishi": ("zaishi_clinic", "zaishi_hospital")}
FRAME_COLUMNS = ["id", "name", "category", "muni_code", "lon", "lat"]
# Ids of hypothetical facilities start here: far above any register row id, and positive because
# the engines use -1 for "no facility" (nearest facility, basins).
HYPOTHETICAL_ID_BASE = 1 << 40


def category_members(category: str) -> tuple[str, ...]:
    """The register categories a category key stands for (``zaishi`` = 在支診 and 在支病)."""
    return COMBINED.get(category, (category,))


class Facility(NamedTuple):
    """One facility as analyses see it (a row of the register, or a hypothetical one).

    A named tuple: a prefecture's register is built into thousands of these per evaluation.
    """

    id: int  # register id; hypothetical facilities: HYPOTHETICAL_ID_BASE and up
    category: str
    name: str
    muni_code: str | None = None
    lon: float | None = None
    lat: float | None = None
    subtype: str | None = None
    beds: int | None = None
    active_role: bool = False  # 積極的役割を担う医療機関
    hypothetical: bool = False

    @property
    def placed(self) -> bool:
        """True when the facility has a position (coverage uses only placed facilities)."""
        return self.lon is not None and self.lat is not None


@dataclass(frozen=True)
class FacilitySet:
    """An immutable set of facilities; ``label`` names a scenario (``None`` = the register itself).

    Build it with :meth:`from_project`, edit it with :meth:`edited`; pass it as ``facilities=`` to
    :func:`~zaitaku_map.coverage.compute_coverage` (and the other coverage functions) and to
    :func:`~zaitaku_map.options.evaluate_option`.
    """

    facilities: tuple[Facility, ...]
    label: str | None = None
    _by_id: dict[int, Facility] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_id = {f.id: f for f in self.facilities}
        if len(by_id) != len(self.facilities):
            dup = sorted(i for i, n in Counter(f.id for f in self.facilities).items() if n > 1)
            raise AnalysisError("facility ids must be unique in a facility set", value=dup[:10])
        object.__setattr__(self, "_by_id", by_id)

    @classmethod
    def from_project(cls, project: Project) -> FacilitySet:
        """The register: every open facility (placed or not), ordered by id."""
        rows = project.conn.execute(
            "SELECT id, category, name, muni_code, lon, lat, subtype, beds, active_role FROM facilities "
            "WHERE status = 'open' ORDER BY id"
        ).fetchall()
        return cls(
            tuple(
                Facility(
                    int(r[0]),
                    r[1],
                    r[2],
                    r[3],
                    None if r[4] is None else float(r[4]),
                    None if r[5] is None else float(r[5]),
                    r[6],
                    r[7],
                    bool(r[8]),
                )
                for r in rows
            )
        )

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, label: str | None = None) -> FacilitySet:
        """A set from a facility table with columns ``id, category, name, lon, lat`` (optional
        ``muni_code``, ``hypothetical``), e.g. a scenario's facilities of one category."""

        def opt_float(v: object) -> float | None:
            return None if v is None or pd.isna(v) else float(v)  # type: ignore[arg-type]

        cols = set(frame.columns)
        return cls(
            tuple(
                Facility(
                    id=int(r["id"]),
                    category=str(r["category"]),
                    name=str(r["name"]),
                    muni_code=None
                    if "muni_code" not in cols or pd.isna(r["muni_code"])
                    else str(r["muni_code"]),
                    lon=opt_float(r["lon"]),
                    lat=opt_float(r["lat"]),
                    hypothetical=bool(r["hypothetical"]) if "hypothetical" in cols else False,
                )
                for r in frame.to_dict("records")
            ),
            label=label,
        )

    # ------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.facilities)

    def __iter__(self) -> Iterator[Facility]:
        return iter(self.facilities)

    def get(self, facility_id: int) -> Facility | None:
        return self._by_id.get(int(facility_id))

    @property
    def hypothetical(self) -> tuple[Facility, ...]:
        return tuple(f for f in self.facilities if f.hypothetical)

    def new_hypothetical_id(self) -> int:
        """The next free id for a hypothetical facility (:data:`HYPOTHETICAL_ID_BASE` and up)."""
        return max(
            (f.id + 1 for f in self.facilities if f.id >= HYPOTHETICAL_ID_BASE), default=HYPOTHETICAL_ID_BASE
        )

    @cached_property
    def content_hash(self) -> str:
        """Fingerprint of everything analyses read (ids, categories, positions, beds, roles)."""
        h = hashlib.sha256()
        for f in self.facilities:
            h.update(
                f"{f.id}|{f.category}|{f.lon!r}|{f.lat!r}|{f.muni_code}|{f.subtype}|{f.beds}|"
                f"{int(f.active_role)}|{int(f.hypothetical)};".encode()
            )
        return h.hexdigest()[:32]

    def of_category(self, category: str) -> pd.DataFrame:
        """Placed facilities of one category (or a combined key such as ``zaishi``), ordered by id.

        Columns ``id, name, category, muni_code, lon, lat`` (what the coverage engine reads).
        """
        members = category_members(category)
        rows = sorted(
            (
                (f.id, f.name, f.category, f.muni_code, f.lon, f.lat)
                for f in self.facilities
                if f.category in members and f.placed
            ),
            key=lambda r: r[0],
        )
        df = pd.DataFrame(rows, columns=FRAME_COLUMNS)
        df["lon"] = pd.to_numeric(df["lon"], errors="coerce").astype(float)
        df["lat"] = pd.to_numeric(df["lat"], errors="coerce").astype(float)
        df["id"] = df["id"].astype(np.int64)
        return df

    def edited(
        self,
        *,
        label: str,
        remove: Iterable[int] = (),
        recategorise: Mapping[int, str] | None = None,
        move: Mapping[int, tuple[float, float]] | None = None,
        add: Iterable[Facility] = (),
    ) -> FacilitySet:
        """A scenario: this set with facilities switched off, re-categorised or moved, and hypothetical
        ones added.

        Parameters
        ----------
        label:
            The scenario's name (printed as 「案A＋label」 by the evaluation).
        remove:
            Ids of facilities to switch off (closure).
        recategorise:
            ``{id: category}`` for facilities gaining another category (e.g. ``clinic`` →
            ``zaishi_clinic``).  (The register lists a facility with two roles as two rows, e.g. a
            hospital that is also 在支病; to give a facility a second role, ``add`` a copy.)
        move:
            ``{id: (lon, lat)}`` new positions of existing facilities.
        add:
            Hypothetical facilities (placed; ids from :data:`HYPOTHETICAL_ID_BASE` up, e.g.
            :meth:`new_hypothetical_id`, so they never stand for a register row).
        """
        gone = {int(i) for i in remove}
        recat = dict(recategorise or {})
        moves = dict(move or {})
        unknown = sorted((gone | set(recat) | set(moves)) - set(self._by_id))
        if unknown:
            raise AnalysisError("unknown facility ids in a scenario", value=unknown[:10])
        out = []
        for f in self.facilities:
            if f.id in gone:
                continue
            lon, lat = moves.get(f.id, (f.lon, f.lat))
            out.append(f._replace(category=recat.get(f.id, f.category), lon=lon, lat=lat))
        for f in add:
            if f.id < HYPOTHETICAL_ID_BASE or not f.placed:
                raise AnalysisError(
                    f"a hypothetical facility needs an id from {HYPOTHETICAL_ID_BASE} up and a position",
                    value={"id": f.id, "lon": f.lon, "lat": f.lat},
                )
            out.append(f._replace(hypothetical=True))
        return FacilitySet(tuple(out), label=label)
