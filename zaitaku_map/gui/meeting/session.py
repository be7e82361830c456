"""What a meeting is doing: the options on the tabs, the one shown (and the one beside it), live edits
on working copies, notes, the layers on, and the meeting record — the state the meeting window and
its map follow.

Everything is done by the Qt-free core (``zaitaku_map.options.meeting``, ``export.viewer``,
``options.headlines``); recomputing an edited option runs in a worker so the window never freezes.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from zaitaku_map.coverage import resolve_coverage_params
from zaitaku_map.demand import OptionDemand
from zaitaku_map.errors import ZaitakuError
from zaitaku_map.export.colors import assign_colors
from zaitaku_map.export.data import ken_neighbours, load_export_data
from zaitaku_map.export.request import ExportRequest
from zaitaku_map.export.viewer import ViewerDocument, ViewerSpec, option_entry, viewer_document
from zaitaku_map.gui.meeting.whatif import MeetingWhatIf
from zaitaku_map.gui.worker import Job
from zaitaku_map.options import compare_options, evaluate_option
from zaitaku_map.options.headlines import Headlines, demand_years, headlines_from_evaluation, option_demand_of
from zaitaku_map.options.meeting import (
    Meeting,
    MeetingNote,
    WorkingCopy,
    add_note,
    end_meeting,
    log_event,
    move_units,
    notes,
    open_working_copies,
    remove_note,
    save_working_copy,
    start_meeting,
    start_working_copy,
    undo_edit,
)
from zaitaku_map.options.results import OptionEvaluation
from zaitaku_map.progress import CancelToken, Progress
from zaitaku_map.remedies import EditOutcome

log = logging.getLogger("zaitaku_map.gui.meeting")

# the big toggles of the meeting window: label -> layer ids of the map page
FACILITY_TOGGLES = {
    "zaishi": ("fac:zaishi_clinic", "fac:zaishi_hospital"),
    "home_nursing": ("fac:home_nursing",),
}


@dataclass
class MeetingData:
    """What the meeting shows: the viewer document (every option with its evaluation) and each
    option's demand per 圏域 (``None`` without projections)."""

    document: ViewerDocument
    demands: dict[str, OptionDemand | None]
    years: list[int]
    default_year: int | None


def load_meeting_data(
    project: Any, *, progress: Progress | None = None, cancel: CancelToken | None = None
) -> MeetingData:
    """The document of every option with coverage, and each option's demand (worker thread)."""
    params = resolve_coverage_params(project)
    document = viewer_document(project, ViewerSpec(coverage_params=params), progress=progress, cancel=cancel)
    demands = {name: option_demand_of(project, name) for name in document.options}
    first = next((d for d in demands.values() if d is not None), None)
    years, default = demand_years(first)
    return MeetingData(document=document, demands=demands, years=years, default_year=default)


@dataclass(frozen=True)
class OptionUpdate:
    """An option recomputed after an edit: its page entry, its evaluation and its demand."""

    name: str
    entry: dict[str, Any]
    evaluation: OptionEvaluation
    demand: OptionDemand | None


