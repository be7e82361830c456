"""The one Japanese renderer of import and geocoding reports, shared by the CLI and the GUI.

Every function returns lines of text (no printing).  The CLI prints them, the import wizard shows
them: both say the same facts (placeholders at 0,0, records not matched to another list, positions
per precision level …).  Internal keys, ids and Python values are never shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zaitaku_map.importers.report import ImportReport
from zaitaku_map.labels import (
    COORD_STATUS,
    DEMAND_MEASURES,
    DEMO_COUNTS,
    DEMO_FILE_GROUPS,
    GEOCODE_LEVELS,
    IMPORT_FORMATS,
    IMPORT_SKIP_REASONS,
    INGEST_KINDS,
    INGEST_SKIP_REASONS,
    REFERENCE_DATE_ORIGINS,
    category_label,
)
from zaitaku_map.messages import format_error

if TYPE_CHECKING:
    from zaitaku_map.demand import FileReport
    from zaitaku_map.store import Project

LIST_LIMIT = 20
DATE_HOW = "--reference-date で指定できます"  # the CLI's words; the GUI passes its own (GUI_*)
GUI_DATE_HOW = "「データの取り込み」で基準日を入れて取り込み直せます"
PREFECTURE_HOW = "init --prefecture で設定できます"
GUI_PREFECTURE_HOW = "行政区域を取り込むと設定されます"  # names listed per group before 「… ほか N 件」


def reference_date_text(report: Mapping[str, Any], *, how: str = "--reference-date で指定できます") -> str:
    """「2025-10-01（ファイル名から）」, or how to give a 基準日 when the report has none."""
    date = report.get("reference_date")
    if not date:
        return f"不明（{how}）"
    return f"{date}{REFERENCE_DATE_ORIGINS.get(report.get('reference_date_origin') or '', '')}"


def study_prefecture_line(codes: list[str]) -> str:
    from zaitaku_map.geocode.normalize import PREFECTURES

    if not codes:
        return f"対象都道府県: 未設定（全国ファイルはすべて取り込みます。{PREFECTURE_HOW}）"
    names = "・".join(f"{c} {PREFECTURES.get(c, '')}".strip() for c in codes)
    return f"対象都道府県: {names}（全国ファイルはこの範囲だけ取り込みます）"


def _more(items: list[Any], limit: int = LIST_LIMIT) -> str | None:
    return f"  … ほか {len(items) - limit} 件" if len(items) > limit else None


# -- facility lists -------------------------------------------------------------------------------
def facility_lines(r: ImportReport, *, how_date: str = "--reference-date で指定できます") -> list[str]:
    """What one facility file (or zip member) did."""
    if r.error:
        return [f"■ {r.file}  取り込めませんでした: {error_text(r.error)}"]
    out = [
        f"■ {r.file}  [{IMPORT_FORMATS.get(r.format, r.format)}]  基準日 "
        + reference_date_text(
            {"reference_date": r.reference_date, "reference_date_origin": r.reference_date_origin},
            how=how_date,
        ),
        f"  読込 {r.rows_read:,} 行 → 施設レコード {r.records:,} 件: 追加 {r.added:,} / 更新 {r.updated:,} / "
        f"掲載終了 {r.closed:,} / 変更なし {r.unchanged:,}"
        + (f" / 再掲載 {r.reopened:,}" if r.reopened else ""),
    ]
    if r.by_category:
        out.append("  種別: " + "、".join(f"{category_label(k)} {v:,}" for k, v in r.by_category.items()))
    if r.coord_status:
        out.append(
            "  元データの座標: "
            + "、".join(f"{COORD_STATUS.get(k, k)} {v:,}" for k, v in r.coord_status.items())
        )
    if r.matched_across_sources:
        out.append(f"  他の一覧と結び付け: {r.matched_across_sources:,} 件")
    for items, label in ((r.unmatched, "他の一覧に対応なし"), (r.ambiguous, "要確認")):
        out += [f"  {label}: {u['name']}（{u['address']}）" for u in items[:LIST_LIMIT]]
        more = _more(items)
        if more:
            out.append(more)
    roles = r.role_designations
    if roles:
        ok = sum(1 for x in roles if x["attached"])
        out.append(
            f"  在宅療養後方支援病院などの届出: 病院に付与 {ok} 件 / 対応する病院なし {len(roles) - ok} 件"
        )
        if ok:  # the 名簿 imported after the hospitals: which ones are still without a hospital
            out += [
                f"    対応する病院なし: {x['name']}（{x['address']}）" for x in roles if not x["attached"]
            ]
    if r.rejected:
        out.append(
            f"  除外 {r.rejected:,} 行: " + "、".join(f"{k} {v:,}" for k, v in r.rejected_reasons.items())
        )
    if r.skipped:
        out.append(
            "  対象外: " + "、".join(f"{IMPORT_SKIP_REASONS.get(k, k)} {v:,}" for k, v in r.skipped.items())
        )
    out += [f"  注: {n}" for n in r.notes]
    return out


def error_text(error: dict[str, Any] | BaseException) -> str:
    """One line of Japanese for an error (an exception or its ``to_dict()`` form)."""
    if isinstance(error, BaseException):
        return format_error(error).replace("\n", " ")
    from zaitaku_map import errors

    cls = getattr(errors, str(error.get("error") or ""), errors.ZaitakuError)
    if not (isinstance(cls, type) and issubclass(cls, errors.ZaitakuError)):
        cls = errors.ZaitakuError
    keys = ("file", "sheet", "row", "column", "value", "expected", "hint")
    err = cls(str(error.get("message") or ""), **{k: error[k] for k in keys if error.get(k) is not None})
    return format_error(err).replace("\n", " ")


# -- boundaries, areas, population --------------------------------------------------------------
def boundaries_lines(r: Mapping[str, Any]) -> list[str]:
    out = [
        f"行政区域を取り込みました: {Path(str(r['file'])).name}",
        f"  基準日: {reference_date_text(r)}",
        f"  市区町村 {r['municipalities']}・政令市の区 {r['wards']}（計 {r['units']} 単位）"
        + (f"・政令市 {len(r['designated_cities'])}（区から合成）" if r["designated_cities"] else ""),
        f"  島などの複数行を融合: {r['multi_row_municipalities']} 市区町村",
    ]
    out += [f"    {c['name']}: {c['wards']} 区" for c in r["designated_cities"]]
    if r.get("study_prefectures_set"):
        out.append(
            f"  対象都道府県を {_pref_names(r['study_prefectures_set'])} に設定しました"
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
        out.append(f"  除外: {len(r['rejected'])} 行（「除外・警告された行」を参照）")
    d = r["display"]
    out.append(
        f"  表示用形状: 頂点 {d['vertices_full']:,} → {d['vertices_display']:,}（許容 {d['tolerance_deg']}°）"
    )
    out += _replaced_lines(r.get("replaced"))
    out += [
        f"  圏域レイヤー「{name}」の面を作り直しました（{n} 圏域）"
        for name, n in (r.get("area_layers_rebuilt") or {}).items()
    ]
    if r.get("note"):
        out.append("  " + str(r["note"]))
    return out


def _pref_names(codes: list[str]) -> str:
    from zaitaku_map.geocode.normalize import PREFECTURES

    return "・".join(PREFECTURES.get(c, c) for c in codes)


def _replaced_lines(rep: dict[str, Any] | None) -> list[str]:
    if not rep:
        return []
    out = [f"  更新: 以前 {rep['previous_units']} 単位、新しいコード {len(rep['new_codes'])}"]
    for g in rep["disappeared"]:
        succ = g["successor_by_location"]
        out.append(f"    消えた市区町村 {g['name']} → " + (f"{succ['name']}" if succ else "後継不明"))
    if rep.get("area_members_with_unknown_codes"):
        out.append(
            f"  圏域レイヤーに残る旧コード: {len(rep['area_members_with_unknown_codes'])} 件"
            "（圏域の表を取り込み直してください）"
        )
    if rep.get("option_assignments_with_unknown_codes"):
        out.append(f"  圏域案の割当に残る旧コード: {rep['option_assignments_with_unknown_codes']} 件")
    return out


def areas_lines(r: Mapping[str, Any]) -> list[str]:
    out = [
        f"圏域レイヤー「{r['layer']}」を取り込みました: {r['loaded']} 市区町村 → {r['areas']} 圏域",
        f"  基準日: {reference_date_text(r)}",
    ]
    out += [f"    {a['area_name']}（{a['area_code']}）: {a['members']} 市区町村" for a in r["area_list"]]
    if r.get("ignored_other_prefectures"):
        out.append(f"  対象外の都道府県の行: {r['ignored_other_prefectures']:,} 行（無視）")
    if r.get("unmatched"):
        out.append(f"  一致しない行: {len(r['unmatched'])}（「除外・警告された行」を参照）")
    if r.get("conflicts"):
        out.append(
            f"  2つ以上の圏域に書かれた市区町村: {r['conflicts']:,}（先の行の圏域にしました。「除外・警告された行」を参照）"
        )
    out += rejected_lines(r, skip_reasons=("プロジェクトの市区町村に一致しません",))
    if r.get("municipalities_without_area"):
        names = "、".join(m["name"] for m in r["municipalities_without_area"][:10])
        out.append(f"  圏域のない市区町村: {len(r['municipalities_without_area'])}（{names}）")
    return out


def population_lines(r: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    for part in r["imports"]:
        if part["kind"] == "mesh":
            out += [
                f"メッシュ人口（{part['unit']}）を取り込みました: {part['cells_read']:,} メッシュ → 需要点 {part['loaded']:,}",
                f"  秘匿セル: {part['secret_cells']}（人口は秘匿先のセルに合算済み）",
                f"  境界をまたぐメッシュ: {part['cells_split']}（面積比で按分）・対象外: {part['cells_outside_project']}",
                f"  総人口 {part['stored_totals']['pop_total']:,.0f}（ファイル {part['file_totals']['pop_total']:,.0f}、"
                f"対象外 {part['outside_pop_total']:,.0f}"
                + (
                    f"、除外 {part['rejected']:,} 行・{part.get('rejected_people', 0.0):,.0f} 人"
                    if part["rejected"]
                    else ""
                )
                + "）",
            ]
            if part.get("duplicate_cells"):
                out.append(
                    f"  重複したメッシュ: {part['duplicate_cells']:,}（同じ値が複数のファイルにあり、1 回だけ使用）"
                )
            out += rejected_lines(part)
            if len(part.get("projection_years") or []) > 1:
                out.append(
                    f"  推計年: {'、'.join(map(str, part['projection_years']))}（基準年 {part['year']}）"
                )
        elif part["kind"] == "municipal_table":
            out.append(f"市区町村別人口を取り込みました: {part['loaded']} 市区町村")
            if part.get("note"):
                out.append("  " + str(part["note"]))
            out += rejected_lines(part)
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
                    f"    {a['area_name']}: {a['pop_total']:,.0f} 人（65歳以上 {p65}・75歳以上 {p75}）"
                )
            if part.get("areas_without_population"):
                out.append(f"  人口のない圏域: {'、'.join(part['areas_without_population'])}")
            out += rejected_lines(part)
            out.append("  " + str(part["note"]))
    return out


def rejected_lines(r: Mapping[str, Any], *, skip_reasons: tuple[str, ...] = ()) -> list[str]:
    """「除外した行: N 行」 with the first rows, columns and reasons (all of them are in the import log)."""
    rows = [x for x in r.get("rejected_rows") or [] if x.get("reason") not in skip_reasons]
    if not rows:
        return []
    out = [f"  除外した行: {len(rows):,} 行（取り込んでいません。「除外・警告された行」を参照）"]
    for x in rows[:5]:
        col = f"・{x['column']}" if x.get("column") else ""
        out.append(f"    行 {x.get('row', '-')}{col}: {x['reason']}")
    more = _more(rows, 5)
    if more:
        out.append(f"  {more}")
    return out


# -- references, roads, projections ---------------------------------------------------------------
def reference_lines(r: dict[str, Any], names: dict[str, str] | None = None) -> list[str]:
    """One geocoding reference file (位置参照情報 CSV/zip, town-point JSON); ``names`` gives the
    municipality names of its codes."""
    codes = list((r.get("municipalities") or {}).keys())
    shown = [(names or {}).get(c, c) for c in codes]
    where = "、".join(shown[:5]) + (f" ほか {len(shown) - 5}" if len(shown) > 5 else "")
    out = [
        f"参照データ {Path(str(r['file'])).name}"
        + (f"（{where}）" if where else "")
        + f": {r['rows_imported']:,} 件取込（除外 {r.get('rows_rejected') or 0:,} 件） 基準日 {reference_date_text(r)}"
    ]
    if r.get("skipped"):
        out[0] = (
            f"参照データ {Path(str(r['file'])).name}"
            + (f"（{where}）" if where else "")
            + f": 取り込み済みと同じ内容（変更なし） 基準日 {reference_date_text(r)}"
        )
    return out


def reference_block(results: list[Any], names: dict[str, str] | None = None) -> list[str]:
    """Several reference files of a folder as one block: one line per file, the 基準日 once."""
    ok = [r for r in results if r.error is None and r.result is not None]
    total = sum(int(r.result.get("rows_imported") or 0) for r in ok)
    skipped = sum(1 for r in ok if r.result.get("skipped"))
    head = f"代表点 {total:,} 件を追加" if total or not skipped else "すべて取り込み済みと同じ内容"
    out = [f"■ 住所の位置参照 {len(results)} ファイル（{head}）"]
    dates = {reference_date_text(r.result) for r in ok}
    for r in ok:
        codes = list((r.result.get("municipalities") or {}).keys())
        where = "、".join((names or {}).get(c, c) for c in codes[:3]) + (" ほか" if len(codes) > 3 else "")
        n = int(r.result.get("rows_imported") or 0)
        what = "取り込み済みと同じ内容" if r.result.get("skipped") else f"{n:,} 件"
        out.append(f"  {r.step.paths[0].name}" + (f" → {where}" if where else "") + f": {what}")
    for r in results:
        if r.error is not None:
            out.append(f"  {r.step.paths[0].name}: 取り込めませんでした — {error_text(r.error)}")
    if len(dates) == 1:
        out.append(f"  基準日: {dates.pop()}")
    return out


def municipality_names(project: Project) -> dict[str, str]:
    """Code → full name of the project's municipalities (for the reports that carry codes)."""
    from zaitaku_map.geocode.municipality import MunicipalityIndex

    return {c: m.full_name or m.name for c, m in MunicipalityIndex.from_project(project).munis.items()}


