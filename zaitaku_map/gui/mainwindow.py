"""Main window: the map in the centre, dockable panels, menus; implements the :class:`Workbench`.

The window owns the widgets (map, layers panel, docks, menus) and the :class:`AppState`; panels
and dialogs get the window as a :class:`~zaitaku_map.gui.workbench.Workbench` and talk to the
state, never to each other.
"""

from __future__ import annotations

import base64
import logging
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFileDialog,
    QGridLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QProgressBar,
    QToolBar,
    QWidget,
)

from zaitaku_map import labels
from zaitaku_map.errors import ZaitakuError
from zaitaku_map.gui import data
from zaitaku_map.gui.dialogs import show_error
from zaitaku_map.gui.layers_panel import LayersPanel
from zaitaku_map.gui.maplayers import MapLayer
from zaitaku_map.gui.navigation import NavigationMixin
from zaitaku_map.gui.state import AppState
from zaitaku_map.gui.webmap import MapView
from zaitaku_map.gui.worker import Job, JobRunner
from zaitaku_map.settings import Settings

if TYPE_CHECKING:
    from zaitaku_map.coverage import CoverageParams
    from zaitaku_map.gui.workbench import MenuKey
    from zaitaku_map.progress import CancelToken, Progress
    from zaitaku_map.store import Project

log = logging.getLogger("zaitaku_map.gui")

AREA_COLORS = ["#1a1a1a", "#0b4f9c", "#7a3b00", "#2f6b2f", "#6a1b9a"]
STATE_VERSION = 1
# layers hidden until the user turns them on (dense lists would bury the 圏域 on an overview)
DEFAULT_HIDDEN = [
    "fac:pharmacy",
    "fac:care_facility",
    "fac:clinic",
    "fac:hospital",
    "fac:dental",
    "fac:home_care_support",
    "fac:home_care_service",
    "fac:other",
]
MENUS: dict[str, str] = {  # the standard order
    "file": "ファイル(&F)",
    "edit": "編集(&E)",
    "view": "表示(&V)",
    "analysis": "分析(&A)",
    "help": "ヘルプ(&H)",
}
# kinds of change after which the map and the tables are read again from the project
RELOAD_KINDS = frozenset({"boundaries", "areas", "population", "facilities", "positions", "references"})


