"""Resource-list PDF of one option (ReportLab platypus).

Cover page with sources, attribution and a table of contents; the option's evaluation table; then
per 圏域 and per category a table of facilities (name, address, subtype, roles, functions, position
precision, source and reference date).  Every page has a header (title, option, demo banner) and a
footer (version, date, page X / Y).  Each facility of a 圏域 appears exactly once under its category.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, PageBreak, Spacer

from zaitaku_map.export.charts import evaluation_chart, figure_image
from zaitaku_map.export.data import UNKNOWN_KEN, ExportData, load_export_data
from zaitaku_map.export.evaluation import evaluation_table, format_cell, option_notes
from zaitaku_map.export.request import ExportRequest, ExportResult, Timer
from zaitaku_map.export.rldoc import build_pdf, data_table, page_size, para, toc
from zaitaku_map.export.tables import resource_rows
from zaitaku_map.labels import CATEGORIES, CORE_CATEGORIES, EXPORT_COLUMNS, EXPORT_TEXT, ROLES
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback
from zaitaku_map.store import Project, queries

# columns of the printed resource list: (field, heading key, wraps)
LIST_COLUMNS_PDF: list[tuple[str, str, bool]] = [
    ("no", "row", False),
    ("name", "name", True),
    ("address", "address", True),
    ("muni_name", "muni_name", True),
    ("phone", "phone", False),
    ("subtype", "subtype", True),
    ("roles", "roles", True),
    ("functions", "functions", False),
    ("source", "source", True),
]
LIST_FONT_SIZE = 9.0
# the widest a wrapping column may ask for before it wraps (points)
_WRAP_MIN = 60.0
_WRAP_CAP = {
    "name": 190.0,
    "address": 210.0,
    "muni_name": 90.0,
    "subtype": 120.0,  # 「認知症対応型共同生活介護」 on one line
    "roles": 70.0,
    "source": 140.0,  # 「介護サービス公表 2025-10-01」 on one line
}


def list_cells(part: pd.DataFrame, fac: pd.DataFrame) -> tuple[list[str], list[list[str]], bool]:
    """(fields, rows, any approximate) of one category table: numbered rows, the ※ mark before the
    name of an approximate position, 「位置未確定」 after the municipality of an unplaced facility; the
    役割 column only when a facility in the table has a role."""
    flags = fac.loc[part["id"], ["approximate", "placed"]]
    fields = [f for f, _h, _w in LIST_COLUMNS_PDF if f != "roles" or (part["roles"] != "").any()]
    rows = []
    for i, (r, (approx, placed)) in enumerate(
        zip(part.itertuples(index=False), flags.itertuples(index=False), strict=True), start=1
    ):
        cells = {
            "no": str(i),
            "name": (EXPORT_TEXT["approximate_mark"] if approx else "") + str(r.name),
            "address": str(r.address),
            "muni_name": str(r.muni_name) + ("" if placed else f"（{EXPORT_TEXT['unplaced']}）"),
            "phone": str(r.phone),
            "subtype": str(r.subtype),
            "roles": str(r.roles),
            "functions": str(r.functions),
            "source": " ".join(x for x in (str(r.source), str(r.reference_date)) if x),
        }
        rows.append([cells[f] for f in fields])
    return fields, rows, bool(flags["approximate"].any())


def list_widths(fields: list[str], header: list[str], rows: list[list[str]], width: float) -> list[float]:
    """Column widths sized to their content: numbers, phones and functions never wrap; the text
    columns get their natural width up to a cap, then share what is left (or give back what is
    missing) in proportion."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from zaitaku_map.export.fonts import setup_reportlab

    font = setup_reportlab()
    pad = 6.0
    natural = []
    for j, f in enumerate(fields):
        texts = [header[j]] + [r[j] for r in rows[:400]]
        w = max(stringWidth(t, font, LIST_FONT_SIZE) for t in texts) + pad
        natural.append(min(w, _WRAP_CAP.get(f, w)))
    out = list(natural)
    deficit = sum(out) - width
    # too wide: wrap the source, 区分, address … first (down to a minimum), the name last
    for f in ("source", "subtype", "address", "roles", "muni_name", "name"):
        if deficit <= 0:
            break
        if f in fields:
            j = fields.index(f)
            give = min(deficit, max(out[j] - _WRAP_MIN, 0.0))
            out[j] -= give
            deficit -= give
    flex = [j for j, f in enumerate(fields) if f in _WRAP_CAP]
    if deficit > 0 or deficit < 0:  # still too wide: shrink all text columns; room left: to name and address
        grow = [j for j in flex if fields[j] in ("name", "address")] if deficit < 0 else flex
        total = sum(out[j] for j in grow) or 1.0
        for j in grow:
            out[j] -= deficit * out[j] / total
    return out


