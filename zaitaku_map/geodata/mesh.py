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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from zaitaku_map import tabular
from zaitaku_map.errors import GeodataError, UnsupportedFormatError

MESH_UNITS = {8: "mesh1km", 9: "mesh500m", 10: "mesh250m"}

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

    def describe(self, labels: list[Any]) -> dict[str, Any]:
        return {
            "total": None if self.total is None else str(labels[self.total]),
            "open": {f"{k}+": str(labels[v]) for k, v in sorted(self.open.items())},
            "bands": len(self.bands),
            "years": sorted(self.years),
        }

    def values(self, row: list[Any]) -> dict[str, Any] | None:
        """Population figures of one row, or ``None`` when the row is secret (``*``)."""

        def num(i: int | None) -> float | None:
            if i is None or i >= len(row):
                return None
            v = str(row[i]).strip().replace(",", "")
            if v in ("", "-", "－", "―"):
                return 0.0 if v else None
            try:
                return float(v)
            except ValueError:
                return None

        if self.total is not None and str(row[self.total]).strip() in ("*", "X", "x", "…", "･･･"):
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
    rejected: list[dict[str, Any]]


def read_mesh_text(path: str | Path) -> MeshTable:
    """Read an e-Stat mesh statistics text/CSV file (see module docstring)."""
    p = Path(path)
    try:
        rows = tabular.read_rows(p, delimiter=",").cells
    except UnsupportedFormatError as exc:
        raise GeodataError(exc.message, file=p, expected=exc.expected) from exc
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
    records: dict[str, dict[str, Any]] = {}
    secret = merged = 0
    rejected: list[dict[str, Any]] = []
    units = set()
    for n, row in enumerate(rows[2:], start=3):
        if not row or not row[0].strip():
            continue
        code = row[0].strip()
        if not code.isdigit() or len(code) not in MESH_UNITS:
            rejected.append(
                {"row": n, "value": code, "reason": "メッシュコードが8〜10桁の数字ではありません"}
            )
            continue
        units.add(len(code))
        vals = pc.values(row)
        if vals is None:
            secret += 1
            continue
        if "htksyori" in idx and str(row[idx["htksyori"]]).strip() == "2":
            merged += 1  # this cell holds neighbours' people too
        if code in records:
            rejected.append(
                {"row": n, "value": code, "reason": "同じメッシュコードが重複しています（最初の行を使用）"}
            )
            continue
        records[code] = vals
    if len(units) > 1:
        raise GeodataError(
            "mesh file mixes mesh sizes", file=p, value=sorted(units), expected="one of 8/9/10 digits"
        )
    unit = MESH_UNITS[units.pop()] if units else "mesh1km"
    return MeshTable(p, unit, records, secret, merged, pc.describe(labels), rejected)


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
