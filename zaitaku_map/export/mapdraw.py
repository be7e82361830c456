"""Drawing one option's map into a matplotlib ``Axes`` in a metric projection.

The map is drawn in JGD2011 / UTM (:func:`zaitaku_map.geo.metric_crs` of the area's centre), with
equal aspect, so the scale bar is true across the sheet (UTM scale error < 0.1 % over a
prefecture) and the north arrow is rotated by the grid convergence at the map centre.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrow, FancyBboxPatch, Patch, Rectangle
from matplotlib.path import Path as MPath
from pyproj import Transformer
from shapely.ops import polylabel

from zaitaku_map.export.choropleth import NO_DATA, MunicipalIndicator
from zaitaku_map.export.data import ExportData, ScenarioOverlay
from zaitaku_map.export.escape import mpl
from zaitaku_map.geo import metric_crs
from zaitaku_map.labels import CATEGORIES, EXPORT_TEXT, SCENARIO_DOC_TEXT

BAND_COLORS = ["#08519c", "#4292c6", "#9ecae1", "#deebf7"]  # the HTML map's band fills
BAND_LINE = "#0b3d91"  # limits of the coverage bands on the printed map (dashed: never a boundary)
BEYOND_HATCH = "#5a5a5a"  # hatching of the land beyond the coverage threshold
OTHER_KEN_FILL = "#f4f4f4"  # the other 圏域 on an atlas page
GAP_COLOR = "#111111"  # people outside coverage: black crosses, no facility category is black
KEN_EDGE = "#202020"
MUNI_EDGE = "#8a8a8a"
OUTSIDE_FILL = "#efefef"
CHANGED_EDGE = "#d7301f"
SITE_COLOR = "#e6007e"  # a scenario's hypothetical facilities and edits: a colour no facility category uses
HALO = [patheffects.withStroke(linewidth=2.6, foreground="white")]


@dataclass
class Coverage:
    """What to draw of a coverage result: nested bands and the gap points of one category."""

    category: str
    params: Any
    bands: gpd.GeoDataFrame | None = None  # band_min, geometry (EPSG:4326)
    gaps: gpd.GeoDataFrame | None = None  # points (EPSG:4326)
    minutes: float = 30.0
    description: str = ""


@dataclass
class MapResult:
    handles: list[Any] = field(default_factory=list)
    crs: str = ""
    labels_placed: int = 0
    labels_moved: int = 0
    scale_km: float = 0.0
    stacks: int = 0  # positions holding more than one facility (numbered on the map)
    approximate: int = 0  # facilities drawn hollow (position only to 町字 / municipality)
    scenario: dict[str, int] = field(default_factory=dict)  # a scenario's marks drawn, by kind


def draw_stack_counts(ax: Axes, xs: np.ndarray, ys: np.ndarray, *, fontsize: float) -> int:
    """Number the positions that hold several facilities (same point to the metre).

    Facilities whose address could only be resolved to the municipality sit on its representative
    point; without a number 33 clinics drawn there look like one.  Returns the number of stacks.
    """
    if not len(xs):
        return 0
    pts = np.column_stack([np.round(xs), np.round(ys)])
    uniq, counts = np.unique(pts, axis=0, return_counts=True)
    n = 0
    for (x, y), k in zip(uniq, counts, strict=True):
        if k < 2:
            continue
        ax.annotate(
            str(int(k)),
            (x, y),
            xytext=(3.5, 2.5),
            textcoords="offset points",
            fontsize=fontsize,
            color="#111111",
            path_effects=HALO,
            zorder=8,
            annotation_clip=True,
        )
        n += 1
    return n


def geometry_paths(geoms: Any) -> list[MPath]:
    """One compound matplotlib path per (multi)polygon, holes included."""
    out: list[MPath] = []
    for g in geoms:
        verts: list[np.ndarray] = []
        codes: list[np.ndarray] = []
        if g is not None and not g.is_empty:
            polys = getattr(g, "geoms", [g])
            for p in polys:
                if p.geom_type != "Polygon":
                    continue
                for ring in (p.exterior, *p.interiors):
                    c = shapely.get_coordinates(ring)
                    if len(c) < 3:
                        continue
                    cc = np.full(len(c), MPath.LINETO, dtype=np.uint8)
                    cc[0] = MPath.MOVETO
                    cc[-1] = MPath.CLOSEPOLY
                    verts.append(c)
                    codes.append(cc)
        if verts:
            out.append(MPath(np.concatenate(verts), np.concatenate(codes)))
        else:
            out.append(MPath(np.zeros((1, 2)), [MPath.MOVETO]))
    return out


def _collection(geoms: Any, **kw: Any) -> PathCollection:
    return PathCollection(geometry_paths(geoms), **kw)


def _line_collection(geoms: Any, **kw: Any) -> LineCollection:
    """Lines of (multi)line strings (e.g. the limit of a coverage band)."""
    segs: list[np.ndarray] = []
    for g in geoms:
        if g is None or g.is_empty:
            continue
        for part in getattr(g, "geoms", [g]):
            if part.geom_type in ("LineString", "LinearRing"):
                segs.append(shapely.get_coordinates(part))
            elif part.geom_type in ("MultiLineString", "GeometryCollection"):
                segs += [shapely.get_coordinates(q) for q in part.geoms if q.geom_type == "LineString"]
    return LineCollection(segs, **kw)


def nice_length(max_m: float) -> float:
    """Largest 1/2/5×10^k metres not above ``max_m``."""
    if max_m <= 0:
        return 1.0
    exp = math.floor(math.log10(max_m))
    for m in (5, 2, 1):
        if m * 10**exp <= max_m:
            return float(m * 10**exp)
    return float(10**exp)


def draw_scale_bar(ax: Axes, *, fontsize: float = 7) -> float:
    """Segmented scale bar at the lower left; returns its length in km (data units are metres)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = nice_length((x1 - x0) * 0.22)
    bx, by = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.04
    h = (y1 - y0) * 0.010
    ax.add_patch(
        Rectangle(
            (bx - (x1 - x0) * 0.012, by - h * 1.6),
            length + (x1 - x0) * 0.05,
            h * 6.4,
            facecolor="white",
            edgecolor="none",
            alpha=0.85,
            zorder=20,
        )
    )
    for i in range(4):
        ax.add_patch(
            Rectangle(
                (bx + i * length / 4, by),
                length / 4,
                h,
                facecolor="black" if i % 2 == 0 else "white",
                edgecolor="black",
                lw=0.6,
                zorder=21,
            )
        )
    km = length / 1000
    unit = f"{km:g} km" if km >= 1 else f"{length:g} m"
    for frac, text in ((0, "0"), (0.5, f"{km / 2:g}" if km >= 1 else f"{length / 2:g}"), (1, unit)):
        ax.text(
            bx + frac * length, by + h * 1.6, text, ha="center", va="bottom", fontsize=fontsize, zorder=22
        )
    return km


