"""``init`` and ``info``."""

from __future__ import annotations

import argparse
from typing import Any

from zaitaku_map.cli.common import Context, common_parent
from zaitaku_map.store import create_project, open_project
from zaitaku_map.store.info import project_info


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("init", parents=[common_parent()], help="空のプロジェクトを作る")
    p.add_argument("project", help="プロジェクトファイル (.gpkg)")
    p.add_argument("--overwrite", action="store_true", help="既存ファイルを置き換える")
    p.add_argument("--prefecture", action="append", default=[], help="対象都道府県コード (例 31)")
    p.set_defaults(handler=cmd_init)

    p = sub.add_parser("info", parents=[common_parent()], help="プロジェクトの内容を表示する")
    p.add_argument("project")
    p.set_defaults(handler=cmd_info)


def cmd_init(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    with create_project(args.project, overwrite=args.overwrite) as project:
        if args.prefecture:
            project.set_study_prefectures(args.prefecture)
        info = project_info(project)
    ctx.note(f"プロジェクトを作成しました: {args.project}")
    return dict(info)


def cmd_info(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    with open_project(args.project) as project:
        info = project_info(project)
        if project.migrated_from is not None:
            ctx.note(
                f"古い形式 (v{project.migrated_from}) から更新しました。バックアップ: {project.backup_path}"
            )
        return dict(info)
