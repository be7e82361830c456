"""協力医療機関 candidates with the real 鳥取 名簿 and 医療情報ネット hospital file (skipped without them).

The project is built as the README's 鳥取 walk does (boundaries, 名簿 + hospital file, geocoding with the
town points of every municipality); the care facilities are three made-up ones in the 介護サービス情報公表
layout (no real 介護 file is among the samples), placed next to real hospitals.
"""

from __future__ import annotations

import contextlib
import csv
import io
from pathlib import Path
from typing import Any

import pytest

from zaitaku_map.demo.facility_files import KAIGO_HEADER
from zaitaku_map.partners.classify import load_institutions
from zaitaku_map.partners.lists import partner_lists
from zaitaku_map.store import open_project

pytestmark = pytest.mark.realdata

N03 = "n03/N03-21_31_210101.json"
MEIBO = "kouseikyoku/31_鳥取_届出受理医療機関名簿_2025-10.xlsx"
HOSPITALS = "iryojoho/01-1_hospital_facility_info_20250601.zip"
TOWNS = "towns/geolonia_31_鳥取県"
# name, municipality code (6 digits), address, lat, lon: a few hundred metres from a real hospital
CARE = [
    ("試験用特別養護老人ホーム鳥取", "312011", "鳥取市尚徳町116", 35.5011, 134.2351),  # 鳥取赤十字・渡辺病院
    ("試験用特別養護老人ホーム日南", "314030", "日野郡日南町霞800", 35.1640, 133.3160),  # 日南病院
    ("試験用グループホーム三朝", "313645", "東伯郡三朝町山田", 35.4150, 133.8800),  # 三朝温泉病院
]


def _cli(*argv: str) -> None:
    from zaitaku_map.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main([*argv, "--quiet"])
    assert rc == 0, f"zaitaku-map {' '.join(argv)} -> {rc}\n{err.getvalue()}"


def _kaigo_csv(path: Path) -> Path:
    col = {h: i for i, h in enumerate(KAIGO_HEADER)}
    rows = [KAIGO_HEADER]
    for n, (name, code, addr, lat, lon) in enumerate(CARE, start=1):
        r = [""] * len(KAIGO_HEADER)
        r[col["都道府県コード又は市町村コード"]] = code
        r[col["No"]] = str(n)
        r[col["都道府県名"]] = "鳥取県"
        r[col["事業所名"]] = name
        r[col["サービスの種類"]] = "介護老人福祉施設"
        r[col["住所"]] = addr
        r[col["緯度"]], r[col["経度"]] = str(lat), str(lon)
        r[col["事業所番号"]] = f"31701000{n:02d}"
        rows.append(r)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def build_tottori(realdata: Path, d: Path) -> str:
    """The README's 鳥取 walk in ``d`` (boundaries, 名簿 + hospital file, :data:`CARE`, geocoding);
    skips the test when a file is missing.  Returns the project's path."""
    for rel in (N03, MEIBO, HOSPITALS, TOWNS):
        if not (realdata / rel).exists():
            pytest.skip(f"missing {realdata / rel}")
    p = str(d / "tottori.gpkg")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ZAITAKU_MAP_CONFIG_DIR", str(d / "config"))
        mp.setenv("ZAITAKU_MAP_LOG_DIR", str(d / "logs"))
        _cli("init", p, "--prefecture", "31")
        _cli("boundaries", p, str(realdata / N03))
        # the care list is named jigyosho_510_… as the 介護サービス情報公表 files are
        kaigo = _kaigo_csv(d / "jigyosho_510_test.csv")
        _cli("import", p, str(realdata / MEIBO), str(realdata / HOSPITALS), str(kaigo))
        for town in sorted((realdata / TOWNS).glob("*.json")):
            muni = town.stem.split("郡")[-1]
            _cli("geocode", p, "--reference", str(town), "--municipality", muni)
    return p


@pytest.fixture(scope="module")
def tottori(realdata: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    p = build_tottori(realdata, tmp_path_factory.mktemp("tottori_partners"))
    project = open_project(p)
    yield project
    project.close()


def test_meibo_designations_drive_the_classification(tottori: Any) -> None:
    inst = {i.name: i for i in load_institutions(tottori)}
    zaishi_h = [i for i in inst.values() if i.category == "zaishi_hospital"]
    assert len(zaishi_h) == 11 and all(i.meets_12 for i in zaishi_h)
    assert all(any(b.startswith("名簿: 支援病") for b in i.basis) for i in zaishi_h)
    # with beds they are (1)(2)(3) candidates, and first in line for (3)
    with_beds = [i for i in zaishi_h if i.beds]
    assert len(with_beds) == 11 and all(i.meets_3 and i.priority_3 for i in with_beds)
    # 在宅療養後方支援病院 etc. of hospitals that are not 在支病 reach their hospital record
    red_cross = inst["鳥取赤十字病院"]
    assert (red_cross.meets_12, red_cross.meets_3, red_cross.priority_3) == (False, True, True)
    assert red_cross.basis == ("名簿: 在後病", "名簿: 地包ケア２", "名簿: 協力施設", "病床数 350")
    # 介護保険施設等連携往診加算 makes a hospital that is no 在支病 a (1)(2) candidate
    misasa = inst["鳥取県中部医師会立三朝温泉病院"]
    assert misasa.meets_12 and "名簿: 介保連" in misasa.basis
    # a hospital without a bed count in the data is no (3) candidate (and with no 届出, no candidate at all)
    watanabe = tottori.conn.execute(
        "SELECT id, beds FROM facilities WHERE name LIKE '%渡辺病院' AND category = 'hospital'"
    ).fetchone()
    assert watanabe is not None and watanabe[1] is None
    assert watanabe[0] not in {i.id for i in inst.values()}


def test_candidate_lists_of_care_facilities(tottori: Any) -> None:
    lists = partner_lists(tottori)
    assert lists.mode == "straight" and len(lists.facilities) == 3
    by = {f.name: f for f in lists.facilities}
    nichinan = by["試験用特別養護老人ホーム日南"]
    first = nichinan.ranked("3")[0]
    assert first.institution.name == "日南町国民健康保険\u3000日南病院"
    assert first.institution.requirements == "(1)(2)(3)" and first.rank_12 == 1
    assert first.institution.basis == ("名簿: 支援病３", "名簿: 地包ケア１", "病床数 99")
    tottori_city = by["試験用特別養護老人ホーム鳥取"]
    names = {c.institution.name for c in tottori_city.candidates}
    assert "鳥取赤十字病院" in names and not any("渡辺病院" in n for n in names)
    r3 = tottori_city.ranked("3")
    assert r3[0].institution.priority_3 and not r3[-1].institution.priority_3
    assert tottori_city.n_12 >= 10 and not tottori_city.flagged
    misasa = by["試験用グループホーム三朝"]
    assert any(c.institution.name.endswith("三朝温泉病院") and c.rank_12 for c in misasa.candidates)
