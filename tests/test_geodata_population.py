"""Population: e-Stat mesh text → demand points (sums preserved), municipal and area tables."""

from __future__ import annotations

import json

import pytest
import shapely
from geodata_fixtures import write_mesh_text, write_n03_geojson

from zaitaku_map.errors import GeodataError
from zaitaku_map.geodata import load_demand_points, load_municipalities, municipality_population
from zaitaku_map.geodata.areas import import_area_table
from zaitaku_map.geodata.mesh import classify_label, mesh_polygons, read_mesh_text
from zaitaku_map.geodata.n03 import import_boundaries
from zaitaku_map.geodata.population import area_population, import_population


@pytest.fixture
def pref99(project, tmp_path):
    import_boundaries(project, write_n03_geojson(tmp_path / "n03.geojson"))
    return project


def test_mesh_geometry_from_code():
    a, b, c = mesh_polygons(["52335700", "523357001", "5233570011"])
    assert a.bounds == pytest.approx((133.875, 35.0833333, 133.8875, 35.0916667), abs=1e-6)
    assert b.area == pytest.approx(a.area / 4) and c.area == pytest.approx(a.area / 16)
    assert b.bounds[:2] == a.bounds[:2]


def test_read_mesh_text(tmp_path):
    f = tmp_path / "tblT001102Q5032.txt"
    totals = write_mesh_text(f)
    t = read_mesh_text(f)
    assert t.unit == "mesh500m"
    assert t.secret_cells == totals["secret"] > 0
    assert len(t.records) == totals["cells"]
    assert t.columns["total"] == "人口（総数）" and "65+" in t.columns["open"]
    assert sum(v["pop_total"] for v in t.records.values()) == totals["pop_total"]


def test_mesh_sums_preserved(pref99, tmp_path):
    f = tmp_path / "tblT001102Q5032_2020.txt"
    totals = write_mesh_text(f)
    r = import_population(pref99, [f])
    part = r["imports"][0]
    assert part["secret_cells"] == totals["secret"] and r["secret_cells"] == totals["secret"]
    assert part["year"] == "2020" and part["unit"] == "mesh500m"
    assert part["cells_split"] > 0 and part["cells_outside_project"] > 0
    for key in ("pop_65", "pop_75", "pop_85"):
        assert 0 < part["stored_totals"][key] < totals[key]
    dp = load_demand_points(pref99)
    assert dp.pop_total.sum() == pytest.approx(part["stored_totals"]["pop_total"], rel=1e-12)
    assert dp.pop_total.sum() + part["outside_pop_total"] == pytest.approx(totals["pop_total"], rel=1e-12)
    # per cell: the shares of its pieces sum to 1 and the pieces sum to the cell
    by_cell = dp.groupby("unit_code").agg(share=("share", "sum"), n=("share", "size"))
    assert by_cell.share.to_numpy() == pytest.approx(1.0, abs=1e-9)
    assert (by_cell.n > 1).sum() == part["cells_split"]
    # every point lies in (or on) its municipality
    munis = load_municipalities(pref99).set_index("code")
    for row in dp.sample(300, random_state=1).itertuples():
        g = munis.loc[row.muni_code, "geometry"]
        assert g.distance(shapely.Point(row.lon, row.lat)) < 1e-9
    mp = municipality_population(pref99)
    assert mp.attrs["source"] == "demand_points" and len(mp) == 9
    assert mp.pop_total.sum() == pytest.approx(dp.pop_total.sum())
    bands = json.loads(dp.bands_json.iloc[0])
    assert "65plus" in bands


def test_mesh_reimport_replaces(pref99, tmp_path):
    f = tmp_path / "m.txt"
    write_mesh_text(f, level="1km")
    import_population(pref99, [f])
    n = len(load_demand_points(pref99))
    import_population(pref99, [f])
    assert len(load_demand_points(pref99)) == n


def test_bad_mesh_file(pref99, tmp_path):
    f = tmp_path / "x.txt"
    f.write_text("KEY_CODE,HTKSYORI\n,秘匿\n5233,0\n", encoding="utf-8")
    with pytest.raises(GeodataError):
        import_population(pref99, [f])
    assert len(load_demand_points(pref99)) == 0


def test_municipal_table_becomes_coarse_demand(pref99, tmp_path):
    f = tmp_path / "pop_2020.csv"
    lines = ["市区町村別人口（令和2年国勢調査）", "コード,市区町村,総数,65歳以上,75歳以上,85歳以上"]
    for i, code in enumerate(
        ["99101", "99102", "99201", "99202", "99203", "99204", "99205", "99206", "99207"]
    ):
        lines.append(f"{code},x,{1000 + i},{300 + i},{150},{50}")
    lines.append("99100,テスト市,9999,1,1,1")  # city row: wards present → not used
    lines.append("31201,鳥取市,188465,1,1,1")
    f.write_text("\n".join(lines) + "\n", encoding="cp932")
    r = import_population(pref99, [f])["imports"][0]
    assert r["loaded"] == 9 and r["ignored_other_prefectures"] == 1
    assert r["designated_city_rows_used"] == []
    assert r["demand_layer"].endswith("(coarse)") and r["note"]
    mp = municipality_population(pref99).set_index("muni_code")
    assert mp.loc["99101", "pop_total"] == 1000 and mp.loc["99207", "pop_65"] == 308
    assert mp.attrs["source"] == "population_municipal"
    assert mp.pop_total.sum() == sum(1000 + i for i in range(9))
    assert len(load_demand_points(pref99)) == 0  # coverage falls back to representative points (coarse)


