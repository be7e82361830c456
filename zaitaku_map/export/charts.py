"""Charts where committee members would rather look than read: bars per 圏域 of 在支診・在支病 per
100,000 people and of the population outside coverage, drawn with matplotlib in the PDFs' font and
the 圏域 colours of the maps, placed under the evaluation table."""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np
import pandas as pd

from zaitaku_map.export.escape import mpl
from zaitaku_map.export.fonts import setup_matplotlib

CHART_DPI = 250  # raster inside the PDF: sharp when printed, small enough (≈ 100 KB per chart)


def _uncovered(ev: dict[str, Any], category: str | None) -> dict[str, float]:
    """ken_key -> population outside the coverage of ``category`` (from the evaluation); only where the
    share is known, as in the table (population per 圏域 only: the points carry no people, and an
    「uncovered 0」 would read as full coverage)."""
    out: dict[str, float] = {}
    if not category:
        return out
    for k in ev.get("kens", []):
        cov = (k.get("coverage") or {}).get(category) or {}
        if cov.get("uncovered") is not None and cov.get("share") is not None:
            out[str(k["ken_key"])] = float(cov["uncovered"])
    return out


def evaluation_chart(
    table: pd.DataFrame,
    ev: dict[str, Any],
    colors: dict[str, str],
    *,
    coverage_category: str | None,
    width_in: float,
) -> Any | None:
    """A figure with one horizontal bar panel per indicator (None when there is nothing to draw)."""
    setup_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if table.empty:
        return None
    names = [mpl(n) for n in table["ken_name"]]
    keys = [str(k) for k in table["ken_key"]]
    panels: list[tuple[str, list[float], str]] = []
    rates = [float(v) for v in table["zaishi_per_100k"]]
    if any(math.isfinite(v) for v in rates):
        panels.append(("在支診・在支病（人口10万人当たり）", rates, "{:.1f}"))
    unc = _uncovered(ev, coverage_category)
    if unc:
        panels.append(("到達圏外の人口（人）", [unc.get(k, math.nan) for k in keys], "{:,.0f}"))
    if not panels:
        return None
    n = len(names)
    height = min(0.6 + 0.24 * n, 6.0)
    fig = Figure(figsize=(width_in, height))
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(panels), sharey=True, squeeze=False)[0]
    y = np.arange(n)[::-1]
    bar_colors = [colors.get(k, "#999999") for k in keys]
    for ax, (title, vals, fmt) in zip(axes, panels, strict=True):
        v = np.array([x if math.isfinite(x) else 0.0 for x in vals])
        ax.barh(y, v, color=bar_colors, edgecolor="#333333", linewidth=0.5, height=0.7)
        top = float(v.max()) if len(v) and v.max() > 0 else 1.0
        for yi, x, raw in zip(y, v, vals, strict=True):
            text = fmt.format(raw) if math.isfinite(raw) else "－"
            ax.text(x + top * 0.02, yi, text, va="center", fontsize=7.5)
        ax.set_xlim(0, top * 1.25)
        ax.set_title(title, fontsize=9, loc="left")
        ax.tick_params(axis="x", labelsize=7)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    axes[0].set_yticks(y, names, fontsize=8)
    fig.tight_layout(pad=0.4, w_pad=1.5)
    return fig


def figure_image(fig: Any, width_pt: float) -> Any:
    """A ReportLab image flowable of ``fig`` at ``width_pt`` wide."""
    from reportlab.platypus import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=CHART_DPI)
    w, h = fig.get_size_inches()
    buf.seek(0)
    return Image(buf, width=width_pt, height=width_pt * h / w)
