"""``zaitaku-map option PROJECT ACTION …``: draft, edit, evaluate and compare 圏域 options.

Examples::

    zaitaku-map option P create 案A --template area --layer 二次医療圏
    zaitaku-map option P create 案B --template area_split --split 東部北:31201,31202
    zaitaku-map option P create 案C --template designated_city --wards
    zaitaku-map option P create 提案 --template proposed --min-population 100000
    zaitaku-map option P assign 案B --ken 東部北 --units 31201,31202
    zaitaku-map option P undo 案B
    zaitaku-map option P role 123            # 積極的役割 on (--off to remove)
    zaitaku-map option P hub 案A --ken 31001 --name 鳥取県東部医師会 --body-type medical_association
    zaitaku-map option P function 123 --set 1,3 --unset 4
    zaitaku-map option P evaluate 案A --json
    zaitaku-map option P compare 案A 案B --json
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from zaitaku_map.cli.common import Context, common_parent, open_existing
from zaitaku_map.options.templates import DEFAULT_LAYER, TEMPLATES
from zaitaku_map.store import Project

if TYPE_CHECKING:
    from zaitaku_map.coverage import CoverageParams
    from zaitaku_map.options import EvaluationTarget
    from zaitaku_map.options.model import (
        AssignResult,
        DeletedKen,
        DeletedOption,
        DuplicatedOption,
        Hub,
        KenResult,
        OptionInfo,
        Redone,
        RenamedOption,
        UnassignResult,
        Undone,
    )
    from zaitaku_map.options.roles import RemovedHubs, RoleResult
    from zaitaku_map.options.templates import CreatedOption

    Actions = argparse._SubParsersAction[argparse.ArgumentParser]


def _codes(text: str | None) -> list[str]:
    if not text:
        return []
    return [c.strip() for c in text.replace("、", ",").replace(" ", ",").split(",") if c.strip()]


def _fnums(text: str | None) -> list[int]:
    trans = str.maketrans("①②③④１２３４", "12341234")
    return [int(c) for c in _codes((text or "").translate(trans))]


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``option`` and its actions to the parser."""
    p = sub.add_parser("option", help="圏域の案を作成・編集・評価・比較する")
    p.add_argument("project", help="プロジェクトファイル (.gpkg)")
    acts = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    cp = common_parent()
    _register_create(acts, cp)
    _register_edits(acts, cp)
    _register_manage(acts, cp)
    _register_roles(acts, cp)
    _register_analysis(acts, cp)


def _register_create(acts: Actions, cp: argparse.ArgumentParser) -> None:
    a = acts.add_parser(
        "templates", parents=[cp], help="テンプレートごとに使えるか（使えない理由）と使う設定"
    )
    a.add_argument("--layer", default=DEFAULT_LAYER, help="基にする圏域レイヤー（既定: 二次医療圏）")
    a.add_argument("--base", help="基にする既存の案（B・C）")
    a.set_defaults(handler=cmd_templates, human=_human_templates)

    a = acts.add_parser("create", parents=[cp], help="テンプレートから案を作る")
    a.add_argument("name")
    a.add_argument("--template", default="area", choices=list(TEMPLATES))
    a.add_argument("--layer", default=DEFAULT_LAYER, help="基にする圏域レイヤー（既定: 二次医療圏）")
    a.add_argument("--base", help="基にする既存の案（B・C）")
    a.add_argument("--split", action="append", default=[], help="B: 圏域キー:コード,コード（複数可）")
    a.add_argument("--wards", action="store_true", help="C: 政令市の区をそれぞれ1圏域に")
    a.add_argument(
        "--min-population",
        type=float,
        help="自動提案: 圏域の最小人口（既定: 圏域レイヤーの人口の中央値の1/4。0 で条件なし）",
    )
    a.add_argument("--require", help="自動提案: 各圏域に必須の施設種別（既定 zaishi,home_nursing）")
    a.add_argument("--seed", type=int, help="自動提案: 乱数シード")
    a.add_argument("--iterations", type=int, help="自動提案: 試行回数")
    a.add_argument("--notes", default="")
    a.add_argument("--author", default="")
    a.add_argument("--plan-period", default="", help="計画期間（例 2024-2029）")
    a.set_defaults(handler=cmd_create)