def roads_lines(r: dict[str, Any]) -> list[str]:
    rep = r["report"]
    return [
        f"道路網を取り込みました: {Path(str(r['file'])).name}  ノード {r['nodes']:,} / リンク {r['edges']:,} / "
        f"延長 {rep['length_km']:,.0f} km",
        f"  基準日: {reference_date_text(r)}",
        f"  除外した小さな成分: {rep['dropped_components']:,} 個・{rep['dropped_nodes']:,} ノード",
        *("  " + line for line in road_repair_lines(rep.get("read") or {})),
    ]


def road_repair_lines(read: Mapping[str, Any]) -> list[str]:
    """What reading a road file left out or repaired (nodes without a usable position, lengths
    replaced by the distance between the nodes), so that no repair goes unsaid."""
    out = []
    if read.get("lengths_recomputed"):
        out.append(
            f"長さが欠けている・負・異常なリンク: {read['lengths_recomputed']:,} 本（ノード間の距離に置き換えました）"
        )
    dropped = int(read.get("nodes_without_xy") or 0) + int(read.get("nodes_outside_japan") or 0)
    if dropped:
        out.append(f"座標がない・日本の範囲外のノード: {dropped:,} 個（取り込んでいません）")
    return out


def projection_lines(f: FileReport) -> list[str]:
    """A projection, demand or use-rate file (:func:`zaitaku_map.demand.import_projection_file`)."""
    out = [f"{f.kind_label}を取り込みました: {Path(f.file).name}"]
    if f.edition:
        out.append(f"  版: {f.edition}")
    if f.kind == "mhlw_demand":
        out.append(
            f"  基準年度: {f.base_year}年度・推計: {f.projection_label or '-'}・単位: {f.unit or '-'}"
            f"・年度: {', '.join(map(str, f.years))}"
        )
        out.append(f"  構想区域: {len(f.areas)}（{'・'.join(f'{c} {n}' for c, n in f.areas.items())}）")
        m = f.area_layer
        if m is not None and m.layer:
            out.append(f"  圏域レイヤー「{m.layer}」と一致: {m.matched} / {m.codes}")
    elif f.kind == "projection":
        out.append(
            f"  地域: {f.regions}・年: {', '.join(map(str, f.years))}・年齢: {'、'.join(f.ages[:4])}"
            + ("…" if len(f.ages) > 4 else "")
            + f"・男女: {'/'.join(f.sexes)}"
        )
        if f.aggregates:
            out.append(f"  政令市の合計行（区とは合算しません）: {', '.join(f.aggregates)}")
        out += [f"  まとめて推計された地域: {g}" for g in f.groups]
        if f.units_without_projection:
            out.append(
                f"  推計のない市区町村: {len(f.units_without_projection)}（{', '.join(f.units_without_projection[:8])}）"
            )
        if f.unmatched_codes:
            out.append(f"  プロジェクトにないコード: {', '.join(f.unmatched_codes[:8])}")
    else:
        out.append(
            f"  {DEMAND_MEASURES.get(f.rate_measure or '', f.rate_measure)}・人口 {f.rate_per or 0:,.0f} 人あたり・"
            f"1か月あたり・年齢 {len(f.ages)} 階級・男女: {'/'.join(f.sexes)}"
        )
    other = f.other_prefecture_rows
    if other:
        out.append(f"  対象外の都道府県の行: {sum(other.values())} 行（{len(other)} 都道府県、無視）")
    if f.rejected:
        out.append(f"  除外: {len(f.rejected)} 件（「除外・警告された行」を参照）")
        out += [f"    行 {r.row}・{r.column}: {r.value} — {r.reason}" for r in f.rejected[:5]]
    out += ["  ※ " + n for n in f.notes]
    return out


