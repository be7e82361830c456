"""Import wizard: files or folders (drag & drop) → what each file is, detected by content → the
order of the import (+ column mapping of generic tables) → one progress bar → the report.

Detection, ordering, the file-by-file import and the report text are the core's
(:mod:`zaitaku_map.ingest`): the CLI ``import`` does the same with the same words.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from zaitaku_map import labels
from zaitaku_map.errors import ZaitakuError
from zaitaku_map.gui import data
from zaitaku_map.gui.dialogs import show_error
from zaitaku_map.gui.import_files import KINDS, NOT_IMPORTED, DropTable, write_rows_csv

if TYPE_CHECKING:
    from zaitaku_map.gui.workbench import Workbench
    from zaitaku_map.gui.worker import Job
    from zaitaku_map.ingest import Detection, IngestReport, Plan
    from zaitaku_map.progress import CancelToken, Progress
    from zaitaku_map.store import Project

COL_FILE, COL_KIND, COL_DETAIL, COL_LAYER, COL_CATEGORY = range(5)
MAPPING_DETAILS = ("table", "gis")  # facility lists whose columns the user may map


class ImportWizard(QDialog):
    """Three steps in one dialog: files → order and mapping → import and report."""

    def __init__(self, wb: Workbench) -> None:
        super().__init__(wb.dialog_parent())
        self.wb = wb
        self.state = wb.state
        self.setWindowTitle("データの取り込み")
        self.resize(1040, 700)
        self.detections: list[Detection] = []
        self.preview: dict[str, Any] | None = None
        self.preview_path: Path | None = None
        self.report: IngestReport | None = None
        self.rejected_rows: list[dict[str, Any]] = []
        self.job: Job | None = None
        self.detect_job: Job | None = None
        self.stack = QStackedWidget()
        self.stack.addWidget(self._page_files())
        self.stack.addWidget(self._page_plan())
        self.stack.addWidget(self._page_report())
        self.btn_back = QPushButton("< 戻る")
        self.btn_back.clicked.connect(lambda: self.go(self.stack.currentIndex() - 1))
        self.btn_next = QPushButton("次へ >")
        self.btn_next.clicked.connect(self.next)
        self.btn_close = QPushButton("閉じる")
        self.btn_close.clicked.connect(self.close)
        nav = QHBoxLayout()
        nav.addStretch(1)
        for b in (self.btn_back, self.btn_next, self.btn_close):
            nav.addWidget(b)
        lay = QVBoxLayout(self)
        lay.addWidget(self.stack, 1)
        lay.addLayout(nav)
        self.go(0)

    # -- page 1: files --------------------------------------------------------------------------
    def _page_files(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        hint = QLabel(
            "取り込むファイル、またはダウンロードしたファイルの入ったフォルダをここにドラッグ＆ドロップするか、"
            "「ファイルを選ぶ」「フォルダを選ぶ」を押してください。\n"
            "種類はファイルの中身から判定します（行政区域・圏域の表・人口・将来推計・施設の一覧・住所の位置参照・道路網）。"
            "違うときは「データの種類」で選び直してください。"
        )
        hint.setWordWrap(True)
        lay.addWidget(hint)
        self.file_table = DropTable(self.add_paths)
        self.file_table.setColumnCount(5)
        self.file_table.setHorizontalHeaderLabels(
            ["ファイル", "データの種類", "判定した内容", "圏域レイヤーの名前", "施設の種別（表・GIS）"]
        )
        self.file_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        lay.addWidget(self.file_table, 1)
        self.detect_label = QLabel()
        lay.addWidget(self.detect_label)
        row = QHBoxLayout()
        b = QPushButton("ファイルを選ぶ…")
        b.clicked.connect(self.choose_files)
        f = QPushButton("フォルダを選ぶ…")
        f.clicked.connect(self.choose_folder)
        rm = QPushButton("選んだ行を外す")
        rm.clicked.connect(self.remove_selected)
        clear = QPushButton("リストを空にする")
        clear.clicked.connect(self.clear_files)
        for x in (b, f, rm, clear):
            row.addWidget(x)
        row.addStretch(1)
        lay.addLayout(row)
        form = QFormLayout()
        self.ref_date = QLineEdit()
        self.ref_date.setPlaceholderText("例: 2025-10-01（ファイルに書かれていない場合）")
        self.do_geocode = QCheckBox("取り込み後に住所から位置を求める（ジオコーディング）")
        self.do_geocode.setChecked(True)
        form.addRow("基準日", self.ref_date)
        form.addRow("", self.do_geocode)
        lay.addLayout(form)
        return w

    def choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self,
            "取り込むファイル",
            "",
            "対応するファイル (*.csv *.xlsx *.zip *.shp *.geojson *.json *.gpkg *.pbf *.osm *.graphml *.txt);;すべて (*)",
        )
        self.add_paths(paths)

    def choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "ダウンロードしたファイルのフォルダ")
        if path:
            self.add_paths([path])

    def add_paths(self, paths: list[str]) -> Job | None:
        """Detect what the files are (in a worker) and list them; returns the detection job."""
        from zaitaku_map.ingest import detect_file, expand_inputs

        files = [p for p in expand_inputs(paths) if p not in {d.path for d in self.detections}]
        if not files:
            return None
        self.detect_label.setText(f"{len(files)} 件のファイルの種類を判定しています…")
        self.btn_next.setEnabled(False)

        def job(_project: Project | None, *, progress: Progress, cancel: CancelToken) -> list[Detection]:
            return [detect_file(f) for f in progress.iterate(files, message="種類を判定中")]

        self.detect_job = self.wb.jobs.run(
            "ファイルの種類を判定", job, on_success=self._add_detections, show_dialog=False
        )
        return self.detect_job

    def _add_detections(self, found: list[Detection]) -> None:
        for d in found:
            self.detections.append(d)
            self._add_row(d)
        self.file_table.resizeColumnsToContents()
        usable = sum(1 for d in self.detections if d.usable)
        self.detect_label.setText(
            f"ファイル {len(self.detections)} 件のうち {usable} 件を取り込みます。"
            + ("（灰色のファイルは取り込みません）" if usable < len(self.detections) else "")
        )
        self._update_nav()

    def _add_row(self, d: Detection) -> None:
        r = self.file_table.rowCount()
        self.file_table.insertRow(r)
        item = QTableWidgetItem(d.path.name)
        item.setToolTip(str(d.path))
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
        detail = QTableWidgetItem(
            d.detail_label if d.usable else labels.INGEST_SKIP_REASONS.get(d.reason or "", d.reason or "")
        )
        detail.setFlags(detail.flags() & ~Qt.ItemFlag.ItemIsEditable)
        if d.error is not None:  # corrupt, or refused by a limit: what stopped it and what to do
            from zaitaku_map.messages import format_error

            detail.setToolTip(format_error(d.error))
        if not d.usable:
            for it in (item, detail):
                it.setForeground(QColor("#888888"))
        self.file_table.setItem(r, COL_FILE, item)
        self.file_table.setItem(r, COL_DETAIL, detail)
        self.file_table.setCellWidget(r, COL_KIND, self._kind_combo(d.kind))
        self.file_table.setCellWidget(r, COL_LAYER, self._layer_combo(d.layer or "二次医療圏"))
        self.file_table.setCellWidget(r, COL_CATEGORY, self._category_combo(d.category))
        self._row_fields(r)

    def _kind_combo(self, kind: str | None) -> QComboBox:
        c = QComboBox()
        c.addItem(NOT_IMPORTED, None)
        for key, label in KINDS.items():
            c.addItem(label, key)
        c.setCurrentIndex(max(c.findData(kind), 0))
        c.currentIndexChanged.connect(lambda _i: self._kind_changed(c))
        return c

    def _category_combo(self, cat: str | None) -> QComboBox:
        c = QComboBox()
        c.addItem("（ファイルから判定）", None)
        for key, item in labels.CATEGORIES.items():
            c.addItem(item.label, key)
        c.setCurrentIndex(max(c.findData(cat), 0))
        return c

    def _layer_combo(self, layer: str) -> QComboBox:
        c = QComboBox()
        c.setEditable(True)
        c.addItems(list(labels.AREA_LAYER_SUGGESTIONS))
        c.setCurrentText(layer)
        return c

    def _kind_changed(self, combo: QComboBox) -> None:
        for r in range(self.file_table.rowCount()):
            if self.file_table.cellWidget(r, COL_KIND) is combo:
                self._row_fields(r)
        self._update_nav()

    def _row_fields(self, r: int) -> None:
        """Only the fields that mean something for the row's kind are enabled."""
        kind = self._combo(r, COL_KIND).currentData()
        self._combo(r, COL_LAYER).setEnabled(kind in ("areas", "a38"))
        self._combo(r, COL_CATEGORY).setEnabled(kind == "facilities")

    def _combo(self, row: int, col: int) -> QComboBox:
        w = self.file_table.cellWidget(row, col)
        if not isinstance(w, QComboBox):
            raise LookupError(f"no combo box in file table cell ({row}, {col})")
        return w

    def remove_selected(self) -> None:
        for r in sorted({i.row() for i in self.file_table.selectedIndexes()}, reverse=True):
            self.file_table.removeRow(r)
            del self.detections[r]
        self._update_nav()

    def clear_files(self) -> None:
        self.detections.clear()
        self.file_table.setRowCount(0)
        self.detect_label.setText("")
        self._update_nav()

    def set_kind(self, row: int, kind: str | None) -> None:
        c = self._combo(row, COL_KIND)
        c.setCurrentIndex(max(c.findData(kind), 0))

    def set_category(self, row: int, category: str | None) -> None:
        c = self._combo(row, COL_CATEGORY)
        c.setCurrentIndex(max(c.findData(category), 0))

    def row_of(self, name: str) -> int:
        """The table row of a file name (tests and scripted use)."""
        return next(i for i, d in enumerate(self.detections) if d.path.name == name)

    def chosen(self) -> list[Detection]:
        """The detections as the table says now (the user's kind, layer and category)."""
        from dataclasses import replace

        out = []
        for r, d in enumerate(self.detections):
            kind = self._combo(r, COL_KIND).currentData()
            layer = self._combo(r, COL_LAYER).currentText().strip() or None
            cat = self._combo(r, COL_CATEGORY).currentData()
            if kind is None:
                out.append(replace(d, kind=None, reason=d.reason or "user"))
            elif kind != d.kind:
                out.append(replace(d, kind=kind, detail="", layer=layer, category=cat, reason=None))
            else:
                out.append(replace(d, layer=layer if kind in ("areas", "a38") else d.layer, category=cat))
        return out

    def plan(self) -> Plan:
        from zaitaku_map.ingest import plan_import

        return plan_import(self.chosen())

    # -- page 2: the order, and the column mapping of generic tables ----------------------------
    def _page_plan(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        self.plan_text = QPlainTextEdit()
        self.plan_text.setReadOnly(True)
        lay.addWidget(QLabel("取り込む順番（前のデータを後のデータが使います）"))
        lay.addWidget(self.plan_text, 2)
        self.detected = QLabel()
        self.detected.setWordWrap(True)
        self.detected.setTextFormat(Qt.TextFormat.PlainText)
        lay.addWidget(self.detected)
        self.preview_table = QTableWidget()
        self.preview_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        lay.addWidget(self.preview_table, 3)
        self.mapping_box = QWidget()
        self.mapping_form = QFormLayout(self.mapping_box)
        self.mapping_combos: dict[str, QComboBox] = {}
        self.mapping_title = QLabel("列の対応（名称と、住所または緯度経度が必要です）")
        lay.addWidget(self.mapping_title)
        self.mapping_scroll = QScrollArea()
        self.mapping_scroll.setWidgetResizable(True)
        self.mapping_scroll.setWidget(self.mapping_box)
        lay.addWidget(self.mapping_scroll, 2)
        return w

    def load_plan(self) -> bool:
        plan = self.plan()
        lines = []
        for i, step in enumerate(plan.steps, start=1):
            names = "、".join(p.name for p in step.paths)
            extra = f"（{step.layer}）" if step.kind in ("areas", "a38") and step.layer else ""
            lines.append(f"{i}. {labels.INGEST_KINDS.get(step.kind, step.kind)}{extra}: {names}")
        if self.do_geocode.isChecked() and any(s.kind in ("facilities", "reference") for s in plan.steps):
            lines.append(f"{len(plan.steps) + 1}. 住所から位置を求める（ジオコーディング）")
        lines += [f"省略（同じデータの別形式）: {a.name}" for a, _b in plan.duplicates]
        self.plan_text.setPlainText("\n".join(lines))
        return self._load_mapping(plan)

    def _load_mapping(self, plan: Plan) -> bool:
        """Preview and column mapping of the first generic table or GIS layer of the plan."""
        from zaitaku_map.importers import preview_file

        generic = [s for s in plan.steps if s.kind == "facilities" and s.detail in MAPPING_DETAILS]
        for i in reversed(range(self.mapping_form.rowCount())):
            self.mapping_form.removeRow(i)
        self.mapping_combos.clear()
        self.preview_table.clear()
        self.preview_path = generic[0].paths[0] if generic else None
        self.preview = None
        shown = self.preview_path is not None
        for w in (self.mapping_scroll, self.mapping_title, self.preview_table, self.detected):
            w.setVisible(shown)
        self.plan_text.setMaximumHeight(190 if shown else 16777215)
        if self.preview_path is None:
            return True
        try:
            pv = preview_file(self.preview_path, rows=20, project=self.state.project)
        except (ZaitakuError, OSError) as err:
            show_error(self, err, title="ファイルを読めません")
            return False
        self.preview = pv
        text = [
            f"列の対応を確かめてください: {self.preview_path.name}（{labels.IMPORT_FORMATS.get(pv['format'], '')}）"
        ]
        if pv.get("sheet"):
            text.append(f"シート: {pv['sheet']}")
        if len(generic) > 1:
            text.append(f"ほかの表 {len(generic) - 1} 件は列を自動で判定します")
        self.detected.setText("\n".join(text))
        header = [str(h) for h in pv.get("header", [])]
        rows = pv.get("rows", [])
        self.preview_table.setColumnCount(len(header))
        self.preview_table.setHorizontalHeaderLabels(header)
        self.preview_table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            for j, v in enumerate(r[: len(header)]):
                self.preview_table.setItem(i, j, QTableWidgetItem("" if v is None else str(v)))
        self.preview_table.resizeColumnsToContents()
        guessed = pv.get("mapping") or {}
        for key, label in labels.MAPPING_FIELDS.items():
            combo = QComboBox()
            combo.addItem("（使わない）", None)
            for h in header:
                combo.addItem(h, h)
            g = guessed.get(key)
            if g is not None:
                combo.setCurrentIndex(max(combo.findData(str(g)), 0))
            self.mapping_combos[key] = combo
            self.mapping_form.addRow(label, combo)
        return True

    def mapping(self) -> dict[str, str] | None:
        if not self.mapping_combos:
            return None
        return {k: c.currentData() for k, c in self.mapping_combos.items() if c.currentData()}

    # -- page 3: run + report -------------------------------------------------------------------
    def _page_report(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress_label = QLabel()
        self.btn_cancel = QPushButton("中止")
        self.btn_cancel.clicked.connect(self._cancel)
        row = QHBoxLayout()
        row.addWidget(self.progress, 1)
        row.addWidget(self.btn_cancel)
        lay.addLayout(row)
        lay.addWidget(self.progress_label)
        self.report_text = QPlainTextEdit()
        self.report_text.setReadOnly(True)
        lay.addWidget(self.report_text, 2)
        lay.addWidget(QLabel("除外・警告された行"))
        self.rejected_table = QTableWidget()
        self.rejected_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rejected_table.horizontalHeader().setResizeContentsPrecision(60)
        lay.addWidget(self.rejected_table, 1)
        self.btn_export_rej = QPushButton("除外行を CSV に保存…")
        self.btn_export_rej.clicked.connect(lambda: self.export_rejected())
        self.btn_export_rej.setEnabled(False)
        lay.addWidget(self.btn_export_rej)
        return w

    def _cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()

    def start_import(self) -> Job:
        from zaitaku_map.ingest import run_plan

        plan = self.plan()
        mapping = self.mapping()
        maps = {self.preview_path: mapping} if mapping and self.preview_path is not None else {}
        ref = self.ref_date.text().strip() or None
        geocode = self.do_geocode.isChecked()

        def job(project: Project | None, *, progress: Progress, cancel: CancelToken) -> IngestReport:
            assert project is not None
            return run_plan(
                project,
                plan,
                reference_date=ref,
                geocode=geocode,
                mapping=maps,
                progress=progress,
                cancel=cancel,
            )

        self.report_text.setPlainText("取り込み中…")
        self.btn_cancel.setEnabled(True)
        self.btn_next.setEnabled(False)
        self.btn_back.setEnabled(False)

        def on_progress(done: float, total: float, msg: str) -> None:
            self.progress.setValue(int(1000 * min(done / (total or 1), 1.0)))
            self.progress_label.setText(msg)

        job_ = self.wb.jobs.run(
            "データの取り込み",
            job,
            project_path=self.state.project_path,
            on_success=self.finished_ok,
            on_error=self.finished_err,
            show_dialog=False,
        )
        job_.progressed.connect(on_progress)
        self.job = job_
        return job_

    def finished_ok(self, report: IngestReport) -> None:
        from zaitaku_map.ingest.report import GUI_PREFECTURE_HOW, ingest_lines

        self.report = report
        self.progress.setValue(1000)
        self.progress_label.setText("中止しました" if report.cancelled else "完了しました")
        self.btn_cancel.setEnabled(False)
        self.btn_back.setEnabled(True)
        self.report_text.setPlainText(
            "\n".join(
                ingest_lines(
                    report, how_date="「基準日」に入れて取り込み直せます", how_prefecture=GUI_PREFECTURE_HOW
                )
            )
        )
        self.fill_rejected(report)
        kinds = {r.step.kind for r in report.results if r.ok}
        changed = {"boundaries", "areas", "population", "facilities", "positions", "references"}
        if "projection" in kinds:
            changed.add("projections")
        if "roads" in kinds:
            changed.add("roads")
        if "agreements" in kinds:
            changed.add("agreements")
        self.state.notify_changed(*sorted(changed))
        self._update_nav()

    def finished_err(self, err: BaseException, details: str) -> None:
        from zaitaku_map.messages import format_error

        self.btn_cancel.setEnabled(False)
        self.btn_back.setEnabled(True)
        self.report_text.setPlainText(format_error(err))
        show_error(self, err, details, title="取り込めません")
        self._update_nav()

    def fill_rejected(self, report: IngestReport) -> None:
        ids = [int(f.source_id) for r in report.results for f in r.facilities if f.source_id]
        ids += [int(r.result["source_id"]) for r in report.results if r.result and r.result.get("source_id")]
        project = self.state.project
        rows = data.import_log_rows(project, ids) if ids and project is not None else []
        self.rejected_rows = rows
        cols = ["file_name", "sheet", "row", "column_name", "value", "severity", "reason"]
        heads = ["ファイル", "シート", "行", "列", "値", "区分", "理由"]
        self.rejected_table.setColumnCount(len(cols))
        self.rejected_table.setHorizontalHeaderLabels(heads)
        self.rejected_table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            for j, c in enumerate(cols):
                v = r.get(c)
                if c == "severity":
                    v = labels.IMPORT_LOG_SEVERITY.get(str(v), v)
                elif c == "column_name":  # the register's own field names read as the user's words
                    v = labels.MAPPING_FIELDS.get(str(v), v) if v else v
                self.rejected_table.setItem(i, j, QTableWidgetItem("" if v is None else str(v)))
        self.rejected_table.resizeColumnsToContents()
        self.btn_export_rej.setEnabled(bool(rows))

    def export_rejected(self, path: str | None = None) -> str | None:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "除外行の保存", "除外行.csv", "CSV (*.csv)")
        if not path:
            return None
        write_rows_csv(path, self.rejected_rows)
        return path

    # -- navigation -----------------------------------------------------------------------------
    def go(self, index: int) -> None:
        self.stack.setCurrentIndex(max(0, min(index, 2)))
        self._update_nav()

    def next(self) -> Job | None:
        i = self.stack.currentIndex()
        if i == 0:
            if self.load_plan():
                self.go(1)
        elif i == 1:
            self.go(2)
            return self.start_import()
        return None

    def _update_nav(self) -> None:
        i = self.stack.currentIndex()
        running = any(j is not None and j.isRunning() for j in (self.job, self.detect_job))
        self.btn_back.setEnabled(i > 0 and not running)
        self.btn_next.setVisible(i < 2)
        self.btn_next.setText("取り込む" if i == 1 else "次へ >")
        rows = range(self.file_table.rowCount())
        usable = any(self._combo(r, COL_KIND).currentData() is not None for r in rows)
        self.btn_next.setEnabled(usable and not running)
