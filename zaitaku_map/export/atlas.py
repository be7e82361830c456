"""Atlas pages: one zoomed map per 圏域 with its facilities numbered and listed beside the map, so
a dense city stays readable (the QGIS atlas idea, without QGIS).

Each page shows the 圏域 in its colour (the other 圏域 pale for context), its municipalities and
their names, the coverage when asked for, and its facilities as numbered symbols; the list beside the
map gives number, name, category and municipality (※: approximate position).  A list too long for
the page continues on list pages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from zaitaku_map.export.data import ExportData, load_export_data
from zaitaku_map.export.escape import mpl
from zaitaku_map.export.fonts import setup_matplotlib
from zaitaku_map.export.mapdoc import load_coverage, new_sheet
from zaitaku_map.export.mapdraw import (
    HALO,
    Coverage,
    MapResult,
    draw_boundaries,
    draw_coverage,
    draw_facilities,
    draw_ken_fills,
    draw_north_arrow,
    draw_scale_bar,
    draw_scenario,
    place_labels,
    setup_frame,
)
from zaitaku_map.export.output import figures_pdf, write_bytes
from zaitaku_map.export.request import ExportRequest, ExportResult, Timer
from zaitaku_map.labels import CATEGORIES, EXPORT_TEXT
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback
from zaitaku_map.store import Project

LIST_FONT = 7.0  # pt
LINE = LIST_FONT * 1.42 / 72  # inches per list row
NAME_CHARS = 24
ATLAS_MAX_MUNI_LABELS = 60


def ken_facilities(data: ExportData, key: str) -> pd.DataFrame:
    """Facilities of 圏域 ``key`` the map shows (:meth:`ExportData.shown_facilities`) in list order
    (category, municipality, 五十音), numbered from 1."""
    shown = data.shown_facilities()
    fac = shown[shown["ken_key"] == key].copy()
    cat_pos = {k: i for i, k in enumerate(CATEGORIES)}
    fac["_c"] = fac["category"].map(lambda c: cat_pos.get(c, len(cat_pos)))
    fac = fac.sort_values(["_c", "muni_order", "kana_key", "id"], kind="stable").reset_index(drop=True)
    fac["no"] = np.arange(1, len(fac) + 1)
    return fac


def _list_rows(fac: pd.DataFrame) -> list[str]:
    rows = []
    for r in fac.itertuples(index=False):
        name = str(r.name)
        if len(name) > NAME_CHARS:
            name = name[: NAME_CHARS - 1] + "…"
        mark = EXPORT_TEXT["approximate_mark"] if r.approximate else ""
        where = str(r.muni_name) if r.placed else f"{r.muni_name}・{EXPORT_TEXT['unplaced']}"
        short = CATEGORIES[r.category].short if r.category in CATEGORIES else str(r.category)
        rows.append(f"{int(r.no):>3}  {mark}{name}（{short}）{where}")
    return rows


def _number_stacks(ax: Any, xs: np.ndarray, ys: np.ndarray, numbers: np.ndarray) -> None:
    """Write each facility's number beside its symbol; facilities on one point share one label."""
    pts = np.column_stack([np.round(xs), np.round(ys)])
    groups: dict[tuple[float, float], list[int]] = {}
    for (x, y), n in zip(pts, numbers, strict=True):
        groups.setdefault((float(x), float(y)), []).append(int(n))
    for (x, y), ns in groups.items():
        ns.sort()
        text = ",".join(map(str, ns)) if len(ns) <= 3 else f"{ns[0]}–{ns[-1]}（{len(ns)}）"
        ax.annotate(
            text,
            (x, y),
            xytext=(3, 2.5),
            textcoords="offset points",
            fontsize=6,
            color="#111111",
            path_effects=HALO,
            zorder=9,
            annotation_clip=True,
        )


def _map_part(
    data: ExportData, key: str, fac: pd.DataFrame, coverage: Coverage | None, sheet: Any
) -> MapResult:
    """The zoomed map of 圏域 ``key`` with its facilities numbered."""
    req = data.request
    ax = sheet.fig.add_axes(sheet.map_rect)
    res = MapResult()
    frame = setup_frame(ax, data, focus_key=key, pad=0.08)
    res.crs = frame.crs
    draw_ken_fills(frame, data, res, focus_key=key)
    if coverage is not None and req.shows("coverage"):
        draw_coverage(frame, coverage, res)
    draw_boundaries(frame, data)
    placed = fac[fac["placed"]]
    xs, ys = draw_facilities(frame, placed, res)
    if len(placed):
        _number_stacks(ax, xs, ys, placed["no"].to_numpy())
    if data.scenario is not None:
        draw_scenario(frame, data.scenario, res)
    inside = frame.munis[frame.munis["ken_key"] == key]
    if len(inside) > ATLAS_MAX_MUNI_LABELS:  # a 圏域 of very many small units: the list names them
        inside = inside.iloc[:0]
    items = [
        (mpl(r["name"]), g, {"fontsize": 7, "color": "#444444", "zorder": 29, "path_effects": HALO})
        for (_, r), g in zip(inside.iterrows(), inside.geometry, strict=True)
    ]
    place_labels(ax, items, skip_if_blocked=True)
    res.scale_km = draw_scale_bar(ax, fontsize=7)
    draw_north_arrow(ax, frame.to_metric, frame.center, size=0.9)
    return res


