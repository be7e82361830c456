"""Area layers (二次医療圏, 保健所圏域, 老人福祉圏域, 郡市区医師会 …) from municipality → area tables.

A table (CSV in UTF-8/CP932, or XLSX) has one row per municipality with an area code and/or name.
Its header is the row above the first row naming a project municipality; its columns are chosen by
content and header (:mod:`zaitaku_map.geodata.units`):

- the municipality column holds code-shaped values (5-digit, 6-digit with JIS check digit, or
  4-digit because Excel dropped the leading zero) matching project municipalities, a column whose
  header names a code preferred — never a column that only happens to hold one matching value;
- when codes are missing, municipality names are matched instead, only when unambiguous
  (``大阪市北区`` or a name that exists once in the project);
- area code and name columns by their header (圏域コード, 圏域名 …), else the grouping columns after
  the municipality column;
- a 政令市 code/name (e.g. 27100 大阪市) assigns all of its wards;
- rows of municipalities outside the project's prefectures are ignored with a count, not errors;
  codes of the project's prefectures that match nothing are reported; a CSV row with more fields
  than the header (``デモ中央,北部`` unquoted) or fewer is rejected with its row, never cut.

Area polygons are the dissolve of the member municipalities (full and display geometry; the
display version is the union of the coverage-simplified municipalities, so it stays gap-free).

The 基準日 is the ``reference_date`` given, else a 「令和7年4月1日現在」 title row above the header
(or a footnote row), else unknown.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from zaitaku_map import tabular
from zaitaku_map.errors import GeodataError
from zaitaku_map.geodata.codes import code_candidates
from zaitaku_map.geodata.simplify import coverage_union
from zaitaku_map.geodata.units import (
    CODE_SHARE,
    MunicipalityRef,
    ProjectMunicipalities,
    RowRejection,
    encoding_facts,
    is_blank,
    key_column,
    log_rejections,
    municipalities_without,
    read_best_grid,
    shape_rejections,
)
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback
from zaitaku_map.refdate import check_reference_date, resolve_reference_date
from zaitaku_map.store import gpkg
from zaitaku_map.store.project import Project, now_iso
from zaitaku_map.textnorm import normalize_text

AREA_CODE_HINTS = ("圏域コード", "医療圏コード", "area_code", "areacode", "圏域番号", "圏域cd")
MUNI_NAME_HINTS = ("市区町村名", "市町村名", "自治体名", "muni_name", "市区町村", "市町村")
AREA_NAME_HINTS = ("圏域名", "医療圏名", "area_name", "areaname", "圏域", "医療圏", "名称")
GIS_SUFFIXES = (".shp", ".geojson", ".json", ".gml", ".xml", ".zip", ".gpkg")
_PREF_RE = re.compile(r".+[都道府県]$")
_CODE_LIKE = re.compile(r"[0-9A-Za-z\-_.]+")


class AreaSummary(TypedDict):
    area_code: str
    area_name: str
    members: int


class LayerWritten(TypedDict):
    layer_id: int
    replaced_existing_layer: bool
    areas: int


class AreaLayerReport(TypedDict, total=False):
    """What :func:`import_area_table` (and :func:`~zaitaku_map.geodata.a38.import_a38`) did."""

    file: str
    format: str
    variant: str
    method: str
    layer: str
    source_id: int
    sheet: str | None
    encoding: str | None
    files: list[str]
    encodings: dict[str, str | None]
    layer_id: int
    replaced_existing_layer: bool
    areas: int
    reference_date: str | None
    reference_date_origin: str | None
    columns: dict[str, str | None]
    rows_read: int
    loaded: int
    matched_by_name: int
    area_list: list[AreaSummary]
    ignored_other_prefectures: int
    ignored_note: str | None
    unmatched: list[Any]
    conflicts: int
    note_rows: int
    municipalities_without_area: list[MunicipalityRef]
    rejected: int
    rejected_rows: list[dict[str, Any]]


def title_reference_date(rows: list[list[Any]]) -> str | None:
    """The 基準日 of a 「…現在」 title (or footnote) row of a table, as ISO ``YYYY-MM-DD``."""
    from zaitaku_map.importers.kouseikyoku import reference_date_from_titles

    texts = [[str(v) for v in r if not is_blank(v)] for r in rows]
    return reference_date_from_titles([t for t in texts if t])


def _column(cells: Sequence[Sequence[str]], i: int) -> list[str]:
    return [r[i] for r in cells]


def detect_columns(
    header: list[str], cells: Sequence[Sequence[str]], units: ProjectMunicipalities
) -> dict[str, int | None]:
    """Column indexes of muni code, muni name, area code, area name (see the module docstring)."""
    columns = [_column(cells, i) for i in range(len(header))]
    muni_code = key_column(
        header,
        columns,
        shaped=lambda v: bool(code_candidates(v)),
        hits=lambda v: units.match_code(v) is not None,
    )
    if muni_code is None:  # no code of the project: a column of valid codes still tells "other prefectures"
        valid = [sum(1 for v in c if code_candidates(v)) for c in columns]
        best = max(range(len(valid)), key=lambda i: valid[i]) if valid else None
        if best is not None and valid[best] >= CODE_SHARE * max(len(cells), 1):
            muni_code = best
    name_hits = [sum(1 for v in c if units.match_name(v)[0]) for c in columns]
    muni_name = max(range(len(name_hits)), key=lambda i: name_hits[i]) if any(name_hits) else None
    taken = {muni_code, muni_name}

    def hinted(hints: tuple[str, ...], pred: Any) -> int | None:
        for h in hints:
            for i, col in enumerate(header):
                if i not in taken and h.lower() in normalize_text(col).lower() and pred(i):
                    return i
        return None

    def grouping(i: int) -> bool:
        vals = [v.strip() for v in columns[i] if not is_blank(v)]
        return bool(vals) and len(set(vals)) < max(len(vals), 2) and not all(_PREF_RE.match(v) for v in vals)

    def digits(i: int) -> bool:
        vals = [v.strip() for v in columns[i] if not is_blank(v)]
        return bool(vals) and all(_CODE_LIKE.fullmatch(v) for v in vals)

    if muni_name is None:
        muni_name = hinted(MUNI_NAME_HINTS, lambda i: not digits(i))
        taken.add(muni_name)
    area_code = hinted(AREA_CODE_HINTS, lambda i: grouping(i) or digits(i))
    taken.add(area_code)
    area_name = hinted(AREA_NAME_HINTS, lambda i: not digits(i))
    if area_code is None and area_name is None:  # no hints: grouping columns after the municipality column
        cands = [i for i in range(len(header)) if i not in taken and grouping(i)]
        area_code = next((i for i in cands if digits(i)), None)
        area_name = next((i for i in cands if not digits(i)), None)
    return {"muni_code": muni_code, "muni_name": muni_name, "area_code": area_code, "area_name": area_name}


# --------------------------------------------------------------------------------------------
# polygons
# --------------------------------------------------------------------------------------------
def rebuild_area_polygons(project: Project, layer_id: int) -> int:
    """Recompute ``area_polygons`` of one layer from its members (call inside a transaction)."""
    conn = project.conn
    geo = {c: (g, d) for c, g, d in conn.execute("SELECT code, geom, geom_display FROM municipalities")}
    members: dict[str, list[str]] = defaultdict(list)
    names: dict[str, str] = {}
    for muni, acode, aname in conn.execute(
        "SELECT muni_code, area_code, area_name FROM area_members WHERE layer_id=? ORDER BY muni_code",
        (layer_id,),
    ):
        members[acode].append(muni)
        names.setdefault(acode, aname or acode)
    conn.execute("DELETE FROM area_polygons WHERE layer_id=?", (layer_id,))
    n = 0
    for acode in sorted(members):
        present = [m for m in members[acode] if m in geo]
        if not present:
            continue
        full = coverage_union([gpkg.from_blob(geo[m][0]) for m in present])
        disp = coverage_union([gpkg.from_blob(geo[m][1] or geo[m][0]) for m in present])
        conn.execute(
            "INSERT INTO area_polygons (layer_id, area_code, area_name, geom, geom_display) VALUES (?,?,?,?,?)",
            (layer_id, acode, names[acode], gpkg.to_blob(full), gpkg.to_blob(disp)),
        )
        n += 1
    return n


def rebuild_all_area_polygons(project: Project) -> dict[str, int]:
    """Recompute the polygons of every area layer (after a boundaries re-import)."""
    out = {}
    for lid, name in project.conn.execute("SELECT id, name FROM area_layers ORDER BY id").fetchall():
        out[name] = rebuild_area_polygons(project, lid)
    return out


def write_layer(
    project: Project,
    layer: str,
    assignments: dict[str, tuple[str, str]],
    *,
    source_id: int | None,
) -> LayerWritten:
    """Replace (or create) an area layer's members and rebuild its polygons (inside a transaction)."""
    conn = project.conn
    row = conn.execute("SELECT id FROM area_layers WHERE name=?", (layer,)).fetchone()
    replaced = row is not None
    if row is None:
        lid = int(
            conn.execute(
                "INSERT INTO area_layers (name, source_id, created_at) VALUES (?,?,?)",
                (layer, source_id, now_iso()),
            ).lastrowid
            or 0
        )
    else:
        lid = int(row[0])
        conn.execute("UPDATE area_layers SET source_id=? WHERE id=?", (source_id, lid))
        conn.execute("DELETE FROM area_members WHERE layer_id=?", (lid,))
    conn.executemany(
        "INSERT INTO area_members (layer_id, muni_code, area_code, area_name) VALUES (?,?,?,?)",
        [(lid, m, a, n) for m, (a, n) in sorted(assignments.items())],
    )
    n_poly = rebuild_area_polygons(project, lid)
    project.refresh_extent("area_polygons")
    return {"layer_id": lid, "replaced_existing_layer": replaced, "areas": n_poly}


