"""Reading and writing the demand tables of the project (``demand_area``, ``projection_regions``,
``projection_values``, ``use_rates`` in :mod:`zaitaku_map.store.ddl_v2`).

A newer import supersedes an older one: demand rows of the same measure and 構想区域, projection
values of the same region, sex, age band and measure, and rates of the same measure and prefecture
are replaced; the older source stays in ``sources`` (history).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from zaitaku_map.demand.tokens import AgeBand
from zaitaku_map.store import Project, ddl_v2
from zaitaku_map.store.gpkg import register_attributes

TABLES = ("demand_area", "projection_regions", "projection_values", "use_rates")


_DDL_NAME = re.compile(r"CREATE\s+(TABLE|INDEX)\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)(?:\s+ON\s+(\w+))?")


def ensure_tables(project: Project) -> None:
    """Create the demand tables in a schema-2 file written before they existed (call in a transaction)."""
    have = {
        r[0] for r in project.conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'index')")
    }
    for ddl in ddl_v2.DDL:
        m = _DDL_NAME.match(ddl)
        if m is None or m.group(2) in have:
            continue
        if (m.group(3) or m.group(2)) in TABLES:
            project.conn.execute(ddl)
            described = dict(ddl_v2.ATTRIBUTE_TABLES)
            if m.group(2) in described:
                register_attributes(project.conn, m.group(2), described[m.group(2)])


def has_tables(project: Project) -> bool:
    row = project.conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE type='table' AND name IN (?,?,?,?)", TABLES
    ).fetchone()
    return bool(row and row[0] == len(TABLES))


# -- writes (inside the import's transaction) -------------------------------------------------------
def write_demand(
    project: Project, source_id: int, rows: Iterable[tuple[str, str, str | None, str | None, int, float]]
) -> int:
    """Store ``(measure, area_code, area_name, pref_code, year, value)`` rows, superseding older ones."""
    data = list(rows)
    keys = sorted({(m, a) for m, a, *_ in data})
    project.conn.executemany(
        "DELETE FROM demand_area WHERE measure=? AND area_code=? AND source_id != ?",
        [(m, a, source_id) for m, a in keys],
    )
    project.conn.executemany(
        "INSERT OR REPLACE INTO demand_area (source_id, measure, area_code, area_name, pref_code, year, value) "
        "VALUES (?,?,?,?,?,?,?)",
        [(source_id, *r) for r in data],
    )
    return len(data)


def write_regions(
    project: Project, source_id: int, regions: Iterable[tuple[str, str | None, str, list[str]]]
) -> None:
    """Store ``(code, name, kind, members)`` of the regions of a projection table."""
    project.conn.executemany(
        "INSERT OR REPLACE INTO projection_regions (source_id, region_code, name, kind, members_json) "
        "VALUES (?,?,?,?,?)",
        [(source_id, c, n, k, json.dumps(m) if m else None) for c, n, k, m in regions],
    )


def write_projection(
    project: Project, source_id: int, values: Iterable[tuple[str, str, AgeBand, int, str, float]]
) -> int:
    """Store ``(region, sex, age band, year, measure, value)``, superseding older series of the same key."""
    data = list(values)
    keys = sorted({(c, s, a, m) for c, s, a, _y, m, _v in data})
    project.conn.executemany(
        "DELETE FROM projection_values WHERE region_code=? AND sex=? AND age_lo=? AND age_hi=? AND measure=? "
        "AND source_id != ?",
        [(c, s, a[0], a[1], m, source_id) for c, s, a, m in keys],
    )
    project.conn.executemany(
        "INSERT OR REPLACE INTO projection_values (source_id, region_code, sex, age_lo, age_hi, year, measure, "
        "value) VALUES (?,?,?,?,?,?,?,?)",
        [(source_id, c, s, a[0], a[1], y, m, v) for c, s, a, y, m, v in data],
    )
    return len(data)


def write_rates(
    project: Project, source_id: int, measure: str, per: float, rates: dict[tuple[str, str, AgeBand], float]
) -> int:
    prefs = sorted({p for p, _s, _a in rates})
    project.conn.executemany(
        "DELETE FROM use_rates WHERE measure=? AND pref_code=? AND source_id != ?",
        [(measure, p, source_id) for p in prefs],
    )
    project.conn.executemany(
        "INSERT OR REPLACE INTO use_rates (source_id, measure, pref_code, sex, age_lo, age_hi, per, value) "
        "VALUES (?,?,?,?,?,?,?,?)",
        [(source_id, measure, p, s, a[0], a[1], per, v) for (p, s, a), v in sorted(rates.items())],
    )
    return len(rates)


# -- reads -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SourceInfo:
    """Provenance of one imported demand, projection or rate file."""

    source_id: int
    kind: str  # mhlw_demand|projection|use_rates
    file_name: str
    reference_date: str | None
    imported_at: str
    summary: dict[str, object]


def sources(project: Project, kind: str | None = None) -> list[SourceInfo]:
    """Imported files whose rows are still in use (superseded ones are left out), oldest first."""
    if not has_tables(project):
        return []
    used = {
        r[0]
        for r in project.conn.execute(
            "SELECT DISTINCT source_id FROM demand_area UNION SELECT DISTINCT source_id FROM projection_values "
            "UNION SELECT DISTINCT source_id FROM use_rates"
        )
    }
    out = []
    for sid, fmt, name, ref, at, summ in project.conn.execute(
        "SELECT id, format, file_name, reference_date, imported_at, summary_json FROM sources "
        "WHERE kind='projection' ORDER BY id"
    ):
        if sid in used and (kind is None or fmt == kind):
            out.append(SourceInfo(sid, fmt, name, ref, at, json.loads(summ) if summ else {}))
    return out


def demand_by_area(project: Project, measure: str = "home_visit") -> dict[str, dict[int, float]]:
    """``{area_code: {year: value}}`` of the official demand of ``measure``."""
    if not has_tables(project):
        return {}
    out: dict[str, dict[int, float]] = {}
    for code, year, value in project.conn.execute(
        "SELECT area_code, year, value FROM demand_area WHERE measure=? ORDER BY area_code, year", (measure,)
    ):
        out.setdefault(code, {})[int(year)] = float(value)
    return out


def area_names(project: Project) -> dict[str, str]:
    if not has_tables(project):
        return {}
    return {
        c: n for c, n in project.conn.execute("SELECT DISTINCT area_code, area_name FROM demand_area") if n
    }


def projection_rows(project: Project) -> list[tuple[str, str, int, int, int, str, float]]:
    """Every current projection value ``(region, sex, age_lo, age_hi, year, measure, value)``."""
    if not has_tables(project):
        return []
    return [
        (str(c), str(s), int(lo), int(hi), int(y), str(m), float(v))
        for c, s, lo, hi, y, m, v in project.conn.execute(
            "SELECT region_code, sex, age_lo, age_hi, year, measure, value FROM projection_values"
        )
    ]


def projection_regions(project: Project) -> dict[str, tuple[str | None, str, list[str]]]:
    """``{code: (name, kind, members)}`` of the regions that still have values."""
    if not has_tables(project):
        return {}
    out: dict[str, tuple[str | None, str, list[str]]] = {}
    for code, name, kind, members in project.conn.execute(
        "SELECT r.region_code, r.name, r.kind, r.members_json FROM projection_regions r "
        "WHERE EXISTS (SELECT 1 FROM projection_values v WHERE v.source_id = r.source_id "
        "AND v.region_code = r.region_code) ORDER BY r.source_id"
    ):
        out[str(code)] = (name, str(kind), json.loads(members) if members else [])
    return out


def rates(project: Project, measure: str = "home_visit") -> dict[tuple[str, str, AgeBand], float]:
    """``{(pref_code, sex, age band): rate per person per month}`` (the stored ``per`` divided out)."""
    if not has_tables(project):
        return {}
    return {
        (str(p), str(s), (int(lo), int(hi))): float(v) / float(per)
        for p, s, lo, hi, per, v in project.conn.execute(
            "SELECT pref_code, sex, age_lo, age_hi, per, value FROM use_rates WHERE measure=?", (measure,)
        )
    }
