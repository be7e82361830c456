"""Main window: the map in the centre, dockable panels, menus; owns the open project."""

from __future__ import annotations

import base64
import logging
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QProgressBar,
    QToolBar,
    QWidget,
)

from zaitaku_map import labels
from zaitaku_map.gui import data
from zaitaku_map.gui.dialogs import show_error
from zaitaku_map.gui.layers_panel import LayersPanel
from zaitaku_map.gui.navigation import NavigationMixin
from zaitaku_map.gui.webmap import MapView
from zaitaku_map.gui.worker import JobRunner
from zaitaku_map.settings import Settings

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


class MainWindow(NavigationMixin, QMainWindow):
    """The application window.  ``project_loaded`` fires after a project's layers were pushed."""

    project_loaded = Signal()
    map_refreshed = Signal()

    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self.project: Any = None
        self.project_path: Path | None = None
        self.facility_rows: list[dict[str, Any]] = []
        self.muni_gdf: Any = None
        self.current_option: str | None = None
        self.coverage_result: dict[str, Any] | None = None
        self._load_generation = 0
        self.jobs = JobRunner(self)
        self.setWindowTitle("zaitaku-map — 在宅医療の圏域づくり")
        self.resize(1400, 900)

        self.map = MapView(self)
        self.setCentralWidget(self.map)
        self.map.ready.connect(self._on_map_ready)
        self.map.bridge.municipality_clicked.connect(self.on_municipality_clicked)
        self.map.bridge.facility_clicked.connect(self.on_facility_clicked)
        self.map.bridge.facility_moved.connect(self.on_facility_moved)

        self.layers = LayersPanel()
        self.layers.visibility_changed.connect(self._layer_toggled)
        self.layers.opacity_changed.connect(lambda lid, a: self.map.call("setOpacity", lid, a))
        self.layers.zoom_requested.connect(self.zoom_to_layer)
        self.dock_layers = self._dock("layers", "レイヤー", self.layers, Qt.DockWidgetArea.LeftDockWidgetArea)

        self.panels: dict[str, Any] = {}
        self._build_panels()
        self._build_actions()
        self.status = QLabel("プロジェクトを開いてください（ファイル → 開く）")
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # names are user data: never rich text
        self.statusBar().addWidget(self.status, 1)
        if not self.restore_window_state():
            self.resizeDocks([self.dock_layers, self.dock_options], [270, 400], Qt.Orientation.Horizontal)
            self.resizeDocks([self.dock_facilities], [240], Qt.Orientation.Vertical)
        self.busy = QProgressBar()
        self.busy.setMaximumWidth(220)
        self.busy.setRange(0, 1000)
        self.busy.setVisible(False)
        self.statusBar().addPermanentWidget(self.busy)

    # -- construction ---------------------------------------------------------------------------
    def _dock(self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{name}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_panels(self) -> None:
        """Create the optional panels (each module is imported lazily so one failure stays local)."""
        from zaitaku_map.gui.facilities_panel import FacilitiesPanel
        from zaitaku_map.gui.options_panel import OptionsPanel

        self.options_panel = OptionsPanel(self)
        self.dock_options = self._dock(
            "options", "圏域案", self.options_panel, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.facilities_panel = FacilitiesPanel(self)
        self.dock_facilities = self._dock(
            "facilities", "施設一覧", self.facilities_panel, Qt.DockWidgetArea.BottomDockWidgetArea
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
        mb = self.menuBar()
        m_file = mb.addMenu("ファイル(&F)")
        self.act_new = self._action("新しいプロジェクト…", self.new_project_dialog, "Ctrl+N")
        self.act_open = self._action("プロジェクトを開く…", self.open_project_dialog, "Ctrl+O")
        self.act_import = self._action("データの取り込み…", self.show_import_wizard, "Ctrl+I")
        self.act_export = self._action("出力（PDF・表・GIS）…", self.show_export_dialog, "Ctrl+E")
        m_file.addAction(self.act_new)
        m_file.addAction(self.act_open)
        self.m_recent = m_file.addMenu("最近使ったプロジェクト")
        self.m_recent.aboutToShow.connect(self._fill_recent)
        m_file.addSeparator()
        m_file.addAction(self.act_import)
        m_file.addAction(self.act_export)
        m_file.addSeparator()
        m_file.addAction(self._action("終了", self.close, "Ctrl+Q"))

        m_view = mb.addMenu("表示(&V)")
        self.act_zoom_all = self._action("全体を表示", lambda: self.map.call("zoomAll"), "Ctrl+0")
        m_view.addAction(self.act_zoom_all)
        m_view.addSeparator()
        for dock in self.findChildren(QDockWidget):
            m_view.addAction(dock.toggleViewAction())

        m_an = mb.addMenu("分析(&A)")
        self.act_coverage = self._action("到達圏・カバー外を計算", self.run_coverage, "F5")
        self.act_geocode = self._action("住所から位置を求める（ジオコーディング）", self.run_geocode)
        self.act_settings = self._action("分析の設定…", self.show_settings)
        self.act_compare = self._action("圏域案を比較…", self.show_comparison)
        self.act_escape = self._action("配置・割り当てをやめる", self.cancel_map_modes, "Esc")
        self.addAction(self.act_escape)
        self.act_undo = self._action("元に戻す（圏域案）", lambda: self.options_panel.undo(), "Ctrl+Z")
        self.act_redo = self._action("やり直し（圏域案）", lambda: self.options_panel.redo(), "Ctrl+Y")
        m_edit = mb.addMenu("編集(&E)")
        m_edit.addAction(self.act_undo)
        m_edit.addAction(self.act_redo)
        self.act_drag = QAction("施設の位置を手で直す（ドラッグ）", self)
        self.act_drag.setCheckable(True)
        self.act_drag.toggled.connect(lambda on: self.map.call("setDragMode", on))
        for a in (self.act_coverage, self.act_geocode, self.act_settings, self.act_compare, self.act_drag):
            m_an.addAction(a)
        m_help = mb.addMenu("ヘルプ(&H)")
        self.act_about = self._action("zaitaku-map について", self.show_about)
        self.act_about.setMenuRole(QAction.MenuRole.AboutRole)
        m_help.addAction(self.act_about)

        tb = QToolBar("主な操作")
        tb.setObjectName("toolbar_main")
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for a in (
            self.act_open,
            self.act_import,
            self.act_coverage,
            self.act_compare,
            self.act_export,
            self.act_zoom_all,
            self.act_drag,
        ):
            tb.addAction(a)
        tb.addSeparator()
        tb.addWidget(QLabel(" 移動: "))
        self.zoom_combo = QComboBox()
        self.zoom_combo.setMinimumWidth(200)
        self.zoom_combo.activated.connect(self._zoom_combo_activated)
        tb.addWidget(self.zoom_combo)
        self.addToolBar(tb)
        self._set_project_actions(False)

    def _set_project_actions(self, on: bool) -> None:
        for a in (
            self.act_import,
            self.act_export,
            self.act_coverage,
            self.act_geocode,
            self.act_compare,
            self.act_settings,
            self.act_drag,
        ):
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

        self.about_dialog = AboutDialog(self, self.project_path)
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
        if self.project is not None:
            self.project.close()
            self.project = None
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
        try:
            from zaitaku_map.store import create_project

            create_project(path, overwrite=Path(path).exists()).close()
        except Exception as err:
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
        from zaitaku_map.store import open_project

        try:
            project = open_project(path)
        except Exception as err:
            show_error(self, err, title="プロジェクトを開けません")
            return False
        if self.project is not None:
            self.project.close()
        self.project = project
        self.project_path = Path(path).resolve()
        self.settings.add_recent(self.project_path)
        self.settings.save()
        demo = "（デモデータ）" if getattr(project, "is_demo", False) else ""
        self.setWindowTitle(f"zaitaku-map — {self.project_path.name}{demo}")
        self._set_project_actions(True)
        self.refresh_all()
        return True

    # -- pushing data to the map ----------------------------------------------------------------
    def _on_map_ready(self) -> None:
        if self.project is not None:
            self.refresh_all()

    def refresh_all(self) -> None:
        """Reload every layer from the project into the map and the panels.

        The data are read in a worker (its own connection); the window stays responsive and
        ``project_loaded`` fires once everything is on the map.  A newer refresh supersedes an
        older one still running.
        """
        if self.project is None or not self.map.is_ready:
            return
        self._load_generation += 1
        generation = self._load_generation
        self.status.setText("読み込み中…")

        def job(project: Any, *, progress: Any, cancel: Any) -> dict[str, Any]:
            return data.load_view(project)

        def loaded(view: dict[str, Any]) -> None:
            if generation == self._load_generation and self.project is not None:
                self._apply_view(view)

        def failed(err: BaseException, details: str) -> None:
            if generation == self._load_generation:
                show_error(self, err, details, title="地図を表示できません")
                self.project_loaded.emit()

        self.jobs.run(
            "読み込み中",
            job,
            project_path=self.project_path,
            on_success=loaded,
            on_error=failed,
            show_dialog=False,
        )

    def _apply_view(self, view: dict[str, Any]) -> None:
        for lid in [k for k in self.layers.items if k.startswith(("band:", "gap:"))]:
            self.map.call("clearLayer", lid)  # coverage depends on the data just reloaded
        self.layers.clear()
        self.coverage_result = None
        try:
            self.refresh_base(view)
            self.refresh_facilities(view["facilities"])
            self.options_panel.reload()
            self.facilities_panel.reload()
            self.map.call("zoomAll")  # again, now that the legend has its final width
            self.fill_zoom_targets()
        except Exception as err:
            show_error(self, err, title="地図を表示できません")
        self.project_loaded.emit()

    def refresh_base(self, view: dict[str, Any] | None = None) -> None:
        view = view or data.load_view(self.project)
        fc, gdf = view["munis"]
        self.muni_gdf = gdf
        if not fc["features"]:
            self.map.call("setMunicipalities", fc)
            self.status.setText(
                "このプロジェクトにはまだ行政区域がありません。"
                "「データの取り込み」で国土数値情報（行政区域）などを読み込んでください。"
            )
            return
        self.map.call("setMunicipalities", fc)
        self.layers.set_layer("munis", "base", "市区町村", count=len(fc["features"]), color="#f7f5ef")
        for i, (name, area_fc) in enumerate(view["areas"]):
            color = AREA_COLORS[i % len(AREA_COLORS)]
            lid = f"area:{name}"
            show = i == 0
            self.map.call("setArea", lid, area_fc, color, show)
            self.layers.set_layer(lid, "areas", name, color=color, visible=show)
        pref = sorted({str(x) for x in gdf["pref_code"]}) if "pref_code" in gdf.columns else []
        self.status.setText(
            f"{self.project_path.name if self.project_path else ''} — 市区町村 {len(fc['features'])}"
            + (f"（都道府県 {', '.join(pref)}）" if pref else "")
        )
        self.map.call("setAttribution", view.get("attribution") or labels.ATTRIBUTION["n03"])

    def hidden_layers(self) -> set[str]:
        return set(self.settings.get("hidden_layers", DEFAULT_HIDDEN) or [])

    def _layer_toggled(self, layer_id: str, on: bool) -> None:
        self.map.call("setVisible", layer_id, on)
        hidden = self.hidden_layers()
        (hidden.discard if on else hidden.add)(layer_id)
        self.settings.set("hidden_layers", sorted(hidden))

    def refresh_facilities(self, rows: list[dict[str, Any]] | None = None) -> None:
        rows = data.facilities(self.project) if rows is None else rows
        self.facility_rows = rows
        counts = Counter(r["category"] for r in rows if r["lon"] is not None)
        styles = data.category_styles(dict(counts))
        hidden = self.hidden_layers()
        for key in styles:  # before the data, so hidden layers are never drawn at all
            if f"fac:{key}" in hidden:
                self.map.call("setVisible", f"fac:{key}", False)
        self.map.call("setFacilities", styles, data.facility_rows_for_map(rows))
        for key in styles:
            cat = labels.CATEGORIES.get(key)
            self.layers.set_layer(
                f"fac:{key}",
                "facilities",
                cat.label if cat else key,
                count=counts[key],
                color=styles[key]["color"],
                shape=styles[key]["marker"],
                visible=f"fac:{key}" not in hidden,
            )
        unresolved = sum(1 for r in rows if r["lon"] is None)
        if unresolved:
            self.status.setText(self.status.text() + f" — 位置不明の施設 {unresolved} 件")

    def show_option_on_map(self, name: str | None) -> None:
        self.current_option = name
        if not name:
            self.map.call("setOption", None)
            self.layers.remove_layer("option")
            return
        payload = data.option_payload(self.project, name)
        if payload is None:
            return
        self.map.call("setOption", payload)
        self.layers.set_layer(
            "option", "option", f"圏域案: {name}", count=len(payload["kens"]), color="#ffcc66"
        )

    def session_coverage_params(self) -> Any:
        """Coverage parameters once coverage was computed in this session (cached, cheap), else None.

        Evaluations then include coverage shares without ever starting a long computation on the
        GUI thread.
        """
        if getattr(self, "coverage_result", None) is None:
            return None
        from zaitaku_map.gui.coverage_view import coverage_params

        try:
            return coverage_params(self)
        except Exception:
            return None

    def zoom_to_layer(self, layer_id: str) -> None:
        if layer_id.startswith("area:") or layer_id in ("munis", "option"):
            self.map.call("zoomAll")

    # -- map events -----------------------------------------------------------------------------
    def cancel_map_modes(self) -> None:
        """Esc: stop placing a facility, stop assigning by click, leave drag mode."""
        self.map.call("cancelPlacing")
        self.act_drag.setChecked(False)
        self.options_panel.ken_list.setCurrentRow(-1)
        self.map.call("setEditKen", None, "")

    def on_municipality_clicked(self, code: str) -> None:
        self.options_panel.municipality_clicked(code)

    def on_facility_clicked(self, fid: int) -> None:
        self.facilities_panel.select_facility(fid, from_map=True)

    def on_facility_moved(self, fid: int, lon: float, lat: float) -> None:
        fn = data.core("geocode", "set_manual_position")
        if self.project is None:
            return
        try:
            fn(self.project, fid, lon, lat)
        except Exception as err:
            show_error(self, err, title="位置を保存できません")
            self.refresh_facilities()
            return
        self.status.setText(f"施設 {fid} の位置を手動で修正しました（{lat:.5f}, {lon:.5f}）")
        self.refresh_facilities()
        self.facilities_panel.reload()
        self.facilities_panel.select_facility(fid)

    # -- dialogs (implemented in their own modules) ---------------------------------------------
    def show_import_wizard(self) -> None:
        from zaitaku_map.gui.import_wizard import ImportWizard

        if self.project_path is None:
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
