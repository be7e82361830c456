"""The what-if panel: hypothetical facilities, closures and suggestions with live coverage.

Per category: click the map to add a hypothetical facility, drag it (or pick it and click) to move
it, switch a selected existing facility off or let it take on the category (診療所 → 在支診 …); the
coverage bands, the people still outside and the uncovered population per 圏域 update after each
edit (the core's :class:`~zaitaku_map.remedies.LiveScenario`); undo/redo; save as a scenario; run
a suggestion and see the ranked table and the gain curve; export the scenario's PDF.

Meeting mode reuses :class:`WhatIfSession` (the Qt-free live scenario plus the map layers it
draws): ``session.add_site(lon, lat)``, ``session.undo()`` …
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from zaitaku_map.coverage.inputs import category_name
from zaitaku_map.errors import Cancelled, ZaitakuError
from zaitaku_map.export.scenario_doc import SITE_COLOR
from zaitaku_map.geo import feature_collection
from zaitaku_map.gui import dialogs
from zaitaku_map.gui.maplayers import LayerStyle, LegendEntry, MapLayer
from zaitaku_map.gui.workbench import add_analysis_dock
from zaitaku_map.labels import CATEGORIES, SUGGEST_COLUMNS, SUGGEST_WEIGHT_LABELS, WHATIF_GUI_TEXT
from zaitaku_map.remedies import EditOutcome, LiveScenario, list_scenarios
from zaitaku_map.remedies.candidates import CandidateSpec
from zaitaku_map.remedies.coverage import changed_frame
from zaitaku_map.remedies.suggest import Suggestion, suggest, suggestion_action

if TYPE_CHECKING:
    from zaitaku_map.gui.workbench import Workbench

T = WHATIF_GUI_TEXT
CATEGORY_CHOICES = ("zaishi", "zaishi_clinic", "zaishi_hospital", "home_nursing")
CANDIDATE_CHOICES = {
    "default": (),
    "clinics": ("clinics",),
    "hospitals": ("hospitals",),
    "care": ("care",),
    "grid": ("grid",),
}
LAYER_IDS = ("whatif:bands", "whatif:gaps", "whatif:changes", "whatif:sites", "whatif:suggest")
GAP_COLOR = (
    "#000000"  # people outside coverage: black crosses, apart from every facility colour (as in the PDFs)
)
BAND_COLOR = "#6a1b9a"  # the scenario's bands: one hue, nested bands darken inwards
BAND_CELL_M = 500.0  # the live bands are traced on a 500 m grid (a redraw ≈ 0.3 s on the demo)


@dataclass
class AreaRow:
    key: str
    name: str
    pop_total: float
    start: float
    now: float


class WhatIfSession:
    """A live scenario and the map layers that show it (no widgets: meeting mode can reuse it)."""

    def __init__(self, wb: Workbench, live: LiveScenario) -> None:
        self.wb = wb
        self.live = live
        self.start = {name: {a.key: a.uncovered for a in live.uncovered_by(name)} for name in live.groups}
        self.suggestion: Suggestion | None = None

    # -- edits (each returns the core's outcome; the caller redraws) -------------------------------
    def add_site(self, lon: float, lat: float, *, label: str | None = None) -> EditOutcome:
        return self.live.add_site(lon, lat, label=label)

    def move_site(self, key: int, lon: float, lat: float) -> EditOutcome:
        return self.live.move_site(key, lon, lat)

    def undo(self) -> EditOutcome:
        return self.live.undo()

    def redo(self) -> EditOutcome:
        return self.live.redo()

    def area_rows(self, group: str) -> list[AreaRow]:
        start = self.start.get(group, {})
        return [
            AreaRow(a.key, a.name, a.pop_total, start.get(a.key, a.uncovered), a.uncovered)
            for a in self.live.uncovered_by(group)
        ]

    # -- map layers ----------------------------------------------------------------------------------
    def draw(self, *, bands: bool = True) -> None:
        live = self.live
        if bands:
            b = live.band_polygons(cell_m=BAND_CELL_M)
            props: list[dict[str, Any]] = [
                {
                    "_tip": [str(r.label), T["band_tip"].format(pop=f"{r.pop_within:,.0f}")],
                    "_style": {"fillOpacity": 0.06 if float(str(r.band_min)) > live.params.minutes else 0.12},
                }
                for r in b.itertuples()
            ]
            self.wb.show_map_layer(
                MapLayer(
                    id="whatif:bands",
                    group="coverage",
                    label=T["bands"].format(category=category_name(live.category)),
                    geojson=feature_collection(b.geometry, props),
                    style=LayerStyle(color=SITE_COLOR, weight=1.0, fill_color=SITE_COLOR, fill_opacity=0.25),
                    legend=(
                        LegendEntry(T["bands_legend"].format(minutes=f"{live.params.minutes:g}"), SITE_COLOR),
                    ),
                    placement="base",
                )
            )
        gaps = live.gap_points()
        self.wb.show_map_layer(
            MapLayer(
                id="whatif:gaps",
                group="coverage",
                label=T["gaps"],
                geojson=_points(
                    gaps["lon"],
                    gaps["lat"],
                    [[T["gap_tip"].format(pop=f"{p:,.0f}")] for p in gaps["pop_total"]],
                ),
                style=LayerStyle(color=GAP_COLOR, fill_color=GAP_COLOR, radius=3.0, shape="x"),
                legend=(LegendEntry(T["gaps"], GAP_COLOR, shape="x"),),
            )
        )
        ch = changed_frame(live.project, live.state)
        tips = [
            [str(r["name"]), T["closed"] if r["change"] == "closed" else (
                T["gains"].format(category=CATEGORIES[r["gains"]].short) if r["gains"] in CATEGORIES else T["moved"])]
            for _i, r in ch.iterrows()
        ]  # fmt: skip
        lons = [g.x for g in ch.geometry]
        lats = [g.y for g in ch.geometry]
        self.wb.show_map_layer(
            MapLayer(
                id="whatif:changes",
                group="facilities",
                label=T["changes"],
                geojson=_points(lons, lats, tips),
                style=LayerStyle(color=SITE_COLOR, weight=2.5, fill_color="#ffffff", radius=9.0, shape="o"),
                legend=(LegendEntry(T["changes"], SITE_COLOR, shape="o"),),
                placement="top",
            )
        )
        sites = sorted(live.state.sites.values(), key=lambda s: s.key)
        self.wb.show_map_layer(
            MapLayer(
                id="whatif:sites",
                group="facilities",
                label=T["sites"],
                geojson=_points(
                    [s.lon for s in sites],
                    [s.lat for s in sites],
                    [
                        [T["site_tip"].format(label=s.label), CATEGORIES[s.category].label, T["drag_tip"]]
                        for s in sites
                    ],
                    ids=[str(s.key) for s in sites],
                ),
                style=LayerStyle(
                    color="#ffffff",
                    weight=1.5,
                    fill_color=SITE_COLOR,
                    fill_opacity=1.0,
                    radius=11.0,
                    shape="*",
                ),
                legend=(LegendEntry(T["sites_legend"], SITE_COLOR, shape="*"),),
                placement="top",
                interactive=True,
                draggable=True,
            )
        )

    def draw_suggestion(self) -> None:
        s = self.suggestion
        if s is None:
            self.wb.remove_map_layer("whatif:suggest")
            return
        self.wb.show_map_layer(
            MapLayer(
                id="whatif:suggest",
                group="analysis",
                label=T["suggest_layer"],
                geojson=_points(
                    [x.lon for x in s.sites],
                    [x.lat for x in s.sites],
                    [
                        [
                            T["suggest_tip"].format(rank=x.rank, label=x.label),
                            T["gain_tip"].format(gain=f"{x.gain_pop:,.0f}", g75=f"{x.gain_75:,.0f}"),
                        ]
                        for x in s.sites
                    ],
                ),
                style=LayerStyle(
                    color="#000000", weight=2.0, fill_color="#ffd600", fill_opacity=1.0, radius=9.0, shape="D"
                ),
                legend=(LegendEntry(T["suggest_layer"], "#ffd600", shape="D"),),
                placement="top",
            )
        )

    def clear(self) -> None:
        for layer_id in LAYER_IDS:
            self.wb.remove_map_layer(layer_id)


def _points(lons: Any, lats: Any, tips: list[list[str]], *, ids: list[str] | None = None) -> dict[str, Any]:
    from shapely.geometry import Point

    geoms = [Point(float(x), float(y)) for x, y in zip(lons, lats, strict=True)]
    props: list[dict[str, Any]] = [{"_tip": t} for t in tips]
    if ids is not None:
        for p, i in zip(props, ids, strict=True):
            p["_id"] = i
    return feature_collection(geoms, props)


class GainCurve(QWidget):
    """The gain curve: covered share after k = 0 … K suggested sites."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values: list[float] = []
        self.setMinimumHeight(110)

    def set_values(self, values: list[float]) -> None:
        self.values = values
        self.update()

    def paintEvent(self, event: Any) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        m = 28
        p.setPen(QPen(QColor("#888888"), 1))
        p.drawLine(m, h - m, w - 8, h - m)
        p.drawLine(m, 8, m, h - m)
        if len(self.values) < 2:
            p.end()
            return
        lo, hi = min(self.values), max(self.values)
        span = (hi - lo) or 1.0
        pts = [
            QPointF(m + i * (w - m - 12) / (len(self.values) - 1), h - m - (v - lo) / span * (h - m - 16))
            for i, v in enumerate(self.values)
        ]
        p.setPen(QPen(QColor(SITE_COLOR), 2))
        for a, b in itertools.pairwise(pts):
            p.drawLine(a, b)
        p.setBrush(QColor(SITE_COLOR))
        for pt in pts:
            p.drawEllipse(pt, 3, 3)
        p.setPen(QColor("#333333"))
        p.drawText(m + 2, 14, f"{hi * 100:.2f}%")
        p.drawText(m + 2, h - m - 4, f"{lo * 100:.2f}%")
        p.drawText(w - 90, h - 8, T["curve_x"])
        p.end()


