"""「会議メモ」: the notes a committee drew on an option's map in meeting mode, and the meeting record.

Page 1 is the option's map sheet (the same drawing as the map PDF) with the pen strokes and text notes
on it.  The following pages list the notes (time, meeting, text) and the record of every meeting
that touched the option — shown it, edited it (its working copy), saved it, or drew on it — one line
per event with its time.  The meeting pack includes these pages for an option that has notes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from pyproj import Transformer
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from zaitaku_map.export.data import load_export_data
from zaitaku_map.export.mapdoc import load_coverage, render_map_figure
from zaitaku_map.export.mapdraw import HALO
from zaitaku_map.export.output import output_file
from zaitaku_map.export.request import ExportRequest, ExportResult, Timer
from zaitaku_map.export.rldoc import build_pdf, data_table, page_size, para
from zaitaku_map.export.sections import PackContext, PackSection, SectionPart, register_section
from zaitaku_map.labels import EXPORT_TEXT, MEETING_TEXT
from zaitaku_map.options.meeting import (
    Meeting,
    MeetingEvent,
    MeetingNote,
    list_meetings,
    meeting_events,
    notes,
)
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback
from zaitaku_map.store import Project

KIND_LABEL = {"pen": "線", "text": "文字"}


def draw_notes(ax: Any, crs: str, items: Sequence[MeetingNote], *, fontsize: float = 9.0) -> int:
    """Draw pen strokes and text notes on a map axes in ``crs`` (metres); returns how many were drawn."""
    to_metric = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    n = 0
    for note in items:
        lons = [c[1] for c in note.coords]
        lats = [c[0] for c in note.coords]
        xs, ys = to_metric.transform(lons, lats)
        if note.kind == "pen":
            ax.plot(
                xs,
                ys,
                color=note.color,
                lw=max(1.2, note.width * 0.45),
                solid_capstyle="round",
                solid_joinstyle="round",
                zorder=30,
                path_effects=HALO,
            )
        else:
            ax.text(
                xs[0],
                ys[0],
                note.text,
                fontsize=fontsize,
                color=note.color,
                ha="center",
                va="center",
                zorder=31,
                bbox={"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": note.color, "lw": 1.2},
            )
        n += 1
    return n


def related_meetings(project: Project, option: str, items: Sequence[MeetingNote]) -> list[Meeting]:
    """Meetings that showed, edited, saved or drew on ``option`` (its working copy included)."""
    names = {option}
    ids = {n.meeting_id for n in items if n.meeting_id is not None}
    for m in list_meetings(project):
        for e in meeting_events(project, m.id):
            if e.kind == "saved" and e.option == option:
                names.add(str(e.detail.get("working") or ""))
    for m in list_meetings(project):
        if any(e.option in names for e in meeting_events(project, m.id)):
            ids.add(m.id)
    return [m for m in list_meetings(project) if m.id in ids]


def _clock(at: str) -> str:
    return at[11:16] if len(at) >= 16 else at


def _record_story(
    option: str,
    items: Sequence[MeetingNote],
    meetings: Sequence[Meeting],
    events: dict[int, list[MeetingEvent]],
    width: float,
) -> list[Any]:
    titles = {m.id: m.title for m in meetings}
    story: list[Any] = [para(f"{MEETING_TEXT['notes_title']}（{option}）", "title")]
    if items:
        rows = [
            [
                str(i),
                KIND_LABEL.get(n.kind, n.kind),
                n.text or "（線）",
                f"{n.created_at[:10]} {_clock(n.created_at)}",
                titles.get(n.meeting_id or -1, "－"),
            ]
            for i, n in enumerate(items, start=1)
        ]
        story.append(
            data_table(
                ["No.", "種類", "内容", "日時", "会議"],
                rows,
                [12 * mm, 14 * mm, width - 104 * mm, 34 * mm, 44 * mm],
            )
        )
    else:
        story.append(para("この案には会議メモがありません。", "note"))
    for m in meetings:
        story += [Spacer(1, 5 * mm), para(f"{MEETING_TEXT['record_title']}: {m.title}", "subtitle")]
        span = f"{m.started_at[:10]} {_clock(m.started_at)}〜{_clock(m.ended_at) if m.ended_at else ''}"
        story.append(para(span, "note"))
        rows = [[_clock(e.at), e.text()] for e in events[m.id]]
        story.append(data_table(["時刻", "内容"], rows, [18 * mm, width - 18 * mm]))
    return story


def export_meeting_notes_pdf(
    project: Project,
    request: ExportRequest,
    path: str | Path,
    *,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Write 「会議メモ」 of ``request.option``: its map with the notes, then the notes and meeting records.

    Returns
    -------
    ExportResult
        ``details``: ``notes`` (how many were drawn), ``meetings`` (titles).
    """
    from pypdf import PdfReader, PdfWriter

    timer = Timer()
    prog = Progress.of(progress, cancel)
    option = request.option
    items = notes(project, option)
    meetings = related_meetings(project, option, items)
    events = {m.id: meeting_events(project, m.id) for m in meetings}
    prog.update(0.1, "データを読み込み中")
    title = f"{MEETING_TEXT['notes_title']}　{EXPORT_TEXT['map_title']}"
    data = load_export_data(project, request.with_(title=request.title or title))
    cov = load_coverage(project, request)
    prog.update(0.3, "地図を描画中")
    fig, facts = render_map_figure(data, coverage=cov)
    drawn = draw_notes(fig.axes[0], str(facts["crs"]), items)
    size = page_size(request.paper, request.landscape)
    width = size[0] - 30 * mm
    maps = io.BytesIO()
    fig.savefig(maps, format="pdf", metadata={"Title": f"{MEETING_TEXT['notes_title']} {option}"})
    prog.update(0.7, "会議の記録")
    records = io.BytesIO()
    build_pdf(
        records,
        lambda: _record_story(option, items, meetings, events, width),
        header=f"{MEETING_TEXT['notes_title']}　{EXPORT_TEXT['option']}: {option}",
        footer=EXPORT_TEXT["footer"].format(version=data.version, date=data.created),
        is_demo=data.is_demo,
        pagesize=size,
        title=f"{MEETING_TEXT['notes_title']} {option}",
        with_toc=False,
    )
    writer = PdfWriter()
    writer.append(PdfReader(maps), outline_item=f"{MEETING_TEXT['notes_title']}（地図）")
    writer.append(PdfReader(records), outline_item=MEETING_TEXT["record_title"])
    writer.add_metadata({"/Title": f"{MEETING_TEXT['notes_title']} {option}", "/Creator": "zaitaku-map"})
    prog.check()
    with output_file(path, what="PDF") as tmp, open(tmp, "wb") as fh:
        writer.write(fh)
    prog.update(1.0, "完了", force=True)
    return ExportResult(
        kind="meeting_notes_pdf",
        path=str(path),
        pages=len(writer.pages),
        seconds=timer.seconds(),
        details={"notes": drawn, "meetings": [m.title for m in meetings]},
    )


