"""Read-only queries on the project store that views (GUI, CLI) share.

Views never write SQL of their own: they ask here for facility rows, a facility's provenance
(source records and current designations), rows of the import log and the formats imported.
"""

from __future__ import annotations

import json
from typing import Any

from zaitaku_map.store.project import Project

FACILITY_COLUMNS = (
    "id",
    "category",
    "subtype",
    "name",
    "address",
    "muni_code",
    "lon",
    "lat",
    "geocode_level",
    "active_role",
    "status",
    "phone",
    "beds",
)

PROVENANCE_KEYS = (
    "family",
    "record_key",
    "sheet",
    "row",
    "first_seen",
    "last_seen",
    "status",
    "file_name",
    "format",
    "reference_date",
    "imported_at",
    "raw_json",
)

IMPORT_LOG_COLUMNS = ("file_name", "sheet", "row", "column_name", "value", "severity", "reason", "raw_json")


def open_facilities(project: Project) -> list[dict[str, Any]]:
    """Every open facility as a dict of :data:`FACILITY_COLUMNS`, ordered by id."""
    cols = ", ".join(FACILITY_COLUMNS)
    cur = project.conn.execute(f"SELECT {cols} FROM facilities WHERE status = 'open' ORDER BY id")
    return [dict(zip(FACILITY_COLUMNS, r, strict=True)) for r in cur]


def facility_provenance(project: Project, facility_id: int) -> list[dict[str, Any]]:
    """Where one facility comes from: its source records (file, row, key, dates, raw values)
    followed by its current designations (family ``"designation"``)."""
    cur = project.conn.execute(
        "SELECT r.source_family, r.record_key, r.sheet, r.row, r.first_seen, r.last_seen, r.status, "
        "s.file_name, s.format, s.reference_date, s.imported_at, r.raw_json FROM facility_records r "
        "LEFT JOIN sources s ON s.id = r.source_id WHERE r.facility_id = ? ORDER BY r.id",
        (int(facility_id),),
    )
    out: list[dict[str, Any]] = []
    for r in cur:
        d = dict(zip(PROVENANCE_KEYS, r, strict=True))
        try:
            d["raw"] = json.loads(d.pop("raw_json") or "null")
        except ValueError:
            d["raw"] = None
        out.append(d)
    des = project.conn.execute(
        "SELECT kind, code, name, subtype, effective_date FROM designations WHERE facility_id = ? AND current = 1",
        (int(facility_id),),
    ).fetchall()
    for kind, code, name, subtype, eff in des:
        out.append(
            {
                "family": "designation",
                "record_key": code,
                "file_name": name or "",
                "format": kind,
                "reference_date": eff,
                "row": None,
                "raw": {"subtype": subtype},
            }
        )
    return out


def import_log_rows(project: Project, source_ids: list[int]) -> list[dict[str, Any]]:
    """Rejected and warned rows of the given imports, in the order they were logged."""
    if not source_ids:
        return []
    marks = ",".join("?" for _ in source_ids)
    cur = project.conn.execute(
        f"SELECT {', '.join(IMPORT_LOG_COLUMNS)} FROM import_log WHERE source_id IN ({marks}) ORDER BY id",
        [int(s) for s in source_ids],
    )
    return [dict(zip(IMPORT_LOG_COLUMNS, r, strict=True)) for r in cur]


def loaded_categories(project: Project) -> set[str]:
    """Facility categories with at least one record in the project (open or closed): a category
    without any was never imported, so "0 facilities" would be a claim the data cannot make."""
    return {str(r[0]) for r in project.conn.execute("SELECT DISTINCT category FROM facilities")}


def source_formats(project: Project) -> list[str]:
    """Distinct formats of the imported sources, in import order."""
    return [
        str(f)
        for (f,) in project.conn.execute(
            "SELECT format FROM sources WHERE format IS NOT NULL GROUP BY format ORDER BY min(id)"
        )
    ]


def demand_point_count(project: Project) -> int:
    """Number of demand points (population units) coverage can be computed for."""
    return int(project.conn.execute("SELECT count(*) FROM demand_points").fetchone()[0])


def facility_abbreviations(project: Project) -> dict[int, str]:
    """Facility id -> the 略称 its source gives (医療情報ネット's 「略称」 column), where one does."""
    rows = project.conn.execute(
        "SELECT facility_id, json_extract(raw_json, '$.\"略称\"') FROM facility_records "
        "WHERE status = 'current' AND raw_json IS NOT NULL AND json_extract(raw_json, '$.\"略称\"') != ''"
    )
    return {int(fid): str(short) for fid, short in rows if short}


def reference_points(project: Project, *, level: str = "town") -> list[tuple[float, float, str, str]]:
    """``(lon, lat, town, municipality)`` of the geocoding references of one level (``town``: 大字・町丁目,
    ``block``: 街区), for drawing them as a guide when facilities are placed by hand."""
    rows = project.conn.execute(
        "SELECT lon, lat, coalesce(town, ''), coalesce(muni_name, '') FROM geocode_references WHERE level = ?",
        (level,),
    )
    return [(float(x), float(y), str(t), str(m)) for x, y, t, m in rows]
