"""The demo prefecture's table of 協力医療機関 agreements, in the layout a prefecture compiles.

Since 2024 every 介護保険施設 and 認知症GH reports its 協力医療機関 to the prefecture each year; the
prefecture's care-insurance division collects the reports into one workbook: a title, the date it is
as of, then one row per facility and partner — 市町村名, 施設種別, 事業所番号, 施設名, 施設所在地, 協力医療機関名,
医療機関コード (10 digits: prefecture, 点数表 1 = 医科, the 7-digit 医療機関番号), whether the agreement
covers 要件①②③ (○), 協定締結日 (和暦) and 備考.

Partners are chosen the way a facility would: the nearest hospital (for the 特養, 老健 and 介護医療院:
①②③ when it is a 在支病, else ③ plus the nearest 在支診 for ①②); the nearest 在支診 or 在支病 for a
グループホーム (①②).  Some facilities have no partner yet (a row 「協議中」), some are missing from the
table, and a few rows are the kind of mistakes such tables hold: a row with neither 事業所番号 nor 施設名,
a facility that has closed, a partner that is in no list, a code given without the leading prefecture
digits.  Deterministic per seed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from zaitaku_map.demo.facilities import ISLAND_CODE3, Facility, build_facilities
from zaitaku_map.demo.facility_files import jigyosho_number, meibo_numbers
from zaitaku_map.demo.geography import DEMO_DISCLAIMER, Tile, build_region
from zaitaku_map.demo.towns import build_towns
from zaitaku_map.demo.xlsxwrite import write_text_xlsx

FILE_NAME = "協力医療機関の届出状況_R7.xlsx"
HEADER = [
    "No.",
    "市町村名",
    "施設種別",
    "事業所番号",
    "施設名",
    "施設所在地",
    "協力医療機関名",
    "医療機関コード",
    "要件①",
    "要件②",
    "要件③",
    "協定締結日",
    "備考",
]
CARE_KINDS = ("tokuyo", "roken", "iryoin", "gh")
KIND_LABEL = {
    "tokuyo": "介護老人福祉施設",
    "roken": "介護老人保健施設",
    "iryoin": "介護医療院",
    "gh": "認知症GH",
}
MARK = "○"


def _nearest(f: Facility, pool: list[Facility]) -> Facility:
    d = [np.hypot(p.x - f.x, p.y - f.y) for p in pool]
    return pool[int(np.argmin(d))]


def _wareki(seq: int) -> str:
    month = 4 + seq % 9
    return f"令和{6 + (seq // 9) % 2}年{month}月1日"


def _partners(f: Facility, hospitals: list[Facility], clinics: list[Facility]) -> list[tuple[Facility, str]]:
    """(institution, requirements covered) the facility names, nearest first."""
    if f.kind == "gh":
        pool = clinics + [h for h in hospitals if h.zaishi]
        return [(_nearest(f, pool), "12")]
    hosp = _nearest(f, hospitals)
    if hosp.zaishi:
        return [(hosp, "123")]
    return [(hosp, "3"), (_nearest(f, clinics), "12")]


def agreement_rows(tile_list: list[Tile], seed: int = 0) -> list[list[str]]:
    """Data rows of the table (no header), every tile after the other."""
    region, towns, facs = build_region(seed), build_towns(seed), build_facilities(seed)
    numbers = meibo_numbers(seed)
    hospitals = [f for f in facs if f.kind == "hospital"]
    clinics = [f for f in facs if f.kind == "clinic" and f.zaishi]
    rows: list[list[str]] = []
    for tile in tile_list:
        for kind in CARE_KINDS:
            for i, f in enumerate(x for x in facs if x.kind == kind):
                island = f.code3 == ISLAND_CODE3  # its 特養 reports partners on the mainland
                if (i % 20 == 4 and not island) or (kind == "tokuyo" and i == 3):
                    continue  # not reported (and the 特養 the 介護 list gives without a name)
                muni = region.specs[f.code3].name
                base = [
                    muni,
                    KIND_LABEL[kind],
                    jigyosho_number(tile, f),
                    f.name,
                    f.address(tile, towns, region),
                ]
                if i % 20 == 11:
                    rows.append([*base, "", "", "", "", "", "", "協議中"])
                    continue
                if kind == "gh" and i == 1:  # a partner across the border: in none of the lists
                    rows.append(
                        [*base, "となり県みほん在宅クリニック", "", MARK, MARK, "", _wareki(f.seq), "隣県"]
                    )
                for inst, req in _partners(f, hospitals, clinics):
                    code = f"{tile.pref_code}1{numbers[(inst.kind, inst.seq)]}"
                    if i % 5 == 3:
                        code = ""  # the partner given by name only
                    elif i % 7 == 5:
                        code = code[3:]  # the 7-digit 医療機関番号 alone
                    marks = [MARK if n in req else "" for n in "123"]
                    rows.append([*base, inst.name, code, *marks, _wareki(f.seq), ""])
        # the mistakes a compiled table holds: a stray note line, a facility closed since (in no list)
        rows.append(["", "", "", "", "", "※ 施設名の記載漏れ（要確認）", "", MARK, MARK, "", "", ""])
        rows.append(
            [
                region.specs["101"].name,
                KIND_LABEL["tokuyo"],
                f"{tile.pref_code}71019999",
                "特別養護老人ホーム旧みほん荘",
                f"{tile.pref_name}デモ市中央区",
                "架空県立遠方病院",
                "",
                MARK,
                MARK,
                MARK,
                "令和6年4月1日",
                "令和7年3月廃止",
            ]
        )
    assert all(len(r) == len(HEADER) - 1 for r in rows)
    return [[str(n), *r] for n, r in enumerate(rows, start=1)]


def write_agreements(out_dir: Path, tile_list: list[Tile], seed: int = 0) -> Path:
    """One workbook for the whole region: title rows, header on row 4, then the rows."""
    title = "・".join(t.pref_name for t in tile_list[:3]) + ("ほか" if len(tile_list) > 3 else "")
    rows: list[list[str | None]] = [
        [f"令和7年度 介護保険施設等の協力医療機関に関する届出の状況（{title}）（デモデータ・架空）"]
        + [None] * (len(HEADER) - 1),
        ["[令和７年１０月１日 現在 ]"] + [None] * (len(HEADER) - 1),
        [None] * len(HEADER),
        list(HEADER),
    ]
    rows += [list(r) for r in agreement_rows(tile_list, seed)]
    rows.append([DEMO_DISCLAIMER] + [None] * (len(HEADER) - 1))
    path = out_dir / FILE_NAME
    write_text_xlsx(path, rows)
    return path
