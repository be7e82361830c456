"""Town (大字・町丁目) and block (街区) matching against ``geocode_references``.

References are read **per municipality, on demand** (a prefecture's 街区 file has around a million
rows; a project usually needs a few municipalities of it).  For one municipality the index holds
``town_norm → point`` and ``(town_norm, block) → point``; a town known only through its blocks gets
the mean of its block points; several rows of one town (e.g. two 大字 points) are averaged.

Matching takes the address remainder after the municipality (normalised) and looks for the longest
town name it starts with; a town name ending in a digit (``相生町1`` = 一丁目) must not be followed by
another digit (``相生町12`` is 十二丁目).  The first number after the town is the 街区符号 / 地番.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from zaitaku_map.geocode.municipality import MunicipalityIndex
from zaitaku_map.geocode.normalize import normalize_address, split_numbers
from zaitaku_map.store.project import Project

Point3 = tuple[float, float, str]
_DIRECTIONS = ("上る", "下る", "入る", "上ル", "下ル", "入ル", "上がる", "下がる")


@dataclass
class RefHit:
    level: str  # block|town
    lon: float
    lat: float
    town: str  # matched town (normalised)
    block: str | None
    ref: str  # e.g. "isj_block:12" (format:source id)


@dataclass
class _Muni:
    towns: dict[str, Point3]
    blocks: dict[tuple[str, str], Point3]
    max_len: int


def resolve_reference_codes(project: Project, munis: MunicipalityIndex) -> int:
    """Fill ``geocode_references.muni_code`` from (pref_name, muni_name) where it is missing or unknown.

    References imported before the boundaries (or 街区 files, which carry no code) get their codes
    here; call inside the caller's transaction.  Returns the number of rows updated.
    """
    if not munis.munis:
        return 0
    pairs = project.conn.execute(
        "SELECT DISTINCT pref_name, muni_name, muni_code FROM geocode_references"
    ).fetchall()
    n = 0
    for pref, name, code in pairs:
        if code and code in munis.munis:
            continue
        m = munis.match(normalize_address((pref or "") + (name or "")))
        if m.code and not m.rest and m.code != code:
            cur = project.conn.execute(
                "UPDATE geocode_references SET muni_code=? WHERE pref_name IS ? AND muni_name IS ? AND muni_code IS ?",
                (m.code, pref, name, code),
            )
            n += cur.rowcount
    return n


class RefIndex:
    """Town/block points per municipality code, loaded lazily (see module docstring)."""

    def __init__(self, project: Project, munis: MunicipalityIndex) -> None:
        self.project = project
        self.munis = munis
        self._cache: dict[str, _Muni | None] = {}
        self._pref_towns: dict[str, dict[str, set[str]]] | None = None
        self.formats = {
            r[0]: r[1]
            for r in project.conn.execute("SELECT id, format FROM sources WHERE kind='geocode_reference'")
        }
        row = project.conn.execute(
            "SELECT count(*), max(id), group_concat(DISTINCT source_id) FROM geocode_references"
        ).fetchone()
        self.signature = f"{row[0]}:{row[1]}:{row[2]}"
        self.size = int(row[0] or 0)

    @classmethod
    def from_project(cls, project: Project, munis: MunicipalityIndex) -> RefIndex:
        return cls(project, munis)

    def __len__(self) -> int:
        return self.size

    def _load(self, code: str) -> _Muni | None:
        if code in self._cache:
            return self._cache[code]
        towns_acc: dict[str, list[Point3]] = defaultdict(list)
        block_towns: dict[str, list[Point3]] = defaultdict(list)
        blocks: dict[tuple[str, str], Point3] = {}
        for sid, level, tnorm, block, lon, lat in self.project.conn.execute(
            "SELECT source_id, level, town_norm, block, lon, lat FROM geocode_references WHERE muni_code=?",
            (code,),
        ):
            if not tnorm:
                continue
            pt = (float(lon), float(lat), f"{self.formats.get(sid, 'ref')}:{sid}")
            if level == "block" and block:
                blocks[(tnorm, str(block))] = pt
                block_towns[tnorm].append(pt)
            else:
                towns_acc[tnorm].append(pt)
        towns: dict[str, Point3] = {t: _mean(p) for t, p in towns_acc.items()}
        for t, p in block_towns.items():
            towns.setdefault(t, _mean(p))
        entry = _Muni(towns, blocks, max((len(t) for t in towns), default=0)) if towns else None
        self._cache[code] = entry
        return entry

    def covers(self, code: str) -> bool:
        return self._load(code) is not None

    @staticmethod
    def _boundary_ok(town: str, rest: str) -> bool:
        return not (town[-1].isdigit() and len(rest) > len(town) and rest[len(town)].isdigit())

    def match(self, code: str, rest: str) -> RefHit | None:
        """Block or town point for the address remainder ``rest`` in municipality ``code``.

        京都市-style addresses name the street crossing before the town
        (``烏丸通御池下る虎屋町566``): when nothing matches, the text after the last 上る/下る/入る is tried.
        """
        if not rest or not self.size:
            return None
        m = self._load(code)
        if m is None:
            return None
        hit = self._match_in(m, rest)
        if hit is None:
            cut = max((rest.rfind(k) + len(k) for k in _DIRECTIONS if k in rest), default=-1)
            if 0 < cut < len(rest):
                hit = self._match_in(m, rest[cut:])
        return hit

    def _match_in(self, m: _Muni, rest: str) -> RefHit | None:
        for n in range(min(len(rest), m.max_len), 0, -1):
            t = rest[:n]
            hit = m.towns.get(t)
            if hit is None or not self._boundary_ok(t, rest):
                continue
            after = rest[n:].lstrip("-")
            if after[:1].isdigit():
                _, nums = split_numbers(after)
                b = m.blocks.get((t, nums[0])) if nums else None
                if b is not None:
                    return RefHit("block", b[0], b[1], t, nums[0], b[2])
            return RefHit("town", hit[0], hit[1], t, None, hit[2])
        return None

    def muni_by_town(self, pref_name: str | None, rest: str) -> tuple[str, str] | None:
        """(code, rest) when ``rest`` starts with a town name of exactly one municipality of the prefecture.

        Used for addresses written with a pre-merger municipality name that the reference keeps in
        its town names (``鹿野町今市`` in 鳥取市, formerly 気高郡鹿野町).
        """
        if not pref_name or not self.size:
            return None
        if self._pref_towns is None:
            self._pref_towns = {}
            for code, tnorm in self.project.conn.execute(
                "SELECT DISTINCT muni_code, town_norm FROM geocode_references WHERE muni_code IS NOT NULL"
            ):
                muni = self.munis.munis.get(code)
                if muni is not None and tnorm:
                    self._pref_towns.setdefault(muni.pref_name, {}).setdefault(tnorm, set()).add(code)
        towns = self._pref_towns.get(pref_name)
        if not towns:
            return None
        top = max(len(t) for t in towns)
        for n in range(min(len(rest), top), 2, -1):
            codes = towns.get(rest[:n])
            if codes and self._boundary_ok(rest[:n], rest):
                return (next(iter(codes)), rest) if len(codes) == 1 else None
        return None


def _mean(pts: list[Point3]) -> Point3:
    return (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts), pts[0][2])