def test_area_population_and_fallback(pref99, tmp_path):
    t = tmp_path / "areas.csv"
    t.write_text(
        "code,area\n99101,01\n99102,01\n99201,01\n99202,02\n99203,02\n99204,02\n99205,03\n99206,03\n"
        "99207,03\n",
        encoding="utf-8",
    )
    import_area_table(pref99, t, layer="二次医療圏")
    f = tmp_path / "area_pop.csv"
    f.write_text(
        "area_code,area_name,pop_total,pop_65_69,pop_70_74,pop_75_79,pop_80_84,pop_85plus\n"
        "01,中央,1000,10,20,30,40,50\n02,西,500,1,2,3,4,5\n9901,他県,7,0,0,0,0,0\n",
        encoding="utf-8",
    )
    r = import_population(pref99, [f], layer="二次医療圏")["imports"][0]
    assert r["loaded"] == 2 and r["areas_without_population"] == ["03"] and r["matched_by"] == "code"
    ap = area_population(pref99, "二次医療圏").set_index("area_code")
    assert ap.attrs["source"] == "population_area"
    assert ap.loc["01", "pop_65"] == 150 and ap.loc["01", "pop_75"] == 120 and ap.loc["01", "pop_85"] == 50
    # municipality_population does not invent municipal numbers from area tables
    assert municipality_population(pref99).attrs["source"] == "none"
    with pytest.raises(GeodataError):
        import_population(pref99, [f], layer="存在しない圏域")
    # no layer given (the GUI wizard, a user who forgot --layer): the table's codes pick the layer
    r = import_population(pref99, [f])["imports"][0]
    assert (
        r["kind"] == "area_table" and r["layer"] == "二次医療圏" and r["layer_guessed"] and r["loaded"] == 2
    )
    # a table of neither municipality nor area codes still says what it expected
    g = tmp_path / "nothing.csv"
    g.write_text("code,pop_total\nX1,5\nX2,6\n", encoding="utf-8")
    with pytest.raises(GeodataError, match="no municipality code"):
        import_population(pref99, [g])


def test_classify_labels():
    assert classify_label("６５歳以上人口　総数") == ("open", 65, None)
    assert classify_label("人口（総数）　女") == ("other", None, None)
    assert classify_label("５～９歳") == ("band", 5, 9)
    assert classify_label("pop_100plus") == ("open", 100, None)
    assert classify_label("2040年推計人口") == ("year", 2040, None)
    assert classify_label("世帯総数") == ("other", None, None)


def test_real_area_population(project, realdata):
    n03 = realdata / "n03" / "N03-21_31_210101.json"
    table = realdata / "areas" / "municipality_to_iryoken2.csv"
    pop = realdata / "areas" / "population_iryoken2_2020census.csv"
    if not (n03.exists() and table.exists() and pop.exists()):
        pytest.skip("real samples absent")
    import_boundaries(project, n03)
    import_area_table(project, table, layer="二次医療圏")
    r = import_population(project, [pop])["imports"][0]  # the layer is recognised from the codes
    assert r["layer"] == "二次医療圏" and r["layer_guessed"]
    assert r["loaded"] == 3 and r["year"] == "2020"
    ap = area_population(project, "二次医療圏")
    # 鳥取県 2020 census: 553,407
    assert ap.pop_total.sum() == 553407
    assert (ap.pop_65 < ap.pop_total).all() and (ap.pop_85 < ap.pop_75).all()


def test_projection_mesh_geojson(pref99, tmp_path):
    """国土数値情報 将来推計人口メッシュ style GeoJSON: base year → pops, later years → bands_json."""
    import geopandas as gpd
    from geodata_fixtures import mesh_code_1km

    from zaitaku_map.geodata.mesh import mesh_polygons

    codes = [mesh_code_1km(lon, lat) for lat in (34.05, 34.15, 34.25) for lon in (133.05, 133.15, 133.25)]
    rows = []
    for i, c in enumerate(codes):
        rows.append(
            {
                "MESH_ID": int(c),
                "SHICODE": "99999",
                "PTN_2020": 100.0 + i,
                "PTN_2050": 80.0 + i,
                "PTC_2020": 30.0,
                "PTC_2050": 40.0,
                "PTD_2020": 15.0,
                "PT18_2020": 4.0,
                "PT19_2020": 2.0,
                "RTC_2020": 0.3,
            }
        )
    f = tmp_path / "1km_mesh_2024_99.geojson"
    gpd.GeoDataFrame(rows, geometry=list(mesh_polygons(codes)), crs="EPSG:4326").to_file(f, driver="GeoJSON")
    r = import_population(pref99, [f])["imports"][0]
    assert r["year"] == "2020" and r["projection_years"] == [2020, 2050] and r["unit"] == "mesh1km"
    dp = load_demand_points(pref99)
    assert dp.pop_total.sum() + r["outside_pop_total"] == pytest.approx(sum(100.0 + i for i in range(9)))
    per_cell = dp.groupby("unit_code")[["pop_85", "pop_75"]].sum()
    assert per_cell.pop_85.to_numpy() == pytest.approx(6.0) and per_cell.pop_75.to_numpy() == pytest.approx(
        15.0
    )
    bands = json.loads(dp.bands_json.iloc[0])
    assert {"year_2020", "year_2050", "65plus_2050"} <= set(bands)
    src = pref99.conn.execute("SELECT format FROM sources WHERE kind='population'").fetchone()[0]
    assert src == "ksj_mesh_projection"
