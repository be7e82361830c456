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
    cols = [c for c in raw.columns if c not in ("geometry", "_file")]
    variant = next((v for v in ("A38a", "A38b", "A38c") if any(c.startswith(v) for c in cols)), "unknown")

    def codes_col(s: Any) -> bool:
        vals = [_code_list(v) for v in s if _text(v)]
        return bool(vals) and all(all(code_candidates(t) for t in v) for v in vals)

    def area_code_col(s: Any) -> bool:
        vals = [_text(v) for v in s if _text(v)]
        return bool(vals) and all(re.fullmatch(r"\d{2,4}", v) for v in vals)

    def name_col(s: Any) -> bool:
        vals = [_text(v) for v in s if _text(v)]
        return bool(vals) and not any(re.fullmatch(r"[\d.,\s]+", v) for v in vals)

    if variant == "A38a":
        member_col = _pick(raw, ["A38a_001"], codes_col)
        acode_col = _pick(raw, ["A38a_003"], area_code_col)
        aname_col = _pick(raw, ["A38a_004"], name_col)
    else:
        member_col = _pick(raw, ["A38b_001"], codes_col) if variant != "A38c" else None
        acode_col = _pick(raw, ["A38b_003", "A38c_003", "A38c_002"], area_code_col)
        aname_col = _pick(raw, ["A38b_004", "A38c_001", "A38c_004"], name_col)
    if acode_col is None and aname_col is None:
        raise GeodataError(
            "no area code/name attribute in the A38 file",
            file=p,
            value=", ".join(cols),
            expected="A38b_003 二次医療圏コード / A38b_004 二次医療圏名",
        )
    assignments: dict[str, tuple[str, str]] = {}
    other_pref: Counter[str] = Counter()
    unmatched: list[str] = []
    method = "member_codes" if member_col else "largest_overlap"
    area_geoms: list[tuple[tuple[str, str], Any]] = []
    for _, row in raw.iterrows():
        acode = _text(row[acode_col]) if acode_col else ""
        aname = _text(row[aname_col]) if aname_col else ""
        key = (acode or aname, aname or acode)
        if member_col:
            for token in _code_list(row[member_col]):
                hit = units.match_code(token)
                if hit is None:
                    c = code_candidates(token)
                    if c and c[0][:2] not in units.prefs:
                        other_pref[c[0][:2]] += 1
                    else:
                        unmatched.append(token)
                    continue
                for u in units.units(hit):
                    assignments.setdefault(u, key)
        elif row.geometry is not None and not row.geometry.is_empty:
            area_geoms.append((key, shapely.make_valid(row.geometry)))
    if not member_col:
        tree = shapely.STRtree([g for _, g in area_geoms])
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
