"""``geocode``: place every facility (cascade source → block/town → municipality), import references,
place a facility by hand."""

from __future__ import annotations

import argparse
from typing import Any

from zaitaku_map.cli.common import Context, common_parent, open_existing, reference_date_text
from zaitaku_map.labels import COORD_STATUS, GEOCODE_LEVELS


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
        metavar="FILE",
        help="先に取り込む参照データ（複数可）: 位置参照情報 CSV/zip、町丁目代表点 JSON",
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
            return geocode_report(project)
        if args.reference_date and not args.reference:
            from zaitaku_map.errors import InputDataError

            raise InputDataError(
                "--reference-date needs --reference",
                value=args.reference_date,
                hint="基準日は --reference で取り込む参照データに付きます。",
            )
        return geocode_project(
            project,
            references=args.reference,
            municipality=args.municipality,
            reference_date=args.reference_date,
            force=args.force,
            progress=ctx.progress(),
            cancel=ctx.cancel,
        )


def _print_human(r: dict[str, Any]) -> None:
    print(f"施設 {r['total']} 件")
    for key, n in r["levels"].items():
        if n:
            print(f"  {GEOCODE_LEVELS.get(key, key)}: {n}")
    if "processed" in r:
        print(
            f"今回処理 {r['processed']} 件 / 変更なし {r['unchanged']} 件 / 手動配置を保持 {r['manual_kept']} 件"
        )
    for ref in r.get("references") or []:
        print(
            f"参照データ {ref['file']}: {ref['rows_imported']} 件取込（除外 {ref['rows_rejected']} 件）"
            f" 基準日 {reference_date_text(ref)}"
        )
    ph = {k: v for k, v in (r.get("placeholders") or {}).items() if k not in ("ok", "missing")}
    if ph:
        print("元データ座標の問題:")
        for key, n in ph.items():
            print(f"  {COORD_STATUS.get(key, key)}: {n}")
        print(f"  置き換えた仮座標: {r['replaced_placeholders']} 件")
    m = r.get("moved_m") or {}
    if m.get("n"):
        print(
            f"元座標からの移動距離: {m['n']} 件, 中央値 {m['median']:.0f} m, 90% {m['p90']:.0f} m, 最大 {m['max']:.0f} m"
        )
    if r.get("outside_muni"):
        print(f"所在市区町村の外にある点: {len(r['outside_muni'])} 件")
        for f in r["outside_muni"][:20]:
            print(
                f"  [{f['id']}] {f['name']} ({f['muni_code']}, {GEOCODE_LEVELS.get(f['level'], f['level'])})"
            )
    if r.get("unresolved"):
        print(f"位置不明: {len(r['unresolved'])} 件（--place ID 経度 緯度 で手動配置できます）")
        for f in r["unresolved"][:50]:
            print(f"  [{f['id']}] {f['name']} {f['address'] or ''} — {f['reason_ja']}")
        if len(r["unresolved"]) > 50:
            print(f"  … ほか {len(r['unresolved']) - 50} 件（--json で全件）")
