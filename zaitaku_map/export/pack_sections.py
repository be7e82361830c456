"""The built-in sections of the meeting pack: maps of each option, the comparison, the evaluation
tables, and the resource lists of the baseline option (by category; 薬局・診療所 off unless asked)."""

from __future__ import annotations

import io

from zaitaku_map.export.request import ExportRequest
from zaitaku_map.export.sections import PackContext, PackSection, SectionPart, register_section
from zaitaku_map.labels import EXPORT_TEXT, PACK_SECTIONS
from zaitaku_map.store import queries


def render_maps(ctx: PackContext) -> list[SectionPart]:
    """One map sheet per option (with the request's coverage)."""
    from zaitaku_map.export.mapdoc import render_map_figure

    parts = []
    for name in ctx.progress.iterate(ctx.request.options, message=PACK_SECTIONS["maps"]):
        fig, _facts = render_map_figure(ctx.data(name), coverage=ctx.coverage())
        parts.append(ctx.figure_part([(fig, None)], title=name, file_stem=f"地図_{name}"))
    return parts


def render_comparison(ctx: PackContext) -> list[SectionPart]:
    """The comparison of all options: small maps, indicators, 圏域 and changed municipalities."""
    from pypdf import PdfReader, PdfWriter

    from zaitaku_map.export.compare import comparison_parts

    parts = comparison_parts(ctx.project, ctx.request, progress=ctx.progress.step(0.6))
    maps = ctx.figure_part([(parts.figure, EXPORT_TEXT["compare_maps"])], title="")
    tables = ctx.story_part(parts.story(), title=EXPORT_TEXT["compare_title"])
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(maps.pdf)), import_outline=False)
    writer.append(PdfReader(io.BytesIO(tables.pdf)), import_outline=False)
    out = io.BytesIO()
    writer.write(out)
    headings = maps.headings + [type(h)(h.title, h.page + maps.pages, h.level) for h in tables.headings]
    title = PACK_SECTIONS["comparison"]
    return [SectionPart(title, out.getvalue(), maps.pages + tables.pages, headings, title)]


def render_evaluation(ctx: PackContext) -> list[SectionPart]:
    """The evaluation table of each option."""
    from zaitaku_map.export.listdoc import evaluation_story

    parts = []
    for name in ctx.progress.iterate(ctx.request.options, message=PACK_SECTIONS["evaluation"]):
        story = evaluation_story(ctx.project, ctx.data(name), ctx.text_width, ev=ctx.evaluation(name))
        parts.append(ctx.story_part(story, title=name, file_stem=f"評価表_{name}"))
    return parts


def render_lists(ctx: PackContext) -> list[SectionPart]:
    """The resource list of the baseline option, by 圏域 and category (the request's list categories)."""
    from zaitaku_map.export.listdoc import resource_story
    from zaitaku_map.labels import CORE_CATEGORIES

    data = ctx.data()
    loaded = queries.loaded_categories(ctx.project)
    story, _counts = resource_story(
        data,
        ctx.text_width,
        categories=sorted(ctx.request.list_category_set),
        progress=ctx.progress,
        not_loaded={c for c in CORE_CATEGORIES if c not in loaded},
        break_first=False,
    )
    return [ctx.story_part(story, title=data.option_name, file_stem=f"資源リスト_{data.option_name}")]


def render_indicators(ctx: PackContext) -> list[SectionPart]:
    """Class maps of the municipal indicators (coverage share only when the pack shows coverage)."""
    from zaitaku_map.export.choropleth import INDICATORS
    from zaitaku_map.export.mapdoc import load_indicator, render_map_figure

    keys = [k for k in INDICATORS if k != "coverage_share" or ctx.request.coverage_category]
    figures = []
    empty: list[str] = []
    data = ctx.data()
    for key in ctx.progress.iterate(keys, message=PACK_SECTIONS["indicators"]):
        indicator = load_indicator(ctx.project, ctx.request, key)
        if indicator is None or not indicator.has_values:
            # no municipality has a value (no municipal population, no projections): a map of
            # 「データなし」 only would say nothing — no page
            if indicator is not None and INDICATORS[key].compute is None:
                empty.append(INDICATORS[key].label)
            continue
        fig, _facts = render_map_figure(data, indicator=indicator)
        figures.append((fig, INDICATORS[key].label))
    stem = f"市区町村の指標_{data.option_name}"
    if figures:
        return [ctx.figure_part(figures, title=data.option_name, file_stem=stem)]
    if not empty:
        return []
    from zaitaku_map.export.rldoc import para

    note = EXPORT_TEXT["indicators_none"].format(labels="・".join(f"「{label}」" for label in empty))
    story = [ctx.heading(f"{PACK_SECTIONS['indicators']}（{data.option_name}）"), para(note, "subtitle")]
    return [ctx.story_part(story, title=data.option_name, file_stem=stem)]


def render_atlas(ctx: PackContext) -> list[SectionPart]:
    """The baseline option's atlas: one zoomed page per 圏域 with its facilities numbered and listed."""
    from zaitaku_map.export.atlas import atlas_figures

    data = ctx.data()
    figures = atlas_figures(data, ctx.coverage(), progress=ctx.progress)
    return [ctx.figure_part(figures, title=data.option_name, file_stem=f"拡大図_{data.option_name}")]


def _several(request: ExportRequest) -> bool:
    return len(request.options) > 1


MAPS = register_section(PackSection("maps", PACK_SECTIONS["maps"], render_maps, order=10, weight=2.0))
COMPARISON = register_section(
    PackSection(
        "comparison", PACK_SECTIONS["comparison"], render_comparison, order=20, applies=_several, weight=1.5
    )
)
EVALUATION = register_section(
    PackSection("evaluation", PACK_SECTIONS["evaluation"], render_evaluation, order=30, weight=1.0)
)
INDICATORS = register_section(
    PackSection("indicators", PACK_SECTIONS["indicators"], render_indicators, order=35, weight=1.5)
)
ATLAS = register_section(PackSection("atlas", PACK_SECTIONS["atlas"], render_atlas, order=60, weight=2.0))
LISTS = register_section(PackSection("lists", PACK_SECTIONS["lists"], render_lists, order=70, weight=2.0))