def draw_north_arrow(
    ax: Axes, to_metric: Transformer, center_lonlat: tuple[float, float], *, size: float = 1.0
) -> float:
    """North arrow at the upper right, rotated to true north; returns the rotation in degrees."""
    lon, lat = center_lonlat
    xa, ya = to_metric.transform(lon, lat)
    xb, yb = to_metric.transform(lon, lat + 0.05)
    angle = math.atan2(xb - xa, yb - ya)  # clockwise from grid up
    cx, cy = 0.94, 0.86
    length = 0.075 * size
    dx, dy = math.sin(angle) * length, math.cos(angle) * length
    ax.add_patch(
        FancyBboxPatch(
            (cx - 0.035 * size, cy - 0.055 * size),
            0.07 * size,
            0.135 * size,
            boxstyle="round,pad=0.005",
            transform=ax.transAxes,
            facecolor="white",
            edgecolor="none",
            alpha=0.85,
            zorder=21,
        )
    )
    ax.add_patch(
        FancyArrow(
            cx - dx / 2,
            cy - dy / 2,
            dx,
            dy,
            width=0.012 * size,
            head_width=0.04 * size,
            head_length=0.035 * size,
            length_includes_head=True,
            transform=ax.transAxes,
            facecolor="black",
            edgecolor="white",
            lw=0.5,
            zorder=22,
        )
    )
    ax.text(
        cx + dx * 0.75,
        cy + dy * 0.75 + 0.015,
        "N",
        transform=ax.transAxes,
        ha="center",
        va="bottom",
        fontsize=9 * size,
        zorder=22,
        path_effects=HALO,
    )
    return math.degrees(angle)