class MainWindow(NavigationMixin, QMainWindow):
    """The application window.  ``project_loaded`` fires after a project's layers were pushed."""

    project_loaded = Signal()

    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self.state = AppState(self.settings, self)
        self.jobs = JobRunner(self)
        self._load_generation = 0
        self._project_actions: list[QAction] = []
        self.setWindowTitle("zaitaku-map — 在宅医療の圏域づくり")
        self.resize(1400, 900)

        self.map = MapView(self)
        central = QWidget(self)
        grid = QGridLayout(central)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.map, 0, 0)
        self.setCentralWidget(central)
        self.map.ready.connect(self._on_map_ready)
        self.map.bridge.municipality_clicked.connect(self.on_municipality_clicked)
        self.map.bridge.facility_clicked.connect(self.on_facility_clicked)
        self.map.bridge.facility_moved.connect(self.on_facility_moved)

        self.layers = LayersPanel()
        self.layers.visibility_changed.connect(self._layer_toggled)
        self.layers.opacity_changed.connect(lambda lid, a: self.map.call("setOpacity", lid, a))
        self.layers.zoom_requested.connect(self.zoom_to_layer)

        self.status = QLabel("プロジェクトを開いてください（ファイル → 開く）")
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # names are user data: never rich text
        self.statusBar().addWidget(self.status, 1)
        self.state.message.connect(self.status.setText)
        self.state.data_changed.connect(self._on_data_changed)
        self.state.option_changed.connect(self.show_option_on_map)

        self.menus: dict[str, QMenu] = {k: self.menuBar().addMenu(t) for k, t in MENUS.items()}
        self.toolbar = QToolBar("主な操作")
        self.toolbar.setObjectName("toolbar_main")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(self.toolbar)
        self.dock_layers = self.add_panel(
            "layers", "レイヤー", self.layers, area=Qt.DockWidgetArea.LeftDockWidgetArea
        )
        self._build_panels()
        self._build_actions()
        from zaitaku_map.gui.startpage import StartPage

        self.start_page = StartPage(
            self.state,
            new_project=self.new_project_dialog,
            open_project=self.open_project_dialog,
            open_path=self.open_project,
            import_data=self.show_import_wizard,
            parent=central,
        )
        grid.addWidget(self.start_page, 0, 0, Qt.AlignmentFlag.AlignCenter)
        from zaitaku_map.gui.extensions import install_extensions

        install_extensions(self)
        self._set_project_actions(False)
        if not self.restore_window_state():
            self.resizeDocks([self.dock_layers, self.dock_options], [270, 400], Qt.Orientation.Horizontal)
            self.resizeDocks([self.dock_facilities], [240], Qt.Orientation.Vertical)
        self.busy = QProgressBar()
        self.busy.setMaximumWidth(220)
        self.busy.setRange(0, 1000)
        self.busy.setVisible(False)
        self.statusBar().addPermanentWidget(self.busy)

    # -- the Workbench ------------------------------------------------------------------------------
    def dialog_parent(self) -> QWidget:
        return self

    def track_progress(self, job: Job) -> None:
        def progressed(d: float, t: float, msg: str) -> None:
            self.busy.setValue(int(1000 * min(d / (t or 1), 1.0)))
            self.busy.setFormat(msg[:20])

        self.busy.setValue(0)
        self.busy.setVisible(True)
        job.progressed.connect(progressed)
        job.finished.connect(lambda: self.busy.setVisible(False))

    def add_panel(
        self, key: str, title: str, widget: QWidget, *, area: Qt.DockWidgetArea | None = None
    ) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{key}")
        dock.setWidget(widget)
        self.addDockWidget(area or Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.menus["view"].addAction(dock.toggleViewAction())
        return dock

    def add_action(
        self, action: QAction, *, menu: MenuKey, toolbar: bool = False, needs_project: bool = True
    ) -> QAction:
        self.menus[menu].addAction(action)
        if toolbar:
            self.toolbar.addAction(action)
        if needs_project:
            self._project_actions.append(action)
            action.setEnabled(self.state.project is not None)
        return action

    def show_map_layer(self, layer: MapLayer) -> None:
        n = self.map_layer_count(layer)
        hidden = layer.id in self.hidden_layers()
        visible = layer.visible and not hidden if layer.id in self.layers.items else layer.visible
        self.map.call(
            "setGeoJson",
            layer.id,
            layer.geojson,
            layer.style.to_js(),
            {**layer.options_js(), "visible": visible},
        )
        self.layers.set_layer(
            layer.id,
            layer.group,
            layer.label,
            count=n,
            color=layer.icon_color or layer.style.fill_color or layer.style.color,
            shape=layer.icon_shape,
            visible=visible,
        )
        self.state.set_layer_visible(layer.id, self.layers.is_visible(layer.id))

    @staticmethod
    def map_layer_count(layer: MapLayer) -> int:
        return layer.count if layer.count is not None else len(layer.geojson.get("features") or [])

    def remove_map_layer(self, layer_id: str) -> None:
        self.map.call("clearLayer", layer_id)
        self.layers.remove_layer(layer_id)
        self.state.forget_layer(layer_id)

    def set_click_mode(self, label: str | None) -> None:
        self.map.call("setClickMode", label)

    # -- compatibility readers (the export dialog and tests; new code reads ``state``) ----------
    @property
    def project(self) -> Project | None:
        return self.state.project

    @property
    def project_path(self) -> Path | None:
        return self.state.project_path

    @property
    def current_option(self) -> str | None:
        return self.state.option

    @property
    def muni_gdf(self) -> Any:
        return self.state.municipalities

    @property
    def facility_rows(self) -> list[dict[str, Any]]:
        return self.state.facilities

    # -- construction ---------------------------------------------------------------------------
    def _build_panels(self) -> None:
        from zaitaku_map.gui.facilities_panel import FacilitiesPanel
        from zaitaku_map.gui.options_panel import OptionsPanel

        self.options_panel = OptionsPanel(self)
        self.dock_options = self.add_panel("options", "圏域案", self.options_panel)
        self.facilities_panel = FacilitiesPanel(self)
        self.dock_facilities = self.add_panel(
            "facilities", "施設一覧", self.facilities_panel, area=Qt.DockWidgetArea.BottomDockWidgetArea
        )

    def _action(
        self, text: str, slot: Callable[[], Any], shortcut: str | None = None, tip: str = ""
    ) -> QAction:
        act = QAction(text, self)
        act.triggered.connect(lambda _checked=False: slot())
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
        if tip:
            act.setStatusTip(tip)
        return act

    def _build_actions(self) -> None:
        self.act_new = self._action("新しいプロジェクト…", self.new_project_dialog, "Ctrl+N")
        self.act_open = self._action("プロジェクトを開く…", self.open_project_dialog, "Ctrl+O")
        self.act_import = self._action("データの取り込み…", self.show_import_wizard, "Ctrl+I")
        self.act_export = self._action("出力（PDF・表・GIS）…", self.show_export_dialog, "Ctrl+E")
        m_file = self.menus["file"]
        self.add_action(self.act_new, menu="file", needs_project=False)
        self.add_action(self.act_open, menu="file", toolbar=True, needs_project=False)
        self.m_recent = m_file.addMenu("最近使ったプロジェクト")
        self.m_recent.aboutToShow.connect(self._fill_recent)
        m_file.addSeparator()
        self.add_action(self.act_import, menu="file", toolbar=True)
        self.add_action(self.act_export, menu="file")
        m_file.addSeparator()
        self.add_action(self._action("終了", self.close, "Ctrl+Q"), menu="file", needs_project=False)

        self.act_undo = self._action("元に戻す（圏域案）", lambda: self.options_panel.undo(), "Ctrl+Z")
        self.act_redo = self._action("やり直し（圏域案）", lambda: self.options_panel.redo(), "Ctrl+Y")
        self.add_action(self.act_undo, menu="edit")
        self.add_action(self.act_redo, menu="edit")

        self.act_zoom_all = self._action("全体を表示", lambda: self.map.call("zoomAll"), "Ctrl+0")
        self.menus["view"].insertAction(self.menus["view"].actions()[0], self.act_zoom_all)
        self.menus["view"].insertSeparator(self.menus["view"].actions()[1])

        self.act_coverage = self._action("到達圏・カバー外を計算", self.run_coverage, "F5")
        self.act_settings = self._action("分析の設定…", self.show_settings)
        self.act_compare = self._action("圏域案を比較…", self.show_comparison)
        self.act_drag = QAction("施設の位置を手で直す（ドラッグ）", self)
        self.act_drag.setCheckable(True)
        self.act_drag.toggled.connect(lambda on: self.map.call("setDragMode", on))
        self.add_action(self.act_coverage, menu="analysis", toolbar=True)
        self.add_action(self.act_settings, menu="analysis")
        self.add_action(self.act_compare, menu="analysis", toolbar=True)
        self.add_action(self.act_drag, menu="analysis")
        self.toolbar.addAction(self.act_export)
        self.toolbar.addAction(self.act_zoom_all)
        self.toolbar.addAction(self.act_drag)
        self.act_escape = self._action("配置・割り当てをやめる", self.cancel_map_modes, "Esc")
        self.addAction(self.act_escape)

        self.act_about = self._action("zaitaku-map について", self.show_about)
        self.act_about.setMenuRole(QAction.MenuRole.AboutRole)
        self.add_action(self.act_about, menu="help", needs_project=False)

        self.toolbar.addSeparator()
        self.toolbar.addWidget(QLabel(" 移動: "))
        self.zoom_combo = QComboBox()
        self.zoom_combo.setMinimumWidth(200)
        self.zoom_combo.activated.connect(self._zoom_combo_activated)
        self.toolbar.addWidget(self.zoom_combo)

    def _set_project_actions(self, on: bool) -> None:
        for a in self._project_actions:
            a.setEnabled(on)

    def _fill_recent(self) -> None:
        self.m_recent.clear()
        for p in self.settings.get("recent_projects", []) or []:
            act = self.m_recent.addAction(p)
            act.triggered.connect(lambda _c=False, path=p: self.open_project(path))
        if not self.m_recent.actions():
            self.m_recent.addAction("（なし）").setEnabled(False)

    def show_about(self) -> None:
        """Help → 「zaitaku-map について」 (non-modal; kept as ``self.about_dialog``)."""
        from zaitaku_map.gui.about import AboutDialog

        self.about_dialog = AboutDialog(self, self.state.project_path)
        self.about_dialog.open()

    # -- window state ---------------------------------------------------------------------------
    def save_window_state(self) -> None:
        self.settings.set("gui_geometry", base64.b64encode(bytes(self.saveGeometry().data())).decode("ascii"))
        self.settings.set(
            "gui_state", base64.b64encode(bytes(self.saveState(STATE_VERSION).data())).decode("ascii")
        )
        self.settings.save()

    def restore_window_state(self) -> bool:
        ok = False
        try:
            geo = self.settings.get("gui_geometry")
            st = self.settings.get("gui_state")
            if geo:
                ok = self.restoreGeometry(QByteArray(base64.b64decode(geo)))
            if st:
                ok = self.restoreState(QByteArray(base64.b64decode(st)), STATE_VERSION) and ok
        except (ValueError, TypeError):
            log.warning("stored window state unreadable; using defaults")
        return ok

    def closeEvent(self, event: QCloseEvent) -> None:
        self.jobs.cancel_all()
        self.save_window_state()
        super().closeEvent(event)

    def teardown(self) -> None:
        """Close the project and schedule deletion of the web page (tests and exit)."""
        self.jobs.cancel_all()
        self.state.close_project()
        self.map.teardown()

    # -- project lifecycle ----------------------------------------------------------------------
    def new_project_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "新しいプロジェクト", "", "zaitaku-map プロジェクト (*.gpkg)"
        )
        if not path:
            return
        if not path.endswith(".gpkg"):
            path += ".gpkg"
        from zaitaku_map.store import create_project

        try:
            create_project(path, overwrite=Path(path).exists()).close()
        except (ZaitakuError, OSError) as err:
            show_error(self, err)
            return
        self.open_project(path)

    def open_project_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "プロジェクトを開く", "", "zaitaku-map プロジェクト (*.gpkg)"
        )
        if path:
            self.open_project(path)

    def open_project(self, path: str | Path) -> bool:
        from PySide6.QtCore import QEventLoop
        from PySide6.QtWidgets import QApplication

        from zaitaku_map.store import open_project

        def waiting(_done: float, _total: float, message: str) -> None:
            # another process writes the project: say so while waiting (up to limits.lock_wait_s)
            self.status.setText(message)
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)

        try:
            project = open_project(path, on_wait=waiting)
        except (ZaitakuError, OSError) as err:
            show_error(self, err, title="プロジェクトを開けません")
            return False
        resolved = Path(path).resolve()
        self.state.set_project(project, resolved)
        self.settings.add_recent(resolved)
        self.settings.save()
        demo = "（デモデータ）" if project.is_demo else ""
        self.setWindowTitle(f"zaitaku-map — {resolved.name}{demo}")
        self._set_project_actions(True)
        self.refresh_all()
        return True

    def _on_data_changed(self, kinds: frozenset[str]) -> None:
        if kinds & RELOAD_KINDS:
            self.refresh_all()

    # -- pushing data to the map ----------------------------------------------------------------
    def _on_map_ready(self) -> None:
        if self.state.project is not None:
            self.refresh_all()

    def refresh_all(self) -> None:
        """Reload every layer from the project into the map and the panels.

        The data are read in a worker (its own connection); the window stays responsive and
        ``project_loaded`` fires once everything is on the map.  A newer refresh supersedes an
        older one still running.
        """
        if self.state.project is None or not self.map.is_ready:
            return
        self._load_generation += 1
        generation = self._load_generation
        self.status.setText("読み込み中…")

        def job(project: Project | None, *, progress: Progress, cancel: CancelToken) -> data.ProjectView:
            assert project is not None
            return data.load_view(project)

        def loaded(view: data.ProjectView) -> None:
            if generation == self._load_generation and self.state.project is not None:
                self._apply_view(view)

        def failed(err: BaseException, details: str) -> None:
            if generation == self._load_generation:
                show_error(self, err, details, title="地図を表示できません")
                self.project_loaded.emit()

        self.jobs.run(
            "読み込み中",
            job,
            project_path=self.state.project_path,
            on_success=loaded,
            on_error=failed,
            show_dialog=False,
        )

    def _apply_view(self, view: data.ProjectView) -> None:
        for lid in [k for k in self.layers.items if k.startswith(("band:", "gap:"))]:
            self.remove_map_layer(lid)  # coverage depends on the data just reloaded
        for lid in [k for k in self.layers.items if k.startswith(("munis", "area:", "fac:"))]:
            self.layers.remove_layer(lid)
        self.state.set_coverage(None)
        self.refresh_base(view)
        self.refresh_facilities(view.facilities)
        self.state.set_view(view.municipalities, view.facilities)
        self.map.call("zoomAll")  # again, now that the legend has its final width
        self.fill_zoom_targets()
        self.project_loaded.emit()

    def refresh_base(self, view: data.ProjectView) -> None:
        fc = view.municipalities_fc
        self.map.call("setMunicipalities", fc)
        if not fc["features"]:
            self.state.show_message(
                "このプロジェクトにはまだ行政区域がありません。"
                "「データの取り込み」で国土数値情報（行政区域）などを読み込んでください。"
            )
            return
        self.layers.set_layer("munis", "base", "市区町村", count=len(fc["features"]), color="#f7f5ef")
        self.state.set_layer_visible("munis", True)
        for i, (name, area_fc) in enumerate(view.areas):
            color = AREA_COLORS[i % len(AREA_COLORS)]
            lid = f"area:{name}"
            show = i == 0
            self.map.call("setArea", lid, area_fc, color, show)
            self.layers.set_layer(lid, "areas", name, color=color, visible=show)
            self.state.set_layer_visible(lid, show)
        self.state.show_message(f"{self._project_title()} — 市区町村 {len(fc['features'])}")
        self.map.call("setAttribution", view.attribution or labels.ATTRIBUTION["n03"])

    def _project_title(self) -> str:
        """「tottori.gpkg（鳥取県）」: the file and its study prefectures by name."""
        from zaitaku_map.geocode.normalize import PREFECTURES

        path = self.state.project_path
        project = self.state.project
        prefs = project.study_prefectures if project is not None else []
        names = "・".join(PREFECTURES.get(c, c) for c in prefs)
        return (path.name if path else "") + (f"（{names}）" if names else "")

    def hidden_layers(self) -> set[str]:
        return set(self.settings.get("hidden_layers", DEFAULT_HIDDEN) or [])

    def _layer_toggled(self, layer_id: str, on: bool) -> None:
        self.map.call("setVisible", layer_id, on)
        hidden = self.hidden_layers()
        (hidden.discard if on else hidden.add)(layer_id)
        self.settings.set("hidden_layers", sorted(hidden))
        self.state.set_layer_visible(layer_id, on)

    def refresh_facilities(self, rows: list[dict[str, Any]] | None = None) -> None:
        """Redraw the facilities (read again from the project unless ``rows`` are given)."""
        project = self.state.project
        if rows is None:
            if project is None:
                return
            rows = data.facilities(project)
        self.state.facilities = rows
        counts = Counter(r["category"] for r in rows if r["lon"] is not None)
        styles = data.category_styles(dict(counts))
        hidden = self.hidden_layers()
        for key in styles:  # before the data, so hidden layers are never drawn at all
            if f"fac:{key}" in hidden:
                self.map.call("setVisible", f"fac:{key}", False)
        self.map.call("setFacilities", styles, data.facility_rows_for_map(rows))
        for key in styles:
            cat = labels.CATEGORIES.get(key)
            lid = f"fac:{key}"
            self.layers.set_layer(
                lid,
                "facilities",
                cat.label if cat else key,
                count=counts[key],
                color=styles[key]["color"],
                shape=styles[key]["marker"],
                visible=lid not in hidden,
            )
            self.state.set_layer_visible(lid, lid not in hidden)
        unresolved = sum(1 for r in rows if r["lon"] is None)
        if unresolved:
            self.status.setText(self.status.text() + f" — 位置不明の施設 {unresolved} 件")

    def show_option_on_map(self, name: str | None) -> None:
        project = self.state.project
        if not name or project is None:
            self.map.call("setOption", None)
            self.layers.remove_layer("option")
            self.state.forget_layer("option")
            return
        payload = data.option_payload(project, name, self.state.municipalities)
        self.map.call("setOption", payload)
        self.layers.set_layer(
            "option", "option", f"圏域案: {name}", count=len(payload["kens"]), color="#ffcc66"
        )
        self.state.set_layer_visible("option", self.layers.is_visible("option"))
        self.fill_zoom_targets()

    def session_coverage_params(self) -> CoverageParams | None:
        """Coverage parameters once coverage was computed in this session, else None.

        Evaluations then include coverage shares without ever starting a long computation on the
        GUI thread.
        """
        shown = self.state.coverage
        return shown.params if shown is not None else None

    def zoom_to_layer(self, layer_id: str) -> None:
        if layer_id.startswith("area:") or layer_id in ("munis", "option"):
            self.map.call("zoomAll")

    # -- map events -----------------------------------------------------------------------------
    def cancel_map_modes(self) -> None:
        """Esc: stop placing a facility, stop assigning by click, leave drag mode."""
        self.map.call("cancelPlacing")
        self.act_drag.setChecked(False)
        self.state.select_ken(None)

    def on_municipality_clicked(self, code: str) -> None:
        self.options_panel.municipality_clicked(code)

    def on_facility_clicked(self, fid: int) -> None:
        self.facilities_panel.select_facility(fid, from_map=True)

    def on_facility_moved(self, fid: int, lon: float, lat: float) -> None:
        from zaitaku_map.geocode import set_manual_position

        project = self.state.project
        if project is None:
            return
        try:
            set_manual_position(project, fid, lon, lat)
        except ZaitakuError as err:
            show_error(self, err, title="位置を保存できません")
            self.refresh_facilities()
            return
        name = next((str(r["name"]) for r in self.state.facilities if int(r["id"]) == fid), f"施設 {fid}")
        self.state.show_message(f"「{name}」の位置を手動で修正しました（{lat:.5f}, {lon:.5f}）")
        self.refresh_facilities()
        self.facilities_panel.reload()
        self.facilities_panel.select_facility(fid)

    # -- dialogs (implemented in their own modules) ---------------------------------------------
    def show_import_wizard(self) -> None:
        from zaitaku_map.gui.import_wizard import ImportWizard

        if self.state.project_path is None:
            return
        self.import_wizard = ImportWizard(self)
        self.import_wizard.show()

    def show_export_dialog(self) -> None:
        from zaitaku_map.gui.export_dialog import ExportDialog

        self.export_dialog = ExportDialog(self)
        self.export_dialog.show()

    def show_settings(self) -> None:
        from zaitaku_map.gui.settings_dialog import SettingsDialog

        self.settings_dialog = SettingsDialog(self)
        self.settings_dialog.show()

    def show_comparison(self) -> None:
        from zaitaku_map.gui.compare import ComparisonView

        self.comparison = ComparisonView(self)
        self.comparison.show()

    def run_coverage(self) -> None:
        from zaitaku_map.gui.coverage_view import run_coverage

        run_coverage(self)
