"""The 協力医療機関 dock: candidate lists of the care facilities, their flags, and the map links.

分析 → 協力医療機関の候補リスト opens it.  「候補を探す」 computes the lists (N minutes, optionally one
municipality) in a worker; the table lists the care facilities (flagged ones in red) and, for the
selected one, its candidates; the map shows each facility's link to its first (1)(2) and (3)
candidates, the flagged facilities, and for the selected facility every candidate and the partners
it reported.  The prefecture's agreements table is imported from here; the PDF and the Excel file
are written from here.  Everything it shows comes from :mod:`zaitaku_map.partners`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from zaitaku_map.errors import ZaitakuError
from zaitaku_map.gui import dialogs
from zaitaku_map.gui.maplayers import LayerStyle, LegendEntry, MapLayer
from zaitaku_map.gui.workbench import add_analysis_dock
from zaitaku_map.labels import CARE_KINDS_SHORT, PARTNER_STATUS, PARTNER_TEXT, PARTNERS_GUI_TEXT
from zaitaku_map.partners import (
    AgreementStatus,
    PartnerLists,
    agreement_status,
    import_agreements,
    partner_lists,
    saved_minutes,
)
from zaitaku_map.partners.lists import care_municipalities, flag_text
from zaitaku_map.partners.maplinks import (
    FLAG_COLOR,
    KIND_COLORS,
    agreement_features,
    flagged_features,
    link_features,
)

if TYPE_CHECKING:
    from zaitaku_map.gui.workbench import Workbench
    from zaitaku_map.gui.worker import Job
    from zaitaku_map.progress import CancelToken, Progress
    from zaitaku_map.store import Project

R12_COLOR = KIND_COLORS["r12"]
R3_COLOR = KIND_COLORS["r3"]
BOTH_COLOR = KIND_COLORS["both"]
AGREEMENT_COLOR = KIND_COLORS["agreement"]
LAYERS = ("partners:links", "partners:flagged", "partners:selected", "partners:agreements")
T = PARTNERS_GUI_TEXT
FAC_COLUMNS = ["市区町村", "施設", "種別", "(1)(2)の候補", "(3)の候補", "届出", "注意"]
CAND_COLUMNS = ["名称", "分", "(1)(2)", "(3)", "根拠"]
KIND_STYLE = {"r12": R12_COLOR, "r3": R3_COLOR, "both": BOTH_COLOR}


def _styled(fc: dict[str, Any], *, dashed_beyond: bool = False) -> dict[str, Any]:
    """Per-feature colours by ``kind`` (and dashes for reported partners beyond N minutes)."""
    for feat in fc["features"]:
        p = feat["properties"]
        style: dict[str, Any] = {"color": KIND_STYLE.get(p.get("kind", ""), AGREEMENT_COLOR)}
        if dashed_beyond and not p.get("within", True):
            style["dashArray"] = "2 6"
        p["_style"] = style
    return fc


class PartnersPanel(QWidget):
    """The dock's widget (see the module doc)."""

    def __init__(self, wb: Workbench) -> None:
        super().__init__()
        self.wb = wb
        self.lists: PartnerLists | None = None
        self.status: AgreementStatus | None = None
        self.minutes = QSpinBox()
        self.minutes.setRange(5, 180)
        self.minutes.setSingleStep(5)
        self.minutes.setValue(30)
        self.minutes.setSuffix(T["minutes"])
        self.muni = QComboBox()
        self.run_btn = QPushButton(T["run"])
        self.import_btn = QPushButton(T["import"])
        self.pdf_btn = QPushButton(T["pdf"])
        self.xlsx_btn = QPushButton(T["xlsx"])
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.facilities = QTableWidget(0, len(FAC_COLUMNS))
        self.facilities.setHorizontalHeaderLabels(FAC_COLUMNS)
        self.facilities.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.facilities.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.candidates = QTableWidget(0, len(CAND_COLUMNS))
        self.candidates.setHorizontalHeaderLabels(CAND_COLUMNS)
        self.candidates.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.facilities.setMinimumHeight(180)
        self.candidates.setMinimumHeight(120)
        self.summary.setMinimumHeight(48)
        row = QHBoxLayout()
        for w in (self.minutes, self.muni, self.run_btn):
            row.addWidget(w)
        files = QHBoxLayout()
        for w in (self.import_btn, self.pdf_btn, self.xlsx_btn):
            files.addWidget(w)
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addWidget(self.summary)
        lay.addWidget(self.facilities, 3)
        lay.addWidget(self.candidates, 2)
        lay.addLayout(files)
        self.run_btn.clicked.connect(lambda: self.run())
        self.import_btn.clicked.connect(self.pick_agreements)
        self.pdf_btn.clicked.connect(lambda: self.pick_output("pdf"))
        self.xlsx_btn.clicked.connect(lambda: self.pick_output("xlsx"))
        self.facilities.itemSelectionChanged.connect(self.on_facility_selected)
        wb.state.project_changed.connect(self.reset)
        wb.state.data_changed.connect(self.on_data_changed)
        self.reset()

    # -- state ------------------------------------------------------------------------------------------
    def reset(self) -> None:
        """A project was opened or closed: clear the lists and the layers, refill the filter."""
        self.lists = None
        self.status = None
        self.facilities.setRowCount(0)
        self.candidates.setRowCount(0)
        for layer in LAYERS:
            self.wb.remove_map_layer(layer)
        p = self.wb.state.project
        self.muni.clear()
        self.muni.addItem(T["all"], None)
        if p is not None:
            self.minutes.setValue(round(saved_minutes(p)))
            for code, name in care_municipalities(p):
                self.muni.addItem(name, code)
        self.summary.setText("")
        self._enable()

    def _enable(self) -> None:
        has = self.wb.state.project is not None
        for b in (self.run_btn, self.import_btn):
            b.setEnabled(has)
        for b in (self.pdf_btn, self.xlsx_btn):
            b.setEnabled(self.lists is not None)

    def on_data_changed(self, kinds: frozenset[str]) -> None:
        if self.lists is not None and kinds & {"facilities", "positions", "roads", "agreements", "settings"}:
            self.run()

    # -- computing --------------------------------------------------------------------------------------
    def compute(
        self, project: Project, progress: Progress | None = None, cancel: CancelToken | None = None
    ) -> tuple[PartnerLists, AgreementStatus]:
        lists = partner_lists(
            project,
            minutes=float(self.minutes.value()),
            municipality=self.muni.currentData(),
            progress=progress,
            cancel=cancel,
        )
        return lists, agreement_status(project, lists)

    def run(self, *, background: bool = True) -> Job | None:
        """Compute the lists (in a worker; ``background=False`` on this thread, for tests)."""
        p = self.wb.state.project
        if p is None:
            return None
        if not background:
            try:
                self.display(*self.compute(p))
            except ZaitakuError as err:
                dialogs.show_error(self.wb.dialog_parent(), err)
            return None

        def job(
            project: Project | None, *, progress: Progress, cancel: CancelToken
        ) -> tuple[PartnerLists, AgreementStatus]:
            assert project is not None
            return self.compute(project, progress, cancel)

        j = self.wb.jobs.run(
            T["run"],
            job,
            project_path=self.wb.state.project_path,
            on_success=lambda res: self.display(*res),
            on_error=lambda err, details: dialogs.show_error(self.wb.dialog_parent(), err, details),
        )
        return j

    # -- showing ----------------------------------------------------------------------------------------
    def display(self, lists: PartnerLists, status: AgreementStatus) -> None:
        self.lists, self.status = lists, status
        self.summary.setText(
            T["summary"].format(
                n=len(lists.facilities),
                minutes=lists.minutes,
                flagged=len(lists.flagged()),
                f12=sum(1 for f in lists.facilities if f.flag_12),
                f3=sum(1 for f in lists.facilities if f.flag_3),
            )
            + "\n"
            + (
                T["agreements"].format(
                    linked=len(status.linked()), unlinked=len(status.unlinked()), file=status.file
                )
                if status.file
                else T["no_agreements"]
            )
            + "\n"
            + lists.description_ja
        )
        reported = {fa.facility.id: fa for fa in status.facilities}
        self.facilities.setRowCount(len(lists.facilities))
        for i, f in enumerate(lists.facilities):
            fa = reported.get(f.id)
            note = "／".join(
                flag_text(f, lists.minutes) + ([PARTNER_STATUS[f.status]] if f.status != "ok" else [])
            )
            linked = "－" if not status.file else ("あり" if fa is not None and fa.linked else "なし")
            cells = [f.muni_name, f.name, CARE_KINDS_SHORT[f.kind], str(f.n_12), str(f.n_3), linked, note]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, f.id)
                if f.flagged:
                    item.setForeground(QColor(FLAG_COLOR))
                self.facilities.setItem(i, j, item)
        self.facilities.resizeColumnsToContents()
        self.candidates.setRowCount(0)
        self.draw()
        self._enable()
        if self.selected_facility() is not None:  # the same rows again: refresh the selected one
            self.on_facility_selected()

    def draw(self) -> None:
        lists = self.lists
        if lists is None:
            return
        self.wb.show_map_layer(
            MapLayer(
                id="partners:links",
                group="analysis",
                label=T["links"].format(minutes=lists.minutes),
                geojson=_styled(link_features(lists)),
                style=LayerStyle(color=R12_COLOR, weight=1.5, opacity=0.8),
                legend=(
                    LegendEntry(T["legend_r12"], R12_COLOR, shape="line"),
                    LegendEntry(T["legend_r3"], R3_COLOR, shape="line"),
                    LegendEntry(T["legend_both"], BOTH_COLOR, shape="line"),
                ),
                placement="overlay",
            )
        )
        self.wb.show_map_layer(
            MapLayer(
                id="partners:flagged",
                group="analysis",
                label=T["flagged"],
                geojson=flagged_features(lists),
                # the care-facility symbol (▼), large and red: not the 在支診's red circle
                style=LayerStyle(
                    color="#ffffff",
                    weight=1.5,
                    fill_color=FLAG_COLOR,
                    fill_opacity=1.0,
                    radius=10.0,
                    shape="v",
                ),
                legend=(LegendEntry(T["flagged"], FLAG_COLOR, shape="v"),),
                placement="top",
                interactive=True,
            )
        )
        # the lines run from care facilities to (among others) hospitals, layers that are off by default
        for layer_id in ("fac:care_facility", "fac:hospital"):
            self.wb.layers.set_visible(layer_id, True)

    def selected_facility(self) -> int | None:
        rows = {i.row() for i in self.facilities.selectedItems()}
        if not rows:
            return None
        item = self.facilities.item(min(rows), 0)
        return None if item is None else int(item.data(Qt.ItemDataRole.UserRole))

    def on_facility_selected(self) -> None:
        fid = self.selected_facility()
        lists = self.lists
        if lists is None or fid is None:
            return
        f = next(x for x in lists.facilities if x.id == fid)
        self.candidates.setRowCount(len(f.candidates))
        for i, c in enumerate(f.candidates):
            inst = c.institution
            r3 = ""
            if c.rank_3:
                r3 = (PARTNER_TEXT["priority"] if inst.priority_3 else PARTNER_TEXT["meets"]) + str(c.rank_3)
            cells = [inst.name, f"{c.minutes:.0f}", f"○{c.rank_12}" if c.rank_12 else "", r3, inst.basis_text]
            for j, text in enumerate(cells):
                self.candidates.setItem(i, j, QTableWidgetItem(text))
        self.candidates.resizeColumnsToContents()
        self.wb.state.select_facility(fid)
        self.wb.show_map_layer(
            MapLayer(
                id="partners:selected",
                group="analysis",
                label=T["selected"],
                geojson=_styled(link_features(lists, facility_id=fid)),
                style=LayerStyle(color=R12_COLOR, weight=2.5),
                placement="top",
            )
        )
        if self.status is not None and self.status.file:
            self.wb.show_map_layer(
                MapLayer(
                    id="partners:agreements",
                    group="analysis",
                    label=T["reported"],
                    geojson=_styled(agreement_features(self.status, facility_id=fid), dashed_beyond=True),
                    style=LayerStyle(color=AGREEMENT_COLOR, weight=3.0, dash="8 5"),
                    legend=(LegendEntry(T["reported"], AGREEMENT_COLOR, shape="line"),),
                    placement="top",
                )
            )

    # -- files ------------------------------------------------------------------------------------------
    def pick_agreements(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.wb.dialog_parent(), T["import"], "", "表 (*.xlsx *.xlsm *.csv *.txt *.tsv)"
        )
        if path:
            self.import_file(path)

    def import_file(self, path: str) -> Job:
        def job(project: Project | None, *, progress: Progress, cancel: CancelToken) -> Any:
            assert project is not None
            return import_agreements(project, path, progress=progress, cancel=cancel)

        def done(rep: Any) -> None:
            self.wb.state.show_message(
                T["imported"].format(file=rep.file, n=rep.agreements, rej=len(rep.rejected))
            )
            self.wb.state.notify_changed("agreements")
            if self.lists is None:
                self.run()

        return self.wb.jobs.run(
            T["import"],
            job,
            project_path=self.wb.state.project_path,
            on_success=done,
            on_error=lambda err, details: dialogs.show_error(self.wb.dialog_parent(), err, details),
        )

    def pick_output(self, kind: str) -> None:
        suffix = ".pdf" if kind == "pdf" else ".xlsx"
        path, _ = QFileDialog.getSaveFileName(
            self.wb.dialog_parent(), PARTNER_TEXT["title"], PARTNER_TEXT["title"] + suffix, f"*{suffix}"
        )
        if path:
            self.export(kind, path)

    def export(self, kind: str, path: str) -> Job | None:
        """Write the PDF or the XLSX of the lists shown (in a worker)."""
        lists, status = self.lists, self.status
        if lists is None:
            return None
        scope = self.muni.currentText() if self.muni.currentData() else T["all"]

        def job(project: Project | None, *, progress: Progress, cancel: CancelToken) -> Any:
            assert project is not None
            if kind == "pdf":
                from zaitaku_map.export.partners_doc import export_partners_pdf

                return export_partners_pdf(
                    project, lists, path, status=status, scope=scope, progress=progress, cancel=cancel
                )
            from zaitaku_map.export.partners_tables import export_partners_xlsx

            return export_partners_xlsx(project, lists, path, status=status)

        return self.wb.jobs.run(
            PARTNER_TEXT["title"],
            job,
            project_path=self.wb.state.project_path,
            on_success=lambda res: self.wb.state.show_message(f"{PARTNER_TEXT['title']}: {res.path}"),
            on_error=lambda err, details: dialogs.show_error(self.wb.dialog_parent(), err, details),
        )


def install(wb: Workbench) -> None:
    """Add the 協力医療機関 dock and its entry in the 分析 menu."""
    add_analysis_dock(wb, "partners", T["panel"], PartnersPanel(wb), T["menu"])