def recompute_option(
    project: Any,
    name: str,
    document: ViewerDocument,
    *,
    colors: dict[str, str] | None = None,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> OptionUpdate:
    """Page entry, evaluation and demand of one option (after a live edit; worker thread).

    ``colors`` (圏域 key → colour, those shown so far) are kept where they still tell neighbours apart,
    so an edit does not recolour the map on the projector (``export.colors.assign_colors(previous=)``).
    """
    ev = evaluate_option(project, name, coverage_params=document.coverage_params)
    data = load_export_data(project, ExportRequest(name, categories=document.categories))
    if colors:
        keys = [str(k) for k in data.kens["ken_key"]]
        kept = assign_colors(keys, ken_neighbours(project, data.munis), previous=colors)
        data.kens["color"] = [kept[k] for k in keys]
    entry = option_entry(
        project,
        data,
        document.muni_codes,
        document.facility_ids,
        coverage_category=document.coverage_category,
        coverage_params=document.coverage_params,
        evaluation=ev,
    )
    return OptionUpdate(name=name, entry=entry, evaluation=ev, demand=option_demand_of(project, name))


class MeetingSession(QObject):
    """The state of one meeting.  Signals carry indexes into :attr:`names` (the tabs)."""

    loaded = Signal()
    option_changed = Signal(int)
    options_changed = Signal()  # a tab was added or renamed
    year_changed = Signal(object)  # int | None
    compare_changed = Signal()
    headlines_changed = Signal()
    notes_changed = Signal()
    layers_changed = Signal()
    edit_done = Signal(str)  # after an edit's option was recomputed: the option's name
    whatif_changed = Signal()  # a hypothetical facility was added or undone
    entry_changed = Signal(int)  # the page data of this tab changed (or the tab is new)
    failed = Signal(str)

    def __init__(self, project: Any, *, title: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.project_path = Path(project.path)
        self.meeting: Meeting = start_meeting(project, title=title)
        self.data: MeetingData | None = None
        self.names: list[str] = []
        self.current = 0
        self.compare: int | None = None
        self.changed_codes: list[str] = []
        self.copies: dict[str, WorkingCopy] = {}
        self.visible: dict[str, bool] = {}
        self.year: int | None = None
        self.jobs: list[Job] = []
        self.busy = False
        self.edits: list[tuple[str, str]] = []  # ("move", working copy) | ("whatif", ""), oldest first
        self.whatif = MeetingWhatIf(project, self.meeting.id, category="zaishi", params=None)

    # -- loading --------------------------------------------------------------------------------
    def load(self, data_: MeetingData) -> None:
        """Take the loaded document (from :func:`load_meeting_data`)."""
        self.data = data_
        self.names = list(data_.document.options)
        self.whatif = MeetingWhatIf(
            self.project,
            self.meeting.id,
            category=data_.document.coverage_category or "zaishi",
            params=data_.document.coverage_params,
        )
        self.year = data_.default_year
        for c in open_working_copies(self.project):  # edits left from an earlier meeting continue here
            self.copies[c.name] = dataclasses.replace(c, meeting_id=self.meeting.id)
        doc = data_.document.doc
        for c in doc["coverage"]:
            self.visible[f"band:{c['key']}"] = bool(c["show_bands"])
            self.visible[f"gap:{c['key']}"] = bool(c["show_gaps"])
        for f in doc["facilities"]:
            self.visible[f"fac:{f['cat']}"] = bool(f["show"])
        self.loaded.emit()

    @property
    def document(self) -> ViewerDocument:
        assert self.data is not None, "meeting data not loaded"
        return self.data.document

    def headlines(self, index: int) -> Headlines | None:
        """The headline numbers of tab ``index`` for the year shown; swatches in the map's colours."""
        if self.data is None or not 0 <= index < len(self.names):
            return None
        name = self.names[index]
        ev = self.document.evaluations.get(name)
        if ev is None:
            return None
        heads = headlines_from_evaluation(ev, demand=self.data.demands.get(name), year=self.year)
        entry = self.document.doc["options"][index]
        keys = [k["key"] for k in entry["kens"]]
        ken_of = {
            c: keys[k] for c, k in zip(self.document.muni_codes, entry["assign"], strict=True) if k >= 0
        }
        heads = self.whatif.adjust(heads, ken_of)
        colors = {k["key"]: k["color"] for k in entry["kens"]}
        kens = [dataclasses.replace(k, color=colors.get(k.key, k.color)) for k in heads.kens]
        return dataclasses.replace(heads, option=name, kens=kens)

    def is_working_copy(self, index: int) -> bool:
        return 0 <= index < len(self.names) and self.names[index] in self.copies

    def tab_label(self, index: int) -> str:
        name = self.names[index]
        copy = self.copies.get(name)
        if copy is None:
            return name
        number = (
            name.rsplit(" ", 1)[-1] if name.rsplit(" ", 1)[-1].isdigit() else ""
        )  # a second copy: 「… 2」
        return f"{copy.base}＊編集中{' ' + number if number else ''}"

    # -- showing --------------------------------------------------------------------------------
    def show_option(self, index: int) -> None:
        if not self.names:
            return
        index %= len(self.names)
        if index == self.current and self.data is not None:
            return
        self.current = index
        self.option_changed.emit(index)  # the page starts drawing at once (it runs in its own process)
        self.notes_changed.emit()
        if self.compare is not None:
            self.start_compare(self.compare)
        log_event(self.project, self.meeting.id, "option_shown", option=self.names[index])

    def step(self, delta: int) -> None:
        self.show_option(self.current + delta)

    def start_compare(self, other: int | None = None) -> None:
        """Show option ``other`` (default: the next tab) beside the current one."""
        if len(self.names) < 2:
            return
        if other is None or other == self.current:
            other = (self.current + 1) % len(self.names)
        self.compare = other
        a, b = self.names[self.current], self.names[other]
        try:
            res = compare_options(self.project, [a, b], coverage_params=self.document.coverage_params)
            self.changed_codes = [d.code for d in res.unit_differences if b in d.changed_in]
        except ZaitakuError as err:  # the maps are still shown side by side, without outlines
            log.exception("comparison failed")
            self.changed_codes = []
            self.failed.emit(str(err))
        log_event(self.project, self.meeting.id, "compare_shown", option=a, other=b)
        self.compare_changed.emit()

    def stop_compare(self) -> None:
        self.compare = None
        self.changed_codes = []
        self.compare_changed.emit()

    def set_year(self, year: int | None) -> None:
        """The projection year of the demand figures (``None``: none)."""
        if year == self.year:
            return
        self.year = year
        if year is not None:
            log_event(self.project, self.meeting.id, "year_shown", option=self.names[self.current], year=year)
        self.year_changed.emit(year)
        self.headlines_changed.emit()

    def set_layer(self, layer_ids: tuple[str, ...] | list[str], on: bool) -> None:
        for lid in layer_ids:
            self.visible[lid] = bool(on)
        self.layers_changed.emit()

    # -- live edits -----------------------------------------------------------------------------
    def _working_copy(self) -> WorkingCopy:
        """The working copy of the option shown (made on the first edit, shown in a new tab)."""
        name = self.names[self.current]
        if name in self.copies:
            return self.copies[name]
        copy = start_working_copy(self.project, self.meeting.id, name)
        self.copies[copy.name] = copy
        self.names.append(copy.name)
        base_entry = self.document.doc["options"][self.current]
        self.document.doc["options"].append({**base_entry, "name": copy.name})  # until recomputed
        assert self.data is not None
        self.document.evaluations[copy.name] = self.document.evaluations[name]
        self.data.demands[copy.name] = self.data.demands.get(name)
        self.options_changed.emit()
        self.entry_changed.emit(len(self.names) - 1)
        self.current = len(self.names) - 1
        self.option_changed.emit(self.current)
        return copy

    def move(self, code: str, ken_key: str) -> None:
        """Move municipality ``code`` into 圏域 ``ken_key`` (of the option shown) on its working copy."""
        copy = self._working_copy()
        res = move_units(self.project, copy, [code], ken_key)
        if res.get("moved"):
            self.edits.append(("move", copy.name))
            self._recompute(copy.name)

    def add_site(self, lat: float, lon: float) -> EditOutcome:
        """A hypothetical facility at lat/lon (raises when coverage cannot reach the place)."""
        out = self.whatif.add(lat, lon, option=self.names[self.current])
        self.edits.append(("whatif", ""))
        self.whatif_changed.emit()
        self.headlines_changed.emit()
        return out

    def undo(self) -> bool:
        """Undo the meeting's last edit: a move (on its working copy) or a hypothetical facility."""
        kind, name = (
            self.edits.pop() if self.edits else ("move", self.names[self.current] if self.names else "")
        )
        if kind == "whatif":
            if self.whatif.undo(option=self.names[self.current]) is None:
                return False
            self.whatif_changed.emit()
            self.headlines_changed.emit()
            return True
        copy = self.copies.get(name)
        if copy is None:
            return False
        res = undo_edit(self.project, copy)
        if res.get("undone"):
            self._recompute(copy.name)
            return True
        return False

    def save(self, name: str | None = None) -> str | None:
        """「この状態を案として保存」: the working copy shown becomes an option named by the meeting date
        (hypothetical facilities, if any, the scenario 「会議 <date>」)."""
        self.whatif.save(self.meeting.date)
        old = self.names[self.current] if self.names else None
        copy = self.copies.pop(old, None) if old else None
        if copy is None:
            return None
        new = save_working_copy(self.project, copy, name=name)
        self.names[self.current] = new
        self.document.doc["options"][self.current] = {
            **self.document.doc["options"][self.current],
            "name": new,
        }
        assert self.data is not None
        self.document.evaluations[new] = self.document.evaluations.pop(copy.name)
        self.data.demands[new] = self.data.demands.pop(copy.name, None)
        self.options_changed.emit()
        self.entry_changed.emit(self.current)
        self._recompute(new)
        return new

    def _recompute(self, name: str) -> None:
        self.busy = True
        doc = self.document
        shown = doc.doc["options"][self.names.index(name)] if name in self.names else {"kens": []}
        colors = {str(k["key"]): str(k["color"]) for k in shown["kens"]}
        job = Job(
            lambda p, progress=None, cancel=None: recompute_option(p, name, doc, colors=colors),
            project_path=self.project_path,
        )
        job.succeeded.connect(self._recomputed)
        job.failed.connect(lambda err: self._job_failed(err))
        job.finished.connect(lambda: self.jobs.remove(job) if job in self.jobs else None)
        self.jobs.append(job)
        job.start()

    def _recomputed(self, upd: OptionUpdate) -> None:
        if upd.name not in self.names or self.data is None:
            return
        i = self.names.index(upd.name)
        self.document.doc["options"][i] = upd.entry
        self.document.evaluations[upd.name] = upd.evaluation
        self.data.demands[upd.name] = upd.demand
        self.busy = any(j.isRunning() for j in self.jobs if j is not self.sender())
        self.entry_changed.emit(i)
        self.headlines_changed.emit()
        self.edit_done.emit(upd.name)

    def _job_failed(self, err: BaseException) -> None:
        self.busy = False
        log.error("recomputing the option failed: %s", err)
        self.failed.emit(str(err))

    # -- notes ----------------------------------------------------------------------------------
    def notes(self) -> list[MeetingNote]:
        return notes(self.project, self.names[self.current]) if self.names else []

    def add_stroke(self, points: list[tuple[float, float]]) -> MeetingNote:
        note = add_note(
            self.project, self.names[self.current], kind="pen", coords=points, meeting_id=self.meeting.id
        )
        self.notes_changed.emit()
        return note

    def add_text(self, lat: float, lon: float, text: str) -> MeetingNote:
        note = add_note(
            self.project,
            self.names[self.current],
            kind="text",
            coords=[(lat, lon)],
            text=text,
            meeting_id=self.meeting.id,
        )
        self.notes_changed.emit()
        return note

    def remove_note(self, note_id: int) -> None:
        remove_note(self.project, note_id, meeting_id=self.meeting.id)
        self.notes_changed.emit()

    # -- end ------------------------------------------------------------------------------------
    def wait(self, msecs: int = 10000) -> None:
        for job in list(self.jobs):
            job.wait(msecs)

    def end(self) -> Meeting:
        """Close the meeting record (working copies not saved stay as options, marked 作業中)."""
        self.wait()
        self.meeting = end_meeting(self.project, self.meeting.id)
        return self.meeting
