"""Area layers from municipality → area tables (CSV/XLSX) and their polygons."""

from __future__ import annotations

import pytest
import shapely
from geodata_fixtures import write_n03_geojson
from openpyxl import Workbook

from zaitaku_map.errors import GeodataError
from zaitaku_map.geodata import area_layer_names, area_membership, load_area_polygons, load_municipalities
from zaitaku_map.geodata.areas import import_area_table
from zaitaku_map.geodata.codes import with_check_digit
from zaitaku_map.geodata.n03 import import_boundaries


@pytest.fixture
def pref09(project, tmp_path):
    """Project with the synthetic N03 under prefecture code 09 (leading zero!)."""
    import_boundaries(project, write_n03_geojson(tmp_path / "n03.geojson", pref="09"))
    return project


def _union_ok(project, layer):
    munis = load_municipalities(project).set_index("code")
    polys = load_area_polygons(project, layer).set_index("area_code")
    members = area_membership(project, layer)
    for acode, row in polys.iterrows():
        u = shapely.union_all([munis.loc[m, "geometry"] for m, (a, _n) in members.items() if a == acode])
        assert row.geometry.symmetric_difference(u).area < 1e-12


def test_csv_six_digit_codes_and_other_prefectures(pref09, tmp_path):
    lines = ["市区町村コード,市区町村名,二次医療圏コード,二次医療圏名"]
    for code, area in [
        ("09101", "0901"),
        ("09102", "0901"),
        ("09201", "0901"),
        ("09202", "0902"),
        ("09203", "0902"),
        ("09204", "0902"),
        ("09205", "0903"),
        ("09206", "0903"),
    ]:
        lines.append(
            f"{with_check_digit(code)},x,{area},{'中央' if area == '0901' else '西部' if area == '0902' else '南部'}"
        )
    lines += ["312011,鳥取市,3101,東部", "131016,千代田区,1301,区中央部", "099991,幻町,0903,南部"]
    f = tmp_path / "areas.csv"
    f.write_text("\n".join(lines) + "\n", encoding="cp932")
    r = import_area_table(pref09, f, layer="二次医療圏")
    assert r["encoding"] == "CP932"
    assert r["ignored_other_prefectures"] == 2
    assert r["unmatched"] == [{"row": 12, "code": "099991", "name": "幻町"}]
    assert [a["members"] for a in r["area_list"]] == [3, 3, 2]
    assert r["municipalities_without_area"] == [{"code": "09207", "name": "島町"}]
    assert area_layer_names(pref09) == ["二次医療圏"]
    _union_ok(pref09, "二次医療圏")
    logged = pref09.conn.execute(
        "SELECT severity, reason FROM import_log WHERE source_id=?", (r["source_id"],)
    ).fetchall()
    assert any(s == "info" and "2 行" in reason for s, reason in logged)


def test_xlsx_lost_zeros_names_and_city_rows(pref09, tmp_path):
    wb = Workbook()
    wb.active.title = "表紙"
    wb.active.append(["保健所圏域の対応表", "令和7年4月1日現在"])
    ws = wb.create_sheet("対応表")
    ws.append(["保健所圏域の対応表（令和7年）"])
    ws.append([])
    ws.append(["コード", "市町村", "圏域名"])
    ws.append([9100, "テスト市", "北保健所"])  # 政令市 code with lost zero → both wards
    ws.append([9201, "東市", "北保健所"])
    ws.append([int(with_check_digit("09202")), "西町", "南保健所"])  # 6-digit 092029 with lost zero
    ws.append([None, "山村", "南保健所"])  # name only
    ws.append([None, "西郡南町", "南保健所"])  # 郡 + name
    ws.append([None, "存在しない村", "南保健所"])
    ws.append([9205, "川町", "南保健所"])
    ws.append([9206, "谷村", "南保健所"])
    ws.append([9207, "島町", "南保健所"])
    ws.append(["※ コードは5桁で管理しています。"])
    f = tmp_path / "hokenjo.xlsx"
    wb.save(f)
    r = import_area_table(pref09, f, layer="保健所圏域")
    assert r["columns"]["muni_code"] == "コード" and r["columns"]["area_name"] == "圏域名"
    assert r["sheet"] == "対応表"  # the cover sheet is skipped
    m = area_membership(pref09, "保健所圏域")
    assert m["09101"] == ("北保健所", "北保健所") and m["09102"][0] == "北保健所"
    assert m["09202"][0] == "南保健所" and m["09203"][0] == "南保健所"
    assert len(m) == 9 and r["matched_by_name"] == 2
    assert [u["name"] for u in r["unmatched"]] == ["存在しない村"]
    assert r["note_rows"] == 1
    _union_ok(pref09, "保健所圏域")


def test_layers_coexist_and_replace(pref09, tmp_path):
    a = tmp_path / "a.csv"
    a.write_text("muni,area\n" + "\n".join(f"0920{i},A{i % 2}" for i in range(1, 8)) + "\n", encoding="utf-8")
    import_area_table(pref09, a, layer="老人福祉圏域")
    b = tmp_path / "b.csv"
    b.write_text("muni,area\n09201,X\n09202,X\n", encoding="utf-8")
    import_area_table(pref09, b, layer="医師会")
    r = import_area_table(pref09, b, layer="老人福祉圏域")
    assert r["replaced_existing_layer"] is True
    assert area_layer_names(pref09) == ["老人福祉圏域", "医師会"]
    assert set(area_membership(pref09, "老人福祉圏域")) == {"09201", "09202"}


