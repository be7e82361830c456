"""Acceptance on the real samples (skipped when ../shared/realdata is absent).

One project: N03 鳥取 boundaries, the 鳥取 厚生局 名簿 (90 在支診/在支病, no coordinates), the national
医療情報ネット hospital file (270 hospitals at 0/0) and the geolonia town points of 鳥取市.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from zaitaku_map.geocode import geocode_project, normalize_address
from zaitaku_map.geocode.normalize import normalize_town
from zaitaku_map.store import create_project

PLACED = ("source", "block", "town", "municipality", "manual")


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from conftest import REALDATA

    if not REALDATA.is_dir():
        pytest.skip(f"real data folder not found: {REALDATA}")
    from zaitaku_map.geodata.n03 import import_boundaries
    from zaitaku_map.importers import import_files

    p = create_project(tmp_path_factory.mktemp("real") / "real.gpkg")
    # a national study region: the national hospital file is kept whole (the 270 at 0/0 in every
    # prefecture), although only 鳥取's boundaries are loaded
    p.set_study_prefectures([f"{i:02d}" for i in range(1, 48)])
    import_boundaries(p, REALDATA / "n03" / "N03-21_31_210101.json")
    import_files(
        p,
        [
            REALDATA / "kouseikyoku" / "31_鳥取_届出受理医療機関名簿_2025-10.xlsx",
            REALDATA / "iryojoho" / "01-1_hospital_facility_info_20250601.zip",
        ],
    )
    report = geocode_project(p, references=[REALDATA / "towns" / "geolonia_towns_tottori_shi.json"])
    yield p, report, REALDATA
    p.close()


def _rows(p: Any, sql: str, *args: Any) -> list[dict[str, Any]]:
    cur = p.conn.execute(sql, args)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def test_all_90_zaishi_placed(real: Any) -> None:
    p, _report, _ = real
    rows = _rows(
        p,
        "SELECT id, name, address, muni_code, geocode_level, lon, lat FROM facilities "
        "WHERE category IN ('zaishi_clinic', 'zaishi_hospital')",
    )
    assert len(rows) == 90
    assert [r for r in rows if r["geocode_level"] not in PLACED] == []
    assert all(r["muni_code"] and r["muni_code"].startswith("31") for r in rows)
    # every point lies inside its municipality
    assert _rows(p, "SELECT id FROM facilities WHERE category LIKE 'zaishi%' AND outside_muni = 1") == []


def test_tottori_city_reaches_town_where_covered(real: Any) -> None:
    p, _report, realdata = real
    import json

    towns = {
        normalize_town(t["town"] + t["koaza"])
        for t in json.loads(
            (realdata / "towns" / "geolonia_towns_tottori_shi.json").read_text(encoding="utf-8")
        )
    }
    rows = _rows(
        p,
        "SELECT id, name, address, geocode_level FROM facilities "
        "WHERE category LIKE 'zaishi%' AND muni_code = '31201'",
    )
    covered = []
    for r in rows:
        rest = normalize_address(r["address"]).removeprefix("鳥取県鳥取市")
        if any(rest.startswith(t) and not (t[-1].isdigit() and rest[len(t) :][:1].isdigit()) for t in towns):
            covered.append(r)
    assert len(covered) >= 20
    assert [r for r in covered if r["geocode_level"] not in ("town", "block", "source")] == []
    assert sum(r["geocode_level"] == "town" for r in rows) >= 20


def test_zero_coordinate_hospitals(real: Any) -> None:
    p, report, _ = real
    zero = _rows(
        p,
        "SELECT id, pref_code, muni_code, lon, lat, geocode_level, geocode_ref, src_coord_status "
        "FROM facilities WHERE src_lon = 0 AND src_lat = 0",
    )
    assert len(zero) == 270
    assert report["at_zero"] == 0
    assert all(r["src_coord_status"] == "placeholder_zero" for r in zero)
    for r in zero:
        if r["pref_code"] == "31":  # boundaries loaded: geocoded inside 鳥取
            assert r["geocode_level"] in ("town", "municipality") and 133 < r["lon"] < 135
        else:
            assert r["geocode_level"] == "unresolved" and r["lon"] is None
            assert r["geocode_ref"] == "unresolved:prefecture_not_loaded"
    tottori = [r for r in zero if r["pref_code"] == "31"]
    assert len(tottori) == 8
    unresolved_ids = {u["id"] for u in report["unresolved"]}
    assert {r["id"] for r in zero if r["geocode_level"] == "unresolved"} <= unresolved_ids


def test_rerun_touches_nothing(real: Any) -> None:
    p, _report, _ = real
    r = geocode_project(p)
    assert r["processed"] == 0 and r["unchanged"] == r["total"]


def test_cli_geocode_on_real_project(real: Any, tmp_path: Path) -> None:
    from zaitaku_map.cli import main
    from zaitaku_map.store import copy_project

    p, _report, _ = real
    dest = copy_project(p, tmp_path / "copy.gpkg")
    assert main(["geocode", str(dest), "--json", "--quiet"]) == 0


def test_national_hospital_addresses_find_their_municipality(realdata: Path) -> None:
    """All 7,587 医療情報ネット hospital addresses → municipality code, against the file's own codes.

    The municipality names come from the real municipality→二次医療圏 table (1,896 rows, names without 郡).
    浜松市 reorganised its wards on 2024-01-01 (the table predates it), so its addresses are left out.
    """
    import csv
    import io
    import re
    import zipfile

    from zaitaku_map.geocode.municipality import MunicipalityIndex

    rows = []
    with open(realdata / "areas" / "municipality_to_iryoken2.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            name = r["muni_name"]
            m = re.match(r"^(.+?市)(.+区)$", name)
            if m and not r["muni_code"].startswith("131"):  # 政令市の区 (not Tokyo's special wards)
                rows.append(
                    (
                        r["muni_code"],
                        r["pref_code"],
                        r["pref_name"],
                        m.group(2),
                        name,
                        m.group(1),
                        "ward",
                        None,
                        None,
                        None,
                    )
                )
            else:
                rows.append(
                    (
                        r["muni_code"],
                        r["pref_code"],
                        r["pref_name"],
                        name,
                        name,
                        None,
                        "municipality",
                        None,
                        None,
                        None,
                    )
                )
    index = MunicipalityIndex.from_rows(rows)
    with zipfile.ZipFile(realdata / "iryojoho" / "01-1_hospital_facility_info_20250601.zip") as zf:
        text = zf.read(zf.namelist()[0]).decode("utf-8-sig")
    wrong = []
    n = 0
    for r in csv.DictReader(io.StringIO(text)):
        if "浜松市" in r["所在地"]:
            continue
        n += 1
        m = index.match(normalize_address(r["所在地"]))
        if m.code != r["都道府県コード"] + r["市区町村コード"]:
            wrong.append((r["所在地"], m.code, m.reason))
    assert n > 7500
    assert wrong == []
