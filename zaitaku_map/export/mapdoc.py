"""The PDF map of one 圏域 option (matplotlib, vector, IPAexGothic embedded as TrueType).

Sheet: title, option name and date on top; the map (metric projection, scale bar, north arrow);
a side (landscape) or bottom (portrait) panel with the legend, coverage parameters when coverage is
shown, data sources with reference dates and attribution strings; a footer with the version; a
「デモデータ」 banner and watermark on demo projects.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zaitaku_map.errors import ExportError
from zaitaku_map.export.choropleth import MunicipalIndicator, municipal_indicator
from zaitaku_map.export.data import ExportData, load_export_data
from zaitaku_map.export.escape import mpl
from zaitaku_map.export.evaluation import request_params
from zaitaku_map.export.fonts import setup_matplotlib
from zaitaku_map.export.mapdraw import KEN_EDGE, MUNI_EDGE, Coverage, MapResult, draw_option_map
from zaitaku_map.export.output import save_figure_pdf
from zaitaku_map.export.request import ExportRequest, ExportResult, Timer
from zaitaku_map.labels import EXPORT_TEXT, category_label
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback
from zaitaku_map.store import Project

if TYPE_CHECKING:
    from zaitaku_map.coverage import FacilitySet

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


def load_coverage(
    project: Project, request: ExportRequest, *, facilities: FacilitySet | None = None
) -> Coverage | None:
    """Bands and gaps of the request's coverage category (``None`` when it asks for none), on
    ``facilities`` (default: the request's scenario's facility set, else the register)."""
    category = request.coverage_category
    if not category:
        return None
    from zaitaku_map import coverage as cov_mod

    if facilities is None and request.scenario is not None:
        from zaitaku_map.remedies.facility_set import scenario_facility_set

        facilities = scenario_facility_set(project, request.scenario)
    params = request_params(project, request)
    result = cov_mod.compute_coverage(project, params, categories=[category], facilities=facilities)
    cov = Coverage(category=category, params=params, minutes=float(params.minutes))
    cov.description = result.describe_ja()
    cov.bands = cov_mod.band_polygons(project, params, category, facilities=facilities, result=result)
    cov.gaps = cov_mod.gap_points(project, params, category, facilities=facilities, result=result)
    return cov


def load_indicator(
    project: Project, request: ExportRequest, key: str | None = None
) -> MunicipalIndicator | None:
    """The municipal indicator ``key`` (default the request's choropleth), ``None`` when none is asked."""
    key = key or request.choropleth
    if key is None:
        return None
    return municipal_indicator(
        project,
        key,
        coverage_category=request.coverage_category or "zaishi",
        coverage_params=request_params(project, request),
    )


def _wrap(lines: list[str], width: int) -> str:
    out: list[str] = []
    for line in lines:
        out.extend(textwrap.wrap(line, width=width, subsequent_indent="　") or [""])
    return "\n".join(out)


def info_lines(
    data: ExportData, coverage: Coverage | None, *, stacks: int = 0, hidden_note: bool = True
) -> list[tuple[str, list[str]]]:
    """Sections printed beside the legend: coverage parameters, the projection year, sources,
    attribution, notes (``stacks``: points the drawn map numbers because several facilities share
    them; ``hidden_note``: say which categories the map leaves out)."""
    sections: list[tuple[str, list[str]]] = []
    if coverage is not None:
        desc = coverage.description or coverage.params.describe_ja()
        sections.append((EXPORT_TEXT["coverage_params"], [f"{coverage_label(coverage.category)}: {desc}"]))
    if data.year is not None:
        sections.append(
            (
                EXPORT_TEXT["year_head"].format(year=data.year.year),
                [data.year.method, *data.year.citations],
            )
        )
    sections.append((EXPORT_TEXT["sources"], data.source_lines() or ["（なし）"]))
    attr = data.attributions()
    if attr:
        sections.append((EXPORT_TEXT["attribution"], attr))
    notes = [EXPORT_TEXT["derived_note"]] if coverage is not None else []
    if data.scenario is not None:
        notes.append(EXPORT_TEXT["scenario_note"].format(name=data.scenario.name))
    fac = data.shown_facilities()
    listed = fac["ken_key"].notna() | fac["ken_unknown"]
    n_unplaced = int((~fac["placed"] & listed).sum())
    if n_unplaced:
        notes.append(EXPORT_TEXT["unplaced_note"].format(n=n_unplaced))
    if stacks:
        notes.append(EXPORT_TEXT["stacked_note"])
    hidden = data.hidden_categories()
    if hidden and hidden_note and data.request.shows("facilities"):
        items = "・".join(f"{category_label(c)} {n:,}" for c, n in hidden.items())
        notes.append(EXPORT_TEXT["hidden_categories"].format(items=items))
    if notes:
        sections.append(("注記", notes))
    return sections


@dataclass
class Sheet:
    """A map sheet's figure and its layout (figure fractions): the map, the side panel, type scale."""

    fig: Any
    width: float  # inches
    height: float
    map_rect: tuple[float, float, float, float]
    panel_rect: tuple[float, float, float, float]
    text_scale: float
    bottom: float  # lowest y the panels may use


def new_sheet(
    data: ExportData, *, title: str, coverage: Coverage | None, map_share: float | None = None
) -> Sheet:
    """A sheet of the request's paper with the title block (title, option, date, subtitle, coverage),
    the demo banner and watermark, and the footer; the map takes ``map_share`` of the width
    (landscape) or height (portrait) and the side panel the rest."""
    setup_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    req = data.request
    w, h = paper_size(req.paper, req.landscape)
    scale = w / (297 * MM) if req.landscape else h / (297 * MM)  # A3 prints larger type
    fs = 1.0 if scale < 1.2 else 1.25
    fig = Figure(figsize=(w, h))
    FigureCanvasAgg(fig)
    top = 1 - 0.55 / h  # title block height ~0.55 in
    fig.text(0.025, top + 0.2 / h, mpl(title), fontsize=17 * fs, va="bottom")
    sub = f"{EXPORT_TEXT['option']}: {data.title_name}　　{EXPORT_TEXT['created']}: {data.created}"
    if req.subtitle:
        sub = f"{req.subtitle}　　{sub}"
    if coverage is not None:
        sub += f"　　{EXPORT_TEXT['coverage']}: {coverage_label(coverage.category)}"
    if data.year is not None:
        sub += f"　　{EXPORT_TEXT['year']}: {EXPORT_TEXT['year_value'].format(year=data.year.year)}"
    fig.text(0.025, top, mpl(sub), fontsize=9.5 * fs, va="bottom")
    if data.is_demo:
        _demo_marks(fig, top + 0.1 / h, fs)
    footer = EXPORT_TEXT["footer"].format(version=data.version, date=data.created)
    if data.project_name:
        footer += f"　　プロジェクト: {data.project_name}"
    fig.text(0.025, 0.22 / h, mpl(footer), fontsize=6.5 * fs, color="#444444", va="bottom")
    margin_b = 0.45 / h
    map_top = top - 0.12 / h
    if req.landscape:
        map_w = (1 - 0.05 - 0.015) * (map_share if map_share is not None else 0.7)
        map_rect = (0.025, margin_b, map_w, map_top - margin_b)
        panel_rect = (
            0.025 + map_w + 0.015,
            margin_b,
            1 - 0.025 - (0.025 + map_w + 0.015),
            map_top - margin_b,
        )
    else:
        panel_h = (map_top - margin_b) * (1 - (map_share if map_share is not None else 0.7))
        map_rect = (0.04, margin_b + panel_h + 0.01, 0.92, map_top - margin_b - panel_h - 0.01)
        panel_rect = (0.04, margin_b, 0.92, panel_h)
    bottom = margin_b if req.landscape else 0.3 / h
    return Sheet(fig, w, h, map_rect, panel_rect, fs, bottom)


def _demo_marks(fig: Any, y: float, fs: float) -> None:
    fig.text(
        0.975,
        y,
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


def legend_handles(data: ExportData, res: MapResult, *, indicator: MunicipalIndicator | None) -> list[Any]:
    """What the legend lists: the 圏域 swatches (exactly the map's colours), boundaries, then what
    the map drew (coverage, gaps, facilities, approximate positions, stacks, classes)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = []
    if indicator is None and data.request.shows("kens") and len(data.kens) <= 16:
        handles += [
            Patch(facecolor=c, edgecolor=KEN_EDGE, lw=0.6, label=mpl(n))
            for n, c in zip(data.kens["name"], data.kens["color"], strict=True)
        ]
    handles.append(Line2D([], [], color=KEN_EDGE, lw=1.6, label=EXPORT_TEXT["ken_boundary"]))
    if data.request.shows("municipalities"):
        handles.append(Line2D([], [], color=MUNI_EDGE, lw=0.6, label=EXPORT_TEXT["muni_boundary"]))
    return handles + res.handles


def place_legend(sheet: Sheet, handles: list[Any]) -> tuple[Any, bool]:
    """The legend at the top of the side panel, two columns when long, type shrunk (or one column)
    until it fits the sheet.  Returns (legend, fits)."""
    fig, (x0, y0, pw, ph) = sheet.fig, sheet.panel_rect
    landscape = sheet.width > sheet.height
    lax = fig.add_axes((x0, y0, pw if landscape else pw * 0.49, ph))
    lax.axis("off")
    ncol = 2 if len(handles) > (18 if landscape else 9) else 1
    renderer = fig.canvas.get_renderer()
    right_limit = 1 - 0.012 if landscape else x0 + pw * 0.49
    tries = [(ncol, 1.0), (ncol, 0.9), (ncol, 0.8)] + ([(1, 1.0)] if ncol == 2 else [])
    fs = sheet.text_scale
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
            return leg, bool(right <= right_limit)
        leg.remove()
    raise AssertionError("unreachable")  # pragma: no cover


def place_info(
    sheet: Sheet, sections: list[tuple[str, list[str]]], *, top: float, x: float, width: float
) -> bool:
    """Sources, coverage conditions and notes from ``top`` down, shrunk until they fit; returns
    whether they overflow even at the smallest size (the smallest version stays)."""
    fig, h, fs = sheet.fig, sheet.height, sheet.text_scale
    renderer = fig.canvas.get_renderer()
    wrap_base = width * sheet.width * 72 / 6.6
    overflow = True
    for shrink in (1.0, 0.85, 0.72):
        texts: list[Any] = []
        y = top
        wrap_chars = int(wrap_base / (fs * shrink))
        for head, lines in sections:
            for text, size in ((head, 7.5), (_wrap(lines, wrap_chars), 6.5)):
                t = fig.text(x, y, mpl(text), fontsize=size * fs * shrink, va="top", linespacing=1.35)
                texts.append(t)
                y = fig.transFigure.inverted().transform(t.get_window_extent(renderer))[0][1] - 0.03 / h
            y -= 0.05 / h
        overflow = bool(y < sheet.bottom)
        if not overflow or shrink == 0.72:
            break
        for t in texts:
            t.remove()
    return overflow


def render_map_figure(
    data: ExportData, *, coverage: Coverage | None = None, indicator: MunicipalIndicator | None = None
) -> tuple[Any, dict[str, Any]]:
    """Build the map sheet of ``data.request`` (with ``indicator`` as a class map instead of the
    圏域 fills); returns (figure, facts)."""
    req = data.request
    title = req.title or (indicator.label if indicator is not None else EXPORT_TEXT["map_title"])
    sheet = new_sheet(data, title=title, coverage=coverage)
    ax = sheet.fig.add_axes(sheet.map_rect)
    res = draw_option_map(ax, data, coverage=coverage, indicator=indicator, text_scale=sheet.text_scale)
    leg, fits = place_legend(sheet, legend_handles(data, res, indicator=indicator))
    x0, y0, pw, ph = sheet.panel_rect
    if req.landscape:
        bottom = sheet.fig.transFigure.inverted().transform(
            leg.get_window_extent(sheet.fig.canvas.get_renderer())
        )[0][1]
        top, x, width = bottom - 0.12 / sheet.height, x0, pw
    else:
        top, x, width = y0 + ph, x0 + pw * 0.51, pw * 0.49
    sections = info_lines(data, coverage, stacks=res.stacks)
    if indicator is not None and indicator.note:
        sections.insert(0, (mpl(indicator.label), [indicator.note]))
    overflow = place_info(sheet, sections, top=top, x=x, width=width)
    facts = {
        "legend_fits": fits,
        "crs": res.crs,
        "scale_bar_km": res.scale_km,
        "labels_placed": res.labels_placed,
        "labels_moved": res.labels_moved,
        "info_overflow": overflow,
        "approximate_drawn": res.approximate,
        "scenario_drawn": res.scenario,
    }
    return sheet.fig, facts


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
    coverage = load_coverage(project, request, facilities=data.facility_set)
    indicator = load_indicator(project, request)
    prog.update(0.45, "地図を描画中")
    fig, facts = render_map_figure(data, coverage=coverage, indicator=indicator)
    prog.update(0.75, "PDF を書き出し中")
    save_figure_pdf(fig, path, title=f"{EXPORT_TEXT['map_title']} {data.title_name}")
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
    """What a map export drew: 圏域, assigned municipalities, facilities per category (the map's
    categories), those left unplaced, the categories left off the map, a scenario's marks."""
    shown = data.shown_facilities()
    counts = shown[shown["placed"]].groupby("category").size().to_dict()
    out: dict[str, Any] = {
        "kens": len(data.kens),
        "municipalities": int(data.munis["ken_key"].notna().sum()),
        "facilities": {k: int(v) for k, v in counts.items()},
        "facilities_unplaced": int((~shown["placed"]).sum()),
        "facilities_approximate": int(shown["approximate"].sum()),
        "categories_hidden": data.hidden_categories(),
    }
    if data.scenario is not None:
        out["scenario_sites"] = len(data.scenario.sites)
        out["scenario_changes"] = len(data.scenario.changed)
    return out


def coverage_facts(coverage: Coverage, gap_points: int) -> dict[str, Any]:
    """The coverage shown on a map export: category, parameters (as printed), bands, gap points drawn."""
    return {
        "category": coverage.category,
        "params": coverage.params.to_dict(),
        "description": coverage.description,
        "bands": 0 if coverage.bands is None else len(coverage.bands),
        "gap_points": gap_points,
    }
