"""The 「将来の需要」 section of the meeting pack: per option, the demand of each 圏域 2024–2050 with its
peak and growth, supply per 1,000 receipts, a small line chart per 圏域, maps of the peak 年度 and of
the growth, and the sources with their 年度.

Figures come from :func:`zaitaku_map.demand.option_demand` (method and key printed), the classes and
colours from :mod:`zaitaku_map.demand.choropleth` (as on the screen); the maps are the option's map
(:func:`~zaitaku_map.export.mapdraw.draw_option_map`: boundaries, labels, scale bar, north arrow) with
the 圏域 filled by class.
"""

from __future__ import annotations

import io
import math
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from zaitaku_map.demand import option_demand
from zaitaku_map.demand.choropleth import Choropleth, choropleth, ken_figures
from zaitaku_map.demand.params import DemandParams, load_params
from zaitaku_map.demand.recut import OptionDemand
from zaitaku_map.demand.sources import citations
from zaitaku_map.demand.supply import SUPPLY_GROUPS, supply_rows
from zaitaku_map.export.escape import mpl
from zaitaku_map.export.sections import PackContext, PackSection, SectionPart, register_section
from zaitaku_map.labels import DEMAND_KEYS, DEMAND_METHODS, DEMAND_PACK, EXPORT_TEXT, PACK_SECTIONS
from zaitaku_map.store import Project, queries

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from zaitaku_map.export.data import ExportData

CHARTS_PER_PAGE = 12
MAP_FILL_ALPHA = 1.0  # draw_option_map fills the 圏域 opaque in their colour
# attributions a demand page needs besides its own sources: the boundaries drawn, the demo notice
ATTRIBUTION_KEEP = ("行政区域", "医療圏", "デモデータ")


def _wrap(text: str, width: int) -> str:
    return "\n".join(text[i : i + width] for i in range(0, len(text), width))


def demand_of_option(project: Project, name: str, params: DemandParams | None = None) -> OptionDemand:
    """:func:`~zaitaku_map.demand.option_demand` of a stored option."""
    from zaitaku_map.options import get_option

    opt = get_option(project, name)
    return option_demand(project, dict(opt.assignments), opt.ken_names(), params=params)


def _num(v: float | None) -> str:
    return "-" if v is None else f"{v:,.1f}"


def _method_line(od: OptionDemand) -> str:
    if od.method is None:
        return DEMAND_PACK["no_method"]
    key = f"（{DEMAND_PACK['key'].format(key=DEMAND_KEYS.get(od.key or '', od.key))}）" if od.key else ""
    return DEMAND_PACK["method"].format(method=DEMAND_METHODS[od.method] + key)


def _demand_table(ctx: PackContext, od: OptionDemand) -> Any:
    from zaitaku_map.export.rldoc import data_table

    prm = od.params
    header = [DEMAND_PACK["col_ken"], *(DEMAND_PACK["col_year"].format(year=y) for y in od.years)]
    header += [
        DEMAND_PACK["col_growth"].format(base=prm.base_year, target=prm.target_year),
        DEMAND_PACK["col_peak"],
        DEMAND_PACK["col_peak75"],
    ]
    rows = []
    for k in od.kens:
        vals = k.values or {}
        p75 = k.population_peaks.get("75+")
        rows.append(
            [
                k.name,
                *(_num(vals.get(y)) for y in od.years),
                "-" if k.growth is None else f"{k.growth:+.1%}",
                "-" if k.peak is None else k.peak.cls.label,
                "-" if p75 is None else p75.cls.label,
            ]
        )
    n = len(header)
    first = ctx.text_width * 0.16
    widths = [first] + [(ctx.text_width - first) / (n - 1)] * (n - 1)
    return data_table(header, rows, widths, align_right=range(1, len(od.years) + 2))


def _supply_table(ctx: PackContext, od: OptionDemand, data: ExportData) -> Any | None:
    from zaitaku_map.export.rldoc import data_table

    loaded = queries.loaded_categories(ctx.project)
    fac = data.facilities
    counts = (
        {
            str(key): {str(c): int(n) for c, n in grp["category"].value_counts().items()}
            for key, grp in fac.groupby("ken_key")
        }
        if len(fac)
        else {}
    )
    rows_by_ken, overall = supply_rows(od, counts, loaded=loaded)
    groups = [g for g in SUPPLY_GROUPS if g in overall]
    if not groups or all(k.values is None for k in od.kens):
        return None
    prm = od.params
    header = [DEMAND_PACK["col_ken"]]
    for g in groups:
        header += [
            DEMAND_PACK[f"col_{g}"],
            DEMAND_PACK["col_per1000"].format(year=prm.base_year),
            DEMAND_PACK["col_per1000"].format(year=prm.target_year),
        ]
    header.append(DEMAND_PACK["col_flag"])
    rows = []
    highlight = []
    for i, k in enumerate(od.kens):
        r = rows_by_ken[k.ken_key]
        row = [k.name]
        for g in groups:
            row += [str(r.counts.get(g, 0)), _num(r.base.get(g)), _num(r.target.get(g))]
        row.append(DEMAND_PACK["flag"] if r.flagged else "")
        if r.flagged:
            highlight.append((len(row) - 1, i))
        rows.append(row)
    row = [DEMAND_PACK["whole"]]
    for g in groups:
        row += ["", "", _num(overall.get(g))]
    rows.append([*row, ""])
    n = len(header)
    first = ctx.text_width * 0.16
    widths = [first] + [(ctx.text_width - first) / (n - 1)] * (n - 1)
    return data_table(header, rows, widths, highlight=highlight, align_right=range(1, n - 1))


