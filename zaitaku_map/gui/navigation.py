"""Map navigation and background actions of the main window (a mixin, to keep modules small):
zoom targets, the geocode action and the "has the map painted" check used by ``--screenshot``."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from zaitaku_map import labels
from zaitaku_map.gui import data
from zaitaku_map.gui.dialogs import info, show_error
from zaitaku_map.gui.worker import JobRunner


class NavigationMixin:
    """Methods of :class:`~zaitaku_map.gui.mainwindow.MainWindow` that only use its public parts."""

    project: Any
    project_path: Any
    muni_gdf: Any
    facility_rows: list[dict[str, Any]]
    map: Any
    zoom_combo: Any
    options_panel: Any
    facilities_panel: Any
    jobs: JobRunner
    refresh_facilities: Callable[[], None]

    def _dialog_parent(self) -> QWidget | None:
        """The window itself as the parent of message boxes (the mixin is only used by a QWidget)."""
        return self if isinstance(self, QWidget) else None

    def fill_zoom_targets(self) -> None:
        """Prefecture(s), every area of every area layer and every 圏域 of the current option."""
        self.zoom_combo.clear()
        self.zoom_combo.addItem("都道府県全体", None)
        if self.project is None:
            return
        gdf = self.muni_gdf
        if gdf is not None and len(gdf) and "pref_code" in gdf.columns and gdf["pref_code"].nunique() > 1:
            for pref, codes in gdf.groupby("pref_code")["code"]:
                self.zoom_combo.addItem(f"都道府県: {pref}", [str(c) for c in codes])
        am = data.core("geodata", "area_membership")
        for layer in data.area_layers(self.project):
            groups: dict[str, list[str]] = {}
            for code, (_acode, aname) in am(self.project, layer).items():
                groups.setdefault(aname, []).append(code)
            for aname, codes in sorted(groups.items()):
                self.zoom_combo.addItem(f"{layer}: {aname}", codes)
        opt = getattr(self.options_panel, "option", None)
        if opt is not None:
            for key, codes in opt.members().items():
                if codes:
                    self.zoom_combo.addItem(f"圏域: {opt.kens[key].get('name') or key}", codes)

    def _zoom_combo_activated(self, index: int) -> None:
        codes = self.zoom_combo.itemData(index)
        if codes:
            self.map.call("zoomToMunis", list(codes))
        else:
            self.map.call("zoomAll")

    def run_geocode(self) -> None:
        fn = data.core("geocode", "geocode_project")
        if self.project_path is None:
            return

        def job(project: Any, *, progress: Any, cancel: Any) -> Any:
            return fn(project, progress=progress, cancel=cancel)

        def done(result: Any) -> None:
            self.refresh_facilities()
            self.facilities_panel.reload()
            levels = Counter(r.get("geocode_level") or "unresolved" for r in self.facility_rows)
            lines = [
                f"{labels.GEOCODE_LEVELS.get(k, k)}: {levels[k]:,} 件"
                for k in labels.GEOCODE_LEVELS
                if levels.get(k)
            ]
            info(
                self._dialog_parent(),
                "ジオコーディング",
                "施設の位置を更新しました。\n\n"
                + "\n".join(lines)
                + "\n\n位置不明・市区町村代表点の施設は、施設一覧で選んで地図上に配置できます。",
            )

        self.jobs.run(
            "住所から位置を求めています",
            job,
            project_path=self.project_path,
            on_success=done,
            on_error=lambda e, d: show_error(self._dialog_parent(), e, d),
        )

    # -- used by --screenshot and tests ---------------------------------------------------------
    def when_painted(
        self,
        callback: Callable[[dict[str, Any]], None],
        *,
        expect_munis: int | None = None,
        min_painted: int = 1,
        require_layers: tuple[str, ...] = (),
        timeout_ms: int = 60000,
    ) -> None:
        """Poll the page until it reports every municipality drawn, then call ``callback(stats)``."""
        waited = {"ms": 0}

        def poll() -> None:
            def got(raw: Any) -> None:
                try:
                    stats = json.loads(raw) if isinstance(raw, str) else {}
                except ValueError:
                    stats = {}
                n = stats.get("munis", 0)
                target = expect_munis if expect_munis is not None else n
                done = (
                    stats.get("ready")
                    and stats.get("painted", 0) >= min_painted
                    and (n > 0 or expect_munis == 0)
                    and stats.get("munisDrawn", 0) >= target
                    and all(layer in stats.get("layers", {}) for layer in require_layers)
                )
                if done or waited["ms"] >= timeout_ms:
                    stats["timed_out"] = not done
                    callback(stats)
                else:
                    waited["ms"] += 150
                    QTimer.singleShot(150, poll)

            self.map.eval_js("window.zm ? zm.stats() : '{}'", got)

        poll()
