"""Import of the prefecture's table of 協力医療機関 agreements, and their status against the lists."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from network_fixtures import region_builder
from partners_fixtures import HEADER, add_partner_data, agreement_row, rows, write_xlsx

from zaitaku_map.errors import InputDataError
from zaitaku_map.network import import_roads
from zaitaku_map.partners import agreement_status, import_agreements, partner_lists
from zaitaku_map.partners import agreements as agreements_mod
from zaitaku_map.partners.agreements import guess_agreement_mapping
from zaitaku_map.partners.status import PAIR_LIMIT


@pytest.fixture
def agreements_project(synthetic_project: Any, tmp_path: Path) -> Any:
    ids = add_partner_data(synthetic_project)
    with synthetic_project.transaction():  # 中央在支病 is in the 名簿 as 医療機関番号 0100023
        src = synthetic_project.add_source(kind="facilities", format="kouseikyoku", file_name="meibo.xlsx")
        synthetic_project.conn.execute(
            "INSERT INTO facility_records (facility_id, source_id, source_family, record_key) VALUES (?,?,?,?)",
            (ids["中央在支病"], src, "kouseikyoku", "kouseikyoku:99:医科:0100023"),
        )
    import_roads(synthetic_project, region_builder().write_xml(tmp_path / "r.osm"), min_component_nodes=100)
    synthetic_project.ids = ids
    return synthetic_project


def test_import_matches_rejects_and_reports(agreements_project: Any, tmp_path: Path) -> None:
    p = agreements_project
    rep = import_agreements(p, write_xlsx(tmp_path / "届出.xlsx", rows()))
    assert rep.reference_date == "2025-10-01" and rep.rows_read == 9
    assert [r["row"] for r in rep.rejected] == [10]  # header on row 4: row 6 of the table is sheet row 10
    assert [u["name"] for u in rep.care_unmatched] == ["閉鎖した特養"]
    assert [u["name"] for u in rep.institution_unmatched] == ["どこにもない病院"]
    assert (rep.agreements, rep.without_partner) == (7, 1)
    got = {
        r[0]: r[1:]
        for r in p.conn.execute(
            "SELECT row, care_facility_id, care_match, institution_id, inst_match, stated, agreed_date "
            "FROM partner_agreements"
        )
    }
    ids = p.ids
    assert got[5] == (ids["中央特養"], "jigyosho_no", ids["中央在支病"], "code", "123", "2024-04-01")
    assert got[6][2:] == (ids["北在支診"], "name", "12", "2024-05-01")
    assert got[13][:2] == (ids["島町GH"], "name")  # ＧＨ matched after NFKC
    log = p.conn.execute("SELECT row, severity FROM import_log ORDER BY row").fetchall()
    assert log == [(10, "rejected"), (11, "warning"), (12, "warning")]


def test_status_links_minutes_and_unlinked(agreements_project: Any, tmp_path: Path) -> None:
    p = agreements_project
    import_agreements(p, write_xlsx(tmp_path / "届出.xlsx", rows()))
    lists = partner_lists(p, minutes=20)
    st = agreement_status(p, lists)
    by = {fa.facility.name: fa for fa in st.facilities}
    assert st.file == "届出.xlsx" and st.reference_date == "2025-10-01"
    chuo = by["中央特養"].partners[0]
    cand = {c.institution.id: c.minutes for c in by["中央特養"].facility.candidates}
    assert chuo.within and chuo.minutes == pytest.approx(cand[p.ids["中央在支病"]])
    assert chuo.requirements == "(1)(2)(3)" and chuo.stated_text == "(1)(2)(3)"
    assert by["中央特養"].partner_meets_12 and by["中央特養"].partner_meets_3
    # 東市老健: two rows, two partners
    assert [q.name for q in by["東市老健"].partners] == ["西町療養病院", "往診医院"]
    # the island GH has a partner on the mainland: no road, so no time within the pair limit
    isl = by["島町GH"].partners[0]
    assert isl.minutes is None and not isl.within and PAIR_LIMIT >= 120
    # unlinked: a 協議中 row, no row at all, and a partner not in the project counts as linked by the table
    unlinked = {fa.facility.name for fa in st.unlinked()}
    assert "西町医療院" in unlinked and by["西町医療院"].note == "協議中" and by["西町医療院"].rows == 1
    assert "南町有料" in unlinked and by["南町有料"].rows == 0
    assert by["谷村特養"].linked and by["谷村特養"].partners[0].institution is None
    assert [u["name"] for u in st.unmatched_rows] == ["閉鎖した特養"]
    d = st.to_dict()
    assert d["linked"] + d["unlinked"] == len(lists.facilities)


def test_partner_beyond_n_gets_its_time(agreements_project: Any, tmp_path: Path) -> None:
    p = agreements_project
    body = [agreement_row(1, "9970000007", "谷村特養", "後方支援総合病院", "", "3")]
    import_agreements(p, write_xlsx(tmp_path / "a.xlsx", body))
    st = agreement_status(p, partner_lists(p, minutes=10))
    partner = next(fa for fa in st.facilities if fa.facility.name == "谷村特養").partners[0]
    assert partner.minutes is not None and partner.minutes > 10 and not partner.within
    # the same pair with a larger N is a candidate with the same time
    lists = partner_lists(p, minutes=partner.minutes + 1)
    fac = next(f for f in lists.facilities if f.name == "谷村特養")
    assert {c.institution.name: c.minutes for c in fac.candidates}["後方支援総合病院"] == pytest.approx(
        partner.minutes
    )


def test_latest_table_is_current_and_cp932_csv(agreements_project: Any, tmp_path: Path) -> None:
    p = agreements_project
    import_agreements(p, write_xlsx(tmp_path / "old.xlsx", rows()))
    path = tmp_path / "new.csv"
    with open(path, "w", encoding="cp932", newline="") as fh:
        csv.writer(fh).writerows([HEADER, agreement_row(1, "9970000004", "南町有料", "北在支診", "", "12")])
    rep = import_agreements(p, path, reference_date="2026-04-01")
    assert rep.reference_date == "2026-04-01" and rep.agreements == 1
    st = agreement_status(p, partner_lists(p))
    assert st.file == "new.csv" and [fa.facility.name for fa in st.linked()] == ["南町有料"]


def test_mapping_guess_explicit_and_saved(agreements_project: Any, tmp_path: Path) -> None:
    p = agreements_project
    odd = ["番号", "施設", "相手先", "メモ"]
    path = write_xlsx(tmp_path / "odd.xlsx", [["1", "中央特養", "中央在支病", ""]], header=odd)
    with pytest.raises(InputDataError) as err:
        import_agreements(p, path)
    assert err.value.hint and "--mapping" in err.value.hint
    rep = import_agreements(p, path, mapping={"care_name": "施設", "inst_name": "相手先", "note": "メモ"})
    assert rep.care_matched == 1 and rep.institution_matched == 1
    again = import_agreements(p, path)  # the mapping saved for this header is used
    assert again.mapping == {"care_name": "施設", "inst_name": "相手先", "note": "メモ"}
    with pytest.raises(InputDataError):
        import_agreements(p, path, mapping={"care_name": "ない列", "inst_name": "相手先"})
    assert guess_agreement_mapping(
        ["事業所番号", "施設名", "協力医療機関（病院）の名称", "協力医療機関のコード番号"]
    ) == {
        "jigyosho_no": "事業所番号",
        "care_name": "施設名",
        "inst_name": "協力医療機関（病院）の名称",
        "inst_code": "協力医療機関のコード番号",
    }


def test_import_is_one_transaction(
    agreements_project: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = agreements_project
    path = write_xlsx(tmp_path / "x.xlsx", rows())

    def boom(*a: Any, **k: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(agreements_mod, "save_mapping", boom)
    with pytest.raises(RuntimeError):
        import_agreements(p, path)
    assert p.conn.execute("SELECT count(*) FROM partner_agreements").fetchone()[0] == 0
    assert p.conn.execute("SELECT count(*) FROM sources WHERE kind='partner_agreements'").fetchone()[0] == 0
    assert p.conn.execute("SELECT count(*) FROM import_log").fetchone()[0] == 0


def test_no_table_and_no_agreements(agreements_project: Any, tmp_path: Path) -> None:
    p = agreements_project
    st = agreement_status(p, partner_lists(p))
    assert st.file is None and not st.linked() and len(st.unlinked()) == len(st.facilities)
    blank = tmp_path / "blank.csv"
    blank.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputDataError):
        import_agreements(p, blank)
    with pytest.raises(InputDataError):
        import_agreements(p, tmp_path / "missing.xlsx")


def test_sniff_recognises_agreement_tables_only(tmp_path: Path) -> None:
    from zaitaku_map.partners import sniff_agreements_file

    assert sniff_agreements_file(write_xlsx(tmp_path / "a.xlsx", rows()))
    facilities = tmp_path / "f.csv"
    facilities.write_text("施設名,住所,電話番号\nみほん,デモ県,0000\n", encoding="utf-8")
    assert not sniff_agreements_file(facilities)
    assert not sniff_agreements_file(tmp_path / "missing.csv")
    junk = tmp_path / "j.xlsx"
    junk.write_bytes(b"not a workbook")
    assert not sniff_agreements_file(junk)
