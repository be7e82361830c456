"""The demo's projection, demand and rate files: official layouts, labelled デモ, imported by the same code."""

from __future__ import annotations

from pathlib import Path

import pytest

from zaitaku_map.demand import import_projection_files, option_demand, sniff_projection_file, unit_demand
from zaitaku_map.demand.mhlw import read_demand_workbook
from zaitaku_map.demand.params import DemandParams
from zaitaku_map.demand.projection_read import read_projection_table
from zaitaku_map.demo.geography import IRYOKEN2, tiles
from zaitaku_map.demo.projection import demo_projection, write_projection_files


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    return write_projection_files(tmp_path_factory.mktemp("demo_projection"), tiles(1))


def test_kinds_and_labels(files: dict[str, list[str]]) -> None:
    kinds = {k: {sniff_projection_file(p) for p in ps} for k, ps in files.items()}
    assert kinds == {
        "demand": {"mhlw_demand"},
        "summary": {"projection"},
        "detail": {"projection"},
        "rates": {"use_rates"},
    }
    for ps in files.values():
        for p in ps:
            assert "デモ" in Path(p).name


def test_demand_workbook_layout(files: dict[str, list[str]]) -> None:
    f = read_demand_workbook(files["demand"][0], prefectures={"99"})
    home = f.sheets[0]
    assert (home.base_year, home.projection_label, home.unit) == (2024, "現状投影", "件/月")
    assert "デモデータ" in home.title
    assert [r.area_code for r in home.rows] == [f"99{s}" for s, _n, _m in IRYOKEN2]
    assert dict(home.other_prefectures) == {"デモ2県": 4, "デモ3県": 4}  # the file covers more prefectures
    assert [s.measure for s in f.sheets] == ["home_visit", "outpatient"]


def test_summary_and_detail_agree(files: dict[str, list[str]]) -> None:
    total = next(p for p in files["summary"] if "結果表1_" in p)
    (s,) = read_projection_table(total, prefectures={"99"}).sheets
    (d,) = read_projection_table(files["detail"][0], prefectures={"99"}).sheets
    assert s.regions["99100"].kind == "designated_city" and len(d.regions) == 22
    tot = {(v.code, v.year): v.value for v in s.values}
    det = {(v.code, v.year): v.value for v in d.values if v.sex == "T" and v.age == (0, 999)}
    assert det == {k: v for k, v in tot.items() if k[0] != "99100"}
    assert len({v.sex for v in d.values}) == 3 and len({v.age for v in d.values}) == 20


def test_demo_projection_shape() -> None:
    proj = {p.code3: p for p in demo_projection(0)}
    # the interior ages and shrinks (75+ peaks by 2030), the 政令市 keeps growing old in numbers
    for c3 in ("341", "342", "343", "344"):
        p = proj[c3]
        assert max((2020, 2025, 2030, 2035, 2040), key=lambda y: p.age(y, 75)) <= 2030
        assert p.total(2050) < 0.6 * p.total(2020)
    assert proj["101"].age(2050, 75) > proj["101"].age(2030, 75)


@pytest.mark.slow
def test_imported_into_a_demo_project(files: dict[str, list[str]], tmp_path: Path) -> None:
    from zaitaku_map.demo import generate_files
    from zaitaku_map.geodata import import_area_table, import_boundaries
    from zaitaku_map.options import create_option, get_option
    from zaitaku_map.store import create_project

    man = generate_files(tmp_path / "f")
    project = create_project(tmp_path / "d.gpkg")
    try:
        project.set_study_prefectures(["99"])
        import_boundaries(project, man["geojson"], reference_date=man["n03_date"])
        import_area_table(project, man["iryoken_csv"], layer="二次医療圏", reference_date="2025-10-01")
        rep = import_projection_files(project, man["projection_files"])
        assert [f.kind for f in rep.files] == ["projection"] * 4 + ["mhlw_demand", "use_rates"]
        assert rep.rejected == 0
        create_option(project, "案A", template="area", layer="二次医療圏")
        create_option(project, "市町村", template="municipal")
        a, m = get_option(project, "案A"), get_option(project, "市町村")
        names_a = {k: v.get("name") or k for k, v in a.kens.items()}
        od_a = option_demand(project, a.assignments, names_a)
        assert od_a.method == "area"
        by_rates = option_demand(project, m.assignments, {k: k for k in m.kens})
        assert by_rates.method == "rates"
        apportioned = option_demand(
            project, m.assignments, {k: k for k in m.kens}, params=DemandParams(use_rates=False)
        )
        assert (apportioned.method, apportioned.key) == ("apportioned", "75+")
        for od in (by_rates, apportioned):  # the 圏域 parts of each 構想区域 add up to the file
            for c in od.checks:
                assert c.parts == pytest.approx(c.file, rel=1e-9)
        assert unit_demand(project).calibrated
    finally:
        project.close()
