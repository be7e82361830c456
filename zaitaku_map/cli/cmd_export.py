"""``zaitaku-map export PROJECT --option NAME …``: PDF maps, resource lists, comparison, meeting
pack, CSV/XLSX and GeoPackage/GeoJSON of a 圏域 option.

Examples::

    zaitaku-map export P.gpkg --option 案A --pdf 案A_地図.pdf --list 案A_資源リスト.pdf
    zaitaku-map export P.gpkg --option 案A --pdf 案A.pdf --paper A3 --portrait --coverage zaishi
    zaitaku-map export P.gpkg --option 案A --html 案A_地図.html --coverage zaishi
    zaitaku-map export P.gpkg --option 案A --compare 案B 案C --pack 会議資料.pdf
    zaitaku-map export P.gpkg --option 案A --csv 案A.csv --cp932 --xlsx 案A.xlsx --gpkg 案A_qgis.gpkg
    zaitaku-map export P.gpkg --viewer 委員配布用.html          # every option in one offline HTML file
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zaitaku_map.cli.common import Context, common_parent
from zaitaku_map.errors import InputDataError
from zaitaku_map.store import Project, open_project

if TYPE_CHECKING:
    from zaitaku_map.coverage import CoverageParams


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``export`` subcommand."""
    p = sub.add_parser(
        "export",
        parents=[common_parent()],
        help="地図・資源リスト・比較・表・GIS レイヤーを書き出す",
        description="圏域案を PDF・HTML・CSV・XLSX・GeoPackage に書き出します（画面なしで動きます）。",
    )
    p.add_argument("project", help="プロジェクトファイル (.gpkg)")
    p.add_argument("--option", help="出力する圏域案の名前（--viewer だけなら不要）")
    p.add_argument("--pdf", metavar="MAP.pdf", help="地図 PDF")
    p.add_argument(
        "--html", metavar="MAP.html", help="ブラウザで見る対話型の地図（1ファイル・オフラインで動作）"
    )
    p.add_argument(
        "--viewer",
        metavar="FILE.html",
        help="委員配布用ビューア: すべての圏域案・評価表・到達圏・施設を1つの HTML に（オフラインで動作）",
    )
    p.add_argument("--list", dest="list_pdf", metavar="LIST.pdf", help="資源リスト PDF（評価表つき）")
    p.add_argument("--compare", nargs="+", metavar="OTHER", default=[], help="比較する他の案（1つ以上）")
    p.add_argument("--compare-pdf", metavar="FILE.pdf", help="比較 PDF の保存先（既定: 比較_<案>.pdf）")
    p.add_argument(
        "--pack", metavar="DIR_OR_PDF", help="会議資料一式（.pdf なら1ファイル、それ以外はフォルダー）"
    )
    p.add_argument("--csv", metavar="FILE", help="資源リスト CSV（評価表は <名前>_評価表.csv）")
    p.add_argument(
        "--cp932", action="store_true", help="CSV を Shift_JIS (CP932) で書く（既定は BOM つき UTF-8）"
    )
    p.add_argument("--xlsx", metavar="FILE", help="資源リスト・評価表・出典の XLSX")
    p.add_argument("--gpkg", metavar="FILE", help="QGIS 用 GeoPackage（圏域・市区町村・施設・到達圏）")
    p.add_argument(
        "--geojson", metavar="DIR", help="GeoJSON をレイヤーごとにこのフォルダーへ（--gpkg と併用可）"
    )
    p.add_argument("--paper", default="A4", type=str.upper, choices=["A4", "A3"], help="用紙（既定 A4）")
    orient = p.add_mutually_exclusive_group()
    orient.add_argument(
        "--landscape", dest="landscape", action="store_true", default=True, help="横向き（既定）"
    )
    orient.add_argument("--portrait", dest="landscape", action="store_false", help="縦向き")
    p.add_argument(
        "--coverage",
        metavar="CATEGORY",
        help="到達圏を重ねる施設種別（例 zaishi, zaishi_clinic, home_nursing）",
    )
    p.add_argument(
        "--categories",
        metavar="KEYS",
        help="載せる施設種別をカンマ区切りで（例 zaishi,home_nursing,pharmacy）。既定はすべて",
    )
    p.add_argument("--minutes", type=float, help="到達圏の分数（既定はプロジェクトの設定）")
    p.add_argument("--title", help="地図の題名")
    p.set_defaults(handler=cmd_export)


