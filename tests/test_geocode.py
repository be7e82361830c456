"""Reference import and the geocoding cascade on synthetic boundaries (see tests/geocode_fixtures.py)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from geocode_fixtures import (
    BLOCKS,
    TOWNS,
    add_facility,
    add_municipalities,
    add_sakai,
    facility,
    rep_point,
    write_block_csv,
    write_town_csv,
    write_town_json,
)

from zaitaku_map.errors import Cancelled, InputDataError, UnsupportedFormatError
from zaitaku_map.geo import haversine_m
from zaitaku_map.geocode import geocode_project, import_reference, set_manual_position
from zaitaku_map.geocode.manual import clear_manual_position
from zaitaku_map.progress import CancelToken
from zaitaku_map.store import gpkg


@pytest.fixture
def gproject(project):  # type: ignore[no-untyped-def]
    add_municipalities(project)
    return project


def town_pt(name: str) -> tuple[float, float]:
    t = next(t for t in TOWNS if t[0] == name)
    return t[1], t[2]


# --- references --------------------------------------------------------------------------------
def test_import_block_csv_cp932(gproject, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = ["鳥取県", "鳥取市", "相生町一丁目", "", "7", "5", "0", "0", "", "", "1", "1", "0", "0"]
    path = write_block_csv(tmp_path / "31201_2023.csv", extra=[bad])
    r = import_reference(gproject, path)
    assert r["format"] == "isj_block" and r["rows_imported"] == len(BLOCKS) and r["rows_rejected"] == 1
    rows = gproject.conn.execute(
        "SELECT level, muni_code, town, town_norm, block FROM geocode_references"
    ).fetchall()
    assert ("block", "31201", "相生町一丁目", "相生町1", "5") in rows
    log = gproject.conn.execute("SELECT row, reason FROM import_log").fetchall()
    assert log == [(len(BLOCKS) + 2, "coordinate missing or outside Japan")]


def test_import_town_csv_zip_and_reimport_replaces(gproject, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    csv_path = write_town_csv(tmp_path / "31_2023.csv")
    zpath = tmp_path / "31000-17.0b.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.write(csv_path, "31000-17.0b/31_2023.csv")
    r1 = import_reference(gproject, zpath)
    assert r1["format"] == "isj_town" and r1["rows_imported"] == len(TOWNS)
    assert import_reference(gproject, zpath)["skipped"] == "already imported"  # same content: nothing to do
    r2 = import_reference(gproject, zpath, replace=True)
    assert r2["replaced_sources"] == [r1["source_id"]]
    assert gproject.conn.execute("SELECT count(*) FROM geocode_references").fetchone()[0] == len(TOWNS)


def test_import_town_json_municipality_sources(gproject, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # inferred from the boundaries (all points lie in 鳥取市)
    r = import_reference(gproject, write_town_json(tmp_path / "geolonia_towns_x.json"))
    assert r["municipalities"] == {"31201": len(TOWNS)}
    # from the file name
    pts = [("浦富", 134.30, 35.50)]
    r = import_reference(gproject, write_town_json(tmp_path / "岩美町.json", pts))
    assert r["municipalities"] == {"31302": 1}
    # given explicitly (wins over the polygons)
    r = import_reference(
        gproject, write_town_json(tmp_path / "other.json", [("山田", 134.10, 35.50)]), municipality="三朝町"
    )
    assert r["municipalities"] == {"31364": 1}
    with pytest.raises(InputDataError):
        import_reference(
            gproject, write_town_json(tmp_path / "x2.json", [("山田", 134.10, 35.51)]), municipality="存在市"
        )


def test_reference_dates(gproject, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    def date(sid: int) -> str | None:
        return gproject.conn.execute("SELECT reference_date FROM sources WHERE id=?", (sid,)).fetchone()[0]

    town = write_town_csv(tmp_path / "31_2023.csv")  # 位置参照情報 CSV: <pref>_<年度>.csv
    r = import_reference(gproject, town)
    assert (r["reference_date"], r["reference_date_origin"], date(r["source_id"])) == (
        "2023",
        "file_name",
        "2023",
    )
    block = write_block_csv(tmp_path / "data.csv")
    zpath = tmp_path / "31000-18.0a.zip"  # 街区レベル release 18.0a = 令和元年度
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.write(block, "31000-18.0a/data.csv")
    r = import_reference(gproject, zpath)
    assert (r["reference_date"], r["reference_date_origin"]) == ("2019", "file_name")
    pts = write_town_json(tmp_path / "t.json")  # a town-point list carries no date
    r = import_reference(gproject, pts)
    assert (r["reference_date"], r["reference_date_origin"], date(r["source_id"])) == (None, None, None)
    again = import_reference(gproject, pts, reference_date="2025-09-30")  # the date alone is added
    assert (again["skipped"], again["source_id"], again["reference_date"]) == (
        "already imported",
        r["source_id"],
        "2025-09-30",
    )
    assert date(r["source_id"]) == "2025-09-30"
    assert import_reference(gproject, pts)["reference_date"] == "2025-09-30"  # kept on a plain re-run
    with pytest.raises(InputDataError, match="reference date"):
        import_reference(gproject, pts, reference_date="最新")
    r = geocode_project(
        gproject, references=[write_town_json(tmp_path / "u.json", TOWNS[:2])], reference_date="令和7年4月1日"
    )
    assert r["references"][0]["reference_date"] == "2025-04-01"


def test_import_json_needs_municipality_without_boundaries(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputDataError, match="no boundaries"):
        import_reference(project, write_town_json(tmp_path / "t.json"))
    assert project.conn.execute("SELECT count(*) FROM sources").fetchone()[0] == 0  # rolled back


def test_import_rejects_unknown_csv(gproject, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "x.csv"
    p.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(UnsupportedFormatError):
        import_reference(gproject, p)


# --- the cascade: every level ---------------------------------------------------------------------
def test_every_level(gproject, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    add_facility(gproject, 1, address="鳥取県鳥取市相生町1丁目5番2号")  # block
    add_facility(gproject, 2, address="鳥取市相生町二丁目3番地")  # town (no prefecture: 名簿)
    add_facility(gproject, 3, address="岩美郡岩美町浦富1029番地2")  # municipality (no reference)
    add_facility(gproject, 4, address="鳥取市雲山57", src=(134.2391, 35.4813))  # source
    add_facility(gproject, 5, address="北海道札幌市中央区北1条西2丁目", pref_code="01")  # unresolved
    add_facility(gproject, 6, address="鳥取市相生町12-5")  # 十二丁目, not 一丁目
    r = geocode_project(
        gproject, references=[write_block_csv(tmp_path / "b.csv"), write_town_json(tmp_path / "t.json")]
    )
    assert r["levels"] == {
        "manual": 0,
        "source": 1,
        "block": 1,
        "town": 2,
        "municipality": 1,
        "unresolved": 1,
    }
    f = [None] + [facility(gproject, i) for i in range(1, 7)]
    assert (f[1]["geocode_level"], f[1]["lon"], f[1]["lat"]) == ("block", 134.2290, 35.5086)
    assert f[1]["geocode_ref"].startswith("isj_block:")
    assert (f[2]["lon"], f[2]["lat"]) == town_pt("相生町二丁目") and f[2]["geocode_ref"].startswith(
        "town_json:"
    )
    assert (f[3]["lon"], f[3]["lat"]) == pytest.approx(rep_point("31302"))
    assert f[3]["muni_code"] == "31302" and "住所" in f[3]["geocode_note"]
    assert (f[4]["geocode_level"], f[4]["lon"], f[4]["src_coord_status"]) == ("source", 134.2391, "ok")
    assert (f[6]["lon"], f[6]["lat"]) == town_pt("相生町十二丁目")
    assert f[5]["lon"] is None and f[5]["geom"] is None
    assert r["unresolved"] == [
        {
            "id": 5,
            "name": "施設",
            "address": "北海道札幌市中央区北1条西2丁目",
            "reason": "prefecture_not_loaded",
            "reason_ja": "この都道府県の行政区域が取り込まれていません",
        }
    ]
    # geometry blob matches lon/lat; the GeoPackage extent was refreshed
    g = gpkg.from_blob(f[1]["geom"])
    assert (g.x, g.y) == (134.2290, 35.5086)
    ext = gproject.conn.execute(
        "SELECT min_x, max_x FROM gpkg_contents WHERE table_name='facilities'"
    ).fetchone()
    assert ext[0] == pytest.approx(min(x["lon"] for x in f[1:] if x["lon"] is not None))


def test_municipality_from_code_and_postal(gproject) -> None:  # type: ignore[no-untyped-def]
    add_facility(gproject, 1, address="どこか1-2", muni_code="31364")
    add_facility(gproject, 2, address=None, postal_code="680-0862", pref_code=None)
    add_facility(gproject, 3, address="大阪市北区梅田1-3-1", pref_code="27")
    add_facility(gproject, 4, address="大阪府大阪市梅田1", pref_code=None)
    add_facility(gproject, 5, address="府中市宮西町1", pref_code=None)  # ambiguous
    add_facility(gproject, 6, address="府中市宮西町1", pref_code="13")
    add_facility(gproject, 7, address=None, pref_code="31")
    geocode_project(gproject)
    got = {
        i: (facility(gproject, i)["muni_code"], facility(gproject, i)["geocode_level"]) for i in range(1, 8)
    }
    assert got == {
        1: ("31364", "municipality"),
        2: ("31201", "municipality"),
        3: ("27127", "municipality"),
        4: ("27100", "municipality"),
        5: (None, "unresolved"),
        6: ("13206", "municipality"),
        7: (None, "unresolved"),
    }
    assert facility(gproject, 5)["geocode_ref"] == "unresolved:ambiguous_municipality"
    assert facility(gproject, 7)["geocode_ref"] == "unresolved:no_address"
    assert "郵便番号" in facility(gproject, 2)["geocode_note"]


def test_old_municipality_name_through_reference(gproject, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    add_facility(gproject, 1, address="鳥取県気高郡鹿野町今市242")  # 鹿野町 merged into 鳥取市 (2004)
    geocode_project(gproject, references=[write_town_json(tmp_path / "t.json")])
    f = facility(gproject, 1)
    assert (f["muni_code"], f["geocode_level"]) == ("31201", "town")
    assert (f["lon"], f["lat"]) == town_pt("鹿野町今市")


def test_no_boundaries_at_all(project) -> None:  # type: ignore[no-untyped-def]
    add_facility(project, 1, address="鳥取市雲山57", src=(0.0, 0.0))
    add_facility(project, 2, address="鳥取市雲山58", src=(134.2, 35.5))
    r = geocode_project(project)
    assert r["levels"]["unresolved"] == 1 and r["levels"]["source"] == 1
    assert r["unresolved"][0]["reason"] == "no_boundaries"
    assert r["at_zero"] == 0


# --- placeholder patterns ----------------------------------------------------------------------------
def test_placeholder_patterns(gproject, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    add_facility(gproject, 1, address="鳥取市雲山57", src=(0.0, 0.0))
    for i, a in enumerate(["相生町1-6", "吉方3", "雲山3"], start=2):  # prefectural-office style shared point
        add_facility(gproject, i, address=f"鳥取県鳥取市{a}", src=(134.2380, 35.5036))
    add_facility(gproject, 5, address="鳥取市雲山58", src=(134.60, 35.50))  # 30 km outside 鳥取市
    add_facility(gproject, 6, address="鳥取市雲山59", src=(35.4812, 134.2390))  # swapped
    add_facility(gproject, 7, address="鳥取市雲山60", src=(10.0, 10.0))  # outside Japan
    add_facility(gproject, 8, address="鳥取市雲山61", src=(134.2505, 35.50))  # 45 m outside: tolerated
    add_facility(gproject, 9, address="岩美郡岩美町浦富1", src=(134.2000, 35.4812))  # two facilities, same
    add_facility(
        gproject, 10, address="岩美郡岩美町浦富1", src=(134.2000, 35.4812)
    )  # address: not a placeholder
    for i, a in enumerate(
        ["1-5-2 Aビル2F", "1-5-2 Aビル3F", "1-5-7"], start=11
    ):  # one medical building / block
        add_facility(gproject, i, address=f"鳥取市相生町{a}", src=(134.2288, 35.5084))
    r = geocode_project(
        gproject, references=[write_block_csv(tmp_path / "b.csv"), write_town_json(tmp_path / "t.json")]
    )
    st = {i: facility(gproject, i)["src_coord_status"] for i in range(1, 14)}
    assert st == {
        1: "placeholder_zero",
        2: "shared_point",
        3: "shared_point",
        4: "shared_point",
        5: "outside_municipality",
        6: "swapped",
        7: "outside_japan",
        8: "ok",
        9: "outside_municipality",
        10: "outside_municipality",
        11: "ok",
        12: "ok",
        13: "ok",
    }
    assert r["placeholders"] == {
        "placeholder_zero": 1,
        "shared_point": 3,
        "outside_municipality": 3,
        "swapped": 1,
        "outside_japan": 1,
        "ok": 4,
    }
    f2 = facility(gproject, 2)
    assert f2["geocode_level"] == "block" and f2["geocode_moved_m"] == pytest.approx(
        haversine_m(134.2380, 35.5036, 134.2281, 35.5079), abs=0.2
    )
    f6 = facility(gproject, 6)
    assert (f6["geocode_level"], f6["lon"], f6["lat"]) == ("source", 134.2390, 35.4812)
    assert (f6["src_lon"], f6["src_lat"]) == (35.4812, 134.2390)  # the source is never modified
    assert "入れ替わり" in f6["geocode_note"]
    f8 = facility(gproject, 8)
    assert (f8["geocode_level"], f8["outside_muni"]) == ("source", 1)  # accepted, but flagged
    assert {o["id"] for o in r["outside_muni"]} == {8}
    for i in (1, 5, 7, 9):
        f = facility(gproject, i)
        assert f["geocode_level"] in ("town", "municipality") and f["outside_muni"] == 0
    assert facility(gproject, 1)["geocode_moved_m"] is None  # distance from 0/0 is meaningless
    assert facility(gproject, 5)["geocode_moved_m"] > 20_000
    assert r["replaced_placeholders"] == 8 and r["at_zero"] == 0
    assert r["moved_m"]["n"] == 6


# --- bookkeeping -------------------------------------------------------------------------------------
def test_manual_survives_and_rerun_is_idempotent(gproject, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    add_facility(gproject, 1, address="鳥取市雲山57", src=(0.0, 0.0))
    add_facility(gproject, 2, address="鳥取市相生町1-5")
    add_facility(gproject, 3, address="岩美町浦富1")
    ref = write_town_json(tmp_path / "t.json")
    r1 = geocode_project(gproject, references=[ref])
    assert r1["processed"] == 3
    set_manual_position(gproject, 1, 134.2400, 35.4800)
    f1 = facility(gproject, 1)
    assert (f1["geocode_level"], f1["lon"], f1["outside_muni"], f1["src_lon"]) == ("manual", 134.24, 0, 0.0)
    before = {i: facility(gproject, i) for i in (2, 3)}
    r2 = geocode_project(gproject, references=[ref])  # the same reference again changes nothing
    assert (r2["processed"], r2["unchanged"], r2["manual_kept"]) == (0, 2, 1)
    assert {i: facility(gproject, i) for i in (2, 3)} == before
    r3 = geocode_project(gproject, references=[write_block_csv(tmp_path / "b.csv")], force=True)
    assert r3["manual_kept"] == 1 and facility(gproject, 1)["lon"] == 134.24
    assert facility(gproject, 2)["geocode_level"] == "block"
    # only a changed facility is touched
    gproject.conn.execute("UPDATE facilities SET address='鳥取市雲山1' WHERE id=3")
    r4 = geocode_project(gproject)
    assert (r4["processed"], r4["unchanged"]) == (1, 1)
    assert facility(gproject, 3)["geocode_level"] == "town"
    # an importer resetting the position makes the facility change too
    gproject.conn.execute("UPDATE facilities SET lon=0, lat=0, geocode_level='source' WHERE id=3")
    assert geocode_project(gproject)["processed"] == 1 and facility(gproject, 3)["lon"] != 0
    clear_manual_position(gproject, 1)
    geocode_project(gproject)
    assert facility(gproject, 1)["geocode_level"] == "town"
    with pytest.raises(InputDataError):
        set_manual_position(gproject, 1, 0.0, 0.0)
    with pytest.raises(InputDataError):
        set_manual_position(gproject, 999, 134.2, 35.5)


def test_cancel_rolls_back(gproject, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    add_facility(gproject, 1, address="鳥取市雲山57")
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        geocode_project(gproject, references=[write_town_json(tmp_path / "t.json")], cancel=token)
    assert facility(gproject, 1)["geocode_level"] is None
    assert gproject.conn.execute("SELECT count(*) FROM geocode_references").fetchone()[0] == 0


def test_synthetic_project_keeps_good_sources(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    before = synthetic_project.conn.execute("SELECT id, lon, lat FROM facilities ORDER BY id").fetchall()
    r = geocode_project(synthetic_project)
    assert r["levels"]["source"] == len(before) and not r["outside_muni"]
    assert (
        synthetic_project.conn.execute("SELECT id, lon, lat FROM facilities ORDER BY id").fetchall() == before
    )


def test_cli_geocode_json(gproject, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from zaitaku_map.cli import main

    add_facility(gproject, 1, address="鳥取市雲山57", src=(0.0, 0.0))
    add_facility(gproject, 2, address="北海道札幌市中央区北1条西2丁目", pref_code="01")
    path = gproject.path
    gproject.close()
    ref = write_town_json(tmp_path / "t.json")
    assert main(["geocode", str(path), "--reference", str(ref), "--municipality", "鳥取市", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["levels"]["town"] == 1 and out["unresolved"][0]["id"] == 2
    assert out["references"][0]["municipalities"] == {"31201": len(TOWNS)}
    assert out["references"][0]["reference_date"] is None
    assert (
        main(
            [
                "geocode",
                str(path),
                "--reference",
                str(ref),
                "--municipality",
                "鳥取市",
                "--reference-date",
                "2025-10-01",
            ]
        )
        == 0
    )
    assert "基準日 2025-10-01" in capsys.readouterr().out
    assert main(["geocode", str(path), "--reference-date", "2025-10-01"]) == 3  # a date for no reference
    capsys.readouterr()
    assert main(["geocode", str(path), "--place", "2", "141.35", "43.06", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["levels"]["manual"] == 1 and out["unresolved"] == []
    assert main(["geocode", str(path)]) == 0
    assert "手動配置" in capsys.readouterr().out


def test_point_blob_matches_gpkg() -> None:
    import struct

    import shapely
    from shapely.geometry import Point

    from zaitaku_map.store.gpkg import point_blob, point_blobs

    def to_blob(g: Point) -> bytes:  # the GeoPackage encoding written out: header, no envelope, ISO WKB
        return b"GP" + struct.pack("<BBi", 0, 1, 4326) + shapely.to_wkb(g, byte_order=1, flavor="iso")

    for lon, lat in [(134.2, 35.5), (122.93, 24.45), (153.98, 20.42)]:
        assert point_blob(lon, lat) == to_blob(Point(lon, lat)) == gpkg.to_blob(Point(lon, lat))
        assert gpkg.from_blob(point_blob(lon, lat)).equals(Point(lon, lat))
        assert point_blobs([lon, 0.0], [lat, 0.0], [True, False]) == [point_blob(lon, lat), None]


def test_muni_code_from_point_and_study_prefecture(gproject) -> None:  # type: ignore[no-untyped-def]
    add_facility(gproject, 1, address="住所不明", pref_code=None, src=(134.30, 35.50))  # inside 岩美町
    add_facility(gproject, 2, address="府中市宮西町1", pref_code=None)  # ambiguous name
    gproject.set_study_prefectures(["13"])
    geocode_project(gproject)
    f1, f2 = facility(gproject, 1), facility(gproject, 2)
    assert (f1["muni_code"], f1["geocode_level"]) == ("31302", "source") and "座標" in f1["geocode_note"]
    assert (f2["muni_code"], f2["geocode_level"]) == ("13206", "municipality")


def test_reference_imported_before_boundaries(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = import_reference(project, write_block_csv(tmp_path / "b.csv"))  # 街区 rows carry no code
    assert r["municipalities"] == {"鳥取市": len(BLOCKS)}
    assert (
        project.conn.execute("SELECT count(*) FROM geocode_references WHERE muni_code IS NULL").fetchone()[0]
        == 2
    )
    add_municipalities(project)
    add_facility(project, 1, address="鳥取市相生町1-6-3")
    geocode_project(project)
    assert facility(project, 1)["geocode_level"] == "block"
    assert (
        project.conn.execute("SELECT count(*) FROM geocode_references WHERE muni_code = '31201'").fetchone()[
            0
        ]
        == 2
    )


def test_six_digit_code_is_resolved_but_kept(gproject) -> None:  # type: ignore[no-untyped-def]
    add_facility(
        gproject, 1, address="どこか", muni_code="313645", src=(134.20, 35.50)
    )  # point in 鳥取市, code 三朝町
    geocode_project(gproject)
    f = facility(gproject, 1)
    assert (f["muni_code"], f["src_coord_status"], f["geocode_level"]) == (
        "313645",
        "outside_municipality",
        "municipality",
    )
    assert (f["lon"], f["lat"]) == pytest.approx(rep_point("31364")) and f["outside_muni"] == 0


def test_kyoto_style_street_prefix_and_ward_reference(gproject, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ref = write_town_json(tmp_path / "wards.json", [("虎屋町", 135.50, 34.70), ("梅田一丁目", 135.49, 34.69)])
    add_facility(gproject, 1, address="大阪府大阪市北区烏丸通御池下る虎屋町566-1", pref_code="27")
    add_facility(gproject, 2, address="大阪市北区梅田1丁目3番1号", pref_code="27")
    r = geocode_project(gproject, references=[ref], municipality="27127")
    assert r["references"][0]["municipalities"] == {"27127": 2}
    assert (facility(gproject, 1)["geocode_level"], facility(gproject, 1)["lon"]) == ("town", 135.50)
    assert (facility(gproject, 2)["geocode_level"], facility(gproject, 2)["lon"]) == ("town", 135.49)


def test_designated_city_address_without_ward(gproject, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ref = write_town_json(tmp_path / "kita.json", [("梅田一丁目", 135.49, 34.69)])
    add_facility(gproject, 1, address="大阪府大阪市梅田1-3-1", pref_code=None)
    add_facility(
        gproject, 2, address="大阪府大阪市難波1-1", pref_code=None
    )  # no town known: the city's point
    geocode_project(gproject, references=[ref], municipality="大阪市北区")
    f1, f2 = facility(gproject, 1), facility(gproject, 2)
    assert (f1["muni_code"], f1["geocode_level"], f1["lon"]) == ("27127", "town", 135.49)
    assert (f2["muni_code"], f2["geocode_level"]) == ("27100", "municipality")


def test_ward_without_its_city(gproject, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A municipal list writes 「中央区大手前…」: the ward is found when it is unique in the study region."""
    ref = write_town_json(tmp_path / "chuo.json", [("大手前二丁目", 135.56, 34.69)])
    add_facility(gproject, 1, address="中央区大手前二丁目1番22号", pref_code=None, category="houkatsu")
    add_facility(gproject, 2, address="中央区難波1-1", pref_code="27", category="houkatsu")  # no town point
    r = geocode_project(gproject, references=[ref], municipality="大阪市中央区")
    f1, f2 = facility(gproject, 1), facility(gproject, 2)
    assert (f1["muni_code"], f1["geocode_level"], f1["lon"]) == ("27128", "town", 135.56)
    assert "区名から政令市を補完（大阪市中央区）" in f1["geocode_note"]
    assert (f2["muni_code"], f2["geocode_level"]) == ("27128", "municipality")
    assert r["unresolved"] == []


