"""Export dialog: PDF map / HTML map / resource list / comparison / meeting pack / CSV / XLSX / GeoPackage.

Builds one :class:`~zaitaku_map.export.ExportRequest` from the choices and calls :mod:`zaitaku_map.export`
in a worker; the output is written atomically by the core.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
)

from zaitaku_map import export, labels
from zaitaku_map.export import ExportRequest, ExportResult, MeetingInfo
from zaitaku_map.export.atlas import export_atlas_pdf
from zaitaku_map.export.choropleth import INDICATORS
from zaitaku_map.export.request import ALL_CATEGORIES, DEFAULT_LAYERS, DEFAULT_LIST_CATEGORIES
from zaitaku_map.export.sections import registered_sections
from zaitaku_map.gui.dialogs import info, show_error

if TYPE_CHECKING:
    from zaitaku_map.gui.state import ScreenState
    from zaitaku_map.gui.workbench import Workbench


def _pack_dir(project: Any, request: ExportRequest, dest: str, **kw: Any) -> ExportResult:
    return export.export_pack(project, request, None, folder=dest, **kw)


# kind -> (exporter, suffix, multi-option, destination is a folder)
_EXPORTS: dict[str, tuple[Any, str, bool, bool]] = {
    "map_pdf": (export.export_map_pdf, ".pdf", False, False),
    "atlas_pdf": (export_atlas_pdf, ".pdf", False, False),
    "html": (export.export_html_map, ".html", False, False),
    "list_pdf": (export.export_list_pdf, ".pdf", False, False),
    "comparison_pdf": (export.export_comparison_pdf, ".pdf", True, False),
    "pack": (export.export_pack, ".pdf", True, False),
    "pack_dir": (_pack_dir, "", True, True),
    "xlsx": (export.export_xlsx, ".xlsx", False, False),
    "csv": (export.export_csv, ".csv", False, False),
    "gpkg": (export.export_gpkg, ".gpkg", False, False),
}
KINDS: dict[str, tuple[str, Any, str, bool, bool]] = {
    k: (labels.GUI_EXPORT_KINDS[k], *v) for k, v in _EXPORTS.items()
}


_NO_FACILITIES = frozenset({"kens", "municipalities", "muni_labels", "coverage", "gaps"})
# the screen's 協力医療機関 layers (gui/partners_panel.py) that the HTML map draws as its "partners" layer
_PARTNER_LAYERS = ("partners:links", "partners:flagged")


def screen_layers(screen: ScreenState) -> frozenset[str] | None:
    """The map layers of the screen: without a visible facility layer none is drawn; with the
    協力医療機関 links or flagged facilities shown the HTML map draws them too (``None``: the default)."""
    layers = None if screen.categories or not screen.visible_layers else _NO_FACILITIES
    if any(k in screen.visible_layers for k in _PARTNER_LAYERS):
        layers = (layers or DEFAULT_LAYERS) | {"partners"}
    return layers


def _checklist(items: list[tuple[str, str]], checked: set[str]) -> QListWidget:
    """A short list of checkable items (key in the item's data)."""
    from PySide6.QtCore import Qt

    w = QListWidget()
    for key, label in items:
        it = QListWidgetItem(label)
        it.setData(Qt.ItemDataRole.UserRole, key)
        it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        it.setCheckState(Qt.CheckState.Checked if key in checked else Qt.CheckState.Unchecked)
        w.addItem(it)
    w.setMaximumHeight(22 * min(max(len(items), 1), 5) + 6)
    return w


def _checked(w: QListWidget) -> tuple[str, ...]:
    from PySide6.QtCore import Qt

    return tuple(
        str(w.item(i).data(Qt.ItemDataRole.UserRole))
        for i in range(w.count())
        if w.item(i).checkState() == Qt.CheckState.Checked
    )


class ExportDialog(QDialog):
    def __init__(self, wb: Workbench) -> None:
        from zaitaku_map.options import list_options

        super().__init__(wb.dialog_parent())
        self.wb = wb
        self.state = wb.state
        self.setWindowTitle("出力")
        self.resize(620, 480)
        form = QFormLayout()
        self.kind = QComboBox()
        for key, (label, *_r) in KINDS.items():
            self.kind.addItem(label, key)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.options = QListWidget()
        self.options.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        project = self.state.project
        names = [o["name"] for o in list_options(project)] if project is not None else []
        current = self.state.option
        for n in names:
            it = QListWidgetItem(n)
            self.options.addItem(it)
            it.setSelected(n == current)
        if names and not self.options.selectedItems():
            self.options.item(0).setSelected(True)
        self.paper = QComboBox()
        self.paper.addItems(["A4", "A3"])
        self.paper.setCurrentText(str(wb.settings.get("paper", "A4")))
        self.landscape = QCheckBox("横向き")
        self.landscape.setChecked(bool(wb.settings.get("landscape", True)))
        self.coverage = QComboBox()
        self.coverage.addItem("（到達圏を載せない）", None)
        from zaitaku_map.gui.coverage_view import category_choices

        for key, label in category_choices(self.state.facilities):
            self.coverage.addItem(label, key)
        self.dest = QLineEdit()
        browse = QPushButton("参照…")
        browse.clicked.connect(self.browse)
        row = QHBoxLayout()
        row.addWidget(self.dest, 1)
        row.addWidget(browse)
        form.addRow("出力するもの", self.kind)
        form.addRow("圏域案", self.options)
        form.addRow("用紙", self.paper)
        form.addRow("", self.landscape)
        form.addRow("到達圏", self.coverage)
        self._add_content_rows(form, project)
        form.addRow("保存先", row)
        self.note = QLabel()
        self.note.setWordWrap(True)
        bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        bb.button(QDialogButtonBox.StandardButton.Ok).setText("出力する")
        bb.accepted.connect(self.start)
        bb.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.note)
        lay.addWidget(bb)
        self.last_result: dict[str, Any] | None = None
        self.job: Any = None
        self._kind_changed()
        if not names:
            self.note.setText("圏域案がありません。先に右の「圏域案」パネルで案を作成してください。")

    def _add_content_rows(self, form: QFormLayout, project: Any) -> None:
        """What to show — defaults from the screen (option, visible facility layers, coverage) — and
        the pack's sections, list categories and cover (from the project's ``meeting`` setting)."""
        screen = self.state.screen()
        if screen.coverage_categories:
            i = self.coverage.findData(screen.coverage_categories[0])
            if i >= 0:
                self.coverage.setCurrentIndex(i)
        self.title = QLineEdit()
        self.title.setPlaceholderText(labels.EXPORT_TEXT["map_title"])
        self.subtitle = QLineEdit()
        shown = set(screen.categories)
        cats = {str(f.get("category")) for f in self.state.facilities or []}
        present = [k for k in labels.CATEGORIES if k in cats]
        self.categories = _checklist(
            [(k, labels.category_label(k)) for k in present if k in labels.CATEGORIES], shown or set(present)
        )
        self.choropleth = QComboBox()
        self.choropleth.addItem("（なし：圏域の色）", None)
        for key, spec in INDICATORS.items():
            self.choropleth.addItem(spec.label, key)
        self.sections = _checklist(
            [(s.key, s.title) for s in registered_sections()],
            {s.key for s in registered_sections() if s.default},
        )
        self.list_categories = _checklist(
            [(k, labels.category_label(k)) for k in labels.CORE_CATEGORIES], set(DEFAULT_LIST_CATEGORIES)
        )
        meeting = MeetingInfo.from_setting(project.setting("meeting") if project is not None else None)
        self.meeting_name = QLineEdit(meeting.name)
        self.meeting_date = QLineEdit(meeting.date)
        self.secretariat = QLineEdit(meeting.secretariat)
        # the screen's scenario and year: on by default, as the print follows the screen
        self.scenario = QCheckBox(f"シナリオ「{screen.scenario}」を反映する（仮想施設を含む）")
        self.scenario.setChecked(screen.scenario is not None)
        self.scenario.setVisible(screen.scenario is not None)
        self.year = QCheckBox(f"{screen.year}年度の推計（需要・75歳以上人口）を載せる")
        self.year.setChecked(screen.year is not None)
        self.year.setVisible(screen.year is not None)
        form.addRow("", self.scenario)
        form.addRow("", self.year)
        form.addRow("題名", self.title)
        form.addRow("副題", self.subtitle)
        form.addRow("載せる施設", self.categories)
        form.addRow("市区町村の指標", self.choropleth)
        form.addRow("会議資料に入れる部分", self.sections)
        form.addRow("資源リストの種別", self.list_categories)
        form.addRow(labels.EXPORT_TEXT["meeting_name"], self.meeting_name)
        form.addRow(labels.EXPORT_TEXT["meeting_date"], self.meeting_date)
        form.addRow(labels.EXPORT_TEXT["secretariat"], self.secretariat)

    def _kind_changed(self, *_a: Any) -> None:
        key = self.kind.currentData()
        _label, _fn, suffix, multi, _folder = KINDS[key]
        self.options.setSelectionMode(
            QAbstractItemView.SelectionMode.MultiSelection
            if multi
            else QAbstractItemView.SelectionMode.SingleSelection
        )
        if not multi and len(self.options.selectedItems()) > 1:
            for it in self.options.selectedItems()[1:]:
                it.setSelected(False)
        self.paper.setEnabled(key.endswith("pdf") or key.startswith("pack"))
        self.landscape.setEnabled(self.paper.isEnabled())
        base = self.state.project_path.parent if self.state.project_path else Path.home()
        sel = self.selected()
        stem = "_".join(sel) if sel else "zaitaku-map"
        self.dest.setText(str(base / (f"{stem}_{labels.EXPORT_FILE_STEMS.get(key, key)}" + suffix)))

    def selected(self) -> list[str]:
        return [it.text() for it in self.options.selectedItems()]

    def browse(self) -> None:
        key = self.kind.currentData()
        _l, _f, suffix, _m, folder = KINDS[key]
        if folder:
            path = QFileDialog.getExistingDirectory(self, "保存先フォルダ", self.dest.text())
        else:
            path, _ = QFileDialog.getSaveFileName(self, "保存先", self.dest.text(), f"*{suffix}")
        if path:
            self.dest.setText(path)

    def request(self) -> ExportRequest | None:
        """The request of the dialog's choices (``None`` when no option is chosen)."""
        names = self.selected()
        if not names:
            return None
        screen = self.state.screen()
        cats = _checked(self.categories)
        return ExportRequest(
            option=names[0],
            compare=tuple(names[1:]),
            paper=self.paper.currentText(),
            landscape=self.landscape.isChecked(),
            coverage_category=self.coverage.currentData() or None,
            # every category ticked (the screen shows them all) is "all", not the maps' default set
            categories=(cats if len(cats) < self.categories.count() else (ALL_CATEGORIES,)) if cats else None,
            scenario=screen.scenario if self.scenario.isChecked() else None,
            year=screen.year if self.year.isChecked() else None,
            title=self.title.text().strip() or None,
            subtitle=self.subtitle.text().strip() or None,
            choropleth=self.choropleth.currentData() or None,
            sections=_checked(self.sections),
            list_categories=_checked(self.list_categories) or None,
            meeting=MeetingInfo(
                self.meeting_name.text().strip(),
                self.meeting_date.text().strip(),
                self.secretariat.text().strip(),
            ),
            layers=screen_layers(screen),
        )

    def start(self) -> Any:
        key = self.kind.currentData()
        _label, fn, suffix, _multi, _folder = KINDS[key]
        request = self.request()
        if request is None or (key == "comparison_pdf" and len(request.options) < 2):
            self.note.setText("圏域案を選んでください（比較は2つ以上）。")
            return None
        dest = self.dest.text().strip()
        if not dest:
            return None
        if suffix and not dest.endswith(suffix):
            dest += suffix
        if key.endswith("pdf") or key.startswith("pack"):
            self.wb.settings.set("paper", request.paper)
            self.wb.settings.set("landscape", request.landscape)

        def job(project: Any, *, progress: Any, cancel: Any) -> Any:
            return fn(project, request, dest, progress=progress, cancel=cancel)

        def done(result: Any) -> None:
            self.last_result = result.to_dict() if isinstance(result, ExportResult) else {"path": dest}
            pages = self.last_result.get("pages")
            info(
                self.wb.dialog_parent(),
                "出力しました",
                f"{self.last_result.get('path', dest)}" + (f"（{pages} ページ）" if pages else ""),
            )
            self.accept()

        self.job = self.wb.jobs.run(
            "出力しています",
            job,
            project_path=self.state.project_path,
            on_success=done,
            on_error=lambda e, d: show_error(self, e, d, title="出力できません"),
        )
        return self.job
