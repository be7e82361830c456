"""Desktop GUI (PySide6 + QtWebEngine + Leaflet): the only package that imports Qt.

Importing this package does not import Qt; :func:`run` does.  See :mod:`.app`.

How the pieces talk
-------------------
- :class:`~zaitaku_map.gui.state.AppState` (``wb.state``) holds the open project (typed
  ``Project``), the option, scenario and year on the screen, the shared selection and the coverage
  shown, with a signal for each (``project_changed``, ``view_loaded``, ``data_changed(kinds)``,
  ``option_changed``, ``scenario_changed``, ``year_changed``, ``selection_changed``,
  ``coverage_changed``, ``layers_changed``, ``message``).  Panels subscribe to it and change it
  through its setters; after a core call that changed the project they call
  ``state.notify_changed("roles", …)`` (kinds in ``state.DATA_KINDS``) and every panel that shows
  those data reloads.  ``state.screen()`` is what the screen shows (option, scenario, year, visible
  layers and categories) for exports that follow the screen.
- :class:`~zaitaku_map.gui.workbench.Workbench` (``wb``) is the main window as the rest of the GUI
  sees it: ``state``, ``settings``, ``map``, ``jobs``, ``layers``, ``dialog_parent()``,
  ``add_panel``, ``add_action``, ``show_map_layer`` / ``remove_map_layer``, ``set_click_mode``,
  ``track_progress``.  Modules type their argument with it and never import ``mainwindow``.
- Long work runs through ``wb.jobs.run(title, fn, project_path=wb.state.project_path,
  on_success=…)``: ``fn(project, *, progress, cancel)`` runs in a worker thread with its own project
  connection (:mod:`.worker`); the core's progress/cancel protocol drives the dialog or
  ``wb.track_progress(job)``.

How a feature plugs in
----------------------
A feature module (e.g. ``gui/whatif.py``) defines ``install(wb: Workbench) -> None`` and adds one
import and one call to :func:`zaitaku_map.gui.extensions.install_extensions`.  In ``install``:

- **a dock/panel**: ``wb.add_panel("whatif", "もしも（仮の施設）", widget)`` — the widget takes
  ``wb`` and subscribes to ``wb.state`` signals; its show/hide action lands in 表示; the dock
  layout is saved and restored with the others.
- **a menu/toolbar action**: ``wb.add_action(QAction("…", wb.dialog_parent()), menu="analysis",
  toolbar=True)`` (menus: ``file`` ``edit`` ``view`` ``analysis`` ``help``); actions that need a
  project are disabled while none is open (``needs_project=False`` otherwise).  A toolbar widget
  such as a year selector: ``wb.add_action`` a ``QWidgetAction`` and call ``wb.state.set_year``.
- **a map layer**: ``wb.show_map_layer(MapLayer(id="demand:peak", group="analysis", label=…,
  geojson=fc, style=LayerStyle(…), legend=(LegendEntry(…), …), placement="base"))`` draws any
  GeoJSON (points as symbols, lines, polygons; per-feature ``_style``/``_tip``/``_id``
  properties), lists it in the layers panel and its legend rows in the map legend;
  ``wb.remove_map_layer(id)`` removes it.  Redraw on the state signals that change it
  (``year_changed`` for a choropleth by year …).
- **map clicks**: ``wb.set_click_mode("地図をクリックして仮の施設を置く")`` routes every click to
  ``wb.map.bridge.map_clicked(lon, lat)`` until ``wb.set_click_mode(None)``; features of an
  ``interactive`` layer report ``wb.map.bridge.feature_clicked(layer_id, feature_id)``.
"""

from __future__ import annotations

from pathlib import Path


def run(project: str | Path | None = None, *, screenshot: str | Path | None = None) -> int:
    """Start the application (blocking); returns the exit code."""
    from zaitaku_map.gui.app import run as _run

    return _run(project, screenshot=screenshot)