# ---------------------------------------------------------------------------------------------- pack


def render_meeting_notes(ctx: PackContext) -> list[SectionPart]:
    """The pack's 「会議メモ」: for every option of the request that has notes, its map with the notes
    and the notes with the meeting records (nothing for options without notes)."""
    parts: list[SectionPart] = []
    for name in ctx.progress.iterate(ctx.request.options, message=MEETING_TEXT["notes_title"]):
        items = notes(ctx.project, name)
        if not items:
            continue
        meetings = related_meetings(ctx.project, name, items)
        events = {m.id: meeting_events(ctx.project, m.id) for m in meetings}
        data = ctx.data(name)
        heading = f"{MEETING_TEXT['notes_title']}　{EXPORT_TEXT['map_title']}"
        data = replace(data, request=data.request.with_(title=heading))
        fig, facts = render_map_figure(data, coverage=ctx.coverage())
        draw_notes(fig.axes[0], str(facts["crs"]), items)
        title = f"{MEETING_TEXT['notes_title']}（{name}）"
        parts.append(ctx.figure_part([(fig, None)], title=title, file_stem=f"会議メモ_{name}"))
        story = _record_story(name, items, meetings, events, ctx.text_width)
        parts.append(
            ctx.story_part(story, title=MEETING_TEXT["record_title"], file_stem=f"会議の記録_{name}")
        )
    return parts


MEETING_NOTES = register_section(
    PackSection("meeting_notes", MEETING_TEXT["notes_title"], render_meeting_notes, order=80, weight=1.0)
)
