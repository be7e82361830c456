"""CLI of the geodata domain: ``boundaries``, ``areas``, ``population``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from zaitaku_map.cli.common import Context, common_parent, open_existing, reference_date_text


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
    p.set_defaults(handler=cmd_boundaries, human=_human(_boundaries_text))

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
    p.set_defaults(handler=cmd_areas, human=_human(_areas_text))

    p = sub.add_parser(
        "population",
        parents=[common_parent()],
        help="人口（e-Stat 地域メッシュ統計・市区町村別表・圏域別表）を取り込む",
    )
    p.add_argument("project")
    p.add_argument("files", nargs="+", help="メッシュ統計 .txt（複数可）または人口表 .csv/.xlsx")
    p.add_argument("--layer", default=None, help="圏域コードで集計された表のときの圏域レイヤー名")
    p.add_argument("--year", default=None, help="調査年（ファイル名から分からないとき）")
    p.set_defaults(handler=cmd_population, human=_human(_population_text))


def _human(fn: Callable[[dict[str, Any]], list[str]]) -> Callable[[dict[str, Any]], None]:
    def show(result: dict[str, Any]) -> None:
        for line in fn(result):
            print(line)

    return show


def cmd_boundaries(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
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


def cmd_areas(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
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


def cmd_population(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    from zaitaku_map.geodata.population import import_population

    with open_existing(args.project) as project:
        return import_population(
            project, args.files, layer=args.layer, year=args.year, progress=ctx.progress(), cancel=ctx.cancel
        )


def _boundaries_text(r: dict[str, Any]) -> list[str]:
    out = [
        f"行政区域を取り込みました: {r['file']}",
        date_line(r),
        f"  市区町村 {r['municipalities']}・政令市の区 {r['wards']}（計 {r['units']} 単位）"
        + (f"・政令市 {len(r['designated_cities'])}（区から合成）" if r["designated_cities"] else ""),
        f"  島などの複数行を融合: {r['multi_row_municipalities']} 市区町村",
    ]
    for c in r["designated_cities"]:
        out.append(f"    {c['code']} {c['name']}: {c['wards']} 区")
    if r.get("study_prefectures_set"):
        out.append(
            f"  対象都道府県を {','.join(r['study_prefectures_set'])} に設定しました"
            "（全国ファイルの施設はこの範囲だけ取り込みます）"
        )
    if r["repaired"]:
        out.append(f"  修復した不正な形状: {len(r['repaired'])} 行")
    nc = r["no_code_rows"]
    if nc["rows"]:
        out.append(
            f"  コードのない行（所属未定地など）: {nc['rows']} 行・約 {nc['area_km2']} km²（取り込みません）"
        )
    if r["ignored_other_prefectures"]:
        out.append(f"  対象外の都道府県の行: {r['ignored_other_prefectures']} 行（無視）")
    if r["rejected"]:
        out.append(f"  除外: {len(r['rejected'])} 行（import_log を参照）")
    d = r["display"]
    out.append(
        f"  表示用形状: 頂点 {d['vertices_full']:,} → {d['vertices_display']:,}（許容 {d['tolerance_deg']}°）"
    )
    rep = r.get("replaced")
    if rep:
        out.append(f"  更新: 以前 {rep['previous_units']} 単位、新しいコード {len(rep['new_codes'])}")
        for g in rep["disappeared"]:
            succ = g["successor_by_location"]
            out.append(
                f"    消えたコード {g['code']} {g['name']} → "
                + (f"{succ['code']} {succ['name']}" if succ else "後継不明")
            )
        if rep.get("area_members_with_unknown_codes"):
            out.append(
                f"  圏域レイヤーに残る旧コード: {len(rep['area_members_with_unknown_codes'])} 件"
                "（圏域の表を取り込み直してください）"
            )
        if rep.get("option_assignments_with_unknown_codes"):
            out.append(f"  圏域案の割当に残る旧コード: {rep['option_assignments_with_unknown_codes']} 件")
    for name, n in (r.get("area_layers_rebuilt") or {}).items():
        out.append(f"  圏域レイヤー「{name}」の面を作り直しました（{n} 圏域）")
    if r.get("note"):
        out.append("  " + r["note"])
    return out


def date_line(r: dict[str, Any]) -> str:
    """「  基準日: 2025-10-01（表の「現在」の行から）」, or how to give one when unknown."""
    return f"  基準日: {reference_date_text(r)}"


def _areas_text(r: dict[str, Any]) -> list[str]:
    out = [
        f"圏域レイヤー「{r['layer']}」を取り込みました: {r['loaded']} 市区町村 → {r['areas']} 圏域",
        date_line(r),
    ]
    for a in r["area_list"]:
        out.append(f"    {a['area_code']} {a['area_name']}: {a['members']} 市区町村")
    if r.get("ignored_other_prefectures"):
        out.append(f"  対象外の都道府県の行: {r['ignored_other_prefectures']} 行（無視）")
    if r.get("unmatched"):
        out.append(f"  一致しない行: {len(r['unmatched'])}（import_log を参照）")
    if r.get("municipalities_without_area"):
        names = "、".join(m["name"] for m in r["municipalities_without_area"][:10])
        out.append(f"  圏域のない市区町村: {len(r['municipalities_without_area'])}（{names}）")
    return out


def _population_text(r: dict[str, Any]) -> list[str]:
    out = []
    for part in r["imports"]:
        if part["kind"] == "mesh":
            out += [
                f"メッシュ人口（{part['unit']}）を取り込みました: {part['cells_read']:,} メッシュ → 需要点 {part['loaded']:,}",
                f"  秘匿セル: {part['secret_cells']}（人口は秘匿先のセルに合算済み）",
                f"  境界をまたぐメッシュ: {part['cells_split']}（面積比で按分）・対象外: {part['cells_outside_project']}",
                f"  総人口 {part['stored_totals']['pop_total']:,.0f}（ファイル {part['file_totals']['pop_total']:,.0f}、"
                f"対象外 {part['outside_pop_total']:,.0f}）",
            ]
            if len(part.get("projection_years") or []) > 1:
                out.append(
                    f"  推計年: {', '.join(map(str, part['projection_years']))}（基準年 {part['year']}）"
                )
        elif part["kind"] == "municipal_table":
            out.append(
                f"市区町村別人口を取り込みました: {part['loaded']} 市区町村（需要点: {part['demand_layer']}）"
            )
            if part.get("note"):
                out.append("  " + part["note"])
        else:
            out.append(
                f"圏域「{part['layer']}」別人口を取り込みました: {part['loaded']} 圏域"
                f"（{part.get('year') or '調査年不明'}）"
                + ("・表のコードから圏域レイヤーを判定" if part.get("layer_guessed") else "")
            )
            for a in part.get("by_area") or []:
                p65 = "-" if a["pop_65"] is None else f"{a['pop_65']:,.0f}"
                p75 = "-" if a["pop_75"] is None else f"{a['pop_75']:,.0f}"
                out.append(
                    f"    {a['area_code']} {a['area_name']}: {a['pop_total']:,.0f} 人"
                    f"（65歳以上 {p65}・75歳以上 {p75}）"
                )
            if part.get("areas_without_population"):
                out.append(f"  人口のない圏域: {', '.join(part['areas_without_population'])}")
            out.append("  " + part["note"])
    return out
