"""Interactive map of one 圏域 option as ONE self-contained HTML file (folium, Leaflet inlined).

Committee members receive the file by e-mail and open it in any browser, with no network: the page
carries the vendored Leaflet (``resources/ui/vendor/leaflet``, its images as data URIs) inline,
folium's CDN defaults (jQuery, Bootstrap, Font Awesome …) are switched off, there are no tiles, and a
Content-Security-Policy forbids every network request.

Layers: 圏域 (fill, boundary, name labels; click for the municipalities and facility counts),
municipality boundaries (and names, off by default), optional coverage bands and gap points, one
layer of circle markers per facility category (tooltip: name; click: category, subtype, address,
圏域, roles, functions, geocode precision, source), and — when asked for (layer ``partners``) — each care
facility's first 協力医療機関 candidates as lines and the care facilities without one as red ▼.  Panels: title / option / date (「デモデータ」 on
demo projects), legend, data sources with reference dates and attribution.
"""

from __future__ import annotations

import base64
import math
import re
from pathlib import Path
from typing import Any, cast

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure, MacroElement
from jinja2 import Template
from shapely.ops import polylabel

from zaitaku_map.assets import resource_path
from zaitaku_map.errors import ExportError
from zaitaku_map.export.data import ExportData, load_export_data
from zaitaku_map.export.escape import html_text as _e
from zaitaku_map.export.escape import plain as _text
from zaitaku_map.export.escape import script_json
from zaitaku_map.export.mapdoc import coverage_facts, coverage_label, info_lines, load_coverage, map_counts
from zaitaku_map.export.mapdraw import (
    BAND_COLORS,
    GAP_COLOR,
    KEN_EDGE,
    MUNI_EDGE,
    OUTSIDE_FILL,
    SITE_COLOR,
    Coverage,
)
from zaitaku_map.export.output import output_file
from zaitaku_map.export.request import ExportRequest, ExportResult, Timer
from zaitaku_map.geo import feature_collection
from zaitaku_map.labels import (
    CATEGORIES,
    EXPORT_COLUMNS,
    EXPORT_TEXT,
    PARTNERS_GUI_TEXT,
    ROLE_SHORT,
    SCENARIO_DOC_TEXT,
    category_label,
)
from zaitaku_map.partners import PartnerLists, partner_lists
from zaitaku_map.partners.maplinks import FLAG_COLOR, KIND_COLORS, flagged_features, link_features
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback
from zaitaku_map.store import Project

NDIGITS = 5  # ≈1 m: plenty for a committee map, and keeps the file small
BAND_SIMPLIFY_DEG = 2e-4
BACKGROUND = "#eef2f5"
FONT_STACK = (
    '"Hiragino Kaku Gothic ProN", "Hiragino Sans", "Yu Gothic UI", "Yu Gothic", Meiryo, '
    '"Noto Sans CJK JP", "Noto Sans JP", IPAexGothic, sans-serif'
)
# no network at all: inline scripts/styles, data: images, local fonts only
CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
    "font-src data:; connect-src 'none'"
)

PAGE_CSS = """
html, body { font-family: %(font)s; }
.leaflet-container { background: %(bg)s; font-family: %(font)s; font-size: 12px; }
.zm-panel { background: rgba(255,255,255,.94); padding: 6px 10px; border-radius: 4px;
  box-shadow: 0 1px 5px rgba(0,0,0,.35); line-height: 1.45; color: #222; }
.zm-title h1 { font-size: 17px; margin: 0 0 2px 0; font-weight: bold; }
.zm-title .zm-sub { font-size: 12px; }
.zm-demo { display: inline-block; background: #c62828; color: #fff; padding: 1px 8px; border-radius: 3px;
  margin-left: 8px; font-size: 13px; vertical-align: 2px; }
.zm-watermark { position: absolute; left: 50%%; top: 50%%; transform: translate(-50%%, -50%%) rotate(-30deg);
  font-size: 110px; font-weight: bold; color: #c62828; opacity: .08; pointer-events: none; z-index: 450;
  white-space: nowrap; }
.leaflet-control-layers { font-size: 12.5px; line-height: 1.5; }
.zm-legend { max-height: 60vh; overflow-y: auto; font-size: 12px; }
.zm-legend h2, .zm-info h2 { font-size: 13px; margin: 2px 0 4px 0; }
.zm-legend .zm-row { white-space: nowrap; }
.zm-legend .zm-off { color: #777; font-size: 11px; margin-left: 4px; }
.zm-sw { display: inline-block; width: 14px; height: 11px; margin-right: 6px; vertical-align: -1px;
  border: 1px solid #555; }
.zm-line { display: inline-block; width: 16px; margin-right: 6px; vertical-align: 3px; }
.zm-dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%%; margin-right: 6px;
  vertical-align: -1px; border: 1px solid #222; }
.zm-info { max-width: 430px; max-height: 42vh; overflow-y: auto; font-size: 11px; }
.zm-info summary { cursor: pointer; font-weight: bold; font-size: 12px; }
.zm-info h3 { font-size: 11.5px; margin: 6px 0 1px 0; }
.zm-info p { margin: 0 0 0 1em; text-indent: -1em; }
.zm-label { background: none; border: none; }
.zm-flag-icon { background: none; border: none; }
.zm-flag { font-size: 20px; line-height: 22px; text-align: center;
  text-shadow: -1px -1px 0 #fff, 1px -1px 0 #fff, -1px 1px 0 #fff, 1px 1px 0 #fff; }
.zm-legend .zm-flag { font-size: 13px; line-height: 1; text-align: left; }
.zm-label span { position: absolute; transform: translate(-50%%, -50%%); white-space: nowrap; pointer-events: none;
  text-shadow: -1px -1px 0 #fff, 1px -1px 0 #fff, -1px 1px 0 #fff, 1px 1px 0 #fff, 0 0 3px #fff; }
.zm-label-ken span { font-size: 15px; font-weight: bold; color: #111; }
.zm-label-muni span { font-size: 11px; color: #444; }
.zm-pop table, .foliumtooltip table, .foliumpopup table { border-collapse: collapse; }
.zm-pop th, .foliumpopup th, .foliumtooltip th { text-align: left; padding: 1px 8px 1px 0; color: #555;
  font-weight: normal; white-space: nowrap; vertical-align: top; }
.zm-pop td, .foliumpopup td { padding: 1px 0; }
.leaflet-tooltip, .leaflet-popup-content { font-size: 12.5px; }
.zm-pop { font-size: 12.5px; }
.zm-pop b { font-size: 14px; display: block; margin-bottom: 3px; }
"""