class WhatIfPanel(QWidget):
    """The dock of the what-if tools."""

    def __init__(self, wb: Workbench) -> None:
        super().__init__()
        self.wb = wb
        self.session: WhatIfSession | None = None
        self.mode: str | None = None  # add | move
        self.band_timer = QTimer(self)
        self.band_timer.setSingleShot(True)
        self.band_timer.setInterval(250)
        self.band_timer.timeout.connect(self._redraw_bands)
        lay = QVBoxLayout(self)
        self._build_header(lay)
        self._build_tools(lay)
        self._build_figures(lay)
        self._build_suggest(lay)
        lay.addStretch(1)
        self._connect()
        self.on_project()

    def _build_header(self, lay: QVBoxLayout) -> None:
        form = QFormLayout()
        self.category = QComboBox()
        for key in CATEGORY_CHOICES:
            self.category.addItem(category_name(key), key)
        self.scenario = QComboBox()
        form.addRow(T["category"], self.category)
        form.addRow(T["scenario"], self.scenario)
        lay.addLayout(form)
        row = QHBoxLayout()
        self.start_btn = QPushButton(T["start"])
        self.stop_btn = QPushButton(T["stop"])
        row.addWidget(self.start_btn)
        row.addWidget(self.stop_btn)
        lay.addLayout(row)

    def _build_tools(self, lay: QVBoxLayout) -> None:
        tools = QGroupBox(T["edit_box"])
        tl = QVBoxLayout(tools)
        self.add_btn = QPushButton(T["add"])
        self.add_btn.setCheckable(True)
        self.move_btn = QPushButton(T["move"])
        self.move_btn.setCheckable(True)
        self.remove_btn = QPushButton(T["remove"])
        self.close_btn = QPushButton(T["close"])
        self.gain_btn = QPushButton(T["gain"])
        r1 = QHBoxLayout()
        r1.addWidget(self.add_btn)
        r1.addWidget(self.move_btn)
        r1.addWidget(self.remove_btn)
        r2 = QHBoxLayout()
        r2.addWidget(self.close_btn)
        r2.addWidget(self.gain_btn)
        r3 = QHBoxLayout()
        self.undo_btn = QPushButton(T["undo"])
        self.redo_btn = QPushButton(T["redo"])
        self.save_btn = QPushButton(T["save"])
        self.pdf_btn = QPushButton(T["pdf"])
        for b in (self.undo_btn, self.redo_btn, self.save_btn, self.pdf_btn):
            r3.addWidget(b)
        tl.addLayout(r1)
        tl.addLayout(r2)
        tl.addLayout(r3)
        lay.addWidget(tools)

    def _build_figures(self, lay: QVBoxLayout) -> None:
        self.summary = QLabel(T["idle"])
        self.summary.setWordWrap(True)
        self.last = QLabel("")
        self.last.setWordWrap(True)
        lay.addWidget(self.summary)
        lay.addWidget(self.last)
        self.group = QComboBox()
        lay.addWidget(self.group)
        self.areas = QTableWidget(0, 4)
        self.areas.setHorizontalHeaderLabels(T["area_columns"].split("|"))
        self.areas.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.areas.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.areas.setMinimumHeight(130)
        lay.addWidget(self.areas)
        self.edits = QListWidget()
        self.edits.setMaximumHeight(90)
        lay.addWidget(self.edits)

    def _build_suggest(self, lay: QVBoxLayout) -> None:
        sug = QGroupBox(T["suggest_box"])
        sl = QVBoxLayout(sug)
        sr = QHBoxLayout()
        self.k = QSpinBox()
        self.k.setRange(1, 30)
        self.k.setValue(5)
        self.weight = QComboBox()
        for key, label in SUGGEST_WEIGHT_LABELS.items():
            self.weight.addItem(label, key)
        self.cands = QComboBox()
        for key in CANDIDATE_CHOICES:
            self.cands.addItem(T["cand_" + key], key)
        self.suggest_btn = QPushButton(T["suggest"])
        for wdg in (QLabel("k"), self.k, self.weight, self.cands, self.suggest_btn):
            sr.addWidget(wdg)
        sl.addLayout(sr)
        self.ranked = QTableWidget(0, len(SUGGEST_COLUMNS))
        self.ranked.setHorizontalHeaderLabels(list(SUGGEST_COLUMNS))
        self.ranked.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.ranked.setMinimumHeight(150)
        sl.addWidget(self.ranked)
        self.curve = GainCurve()
        sl.addWidget(self.curve)
        self.method = QLabel("")
        self.method.setWordWrap(True)
        sl.addWidget(self.method)
        self.apply_btn = QPushButton(T["apply"])
        sl.addWidget(self.apply_btn)
        lay.addWidget(sug)

    def _connect(self) -> None:
        wb = self.wb
        self.start_btn.clicked.connect(self.start)
        self.stop_btn.clicked.connect(self.stop)
        self.add_btn.toggled.connect(lambda on: self._set_mode("add" if on else None))
        self.move_btn.toggled.connect(lambda on: self._set_mode("move" if on else None))
        self.remove_btn.clicked.connect(self.remove_site)
        self.close_btn.clicked.connect(lambda: self._facility_edit("close"))
        self.gain_btn.clicked.connect(lambda: self._facility_edit("gain"))
        self.undo_btn.clicked.connect(lambda: self._run(lambda s: s.undo()))
        self.redo_btn.clicked.connect(lambda: self._run(lambda s: s.redo()))
        self.save_btn.clicked.connect(self.save)
        self.pdf_btn.clicked.connect(self.export_pdf)
        self.suggest_btn.clicked.connect(self.run_suggestion)
        self.apply_btn.clicked.connect(self.apply_suggestion)
        self.group.currentIndexChanged.connect(lambda _i: self._refresh_areas())
        wb.map.bridge.map_clicked.connect(self.on_map_click)
        wb.map.bridge.feature_clicked.connect(self.on_feature_click)
        wb.map.bridge.feature_moved.connect(self.on_feature_moved)
        wb.state.project_changed.connect(self.on_project)
        wb.state.data_changed.connect(self.on_data)

    # -- lifecycle -----------------------------------------------------------------------------------
    def on_project(self) -> None:
        self.stop()
        self._fill_scenarios()

    def on_data(self, kinds: Any) -> None:
        if "scenarios" in kinds:
            self._fill_scenarios()

    def _fill_scenarios(self) -> None:
        self.scenario.blockSignals(True)
        self.scenario.clear()
        self.scenario.addItem(T["new_scenario"], None)
        project = self.wb.state.project
        if project is not None:
            for info in list_scenarios(project):
                self.scenario.addItem(f"{info.name}（{category_name(info.category)}）", info.name)
        self.scenario.blockSignals(False)
        self._enable()

    def _enable(self) -> None:
        active = self.session is not None
        has_project = self.wb.state.project is not None
        self.start_btn.setEnabled(has_project and not active)
        self.category.setEnabled(not active)
        self.scenario.setEnabled(not active)
        for b in (self.stop_btn, self.add_btn, self.move_btn, self.remove_btn, self.close_btn, self.gain_btn,
                  self.save_btn, self.pdf_btn, self.suggest_btn):  # fmt: skip
            b.setEnabled(active)
        live = self.session.live if self.session else None
        self.undo_btn.setEnabled(bool(live and live.can_undo))
        self.redo_btn.setEnabled(bool(live and live.can_redo))
        self.apply_btn.setEnabled(bool(active and self.session and self.session.suggestion))

    def start(self) -> None:
        project = self.wb.state.project
        if project is None:
            return
        groups = self._option_groups()
        try:
            live = LiveScenario(
                project,
                category=str(self.category.currentData()),
                scenario=self.scenario.currentData(),
                groups=groups,
            )
        except ZaitakuError as err:
            dialogs.show_error(self.wb.dialog_parent(), err)
            return
        self.session = WhatIfSession(self.wb, live)
        if live.name:
            self.wb.state.set_scenario(live.name)
        self.group.blockSignals(True)
        self.group.clear()
        for name in live.groups:
            self.group.addItem(name, name)
        option = self.wb.state.option
        if option and option in live.groups:
            self.group.setCurrentIndex(self.group.findData(option))
        self.group.blockSignals(False)
        self.session.draw()
        self._refresh()
        self.last.setText(T["started"].format(mode=T["mode_" + live.mode]))

    def _option_groups(self) -> dict[str, dict[str, str]] | None:
        option = self.wb.state.option
        project = self.wb.state.project
        if not option or project is None:
            return None
        from zaitaku_map.options import get_option

        opt = get_option(project, option)
        return {option: opt.unit_ken_names()}

    def stop(self) -> None:
        if self.session is not None:
            self.session.clear()
        self.session = None
        self._set_mode(None)
        self.summary.setText(T["idle"])
        self.last.setText("")
        self.areas.setRowCount(0)
        self.edits.clear()
        self.ranked.setRowCount(0)
        self.curve.set_values([])
        self.method.setText("")
        self._enable()

    # -- edits ---------------------------------------------------------------------------------------
    def _set_mode(self, mode: str | None) -> None:
        self.mode = mode
        for btn, m in ((self.add_btn, "add"), (self.move_btn, "move")):
            btn.blockSignals(True)
            btn.setChecked(mode == m)
            btn.blockSignals(False)
        label = {"add": T["click_add"], "move": T["click_move"]}.get(mode or "")
        self.wb.set_click_mode(label)

    def _selected_site(self) -> int | None:
        item = self.edits.currentItem()
        if item is None:
            return None
        data = item.data(Qt.ItemDataRole.UserRole)
        return int(data[1]) if data and data[0] == "site" else None

    def on_map_click(self, lon: float, lat: float) -> None:
        if self.session is None or self.mode is None:
            return
        if self.mode == "add":
            self._run(lambda s: s.add_site(lon, lat))
        elif self.mode == "move":
            key = self._selected_site()
            if key is None:
                self.wb.state.show_message(T["pick_site"])
                return
            self._run(lambda s: s.move_site(key, lon, lat))

    def on_feature_click(self, layer_id: str, feature_id: str) -> None:
        if layer_id != "whatif:sites" or self.session is None:
            return
        for i in range(self.edits.count()):
            data = self.edits.item(i).data(Qt.ItemDataRole.UserRole)
            if data and data[0] == "site" and str(data[1]) == feature_id:
                self.edits.setCurrentRow(i)

    def on_feature_moved(self, layer_id: str, feature_id: str, lon: float, lat: float) -> None:
        """A hypothetical site dragged on the map and dropped at ``(lon, lat)``."""
        if layer_id != "whatif:sites" or self.session is None or not feature_id.isdigit():
            return
        key = int(feature_id)
        site = self.session.live.state.sites.get(key)
        if site is None:
            return
        was = (site.lon, site.lat)
        self._run(lambda s: s.move_site(key, lon, lat))
        if self.session is not None:
            now = self.session.live.state.sites.get(key)
            if now is not None and (now.lon, now.lat) == was:  # refused: the star goes back to its place
                self.session.draw(bands=False)
        self.on_feature_click(layer_id, feature_id)

    def remove_site(self) -> None:
        key = self._selected_site()
        if key is None:
            self.wb.state.show_message(T["pick_site"])
            return
        self._run(lambda s: s.live.remove_site(key))

    def _facility_edit(self, what: str) -> None:
        ids = self.wb.state.selection.facility_ids
        if not ids:
            self.wb.state.show_message(T["pick_facility"])
            return
        fid = ids[0]
        if what == "close":
            self._run(lambda s: s.live.close_facility(fid))
        else:
            self._run(lambda s: s.live.gain(fid))

    def _run(self, edit: Any, *, bands: bool = True) -> None:
        if self.session is None:
            return
        try:
            out = edit(self.session)
        except ZaitakuError as err:
            dialogs.show_error(self.wb.dialog_parent(), err)
            return
        if out.changed:
            ms = f"{out.seconds * 1000:.0f}"
            self.last.setText(
                T["edited"].format(what=out.description, delta=f"{out.delta_covered:+,.0f}", ms=ms)
                if self.session.live.total > 0
                else T["edited_no_pop"].format(what=out.description, ms=ms)
            )
            self.session.draw(bands=False)
            if bands:
                self.band_timer.start()
            if self.session.live.name:
                self.wb.state.notify_changed("scenarios")
        self._refresh()

    def _redraw_bands(self) -> None:
        if self.session is not None:
            self.session.draw(bands=True)

    # -- figures -------------------------------------------------------------------------------------
    def _refresh(self) -> None:
        if self.session is None:
            return
        live = self.session.live
        share = live.covered / live.total * 100 if live.total else 0.0
        if not live.total > 0:  # population per 圏域 only: nothing to count per site
            self.summary.setText(
                T["summary_no_pop"].format(
                    category=category_name(live.category),
                    minutes=f"{live.params.minutes:g}",
                    name=live.name or T["unsaved"],
                )
            )
        else:
            self.summary.setText(
                T["summary"].format(
                    category=category_name(live.category),
                    minutes=f"{live.params.minutes:g}",
                    covered=f"{live.covered:,.0f}",
                    total=f"{live.total:,.0f}",
                    share=f"{share:.1f}",
                    uncovered=f"{live.uncovered:,.0f}",
                    name=live.name or T["unsaved"],
                )
            )
        self._refresh_areas()
        self.edits.clear()
        for site in sorted(live.state.sites.values(), key=lambda s: s.key):
            item = QListWidgetItem(
                T["site_item"].format(
                    key=site.key, label=site.label, category=CATEGORIES[site.category].short
                )
            )
            item.setData(Qt.ItemDataRole.UserRole, ("site", site.key))
            self.edits.addItem(item)
        for fid, ch in sorted(live.state.changes.items()):
            what = (
                T["closed"]
                if ch.closed
                else (
                    T["gains"].format(category=CATEGORIES[ch.gains].short)
                    if ch.gains in CATEGORIES
                    else T["moved"]
                )
            )
            item = QListWidgetItem(T["change_item"].format(id=fid, what=what))
            item.setData(Qt.ItemDataRole.UserRole, ("facility", fid))
            self.edits.addItem(item)
        self._enable()

    def _refresh_areas(self) -> None:
        if self.session is None or self.group.currentData() is None:
            return
        rows = self.session.area_rows(str(self.group.currentData()))
        known = self.session.live.total > 0  # people at the demand points, not only per 圏域
        self.areas.setRowCount(len(rows))
        for i, r in enumerate(rows):
            cells = [r.name, *((f"{r.pop_total:,.0f}", f"{r.now:,.0f}", f"{r.now - r.start:+,.0f}") if known
                               else ("－", "－", "－"))]  # fmt: skip
            for j, text in enumerate(cells):
                it = QTableWidgetItem(text)
                if j:
                    it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.areas.setItem(i, j, it)

    # -- save, export ----------------------------------------------------------------------------------
    def save(self, name: str | None = None) -> None:
        if self.session is None:
            return
        live = self.session.live
        if name is None:
            if not dialogs.SHOW_DIALOGS:
                return
            text, ok = QInputDialog.getText(
                self.wb.dialog_parent(), T["save"], T["save_prompt"], text=live.name or ""
            )
            if not ok or not text.strip():
                return
            name = text.strip()
        try:
            live.save_as(name, overwrite=name == live.name)
        except ZaitakuError as err:
            dialogs.show_error(self.wb.dialog_parent(), err)
            return
        self.wb.state.notify_changed("scenarios")
        self.wb.state.set_scenario(name)
        self._refresh()
        self.last.setText(T["saved"].format(name=name))

    def export_pdf(self, path: str | None = None) -> Any:
        """Export 「案＋シナリオ」 (the scenario must be saved; the option is the one on screen)."""
        if self.session is None:
            return None
        live = self.session.live
        option = self.wb.state.option
        if not live.name or not option:
            self.wb.state.show_message(T["pdf_needs"])
            return None
        if path is None:
            if not dialogs.SHOW_DIALOGS:
                return None
            path, _f = QFileDialog.getSaveFileName(
                self.wb.dialog_parent(), T["pdf"], f"{option}＋{live.name}.pdf", "PDF (*.pdf)"
            )
            if not path:
                return None
        from zaitaku_map.export.request import ExportRequest
        from zaitaku_map.export.scenario_doc import export_scenario_pdf

        request = ExportRequest(
            option=option, scenario=live.name, coverage_category=live.category, coverage_params=live.params
        )
        target = path
        return self.wb.jobs.run(
            T["pdf"],
            lambda project, progress, cancel: export_scenario_pdf(
                project, request, target, progress=progress, cancel=cancel
            ),
            project_path=self.wb.state.project_path,
            on_success=lambda res: self.last.setText(T["pdf_done"].format(path=res.path, pages=res.pages)),
            on_error=self._job_failed,
        )

    # -- suggestions -----------------------------------------------------------------------------------
    def run_suggestion(self) -> Any:
        """Run the suggestion on the current state as a background job (a large network takes
        seconds); returns the job (its ``succeeded`` carries the :class:`Suggestion`)."""
        if self.session is None:
            return None
        live = self.session.live
        spec = CandidateSpec(sets=CANDIDATE_CHOICES[str(self.cands.currentData())])
        state = copy.deepcopy(live.state)  # the job reads a snapshot: edits may go on meanwhile
        category, params, k, weight = (
            live.category,
            live.params,
            self.k.value(),
            str(self.weight.currentData()),
        )

        def job(project: Any, *, progress: Any, cancel: Any) -> Suggestion:
            return suggest(
                project,
                category=category,
                k=k,
                weight=weight,
                candidates=spec,
                state=state,
                params=params,
                progress=progress,
                cancel=cancel,
            )

        self.suggest_btn.setEnabled(False)
        return self.wb.jobs.run(
            T["suggest"],
            job,
            project_path=self.wb.state.project_path,
            on_success=self.show_suggestion,
            on_error=self._job_failed,
        )

    def _job_failed(self, err: BaseException, details: str) -> None:
        self._enable()
        if not isinstance(err, Cancelled):
            dialogs.show_error(self.wb.dialog_parent(), err, details)

    def show_suggestion(self, s: Suggestion) -> None:
        """The ranked table, the gain curve and the sites on the map."""
        if self.session is None:
            return
        self.session.suggestion = s
        self.ranked.setRowCount(len(s.sites))
        kinds = {"facility": T["kind_facility"], "grid": T["kind_grid"], "file": T["kind_file"]}
        for i, x in enumerate(s.sites):
            cells = [str(x.rank), x.label, kinds.get(x.kind, x.kind), x.muni_name or "－", f"{x.gain_pop:,.0f}",
                     f"{x.gain_75:,.0f}", f"{x.cumulative:,.0f}", "－" if x.cumulative_share is None else f"{x.cumulative_share * 100:.2f}%"]  # fmt: skip
            for j, text in enumerate(cells):
                self.ranked.setItem(i, j, QTableWidgetItem(text))
        self.ranked.resizeColumnsToContents()
        base = s.baseline_covered / s.total if s.total else 0.0
        self.curve.set_values([base] + [x.cumulative / s.total for x in s.sites] if s.total else [])
        bound = "" if s.gap_bound is None else T["bound"].format(bound=f"{s.gap_bound * 100:.1f}")
        self.method.setText(T["method"] + bound)
        self.session.draw_suggestion()
        self._enable()

    def apply_suggestion(self) -> None:
        if self.session is None or self.session.suggestion is None:
            return
        s = self.session.suggestion
        rows = sorted({i.row() for i in self.ranked.selectedIndexes()}) or list(range(len(s.sites)))
        chosen = [s.sites[r] for r in rows if r < len(s.sites)]
        self._run(lambda sess: sess.live.perform(suggestion_action(sess.live.state, chosen)))
        self.session.suggestion = None
        self.session.draw_suggestion()
        self._enable()


def install(wb: Workbench) -> None:
    """Add the what-if dock and its entry in the 分析 menu."""
    add_analysis_dock(wb, "whatif", T["panel"], WhatIfPanel(wb), T["menu"])