def category_table(part: pd.DataFrame, fac: pd.DataFrame, width: float) -> list[Any]:
    """The numbered table of one category in one 圏域 (9 pt, columns sized to content, headers
    repeated on every page) and the note on ※ when an approximate position is listed."""
    fields, rows, approx = list_cells(part, fac)
    heads = {f: EXPORT_COLUMNS[h] for f, h, _w in LIST_COLUMNS_PDF}
    header = [heads[f] for f in fields]
    widths = list_widths(fields, header, rows, width)
    right = [fields.index("no")]
    out: list[Any] = [data_table(header, rows, widths, align_right=right, size=LIST_FONT_SIZE)]
    if approx:
        out.append(para(EXPORT_TEXT["approximate_note"], "note"))
    return out


def cover_story(data: ExportData, title: str, *, extra_notes: Sequence[str] = ()) -> list[Any]:
    """Title block, demo notice, option notes, sources and attribution."""
    story: list[Any] = [
        para(title, "title"),
        para(f"{EXPORT_TEXT['option']}: {data.title_name}", "subtitle"),
        para(f"{EXPORT_TEXT['created']}: {data.created}　　プロジェクト: {data.project_name}", "note"),
    ]
    if data.is_demo:
        story += [Spacer(1, 3 * mm), para(EXPORT_TEXT["demo_banner"], "demo")]
    meta = data.option_meta
    for key, label in (("plan_period", "計画期間"), ("author", "作成者"), ("notes", "メモ")):
        if meta.get(key):
            story.append(para(f"{label}: {meta[key]}", "note"))
    story += [Spacer(1, 4 * mm), para(EXPORT_TEXT["sources"], "subtitle")]
    story += [para(s, "note") for s in data.source_lines() or ["（なし）"]]
    attr = data.attributions()
    if attr:
        story += [Spacer(1, 2 * mm), para(EXPORT_TEXT["attribution"], "subtitle")]
        story += [para(a, "note") for a in attr]
    if extra_notes:
        story.append(Spacer(1, 3 * mm))
    for n in extra_notes:
        story.append(para(n, "note"))
    return story


