"""e-Stat 地域メッシュ統計 text files and JIS X 0410 mesh geometry.

File layout (国勢調査 mesh statistics, e.g. ``tblT001102Q5133.txt``): CP932 CSV, two header rows
(column codes ``KEY_CODE, HTKSYORI, HTKSAKI, GASSAN, T001102001, …`` then Japanese labels
``人口（総数）``, ``６５歳以上人口　総数`` …).  ``KEY_CODE`` is the mesh code: 8 digits = 1 km
(3rd-order), 9 = 500 m (1/2), 10 = 250 m (1/4).  Secret cells hold ``*`` — their people are
counted in the neighbour named in ``HTKSAKI`` (秘匿先), so skipping them keeps totals right; they are
counted and reported.  Columns are recognised by their *label* (:func:`classify_label`), not by
position, so different tables and years work.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from zaitaku_map import tabular
from zaitaku_map.errors import GeodataError, UnsupportedFormatError
from zaitaku_map.geodata.units import RowRejection, shape_rejections

MESH_UNITS = {8: "mesh1km", 9: "mesh500m", 10: "mesh250m"}
# More people than Japan has: such a figure in a population cell is an error, not a count
MAX_POPULATION = 1e8
ZERO_MARKS = ("-", "－", "―", "‐")
SECRET_MARKS = ("*", "X", "x", "…", "･･･", "***")


def population_count(text: Any) -> tuple[float | None, str | None]:
    """A population cell as ``(value, None)``, or ``(None, reason)`` when it holds something that is
    not a count of people.

    Empty and secret cells (``*``, ``X`` …) are ``(None, None)``; ``-`` is 0.  Refused: text that is
    not a number, ``inf``/``nan``, negative values and values above :data:`MAX_POPULATION`.
    """
    v = unicodedata.normalize("NFKC", str(text or "")).strip().replace(",", "")
    if not v or v in SECRET_MARKS:
        return None, None
    if v in ZERO_MARKS:
        return 0.0, None
    try:
        f = float(v)
    except ValueError:
        return None, f"人口の値が数ではありません（{v[:20]}）"
    if f != f or f in (float("inf"), float("-inf")):
        return None, f"人口の値が有限の数ではありません（{v[:20]}）"
    if f < 0:
        return None, f"人口の値がマイナスです（{v[:20]}）"
    if f > MAX_POPULATION:
        return None, f"人口の値が大きすぎます（{v[:20]}、1億人を超える値）"
    return f, None


_BAND = re.compile(r"(\d+)[~〜～\-－ー_](\d+)歳?")
_OPEN = re.compile(r"(\d+)歳以上")
_EN_BAND = re.compile(r"(?:pop|age)?_?(\d+)_(\d+)$")
_EN_OPEN = re.compile(r"(?:pop|age)?_?(\d+)(?:plus|over|\+)$")
_YEAR = re.compile(r"(20\d\d)年")


def _norm(label: Any) -> str:
    t = unicodedata.normalize("NFKC", str(label or ""))
    return re.sub(r"[\s　()（）]", "", t).lower()


def classify_label(label: Any) -> tuple[str, int | None, int | None]:
    """Classify a population column header/label.

    Returns ``("total", None, None)``, ``("band", lo, hi)``, ``("open", lo, None)`` (lo歳以上) or
    ``("other", None, None)``.  Sex-split and non-population columns are ``other``; a year in the
    label (将来推計 ``2030年…``) gives ``("year", 2030, None)`` when it is a total.
    """
    t = _norm(label)
    if not t or "男" in t or "女" in t or "male" in t or "世帯" in t or "率" in t or "割合" in t:
        return ("other", None, None)
    if any(k in t for k in ("unknown", "不詳")):
        return ("other", None, None)
    m = _EN_OPEN.search(t) if t.startswith(("pop", "age")) else None
    if m:
        return ("open", int(m.group(1)), None)
    m = _EN_BAND.search(t) if t.startswith(("pop", "age")) else None
    if m:
        return ("band", int(m.group(1)), int(m.group(2)))
    if "歳" in t:
        m = _OPEN.search(t)
        if m:
            return ("open", int(m.group(1)), None)
        m = _BAND.search(t)
        if m:
            return ("band", int(m.group(1)), int(m.group(2)))
        return ("other", None, None)
    y = _YEAR.search(t)
    if y and ("人口" in t or "総数" in t):
        return ("year", int(y.group(1)), None)
    if t in ("総数", "人口", "総人口", "人口総数", "人口総数総数", "人口総数計", "total", "population") or (
        ("人口" in t and "総数" in t) or t.startswith(("pop_total", "population_"))
    ):
        return ("total", None, None)
    return ("other", None, None)


@dataclass
class PopColumns:
    """Which columns hold which population figure."""

    total: int | None = None
    open: dict[int, int] = field(default_factory=dict)
    bands: dict[tuple[int, int], int] = field(default_factory=dict)
    years: dict[int, int] = field(default_factory=dict)

    @classmethod
    def from_labels(cls, labels: list[Any], skip: set[int] = frozenset()) -> PopColumns:  # type: ignore[assignment]
        pc = cls()
        for i, lab in enumerate(labels):
            if i in skip:
                continue
            kind, a, b = classify_label(lab)
            if kind == "total" and pc.total is None:
                pc.total = i
            elif kind == "open" and a is not None:
                pc.open.setdefault(a, i)
            elif kind == "band" and a is not None and b is not None:
                pc.bands.setdefault((a, b), i)
            elif kind == "year" and a is not None:
                pc.years.setdefault(a, i)
        return pc

    def found(self) -> bool:
        return self.total is not None or bool(self.bands)

    def indexes(self) -> set[int]:
        """Every column holding a population figure."""
        cols = {*self.open.values(), *self.bands.values(), *self.years.values()}
        return cols | ({self.total} if self.total is not None else set())

    def problem(self, row: list[Any]) -> tuple[int, str] | None:
        """``(column index, reason)`` of the first population cell of ``row`` that is not a count of
        people (see :func:`population_count`), or ``None`` when every cell is usable."""
        for i in sorted(self.indexes()):
            if i < len(row):
                _v, why = population_count(row[i])
                if why:
                    return i, why
        return None

    def describe(self, labels: list[Any]) -> dict[str, Any]:
        return {
            "total": None if self.total is None else str(labels[self.total]),
            "open": {f"{k}+": str(labels[v]) for k, v in sorted(self.open.items())},
            "bands": len(self.bands),
            "years": sorted(self.years),
        }

    def values(self, row: list[Any]) -> dict[str, Any] | None:
        """Population figures of one row, or ``None`` when the row is secret (``*``).  Check the row
        with :meth:`problem` first: a cell that is not a count reads as unknown here."""

        def num(i: int | None) -> float | None:
            return None if i is None or i >= len(row) else population_count(row[i])[0]

        if self.total is not None and str(row[self.total]).strip() in SECRET_MARKS:
            return None
        bands = {(lo, hi): num(i) for (lo, hi), i in self.bands.items()}
        opens = {lo: num(i) for lo, i in self.open.items()}
        total = num(self.total)
        if total is None and bands and all(v is not None for v in bands.values()):
            total = float(sum(v for v in bands.values() if v is not None))
        out: dict[str, Any] = {"pop_total": total}
        top = max((hi for _lo, hi in bands), default=None)
        for age in (65, 75, 85):
            if age in opens and opens[age] is not None:
                out[f"pop_{age}"] = opens[age]
            elif bands and any(lo == age for lo, _hi in bands):
                s = sum(v or 0.0 for (lo, _hi), v in bands.items() if lo >= age)
                tail = opens.get(top + 1) if top is not None else None
                out[f"pop_{age}"] = s + (tail or 0.0)
            else:
                out[f"pop_{age}"] = None
        extra: dict[str, float] = {}
        for (lo, hi), v in sorted(bands.items()):
            if v is not None and hi - lo == 4:
                extra[f"{lo}_{hi}"] = v
        for lo, v in sorted(opens.items()):
            if v is not None:
                extra[f"{lo}plus"] = v
        for y, i in sorted(self.years.items()):
            v = num(i)
            if v is not None:
                extra[f"year_{y}"] = v
        out["bands"] = extra
        return out


@dataclass
class MeshTable:
    """Parsed mesh statistics of one file."""

    path: Path
    unit: str
    records: dict[str, dict[str, Any]]  # mesh code -> values
    secret_cells: int
    merged_cells: int
    columns: dict[str, Any]
    rejected: list[RowRejection]

    @property
    def rejected_people(self) -> float:
        """People in rejected rows whose total could be read (part of the file's total)."""
        return float(sum(r.people or 0.0 for r in self.rejected))


def read_mesh_text(path: str | Path) -> MeshTable:
    """Read an e-Stat mesh statistics text/CSV file (see module docstring).

    Rows that cannot be used are rejected with their reason, never guessed at: an empty or malformed
    ``KEY_CODE``, a row with fewer or more fields than the header (a download cut short), a population
    cell that is not a count of people (:func:`population_count`), a duplicate code.
    """
    p = Path(path)
    try:
        grid = tabular.read_rows(p, delimiter=",")
    except UnsupportedFormatError as exc:
        raise GeodataError(exc.message, file=p, expected=exc.expected) from exc
    rows = grid.cells
    if len(rows) < 3 or not rows[0] or _norm(rows[0][0]) != "key_code":
        raise GeodataError(
            "not an e-Stat mesh statistics file",
            file=p,
            row=1,
            value=",".join(rows[0][:4]) if rows else "",
            expected="KEY_CODE,HTKSYORI,HTKSAKI,…",
        )
    head = [_norm(c) for c in rows[0]]
    labels = rows[1]
    idx = {name: head.index(name) for name in ("htksyori", "htksaki", "gassan") if name in head}
    pc = PopColumns.from_labels(labels, skip={0, *idx.values()})
    if not pc.found():
        raise GeodataError(
            "no population column recognised in the mesh file",
            file=p,
            row=2,
            value=",".join(labels[:8]),
            expected="人口（総数）, ６５歳以上人口　総数, …",
        )
    table = grid.table(0)
    reader = _MeshRows(pc, labels, merged_col=idx.get("htksyori"))
    for r, problem in zip(shape_rejections(table, notes=False), table.problems, strict=True):
        vals = list(problem.values)  # a row cut short still tells how many people it lost
        people = (
            population_count(vals[pc.total])[0] if pc.total is not None and pc.total < len(vals) else None
        )
        reader.rejected.append(replace(r, people=people))
    for n, row in zip(table.rows.tolist(), table.frame.itertuples(index=False, name=None), strict=True):
        if n > grid.numbers[1]:  # the label row is the first row under the codes
            reader.add(n, list(row))
    if len(reader.units) > 1:
        raise GeodataError(
            "mesh file mixes mesh sizes", file=p, value=sorted(reader.units), expected="one of 8/9/10 digits"
        )
    unit = MESH_UNITS[reader.units.pop()] if reader.units else "mesh1km"
    rejected = sorted(reader.rejected, key=lambda r: r.row or 0)
    return MeshTable(p, unit, reader.records, reader.secret, reader.merged, pc.describe(labels), rejected)


class _MeshRows:
    """Accumulates the cells of a mesh file row by row."""

    def __init__(self, pc: PopColumns, labels: list[str], *, merged_col: int | None) -> None:
        self.pc = pc
        self.labels = labels
        self.merged_col = merged_col
        self.records: dict[str, dict[str, Any]] = {}
        self.rejected: list[RowRejection] = []
        self.units: set[int] = set()
        self.secret = 0
        self.merged = 0

    def _people(self, row: list[str]) -> float | None:
        return None if self.pc.total is None else population_count(row[self.pc.total])[0]

    def add(self, n: int, row: list[str]) -> None:
        code = row[0].strip()
        if not code.isdigit() or len(code) not in MESH_UNITS:
            reason = "メッシュコードが空です" if not code else "メッシュコードが8〜10桁の数字ではありません"
            self.rejected.append(RowRejection(n, reason, "KEY_CODE", code, people=self._people(row)))
            return
        bad = self.pc.problem(row)
        if bad is not None:
            col, why = bad
            self.rejected.append(RowRejection(n, why, str(self.labels[col]), row[col][:40]))
            return
        self.units.add(len(code))
        vals = self.pc.values(row)
        if vals is None:
            self.secret += 1
            return
        if self.merged_col is not None and row[self.merged_col].strip() == "2":
            self.merged += 1  # this cell holds neighbours' people too
        if code in self.records:
            self.rejected.append(
                RowRejection(n, "同じメッシュコードが重複しています（最初の行を使用）", "KEY_CODE", code)
            )
            return
        self.records[code] = vals


def mesh_polygons(codes: list[str]) -> np.ndarray:
    """Mesh cells as shapely boxes (lon/lat) from their JIS X 0410 codes (jismesh)."""
    import jismesh.utils as ju

    if not codes:
        return np.array([], dtype=object)
    arr = np.array(codes)
    lat0, lon0 = ju.to_meshpoint(arr, 0, 0)
    lat1, lon1 = ju.to_meshpoint(arr, 1, 1)
    boxes: np.ndarray = shapely.box(
        np.asarray(lon0, float), np.asarray(lat0, float), np.asarray(lon1, float), np.asarray(lat1, float)
    )
    return boxes
