"""``import``: a folder (or zip) of mixed downloads, or facility lists, into a project.

Without ``--format``/``--category``/``--mapping`` every file is detected by content and imported in
dependency order (boundaries → areas → population → projections → facility lists → geocoding
references → roads), each file in its own transaction; a folder is then geocoded.  With one of those
options the files are facility lists imported as that format/category/mapping says.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zaitaku_map.cli.common import Context, common_parent
from zaitaku_map.errors import InputDataError
from zaitaku_map.store import Project, open_project

if TYPE_CHECKING:
    from zaitaku_map.ingest import Detection, IngestReport


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add this domain's subcommands to the parser."""
    p = sub.add_parser(
        "import",
        parents=[common_parent()],
        help="ダウンロードしたファイル（フォルダ・zip ごとでも可）を取り込む",
        description=(
            "ファイルの種類（行政区域・圏域の表・人口・将来推計・施設の一覧・住所の位置参照・道路網）を内容から"
            "判定し、必要な順に1ファイルずつ取り込みます。取り込めないファイルがあっても、ほかのファイルは"
            "取り込まれます。フォルダを指定したときは最後に住所から位置を求めます（ジオコーディング）。"
        ),
    )
    p.add_argument("project", help="プロジェクトファイル (.gpkg)")
    p.add_argument("files", nargs="+", metavar="FOLDER_OR_FILE", help="フォルダ・zip・ファイル（複数可）")
    p.add_argument(
        "--format",
        default="auto",
        choices=["auto", "iryojoho", "kaigo", "kouseikyoku", "table", "gis"],
        help="施設の一覧の形式（既定: 内容から判定）",
    )
    p.add_argument("--category", help="表・GIS の施設種別キー (例 houkatsu)")
    p.add_argument(
        "--mapping",
        help='列の対応を書いた JSON ファイル (例 {"name": "施設名", "address": "所在地", '
        '"source_label": "〇〇市 包括一覧"}; source_label は出典の名前で、次の版もこの名前で更新)',
    )
    p.add_argument("--reference-date", help="データの基準日 (ファイルに書かれていない場合)")
    p.add_argument(
        "--prefecture",
        action="append",
        default=[],
        help="対象都道府県コード（プロジェクトに未設定のとき設定します。例 31）",
    )
    geo = p.add_mutually_exclusive_group()
    geo.add_argument(
        "--geocode", dest="geocode", action="store_true", default=None, help="取り込み後に位置を求める"
    )
    geo.add_argument("--no-geocode", dest="geocode", action="store_false", help="位置を求めない")
    p.set_defaults(handler=cmd_import, human=_human)


def _load_mapping(path: str | None) -> dict[str, Any] | None:
    if not path:
        return None
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise InputDataError(
            f"mapping file unreadable: {exc}",
            file=path,
            expected='JSON オブジェクト {"name": "列名", "address": "列名", ...}',
        ) from exc
    if not isinstance(data, dict):
        raise InputDataError("mapping must be a JSON object", file=path, expected='{"name": "列名", ...}')
    return data


def _set_prefectures(project: Project, codes_in: list[str], ctx: Context) -> None:
    codes = [str(c).zfill(2) for c in codes_in]
    bad = [c for c in codes if not (c.isdigit() and len(c) == 2 and c != "00")]
    if bad:
        raise InputDataError(
            "invalid prefecture code", value=",".join(bad), expected="2桁の都道府県コード 01〜47"
        )
    if not project.study_prefectures:
        project.set_study_prefectures(codes)
        ctx.note(f"対象都道府県を設定しました: {','.join(sorted(codes))}")
    elif sorted(project.study_prefectures) != sorted(codes):
        ctx.note(
            f"プロジェクトの対象都道府県 {','.join(project.study_prefectures)} を使います"
            "（--prefecture は未設定のときのみ有効）"
        )


