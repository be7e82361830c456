"""Comparison PDF of two or more options: small maps side by side, then the indicator table with the
differences from the first option (the baseline) marked, the 圏域 of each option, and the
municipalities whose 圏域 changes.  Indicators come from ``options.compare_options``.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Spacer

from zaitaku_map.errors import ExportError
from zaitaku_map.export.data import ExportData, load_export_data
from zaitaku_map.export.escape import mpl
from zaitaku_map.export.fonts import setup_matplotlib
from zaitaku_map.export.mapdoc import coverage_label, load_coverage, paper_size
from zaitaku_map.export.mapdraw import CHANGED_EDGE, GAP_COLOR, MapResult, draw_option_map, scenario_handles
from zaitaku_map.export.output import output_file
from zaitaku_map.export.request import ExportRequest, ExportResult, Timer
from zaitaku_map.export.rldoc import build_pdf, data_table, page_size, para
from zaitaku_map.labels import CATEGORIES, EXPORT_FLAGS, EXPORT_INDICATORS, EXPORT_TEXT
from zaitaku_map.options import compare_options
from zaitaku_map.options.compare import EvaluationTarget
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback
from zaitaku_map.store import Project

MM = 1 / 25.4
FOOTER_PT = 6  # the sources block at the foot of the comparison sheet
LEGEND_COLUMNS = 5


def indicator_label(key: str) -> str:
    if key.startswith("min_coverage."):
        cat = key.split(".", 1)[1]
        return f"{EXPORT_INDICATORS['min_coverage']}（{coverage_label(cat)}）"
    return EXPORT_INDICATORS.get(key, key)


def indicator_text(key: str, value: Any) -> str:
    if value is None:
        return "－"
    if key.startswith("population_") and key != "population_ratio":
        return f"{float(value):,.0f}"
    if key.startswith("min_coverage."):
        return f"{float(value):.1%}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def maps_figure(
    datas: list[ExportData],
    *,
    paper: str,
    landscape: bool,
    coverages: list[Any],
    changed: list[set[str]] | None = None,
) -> Any:
    """One sheet with a small map per option in a grid and a shared facility legend."""
    setup_matplotlib()
    from matplotlib.artist import Artist
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    w, h = paper_size(paper, landscape)
    fig = Figure(figsize=(w, h))
    FigureCanvasAgg(fig)
    n = len(datas)
    ncol = min(n, 3 if landscape else 2)
    nrow = math.ceil(n / ncol)
    top = 1 - 0.75 / h
    fig.text(0.025, 1 - 0.35 / h, EXPORT_TEXT["compare_title"], fontsize=16, va="bottom")
    fig.text(
        0.025,
        1 - 0.55 / h,
        f"{EXPORT_TEXT['created']}: {datas[0].created}　　"
        + mpl("　".join(f"{chr(0x2460 + i)} {d.title_name}" for i, d in enumerate(datas))),
        fontsize=9,
        va="bottom",
    )
    if any(d.is_demo for d in datas):
        fig.text(
            0.975,
            1 - 0.45 / h,
            EXPORT_TEXT["demo_banner"],
            fontsize=11,
            color="white",
            ha="right",
            va="bottom",
            bbox={"boxstyle": "round,pad=0.35", "facecolor": "#c62828", "edgecolor": "none"},
        )
        fig.text(
            0.5,
            0.5,
            EXPORT_TEXT["demo_watermark"],
            fontsize=80,
            color="#c62828",
            alpha=0.10,
            ha="center",
            va="center",
            rotation=30,
            zorder=100,
        )
    # from the foot up: the sources block, the legend above it, then the maps (never overlapping)
    wrapped = _footer_lines(datas, coverages, width_chars=int(0.95 * w * 72 / 6.2))
    legend_y = (0.15 + (len(wrapped) + 1) * FOOTER_PT * 1.4 / 72 + 0.08) / h
    drawn = set(datas[0].map_facilities["category"]) if datas[0].request.shows("facilities") else set()
    cats = [c for c in datas[0].categories_present() if c in drawn]
    entries = len(cats) + 2 + (3 if datas[0].scenario is not None else 0)  # an upper bound of the legend's
    bottom = max(1.45 / h, legend_y + (math.ceil(entries / LEGEND_COLUMNS) * 0.2 + 0.1) / h)
    gap = 0.012
    cw = (0.95 - gap * (ncol - 1)) / ncol
    ch = (top - bottom - gap * (nrow - 1) - 0.25 / h * nrow) / nrow
    first = MapResult()
    for i, (d, cov) in enumerate(zip(datas, coverages, strict=True)):
        r, c = divmod(i, ncol)
        x0 = 0.025 + c * (cw + gap)
        y0 = top - (r + 1) * (ch + 0.25 / h) - r * gap
        ax = fig.add_axes((x0, y0, cw, ch))
        res = draw_option_map(
            ax, d, coverage=cov, small=True, highlight_units=changed[i] if changed else None
        )
        ax.set_title(mpl(f"{chr(0x2460 + i)} {d.option_name}（{len(d.kens)}圏域）"), fontsize=10, loc="left")
        if i == 0:
            first = res
    # the legend lists what the maps draw: the map categories present, the scenario's marks
    handles: list[Artist] = []
    for cat in cats:
        spec = CATEGORIES.get(cat, CATEGORIES["other"])
        handles.append(
            Line2D(
                [],
                [],
                ls="none",
                marker=spec.marker,
                markerfacecolor=spec.color,
                markeredgecolor="black",
                color=spec.color,
                markersize=5,
                label=spec.label,
            )
        )
    handles += scenario_handles(first.scenario)
    if changed and any(changed[1:]):
        handles.append(
            Patch(
                facecolor="none",
                edgecolor=CHANGED_EDGE,
                hatch="////",
                linestyle="--",
                label="① から圏域が変わる市区町村",
            )
        )
    if coverages[0] is not None:
        handles.append(
            Line2D(
                [],
                [],
                ls="none",
                marker="x",
                color=GAP_COLOR,
                markersize=5,
                label=EXPORT_TEXT["gap"].format(minutes=f"{coverages[0].minutes:g}"),
            )
        )
    fig.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.02, legend_y),
        ncol=min(len(handles), LEGEND_COLUMNS),
        fontsize=7,
        frameon=False,
    )
    fig.text(
        0.025,
        0.15 / h,
        mpl("\n".join(wrapped))
        + "\n"
        + EXPORT_TEXT["footer"].format(version=datas[0].version, date=datas[0].created),
        fontsize=FOOTER_PT,
        color="#333333",
        va="bottom",
        linespacing=1.4,
    )
    return fig


def _footer_lines(datas: list[ExportData], coverages: list[Any], *, width_chars: int) -> list[str]:
    """The comparison sheet's foot (coverage conditions, sources, attributions), wrapped, at most 8 lines."""
    lines = []
    if coverages[0] is not None:
        lines.append(
            f"{EXPORT_TEXT['coverage_params']}: {coverage_label(coverages[0].category)} "
            f"{coverages[0].description}"
        )
    lines.append(EXPORT_TEXT["sources"] + ": " + "／".join(datas[0].source_lines()))
    if datas[0].attributions():
        lines.append(EXPORT_TEXT["attribution"] + ": " + "／".join(datas[0].attributions()))
    return [seg for line in lines for seg in (textwrap.wrap(line, width_chars) or [""])][:8]


