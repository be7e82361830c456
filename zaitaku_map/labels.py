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
    "demo": "デモデータ（zaitaku-map が生成した架空のデータ）",
}