def demand_story(ctx: PackContext, name: str, od: OptionDemand) -> list[Any]:
    """Heading, sources, method, the demand table, the supply table and the notes of one option."""
    from reportlab.platypus import Spacer

    from zaitaku_map.export.rldoc import para

    data = ctx.data(name)
    # the pack lists the part (option) in its contents; the page title and sub-heads are bookmarks only
    story: list[Any] = [para(DEMAND_PACK["title"].format(option=name), "subtitle")]
    story.append(ctx.heading(DEMAND_PACK["tables_head"]))
    story.append(ctx.heading(DEMAND_PACK["sources"], level=2))
    story += [para("・" + c.text, "note") for c in citations(ctx.project)]
    story.append(para(_method_line(od), "note"))
    story.append(Spacer(1, 6))
    story.append(ctx.heading(DEMAND_PACK["demand_head"], level=2))
    story.append(_demand_table(ctx, od))
    supply = _supply_table(ctx, od, data)
    if supply is not None:
        story.append(ctx.heading(DEMAND_PACK["supply_head"], level=2))
        story.append(supply)
        story.append(para(DEMAND_PACK["thresholds"].format(text=od.params.describe_ja()), "note"))
    for n in od.notes:
        story.append(para("※ " + n, "note"))
    story.append(para(DEMAND_PACK["tool_note"], "note"))
    return story


def _figure(ctx: PackContext) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from zaitaku_map.export.fonts import setup_matplotlib

    setup_matplotlib()
    w, h = ctx.page_size
    fig = Figure(figsize=(w / 72, h / 72))
    FigureCanvasAgg(fig)
    return fig


def _page_frame(fig: Figure, ctx: PackContext, title: str, name: str) -> None:
    data = ctx.data(name)
    fig.text(0.03, 0.955, mpl(title), fontsize=14, va="bottom")
    fig.text(
        0.03, 0.93, mpl(DEMAND_PACK["sub"].format(option=name, date=data.created)), fontsize=8.5, va="bottom"
    )
    texts = [c.text for c in citations(ctx.project)]
    texts += [a for a in data.attributions() if any(w in a for w in ATTRIBUTION_KEEP)]
    fig.text(
        0.03,
        0.015,
        mpl(_wrap(DEMAND_PACK["source_label"] + "　".join(texts), 118)),
        fontsize=6.5,
        va="bottom",
    )
    if data.is_demo:
        fig.text(
            0.97,
            0.955,
            mpl(EXPORT_TEXT["demo_banner"]),
            fontsize=10,
            color="white",
            ha="right",
            va="bottom",
            bbox={"boxstyle": "round,pad=0.3", "facecolor": "#c62828", "edgecolor": "none"},
        )


