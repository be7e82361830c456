"""The meeting pack as an ordered list of sections, with a registry others add their pages to.

A section renders into one or more :class:`SectionPart` (a PDF in memory plus its headings); the pack
(:mod:`zaitaku_map.export.pack`) puts a cover and one table of contents in front, numbers every page
once and bookmarks every section and heading.  The folder form of the pack writes each part as its
own file.

Adding a section (e.g. in ``zaitaku_map/export/demand_pages.py``)::

    from zaitaku_map.export.sections import PackContext, PackSection, SectionPart, register_section

    def render(ctx: PackContext) -> list[SectionPart]:
        story = [ctx.heading("将来の需要"), ...]          # ReportLab flowables, or
        return [ctx.story_part(story, title="将来の需要", file_stem="将来の需要")]
        # ... or ctx.figure_part([(figure, "見出し")], title=..., file_stem=...) for matplotlib pages

    register_section(PackSection(key="demand", title="将来の需要", order=40, render=render))

and append the module's name to :data:`SECTION_MODULES` so the pack imports it.  ``order`` places the
section (built-in: 10 maps, 20 comparison, 30 evaluation, 60 atlas, 70 resource lists; free slots
between them); ``default`` says whether the export dialog ticks it; ``applies`` hides a section that
has nothing to show for a request (e.g. the comparison with one option).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from zaitaku_map.errors import ExportError
from zaitaku_map.export.data import ExportData, load_export_data
from zaitaku_map.export.request import ExportRequest
from zaitaku_map.labels import EXPORT_TEXT
from zaitaku_map.progress import Progress
from zaitaku_map.store import Project

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from zaitaku_map.export.mapdraw import Coverage

# modules whose import registers sections; the built-in ones first.  Append yours here.
SECTION_MODULES: tuple[str, ...] = (
    "zaitaku_map.export.pack_sections",
    "zaitaku_map.export.scenario_doc",
    "zaitaku_map.export.demand_pages",
    "zaitaku_map.export.meeting_notes",
    "zaitaku_map.export.partners_pages",
)


@dataclass(frozen=True)
class Heading:
    """An entry of the table of contents and the bookmarks.

    ``page`` counts from 0 within its part; ``level`` 1 is listed in the table of contents, deeper
    levels only in the bookmarks (the section and part titles are added by the pack).
    """

    title: str
    page: int
    level: int = 1


@dataclass
class SectionPart:
    """Pages a section rendered: one PDF (in memory), its headings, its title and a file name stem."""

    title: str
    pdf: bytes
    pages: int
    headings: list[Heading] = field(default_factory=list)
    file_stem: str = ""


@dataclass
class PackContext:
    """What a section renderer gets: the project, the request and shared, cached data."""

    project: Project
    request: ExportRequest
    progress: Progress
    _data: dict[str, ExportData] = field(default_factory=dict)
    _evaluations: dict[str, dict[str, Any]] = field(default_factory=dict)
    _coverage: list[Coverage | None] = field(default_factory=list)

    # ---------------------------------------------------------------- data shared by the sections
    def data(self, option: str | None = None) -> ExportData:
        """The export data of ``option`` (default the baseline), loaded once per pack."""
        name = option or self.request.option
        if name not in self._data:
            self._data[name] = load_export_data(self.project, self.request.for_option(name))
        return self._data[name]

    def coverage(self) -> Coverage | None:
        """The coverage the request asks for (bands and gaps), computed once per pack."""
        if not self._coverage:
            from zaitaku_map.export.mapdoc import load_coverage

            self._coverage.append(
                load_coverage(self.project, self.request, facilities=self.data().facility_set)
            )
        return self._coverage[0]

    def evaluation(self, option: str | None = None) -> dict[str, Any]:
        """``options.evaluate_option`` of ``option`` as the request asks (coverage, scenario, year), once per pack."""
        from zaitaku_map.export.evaluation import evaluate_data

        name = option or self.request.option
        if name not in self._evaluations:
            self._evaluations[name] = evaluate_data(self.project, self.data(name))
        return self._evaluations[name]

    # ---------------------------------------------------------------- page geometry and text
    @property
    def page_size(self) -> tuple[float, float]:
        """ReportLab page size (points) of the request's paper and orientation."""
        from zaitaku_map.export.rldoc import page_size

        return page_size(self.request.paper, self.request.landscape)

    @property
    def text_width(self) -> float:
        """Width (points) of the body frame of a ReportLab page."""
        from reportlab.lib.units import mm

        return float(self.page_size[0] - 24 * mm)

    @property
    def is_demo(self) -> bool:
        return self.data().is_demo

    @property
    def footer(self) -> str:
        d = self.data()
        return EXPORT_TEXT["footer"].format(version=d.version, date=d.created)

    def heading(self, text: str, level: int = 1) -> Any:
        """A heading paragraph (escaped) that lands in the table of contents (level 1) or only in
        the bookmarks (level 2)."""
        from zaitaku_map.export.rldoc import para

        return para(text, "h1" if level <= 1 else "h2")

    # ---------------------------------------------------------------- rendering helpers
    def story_part(self, story: Sequence[Any], *, title: str, file_stem: str | None = None) -> SectionPart:
        """Lay out ReportLab flowables on the pack's pages; h1/h2 headings become entries."""
        from zaitaku_map.export.rldoc import render_story

        pdf, pages, heads = render_story(
            list(story),
            header=title,
            footer=self.footer,
            is_demo=self.is_demo,
            pagesize=self.page_size,
        )
        headings = [Heading(text, page, level) for level, text, page in heads]
        return SectionPart(title, pdf, pages, headings, file_stem or title)

    def figure_part(
        self, figures: Sequence[tuple[Figure, str | None]], *, title: str, file_stem: str | None = None
    ) -> SectionPart:
        """One page per matplotlib figure; a figure's text (if any) becomes a level-1 heading."""
        from zaitaku_map.export.output import figures_pdf

        pdf, heads = figures_pdf(figures)
        headings = [Heading(head, i, 1) for head, i in heads]
        return SectionPart(title, pdf, len(figures), headings, file_stem or title)


