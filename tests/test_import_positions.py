"""Rows with impossible coordinates or without an address are logged; rows that cannot be placed are rejected."""

from __future__ import annotations

from pathlib import Path

from tests.import_fixtures import iryojoho_row, kaigo_row, write_iryojoho, write_kaigo
from zaitaku_map.importers import import_files
from zaitaku_map.importers.positions import IMPOSSIBLE, NO_ADDRESS, UNPLACEABLE


def _log(project) -> list[tuple]:  # type: ignore[no-untyped-def]
    return project.conn.execute(
        "SELECT file_name, sheet, row, column_name, value, severity, reason FROM import_log "
        "ORDER BY row, severity"
    ).fetchall()


def test_iryojoho_position_problems(project, tmp_path: Path) -> None:
    f = write_iryojoho(
        tmp_path / "01-1_hospital_facility_info_20250601.zip",
        [
            iryojoho_row("3110000000001", "良い病院", "31", "201", "鳥取県鳥取市1", "35.5", "134.2"),
            iryojoho_row(
                "3110000000002", "座標が変な病院", "31", "201", "鳥取県鳥取市2", "95.123456", "235.5"
            ),
            iryojoho_row("3110000000003", "住所なし病院", "31", "201", "", "35.5", "134.2"),
            iryojoho_row("3110000000004", "置けない病院", "31", "201", "", "0.0", "0.0"),
            iryojoho_row(
                "3110000000005", "ゼロ座標病院", "31", "201", "鳥取県鳥取市5", "0.0", "0.0"
            ),  # placeholder: counted only
            iryojoho_row(
                "3210000000006", "他県の住所なし", "32", "201", "", "", ""
            ),  # outside the study region
            iryojoho_row(
                "3110000000007", "入れ替わり病院", "31", "201", "", "134.2", "35.5"
            ),  # swapped: usable
        ],
    )
    project.set_study_prefectures(["31"])
    (rep,) = import_files(project, [f])
    assert rep.added == 5 and rep.rejected == 1 and rep.warnings == 3
    assert rep.rejected_reasons == {UNPLACEABLE: 1}
    log = _log(project)
    name = "01-1_hospital_facility_info_20250601.zip:01-1_hospital_facility_info_20250601.csv"
    assert log == [
        (name, None, 3, "所在地座標（緯度）", "95.123456, 235.5", "warning", IMPOSSIBLE),
        (name, None, 4, "所在地", "", "warning", NO_ADDRESS),
        (name, None, 5, "所在地", "", "rejected", UNPLACEABLE),
        (name, None, 8, "所在地", "", "warning", NO_ADDRESS),
    ]
    names = {r[0] for r in project.conn.execute("SELECT name FROM facilities")}
    assert "置けない病院" not in names and {"座標が変な病院", "住所なし病院", "ゼロ座標病院"} <= names
    assert project.conn.execute(
        "SELECT src_coord_status, lon FROM facilities WHERE name='座標が変な病院'"
    ).fetchone() == ("outside_japan", None)


def test_kaigo_position_problems(project, tmp_path: Path) -> None:
    f = write_kaigo(
        tmp_path / "jigyosho_130.csv",
        [
            kaigo_row("312011", "3160100001", "A", "訪問看護", "鳥取市青葉町1", "-12.5", "400.0"),
            kaigo_row("312011", "3160100002", "B", "訪問看護", "", "35.5", "134.2"),
            kaigo_row("312011", "3160100003", "C", "訪問看護", "", "0.0", "0.0"),
            kaigo_row("312011", "3160100004", "D", "訪問看護", "鳥取市青葉町4", "北緯35度", "134.2"),
        ],
    )
    (rep,) = import_files(project, [f])
    assert (rep.added, rep.rejected, rep.warnings) == (3, 1, 3)
    got = [(r[2], r[3], r[5]) for r in _log(project)]
    assert got == [
        (2, "経度", "warning"),
        (3, "住所", "warning"),
        (4, "住所", "rejected"),
        (5, "緯度", "warning"),
    ]
