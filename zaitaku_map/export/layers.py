"""GeoPackage and GeoJSON layers of one option for QGIS users.

Layers (Japanese names, EPSG:4326): 圏域 (polygons with population and counts), 市区町村 (with
their 圏域), 施設 (points with every list attribute), and with a coverage category 到達圏_<種別>
(nested bands) and 到達圏外_<種別> (gap points).  The GeoPackage carries a ``layer_styles`` table
(the one QGIS reads and writes) with a default QML style for the 圏域 and 施設 layers: 圏域 filled
with the option's colours and labelled, facilities with the category colours and markers.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import geopandas as gpd

from zaitaku_map.export.data import ExportData, load_export_data
from zaitaku_map.export.mapdoc import coverage_label, load_coverage
from zaitaku_map.export.output import output_file
from zaitaku_map.export.request import ExportRequest, ExportResult, Timer
from zaitaku_map.export.tables import resource_rows
from zaitaku_map.labels import CATEGORIES, EXPORT_LAYERS
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback
from zaitaku_map.store import Project

QGIS_MARKERS = {
    "o": ("circle", 0),
    "s": ("square", 0),
    "^": ("triangle", 0),
    "D": ("diamond", 0),
    "*": ("star", 0),
    "v": ("triangle", 180),
    "P": ("cross_fill", 0),
    ".": ("circle", 0),
    "h": ("hexagon", 0),
    "x": ("cross2", 0),
    "+": ("cross", 0),
    "1": ("asterisk_fill", 0),
}


def _rgba(hex_color: str, alpha: int = 255) -> str:
    h = hex_color.lstrip("#")
    return f"{int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{alpha}"


def _opt(name: str, value: Any) -> str:
    return f'<Option type="QString" name={quoteattr(name)} value={quoteattr(str(value))}/>'


def _label_xml(field: str, size: float, placement: int) -> str:
    return (
        '<labeling type="simple"><settings calloutType="simple">'
        f'<text-style fieldName={quoteattr(field)} fontFamily="IPAexGothic" fontSize="{size}" fontSizeUnit="Point" '
        'textColor="17,17,17,255" isExpression="0" textOpacity="1">'
        '<text-buffer bufferDraw="1" bufferSize="1" bufferSizeUnits="MM" bufferColor="255,255,255,255" '
        'bufferOpacity="1"/></text-style>'
        f'<placement placement="{placement}" dist="1" distUnits="MM" priority="5"/>'
        '<rendering obstacle="1" displayAll="0" labelPerPart="0"/>'
        "</settings></labeling>"
    )


def ken_qml(kens: gpd.GeoDataFrame) -> str:
    """Categorized fill by 圏域 name with the option's colours, bold outline, labels."""
    cats, syms = [], []
    for i, (name, color) in enumerate(zip(kens["name"], kens["color"], strict=True)):
        cats.append(
            f'<category render="true" symbol="{i}" value={quoteattr(str(name))} label={quoteattr(str(name))}/>'
        )
        syms.append(
            f'<symbol type="fill" name="{i}" alpha="0.75" clip_to_extent="1" force_rhr="0">'
            '<layer class="SimpleFill" enabled="1" locked="0" pass="0"><Option type="Map">'
            + _opt("color", _rgba(color))
            + _opt("outline_color", "32,32,32,255")
            + _opt("outline_width", "0.6")
            + _opt("outline_width_unit", "MM")
            + _opt("style", "solid")
            + _opt("outline_style", "solid")
            + "</Option></layer></symbol>"
        )
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
        '<qgis version="3.28.0" styleCategories="Symbology|Labeling">'
        '<renderer-v2 type="categorizedSymbol" attr="name" symbollevels="0" enableorderby="0" forceraster="0">'
        f"<categories>{''.join(cats)}</categories><symbols>{''.join(syms)}</symbols></renderer-v2>"
        + _label_xml("name", 11, 1)
        + "<layerGeometryType>2</layerGeometryType></qgis>"
    )


def facility_qml(categories: list[str]) -> str:
    """Categorized markers by category key with the category colours and shapes."""
    cats, syms = [], []
    for i, key in enumerate(categories):
        c = CATEGORIES.get(key, CATEGORIES["other"])
        shape, angle = QGIS_MARKERS.get(c.marker, ("circle", 0))
        cats.append(
            f'<category render="true" symbol="{i}" value={quoteattr(key)} label={quoteattr(c.label)}/>'
        )
        syms.append(
            f'<symbol type="marker" name="{i}" alpha="1" clip_to_extent="1" force_rhr="0">'
            '<layer class="SimpleMarker" enabled="1" locked="0" pass="0"><Option type="Map">'
            + _opt("name", shape)
            + _opt("angle", angle)
            + _opt("color", _rgba(c.color))
            + _opt("outline_color", "0,0,0,255")
            + _opt("outline_width", "0.2")
            + _opt("size", "2.6")
            + _opt("size_unit", "MM")
            + "</Option></layer></symbol>"
        )
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
        '<qgis version="3.28.0" styleCategories="Symbology">'
        '<renderer-v2 type="categorizedSymbol" attr="category" symbollevels="0" enableorderby="0" forceraster="0">'
        f"<categories>{''.join(cats)}</categories><symbols>{''.join(syms)}</symbols></renderer-v2>"
        "<layerGeometryType>0</layerGeometryType></qgis>"
    )