# -- geocoding --------------------------------------------------------------------------------------
def geocode_lines(
    r: dict[str, Any],
    *,
    place_hint: str = "--place ID 経度 緯度 で手動配置できます",
    names: dict[str, str] | None = None,
) -> list[str]:
    """Positions per precision level, source-coordinate problems, unplaced facilities."""
    out = [f"施設の位置（{r['total']:,} 件）:"]
    out += [f"  {GEOCODE_LEVELS.get(k, k)}: {n:,}" for k, n in r["levels"].items() if n]
    if "processed" in r:
        out.append(
            f"  今回処理 {r['processed']:,} 件 / 変更なし {r['unchanged']:,} 件 / 手動配置を保持 {r['manual_kept']:,} 件"
        )
    for ref in r.get("references") or []:
        out += reference_lines(ref, names)
    ph = {k: v for k, v in (r.get("placeholders") or {}).items() if k not in ("ok", "missing")}
    if ph:
        out.append("元データ座標の問題:")
        out += [f"  {COORD_STATUS.get(k, k)}: {n:,}" for k, n in ph.items()]
        out.append(f"  置き換えた仮座標: {r['replaced_placeholders']:,} 件")
    m = r.get("moved_m") or {}
    if m.get("n"):
        out.append(
            f"元座標からの移動距離: {m['n']} 件、中央値 {m['median']:.0f} m、90% {m['p90']:.0f} m、最大 {m['max']:.0f} m"
        )
    if r.get("outside_muni"):
        out.append(f"所在市区町村の外にある点: {len(r['outside_muni'])} 件")
        out += [
            f"  {f['name']}（{GEOCODE_LEVELS.get(f['level'], f['level'])}）"
            for f in r["outside_muni"][:LIST_LIMIT]
        ]
    if r.get("unresolved"):
        out.append(f"位置不明: {len(r['unresolved'])} 件（{place_hint}）")
        out += [
            f"  [{f['id']}] {f['name']} {f['address'] or ''} — {f['reason_ja']}" for f in r["unresolved"][:50]
        ]
        if len(r["unresolved"]) > 50:
            out.append(f"  … ほか {len(r['unresolved']) - 50} 件")
    return out