# helpers shared by the layer scripts (everything shown is escaped: names come from imported files)
HELPER_JS = """
var zm = {
  esc: function (s) {
    return String(s === null || s === undefined ? '' : s).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  },
  table: function (pairs) {
    var h = '<table>';
    pairs.forEach(function (p) {
      if (p[1] !== '' && p[1] !== null && p[1] !== undefined) {
        h += '<tr><th>' + zm.esc(p[0]) + '</th><td>' + zm.esc(p[1]) + '</td></tr>';
      }
    });
    return h + '</table>';
  },
  facilities: function (group, d) {
    // d: {label, color, radius, heads, rows: [lat, lon, name, subtype, address, muni, ken, roles, functions,
    //     precision, source]}; subtype, muni, ken, precision and source are indexes into zm.strings
    var H = d.heads;
    d.rows.forEach(function (r) {
      [3, 5, 6, 9, 10].forEach(function (i) { r[i] = zm.strings[r[i]]; });
      var role = r[7] !== '';
      var approx = r[11] === 1;  // position only to 町字 / municipality: hollow, in the category colour
      var m = L.circleMarker([r[0], r[1]], {radius: d.radius + (role ? 1 : 0), color: approx ? d.color : '#000',
        weight: role ? 2.4 : (approx ? 2 : 0.8), fillColor: approx ? '#fff' : d.color, fillOpacity: 0.9});
      m.bindTooltip(zm.esc(r[2]) + '<br><span style="color:#666">' + zm.esc(d.label) + '</span>');
      m.bindPopup(function () {
        return '<div class="zm-pop"><b>' + zm.esc(r[2]) + '</b>' + zm.table([
          [H.category, d.label], [H.subtype, r[3]], [H.address, r[4]], [H.muni_name, r[5]],
          [H.ken_name, r[6]], [H.roles, r[7]], [H.functions, r[8]], [H.precision, r[9]], [H.source, r[10]]
        ]) + '</div>';
      }, {maxWidth: 360});
      m.addTo(group);
    });
  },
  gaps: function (group, d) {
    // d: {label, color, radius, opacity, heads, rows: [lat, lon, population or null, minutes or null]}
    d.rows.forEach(function (r) {
      var m = L.circleMarker([r[0], r[1]], {radius: d.radius, stroke: false, fillColor: d.color, fillOpacity: d.opacity});
      m.bindTooltip(function () {
        return '<div class="zm-pop"><b>' + zm.esc(d.label) + '</b>' + zm.table([
          [d.heads.pop, r[2] === null ? '' : r[2].toLocaleString('ja-JP') + '人'],
          [d.heads.minutes, r[3] === null ? d.heads.beyond : r[3] + '分']]) + '</div>';
      });
      m.addTo(group);
    });
  },
  labels: function (group, cls, rows) {
    rows.forEach(function (r) {
      L.marker([r[0], r[1]], {interactive: false, keyboard: false,
        icon: L.divIcon({className: 'zm-label ' + cls, html: '<span>' + zm.esc(r[2]) + '</span>', iconSize: [0, 0]})
      }).addTo(group);
    });
  },
  panel: function (map, position, cls, html) {
    var c = L.control({position: position});
    c.onAdd = function () {
      var div = L.DomUtil.create('div', 'zm-panel ' + cls);
      div.innerHTML = html;
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    c.addTo(map);
    return c;
  }
};
"""


def _pop(v: Any) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return "－"
    return "－" if math.isnan(f) else f"{f:,.0f}人"