def _register_edits(acts: Actions, cp: argparse.ArgumentParser) -> None:
    a = acts.add_parser("assign", parents=[cp], help="市区町村を圏域に割り当てる（新しい圏域も可）")
    a.add_argument("name")
    a.add_argument("--ken", required=True, help="圏域キー（新しいキーなら圏域を作成）")
    a.add_argument("--units", required=True, help="市区町村コード（カンマ区切り。政令市コードは全区）")
    a.add_argument("--ken-name", help="圏域の表示名")
    a.add_argument("--color", help="圏域の色 (#rrggbb)")
    a.set_defaults(handler=cmd_assign)

    a = acts.add_parser("unassign", parents=[cp], help="市区町村を圏域から外す")
    a.add_argument("name")
    a.add_argument("--units", required=True)
    a.set_defaults(handler=cmd_unassign)

    a = acts.add_parser("ken", parents=[cp], help="圏域の名称・色・メモを変更／削除")
    a.add_argument("name")
    a.add_argument("ken")
    a.add_argument("--rename", dest="new_name")
    a.add_argument("--color", help="圏域の色 (#rrggbb)")
    a.add_argument("--notes")
    a.add_argument("--delete", action="store_true", help="圏域を削除（市区町村は未割当に）")
    a.set_defaults(handler=cmd_ken)

    for action, helptext in (("undo", "直前の編集を取り消す"), ("redo", "取り消した編集をやり直す")):
        a = acts.add_parser(action, parents=[cp], help=helptext)
        a.add_argument("name")
        a.set_defaults(handler=cmd_undo if action == "undo" else cmd_redo)


def _register_manage(acts: Actions, cp: argparse.ArgumentParser) -> None:
    a = acts.add_parser("list", parents=[cp], help="案の一覧")
    a.set_defaults(handler=cmd_list)

    a = acts.add_parser("show", parents=[cp], help="案の内容（圏域と市区町村）")
    a.add_argument("name")
    a.set_defaults(handler=cmd_show)

    a = acts.add_parser("rename", parents=[cp], help="案の名前を変更")
    a.add_argument("name")
    a.add_argument("new_name")
    a.set_defaults(handler=cmd_rename)

    a = acts.add_parser("duplicate", parents=[cp], help="案を複製")
    a.add_argument("name")
    a.add_argument("new_name")
    a.set_defaults(handler=cmd_duplicate)

    a = acts.add_parser("delete", parents=[cp], help="案を削除")
    a.add_argument("name")
    a.set_defaults(handler=cmd_delete)


def _register_roles(acts: Actions, cp: argparse.ArgumentParser) -> None:
    a = acts.add_parser("role", parents=[cp], help="積極的役割を担う医療機関に指定（--off で解除）")
    a.add_argument("facility_id", type=int, nargs="+")
    a.add_argument("--off", action="store_true")
    a.add_argument("--option", help="この案の編集履歴に記録する（undo で戻せる）")
    a.set_defaults(handler=cmd_role)

    a = acts.add_parser("hub", parents=[cp], help="連携を担う拠点を圏域に追加／削除")
    a.add_argument("name")
    a.add_argument("--ken", help="圏域キー")
    a.add_argument("--facility", type=int, help="施設ID（リストにある施設）")
    a.add_argument("--hub-name", "--body", dest="hub_name", help="拠点の名称（リストにない機関も可）")
    a.add_argument("--body-type", help="municipality|health_center|medical_association|renkei_center|…")
    a.add_argument("--remove", action="store_true")
    a.set_defaults(handler=cmd_hub)

    a = acts.add_parser("function", parents=[cp], help="施設の機能①〜④を設定（既定値の上書き）")
    a.add_argument("facility_id", type=int)
    a.add_argument("--set", dest="set_", help="担う機能 (例 1,3)")
    a.add_argument("--unset", help="担わない機能")
    a.add_argument("--default", dest="reset", help="既定値に戻す機能")
    a.add_argument("--option", help="この案の編集履歴に記録する（undo で戻せる）")
    a.set_defaults(handler=cmd_function)