_SLD_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<StyledLayerDescriptor version="1.0.0" xmlns="http://www.opengis.net/sld" xmlns:ogc="http://www.opengis.net/ogc" '
    'xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
)
SLD_MARKERS = {
    "o": "circle",
    "s": "square",
    "^": "triangle",
    "D": "square",
    "*": "star",
    "v": "triangle",
    "P": "cross",
    ".": "circle",
    "h": "circle",
    "x": "x",
    "+": "cross",
    "1": "star",
}


def _sld(layer: str, rules: list[str]) -> str:
    return (
        f"{_SLD_HEAD}<NamedLayer><Name>{escape(layer)}</Name><UserStyle><Name>{escape(layer)}</Name>"
        f"<FeatureTypeStyle>{''.join(rules)}</FeatureTypeStyle></UserStyle></NamedLayer></StyledLayerDescriptor>"
    )


def _filter(field: str, value: str) -> str:
    return (
        f"<ogc:Filter><ogc:PropertyIsEqualTo><ogc:PropertyName>{field}</ogc:PropertyName>"
        f"<ogc:Literal>{escape(value)}</ogc:Literal></ogc:PropertyIsEqualTo></ogc:Filter>"
    )


def ken_sld(kens: gpd.GeoDataFrame) -> str:
    """SLD 1.0 equivalent of :func:`ken_qml` (for GIS clients other than QGIS)."""
    rules = [
        f"<Rule><Name>{escape(str(n))}</Name>{_filter('name', str(n))}<PolygonSymbolizer>"
        f'<Fill><CssParameter name="fill">{c}</CssParameter><CssParameter name="fill-opacity">0.75</CssParameter></Fill>'
        '<Stroke><CssParameter name="stroke">#202020</CssParameter><CssParameter name="stroke-width">1.6</CssParameter>'
        "</Stroke></PolygonSymbolizer></Rule>"
        for n, c in zip(kens["name"], kens["color"], strict=True)
    ]
    return _sld(EXPORT_LAYERS["kens"], rules)


def facility_sld(categories: list[str]) -> str:
    """SLD 1.0 equivalent of :func:`facility_qml`."""
    rules = []
    for key in categories:
        c = CATEGORIES.get(key, CATEGORIES["other"])
        rules.append(
            f"<Rule><Name>{escape(c.label)}</Name>{_filter('category', key)}<PointSymbolizer><Graphic><Mark>"
            f"<WellKnownName>{SLD_MARKERS.get(c.marker, 'circle')}</WellKnownName>"
            f'<Fill><CssParameter name="fill">{c.color}</CssParameter></Fill>'
            '<Stroke><CssParameter name="stroke">#000000</CssParameter><CssParameter name="stroke-width">0.5</CssParameter>'
            "</Stroke></Mark><Size>9</Size></Graphic></PointSymbolizer></Rule>"
        )
    return _sld(EXPORT_LAYERS["facilities"], rules)


