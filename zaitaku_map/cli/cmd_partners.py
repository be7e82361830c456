"""``zaitaku-map partners PROJECT``: 協力医療機関 candidate lists for care facilities (2024 reform).

Examples::

    zaitaku-map partners P                                   # counts and flagged facilities
    zaitaku-map partners P --minutes 20 --municipality 鳥取市 --pdf 候補リスト.pdf --xlsx 候補リスト.xlsx
    zaitaku-map partners P --agreements 協力医療機関の届出状況.xlsx   # import the prefecture's table first
    zaitaku-map partners P --option 案A --json                # flags per 圏域 of an option
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from zaitaku_map.cli.common import Context, common_parent
from zaitaku_map.errors import InputDataError
from zaitaku_map.labels import CARE_KINDS_SHORT, PARTNER_STATUS
from zaitaku_map.store import open_project


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "partners",
        parents=[common_parent()],
        help="介護施設ごとに協力医療機関の候補（N分以内の医療機関）を一覧にする",
        description="特養・地域密着型特養・老健・介護医療院（要件(1)(2)(3)）と特定施設・認知症GH（(1)(2)）ごとに、"
        "N分以内にあり各要件を満たしうる医療機関の候補リストを作り、候補のない施設を示します。",
    )
    p.add_argument("project", help="プロジェクトファイル (.gpkg)")
    p.add_argument(
        "--minutes", type=float, help="何分以内の医療機関を候補とするか（既定: 保存した値、なければ 30）"
    )
    p.add_argument("--save", action="store_true", help="--minutes をこのプロジェクトの既定として保存する")
    p.add_argument("--municipality", help="この市区町村（コードまたは名前）の介護施設だけ")
    p.add_argument("--option", help="この圏域案の圏域ごとに候補のない施設を数える")
    p.add_argument(
        "--mode",
        choices=["auto", "network", "straight"],
        help="到達時間の求め方（既定: 保存した到達圏の設定）",
    )
    p.add_argument("--pdf", help="候補リストの PDF（市区町村ごと・施設ごとに1ページ）")
    p.add_argument("--xlsx", help="候補リストの Excel ファイル（すべての候補）")
    p.add_argument("--csv", help="候補リストの CSV（他のシートは 名前_シート名.csv）")
    p.add_argument(
        "--encoding", default="utf-8-sig", help="CSV の文字コード（既定 utf-8-sig、古い Excel 向けに cp932）"
    )
    p.add_argument(
        "--per-requirement", type=int, default=10, help="PDF に載せる候補の数（要件ごと、既定 10）"
    )
    p.add_argument(
        "--agreements", metavar="FILE", help="都道府県が集めた協力医療機関の届出の一覧（CSV/Excel）を取り込む"
    )
    p.add_argument(
        "--mapping",
        help='届出の一覧の列の対応（JSON 文字列またはファイル。例 {"care_name": "施設名", "inst_name": "協力医療機関"}）',
    )
    p.add_argument("--reference-date", help="届出の一覧の基準日 YYYY-MM-DD（表に書かれていない場合）")
    p.set_defaults(handler=cmd_partners, human=_human)


def _mapping(text: str | None) -> dict[str, str] | None:
    if not text:
        return None
    try:
        raw = Path(text).read_text(encoding="utf-8-sig") if Path(text).is_file() else text
        data = json.loads(raw)
    except (OSError, ValueError) as exc:
        raise InputDataError(
            f"mapping unreadable: {exc}",
            value=text,
            expected='JSON {"care_name": "列名", "inst_name": "列名", ...}',
        ) from exc
    if not isinstance(data, dict):
        raise InputDataError(
            "mapping must be a JSON object", value=text, expected='{"care_name": "列名", ...}'
        )
    return {str(k): str(v) for k, v in data.items()}


def _groups(project: Any, option: str) -> tuple[dict[str, str], dict[str, str]]:
    from zaitaku_map.options import get_option
    from zaitaku_map.partners.lists import ward_groups

    opt = get_option(project, option)
    names = {str(k): str(v.get("name") or k) for k, v in opt.kens.items()}
    return ward_groups(project, dict(opt.assignments)), names


def cmd_partners(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    from zaitaku_map.coverage import resolve_coverage_params
    from zaitaku_map.partners import agreement_status, import_agreements, partner_lists, save_minutes

    prog = ctx.progress()
    out: dict[str, Any] = {}
    with open_project(args.project) as project:
        if args.agreements:
            rep = import_agreements(
                project,
                args.agreements,
                mapping=_mapping(args.mapping),
                reference_date=args.reference_date,
                progress=prog.step(0.2),
            )
            out["agreements_import"] = rep.to_dict()
        if args.save and args.minutes is not None:
            save_minutes(project, args.minutes)
        params = resolve_coverage_params(project, mode=args.mode) if args.mode else None
        lists = partner_lists(
            project,
            minutes=args.minutes,
            coverage_params=params,
            municipality=args.municipality,
            progress=prog.step(0.5),
        )
        status = agreement_status(project, lists)
        out.update(lists.to_dict())
        if status.file:
            out["agreements"] = status.to_dict()
        if args.option:
            groups, names = _groups(project, args.option)
            out["option"] = args.option
            out["by_ken"] = [g.to_dict() for g in lists.by_group(groups, names)]
        out["files"] = _write(project, lists, status, args, prog.step(0.3))
    return out


def _write(project: Any, lists: Any, status: Any, args: argparse.Namespace, prog: Any) -> dict[str, Any]:
    files: dict[str, Any] = {}
    scope = args.municipality or "全域"
    if args.pdf:
        from zaitaku_map.export.partners_doc import export_partners_pdf

        files["pdf"] = export_partners_pdf(
            project,
            lists,
            args.pdf,
            status=status,
            scope=scope,
            per_requirement=args.per_requirement,
            progress=prog,
        ).to_dict()
    if args.xlsx:
        from zaitaku_map.export.partners_tables import export_partners_xlsx

        files["xlsx"] = export_partners_xlsx(project, lists, args.xlsx, status=status).to_dict()
    if args.csv:
        from zaitaku_map.export.partners_tables import export_partners_csv

        files["csv"] = export_partners_csv(
            project, lists, args.csv, status=status, encoding=args.encoding
        ).to_dict()
    return files


def _human(out: dict[str, Any]) -> None:
    imp = out.get("agreements_import")
    if imp:
        print(
            f"■ 協力医療機関の届出 {imp['file']}（基準日 {imp['reference_date'] or '不明'}）: 読込 {imp['rows_read']} 行・"
            f"協力医療機関あり {imp['agreements']}・なし {imp['without_partner']}・除外 {len(imp['rejected'])}"
        )
        for u in imp["care_unmatched"]:
            print(f"  介護施設が見つからない行: {u['row']}行目 {u['jigyosho_no']} {u['name']}")
        for u in imp["institution_unmatched"]:
            print(f"  医療機関が見つからない行: {u['row']}行目 {u['code']} {u['name']}")
        for r in imp["rejected"]:
            print(f"  除外: {r['row']}行目 {r['reason']}")
    print(f"到達時間: {out['description_ja']}")
    print(
        f"介護施設 {out['care_facilities']} か所・候補となる医療機関 {out['institutions']} か所"
        f"（{out['seconds']:.1f} 秒）"
    )
    print(
        f"{out['minutes']:g}分以内に候補のない施設 {out['flagged']} か所"
        f"（(1)(2)なし {out['flag_12']}・(3)なし {out['flag_3']}）"
    )
    for f in out["facilities"]:
        if f["flag_12"] or f["flag_3"]:
            miss = "・".join(x for x, flag in (("(1)(2)", f["flag_12"]), ("(3)", f["flag_3"])) if flag)
            note = f"　{PARTNER_STATUS[f['status']]}" if f["status"] != "ok" else ""
            print(f"  {f['muni_name']}\t{f['name']}（{CARE_KINDS_SHORT[f['kind']]}）\t{miss}の候補なし{note}")
    print("市区町村\t施設\t(1)(2)なし\t(3)なし")
    for g in out["by_municipality"]:
        print(f"{g['name']}\t{g['facilities']}\t{g['flag_12']}\t{g['flag_3']}")
    if out.get("by_ken"):
        print(f"圏域（{out['option']}）\t施設\t(1)(2)なし\t(3)なし")
        for g in out["by_ken"]:
            print(f"{g['name']}\t{g['facilities']}\t{g['flag_12']}\t{g['flag_3']}")
    ag = out.get("agreements")
    if ag:
        print(
            f"届出（{ag['file']}）: 協力医療機関あり {ag['linked']} か所・なし {ag['unlinked']} か所・"
            f"{out['minutes']:g}分を超える協力医療機関 {ag['partners_beyond']} 件"
        )
    for kind, info in out.get("files", {}).items():
        extra = f"（{info['pages']} ページ）" if info.get("pages") else ""
        print(f"出力 {kind}: {info['path']}{extra}")
