"""``geocode``: place every facility (cascade source → block/town → municipality), import references,
place a facility by hand."""

from __future__ import annotations

import argparse
from typing import Any

from zaitaku_map.cli.common import Context, common_parent, open_existing
from zaitaku_map.progress import Progress
from zaitaku_map.store import Project


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add this domain's subcommands to the parser."""
    p = sub.add_parser(
        "geocode",
        parents=[common_parent()],
        help="施設の位置を決める（元座標の検査 → 街区・町字 → 市区町村代表点）",
        description=(
            "元データの座標を検査し（0,0・共有点・市区町村外・日本外・緯度経度の入れ替わり）、"
            "使えない場合は住所を参照データ（位置参照情報の街区・大字町丁目 CSV、町丁目代表点 JSON）や"
            "市区町村の代表点で置き換えます。手動配置は上書きしません。変更のない施設は再計算しません。"
        ),
    )
    p.add_argument("project", help="プロジェクトファイル (.gpkg)")
    p.add_argument(
        "--reference",
        "-r",
        action="append",
        default=[],
        metavar="FILE_OR_FOLDER",
        help="先に取り込む参照データ（複数可）: 位置参照情報 CSV/zip、町丁目代表点 JSON、またはそれらのフォルダ"
        "（Geolonia の市区町村ごとの JSON など。市区町村はファイル名か点の位置から判定）",
    )
    p.add_argument(
        "--municipality",
        metavar="NAME_OR_CODE",
        help="市区町村の書かれていない町丁目代表点 JSON の市区町村（例 鳥取市 / 31201）",
    )
    p.add_argument(
        "--reference-date",
        metavar="DATE",
        help="参照データの基準日 YYYY-MM-DD または年度 YYYY（既定: ファイル名 31_2024.csv / 31000-18.0b の年度）",
    )
    p.add_argument("--force", action="store_true", help="変更のない施設も再計算する（手動配置は保持）")
    p.add_argument(
        "--place",
        nargs=3,
        metavar=("ID", "LON", "LAT"),
        help="施設 ID を経度・緯度に手動配置する（以後の自動処理で上書きされません）",
    )
    p.set_defaults(handler=cmd_geocode, human=_print_human)


def cmd_geocode(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    from zaitaku_map.geocode import geocode_project, geocode_report, set_manual_position

    with open_existing(args.project) as project:
        if args.place:
            fid, lon, lat = args.place
            set_manual_position(project, int(fid), float(lon), float(lat))
            ctx.note(f"施設 {fid} を手動で配置しました。")
            return dict(geocode_report(project))
        if args.reference_date and not args.reference:
            from zaitaku_map.errors import InputDataError

            raise InputDataError(
                "--reference-date needs --reference",
                value=args.reference_date,
                hint="基準日は --reference で取り込む参照データに付きます。",
            )
        if not args.reference:
            from zaitaku_map.ingest.report import municipality_names

            out = geocode_project(project, force=args.force, progress=ctx.progress(), cancel=ctx.cancel)
            return {**out, "_names": municipality_names(project)}
        return _with_references(project, args, ctx)


def _with_references(project: Project, args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    """References (files or folders of them, each its own import), then the cascade."""
    from zaitaku_map.errors import InputDataError
    from zaitaku_map.geocode import geocode_project
    from zaitaku_map.ingest import import_references

    prog = Progress.of(ctx.progress(), ctx.cancel)
    report = import_references(
        project,
        args.reference,
        municipality=args.municipality,
        reference_date=args.reference_date,
        geocode=False,
        progress=prog.step(0.6),
        cancel=ctx.cancel,
    )
    failed = report.failed
    if failed and len(failed) == len(report.results):
        raise failed[0].error or InputDataError("no reference could be imported")
    if failed:
        ctx.exit_code = InputDataError.exit_code  # the others are imported and used
    out: dict[str, Any] = dict(
        geocode_project(project, force=args.force, progress=prog.step(0.4), cancel=ctx.cancel)
    )
    out["references"] = [r.result for r in report.results if r.result is not None]
    out["references_failed"] = [
        {"file": r.step.paths[0].name, **(r.error.to_dict() if r.error else {})} for r in failed
    ]
    out["references_skipped"] = [{"file": d.path.name, "reason": d.reason} for d in report.plan.skipped]
    out["_report"] = report
    return out


def _print_human(r: dict[str, Any]) -> None:
    from zaitaku_map.ingest.report import geocode_lines, reference_block, skipped_lines

    report = r.get("_report")
    names = report.municipality_names if report is not None else r.get("_names")
    lines: list[str] = []
    if report is not None and len(report.results) > 1:  # a folder: one block for its files
        lines += reference_block(report.results, names)
        r = {k: v for k, v in r.items() if k != "references"}
    lines += geocode_lines(r, names=names)
    if report is not None:
        lines += skipped_lines(report.plan.skipped)
    for line in lines:
        print(line)
