"""Generic map layers: any GeoJSON with a style, a legend and a row in the layers panel.

A feature module draws its own layer with :meth:`Workbench.show_map_layer`::

    wb.show_map_layer(MapLayer(
        id="partners:links", group="analysis", label="連携（協定）", geojson=fc,
        style=LayerStyle(color="#6a1b9a", weight=2.0, dash="6 4"),
        legend=(LegendEntry("協定による連携", color="#6a1b9a", shape="line"),),
    ))

Per-feature overrides go into the feature's properties: ``_style`` (the same keys as
:class:`LayerStyle`'s JS form, e.g. ``{"fillColor": "#d7301f"}`` for a choropleth class),
``_tip`` (list of lines: the first is the title), ``_id`` (reported by
``map.bridge.feature_clicked(layer_id, feature_id)`` when the layer is ``interactive``; a point
of a ``draggable`` layer with an ``_id`` can be dragged, and its drop is reported by
``map.bridge.feature_moved(layer_id, feature_id, lon, lat)``) and, on a point, ``_label`` (a text always shown on the map there instead of a symbol, e.g. a value under a
圏域 name).
User text reaches the page only as text (``textContent``), never as HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Placement = Literal["base", "overlay", "top"]
LegendShape = Literal["swatch", "line", "o", "s", "^", "v", "D", "*", "h", "P", "x"]


@dataclass(frozen=True)
class LayerStyle:
    """How the features of a layer are drawn (Leaflet path options; points as symbols)."""

    color: str = "#333333"  # outline / line colour
    weight: float = 1.0
    opacity: float = 1.0
    fill_color: str | None = None  # None: no fill for polygons; the colour for points
    fill_opacity: float = 0.5
    dash: str | None = None  # e.g. "6 4"
    radius: float = 5.0  # points
    shape: str = "o"  # points: o s ^ v D * h P x .

    def to_js(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "color": self.color,
            "weight": self.weight,
            "opacity": self.opacity,
            "fill": self.fill_color is not None,
            "fillColor": self.fill_color or self.color,
            "fillOpacity": self.fill_opacity,
            "radius": self.radius,
            "shape": self.shape,
        }
        if self.dash:
            out["dashArray"] = self.dash
        return out


@dataclass(frozen=True)
class LegendEntry:
    """One legend row: a swatch, a line or a point symbol, and its text."""

    label: str
    color: str
    shape: LegendShape = "swatch"
    opacity: float = 1.0

    def to_js(self) -> dict[str, Any]:
        return {"label": self.label, "color": self.color, "shape": self.shape, "opacity": self.opacity}


@dataclass(frozen=True)
class MapLayer:
    """A layer drawn on the map, listed in the layers panel and, when visible, in the legend.

    ``placement``: ``base`` just above the municipalities (under 圏域 outlines and facilities:
    roads, town points, choropleths), ``overlay`` on top of what is there when it is added,
    ``top`` above everything.
    """

    id: str  # unique, e.g. "demand:peak" (the prefixes fac: band: gap: area: are the window's own)
    group: str  # a key of labels.GUI_LAYER_GROUPS
    label: str
    geojson: dict[str, Any]
    style: LayerStyle = field(default_factory=LayerStyle)
    legend: tuple[LegendEntry, ...] = ()
    legend_title: str = ""
    visible: bool = True
    placement: Placement = "overlay"
    interactive: bool = False
    draggable: bool = False  # points with an ``_id`` follow the mouse; the drop → bridge.feature_moved
    count: int | None = None  # shown in the layers panel (default: number of features)
    icon_color: str | None = None  # layers-panel symbol colour (default: the style's)
    icon_shape: str = "s"

    def options_js(self) -> dict[str, Any]:
        return {
            "placement": self.placement,
            "interactive": self.interactive,
            "draggable": self.draggable,
            "legendTitle": self.legend_title,
            "legend": [e.to_js() for e in self.legend],
        }
