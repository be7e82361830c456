"""GeoJSON building shared by the GUI map and the HTML export."""

from __future__ import annotations

from shapely.geometry import Point, Polygon

from zaitaku_map.geo import feature_collection


def test_feature_collection_rounds_and_skips_empties() -> None:
    geoms = [Point(133.123456789, 35.987654321), None, Polygon(), Point(134.0, 35.0)]
    fc = feature_collection(geoms, [{"n": 1}, {"n": 2}, {"n": 3}, {"n": 4}], with_ids=True)
    assert fc["type"] == "FeatureCollection"
    assert [f["id"] for f in fc["features"]] == [0, 3]  # positions kept, empties left out
    assert fc["features"][0]["geometry"]["coordinates"] == (133.12346, 35.98765)
    assert fc["features"][1]["properties"] == {"n": 4}
    assert "id" not in feature_collection(geoms[:1], [{}])["features"][0]