def test_table_without_matches(pref09, tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("code,area\n31201,東部\n31202,西部\n", encoding="utf-8")
    with pytest.raises(GeodataError):
        import_area_table(pref09, f, layer="二次医療圏")
    assert area_layer_names(pref09) == []
    with pytest.raises(GeodataError):
        import_area_table(pref09, f, layer=" ")


def test_needs_boundaries_first(project, tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("code,area\n31201,東部\n", encoding="utf-8")
    with pytest.raises(GeodataError):
        import_area_table(project, f, layer="二次医療圏")


def test_real_tottori_iryoken(project, realdata):
    n03 = realdata / "n03" / "N03-21_31_210101.json"
    table = realdata / "areas" / "municipality_to_iryoken2.csv"
    if not (n03.exists() and table.exists()):
        pytest.skip("real samples absent")
    import_boundaries(project, n03)
    r = import_area_table(project, table, layer="二次医療圏")
    counts = {a["area_name"]: a["members"] for a in r["area_list"]}
    assert counts == {"東部": 5, "中部": 5, "西部": 9}
    assert r["ignored_other_prefectures"] == 1896 - 19
    assert r["unmatched"] == [] and r["municipalities_without_area"] == []
    _union_ok(project, "二次医療圏")
    polys = load_area_polygons(project, "二次医療圏", display=True)
    assert len(polys) == 3 and all(g.is_valid for g in polys.geometry)


def _a38_frame(variant):
    import geopandas as gpd
    from geodata_fixtures import grid_cells

    cells = grid_cells()
    north = shapely.union_all([cells[(c, 0)] for c in range(3)])
    island = shapely.box(133.2, 33.9, 133.32, 34.0)
    rest = shapely.union_all([cells[(c, r)] for c in range(3) for r in (1, 2)] + [island])
    if variant == "b":
        rows = [
            {"A38b_001": "09100,09201", "A38b_002": "テスト市,東市", "A38b_003": "0901", "A38b_004": "北部"},
            {
                "A38b_001": "09202,09203,09204,09205,09206,09207,31201",
                "A38b_002": "…",
                "A38b_003": "0902",
                "A38b_004": "南部",
            },
        ]
    else:
        rows = [{"A38c_001": "北ブロック", "A38c_002": "01"}, {"A38c_001": "南ブロック", "A38c_002": "02"}]
    return gpd.GeoDataFrame(rows, geometry=[north, rest], crs="EPSG:4326")


@pytest.mark.parametrize("variant", ["b", "c"])
def test_a38(pref09, tmp_path, variant):
    f = tmp_path / f"A38{variant}.geojson"
    _a38_frame(variant).to_file(f, driver="GeoJSON")
    r = import_area_table(pref09, f, layer="二次医療圏")
    assert r["format"] == "a38"
    m = area_membership(pref09, "二次医療圏")
    assert len(m) == 9
    assert m["09101"][1] in ("北部", "北ブロック") and m["09207"][1] in ("南部", "南ブロック")
    if variant == "b":
        assert r["method"] == "member_codes" and r["ignored_other_prefectures"] == 1
    else:
        assert r["method"] == "largest_overlap"
    _union_ok(pref09, "二次医療圏")


def _source_date(project, sid):
    return project.conn.execute("SELECT reference_date FROM sources WHERE id=?", (sid,)).fetchone()[0]


def test_reference_date_from_title_footnote_or_argument(pref09, tmp_path):
    rows = "code,area\n" + "\n".join(f"0920{i},A{i % 2}" for i in range(1, 8)) + "\n"
    titled = tmp_path / "titled.csv"
    titled.write_text("老人福祉圏域と市町村の対応（令和７年４月１日 現在）\n" + rows, encoding="cp932")
    r = import_area_table(pref09, titled, layer="老人福祉圏域")
    assert (r["reference_date"], r["reference_date_origin"]) == ("2025-04-01", "title")
    assert _source_date(pref09, r["source_id"]) == "2025-04-01"
    footnote = tmp_path / "footnote.csv"
    footnote.write_text(rows + "※ 令和6年10月1日現在の市町村で作成\n", encoding="utf-8")
    r = import_area_table(pref09, footnote, layer="医師会")
    assert (r["reference_date"], r["reference_date_origin"], r["note_rows"]) == ("2024-10-01", "title", 1)
    r = import_area_table(
        pref09, titled, layer="老人福祉圏域", reference_date="令和6年度"
    )  # the user's value wins
    assert (r["reference_date"], r["reference_date_origin"]) == ("2024", "argument")
    plain = tmp_path / "plain.csv"
    plain.write_text(rows, encoding="utf-8")
    r = import_area_table(pref09, plain, layer="医師会")
    assert (r["reference_date"], r["reference_date_origin"]) == (None, None)
    from zaitaku_map.errors import InputDataError

    with pytest.raises(InputDataError, match="reference date"):
        import_area_table(pref09, plain, layer="医師会", reference_date="そのうち")


def test_a38_reference_date_from_file_name(pref09, tmp_path):
    f = tmp_path / "A38-20_09.geojson"
    _a38_frame("b").to_file(f, driver="GeoJSON")
    r = import_area_table(pref09, f, layer="二次医療圏")
    assert (r["reference_date"], r["reference_date_origin"]) == ("2020", "file_name")
    assert _source_date(pref09, r["source_id"]) == "2020"
    r = import_area_table(pref09, f, layer="二次医療圏", reference_date="2021-04-01")
    assert (r["reference_date"], r["reference_date_origin"]) == ("2021-04-01", "argument")
