"""Municipality → area tables of the demo region in the shapes users hand over.

- 二次医療圏: a CSV as a prefecture's web page offers it — UTF-8 with BOM, 6-digit 団体コード
  including the JIS check digit, the area code as text with its leading zero.
- 保健所圏域: an xlsx as somebody typed it in Excel — the municipality code and the area number
  are numbers (``"01"`` became ``1``), a title row above the header, a note row below.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl

from zaitaku_map.demo.geography import (
    DEMO_DISCLAIMER,
    HOKENJO,
    IRYOKEN2,
    Region,
    Tile,
    check_digit,
    muni_full_name,
)
from zaitaku_map.demo.ziputil import normalize_xlsx

IRYOKEN_HEADER = ["団体コード", "都道府県名", "市区町村名", "二次医療圏コード", "二次医療圏名", "備考"]
HOKENJO_HEADER = ["市町村コード", "市町村名", "圏域番号", "保健所圏域", "管轄保健所", "備考"]


def write_iryoken_csv(path: Path, region: Region, tile_list: list[Tile]) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(IRYOKEN_HEADER)
    for tile in tile_list:
        for suffix, name, members in IRYOKEN2:
            for c3 in sorted(members):
                code5 = tile.muni_code(c3)
                area_name = name if tile.index == 0 else f"{name}{tile.index + 1}"
                w.writerow(
                    [
                        code5 + check_digit(code5),
                        tile.pref_name,
                        muni_full_name(region.specs[c3]),
                        tile.pref_code + suffix,
                        area_name,
                        DEMO_DISCLAIMER,
                    ]
                )
    path.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))
    return path


def write_hokenjo_xlsx(path: Path, region: Region, tile_list: list[Tile]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "保健所圏域"
    ws.append(["保健所圏域と市町村の対応（デモデータ・架空）"])
    ws.append([])
    ws.append(HOKENJO_HEADER)
    for tile in tile_list:
        for suffix, name, members in HOKENJO:
            for c3 in sorted(members):
                area = name if tile.index == 0 else f"{name}（{tile.pref_name}）"
                number = int(suffix) if tile.index == 0 else int(tile.pref_code + suffix)  # unique per tile
                ws.append(
                    [
                        int(tile.muni_code(c3)),
                        muni_full_name(region.specs[c3]),
                        number,
                        area,
                        name,
                        DEMO_DISCLAIMER,
                    ]
                )
    ws.append([])
    ws.append(["※ 市町村コードは5桁、圏域番号は2桁で管理しています。"])
    wb.properties.creator = "zaitaku-map demo"
    wb.save(path)
    return normalize_xlsx(path)
