"""GeoPackage / GeoJSON export and the ``zaitaku-map export`` command."""

from __future__ import annotations

import json
import sqlite3
import xml.etree.ElementTree as ET

import geopandas as gpd
import pyogrio
import pytest
from export_fixtures import add_options

from zaitaku_map.cli import main
from zaitaku_map.export import ExportRequest, export_gpkg


@pytest.fixture
def proj(synthetic_project):
    a, b = add_options(synthetic_project)
    return synthetic_project, a, b


def test_gpkg_layers_crs_attributes_and_styles(proj, tmp_path):
    p, a, _ = proj
    out = export_gpkg(
        p, ExportRequest(a, coverage_category="zaishi"), tmp_path / "a.gpkg", geojson_dir=tmp_path / "gj"
    )
    layers = dict(pyogrio.list_layers(tmp_path / "a.gpkg"))
    assert {"圏域", "市区町村", "施設", "到達圏_在支診在支病", "到達圏外_在支診在支病"} <= set(layers)
    assert layers["圏域"] == "MultiPolygon" and layers["施設"] == "Point"
    kens = gpd.read_file(tmp_path / "a.gpkg", layer="圏域")
    assert kens.crs.to_epsg() == 4326
    assert list(kens["name"]) == ["中央圏域", "西部圏域", "南部圏域"]
    assert kens.loc[kens["name"] == "中央圏域", "n_zaishi_clinic"].iloc[0] == 2
    assert kens.loc[0, "pop_total"] == pytest.approx(22500)
    fac = gpd.read_file(tmp_path / "a.gpkg", layer="施設")
    assert len(fac) == out.counts["施設"] == 11
    row = fac[fac["id"] == 1].iloc[0]
    assert row["name"] == "中央在宅クリニック" and row["category"] == "zaishi_clinic"
    assert row["active_role"] == 1 and row["hub"] == 1 and row["ken_name"] == "中央圏域"
    assert row.geometry.x == pytest.approx(133.05)
    bands = gpd.read_file(tmp_path / "a.gpkg", layer="到達圏_在支診在支病")
    assert sorted(bands["band_min"]) == [15, 30, 45]
    munis = gpd.read_file(tmp_path / "a.gpkg", layer="市区町村")
    assert set(munis["ken_name"]) == {"中央圏域", "西部圏域", "南部圏域"}
    with sqlite3.connect(tmp_path / "a.gpkg") as conn:
        styles = conn.execute("SELECT f_table_name, styleQML, useAsDefault FROM layer_styles").fetchall()
        slds = [r[0] for r in conn.execute("SELECT styleSLD FROM layer_styles")]
    assert {s[0] for s in styles} == {"圏域", "施設"}
    for sld in slds:
        root = ET.fromstring(sld.encode("utf-8"))
        assert root.tag.endswith("StyledLayerDescriptor") and len(root.findall(".//{*}Rule")) >= 3
    for _, qml, default in styles:
        root = ET.fromstring(qml.split(">", 1)[1])  # after the DOCTYPE
        assert root.tag == "qgis" and default == 1
        assert root.find("renderer-v2").get("type") == "categorizedSymbol"
    ken_qml = next(q for t, q, _ in styles if t == "圏域")
    # the printed colour of 中央圏域 (adjacency colouring) is the style's colour too
    color = kens.loc[kens["name"] == "中央圏域", "color"].iloc[0].lstrip("#")
    rgba = ",".join(str(int(color[i : i + 2], 16)) for i in (0, 2, 4)) + ",255"
    assert "中央圏域" in ken_qml and rgba in ken_qml
    gj = json.loads((tmp_path / "gj" / "施設.geojson").read_text(encoding="utf-8"))
    assert len(gj["features"]) == 11
    assert not list(tmp_path.glob("*.part*"))


def test_cli_export(proj, tmp_path, capsys):
    p, a, b = proj
    path = str(p.path)
    p.close()
    rc = main(
        [
            "export",
            path,
            "--option",
            a,
            "--pdf",
            str(tmp_path / "m.pdf"),
            "--list",
            str(tmp_path / "l.pdf"),
            "--csv",
            str(tmp_path / "l.csv"),
            "--xlsx",
            str(tmp_path / "l.xlsx"),
            "--gpkg",
            str(tmp_path / "g.gpkg"),
            "--compare",
            b,
            "--pack",
            str(tmp_path / "pack.pdf"),
            "--paper",
            "a3",
            "--portrait",
            "--json",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert out["map"]["details"]["paper"] == "A3" and out["map"]["details"]["landscape"] is False
    assert out["list"]["counts"]["rows"] == 11
    assert out["pack"]["details"]["options"] == [a, b] and out["pack"]["pages"] >= 5
    assert "comparison" not in out  # with --pack the comparison goes into the pack
    for f in ("m.pdf", "l.pdf", "l.csv", "l_評価表.csv", "l.xlsx", "g.gpkg", "pack.pdf"):
        assert (tmp_path / f).stat().st_size > 0, f
    rc = main(["export", path, "--option", a])
    assert rc == 3  # nothing to export: a clear error, not a crash
    rc = main(["export", path, "--option", "ない案", "--pdf", str(tmp_path / "x.pdf")])
    assert rc == 3 and not (tmp_path / "x.pdf").exists()


def test_results_are_plain_json(proj, tmp_path):
    """Every export returns plain JSON types (the CLI prints them for humans and as JSON)."""
    from zaitaku_map.export import export_csv, export_list_pdf, export_map_pdf, export_xlsx

    p, a, _ = proj
    for out in (
        export_map_pdf(p, ExportRequest(a, coverage_category="zaishi"), tmp_path / "m.pdf"),
        export_list_pdf(p, ExportRequest(a), tmp_path / "l.pdf"),
        export_csv(p, ExportRequest(a), tmp_path / "l.csv"),
        export_xlsx(p, ExportRequest(a), tmp_path / "l.xlsx"),
        export_gpkg(p, ExportRequest(a), tmp_path / "g.gpkg"),
    ):
        json.dumps(out.to_dict())  # raises on numpy scalars or other non-JSON values
