"""国土数値情報 A38 医療圏 (Shapefile/GeoJSON/GML) as an area layer.

Variants (attributes matched by content, names as a first guess):

- ``A38b`` 二次医療圏 polygons: ``A38b_001`` member municipality codes (comma separated),
  ``A38b_002`` member names, ``A38b_003`` area code (4 digits), ``A38b_004`` area name;
- ``A38a`` 一次医療圏 rows per municipality: ``A38a_001`` municipality code,
  ``A38a_003``/``A38a_004`` the 二次医療圏 code/name it belongs to;
- ``A38c`` 三次医療圏 (or any polygon file without member codes): municipalities are assigned to
  the area polygon that covers the largest part of them.

Members are the project's municipalities (wards of a 政令市 listed by the city code are all
members); area polygons are then rebuilt as the dissolve of the members, like tables.

The 基準日 is the ``reference_date`` given, else the data year of the 国土数値情報 file name
(``A38-20_31_GML.zip`` → ``2020``), else unknown.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely

from zaitaku_map.errors import GeodataError
from zaitaku_map.geodata.areas import AreaLayerReport, area_list, write_layer
from zaitaku_map.geodata.codes import code_candidates
from zaitaku_map.geodata.n03_read import read_boundary_file
from zaitaku_map.geodata.units import ProjectMunicipalities, municipalities_without
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback
from zaitaku_map.refdate import resolve_reference_date
from zaitaku_map.store import gpkg
from zaitaku_map.store.project import Project

_SPLIT = re.compile(r"[,、，・;\s/]+")
_A38_NAME = re.compile(r"A38[a-c]?-(\d{2})(?:_|\b)", re.IGNORECASE)


def reference_date_from_name(name: str) -> str | None:
    """The data year (``"2020"``) a 国土数値情報 A38 file name carries (``A38-20_31_GML.zip``)."""
    m = _A38_NAME.search(name)
    return f"20{m.group(1)}" if m else None


def _text(v: Any) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    return str(v).strip()


def _pick(frame: Any, names: list[str], test: Any) -> str | None:
    cols: list[str] = [c for c in frame.columns if c not in ("geometry", "_file")]
    for n in names:
        if n in cols and test(frame[n]):
            return n
    for c in cols:
        if test(frame[c]):
            return c
    return None


def _code_list(v: Any) -> list[str]:
    return [t for t in _SPLIT.split(_text(v)) if t]


def _codes_col(s: Any) -> bool:
    vals = [_code_list(v) for v in s if _text(v)]
    return bool(vals) and all(all(code_candidates(t) for t in v) for v in vals)


def _area_code_col(s: Any) -> bool:
    vals = [_text(v) for v in s if _text(v)]
    return bool(vals) and all(re.fullmatch(r"\d{2,4}", v) for v in vals)


def _name_col(s: Any) -> bool:
    vals = [_text(v) for v in s if _text(v)]
    return bool(vals) and not any(re.fullmatch(r"[\d.,\s]+", v) for v in vals)


@dataclass(frozen=True)
class _A38Columns:
    """The variant of an A38 file and its member / area code / area name attributes (by content)."""

    variant: str
    member: str | None
    area_code: str | None
    area_name: str | None

    @classmethod
    def of(cls, raw: Any, path: Path) -> _A38Columns:
        cols = [c for c in raw.columns if c not in ("geometry", "_file")]
        variant = next((v for v in ("A38a", "A38b", "A38c") if any(c.startswith(v) for c in cols)), "unknown")
        if variant == "A38a":
            found = cls(
                variant,
                _pick(raw, ["A38a_001"], _codes_col),
                _pick(raw, ["A38a_003"], _area_code_col),
                _pick(raw, ["A38a_004"], _name_col),
            )
        else:
            found = cls(
                variant,
                _pick(raw, ["A38b_001"], _codes_col) if variant != "A38c" else None,
                _pick(raw, ["A38b_003", "A38c_003", "A38c_002"], _area_code_col),
                _pick(raw, ["A38b_004", "A38c_001", "A38c_004"], _name_col),
            )
        if found.area_code is None and found.area_name is None:
            raise GeodataError(
                "no area code/name attribute in the A38 file",
                file=path,
                value=", ".join(cols),
                expected="A38b_003 二次医療圏コード / A38b_004 二次医療圏名",
            )
        return found

    def key(self, row: Any) -> tuple[str, str]:
        acode = _text(row[self.area_code]) if self.area_code else ""
        aname = _text(row[self.area_name]) if self.area_name else ""
        return (acode or aname, aname or acode)


def _by_member_codes(
    raw: Any, cols: _A38Columns, units: ProjectMunicipalities
) -> tuple[dict[str, tuple[str, str]], Counter[str], list[str]]:
    """``(assignments, rows of other prefectures, unmatched codes)`` from the member code lists."""
    assignments: dict[str, tuple[str, str]] = {}
    other_pref: Counter[str] = Counter()
    unmatched: list[str] = []
    for _, row in raw.iterrows():
        key = cols.key(row)
        for token in _code_list(row[cols.member]):
            hit = units.match_code(token)
            if hit is None:
                if units.other_prefecture(token):
                    other_pref[code_candidates(token)[0][:2]] += 1
                else:
                    unmatched.append(token)
                continue
            for u in units.units(hit):
                assignments.setdefault(u, key)
    return assignments, other_pref, unmatched


def _by_largest_overlap(project: Project, raw: Any, cols: _A38Columns) -> dict[str, tuple[str, str]]:
    """Each municipality to the area polygon covering more than half of it."""
    area_geoms = [
        (cols.key(row), shapely.make_valid(row.geometry))
        for _, row in raw.iterrows()
        if row.geometry is not None and not row.geometry.is_empty
    ]
    tree = shapely.STRtree([g for _, g in area_geoms])
    assignments: dict[str, tuple[str, str]] = {}
    for code, blob in project.conn.execute(
        "SELECT code, geom FROM municipalities WHERE kind != 'designated_city'"
    ).fetchall():
        g = gpkg.from_blob(blob)
        if g is None:  # no geometry stored: nothing to intersect (the tree query would be empty)
            continue
        hits = tree.query(g, predicate="intersects")
        if not len(hits):
            continue
        best = max(hits, key=lambda i: area_geoms[int(i)][1].intersection(g).area)
        if area_geoms[int(best)][1].intersection(g).area > 0.5 * g.area:
            assignments[code] = area_geoms[int(best)][0]
    return assignments


def import_a38(
    project: Project,
    path: str | Path,
    *,
    layer: str = "二次医療圏",
    reference_date: str | None = None,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> AreaLayerReport:
    """Import an A38 医療圏 file as area layer ``layer`` (replacing a layer of that name).

    ``reference_date`` (基準日) defaults to the data year of the file name (see module docstring);
    the report says where it came from (``reference_date_origin``: ``argument`` | ``file_name``).
    """
    prog = Progress.of(progress, cancel)
    p = Path(path)
    ref, origin = resolve_reference_date(
        reference_date, ("file_name", lambda: reference_date_from_name(p.name))
    )
    units = ProjectMunicipalities.of(project)
    raw, facts = read_boundary_file(p)
    prog.update(0.3, "医療圏を照合中", force=True)
    cols = _A38Columns.of(raw, p)
    variant, member_col = cols.variant, cols.member
    method = "member_codes" if member_col else "largest_overlap"
    if member_col:
        assignments, other_pref, unmatched = _by_member_codes(raw, cols, units)
    else:
        assignments, other_pref, unmatched = _by_largest_overlap(project, raw, cols), Counter(), []
    if not assignments:
        raise GeodataError(
            "no municipality of the project lies in the A38 file",
            file=p,
            hint="行政区域と同じ都道府県の医療圏データか確認してください。",
            ignored_other_prefectures=sum(other_pref.values()),
        )
    with project.transaction():
        sid = project.add_source(
            kind="areas",
            format="a38",
            path=p,
            rows_read=len(raw),
            reference_date=ref,
            rows_rejected=len(unmatched),
            summary={"layer": layer, "variant": variant, "method": method},
        )
        for token in unmatched:
            project.log_row(
                source_id=sid,
                file_name=p.name,
                column=member_col,
                value=token,
                reason="プロジェクトの市区町村に一致しない構成市区町村コード",
            )
        written = write_layer(project, layer, assignments, source_id=sid)
    prog.update(1, "完了", force=True)
    return {
        "file": str(p),
        "format": "a38",
        "variant": variant,
        "method": method,
        "layer": layer,
        "source_id": sid,
        "reference_date": ref,
        "reference_date_origin": origin,
        "files": facts["files"],
        "encodings": facts["encodings"],
        "layer_id": written["layer_id"],
        "replaced_existing_layer": written["replaced_existing_layer"],
        "areas": written["areas"],
        "rows_read": len(raw),
        "loaded": len(assignments),
        "area_list": area_list(assignments),
        "ignored_other_prefectures": sum(other_pref.values()),
        "unmatched": unmatched,
        "municipalities_without_area": municipalities_without(project, assignments),
        "rejected": len(unmatched),
    }
