"""CLI of the demo domain: ``zaitaku-map demo``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from zaitaku_map.cli.common import Context, common_parent
from zaitaku_map.labels import DEMO_STEP_LABELS, DEMO_STEP_STATUS

STEP_LABELS = DEMO_STEP_LABELS
STATUS_LABELS = DEMO_STEP_STATUS


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add this domain's subcommands to the parser."""
    p = sub.add_parser(
        "demo",
        parents=[common_parent()],
        help="架空の「デモ県」のファイルを公式形式で生成し、デモ用プロジェクトを作る",
        description="架空の「デモ県」（実在しない県コード 99）のデータを公式ファイル形式で生成し、"
        "通常の取込・ジオコーディング・到達圏・圏域案の機能でプロジェクトを作ります。",
    )
    p.add_argument("project", nargs="?", default=None, help="作成するプロジェクトファイル (.gpkg)")
    p.add_argument("--scale", type=_scale, default=1, help="地域を N 個複製する（ベンチマーク用、1〜45）")
    p.add_argument("--seed", type=int, default=0, help="乱数の種（同じ種なら同じファイル）")
    p.add_argument("--files-only", metavar="DIR", default=None, help="ファイルだけを DIR に書き出す")
    p.add_argument(
        "--files-dir", metavar="DIR", default=None, help="プロジェクト作成時に元ファイルを残す場所"
    )
    p.add_argument("--overwrite", action="store_true", help="既存のプロジェクトを置き換える")
    p.add_argument("--pack", metavar="DIR", default=None, help="圏域案の会議資料（PDF 等）も DIR に出力する")
    p.set_defaults(handler=cmd_demo, human=_human)


def _scale(text: str) -> int:
    from zaitaku_map.demo.geography import max_scale

    n = int(text)
    if not 1 <= n <= max_scale():
        raise argparse.ArgumentTypeError(f"1〜{max_scale()} を指定してください")
    return n


def cmd_demo(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    from zaitaku_map.errors import InputDataError

    if args.files_only:
        from zaitaku_map.demo import generate_files

        man = generate_files(
            Path(args.files_only),
            seed=args.seed,
            scale=args.scale,
            progress=ctx.progress(),
            cancel=ctx.cancel,
        )
        ctx.note(f"デモデータのファイルを書き出しました: {args.files_only}")
        return {
            "files_only": True,
            "out_dir": man["out_dir"],
            "files": man["files"],
            "counts": man["counts"],
            "prefectures": man["prefectures"],
        }
    if not args.project:
        raise InputDataError(
            "project path or --files-only DIR is required",
            expected="zaitaku-map demo demo.gpkg",
            hint="作成するプロジェクトファイル名か、--files-only DIR を指定してください。",
        )
    from zaitaku_map.demo import build_demo_project

    result = build_demo_project(
        Path(args.project),
        seed=args.seed,
        scale=args.scale,
        files_dir=args.files_dir,
        overwrite=args.overwrite,
        pack_dir=args.pack,
        progress=ctx.progress(),
        cancel=ctx.cancel,
    )
    for name, step in result["steps"].items():
        if step["status"] != "ok":
            ctx.note(
                f"{STEP_LABELS.get(name, name)}: {STATUS_LABELS.get(step['status'], step['status'])}"
                f" — {step.get('error_ja') or step.get('error', '')}"
            )
    if result.get("failed"):
        ctx.exit_code = 1  # the project exists but a step did not run: say so to scripts too
        ctx.note(f"デモ用プロジェクトを作成しましたが、失敗した段階があります: {args.project}")
    else:
        ctx.note(f"デモ用プロジェクトを作成しました: {args.project}")
    # the info counts last, so `zaitaku-map demo P --json` ends with them
    ordered = {k: v for k, v in result.items() if k != "info"}
    ordered["info"] = result["info"]
    return ordered


def _human(result: dict[str, Any]) -> None:
    from zaitaku_map.ingest.report import demo_files_lines, project_lines

    if result.get("files_only"):
        lines = demo_files_lines(result)
    else:
        lines = [f"プロジェクト: {result['project']}（デモデータ）"]
        lines += [
            f"  {STEP_LABELS.get(name, name)}: {STATUS_LABELS.get(step['status'], step['status'])}"
            for name, step in result["steps"].items()
        ]
        lines += project_lines(result["info"])
        pack = (result["steps"].get("pack") or {}).get("result") or {}
        if pack.get("path"):
            others = [f for f in pack.get("files") or [] if f != pack["path"]]
            lines.append(
                f"  会議資料: {pack['path']}（{pack.get('pages', 0)} ページ"
                + (f"。各部分の個別ファイル {len(others)} 件も同じフォルダに" if others else "")
                + "）"
            )
        log = result.get("import_log") or {}
        if log:  # the demo files hold some bad rows on purpose: the import logs them like real ones
            lines.append(
                f"  施設一覧の取込: 除外 {log.get('rejected', 0)} 行、警告 {log.get('warnings', 0)} 行（理由は取込ログ）"
            )
    for line in lines:
        print(line)