# -- a whole folder import ------------------------------------------------------------------------
def ingest_lines(report: Any, *, how_date: str = DATE_HOW, how_prefecture: str = PREFECTURE_HOW) -> list[str]:
    """Every step of an :class:`~zaitaku_map.ingest.run.IngestReport`, in the order it ran.

    ``how_date`` / ``how_prefecture``: how to give a missing 基準日 / 対象都道府県 in the words of
    the caller (the CLI's options by default; the GUI passes its own, ``GUI_*``)."""
    out = [study_prefecture_line(report.study_prefectures)]
    refs = [r for r in report.results if r.step.kind == "reference"]
    for res in report.results:
        if res.step.kind == "reference" and len(refs) > 1:
            if res is refs[0]:
                out.append("")
                out += reference_block(refs, report.municipality_names)
            continue
        out.append("")
        out += step_lines(res, how_date=how_date, names=report.municipality_names)
    for step in report.not_run:
        out.append("")
        out.append(f"■ {'、'.join(p.name for p in step.paths)}  中止したため取り込んでいません")
    if report.geocode is not None:
        out.append("")
        out += geocode_lines(
            report.geocode, place_hint="施設一覧で選んで地図上に配置できます", names=report.municipality_names
        )
    if report.geocode_error is not None:
        out.append("")
        out.append("位置を求められませんでした: " + error_text(report.geocode_error))
    if report.plan.duplicates:
        out.append("")
        out += [
            f"同じデータの別形式のため省略: {a.name}（{b.name} を取り込み）"
            for a, b in report.plan.duplicates
        ]
    skipped = skipped_lines(report.plan.skipped)
    if skipped:
        out.append("")
        out += skipped
    if report.cancelled:
        out.append("")
        out.append("中止しました。取り込み済みのファイルはそのまま残っています。")
    failed = report.failed
    if failed:
        out.append("")
        out.append(
            f"取り込めなかったファイル: {len(failed)} 件（ほかのファイルは取り込み済みです）: "
            + "、".join(p.name for r in failed for p in r.step.paths)
        )
    if how_date != DATE_HOW:  # the GUI says where to give a 基準日 in its own words
        out = [line.replace(DATE_HOW, how_date) for line in out]
    if how_prefecture != PREFECTURE_HOW:
        out = [line.replace(PREFECTURE_HOW, how_prefecture) for line in out]
    return out


