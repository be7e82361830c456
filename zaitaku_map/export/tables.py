"""Resource lists and evaluation tables as CSV (UTF-8 with BOM, or CP932) and XLSX.

Cells are neutralised against spreadsheet formula injection (OWASP "CSV injection"): a text cell
starting with ``= + - @`` or a tab / carriage return is written with a leading apostrophe in CSV, and
as an explicit string cell in XLSX (so it is shown, never evaluated).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pandas as pd

from zaitaku_map.export.data import UNKNOWN_KEN, ExportData, load_export_data
from zaitaku_map.export.evaluation import evaluation_table
from zaitaku_map.export.output import output_file
from zaitaku_map.export.request import ExportRequest, ExportResult, Timer
from zaitaku_map.labels import CATEGORIES, EXPORT_COLUMNS, EXPORT_TEXT, category_label
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback
from zaitaku_map.store import Project

DANGEROUS_PREFIX = ("=", "+", "-", "@", "\t", "\r")
LIST_COLUMNS = [
    "ken_key",
    "ken_name",
    "category",
    "id",
    "name",
    "address",
    "muni_name",
    "phone",
    "subtype",
    "roles",
    "functions",
    "precision",
    "source",
    "reference_date",
    "lon",
    "lat",
]


def neutralise(value: Any) -> Any:
    """Return ``value`` safe for a CSV cell (text starting with a formula character gets a ``'``)."""
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIX):
        return "'" + value
    return value


def fill_sheet(ws: Any, header: list[Any], body: list[Any]) -> int:
    """Write a bold, shaded header row and the body rows to the openpyxl worksheet ``ws`` (NaN and
    None as empty cells); text starting with a formula character is stored as literal text, never
    evaluated.  Returns the number of cells so neutralised."""
    from openpyxl.styles import Font, PatternFill

    head_fill = PatternFill("solid", fgColor="DDE6F0")
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = head_fill
    for r in body:
        ws.append([None if v is None or (isinstance(v, float) and v != v) else v for v in r])
    neutralised = 0
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(DANGEROUS_PREFIX):
                cell.data_type = "s"  # a literal string: shown as typed, never evaluated
                cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
                neutralised += 1
    return neutralised


def resource_rows(data: ExportData) -> pd.DataFrame:
    """Resource list: one row per facility and 圏域, ordered by 圏域, category, municipality (code
    order) and 五十音 (the source's フリガナ where present).

    Facilities located outside every 圏域 of the option are left out (they belong to no list);
    facilities whose 圏域 cannot be determined (neither position nor municipality known) come last
    with an empty 圏域 code and the 圏域 name 「圏域不明」, so nothing is silently lost.  Facilities
    without a position have empty coordinates and the precision 「位置未確定」.
    """
    fac = data.facilities[data.facilities["ken_key"].notna() | data.facilities["ken_unknown"]].copy()
    fac["ken_key"] = fac["ken_key"].fillna(UNKNOWN_KEN)
    ken_pos = {k: i for i, k in enumerate(data.ken_order)}
    ken_pos[UNKNOWN_KEN] = len(ken_pos)
    cat_pos = {k: i for i, k in enumerate(CATEGORIES)}
    fac["_k"] = fac["ken_key"].map(ken_pos)
    fac["_c"] = fac["category"].map(lambda c: cat_pos.get(c, len(cat_pos)))
    fac = fac.sort_values(["_k", "_c", "muni_order", "kana_key", "id"], kind="stable")
    names = data.ken_names()
    fac["ken_name"] = fac["ken_key"].map(lambda k: data.ken_name(k, names))
    fac["category"] = fac["category_label"]
    fac.loc[~fac["placed"], "precision"] = EXPORT_TEXT["unplaced"]
    fac["lon"] = fac["lon"].round(6)
    fac["lat"] = fac["lat"].round(6)
    return fac[LIST_COLUMNS].reset_index(drop=True)


