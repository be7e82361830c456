"""委員配布用ビューア: every 圏域 option of a project in ONE self-contained, offline HTML file.

The richer sibling of :mod:`zaitaku_map.export.htmlmap` (one option, folium): committee members get a
single file they open on their own laptops, with no server and no network, and explore

- every option as a tab (← / → switch), the 圏域 drawn as fills, boundaries and names;
- layer toggles: 圏域, their names, municipal boundaries and names, coverage bands and the people
  outside them per coverage category, one layer per facility category;
- a search box over facilities (name, address), municipalities and 圏域;
- the evaluation table of the option shown (population, counts, rates, roles, functions ①–④,
  coverage share), its warnings and notes; sources, reference dates and attribution.

The file carries the vendored Leaflet inline, the page's own script and style
(``resources/ui/viewer``: ``optionmap.js`` — shared with the meeting mode of the desktop
application — ``viewer.js``, ``viewer.css``, ``viewer.html``), the data as one JSON block, and a
subset of the bundled IPAexGothic (only the characters the page uses, fontTools) as a WOFF web font,
so Japanese renders on a machine without Japanese fonts.  A Content-Security-Policy forbids every
request: no script, style, image, font or connection may come from anywhere but the file itself.

Every text from data is escaped twice over: the JSON block cannot close its ``<script>`` element
(``<``, ``>``, ``&`` are written as ``\\u003c`` …), and the page puts data into the DOM with
``textContent`` only.

The document (``doc``, read by ``optionmap.js``)::

    meta       title, subtitle, is_demo, demo_banner, demo_watermark, info [[head, [lines]]], footer
    text       the page's words (labels.VIEWER_TEXT)
    style      muni_edge, ken_edge, outside_fill, band_colors (nearest first), gap_color, changed_edge
    strings    repeated texts of the facility rows, stored once
    munis      FeatureCollection; properties i (index), c (code), n (name), p ([lat, lon] of the label)
    options    [{name, notes, kens [{key, name, color, label}], assign [ken index per municipality, -1],
                 outline (FeatureCollection, properties k), fac_ken [ken index per facility, -1],
                 table {cols [[key, heading, in_summary]], rows, total}, warnings [[ken index, text]],
                 remarks [text]}]
    coverage   [{key, label, minutes, description, band_label, gap_label, beyond, show_bands, show_gaps,
                 bands (FeatureCollection, properties r rank 0 = nearest, m minutes),
                 gaps [[lat, lon, population, minutes]], spacing_m (median nearest-neighbour distance)}]
    facilities [{cat, label, short, color, radius, core, show, count,
                 rows [[lat, lon, name, subtype*, address, muni*, precision*, source*, roles, functions]]}]
                 (* index into strings; lat/lon null for a facility without a position)
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from zaitaku_map import __version__
from zaitaku_map.assets import japanese_font_path, resource_path
from zaitaku_map.errors import ExportError, ZaitakuError
from zaitaku_map.export.data import ExportData, load_export_data
from zaitaku_map.export.escape import script_json
from zaitaku_map.export.evaluation import evaluation_table, format_cell, option_notes
from zaitaku_map.export.htmlmap import label_point, leaflet_assets
from zaitaku_map.export.mapdoc import coverage_label, info_lines, load_coverage
from zaitaku_map.export.mapdraw import BAND_COLORS, GAP_COLOR, KEN_EDGE, MUNI_EDGE, OUTSIDE_FILL, Coverage
from zaitaku_map.export.request import ExportRequest
from zaitaku_map.fileio import atomic_path
from zaitaku_map.geo import feature_collection
from zaitaku_map.labels import CATEGORIES, EXPORT_TEXT, VIEWER_TEXT
from zaitaku_map.options import evaluate_option, list_options
from zaitaku_map.options.results import OptionEvaluation
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback
from zaitaku_map.store import Project

NDIGITS = 4  # ≈10 m: finer than any line drawn at the zoom levels of a prefecture map
BAND_SIMPLIFY_DEG = 4e-4  # bands come from a 250 m grid: vertices closer than ~40 m add nothing
CHANGED_EDGE = "#d50000"
# no request of any kind: inline script and style, data: images and fonts, nothing else
CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
    "font-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'"
)
FONT_FAMILY = "ZMJapanese"
# characters the page may show that are not literally in it (numbers formatted by the browser)
EXTRA_CHARS = "".join(chr(c) for c in range(0x20, 0x7F)) + "０１２３４５６７８９－，．：％（）・、。「」〜"
# summary columns of the evaluation table (shown when a 圏域 or municipality is clicked)
SUMMARY_COLUMNS = (
    "n_units",
    "pop_total",
    "pop_75",
    "n_zaishi_clinic",
    "n_zaishi_hospital",
    "n_home_nursing",
    "coverage_share",
)
TABLE_SKIP = ("ken_key", "warnings")
CORE_SHOWN = ("zaishi_clinic", "zaishi_hospital", "home_nursing")


@dataclass(frozen=True)
class ViewerDocument:
    """The page's data (``doc``, see the module docstring) and a summary of what it holds."""

    doc: dict[str, Any]
    options: list[str]
    coverage: list[str]
    municipalities: int
    facilities: int
    coverage_skipped: dict[str, str] = field(default_factory=dict)
    muni_codes: list[str] = field(default_factory=list)  # order of every option's ``assign``
    facility_ids: list[int] = field(default_factory=list)  # order of every option's ``fac_ken``
    categories: tuple[str, ...] | None = None  # the facility categories held
    coverage_category: str | None = None  # the category of the evaluations' coverage column
    coverage_params: Any = None  # the parameters of the coverage shown and evaluated
    evaluations: dict[str, OptionEvaluation] = field(default_factory=dict)  # option -> evaluate_option

    def to_json(self) -> str:
        """The document as JSON safe inside an HTML ``<script>`` element."""
        return script_json(self.doc)


