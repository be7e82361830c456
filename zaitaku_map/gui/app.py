"""Application start-up: environment for QtWebEngine, fonts, the main window, ``--screenshot``."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

log = logging.getLogger("zaitaku_map.gui")


def prepare_environment(*, headless: bool = False) -> None:
    """Set what Chromium and Qt need before the QApplication exists.

    - running as root (containers, CI) Chromium refuses to start without disabling its sandbox;
    - without a display (or for ``--screenshot`` on a server) use the offscreen platform.
    """
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    no_display = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )
    if headless or no_display:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--disable-gpu")


def setup_fonts(app: Any) -> str:
    """Register the bundled IPAexGothic and make it the application font (no tofu anywhere)."""
    from PySide6.QtGui import QFont, QFontDatabase

    from zaitaku_map.assets import japanese_font_path

    family = ""
    try:
        fid = QFontDatabase.addApplicationFont(str(japanese_font_path()))
        fams = QFontDatabase.applicationFontFamilies(fid) if fid >= 0 else []
        family = fams[0] if fams else ""
    except FileNotFoundError:
        log.warning("Japanese font not found; UI text may not render")
    if family:
        f = QFont(family)
        f.setPointSizeF(10.5)
        app.setFont(f)
    return family


def setup_translations(app: Any) -> bool:
    """Qt's own Japanese strings (standard buttons キャンセル/はい, file dialogs, context menus) from
    the translations PySide6 ships; the UI itself is written in Japanese."""
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

    if getattr(app, "_zm_translators", None):
        return True
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    loaded = []
    for name in ("qtbase", "qt"):
        tr = QTranslator(app)
        if tr.load(QLocale(QLocale.Language.Japanese, QLocale.Country.Japan), name, "_", folder):
            app.installTranslator(tr)
            loaded.append(tr)
    app._zm_translators = loaded  # keep them alive with the application
    if not loaded:
        log.warning("Qt Japanese translations not found in %s", folder)
    return bool(loaded)


def create_app(argv: list[str] | None = None) -> Any:
    """The QApplication (existing one reused, e.g. under pytest-qt)."""
    import PySide6.QtWebEngineWidgets  # noqa: F401  - must be imported before the QApplication
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        app = QApplication(argv or ["zaitaku-map"])
        app.setApplicationName("zaitaku-map")
        app.setOrganizationName("zaitaku-map")
    from zaitaku_map.gui import refguard
    from zaitaku_map.gui.worker import quiet_pyside_import_hook

    refguard.install(app)  # PySide6 6.12 on Python 3.11 over-releases None/True/False
    quiet_pyside_import_hook()
    setup_fonts(app)
    setup_translations(app)
    return app


def teardown_window(win: Any) -> None:
    """Close a window and delete its web page first (avoids the QtWebEngine exit segfault)."""
    from PySide6.QtCore import QCoreApplication, QEvent

    win.close()
    win.teardown()
    win.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def run(project: str | Path | None = None, *, screenshot: str | Path | None = None) -> int:
    """Run the GUI.  With ``screenshot`` the window is saved as PNG once the map has painted."""
    prepare_environment(headless=screenshot is not None)
    app = create_app(sys.argv[:1])
    from PySide6.QtCore import Qt, QTimer

    from zaitaku_map.gui.mainwindow import MainWindow
    from zaitaku_map.settings import Settings

    if screenshot is not None:  # reproducible picture; the user's settings are neither read nor changed
        import tempfile

        settings = Settings(Path(tempfile.mkdtemp(prefix="zaitaku-shot-")) / "settings.json")
    else:
        settings = Settings()
    win = MainWindow(settings)
    target = project or (None if screenshot else settings.get("last_project"))
    if project and not Path(project).exists():
        if screenshot is not None:
            teardown_window(win)
            return 2
        from zaitaku_map.gui.dialogs import show_error

        QTimer.singleShot(
            0,
            lambda: show_error(
                win, FileNotFoundError(2, "not found", str(project)), title="プロジェクトを開けません"
            ),
        )
        target = None
    elif target and not Path(target).exists():  # the last project was moved or deleted
        target = None
    result = {"code": 0}
    if screenshot is not None:
        win.resize(1600, 1000)
    win.show()
    if screenshot is not None:  # a reproducible layout: big map, compact table

        def compact() -> None:
            win.resizeDocks([win.dock_layers, win.dock_options], [250, 390], Qt.Orientation.Horizontal)
            win.resizeDocks([win.dock_facilities], [190], Qt.Orientation.Vertical)

        compact()
        QTimer.singleShot(0, compact)
    if target:
        # open once the page can receive data; the window is already visible (never frozen)
        QTimer.singleShot(0, lambda: win.open_project(target))
    if screenshot is not None:
        out = Path(screenshot)

        def shoot(stats: dict[str, Any]) -> None:
            # let the canvas settle one more frame-ish, then grab the whole window
            def grab() -> None:
                ok = win.grab().save(str(out))
                if not ok or stats.get("timed_out"):
                    print(f"screenshot: map not ready ({stats})", file=sys.stderr)
                    result["code"] = 1
                else:
                    print(
                        f"screenshot saved: {out} (municipalities {stats.get('munis')}, "
                        f"facilities {stats.get('facilities')})"
                    )
                app.quit()

            QTimer.singleShot(300, grab)

        def after_load() -> None:
            """Show coverage gaps too when the project can compute them, then wait for the paint."""
            from zaitaku_map.gui.coverage_view import run_coverage
            from zaitaku_map.store import queries

            job = None
            try:
                has_demand = queries.demand_point_count(win.state.require_project()) > 0
                if has_demand and win.state.facilities:
                    job = run_coverage(win, ["zaishi"], ask=False)
            except Exception:
                log.exception("coverage for the screenshot failed")
            if job is None:
                munis = win.state.municipalities
                empty = munis is None or len(munis) == 0
                win.when_painted(shoot, expect_munis=0 if empty else None)
                return

            def covered(_r: Any) -> None:
                win.map.call("zoomAll")  # final fit with the final legend and dock sizes
                win.when_painted(shoot, require_layers=("gap:zaishi",))

            job.succeeded.connect(covered)
            job.failed.connect(lambda _e: win.when_painted(shoot))

        def start_polling() -> None:
            if target is None:
                QTimer.singleShot(1500, lambda: shoot({"munis": 0}))
            else:
                win.project_loaded.connect(after_load, Qt.ConnectionType.SingleShotConnection)

        start_polling()
    app.exec()
    teardown_window(win)
    return int(result["code"])