def skipped_lines(skipped: list[Any]) -> list[str]:
    """The files of a folder that were not imported, with the reason (notes and READMEs left out)."""
    shown = [d for d in skipped if d.reason != "note"]
    if not shown:
        return []
    return [f"取り込まなかったファイル: {len(shown)} 件"] + [
        f"  {d.path.name} — {INGEST_SKIP_REASONS.get(d.reason or '', d.reason)}"
        + (f"（{error_text(d.error)}）" if d.error is not None else "")
        for d in shown
    ]


def step_lines(
    res: Any, *, how_date: str = "--reference-date で指定できます", names: dict[str, str] | None = None
) -> list[str]:
    """One step of a folder import (a file, or the mesh files together)."""
    step = res.step
    kind = INGEST_KINDS.get(step.kind, step.kind)
    if res.error is not None:
        return [
            f"■ {'、'.join(p.name for p in step.paths)}  [{kind}]  取り込めませんでした",
            *("  " + line for line in format_error(res.error).splitlines()),
        ]
    if step.kind == "facilities":
        return [line for r in res.facilities for line in facility_lines(r, how_date=how_date)]
    head = f"■ {'、'.join(p.name for p in step.paths)}  [{kind}]"
    if step.kind == "projection" and res.projection is not None:
        return [
            head,
            *(
                "  " + line if not line.startswith("  ") else line
                for line in projection_lines(res.projection)
            ),
        ]
    head = f"■ {'、'.join(p.name for p in step.paths)}  [{kind}]"
    body = (
        reference_lines(res.result, names) if step.kind == "reference" else _RENDERERS[step.kind](res.result)
    )
    return [head, *("  " + line if not line.startswith("  ") else line for line in body)]


