"""The PDF map of one 圏域 option (matplotlib, vector, IPAexGothic embedded as TrueType).

Sheet: title, option name and date on top; the map (metric projection, scale bar, north arrow);
a side (landscape) or bottom (portrait) panel with the legend, coverage parameters when coverage is
shown, data sources with reference dates and attribution strings; a footer with the version; a
「デモデータ」 banner and watermark on demo projects.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from zaitaku_map.errors import ExportError
from zaitaku_map.export.data import ExportData, load_export_data
from zaitaku_map.export.escape import mpl
from zaitaku_map.export.evaluation import request_params
from zaitaku_map.export.fonts import setup_matplotlib
from zaitaku_map.export.mapdraw import KEN_EDGE, MUNI_EDGE, Coverage, draw_option_map
from zaitaku_map.export.output import save_figure_pdf
from zaitaku_map.export.request import ExportRequest, ExportResult, Timer
from zaitaku_map.labels import EXPORT_TEXT
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback
from zaitaku_map.store import Project

PAPER_MM = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
MM = 1 / 25.4


def paper_size(paper: str, landscape: bool) -> tuple[float, float]:
    """(width, height) in inches."""
    key = str(paper).upper()
    if key not in PAPER_MM:
        raise ExportError(f"unknown paper size: {paper}", value=paper, expected="A4 or A3")
    w, h = PAPER_MM[key]
    if landscape:
        w, h = h, w
    return w * MM, h * MM


def coverage_label(category: str) -> str:
    """Japanese name of a coverage category (a facility category or a combined one such as 在支診・在支病)."""
    from zaitaku_map.coverage import category_name

    return str(category_name(category))


def load_coverage(project: Project, request: ExportRequest) -> Coverage | None:
    """Bands and gaps of the request's coverage category (``None`` when it asks for none)."""
    category = request.coverage_category
    if not category:
        return None
    from zaitaku_map import coverage as cov_mod

    params = request_params(project, request)
    result = cov_mod.compute_coverage(project, params, categories=[category])
    cov = Coverage(category=category, params=params, minutes=float(params.minutes))
    cov.description = result.describe_ja()
    cov.bands = cov_mod.band_polygons(project, params, category)
    cov.gaps = cov_mod.gap_points(project, params, category)
    return cov


def _wrap(lines: list[str], width: int) -> str:
    out: list[str] = []
    for line in lines:
        out.extend(textwrap.wrap(line, width=width, subsequent_indent="　") or [""])
    return "\n".join(out)


def info_lines(
    data: ExportData, coverage: Coverage | None, *, stacks: int = 0
) -> list[tuple[str, list[str]]]:
    """Sections printed beside the legend: coverage parameters, sources, attribution, notes
    (``stacks``: points the drawn map numbers because several facilities share them)."""
    sections: list[tuple[str, list[str]]] = []
    if coverage is not None:
        desc = coverage.description or coverage.params.describe_ja()
        sections.append((EXPORT_TEXT["coverage_params"], [f"{coverage_label(coverage.category)}: {desc}"]))
    sections.append((EXPORT_TEXT["sources"], data.source_lines() or ["（なし）"]))
    attr = data.attributions()
    if attr:
        sections.append((EXPORT_TEXT["attribution"], attr))
    notes = [EXPORT_TEXT["derived_note"]] if coverage is not None else []
    fac = data.facilities
    listed = fac["ken_key"].notna() | fac["ken_unknown"]
    n_unplaced = int((~fac["placed"] & listed).sum())
    if n_unplaced:
        notes.append(EXPORT_TEXT["unplaced_note"].format(n=n_unplaced))
    if stacks:
        notes.append(EXPORT_TEXT["stacked_note"])
    if notes:
        sections.append(("注記", notes))
    return sections