# --------------------------------------------------------------------------------------------
# import
# --------------------------------------------------------------------------------------------
@dataclass
class _Assigner:
    """Reads the rows of an area table into ``{unit code: (area code, area name)}``."""

    units: ProjectMunicipalities
    cols: dict[str, int | None]
    assignments: dict[str, tuple[str, str]] = field(default_factory=dict)
    explicit: set[str] = field(default_factory=set)
    log: list[RowRejection] = field(default_factory=list)
    other_pref: Counter[str] = field(default_factory=Counter)
    unmatched: list[dict[str, Any]] = field(default_factory=list)
    note_rows: list[list[str]] = field(default_factory=list)
    by_name: int = 0
    conflicts: int = 0

    def cell(self, row: list[str], role: str) -> str | None:
        i = self.cols[role]
        return None if i is None or is_blank(row[i]) else row[i].strip()

    def add(self, rownum: int, row: list[str]) -> None:
        acode, aname = self.cell(row, "area_code"), self.cell(row, "area_name")
        if acode and acode.endswith(".0") and acode[:-2].isdigit():
            acode = acode[:-2]
        cval, nval = self.cell(row, "muni_code"), self.cell(row, "muni_name")
        if not code_candidates(cval) and nval is None and not acode and not aname:
            self.note_rows.append(row)  # a footnote such as 「※ コードは5桁…」
            first = next((v for v in row if not is_blank(v)), None)
            self.log.append(RowRejection(rownum, "注記行として無視しました", value=first, severity="info"))
            return
        code = self.units.match_code(cval) if cval is not None else None
        if code is None and cval is not None and self.units.other_prefecture(cval):
            self.other_pref[code_candidates(cval)[0][:2]] += 1
            return
        if code is None and nval is not None:
            code, why = self.units.match_name(nval)
            if code is not None:
                self.by_name += 1
            elif why == "ambiguous":
                self.log.append(
                    RowRejection(
                        rownum, "市区町村名が一つに決まりません（コードを入れてください）", value=nval
                    )
                )
        if code is None:
            self.unmatched.append({"row": rownum, "code": cval, "name": nval})
            self.log.append(RowRejection(rownum, "プロジェクトの市区町村に一致しません", value=cval or nval))
            return
        if not acode and not aname:
            self.log.append(RowRejection(rownum, "圏域コード・圏域名が空です", value=code))
            return
        self._assign(rownum, code, (acode or aname or "", aname or acode or ""))

    def _assign(self, rownum: int, code: str, key: tuple[str, str]) -> None:
        direct = self.units.kind.get(code) != "designated_city"
        for u in self.units.units(code):
            if not direct:
                if u not in self.explicit:  # a ward's own row wins over its city's row
                    self.assignments[u] = key
                continue
            if u in self.explicit and self.assignments[u] != key:
                self.conflicts += 1
                self.log.append(
                    RowRejection(
                        rownum,
                        f"別の圏域にも割り当てられています（{self.assignments[u][1]} を維持）",
                        value=u,
                        severity="warning",
                    )
                )
                continue
            self.assignments[u] = key
            self.explicit.add(u)


