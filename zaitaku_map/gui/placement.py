"""Placing facilities: geocoding with reference files or folders, a light base layer of roads and
town points to place by hand on, and a 「次の概略位置」 queue through every facility whose position
is only approximate.

Plugs in through :func:`install` (see :mod:`zaitaku_map.gui`): menu 分析 gets 「住所から位置を求める…」
and 「次の概略位置」 (F8), menu 表示 「位置合わせの下図（道路・町字）」.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from zaitaku_map import labels
from zaitaku_map.gui.dialogs import show_error
from zaitaku_map.gui.maplayers import LayerStyle, LegendEntry, MapLayer

if TYPE_CHECKING:
    from zaitaku_map.gui.workbench import Workbench
    from zaitaku_map.gui.worker import Job
    from zaitaku_map.ingest import IngestReport
    from zaitaku_map.progress import CancelToken, Progress
    from zaitaku_map.store import Project

GUIDE_ROADS = "guide:roads"
GUIDE_TOWNS = "guide:towns"
# the road classes drawn as a guide (the small ones would hide the map)
GUIDE_ROAD_CLASSES = ("motorway", "trunk", "primary", "secondary", "tertiary")
# the queue: no position first, then municipality points, then town (町字) centroids — the same
# positions the map and the prints draw hollow as 概略位置
APPROXIMATE = ("unresolved", "municipality", "town")
CATEGORY_ORDER = ("zaishi_clinic", "zaishi_hospital", "home_nursing", "hospital", "houkatsu")


def install(wb: Workbench) -> Placement:
    """Add the actions to the window (called once by the window, see :mod:`.extensions`)."""
    return Placement(wb)


class Placement(QObject):
    """The geocode dialog, the guide layer and the queue of approximate facilities (lives as long
    as the window)."""

    def __init__(self, wb: Workbench) -> None:
        super().__init__(wb.dialog_parent())
        self.setObjectName("placement")
        self.wb = wb
        self.state = wb.state
        self.queue_pos = 0
        self.current: int | None = None
        parent = wb.dialog_parent()
        self.act_geocode = QAction("住所から位置を求める（参照データ・フォルダ可）…", parent)
        self.act_geocode.triggered.connect(lambda _c=False: self.geocode_dialog())
        self.act_next = QAction("次の概略位置の施設を配置", parent)
        self.act_next.setShortcut(QKeySequence("F8"))
        self.act_next.setStatusTip("位置不明・市区町村代表点の施設を順に選び、地図のクリックで配置します")
        self.act_next.triggered.connect(lambda _c=False: self.next_approximate())
        self.act_guides = QAction("位置合わせの下図（道路・町字）", parent)
        self.act_guides.setCheckable(True)
        self.act_guides.toggled.connect(self.show_guides)
        wb.add_action(self.act_geocode, menu="analysis")
        wb.add_action(self.act_next, menu="analysis")
        wb.add_action(self.act_guides, menu="view")
        self.state.project_changed.connect(self._reset)
        self.state.view_loaded.connect(self._refresh_guides)

    def _reset(self) -> None:
        self.queue_pos = 0
        self.current = None
        self.act_guides.setChecked(False)

    # -- geocoding ------------------------------------------------------------------------------
    def geocode_dialog(self) -> Job | None:
        dlg = GeocodeDialog(self.wb.dialog_parent())
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return None
        return self.run_geocode(dlg.paths)

    def run_geocode(self, references: list[str]) -> Job | None:
        """Import the references (files or folders, each its own import), then geocode."""
        from zaitaku_map.ingest import Plan, import_references, run_plan

        if self.state.project_path is None:
            return None
        refs = list(references)

        def job(project: Project | None, *, progress: Progress, cancel: CancelToken) -> IngestReport:
            assert project is not None
            if refs:
                return import_references(project, refs, progress=progress, cancel=cancel)
            return run_plan(project, Plan([]), geocode=False, progress=progress, cancel=cancel)

        def done(report: IngestReport) -> None:
            from zaitaku_map.geocode import geocode_report

            project = self.state.project
            if report.geocode is None and project is not None:  # no references: geocode in place
                self._geocode_only()
                return
            self.state.notify_changed("references", "positions")
            self.show_summary(report, dict(geocode_report(project)) if project is not None else None)

        return self.wb.jobs.run(
            "住所から位置を求めています",
            job,
            project_path=self.state.project_path,
            on_success=done,
            on_error=lambda e, d: show_error(self.wb.dialog_parent(), e, d, title="位置を求められません"),
        )

    def _geocode_only(self) -> Job:
        from zaitaku_map.geocode import geocode_project

        def job(project: Project | None, *, progress: Progress, cancel: CancelToken) -> dict[str, Any]:
            assert project is not None
            return dict(geocode_project(project, progress=progress, cancel=cancel))

        def done(result: dict[str, Any]) -> None:
            self.state.notify_changed("positions")
            self.show_summary(None, result)

        return self.wb.jobs.run(
            "住所から位置を求めています", job, project_path=self.state.project_path, on_success=done
        )

    def show_summary(self, report: IngestReport | None, result: dict[str, Any] | None) -> GeocodeSummary:
        """The positions per precision level, and the way to the facilities still approximate."""
        from zaitaku_map.ingest.report import GUI_DATE_HOW, geocode_lines, ingest_lines, municipality_names

        lines: list[str] = []
        if report is not None:
            lines += [
                x for x in ingest_lines(report, how_date=GUI_DATE_HOW) if not x.startswith("対象都道府県")
            ]
        elif result is not None:
            project = self.state.project
            names = municipality_names(project) if project is not None else None
            lines += geocode_lines(result, place_hint="「次の概略位置」で順に配置できます", names=names)
        n = sum(1 for r in self.state.facilities if (r.get("geocode_level") or "unresolved") in APPROXIMATE)
        self.summary = GeocodeSummary(self.wb.dialog_parent(), "\n".join(lines).strip(), n, self.start_queue)
        self.summary.show()
        return self.summary

    # -- the queue ------------------------------------------------------------------------------
    def queue(self) -> list[dict[str, Any]]:
        """Facilities whose position is approximate: unplaced first, the core categories first."""
        rank = {c: i for i, c in enumerate(CATEGORY_ORDER)}
        rows = [r for r in self.state.facilities if (r.get("geocode_level") or "unresolved") in APPROXIMATE]
        return sorted(
            rows,
            key=lambda r: (
                APPROXIMATE.index(r.get("geocode_level") or "unresolved"),
                rank.get(str(r["category"]), len(rank)),
                int(r["id"]),
            ),
        )

    def start_queue(self) -> None:
        self.queue_pos = 0
        self.act_guides.setChecked(True)
        self.next_approximate()

    def next_approximate(self) -> int | None:
        """Select the next approximate facility, zoom to it and wait for a click that places it."""
        q = self.queue()
        if not q:
            self.current = None
            self.state.show_message(
                "概略位置の施設はありません（すべて街区・元データの座標または手動配置です）"
            )
            return None
        if self.current is not None and any(int(r["id"]) == self.current for r in q):
            self.queue_pos += 1  # skipped without placing: move on
        self.queue_pos %= len(q)
        r = q[self.queue_pos]
        self.current = int(r["id"])
        self.state.select_facility(self.current)
        self.wb.map.call("highlightFacility", self.current, True)
        self.wb.map.call("startPlacing", self.current, str(r.get("short_name") or r["name"] or ""))
        level = labels.GEOCODE_LEVELS.get(str(r.get("geocode_level") or "unresolved"), "位置不明")
        self.state.show_message(
            f"概略位置 {self.queue_pos + 1} / {len(q)}: {r['name']}（{r.get('address') or '住所なし'}・{level}）"
            " — 地図をクリックして配置、F8 で次へ"
        )
        return self.current

    # -- the guide layer ------------------------------------------------------------------------
    def show_guides(self, on: bool) -> None:
        if not on:
            self.wb.remove_map_layer(GUIDE_ROADS)
            self.wb.remove_map_layer(GUIDE_TOWNS)
            return
        project = self.state.project
        if project is None:
            return
        roads = road_guide(project)
        if roads is not None:
            self.wb.show_map_layer(roads)
        towns = town_guide(project)
        if towns is not None:
            self.wb.show_map_layer(towns)
        if roads is None and towns is None:
            self.state.show_message(
                "下図にする道路網・町字の位置参照がありません（道路網・位置参照情報を取り込むと表示されます）"
            )

    def _refresh_guides(self) -> None:
        if self.act_guides.isChecked():
            self.show_guides(True)


def road_guide(project: Project) -> MapLayer | None:
    """The main roads of the project's network as thin grey lines (``None`` without a network)."""
    from zaitaku_map.network import load_network
    from zaitaku_map.network.speeds import CLASS_CODE

    net = load_network(project)
    if net is None:
        return None
    keep = np.isin(net.road_class, [CLASS_CODE[c] for c in GUIDE_ROAD_CLASSES])
    src = np.repeat(np.arange(net.n_nodes), np.diff(net.indptr))[keep]
    dst = net.indices[keep]
    pairs = {(int(a), int(b)) if a < b else (int(b), int(a)) for a, b in zip(src, dst, strict=True)}
    lines = [
        [
            [round(float(net.lon[a]), 5), round(float(net.lat[a]), 5)],
            [round(float(net.lon[b]), 5), round(float(net.lat[b]), 5)],
        ]
        for a, b in sorted(pairs)
    ]
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "MultiLineString", "coordinates": lines},
                "properties": {},
            }
        ],
    }
    return MapLayer(
        id=GUIDE_ROADS,
        group="guides",
        label="主な道路（下図）",
        geojson=fc,
        style=LayerStyle(color="#8a8a8a", weight=1.1, opacity=0.8),
        legend=(LegendEntry("主な道路", color="#8a8a8a", shape="line"),),
        placement="base",
        count=len(lines),
        icon_shape="s",
    )


