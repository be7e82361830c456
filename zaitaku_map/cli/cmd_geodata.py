"""CLI of the geodata domain: ``boundaries``, ``areas``, ``population``."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from typing import Any

from zaitaku_map.cli.common import Context, common_parent, open_existing
from zaitaku_map.ingest.report import areas_lines, boundaries_lines, population_lines


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add this domain's subcommands to the parser."""
    p = sub.add_parser(
        "boundaries",
        parents=[common_parent()],
        help="行政区域（国土数値情報 N03: Shapefile/zip/GeoJSON/GML）を取り込む",
    )
    p.add_argument("project", help="プロジェクトファイル (.gpkg)")
    p.add_argument("file", help="N03 ファイル（.zip / .shp / フォルダ / .geojson / .xml）")
    p.add_argument(
        "--prefecture",
        action="append",
        default=None,
        help="取り込む都道府県コード（例 31）。既定はプロジェクトの対象都道府県",
    )
    p.add_argument("--tolerance", type=float, default=None, help="表示用簡略化の許容値（度）")
    p.add_argument(
        "--reference-date", default=None, help="基準日 YYYY-MM-DD（既定: ファイル名 N03-20240101_… から読む）"
    )
    p.set_defaults(handler=cmd_boundaries, human=_human(boundaries_lines))

    p = sub.add_parser(
        "areas",
        parents=[common_parent()],
        help="圏域レイヤー（市区町村→圏域の対応表 CSV/Excel、または A38 医療圏）を取り込む",
    )
    p.add_argument("project")
    p.add_argument("table", help="対応表（.csv / .xlsx）または A38 ファイル")
    p.add_argument("--layer", required=True, help="レイヤー名（例 二次医療圏・保健所圏域・老人福祉圏域）")
    p.add_argument("--sheet", default=None, help="Excel のシート名")
    p.add_argument(
        "--muni-column", default=None, help="市区町村コード（または名称）の列名（自動判定を上書き）"
    )
    p.add_argument("--area-code-column", default=None, help="圏域コードの列名（自動判定を上書き）")
    p.add_argument("--area-name-column", default=None, help="圏域名の列名（自動判定を上書き）")
    p.add_argument(
        "--reference-date",
        default=None,
        help="基準日 YYYY-MM-DD または年度 YYYY（既定: 表の「…現在」の行、A38 はファイル名 A38-20_… の年度）",
    )
    p.set_defaults(handler=cmd_areas, human=_human(areas_lines))

    p = sub.add_parser(
        "population",
        parents=[common_parent()],
        help="人口（e-Stat 地域メッシュ統計・市区町村別表・圏域別表）を取り込む",
    )
    p.add_argument("project")
    p.add_argument("files", nargs="+", help="メッシュ統計 .txt（複数可）または人口表 .csv/.xlsx")
    p.add_argument("--layer", default=None, help="圏域コードで集計された表のときの圏域レイヤー名")
    p.add_argument("--year", default=None, help="調査年（ファイル名から分からないとき）")
    p.set_defaults(handler=cmd_population, human=_human(population_lines))


def _human(fn: Callable[[Mapping[str, Any]], list[str]]) -> Callable[[Mapping[str, Any]], None]:
    def show(result: Mapping[str, Any]) -> None:
        for line in fn(result):
            print(line)

    return show


def cmd_boundaries(args: argparse.Namespace, ctx: Context) -> Mapping[str, Any]:
    from zaitaku_map.geodata.n03 import import_boundaries
    from zaitaku_map.geodata.simplify import DISPLAY_TOLERANCE_DEG

    with open_existing(args.project) as project:
        return import_boundaries(
            project,
            args.file,
            prefectures=args.prefecture,
            tolerance=DISPLAY_TOLERANCE_DEG if args.tolerance is None else args.tolerance,
            reference_date=args.reference_date,
            progress=ctx.progress(),
            cancel=ctx.cancel,
        )


def cmd_areas(args: argparse.Namespace, ctx: Context) -> Mapping[str, Any]:
    from zaitaku_map.geodata.areas import import_area_table

    columns = {
        role: col
        for role, col in (
            ("muni_code", args.muni_column),
            ("area_code", args.area_code_column),
            ("area_name", args.area_name_column),
        )
        if col
    }
    with open_existing(args.project) as project:
        return import_area_table(
            project,
            args.table,
            layer=args.layer,
            sheet=args.sheet,
            columns=columns or None,
            reference_date=args.reference_date,
            progress=ctx.progress(),
            cancel=ctx.cancel,
        )


def cmd_population(args: argparse.Namespace, ctx: Context) -> Mapping[str, Any]:
    from zaitaku_map.geodata.population import import_population

    with open_existing(args.project) as project:
        return import_population(
            project, args.files, layer=args.layer, year=args.year, progress=ctx.progress(), cancel=ctx.cancel
        )