def build_layers(project: Project, data: ExportData) -> dict[str, gpd.GeoDataFrame]:
    """Layer name -> GeoDataFrame (EPSG:4326) for the option."""
    rows = resource_rows(data)
    fac = data.facilities.set_index("id")
    counts = (
        rows.assign(cat=rows["id"].map(fac["category"]))
        .groupby(["ken_key", "cat"])
        .size()
        .unstack(fill_value=0)
    )
    kens = data.kens.copy()
    for cat in counts.columns:
        kens[f"n_{cat}"] = kens["ken_key"].map(counts[cat]).fillna(0).astype(int)
    kens = kens[
        [
            "ken_key",
            "name",
            "color",
            "n_units",
            "units",
            "pop_total",
            "pop_65",
            "pop_75",
            "pop_85",
            *[c for c in ("demand_year", "pop75_year") if c in kens.columns],
            *[c for c in kens.columns if c.startswith("n_") and c != "n_units"],
            "geometry",
        ]
    ]
    if data.year is not None:  # the year in the column name, as QGIS shows it
        y = data.year.year
        kens = kens.rename(columns={"demand_year": f"demand_{y}", "pop75_year": f"pop75_{y}"})
    munis = data.munis[["code", "name", "full_name", "ken_key", "geometry"]].copy()
    names = data.ken_names()
    munis["ken_name"] = munis["ken_key"].map(
        lambda k: data.ken_name(k, names) if isinstance(k, str) else None
    )
    placed = rows[rows["lon"].notna() & rows["lat"].notna()].copy()
    placed.insert(3, "category_key", placed["id"].map(fac["category"]))
    placed = placed.rename(columns={"category": "category_label", "category_key": "category"})
    fs = placed["id"].map(fac["function_set"])
    for fn in (1, 2, 3, 4):
        placed[f"f{fn}"] = fs.map(lambda s, fn=fn: int(fn in s))
    placed["active_role"] = placed["id"].map(fac["active_role"]).astype(int)
    placed["hub"] = placed["id"].map(fac["hub"]).astype(int)
    facilities = gpd.GeoDataFrame(
        placed.reset_index(drop=True),
        geometry=gpd.points_from_xy(placed["lon"], placed["lat"]),
        crs="EPSG:4326",
    )
    layers = {
        EXPORT_LAYERS["kens"]: kens,
        EXPORT_LAYERS["municipalities"]: munis,
        EXPORT_LAYERS["facilities"]: facilities,
    }
    if data.scenario is not None:  # apart from the facilities: a scenario's sites are not real
        name = re.sub(r"[^\w]", "", data.scenario.name) or "scenario"
        for key, gdf in (
            ("scenario_sites", data.scenario.sites),
            ("scenario_changes", data.scenario.changed),
        ):
            if len(gdf):
                layers[EXPORT_LAYERS[key].format(scenario=name)] = gdf.assign(
                    scenario=data.scenario.name, hypothetical=int(key == "scenario_sites")
                )
    cov = load_coverage(project, data.request, facilities=data.facility_set)
    if cov is not None:
        label = re.sub(r"[^\w]", "", coverage_label(cov.category))
        if cov.bands is not None:
            b = cov.bands.copy()
            b["description"] = cov.description
            layers[EXPORT_LAYERS["bands"].format(category=label)] = b.to_crs("EPSG:4326")
        if cov.gaps is not None:
            layers[EXPORT_LAYERS["gaps"].format(category=label)] = cov.gaps.to_crs("EPSG:4326")
    return layers


def _add_styles(path: Path, styles: list[tuple[str, str, str, str]]) -> None:
    """Write QGIS's ``layer_styles`` table (registered as an attributes table) with default styles."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS layer_styles (id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), "
            "f_table_schema TEXT(256), f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), "
            "styleQML TEXT, styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30), "
            "update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"
        )
        conn.execute(
            "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, last_change) "
            "VALUES ('layer_styles', 'attributes', 'layer_styles', ?)",
            (now,),
        )
        for table, name, qml, sld in styles:
            conn.execute(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName, "
                "styleQML, styleSLD, useAsDefault, description, owner, ui, update_time) "
                "VALUES ('', '', ?, 'geom', ?, ?, ?, 1, 'zaitaku-map', '', NULL, ?)",
                (table, name, qml, sld, now),
            )


def export_gpkg(
    project: Project,
    request: ExportRequest,
    path: str | Path,
    *,
    geojson_dir: str | Path | None = None,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Write the option's layers to a GeoPackage (and optionally one GeoJSON file per layer).

    Returns
    -------
    ExportResult
        ``counts``: features per layer; ``details``: CRS ("EPSG:4326"), styled layers; ``files``:
        the GeoJSON files written.
    """
    timer = Timer()
    prog = Progress.of(progress, cancel)
    data = load_export_data(project, request)
    layers = build_layers(project, data)
    prog.update(0.4, "GeoPackage")
    cats = list(data.categories_present())
    styles = [
        (EXPORT_LAYERS["kens"], "圏域（zaitaku-map）", ken_qml(data.kens), ken_sld(data.kens)),
        (EXPORT_LAYERS["facilities"], "施設（zaitaku-map）", facility_qml(cats), facility_sld(cats)),
    ]
    with output_file(path, what="GeoPackage") as tmp:
        for name, gdf in layers.items():
            prog.check()
            out = gdf.rename_geometry("geom") if gdf.geometry.name != "geom" else gdf
            out.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
        _add_styles(tmp, styles)
    written: list[str] = []
    if geojson_dir is not None:
        folder = Path(geojson_dir)
        for name, gdf in layers.items():
            prog.check()
            with output_file(folder / f"{name}.geojson", what="GeoJSON") as tmp:
                gdf.to_file(tmp, driver="GeoJSON", engine="pyogrio")
            written.append(str(folder / f"{name}.geojson"))
    prog.update(1.0, "完了", force=True)
    return ExportResult(
        kind="gpkg",
        path=str(path),
        seconds=timer.seconds(),
        counts={k: len(v) for k, v in layers.items()},
        details={"crs": "EPSG:4326", "styles": [s[0] for s in styles]},
        files=written,
    )


__all__ = ["build_layers", "export_gpkg", "facility_qml", "ken_qml"]
