"""``zaitaku-map suggest PROJECT …``: which sites would bring the most uncovered people within reach.

Examples::

    zaitaku-map suggest P --category zaishi --k 5 --json
    zaitaku-map suggest P --category zaishi --k 10 --weight age75 --candidates clinics,hospitals --exact
    zaitaku-map suggest P --category home_nursing --k 3 --candidates care,grid --target-share 0.99
    zaitaku-map suggest P --category zaishi --k 3 --candidates 候補地.csv --to-scenario シナリオ1
"""

from __future__ import annotations

import argparse
from typing import Any

from zaitaku_map.cli.common import Context, common_parent
from zaitaku_map.labels import SUGGEST_COLUMNS, SUGGEST_KINDS, SUGGEST_TEXT
from zaitaku_map.store import open_project


def _codes(text: str | None) -> tuple[str, ...]:
    return tuple(c.strip() for c in (text or "").replace("、", ",").split(",") if c.strip())


def _areas(items: list[str]) -> tuple[tuple[str, str], ...]:
    from zaitaku_map.errors import InputDataError

    out = []
    for item in items:
        layer, sep, key = item.partition(":")
        if not sep or not layer or not key:
            raise InputDataError("an area to exclude is LAYER:CODE", value=item, expected="二次医療圏:9901")
        out.append((layer, key))
    return tuple(out)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "suggest",
        parents=[common_parent()],
        help="到達圏の外の人口を最も多く解消する施設の候補地を提案する（最大被覆立地問題）",
    )
    p.add_argument("project", help="プロジェクトファイル (.gpkg)")
    p.add_argument("--category", default="zaishi", help="種別（zaishi・zaishi_clinic・home_nursing など）")
    p.add_argument("--k", type=int, default=5, help="選ぶ候補地の数（利得曲線は 1〜k）")
    p.add_argument("--minutes", type=float, help="カバーとみなす分数（既定: プロジェクトの設定、なければ30）")
    p.add_argument("--mode", choices=["auto", "network", "straight"], help="移動時間の求め方")
    p.add_argument("--weight", default="total", choices=["total", "age65", "age75"], help="重み（人口）")
    p.add_argument("--year", type=int, help="重みを将来推計人口（例 2040）にする")
    p.add_argument(
        "--candidates",
        help="候補地: clinics,hospitals,care,grid またはファイル（カンマ区切りで複数可。既定は種別に応じて）",
    )
    p.add_argument("--grid-m", type=float, default=2000.0, help="grid の格子の大きさ（m）")
    p.add_argument("--exclude-muni", help="候補地から除く市区町村コード（カンマ区切り）")
    p.add_argument(
        "--exclude-area", action="append", default=[], help="候補地から除く圏域 LAYER:CODE（複数可）"
    )
    p.add_argument("--exact", action="store_true", help="厳密解（MILP・HiGHS）も求めて貪欲法との差を示す")
    p.add_argument("--target-share", type=float, help="双対問題: この人口割合（0〜1）に届く最少の候補地数")
    p.add_argument("--time-limit", type=float, default=120.0, help="厳密解の制限時間（秒）")
    p.add_argument("--scenario", help="このシナリオの状態から提案する")
    p.add_argument("--to-scenario", help="選ばれた候補地をこのシナリオに加える（なければ作成）")
    p.set_defaults(handler=cmd_suggest, human=_human)


def cmd_suggest(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    from zaitaku_map.coverage import resolve_coverage_params
    from zaitaku_map.remedies import get_scenario
    from zaitaku_map.remedies.candidates import CandidateSpec, parse_candidates
    from zaitaku_map.remedies.suggest import suggest

    sets, files = parse_candidates(args.candidates)
    spec = CandidateSpec(
        sets=sets,
        files=files,
        grid_m=args.grid_m,
        exclude_munis=_codes(args.exclude_muni),
        exclude_areas=_areas(args.exclude_area),
    )
    with open_project(args.project) as p:
        state = get_scenario(p, args.scenario).state if args.scenario else None
        params = resolve_coverage_params(p, minutes=args.minutes, mode=args.mode)
        res = suggest(
            p,
            category=args.category,
            k=args.k,
            weight=args.weight,
            year=args.year,
            candidates=spec,
            exact=args.exact,
            target_share=args.target_share,
            state=state,
            params=params,
            time_limit=args.time_limit,
            progress=ctx.progress(),
            cancel=ctx.cancel,
        )
        out = res.to_dict()
        if args.to_scenario and res.sites:
            out["scenario"] = _to_scenario(p, args.to_scenario, res, ctx)
    return out


def _to_scenario(p: Any, name: str, res: Any, ctx: Context) -> str:
    from zaitaku_map.remedies import create_scenario, get_scenario
    from zaitaku_map.remedies import scenarios as store
    from zaitaku_map.remedies.scenarios import ScenarioNotFoundError
    from zaitaku_map.remedies.suggest import suggestion_action

    try:
        sc = get_scenario(p, name)
    except ScenarioNotFoundError:
        sc = create_scenario(p, name, category=res.category)
    store.perform(p, sc.name, suggestion_action(sc.state, res.sites))
    ctx.note(SUGGEST_TEXT["to_scenario"].format(n=len(res.sites), name=sc.name))
    return str(sc.name)


def _human(res: dict[str, Any]) -> None:
    T = SUGGEST_TEXT
    print(
        T["title"].format(
            category=res["category_name"], minutes=f"{res['minutes']:g}", weight=res["weight_label"]
        )
    )
    print(f"{T['params']}: {res['description_ja']}")
    share = res["baseline_share"]
    print(
        T["baseline"].format(
            covered=f"{res['baseline_covered']:,.0f}",
            total=f"{res['total']:,.0f}",
            share=f"{share * 100:.1f}" if share is not None else "-",
        )
    )
    print(
        T["candidates"].format(
            n=res["candidates"], usable=res["candidates_usable"], useful=res["candidates_useful"]
        )
    )
    print("\t".join(SUGGEST_COLUMNS))
    for s in res["sites"]:
        cum = "-" if s["cumulative_share"] is None else f"{s['cumulative_share'] * 100:.2f}%"
        print(
            f"{s['rank']}\t{s['label']}\t{SUGGEST_KINDS.get(s['kind'], s['kind'])}\t{s['muni_name'] or s['muni_code'] or '-'}\t"
            f"{s['gain_pop']:,.0f}\t{s['gain_75']:,.0f}\t{s['cumulative']:,.0f}\t{cum}"
        )
    if not res["sites"]:
        print(T["none"])
    print(T["method_" + res["method"]])
    if res["gap"] is not None:
        print(T["gap"].format(gap=f"{res['gap'] * 100:.2f}"))
    if res["gap_bound"] is not None:
        print(T["bound"].format(bound=f"{res['gap_bound'] * 100:.1f}"))
    dual = res.get("dual")
    if dual:
        if not dual["reached"]:
            print(T["dual_unreached"].format(share=f"{dual['target_share'] * 100:g}"))
        else:
            exact = "" if dual["sites_exact"] is None else T["dual_exact"].format(n=dual["sites_exact"])
            print(T["dual"].format(share=f"{dual['target_share'] * 100:g}", n=dual["sites_greedy"]) + exact)
