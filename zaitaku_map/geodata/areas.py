"""Area layers (二次医療圏, 保健所圏域, 老人福祉圏域, 郡市区医師会 …) from municipality → area tables.

A table (CSV in UTF-8/CP932, or XLSX) has one row per municipality with an area code and/or name.
Columns are found by content, not by header:

- the municipality column is the one whose values match most project municipality codes
  (5-digit, 6-digit with JIS check digit, or 4-digit because Excel dropped the leading zero);
- when codes are missing, municipality names are matched instead, only when unambiguous
  (``大阪市北区`` or a name that exists once in the project);
- a 政令市 code/name (e.g. 27100 大阪市) assigns all of its wards;
- rows of municipalities outside the project's prefectures are ignored with a count, not errors;
  codes of the project's prefectures that match nothing are reported.

Area polygons are the dissolve of the member municipalities (full and display geometry; the
display version is the union of the coverage-simplified municipalities, so it stays gap-free).

The 基準日 is the ``reference_date`` given, else a 「令和7年4月1日現在」 title row above the header
(or a footnote row), else unknown.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pandas as pd

from zaitaku_map import tabular
from zaitaku_map.errors import GeodataError, UnsupportedFormatError
from zaitaku_map.geodata.codes import code_candidates
from zaitaku_map.geodata.simplify import coverage_union
from zaitaku_map.progress import Progress
from zaitaku_map.refdate import check_reference_date, resolve_reference_date
from zaitaku_map.store import gpkg
from zaitaku_map.store.project import now_iso
from zaitaku_map.textnorm import normalize_text

AREA_CODE_HINTS = ("圏域コード", "医療圏コード", "area_code", "areacode", "圏域番号", "圏域cd")
MUNI_NAME_HINTS = ("市区町村名", "市町村名", "自治体名", "muni_name", "市区町村", "市町村")
AREA_NAME_HINTS = ("圏域名", "医療圏名", "area_name", "areaname", "圏域", "医療圏", "名称")
GIS_SUFFIXES = (".shp", ".geojson", ".json", ".gml", ".xml", ".zip", ".gpkg")
_PREF_RE = re.compile(r".+[都道府県]$")


# --------------------------------------------------------------------------------------------
# reading tables
# --------------------------------------------------------------------------------------------
def read_table(path: str | Path, *, sheet: str | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read a CSV/TSV/XLSX as strings without a header (``header=None``); facts on encoding/sheet."""
    p = Path(path)
    if not p.is_file():
        raise GeodataError("table file not found", file=p)
    if p.suffix.lower() == ".xls":
        raise GeodataError(
            "old Excel (.xls) files are not read",
            file=p,
            hint="Excel で .xlsx か CSV に保存し直してください。",
        )
    try:
        rows = tabular.read_rows(p, sheet=sheet)
    except UnsupportedFormatError as exc:
        raise GeodataError(exc.message, file=p, sheet=sheet, expected=exc.expected) from exc
    width = max((len(r) for r in rows.cells), default=0)
    df = pd.DataFrame([r + [None] * (width - len(r)) for r in rows.cells], dtype=object)
    return df, {"sheet": rows.sheet, "encoding": tabular.encoding_label(rows.encoding)}


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v) or str(v).strip() == ""


def title_reference_date(rows: list[list[Any]]) -> str | None:
    """The 基準日 of a 「…現在」 title (or footnote) row of a table, as ISO ``YYYY-MM-DD``."""
    from zaitaku_map.importers.kouseikyoku import reference_date_from_titles

    texts = [[str(v) for v in r if not _blank(v)] for r in rows]
    return reference_date_from_titles([t for t in texts if t])


