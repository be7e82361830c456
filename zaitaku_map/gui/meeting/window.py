"""会議モードの画面: full screen, one large map, options as big tabs, big toggles, the headline strip.

Keys: ← / → switch the option, Ctrl+Z undoes the last live edit, Esc returns to the workbench.
Clicking a municipality offers the 圏域 it can move to (the edit goes to a working copy of the
option, shown as a new tab 「案A＊編集中」 until 「この状態を案として保存」).  The pen, text and eraser
buttons draw notes on the option's map.  「2案を並べる」 shows the next option beside the current one
with synchronised pan and zoom, the municipalities that change 圏域 outlined.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QColor, QCursor, QIcon, QKeyEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLayout,
    QLineEdit,
    QMenu,
    QPushButton,
    QSplitter,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from zaitaku_map.errors import ZaitakuError
from zaitaku_map.gui.meeting.mapview import MeetingMapView
from zaitaku_map.gui.meeting.session import FACILITY_TOGGLES, MeetingData, MeetingSession, load_meeting_data
from zaitaku_map.gui.meeting.strip import HeadlineStrip
from zaitaku_map.gui.meeting.whatif import WHATIF_COLOR
from zaitaku_map.gui.state import AppState
from zaitaku_map.gui.worker import Job
from zaitaku_map.labels import MEETING_UI
from zaitaku_map.messages import format_error

log = logging.getLogger("zaitaku_map.gui.meeting")


def type_sizes(height: int) -> dict[str, int]:
    """Pixel sizes of the window's type for a screen ``height`` (≥ 18 px for labels and legend)."""
    s = height / 1080
    return {
        "label": max(18, round(22 * s)),  # map labels and legend (the page's --zm-label-px)
        "tab": max(18, round(28 * s)),
        "button": max(16, round(20 * s)),
        "toggle": max(18, round(24 * s)),
        "strip": max(18, round(26 * s)),
    }