def _register_analysis(acts: Actions, cp: argparse.ArgumentParser) -> None:
    a = acts.add_parser("evaluate", parents=[cp], help="案を評価（圏域ごとの指標と警告）")
    a.add_argument("name")
    _coverage_args(a)
    a.add_argument(
        "--scenario", help="このシナリオの施設（仮想施設・休止など）で評価する（「案A＋シナリオ」）"
    )
    a.set_defaults(handler=cmd_evaluate, human=_human_evaluate)

    a = acts.add_parser("compare", parents=[cp], help="2つ以上の案を比較（「案A＋シナリオ1」も可）")
    a.add_argument("names", nargs="+")
    _coverage_args(a)
    a.set_defaults(handler=cmd_compare, human=_human_compare)


def _coverage_args(a: argparse.ArgumentParser) -> None:
    a.add_argument("--coverage", action="store_true", help="到達圏のカバー率を含める（既定の条件）")
    a.add_argument("--minutes", type=float, help="到達圏の分数（--coverage を含意）")
    a.add_argument("--mode", choices=["auto", "network", "straight"], help="到達圏の計算方法")
    a.add_argument("--year", type=int, help="将来推計の年（需要などの列。既定: 基準年）")


def _coverage_params(project: Project, args: argparse.Namespace) -> CoverageParams | None:
    """With ``--coverage``/``--minutes``/``--mode``: the project's parameters (or the defaults) with
    those overrides; without: ``None`` (the evaluation then uses the saved parameters, if any)."""
    if not (args.coverage or args.minutes is not None or args.mode):
        return None
    from zaitaku_map.coverage import resolve_coverage_params

    return resolve_coverage_params(project, minutes=args.minutes, mode=args.mode)


def cmd_list(args: argparse.Namespace, ctx: Context) -> dict[str, list[OptionInfo]]:
    from zaitaku_map.options import list_options

    with open_existing(args.project, ctx) as p:
        return {"options": list_options(p)}


def cmd_templates(args: argparse.Namespace, ctx: Context) -> Mapping[str, Any]:
    from zaitaku_map.options import template_choices

    with open_existing(args.project, ctx) as p:
        choices = template_choices(p, layer=args.layer, base=args.base)
    return {"layer": args.layer, "base": args.base, "templates": [c.to_dict() for c in choices]}


def _human_templates(res: dict[str, Any]) -> None:
    for t in res["templates"]:
        mark = "○" if t["available"] else "×"
        print(f"{mark} {t['key']}: {t['label']}")
        if t["reason"]:
            print(f"    {t['reason']}")
        if t["parameters"]:
            print(f"    設定: {', '.join(t['parameters'])}")
        if t["note"]:
            print(f"    {t['note']}")


def cmd_create(args: argparse.Namespace, ctx: Context) -> CreatedOption:
    from zaitaku_map.options import create_option

    kw: dict[str, Any] = {}
    if args.split:
        kw["split"] = args.split
    if args.wards:
        kw["wards"] = True
    if args.template == "proposed":
        for k in ("min_population", "require", "seed", "iterations"):
            v = getattr(args, k)
            if v is not None:
                kw[k] = v
    with open_existing(args.project, ctx) as p:
        res = create_option(
            p,
            args.name,
            template=args.template,
            layer=args.layer,
            base=args.base,
            notes=args.notes,
            author=args.author,
            plan_period=args.plan_period,
            **kw,
        )
    default = res["params"].get("min_population_default")
    if default:
        ctx.note(default["rule"])
    ctx.note(f"案「{res['option']}」を作成しました（{res['n_kens']}圏域）")
    return res


def cmd_show(args: argparse.Namespace, ctx: Context) -> Mapping[str, Any]:
    from zaitaku_map.options import get_option
    from zaitaku_map.options.history import history_state
    from zaitaku_map.options.inputs import load_units

    with open_existing(args.project, ctx) as p:
        opt = get_option(p, args.name)
        units = load_units(p)
        d = opt.to_dict()
        d["kens"] = [
            {
                "ken_key": k,
                **v,
                "municipalities": [
                    f"{u} {units[u].full_name if u in units else '?'}" for u in d["members"].get(k, [])
                ],
            }
            for k, v in opt.kens.items()
        ]
        d["unassigned"] = [f"{u} {units[u].full_name}" for u in units if u not in opt.assignments]
        d.pop("members")
        d.pop("assignments")
        d.update(history_state(p, opt.id))
        return d