def comparison_story(cmp: dict[str, Any], width: float, *, coverage_line: str | None = None) -> list[Any]:
    """Indicator table (differences marked), 圏域 per option and changed municipalities."""
    names = cmp["options"]
    heads = ["指標"] + [f"{chr(0x2460 + i)} {n}" for i, n in enumerate(names)]
    rows, marks = [], []
    for r, key in enumerate(
        cmp["indicator_order"]
        + sorted({k for n in names for k in cmp["per_option"][n]["indicators"]} - set(cmp["indicator_order"]))
    ):
        row = [indicator_label(key)]
        for c, n in enumerate(names, start=1):
            po = cmp["per_option"][n]
            val = indicator_text(key, po["indicators"].get(key))
            flag = po.get("flags", {}).get(key, "same")
            if flag != "same" and n != cmp["baseline"]:
                val = f"{val}　{EXPORT_FLAGS.get(flag, '＊')}"
                marks.append((c, r))
            row.append(val)
        rows.append(row)
    w0 = width * 0.34
    widths = [w0] + [(width - w0) / len(names)] * len(names)
    story: list[Any] = [
        para(EXPORT_TEXT["compare_title"], "h1"),
        para(f"基準: ① {cmp['baseline']}　色付きのセル = 基準の案と異なる値（▲改善・▼悪化・＊相違）", "note"),
        Spacer(1, 2 * mm),
        data_table(heads, rows, widths, highlight=marks, align_right=list(range(1, len(names) + 1))),
    ]
    if coverage_line:
        story += [Spacer(1, 2 * mm), para(coverage_line, "note")]
    elif cmp.get("coverage_note"):
        story += [Spacer(1, 2 * mm), para(str(cmp["coverage_note"]), "note")]
    for i, n in enumerate(names):
        po = cmp["per_option"][n]
        krows = [
            [
                k["name"],
                k["n_municipalities"],
                "－" if k["pop_total"] is None else f"{k['pop_total']:,.0f}",
                k["zaishi_total"],
                "○" if k["active_role"] else "－",
                "○" if k["hub"] else "－",
                "".join("①②③④"[f - 1] for f in k["missing_functions"]) or "－",
                k["n_warnings"],
            ]
            for k in po["kens"]
        ]
        kh = [
            "圏域",
            "市区町村数",
            "総人口",
            "在支診・在支病",
            "積極的役割",
            "連携拠点",
            "欠ける機能",
            "注意",
        ]
        story += [
            CondPageBreak(40 * mm),
            para(f"{chr(0x2460 + i)} {n} の圏域", "h2"),
            data_table(
                kh,
                krows,
                [width * f for f in (0.26, 0.09, 0.13, 0.12, 0.1, 0.1, 0.11, 0.09)],
                align_right=[1, 2, 3, 7],
            ),
        ]
    diffs = cmp.get("unit_differences") or []
    story += [CondPageBreak(40 * mm), para("圏域が変わる市区町村", "h2")]
    if diffs:
        drows = [[d["name"]] + [d["kens"].get(n) or EXPORT_TEXT["unassigned"] for n in names] for d in diffs]
        story.append(
            data_table(
                ["市区町村"] + [f"{chr(0x2460 + i)}" for i in range(len(names))],
                drows,
                [w0] + [(width - w0) / len(names)] * len(names),
            )
        )
    else:
        story.append(para("すべての案で同じ組み合わせです。", "note"))
    return story