def _coverage_params(project: Project, minutes: float | None) -> CoverageParams | None:
    if minutes is None:
        return None
    from zaitaku_map.coverage import resolve_coverage_params

    return resolve_coverage_params(project, minutes=minutes)


def cmd_export(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    from zaitaku_map import export

    wanted = [
        args.pdf,
        args.html,
        args.list_pdf,
        args.compare,
        args.pack,
        args.csv,
        args.xlsx,
        args.gpkg,
        args.geojson,
    ]
    if not any(wanted) and not args.viewer:
        raise InputDataError(
            "nothing to export",
            hint="--pdf, --html, --viewer, --list, --compare, --pack, --csv, --xlsx, --gpkg "
            "のいずれかで出力先を指定してください",
        )
    if any(wanted) and not args.option:
        raise InputDataError("no option given", hint="--option で出力する圏域案を指定してください")
    out: dict[str, Any] = {"option": args.option}
    prog = ctx.progress()
    with open_project(args.project) as project:
        params = _coverage_params(project, args.minutes)
        cats = [c.strip() for c in (args.categories or "").replace("、", ",").split(",") if c.strip()] or None
        cov = {"coverage_category": args.coverage, "coverage_params": params, "categories": cats}
        if args.viewer:
            from zaitaku_map.export.viewer import ViewerSpec, export_viewer

            spec = ViewerSpec(
                coverage_categories=[args.coverage] if args.coverage else None,
                coverage_params=params,
                categories=cats,
                title=args.title,
            )
            out["viewer"] = export_viewer(project, args.viewer, spec, progress=prog).as_dict()
            ctx.note(f"委員配布用ビューア: {args.viewer}（{out['viewer']['bytes'] // 1024} KB）")
        pdf_kw = {"paper": args.paper, "landscape": args.landscape, **cov}
        if args.pdf:
            out["map"] = export.export_map_pdf(
                project, args.option, args.pdf, title=args.title, progress=prog, **pdf_kw
            )
            ctx.note(f"地図 PDF: {args.pdf}")
        if args.html:
            out["html"] = export.export_html_map(
                project, args.option, args.html, title=args.title, progress=prog, **cov
            )
            ctx.note(f"地図 HTML: {args.html}")
        if args.list_pdf:
            out["list"] = export.export_list_pdf(project, args.option, args.list_pdf, progress=prog, **pdf_kw)
            ctx.note(f"資源リスト PDF: {args.list_pdf}")
        names = [args.option, *[n for n in args.compare if n != args.option]]
        if args.compare_pdf or (args.compare and not args.pack):
            from zaitaku_map.export.pack import safe_name

            target = args.compare_pdf or f"{safe_name('比較_' + '_'.join(names))}.pdf"
            out["comparison"] = export.export_comparison_pdf(project, names, target, progress=prog, **pdf_kw)
            ctx.note(f"比較 PDF: {target}")
        if args.pack:
            out["pack"] = export.export_pack(project, names, args.pack, progress=prog, **pdf_kw)
            ctx.note(f"会議資料: {args.pack}")
        if args.csv:
            out["csv"] = export.export_csv(
                project, args.option, args.csv, encoding="cp932" if args.cp932 else "utf-8-sig", **cov
            )
            ctx.note(f"CSV: {args.csv}")
        if args.xlsx:
            out["xlsx"] = export.export_xlsx(project, args.option, args.xlsx, **cov)
            ctx.note(f"XLSX: {args.xlsx}")
        if args.gpkg or args.geojson:
            gpkg_path = args.gpkg or str(Path(args.geojson) / f"{args.option}.gpkg")
            out["gpkg"] = export.export_gpkg(project, args.option, gpkg_path, geojson_dir=args.geojson, **cov)
            ctx.note(f"GeoPackage: {gpkg_path}")
    return out