def cmd_assign(args: argparse.Namespace, ctx: Context) -> AssignResult:
    from zaitaku_map.options import assign

    with open_existing(args.project, ctx) as p:
        return assign(p, args.name, _codes(args.units), args.ken, ken_name=args.ken_name, color=args.color)


def cmd_unassign(args: argparse.Namespace, ctx: Context) -> UnassignResult:
    from zaitaku_map.options import unassign

    with open_existing(args.project, ctx) as p:
        return unassign(p, args.name, _codes(args.units))


def cmd_ken(args: argparse.Namespace, ctx: Context) -> KenResult | DeletedKen:
    from zaitaku_map.options import delete_ken, set_ken

    with open_existing(args.project, ctx) as p:
        if args.delete:
            return delete_ken(p, args.name, args.ken)
        return set_ken(p, args.name, args.ken, new_name=args.new_name, color=args.color, notes=args.notes)


def cmd_undo(args: argparse.Namespace, ctx: Context) -> Undone:
    from zaitaku_map.options import undo

    with open_existing(args.project, ctx) as p:
        res = undo(p, args.name)
    ctx.note(f"取り消しました: {res['undone']}" if res["undone"] else "取り消す編集はありません")
    return res


def cmd_redo(args: argparse.Namespace, ctx: Context) -> Redone:
    from zaitaku_map.options import redo

    with open_existing(args.project, ctx) as p:
        res = redo(p, args.name)
    ctx.note(f"やり直しました: {res['redone']}" if res["redone"] else "やり直す編集はありません")
    return res


def cmd_rename(args: argparse.Namespace, ctx: Context) -> RenamedOption:
    from zaitaku_map.options import rename_option

    with open_existing(args.project, ctx) as p:
        return rename_option(p, args.name, args.new_name)


def cmd_duplicate(args: argparse.Namespace, ctx: Context) -> DuplicatedOption:
    from zaitaku_map.options import duplicate_option

    with open_existing(args.project, ctx) as p:
        return duplicate_option(p, args.name, args.new_name)


def cmd_delete(args: argparse.Namespace, ctx: Context) -> DeletedOption:
    from zaitaku_map.options import delete_option

    with open_existing(args.project, ctx) as p:
        return delete_option(p, args.name)


def cmd_role(args: argparse.Namespace, ctx: Context) -> dict[str, list[RoleResult]]:
    from zaitaku_map.options import set_active_role

    with open_existing(args.project, ctx) as p:
        return {
            "facilities": [
                set_active_role(p, fid, not args.off, option=args.option) for fid in args.facility_id
            ]
        }


def cmd_hub(args: argparse.Namespace, ctx: Context) -> Hub | RemovedHubs | dict[str, list[Hub]]:
    from zaitaku_map.options import add_hub, get_option, remove_hub

    with open_existing(args.project, ctx) as p:
        if args.remove:
            return remove_hub(p, args.name, args.ken, name=args.hub_name, facility_id=args.facility)
        if not args.ken:
            return {"hubs": get_option(p, args.name).hubs}
        return add_hub(
            p, args.name, args.ken, facility_id=args.facility, name=args.hub_name, body_type=args.body_type
        )


def cmd_function(args: argparse.Namespace, ctx: Context) -> Mapping[str, Any]:
    from zaitaku_map.labels import FUNCTIONS
    from zaitaku_map.options import facility_functions, set_function

    with open_existing(args.project, ctx) as p:
        for f in _fnums(args.set_):
            set_function(p, args.facility_id, f, True, option=args.option)
        for f in _fnums(args.unset):
            set_function(p, args.facility_id, f, False, option=args.option)
        for f in _fnums(args.reset):
            set_function(p, args.facility_id, f, None, option=args.option)
        funcs = sorted(facility_functions(p, ids=[args.facility_id]).get(args.facility_id, set()))
        row = p.conn.execute(
            "SELECT name, category FROM facilities WHERE id=?", (args.facility_id,)
        ).fetchone()
    return {
        "facility_id": args.facility_id,
        "name": row[0] if row else None,
        "category": row[1] if row else None,
        "functions": funcs,
        "labels": [FUNCTIONS[f] for f in funcs],
    }


