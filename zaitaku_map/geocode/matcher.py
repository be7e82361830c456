"""In-memory index of ``geocode_references`` for town (大字・町丁目) and block (街区) matching.

For each municipality the index holds ``town_norm → point`` and ``(town_norm, block) → point``.
A town known only through its blocks gets the mean of its block points; a town split into several
points (小字 of a geolonia list, or several 丁目 rows) keeps each, and its bare name gets their mean.

Matching takes the address remainder after the municipality (normalised) and looks for the longest
town name it starts with; a town name ending in a digit (``相生町1`` = 一丁目) must not be followed by
another digit (``相生町12`` is 十二丁目).  The first number after the town is the 街区符号 / 地番.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from zaitaku_map.geocode.municipality import MunicipalityIndex
from zaitaku_map.geocode.normalize import normalize_address, split_numbers


@dataclass
class RefHit:
    level: str            # block|town
    lon: float
    lat: float
    town: str             # matched town (normalised)
    block: str | None
    ref: str              # e.g. "isj_block:12" (format:source id)


@dataclass
class RefIndex:
    """Town/block points per municipality code (see module docstring)."""

    towns: dict[str, dict[str, tuple[float, float, str]]] = field(default_factory=dict)
    blocks: dict[str, dict[tuple[str, str], tuple[float, float, str]]] = field(default_factory=dict)
    max_town_len: dict[str, int] = field(default_factory=dict)
    # pref_name -> town_norm -> set of muni codes (for old municipality names inside town names)
    pref_towns: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    signature: str = ""

    @classmethod
    def from_project(cls, project: Any, munis: MunicipalityIndex) -> RefIndex:
        idx = cls()
        fmts = {r[0]: r[1] for r in project.conn.execute("SELECT id, format FROM sources WHERE kind='geocode_reference'")}
        name_cache: dict[tuple[str, str], str | None] = {}
        town_acc: dict[str, dict[str, list[tuple[float, float, str]]]] = defaultdict(lambda: defaultdict(list))
        block_town_acc: dict[str, dict[str, list[tuple[float, float, str]]]] = defaultdict(lambda: defaultdict(list))
        n = 0
        for sid, level, pref, code, mname, tnorm, block, lon, lat in project.conn.execute(
            "SELECT source_id, level, pref_name, muni_code, muni_name, town_norm, block, lon, lat "
            "FROM geocode_references"
        ):
            n += 1
            if not code or code not in munis.munis:
                key = (pref or "", mname or "")
                if key not in name_cache:
                    m = munis.match(normalize_address((pref or "") + (mname or "")))
                    name_cache[key] = m.code if m.code and not m.rest else None
                code = name_cache[key] or code
            if not code or not tnorm:
                continue
            ref = f"{fmts.get(sid, 'ref')}:{sid}"
            if level == "block" and block:
                idx.blocks.setdefault(code, {})[(tnorm, str(block))] = (lon, lat, ref)
                block_town_acc[code][tnorm].append((lon, lat, ref))
            else:
                town_acc[code][tnorm].append((lon, lat, ref))
        for code, towns in town_acc.items():
            for t, pts in towns.items():
                idx._put_town(code, t, pts)
        for code, towns in block_town_acc.items():
            for t, pts in towns.items():
                if t not in idx.towns.get(code, {}):
                    idx._put_town(code, t, pts)
        for code, placed in idx.towns.items():
            muni = munis.munis.get(code)
            pref = muni.pref_name if muni else ""
            for t in placed:
                idx.pref_towns.setdefault(pref, {}).setdefault(t, set()).add(code)
        idx.signature = f"{n}:{sorted(fmts)}"
        return idx

    def _put_town(self, code: str, town: str, pts: list[tuple[float, float, str]]) -> None:
        lon = sum(p[0] for p in pts) / len(pts)
        lat = sum(p[1] for p in pts) / len(pts)
        self.towns.setdefault(code, {})[town] = (lon, lat, pts[0][2])
        self.max_town_len[code] = max(self.max_town_len.get(code, 0), len(town))

    def __len__(self) -> int:
        return sum(len(t) for t in self.towns.values())

    def covers(self, code: str) -> bool:
        return code in self.towns

    @staticmethod
    def _boundary_ok(town: str, rest: str) -> bool:
        return not (town[-1].isdigit() and len(rest) > len(town) and rest[len(town)].isdigit())

    def match(self, code: str, rest: str) -> RefHit | None:
        """Block or town point for the address remainder ``rest`` in municipality ``code``."""
        towns = self.towns.get(code)
        if not towns or not rest:
            return None
        for n in range(min(len(rest), self.max_town_len.get(code, 0)), 0, -1):
            t = rest[:n]
            hit = towns.get(t)
            if hit is None or not self._boundary_ok(t, rest):
                continue
            after = rest[n:].lstrip("-")
            _, nums = split_numbers(after) if after[:1].isdigit() else ("", [])
            if nums:
                b = self.blocks.get(code, {}).get((t, nums[0]))
                if b is not None:
                    return RefHit("block", b[0], b[1], t, nums[0], b[2])
            return RefHit("town", hit[0], hit[1], t, None, hit[2])
        return None

    def muni_by_town(self, pref_name: str | None, rest: str) -> tuple[str, str] | None:
        """(code, rest) when ``rest`` starts with a town name of exactly one municipality of the prefecture.

        Used for addresses written with a pre-merger municipality name that the reference keeps in
        its town names (``鹿野町今市`` in 鳥取市).
        """
        if not pref_name or pref_name not in self.pref_towns:
            return None
        towns = self.pref_towns[pref_name]
        top = max((len(t) for t in towns), default=0)
        for n in range(min(len(rest), top), 2, -1):
            codes = towns.get(rest[:n])
            if codes and self._boundary_ok(rest[:n], rest):
                return (next(iter(codes)), rest) if len(codes) == 1 else None
        return None
