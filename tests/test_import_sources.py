"""Source identity (what a list is, not its header), prefecture prefixes, monotone progress."""

from __future__ import annotations

import json
from pathlib import Path

from tests.import_fixtures import (
    kaigo_row,
    write_kaigo,
)
from zaitaku_map.importers import import_files, preview_file

HEADER = "センター名,所在地,電話番号\n"
TOTTORI = [
    ("鳥取市中央地域包括支援センター", "鳥取市尚徳町116"),
    ("鳥取市南地域包括支援センター", "鳥取市的場1-1"),
    ("鳥取市北地域包括支援センター", "鳥取市湖山町東1-1"),
]
YONAGO = [
    ("米子市東地域包括支援センター", "米子市加茂町1-1"),
    ("米子市西地域包括支援センター", "米子市西町1"),
]


def _list(path: Path, rows: list[tuple[str, str]], *, phone: str = "0857-00-000") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        HEADER + "".join(f"{n},{a},{phone}{i}\n" for i, (n, a) in enumerate(rows)), encoding="utf-8"
    )
    return path


def _open(project) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        r[0] for r in project.conn.execute("SELECT name FROM facilities WHERE status='open' ORDER BY name")
    ]


def test_two_municipal_lists_with_the_same_header_stay_apart(project, tmp_path: Path) -> None:
    # the same template (same header, even the same file name) published by two municipalities
    a = _list(tmp_path / "tottori" / "houkatsu.csv", TOTTORI)
    b = _list(tmp_path / "yonago" / "houkatsu.csv", YONAGO)
    (ra,) = import_files(project, [a], category="houkatsu")
    (rb,) = import_files(project, [b], category="houkatsu")
    assert rb.closed == 0 and rb.added == 2
    assert ra.family != rb.family
    assert len(_open(project)) == 5
    # the mapping saved for the header is reused for the second list
    assert "前回保存" in " ".join(rb.notes)
    assert project.conn.execute("SELECT count(*) FROM column_mappings").fetchone()[0] == 1
    # a newer release of 鳥取市's list (another file name): one changed (phone), one gone, one unchanged
    newer = _list(tmp_path / "R8_tottori_houkatsu.csv", TOTTORI[:2], phone="0857-00-000")
    newer.write_text(
        newer.read_text(encoding="utf-8").replace("0857-00-0001", "0857-99-9999"), encoding="utf-8"
    )
    (rn,) = import_files(project, [newer], category="houkatsu")
    assert rn.family == ra.family
    assert (rn.unchanged, rn.updated, rn.closed, rn.added) == (1, 1, 1, 0)
    assert "鳥取市北地域包括支援センター" not in _open(project)
    assert {"米子市東地域包括支援センター", "米子市西地域包括支援センター"} <= set(_open(project))
    # importing the same file again changes nothing
    (again,) = import_files(project, [b], category="houkatsu")
    assert (again.unchanged, again.updated, again.closed, again.added) == (2, 0, 0, 0)


def test_lists_of_unknown_issuer_are_told_apart_by_file_and_by_user_name(project, tmp_path: Path) -> None:
    # no municipality anywhere in the rows: the file name (or the user's name for the source) decides
    rows1 = [("あおば包括", "青葉町1"), ("みどり包括", "緑町2")]
    rows2 = [("さくら包括", "桜町3")]
    (r1,) = import_files(project, [_list(tmp_path / "町A.csv", rows1)], category="houkatsu")
    (r2,) = import_files(project, [_list(tmp_path / "町B.csv", rows2)], category="houkatsu")
    assert r1.family != r2.family and r2.closed == 0 and len(_open(project)) == 3
    m = {"name": "センター名", "address": "所在地", "source_label": "A町の包括"}
    (r3,) = import_files(project, [_list(tmp_path / "A_R8.csv", rows1[:1])], category="houkatsu", mapping=m)
    (r4,) = import_files(project, [_list(tmp_path / "A_R9.csv", rows1[:1])], category="houkatsu", mapping=m)
    assert r3.family == r4.family and r4.unchanged == 1
    assert r3.family.startswith("table:A町の包括")


