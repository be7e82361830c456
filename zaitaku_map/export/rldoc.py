"""ReportLab building blocks shared by the list and comparison PDFs: styles, page template with
header/footer and "page X / Y", table helpers, a table of contents.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A3, A4, landscape, portrait
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph, Table, TableStyle
from reportlab.platypus.tableofcontents import TableOfContents

from zaitaku_map.errors import ExportError
from zaitaku_map.export.escape import rl
from zaitaku_map.export.fonts import setup_reportlab
from zaitaku_map.export.output import output_file
from zaitaku_map.labels import EXPORT_TEXT

HEAD_BG = colors.HexColor("#dde6f0")
GRID = colors.HexColor("#9aa5b1")
ZEBRA = colors.HexColor("#f5f7fa")
DIFF_BG = colors.HexColor("#ffe0b2")
DEMO_RED = colors.HexColor("#c62828")


@functools.cache
def styles() -> dict[str, ParagraphStyle]:
    font = setup_reportlab()
    base = ParagraphStyle(
        "base", fontName=font, bulletFontName=font, fontSize=8, leading=10.5, wordWrap="CJK"
    )
    return {
        "base": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9.5),
        "cell_small": ParagraphStyle("cell_small", parent=base, fontSize=6.5, leading=8.2),
        "head": ParagraphStyle("head", parent=base, fontSize=7.5, leading=9.5, textColor=colors.black),
        "title": ParagraphStyle("title", parent=base, fontSize=20, leading=26, spaceAfter=6),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=11, leading=15, spaceAfter=4),
        "h1": ParagraphStyle(
            "h1",
            parent=base,
            fontSize=14,
            leading=18,
            spaceBefore=4,
            spaceAfter=6,
            textColor=colors.HexColor("#1a3a5c"),
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontSize=10.5,
            leading=14,
            spaceBefore=8,
            spaceAfter=3,
            textColor=colors.HexColor("#1a3a5c"),
        ),
        "note": ParagraphStyle(
            "note", parent=base, fontSize=7.5, leading=10, textColor=colors.HexColor("#333333")
        ),
        "toc1": ParagraphStyle("toc1", parent=base, fontSize=10, leading=14, leftIndent=4 * mm),
        "toc2": ParagraphStyle("toc2", parent=base, fontSize=9, leading=12, leftIndent=12 * mm),
        "toc0": ParagraphStyle(
            "toc0", parent=base, fontSize=12, leading=17, spaceBefore=4, textColor=colors.HexColor("#1a3a5c")
        ),
        "toc0_page": ParagraphStyle("toc0_page", parent=base, fontSize=12, leading=17, alignment=2),
        "toc1_page": ParagraphStyle("toc1_page", parent=base, fontSize=10, leading=14, alignment=2),
        "toc2_page": ParagraphStyle("toc2_page", parent=base, fontSize=9, leading=12, alignment=2),
        "cover_title": ParagraphStyle("cover_title", parent=base, fontSize=26, leading=34, spaceAfter=10),
        "cover_line": ParagraphStyle("cover_line", parent=base, fontSize=14, leading=22),
        "note_head": ParagraphStyle("note_head", parent=base, fontSize=9, leading=13, spaceBefore=2),
        "demo": ParagraphStyle("demo", parent=base, fontSize=11, leading=15, textColor=DEMO_RED),
    }


def para(text: Any, style: str = "cell") -> Paragraph:
    """A wrapped table cell / paragraph with the text XML-escaped."""
    return Paragraph(rl(text), styles()[style])


def page_size(paper: str, land: bool) -> tuple[float, float]:
    sizes = {"A4": A4, "A3": A3}
    key = str(paper).upper()
    if key not in sizes:
        raise ExportError(f"unknown paper size: {paper}", value=paper, expected="A4 or A3")
    size: tuple[float, float] = landscape(sizes[key]) if land else portrait(sizes[key])
    return size


class NumberedCanvas(rl_canvas.Canvas):  # type: ignore[misc]  # reportlab ships no type information
    """Canvas that prints 「X / Y」 on every page.

    Pages are written as they come (so bookmarks and TOC links point at their own page); each page
    draws a form XObject holding its 「X / Y」, defined at the end when the total Y is known.
    """

    def showPage(self) -> None:
        w, _h = self._pagesize
        self.saveState()
        self.translate(w - 12 * mm, 8 * mm)
        self.doForm(f"zm_page_{self._pageNumber}")
        self.restoreState()
        super().showPage()

    def save(self) -> None:
        if len(self._code):
            self.showPage()
        total = self._pageNumber - 1
        font = setup_reportlab()
        for n in range(1, total + 1):
            self.beginForm(f"zm_page_{n}", lowerx=-120, lowery=-3, upperx=0, uppery=10)
            self.setFont(font, 7.5)
            self.setFillColor(colors.HexColor("#444444"))
            self.drawRightString(0, 0, f"{n} / {total}")
            self.endForm()
        super().save()


class ZDoc(BaseDocTemplate):  # type: ignore[misc]  # reportlab ships no type information
    """Doc template with the common header/footer and TOC notifications from h1/h2 paragraphs."""

    def __init__(
        self,
        filename: str | io.BytesIO,
        *,
        header: str,
        footer: str,
        is_demo: bool,
        pagesize: tuple[float, float],
        **kw: Any,
    ) -> None:
        super().__init__(
            filename,
            pagesize=pagesize,
            leftMargin=12 * mm,
            rightMargin=12 * mm,
            topMargin=17 * mm,
            bottomMargin=15 * mm,
            initialFontName=setup_reportlab(),
            initialFontSize=8,
            **kw,
        )
        self.header = header
        self.footer = footer
        self.is_demo = is_demo
        self.headings: list[tuple[int, str, int]] = []  # (level 1|2, plain text, page index from 0)
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body")
        self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=self._decorate)])

    def _decorate(self, canv: rl_canvas.Canvas, doc: Any) -> None:
        font = setup_reportlab()
        w, h = self.pagesize
        canv.saveState()
        canv.setFont(font, 8)
        canv.setFillColor(colors.HexColor("#1a3a5c"))
        canv.drawString(12 * mm, h - 10 * mm, self.header)
        canv.setStrokeColor(GRID)
        canv.setLineWidth(0.5)
        canv.line(12 * mm, h - 12 * mm, w - 12 * mm, h - 12 * mm)
        canv.line(12 * mm, 12 * mm, w - 12 * mm, 12 * mm)
        canv.setFillColor(colors.HexColor("#444444"))
        canv.setFont(font, 7)
        canv.drawString(12 * mm, 8 * mm, self.footer)
        if self.is_demo:
            canv.setFillColor(DEMO_RED)
            canv.setFont(font, 9)
            canv.drawRightString(w - 12 * mm, h - 10 * mm, EXPORT_TEXT["demo_banner"])
            canv.setFillColor(colors.Color(0.78, 0.16, 0.16, alpha=0.08))
            canv.setFont(font, 80)
            canv.translate(w / 2, h / 2)
            canv.rotate(30)
            canv.drawCentredString(0, -20, EXPORT_TEXT["demo_watermark"])
        canv.restoreState()

    def afterFlowable(self, flowable: Any) -> None:
        if isinstance(flowable, Paragraph) and flowable.style.name in ("h1", "h2"):
            level = 0 if flowable.style.name == "h1" else 1
            text = flowable.getPlainText()
            key = f"h{id(flowable)}"
            self.headings.append((level + 1, text, self.page - 1))
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(text, key, level=level, closed=level > 0)
            # the table of contents parses its entries as markup again: escape the plain text once more
            self.notify("TOCEntry", (level, rl(text), self.page, key))


def toc() -> TableOfContents:
    t = TableOfContents()
    st = styles()
    t.levelStyles = [st["toc1"], st["toc2"]]
    t.tableStyle = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), setup_reportlab()),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 1),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ]
    )
    t.dotsMinLevel = 0
    return t


def data_table(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    *,
    small: bool = False,
    highlight: Sequence[tuple[int, int]] = (),
    align_right: Sequence[int] = (),
    size: float | None = None,
) -> Table:
    """A repeated-header, zebra-striped table; ``highlight`` cells (col, row-in-body) get an orange fill.

    Cells whose text fits on one line stay plain strings (fast); longer ones become wrapping
    paragraphs (CJK line breaking).
    """
    from reportlab.pdfbase.pdfmetrics import stringWidth

    font = setup_reportlab()
    cs = "cell_small" if small else "cell"
    style = styles()[cs]
    head_style = styles()["head"]
    if size is not None:  # e.g. the resource list's 9 pt body
        style = ParagraphStyle(f"cell{size}", parent=style, fontSize=size, leading=size * 1.28)
        head_style = ParagraphStyle(f"head{size}", parent=head_style, fontSize=size, leading=size * 1.28)
    right_style = ParagraphStyle("r", parent=style, alignment=2)
    right = set(align_right)
    pad = 5.5
    body: list[list[Any]] = [[Paragraph(rl(h), head_style) for h in header]]
    for r in rows:
        out = []
        for c, v in enumerate(r):
            if hasattr(v, "wrap"):
                out.append(v)
                continue
            text = "" if v is None else str(v)
            if "\n" not in text and stringWidth(text, font, style.fontSize) <= widths[c] - pad:
                out.append(text)
            else:
                out.append(Paragraph(rl(text), right_style if c in right else style))
        body.append(out)
    t = Table(body, colWidths=list(widths), repeatRows=1)
    cmds: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 1), (-1, -1), style.fontSize),
        ("LEADING", (0, 1), (-1, -1), style.leading),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    cmds += [("ALIGN", (c, 1), (c, -1), "RIGHT") for c in right]
    for i in range(1, len(body)):
        if i % 2 == 0:
            cmds.append(("BACKGROUND", (0, i), (-1, i), ZEBRA))
    for col, row in highlight:
        cmds.append(("BACKGROUND", (col, row + 1), (col, row + 1), DIFF_BG))
    t.setStyle(TableStyle(cmds))
    return t


def build_pdf(
    path: Path | io.BytesIO,
    story_fn: Callable[[], list[Any]],
    *,
    header: str,
    footer: str,
    is_demo: bool,
    pagesize: tuple[float, float],
    title: str,
    with_toc: bool,
    numbered: bool = True,
) -> int:
    """Build the story into ``path`` (atomically) or a buffer, in two passes when there is a TOC;
    returns the number of pages.  ``numbered=False`` leaves the 「X / Y」 off (the pack numbers its pages)."""

    def build(target: str | io.BytesIO) -> int:
        doc = ZDoc(
            target,
            header=header,
            footer=footer,
            is_demo=is_demo,
            pagesize=pagesize,
            title=title,
            author="zaitaku-map",
            creator="zaitaku-map",
        )
        maker = NumberedCanvas if numbered else rl_canvas.Canvas
        if with_toc:
            doc.multiBuild(story_fn(), canvasmaker=maker)
        else:
            doc.build(story_fn(), canvasmaker=maker)
        return int(doc.page)

    if isinstance(path, io.BytesIO):
        return build(path)
    with output_file(path, what="PDF") as tmp:
        return build(str(tmp))


def render_story(
    story: list[Any], *, header: str, footer: str, is_demo: bool, pagesize: tuple[float, float]
) -> tuple[bytes, int, list[tuple[int, str, int]]]:
    """Lay out ``story`` on unnumbered pages in memory: (PDF bytes, pages, headings (level, text, page))."""
    buf = io.BytesIO()
    doc = ZDoc(buf, header=header, footer=footer, is_demo=is_demo, pagesize=pagesize, creator="zaitaku-map")
    doc.build(story, canvasmaker=rl_canvas.Canvas)
    return buf.getvalue(), int(doc.page), doc.headings