def town_guide(project: Project) -> MapLayer | None:
    """The 大字・町丁目 points of the geocoding references, small, with their names on hover."""
    from zaitaku_map.store import queries

    pts = queries.reference_points(project, level="town")
    if not pts:
        return None
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(x, 6), round(y, 6)]},
                "properties": {"_tip": [town, muni]},
            }
            for x, y, town, muni in pts
        ],
    }
    return MapLayer(
        id=GUIDE_TOWNS,
        group="guides",
        label="町字の位置（下図）",
        geojson=fc,
        style=LayerStyle(color="#5f6b7a", weight=0.6, fill_color="#5f6b7a", fill_opacity=0.55, radius=2.2),
        legend=(LegendEntry("町字の位置（位置参照）", color="#5f6b7a", shape="o"),),
        placement="base",
        icon_shape="o",
    )


class GeocodeDialog(QDialog):
    """Which reference files or folders to import before geocoding (none: geocode with what is there)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("住所から位置を求める")
        self.resize(620, 380)
        self.paths: list[str] = []
        text = QLabel(
            "住所の位置参照（国土交通省の位置参照情報 CSV/zip、町丁目の代表点 JSON）を追加できます。\n"
            "都道府県の市区町村ごとのファイルが入ったフォルダ（例: Geolonia の 西伯郡大山町.json …）はフォルダごと"
            "選んでください。市区町村はファイル名か点の位置から判定します。何も選ばなければ、取り込み済みの参照で求めます。"
        )
        text.setWordWrap(True)
        self.list = QListWidget()
        add_files = QPushButton("ファイルを追加…")
        add_files.clicked.connect(self._add_files)
        add_folder = QPushButton("フォルダを追加…")
        add_folder.clicked.connect(self._add_folder)
        row = QHBoxLayout()
        row.addWidget(add_files)
        row.addWidget(add_folder)
        row.addStretch(1)
        bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        bb.button(QDialogButtonBox.StandardButton.Ok).setText("位置を求める")
        bb.accepted.connect(self.accept)
        bb.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(text)
        lay.addWidget(self.list, 1)
        lay.addLayout(row)
        lay.addWidget(bb)

    def add(self, path: str) -> None:
        if path and path not in self.paths:
            self.paths.append(path)
            self.list.addItem(Path(path).name + ("（フォルダ）" if Path(path).is_dir() else ""))

    def _add_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, "位置参照のファイル", "", "位置参照 (*.csv *.zip *.json);;すべて (*)"
        )
        for p in paths:
            self.add(p)

    def _add_folder(self) -> None:
        self.add(QFileDialog.getExistingDirectory(self, "位置参照のフォルダ"))


class GeocodeSummary(QDialog):
    """What geocoding did, and a button into the queue of approximate facilities."""

    def __init__(self, parent: QWidget, text: str, n_approximate: int, start_queue: Any) -> None:
        super().__init__(parent)
        self.setWindowTitle("住所から位置を求めました")
        self.resize(720, 520)
        self.text = QPlainTextEdit(text)
        self.text.setReadOnly(True)
        self.btn_queue = QPushButton(
            f"概略位置（町字・市区町村の代表点・位置不明）の施設 {n_approximate} 件を順に配置する（F8 で次へ）"
        )
        self.btn_queue.setEnabled(n_approximate > 0)
        self.start_queue = start_queue
        self.btn_queue.clicked.connect(self._start)
        bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        bb.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.text, 1)
        lay.addWidget(self.btn_queue)
        lay.addWidget(bb)

    def _start(self) -> None:
        self.accept()
        self.start_queue()