def leaflet_assets() -> tuple[str, str]:
    """(leaflet.js, leaflet.css) of the vendored Leaflet, the CSS images turned into data URIs."""
    base = resource_path("ui", "vendor", "leaflet")
    try:
        js = (base / "leaflet.js").read_text(encoding="utf-8")
        css = (base / "leaflet.css").read_text(encoding="utf-8")
    except OSError as exc:
        raise ExportError(
            f"vendored Leaflet not found: {exc}",
            file=base,
            hint="インストールが不完全です。zaitaku-map を入れ直してください",
        ) from exc

    def data_uri(m: re.Match[str]) -> str:
        p = base / m.group(1)
        if not p.is_file():
            return m.group(0)
        return f"url(data:image/png;base64,{base64.b64encode(p.read_bytes()).decode('ascii')})"

    css = re.sub(r"url\((images/[\w.-]+\.png)\)", data_uri, css)
    # inline <script>/<style>: a literal closing tag would end the element early
    return js.replace("</script", "<\\/script"), css.replace("</style", "<\\/style")


def _features(gdf: Any, props: list[dict[str, Any]]) -> dict[str, Any]:
    """FeatureCollection of the non-empty geometries of ``gdf`` (rounded) with ``props`` per row."""
    return feature_collection(gdf.geometry.values, props, ndigits=NDIGITS, with_ids=True)


def label_point(geom: Any) -> tuple[float, float] | None:
    """(lat, lon) deep inside the largest part of a polygon (for the name label)."""
    if geom is None or geom.is_empty:
        return None
    parts = [p for p in getattr(geom, "geoms", [geom]) if p.geom_type == "Polygon"]
    if not parts:
        return None
    main = max(parts, key=lambda p: p.area)
    try:
        pt = polylabel(main, tolerance=max(math.sqrt(main.area) / 50, 1e-4))
    except (shapely.errors.GEOSException, ValueError):  # degenerate rings: any interior point will do
        pt = main.representative_point()
    return round(pt.y, NDIGITS), round(pt.x, NDIGITS)


def _year_aliases(data: ExportData) -> dict[str, str]:
    """Popup fields of the projection year (none without one)."""
    if data.year is None:
        return {}
    y = data.year.year
    return {
        "demand_year": EXPORT_COLUMNS["demand_at_year"].format(year=y),
        "pop75_year": EXPORT_COLUMNS["pop75_at_year"].format(year=y),
    }


def _year_props(data: ExportData, row: Any) -> dict[str, str]:
    if data.year is None:
        return {}
    demand, pop75 = row.get("demand_year"), row.get("pop75_year")
    return {
        "demand_year": "－" if demand is None or not np.isfinite(demand) else f"{demand:,.1f}",
        "pop75_year": _pop(pop75),
    }


def _scenario_layer(data: ExportData) -> tuple[folium.FeatureGroup, dict[str, int]] | None:
    """A scenario's hypothetical facilities (magenta, labelled 仮想) and changed real ones; ``None``
    without a scenario.  Returns the layer and the marks drawn by kind."""
    sc = data.scenario
    if sc is None:
        return None
    name = f"{EXPORT_TEXT['scenario']}「{_e(sc.name)}」"
    group = folium.FeatureGroup(name=f'<span style="color:{SITE_COLOR}">★</span> {name}', show=True)
    drawn = {"site": 0, "gains": 0, "moved": 0, "closed": 0}
    for _i, r in sc.sites.iterrows():
        tip = (
            SCENARIO_DOC_TEXT["site_label"].format(label=r["label"]) + f"（{category_label(r['category'])}）"
        )
        folium.CircleMarker(
            [r.geometry.y, r.geometry.x],
            radius=8,
            color="#ffffff",
            weight=2,
            fill_color=SITE_COLOR,
            fill_opacity=0.95,
            tooltip=_e(tip + "・" + EXPORT_TEXT["scenario_site"]),
        ).add_to(group)
        drawn["site"] += 1
    for _i, r in sc.changed.iterrows():
        kind = str(r["change"]) if str(r["change"]) in drawn else "moved"
        closed = kind == "closed"
        folium.CircleMarker(
            [r.geometry.y, r.geometry.x],
            radius=9,
            color="#222222" if closed else SITE_COLOR,
            weight=3,
            dash_array="3 3" if closed else None,
            fill=False,
            tooltip=_e(f"{EXPORT_TEXT['scenario_' + kind]}: {r['name']}"),
        ).add_to(group)
        drawn[kind] += 1
    return group, drawn


def _tooltip(lines: list[str]) -> str:
    """Lines as the HTML of a folium tooltip: folium puts it inside a JavaScript template literal, so
    besides HTML escaping, backquote, ``$`` and backslash become character references."""
    text = "<br>".join(_e(t) for t in lines)
    return text.replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")


PARTNER_LEGEND = (("r12", "legend_r12"), ("r3", "legend_r3"), ("both", "legend_both"), ("flagged", "flagged"))