class MeetingWindow(QWidget):
    """The meeting window of one project; ``closed`` when it returns to the workbench."""

    closed = Signal()
    ready = Signal()  # the document is drawn

    def __init__(
        self,
        project: Any,
        *,
        option: str | None = None,
        year: int | None = None,
        title: str | None = None,
        state: AppState | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.state = state  # the workbench's state: follows the option and year of the meeting
        self.first_year = year
        self.setWindowTitle(MEETING_UI["window_title"])
        self.setObjectName("zmMeeting")
        self.session = MeetingSession(project, title=title, parent=self)
        self.first_option = option
        self.page_options = 0
        self.sizes = type_sizes(1080)
        self.is_ready = False
        self.move_menu: QMenu | None = None
        self.mode: str | None = None
        self._build()
        self._connect()
        self._apply_sizes()
        self.job = Job(
            lambda p, progress=None, cancel=None: load_meeting_data(p, progress=progress, cancel=cancel),
            project_path=self.session.project_path,
            parent=self,
        )
        self.job.succeeded.connect(self._loaded)
        self.job.failed.connect(lambda err: self.say(f"読み込めませんでした: {err}"))
        self.job.start()

    # -- construction ---------------------------------------------------------------------------
    def _button(self, text: str, *, checkable: bool = False) -> QPushButton:
        b = QPushButton(text)
        b.setCheckable(checkable)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        b.setCursor(Qt.CursorShape.PointingHandCursor)
        return b

    def _build(self) -> None:
        self.tabs = QTabBar()
        self.tabs.setExpanding(False)
        self.tabs.setDrawBase(False)
        self.tabs.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.tabs.setObjectName("zmTabs")
        self.year = QComboBox()
        self.year.setVisible(False)
        self.btn_compare = self._button(MEETING_UI["compare"], checkable=True)
        self.btn_undo = self._button(MEETING_UI["undo"])
        self.btn_save = self._button(MEETING_UI["save"])
        self.btn_pen = self._button(MEETING_UI["pen"], checkable=True)
        self.btn_text = self._button(MEETING_UI["text"], checkable=True)
        self.text_input = QLineEdit()
        self.text_input.setPlaceholderText(MEETING_UI["text_placeholder"])
        self.text_input.setVisible(False)
        self.btn_erase = self._button(MEETING_UI["erase"], checkable=True)
        self.btn_whatif = self._button(MEETING_UI["whatif"], checkable=True)
        self.btn_exit = self._button(MEETING_UI["exit"])
        top = QHBoxLayout()
        top.setContentsMargins(10, 6, 10, 2)
        top.addWidget(self.tabs, 1)
        for w in (self.year, self.btn_compare, self.btn_exit):
            top.addWidget(w)
        self.view = MeetingMapView()
        self.strip = HeadlineStrip()
        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.addWidget(self.view)
        self.split.addWidget(self.strip)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 1)
        self.split.setChildrenCollapsible(False)
        self.toggles: dict[str, QPushButton] = {}
        bottom = QHBoxLayout()
        bottom.setContentsMargins(10, 2, 10, 6)
        for key in ("zaishi", "home_nursing", "bands", "gaps", "demand"):
            b = self._button(MEETING_UI[f"toggle_{key}"], checkable=True)
            b.setObjectName("zmToggle")
            self.toggles[key] = b
            bottom.addWidget(b)
        self.toggles["demand"].setEnabled(False)
        self.toggles["demand"].setToolTip(MEETING_UI["no_demand"])
        bottom.addStretch(1)
        tools: tuple[QWidget, ...] = (
            self.btn_whatif,
            self.btn_pen,
            self.btn_text,
            self.text_input,
            self.btn_erase,
            self.btn_undo,
            self.btn_save,
        )
        for tool in tools:
            bottom.addWidget(tool)
        self.strip.set_status(MEETING_UI["loading"])
        lay = QVBoxLayout(self)
        # the window takes the screen it is given (full screen on a small display too); the controls
        # are sized for 1280 px and more
        lay.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addLayout(top)
        lay.addWidget(self.split, 1)
        lay.addLayout(bottom)

    def _connect(self) -> None:
        s = self.session
        self.tabs.currentChanged.connect(lambda i: s.show_option(i) if i >= 0 and self.is_ready else None)
        self.btn_compare.toggled.connect(lambda on: s.start_compare() if on else s.stop_compare())
        self.btn_undo.clicked.connect(s.undo)
        self.btn_save.clicked.connect(self.save)
        self.btn_exit.clicked.connect(self.close)
        for key, btn in self._mode_buttons():
            btn.toggled.connect(lambda on, k=key: self.set_mode(k if on else None))
        self.toggles["zaishi"].toggled.connect(lambda on: self._layers(FACILITY_TOGGLES["zaishi"], on))
        self.toggles["home_nursing"].toggled.connect(
            lambda on: self._layers(FACILITY_TOGGLES["home_nursing"], on)
        )
        self.toggles["bands"].toggled.connect(lambda on: self._layers(self._coverage_ids("band"), on))
        self.toggles["gaps"].toggled.connect(lambda on: self._layers(self._coverage_ids("gap"), on))
        self.toggles["demand"].toggled.connect(lambda _on: self._demand_labels())
        self.year.currentIndexChanged.connect(lambda _i: s.set_year(self.year.currentData()))
        s.year_changed.connect(lambda y: self._follow(year=y))
        s.option_changed.connect(self._option_changed)
        s.options_changed.connect(self._tabs_changed)
        s.entry_changed.connect(self._entry_changed)
        s.headlines_changed.connect(self._update_strip)
        s.headlines_changed.connect(self._demand_labels)
        s.compare_changed.connect(self._compare_changed)
        s.notes_changed.connect(self._notes_changed)
        s.edit_done.connect(lambda _n: self._update_buttons())
        s.failed.connect(self.say)
        v = self.view.bridge
        v.municipality_clicked.connect(self.municipality_clicked)
        v.stroke_drawn.connect(self._stroke)
        v.text_placed.connect(self._text)
        v.note_clicked.connect(self._erase)
        v.place_clicked.connect(self._place)
        s.whatif_changed.connect(self._whatif_drawn)
        self.toggles["bands"].toggled.connect(
            lambda on: self._whatif_drawn() if on and s.whatif.active else None
        )
        self.view.loaded.connect(self._drawn)

    # -- sizes ----------------------------------------------------------------------------------
    def _apply_sizes(self) -> None:
        z = self.sizes
        self.setStyleSheet(
            f"""
            QWidget#zmMeeting {{ background: #f3f4f6; }}
            QTabBar#zmTabs::tab {{ font-size: {z["tab"]}px; font-weight: bold; padding: {z["tab"] // 3}px {z["tab"]}px;
                margin-right: 6px; border: 2px solid #9aa3ab; border-radius: 8px; background: #fff; color: #1d1d1d; }}
            QTabBar#zmTabs::tab:selected {{ background: #1f4e79; border-color: #1f4e79; color: #fff; }}
            QPushButton {{ font-size: {z["button"]}px; padding: {z["button"] // 3}px {z["button"] // 2}px; }}
            QPushButton:checked {{ background: #1f4e79; color: #fff; }}
            QPushButton#zmToggle {{ font-size: {z["toggle"]}px; font-weight: bold; padding: {z["toggle"] // 3}px {z["toggle"]}px;
                border: 2px solid #1f4e79; border-radius: 8px; background: #fff; color: #1f4e79; }}
            QPushButton#zmToggle:checked {{ background: #1f4e79; color: #fff; }}
            QPushButton#zmToggle:disabled {{ border-color: #bbb; color: #aaa; background: #f0f0f0; }}
            QLineEdit, QComboBox {{ font-size: {z["button"]}px; padding: 4px; min-width: {z["button"] * 10}px; }}
            QLabel {{ font-size: {z["button"]}px; }}
            """
        )
        self.strip.set_scale(z["strip"])
        if self.is_ready:
            self.view.call("setLabelPx", z["label"])

    def fit_screen(self, width: int, height: int) -> None:
        """Size the type for a ``width`` × ``height`` screen first, then the window (so the controls
        sized for a larger screen never hold the window wider than the screen)."""
        self.sizes = type_sizes(height)
        self._apply_sizes()
        self.resize(width, height)

    def show_full_screen(self) -> None:
        """Full screen on the window's screen, type sized for it."""
        screen = self.screen() or QApplication.primaryScreen()
        if screen is not None:
            geo = screen.geometry()
            self.fit_screen(geo.width(), geo.height())
        self.showFullScreen()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        sizes = type_sizes(self.height())
        if sizes != self.sizes:
            self.sizes = sizes
            self._apply_sizes()
        self.split.setSizes([int(self.width() * 0.72), int(self.width() * 0.28)])

    # -- loading --------------------------------------------------------------------------------
    def _loaded(self, data: MeetingData) -> None:
        self.session.load(data)
        self.page_options = len(self.session.names)
        names = self.session.names
        start = names.index(self.first_option) if self.first_option in names else 0
        self.session.current = start
        if self.first_year in data.years:
            self.session.year = self.first_year
        self._tabs_changed()
        self._years(data.years)
        scale = 1.3 + 0.5 * min(self.height() / 1080, 1.2)
        self.view.load_document(data.document.to_json(), label_px=self.sizes["label"], scale=scale)
        self._sync_toggles()

    def _drawn(self) -> None:
        self.is_ready = True
        # arrow keys and Esc reach the window also when the map (a web view) has the keyboard focus.
        # (Only there: a Python filter on the whole application made pandas crash in worker threads.)
        proxy = self.view.focusProxy()
        if proxy is not None:
            proxy.installEventFilter(self)
        self.view.call("setOption", self.session.current)
        self._notes_changed()
        self._update_strip()
        self._update_buttons()
        self._demand_labels()
        self.say("")
        self.ready.emit()

    def _years(self, years: list[int]) -> None:
        """The year selector and the 需要 toggle exist when the project has projections."""
        self.year.blockSignals(True)
        self.year.clear()
        for y in years:
            self.year.addItem(MEETING_UI["year_item"].format(year=y), y)
        if self.session.year in years:
            self.year.setCurrentIndex(years.index(self.session.year))
        self.year.blockSignals(False)
        self.year.setVisible(bool(years))
        demand = self.toggles["demand"]
        demand.setEnabled(bool(years))
        demand.setToolTip("" if years else MEETING_UI["no_demand"])

    def _demand_labels(self) -> None:
        """「2040年度 7,156件/月」 under each 圏域 name while 需要 is on."""
        s = self.session
        if not self.is_ready:
            return
        on = self.toggles["demand"].isChecked() and s.year is not None
        for side, index in (("a", s.current), ("b", s.compare)):
            if index is None:
                continue
            rows: list[list[Any]] = []
            heads = s.headlines(index) if on else None
            if heads is not None:
                keys = [k["key"] for k in s.document.doc["options"][index]["kens"]]
                for ken in heads.kens:
                    if ken.demand is not None and ken.key in keys:
                        text = MEETING_UI["demand_label"].format(year=s.year, value=ken.demand)
                        rows.append([keys.index(ken.key), text])
            self.view.call("setKenValues", side, rows)

    def _follow(self, *, option: str | None = None, year: int | None = None) -> None:
        """The workbench follows the meeting: the option and year shown there too."""
        if self.state is None:
            return
        if option is not None:
            self.state.set_option(option)
        if year is not None:
            self.state.set_year(year)

    def _coverage_ids(self, kind: str) -> tuple[str, ...]:
        cov = self.session.document.doc["coverage"] if self.session.data else []
        return (f"{kind}:{cov[0]['key']}",) if cov else ()

    def _sync_toggles(self) -> None:
        vis = self.session.visible
        wanted = {
            "zaishi": FACILITY_TOGGLES["zaishi"],
            "home_nursing": FACILITY_TOGGLES["home_nursing"],
            "bands": self._coverage_ids("band"),
            "gaps": self._coverage_ids("gap"),
        }
        for key, ids in wanted.items():
            btn = self.toggles[key]
            btn.blockSignals(True)
            btn.setChecked(bool(ids) and all(vis.get(i, False) for i in ids if i in vis))
            btn.setEnabled(any(i in vis for i in ids))
            btn.blockSignals(False)

    def _layers(self, ids: tuple[str, ...], on: bool) -> None:
        ids = tuple(i for i in ids if i in self.session.visible)
        self.session.set_layer(ids, on)
        for i in ids:
            self.view.call("setVisible", i, on)
        self._update_strip()

    # -- following the session ------------------------------------------------------------------
    def _tabs_changed(self) -> None:
        if self.state is not None and self.is_ready:
            self.state.notify_changed("options")
        self.tabs.blockSignals(True)
        while self.tabs.count():
            self.tabs.removeTab(0)
        for i in range(len(self.session.names)):
            self.tabs.addTab(self.session.tab_label(i))
        self.tabs.setCurrentIndex(self.session.current)
        self.tabs.blockSignals(False)

    def _entry_changed(self, i: int) -> None:
        entry = self.session.document.doc["options"][i]
        if i >= self.page_options:
            self.view.call("addOption", entry)
            self.page_options = i + 1
        else:
            self.view.call("replaceOption", i, entry)

    def _option_changed(self, i: int) -> None:
        self.tabs.blockSignals(True)
        self.tabs.setCurrentIndex(i)
        self.tabs.blockSignals(False)
        if self.is_ready:
            self.view.call("setOption", i)
        self._update_strip()
        self._update_buttons()
        self._demand_labels()
        if not self.session.is_working_copy(i):
            self._follow(option=self.session.names[i])

    def _compare_changed(self) -> None:
        s = self.session
        self.btn_compare.blockSignals(True)
        self.btn_compare.setChecked(s.compare is not None)
        self.btn_compare.blockSignals(False)
        self.view.call("compare", -1 if s.compare is None else s.compare, s.changed_codes)
        self._update_strip()
        self._demand_labels()

    def _update_strip(self) -> None:
        s = self.session
        blocks = [h for i in (s.current, s.compare) if i is not None and (h := s.headlines(i)) is not None]
        self.strip.legend = self.legend_rows()
        self.strip.show_headlines(blocks, demand_year=s.year)

    def say(self, text: str) -> None:
        """The message line (at the foot of the strip)."""
        self.strip.set_status(text)

    def legend_rows(self) -> list[tuple[str, str, str]]:
        """The legend of the layers on the map (the 圏域 colours are the strip's swatches)."""
        s = self.session
        if s.data is None:
            return []
        doc = s.document.doc
        rows: list[tuple[str, str, str]] = []
        if s.compare is not None and s.changed_codes:
            rows.append(("line", doc["style"]["changed_edge"], MEETING_UI["changed"]))
        for c in doc["coverage"]:
            if s.visible.get(f"band:{c['key']}"):
                rows.append(("band", doc["style"]["band_colors"][1], c["band_label"]))
            if s.visible.get(f"gap:{c['key']}"):
                rows.append(("cross", doc["style"]["gap_color"], c["gap_label"]))
        if s.whatif.active:
            rows.append(("whatif", WHATIF_COLOR, MEETING_UI["whatif_legend"]))
        for f in doc["facilities"]:
            if s.visible.get(f"fac:{f['cat']}"):
                rows.append(("dot", f["color"], f["label"]))
        return rows

    def _update_buttons(self) -> None:
        s = self.session
        working = s.is_working_copy(s.current)
        self.btn_save.setEnabled(working or (s.whatif.active and s.whatif.saved_as is None))
        self.btn_undo.setEnabled(working or bool(s.edits))
        if working:
            self.say(MEETING_UI["working"])

    def _notes_changed(self) -> None:
        if self.session.data is not None:
            self.view.call("setNotes", [n.as_dict() for n in self.session.notes()])

    # -- actions --------------------------------------------------------------------------------
    def municipality_clicked(self, code: str, side: str = "a") -> QMenu | None:
        """Offer the 圏域 of the option shown that ``code`` can move to (a popup menu)."""
        s = self.session
        if side != "a" or self.mode is not None or s.data is None:
            return None
        entry = s.document.doc["options"][s.current]
        codes = s.document.muni_codes
        here = entry["assign"][codes.index(code)] if code in codes else -1
        name = next(
            (
                f["properties"]["n"]
                for f in s.document.doc["munis"]["features"]
                if f["properties"]["c"] == code
            ),
            code,
        )
        menu = QMenu(self)
        menu.setStyleSheet(f"QMenu {{ font-size: {self.sizes['button']}px; }}")
        menu.addSection(MEETING_UI["move_to"].format(muni=name))
        for k, ken in enumerate(entry["kens"]):
            if k == here:
                continue
            pix = QPixmap(QSize(18, 18))
            pix.fill(QColor(ken["color"]))
            act = menu.addAction(QIcon(pix), ken["name"])
            act.triggered.connect(lambda _c=False, key=ken["key"]: s.move(code, key))
        menu.addAction(MEETING_UI["cancel"])
        self.move_menu = menu
        menu.popup(QCursor.pos())
        return menu

    def save(self) -> str | None:
        name = self.session.save()
        lines = [MEETING_UI["saved"].format(name=name)] if name else []
        scenario = self.session.whatif.saved_as
        if scenario:
            lines.append(MEETING_UI["whatif_saved"].format(name=scenario))
            if self.state is not None:  # the workbench lists the new scenario and shows it
                self.state.notify_changed("scenarios")
                self.state.set_scenario(scenario)
        if lines:
            self.say("\n".join(lines))
        self._update_buttons()
        return name

    def _mode_buttons(self) -> tuple[tuple[str, QPushButton], ...]:
        return (
            ("whatif", self.btn_whatif),
            ("pen", self.btn_pen),
            ("text", self.btn_text),
            ("erase", self.btn_erase),
        )

    def set_mode(self, mode: str | None) -> None:
        """仮の施設, pen, text or eraser (``None``: clicks move municipalities)."""
        self.mode = mode
        for key, btn in self._mode_buttons():
            btn.blockSignals(True)
            btn.setChecked(key == mode)
            btn.blockSignals(False)
        self.text_input.setVisible(mode == "text")
        if mode == "text":
            self.text_input.setFocus()
        banner = MEETING_UI[f"banner_{mode}"] if mode else ""
        self.view.call("setMode", mode, banner)

    def _stroke(self, points: list[tuple[float, float]]) -> None:
        if self.mode == "pen":
            self.session.add_stroke(points)

    def _text(self, lat: float, lon: float) -> None:
        text = self.text_input.text().strip()
        if self.mode != "text":
            return
        if not text:
            self.say(MEETING_UI["text_placeholder"])
            return
        self.session.add_text(lat, lon, text)
        self.text_input.clear()

    def _place(self, lat: float, lon: float) -> None:
        if self.mode != "whatif":
            return
        try:
            self.session.add_site(lat, lon)
        except ZaitakuError as err:  # off the roads, outside the region: say so, keep the meeting going
            self.say(format_error(err))

    def _whatif_drawn(self) -> None:
        """The 「仮」 markers and the coverage of the what-if on the map (bands only while shown)."""
        w = self.session.whatif
        self.view.call("setWhatIf", w.sites())
        if w.live is not None:
            with_bands = any(self.session.visible.get(i) for i in self._coverage_ids("band"))
            self.view.call("replaceCoverage", w.coverage_part(with_bands=with_bands))
        self._update_buttons()

    def _erase(self, note_id: int) -> None:
        if self.mode == "erase":
            self.session.remove_note(note_id)

    # -- keys and closing -----------------------------------------------------------------------
    def _key(self, event: QKeyEvent) -> bool:
        if QApplication.activePopupWidget() is not None:  # a menu is open: its keys are its own
            return False
        key = event.key()
        typing = self.text_input.hasFocus()
        if key == Qt.Key.Key_Escape:
            if self.mode is not None:
                self.set_mode(None)
            else:
                self.close()
            return True
        if typing:
            return False
        if key in (Qt.Key.Key_Right, Qt.Key.Key_Left):
            self.session.step(1 if key == Qt.Key.Key_Right else -1)
            return True
        if key == Qt.Key.Key_Z and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.session.undo()
            return True
        return False

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            return self._key(event)
        return super().eventFilter(obj, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self._key(event):
            super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.job.wait(20000)
        self.session.end()
        super().closeEvent(event)
        self.closed.emit()

    def teardown(self) -> None:
        """Delete the web page before the view (avoids the QtWebEngine exit crash)."""
        self.view.teardown()
