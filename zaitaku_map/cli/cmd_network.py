"""CLI of the network/coverage domain: ``roads``, ``coverage``, ``isochrone``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from zaitaku_map.cli.common import Context, common_parent, open_existing, print_human, reference_date_text
from zaitaku_map.errors import InputDataError
from zaitaku_map.ingest.report import road_repair_lines

if TYPE_CHECKING:  # the core is imported when a command runs (a fast ``--help``)
    from zaitaku_map.coverage import CoverageParams
    from zaitaku_map.coverage.api import Isochrone
    from zaitaku_map.coverage.summary import CategorySummary, CoverageSummary, GroupRow
    from zaitaku_map.network.importer import RoadsReport


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add this domain's subcommands to the parser."""
    p = sub.add_parser(
        "roads", parents=[common_parent()], help="道路網（OSM .osm.pbf / .osm / osmnx GraphML）を取り込む"
    )
    p.add_argument("project", help="プロジェクトファイル (.gpkg)")
    p.add_argument("file", help="道路データ (.osm.pbf, .osm, .graphml)")
    p.add_argument("--speed-table", help="道路種別ごとの速度表 (JSON / CSV: class,speed_kmh)")
    p.add_argument(
        "--reference-date",
        metavar="DATE",
        help="基準日 YYYY-MM-DD（既定: ファイルのヘッダーの時刻、または名前 …-251001.osm.pbf の日付）",
    )
    p.add_argument(
        "--min-component",
        type=int,
        default=50,
        help="最大成分以外に残す強連結成分の最小ノード数（離島の道路網など、本土の道路網から 1km 以上離れたもの、既定 50）",
    )
    p.set_defaults(handler=cmd_roads, human=_human_roads)

    p = sub.add_parser("coverage", parents=[common_parent()], help="施設から N 分圏の人口カバー率を計算する")
    p.add_argument("project")
    _params_args(p)
    p.add_argument("--categories", help="施設カテゴリ (例 zaishi,home_nursing; zaishi=在支診+在支病)")
    p.add_argument("--layer", action="append", help="集計する圏域レイヤー名（複数可、既定はすべて）")
    p.add_argument("--no-municipalities", action="store_true", help="市区町村別の表を省く")
    p.add_argument(
        "--facilities",
        action="store_true",
        help="施設ごとの到達人口・最寄り圏人口・単独カバー人口（誰が誰を担うか）を含める",
    )
    p.add_argument(
        "--save",
        action="store_true",
        help="この条件をプロジェクトの到達圏の設定として保存（export --coverage・option evaluate --coverage・"
        "画面の到達圏が使います）",
    )
    p.set_defaults(handler=cmd_coverage, human=_human_coverage)

    p = sub.add_parser("isochrone", parents=[common_parent()], help="1 地点から N 分で到達できる範囲")
    p.add_argument("project")
    p.add_argument("--lon", type=float, required=True)
    p.add_argument("--lat", type=float, required=True)
    p.add_argument("--minutes", type=float, default=30.0)
    p.add_argument("--speed-kmh", type=float, help="全道路一律の速度（手計算での検算用）")
    p.add_argument("--mode", choices=["auto", "network", "straight"], default="auto")
    p.add_argument("--speed-table", help="速度表 (JSON / CSV)")
    p.add_argument("--no-polygon", action="store_true", help="GeoJSON ポリゴンを出力しない")
    p.set_defaults(handler=cmd_isochrone, human=_human_isochrone)


def _params_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--minutes", type=float, default=30.0, help="カバーとみなす分数（既定 30）")
    p.add_argument("--bands", default="15,30,45", help="集計・表示する分数帯（既定 15,30,45）")
    p.add_argument(
        "--mode",
        choices=["auto", "network", "straight"],
        default="auto",
        help="auto=道路網があれば道路網、なければ直線距離",
    )
    p.add_argument("--speed-table", help="速度表 (JSON / CSV: class,speed_kmh)")
    p.add_argument("--speed-kmh", type=float, help="全道路一律の速度（手計算での検算用）")
    p.add_argument("--congestion", type=float, help="混雑係数（例 0.8）")
    p.add_argument("--detour", type=float, default=1.3, help="直線距離モデルの迂回係数（既定 1.3）")
    p.add_argument("--straight-speed", type=float, default=30.0, help="直線距離モデルの時速（既定 30）")
    p.add_argument("--max-snap", type=float, help="道路から離れてよい最大距離 m（既定 1500）")


def _float_list(text: str, what: str) -> tuple[float, ...]:
    try:
        vals = tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise InputDataError(
            f"{what} must be comma-separated minutes", value=text, expected="15,30,45"
        ) from None
    if not vals:
        raise InputDataError(f"{what} is empty", value=text)
    return vals


