"""Import user-supplied geocoding references into ``geocode_references``.

Supported files (detected from the header / content, never from the extension alone):

- 位置参照情報 **街区レベル** CSV (MLIT, CP932): ``都道府県名,市区町村名,大字・丁目名,小字・通称名,
  街区符号・地番,座標系番号,Ｘ座標,Ｙ座標,緯度,経度,住居表示フラグ,…`` → level ``block``;
- 位置参照情報 **大字・町丁目レベル** CSV (CP932): ``都道府県コード,都道府県名,市区町村コード,市区町村名,
  大字町丁目コード,大字町丁目名,緯度,経度,…`` → level ``town``;
- either of them inside a ``.zip`` as distributed by MLIT (every CSV member is read);
- town-point JSON lists such as geolonia's (``[{"town", "koaza", "lat", "lng"}, …]``) → ``town``.
  They carry no municipality: pass ``municipality=`` (name or code); otherwise it is taken from
  the file name when that is a municipality name (``鳥取市.json``), else from the boundaries —
  the municipality polygon that contains (nearly) all the points.

Encoding is detected (UTF-8 with/without BOM, else CP932).  Rows with unusable coordinates go to
``import_log``.  Importing the same file again replaces its earlier rows (one transaction).

基準日: the ``reference_date`` given, else the data year (年度) the MLIT names carry — the CSV
``31_2023.csv`` (prefecture or municipality code, year), else the release ``31000-17.0b`` (大字・町丁目
version *n*.0b = 年度 2006 + *n*; 街区 *n*.0a = 2001 + *n*, from 11.0a = 平成24年度), else unknown.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

import numpy as np
import shapely

from zaitaku_map import archive, tabular
from zaitaku_map.errors import InputDataError, UnsupportedFormatError
from zaitaku_map.geo import in_japan
from zaitaku_map.geocode.municipality import MunicipalityIndex
from zaitaku_map.geocode.normalize import (
    PREFECTURES,
    normalize_address,
    normalize_town,
    pref_name_of,
)
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback
from zaitaku_map.refdate import resolve_reference_date
from zaitaku_map.settings import limits
from zaitaku_map.store import gpkg
from zaitaku_map.store.project import Project, file_sha256
from zaitaku_map.textnorm import normalize_text

BATCH = 5000
_INSERT = (
    "INSERT INTO geocode_references (source_id, level, pref_name, muni_code, muni_name, town, town_norm, block, "
    "lon, lat) VALUES (?,?,?,?,?,?,?,?,?,?)"
)


_ISJ_CSV_YEAR = re.compile(r"(?:^|[/\\])\d{2,5}_((?:19|20)\d{2})\.csv$", re.IGNORECASE)  # 31_2023.csv
_ISJ_RELEASE = re.compile(
    r"(?<![\d.])\d{2}(?:\d{3})?-(\d{1,2})\.0([ab])(?![\d])", re.IGNORECASE
)  # 31000-17.0b


def reference_date_from_name(name: str, members: list[str] | tuple[str, ...] = ()) -> str | None:
    """The data year (``"2023"``) of a 位置参照情報 download from its CSV or release name (module docstring)."""
    for n in (*members, name):
        m = _ISJ_CSV_YEAR.search(n)
        if m:
            return m.group(1)
    for n in (name, *members):
        m = _ISJ_RELEASE.search(n)
        if m:
            version, kind = int(m.group(1)), m.group(2).lower()
            if kind == "b" and version >= 1:
                return str(2006 + version)
            if kind == "a" and version >= 11:
                return str(2001 + version)
    return None


def _name_date(p: Path) -> str | None:
    """:func:`reference_date_from_name` of a download, looking at the CSV names inside a zip too."""
    members: list[str] = []
    if archive.is_zip(p):
        members = [m.name for m in archive.members(p) if m.name.lower().endswith(".csv")]
    return reference_date_from_name(p.name, members)


def _col(header: list[str], *names: str) -> int | None:
    norm = [normalize_text(h) for h in header]
    for n in names:
        nn = normalize_text(n)
        if nn in norm:
            return norm.index(nn)
    return None


def detect_reference_format(header: list[str]) -> str | None:
    """``isj_block`` | ``isj_town`` | ``None`` from a CSV header row."""
    if _col(header, "街区符号・地番") is not None and _col(header, "緯度") is not None:
        return "isj_block"
    if _col(header, "大字町丁目名", "大字・町丁目名") is not None and _col(header, "緯度") is not None:
        return "isj_town"
    return None


def _csv_sources(path: Path) -> Iterator[tuple[str, tabular.Source, int]]:
    """``(member name, source, size in bytes)`` of every CSV in the file (a zip's members are
    streamed through :mod:`zaitaku_map.archive`, within the limits)."""
    if archive.is_zip(path):
        infos = [m for m in archive.members(path) if m.name.lower().endswith(".csv")]
        if not infos:
            raise UnsupportedFormatError(
                "zip contains no CSV", file=path, expected="位置参照情報の CSV を含む zip"
            )
        for m in infos:
            yield m.name, (path, m.name), m.size
    else:
        yield path.name, path, path.stat().st_size


def _float(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        try:
            f = float(normalize_text(str(v)))
        except (TypeError, ValueError):
            return None
    return f if np.isfinite(f) else None


class _Writer:
    """Batches rows into the table and rejected rows into ``import_log``."""

    def __init__(self, project: Project, source_id: int, file_name: str) -> None:
        self.project = project
        self.source_id = source_id
        self.file_name = file_name
        self.buf: list[tuple[Any, ...]] = []
        self.n_ok = 0
        self.n_bad = 0
        self.per_muni: Counter[str] = Counter()
        self.levels: Counter[str] = Counter()

    def add(self, row: tuple[Any, ...]) -> None:
        self.buf.append(row)
        self.n_ok += 1
        self.per_muni[row[3] or row[4] or "?"] += 1
        self.levels[row[1]] += 1
        if len(self.buf) >= BATCH:
            self.flush()

    def reject(
        self, row_no: int, column: str, value: Any, reason: str, raw: dict[str, Any] | None = None
    ) -> None:
        self.n_bad += 1
        self.project.log_row(
            source_id=self.source_id,
            file_name=self.file_name,
            row=row_no,
            column=column,
            value=value,
            reason=reason,
            raw=raw,
        )

    def flush(self) -> None:
        if self.buf:
            self.project.conn.executemany(_INSERT, self.buf)
            self.buf.clear()


def _resolve_muni(
    index: MunicipalityIndex, cache: dict[tuple[str, str], str | None], pref: str, name: str
) -> str | None:
    key = (pref, name)
    if key not in cache:
        m = index.match(normalize_address(pref + name))
        cache[key] = m.code if m.code and not m.rest else None
    return cache[key]


@dataclass(frozen=True)
class _IsjColumns:
    """Column positions of a 位置参照情報 CSV (by header name)."""

    level: str  # block | town
    pref: int
    muni: int
    town: int
    lat: int
    lon: int
    code: int | None
    koaza: int | None
    block: int | None

    @classmethod
    def of(cls, header: list[str], fmt: str, *, path: Path, member: str) -> _IsjColumns:
        cols = {
            "pref": _col(header, "都道府県名"),
            "muni": _col(header, "市区町村名"),
            "town": _col(header, "大字・丁目名", "大字町丁目名", "大字・町丁目名"),
            "lat": _col(header, "緯度"),
            "lon": _col(header, "経度"),
        }
        required = {k: v for k, v in cols.items() if v is not None}
        if len(required) < len(cols):
            raise InputDataError(
                "required column missing",
                file=path,
                sheet=member,
                value=",".join(header),
                expected="都道府県名, 市区町村名, 大字・丁目名, 緯度, 経度",
            )
        return cls(
            level="block" if fmt == "isj_block" else "town",
            code=_col(header, "市区町村コード"),
            koaza=_col(header, "小字・通称名"),
            block=_col(header, "街区符号・地番"),
            **required,
        )


class _IsjReader:
    """Reads 位置参照情報 CSVs row by row into a :class:`_Writer` (caches shared across members)."""

    def __init__(self, w: _Writer, index: MunicipalityIndex, prog: Progress) -> None:
        self.w = w
        self.index = index
        self.prog = prog
        self.muni_cache: dict[tuple[str, str], str | None] = {}
        self.town_cache: dict[str, str] = {}  # a town repeats on each of its blocks
        self.text_cache: dict[str, str] = {}
        self.field_chars = limits().field_chars

    def text(self, v: str) -> str:
        r = self.text_cache.get(v)
        if r is None:
            r = self.text_cache[v] = normalize_text(v)
        return r

    def read(self, path: Path, member: str, source: tabular.Source, size: int) -> str | None:
        """Read one CSV; its format (``None`` when it is empty)."""
        with tabular.open_text(source, name=member) as (stream, _enc):
            reader = csv.reader(stream)
            header = next(reader, None)
            if not header:
                return None
            fmt = detect_reference_format(header)
            if fmt is None:
                raise UnsupportedFormatError(
                    "not a 位置参照情報 CSV",
                    file=path,
                    sheet=member,
                    value=",".join(header[:6]),
                    expected="街区レベル (街区符号・地番, 緯度, 経度) または 大字・町丁目レベル (大字町丁目名, 緯度, 経度)",
                )
            cols = _IsjColumns.of(header, fmt, path=path, member=member)
            total = max(size / 110, 1)  # rows, estimated (a 位置参照情報 row is ~100–120 bytes)
            for i, row in enumerate(reader, start=2):
                if i % BATCH == 0:
                    self.prog.update(min(i / total, 0.99), f"{member}: {i:,} 行")
                self.row(i, row, cols)
        return fmt

    def row(self, i: int, row: list[str], c: _IsjColumns) -> None:
        if not row:
            return
        if len(row) <= max(c.lat, c.lon, c.pref, c.muni, c.town):
            self.w.reject(i, "", ",".join(row)[:200], "too few columns")
            return
        lat, lon = _float(row[c.lat]), _float(row[c.lon])
        if lat is None or lon is None or not in_japan(lon, lat):
            self.w.reject(
                i, "緯度/経度", f"{row[c.lat]},{row[c.lon]}"[:200], "coordinate missing or outside Japan"
            )
            return
        cells = [row[k] for k in (c.pref, c.muni, c.town)]
        if max(len(v) for v in cells) > self.field_chars:
            self.w.reject(i, "", ",".join(cells)[:200], "value too long")
            return
        if tabular.undecoded(",".join(row)):
            self.w.reject(i, "", None, "bytes that are not text in the file's encoding")
            return
        pref, muni, town = (self.text(v) for v in cells)
        code = None
        if c.code is not None:
            raw_code = self.text(row[c.code]) if c.code < len(row) else ""
            code = self.index.resolve_code(raw_code) or (raw_code.zfill(5) if raw_code.isdigit() else None)
        if code is None and self.index.munis:
            code = _resolve_muni(self.index, self.muni_cache, pref, muni)
        # the 小字 of a block row is rarely written in addresses: the 大字 stays the town
        block = self.text(row[c.block]) if c.block is not None and c.block < len(row) else None
        if c.level == "block" and not block:
            self.w.reject(i, "街区符号・地番", "", "block number missing")
            return
        tnorm = self.town_cache.get(town)
        if tnorm is None:
            tnorm = self.town_cache[town] = normalize_town(town)
        self.w.add((self.w.source_id, c.level, pref, code, muni, town, tnorm, block, lon, lat))


def _import_isj(project: Project, path: Path, w: _Writer, index: MunicipalityIndex, prog: Progress) -> str:
    reader = _IsjReader(w, index, prog)
    fmt_seen = None
    for member, source, size in _csv_sources(path):
        fmt_seen = reader.read(path, member, source, size) or fmt_seen
    if fmt_seen is None:
        raise UnsupportedFormatError("empty CSV", file=path, expected="位置参照情報の CSV")
    return fmt_seen


def _json_points(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(tabular.decode_bytes(path.read_bytes(), name=path.name)[0])
    except json.JSONDecodeError as exc:
        raise UnsupportedFormatError(
            f"invalid JSON: {exc}", file=path, expected="町丁目代表点の JSON"
        ) from exc
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        out = []
        for f in data.get("features") or []:
            props = dict(f.get("properties") or {})
            geom = f.get("geometry") or {}
            if geom.get("type") == "Point":
                props["lng"], props["lat"] = geom["coordinates"][:2]
            out.append(props)
        return out
    if isinstance(data, dict):
        for key in ("towns", "data", "items"):
            if isinstance(data.get(key), list):
                return list(data[key])
    if isinstance(data, list):
        return data
    raise UnsupportedFormatError(
        "JSON is not a list of town points",
        file=path,
        expected='[{"town": ..., "lat": ..., "lng": ...}, ...]',
    )


def _muni_for_points(
    project: Project,
    index: MunicipalityIndex,
    path: Path,
    municipality: str | None,
    lons: np.ndarray,
    lats: np.ndarray,
) -> str:
    if municipality:
        code = index.resolve_code(municipality)
        if code is None:
            hits = [
                c
                for c, m in index.munis.items()
                if normalize_text(municipality) in (m.name, m.full_name, (m.pref_name or "") + m.full_name)
            ]
            code = hits[0] if len(hits) == 1 else None
        if code is None:
            raise InputDataError(
                "unknown municipality for the reference",
                file=path,
                value=municipality,
                hint="市区町村名か5桁コードを指定してください（先に行政区域を取り込んでください）。",
            )
        return code
    stem = normalize_text(path.stem)
    hits = [
        c for c, m in index.munis.items() if stem in (m.name, m.full_name) and m.kind != "designated_city"
    ]
    if len(hits) == 1:
        return hits[0]
    if not index.munis:
        raise InputDataError(
            "the town-point file names no municipality and no boundaries are loaded",
            file=path,
            hint="--municipality 市区町村名 を指定するか、先に行政区域（N03）を取り込んでください。",
        )
    rows = project.conn.execute(
        "SELECT code, geom FROM municipalities WHERE kind != 'designated_city'"
    ).fetchall()
    counts: Counter[str] = Counter()
    for code, blob in rows:
        g = gpkg.from_blob(blob)
        if g is None:
            continue
        counts[code] = int(shapely.contains_xy(g, lons, lats).sum())
    if counts:
        code, n = counts.most_common(1)[0]
        if n >= 0.8 * len(lons):
            return code
    raise InputDataError(
        "cannot tell which municipality the town points belong to",
        file=path,
        hint="--municipality 市区町村名 を指定してください。",
    )


def _import_json(
    project: Project,
    path: Path,
    w: _Writer,
    index: MunicipalityIndex,
    municipality: str | None,
    prog: Progress,
) -> str:
    items = _json_points(path)
    good: list[tuple[int, str, str, float, float]] = []
    for i, it in enumerate(items, start=1):
        if not isinstance(it, dict):
            w.reject(i, "", str(it)[:80], "not an object")
            continue
        town = normalize_text(str(it.get("town") or it.get("name") or ""))
        koaza = normalize_text(str(it.get("koaza") or ""))
        lat = _float(it.get("lat") if it.get("lat") is not None else it.get("latitude"))
        lon = _float(next((it.get(k) for k in ("lng", "lon", "longitude") if it.get(k) is not None), None))
        if not town:
            w.reject(i, "town", "", "town name missing", raw=it)
        elif lat is None or lon is None or not in_japan(lon, lat):
            w.reject(
                i,
                "lat/lng",
                f"{it.get('lat')},{it.get('lng')}",
                "coordinate missing or outside Japan",
                raw=it,
            )
        else:
            good.append((i, town, koaza, lon, lat))
    if not good:
        raise InputDataError("no usable town points", file=path, expected='[{"town", "lat", "lng"}]')
    code = _muni_for_points(
        project, index, path, municipality, np.array([g[3] for g in good]), np.array([g[4] for g in good])
    )
    m = index.munis.get(code)
    pref = m.pref_name if m else (PREFECTURES.get(code[:2]) or "")
    name = m.full_name if m else ""
    for n, (_i, town, koaza, lon, lat) in enumerate(good):
        if n % BATCH == 0:
            prog.update(n / len(good), f"{path.name}: {n:,}")
        full = town + koaza
        w.add((w.source_id, "town", pref, code, name, full, normalize_town(full), None, lon, lat))
    return "town_json"


class ReferenceReport(TypedDict, total=False):
    """What :func:`import_reference` did (``skipped`` when the same file was imported before)."""

    source_id: int
    file: str
    format: str
    skipped: str
    rows_imported: int
    rows_rejected: int
    replaced_sources: list[int]
    levels: dict[str, int]
    municipalities: dict[str, int]
    municipality_option: str | None
    reference_date: str | None
    reference_date_origin: str | None


def import_reference(
    project: Project,
    path: str | Path,
    *,
    municipality: str | None = None,
    replace: bool = False,
    reference_date: str | None = None,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> ReferenceReport:
    """Import one reference file (see module docstring) in one transaction.

    A file already imported (same content, same ``municipality``) is skipped unless ``replace``:
    re-running ``geocode --reference FILE`` then leaves the references, and so every facility, as is.

    Parameters
    ----------
    project:
        Open :class:`~zaitaku_map.store.project.Project`.
    path:
        位置参照情報 CSV/zip or town-point JSON.
    municipality:
        Name or code of the municipality of a town-point list that does not carry one.
    reference_date:
        基準日 (``YYYY-MM-DD``, a year/年度 or 和暦); default: the data year of the file name.  Given
        for a file already imported, it updates that source's date.

    Returns
    -------
    dict
        ``source_id``, ``format``, ``file``, ``rows_imported``, ``rows_rejected``, ``levels``
        (count per level), ``municipalities`` (count per code), ``replaced_sources``,
        ``reference_date`` and ``reference_date_origin`` (``argument`` | ``file_name`` | ``None``).
    """
    prog = Progress.of(progress, cancel)
    p = Path(path)
    if not p.is_file():
        raise InputDataError("reference file not found", file=p)
    ref, origin = resolve_reference_date(reference_date, ("file_name", lambda: _name_date(p)))
    index = MunicipalityIndex.from_project(project)
    sha = file_sha256(p)
    with open(p, "rb") as fh:
        head = fh.read(64).removeprefix(codecs.BOM_UTF8).lstrip()
    is_json = head[:1] in (b"[", b"{")
    prior = project.conn.execute(
        "SELECT s.id, s.format, s.summary_json, (SELECT count(*) FROM geocode_references g WHERE g.source_id = s.id), "
        "s.reference_date FROM sources s WHERE s.kind='geocode_reference' AND s.sha256=? ORDER BY s.id DESC LIMIT 1",
        (sha,),
    ).fetchone()
    if prior is not None and prior[3] and not replace:
        summary = json.loads(prior[2] or "{}")
        if summary.get("municipality_option") == municipality:
            if ref and ref != prior[4] and (origin == "argument" or not prior[4]):
                with project.transaction():  # only the date is new: the rows, and so every facility, stay
                    project.conn.execute("UPDATE sources SET reference_date=? WHERE id=?", (ref, prior[0]))
            else:
                ref, origin = prior[4], "stored" if prior[4] else None
            prog.update(prog.total, "参照データは取込済み", force=True)
            return {
                "source_id": prior[0],
                "file": p.name,
                "format": prior[1],
                "skipped": "already imported",
                "rows_imported": 0,
                "rows_rejected": 0,
                "replaced_sources": [],
                "levels": summary.get("levels", {}),
                "municipalities": summary.get("municipalities", {}),
                "reference_date": ref,
                "reference_date_origin": origin,
            }
    with project.transaction():
        old = [
            r[0]
            for r in project.conn.execute(
                "SELECT id FROM sources WHERE kind='geocode_reference' AND sha256=?", (sha,)
            )
        ]
        for sid in old:
            project.conn.execute("DELETE FROM geocode_references WHERE source_id=?", (sid,))
        sid = project.add_source(
            kind="geocode_reference", format="pending", path=p, sha256=sha, reference_date=ref
        )
        w = _Writer(project, sid, p.name)
        if is_json:
            fmt = _import_json(project, p, w, index, municipality, prog)
        else:
            fmt = _import_isj(project, p, w, index, prog)
        w.flush()
        if w.n_ok == 0:
            raise InputDataError("reference file has no usable rows", file=p, value=w.n_bad)
        summary = {
            "levels": dict(w.levels),
            "municipalities": dict(w.per_muni),
            "municipality_option": municipality,
        }
        project.conn.execute(
            "UPDATE sources SET format=?, rows_read=?, rows_rejected=?, summary_json=? WHERE id=?",
            (fmt, w.n_ok + w.n_bad, w.n_bad, json.dumps(summary, ensure_ascii=False), sid),
        )
    prog.update(prog.total, "参照データ取込完了", force=True)
    return {
        "source_id": sid,
        "file": p.name,
        "format": fmt,
        "rows_imported": w.n_ok,
        "rows_rejected": w.n_bad,
        "replaced_sources": old,
        "reference_date": ref,
        "reference_date_origin": origin,
        "levels": dict(w.levels),
        "municipalities": dict(w.per_muni),
        "municipality_option": municipality,
    }


def reference_pref_names(project: Project) -> set[str]:
    """Prefectures covered by imported references (for reporting)."""
    return {
        pref_name_of(r[0]) or r[0]
        for r in project.conn.execute("SELECT DISTINCT pref_name FROM geocode_references")
        if r[0]
    }
