"""Map navigation of the main window (a mixin, to keep modules small): zoom targets and the "has the
map painted" check used by ``--screenshot`` and the tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QComboBox, QWidget

from zaitaku_map.gui import data
from zaitaku_map.gui.state import AppState
from zaitaku_map.gui.webmap import MapView
from zaitaku_map.gui.worker import JobRunner

if TYPE_CHECKING:
    pass


class NavigationMixin:
    """Methods of :class:`~zaitaku_map.gui.mainwindow.MainWindow` that only use its public parts."""

    state: AppState
    map: MapView
    zoom_combo: QComboBox
    jobs: JobRunner

    def _dialog_parent(self) -> QWidget | None:
        """The window itself as the parent of message boxes (the mixin is only used by a QWidget)."""
        return self if isinstance(self, QWidget) else None

    def fill_zoom_targets(self) -> None:
        """Prefecture(s), every area of every area layer and every 圏域 of the current option."""
        from zaitaku_map.geocode.normalize import PREFECTURES

        self.zoom_combo.clear()
        self.zoom_combo.addItem("都道府県全体", None)
        project = self.state.project
        if project is None:
            return
        gdf = self.state.municipalities
        if gdf is not None and len(gdf) and "pref_code" in gdf.columns and gdf["pref_code"].nunique() > 1:
            for pref, codes in gdf.groupby("pref_code")["code"]:
                self.zoom_combo.addItem(PREFECTURES.get(str(pref), str(pref)), [str(c) for c in codes])
        for layer in data.area_layers(project):
            groups: dict[str, list[str]] = {}
            for code, (_acode, aname) in data.area_membership(project, layer).items():
                groups.setdefault(aname, []).append(code)
            for aname, codes in sorted(groups.items()):
                self.zoom_combo.addItem(f"{layer}: {aname}", codes)
        if self.state.option:
            from zaitaku_map.options import OptionNotFoundError, get_option

            try:
                opt = get_option(project, self.state.option)
            except OptionNotFoundError:
                return
            for key, codes in opt.members().items():
                if codes:
                    self.zoom_combo.addItem(f"圏域: {opt.kens[key].get('name') or key}", codes)

    def _zoom_combo_activated(self, index: int) -> None:
        codes = self.zoom_combo.itemData(index)
        if codes:
            self.map.call("zoomToMunis", list(codes))
        else:
            self.map.call("zoomAll")

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