def params_from_args(args: argparse.Namespace) -> CoverageParams:
    from zaitaku_map.coverage import CoverageParams
    from zaitaku_map.network import load_speed_table

    kw: dict[str, Any] = {"mode": args.mode, "minutes": args.minutes}
    if args.bands:
        kw["bands"] = _float_list(args.bands, "--bands")
    if args.speed_table:
        kw["speed_table"] = load_speed_table(args.speed_table)
    if args.speed_kmh is not None:
        kw["speed_kmh"] = args.speed_kmh
    for attr, key in (
        ("congestion", "congestion_factor"),
        ("detour", "detour_factor"),
        ("straight_speed", "straight_speed_kmh"),
        ("max_snap", "max_snap_m"),
    ):
        val = getattr(args, attr)
        if val is not None:
            kw[key] = val
    return CoverageParams(**kw)


def cmd_roads(args: argparse.Namespace, ctx: Context) -> RoadsReport:
    from zaitaku_map.network import import_roads

    with open_existing(args.project, ctx) as project:
        out = import_roads(
            project,
            args.file,
            speed_table=args.speed_table,
            min_component_nodes=args.min_component,
            reference_date=args.reference_date,
            progress=ctx.progress(),
            cancel=ctx.cancel,
        )
    rep = out["report"]
    ctx.note(
        f"道路網を取り込みました: ノード {out['nodes']:,} / リンク {out['edges']:,}"
        f"（除外した小さな成分 {rep['dropped_components']:,} 個・{rep['dropped_nodes']:,} ノード）"
    )
    return out


def _human_roads(out: RoadsReport) -> None:
    rep = out["report"]
    print(
        f"{out['file']} ({out['format']}): ノード {out['nodes']:,} / リンク {out['edges']:,} / "
        f"延長 {rep['length_km']:,.0f} km / 保存 {out['stored_mb']} MB"
    )
    print(f"基準日: {reference_date_text(out)}")
    print("道路種別（リンク数）: " + ", ".join(f"{k} {v:,}" for k, v in rep["edges_by_class"].items()))
    print(
        f"残した強連結成分: {rep['kept_components']} 個 {rep['kept_component_sizes']} / 除外: "
        f"{rep['dropped_components']:,} 個・{rep['dropped_nodes']:,} ノード（最大 {rep['dropped_component_largest']:,}）"
    )
    read = rep["read"]
    for line in road_repair_lines(read):
        print(line)
    if "maxspeed_tagged" in read:
        print(
            f"maxspeed: {read['maxspeed_parsed']:,}/{read['maxspeed_tagged']:,} 本を解釈"
            + (f"、解釈できない値: {read.get('maxspeed_junk')}" if read.get("maxspeed_junk") else "")
        )


def cmd_coverage(args: argparse.Namespace, ctx: Context) -> CoverageSummary:
    from zaitaku_map.coverage import coverage_summary, save_coverage_params

    params = params_from_args(args)
    cats = [c.strip() for c in args.categories.split(",") if c.strip()] if args.categories else None
    if cats:
        from zaitaku_map.coverage import COMBINED
        from zaitaku_map.labels import CATEGORIES

        unknown = [c for c in cats if c not in CATEGORIES and c not in COMBINED]
        if unknown:
            raise InputDataError(
                "unknown facility category",
                value=",".join(unknown),
                expected=", ".join([*COMBINED, *CATEGORIES]),
            )
    with open_existing(args.project, ctx) as project:
        out = coverage_summary(
            project, params, categories=cats, layers=args.layer, progress=ctx.progress(), cancel=ctx.cancel
        )
        if args.save:  # without --speed-table: keep following the project's table (``roads --speed-table``)
            save_coverage_params(project, params, with_speed_table=bool(args.speed_table))
            out["saved_as_project_setting"] = True
        if args.facilities:
            from zaitaku_map.coverage import service_areas

            for key, c in out["categories"].items():
                sa = service_areas(project, params, key)
                c["by_facility"] = sa.to_dict(orient="records")
    if args.no_municipalities:
        for c in out["categories"].values():
            c.pop("by_municipality", None)
    return out


def _human_coverage(out: CoverageSummary) -> None:
    print(out["description_ja"])
    _human_coverage_notes(out)
    has_pop = out.get("population_available", True)
    for key, c in out["categories"].items():
        if c["facilities"]:
            _human_category(key, c, out["minutes"], has_pop)
    empty = [f"{c['name']} ({key})" for key, c in out["categories"].items() if not c["facilities"]]
    if empty:
        print(f"\n施設のない種別（未取込）: {'、'.join(empty)}")


