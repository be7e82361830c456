"""Synthetic input files for the importer tests, written from the documented / observed headers."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

# -- 医療情報ネット ------------------------------------------------------------------------------
_DAYS = "月火水木金土日"
IRYOJOHO_HEADER = (
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
assert len(IRYOJOHO_HEADER) == 65


def iryojoho_row(
    fid: str,
    name: str,
    pref: str,
    city: str,
    address: str,
    lat: str,
    lon: str,
    beds: str = "",
    kubun: str = "1",
) -> list[str]:
    row = [""] * len(IRYOJOHO_HEADER)
    vals = {
        "ID": fid,
        "正式名称": name,
        "機関区分": kubun,
        "都道府県コード": pref,
        "市区町村コード": city,
        "所在地": address,
        "所在地座標（緯度）": lat,
        "所在地座標（経度）": lon,
        "合計病床数": beds,
    }
    for k, v in vals.items():
        row[IRYOJOHO_HEADER.index(k)] = v
    return row


def csv_bytes(
    header: list[str], rows: list[list[str]], *, encoding: str = "utf-8-sig", quote_all: bool = True
) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode(encoding)


def write_iryojoho(
    path: Path, rows: list[list[str]], *, zipped: bool = True, member: str | None = None
) -> Path:
    data = csv_bytes(IRYOJOHO_HEADER, rows)
    if not zipped:
        path.write_bytes(data)
        return path
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(member or path.with_suffix(".csv").name, data)
    return path


# -- 地方厚生局 名簿 ------------------------------------------------------------------------------
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


def kousei_row(
    no: str,
    name: str,
    address: str,
    code: str,
    date: str,
    *,
    pref: str = "99",
    pref_name: str = "テスト県",
    kind: str = "診療所",
    beds: str = "",
    kubun: str = "医科",
    item: str = "1",
) -> list[str]:
    names = {
        "支援診": "在宅療養支援診療所",
        "支援病": "在宅療養支援病院",
        "在後病": "在宅療養後方支援病院",
        "在医総管": "在宅時医学総合管理料及び施設入居時等医学総合管理料",
    }
    long_name = next((v for k, v in names.items() if code.startswith(k)), "その他の届出")
    return [
        item,
        pref,
        pref_name,
        kubun,
        no,
        "",
        "",
        name,
        "680-0000",
        address,
        "0857-00-0000",
        "",
        beds,
        long_name,
        code,
        "第1号",
        date,
        "",
        "",
        "",
        "",
        "",
        "22" if kind == "病院" else "21",
        kind,
    ]


def write_kouseikyoku(
    path: Path,
    rows: list[list[str]],
    *,
    title: str = "[令和７年１０月１日 現在 ]令和７年１０月２１日作成",
    sheets: dict[str, list[list[str]]] | None = None,
) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    all_sheets = {"Sheet1": rows, **(sheets or {})}
    for i, (name, srows) in enumerate(all_sheets.items()):
        sh = ws if i == 0 else wb.create_sheet(name)
        sh.append([None] * 3)
        sh.append([title] + [""] * 23)
        sh.append([""] * 24)
        sh.append(KOUSEI_HEADER)
        for r in srows:
            sh.append(r)
    wb.save(path)
    return path


# -- 介護サービス情報公表 -------------------------------------------------------------------------
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


def kaigo_row(
    code6: str,
    no: str,
    name: str,
    service: str,
    address: str,
    lat: str,
    lon: str,
    *,
    pref_name: str = "鳥取県",
    muni_name: str = "鳥取市",
    capacity: str = "",
) -> list[str]:
    row = [""] * len(KAIGO_HEADER)
    vals = {
        "都道府県コード又は市町村コード": code6,
        "No": "1",
        "都道府県名": pref_name,
        "市区町村名": muni_name,
        "事業所名": name,
        "事業所名カナ": "",
        "サービスの種類": service,
        "住所": address,
        "緯度": lat,
        "経度": lon,
        "事業所番号": no,
        "定員": capacity,
    }
    for k, v in vals.items():
        row[KAIGO_HEADER.index(k)] = v
    return row


def write_kaigo(path: Path, rows: list[list[str]], *, encoding: str = "utf-8-sig") -> Path:
    path.write_bytes(csv_bytes(KAIGO_HEADER, rows, encoding=encoding, quote_all=False))
    return path
