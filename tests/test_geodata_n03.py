"""N03 boundaries import: formats, dissolve, wards/政令市, repairs, display coverage, re-import."""

from __future__ import annotations

import json

import pytest
import shapely
from geodata_fixtures import n03_frame, write_n03_geojson, write_n03_gml, write_n03_shapefile_zip
from hypothesis import given, settings
from hypothesis import strategies as st

from zaitaku_map.errors import GeodataError
from zaitaku_map.geodata import load_area_polygons, load_municipalities
from zaitaku_map.geodata.codes import (
    check_digit,
    code_candidates,
    designated_city_code,
    normalize_muni_code,
    with_check_digit,
)
from zaitaku_map.geodata.n03 import import_boundaries
from zaitaku_map.geodata.simplify import coverage_defects, simplify_coverage


def _check_fixture_import(project, report):
    assert report["loaded"] == 10
    assert report["units"] == 9 and report["wards"] == 2 and report["municipalities"] == 7
    assert report["designated_cities"] == [
        {"code": "99100", "name": "テスト市", "wards": 2, "code_rule": "derived"}
    ]
    assert report["no_code_rows"]["rows"] == 1
    assert {r["code"] for r in report["repaired"]} == {"99204", "99207"}
    g = load_municipalities(project, include_derived=True).set_index("code")
    assert g.loc["99101", "full_name"] == "テスト市中央区"
    assert g.loc["99101", "kind"] == "ward" and g.loc["99102", "parent_code"] == "99100"
    assert g.loc["99202", "full_name"] == "西町"
    assert g.loc["99202", "name"] == "西町"
    # derived city == union of its wards
    city = g.loc["99100", "geometry"]
    wards = shapely.union_all([g.loc["99101", "geometry"], g.loc["99102", "geometry"]])
    assert city.symmetric_difference(wards).area < 1e-12
    assert g.loc["99100", "area_km2"] == pytest.approx(
        g.loc["99101", "area_km2"] + g.loc["99102", "area_km2"], rel=1e-6
    )
    # island municipality: both rows dissolved, the bow-tie repaired into two triangles
    assert len(g.loc["99207", "geometry"].geoms) == 3
    # spike removed, polygon kept whole
    assert g.loc["99204", "geometry"].is_valid and len(g.loc["99204", "geometry"].geoms) == 1
    # representative points inside
    for code, row in g.iterrows():
        assert row.geometry.contains(shapely.Point(row.rep_lon, row.rep_lat)), code
    # ~0.1° squares ≈ 9.2 km × 11.1 km
    assert 90 < g.loc["99203", "area_km2"] < 115
    log = project.conn.execute("SELECT severity, reason FROM import_log").fetchall()
    assert sum(1 for s, r in log if "コード" in r and s == "rejected") == 1  # left out, with the reason
    assert sum(1 for _s, r in log if "修復" in r) == 2
    assert "99100" not in set(load_municipalities(project).code)


def test_geojson_fixture(project, tmp_path):
    report = import_boundaries(project, write_n03_geojson(tmp_path / "n03.geojson"))
    _check_fixture_import(project, report)
    json.dumps(report, ensure_ascii=False)


def test_cp932_shapefile_zip_without_cpg(project, tmp_path):
    report = import_boundaries(project, write_n03_shapefile_zip(tmp_path / "N03-99.zip"))
    assert report["encodings"] == {"N03-99_99_250101.shp": "CP932"}
    _check_fixture_import(project, report)


def test_gml(project, tmp_path):
    report = import_boundaries(project, write_n03_gml(tmp_path / "N03-99_99_250101.xml"))
    _check_fixture_import(project, report)


def test_shapefile_folder_utf8(project, tmp_path):
    write_n03_shapefile_zip(tmp_path / "n03u.zip", encoding="UTF-8", keep_cpg=True)
    report = import_boundaries(project, tmp_path / "n03u")  # the folder the zip was made from
    assert report["loaded"] == 10
    assert "中央区" in set(load_municipalities(project).name)