def render_map_figure(data: ExportData, *, coverage: Coverage | None = None) -> tuple[Any, dict[str, Any]]:
    """Build the matplotlib figure of the map sheet of ``data.request``; returns (figure, facts)."""
    req = data.request
    paper, landscape, title = req.paper, req.landscape, req.title
    setup_matplotlib()
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    w, h = paper_size(paper, landscape)
    scale = w / (297 * MM) if landscape else h / (297 * MM)  # A3 prints larger type
    fig = Figure(figsize=(w, h))
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    fs = 1.0 if scale < 1.2 else 1.25
    top = 1 - 0.55 / h  # title block height ~0.55 in
    fig.text(0.025, top + 0.2 / h, mpl(title or EXPORT_TEXT["map_title"]), fontsize=17 * fs, va="bottom")
    sub = f"{EXPORT_TEXT['option']}: {data.option_name}　　{EXPORT_TEXT['created']}: {data.created}"
    if req.subtitle:
        sub = f"{req.subtitle}　　{sub}"
    if coverage is not None:
        sub += f"　　{EXPORT_TEXT['coverage']}: {coverage_label(coverage.category)}"
    fig.text(0.025, top, mpl(sub), fontsize=9.5 * fs, va="bottom")
    if data.is_demo:
        fig.text(
            0.975,
            top + 0.1 / h,
            EXPORT_TEXT["demo_banner"],
            fontsize=12 * fs,
            color="white",
            ha="right",
            va="bottom",
            bbox={"boxstyle": "round,pad=0.35", "facecolor": "#c62828", "edgecolor": "none"},
        )
        fig.text(
            0.5,
            0.5,
            EXPORT_TEXT["demo_watermark"],
            fontsize=90 * fs,
            color="#c62828",
            alpha=0.10,
            ha="center",
            va="center",
            rotation=30,
            zorder=100,
        )
    footer = EXPORT_TEXT["footer"].format(version=data.version, date=data.created)
    if data.project_name:
        footer += f"　　プロジェクト: {data.project_name}"
    fig.text(0.025, 0.22 / h, mpl(footer), fontsize=6.5 * fs, color="#444444", va="bottom")
    # map and panel rectangles (figure fractions)
    margin_b = 0.45 / h
    map_top = top - 0.12 / h
    if landscape:
        panel_w = 0.27
        map_rect = (0.025, margin_b, 1 - 0.05 - panel_w - 0.015, map_top - margin_b)
        legend_rect = (1 - 0.025 - panel_w, margin_b, panel_w, map_top - margin_b)
        info_x, info_w = legend_rect[0], panel_w
    else:
        panel_h = 0.24
        map_rect = (0.04, margin_b + panel_h + 0.01, 0.92, map_top - margin_b - panel_h - 0.01)
        legend_rect = (0.04, margin_b, 0.45, panel_h)
        info_x, info_w = 0.51, 0.45
    ax = fig.add_axes(map_rect)
    res = draw_option_map(ax, data, coverage=coverage, text_scale=fs)
    # legend
    lax = fig.add_axes(legend_rect)
    lax.axis("off")
    handles: list[Any] = []
    many = len(data.kens) > 16
    if not many:
        handles += [
            Patch(facecolor=c, edgecolor=KEN_EDGE, lw=0.6, label=mpl(n))
            for n, c in zip(data.kens["name"], data.kens["color"], strict=True)
        ]
    handles += [
        Line2D([], [], color=KEN_EDGE, lw=1.6, label=EXPORT_TEXT["ken_boundary"]),
        Line2D([], [], color=MUNI_EDGE, lw=0.6, label=EXPORT_TEXT["muni_boundary"]),
    ]
    handles += res.handles
    ncol = 2 if len(handles) > (18 if landscape else 9) else 1
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]  # the Agg canvas above; not in FigureCanvasBase stubs
    right_limit = legend_rect[0] + legend_rect[2] if not landscape else 1 - 0.012
    # two columns of long labels must not run off the sheet: smaller type, else one column
    tries = [(ncol, 1.0), (ncol, 0.9), (ncol, 0.8)] + ([(1, 1.0)] if ncol == 2 else [])
    for i, (cols, shrink) in enumerate(tries):
        leg = lax.legend(
            handles=handles,
            loc="upper left",
            frameon=False,
            title=EXPORT_TEXT["legend"],
            fontsize=7.5 * fs * shrink,
            title_fontsize=9 * fs,
            ncol=cols,
            alignment="left",
            handlelength=1.6,
            borderaxespad=0.2,
            labelspacing=0.45,
            columnspacing=1.2 * shrink,
        )
        right = fig.transFigure.inverted().transform(leg.get_window_extent(renderer))[1][0]
        if right <= right_limit or i == len(tries) - 1:
            break
        leg.remove()
    # information panel: below the legend (landscape) or beside it (portrait), measured, shrunk if needed
    if landscape:
        leg_bottom = fig.transFigure.inverted().transform(leg.get_window_extent(renderer))[0][1]
        info_top = leg_bottom - 0.12 / h
    else:
        info_top = legend_rect[1] + legend_rect[3]
    wrap_base = info_w * w * 72 / 6.6
    overflow = True
    for shrink in (1.0, 0.85, 0.72):
        texts: list[Any] = []
        y = info_top
        wrap_chars = int(wrap_base / (fs * shrink))
        for head, lines in info_lines(data, coverage, stacks=res.stacks):
            for text, size in ((head, 7.5), (_wrap(lines, wrap_chars), 6.5)):
                t = fig.text(info_x, y, mpl(text), fontsize=size * fs * shrink, va="top", linespacing=1.35)
                texts.append(t)
                y = fig.transFigure.inverted().transform(t.get_window_extent(renderer))[0][1] - 0.03 / h
            y -= 0.05 / h
        overflow = bool(y < (margin_b if landscape else 0.3 / h))  # portrait: the footer is on the left
        if not overflow or shrink == 0.72:  # the smallest version stays even when it overflows
            break
        for t in texts:
            t.remove()
    facts = {
        "legend_fits": bool(right <= right_limit),
        "crs": res.crs,
        "scale_bar_km": res.scale_km,
        "labels_placed": res.labels_placed,
        "labels_moved": res.labels_moved,
        "info_overflow": overflow,
    }
    return fig, facts


