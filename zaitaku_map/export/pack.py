"""The meeting pack: one PDF with a cover, one table of contents over every part, one page numbering
and bookmarks — or the same parts as separate files in a folder (with an XLSX per option).

The parts come from the registered sections (:mod:`zaitaku_map.export.sections`), in their order:
the assembler renders each chosen section, then the cover and the table of contents (its page
numbers are those of the finished PDF, which are also the page numbers printed at the foot of every
page), merges everything with pypdf, adds the bookmarks and stamps 「X / N」 on every page but the
cover.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zaitaku_map.errors import ExportError
from zaitaku_map.export.output import output_file, write_bytes
from zaitaku_map.export.request import ExportRequest, ExportResult, MeetingInfo, Timer
from zaitaku_map.export.sections import PackContext, PackSection, SectionPart, chosen_sections
from zaitaku_map.labels import EXPORT_TEXT
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback
from zaitaku_map.store import Project

_BAD = re.compile(r'[\\/:*?"<>|\s]+')


def safe_name(text: str) -> str:
    """A file-name-safe version of a title (Windows-forbidden characters and blanks replaced)."""
    return _BAD.sub("_", text).strip("._") or "part"


@dataclass
class TocEntry:
    """One line of the table of contents / one bookmark: level 0 section, 1 part, 2+ headings."""

    title: str
    page: int  # 0-based page index in the finished PDF
    level: int
    in_toc: bool = True  # deeper headings are bookmarks only


@dataclass
class RenderedSection:
    section: PackSection
    parts: list[SectionPart]


def meeting_info(project: Project, request: ExportRequest) -> MeetingInfo:
    """The request's cover, else the project's ``meeting`` setting."""
    return request.meeting or MeetingInfo.from_setting(project.setting("meeting"))


def render_sections(
    project: Project, request: ExportRequest, *, progress: Progress
) -> tuple[PackContext, list[RenderedSection]]:
    """Render every chosen section (in pack order); sections with no pages are left out.

    Raises
    ------
    ExportError
        When no chosen section applies to the request.
    """
    sections = chosen_sections(request)
    if not sections:
        raise ExportError(
            "no section of the meeting pack applies", hint="会議資料に入れる部分を1つ以上選んでください"
        )
    ctx = PackContext(project, request, progress)
    total = sum(s.weight for s in sections)
    out: list[RenderedSection] = []
    for s in sections:
        ctx.progress = progress.step(0.85 * s.weight / total)
        ctx.progress.update(0.0, s.title, force=True)
        parts = [p for p in s.render(ctx) if p.pages > 0]
        ctx.progress.update(1.0, s.title, force=True)
        if parts:
            out.append(RenderedSection(s, parts))
    ctx.progress = progress
    return ctx, out


def _entries(rendered: list[RenderedSection], offset: int) -> list[TocEntry]:
    """Table-of-contents entries with pages counted from ``offset`` (cover and contents before).

    A section with one part is one entry (「資源リスト（案A）」); with several, each part is an entry
    under the section.
    """
    entries: list[TocEntry] = []
    page = offset
    for r in rendered:
        single = len(r.parts) == 1
        title = r.section.title
        if single and r.parts[0].title and r.parts[0].title != title:
            title = f"{title}（{r.parts[0].title}）"
        entries.append(TocEntry(title, page, 0))
        for part in r.parts:
            if not single:
                entries.append(TocEntry(part.title, page, 1))
            for h in part.headings:
                level = h.level + (0 if single else 1)
                entries.append(TocEntry(h.title, page + h.page, level, in_toc=h.level <= 1))
            page += part.pages
    return entries


def _cover_story(ctx_data: Any, request: ExportRequest, meeting: MeetingInfo) -> list[Any]:
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer

    from zaitaku_map.export.rldoc import para

    story: list[Any] = [Spacer(1, 12 * mm)]
    story.append(para(meeting.name or EXPORT_TEXT["pack_title"], "cover_title"))
    story.append(para(EXPORT_TEXT["pack_subtitle"], "subtitle"))
    story.append(Spacer(1, 10 * mm))
    for label, value in (
        (EXPORT_TEXT["meeting_date"], meeting.date),
        (EXPORT_TEXT["secretariat"], meeting.secretariat),
    ):
        if value:
            story.append(para(f"{label}: {value}", "cover_line"))
    story.append(Spacer(1, 8 * mm))
    story.append(para(f"{EXPORT_TEXT['option']}: " + "・".join(request.options), "cover_line"))
    if request.scenario:
        story.append(para(f"{EXPORT_TEXT['scenario']}: {request.scenario}", "cover_line"))
        story.append(para(EXPORT_TEXT["scenario_note"].format(name=request.scenario), "note"))
    if request.year is not None:
        story.append(
            para(
                f"{EXPORT_TEXT['year']}: {EXPORT_TEXT['year_value'].format(year=request.year)}", "cover_line"
            )
        )
    if request.coverage_category:
        from zaitaku_map.export.mapdoc import coverage_label

        story.append(para(f"{EXPORT_TEXT['coverage']}: {coverage_label(request.coverage_category)}", "note"))
    story.append(
        para(f"{EXPORT_TEXT['created']}: {ctx_data.created}　　プロジェクト: {ctx_data.project_name}", "note")
    )
    if ctx_data.is_demo:
        story += [Spacer(1, 6 * mm), para(EXPORT_TEXT["demo_banner"], "demo")]
    story += [Spacer(1, 6 * mm), para(EXPORT_TEXT["sources"], "note_head")]
    story += [para("／".join(ctx_data.source_lines()) or "（なし）", "cell_small")]
    attr = ctx_data.attributions()
    if attr:
        story += [Spacer(1, 2 * mm), para(EXPORT_TEXT["attribution"], "note_head")]
        story += [para("／".join(attr), "cell_small")]
    return story


def _toc_story(entries: list[TocEntry], width: float) -> list[Any]:
    from reportlab.platypus import Table, TableStyle

    from zaitaku_map.export.rldoc import para

    rows = [
        [para(e.title, f"toc{min(e.level, 2)}"), para(str(e.page + 1), f"toc{min(e.level, 2)}_page")]
        for e in entries
        if e.in_toc
    ]
    table = Table(rows, colWidths=[width - 40, 40], repeatRows=0)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, "#c8ced6"),
            ]
        )
    )
    return [para(EXPORT_TEXT["toc"], "title"), table]


def _front_matter(
    ctx: PackContext, rendered: list[RenderedSection], meeting: MeetingInfo
) -> tuple[bytes, int, bytes, int, list[TocEntry]]:
    """(cover PDF, its pages, contents PDF, its pages, entries) with page numbers of the final PDF."""
    from zaitaku_map.export.rldoc import render_story

    def layout(story: list[Any]) -> tuple[bytes, int]:
        pdf, pages, _h = render_story(
            story, header="", footer=ctx.footer, is_demo=ctx.is_demo, pagesize=ctx.page_size
        )
        return pdf, pages

    cover, n_cover = layout(_cover_story(ctx.data(), ctx.request, meeting))
    n_toc = 1
    for _ in range(4):  # the contents' length depends on nothing but the entries: settles at once
        entries = _entries(rendered, n_cover + n_toc)
        toc, pages = layout(_toc_story(entries, ctx.text_width))
        if pages == n_toc:
            return cover, n_cover, toc, n_toc, entries
        n_toc = pages
    raise ExportError("table of contents did not settle")  # pragma: no cover - cannot happen


def stamp_page_numbers(writer: Any, *, first: int = 1) -> None:
    """Print 「X / N」 at the lower right of every page from index ``first`` on (one numbering)."""
    from pypdf import PdfReader
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    from zaitaku_map.export.fonts import setup_reportlab

    font = setup_reportlab()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, initialFontName=font)
    n = len(writer.pages)
    for i, page in enumerate(writer.pages, start=1):
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        c.setPageSize((w, h))
        if i > first:
            c.setFont(font, 8)
            c.setFillColorRGB(0.2, 0.2, 0.2)
            c.drawRightString(w - 12 * mm, 6 * mm, f"{i} / {n}")
        c.showPage()
    c.save()
    overlay = PdfReader(io.BytesIO(buf.getvalue()))
    for i, (page, stamp) in enumerate(zip(writer.pages, overlay.pages, strict=True)):
        if i >= first:
            page.merge_page(stamp)
            page.compress_content_streams()  # merging writes the page uncompressed (3× the bytes of a map)


def _one_pdf(
    ctx: PackContext, rendered: list[RenderedSection], meeting: MeetingInfo
) -> tuple[bytes, int, list[TocEntry]]:
    from pypdf import PdfReader, PdfWriter

    cover, n_cover, toc, _n_toc, entries = _front_matter(ctx, rendered, meeting)
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(cover)), import_outline=False)
    writer.append(PdfReader(io.BytesIO(toc)), import_outline=False)
    for r in rendered:
        for part in r.parts:
            writer.append(PdfReader(io.BytesIO(part.pdf)), import_outline=False)
    parents: dict[int, Any] = {}
    writer.add_outline_item(title=EXPORT_TEXT["toc"], page_number=n_cover)
    for e in entries:
        parent = parents.get(e.level - 1) if e.level > 0 else None
        parents[e.level] = writer.add_outline_item(
            title=e.title, page_number=e.page, parent=parent, is_open=e.level == 0
        )
    stamp_page_numbers(writer, first=n_cover)
    writer.add_metadata(
        {
            "/Title": meeting.name or EXPORT_TEXT["pack_title"],
            "/Subject": "・".join(ctx.request.options),
            "/Creator": "zaitaku-map",
        }
    )
    writer.page_mode = "/UseOutlines"
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), len(writer.pages), entries


def _numbered(part: SectionPart) -> bytes:
    """A part as its own file, numbered 「X / Y」 on every page."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(part.pdf)), import_outline=False)
    for h in part.headings:
        writer.add_outline_item(title=h.title, page_number=h.page)
    stamp_page_numbers(writer, first=0)
    writer.add_metadata({"/Title": part.title, "/Creator": "zaitaku-map"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _write_folder(
    project: Project, request: ExportRequest, rendered: list[RenderedSection], folder: Path, prog: Progress
) -> list[str]:
    from zaitaku_map.export.tables import export_xlsx

    files: list[str] = []
    i = 0
    for r in rendered:
        for part in r.parts:
            i += 1
            path = folder / f"{i:02d}_{safe_name(part.file_stem or part.title)}.pdf"
            write_bytes(path, _numbered(part), what="PDF")
            files.append(str(path))
    for name in request.options:
        i += 1
        prog.check()
        res = export_xlsx(
            project, request.for_option(name), folder / f"{i:02d}_{safe_name('表_' + name)}.xlsx"
        )
        files.append(res.path)
    return files


def export_pack(
    project: Project,
    request: ExportRequest,
    path: str | Path | None,
    *,
    folder: str | Path | None = None,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Write the meeting pack of ``request.options``: one PDF at ``path`` and/or the separate parts
    (numbered PDFs and an XLSX per option) into ``folder``.

    Returns
    -------
    ExportResult
        ``kind`` pack_pdf (or pack_dir when only a folder is written), ``pages`` of the one PDF
        (else of all parts), ``details``: sections, parts [{section, title, pages}], toc
        [{title, page, level}] (pages as printed), cover; ``files``: the folder's files.
    """
    if path is None and folder is None:
        raise ExportError(
            "no destination for the meeting pack", hint="保存先（PDF またはフォルダー）を指定してください"
        )
    timer = Timer()
    prog = Progress.of(progress, cancel)
    ctx, rendered = render_sections(project, request, progress=prog)
    meeting = meeting_info(project, request)
    parts: list[dict[str, Any]] = [
        {"section": r.section.key, "title": p.title, "pages": p.pages} for r in rendered for p in r.parts
    ]
    details: dict[str, Any] = {
        "sections": [r.section.key for r in rendered],
        "parts": parts,
        "options": request.options,
        "cover": meeting.to_setting(),
    }
    files: list[str] = []
    pages = sum(p.pages for r in rendered for p in r.parts)
    if folder is not None:
        files = _write_folder(project, request, rendered, Path(folder), prog.step(0.05))
    if path is not None:
        data, pages, entries = _one_pdf(ctx, rendered, meeting)
        details["toc"] = [
            {"title": e.title, "page": e.page + 1, "level": e.level} for e in entries if e.in_toc
        ]
        prog.check()
        with output_file(path, what="PDF") as tmp:
            tmp.write_bytes(data)
    prog.update(1.0, "完了", force=True)
    return ExportResult(
        kind="pack_pdf" if path is not None else "pack_dir",
        path=str(path if path is not None else folder),
        pages=pages,
        seconds=timer.seconds(),
        counts={"sections": len(rendered), "parts": len(parts)},
        details=details,
        files=files,
    )
