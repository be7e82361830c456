"""医療情報ネット: the real national hospital zip, placeholders, study region, cross-source matching."""

from __future__ import annotations

from pathlib import Path

from tests.import_fixtures import iryojoho_row, kousei_row, write_iryojoho, write_kouseikyoku
from zaitaku_map.importers import detect_format, import_files
from zaitaku_map.importers.matching import Entity, match_entities
from zaitaku_map.store import create_project, gpkg

REAL = "iryojoho/01-1_hospital_facility_info_20250601.zip"
REAL_K = "kouseikyoku/31_鳥取_届出受理医療機関名簿_2025-10.xlsx"


def test_real_national_hospitals(realdata: Path, project) -> None:
    (rep,) = import_files(project, [realdata / REAL])
    assert rep.format == "iryojoho" and rep.family == "iryojoho:hospital"
    assert rep.reference_date == "2025-06-01" and rep.reference_date_origin == "file_name"
    assert rep.encoding == "utf-8-sig"
    assert rep.added == 7587 and rep.rejected == 0
    assert rep.coord_status == {"ok": 7317, "placeholder_zero": 270}
    c = project.conn
    assert c.execute("SELECT count(*) FROM facilities WHERE category='hospital'").fetchone()[0] == 7587
    # placeholders: raw 0.0 kept, never a position
    ph = c.execute(
        "SELECT count(*), sum(lon IS NULL), sum(geom IS NULL), sum(src_lat = 0) FROM facilities "
        "WHERE src_coord_status='placeholder_zero'"
    ).fetchone()
    assert ph == (270, 270, 270, 270)
    ok = c.execute(
        "SELECT lon, lat, geom, geocode_level, muni_code FROM facilities WHERE name='札幌医科大学附属病院'"
    ).fetchone()
    assert ok[3] == "source" and ok[4] == "01101"
    pt = gpkg.from_blob(ok[2])
    assert (pt.x, pt.y) == (ok[0], ok[1]) == (141.333497, 43.055405)
    # provenance: the full source row can be read back
    from zaitaku_map.importers.register import record_raw

    rid = c.execute(
        "SELECT r.id FROM facility_records r JOIN facilities f ON f.id=r.facility_id "
        "WHERE f.name='札幌医科大学附属病院'"
    ).fetchone()[0]
    raw = record_raw(project, rid)
    assert len(raw) == 65 and raw["略称"] == "札医大" and raw["合計病床数"] == "848"
    # re-import of the same zip: nothing changes
    (again,) = import_files(project, [realdata / REAL])
    assert (again.added, again.updated, again.closed, again.unchanged) == (0, 0, 0, 7587)


def test_real_both_lists_tottori(realdata: Path, tmp_path: Path) -> None:
    proj = create_project(tmp_path / "t.gpkg")
    proj.set_study_prefectures(["31"])
    (h,) = import_files(proj, [realdata / REAL])
    assert h.added == 39 and h.skipped == {"outside_region": 7548}
    assert h.coord_status == {"ok": 31, "placeholder_zero": 8}
    (k,) = import_files(proj, [realdata / REAL_K])
    c = proj.conn
    # 在支病 matched to their hospital records: one facility, category zaishi_hospital, beds/coords from 医療情報ネット
    assert k.matched_across_sources == 10
    names = {m["name"] for m in k.matched}
    assert "米子東病院" in names and "日野病院" in names
    assert [u["name"] for u in k.unmatched] == ["南部町国民健康保険\u3000西伯病院"]
    assert c.execute("SELECT count(*) FROM facilities WHERE category='hospital'").fetchone()[0] == 29
    assert c.execute("SELECT count(*) FROM facilities WHERE category='zaishi_hospital'").fetchone()[0] == 11
    row = c.execute(
        "SELECT id, beds, lon, geocode_level, muni_code, address FROM facilities WHERE name LIKE '%米子東病院'"
    ).fetchone()
    assert row[1] == 95 and row[2] is not None and row[3] == "source" and row[4] == "31202"
    fams = {
        r[0] for r in c.execute("SELECT source_family FROM facility_records WHERE facility_id=?", (row[0],))
    }
    assert fams == {"iryojoho:hospital", "kouseikyoku"}
    # 在宅療養後方支援病院 (not 在支病) are attached to their hospital facility as designations
    # (13 hospitals: 6 在宅療養後方支援病院, 7 more with 地域包括ケア病棟 / 協力施設 / 介保連 届出 only)
    att = {r["name"]: r["attached"] for r in k.role_designations}
    back = {r["name"]: r["attached"] for r in k.role_designations if "back_support_hospital" in r["kinds"]}
    assert len(att) == 13 and len(back) == 6 and att["鳥取市立病院"] and att["鳥取赤十字病院"]
    assert c.execute(
        "SELECT count(DISTINCT d.facility_id) FROM designations d JOIN facilities f ON f.id=d.facility_id "
        "WHERE d.kind='back_support_hospital' AND f.category='hospital' AND d.current=1"
    ).fetchone()[0] == sum(back.values())
    # the unmatched one is in the import log as a warning
    assert (
        c.execute(
            "SELECT count(*) FROM import_log WHERE severity='warning' AND value LIKE '%西伯病院'"
        ).fetchone()[0]
        == 1
    )
    # ... and its reason names the other list in words, not by an internal key
    assert (
        c.execute(
            "SELECT reason FROM import_log WHERE severity='warning' AND value LIKE '%西伯病院'"
        ).fetchone()[0]
        == "医療情報ネットの病院の一覧に対応する施設が見つかりません"
    )
    # the other order: 名簿 first, hospitals second → the stored role-only 届出 are attached then
    proj2 = create_project(tmp_path / "t2.gpkg")
    proj2.set_study_prefectures(["31"])
    import_files(proj2, [realdata / REAL_K])
    (h_after,) = import_files(proj2, [realdata / REAL])
    assert h_after.matched_across_sources == 10
    assert sum(r["attached"] for r in h_after.role_designations) == sum(att.values())
    proj2.close()
    # re-importing either list keeps the links and changes nothing
    (k2,) = import_files(proj, [realdata / REAL_K])
    (h2,) = import_files(proj, [realdata / REAL])
    assert k2.unchanged == 90 and h2.unchanged == 39 and k2.matched_across_sources == 0
    assert c.execute("SELECT count(*) FROM designations WHERE kind='back_support_hospital'").fetchone()[
        0
    ] == sum(back.values())
    assert c.execute("SELECT count(*) FROM facilities").fetchone()[0] == 39 + 90 - 10
    proj.close()