def export_map_pdf(
    project: Project,
    request: ExportRequest,
    path: str | Path,
    *,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Write the map of ``request.option`` as a one-page vector PDF.

    Returns
    -------
    ExportResult
        ``counts``: 圏域, municipalities, facilities per category, unplaced; ``details``: paper,
        landscape, legend fit, CRS, scale bar, labels, and the coverage shown.
    """
    timer = Timer()
    prog = Progress.of(progress, cancel)
    prog.update(0.05, "データを読み込み中")
    data = load_export_data(project, request)
    prog.update(0.3, "到達圏")
    coverage = load_coverage(project, request)
    prog.update(0.45, "地図を描画中")
    fig, facts = render_map_figure(data, coverage=coverage)
    prog.update(0.75, "PDF を書き出し中")
    save_figure_pdf(fig, path, title=f"{EXPORT_TEXT['map_title']} {data.option_name}")
    prog.update(1.0, "完了", force=True)
    details: dict[str, Any] = {"paper": request.paper, "landscape": request.landscape, **facts}
    if coverage is not None:
        details["coverage"] = coverage_facts(coverage, 0 if coverage.gaps is None else len(coverage.gaps))
    return ExportResult(
        kind="map_pdf",
        path=str(path),
        pages=1,
        seconds=timer.seconds(),
        counts=map_counts(data),
        details=details,
    )


def map_counts(data: ExportData) -> dict[str, Any]:
    """What a map export drew: 圏域, assigned municipalities, facilities per category, unplaced ones."""
    counts = data.facilities.groupby("category").size().to_dict()
    return {
        "kens": len(data.kens),
        "municipalities": int(data.munis["ken_key"].notna().sum()),
        "facilities": {k: int(v) for k, v in counts.items()},
        "facilities_unplaced": int((~data.facilities["placed"]).sum()),
        "facilities_approximate": int(data.facilities["approximate"].sum()),
    }


def coverage_facts(coverage: Coverage, gap_points: int) -> dict[str, Any]:
    """The coverage shown on a map export: category, parameters (as printed), bands, gap points drawn."""
    return {
        "category": coverage.category,
        "params": coverage.params.to_dict(),
        "description": coverage.description,
        "bands": 0 if coverage.bands is None else len(coverage.bands),
        "gap_points": gap_points,
    }