def test_display_geometry_is_gap_free(project, tmp_path):
    report = import_boundaries(project, write_n03_geojson(tmp_path / "n03.geojson"))
    d = report["display"]
    assert d["method"] == "coverage_simplify"
    assert d["vertices_display"] < d["vertices_full"] / 3
    g = load_municipalities(project, display=True)
    full = load_municipalities(project)
    defects = coverage_defects(list(g.geometry))
    assert defects["overlap_area"] < 1e-12
    assert defects["gap_area"] < 1e-12
    assert defects["union_area"] == pytest.approx(defects["sum_area"], rel=1e-9)
    # shape stays close to the full geometry
    for a, b in zip(g.geometry, full.geometry, strict=True):
        assert a.symmetric_difference(b).area < 0.02 * b.area
    # the derived city's display version is the union of its wards' display versions
    gd = load_municipalities(project, display=True, include_derived=True).set_index("code")
    u = shapely.union_all([gd.loc["99101", "geometry"], gd.loc["99102", "geometry"]])
    assert gd.loc["99100", "geometry"].symmetric_difference(u).area < 1e-12


def test_naive_simplify_would_open_gaps():
    """Guard that the gap check can fail: per-polygon simplification breaks the coverage."""
    polys = [g for g in n03_frame().geometry[:8]]
    polys = [shapely.make_valid(p) for p in polys]
    naive = [shapely.simplify(p, 0.003) for p in polys]
    d = coverage_defects(naive)
    assert d["overlap_area"] > 1e-7 or d["gap_area"] > 1e-7
    good, _ = simplify_coverage(polys, tolerance=0.003)
    d2 = coverage_defects(good)
    assert d2["overlap_area"] < 1e-12 and d2["gap_area"] < 1e-12


def test_reimport_newer_release(project, tmp_path):
    import_boundaries(project, write_n03_geojson(tmp_path / "old.geojson"))
    project.conn.execute("INSERT INTO area_layers (id, name) VALUES (1, '圏域')")
    for m in ("99205", "99206", "99101"):
        project.conn.execute("INSERT INTO area_members VALUES (1, ?, 'A', 'エー')", (m,))
    report = import_boundaries(project, write_n03_geojson(tmp_path / "new.geojson", newer_release=True))
    assert report["attribute_mapping"]["ward"] == "N03_005"
    gone = {d["code"]: d for d in report["replaced"]["disappeared"]}
    assert set(gone) == {"99205", "99206"}
    assert gone["99205"]["successor_by_location"]["code"] == "99208"
    assert report["replaced"]["new_codes"] == ["99208"]
    assert report["replaced"]["area_members_with_unknown_codes"] == [
        {"layer": "圏域", "code": "99205"},
        {"layer": "圏域", "code": "99206"},
    ]
    g = load_municipalities(project, include_derived=True).set_index("code")
    assert g.loc["99101", "full_name"] == "テスト市中央区" and g.loc["99101", "kind"] == "ward"
    assert report["area_layers_rebuilt"] == {"圏域": 1}
    area = load_area_polygons(project, "圏域").geometry.iloc[0]
    assert area.symmetric_difference(g.loc["99101", "geometry"]).area < 1e-12


def test_study_prefecture_filter(project, tmp_path):
    project.set_study_prefectures(["31"])
    with pytest.raises(GeodataError):
        import_boundaries(project, write_n03_geojson(tmp_path / "n03.geojson"))
    assert project.conn.execute("SELECT count(*) FROM municipalities").fetchone()[0] == 0
    report = import_boundaries(project, tmp_path / "n03.geojson", prefectures=["99"])
    assert report["loaded"] == 10


def test_boundaries_set_the_study_region_once(project, tmp_path):
    """With no study prefecture yet, the boundaries decide it (national files are then cut to it);
    an explicit one is never changed."""
    assert project.study_prefectures == []
    report = import_boundaries(project, write_n03_geojson(tmp_path / "n03.geojson"))
    assert report["study_prefectures_set"] == ["99"] and project.study_prefectures == ["99"]
    report = import_boundaries(project, tmp_path / "n03.geojson")
    assert report["study_prefectures_set"] is None and project.study_prefectures == ["99"]