def scenario_rows(data: ExportData) -> tuple[list[str], list[list[Any]]]:
    """The request's scenario as a table apart from the resource list: one row per hypothetical
    facility (「仮想施設（シナリオ・実在しない）」) and per changed real facility; empty without one."""
    sc = data.scenario
    header = EXPORT_TEXT["scenario_columns"].split("|")
    if sc is None:
        return header, []
    munis = dict(zip(data.munis["code"], data.munis["full_name"], strict=False))
    rows: list[list[Any]] = []
    for _i, r in sc.sites.iterrows():
        rows.append(
            [
                EXPORT_TEXT["scenario_site"],
                str(r["label"]),
                category_label(str(r["category"])),
                munis.get(r["muni_code"], "") if isinstance(r["muni_code"], str) else "",
                round(float(r.geometry.x), 6),
                round(float(r.geometry.y), 6),
            ]
        )
    ken_muni = data.facilities.set_index("id")["muni_name"] if len(data.facilities) else {}
    for _i, r in sc.changed.iterrows():
        kind = str(r["change"])
        what = (
            category_label(str(r["gains"]))
            if kind == "gains" and r["gains"]
            else category_label(str(r["category"]))
        )
        rows.append(
            [
                EXPORT_TEXT.get(f"scenario_{kind}", kind),
                str(r["name"]),
                what,
                str(ken_muni.get(int(r["id"]), "")) if len(ken_muni) else "",
                round(float(r.geometry.x), 6),
                round(float(r.geometry.y), 6),
            ]
        )
    return header, rows


def _headings(cols: list[str]) -> list[str]:
    return [EXPORT_COLUMNS.get(c, c) for c in cols]


def _eval_frame(project: Project, data: ExportData) -> tuple[list[str], list[list[str]]]:
    table, heads, _ev = evaluation_table(project, data)
    cols = [c for c in heads if c in table.columns]
    body = [[raw_cell(c, r[c]) for c in cols] for _, r in table.iterrows()]
    return [heads[c] for c in cols], body


def raw_cell(key: str, value: Any) -> Any:
    """Spreadsheet value of an evaluation cell: numbers stay numbers (rounded), NaN becomes empty."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if key.startswith(("pop_", "pop75_")):
        return round(float(value))
    if key.startswith("zaishi_per"):
        return round(float(value), 2)
    if key == "coverage_share":
        return round(float(value), 4)
    if key == "demand_peak":
        return int(value)
    if key.startswith("demand_"):  # 件/月 to 2 decimals (a file's 1400.75 kept), not float noise
        return round(float(value), 2)
    if hasattr(value, "item"):
        return value.item()
    return value


def _write_csv(path: Path, header: list[str], rows: list[list[Any]], encoding: str) -> int:
    """Write atomically; return the number of characters replaced because ``encoding`` lacks them."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([neutralise(h) for h in header])
    for r in rows:
        w.writerow(["" if v is None or (isinstance(v, float) and v != v) else neutralise(v) for v in r])
    text = buf.getvalue()
    replaced = 0
    if encoding.lower().replace("-", "").replace("_", "") in ("cp932", "shiftjis", "sjis", "mskanji"):
        out = []
        for ch in text:
            try:
                ch.encode("cp932")
                out.append(ch)
            except UnicodeEncodeError:
                out.append("?")
                replaced += 1
        text = "".join(out)
    with output_file(path, what="CSV") as tmp, open(tmp, "w", encoding=encoding, newline="") as fh:
        fh.write(text)
    return replaced