def cmd_evaluate(args: argparse.Namespace, ctx: Context) -> Mapping[str, Any]:
    from zaitaku_map.options import evaluate_option
    from zaitaku_map.remedies.facility_set import scenario_facility_set

    with open_existing(args.project, ctx) as p:
        facilities = scenario_facility_set(p, args.scenario) if args.scenario else None
        return evaluate_option(
            p, args.name, coverage_params=_coverage_params(p, args), year=args.year, facilities=facilities
        ).to_dict()


def _targets(p: Project, names: list[str]) -> list[str | EvaluationTarget]:
    """Option names, and 「案A＋シナリオ1」 (or 案A+シナリオ1) for an option under a stored scenario."""
    from zaitaku_map.options import EvaluationTarget
    from zaitaku_map.remedies.facility_set import scenario_facility_set

    out: list[str | EvaluationTarget] = []
    for name in names:
        option, sep, scenario = name.replace("+", "＋").partition("＋")
        out.append(EvaluationTarget(option, scenario_facility_set(p, scenario)) if sep else name)
    return out


def cmd_compare(args: argparse.Namespace, ctx: Context) -> Mapping[str, Any]:
    from zaitaku_map.options import compare_options

    with open_existing(args.project, ctx) as p:
        return compare_options(
            p, _targets(p, args.names), coverage_params=_coverage_params(p, args), year=args.year
        ).to_dict()


def _human_evaluate(res: dict[str, Any]) -> None:
    from zaitaku_map.labels import CATEGORIES

    print(f"案: {res['option']}（{res['template']} / {res['layer']}）  率は{res['rates_note']}")
    if res.get("coverage_description"):
        print(f"到達圏: {res['coverage_description']}")
    elif res.get("coverage_note"):
        print(res["coverage_note"])
    if res.get("population_note"):
        print(res["population_note"])
    cats = [c for c in CATEGORIES if any(r["facilities"].get(c, {}).get("count") for r in res["kens"])]
    head = [
        "圏域",
        "市区町村",
        "人口",
        "75歳以上",
        *[CATEGORIES[c].short for c in cats],
        "積極的役割",
        "拠点",
        "不足機能",
    ]
    print("\t".join(head))

    def num(v: float | None) -> str:
        return "-" if v is None else f"{v:,.0f}"

    for r in res["kens"]:
        cells = [
            r["name"],
            str(r["n_municipalities"]),
            num(r["population"]["pop_total"]),
            num(r["population"]["pop_75"]),
            *[str(r["facilities"].get(c, {}).get("count", 0)) for c in cats],
            "○" if r["active_role"]["present"] else "×",
            "○" if r["hub"]["present"] else "×",
            "".join(str(m) for m in r["missing_functions"]) or "-",
        ]
        print("\t".join(cells))
    from zaitaku_map.cli.cmd_projection import evaluation_demand_lines

    for line in evaluation_demand_lines(res):
        print(line)
    if res["warnings"]:
        print("警告:")
        for w in res["warnings"]:
            where = f"[{w['ken_name']}] " if w.get("ken_name") else ""
            print(f"  {'!' if w['level'] == 'warning' else '-'} {where}{w['message']}")


def _human_compare(res: dict[str, Any]) -> None:
    names = res["options"]
    print("指標\t" + "\t".join(names))
    for ind in res["indicator_order"]:
        cells = []
        for n in names:
            po = res["per_option"][n]
            v = po["indicators"].get(ind)
            flag = po["flags"].get(ind, "")
            mark = {"better": " ↑", "worse": " ↓", "different": " *"}.get(flag, "")
            cells.append(f"{v}{mark}")
        print(f"{ind}\t" + "\t".join(cells))
    print(
        f"圏域の構成が変わる市区町村: {res['n_changed_units']}（変わらない: {res['n_unchanged_units']}）、"
        f"別の圏域へ移る市区町村: {res['n_moved_units']}"
    )
    for d in res["unit_differences"]:
        mark = "◆" if d["moved_in"] else " "
        print(f" {mark}{d['code']} {d['name']}: " + " | ".join(str(d["kens"][n] or "未割当") for n in names))
