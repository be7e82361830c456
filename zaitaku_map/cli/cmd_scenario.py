"""``zaitaku-map scenario PROJECT ACTION …``: what-if scenarios (hypothetical facilities, closures, …).

Examples::

    zaitaku-map scenario P create シナリオ1 --category zaishi
    zaitaku-map scenario P add シナリオ1 --lon 136.49 --lat 31.86 --label 山間の仮想診療所
    zaitaku-map scenario P add シナリオ1 --gain 123            # 診療所 123 が在支診になる
    zaitaku-map scenario P close シナリオ1 45                   # 施設 45 を休止（シナリオ内）
    zaitaku-map scenario P move シナリオ1 --site 1 --lon 136.5 --lat 31.87
    zaitaku-map scenario P remove シナリオ1 --site 1
    zaitaku-map scenario P undo シナリオ1
    zaitaku-map scenario P evaluate シナリオ1 --option 案A --json
    zaitaku-map scenario P list
"""

from __future__ import annotations

import argparse
from typing import Any

from zaitaku_map.cli.common import Context, common_parent
from zaitaku_map.labels import SCENARIO_TEXT
from zaitaku_map.remedies import get_scenario
from zaitaku_map.store import Project, open_project


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("scenario", help="もしもの検討（仮想施設の追加・休止・機能の追加）のシナリオ")
    p.add_argument("project", help="プロジェクトファイル (.gpkg)")
    acts = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    cp = common_parent()

    a = acts.add_parser("list", parents=[cp], help="シナリオの一覧")
    a.set_defaults(handler=cmd_list)

    a = acts.add_parser("create", parents=[cp], help="空のシナリオを作る")
    a.add_argument("name")
    a.add_argument("--category", default="zaishi", help="対象の種別（zaishi・home_nursing など）")
    a.add_argument("--notes", default="")
    a.add_argument("--author", default="")
    a.set_defaults(handler=cmd_create)

    a = acts.add_parser("show", parents=[cp], help="シナリオの内容")
    a.add_argument("name")
    a.set_defaults(handler=cmd_show)

    _register_edits(acts, cp)

    a = acts.add_parser("evaluate", parents=[cp], help="シナリオの前後の到達圏（圏域ごとのカバー外人口）")
    a.add_argument("name")
    a.add_argument("--option", help="この圏域案の圏域ごとにも集計")
    a.add_argument("--minutes", type=float)
    a.add_argument("--mode", choices=["auto", "network", "straight"])
    a.set_defaults(handler=cmd_evaluate, human=_human_evaluate)

    a = acts.add_parser(
        "export", parents=[cp], help="「案＋シナリオ」の PDF（地図・圏域ごとの表・変更の一覧）"
    )
    a.add_argument("name")
    a.add_argument("--option", required=True, help="地図に描く圏域案")
    a.add_argument("--pdf", required=True, help="出力する PDF ファイル")
    a.add_argument("--paper", default="A4", choices=["A4", "A3"])
    a.add_argument("--portrait", action="store_true")
    a.add_argument("--minutes", type=float)
    a.set_defaults(handler=cmd_export)

    a = acts.add_parser("rename", parents=[cp], help="名前を変更")
    a.add_argument("name")
    a.add_argument("new_name")
    a.set_defaults(handler=cmd_rename)

    a = acts.add_parser("delete", parents=[cp], help="シナリオを削除（施設の登録は変わりません）")
    a.add_argument("name")
    a.set_defaults(handler=cmd_delete)


def _register_edits(acts: Any, cp: argparse.ArgumentParser) -> None:
    """The edit actions: add, close/reopen, move, remove, undo/redo."""
    a = acts.add_parser(
        "add", parents=[cp], help="仮想施設を追加（--lon/--lat）、または既存施設に種別を追加（--gain）"
    )
    a.add_argument("name")
    a.add_argument("--lon", type=float)
    a.add_argument("--lat", type=float)
    a.add_argument("--label", help="仮想施設の名前")
    a.add_argument(
        "--gain", type=int, metavar="FACILITY_ID", help="この既存施設が種別を担う（診療所→在支診など）"
    )
    a.add_argument("--site-category", help="仮想施設・追加する種別（既定: シナリオの種別から）")
    a.set_defaults(handler=cmd_add)

    for action, helptext in (("close", "既存施設を休止（シナリオ内）"), ("reopen", "休止を取り消す")):
        a = acts.add_parser(action, parents=[cp], help=helptext)
        a.add_argument("name")
        a.add_argument("facility_id", type=int)
        a.set_defaults(handler=cmd_close if action == "close" else cmd_reopen)

    a = acts.add_parser("move", parents=[cp], help="仮想施設（--site）または既存施設（--facility）を移す")
    a.add_argument("name")
    g = a.add_mutually_exclusive_group(required=True)
    g.add_argument("--site", type=int)
    g.add_argument("--facility", type=int)
    a.add_argument("--lon", type=float, required=True)
    a.add_argument("--lat", type=float, required=True)
    a.set_defaults(handler=cmd_move)

    a = acts.add_parser(
        "remove", parents=[cp], help="仮想施設を削除（--site）、既存施設の変更を戻す（--facility）"
    )
    a.add_argument("name")
    g = a.add_mutually_exclusive_group(required=True)
    g.add_argument("--site", type=int)
    g.add_argument("--facility", type=int)
    a.set_defaults(handler=cmd_remove)

    for action, helptext in (("undo", "直前の編集を取り消す"), ("redo", "取り消した編集をやり直す")):
        a = acts.add_parser(action, parents=[cp], help=helptext)
        a.add_argument("name")
        a.set_defaults(handler=cmd_undo if action == "undo" else cmd_redo)