def _label_candidates(geom: Any, n: int = 14) -> list[tuple[float, float]]:
    """Interior points of a polygon, best (deepest inside) first."""
    polys = sorted(getattr(geom, "geoms", [geom]), key=lambda p: p.area, reverse=True)
    main = polys[0]
    cands: list[tuple[float, float]] = []
    try:
        p = polylabel(main, tolerance=max(math.sqrt(main.area) / 50, 1.0))
        cands.append((p.x, p.y))
    except (shapely.errors.GEOSException, ValueError):  # degenerate ring: the other candidates remain
        pass
    rp = main.representative_point()
    cands.append((rp.x, rp.y))
    x0, y0, x1, y1 = main.bounds
    xs, ys = np.meshgrid(np.linspace(x0, x1, 9)[1:-1], np.linspace(y0, y1, 9)[1:-1])
    pts = shapely.points(xs.ravel(), ys.ravel())
    inside = shapely.contains(main, pts)
    ring = main.exterior
    scored = sorted(
        ((float(ring.distance(q)), q.x, q.y) for q, ok in zip(pts, inside, strict=True) if ok), reverse=True
    )
    cands += [(x, y) for _, x, y in scored[:n]]
    return cands


def _overlaps(bb: Any, placed: list[Any]) -> bool:
    return any(bb.overlaps(o) for o in placed)


def _hits(bb: Any, obstacles: np.ndarray | None) -> bool:
    if obstacles is None or not len(obstacles):
        return False
    o = obstacles
    return bool(np.any((o[:, 0] < bb.x1) & (o[:, 2] > bb.x0) & (o[:, 1] < bb.y1) & (o[:, 3] > bb.y0)))


def place_labels(
    ax: Axes,
    items: list[tuple[str, Any, dict[str, Any]]],
    *,
    placed: list[Any] | None = None,
    obstacles: np.ndarray | None = None,
    skip_if_blocked: bool = False,
) -> tuple[int, int, list[Any]]:
    """Greedy label placement.

    Each label goes to the first interior candidate of its polygon where it overlaps no label placed
    before, stays inside the axes and covers no obstacle (facility symbols, as display-space boxes
    ``x0, y0, x1, y1``); then it tries a smaller size; then (unless ``skip_if_blocked``) it accepts
    covering obstacles, and finally overlaps at the best candidate.

    Returns (placed count, count placed away from the first candidate, bounding boxes).
    """
    fig = ax.figure
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]  # an Agg canvas; not in FigureCanvasBase stubs
    placed = [] if placed is None else placed
    axbb = ax.get_window_extent(renderer)
    n_ok = n_moved = 0
    tries = [(1.0, True), (0.8, True)] + ([] if skip_if_blocked else [(1.0, False), (0.8, False)])
    for text, geom, style in items:
        cands = _label_candidates(geom)
        done = False
        for shrink, avoid in tries:
            fs = style.get("fontsize", 10) * shrink
            for i, (x, y) in enumerate(cands):
                t = ax.text(x, y, text, ha="center", va="center", **{**style, "fontsize": fs})
                bb = t.get_window_extent(renderer).expanded(1.05, 1.1)
                inside_ax = axbb.x0 <= bb.x0 and bb.x1 <= axbb.x1 and axbb.y0 <= bb.y0 and bb.y1 <= axbb.y1
                if inside_ax and not _overlaps(bb, placed) and not (avoid and _hits(bb, obstacles)):
                    placed.append(bb)
                    n_ok += 1
                    n_moved += int(i > 0 or shrink < 1)
                    done = True
                    break
                t.remove()
            if done:
                break
        if not done and not skip_if_blocked and cands:
            x, y = cands[0]
            t = ax.text(
                x, y, text, ha="center", va="center", **{**style, "fontsize": style.get("fontsize", 10) * 0.8}
            )
            placed.append(t.get_window_extent(renderer))
            n_ok += 1
            n_moved += 1
    return n_ok, n_moved, placed


