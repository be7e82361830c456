"""Writers of the facility files of the demo region in the official layouts.

- 医療情報ネット: ``01-1_hospital_facility_info_20250601.csv`` (65 columns), ``02-1_clinic_…``,
  ``05_pharmacy_…`` inside zips; UTF-8 with BOM, every field quoted; some ``0.0`` placeholder
  coordinates, some facilities sharing the prefectural office point, one swapped pair.
- 介護サービス情報公表: ``jigyosho_<code>_all_<YYYYMMDDhhmmss>.csv`` (the newer naming, which dates
  the release) for 130/320/510/520/550 (320 in CP932).
- 厚生局 届出受理医療機関名簿 (xlsx, one per prefecture): title on row 2, header on row 4, one row per
  facility × 届出, 和暦 dates with full-width digits; addresses without the prefecture.
- 地域包括支援センター: a municipal list with its own column names (xlsx) and a title row that dates it
  (「令和7年10月1日現在」).
Every file carries its reference date the way the real ones do (名簿 title cell, 医療情報ネット and
介護 file names, the municipal list's title).  A few deliberately bad rows exercise the import log:
no name, no address, impossible coordinates, neither address nor coordinates, and in the municipal
list a centre that is not open yet (no address).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import openpyxl

from zaitaku_map.demo.facilities import Facility, build_facilities
from zaitaku_map.demo.geography import DEMO_DISCLAIMER, Tile, build_region, check_digit
from zaitaku_map.demo.towns import build_towns
from zaitaku_map.demo.xlsxwrite import write_text_xlsx
from zaitaku_map.demo.ziputil import normalize_xlsx, write_zip

IRYO_DATE = "20250601"
KAIGO_STAMP = "20251001090000"  # jigyosho_<code>_all_<stamp>.csv: the release the demo lists are "as of"
REFERENCE_TITLE = "令和7年10月1日現在"  # the 名簿 and the municipal list
_DAYS = "月火水木金土日"
HOSPITAL_HEADER: list[str] = (
    [
        "ID",
        "正式名称",
        "正式名称（フリガナ）",
        "略称",
        "略称（フリガナ）",
        "英語表記（ローマ字表記）",
        "機関区分",
        "都道府県コード",
        "市区町村コード",
        "所在地",
        "所在地座標（緯度）",
        "所在地座標（経度）",
        "案内用ホームページアドレス",
    ]
    + [f"毎週決まった曜日に休診（{d}）" for d in _DAYS]
    + [f"決まった週に休診（定期週）第{w}週（{d}）" for w in range(1, 6) for d in _DAYS]
    + [
        "祝日に休診",
        "その他の休診日（gw、お盆等）",
        "一般病床",
        "療養病床",
        "療養病床のうち医療保険適用",
        "療養病床のうち介護保険適用",
        "精神病床",
        "結核病床",
        "感染症病床",
        "合計病床数",
    ]
)
assert len(HOSPITAL_HEADER) == 65
CLINIC_HEADER = HOSPITAL_HEADER
# Assumption (no real copy at hand): the pharmacy file has the hospital columns without bed counts.
PHARMACY_HEADER = HOSPITAL_HEADER[:57]

KAIGO_HEADER = [
    "都道府県コード又は市町村コード",
    "No",
    "都道府県名",
    "市区町村名",
    "事業所名",
    "事業所名カナ",
    "サービスの種類",
    "住所",
    "方書（ビル名等）",
    "緯度",
    "経度",
    "電話番号",
    "FAX番号",
    "法人番号",
    "法人の名称",
    "事業所番号",
    "利用可能曜日",
    "利用可能曜日特記事項",
    "定員",
    "URL",
    "高齢者の方と障害者の方が同時一体的に利用できるサービス",
    "介護保険の通常の指定基準を満たしている",
    "障害福祉の通常の指定基準を満たしている",
    "備考",
]
KAIGO_SERVICES = {  # model kind -> (service code, サービスの種類, capacity range, encoding)
    "home_nursing": ("130", "訪問看護", None, "utf-8-sig"),
    "gh": ("320", "認知症対応型共同生活介護", (9, 27), "cp932"),
    "tokuyo": ("510", "介護老人福祉施設", (29, 100), "utf-8-sig"),
    "roken": ("520", "介護老人保健施設", (50, 120), "utf-8-sig"),
    "iryoin": ("550", "介護医療院", (19, 60), "utf-8-sig"),
}

KOUSEI_HEADER = [
    "項番",
    "都道府県コード",
    "都道府県名",
    "区分",
    "医療機関番号",
    "併設医療機関番号",
    "医療機関記号番号",
    "医療機関名称",
    "医療機関所在地（郵便番号）",
    "医療機関所在地（住所）",
    "電話番号",
    "FAX番号",
    "病床数",
    "受理届出名称",
    "受理記号",
    "受理番号",
    "算定開始年月日",
    "個別有効開始年月日",
    "備考（見出し）",
    "備考（データ）",
    "市町村コード",
    "市町村名",
    "種別コード",
    "種別",
]
ZAISHI_NAMES = {
    "支援診１": "別添１の「第９」の１の(１)に規定する在宅療養支援診療所",
    "支援診２": "別添１の「第９」の１の(２)に規定する在宅療養支援診療所",
    "支援診３": "別添１の「第９」の１の(３)に規定する在宅療養支援診療所",
    "支援病１": "別添１の「第14の２」の１の(１)に規定する在宅療養支援病院",
    "支援病２": "別添１の「第14の２」の１の(２)に規定する在宅療養支援病院",
    "支援病３": "別添１の「第14の２」の１の(３)に規定する在宅療養支援病院",
}
OTHER_TODOKE = [
    ("外在ベⅠ", "外来・在宅ベースアップ評価料（Ⅰ）"),
    ("医療ＤＸ", "医療ＤＸ推進体制整備加算"),
    ("がん指", "がん治療連携指導料"),
    ("外来感染", "外来感染対策向上加算"),
    ("酸単", "酸素の購入単価"),
    ("在医総管１", "在宅時医学総合管理料及び施設入居時等医学総合管理料"),
    ("機能強化", "機能強化加算"),
    ("時間外３", "時間外対応加算３"),
    ("時間外１", "時間外対応加算１"),
    ("ニコ", "ニコチン依存症管理料"),
    ("Ｃ・Ｍ", "ＣＴ撮影及びＭＲＩ撮影"),
    ("在総", "在宅がん医療総合診療料"),
]
PHARM_TODOKE = [
    ("在薬", "在宅患者訪問薬剤管理指導料"),
    ("医療ＤＸ", "医療ＤＸ推進体制整備加算"),
    ("外在ベⅠ", "外来・在宅ベースアップ評価料（Ⅰ）"),
]
HOUKATSU_HEADER = ["No.", "センター名", "所在地", "電話番号", "担当地区", "運営法人", "開所時間", "備考"]
ZEN = str.maketrans("0123456789", "０１２３４５６７８９")


def _ctx(seed: int):  # type: ignore[no-untyped-def]
    return build_region(seed), build_towns(seed), build_facilities(seed)


def _phone(tile: Tile, f: Facility) -> str:
    return f"0{tile.pref_code[0]}{int(f.code3) % 97:02d}-{(f.seq * 37) % 90 + 10:02d}-{(f.seq * 7919 + len(f.name)) % 9000 + 1000}"


def _lonlat(tile: Tile, f: Facility) -> tuple[float, float]:
    lon, lat = tile.to_lonlat(np.array([f.x]), np.array([f.y]))
    return round(float(lon[0]), 6), round(float(lat[0]), 6)


def office_point(tile: Tile, seed: int = 0) -> tuple[float, float]:
    """The prefectural office (県庁) in 中央区: the shared placeholder coordinate."""
    region = build_region(seed)
    p = region.muni_geoms["101"].representative_point()
    lon, lat = tile.to_lonlat(np.array([p.x]), np.array([p.y]))
    return round(float(lon[0]), 6), round(float(lat[0]), 6)


def _csv_bytes(rows: list[list[str]], *, encoding: str, quote_all: bool = True) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL, lineterminator="\r\n")
    w.writerows(rows)
    data = buf.getvalue()
    if encoding == "utf-8-sig":
        return b"\xef\xbb\xbf" + data.encode("utf-8")
    return data.encode(encoding)


def iryojoho_rows(kind: str, tile_list: list[Tile], seed: int = 0) -> list[list[str]]:
    """Rows (with header) of the hospital / clinic / pharmacy file."""
    region, towns, facs = _ctx(seed)
    header = {"hospital": HOSPITAL_HEADER, "clinic": CLINIC_HEADER, "pharmacy": PHARMACY_HEADER}[kind]
    kubun = {"hospital": "1", "clinic": "2", "pharmacy": "5"}[kind]
    rows = [header]
    for tile in tile_list:
        office = office_point(tile, seed)
        sel = [f for f in facs if f.kind == kind]
        for i, f in enumerate(sel):
            lon, lat = _lonlat(tile, f)
            addr = f.address(tile, towns, region)
            h = (i * 7 + tile.index * 3) % 100
            if h < 6:
                lat_s, lon_s = "0.0", "0.0"  # placeholder
            elif h < 9:
                lon_s, lat_s = f"{office[0]}", f"{office[1]}"  # shared prefectural-office point
            else:
                lat_s, lon_s = f"{lat}", f"{lon}"
            if i == 13:
                lat_s, lon_s = f"{lon}", f"{lat}"  # swapped
            if i == 29:
                lat_s, lon_s = "95.123456", "235.5"  # impossible
            if i == 41:
                addr = ""  # missing address (bad row)
            fid = f"{tile.pref_code}{kubun}{f.code3}{f.seq + 1:07d}"
            row = [fid, f.name, "", "", "", "", kubun, tile.pref_code, f.code3, addr, lat_s, lon_s, ""]
            closed = ["0"] * 7
            closed[6] = "1"
            if f.seq % 3 == 0:
                closed[3] = "1"
            row += closed + ["0"] * 35 + ["1", DEMO_DISCLAIMER]
            if kind != "pharmacy":
                beds = f.beds if kind == "hospital" else (19 if f.seq % 17 == 0 else 0)
                ryoyo = beds // 4 if kind == "hospital" else 0
                row += [str(beds - ryoyo), str(ryoyo), str(ryoyo), "0", "0", "0", "0", str(beds)]
            rows.append(row)
    return rows


def write_iryojoho(out_dir: Path, tile_list: list[Tile], seed: int = 0) -> list[Path]:
    paths = []
    for kind, stem in (
        ("hospital", "01-1_hospital_facility_info"),
        ("clinic", "02-1_clinic_facility_info"),
        ("pharmacy", "05_pharmacy_facility_info"),
    ):
        data = _csv_bytes(iryojoho_rows(kind, tile_list, seed), encoding="utf-8-sig")
        p = out_dir / f"{stem}_{IRYO_DATE}.zip"
        write_zip(p, [(f"{stem}_{IRYO_DATE}.csv", data)])
        paths.append(p)
    return paths


def jigyosho_number(tile: Tile, f: Facility) -> str:
    """The 10-digit 事業所番号 of a care facility or home-nursing station in the 介護 lists."""
    return f"{tile.pref_code}7{f.code3}{f.seq:04d}"


def kaigo_rows(kind: str, tile_list: list[Tile], seed: int = 0) -> list[list[str]]:
    region, towns, facs = _ctx(seed)
    _code, service, cap, _ = KAIGO_SERVICES[kind]
    rows = [KAIGO_HEADER]
    no = 0
    for tile in tile_list:
        sel = [f for f in facs if f.kind == kind]
        for i, f in enumerate(sel):
            no += 1
            lon, lat = _lonlat(tile, f)
            code5 = tile.muni_code(f.code3)
            muni = f.address(tile, towns, region)[len(tile.pref_name) :]
            muni = muni[: len(muni) - len(f.street)]
            town = towns.name[f.town]
            muni = muni[: len(muni) - len(town)]
            addr = f.address(tile, towns, region, ooaza=(i % 2 == 0))
            lat_s, lon_s = f"{lat}", f"{lon}"
            if i % 23 == 5:
                lat_s, lon_s = "", ""
            if i == 11:
                lat_s, lon_s = "-12.5", "400.0"  # impossible coordinates (bad row)
            if i == 17:
                addr = ""  # missing address (bad row)
            if i == 29:
                addr, lat_s, lon_s = "", "0.0", "0.0"  # neither address nor coordinates: cannot be placed
            name = "" if (kind == "tokuyo" and i == 3) else f.name  # no name: the importer must reject it
            capacity = "" if cap is None else str(cap[0] + (i * 7) % (cap[1] - cap[0] + 1))
            rows.append(
                [
                    code5 + check_digit(code5),
                    str(no),
                    tile.pref_name,
                    muni,
                    name,
                    "",
                    service,
                    addr,
                    "",
                    lat_s,
                    lon_s,
                    _phone(tile, f),
                    "",
                    f"{(int(code5) * 1000 + i) % 10**13:013d}",
                    f"社会福祉法人デモ{towns.name[f.town][:2]}会",
                    jigyosho_number(tile, f),
                    "月,火,水,木,金,土,日" if cap else "月,火,水,木,金",
                    "",
                    capacity,
                    "",
                    "",
                    "",
                    "",
                    DEMO_DISCLAIMER,
                ]
            )
    return rows


def write_kaigo(out_dir: Path, tile_list: list[Tile], seed: int = 0) -> list[Path]:
    paths = []
    for kind in sorted(KAIGO_SERVICES, key=lambda k: KAIGO_SERVICES[k][0]):
        code, _, _, enc = KAIGO_SERVICES[kind]
        p = out_dir / f"jigyosho_{code}_all_{KAIGO_STAMP}.csv"
        p.write_bytes(_csv_bytes(kaigo_rows(kind, tile_list, seed), encoding=enc))
        paths.append(p)
    return paths


def _wareki(year: int, month: int, day: int) -> str:
    """e.g. 令和 7年 9月 1日 / 平成24年 4月 1日 (space-padded like the 厚生局 files)."""
    if (year, month) >= (2019, 5):
        era, y = "令和", year - 2018
    else:
        era, y = "平成", year - 1988
    return f"{era}{y:>2}年{month:>2}月{day:>2}日"


def _meibo_targets(facs: list[Facility]) -> list[Facility]:
    targets = [f for f in facs if f.kind in ("hospital", "clinic", "pharmacy")]
    targets.sort(key=lambda f: (f.code3, {"hospital": 0, "clinic": 1, "pharmacy": 2}[f.kind], f.seq))
    return targets


def meibo_numbers(seed: int = 0) -> dict[tuple[str, int], str]:
    """The 7-digit 医療機関番号 of each hospital, clinic and pharmacy in the 名簿, by ``(kind, seq)``
    (unique per prefecture; the same in every tile)."""
    out = {}
    for item, f in enumerate(_meibo_targets(build_facilities(seed)), start=1):
        no = f"{int(f.code3) % 100:02d}{item:04d}"
        out[(f.kind, f.seq)] = no + str(sum(int(c) for c in no) % 10)
    return out


# 届出 that make an institution a likely 協力医療機関 (2024 reform), given to some institutions by their
# sequence number: (kind, seq rule, 受理記号, 受理届出名称)
PARTNER_TODOKE: list[tuple[str, int, int, str, str]] = [
    ("hospital", 3, 0, "地包ケア１", "地域包括ケア病棟入院料１及び地域包括ケア入院医療管理料１"),
    ("hospital", 5, 1, "在後病", "在宅療養後方支援病院"),
    ("hospital", 4, 2, "協力施設", "協力対象施設入所者入院加算"),
    ("zaishi_clinic", 4, 0, "介保連", "往診料の注10に規定する介護保険施設等連携往診加算"),
]


def _partner_todoke(f: Facility) -> list[tuple[str, str]]:
    kind = "zaishi_clinic" if f.kind == "clinic" and f.zaishi else f.kind
    return [(sym, nm) for k, mod, rem, sym, nm in PARTNER_TODOKE if k == kind and f.seq % mod == rem]


def kouseikyoku_rows(tile: Tile, seed: int = 0) -> list[list[str]]:
    """Data rows of one prefecture's 名簿 (one row per facility × 届出)."""
    region, towns, facs = _ctx(seed)
    rows: list[list[str]] = []
    numbers = meibo_numbers(seed)
    twice_done = False
    for item, f in enumerate(_meibo_targets(facs), start=1):
        kubun = "薬局" if f.kind == "pharmacy" else "医科"
        sb = {"hospital": ("22", "病院"), "clinic": ("23", "診療所"), "pharmacy": ("24", "薬局")}[f.kind]
        no = numbers[(f.kind, f.seq)]
        addr = f.address(tile, towns, region, with_pref=False)
        postal = f"{tile.pref_code[0]}{int(f.code3) % 100:02d}-{(f.town * 37 + 1000) % 10000:04d}"
        beds = f"一般　　{f.beds}" if f.kind == "hospital" else ""
        todoke: list[tuple[str, str, str]] = []
        pool = PHARM_TODOKE if f.kind == "pharmacy" else OTHER_TODOKE
        k = 2 if f.kind == "pharmacy" else (6 if f.kind == "hospital" else 2 + f.seq % 3)
        for j in range(k):
            sym, nm = pool[(f.seq + j * 5) % len(pool)]
            todoke.append((sym, nm, _wareki(2012 + (f.seq + j) % 13, 1 + (f.seq * 5 + j) % 12, 1)))
        for sym, nm in _partner_todoke(f):
            todoke.append((sym, nm, _wareki(2024, 6 + f.seq % 4, 1)))
        if f.zaishi:
            todoke.append((f.zaishi, ZAISHI_NAMES[f.zaishi], _wareki(2016 + f.seq % 9, 4, 1)))
            if f.zaishi == "支援診２" and not twice_done:
                # the same clinic listed with an older 従来型 届出 and a newer 連携型 one
                todoke.append(("支援診３", ZAISHI_NAMES["支援診３"], _wareki(2014, 4, 1)))
                twice_done = True
        for sym, nm, date in sorted(dict.fromkeys(todoke)):
            num = f"第{(f.seq * 31 + len(sym)) % 400 + 1}号"
            rows.append(
                [
                    str(item),
                    tile.pref_code,
                    tile.pref_name,
                    kubun,
                    no,
                    "",
                    "",
                    f.name,
                    postal,
                    addr,
                    _phone(tile, f),
                    "",
                    beds,
                    nm,
                    sym,
                    num,
                    date,
                    "",
                    "",
                    "",
                    "",
                    "",
                    sb[0],
                    sb[1],
                ]
            )
    return rows