def chart_figures(ctx: PackContext, name: str, od: OptionDemand) -> list[Figure]:
    """Small line charts 2024–2050, one per 圏域 (12 per page), with the peak marked."""
    kens = [k for k in od.kens if k.values]
    figs = []
    for start in range(0, len(kens), CHARTS_PER_PAGE):
        part = kens[start : start + CHARTS_PER_PAGE]
        fig = _figure(ctx)
        _page_frame(fig, ctx, DEMAND_PACK["charts_title"], name)
        cols = min(4, len(part))
        rows = max(2, math.ceil(len(part) / cols))  # at most half a page high each
        grid = fig.add_gridspec(
            rows, cols, left=0.06, right=0.97, top=0.88, bottom=0.14, hspace=0.55, wspace=0.3
        )
        for i, k in enumerate(part):
            ax = fig.add_subplot(grid[i // cols, i % cols])
            vals = k.values or {}
            ys = sorted(vals)
            ax.plot(ys, [vals[y] for y in ys], color="#b2182b", marker="o", ms=3, lw=1.6)
            if k.peak is not None:
                ax.plot([k.peak.year], [k.peak.value], marker="o", ms=7, mfc="none", mec="#333333", lw=0)
                ax.annotate(
                    mpl(DEMAND_PACK["peak_label"].format(year=k.peak.year)),
                    (k.peak.year, k.peak.value),
                    textcoords="offset points",
                    xytext=(0, 5),
                    ha="center",
                    fontsize=6.5,
                )
            ax.set_title(mpl(k.name), fontsize=9)
            ax.set_ylim(0, max(vals.values()) * 1.18)
            ax.set_xticks([y for y in ys if y in (2024, 2030, 2040, 2050)])
            ax.tick_params(labelsize=6.5)
            ax.grid(alpha=0.3, lw=0.5)
            ax.yaxis.set_major_formatter(lambda v, _p: f"{v:,.0f}")
        fig.text(0.03, 0.065, mpl(DEMAND_PACK["charts_unit"]), fontsize=7.5)
        figs.append(fig)
    return figs


def _map_data(data: ExportData, ch: Choropleth) -> ExportData:
    """The option's export data with the 圏域 filled by class and only boundaries and labels drawn."""
    kens = data.kens.copy()
    kens["color"] = [ch.shades[k].color if k in ch.shades else "#ffffff" for k in kens["ken_key"]]
    req = data.request.with_(layers=frozenset({"kens", "municipalities"}), coverage_category=None)
    return replace(data, kens=kens, request=req)


def map_figure(ctx: PackContext, name: str, od: OptionDemand) -> Figure:
    """The peak 年度 and the growth of demand per 圏域, side by side, with their legend classes."""
    from matplotlib.patches import Patch

    from zaitaku_map.export.mapdraw import draw_option_map

    prm = od.params
    data = ctx.data(name)
    fig = _figure(ctx)
    _page_frame(fig, ctx, DEMAND_PACK["maps_title"], name)
    items = ken_figures(od)
    for i, mode in enumerate(("peak", "growth")):
        ch = choropleth(items, mode, year=ctx.request.year, base=prm.base_year, target=prm.target_year)
        ax = fig.add_axes((0.03 + i * 0.49, 0.2, 0.45, 0.66))
        draw_option_map(ax, _map_data(data, ch), small=True)
        ax.set_title(mpl(ch.title), fontsize=10)
        # the map fills the 圏域 at the option map's opacity: the legend swatches match it
        handles = [
            Patch(facecolor=c, alpha=MAP_FILL_ALPHA, edgecolor="#555555", lw=0.4, label=mpl(lab))
            for lab, c in ch.legend
        ]
        fig.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(0.03 + i * 0.49, 0.19),
            ncol=3,
            fontsize=7,
            frameon=False,
        )
    return fig


def _merge(parts: list[SectionPart], title: str, stem: str) -> SectionPart:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    headings = []
    offset = 0
    for p in parts:
        writer.append(PdfReader(io.BytesIO(p.pdf)), import_outline=False)
        headings += [type(h)(h.title, h.page + offset, h.level) for h in p.headings]
        offset += p.pages
    out = io.BytesIO()
    writer.write(out)
    return SectionPart(title, out.getvalue(), offset, headings, stem)


def render_demand(ctx: PackContext) -> list[SectionPart]:
    """One part per option: the tables, then the charts and the maps."""
    params = load_params(ctx.project)
    out = []
    for name in ctx.progress.iterate(ctx.request.options, message=PACK_SECTIONS["demand"]):
        od = demand_of_option(ctx.project, name, params)
        if od.method is None and not any(k.population for k in od.kens):
            continue  # nothing imported that speaks of the future: no pages
        parts = [ctx.story_part(demand_story(ctx, name, od), title=name)]
        figs: list[tuple[Figure, str | None]] = []
        if od.method:
            charts = chart_figures(ctx, name, od)
            figs += [(f, DEMAND_PACK["charts_head"] if i == 0 else None) for i, f in enumerate(charts)]
            figs.append((map_figure(ctx, name, od), DEMAND_PACK["maps_head"]))
        if figs:
            parts.append(ctx.figure_part(figs, title=name))
        out.append(_merge(parts, name, f"将来の需要_{name}"))
    if not out and ctx.request.sections is not None and "demand" in ctx.request.sections:
        out.append(_missing_part(ctx))  # asked for by name: say what is missing instead of nothing
    return out


def _missing_part(ctx: PackContext) -> SectionPart:
    from zaitaku_map.demand import demand_status
    from zaitaku_map.export.rldoc import para

    status = demand_status(ctx.project)
    story = [ctx.heading(PACK_SECTIONS["demand"]), para(DEMAND_PACK["missing"], "note")]
    story += [para("・" + n, "note") for n in status.needs]
    return ctx.story_part(story, title=PACK_SECTIONS["demand"], file_stem="将来の需要")


DEMAND = register_section(
    PackSection("demand", PACK_SECTIONS["demand"], render_demand, order=40, default=True, weight=1.0)
)
