"""Canonical keys and their Japanese labels — the one place where UI words for domain keys live.

Keys (English, stable) are used in the database, the CLI and every JSON output; labels are what
the GUI, PDFs and spreadsheets show.  Adding a facility category is adding a row here; the schema
stores categories as text, so no schema change is needed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    short: str
    color: str  # map/PDF fill, chosen to stay distinct in greyscale together with ``marker``
    marker: str  # matplotlib marker / GUI symbol name
    core: bool  # one of the six the product loads first


CATEGORIES: dict[str, Category] = {
    c.key: c
    for c in [
        Category("zaishi_clinic", "在宅療養支援診療所", "在支診", "#d62728", "o", True),
        Category("zaishi_hospital", "在宅療養支援病院", "在支病", "#7b1fa2", "s", True),
        Category("home_nursing", "訪問看護ステーション", "訪問看護", "#1f77b4", "^", True),
        Category("pharmacy", "薬局", "薬局", "#2ca02c", "D", True),
        Category("houkatsu", "地域包括支援センター", "包括", "#ff7f0e", "*", True),
        Category("care_facility", "介護施設", "介護施設", "#8c564b", "v", True),
        Category("hospital", "病院", "病院", "#444444", "P", False),
        Category("clinic", "診療所", "診療所", "#9e9e9e", ".", False),
        Category("dental", "歯科診療所", "歯科", "#17becf", "h", False),
        Category("home_care_support", "居宅介護支援事業所", "居宅介護支援", "#bcbd22", "x", False),
        Category("home_care_service", "在宅介護サービス事業所", "在宅介護", "#e377c2", "+", False),
        Category("other", "その他", "その他", "#7f7f7f", "1", False),
    ]
}

CORE_CATEGORIES: tuple[str, ...] = tuple(k for k, c in CATEGORIES.items() if c.core)


def category_label(key: str, *, short: bool = False) -> str:
    """Japanese label of a category key (the key itself when unknown)."""
    cat = CATEGORIES.get(key)
    if cat is None:
        return key
    return cat.short if short else cat.label


# 在支診/在支病 subtypes from the 受理記号 digit (１ 単独 / ２ 連携 / ３ 従来型)
ZAISHI_SUBTYPES: dict[str, str] = {
    "1": "機能強化型（単独型）",
    "2": "機能強化型（連携型）",
    "3": "従来型",
}

# Roles placed in the 医療計画 per 圏域
ROLES: dict[str, str] = {
    "active_role": "在宅医療において積極的役割を担う医療機関",
    "hub": "在宅医療に必要な連携を担う拠点",
}
ROLE_SHORT: dict[str, str] = {"active_role": "積極的役割", "hub": "連携拠点"}

# The four functions (在宅医療の体制構築に係る指針)
FUNCTIONS: dict[int, str] = {
    1: "①退院支援",
    2: "②日常の療養支援",
    3: "③急変時の対応",
    4: "④看取り",
}

# Geocode precision levels, best first
GEOCODE_LEVELS: dict[str, str] = {
    "manual": "手動配置",
    "source": "元データの座標",
    "block": "街区",
    "town": "町字",
    "municipality": "市区町村代表点",
    "unresolved": "位置不明",
}

# Reasons a source coordinate was not accepted
COORD_STATUS: dict[str, str] = {
    "ok": "妥当",
    "missing": "座標なし",
    "placeholder_zero": "0,0 の仮座標",
    "shared_point": "複数施設で共有された仮座標",
    "outside_japan": "日本の範囲外",
    "outside_municipality": "所在市区町村の外",
    "swapped": "緯度経度の入れ替わり（修正済み）",
}

FACILITY_STATUS: dict[str, str] = {"open": "掲載中", "closed": "掲載終了"}

# Area-layer names users pick from (free text is allowed too)
AREA_LAYER_SUGGESTIONS: tuple[str, ...] = (
    "二次医療圏",
    "保健所圏域",
    "老人福祉圏域",
    "郡市区医師会の区域",
    "日常生活圏域",
)

ATTRIBUTION: dict[str, str] = {
    "n03": "国土数値情報（行政区域データ）（国土交通省）を加工して作成",
    "a38": "国土数値情報（医療圏データ）（国土交通省）を加工して作成",
    "iryojoho": "医療情報ネット（厚生労働省）",
    "kaigo": "介護サービス情報公表システム（厚生労働省）",
    "kouseikyoku": "地方厚生局 届出受理医療機関名簿",
    "osm": "© OpenStreetMap contributors",
    "estat": "政府統計の総合窓口(e-Stat) 国勢調査 地域メッシュ統計",
    "isj": "位置参照情報（国土交通省）",
    "geolonia": "Geolonia 住所データ（CC BY 4.0）",
    "ksj_mesh": "国土数値情報（将来推計人口メッシュ）（国土交通省）を加工して作成",
    "demo": "デモデータ（zaitaku-map が生成した架空のデータ）",
}

# --- export domain (PDF / CSV / XLSX / GeoPackage wording) -----------------------------------
EXPORT_TEXT: dict[str, str] = {
    "map_title": "在宅医療の圏域（案）",
    "list_title": "在宅医療の資源リスト",
    "compare_title": "圏域案の比較",
    "eval_title": "圏域案の評価表",
    "option": "圏域案",
    "created": "作成日",
    "legend": "凡例",
    "ken": "圏域",
    "ken_boundary": "圏域の境界",
    "muni_boundary": "市区町村の境界",
    "facilities": "施設",
    "coverage": "到達圏",
    "coverage_band": "{minutes}分以内",
    "gap": "{minutes}分圏外の人口（地点）",
    "gap_no_population": "{minutes}分圏外の地点（市区町村代表点）",
    "coverage_needs_population": "人口（市区町村別の人口表またはメッシュ人口）が未取込のため、到達圏内の人口割合は出せません",
    "sources": "データの出典（基準日）",
    "attribution": "出典表記",
    "coverage_params": "到達圏の条件",
    "demo_banner": "デモデータ（架空のデータです）",
    "demo_watermark": "デモデータ",
    "north": "北",
    "footer": "zaitaku-map {version} で作成 {date}",
    "page": "{page} ページ",
    "toc": "目次",
    "no_facilities": "該当する施設はありません",
    "outside": "圏域外",
    "unknown_ken": "圏域不明（位置・市区町村が不明な施設）",
    "unassigned": "未割当",
    "tool_derived": "人口当たりの値は zaitaku-map による算出値です",
    "derived_note": "人口当たりの値・到達圏は zaitaku-map による算出値（公式統計ではありません）",
    "as_of": "{date} 時点",
    "date_unknown": "基準日不明",
    "not_loaded": "取り込んでいない施設種別（リスト・評価表に含まれません）",
    "stacked": "同じ位置の施設数",
    "stacked_note": "数字は同じ位置に重なる施設の数です（住所から市区町村の代表点までしか決まらない施設など）。",
    "differs": "＊ 最初の案と異なる値",
    "unplaced": "位置未確定",
    "coverage_beyond": "{minutes}分圏外（斜線）",
    "atlas_title": "圏域ごとの拡大図",
    "atlas_list": "施設一覧",
    "compare_maps": "地図の比較",
    "pack_title": "在宅医療の圏域（案）検討資料",
    "indicators_none": "市区町村ごとの値がないため、{labels} の地図は作成していません。市区町村別の人口"
    "（人口メッシュまたは市区町村別人口表）を取り込むと作成できます。",
    "pack_subtitle": "在宅医療の圏域（案）に関する会議資料",
    "meeting_name": "会議名",
    "meeting_date": "日付",
    "secretariat": "事務局",
    "unplaced_note": "位置未確定のため地図に表示していない施設: {n}件（資源リストに「位置未確定」として掲載）",
    "approximate": "概略位置（町字・市区町村の代表点）",
    "approximate_mark": "※",
    "approximate_note": "※ 位置が町字・市区町村の代表点までしか決まっていない施設（地図では中抜きの記号）",
    "scenario": "シナリオ",
    "scenario_site": "仮想施設（シナリオ・実在しない）",
    "scenario_gains": "機能を加える既存施設（シナリオ）",
    "scenario_closed": "シナリオで休止する施設",
    "scenario_moved": "シナリオで移転する施設",
    "scenario_note": "シナリオ「{name}」: 到達圏と評価表は仮想施設を含むシナリオの施設で計算しています。仮想施設は実在せず、資源リストには含めていません。",
    "scenario_list_title": "シナリオ「{name}」の仮想施設と変更（検討用・実在しない施設を含む）",
    "scenario_columns": "変更|名称|種別|市区町村|経度|緯度",
    "year": "年度",
    "year_value": "{year}年度（推計）",
    "year_head": "将来の需要（{year}年度）",
    "year_label": "訪問診療 {value}件/月",
    "year_method": "訪問診療の需要（レセプト件数/月）: {method}",
    "hidden_categories": "地図に載せていない施設種別（資源リスト・表に掲載）: {items}",
    "layer_off": "（右上の一覧で表示）",
}

# column headings of the resource lists and evaluation tables (CSV / XLSX / PDF)
EXPORT_COLUMNS: dict[str, str] = {
    "ken_key": "圏域コード",
    "ken_name": "圏域",
    "category": "種別",
    "id": "施設ID",
    "name": "名称",
    "address": "所在地",
    "muni_name": "市区町村",
    "subtype": "区分",
    "roles": "役割",
    "functions": "機能",
    "precision": "位置の精度",
    "source": "出典",
    "reference_date": "基準日",
    "lon": "経度",
    "lat": "緯度",
    "units": "構成市区町村",
    "n_units": "市区町村数",
    "pop_total": "総人口",
    "pop_65": "65歳以上",
    "pop_75": "75歳以上",
    "count": "施設数",
    "per_100k": "人口10万人当たり",
    "per_1000_75": "75歳以上千人当たり",
    "active_role": "積極的役割",
    "hub": "連携拠点",
    "coverage_share": "到達圏内の人口割合",
    "warnings": "注意",
    "indicator": "指標",
    "row": "No.",
    "phone": "電話",
    "demand_year": "訪問診療の需要 {year}年度（件/月）",
    "demand_peak": "需要のピーク年度",
    "demand_at_year": "訪問診療の需要 {year}年度（件/月）",
    "pop75_at_year": "75歳以上 {year}年（推計）",
}

# warnings of the evaluation table
EXPORT_WARNINGS: dict[str, str] = {
    "no_zaishi": "在支診・在支病がない",
    "no_active_role": "積極的役割を担う医療機関が未設定",
    "no_hub": "連携拠点が未設定",
    "function_missing": "機能{functions}を担う施設がない",
    "no_home_nursing": "訪問看護ステーションがない",
    "low_coverage": "到達圏外の人口が{share}",
    "no_population": "人口データがない",
}

# sections of the meeting pack (table of contents, bookmarks, export dialog); others add theirs here
PACK_SECTIONS: dict[str, str] = {
    "maps": "圏域図",
    "comparison": "圏域案の比較",
    "evaluation": "評価表",
    "indicators": "市区町村の指標",
    "atlas": "圏域ごとの拡大図",
    "lists": "資源リスト",
    "demand": "将来の需要",
}

# layer names of the GeoPackage / GeoJSON export (QGIS users see these)
EXPORT_LAYERS: dict[str, str] = {
    "kens": "圏域",
    "municipalities": "市区町村",
    "facilities": "施設",
    "bands": "到達圏_{category}",
    "gaps": "到達圏外_{category}",
    "scenario_sites": "仮想施設_{scenario}",
    "scenario_changes": "シナリオの変更_{scenario}",
}

# --- 圏域 options (options domain) -------------------------------------------------------------
OPTION_TEMPLATES: dict[str, str] = {
    "area": "A: 圏域レイヤーの各圏域を1つの圏域に（二次医療圏など）",
    "area_split": "B: Aを基に市町村単位で分割・統合",
    "designated_city": "C: 政令市（またはその区）を独立した圏域に",
    "municipal": "市区町村ごとに1圏域",
    "proposed": "自動提案（連続性と条件を満たす圏域）",
    "copy": "複製",
}
# why a template cannot be used (or would change nothing) in a project — shown in the 新規案 dialog and the CLI
TEMPLATE_REASONS: dict[str, str] = {
    "no_units": "行政区域（市区町村の境界）が未取込です",
    "no_layer": "圏域レイヤー「{layer}」が未取込です",
    "nothing_to_split": "どの圏域も市区町村が1つだけのため、分ける市区町村がありません",
    "split_required": "分ける市区町村を指定してください（指定がないと基にした案と同じになります）",
    "no_designated_city": "政令市がないため、Cは基にした案（A）と同じになります",
    "city_already_own": "政令市はすでに独立した圏域（区ごとの圏域）で、Cは基にした案と同じになります",
}
# the rule behind the 自動提案's default 最小人口 (printed where it is used)
MIN_POPULATION_RULE: dict[str, str] = {
    "layer": "既定の最小人口 {value:,}人 = {layer}の人口の中央値（{reference:,.0f}人）の1/4"
    "（典型的な{layer}を最大4つ程度の圏域に分ける大きさ）",
    "layer_capped": "既定の最小人口 {value:,}人 = 最も人口の少ない{layer}の人口（{smallest:,.0f}人。中央値の1/4 "
    "{reference_quarter:,.0f}人より少ないため。どの{layer}も単独で1つ以上の圏域になれる大きさ）",
    "region": "既定の最小人口 {value:,}人 = 対象地域の人口（{reference:,.0f}人）の1/4"
    "（圏域レイヤー「{layer}」がないため）",
    "no_population": "市区町村別の人口（またはメッシュ人口）が未取込のため、最小人口の条件は使えません"
    "（圏域は在支診・訪問看護などの条件だけで分かれ、細かくなります）",
}
OPTION_ACTION_LABELS: dict[str, str] = {
    "assign": "市区町村の割当変更（{n}件）",
    "ken_add": "圏域「{name}」を追加",
    "ken_remove": "圏域「{name}」を削除",
    "ken_edit": "圏域「{name}」の名称・色を変更",
    "hub_add": "連携拠点「{name}」を追加",
    "hub_remove": "連携拠点「{name}」を削除",
    "hub_edit": "連携拠点「{name}」を変更",
    "meta": "案の情報を変更",
    "batch": "まとめて変更",
}
# bodies that can be a 在宅医療に必要な連携を担う拠点 without being in the facility lists
HUB_BODY_TYPES: dict[str, str] = {
    "municipality": "市町村",
    "health_center": "保健所",
    "medical_association": "郡市区医師会",
    "renkei_center": "在宅医療・介護連携支援センター",
    "houkatsu": "地域包括支援センター",
    "hospital": "病院",
    "clinic": "診療所",
    "home_nursing": "訪問看護事業所",
    "facility": "施設（リストから選択）",
    "other": "その他",
}
OPTION_WARNINGS: dict[str, str] = {
    "non_contiguous": "圏域が地続きではありません（{parts}つの部分に分かれています）",
    "unassigned": "どの圏域にも属さない市区町村があります: {names}",
    "unknown_units": "案に存在しない市区町村コードが含まれています: {codes}",
    "crosses_layer": "{layer}の境界をまたいでいます（{areas}）",
    "no_active_role": "積極的役割を担う医療機関が設定されていません",
    "no_hub": "連携を担う拠点が設定されていません",
    "missing_function": "機能を担う施設がありません: {functions}",
    "empty_ken": "市区町村が1つも割り当てられていない圏域です",
    "no_zaishi": "在支診・在支病がありません",
    "no_home_nursing": "訪問看護ステーションがありません",
    "below_min_population": "人口が条件（{min:,.0f}人）を下回っています（{pop:,.0f}人）",
    "facilities_outside": "どの圏域にも属さない施設があります（{n}件）",
    "not_loaded": "{categories}のデータは取り込まれていません（件数・不足の判定から除外）",
    "population_unknown": "人口が分からない圏域があります（市区町村別・メッシュ人口が未取込）: {names}",
}
OPTION_TEXT: dict[str, str] = {
    "computed_by_tool": "ツール算出",
    "coverage_not_computed": "到達圏（カバー率）は未計算です",
    "per_100k": "人口10万人あたり（ツール算出）",
    "per_1000_75": "75歳以上人口千人あたり（ツール算出）",
    "unassigned_ken": "（未割当）",
    "proposal_ok": "すべての圏域が条件を満たしています",
    "proposal_unmet": "条件を満たせない圏域があります",
    "population_from_areas": "人口は{layer}別の人口表（{year}）から（圏域が{layer}の組み合わせのため）",
    "population_not_loaded": "人口は未取込です（市区町村別の人口表またはメッシュ人口を取り込むと表示されます）",
    "population_areas_only": "人口は{layers}別の表のみ取込済みです。{layers}を分ける・組み合わせない圏域の人口は"
    "市区町村別の人口表またはメッシュ人口で表示されます",
}

# --- facility import (importers domain) --------------------------------------------------------
# Kinds of 届出 kept as designations (地方厚生局 名簿 受理記号 → kind); see importers.kouseikyoku
DESIGNATION_KINDS: dict[str, str] = {
    "zaishi_clinic": "在宅療養支援診療所",
    "zaishi_hospital": "在宅療養支援病院",
    "back_support_hospital": "在宅療養後方支援病院",
    "home_medical_mgmt": "在宅時医学総合管理料",
    "home_cancer_care": "在宅がん医療総合診療料",
    "home_care_achievement": "在宅療養実績加算",
    "palliative_enhanced": "在宅緩和ケア充実診療所・病院加算",
    "home_dx": "在宅医療DX情報活用加算",
    "home_info_link": "在宅医療情報連携加算",
    "zaishi_dental": "在宅療養支援歯科診療所・病院",
}
IMPORT_FORMATS: dict[str, str] = {
    "iryojoho": "医療情報ネット（ナビイ）オープンデータ",
    "kaigo": "介護サービス情報公表システム オープンデータ",
    "kouseikyoku": "地方厚生局 届出受理医療機関名簿",
    "table": "表（CSV・Excel）",
    "gis": "GIS ポイントレイヤー",
}
# generic table import: mapping targets shown in the column-mapping wizard
MAPPING_FIELDS: dict[str, str] = {
    "name": "名称",
    "address": "住所",
    "municipality": "市区町村名",
    "muni_code": "市区町村コード",
    "pref": "都道府県",
    "lat": "緯度",
    "lon": "経度",
    "category": "種別",
    "subtype": "区分（サブタイプ）",
    "id": "ID・番号",
    "phone": "電話番号",
    "postal_code": "郵便番号",
    "name_kana": "名称（カナ）",
    "beds": "病床数・定員",
}
IMPORT_SKIP_REASONS: dict[str, str] = {
    "not_target": "対象外の届出（在支診・在支病以外）",
    "outside_region": "対象地域外",
    "dental_or_pharmacy": "歯科・薬局の届出",
}

# --- geocode domain ---------------------------------------------------------------------------
# why a facility could not be placed (key stored in facilities.geocode_ref as "unresolved:<key>")
GEOCODE_UNRESOLVED_REASONS: dict[str, str] = {
    "no_address": "住所・市区町村コードがありません",
    "no_boundaries": "行政区域が取り込まれていません",
    "prefecture_not_loaded": "この都道府県の行政区域が取り込まれていません",
    "municipality_not_found": "住所から市区町村を特定できません",
    "ambiguous_municipality": "市区町村名が複数の都道府県に該当します（都道府県名を補ってください）",
    "ward_ambiguous": "区名だけで市が特定できません（市名か市区町村コードを補ってください）",
    "no_rep_point": "市区町村の代表点がありません",
    "address_too_long": "住所が長すぎます（設定 limits.field_chars の上限を超えています）",
}
# which rule/reference produced a position (facilities.geocode_ref prefix)
GEOCODE_REFS: dict[str, str] = {
    "source": "元データの座標",
    "isj_block": "位置参照情報（街区レベル）",
    "isj_town": "位置参照情報（大字・町丁目レベル）",
    "town_json": "町丁目代表点リスト",
    "municipality": "市区町村の代表点",
    "manual": "手動配置",
}
PROPOSAL_TEXT: dict[str, str] = {
    "ok": "すべての圏域が条件を満たしています",
    "unmet": "条件を満たせない圏域があります",
    "population_total": "対象地域全体の人口（{total:,.0f}人）が最小人口（{min:,.0f}人）に届かないため、人口の条件は満たせません",
    "population_ken": "圏域「{name}」は隣接する市区町村と合わせても最小人口（{min:,.0f}人）に届きません",
    "none_in_region": "対象地域全体に{kind}が1件もないため、この条件はどの圏域でも満たせません",
    "kind_ken": "圏域「{name}」には{kind}がなく、隣接する圏域と合わせても条件を満たせませんでした",
}

# indicators of the option comparison (export domain; keys of options.compare_options)
EXPORT_INDICATORS: dict[str, str] = {
    "n_kens": "圏域数",
    "population_min": "人口が最少の圏域の人口",
    "population_max": "人口が最多の圏域の人口",
    "population_ratio": "圏域人口の最大／最小",
    "n_warnings": "注意の件数",
    "n_unassigned": "未割当の市区町村数",
    "n_non_contiguous": "地続きでない圏域数",
    "n_without_active_role": "積極的役割を担う医療機関が未設定の圏域数",
    "n_without_hub": "連携拠点が未設定の圏域数",
    "n_missing_functions": "機能①〜④が欠ける圏域数",
    "n_crossing_kens": "二次医療圏・老人福祉圏域をまたぐ圏域数",
    "min_coverage": "到達圏内の人口割合（最小の圏域）",
    "demand_target_max": "訪問診療の需要が最大の圏域（目標年度・件/月）",
    "demand_latest_peak": "需要のピークが最も遅い圏域のピーク年度",
    "demand_flagged": "需要が伸び施設が少ない圏域数（注意）",
}
EXPORT_FLAGS: dict[str, str] = {"better": "▲改善", "worse": "▼悪化", "different": "＊相違", "same": ""}

# --- network / coverage domain --------------------------------------------------------------
COVERAGE_MODES: dict[str, str] = {
    "auto": "自動（道路網があれば道路ネットワーク）",
    "network": "道路ネットワーク",
    "straight": "直線距離モデル",
}
# combined facility categories usable wherever a category key is (coverage)
COMBINED_CATEGORY_LABELS: dict[str, str] = {"zaishi": "在支診・在支病"}
# short Japanese names of OSM road classes (speed table, legends)
ROAD_CLASS_LABELS: dict[str, str] = {
    "motorway": "高速",
    "trunk": "国道",
    "primary": "主要地方道",
    "secondary": "一般県道",
    "tertiary": "市町村道幹線",
    "unclassified": "その他道路",
    "residential": "生活道路",
    "living_street": "歩車共存道路",
    "service": "敷地内通路",
    "motorway_link": "高速ランプ",
    "trunk_link": "国道ランプ",
    "primary_link": "主要地方道ランプ",
    "secondary_link": "一般県道ランプ",
    "tertiary_link": "市町村道ランプ",
    "road": "不明",
}
COVERAGE_TEXT: dict[str, str] = {
    "band": "{minutes:g}分以内",
    "beyond": "{minutes:g}分超（圏外）",
    "off_network": "道路から離れた地点（到達不能）",
    "unsnapped_facility": "道路網に接続できない施設（計算から除外）",
    "bad_coordinate": "座標が不正な施設（計算から除外）",
    "coarse": "需要点: 市区町村代表点（粗い推計）",
    "gap_layer": "{minutes:g}分圏外の人口",
}
OPTION_ACTION_LABELS.update(
    {
        "facility_role": "「{name}」の積極的役割の指定を変更",
        "facility_function": "「{name}」の機能①〜④を変更",
    }
)

# --- demo (zaitaku-map demo) --------------------------------------------------------------------
DEMO_STEP_LABELS: dict[str, str] = {
    "files": "デモファイルの生成",
    "boundaries": "行政区域の取込",
    "areas": "圏域レイヤー（二次医療圏・保健所圏域）の取込",
    "population": "人口メッシュの取込",
    "projection": "将来推計人口・需要推計・利用率の取込",
    "facilities": "施設リストの取込",
    "geocode": "位置参照情報の取込とジオコーディング",
    "roads": "道路網の取込",
    "coverage": "到達圏の計算",
    "options": "圏域案 A・B・C と自動提案の作成",
    "partners": "協力医療機関の届出の取込と候補リスト",
    "pack": "会議資料の出力",
}
DEMO_STEP_STATUS: dict[str, str] = {"ok": "完了", "failed": "失敗"}

# where a source's 基準日 came from (``reference_date_origin`` of the import reports); the user's own
# value ("argument") and a date stored before ("stored") need no remark
REFERENCE_DATE_ORIGINS: dict[str, str] = {
    "title": "（表の「現在」の行から）",
    "file_name": "（ファイル名から）",
    "file_header": "（ファイルのヘッダーから）",
}

# --- geodata: kinds of municipality units and population sources ---------------------------------
MUNICIPALITY_KINDS: dict[str, str] = {
    "municipality": "市区町村",
    "ward": "政令市の区",
    "designated_city": "政令指定都市（区から合成）",
}
POPULATION_UNITS: dict[str, str] = {
    "mesh1km": "1kmメッシュ（3次メッシュ）",
    "mesh500m": "500mメッシュ（2分の1地域メッシュ）",
    "mesh250m": "250mメッシュ（4分の1地域メッシュ）",
    "municipality": "市区町村別（代表点・粗い推計）",
}
POPULATION_COLUMNS: dict[str, str] = {
    "pop_total": "総人口",
    "pop_65": "65歳以上人口",
    "pop_75": "75歳以上人口",
    "pop_85": "85歳以上人口",
}
APPORTION_METHOD_JA = (
    "メッシュ人口は、市区町村の境界をまたぐメッシュを陸地部分の面積比で按分しています"
    "（海などを除いた面積で割るため、合計はメッシュ統計の合計と一致します）。"
)

# --- desktop GUI (gui domain) ---------------------------------------------------------------------
# kinds of data the import wizard takes (key -> label); the wizard maps each to its core function
GUI_IMPORT_KINDS: dict[str, str] = {
    "facilities": "施設リスト（医療情報ネット・介護・厚生局名簿・CSV/Excel・GIS）",
    "boundaries": "行政区域（国土数値情報 N03）",
    "areas": "圏域の表（市区町村→圏域）",
    "a38": "医療圏（国土数値情報 A38）",
    "population": "人口（地域メッシュ統計など）",
    "projection": "将来推計・医療需要（厚労省・社人研）",
    "roads": "道路網（OpenStreetMap .osm.pbf など）",
    "reference": "住所の位置参照（位置参照情報など）",
}
# short names of the data kinds in import reports (ingest.detect.DataKind -> label)
INGEST_KINDS: dict[str, str] = {
    "boundaries": "行政区域",
    "a38": "医療圏（A38）",
    "areas": "圏域の表",
    "population": "人口",
    "projection": "将来推計・医療需要",
    "facilities": "施設の一覧",
    "reference": "住所の位置参照",
    "roads": "道路網",
}
# what exactly a detected file is (ingest.detect.Detection.detail -> label; facility formats: IMPORT_FORMATS,
# projection files: DEMAND_FILE_KINDS)
INGEST_DETAILS: dict[str, str] = {
    "n03": "国土数値情報 行政区域（N03）",
    "a38": "国土数値情報 医療圏（A38）",
    "area_table": "市区町村→圏域の対応表",
    "mesh": "e-Stat 地域メッシュ統計",
    "municipal_table": "市区町村別の人口表",
    "area_population": "圏域別の人口表",
    "isj": "位置参照情報（国土交通省）",
    "town_json": "町丁目の代表点（JSON）",
    "pbf": "OpenStreetMap（.osm.pbf）",
    "osm": "OpenStreetMap（.osm）",
    "graphml": "道路網（GraphML）",
}
# why a file of a folder was not imported (ingest.detect.Detection.reason -> label)
INGEST_SKIP_REASONS: dict[str, str] = {
    "note": "説明・目録のファイル",
    "missing": "ファイルを読めません",
    "unsupported": "対応していない種類のファイル",
    "gis_part": "Shapefile の一部（.shp と一緒に読みます）",
    "unreadable": "内容を読み取れません",
    "over_limit": "大きすぎるか圧縮率が異常なため読み込みません（設定の上限）",
    "unrecognised_gis": "行政区域・医療圏・施設のどれでもない GIS レイヤー",
    "unrecognised_json": "GeoJSON でも町丁目代表点の一覧でもない JSON",
    "unrecognised_zip": "取り込めるファイルを含まない zip",
    "unrecognised_table": "どの種類の表か判定できません（「データの種類」で選んでください）",
    "not_reference": "住所の位置参照ではありません",
    "user": "「取り込まない」を選択",
}
IMPORT_LOG_SEVERITY: dict[str, str] = {"rejected": "除外", "warning": "警告", "info": "お知らせ"}
# the kind of an evaluation warning, for grouping them in the GUI's 注意 tab (code -> short label)
GUI_WARNING_KINDS: dict[str, str] = {
    "non_contiguous": "地続きでない",
    "unassigned": "未割当の市区町村",
    "unknown_units": "不明な市区町村コード",
    "crosses_layer": "圏域レイヤーの境界をまたぐ",
    "no_active_role": "積極的役割",
    "no_hub": "連携の拠点",
    "missing_function": "機能の不足",
    "empty_ken": "空の圏域",
    "no_zaishi": "在支診・在支病",
    "no_home_nursing": "訪問看護",
    "below_min_population": "人口",
    "facilities_outside": "圏域外の施設",
    "not_loaded": "未取込のデータ",
    "population_unknown": "人口",
}
# groups of files in the demo's manifest (``demo --files-only``) and its counts
DEMO_FILE_GROUPS: dict[str, str] = {
    "boundaries": "行政区域",
    "areas": "圏域の表",
    "population": "人口（地域メッシュ統計）",
    "projection": "将来推計・医療需要",
    "facilities": "施設の一覧",
    "geocode_reference": "住所の位置参照",
    "roads": "道路網",
}
DEMO_COUNTS: dict[str, str] = {
    "municipalities": "市区町村",
    "population": "人口",
    "mesh_cells": "人口メッシュ",
    "facilities": "施設（全種別）",
    "zaishi_clinic": "在宅療養支援診療所",
    "zaishi_hospital": "在宅療養支援病院",
    "facility_hospital": "病院",
    "facility_clinic": "診療所",
    "facility_pharmacy": "薬局",
    "facility_home_nursing": "訪問看護ステーション",
    "facility_houkatsu": "地域包括支援センター",
    "facility_tokuyo": "特別養護老人ホーム",
    "facility_roken": "介護老人保健施設",
    "facility_iryoin": "介護医療院",
    "facility_gh": "認知症グループホーム",
    "road_nodes": "道路網のノード",
    "road_ways": "道路網のウェイ",
}
# what the export dialog writes (key -> label)
GUI_EXPORT_KINDS: dict[str, str] = {
    "map_pdf": "圏域図（PDF）",
    "atlas_pdf": "圏域ごとの拡大図（PDF）",
    "html": "ブラウザで見る地図（HTML・オフライン）",
    "list_pdf": "資源リスト・評価表（PDF）",
    "comparison_pdf": "案の比較（PDF）",
    "pack": "会議資料（1つの PDF：表紙・目次・通しページ番号）",
    "pack_dir": "会議資料（部分ごとの別ファイル・フォルダー）",
    "xlsx": "表（Excel）",
    "csv": "表（CSV）",
    "gpkg": "GIS レイヤー（GeoPackage）",
}
# default file names of the export dialog: 「案A_圏域図.pdf」 (key -> what the file is)
EXPORT_FILE_STEMS: dict[str, str] = {
    "map_pdf": "圏域図",
    "atlas_pdf": "圏域ごとの拡大図",
    "html": "地図",
    "list_pdf": "資源リスト",
    "comparison_pdf": "比較",
    "pack": "会議資料",
    "pack_dir": "会議資料",
    "xlsx": "一覧表",
    "csv": "一覧表",
    "gpkg": "GISレイヤー",
}
# groups of the layers panel
GUI_LAYER_GROUPS: dict[str, str] = {  # in drawing-panel order; features add their group here
    "base": "境界",
    "guides": "位置合わせの下図",  # roads and town points for manual placement
    "areas": "圏域レイヤー",
    "option": "圏域案",
    "analysis": "分析",  # choropleths, links, what-if sites …
    "facilities": "施設",
    "coverage": "到達圏・カバー外",
}

# --- meeting mode and the 委員配布用 viewer (meeting) ---------------------------------------------
# words of the offline viewer page (export --viewer); the page shows them through textContent
VIEWER_TEXT: dict[str, str] = {
    "title": "在宅医療の圏域（案）— 委員配布用",
    "ken": "圏域",
    "muni": "市区町村",
    "unassigned": "未割当",
    "outside": "圏域外",
    "category": "種別",
    "subtype": "区分",
    "address": "所在地",
    "roles": "役割",
    "functions": "機能",
    "precision": "位置の精度",
    "source": "出典",
    "population": "人口",
    "nearest": "最寄りの施設まで",
    "unplaced": "位置不明（地図に表示なし）",
    "layer_kens": "圏域（塗り分け・境界）",
    "layer_labels": "圏域名",
    "layer_munis": "市区町村の境界",
    "layer_muni_labels": "市区町村名",
    "table_title": "評価表",
    "warnings": "注意",
    "total": "計",
    "coverage_band": "到達圏（{label}）",
    "gap": "カバー外の人口（{label}・{minutes}分）",
    "gap_points": "カバー外の地点（{label}・{minutes}分）",
    "facility_data": "施設データ",
    "operation": "操作",
    "operation_help": "案のタブ（または ← →）で圏域案を切り替え、右の「表示する層」で層を選びます。"
    "市区町村・施設をクリックすると詳しい情報を表示します。",
}
# meeting mode: names it gives and words of its record (options/meeting.py)
MEETING_TEXT: dict[str, str] = {
    "default_title": "会議 {date}",
    "working_name": "{base}（会議 {date} 作業中）",
    "saved_name": "{base}（会議 {date}）",
    "saved_note": "会議「{title}」で{base}を基に変更した案",
    "unassigned": "未割当",
    "notes_title": "会議メモ",
    "text_note": "メモ「{text}」",
    "whatif_label": "仮の施設{n}",
    "whatif_scenario": "会議 {date}",
    "pen_note": "線のメモ",
    "record_title": "会議の記録",
}
# one line of the meeting record per event kind ({option} is the option concerned)
MEETING_EVENTS: dict[str, str] = {
    "started": "会議を開始（{title}）",
    "ended": "会議を終了",
    "option_shown": "{option} を表示",
    "year_shown": "{year}年の推計を表示",
    "compare_shown": "{option} と {other} を並べて表示",
    "edit_started": "{base} を基に作業用の案 {option} を作成",
    "moved": "{names} を {from_kens} から {to_ken} へ移動（{option}）",
    "undone": "元に戻す: {what}（{option}）",
    "saved": "{option} として保存（{base} を基に変更）",
    "discarded": "作業用の案 {option} を破棄",
    "note_added": "{what}を追加（{option}）",
    "note_removed": "{what}を削除（{option}）",
    "whatif_added": "仮の施設を追加: {name}（{option}）",
    "whatif_removed": "仮の施設を削除: {name}（{option}）",
    "whatif_saved": "仮の施設をシナリオ {name} として保存",
}
# words of the meeting window (gui/meeting)
MEETING_UI: dict[str, str] = {
    "window_title": "会議モード — zaitaku-map",
    "menu": "会議モード(&M)",
    "enter": "会議モード（全画面）",
    "enter_tip": "委員会・協議の場で投影するための全画面表示（F11、Esc で戻る）",
    "compare": "2案を並べる",
    "undo": "元に戻す",
    "save": "この状態を案として保存",
    "pen": "ペン",
    "text": "文字メモ",
    "text_placeholder": "メモの文字を入れて地図をクリック",
    "erase": "メモを消す",
    "whatif": "仮の施設",
    "whatif_mark": "仮",
    "whatif_legend": "仮の施設（在支診として計算）",
    "banner_whatif": "仮の施設: 置きたい場所をクリックします（在支診として到達圏とカバー外を計算し直します）",
    "whatif_saved": "仮の施設はシナリオ {name} として保存しました",
    "exit": "終了（Esc）",
    "year": "年",
    "toggle_zaishi": "在支診・在支病",
    "toggle_home_nursing": "訪問看護",
    "toggle_bands": "到達圏",
    "toggle_gaps": "カバー外",
    "toggle_demand": "需要",
    "no_demand": "将来推計（需要）が取り込まれていません",
    "strip_title": "圏域ごとの数字",
    "legend": "凡例",
    "changed": "所属が変わる市区町村",
    "col_ken": "圏域",
    "col_population": "人口",
    "col_zaishi": "在支診+\n在支病",
    "col_uncovered_75": "カバー外\n75歳以上",
    "col_demand": "{year}年度\n需要",
    "year_item": "{year}年度",
    "demand_label": "{value:,.0f}件/月",
    "total": "計",
    "move_to": "{muni} の移動先",
    "cancel": "（やめる）",
    "loading": "会議用の地図を準備中…",
    "banner_pen": "ペン: 地図の上をドラッグして線を書きます",
    "banner_text": "文字メモ: 置きたい場所をクリックします",
    "banner_erase": "メモを消す: 消したいメモをクリックします",
    "saved": "{name} として保存しました",
    "working": "編集中の案は「この状態を案として保存」で新しい案になります",
}


# --- 協力医療機関 (partners domain) ------------------------------------------------------------------
# care facilities the 2024 reform concerns (key -> label); see partners.kinds for the service codes
CARE_KINDS: dict[str, str] = {
    "tokuyo": "介護老人福祉施設（特別養護老人ホーム）",
    "chiiki_tokuyo": "地域密着型介護老人福祉施設",
    "roken": "介護老人保健施設",
    "iryoin": "介護医療院",
    "tokutei": "特定施設（有料老人ホーム・軽費老人ホーム・サ高住）",
    "gh": "認知症対応型共同生活介護（グループホーム）",
}
CARE_KINDS_SHORT: dict[str, str] = {
    "tokuyo": "特養",
    "chiiki_tokuyo": "地域密着型特養",
    "roken": "老健",
    "iryoin": "介護医療院",
    "tokutei": "特定施設",
    "gh": "認知症GH",
}
# what the reform asks of each kind: name a partner meeting (1)(2)(3) / try to name one for (1)(2)
PARTNER_OBLIGATIONS: dict[str, str] = {
    "required": "(1)(2)(3)を満たす協力医療機関を定める義務",
    "effort": "(1)(2)を満たす協力医療機関を定める努力義務",
}
PARTNER_REQUIREMENTS: dict[str, str] = {
    "r1": "(1) 入所者の病状が急変した場合等に、医師又は看護職員が相談対応を行う体制を常時確保",
    "r2": "(2) 診療の求めがあった場合に、診療を行う体制を常時確保",
    "r3": "(3) 入院を要すると認められた入所者の入院を原則として受け入れる体制を確保",
}
PARTNER_STATUS: dict[str, str] = {
    "ok": "",
    "unplaced": "位置が不明（到達時間を計算できません）",
    "off_network": "道路から離れている（到達時間を計算できません）",
}
PARTNER_TEXT: dict[str, str] = {
    "title": "協力医療機関の候補リスト",
    "r12": "(1)(2)",
    "r3": "(3)",
    "r12_long": "相談・診療 (1)(2)",
    "r3_long": "入院 (3)",
    "meets": "○",
    "priority": "◎",
    "minutes": "{minutes:.0f}分",
    "no_r12": "(1)(2)を満たしうる医療機関が{minutes:g}分以内にない",
    "no_r3": "(3)を満たしうる病院が{minutes:g}分以内にない",
    "basis_designation": "名簿: {code}",
    "basis_category": "種別: {label}",
    "basis_beds": "病床数 {beds}",
    "basis_beds_unknown": "病床数 不明",
    "legend_r12": "(1)(2)○: 在宅療養支援診療所・在宅療養支援病院、または介護保険施設等連携往診加算の届出がある医療機関",
    "legend_r3": "(3)◎: 病床のある病院のうち、在宅療養支援病院・在宅療養後方支援病院・地域包括ケア病棟・"
    "協力対象施設入所者入院加算の届出があるもの（優先して掲載）／(3)○: その他の病床のある病院",
    "basis_note": "根拠は取り込んだデータ（地方厚生局の届出受理医療機関名簿・医療情報ネットの病床数）です。"
    "協定を結べるかどうかは各医療機関にご確認ください。",
    "more": "ほか {n} 件（表計算ファイル版にすべて掲載）",
    "none": "{minutes:g}分以内に候補となる医療機関はありません",
    "agreement": "届出済みの協力医療機関",
    "no_agreement": "協力医療機関の届出なし",
    "beyond": "{minutes:g}分超",
    "eval_warning": "協力医療機関の候補が{minutes:g}分以内にない介護施設が{n}か所あります",
    "eval_note": "協力医療機関の候補: {minutes:g}分以内（{model}）",
}
# the columns of the agreements table a prefecture collects (mapping targets of the import)
AGREEMENT_FIELDS: dict[str, str] = {
    "jigyosho_no": "事業所番号",
    "care_name": "施設名",
    "care_address": "施設の所在地",
    "care_kind": "施設の種別",
    "inst_code": "医療機関コード",
    "inst_name": "協力医療機関名",
    "inst_address": "協力医療機関の所在地",
    "r1": "要件(1)",
    "r2": "要件(2)",
    "r3": "要件(3)",
    "agreed_date": "協定締結日",
    "note": "備考",
}
# words of the 協力医療機関 dock (gui/partners_panel.py)
PARTNERS_GUI_TEXT: dict[str, str] = {
    "panel": "協力医療機関",
    "menu": "協力医療機関の候補リスト…",
    "run": "候補を探す",
    "all": "全域",
    "minutes": "分以内",
    "import": "届出の一覧を取り込む…",
    "pdf": "PDF…",
    "xlsx": "Excel…",
    "summary": "介護施設 {n} か所・{minutes:g}分以内に候補のない施設 {flagged} か所（(1)(2)なし {f12}・(3)なし {f3}）",
    "agreements": "届出: 協力医療機関あり {linked}・なし {unlinked}（{file}）",
    "no_agreements": "届出の一覧は未取込です",
    "links": "協力医療機関の第1候補（{minutes:g}分以内）",
    "flagged": "候補のない介護施設",
    "selected": "選んだ施設の候補",
    "reported": "届出の協力医療機関",
    "legend_r12": "(1)(2)の第1候補",
    "legend_r3": "(3)の第1候補",
    "legend_both": "(1)(2)(3)とも同じ医療機関",
    "imported": "協力医療機関の届出を取り込みました: {file}（協力医療機関あり {n} 行・除外 {rej} 行）",
}
PACK_SECTIONS.update({"partners": "協力医療機関の候補がない介護施設"})
GUI_IMPORT_KINDS.update({"agreements": "協力医療機関の届出（都道府県の一覧）"})
INGEST_KINDS.update({"agreements": "協力医療機関の届出"})
INGEST_DETAILS.update({"agreements_table": "協力医療機関の届出の一覧（都道府県の集計）"})
EXPORT_INDICATORS.update(
    {
        "partners_flagged": "協力医療機関の候補がない介護施設数",
        "partners_kens_with_gap": "協力医療機関の候補がない介護施設のある圏域数",
    }
)
DESIGNATION_KINDS.update(
    {
        "community_care_ward": "地域包括ケア病棟入院料・地域包括ケア入院医療管理料",
        "partner_admission": "協力対象施設入所者入院加算",
        "care_facility_visit": "介護保険施設等連携往診加算",
    }
)
# --- demand (issue 16): future demand, projected population, use rates ----------------------------
DEMAND_FILE_KINDS: dict[str, str] = {
    "mhlw_demand": "構想区域別の医療需要推計（厚生労働省）",
    "projection": "将来推計人口（市区町村別）",
    "use_rates": "利用率（受療率）の表",
}
# the sources as the pack and the maps cite them (with their 年度 / edition appended)
DEMAND_SOURCES: dict[str, str] = {
    "mhlw_demand": "構想区域別の医療需要推計（厚生労働省）",
    "projection": "日本の地域別将来推計人口（国立社会保障・人口問題研究所）",
    "projection_other": "将来推計人口（{file}）",
    "mesh_projection": "将来推計人口メッシュ（国土数値情報）",
    "use_rates": "利用率（{file}）",
}
DEMAND_MEASURES: dict[str, str] = {
    "home_visit": "在宅（訪問診療）",
    "outpatient": "外来",
    "home_nursing": "訪問看護",
    "inpatient": "入院",
    "emergency": "救急搬送",
    "population": "人口",
}
DEMAND_METHODS: dict[str, str] = {
    "area": "構想区域の推計値（厚生労働省）",
    "rates": "利用率×将来推計人口による推計",
    "apportioned": "按分による推計",
}
DEMAND_KEYS: dict[str, str] = {"75+": "75歳以上人口", "65+": "65歳以上人口", "total": "総人口"}
DEMAND_UNIT = "レセプト件数/月"
PEAK_LEGEND_TITLES: dict[str, str] = {
    "population": "人口のピーク年",
    "demand": "訪問診療需要のピーク年度",
    "growth": "訪問診療需要の伸び",
}
PEAK_CLASS_LABELS: dict[str, str] = {
    "population:le2015": "2015年以前",
    "population:2020": "2020年",
    "population:2025": "2025年",
    "population:2030": "2030年",
    "population:2035": "2035年",
    "population:ge2040": "2040年以降",
    "demand:le2024": "2024年度以前",
    "demand:2030": "2030年度",
    "demand:2035": "2035年度",
    "demand:2040": "2040年度",
    "demand:ge2045": "2045年度以降",
    "growth:lt0": "減少",
    "growth:0_10": "0〜10%増",
    "growth:10_20": "10〜20%増",
    "growth:20_30": "20〜30%増",
    "growth:30_50": "30〜50%増",
    "growth:ge50": "50%以上増",
}
DEMAND_TEXT: dict[str, str] = {
    "age_total": "総数",
    "age_open": "{lo}歳以上",
    "age_band": "{lo}～{hi}歳",
    "no_area_layer": "構想区域のコードをもつ圏域レイヤーがありません",
    "codes_not_in_layer": "圏域レイヤー「{layer}」にない構想区域: {codes}",
    "sheet_ignored": "読み込まなかったシート: {name}",
    "group_region": "{code} {name}（{n} 市町村）",
    "group_unknown_members": "構成市町村が分からない地域（区分9）があります。その市町村の推計は使えません。",
    "value_not_number": "需要推計の値が数値ではありません",
    "label_conflict": "見出しと行で{dim}が食い違います（{a} / {b}）",
    "dim_year": "年",
    "dim_sex": "男女",
    "dim_age": "年齢",
    "duplicate_value": "同じ市区町村・年・男女・年齢の値が2回あります（最初の値を使用）",
    "unlabeled_columns": "見出しから内容が分からない数値列は使いませんでした: {columns}",
    "negative_rate": "利用率が負の値です",
    "yearly_rate": "年あたりの率を12で割って1か月あたりにしました",
    "group_split": "{name}（{n} 市区町村をまとめた推計）は現在の人口の比で市区町村に分けました",
    "group_not_split": "{name} の推計は市区町村に分けられません（市区町村別・メッシュの人口が必要です）",
    "mesh_projection": "推計人口は将来推計人口メッシュを市区町村ごとに合計したものです",
    "ages_without_rate": "利用率のない年齢（{ages}）は需要に含めていません",
    "rates_calibrated": "利用率による市区町村の推計を構想区域ごとに需要推計の値に合わせました（倍率 {lo:.2f}〜{hi:.2f}）",
    "rates_incomplete": "利用率と男女・年齢別の推計人口がそろわない市区町村があるため、利用率による推計は使いません",
    "no_demand_file": "需要推計（構想区域別の医療需要推計）が未取込です",
    "areas_not_apportioned": "市区町村別の推計人口がないため按分できない構想区域: {areas}",
    "key_fallback": "{wanted}の推計がないため{used}で按分しました",
    "ken_units_missing": "需要を推計できない市区町村があります",
    "no_population_peaks": "75歳以上人口とそのピーク年は、市区町村別の将来推計人口（社人研「日本の地域別将来推計人口」）を"
    "取り込むと示されます",
    "thresholds": "需要の伸び（{base}→{target}年度）{growth:.0%}以上かつ{target}年度の需要千件/月あたりの施設数が"
    "案全体の{ratio:.0%}以下",
    "flag_warning": "訪問診療の需要が{growth:.0%}伸びるのに、{target}年度の需要あたりの{groups}が少ない圏域です",
    "supply_zaishi": "在支診・在支病",
    "supply_home_nursing": "訪問看護ステーション",
    "section_note": "将来の需要: {method}",
    "cite_demand": "{base}年度の実績と、その利用率による{last}年度までの{label}",
    "map_title_demand": "訪問診療の需要 {year}年度（レセプト件数/月）",
    "map_title_peak": "訪問診療需要のピーク年度",
    "map_title_growth": "訪問診療需要の伸び（{base}→{target}年度）",
    "map_title_peak75": "75歳以上人口のピーク年",
    "map_title_peak65": "65歳以上人口のピーク年",
    "map_demand": "{year}年度の需要: {value} 件/月",
    "map_peak": "需要のピーク: {label}",
    "map_growth": "伸び（{base}→{target}年度）: {growth:+.1%}",
    "map_pop75": "75歳以上人口（{year}年）: {value} 人",
    "peak_at_start": "{year}年以前",
    "peak_at_start_fy": "{year}年度以前",
    "no_data": "データなし",
    "need_demand_file": "厚生労働省「構想区域別の医療需要推計」（xlsx）",
    "need_area_layer": "構想区域（二次医療圏）の対応表（zaitaku-map areas … --layer 二次医療圏）",
    "need_projection": "市区町村別の将来推計人口（社人研「日本の地域別将来推計人口」の結果表、または市区町村×年×年齢の表）"
    "— 構想区域を分ける・組み合わせる案の需要（按分）と人口のピーク年に必要です",
}
DEMAND_PACK: dict[str, str] = {
    "title": "将来の需要（{option}）",
    "sub": "圏域案: {option}　　作成日: {date}",
    "tables_head": "需要の推計と施設数",
    "charts_head": "圏域ごとの需要の推移",
    "maps_head": "需要のピーク年度と伸び（地図）",
    "sources": "出典",
    "source_label": "出典: ",
    "method": "需要の出し方: {method}",
    "key": "按分の基準: {key}",
    "no_method": "この案の需要は出せません（下の注を参照）",
    "demand_head": "訪問診療の需要（レセプト件数/月）",
    "supply_head": "需要1,000件/月あたりの施設数（ツール算出・施設数は現在のまま）",
    "thresholds": "● 注意: {text}",
    "tool_note": "伸び・ピーク・施設数の比はツールによる算出です。",
    "col_ken": "圏域",
    "col_year": "{year}年度",
    "col_growth": "伸び {base}→{target}",
    "col_peak": "需要のピーク",
    "col_peak75": "75歳以上人口のピーク",
    "col_zaishi": "在支診・在支病",
    "col_home_nursing": "訪問看護",
    "col_per1000": "千件あたり {year}",
    "col_flag": "注意",
    "flag": "●",
    "whole": "案全体",
    "charts_title": "将来の需要: 圏域ごとの訪問診療の需要（2024〜2050年度）",
    "charts_unit": "縦軸: 訪問診療 レセプト件数/月　○: ピーク",
    "peak_label": "ピーク {year}年度",
    "maps_title": "将来の需要: 需要のピーク年度と伸び",
    "missing": "将来の需要を示すデータが取り込まれていません。次のファイルを zaitaku-map projection で取り込んでください。",
}
# municipal indicators (export --choropleth, the pack's 市区町村の指標) of future demand
DEMAND_INDICATORS: dict[str, str] = {
    "demand_peak": "訪問診療需要のピーク年度",
    "demand_growth": "訪問診療需要の伸び（2024→2040年度）",
    "pop75_peak": "75歳以上人口のピーク年",
}
DEMAND_CLI: dict[str, str] = {
    "eval_head": "将来の需要（訪問診療 レセプト件数/月・{method}）",
    "no_method": "この案では出せません",
    "col_ken": "圏域",
    "col_year": "{year}年度",
    "col_growth": "伸び",
    "col_peak": "需要のピーク",
    "col_peak75": "75歳以上のピーク",
    "flag": "● 注意",
    "thresholds": "● 注意の目安: {text}",
    "source": "出典: ",
}
DEMAND_GUI: dict[str, str] = {
    "panel": "将来の需要",
    "year_tip": "表示する年度（将来の需要・推計人口）",
    "year_now": "現在",
    "year_item": "{year}年度",
    "year_label": "年度:",
    "map_label": "地図:",
    "mode_none": "地図に表示しない",
    "mode_demand": "需要（選んだ年度）",
    "mode_peak": "需要のピーク年度",
    "mode_growth": "需要の伸び",
    "mode_peak75": "75歳以上人口のピーク年",
    "mode_peak65": "65歳以上人口のピーク年",
    "unit_ken": "圏域",
    "unit_muni": "市区町村",
    "labels_layer": "需要の値（ラベル）",
    "no_project": "プロジェクトを開くと、将来の需要が表示されます。",
    "no_option": "圏域案を選ぶと、圏域ごとの需要が表示されます（地図は市区町村別に表示できます）。",
    "no_data": "需要推計・将来推計人口が取り込まれていません。「データの取り込み」で厚労省の需要推計・社人研の将来推計人口のファイルを取り込めます。",
    "no_method": "この案の需要は出せません: {notes}",
    "method": "訪問診療 レセプト件数/月・{year}年度（{method}）",
    "error": "需要を表示できません: {error}",
    "col_name": "圏域",
    "col_year": "{year}年度",
    "col_growth": "伸び {base}→{target}",
    "col_peak": "ピーク",
    "col_pop75": "75歳以上 {year}年",
}

# --- remedies: what-if scenarios and facility suggestions (issue 17) -----------------------------
SCENARIO_ACTION_LABELS: dict[str, str] = {
    "site_add": "仮想施設「{name}」を追加",
    "site_remove": "仮想施設「{name}」を削除",
    "site_move": "仮想施設「{name}」を移動",
    "close": "「{name}」を休止（シナリオ内）",
    "reopen": "「{name}」の休止を取り消し",
    "gain": "「{name}」が{category}になる",
    "ungain": "「{name}」の機能の追加を取り消し",
    "facility_move": "「{name}」を移転（シナリオ内）",
    "batch": "まとめて変更",
    "suggestion": "提案された{n}か所を追加",
    "undo": "取り消し: {what}",
    "redo": "やり直し: {what}",
}
SUGGEST_WEIGHT_LABELS: dict[str, str] = {"total": "総人口", "age65": "65歳以上人口", "age75": "75歳以上人口"}
CANDIDATE_SET_LABELS: dict[str, str] = {
    "clinics": "診療所（在支診になりうる）",
    "hospitals": "病床のある病院（在支病になりうる）",
    "care": "介護事業所（訪問看護のサテライト）",
    "grid": "格子状の候補地（人口のある区画の道路上）",
    "file": "候補地ファイル",
}
SUGGEST_TEXT: dict[str, str] = {
    "title": "施設の候補地の提案: {category}・{minutes}分・重み {weight}",
    "params": "到達圏の条件",
    "baseline": "現状のカバー: {covered} / {total} 人（{share}%）",
    "candidates": "候補地 {n} か所（配置可能 {usable}・カバー外に届く {useful}）",
    "none": "カバー外の人口に届く候補地はありません",
    "method_lazy_greedy": "方法: 貪欲法（遅延評価）。最適解の (1−1/e)≈63.2% 以上が保証されます",
    "method_lazy_greedy+milp": "方法: 貪欲法（遅延評価）と厳密解（整数計画・HiGHS）",
    "gap": "厳密解との差（最適性ギャップ）: {gap}%",
    "bound": "このデータでの上界から見た差は最大 {bound}%",
    "dual": "目標 {share}% に届く最少の候補地数: 貪欲法 {n} か所",
    "dual_exact": "・厳密解 {n} か所",
    "dual_unreached": "目標 {share}% には、これらの候補地では届きません",
    "to_scenario": "選ばれた {n} か所をシナリオ「{name}」に加えました",
    "hypothetical": "仮想",
    "hypothetical_note": "仮想施設（シナリオの検討用・実在しない）",
}
SUGGEST_COLUMNS: tuple[str, ...] = (
    "順位",
    "候補地",
    "種類",
    "市区町村",
    "新たにカバー（人）",
    "うち75歳以上",
    "累計カバー（人）",
    "累計カバー率",
)
SUGGEST_KINDS: dict[str, str] = {"facility": "既存施設", "grid": "格子", "file": "ファイル"}
SCENARIO_TEXT: dict[str, str] = {
    "created": "シナリオ「{name}」を作成しました",
    "edited": "{what}（カバー人口 {delta} 人）",
    "params": "到達圏の条件",
    "evaluate_title": "シナリオ「{name}」: {category}",
    "evaluate_total": "カバー人口 {before} → {after} / {total} 人（{gain}）",
    "evaluate_facilities": "施設数 {before} → {after}（うち仮想施設 {sites}）",
    "columns": "人口\tカバー外（前）\tカバー外（後）\t75歳以上カバー外（前）\t75歳以上カバー外（後）",
}
SCENARIO_DOC_TEXT: dict[str, str] = {
    "section": "シナリオ（もしもの検討）",
    "site_label": "仮想: {label}",
    "closed_label": "休止: {name}",
    "gains_label": "{name}（→{category}）",
    "moved_label": "移転: {name}",
    "map_note": "★ 仮想施設（シナリオの検討用・実在しない）　◎ 機能を加える既存施設　× シナリオで休止",
    "curve_x": "追加した施設の数",
    "curve_y": "カバー率（%）",
    "summary": "{category}のカバー人口 {before} 人（{share0}%）→ {after} 人（{share1}%）: {gain} 人（75歳以上 {gain75} 人）",
    "areas_title": "圏域ごとの到達圏外の人口（{option}）",
    "area_columns": "圏域|人口|カバー外（現状）|カバー外（シナリオ）|75歳以上カバー外（現状）|75歳以上カバー外（シナリオ）",
    "steps_title": "シナリオの変更と、それぞれで新たにカバーされる人口（順に追加）",
    "no_steps": "このシナリオには変更がありません。",
    "kind_site": "仮想",
    "kind_gains": "機能追加",
    "kind_closed": "休止",
    "kind_moved": "移転",
    "kind_other": "その他",
    "hypothetical_note": "仮想施設はシナリオの検討のための架空の施設で、施設一覧・資源リストには含まれません。到達圏は道路網（または直線距離）で計算した推計です。",
    "no_population": "{category}: 人口が地点ごとにわからないため（人口メッシュも市区町村別の人口も未取込）、カバー人口とカバー外の人口は出せません。地図の到達圏と施設の配置をご覧ください。",
}
WHATIF_GUI_TEXT: dict[str, str] = {
    "panel": "もしもの検討（仮想施設・候補地）",
    "menu": "もしもの検討（仮想施設・候補地の提案）…",
    "category": "種別",
    "scenario": "シナリオ",
    "new_scenario": "（新しいシナリオ・未保存）",
    "start": "検討を始める",
    "stop": "終了",
    "edit_box": "編集（元の施設一覧は変わりません）",
    "add": "地図をクリックして仮想施設を置く",
    "move": "選んだ仮想施設を移す（★はドラッグでも移せます）",
    "remove": "選んだ仮想施設を削除",
    "close": "選んだ施設を休止",
    "gain": "選んだ施設が機能を担う（在支診など）",
    "undo": "元に戻す",
    "redo": "やり直す",
    "save": "シナリオとして保存…",
    "save_prompt": "シナリオの名前",
    "pdf": "PDF に出力…",
    "pdf_needs": "PDF にはシナリオの保存と圏域案の選択が必要です",
    "pdf_done": "出力しました: {path}（{pages} ページ）",
    "idle": "「検討を始める」を押すと、到達圏とカバー外の人口が編集のたびに更新されます。",
    "started": "検討を始めました（{mode}）",
    "mode_network": "道路ネットワーク",
    "mode_straight": "直線距離モデル",
    "summary": "{name}: {category}・{minutes}分　カバー {covered} / {total} 人（{share}%）　カバー外 {uncovered} 人",
    "unsaved": "未保存のシナリオ",
    "summary_no_pop": "{name}: {category}・{minutes}分　人口が地点ごとにわからないため（人口メッシュも市区町村別の人口も未取込）、カバー人口は出せません（到達圏と配置のみ）",
    "edited": "{what}（カバー人口 {delta} 人・{ms} ms）",
    "edited_no_pop": "{what}（{ms} ms）",
    "saved": "シナリオ「{name}」として保存しました",
    "click_add": "地図をクリックして仮想施設を置く",
    "click_move": "地図をクリックして、選んだ仮想施設を移す",
    "pick_site": "一覧で仮想施設を選んでください",
    "drag_tip": "ドラッグで移せます",
    "pick_facility": "地図か施設一覧で施設を選んでください",
    "area_columns": "圏域|人口|カバー外|開始時との差",
    "site_item": "★{key} {label}（仮想・{category}）",
    "change_item": "施設{id}: {what}",
    "closed": "休止",
    "moved": "移転",
    "gains": "{category}になる",
    "bands": "到達圏（シナリオ・{category}）",
    "bands_legend": "シナリオの到達圏（{minutes}分以内が濃い色）",
    "band_tip": "{pop} 人",
    "gaps": "カバー外の人口（シナリオ）",
    "gap_tip": "カバー外 {pop} 人",
    "changes": "シナリオで変える施設",
    "sites": "仮想施設（実在しない）",
    "sites_legend": "仮想施設（シナリオの検討用）",
    "site_tip": "仮想: {label}",
    "suggest_box": "候補地の提案（最大被覆）",
    "suggest": "提案を計算",
    "apply": "選んだ候補地をシナリオに加える（未選択なら全部）",
    "suggest_layer": "提案された候補地",
    "suggest_tip": "{rank}位: {label}",
    "gain_tip": "新たにカバー {gain} 人（75歳以上 {g75} 人）",
    "method": "貪欲法（最適解の63.2%以上を保証）",
    "bound": "・このデータでの上界との差は最大 {bound}%",
    "curve_x": "候補地の数",
    "kind_facility": "既存施設",
    "kind_grid": "格子",
    "kind_file": "ファイル",
    "cand_default": "候補地: 種別に応じて",
    "cand_clinics": "診療所",
    "cand_hospitals": "病院（病床あり）",
    "cand_care": "介護事業所",
    "cand_grid": "格子（2km）",
}
