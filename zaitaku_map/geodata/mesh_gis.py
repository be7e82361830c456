"""国土数値情報 将来推計人口メッシュ (1km / 500m / 250m; Shapefile, GeoJSON or zip) as mesh population.

Attributes (matched by pattern, any release): ``MESH_ID`` (8/9/10-digit mesh code), ``PTN_YYYY``
total population per year, ``PTA_`` 0–14, ``PTB_`` 15–64, ``PTC_`` 65+, ``PTD_`` 75+, ``PTE_`` 80+,
``PT1_``…``PT19_`` 5-year bands (PT1 = 0–4 … PT18 = 85–89, PT19 = 90+), ``RT*`` ratios (ignored).

The *base year* (the census the projection starts from, e.g. 2020) gives ``pop_total/65/75/85``
(85+ = PT18 + PT19 when bands exist); every year's total and 65+ go to ``bands_json`` as
``year_YYYY`` / ``65plus_YYYY`` so projections can be shown.  Mesh geometry comes from the code,
as for e-Stat files; cells are apportioned the same way.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from zaitaku_map.errors import GeodataError
from zaitaku_map.geodata.codes import clean_code_text
from zaitaku_map.geodata.mesh import MESH_UNITS, MeshTable, population_count
from zaitaku_map.geodata.units import RowRejection

GIS_MESH_SUFFIXES = (".shp", ".geojson", ".json", ".zip", ".gpkg")
_COL = re.compile(r"^(PTN|PTA|PTB|PTC|PTD|PTE|PT\d{1,2})_(\d{4})$", re.IGNORECASE)


class _BadCount(ValueError):
    """A population attribute that is not a count of people."""


def _num(v: Any) -> float | None:
    if v is None or (isinstance(v, float) and v != v):
        return None  # a missing attribute
    value, why = population_count(v)
    if why:
        raise _BadCount(why)
    return value


def read_mesh_gis(path: str | Path, *, year: str | None = None) -> MeshTable:
    """Read a projection mesh GIS file into a :class:`MeshTable` (see module docstring)."""
    from zaitaku_map.geodata.n03_read import read_boundary_file

    p = Path(path)
    raw, _facts = read_boundary_file(p)
    cols = [c for c in raw.columns if c not in ("geometry", "_file")]
    id_col = next((c for c in cols if c.upper() in ("MESH_ID", "MESHCODE", "MESH_CODE", "KEY_CODE")), None)
    found: dict[tuple[str, int], str] = {}
    for c in cols:
        m = _COL.match(str(c))
        if m:
            found[(m.group(1).upper(), int(m.group(2)))] = c
    years = sorted({y for k, y in found if k == "PTN"})
    if id_col is None or not years:
        raise GeodataError(
            "not a population mesh file",
            file=p,
            value=", ".join(map(str, cols[:12])),
            expected="MESH_ID and PTN_YYYY columns (国土数値情報 将来推計人口メッシュ)",
        )
    base = int(year) if year and int(year) in years else years[0]
    records: dict[str, dict[str, Any]] = {}
    rejected: list[RowRejection] = []
    units = set()
    for i, row in enumerate(raw.drop(columns="geometry").to_dict("records"), start=1):
        code = clean_code_text(row[id_col])
        if code is None or len(code) not in MESH_UNITS:
            rejected.append(
                RowRejection(i, "メッシュコードが8〜10桁の数字ではありません", id_col, str(row[id_col]))
            )
            continue
        try:
            records[code] = _record(row, found, years, base)
        except _BadCount as exc:
            rejected.append(RowRejection(i, str(exc), "PT*", code))
            continue
        units.add(len(code))

    if len(units) > 1:
        raise GeodataError("mesh file mixes mesh sizes", file=p, value=sorted(units))
    unit = MESH_UNITS[units.pop()] if units else "mesh1km"
    columns = {
        "total": f"PTN_{base}",
        "base_year": base,
        "years": years,
        "open": {k: f"{k}_{base}" for k in ("PTC", "PTD") if (k, base) in found},
    }
    return MeshTable(p, unit, records, 0, 0, columns, rejected)


def _record(
    row: dict[str, Any], found: dict[tuple[str, int], str], years: list[int], base: int
) -> dict[str, Any]:
    """Base-year figures and every year's totals of one cell (raises :class:`_BadCount`)."""

    def get(kind: str, y: int) -> float | None:
        c = found.get((kind, y))
        return None if c is None else _num(row[c])

    bands: dict[str, float] = {}
    for y in years:
        for kind, key in (("PTN", "year"), ("PTC", "65plus"), ("PTD", "75plus")):
            v = get(kind, y)
            if v is not None:
                bands[f"{key}_{y}"] = v
    p18, p19 = get("PT18", base), get("PT19", base)
    return {
        "pop_total": get("PTN", base),
        "pop_65": get("PTC", base),
        "pop_75": get("PTD", base),
        "pop_85": None if p18 is None or p19 is None else p18 + p19,
        "bands": bands,
    }