def agreements_lines(rep: dict[str, Any]) -> list[str]:
    """The prefecture's table of 協力医療機関 agreements (:func:`zaitaku_map.partners.import_agreements`)."""
    out = [
        f"協力医療機関の届出を取り込みました: 読込 {rep['rows_read']} 行・協力医療機関あり {rep['agreements']} 行・"
        f"なし {rep['without_partner']} 行",
        f"基準日: {rep['reference_date'] or '不明'}",
        f"介護施設と照合 {rep['care_matched']} 行・医療機関と照合 {rep['institution_matched']} 行",
    ]
    for u in rep["care_unmatched"]:
        out.append(f"  介護施設が見つからない行: {u['row']}行目 {u['jigyosho_no']} {u['name']}")
    for u in rep["institution_unmatched"]:
        out.append(f"  医療機関が見つからない行: {u['row']}行目 {u['code']} {u['name']}")
    if rep["rejected"]:
        out.append(f"除外: {len(rep['rejected'])} 行（「除外・警告された行」を参照）")
    return out


_RENDERERS = {
    "agreements": agreements_lines,
    "boundaries": boundaries_lines,
    "a38": areas_lines,
    "areas": areas_lines,
    "population": population_lines,
    "roads": roads_lines,
}


# -- a project as a whole -------------------------------------------------------------------------
def project_lines(info: dict[str, Any]) -> list[str]:
    """What a project holds (:func:`zaitaku_map.store.info.project_info`), in words."""
    out = [f"  市区町村: {info['municipalities']:,}"]
    layers = info.get("area_layers") or {}
    if layers:
        out.append("  圏域レイヤー: " + "、".join(f"{name} {n} 圏域" for name, n in layers.items()))
    pop = info.get("population") or {}
    if pop.get("total"):
        out.append(
            f"  人口: {pop['total']:,.0f} 人（65歳以上 {pop.get('age65') or 0:,.0f}・75歳以上 {pop.get('age75') or 0:,.0f}）"
        )
    road = info.get("road_network") or {}
    if road:
        out.append(f"  道路網: ノード {road.get('nodes', 0):,} / リンク {road.get('edges', 0):,}")
    fac = {k: v for k, v in (info.get("facilities") or {}).items() if k != "total"}
    if fac:
        out.append(
            f"  施設: {(info.get('facilities') or {}).get('total', sum(fac.values())):,} 件（"
            + "、".join(f"{category_label(k, short=True)} {v:,}" for k, v in fac.items())
            + "）"
        )
    levels = info.get("geocode_levels") or {}
    if levels:
        out.append(
            "  位置の精度: " + "、".join(f"{GEOCODE_LEVELS.get(k, k)} {v:,}" for k, v in levels.items())
        )
    if info.get("options"):
        out.append("  圏域案: " + "、".join(info["options"]))
    return out


def demo_files_lines(result: dict[str, Any]) -> list[str]:
    """``demo --files-only``: the files written, by kind, and what they hold."""
    out = [f"出力先: {result['out_dir']}"]
    out += [
        f"  {DEMO_FILE_GROUPS.get(group, group)}: {len(paths)} ファイル"
        for group, paths in result["files"].items()
    ]
    out.append("内容（架空のデモデータ）:")
    out += [f"  {DEMO_COUNTS.get(k, k)}: {v:,}" for k, v in result["counts"].items()]
    return out
