"""What a panel, dialog or feature module gets from the main window: the :class:`Workbench`.

The main window implements this protocol; modules type their ``wb`` argument with it and never
import :mod:`zaitaku_map.gui.mainwindow` (no import cycle, and a test can pass a small fake).
See :mod:`zaitaku_map.gui` for how a feature plugs in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QDockWidget, QWidget

    from zaitaku_map.gui.layers_panel import LayersPanel
    from zaitaku_map.gui.maplayers import MapLayer
    from zaitaku_map.gui.state import AppState
    from zaitaku_map.gui.webmap import MapView
    from zaitaku_map.gui.worker import Job, JobRunner
    from zaitaku_map.settings import Settings

MenuKey = Literal["file", "edit", "view", "analysis", "help"]


class Workbench(Protocol):
    """The main window as the rest of the GUI sees it."""

    @property
    def state(self) -> AppState:
        """The shared state (project, option, scenario, year, selection) and its signals."""
        ...

    @property
    def settings(self) -> Settings:
        """The user's settings (persisted as JSON)."""
        ...

    @property
    def map(self) -> MapView:
        """The Leaflet map (``map.call("fn", …)``; ``map.bridge`` signals clicks)."""
        ...

    @property
    def jobs(self) -> JobRunner:
        """Runs core functions in a worker thread with progress and cancel."""
        ...

    @property
    def layers(self) -> LayersPanel:
        """The layers panel (rows for layers drawn by the map's own functions)."""
        ...

    def track_progress(self, job: Job) -> None:
        """Show a background job's progress in the status bar until it ends."""
        ...

    def dialog_parent(self) -> QWidget:
        """The parent widget of dialogs and message boxes."""
        ...

    def add_panel(
        self, key: str, title: str, widget: QWidget, *, area: Qt.DockWidgetArea | None = None
    ) -> QDockWidget:
        """Add a dock (its show/hide action goes into the 表示 menu; layout restored across runs)."""
        ...

    def add_action(
        self, action: QAction, *, menu: MenuKey, toolbar: bool = False, needs_project: bool = True
    ) -> QAction:
        """Add an action to a menu (and the toolbar); ``needs_project`` disables it without a project."""
        ...

    def show_map_layer(self, layer: MapLayer) -> None:
        """Draw (or replace) a generic layer and list it in the layers panel."""
        ...

    def remove_map_layer(self, layer_id: str) -> None:
        """Remove a layer from the map, the layers panel and the legend."""
        ...

    def set_click_mode(self, label: str | None) -> None:
        """Route map clicks to ``map.bridge.map_clicked(lon, lat)`` while ``label`` is shown
        (``None`` gives the clicks back: 圏域 assignment, facility selection)."""
        ...


def add_analysis_dock(wb: Workbench, key: str, title: str, panel: QWidget, menu_text: str) -> QDockWidget:
    """Add ``panel`` as a hidden right-hand dock with an entry in the 分析 menu that shows and raises it."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QAction

    dock = wb.add_panel(key, title, panel, area=Qt.DockWidgetArea.RightDockWidgetArea)
    dock.hide()
    act = QAction(menu_text, wb.dialog_parent())

    def show() -> None:
        dock.show()
        dock.raise_()

    act.triggered.connect(show)
    wb.add_action(act, menu="analysis")
    return dock
