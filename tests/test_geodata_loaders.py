"""Read API of geodata on the synthetic project."""

from __future__ import annotations

import pytest

from zaitaku_map.errors import GeodataError
from zaitaku_map.geodata import (
    area_layer_names,
    area_membership,
    load_area_polygons,
    load_demand_points,
    load_municipalities,
    municipality_population,
)


def test_load_municipalities(synthetic_project):
    g = load_municipalities(synthetic_project)
    assert list(g.columns) == [
        "code",
        "name",
        "full_name",
        "kind",
        "parent_code",
        "pref_code",
        "area_km2",
        "rep_lon",
        "rep_lat",
        "geometry",
    ]
    assert len(g) == 9 and "99100" not in set(g.code)
    assert g.crs.to_epsg() == 4326
    assert list(g.index) == list(range(9))
    g2 = load_municipalities(synthetic_project, include_derived=True, display=True)
    assert len(g2) == 10
    city = g2.set_index("code").loc["99100"]
    assert city.kind == "designated_city"
    assert g.set_index("code").loc["99101", "parent_code"] == "99100"


def test_area_layers(synthetic_project):
    assert area_layer_names(synthetic_project) == ["二次医療圏"]
    m = area_membership(synthetic_project, "二次医療圏")
    assert m["99207"] == ("9903", "南部") and len(m) == 9
    a = load_area_polygons(synthetic_project, "二次医療圏")
    assert list(a.columns) == ["area_code", "area_name", "geometry"]
    assert list(a.area_code) == ["9901", "9902", "9903"]
    assert a.geometry.iloc[0].area == pytest.approx(0.03)
    with pytest.raises(GeodataError):
        load_area_polygons(synthetic_project, "存在しない圏域")


def test_population(synthetic_project):
    d = load_demand_points(synthetic_project)
    assert len(d) == 225 and d.fid.is_monotonic_increasing
    p = municipality_population(synthetic_project)
    assert list(p.columns) == ["muni_code", "pop_total", "pop_65", "pop_75", "pop_85"]
    row = p.set_index("muni_code").loc["99101"]
    assert row.pop_total == pytest.approx(25 * 400) and row.pop_65 == pytest.approx(25 * 120)
    assert p.attrs["source"] == "demand_points"


def test_population_municipal_fallback(project):
    project.conn.execute("INSERT INTO population_sources (id, unit, year) VALUES (1, 'municipality', '2020')")
    project.conn.execute("INSERT INTO population_sources (id, unit, year) VALUES (2, 'municipality', '2025')")
    project.conn.execute("INSERT INTO population_municipal VALUES ('31201', 1, 100, 30, 10, 2, NULL)")
    project.conn.execute("INSERT INTO population_municipal VALUES ('31201', 2, 90, 31, 11, 3, NULL)")
    p = municipality_population(project)
    assert p.attrs["source"] == "population_municipal"
    assert p.pop_total.tolist() == [90.0]


def test_empty_project(project):
    assert len(load_municipalities(project)) == 0
    assert area_layer_names(project) == []
    assert municipality_population(project).attrs["source"] == "none"
    assert len(load_demand_points(project)) == 0