def _read_area_table(
    p: Path, units: ProjectMunicipalities, *, sheet: str | None
) -> tuple[tabular.Rows, tabular.Table]:
    """The grid (best sheet of a workbook) and the table under the row above the first row naming a
    project municipality (no header row when that is the first row)."""
    grid = read_best_grid(p, units.matches, sheet=sheet)
    h = grid.find_header(is_data=lambda row: any(units.matches(v) for v in row))
    return grid, grid.table(0 if h is None else h)


def _chosen_columns(
    table: tabular.Table, units: ProjectMunicipalities, columns: dict[str, int | str] | None, p: Path
) -> dict[str, int | None]:
    """Detected columns, overridden by the user's (by header or index), checked."""
    header = table.header
    cols = detect_columns(header, table.frame.values.tolist(), units)
    for role, val in (columns or {}).items():
        if isinstance(val, str) and val not in header:
            raise GeodataError(
                "column not found in the table", file=p, column=val, expected=", ".join(header)
            )
        cols[role] = header.index(val) if isinstance(val, str) else int(val)
        if role == "muni_code" and "muni_name" not in (columns or {}):
            cols["muni_name"] = cols[role]  # the column may hold names instead of codes
    if cols["area_code"] is None and cols["area_name"] is None:
        raise GeodataError(
            "no area code/name column found",
            file=p,
            value=", ".join(header),
            expected="圏域コード or 圏域名 column",
        )
    if cols["muni_code"] is None and cols["muni_name"] is None:
        raise GeodataError(
            "no municipality code/name column found",
            file=p,
            value=", ".join(header),
            expected="市区町村コード (5/6 digits) or 市区町村名",
        )
    return cols