def _list_pages(data: ExportData, title: str, rows: list[str]) -> list[Any]:
    """Continuation pages of a long facility list, in columns."""
    pages = []
    while rows:
        sheet = new_sheet(
            data, title=f"{title}（{EXPORT_TEXT['atlas_list']}・続き）", coverage=None, map_share=1.0
        )
        x0, y0, ww, hh = sheet.map_rect
        per_col = max(int(hh * sheet.height / LINE), 1)
        ncol = 3 if data.request.landscape else 2
        for c in range(ncol):
            chunk, rows = rows[:per_col], rows[per_col:]
            if not chunk:
                break
            sheet.fig.text(
                x0 + c * ww / ncol,
                y0 + hh,
                mpl("\n".join(chunk)),
                fontsize=LIST_FONT,
                va="top",
                linespacing=1.42,
            )
        pages.append(sheet.fig)
    return pages


def atlas_page(data: ExportData, key: str, coverage: Coverage | None) -> tuple[list[Any], int]:
    """The figure(s) of 圏域 ``key``: the map page (legend and numbered list beside the map), then
    list pages if the list is long.  Returns (figures, facilities listed)."""
    setup_matplotlib()
    ken = data.kens[data.kens["ken_key"] == key].iloc[0]
    fac = ken_facilities(data, key)
    title = f"{EXPORT_TEXT['atlas_title']}　{ken['name']}"
    sheet = new_sheet(data, title=title, coverage=coverage, map_share=0.62)
    res = _map_part(data, key, fac, coverage, sheet)
    fig, h = sheet.fig, sheet.height
    lx, ly, _lw, lh = sheet.panel_rect
    leg = fig.legend(
        handles=res.handles,
        loc="upper left",
        bbox_to_anchor=(lx, ly + lh),
        frameon=False,
        fontsize=6.5,
        ncol=2,
        handlelength=1.4,
        columnspacing=0.8,
        labelspacing=0.35,
        borderaxespad=0,
    )
    renderer = fig.canvas.get_renderer()
    top = fig.transFigure.inverted().transform(leg.get_window_extent(renderer))[0][1] - 0.1 / h
    rows = _list_rows(fac)
    head = f"{EXPORT_TEXT['atlas_list']}（{len(rows)}件）"
    if fac["approximate"].any():
        head += f"　{EXPORT_TEXT['approximate_mark']}: {EXPORT_TEXT['approximate']}"
    fig.text(lx, top, mpl(head), fontsize=8, va="top")
    top -= 0.22 / h
    fits = max(int((top - ly) * h / LINE), 1)
    fig.text(lx, top, mpl("\n".join(rows[:fits])), fontsize=LIST_FONT, va="top", linespacing=1.42)
    return [fig, *_list_pages(data, title, rows[fits:])], len(rows)


def atlas_figures(
    data: ExportData, coverage: Coverage | None, *, progress: Progress | None = None
) -> list[tuple[Any, str]]:
    """Every 圏域's pages, each first page with the 圏域 name as its heading."""
    keys = list(data.ken_order)
    items = progress.iterate(keys, message=EXPORT_TEXT["atlas_title"]) if progress is not None else keys
    out: list[tuple[Any, str]] = []
    for key in items:
        figs, _n = atlas_page(data, key, coverage)
        out.append((figs[0], data.ken_name(key)))
        out += [(f, "") for f in figs[1:]]
    return out


def export_atlas_pdf(
    project: Project,
    request: ExportRequest,
    path: str | Path,
    *,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Write the atlas of ``request.option``: one zoomed page per 圏域 (plus list pages), bookmarked.

    Returns
    -------
    ExportResult
        ``counts``: 圏域, facilities listed per 圏域.
    """
    timer = Timer()
    prog = Progress.of(progress, cancel)
    data = load_export_data(project, request)
    coverage = load_coverage(project, request, facilities=data.facility_set)
    figures = atlas_figures(data, coverage, progress=prog.step(0.9))
    pdf, _heads = figures_pdf(figures, title=f"{EXPORT_TEXT['atlas_title']} {data.option_name}")
    prog.check()
    write_bytes(path, pdf, what="PDF")
    prog.update(1.0, "完了", force=True)
    shown = data.shown_facilities()
    per_ken = {k: int((shown["ken_key"] == k).sum()) for k in data.ken_order}
    return ExportResult(
        kind="atlas_pdf",
        path=str(path),
        pages=len(figures),
        seconds=timer.seconds(),
        counts={"kens": len(data.kens), "facilities": per_ken},
        details={"paper": request.paper, "landscape": request.landscape},
    )
