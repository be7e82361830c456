"""Public entry points: :func:`import_files`, :func:`preview_file` (GUI wizard)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from zaitaku_map.errors import Cancelled, InputDataError, ZaitakuError
from zaitaku_map.importers import iryojoho, kaigo, kouseikyoku
from zaitaku_map.importers.detect import FORMATS, Unit, inspect_file
from zaitaku_map.importers.matching import attach_role_designations, link_sources
from zaitaku_map.importers.register import Registrar
from zaitaku_map.importers.report import ImportReport, ParsedFile
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback
from zaitaku_map.refdate import parse_date
from zaitaku_map.store.project import Project
from zaitaku_map.tabular import Source, read_csv_table, read_xlsx_tables


def _check_date(value: str | None) -> str | None:
    if value is None:
        return None
    d = parse_date(value)
    if d is None:
        raise InputDataError(
            "reference date not understood", value=value, expected="YYYY-MM-DD または 令和7年10月1日"
        )
    return d


def parse_unit(
    project: Project,
    unit: Unit,
    *,
    fmt: str,
    category: str | None,
    mapping: dict[str, Any] | None,
    reference_date: str | None,
) -> list[Iterator[ParsedFile]]:
    """Read one unit with the parser of ``fmt``: one stream of parsed chunks per file or sheet.

    CSV lists (医療情報ネット, 介護, tables) are read in chunks of
    :attr:`~zaitaku_map.settings.Limits.chunk_rows` rows, so a file of a million rows never sits in
    memory whole; a 名簿 workbook and a GIS layer are one chunk.
    """
    prefs = project.study_prefectures or None
    path = str(unit.path)
    if fmt == "kouseikyoku":
        return [iter([kouseikyoku.parse(unit.path, study_prefs=prefs, reference_date=reference_date)])]
    if fmt in ("iryojoho", "kaigo"):
        source: Source = (unit.path, unit.member) if unit.member else unit.path
        name = Path(unit.member).name if unit.member else unit.path.name
        mod = iryojoho if fmt == "iryojoho" else kaigo
        return [mod.parse_stream(source, name, path=path, study_prefs=prefs, reference_date=reference_date)]
    if fmt == "table":
        from zaitaku_map.importers import table

        return table.parse_streams(
            project, unit, category=category, mapping=mapping, reference_date=reference_date
        )
    if fmt == "gis":
        from zaitaku_map.importers import gis

        return [
            iter(
                [
                    gis.parse(
                        project, unit.path, category=category, mapping=mapping, reference_date=reference_date
                    )
                ]
            )
        ]
    raise InputDataError(f"unknown format {fmt!r}", expected="auto|" + "|".join(FORMATS))


def import_files(
    project: Project,
    paths: list[str | Path] | tuple[str | Path, ...],
    *,
    format: str = "auto",
    category: str | None = None,
    mapping: dict[str, Any] | None = None,
    reference_date: str | None = None,
    on_error: str = "raise",
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> list[ImportReport]:
    """Import facility lists into the project; one file (zip member) = one transaction.

    Parameters
    ----------
    format:
        ``auto`` (detected from the header cells) or one of :data:`FORMATS`.
    category:
        Category key for generic tables / GIS layers without a category column.
    mapping:
        Column mapping for tables/GIS (``{"name": "施設名", "address": "所在地", ...}``);
        overrides the guessed or saved mapping.
    reference_date:
        The date the list is "as of" when the file does not say it (ISO or 和暦).
    on_error:
        ``raise`` (default): the first unusable file raises (files before it stay imported, each
        in its own transaction).  ``report``: the failing file gets a report with ``error`` set
        and the batch goes on (cancel still stops everything).
    """
    if format != "auto" and format not in FORMATS:
        raise InputDataError(f"unknown format {format!r}", expected="auto|" + "|".join(FORMATS))
    if category is not None:
        from zaitaku_map.labels import CATEGORIES

        if category not in CATEGORIES:
            raise InputDataError(f"unknown category {category!r}", expected="|".join(CATEGORIES))
    if isinstance(paths, str | Path):
        paths = [paths]
    ref = _check_date(reference_date)
    prog = Progress.of(progress, cancel)
    units: list[Unit | ImportReport] = []
    for p in paths:
        try:
            units.extend(inspect_file(p))
        except ZaitakuError as err:
            if on_error != "report":
                raise
            units.append(ImportReport(file=Path(p).name, format="unknown", error=err.to_dict()))
    reports: list[ImportReport] = []
    for unit in units:
        step = prog.step(1.0 / max(len(units), 1))
        if isinstance(unit, ImportReport):
            reports.append(unit)
            continue
        fmt = unit.format if format == "auto" else format
        step.update(0, f"読込: {unit.member or unit.path.name}")
        try:
            streams = parse_unit(
                project, unit, fmt=fmt, category=category, mapping=mapping, reference_date=ref
            )
            step.update(0.1, f"登録: {unit.member or unit.path.name}")
            for stream in streams:
                step.check()
                reports.append(_store(project, stream, progress=step.step(0.9 / len(streams))))
        except Cancelled:
            raise
        except ZaitakuError as err:
            if on_error != "report":
                raise
            name = unit.path.name + (f":{unit.member}" if unit.member else "")
            reports.append(ImportReport(file=name, format=fmt, error=err.to_dict()))
    prog.update(prog.total, "完了", force=True)
    return reports


def _log_rejected(project: Project, pf: ParsedFile, source_id: int) -> None:
    for r in pf.rejected:
        project.log_row(
            source_id=source_id,
            reason=r.reason,
            file_name=pf.file_name,
            sheet=r.sheet,
            row=r.row,
            column=r.column,
            value=r.value,
            raw=r.raw,
            severity=r.severity,
        )


def _store(project: Project, stream: Iterator[ParsedFile], *, progress: Progress) -> ImportReport:
    """Register the chunks of one file in one transaction: the source, its rejected rows, the records."""
    with project.transaction():
        first = next(stream)
        source_id = project.add_source(
            kind="facilities",
            format=first.format,
            path=first.path,
            file_name=first.file_name,
            reference_date=first.reference_date,
            sheet=first.sheet,
        )
        if first.mapping is not None:
            from zaitaku_map.importers.table import save_mapping

            save_mapping(project, *first.mapping)
        reg = Registrar(project, first, source_id=source_id)
        progress.update(0.1, "既存データと照合", force=True)
        rejected: Counter[str] = Counter()
        warnings = 0
        role_only: list[dict[str, Any]] = []
        for n, pf in enumerate(itertools.chain([first], stream), start=1):
            progress.update(0.8 - 0.7 * 0.5**n, f"登録: {reg.rep.rows_read + pf.rows_read:,} 行")
            _log_rejected(project, pf, source_id)
            rejected.update(r.reason for r in pf.rejected if r.severity == "rejected")
            warnings += sum(1 for r in pf.rejected if r.severity != "rejected")
            role_only += pf.role_only
            reg.add(pf)
        rejected.update(r.reason for r in reg.rejected)  # duplicates found across chunks
        progress.update(0.85, "変更を反映", force=True)
        rep = reg.finish()
        _link(project, first, rep, source_id=source_id, scope=reg.scope, role_only=role_only)
        rep.rejected = sum(rejected.values())
        rep.rejected_reasons = dict(rejected)
        rep.warnings = warnings + len(rep.ambiguous) + len(rep.unmatched)
        if first.format in ("kouseikyoku", "iryojoho") and rep.matched_across_sources:
            rep.notes.append(f"{rep.matched_across_sources} 件を他の一覧の同一施設と結び付けました。")
        summary = {**rep.to_dict(), "header": [str(c) for c in first.raw.columns]}
        if role_only:
            summary["role_only"] = role_only
        project.conn.execute(
            "UPDATE sources SET summary_json=?, rows_read=?, rows_rejected=? WHERE id=?",
            (json.dumps(summary, ensure_ascii=False, default=str), rep.rows_read, rep.rejected, source_id),
        )
        project.refresh_extent("facilities")
        progress.update(1.0, "完了", force=True)
    return rep


def _link(
    project: Project,
    first: ParsedFile,
    rep: ImportReport,
    *,
    source_id: int,
    scope: set[str],
    role_only: list[dict[str, Any]],
) -> None:
    """Link the same institutions across 名簿 and 医療情報ネット, and attach role-only 届出."""
    other = {"kouseikyoku": "iryojoho", "iryojoho": "kouseikyoku"}.get(first.format)
    if other and project.conn.execute("SELECT 1 FROM sources WHERE format=? LIMIT 1", (other,)).fetchone():
        link_sources(
            project, prefs=(scope - {"*"}) or None, source_id=source_id, file_name=first.file_name, rep=rep
        )
    if first.family == "iryojoho:hospital" and other and not role_only:
        role_only = _stored_role_only(project, scope)
    if role_only:
        attach_role_designations(project, role_only, source_id=source_id, rep=rep)


def _stored_role_only(project: Project, prefs: set[str]) -> list[dict[str, Any]]:
    """Role-only 届出 (在宅療養後方支援病院 …) kept from the latest 名簿 imports of these prefectures."""
    latest: dict[str, list[dict[str, Any]]] = {}
    for (summary,) in project.conn.execute(
        "SELECT summary_json FROM sources WHERE format='kouseikyoku' AND summary_json LIKE '%role_only%' "
        "ORDER BY id"
    ):
        items = json.loads(summary).get("role_only") or []
        fresh: dict[str, list[dict[str, Any]]] = {}
        for it in items:
            if not prefs or it.get("pref_code") in prefs:
                fresh.setdefault(it["record_key"], []).append(it)
        latest.update(fresh)  # a later 名簿 replaces the 届出 of the same institution
    return [it for items in latest.values() for it in items]


def preview_file(path: str | Path, rows: int = 20, *, project: Project | None = None) -> dict[str, Any]:
    """What the GUI import wizard shows before importing: format, header, first rows, guessed mapping.

    With ``project`` the mapping saved for the same header (a previous import of this source) is
    returned instead of the guess (``mapping_origin``: ``saved`` | ``guessed``).
    """
    from zaitaku_map.importers import table

    units = inspect_file(path)
    u = units[0]
    out: dict[str, Any] = {
        "file": str(path),
        "format": u.format,
        "members": [x.member for x in units if x.member],
        "header": [],
        "rows": [],
        "mapping": {},
        "reference_date": None,
        "checked_at": dt.datetime.now().isoformat(timespec="seconds"),
    }
    if u.kind == "gis":
        from zaitaku_map.importers import gis

        out.update(gis.preview(u.path, rows=rows))
        out["mapping_origin"] = "guessed"
        if project is not None:
            saved = table.saved_mapping(project, [*out["header"], gis.LON_COL, gis.LAT_COL])
            if saved:
                out["mapping"] = {k: v for k, v in saved[0].items() if not str(v).startswith("__")}
                out["mapping_origin"] = "saved"
        return out
    if u.format == "kouseikyoku":
        t = read_xlsx_tables(u.path, header_keys=kouseikyoku.HEADER_KEYS, nrows=rows)[0]
    elif u.format in ("iryojoho", "kaigo"):
        keys = iryojoho.HEADER_KEYS if u.format == "iryojoho" else kaigo.HEADER_KEYS
        source = (u.path, u.member) if u.member else u.path
        t = read_csv_table(source, name=Path(u.member or u.path.name).name, header_keys=keys, nrows=rows)
    else:
        t = table.read_unit_tables(u, nrows=rows)[0]
    out["header"] = t.header
    out["rows"] = t.frame.head(rows).values.tolist()
    out["sheet"] = t.sheet
    out["encoding"] = t.encoding
    out["mapping"] = table.guess_mapping(t.header)
    out["mapping_origin"] = "guessed"
    if project is not None and u.format == "table":
        saved = table.saved_mapping(project, t.header)
        if saved:
            out["mapping"], out["mapping_origin"] = saved[0], "saved"
            if saved[1]:
                out["source_label"] = saved[1]
    if u.format in ("kouseikyoku", "table"):
        out["reference_date"] = kouseikyoku.reference_date_from_titles(t.title_rows)
    elif u.format == "iryojoho":
        out["reference_date"] = iryojoho.reference_date_from_name(u.member or u.path.name)
    return out