Renderer = Callable[[PackContext], list[SectionPart]]


@dataclass(frozen=True)
class PackSection:
    """One kind of part of the meeting pack.

    Parameters
    ----------
    key:
        Stable identifier (CLI ``--sections``, settings).
    title:
        Japanese name in the export dialog, the table of contents and the bookmarks.
    render:
        Produces the section's parts for a :class:`PackContext`.
    order:
        Position in the pack (smaller first).
    default:
        Whether the section is on when the request names no sections.
    applies:
        ``False`` for a request the section has nothing to show for (it is then skipped).
    weight:
        Share of the pack's progress bar.
    """

    key: str
    title: str
    render: Renderer
    order: int = 50
    default: bool = True
    applies: Callable[[ExportRequest], bool] = lambda _r: True
    weight: float = 1.0


_REGISTRY: dict[str, PackSection] = {}


def register_section(section: PackSection, *, replace: bool = False) -> PackSection:
    """Add ``section`` to the pack (``replace=True`` to redefine a key; otherwise a duplicate key is an error)."""
    if section.key in _REGISTRY and not replace and _REGISTRY[section.key] is not section:
        raise ValueError(f"pack section already registered: {section.key}")
    _REGISTRY[section.key] = section
    return section


@functools.cache
def _load_modules() -> None:
    for name in SECTION_MODULES:
        importlib.import_module(name)


def registered_sections() -> list[PackSection]:
    """Every registered section, in pack order."""
    _load_modules()
    return sorted(_REGISTRY.values(), key=lambda s: (s.order, s.key))


def default_section_keys() -> tuple[str, ...]:
    return tuple(s.key for s in registered_sections() if s.default)


def chosen_sections(request: ExportRequest) -> list[PackSection]:
    """The sections of ``request`` (its ``sections`` or the defaults) that apply, in pack order.

    Raises
    ------
    ExportError
        For an unknown section key.
    """
    known = {s.key: s for s in registered_sections()}
    keys = request.sections if request.sections is not None else default_section_keys()
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise ExportError(
            f"unknown pack section: {', '.join(unknown)}",
            value=", ".join(unknown),
            expected=", ".join(known),
            hint="会議資料に入れる部分のキーを確認してください",
        )
    return [s for s in known.values() if s.key in keys and s.applies(request)]
