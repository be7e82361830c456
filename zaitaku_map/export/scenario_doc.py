"""「案A＋シナリオ1」: a what-if scenario on an option's map, with the ranked table of its edits.

Page 1 is the option's map sheet (the same drawing as the map PDF) with the coverage of the edited
facility set — bands and the people still outside — and the scenario's edits drawn on top:
hypothetical facilities as stars labelled 「仮想」, existing facilities taking on a category ringed,
facilities switched off crossed out.  The next page gives the coverage before and after per 圏域 of
the option and the ranked table of the edits (site, category, people and 75+ newly covered,
cumulative coverage) with the gain curve — for a suggestion turned into a scenario this is the
suggestion's table.  Hypothetical facilities never appear as facilities of the register.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyproj import Transformer
from reportlab.lib.units import mm
from reportlab.platypus import Image, Spacer

from zaitaku_map.errors import ExportError
from zaitaku_map.export.data import load_export_data
from zaitaku_map.export.evaluation import request_params
from zaitaku_map.export.fonts import setup_matplotlib
from zaitaku_map.export.mapdoc import coverage_label, render_map_figure
from zaitaku_map.export.mapdraw import SITE_COLOR as SITE_COLOR
from zaitaku_map.export.mapdraw import Coverage, draw_scenario_marks
from zaitaku_map.export.output import output_file
from zaitaku_map.export.request import ExportRequest, ExportResult, Timer
from zaitaku_map.export.rldoc import build_pdf, data_table, page_size, para
from zaitaku_map.export.sections import PackContext, PackSection, SectionPart, register_section
from zaitaku_map.labels import CATEGORIES, EXPORT_TEXT, SCENARIO_DOC_TEXT, SUGGEST_COLUMNS
from zaitaku_map.options import get_option
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback
from zaitaku_map.remedies import get_scenario
from zaitaku_map.remedies.coverage import (
    ScenarioMap,
    ScenarioStep,
    evaluate_scenario,
    scenario_map,
    scenario_steps,
)
from zaitaku_map.store import Project


def title_of(option: str, scenario: str) -> str:
    """「案A＋シナリオ1」."""
    return f"{option}＋{scenario}"


def draw_scenario_edits(ax: Any, crs: str, smap: ScenarioMap, *, fontsize: float = 8.0) -> int:
    """Draw hypothetical sites (★ 仮想), gained (◎) and closed (×) facilities; returns how many."""
    to_metric = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    n = sum(draw_scenario_marks(ax, to_metric, smap.sites, smap.changed, fontsize=fontsize).values())
    ax.text(
        0.01,
        0.01,
        SCENARIO_DOC_TEXT["map_note"],
        transform=ax.transAxes,
        fontsize=fontsize * 0.9,
        va="bottom",
        ha="left",
        zorder=42,
        bbox={"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": SITE_COLOR, "lw": 0.8},
    )
    return n


def gain_curve_png(steps: Sequence[ScenarioStep], baseline: float, total: float) -> bytes:
    """The gain curve (coverage share after each step) as a PNG for the table page."""
    setup_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4.2, 2.4), dpi=200)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    xs = list(range(len(steps) + 1))
    ys = [baseline / total * 100] + [s.cumulative / total * 100 for s in steps]
    ax.plot(xs, ys, marker="o", color=SITE_COLOR, lw=1.8)
    ax.set_xlabel(SCENARIO_DOC_TEXT["curve_x"], fontsize=8)
    ax.set_ylabel(SCENARIO_DOC_TEXT["curve_y"], fontsize=8)
    ax.set_xticks(xs)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _table_story(
    title: str, ev: Any, steps: Sequence[ScenarioStep], option: str, names: dict[str, str], width: float
) -> list[Any]:
    T = SCENARIO_DOC_TEXT
    story: list[Any] = [
        para(title, "title"),
        para(f"{EXPORT_TEXT['coverage_params']}: {ev.description_ja}", "note"),
    ]
    known = bool(ev.total > 0)  # population at the demand points (not only per 圏域)
    share0 = ev.covered_before / ev.total * 100 if known else 0.0
    share1 = ev.covered_after / ev.total * 100 if known else 0.0
    story.append(
        para(
            T["no_population"].format(category=coverage_label(ev.category))
            if not known
            else T["summary"].format(
                category=coverage_label(ev.category),
                before=f"{ev.covered_before:,.0f}",
                after=f"{ev.covered_after:,.0f}",
                share0=f"{share0:.1f}",
                share1=f"{share1:.1f}",
                gain=f"{ev.gain:+,.0f}",
                gain75=f"{ev.covered_75_after - ev.covered_75_before:+,.0f}",
            ),
            "subtitle",
        )
    )

    def people(v: float) -> str:
        return f"{v:,.0f}" if known else "－"

    rows = [
        [a.name, people(a.pop_total), people(a.uncovered_before), people(a.uncovered_after),
         people(a.uncovered_75_before), people(a.uncovered_75_after)]
        for a in ev.areas.get(option, [])
    ]  # fmt: skip
    story += [Spacer(1, 3 * mm), para(T["areas_title"].format(option=option), "subtitle")]
    story.append(
        data_table(
            T["area_columns"].split("|"),
            rows,
            [width * f for f in (0.3, 0.14, 0.14, 0.14, 0.14, 0.14)],
            align_right=[1, 2, 3, 4, 5],
        )
    )
    story += [Spacer(1, 4 * mm), para(T["steps_title"], "subtitle")]
    if steps:
        srows = [
            [str(s.rank), s.label, CATEGORIES[s.category].short if s.category in CATEGORIES else T["kind_" + s.kind],
             names.get(s.muni_code or "", "－"), *((f"{s.gain_pop:+,.0f}", f"{s.gain_75:+,.0f}", f"{s.cumulative:,.0f}")
                                                   if known else ("－", "－", "－")),
             "－" if s.cumulative_share is None or not known else f"{s.cumulative_share * 100:.2f}%"]
            for s in steps
        ]  # fmt: skip
        story.append(
            data_table(
                list(SUGGEST_COLUMNS),
                srows,
                [width * f for f in (0.06, 0.28, 0.1, 0.12, 0.12, 0.1, 0.12, 0.1)],
                align_right=[4, 5, 6, 7],
            )
        )
        if known:  # no curve of shares without a population to share
            story += [
                Spacer(1, 3 * mm),
                Image(
                    io.BytesIO(gain_curve_png(steps, ev.covered_before, ev.total)),
                    width=105 * mm,
                    height=60 * mm,
                ),
            ]
    else:
        story.append(para(T["no_steps"], "note"))
    story += [Spacer(1, 3 * mm), para(T["hypothetical_note"], "note")]
    return story


@dataclass
class ScenarioPages:
    """The two pages of a scenario, ready to be written alone or as a pack section."""

    title: str
    figure: Any
    story: list[Any]
    header: str
    footer: str
    is_demo: bool
    smap: ScenarioMap
    steps: list[ScenarioStep]


def scenario_pages(
    project: Project, request: ExportRequest, *, progress: Progress | None = None
) -> ScenarioPages:
    """Map figure and table story of ``request.scenario`` on ``request.option``."""
    prog = progress or Progress(None, None)
    if not request.scenario:
        raise ExportError("no scenario given", hint="シナリオを選んでください（--scenario NAME）。")
    option, scenario = request.option, request.scenario
    sc = get_scenario(project, scenario)
    params = request_params(project, request)
    title = title_of(option, scenario)
    prog.update(0.05, "データを読み込み中")
    # the base map is the register; this page draws the scenario over it itself
    data = load_export_data(project, request.with_(title=request.title or title, scenario=None, year=None))
    opt = get_option(project, option)
    groups = {option: opt.unit_ken_names()}
    prog.update(0.15, "シナリオの到達圏を計算中")
    smap = scenario_map(project, sc.state, params, category=sc.category)
    ev = evaluate_scenario(project, scenario, params, groups=groups)
    steps = scenario_steps(project, scenario, params)
    cov = Coverage(
        category=sc.category,
        params=params,
        bands=smap.bands,
        gaps=smap.gaps,
        minutes=float(params.minutes),
        description=smap.description,
    )
    prog.update(0.5, "地図を描画中")
    fig, facts = render_map_figure(data, coverage=cov)
    draw_scenario_edits(fig.axes[0], str(facts["crs"]), smap)
    names = {
        str(c): str(f or n)
        for c, n, f in project.conn.execute("SELECT code, name, full_name FROM municipalities")
    }
    width = page_size(request.paper, request.landscape)[0] - 30 * mm
    return ScenarioPages(
        title=title,
        figure=fig,
        story=_table_story(title, ev, steps, option, names, width),
        header=title,
        footer=EXPORT_TEXT["footer"].format(version=data.version, date=data.created),
        is_demo=data.is_demo,
        smap=smap,
        steps=steps,
    )


def export_scenario_pdf(
    project: Project,
    request: ExportRequest,
    path: str | Path,
    *,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Write 「{option}＋{scenario}」 of ``request``: the map with the scenario's coverage and edits,
    then its tables.

    Returns
    -------
    ExportResult
        ``counts``: ``sites`` (hypothetical), ``changes`` (existing facilities), ``steps``.
    """
    from pypdf import PdfReader, PdfWriter

    timer = Timer()
    prog = Progress.of(progress, cancel)
    pages = scenario_pages(project, request, progress=prog)
    maps = io.BytesIO()
    pages.figure.savefig(maps, format="pdf", metadata={"Title": pages.title})
    prog.update(0.8, "表を作成中")
    tables = io.BytesIO()
    build_pdf(
        tables,
        lambda: pages.story,
        header=pages.header,
        footer=pages.footer,
        is_demo=pages.is_demo,
        pagesize=page_size(request.paper, request.landscape),
        title=pages.title,
        with_toc=False,
        numbered=False,
    )
    from zaitaku_map.export.pack import stamp_page_numbers

    writer = PdfWriter()
    writer.append(PdfReader(maps), outline_item=f"{pages.title}（地図）")
    writer.append(PdfReader(tables), outline_item=f"{pages.title}（表）")
    stamp_page_numbers(writer, first=0)  # one numbering over the map and the tables (not 「1 / 1」 on page 2)
    writer.add_metadata({"/Title": pages.title, "/Creator": "zaitaku-map"})
    prog.check()
    with output_file(path, what="PDF") as tmp, open(tmp, "wb") as fh:
        writer.write(fh)
    prog.update(1.0, "完了", force=True)
    return ExportResult(
        kind="scenario_pdf",
        path=str(path),
        pages=len(writer.pages),
        seconds=timer.seconds(),
        counts={
            "sites": len(pages.smap.sites),
            "changes": len(pages.smap.changed),
            "steps": len(pages.steps),
        },
    )


def render_section(ctx: PackContext) -> list[SectionPart]:
    """The pack's 「シナリオ」 section: the request's scenario on the baseline option."""
    pages = scenario_pages(ctx.project, ctx.request, progress=ctx.progress)
    maps = ctx.figure_part(
        [(pages.figure, pages.title)], title=pages.title, file_stem=f"シナリオ_{pages.title}"
    )
    tables = ctx.story_part(pages.story, title=pages.title, file_stem=f"シナリオ表_{pages.title}")
    return [maps, tables]


SECTION = register_section(
    PackSection(
        "scenario",
        SCENARIO_DOC_TEXT["section"],
        render_section,
        order=35,
        applies=lambda r: bool(r.scenario),
        weight=1.5,
    )
)
