"""Population tables keyed by municipality codes or by the area codes of an area layer.

Both are read the same way: the header is the row naming population columns (総数, 65歳以上, 5歳階級
…, see :class:`~zaitaku_map.geodata.mesh.PopColumns`); the key column is chosen by header and code
shape among the other columns (:func:`~zaitaku_map.geodata.units.key_column`), never by a value that
happens to equal a code.  Every row that is not used is rejected with its row, column and reason and
counted — an empty code (a 合計 row), a code the project does not know, a population cell that is not
a count of people (``inf``, ``nan``, negative, more than 100 million), a row with more or fewer fields
than the header — and nothing of it is stored.

A municipality table goes to ``population_municipal`` (the coverage engine then uses one point per
municipality and says the result is coarse); an area table goes to ``population_area`` and is read
with :func:`zaitaku_map.geodata.population.area_population` (it is *not* spread to municipalities).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any, TypedDict

from zaitaku_map import tabular
from zaitaku_map.errors import GeodataError
from zaitaku_map.geodata.codes import code_candidates
from zaitaku_map.geodata.loaders import layer_id
from zaitaku_map.geodata.mesh import PopColumns, population_count
from zaitaku_map.geodata.units import (
    ProjectMunicipalities,
    RowRejection,
    is_blank,
    key_column,
    log_rejections,
    read_best_grid,
    read_grid,
    shape_rejections,
)
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback
from zaitaku_map.store.project import Project

NO_MUNI_CODES = "no municipality code of the project in the table"
POPS = ("pop_total", "pop_65", "pop_75", "pop_85")
_AREA_CODE_SHAPE = re.compile(r"[0-9A-Za-z][0-9A-Za-z\-_.]{0,11}")


class PopulationTotals(TypedDict):
    pop_total: float
    pop_65: float
    pop_75: float
    pop_85: float


class AreaPopulationRow(TypedDict):
    area_code: str
    area_name: str | None
    pop_total: float | None
    pop_65: float | None
    pop_75: float | None


class MunicipalTableReport(TypedDict):
    """What :func:`import_municipal_table` did."""

    kind: str  # "municipal_table"
    file: str
    year: str | None
    source_id: int
    pop_source_id: int
    columns: dict[str, Any]
    code_column: str
    rows_read: int
    loaded: int
    designated_city_rows_used: list[str]
    ignored_other_prefectures: int
    unmatched: list[dict[str, Any]]
    rejected: int
    rejected_rows: list[dict[str, Any]]
    rejected_reasons: dict[str, int]
    secret_rows: int
    municipalities_without_population: list[str]
    demand_layer: str
    note: str | None
    totals: PopulationTotals


class AreaTableReport(TypedDict, total=False):
    """What :func:`import_area_population` did (``layer_guessed`` when the layer came from the codes)."""

    kind: str  # "area_table"
    file: str
    layer: str
    year: str | None
    source_id: int
    pop_source_id: int
    columns: dict[str, Any]
    area_column: str
    rows_read: int
    loaded: int
    matched_by: str
    ignored_rows_other_areas: int
    ambiguous_areas: list[str]
    areas_without_population: list[str]
    by_area: list[AreaPopulationRow]
    note: str
    rejected: int
    rejected_rows: list[dict[str, Any]]
    rejected_reasons: dict[str, int]
    layer_guessed: bool


def year_from_name(name: str) -> str | None:
    """A census year (``2020``) in a file name or label."""
    m = re.search(r"(?<!\d)(20\d\d|19\d\d)(?!\d)", name)
    return m.group(1) if m else None


def new_pop_source(
    project: Project, *, source_id: int, unit: str, year: str | None, secret: int, notes: str
) -> int:
    """A ``population_sources`` row (inside the import's transaction)."""
    return int(
        project.conn.execute(
            "INSERT INTO population_sources (source_id, unit, year, secret_cells, notes) VALUES (?,?,?,?,?)",
            (source_id, unit, year, secret, notes),
        ).lastrowid
        or 0
    )


def _population_header(grid: tabular.Rows, path: Path) -> tuple[tabular.Table, PopColumns]:
    """The table under the row that names the most population columns, and those columns."""

    def score(row: list[str]) -> float:
        pc = PopColumns.from_labels(row)
        return float(len(pc.indexes())) if pc.found() else 0.0

    h = grid.find_header(score=score, limit=15)
    if h is None:
        raise GeodataError(
            "no population column recognised",
            file=path,
            sheet=grid.sheet,
            expected="総数 / 65歳以上 / 5歳階級 (0～4歳 …) columns",
        )
    table = grid.table(h)
    return table, PopColumns.from_labels(table.header)


def _rejection_summary(rejected: list[RowRejection]) -> dict[str, Any]:
    return {
        "rejected": sum(1 for r in rejected if r.severity == "rejected"),
        "rejected_rows": [r.as_dict() for r in rejected[:200]],
        "rejected_reasons": dict(Counter(r.reason for r in rejected if r.severity == "rejected")),
    }


def _value_problem(pc: PopColumns, header: list[str], row: list[str], rownum: int) -> RowRejection | None:
    bad = pc.problem(row)
    if bad is None:
        return None
    col, why = bad
    return RowRejection(rownum, why, header[col], row[col][:40])


def _people(pc: PopColumns, row: list[str]) -> float | None:
    return None if pc.total is None else population_count(row[pc.total])[0]


class _OnceEach:
    """Rows keyed by municipality or area: a key given twice with the same values is used once; with
    different values none of its rows is used (which one is right cannot be guessed, and adding them
    would count people twice) and each is rejected naming the others."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.rows: dict[str, dict[str, Any]] = {}
        self.seen: dict[str, list[tuple[int, float | None]]] = {}
        self.clash: set[str] = set()

    def put(self, key: str, vals: dict[str, Any], rownum: int, people: float | None) -> None:
        self.seen.setdefault(key, []).append((rownum, people))
        if key in self.clash:
            return
        if key in self.rows and self.rows[key] != vals:
            self.clash.add(key)
            del self.rows[key]
            return
        self.rows.setdefault(key, vals)

    def rejections(self, column: str) -> list[RowRejection]:
        out = []
        for key in sorted(self.clash):
            nums = "、".join(str(n) for n, _p in self.seen[key])
            for n, people in self.seen[key]:
                why = f"同じ{self.what}の行が複数あり、値が違います（行 {nums}）。どれも取り込みません"
                out.append(RowRejection(n, why, column, key, people=people))
        return out


# -- municipality tables ------------------------------------------------------------------------
class _MunicipalRows:
    """Sorts the rows of a municipality table into used, secret, other-prefecture and rejected."""

    def __init__(self, units: ProjectMunicipalities, pc: PopColumns, header: list[str], col: int) -> None:
        self.units, self.pc, self.header, self.col = units, pc, header, col
        self.once = _OnceEach("市区町村")
        self.rows: dict[str, dict[str, Any]] = {}
        self.city_rows: dict[str, dict[str, Any]] = {}
        self.rejected: list[RowRejection] = []
        self.unmatched: list[dict[str, Any]] = []
        self.other = 0
        self.secret = 0

    def add(self, rownum: int, row: list[str]) -> None:
        cell = row[self.col]
        code = self.units.match_code(cell)
        if code is None:
            if is_blank(cell):
                self.rejected.append(
                    RowRejection(
                        rownum,
                        "市区町村コードが空の行です（合計行などは取り込みません）",
                        self.header[self.col],
                        people=_people(self.pc, row),
                    )
                )
            elif self.units.other_prefecture(cell):
                self.other += 1
            else:
                self.unmatched.append({"row": rownum, "value": cell})
                self.rejected.append(
                    RowRejection(
                        rownum, "プロジェクトの市区町村に一致しないコード", self.header[self.col], cell
                    )
                )
            return
        problem = _value_problem(self.pc, self.header, row, rownum)
        if problem is not None:
            self.rejected.append(problem)
            return
        vals = self.pc.values(row)
        if vals is None:
            self.secret += 1
            return
        self.once.put(code, vals, rownum, _people(self.pc, row))

    def finish(self) -> None:
        """Sort the rows used into municipalities and 政令市 (after every row was added)."""
        for code, vals in self.once.rows.items():
            (self.city_rows if self.units.kind.get(code) == "designated_city" else self.rows)[code] = vals
        self.rejected += self.once.rejections(self.header[self.col])


def import_municipal_table(
    project: Project,
    path: str | Path,
    *,
    year: str | None = None,
    sheet: str | None = None,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> MunicipalTableReport:
    """Import population by municipality (5/6-digit codes, age columns by label; see module docstring)."""
    prog = Progress.of(progress, cancel)
    p = Path(path)
    units = ProjectMunicipalities.of(project)
    grid = read_best_grid(p, units.matches, sheet=sheet)
    table, pc = _population_header(grid, p)
    header = table.header
    cells = table.frame.values.tolist()
    col = key_column(
        header,
        [list(c) for c in zip(*cells, strict=True)] if cells else [[] for _ in header],
        shaped=lambda v: bool(code_candidates(v)),
        hits=lambda v: units.match_code(v) is not None,
        exclude=pc.indexes(),
    )
    if col is None:
        raise GeodataError(
            NO_MUNI_CODES, file=p, expected="5桁/6桁の市区町村コードの列（見出しに「コード」）"
        )
    acc = _MunicipalRows(units, pc, header, col)
    for i in prog.iterate(range(len(cells)), message="人口表を読み込み中"):
        acc.add(table.row_number(i), cells[i])
    acc.finish()
    rejected = sorted(shape_rejections(table) + acc.rejected, key=lambda r: r.row or 0)
    rows = acc.rows
    kept_city = {c: v for c, v in acc.city_rows.items() if not any(w in rows for w in units.wards.get(c, []))}
    rows.update(kept_city)
    if not rows:
        raise GeodataError(
            "no population row for the project's municipalities",
            file=p,
            value=f"除外 {len(rejected)} 行" if rejected else None,
        )
    year = year or year_from_name(p.name)
    mesh_exists = project.conn.execute(
        "SELECT count(*) FROM demand_points d JOIN population_sources s ON s.id = d.pop_source_id "
        "WHERE s.unit != 'municipality'"
    ).fetchone()[0]
    with project.transaction():
        sid = project.add_source(
            kind="population",
            format="population_table",
            path=p,
            sheet=grid.sheet,
            reference_date=year,
            rows_read=table.rows_read,
            rows_rejected=len(rejected),
        )
        log_rejections(project, rejected, source_id=sid, file_name=p.name, sheet=grid.sheet)
        ps = new_pop_source(
            project,
            source_id=sid,
            unit="municipality",
            year=year,
            secret=acc.secret,
            notes="municipality table",
        )
        project.conn.executemany(
            "INSERT OR REPLACE INTO population_municipal (muni_code, pop_source_id, pop_total, pop_65, pop_75, "
            "pop_85, bands_json) VALUES (?,?,?,?,?,?,?)",
            [
                (c, ps, *(v[k] for k in POPS), json.dumps(v["bands"], ensure_ascii=False))
                for c, v in sorted(rows.items())
            ],
        )
    missing = [c for c in sorted(units.codes) if units.kind[c] != "designated_city" and c not in rows]
    return {
        "kind": "municipal_table",
        "file": str(p),
        "year": year,
        "source_id": sid,
        "pop_source_id": ps,
        "columns": pc.describe(header),
        "code_column": header[col],
        "rows_read": table.rows_read,
        "loaded": len(rows),
        "designated_city_rows_used": sorted(kept_city),
        "ignored_other_prefectures": acc.other,
        "unmatched": acc.unmatched,
        **_rejection_summary(rejected),  # type: ignore[typeddict-item]
        "secret_rows": acc.secret,
        "municipalities_without_population": missing,
        "demand_layer": "mesh (kept)" if mesh_exists else "municipality representative points (coarse)",
        "note": None
        if mesh_exists
        else (
            "メッシュ人口がないため、カバー率は市区町村の代表点と市区町村人口で"
            "計算されます（精度は粗くなります）。"
        ),
        "totals": _totals(rows),
    }


def _totals(rows: dict[str, dict[str, Any]]) -> PopulationTotals:
    return {
        "pop_total": float(sum((v["pop_total"] or 0.0) for v in rows.values())),
        "pop_65": float(sum((v["pop_65"] or 0.0) for v in rows.values())),
        "pop_75": float(sum((v["pop_75"] or 0.0) for v in rows.values())),
        "pop_85": float(sum((v["pop_85"] or 0.0) for v in rows.values())),
    }


# -- area tables -----------------------------------------------------------------------------------
class _AreaKeys:
    """The areas of one layer, matched by code (leading zeros ignored) or by unambiguous name."""

    def __init__(self, project: Project, layer: str) -> None:
        lid = layer_id(project, layer)
        self.names: dict[str, str | None] = {
            a: n
            for a, n in project.conn.execute(
                "SELECT DISTINCT area_code, area_name FROM area_members WHERE layer_id=?", (lid,)
            )
        }
        self.by_name = {n: a for a, n in self.names.items() if n}
        self.by_number = {int(a): a for a in self.names if a.isdigit()}

    def code(self, v: Any) -> str | None:
        if is_blank(v):
            return None
        t = str(v).strip()
        t = t[:-2] if t.endswith(".0") else t
        if t in self.names:
            return t
        return self.by_number.get(int(t)) if t.isdigit() and len(t) <= 12 else None

    def name(self, v: Any) -> str | None:
        return None if is_blank(v) else self.by_name.get(str(v).strip())


def _area_key_column(
    header: list[str], columns: list[list[str]], keys: _AreaKeys, pc: PopColumns
) -> tuple[int, str]:
    """The column (and ``"code"`` | ``"name"``) that keys the rows: codes first, since area names
    repeat across prefectures (中部, 東部 …)."""
    col = key_column(
        header,
        columns,
        shaped=lambda v: bool(_AREA_CODE_SHAPE.fullmatch(str(v).strip())),
        hits=lambda v: keys.code(v) is not None,
        exclude=pc.indexes(),
    )
    if col is not None:
        return col, "code"
    names = [(sum(1 for v in c if keys.name(v)), -i) for i, c in enumerate(columns) if i not in pc.indexes()]
    best = max(names, default=(0, 0))
    if best[0] > 0:
        return -best[1], "name"
    raise GeodataError(
        "no area code of the layer in the table",
        value=", ".join(header),
        expected=", ".join(sorted(keys.names)[:10]),
    )


def import_area_population(
    project: Project,
    path: str | Path,
    *,
    layer: str,
    year: str | None = None,
    sheet: str | None = None,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> AreaTableReport:
    """Import population keyed by the area codes (or names) of area layer ``layer``."""
    prog = Progress.of(progress, cancel)
    p = Path(path)
    keys = _AreaKeys(project, layer)
    grid = read_grid(p, sheet=sheet)
    table, pc = _population_header(grid, p)
    header = table.header
    cells = table.frame.values.tolist()
    columns = [list(c) for c in zip(*cells, strict=True)] if cells else [[] for _ in header]
    try:
        col, by = _area_key_column(header, columns, keys, pc)
    except GeodataError as exc:
        exc.file = str(p)
        raise
    match = keys.code if by == "code" else keys.name
    once = _OnceEach("圏域")
    rejected = shape_rejections(table)
    ignored = 0
    for i in prog.iterate(range(len(cells)), message="圏域別人口を読み込み中"):
        r, rownum = cells[i], table.row_number(i)
        a = match(r[col])
        if a is None:
            if is_blank(r[col]):
                rejected.append(
                    RowRejection(
                        rownum,
                        "圏域コードが空の行です（合計行などは取り込みません）",
                        header[col],
                        people=_people(pc, r),
                    )
                )
            else:
                ignored += 1  # an area of another layer or prefecture
            continue
        problem = _value_problem(pc, header, r, rownum)
        if problem is not None:
            rejected.append(problem)
            continue
        vals = pc.values(r)
        if vals is None:
            continue
        once.put(a, vals, rownum, _people(pc, r))
    rows = once.rows
    ambiguous = once.clash
    rejected += once.rejections(header[col])
    rejected.sort(key=lambda x: x.row or 0)
    year = (
        year or year_from_name(p.name) or next((y for lab in header if (y := year_from_name(str(lab)))), None)
    )
    with project.transaction():
        _ensure_area_table(project)
        sid = project.add_source(
            kind="population",
            format="area_population_table",
            path=p,
            sheet=grid.sheet,
            reference_date=year,
            rows_read=table.rows_read,
            rows_rejected=len(rejected),
            summary={"layer": layer, "ignored_rows": ignored},
        )
        log_rejections(project, rejected, source_id=sid, file_name=p.name, sheet=grid.sheet)
        ps = new_pop_source(
            project,
            source_id=sid,
            unit=f"area:{layer}",
            year=year,
            secret=0,
            notes="area-keyed table (not apportioned to municipalities)",
        )
        project.conn.execute("DELETE FROM population_area WHERE layer_name=?", (layer,))
        project.conn.executemany(
            "INSERT INTO population_area VALUES (?,?,?,?,?,?,?,?,?)",
            [
                (
                    layer,
                    a,
                    keys.names.get(a),
                    ps,
                    *(v[k] for k in POPS),
                    json.dumps(v["bands"], ensure_ascii=False),
                )
                for a, v in sorted(rows.items())
            ],
        )
    return {
        "kind": "area_table",
        "file": str(p),
        "layer": layer,
        "year": year,
        "source_id": sid,
        "pop_source_id": ps,
        "columns": pc.describe(header),
        "area_column": header[col],
        "rows_read": table.rows_read,
        "loaded": len(rows),
        "matched_by": by,
        "ignored_rows_other_areas": ignored,
        "ambiguous_areas": sorted(ambiguous),
        "areas_without_population": sorted(set(keys.names) - set(rows)),
        "by_area": [
            {
                "area_code": a,
                "area_name": keys.names.get(a),
                "pop_total": v["pop_total"],
                "pop_65": v["pop_65"],
                "pop_75": v["pop_75"],
            }
            for a, v in sorted(rows.items())
        ],
        "note": "圏域単位の人口は市区町村へ按分しません（圏域案の人口は、その圏域がこの圏域の組み合わせの"
        "ときに使われます。到達圏の人口には市区町村別またはメッシュの人口が必要です）。",
        **_rejection_summary(rejected),  # type: ignore[typeddict-item]
    }


def _ensure_area_table(project: Project) -> None:
    from zaitaku_map.store.ddl_extra import DDL

    exists = project.conn.execute("SELECT 1 FROM sqlite_master WHERE name='population_area'").fetchone()
    if not exists:
        ddl = next(d for d in DDL if "population_area" in d)
        project.conn.execute(ddl)