def cmd_list(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    from dataclasses import asdict

    from zaitaku_map.remedies import list_scenarios

    with open_project(args.project) as p:
        return {"scenarios": [asdict(s) for s in list_scenarios(p)]}


def cmd_create(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    from zaitaku_map.remedies import create_scenario

    with open_project(args.project) as p:
        sc = create_scenario(p, args.name, category=args.category, notes=args.notes, author=args.author)
    ctx.note(SCENARIO_TEXT["created"].format(name=sc.name))
    return sc.to_dict()


def cmd_show(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    from zaitaku_map.remedies import get_scenario
    from zaitaku_map.remedies import scenarios as store

    with open_project(args.project) as p:
        out = get_scenario(p, args.name).to_dict()
        done, undone = store.history(p, args.name)
        out["history"] = [store.describe(a) for a in done]
        out["can_redo"] = len(undone)
        return out


def _edit(args: argparse.Namespace, ctx: Context, edit: Any) -> dict[str, Any]:
    """Run one edit on a live session bound to the stored scenario; report coverage before/after."""
    from dataclasses import asdict

    from zaitaku_map.remedies import LiveScenario

    with open_project(args.project) as p:
        live = LiveScenario(p, scenario=args.name)
        before = live.covered
        out = edit(live)
        res = asdict(out)
        res.update(scenario=args.name, category=live.category, covered_before=round(before, 1))
        res.pop("seconds")
    ctx.note(SCENARIO_TEXT["edited"].format(what=out.description, delta=f"{out.delta_covered:+,.0f}"))
    return res


def cmd_add(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    from zaitaku_map.errors import InputDataError

    if args.gain is not None:
        return _edit(args, ctx, lambda live: live.gain(args.gain, args.site_category))
    if args.lon is None or args.lat is None:
        raise InputDataError("give --lon and --lat of the hypothetical facility, or --gain FACILITY_ID")
    return _edit(
        args,
        ctx,
        lambda live: live.add_site(args.lon, args.lat, category=args.site_category, label=args.label),
    )


def cmd_close(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    return _edit(args, ctx, lambda live: live.close_facility(args.facility_id))


def cmd_reopen(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    return _edit(args, ctx, lambda live: live.reopen_facility(args.facility_id))


def cmd_move(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    if args.site is not None:
        return _edit(args, ctx, lambda live: live.move_site(args.site, args.lon, args.lat))
    return _edit(args, ctx, lambda live: live.move_facility(args.facility, args.lon, args.lat))


def cmd_remove(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    if args.site is not None:
        return _edit(args, ctx, lambda live: live.remove_site(args.site))
    return _edit(args, ctx, lambda live: live.revert_facility(args.facility))


def cmd_undo(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    return _edit(args, ctx, lambda live: live.undo())


def cmd_redo(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    return _edit(args, ctx, lambda live: live.redo())


def _groups(p: Project, option: str | None) -> dict[str, dict[str, str]] | None:
    if not option:
        return None
    from zaitaku_map.options import get_option

    opt = get_option(p, option)
    return {option: opt.unit_ken_names()}


def cmd_evaluate(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    from zaitaku_map.coverage import resolve_coverage_params
    from zaitaku_map.remedies.coverage import evaluate_scenario

    with open_project(args.project) as p:
        params = resolve_coverage_params(p, minutes=args.minutes, mode=args.mode)
        ev = evaluate_scenario(p, args.name, params, groups=_groups(p, args.option))
        return ev.to_dict()


def cmd_export(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    from dataclasses import asdict

    from zaitaku_map.export.request import ExportRequest
    from zaitaku_map.export.scenario_doc import export_scenario_pdf

    with open_project(args.project) as p:
        sc = get_scenario(p, args.name)
        request = ExportRequest(
            option=args.option,
            scenario=sc.name,
            paper=args.paper,
            landscape=not args.portrait,
            coverage_category=sc.category,
            coverage_minutes=args.minutes,
        )
        res = export_scenario_pdf(p, request, args.pdf, progress=ctx.progress(), cancel=ctx.cancel)
    return asdict(res)


def cmd_rename(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    from zaitaku_map.remedies import rename_scenario

    with open_project(args.project) as p:
        rename_scenario(p, args.name, args.new_name)
    return {"renamed": args.name, "to": args.new_name}


def cmd_delete(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    from zaitaku_map.remedies import delete_scenario

    with open_project(args.project) as p:
        delete_scenario(p, args.name)
    return {"deleted": args.name}


def _human_evaluate(res: dict[str, Any]) -> None:
    T = SCENARIO_TEXT
    print(T["evaluate_title"].format(name=res["scenario"], category=res["category_name"]))
    print(f"{T['params']}: {res['description_ja']}")
    print(
        T["evaluate_total"].format(
            before=f"{res['covered_before']:,.0f}",
            after=f"{res['covered_after']:,.0f}",
            total=f"{res['total']:,.0f}",
            gain=f"{res['gain']:+,.0f}",
        )
    )
    print(
        T["evaluate_facilities"].format(
            before=res["facilities_before"], after=res["facilities_after"], sites=res["hypothetical_sites"]
        )
    )
    for layer, areas in res["areas"].items():
        print(f"\n{layer}\t{T['columns']}")
        for a in areas:
            print(
                f"{a['name']}\t{a['pop_total']:,.0f}\t{a['uncovered_before']:,.0f}\t{a['uncovered_after']:,.0f}"
                f"\t{a['uncovered_75_before']:,.0f}\t{a['uncovered_75_after']:,.0f}"
            )