def _partner_layer(lists: PartnerLists) -> tuple[folium.FeatureGroup, dict[str, int]] | None:
    """Each care facility's first (1)(2) and first (3) 協力医療機関 candidate as a line coloured by what it
    can meet, and the care facilities without a candidate as red ▼ (tooltips: the names, minutes and
    basis; the reasons).  ``None`` when there is nothing to draw.  Returns the layer and the marks by kind."""
    links = link_features(lists)["features"]
    flagged = flagged_features(lists)["features"]
    if not links and not flagged:
        return None
    label = PARTNERS_GUI_TEXT["links"].format(minutes=lists.minutes)
    group = folium.FeatureGroup(
        name=f'<span style="color:{KIND_COLORS["r12"]}">―</span> {_e(label)}', show=True
    )
    drawn = {"r12": 0, "r3": 0, "both": 0, "flagged": 0}
    for feat in links:
        props = feat["properties"]
        (lon0, lat0), (lon1, lat1) = feat["geometry"]["coordinates"]
        folium.PolyLine(  # type: ignore[no-untyped-call]  # folium's PolyLine.__init__ is not annotated
            [[lat0, lon0], [lat1, lon1]],
            color=KIND_COLORS[props["kind"]],
            weight=2.5,
            opacity=0.85,
            tooltip=_tooltip(props["_tip"]),
        ).add_to(group)
        drawn[props["kind"]] += 1
    for feat in flagged:
        lon, lat = feat["geometry"]["coordinates"]
        folium.Marker(
            [lat, lon],
            icon=folium.DivIcon(
                html=f'<div class="zm-flag" style="color:{FLAG_COLOR}">▼</div>',
                icon_size=(22, 22),
                icon_anchor=(11, 13),
                class_name="zm-flag-icon",
            ),
            tooltip=_tooltip(feat["properties"]["_tip"]),
        ).add_to(group)
        drawn["flagged"] += 1
    return group, drawn


def _partner_legend(drawn: dict[str, int]) -> list[str]:
    rows = []
    for kind, key in PARTNER_LEGEND:
        if not drawn.get(kind):
            continue
        mark = (
            f'<span class="zm-line" style="border-top:3px solid {KIND_COLORS[kind]}"></span>'
            if kind != "flagged"
            else f'<span class="zm-flag" style="color:{FLAG_COLOR};display:inline-block;width:22px">▼</span>'
        )
        rows.append(f'<div class="zm-row">{mark}{_e(PARTNERS_GUI_TEXT[key])}（{drawn[kind]}）</div>')
    return rows


def _ken_layer(data: ExportData, coverage: Coverage | None) -> Any:
    """圏域 fills and boundaries (tooltip: name; popup: municipalities, population, facilities)."""
    fac = data.facilities
    counts = fac.groupby(["ken_key", "category"]).size() if len(fac) else pd.Series(dtype=int)
    props = []
    for _, r in data.kens.iterrows():
        per = []
        for cat in data.categories_present():
            n = int(counts.get((r["ken_key"], cat), 0)) if len(counts) else 0
            if n:
                per.append(f"{category_label(cat, short=True)} {n}")
        props.append(
            {
                "name": _e(r["name"]),
                "color": r["color"],
                "units": _e(r["units"]),
                "n_units": f"{r['n_units']}",
                "pop_total": _pop(r.get("pop_total")),
                "pop_75": _pop(r.get("pop_75")),
                "facilities": _e("・".join(per) or "なし"),
                **_year_props(data, r),
            }
        )
    fill = 0.45 if coverage is not None else 0.6
    return folium.GeoJson(
        _features(data.kens, props),
        name=EXPORT_TEXT["ken"],
        style_function=lambda f: {
            "fillColor": f["properties"]["color"],
            "fillOpacity": fill,
            "color": KEN_EDGE,
            "weight": 2.6,
            "opacity": 0.9,
        },
        highlight_function=lambda f: {"weight": 4, "fillOpacity": min(fill + 0.2, 0.9)},
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False, sticky=True),
        popup=folium.GeoJsonPopup(
            fields=["name", "units", "n_units", "pop_total", "pop_75", "facilities", *_year_aliases(data)],
            aliases=[
                EXPORT_COLUMNS["ken_name"],
                EXPORT_COLUMNS["units"],
                EXPORT_COLUMNS["n_units"],
                EXPORT_COLUMNS["pop_total"],
                EXPORT_COLUMNS["pop_75"],
                EXPORT_TEXT["facilities"],
                *_year_aliases(data).values(),
            ],
            max_width=380,
        ),
        control=False,
    )