def cmd_import(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    mapping = _load_mapping(args.mapping)
    with open_project(args.project) as project:
        if args.prefecture:
            _set_prefectures(project, args.prefecture, ctx)
        if args.format != "auto" or args.category or mapping:
            return _import_facility_lists(project, args, mapping, ctx)
        return _import_downloads(project, args, ctx)


def _import_facility_lists(
    project: Project, args: argparse.Namespace, mapping: dict[str, Any] | None, ctx: Context
) -> dict[str, Any]:
    from zaitaku_map.importers import import_files

    several = len(args.files) > 1
    reports = import_files(
        project,
        args.files,
        format=args.format,
        category=args.category,
        mapping=mapping,
        reference_date=args.reference_date,
        on_error="report" if several else "raise",
        progress=ctx.progress(),
        cancel=ctx.cancel,
    )
    failed = [r for r in reports if r.error]
    if failed and len(failed) == len(reports):
        first = failed[0].error or {}
        raise InputDataError(
            first.get("message", "no file could be imported"),
            file=first.get("file"),
            expected=first.get("expected"),
            hint=first.get("hint"),
        )
    if failed:
        ctx.exit_code = InputDataError.exit_code  # the others are imported; scripts still see the failure
    return {
        "ok": not failed,
        "study_prefectures": project.study_prefectures,
        "files": [r.to_dict() for r in reports],
    }


NOT_RECOGNISED = (
    "行政区域（N03）・圏域の表・人口・将来推計・施設の一覧・住所の位置参照・道路網のファイル、"
    "またはそれらを入れたフォルダ・zip"
)
RECOGNISE_HINT = (
    "ファイルの種類が判定できないときは、施設の一覧なら --format table --mapping で列を指定してください。"
)


def _not_recognised(d: Detection) -> InputDataError:
    from zaitaku_map.labels import INGEST_SKIP_REASONS

    if isinstance(d.error, InputDataError):
        return d.error  # refused by a resource limit: the limit and what to do
    return InputDataError(
        "file not recognised",
        file=d.path,
        value=INGEST_SKIP_REASONS.get(d.reason or "", d.reason),
        expected=NOT_RECOGNISED,
        hint=RECOGNISE_HINT,
    )


def _import_downloads(project: Project, args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    from zaitaku_map.ingest import import_paths

    folder = any(Path(f).is_dir() or Path(f).suffix.lower() == ".zip" for f in args.files)
    report = import_paths(
        project,
        args.files,
        reference_date=args.reference_date,
        geocode=folder if args.geocode is None else bool(args.geocode),
        progress=ctx.progress(),
        cancel=ctx.cancel,
    )
    named = {Path(f) for f in args.files if not Path(f).is_dir()}
    refused = [_not_recognised(d) for d in report.plan.skipped if d.path in named]  # asked for, not usable
    if not report.results and not report.cancelled:
        if len(refused) == 1:
            raise refused[0]
        raise InputDataError("no file could be imported", expected=NOT_RECOGNISED, hint=RECOGNISE_HINT)
    failed = report.failed
    if len(report.results) == 1 and failed and failed[0].error is not None and not refused:
        raise failed[0].error  # one file: its error is the command's error
    broken = [d for d in report.plan.skipped if d.error is not None]  # corrupt, or beyond the limits
    if failed or refused or broken or report.geocode_error is not None:
        ctx.exit_code = InputDataError.exit_code
    out = report.to_dict()
    out["ok"] = out["ok"] and not refused
    out["files"] = _file_entries(args.files, report, refused)
    out["_report"] = report  # for the human rendering; dropped from --json output
    out["_refused"] = refused
    return out


def _file_entries(
    paths: list[str], report: IngestReport, refused: list[InputDataError]
) -> list[dict[str, Any]]:
    """Facility reports (and the files named but refused) in the order of the command line."""
    by_path: dict[Path, list[dict[str, Any]]] = {}
    for r in report.results:
        by_path.setdefault(r.step.paths[0], []).extend(f.to_dict() for f in r.facilities)
    for err in refused:
        by_path[Path(str(err.file))] = [{"file": Path(str(err.file)).name, "error": err.to_dict()}]
    out: list[dict[str, Any]] = []
    for raw in paths:
        p = Path(raw)
        keys = [k for k in by_path if k == p or (p.is_dir() and p in k.parents)]
        for k in keys:
            out.extend(by_path.pop(k))
    return out + [e for rest in by_path.values() for e in rest]


def _human(result: dict[str, Any]) -> None:
    from zaitaku_map.importers.report import ImportReport
    from zaitaku_map.ingest.report import error_text, facility_lines, ingest_lines, study_prefecture_line

    report = result.get("_report")
    if report is not None:
        lines = ingest_lines(report)
        lines += [
            f"■ {Path(str(e.file)).name}  取り込めませんでした: {error_text(e)}" for e in result["_refused"]
        ]
    else:
        lines = [study_prefecture_line(result.get("study_prefectures") or [])]
        for f in result["files"]:
            lines += facility_lines(ImportReport.from_dict(f))
    for line in lines:
        print(line)