def test_matching_rules() -> None:
    small = [
        Entity(1, "A病院", "a病院", "鳥取県米子市西町1番地", "31", ""),
        Entity(2, "B病院", "b病院", "鳥取県米子市東町2", "31", ""),
        Entity(3, "C病院", "c病院", "鳥取県鳥取市北町3", "31", ""),
    ]
    big = [
        Entity(10, "A病院", "a病院", "鳥取県米子市西町1", "31", ""),
        Entity(11, "別名病院", "別名病院", "鳥取県米子市東町2", "31", ""),  # same address, other name
        Entity(12, "C病院", "c病院", "鳥取県倉吉市北町3", "31", ""),
    ]  # same name, other town
    out = match_entities(small, big)
    assert [(m["small_id"], m["big_id"]) for m in out["matched"]] == [(1, 10)]
    assert {a["small_id"] for a in out["ambiguous"]} == {2, 3}
    # two identical candidates are never merged silently
    out2 = match_entities([small[0]], [big[0], Entity(13, "A病院", "a病院", "鳥取県米子市西町1", "31", "")])
    assert out2["matched"] == [] and len(out2["ambiguous"]) == 1


def test_synthetic_zip_detection_region_and_rejects(tmp_path: Path, project) -> None:
    rows = [
        iryojoho_row("3100000000001", "テスト病院", "31", "201", "鳥取県鳥取市一町1", "35.5", "134.2", "120"),
        iryojoho_row("3100000000002", "ゼロ病院", "31", "201", "鳥取県鳥取市二町2", "0.0", "0.0"),
        iryojoho_row("3100000000003", "海外病院", "31", "201", "鳥取県鳥取市三町3", "10.0", "10.0"),
        iryojoho_row("3100000000004", "", "31", "201", "鳥取県鳥取市四町4", "35.5", "134.2"),
        iryojoho_row("3100000000001", "重複病院", "31", "201", "鳥取県鳥取市五町5", "35.5", "134.2"),
        iryojoho_row("3200000000001", "島根病院", "32", "201", "島根県松江市一町1", "35.4", "133.0"),
    ]
    z = write_iryojoho(tmp_path / "custom_name.zip", rows, member="01-1_hospital_facility_info_20260101.csv")
    assert detect_format(z) == "iryojoho"
    project.set_study_prefectures(["31"])
    (rep,) = import_files(project, [z])
    assert rep.reference_date == "2026-01-01"
    assert rep.added == 3 and rep.rejected == 2 and rep.skipped == {"outside_region": 1}
    assert rep.coord_status == {"ok": 1, "placeholder_zero": 1, "outside_japan": 1}
    assert project.conn.execute("SELECT count(*) FROM facilities WHERE lon IS NOT NULL").fetchone()[0] == 1
    assert (
        project.conn.execute("SELECT count(*) FROM import_log WHERE severity='rejected'").fetchone()[0] == 2
    )


def test_synthetic_clinic_matching_both_orders(tmp_path: Path) -> None:
    clinic_rows = [
        iryojoho_row(
            "9900000000001",
            "医療法人あおば会　あおば診療所",
            "99",
            "201",
            "テスト県テスト市青葉町1-2",
            "34.1",
            "133.1",
            kubun="2",
        ),
        iryojoho_row(
            "9900000000002", "さくら医院", "99", "201", "テスト県テスト市桜町5", "34.2", "133.2", kubun="2"
        ),
    ]
    meibo = [
        kousei_row(
            "0100001",
            "医療法人あおば会　あおば診療所",
            "テスト市青葉町１丁目２番地",
            "支援診３",
            "令和 4年 4月 1日",
        ),
        kousei_row("0100009", "どこにもない診療所", "テスト市無町１", "支援診３", "令和 4年 4月 1日"),
    ]
    for order in ("meibo_first", "clinic_first"):
        proj = create_project(tmp_path / f"{order}.gpkg")
        cz = write_iryojoho(tmp_path / "02-1_clinic_facility_info_20250601.zip", clinic_rows)
        kx = write_kouseikyoku(tmp_path / "meibo.xlsx", meibo)
        files = [kx, cz] if order == "meibo_first" else [cz, kx]
        reps = import_files(proj, files)
        assert sum(r.matched_across_sources for r in reps) == 1
        c = proj.conn
        assert c.execute(
            "SELECT category, lon FROM facilities WHERE name LIKE '%あおば診療所'"
        ).fetchall() == [("zaishi_clinic", 133.1)]
        assert c.execute("SELECT count(*) FROM facilities").fetchone()[0] == 3
        unmatched = [u["name"] for r in reps for u in r.unmatched]
        assert unmatched == ["どこにもない診療所"]
        assert c.execute("SELECT reason FROM import_log WHERE value='どこにもない診療所'").fetchall() == [
            ("医療情報ネットの診療所の一覧に対応する施設が見つかりません",)
        ]
        proj.close()