def _human_coverage_notes(out: CoverageSummary) -> None:
    if out.get("saved_as_project_setting"):
        print("※ この条件をプロジェクトの到達圏の設定として保存しました")
    if out.get("coarse_demand"):
        print("※ 需要点がないため市区町村の代表点で概算しています（粗い推計）")
    if not out.get("population_available", True):
        print(
            "※ 人口（市区町村別の人口表またはメッシュ人口）が未取込のため、人口カバー率は出せません。"
            "需要点（代表点）の到達だけを示します"
        )
    if out.get("off_network", {}).get("points"):
        o = out["off_network"]
        print(
            f"※ 道路から {o['max_snap_m']:g}m 以上離れた需要点 {o['points']} 点（人口 {o['pop_total']:,.0f}）は到達不能として扱います"
        )


def _share(v: float | None) -> str:
    return "-" if v is None else f"{v * 100:.1f}%"


def _human_category(key: str, c: CategorySummary, minutes: float, has_pop: bool) -> None:
    """One category: totals and bands, facilities placed coarsely or left out, then the breakdowns."""
    if has_pop:
        print(
            f"\n■ {c['name']} ({key}) 施設 {c['facilities']} か所: {minutes:g}分以内 {c['covered']:,.0f} / "
            f"{c['pop_total']:,.0f} 人 ({_share(c['share'])})  圏外 {c['uncovered']:,.0f} 人"
        )
        for b, f in c["bands"].items():
            print(f"   {b}分以内: {f['covered']:,.0f} 人 ({_share(f['share'])})")
    else:
        pts = f"需要点 {c['points_covered']} / {c['points']}"
        print(f"\n■ {c['name']} ({key}) 施設 {c['facilities']} か所: {minutes:g}分以内 {pts}")
        print("   " + " / ".join(f"{b}分以内 {f['points_covered']}" for b, f in c["bands"].items()))
    if c.get("facilities_at_municipality_point"):
        print(
            f"   ※ 位置が市区町村の代表点の施設 {c['facilities_at_municipality_point']} か所"
            "（住所を町字まで特定できず代表点に置いています。到達圏はその分粗くなります）"
        )
    for u in c["unsnapped_facilities"]:
        print(f"   ⚠ 除外した施設 id={u['id']} {u['name']}: {u['reason']}")
    if c.get("by_facility"):
        print("   [施設]（到達人口 / 最寄り圏人口 / 単独カバー人口）")
        for fr in c["by_facility"]:
            print(
                f"     {fr['facility_id']} {fr['name']}: {fr['reach_pop']:,.0f} / {fr['basin_pop']:,.0f} / "
                f"{fr['exclusive_pop']:,.0f}"
            )
    for layer, rows in c.get("by_layer", {}).items():
        print(f"   [{layer}]")
        for r in rows:
            if has_pop:
                print(
                    f"     {r['name']}: {_share(r['share'])}  圏外 {r['uncovered']:,.0f} 人 (65歳以上 {r['pop_65_uncovered']:,.0f})"
                )
            else:
                print(f"     {r['name']}: 需要点 {r['points_covered']} / {r['points']}")
    _human_municipalities(c.get("by_municipality", []), has_pop)


def _human_municipalities(rows: list[GroupRow], has_pop: bool) -> None:
    if not rows:
        return
    print("   [市区町村]")
    for r in rows:
        near = "" if r.get("nearest_min") is None else f" 最寄り {r['nearest_min']:g} 分"
        if "nearest_min" in r and r["nearest_min"] is None:
            near = " 到達不能"
        if has_pop:
            print(
                f"     {r['muni_code']} {r['name']}: {_share(r['share'])}  圏外 {r['uncovered']:,.0f} 人{near}"
            )
        else:
            print(f"     {r['muni_code']} {r['name']}:{near or ' -'}")


def cmd_isochrone(args: argparse.Namespace, ctx: Context) -> Isochrone:
    """The reach of one point (``--no-polygon``: without the GeoJSON polygon)."""
    from zaitaku_map.coverage import CoverageParams, isochrone
    from zaitaku_map.network import load_speed_table

    kw: dict[str, Any] = {"mode": args.mode}
    if args.speed_table:
        kw["speed_table"] = load_speed_table(args.speed_table)
    with open_existing(args.project, ctx) as project:
        out = isochrone(
            project, args.lon, args.lat, args.minutes, speed_kmh=args.speed_kmh, params=CoverageParams(**kw)
        )
    if args.no_polygon:
        out.pop("polygon", None)
    return out


def _human_isochrone(out: Isochrone) -> None:
    """The isochrone's figures; its polygon is named, not printed, and the reached point ids left out."""
    shown: dict[str, Any] = {k: v for k, v in out.items() if k != "reached_fids"}
    polygon = out.get("polygon")
    if polygon:
        shown["polygon"] = f"{polygon['type']} (--json で GeoJSON を出力)"
    print_human(shown)
