"""``projection``: import future demand, projected population and use rates; show what the project holds."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from zaitaku_map.cli.common import Context, common_parent, open_existing
from zaitaku_map.errors import InputDataError, ZaitakuError
from zaitaku_map.labels import DEMAND_CLI, DEMAND_KEYS, DEMAND_METHODS

if TYPE_CHECKING:
    from zaitaku_map.demand import FileReport


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "projection",
        parents=[common_parent()],
        help="将来の需要（構想区域別の医療需要推計）・将来推計人口・利用率の表を取り込む／状況を表示する",
    )
    p.add_argument("project", help="プロジェクトファイル (.gpkg)")
    p.add_argument("files", nargs="*", help="取り込むファイル（.xlsx / .csv、複数可）。省略すると状況を表示")
    p.add_argument(
        "--layer", default=None, help="構想区域のコードをもつ圏域レイヤー（既定: コードが一致するレイヤー）"
    )
    p.add_argument(
        "--mapping",
        default=None,
        help='推計人口の表の列の対応 JSON（例 {"muni_code": "コード", "year": "年", "sex": "性別", '
        '"age": "年齢", "value": "人口"}）',
    )
    p.add_argument("--year", type=int, default=None, help="年が書かれていない推計人口の表の年")
    p.add_argument("--rate-per", type=float, default=None, help="利用率が人口何人あたりか（例 1000）")
    p.add_argument("--rate-period", choices=("month", "year"), default=None, help="利用率の期間")
    p.add_argument(
        "--rate-measure", default=None, help="利用率の種類（home_visit・home_nursing・outpatient）"
    )
    p.add_argument(
        "--kind", choices=("mhlw_demand", "projection", "use_rates"), default=None, help="形式の指定"
    )
    p.add_argument(
        "--key", choices=("75+", "65+", "total"), default=None, help="按分に使う推計人口（設定を保存）"
    )
    p.add_argument(
        "--rates", dest="use_rates", action="store_true", default=None, help="利用率による推計を使う"
    )
    p.add_argument("--no-rates", dest="use_rates", action="store_false", help="利用率による推計を使わない")
    p.add_argument("--growth-min", type=float, default=None, help="注意を付ける需要の伸び（例 0.15）")
    p.add_argument(
        "--supply-ratio-max",
        type=float,
        default=None,
        help="注意を付ける需要あたり施設数（案全体に対する比、例 0.8）",
    )
    p.set_defaults(handler=cmd_projection, human=_human)


def cmd_projection(args: argparse.Namespace, ctx: Context) -> dict[str, Any]:
    from zaitaku_map.demand import ImportOptions, import_projection_file, load_params, save_params, updated
    from zaitaku_map.demand.status import demand_status

    mapping = None
    if args.mapping:
        try:
            mapping = json.loads(args.mapping)
        except json.JSONDecodeError as exc:
            raise InputDataError(
                "--mapping is not JSON", value=args.mapping, expected='{"value": "人口"}'
            ) from exc
    options = ImportOptions(
        layer=args.layer,
        mapping=mapping,
        year=args.year,
        rate_per=args.rate_per,
        rate_period=args.rate_period,
        rate_measure=args.rate_measure,
        kind=args.kind,
    )
    with open_existing(args.project) as project:
        reports: list[FileReport] = []
        errors: list[ZaitakuError] = []
        prog = ctx.progress()
        for i, f in enumerate(args.files):
            prog.update(i / max(len(args.files), 1), f"{f} を読み込み中")
            try:
                reports.append(import_projection_file(project, f, options=options))
            except ZaitakuError as err:  # one bad file: report it, import the others
                if len(args.files) == 1:
                    raise
                err.file = err.file or f
                errors.append(err)
        params = updated(
            load_params(project),
            key=args.key,
            use_rates=args.use_rates,
            growth_min=args.growth_min,
            supply_ratio_max=args.supply_ratio_max,
            area_layer=args.layer,
        )
        if params != load_params(project):
            save_params(project, params)
        status = demand_status(project).to_dict()
    if errors:
        ctx.exit_code = 3
    return {
        "imported": [r.to_dict() for r in reports],
        "failed": [e.to_dict() for e in errors],
        "status": status,
        "_reports": reports,  # typed, for the human rendering (not in --json)
        "_errors": errors,
    }


def _human(r: dict[str, Any]) -> None:
    from zaitaku_map.ingest.report import error_text, projection_lines

    for rep in r["_reports"]:
        for line in projection_lines(rep):
            print(line)
    for err in r["_errors"]:
        print(f"取り込めませんでした: {error_text(err)}")
    for line in status_lines(r["status"]):
        print(line)


def status_lines(s: dict[str, Any]) -> list[str]:
    """Human lines of :meth:`DemandStatus.to_dict`."""
    out = ["将来の需要:"]
    kinds = {"mhlw_demand": "需要推計", "projection": "推計人口", "use_rates": "利用率"}
    for src in s["sources"]:
        ed = f"（{src['edition']}）" if src.get("edition") else ""
        out.append(f"  {kinds.get(src['kind'], src['kind'])}: {src['file']}{ed}")
    if s["areas"]:
        out.append(f"  構想区域（圏域レイヤー「{s['layer'] or '-'}」）の訪問診療 レセプト件数/月:")
        for a in s["areas"]:
            v = a["values"]
            g = "-" if a["growth"] is None else f"{a['growth']:+.1%}"
            years = "  ".join(f"{y}: {v[y]:,.1f}" for y in sorted(v))
            out.append(
                f"    {a['area_code']} {a['area_name'] or ''}  {years}  ピーク {a['peak_label'] or '-'}  伸び {g}"
            )
    p = s["params"]
    out.append(
        f"  市区町村別の推計人口: {s['units_with_projection']} / {s['units']} 市区町村"
        + (
            f"（{min(s['projection_years'])}–{max(s['projection_years'])}年）"
            if s["projection_years"]
            else ""
        )
        + ("・利用率: あり" if s["rates"] else "")
    )
    method = s["municipal_method"]
    out.append(
        "  市区町村別の需要: "
        + (DEMAND_METHODS.get(method, method) if method else "出せません")
        + (
            f"（按分の基準: {DEMAND_KEYS.get(s['municipal_key'], s['municipal_key'])}）"
            if s["municipal_key"]
            else ""
        )
    )
    out.append(
        f"  設定: 按分 {DEMAND_KEYS[p['key']]}・利用率 {'使う' if p['use_rates'] else '使わない'}・注意の目安: {s['thresholds']}"
    )
    out += [f"  ※ {n}" for n in s["notes"]]
    out += [f"  不足: {n}" for n in s["needs"]]
    return out


def evaluation_demand_lines(res: dict[str, Any]) -> list[str]:
    """The demand table of ``option evaluate`` (human output) when the evaluation carries demand."""
    kens = [r for r in res["kens"] if r.get("demand")]
    if not kens:
        return []
    tot = (res.get("totals") or {}).get("demand") or {}
    key = tot.get("key")
    method = (tot.get("method_label") or DEMAND_CLI["no_method"]) + (
        f"・按分の基準 {DEMAND_KEYS.get(key, key)}" if key else ""
    )
    first = kens[0]["demand"]
    base, target = first["growth_years"]
    year = first.get("year")
    years = sorted({base, target, *([year] if year else [])})
    out = [DEMAND_CLI["eval_head"].format(method=method)]
    out.append(
        "\t".join(
            [
                DEMAND_CLI["col_ken"],
                *(DEMAND_CLI["col_year"].format(year=y) for y in years),
                DEMAND_CLI["col_growth"],
                DEMAND_CLI["col_peak"],
                DEMAND_CLI["col_peak75"],
            ]
        )
    )
    for r in kens:
        d = r["demand"]
        vals = d.get("home_visit_per_month") or {}
        pp = r.get("population_projection") or {}
        cells = [r["name"]]
        cells += ["-" if vals.get(str(y)) is None else f"{vals[str(y)]:,.1f}" for y in years]
        cells += [
            "-" if d.get("growth") is None else f"{d['growth']:+.1%}",
            d.get("peak_class") or "-",
            pp.get("peak_class_75") or "-",
        ]
        out.append("\t".join(cells) + ("\t" + DEMAND_CLI["flag"] if d.get("flagged") else ""))
    if any(r["demand"].get("flagged") for r in kens):
        out.append(DEMAND_CLI["thresholds"].format(text=tot.get("thresholds", "")))
    out += [f"  {DEMAND_CLI['source']}{s}" for s in tot.get("sources") or []]
    out += [f"  ※ {n}" for n in tot.get("notes") or []]
    return out
