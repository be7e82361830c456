"""Care facilities and medical institutions added to the synthetic project, for the partners tests.

Institutions cover every classification rule: 在支診 / 在支病 from the 名簿, a hospital with
在後病 + 地包ケア, a hospital without a bed count, a plain hospital, a clinic with 介保連 (往診), a plain
clinic (never a candidate) and a 在支診 known only by its category (a municipal list).  Care
facilities of every kind sit over the mainland, one in the hills of 谷村 far from everything and one
on the island (99207), which has no road to the mainland.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
from shapely.geometry import Point

from zaitaku_map.store import Project, gpkg

X0, Y0, STEP = 133.0, 34.3, 0.1

# name, category, muni, lon, lat, beds, designations [(kind, 受理記号)], expected (meets_12, meets_3, priority_3)
INSTITUTIONS: list[
    tuple[str, str, str, float, float, int | None, list[tuple[str, str]], tuple[bool, bool, bool]]
] = [
    (
        "北在支診",
        "zaishi_clinic",
        "99102",
        133.13,
        34.27,
        None,
        [("zaishi_clinic", "支援診３")],
        (True, False, False),
    ),
    (
        "中央在支病",
        "zaishi_hospital",
        "99101",
        133.06,
        34.24,
        150,
        [("zaishi_hospital", "支援病２"), ("community_care_ward", "地包ケア１")],
        (True, True, True),
    ),
    (
        "後方支援総合病院",
        "hospital",
        "99201",
        133.27,
        34.26,
        320,
        [("back_support_hospital", "在後病"), ("partner_admission", "協力施設")],
        (False, True, True),
    ),
    ("病床不明病院", "hospital", "99202", 133.04, 34.15, None, [], (False, False, False)),
    ("西町療養病院", "hospital", "99203", 133.16, 34.13, 80, [], (False, True, False)),
    (
        "往診医院",
        "clinic",
        "99204",
        133.25,
        34.14,
        None,
        [("care_facility_visit", "介保連")],
        (True, False, False),
    ),
    (
        "ふつうの眼科",
        "clinic",
        "99205",
        133.03,
        34.05,
        None,
        [("home_medical_mgmt", "在医総管１")],
        (False, False, False),
    ),
    ("一覧の在支診", "zaishi_clinic", "99205", 133.06, 34.03, None, [], (True, False, False)),
]
# name, service code (kaigo record) or None (subtype only), subtype, muni, lon, lat
CARE: list[tuple[str, str | None, str, str, float, float]] = [
    ("中央特養", "510", "介護老人福祉施設", "99101", 133.05, 34.25),
    ("北区GH", "320", "認知症対応型共同生活介護", "99102", 133.14, 34.28),
    ("東市老健", "520", "介護老人保健施設", "99201", 133.25, 34.22),
    ("西町医療院", "550", "介護医療院", "99202", 133.03, 34.12),
    ("南町有料", "331", "特定施設入居者生活介護（有料老人ホーム）", "99203", 133.17, 34.17),
    ("山村地域密着特養", "540", "地域密着型介護老人福祉施設入所者生活介護", "99204", 133.24, 34.12),
    ("川町ケアハウス", None, "ケアハウス", "99205", 133.05, 34.02),
    ("谷村特養", "510", "介護老人福祉施設", "99206", 133.15, 34.01),
    ("島町GH", "320", "認知症対応型共同生活介護", "99207", 133.25, 33.90),
    ("位置不明の老健", "520", "介護老人保健施設", "99203", float("nan"), float("nan")),
    ("デイサービス", "150", "通所介護", "99203", 133.15, 34.15),
]


def _insert(project: Project, **row: Any) -> int:
    lon, lat = row.pop("lon"), row.pop("lat")
    placed = lon == lon
    cols = {
        **row,
        "name_norm": row["name"],
        "address": f"テスト県{row['muni_code']}番地",
        "pref_code": "99",
        "status": "open",
        "lon": lon if placed else None,
        "lat": lat if placed else None,
        "geocode_level": "source" if placed else "unresolved",
        "geom": gpkg.to_blob(Point(lon, lat)) if placed else None,
    }
    keys = ",".join(cols)
    marks = ",".join("?" * len(cols))
    cur = project.conn.execute(f"INSERT INTO facilities ({keys}) VALUES ({marks})", list(cols.values()))
    return int(cur.lastrowid or 0)


def add_partner_data(project: Project) -> dict[str, int]:
    """Insert :data:`INSTITUTIONS` and :data:`CARE`; returns name → facility id."""
    ids: dict[str, int] = {}
    with project.transaction():
        src = project.add_source(
            kind="facilities", format="synthetic", file_name="partners", reference_date="2025-10-01"
        )
        for name, cat, muni, lon, lat, beds, desigs, _exp in INSTITUTIONS:
            fid = _insert(
                project,
                category=cat,
                name=name,
                muni_code=muni,
                lon=lon,
                lat=lat,
                beds=beds,
                phone="0000-00-0000",
            )
            ids[name] = fid
            for kind, code in desigs:
                project.conn.execute(
                    "INSERT INTO designations (facility_id, kind, code, source_id) VALUES (?,?,?,?)",
                    (fid, kind, code, src),
                )
        for n, (name, code, subtype, muni, lon, lat) in enumerate(CARE):
            fid = _insert(
                project,
                category="care_facility",
                subtype=subtype,
                name=name,
                muni_code=muni,
                lon=lon,
                lat=lat,
            )
            ids[name] = fid
            key = f"kaigo:{code}:99700{n:05d}" if code else f"table:partners:{n}"
            project.conn.execute(
                "INSERT INTO facility_records (facility_id, source_id, source_family, record_key) VALUES (?,?,?,?)",
                (fid, src, f"kaigo:{code}" if code else "table:partners", key),
            )
    return ids


# -- a prefecture's agreements table over these facilities -----------------------------------------
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


def agreement_row(
    n: int, jno: str, name: str, inst: str = "", code: str = "", req: str = "", date: str = "", note: str = ""
) -> list[str]:
    return [str(n), "", "", jno, name, "", inst, code, *["○" if d in req else "" for d in "123"], date, note]


def rows() -> list[list[str]]:
    # 事業所番号 of partners_fixtures.CARE: 99700 + 5-digit index
    return [
        agreement_row(1, "9970000000", "中央特養", "中央在支病", "9910100023", "123", "令和6年4月1日"),
        agreement_row(2, "9970000001", "北区GH", "北在支診", "", "12", "2024/05/01"),
        agreement_row(3, "9970000002", "東市老健", "西町療養病院", "", "3"),
        agreement_row(4, "9970000002", "東市老健", "往診医院", "", "12"),
        agreement_row(5, "9970000003", "西町医療院", "", "", "", "", "協議中"),
        agreement_row(6, "", "", "※ 記載漏れ", "", "12"),  # neither 事業所番号 nor 施設名: rejected
        agreement_row(7, "9979999999", "閉鎖した特養", "中央在支病", "", "123"),  # no such care facility
        agreement_row(8, "9970000007", "谷村特養", "どこにもない病院", "", "123"),  # no such institution
        agreement_row(9, "", "島町ＧＨ", "北在支診", "", "12"),  # by name (full-width letters), far away
    ]


def write_xlsx(path: Path, body: list[list[str]], header: list[str] = HEADER) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "届出一覧"
    ws.append(["令和7年度 協力医療機関に関する届出の状況（テスト県）"])
    ws.append(["[令和７年１０月１日 現在 ]"])
    ws.append([])
    ws.append(header)
    for r in body:
        ws.append(r)
    wb.save(path)
    return path