class _Script(MacroElement):
    """A folium element writing ``code`` verbatim into the page's script (after its parent's own script)."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")

    def __init__(self, code: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca's MacroElement.__init__ is not annotated
        self._name = "ZmScript"
        self.code = code


def _legend_html(
    data: ExportData,
    coverage: Coverage | None,
    fac_counts: dict[str, int],
    has_roles: bool,
    *,
    approximate: int = 0,
    scenario: dict[str, int] | None = None,
    partners: dict[str, int] | None = None,
    also_shown: frozenset[str] = frozenset(),
) -> str:
    rows: list[str] = [f"<h2>{_e(EXPORT_TEXT['legend'])}</h2>"]
    if len(data.kens) <= 16:
        for name, color in zip(data.kens["name"], data.kens["color"], strict=True):
            rows.append(
                f'<div class="zm-row"><span class="zm-sw" style="background:{_e(color)}"></span>{_e(name)}</div>'
            )
    rows.append(
        f'<div class="zm-row"><span class="zm-line" style="border-top:3px solid {KEN_EDGE}"></span>'
        f"{_e(EXPORT_TEXT['ken_boundary'])}</div>"
    )
    rows.append(
        f'<div class="zm-row"><span class="zm-line" style="border-top:1px solid {MUNI_EDGE}"></span>'
        f"{_e(EXPORT_TEXT['muni_boundary'])}</div>"
    )
    if data.munis["ken_key"].isna().any():
        rows.append(
            f'<div class="zm-row"><span class="zm-sw" style="background:{OUTSIDE_FILL}"></span>'
            f"{_e(EXPORT_TEXT['outside'])}・{_e(EXPORT_TEXT['unassigned'])}</div>"
        )
    if coverage is not None:
        if coverage.bands is not None and len(coverage.bands):
            mins = sorted(float(b) for b in coverage.bands["band_min"])
            for i, b in enumerate(mins):
                color = BAND_COLORS[min(i, len(BAND_COLORS) - 1)]
                rows.append(
                    f'<div class="zm-row"><span class="zm-sw" style="background:{color};opacity:.6;'
                    f'border-color:transparent"></span>{_e(EXPORT_TEXT["coverage_band"].format(minutes=f"{b:g}"))}</div>'
                )
        if coverage.gaps is not None and len(coverage.gaps):
            rows.append(
                f'<div class="zm-row"><span class="zm-dot" style="background:{GAP_COLOR};border:none;'
                f'width:6px;height:6px;margin:0 10px 0 4px"></span>'
                f"{_e(EXPORT_TEXT['gap'].format(minutes=f'{coverage.minutes:g}'))}</div>"
            )
    shown = data.request.map_category_set
    for cat, n in fac_counts.items():
        c = CATEGORIES.get(cat, CATEGORIES["other"])
        off = (
            ""
            if shown is None or cat in shown or cat in also_shown
            else f'<span class="zm-off">{_e(EXPORT_TEXT["layer_off"])}</span>'
        )
        rows.append(
            f'<div class="zm-row"><span class="zm-dot" style="background:{c.color}"></span>'
            f"{_e(category_label(cat))}（{n}）{off}</div>"
        )
    if approximate:
        rows.append(
            f'<div class="zm-row"><span class="zm-dot" style="background:#fff;border:2px solid #555"></span>'
            f"{_e(EXPORT_TEXT['approximate'])}（{approximate}）</div>"
        )
    if has_roles:
        rows.append(
            f'<div class="zm-row"><span class="zm-dot" style="background:#fff;border:2.4px solid #000"></span>'
            f"太枠: {_e(ROLE_SHORT['active_role'])}・{_e(ROLE_SHORT['hub'])}</div>"
        )
    for kind, n in (scenario or {}).items():
        if not n:
            continue
        style = (
            f"background:{SITE_COLOR};border:2px solid #fff"
            if kind == "site"
            else f"background:#fff;border:3px {'dashed #222' if kind == 'closed' else 'solid ' + SITE_COLOR}"
        )
        rows.append(
            f'<div class="zm-row"><span class="zm-dot" style="{style}"></span>'
            f"{_e(EXPORT_TEXT['scenario_' + kind])}（{n}）</div>"
        )
    rows.extend(_partner_legend(partners or {}))
    return "".join(rows)


def _info_html(data: ExportData, coverage: Coverage | None) -> str:
    parts = ["<details><summary>出典・注記（クリックで表示）</summary>"]
    notes = data.option_meta.get("notes")
    if notes:
        parts.append(f"<h3>{_e(EXPORT_TEXT['option'])}の説明</h3><p>{_e(notes)}</p>")
    for head, lines in info_lines(data, coverage, hidden_note=False):
        parts.append(f"<h3>{_e(head)}</h3>" + "".join(f"<p>{_e(line)}</p>" for line in lines))
    footer = EXPORT_TEXT["footer"].format(version=data.version, date=data.created)
    if data.project_name:
        footer += f"　プロジェクト: {data.project_name}"
    parts.append(
        f"<h3>操作</h3><p>施設の点や圏域をクリックすると詳しい情報を表示します。右上で表示する層を選べます。</p>"
        f'<p style="color:#666;margin-top:6px">{_e(footer)}</p></details>'
    )
    return "".join(parts)


def _title_html(data: ExportData, coverage: Coverage | None) -> str:
    title = data.request.title
    demo = f'<span class="zm-demo">{_e(EXPORT_TEXT["demo_banner"])}</span>' if data.is_demo else ""
    sub = f"{EXPORT_TEXT['option']}: {data.title_name}　{EXPORT_TEXT['created']}: {data.created}"
    if data.request.subtitle:
        sub = f"{data.request.subtitle}　{sub}"
    if coverage is not None:
        sub += f"　{EXPORT_TEXT['coverage']}: {coverage_label(coverage.category)} {coverage.minutes:g}分"
    if data.year is not None:
        sub += f"　{EXPORT_TEXT['year']}: {EXPORT_TEXT['year_value'].format(year=data.year.year)}"
    dates = sorted(
        {
            str(s["reference_date"])
            for s in data.sources
            if s.get("kind") == "facilities" and s.get("reference_date")
        }
    )
    if dates:
        sub += f"　施設データ: {EXPORT_TEXT['as_of'].format(date='・'.join(dates))}"
    return f'<h1>{_e(title or EXPORT_TEXT["map_title"])}{demo}</h1><div class="zm-sub">{_e(sub)}</div>'


def _new_map(data: ExportData) -> tuple[folium.Map, Figure]:
    """A tile-less folium map over the option with only the inlined Leaflet, the CSP and our CSS."""
    minx, miny, maxx, maxy = (float(v) for v in data.kens.total_bounds)
    m = folium.Map(
        location=[round((miny + maxy) / 2, NDIGITS), round((minx + maxx) / 2, NDIGITS)],
        tiles=None,
        zoom_start=9,
        prefer_canvas=True,
        control_scale=False,
        zoom_snap=0.25,
        zoom_delta=0.5,
    )
    # only Leaflet, and inline (below): no CDN links at all
    m.default_js = []
    m.default_css = []
    root = cast(Figure, m.get_root())  # folium.Map places itself in a branca Figure (get_root() says Element)
    root.title = _e(f"{data.request.title or EXPORT_TEXT['map_title']} {data.title_name}")
    leaflet_js, leaflet_css = leaflet_assets()
    root.header.add_child(
        Element(f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'), name="zm_csp"
    )
    root.header.add_child(Element(f"<style>{leaflet_css}</style>"), name="leaflet_css")
    root.header.add_child(
        Element(f"<style>{PAGE_CSS % {'font': FONT_STACK, 'bg': BACKGROUND}}</style>"), name="zm_css"
    )
    root.header.add_child(Element(f"<script>{leaflet_js}</script>"), name="leaflet")
    root.header.add_child(Element(f"<script>{HELPER_JS}</script>"), name="zm_helpers")
    pad = max(maxx - minx, maxy - miny) * 0.03
    m.fit_bounds(
        [
            [round(v, NDIGITS) for v in (miny - pad, minx - pad)],
            [round(v, NDIGITS) for v in (maxy + pad, maxx + pad)],
        ]
    )
    return m, root


def _muni_layer(data: ExportData) -> folium.FeatureGroup:
    """Municipalities: outside/unassigned grey fill, then all boundaries (thin, not interactive)."""
    munis = data.munis
    outside = munis[munis["ken_key"].isna()]
    group = folium.FeatureGroup(name=EXPORT_TEXT["muni_boundary"], show=data.request.shows("municipalities"))
    if len(outside):
        folium.GeoJson(
            _features(
                outside,
                [
                    {"name": _e(n), "note": _e(f"{EXPORT_TEXT['outside']}・{EXPORT_TEXT['unassigned']}")}
                    for n in outside["full_name"]
                ],
            ),
            style_function=lambda f: {"fillColor": OUTSIDE_FILL, "fillOpacity": 1, "stroke": False},
            tooltip=folium.GeoJsonTooltip(fields=["name", "note"], labels=False, sticky=True),
            control=False,
        ).add_to(group)
    folium.GeoJson(
        _features(munis, [{} for _ in range(len(munis))]),
        style_function=lambda f: {"fill": False, "color": MUNI_EDGE, "weight": 1, "opacity": 0.9},
        interactive=False,
        control=False,
    ).add_to(group)
    return group


def _band_layer(bands: gpd.GeoDataFrame, coverage: Coverage) -> folium.FeatureGroup:
    """Coverage bands, largest first so the nearer bands paint darker on top."""
    bands = bands.sort_values("band_min", ascending=False).reset_index(drop=True)
    # grid-derived outlines: drop vertices far below the grid cell (≈20 m)
    bands = bands.set_geometry(shapely.simplify(np.asarray(bands.geometry.values), BAND_SIMPLIFY_DEG))
    group = folium.FeatureGroup(name=f"{EXPORT_TEXT['coverage']}（{coverage_label(coverage.category)}）")
    n = len(bands)
    for i in range(n):
        color = BAND_COLORS[min(n - 1 - i, len(BAND_COLORS) - 1)]
        folium.GeoJson(
            _features(bands.iloc[[i]], [{}]),
            style_function=lambda f, c=color: {"fillColor": c, "fillOpacity": 0.28, "stroke": False},
            interactive=False,
            control=False,
        ).add_to(group)
    return group


def _gap_layer(g: gpd.GeoDataFrame, coverage: Coverage) -> tuple[folium.FeatureGroup, int]:
    """People outside coverage as small dots with their population and time (tooltip)."""
    pops = g["pop_total"] if "pop_total" in g else pd.Series(np.nan, index=g.index)
    mins = g["minutes"] if "minutes" in g else pd.Series(np.nan, index=g.index)
    rows = [
        [
            round(float(la), NDIGITS),
            round(float(lo), NDIGITS),
            round(p) if np.isfinite(p) else None,
            round(t, 1) if np.isfinite(t) else None,
        ]
        for lo, la, p, t in zip(
            g.geometry.x, g.geometry.y, pops.astype(float), mins.astype(float), strict=True
        )
    ]
    # dense gap layers (mesh points) become a light stipple rather than a wall of dots (as in the PDF)
    dense = float(np.clip(math.sqrt(300 / len(rows)), 0.25, 1.0)) if rows else 1.0
    limit = getattr(coverage.params, "max_minutes", None)  # times are searched up to this limit only
    beyond = f"{float(limit):g}分超" if isinstance(limit, int | float) else "－"
    label = EXPORT_TEXT["gap"].format(minutes=f"{coverage.minutes:g}")
    group = folium.FeatureGroup(name=label)
    spec = {
        "label": label,
        "color": GAP_COLOR,
        "radius": round(1.2 + 1.8 * dense, 1),
        "opacity": round(0.3 + 0.4 * dense, 2),
        "heads": {"pop": "人口", "minutes": "最寄りの施設まで", "beyond": beyond},
        "rows": rows,
    }
    _Script(f"zm.gaps({group.get_name()}, {script_json(spec)});").add_to(group)
    return group, len(rows)


_FACILITY_HEADS = (
    "category",
    "subtype",
    "address",
    "muni_name",
    "ken_name",
    "roles",
    "functions",
    "precision",
    "source",
)


def _facility_layers(
    m: folium.Map, data: ExportData, fac: pd.DataFrame, *, also_shown: frozenset[str] = frozenset()
) -> dict[str, int]:
    """One layer of circle markers per category (approximate positions hollow); the categories a
    printed map would not draw (:attr:`ExportRequest.map_category_set`) are switched off in the
    layer list.  Returns markers per category."""
    shown = data.request.map_category_set
    shrink = float(np.clip(math.sqrt(400 / max(len(fac), 1)), 0.55, 1.0))
    heads = {k: EXPORT_COLUMNS[k] for k in _FACILITY_HEADS}
    counts: dict[str, int] = {}
    strings: dict[str, int] = {}  # repeated texts (municipality, 圏域, source …) stored once

    def intern(text: str) -> int:
        return strings.setdefault(text, len(strings))

    strings_script = _Script("")  # filled below, once every facility row is known
    strings_script.add_to(m)
    names = data.ken_names()
    for cat in data.categories_present():
        sel = fac[fac["category"] == cat]
        if not len(sel):
            continue
        c = CATEGORIES.get(cat, CATEGORIES["other"])
        rows = []
        for r in sel.itertuples(index=False):
            key = r.ken_key
            ken = EXPORT_TEXT["outside"] if not isinstance(key, str) else data.ken_name(key, names)
            src = _text(r.source) + (
                f"（{EXPORT_TEXT['as_of'].format(date=r.reference_date)}）" if r.reference_date else ""
            )
            rows.append(
                [
                    round(float(r.lat), NDIGITS),
                    round(float(r.lon), NDIGITS),
                    _text(r.name),
                    intern(_text(r.subtype)),
                    _text(r.address),
                    intern(_text(r.muni_name)),
                    intern(ken),
                    _text(r.roles),
                    _text(r.functions),
                    intern(_text(r.precision)),
                    intern(src),
                    1 if r.approximate else 0,
                ]
            )
        counts[cat] = len(rows)
        label = category_label(cat)
        group = folium.FeatureGroup(
            name=f'<span style="color:{c.color}">●</span> {_e(label)}（{len(rows)}）',
            show=shown is None or cat in shown or cat in also_shown,
        )
        spec = {
            "label": label,
            "color": c.color,
            "radius": round(6 * shrink, 1),
            "heads": heads,
            "rows": rows,
        }
        _Script(f"zm.facilities({group.get_name()}, {script_json(spec)});").add_to(group)
        group.add_to(m)
    strings_script.code = f"zm.strings = {script_json(list(strings))};"
    return counts


def _label_layers(data: ExportData) -> list[folium.FeatureGroup]:
    """Names: 圏域 always, municipalities on demand (shown when few)."""
    kens = data.kens
    ken_labels = [
        [*p, str(n)]
        for n, geom in zip(kens["name"], kens.geometry, strict=True)
        if (p := label_point(geom)) is not None
    ]
    lab_group = folium.FeatureGroup(name=f"{EXPORT_TEXT['ken']}名", show=True)
    _Script(f"zm.labels({lab_group.get_name()}, 'zm-label-ken', {script_json(ken_labels)});").add_to(
        lab_group
    )
    inside = data.munis[data.munis["ken_key"].notna()]
    muni_labels = [
        [*p, str(n)]
        for n, geom in zip(inside["name"], inside.geometry, strict=True)
        if (p := label_point(geom)) is not None
    ]
    show = len(muni_labels) <= 40 and data.request.shows("muni_labels")
    mlab_group = folium.FeatureGroup(name="市区町村名", show=show)
    _Script(f"zm.labels({mlab_group.get_name()}, 'zm-label-muni', {script_json(muni_labels)});").add_to(
        mlab_group
    )
    return [lab_group, mlab_group]


def _panels(mapname: str, data: ExportData, coverage: Coverage | None, legend: str) -> str:
    """Script of the scale, title, legend and information panels (and the demo watermark)."""
    panels = (
        f"window.zmMap = {mapname};"
        f"L.control.scale({{imperial: false, position: 'bottomleft'}}).addTo({mapname});"
        f"zm.panel({mapname}, 'topleft', 'zm-title', {script_json(_title_html(data, coverage))});"
        f"zm.panel({mapname}, 'bottomright', 'zm-legend', {script_json(legend)});"
        f"zm.panel({mapname}, 'bottomleft', 'zm-info', {script_json(_info_html(data, coverage))});"
    )
    if data.is_demo:
        panels += (
            f"(function(){{var w = L.DomUtil.create('div', 'zm-watermark', {mapname}.getContainer());"
            f"w.textContent = {script_json(EXPORT_TEXT['demo_watermark'])};"
            # the watermark sits above the map pane: keep popups readable
            f"{mapname}.on('popupopen', function () {{ w.style.display = 'none'; }});"
            f"{mapname}.on('popupclose', function () {{ w.style.display = ''; }});}})();"
        )
    return panels


def build_html_map(
    data: ExportData, *, coverage: Coverage | None = None, partners: PartnerLists | None = None
) -> tuple[str, dict[str, Any]]:
    """Render the page of ``data.request`` (the layers it shows; ``partners``: the 協力医療機関 lists
    drawn when the request shows ``partners``); returns (html text, facts)."""
    req = data.request
    m, root = _new_map(data)
    _muni_layer(data).add_to(m)
    if coverage is not None and req.shows("coverage") and coverage.bands is not None and len(coverage.bands):
        _band_layer(coverage.bands, coverage).add_to(m)
    ken_group = folium.FeatureGroup(name=EXPORT_TEXT["ken"], show=req.shows("kens"))
    _ken_layer(data, coverage).add_to(ken_group)
    ken_group.add_to(m)
    n_gaps = 0
    if coverage is not None and req.shows("gaps") and coverage.gaps is not None and len(coverage.gaps):
        gap_group, n_gaps = _gap_layer(coverage.gaps, coverage)
        gap_group.add_to(m)
    every = data.shown_facilities(every_category=True)
    fac = every[every["placed"]] if req.shows("facilities") else data.facilities.iloc[:0]
    partner = _partner_layer(partners) if partners is not None and req.shows("partners") else None
    # the partner lines run from care facilities to (among others) hospitals: their layers are switched on
    # with them (lines under the markers)
    also_shown = frozenset({"care_facility", "hospital"}) if partner is not None else frozenset()
    if partner is not None:
        partner[0].add_to(m)
    fac_counts = _facility_layers(m, data, fac, also_shown=also_shown)
    scenario = _scenario_layer(data) if req.shows("facilities") else None
    if scenario is not None:
        scenario[0].add_to(m)
    for group in _label_layers(data):
        group.add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    has_roles = bool((fac["roles"] != "").any()) if len(fac) else False
    legend = _legend_html(
        data,
        coverage,
        fac_counts,
        has_roles,
        approximate=int(fac["approximate"].sum()),
        scenario=None if scenario is None else scenario[1],
        partners=None if partner is None else partner[1],
        also_shown=also_shown,
    )
    _Script(_panels(m.get_name(), data, coverage, legend)).add_to(m)
    listed = every["ken_key"].notna() | every["ken_unknown"]
    facts = {
        "markers": int(sum(fac_counts.values())),
        "facilities_unplaced": int((~every["placed"] & listed).sum()),
        "gap_points": n_gaps,
        "categories": fac_counts,
        "scenario": {} if scenario is None else scenario[1],
        "partners": {} if partner is None else partner[1],
    }
    return root.render(), facts


def export_html_map(
    project: Project,
    request: ExportRequest,
    path: str | Path,
    *,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Write the map of ``request.option`` as one self-contained, offline HTML file.

    Returns
    -------
    ExportResult
        ``counts``: kens, municipalities, facilities per category, markers on the map, unplaced;
        ``details``: bytes, and the coverage shown (category, parameters, bands, gap points).
    """
    timer = Timer()
    prog = Progress.of(progress, cancel)
    prog.update(0.05, "データを読み込み中")
    data = load_export_data(project, request)
    prog.update(0.3, "到達圏")
    cov = load_coverage(project, request, facilities=data.facility_set)
    lists = None
    if request.shows("partners"):  # the care facilities' 協力医療機関 candidates (off by default)
        prog.update(0.4, "協力医療機関の候補")
        lists = partner_lists(project, cancel=cancel)
    prog.update(0.5, "地図を作成中")
    page, facts = build_html_map(data, coverage=cov, partners=lists)
    prog.update(0.85, "HTML を書き出し中")
    with output_file(path, what="HTML") as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(page)
    prog.update(1.0, "完了", force=True)
    details: dict[str, Any] = {"bytes": Path(path).stat().st_size}
    if cov is not None:
        details["coverage"] = coverage_facts(cov, facts["gap_points"])
    counts = map_counts(data)
    if facts["partners"]:
        details["partners"] = {"minutes": lists.minutes if lists else None, **facts["partners"]}
        # the care facilities and hospitals are switched on with the partner lines
        counts["categories_hidden"] = {
            k: v for k, v in counts["categories_hidden"].items() if k not in ("care_facility", "hospital")
        }
    return ExportResult(
        kind="html",
        path=str(path),
        seconds=timer.seconds(),
        counts={
            **counts,
            "facilities": facts["categories"],  # every category is a layer (some switched off)
            "markers": facts["markers"],
            "facilities_unplaced": facts["facilities_unplaced"],
        },
        details=details,
    )