@dataclass(frozen=True)
class ViewerReport:
    """What :func:`export_viewer` wrote."""

    path: str
    bytes: int
    font_bytes: int
    glyphs: int
    options: list[str]
    coverage: list[str]
    municipalities: int
    facilities: int
    seconds: float
    coverage_skipped: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the CLI's report)."""
        return asdict(self)


# ---------------------------------------------------------------------------------------------- parts


def _text(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return str(v)


class _Strings:
    """Repeated texts (municipality, precision, source …) stored once in ``doc.strings``."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def __call__(self, text: Any) -> int:
        return self.index.setdefault(_text(text), len(self.index))

    def values(self) -> list[str]:
        return list(self.index)


def muni_part(data: ExportData) -> tuple[dict[str, Any], list[str]]:
    """(FeatureCollection of the municipalities with index, code, name and label point; codes in order)."""
    munis = data.munis
    codes = [str(c) for c in munis["code"]]
    props = []
    for i, (code, name, geom) in enumerate(zip(codes, munis["full_name"], munis.geometry, strict=True)):
        p: dict[str, Any] = {"i": i, "c": code, "n": _text(name)}
        pt = label_point(geom)
        if pt is not None:
            p["p"] = list(pt)
        props.append(p)
    return feature_collection(munis.geometry.values, props, ndigits=NDIGITS), codes


def _table(
    table: pd.DataFrame, heads: dict[str, str], n_kens: int
) -> tuple[dict[str, Any], list[str], list[str]]:
    """The evaluation table as text cells (``cols``, ``rows``, ``total``) in 圏域 order."""
    cols = [c for c in table.columns if c not in TABLE_SKIP and c in heads]
    rows = [[format_cell(c, r[c]) for c in cols] for _, r in table.iterrows()]
    total: list[str] = []
    for c in cols:
        if c == "ken_name":
            total.append(VIEWER_TEXT["total"])
        elif (
            c == "n_units"
            or c.startswith("n_")
            or (c.startswith("pop_") and table[c].notna().all() and len(table))
        ):
            total.append(
                format_cell(c, float(table[c].sum()) if c.startswith("pop_") else int(table[c].sum()))
            )
        else:
            total.append("")
    out = {"cols": [[c, heads[c], c in SUMMARY_COLUMNS] for c in cols], "rows": rows[:n_kens], "total": total}
    return out, cols, [str(k) for k in table["ken_key"]]


def option_entry(
    project: Project,
    data: ExportData,
    muni_codes: Sequence[str],
    facility_ids: Sequence[int],
    *,
    coverage_category: str | None = None,
    coverage_params: Any = None,
    evaluation: OptionEvaluation | None = None,
) -> dict[str, Any]:
    """One option of the document: 圏域, assignment per municipality, outlines, evaluation table.

    ``muni_codes`` and ``facility_ids`` fix the order of ``assign`` and ``fac_ken`` (the document's
    municipalities and facilities); ``evaluation`` is the option's ``evaluate_option`` when the
    caller has it already.  Meeting mode calls this again after a live edit.
    """
    kens = data.kens
    keys = [str(k) for k in kens["ken_key"]]
    index = {k: i for i, k in enumerate(keys)}
    ken_rows = []
    for key, name, color, geom in zip(keys, kens["name"], kens["color"], kens.geometry, strict=True):
        pt = label_point(geom)
        ken_rows.append(
            {"key": key, "name": _text(name), "color": str(color), "label": list(pt) if pt else None}
        )
    by_code = dict(zip(data.munis["code"].astype(str), data.munis["ken_key"], strict=True))
    assign = [index.get(str(by_code.get(c)), -1) if by_code.get(c) is not None else -1 for c in muni_codes]
    fac = data.facilities
    fac_key = dict(zip(fac["id"].astype(int), fac["ken_key"], strict=True))
    fac_ken = [index.get(str(fac_key.get(i)), -1) if fac_key.get(i) is not None else -1 for i in facility_ids]
    outline = feature_collection(kens.geometry.values, [{"k": i} for i in range(len(kens))], ndigits=NDIGITS)
    request = data.request.with_(coverage_category=coverage_category, coverage_params=coverage_params)
    table, heads, ev = evaluation_table(
        project, replace(data, request=request), ev=evaluation.to_dict() if evaluation is not None else None
    )
    tab, _cols, table_keys = _table(table, heads, len(table))
    # the evaluation lists every 圏域 of the option; the map only those with municipalities
    order = [table_keys.index(k) for k in keys if k in table_keys]
    tab["rows"] = [tab["rows"][j] for j in order]
    warnings = [
        [index.get(str(w.get("ken_key")), -1), str(w["message"])]
        for w in ev.get("warnings", [])
        if w.get("level") == "warning"
    ]
    return {
        "name": data.option_name,
        "notes": _text(data.option_meta.get("notes")),
        "kens": ken_rows,
        "assign": assign,
        "outline": outline,
        "fac_ken": fac_ken,
        "table": tab,
        "warnings": warnings,
        "remarks": option_notes(ev),
    }


def _spacing_m(points: Any) -> float | None:
    """Median distance (m) from each point outside coverage to its nearest neighbour: the page draws the
    crosses no larger than a fraction of it, so a dense mesh stays a stipple, not a black blot."""
    from scipy.spatial import cKDTree

    xy = np.column_stack([points.geometry.x.to_numpy(), points.geometry.y.to_numpy()])
    lat = float(np.nanmean(xy[:, 1]))
    metric = xy * [111_320.0 * math.cos(math.radians(lat)), 110_540.0]
    dist, _idx = cKDTree(metric).query(metric, k=2)
    d = dist[:, 1][np.isfinite(dist[:, 1]) & (dist[:, 1] > 0)]
    return round(float(np.median(d)), 1) if len(d) else None


def coverage_part(cov: Coverage) -> dict[str, Any]:
    """Bands (nearest rank 0, drawn largest first) and the points outside, of one coverage category."""
    label = coverage_label(cov.category)
    bands_fc: dict[str, Any] = {"type": "FeatureCollection", "features": []}
    if cov.bands is not None and len(cov.bands):
        bands = cov.bands.sort_values("band_min", ascending=False).reset_index(drop=True)
        geoms = shapely.simplify(np.asarray(bands.geometry.values), BAND_SIMPLIFY_DEG)
        n = len(bands)
        props = [{"r": n - 1 - i, "m": f"{float(m):g}"} for i, m in enumerate(bands["band_min"])]
        bands_fc = feature_collection(geoms, props, ndigits=NDIGITS)
    gaps: list[list[Any]] = []
    if cov.gaps is not None and len(cov.gaps):
        g = cov.gaps
        pops = g["pop_total"].astype(float) if "pop_total" in g else pd.Series(np.nan, index=g.index)
        mins = g["minutes"].astype(float) if "minutes" in g else pd.Series(np.nan, index=g.index)
        for lon, lat, p, t in zip(g.geometry.x, g.geometry.y, pops, mins, strict=True):
            gaps.append(
                [
                    round(float(lat), NDIGITS),
                    round(float(lon), NDIGITS),
                    round(p) if np.isfinite(p) else None,
                    round(t, 1) if np.isfinite(t) else None,
                ]
            )
    has_pop = any(r[2] is not None for r in gaps)
    spacing = _spacing_m(cov.gaps) if cov.gaps is not None and len(cov.gaps) > 1 else None
    limit = getattr(cov.params, "max_minutes", None)
    minutes = f"{cov.minutes:g}"
    return {
        "key": cov.category,
        "label": label,
        "minutes": cov.minutes,
        "description": cov.description or "",
        "band_label": VIEWER_TEXT["coverage_band"].format(label=label),
        "gap_label": VIEWER_TEXT["gap" if has_pop else "gap_points"].format(label=label, minutes=minutes),
        "beyond": f"{float(limit):g}分超" if isinstance(limit, int | float) else "－",
        "show_bands": False,
        "show_gaps": False,
        "spacing_m": spacing,
        "bands": bands_fc,
        "gaps": gaps,
    }


def facility_part(data: ExportData) -> tuple[list[dict[str, Any]], list[int], list[str]]:
    """(one group per category, facility ids in document order, repeated strings)."""
    strings = _Strings()
    fac = data.facilities
    n = len(fac)
    shrink = float(np.clip(math.sqrt(600 / max(n, 1)), 0.6, 1.0))
    groups: list[dict[str, Any]] = []
    ids: list[int] = []
    for cat in data.categories_present():
        sel = fac[fac["category"] == cat]
        c = CATEGORIES.get(cat, CATEGORIES["other"])
        rows = []
        for r in sel.itertuples(index=False):
            placed = r.lon is not None and not (isinstance(r.lon, float) and math.isnan(r.lon))
            src = _text(r.source) + (
                f"（{EXPORT_TEXT['as_of'].format(date=r.reference_date)}）" if r.reference_date else ""
            )
            rows.append(
                [
                    round(float(r.lat), NDIGITS) if placed else None,
                    round(float(r.lon), NDIGITS) if placed else None,
                    _text(r.name),
                    strings(r.subtype),
                    _text(r.address),
                    strings(r.muni_name),
                    strings(r.precision),
                    strings(src),
                    _text(r.roles),
                    _text(r.functions),
                ]
            )
            ids.append(int(r.id))
        groups.append(
            {
                "cat": cat,
                "label": c.label if cat in CATEGORIES else cat,
                "short": c.short if cat in CATEGORIES else cat,
                "color": c.color,
                "radius": round((5.5 if c.core else 3.5) * shrink, 1),
                "core": bool(c.core),
                "show": cat in CORE_SHOWN,
                "count": len(rows),
                "rows": rows,
            }
        )
    return groups, ids, strings.values()


def default_coverage_categories(data: ExportData) -> list[str]:
    """在支診・在支病 and 訪問看護 when the project has such facilities (the meeting's two questions)."""
    present = set(data.facilities["category"]) if len(data.facilities) else set()
    out = []
    if present & {"zaishi_clinic", "zaishi_hospital"}:
        out.append("zaishi")
    if "home_nursing" in present:
        out.append("home_nursing")
    return out


def _meta(data: ExportData, coverages: list[Coverage], title: str | None) -> dict[str, Any]:
    first = coverages[0] if coverages else None
    info = [(str(h), [str(x) for x in lines]) for h, lines in info_lines(data, first)]
    for cov in coverages[1:]:
        info.insert(
            1, (EXPORT_TEXT["coverage_params"], [f"{coverage_label(cov.category)}: {cov.description}"])
        )
    info.append((VIEWER_TEXT["operation"], [VIEWER_TEXT["operation_help"]]))
    dates = sorted(
        {
            str(s["reference_date"])
            for s in data.sources
            if s.get("kind") == "facilities" and s.get("reference_date")
        }
    )
    sub = f"{EXPORT_TEXT['created']}: {data.created}"
    if data.project_name:
        sub = f"{data.project_name}　{sub}"
    if dates:
        sub += f"　{VIEWER_TEXT['facility_data']}: {EXPORT_TEXT['as_of'].format(date='・'.join(dates))}"
    footer = EXPORT_TEXT["footer"].format(version=__version__, date=data.created)
    return {
        "title": title or VIEWER_TEXT["title"],
        "subtitle": sub,
        "is_demo": bool(data.is_demo),
        "demo_banner": EXPORT_TEXT["demo_banner"],
        "demo_watermark": EXPORT_TEXT["demo_watermark"],
        "info": info,
        "footer": footer,
    }


STYLE = {
    "muni_edge": MUNI_EDGE,
    "ken_edge": KEN_EDGE,
    "outside_fill": OUTSIDE_FILL,
    "band_colors": BAND_COLORS,
    "gap_color": GAP_COLOR,
    "changed_edge": CHANGED_EDGE,
}


@dataclass(frozen=True)
class ViewerSpec:
    """What the viewer holds.

    Attributes
    ----------
    options:
        Option names in tab order; ``None`` = all options of the project.
    coverage_categories:
        Coverage categories (``zaishi``, ``home_nursing`` …) whose bands and outside points the page
        can show; ``None`` = :func:`default_coverage_categories` (skipped with the reason when the
        project cannot compute them); ``()`` = none.
    coverage_params:
        ``CoverageParams``; ``None`` = the project's saved ones.
    categories:
        Facility categories to include (combined keys such as ``zaishi`` allowed); ``None`` = all.
    title:
        Title of the page; ``None`` = labels.VIEWER_TEXT["title"].
    """

    options: Sequence[str] | None = None
    coverage_categories: Sequence[str] | None = None
    coverage_params: Any = None
    categories: Sequence[str] | None = None
    title: str | None = None


def viewer_document(
    project: Project,
    spec: ViewerSpec | None = None,
    *,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> ViewerDocument:
    """Gather the page's data: every option (or ``spec.options``), coverage, facilities.

    Raises
    ------
    ExportError
        When the project has no option, or an option has no 圏域 with municipalities.
    """
    spec = spec or ViewerSpec()
    options, categories, coverage_params = spec.options, spec.categories, spec.coverage_params
    coverage_categories = spec.coverage_categories
    prog = Progress.of(progress, cancel)
    names = list(options) if options else [str(o["name"]) for o in list_options(project)]
    if not names:
        raise ExportError("the project has no 圏域 option", hint="圏域案を作成してから出力してください")
    prog.update(0.02, "データを読み込み中")
    cats = tuple(categories) if categories else None
    first = load_export_data(project, ExportRequest(names[0], categories=cats))
    munis_fc, codes = muni_part(first)
    facilities, fac_ids, strings = facility_part(first)
    asked = coverage_categories is not None
    cov_keys = (
        default_coverage_categories(first) if coverage_categories is None else list(coverage_categories)
    )
    coverages: list[Coverage] = []
    skipped: dict[str, str] = {}
    for key in cov_keys:
        prog.update(0.1, f"到達圏（{coverage_label(key)}）")
        try:
            cov = load_coverage(
                project, ExportRequest(names[0], coverage_category=key, coverage_params=coverage_params)
            )
        except ZaitakuError as exc:
            if asked:
                raise
            skipped[key] = str(exc)
            continue
        if cov is not None:
            coverages.append(cov)
    cov_parts = [coverage_part(c) for c in coverages]
    # shown at first: the people outside the first category's coverage; bands on demand (they hide
    # the 圏域 colours)
    if cov_parts:
        cov_parts[0]["show_gaps"] = True
    first_cov = coverages[0].category if coverages else None
    params = coverages[0].params if coverages else coverage_params
    entries = []
    evaluations: dict[str, OptionEvaluation] = {}
    for i, name in enumerate(names):
        prog.update(0.3 + 0.6 * i / len(names), f"圏域案: {name}")
        data = first if i == 0 else load_export_data(project, ExportRequest(name, categories=cats))
        evaluations[name] = evaluate_option(project, name, coverage_params=params)
        entries.append(
            option_entry(
                project,
                data,
                codes,
                fac_ids,
                coverage_category=first_cov,
                coverage_params=params,
                evaluation=evaluations[name],
            )
        )
    doc = {
        "meta": _meta(first, coverages, spec.title),
        "text": dict(VIEWER_TEXT),
        "style": STYLE,
        "strings": strings,
        "munis": munis_fc,
        "options": entries,
        "coverage": cov_parts,
        "facilities": facilities,
    }
    prog.update(0.95, "ページを作成中")
    return ViewerDocument(
        doc=doc,
        options=names,
        coverage=[c.category for c in coverages],
        municipalities=len(codes),
        facilities=len(fac_ids),
        coverage_skipped=skipped,
        muni_codes=codes,
        facility_ids=fac_ids,
        categories=cats,
        coverage_category=first_cov,
        coverage_params=params,
        evaluations=evaluations,
    )


# ---------------------------------------------------------------------------------------------- page


def _asset(name: str) -> str:
    path = resource_path("ui", "viewer", name)
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ExportError(
            f"viewer asset not found: {exc}",
            file=path,
            hint="インストールが不完全です。zaitaku-map を入れ直してください",
        ) from exc


def _inline(text: str, tag: str) -> str:
    """Text safe inside an inline ``<script>`` / ``<style>`` (a literal closing tag would end it)."""
    return re.sub(rf"</({tag})", r"<\\/\1", text, flags=re.IGNORECASE)


def subset_font(text: str) -> tuple[bytes, int]:
    """(WOFF of IPAexGothic reduced to the characters of ``text``, number of glyphs)."""
    from fontTools import subset

    opts = subset.Options()
    opts.flavor = "woff"  # zlib: no extra dependency (WOFF2 would need brotli)
    opts.layout_features = []  # horizontal text only: no vertical forms or alternates
    opts.hinting = False
    opts.name_IDs = [0, 1, 2, 3, 4, 6, 7]  # keep the copyright and licence-relevant names
    opts.name_languages = ["*"]
    opts.notdef_outline = True
    path = japanese_font_path()
    try:
        font = subset.load_font(str(path), opts)
    except OSError as exc:
        raise ExportError(
            f"cannot read the font: {exc}", file=path, hint="zaitaku-map を入れ直してください"
        ) from exc
    sub = subset.Subsetter(opts)
    sub.populate(text="".join(sorted(set(text) | set(EXTRA_CHARS))))
    sub.subset(font)
    buf = io.BytesIO()
    subset.save_font(font, buf, opts)
    return buf.getvalue(), len(font.getGlyphOrder())


def render_viewer(document: ViewerDocument) -> tuple[str, int, int]:
    """The page as text; returns (html, font bytes, glyphs)."""
    leaflet_js, leaflet_css = leaflet_assets()
    leaflet_js = re.sub(r"//# sourceMappingURL=\S+", "", leaflet_js)  # no map file to look for
    parts = {
        "CSP": CSP,
        "VERSION": html.escape(__version__),
        "TITLE": html.escape(str(document.doc["meta"]["title"])),
        "LEAFLET_CSS": leaflet_css,
        "VIEWER_CSS": _inline(_asset("viewer.css"), "style"),
        "LEAFLET_JS": leaflet_js,
        "OPTIONMAP_JS": _inline(_asset("optionmap.js"), "script"),
        "VIEWER_JS": _inline(_asset("viewer.js"), "script"),
        "DATA": document.to_json(),
        "FONT_CSS": "",
    }
    template = _asset("viewer.html")

    def fill(values: dict[str, str]) -> str:
        return re.sub(r"\{\{([A-Z_]+)\}\}", lambda m: values[m.group(1)], template)

    # the font holds exactly the characters of the page (data, labels, script texts)
    woff, glyphs = subset_font(fill(parts))
    b64 = base64.b64encode(woff).decode("ascii")
    parts["FONT_CSS"] = (
        f'@font-face {{ font-family: "{FONT_FAMILY}"; src: url(data:font/woff;base64,{b64}) format("woff"); '
        "font-display: block; }"
    )
    return fill(parts), len(woff), glyphs


def export_viewer(
    project: Project,
    path: str | Path,
    spec: ViewerSpec | None = None,
    *,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> ViewerReport:
    """Write the 委員配布用 viewer: every option (or ``spec.options``) in one offline HTML file.

    Raises
    ------
    ExportError
        When there is nothing to show or the file cannot be written.
    """
    t0 = time.perf_counter()
    prog = Progress.of(progress, cancel)
    path = Path(path)
    document = viewer_document(project, spec, progress=prog.step(0.8))
    prog.update(0.85, "HTML を書き出し中")
    page, font_bytes, glyphs = render_viewer(document)
    prog.check()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            tmp.write_text(page, encoding="utf-8", newline="\n")
    except OSError as exc:
        raise ExportError(f"cannot write HTML: {exc}", file=path, hint="保存先を確認してください") from exc
    prog.update(1.0, "完了", force=True)
    return ViewerReport(
        path=str(path),
        bytes=path.stat().st_size,
        font_bytes=font_bytes,
        glyphs=glyphs,
        options=document.options,
        coverage=document.coverage,
        municipalities=document.municipalities,
        facilities=document.facilities,
        seconds=round(time.perf_counter() - t0, 2),
        coverage_skipped=document.coverage_skipped,
    )