def test_user_named_source_is_followed_by_its_next_release(project, tmp_path: Path) -> None:
    m = {"name": "センター名", "address": "所在地", "source_label": "鳥取市 包括一覧"}
    (r1,) = import_files(project, [_list(tmp_path / "a.csv", TOTTORI)], category="houkatsu", mapping=m)
    # next release, no name given: same issuer (鳥取市) and the saved name → the same source
    (r2,) = import_files(project, [_list(tmp_path / "b.csv", TOTTORI[:2])], category="houkatsu")
    assert r2.family == r1.family and r2.closed == 1 and r2.unchanged == 2
    # another municipality's list with the same header is not that source
    (r3,) = import_files(project, [_list(tmp_path / "c.csv", YONAGO)], category="houkatsu")
    assert r3.family != r1.family and r3.closed == 0
    prev = preview_file(tmp_path / "c.csv", project=project)
    assert prev["mapping_origin"] == "saved"


def test_ward_lists_of_a_designated_city_are_one_issuer(project, tmp_path: Path) -> None:
    rows = [("中央区包括", "デモ市中央区住吉町1"), ("港区包括", "デモ市港区元町2")]
    other = [("本町包括", "見本市本町1"), ("栄包括", "見本市栄町2")]
    (r1,) = import_files(project, [_list(tmp_path / "x" / "list.csv", rows)], category="houkatsu")
    (r2,) = import_files(project, [_list(tmp_path / "y" / "list.csv", other)], category="houkatsu")
    assert "デモ市" in r1.family and "見本市" in r2.family and r2.closed == 0


def test_gis_layers_with_the_same_attributes_stay_apart(project, tmp_path: Path) -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    def layer(path: Path, rows: list[tuple[str, str, float]]) -> Path:
        gpd.GeoDataFrame(
            {"名称": [r[0] for r in rows], "住所": [r[1] for r in rows]},
            geometry=[Point(r[2], 35.5) for r in rows],
            crs="EPSG:4326",
        ).to_file(path)
        return path

    a = layer(tmp_path / "a.geojson", [("A1", "鳥取県鳥取市1", 134.2), ("A2", "鳥取県鳥取市2", 134.21)])
    b = layer(tmp_path / "b.geojson", [("B1", "鳥取県米子市1", 133.3)])
    import_files(project, [a], category="houkatsu")
    (rb,) = import_files(project, [b], category="houkatsu")
    assert rb.closed == 0 and len(_open(project)) == 3


def test_kaigo_lists_of_two_prefectures_stay_apart(project, tmp_path: Path) -> None:
    a = write_kaigo(
        tmp_path / "jigyosho_130_tottori.csv",
        [
            kaigo_row("312011", "3160100001", "A1", "訪問看護", "鳥取市青葉町1", "35.5", "134.2"),
            kaigo_row("312011", "3160100002", "A2", "訪問看護", "鳥取市青葉町2", "35.5", "134.2"),
        ],
    )
    b = write_kaigo(
        tmp_path / "jigyosho_130_shimane.csv",
        [
            kaigo_row(
                "322016",
                "3260100001",
                "B1",
                "訪問看護",
                "松江市殿町1",
                "35.4",
                "133.0",
                pref_name="島根県",
                muni_name="松江市",
            )
        ],
    )
    import_files(project, [a])
    (rb,) = import_files(project, [b])
    assert rb.closed == 0 and _open(project) == ["A1", "A2", "B1"]


def test_report_lists_the_source_name(project, tmp_path: Path) -> None:
    (rep,) = import_files(project, [_list(tmp_path / "houkatsu.csv", TOTTORI)], category="houkatsu")
    summary = json.loads(project.conn.execute("SELECT summary_json FROM sources").fetchone()[0])
    assert summary["family"] == rep.family