def evaluation_story(
    project: Project, data: ExportData, width: float, *, ev: dict[str, Any] | None = None
) -> list[Any]:
    """The option's evaluation as two tables (population and counts; roles, functions, coverage, warnings)."""
    table, heads, ev = evaluation_table(project, data, ev=ev)
    story: list[Any] = [para(f"{EXPORT_TEXT['eval_title']}（{data.title_name}）", "h1")]
    if table.empty:
        return [*story, para(EXPORT_TEXT["no_facilities"], "note")]
    first = ["ken_name", "n_units", "pop_total", "pop_75"] + [
        c for c in heads if c.startswith("n_") and c != "n_units"
    ]
    first += ["zaishi_per_100k", "zaishi_per_1000_75"]
    second = ["ken_name", "active_role", "hub", "f1", "f2", "f3", "f4"]
    second += (["coverage_share"] if "coverage_share" in heads else []) + ["warnings"]
    for cols, wide in ((first, None), (second, "warnings")):
        weights = [3.0 if c == "ken_name" else 2.4 if c.startswith(("pop", "zaishi")) else 1.5 for c in cols]
        if wide:
            weights = [
                3.0 if c == "ken_name" else 4.0 if c == "hub" else 12.0 if c == wide else 1.6 for c in cols
            ]
        total = sum(weights)
        widths = [width * w / total for w in weights]
        rows = [[format_cell(c, r[c]) for c in cols] for _, r in table.iterrows()]
        right = [i for i, c in enumerate(cols) if c not in ("ken_name", "hub", "warnings")]
        story += [
            data_table([heads[c] for c in cols], rows, widths, small=len(cols) > 14, align_right=right),
            Spacer(1, 4 * mm),
        ]
    colors = dict(zip(data.kens["ken_key"], data.kens["color"], strict=True))
    chart = evaluation_chart(
        table, ev, colors, coverage_category=data.request.coverage_category, width_in=width * 0.8 / 72
    )
    if chart is not None:
        story += [
            CondPageBreak(chart.get_size_inches()[1] * 72 + 10),
            figure_image(chart, width * 0.8),
            Spacer(1, 3 * mm),
        ]
    story += [para(n, "note") for n in option_notes(ev)]
    return story + scenario_story(data, width)


def scenario_story(data: ExportData, width: float) -> list[Any]:
    """The scenario's hypothetical facilities and edits, as a table of their own (never in the
    resource list); nothing without a scenario."""
    from zaitaku_map.export.tables import scenario_rows

    if data.scenario is None:
        return []
    header, rows = scenario_rows(data)
    story: list[Any] = [
        Spacer(1, 4 * mm),
        para(EXPORT_TEXT["scenario_list_title"].format(name=data.scenario.name), "h2"),
        para(EXPORT_TEXT["scenario_note"].format(name=data.scenario.name), "note"),
    ]
    if rows:
        cells = [[str(v) if not isinstance(v, float) else f"{v:.5f}" for v in r] for r in rows]
        weights = [2.4, 3.2, 1.6, 1.6, 1.0, 1.0]
        widths = [width * w / sum(weights) for w in weights]
        story.append(data_table(header, cells, widths, align_right=[4, 5]))
    return story


def resource_story(
    data: ExportData,
    width: float,
    *,
    categories: list[str] | None = None,
    progress: Progress | None = None,
    not_loaded: frozenset[str] | set[str] = frozenset(),
    break_first: bool = True,
) -> tuple[list[Any], dict[str, dict[str, int]]]:
    """Per 圏域 and category: a heading and a facility table.  Returns (story, counts per ken/category).

    ``not_loaded``: categories never imported; they are not listed as 「該当する施設がない」.
    Each 圏域 starts a new page (the first one too unless ``break_first`` is false).
    """
    rows = resource_rows(data)
    fac = data.facilities.set_index("id")
    story: list[Any] = []
    counts: dict[str, dict[str, int]] = {}
    keys = list(data.ken_order) + ([UNKNOWN_KEN] if (rows["ken_key"] == UNKNOWN_KEN).any() else [])
    items = progress.iterate(keys, message="資源リスト") if progress is not None else keys
    for i, key in enumerate(items, start=1):
        if i > 1 or break_first:
            story.append(PageBreak())
        if key == UNKNOWN_KEN:
            story += [
                para(EXPORT_TEXT["unknown_ken"], "h1"),
                para(
                    "住所から位置も市区町村も特定できなかった施設です。位置を確認・修正すると該当する圏域に入ります。",
                    "note",
                ),
                Spacer(1, 2 * mm),
            ]
        else:
            ken = data.kens[data.kens["ken_key"] == key].iloc[0]
            story += [
                para(f"{i}. {ken['name']}", "h1"),
                para(f"{EXPORT_COLUMNS['units']}: {ken['units'] or '－'}", "note"),
            ]
            active = data.facilities[(data.facilities["ken_key"] == key) & data.facilities["active_role"]][
                "name"
            ]
            hubs = [h["name"] for h in data.hubs if h["ken_key"] == key]
            story += [
                para(f"{ROLES['active_role']}: {'・'.join(active) or '（未設定）'}", "note"),
                para(f"{ROLES['hub']}: {'・'.join(hubs) or '（未設定）'}", "note"),
                Spacer(1, 2 * mm),
            ]
        sub = rows[rows["ken_key"] == key]
        kcounts: dict[str, int] = {}
        sub_cat = sub["id"].map(fac["category"])
        present = set(sub_cat)
        cats_here = [c for c in CATEGORIES if c in present] + sorted(present - set(CATEGORIES))
        if categories:
            cats_here = [c for c in cats_here if c in categories]
        for cat in cats_here:
            part = sub[(sub_cat == cat).to_numpy()]
            kcounts[cat] = len(part)
            label = CATEGORIES[cat].label if cat in CATEGORIES else cat
            story += [
                CondPageBreak(30 * mm),
                para(f"{label}（{len(part)}件）", "h2"),
                *category_table(part, fac, width),
            ]
        missing = [
            CATEGORIES[c].short
            for c in CORE_CATEGORIES
            if c not in kcounts and c not in not_loaded and (not categories or c in categories)
        ]
        if missing and key != UNKNOWN_KEN:
            story += [Spacer(1, 2 * mm), para(f"該当する施設がない種別: {'・'.join(missing)}", "note")]
        counts[key] = kcounts
    return story, counts