def test_unusable_files(project, tmp_path):
    bad = tmp_path / "bad.geojson"
    bad.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"x":"a"},'
        '"geometry":{"type":"Point","coordinates":[133,34]}}]}',
        encoding="utf-8",
    )
    with pytest.raises(GeodataError):
        import_boundaries(project, bad)
    with pytest.raises(GeodataError):
        import_boundaries(project, tmp_path / "missing.shp")
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(GeodataError):
        import_boundaries(project, tmp_path / "broken.zip")


def test_codes():
    assert check_digit("31201") == "1" and check_digit("01100") == "2" and check_digit("13101") == "6"
    assert normalize_muni_code("312011") == "31201"
    assert normalize_muni_code("312012") is None
    assert normalize_muni_code(1101) == "01101"
    assert normalize_muni_code("１３１０１") == "13101"
    assert code_candidates("11002") == ["11002", "01100"]
    assert designated_city_code("27128") == "27100"
    assert designated_city_code("27141") == "27140"
    assert designated_city_code("13101") is None
    assert designated_city_code("14131", city_name="横浜市") is None


def test_real_tottori(project, realdata):
    path = realdata / "n03" / "N03-21_31_210101.json"
    if not path.exists():
        pytest.skip("N03 sample absent")
    report = import_boundaries(project, path)
    assert report["loaded"] == 19 and report["municipalities"] == 19 and report["wards"] == 0
    g = load_municipalities(project).set_index("code")
    assert g.loc["31201", "name"] == "鳥取市"
    # 鳥取市 is 765 km² officially (simplified sample: within 5 %)
    assert g.loc["31201", "area_km2"] == pytest.approx(765.3, rel=0.05)
    assert 3300 < g.area_km2.sum() < 3700
    d = coverage_defects(list(load_municipalities(project, display=True).geometry))
    assert d["overlap_area"] < 1e-9 and d["gap_area"] < 1e-9


def test_boundaries_import_is_all_or_nothing(project, tmp_path, monkeypatch):
    import_boundaries(project, write_n03_geojson(tmp_path / "old.geojson"))
    before = project.conn.execute("SELECT code, area_km2 FROM municipalities ORDER BY code").fetchall()
    n_sources = project.conn.execute("SELECT count(*) FROM sources").fetchone()[0]

    def boom(_project):
        raise RuntimeError("disk full")

    monkeypatch.setattr("zaitaku_map.geodata.areas.rebuild_all_area_polygons", boom)
    with pytest.raises(RuntimeError):
        import_boundaries(project, write_n03_geojson(tmp_path / "new.geojson", newer_release=True))
    assert (
        project.conn.execute("SELECT code, area_km2 FROM municipalities ORDER BY code").fetchall() == before
    )
    assert project.conn.execute("SELECT count(*) FROM sources").fetchone()[0] == n_sources


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1000, max_value=47999))
def test_code_forms_roundtrip(n):
    code = f"{n:05d}"
    six = with_check_digit(code)
    assert normalize_muni_code(six) == code
    assert code in code_candidates(int(six))  # Excel dropped the leading zero of the 6-digit form
    assert code in code_candidates(int(code))  # ... or of the 5-digit form
    bad = six[:5] + str((int(six[5]) + 1) % 10)
    assert normalize_muni_code(bad) is None


def test_overlapping_input_is_cleaned_for_display():
    """Neighbours that overlap a little (hand-edited file): display is cleaned into a coverage."""
    polys = [shapely.make_valid(p) for p in n03_frame().geometry[:8]]
    polys[0] = polys[0].buffer(0.0005)  # overlaps its neighbours by ~50 m
    assert coverage_defects(polys)["overlap_area"] > 1e-7
    out, stats = simplify_coverage(polys, tolerance=0.001)
    assert stats["coverage_valid"] is False and stats.get("coverage_cleaned") is True
    assert stats["method"] == "coverage_simplify"
    d = coverage_defects(out)
    assert d["overlap_area"] < 1e-10 and d["gap_area"] < 1e-10