@dataclass
class MapFrame:
    """A map axes in a metric projection, with the option's layers projected into it."""

    ax: Axes
    crs: str
    to_metric: Transformer
    center: tuple[float, float]  # lon, lat
    kens: gpd.GeoDataFrame  # metric
    munis: gpd.GeoDataFrame  # metric
    in_option: np.ndarray  # municipalities assigned to a 圏域


def setup_frame(ax: Axes, data: ExportData, *, focus_key: str | None = None, pad: float = 0.04) -> MapFrame:
    """Project the layers to the metric CRS of the area's centre and fit all 圏域 (or the 圏域
    ``focus_key``) into the axes at equal scale (a true scale bar)."""
    kens = data.kens
    lon_c = float(np.mean(kens.total_bounds[[0, 2]]))
    lat_c = float(np.mean(kens.total_bounds[[1, 3]]))
    crs = metric_crs(lon_c)
    to_metric = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    k_m = kens.to_crs(crs)
    m_m = data.munis.to_crs(crs)
    shown = k_m if focus_key is None else k_m[k_m["ken_key"] == focus_key]
    minx, miny, maxx, maxy = shown.total_bounds
    margin = max(maxx - minx, maxy - miny, 1.0) * pad
    x0, x1, y0, y1 = minx - margin, maxx + margin, miny - margin, maxy + margin
    bbox = ax.get_position()
    fig = ax.figure
    if not isinstance(fig, Figure):  # a SubFigure has no size of its own
        raise TypeError("maps need axes placed directly on a Figure")
    fw, fh = fig.get_size_inches()
    box_ratio = (bbox.height * fh) / (bbox.width * fw)
    if (y1 - y0) / (x1 - x0) < box_ratio:  # widen one axis so the data fill the box at equal scale
        extra = (x1 - x0) * box_ratio - (y1 - y0)
        y0, y1 = y0 - extra / 2, y1 + extra / 2
    else:
        extra = (y1 - y0) / box_ratio - (x1 - x0)
        x0, x1 = x0 - extra / 2, x1 + extra / 2
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_linewidth(0.8)
    if focus_key is not None:  # a zoomed page draws only what it shows (an atlas of a large prefecture)
        view = shapely.box(x0, y0, x1, y1)
        m_m = m_m[m_m.intersects(view)]
        k_m = k_m[k_m.intersects(view)]
    return MapFrame(ax, crs, to_metric, (lon_c, lat_c), k_m, m_m, m_m["ken_key"].notna().to_numpy())


def draw_ken_fills(
    frame: MapFrame, data: ExportData, res: MapResult, *, focus_key: str | None = None
) -> None:
    """Municipalities outside the option in grey, 圏域 in their colours (opaque: the colour on the
    map is the colour of the legend swatch, whatever is drawn over it).  With ``focus_key`` the
    other 圏域 are drawn pale."""
    ax = frame.ax
    outside = ~frame.in_option
    if outside.any():
        ax.add_collection(
            _collection(frame.munis.geometry[outside], facecolor=OUTSIDE_FILL, edgecolor="none", zorder=1)
        )
        res.handles.append(
            Patch(
                facecolor=OUTSIDE_FILL,
                edgecolor=MUNI_EDGE,
                lw=0.4,
                label=f"{EXPORT_TEXT['outside']}・{EXPORT_TEXT['unassigned']}",
            )
        )
    colors = list(frame.kens["color"])
    if focus_key is not None:
        colors = [
            c if k == focus_key else OTHER_KEN_FILL
            for k, c in zip(frame.kens["ken_key"], colors, strict=True)
        ]
    ax.add_collection(_collection(frame.kens.geometry, facecolors=colors, edgecolor="none", zorder=2))


