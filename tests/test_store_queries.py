"""Read-only store queries the views share (facility rows, provenance, import log, formats)."""

from __future__ import annotations

from pathlib import Path

from tests.import_fixtures import kaigo_row, write_kaigo
from zaitaku_map.importers import import_files
from zaitaku_map.store import queries


def test_queries_after_an_import(project, tmp_path: Path) -> None:
    f = write_kaigo(
        tmp_path / "jigyosho_130.csv",
        [
            kaigo_row(
                "312011",
                "3160100001",
                "訪問看護ステーションあおば",
                "訪問看護",
                "鳥取市青葉町１－２",
                "35.50",
                "134.23",
            ),
            kaigo_row("312011", "", "番号なし", "訪問看護", "鳥取市無町１", "35.5", "134.2"),
        ],
    )
    (rep,) = import_files(project, [f])
    rows = queries.open_facilities(project)
    assert [r["name"] for r in rows] == ["訪問看護ステーションあおば"]
    assert set(rows[0]) == set(queries.FACILITY_COLUMNS)
    assert rows[0]["category"] == "home_nursing" and rows[0]["lon"] == 134.23

    prov = queries.facility_provenance(project, rows[0]["id"])
    assert prov[0]["file_name"] == "jigyosho_130.csv" and prov[0]["family"] == "kaigo:130"
    assert isinstance(prov[0]["raw"], dict) and "raw_json" not in prov[0]

    src_ids = [int(s) for (s,) in project.conn.execute("SELECT id FROM sources")]
    log = queries.import_log_rows(project, src_ids)
    assert rep.rejected == 1
    assert [(r["row"], r["column_name"], r["severity"]) for r in log] == [(3, "事業所番号", "rejected")]
    assert log[0]["file_name"] == "jigyosho_130.csv" and log[0]["reason"]
    assert queries.import_log_rows(project, []) == []

    assert queries.source_formats(project) == ["kaigo"]
    assert queries.demand_point_count(project) == 0


def test_provenance_lists_designations(synthetic_project) -> None:
    fid = synthetic_project.conn.execute("SELECT facility_id FROM designations LIMIT 1").fetchone()[0]
    prov = queries.facility_provenance(synthetic_project, fid)
    assert any(p["family"] == "designation" for p in prov)
    assert queries.demand_point_count(synthetic_project) > 0