def export_list_pdf(
    project: Project,
    request: ExportRequest,
    path: str | Path,
    *,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Write the resource-list PDF of ``request.option``.

    Returns
    -------
    ExportResult
        ``counts``: kens, rows, facilities outside the option, per_ken {ken_key: {category: n}}.
    """
    timer = Timer()
    prog = Progress.of(progress, cancel)
    path = Path(path)
    data = load_export_data(project, request)
    size = page_size(request.paper, request.landscape)
    width = size[0] - 24 * mm
    counts: dict[str, dict[str, int]] = {}
    outside = int((data.facilities["ken_key"].isna() & ~data.facilities["ken_unknown"]).sum())
    notes = [f"この案の圏域外にある施設 {outside} 件はリストに含めていません。"] if outside else []
    if data.scenario is not None:
        notes.append(EXPORT_TEXT["scenario_note"].format(name=data.scenario.name))
    loaded = queries.loaded_categories(project)
    not_loaded = {c for c in CORE_CATEGORIES if c not in loaded}
    if not_loaded:
        notes.append(
            f"{EXPORT_TEXT['not_loaded']}: "
            + "・".join(CATEGORIES[c].label for c in CORE_CATEGORIES if c in not_loaded)
        )
    ev_prog = prog.step(0.2)
    wanted = request.category_set

    def story() -> list[Any]:
        s = cover_story(data, EXPORT_TEXT["list_title"], extra_notes=notes)
        s += [Spacer(1, 6 * mm), para(EXPORT_TEXT["toc"], "subtitle"), toc(), PageBreak()]
        ev_prog.update(0.5, "評価表")
        s += evaluation_story(project, data, width)
        body, c = resource_story(
            data,
            width,
            categories=sorted(wanted) if wanted else None,
            progress=prog.step(0.5),
            not_loaded=not_loaded,
        )
        counts.update(c)
        return s + body

    header = f"{EXPORT_TEXT['list_title']}　{EXPORT_TEXT['option']}: {data.title_name}"
    footer = EXPORT_TEXT["footer"].format(version=data.version, date=data.created)
    pages = build_pdf(
        path,
        story,
        header=header,
        footer=footer,
        is_demo=data.is_demo,
        pagesize=size,
        title=header,
        with_toc=True,
    )
    prog.update(1.0, "完了", force=True)
    return ExportResult(
        kind="list_pdf",
        path=str(path),
        pages=pages,
        seconds=timer.seconds(),
        counts={
            "kens": len(data.kens),
            "rows": sum(sum(v.values()) for v in counts.values()),
            "facilities_outside": outside,
            "per_ken": counts,
        },
        details={"paper": request.paper, "landscape": request.landscape},
    )
