"""``import``: facility lists into a project (医療情報ネット, 介護, 厚生局 名簿, tables, GIS points)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from zaitaku_map.cli.common import Context, common_parent
from zaitaku_map.errors import InputDataError
from zaitaku_map.store import open_project


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add this domain's subcommands to the parser."""
    p = sub.add_parser(
        "import",
        parents=[common_parent()],
        help="施設の一覧を取り込む",
        description="医療情報ネット・介護サービス情報公表・地方厚生局の名簿・表・GIS ポイントを取り込みます。",
    )
    p.add_argument("project", help="プロジェクトファイル (.gpkg)")
    p.add_argument("files", nargs="+", metavar="FILE", help="取り込むファイル（zip のままで可）")
    p.add_argument(
        "--format",
        default="auto",
        choices=["auto", "iryojoho", "kaigo", "kouseikyoku", "table", "gis"],
        help="形式（既定: 内容から判定）",
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


def cmd_import(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    from zaitaku_map.importers import import_files

    mapping = _load_mapping(args.mapping)
    with open_project(args.project) as project:
        notes = []
        if args.prefecture:
            codes = [str(c).zfill(2) for c in args.prefecture]
            bad = [c for c in codes if not (c.isdigit() and len(c) == 2 and c != "00")]
            if bad:
                raise InputDataError(
                    "invalid prefecture code", value=",".join(bad), expected="2桁の都道府県コード 01〜47"
                )
            if not project.study_prefectures:
                project.set_study_prefectures(codes)
                notes.append(f"対象都道府県を設定しました: {','.join(sorted(codes))}")
            elif sorted(project.study_prefectures) != sorted(codes):
                notes.append(
                    f"プロジェクトの対象都道府県 {','.join(project.study_prefectures)} を使います"
                    "（--prefecture は未設定のときのみ有効）"
                )
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
        for n in notes:
            ctx.note(n)
        failed = [r for r in reports if r.error]
        if failed and len(failed) == len(reports):
            first = failed[0].error or {}
            raise InputDataError(
                first.get("message", "no file could be imported"),
                file=first.get("file"),
                expected=first.get("expected"),
                hint=first.get("hint"),
            )
        for r in failed:
            ctx.note(f"取り込めなかったファイル: {r.file}: {(r.error or {}).get('message')}")
        if failed:
            ctx.exit_code = InputDataError.exit_code  # the others are imported; scripts still see the failure
        return {
            "ok": not failed,
            "study_prefectures": project.study_prefectures,
            "files": [r.to_dict() for r in reports],
        }


def _human(result: dict[str, Any]) -> None:
    from zaitaku_map.importers.report import ImportReport
    from zaitaku_map.ingest.report import facility_lines, study_prefecture_line

    print(study_prefecture_line(result.get("study_prefectures") or []))
    for f in result["files"]:
        for line in facility_lines(ImportReport.from_dict(f)):
            print(line)