class _Units:
    """Project municipalities for matching (codes, names, wards of each 政令市)."""

    def __init__(self, project: Any) -> None:
        rows = project.conn.execute(
            "SELECT code, name, full_name, kind, parent_code, pref_code, pref_name, county_or_city FROM municipalities"
        ).fetchall()
        if not rows:
            raise GeodataError(
                "the project has no municipalities yet",
                hint="先に zaitaku-map boundaries PROJECT N03ファイル で行政区域を取り込んでください。",
            )
        self.codes = {r[0] for r in rows}
        self.kind = {r[0]: r[3] for r in rows}
        self.name = {r[0]: r[2] or r[1] for r in rows}
        self.wards: dict[str, list[str]] = defaultdict(list)
        for r in rows:
            if r[3] == "ward" and r[4]:
                self.wards[r[4]].append(r[0])
        self.prefs = {r[5] for r in rows}
        by_name: dict[str, set[str]] = defaultdict(set)
        for code, name, full, _kind, _parent, _pc, pref_name, county in rows:
            county_name = (county or "") + (name or "") if (county or "").endswith("郡") else None
            for n in {name, full, (pref_name or "") + (full or name or ""), county_name}:
                if n:
                    by_name[normalize_text(n)].add(code)
        self.by_name = by_name

    def units(self, code: str) -> list[str]:
        """Option units for a code (a 政令市 expands to its wards)."""
        if self.kind.get(code) == "designated_city":
            return sorted(self.wards.get(code, []))
        return [code]

    def match_code(self, value: Any) -> str | None:
        for c in code_candidates(value):
            if c in self.codes:
                return c
        return None

    def match_name(self, value: Any) -> tuple[str | None, str]:
        if _blank(value):
            return None, "empty"
        hits = self.by_name.get(normalize_text(str(value)), set())
        if len(hits) == 1:
            return next(iter(hits)), "ok"
        return None, "ambiguous" if hits else "unknown"


