"""``zaitaku-map export PROJECT --option NAME …``: PDF maps, resource lists, comparison, meeting
pack, CSV/XLSX and GeoPackage/GeoJSON of a 圏域 option.

Examples::

    zaitaku-map export P.gpkg --option 案A --pdf 案A_地図.pdf --list 案A_資源リスト.pdf
    zaitaku-map export P.gpkg --option 案A --pdf 案A.pdf --paper A3 --portrait --coverage zaishi
    zaitaku-map export P.gpkg --option 案A --pdf 案A.pdf --categories zaishi --title 在支診の分布
    zaitaku-map export P.gpkg --option 案A --pdf 全施設.pdf --categories all
    zaitaku-map export P.gpkg --option 案A --pdf 案A_S1.pdf --scenario シナリオ1 --coverage zaishi
    zaitaku-map export P.gpkg --option 案A --pack 2040年度.pdf --year 2040
    zaitaku-map export P.gpkg --option 案A --atlas 案A_拡大図.pdf --categories zaishi,home_nursing
    zaitaku-map export P.gpkg --option 案A --pdf 75歳以上.pdf --choropleth pop75_share
    zaitaku-map export P.gpkg --option 案A --html 案A_地図.html --coverage zaishi
    zaitaku-map export P.gpkg --option 案A --compare 案B 案C --pack 会議資料.pdf --meeting-name 第2回協議の場
    zaitaku-map export P.gpkg --option 案A --compare 案B --pack-dir 会議資料/
    zaitaku-map export P.gpkg --option 案A --csv 案A.csv --cp932 --xlsx 案A.xlsx --gpkg 案A_qgis.gpkg
    zaitaku-map export P.gpkg --viewer 委員配布用.html          # every option in one offline HTML file
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from zaitaku_map.cli.common import Context, common_parent
from zaitaku_map.errors import InputDataError
from zaitaku_map.progress import Progress
from zaitaku_map.store import Project, open_project


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
    out = p.add_argument_group("出力するもの")
    out.add_argument("--pdf", metavar="MAP.pdf", help="地図 PDF")
    out.add_argument(
        "--html", metavar="MAP.html", help="ブラウザで見る対話型の地図（1ファイル・オフラインで動作）"
    )
    out.add_argument(
        "--viewer",
        metavar="FILE.html",
        help="委員配布用ビューア: すべての圏域案・評価表・到達圏・施設を1つの HTML に（オフラインで動作）",
    )
    out.add_argument("--atlas", metavar="ATLAS.pdf", help="圏域ごとの拡大図（施設に番号と一覧）")
    out.add_argument("--list", dest="list_pdf", metavar="LIST.pdf", help="資源リスト PDF（評価表つき）")
    out.add_argument("--compare", nargs="+", metavar="OTHER", default=[], help="比較する他の案（1つ以上）")
    out.add_argument("--compare-pdf", metavar="FILE.pdf", help="比較 PDF の保存先（既定: 比較_<案>.pdf）")
    out.add_argument(
        "--pack", metavar="FILE.pdf", help="会議資料（表紙・目次・通しページ番号つきの1つの PDF）"
    )
    out.add_argument(
        "--pack-dir", metavar="DIR", help="会議資料を部分ごとの別ファイル（PDF・XLSX）でこのフォルダーへ"
    )
    out.add_argument("--csv", metavar="FILE", help="資源リスト CSV（評価表は <名前>_評価表.csv）")
    out.add_argument(
        "--cp932", action="store_true", help="CSV を Shift_JIS (CP932) で書く（既定は BOM つき UTF-8）"
    )
    out.add_argument("--xlsx", metavar="FILE", help="資源リスト・評価表・出典の XLSX")
    out.add_argument("--gpkg", metavar="FILE", help="QGIS 用 GeoPackage（圏域・市区町村・施設・到達圏）")
    out.add_argument(
        "--geojson", metavar="DIR", help="GeoJSON をレイヤーごとにこのフォルダーへ（--gpkg と併用可）"
    )
    show = p.add_argument_group("載せる内容（画面の表示と同じ選択）")
    show.add_argument(
        "--categories",
        metavar="KEYS",
        help="載せる施設種別をカンマ区切りで（例 zaishi,home_nursing,pharmacy、すべては all）。"
        "既定: 地図は在支診・在支病・訪問看護・病院（と到達圏の種別）、表・リストはすべて",
    )
    show.add_argument(
        "--scenario",
        metavar="NAME",
        help="もしもの検討のシナリオ（仮想施設を含む施設で到達圏・評価表を計算し、地図に仮想施設を描く）",
    )
    show.add_argument(
        "--year",
        type=int,
        metavar="YEAR",
        help="将来推計の年度（例 2040）: 圏域ごとの需要・75歳以上人口を載せる",
    )
    show.add_argument(
        "--layers",
        metavar="KEYS",
        help="地図に描く層をカンマ区切りで（kens,municipalities,muni_labels,facilities,coverage,gaps; "
        "HTML の地図では partners＝協力医療機関の第1候補と候補のない介護施設も）",
    )
    show.add_argument(
        "--choropleth",
        metavar="KEY",
        help="市区町村の指標を階級区分図で（coverage_share, pop75_share, zaishi_per_100k）",
    )
    show.add_argument("--title", help="地図の題名")
    show.add_argument("--subtitle", help="題名の下の1行")
    show.add_argument(
        "--coverage",
        metavar="CATEGORY",
        help="到達圏を重ねる施設種別（例 zaishi, zaishi_clinic, home_nursing）",
    )
    show.add_argument("--minutes", type=float, help="到達圏の分数（既定はプロジェクトの設定）")
    show.add_argument("--paper", default="A4", type=str.upper, choices=["A4", "A3"], help="用紙（既定 A4）")
    orient = show.add_mutually_exclusive_group()
    orient.add_argument(
        "--landscape", dest="landscape", action="store_true", default=True, help="横向き（既定）"
    )
    orient.add_argument("--portrait", dest="landscape", action="store_false", help="縦向き")
    pack = p.add_argument_group("会議資料")
    pack.add_argument(
        "--sections", metavar="KEYS", help="会議資料に入れる部分をカンマ区切りで（既定の部分はすべて）"
    )
    pack.add_argument(
        "--list-categories",
        metavar="KEYS",
        help="会議資料の資源リストに載せる施設種別（既定は薬局・診療所を除く主な種別）",
    )
    pack.add_argument("--meeting-name", help="表紙の会議名（プロジェクトに保存され次回も使われます）")
    pack.add_argument("--meeting-date", help="表紙の日付")
    pack.add_argument("--secretariat", help="表紙の事務局")
    p.set_defaults(handler=cmd_export)


def build_request(args: argparse.Namespace, project: Project) -> Any:
    """The :class:`~zaitaku_map.export.ExportRequest` of the parsed arguments (the cover from the
    project's ``meeting`` setting, updated with the arguments given and saved back)."""
    from zaitaku_map.export import ExportRequest, MeetingInfo
    from zaitaku_map.export.request import parse_keys

    meeting = MeetingInfo.from_setting(project.setting("meeting"))
    given = {
        k: v
        for k, v in (
            ("name", args.meeting_name),
            ("date", args.meeting_date),
            ("secretariat", args.secretariat),
        )
        if v is not None
    }
    if given:
        meeting = MeetingInfo(**{**meeting.to_setting(), **given})
        project.set_setting("meeting", meeting.to_setting())
    layers = parse_keys(args.layers)
    return ExportRequest(
        option=args.option,
        compare=tuple(args.compare),
        categories=parse_keys(args.categories),
        list_categories=parse_keys(args.list_categories),
        layers=frozenset(layers) if layers else None,
        title=args.title,
        subtitle=args.subtitle,
        paper=args.paper,
        landscape=args.landscape,
        coverage_category=args.coverage,
        coverage_minutes=args.minutes,
        sections=parse_keys(args.sections),
        meeting=meeting,
        choropleth=args.choropleth,
        scenario=args.scenario,
        year=args.year,
    )


def _viewer(args: argparse.Namespace, project: Project, prog: Progress) -> dict[str, Any]:
    """Every option in one offline HTML file (:mod:`zaitaku_map.export.viewer`)."""
    from zaitaku_map.coverage import resolve_coverage_params
    from zaitaku_map.export.request import ALL_CATEGORIES, parse_keys
    from zaitaku_map.export.viewer import ViewerSpec, export_viewer

    params = resolve_coverage_params(project, minutes=args.minutes) if args.minutes is not None else None
    cats = parse_keys(args.categories)
    if cats and ALL_CATEGORIES in cats:
        cats = None
    spec = ViewerSpec(
        coverage_categories=[args.coverage] if args.coverage else None,
        coverage_params=params,
        categories=list(cats) if cats else None,
        title=args.title,
    )
    result: dict[str, Any] = export_viewer(project, args.viewer, spec, progress=prog).as_dict()
    return result


def _wanted(args: argparse.Namespace) -> bool:
    """Whether an output that needs an option is asked for; refuses impossible argument sets."""
    wanted = [args.pdf, args.atlas, args.html, args.list_pdf, args.compare, args.pack, args.pack_dir]
    wanted += [args.csv, args.xlsx, args.gpkg, args.geojson]
    if not any(wanted) and not args.viewer:
        raise InputDataError(
            "nothing to export",
            hint="--pdf, --atlas, --html, --viewer, --list, --compare, --pack, --pack-dir, --csv, --xlsx, --gpkg "
            "のいずれかで出力先を指定してください",
        )
    if any(wanted) and not args.option:
        raise InputDataError("no option given", hint="--option で出力する圏域案を指定してください")
    if args.pack and not str(args.pack).lower().endswith(".pdf"):
        raise InputDataError(
            "--pack writes one PDF file",
            value=args.pack,
            hint="会議資料を1つの PDF にするときは --pack 会議資料.pdf、別ファイルにするときは --pack-dir フォルダー を指定してください",
        )
    return any(wanted)


def _jobs(args: argparse.Namespace, project: Project, req: Any, prog: Progress) -> list[tuple[str, str, Any]]:
    """(result key, label, call) of every output asked for, in a fixed order."""
    from zaitaku_map import export
    from zaitaku_map.export.atlas import export_atlas_pdf
    from zaitaku_map.export.pack import safe_name

    single = req.for_option(req.option)
    jobs: list[tuple[str, str, Any]] = []
    if args.pdf:
        jobs.append(
            ("map", "地図 PDF", lambda: export.export_map_pdf(project, single, args.pdf, progress=prog))
        )
    if args.atlas:
        jobs.append(
            ("atlas", "拡大図 PDF", lambda: export_atlas_pdf(project, single, args.atlas, progress=prog))
        )
    if args.html:
        jobs.append(
            ("html", "地図 HTML", lambda: export.export_html_map(project, single, args.html, progress=prog))
        )
    if args.list_pdf:
        jobs.append(
            (
                "list",
                "資源リスト PDF",
                lambda: export.export_list_pdf(project, single, args.list_pdf, progress=prog),
            )
        )
    if args.compare_pdf or (args.compare and not (args.pack or args.pack_dir)):
        target = args.compare_pdf or f"{safe_name('比較_' + '_'.join(req.options))}.pdf"
        jobs.append(
            (
                "comparison",
                "比較 PDF",
                lambda: export.export_comparison_pdf(project, req, target, progress=prog),
            )
        )
    if args.pack or args.pack_dir:
        jobs.append(
            (
                "pack",
                "会議資料",
                lambda: export.export_pack(project, req, args.pack, folder=args.pack_dir, progress=prog),
            )
        )
    if args.csv:
        enc = "cp932" if args.cp932 else "utf-8-sig"
        jobs.append(("csv", "CSV", lambda: export.export_csv(project, single, args.csv, encoding=enc)))
    if args.xlsx:
        jobs.append(("xlsx", "XLSX", lambda: export.export_xlsx(project, single, args.xlsx)))
    if args.gpkg or args.geojson:
        gpkg_path = args.gpkg or str(Path(args.geojson) / f"{safe_name(args.option)}.gpkg")
        jobs.append(
            (
                "gpkg",
                "GeoPackage",
                lambda: export.export_gpkg(project, single, gpkg_path, geojson_dir=args.geojson),
            )
        )
    return jobs


def cmd_export(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    wanted = _wanted(args)
    out: dict[str, Any] = {"option": args.option}
    prog = ctx.progress()
    with open_project(args.project) as project:
        if args.viewer:
            out["viewer"] = _viewer(args, project, prog)
            ctx.note(f"委員配布用ビューア: {args.viewer}（{out['viewer']['bytes'] // 1024} KB）")
        if not wanted:
            return out
        req = build_request(args, project)
        for key, label, job in _jobs(args, project, req, prog):
            res = job()
            out[key] = res.to_dict()
            ctx.note(f"{label}: {res.path}" + (f"（{res.pages} ページ）" if res.pages else ""))
    return out