def draw_choropleth(frame: MapFrame, indicator: MunicipalIndicator, res: MapResult) -> None:
    """Municipalities filled by class of ``indicator``; no value: white with grey hatching."""
    ax = frame.ax
    codes = [str(c) for c in frame.munis["code"]]
    colors = [indicator.color_of(c) for c in codes]
    has = np.array([c is not None for c in colors])
    if has.any():
        ax.add_collection(
            _collection(
                frame.munis.geometry[has],
                facecolors=[c for c in colors if c is not None],
                edgecolor="none",
                zorder=2,
            )
        )
    if (~has).any():
        ax.add_collection(
            _collection(
                frame.munis.geometry[~has],
                facecolor=NO_DATA,
                edgecolor="#b0b0b0",
                hatch="....",
                linewidths=0,
                zorder=2,
            )
        )
    res.handles.append(Patch(facecolor="none", edgecolor="none", label=mpl(indicator.label)))
    for color, label in zip(indicator.colors, indicator.class_labels, strict=True):
        res.handles.append(Patch(facecolor=color, edgecolor="#555555", lw=0.4, label=label))
    if (~has).any():
        res.handles.append(
            Patch(facecolor=NO_DATA, edgecolor="#b0b0b0", hatch="....", lw=0.4, label="データなし")
        )


def draw_coverage(frame: MapFrame, coverage: Coverage, res: MapResult, *, small: bool = False) -> None:
    """Coverage over the fills without changing their colour: the land beyond ``coverage.minutes``
    hatched, each band's limit as a line (the threshold's solid and bold)."""
    if coverage.bands is None or not len(coverage.bands):
        return
    ax = frame.ax
    land = shapely.union_all(np.asarray(frame.munis.geometry.values))
    bands = coverage.bands.to_crs(frame.crs).sort_values("band_min")
    main = bands[np.isclose(bands["band_min"].astype(float), coverage.minutes)]
    reach = main.geometry.iloc[0] if len(main) else None
    if reach is not None:
        beyond = shapely.difference(land, reach)
        if not beyond.is_empty:
            ax.add_collection(
                _collection(
                    [beyond], facecolor="none", edgecolor=BEYOND_HATCH, hatch="//", linewidths=0, zorder=3
                )
            )
            res.handles.append(
                Patch(
                    facecolor="white",
                    edgecolor=BEYOND_HATCH,
                    hatch="//",
                    lw=0.4,
                    label=EXPORT_TEXT["coverage_beyond"].format(minutes=f"{coverage.minutes:g}"),
                )
            )
    for _, b in bands.iterrows():
        minutes = float(b["band_min"])
        is_main = math.isclose(minutes, coverage.minutes)
        style: dict[str, Any] = {
            "linewidths": (0.9 if small else 1.3) if is_main else 0.6,
            # nearer bands dotted, farther ones dash-dot: 15 and 45 minutes never look alike
            "linestyle": (0, (5, 2))
            if is_main
            else (0, (1, 1.5))
            if minutes < coverage.minutes
            else (0, (4, 1.5, 1, 1.5)),
        }
        # one path per stretch of limit (the intersection returns it cut at every vertex: thousands
        # of two-point paths, a dash pattern restarting on each, and megabytes of PDF)
        ring = shapely.line_merge(shapely.intersection(shapely.boundary(b.geometry), land))
        ax.add_collection(_line_collection([ring], color=BAND_LINE, zorder=3.5, **style))
        res.handles.append(
            Line2D(
                [],
                [],
                color=BAND_LINE,
                lw=style["linewidths"],
                ls=style["linestyle"],
                label=EXPORT_TEXT["coverage_band"].format(minutes=f"{minutes:g}"),
            )
        )


def draw_boundaries(
    frame: MapFrame, data: ExportData, *, small: bool = False, highlight_units: set[str] | None = None
) -> None:
    """Municipality (thin grey) and 圏域 (bold) boundaries; ``highlight_units`` dashed red and hatched."""
    ax = frame.ax
    if data.request.shows("municipalities"):
        ax.add_collection(
            _collection(
                frame.munis.geometry,
                facecolor="none",
                edgecolor=MUNI_EDGE,
                linewidths=0.25 if small else 0.4,
                zorder=4,
            )
        )
    ax.add_collection(
        _collection(
            frame.kens.geometry,
            facecolor="none",
            edgecolor=KEN_EDGE,
            linewidths=1.0 if small else 1.6,
            zorder=5,
        )
    )
    if highlight_units:
        sel = frame.munis["code"].isin(highlight_units).to_numpy()
        if sel.any():
            ax.add_collection(
                _collection(
                    frame.munis.geometry[sel],
                    facecolor="none",
                    edgecolor=CHANGED_EDGE,
                    hatch="////",
                    linewidths=1.0,
                    linestyle="--",
                    zorder=5.5,
                )
            )