def _best_sheet(p: Path, units: _Units) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The sheet of a workbook holding most project municipality codes/names (cover sheets skipped)."""
    try:
        names = tabular.sheet_names(p)
    except UnsupportedFormatError as exc:
        raise GeodataError(f"cannot read spreadsheet: {exc.message}", file=p) from exc
    best: tuple[int, pd.DataFrame, dict[str, Any]] | None = None
    for name in names:
        df, facts = read_table(p, sheet=name)
        head = df.head(300)
        score = sum(
            1
            for c in head.columns
            for v in head[c]
            if not _blank(v) and (units.match_code(v) or units.match_name(v)[0])
        )
        if best is None or score > best[0]:
            best = (score, df, facts)
    assert best is not None
    return best[1], best[2]


def _find_header(df: pd.DataFrame, units: _Units) -> int:
    """Index of the header row: the last row before the first row holding a project code/name."""
    for i in range(min(len(df), 30)):
        vals = df.iloc[i].tolist()
        if any(units.match_code(v) for v in vals if not _blank(v)) or any(
            units.match_name(v)[0] for v in vals if not _blank(v)
        ):
            return i - 1
    return 0


def detect_columns(df: pd.DataFrame, header: list[str], units: _Units) -> dict[str, int | None]:
    """Column indexes of muni code, muni name, area code, area name (by content, then header hints)."""
    n = len(df)
    code_hits = [sum(1 for v in df[c] if units.match_code(v)) for c in df.columns]
    name_hits = [sum(1 for v in df[c] if units.match_name(v)[0]) for c in df.columns]
    muni_code = int(max(range(len(code_hits)), key=lambda i: code_hits[i])) if any(code_hits) else None
    if muni_code is not None and code_hits[muni_code] == 0:
        muni_code = None
    if muni_code is None:  # no code of the project: a column of valid codes still tells "other prefectures"
        valid = [sum(1 for v in df[c] if code_candidates(v)) for c in df.columns]
        best = max(range(len(valid)), key=lambda i: valid[i]) if valid else None
        if best is not None and valid[best] >= 0.8 * max(n, 1):
            muni_code = best
    muni_name = int(max(range(len(name_hits)), key=lambda i: name_hits[i])) if any(name_hits) else None
    taken = {muni_code, muni_name}

    def hinted(hints: tuple[str, ...], pred: Any) -> int | None:
        for h in hints:
            for i, col in enumerate(header):
                if i not in taken and h.lower() in normalize_text(col).lower() and pred(i):
                    return i
        return None

    def grouping(i: int) -> bool:
        vals = [str(v).strip() for v in df[i] if not _blank(v)]
        return bool(vals) and len(set(vals)) < max(len(vals), 2) and not all(_PREF_RE.match(v) for v in vals)

    def digits(i: int) -> bool:
        vals = [str(v).strip() for v in df[i] if not _blank(v)]
        return bool(vals) and all(re.fullmatch(r"[0-9A-Za-z\-_.]+", v) for v in vals)

    if muni_name is None:
        muni_name = hinted(MUNI_NAME_HINTS, lambda i: not digits(i))
        taken.add(muni_name)
    area_code = hinted(AREA_CODE_HINTS, lambda i: grouping(i) or digits(i))
    taken.add(area_code)
    area_name = hinted(AREA_NAME_HINTS, lambda i: not digits(i))
    if area_code is None and area_name is None:  # no hints: grouping columns after the municipality column
        cands = [i for i in df.columns if i not in taken and grouping(i)]
        area_code = next((i for i in cands if digits(i)), None)
        area_name = next((i for i in cands if not digits(i)), None)
    return {"muni_code": muni_code, "muni_name": muni_name, "area_code": area_code, "area_name": area_name}


# --------------------------------------------------------------------------------------------
# polygons
# --------------------------------------------------------------------------------------------
def rebuild_area_polygons(project: Any, layer_id: int) -> int:
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


def rebuild_all_area_polygons(project: Any) -> dict[str, int]:
    """Recompute the polygons of every area layer (after a boundaries re-import)."""
    out = {}
    for lid, name in project.conn.execute("SELECT id, name FROM area_layers ORDER BY id").fetchall():
        out[name] = rebuild_area_polygons(project, lid)
    return out


def write_layer(
    project: Any,
    layer: str,
    assignments: dict[str, tuple[str, str]],
    *,
    source_id: int | None,
) -> dict[str, Any]:
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


def _unassigned(project: Any, assigned: set[str]) -> list[dict[str, str]]:
    rows = project.conn.execute(
        "SELECT code, coalesce(full_name, name) FROM municipalities WHERE kind != 'designated_city' ORDER BY code"
    ).fetchall()
    return [{"code": c, "name": n} for c, n in rows if c not in assigned]


# --------------------------------------------------------------------------------------------
# import
# --------------------------------------------------------------------------------------------
def import_area_table(
    project: Any,
    path: str | Path,
    *,
    layer: str,
    sheet: str | None = None,
    columns: dict[str, int | str] | None = None,
    reference_date: str | None = None,
    progress: Any = None,
    cancel: Any = None,
) -> dict[str, Any]:
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
    unmatched codes/names, municipalities with no area, conflicts, ``reference_date`` and
    ``reference_date_origin`` (``argument`` | ``title`` | ``None``).
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
    units = _Units(project)
    raw, facts = (
        _best_sheet(p, units)
        if sheet is None and p.suffix.lower() in (".xlsx", ".xlsm")
        else read_table(p, sheet=sheet)
    )
    h = _find_header(raw, units)
    header = (
        [str(v) if not _blank(v) else f"列{i + 1}" for i, v in enumerate(raw.iloc[h])]
        if h >= 0
        else [f"列{i + 1}" for i in range(raw.shape[1])]
    )
    data = raw.iloc[h + 1 :].reset_index(drop=True)
    data.columns = range(data.shape[1])
    cols = detect_columns(data, header, units)
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
    assignments: dict[str, tuple[str, str]] = {}
    explicit: set[str] = set()
    log: list[dict[str, Any]] = []
    other_pref: Counter[str] = Counter()
    unmatched: list[dict[str, Any]] = []
    by_name = 0
    conflicts = 0
    notes = 0
    note_rows: list[list[Any]] = []
    for i in prog.iterate(range(len(data)), message="圏域表を照合中"):
        row = data.iloc[i]
        rownum = h + 2 + i  # spreadsheet row number
        acode = (
            None
            if cols["area_code"] is None or _blank(row[cols["area_code"]])
            else str(row[cols["area_code"]]).strip()
        )
        aname = (
            None
            if cols["area_name"] is None or _blank(row[cols["area_name"]])
            else str(row[cols["area_name"]]).strip()
        )
        if acode and acode.endswith(".0") and acode[:-2].isdigit():
            acode = acode[:-2]
        cval = None if cols["muni_code"] is None else row[cols["muni_code"]]
        nval = None if cols["muni_name"] is None else row[cols["muni_name"]]
        if all(_blank(v) for v in row.tolist()):
            continue
        if not code_candidates(cval) and _blank(nval) and not acode and not aname:
            notes += 1  # a footnote such as 「※ コードは5桁…」
            note_rows.append(row.tolist())
            log.append(
                {
                    "row": rownum,
                    "value": next((v for v in row.tolist() if not _blank(v)), None),
                    "severity": "info",
                    "reason": "注記行として無視しました",
                }
            )
            continue
        code = units.match_code(cval) if not _blank(cval) else None
        if code is None and not _blank(cval) and code_candidates(cval):
            cands = code_candidates(cval)
            if not any(c[:2] in units.prefs for c in cands):
                other_pref[cands[0][:2]] += 1
                continue
        if code is None and not _blank(nval):
            code, why = units.match_name(nval)
            if code is not None:
                by_name += 1
            elif why == "ambiguous":
                log.append(
                    {
                        "row": rownum,
                        "value": nval,
                        "reason": "市区町村名が一つに決まりません（コードを入れてください）",
                    }
                )
        if code is None:
            unmatched.append(
                {
                    "row": rownum,
                    "code": None if _blank(cval) else str(cval),
                    "name": None if _blank(nval) else str(nval),
                }
            )
            log.append(
                {
                    "row": rownum,
                    "value": cval if not _blank(cval) else nval,
                    "reason": "プロジェクトの市区町村に一致しません",
                }
            )
            continue
        if not acode and not aname:
            log.append({"row": rownum, "value": code, "reason": "圏域コード・圏域名が空です"})
            continue
        key = (acode or aname or "", aname or acode or "")
        direct = units.kind.get(code) != "designated_city"
        for u in units.units(code):
            if direct:
                if u in explicit and assignments[u] != key:
                    conflicts += 1
                    log.append(
                        {
                            "row": rownum,
                            "value": u,
                            "severity": "warning",
                            "reason": f"別の圏域にも割り当てられています（{assignments[u][1]} を維持）",
                        }
                    )
                    continue
                assignments[u] = key
                explicit.add(u)
            elif u not in explicit:  # a ward's own row wins over its city's row
                assignments[u] = key
    if not assignments:
        raise GeodataError(
            "no row of the table matches a municipality of the project",
            file=p,
            hint="表の市区町村コード（5桁または6桁）または名称と、取り込んだ行政区域の都道府県を確認してください。",
            ignored_other_prefectures=sum(other_pref.values()),
        )
    ref, origin = resolve_reference_date(
        given,
        ("title", lambda: title_reference_date([raw.iloc[i].tolist() for i in range(max(h, 0))] + note_rows)),
    )
    with project.transaction():
        sid = project.add_source(
            kind="areas",
            format="area_table",
            path=p,
            sheet=facts.get("sheet"),
            reference_date=ref,
            rows_read=len(data),
            rows_rejected=len(unmatched),
            summary={
                "layer": layer,
                "columns": {k: (header[v] if v is not None else None) for k, v in cols.items()},
            },
        )
        for e in log:
            project.log_row(
                source_id=sid,
                reason=e["reason"],
                file_name=p.name,
                sheet=facts.get("sheet"),
                row=e["row"],
                value=e.get("value"),
                severity=e.get("severity", "rejected"),
            )
        if other_pref:
            project.log_row(
                source_id=sid,
                file_name=p.name,
                severity="info",
                reason=f"対象外の都道府県の行 {sum(other_pref.values())} 行を無視しました",
                raw=dict(other_pref),
            )
        written = write_layer(project, layer, assignments, source_id=sid)
    areas: dict[str, dict[str, Any]] = {}
    for _m, (a, n) in sorted(assignments.items(), key=lambda kv: (kv[1][0], kv[0])):
        areas.setdefault(a, {"area_code": a, "area_name": n, "members": 0})["members"] += 1
    return {
        "file": str(p),
        "layer": layer,
        "source_id": sid,
        **facts,
        **written,
        "reference_date": ref,
        "reference_date_origin": origin,
        "columns": {k: (header[v] if v is not None else None) for k, v in cols.items()},
        "rows_read": len(data),
        "loaded": len(assignments),
        "matched_by_name": by_name,
        "area_list": list(areas.values()),
        "ignored_other_prefectures": sum(other_pref.values()),
        "ignored_note": (
            f"対象外の都道府県の行 {sum(other_pref.values())} 行は無視しました" if other_pref else None
        ),
        "unmatched": unmatched,
        "conflicts": conflicts,
        "note_rows": notes,
        "municipalities_without_area": _unassigned(project, set(assignments)),
        "rejected": len(unmatched),
    }
