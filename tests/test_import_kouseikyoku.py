"""地方厚生局 名簿: real 鳥取 workbook and synthetic releases (duplicates, history, newer release)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.import_fixtures import kousei_row, write_kouseikyoku
from zaitaku_map.importers import detect_format, import_files
from zaitaku_map.importers.kouseikyoku import classify_code, reference_date_from_titles
from zaitaku_map.refdate import parse_date
from zaitaku_map.store import create_project

REAL = "kouseikyoku/31_鳥取_届出受理医療機関名簿_2025-10.xlsx"


@pytest.fixture(scope="module")
def real_project(tmp_path_factory: pytest.TempPathFactory):
    from tests.conftest import REALDATA

    path = REALDATA / REAL
    if not path.exists():
        pytest.skip("real 名簿 not available")
    proj = create_project(tmp_path_factory.mktemp("k") / "p.gpkg")
    first = import_files(proj, [path])
    second = import_files(proj, [path])
    yield proj, first[0], second[0]
    proj.close()


def test_real_tottori_counts(real_project) -> None:
    proj, rep, _ = real_project
    assert rep.format == "kouseikyoku"
    assert rep.reference_date == "2025-10-01" and rep.reference_date_origin == "title"
    assert rep.rows_read == 9294
    assert rep.added == 90 and rep.rejected == 0
    rows = proj.conn.execute("SELECT category, subtype, count(*) FROM facilities GROUP BY 1, 2").fetchall()
    got = {(c, s): n for c, s, n in rows}
    assert got == {
        ("zaishi_clinic", "機能強化型（単独型）"): 1,
        ("zaishi_clinic", "機能強化型（連携型）"): 23,
        ("zaishi_clinic", "従来型"): 55,
        ("zaishi_hospital", "機能強化型（単独型）"): 3,
        ("zaishi_hospital", "機能強化型（連携型）"): 2,
        ("zaishi_hospital", "従来型"): 6,
    }


def test_real_addresses_provenance_designations(real_project) -> None:
    proj, rep, _ = real_project
    c = proj.conn
    # every facility has an address starting with the prefecture, pref code 31, no position
    assert (
        c.execute(
            "SELECT count(*) FROM facilities WHERE address LIKE '鳥取県%' AND pref_code='31'"
        ).fetchone()[0]
        == 90
    )
    assert c.execute("SELECT count(*) FROM facilities WHERE lon IS NOT NULL").fetchone()[0] == 0
    assert c.execute("SELECT count(DISTINCT src_coord_status) FROM facilities").fetchone()[0] == 1
    # provenance: one current record per facility with sheet/row and the source's reference date
    rec = c.execute(
        "SELECT r.sheet, r.row, s.reference_date, s.file_name FROM facility_records r "
        "JOIN sources s ON s.id=r.source_id LIMIT 1"
    ).fetchone()
    assert rec[0] == "Sheet1" and rec[1] > 4 and rec[2] == "2025-10-01" and rec[3].startswith("31_鳥取")
    # 90 current 在支 designations, plus role-relevant others (在医総管 etc.) on the same facilities
    n = c.execute(
        "SELECT count(*) FROM designations WHERE kind IN ('zaishi_clinic','zaishi_hospital') AND current=1"
    )
    assert n.fetchone()[0] == 90
    assert c.execute("SELECT count(*) FROM designations WHERE kind='home_medical_mgmt'").fetchone()[0] > 0
    d = c.execute("SELECT effective_date FROM designations WHERE code='支援病２' ORDER BY 1").fetchall()
    assert all(len(x[0]) == 10 and x[0][:2] == "20" for x in d)
    assert rep.skipped["not_target"] > 8900  # 9,294 rows; the 在支 institutions keep their role-relevant 届出


def test_real_reimport_unchanged(real_project) -> None:
    proj, _, again = real_project
    assert (again.added, again.updated, again.closed, again.unchanged) == (0, 0, 0, 90)
    assert proj.conn.execute("SELECT count(*) FROM facilities").fetchone()[0] == 90
    assert (
        proj.conn.execute("SELECT count(*) FROM designations").fetchone()[0]
        == proj.conn.execute(
            "SELECT count(DISTINCT facility_id || kind || code || effective_date) FROM designations"
        ).fetchone()[0]
    )


def test_real_detected_by_content(realdata: Path, tmp_path: Path) -> None:
    copy = tmp_path / "renamed.xlsx"
    copy.write_bytes((realdata / REAL).read_bytes())
    assert detect_format(copy) == "kouseikyoku"


def test_codes_and_dates() -> None:
    assert classify_code("支援診２") == ("zaishi_clinic", "2")
    assert classify_code("支援病１") == ("zaishi_hospital", "1")
    assert classify_code("歯援診１") == (None, None)
    assert classify_code("在後病") == ("back_support_hospital", None)
    assert parse_date("令和 7年 9月 1日") == "2025-09-01"
    assert parse_date("平成24年 4月 1日") == "2012-04-01"
    assert parse_date("令和元年5月1日") == "2019-05-01"
    assert parse_date("令和 7年 2月30日") is None
    assert (
        reference_date_from_titles([["[令和７年１０月１日 現在 ]令和７年１０月２１日作成"]]) == "2025-10-01"
    )


def _release1() -> list[list[str]]:
    return [
        kousei_row("0100001", "あおば診療所", "テスト市青葉町１－２", "支援診３", "令和 4年 4月 1日"),
        # the same clinic again: a newer 届出 with another subtype → one facility, latest wins
        kousei_row("0100001", "あおば診療所", "テスト市青葉町１－２", "支援診２", "令和 6年 6月 1日"),
        kousei_row("0100001", "あおば診療所", "テスト市青葉町１－２", "在医総管１", "平成30年 4月 1日"),
        kousei_row(
            "0100002",
            "みどり病院",
            "テスト市緑町３",
            "支援病１",
            "令和 5年 1月 1日",
            kind="病院",
            beds="一般　　100／療養　　20",
        ),
        kousei_row("0100003", "さくら医院", "テスト市桜町５", "支援診３", "令和 3年 1月 1日"),
        kousei_row("0100004", "ほかの医院", "テスト市他町１", "外在ベⅠ", "令和 6年 6月 1日"),
        kousei_row("", "番号なし医院", "テスト市無町１", "支援診３", "令和 6年 6月 1日"),
        kousei_row("0100005", "日付不明医院", "テスト市日町１", "支援診３", "令和 X年"),
    ]


def test_synthetic_duplicates_history_and_rejects(project, tmp_path: Path) -> None:
    f = write_kouseikyoku(tmp_path / "meibo.xlsx", _release1())
    (rep,) = import_files(project, [f])
    c = project.conn
    assert rep.added == 4 and rep.rejected == 1
    assert rep.rejected_reasons == {"医療機関番号がありません": 1}
    assert rep.skipped["not_target"] == 1
    row = c.execute("SELECT id, subtype FROM facilities WHERE name='あおば診療所'").fetchone()
    assert row[1] == "機能強化型（連携型）"
    hist = c.execute(
        "SELECT code, effective_date, current FROM designations WHERE facility_id=? AND kind='zaishi_clinic'"
        " ORDER BY effective_date",
        (row[0],),
    ).fetchall()
    assert hist == [("支援診３", "2022-04-01", 0), ("支援診２", "2024-06-01", 1)]
    assert c.execute("SELECT beds FROM facilities WHERE name='みどり病院'").fetchone()[0] == 120
    log = c.execute("SELECT row, column_name, severity FROM import_log ORDER BY id").fetchall()
    assert (11, "医療機関番号", "rejected") in log  # header row 4, data from row 5 → 7th data row is row 11
    assert any(s == "warning" and col == "算定開始年月日" for _, col, s in log)


def test_synthetic_newer_release(project, tmp_path: Path) -> None:
    import_files(project, [write_kouseikyoku(tmp_path / "r1.xlsx", _release1())])
    r2 = [
        # あおば: unchanged content
        *_release1()[:3],
        # みどり病院: subtype changed by a newer 届出
        kousei_row(
            "0100002",
            "みどり病院",
            "テスト市緑町３",
            "支援病１",
            "令和 5年 1月 1日",
            kind="病院",
            beds="一般　　100／療養　　20",
        ),
        kousei_row(
            "0100002",
            "みどり病院",
            "テスト市緑町３",
            "支援病３",
            "令和 7年 4月 1日",
            kind="病院",
            beds="一般　　100／療養　　20",
        ),
        # さくら医院 gone; 日付不明医院 stays; new one added
        kousei_row("0100005", "日付不明医院", "テスト市日町１", "支援診３", "令和 X年"),
        kousei_row("0100006", "新しい診療所", "テスト市新町１", "支援診３", "令和 7年 8月 1日"),
    ]
    f2 = write_kouseikyoku(tmp_path / "r2.xlsx", r2, title="[令和８年１月１日 現在 ]")
    (rep,) = import_files(project, [f2])
    assert (rep.added, rep.updated, rep.closed, rep.unchanged) == (1, 1, 1, 2)
    c = project.conn
    assert c.execute("SELECT status, closed_date FROM facilities WHERE name='さくら医院'").fetchone() == (
        "closed",
        "2026-01-01",
    )
    assert c.execute("SELECT subtype FROM facilities WHERE name='みどり病院'").fetchone()[0] == "従来型"
    assert (
        c.execute(
            "SELECT count(*) FROM designations d JOIN facilities f ON f.id=d.facility_id "
            "WHERE f.name='みどり病院' AND d.kind='zaishi_hospital'"
        ).fetchone()[0]
        == 2
    )
    # importing the old release again afterwards must not close the newer entries
    (old,) = import_files(project, [tmp_path / "r1.xlsx"])
    assert old.closed == 0 and any("古い" in n for n in old.notes)
    assert c.execute("SELECT status FROM facilities WHERE name='新しい診療所'").fetchone()[0] == "open"


def test_several_prefectures_in_one_workbook(project, tmp_path: Path) -> None:
    f = write_kouseikyoku(
        tmp_path / "multi.xlsx",
        [
            kousei_row(
                "0100001",
                "A診療所",
                "鳥取市A町1",
                "支援診３",
                "令和 4年 4月 1日",
                pref="31",
                pref_name="鳥取県",
            )
        ],
        sheets={
            "島根": [
                kousei_row(
                    "0100001",
                    "B診療所",
                    "松江市B町1",
                    "支援診１",
                    "令和 4年 4月 1日",
                    pref="32",
                    pref_name="島根県",
                )
            ]
        },
    )
    project.set_study_prefectures(["32"])
    (rep,) = import_files(project, [f])
    assert rep.added == 1 and rep.skipped["outside_region"] == 1
    assert project.conn.execute("SELECT address FROM facilities").fetchone()[0] == "島根県松江市B町1"


def test_same_institution_on_two_sheets_is_one_facility(project, tmp_path: Path) -> None:
    row = kousei_row(
        "0100001", "A診療所", "鳥取市A町1", "支援診３", "令和 4年 4月 1日", pref="31", pref_name="鳥取県"
    )
    f = write_kouseikyoku(tmp_path / "twice.xlsx", [row], sheets={"追加": [row]})
    (rep,) = import_files(project, [f])
    assert rep.added == 1 and rep.rejected == 1
    assert project.conn.execute("SELECT count(*) FROM facilities").fetchone()[0] == 1
    assert project.conn.execute("SELECT rows_rejected FROM sources").fetchone()[0] == 1