def test_ward_name_in_two_designated_cities(gproject) -> None:  # type: ignore[no-untyped-def]
    """北区 is 大阪市北区 and 堺市北区: decided by the row's own code or postal code, never guessed."""
    add_sakai(gproject)
    add_facility(gproject, 1, address="北区梅田1-3-1", pref_code="27")
    add_facility(gproject, 2, address="北区梅田1-3-1", pref_code="27", muni_code="27100")  # the city's code
    add_facility(
        gproject, 3, address="北区新金岡町4-1", pref_code="27", muni_code="271403"
    )  # 堺市, check digit
    add_facility(gproject, 4, address="北区梅田1-3-1", pref_code="27", postal_code="530-0001")
    add_facility(gproject, 5, address="北区梅田1-3-1", pref_code="27", muni_code="27127")
    add_facility(gproject, 6, address="大阪市北区梅田1-3-1", pref_code="27")  # with its city: as before
    r = geocode_project(gproject)
    f = {i: facility(gproject, i) for i in range(1, 7)}
    assert (f[1]["muni_code"], f[1]["geocode_level"], f[1]["lon"]) == (None, "unresolved", None)
    assert f[1]["geocode_ref"] == "unresolved:ward_ambiguous"
    assert (
        f[1]["geocode_note"].startswith("区名だけで市が特定できません")
        and "大阪市北区・堺市北区" in f[1]["geocode_note"]
    )
    assert r["unresolved"] == [
        {
            "id": 1,
            "name": "施設",
            "address": "北区梅田1-3-1",
            "reason": "ward_ambiguous",
            "reason_ja": "区名だけで市が特定できません（市名か市区町村コードを補ってください）",
        }
    ]
    assert (f[2]["muni_code"], f[2]["geocode_level"]) == ("27100", "municipality")  # the stored code is kept
    assert "市区町村コードから特定（大阪市北区）" in f[2]["geocode_note"]
    assert f[3]["muni_code"] == "271403" and "堺市北区" in f[3]["geocode_note"]
    assert (f[4]["muni_code"], f[4]["geocode_level"]) == ("27127", "municipality")
    assert "郵便番号から特定" in f[4]["geocode_note"]
    assert (f[5]["muni_code"], f[5]["geocode_level"]) == ("27127", "municipality")
    assert (f[6]["muni_code"], f[6]["geocode_note"]) == ("27127", "市区町村コードを住所から補完")
    # the study region decides nothing here (both cities are in 大阪府), it only narrows across prefectures
    gproject.set_study_prefectures(["27"])
    assert geocode_project(gproject)["unresolved"][0]["reason"] == "ward_ambiguous"


def test_progress_reports_up_to_total(gproject, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for i in range(1, 6):
        add_facility(gproject, i, address=f"鳥取市雲山{i}")
    seen: list[tuple[float, float]] = []
    geocode_project(
        gproject,
        references=[write_town_json(tmp_path / "t.json")],
        progress=lambda done, total, msg: seen.append((done, total)),
    )
    assert seen and all(0 <= d <= t + 1e-9 for d, t in seen)
    assert seen[-1][0] == pytest.approx(seen[-1][1])
