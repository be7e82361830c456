"""介護 CSV (encodings), generic tables with column mappings, GIS point layers, detection errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.import_fixtures import kaigo_row, write_kaigo
from zaitaku_map.errors import InputDataError, UnsupportedFormatError
from zaitaku_map.importers import detect_format, guess_mapping, import_files, preview_file
from zaitaku_map.tabular import detect_encoding


def _kaigo_rows() -> list[list[str]]:
    return [
        kaigo_row(
            "312011",
            "3160100001",
            "訪問看護ステーションあおば",
            "訪問看護",
            "鳥取市青葉町１－２",
            "35.50",
            "134.23",
        ),
        kaigo_row("312011", "3160100002", "訪問看護ステーション髙﨑", "訪問看護", "鳥取市桜町５", "", ""),
        kaigo_row(
            "312029", "3160100003", "よなご訪問看護", "訪問看護", "米子市西町１", "0", "0", muni_name="米子市"
        ),
        kaigo_row("312011", "", "番号なし", "訪問看護", "鳥取市無町１", "35.5", "134.2"),
    ]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "cp932"])
def test_kaigo_encodings(project, tmp_path: Path, encoding: str) -> None:
    f = write_kaigo(tmp_path / "jigyosho_130.csv", _kaigo_rows(), encoding=encoding)
    assert detect_format(f) == "kaigo"
    (rep,) = import_files(project, [f])
    assert rep.encoding == encoding
    assert rep.family == "kaigo:130" and rep.added == 3 and rep.rejected == 1
    rows = project.conn.execute(
        "SELECT name, category, subtype, muni_code, address, src_coord_status, lon "
        "FROM facilities ORDER BY id"
    ).fetchall()
    assert rows[1][0] == "訪問看護ステーション髙﨑"  # CP932 extension characters survive
    assert {r[1] for r in rows} == {"home_nursing"} and rows[0][3] == "31201" and rows[2][3] == "31202"
    assert rows[0][4] == "鳥取県鳥取市青葉町１－２"
    assert [r[5] for r in rows] == ["ok", "missing", "placeholder_zero"]
    assert rows[0][6] == 134.23 and rows[2][6] is None


def test_kaigo_service_categories(project, tmp_path: Path) -> None:
    f510 = write_kaigo(
        tmp_path / "jigyosho_510_all_20250401120000.csv",
        [
            kaigo_row(
                "312011",
                "3170100001",
                "特養あおば",
                "介護老人福祉施設",
                "鳥取市一町1",
                "35.5",
                "134.2",
                capacity="80",
            )
        ],
    )
    f760 = write_kaigo(
        tmp_path / "jigyosho_760.csv",
        [
            kaigo_row(
                "312011",
                "3190100001",
                "定期巡回あおば",
                "定期巡回・随時対応型訪問介護看護",
                "鳥取市二町2",
                "35.5",
                "134.2",
            )
        ],
    )
    r510, r760 = import_files(project, [f510, f760])
    assert r760.family == "kaigo:760"
    assert r510.reference_date == "2025-04-01"
    got = dict(project.conn.execute("SELECT category, subtype FROM facilities").fetchall())
    assert got == {
        "care_facility": "介護老人福祉施設",
        "home_care_service": "定期巡回・随時対応型訪問介護看護",
    }
    assert (
        project.conn.execute("SELECT beds FROM facilities WHERE category='care_facility'").fetchone()[0] == 80
    )


def test_encoding_detection() -> None:
    assert detect_encoding("名称".encode("cp932")) == "cp932"
    assert detect_encoding("\ufeff名称".encode()) == "utf-8-sig"
    assert detect_encoding("名称".encode()) == "utf-8"
    with pytest.raises(UnsupportedFormatError):
        detect_encoding(bytes([0x82, 0xFF, 0xFE, 0x80]) * 10)


HOUKATSU = (
    "センター名,所在地,市町村,電話番号,緯度,経度\n"
    "鳥取市中央地域包括支援センター,尚徳町１１６,鳥取市,0857-00-0001,35.50,134.23\n"
    "鳥取市南地域包括支援センター,鳥取県鳥取市的場１－１,鳥取市,0857-00-0002,,\n"
    ",名前なし町1,鳥取市,,,\n"
)


def test_table_guess_save_and_reuse(project, tmp_path: Path) -> None:
    f = tmp_path / "包括一覧.csv"
    f.write_bytes(HOUKATSU.encode("cp932"))
    assert detect_format(f) == "table"
    m = guess_mapping(["センター名", "所在地", "市町村", "電話番号", "緯度", "経度"])
    assert m == {
        "name": "センター名",
        "address": "所在地",
        "municipality": "市町村",
        "phone": "電話番号",
        "lat": "緯度",
        "lon": "経度",
    }
    (rep,) = import_files(project, [f])  # category from the file name (地域包括支援センター ← 包括)
    assert rep.added == 2 and rep.rejected == 1
    rows = project.conn.execute(
        "SELECT category, address, pref_code, lon FROM facilities ORDER BY id"
    ).fetchall()
    assert rows[0] == ("houkatsu", "鳥取市尚徳町１１６", None, 134.23)
    assert rows[1][1:3] == ("鳥取県鳥取市的場１－１", "31")
    saved = project.conn.execute("SELECT source_label, mapping_json FROM column_mappings").fetchall()
    assert len(saved) == 1 and json.loads(saved[0][1])["name"] == "センター名"
    prev = preview_file(f, project=project)
    assert prev["mapping_origin"] == "saved" and prev["mapping"]["name"] == "センター名"
    # a newer release of the same list under another file name reuses the mapping and family
    f2 = tmp_path / "R8_list.csv"
    f2.write_text(HOUKATSU.splitlines()[0] + "\n" + HOUKATSU.splitlines()[1] + "\n", encoding="utf-8")
    (rep2,) = import_files(project, [f2], category="houkatsu")
    assert rep2.family == rep.family and rep2.unchanged == 1 and rep2.closed == 1


def test_table_explicit_mapping_and_xlsx_title_rows(project, tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["令和7年4月1日現在 訪問看護事業所一覧"])
    ws.append([])
    ws.append(["No", "事業所", "場所", "種類"])
    ws.append([1, "ステーションA", "鳥取県倉吉市一町1", "訪問看護"])
    ws.append([2, "ステーションB", "鳥取県倉吉市二町2", "訪問看護"])
    f = tmp_path / "list.xlsx"
    wb.save(f)
    assert detect_format(f) == "table"
    with pytest.raises(InputDataError):
        import_files(project, [f], mapping={"name": "存在しない列"})
    (rep,) = import_files(
        project, [f], mapping={"name": "事業所", "address": "場所", "category": "種類", "id": "No"}
    )
    assert rep.added == 2
    assert project.conn.execute(
        "SELECT category, record_key FROM facilities f JOIN facility_records r "
        "ON r.facility_id=f.id ORDER BY f.id LIMIT 1"
    ).fetchone() == (
        "home_nursing",
        "table:訪問看護ステーション@倉吉市:1",
    )  # category + the municipality of the rows
    assert (rep.reference_date, rep.reference_date_origin) == ("2025-04-01", "title")  # 「令和7年4月1日現在」
    prev = preview_file(f)
    assert prev["format"] == "table" and prev["header"] == ["No", "事業所", "場所", "種類"]


def test_table_without_category_is_an_error(project, tmp_path: Path) -> None:
    f = tmp_path / "list.csv"
    f.write_text("名称,住所\nA,鳥取県鳥取市1\n", encoding="utf-8")
    with pytest.raises(InputDataError) as ei:
        import_files(project, [f])
    assert "--category" in (ei.value.expected or "")
    assert project.conn.execute("SELECT count(*) FROM sources").fetchone()[0] == 0


def _gdf():
    import geopandas as gpd
    from shapely.geometry import Point

    return gpd.GeoDataFrame(
        {
            "名称": ["包括A", "包括B"],
            "住所": ["鳥取県鳥取市一町1", "鳥取県米子市二町2"],
            "種別": ["地域包括支援センター", "地域包括支援センター"],
        },
        geometry=[Point(134.23, 35.5), Point(133.33, 35.43)],
        crs="EPSG:4326",
    )


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".shp"])
def test_gis_layers(project, tmp_path: Path, suffix: str) -> None:
    gdf = _gdf()
    f = tmp_path / f"points{suffix}"
    if suffix == ".shp":
        gdf.to_crs("EPSG:6673").to_file(f, encoding="cp932")  # 平面直角 V, CP932 attributes
        f.with_suffix(".cpg").unlink(missing_ok=True)  # the .cpg is often missing
    else:
        gdf.to_file(f)
    assert detect_format(f) == "gis"
    (rep,) = import_files(project, [f])
    assert rep.format == "gis" and rep.added == 2
    rows = project.conn.execute(
        "SELECT name, category, round(lon, 4), round(lat, 4) FROM facilities ORDER BY id"
    ).fetchall()
    assert rows == [("包括A", "houkatsu", 134.23, 35.5), ("包括B", "houkatsu", 133.33, 35.43)]


def test_unsupported_files(project, tmp_path: Path) -> None:
    bad = tmp_path / "notes.docx"
    bad.write_bytes(b"PK\x03\x04junk")
    with pytest.raises(UnsupportedFormatError) as ei:
        detect_format(bad)
    assert "医療情報ネット" in (ei.value.expected or "")
    j = tmp_path / "x.json"
    j.write_text('{"a": 1}', encoding="utf-8")
    with pytest.raises(UnsupportedFormatError):
        import_files(project, [j])
    with pytest.raises(InputDataError):
        import_files(project, [tmp_path / "missing.csv"])


def test_vectorised_normalisation_equals_textnorm() -> None:
    import pandas as pd
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from zaitaku_map.importers.normalize import address_key, norm_names, norm_texts
    from zaitaku_map.textnorm import normalize_name, normalize_text

    alphabet = st.sampled_from(
        [
            *list("あア医療法人社団（）()ー－-‐ｰ１2３ \u3000丁目番地号市町村株式会社・「」【】A,."),
            "\t",
            "\x00",
            "ｶ",
            "ﾞ",
            "\u3099",
            "㈱",
        ]
    )

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.one_of(st.text(alphabet, max_size=20), st.none()), min_size=1, max_size=8))
    def check(values: list[str | None]) -> None:
        s = pd.Series(values, dtype=object)
        assert norm_texts(s).tolist() == [normalize_text(v) for v in values]
        assert norm_names(s).tolist() == [normalize_name(v) for v in values]

    check()
    assert (
        address_key("鳥取県鳥取市的場一丁目１番地")
        == address_key("鳥取県鳥取市的場１ー１")
        == "鳥取市的場1-1"
    )
    assert address_key("米子市中島２－１－４６新田外科胃腸科病院") == "米子市中島2-1-46"


def test_empty_and_undecodable_files(project, tmp_path: Path) -> None:
    e = tmp_path / "empty.csv"
    e.write_bytes(b"")
    with pytest.raises(UnsupportedFormatError) as ei:
        import_files(project, e, category="other")  # a single path is accepted too
    assert ei.value.file and ei.value.file.endswith("empty.csv")
    b = tmp_path / "binary.csv"
    b.write_bytes(bytes([0x82, 0xFF, 0xFE, 0x80, 0x0A]) * 10)
    with pytest.raises(UnsupportedFormatError) as ei:
        import_files(project, [b], category="other")
    assert "CP932" in (ei.value.expected or "") and ei.value.file.endswith("binary.csv")
    x = tmp_path / "broken.xlsx"
    x.write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(UnsupportedFormatError):
        import_files(project, [x])
    h = write_kaigo(tmp_path / "jigyosho_130.csv", [])
    (rep,) = import_files(project, [h])
    assert rep.added == 0 and rep.rows_read == 0
    assert project.conn.execute("SELECT count(*) FROM facilities").fetchone()[0] == 0