def draw_gaps(frame: MapFrame, coverage: Coverage, res: MapResult, *, small: bool = False) -> None:
    """People outside coverage as small crosses (a light stipple when there are many points)."""
    if coverage.gaps is None or not len(coverage.gaps):
        return
    g = coverage.gaps.to_crs(frame.crs)
    dense = float(np.clip(math.sqrt(300 / len(g)), 0.25, 1.0))
    frame.ax.scatter(
        g.geometry.x,
        g.geometry.y,
        s=(4 if small else 7) * dense,
        marker="x",
        c=GAP_COLOR,
        linewidths=0.6 * dense,
        alpha=0.5 + 0.5 * dense,
        zorder=6,
    )
    no_pop = "pop_total" in g and not (g["pop_total"].fillna(0) > 0).any()
    res.handles.append(
        Line2D(
            [],
            [],
            ls="none",
            marker="x",
            color=GAP_COLOR,
            markersize=5,
            label=EXPORT_TEXT["gap_no_population" if no_pop else "gap"].format(
                minutes=f"{coverage.minutes:g}"
            ),
        )
    )


def symbol_size(category: str, n_points: int, *, small: bool = False) -> float:
    """Marker area (pt²): legible at A4 (≥ ~5 pt across), smaller for very many points."""
    c = CATEGORIES.get(category, CATEGORIES["other"])
    shrink = float(np.clip(math.sqrt(400 / max(n_points, 1)), 0.6, 1.0))
    base = 12 if small else 34
    return base * shrink * (1.6 if c.marker in ("*", "+", "x", "1", ".") else 1.0)