def area_list(assignments: dict[str, tuple[str, str]]) -> list[AreaSummary]:
    """Areas of an assignment with their member counts, by area code."""
    areas: dict[str, AreaSummary] = {}
    for _m, (a, n) in sorted(assignments.items(), key=lambda kv: (kv[1][0], kv[0])):
        areas.setdefault(a, {"area_code": a, "area_name": n, "members": 0})["members"] += 1
    return list(areas.values())


def _store_area_table(
    project: Project,
    p: Path,
    layer: str,
    acc: _Assigner,
    *,
    grid_sheet: str | None,
    table: tabular.Table,
    ref: str | None,
    named: dict[str, str | None],
    rejected: list[RowRejection],
) -> tuple[int, LayerWritten]:
    """In one transaction: the source row, its rejected and ignored rows in the import log, the layer."""
    n_rejected = sum(1 for r in rejected if r.severity == "rejected")
    with project.transaction():
        sid = project.add_source(
            kind="areas",
            format="area_table",
            path=p,
            sheet=grid_sheet,
            reference_date=ref,
            rows_read=table.rows_read,
            rows_rejected=n_rejected,
            summary={"layer": layer, "columns": named},
        )
        log_rejections(project, rejected, source_id=sid, file_name=p.name, sheet=grid_sheet)
        if acc.other_pref:
            project.log_row(
                source_id=sid,
                file_name=p.name,
                severity="info",
                reason=f"対象外の都道府県の行 {sum(acc.other_pref.values())} 行を無視しました",
                raw=dict(acc.other_pref),
            )
        written = write_layer(project, layer, acc.assignments, source_id=sid)
    return sid, written


