"""Import wizard: files (drag & drop) → detected format + preview (+ column mapping) → import with
progress/cancel → report with rejected rows (exportable as CSV).

Facility lists go through :func:`zaitaku_map.importers.import_files`; boundaries, area tables,
population, roads and address references through their domain's import function.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
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
from zaitaku_map.gui.import_files import (
    KIND_ORDER,
    KINDS,
    DropTable,
    expand_paths,
    guess_category,
    guess_kind,
    guess_layer,
    kind_function,
    summary_text,
    write_rows_csv,
)

if TYPE_CHECKING:
    from zaitaku_map.gui.workbench import Workbench


class ImportWizard(QDialog):
    """Three steps in one dialog: files → preview/mapping → report."""

    def __init__(self, wb: Workbench) -> None:
        super().__init__(wb.dialog_parent())
        self.wb = wb
        self.state = wb.state
        self.setWindowTitle("データの取り込み")
        self.resize(980, 680)
        self.paths: list[str] = []
        self.preview: dict[str, Any] | None = None
        self.reports: list[dict[str, Any]] = []
        self.job: Any = None
        self.stack = QStackedWidget()
        self.stack.addWidget(self._page_files())
        self.stack.addWidget(self._page_preview())
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
        lay.addWidget(
            QLabel(
                "取り込むファイル（フォルダごとでも可）をここにドラッグ＆ドロップするか、「ファイルを選ぶ」を押してください。\n"
                "種類はファイル名から推定しています。違うときは表の中で選び直してください。"
            )
        )
        self.file_table = DropTable(self.add_paths)
        self.file_table.setColumnCount(4)
        self.file_table.setHorizontalHeaderLabels(
            ["ファイル", "データの種類", "施設の種別（表・GIS）", "圏域レイヤーの名前"]
        )
        self.file_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        lay.addWidget(self.file_table, 1)
        row = QHBoxLayout()
        b = QPushButton("ファイルを選ぶ…")
        b.clicked.connect(self.choose_files)
        rm = QPushButton("選んだ行を外す")
        rm.clicked.connect(self.remove_selected)
        clear = QPushButton("リストを空にする")
        clear.clicked.connect(self.clear_files)
        for x in (b, rm, clear):
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

    def _kind_combo(self, kind: str) -> QComboBox:
        c = QComboBox()
        for key, label in KINDS.items():
            c.addItem(label, key)
        c.setCurrentIndex(max(c.findData(kind), 0))
        c.currentIndexChanged.connect(lambda _i: self._update_nav())
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

    def choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self,
            "取り込むファイル",
            "",
            "対応するファイル (*.csv *.xlsx *.xls *.zip *.shp *.geojson *.json *.gpkg *.pbf *.osm *.graphml *.txt);;すべて (*)",
        )
        self.add_paths(paths)

    def add_paths(self, paths: list[str]) -> None:
        for p in expand_paths(paths):
            if p in self.paths or self._same_boundaries(p):
                continue
            self.paths.append(p)
            r = self.file_table.rowCount()
            self.file_table.insertRow(r)
            item = QTableWidgetItem(Path(p).name)
            item.setToolTip(p)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.file_table.setItem(r, 0, item)
            self.file_table.setCellWidget(r, 1, self._kind_combo(guess_kind(p)))
            self.file_table.setCellWidget(r, 2, self._category_combo(guess_category(p)))
            self.file_table.setCellWidget(r, 3, self._layer_combo(guess_layer(p)))
        self.file_table.resizeColumnsToContents()
        self._update_nav()

    def _same_boundaries(self, path: str) -> bool:
        """N03 comes as GeoJSON and as a Shapefile zip of the same data: import it once."""
        if guess_kind(path) != "boundaries":
            return False
        stem = Path(path).name.split(".")[0].removesuffix("_shp").removesuffix("_GML")
        return any(
            guess_kind(q) == "boundaries"
            and Path(q).name.split(".")[0].removesuffix("_shp").removesuffix("_GML") == stem
            for q in self.paths
        )

    def remove_selected(self) -> None:
        for r in sorted({i.row() for i in self.file_table.selectedIndexes()}, reverse=True):
            self.file_table.removeRow(r)
            del self.paths[r]
        self._update_nav()

    def clear_files(self) -> None:
        self.paths.clear()
        self.file_table.setRowCount(0)
        self._update_nav()

    def file_specs(self) -> list[dict[str, Any]]:
        """One dict per file: path, kind, category, layer (what the table says now)."""
        out = []
        for r, p in enumerate(self.paths):
            out.append(
                {
                    "path": p,
                    "kind": self._combo(r, 1).currentData(),
                    "category": self._combo(r, 2).currentData(),
                    "layer": self._combo(r, 3).currentText().strip() or "二次医療圏",
                }
            )
        return out

    def _combo(self, row: int, col: int) -> QComboBox:
        """The kind (1), category (2) or layer (3) combo box of a file table row."""
        w = self.file_table.cellWidget(row, col)
        if not isinstance(w, QComboBox):
            raise LookupError(f"no combo box in file table cell ({row}, {col})")
        return w

    def set_kind(self, row: int, kind: str) -> None:
        c = self._combo(row, 1)
        c.setCurrentIndex(max(c.findData(kind), 0))

    def set_category(self, row: int, category: str | None) -> None:
        c = self._combo(row, 2)
        c.setCurrentIndex(max(c.findData(category), 0))

    # -- page 2: preview + mapping --------------------------------------------------------------
    def _page_preview(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
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
        self.mapping_title = QLabel("列の対応（表・GIS のとき。名称と、住所または緯度経度が必要です）")
        lay.addWidget(self.mapping_title)
        self.mapping_scroll = QScrollArea()
        self.mapping_scroll.setWidgetResizable(True)
        self.mapping_scroll.setWidget(self.mapping_box)
        lay.addWidget(self.mapping_scroll, 2)
        return w

    def load_preview(self) -> bool:
        specs = self.file_specs()
        fac = [sp for sp in specs if sp["kind"] == "facilities"]
        kind = "facilities" if fac else (specs[0]["kind"] if specs else "facilities")
        self.preview_path = fac[0]["path"] if fac else None
        self.preview = None
        for i in reversed(range(self.mapping_form.rowCount())):
            self.mapping_form.removeRow(i)
        self.mapping_combos.clear()
        self.preview_table.clear()
        if kind != "facilities":
            kinds = sorted({KINDS[sp["kind"]] for sp in specs})
            self.detected.setText(
                f"ファイル: {len(self.paths)} 件（{'、'.join(kinds)}）\n「取り込む」を押すと読み込みます。"
            )
            self.preview_table.setRowCount(0)
            self.preview_table.setColumnCount(0)
            self.mapping_scroll.setVisible(False)
            self.mapping_title.setVisible(False)
            return True
        if self.preview_path is None:  # no file chosen (the Next button is disabled then)
            return False
        from zaitaku_map.importers import preview_file

        try:
            pv = preview_file(self.preview_path, rows=20)
        except (ZaitakuError, OSError) as err:
            show_error(self, err, title="ファイルを読めません")
            return False
        self.preview = pv
        fmt = pv.get("format") or ""
        text = [
            f"検出した形式: {labels.IMPORT_FORMATS.get(fmt, fmt)}",
            f"プレビュー: {Path(self.preview_path).name}",
        ]
        if pv.get("sheet"):
            text.append(f"シート: {pv['sheet']}")
        if pv.get("encoding"):
            text.append(f"文字コード: {pv['encoding']}")
        if pv.get("reference_date"):
            text.append(f"基準日（ファイルから）: {pv['reference_date']}")
        if len(self.paths) > 1:
            text.append(f"ほか {len(self.paths) - 1} ファイル（列の対応はこのファイルにだけ使います）")
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
        needs_mapping = fmt in ("table", "gis")
        self.mapping_scroll.setVisible(needs_mapping)
        self.mapping_title.setVisible(needs_mapping)
        if needs_mapping:
            guessed = pv.get("mapping") or {}
            for key, label in labels.MAPPING_FIELDS.items():
                combo = QComboBox()
                combo.addItem("（使わない）", None)
                for h in header:
                    combo.addItem(h, h)
                g = guessed.get(key)
                if g is not None:
                    i = combo.findData(str(g))
                    combo.setCurrentIndex(max(i, 0))
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
        self.btn_cancel.clicked.connect(lambda: self.job and self.job.cancel())
        row = QHBoxLayout()
        row.addWidget(self.progress, 1)
        row.addWidget(self.btn_cancel)
        lay.addLayout(row)
        lay.addWidget(self.progress_label)
        self.report_text = QPlainTextEdit()
        self.report_text.setReadOnly(True)
        lay.addWidget(self.report_text, 1)
        lay.addWidget(QLabel("除外・警告された行"))
        self.rejected_table = QTableWidget()
        self.rejected_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rejected_table.horizontalHeader().setResizeContentsPrecision(60)
        lay.addWidget(self.rejected_table, 1)
        self.btn_export_rej = QPushButton("除外行を CSV に保存…")
        self.btn_export_rej.clicked.connect(self.export_rejected)
        self.btn_export_rej.setEnabled(False)
        lay.addWidget(self.btn_export_rej)
        return w

    def start_import(self) -> Any:
        specs = self.file_specs()
        mapping = self.mapping()
        mapping_path = self.preview_path if mapping else None
        ref = self.ref_date.text().strip() or None
        geocode = self.do_geocode.isChecked()
        fns = {k: kind_function(k) for k in KINDS}

        def job(project: Any, *, progress: Any, cancel: Any) -> list[dict[str, Any]]:
            out: list[dict[str, Any]] = []
            groups: list[tuple[str, list[dict[str, Any]]]] = []
            for kind in KIND_ORDER:
                mine = [sp for sp in specs if sp["kind"] == kind]
                if kind == "population" and mine:
                    groups.append((kind, mine))  # all mesh files in one import
                else:
                    groups.extend((kind, [sp]) for sp in mine)
            run_geo = geocode and any(k in ("facilities", "reference") for k, _ in groups)
            steps = len(groups) + (2 if run_geo else 0)
            for kind, group in groups:
                step = progress.step(1.0 / steps)
                fn = fns[kind]
                first = group[0]
                step.update(0, f"{KINDS[kind]}: {Path(first['path']).name}", force=True)
                if kind == "facilities":
                    reps = fn(
                        project,
                        [first["path"]],
                        category=first["category"],
                        mapping=mapping if first["path"] == mapping_path else None,
                        reference_date=ref,
                        progress=step,
                        cancel=cancel,
                    )
                    out.extend(r.to_dict() if hasattr(r, "to_dict") else dict(r) for r in reps)
                    continue
                kw: dict[str, Any] = {"progress": step, "cancel": cancel}
                if kind in ("areas", "a38"):
                    kw["layer"] = first["layer"]
                if kind in ("boundaries", "areas", "a38", "reference", "roads") and ref:
                    kw["reference_date"] = ref  # the user's 基準日 for sources that take one
                target: Any = [sp["path"] for sp in group] if kind == "population" else first["path"]
                res = fn(project, target, **kw)
                out.append(
                    {
                        "file": "、".join(Path(sp["path"]).name for sp in group),
                        "kind": kind,
                        **(res if isinstance(res, dict) else {"result": str(res)}),
                    }
                )
            if run_geo:
                from zaitaku_map.geocode import geocode_project

                res = geocode_project(project, progress=progress.step(2.0 / steps), cancel=cancel)
                out.append(
                    {
                        "file": "（ジオコーディング）",
                        "kind": "geocode",
                        **(res if isinstance(res, dict) else {"result": str(res)}),
                    }
                )
            return out

        self.report_text.setPlainText("取り込み中…")
        self.btn_cancel.setEnabled(True)
        self.btn_next.setEnabled(False)
        self.btn_back.setEnabled(False)

        def on_progress(done: float, total: float, msg: str) -> None:
            self.progress.setValue(int(1000 * min(done / (total or 1), 1.0)))
            self.progress_label.setText(msg)

        self.job = self.wb.jobs.run(
            "データの取り込み",
            job,
            project_path=self.state.project_path,
            on_success=self.finished_ok,
            on_error=self.finished_err,
            show_dialog=False,
        )
        self.job.progressed.connect(on_progress)
        return self.job

    def finished_ok(self, reports: list[dict[str, Any]]) -> None:
        self.reports = reports
        self.progress.setValue(1000)
        self.btn_cancel.setEnabled(False)
        self.btn_back.setEnabled(True)
        self.report_text.setPlainText(summary_text(reports))
        self.fill_rejected(reports)
        self.state.notify_changed("boundaries", "areas", "population", "facilities", "positions")
        self._update_nav()

    def finished_err(self, err: BaseException, details: str) -> None:
        from zaitaku_map.messages import format_error

        self.btn_cancel.setEnabled(False)
        self.btn_back.setEnabled(True)
        self.report_text.setPlainText(
            format_error(err) + "\n\nプロジェクトは変更されていません（取り込みは全体で1つの処理です）。"
        )
        self._update_nav()

    def fill_rejected(self, reports: list[dict[str, Any]]) -> None:
        ids = [int(r["source_id"]) for r in reports if r.get("source_id")]
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

    def next(self) -> None:
        i = self.stack.currentIndex()
        if i == 0:
            if self.load_preview():
                self.go(1)
        elif i == 1:
            self.go(2)
            self.start_import()

    def _update_nav(self) -> None:
        i = self.stack.currentIndex()
        self.btn_back.setEnabled(i > 0 and not (self.job and self.job.isRunning()))
        self.btn_next.setVisible(i < 2)
        self.btn_next.setText("取り込む" if i == 1 else "次へ >")
        ok = bool(self.paths) and all(sp["kind"] in KINDS for sp in self.file_specs())
        self.btn_next.setEnabled(ok)