def draw_facilities(
    frame: MapFrame, fac: pd.DataFrame, res: MapResult, *, small: bool = False, text_scale: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Facility symbols by category (shape + colour + dark edge); approximate positions (町字,
    市区町村代表点) hollow.  Returns the metric x, y of the facilities drawn (in ``fac`` order)."""
    ax = frame.ax
    if not len(fac):
        return np.zeros(0), np.zeros(0)
    xs, ys = frame.to_metric.transform(fac["lon"].to_numpy(), fac["lat"].to_numpy())
    xs, ys = np.asarray(xs), np.asarray(ys)
    cats = [k for k in CATEGORIES if k in set(fac["category"])] + sorted(
        set(fac["category"]) - set(CATEGORIES)
    )
    approx = fac["approximate"].to_numpy(dtype=bool)
    for cat in cats:
        sel = (fac["category"] == cat).to_numpy()
        c = CATEGORIES.get(cat, CATEGORIES["other"])
        size = symbol_size(cat, len(fac), small=small)
        line_marker = c.marker in ("+", "x", "1")
        z = 7 + list(CATEGORIES).index(cat) * 0.01 if cat in CATEGORIES else 7
        for hollow in (False, True):
            part = sel & (approx if hollow else ~approx)
            if not part.any():
                continue
            ax.scatter(
                xs[part],
                ys[part],
                s=size,
                marker=c.marker,
                c="white" if hollow and not line_marker else c.color,
                edgecolors=c.color if hollow else (None if line_marker else "black"),
                linewidths=(1.1 if hollow else 0.45) if not line_marker else 1.0,
                zorder=z + (0.005 if hollow else 0),
            )
        res.handles.append(
            Line2D(
                [],
                [],
                ls="none",
                marker=c.marker,
                markerfacecolor=c.color,
                markeredgecolor="black",
                color=c.color,
                markersize=6.5,
                label=f"{c.label}（{int(sel.sum())}）",
            )
        )
    if approx.any():
        res.handles.append(
            Line2D(
                [],
                [],
                ls="none",
                marker="o",
                markerfacecolor="white",
                markeredgecolor="#444444",
                markeredgewidth=1.1,
                markersize=6.5,
                label=f"{EXPORT_TEXT['approximate']}（{int(approx.sum())}）",
            )
        )
        res.approximate = int(approx.sum())
    res.stacks = draw_stack_counts(ax, xs, ys, fontsize=(5 if small else 6.5) * text_scale)
    if res.stacks:
        res.handles.append(
            Line2D(
                [], [], ls="none", marker="$3$", color="#111111", markersize=6, label=EXPORT_TEXT["stacked"]
            )
        )
    return xs, ys


def draw_scenario_marks(
    ax: Axes,
    to_metric: Transformer,
    sites: gpd.GeoDataFrame,
    changed: gpd.GeoDataFrame,
    *,
    fontsize: float = 8.0,
) -> dict[str, int]:
    """A scenario's edits over the register: hypothetical facilities as magenta stars labelled
    「仮想: …」, real facilities taking on a category ringed, moved ones ringed at their new place,
    switched-off ones crossed out.  Returns how many of each kind were drawn (site, gains, moved,
    closed)."""
    drawn = {"site": 0, "gains": 0, "moved": 0, "closed": 0}
    for _i, row in sites.iterrows():
        x, y = to_metric.transform(row.geometry.x, row.geometry.y)
        ax.scatter([x], [y], marker="*", s=260, c=SITE_COLOR, edgecolors="white", linewidths=1.2, zorder=40)
        ax.annotate(
            mpl(SCENARIO_DOC_TEXT["site_label"].format(label=row["label"])),
            (x, y),
            xytext=(7, 5),
            textcoords="offset points",
            fontsize=fontsize,
            color=SITE_COLOR,
            zorder=41,
            path_effects=HALO,
        )
        drawn["site"] += 1
    for _i, row in changed.iterrows():
        x, y = to_metric.transform(row.geometry.x, row.geometry.y)
        kind = str(row["change"])
        offset, align = (7, -9), "left"
        if kind == "closed":  # labelled to the left: a closure often sits beside a gain or a site
            ax.scatter([x], [y], marker="x", s=120, c="#222222", linewidths=2.2, zorder=40)
            text = SCENARIO_DOC_TEXT["closed_label"].format(name=row["name"])
            offset, align = (-7, 5), "right"
        else:
            ax.scatter(
                [x],
                [y],
                marker="o",
                s=170,
                facecolors="none",
                edgecolors=SITE_COLOR,
                linewidths=2.0,
                zorder=40,
            )
            gains = CATEGORIES[row["gains"]].short if row["gains"] in CATEGORIES else ""
            text = (
                SCENARIO_DOC_TEXT["gains_label"].format(name=row["name"], category=gains)
                if kind == "gains"
                else SCENARIO_DOC_TEXT["moved_label"].format(name=row["name"])
            )
        ax.annotate(
            mpl(text),
            (x, y),
            xytext=offset,
            textcoords="offset points",
            ha=align,
            fontsize=fontsize * 0.9,
            zorder=41,
            path_effects=HALO,
        )
        drawn[kind if kind in drawn else "moved"] += 1
    return drawn


_SCENARIO_STYLES: dict[str, dict[str, Any]] = {
    "site": {"marker": "*", "markerfacecolor": SITE_COLOR, "markeredgecolor": "white", "markersize": 10},
    "gains": {"marker": "o", "markerfacecolor": "none", "markeredgecolor": SITE_COLOR, "markersize": 8},
    "moved": {"marker": "o", "markerfacecolor": "none", "markeredgecolor": SITE_COLOR, "markersize": 8},
    "closed": {"marker": "x", "color": "#222222", "markeredgewidth": 2.0, "markersize": 7},
}


def scenario_handles(drawn: dict[str, int]) -> list[Any]:
    """Legend entries of the scenario marks drawn (kind -> count)."""
    return [
        Line2D([], [], ls="none", label=f"{EXPORT_TEXT['scenario_' + kind]}（{n}）", **_SCENARIO_STYLES[kind])
        for kind, n in drawn.items()
        if n
    ]


def draw_scenario(frame: MapFrame, overlay: ScenarioOverlay, res: MapResult, *, small: bool = False) -> None:
    """The scenario's marks (:func:`draw_scenario_marks`) with their legend entries."""
    drawn = draw_scenario_marks(
        frame.ax, frame.to_metric, overlay.sites, overlay.changed, fontsize=6.0 if small else 7.5
    )
    res.handles += scenario_handles(drawn)
    res.scenario = drawn


def _obstacles(frame: MapFrame, xs: np.ndarray, ys: np.ndarray, *, small: bool) -> np.ndarray | None:
    """Display-space boxes of the facility symbols (labels avoid them); none when there are very many."""
    if not len(xs) or len(xs) > 1500:
        return None
    px = frame.ax.transData.transform(np.column_stack([xs, ys]))
    half = math.sqrt(12 if small else 34) / 2 * frame.ax.figure.dpi / 72 * 1.2
    return np.column_stack([px[:, 0] - half, px[:, 1] - half, px[:, 0] + half, px[:, 1] + half])


def ken_label(row: Any) -> str:
    """A 圏域's map label: its name, and the demand of the request's projection year when drawn."""
    name = str(row["name"])
    value = row.get("demand_year") if hasattr(row, "get") else None
    if value is None or not np.isfinite(value):
        return name
    return f"{name}\n{EXPORT_TEXT['year_label'].format(value=f'{value:,.0f}')}"


def draw_labels(
    frame: MapFrame,
    data: ExportData,
    res: MapResult,
    obstacles: np.ndarray | None,
    *,
    small: bool = False,
    text_scale: float = 1.0,
    muni_labels: bool | None = None,
) -> None:
    """圏域 names first (halo; with a projection year the 圏域's demand of that year under the
    name), then municipality names where room is left."""
    items = [
        (
            mpl(ken_label(r)),
            g,
            {
                "fontsize": (8 if small else 11) * text_scale,
                "zorder": 30,
                "path_effects": HALO,
                "color": "#111111",
            },
        )
        for (_, r), g in zip(frame.kens.iterrows(), frame.kens.geometry, strict=True)
    ]
    items.sort(key=lambda it: -it[1].area)
    n_ok, n_moved, placed = place_labels(frame.ax, items, obstacles=obstacles)
    res.labels_placed, res.labels_moved = n_ok, n_moved
    show_muni = (len(frame.munis) <= 150 and not small) if muni_labels is None else muni_labels
    if show_muni and data.request.shows("muni_labels"):
        inside = frame.munis[frame.in_option]
        mitems = [
            (
                mpl(r["name"]),
                g,
                {"fontsize": 6 * text_scale, "color": "#555555", "zorder": 29, "path_effects": HALO},
            )
            for (_, r), g in zip(inside.iterrows(), inside.geometry, strict=True)
        ]
        place_labels(frame.ax, mitems, placed=placed, obstacles=obstacles, skip_if_blocked=True)


def draw_option_map(
    ax: Axes,
    data: ExportData,
    *,
    coverage: Coverage | None = None,
    indicator: MunicipalIndicator | None = None,
    small: bool = False,
    muni_labels: bool | None = None,
    text_scale: float = 1.0,
    highlight_units: set[str] | None = None,
) -> MapResult:
    """Draw the option's map (the layers ``data.request`` shows): fills (圏域, or the municipal
    ``indicator`` as a class map), coverage, boundaries, gaps, facilities, labels, scale, north."""
    req = data.request
    res = MapResult()
    frame = setup_frame(ax, data)
    res.crs = frame.crs
    if indicator is not None:
        draw_choropleth(frame, indicator, res)
    elif req.shows("kens"):
        draw_ken_fills(frame, data, res)
    if coverage is not None and req.shows("coverage"):
        draw_coverage(frame, coverage, res, small=small)
    draw_boundaries(frame, data, small=small, highlight_units=highlight_units)
    if coverage is not None and req.shows("gaps"):
        draw_gaps(frame, coverage, res, small=small)
    fac = data.map_facilities if req.shows("facilities") else data.facilities.iloc[:0]
    xs, ys = draw_facilities(frame, fac, res, small=small, text_scale=text_scale)
    if data.scenario is not None and req.shows("facilities"):
        draw_scenario(frame, data.scenario, res, small=small)
    draw_labels(
        frame,
        data,
        res,
        _obstacles(frame, xs, ys, small=small),
        small=small,
        text_scale=text_scale,
        muni_labels=muni_labels,
    )
    res.scale_km = draw_scale_bar(ax, fontsize=(6 if small else 7) * text_scale)
    draw_north_arrow(ax, frame.to_metric, frame.center, size=0.7 if small else 1.0)
    return res