def write_kouseikyoku(out_dir: Path, tile_list: list[Tile], seed: int = 0) -> list[Path]:
    """One 名簿 per prefecture: row 1 empty, title on row 2, empty row 3, header on row 4."""
    paths = []
    for tile in tile_list:
        rows: list[Sequence[str | None]] = [
            [None] * 24,
            ["[令和７年１０月１日 現在 ]令和７年１０月２１日作成（デモデータ・架空）"] + [""] * 23,
            [""] * 24,
            list(KOUSEI_HEADER),
        ]
        rows += kouseikyoku_rows(tile, seed)
        p = out_dir / f"{tile.pref_code}_{tile.pref_name}_届出受理医療機関名簿_2025-10.xlsx"
        write_text_xlsx(p, rows)
        paths.append(p)
    return paths


def write_houkatsu(out_dir: Path, tile_list: list[Tile], seed: int = 0) -> list[Path]:
    """地域包括支援センター list in a municipal layout (one xlsx covering every tile)."""
    region, towns, facs = _ctx(seed)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "包括一覧"
    title = "・".join(t.pref_name for t in tile_list[:3]) + ("ほか" if len(tile_list) > 3 else "")
    ws.append([f"{title} 地域包括支援センター一覧（{REFERENCE_TITLE}）（デモデータ・架空）"])
    ws.append(HOUKATSU_HEADER)
    i = 0
    planned_done = False
    for tile in tile_list:
        for f in (f for f in facs if f.kind == "houkatsu"):
            i += 1
            area = (
                "全域"
                if f.name.startswith(region.specs[f.code3].name + "地域")
                else f"{towns.name[f.town]}ほか"
            )
            # a municipal list leaves the prefecture out; with several fictional prefectures (--scale)
            # the same municipality names recur, so the address must then name its prefecture
            addr = f.address(tile, towns, region, with_pref=len(tile_list) > 1, ooaza=True)
            ws.append(
                [
                    i,
                    f.name,
                    addr,
                    _phone(tile, f),
                    area,
                    "直営" if i % 2 else "社会福祉法人デモ福祉会",
                    "8:30～17:15",
                    DEMO_DISCLAIMER,
                ]
            )
            if not planned_done and f.name.startswith("デモ市中央区"):
                # a bad row as municipal lists have them: a centre announced before it has an address
                i += 1
                planned_done = True
                ws.append(
                    [
                        i,
                        "デモ市中央区第三地域包括支援センター（令和8年4月開設予定）",
                        "",
                        "",
                        "中央区の一部",
                        "未定",
                        "",
                        DEMO_DISCLAIMER,
                    ]
                )
    wb.properties.creator = "zaitaku-map demo"
    p = out_dir / "houkatsu_list.xlsx"
    wb.save(p)
    normalize_xlsx(p)
    return [p]
