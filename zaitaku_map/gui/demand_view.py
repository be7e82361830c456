"""「将来の需要」: a year selector on the toolbar, a panel with each 圏域's demand, and demand maps.

The year lives in the shared state (``wb.state.year``; meeting mode reads the same): choosing 2040
repaints the panel's values, the map's colours and the labels on the map at once.  The figures come
from :mod:`zaitaku_map.demand` (computed when the project, the option or the imported projections
change — not when only the year changes); the classes and colours from
:mod:`zaitaku_map.demand.choropleth`, as in the printed maps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from zaitaku_map.demand import load_params, option_demand
from zaitaku_map.demand.choropleth import MODES, Choropleth, Figures, choropleth, ken_figures, unit_figures
from zaitaku_map.demand.population import at_year
from zaitaku_map.demand.recut import OptionDemand
from zaitaku_map.errors import ZaitakuError
from zaitaku_map.gui.maplayers import LayerStyle, LegendEntry, MapLayer
from zaitaku_map.labels import DEMAND_GUI, DEMAND_KEYS, DEMAND_METHODS

if TYPE_CHECKING:
    from zaitaku_map.gui.workbench import Workbench
    from zaitaku_map.store import Project

YEARS = (2024, 2030, 2035, 2040, 2045, 2050)
MAP_LAYER = "demand:map"
LABEL_LAYER = "demand:labels"
RELOAD_KINDS = frozenset({"projections", "options", "assignments", "boundaries", "areas", "population"})


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:,.1f}"


class YearSelector(QComboBox):
    """「表示する年度」: 現在 (no projection) or a 年度 of the projections; bound to ``state.year``."""

    def __init__(self, wb: Workbench) -> None:
        super().__init__()
        self.state = wb.state
        self.setToolTip(DEMAND_GUI["year_tip"])
        self.addItem(DEMAND_GUI["year_now"], None)
        for y in YEARS:
            self.addItem(DEMAND_GUI["year_item"].format(year=y), y)
        self.currentIndexChanged.connect(self._chosen)
        self.state.year_changed.connect(self._show)

    def _chosen(self, index: int) -> None:
        self.state.set_year(self.itemData(index))

    def _show(self, year: int | None) -> None:
        i = self.findData(year)
        if i >= 0 and i != self.currentIndex():
            self.blockSignals(True)
            self.setCurrentIndex(i)
            self.blockSignals(False)


class DemandPanel(QWidget):
    """Demand of the current option's 圏域 in the chosen year, and the demand map."""

    COLUMNS = ("name", "year", "growth", "peak", "pop75")

    def __init__(self, wb: Workbench) -> None:
        super().__init__()
        self.wb = wb
        self.state = wb.state
        self.od: OptionDemand | None = None
        self.units: dict[str, Figures] = {}
        self.info = QLabel(DEMAND_GUI["no_project"])
        self.info.setWordWrap(True)
        self.mode = QComboBox()
        self.mode.addItem(DEMAND_GUI["mode_none"], None)
        for key in MODES:
            self.mode.addItem(DEMAND_GUI[f"mode_{key}"], key)
        self.unit = QComboBox()
        self.unit.addItem(DEMAND_GUI["unit_ken"], "ken")
        self.unit.addItem(DEMAND_GUI["unit_muni"], "muni")
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        row = QHBoxLayout()
        row.addWidget(QLabel(DEMAND_GUI["year_label"]))
        row.addWidget(YearSelector(wb))
        row.addWidget(QLabel(DEMAND_GUI["map_label"]))
        row.addWidget(self.mode, 1)
        row.addWidget(self.unit)
        lay = QVBoxLayout(self)
        lay.addWidget(self.info)
        lay.addLayout(row)
        lay.addWidget(self.table, 1)
        self.mode.currentIndexChanged.connect(lambda _i: self.repaint_all())
        self.unit.currentIndexChanged.connect(lambda _i: self.repaint_all())
        self.state.project_changed.connect(self.reload)
        self.state.view_loaded.connect(self.reload)
        self.state.option_changed.connect(lambda _o: self.reload())
        self.state.data_changed.connect(self._data_changed)
        self.state.year_changed.connect(lambda _y: self.repaint_all())

    # -- data -----------------------------------------------------------------------------------
    def _data_changed(self, kinds: Any) -> None:
        if RELOAD_KINDS & set(kinds or ()):
            self.reload()

    def reload(self) -> None:
        """Recompute the figures (project, option or projections changed), then repaint."""
        project = self.state.project
        self.od, self.units = None, {}
        if project is not None:
            try:
                self.units = unit_figures(project)
                self.od = self._option_demand(project)
            except ZaitakuError as err:  # unreadable inputs: say so in the panel, keep the window usable
                self.info.setText(DEMAND_GUI["error"].format(error=err))
                self._clear_map()
                return
        self.repaint_all()

    def _option_demand(self, project: Project) -> OptionDemand | None:
        from zaitaku_map.options import get_option

        name = self.state.option
        if not name:
            return None
        opt = get_option(project, name)
        return option_demand(project, dict(opt.assignments), opt.ken_names())

    # -- painting ----------------------------------------------------------------------------------
    @property
    def year(self) -> int:
        """The 年度 the values are shown for: the chosen one, the base year when 現在 is chosen."""
        y = self.state.year
        return int(y) if y is not None else load_params(self.state.require_project()).base_year

    def repaint_all(self) -> None:
        """Values in the table, colours and labels on the map: all for the same year, in one go."""
        project = self.state.project
        if project is None:
            self.info.setText(DEMAND_GUI["no_project"])
            self.table.setRowCount(0)
            self._clear_map()
            return
        self._fill_info()
        self._fill_table()
        self._draw_map(project)

    def _fill_info(self) -> None:
        od = self.od
        if od is None:
            self.info.setText(DEMAND_GUI["no_option"] if self.units else DEMAND_GUI["no_data"])
            return
        if od.method is None:
            self.info.setText(DEMAND_GUI["no_method"].format(notes="／".join(od.notes) or "-"))
            return
        method = DEMAND_METHODS[od.method] + (
            f"（{DEMAND_KEYS.get(od.key or '', od.key)}）" if od.key else ""
        )
        notes = "".join(f"\n※ {n}" for n in od.notes)  # e.g. why the 75+ peak column is empty
        self.info.setText(DEMAND_GUI["method"].format(method=method, year=self.year) + notes)

    def _fill_table(self) -> None:
        prm = self.od.params if self.od else None
        headers = [
            DEMAND_GUI[f"col_{c}"].format(
                year=self.year, base=prm.base_year if prm else 2024, target=prm.target_year if prm else 2040
            )
            for c in self.COLUMNS
        ]
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        kens = self.od.kens if self.od else []
        self.table.setRowCount(len(kens))
        for r, k in enumerate(kens):
            vals = k.values or {}
            p75 = k.population.get("75+", {})
            cells = [
                k.name,
                _fmt(vals.get(self.year)),
                "-" if k.growth is None else f"{k.growth:+.1%}",
                "-" if k.peak is None else k.peak.cls.label,
                "-" if (v75 := at_year(p75, self.year)) is None else f"{v75:,.0f}",
            ]
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()

    def _clear_map(self) -> None:
        for lid in (MAP_LAYER, LABEL_LAYER):
            self.wb.remove_map_layer(lid)

    def _draw_map(self, project: Project) -> None:
        mode = self.mode.currentData()
        by_ken = self.unit.currentData() == "ken"
        if mode is None or (by_ken and self.od is None) or (not by_ken and not self.units):
            self._clear_map()
            return
        prm = load_params(project)
        items = ken_figures(self.od) if by_ken and self.od is not None else self.units
        ch = choropleth(items, mode, year=self.year, base=prm.base_year, target=prm.target_year)
        polys, points = self._features(project, ch, by_ken)
        legend = tuple(LegendEntry(label, color) for label, color in ch.legend)
        self.wb.show_map_layer(
            MapLayer(
                id=MAP_LAYER,
                group="analysis",
                label=ch.title,
                geojson=polys,
                style=LayerStyle(color="#555555", weight=0.6, fill_color="#cccccc", fill_opacity=0.75),
                legend=legend,
                legend_title=ch.title,
                placement="base",
            )
        )
        if not by_ken and mode != "demand":  # classes of many small municipalities: the colours say it
            self.wb.remove_map_layer(LABEL_LAYER)
            return
        self.wb.show_map_layer(
            MapLayer(
                id=LABEL_LAYER,
                group="analysis",
                label=DEMAND_GUI["labels_layer"],
                geojson=points,
                style=LayerStyle(color="#222222", radius=0),
                placement="top",
            )
        )

    def _features(
        self, project: Project, ch: Choropleth, by_ken: bool
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        from shapely.geometry import mapping

        if by_ken:
            from zaitaku_map.options import ken_polygons

            gdf = ken_polygons(project, str(self.state.option), display=True)
            geoms = {str(r.ken_key): r.geometry for r in gdf.itertuples(index=False)}
        else:
            from zaitaku_map.geodata import load_municipalities

            gdf = load_municipalities(project, display=True)
            geoms = {str(r.code): r.geometry for r in gdf.itertuples(index=False)}
        polys: list[dict[str, Any]] = []
        points: list[dict[str, Any]] = []
        for key, shade in ch.shades.items():
            g = geoms.get(key)
            if g is None or g.is_empty:
                continue
            style = {"fillColor": shade.color}
            polys.append(
                {
                    "type": "Feature",
                    "geometry": mapping(g),
                    "properties": {"_style": style, "_tip": list(shade.tip), "_id": key},
                }
            )
            if not shade.value_text:
                continue
            pt = g.representative_point()
            text = shade.value_text  # under the 圏域 / municipality name the map already shows
            points.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [pt.x, pt.y]},
                    "properties": {"_label": text},
                }
            )
        return {"type": "FeatureCollection", "features": polys}, {
            "type": "FeatureCollection",
            "features": points,
        }


class YearAction(QWidgetAction):
    """The year selector as an action: one :class:`YearSelector` per menu or toolbar showing it."""

    def __init__(self, wb: Workbench) -> None:
        super().__init__(wb.dialog_parent())
        self.wb = wb
        self.setText(DEMAND_GUI["year_tip"])

    def createWidget(self, parent: QWidget) -> QWidget:
        box = YearSelector(self.wb)
        box.setParent(parent)
        box._show(self.wb.state.year)
        return box


def install(wb: Workbench) -> None:
    """The year selector (表示 menu and toolbar) and the 「将来の需要」 panel."""
    wb.add_action(YearAction(wb), menu="view", toolbar=True)
    wb.add_panel("demand", DEMAND_GUI["panel"], DemandPanel(wb))