@dataclass
class ComparisonParts:
    """The comparison of several options, ready to write: a maps sheet and the tables' story."""

    figure: Any  # matplotlib Figure: small maps side by side
    story: Callable[[], list[Any]]  # ReportLab flowables: indicators, 圏域 per option, changes
    datas: list[ExportData]
    changed_units: int


def comparison_parts(project: Project, request: ExportRequest, *, progress: Progress) -> ComparisonParts:
    """The comparison of ``request.options`` (the first is the baseline).

    Raises
    ------
    ExportError
        With fewer than two options.
    """
    names = request.options
    if len(names) < 2:
        raise ExportError(
            "comparison needs at least two options",
            value=", ".join(names),
            hint="比較する案を2つ以上指定してください",
        )
    datas = [
        load_export_data(project, request.for_option(n))
        for n in progress.step(0.3).iterate(names, message="データ")
    ]
    # coverage does not depend on the option: the small maps show the 圏域 only, the table the shares
    fs = datas[0].facility_set
    cov = load_coverage(project, request, facilities=fs)
    targets = [EvaluationTarget(n, facilities=fs) for n in names] if fs is not None else list(names)
    cmp = compare_options(
        project, targets, coverage_params=cov.params if cov is not None else None, year=request.year
    ).to_dict()
    progress.update(0.5, "地図")
    changed = [
        {d["code"] for d in cmp.get("unit_differences", []) if n in d.get("changed_in", [])}
        for n in cmp["options"]  # 「案A＋シナリオ1」 under a scenario
    ]
    fig = maps_figure(
        datas,
        paper=request.paper,
        landscape=request.landscape,
        coverages=[None] * len(datas),
        changed=changed,
    )
    width = page_size(request.paper, request.landscape)[0] - 24 * mm
    cov_line = (
        f"{EXPORT_TEXT['coverage_params']}: {coverage_label(cov.category)} {cov.description}"
        if cov is not None
        else None
    )

    def story() -> list[Any]:
        return comparison_story(cmp, width, coverage_line=cov_line)

    return ComparisonParts(fig, story, datas, int(cmp.get("n_changed_units", 0)))


def export_comparison_pdf(
    project: Project,
    request: ExportRequest,
    path: str | Path,
    *,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Write the comparison of ``request.options`` (two or more; ``request.option`` is the baseline).

    Returns
    -------
    ExportResult
        ``counts``: kens per option, changed municipalities; ``details``: the options.
    """
    from pypdf import PdfReader, PdfWriter

    timer = Timer()
    prog = Progress.of(progress, cancel)
    names = request.options
    parts = comparison_parts(project, request, progress=prog)
    datas = parts.datas
    maps_pdf = io.BytesIO()
    parts.figure.savefig(
        maps_pdf, format="pdf", metadata={"Title": EXPORT_TEXT["compare_title"], "Creator": "zaitaku-map"}
    )
    prog.update(0.75, "比較表")
    header = f"{EXPORT_TEXT['compare_title']}　" + "・".join(names)
    footer = EXPORT_TEXT["footer"].format(version=datas[0].version, date=datas[0].created)
    table_pdf = io.BytesIO()
    build_pdf(
        table_pdf,
        parts.story,
        header=header,
        footer=footer,
        is_demo=any(d.is_demo for d in datas),
        pagesize=page_size(request.paper, request.landscape),
        title=header,
        with_toc=False,
    )
    writer = PdfWriter()
    writer.append(PdfReader(maps_pdf), outline_item="地図の比較")
    writer.append(PdfReader(table_pdf), outline_item="指標の比較")
    writer.add_metadata({"/Title": header, "/Creator": "zaitaku-map"})
    prog.check()
    with output_file(path, what="PDF") as tmp, open(tmp, "wb") as fh:
        writer.write(fh)
    prog.update(1.0, "完了", force=True)
    return ExportResult(
        kind="comparison_pdf",
        path=str(path),
        pages=len(writer.pages),
        seconds=timer.seconds(),
        counts={
            "kens": {d.option_name: len(d.kens) for d in datas},
            "changed_municipalities": parts.changed_units,
        },
        details={"options": names},
    )
