"""The 鳥取 walk of the README (実データで使う), end to end, through the CLI in-process (skipped without ../shared/realdata).

One project is built once per module with exactly the commands of the documentation: ``init --prefecture 31``,
``boundaries`` (N03), ``areas`` (二次医療圏), ``population`` (二次医療圏別), ``import`` (厚生局 名簿 + the national
医療情報ネット hospital file), ``geocode`` (鳥取市 town points), ``coverage --mode straight --save``, ``option create``
(template A), ``option evaluate``, ``export --pack`` and ``--pdf``.  The tests then check what a user checks.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.realdata

PLACED = ("source", "block", "town", "municipality", "manual")
N03 = "n03/N03-21_31_210101.json"
AREAS = "areas/municipality_to_iryoken2.csv"
POPULATION = "areas/population_iryoken2_2020census.csv"
MEIBO = "kouseikyoku/31_鳥取_届出受理医療機関名簿_2025-10.xlsx"
HOSPITALS = "iryojoho/01-1_hospital_facility_info_20250601.zip"
TOWNS = "towns/geolonia_towns_tottori_shi.json"


def _cli(*argv: str, json_out: bool = True) -> Any:
    """Run ``zaitaku-map`` in-process; the parsed JSON (or the human text) of a successful command."""
    from zaitaku_map.cli import main

    out, err = io.StringIO(), io.StringIO()
    args = [*argv, "--json", "--quiet"] if json_out else [*argv, "--quiet"]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(args)
    assert rc == 0, f"zaitaku-map {' '.join(argv)} -> {rc}\n{err.getvalue()}\n{out.getvalue()[-2000:]}"
    return json.loads(out.getvalue()) if json_out else out.getvalue()


@pytest.fixture(scope="module")
def walk(realdata: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    for rel in (N03, AREAS, POPULATION, MEIBO, HOSPITALS, TOWNS):
        if not (realdata / rel).exists():
            pytest.skip(f"missing {realdata / rel}")
    d = tmp_path_factory.mktemp("tottori")
    P = str(d / "tottori.gpkg")
    steps: dict[str, Any] = {}
    seconds: dict[str, float] = {}
    with pytest.MonkeyPatch.context() as mp:  # module scope: keep settings and logs out of the user's folders
        mp.setenv("ZAITAKU_MAP_CONFIG_DIR", str(d / "config"))
        mp.setenv("ZAITAKU_MAP_LOG_DIR", str(d / "logs"))
        plan: list[tuple[str, list[str]]] = [
            ("init", ["init", P, "--prefecture", "31"]),
            ("boundaries", ["boundaries", P, str(realdata / N03)]),
            ("areas", ["areas", P, str(realdata / AREAS), "--layer", "二次医療圏"]),
            ("population", ["population", P, str(realdata / POPULATION), "--layer", "二次医療圏"]),
            ("import", ["import", P, str(realdata / MEIBO), str(realdata / HOSPITALS)]),
            ("geocode", ["geocode", P, "--reference", str(realdata / TOWNS), "--municipality", "鳥取市"]),
            ("coverage", ["coverage", P, "--mode", "straight", "--categories", "zaishi", "--save"]),
            ("option", ["option", P, "create", "案A", "--template", "area", "--layer", "二次医療圏"]),
            ("evaluate", ["option", P, "evaluate", "案A", "--coverage"]),
            (
                "pack",
                [
                    "export",
                    P,
                    "--option",
                    "案A",
                    "--pack",
                    str(d / "会議資料_案A.pdf"),
                    "--coverage",
                    "zaishi",
                ],
            ),
            ("map", ["export", P, "--option", "案A", "--pdf", str(d / "地図_案A.pdf")]),
            ("info", ["info", P]),
        ]
        for name, argv in plan:
            t0 = time.perf_counter()
            steps[name] = _cli(*argv)
            seconds[name] = round(time.perf_counter() - t0, 2)
        # the human reports of the two steps whose wording matters most when data are missing
        steps["coverage_text"] = _cli(
            "coverage", P, "--categories", "zaishi", "--no-municipalities", json_out=False
        )
        steps["evaluate_text"] = _cli("option", P, "evaluate", "案A", json_out=False)
    from zaitaku_map.store import open_project

    project = open_project(P)
    yield {"dir": d, "project": project, "steps": steps, "seconds": seconds, "realdata": realdata}
    project.close()


def _rows(p: Any, sql: str, *args: Any) -> list[dict[str, Any]]:
    cur = p.conn.execute(sql, args)
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def test_geography_19_municipalities_3_areas_with_population(walk: Any) -> None:
    s = walk["steps"]
    assert s["init"]["study_prefectures"] == ["31"]
    b = s["boundaries"]
    assert (b["municipalities"], b["wards"], b["units"]) == (19, 0, 19)
    assert b["reference_date"] == "2021-01-01" and b["reference_date_origin"] == "file_name"
    a = s["areas"]
    assert (a["loaded"], a["areas"]) == (19, 3)
    assert {x["area_name"]: x["members"] for x in a["area_list"]} == {"東部": 5, "中部": 5, "西部": 9}
    pop = s["population"]["imports"][0]
    assert pop["kind"] == "area_table" and pop["year"] == "2020" and pop["loaded"] == 3
    assert {x["area_name"]: x["pop_total"] for x in pop["by_area"]} == {
        "東部": 224492,
        "中部": 99193,
        "西部": 229722,
    }
    info = s["info"]
    assert info["municipalities"] == 19 and info["area_layers"] == {"二次医療圏": 3}
    assert info["population"]["by_area_layer"]["二次医療圏"]["total"] == 553407


def test_import_79_clinics_11_hospitals_national_file_limited_to_tottori(walk: Any) -> None:
    meibo, hosp = walk["steps"]["import"]["files"]
    assert meibo["format"] == "kouseikyoku" and meibo["reference_date"] == "2025-10-01"
    assert meibo["by_category"] == {"zaishi_clinic": 79, "zaishi_hospital": 11}
    assert meibo["rejected"] == 0 and meibo["coord_status"] == {"missing": 90}
    assert hosp["format"] == "iryojoho" and hosp["reference_date"] == "2025-06-01"
    assert hosp["rows_read"] == 7587 and hosp["records"] == 39  # study region 31 only
    assert hosp["skipped"] == {"outside_region": 7548}
    assert hosp["coord_status"] == {"ok": 31, "placeholder_zero": 8}
    p = walk["project"]
    assert _rows(p, "SELECT DISTINCT pref_code FROM facilities") == [{"pref_code": "31"}]
    counts = dict(p.conn.execute("SELECT category, count(*) FROM facilities WHERE status='open' GROUP BY 1"))
    assert counts == {"zaishi_clinic": 79, "zaishi_hospital": 11, "hospital": 29}


def test_zaishi_hospitals_matched_to_their_hospital_records(walk: Any) -> None:
    """10 of the 11 在支病 carry their 医療情報ネット record (name and address agree).

    南部町国民健康保険 西伯病院 is not matched because the 2025-06-01 hospital file has no record of it
    at all (nor of 山陰労災病院, a 在宅療養後方支援病院 of the 名簿): a gap of the source, not of the matching.
    """
    hosp = walk["steps"]["import"]["files"][1]
    assert hosp["matched_across_sources"] == 10
    assert [u["name"] for u in hosp["unmatched"]] == ["南部町国民健康保険\u3000西伯病院"]
    p = walk["project"]
    rows = _rows(
        p,
        "SELECT f.id, f.name, count(DISTINCT s.format) AS n_formats FROM facilities f "
        "JOIN facility_records r ON r.facility_id = f.id JOIN sources s ON s.id = r.source_id "
        "WHERE f.category = 'zaishi_hospital' GROUP BY f.id",
    )
    assert len(rows) == 11
    assert sorted(r["name"] for r in rows if r["n_formats"] == 1) == ["南部町国民健康保険\u3000西伯病院"]
    # the reason: the national file holds 39 鳥取 hospitals and 西伯病院 is not one of them
    with zipfile.ZipFile(walk["realdata"] / HOSPITALS) as zf:
        text = zf.read(zf.namelist()[0]).decode("utf-8-sig")
    tottori = [r for r in csv.DictReader(io.StringIO(text)) if r["都道府県コード"] == "31"]
    assert len(tottori) == 39
    assert not [r for r in tottori if "西伯" in r["正式名称"] or "南部町" in r["所在地"]]
    # the back-support designation of the 名簿 reaches 5 of its 6 hospitals (山陰労災病院 is missing likewise)
    roles = hosp["role_designations"]
    assert [r["name"] for r in roles if not r["attached"]] == [
        "独立行政法人労働者健康安全機構\u3000山陰労災病院"
    ]
    assert not [r for r in tottori if "労災" in r["正式名称"]]


def test_all_90_placed_inside_their_own_municipality(walk: Any) -> None:
    from shapely.geometry import Point

    from zaitaku_map.store import gpkg

    p = walk["project"]
    geoms = {c: gpkg.from_blob(b) for c, b in p.conn.execute("SELECT code, geom FROM municipalities")}
    rows = _rows(
        p,
        "SELECT id, name, muni_code, lon, lat, geocode_level FROM facilities "
        "WHERE category IN ('zaishi_clinic', 'zaishi_hospital')",
    )
    assert len(rows) == 90
    assert [r["name"] for r in rows if r["geocode_level"] not in PLACED] == []
    assert [r["name"] for r in rows if r["muni_code"] not in geoms] == []
    outside = [r["name"] for r in rows if not geoms[r["muni_code"]].covers(Point(r["lon"], r["lat"]))]
    assert outside == []
    g = walk["steps"]["geocode"]
    assert g["at_zero"] == 0 and g["unresolved"] == []
    # 鳥取市 has town points: its clinics reach town level, the rest of the prefecture the municipality
    town = [r for r in rows if r["geocode_level"] == "town"]
    assert len(town) >= 20 and all(r["muni_code"] == "31201" for r in town)


def test_coverage_straight_line_with_stated_parameters(walk: Any) -> None:
    c = walk["steps"]["coverage"]
    assert c["mode"] == "straight"
    assert c["parameters"]["minutes"] == 30 and c["parameters"]["detour_factor"] == 1.3
    assert c["parameters"]["straight_speed_kmh"] == 30
    assert (
        c["description_ja"]
        == "直線距離モデル（迂回係数1.3・時速30km）・30分・需要点: 市区町村代表点（粗い推計）"
    )
    # no mesh / municipal population: municipality representative points, reach only, said so
    assert c["coarse_demand"] is True and c["population_available"] is False
    z = c["categories"]["zaishi"]
    assert z["facilities"] == 90 and z["points"] == 19 and z["share"] is None
    assert 15 <= z["points_covered"] <= 19
    assert z["facilities_at_municipality_point"] > 0
    assert sorted(r["points"] for r in z["by_layer"]["二次医療圏"]) == [5, 5, 9]
    text = walk["steps"]["coverage_text"]
    assert "人口カバー率は出せません" in text and "直線距離モデル" in text
    # saved as the project's coverage setting: evaluation and exports use the same parameters
    assert walk["project"].setting("coverage_params")["mode"] == "straight"


def test_option_a_counts_and_population_by_area(walk: Any) -> None:
    assert walk["steps"]["option"]["n_kens"] == 3 and walk["steps"]["option"]["unassigned"] == []
    ev = walk["steps"]["evaluate"]
    got = {
        r["name"]: (r["facilities"]["zaishi_clinic"]["count"], r["facilities"]["zaishi_hospital"]["count"])
        for r in ev["kens"]
    }
    assert got == {"東部": (26, 3), "中部": (10, 2), "西部": (43, 6)}
    assert ev["totals"]["facilities_outside"] == 0
    # population from the 二次医療圏 table (option A = the 二次医療圏), never spread to municipalities
    pops = {r["name"]: r["population"]["pop_total"] for r in ev["kens"]}
    assert pops == {"東部": 224492, "中部": 99193, "西部": 229722}
    assert {r["population_source"] for r in ev["kens"]} == {"area:二次医療圏"}
    assert ev["kens"][0]["facilities"]["zaishi_clinic"]["per_100k"] == round(26 / 224492 * 1e5, 2)
    # 訪問看護 etc. were not imported: flagged once, never "0 stations" per 圏域
    assert set(ev["categories_not_loaded"]) == {"home_nursing", "pharmacy", "houkatsu", "care_facility"}
    codes = [w["code"] for w in ev["warnings"]]
    assert "no_home_nursing" not in codes and "not_loaded" in codes
    assert ev["coverage_description"].startswith("直線距離モデル（迂回係数1.3・時速30km）・30分")
    assert "人口は二次医療圏別の人口表（2020）から" in walk["steps"]["evaluate_text"]


def test_meeting_pack_and_map_pdf(walk: Any) -> None:
    from pypdf import PdfReader

    d = walk["dir"]
    pack = walk["steps"]["pack"]["pack"]
    r = PdfReader(d / "会議資料_案A.pdf")
    assert pack["pages"] == len(r.pages) >= 3
    text = "\n".join(pg.extract_text() or "" for pg in r.pages)
    assert "案A" in (r.pages[0].extract_text() or "")
    for expected in (
        "在宅医療の圏域（案）",
        "圏域案の評価表（案A）",
        "224,492",
        "2021-01-01 時点",
        "2025-10-01 時点",
        "2025-06-01 時点",
        "国土数値情報（行政区域データ）（国土交通省）を加工して作成",
        "位置参照情報（国土交通省）",
        "直線距離モデル",
        "同じ位置に重なる施設の数",
    ):
        assert expected in text, expected
    # bookmarks lead to their own pages (not all to the first page of the list)
    targets = []

    def walk_outline(items: Any) -> None:
        for it in items:
            if isinstance(it, list):
                walk_outline(it)
            else:
                targets.append(r.get_destination_page_number(it))

    walk_outline(r.outline)
    assert len(set(targets)) >= 4
    m = walk["steps"]["map"]["map"]
    assert m["pages"] == 1 and m["counts"]["facilities_unplaced"] == 0
    assert m["counts"]["facilities"] == {"zaishi_clinic": 79, "zaishi_hospital": 11, "hospital": 29}
    assert "案A" in (PdfReader(d / "地図_案A.pdf").pages[0].extract_text() or "")


def test_walk_runtime(walk: Any) -> None:
    s = walk["seconds"]
    assert sum(s.values()) < 120, s