def import_area_table(
    project: Project,
    path: str | Path,
    *,
    layer: str,
    sheet: str | None = None,
    columns: dict[str, int | str] | None = None,
    reference_date: str | None = None,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> AreaLayerReport:
    """Import a municipality → area table as area layer ``layer`` (replacing a layer of that name).

    Parameters
    ----------
    columns:
        Optional override ``{"muni_code"|"muni_name"|"area_code"|"area_name": header or index}``.
    reference_date:
        基準日 (``YYYY-MM-DD``, a year, or 和暦); default: a 「…現在」 title or footnote row of the table.

    Returns
    -------
    Report: detected columns, areas with member counts, ignored rows of other prefectures,
    unmatched codes/names, rejected rows, municipalities with no area, conflicts,
    ``reference_date`` and ``reference_date_origin`` (``argument`` | ``title`` | ``None``).
    """
    prog = Progress.of(progress, cancel)
    p = Path(path)
    if not layer or not str(layer).strip():
        raise GeodataError(
            "an area layer name is required", hint="--layer 二次医療圏 のように名前を付けてください。"
        )
    given = check_reference_date(reference_date)  # a bad date fails before the file is read
    if p.is_dir() or p.suffix.lower() in GIS_SUFFIXES:
        from zaitaku_map.geodata.a38 import import_a38

        return import_a38(project, p, layer=layer, reference_date=given, progress=prog, cancel=cancel)
    units = ProjectMunicipalities.of(project)
    grid, table = _read_area_table(p, units, sheet=sheet)
    cols = _chosen_columns(table, units, columns, p)
    acc = _Assigner(units, cols)
    cells = table.frame.values.tolist()
    for i in prog.iterate(range(len(cells)), message="圏域表を照合中"):
        acc.add(table.row_number(i), cells[i])
    if not acc.assignments:
        raise GeodataError(
            "no row of the table matches a municipality of the project",
            file=p,
            hint="表の市区町村コード（5桁または6桁）または名称と、取り込んだ行政区域の都道府県を確認してください。",
            ignored_other_prefectures=sum(acc.other_pref.values()),
        )
    rejected = sorted(shape_rejections(table) + acc.log, key=lambda r: r.row or 0)
    acc.note_rows += [list(x.values) for x in table.problems if x.kind == "note"]
    ref, origin = resolve_reference_date(
        given, ("title", lambda: title_reference_date(table.title_rows + acc.note_rows))
    )
    header = table.header
    named = {k: (header[v] if v is not None else None) for k, v in cols.items()}
    facts = encoding_facts(grid)
    n_rejected = sum(1 for r in rejected if r.severity == "rejected")
    sid, written = _store_area_table(
        project, p, layer, acc, grid_sheet=grid.sheet, table=table, ref=ref, named=named, rejected=rejected
    )
    other = sum(acc.other_pref.values())
    return {
        "file": str(p),
        "layer": layer,
        "source_id": sid,
        "sheet": facts["sheet"],
        "encoding": facts["encoding"],
        "layer_id": written["layer_id"],
        "replaced_existing_layer": written["replaced_existing_layer"],
        "areas": written["areas"],
        "reference_date": ref,
        "reference_date_origin": origin,
        "columns": named,
        "rows_read": table.rows_read,
        "loaded": len(acc.assignments),
        "matched_by_name": acc.by_name,
        "area_list": area_list(acc.assignments),
        "ignored_other_prefectures": other,
        "ignored_note": f"対象外の都道府県の行 {other} 行は無視しました" if other else None,
        "unmatched": acc.unmatched,
        "conflicts": acc.conflicts,
        "note_rows": len(acc.note_rows),  # footnotes, short or not
        "municipalities_without_area": municipalities_without(project, acc.assignments),
        "rejected": n_rejected,
        "rejected_rows": [r.as_dict() for r in rejected if r.severity == "rejected"][:200],
    }