def export_csv(
    project: Project,
    request: ExportRequest,
    path: str | Path,
    *,
    encoding: str = "utf-8-sig",
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Write the option's resource list to ``path`` and its evaluation table next to it.

    The evaluation table goes to ``<stem>_評価表.csv``.  ``encoding="cp932"`` writes Shift_JIS for
    old Excel versions; characters it lacks become ``?`` and are counted in ``details["replaced_chars"]``.
    """
    timer = Timer()
    prog = Progress.of(progress, cancel)
    path = Path(path)
    data = load_export_data(project, request)
    prog.update(0.3, "CSV")
    rows = resource_rows(data)
    ev_head, ev_rows = _eval_frame(project, data)
    eval_path = path.with_name(f"{path.stem}_評価表{path.suffix or '.csv'}")
    prog.check()
    replaced = _write_csv(path, _headings(list(rows.columns)), rows.values.tolist(), encoding)
    try:
        replaced += _write_csv(eval_path, ev_head, ev_rows, encoding)
    except BaseException:
        path.unlink(missing_ok=True)  # both files or neither
        raise
    prog.update(1.0, "CSV", force=True)
    return ExportResult(
        kind="csv",
        path=str(path),
        seconds=timer.seconds(),
        counts=_counts(data, rows, len(ev_rows)),
        details={"encoding": encoding, "replaced_chars": replaced, "evaluation_path": str(eval_path)},
        files=[str(eval_path)],
    )


def _counts(data: ExportData, rows: pd.DataFrame, n_eval: int) -> dict[str, Any]:
    return {
        "rows": len(rows),
        "kens": len(data.kens),
        "evaluation_rows": n_eval,
        "unplaced": int((rows["lon"].isna()).sum()),
    }


def export_xlsx(
    project: Project,
    request: ExportRequest,
    path: str | Path,
    *,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Write an XLSX with sheets 資源リスト, 評価表 and 出典 (sources and attributions)."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    timer = Timer()
    prog = Progress.of(progress, cancel)
    path = Path(path)
    data = load_export_data(project, request)
    rows = resource_rows(data)
    ev_head, ev_rows = _eval_frame(project, data)
    prog.update(0.4, "XLSX")
    wb = Workbook()
    about = [["圏域案", data.option_name], ["作成日", data.created], ["プロジェクト", data.project_name]]
    if data.scenario is not None:
        about += [[EXPORT_TEXT["scenario"], data.scenario.name]]
        about += [["注意", EXPORT_TEXT["scenario_note"].format(name=data.scenario.name)]]
    if data.year is not None:
        about += [[EXPORT_TEXT["year"], EXPORT_TEXT["year_value"].format(year=data.year.year)]]
        about += [["将来の需要", line] for line in (data.year.method, *data.year.citations)]
    sheets = [
        ("資源リスト", _headings(list(rows.columns)), rows.values.tolist()),
        ("評価表", ev_head, ev_rows),
        (
            "出典",
            ["項目", "内容"],
            about
            + [["出典", s] for s in data.source_lines()]
            + [["出典表記", a] for a in data.attributions()]
            + ([["注意", "デモデータ（架空のデータです）"]] if data.is_demo else []),
        ),
    ]
    if data.scenario is not None:  # a sheet of its own: never rows of the resource list
        sheets.insert(2, (EXPORT_TEXT["scenario"], *scenario_rows(data)))
    injected = 0
    for i, (title, header, body) in enumerate(sheets):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = title
        injected += fill_sheet(ws, header, body)
        ws.freeze_panes = "A2"
        if body and title in ("資源リスト", "評価表"):
            ws.auto_filter.ref = ws.dimensions
        for j, h in enumerate(header, start=1):
            width = max([len(str(h))] + [len(str(r[j - 1])) for r in body[:200] if j - 1 < len(r)])
            ws.column_dimensions[get_column_letter(j)].width = min(max(8, width * 1.8), 60)
    prog.check()
    with output_file(path, what="XLSX") as tmp:
        wb.save(tmp)
    prog.update(1.0, "XLSX", force=True)
    return ExportResult(
        kind="xlsx",
        path=str(path),
        seconds=timer.seconds(),
        counts=_counts(data, rows, len(ev_rows)),
        details={"sheets": [s[0] for s in sheets], "neutralised_cells": injected},
    )
